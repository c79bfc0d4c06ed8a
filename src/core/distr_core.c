/*
 * distr_core.c - covariance matrices and the Wald test of whole
 * distributions (see distr_core.h).
 *
 * References: R survey 4.1.1 svymean(~factor(item)), svyby(covmat = TRUE),
 * svycontrast, svyrecvar / onestrat, svrVar; Wolter (2007), Introduction
 * to Variance Estimation, ch. 6; Rao and Scott (1984), Ann. Statist. 12.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <string.h>

#include "dist.h"
#include "distr_core.h"
#include "guard_core.h"
#include "rep_rank_core.h"
#include "var_core.h"

static bool
dd_same(dd_t a, dd_t b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

static bool
id_same(const Design *a, IdRef x, const Design *b, IdRef y)
{
	return x.len == y.len && memcmp(a->arena + x.off, b->arena + y.off, x.len) == 0;
}

/* the design records of part k agree with part 0 in everything but a */
static const char *
same_design(const DistrPart *p0, const DistrPart *pk)
{
	const Design *a = p0->d,
			   *b = pk->d;
	uint32_t	i;

	if (a->kind != b->kind || a->lonely != b->lonely || a->n_sample != b->n_sample ||
		a->nstrata != b->nstrata || a->npsu != b->npsu || a->nssu != b->nssu)
		return "The category tallies have different designs.";
	for (i = 0; i < a->nstrata; i++)
		if (!id_same(a, a->strata[i].id, b, b->strata[i].id) ||
			a->strata[i].n_psu != b->strata[i].n_psu || a->strata[i].popsize != b->strata[i].popsize)
			return "The category tallies have different strata.";
	for (i = 0; i < a->npsu; i++)
	{
		const PsuRec *x = &a->psu[i],
				   *y = &b->psu[i];

		if (x->stratum != y->stratum || !id_same(a, x->id, b, y->id) || x->n_ssu != y->n_ssu ||
			x->popsize2 != y->popsize2 || x->n_dom != y->n_dom || x->n_pos != y->n_pos ||
			!dd_same(x->b, y->b))
			return "The category tallies have different PSUs or PSU weights.";
	}
	for (i = 0; i < a->nssu; i++)
	{
		const SsuRec *x = &a->ssu[i],
				   *y = &b->ssu[i];

		if (x->psu != y->psu || !id_same(a, x->id, b, y->id) || x->n_dom != y->n_dom ||
			!dd_same(x->b, y->b))
			return "The category tallies have different SSUs or SSU weights.";
	}
	if (a->kind == DESIGN_STRATIFIED)
		for (i = 0; i < a->nstrata; i++)
		{
			const StratSums *x = &a->sums[i],
					   *y = &b->sums[i];

			if (x->n_dom != y->n_dom || x->n_pos != y->n_pos || !dd_same(x->b, y->b) ||
				!dd_same(x->ww, y->ww))
				return "The category tallies have different stratum weights.";
		}
	if (a->kind == DESIGN_REPLICATE)
	{
		if (!rep_spec_equal(&p0->r->spec, p0->r->rscales, &pk->r->spec, pk->r->rscales))
			return "The category tallies have different replicate specifications.";
		for (i = 0; i < p0->r->spec.nrep; i++)
			if (!dd_same(p0->r->b[i], pk->r->b[i]))
				return "The category tallies have different replicate weights.";
	}
	return NULL;
}

const char *
distr_check(const DistrPart *parts, uint32_t K)
{
	const TallyCore *c0;
	dd_t		sum = dd_from_double(0.0);
	double		W;
	uint32_t	k;

	if (K == 0)
		return "A distribution has at least one category.";
	c0 = parts[0].core;
	for (k = 0; k < K; k++)
	{
		const TallyCore *c = parts[k].core;
		const char *problem;

		if (c->kind != TALLY_PROPORTION)
			return "Every category tally is a proportion.";
		if (c->n != c0->n || c->n_missing != c0->n_missing || c->n_pos != c0->n_pos ||
			!dd_same(c->s[S_W], c0->s[S_W]) || !dd_same(c->s[S_WW], c0->s[S_WW]))
			return "The category tallies have different rows or weights.";
		if (k > 0 && (problem = same_design(&parts[0], &parts[k])) != NULL)
			return problem;
		sum = dd_add(sum, c->s[S_WY]);
	}
	/* the categories partition the rows: their weights add up to W */
	W = dd_to_double(c0->s[S_W]);
	if (fabs(dd_to_double(dd_sub(sum, c0->s[S_W]))) > 1e-12 * W)
		return "The weights of the categories do not add up to the total weight.";
	return NULL;
}

/* ---- strata and PSUs ------------------------------------------------------ */

/* score total (a - p b) / W of a unit, as design_variance forms it */
static inline double
unit_score(dd_t a, dd_t b, dd_t p, dd_t W)
{
	return dd_to_double(dd_div(dd_sub(a, dd_mul(p, b)), W));
}

static void
note_lonely(DistrCov *out, int stage, const Design *u, IdRef id)
{
	if (out->nlonely == 0)
		out->stage = stage;
	if (out->stage == stage && out->nlonely < DESIGN_MAX_REPORTED)
	{
		uint32_t	len = id.len < 64 ? id.len : 64;

		memcpy(out->lonely_key[out->nlonely], u->arena + id.off, len);
		out->lonely_len[out->nlonely] = len;
	}
	if (out->stage == stage)
		out->nlonely++;
	out->status = DESIGN_LONELY_FAIL;
}

