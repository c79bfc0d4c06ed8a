/*
 * dist.c - thin, argument-checking wrappers around libRmath.
 *
 * libRmath prints warnings or returns NaN on bad arguments; never hand it
 * one.  dexp() is never called (its name clashes with a PostgreSQL symbol).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include "dist.h"

static inline int
is_prob(double p)
{
	return p > 0.0 && p < 1.0;
}

double
dist_qnorm(double p)
{
	if (!is_prob(p))
		return NAN;
	return qnorm(p, 0.0, 1.0, 1, 0);
}

double
dist_qt(double p, double df)
{
	if (!is_prob(p) || isnan(df) || !(df > 0.0))
		return NAN;
	if (isinf(df))
		return qnorm(p, 0.0, 1.0, 1, 0);
	return qt(p, df, 1, 0);
}

double
dist_qbeta(double p, double a, double b)
{
	if (isnan(p) || p < 0.0 || p > 1.0 || !isfinite(a) || !isfinite(b) ||
		a < 0.0 || b < 0.0 || (a == 0.0 && b == 0.0))
		return NAN;
	return qbeta(p, a, b, 1, 0);
}

double
dist_pt_upper(double t, double df)
{
	if (isnan(t) || isnan(df) || !(df > 0.0))
		return NAN;
	if (isinf(df))
		return pnorm(t, 0.0, 1.0, 0, 0);
	return pt(t, df, 0, 0);
}

double
dist_pchisq_upper(double x, double df)
{
	if (isnan(x) || !isfinite(df) || !(df > 0.0))
		return NAN;
	return pchisq(x, df, 0, 0);
}

double
dist_pf_upper(double f, double df1, double df2)
{
	if (isnan(f) || !isfinite(df1) || !(df1 > 0.0) || isnan(df2) || !(df2 > 0.0))
		return NAN;
	if (isinf(df2))
		return pchisq(f * df1, df1, 0, 0);
	return pf(f, df1, df2, 0, 0);
}

double
dist_log1pmx(double x)
{
	if (isnan(x) || !(x > -1.0))
		return NAN;
	return log1pmx(x);
}
