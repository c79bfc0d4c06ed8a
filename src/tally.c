/*
 * tally.c - the stored form of barometer.tally and the aggregate state
 * behind it: layout, conversion between the two, merging, validation and
 * the summary every reader starts from.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "guard.h"
#include "stored.h"
#include "stratified_core.h"
#include "tally.h"

/* the version 1 header: no design section */
typedef struct TallyV1
{
	int32		vl_len_;
	int32		version;
	TallyCore	core;
} TallyV1;

/* the sums records of a stratified design: one per stratum */
static inline uint32
tally_nsums(const TallyDesignHdr *dh)
{
	return dh->kind == DESIGN_STRATIFIED ? dh->nstrata : 0;
}

static size_t
tally_size(const TallyDesignHdr *dh)
{
	return sizeof(Tally) +
		(size_t) dh->nstrata * sizeof(StratumRec) +
		(size_t) dh->npsu * sizeof(PsuRec) +
		(size_t) dh->nssu * sizeof(SsuRec) +
		(size_t) tally_nsums(dh) * sizeof(StratSums) +
		(size_t) dh->rep.nrep * (sizeof(double) + 2 * sizeof(dd_t)) +
		dh->arena_len;
}

Tally *
tally_new(TallyKind kind)
{
	Tally	   *t = (Tally *) palloc0(sizeof(Tally));

	SET_VARSIZE(t, sizeof(Tally));
	t->version = TALLY_VERSION;
	tally_core_init(&t->core, kind);
	return t;
}

Tally *
tally_copy(const Tally *t)
{
	Tally	   *r = (Tally *) palloc(VARSIZE(t));

	memcpy(r, t, VARSIZE(t));
	return r;
}

/*
 * A Design and RepAcc that point into the stored tally (read only; the
 * allocator serves temporary arrays in the current memory context).
 */
void
tally_view(const Tally *t, Design *d, RepAcc *r)
{
	const char *p = (const char *) t + sizeof(Tally);

	design_init(d, t->dh.kind, guard_realloc, CurrentMemoryContext);
	d->lonely = t->dh.lonely;
	d->n_sample = t->dh.n_sample;
	d->nstrata = t->dh.nstrata;
	d->npsu = t->dh.npsu;
	d->nssu = t->dh.nssu;
	d->arena_len = t->dh.arena_len;
	d->strata = (StratumRec *) p;
	p += d->nstrata * sizeof(StratumRec);
	d->psu = (PsuRec *) p;
	p += d->npsu * sizeof(PsuRec);
	d->ssu = (SsuRec *) p;
	p += d->nssu * sizeof(SsuRec);
	d->sums = tally_nsums(&t->dh) ? (StratSums *) p : NULL;
	p += tally_nsums(&t->dh) * sizeof(StratSums);
	memset(r, 0, sizeof(*r));
	r->spec = t->dh.rep;
	r->rscales = (double *) p;
	p += r->spec.nrep * sizeof(double);
	r->a = (dd_t *) p;
	p += r->spec.nrep * sizeof(dd_t);
	r->b = (dd_t *) p;
	p += r->spec.nrep * sizeof(dd_t);
	d->arena = (char *) p;
}

/* a stored tally of an earlier version, in today's layout */
Tally *
tally_upgrade(Tally *t)
{
	Tally	   *r;

	if (t->version == TALLY_VERSION)
		return t;
	if (t->version != 1 || VARSIZE(t) != sizeof(TallyV1))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("stored barometer.tally has an unknown version %d", t->version)));
	r = (Tally *) palloc0(sizeof(Tally));
	SET_VARSIZE(r, sizeof(Tally));
	r->version = TALLY_VERSION;
	r->core = ((TallyV1 *) t)->core;
	return r;
}

TallyAcc *
tally_acc_new(MemoryContext cxt)
{
	TallyAcc   *acc = MemoryContextAllocZero(cxt, sizeof(TallyAcc));

	design_init(&acc->design, DESIGN_WEIGHTS, guard_realloc, cxt);
	acc->empty = true;
	return acc;
}

