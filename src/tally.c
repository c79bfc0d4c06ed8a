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
#include "state_arena.h"
#include "rep_rank_core.h"
#include "stored.h"
#include "stratified_core.h"
#include "tally.h"

/* the core and design header of versions 1 to 3: no n_true, no rank */
typedef struct TallyCoreV3
{
	int32		kind;
	int32		reserved;
	int64		n;
	int64		n_missing;
	int64		n_pos;
	dd_t		s[TALLY_NSUMS];
} TallyCoreV3;

typedef struct TallyDesignHdrV3
{
	int32		kind;
	int32		lonely;
	int64		n_sample;
	uint32		nstrata;
	uint32		npsu;
	uint32		nssu;
	uint32		arena_len;
	RepSpec		rep;
} TallyDesignHdrV3;

/* the version 1 header: no design section */
typedef struct TallyV1
{
	int32		vl_len_;
	int32		version;
	TallyCoreV3 core;
} TallyV1;

/* the header of versions 2 and 3 */
typedef struct TallyV3
{
	int32		vl_len_;
	int32		version;
	TallyCoreV3 core;
	TallyDesignHdrV3 dh;
} TallyV3;

/* whether the replicate section carries the Gram matrix */
static inline bool
tally_has_gram(const TallyDesignHdr *dh)
{
	return dh->rep_rank_state == REP_RANK_KNOWN && dh->rep_rank >= 0 &&
		dh->rep_rank < (int32) dh->rep.nrep;
}

/* the sums records of a stratified design: one per stratum */
static inline uint32
tally_nsums(const TallyDesignHdr *dh)
{
	return design_has_sums(dh->kind) ? dh->nstrata : 0;
}

/* the bytes of a version 3 tally before its PSU records */
static size_t
tally_fixed_size(const TallyDesignHdr *dh)
{
	return sizeof(Tally) +
		(size_t) dh->nstrata * sizeof(StratumRec) +
		(size_t) dh->nssu * sizeof(SsuRec) +
		(size_t) tally_nsums(dh) * sizeof(StratSums) +
		(size_t) dh->rep.nrep * (sizeof(double) + 2 * sizeof(dd_t)) +
		(tally_has_gram(dh) ? rep_gram_len(dh->rep.nrep) * sizeof(double) : 0) +
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
 * The PSU records of version 3: the encoding of design_psu_encode
 * (design_core.c: "PSU records"), each record relative to the previous one,
 * from the end of the arena to the end of the value.
 */
static void pg_attribute_noreturn()
psu_corrupted(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("stored barometer.tally has malformed PSU records")));
}

/* where the PSU records of t begin (version 3) */
static const char *
psu_stream(const Tally *t)
{
	return (const char *) t + tally_fixed_size(&t->dh);
}

void
tally_psu_cursor(const Tally *t, TallyPsuCursor *c)
{
	memset(c, 0, sizeof(*c));
	c->count = t->dh.npsu;
	if (t->version == 2)
		c->fixed = (const PsuRec *) ((const char *) t + sizeof(Tally) +
									 t->dh.nstrata * sizeof(StratumRec));
	else
	{
		if (VARSIZE(t) < tally_fixed_size(&t->dh))
			psu_corrupted();
		c->p = psu_stream(t);
		c->end = (const char *) t + VARSIZE(t);
		design_psu_codec_start(&c->codec);
		/* version 4: a one-stage design's records may have successor ids */
		c->codec.log = t->version >= 4 && t->dh.kind == DESIGN_CLUSTER;
		c->arena = c->p - t->dh.arena_len;
		c->arena_len = t->dh.arena_len;
	}
}

