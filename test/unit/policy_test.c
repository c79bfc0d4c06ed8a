/*
 * policy_test.c - C unit tests of the publication rules (policy_core):
 * every rule exactly at and around its thresholds (NCHS 2017 figures fed
 * directly, CV bands, minimum respondents, the count threshold with its
 * complement and group-disclosure flag, dominance and p%), parameter
 * validation, and the exact top-k.  Prints TAP; run with
 * `prove --exec '' test/unit/policy_test`.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_core.h"
#include "tap.h"

static void
is_status(const PubDecision *d, int want, const char *reason_part, const char *what)
{
	int			good = d->status == want &&
		(reason_part == NULL || strstr(d->reason_en, reason_part) != NULL);

	ok(good, what);
	if (!good)
		printf("#   got %s: %s / %s\n", pub_status_name(d->status), d->reason_en, d->reason_nl);
}

/* NCHS 2017 on hand-made figures: p, n, n_eff, df, interval */
static void
nchs(double p, double n, double neff, double df, double lo, double hi, PubDecision *d)
{
	PolicyRow	pol;
	NchsFigures f;

	policy_defaults(&pol, POLICY_NCHS2017);
	f.p = p;
	f.n = n;
	f.n_eff = neff;
	f.df = df;
	f.lower = lo;
	f.upper = hi;
	pub_nchs_rule(&f, &pol, d);
}

static void
test_nchs(void)
{
	PubDecision d;

	nchs(0.5, 29, 100, 100, 0.45, 0.55, &d);
	is_status(&d, PUB_SUPPRESS, "too few respondents (n < 30)", "nchs: n 29 suppress");
	ok(strcmp(d.reason_nl, "te weinig respondenten (n < 30)") == 0, "nchs: Dutch reason");
	nchs(0.5, 30, 30, 100, 0.45, 0.55, &d);
	is_status(&d, PUB_PUBLISH, NULL, "nchs: n 30 and n_eff 30 publish");
	nchs(0.5, 100, 29.99, 100, 0.45, 0.55, &d);
	is_status(&d, PUB_SUPPRESS, "n_eff 30.0 < 30", "nchs: n_eff 29.99 suppress");
	nchs(0.5, 100, NAN, 100, 0.45, 0.55, &d);
	is_status(&d, PUB_SUPPRESS, "undefined", "nchs: n_eff undefined suppress");
	nchs(0.5, 100, 100, 100, 0.35, 0.65, &d);
	is_status(&d, PUB_SUPPRESS, "too wide (30.0 points >= 30)", "nchs: width 0.30 suppress");
	nchs(0.5, 100, 100, 100, 0.375, 0.625, &d);
	is_status(&d, PUB_PUBLISH, NULL, "nchs: width 0.25 publish");
	nchs(0.5, 100, 100, 100, 0.3501, 0.6499, &d);
	is_status(&d, PUB_PUBLISH, NULL, "nchs: width 0.2998 publish");
	/* relative width: width > 0.05 and width / p > 1.30 */
	nchs(0.05, 100, 100, 100, 0.0, 0.065, &d);
	is_status(&d, PUB_PUBLISH, NULL, "nchs: width/p = 1.30 publish");
	nchs(0.05, 100, 100, 100, 0.0, 0.0651, &d);
	is_status(&d, PUB_SUPPRESS, "relative to the estimate", "nchs: width/p > 1.30 suppress");
	nchs(0.02, 100, 100, 100, 0.0, 0.05, &d);
	is_status(&d, PUB_PUBLISH, NULL, "nchs: width 0.05 (not above the floor) publish");
	nchs(0.02, 100, 100, 100, 0.0, 0.0501, &d);
	is_status(&d, PUB_SUPPRESS, "relative to the estimate", "nchs: width just above 0.05 with width/p 2.5 suppress");
	nchs(0, 100, 100, 100, 0.0, 0.036, &d);
	is_status(&d, PUB_REVIEW, "estimate is 0%", "nchs: p = 0 with a narrow interval review");
	nchs(0, 100, 100, 100, 0.0, 0.06, &d);
	is_status(&d, PUB_SUPPRESS, "infinite", "nchs: p = 0 with width 0.06 suppress");
	nchs(1, 100, 100, 100, 0.964, 1.0, &d);
	is_status(&d, PUB_REVIEW, "estimate is 100%", "nchs: p = 1 review");
	nchs(0.5, 100, 100, 7, 0.45, 0.55, &d);
	is_status(&d, PUB_REVIEW, "df 7 < 8", "nchs: df 7 review");
	nchs(0.5, 100, 100, 8, 0.45, 0.55, &d);
	is_status(&d, PUB_PUBLISH, NULL, "nchs: df 8 publish");
	/* complement: width / (1 - p) > 1.30 */
	nchs(0.96, 100, 100, 100, 0.908, 0.96 + 0.0, &d);
	is_status(&d, PUB_PUBLISH, NULL, "nchs: complement width/(1-p) = 1.30 publish");
	nchs(0.96, 100, 100, 100, 0.9079, 0.96, &d);
	is_status(&d, PUB_WARN, "complement", "nchs: complement width/(1-p) > 1.30 warn");
	nchs(NAN, 0, NAN, 0, NAN, NAN, &d);
	is_status(&d, PUB_SUPPRESS, "no estimate", "nchs: no estimate suppress");
}

