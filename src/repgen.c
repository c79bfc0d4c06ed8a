/*
 * repgen.c - replicate weights made in SQL from a stratified clustered
 * design: the aggregate that builds a barometer.replicate_plan from the sample's (stratum, psu) pairs, the per-row
 * barometer.replicate_weights / replicate_factors, and the readers of a
 * plan (count, scale, rscales, df, method, describe).  The statistics live
 * in core/repgen_core.c.
 *
 * A plan holds the method, its options and the design: the strata in order,
 * each with its PSUs in order, as the text forms of their ids.  Order: the
 * natural order of the id type (integers numerically; text byte-wise, the C
 * collation, whatever the database collation), so a plan does not depend on
 * the order of the rows or on any setting.  Ids are matched by text form.
 * The stored layout is in repgen.h, the text and binary forms in
 * repgen_io.c.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "guard.h"
#include "repgen.h"
#include "tally.h"

/* allocator for the core: zeroed memory in the given context */
static void *
repgen_palloc(void *ctx, size_t size)
{
	guard_bytes(size, "the replicate weights");
	return MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

static Repgen *
plan_generator(RepPlan *p)
{
	RepgenSpec	spec;
	RepgenDesign d;

	repplan_get_spec(p, &spec);
	repplan_design(p, &d);
	return repgen_new(&spec, &d, repgen_palloc, CurrentMemoryContext);
}

/* parse method and options, raising the user errors */
static void
spec_parse_or_error(RepgenSpec *spec, const char *method, const char *options)
{
	bool		unknown;
	char		err[400];

	if (repgen_spec_parse(spec, method, options, &unknown, err, sizeof(err)))
		return;
	if (unknown)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown replication method \"%s\"", method),
				 errhint("%s", err)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid options for replication method %s: \"%s\"", method, options),
			 errdetail("%s", err)));
}

/* ------------------------------------------------------------------------
 * A hash set of (stratum, psu) text pairs with an int32 value
 * ------------------------------------------------------------------------
 */
typedef struct IdEntry
{
	char	   *stratum;		/* NULL: empty slot */
	char	   *psu;
	uint32		hash;
	int32		value;
} IdEntry;

typedef struct IdSet
{
	MemoryContext cxt;
	IdEntry    *slots;
	uint32		cap;			/* a power of 2 */
	uint32		count;
} IdSet;