/*
 * R svyrecvar on the GK score columns (svyby(covmat = TRUE) for G = 2):
 * the union of the groups' strata, PSUs and SSUs (a Design used as a set),
 * each unit with every group's K score totals (zero where the group has no
 * rows), then var_linearized.  df: PSUs with positive-weight rows of any
 * group minus their strata (R's degf of the union).
 */
static void
cov_cluster(const DistrPart *const *groups, uint32_t G, uint32_t K, const dd_t *p,
			double *V, DistrCov *out, DesignRealloc fn, void *ctx)
{
	uint32_t	GK = G * K;
	Design		u;
	uint32_t	cap_p = 1,
				cap_q = 1,
				g,
				i,
				k;
	double	   *zp,
			   *zq;
	unsigned char *present,
			   *pos,
			   *qpresent;
	int64_t		psus = 0,
				strata = 0;
	bool		created;

	for (g = 0; g < G; g++)
	{
		cap_p += groups[g][0].d->npsu;
		cap_q += groups[g][0].d->nssu;
	}
	design_init(&u, groups[0][0].d->kind, fn, ctx);
	u.lonely = groups[0][0].d->lonely;
	zp = fn(ctx, NULL, (size_t) cap_p * GK * sizeof(double));
	zq = fn(ctx, NULL, (size_t) cap_q * GK * sizeof(double));
	present = fn(ctx, NULL, cap_p);
	pos = fn(ctx, NULL, cap_p);
	qpresent = fn(ctx, NULL, cap_q);
	memset(zp, 0, (size_t) cap_p * GK * sizeof(double));
	memset(zq, 0, (size_t) cap_q * GK * sizeof(double));
	memset(present, 0, cap_p);
	memset(pos, 0, cap_p);
	memset(qpresent, 0, cap_q);

	for (g = 0; g < G && out->conflict == NULL; g++)
	{
		const Design *d = groups[g][0].d;
		dd_t		W = groups[g][0].core->s[S_W];
		uint32_t   *map_s = fn(ctx, NULL, ((size_t) d->nstrata + 1) * sizeof(uint32_t));
		uint32_t   *map_p = fn(ctx, NULL, ((size_t) d->npsu + 1) * sizeof(uint32_t));
		uint32_t	tick = 0;

		for (i = 0; i < d->nstrata && out->conflict == NULL; i++)
		{
			const StratumRec *s = &d->strata[i];
			uint32_t	h = design_stratum(&u, d->arena + s->id.off, s->id.len, &created);

			if (created)
			{
				u.strata[h].n_psu = s->n_psu;
				u.strata[h].popsize = s->popsize;
			}
			else if (u.strata[h].n_psu != s->n_psu || u.strata[h].popsize != s->popsize)
				out->conflict = "A stratum has different PSU counts or population sizes in the two distributions.";
			map_s[i] = h;
		}
		for (i = 0; i < d->npsu && out->conflict == NULL; i++)
		{
			const PsuRec *r = &d->psu[i];
			uint32_t	j = design_psu(&u, map_s[r->stratum], d->arena + r->id.off, r->id.len, &created);

			core_poll(&tick);
			if (created)
			{
				u.psu[j].n_ssu = r->n_ssu;
				u.psu[j].popsize2 = r->popsize2;
			}
			else if (u.psu[j].n_ssu != r->n_ssu || u.psu[j].popsize2 != r->popsize2)
				out->conflict = "A PSU has different SSU counts or population sizes in the two distributions.";
			for (k = 0; k < K; k++)
				zp[(size_t) j * GK + g * K + k] =
					unit_score(groups[g][k].d->psu[i].a, r->b, p[g * K + k], W);
			present[j] |= r->n_dom > 0;
			pos[j] |= r->n_pos > 0;
			map_p[i] = j;
		}
		for (i = 0; i < d->nssu && out->conflict == NULL; i++)
		{
			const SsuRec *q = &d->ssu[i];
			uint32_t	j = design_ssu(&u, map_p[q->psu], d->arena + q->id.off, q->id.len, &created);

			core_poll(&tick);
			for (k = 0; k < K; k++)
				zq[(size_t) j * GK + g * K + k] =
					unit_score(groups[g][k].d->ssu[i].a, q->b, p[g * K + k], W);
			qpresent[j] |= q->n_dom > 0;
		}
		fn(ctx, map_s, 0);
		fn(ctx, map_p, 0);
	}

	if (out->conflict == NULL)
	{
		VarUnits	vu;
		DesignVariance dv;
		uint32_t   *index = fn(ctx, NULL, (size_t) cap_p * sizeof(uint32_t));
		uint32_t   *stratum_of = fn(ctx, NULL, (size_t) cap_p * sizeof(uint32_t));
		uint32_t   *has = fn(ctx, NULL, ((size_t) u.nstrata + 1) * sizeof(uint32_t));
		double	   *z = fn(ctx, NULL, ((size_t) cap_p + cap_q) * GK * sizeof(double));
		int64_t    *n_sub = NULL;
		double	   *N_sub = NULL;
		uint32_t   *unit_of = NULL;
		uint32_t	m = 0,
					q = 0;

		memset(has, 0, ((size_t) u.nstrata + 1) * sizeof(uint32_t));
		for (i = 0; i < u.npsu; i++)
		{
			if (pos[i])
			{
				psus++;
				if (!has[u.psu[i].stratum]++)
					strata++;
			}
			index[i] = UINT32_MAX;
			if (!present[i])
				continue;
			index[i] = m;
			stratum_of[m] = u.psu[i].stratum;
			memcpy(z + (size_t) m * GK, zp + (size_t) i * GK, GK * sizeof(double));
			m++;
		}
		out->df = (double) (psus - strata);
		memset(&vu, 0, sizeof(vu));
		vu.K = GK;
		vu.lonely = u.lonely;
		vu.nstrata = u.nstrata;
		vu.strata = u.strata;
		vu.nunits = m;
		vu.stratum_of = stratum_of;
		vu.z = z;
		if (u.kind == DESIGN_CLUSTER2)
		{
			double	   *zs = z + (size_t) m * GK;

			n_sub = fn(ctx, NULL, ((size_t) m + 1) * sizeof(int64_t));
			N_sub = fn(ctx, NULL, ((size_t) m + 1) * sizeof(double));
			unit_of = fn(ctx, NULL, (size_t) cap_q * sizeof(uint32_t));
			for (i = 0; i < u.npsu; i++)
				if (index[i] != UINT32_MAX)
				{
					n_sub[index[i]] = u.psu[i].n_ssu;
					N_sub[index[i]] = u.psu[i].popsize2;
				}
			for (i = 0; i < u.nssu; i++)
				if (qpresent[i] && index[u.ssu[i].psu] != UINT32_MAX)
				{
					unit_of[q] = index[u.ssu[i].psu];
					memcpy(zs + (size_t) q * GK, zq + (size_t) i * GK, GK * sizeof(double));
					q++;
				}
			vu.n_sub = n_sub;
			vu.N_sub = N_sub;
			vu.nsub = q;
			vu.unit_of = unit_of;
			vu.zs = zs;
		}
		memset(&dv, 0, sizeof(dv));
		var_linearized(&vu, V, &dv, fn, ctx);
		for (k = 0; k < (uint32_t) dv.nlonely && k < DESIGN_MAX_REPORTED; k++)
		{
			if (dv.stage == 1)
				note_lonely(out, 1, &u, u.strata[dv.lonely[k]].id);
			else
				for (i = 0; i < u.npsu; i++)
					if (index[i] == dv.lonely[k])
					{
						note_lonely(out, 2, &u, u.psu[i].id);
						break;
					}
		}
		if (dv.nlonely > DESIGN_MAX_REPORTED)
			out->nlonely = dv.nlonely;
		if (dv.status == DESIGN_LONELY_FAIL)
			out->status = DESIGN_LONELY_FAIL;
		else if (dv.status == DESIGN_UNDEFINED && out->status == DESIGN_OK)
			out->status = DESIGN_UNDEFINED;
		fn(ctx, index, 0);
		fn(ctx, stratum_of, 0);
		fn(ctx, has, 0);
		fn(ctx, z, 0);
		if (n_sub)
		{
			fn(ctx, n_sub, 0);
			fn(ctx, N_sub, 0);
			fn(ctx, unit_of, 0);
		}
	}
	fn(ctx, zp, 0);
	fn(ctx, zq, 0);
	fn(ctx, present, 0);
	fn(ctx, pos, 0);
	fn(ctx, qpresent, 0);
	if (u.strata)
		fn(ctx, u.strata, 0);
	if (u.psu)
		fn(ctx, u.psu, 0);
	if (u.ssu)
		fn(ctx, u.ssu, 0);
	if (u.arena)
		fn(ctx, u.arena, 0);
	if (u.hash_s)
		fn(ctx, u.hash_s, 0);
	if (u.hash_p)
		fn(ctx, u.hash_p, 0);
	if (u.hash_q)
		fn(ctx, u.hash_q, 0);
}