/* the figures from a summary: cap at n and the df adjustment */
static void
test_nchs_figures(void)
{
	PolicyRow	pol;
	TallySummary s;
	NchsFigures f;

	policy_defaults(&pol, POLICY_NCHS2017);
	memset(&s, 0, sizeof(s));
	s.kind = TALLY_PROPORTION;
	s.n = s.n_pos = 100;
	s.estimate = 0.5;
	s.variance = 0.25 / 32;		/* exact: p(1-p)/V = 32 */
	s.df = 99;
	s.s2 = s.phi = s.var_logit = NAN;
	pub_nchs_figures(&s, &pol, &f);
	ok(f.n_eff == 32, "figures: n_eff = p(1-p)/V with df = n - 1");
	s.variance = 0.25 / 1024;	/* 1024 > n: capped */
	pub_nchs_figures(&s, &pol, &f);
	ok(f.n_eff == 100, "figures: n_eff capped at n");
	s.variance = 0.25 / 64;
	s.df = 10;
	pub_nchs_figures(&s, &pol, &f);
	ok(f.n_eff < 64 && f.n_eff > 50, "figures: the df adjustment lowers n_eff");
	s.df = 0;
	pub_nchs_figures(&s, &pol, &f);
	ok(isnan(f.n_eff), "figures: no df, no n_eff");
	s.df = 99;
	s.estimate = 0;
	s.variance = 0;
	s.boundary = true;
	pub_nchs_figures(&s, &pol, &f);
	ok(f.n_eff == 100 && f.lower == 0 && f.upper > 0.03 && f.upper < 0.04,
	   "figures: p = 0 uses n and the Clopper-Pearson interval");
}

static void
cv(double est, double se, double n, double pub, double warn, PubDecision *d)
{
	PolicyRow	pol;
	TallySummary s;

	/* se^2 is stored: integer se values make sqrt(se^2) / est exact */
	policy_defaults(&pol, POLICY_CV_BANDS);
	pol.publish_max_cv = pub;
	pol.warn_max_cv = warn;
	memset(&s, 0, sizeof(s));
	s.kind = TALLY_MEAN;
	s.n = n;
	s.estimate = est;
	s.variance = se * se;
	publication_decide(&s, &pol, d);
}

static void
test_cv(void)
{
	PubDecision d;

	cv(1000, 165, 100, 16.5, 33.3, &d);
	is_status(&d, PUB_PUBLISH, "CV 16.5% <= 16.5%", "cv: 16.5% publish");
	cv(1000, 165.1, 100, 16.5, 33.3, &d);
	is_status(&d, PUB_WARN, "(CV 16.5% > 16.5%, E)", "cv: 16.51% warn (E)");
	cv(1000, 333, 100, 16.5, 33.3, &d);
	is_status(&d, PUB_WARN, NULL, "cv: 33.3% warn");
	cv(1000, 333.1, 100, 16.5, 33.3, &d);
	is_status(&d, PUB_SUPPRESS, "F)", "cv: 33.31% suppress (F)");
	cv(-2, 0.2, 100, 16.5, 33.3, &d);
	is_status(&d, PUB_PUBLISH, NULL, "cv: a negative mean uses |estimate|");
	cv(1000, 150, 100, 15, 35, &d);
	is_status(&d, PUB_PUBLISH, NULL, "cv v2: 15% publish");
	cv(1000, 150.1, 100, 15, 35, &d);
	is_status(&d, PUB_WARN, NULL, "cv v2: 15.01% warn");
	cv(1000, 350, 100, 15, 35, &d);
	is_status(&d, PUB_WARN, NULL, "cv v2: 35% warn");
	cv(1000, 350.1, 100, 15, 35, &d);
	is_status(&d, PUB_SUPPRESS, NULL, "cv v2: 35.01% suppress");
	cv(1, 0.01, 9, 16.5, 33.3, &d);
	is_status(&d, PUB_SUPPRESS, "n < 10", "cv: n 9 suppress");
	cv(1, 0.01, 10, 16.5, 33.3, &d);
	is_status(&d, PUB_PUBLISH, NULL, "cv: n 10 publish");
	cv(0, 0.01, 100, 16.5, 33.3, &d);
	is_status(&d, PUB_REVIEW, "estimate is 0", "cv: estimate 0 review");
	ok(strstr(d.reason_nl, "variatiecoëfficiënt") != NULL, "cv: Dutch reason");
}

