/*
 * tally_items.c - many indicators at once, for wide microdata (one array
 * element per statement or indicator):
 *   tally(y boolean[] | float8[], w [, n_sample])  -> barometer.tally[]
 *       element k of the result is exactly tally(y[k], w [, n_sample]) over
 *       the same rows (the same sums, bit for bit), for one pass over the
 *       rows instead of one row per respondent and indicator
 *   recode(codes smallint[] | integer[], item integer[], lookup boolean[][] |
 *          float8[][])
 *       -> boolean[] | float8[]: element k is lookup[k][codes[item[k]]], the
 *       collapse of answer codes into indicator values (NULL: missing)
 * Weights-only designs (the whole sample, or a domain of n_sample rows); a
 * design with strata and PSUs takes one row per indicator (tally_design.c).
 *
 * The working state holds one TallyCore per element; it is serialised as
 * bytes for parallel aggregation.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "tally.h"

typedef struct ItemsAcc
{
	int32		nitems;
	int32		kind;			/* TallyKind */
	int32		design;			/* DESIGN_WEIGHTS or DESIGN_WEIGHTS_DOMAIN */
	int32		reserved;
	int64		n_sample;		/* DESIGN_WEIGHTS_DOMAIN */
	TallyCore	item[FLEXIBLE_ARRAY_MEMBER];
} ItemsAcc;

#define ITEMS_SIZE(k)	(offsetof(ItemsAcc, item) + (Size) (k) * sizeof(TallyCore))

/* the array argument y: one dimension (or empty), of the declared type */
static ArrayType *
items_arg(FunctionCallInfo fcinfo, int *nitems)
{
	ArrayType  *a;

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
	*nitems = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	return a;
}

static ItemsAcc *
items_new(MemoryContext cxt, int nitems, int kind, int design, int64 n_sample)
{
	ItemsAcc   *acc = MemoryContextAllocZero(cxt, ITEMS_SIZE(nitems));
	int			i;

	acc->nitems = nitems;
	acc->kind = kind;
	acc->design = design;
	acc->n_sample = n_sample;
	for (i = 0; i < nitems; i++)
		tally_core_init(&acc->item[i], kind);
	return acc;
}

static Datum
items_trans(FunctionCallInfo fcinfo, int kind)
{
	MemoryContext aggcontext;
	ItemsAcc   *acc;
	ArrayType  *a;
	int			nitems,
				i;
	double		w;
	bool		domain = PG_NARGS() > 3;
	int64		n_sample = 0;
	bits8	   *nulls;
	char	   *p;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "tally transition function called outside an aggregate");
	acc = PG_ARGISNULL(0) ? NULL : (ItemsAcc *) PG_GETARG_POINTER(0);
	a = items_arg(fcinfo, &nitems);
	w = tally_arg_weight(fcinfo, 2);
	if (domain)
	{
		n_sample = tally_arg_count(fcinfo, 3, "n_sample", true);
		tally_same_n_sample(acc ? acc->n_sample : 0, n_sample);
	}
	if (acc == NULL)
		acc = items_new(aggcontext, nitems, kind,
						domain ? DESIGN_WEIGHTS_DOMAIN : DESIGN_WEIGHTS, n_sample);
	else if (acc->nitems != nitems)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the arrays of values differ in length between rows"),
				 errdetail("The arrays have %d and %d elements; element k must be the same indicator on every row.",
						   acc->nitems, nitems)));

	nulls = ARR_NULLBITMAP(a);
	p = ARR_DATA_PTR(a);
	for (i = 0; i < nitems; i++)
	{
		TallyCore  *t = &acc->item[i];

		if (nulls != NULL && !(nulls[i / 8] & (1 << (i % 8))))
		{
			tally_core_add_missing(t);
			continue;
		}
		if (kind == TALLY_PROPORTION)
		{
			tally_core_add_prop(t, *(bool *) p, w);
			p += sizeof(bool);
		}
		else
		{
			double		y;

			memcpy(&y, p, sizeof(double));
			p += sizeof(double);
			if (!isfinite(y))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("value must be finite"),
						 errdetail("Element %d is %s; use NULL for a missing value.", i + 1,
								   isnan(y) ? "NaN" : (y > 0 ? "Infinity" : "-Infinity"))));
			if (fabs(y) > 1e75)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("value out of range"),
						 errdetail("Element %d is %g; values must not exceed 1e75 in magnitude.", i + 1, y)));
			tally_core_add_num(t, y, w);
		}
	}
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(barometer_tally_items_trans_bool);
Datum
barometer_tally_items_trans_bool(PG_FUNCTION_ARGS)
{
	return items_trans(fcinfo, TALLY_PROPORTION);
}