/* ---- replicates ----------------------------------------------------------- */

typedef struct RepCols
{
	const DistrPart *const *groups;
	uint32_t	K;
} RepCols;

/* column g K + k of replicate r: a_rk / b_r of group g; NaN without weight */
static double
rep_col(const void *arg, uint32_t r, uint32_t col)
{
	const RepCols *c = arg;
	const RepAcc *ra = c->groups[col / c->K][col % c->K].r;

	if (ra->b[r].hi == 0)
		return NAN;
	return dd_to_double(dd_div(ra->a[r], ra->b[r]));
}

/* ---- closed forms: weights only, strata without clusters ------------------ */

/*
 * One stratum of rows that are their own PSUs (R's onestrat), for score
 * columns x and y, unscaled as stratified_core's strat_term: sx = sum z^x
 * W_x, sy likewise, sxy = sum z^x z^y W_x W_y, wxy = W_x W_y:
 *   centred: f n/(n-1) (sxy - sx sy / n) / wxy; adjust: f sx sy / wxy;
 * *rule receives the rule (var_core.c's var_rule, R's order).
 */
static double
rows_term(dd_t sx, dd_t sy, dd_t sxy, dd_t wxy, int64_t n, double N, int lonely, VarRule *rule)
{
	double		scale;

	*rule = var_rule(n, N, lonely, &scale);
	if (*rule == VAR_LONELY_ADJUST)
		return scale * dd_to_double(dd_div(dd_mul(sx, sy), wxy));
	if (*rule != VAR_CENTRED)
		return 0.0;
	return scale * dd_to_double(dd_div(dd_sub(sxy, dd_div(dd_mul(sx, sy), dd_from_double((double) n))), wxy));
}

