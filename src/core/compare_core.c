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

/*
 * R's onestrat for the two-column score matrix of m present units (za, zb)
 * out of n in the whole sample, population count N (0 = none); adds the
 * 2 x 2 crossproduct into v[0] (aa), v[1] (bb), v[2] (ab).
 */
static void
onestrat2(const double *za, const double *zb, uint32_t m, int64_t n, double N,
		  int lonely, double v[3], bool *fail, bool *excluded)
{
	double		f = N > 0 ? (N - (double) n) / N : 1.0;
	double		sa = 0,
				sb = 0,
				ma,
				mb,
				scale;
	uint32_t	j;

	*fail = *excluded = false;
	if (f < 1e-7)
		return;
	if (n == 1)
	{
		switch (lonely)
		{
			case LONELY_FAIL:
				*fail = true;
				return;
			case LONELY_ADJUST:
				if (m > 0)
				{
					v[0] += f * za[0] * za[0];
					v[1] += f * zb[0] * zb[0];
					v[2] += f * za[0] * zb[0];
				}
				return;
			case LONELY_AVERAGE:
				*excluded = true;
				return;
			default:
				return;
		}
	}
	for (j = 0; j < m; j++)
	{
		sa += za[j];
		sb += zb[j];
	}
	ma = sa / (double) n;
	mb = sb / (double) n;
	scale = f * (double) n / (double) (n - 1);
	{
		double		aa = 0,
					bb = 0,
					ab = 0;
		double		pad = (double) (n - (int64_t) m);

		for (j = 0; j < m; j++)
		{
			aa += (za[j] - ma) * (za[j] - ma);
			bb += (zb[j] - mb) * (zb[j] - mb);
			ab += (za[j] - ma) * (zb[j] - mb);
		}
		aa += pad * ma * ma;
		bb += pad * mb * mb;
		ab += pad * ma * mb;
		v[0] += scale * aa;
		v[1] += scale * bb;
		v[2] += scale * ab;
	}
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
			   *qb,
			   *ga,
			   *gb;
	unsigned char *present,
			   *pos,
			   *qpresent;
	uint32_t   *first,
			   *count,
			   *has;
	dd_t		pa_,
				pb_;
	uint32_t	i,
				h;
	bool		created,
				fail,
				excl;
	double		v[3] = {0, 0, 0};
	int			H = 0,
				H_excl = 0;
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
	ga = fn(ctx, NULL, cap_p * sizeof(double));
	gb = fn(ctx, NULL, cap_p * sizeof(double));
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
		/* group the present PSUs by stratum */
		first = fn(ctx, NULL, (u.nstrata + 1) * sizeof(uint32_t));
		count = fn(ctx, NULL, (u.nstrata + 1) * sizeof(uint32_t));
		has = fn(ctx, NULL, (u.nstrata + 1) * sizeof(uint32_t));
		memset(count, 0, (u.nstrata + 1) * sizeof(uint32_t));
		memset(has, 0, (u.nstrata + 1) * sizeof(uint32_t));
		for (i = 0; i < u.npsu; i++)
		{
			if (present[i])
				count[u.psu[i].stratum]++;
			if (pos[i])
			{
				psus++;
				if (!has[u.psu[i].stratum]++)
					strata++;
			}
		}
		out->df_union = (double) (psus - strata);
		first[0] = 0;
		for (h = 0; h < u.nstrata; h++)
			first[h + 1] = first[h] + count[h];
		memset(count, 0, (u.nstrata + 1) * sizeof(uint32_t));
		for (i = 0; i < u.npsu; i++)
			if (present[i])
			{
				uint32_t	s = u.psu[i].stratum;

				ga[first[s] + count[s]] = za[i];
				gb[first[s] + count[s]] = zb[i];
				count[s]++;
			}
		for (h = 0; h < u.nstrata; h++)
		{
			uint32_t	m = first[h + 1] - first[h];

			if (m == 0)
				continue;
			H++;
			onestrat2(ga + first[h], gb + first[h], m, u.strata[h].n_psu,
					  u.strata[h].popsize, u.lonely, v, &fail, &excl);
			if (fail)
				note_lonely(out, 1, &u, u.strata[h].id);
			if (excl)
				H_excl++;
		}
		if (H_excl > 0)
		{
			double		f = H_excl == H ? NAN : (double) H / (double) (H - H_excl);

			v[0] *= f;
			v[1] *= f;
			v[2] *= f;
		}

		/* stage 2, per present PSU: its SSUs */
		if (u.kind == DESIGN_CLUSTER2)
		{
			uint32_t   *qfirst = fn(ctx, NULL, (u.npsu + 1) * sizeof(uint32_t));
			uint32_t   *qcount = fn(ctx, NULL, (u.npsu + 1) * sizeof(uint32_t));
			double	   *sa = fn(ctx, NULL, (u.nssu + 1) * sizeof(double));
			double	   *sb = fn(ctx, NULL, (u.nssu + 1) * sizeof(double));

			memset(qcount, 0, (u.npsu + 1) * sizeof(uint32_t));
			for (i = 0; i < u.nssu; i++)
				if (qpresent[i])
					qcount[u.ssu[i].psu]++;
			qfirst[0] = 0;
			for (i = 0; i < u.npsu; i++)
				qfirst[i + 1] = qfirst[i] + qcount[i];
			memset(qcount, 0, (u.npsu + 1) * sizeof(uint32_t));
			for (i = 0; i < u.nssu; i++)
				if (qpresent[i])
				{
					uint32_t	p = u.ssu[i].psu;

					sa[qfirst[p] + qcount[p]] = qa[i];
					sb[qfirst[p] + qcount[p]] = qb[i];
					qcount[p]++;
				}
			for (i = 0; i < u.npsu; i++)
			{
				double		w2[3] = {0, 0, 0};
				const StratumRec *s = &u.strata[u.psu[i].stratum];
				double		factor = (double) s->n_psu / s->popsize;

				if (!present[i])
					continue;
				onestrat2(sa + qfirst[i], sb + qfirst[i], qfirst[i + 1] - qfirst[i],
						  u.psu[i].n_ssu, u.psu[i].popsize2, u.lonely, w2, &fail, &excl);
				if (fail)
					note_lonely(out, 2, &u, u.psu[i].id);
				if (excl)
					w2[0] = w2[1] = w2[2] = NAN;
				v[0] += factor * w2[0];
				v[1] += factor * w2[1];
				v[2] += factor * w2[2];
			}
			fn(ctx, qfirst, 0);
			fn(ctx, qcount, 0);
			fn(ctx, sa, 0);
			fn(ctx, sb, 0);
		}
		fn(ctx, first, 0);
		fn(ctx, count, 0);
		fn(ctx, has, 0);
		if (out->status == DESIGN_OK)
		{
			out->var_a = v[0];
			out->var_b = v[1];
			out->cov = v[2];
			if (isnan(v[0]) || isnan(v[1]) || isnan(v[2]))
				out->status = DESIGN_UNDEFINED;
		}
	}
	fn(ctx, map_sa, 0);
	fn(ctx, map_sb, 0);
	fn(ctx, map_pa, 0);
	fn(ctx, map_pb, 0);
	fn(ctx, za, 0);
	fn(ctx, zb, 0);
	fn(ctx, ga, 0);
	fn(ctx, gb, 0);
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

