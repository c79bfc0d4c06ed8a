/*
 * suppress_protect.c - the intruder, and the suppression that withstands
 * it (see suppress_core.h and doc/protection.md for the model).
 *
 * Deviation models.  Everything here solves one kind of program over a
 * region of cells: for each cell i two variables d+_i, d-_i >= 0, the
 * intruder's table being x_i = a_i + d+_i - d-_i, with
 *   every equation: sum of the deviations of the total minus those of its
 *     parts is 0 (cells outside the region do not move);
 *   bounds: d-_i <= a_i - lb_i (lb_i: 1 for a hidden non-zero count, else
 *     0, or the a-priori bound), d+_i <= ub_i - a_i (a-priori bound);
 *   what the complement rule reveals (below);
 *   integrality of d when every value is a whole number.
 * A requirement of a primary p is met when the model is feasible with
 * d+_p >= upper target (or d-_p >= lower target); the solution found
 * (minimizing the total deviation, so that it moves few cells) is the
 * WITNESS: an integer table the intruder cannot rule out, with p beyond
 * its protection level.  This is the dual view of Fischetti and
 * Salazar-Gonzalez (2001), "Solving the cell suppression problem on tabular
 * data with linear constraints", Management Science 47(7): a pattern
 * protects p iff such deviations exist; with integrality it is the integer
 * intruder of the issue (LP first, branch and bound only when the LP
 * optimum is fractional).
 *
 * What the threshold rule reveals.  With the complement rule, a published
 * part x > 0 of an equation T = sum of parts has a complement T - x that is
 * 0 or at least the threshold t (else x would be primary); with group
 * disclosure on, not 0 either.  The intruder adds, per equation, the
 * strongest of these: sum of the hidden parts' deviations >= t - (T - x)
 * for the largest published part x whose complement is >= t, and <= 0 when
 * a published part is the whole total (its complement is 0).
 *
 * The heuristic (Fischetti and Salazar-Gonzalez 2000, "Models and
 * algorithms for optimizing cell suppression in tabular data with linear
 * constraints", JASA 95, section 5: one primary at a time, each time the
 * cheapest deviation over the table): primaries in order of their
 * protection levels (largest first, then canonical order); for each one
 * not yet protected, a linear program over the cells near it (two
 * equations away, plus everything already hidden in its reach) minimizes
 * sum cost_i / target * |d_i| over cells not yet hidden with the failing
 * requirement imposed; the cells it moves are hidden; repeat until the
 * intruder's check passes.  Hiding more never helps the intruder, so one
 * pass suffices.  Then the cleanup: secondaries in decreasing cost, each
 * published again when every primary still has a witness without it
 * (only the primaries whose witnesses touch it are checked again).  On a
 * small table the swap search follows (a local search: a secondary
 * published and barred, the primaries re-protected without it, the
 * cleanup again, kept when cheaper), bounded by a count of linear
 * programs so that the result does not depend on the machine.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "guard_core.h"
#include "lp.h"
#include "suppress_internal.h"

/* the failing requirement of a primary */
enum
{
	NEED_NONE = 0,
	NEED_UP,
	NEED_DOWN,
	NEED_GROUP
};

typedef struct Need
{
	int			kind;
	double		target;
	int			fix;			/* singleton to hold fixed, or -1 */
	bool		coalition;		/* hold every hidden singleton fixed */
	int			geq;			/* NEED_GROUP: its equation */
} Need;

/* a deviation model over a region */
typedef struct Reg
{
	int			n;
	int		   *cell;			/* region index -> cell */
	int			grprow;			/* the group row or -1 */
	int			ncols;
	LpModel    *m;
	double	   *x;				/* solution, 2n */
	double	   *lo0,
			   *hi0;			/* column bounds as built */
} Reg;

#define REG_MAX_CONSTRUCT 6000
#define REG_SMALL 100
/* a large table: the construct works near the primary and knows the
 * complement rule (on small tables the component without the rule finds
 * cheaper patterns) */
#define REG_LARGE 2000
/* the heuristic tries two orders of the primaries up to this many cells */
#define HEUR_TWO_ORDERS 500
/* and the swap search up to this many cells, at most this many trials per
 * secondary */
#define HEUR_SWAP 500
#define HEUR_SWAP_TRIALS 3
#define HEUR_SWAP_WORK 2

bool
sup_cancelled(const Sup *S)
{
	return S->opt->cancel ? S->opt->cancel() : core_cancel_pending();
}

bool
sup_can_move(const Sup *S, int c)
{
	return (S->val[c] > 0 || (S->cf[c] & CF_GZERO)) && !(S->cf[c] & CF_FIXED);
}

/* a zero hidden as a last resort: when no pattern of non-zero cells can
 * protect a primary (a small count alone with zeros in its equations) */
static bool
zero_last_resort(const Sup *S, int c)
{
	return S->val[c] == 0 && !(S->cf[c] & (CF_FIXED | CF_GZERO));
}

/*
 * The intruder's lower bound of a hidden cell: 0; 1 for a count >= 1 in a
 * table of whole numbers (zeros are never hidden but for group
 * disclosure, whose zeros keep 0: giving the intruder the truth about which
 * hidden cells are zero is more than the rules reveal, so the bound is on
 * the safe side); an a-priori bound when larger; never above the value.
 */
double
sup_lower_bound(const Sup *S, int c)
{
	double		lb = fmax(0.0, S->klo[c]);

	if (S->integral && S->val[c] >= 1)
		lb = fmax(lb, 1.0);
	return fmin(lb, S->val[c]);
}

static double
upper_bound(const Sup *S, int c)
{
	return fmax(S->khi[c], S->val[c]);
}

int
sup_lp_status(Sup *S, int rc, const char *what)
{
	if (rc == LP_CANCELLED)
		return sup_fail(S, SUP_E_CANCEL, "cancelled", "The %s was cancelled.", what);
	if (rc == LP_NOMEM)
		return sup_fail(S, SUP_E_MEMORY, "linear program too large",
						"GLPK ran out of the memory barometer.max_state_bytes allows during the %s.", what);
	return sup_fail(S, SUP_E_SOLVER, "linear program failed",
					"GLPK could not solve a program of the %s (status %d).", what, rc);
}

/* ---------------------------------------------------------------------
 * regions
 * --------------------------------------------------------------------- */

/* add the hidden component of p (cells linked by equations) to the region */
static int
add_component(Sup *S, const unsigned char *supp, int p, int *n, int cap)
{
	int			head = *n,
				k,
				j;

	if (S->pos[p] < 0)
	{
		S->pos[p] = *n;
		S->queue[(*n)++] = p;
	}
	while (head < *n)
	{
		int			c = S->queue[head++];

		for (k = S->cs[c]; k < S->cs[c + 1]; k++)
		{
			int			e = S->cl[k];

			for (j = S->es[e]; j < S->es[e + 1]; j++)
			{
				int			x = S->ec[j];

				if (supp[x] && S->pos[x] < 0)
				{
					if (*n >= cap)
						return -1;
					S->pos[x] = *n;
					S->queue[(*n)++] = x;
				}
			}
		}
	}
	return 0;
}

/*
 * The hidden cells one equation from queue[lo, hi) that are not queued yet,
 * appended to the queue (at most cap in all).
 */
static void
add_hidden_next(Sup *S, const unsigned char *supp, int lo, int hi, int *n, int cap)
{
	int			i,
				k,
				j;

	for (i = lo; i < hi; i++)
	{
		int			c = S->queue[i];

		for (k = S->cs[c]; k < S->cs[c + 1]; k++)
		{
			int			e = S->cl[k];

			for (j = S->es[e]; j < S->es[e + 1]; j++)
			{
				int			x = S->ec[j];

				if (supp[x] && S->pos[x] < 0 && *n < cap)
				{
					S->pos[x] = *n;
					S->queue[(*n)++] = x;
				}
			}
		}
	}
}

/*
 * The hidden cells within depth equations of p (at most cap): a witness
 * found there is a witness for the whole table (the cells outside do not
 * move), so most checks need no more than this.
 */
static void
add_hidden_near(Sup *S, const unsigned char *supp, int p, int depth, int *n, int cap)
{
	int			lvl_lo,
				lvl_hi,
				level;

	if (S->pos[p] < 0)
	{
		S->pos[p] = *n;
		S->queue[(*n)++] = p;
	}
	lvl_lo = S->pos[p];
	lvl_hi = lvl_lo + 1;
	for (level = 0; level < depth; level++)
	{
		add_hidden_next(S, supp, lvl_lo, lvl_hi, n, cap);
		lvl_lo = lvl_hi;
		lvl_hi = *n;
	}
}