/*
 * sum over the rows of w^2 (y_x - p_x)(y_y - p_y), the rows of categories
 * x and y of groups gx and gy: wwy_x is the sum of w^2 over x's rows; two
 * different categories or groups share no row (y_x y_y = 0), so
 *   x = y:  wwy_x (1 - 2 p_x) + p_x^2 ww
 *   x != y: - p_y wwy_x - p_x wwy_y + p_x p_y ww (ww over the rows of both
 *           groups: ww_x only when the groups are the same, else 0 since
 *           no row is in both)
 */
static dd_t
cross_rows(bool same_cat, bool same_group, dd_t wwy_x, dd_t wwy_y, dd_t ww, dd_t px, dd_t py)
{
	dd_t		r;

	if (same_cat)
		return dd_add(dd_sub(wwy_x, dd_mul_d(dd_mul(px, wwy_x), 2.0)), dd_mul(dd_mul(px, px), ww));
	if (!same_group)
		return dd_from_double(0.0);
	r = dd_neg(dd_add(dd_mul(py, wwy_x), dd_mul(px, wwy_y)));
	return dd_add(r, dd_mul(dd_mul(px, py), ww));
}

/*
 * Weights only: one stratum of N one-row PSUs (N = n_sample for a domain,
 * the rows of the tally otherwise); the scores of a domain add up to zero,
 * so V_xy = N/(N-1) sum w^2 (y_x - p_x)(y_y - p_y) / (W_x W_y), which is 0
 * for two groups (disjoint rows).  Independent samples (two weights-only
 * tallies without n_sample) have no covariance either.
 */
static void
cov_weights(const DistrPart *const *groups, uint32_t G, uint32_t K, const dd_t *p,
			double *V, DistrCov *out)
{
	uint32_t	GK = G * K,
				x,
				y,
				tick = 0;

	out->df = 0;
	for (x = 0; x < G; x++)
	{
		const TallyCore *c = groups[x][0].core;
		double		df = c->n_pos > 1 ? (double) (c->n_pos - 1) : 0.0;

		out->df += x == 0 ? df : df + 1;
	}
	for (x = 0; x < GK; x++)
		for (y = x; y < GK; y++)
		{
			uint32_t	gx = x / K,
						gy = y / K;
			const TallyCore *cx = groups[gx][x % K].core,
					   *cy = groups[gy][y % K].core;
			const Design *d = groups[gx][0].d;
			double		N,
						v;

			core_poll(&tick);
			N = d->kind == DESIGN_WEIGHTS_DOMAIN ? (double) d->n_sample :
				(double) (cx->n + cx->n_missing);

			if (gx != gy)
				v = 0.0;
			else if (N < 2)
				v = NAN;
			else
			{
				dd_t		dev = cross_rows(x == y, true, cx->s[S_WWY], cy->s[S_WWY], cx->s[S_WW],
											 p[x], p[y]);

				if (x == y && dev.hi < 0)
					dev = dd_from_double(0.0);
				v = N / (N - 1) * dd_to_double(dd_div(dev, dd_mul(cx->s[S_W], cy->s[S_W])));
			}
			if (isnan(v) && out->status == DESIGN_OK)
				out->status = DESIGN_UNDEFINED;
			V[x * GK + y] = V[y * GK + x] = v;
		}
}

/*
 * Strata without clusters: each stratum's rows_term for every pair of
 * columns, over the union of the groups' strata (matched by identifier;
 * a stratum without rows of a group has zero sums for it); "average"
 * rescales by H/(H - H_excluded) over the strata with rows.
 */