bool
tally_psu_next(TallyPsuCursor *c, PsuRec *r)
{
	if (c->next >= c->count)
	{
		if (c->fixed == NULL && c->p != c->end)
			psu_corrupted();	/* bytes after the last record */
		return false;
	}
	if (c->fixed)
		*r = c->fixed[c->next];
	else if (!design_psu_decode(&c->codec, &c->p, c->end, r))
		psu_corrupted();
	else if (c->codec.log)
	{
		/* a successor follows an integer id of its stratum (tally_pack) */
		if (r->id.off == DESIGN_ID_SUCC)
		{
			if (c->next == 0 || !c->prev_int || r->stratum != c->prev_stratum ||
				c->prev_value == PG_UINT64_MAX)
				psu_corrupted();
			c->prev_value++;
		}
		else
		{
			c->prev_int = r->id.off <= c->arena_len && r->id.len <= c->arena_len - r->id.off &&
				design_key_is_int(c->arena + r->id.off, r->id.len);
			if (c->prev_int)
				c->prev_value = design_key_uint(c->arena + r->id.off);
		}
		c->prev_stratum = r->stratum;
	}
	c->next++;
	return true;
}

/*
 * A Design and RepAcc that point into the stored tally (read only; the
 * allocator serves temporary arrays in the current memory context).  The
 * PSU records of version 3 are decoded into an array of the current memory
 * context (tally_view), or left to a cursor (tally_view_lazy: d->psu is
 * NULL when the tally has PSUs).
 */
static void
view_parts(const Tally *t, Design *d, RepAcc *r, bool decode)
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
	if (t->version == 2)
	{
		d->psu = (PsuRec *) p;
		p += d->npsu * sizeof(PsuRec);
	}
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
	r->rank_state = t->dh.rep_rank_state;
	r->rank = t->dh.rep_rank;
	r->run_j0 = -1;
	if (tally_has_gram(&t->dh))
	{
		r->gram = (double *) p;
		p += rep_gram_len(r->spec.nrep) * sizeof(double);
	}
	d->arena = (char *) p;
	if (t->version != 2 && d->npsu > 0 && decode)
	{
		TallyPsuCursor c;
		uint32		i = 0;
		uint64	   *succ = NULL;	/* the successor ids' values, in record order */
		uint32		nsucc = 0;

		guard_bytes((size_t) d->npsu * sizeof(PsuRec), "the PSU records of a tally");
		d->psu = palloc_extended((size_t) d->npsu * sizeof(PsuRec), MCXT_ALLOC_HUGE);
		guard_hugepage_hint(d->psu, (size_t) d->npsu * sizeof(PsuRec));
		tally_psu_cursor(t, &c);
		while (tally_psu_next(&c, &d->psu[i]))
		{
			if ((i & 65535) == 0)
				CHECK_FOR_INTERRUPTS();
			if (d->psu[i].id.off == DESIGN_ID_SUCC)
			{
				if (succ == NULL)
				{
					guard_bytes((size_t) d->npsu * sizeof(uint64), "the PSU ids of a tally");
					succ = palloc_extended((size_t) d->npsu * sizeof(uint64), MCXT_ALLOC_HUGE);
				}
				succ[nsucc++] = c.prev_value;
			}
			i++;
		}

		/*
		 * Version 4's successor ids: appended to a copy of the arena, so
		 * that every reader finds every id where its record says.
		 */
		if (nsucc > 0)
		{
			size_t		len = (size_t) d->arena_len + (size_t) nsucc * 9;
			char	   *na;
			uint32		k = 0;

			if (len > PG_UINT32_MAX)
				psu_corrupted();
			guard_bytes(len, "the PSU ids of a tally");
			na = palloc_extended(len, MCXT_ALLOC_HUGE);
			memcpy(na, d->arena, d->arena_len);
			for (i = 0; i < d->npsu; i++)
				if (d->psu[i].id.off == DESIGN_ID_SUCC)
				{
					if ((k & 65535) == 0)
						CHECK_FOR_INTERRUPTS();
					d->psu[i].id.off = d->arena_len + 9 * k;
					design_key_put_uint(na + d->psu[i].id.off, succ[k]);
					k++;
				}
			d->arena = na;
			d->arena_len = (uint32) len;
			pfree(succ);
		}
	}
}

void
tally_view(const Tally *t, Design *d, RepAcc *r)
{
	view_parts(t, d, r, true);
}

void
tally_view_lazy(const Tally *t, Design *d, RepAcc *r)
{
	view_parts(t, d, r, false);
}

