/*
 * core_test.c - C unit tests of barometer's statistical core (no
 * PostgreSQL): compensated sums over 10^8 rows, merge-order independence,
 * closed-form values, the consistency check, and interval edge cases.
 * Prints TAP; run with `prove --exec '' test/unit/core_test` or `make unit`.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "dd.h"
#include "dist.h"
#include "tally_core.h"
#include "tap.h"

static int
close_rel(double a, double b, double tol)
{
	if (a == b)
		return 1;
	return fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

static void
is_close(double got, double want, double tol, const char *what)
{
	ok(close_rel(got, want, tol), what);
	if (!close_rel(got, want, tol))
		printf("#   got %.17g, want %.17g\n", got, want);
}

/* a small deterministic generator (xorshift64*) */
static uint64_t rng_state = 88172645463325252ULL;

static double
rng_unif(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double) ((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static void
test_dd(void)
{
	dd_t		s = dd_two_sum(1.0, 1e-20);
	dd_t		q = dd_div(dd_from_double(1.0), dd_from_double(3.0));
	dd_t		back = dd_mul_d(q, 3.0);

	ok(s.hi == 1.0 && s.lo == 1e-20, "TwoSum keeps the low part exactly");
	ok(fabs(dd_to_double(dd_sub(back, dd_from_double(1.0)))) < 1e-30,
	   "dd division is accurate to about 2^-104");
}

/* 10^8 rows: the compensated sum stays exact where a naive sum drifts */
static void
test_many_rows(void)
{
	TallyCore	t;
	TallySummary s;
	double		naive = 0.0;
	long		i;
	const long	N = 100000000L;

	tally_core_init(&t, TALLY_PROPORTION);
	for (i = 0; i < N; i++)
	{
		tally_core_add(&t, (i & 1) ? 1.0 : 0.0, 0.1);
		naive += 0.1;
	}
	tally_core_finish(&t);
	tally_core_summary(&t, &s);
	/* exact: 10^8 * fl(0.1) = 10000000.000000000555..., which rounds to 1e7 */
	ok(s.weighted_n == 1e7, "sum of 10^8 weights of 0.1 is exact");
	printf("# naive running sum gives %.17g (relative error %.2g)\n",
		   naive, fabs(naive - 1e7) / 1e7);
	ok(fabs(naive - 1e7) / 1e7 > 1e-10, "a naive running sum visibly drifts (sanity check of the test)");
	is_close(s.estimate, 0.5, 1e-15, "estimate over 10^8 rows is exactly 0.5");
	/* V = N/(N-1) * sum w^2 (y-p)^2 / W^2 = N/(N-1) * 0.01 N 0.25 / (0.01 N^2) */
	is_close(s.variance, 0.25 / (N - 1), 1e-13, "variance over 10^8 rows matches the closed form");
}

static void
fill(TallyCore *t, int kind, int n, double shift)
{
	int			i;

	tally_core_init(t, kind);
	for (i = 0; i < n; i++)
	{
		double		w = 0.2 + 5 * rng_unif();
		double		y = kind == TALLY_PROPORTION ? (rng_unif() < 0.3) : shift + 100 * rng_unif();

		if (rng_unif() < 0.05)
			tally_core_add_missing(t);
		else
			tally_core_add(t, y, w);
	}
}

/* any merge order gives the same doubles */
static void
test_merge_order(void)
{
	TallyCore	part[8],
				a,
				b;
	TallySummary sa,
				sb;
	int			i,
				kind;

	for (kind = TALLY_PROPORTION; kind <= TALLY_MEAN; kind++)
	{
		for (i = 0; i < 8; i++)
			fill(&part[i], kind, 1000 + 37 * i, 2022.0);
		tally_core_init(&a, kind);
		tally_core_init(&b, kind);
		for (i = 0; i < 8; i++)
			tally_core_merge(&a, &part[i]);
		/* pairwise, reversed */
		{
			TallyCore	l = part[7],
						r = part[3];

			tally_core_merge(&l, &part[6]);
			tally_core_merge(&l, &part[5]);
			tally_core_merge(&l, &part[4]);
			tally_core_merge(&r, &part[2]);
			tally_core_merge(&r, &part[1]);
			tally_core_merge(&r, &part[0]);
			tally_core_merge(&b, &r);
			tally_core_merge(&b, &l);
		}
		tally_core_finish(&a);
		tally_core_finish(&b);
		tally_core_summary(&a, &sa);
		tally_core_summary(&b, &sb);
		ok(sa.estimate == sb.estimate && sa.variance == sb.variance &&
		   sa.weighted_n == sb.weighted_n && sa.s2 == sb.s2,
		   kind == TALLY_PROPORTION ? "proportion: merge order does not change any digit"
		   : "mean of values near 2022: merge order does not change any digit");
		ok(tally_core_check(&a) == NULL, "a merged state passes the consistency check");
	}
}

/* hand-computed values: y = (0, 1), w = (1, 3) */
static void
test_closed_form(void)
{
	TallyCore	t;
	TallySummary s;

	tally_core_init(&t, TALLY_PROPORTION);
	tally_core_add(&t, 0.0, 1.0);
	tally_core_add(&t, 1.0, 3.0);
	tally_core_summary(&t, &s);
	is_close(s.estimate, 0.75, 0, "p = 3/4");
	/* 2/1 * (1 * 0.75^2 + 9 * 0.25^2) / 16 */
	is_close(s.variance, 0.140625, 1e-15, "V = N/(N-1) sum w^2 (y-p)^2 / W^2");
	/* s^2 = 2 * (1 * 0.5625 + 3 * 0.0625) / 4 */
	is_close(s.s2, 0.375, 1e-15, "s^2 = n/(n-1) sum w (y-p)^2 / W");
	is_close(s.kish_n_eff, 1.6, 1e-15, "Kish n_eff = W^2 / sum w^2");
	ok(s.df == 1, "df = rows of positive weight - 1");
	is_close(tally_deff(&s, true), 0.140625 / (0.375 / 2), 1e-15, "deff replace = V / (s^2 / n)");
	is_close(tally_deff(&s, false), 0.140625 / (0.375 * 2 / 8), 1e-15, "deff = V / (s^2 (W-n)/(W n))");

	/* one missing row: the design has 3 PSUs, the variance factor is 3/2 */
	tally_core_add_missing(&t);
	tally_core_summary(&t, &s);
	is_close(s.variance, 1.5 * 0.140625 / 2, 1e-15, "a missing row stays in the design (N = 3)");

	/* a mean of numbers near 1e9 keeps its small variance (no cancellation) */
	tally_core_init(&t, TALLY_MEAN);
	tally_core_add(&t, 1e9 + 1, 1.0);
	tally_core_add(&t, 1e9 + 3, 1.0);
	tally_core_summary(&t, &s);
	is_close(s.estimate, 1e9 + 2, 0, "mean near 1e9");
	is_close(s.variance, 2.0 / 4 * 2 / 1, 1e-12, "variance of values near 1e9 has no cancellation");
}

static void
test_check(void)
{
	TallyCore	t;

	fill(&t, TALLY_MEAN, 100, 0);
	tally_core_finish(&t);
	ok(tally_core_check(&t) == NULL, "a fresh state is consistent");
	t.n_pos = t.n + 1;
	ok(tally_core_check(&t) != NULL, "more positive rows than rows is rejected");
	fill(&t, TALLY_PROPORTION, 100, 0);
	tally_core_finish(&t);
	t.s[S_WY].hi = t.s[S_W].hi * 2;
	ok(tally_core_check(&t) != NULL, "weighted TRUE count above the sum of weights is rejected");
	fill(&t, TALLY_PROPORTION, 100, 0);
	t.s[S_WW].hi = NAN;
	ok(tally_core_check(&t) != NULL, "NaN sum is rejected");
	fill(&t, TALLY_PROPORTION, 100, 0);
	t.kind = 7;
	ok(tally_core_check(&t) != NULL, "unknown kind is rejected");
}

/*
 * Every state the aggregates can make passes the check, also when products
 * underflow (weights below 1e-154 have subnormal squares, values may be
 * subnormal themselves) or weights and values reach the aggregates' limit
 * of 1e75: random rows at every binary exponent, merged in pairs.
 */
static double
extreme_number(void)
{
	int			e = (int) (rng_unif() * 1350) - 1100;	/* 2^-1100 .. 2^250 */
	double		x = ldexp(0.5 + rng_unif(), e);

	return x > 1e75 ? 1e75 : x;
}

static void
test_check_extremes(void)
{
	int			trial,
				bad = 0,
				bad_merge = 0;
	TallyCore	t,
				u,
				prev[2];

	for (trial = 0; trial < 20000; trial++)
	{
		int			kind = trial % 2 ? TALLY_MEAN : TALLY_PROPORTION;
		int			rows = 1 + (int) (rng_unif() * 6),
					i;
		int			scale = (int) (rng_unif() * 3);

		tally_core_init(&t, kind);
		for (i = 0; i < rows; i++)
		{
			/* scale 0: all extreme; 1: extreme weights; 2: mixed with usual rows */
			double		w = scale == 2 && rng_unif() < 0.5 ? 1 + rng_unif() : extreme_number();
			double		y = kind == TALLY_PROPORTION ? (rng_unif() < 0.5) :
				(scale == 1 ? 1 + 100 * rng_unif() : extreme_number()) * (rng_unif() < 0.3 ? -1 : 1);

			tally_core_add(&t, y, w);
		}
		tally_core_finish(&t);
		if (tally_core_check(&t) != NULL)
		{
			if (bad++ < 3)
				printf("#   rejected (%s): kind %d n %ld sw %.17g sww %.17g swy %.17g swyy %.17g swwy %.17g swwyy %.17g\n",
					   tally_core_check(&t), kind, (long) t.n, t.s[S_W].hi, t.s[S_WW].hi, t.s[S_WY].hi,
					   t.s[S_WYY].hi, t.s[S_WWY].hi, t.s[S_WWYY].hi);
			continue;
		}
		/* merged with the previous state of the same kind */
		if (trial >= 2)
		{
			u = prev[kind == TALLY_MEAN];
			tally_core_merge(&u, &t);
			tally_core_finish(&u);
			if (tally_core_check(&u) != NULL && bad_merge++ < 3)
				printf("#   merge rejected: %s\n", tally_core_check(&u));
		}
		prev[kind == TALLY_MEAN] = t;
	}
	ok(bad == 0, "states of extreme weights and values (subnormal products, 1e75) pass the check");
	ok(bad_merge == 0, "and so do their merges");

	/* counts saturate instead of wrapping; the check then refuses them */
	fill(&t, TALLY_MEAN, 10, 0);
	tally_core_finish(&t);
	t.n = t.n_pos = INT64_MAX / 4;
	u = t;
	for (trial = 0; trial < 5; trial++)
		tally_core_merge(&u, &t);
	ok(u.n == INT64_MAX && tally_core_range_check(&u) != NULL,
	   "merged row counts saturate and are out of range");
	ok(tally_count_add(INT64_MAX, 1) == INT64_MAX && tally_count_add(2, 3) == 5,
	   "tally_count_add saturates");
}

static void
test_intervals(void)
{
	TallyCore	t;
	TallySummary s;
	double		lo,
				hi;
	int			i,
				m;

	/* p = 0 with 10 rows: Clopper-Pearson [0, 1 - (alpha/2)^(1/n)] */
	tally_core_init(&t, TALLY_PROPORTION);
	for (i = 0; i < 10; i++)
		tally_core_add(&t, 0.0, 1.0 + i);
	tally_core_summary(&t, &s);
	ok(s.boundary, "all FALSE is the boundary p = 0");
	ok(ci_compute(&s, 0.95, CI_BETA, s.df, &lo, &hi) && lo == 0.0 &&
	   close_rel(hi, 1 - pow(0.025, 0.1), 1e-14), "beta at p = 0 is Clopper-Pearson with n");
	ok(ci_compute(&s, 0.95, CI_XLOGIT, s.df, &lo, &hi) && lo == 0.0 &&
	   close_rel(hi, 1 - pow(0.025, 0.1), 1e-14), "xlogit at p = 0 is defined");
	ok(ci_compute(&s, 0.95, CI_MEAN, s.df, &lo, &hi) && lo == 0.0 && hi == 0.0,
	   "mean at p = 0 keeps R's degenerate [0, 0]");

	/* unweighted 30 of 100: Wilson with n = 100 */
	tally_core_init(&t, TALLY_PROPORTION);
	for (i = 0; i < 100; i++)
		tally_core_add(&t, i < 30 ? 1.0 : 0.0, 1.0);
	tally_core_summary(&t, &s);
	{
		double		z = dist_qnorm(0.975),
					n = 100,
					p = 0.3,
					d = 1 + z * z / n,
					c = (p + z * z / (2 * n)) / d,
					h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d;

		ok(ci_compute(&s, 0.95, CI_WILSON, s.df, &lo, &hi) &&
		   close_rel(lo, c - h, 1e-13) && close_rel(hi, c + h, 1e-13),
		   "unweighted Wilson uses n and the count");
	}
	/* every method stays in [0, 1] and brackets p */
	for (m = 0; m < CI_NMETHODS; m++)
	{
		char		what[100];

		snprintf(what, sizeof(what), "%s: 0 <= lower <= p <= upper <= 1", ci_method_name(m));
		ok(ci_compute(&s, 0.9, m, s.df, &lo, &hi) && lo >= 0 && lo <= 0.3 && hi >= 0.3 && hi <= 1, what);
	}
	/* likelihood: the bounds solve KL(p, q) = phi t^2 V / (2 p (1-p)) */
	{
		double		t95 = ci_tquantile(0.95, s.df);
		double		K = s.phi * t95 * t95 * s.variance / (2 * 0.21);
		double		kl_lo,
					kl_hi;

		ci_compute(&s, 0.95, CI_LIKELIHOOD, s.df, &lo, &hi);
		kl_lo = 0.3 * log(0.3 / lo) + 0.7 * log(0.7 / (1 - lo));
		kl_hi = 0.3 * log(0.3 / hi) + 0.7 * log(0.7 / (1 - hi));
		is_close(kl_lo, K, 1e-10, "likelihood lower bound solves the profile equation");
		is_close(kl_hi, K, 1e-10, "likelihood upper bound solves the profile equation");
	}
	/* no degrees of freedom: t-based intervals are undefined */
	ok(!ci_compute(&s, 0.95, CI_XLOGIT, 0, &lo, &hi), "df = 0 gives no t interval");
	is_close(ci_tquantile(0.95, INFINITY), 1.959963984540054, 1e-15, "df = Inf is the normal quantile");
	ok(ci_method_parse("korn_graubard") == CI_BETA && ci_method_parse("wald") == CI_MEAN &&
	   ci_method_parse("Beta") < 0, "method names and aliases");
	ok(!ci_method_applies(CI_WILSON, TALLY_MEAN) && ci_method_applies(CI_MEAN, TALLY_MEAN),
	   "only the Wald interval applies to a mean");
}

int
main(void)
{
	test_dd();
	test_closed_form();
	test_check();
	test_check_extremes();
	test_merge_order();
	test_intervals();
	test_many_rows();
	printf("1..%d\n", test_no);
	return failures > 0;
}
