/*
 * suppress_core.c - secondary cell suppression and its audit (see
 * suppress_core.h for the table model and the attacker).
 *
 * Heuristic (default).  Every suppressed cell needs, in every equation it
 * belongs to, another suppressed cell that can move (a non-zero value, not
 * pinned: zeros and cells of infinite cost are never used as protection);
 * a primary cell additionally needs, in each of its equations, room for the
 * required width (its own value plus the other suppressed parts, or a
 * suppressed total) and, with singleton protection, never a singleton as
 * its only partner.  Cells are closed in a first-in first-out order; the
 * partner chosen in an equation is the one of least cost / (1 + the number
 * of its other equations where a suppressed cell still waits for a
 * partner), times 1 + 2 for each equation where it would stand alone, which
 * closes rectangles and cubes; ties go to the first cell in
 * the canonical order.  Then the audit computes every suppressed cell's
 * interval by linear programming; a primary that is not protected gets
 * one more partner (first in its own equations, then in those of its
 * component), and the changed components are audited again, until every
 * primary is protected or nothing is left to suppress.  The result depends
 * only on the cells (their order in the input does not matter): codes,
 * cells and equations are put in byte order first.
 *
 * Optimal (small tables).  The compact model of Fischetti and Salazar
 * (2001) for interval protection: binary y_i for every candidate cell, and
 * for every primary p two deviation vectors z (upwards and downwards) that
 * satisfy every equation, stay within -x_i <= z_i <= M y_i (a published
 * cell cannot move), and move p by u_p and -l_p with u_p + l_p >= the
 * required width; minimize the cost of the suppressed candidates.  By
 * convexity of the attacker's feasible set, such deviations exist exactly
 * when the attacker's interval is at least that wide.  Singleton protection
 * adds sum of the other y in an equation >= y_s for each singleton s and
 * primary q in it.  Solved with GLPK's branch and cut.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp.h"
#include "suppress_core.h"

#include "suppress_internal.h"


/* ---------------------------------------------------------------------
 * memory and errors
 * --------------------------------------------------------------------- */

void *
sup_alloc(Sup *S, size_t n)
{
	void	   *p;

	if (n == 0)
		n = 1;
	p = S->alloc(S->actx, NULL, n);
	memset(p, 0, n);
	if (S->nblk == S->cblk)
	{
		int			c = S->cblk ? 2 * S->cblk : 64;

		S->blk = S->alloc(S->actx, S->blk, sizeof(void *) * c);
		S->cblk = c;
	}
	S->blk[S->nblk++] = p;
	return p;
}


/* free the blocks allocated since mark (temporaries of one audit) */
static void
sup_release(Sup *S, int mark)
{
	while (S->nblk > mark)
		S->alloc(S->actx, S->blk[--S->nblk], 0);
}

static void
sup_free_all(Sup *S)
{
	int			i;

	for (i = 0; i < S->nblk; i++)
		S->alloc(S->actx, S->blk[i], 0);
	if (S->blk)
		S->alloc(S->actx, S->blk, 0);
	S->blk = NULL;
	S->nblk = S->cblk = 0;
}

int
sup_fail(Sup *S, int code, const char *msg, const char *fmt,...)
{
	va_list		ap;

	S->err->code = code;
	snprintf(S->err->msg, sizeof(S->err->msg), "%s", msg);
	va_start(ap, fmt);
	vsnprintf(S->err->detail, sizeof(S->err->detail), fmt, ap);
	va_end(ap);
	return -1;
}

/* "(11002, EU, F)" for a row's codes */
static void
row_name(const Sup *S, int r, char *buf, size_t len)
{
	size_t		used = 0;
	int			d;

	used += snprintf(buf + used, len - used, "(");
	for (d = 0; d < S->ndim && used < len; d++)
		used += snprintf(buf + used, len - used, "%s%s", d ? ", " : "",
						 S->in->codes[(size_t) r * S->ndim + d]);
	if (used < len)
		snprintf(buf + used, len - used, ")");
}

static void
cell_name(const Sup *S, int c, char *buf, size_t len)
{
	size_t		used = 0;
	int			d;

	used += snprintf(buf + used, len - used, "(");
	for (d = 0; d < S->ndim && used < len; d++)
		used += snprintf(buf + used, len - used, "%s%s", d ? ", " : "",
						 S->code[d][S->coord[(size_t) c * S->ndim + d]]);
	if (used < len)
		snprintf(buf + used, len - used, ")");
}

/* ---------------------------------------------------------------------
 * the model
 * --------------------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int
code_index(const char **codes, int n, const char *s)
{
	const char **hit = bsearch(&s, codes, n, sizeof(char *), cmp_str);

	return hit ? (int) (hit - codes) : -1;
}

static const Sup *sort_S;
static const int *sort_rowcode;

static int
cmp_rows(const void *a, const void *b)
{
	int			ra = *(const int *) a,
				rb = *(const int *) b,
				d;

	for (d = 0; d < sort_S->ndim; d++)
	{
		int			x = sort_rowcode[(size_t) ra * sort_S->ndim + d],
					y = sort_rowcode[(size_t) rb * sort_S->ndim + d];

		if (x != y)
			return x < y ? -1 : 1;
	}
	if (sort_S->rowtab[ra] != sort_S->rowtab[rb])
		return sort_S->rowtab[ra] < sort_S->rowtab[rb] ? -1 : 1;
	return ra < rb ? -1 : (ra > rb);
}

static int
find_cell(const Sup *S, const int *key)
{
	int			lo = 0,
				hi = S->ncell - 1,
				d;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		const int  *c = S->coord + (size_t) mid * S->ndim;
		int			r = 0;

		for (d = 0; d < S->ndim; d++)
			if (c[d] != key[d])
			{
				r = c[d] < key[d] ? -1 : 1;
				break;
			}
		if (r == 0)
			return mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* codes per dimension, the hierarchies, and their checks */
