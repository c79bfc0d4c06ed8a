/*
 * suppress_optimal.c - the optimal pattern: Benders decomposition in the
 * style of Fischetti and Salazar-Gonzalez (2001), "Solving the cell
 * suppression problem on tabular data with linear constraints",
 * Management Science 47(7), solved by GLPK's branch and cut.
 *
 * Master: a binary y_i per cell that may be hidden (primaries and cells
 * suppressed as given are fixed at 1), minimize sum cost_i y_i.
 * Subproblems: for each requirement of each primary p (upper level, lower
 * level, sliding width, group disclosure), the intruder's linear program
 * over deviations d+_i <= U_i y_i, d-_i <= L_i y_i (U_i = room above,
 * capped at the largest cell value; L_i = a_i - lb_i) with every equation
 * kept: maximize the deviation of p (or of the group's other parts).  Its
 * optimum z(y) must reach the level T.  For any dual solution (pi, w) of
 * the program at some y*, w_j = max(reduced cost_j, 0), weak duality gives
 * z(y) <= sum_j w_j u_j(y) for every y, so
 *     sum_i (w_{i+} U_i + w_{i-} L_i) y_i >= T
 * is valid (a capacity cut); it is added whenever the LP at the node's y*
 * falls short of T.  Capping U_i only restricts the intruder, so a pattern
 * that meets the cuts is protected against the uncapped one as well.
 * At an integral y* with every cut met, the pattern goes through the same
 * exact check as the heuristic's (integer intruder, singleton intruders,
 * what the rules reveal); a requirement it fails gets its capacity cut with
 * the intruder's cells fixed when that LP falls short, and otherwise the
 * no-good cut sum of y_i over the cells not hidden >= 1 (valid: a subset of
 * a failing pattern fails too, as publishing more only helps the
 * intruder).  The optimum found is thus the least-cost pattern that the
 * exact check accepts.
 *
 * Zeros are candidates only as the group's disclosive zeros (their cost)
 * or as a last resort (cost: the sum of all other costs plus 1).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guard_core.h"
#include "lp.h"
#include "suppress_internal.h"

enum
{
	RQ_UP = 0,
	RQ_DOWN,
	RQ_WIDTH,
	RQ_GROUP
};

/*
 * Every cut found, for every node: GLPK keeps a row added at a node for
 * that node's subtree only, so without the pool each subtree solved the
 * same intruder programs again to find the same cut.  Every cut here is
 * valid for every pattern (capacity cuts, the singletons' capacity cuts,
 * no-goods), so a node first takes the pool's cuts its y violates and
 * solves programs only when there are none.  Plain malloc (the separation
 * must not use the host's allocator); a pool that cannot grow stops
 * growing, nothing else.
 */
typedef struct Pool
{
	int			n,
				cap;
	size_t		nz,
				capz;
	size_t	   *start;			/* n + 1 */
	double	   *rhs;
	int		   *col;
	double	   *coef;
	bool		full;
} Pool;

/*
 * A witness: a deviation of the table (cells and amounts, up as 2c, down
 * as 2c + 1) that an intruder's program reached at some y, and the value
 * it gave.  The equations are homogeneous, so at another y the witness
 * scaled by the least ratio of a column's bound to its deviation is
 * feasible, and the program's optimum is at least that share of value.
 */
#define OPT_NWIT 3
typedef struct OptWit
{
	int			n,
				cap;
	int		   *col;
	double	   *dev;
	double		value;
} OptWit;

typedef struct Opt
{
	Sup		   *S;
	int			ncand;
	int		   *ycol;			/* cell -> master column or -1 */
	int		   *cand;			/* master column -> cell */
	double	   *U,
			   *L;				/* per cell: room up (capped), down */
	LpModel    *sub;			/* deviation LP over every cell */
	int			grprow0;		/* first group row in sub, or -1 */
	int		   *grprow;			/* cell -> its group row or -1 */
	double	   *d;				/* reduced costs, 2 ncell */
	double	   *x;				/* sub solution, 2 ncell */
	int		   *oc;				/* objective scratch */
	double	   *ov;
	int		   *cc;				/* cut scratch */
	double	   *cv;
	double	   *acc;			/* cut coefficient per master column */
	unsigned char *pat;			/* the pattern of an integral y */
	int			failed;			/* an error inside the callback */
	long		sep_calls;
	int			max_level;		/* deepest fractional node separated */
	bool		intruder_cuts;
	int			fixcell;		/* the singleton held fixed in sub, or -1 */
	int		   *single;			/* the singleton cells */
	int			nsingle;
	clock_t		t0;				/* start, for the time limit */
	const double *ycur;			/* the y being separated */
	OptWit	   *wit;			/* (cell, kind) x OPT_NWIT, kinds UP, DOWN,
								 * GROUP; only primaries' slots used */
	int		   *witnext;		/* (cell, kind): the slot to replace */
	long		wit_hits;		/* programs a witness made unneeded */
	unsigned char *moved;		/* per cell: moved by the last programs
								 * solved with track_moves */
	bool		track_moves;
	double	   *sorted;			/* ncand scratch */
	/* what the complement rule reveals, as rows of sub after the
	 * equations (see add_rule_rows): rule j is about equation re[j] and
	 * its part rx[j], in force while rx[j] is published */
	int			nrule;
	int		   *rx;
	double	   *rr;				/* lower rows: the bound with rx published */
	double	   *rM;				/* how far hiding rx relaxes the row */
	unsigned char *rup;			/* 1: an upper row (a part is the total) */
	int		   *erule;			/* equation e: rules erule[e] .. erule[e+1]-1 */
	double	   *rpi;			/* their dual values, nrule */
	double	   *cdev;			/* scratch: a witness's deviation per cell */
	double	   *edev;			/* and per equation (its parts') */
	int		   *etouch;
	unsigned char *emark;
	Pool		pool;
	long		pool_hits;		/* cuts taken from the pool */
	long		nodes_int;		/* separations at integral y */
	double		sep_seconds;	/* time in the intruder programs */
} Opt;


static void
pool_free(Pool *P)
{
	free(P->start);
	free(P->rhs);
	free(P->col);
	free(P->coef);
	memset(P, 0, sizeof(*P));
}

