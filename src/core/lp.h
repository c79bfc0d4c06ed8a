/*
 * lp.h - linear and mixed-integer programs for disclosure control, behind
 * GLPK.  lp.c is the only file that includes glpk.h; callers pass plain
 * arrays and validated numbers (GLPK aborts the process on bad arguments).
 * Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_LP_H
#define BAROMETER_LP_H

#include <stdbool.h>

typedef enum LpStatus
{
	LP_OK = 0,
	LP_UNBOUNDED,				/* the objective has no finite optimum */
	LP_INFEASIBLE,
	LP_FAILED,					/* solver failure or time limit */
	LP_CANCELLED
} LpStatus;

typedef struct LpModel LpModel;

/*
 * An attacker's model: ncols variables x >= 0 and nrows equations
 * sum_k coef[k] x[col[k]] = rhs[r] for k in [row_start[r], row_start[r+1]).
 * Returns NULL when GLPK cannot build it.
 */
extern LpModel *lp_build(int ncols, int nrows, const int *row_start,
						 const int *col, const double *coef, const double *rhs);

/* min (maximize false) or max of x[j]; *value is the optimum (LP_OK) */
extern int	lp_extreme(LpModel *m, int j, bool maximize, double *value);

extern void lp_free(LpModel *m);

/*
 * A mixed-integer program: minimize obj'x subject to
 * row_lo[r] <= sum_k coef[k] x[col[k]] <= row_hi[r] (either may be +-Inf),
 * col_lo[j] <= x[j] <= col_hi[j], x[j] binary where is_bin[j].
 * x receives the optimal solution.  time_limit in seconds (<= 0: none).
 */
typedef struct MipProblem
{
	int			ncols;
	const double *obj;
	const double *col_lo;
	const double *col_hi;
	const bool *is_bin;
	int			nrows;
	const int  *row_start;
	const int  *col;
	const double *coef;
	const double *row_lo;
	const double *row_hi;
} MipProblem;

extern int	lp_mip_solve(const MipProblem *p, double time_limit, double *x);

#endif							/* BAROMETER_LP_H */