static void
cov_stratified(const DistrPart *const *groups, uint32_t G, uint32_t K, const dd_t *p,
			   double *V, DistrCov *out, DesignRealloc fn, void *ctx)
{
	uint32_t	GK = G * K,
				g,
				h,
				x,
				y,
				tick = 0;
	const Design *d0 = groups[0][0].d;
	/* per group, the index of each stratum of group 0's union ... */
	uint32_t   *at[2] = {NULL, NULL};
	Design		u;
	bool		created;
	int64_t		H = 0,
				H_excl = 0,
				rows = 0,
				strata = 0;
	dd_t	   *sx = fn(ctx, NULL, ((size_t) GK + 1) * sizeof(dd_t));

	memset(V, 0, (size_t) GK * GK * sizeof(double));
	design_init(&u, DESIGN_WEIGHTS, fn, ctx);
	/* the union of strata; at[g][h] = the group's stratum index or UINT32_MAX */
	for (g = 0; g < G; g++)
	{
		const Design *d = groups[g][0].d;

		for (h = 0; h < d->nstrata; h++)
		{
			uint32_t	s = design_stratum(&u, d->arena + d->strata[h].id.off, d->strata[h].id.len, &created);

			if (created)
			{
				u.strata[s].n_psu = d->strata[h].n_psu;
				u.strata[s].popsize = d->strata[h].popsize;
			}
			else if (u.strata[s].n_psu != d->strata[h].n_psu || u.strata[s].popsize != d->strata[h].popsize)
				out->conflict = "A stratum has different row counts or population sizes in the two distributions.";
		}
	}
	for (g = 0; g < G; g++)
	{
		const Design *d = groups[g][0].d;

		at[g] = fn(ctx, NULL, ((size_t) u.nstrata + 1) * sizeof(uint32_t));
		for (h = 0; h < u.nstrata; h++)
			at[g][h] = UINT32_MAX;
		for (h = 0; h < d->nstrata; h++)
			at[g][design_stratum(&u, d->arena + d->strata[h].id.off, d->strata[h].id.len, &created)] = h;
	}
	for (h = 0; h < u.nstrata && out->conflict == NULL; h++)
	{
		bool		any = false,
					fail = false,
					excl = false;
		int64_t		pos = 0;

		core_poll(&tick);
		for (x = 0; x < GK; x++)
		{
			g = x / K;
			if (at[g][h] == UINT32_MAX)
				sx[x] = dd_from_double(0.0);
			else
			{
				const StratSums *s = &groups[g][x % K].d->sums[at[g][h]];

				sx[x] = dd_sub(s->a, dd_mul(p[x], s->b));
				if (x % K == 0)
				{
					any |= s->n_dom > 0;
					pos += s->n_pos;
				}
			}
		}
		if (pos > 0)
		{
			rows += pos;
			strata++;
		}
		/* two groups of one sample share no row: their rows fit the stratum */
		if (G == 2 && at[0][h] != UINT32_MAX && at[1][h] != UINT32_MAX &&
			groups[0][0].d->sums[at[0][h]].n_dom + groups[1][0].d->sums[at[1][h]].n_dom > u.strata[h].n_psu)
		{
			out->conflict = "The two groups have more rows in a stratum than the stratum has: they overlap.";
			break;
		}
		if (!any)
			continue;
		H++;
		for (x = 0; x < GK; x++)
			for (y = x; y < GK; y++)
			{
				uint32_t	gx = x / K,
							gy = y / K;
				const StratSums *s = at[gx][h] == UINT32_MAX ? NULL : &groups[gx][x % K].d->sums[at[gx][h]];
				const StratSums *t = at[gy][h] == UINT32_MAX ? NULL : &groups[gy][y % K].d->sums[at[gy][h]];
				dd_t		zero = dd_from_double(0.0);
				dd_t		sxy;
				VarRule		rule;
				double		v;

				core_poll(&tick);
				if (s == NULL || t == NULL)
					sxy = zero;
				else
					sxy = cross_rows(x == y, gx == gy, s->wwy, t->wwy, s->ww, p[x], p[y]);
				v = rows_term(sx[x], sx[y], sxy,
							  dd_mul(groups[gx][0].core->s[S_W], groups[gy][0].core->s[S_W]),
							  u.strata[h].n_psu, u.strata[h].popsize, d0->lonely, &rule);
				if (x == y && v < 0)
					v = 0;
				V[x * GK + y] += v;
				if (y != x)
					V[y * GK + x] += v;
				if (x == 0 && y == 0)
				{
					fail = rule == VAR_LONELY_FAIL;
					excl = rule == VAR_LONELY_EXCLUDE;
				}
			}
		if (fail)
			note_lonely(out, 1, &u, u.strata[h].id);
		if (excl)
			H_excl++;
	}
	out->df = (double) (rows - strata);
	if (H_excl > 0)
	{
		if (H_excl == H && out->status == DESIGN_OK)
			out->status = DESIGN_UNDEFINED;
		var_average(V, GK, (int) H, (int) H_excl);
	}
	for (g = 0; g < G; g++)
		fn(ctx, at[g], 0);
	fn(ctx, sx, 0);
	if (u.strata)
		fn(ctx, u.strata, 0);
	if (u.arena)
		fn(ctx, u.arena, 0);
	if (u.hash_s)
		fn(ctx, u.hash_s, 0);
}

/*
 * R's degf of a replicate design's domain(s): one distribution, the rank
 * of its rows' replicate weights (kept by every category tally; they share
 * the rows) - 1; two groups of one sample, the rank of the union of their
 * rows (degf(subset(design, group %in% c(a, b)))), from their Gram
 * matrices (rep_df_union).  A df given in the spec wins; a rank not
 * tracked gives R - 1.
 */
static double
distr_rep_df(const DistrPart *const *groups, uint32_t G, DesignRealloc fn, void *ctx)
{
	const RepAcc *r0 = groups[0][0].r;
	double	   *work = NULL,
				df;

	if (G == 1)
		return rep_df(r0);
	if (rep_rank_union_needs(r0, groups[1][0].r))
		work = fn(ctx, NULL, rep_union_work_len(r0->spec.nrep) * sizeof(double));
	df = rep_df_union(r0, groups[1][0].r, work);
	if (work)
		fn(ctx, work, 0);
	return df;
}