PG_FUNCTION_INFO_V1(barometer_tally_items_trans_num);
Datum
barometer_tally_items_trans_num(PG_FUNCTION_ARGS)
{
	return items_trans(fcinfo, TALLY_MEAN);
}

PG_FUNCTION_INFO_V1(barometer_tally_items_combine);
Datum
barometer_tally_items_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ItemsAcc   *a,
			   *b;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "tally combine function called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (ItemsAcc *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		a = MemoryContextAlloc(aggcontext, ITEMS_SIZE(b->nitems));
		memcpy(a, b, ITEMS_SIZE(b->nitems));
		PG_RETURN_POINTER(a);
	}
	a = (ItemsAcc *) PG_GETARG_POINTER(0);
	if (a->nitems != b->nitems)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the arrays of values differ in length between rows"),
				 errdetail("The arrays have %d and %d elements; element k must be the same indicator on every row.",
						   a->nitems, b->nitems)));
	tally_same_n_sample(a->n_sample, b->n_sample);
	for (i = 0; i < a->nitems; i++)
		tally_core_merge(&a->item[i], &b->item[i]);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_tally_items_serialize);
Datum
barometer_tally_items_serialize(PG_FUNCTION_ARGS)
{
	ItemsAcc   *a = (ItemsAcc *) PG_GETARG_POINTER(0);
	Size		size = ITEMS_SIZE(a->nitems);
	bytea	   *b = palloc(VARHDRSZ + size);

	SET_VARSIZE(b, VARHDRSZ + size);
	memcpy(VARDATA(b), a, size);
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(barometer_tally_items_deserialize);
Datum
barometer_tally_items_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	Size		size = VARSIZE_ANY_EXHDR(b);
	ItemsAcc   *a;

	if (size < offsetof(ItemsAcc, item))
		elog(ERROR, "malformed tally items state");
	a = palloc(size);
	memcpy(a, VARDATA_ANY(b), size);
	if (a->nitems < 0 || ITEMS_SIZE(a->nitems) != size)
		elog(ERROR, "malformed tally items state");
	PG_RETURN_POINTER(a);
}

/*
 * The stored tallies, one per element, each the tally the one-indicator
 * aggregate would store.  No row at all: NULL (the number of elements is
 * unknown).  A domain with more rows than its sample is an error, as for
 * tally(y, w, n_sample).
 */
PG_FUNCTION_INFO_V1(barometer_tally_items_final);
Datum
barometer_tally_items_final(PG_FUNCTION_ARGS)
{
	ItemsAcc   *acc;
	Oid			elemtype;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	acc = (ItemsAcc *) PG_GETARG_POINTER(0);
	elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(elemtype))
		elog(ERROR, "tally_items_final: cannot determine the result type");
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	elems = palloc(Max(acc->nitems, 1) * sizeof(Datum));
	for (i = 0; i < acc->nitems; i++)
	{
		Tally	   *t = tally_new(acc->kind);

		t->core = acc->item[i];
		tally_core_finish(&t->core);
		if (acc->design == DESIGN_WEIGHTS_DOMAIN)
		{
			t->dh.kind = DESIGN_WEIGHTS_DOMAIN;
			t->dh.lonely = LONELY_FAIL;
			t->dh.n_sample = acc->n_sample;
			tally_check_domain_rows(acc->n_sample, t->core.n + t->core.n_missing);
		}
		tally_check_result(t, "tally");
		elems[i] = PointerGetDatum(t);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, acc->nitems, elemtype, typlen, typbyval, typalign));
}

/*
 * recode(codes, item, lookup): element k is lookup[k][codes[item[k]]].
 * codes: a respondent's answer codes (smallint[] or integer[], one
 * dimension); item: for each of K indicators the position of its answer in
 * codes (in codes' own subscripts); lookup: K x C (two dimensions, any lower
 * bounds), row k mapping answer code c (lower bound <= c <= upper bound of
 * the second dimension) to the indicator's value, NULL for a missing one.
 * A NULL code gives NULL; a code the lookup does not cover, or an item
 * outside codes, is an error (a codebook that does not match the data).
 */
/*
 * The item and lookup arguments, checked and taken apart once per call site
 * (they are the same on every row of a query; a new value is noticed by
 * comparing the bytes).
 */
typedef struct RecodeCache
{
	ArrayType  *item;			/* copies of the arguments the cache is for */
	ArrayType  *lookup;
	int			nk;				/* items (rows of lookup) */
	int			nc;				/* codes per row */
	int			llb;			/* the code of column 0 */
	Oid			ltype;
	int16		ltyplen;
	bool		ltypbyval;
	char		ltypalign;
	Datum	   *lvals;			/* nk x nc */
	bool	   *lnulls;
} RecodeCache;