/* a core of versions 1 to 3: its count of TRUE answers is unknown */
static void
core_from_v3(TallyCore *c, const TallyCoreV3 *o)
{
	memset(c, 0, sizeof(*c));
	c->kind = o->kind;
	c->reserved = o->reserved;
	c->n = o->n;
	c->n_missing = o->n_missing;
	c->n_pos = o->n_pos;
	c->n_true = o->kind == TALLY_PROPORTION ? TALLY_N_TRUE_UNKNOWN : 0;
	memcpy(c->s, o->s, sizeof(c->s));
}

/*
 * A stored tally of an earlier version, in the layout of this one.
 * Versions 3 and 4 differ only in their header: the header is rewritten
 * (the count of TRUE answers unknown, the replicate rank not tracked: df
 * R - 1, as it was) and the rest copied.  Version 2 (fixed PSU records) is rewritten
 * through an accumulator; version 1 has no design section.
 */
Tally *
tally_upgrade(Tally *t)
{
	Tally	   *r;
	const TallyV3 *o = (const TallyV3 *) t;
	size_t		body;

	if (t->version == TALLY_VERSION)
		return t;
	if (t->version == 1 && VARSIZE(t) == sizeof(TallyV1))
	{
		r = (Tally *) palloc0(sizeof(Tally));
		SET_VARSIZE(r, sizeof(Tally));
		r->version = TALLY_VERSION;
		core_from_v3(&r->core, &((TallyV1 *) t)->core);
		return r;
	}
	if (t->version < 2 || t->version > 4 || VARSIZE(t) < sizeof(TallyV3))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("stored barometer.tally has an unknown version %d", t->version)));
	body = VARSIZE(t) - sizeof(TallyV3);
	r = (Tally *) palloc_extended(sizeof(Tally) + body, MCXT_ALLOC_HUGE);
	memset(r, 0, sizeof(Tally));
	SET_VARSIZE(r, sizeof(Tally) + body);
	r->version = t->version;
	core_from_v3(&r->core, &o->core);
	r->dh.kind = o->dh.kind;
	r->dh.lonely = o->dh.lonely;
	r->dh.n_sample = o->dh.n_sample;
	r->dh.nstrata = o->dh.nstrata;
	r->dh.npsu = o->dh.npsu;
	r->dh.nssu = o->dh.nssu;
	r->dh.arena_len = o->dh.arena_len;
	r->dh.rep = o->dh.rep;
	r->dh.rep_rank_state = REP_RANK_NONE;
	memcpy((char *) r + sizeof(Tally), (const char *) t + sizeof(TallyV3), body);
	/*
	 * Versions 3 and 4: the body as it is.  Version 4's PSU records (a
	 * one-stage design's successor ids) are this version's; version 3's
	 * one-stage records never have the bit that now means a successor (it
	 * meant SSU counts, which a one-stage design has not).
	 */
	if (t->version == 3 || t->version == 4)
	{
		r->version = TALLY_VERSION;
		return r;
	}
	/* version 2: its PSU records encoded as this version has them */
	{
		TallyAcc	acc;
		Tally	   *v;

		memset(&acc, 0, sizeof(acc));
		tally_view(r, &acc.design, &acc.rep);
		acc.core = r->core;
		v = tally_pack(&acc, false);
		pfree(r);
		return v;
	}
}

TallyAcc *
tally_acc_new(MemoryContext cxt)
{
	TallyAcc   *acc = MemoryContextAllocZero(cxt, sizeof(TallyAcc));

	design_init(&acc->design, DESIGN_WEIGHTS, guard_realloc, cxt);
	acc->empty = true;
	acc->cxt = cxt;
	return acc;
}

/*
 * A transition function's new state in its aggregate context: the state
 * and its design records come from the context's arena (state_arena.h),
 * shared by every state of the context.
 */
TallyAcc *
tally_acc_new_agg(MemoryContext aggcontext)
{
	StateArena *arena = state_arena_of(aggcontext);
	TallyAcc   *acc;

	if (arena == NULL)
		return tally_acc_new(aggcontext);
	acc = state_arena_realloc(arena, NULL, sizeof(TallyAcc));
	memset(acc, 0, sizeof(TallyAcc));
	design_init(&acc->design, DESIGN_WEIGHTS, state_arena_realloc, arena);
	acc->empty = true;
	acc->cxt = aggcontext;
	return acc;
}