/* cells within depth equations of p that could be hidden */
static void
expand(Sup *S, int c, int *n, int cap)
{
	int			k,
				j;

	for (k = S->cs[c]; k < S->cs[c + 1]; k++)
	{
		int			e = S->cl[k];

		for (j = S->es[e]; j < S->es[e + 1]; j++)
		{
			int			x = S->ec[j];

			if (S->seen[x])
				continue;
			S->seen[x] = 1;
			if (!S->supp[x] && !sup_can_move(S, x) &&
				!(S->zeros_ok && zero_last_resort(S, x)))
				continue;
			if (S->pos[x] < 0 && *n < cap)
			{
				S->pos[x] = *n;
				S->queue[(*n)++] = x;
			}
		}
	}
}

static void
add_neighbourhood(Sup *S, int p, int depth, int *n, int cap)
{
	int			lvl_lo,
				lvl_hi,
				level,
				i;

	S->seen[p] = 1;
	lvl_lo = *n;
	expand(S, p, n, cap);
	lvl_hi = *n;
	for (level = 1; level < depth; level++)
	{
		for (i = lvl_lo; i < lvl_hi; i++)
			expand(S, S->queue[i], n, cap);
		lvl_lo = lvl_hi;
		lvl_hi = *n;
	}
}

static void
clear_seen(Sup *S)
{
	int			c;

	for (c = 0; c < S->ncell; c++)
		S->seen[c] = 0;
}

/* the region's positions only (its users left S->seen clear) */
static void
clear_pos(Sup *S, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		S->pos[S->queue[i]] = -1;
}

static void
clear_region_marks(Sup *S, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		S->pos[S->queue[i]] = -1;
	}
	clear_seen(S);
}

/*
 * Build the deviation model over the n cells in S->queue (S->pos set).
 * construct: hidden cells and candidates, weights for the objective set
 * later, no rule rows; else every cell is hidden and the rule rows are in.
 * grp: the group equation of a group requirement, or -1.
 */
static int
reg_build(Sup *S, Reg *R, int n, const unsigned char *supp,
		  const unsigned char *eqmask, bool construct, int grp)
{
	int			i,
				k,
				e,
				ne = 0,
				nrow = 0,
				nz = 0;
	int		   *rs,
			   *col;
	double	   *coef,
			   *rlo,
			   *rhi;
	bool	   *isint;
	LpSpec		spec;
	int			status;
	double		t = S->top + 1;
	size_t		bytes;

	memset(R, 0, sizeof(*R));
	R->n = n;
	R->cell = NEW(S, int, n);
	memcpy(R->cell, S->queue, sizeof(int) * n);
	R->ncols = 2 * n;
	R->grprow = -1;
	/* the equations touching the region */
	for (i = 0; i < n; i++)
	{
		int			c = R->cell[i];

		for (k = S->cs[c]; k < S->cs[c + 1]; k++)
		{
			e = S->cl[k];
			if (S->eseen[e] || (eqmask && !eqmask[e]))
				continue;
			S->eseen[e] = 1;
			S->elist[ne++] = e;
		}
	}
	for (i = 0; i < ne; i++)
		for (k = S->es[S->elist[i]]; k < S->es[S->elist[i] + 1]; k++)
			if (S->pos[S->ec[k]] >= 0)
				nz += 2;
	/* rows: equations, up to two rule rows each, the group row */
	bytes = lp_model_bytes(R->ncols, 3 * ne + 1, (size_t) 3 * nz + 2 * n);
	if (!core_within_limit(bytes))
	{
		for (i = 0; i < ne; i++)
			S->eseen[S->elist[i]] = 0;
		return sup_fail(S, SUP_E_MEMORY, "table too large for the suppression model",
						"A linear program over %d cells and %d equations needs about %zu bytes; barometer.max_state_bytes allows %zu.",
						n, ne, bytes, core_max_bytes);
	}
	rs = NEW(S, int, 3 * ne + 2);
	col = NEW(S, int, 3 * nz + 2 * n + 1);
	coef = NEW(S, double, 3 * nz + 2 * n + 1);
	rlo = NEW(S, double, 3 * ne + 1);
	rhi = NEW(S, double, 3 * ne + 1);
	R->lo0 = NEW(S, double, R->ncols);
	R->hi0 = NEW(S, double, R->ncols);
	R->x = NEW(S, double, R->ncols);
	isint = NEW(S, bool, R->ncols);
	rs[0] = 0;
	for (i = 0; i < ne; i++)
	{
		e = S->elist[i];
		S->eseen[e] = 0;
		nz = rs[nrow];
		for (k = S->es[e]; k < S->es[e + 1]; k++)
		{
			int			q = S->pos[S->ec[k]];
			double		a = k == S->es[e] ? 1.0 : -1.0;

			if (q < 0)
				continue;
			col[nz] = 2 * q;
			coef[nz++] = a;
			col[nz] = 2 * q + 1;
			coef[nz++] = -a;
		}
		rlo[nrow] = 0;
		rhi[nrow] = 0;
		rs[++nrow] = nz;

		/*
		 * What the complement rule reveals.  When constructing (a large table), the cells
		 * that may be hidden count with the hidden ones (a part hidden
		 * joins the sum; that the rule weakens when the largest published
		 * part is hidden is left to the next check), so that the deviation
		 * chosen is one the intruder cannot rule out either.
		 */
		if (S->rules && (!construct || S->ncell > REG_LARGE || S->construct_rules) &&
			S->es[e + 1] - S->es[e] >= 3)
		{
			double		T = S->val[S->ec[S->es[e]]],
						pubmax = -1;
			int			nh = 0;
			bool		whole = false;

			for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
			{
				int			x = S->ec[k];

				if ((supp[x] || construct) && S->pos[x] >= 0)
					nh++;
				if (!supp[x] && S->val[x] > 0)
				{
					pubmax = fmax(pubmax, S->val[x]);
					if (S->val[x] == T)
						whole = true;
				}
			}
			if (nh > 0 && pubmax > 0)
			{
				double		rest = T - pubmax;
				int			pass;

				for (pass = 0; pass < 2; pass++)
				{
					if (pass == 0 && !(rest >= t && !whole))
						continue;
					if (pass == 1 && !whole)
						continue;
					nz = rs[nrow];
					for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
					{
						int			x = S->ec[k];

						if ((!supp[x] && !construct) || S->pos[x] < 0)
							continue;
						col[nz] = 2 * S->pos[x];
						coef[nz++] = 1;
						col[nz] = 2 * S->pos[x] + 1;
						coef[nz++] = -1;
					}
					if (pass == 0)
					{
						rlo[nrow] = t - rest;
						rhi[nrow] = INFINITY;
					}
					else
					{
						rlo[nrow] = -INFINITY;
						rhi[nrow] = 0;
					}
					rs[++nrow] = nz;
				}
			}
		}
	}
	/* the group row: the other parts of the group equation */
	if (grp >= 0)
	{
		int			x0 = -1;

		nz = rs[nrow];
		for (k = S->es[grp] + 1; k < S->es[grp + 1]; k++)
		{
			int			x = S->ec[k];

			if (S->val[x] == S->val[S->ec[S->es[grp]]] && x0 < 0)
			{
				x0 = x;
				continue;
			}
			if (S->pos[x] < 0)
				continue;
			col[nz] = 2 * S->pos[x];
			coef[nz++] = 1;
			col[nz] = 2 * S->pos[x] + 1;
			coef[nz++] = -1;
		}
		rlo[nrow] = -INFINITY;
		rhi[nrow] = INFINITY;
		R->grprow = nrow;
		rs[++nrow] = nz;
	}
	for (i = 0; i < n; i++)
	{
		int			c = R->cell[i];
		bool		movable = supp[c] || (construct && (sup_can_move(S, c) ||
														(S->zeros_ok && zero_last_resort(S, c))));

		R->lo0[2 * i] = 0;
		R->hi0[2 * i] = movable ? upper_bound(S, c) - S->val[c] : 0;
		R->lo0[2 * i + 1] = 0;
		R->hi0[2 * i + 1] = movable ? S->val[c] - sup_lower_bound(S, c) : 0;
		isint[2 * i] = isint[2 * i + 1] = S->integral && !construct;
	}
	spec.ncols = R->ncols;
	spec.col_lo = R->lo0;
	spec.col_hi = R->hi0;
	spec.col_int = isint;
	spec.nrows = nrow;
	spec.row_start = rs;
	spec.col = col;
	spec.coef = coef;
	spec.row_lo = rlo;
	spec.row_hi = rhi;
	R->m = lp_new(&spec, &status);
	if (R->m == NULL)
		return sup_lp_status(S, status, "suppression model");
	return 0;
}

