/*
 * stratified_core.c - a stratified sample without clusters kept as
 * per-stratum sufficient statistics (see stratified_core.h).
 *
 * With every row its own PSU (R: svydesign(ids = ~1, strata = ~stratum,
 * fpc = ~fpc, weights = ~w)), the PSU totals of stratum h are the row
 * scores z_i = w_i (y_i - p) / W of its domain rows, and R's onestrat needs
 * only their sum and their sum of squares.  Both follow from five sums over
 * the stratum's domain rows, A = sum w y, B = sum w, WW = sum w^2,
 * WWY = sum w^2 y, WWYY = sum w^2 y^2:
 *   Sum z   = (A - p B) / W
 *   Sum z^2 = (WWYY - 2 p WWY + p^2 WW) / W^2
 * so a stratum costs one record whatever its number of rows, the records
 * merge exactly (the sums add; the stratum's row count and population
 * count must agree), and the variance is that of the same rows given as
 * one-row PSUs.  Everything is computed in double-double arithmetic and
 * rounded once per stratum.
 *
 * References: R survey 4.1.1, svyrecvar -> onestage -> onestrat (variance,
 * lonely PSUs, fpc), degf.survey.design2 (df), as.fpc; the part-whole
 * covariance is onestrat's crossproduct of the two score columns
 * (svyby(covmat = TRUE) + svycontrast on a subset and its superset).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <string.h>

#include "guard_core.h"
#include "sort_core.h"
#include "stratified_core.h"
#include "var_core.h"

uint32_t
stratified_stratum(Design *d, const char *key, uint32_t len, bool *created)
{
	uint32_t	h = design_stratum(d, key, len, created);

	if (*created)
	{
		if (h >= d->cap_sums)
		{
			uint64_t	ncap = d->cap_sums ? d->cap_sums : 16;

			while (ncap <= h)
				ncap *= 2;
			if (ncap > UINT32_MAX)
				ncap = UINT32_MAX;
			/* the host's allocator refuses what passes its limit */
			d->sums = d->realloc_fn(d->alloc_ctx, d->sums, (size_t) ncap * sizeof(StratSums));
			d->cap_sums = (uint32_t) ncap;
		}
		memset(&d->sums[h], 0, sizeof(StratSums));
	}
	return h;
}

static void
sums_add(StratSums *into, const StratSums *from)
{
	into->n_dom = tally_count_add(into->n_dom, from->n_dom);
	into->n_pos = tally_count_add(into->n_pos, from->n_pos);
	into->a = dd_add(into->a, from->a);
	into->b = dd_add(into->b, from->b);
	into->ww = dd_add(into->ww, from->ww);
	into->wwy = dd_add(into->wwy, from->wwy);
	into->wwyy = dd_add(into->wwyy, from->wwyy);
}

const char *
stratified_merge(Design *a, const Design *b, uint32_t *where)
{
	uint32_t	i,
				tick = 0;

	for (i = 0; i < b->nstrata; i++)
	{
		const StratumRec *s = &b->strata[i];
		bool		created = false;
		uint32_t	h;

		/*
		 * Tallies of one design usually list the same strata in the same
		 * order (merging region-wide tallies of 300 municipalities): try
		 * a's stratum at b's position before the lookup.
		 */
		if (i < a->nstrata && a->strata[i].id.len == s->id.len &&
			memcmp(a->arena + a->strata[i].id.off, b->arena + s->id.off, s->id.len) == 0)
			h = i;
		else
			h = stratified_stratum(a, b->arena + s->id.off, s->id.len, &created);
		core_poll(&tick);
		if (created)
		{
			a->strata[h].n_psu = s->n_psu;
			a->strata[h].popsize = s->popsize;
		}
		else if (a->strata[h].n_psu != s->n_psu || a->strata[h].popsize != s->popsize)
		{
			*where = i;
			return "A stratum has different row counts or population sizes in the two tallies.";
		}
		sums_add(&a->sums[h], &b->sums[i]);
	}
	return NULL;
}