/* allocate the replicate arrays of an accumulator for R replicates */
void
tally_acc_rep_alloc(TallyAcc *acc, uint32 nrep)
{
	MemoryContext cxt = (MemoryContext) acc->design.alloc_ctx;
	uint32		i;

	acc->rep.spec.nrep = nrep;
	acc->rep.rscales = MemoryContextAllocHuge(cxt, nrep * sizeof(double));
	acc->rep.a = MemoryContextAllocHuge(cxt, nrep * sizeof(dd_t));
	acc->rep.b = MemoryContextAllocHuge(cxt, nrep * sizeof(dd_t));
	for (i = 0; i < nrep; i++)
		acc->rep.rscales[i] = 1.0;
	memset(acc->rep.a, 0, nrep * sizeof(dd_t));
	memset(acc->rep.b, 0, nrep * sizeof(dd_t));
}

char *
tally_id_text(const char *key, uint32 len)
{
	if (len == 9 && key[0] == 'i')
	{
		uint64		v = 0;
		int			i;

		for (i = 1; i < 9; i++)
			v = (v << 8) | (unsigned char) key[i];
		return psprintf(INT64_FORMAT, (int64) v);
	}
	return pnstrdup(key + 1, len - 1);
}

static void
design_conflict(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot merge tallies of different designs"),
			 errdetail("%s", what),
			 errhint("Merge only tallies built with the same design columns and settings.")));
}

/* merge the state b (or a stored tally viewed as one) into a */
static void
acc_merge_parts(TallyAcc *a, const TallyCore *core, const Design *d, const RepAcc *r)
{
	if (a->empty)
	{
		a->core.kind = core->kind;
		a->design.kind = d->kind;
		a->design.lonely = d->lonely;
		a->design.n_sample = d->n_sample;
		/* merged states are sets of PSUs: look them up, never log them */
		a->design.log_mode = false;
		if (d->kind == DESIGN_REPLICATE)
		{
			tally_acc_rep_alloc(a, r->spec.nrep);
			a->rep.spec = r->spec;
			memcpy(a->rep.rscales, r->rscales, r->spec.nrep * sizeof(double));
		}
		a->empty = false;
	}
	else
	{
		if (a->core.kind != core->kind)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot merge a tally of a %s with a tally of a %s",
							tally_kind_name(a->core.kind), tally_kind_name(core->kind)),
					 errdetail("Merged tallies must come from the same kind of aggregate.")));
		if (a->design.kind != d->kind)
			design_conflict(psprintf("One tally has a %s design, the other a %s design.",
									 design_kind_name(a->design.kind), design_kind_name(d->kind)));
		if (a->design.lonely != d->lonely)
			design_conflict(psprintf("One tally uses the lonely PSU policy \"%s\", the other \"%s\".",
									 design_lonely_name(a->design.lonely), design_lonely_name(d->lonely)));
		if (a->design.n_sample != d->n_sample)
			design_conflict(psprintf("One tally comes from a sample of " INT64_FORMAT " rows, the other from " INT64_FORMAT ".",
									 a->design.n_sample, d->n_sample));
		if (d->kind == DESIGN_REPLICATE &&
			!rep_spec_equal(&a->rep.spec, a->rep.rscales, &r->spec, r->rscales))
			design_conflict("The replicate settings (method, number of replicates, scales, rho, mse or df) differ.");
	}
	tally_core_merge(&a->core, core);
	if (d->kind == DESIGN_CLUSTER || d->kind == DESIGN_CLUSTER2 || d->kind == DESIGN_STRATIFIED)
	{
		uint32		where = 0;
		const char *problem = design_merge(&a->design, d, &where);

		if (problem)
			design_conflict(psprintf("%s (stratum %s)", problem,
									 tally_id_text(d->arena + d->strata[where].id.off,
												   d->strata[where].id.len)));
	}
	if (d->kind == DESIGN_REPLICATE)
		rep_merge(&a->rep, r);
}

void
tally_acc_merge_tally(TallyAcc *acc, const Tally *t)
{
	Design		d;
	RepAcc		r;

	tally_view(t, &d, &r);
	acc_merge_parts(acc, &t->core, &d, &r);
}

void
tally_acc_merge(TallyAcc *a, TallyAcc *b)
{
	if (b->empty)
		return;
	acc_merge_parts(a, &b->core, &b->design, &b->rep);
}

/*
 * The stored form of an accumulator.  With finish (the aggregates' final
 * and serial steps), clustered designs are written in canonical order and
 * the core's and the units' sums are normalised, leaving the accumulator
 * as it was (a window aggregate goes on adding to it); without, records are
 * copied as they are (text and binary input, which tally_validate then
 * checks).
 */