static int
build_codes(Sup *S)
{
	const SupInput *in = S->in;
	int			d,
				i,
				e;

	for (e = 0; e < in->nedges; e++)
	{
		if (in->edge_dim[e] < 0 || in->edge_dim[e] >= S->ndim)
			return sup_fail(S, SUP_E_INPUT, "hierarchy edge names a dimension the cells do not have",
						"Edge %s -> %s is for dimension %d; the cells have %d dimension%s.",
						in->edge_child[e], in->edge_parent[e], in->edge_dim[e] + 1,
						S->ndim, S->ndim == 1 ? "" : "s");
	}
	for (d = 0; d < S->ndim; d++)
	{
		const char **tmp;
		int			n = 0,
					u,
				   *state,
				   *stack;

		tmp = NEW(S, const char *, (size_t) in->nrows + 2 * (size_t) in->nedges);
		for (i = 0; i < in->nrows; i++)
			tmp[n++] = in->codes[(size_t) i * S->ndim + d];
		for (e = 0; e < in->nedges; e++)
			if (in->edge_dim[e] == d)
			{
				tmp[n++] = in->edge_child[e];
				tmp[n++] = in->edge_parent[e];
			}
		qsort(tmp, n, sizeof(char *), cmp_str);
		for (i = 0, u = 0; i < n; i++)
			if (u == 0 || strcmp(tmp[u - 1], tmp[i]) != 0)
				tmp[u++] = tmp[i];
		S->code[d] = tmp;
		S->ncode[d] = u;
		S->par[d] = NEW(S, int, u);
		for (i = 0; i < u; i++)
			S->par[d][i] = -1;
		for (e = 0; e < in->nedges; e++)
		{
			int			ch,
						pa;

			if (in->edge_dim[e] != d)
				continue;
			ch = code_index(tmp, u, in->edge_child[e]);
			pa = code_index(tmp, u, in->edge_parent[e]);
			if (ch == pa)
				return sup_fail(S, SUP_E_INPUT, "hierarchy has a loop",
							"In dimension %d, code %s is its own parent.", d + 1, tmp[ch]);
			if (S->par[d][ch] >= 0 && S->par[d][ch] != pa)
				return sup_fail(S, SUP_E_INPUT, "hierarchy is not a tree",
							"In dimension %d, code %s has two parents: %s and %s.",
							d + 1, tmp[ch], tmp[S->par[d][ch]], tmp[pa]);
			S->par[d][ch] = pa;
		}
		/* loops: walk up from every code, marking the path */
		state = NEW(S, int, u);
		stack = NEW(S, int, u + 1);
		for (i = 0; i < u; i++)
		{
			int			j = i,
						top = 0,
						k;

			while (j >= 0 && state[j] == 0)
			{
				state[j] = 1;
				stack[top++] = j;
				j = S->par[d][j];
			}
			if (j >= 0 && state[j] == 1)
			{
				char		path[400];
				size_t		used = 0;

				k = j;
				do
				{
					used += snprintf(path + used, sizeof(path) - used, "%s -> ",
									 tmp[k]);
					k = S->par[d][k];
				} while (k != j && used < sizeof(path) - 40);
				snprintf(path + used, sizeof(path) - used, "%s", tmp[j]);
				return sup_fail(S, SUP_E_INPUT, "hierarchy has a loop",
							"In dimension %d, the parents run in a circle: %s.", d + 1, path);
			}
			while (top > 0)
				state[stack[--top]] = 2;
		}
		/* children, in code order */
		S->chs[d] = NEW(S, int, u + 1);
		S->chl[d] = NEW(S, int, u);
		for (i = 0; i < u; i++)
			if (S->par[d][i] >= 0)
				S->chs[d][S->par[d][i] + 1]++;
		for (i = 0; i < u; i++)
			S->chs[d][i + 1] += S->chs[d][i];
		{
			int		   *fill = NEW(S, int, u);

			for (i = 0; i < u; i++)
				if (S->par[d][i] >= 0)
				{
					int			p = S->par[d][i];

					S->chl[d][S->chs[d][p] + fill[p]++] = i;
				}
		}
	}
	return 0;
}

