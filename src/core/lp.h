/*
 * lp.h - linear and mixed-integer programs for disclosure control, behind
 * GLPK.  lp.c is the only file that includes glpk.h; callers pass plain
 * arrays and validated numbers (GLPK aborts the process on bad arguments).
 * Plain C, no PostgreSQL headers.
 *
 * Safety in a shared server (issue 10):
 *   - every solve polls core_cancel_pending(): the simplex method runs in
 *     chunks of LP_CHUNK_ITERATIONS with a poll between chunks, branch and
 *     bound polls from its callback and stops with glp_ios_terminate; a
 *     solve stopped this way returns LP_CANCELLED with GLPK's state intact
 *     (the caller frees its models as usual);
 *   - GLPK's memory is capped by glp_mem_limit at core_max_bytes, and
 *     callers check a model's size with lp_model_bytes() before building
 *     it; should GLPK still run out, its error hook jumps back to the
 *     outermost lp_* call, which frees the whole GLPK environment
 *     (glp_free_env) and returns LP_NOMEM; every model built before is then
 *     dead (lp_free on it is a no-op);
 *   - lp_release_all() frees the whole environment too: the host calls it
 *     when an error of its own unwinds through code that held models.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_LP_H
#define BAROMETER_LP_H

#include <stdbool.h>
#include <stddef.h>

typedef enum LpStatus
{
	LP_OK = 0,
	LP_UNBOUNDED,				/* the objective has no finite optimum */
	LP_INFEASIBLE,
	LP_FAILED,					/* solver failure */
	LP_CANCELLED,				/* core_cancel_pending() */
	LP_NOMEM,					/* GLPK's memory limit */
	LP_TIMEOUT					/* the time limit: the best solution so far
								 * (if any) is in x */
} LpStatus;

/* simplex iterations between two polls for a cancel */
#define LP_CHUNK_ITERATIONS 2000
/* chunks before a solve counts as failed (a cycling simplex) */
#define LP_MAX_CHUNKS 50

typedef struct LpModel LpModel;

/*
 * A model: ncols variables with bounds col_lo <= x <= col_hi (+-Inf:
 * none), integer where col_int[j] (col_int NULL: none), binary when integer
 * with bounds [0, 1]; nrows rows row_lo <= sum_k coef[k] x[col[k]] <=
 * row_hi for k in [row_start[r], row_start[r+1]).
 */
typedef struct LpSpec
{
	int			ncols;
	const double *col_lo;
	const double *col_hi;
	const bool *col_int;
	int			nrows;
	const int  *row_start;
	const int  *col;
	const double *coef;
	const double *row_lo;
	const double *row_hi;
} LpSpec;

/* bytes GLPK needs for a model of that size (a generous estimate) */
extern size_t lp_model_bytes(int ncols, int nrows, size_t nonzeros);

/* NULL with *status LP_NOMEM or LP_FAILED */
extern LpModel *lp_new(const LpSpec *spec, int *status);
extern void lp_free(LpModel *m);
extern void lp_set_col_bounds(LpModel *m, int j, double lo, double hi);
extern void lp_set_row_bounds(LpModel *m, int r, double lo, double hi);

/* what lp_optimize solves */
enum
{
	LP_RELAX = 0,				/* the LP relaxation */
	LP_INTEGER,					/* the integer optimum (branch and bound
								 * when the LP optimum is fractional) */
	LP_INTEGER_FIRST			/* any integer solution: branch and bound
								 * stops at the first one */
};

/*
 * Optimize the objective sum objcoef[i] x[objcol[i]] (nobj terms),
 * minimizing or maximizing, in mode LP_RELAX, LP_INTEGER or
 * LP_INTEGER_FIRST.  time_limit in seconds (<= 0: none) for branch and bound.
 * *value the optimum; x (ncols, may be NULL) a solution attaining it.
 */
extern int	lp_optimize(LpModel *m, int nobj, const int *objcol, const double *objcoef,
						bool maximize, int mode, double time_limit,
						double *value, double *x);

/*
 * Reduced costs of the last LP solve (ncols): the dual values of the
 * column bounds, for Benders cuts.
 */
extern void lp_reduced_costs(LpModel *m, double *d);

/*
 * Dual values of rows first .. first + n - 1 of the last LP solve (the
 * derivative of the optimum in the row's active bound), for Benders cuts
 * of rows whose bounds depend on the master's variables.
 */
extern void lp_row_duals(LpModel *m, int first, int n, double *pi);

/*
 * Branch and cut: minimize obj'x over the integer columns of m with lazy
 * rows from sep.  sep is called at every node with the LP solution x
 * (integral: whether every integer column is integral) and adds rows
 * with lp_cut(); a solution is accepted only when sep adds nothing for it.
 * sep must not allocate through the host's allocator (it may unwind).
 * start (NULL: none) is a known integer solution, handed to GLPK as its
 * first incumbent (it must meet every lazy row sep can add).
 * Returns LP_OK (optimal), LP_TIMEOUT (x: the best solution found, *value
 * its cost, or *found false), LP_INFEASIBLE, LP_CANCELLED, LP_NOMEM,
 * LP_FAILED.
 */
typedef struct LpCuts LpCuts;
typedef void (*LpSeparate) (void *ctx, const double *x, bool integral, LpCuts *cuts);
extern void lp_cut(LpCuts *cuts, int n, const int *col, const double *coef, double lo);
/* stop the search from sep (an error of its own, or a cancel) */
extern void lp_cuts_abort(LpCuts *cuts);
extern int	lp_branch_and_cut(LpModel *m, const double *obj, double time_limit,
							  LpSeparate sep, void *ctx, const double *start,
							  double *x, double *value, bool *found);
/* the depth of the node sep is called for (0: the root) */
extern int	lp_cuts_level(const LpCuts *cuts);

/* free every GLPK object (after an error unwound through lp_* code) */
extern void lp_release_all(void);

#endif							/* BAROMETER_LP_H */