void
stratified_normalize(StratSums *sums, uint32_t n)
{
	uint32_t	i,
				tick = 0;

	for (i = 0; i < n; i++)
	{
		StratSums  *s = &sums[i];

		core_poll(&tick);

		s->a = dd_norm(s->a);
		s->b = dd_norm(s->b);
		s->ww = dd_norm(s->ww);
		s->wwy = dd_norm(s->wwy);
		s->wwyy = dd_norm(s->wwyy);
	}
}

/* identifiers in canonical order: bytes, then length (as design_core.c) */
static int
cmp_id(const Design *d, IdRef x, IdRef y)
{
	uint32_t	n = x.len < y.len ? x.len : y.len;
	int			c = memcmp(d->arena + x.off, d->arena + y.off, n);

	if (c != 0)
		return c;
	return x.len < y.len ? -1 : (x.len > y.len ? 1 : 0);
}

/* the same order for identifiers of two designs */
static int
cmp_id_pair(const Design *a, IdRef x, const Design *b, IdRef y)
{
	uint32_t	n = x.len < y.len ? x.len : y.len;
	int			c = memcmp(a->arena + x.off, b->arena + y.off, n);

	if (c != 0)
		return c;
	return x.len < y.len ? -1 : (x.len > y.len ? 1 : 0);
}

static int
cmp_stratum(uint32_t a, uint32_t b, const void *arg)
{
	const Design *d = arg;

	return cmp_id(d, d->strata[a].id, d->strata[b].id);
}

void
stratified_write_sorted(const Design *d, StratumRec *ns, StratSums *nsum, char *na)
{
	uint32_t	n = d->nstrata;
	uint32_t   *perm = d->realloc_fn(d->alloc_ctx, NULL, (size_t) (n + 1) * sizeof(uint32_t));
	uint32_t   *work = d->realloc_fn(d->alloc_ctx, NULL, (size_t) (n + 1) * sizeof(uint32_t));
	uint32_t	i,
				alen = 0,
				tick = 0;
	bool		sorted = true;

	for (i = 0; i < n; i++)
	{
		perm[i] = i;
		if (i > 0 && sorted && cmp_id(d, d->strata[i - 1].id, d->strata[i].id) > 0)
			sorted = false;
		core_poll(&tick);
	}
	if (!sorted)
		core_sort_index(perm, n, cmp_stratum, d, work);
	/* records are copied whole, so their padding (none) stays as it is */
	for (i = 0; i < n; i++)
	{
		const StratumRec *s = &d->strata[perm[i]];

		memcpy(&ns[i], s, sizeof(StratumRec));
		memcpy(&nsum[i], &d->sums[perm[i]], sizeof(StratSums));
		memcpy(na + alen, d->arena + s->id.off, s->id.len);
		ns[i].id.off = alen;
		alen += s->id.len;
		core_poll(&tick);
	}
	d->realloc_fn(d->alloc_ctx, perm, 0);
	d->realloc_fn(d->alloc_ctx, work, 0);
}

/* ---- consistency of a stored stratified design ----------------------- */

static bool
dd_ok(dd_t x)
{
	return isfinite(x.hi) && isfinite(x.lo) && x.hi + x.lo == x.hi;
}

static bool
dd_zero(dd_t x)
{
	return x.hi == 0 && x.lo == 0;
}

static bool
id_ok(const Design *d, IdRef id)
{
	return id.len >= 1 && id.off <= d->arena_len && id.len <= d->arena_len - id.off &&
		(d->arena[id.off] == 'i' ? id.len == 9 : d->arena[id.off] == 't');
}

