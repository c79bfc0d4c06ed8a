/*
 * suppress_core.c - secondary cell suppression: the table model (codes,
 * hierarchies, cells, equations, linked tables), the primaries and their
 * protection levels, and the entry point.  The intruder, the heuristic
 * and the audit are in suppress_protect.c, the optimal model in
 * suppress_optimal.c (see suppress_core.h and doc/protection.md).
 *
 * The result depends only on the cells (their order in the input does not
 * matter): codes, cells and equations are put in byte order first.
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
void
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

void
sup_cell_name(const Sup *S, int c, char *buf, size_t len)
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

int
sup_find_cell(const Sup *S, const int *key)
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
	S->klo = NEW(S, double, n);
	S->khi = NEW(S, double, n);
	S->upl = NEW(S, double, n);
	S->lpl = NEW(S, double, n);
	S->spl = NEW(S, double, n);
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
			S->klo[c] = -INFINITY;
			S->khi[c] = INFINITY;
			S->upl[c] = S->lpl[c] = S->spl[c] = NAN;
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
		/* what the intruder knows a priori, the levels asked for */
		if (in->known_lo && !isnan(in->known_lo[r]))
			S->klo[c] = fmax(S->klo[c], in->known_lo[r]);
		if (in->known_hi && !isnan(in->known_hi[r]))
			S->khi[c] = fmin(S->khi[c], in->known_hi[r]);
		if (in->upl && !isnan(in->upl[r]))
			S->upl[c] = in->upl[r];
		if (in->lpl && !isnan(in->lpl[r]))
			S->lpl[c] = in->lpl[r];
		if (in->spl && !isnan(in->spl[r]))
			S->spl[c] = in->spl[r];
		if ((S->klo[c] > S->val[c] || S->khi[c] < S->val[c]))
		{
			row_name(S, r, name, sizeof(name));
			return sup_fail(S, SUP_E_INPUT, "a-priori bounds exclude the cell's value",
							"Cell %s is %g but the intruder is said to know it lies in [%g, %g].",
							name, S->val[c], S->klo[c], S->khi[c]);
		}
	}
	/* the cost function; a given cost of Infinity never suppresses */
	for (i = 0; i < S->ncell; i++)
	{
		double		given = S->cost[i];

		switch (S->opt->cost)
		{
			case SUP_COST_CELLS:
				S->cost[i] = 1;
				break;
			case SUP_COST_LOG:
				/* a distance that grows slowly with the value */
				S->cost[i] = log1p(S->val[i]);
				break;
			case SUP_COST_WEIGHT:
				S->cost[i] = isnan(given) ? S->val[i] : given;
				break;
			default:
				S->cost[i] = S->val[i];
				break;
		}
		if (isinf(given))
			S->cost[i] = INFINITY;
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
				j = sup_find_cell(S, key);
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
				sup_cell_name(S, c, name, sizeof(name));
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

/*
 * The primaries and their protection levels.
 *
 * Threshold rule (policy count_threshold, ESSnet Handbook on SDC 5.2):
 * counts 1 .. top = ceil(threshold) - 1 are primary (a small count), and so
 * is a part whose complement in its total is 1 .. top (a zero never is).
 * Group disclosure (ESSnet Handbook 5.2, attribute disclosure): a total T >
 * 0 that sits entirely in one of two or more parts x discloses that every
 * member of T has x's attribute; x is primary and its requirement is that
 * the intruder cannot rule out that the other parts hold at least one unit
 * (their zeros may then be hidden).
 *
 * Levels (doc/protection.md gives the reasoning and the sources):
 *   small count v: upper level t - v (t = top + 1): the intruder cannot
 *     rule out that the cell is not small at all; lower level 0;
 *   small complement, group disclosure: PS1 only (sliding level 1): the
 *     small parts of the complement carry their own upper levels, which
 *     already keep the complement from being pinned below t;
 *   primaries the caller marks: the options' levels (absolute or relative
 *     to the value, the larger; sliding for the 0.1 functions);
 *   per-cell levels given with the cell replace all of these;
 *   every primary at least PS1: a width > 0.
 */
static void
threshold_primaries(Sup *S)
{
	double		top = ceil(S->opt->threshold) - 1;
	int			c,
				e,
				k;

	S->reason = NEW(S, unsigned char, S->ncell);
	S->grpeq = NEW(S, int, S->ncell);
	for (c = 0; c < S->ncell; c++)
		S->grpeq[c] = -1;
	S->top = S->opt->threshold > 0 ? top : 0;
	if (S->opt->threshold > 0)
	{
		for (c = 0; c < S->ncell; c++)
			if (S->val[c] > 0 && S->val[c] <= top)
			{
				S->cf[c] |= CF_PRIMARY;
				S->reason[c] = SUP_R_SMALL;
			}
		if (S->opt->complement)
			for (e = 0; e < S->neq; e++)
			{
				double		total = S->val[S->ec[S->es[e]]];

				for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
				{
					int			x = S->ec[k];
					double		rest = total - S->val[x];

					/* zeros are never primary, whatever their complement */
					if (S->val[x] > 0 && rest > 0 && rest <= top)
					{
						S->cf[x] |= CF_PRIMARY;
						if (S->reason[x] == SUP_R_NONE)
							S->reason[x] = SUP_R_COMPLEMENT;
					}
				}
			}
		if (S->opt->group_disclosure)
			for (e = 0; e < S->neq; e++)
			{
				double		total = S->val[S->ec[S->es[e]]];
				int			whole = -1,
							nparts = S->es[e + 1] - S->es[e] - 1;

				if (!(total > 0) || nparts < 2)
					continue;
				for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
					if (S->val[S->ec[k]] == total)
						whole = S->ec[k];
				if (whole < 0)
					continue;
				S->cf[whole] |= CF_PRIMARY;
				if (S->reason[whole] == SUP_R_NONE)
					S->reason[whole] = SUP_R_GROUP;
				if (S->grpeq[whole] < 0)
					S->grpeq[whole] = e;
				for (k = S->es[e] + 1; k < S->es[e + 1]; k++)
					if (S->ec[k] != whole)
						S->cf[S->ec[k]] |= CF_GZERO;
			}
	}
	/* the rules the intruder knows: the complement test */
	S->rules = S->opt->threshold > 0 && S->opt->complement && S->integral;
	for (c = 0; c < S->ncell; c++)
	{
		double		v = S->val[c],
					u = 0,
					l = 0,
					w = 0;

		if (!(S->cf[c] & CF_PRIMARY))
			continue;
		if (S->reason[c] == SUP_R_NONE)
			S->reason[c] = SUP_R_GIVEN;
		if (S->reason[c] == SUP_R_SMALL && S->opt->threshold_levels)
			u = top + 1 - v;
		else if ((S->reason[c] == SUP_R_COMPLEMENT || S->reason[c] == SUP_R_GROUP) &&
				 S->opt->threshold_levels)
			w = 1;
		else
		{
			u = fmax(S->opt->upper, S->opt->upper_rel * v);
			l = fmax(S->opt->lower, S->opt->lower_rel * v);
			w = fmax(S->opt->protection, S->opt->protection_rel * v);
		}
		if (isnan(S->upl[c]))
			S->upl[c] = u;
		if (isnan(S->lpl[c]))
			S->lpl[c] = l;
		if (isnan(S->spl[c]))
			S->spl[c] = w;
		/* PS1: never a single point */
		if (S->upl[c] + S->lpl[c] + S->spl[c] <= 0)
			S->spl[c] = S->integral ? 1 : 1e-6 * fmax(1.0, v);
	}
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
		case SUP_P_GROUP:
			return "group";
		case SUP_P_COALITION:
			return "coalition";
		default:
			return NULL;
	}
}