static void
idset_init(IdSet *set, MemoryContext cxt, uint32 expected)
{
	uint32		cap = 16;

	while (cap < 2 * expected && cap < (1U << 30))
		cap *= 2;
	set->cxt = cxt;
	set->cap = cap;
	set->count = 0;
	set->slots = MemoryContextAllocExtended(cxt, sizeof(IdEntry) * cap, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

static uint32
id_hash(const char *stratum, const char *psu)
{
	return hash_combine(hash_bytes((const unsigned char *) stratum, strlen(stratum)),
						hash_bytes((const unsigned char *) psu, strlen(psu)));
}

static IdEntry *
idset_slot(IdEntry *slots, uint32 cap, const char *stratum, const char *psu, uint32 hash)
{
	uint32		i = hash & (cap - 1);

	while (slots[i].stratum != NULL &&
		   (slots[i].hash != hash || strcmp(slots[i].stratum, stratum) != 0 ||
			strcmp(slots[i].psu, psu) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* add a copy of the pair unless present */
static void
idset_add(IdSet *set, const char *stratum, const char *psu, int32 value)
{
	uint32		hash = id_hash(stratum, psu);
	IdEntry    *e = idset_slot(set->slots, set->cap, stratum, psu, hash);

	if (e->stratum != NULL)
		return;
	if (2 * (set->count + 1) > set->cap)
	{
		uint32		newcap = set->cap * 2;
		IdEntry    *slots;
		uint32		i;

		if (set->cap >= (1U << 30))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many PSUs in a replicate plan")));
		slots = MemoryContextAllocExtended(set->cxt, sizeof(IdEntry) * newcap,
										   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		for (i = 0; i < set->cap; i++)
			if (set->slots[i].stratum != NULL)
				*idset_slot(slots, newcap, set->slots[i].stratum, set->slots[i].psu,
							set->slots[i].hash) = set->slots[i];
		pfree(set->slots);
		set->slots = slots;
		set->cap = newcap;
		e = idset_slot(set->slots, set->cap, stratum, psu, hash);
	}
	e->stratum = MemoryContextStrdup(set->cxt, stratum);
	e->psu = MemoryContextStrdup(set->cxt, psu);
	e->hash = hash;
	e->value = value;
	set->count++;
}

static int32
idset_get(const IdSet *set, const char *stratum, const char *psu)
{
	IdEntry    *e = idset_slot(set->slots, set->cap, stratum, psu, id_hash(stratum, psu));

	return e->stratum != NULL ? e->value : -1;
}

/* ------------------------------------------------------------------------
 * Ids: allowed types and their text forms
 * ------------------------------------------------------------------------
 */

/*
 * Ids must have a text form that no setting changes: integers, numeric,
 * text types and uuid (an untyped literal is text).  Dates, floats and
 * timestamps print according to DateStyle or extra_float_digits.
 */
static void
check_id_type(Oid type, const char *what)
{
	switch (getBaseType(type))
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case UUIDOID:
		case UNKNOWNOID:
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s must be an integer, numeric, text or uuid", what),
			 errdetail("The %s is of type %s.", what, format_type_be(type)),
			 errhint("Cast it to text; ids are matched by their text form, which must not depend on settings.")));
}

/* the type whose btree order sorts ids (unknown literals are text) */
static Oid
id_sort_type(Oid type)
{
	Oid			base = getBaseType(type);

	return base == UNKNOWNOID ? TEXTOID : base;
}

/* output function of an id argument, cached in *out; NULL ids are errors */
static char *
id_text(FunctionCallInfo fcinfo, int argno, const char *what, Oid *type, FmgrInfo *out, MemoryContext cxt)
{
	Oid			t;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what),
				 strcmp(what, "stratum") == 0 ?
				 errdetail("Every row needs a stratum id; give an unstratified design one constant stratum.") :
				 errdetail("Every row needs a psu id.")));
	if (!OidIsValid(*type))
	{
		Oid			func;
		bool		varlena;

		t = get_fn_expr_argtype(fcinfo->flinfo, argno);
		if (!OidIsValid(t))
			elog(ERROR, "could not determine the type of the %s argument", what);
		check_id_type(t, what);
		getTypeOutputInfo(t, &func, &varlena);
		fmgr_info_cxt(func, out, cxt);
		*type = t;
	}
	return OutputFunctionCall(out, PG_GETARG_DATUM(argno));
}

/* ------------------------------------------------------------------------
 * The aggregate replicate_plan(method, stratum, psu [, options])
 * ------------------------------------------------------------------------
 */
typedef struct PlanAggState
{
	char	   *method;			/* as given on the first row */
	char	   *options;		/* "" when none */
	RepgenSpec	spec;
	Oid			stratum_type;
	Oid			psu_type;
	FmgrInfo	stratum_out;	/* set on the first row of a transition */
	FmgrInfo	psu_out;
	IdSet		ids;
} PlanAggState;

static PlanAggState *
plan_state_new(MemoryContext cxt, const char *method, const char *options,
			   const RepgenSpec *spec, uint32 expected)
{
	PlanAggState *st = MemoryContextAllocZero(cxt, sizeof(PlanAggState));

	st->method = MemoryContextStrdup(cxt, method);
	st->options = MemoryContextStrdup(cxt, options);
	st->spec = *spec;
	idset_init(&st->ids, cxt, expected);
	return st;
}

/* text argument equal to a C string, without copying */
static bool
text_equals(text *t, const char *s)
{
	size_t		len = strlen(s);

	return VARSIZE_ANY_EXHDR(t) == len && memcmp(VARDATA_ANY(t), s, len) == 0;
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_trans);
Datum
barometer_replicate_plan_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PlanAggState *st;
	text	   *method;
	text	   *options = NULL;
	char	   *s;
	char	   *p;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "replicate_plan_trans called outside an aggregate");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replication method must not be NULL"),
				 errhint("Valid methods are: jk1, jkn, brr, fay, bootstrap, subbootstrap.")));
	method = PG_GETARG_TEXT_PP(1);
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
		options = PG_GETARG_TEXT_PP(4);

	if (PG_ARGISNULL(0))
	{
		char	   *m = text_to_cstring(method);
		char	   *o = options ? text_to_cstring(options) : pstrdup("");
		RepgenSpec	spec;

		spec_parse_or_error(&spec, m, o);
		st = plan_state_new(aggcxt, m, o, &spec, 64);
	}
	else
	{
		st = (PlanAggState *) PG_GETARG_POINTER(0);
		if (!text_equals(method, st->method) ||
			!(options ? text_equals(options, st->options) : st->options[0] == '\0'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replication method and options must be the same on every row"),
					 errdetail("An earlier row gave method \"%s\" with options \"%s\", this row \"%s\" with \"%s\".",
							   st->method, st->options, text_to_cstring(method),
							   options ? text_to_cstring(options) : "")));
	}
	s = id_text(fcinfo, 2, "stratum", &st->stratum_type, &st->stratum_out, aggcxt);
	p = id_text(fcinfo, 3, "psu", &st->psu_type, &st->psu_out, aggcxt);
	idset_add(&st->ids, s, p, 0);
	PG_RETURN_POINTER(st);
}