static void
pool_add(Pool *P, int n, const int *col, const double *coef, double rhs)
{
	if (P->full)
		return;
	if (P->n + 1 >= P->cap)
	{
		int			cap = P->cap ? 2 * P->cap : 1024;
		size_t	   *st;
		double	   *r;

		if (!core_within_limit(core_array_bytes((uint64_t) cap, sizeof(size_t) + sizeof(double))))
		{
			P->full = true;
			return;
		}
		st = realloc(P->start, sizeof(size_t) * ((size_t) cap + 1));
		if (st == NULL)
		{
			P->full = true;
			return;
		}
		P->start = st;
		r = realloc(P->rhs, sizeof(double) * (size_t) cap);
		if (r == NULL)
		{
			P->full = true;
			return;
		}
		P->rhs = r;
		if (P->cap == 0)
			P->start[0] = 0;
		P->cap = cap;
	}
	if (P->nz + (size_t) n > P->capz)
	{
		size_t		capz = P->capz ? 2 * P->capz : 65536;
		int		   *c;
		double	   *v;

		while (capz < P->nz + (size_t) n)
			capz *= 2;
		if (!core_within_limit(core_array_bytes((uint64_t) capz, sizeof(int) + sizeof(double))))
		{
			P->full = true;
			return;
		}
		c = realloc(P->col, sizeof(int) * capz);
		if (c == NULL)
		{
			P->full = true;
			return;
		}
		P->col = c;
		v = realloc(P->coef, sizeof(double) * capz);
		if (v == NULL)
		{
			P->full = true;
			return;
		}
		P->coef = v;
		P->capz = capz;
	}
	memcpy(P->col + P->nz, col, sizeof(int) * (size_t) n);
	memcpy(P->coef + P->nz, coef, sizeof(double) * (size_t) n);
	P->nz += (size_t) n;
	P->rhs[P->n] = rhs;
	P->start[++P->n] = P->nz;
}

/*
 * The pool's cuts that y violates, into cuts: the first OPT_POOL_ROUND in
 * the pool's order (older cuts first); the others stay in the pool for the
 * next round or node.  Adding every violated pool cut made a node's
 * program grow with the pool (over 1,000 cuts on a 360-cell table): there
 * 1,360 separations and 77,042 intruder programs before, 1,129 and 60,949
 * with this (the 20 most violated instead: 35-44 s against 12-16 s; the
 * tree search is chaotic, a 390-cell table took 12% more programs).
 * Returns how many.
 */
#define OPT_POOL_ROUND 20

static int
pool_separate(Opt *O, const double *y, LpCuts *cuts)
{
	Pool	   *P = &O->pool;
	int			i,
				added = 0;

	for (i = 0; i < P->n && added < OPT_POOL_ROUND; i++)
	{
		double		lhs = 0;
		size_t		k;

		for (k = P->start[i]; k < P->start[i + 1]; k++)
			lhs += P->coef[k] * y[P->col[k]];
		if (lhs < P->rhs[i] - 1e-6)
		{
			lp_cut(cuts, (int) (P->start[i + 1] - P->start[i]), P->col + P->start[i],
				   P->coef + P->start[i], P->rhs[i]);
			added++;
		}
	}
	O->pool_hits += added;
	return added;
}

/* a cell's share of its room at y (fixed hidden cells 1) */
static inline double
opt_share(const Opt *O, const double *y, int c)
{
	if (O->S->supp[c])
		return 1;
	if (O->ycol[c] >= 0)
		return fmax(0.0, fmin(1.0, y[O->ycol[c]]));
	return 0;
}

/* a rule row's bound at y: a lower row r - M y_x, an upper row M y_x */
static inline double
rule_bound(const Opt *O, const double *y, int j)
{
	double		s = opt_share(O, y, O->rx[j]);

	return O->rup[j] ? O->rM[j] * s : O->rr[j] - O->rM[j] * s;
}

/*
 * The largest share a <= 1 of witness w that meets the rule rows at y (its
 * deviations scaled by a; a row's bound is <= 0 for a lower row and >= 0
 * for an upper one, so a share of a solution meets it when a is small
 * enough).
 */
static double
wit_rule_share(Opt *O, const double *y, const OptWit *w)
{
	Sup		   *S = O->S;
	double		a = 1;
	int			nt = 0,
				k,
				i,
				j;

	for (k = 0; k < w->n; k++)
		O->cdev[w->col[k] / 2] += w->col[k] % 2 == 0 ? w->dev[k] : -w->dev[k];
	for (k = 0; k < w->n; k++)
	{
		int			c = w->col[k] / 2;

		if (k > 0 && w->col[k - 1] / 2 == c)
			continue;
		for (i = S->cs[c]; i < S->cs[c + 1]; i++)
		{
			int			e = S->cl[i];

			if (S->ec[S->es[e]] == c || O->erule[e] == O->erule[e + 1])
				continue;
			O->edev[e] += O->cdev[c];
			if (!O->emark[e])
			{
				O->emark[e] = 1;
				O->etouch[nt++] = e;
			}
		}
	}
	for (i = 0; i < nt; i++)
	{
		int			e = O->etouch[i];

		for (j = O->erule[e]; j < O->erule[e + 1]; j++)
		{
			double		g = O->edev[e] - O->cdev[O->rx[j]],
						b = rule_bound(O, y, j);

			if (O->rup[j] ? g > 1e-12 : g < -1e-12)
				a = fmin(a, fmax(0.0, b / g));
		}
		O->edev[e] = 0;
		O->emark[e] = 0;
	}
	for (k = 0; k < w->n; k++)
		O->cdev[w->col[k] / 2] = 0;
	return a;
}