/* stable reason codes with their English and Dutch text */
static const struct
{
	const char *code,
			   *en,
			   *nl;
}			reasons[] =
{
	{NULL, NULL, NULL},
	{"given", "sensitive cell", "gevoelige cel"},
	{"small_count", "small count", "kleine telling"},
	{"small_complement", "small complement in a total", "klein complement in een totaal"},
	{"group_disclosure", "the whole total in one cell (group disclosure)",
	"het hele totaal in een cel (groepsonthulling)"},
	{"kept", "suppressed as given", "onderdrukt zoals opgegeven"},
	{"complementary", "suppressed to protect another cell", "onderdrukt om een andere cel te beschermen"},
	{"disclosive_zero", "a zero suppressed against group disclosure", "een nul onderdrukt tegen groepsonthulling"}
};

const char *
sup_reason_code(int reason)
{
	return reason > 0 && reason <= SUP_R_ZERO ? reasons[reason].code : NULL;
}

const char *
sup_reason_en(int reason)
{
	return reason > 0 && reason <= SUP_R_ZERO ? reasons[reason].en : NULL;
}

const char *
sup_reason_nl(int reason)
{
	return reason > 0 && reason <= SUP_R_ZERO ? reasons[reason].nl : NULL;
}

static double
tolerance(const Sup *S, int c)
{
	return 1e-7 * fmax(1.0, S->val[c]);
}