static void
test_min_respondents(void)
{
	PolicyRow	pol;
	TallySummary s;
	PubDecision d;

	policy_defaults(&pol, POLICY_MIN_RESPONDENTS);
	memset(&s, 0, sizeof(s));
	s.kind = TALLY_MEAN;
	s.estimate = 3;
	s.n = 29;
	publication_decide(&s, &pol, &d);
	is_status(&d, PUB_SUPPRESS, "too few respondents (n < 30)", "min_respondents: 29 suppress");
	s.n = 30;
	publication_decide(&s, &pol, &d);
	is_status(&d, PUB_PUBLISH, "n >= 30", "min_respondents: 30 publish");
}

static void
test_counts(void)
{
	PolicyRow	pol;
	PubDecision d;
	double		thr[3] = {5, 3, 10};
	int			i;

	for (i = 0; i < 3; i++)
	{
		char		what[100];
		double		t = thr[i];

		policy_defaults(&pol, POLICY_COUNT_THRESHOLD);
		pol.threshold = t;
		publication_count(0, NAN, &pol, &d);
		snprintf(what, sizeof(what), "count threshold %g: 0 publish", t);
		is_status(&d, PUB_PUBLISH, "zero", what);
		publication_count(1, NAN, &pol, &d);
		snprintf(what, sizeof(what), "count threshold %g: 1 suppress", t);
		is_status(&d, PUB_SUPPRESS, "small count", what);
		publication_count(t - 1, NAN, &pol, &d);
		snprintf(what, sizeof(what), "count threshold %g: %g suppress", t, t - 1);
		is_status(&d, PUB_SUPPRESS, "small count", what);
		publication_count(t, NAN, &pol, &d);
		snprintf(what, sizeof(what), "count threshold %g: %g publish", t, t);
		is_status(&d, PUB_PUBLISH, NULL, what);
		publication_count(100, 100 + t - 1, &pol, &d);
		snprintf(what, sizeof(what), "count threshold %g: complement %g suppress", t, t - 1);
		is_status(&d, PUB_SUPPRESS, "complement", what);
		publication_count(100, 100 + t, &pol, &d);
		snprintf(what, sizeof(what), "count threshold %g: complement %g publish", t, t);
		is_status(&d, PUB_PUBLISH, NULL, what);
	}
	policy_defaults(&pol, POLICY_COUNT_THRESHOLD);
	publication_count(12, 12, &pol, &d);
	is_status(&d, PUB_REVIEW, "group disclosure", "count: the whole total in one cell review");
	publication_count(0, 12, &pol, &d);
	is_status(&d, PUB_PUBLISH, NULL, "count: a zero beside it publish");
	publication_count(0, 0, &pol, &d);
	is_status(&d, PUB_PUBLISH, NULL, "count: an empty row publish");
	pol.complement = 0;
	publication_count(100, 103, &pol, &d);
	is_status(&d, PUB_PUBLISH, NULL, "count: complement rule off");
	pol.group_disclosure = 0;
	publication_count(12, 12, &pol, &d);
	is_status(&d, PUB_PUBLISH, NULL, "count: group disclosure flag off");
	ok(strcmp(d.reason_nl, "telling boven de drempel") == 0, "count: Dutch reason");
}

static void
mag(int kind, double n_or_p, double k, int64_t n, const double *top, int ntop, double total,
	PubDecision *d)
{
	PolicyRow	pol;
	MagFigures	m;

	policy_defaults(&pol, kind);
	if (kind == POLICY_DOMINANCE)
	{
		pol.n = n_or_p;
		pol.k = k;
	}
	else
		pol.p = n_or_p;
	m.n = n;
	m.total = total;
	m.top = top;
	m.ntop = ntop;
	if (!publication_magnitude(&m, &pol, d))
		d->status = -1;
}

