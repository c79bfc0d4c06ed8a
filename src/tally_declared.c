/*
 * tally_declared.c - tally(y, d barometer.design_row): the tally of a
 * declared design (barometer.declare_design).  The handle d carries what
 * the explicit aggregates take as per-row columns (weight, stratum, PSU,
 * SSU, their full-sample counts, fpc, the lonely PSU policy, replicate
 * weights and their specification); this aggregate adds exactly what the
 * explicit transition of the same design adds, in the same order, so the
 * stored tallies are equal byte for byte.
 *
 * On top, the state keeps the handle's identity (the design's stamp and
 * the hash of the row's partition values) and refuses a cell that mixes
 * rows of two designs, two declarations of one design, or two partitions
 * (separate samples, such as two editions): the case where an explicit
 * form silently gives a wrong standard error.
 *
 * tally_ratio(y, x, d) runs the same transition with the ratio's sums
 * (ratio_core.h), as the explicit tally_ratio forms add them.
 *
 * The state is a DeclAcc, a TallyAcc followed by the identity; its
 * serialised form (parallel aggregation) is the identity followed by the
 * stored tally.  The final function is the explicit aggregates' own.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/memutils.h"

#include "design_handle.h"
#include "guard.h"
#include "state_arena.h"
#include "ratio_core.h"
#include "rep_rank_core.h"
#include "replicates.h"
#include "stored.h"
#include "stratified_core.h"
#include "tally.h"

extern PGDLLEXPORT Datum barometer_tally_acc_final(PG_FUNCTION_ARGS);

typedef struct DeclAcc
{
	TallyAcc	acc;			/* first: the shared functions take a DeclAcc
								 * as a TallyAcc */
	DeclIdent	id;
	char	   *spec;			/* DESIGN_REPLICATE: the first row's spec */
	uint32		speclen;
} DeclAcc;

typedef struct DeclCache
{
	Oid			ytype;
	double	   *repw;			/* aligned copy of a row's replicate weights */
	uint32		cap;
} DeclCache;

static DeclAcc *
decl_acc_new(MemoryContext cxt)
{
	StateArena *arena = state_arena_of(cxt);
	DeclAcc    *a;

	if (arena != NULL)
	{
		/* the states of one aggregate context share its arena */
		a = state_arena_realloc(arena, NULL, sizeof(DeclAcc));
		memset(a, 0, sizeof(DeclAcc));
		design_init(&a->acc.design, DESIGN_WEIGHTS, state_arena_realloc, arena);
	}
	else
	{
		a = MemoryContextAllocZero(cxt, sizeof(DeclAcc));
		design_init(&a->acc.design, DESIGN_WEIGHTS, guard_realloc, cxt);
	}
	a->acc.cxt = cxt;
	a->acc.empty = true;
	a->id.kind = -1;
	return a;
}

void
decl_ident_mixed(const DeclIdent *a, const DeclIdent *b)
{
	if (a->stamp != b->stamp)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a tally cannot mix rows of two declared designs"),
				 errdetail("The group holds rows of the designs with stamps " INT64_FORMAT " and " INT64_FORMAT ".",
						   a->stamp, b->stamp),
				 errhint("Tally one declared design at a time; SELECT name, stamp FROM barometer.designs names them (a redeclared design has a new stamp).")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("a tally cannot mix rows of separate samples of a declared design"),
			 errdetail("The group holds rows of two partitions (partition_by) of the design with stamp " INT64_FORMAT "; each partition is a sample of its own.",
					   a->stamp),
			 errhint("Add the partition columns to GROUP BY, or filter on them.")));
}

/* the identity of state a against b (b's kind -1: nothing to check) */
void
decl_ident_merge(DeclIdent *a, const DeclIdent *b)
{
	if (b->kind < 0)
		return;
	if (a->kind < 0)
	{
		*a = *b;
		return;
	}
	if (a->stamp != b->stamp || a->part != b->part || a->kind != b->kind)
		decl_ident_mixed(a, b);
}

/*
 * The handle knows the first stratum's PSU count: a domain of one stratum
 * (a municipality of a design stratified by municipality) holds at most
 * that many PSUs, so the PSU records and the identifier arena are sized
 * once instead of doubling (capped: a domain may be a small part of a big
 * stratum).  Capacity only; the records and the numbers are unchanged.
 */