static void
plan_states_compatible(PlanAggState *a, PlanAggState *b)
{
	if (strcmp(a->method, b->method) != 0 || strcmp(a->options, b->options) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replication method and options must be the same on every row"),
				 errdetail("Method \"%s\" with options \"%s\" meets \"%s\" with \"%s\".",
						   a->method, a->options, b->method, b->options)));
	if (a->stratum_type != b->stratum_type || a->psu_type != b->psu_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("stratum and psu must have the same types on every row")));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_combine);
Datum
barometer_replicate_plan_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PlanAggState *a;
	PlanAggState *b;
	uint32		i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "replicate_plan_combine called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (PlanAggState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		a = plan_state_new(aggcxt, b->method, b->options, &b->spec, b->ids.count);
		a->stratum_type = b->stratum_type;
		a->psu_type = b->psu_type;
	}
	else
	{
		a = (PlanAggState *) PG_GETARG_POINTER(0);
		plan_states_compatible(a, b);
	}
	for (i = 0; i < b->ids.cap; i++)
		if (b->ids.slots[i].stratum != NULL)
			idset_add(&a->ids, b->ids.slots[i].stratum, b->ids.slots[i].psu, 0);
	PG_RETURN_POINTER(a);
}

static void
send_cstring(StringInfo buf, const char *s)
{
	size_t		len = strlen(s);

	pq_sendint32(buf, (int32) len);
	pq_sendbytes(buf, s, len);
}

static char *
get_cstring(StringInfo buf)
{
	int32		len = pq_getmsgint(buf, 4);

	return pnstrdup(pq_getmsgbytes(buf, len), len);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_serialize);