const char *
stratified_check(const Design *d, const TallyCore *core)
{
	uint32_t	i,
				tick = 0;
	int64_t		n_dom = 0,
				n_pos = 0;
	double		wsum = 0,
				wwsum = 0;
	bool		psu_sums = d->kind == DESIGN_CLUSTER_SUMS;

	if (d->n_sample != 0)
		return "A stratified design has no sample row count.";
	if (d->npsu != 0 || d->nssu != 0)
		return "A stratified design has no PSUs or SSUs.";
	for (i = 0; i < d->nstrata; i++)
	{
		const StratumRec *s = &d->strata[i];
		const StratSums *t = &d->sums[i];

		/* nothing is allocated here: the host may stop us (guard_core.h) */
		core_poll(&tick);
		if (!id_ok(d, s->id))
			return "A stratum identifier is malformed.";
		if (i > 0 && cmp_id(d, d->strata[i - 1].id, s->id) >= 0)
			return "Strata are not in canonical order or repeat.";
		if (s->n_psu < 1 || !isfinite(s->popsize) || s->popsize < 0 ||
			(s->popsize > 0 && s->popsize < (double) s->n_psu))
			return "A stratum's row count or population size is out of range.";
		if (t->n_dom < 1 || t->n_dom > s->n_psu || t->n_dom > core->n ||
			t->n_pos < 0 || t->n_pos > t->n_dom)
			return "A stratum's domain row counts are out of range (at least 1, at most the stratum's row count).";
		if (!dd_ok(t->a) || !dd_ok(t->b) || !dd_ok(t->ww) || !dd_ok(t->wwy) || !dd_ok(t->wwyy) ||
			t->b.hi < 0 || t->ww.hi < 0 || t->wwyy.hi < 0 ||
			(core->kind == TALLY_RATIO ? (t->n_pos == 0 && t->b.hi != 0) : (t->n_pos == 0) != (t->b.hi == 0)))
			return "A stratum's sums are malformed.";
		if (t->n_pos == 0 &&
			!(dd_zero(t->a) && dd_zero(t->ww) && dd_zero(t->wwy) && dd_zero(t->wwyy)))
			return "A stratum without rows of positive weight has sums other than 0.";
		if (!psu_sums && core->kind == TALLY_PROPORTION && memcmp(&t->wwy, &t->wwyy, sizeof(dd_t)) != 0)
			return "A proportion's stratum has different sums of w^2 y and w^2 y^2.";
		n_dom = tally_count_add(n_dom, t->n_dom);
		n_pos = tally_count_add(n_pos, t->n_pos);
		wsum += t->b.hi;
		wwsum += t->ww.hi;
	}
	/* cluster_sums: a stratum's records are PSUs, each of one or more rows */
	if (psu_sums ? (n_dom > core->n || n_pos > core->n_pos)
		: (n_dom != core->n || n_pos != core->n_pos))
		return "The strata's row counts do not add up to the tally's.";
	if (fabs(wsum - core->s[S_W].hi) > 1e-9 * fmax(1.0, core->s[S_W].hi) ||
		(!psu_sums && fabs(wwsum - core->s[S_WW].hi) > 1e-9 * fmax(1.0, core->s[S_WW].hi)))
		return "The strata's weights do not add up to the tally's.";
	return NULL;
}

/* ---- variance ---------------------------------------------------------- */

/*
 * One stratum's term of R's onestrat for two score columns x and y (x = y
 * for a variance) when every row is its own PSU:
 *   f n/(n-1) (sum_i z^x_i z^y_i - (sum_i z^x_i)(sum_i z^y_i) / n)
 * over the n rows of the stratum in the whole sample, the rows outside the
 * domain having zero scores (R's zero padding: the n - m absent PSUs add
 * (0 - zbar)^2 each, which is what the second term takes off).  Arguments
 * are unscaled: sx = sum z^x W_x, sy = sum z^y W_y, sxy = sum z^x z^y W_x
 * W_y, wxy = W_x W_y.
 *   f = (N - n)/N with N the population count (1 without, N = 0);
 *   f < 1e-7 (a census): 0, before any lonely rule (R: all(f < 1e-07));
 *   n = 1 (a lonely PSU): fail -> *fail; remove, certainty -> 0 (the
 *     centred single total); adjust -> f sx sy / wxy (not centred, no
 *     n/(n-1)); average -> *excluded (the caller rescales).
 * A variance below 0 by rounding is 0.
 */
