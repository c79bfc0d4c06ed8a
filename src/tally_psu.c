/*
 * tally_psu.c - many indicators of a stratified clustered sample at once,
 * stored as per-stratum sums of PSU totals (design kind cluster_sums):
 *   tally_psu_sums(y boolean[] | float8[], w, stratum, psu, n_psu
 *                  ORDER BY psu)  -> barometer.tally[]
 * Element k of the result has the core (row counts and sums) of
 * tally(y[k], w, stratum, psu, n_psu, NULL) over the same rows, bit for
 * bit, and instead of one record per PSU the sums of each stratum over the
 * PSUs with rows of y[k]: PSUs (n_dom, n_pos), sum A, sum B, sum B^2,
 * sum A B, sum A^2 with A, B a PSU's sum w y and sum w over its rows in the
 * group.  The linearized variance of a mean or proportion needs exactly
 * these (R's onestrat over the stratum's n_psu PSUs, absent PSUs scoring
 * 0), so the figures are those of the clustered tally; and the sums of two
 * groups add exactly when no PSU has rows in both: merge cluster_sums
 * tallies only over groups that whole PSUs separate (municipalities when
 * the PSUs are addresses within them, origin groups when an address has
 * one).  The rows of a PSU must come together (ORDER BY psu); a PSU seen
 * again after another is an error.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "guard.h"
#include "idkey.h"
#include "stratified_core.h"
#include "tally.h"

typedef struct PsuItem
{
	dd_t		a;				/* the current PSU's sum w y */
	dd_t		b;				/* sum w */
	int64		n_dom;
	int64		n_pos;
} PsuItem;

typedef struct PsuSumsAcc
{
	MemoryContext cxt;
	int32		nitems;
	int32		kind;			/* TallyKind */
	IdKey		ids[2];			/* stratum, psu */
	Design		strata;			/* the strata's keys, sizes (kind stratified) */
	uint32		cap;			/* strata room in sums */
	StratSums  *sums;			/* nitems x cap */
	TallyCore  *core;			/* nitems */
	PsuItem    *cur;			/* nitems: the current PSU */
	bool		have_cur;
	uint32		cur_h;			/* its stratum */
	StringInfoData cur_key;		/* stratum bytes, then PSU bytes */
	HTAB	   *seen;			/* hashes of the PSUs done */
} PsuSumsAcc;

/* a stored group's sums, added to by each PSU: A, B, B^2, A B, A^2 */
static void
flush_psu(PsuSumsAcc *acc)
{
	int			k;

	if (!acc->have_cur)
		return;
	for (k = 0; k < acc->nitems; k++)
	{
		PsuItem    *p = &acc->cur[k];
		StratSums  *s;

		if (p->n_dom == 0)
			continue;
		s = &acc->sums[(Size) k * acc->cap + acc->cur_h];
		s->n_dom++;
		if (p->n_pos > 0)
		{
			s->n_pos++;
			dd_acc_dd(&s->a, p->a);
			dd_acc_dd(&s->b, p->b);
			dd_acc_dd(&s->ww, dd_mul(p->b, p->b));
			dd_acc_dd(&s->wwy, dd_mul(p->a, p->b));
			dd_acc_dd(&s->wwyy, dd_mul(p->a, p->a));
		}
		memset(p, 0, sizeof(*p));
	}
	acc->have_cur = false;
}