Datum
barometer_replicate_plan_serialize(PG_FUNCTION_ARGS)
{
	PlanAggState *st = (PlanAggState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	uint32		i;

	pq_begintypsend(&buf);
	send_cstring(&buf, st->method);
	send_cstring(&buf, st->options);
	pq_sendint32(&buf, st->stratum_type);
	pq_sendint32(&buf, st->psu_type);
	pq_sendint32(&buf, st->ids.count);
	for (i = 0; i < st->ids.cap; i++)
		if (st->ids.slots[i].stratum != NULL)
		{
			send_cstring(&buf, st->ids.slots[i].stratum);
			send_cstring(&buf, st->ids.slots[i].psu);
		}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_deserialize);
Datum
barometer_replicate_plan_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	PlanAggState *st;
	RepgenSpec	spec;
	char	   *method;
	char	   *options;
	uint32		count,
				i;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
	method = get_cstring(&buf);
	options = get_cstring(&buf);
	spec_parse_or_error(&spec, method, options);
	st = plan_state_new(CurrentMemoryContext, method, options, &spec, 16);
	st->stratum_type = pq_getmsgint(&buf, 4);
	st->psu_type = pq_getmsgint(&buf, 4);
	count = pq_getmsgint(&buf, 4);
	for (i = 0; i < count; i++)
	{
		char	   *s = get_cstring(&buf);
		char	   *p = get_cstring(&buf);

		idset_add(&st->ids, s, p, 0);
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/* ids of one type, parsed back from text, in the type's order */
typedef struct SortId
{
	const char *text;
	Datum		value;
	int32		index;			/* stratum: first entry of its group */
	int32		count;			/* stratum: entries in its group */
} SortId;

typedef struct SortContext
{
	FmgrInfo   *cmp;
} SortContext;

static int
cmp_sort_id(const void *a, const void *b, void *arg)
{
	SortContext *c = (SortContext *) arg;

	return DatumGetInt32(FunctionCall2Coll(c->cmp, C_COLLATION_OID,
										   ((const SortId *) a)->value,
										   ((const SortId *) b)->value));
}

static int
cmp_entry_ptr(const void *a, const void *b)
{
	const IdEntry *x = *(const IdEntry *const *) a;
	const IdEntry *y = *(const IdEntry *const *) b;
	int			c = strcmp(x->stratum, y->stratum);

	return c != 0 ? c : strcmp(x->psu, y->psu);
}

/* sort ids by their type's order; two different texts of equal value are an error */
static void
sort_ids(SortId *ids, int32 n, Oid type, const char *what)
{
	TypeCacheEntry *tc = lookup_type_cache(id_sort_type(type), TYPECACHE_CMP_PROC_FINFO);
	Oid			input;
	Oid			ioparam;
	FmgrInfo	in;
	SortContext c;
	int32		k;

	if (!OidIsValid(tc->cmp_proc_finfo.fn_oid))
		elog(ERROR, "no btree comparison for type %s", format_type_be(type));
	getTypeInputInfo(id_sort_type(type), &input, &ioparam);
	fmgr_info(input, &in);
	for (k = 0; k < n; k++)
		ids[k].value = InputFunctionCall(&in, (char *) ids[k].text, ioparam, -1);
	c.cmp = &tc->cmp_proc_finfo;
	qsort_arg(ids, n, sizeof(SortId), cmp_sort_id, &c);
	for (k = 1; k < n; k++)
		if (cmp_sort_id(&ids[k - 1], &ids[k], &c) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s ids \"%s\" and \"%s\" are equal but print differently",
							what, ids[k - 1].text, ids[k].text),
					 errdetail("A plan matches ids by their text form."),
					 errhint("Give each %s one text form, for example by casting to text.", what)));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_final);
Datum
barometer_replicate_plan_final(PG_FUNCTION_ARGS)
{
	PlanAggState *st;
	IdEntry   **entries;
	SortId	   *strata;
	SortId	   *psus;
	int32		n = 0,
				nstrata = 0,
				h,
				k;
	uint32		i;
	PlanBuilder b;
	RepPlan    *plan;
	RepgenDesign d;
	char		detail[512];
	RepgenProblem problem;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (PlanAggState *) PG_GETARG_POINTER(0);

	/* group the pairs by stratum text */
	entries = palloc(sizeof(IdEntry *) * st->ids.count);
	for (i = 0; i < st->ids.cap; i++)
		if (st->ids.slots[i].stratum != NULL)
			entries[n++] = &st->ids.slots[i];
	qsort(entries, n, sizeof(IdEntry *), cmp_entry_ptr);
	strata = palloc(sizeof(SortId) * n);
	for (k = 0; k < n; k++)
		if (k == 0 || strcmp(entries[k]->stratum, entries[k - 1]->stratum) != 0)
		{
			strata[nstrata].text = entries[k]->stratum;
			strata[nstrata].index = k;
			strata[nstrata++].count = 1;
		}
		else
			strata[nstrata - 1].count++;

	/* strata and PSUs in the natural order of their types */
	sort_ids(strata, nstrata, st->stratum_type, "stratum");
	repplan_builder_init(&b, &st->spec);
	psus = palloc(sizeof(SortId) * n);
	for (h = 0; h < nstrata; h++)
	{
		repplan_builder_stratum(&b, strata[h].text, strlen(strata[h].text));
		for (k = 0; k < strata[h].count; k++)
			psus[k].text = entries[strata[h].index + k]->psu;
		sort_ids(psus, strata[h].count, st->psu_type, "psu");
		for (k = 0; k < strata[h].count; k++)
			repplan_builder_psu(&b, psus[k].text, strlen(psus[k].text));
	}
	plan = repplan_builder_finish(&b);

	repplan_design(plan, &d);
	problem = repgen_check(&st->spec, &d, detail, sizeof(detail));
	if (problem != REPGEN_OK)
	{
		const char *hint = repgen_problem_hint(problem, &st->spec);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot make %s replicates: %s", st->method, repgen_problem_message(problem)),
				 errdetail("%s", detail),
				 hint ? errhint("%s", hint) : 0));
	}
	PG_RETURN_POINTER(plan);
}

