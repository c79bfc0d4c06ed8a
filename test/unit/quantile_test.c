/*
 * quantile_test.c - C unit tests of the quantile core: R's qrule_math
 * (exact hits of p W, the rule below the first weight, ties, one row),
 * the long-double running sums, Woodruff's interval and its se against
 * values computed by hand with R's qt, and the rank of R's qr() on
 * matrices of known rank.  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "quantile_core.h"
#include "tap.h"

static double
rule(const double *x, const double *w, size_t n, double p)
{
	double		cumw[64];
	double		W = quantile_cumsum(w, n, cumw);

	return quantile_rule_math(x, cumw, n, W, p);
}

int
main(void)
{
	/* y = 1, 2, 3 weighted 3, 1, 1 (R: svyquantile gives 2, 1, 2) */
	{
		double		x[] = {1, 2, 3},
					w[] = {3, 1, 1};

		ok(rule(x, w, 3, 0.5) == 2, "below the first weight R's rule gives the second value");
		ok(rule(x, w, 3, 0.6) == 1, "p W equal to the first weight: the first value");
		ok(rule(x, w, 3, 0.61) == 2, "just above: the second value");
		ok(rule(x, w, 3, 0.8) == 2, "p W equal to a running sum: that value");
		ok(rule(x, w, 3, 0.99) == 3, "near 1: the largest value");
	}
	/* equal weights, even n: the lower middle value (an exact hit) */
	{
		double		x[] = {1, 2, 3, 4},
					w[] = {1, 1, 1, 1};

		ok(rule(x, w, 4, 0.5) == 2, "median of 1..4 with equal weights is 2 (qrule math)");
		ok(rule(x, w, 4, 0.25) == 1, "first quartile of 1..4 is 1");
		ok(rule(x, w, 4, 0.3) == 2, "p = 0.3 of 1..4 is 2");
	}
	/* ties */
	{
		double		x[] = {5, 5, 5, 7},
					w[] = {1, 1, 1, 1};

		ok(rule(x, w, 4, 0.5) == 5 && rule(x, w, 4, 0.75) == 5 && rule(x, w, 4, 0.76) == 7,
		   "tied values act as one value of their total weight");
	}
	/* one row */
	{
		double		x[] = {42},
					w[] = {0.3};

		ok(rule(x, w, 1, 0.01) == 42 && rule(x, w, 1, 0.99) == 42, "one row: its value");
	}
	/* long double sums: 0.1 ten times is 1 (R's cumsum), not 0.9999999999999999 */
	{
		double		w[10],
					cumw[10],
					W;
		int			i;

		for (i = 0; i < 10; i++)
			w[i] = 0.1;
		W = quantile_cumsum(w, 10, cumw);
		ok(W == 1.0 && cumw[4] == 0.5, "running sums accumulate in long double, as R's cumsum");
	}
	/* Woodruff: phat 0.5, se 0.1, df 10, level 0.95 over 1..100 */
	{
		double		x[100],
					w[100],
					cumw[100],
					W;
		QuantileCI	ci;
		double		t = dist_qt(0.975, 10);
		int			i;

		for (i = 0; i < 100; i++)
		{
			x[i] = i + 1;
			w[i] = 1;
		}
		W = quantile_cumsum(w, 100, cumw);
		quantile_woodruff(x, cumw, 100, W, 0.5, 0.1, 10, 0.95, &ci);
		ok(ci.lower == quantile_rule_math(x, cumw, 100, W, 0.5 + 0.1 * dist_qt(0.025, 10)) &&
		   ci.upper == quantile_rule_math(x, cumw, 100, W, 0.5 + 0.1 * t),
		   "Woodruff bounds: the rule at phat -/+ t se");
		ok(ci.lower == 28 && ci.upper == 73, "which are 28 and 73 here (0.277, 0.723 of 1..100)");
		ok(fabs(ci.se - (73.0 - 28.0) / (2 * t)) < 1e-15, "se = width / (2 qt(0.975, df))");
		quantile_woodruff(x, cumw, 100, W, 0.05, 0.1, 10, 0.95, &ci);
		ok(isnan(ci.lower) && ci.upper == 28 && isnan(ci.se), "a lower bound below 0 is NaN, and so is se");
		quantile_woodruff(x, cumw, 100, W, 0.95, 0.1, 10, 0.95, &ci);
		ok(isnan(ci.upper) && !isnan(ci.lower), "an upper bound above 1 is NaN");
		quantile_woodruff(x, cumw, 100, W, 0.5, 0.1, 0, 0.95, &ci);
		ok(isnan(ci.lower) && isnan(ci.upper) && isnan(ci.se), "df 0: no interval (R's qt(p, 0) is NaN)");
		quantile_woodruff(x, cumw, 100, W, 0.5, 0.0, 5, 0.95, &ci);
		ok(ci.lower == 50 && ci.upper == 50 && ci.se == 0, "se 0: the interval is the quantile");
		quantile_woodruff(x, cumw, 100, W, 0.5, 0.1, INFINITY, 0.9, &ci);
		ok(ci.lower == quantile_rule_math(x, cumw, 100, W, 0.5 + 0.1 * dist_qnorm(0.05000000000000002)) &&
		   fabs(ci.se - (ci.upper - ci.lower) / (2 * dist_qnorm(0.95))) < 1e-14,
		   "df Inf: normal quantiles");
	}
	/* rank */
	{
		double		X[6 * 4],
					work[8];
		int			i,
					j;

		for (i = 0; i < 6; i++)
			for (j = 0; j < 4; j++)
				X[j * 6 + i] = (i == j) ? 2.0 : 0.0;
		ok(quantile_rank(X, 6, 4, 1e-5, work) == 4, "rank of a 6 x 4 identity block is 4");
		for (i = 0; i < 6; i++)
		{
			X[0 * 6 + i] = i + 1;
			X[1 * 6 + i] = 2 * (i + 1);	/* a multiple of column 1 */
			X[2 * 6 + i] = (i % 2);
			X[3 * 6 + i] = (i + 1) + (i % 2);	/* column 1 + column 3 */
		}
		ok(quantile_rank(X, 6, 4, 1e-5, work) == 2, "two dependent columns: rank 2");
		for (i = 0; i < 2; i++)
			for (j = 0; j < 4; j++)
				X[j * 2 + i] = 1.0 + i * j + (j == 3 ? 0.5 : 0);
		ok(quantile_rank(X, 2, 4, 1e-5, work) == 2, "two rows: rank at most 2");
		for (j = 0; j < 4; j++)
			X[j] = j + 1.0;
		ok(quantile_rank(X, 1, 4, 1e-5, work) == 1, "one row: rank 1");
		memset(X, 0, sizeof(X));
		ok(quantile_rank(X, 6, 4, 1e-5, work) == 0, "zero matrix: rank 0");
		for (i = 0; i < 6; i++)
		{
			X[0 * 6 + i] = 1.0;
			X[1 * 6 + i] = 1.0 + ((i == 2) ? 1e-7 : 0.0);	/* below tol */
		}
		ok(quantile_rank(X, 6, 2, 1e-5, work) == 1, "a column within 1e-5 of another: rank 1, as R's qr");
	}
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