Tally *
tally_pack(TallyAcc *acc, bool finish)
{
	TallyDesignHdr dh;
	Tally	   *t;
	char	   *p;
	Design	   *d = &acc->design;
	StratumRec *ns;
	PsuRec	   *np;
	SsuRec	   *nq;
	StratSums  *nsum;
	char	   *na;
	uint32		i;

	if (finish && d->log_mode)
		design_compact(d);		/* the log of PSU records becomes a set */
	memset(&dh, 0, sizeof(dh));
	dh.kind = d->kind;
	dh.lonely = d->lonely;
	dh.n_sample = d->n_sample;
	dh.nstrata = d->nstrata;
	dh.npsu = d->npsu;
	dh.nssu = d->nssu;
	dh.arena_len = d->arena_len;
	if (d->kind == DESIGN_REPLICATE)
		dh.rep = acc->rep.spec;

	/*
	 * Only the header needs zeroing: the records keep the zeroed padding
	 * they were created with, and the rest is written in full.
	 */
	guard_bytes(tally_size(&dh), "the stored tally");
	t = (Tally *) palloc_extended(tally_size(&dh), MCXT_ALLOC_HUGE);
	memset(t, 0, sizeof(Tally));
	SET_VARSIZE(t, tally_size(&dh));
	t->version = TALLY_VERSION;
	t->core = acc->core;
	if (finish)
		tally_core_finish(&t->core);
	t->dh = dh;
	p = (char *) t + sizeof(Tally);
	ns = (StratumRec *) p;
	p += d->nstrata * sizeof(StratumRec);
	np = (PsuRec *) p;
	p += (size_t) d->npsu * sizeof(PsuRec);
	nq = (SsuRec *) p;
	p += (size_t) d->nssu * sizeof(SsuRec);
	nsum = (StratSums *) p;
	p += (size_t) tally_nsums(&dh) * sizeof(StratSums);
	if (dh.rep.nrep)
	{
		memcpy(p, acc->rep.rscales, dh.rep.nrep * sizeof(double));
		p += dh.rep.nrep * sizeof(double);
		for (i = 0; i < dh.rep.nrep; i++, p += sizeof(dd_t))
		{
			dd_t		x = finish ? dd_norm(acc->rep.a[i]) : acc->rep.a[i];

			memcpy(p, &x, sizeof(dd_t));
		}
		for (i = 0; i < dh.rep.nrep; i++, p += sizeof(dd_t))
		{
			dd_t		x = finish ? dd_norm(acc->rep.b[i]) : acc->rep.b[i];

			memcpy(p, &x, sizeof(dd_t));
		}
	}
	na = p;
	if (finish && (d->kind == DESIGN_CLUSTER || d->kind == DESIGN_CLUSTER2) && !d->canonical)
		design_write_sorted(d, ns, np, nq, na);
	else if (finish && d->kind == DESIGN_STRATIFIED)
		stratified_write_sorted(d, ns, nsum, na);
	else
	{
		/* records are copied whole: their padding stays zero */
		memcpy(ns, d->strata, d->nstrata * sizeof(StratumRec));
		memcpy(np, d->psu, (size_t) d->npsu * sizeof(PsuRec));
		memcpy(nq, d->ssu, (size_t) d->nssu * sizeof(SsuRec));
		if (tally_nsums(&dh))
			memcpy(nsum, d->sums, (size_t) tally_nsums(&dh) * sizeof(StratSums));
		if (d->arena_len)
			memcpy(na, d->arena, d->arena_len);
	}
	if (finish)
	{
		for (i = 0; i < d->npsu; i++)
		{
			np[i].a = dd_norm(np[i].a);
			np[i].b = dd_norm(np[i].b);
		}
		for (i = 0; i < d->nssu; i++)
		{
			nq[i].a = dd_norm(nq[i].a);
			nq[i].b = dd_norm(nq[i].b);
		}
		stratified_normalize(nsum, tally_nsums(&dh));
	}
	return t;
}

/* the stored form of an aggregate's state: canonical order, normalised sums */
Tally *
tally_from_acc(TallyAcc *acc)
{
	return tally_pack(acc, true);
}

static inline bool
dd_finite(dd_t x)
{
	return isfinite(x.hi) && isfinite(x.lo);
}