void
rep_pair_cov(const RepAcc *ra, double est_a, const RepAcc *rb, double est_b, PairCov *out)
{
	uint32_t	i,
				kept = 0;
	double		ma = 0,
				mb = 0,
				aa = 0,
				bb = 0,
				ab = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ra->spec.nrep; i++)
		if (ra->b[i].hi != 0 && rb->b[i].hi != 0)
		{
			ma += dd_to_double(dd_div(ra->a[i], ra->b[i]));
			mb += dd_to_double(dd_div(rb->a[i], rb->b[i]));
			kept++;
		}
	if (kept == 0)
	{
		out->status = DESIGN_UNDEFINED;
		out->var_a = out->var_b = out->cov = NAN;
		return;
	}
	ma /= kept;
	mb /= kept;
	if (ra->spec.mse)
	{
		ma = est_a;
		mb = est_b;
	}
	for (i = 0; i < ra->spec.nrep; i++)
		if (ra->b[i].hi != 0 && rb->b[i].hi != 0)
		{
			double		da = dd_to_double(dd_div(ra->a[i], ra->b[i])) - ma;
			double		db = dd_to_double(dd_div(rb->a[i], rb->b[i])) - mb;

			aa += ra->rscales[i] * da * da;
			bb += ra->rscales[i] * db * db;
			ab += ra->rscales[i] * da * db;
		}
	out->var_a = ra->spec.scale * aa;
	out->var_b = ra->spec.scale * bb;
	out->cov = ra->spec.scale * ab;
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
