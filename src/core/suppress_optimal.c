/*
 * suppress_optimal.c - the optimal model of secondary suppression for small
 * tables: the compact model of Fischetti and Salazar (2001) for interval
 * protection (see suppress_core.c), solved with GLPK's branch and cut.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lp.h"
#include "suppress_internal.h"

/* ---------------------------------------------------------------------
 * the optimal model
 * --------------------------------------------------------------------- */

typedef struct Rows
{
	int			n,
				nz,
				cap,
				capz;
	int		   *start,
			   *col;
	double	   *coef,
			   *lo,
			   *hi;
} Rows;

static void
rows_grow(Sup *S, Rows *R, int extra)
{
	if (R->n + 1 >= R->cap)
	{
		R->cap = 2 * R->cap + 16;
		R->start = S->alloc(S->actx, R->start, sizeof(int) * (R->cap + 1));
		R->lo = S->alloc(S->actx, R->lo, sizeof(double) * R->cap);
		R->hi = S->alloc(S->actx, R->hi, sizeof(double) * R->cap);
	}
	if (R->nz + extra >= R->capz)
	{
		R->capz = 2 * R->capz + extra + 64;
		R->col = S->alloc(S->actx, R->col, sizeof(int) * R->capz);
		R->coef = S->alloc(S->actx, R->coef, sizeof(double) * R->capz);
	}
}

static void
rows_entry(Rows *R, int col, double coef)
{
	R->col[R->nz] = col;
	R->coef[R->nz++] = coef;
}

static void
rows_end(Rows *R, double lo, double hi)
{
	R->lo[R->n] = lo;
	R->hi[R->n] = hi;
	R->start[++R->n] = R->nz;
}