/* allocate the replicate arrays of an accumulator for R replicates */
void
tally_acc_rep_alloc(TallyAcc *acc, uint32 nrep)
{
	MemoryContext cxt = acc->cxt;
	uint32		i;

	acc->rep.spec.nrep = nrep;
	acc->rep.rscales = MemoryContextAllocHuge(cxt, nrep * sizeof(double));
	acc->rep.a = MemoryContextAllocHuge(cxt, nrep * sizeof(dd_t));
	acc->rep.b = MemoryContextAllocHuge(cxt, nrep * sizeof(dd_t));
	for (i = 0; i < nrep; i++)
		acc->rep.rscales[i] = 1.0;
	memset(acc->rep.a, 0, nrep * sizeof(dd_t));
	memset(acc->rep.b, 0, nrep * sizeof(dd_t));
	/* R's rank df: the Gram matrix of the replicate weights, up to 100 */
	acc->rep.rank_state = REP_RANK_NONE;
	acc->rep.gram = NULL;
	if (nrep <= REP_GRAM_MAX_R)
	{
		guard_array(rep_gram_len(nrep) + nrep, sizeof(double), "the replicate Gram matrix of a tally");
		acc->rep.gram = MemoryContextAllocZero(cxt, rep_gram_len(nrep) * sizeof(double));
		acc->rep.run = MemoryContextAllocZero(cxt, nrep * sizeof(double));
		rep_rank_open(&acc->rep);
	}
}

/*
 * After a row's replicate weights went to the rank (rep_rank_add): once
 * the rows reach full rank the Gram matrix is no longer summed
 * (rep_rank_core.h: rep_rank_due, rep_rank_settle).  The Gram matrix was
 * palloc'd by its owner (tally, chisq).
 */
void
rep_rank_settle_due(RepAcc *r)
{
	double	   *work;

	if (!rep_rank_due(r))
		return;
	work = rep_rank_work(r->spec.nrep);
	if (rep_rank_settle(r, work) && r->gram != NULL)
	{
		pfree(r->gram);
		r->gram = NULL;
	}
	pfree(work);
}

/* the work array of rep_rank_compute and rep_rank_settle (2 R^2 doubles) */
double *
rep_rank_work(uint32 R)
{
	guard_array((uint64) 2 * R * R, sizeof(double), "the replicate Gram matrix");
	return palloc_extended((size_t) 2 * R * R * sizeof(double), MCXT_ALLOC_HUGE);
}