#define PRESIZE_MAX_PSU 256

static void
presize(Design *d, int64 n_psu, uint32 keylen)
{
	uint32		n = (uint32) Min(n_psu, PRESIZE_MAX_PSU);
	uint32		arena = d->arena_len + n * keylen;

	if (n <= 16 || d->psu != NULL)
		return;
	d->psu = d->realloc_fn(d->alloc_ctx, NULL, (size_t) n * sizeof(PsuRec));
	d->cap_psu = n;
	if (d->cap_arena < arena)
	{
		d->arena = d->realloc_fn(d->alloc_ctx, d->arena, arena);
		d->cap_arena = arena;
	}
}

/*
 * tally(y boolean | double precision, d barometer.design_row) (off = 0) and
 * tally_ratio(y, x, d) (off = 1: x in argument 2, the handle in 3)
 */
static Datum
decl_trans(FunctionCallInfo fcinfo, int off)
{
	MemoryContext aggcontext;
	DeclCache  *c = (DeclCache *) fcinfo->flinfo->fn_extra;
	DeclAcc    *da;
	TallyAcc   *acc;
	Design	   *d;
	bytea	   *hv;
	DesignRow	r;
	DeclIdent	rid;
	bool		has_y;
	double		y = 0,
				x = 0;
	double		w;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "tally transition function called outside an aggregate");
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(DeclCache));
		c->ytype = get_fn_expr_argtype(fcinfo->flinfo, 1);
		fcinfo->flinfo->fn_extra = c;
	}
	if (PG_ARGISNULL(2 + off))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("design handle must not be NULL"),
				 errdetail("Every row of a declared design has its handle; it is NULL only when the row did not come from the design's view."),
				 errhint("Tally the handle column of the view barometer.declare_design made.")));
	hv = PG_GETARG_BYTEA_PP(2 + off);
	design_row_read(VARDATA_ANY(hv), VARSIZE_ANY_EXHDR(hv), &r);
	rid.stamp = r.h.stamp;
	rid.part = r.h.part;
	rid.kind = r.h.kind;
	rid.pad = 0;
	w = r.h.w;

	if (PG_ARGISNULL(0))
	{
		da = decl_acc_new(aggcontext);
		acc = &da->acc;
		tally_core_init(&acc->core, off ? TALLY_RATIO :
						c->ytype == BOOLOID ? TALLY_PROPORTION : TALLY_MEAN);
		acc->design.kind = r.h.kind;
		acc->design.log_mode = (r.h.kind == DESIGN_CLUSTER);
		acc->empty = false;
		da->id = rid;
	}
	else
	{
		da = (DeclAcc *) PG_GETARG_POINTER(0);
		acc = &da->acc;
		if (da->id.stamp != rid.stamp || da->id.part != rid.part || da->id.kind != rid.kind)
			decl_ident_mixed(&da->id, &rid);
	}
	d = &acc->design;

	has_y = !PG_ARGISNULL(1) && !(off && PG_ARGISNULL(2));
	if (has_y && off)
	{
		/* a ratio's row, checked as the explicit forms check it */
		y = tally_arg_value(fcinfo, 1);
		x = tally_arg_ratio_x(fcinfo, 2);
	}
	else if (has_y)
	{
		if (c->ytype == BOOLOID)
			y = PG_GETARG_BOOL(1) ? 1.0 : 0.0;
		else
			y = tally_arg_value(fcinfo, 1);
	}

	switch (r.h.kind)
	{
		case DESIGN_WEIGHTS_DOMAIN:
			tally_same_n_sample(d->n_sample, r.h.n);
			d->n_sample = r.h.n;
			if (!has_y)
				tally_core_add_missing(&acc->core);
			else if (off)
				ratio_core_add(&acc->core, y, x, w);
			else
				tally_core_add(&acc->core, y, w);
			break;

		case DESIGN_CLUSTER:
		case DESIGN_CLUSTER2:
			{
				uint32		h,
							p,
							q = UINT32_MAX;
				bool		created;

				if (d->nstrata == 0 && d->npsu == 0)
					d->lonely = r.h.lonely;
				if (!has_y)
				{
					tally_core_add_missing(&acc->core);
					break;
				}
				h = design_stratum(d, r.skey, r.h.slen, &created);
				if (created)
				{
					d->strata[h].n_psu = r.h.n;
					d->strata[h].popsize = r.h.popsize;
					if (d->cap_psu == 0)
						presize(d, r.h.n, r.h.plen);
				}
				else if (d->strata[h].n_psu != r.h.n ||
						 d->strata[h].popsize != r.h.popsize)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("n_psu or fpc differs between rows of stratum %s",
									tally_id_text(r.skey, r.h.slen)),
							 errdetail("The handles of one declared design disagree: they were not made by one view over the whole sample.")));
				p = design_psu(d, h, r.pkey, r.h.plen, &created);
				if (r.h.kind == DESIGN_CLUSTER2)
				{
					PsuRec	   *pr = design_psu_rec(d, p);

					if (created)
					{
						pr->n_ssu = r.n_ssu;
						pr->popsize2 = r.popsize2;
					}
					else if (pr->n_ssu != r.n_ssu || pr->popsize2 != r.popsize2)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("n_ssu or fpc2 differs between rows of PSU %s",
										tally_id_text(r.pkey, r.h.plen)),
								 errdetail("The handles of one declared design disagree: they were not made by one view over the whole sample.")));
					q = design_ssu(d, p, r.qkey, r.h.qlen, &created);
				}
				if (off)
				{
					ratio_core_add(&acc->core, y, x, w);
					ratio_design_add(d, p, q, y, x, w);
				}
				else
				{
					if (acc->core.kind == TALLY_PROPORTION)
						tally_core_add_prop(&acc->core, y != 0.0, w);
					else
						tally_core_add_num(&acc->core, y, w);
					design_add(d, p, q, y, w);
				}
			}
			break;

		case DESIGN_STRATIFIED:
			{
				uint32		h;
				bool		created;

				if (d->nstrata == 0)
					d->lonely = r.h.lonely;
				if (!has_y)
				{
					tally_core_add_missing(&acc->core);
					break;
				}
				h = stratified_stratum(d, r.skey, r.h.slen, &created);
				if (created)
				{
					d->strata[h].n_psu = r.h.n;
					d->strata[h].popsize = r.h.popsize;
				}
				else if (d->strata[h].n_psu != r.h.n ||
						 d->strata[h].popsize != r.h.popsize)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("n_stratum or fpc differs between rows of stratum %s",
									tally_id_text(r.skey, r.h.slen)),
							 errdetail("The handles of one declared design disagree: they were not made by one view over the whole sample.")));
				if (off)
				{
					ratio_core_add(&acc->core, y, x, w);
					ratio_stratified_add(&d->sums[h], y, x, w);
				}
				else
					stratified_add(&acc->core, &d->sums[h], y, w);
			}
			break;

		case DESIGN_REPLICATE:
			{
				bool		f4 = (r.h.flags & DESIGN_ROW_F4) != 0;
				size_t		bytes = (size_t) r.h.nrep * (f4 ? sizeof(float) : sizeof(double));

				if (acc->rep.spec.nrep == 0)
				{
					Replicates *spec = palloc(r.speclen);
					RepSpec		s;

					memcpy(spec, r.spec, r.speclen);
					s = spec->spec;
					s.nrep = r.h.nrep;
					if (isnan(s.df))
						s.df = stored_nan();
					if (rep_spec_complete(&s, spec->rscales) != NULL)
						elog(ERROR, "invalid replicate specification in a design handle");
					tally_acc_rep_alloc(acc, r.h.nrep);
					acc->rep.spec = s;
					if (s.has_rscales)
						memcpy(acc->rep.rscales, spec->rscales, r.h.nrep * sizeof(double));
					da->spec = MemoryContextAlloc(aggcontext, r.speclen);
					memcpy(da->spec, r.spec, r.speclen);
					da->speclen = r.speclen;
					pfree(spec);
				}
				else if (r.h.nrep != acc->rep.spec.nrep || r.speclen != da->speclen ||
						 memcmp(r.spec, da->spec, r.speclen) != 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("replicate specification differs between rows"),
							 errdetail("The handles of one declared design disagree: they were not made by one view over the whole sample.")));
				if (has_y)
				{
					if (c->cap < bytes)
					{
						c->repw = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, Max(bytes, 64));
						c->cap = Max(bytes, 64);
					}
					memcpy(c->repw, r.repw, bytes);
					if (off)
					{
						ratio_core_add(&acc->core, y, x, w);
						if (f4)
							ratio_rep_add_f4(&acc->rep, y, x, (float *) c->repw);
						else
							ratio_rep_add(&acc->rep, y, x, c->repw);
					}
					else
					{
						tally_core_add(&acc->core, y, w);
						if (f4)
							rep_add_f4(&acc->rep, y, (float *) c->repw);
						else
							rep_add(&acc->rep, y, c->repw);
					}
					if (f4)
						rep_rank_add_f4(&acc->rep, (float *) c->repw);
					else
						rep_rank_add(&acc->rep, c->repw);
					rep_rank_settle_due(&acc->rep);
				}
				else
					tally_core_add_missing(&acc->core);
			}
			break;

		default:
			elog(ERROR, "unknown design kind %d in a design handle", r.h.kind);
	}
	PG_RETURN_POINTER(da);
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_declared);
Datum
barometer_tally_trans_declared(PG_FUNCTION_ARGS)
{
	return decl_trans(fcinfo, 0);
}