static double
strat_term(dd_t sx, dd_t sy, dd_t sxy, dd_t wxy, int64_t n, double N, int lonely,
		   bool diagonal, bool *fail, bool *excluded)
{
	double		scale;
	dd_t		dev;
	double		ss;

	/* R's onestrat rules (var_core.c): scale = f n/(n-1), or f for "adjust" */
	*fail = *excluded = false;
	switch (var_rule(n, N, lonely, &scale))
	{
		case VAR_LONELY_FAIL:
			*fail = true;
			return 0.0;
		case VAR_LONELY_ADJUST:
			return scale * dd_to_double(dd_div(dd_mul(sx, sy), wxy));
		case VAR_LONELY_EXCLUDE:
			*excluded = true;
			return 0.0;
		case VAR_NONE:
			return 0.0;
		case VAR_CENTRED:
			break;
	}
	dev = dd_sub(sxy, dd_div_d(dd_mul(sx, sy), (double) n));
	/* (dev is compensated; the quotient needs only double precision) */
	ss = dd_to_double(dev) / dd_to_double(wxy);
	if (diagonal && ss < 0)
		ss = 0;
	return scale * ss;
}

/* sum w^2 (y - px)(y - py) over a stratum's rows: WWYY - (px + py) WWY + px py WW */
static dd_t
cross_dev(const StratSums *s, dd_t px, dd_t py)
{
	dd_t		r = dd_sub(s->wwyy, dd_mul(dd_add(px, py), s->wwy));

	return dd_add(r, dd_mul(dd_mul(px, py), s->ww));
}

/* sum w (y - p) over a stratum's rows: A - p B */
static dd_t
score_sum(const StratSums *s, dd_t p)
{
	return dd_sub(s->a, dd_mul(p, s->b));
}

static void
note_lonely(DesignVariance *out, uint32_t index)
{
	if (out->nlonely < DESIGN_MAX_REPORTED)
		out->lonely[out->nlonely] = index;
	out->nlonely++;
	out->stage = 1;
	out->status = DESIGN_LONELY_FAIL;
}

/*
 * V = sum over strata with domain rows of strat_term (x = y = the domain's
 * scores), times H/(H - H_excluded) under "average" (H strata with domain
 * rows; all of them excluded: undefined, R's 0 * H/0).  df (R's degf of the
 * domain): rows of positive weight minus strata with such rows.
 */
void
stratified_variance(const Design *d, const TallyCore *core, DesignVariance *out)
{
	dd_t		W = core->s[S_W];

	if (core->n_pos == 0 || !(W.hi > 0))
	{
		memset(out, 0, sizeof(*out));
		out->variance = NAN;
		out->df = 0;
		out->status = DESIGN_UNDEFINED;
		return;
	}
	stratified_variance_scores(d, dd_div(core->s[S_WY], W), W, out);
}

/*
 * The same on the scores w (y - p) / W of every row: the mean's with p its
 * estimate and W its weight sum, a total's with p = 0 and W = 1.
 */
void
stratified_variance_scores(const Design *d, dd_t p, dd_t W, DesignVariance *out)
{
	dd_t		WW;
	uint32_t	h,
				tick = 0;
	double		V = 0;
	int64_t		H = 0,
				H_excl = 0,
				rows = 0,
				strata = 0;

	memset(out, 0, sizeof(*out));
	out->variance = NAN;
	out->df = 0;
	WW = dd_mul(W, W);
	for (h = 0; h < d->nstrata; h++)
	{
		const StratSums *s = &d->sums[h];
		dd_t		sz;
		bool		fail,
					excl;

		core_poll(&tick);
		if (s->n_pos > 0)
		{
			rows += s->n_pos;
			strata++;
		}
		if (s->n_dom == 0)
			continue;
		H++;
		sz = score_sum(s, p);
		V += strat_term(sz, sz, cross_dev(s, p, p), WW, d->strata[h].n_psu,
						d->strata[h].popsize, d->lonely, true, &fail, &excl);
		if (fail)
			note_lonely(out, h);
		if (excl)
			H_excl++;
	}
	out->df = (double) (rows - strata);
	if (H_excl > 0)
	{
		if (H_excl == H)
		{
			V = NAN;
			if (out->status == DESIGN_OK)
				out->status = DESIGN_UNDEFINED;
		}
		else
			V *= (double) H / (double) (H - H_excl);
	}
	if (out->status == DESIGN_OK)
		out->variance = V;
}

