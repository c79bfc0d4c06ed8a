/*
 * chisq_core.h - Rao-Scott and Wald tests of association in a two-way
 * table, R survey 4.1.1 svychisq.  Plain C, no PostgreSQL headers.
 *
 * Cells are indexed k = i + r * j (row index fastest, as R's interaction()),
 * i = 0..r-1, j = 0..c-1.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_CHISQ_CORE_H
#define BAROMETER_CHISQ_CORE_H

#include <stdbool.h>

typedef enum ChisqStatistic
{
	CHISQ_F = 0,
	CHISQ_CHISQ = 1,
	CHISQ_WALD = 2,
	CHISQ_ADJWALD = 3
} ChisqStatistic;

#define CHISQ_STATISTIC_NAMES "F, Chisq, Wald, adjWald"

extern int	chisq_statistic_parse(const char *name);

/* what the design gives for the table */
typedef struct ChisqInput
{
	int			r;
	int			c;
	double		N;				/* rows of the design seen (incl. missing categories) */
	double		nu;				/* design degrees of freedom */
	const double *total;		/* rc estimated cell totals (weighted counts) */
	const double *vmean;		/* rc x rc covariance of the cell means (row-major) */
	const double *vtotal;		/* rc x rc covariance of the cell totals */
} ChisqInput;

typedef struct ChisqResult
{
	double		statistic;
	double		ndf;
	double		ddf;			/* NaN for Chisq */
	double		p_value;
} ChisqResult;

/*
 * Returns NULL, or a sentence when the test cannot be computed (a singular
 * matrix).  Undefined results are NaN.
 */
extern const char *chisq_compute(const ChisqInput *in, int statistic, ChisqResult *out);

/*
 * Accumulate the crossproduct of one stratum of k-vector unit totals, R's
 * onestrat on a k-column matrix: m present units (z row-major m x k) of n in
 * the whole sample, population count N (0 = none).  Adds into v (k x k).
 * Returns 1 for a lonely stratum under "fail", 2 when excluded ("average"),
 * 0 otherwise.
 */
extern int	onestrat_k(const double *z, int m, int k, long long n, double N,
					   int lonely, double *v);

#endif							/* BAROMETER_CHISQ_CORE_H */
