/*
 * smallarea_policy_test.c - C unit tests of the publication rule for
 * model-based estimates (policy_model.c, kind model_cv): every step of the
 * rule at and around its thresholds and the edge cases; and the Fay-Herriot
 * fit whose truncated scoring cycled between 0 and A (fh_core.c, safeguarded
 * scoring).  Prints TAP; run with
 * `prove --exec '' test/unit/smallarea_policy_test`.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fh_core.h"
#include "policy_core.h"
#include "tap.h"

/* the model_cv decision of (estimate, mse, n, areas) under pol */
static void
check(const PolicyRow *pol, double e, double mse, double n, double areas,
	  int want, const char *reason_en, const char *what)
{
	ModelFigures m = {e, mse, n, areas};
	PubDecision d;
	int			good;

	memset(&d, 0, sizeof(d));
	good = publication_model(&m, pol, &d) && d.status == want &&
		(reason_en == NULL || strcmp(d.reason_en, reason_en) == 0) &&
		strncmp(d.reason_en, "model-based estimate: ", 22) == 0 &&
		strncmp(d.reason_nl, "modelschatting: ", 16) == 0;
	ok(good, what);
	if (!good)
		printf("#   got %s: %s / %s\n", pub_status_name(d.status), d.reason_en, d.reason_nl);
}

static void
test_policy(void)
{
	PolicyRow	pol,
				other;
	char		err[200];
	ModelFigures m = {0.5, 0.01, 20, 300};
	PubDecision d;

	policy_defaults(&pol, POLICY_MODEL_CV);
	ok(pol.min_areas == 30 && pol.min_n == 5 && pol.publish_max_cv == 16.5 && pol.warn_max_cv == 33.3,
	   "defaults: 30 areas, 5 respondents, 16.5% / 33.3%");
	ok(policy_kind_parse("model_cv") == POLICY_MODEL_CV, "kind model_cv by name");
	ok(policy_kind_applies(POLICY_MODEL_CV, POLICY_FOR_MODEL) &&
	   !policy_kind_applies(POLICY_MODEL_CV, POLICY_FOR_TALLY) &&
	   !policy_kind_applies(POLICY_CV_BANDS, POLICY_FOR_MODEL), "model_cv judges models only");

	check(&pol, 0.4, 0.04 * 0.04, 20, 300, PUB_PUBLISH,
		  "model-based estimate: reliable (CV 10.0% <= 16.5%)", "CV 10%: publish");
	check(&pol, 1, 0.165 * 0.165, 20, 300, PUB_PUBLISH, NULL, "CV at 16.5%: publish");
	check(&pol, 1, 0.1651 * 0.1651, 20, 300, PUB_WARN, NULL, "CV 16.51%: warn");
	check(&pol, 1, 0.333 * 0.333, 20, 300, PUB_WARN, NULL, "CV at 33.3%: warn");
	check(&pol, 1, 0.3331 * 0.3331, 20, 300, PUB_SUPPRESS, NULL, "CV 33.31%: suppress");
	check(&pol, NAN, 0.01, 20, 300, PUB_SUPPRESS, "model-based estimate: no estimate", "no estimate");
	check(&pol, 0.4, 0.0001, 20, 29, PUB_SUPPRESS,
		  "model-based estimate: too few areas in the model (areas 29 < 30)", "29 areas");
	check(&pol, 0.4, 0.0001, 20, NAN, PUB_SUPPRESS, NULL, "areas unknown");
	check(&pol, 0.4, 0.0001, 4, 300, PUB_SUPPRESS,
		  "model-based estimate: too few respondents in the area (n 4 < 5)", "4 respondents");
	check(&pol, 0.4, 0.0001, NAN, 300, PUB_SUPPRESS, NULL, "respondents unknown");
	check(&pol, 0.4, NAN, 20, 300, PUB_SUPPRESS, "model-based estimate: MSE undefined", "MSE undefined");
	check(&pol, 0.4, -1e-9, 20, 300, PUB_SUPPRESS, "model-based estimate: MSE is negative", "MSE negative");
	check(&pol, 0.4, 0, 20, 300, PUB_REVIEW, "model-based estimate: review: MSE is 0", "MSE 0: review");
	check(&pol, 0, 0.01, 20, 300, PUB_REVIEW, NULL, "estimate 0: review");
	check(&pol, -0.4, 0.04 * 0.04, 20, 300, PUB_PUBLISH, NULL, "negative estimate: CV of |estimate|");

	/* synthetic areas, allowed by min_n 0 */
	ok(policy_param_set(&pol, "min_n", 0, false, err, sizeof(err)), "min_n 0 accepted");
	check(&pol, 0.4, 0.04 * 0.04, 0, 300, PUB_WARN,
		  "model-based estimate: synthetic, no respondents in the area (CV 10.0%)", "synthetic: warn");
	check(&pol, 0.1, 0.04 * 0.04, 0, 300, PUB_SUPPRESS, NULL, "synthetic, CV 40%: suppress");
	check(&pol, 0.4, 0.04 * 0.04, NAN, 300, PUB_PUBLISH, NULL, "n unknown, not needed");

	/* parameters */
	ok(!policy_param_set(&pol, "min_areas", -1, false, err, sizeof(err)), "min_areas -1 rejected");
	ok(!policy_param_set(&pol, "k", 85, false, err, sizeof(err)), "a dominance parameter rejected");
	ok(policy_param_set(&pol, "publish_max_cv", 40, false, err, sizeof(err)) &&
	   !policy_check(&pol, err, sizeof(err)), "publish_max_cv above warn_max_cv rejected");
	policy_defaults(&other, POLICY_CV_BANDS);
	ok(!publication_model(&m, &other, &d), "a cv_bands policy does not judge a model");
}

/*
 * 37 areas whose REML root lies at 1.49e-4, between 0 and the first step
 * (3.0e-4): truncated scoring went 0 -> 3.0e-4 -> below 0 -> 0 for ever.
 * metafor::rma(method = "REML", control = list(threshold = 1e-14,
 * stepadj = 0.5)): tau2 0.00014906384453267389.
 */
static void
test_boundary_cycle(void)
{
	enum
	{
		N = 40
	};
	double		x[2 * N],
				y[N],
				D[N];
	FhInput		in;
	FhFit		f;
	int			i;

	for (i = 1; i <= N; i++)
	{
		double		xi = ((i * 37) % 41) / 41.0;

		x[2 * (i - 1)] = 1;
		x[2 * (i - 1) + 1] = xi;
		y[i - 1] = i % 13 == 0 ? NAN : 0.3 + 0.2 * xi + 0.08 * sin(i * 2.3);
		D[i - 1] = 0.002 + 0.02 * ((i * 11) % 7) / 7.0;
	}
	memset(&in, 0, sizeof(in));
	in.n = N;
	in.p = 2;
	in.x = x;
	in.y = y;
	in.D = D;
	in.method = FH_REML;
	in.tol = 1e-12;
	in.maxiter = 1000;
	fh_fit(&in, &f, tap_realloc, NULL);
	ok(f.status == FH_OK && f.iterations < 100, "REML near the boundary converges (safeguarded scoring)");
	ok(fabs(f.A / 0.00014906384453267389 - 1) < 1e-9, "REML root equals metafor's");
	if (fabs(f.A / 0.00014906384453267389 - 1) >= 1e-9)
		printf("#   got %.17g\n", f.A);
}

int
main(void)
{
	test_policy();
	test_boundary_cycle();
	printf("1..%d\n", test_no);
	return failures > 0;
}
