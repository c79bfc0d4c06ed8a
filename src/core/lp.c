/*
 * lp.c - the only file that includes glpk.h (GLPK 5, GPL-3.0-or-later,
 * Debian libglpk-dev).  See lp.h for what it offers and how it stays
 * cancellable and bounded.
 *
 * GLPK prints to the terminal unless told not to, and aborts the process on
 * invalid arguments or when it runs out of memory unless an error hook
 * leaves by longjmp: every public function here switches terminal output
 * off, installs the hook and, at the outermost level, the setjmp it
 * returns to; the callers hand in validated, finite numbers only.  Every
 * GLPK allocation of this file goes through glp_alloc, so that
 * glp_free_env() after an error leaves nothing behind.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>

#include "guard_core.h"
#include "lp.h"

struct LpModel
{
	glp_prob   *P;
	unsigned	gen;			/* lp_gen when built: dead when different */
	int			ncols;
	int		   *objcols;		/* columns with a non-zero objective */
	int			nobj;
	bool		has_int;
	bool		solved;			/* a basis from an earlier solve is loaded */
};

struct LpCuts
{
	int			n,
				nz,
				cap,
				capz;
	int		   *start;
	int		   *col;
	double	   *coef;
	double	   *lo;
	bool		overflow;
	bool		abort;
	int			level;
};

static int	lp_depth = 0;
static jmp_buf lp_jmp;
static unsigned lp_gen = 1;

static void
lp_error_hook(void *info)
{
	(void) info;
	longjmp(lp_jmp, 1);
}

static void
lp_setup(void)
{
	glp_term_out(GLP_OFF);
	glp_error_hook(lp_error_hook, NULL);
	if (core_max_bytes > 0)
	{
		size_t		mb = core_max_bytes >> 20;

		glp_mem_limit((int) (mb < 1 ? 1 : mb > 1000000 ? 1000000 : mb));
	}
}

/*
 * Run fn(arg) with the error hook's landing site set when this is the
 * outermost call: GLPK out of memory frees the environment and returns
 * LP_NOMEM; every model is dead from then on.
 */
static int
guarded(int (*fn) (void *), void *arg)
{
	int			rc;

	if (lp_depth > 0)
	{
		lp_depth++;
		rc = fn(arg);
		lp_depth--;
		return rc;
	}
	lp_setup();
	if (setjmp(lp_jmp) != 0)
	{
		lp_depth = 0;
		glp_free_env();
		lp_gen++;
		return LP_NOMEM;
	}
	lp_depth = 1;
	rc = fn(arg);
	lp_depth = 0;
	return rc;
}

void
lp_release_all(void)
{
	lp_depth = 0;
	glp_free_env();
	lp_gen++;
}

size_t
lp_model_bytes(int ncols, int nrows, size_t nonzeros)
{
	/* GLPK keeps each non-zero in two linked lists plus the LU factors */
	return core_array_bytes((uint64_t) ncols + nrows, 400) +
		core_array_bytes(nonzeros, 120) + 65536;
}

static bool
alive(const LpModel *m)
{
	return m != NULL && m->gen == lp_gen;
}

/* ---------------------------------------------------------------------
 * building
 * --------------------------------------------------------------------- */

typedef struct NewArgs
{
	const LpSpec *s;
	LpModel    *m;
} NewArgs;

static void
set_bounds(glp_prob *P, int j, double lo, double hi, bool isrow)
{
	int			type;

	if (isinf(lo) && isinf(hi))
		type = GLP_FR;
	else if (isinf(hi))
		type = GLP_LO;
	else if (isinf(lo))
		type = GLP_UP;
	else
		type = lo == hi ? GLP_FX : GLP_DB;
	if (isrow)
		glp_set_row_bnds(P, j, type, isinf(lo) ? 0 : lo, isinf(hi) ? 0 : hi);
	else
		glp_set_col_bnds(P, j, type, isinf(lo) ? 0 : lo, isinf(hi) ? 0 : hi);
}