/* the rank of an open accumulation now (its pending run added) */
int
rep_rank_now(RepAcc *r)
{
	double	   *work = rep_rank_work(r->spec.nrep);
	int			rank;

	rep_rank_flush(r);
	rank = rep_rank_compute(r, work);
	pfree(work);
	return rank;
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
	if (d->kind == DESIGN_CLUSTER || d->kind == DESIGN_CLUSTER2 || design_has_sums(d->kind))
	{
		uint32		where = 0;
		const char *problem = design_merge(&a->design, d, &where);

		if (problem)
			design_conflict(psprintf("%s (stratum %s)", problem,
									 tally_id_text(d->arena + d->strata[where].id.off,
												   d->strata[where].id.len)));
	}
	if (d->kind == DESIGN_REPLICATE)
	{
		rep_merge(&a->rep, r);
		if (rep_rank_merge(&a->rep, (RepAcc *) r))
		{
			a->rep.gram = MemoryContextAllocZero(a->cxt,
												 rep_gram_len(a->rep.spec.nrep) * sizeof(double));
			(void) rep_rank_merge(&a->rep, (RepAcc *) r);
		}
	}
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
 * The records of a one-stage accumulation's log as version 4 stores them
 * (the log's codec, the log's arena): the log's bytes as they are, or, when
 * finishing changes sums, each record again with normalised sums; then the
 * records still in the array, after them.  Their length when out is NULL.
 */
static size_t
pack_log_records(const Design *d, bool finish, char *out)
{
	bool		renorm = finish && d->log_denormal;
	DesignPsuCodec rd,
				wr;
	const DesignLogSeg *seg;
	PsuRec		x;
	size_t		n = 0;
	uint32		i = 0;

	design_psu_codec_start(&rd);
	rd.log = true;
	design_psu_codec_start(&wr);
	wr.log = true;
	for (seg = d->log; seg != NULL; seg = seg->next)
	{
		const char *q = seg->data,
				   *end = seg->data + seg->len;

		if (!renorm)
		{
			if (out)
				memcpy(out + n, seg->data, seg->len);
			n += seg->len;
			continue;
		}
		while (q < end)
		{
			if ((++i & 65535) == 0)
				CHECK_FOR_INTERRUPTS();
			/* the log is written by design_psu only: it always decodes */
			if (!design_psu_decode(&rd, &q, end, &x))
				elog(ERROR, "the log of PSU records is malformed");
			x.a = dd_norm(x.a);
			x.b = dd_norm(x.b);
			wr.succ_next = x.id.off == DESIGN_ID_SUCC;
			n += design_psu_encode(&wr, &x, out ? out + n : NULL);
		}
	}
	/* the array's records continue the log (the log's codec, no successors) */
	wr = d->log_codec;
	wr.succ_next = false;
	for (i = 0; i < d->npsu - d->psu_base; i++)
	{
		x = d->psu[i];
		if (finish)
		{
			x.a = dd_norm(x.a);
			x.b = dd_norm(x.b);
		}
		n += design_psu_encode(&wr, &x, out ? out + n : NULL);
	}
	return n;
}

/*
 * The stored form of an accumulator.  With finish (the aggregates' final
 * and serial steps), clustered designs are written in canonical order and
 * the core's and the units' sums are normalised, leaving the accumulator
 * as it was (a window aggregate goes on adding to it); without, records are
 * copied as they are (text and binary input, which tally_validate then
 * checks).  The log of a one-stage accumulation is stored as it is, with
 * its arena (version 4: the successor ids stay out of both).  A one-stage
 * PSU has no SSU counts: version 4's records cannot carry them (the binary
 * input refuses them before).
 */
Tally *
tally_pack(TallyAcc *acc, bool finish)
{
	TallyDesignHdr dh;
	Tally	   *t;
	char	   *p;
	Design	   *d = &acc->design;
	StratumRec *ns;
	SsuRec	   *nq;
	StratSums  *nsum;
	char	   *na;
	const PsuRec *src_psu;
	StratumRec *tmp_s = NULL;
	PsuRec	   *tmp_p = NULL;
	SsuRec	   *tmp_q = NULL;
	char	   *tmp_a = NULL;
	bool		sorted_tmp = false;
	bool		from_log;
	DesignPsuCodec codec;
	PsuRec		x;
	size_t		stream = 0;
	uint32		i;
	const double zero = 0.0;

	if (finish && d->log_mode)
		design_compact(d);		/* the log of PSU records becomes a set */
	from_log = d->psu_base > 0;
	if (from_log && d->kind != DESIGN_CLUSTER)
		elog(ERROR, "a log of PSU records in a design of kind %d", d->kind);
	src_psu = from_log ? NULL : d->psu;
	memset(&dh, 0, sizeof(dh));
	dh.kind = d->kind;
	dh.lonely = d->lonely;
	dh.n_sample = d->n_sample;
	dh.nstrata = d->nstrata;
	dh.npsu = d->npsu;
	dh.nssu = d->nssu;
	dh.arena_len = d->arena_len;
	if (d->kind == DESIGN_REPLICATE)
	{
		dh.rep = acc->rep.spec;
		dh.rep_rank_state = acc->rep.rank_state;
		dh.rep_rank = acc->rep.rank;
		/* an accumulator's Gram matrix: its rank now (a given df needs none) */
		if (acc->rep.rank_state == REP_RANK_OPEN && !isnan(acc->rep.spec.df))
			dh.rep_rank_state = REP_RANK_NONE, dh.rep_rank = 0;
		else if (acc->rep.rank_state == REP_RANK_OPEN)
		{
			dh.rep_rank_state = REP_RANK_KNOWN;
			dh.rep_rank = rep_rank_now(&acc->rep);
		}
	}

	/* a clustered design not in canonical order: sorted into scratch arrays */
	if (finish && (d->kind == DESIGN_CLUSTER || d->kind == DESIGN_CLUSTER2) && !d->canonical)
	{
		if (from_log)
			elog(ERROR, "a log of PSU records not in canonical order");
		guard_bytes((size_t) d->npsu * sizeof(PsuRec) + (size_t) d->nssu * sizeof(SsuRec) +
					(size_t) d->nstrata * sizeof(StratumRec) + d->arena_len,
					"the stored tally");
		tmp_s = palloc_extended((size_t) d->nstrata * sizeof(StratumRec) + 1, MCXT_ALLOC_HUGE);
		tmp_p = palloc_extended((size_t) d->npsu * sizeof(PsuRec) + 1, MCXT_ALLOC_HUGE);
		tmp_q = palloc_extended((size_t) d->nssu * sizeof(SsuRec) + 1, MCXT_ALLOC_HUGE);
		tmp_a = palloc_extended((size_t) d->arena_len + 1, MCXT_ALLOC_HUGE);
		design_write_sorted(d, tmp_s, tmp_p, tmp_q, tmp_a);
		src_psu = tmp_p;
		sorted_tmp = true;
	}

	/* the PSU records' length, with their sums normalised when finishing */
	if (from_log)
		stream = pack_log_records(d, finish, NULL);
	else
	{
		design_psu_codec_start(&codec);
		for (i = 0; i < d->npsu; i++)
		{
			x = src_psu[i];
			if (finish)
			{
				x.a = dd_norm(x.a);
				x.b = dd_norm(x.b);
			}
			stream += design_psu_encode(&codec, &x, NULL);
			/* the binary input refuses them first (22P03) */
			if (d->kind == DESIGN_CLUSTER && (x.n_ssu != 0 || memcmp(&x.popsize2, &zero, sizeof(double)) != 0))
				elog(ERROR, "a one-stage PSU record with SSU counts");
		}
	}

	/*
	 * Only the header needs zeroing: the records keep the zeroed padding
	 * they were created with, and the rest is written in full.
	 */
	guard_bytes(tally_fixed_size(&dh) + stream, "the stored tally");
	t = (Tally *) palloc_extended(tally_fixed_size(&dh) + stream, MCXT_ALLOC_HUGE);
	guard_hugepage_hint(t, tally_fixed_size(&dh) + stream);
	memset(t, 0, sizeof(Tally));
	SET_VARSIZE(t, tally_fixed_size(&dh) + stream);
	t->version = TALLY_VERSION;
	t->core = acc->core;
	if (finish)
		tally_core_finish(&t->core);
	t->dh = dh;
	p = (char *) t + sizeof(Tally);
	ns = (StratumRec *) p;
	p += d->nstrata * sizeof(StratumRec);
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
		if (tally_has_gram(&dh))
		{
			memcpy(p, acc->rep.gram, rep_gram_len(dh.rep.nrep) * sizeof(double));
			p += rep_gram_len(dh.rep.nrep) * sizeof(double);
		}
	}
	na = p;
	if (sorted_tmp)
	{
		memcpy(ns, tmp_s, d->nstrata * sizeof(StratumRec));
		memcpy(nq, tmp_q, (size_t) d->nssu * sizeof(SsuRec));
		if (d->arena_len)
			memcpy(na, tmp_a, d->arena_len);
	}
	else if (finish && design_has_sums(d->kind))
		stratified_write_sorted(d, ns, nsum, na);
	else
	{
		/* records are copied whole: their padding stays zero */
		memcpy(ns, d->strata, d->nstrata * sizeof(StratumRec));
		memcpy(nq, d->ssu, (size_t) d->nssu * sizeof(SsuRec));
		if (tally_nsums(&dh))
			memcpy(nsum, d->sums, (size_t) tally_nsums(&dh) * sizeof(StratSums));
		if (d->arena_len)
			memcpy(na, d->arena, d->arena_len);
	}
	p = na + dh.arena_len;
	if (from_log)
		p += pack_log_records(d, finish, p);
	else
	{
		design_psu_codec_start(&codec);
		for (i = 0; i < d->npsu; i++)
		{
			if ((i & 65535) == 0)
				CHECK_FOR_INTERRUPTS();
			x = src_psu[i];
			if (finish)
			{
				x.a = dd_norm(x.a);
				x.b = dd_norm(x.b);
			}
			p += design_psu_encode(&codec, &x, p);
		}
	}
	Assert(p == (char *) t + VARSIZE(t));
	if (p != (char *) t + VARSIZE(t))
		elog(ERROR, "the PSU records of a stored tally changed length");
	if (finish)
	{
		for (i = 0; i < d->nssu; i++)
		{
			nq[i].a = dd_norm(nq[i].a);
			nq[i].b = dd_norm(nq[i].b);
		}
		stratified_normalize(nsum, tally_nsums(&dh));
	}
	if (sorted_tmp)
	{
		pfree(tmp_s);
		pfree(tmp_p);
		pfree(tmp_q);
		pfree(tmp_a);
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

#define RANGE_CORE 1
#define RANGE_PSU 2
#define RANGE_REST 4
#define RANGE_ALL 7

static inline const char *psu_range_problem(const PsuRec *x);

/*
 * Values out of range: a sum that is not finite or a row count past the
 * limit.  The aggregates can reach them only by merging (or accumulating)
 * extreme values; they then raise 22003 rather than store what no input
 * would read back.
 */
static const char *
tally_range_problem(const Tally *t, const Design *d, const RepAcc *r, int parts)
{
	const char *problem = NULL;
	uint32		i = 0;
	TallyPsuCursor c;
	PsuRec		x;

	if (parts & RANGE_CORE)
		problem = tally_core_range_check(&t->core);
	if (problem != NULL)
		return problem;
	if (parts & RANGE_PSU)
	{
		tally_psu_cursor(t, &c);
		while (tally_psu_next(&c, &x))
		{
			if ((++i & 65535) == 0)
				CHECK_FOR_INTERRUPTS();
			if ((problem = psu_range_problem(&x)) != NULL)
				return problem;
		}
	}
	if (!(parts & RANGE_REST))
		return NULL;
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

/* an identifier: in the arena (design_check checks the tag), no NUL, the server encoding */
static const char *
id_problem(const Design *d, IdRef id)
{
	if (id.off == DESIGN_ID_SUCC)
		return NULL;			/* an integer (tally_psu_next) */
	if (id.len < 1 || id.off > d->arena_len || id.len > d->arena_len - id.off)
		return "An identifier lies outside the value.";
	if (d->arena[id.off] == 't')
		return stored_id_problem(d->arena + id.off + 1, (int) id.len - 1);
	return NULL;
}

/*
 * The checks of every PSU record, made in the pass of design_check_iter
 * over them (one-stage designs): the first problem of each kind.
 */
typedef struct PsuPass
{
	TallyPsuCursor c;
	const Design *d;
	uint32		seen;
	const char *range;
	const char *ids;
} PsuPass;

static inline const char *
psu_range_problem(const PsuRec *x)
{
	if (!isfinite(x->a.hi) || !isfinite(x->a.lo) ||
		!isfinite(x->b.hi) || !isfinite(x->b.lo) ||
		x->n_dom > PG_INT64_MAX / 4)
		return "A PSU's sums or row counts are out of range.";
	return NULL;
}

static bool
psu_pass_next(void *arg, PsuRec *out)
{
	PsuPass    *f = (PsuPass *) arg;

	if (!tally_psu_next(&f->c, out))
		return false;
	if ((++f->seen & 65535) == 0)
		CHECK_FOR_INTERRUPTS();
	if (f->range == NULL)
		f->range = psu_range_problem(out);
	if (f->ids == NULL)
		f->ids = id_problem(f->d, out->id);
	return true;
}

/*
 * identifiers: strata, PSUs, SSUs in this order; pass (if given) has
 * checked the PSUs'
 */
static const char *
tally_ids_problem(const Tally *t, const Design *d, const PsuPass *pass)
{
	uint32		i;
	const char *problem;
	TallyPsuCursor c;
	PsuRec		x;

	tally_psu_cursor(t, &c);
	for (i = 0; i < d->nstrata + d->npsu + d->nssu; i++)
	{
		IdRef		id;

		if (i < d->nstrata)
			id = d->strata[i].id;
		else if (i < d->nstrata + d->npsu)
		{
			if (pass != NULL)
			{
				if (pass->ids != NULL)
					return pass->ids;
				i = d->nstrata + d->npsu - 1;
				continue;
			}
			if (!tally_psu_next(&c, &x))
				return "The PSU records are malformed.";
			id = x.id;
		}
		else
			id = d->ssu[i - d->nstrata - d->npsu].id;

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if ((problem = id_problem(d, id)) != NULL)
			return problem;
	}
	return NULL;
}

/*
 * tally_problem of a one-stage design whose PSU records are decoded one at
 * a time: the same problems in the same order (range, core, design,
 * identifiers), the records decoded once when nothing is wrong.
 */
static const char *
one_stage_problem(const Tally *t, const Design *d, const RepAcc *r, bool *range)
{
	const char *problem;
	const char *dproblem;
	PsuPass		pass;
	PsuRec		x;

	problem = tally_range_problem(t, d, r, RANGE_CORE);
	if (problem == NULL)
	{
		memset(&pass, 0, sizeof(pass));
		tally_psu_cursor(t, &pass.c);
		pass.d = d;
		dproblem = design_check_iter(d, &t->core, psu_pass_next, &pass);
		if (pass.seen == d->npsu)
		{
			(void) tally_psu_next(&pass.c, &x);		/* no bytes after the last record */
			problem = pass.range;
		}
		else
			problem = tally_range_problem(t, d, r, RANGE_PSU);
	}
	if (problem == NULL)
		problem = tally_range_problem(t, d, r, RANGE_REST);
	if (problem != NULL)
	{
		*range = true;
		return problem;
	}
	problem = tally_core_check(&t->core);
	if (problem != NULL)
		return problem;
	if (t->dh.rep.nrep || t->dh.rep.method || t->dh.rep_rank_state || t->dh.rep_rank)
		return "A linearization tally has no replicates.";
	if (dproblem != NULL)
		return dproblem;
	return tally_ids_problem(t, d, &pass);
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
	/* one-stage PSU records are checked as they are decoded, two-stage ones at hand */
	if (t->dh.kind == DESIGN_CLUSTER2)
		tally_view(t, &d, &r);
	else
		tally_view_lazy(t, &d, &r);
	if (t->dh.kind == DESIGN_REPLICATE && t->dh.rep.nrep == 0)
		return "A replicate design has no replicates.";
	if (d.psu == NULL && d.npsu > 0 && t->dh.kind == DESIGN_CLUSTER)
		return one_stage_problem(t, &d, &r, range);
	problem = tally_range_problem(t, &d, &r, RANGE_ALL);
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
				t->dh.rep.nrep || t->dh.n_sample || t->dh.lonely || t->dh.rep_rank_state ||
				t->dh.rep_rank)
				return "A weights-only tally has no design section.";
			return NULL;
		case DESIGN_REPLICATE:
			if (t->dh.nstrata || t->dh.npsu || t->dh.nssu || t->dh.arena_len ||
				t->dh.n_sample || t->dh.lonely)
				return "A replicate tally has no strata or PSUs.";
			problem = rep_check(&r, &t->core);
			if (problem == NULL && isnan(r.spec.df) && !stored_nan_canonical(r.spec.df))
				problem = "The df of a replicate design is a number, or NaN (default) in its one canonical form.";
			if (problem == NULL && tally_has_gram(&t->dh) && t->dh.rep.nrep <= REP_GRAM_MAX_R)
			{
				double	   *work = rep_rank_work(t->dh.rep.nrep);

				problem = rep_rank_problem(&r, work);
				pfree(work);
			}
			else if (problem == NULL)
				problem = rep_rank_problem(&r, NULL);
			return problem;
		default:
			if (t->dh.rep.nrep || t->dh.rep.method || t->dh.rep_rank_state || t->dh.rep_rank)
				return "A linearization tally has no replicates.";
			problem = design_check(&d, &t->core);
			if (problem == NULL)
				problem = tally_ids_problem(t, &d, NULL);
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

/* whether the stored tally passes the one check (tally_problem) */
bool
tally_consistent(const Tally *t)
{
	bool		range;

	return tally_problem(t, &range) == NULL;
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
