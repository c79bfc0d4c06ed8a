/*
 * chisq_var.h - what the chisq_*.c files of the core share: the working
 * memory of one test (chisq_core.c), the main-effect basis of the Rao-Scott
 * projection (chisq_proj.c), the covariance of the table under each design
 * in the forms the tests need (chisq_var.c, chisq_cluster.c) and the Wald
 * tests (chisq_wald.c).  Internal to the core.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_CHISQ_VAR_H
#define BAROMETER_CHISQ_VAR_H

#include "chisq_core.h"

/*
 * The working arrays of one test, from the caller's allocator, chained so
 * that one call frees them all.  chisq_alloc returns zeroed memory, or NULL
 * (need = the bytes) when the array would pass core_max_bytes.
 */
typedef struct ChisqBlock ChisqBlock;

typedef struct ChisqWork
{
	DesignRealloc fn;
	void	   *ctx;
	ChisqBlock *blocks;
	size_t		need;
	uint32_t	tick;			/* core_poll's counter */
} ChisqWork;

extern void chisq_work_init(ChisqWork *w, DesignRealloc fn, void *ctx);
extern void *chisq_alloc(ChisqWork *w, uint64_t count, size_t elem);
extern void chisq_release(ChisqWork *w, void *p);
extern void chisq_release_all(ChisqWork *w);

/*
 * The basis U (K x m) of the main-effect space Q of the Rao-Scott
 * projection (see chisq_proj.c): column g of U is sqrt(p) times the
 * indicator of the cells whose row lies in component g minus that of the
 * cells whose column lies in it.  Row k of U has at most two non-zeros:
 * +sqp[k] in column ua[k] and -sqp[k] in column ub[k] (-1: none).
 */
typedef struct ChisqBasis
{
	int			K;
	int			m;
	const double *p;			/* cell proportions */
	const double *sqp;			/* sqrt(p_k) */
	const int32_t *ua;
	const int32_t *ub;
} ChisqBasis;

/*
 * Vt = N W^1/2 V W^1/2 (V the covariance of the cell proportions, W =
 * diag(1/p) with 0 for empty cells) as the Rao-Scott traces use it: its
 * trace, the sum of squares of its entries and, one row at a time, Y = Vt
 * U (row(state, k, y) writes the m values of row k into y; the state lives
 * in the work).
 */
typedef struct ChisqVt
{
	double		trace;
	double		frob2;
	void		(*row) (const void *state, int k, double *y);
	const void *state;
} ChisqVt;

/* sum of x[0 .. n-1] */
static inline double
chisq_sum(const double *x, int n)
{
	double		s = 0;
	int			i;

	for (i = 0; i < n; i++)
		s += x[i];
	return s;
}

/* y += v * (row l of U) */
static inline void
chisq_add_urow(double *y, const ChisqBasis *b, int l, double v)
{
	if (b->ua[l] >= 0)
		y[b->ua[l]] += v * b->sqp[l];
	if (b->ub[l] >= 0)
		y[b->ub[l]] -= v * b->sqp[l];
}

extern ChisqStatus chisq_cluster_vt(const ChisqTable *t, const ChisqBasis *b,
									ChisqWork *w, ChisqVt *out, ChisqResult *res);
extern ChisqStatus chisq_vt(const ChisqTable *t, const ChisqBasis *b,
							ChisqWork *w, ChisqVt *out, ChisqResult *res);

/*
 * The covariance Sigma (K x K, row-major, both triangles, allocated in the
 * work) of the estimated cell totals, as svytotal gives it.
 */
extern ChisqStatus chisq_sigma_total(const ChisqTable *t, ChisqWork *w,
									 double **sigma, ChisqResult *res);

/* Sigma of a stratified cluster design into S (K x K, upper triangle) */
extern ChisqStatus chisq_cluster_sigma_full(const ChisqTable *t, ChisqWork *w,
											double *S, ChisqResult *res);

/* tr(Delta) and tr(Delta^2) of the Rao-Scott tests */
extern ChisqStatus chisq_rao_scott_traces(const ChisqTable *t, ChisqWork *w,
										  double *trace, double *trace2,
										  ChisqResult *res);

/* the Wald and adjusted Wald tests */
extern ChisqStatus chisq_wald(const ChisqTable *t, int statistic, ChisqWork *w,
							  ChisqResult *out);

#endif							/* BAROMETER_CHISQ_VAR_H */
