/*
 * chisq_core.h - Rao-Scott and Wald tests of association in a two-way
 * table, R survey 4.1.1 svychisq, from the table's design data: per cell
 * sums (weights only), per PSU and cell weight sums (strata and PSUs) or
 * per replicate and cell totals (replicate weights).  Plain C, no
 * PostgreSQL headers; memory from the caller's allocator, interrupts
 * through guard_core.h.
 *
 * Cells are indexed k = i + r * j (row index fastest, as R's interaction()),
 * i = 0..r-1, j = 0..c-1; K = r c.
 *
 * Cost (the algebra in chisq_proj.c, chisq_var.c, chisq_cluster.c and
 * chisq_wald.c), K = r c cells,
 * e_j the cells of PSU j, e_h those of stratum h, R replicates:
 *   F, Chisq   the projection O(K (r + c) min(r, c)) (O(K^2) at most,
 *              O(K r) for an r x 2 table) on top of Vt:
 *                weights only  O(K (r + c))
 *                strata, PSUs  O(sum_j e_j^2 + sum_h e_h^2 + K^2)
 *                replicates    O(R^2 K + R K (r + c))
 *              memory O(K (r + c)), plus K (K + 1) / 2 doubles with PSUs
 *   Wald, adjWald  the covariance of the totals (O(K^2), O(sum_j e_j^2 +
 *              sum_h e_h^2), O(R K^2)), O(K^2) for J Sigma J' and
 *              O(q^3 / 3) for its solve, q = (r-1)(c-1); K^2 doubles.
 * Rows enter only through the aggregate's state (O(1) a row).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_CHISQ_CORE_H
#define BAROMETER_CHISQ_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "design_core.h"

typedef enum ChisqStatistic
{
	CHISQ_F = 0,
	CHISQ_CHISQ = 1,
	CHISQ_WALD = 2,
	CHISQ_ADJWALD = 3
} ChisqStatistic;

#define CHISQ_STATISTIC_NAMES "F, Chisq, Wald, adjWald"

extern int	chisq_statistic_parse(const char *name);

typedef enum ChisqDesign
{
	CHISQ_DESIGN_WEIGHTS = 0,	/* every row its own PSU, one stratum */
	CHISQ_DESIGN_CLUSTER = 1,	/* strata and PSUs (ultimate cluster) */
	CHISQ_DESIGN_REPLICATE = 2	/* replicate weights */
} ChisqDesign;

/* a stratum with at least one PSU that has table rows */
typedef struct ChisqStratum
{
	int64_t		n_psu;			/* n_h: PSUs of the stratum in the whole sample */
	double		popsize;		/* population count of PSUs; 0 = no fpc */
	uint32_t	psu_begin;		/* its PSUs: psu_begin .. psu_end - 1 */
	uint32_t	psu_end;
} ChisqStratum;

/* what the design gives for the table */
typedef struct ChisqTable
{
	int			r;
	int			c;
	double		N;				/* rows of the design seen (incl. missing categories) */
	double		nu;				/* design degrees of freedom */
	int			design;			/* ChisqDesign */
	const double *total;		/* K estimated cell totals (weighted counts) */

	/* CHISQ_DESIGN_WEIGHTS: per cell the sum of squared weights */
	const double *sumsq;

	/*
	 * CHISQ_DESIGN_CLUSTER: the PSUs that hold table rows, grouped by
	 * stratum; PSU j owns entries psu_first[j] .. psu_first[j + 1] - 1, one
	 * per cell it holds (distinct cells), with the cell's weight sum in
	 * the PSU.  Strata in the order their errors name them.
	 */
	uint32_t	nstrata;
	const ChisqStratum *strata;
	uint32_t	npsu;
	const uint64_t *psu_first;	/* npsu + 1 */
	const uint32_t *entry_cell;
	const double *entry_w;
	int			lonely;			/* LonelyPolicy */

	/*
	 * CHISQ_DESIGN_REPLICATE: the replicate totals of cell k at rep_total[k
	 * * nrep + r]; V = scale sum_r rscales[r] (theta_r - centre)(...)'
	 */
	uint32_t	nrep;
	const double *rep_total;
	const double *rscales;
	double		scale;
	bool		mse;
} ChisqTable;

typedef enum ChisqStatus
{
	CHISQ_OK = 0,
	CHISQ_SINGULAR_TABLE,		/* Rao-Scott: C' D^-1 C is singular */
	CHISQ_SINGULAR_WALD,		/* Wald: the contrasts' covariance is singular */
	CHISQ_LONELY,				/* a stratum with one PSU under "fail" */
	CHISQ_TOO_BIG				/* a working array passes core_max_bytes */
} ChisqStatus;

typedef struct ChisqResult
{
	double		statistic;
	double		ndf;
	double		ddf;			/* NaN for Chisq */
	double		p_value;
	/* Rao-Scott: tr(Delta) and tr(Delta^2) (NaN for Wald) */
	double		trace;
	double		trace2;
	/* CHISQ_LONELY: the index (into strata) of the stratum */
	uint32_t	lonely_stratum;
	/* CHISQ_TOO_BIG: the bytes the array needs (SIZE_MAX: overflow) */
	size_t		bytes;
} ChisqResult;

/*
 * The test.  Undefined results are NaN.  fn/ctx allocate every working
 * array (a realloc-like allocator, as the Design's); the computation polls
 * core_check_interrupts() in every loop whose length the input controls,
 * so the host may leave it by longjmp (then the host frees the memory).
 */
extern ChisqStatus chisq_compute(const ChisqTable *t, int statistic,
								 DesignRealloc fn, void *ctx, ChisqResult *out);

/* the errdetail sentence of a status */
extern const char *chisq_status_detail(ChisqStatus s);

#endif							/* BAROMETER_CHISQ_CORE_H */