/*
 * Linked tables: audit each table on its own (its suppressed cells and the
 * equations it holds whole) and mark the union's problems of cells that
 * their own tables protect as SUP_P_LINKED.  tprot[t * ncell + c] is 1
 * when table t alone protects cell c (by its interval and levels).
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
		if (sup_intervals(S, tsupp, mask, tlo, thi) < 0)
			return -1;
		for (c = 0; c < S->ncell; c++)
		{
			double		v = S->val[c];

			tprot[(size_t) t * S->ncell + c] = tsupp[c] && (S->cf[c] & CF_PRIMARY) &&
				thi[c] - tlo[c] > tolerance(S, c) &&
				thi[c] - v >= S->upl[c] - tolerance(S, c) &&
				v - tlo[c] >= S->lpl[c] - tolerance(S, c) &&
				thi[c] - tlo[c] >= S->spl[c] - tolerance(S, c);
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
	S->intruder = opt->intruder;
	if (S->intruder == SUP_INTRUDER_NONE && opt->singleton)
		S->intruder = SUP_INTRUDER_SINGLETON;
	if (!opt->singleton)
		S->intruder = SUP_INTRUDER_NONE;
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
	sup_prepare(S);

	S->supp = NEW(S, unsigned char, S->ncell);
	S->lo = NEW(S, double, S->ncell);
	S->hi = NEW(S, double, S->ncell);
	S->prob = NEW(S, unsigned char, S->ncell);

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
		if (S->ntab > 1)
		{
			tprot = NEW(S, unsigned char, (size_t) S->ntab * S->ncell);
			rc = audit_tables(S, tprot);
		}
	}
	else if (opt->method == SUP_OPTIMAL)
		rc = sup_optimal(S);
	else
		rc = sup_heuristic(S);
	if (rc == 0)
		rc = sup_intervals(S, S->supp, NULL, S->lo, S->hi);
	if (rc == 0)
		rc = sup_evaluate(S, S->supp, S->prob);
	if (rc < 0)
	{
		sup_free_all(S);
		return -1;
	}

	stats->cells = S->ncell;
	stats->equations = S->neq;
	for (c = 0; c < S->ncell; c++)
	{
		if (S->cf[c] & CF_PRIMARY)
			stats->primaries++;
		else if (S->supp[c])
		{
			stats->secondaries++;
			if (!isinf(S->cost[c]))
				stats->cost += S->cost[c];
		}
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
		o->upl = o->lpl = o->spl = NAN;
		o->protect = -1;
		o->problem = SUP_OK;
		o->reason = SUP_R_NONE;
		o->lower = S->supp[c] ? S->lo[c] : S->val[c];
		o->upper = S->supp[c] ? S->hi[c] : S->val[c];
		if (o->status == SUP_SECONDARY)
			o->reason = (S->cf[c] & CF_PRESUPP) ? SUP_R_KEPT :
				S->val[c] == 0 ? SUP_R_ZERO : SUP_R_SECONDARY;
		if (o->status != SUP_PRIMARY)
			continue;
		o->reason = S->reason[c];
		o->upl = S->upl[c];
		o->lpl = S->lpl[c];
		o->spl = S->spl[c];
		o->required = fmax(S->spl[c], S->upl[c] + S->lpl[c]);
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
