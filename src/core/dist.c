/*
 * dist.c - thin, argument-checking wrappers around libRmath.
 *
 * libRmath prints warnings or returns NaN on bad arguments; never hand it
 * one.  Its warnings go straight to the server's standard output, outside
 * PostgreSQL's logging, so arguments where it would warn are handled here
 * before the call.  A sweep of every wrapper over shapes and degrees of
 * freedom from 1e-310 to 1e300 and probabilities from 1e-300 to 1 - 1e-10
 * (test/unit/dist_test.c keeps it) found two such regions:
 *   - qbeta with a + b above about 1e12 ("is not accurate", and values off
 *     by far more than the interval) or with a shape below 0.1 where the
 *     other is larger (the mass sits at 1): see dist_qbeta;
 *   - pf with degrees of freedom below 1e-3, which no test produces: NaN.
 * dexp() is never called (its name clashes with a PostgreSQL symbol).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include "dist.h"

/*
 * A memo of the quantile functions, whose libRmath searches cost a few
 * microseconds a call: a dashboard asks for the same quantiles over and
 * over (qt at the same few df; the Korn-Graubard bounds of one tally from
 * report() and again from publication_status()).  Direct-mapped, keyed by
 * the arguments' bits, so a hit returns exactly what the call would.  Per
 * process (a PostgreSQL backend is single-threaded); the values depend on
 * nothing else.
 */
#define MEMO_SIZE 4096

typedef struct MemoEntry
{
	uint64_t	key[3];
	uint64_t	tag;			/* 0 empty, else which function */
	double		value;
} MemoEntry;

static MemoEntry memo[MEMO_SIZE];

#define MEMO_QT 1
#define MEMO_QBETA 2

static inline uint64_t
bits_of(double x)
{
	uint64_t	u;

	memcpy(&u, &x, sizeof(u));
	return u;
}

static inline MemoEntry *
memo_slot(uint64_t tag, double x, double y, double z, uint64_t key[3])
{
	uint64_t	h;

	key[0] = bits_of(x);
	key[1] = bits_of(y);
	key[2] = bits_of(z);
	h = (key[0] * 0x9E3779B97F4A7C15ULL) ^ (key[1] * 0xC2B2AE3D27D4EB4FULL) ^
		(key[2] * 0x165667B19E3779F9ULL) ^ tag;
	h ^= h >> 29;
	return &memo[h & (MEMO_SIZE - 1)];
}

static inline bool
memo_hit(const MemoEntry *e, uint64_t tag, const uint64_t key[3])
{
	return e->tag == tag && e->key[0] == key[0] && e->key[1] == key[1] && e->key[2] == key[2];
}

static inline void
memo_put(MemoEntry *e, uint64_t tag, const uint64_t key[3], double v)
{
	e->tag = tag;
	memcpy(e->key, key, sizeof(e->key));
	e->value = v;
}

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
	{
		uint64_t	key[3];
		MemoEntry  *e = memo_slot(MEMO_QT, p, df, 0.0, key);
		double		v;

		if (memo_hit(e, MEMO_QT, key))
			return e->value;
		v = qt(p, df, 1, 0);
		memo_put(e, MEMO_QT, key, v);
		return v;
	}
}

/* beyond this shape sum libRmath's qbeta loses accuracy (and warns) */
#define QBETA_EXACT_MAX 1e10
#define QBETA_SMALL_SHAPE 0.1
#define QBETA_P_MIN 1e-100

/*
 * Beta(a, b) quantile for a + b = N > 1e10, from X = G_a / (G_a + G_b):
 *   the smaller shape s <= 1e6: the gamma limit, X = G_a / N when a is the
 *     smaller (1 - G_b / N when b is), relative error O(s / N) <= 1e-4 in
 *     the distance to the nearer end;
 *   both shapes > 1e6: the normal approximation with the Cornish-Fisher
 *     skewness term, mean a/N, sd sqrt(ab / (N^2 (N + 1))), skewness
 *     2 (b - a) sqrt(N + 1) / ((N + 2) sqrt(ab)) (below 2e-3), error below
 *     1e-6 standard deviations.
 * These shapes come only from effective sample sizes above 1e10, intervals
 * narrower than 1e-5; R's qbeta warns there and returns values far off.
 */
static double
qbeta_limit(double p, double a, double b)
{
	double		N = a + b;

	if (p <= 0.0)
		return 0.0;
	if (p >= 1.0)
		return 1.0;
	if (fmin(a, b) <= 1e6)
	{
		if (a <= b)
			return fmin(1.0, qgamma(p, a, 1.0, 1, 0) / N);
		return fmax(0.0, 1.0 - qgamma(1.0 - p, b, 1.0, 1, 0) / N);
	}
	{
		double		mu = a / N,
					sd = sqrt(a * b / (N * N * (N + 1.0))),
					skew = 2.0 * (b - a) * sqrt(N + 1.0) / ((N + 2.0) * sqrt(a * b)),
					z = qnorm(p, 0.0, 1.0, 1, 0);

		return fmin(1.0, fmax(0.0, mu + sd * (z + skew * (z * z - 1.0) / 6.0)));
	}
}

static double qbeta_checked(double p, double a, double b);

double
dist_qbeta(double p, double a, double b)
{
	uint64_t	key[3];
	MemoEntry  *e;
	double		v;

	if (isnan(p) || isnan(a) || isnan(b))
		return NAN;
	e = memo_slot(MEMO_QBETA, p, a, b, key);
	if (memo_hit(e, MEMO_QBETA, key))
		return e->value;
	v = qbeta_checked(p, a, b);
	memo_put(e, MEMO_QBETA, key, v);
	return v;
}

static double
qbeta_checked(double p, double a, double b)
{
	if (isnan(p) || p < 0.0 || p > 1.0 || !isfinite(a) || !isfinite(b) ||
		a < 0.0 || b < 0.0 || (a == 0.0 && b == 0.0))
		return NAN;
	/* both shapes below 1 never come from barometer's intervals */
	if (a < 1.0 && b < 1.0)
		return NAN;
	/*
	 * libRmath warns in the far tail (no level reaches below 5e-17) and
	 * for shapes below 1e-12 at the upper quantiles; such a shape comes
	 * from a count share below 1e-12 and changes a bound by less than
	 * 1e-12 at any level below 1 - 1e-9.
	 */
	p = fmin(fmax(p, QBETA_P_MIN), 1.0);
	if (a > 0.0)
		a = fmax(a, 1e-12);
	if (b > 0.0)
		b = fmax(b, 1e-12);
	if (a + b > QBETA_EXACT_MAX)
		return qbeta_limit(p, a, b);
	/* mass near 1: libRmath's search is inaccurate there, the mirror is not */
	if (b < QBETA_SMALL_SHAPE && a > b)
		return 1.0 - qbeta(1.0 - p, b, a, 1, 0);
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
	/*
	 * libRmath warns for degrees of freedom this small or large; no test
	 * has them.  Beyond 1e15 denominator degrees of freedom, F df1 is
	 * chi-square(df1) to double precision.
	 */
	if (isnan(f) || !(df1 >= 1e-3 && df1 <= 1e15) || isnan(df2) || !(df2 >= 1e-3))
		return NAN;
	if (df2 > 1e15)
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