/* tally_ratio(y, x, d barometer.design_row) */
PG_FUNCTION_INFO_V1(barometer_ratio_trans_declared);
Datum
barometer_ratio_trans_declared(PG_FUNCTION_ARGS)
{
	return decl_trans(fcinfo, 1);
}

/* combine two states (parallel aggregation) */
PG_FUNCTION_INFO_V1(barometer_tally_decl_combine);
Datum
barometer_tally_decl_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	DeclAcc    *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "combine function called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (DeclAcc *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? decl_acc_new(aggcontext) : (DeclAcc *) PG_GETARG_POINTER(0);
	decl_ident_merge(&a->id, &b->id);
	tally_acc_merge(&a->acc, &b->acc);
	PG_RETURN_POINTER(a);
}

/* the identity, then the stored tally */
PG_FUNCTION_INFO_V1(barometer_tally_decl_serialize);
Datum
barometer_tally_decl_serialize(PG_FUNCTION_ARGS)
{
	DeclAcc    *a = (DeclAcc *) PG_GETARG_POINTER(0);
	Tally	   *t;
	bytea	   *out;

	if (a->acc.design.log_mode)
		design_compact(&a->acc.design);
	t = tally_pack(&a->acc, false);
	out = (bytea *) palloc(VARHDRSZ + sizeof(DeclIdent) + VARSIZE(t));
	SET_VARSIZE(out, VARHDRSZ + sizeof(DeclIdent) + VARSIZE(t));
	memcpy(VARDATA(out), &a->id, sizeof(DeclIdent));
	memcpy(VARDATA(out) + sizeof(DeclIdent), t, VARSIZE(t));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(barometer_tally_decl_deserialize);
Datum
barometer_tally_decl_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_P(0);
	DeclAcc    *a = decl_acc_new(CurrentMemoryContext);
	uint32		tlen = VARSIZE(in) - VARHDRSZ - sizeof(DeclIdent);
	Tally	   *t = (Tally *) palloc(tlen);	/* palloc: aligned */

	memcpy(&a->id, VARDATA(in), sizeof(DeclIdent));
	memcpy(t, VARDATA(in) + sizeof(DeclIdent), tlen);
	/* an empty partial state is packed as an empty tally: nothing to add */
	if (a->id.kind >= 0)
		tally_acc_merge_tally(&a->acc, t);
	PG_RETURN_POINTER(a);
}

/*
 * the final step is the explicit aggregates' (its DeclAcc is a TallyAcc),
 * once the design is known to be still declared
 */
PG_FUNCTION_INFO_V1(barometer_tally_decl_final);
Datum
barometer_tally_decl_final(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(0))
		decl_check_declared(fcinfo, &((DeclAcc *) PG_GETARG_POINTER(0))->id);
	return barometer_tally_acc_final(fcinfo);
}
