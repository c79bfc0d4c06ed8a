/*
 * reason_code_test.c - every reason the publication rules of
 * policy_core.c write has a code (reason_code.c), and the code does not
 * depend on the figures in the text: a grid of NCHS figures, CV-band and
 * minimum-respondent summaries, counts with totals, and magnitude cells
 * under dominance and p%, each decision's reason_en mapped to its code and
 * checked against the code expected for its rule.  A reworded reason
 * without a new code fails here.  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy_core.h"
#include "reason_code.h"
#include "tap.h"

static int	seen_unknown = 0;

/* every decision must have a code; count the distinct codes met */
static const char *codes_seen[64];
static int	ncodes = 0;

static void
check(const PubDecision *d)
{
	const char *c = pub_reason_code(d->reason_en);
	int			i;

	if (c == NULL)
	{
		seen_unknown++;
		printf("# no code for \"%s\"\n", d->reason_en);
		return;
	}
	for (i = 0; i < ncodes; i++)
		if (strcmp(codes_seen[i], c) == 0)
			return;
	if (ncodes < 64)
		codes_seen[ncodes++] = c;
}

static bool
seen(const char *c)
{
	int			i;

	for (i = 0; i < ncodes; i++)
		if (strcmp(codes_seen[i], c) == 0)
			return true;
	return false;
}

int
main(void)
{
	PolicyRow	pol;
	PubDecision d;
	NchsFigures f;
	TallySummary s;
	MagFigures m;
	double		top[3];
	static const double ps[] = {NAN, 0, 0.001, 0.02, 0.1, 0.5, 0.9, 0.999, 1};
	static const double ns[] = {5, 29, 30, 100, 5000};
	static const double widths[] = {NAN, 0.001, 0.04, 0.06, 0.2, 0.31};
	static const double dfs[] = {1, 7, 8, 100};
	static const char *const expect[] = {
		"no_estimate", "n_below_min", "n_eff_undefined", "n_eff_below_min", "ci_undefined",
		"ci_width", "ci_relative_width", "df_below_min", "estimate_0", "estimate_100",
		"complement_unreliable", "reliable", "cv_undefined", "cv_estimate_0", "cv_above_max",
		"cv_caution", "cv_reliable", "n_ok", "small_count", "small_complement",
		"group_disclosure", "zero_count", "count_ok", "contributors_below_min", "dominance",
		"no_dominance", "p_percent", "p_percent_safe"
	};
	size_t		a,
				b,
				c,
				e,
				k;
	char		name[120];

	/* NCHS 2017 on a grid of figures */
	policy_defaults(&pol, POLICY_NCHS2017);
	for (a = 0; a < sizeof(ps) / sizeof(ps[0]); a++)
		for (b = 0; b < sizeof(ns) / sizeof(ns[0]); b++)
			for (c = 0; c < sizeof(widths) / sizeof(widths[0]); c++)
				for (e = 0; e < sizeof(dfs) / sizeof(dfs[0]); e++)
					for (k = 0; k < 3; k++)
					{
						f.p = ps[a];
						f.n = ns[b];
						f.df = dfs[e];
						f.n_eff = k == 0 ? NAN : (k == 1 ? ns[b] / 10 : ns[b]);
						f.lower = isnan(ps[a]) ? NAN : fmax(0, ps[a] - widths[c] / 2);
						f.upper = f.lower + widths[c];
						pub_nchs_rule(&f, &pol, &d);
						check(&d);
					}

	/* CV bands and minimum respondents on summaries */
	for (k = 0; k < 2; k++)
	{
		policy_defaults(&pol, k == 0 ? POLICY_CV_BANDS : POLICY_MIN_RESPONDENTS);
		for (a = 0; a < sizeof(ps) / sizeof(ps[0]); a++)
			for (b = 0; b < sizeof(ns) / sizeof(ns[0]); b++)
				for (c = 0; c < 5; c++)
				{
					memset(&s, 0, sizeof(s));
					s.kind = TALLY_MEAN;
					s.n = ns[b];
					s.estimate = ps[a];
					s.variance = c == 0 ? NAN : pow(ps[a] * (0.05 + 0.1 * (c - 1)), 2);
					publication_decide(&s, &pol, &d);
					check(&d);
				}
	}

	/* counts with totals */
	policy_defaults(&pol, POLICY_COUNT_THRESHOLD);
	for (a = 0; a < 12; a++)
		for (b = 0; b < 4; b++)
		{
			double		total = b == 0 ? NAN : (b == 1 ? (double) a : (double) a + 2 * b);

			publication_count((double) a, total, &pol, &d);
			check(&d);
		}

	/* magnitudes */
	for (k = 0; k < 2; k++)
	{
		policy_defaults(&pol, k == 0 ? POLICY_DOMINANCE : POLICY_P_PERCENT);
		for (a = 1; a < 6; a++)
			for (b = 0; b < 3; b++)
			{
				top[0] = 100;
				top[1] = b == 0 ? 100 : 5;
				top[2] = 1;
				m.n = (int64_t) a;
				m.ntop = a < 3 ? (int) a : 3;
				m.top = top;
				m.total = b == 2 ? 106 : 1000;
				if (publication_magnitude(&m, &pol, &d))
					check(&d);
			}
	}

	ok(seen_unknown == 0, "every reason written by the rules has a code");
	for (k = 0; k < sizeof(expect) / sizeof(expect[0]); k++)
	{
		snprintf(name, sizeof(name), "the grid reaches the rule of code %s", expect[k]);
		ok(seen(expect[k]), name);
	}
	ok(strcmp(pub_reason_code("effective sample size too small (n_eff 1.5 < 30)"),
			  pub_reason_code("effective sample size too small (n_eff 29.9 < 100)")) == 0,
	   "the figures in a text do not change its code");
	ok(pub_reason_code("suppressed together with another category (small count (1-4))") != NULL &&
	   strcmp(pub_reason_code("suppressed together with another category (small count (1-4))"),
			  "suppressed_together") == 0,
	   "a reason wrapped by suppress_together is suppressed_together");
	ok(pub_reason_code(NULL) == NULL && pub_reason_code("") == NULL, "NULL and empty texts have no code");
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