/* the best value p's witnesses of kind guarantee at y */
static double
wit_value(Opt *O, const double *y, int p, int kind)
{
	double		best = 0;
	int			i;

	for (i = 0; i < OPT_NWIT; i++)
	{
		const OptWit *w = &O->wit[((size_t) p * 3 + (kind == RQ_GROUP ? 2 : kind)) * OPT_NWIT + i];
		double		a = 1;
		int			k;

		if (w->n == 0 || w->value <= best)
			continue;
		for (k = 0; k < w->n && a > 0; k++)
		{
			int			col = w->col[k],
						c = col / 2;
			double		room = (col % 2 == 0 ? O->U[c] : O->L[c]) * opt_share(O, y, c);

			if (w->dev[k] > room)
				a = fmin(a, room / w->dev[k]);
		}
		if (a * w->value > best && O->nrule > 0)
			a = fmin(a, wit_rule_share(O, y, w));
		best = fmax(best, a * w->value);
	}
	return best;
}

/* keep the program's solution in O->x (value v) as a witness of (p, kind) */
static void
wit_keep(Opt *O, int p, int kind, double v)
{
	Sup		   *S = O->S;
	size_t		slot = (size_t) p * 3 + (kind == RQ_GROUP ? 2 : kind);
	OptWit	   *w = &O->wit[slot * OPT_NWIT + O->witnext[slot]];
	int			c,
				n = 0;

	if (!(v > 1e-9) || isinf(v))
		return;
	for (c = 0; c < 2 * S->ncell; c++)
		if (O->x[c] > 1e-9)
			n++;
	if (n > w->cap)
	{
		int		   *col = realloc(w->col, sizeof(int) * (size_t) n);
		double	   *dev;

		if (col == NULL)
			return;
		w->col = col;
		dev = realloc(w->dev, sizeof(double) * (size_t) n);
		if (dev == NULL)
			return;
		w->dev = dev;
		w->cap = n;
	}
	w->n = 0;
	for (c = 0; c < 2 * S->ncell; c++)
		if (O->x[c] > 1e-9)
		{
			w->col[w->n] = c;
			w->dev[w->n++] = O->x[c];
		}
	w->value = v;
	O->witnext[slot] = (O->witnext[slot] + 1) % OPT_NWIT;
}

static void
wit_free_all(Opt *O)
{
	size_t		i;

	if (O->wit == NULL)
		return;
	for (i = 0; i < (size_t) O->S->ncell * 3 * OPT_NWIT; i++)
	{
		free(O->wit[i].col);
		free(O->wit[i].dev);
	}
}

/* the sub-LP's bounds for the master's y (fixed cells held at zero) */
static void
sub_bounds(Opt *O, const double *y, int fix)
{
	Sup		   *S = O->S;
	int			c;

	for (c = 0; c < S->ncell; c++)
	{
		double		yy;

		if (S->supp[c])
			yy = 1;
		else if (O->ycol[c] >= 0)
			yy = fmax(0.0, fmin(1.0, y[O->ycol[c]]));
		else
			yy = 0;
		if (c == fix || (fix == -2 && (S->cf[c] & CF_SINGLE) && S->seen[c] == 2))
			yy = 0;
		lp_set_col_bounds(O->sub, 2 * c, 0, O->U[c] * yy);
		lp_set_col_bounds(O->sub, 2 * c + 1, 0, O->L[c] * yy);
	}
	for (c = 0; c < O->nrule; c++)
	{
		double		b = rule_bound(O, y, c);

		if (O->rup[c])
			lp_set_row_bounds(O->sub, S->neq + c, -INFINITY, b);
		else
			lp_set_row_bounds(O->sub, S->neq + c, b, INFINITY);
	}
}

/*
 * The LP value of requirement kind for p at the current bounds, and the
 * capacity coefficients of its cut added into O->acc (scaled by 1); the
 * constant part (cells fixed hidden) into *konst.
 */
static int
sub_value(Opt *O, int p, int kind, double *value, double *konst)
{
	Sup		   *S = O->S;
	int			n = 0,
				rc,
				c;

	if (kind == RQ_GROUP)
	{
		/* maximize the group row: its parts' deviations */
		int			e = S->grpeq[p],
					k;

		for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
		{
			int			x = S->ec[k];

			if (x == p)
				continue;
			O->oc[n] = 2 * x;
			O->ov[n++] = 1;
			O->oc[n] = 2 * x + 1;
			O->ov[n++] = -1;
		}
	}
	else
	{
		O->oc[0] = 2 * p;
		O->ov[0] = kind == RQ_DOWN ? -1 : 1;
		O->oc[1] = 2 * p + 1;
		O->ov[1] = kind == RQ_DOWN ? 1 : -1;
		n = 2;
	}
	rc = lp_optimize(O->sub, n, O->oc, O->ov, true, LP_RELAX, 0, value,
					 O->track_moves || O->fixcell < 0 ? O->x : NULL);
	S->st->lps++;
	if (rc == LP_OK && O->fixcell < 0)
		wit_keep(O, p, kind, *value);
	if (rc == LP_OK && O->track_moves)
		for (c = 0; c < S->ncell; c++)
			if (fabs(O->x[2 * c]) > 1e-9 || fabs(O->x[2 * c + 1]) > 1e-9)
				O->moved[c] = 1;
	if (rc == LP_UNBOUNDED)
	{
		*value = INFINITY;
		return 0;
	}
	if (rc != LP_OK)
		return rc;
	lp_reduced_costs(O->sub, O->d);
	for (c = 0; c < S->ncell; c++)
	{
		double		w = fmax(O->d[2 * c], 0) * O->U[c] + fmax(O->d[2 * c + 1], 0) * O->L[c];

		if (w <= 1e-12 || c == O->fixcell)
			continue;
		if (S->supp[c])
			*konst += w;
		else if (O->ycol[c] >= 0)
			O->acc[O->ycol[c]] += w;
	}
	/*
	 * The rule rows: a lower row's dual mu = -pi >= 0 (a maximum) adds
	 * mu (M y_x - r) to the dual objective, an upper row's mu = pi >= 0
	 * adds mu M y_x.
	 */
	if (O->nrule > 0)
	{
		int			j;

		lp_row_duals(O->sub, S->neq, O->nrule, O->rpi);
		for (j = 0; j < O->nrule; j++)
		{
			double		mu = O->rup[j] ? fmax(O->rpi[j], 0) : fmax(-O->rpi[j], 0);
			int			x = O->rx[j];

			if (mu <= 1e-12)
				continue;
			if (!O->rup[j])
				*konst -= mu * O->rr[j];
			if (O->ycol[x] >= 0)
				O->acc[O->ycol[x]] += mu * O->rM[j];
		}
	}
	return 0;
}