static PsuSumsAcc *
psu_acc_new(MemoryContext cxt, int nitems, int kind)
{
	PsuSumsAcc *acc = MemoryContextAllocZero(cxt, sizeof(PsuSumsAcc));
	MemoryContext old = MemoryContextSwitchTo(cxt);
	HASHCTL		hc;
	int			k;

	acc->cxt = cxt;
	acc->nitems = nitems;
	acc->kind = kind;
	design_init(&acc->strata, DESIGN_STRATIFIED, guard_realloc, cxt);
	acc->core = palloc0(Max(nitems, 1) * sizeof(TallyCore));
	acc->cur = palloc0(Max(nitems, 1) * sizeof(PsuItem));
	for (k = 0; k < nitems; k++)
		tally_core_init(&acc->core[k], kind);
	initStringInfo(&acc->cur_key);
	memset(&hc, 0, sizeof(hc));
	hc.keysize = sizeof(uint64);
	hc.entrysize = sizeof(uint64);
	hc.hcxt = cxt;
	acc->seen = hash_create("tally_psu_sums PSUs", 64, &hc, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	MemoryContextSwitchTo(old);
	return acc;
}

/* room for stratum index h in every item's sums */
static void
psu_acc_room(PsuSumsAcc *acc, uint32 h)
{
	uint32		cap,
				k;
	StratSums  *n;

	if (h < acc->cap)
		return;
	cap = Max(4, acc->cap * 2);
	while (cap <= h)
		cap *= 2;
	guard_array((uint64) cap * acc->nitems, sizeof(StratSums), "the state of barometer.tally_psu_sums");
	n = MemoryContextAllocZero(acc->cxt, Max((Size) cap * acc->nitems, 1) * sizeof(StratSums));
	for (k = 0; k < (uint32) acc->nitems && acc->cap > 0; k++)
		memcpy(&n[(Size) k * cap], &acc->sums[(Size) k * acc->cap], acc->cap * sizeof(StratSums));
	if (acc->sums)
		pfree(acc->sums);
	acc->sums = n;
	acc->cap = cap;
}

static Datum
psu_trans(FunctionCallInfo fcinfo, int kind)
{
	MemoryContext aggcontext;
	PsuSumsAcc *acc;
	ArrayType  *a;
	int			nitems,
				i;
	double		w;
	int64		n_psu;
	StringInfo	sid,
				pid;
	bits8	   *nulls;
	char	   *p;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "tally_psu_sums transition function called outside an aggregate");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the array of values must not be NULL"),
				 errdetail("Give an array of NULLs for a row whose values are all missing.")));
	a = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the array of values must have one dimension"),
				 errdetail("It has %d.", ARR_NDIM(a))));
	nitems = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	w = tally_arg_weight(fcinfo, 2);
	if (PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", PG_ARGISNULL(3) ? "stratum" : "psu"),
				 errdetail("Every row of a clustered design needs its stratum and PSU.")));
	n_psu = tally_arg_count(fcinfo, 5, "n_psu", true);
	acc = PG_ARGISNULL(0) ? NULL : (PsuSumsAcc *) PG_GETARG_POINTER(0);
	if (acc == NULL)
		acc = psu_acc_new(aggcontext, nitems, kind);
	else if (acc->nitems != nitems)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the arrays of values differ in length between rows"),
				 errdetail("The arrays have %d and %d elements; element k must be the same indicator on every row.",
						   acc->nitems, nitems)));
	sid = idkey_arg(fcinfo, &acc->ids[0], 3);
	/* the PSU's key: its stratum's bytes, then its own (length-prefixed) */
	{
		uint32		slen = (uint32) sid->len;
		bool		same;

		pid = idkey_arg(fcinfo, &acc->ids[1], 4);
		same = acc->have_cur && acc->cur_key.len == (int) (sizeof(uint32) + slen + pid->len) &&
			memcmp(acc->cur_key.data, &slen, sizeof(uint32)) == 0 &&
			memcmp(acc->cur_key.data + sizeof(uint32), sid->data, slen) == 0 &&
			memcmp(acc->cur_key.data + sizeof(uint32) + slen, pid->data, pid->len) == 0;
		if (!same)
		{
			uint64		hk;
			bool		found,
						created;
			uint32		h;

			flush_psu(acc);
			resetStringInfo(&acc->cur_key);
			appendBinaryStringInfo(&acc->cur_key, (const char *) &slen, sizeof(uint32));
			appendBinaryStringInfo(&acc->cur_key, sid->data, slen);
			appendBinaryStringInfo(&acc->cur_key, pid->data, pid->len);
			hk = hash_bytes_extended((const unsigned char *) acc->cur_key.data, acc->cur_key.len, 0);
			hash_search(acc->seen, &hk, HASH_ENTER, &found);
			if (found)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the rows of PSU %s come apart", tally_id_text(pid->data, pid->len)),
						 errdetail("tally_psu_sums sums each PSU's rows before squaring: they must come together."),
						 errhint("Call it with ORDER BY psu: barometer.tally_psu_sums(y, w, stratum, psu, n_psu ORDER BY psu).")));
			h = stratified_stratum(&acc->strata, sid->data, slen, &created);
			if (created)
			{
				acc->strata.strata[h].n_psu = n_psu;
				acc->strata.strata[h].popsize = 0;
				psu_acc_room(acc, h);
			}
			else if (acc->strata.strata[h].n_psu != n_psu)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("n_psu differs within stratum %s", tally_id_text(sid->data, slen)),
						 errdetail("It is " INT64_FORMAT " on one row and " INT64_FORMAT " on another.",
								   (int64) acc->strata.strata[h].n_psu, n_psu),
						 errhint("Design columns must be constant within a stratum (n_psu).")));
			acc->cur_h = h;
			acc->have_cur = true;
		}
	}

	nulls = ARR_NULLBITMAP(a);
	p = ARR_DATA_PTR(a);
	for (i = 0; i < nitems; i++)
	{
		TallyCore  *t = &acc->core[i];
		PsuItem    *u = &acc->cur[i];
		double		y;

		if (nulls != NULL && !(nulls[i / 8] & (1 << (i % 8))))
		{
			tally_core_add_missing(t);
			continue;
		}
		if (kind == TALLY_PROPORTION)
		{
			y = *(bool *) p ? 1.0 : 0.0;
			p += sizeof(bool);
			tally_core_add_prop(t, y != 0.0, w);
		}
		else
		{
			memcpy(&y, p, sizeof(double));
			p += sizeof(double);
			if (!isfinite(y) || fabs(y) > 1e75)
				ereport(ERROR,
						(errcode(isfinite(y) ? ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE : ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg(isfinite(y) ? "value out of range" : "value must be finite"),
						 errdetail("Element %d is %g; values must be finite and not exceed 1e75 in magnitude.", i + 1, y)));
			tally_core_add_num(t, y, w);
		}
		/* the PSU's sums, as the clustered tally's PSU record (design_add) */
		u->n_dom++;
		if (w > 0)
		{
			u->n_pos++;
			dd_acc(&u->b, w);
			if (y != 0.0)
			{
				if (kind == TALLY_PROPORTION)
					dd_acc(&u->a, w);
				else
					dd_acc_dd(&u->a, dd_two_prod(w, y));
			}
		}
	}
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(barometer_tally_psu_sums_trans_bool);
Datum
barometer_tally_psu_sums_trans_bool(PG_FUNCTION_ARGS)
{
	return psu_trans(fcinfo, TALLY_PROPORTION);
}

PG_FUNCTION_INFO_V1(barometer_tally_psu_sums_trans_num);
Datum
barometer_tally_psu_sums_trans_num(PG_FUNCTION_ARGS)
{
	return psu_trans(fcinfo, TALLY_MEAN);
}

/*
 * One stored tally per element: the core, and the strata in which the
 * element has rows, with their sums.  No row at all: NULL.
 */
PG_FUNCTION_INFO_V1(barometer_tally_psu_sums_final);
Datum
barometer_tally_psu_sums_final(PG_FUNCTION_ARGS)
{
	PsuSumsAcc *acc;
	Oid			elemtype;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	int			k;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	acc = (PsuSumsAcc *) PG_GETARG_POINTER(0);
	flush_psu(acc);
	elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(elemtype))
		elog(ERROR, "tally_psu_sums_final: cannot determine the result type");
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	elems = palloc(Max(acc->nitems, 1) * sizeof(Datum));
	for (k = 0; k < acc->nitems; k++)
	{
		TallyAcc   *t = tally_acc_new(CurrentMemoryContext);
		Design	   *d = &t->design;
		uint32		h;
		Tally	   *r;

		t->core = acc->core[k];
		tally_core_finish(&t->core);
		d->kind = DESIGN_CLUSTER_SUMS;
		d->lonely = LONELY_FAIL;
		t->empty = false;
		for (h = 0; h < acc->strata.nstrata; h++)
		{
			const StratSums *s = &acc->sums[(Size) k * acc->cap + h];
			const StratumRec *sr = &acc->strata.strata[h];
			uint32		j;
			bool		created;

			CHECK_FOR_INTERRUPTS();
			if (s->n_dom == 0)
				continue;
			j = stratified_stratum(d, acc->strata.arena + sr->id.off, sr->id.len, &created);
			d->strata[j].n_psu = sr->n_psu;
			d->strata[j].popsize = sr->popsize;
			d->sums[j] = *s;
		}
		r = tally_from_acc(t);
		tally_check_result(r, "tally_psu_sums");
		elems[k] = PointerGetDatum(r);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, acc->nitems, elemtype, typlen, typbyval, typalign));
}