static int
new_inner(void *arg)
{
	NewArgs    *a = arg;
	const LpSpec *s = a->s;
	LpModel    *m;
	int			r,
				k,
				nz = s->row_start[s->nrows];
	int		   *ia;
	int		   *ja;
	double	   *ar;

	m = glp_alloc(1, sizeof(LpModel));
	memset(m, 0, sizeof(*m));
	m->P = glp_create_prob();
	m->gen = lp_gen;
	m->ncols = s->ncols;
	m->objcols = glp_alloc(s->ncols + 1, sizeof(int));
	if (s->nrows > 0)
		glp_add_rows(m->P, s->nrows);
	if (s->ncols > 0)
		glp_add_cols(m->P, s->ncols);
	ia = glp_alloc(nz + 1, sizeof(int));
	ja = glp_alloc(nz + 1, sizeof(int));
	ar = glp_alloc(nz + 1, sizeof(double));
	for (r = 0; r < s->nrows; r++)
	{
		set_bounds(m->P, r + 1, s->row_lo[r], s->row_hi[r], true);
		for (k = s->row_start[r]; k < s->row_start[r + 1]; k++)
		{
			ia[k + 1] = r + 1;
			ja[k + 1] = s->col[k] + 1;
			ar[k + 1] = s->coef[k];
		}
	}
	for (k = 0; k < s->ncols; k++)
	{
		if (s->col_int && s->col_int[k])
		{
			glp_set_col_kind(m->P, k + 1, GLP_IV);
			m->has_int = true;
		}
		set_bounds(m->P, k + 1, s->col_lo[k], s->col_hi[k], false);
	}
	if (nz > 0)
		glp_load_matrix(m->P, nz, ia, ja, ar);
	glp_free(ia);
	glp_free(ja);
	glp_free(ar);
	a->m = m;
	return LP_OK;
}

LpModel *
lp_new(const LpSpec *spec, int *status)
{
	NewArgs		a;

	a.s = spec;
	a.m = NULL;
	*status = guarded(new_inner, &a);
	return *status == LP_OK ? a.m : NULL;
}

static int
free_inner(void *arg)
{
	LpModel    *m = arg;

	glp_delete_prob(m->P);
	glp_free(m->objcols);
	glp_free(m);
	return LP_OK;
}

void
lp_free(LpModel *m)
{
	if (!alive(m))
		return;
	(void) guarded(free_inner, m);
}

void
lp_set_col_bounds(LpModel *m, int j, double lo, double hi)
{
	if (!alive(m))
		return;
	/* no allocation: GLPK cannot fail here on valid arguments */
	set_bounds(m->P, j + 1, lo, hi, false);
}

void
lp_set_row_bounds(LpModel *m, int r, double lo, double hi)
{
	if (!alive(m))
		return;
	set_bounds(m->P, r + 1, lo, hi, true);
}

/* ---------------------------------------------------------------------
 * solving
 * --------------------------------------------------------------------- */

/*
 * The simplex method from the loaded basis (a new advanced basis the
 * first time or after a failure), LP_CHUNK_ITERATIONS at a time with a
 * poll for a cancel in between.
 */