/*
 * What the complement rule reveals (suppress_protect.c, reg_build), for
 * every pattern at once.  In an equation T = sum of parts (non-negative,
 * adding up exactly), the check adds for the largest published part x > 0
 * with complement T - x >= t (t = top + 1) the row
 *     sum of the hidden parts' deviations >= t - (T - x),
 * and, when a published part is the total, sum <= 0.  Here each part x
 * that can be published has its row over the other parts' deviations
 * (published ones do not move), in force while x is published:
 *     lower: sum_{i != x} dev_i >= r_x - M_x y_x,  r_x = t - (T - x) <= 0,
 *            M_x = r_x + sum_{i != x} L_i (hiding x leaves what the
 *            bounds allow);
 *     upper: sum_{i != x} dev_i <= M_x y_x,  M_x = sum_{i != x} U_i.
 * At a pattern with x published, the check's row is that of the largest
 * published part, which implies x's (its bound is at least r_x); a part
 * x is left out when a larger part with a complement in (0, t) could be
 * published (the check then adds no row).  So every deviation the check's
 * intruder may take meets these rows: the program stays a relaxation of
 * the exact check, and its Benders cuts (with the rows' duals on y_x)
 * stay valid.  Without these rows most integral patterns failed the exact
 * check on the rule alone and got a no-good cut each (894 of 899 on a
 * 360-cell table).  Returns the rows appended (rows from *nrow, non-zeros
 * from *nz), or with fill false only counts them.
 */
static int
add_rule_rows(Opt *O, bool fill, int *nrow, int *nz, int *rs, int *col, double *coef,
			  double *rlo, double *rhi)
{
	Sup		   *S = O->S;
	double		t = S->top + 1;
	int			e,
				k,
				i,
				n = 0,
				budget = *nz + 2 * S->es[S->neq] + 1024;

	if (!S->rules)
		return 0;
	for (e = 0; e < S->neq; e++)
	{
		double		T = S->val[S->ec[S->es[e]]],
					sum = 0,
					sumL = 0,
					sumU = 0,
					maxbad = -INFINITY;
		int			len = S->es[e + 1] - S->es[e] - 1;
		bool		ok = true;

		if (fill)
			O->erule[e] = n;
		if (len < 2)
			continue;
		for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
		{
			int			c = S->ec[k];

			if (!(S->val[c] >= 0))
				ok = false;
			sum += S->val[c];
			sumL += O->L[c];
			sumU += O->U[c];
			/* a part that could be published with a complement in (0, t) */
			if (!S->supp[c] && T - S->val[c] > 0 && T - S->val[c] < t)
				maxbad = fmax(maxbad, S->val[c]);
		}
		if (!ok || sum != T || !(T > 0))
			continue;
		for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
		{
			int			x = S->ec[k];
			double		r = 0,
						M;
			bool		up = S->val[x] == T;

			if (S->supp[x] || !(S->val[x] > 0))
				continue;
			if (up)
				M = sumU - O->U[x];
			else
			{
				double		rest = T - S->val[x];

				/* no row when x's complement is small or a part at least
				 * as large could be published with a small one (the check
				 * then adds none) */
				if (rest < t || S->val[x] <= maxbad)
					continue;
				r = t - rest;
				M = r + sumL - O->L[x];
			}
			if (!(M > 1e-9))
				continue;	/* the bounds imply the row */
			/* at most as many non-zeros as the equations have, plus a
			 * little: fewer rows leave a weaker, still valid, relaxation */
			if (*nz + 2 * (len - 1) > budget)
				continue;
			if (fill)
			{
				int			z = *nz;

				for (i = S->es[e] + 1; i < S->es[e + 1]; i++)
				{
					int			c = S->ec[i];

					if (c == x)
						continue;
					col[z] = 2 * c;
					coef[z++] = 1;
					col[z] = 2 * c + 1;
					coef[z++] = -1;
				}
				O->rx[n] = x;
				O->rr[n] = r;
				O->rM[n] = M;
				O->rup[n] = up;
				rlo[*nrow] = up ? -INFINITY : r;
				rhi[*nrow] = up ? 0 : INFINITY;
				rs[++*nrow] = z;
				*nz = z;
			}
			else
				*nz += 2 * (len - 1);
			n++;
		}
	}
	if (fill)
		O->erule[S->neq] = n;
	return n;
}

