/*
 * lp.c - the only file that includes glpk.h (GLPK 5, GPL-3.0-or-later,
 * Debian libglpk-dev).
 *
 * GLPK prints to the terminal unless told not to, and aborts the process on
 * invalid arguments: every call here switches terminal output off, and the
 * callers hand in validated, finite numbers only.  GLPK allocates with its
 * own malloc; every problem object is deleted before returning.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdlib.h>

#include <glpk.h>

#include "lp.h"

struct LpModel
{
	glp_prob   *P;
	int			ncols;
	int			last;			/* column with a non-zero objective, or -1 */
	bool		solved;			/* a basis from an earlier solve is loaded */
};

LpModel *
lp_build(int ncols, int nrows, const int *row_start, const int *col,
		 const double *coef, const double *rhs)
{
	LpModel    *m;
	int			nz = row_start[nrows];
	int		   *ia,
			   *ja;
	double	   *ar;
	int			r,
				k;

	glp_term_out(GLP_OFF);
	m = malloc(sizeof(LpModel));
	ia = malloc(sizeof(int) * (nz + 1));
	ja = malloc(sizeof(int) * (nz + 1));
	ar = malloc(sizeof(double) * (nz + 1));
	if (!m || !ia || !ja || !ar)
	{
		free(m);
		free(ia);
		free(ja);
		free(ar);
		return NULL;
	}
	m->P = glp_create_prob();
	m->ncols = ncols;
	m->last = -1;
	m->solved = false;
	if (nrows > 0)
		glp_add_rows(m->P, nrows);
	if (ncols > 0)
		glp_add_cols(m->P, ncols);
	for (r = 0; r < nrows; r++)
	{
		glp_set_row_bnds(m->P, r + 1, GLP_FX, rhs[r], rhs[r]);
		for (k = row_start[r]; k < row_start[r + 1]; k++)
		{
			ia[k + 1] = r + 1;
			ja[k + 1] = col[k] + 1;
			ar[k + 1] = coef[k];
		}
	}
	for (k = 0; k < ncols; k++)
		glp_set_col_bnds(m->P, k + 1, GLP_LO, 0.0, 0.0);
	if (nz > 0)
		glp_load_matrix(m->P, nz, ia, ja, ar);
	free(ia);
	free(ja);
	free(ar);
	return m;
}

/*
 * Primal simplex, warm-started from the previous optimum: changing the
 * objective keeps the basis primal feasible, so only phase 2 runs.  On a
 * solver failure the basis is rebuilt once (advanced basis) and solved
 * again.
 */
int
lp_extreme(LpModel *m, int j, bool maximize, double *value)
{
	glp_smcp	parm;
	int			rc,
				st,
				attempt;

	glp_term_out(GLP_OFF);
	if (m->last >= 0)
		glp_set_obj_coef(m->P, m->last + 1, 0.0);
	glp_set_obj_coef(m->P, j + 1, 1.0);
	m->last = j;
	glp_set_obj_dir(m->P, maximize ? GLP_MAX : GLP_MIN);
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.meth = GLP_PRIMAL;
	parm.presolve = GLP_OFF;
	for (attempt = 0; attempt < 2; attempt++)
	{
		if (!m->solved || attempt > 0)
			glp_adv_basis(m->P, 0);
		rc = glp_simplex(m->P, &parm);
		if (rc == 0)
			break;
	}
	if (rc != 0)
	{
		m->solved = false;
		return LP_FAILED;
	}
	m->solved = true;
	st = glp_get_status(m->P);
	if (st == GLP_OPT)
	{
		*value = glp_get_obj_val(m->P);
		return LP_OK;
	}
	if (st == GLP_UNBND)
		return LP_UNBOUNDED;
	if (st == GLP_NOFEAS)
		return LP_INFEASIBLE;
	return LP_FAILED;
}

void
lp_free(LpModel *m)
{
	if (m == NULL)
		return;
	glp_delete_prob(m->P);
	free(m);
}

int
lp_mip_solve(const MipProblem *p, double time_limit, double *x)
{
	glp_prob   *P;
	glp_iocp	parm;
	int			nz = p->row_start[p->nrows];
	int		   *ia,
			   *ja;
	double	   *ar;
	int			r,
				k,
				rc,
				st,
				result;

	glp_term_out(GLP_OFF);
	ia = malloc(sizeof(int) * (nz + 1));
	ja = malloc(sizeof(int) * (nz + 1));
	ar = malloc(sizeof(double) * (nz + 1));
	if (!ia || !ja || !ar)
	{
		free(ia);
		free(ja);
		free(ar);
		return LP_FAILED;
	}
	P = glp_create_prob();
	glp_set_obj_dir(P, GLP_MIN);
	if (p->nrows > 0)
		glp_add_rows(P, p->nrows);
	if (p->ncols > 0)
		glp_add_cols(P, p->ncols);
	for (r = 0; r < p->nrows; r++)
	{
		double		lo = p->row_lo[r],
					hi = p->row_hi[r];
		int			type;

		if (isinf(lo) && isinf(hi))
			type = GLP_FR;
		else if (isinf(hi))
			type = GLP_LO;
		else if (isinf(lo))
			type = GLP_UP;
		else
			type = lo == hi ? GLP_FX : GLP_DB;
		glp_set_row_bnds(P, r + 1, type, isinf(lo) ? 0 : lo, isinf(hi) ? 0 : hi);
		for (k = p->row_start[r]; k < p->row_start[r + 1]; k++)
		{
			ia[k + 1] = r + 1;
			ja[k + 1] = p->col[k] + 1;
			ar[k + 1] = p->coef[k];
		}
	}
	for (k = 0; k < p->ncols; k++)
	{
		double		lo = p->col_lo[k],
					hi = p->col_hi[k];

		if (p->is_bin[k])
			glp_set_col_kind(P, k + 1, GLP_BV);
		else if (isinf(hi))
			glp_set_col_bnds(P, k + 1, isinf(lo) ? GLP_FR : GLP_LO, isinf(lo) ? 0 : lo, 0);
		else
			glp_set_col_bnds(P, k + 1, lo == hi ? GLP_FX : GLP_DB, lo, hi);
		glp_set_obj_coef(P, k + 1, p->obj[k]);
	}
	if (nz > 0)
		glp_load_matrix(P, nz, ia, ja, ar);
	free(ia);
	free(ja);
	free(ar);

	glp_init_iocp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = GLP_ON;
	/* GLPK's cuts slow these models down (measured on small tables) */
	parm.mir_cuts = GLP_OFF;
	parm.cov_cuts = GLP_OFF;
	if (time_limit > 0)
		parm.tm_lim = (int) fmin(time_limit * 1000.0, 2e9);
	rc = glp_intopt(P, &parm);
	st = glp_mip_status(P);
	if (rc == 0 && st == GLP_OPT)
	{
		for (k = 0; k < p->ncols; k++)
			x[k] = glp_mip_col_val(P, k + 1);
		result = LP_OK;
	}
	else if (st == GLP_NOFEAS || rc == GLP_ENOPFS || rc == GLP_ENODFS)
		result = LP_INFEASIBLE;
	else
		result = LP_FAILED;
	glp_delete_prob(P);
	return result;
}