/* ------------------------------------------------------------------------
 * Per row: replicate_weights(plan, stratum, psu, w), replicate_factors
 * ------------------------------------------------------------------------
 */

/*
 * The expanded plan, cached in fn_extra for the whole query: the factors
 * need the Hadamard rows or the bootstrap draws and a hash of the ids, which
 * are made once per plan, not once per row.  A plan is recognised by its
 * toast pointer when stored out of line, else by its bytes.
 */
typedef struct PlanCache
{
	MemoryContext cxt;			/* what belongs to the current plan */
	char	   *key;
	Size		keylen;
	RepPlan    *plan;
	Repgen	   *gen;
	IdSet		ids;			/* (stratum, psu) -> global PSU */
	IdSet		strata;			/* (stratum, "") -> stratum */
	double	   *factors;		/* [nreps] */
	/* the id arguments' types and output functions (for the query) */
	Oid			stratum_type;
	Oid			psu_type;
	FmgrInfo	stratum_out;
	FmgrInfo	psu_out;
} PlanCache;

static PlanCache *
plan_cache(FunctionCallInfo fcinfo)
{
	PlanCache  *c = (PlanCache *) fcinfo->flinfo->fn_extra;
	struct varlena *raw;
	const char *key;
	Size		keylen;
	MemoryContext old;
	int32		h,
				i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate plan must not be NULL")));
	raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(0));
	if (VARATT_IS_EXTERNAL_ONDISK(raw))
	{
		key = (const char *) raw;
		keylen = VARSIZE_EXTERNAL(raw);
	}
	else
	{
		if (VARATT_IS_EXTERNAL(raw))
			raw = (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
		key = (const char *) raw;
		keylen = VARSIZE_ANY(raw);
	}
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PlanCache));
		c->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "barometer replicate plan",
									   ALLOCSET_DEFAULT_SIZES);
		fcinfo->flinfo->fn_extra = c;
	}
	else if (c->key != NULL && c->keylen == keylen && memcmp(c->key, key, keylen) == 0)
		return c;

	MemoryContextReset(c->cxt);
	c->key = NULL;
	old = MemoryContextSwitchTo(c->cxt);
	c->plan = (RepPlan *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
	c->gen = plan_generator(c->plan);
	if ((c->gen->spec.method == REPGEN_BOOTSTRAP || c->gen->spec.method == REPGEN_SUBBOOTSTRAP) &&
		(Size) c->gen->npsus * c->gen->nreps > MaxAllocHugeSize / sizeof(int32))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many PSUs times replicates in a bootstrap plan")));
	repgen_prepare(c->gen, repgen_palloc, c->cxt);
	c->factors = palloc(sizeof(double) * c->gen->nreps);
	idset_init(&c->ids, c->cxt, c->plan->npsus);
	idset_init(&c->strata, c->cxt, c->plan->nstrata);
	for (h = 0; h < c->plan->nstrata; h++)
	{
		idset_add(&c->strata, plan_stratum_id(c->plan, h), "", h);
		for (i = plan_first(c->plan)[h]; i < plan_first(c->plan)[h + 1]; i++)
			idset_add(&c->ids, plan_stratum_id(c->plan, h), plan_psu_id(c->plan, i), i);
	}
	c->key = palloc(keylen);
	memcpy(c->key, key, keylen);
	c->keylen = keylen;
	MemoryContextSwitchTo(old);
	return c;
}