static int
cmp_desc(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The cardinality cut of a capacity cut sum_j a_j y_j >= r (binaries,
 * 0 < a_j <= r): when the k - 1 largest a_j together stay below r, every
 * pattern that meets it hides at least k of its cells, sum_j y_j >= k.
 * For k >= 2 the LP relaxation of the capacity cut does not imply it
 * (y_j = 1/2 on two cells of a_j = r meets the one and not the other).
 * Added, and pooled, when y violates it.
 */
static void
cardinality_cut(Opt *O, LpCuts *cuts, int n, double rhs)
{
	int			i,
				k;
	double		sum = 0,
				lhs = 0;

	memcpy(O->sorted, O->cv, sizeof(double) * (size_t) n);
	qsort(O->sorted, (size_t) n, sizeof(double), cmp_desc);
	for (k = 0; k < n && sum < rhs - 1e-9; k++)
		sum += O->sorted[k];
	if (k < 2 || sum < rhs - 1e-9)
		return;
	for (i = 0; i < n; i++)
	{
		O->sorted[i] = 1;
		lhs += O->ycur[O->cc[i]];
	}
	if (lhs >= k - 1e-6)
		return;
	lp_cut(cuts, n, O->cc, O->sorted, k);
	pool_add(&O->pool, n, O->cc, O->sorted, k);
}

/*
 * A cut sum_j a_j y_j >= rhs over binaries y with a_j >= 0 stays valid with
 * every a_j lowered to rhs (a y_j = 1 with a_j >= rhs meets it either way),
 * and its LP relaxation is much stronger: a large cell's room no longer
 * lets a tiny fraction of it count as protection (Fischetti and
 * Salazar-Gonzalez 2001, the strengthened capacity cuts).
 */
static bool
emit_cut(Opt *O, LpCuts *cuts, double rhs)
{
	int			j,
				n = 0;

	if (rhs <= 1e-9)
		return false;
	for (j = 0; j < O->ncand; j++)
		if (O->acc[j] > 1e-9)
		{
			O->cc[n] = j;
			O->cv[n++] = fmin(O->acc[j], rhs);
		}
	if (n > 0)
	{
		lp_cut(cuts, n, O->cc, O->cv, rhs);
		pool_add(&O->pool, n, O->cc, O->cv, rhs);
		cardinality_cut(O, cuts, n, rhs);
	}
	O->S->st->cuts++;
	return n > 0;
}

/* the capacity cut(s) of one requirement of p, if violated at y */
static int
separate_req(Opt *O, int p, int kind, double target, LpCuts *cuts, bool *added)
{
	double		v1 = 0,
				v2 = 0,
				k = 0;
	int			rc;

	/* a witness kept from another y may show the level is reached */
	if (O->fixcell < 0 &&
		(kind == RQ_WIDTH ?
		 wit_value(O, O->ycur, p, RQ_UP) + wit_value(O, O->ycur, p, RQ_DOWN) :
		 wit_value(O, O->ycur, p, kind)) >= target - 1e-9)
	{
		O->wit_hits++;
		return 0;
	}
	memset(O->acc, 0, sizeof(double) * O->ncand);
	if (kind == RQ_WIDTH)
	{
		rc = sub_value(O, p, RQ_UP, &v1, &k);
		if (rc == 0)
			rc = sub_value(O, p, RQ_DOWN, &v2, &k);
		v1 += v2;
	}
	else
		rc = sub_value(O, p, kind, &v1, &k);
	if (rc != 0)
		return rc;
	if (v1 < target - 1e-6 && emit_cut(O, cuts, target - k))
		*added = true;
	return 0;
}

/* O->acc[j] = 1 for every candidate outside O->pat that shares an
 * equation with a cell of p's hidden component under O->pat */
static void
nogood_near(Opt *O, int p)
{
	Sup		   *S = O->S;
	int			n = 0,
				head = 0,
				i,
				k,
				j;

	S->pos[p] = n;
	S->queue[n++] = p;
	while (head < n)
	{
		int			c = S->queue[head++];

		for (k = S->cs[c]; k < S->cs[c + 1]; k++)
		{
			int			e = S->cl[k];

			for (j = S->es[e]; j < S->es[e + 1]; j++)
			{
				int			x = S->ec[j];

				if (O->pat[x])
				{
					if (S->pos[x] < 0)
					{
						S->pos[x] = n;
						S->queue[n++] = x;
					}
				}
				else if (O->ycol[x] >= 0)
					O->acc[O->ycol[x]] = 1;
			}
		}
	}
	for (i = 0; i < n; i++)
		S->pos[S->queue[i]] = -1;
}

/* a cancel or the time limit during the separation: record it, drop the cuts */
static bool
separation_stopped(Opt *O, Sup *S, LpCuts *cuts)
{
	if (sup_cancelled(S))
		O->failed = LP_CANCELLED;
	else if (S->opt->time_limit > 0 &&
			 (double) (clock() - O->t0) / CLOCKS_PER_SEC > S->opt->time_limit)
		O->failed = LP_TIMEOUT;
	else
		return false;
	lp_cuts_abort(cuts);
	return true;
}

static void
separate_at(Opt *O, const double *y, bool integral, LpCuts *cuts)
{
	Sup		   *S = O->S;
	int			p,
				j;
	bool		added = false;

	O->sep_calls++;
	if (O->failed)
	{
		lp_cuts_abort(cuts);
		return;
	}
	/* the time limit covers the separation too */
	if (S->opt->time_limit > 0 &&
		(double) (clock() - O->t0) / CLOCKS_PER_SEC > S->opt->time_limit)
	{
		O->failed = LP_TIMEOUT;
		lp_cuts_abort(cuts);
		return;
	}
	/* fractional nodes deep in the tree: branching is cheaper */
	if (!integral && lp_cuts_level(cuts) > O->max_level)
		return;
	if (integral)
		O->nodes_int++;
	/* the cuts found elsewhere in the tree first */
	if (pool_separate(O, y, cuts) > 0)
	{
		return;
	}
	sub_bounds(O, y, -1);
	for (p = 0; p < S->ncell; p++)
	{
		double		U,
					L,
					W;

		if (!(S->cf[p] & CF_PRIMARY) || (S->cf[p] & CF_GIVEUP))
			continue;
		U = S->upl[p];
		L = S->lpl[p];
		W = S->spl[p];
		if ((U > 0 && separate_req(O, p, RQ_UP, U, cuts, &added) != 0) ||
			(L > 0 && separate_req(O, p, RQ_DOWN, L, cuts, &added) != 0) ||
			(W > U + L && separate_req(O, p, RQ_WIDTH, W, cuts, &added) != 0) ||
			(S->grpeq[p] >= 0 && separate_req(O, p, RQ_GROUP, 1, cuts, &added) != 0))
		{
			/* the heuristic takes over, as at the time limit */
			O->failed = LP_TIMEOUT;
			lp_cuts_abort(cuts);
			return;
		}
	}
	if (added || !integral)
		return;
	/*
	 * The singleton intruders (PS2), all at once: for each primary and
	 * each hidden singleton (not p's own units), the capacity cut of the
	 * program with the singleton's cell fixed.  Valid for every pattern:
	 * a singleton knows its cell whether it is hidden or not.  The exact
	 * check below would find these one per integral solution.  Only the
	 * singletons that p's own programs move (at their optimum, without a
	 * singleton) can fall short: fixing a cell an optimum leaves alone
	 * keeps that optimum.  (All hidden singletons, each with its own
	 * program, took most of the time on tables of 300 cells and more.)
	 */
	if (O->intruder_cuts && S->intruder == SUP_INTRUDER_SINGLETON && O->nsingle > 0)
	{
		for (p = 0; p < S->ncell; p++)
		{
			double		U = S->upl[p],
						L = S->lpl[p],
						W = S->spl[p],
						v = 0,
						k = 0;
			int			i,
						rc = 0;

			if (!(S->cf[p] & CF_PRIMARY) || (S->cf[p] & CF_GIVEUP))
				continue;
			if (separation_stopped(O, S, cuts))
				return;
			/* the cells p's programs move */
			memset(O->moved, 0, S->ncell);
			O->track_moves = true;
			memset(O->acc, 0, sizeof(double) * O->ncand);
			if (U > 0 || W > U + L)
				rc = sub_value(O, p, RQ_UP, &v, &k);
			if (rc == 0 && (L > 0 || W > U + L))
				rc = sub_value(O, p, RQ_DOWN, &v, &k);
			O->track_moves = false;
			if (rc != 0)
			{
				O->failed = LP_TIMEOUT;
				lp_cuts_abort(cuts);
				return;
			}
			for (i = 0; i < O->nsingle; i++)
			{
				int			s = O->single[i];

				if (s == p || !O->moved[s] ||
					!(S->supp[s] || (O->ycol[s] >= 0 && y[O->ycol[s]] > 0.5)) ||
					sup_same_contributor(S, p, s))
					continue;
				sub_bounds(O, y, s);
				O->fixcell = s;
				if ((U > 0 && separate_req(O, p, RQ_UP, U, cuts, &added) != 0) ||
					(L > 0 && separate_req(O, p, RQ_DOWN, L, cuts, &added) != 0) ||
					(W > U + L && separate_req(O, p, RQ_WIDTH, W, cuts, &added) != 0))
				{
					O->fixcell = -1;
					O->failed = LP_TIMEOUT;
					lp_cuts_abort(cuts);
					return;
				}
				O->fixcell = -1;
				sub_bounds(O, y, -1);
			}
		}
		sub_bounds(O, y, -1);
		if (added)
			return;
	}
	/* every LP cut holds at an integral y: the exact check */
	for (j = 0; j < S->ncell; j++)
		O->pat[j] = S->supp[j] || (O->ycol[j] >= 0 && y[O->ycol[j]] > 0.5);
	for (p = 0; p < S->ncell; p++)
	{
		int			problem,
					nkind,
					nfix,
					rc;
		double		ntarget;

		if (!(S->cf[p] & CF_PRIMARY) || (S->cf[p] & CF_GIVEUP))
			continue;
		if (separation_stopped(O, S, cuts))
			return;
		if (sup_check_primary_need(S, p, O->pat, &problem, &nkind, &ntarget, &nfix) < 0)
		{
			O->failed = LP_FAILED;
			lp_cuts_abort(cuts);
			return;
		}
		if (problem == SUP_OK)
			continue;
		/*
		 * A singleton intruder: the capacity cuts of p's levels with its
		 * cell fixed.  Only the levels themselves: the check's failing
		 * target may be one way of reaching a sliding width (all of it
		 * up, all down, or a split), which is not required by itself;
		 * a cut on it cut off protected patterns (a 126-cell table's
		 * "optimum" came out 966 with one branching rule, 953 with
		 * another).  Up to U, down to L and the width W with the cell
		 * fixed are each required of every protected pattern.
		 */
		if (O->intruder_cuts && nfix >= 0 && (nkind == 1 || nkind == 2))
		{
			double		U = S->upl[p],
						L = S->lpl[p],
						W = S->spl[p];
			bool		cut = false;

			sub_bounds(O, y, nfix);
			O->fixcell = nfix;
			rc = 0;
			if (U > 0)
				rc = separate_req(O, p, RQ_UP, U, cuts, &cut);
			if (rc == 0 && L > 0)
				rc = separate_req(O, p, RQ_DOWN, L, cuts, &cut);
			if (rc == 0 && W > U + L)
				rc = separate_req(O, p, RQ_WIDTH, W, cuts, &cut);
			O->fixcell = -1;
			if (rc != 0)
			{
				O->failed = LP_FAILED;
				lp_cuts_abort(cuts);
				return;
			}
			sub_bounds(O, y, -1);
			if (cut)
				return;
		}
		/*
		 * No-good: at least one more cell next to p's hidden component
		 * (a cell sharing an equation with one of its cells).  The
		 * intruder's view of p is its component's program: hiding cells
		 * that share no equation with the component leaves that program
		 * and its rule rows as they are, so the pattern still fails.
		 */
		memset(O->acc, 0, sizeof(double) * O->ncand);
		nogood_near(O, p);
		(void) emit_cut(O, cuts, 1);
		return;
	}
}

static void
separate(void *ctx, const double *y, bool integral, LpCuts *cuts)
{
	Opt		   *O = ctx;
	clock_t		c0 = clock();

	O->ycur = y;
	separate_at(O, y, integral, cuts);
	O->sep_seconds += (double) (clock() - c0) / CLOCKS_PER_SEC;
}

int
sup_optimal(Sup *S)
{
	Opt			O;
	int			c,
				e,
				k,
				np = 0,
				nm = 0,
				rc,
				mark = S->nblk;
	double		maxval = 0,
				total = 0,
				value;
	double	   *clo,
			   *chi,
			   *obj,
			   *x;
	bool	   *isint;
	int		   *rs,
			   *col;
	double	   *coef,
			   *rlo,
			   *rhi;
	int			nz = 0,
				nzrule,
				status;
	bool		found;
	LpSpec		spec;
	LpModel    *master;

	memset(&O, 0, sizeof(O));
	O.S = S;
	O.max_level = 1000000;
	O.intruder_cuts = true;
	O.fixcell = -1;
	O.t0 = clock();
	for (c = 0; c < S->ncell; c++)
	{
		maxval = fmax(maxval, S->val[c]);
		if (!isinf(S->cost[c]))
			total += S->cost[c];
		if (S->supp[c] || sup_can_move(S, c) || !(S->cf[c] & CF_FIXED))
			nm++;
		if (S->cf[c] & CF_PRIMARY)
			np++;
	}
	if (np == 0)
		return 0;
	if ((double) np * nm > S->opt->max_optimal)
	{
		if (S->opt->fallback)
		{
			S->st->fell_back = true;
			return sup_heuristic(S);
		}
		return sup_fail(S, SUP_E_INPUT, "table too large for the optimal method",
						"The optimal model has %d primary cells x %d cells that may move; the limit is %d. Use method 'heuristic'.",
						np, nm, S->opt->max_optimal);
	}
	if (!core_within_limit(lp_model_bytes(2 * S->ncell, S->neq, (size_t) 2 * S->es[S->neq])))
		return sup_fail(S, SUP_E_MEMORY, "table too large for the optimal method",
						"The intruder's program over %d cells does not fit barometer.max_state_bytes.", S->ncell);

	/* the master's columns */
	O.ycol = NEW(S, int, S->ncell);
	O.cand = NEW(S, int, S->ncell);
	O.U = NEW(S, double, S->ncell);
	O.L = NEW(S, double, S->ncell);
	O.pat = NEW(S, unsigned char, S->ncell);
	O.single = NEW(S, int, S->ncell);
	for (c = 0; c < S->ncell; c++)
		if (S->cf[c] & CF_SINGLE)
			O.single[O.nsingle++] = c;
	for (c = 0; c < S->ncell; c++)
	{
		O.ycol[c] = -1;
		O.U[c] = fmin(fmax(S->khi[c], S->val[c]) - S->val[c], maxval + 1);
		O.L[c] = S->val[c] - sup_lower_bound(S, c);
		if (!S->supp[c] && !(S->cf[c] & CF_FIXED))
		{
			O.ycol[c] = O.ncand;
			O.cand[O.ncand++] = c;
		}
	}
	obj = NEW(S, double, O.ncand + 1);
	clo = NEW(S, double, O.ncand + 1);
	chi = NEW(S, double, O.ncand + 1);
	isint = NEW(S, bool, O.ncand + 1);
	x = NEW(S, double, O.ncand + 1);
	for (k = 0; k < O.ncand; k++)
	{
		c = O.cand[k];
		obj[k] = S->val[c] == 0 && !(S->cf[c] & CF_GZERO) ? total + 1 : S->cost[c];
		clo[k] = 0;
		chi[k] = 1;
		isint[k] = true;
	}
	/* the intruder's deviation program over every cell: the equations,
	 * then the rule rows */
	{
		int			nr0 = 0,
					nz0 = 0;

		O.nrule = add_rule_rows(&O, false, &nr0, &nz0, NULL, NULL, NULL, NULL, NULL);
		nzrule = nz0;
	}
	if (!core_within_limit(lp_model_bytes(2 * S->ncell, S->neq + O.nrule,
										  (size_t) 2 * S->es[S->neq] + (size_t) nzrule)))
		return sup_fail(S, SUP_E_MEMORY, "table too large for the optimal method",
						"The intruder's program over %d cells does not fit barometer.max_state_bytes.", S->ncell);
	rs = NEW(S, int, S->neq + O.nrule + 1);
	col = NEW(S, int, 2 * S->es[S->neq] + nzrule + 1);
	coef = NEW(S, double, 2 * S->es[S->neq] + nzrule + 1);
	rlo = NEW(S, double, S->neq + O.nrule + 1);
	rhi = NEW(S, double, S->neq + O.nrule + 1);
	O.rx = NEW(S, int, O.nrule + 1);
	O.rr = NEW(S, double, O.nrule + 1);
	O.rM = NEW(S, double, O.nrule + 1);
	O.rup = NEW(S, unsigned char, O.nrule + 1);
	O.rpi = NEW(S, double, O.nrule + 1);
	O.erule = NEW(S, int, S->neq + 1);
	O.edev = NEW(S, double, S->neq + 1);
	memset(O.edev, 0, sizeof(double) * (S->neq + 1));
	O.emark = NEW(S, unsigned char, S->neq + 1);
	memset(O.emark, 0, S->neq + 1);
	O.etouch = NEW(S, int, S->neq + 1);
	O.cdev = NEW(S, double, S->ncell);
	memset(O.cdev, 0, sizeof(double) * S->ncell);
	O.d = NEW(S, double, 2 * S->ncell);
	O.x = NEW(S, double, 2 * S->ncell);
	O.oc = NEW(S, int, 2 * S->ncell + 2);
	O.ov = NEW(S, double, 2 * S->ncell + 2);
	O.cc = NEW(S, int, O.ncand + 1);
	O.cv = NEW(S, double, O.ncand + 1);
	O.acc = NEW(S, double, O.ncand + 1);
	O.sorted = NEW(S, double, O.ncand + 1);
	O.moved = NEW(S, unsigned char, S->ncell);
	O.wit = NEW(S, OptWit, (size_t) S->ncell * 3 * OPT_NWIT);
	memset(O.wit, 0, sizeof(OptWit) * (size_t) S->ncell * 3 * OPT_NWIT);
	O.witnext = NEW(S, int, (size_t) S->ncell * 3);
	memset(O.witnext, 0, sizeof(int) * (size_t) S->ncell * 3);
	{
		double	   *slo = NEW(S, double, 2 * S->ncell),
				   *shi = NEW(S, double, 2 * S->ncell);

		for (e = 0; e < S->neq; e++)
		{
			for (k = S->es[e]; k < S->es[e + 1]; k++)
			{
				double		a = k == S->es[e] ? 1.0 : -1.0;

				col[nz] = 2 * S->ec[k];
				coef[nz++] = a;
				col[nz] = 2 * S->ec[k] + 1;
				coef[nz++] = -a;
			}
			rlo[e] = rhi[e] = 0;
			rs[e + 1] = nz;
		}
		rs[0] = 0;
		{
			int			nr = S->neq;

			(void) add_rule_rows(&O, true, &nr, &nz, rs, col, coef, rlo, rhi);
		}
		spec.ncols = 2 * S->ncell;
		spec.col_lo = slo;
		spec.col_hi = shi;
		spec.col_int = NULL;
		spec.nrows = S->neq + O.nrule;
		spec.row_start = rs;
		spec.col = col;
		spec.coef = coef;
		spec.row_lo = rlo;
		spec.row_hi = rhi;
		O.sub = lp_new(&spec, &status);
		if (O.sub == NULL)
			return sup_lp_status(S, status, "optimal suppression");
	}
	/* the master: columns only, the rows come as cuts */
	spec.ncols = O.ncand;
	spec.col_lo = clo;
	spec.col_hi = chi;
	spec.col_int = isint;
	spec.nrows = 0;
	rs[0] = 0;
	spec.row_start = rs;
	spec.col = col;
	spec.coef = coef;
	spec.row_lo = rlo;
	spec.row_hi = rhi;
	master = lp_new(&spec, &status);
	if (master == NULL)
	{
		lp_free(O.sub);
		return sup_lp_status(S, status, "optimal suppression");
	}
	/* the heuristic's pattern: the first incumbent */
	{
		unsigned char *keep = NEW(S, unsigned char, S->ncell);
		unsigned char *saved = NEW(S, unsigned char, S->ncell);
		double	   *start = NEW(S, double, O.ncand + 1);
		bool		ok = true;

		memcpy(keep, S->supp, S->ncell);
		memcpy(saved, S->cf, S->ncell);
		if (sup_heuristic(S) < 0)
		{
			lp_free(master);
			lp_free(O.sub);
			return -1;
		}
		for (c = 0; c < S->ncell; c++)
			if ((S->cf[c] & CF_GIVEUP))
				ok = false;
		for (k = 0; k < O.ncand; k++)
			start[k] = S->supp[O.cand[k]] ? 1 : 0;
		memcpy(S->supp, keep, S->ncell);
		memcpy(S->cf, saved, S->ncell);
		rc = lp_branch_and_cut(master, obj, S->opt->time_limit, separate, &O,
							   ok ? start : NULL, x, &value, &found);
	}
	lp_free(master);
	lp_free(O.sub);
#ifdef SUP_OPTIMAL_DEBUG
	fprintf(stderr, "optimal: %d cells %.2f s (sep %.2f) rc %d failed %d sep %ld int %ld lps %ld cuts %d pool %d hits %ld wit %ld\n",
				S->ncell, (double) (clock() - O.t0) / CLOCKS_PER_SEC, O.sep_seconds, rc, O.failed,
				O.sep_calls, O.nodes_int, S->st->lps, S->st->cuts, O.pool.n, O.pool_hits, O.wit_hits);
#endif
#ifdef SUP_OPTIMAL_DEBUG
	{
		/* the master with every cut found, for glpsol and cbc */
		char		fn[64];
		FILE	   *f;

		snprintf(fn, sizeof(fn), "/tmp/barometer_optimal_sol_%d_%g.txt", S->ncell, found ? value : -1);
		f = fopen(fn, "w");
		if (f)
		{
			for (k = 0; k < O.ncand; k++)
				fprintf(f, "%d %g\n", k, x[k]);
			fclose(f);
		}
		snprintf(fn, sizeof(fn), "/tmp/barometer_optimal_cand_%d.txt", S->ncell);
		f = fopen(fn, "w");
		if (f)
		{
			char		nm[256];

			for (k = 0; k < O.ncand; k++)
			{
				sup_cell_name(S, O.cand[k], nm, sizeof(nm));
				fprintf(f, "%d\t%s\n", k, nm);
			}
			fclose(f);
		}
		snprintf(fn, sizeof(fn), "/tmp/barometer_optimal_master_%d_%g.lp", S->ncell, found ? value : -1);
		f = fopen(fn, "w");
		if (f)
		{
			int			i;

			fprintf(f, "Minimize\n obj:");
			for (k = 0; k < O.ncand; k++)
				fprintf(f, " + %.17g y%d%s", obj[k], k, k % 8 == 7 ? "\n" : "");
			fprintf(f, "\nSubject To\n");
			for (i = 0; i < O.pool.n; i++)
			{
				size_t		z;

				fprintf(f, " c%d:", i);
				for (z = O.pool.start[i]; z < O.pool.start[i + 1]; z++)
					fprintf(f, " + %.17g y%d%s", O.pool.coef[z], O.pool.col[z],
							(z - O.pool.start[i]) % 8 == 7 ? "\n" : "");
				fprintf(f, " >= %.17g\n", O.pool.rhs[i]);
			}
			fprintf(f, "Binary\n");
			for (k = 0; k < O.ncand; k++)
				fprintf(f, " y%d\n", k);
			fprintf(f, "End\n");
			fclose(f);
		}
	}
#endif
	pool_free(&O.pool);
	wit_free_all(&O);
	if (O.failed == LP_TIMEOUT)
		rc = LP_TIMEOUT;
	else if (O.failed == LP_CANCELLED || rc == LP_CANCELLED)
		return sup_fail(S, SUP_E_CANCEL, "cancelled", "The optimal suppression was cancelled.");
	else if (O.failed)
		return sup_lp_status(S, O.failed, "optimal suppression");
	/*
	 * The optimum; or at the time limit the best pattern the branch and
	 * cut holds: the heuristic's (its first incumbent) or a cheaper one
	 * that passed the exact check, not proven optimal (hence the notice).
	 */
	if (found && (rc == LP_OK || (rc == LP_TIMEOUT && S->opt->fallback)))
	{
		for (k = 0; k < O.ncand; k++)
			if (x[k] > 0.5)
				S->supp[O.cand[k]] = 1;
		if (rc == LP_OK)
			S->st->optimal = true;
		else
			S->st->fell_back = true;
		sup_release(S, mark);
		return 0;
	}
	sup_release(S, mark);
	if (rc == LP_TIMEOUT || rc == LP_NOMEM)
	{
		if (S->opt->fallback)
		{
			S->st->fell_back = true;
			return sup_heuristic(S);
		}
		if (rc == LP_NOMEM)
			return sup_lp_status(S, rc, "optimal suppression");
		return sup_fail(S, SUP_E_TIMEOUT, "optimal suppression did not finish",
						"The branch and cut stopped at its time limit of %g s before proving an optimum.",
						S->opt->time_limit);
	}
	if (rc == LP_INFEASIBLE)
	{
		/* no pattern protects every primary: the heuristic reports which */
		return sup_heuristic(S);
	}
	return sup_lp_status(S, rc, "optimal suppression");
}