static void
reg_free(Reg *R)
{
	lp_free(R->m);
	R->m = NULL;
}

/*
 * Solve the model for one requirement: p's deviation up (down) at least
 * target, or the group row >= 1; minimizing the weighted deviation (w per
 * column; NULL: 1 each).  Returns 1 feasible (solution in R->x), 0 not,
 * -1 error.
 */
static int
reg_solve(Sup *S, Reg *R, int p, const Need *nd, const double *w, bool integer)
{
	int			q = S->pos[p] >= 0 ? S->pos[p] : -1,
				rc,
				i;
	double		v;
	int		   *oc;
	double	   *ov;
	int			result;

	(void) q;
	q = -1;
	for (i = 0; i < R->n; i++)
		if (R->cell[i] == p)
		{
			q = i;
			break;
		}
	if (q < 0)
		return 0;
	if (nd->kind == NEED_UP)
	{
		if (nd->target > R->hi0[2 * q] + 1e-9)
			return 0;
		lp_set_col_bounds(R->m, 2 * q, nd->target, R->hi0[2 * q]);
		lp_set_col_bounds(R->m, 2 * q + 1, 0, 0);
	}
	else if (nd->kind == NEED_DOWN)
	{
		if (nd->target > R->hi0[2 * q + 1] + 1e-9)
			return 0;
		lp_set_col_bounds(R->m, 2 * q + 1, nd->target, R->hi0[2 * q + 1]);
		lp_set_col_bounds(R->m, 2 * q, 0, 0);
	}
	else if (nd->kind == NEED_GROUP && R->grprow >= 0)
		lp_set_row_bounds(R->m, R->grprow, 1, INFINITY);
	/* intruders: their cells do not move */
	for (i = 0; i < R->n; i++)
	{
		int			c = R->cell[i];

		if (i == q)
			continue;
		if (c == nd->fix || (nd->coalition && (S->cf[c] & CF_SINGLE) && S->supp[c] &&
							 S->seen[c] == 2))
		{
			lp_set_col_bounds(R->m, 2 * i, 0, 0);
			lp_set_col_bounds(R->m, 2 * i + 1, 0, 0);
		}
	}
	oc = S->alloc(S->actx, NULL, sizeof(int) * R->ncols);
	ov = S->alloc(S->actx, NULL, sizeof(double) * R->ncols);
	for (i = 0; i < R->ncols; i++)
	{
		oc[i] = i;
		ov[i] = w ? w[i] : 1.0;
	}
	rc = lp_optimize(R->m, R->ncols, oc, ov, false,
					 integer ? LP_INTEGER_FIRST : LP_RELAX, S->mip_seconds, &v, R->x);
	S->alloc(S->actx, oc, 0);
	S->alloc(S->actx, ov, 0);
	if (integer)
		S->st->mips++;
	S->st->lps++;
	/* restore */
	for (i = 0; i < R->n; i++)
		lp_set_col_bounds(R->m, 2 * i, R->lo0[2 * i], R->hi0[2 * i]),
			lp_set_col_bounds(R->m, 2 * i + 1, R->lo0[2 * i + 1], R->hi0[2 * i + 1]);
	if (R->grprow >= 0)
		lp_set_row_bounds(R->m, R->grprow, -INFINITY, INFINITY);
	if (rc == LP_OK || rc == LP_TIMEOUT)
		result = rc == LP_OK ? 1 : (S->integral ? 0 : 1);
	else if (rc == LP_INFEASIBLE)
		result = 0;
	else
		return sup_lp_status(S, rc, "suppression");
	return result;
}

/*
 * The extreme deviation of region cell q: maximize (up) or minimize; *v
 * the value.  For integers: the LP optimum v*, then whether an integer
 * table reaches floor(v*) (ceil for the minimum) -- most of the time it
 * does, and that is the integer optimum; otherwise full branch and bound.
 */
static int
reg_extreme(Sup *S, Reg *R, int q, bool up, const unsigned char *eqmask, double *v)
{
	int			oc[2];
	double		ov[2],
				k,
				dummy;
	int			rc;

	(void) eqmask;
	oc[0] = 2 * q;
	oc[1] = 2 * q + 1;
	ov[0] = 1;
	ov[1] = -1;
	rc = lp_optimize(R->m, 2, oc, ov, up, LP_RELAX, 0, v, R->x);
	S->st->lps++;
	if (rc == LP_UNBOUNDED)
	{
		*v = up ? INFINITY : -INFINITY;
		return 0;
	}
	if (rc == LP_INFEASIBLE)
	{
		*v = 0;
		return 0;
	}
	if (rc != LP_OK)
		return sup_lp_status(S, rc, "audit");
	if (!S->integral)
		return 0;
	k = up ? floor(*v + 1e-7) : ceil(*v - 1e-7);
	if (fabs(*v - k) < 1e-7)
	{
		int			i;
		bool		frac = false;

		for (i = 0; i < R->ncols && !frac; i++)
			if (fabs(R->x[i] - floor(R->x[i] + 0.5)) > 1e-7)
				frac = true;
		if (!frac)
		{
			*v = k;
			return 0;
		}
	}
	/* can an integer table reach k?  First the least total deviation with
	 * p at k (a vertex of that program is integral more often), then
	 * branch and bound for any integer solution */
	if (k >= 0)
	{
		lp_set_col_bounds(R->m, 2 * q, up ? k : 0, up ? R->hi0[2 * q] : k);
		lp_set_col_bounds(R->m, 2 * q + 1, 0, up ? 0 : R->hi0[2 * q + 1]);
	}
	else
	{
		lp_set_col_bounds(R->m, 2 * q, 0, up ? R->hi0[2 * q] : 0);
		lp_set_col_bounds(R->m, 2 * q + 1, up ? 0 : -k, up ? -k : R->hi0[2 * q + 1]);
	}
	{
		int		   *ac = S->alloc(S->actx, NULL, sizeof(int) * R->ncols);
		double	   *av = S->alloc(S->actx, NULL, sizeof(double) * R->ncols);
		int			i;
		bool		frac = false;

		for (i = 0; i < R->ncols; i++)
		{
			ac[i] = i;
			av[i] = 1;
		}
		rc = lp_optimize(R->m, R->ncols, ac, av, false, LP_RELAX, 0, &dummy, R->x);
		S->st->lps++;
		S->alloc(S->actx, ac, 0);
		S->alloc(S->actx, av, 0);
		for (i = 0; i < R->ncols && rc == LP_OK && !frac; i++)
			if (fabs(R->x[i] - floor(R->x[i] + 0.5)) > 1e-7)
				frac = true;
		if (rc == LP_OK && !frac)
			dummy = up ? k : k;
		else
		{
			rc = lp_optimize(R->m, 2, oc, ov, up, LP_INTEGER_FIRST, S->mip_seconds, &dummy, NULL);
			S->st->mips++;
		}
	}
	lp_set_col_bounds(R->m, 2 * q, R->lo0[2 * q], R->hi0[2 * q]);
	lp_set_col_bounds(R->m, 2 * q + 1, R->lo0[2 * q + 1], R->hi0[2 * q + 1]);
	if (rc == LP_OK && (up ? dummy >= k - 1e-7 : dummy <= k + 1e-7))
	{
		*v = k;
		return 0;
	}
	if (rc != LP_OK && rc != LP_INFEASIBLE && rc != LP_TIMEOUT)
		return sup_lp_status(S, rc, "audit");
	/* the integer optimum by branch and bound */
	rc = lp_optimize(R->m, 2, oc, ov, up, LP_INTEGER, S->mip_seconds, v, NULL);
	S->st->mips++;
	if (rc == LP_OK || rc == LP_TIMEOUT)
	{
		/* on a timeout the best integer table found: an inner bound (the
		 * true table, deviation 0, when none was found) */
		if (isnan(*v))
			*v = 0;
		return 0;
	}
	if (rc == LP_INFEASIBLE)
	{
		*v = 0;
		return 0;
	}
	return sup_lp_status(S, rc, "audit");
}

/* ---------------------------------------------------------------------
 * the check of one primary
 * --------------------------------------------------------------------- */