static int
simplex(LpModel *m)
{
	glp_smcp	parm;
	int			rc = 0,
				attempt,
				st;

	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.meth = GLP_PRIMAL;
	parm.presolve = GLP_OFF;
	parm.it_lim = LP_CHUNK_ITERATIONS;
	for (attempt = 0; attempt < 2; attempt++)
	{
		int			chunks = 0;

		if (!m->solved || attempt > 0)
			glp_adv_basis(m->P, 0);
		for (;;)
		{
			rc = glp_simplex(m->P, &parm);
			if (rc != GLP_EITLIM)
				break;
			if (core_cancel_pending())
			{
				m->solved = false;
				return LP_CANCELLED;
			}
			/* a stalling (cycling) run: start again from a fresh basis */
			if (++chunks > LP_MAX_CHUNKS)
				break;
		}
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
		return LP_OK;
	if (st == GLP_UNBND)
		return LP_UNBOUNDED;
	if (st == GLP_NOFEAS)
		return LP_INFEASIBLE;
	return LP_FAILED;
}

typedef struct CbState
{
	bool		cancelled;
	bool		first;			/* stop at the first integer solution */
	bool		found;
	LpSeparate	sep;
	void	   *ctx;
	double	   *x;
	LpCuts	   *cuts;
	int			ncols;
	const double *start;		/* 1-based, or NULL */
	bool		started;
} CbState;

static void
cuts_reset(LpCuts *c)
{
	c->n = 0;
	c->nz = 0;
	c->start[0] = 0;
}

static void
mip_callback(glp_tree *T, void *info)
{
	CbState    *cb = info;

	if (core_cancel_pending())
	{
		cb->cancelled = true;
		glp_ios_terminate(T);
		return;
	}
	if (cb->first && glp_ios_reason(T) == GLP_IBINGO)
	{
		cb->found = true;
		glp_ios_terminate(T);
		return;
	}
	if (cb->start && !cb->started && glp_ios_reason(T) == GLP_IHEUR)
	{
		cb->started = true;
		(void) glp_ios_heur_sol(T, cb->start);
		return;
	}
	if (cb->sep && glp_ios_reason(T) == GLP_IROWGEN)
	{
		glp_prob   *P = glp_ios_get_prob(T);
		bool		integral = true;
		int			j,
					r;

		cb->cuts->level = glp_ios_node_level(T, glp_ios_curr_node(T));
		for (j = 0; j < cb->ncols; j++)
		{
			cb->x[j] = glp_get_col_prim(P, j + 1);
			if (glp_get_col_kind(P, j + 1) != GLP_CV &&
				fabs(cb->x[j] - floor(cb->x[j] + 0.5)) > 1e-6)
				integral = false;
		}
		cuts_reset(cb->cuts);
		cb->sep(cb->ctx, cb->x, integral, cb->cuts);
		if (cb->cuts->abort)
		{
			cb->cancelled = true;
			glp_ios_terminate(T);
			return;
		}
		if (cb->cuts->overflow)
		{
			cb->cancelled = true;
			glp_ios_terminate(T);
			return;
		}
		if (cb->cuts->n > 0)
		{
			int			first = glp_add_rows(P, cb->cuts->n);

			for (r = 0; r < cb->cuts->n; r++)
			{
				int			s = cb->cuts->start[r],
							n = cb->cuts->start[r + 1] - s,
							k;
				int		   *ind = glp_alloc(n + 1, sizeof(int));
				double	   *val = glp_alloc(n + 1, sizeof(double));

				for (k = 0; k < n; k++)
				{
					ind[k + 1] = cb->cuts->col[s + k] + 1;
					val[k + 1] = cb->cuts->coef[s + k];
				}
				glp_set_row_bnds(P, first + r, GLP_LO, cb->cuts->lo[r], 0);
				glp_set_mat_row(P, first + r, n, ind, val);
				glp_free(ind);
				glp_free(val);
			}
		}
	}
}

static void
set_objective(LpModel *m, int nobj, const int *objcol, const double *objcoef,
			  bool maximize)
{
	int			i;

	for (i = 0; i < m->nobj; i++)
		glp_set_obj_coef(m->P, m->objcols[i] + 1, 0.0);
	m->nobj = 0;
	for (i = 0; i < nobj && i < m->ncols; i++)
	{
		glp_set_obj_coef(m->P, objcol[i] + 1, objcoef[i]);
		m->objcols[m->nobj++] = objcol[i];
	}
	glp_set_obj_dir(m->P, maximize ? GLP_MAX : GLP_MIN);
}

typedef struct OptArgs
{
	LpModel    *m;
	int			nobj;
	const int  *objcol;
	const double *objcoef;
	bool		maximize;
	int			mode;
	double		time_limit;
	double	   *value;
	double	   *x;
} OptArgs;

static int
optimize_inner(void *arg)
{
	OptArgs    *a = arg;
	LpModel    *m = a->m;
	int			rc,
				j,
				nr;
	int		   *rstat,
			   *cstat;
	bool		fractional = false;
	glp_iocp	parm;
	CbState		cb;

	set_objective(m, a->nobj, a->objcol, a->objcoef, a->maximize);
	rc = simplex(m);
	if (rc != LP_OK)
		return rc;
	*a->value = glp_get_obj_val(m->P);
	if (a->mode != LP_RELAX && m->has_int)
		for (j = 1; j <= m->ncols; j++)
			if (glp_get_col_kind(m->P, j) != GLP_CV &&
				fabs(glp_get_col_prim(m->P, j) - floor(glp_get_col_prim(m->P, j) + 0.5)) > 1e-7)
			{
				fractional = true;
				break;
			}
	if (!fractional)
	{
		if (a->x)
			for (j = 0; j < m->ncols; j++)
				a->x[j] = glp_get_col_prim(m->P, j + 1);
		return LP_OK;
	}
	/* branch and bound from the optimal basis just found */
	glp_init_iocp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = GLP_OFF;
	if (a->time_limit > 0)
		parm.tm_lim = (int) fmin(a->time_limit * 1000.0, 2e9);
	memset(&cb, 0, sizeof(cb));
	cb.first = a->mode == LP_INTEGER_FIRST;
	parm.cb_func = mip_callback;
	parm.cb_info = &cb;
	/* cheap branching: GLPK's default (Driebeck-Tomlin) evaluates tableau
	 * rows at every node, most of the time on these models */
	parm.br_tech = GLP_BR_MFV;
	parm.bt_tech = cb.first ? GLP_BT_DFS : GLP_BT_BLB;
	nr = glp_get_num_rows(m->P);
	rstat = glp_alloc(nr + 1, sizeof(int));
	cstat = glp_alloc(m->ncols + 1, sizeof(int));
	for (j = 1; j <= nr; j++)
		rstat[j] = glp_get_row_stat(m->P, j);
	for (j = 1; j <= m->ncols; j++)
		cstat[j] = glp_get_col_stat(m->P, j);
	rc = glp_intopt(m->P, &parm);
	/* the basis left behind is a node's: a fresh one for the next solve */
	m->solved = false;
	glp_free(rstat);
	glp_free(cstat);
	if (cb.cancelled)
		return LP_CANCELLED;
	j = glp_mip_status(m->P);
	if (j == GLP_OPT || (cb.found && j == GLP_FEAS))
	{
		*a->value = glp_mip_obj_val(m->P);
		if (a->x)
			for (j = 0; j < m->ncols; j++)
				a->x[j] = glp_mip_col_val(m->P, j + 1);
		return LP_OK;
	}
	if (j == GLP_NOFEAS)
		return LP_INFEASIBLE;
	if (rc == GLP_ETMLIM && j == GLP_FEAS)
	{
		*a->value = glp_mip_obj_val(m->P);
		if (a->x)
			for (j = 0; j < m->ncols; j++)
				a->x[j] = glp_mip_col_val(m->P, j + 1);
		return LP_TIMEOUT;
	}
	/* no integer solution in time: the caller knows no inner bound */
	*a->value = NAN;
	return rc == GLP_ETMLIM ? LP_TIMEOUT : LP_FAILED;
}

int
lp_optimize(LpModel *m, int nobj, const int *objcol, const double *objcoef,
			bool maximize, int mode, double time_limit, double *value,
			double *x)
{
	OptArgs		a;

	if (!alive(m))
		return LP_NOMEM;
	a.m = m;
	a.nobj = nobj;
	a.objcol = objcol;
	a.objcoef = objcoef;
	a.maximize = maximize;
	a.mode = mode;
	a.time_limit = time_limit;
	a.value = value;
	a.x = x;
	return guarded(optimize_inner, &a);
}

void
lp_reduced_costs(LpModel *m, double *d)
{
	int			j;

	if (!alive(m))
		return;
	for (j = 0; j < m->ncols; j++)
		d[j] = glp_get_col_dual(m->P, j + 1);
}

void
lp_row_duals(LpModel *m, int first, int n, double *pi)
{
	int			r;

	if (!alive(m))
		return;
	for (r = 0; r < n; r++)
		pi[r] = glp_get_row_dual(m->P, first + r + 1);
}

/* ---------------------------------------------------------------------
 * branch and cut
 * --------------------------------------------------------------------- */

void
lp_cut(LpCuts *c, int n, const int *col, const double *coef, double lo)
{
	int			k;

	if (c->overflow)
		return;
	if (c->n + 1 >= c->cap || c->nz + n >= c->capz)
	{
		c->overflow = true;
		return;
	}
	for (k = 0; k < n; k++)
	{
		c->col[c->nz] = col[k];
		c->coef[c->nz++] = coef[k];
	}
	c->lo[c->n] = lo;
	c->start[++c->n] = c->nz;
}

void
lp_cuts_abort(LpCuts *c)
{
	c->abort = true;
}

int
lp_cuts_level(const LpCuts *c)
{
	return c->level;
}

typedef struct BcArgs
{
	LpModel    *m;
	const double *obj;
	double		time_limit;
	LpSeparate	sep;
	void	   *ctx;
	const double *start;
	double	   *x;
	double	   *value;
	bool	   *found;
} BcArgs;

static int
bc_inner(void *arg)
{
	BcArgs	   *a = arg;
	LpModel    *m = a->m;
	glp_iocp	parm;
	CbState		cb;
	LpCuts		cuts;
	int			rc,
				j,
				st,
				result;

	*a->found = false;
	for (j = 0; j < m->nobj; j++)
		glp_set_obj_coef(m->P, m->objcols[j] + 1, 0.0);
	m->nobj = 0;
	for (j = 0; j < m->ncols; j++)
		glp_set_obj_coef(m->P, j + 1, a->obj[j]);
	glp_set_obj_dir(m->P, GLP_MIN);
	rc = simplex(m);
	if (rc != LP_OK)
		return rc;

	memset(&cuts, 0, sizeof(cuts));
	cuts.cap = 4 * m->ncols + 1024;
	cuts.capz = 64 * m->ncols + 65536;
	cuts.start = glp_alloc(cuts.cap + 1, sizeof(int));
	cuts.lo = glp_alloc(cuts.cap, sizeof(double));
	cuts.col = glp_alloc(cuts.capz, sizeof(int));
	cuts.coef = glp_alloc(cuts.capz, sizeof(double));
	memset(&cb, 0, sizeof(cb));
	cb.sep = a->sep;
	cb.ctx = a->ctx;
	cb.cuts = &cuts;
	cb.ncols = m->ncols;
	cb.x = glp_alloc(m->ncols + 1, sizeof(double));
	if (a->start)
	{
		double	   *st = glp_alloc(m->ncols + 1, sizeof(double));

		st[0] = 0;
		for (j = 0; j < m->ncols; j++)
			st[j + 1] = a->start[j];
		cb.start = st;
	}

	glp_init_iocp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = GLP_OFF;
	parm.cb_func = mip_callback;
	parm.cb_info = &cb;
	/*
	 * GLPK's rounding heuristic accepts a solution without asking for lazy
	 * rows: off, every solution goes through sep.  Of GLPK's own cuts,
	 * Gomory's mixed-integer cuts pay on the suppression master with its
	 * strengthened capacity cuts (3-D tables of 150-312 cells: 1.5-17 s
	 * down to 0.5-3.4 s; small ones about 0.1 s slower); the other
	 * families slowed these models down (measured on small tables).
	 */
	parm.sr_heur = GLP_OFF;
	parm.fp_heur = GLP_OFF;
	parm.ps_heur = GLP_OFF;
	parm.gmi_cuts = GLP_ON;
	parm.mir_cuts = GLP_OFF;
	parm.cov_cuts = GLP_OFF;
	parm.clq_cuts = GLP_OFF;
	/*
	 * Pseudocost branching: each node costs a separation (intruder
	 * programs), so fewer nodes pay for its strong-branching start.  A
	 * 360-cell 3-D suppression master: 41-54 s (default Driebeck-Tomlin
	 * 52-70 s, most fractional 96 s); smaller ones alike within the noise.
	 */
	parm.br_tech = GLP_BR_PCH;
	if (a->time_limit > 0)
		parm.tm_lim = (int) fmin(a->time_limit * 1000.0, 2e9);
	rc = glp_intopt(m->P, &parm);
	m->solved = false;
	st = glp_mip_status(m->P);
	if (st == GLP_OPT || st == GLP_FEAS)
	{
		*a->found = true;
		*a->value = glp_mip_obj_val(m->P);
		for (j = 0; j < m->ncols; j++)
			a->x[j] = glp_mip_col_val(m->P, j + 1);
	}
	if (cb.cancelled && !cuts.overflow)
		result = LP_CANCELLED;
	else if (cuts.overflow)
		result = LP_NOMEM;
	else if (st == GLP_OPT && rc == 0)
		result = LP_OK;
	else if (st == GLP_NOFEAS)
		result = LP_INFEASIBLE;
	else if (rc == GLP_ETMLIM)
		result = LP_TIMEOUT;
	else
		result = LP_FAILED;
	glp_free(cb.x);
	if (cb.start)
		glp_free((void *) cb.start);
	glp_free(cuts.start);
	glp_free(cuts.lo);
	glp_free(cuts.col);
	glp_free(cuts.coef);
	return result;
}

int
lp_branch_and_cut(LpModel *m, const double *obj, double time_limit,
				  LpSeparate sep, void *ctx, const double *start, double *x,
				  double *value, bool *found)
{
	BcArgs		a;

	*found = false;
	if (!alive(m))
		return LP_NOMEM;
	a.m = m;
	a.obj = obj;
	a.time_limit = time_limit;
	a.sep = sep;
	a.ctx = ctx;
	a.start = start;
	a.x = x;
	a.value = value;
	a.found = found;
	return guarded(bc_inner, &a);
}