/* tables, cells (rows with the same codes are one cell), their checks */
static int
build_cells(Sup *S)
{
	const SupInput *in = S->in;
	int			n = in->nrows,
				i,
				d,
			   *order,
			   *rowcode;
	char		name[300];

	/* tables */
	S->rowtab = NEW(S, int, n);
	if (in->table)
	{
		const char **tmp = NEW(S, const char *, n);
		int			u = 0;

		for (i = 0; i < n; i++)
			tmp[i] = in->table[i];
		qsort(tmp, n, sizeof(char *), cmp_str);
		for (i = 0; i < n; i++)
			if (u == 0 || strcmp(tmp[u - 1], tmp[i]) != 0)
				tmp[u++] = tmp[i];
		if (u > SUP_MAXTABLES)
			return sup_fail(S, SUP_E_INPUT, "too many linked tables",
						"The cells name %d tables; at most %d are allowed.", u, SUP_MAXTABLES);
		S->tab = tmp;
		S->ntab = u;
		for (i = 0; i < n; i++)
			S->rowtab[i] = code_index(tmp, u, in->table[i]);
	}
	else
		S->ntab = 1;

	/* values */
	S->integral = true;
	for (i = 0; i < n; i++)
	{
		double		v = in->value[i];

		if (isnan(v) || isinf(v) || v < 0)
		{
			row_name(S, i, name, sizeof(name));
			return sup_fail(S, SUP_E_INPUT, isnan(v) || isinf(v) ? "cell value must be finite" :
						"cell value must not be negative",
						"Cell %s has value %g.", name, v);
		}
		if (v > 1e15)
		{
			row_name(S, i, name, sizeof(name));
			return sup_fail(S, SUP_E_INPUT, "cell value out of range",
						"Cell %s has value %g; values must not exceed 1e15.", name, v);
		}
		if (v != floor(v))
			S->integral = false;
		if (in->cost && (isnan(in->cost[i]) ? false : in->cost[i] < 0))
		{
			row_name(S, i, name, sizeof(name));
			return sup_fail(S, SUP_E_INPUT, "cell cost must not be negative",
						"Cell %s has cost %g.", name, in->cost[i]);
		}
	}

	rowcode = NEW(S, int, (size_t) n * S->ndim);
	for (i = 0; i < n; i++)
		for (d = 0; d < S->ndim; d++)
			rowcode[(size_t) i * S->ndim + d] =
				code_index(S->code[d], S->ncode[d], in->codes[(size_t) i * S->ndim + d]);
	order = NEW(S, int, n);
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_S = S;
	sort_rowcode = rowcode;
	qsort(order, n, sizeof(int), cmp_rows);

	S->rowcell = NEW(S, int, n);
	S->coord = NEW(S, int, (size_t) n * S->ndim);
	S->val = NEW(S, double, n);
	S->cost = NEW(S, double, n);
	S->cf = NEW(S, unsigned char, n);
	S->ncell = 0;
	for (i = 0; i < n; i++)
	{
		int			r = order[i],
					c;
		bool		same = false;

		if (i > 0)
			same = memcmp(rowcode + (size_t) r * S->ndim,
						  rowcode + (size_t) order[i - 1] * S->ndim,
						  sizeof(int) * S->ndim) == 0;
		if (!same)
		{
			c = S->ncell++;
			memcpy(S->coord + (size_t) c * S->ndim, rowcode + (size_t) r * S->ndim,
				   sizeof(int) * S->ndim);
			S->val[c] = in->value[r];
			S->cost[c] = NAN;
		}
		else
		{
			int			prev = order[i - 1];

			c = S->ncell - 1;
			if (S->rowtab[prev] == S->rowtab[r])
			{
				row_name(S, r, name, sizeof(name));
				if (in->table)
					return sup_fail(S, SUP_E_INPUT, "duplicate cell",
								"Cell %s appears twice in table %s.", name, S->tab[S->rowtab[r]]);
				return sup_fail(S, SUP_E_INPUT, "duplicate cell",
							"Cell %s appears twice.", name);
			}
			if (in->value[r] != S->val[c])
			{
				row_name(S, r, name, sizeof(name));
				return sup_fail(S, SUP_E_INPUT, "linked tables disagree on a cell",
							"Cell %s is %g in table %s and %g in table %s.", name,
							S->val[c], S->tab[S->rowtab[prev]], in->value[r],
							S->tab[S->rowtab[r]]);
			}
		}
		S->rowcell[r] = c;
		if (in->flags[r] & SUPF_PRIMARY)
			S->cf[c] |= CF_PRIMARY;
		if (in->flags[r] & SUPF_SUPPRESSED)
			S->cf[c] |= CF_PRESUPP;
		if (in->flags[r] & SUPF_SINGLETON_SET)
		{
			if (in->flags[r] & SUPF_SINGLETON)
				S->cf[c] |= CF_SINGLE;
		}
		else if (in->value[r] == 1)
			S->cf[c] |= CF_SINGLE;
		if (in->cost && !isnan(in->cost[r]) && isnan(S->cost[c]))
			S->cost[c] = in->cost[r];
	}
	for (i = 0; i < S->ncell; i++)
	{
		if (isnan(S->cost[i]))
			S->cost[i] = S->val[i];
		if (isinf(S->cost[i]))
			S->cf[i] |= CF_FIXED;
	}
	S->intab = NEW(S, unsigned char, (size_t) S->ntab * S->ncell);
	for (i = 0; i < n; i++)
		S->intab[(size_t) S->rowtab[i] * S->ncell + S->rowcell[i]] =
			(in->flags[i] & (SUPF_PRIMARY | SUPF_SUPPRESSED)) ? 2 : 1;
	return 0;
}