void
distr_cov(const DistrPart *const *groups, uint32_t G, uint32_t K, double *V, DistrCov *out,
		  DesignRealloc fn, void *ctx)
{
	uint32_t	GK = G * K,
				g,
				k,
				i;
	dd_t	   *p = fn(ctx, NULL, ((size_t) GK + 1) * sizeof(dd_t));
	int			kind = groups[0][0].d->kind;

	memset(out, 0, sizeof(*out));
	out->df = NAN;
	for (i = 0; i < GK * GK; i++)
		V[i] = NAN;
	for (g = 0; g < G; g++)
	{
		const TallyCore *c = groups[g][0].core;

		if (groups[g][0].d->kind != kind)
			out->conflict = "The distributions have different design kinds.";
		if (c->n_pos == 0 || !(c->s[S_W].hi > 0))
			out->status = DESIGN_UNDEFINED;
		for (k = 0; k < K; k++)
			p[g * K + k] = c->n_pos == 0 || !(c->s[S_W].hi > 0) ? dd_from_double(0.0) :
				dd_div(groups[g][k].core->s[S_WY], c->s[S_W]);
	}
	if (G == 2 && out->conflict == NULL && kind == DESIGN_WEIGHTS_DOMAIN &&
		groups[0][0].d->n_sample != groups[1][0].d->n_sample)
		out->conflict = "The distributions come from samples of different sizes (n_sample).";
	else if (G == 2 && out->conflict == NULL && kind == DESIGN_WEIGHTS_DOMAIN &&
			 groups[0][0].core->n + groups[0][0].core->n_missing +
			 groups[1][0].core->n + groups[1][0].core->n_missing > groups[0][0].d->n_sample)
		out->conflict = "The two groups have more rows than the sample: they overlap.";
	if (out->conflict != NULL || out->status != DESIGN_OK)
	{
		fn(ctx, p, 0);
		return;
	}
	switch (kind)
	{
		case DESIGN_WEIGHTS:
		case DESIGN_WEIGHTS_DOMAIN:
			cov_weights(groups, G, K, p, V, out);
			break;
		case DESIGN_STRATIFIED:
			cov_stratified(groups, G, K, p, V, out, fn, ctx);
			break;
		case DESIGN_REPLICATE:
			{
				RepCols		rc = {groups, K};
				const RepAcc *r0 = groups[0][0].r;
				double	   *centre = fn(ctx, NULL, ((size_t) GK + 1) * sizeof(double));
				double	   *work = fn(ctx, NULL, ((size_t) GK + 1) * sizeof(double));

				for (g = 1; g < G; g++)
					if (!rep_spec_equal(&r0->spec, r0->rscales, &groups[g][0].r->spec,
										groups[g][0].r->rscales))
						out->conflict = "The distributions have different replicate specifications.";
				if (out->conflict == NULL)
				{
					for (i = 0; i < GK; i++)
						centre[i] = dd_to_double(p[i]);
					if (var_replicate(rep_col, &rc, r0->spec.nrep, GK, r0->spec.scale, r0->rscales,
									  r0->spec.mse ? centre : NULL, V, work) == 0)
						out->status = DESIGN_UNDEFINED;
					out->df = distr_rep_df(groups, G, fn, ctx);
					for (i = 0; i < GK * GK; i++)
						if (!isfinite(V[i]))
							V[i] = NAN;
				}
				fn(ctx, centre, 0);
				fn(ctx, work, 0);
			}
			break;
		default:
			cov_cluster(groups, G, K, p, V, out, fn, ctx);
			break;
	}
	if (out->status == DESIGN_LONELY_FAIL)
		for (i = 0; i < GK * GK; i++)
			V[i] = NAN;
	for (i = 0; i < GK * GK && out->status == DESIGN_OK; i++)
		if (isnan(V[i]))
			out->status = DESIGN_UNDEFINED;
	fn(ctx, p, 0);
}

/* ---- the Wald test -------------------------------------------------------- */

/*
 * X^2 = d' S^-1 d on the first q = K - 1 categories (the proportions of a
 * distribution add up to 1, so S has rank at most K - 1 and the last
 * category adds nothing): Cholesky S_q = L L', solve L u = d, X^2 = u'u.
 * R: with svycontrast's estimate d and covariance S,
 * t(d[-K]) %*% solve(S[-K, -K], d[-K]); p = pchisq(X2, K - 1, lower = FALSE),
 * F = X2 / (K - 1), p = pf(F, K - 1, ddf, lower = FALSE) (the Wald F of
 * regTermTest(method = "Wald") with df = ddf).
 */
bool
distr_wald(const double *d, const double *S, uint32_t K, double ddf, double *work,
		   DistrTest *out)
{
	uint32_t	q = K - 1,
				i,
				j,
				k,
				tick = 0;
	double	   *L = work,
			   *u = work + (size_t) K * K;
	double		x2 = 0;

	out->chisq = out->p_chisq = out->f = out->p_f = NAN;
	out->ndf = (double) q;
	out->ddf = ddf;
	if (K < 2)
		return false;
	for (i = 0; i < q; i++)
		for (j = 0; j <= i; j++)
		{
			double		s = S[i * K + j];

			core_poll(&tick);
			for (k = 0; k < j; k++)
				s -= L[i * q + k] * L[j * q + k];
			if (i == j)
			{
				/* not positive definite: a direction without variance */
				if (!(s > 1e-14 * fabs(S[i * K + i])) || !(s > 0))
					return false;
				L[i * q + i] = sqrt(s);
			}
			else
				L[i * q + j] = s / L[j * q + j];
		}
	for (i = 0; i < q; i++)
	{
		double		s = d[i];

		for (k = 0; k < i; k++)
			s -= L[i * q + k] * u[k];
		u[i] = s / L[i * q + i];
		x2 += u[i] * u[i];
	}
	out->chisq = x2;
	out->p_chisq = dist_pchisq_upper(x2, (double) q);
	out->f = x2 / (double) q;
	if (ddf > 0 && isfinite(ddf))
		out->p_f = dist_pf_upper(out->f, (double) q, ddf);
	return true;
}