/* code a is b or one of b's ancestors in dimension d */
static bool
covers(const Sup *S, int d, int a, int b)
{
	while (b >= 0)
	{
		if (a == b)
			return true;
		b = S->par[d][b];
	}
	return false;
}

/*
 * p and singleton s are one contributor's value: equal values, in every
 * dimension one code is the other's or an ancestor of it, and the cell
 * under both (their meet: the finer code in each dimension) holds that
 * same value.  Then everything else under p and under s is zero: both are
 * exactly the units of the meet, s's own, and s learns nothing about p
 * that is not its own.  One aggregating the other is the case where the
 * meet is one of them; the meet can also be a third cell, as when a code
 * has a single child: (m2, O1, s1) and (M1, o2, s1) with M1 -> m2 and
 * O1 -> o2 are both (m2, o2, s1), and no pattern can keep a singleton
 * from knowing one from the other.
 */
bool
sup_same_contributor(const Sup *S, int p, int s)
{
	int			d,
				m;
	int			key[SUP_MAXDIM];

	if (S->val[p] != S->val[s])
		return false;
	for (d = 0; d < S->ndim; d++)
	{
		int			a = S->coord[(size_t) s * S->ndim + d],
					b = S->coord[(size_t) p * S->ndim + d];

		if (covers(S, d, a, b))
			key[d] = b;
		else if (covers(S, d, b, a))
			key[d] = a;
		else
			return false;
	}
	m = sup_find_cell(S, key);
	return m >= 0 && S->val[m] == S->val[p];
}

static double
tol(const Sup *S, int c)
{
	return 1e-7 * fmax(1.0, S->val[c]);
}

/*
 * The certificates of a primary: each solution found (an integer table the
 * intruder cannot rule out) as its moved cells and their deviations, one
 * after the other, each closed by a cell -1.  The cleanup checks whether a
 * certificate survives publishing a cell without solving anything.
 */
typedef struct Wit
{
	int		   *c;
	double	   *d;
	int			n,
				cap;
} Wit;

static void
wit_push(Sup *S, Wit *W, int c, double d)
{
	if (W->n == W->cap)
	{
		W->cap = W->cap ? 2 * W->cap : 32;
		W->c = S->alloc(S->actx, W->c, sizeof(int) * W->cap);
		W->d = S->alloc(S->actx, W->d, sizeof(double) * W->cap);
	}
	W->c[W->n] = c;
	W->d[W->n++] = d;
}

static void
wit_add_solution(Sup *S, Reg *R, Wit *W)
{
	int			i;

	for (i = 0; i < R->n; i++)
		if (fabs(R->x[2 * i]) > 1e-9 || fabs(R->x[2 * i + 1]) > 1e-9)
			wit_push(S, W, R->cell[i], R->x[2 * i] - R->x[2 * i + 1]);
	wit_push(S, W, -1, 0);
}

static void
wit_free(Sup *S, Wit *W)
{
	if (W->c)
		S->alloc(S->actx, W->c, 0);
	if (W->d)
		S->alloc(S->actx, W->d, 0);
	memset(W, 0, sizeof(*W));
}

/*
 * One requirement with its intruders: feasible for the external intruder
 * and, per the intruder option, with each hidden singleton of the witness
 * held fixed (or all of them at once).  Returns 1 met, 0 not (*fail set),
 * -1 error.
 */
static int
requirement(Sup *S, Reg *R, int p, int kind, double target, Wit *W, Need *fail)
{
	Need		nd;
	int			rc,
				i;

	nd.kind = kind;
	nd.target = target;
	nd.fix = -1;
	nd.geq = S->cur_geq;
	/* singleton intruders threaten values (PS2); group disclosure is
	 * checked against the external intruder */
	nd.coalition = S->intruder == SUP_INTRUDER_COALITION && kind != NEED_GROUP;
	rc = reg_solve(S, R, p, &nd, NULL, S->integral && !S->lp_only);
	if (rc < 0)
		return -1;
	if (rc == 0)
	{
		*fail = nd;
		return 0;
	}
	if (S->intruder == SUP_INTRUDER_SINGLETON && kind != NEED_GROUP)
	{
		int			nsing = 0,
				   *sing;

		/* the singletons the witness moves, each held fixed in turn */
		sing = S->alloc(S->actx, NULL, sizeof(int) * (R->n + 1));
		for (i = 0; i < R->n; i++)
		{
			int			c = R->cell[i];

			if (c != p && (S->cf[c] & CF_SINGLE) &&
				(fabs(R->x[2 * i]) > 1e-9 || fabs(R->x[2 * i + 1]) > 1e-9) &&
				!sup_same_contributor(S, p, c))
				sing[nsing++] = c;
		}
		wit_add_solution(S, R, W);
		for (i = 0; i < nsing; i++)
		{
			nd.fix = sing[i];
			rc = reg_solve(S, R, p, &nd, NULL, S->integral && !S->lp_only);
			if (rc <= 0)
			{
				S->alloc(S->actx, sing, 0);
				if (rc == 0)
					*fail = nd;
				return rc;
			}
			wit_add_solution(S, R, W);
		}
		S->alloc(S->actx, sing, 0);
		return 1;
	}
	wit_add_solution(S, R, W);
	return 1;
}

/*
 * The cleanup's guide (S->guide_cells): the cells of a primary's
 * certificates before a secondary was published (the cells that moved; -1
 * between two).  A new certificate usually runs next to the old one, around
 * the published cell.
 */
/* p, the hidden cells of the guide and the hidden cells one equation from
 * them (at most cap) */
static void
add_guided(Sup *S, const unsigned char *supp, int p, int *n, int cap)
{
	int			i;

	if (S->pos[p] < 0)
	{
		S->pos[p] = *n;
		S->queue[(*n)++] = p;
	}
	for (i = 0; i < S->guide_n && *n < cap; i++)
	{
		int			c = S->guide_cells[i];

		if (c >= 0 && supp[c] && S->pos[c] < 0)
		{
			S->pos[c] = *n;
			S->queue[(*n)++] = c;
		}
	}
	add_hidden_next(S, supp, 0, *n, n, cap);
}

/*
 * Whether primary p is protected under pattern supp: 0 with *problem
 * (SUP_OK or SUP_P_*) and, when protected and keep, its witnesses in
 * S->wit[p]; *need (if not NULL) the first requirement that fails.
 */
static int
check_region(Sup *S, int p, const unsigned char *supp, int *problem, bool keep,
			 Need *need, int local);

/*
 * Locally first (cheap), the whole hidden component when that fails and
 * full is asked for (the audit); the heuristic and the cleanup decide on
 * the local check alone, which can only make them hide more, never less.
 */
static int
check_primary(Sup *S, int p, const unsigned char *supp, int *problem, bool keep,
			  Need *need, bool full)
{
	/* the cleanup's guide first: the hidden cells of p's last certificates
	 * and those one equation from them */
	if (S->guide_n > 0)
	{
		if (check_region(S, p, supp, problem, keep, need, 3) < 0)
			return -1;
		if (*problem == SUP_OK)
			return 0;
	}
	/* the hidden cells two equations away (where a rectangle or a cube
	 * closes), then three, then the whole component */
	if (check_region(S, p, supp, problem, keep, need, 1) < 0)
		return -1;
	if (*problem == SUP_OK)
		return 0;
	if (check_region(S, p, supp, problem, keep, need, 2) < 0)
		return -1;
	if (*problem == SUP_OK || !full)
		return 0;
	return check_region(S, p, supp, problem, keep, need, 0);
}