/* the equations: every total with at least one part present */
static int
build_equations(Sup *S)
{
	int			c,
				d,
				cap = 1024,
				capc = 4096,
				nc = 0,
				k,
				e;
	int		   *key = NEW(S, int, S->ndim);
	int		   *es,
			   *ec;
	int		   *edim;
	char		name[300];

	es = S->alloc(S->actx, NULL, sizeof(int) * (cap + 1));
	ec = S->alloc(S->actx, NULL, sizeof(int) * capc);
	edim = S->alloc(S->actx, NULL, sizeof(int) * cap);
	S->neq = 0;
	es[0] = 0;
	for (c = 0; c < S->ncell; c++)
	{
		for (d = 0; d < S->ndim; d++)
		{
			int			code = S->coord[(size_t) c * S->ndim + d];
			int			start = nc;
			double		sum = 0;

			if (S->chs[d][code + 1] == S->chs[d][code])
				continue;
			if (nc + 1 + (S->chs[d][code + 1] - S->chs[d][code]) > capc)
			{
				capc = 2 * capc + (S->chs[d][code + 1] - S->chs[d][code]) + 1;
				ec = S->alloc(S->actx, ec, sizeof(int) * capc);
			}
			memcpy(key, S->coord + (size_t) c * S->ndim, sizeof(int) * S->ndim);
			ec[nc++] = c;
			for (k = S->chs[d][code]; k < S->chs[d][code + 1]; k++)
			{
				int			j;

				key[d] = S->chl[d][k];
				j = find_cell(S, key);
				if (j >= 0)
				{
					ec[nc++] = j;
					sum += S->val[j];
				}
			}
			if (nc == start + 1)
			{
				nc = start;
				continue;
			}
			if (fabs(S->val[c] - sum) > 1e-9 * fmax(1.0, fmax(S->val[c], sum)))
			{
				S->alloc(S->actx, es, 0);
				S->alloc(S->actx, ec, 0);
				S->alloc(S->actx, edim, 0);
				cell_name(S, c, name, sizeof(name));
				return sup_fail(S, SUP_E_INPUT, "margin does not add up",
							"Cell %s is %.15g but its parts along dimension %d (the children of %s) sum to %.15g.",
							name, S->val[c], d + 1, S->code[d][code], sum);
			}
			if (S->neq == cap)
			{
				cap *= 2;
				es = S->alloc(S->actx, es, sizeof(int) * (cap + 1));
				edim = S->alloc(S->actx, edim, sizeof(int) * cap);
			}
			edim[S->neq] = d;
			es[++S->neq] = nc;
		}
	}
	S->es = NEW(S, int, S->neq + 1);
	S->ec = NEW(S, int, nc);
	memcpy(S->es, es, sizeof(int) * (S->neq + 1));
	memcpy(S->ec, ec, sizeof(int) * nc);
	S->alloc(S->actx, es, 0);
	S->alloc(S->actx, ec, 0);
	S->alloc(S->actx, edim, 0);

	/* cell -> equations */
	S->cs = NEW(S, int, S->ncell + 1);
	S->cl = NEW(S, int, nc);
	for (k = 0; k < nc; k++)
		S->cs[S->ec[k] + 1]++;
	for (c = 0; c < S->ncell; c++)
		S->cs[c + 1] += S->cs[c];
	{
		int		   *fill = NEW(S, int, S->ncell);

		for (e = 0; e < S->neq; e++)
			for (k = S->es[e]; k < S->es[e + 1]; k++)
			{
				c = S->ec[k];
				S->cl[S->cs[c] + fill[c]++] = e;
			}
	}
	return 0;
}

/* the threshold rule: counts 1 .. top, and parts whose complement is */
static void
threshold_primaries(Sup *S)
{
	double		top = ceil(S->opt->threshold) - 1;
	int			c,
				e,
				k;

	if (!(S->opt->threshold > 0))
		return;
	for (c = 0; c < S->ncell; c++)
		if (S->val[c] > 0 && S->val[c] <= top)
			S->cf[c] |= CF_PRIMARY;
	if (!S->opt->complement)
		return;
	for (e = 0; e < S->neq; e++)
	{
		double		total = S->val[S->ec[S->es[e]]];

		for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
		{
			double		rest = total - S->val[S->ec[k]];

			/* zeros are never primary, whatever their complement */
			if (S->val[S->ec[k]] > 0 && rest > 0 && rest <= top)
				S->cf[S->ec[k]] |= CF_PRIMARY;
		}
	}
}

/* ---------------------------------------------------------------------
 * the audit
 * --------------------------------------------------------------------- */

static int
uf_find(int *uf, int x)
{
	while (uf[x] != x)
	{
		uf[x] = uf[uf[x]];
		x = uf[x];
	}
	return x;
}

double
sup_required_width(const Sup *S, int c)
{
	return fmax(S->opt->protection, S->opt->protection_rel * S->val[c]);
}

static inline double
tolerance(const Sup *S, int c)
{
	return 1e-7 * fmax(1.0, S->val[c]);
}

static double
snap(const Sup *S, double x)
{
	if (isinf(x))
		return x;
	if (x < 0)
		x = 0;
	if (S->integral && fabs(x - round(x)) < 1e-6 * fmax(1.0, fabs(x)))
		x = round(x);
	return x;
}

/*
 * Intervals of the suppressed cells (supp), by two linear programs per
 * cell over its component (the suppressed cells linked by equations that
 * hold two or more of them), with the equations eqmask allows (NULL: all).
 * Only components holding a dirty cell are solved (dirty NULL: all).
 * Fills lo/hi; comp/compstart/complist describe the components.
 */
