/*
 * quantile_core.h - design-based quantiles as R survey 4.1.1's svyquantile
 * computes them by default: the quantile rule "math" (qrule_math, the
 * inverse of the weighted empirical CDF), Woodruff's interval
 * (woodruffCI with interval.type = "mean": the Wald interval of the
 * proportion of the domain at or below the quantile, mapped back through
 * the quantile rule) and the standard error R derives from that
 * interval's width.  The design variance of the proportion comes from the
 * caller (the one variance engine, var_core.h, behind the tally).  Plain
 * C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_QUANTILE_CORE_H
#define BAROMETER_QUANTILE_CORE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Running sums of the weights of rows sorted by value (all w > 0), as R's
 * cumsum (long double accumulation, each partial sum rounded to double);
 * returns the total, rounded the same way (R's sum).
 */
extern double quantile_cumsum(const double *w, size_t n, double *cumw);

/*
 * R's qrule_math(x, w, p) on n >= 1 rows sorted by x with positive
 * weights, cumw from quantile_cumsum and W their total:
 *   pos = the last i with cumw[i] <= p W (the first row when there is
 *         none: R's survey:::last of an all-FALSE vector is 1);
 *   x[pos] when p - cumw[pos]/W is exactly 0, else x[pos + 1] (x[n] at
 *   the end).
 * Where p W lies below the first weight, R's rule returns the second
 * smallest value, not the smallest; it is reproduced.  O(log n).
 */
extern double quantile_rule_math(const double *x, const double *cumw, size_t n, double W,
								 double p);

/* Woodruff's interval and R's standard error for one probability */
typedef struct QuantileCI
{
	double		lower;			/* NaN when R gives NaN (NA) */
	double		upper;
	double		se;
} QuantileCI;

/*
 * From phat, the estimated proportion of the domain at or below the
 * quantile, its design standard error se_p and the degrees of freedom df
 * (+Inf: normal), at confidence level 1 - alpha (R's alpha = 1 - level):
 *   R's confint(svymean, level = 1 - alpha, df): phat + se_p qt(a, df),
 *   a = (1 - level')/2 and 1 - (1 - level')/2, level' = 1 - alpha;
 *   a bound below 0 or above 1 (or NaN) gives NaN, otherwise the quantile
 *   rule at it; se = (upper - lower) / (2 qt(1 - alpha/2, df)).
 * df <= 0 (a domain inside one PSU) gives NaN everywhere, as R's qt.
 */
extern void quantile_woodruff(const double *x, const double *cumw, size_t n, double W,
							  double phat, double se_p, double df, double level,
							  QuantileCI *out);

/*
 * The rank of the n x k matrix X (column-major, leading dimension n) as R's
 * qr(X, tol = 1e-5)$rank (LINPACK dqrdc2: Householder with limited column
 * pivoting, a column moved to the end when its norm falls below tol times
 * its original norm); X is overwritten, work holds 2k doubles.  Used for
 * the degrees of freedom of a replicate design's domain (R's degf: rank of
 * the replicate weights minus 1).  O(n k min(n, k)).
 */
extern uint32_t quantile_rank(double *X, size_t n, uint32_t k, double tol, double *work);

#endif							/* BAROMETER_QUANTILE_CORE_H */