int
sup_optimal(Sup *S)
{
	int			n = S->ncell,
				c,
				e,
				k,
				p,
				s,
				np = 0,
				nk = 0,
				nm = 0,
				ncols,
				rc;
	int		   *ycol = NEW(S, int, n),
			   *mov = NEW(S, int, n),
			   *prim = NEW(S, int, n);
	double		M = 0,
				maxreq = 0;
	double	   *obj,
			   *clo,
			   *chi,
			   *x;
	bool	   *bin;
	Rows		R;
	MipProblem mp;

	memset(&R, 0, sizeof(R));
	for (c = 0; c < n; c++)
	{
		ycol[c] = -1;
		mov[c] = -1;
		M += S->val[c];
		if (S->supp[c])
		{
			mov[c] = nm++;
			if (S->cf[c] & CF_PRIMARY)
			{
				prim[np++] = c;
				maxreq = fmax(maxreq, sup_required_width(S, c));
			}
		}
		else if (sup_can_move(S, c))
		{
			mov[c] = nm++;
			ycol[c] = nk++;
		}
	}
	M += maxreq + 1;
	if (np == 0)
		return 0;
	if ((double) np * nm > S->opt->max_optimal)
		return sup_fail(S, SUP_E_TOO_LARGE, "table too large for the optimal method",
					"The optimal model needs %d primary cells x %d movable cells = %.0f deviation variables per direction; the limit is %d. Use method 'heuristic'.",
					np, nm, (double) np * nm, S->opt->max_optimal);

	/* columns: y (nk), then per primary and direction nm deviations, then u, l */
	ncols = nk + 2 * np * nm + 2 * np;
	obj = NEW(S, double, ncols);
	clo = NEW(S, double, ncols);
	chi = NEW(S, double, ncols);
	bin = NEW(S, bool, ncols);
	x = NEW(S, double, ncols);
	for (c = 0; c < n; c++)
		if (ycol[c] >= 0)
		{
			obj[ycol[c]] = S->cost[c];
			bin[ycol[c]] = true;
			clo[ycol[c]] = 0;
			chi[ycol[c]] = 1;
		}
#define ZCOL(pi, dir, m) (nk + ((pi) * 2 + (dir)) * nm + (m))
#define UCOL(pi) (nk + 2 * np * nm + 2 * (pi))
#define LCOL(pi) (nk + 2 * np * nm + 2 * (pi) + 1)
	for (p = 0; p < np; p++)
	{
		double		req = sup_required_width(S, prim[p]);

		for (s = 0; s < 2; s++)
			for (c = 0; c < n; c++)
				if (mov[c] >= 0)
				{
					clo[ZCOL(p, s, mov[c])] = -S->val[c];
					chi[ZCOL(p, s, mov[c])] = M;
				}
		clo[UCOL(p)] = 0;
		chi[UCOL(p)] = req;
		clo[LCOL(p)] = 0;
		chi[LCOL(p)] = fmin(req, S->val[prim[p]]);
	}
	R.start = S->alloc(S->actx, NULL, sizeof(int));
	R.start[0] = 0;
	for (p = 0; p < np; p++)
	{
		for (s = 0; s < 2; s++)
		{
			/* the deviation keeps every equation */
			for (e = 0; e < S->neq; e++)
			{
				int			cnt = 0;

				for (k = S->es[e]; k < S->es[e + 1]; k++)
					if (mov[S->ec[k]] >= 0)
						cnt++;
				if (cnt == 0)
					continue;
				rows_grow(S, &R, cnt);
				for (k = S->es[e]; k < S->es[e + 1]; k++)
					if (mov[S->ec[k]] >= 0)
						rows_entry(&R, ZCOL(p, s, mov[S->ec[k]]), k == S->es[e] ? 1.0 : -1.0);
				rows_end(&R, 0, 0);
			}
			/* a candidate moves only when suppressed */
			for (c = 0; c < n; c++)
				if (ycol[c] >= 0)
				{
					rows_grow(S, &R, 2);
					rows_entry(&R, ZCOL(p, s, mov[c]), 1);
					rows_entry(&R, ycol[c], -M);
					rows_end(&R, -INFINITY, 0);
					rows_grow(S, &R, 2);
					rows_entry(&R, ZCOL(p, s, mov[c]), 1);
					rows_entry(&R, ycol[c], S->val[c]);
					rows_end(&R, 0, INFINITY);
				}
			/* the primary moves by u (up) or -l (down) */
			rows_grow(S, &R, 2);
			rows_entry(&R, ZCOL(p, s, mov[prim[p]]), 1);
			rows_entry(&R, s == 0 ? UCOL(p) : LCOL(p), s == 0 ? -1.0 : 1.0);
			rows_end(&R, 0, 0);
		}
		rows_grow(S, &R, 2);
		rows_entry(&R, UCOL(p), 1);
		rows_entry(&R, LCOL(p), 1);
		rows_end(&R, sup_required_width(S, prim[p]), INFINITY);
	}
	/* singleton protection: a primary q and a singleton s in an equation */
	if (S->opt->singleton)
	{
		for (e = 0; e < S->neq; e++)
		{
			int			kq,
						ks;

			for (kq = S->es[e]; kq < S->es[e + 1]; kq++)
			{
				int			q = S->ec[kq];

				if (!S->supp[q] || !(S->cf[q] & CF_PRIMARY))
					continue;
				for (ks = S->es[e]; ks < S->es[e + 1]; ks++)
				{
					int			sg = S->ec[ks];
					double		rhs = 0;

					if (sg == q || !(S->cf[sg] & CF_SINGLE) || mov[sg] < 0)
						continue;
					for (k = S->es[e]; k < S->es[e + 1]; k++)
						if (S->ec[k] != q && S->ec[k] != sg && S->val[S->ec[k]] > 0)
							break;
					if (k == S->es[e + 1])
						continue;	/* the pair is the singleton's own value */
					rows_grow(S, &R, S->es[e + 1] - S->es[e] + 1);
					if (ycol[sg] >= 0)
						rows_entry(&R, ycol[sg], -1);
					else
						rhs = 1;
					for (k = S->es[e]; k < S->es[e + 1]; k++)
					{
						int			i = S->ec[k];

						if (i == q || i == sg || mov[i] < 0)
							continue;
						if (ycol[i] >= 0)
							rows_entry(&R, ycol[i], 1);
						else
							rhs -= 1;
					}
					rows_end(&R, rhs, INFINITY);
				}
			}
		}
	}
	mp.ncols = ncols;
	mp.obj = obj;
	mp.col_lo = clo;
	mp.col_hi = chi;
	mp.is_bin = bin;
	mp.nrows = R.n;
	mp.row_start = R.start;
	mp.col = R.col;
	mp.coef = R.coef;
	mp.row_lo = R.lo;
	mp.row_hi = R.hi;
	rc = lp_mip_solve(&mp, S->opt->time_limit, x);
	S->alloc(S->actx, R.start, 0);
	if (R.col)
		S->alloc(S->actx, R.col, 0);
	if (R.coef)
		S->alloc(S->actx, R.coef, 0);
	if (R.lo)
		S->alloc(S->actx, R.lo, 0);
	if (R.hi)
		S->alloc(S->actx, R.hi, 0);
	if (rc == LP_INFEASIBLE)
		return sup_fail(S, SUP_E_SOLVER, "no suppression pattern protects every primary cell",
					"The optimal model is infeasible: some primary cell cannot reach the protection level even with every other cell suppressed.");
	if (rc != LP_OK)
		return sup_fail(S, SUP_E_SOLVER, "optimal suppression did not finish",
					"GLPK stopped before proving an optimum (time limit %g s); use method 'heuristic' or a smaller table.",
					S->opt->time_limit);
	for (c = 0; c < n; c++)
		if (ycol[c] >= 0 && x[ycol[c]] > 0.5)
			S->supp[c] = 1;
#undef ZCOL
#undef UCOL
#undef LCOL
	return 0;
}