static int
audit_inner(Sup *S, const unsigned char *supp, const unsigned char *eqmask,
			const unsigned char *dirty, double *lo, double *hi)
{
	int			n = S->ncell,
				c,
				e,
				k,
				q;
	int		   *uf = NEW(S, int, n);
	int		   *root2comp = NEW(S, int, n);
	int		   *eqcomp = NEW(S, int, S->neq);
	int		   *loc = NEW(S, int, n);
	int			ncomp = 0;
	int		   *ceqstart,
			   *ceqlist;
	int		   *rs,
			   *col;
	double	   *coef,
			   *rhs;
	unsigned char *needs;

	for (c = 0; c < n; c++)
		uf[c] = c;
	for (e = 0; e < S->neq; e++)
	{
		int			first = -1;

		if (eqmask && !eqmask[e])
			continue;
		for (k = S->es[e]; k < S->es[e + 1]; k++)
		{
			c = S->ec[k];
			if (!supp[c])
				continue;
			if (first < 0)
				first = c;
			else
			{
				int			a = uf_find(uf, first),
							b = uf_find(uf, c);

				if (a != b)
					uf[a > b ? a : b] = a < b ? a : b;
			}
		}
	}
	for (c = 0; c < n; c++)
		root2comp[c] = -1;
	for (c = 0; c < n; c++)
	{
		int			r;

		if (!supp[c])
		{
			S->comp[c] = -1;
			continue;
		}
		r = uf_find(uf, c);
		if (root2comp[r] < 0)
			root2comp[r] = ncomp++;
		S->comp[c] = root2comp[r];
	}
	S->ncomp = ncomp;
	memset(S->compstart, 0, sizeof(int) * (n + 1));
	for (c = 0; c < n; c++)
		if (supp[c])
			S->compstart[S->comp[c] + 1]++;
	for (q = 0; q < ncomp; q++)
		S->compstart[q + 1] += S->compstart[q];
	{
		int		   *fill = NEW(S, int, ncomp + 1);

		for (c = 0; c < n; c++)
			if (supp[c])
			{
				loc[c] = fill[S->comp[c]];
				S->complist[S->compstart[S->comp[c]] + fill[S->comp[c]]++] = c;
			}
	}
	/* the equations of each component */
	ceqstart = NEW(S, int, ncomp + 1);
	ceqlist = NEW(S, int, S->neq);
	for (e = 0; e < S->neq; e++)
	{
		eqcomp[e] = -1;
		if (eqmask && !eqmask[e])
			continue;
		for (k = S->es[e]; k < S->es[e + 1]; k++)
			if (supp[S->ec[k]])
			{
				eqcomp[e] = S->comp[S->ec[k]];
				ceqstart[eqcomp[e] + 1]++;
				break;
			}
	}
	for (q = 0; q < ncomp; q++)
		ceqstart[q + 1] += ceqstart[q];
	{
		int		   *fill = NEW(S, int, ncomp + 1);

		for (e = 0; e < S->neq; e++)
			if (eqcomp[e] >= 0)
				ceqlist[ceqstart[eqcomp[e]] + fill[eqcomp[e]]++] = e;
	}
	needs = NEW(S, unsigned char, ncomp + 1);
	for (c = 0; c < n; c++)
		if (supp[c] && (dirty == NULL || dirty[c]))
			needs[S->comp[c]] = 1;

	rs = NEW(S, int, S->neq + 1);
	col = NEW(S, int, S->es[S->neq] + 1);
	coef = NEW(S, double, S->es[S->neq] + 1);
	rhs = NEW(S, double, S->neq + 1);
	for (q = 0; q < ncomp; q++)
	{
		int			ncol = S->compstart[q + 1] - S->compstart[q];
		int			nrow = 0,
					nz = 0,
					i;
		LpModel    *m;

		if (!needs[q])
			continue;
		if (ceqstart[q + 1] == ceqstart[q])
		{
			/* no equation: anything >= 0 */
			for (i = S->compstart[q]; i < S->compstart[q + 1]; i++)
			{
				lo[S->complist[i]] = 0;
				hi[S->complist[i]] = INFINITY;
			}
			continue;
		}
		rs[0] = 0;
		for (i = ceqstart[q]; i < ceqstart[q + 1]; i++)
		{
			double		r = 0;

			e = ceqlist[i];
			for (k = S->es[e]; k < S->es[e + 1]; k++)
			{
				double		a = k == S->es[e] ? 1.0 : -1.0;

				c = S->ec[k];
				if (supp[c])
				{
					col[nz] = loc[c];
					coef[nz++] = a;
				}
				else
					r -= a * S->val[c];
			}
			rhs[nrow++] = r;
			rs[nrow] = nz;
		}
		m = lp_build(ncol, nrow, rs, col, coef, rhs);
		if (m == NULL)
			return sup_fail(S, SUP_E_SOLVER, "linear program could not be built",
						"Out of memory in GLPK.");
		for (i = 0; i < ncol; i++)
		{
			int			dir;

			c = S->complist[S->compstart[q] + i];
			for (dir = 0; dir < 2; dir++)
			{
				double		v = NAN;
				int			rc;

				if (S->opt->cancel && S->opt->cancel())
				{
					lp_free(m);
					return sup_fail(S, SUP_E_CANCEL, "cancelled", "The audit was cancelled.");
				}
				rc = lp_extreme(m, i, dir == 1, &v);
				S->st->lps++;
				if (rc == LP_UNBOUNDED && dir == 1)
					v = INFINITY;
				else if (rc != LP_OK)
				{
					char		name[300];

					lp_free(m);
					cell_name(S, c, name, sizeof(name));
					return sup_fail(S, SUP_E_SOLVER, "linear program failed",
								"GLPK could not compute the %s of cell %s (status %d).",
								dir ? "maximum" : "minimum", name, rc);
				}
				if (dir == 0)
					lo[c] = snap(S, v);
				else
					hi[c] = snap(S, v);
			}
		}
		lp_free(m);
	}
	return 0;
}