/* ---- the Rao-Scott test of two groups (svychisq) -------------------------- */

/*
 * Strata and PSUs: the union of the two groups' PSUs (a Design used as a
 * set), each present PSU (domain rows in either group) with the weight sums
 * of its 2K cells, grouped by stratum for chisq_compute; absent PSUs are
 * zero padding through n_psu.
 */
static ChisqStatus
chisq_cluster_groups(const DistrPart *const *groups, uint32_t K, int statistic,
					 DesignRealloc fn, void *ctx, ChisqTable *t, ChisqResult *res,
					 DistrCov *info)
{
	uint32_t	C = 2 * K,
				cap_p = groups[0][0].d->npsu + groups[1][0].d->npsu + 1,
				g,
				i,
				j,
				k,
				h,
				np = 0,
				ns = 0,
				tick = 0;
	Design		u;
	double	   *cw;
	unsigned char *present,
			   *pos;
	uint32_t   *first,
			   *order,
			   *fill;
	ChisqStratum *strata;
	uint64_t   *psu_first;
	uint32_t   *entry_cell;
	double	   *entry_w;
	uint64_t	ne = 0;
	int64_t		psus = 0,
				nstr = 0;
	bool		created;
	ChisqStatus st;

	design_init(&u, DESIGN_CLUSTER, fn, ctx);
	u.lonely = groups[0][0].d->lonely;
	cw = fn(ctx, NULL, (size_t) cap_p * C * sizeof(double));
	present = fn(ctx, NULL, cap_p);
	pos = fn(ctx, NULL, cap_p);
	memset(cw, 0, (size_t) cap_p * C * sizeof(double));
	memset(present, 0, cap_p);
	memset(pos, 0, cap_p);
	for (g = 0; g < 2 && info->conflict == NULL; g++)
	{
		const Design *d = groups[g][0].d;
		uint32_t   *map_s = fn(ctx, NULL, ((size_t) d->nstrata + 1) * sizeof(uint32_t));

		for (i = 0; i < d->nstrata && info->conflict == NULL; i++)
		{
			const StratumRec *s = &d->strata[i];

			h = design_stratum(&u, d->arena + s->id.off, s->id.len, &created);
			if (created)
			{
				u.strata[h].n_psu = s->n_psu;
				u.strata[h].popsize = s->popsize;
			}
			else if (u.strata[h].n_psu != s->n_psu || u.strata[h].popsize != s->popsize)
				info->conflict = "A stratum has different PSU counts or population sizes in the two distributions.";
			map_s[i] = h;
		}
		for (i = 0; i < d->npsu && info->conflict == NULL; i++)
		{
			const PsuRec *r = &d->psu[i];

			core_poll(&tick);
			j = design_psu(&u, map_s[r->stratum], d->arena + r->id.off, r->id.len, &created);
			for (k = 0; k < K; k++)
				cw[(size_t) j * C + g * K + k] = dd_to_double(groups[g][k].d->psu[i].a);
			present[j] |= r->n_dom > 0;
			pos[j] |= r->n_pos > 0;
		}
		fn(ctx, map_s, 0);
	}
	if (info->conflict != NULL)
		return CHISQ_OK;

	/* present PSUs grouped by stratum (a counting sort), then their cells */
	first = fn(ctx, NULL, ((size_t) u.nstrata + 2) * sizeof(uint32_t));
	fill = fn(ctx, NULL, ((size_t) u.nstrata + 2) * sizeof(uint32_t));
	order = fn(ctx, NULL, ((size_t) u.npsu + 1) * sizeof(uint32_t));
	memset(first, 0, ((size_t) u.nstrata + 2) * sizeof(uint32_t));
	memset(fill, 0, ((size_t) u.nstrata + 2) * sizeof(uint32_t));
	for (j = 0; j < u.npsu; j++)
		if (present[j])
		{
			first[u.psu[j].stratum + 1]++;
			for (k = 0; k < C; k++)
				ne += cw[(size_t) j * C + k] != 0;
		}
	for (h = 0; h < u.nstrata; h++)
		first[h + 1] += first[h];
	for (j = 0; j < u.npsu; j++)
		if (present[j])
			order[first[u.psu[j].stratum] + fill[u.psu[j].stratum]++] = j;
	{
		int64_t    *hs = fn(ctx, NULL, ((size_t) u.nstrata + 1) * sizeof(int64_t));

		memset(hs, 0, ((size_t) u.nstrata + 1) * sizeof(int64_t));
		for (j = 0; j < u.npsu; j++)
			if (pos[j])
			{
				psus++;
				if (!hs[u.psu[j].stratum]++)
					nstr++;
			}
		fn(ctx, hs, 0);
	}
	strata = fn(ctx, NULL, ((size_t) u.nstrata + 1) * sizeof(ChisqStratum));
	psu_first = fn(ctx, NULL, ((size_t) u.npsu + 2) * sizeof(uint64_t));
	entry_cell = fn(ctx, NULL, ((size_t) ne + 1) * sizeof(uint32_t));
	entry_w = fn(ctx, NULL, ((size_t) ne + 1) * sizeof(double));
	ne = 0;
	for (h = 0; h < u.nstrata; h++)
	{
		if (first[h + 1] == first[h])
			continue;
		strata[ns].n_psu = u.strata[h].n_psu;
		strata[ns].popsize = u.strata[h].popsize;
		strata[ns].psu_begin = np;
		for (i = first[h]; i < first[h + 1]; i++)
		{
			j = order[i];
			core_poll(&tick);
			psu_first[np++] = ne;
			for (k = 0; k < C; k++)
				if (cw[(size_t) j * C + k] != 0)
				{
					entry_cell[ne] = k;
					entry_w[ne++] = cw[(size_t) j * C + k];
				}
		}
		strata[ns].psu_end = np;
		fill[ns++] = h;			/* the union stratum of table stratum ns */
	}
	psu_first[np] = ne;
	t->design = CHISQ_DESIGN_CLUSTER;
	t->nstrata = ns;
	t->strata = strata;
	t->npsu = np;
	t->psu_first = psu_first;
	t->entry_cell = entry_cell;
	t->entry_w = entry_w;
	t->lonely = u.lonely;
	t->nu = (double) (psus - nstr);
	info->df = t->nu;
	st = chisq_compute(t, statistic, fn, ctx, res);
	if (st == CHISQ_LONELY)
	{
		info->nlonely = 0;
		note_lonely(info, 1, &u, u.strata[fill[res->lonely_stratum]].id);
	}
	fn(ctx, cw, 0);
	fn(ctx, present, 0);
	fn(ctx, pos, 0);
	fn(ctx, first, 0);
	fn(ctx, fill, 0);
	fn(ctx, order, 0);
	fn(ctx, strata, 0);
	fn(ctx, psu_first, 0);
	fn(ctx, entry_cell, 0);
	fn(ctx, entry_w, 0);
	if (u.strata)
		fn(ctx, u.strata, 0);
	if (u.psu)
		fn(ctx, u.psu, 0);
	if (u.arena)
		fn(ctx, u.arena, 0);
	if (u.hash_s)
		fn(ctx, u.hash_s, 0);
	if (u.hash_p)
		fn(ctx, u.hash_p, 0);
	return st;
}