static void
test_magnitudes(void)
{
	PubDecision d;
	double		a[] = {85, 10, 5};
	double		b[] = {85.01, 9.99, 5};
	double		c[] = {50, 35, 15};
	double		e[] = {50, 35.01, 14.99};
	double		p1[] = {100, 50, 10};
	double		p2[] = {100, 50, 9.99};
	double		t2[] = {60, 40};

	mag(POLICY_DOMINANCE, 1, 85, 3, a, 3, 100, &d);
	is_status(&d, PUB_PUBLISH, NULL, "dominance (1, 85): 85% publish");
	mag(POLICY_DOMINANCE, 1, 85, 3, b, 3, 100, &d);
	is_status(&d, PUB_SUPPRESS, "largest contribution is 85%", "dominance (1, 85): 85.01% suppress");
	mag(POLICY_DOMINANCE, 2, 85, 3, c, 3, 100, &d);
	is_status(&d, PUB_PUBLISH, NULL, "dominance (2, 85): 85% publish");
	mag(POLICY_DOMINANCE, 2, 85, 3, e, 3, 100, &d);
	is_status(&d, PUB_SUPPRESS, "2 largest", "dominance (2, 85): 85.01% suppress");
	/* p%: X - x1 - x2 < p/100 x1 */
	mag(POLICY_P_PERCENT, 10, 0, 3, p1, 3, 160, &d);
	is_status(&d, PUB_PUBLISH, NULL, "p% (10): remainder 10% of x1 publish");
	mag(POLICY_P_PERCENT, 10, 0, 3, p2, 3, 159.99, &d);
	is_status(&d, PUB_SUPPRESS, "p% rule", "p% (10): remainder 9.99% of x1 suppress");
	mag(POLICY_P_PERCENT, 10, 0, 2, t2, 2, 100, &d);
	is_status(&d, PUB_SUPPRESS, "too few contributors (2 < 3)", "threshold: 2 contributors suppress");
	mag(POLICY_P_PERCENT, 10, 0, 0, NULL, 0, 0, &d);
	is_status(&d, PUB_PUBLISH, NULL, "an empty cell publish");
	mag(POLICY_DOMINANCE, 3, 85, 10, a, 2, 100, &d);
	ok(d.status == -1, "dominance needs as many kept contributions as n");
}

static void
test_params(void)
{
	PolicyRow	row;
	char		err[300];

	policy_defaults(&row, POLICY_NCHS2017);
	ok(policy_param_set(&row, "min_n", 50, false, err, sizeof(err)) && row.min_n == 50,
	   "params: min_n set");
	ok(!policy_param_set(&row, "threshold", 5, false, err, sizeof(err)) &&
	   strstr(err, "no parameter \"threshold\"") != NULL, "params: a parameter of another kind");
	ok(!policy_param_set(&row, "level", 1.5, false, err, sizeof(err)), "params: level out of range");
	ok(!policy_param_set(&row, "complement", 1, false, err, sizeof(err)) &&
	   strstr(err, "true or false") != NULL, "params: a boolean given as a number");
	policy_defaults(&row, POLICY_DOMINANCE);
	ok(!policy_param_set(&row, "n", 1.5, false, err, sizeof(err)), "params: n must be an integer");
	policy_defaults(&row, POLICY_CV_BANDS);
	row.warn_max_cv = 10;
	ok(!policy_check(&row, err, sizeof(err)), "params: warn band below the publish band");
	ok(policy_kind_parse("p_percent") == POLICY_P_PERCENT && policy_kind_parse("P_percent") < 0,
	   "kinds by name");
	ok(pub_status_parse("review") == PUB_REVIEW && pub_status_parse("x") < 0, "statuses by name");
}

static void
test_topk(void)
{
	double		heap[5],
				all[1000];
	int			n = 0,
				i,
				j,
				good = 1;
	unsigned	s = 12345;

	for (i = 0; i < 1000; i++)
	{
		s = s * 1103515245u + 12345u;
		all[i] = (double) ((s >> 8) % 1000);
		topk_add(heap, &n, 5, all[i]);
	}
	topk_sort_desc(heap, n);
	/* the 5 largest by selection */
	for (j = 0; j < 5; j++)
	{
		int			best = -1;

		for (i = 0; i < 1000; i++)
			if (all[i] >= 0 && (best < 0 || all[i] > all[best]))
				best = i;
		if (heap[j] != all[best])
			good = 0;
		all[best] = -1;
	}
	ok(n == 5 && good, "top-k keeps the 5 largest of 1000 exactly, in descending order");
}

int
main(void)
{
	test_nchs();
	test_nchs_figures();
	test_cv();
	test_min_respondents();
	test_counts();
	test_magnitudes();
	test_params();
	test_topk();
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