static int
audit(Sup *S, const unsigned char *supp, const unsigned char *eqmask,
	  const unsigned char *dirty, double *lo, double *hi)
{
	int			mark = S->nblk;
	int			rc = audit_inner(S, supp, eqmask, dirty, lo, hi);

	sup_release(S, mark);
	return rc;
}

static bool pair_discloses(const Sup *S, const unsigned char *supp, int e);

/* problems of the primaries under the current intervals (union) */
static void
evaluate(Sup *S, const unsigned char *supp, const double *lo, const double *hi,
		 unsigned char *prob, int *probeq)
{
	int			c,
				e,
				k;

	for (c = 0; c < S->ncell; c++)
	{
		double		w;

		prob[c] = SUP_OK;
		probeq[c] = -1;
		if (!supp[c] || !(S->cf[c] & CF_PRIMARY))
			continue;
		w = hi[c] - lo[c];
		if (w <= tolerance(S, c))
			prob[c] = SUP_P_EXACT;
		else if (w < sup_required_width(S, c) - tolerance(S, c))
			prob[c] = SUP_P_NARROW;
	}
	if (!S->opt->singleton)
		return;
	for (e = 0; e < S->neq; e++)
	{
		int			a = -1,
					b = -1,
					cnt = 0;

		for (k = S->es[e]; k < S->es[e + 1]; k++)
			if (supp[S->ec[k]])
			{
				if (cnt == 0)
					a = S->ec[k];
				else
					b = S->ec[k];
				cnt++;
			}
		if (cnt != 2 || !pair_discloses(S, supp, e))
			continue;
		if ((S->cf[a] & CF_SINGLE) && (S->cf[b] & CF_PRIMARY) && prob[b] == SUP_OK)
		{
			prob[b] = SUP_P_SINGLETON;
			probeq[b] = e;
		}
		if ((S->cf[b] & CF_SINGLE) && (S->cf[a] & CF_PRIMARY) && prob[a] == SUP_OK)
		{
			prob[a] = SUP_P_SINGLETON;
			probeq[a] = e;
		}
	}
}

/* ---------------------------------------------------------------------
 * the heuristic
 * --------------------------------------------------------------------- */

bool
sup_can_move(const Sup *S, int c)
{
	return S->val[c] > 0 && !(S->cf[c] & CF_FIXED);
}

static void
add_supp(Sup *S, int c)
{
	int			k;

	if (S->supp[c])
		return;
	S->supp[c] = 1;
	S->dirty[c] = 1;
	for (k = S->cs[c]; k < S->cs[c + 1]; k++)
	{
		int			e = S->cl[k];

		S->cnt_all[e]++;
		if (S->val[c] > 0)
			S->cnt_use[e]++;
	}
	S->queue[S->qtail++] = c;
}

/* the other suppressed cell of equation e holding exactly two */
static int
other_supp(const Sup *S, int e, int c)
{
	int			k;

	for (k = S->es[e]; k < S->es[e + 1]; k++)
		if (S->ec[k] != c && S->supp[S->ec[k]])
			return S->ec[k];
	return -1;
}

/*
 * Whether a singleton in equation e with exactly two suppressed cells
 * learns anything: not when the published cells of e are all zero (then
 * the other cell is the singleton's own value: its total or its only part).
 */
static bool
pair_discloses(const Sup *S, const unsigned char *supp, int e)
{
	int			k;

	for (k = S->es[e]; k < S->es[e + 1]; k++)
		if (!supp[S->ec[k]] && S->val[S->ec[k]] != 0)
			return true;
	return false;
}

static bool
satisfied(const Sup *S, int c, int e)
{
	int			others = S->cnt_use[e] - (S->val[c] > 0 ? 1 : 0);
	int			k,
				total = S->ec[S->es[e]];
	double		cap;

	if (others <= 0)
		return false;
	if (!(S->cf[c] & CF_PRIMARY))
		return true;
	if (S->opt->singleton && S->cnt_all[e] == 2)
	{
		int			x = other_supp(S, e, c);

		if (x >= 0 && (S->cf[x] & CF_SINGLE) && pair_discloses(S, S->supp, e))
			return false;
	}
	if (total == c || S->supp[total])
		return true;
	cap = S->val[c];
	for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
		if (S->ec[k] != c && S->supp[S->ec[k]])
			cap += S->val[S->ec[k]];
	return cap >= sup_required_width(S, c) - tolerance(S, c);
}

/*
 * A candidate that would stand alone in its other equations needs partners
 * there too: each such equation weighs its cost by 1 + NEEDS_WEIGHT (2
 * gave the fewest secondaries on the random tables of the unit tests).
 */
#define NEEDS_WEIGHT 2.0

