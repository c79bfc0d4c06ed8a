/*
 * compare_core.c - covariance of two domain estimates, difference tests and
 * multiple-comparison adjustment.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_core.h"
#include "sort_core.h"
#include "var_core.h"
#include "dist.h"

/* score total (a - p b) / W of a unit */
static inline double
unit_score(dd_t a, dd_t b, dd_t p, dd_t W)
{
	return dd_to_double(dd_div(dd_sub(a, dd_mul(p, b)), W));
}

static void
note_lonely(PairCov *out, int stage, const Design *u, IdRef id)
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

void
design_pair_cov(const Design *da, const TallyCore *ca, const Design *db,
				const TallyCore *cb, DesignRealloc fn, void *ctx, PairCov *out)
{
	Design		u;
	uint32_t   *map_sa,
			   *map_sb,
			   *map_pa,
			   *map_pb;
	uint32_t	cap_p = da->npsu + db->npsu + 1;
	uint32_t	cap_q = da->nssu + db->nssu + 1;
	double	   *za,
			   *zb,
			   *qa,
			   *qb;
	unsigned char *present,
			   *pos,
			   *qpresent;
	dd_t		pa_,
				pb_;
	uint32_t	i,
				h;
	bool		created;
	int64_t		psus = 0,
				strata = 0;

	memset(out, 0, sizeof(*out));
	out->var_a = out->var_b = out->cov = NAN;
	if (ca->n_pos == 0 || cb->n_pos == 0 || !(ca->s[S_W].hi > 0) || !(cb->s[S_W].hi > 0))
	{
		out->status = DESIGN_UNDEFINED;
		return;
	}
	pa_ = dd_div(ca->s[S_WY], ca->s[S_W]);
	pb_ = dd_div(cb->s[S_WY], cb->s[S_W]);

	design_init(&u, da->kind, fn, ctx);
	u.lonely = da->lonely;
	map_sa = fn(ctx, NULL, (da->nstrata + 1) * sizeof(uint32_t));
	map_sb = fn(ctx, NULL, (db->nstrata + 1) * sizeof(uint32_t));
	map_pa = fn(ctx, NULL, (da->npsu + 1) * sizeof(uint32_t));
	map_pb = fn(ctx, NULL, (db->npsu + 1) * sizeof(uint32_t));
	za = fn(ctx, NULL, cap_p * sizeof(double));
	zb = fn(ctx, NULL, cap_p * sizeof(double));
	qa = fn(ctx, NULL, cap_q * sizeof(double));
	qb = fn(ctx, NULL, cap_q * sizeof(double));
	present = fn(ctx, NULL, cap_p);
	pos = fn(ctx, NULL, cap_p);
	qpresent = fn(ctx, NULL, cap_q);
	memset(za, 0, cap_p * sizeof(double));
	memset(zb, 0, cap_p * sizeof(double));
	memset(qa, 0, cap_q * sizeof(double));
	memset(qb, 0, cap_q * sizeof(double));
	memset(present, 0, cap_p);
	memset(pos, 0, cap_p);
	memset(qpresent, 0, cap_q);

	/* the union of strata and PSUs, with each domain's score totals */
	for (i = 0; i < da->nstrata; i++)
	{
		const StratumRec *s = &da->strata[i];

		h = design_stratum(&u, da->arena + s->id.off, s->id.len, &created);
		u.strata[h].n_psu = s->n_psu;
		u.strata[h].popsize = s->popsize;
		map_sa[i] = h;
	}
	for (i = 0; i < db->nstrata && out->conflict == NULL; i++)
	{
		const StratumRec *s = &db->strata[i];

		h = design_stratum(&u, db->arena + s->id.off, s->id.len, &created);
		if (created)
		{
			u.strata[h].n_psu = s->n_psu;
			u.strata[h].popsize = s->popsize;
		}
		else if (u.strata[h].n_psu != s->n_psu || u.strata[h].popsize != s->popsize)
			out->conflict = "A stratum has different PSU counts or population sizes in the two tallies.";
		map_sb[i] = h;
	}
	for (i = 0; i < da->npsu && out->conflict == NULL; i++)
	{
		const PsuRec *p = &da->psu[i];
		uint32_t	j = design_psu(&u, map_sa[p->stratum], da->arena + p->id.off, p->id.len, &created);

		u.psu[j].n_ssu = p->n_ssu;
		u.psu[j].popsize2 = p->popsize2;
		za[j] = unit_score(p->a, p->b, pa_, ca->s[S_W]);
		present[j] |= p->n_dom > 0;
		pos[j] |= p->n_pos > 0;
		map_pa[i] = j;
	}
	for (i = 0; i < db->npsu && out->conflict == NULL; i++)
	{
		const PsuRec *p = &db->psu[i];
		uint32_t	j = design_psu(&u, map_sb[p->stratum], db->arena + p->id.off, p->id.len, &created);

		if (created)
		{
			u.psu[j].n_ssu = p->n_ssu;
			u.psu[j].popsize2 = p->popsize2;
		}
		else if (u.psu[j].n_ssu != p->n_ssu || u.psu[j].popsize2 != p->popsize2)
			out->conflict = "A PSU has different SSU counts or population sizes in the two tallies.";
		zb[j] = unit_score(p->a, p->b, pb_, cb->s[S_W]);
		present[j] |= p->n_dom > 0;
		pos[j] |= p->n_pos > 0;
		map_pb[i] = j;
	}
	/* SSUs (two-stage designs): each SSU's two score totals */
	for (i = 0; i < da->nssu && out->conflict == NULL; i++)
	{
		const SsuRec *q = &da->ssu[i];
		uint32_t	k = design_ssu(&u, map_pa[q->psu], da->arena + q->id.off, q->id.len, &created);

		qa[k] = unit_score(q->a, q->b, pa_, ca->s[S_W]);
		qpresent[k] |= q->n_dom > 0;
	}
	for (i = 0; i < db->nssu && out->conflict == NULL; i++)
	{
		const SsuRec *q = &db->ssu[i];
		uint32_t	k = design_ssu(&u, map_pb[q->psu], db->arena + q->id.off, q->id.len, &created);

		qb[k] = unit_score(q->a, q->b, pb_, cb->s[S_W]);
		qpresent[k] |= q->n_dom > 0;
	}

	if (out->conflict == NULL)
	{
		/* the present PSUs (and SSUs) with both domains' score totals */
		VarUnits	vu;
		DesignVariance dv;
		double		V[4];
		uint32_t   *index = fn(ctx, NULL, cap_p * sizeof(uint32_t));
		uint32_t   *stratum_of = fn(ctx, NULL, cap_p * sizeof(uint32_t));
		uint32_t   *has = fn(ctx, NULL, (u.nstrata + 1) * sizeof(uint32_t));
		double	   *z = fn(ctx, NULL, (size_t) 2 * (cap_p + cap_q) * sizeof(double));
		int64_t    *n_sub = NULL;
		double	   *N_sub = NULL;
		uint32_t   *unit_of = NULL;
		uint32_t	m = 0,
					q = 0,
					k;

		memset(has, 0, (u.nstrata + 1) * sizeof(uint32_t));
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
			z[2 * m] = za[i];
			z[2 * m + 1] = zb[i];
			m++;
		}
		out->df_union = (double) (psus - strata);
		memset(&vu, 0, sizeof(vu));
		vu.K = 2;
		vu.lonely = u.lonely;
		vu.nstrata = u.nstrata;
		vu.strata = u.strata;
		vu.nunits = m;
		vu.stratum_of = stratum_of;
		vu.z = z;
		if (u.kind == DESIGN_CLUSTER2)
		{
			double	   *zs = z + 2 * (size_t) m;

			n_sub = fn(ctx, NULL, ((size_t) m + 1) * sizeof(int64_t));
			N_sub = fn(ctx, NULL, ((size_t) m + 1) * sizeof(double));
			unit_of = fn(ctx, NULL, cap_q * sizeof(uint32_t));
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
					zs[2 * q] = qa[i];
					zs[2 * q + 1] = qb[i];
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
		/* lonely units, by identifier: strata at stage 1, PSUs at stage 2 */
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
		if (out->status == DESIGN_OK)
		{
			out->var_a = V[0];
			out->var_b = V[3];
			out->cov = V[1];
			if (isnan(V[0]) || isnan(V[3]) || isnan(V[1]))
				out->status = DESIGN_UNDEFINED;
		}
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
	fn(ctx, map_sa, 0);
	fn(ctx, map_sb, 0);
	fn(ctx, map_pa, 0);
	fn(ctx, map_pb, 0);
	fn(ctx, za, 0);
	fn(ctx, zb, 0);
	fn(ctx, qa, 0);
	fn(ctx, qb, 0);
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

/* replicate i's estimates of the two domains, NaN where either has no weight */
typedef struct PairTheta
{
	const RepAcc *a;
	const RepAcc *b;
} PairTheta;

static double
pair_theta(const void *arg, uint32_t i, uint32_t k)
{
	const PairTheta *t = arg;
	const RepAcc *r = k == 0 ? t->a : t->b;

	if (t->a->b[i].hi == 0 || t->b->b[i].hi == 0)
		return NAN;
	return dd_to_double(dd_div(r->a[i], r->b[i]));
}

/*
 * svrVar of the 2-column matrix of replicate estimates (R's svyby with
 * covmat = TRUE on a replicate design): replicates where either domain has
 * no weight are left out of all three terms.
 */
void
rep_pair_cov(const RepAcc *ra, double est_a, const RepAcc *rb, double est_b, PairCov *out)
{
	PairTheta	arg = {ra, rb};
	double		V[4],
				work[2],
				centre[2] = {est_a, est_b};

	memset(out, 0, sizeof(*out));
	if (var_replicate(pair_theta, &arg, ra->spec.nrep, 2, ra->spec.scale, ra->rscales,
					  ra->spec.mse ? centre : NULL, V, work) == 0)
	{
		out->status = DESIGN_UNDEFINED;
		out->var_a = out->var_b = out->cov = NAN;
		return;
	}
	out->var_a = V[0];
	out->var_b = V[3];
	out->cov = V[1];
	out->df_union = rep_df(ra);
}

double
wonly_part_cov(const TallyCore *a, const TallyCore *b, double N)
{
	dd_t		pa = dd_div(a->s[S_WY], a->s[S_W]);
	dd_t		pb = dd_div(b->s[S_WY], b->s[S_W]);
	dd_t		s;

	/* sum_a w^2 y^2 - (p_a + p_b) sum_a w^2 y + p_a p_b sum_a w^2 */
	s = dd_sub(tally_sum(a, S_WWYY), dd_mul(dd_add(pa, pb), a->s[S_WWY]));
	s = dd_add(s, dd_mul(dd_mul(pa, pb), a->s[S_WW]));
	return N / (N - 1) * dd_to_double(dd_div(s, dd_mul(a->s[S_W], b->s[S_W])));
}

void
diff_compute(double est_a, double est_b, double var_a, double var_b, double cov,
			 double df, double level, DiffResult *out)
{
	double		v = var_a + var_b - 2 * cov;
	double		t;

	out->difference = est_a - est_b;
	out->df = df;
	out->se = out->statistic = out->p_value = out->ci_lower = out->ci_upper = NAN;
	if (isnan(v))
		return;
	if (v < 0)
		v = 0;
	out->se = sqrt(v);
	if (!(df > 0))
		return;
	if (out->se > 0)
	{
		out->statistic = out->difference / out->se;
		out->p_value = 2 * dist_pt_upper(fabs(out->statistic), df);
		if (out->p_value > 1)
			out->p_value = 1;
	}
	t = dist_qt(1 - (1 - level) / 2, df);
	out->ci_lower = out->difference - t * out->se;
	out->ci_upper = out->difference + t * out->se;
}

int
p_adjust_parse(const char *name)
{
	if (strcmp(name, "bonferroni") == 0)
		return PADJ_BONFERRONI;
	if (strcmp(name, "holm") == 0)
		return PADJ_HOLM;
	if (strcmp(name, "BH") == 0 || strcmp(name, "fdr") == 0)
		return PADJ_BH;
	return -1;
}

/* R's order(p): by p, ties by position */
static int
cmp_p(uint32_t i, uint32_t j, const void *arg)
{
	const double *p = arg;

	if (p[i] < p[j])
		return -1;
	if (p[i] > p[j])
		return 1;
	return i < j ? -1 : (i > j ? 1 : 0);
}

size_t
p_adjust_work_bytes(int n)
{
	return (size_t) (n > 0 ? n : 1) * (2 * sizeof(uint32_t) + sizeof(double));
}

int
p_adjust(const double *p, int n, int method, double *out, void *work)
{
	size_t		cap = (size_t) (n > 0 ? n : 1);
	double	   *adj = work;
	uint32_t   *idx = (uint32_t *) (adj + cap);
	uint32_t   *tmp = idx + cap;
	int			m = 0,
				i;

	for (i = 0; i < n; i++)
		if (!isnan(p[i]))
			idx[m++] = (uint32_t) i;
	core_sort_index(idx, (size_t) m, cmp_p, p, tmp);
	switch (method)
	{
		case PADJ_BONFERRONI:
			for (i = 0; i < m; i++)
				adj[i] = fmin(1.0, (double) m * p[idx[i]]);
			break;
		case PADJ_HOLM:
			{
				double		run = 0;

				for (i = 0; i < m; i++)
				{
					double		x = (double) (m - i) * p[idx[i]];

					run = fmax(run, x);
					adj[i] = fmin(1.0, run);
				}
			}
			break;
		default:
			{
				double		run = INFINITY;

				for (i = m - 1; i >= 0; i--)
				{
					double		x = (double) m / (double) (i + 1) * p[idx[i]];

					run = fmin(run, x);
					adj[i] = fmin(1.0, run);
				}
			}
			break;
	}
	for (i = 0; i < n; i++)
		if (isnan(p[i]))
			out[i] = NAN;
	for (i = 0; i < m; i++)
		out[idx[i]] = adj[i];
	return 0;
}