/* ---- part and whole ------------------------------------------------------ */

static void
note_lonely_pair(PairCov *out, const Design *d, IdRef id)
{
	if (out->nlonely < DESIGN_MAX_REPORTED)
	{
		uint32_t	len = id.len < 64 ? id.len : 64;

		memcpy(out->lonely_key[out->nlonely], d->arena + id.off, len);
		out->lonely_len[out->nlonely] = len;
	}
	out->nlonely++;
	out->stage = 1;
	out->status = DESIGN_LONELY_FAIL;
}

/*
 * a is a part of b: in every stratum, the rows of a are rows of b, so the
 * union of the two domains is b, and the crossproduct of the two score
 * columns over the stratum's rows needs only a's rows (z^a = 0 elsewhere):
 *   sum z^a z^b = sum_a w^2 (y - p_a)(y - p_b) / (W_a W_b).
 * Each stratum of b adds strat_term for (a, a), (b, b) and (a, b), with the
 * lonely policy and the "average" rescaling over b's strata, as the
 * clustered form's onestrat2 over the union of PSUs does when each row is a
 * PSU.  df_union = degf of b.
 */
void
stratified_whole(const Design *db, const TallyCore *cb, StratWhole *w)
{
	dd_t		Wb = cb->s[S_W];
	uint32_t	h,
				tick = 0;

	memset(w, 0, sizeof(*w));
	if (cb->n_pos == 0 || !(Wb.hi > 0))
	{
		w->undefined = true;
		return;
	}
	w->pb = dd_div(cb->s[S_WY], Wb);
	for (h = 0; h < db->nstrata; h++)
	{
		const StratumRec *s = &db->strata[h];
		const StratSums *sb = &db->sums[h];
		dd_t		zb;
		bool		fail,
					excl;

		core_poll(&tick);
		if (sb->n_pos > 0)
		{
			w->rows += sb->n_pos;
			w->strata++;
		}
		w->H++;
		zb = score_sum(sb, w->pb);
		w->v_b += strat_term(zb, zb, cross_dev(sb, w->pb, w->pb), dd_mul(Wb, Wb), s->n_psu,
							 s->popsize, db->lonely, true, &fail, &excl);
		if (fail)
			note_lonely_pair(&w->lonely, db, s->id);
		if (excl)
			w->H_excl++;
	}
}