/* the best partner for cell c in equation e, or -1; *score its score */
static int
candidate(const Sup *S, int e, double *score)
{
	int			k,
				best = -1;
	double		bs = INFINITY;

	for (k = S->es[e]; k < S->es[e + 1]; k++)
	{
		int			x = S->ec[k],
					j,
					bonus = 0,
					needs = 0;
		double		s;

		if (S->supp[x] || !sup_can_move(S, x))
			continue;
		for (j = S->cs[x]; j < S->cs[x + 1]; j++)
		{
			if (S->cl[j] == e)
				continue;
			if (S->cnt_use[S->cl[j]] == 1)
				bonus++;
			else if (S->cnt_use[S->cl[j]] == 0)
				needs++;
		}
		s = S->cost[x] * (1 + NEEDS_WEIGHT * needs) / (1 + bonus);
		if (s < bs || (s == bs && x < best))
		{
			bs = s;
			best = x;
		}
	}
	*score = bs;
	return best;
}

static void
closure(Sup *S)
{
	while (S->qhead < S->qtail)
	{
		int			c = S->queue[S->qhead++],
					k;

		for (k = S->cs[c]; k < S->cs[c + 1]; k++)
		{
			int			e = S->cl[k];

			while (!satisfied(S, c, e))
			{
				double		s;
				int			x = candidate(S, e, &s);

				if (x < 0)
					break;
				add_supp(S, x);
			}
		}
	}
}

/* one more partner for an unprotected primary p, or -1 */
static int
repair_candidate(const Sup *S, int p)
{
	int			k,
				best = -1,
				bestcnt = 0;
	double		bs = INFINITY,
				s;

	/* a singleton problem is solved in its own equation or not at all */
	if (S->prob[p] == SUP_P_SINGLETON && S->probeq[p] >= 0)
		return candidate(S, S->probeq[p], &s);
	for (k = S->cs[p]; k < S->cs[p + 1]; k++)
	{
		int			e = S->cl[k],
					x = candidate(S, e, &s);

		if (x < 0)
			continue;
		if (best < 0 || S->cnt_use[e] < bestcnt ||
			(S->cnt_use[e] == bestcnt && (s < bs || (s == bs && x < best))))
		{
			best = x;
			bs = s;
			bestcnt = S->cnt_use[e];
		}
	}
	if (best >= 0)
		return best;
	/* the equations of the whole component */
	if (S->comp[p] >= 0)
	{
		int			i,
					q = S->comp[p];

		for (i = S->compstart[q]; i < S->compstart[q + 1]; i++)
		{
			int			c = S->complist[i];

			for (k = S->cs[c]; k < S->cs[c + 1]; k++)
			{
				int			x = candidate(S, S->cl[k], &s);

				if (x >= 0 && (s < bs || (s == bs && x < best)))
				{
					best = x;
					bs = s;
				}
			}
		}
	}
	return best;
}