static int
check_region(Sup *S, int p, const unsigned char *supp, int *problem, bool keep,
			 Need *need, int local)
{
	Reg			R;
	Wit			W;
	Need		fail;
	int			n = 0,
				rc = 0,
				mark = S->nblk,
				q,
				i;
	double		U = S->upl[p],
				L = S->lpl[p],
				Wd = S->spl[p],
				room;
	bool		ok = true;

	memset(&W, 0, sizeof(W));
	memset(&fail, 0, sizeof(fail));
	fail.fix = -1;
	fail.geq = -1;
	*problem = SUP_OK;
	if (!supp[p])
	{
		*problem = SUP_P_EXACT;
		return 0;
	}
	if (local == 3)
		add_guided(S, supp, p, &n, 400);
	else if (local == 1)
	{
		add_hidden_near(S, supp, p, 2, &n, REG_SMALL);
		if (n >= REG_SMALL)
		{
			/* cut off: the next region starts with the same cells (the
			 * same search from p), so a check here only repeats a part of
			 * it (on a large table it always failed) */
			clear_pos(S, n);
			*problem = SUP_P_NARROW;
			return 0;
		}
	}
	else if (local)
		add_hidden_near(S, supp, p, 3, &n, 400);
	else if (add_component(S, supp, p, &n, S->ncell) < 0)
		return -1;
	/* the coalition: every hidden singleton but p and its own values */
	for (i = 0; i < n; i++)
	{
		int			c = S->queue[i];

		if (c != p && (S->cf[c] & CF_SINGLE) && !sup_same_contributor(S, p, c))
			S->seen[c] = 2;
	}
	if (reg_build(S, &R, n, supp, NULL, false, S->grpeq[p]) < 0)
	{
		for (i = 0; i < n; i++)
			S->seen[S->queue[i]] = 0;
		clear_pos(S, n);
		return -1;
	}
	q = S->pos[p];
	room = R.hi0[2 * q + 1];
	/* the requirements: the levels, then the sliding width */
	if (L > room + tol(S, p))
	{
		ok = false;
		fail.kind = NEED_DOWN;
		fail.target = L;
	}
	if (ok && Wd <= U + L + tol(S, p))
	{
		if (U > 0 && (rc = requirement(S, &R, p, NEED_UP, U, &W, &fail)) <= 0)
			ok = false;
		if (ok && L > 0 && (rc = requirement(S, &R, p, NEED_DOWN, L, &W, &fail)) <= 0)
			ok = false;
	}
	else if (ok)
	{
		/* the width upwards, else downwards, else split by the extremes */
		double		up1 = fmax(U, Wd - L),
					dn2 = fmax(L, Wd - U);
		Need		f1;

		rc = requirement(S, &R, p, NEED_UP, up1, &W, &f1);
		if (rc > 0 && L > 0)
			rc = requirement(S, &R, p, NEED_DOWN, L, &W, &f1);
		if (rc == 0)
		{
			W.n = 0;
			rc = dn2 <= room + tol(S, p) ? requirement(S, &R, p, NEED_DOWN, dn2, &W, &fail) : 0;
			if (rc > 0 && U > 0)
				rc = requirement(S, &R, p, NEED_UP, U, &W, &fail);
			if (rc == 0)
			{
				double		vu,
							vd;

				/* the largest up and down moves: a split may still do */
				W.n = 0;
				if (reg_extreme(S, &R, q, true, NULL, &vu) < 0 ||
					reg_extreme(S, &R, q, false, NULL, &vd) < 0)
					rc = -1;
				else if (vu >= U - tol(S, p) && -vd >= L - tol(S, p) &&
						 vu - vd >= Wd - tol(S, p))
				{
					rc = requirement(S, &R, p, NEED_UP, fmax(U, Wd + vd), &W, &fail);
					if (rc > 0 && Wd + vd < Wd - tol(S, p))
						rc = requirement(S, &R, p, NEED_DOWN, fmax(L, -vd), &W, &fail);
				}
				else
				{
					fail = f1;
					if (vu < up1)
					{
						fail.kind = NEED_UP;
						fail.target = up1;
					}
					rc = 0;
				}
			}
		}
		if (rc <= 0)
			ok = false;
	}
	if (rc < 0)
		goto error;
	/* group disclosure: every equation whose total sits in p */
	if (ok && S->grpeq[p] >= 0)
	{
		int			k2;

		for (k2 = S->cs[p]; k2 < S->cs[p + 1] && ok; k2++)
		{
			int			e = S->cl[k2];
			Reg			G;
			Reg		   *use = &R;

			if (S->ec[S->es[e]] == p || S->es[e + 1] - S->es[e] < 3 ||
				!(S->val[S->ec[S->es[e]]] == S->val[p] && S->val[p] > 0))
				continue;
			if (e != S->grpeq[p])
			{
				if (reg_build(S, &G, n, supp, NULL, false, e) < 0)
					goto error;
				use = &G;
			}
			S->cur_geq = e;
			rc = use->grprow >= 0 ? requirement(S, use, p, NEED_GROUP, 1, &W, &fail) : 0;
			S->cur_geq = -1;
			if (use != &R)
				reg_free(use);
			if (rc < 0)
				goto error;
			if (rc == 0)
			{
				ok = false;
				fail.kind = NEED_GROUP;
				fail.geq = e;
				*problem = SUP_P_GROUP;
			}
		}
	}
	if (!ok && *problem == SUP_OK)
	{
		double		vu,
					vd;

		if (reg_extreme(S, &R, q, true, NULL, &vu) < 0 ||
			reg_extreme(S, &R, q, false, NULL, &vd) < 0)
			goto error;
		if (vu - vd <= tol(S, p))
			*problem = SUP_P_EXACT;
		else if (fail.fix >= 0)
			*problem = SUP_P_SINGLETON;
		else if (fail.coalition && (vu >= U - tol(S, p) && -vd >= L - tol(S, p) &&
									vu - vd >= Wd - tol(S, p)))
			*problem = SUP_P_COALITION;
		else
			*problem = SUP_P_NARROW;
	}
	if (need)
	{
		if (ok)
		{
			need->kind = NEED_NONE;
			need->target = 0;
			need->fix = -1;
			need->coalition = false;
			need->geq = -1;
		}
		else
			*need = fail;
	}
	reg_free(&R);
	for (i = 0; i < n; i++)
		S->seen[S->queue[i]] = 0;
	clear_pos(S, n);
	sup_release(S, mark);
	if (ok && keep)
	{
		if (S->wit[p])
			S->alloc(S->actx, S->wit[p], 0);
		if (S->wdev[p])
			S->alloc(S->actx, S->wdev[p], 0);
		S->wit[p] = W.c;
		S->wdev[p] = W.d;
		S->nwit[p] = W.n;
	}
	else
		wit_free(S, &W);
	return 0;

error:
	reg_free(&R);
	for (i = 0; i < n; i++)
		S->seen[S->queue[i]] = 0;
	clear_pos(S, n);
	sup_release(S, mark);
	wit_free(S, &W);
	return -1;
}

int
sup_check_primary_need(Sup *S, int p, const unsigned char *supp, int *problem,
					   int *kind, double *target, int *fix)
{
	Need		nd;

	if (check_primary(S, p, supp, problem, false, &nd, true) < 0)
		return -1;
	*kind = nd.kind;
	*target = nd.target;
	*fix = nd.fix;
	return 0;
}

int
sup_check_primary(Sup *S, int p, const unsigned char *supp, int *problem, bool keep)
{
	return check_primary(S, p, supp, problem, keep, NULL, true);
}

/* ---------------------------------------------------------------------
 * the heuristic
 * --------------------------------------------------------------------- */

static const Sup *order_S;
static int	order_mode;
static const Sup *cost_S;
static int	cmp_cost_desc(const void *a, const void *b);

/*
 * The order of the primaries: 0, largest protection levels first; 1, the
 * other way round; canonical order (by cell) within a tie, so that the
 * result does not depend on the order of the input.
 */
static int
cmp_primary(const void *a, const void *b)
{
	int			x = *(const int *) a,
				y = *(const int *) b;
	double		lx = order_S->upl[x] + order_S->lpl[x] + order_S->spl[x],
				ly = order_S->upl[y] + order_S->lpl[y] + order_S->spl[y];

	if (lx != ly)
		return (lx > ly) == (order_mode == 0) ? -1 : 1;
	return x < y ? -1 : (x > y);
}

/* the cheapest candidate in an equation of p or of its hidden partners */
static int
fallback_partner(Sup *S, int p)
{
	int			k,
				j,
				best = -1;

	for (k = S->cs[p]; k < S->cs[p + 1]; k++)
	{
		int			e = S->cl[k];

		for (j = S->es[e]; j < S->es[e + 1]; j++)
		{
			int			x = S->ec[j];

			if (S->supp[x] || !sup_can_move(S, x))
				continue;
			if (best < 0 || S->cost[x] < S->cost[best] ||
				(S->cost[x] == S->cost[best] && x < best))
				best = x;
		}
	}
	return best;
}

/*
 * hide the cheapest deviation meeting need; returns cells added or -1.
 * near: the hidden cells three equations around p (not its whole hidden
 * component, which grows with the pattern) and the candidates two around;
 * else the component and the candidates, or (whole) the table.
 */