/*
 * Values out of range: a sum that is not finite or a row count past the
 * limit.  The aggregates can reach them only by merging (or accumulating)
 * extreme values; they then raise 22003 rather than store what no input
 * would read back.
 */
static const char *
tally_range_problem(const Tally *t, const Design *d, const RepAcc *r)
{
	const char *problem = tally_core_range_check(&t->core);
	uint32		i;

	if (problem != NULL)
		return problem;
	for (i = 0; i < d->npsu; i++)
		if (!isfinite(d->psu[i].a.hi) || !isfinite(d->psu[i].a.lo) ||
			!isfinite(d->psu[i].b.hi) || !isfinite(d->psu[i].b.lo) ||
			d->psu[i].n_dom > PG_INT64_MAX / 4)
			return "A PSU's sums or row counts are out of range.";
	for (i = 0; i < d->nssu; i++)
		if (!isfinite(d->ssu[i].a.hi) || !isfinite(d->ssu[i].a.lo) ||
			!isfinite(d->ssu[i].b.hi) || !isfinite(d->ssu[i].b.lo) ||
			d->ssu[i].n_dom > PG_INT64_MAX / 4)
			return "An SSU's sums or row counts are out of range.";
	for (i = 0; d->sums != NULL && i < d->nstrata; i++)
	{
		const StratSums *x = &d->sums[i];

		if (!dd_finite(x->a) || !dd_finite(x->b) || !dd_finite(x->ww) ||
			!dd_finite(x->wwy) || !dd_finite(x->wwyy) || x->n_dom > PG_INT64_MAX / 4)
			return "A stratum's sums or row counts are out of range.";
	}
	if (t->dh.kind == DESIGN_REPLICATE)
		return rep_range_check(r);
	return NULL;
}

/* identifiers: tag and length (design_check), no NUL, the server encoding */
static const char *
tally_ids_problem(const Design *d)
{
	uint32		i;
	const char *problem;

	for (i = 0; i < d->nstrata + d->npsu + d->nssu; i++)
	{
		IdRef		id = i < d->nstrata ? d->strata[i].id :
			(i < d->nstrata + d->npsu ? d->psu[i - d->nstrata].id :
			 d->ssu[i - d->nstrata - d->npsu].id);

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (id.len < 1 || id.off > d->arena_len || id.len > d->arena_len - id.off)
			return "An identifier lies outside the value.";
		if (d->arena[id.off] == 't' &&
			(problem = stored_id_problem(d->arena + id.off + 1, (int) id.len - 1)) != NULL)
			return problem;
	}
	return NULL;
}

/*
 * Whether a stored tally is one the aggregates can produce: NULL, or a
 * sentence (*range: the problem is a value out of range).  The one check
 * behind the text input, the binary input and the aggregates' results, so
 * that what one accepts the others accept too: the core's consistency
 * (tally_core_check, design_check, rep_check), the design sections that do
 * not apply left empty, identifiers the text form can write, and NaN only
 * as the canonical "default" df.
 */
static const char *
tally_problem(const Tally *t, bool *range)
{
	const char *problem;
	Design		d;
	RepAcc		r;

	*range = false;
	tally_view(t, &d, &r);
	if (t->dh.kind == DESIGN_REPLICATE && t->dh.rep.nrep == 0)
		return "A replicate design has no replicates.";
	problem = tally_range_problem(t, &d, &r);
	if (problem != NULL)
	{
		*range = true;
		return problem;
	}
	problem = tally_core_check(&t->core);
	if (problem != NULL)
		return problem;
	switch (t->dh.kind)
	{
		case DESIGN_WEIGHTS:
			if (t->dh.nstrata || t->dh.npsu || t->dh.nssu || t->dh.arena_len ||
				t->dh.rep.nrep || t->dh.n_sample || t->dh.lonely)
				return "A weights-only tally has no design section.";
			return NULL;
		case DESIGN_REPLICATE:
			if (t->dh.nstrata || t->dh.npsu || t->dh.nssu || t->dh.arena_len ||
				t->dh.n_sample || t->dh.lonely)
				return "A replicate tally has no strata or PSUs.";
			problem = rep_check(&r, &t->core);
			if (problem == NULL && isnan(r.spec.df) && !stored_nan_canonical(r.spec.df))
				problem = "The df of a replicate design is a number, or NaN (default) in its one canonical form.";
			return problem;
		default:
			if (t->dh.rep.nrep || t->dh.rep.method)
				return "A linearization tally has no replicates.";
			problem = design_check(&d, &t->core);
			if (problem == NULL)
				problem = tally_ids_problem(&d);
			return problem;
	}
}