static int
heuristic(Sup *S)
{
	int			c,
				round;
	for (c = 0; c < S->ncell; c++)
		if (S->supp[c])
		{
			S->supp[c] = 0;
			add_supp(S, c);
		}
	closure(S);
	for (round = 0; round <= S->ncell; round++)
	{
		int			added = 0;

		S->st->iterations++;
		if (audit(S, S->supp, NULL, round == 0 ? NULL : S->dirty, S->lo, S->hi) < 0)
			return -1;
		memset(S->dirty, 0, S->ncell);
		evaluate(S, S->supp, S->lo, S->hi, S->prob, S->probeq);
		for (c = 0; c < S->ncell; c++)
		{
			int			x;

			if (S->prob[c] == SUP_OK || (S->cf[c] & CF_GIVEUP))
				continue;
			x = repair_candidate(S, c);
			if (x < 0)
			{
				S->cf[c] |= CF_GIVEUP;
				continue;
			}
			add_supp(S, x);
			added++;
		}
		if (added == 0)
			break;
		closure(S);
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * entry point
 * --------------------------------------------------------------------- */

const char *
sup_status_name(int status)
{
	switch (status)
	{
		case SUP_PRIMARY:
			return "primary";
		case SUP_SECONDARY:
			return "secondary";
		default:
			return "publish";
	}
}

const char *
sup_problem_name(int problem)
{
	switch (problem)
	{
		case SUP_P_EXACT:
			return "exact";
		case SUP_P_NARROW:
			return "narrow";
		case SUP_P_SINGLETON:
			return "singleton";
		case SUP_P_LINKED:
			return "linked";
		default:
			return NULL;
	}
}

/*
 * Linked tables: audit each table on its own (its suppressed cells and the
 * equations it holds whole) and mark the union's problems of cells that
 * their own tables protect as SUP_P_LINKED.  tprot[t * ncell + c] is 1
 * when table t alone protects cell c.
 */
static int
audit_tables(Sup *S, unsigned char *tprot)
{
	int			t,
				e,
				k,
				c;
	unsigned char *tsupp = NEW(S, unsigned char, S->ncell);
	unsigned char *mask = NEW(S, unsigned char, S->neq);
	double	   *tlo = NEW(S, double, S->ncell);
	double	   *thi = NEW(S, double, S->ncell);

	for (t = 0; t < S->ntab; t++)
	{
		const unsigned char *in = S->intab + (size_t) t * S->ncell;

		for (c = 0; c < S->ncell; c++)
			tsupp[c] = in[c] == 2;
		for (e = 0; e < S->neq; e++)
		{
			mask[e] = 1;
			for (k = S->es[e]; k < S->es[e + 1]; k++)
				if (!in[S->ec[k]])
				{
					mask[e] = 0;
					break;
				}
		}
		if (audit(S, tsupp, mask, NULL, tlo, thi) < 0)
			return -1;
		for (c = 0; c < S->ncell; c++)
		{
			double		w = thi[c] - tlo[c];

			tprot[(size_t) t * S->ncell + c] = tsupp[c] &&
				w > tolerance(S, c) && w >= sup_required_width(S, c) - tolerance(S, c);
		}
	}
	return 0;
}

int
sup_run(const SupInput *in, const SupOptions *opt, SupRealloc alloc, void *ctx,
		SupRowResult *out, SupStats *stats, SupError *err)
{
	Sup			S0;
	Sup		   *S = &S0;
	int			c,
				r,
				rc = 0;
	unsigned char *tprot = NULL;

	memset(S, 0, sizeof(*S));
	memset(stats, 0, sizeof(*stats));
	memset(err, 0, sizeof(*err));
	S->in = in;
	S->opt = opt;
	S->alloc = alloc;
	S->actx = ctx;
	S->err = err;
	S->st = stats;
	S->ndim = in->ndim;
	if (in->ndim < 1 || in->ndim > SUP_MAXDIM)
		return sup_fail(S, SUP_E_INPUT, "cells must have between 1 and 8 coordinates",
					"The cells have %d coordinates.", in->ndim);
	if (in->nrows == 0)
		return 0;

	if (build_codes(S) < 0 || build_cells(S) < 0 || build_equations(S) < 0)
	{
		sup_free_all(S);
		return -1;
	}
	threshold_primaries(S);

	S->supp = NEW(S, unsigned char, S->ncell);
	S->dirty = NEW(S, unsigned char, S->ncell);
	S->lo = NEW(S, double, S->ncell);
	S->hi = NEW(S, double, S->ncell);
	S->prob = NEW(S, unsigned char, S->ncell);
	S->probeq = NEW(S, int, S->ncell);
	S->comp = NEW(S, int, S->ncell);
	S->compstart = NEW(S, int, S->ncell + 1);
	S->complist = NEW(S, int, S->ncell);
	S->cnt_use = NEW(S, int, S->neq + 1);
	S->cnt_all = NEW(S, int, S->neq + 1);
	S->queue = NEW(S, int, S->ncell);

	for (c = 0; c < S->ncell; c++)
		if (S->cf[c] & (CF_PRIMARY | CF_PRESUPP))
			S->supp[c] = 1;
	if (opt->method == SUP_AUDIT)
	{
		/* the union: a cell is known when any table publishes it */
		for (c = 0; c < S->ncell; c++)
			S->supp[c] = 1;
		for (r = 0; r < in->nrows; r++)
			if (!(in->flags[r] & (SUPF_PRIMARY | SUPF_SUPPRESSED)))
				S->supp[S->rowcell[r]] = 0;
		rc = audit(S, S->supp, NULL, NULL, S->lo, S->hi);
		if (rc == 0 && S->ntab > 1)
		{
			tprot = NEW(S, unsigned char, (size_t) S->ntab * S->ncell);
			rc = audit_tables(S, tprot);
		}
	}
	else if (opt->method == SUP_OPTIMAL)
	{
		rc = sup_optimal(S);
		if (rc == 0)
			rc = audit(S, S->supp, NULL, NULL, S->lo, S->hi);
	}
	else
		rc = heuristic(S);
	if (rc < 0)
	{
		sup_free_all(S);
		return -1;
	}
	evaluate(S, S->supp, S->lo, S->hi, S->prob, S->probeq);

	stats->cells = S->ncell;
	stats->equations = S->neq;
	for (c = 0; c < S->ncell; c++)
	{
		if (S->cf[c] & CF_PRIMARY)
			stats->primaries++;
		else if (S->supp[c])
			stats->secondaries++;
		if ((S->cf[c] & CF_PRIMARY) && S->prob[c] != SUP_OK)
			stats->unprotected++;
	}
	for (r = 0; r < in->nrows; r++)
	{
		SupRowResult *o = &out[r];
		bool		rowsupp;

		c = S->rowcell[r];
		rowsupp = opt->method == SUP_AUDIT ?
			(in->flags[r] & (SUPF_PRIMARY | SUPF_SUPPRESSED)) != 0 : S->supp[c];
		o->status = (S->cf[c] & CF_PRIMARY) ? SUP_PRIMARY :
			rowsupp ? SUP_SECONDARY : SUP_PUBLISH;
		o->required = NAN;
		o->protect = -1;
		o->problem = SUP_OK;
		o->lower = S->supp[c] ? S->lo[c] : S->val[c];
		o->upper = S->supp[c] ? S->hi[c] : S->val[c];
		if (o->status != SUP_PRIMARY)
			continue;
		o->required = sup_required_width(S, c);
		/* a primary published here or in a linked table is disclosed */
		o->problem = S->supp[c] ? S->prob[c] : SUP_P_EXACT;
		o->protect = o->problem == SUP_OK;
		if (o->problem != SUP_OK && rowsupp && tprot &&
			tprot[(size_t) S->rowtab[r] * S->ncell + c])
			o->problem = SUP_P_LINKED;
	}
	sup_free_all(S);
	return 0;
}