/* the stratum of b with a's stratum id (both in canonical order), or -1 */
static int64_t
find_stratum(const Design *da, IdRef id, const Design *db, uint32_t from)
{
	uint32_t	lo = from,
				hi = db->nstrata;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;
		int			c = cmp_id_pair(db, db->strata[mid].id, da, id);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void
stratified_part_cov(const Design *da, const TallyCore *ca, const Design *db,
					const TallyCore *cb, PairCov *out)
{
	StratWhole	w;

	stratified_whole(db, cb, &w);
	stratified_part_cov_whole(da, ca, db, cb, &w, out);
}

void
stratified_part_cov_whole(const Design *da, const TallyCore *ca, const Design *db,
						  const TallyCore *cb, const StratWhole *w, PairCov *out)
{
	dd_t		Wa = ca->s[S_W],
				Wb = cb->s[S_W];
	dd_t		pa,
				pb = w->pb,
				waa,
				wab;
	uint32_t	i,
				from = 0,
				tick = 0;
	double		v[3] = {0, 0, 0};

	memset(out, 0, sizeof(*out));
	out->var_a = out->var_b = out->cov = NAN;
	if (ca->n_pos == 0 || w->undefined || !(Wa.hi > 0))
	{
		out->status = DESIGN_UNDEFINED;
		return;
	}
	pa = dd_div(ca->s[S_WY], Wa);
	waa = dd_mul(Wa, Wa);
	wab = dd_mul(Wa, Wb);
	/*
	 * The part's strata, found among the whole's (both in canonical order):
	 * its terms in the whole's order, as a walk over the whole's strata
	 * would add them; a stratum without rows of the part adds 0.
	 */
	for (i = 0; i < da->nstrata; i++)
	{
		const StratumRec *r = &da->strata[i];
		const StratSums *sa = &da->sums[i];
		int64_t		j = find_stratum(da, r->id, db, from);
		const StratumRec *s;
		const StratSums *sb;
		dd_t		za,
					zb;
		bool		fail,
					excl;

		core_poll(&tick);
		if (j < 0)
		{
			out->conflict = "The part has a stratum that the whole does not have.";
			return;
		}
		from = (uint32_t) j + 1;
		s = &db->strata[j];
		sb = &db->sums[j];
		if (r->n_psu != s->n_psu || r->popsize != s->popsize)
		{
			out->conflict = "A stratum has different row counts or population sizes in the two tallies.";
			return;
		}
		if (sa->n_dom > sb->n_dom || sa->n_pos > sb->n_pos || sa->b.hi > sb->b.hi * (1 + 1e-12))
		{
			out->conflict = "The part has more rows or weight than the whole in a stratum.";
			return;
		}
		za = score_sum(sa, pa);
		zb = score_sum(sb, pb);
		v[0] += strat_term(za, za, cross_dev(sa, pa, pa), waa, s->n_psu, s->popsize,
						   db->lonely, true, &fail, &excl);
		v[2] += strat_term(za, zb, cross_dev(sa, pa, pb), wab, s->n_psu, s->popsize,
						   db->lonely, false, &fail, &excl);
	}
	v[1] = w->v_b;
	/* the whole's lonely strata, as its own walk found them */
	out->status = w->lonely.status;
	out->stage = w->lonely.stage;
	out->nlonely = w->lonely.nlonely;
	memcpy(out->lonely_key, w->lonely.lonely_key, sizeof(out->lonely_key));
	memcpy(out->lonely_len, w->lonely.lonely_len, sizeof(out->lonely_len));
	out->df_union = (double) (w->rows - w->strata);
	if (w->H_excl > 0)
	{
		double		f = w->H_excl == w->H ? NAN : (double) w->H / (double) (w->H - w->H_excl);

		v[0] *= f;
		v[1] *= f;
		v[2] *= f;
	}
	if (out->status == DESIGN_OK)
	{
		out->var_a = v[0];
		out->var_b = v[1];
		out->cov = v[2];
		if (isnan(v[0]) || isnan(v[1]) || isnan(v[2]))
			out->status = DESIGN_UNDEFINED;
	}
}

/* ---- two groups without shared PSUs ---------------------------------------- */

/*
 * a and b are two groups of one sample that share no PSU (cluster_sums
 * tallies of groups that a PSU property separates, such as origin groups
 * when every address has one): over the union of their strata, each
 * stratum adds strat_term for (a, a), (b, b) and (a, b), the crossproduct
 * of the two score columns being 0 (no PSU has both scores).  A stratum in
 * which the two groups have more PSUs together than the stratum has is a
 * conflict (they must share PSUs).  df_union: PSUs of positive weight in
 * either group minus the strata with such PSUs.
 */
void
stratified_domains_cov(const Design *da, const TallyCore *ca, const Design *db,
					   const TallyCore *cb, PairCov *out)
{
	dd_t		Wa = ca->s[S_W],
				Wb = cb->s[S_W];
	dd_t		pa,
				pb,
				waa,
				wbb,
				wab,
				nil = {0, 0};
	uint32_t	i = 0,
				j = 0,
				tick = 0;
	double		v[3] = {0, 0, 0};
	int64_t		H = 0,
				H_excl = 0,
				rows = 0,
				strata = 0;
	StratSums	zero;

	memset(out, 0, sizeof(*out));
	memset(&zero, 0, sizeof(zero));
	out->var_a = out->var_b = out->cov = NAN;
	if (ca->n_pos == 0 || cb->n_pos == 0 || !(Wa.hi > 0) || !(Wb.hi > 0))
	{
		out->status = DESIGN_UNDEFINED;
		return;
	}
	pa = dd_div(ca->s[S_WY], Wa);
	pb = dd_div(cb->s[S_WY], Wb);
	waa = dd_mul(Wa, Wa);
	wbb = dd_mul(Wb, Wb);
	wab = dd_mul(Wa, Wb);
	while (i < da->nstrata || j < db->nstrata)
	{
		const StratumRec *s;
		const StratSums *sa = &zero,
				   *sb = &zero;
		const Design *ds;
		dd_t		za,
					zb;
		bool		fail[3],
					excl[3];
		int			c;

		core_poll(&tick);
		if (i >= da->nstrata)
			c = 1;
		else if (j >= db->nstrata)
			c = -1;
		else
			c = cmp_id_pair(da, da->strata[i].id, db, db->strata[j].id);
		if (c <= 0)
		{
			s = &da->strata[i];
			ds = da;
			sa = &da->sums[i];
			if (c == 0)
			{
				const StratumRec *r = &db->strata[j];

				sb = &db->sums[j];
				if (r->n_psu != s->n_psu || r->popsize != s->popsize)
				{
					out->conflict = "A stratum has different PSU counts or population sizes in the two tallies.";
					return;
				}
				if (sa->n_dom + sb->n_dom > s->n_psu)
				{
					out->conflict = "The two groups have more PSUs in a stratum than the stratum has: they share PSUs.";
					return;
				}
				j++;
			}
			i++;
		}
		else
		{
			s = &db->strata[j];
			ds = db;
			sb = &db->sums[j];
			j++;
		}
		if (sa->n_pos + sb->n_pos > 0)
		{
			rows += sa->n_pos + sb->n_pos;
			strata++;
		}
		H++;
		za = score_sum(sa, pa);
		zb = score_sum(sb, pb);
		v[0] += strat_term(za, za, cross_dev(sa, pa, pa), waa, s->n_psu, s->popsize,
						   da->lonely, true, &fail[0], &excl[0]);
		v[1] += strat_term(zb, zb, cross_dev(sb, pb, pb), wbb, s->n_psu, s->popsize,
						   da->lonely, true, &fail[1], &excl[1]);
		v[2] += strat_term(za, zb, nil, wab, s->n_psu, s->popsize,
						   da->lonely, false, &fail[2], &excl[2]);
		if (fail[0])
			note_lonely_pair(out, ds, s->id);
		if (excl[0])
			H_excl++;
	}
	out->df_union = (double) (rows - strata);
	if (H_excl > 0)
	{
		double		f = H_excl == H ? NAN : (double) H / (double) (H - H_excl);

		v[0] *= f;
		v[1] *= f;
		v[2] *= f;
	}

	/*
	 * |cov| <= sqrt(var_a var_b): the bound the PSU form meets exactly; the
	 * sums leave a residue of rounding where a group's scores all vanish
	 * (a group whose every answer is the same), which it takes off
	 */
	if (!isnan(v[2]) && !(fabs(v[2]) <= sqrt(fmax(v[0], 0) * fmax(v[1], 0))))
		v[2] = copysign(sqrt(fmax(v[0], 0) * fmax(v[1], 0)), v[2]);
	if (out->status == DESIGN_OK)
	{
		out->var_a = v[0];
		out->var_b = v[1];
		out->cov = v[2];
		if (isnan(v[0]) || isnan(v[1]) || isnan(v[2]))
			out->status = DESIGN_UNDEFINED;
	}
}