/*
 * The text and binary input functions: sqlstate 22P02 or 22P03, input the
 * literal for the message (NULL for binary).
 */
void
tally_validate(const Tally *t, int sqlstate, const char *input)
{
	bool		range;
	const char *problem = tally_problem(t, &range);

	if (problem == NULL)
		return;
	if (input != NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid value for type barometer.tally: \"%s\"",
						stored_clip(input, 200, true)),
				 errdetail("%s", problem)));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid binary value for type barometer.tally"),
			 errdetail("%s", problem)));
}

/* the name of the aggregate whose final function is running, or dflt */
const char *
tally_agg_name(FunctionCallInfo fcinfo, const char *dflt)
{
	Aggref	   *a = AggGetAggref(fcinfo);
	char	   *name = a != NULL ? get_func_name(a->aggfnoid) : NULL;

	return name != NULL ? name : dflt;
}

/*
 * The result of an aggregate or a merge (what names it, "merge" or
 * "tally"), before it is stored: what no input would read back is an error,
 * 22003 for a value out of range (sums of extreme weights and values, row
 * counts past the limit), 22023 otherwise.
 */
void
tally_check_result(const Tally *t, const char *what)
{
	bool		range;
	const char *problem = tally_problem(t, &range);

	if (problem == NULL)
		return;
	if (range)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("result of barometer.%s out of range", what),
				 errdetail("%s", problem),
				 errhint("The weights, values or row counts being accumulated or merged are too large to store in a barometer.tally.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("result of barometer.%s is not a consistent barometer.tally", what),
			 errdetail("%s", problem)));
}

/*
 * The error for a lonely PSU under the "fail" policy found by a variance
 * computation on design d: names the strata (or PSUs at stage 2), as R.
 */
void
tally_lonely_error(const Design *d, const DesignVariance *dv)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < Min(dv->nlonely, DESIGN_MAX_REPORTED); i++)
	{
		IdRef		id = dv->stage == 1 ? d->strata[dv->lonely[i]].id : d->psu[dv->lonely[i]].id;

		appendStringInfo(&buf, "%s%s", i ? ", " : "", tally_id_text(d->arena + id.off, id.len));
	}
	if (dv->nlonely > DESIGN_MAX_REPORTED)
		appendStringInfo(&buf, " and %d more", dv->nlonely - DESIGN_MAX_REPORTED);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg(dv->stage == 1 ? "stratum with only one PSU: %s" : "PSU with only one SSU: %s", buf.data),
			 errdetail("The lonely PSU policy is \"fail\", as R's default survey.lonely.psu."),
			 errhint("Choose a policy in the aggregate's lonely_psu argument: %s.", LONELY_POLICY_NAMES)));
}

/*
 * The summary every reader starts from: the core's weights-only figures,
 * with the variance and df of the tally's design.  When the variance is
 * needed, a lonely PSU under the "fail" policy is an error naming the
 * strata, as in R; otherwise the variance is left undefined.
 */
static void
summarize(const Tally *t, TallySummary *s, bool need_variance)
{
	Design		d;
	RepAcc		r;
	DesignVariance dv;

	tally_core_summary(&t->core, s);
	if (t->dh.kind == DESIGN_WEIGHTS || isnan(s->estimate))
		return;
	tally_view(t, &d, &r);
	if (t->dh.kind == DESIGN_REPLICATE)
	{
		s->variance = rep_variance(&r, s->estimate);
		if (t->core.kind == TALLY_PROPORTION)
			s->var_logit = rep_variance_logit(&r, s->estimate);
		s->df = rep_df(&r);
		return;
	}
	design_variance(&d, &t->core, &dv);
	if (dv.status == DESIGN_LONELY_FAIL && need_variance)
		tally_lonely_error(&d, &dv);
	s->variance = dv.variance;
	s->df = dv.df;
}

/* the summary, with a variance below the resolution of the data set to 0 */
void
tally_summarize(const Tally *t, TallySummary *s, bool need_variance)
{
	summarize(t, s, need_variance);
	tally_variance_floor(s);
}