static int
construct(Sup *S, int p, const Need *nd, bool near, bool whole, bool zeros, bool *met)
{
	Reg			R;
	int			n = 0,
				mark = S->nblk,
				i,
				rc,
				added = 0;
	double	   *w;
	double		scale = fmax(nd->target, 1.0);
	*met = false;

	S->zeros_ok = zeros;
	if (whole && S->ncell > REG_MAX_CONSTRUCT)
	{
		/* a large table: four equations around p, not the whole table (a
		 * linear program per primary over every cell is quadratic) */
		if (add_component(S, S->supp, p, &n, S->ncell) < 0)
			return -1;
		add_neighbourhood(S, p, 4, &n, REG_MAX_CONSTRUCT + n);
	}
	else if (whole)
	{
		for (i = 0; i < S->ncell; i++)
			if (S->supp[i] || sup_can_move(S, i) || (zeros && zero_last_resort(S, i)))
			{
				S->pos[i] = n;
				S->queue[n++] = i;
			}
	}
	else if (near)
	{
		add_hidden_near(S, S->supp, p, 3, &n, 400);
		add_neighbourhood(S, p, 2, &n, REG_MAX_CONSTRUCT + n);
	}
	else
	{
		if (add_component(S, S->supp, p, &n, S->ncell) < 0)
			return -1;
		add_neighbourhood(S, p, 2, &n, REG_MAX_CONSTRUCT + n);
	}
	clear_seen(S);
	if (nd->coalition)
		for (i = 0; i < n; i++)
		{
			int			c = S->queue[i];

			if (c != p && (S->cf[c] & CF_SINGLE) && S->supp[c] && !sup_same_contributor(S, p, c))
				S->seen[c] = 2;
		}
	if (reg_build(S, &R, n, S->supp, NULL, true, nd->kind == NEED_GROUP ? nd->geq : -1) < 0)
	{
		clear_region_marks(S, n);
		return -1;
	}
	w = NEW(S, double, R.ncols);
	for (i = 0; i < R.n; i++)
	{
		int			c = R.cell[i];
		double		wi = S->supp[c] ? 1e-6 : S->cost[c] / scale + 1e-6;

		if (!S->supp[c] && zero_last_resort(S, c))
			wi = 1e6;

		if (isinf(wi))
			wi = 1e12;
		w[2 * i] = w[2 * i + 1] = wi;
	}
	rc = reg_solve(S, &R, p, nd, w, false);
	if (rc > 0)
	{
		for (i = 0; i < R.n; i++)
		{
			int			c = R.cell[i];

			if (!S->supp[c] && (R.x[2 * i] > 1e-9 || R.x[2 * i + 1] > 1e-9))
			{
				S->supp[c] = 1;
				added++;
			}
		}
		if (added == 0 && S->lp_only && S->ncell > REG_LARGE)
		{
			/*
			 * The LP relaxation's requirement is met by cells hidden
			 * already, in a region larger than the check's: nothing to
			 * hide in this pass; the integer pass checks p on its whole
			 * hidden component.  (Escalating to the whole table here hid
			 * a fallback partner after two whole-table programs.)
			 */
			*met = true;
		}
		else if (added == 0 && S->integral)
		{
			/* the LP moved only hidden cells; integrality or the rules
			 * stand in the way: the integer program */
			rc = reg_solve(S, &R, p, nd, w, true);
			if (rc > 0)
				for (i = 0; i < R.n; i++)
				{
					int			c = R.cell[i];

					if (!S->supp[c] && (R.x[2 * i] > 1e-9 || R.x[2 * i + 1] > 1e-9))
					{
						S->supp[c] = 1;
						added++;
					}
				}
		}
	}
	reg_free(&R);
	clear_region_marks(S, n);
	sup_release(S, mark);
	if (rc < 0)
		return -1;
	return added;
}

/* hide every non-zero cell within two equations of p; the number hidden */
static int
hide_around(Sup *S, int p)
{
	int			n = 0,
				i,
				added = 0;

	S->zeros_ok = false;
	add_neighbourhood(S, p, 2, &n, S->ncell);
	for (i = 0; i < n; i++)
	{
		int			c = S->queue[i];

		if (!S->supp[c] && sup_can_move(S, c))
		{
			S->supp[c] = 1;
			added++;
		}
	}
	clear_region_marks(S, n);
	return added;
}

/* protect one primary: check, hide the cheapest deviation, again */
static int
protect_primary(Sup *S, int p, bool full)
{
	int			round,
				problem;
	bool		repaired = false,
				widened = false;

	for (round = 0; round < 64; round++)
	{
		Need		nd;
		int			added;
		bool		met = false;

		if (sup_cancelled(S))
			return sup_fail(S, SUP_E_CANCEL, "cancelled", "The suppression was cancelled.");
		if (check_primary(S, p, S->supp, &problem, false, &nd, full) < 0)
			return -1;
		if (problem == SUP_OK)
			break;
		S->st->iterations++;
		added = S->ncell > REG_LARGE ? construct(S, p, &nd, true, false, false, &met) : 0;
		if (added == 0 && !met)
			added = construct(S, p, &nd, false, false, false, &met);
		if (added == 0 && !met)
			added = construct(S, p, &nd, false, true, false, &met);
		if (added == 0 && !met)
			added = construct(S, p, &nd, false, true, true, &met);
		if (added < 0)
			return -1;
		if (met)
			break;
		if (added == 0)
		{
			int			x = fallback_partner(S, p);

			if (x >= 0)
			{
				S->supp[x] = 1;
				continue;
			}
			if (!repaired && S->rules && S->ncell <= REG_LARGE)
			{
				/*
				 * A repair: what the complement rule reveals stands in
				 * the way (a published part whose complement is at least
				 * t keeps the hidden parts' sum from falling below t),
				 * which the construct of a small table does not see; with
				 * the rule rows it finds the part to hide.
				 */
				repaired = true;
				S->construct_rules = true;
				added = construct(S, p, &nd, false, true, false, &met);
				if (added == 0 && !met)
					added = construct(S, p, &nd, false, true, true, &met);
				S->construct_rules = false;
				if (added < 0)
					return -1;
				if (added > 0)
					continue;
				if (met)
					break;
			}
			if ((full || S->ncell <= REG_LARGE) && !widened)
			{
				/*
				 * The last resort: every non-zero cell within two
				 * equations of p (its lines and the lines crossing them);
				 * the intruder loses those equations' information, and
				 * the cleanup publishes again what is not needed (most
				 * expensive first: on small tables this often ends
				 * cheaper than the partners one at a time; on a large
				 * table the first pass, against the LP intruder, gives up
				 * instead and leaves it to the integer pass).
				 */
				widened = true;
				added = hide_around(S, p);
				if (added > 0)
					continue;
			}
			S->cf[p] |= CF_GIVEUP;
			break;
		}
	}
	return 0;
}

/*
 * The heuristic: every primary against the LP relaxation of the intruder
 * (fast), then the integer intruder on every primary, and the ones it
 * still recomputes get more cells (integer checks) until it does not; then
 * the cleanup, with integer checks.
 */
static int
heuristic_pass(Sup *S, int mode)
{
	int			np = 0,
				i,
				c,
				mark = S->nblk;
	int		   *prim = NEW(S, int, S->ncell);

	for (c = 0; c < S->ncell; c++)
		if ((S->cf[c] & CF_PRIMARY) && S->supp[c])
			prim[np++] = c;
	order_S = S;
	order_mode = mode;
	qsort(prim, np, sizeof(int), cmp_primary);
	S->lp_only = S->integral;
	for (i = 0; i < np; i++)
		if (protect_primary(S, prim[i], false) < 0)
			return -1;
	S->lp_only = false;
	for (i = 0; i < np; i++)
	{
		int			problem;

		if (S->cf[prim[i]] & CF_GIVEUP)
			S->cf[prim[i]] &= ~CF_GIVEUP;
		if (check_primary(S, prim[i], S->supp, &problem, false, NULL, true) < 0)
			return -1;
		if (problem != SUP_OK && protect_primary(S, prim[i], true) < 0)
			return -1;
	}
	if (S->opt->cleanup && sup_cleanup(S) < 0)
		return -1;
	sup_release(S, mark);
	return 0;
}

/* a pattern's given-up primaries and cost of its secondaries */
static void
pattern_score(const Sup *S, int *giveup, double *cost)
{
	int			c;

	*giveup = 0;
	*cost = 0;
	for (c = 0; c < S->ncell; c++)
	{
		if ((S->cf[c] & CF_PRIMARY) && (S->cf[c] & CF_GIVEUP))
			(*giveup)++;
		else if (S->supp[c] && !(S->cf[c] & (CF_PRIMARY | CF_PRESUPP)) && !isinf(S->cost[c]))
			*cost += S->cost[c];
	}
}