static bool
same_array(const ArrayType *a, const ArrayType *b)
{
	return a != NULL && VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

static RecodeCache *
recode_cache(FunctionCallInfo fcinfo, ArrayType *item, ArrayType *lookup)
{
	RecodeCache *c = (RecodeCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	int			nk,
				nlook;

	if (c != NULL && same_array(c->item, item) && same_array(c->lookup, lookup))
		return c;
	if (ARR_NDIM(item) != 1 || ARR_HASNULL(item))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("item must be a one-dimensional array without NULLs"),
				 errdetail("Give the position in codes of each indicator's answer.")));
	nk = ARR_DIMS(item)[0];
	if (ARR_NDIM(lookup) != 2 || ARR_DIMS(lookup)[0] != nk)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("lookup must have two dimensions, one row per item"),
				 ARR_NDIM(lookup) == 2 ?
				 errdetail("The lookup has %d row%s for %d item%s.", ARR_DIMS(lookup)[0],
						   ARR_DIMS(lookup)[0] == 1 ? "" : "s", nk, nk == 1 ? "" : "s") :
				 errdetail("The lookup has %d dimension%s.", ARR_NDIM(lookup), ARR_NDIM(lookup) == 1 ? "" : "s"),
				 errhint("Build it with array_agg(row ORDER BY ...), each row an array over the answer codes.")));

	if (c == NULL)
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RecodeCache));
	else
	{
		pfree(c->item);
		pfree(c->lookup);
		pfree(c->lvals);
		pfree(c->lnulls);
	}
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	c->item = (ArrayType *) pg_detoast_datum_copy((struct varlena *) item);
	c->lookup = (ArrayType *) pg_detoast_datum_copy((struct varlena *) lookup);
	c->nk = nk;
	c->nc = ARR_DIMS(lookup)[1];
	c->llb = ARR_LBOUND(lookup)[1];
	c->ltype = ARR_ELEMTYPE(lookup);
	get_typlenbyvalalign(c->ltype, &c->ltyplen, &c->ltypbyval, &c->ltypalign);
	deconstruct_array(c->lookup, c->ltype, c->ltyplen, c->ltypbyval, c->ltypalign,
					  &c->lvals, &c->lnulls, &nlook);
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = c;
	return c;
}

PG_FUNCTION_INFO_V1(barometer_recode);
Datum
barometer_recode(PG_FUNCTION_ARGS)
{
	ArrayType  *codes = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *item = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *lookup = PG_GETARG_ARRAYTYPE_P(2);
	Oid			ctype = ARR_ELEMTYPE(codes);
	RecodeCache *c;
	Datum	   *cvals,
			   *out;
	bool	   *cnulls,
			   *onulls;
	int			ncodes,
				k,
				clb;
	int32	   *items;
	int			dims[1],
				lbs[1];

	if (ARR_NDIM(codes) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("codes must have one dimension"),
				 errdetail("It has %d.", ARR_NDIM(codes))));
	if (ARR_NDIM(item) == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(ARR_ELEMTYPE(lookup)));	/* no indicator */
	c = recode_cache(fcinfo, item, lookup);
	items = (int32 *) ARR_DATA_PTR(c->item);
	clb = ARR_NDIM(codes) == 0 ? 1 : ARR_LBOUND(codes)[0];
	deconstruct_array(codes, ctype, ctype == INT2OID ? 2 : 4, true, ctype == INT2OID ? TYPALIGN_SHORT : TYPALIGN_INT,
					  &cvals, &cnulls, &ncodes);

	out = palloc(c->nk * sizeof(Datum));
	onulls = palloc(c->nk * sizeof(bool));
	for (k = 0; k < c->nk; k++)
	{
		int			pos = items[k] - clb;
		int64		code;
		int64		col;

		if (pos < 0 || pos >= ncodes)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("item %d is outside the codes array", items[k]),
					 errdetail("Element %d of item refers to position %d; codes has positions %d to %d.",
							   k + 1, items[k], clb, clb + ncodes - 1)));
		if (cnulls[pos])
		{
			onulls[k] = true;
			out[k] = (Datum) 0;
			continue;
		}
		code = ctype == INT2OID ? DatumGetInt16(cvals[pos]) : DatumGetInt32(cvals[pos]);
		col = code - c->llb;
		if (col < 0 || col >= c->nc)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("code " INT64_FORMAT " of item %d is not in the lookup", code, items[k]),
					 errdetail("Row %d of lookup covers the codes %d to %d.", k + 1, c->llb, c->llb + c->nc - 1),
					 errhint("Give every code that occurs a value in lookup (NULL for a missing answer).")));
		onulls[k] = c->lnulls[(Size) k * c->nc + col];
		out[k] = c->lvals[(Size) k * c->nc + col];
	}
	dims[0] = c->nk;
	lbs[0] = 1;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(out, onulls, 1, dims, lbs, c->ltype,
											 c->ltyplen, c->ltypbyval, c->ltypalign));
}