/* the factors of the row's PSU, in c->factors */
static PlanCache *
row_factors(FunctionCallInfo fcinfo)
{
	PlanCache  *c = plan_cache(fcinfo);
	char	   *s = id_text(fcinfo, 1, "stratum", &c->stratum_type, &c->stratum_out,
							fcinfo->flinfo->fn_mcxt);
	char	   *p = id_text(fcinfo, 2, "psu", &c->psu_type, &c->psu_out,
							fcinfo->flinfo->fn_mcxt);
	int32		i = idset_get(&c->ids, s, p);

	if (i < 0)
	{
		if (idset_get(&c->strata, s, "") < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stratum \"%s\" is not in the replicate plan", s),
					 errdetail("The plan has %d strata; ids are matched by their text form.",
							   c->plan->nstrata),
					 errhint("Build the plan from the same rows that get replicate weights.")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("psu \"%s\" of stratum \"%s\" is not in the replicate plan", p, s),
				 errdetail("The stratum has %d PSUs in the plan; ids are matched by their text form.",
						   plan_first(c->plan)[idset_get(&c->strata, s, "") + 1] -
						   plan_first(c->plan)[idset_get(&c->strata, s, "")]),
				 errhint("Build the plan from the same rows that get replicate weights.")));
	}
	repgen_factors(c->gen, i, c->factors);
	return c;
}

static ArrayType *
float8_array(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * n);
	int			k;

	for (k = 0; k < n; k++)
		d[k] = Float8GetDatum(v[k]);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* the row's replicate weights: w * a_r, R's weights(rep, "analysis") */
PG_FUNCTION_INFO_V1(barometer_replicate_weights);
Datum
barometer_replicate_weights(PG_FUNCTION_ARGS)
{
	PlanCache  *c = row_factors(fcinfo);
	double		w = tally_arg_weight(fcinfo, 3);
	double	   *out = palloc(sizeof(double) * c->gen->nreps);
	int32		r;

	for (r = 0; r < c->gen->nreps; r++)
		out[r] = c->factors[r] * w;
	PG_RETURN_ARRAYTYPE_P(float8_array(out, c->gen->nreps));
}

PG_FUNCTION_INFO_V1(barometer_replicate_factors);
Datum
barometer_replicate_factors(PG_FUNCTION_ARGS)
{
	PlanCache  *c = row_factors(fcinfo);

	PG_RETURN_ARRAYTYPE_P(float8_array(c->factors, c->gen->nreps));
}

/* ------------------------------------------------------------------------
 * Readers
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(barometer_replicate_plan_count);
Datum
barometer_replicate_plan_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(plan_generator(PG_GETARG_REPPLAN(0))->nreps);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_scale);
Datum
barometer_replicate_plan_scale(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(plan_generator(PG_GETARG_REPPLAN(0))->scale);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_rscales);
Datum
barometer_replicate_plan_rscales(PG_FUNCTION_ARGS)
{
	Repgen	   *g = plan_generator(PG_GETARG_REPPLAN(0));

	PG_RETURN_ARRAYTYPE_P(float8_array(g->rscales, g->nreps));
}

static double
plan_df(Repgen *g)
{
	repgen_prepare(g, repgen_palloc, CurrentMemoryContext);
	return repgen_df(g, repgen_palloc, CurrentMemoryContext);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_df);
Datum
barometer_replicate_plan_df(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(plan_df(plan_generator(PG_GETARG_REPPLAN(0))));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_method);
Datum
barometer_replicate_plan_method(PG_FUNCTION_ARGS)
{
	RepPlan    *p = PG_GETARG_REPPLAN(0);

	PG_RETURN_TEXT_P(cstring_to_text(repgen_method_name(p->method)));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_describe);
Datum
barometer_replicate_plan_describe(PG_FUNCTION_ARGS)
{
	RepPlan    *p = PG_GETARG_REPPLAN(0);
	Repgen	   *g = plan_generator(p);
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {false};
	StringInfoData opts;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "replicate_describe must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	initStringInfo(&opts);
	repplan_append_options(&opts, &g->spec);
	values[0] = PointerGetDatum(cstring_to_text(repgen_method_name(p->method)));
	values[1] = PointerGetDatum(cstring_to_text(opts.data));
	values[2] = Int32GetDatum(g->nreps);
	values[3] = Float8GetDatum(g->scale);
	values[4] = PointerGetDatum(float8_array(g->rscales, g->nreps));
	values[5] = Float8GetDatum(plan_df(g));
	values[6] = Float8GetDatum(p->rho);
	values[7] = Int32GetDatum(p->nstrata);
	values[8] = Int32GetDatum(p->npsus);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