/*
 * The swap search (a local search after the cleanup, small tables): each
 * secondary in turn, most expensive first, is published and barred, the
 * primaries it leaves unprotected get the cheapest deviations without it
 * (usually a set of smaller cells) and the cleanup runs again; the new
 * pattern is kept when it is cheaper (never with more primaries given up),
 * and the search starts again from it.  This trades one large cell for
 * several smaller ones, and several medium ones for one pattern that
 * protects more primaries at once, which the greedy cleanup (it only
 * removes) cannot.  At most HEUR_SWAP_TRIALS passes per secondary of the
 * first pattern, and no more linear programs than budget (the count of
 * linear programs solved so far, a measure of work that does not depend
 * on the machine).
 */
static int
swap_search(Sup *S, long budget)
{
	int			g0,
				g,
				ns,
				i,
				c,
				trials = 0,
				max_trials,
				mark = S->nblk;
	double		k0,
				k;
	unsigned char *bs = NEW(S, unsigned char, S->ncell);
	unsigned char *bcf = NEW(S, unsigned char, S->ncell);
	unsigned char *tried = NEW(S, unsigned char, S->ncell);
	int		   *sec = NEW(S, int, S->ncell);

	pattern_score(S, &g0, &k0);
	ns = 0;
	for (c = 0; c < S->ncell; c++)
		if (S->supp[c] && !(S->cf[c] & (CF_PRIMARY | CF_PRESUPP)))
			ns++;
	max_trials = HEUR_SWAP_TRIALS * ns + 8;
	for (;;)
	{
		bool		improved = false;

		ns = 0;
		for (c = 0; c < S->ncell; c++)
			if (S->supp[c] && !(S->cf[c] & (CF_PRIMARY | CF_PRESUPP)) && !tried[c] &&
				!isinf(S->cost[c]) && S->cost[c] > 0)
				sec[ns++] = c;
		cost_S = S;
		qsort(sec, ns, sizeof(int), cmp_cost_desc);
		for (i = 0; i < ns && !improved; i++)
		{
			int			s = sec[i];

			if (trials++ >= max_trials || S->st->lps > budget)
				break;
			memcpy(bs, S->supp, S->ncell);
			memcpy(bcf, S->cf, S->ncell);
			S->supp[s] = 0;
			S->cf[s] |= CF_FIXED;
			if (heuristic_pass(S, 0) < 0)
				return -1;
			S->cf[s] &= ~CF_FIXED;
			pattern_score(S, &g, &k);
			if (g < g0 || (g == g0 && k < k0 - 1e-9 * fmax(1.0, k0)))
			{
				g0 = g;
				k0 = k;
				improved = true;
				memset(tried, 0, S->ncell);
				S->st->removed++;
			}
			else
			{
				memcpy(S->supp, bs, S->ncell);
				memcpy(S->cf, bcf, S->ncell);
				tried[s] = 1;
			}
		}
		if (!improved)
			break;
	}
	sup_release(S, mark);
	return 0;
}

/*
 * The heuristic: the pass below with the primaries largest levels first;
 * on a small table a second pass the other way round, and the better of
 * the two patterns (fewer primaries given up, then the lower cost; the
 * first on a tie).  Each pass: every primary against the LP relaxation of
 * the intruder (fast), then the integer intruder on every primary, and the
 * ones it still recomputes get more cells (integer checks) until it does
 * not; then the cleanup, with integer checks.
 */
int
sup_heuristic(Sup *S)
{
	unsigned char *supp0,
			   *cf0,
			   *supp1,
			   *cf1;
	int			g1,
				g2;
	double		k1,
				k2;
	long		lps0;

	if (S->ncell > HEUR_TWO_ORDERS)
		return heuristic_pass(S, 0);
	lps0 = S->st->lps;
	supp0 = NEW(S, unsigned char, S->ncell);
	cf0 = NEW(S, unsigned char, S->ncell);
	supp1 = NEW(S, unsigned char, S->ncell);
	cf1 = NEW(S, unsigned char, S->ncell);
	memcpy(supp0, S->supp, S->ncell);
	memcpy(cf0, S->cf, S->ncell);
	if (heuristic_pass(S, 0) < 0)
		return -1;
	pattern_score(S, &g1, &k1);
	memcpy(supp1, S->supp, S->ncell);
	memcpy(cf1, S->cf, S->ncell);
	memcpy(S->supp, supp0, S->ncell);
	memcpy(S->cf, cf0, S->ncell);
	if (heuristic_pass(S, 1) < 0)
		return -1;
	pattern_score(S, &g2, &k2);
	if (!(g2 < g1 || (g2 == g1 && k2 < k1 - 1e-9 * fmax(1.0, k1))))
	{
		memcpy(S->supp, supp1, S->ncell);
		memcpy(S->cf, cf1, S->ncell);
	}
	/* the swap search: at most HEUR_SWAP_WORK times the work of the two
	 * passes; not for the optimal mode's first incumbent (its branch and
	 * cut finds the same patterns faster: on bench/protect.sql's six 3-D
	 * tables the whole optimal run took twice as long with it) */
	return S->ncell <= HEUR_SWAP && S->opt->method != SUP_OPTIMAL ?
		swap_search(S, S->st->lps + HEUR_SWAP_WORK * (S->st->lps - lps0)) : 0;
}

/* ---------------------------------------------------------------------
 * the cleanup
 * --------------------------------------------------------------------- */

/*
 * Whether every certificate of primary p stays a table the intruder cannot
 * rule out once s is published, S->supp
 * already updated: a certificate that moves s does not; one that does not
 * moves nothing published, meets every equation and bound as before, and
 * only the rule rows of the equations with s as a part change (s joins the
 * published parts: a larger largest part, or one equal to the total).
 * Those rows are evaluated on the certificate directly, as reg_build writes
 * them: no program is solved.
 */
static bool
certs_survive(Sup *S, int p, int s)
{
	const int  *wc = S->wit[p];
	const double *wd = S->wdev[p];
	int			n = S->nwit[p],
				j,
				k,
				m;
	double		t = S->top + 1;
	bool		ok = true;

	for (j = 0; j < n; j++)
		if (wc[j] == s)
			return false;
	if (!S->rules)
		return true;
	for (k = S->cs[s]; k < S->cs[s + 1] && ok; k++)
	{
		int			e = S->cl[k];
		double		T,
					pubmax = -1,
					rest,
					D = 0;
		bool		whole = false;

		if (S->ec[S->es[e]] == s || S->es[e + 1] - S->es[e] < 3)
			continue;
		T = S->val[S->ec[S->es[e]]];
		for (m = S->es[e] + 1; m < S->es[e + 1]; m++)
		{
			int			x = S->ec[m];

			if (S->supp[x])
				S->seen[x] = 3;
			else if (S->val[x] > 0)
			{
				pubmax = fmax(pubmax, S->val[x]);
				if (S->val[x] == T)
					whole = true;
			}
		}
		rest = T - pubmax;
		/* each certificate's deviation of the hidden parts */
		for (j = 0; j < n && ok; j++)
		{
			if (wc[j] >= 0)
			{
				if (S->seen[wc[j]] == 3)
					D += wd[j];
				continue;
			}
			if (pubmax > 0 && rest >= t && !whole && D < t - rest - 1e-7)
				ok = false;
			if (pubmax > 0 && whole && D > 1e-7)
				ok = false;
			D = 0;
		}
		for (m = S->es[e] + 1; m < S->es[e + 1]; m++)
			if (S->seen[S->ec[m]] == 3)
				S->seen[S->ec[m]] = 0;
	}
	return ok;
}

static int
cmp_cost_desc(const void *a, const void *b)
{
	int			x = *(const int *) a,
				y = *(const int *) b;

	/* zeros hidden as a last resort go first */
	if (zero_last_resort(cost_S, x) != zero_last_resort(cost_S, y))
		return zero_last_resort(cost_S, x) ? -1 : 1;
	if (cost_S->cost[x] != cost_S->cost[y])
		return cost_S->cost[x] > cost_S->cost[y] ? -1 : 1;
	return x > y ? -1 : (x < y);
}