ChisqStatus
distr_chisq(const DistrPart *a, const DistrPart *b, uint32_t K, int statistic,
			DesignRealloc fn, void *ctx, ChisqResult *res, DistrCov *info, bool *supported)
{
	const DistrPart *groups[2] = {a, b};
	ChisqTable	t;
	double	   *total = fn(ctx, NULL, ((size_t) 2 * K + 1) * sizeof(double));
	uint32_t	g,
				k;
	int			kind = a[0].d->kind;
	ChisqStatus st = CHISQ_OK;

	memset(info, 0, sizeof(*info));
	memset(&t, 0, sizeof(t));
	memset(res, 0, sizeof(*res));
	info->df = NAN;
	*supported = (kind == DESIGN_CLUSTER || kind == DESIGN_REPLICATE) && b[0].d->kind == kind;
	if (!*supported)
	{
		fn(ctx, total, 0);
		return CHISQ_OK;
	}
	for (g = 0; g < 2; g++)
		for (k = 0; k < K; k++)
			total[g * K + k] = dd_to_double(groups[g][k].core->s[S_WY]);
	t.r = (int) K;
	t.c = 2;
	t.N = (double) (a[0].core->n + b[0].core->n);
	t.total = total;
	if (kind == DESIGN_REPLICATE)
	{
		const RepAcc *r0 = a[0].r;
		uint32_t	R = r0->spec.nrep,
					r;
		double	   *tr;

		if (!rep_spec_equal(&r0->spec, r0->rscales, &b[0].r->spec, b[0].r->rscales))
		{
			info->conflict = "The distributions have different replicate specifications.";
			fn(ctx, total, 0);
			return CHISQ_OK;
		}
		tr = fn(ctx, NULL, ((size_t) 2 * K * R + 1) * sizeof(double));
		for (g = 0; g < 2; g++)
			for (k = 0; k < K; k++)
				for (r = 0; r < R; r++)
					tr[((size_t) g * K + k) * R + r] = dd_to_double(groups[g][k].r->a[r]);
		t.design = CHISQ_DESIGN_REPLICATE;
		t.nrep = R;
		t.rep_total = tr;
		t.rscales = r0->rscales;
		t.scale = r0->spec.scale;
		t.mse = r0->spec.mse;
		t.nu = distr_rep_df(groups, 2, fn, ctx);
		info->df = t.nu;
		st = chisq_compute(&t, statistic, fn, ctx, res);
		fn(ctx, tr, 0);
	}
	else
		st = chisq_cluster_groups(groups, K, statistic, fn, ctx, &t, res, info);
	fn(ctx, total, 0);
	return st;
}