int
sup_cleanup(Sup *S)
{
	int			c,
				i,
				k,
				j,
				ns = 0,
				np = 0,
				problem;
	int		   *sec = NEW(S, int, S->ncell);
	int		   *prim = NEW(S, int, S->ncell);
	int		   *aff = NEW(S, int, S->ncell);
	unsigned char *touch = NEW(S, unsigned char, S->ncell);
	unsigned char *redo = NEW(S, unsigned char, S->ncell);
	int		  **oldw = NEW(S, int *, S->ncell);
	double	  **oldd = NEW(S, double *, S->ncell);
	int		   *oldn = NEW(S, int, S->ncell);
	int			rc;

	for (c = 0; c < S->ncell; c++)
	{
		if (!S->supp[c])
			continue;
		if (S->cf[c] & CF_PRIMARY)
		{
			if (S->cf[c] & CF_GIVEUP)
				continue;
			prim[np++] = c;
			if (check_primary(S, c, S->supp, &problem, true, NULL, true) < 0)
				return -1;
			if (problem != SUP_OK)
				S->cf[c] |= CF_GIVEUP;
		}
		else if (!(S->cf[c] & CF_PRESUPP))
			sec[ns++] = c;
	}
	cost_S = S;
	qsort(sec, ns, sizeof(int), cmp_cost_desc);
	for (i = 0; i < ns; i++)
	{
		int			s = sec[i],
					na = 0,
					a;
		bool		fine = true;

		if (sup_cancelled(S))
			return sup_fail(S, SUP_E_CANCEL, "cancelled", "The suppression was cancelled.");
		/* the cells whose movement publishing s may forbid */
		touch[s] = 1;
		if (S->rules)
			for (k = S->cs[s]; k < S->cs[s + 1]; k++)
				for (j = S->es[S->cl[k]] + 1; j < S->es[S->cl[k] + 1]; j++)
					touch[S->ec[j]] = 1;
		for (a = 0; a < np; a++)
		{
			int			p = prim[a];

			if (S->cf[p] & CF_GIVEUP)
				continue;
			for (j = 0; j < S->nwit[p]; j++)
				if (S->wit[p][j] >= 0 && touch[S->wit[p][j]])
				{
					aff[na++] = p;
					break;
				}
		}
		touch[s] = 0;
		if (S->rules)
			for (k = S->cs[s]; k < S->cs[s + 1]; k++)
				for (j = S->es[S->cl[k]] + 1; j < S->es[S->cl[k] + 1]; j++)
					touch[S->ec[j]] = 0;
		S->supp[s] = 0;
		/* the primaries whose certificates do not survive, checked again */
		for (a = 0; a < na; a++)
			redo[a] = !certs_survive(S, aff[a], s);
		for (a = 0; a < na && fine; a++)
		{
			int			p = aff[a];

			if (!redo[a])
				continue;
			oldw[p] = S->wit[p];
			oldd[p] = S->wdev[p];
			oldn[p] = S->nwit[p];
			S->wit[p] = NULL;
			S->wdev[p] = NULL;
			S->nwit[p] = 0;
			if (S->ncell > REG_LARGE)
			{
				S->guide_cells = oldw[p];
				S->guide_n = oldn[p];
			}
			rc = check_primary(S, p, S->supp, &problem, true, NULL, true);
			S->guide_cells = NULL;
			S->guide_n = 0;
			if (rc < 0)
				return -1;
			if (problem != SUP_OK)
			{
				fine = false;
				na = a + 1;
			}
		}
		for (a = 0; a < na; a++)
		{
			int			p = aff[a];

			if (!redo[a])
				continue;
			if (fine)
			{
				if (oldw[p])
					S->alloc(S->actx, oldw[p], 0);
				if (oldd[p])
					S->alloc(S->actx, oldd[p], 0);
			}
			else
			{
				if (S->wit[p])
					S->alloc(S->actx, S->wit[p], 0);
				if (S->wdev[p])
					S->alloc(S->actx, S->wdev[p], 0);
				S->wit[p] = oldw[p];
				S->wdev[p] = oldd[p];
				S->nwit[p] = oldn[p];
			}
			oldw[p] = NULL;
			oldd[p] = NULL;
		}
		if (fine)
			S->st->removed++;
		else
			S->supp[s] = 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * the audit: every hidden cell's interval, every primary's problems
 * --------------------------------------------------------------------- */

int
sup_intervals(Sup *S, const unsigned char *supp, const unsigned char *eqmask,
			  double *lo, double *hi)
{
	int			c,
				i;
	unsigned char *done = NEW(S, unsigned char, S->ncell);

	for (c = 0; c < S->ncell; c++)
	{
		Reg			R;
		int			n = 0,
					mark = S->nblk;
		int			head;

		if (!supp[c] || done[c])
			continue;
		/* the component of c under eqmask */
		S->pos[c] = n;
		S->queue[n++] = c;
		head = 0;
		while (head < n)
		{
			int			x = S->queue[head++],
						k,
						j;

			for (k = S->cs[x]; k < S->cs[x + 1]; k++)
			{
				int			e = S->cl[k];

				if (eqmask && !eqmask[e])
					continue;
				for (j = S->es[e]; j < S->es[e + 1]; j++)
				{
					int			y = S->ec[j];

					if (supp[y] && S->pos[y] < 0)
					{
						S->pos[y] = n;
						S->queue[n++] = y;
					}
				}
			}
		}
		if (reg_build(S, &R, n, supp, eqmask, false, -1) < 0)
		{
			clear_pos(S, n);
			return -1;
		}
		for (i = 0; i < n; i++)
		{
			int			x = R.cell[i];
			double		vu,
						vd;

			done[x] = 1;
			if (sup_cancelled(S))
			{
				reg_free(&R);
				clear_pos(S, n);
				return sup_fail(S, SUP_E_CANCEL, "cancelled", "The audit was cancelled.");
			}
			if (reg_extreme(S, &R, i, true, eqmask, &vu) < 0 ||
				reg_extreme(S, &R, i, false, eqmask, &vd) < 0)
			{
				reg_free(&R);
				clear_pos(S, n);
				return -1;
			}
			hi[x] = S->val[x] + vu;
			lo[x] = S->val[x] + vd;
			if (S->integral)
			{
				if (!isinf(hi[x]))
					hi[x] = floor(hi[x] + 1e-6);
				lo[x] = ceil(lo[x] - 1e-6);
			}
			if (lo[x] < 0)
				lo[x] = 0;
		}
		reg_free(&R);
		clear_pos(S, n);
		sup_release(S, mark);
	}
	return 0;
}

int
sup_evaluate(Sup *S, const unsigned char *supp, unsigned char *prob)
{
	int			c,
				rc,
				problem;

	for (c = 0; c < S->ncell; c++)
	{
		prob[c] = SUP_OK;
		if (!(S->cf[c] & CF_PRIMARY))
			continue;
		if (sup_cancelled(S))
			return sup_fail(S, SUP_E_CANCEL, "cancelled", "The audit was cancelled.");
		/* a large table: the region of the cleanup's certificates first
		 * (a fresh check all the same, only on fewer cells) */
		if (S->ncell > REG_LARGE && S->wit[c] && S->nwit[c] > 0)
		{
			S->guide_cells = S->wit[c];
			S->guide_n = S->nwit[c];
		}
		rc = check_primary(S, c, supp, &problem, false, NULL, true);
		S->guide_cells = NULL;
		S->guide_n = 0;
		if (rc < 0)
			return -1;
		prob[c] = problem;
	}
	return 0;
}

/* scratch and per-cell state for the functions above */
int
sup_prepare(Sup *S)
{
	int			c;

	/* one integer program of the intruder: 10 s at most (a timeout counts
	 * as "not shown protected", on the safe side) */
	S->mip_seconds = 10.0;
	S->cur_geq = -1;
	if (S->opt->method == SUP_OPTIMAL && S->opt->time_limit > 0)
		S->mip_seconds = S->opt->time_limit / 20 < 10.0 ? S->opt->time_limit / 20 : 10.0;
	if (S->mip_seconds < 0.5)
		S->mip_seconds = 0.5;
	S->pos = NEW(S, int, S->ncell);
	S->queue = NEW(S, int, S->ncell + 1);
	S->seen = NEW(S, unsigned char, S->ncell);
	S->eseen = NEW(S, unsigned char, S->neq + 1);
	S->elist = NEW(S, int, S->neq + 1);
	S->wit = NEW(S, int *, S->ncell);
	S->wdev = NEW(S, double *, S->ncell);
	S->nwit = NEW(S, int, S->ncell);
	for (c = 0; c < S->ncell; c++)
		S->pos[c] = -1;
	return 0;
}
