/*
 * distr.c - barometer.distribution: every category of one item (answers
 * 1..5, "geen mening", ...) in one aggregate, for any design of
 * barometer.tally:
 *   distribution(item, categories, excluded, w)                 weights only
 *   distribution(item, categories, excluded, w, n_sample)       its domains
 *   distribution(item, categories, excluded, w, stratum, psu, n_psu, fpc
 *                [, lonely])                                    strata, PSUs
 *   distribution(item, categories, excluded, w, stratum, psu, n_psu, fpc,
 *                ssu, n_ssu, fpc2, lonely)                      two stages
 *   distribution(item, categories, excluded, w, repw, spec)     replicates
 *   distribution_stratified(item, categories, excluded, w, stratum,
 *                n_stratum, fpc [, lonely])                     no clusters
 *   distribution(item, categories, excluded, d barometer.design_row)
 *                                                               declared
 *   merge(distribution)                                         rollup
 * The distribution holds one tally per category: category k's is exactly
 * tally(item = k, w, <design>) over the same rows, with the rows whose item
 * is NULL or in excluded as missing (so the denominator is the rows with a
 * category: R's svymean(~factor(item), subset(design, item %in%
 * categories))).  A value in neither list is an error.
 *
 * The aggregate runs the tally aggregate's own transition function once per
 * category (a call with the item replaced by the indicator item = k), so a
 * category's tally is the single tally bit for bit, for every design.
 *
 * Stored layout (version 1), 8-byte aligned:
 *   header (length, version, K, E), int32 codes[K], int32 excluded[E],
 *   padding to 8, then K barometer.tally values (each a varlena with a
 *   4-byte header, padded to 8).
 * Text: v1 categories={1,2,3} excluded={9} {<tally>} {<tally>} {<tally>}
 * Binary: int32 version, K, E, codes, excluded, then per tally an int32
 * length and the tally's binary form.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "design_handle.h"
#include "distr_core.h"
#include "guard.h"
#include "stored.h"
#include "tally.h"

/* the tally functions a distribution runs per category (tally_*.c) */
extern Datum barometer_tally_in(PG_FUNCTION_ARGS);
extern Datum barometer_tally_out(PG_FUNCTION_ARGS);
extern Datum barometer_tally_recv(PG_FUNCTION_ARGS);
extern Datum barometer_tally_send(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_wdomain(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_cluster(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_cluster2(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_stratified(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_rep(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_declared(PG_FUNCTION_ARGS);
extern Datum barometer_tally_acc_final(PG_FUNCTION_ARGS);

#define DISTR_VERSION 1
/* the most categories (and excluded codes) of one distribution */
#define DISTR_MAX_CATEGORIES 10000

typedef struct Distribution
{
	int32		vl_len_;
	int32		version;
	int32		K;
	int32		E;
	/* int32 codes[K], int32 excluded[E], padding, K tallies */
} Distribution;

#define DISTR_CODES(d)		((int32 *) ((char *) (d) + sizeof(Distribution)))
#define DISTR_EXCL(d)		(DISTR_CODES(d) + (d)->K)
#define DISTR_FIRST(d)		TYPEALIGN(8, sizeof(Distribution) + sizeof(int32) * ((d)->K + (d)->E))

/* the tallies of a distribution, in category order */
static void
distr_tallies(const Distribution *d, const Tally **t)
{
	size_t		off = DISTR_FIRST(d);
	int			k;

	for (k = 0; k < d->K; k++)
	{
		Tally	   *raw = (Tally *) ((const char *) d + off);

		off += TYPEALIGN(8, VARSIZE(raw));
		/* a category tally stored before version 5 is read as tally_upgrade has it */
		t[k] = tally_upgrade(raw);
	}
}

static Distribution *
distr_get(Datum datum)
{
	Distribution *d = (Distribution *) PG_DETOAST_DATUM(datum);

	if (d->version != DISTR_VERSION)
		elog(ERROR, "barometer.distribution of unknown version %d", d->version);
	return d;
}

#define PG_GETARG_DISTR(n)	distr_get(PG_GETARG_DATUM(n))

/* build a distribution from its codes and tallies */
static Distribution *
distr_build(int K, int E, const int32 *codes, const int32 *excl, Tally **t)
{
	size_t		size = TYPEALIGN(8, sizeof(Distribution) + sizeof(int32) * (K + E));
	size_t		off;
	Distribution *d;
	int			k;

	for (k = 0; k < K; k++)
	{
		size += TYPEALIGN(8, VARSIZE(t[k]));
		if (size > (size_t) MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("barometer.distribution too large"),
					 errdetail("The %d category tallies take more than 1 GB.", K)));
	}
	guard_bytes(size, "a barometer.distribution");
	d = palloc0(size);
	SET_VARSIZE(d, size);
	d->version = DISTR_VERSION;
	d->K = K;
	d->E = E;
	memcpy(DISTR_CODES(d), codes, sizeof(int32) * K);
	if (E > 0)
		memcpy(DISTR_EXCL(d), excl, sizeof(int32) * E);
	off = DISTR_FIRST(d);
	for (k = 0; k < K; k++)
	{
		memcpy((char *) d + off, t[k], VARSIZE(t[k]));
		off += TYPEALIGN(8, VARSIZE(t[k]));
	}
	return d;
}

/* the parts (views) of a distribution, for distr_core */
typedef struct DistrViews
{
	int			K;
	const Tally **t;
	Design	   *d;
	RepAcc	   *r;
	DistrPart  *parts;
} DistrViews;

static void
distr_views(const Distribution *dist, DistrViews *v)
{
	int			k;

	v->K = dist->K;
	v->t = palloc(sizeof(Tally *) * dist->K);
	v->d = palloc0(sizeof(Design) * dist->K);
	v->r = palloc0(sizeof(RepAcc) * dist->K);
	v->parts = palloc(sizeof(DistrPart) * dist->K);
	distr_tallies(dist, v->t);
	for (k = 0; k < dist->K; k++)
	{
		tally_view(v->t[k], &v->d[k], &v->r[k]);
		v->parts[k].core = &v->t[k]->core;
		v->parts[k].d = &v->d[k];
		v->parts[k].r = &v->r[k];
	}
}

/* codes: distinct, excluded disjoint from the categories; NULL or a sentence */
static const char *
codes_problem(int K, int E, const int32 *codes, const int32 *excl)
{
	int			i,
				j;

	if (K < 1)
		return "A distribution has at least one category.";
	if (K > DISTR_MAX_CATEGORIES || E > DISTR_MAX_CATEGORIES)
		return psprintf("A distribution has at most %d categories and %d excluded codes.",
						DISTR_MAX_CATEGORIES, DISTR_MAX_CATEGORIES);
	for (i = 0; i < K + E; i++)
	{
		int32		c = i < K ? codes[i] : excl[i - K];

		for (j = 0; j < i; j++)
			if ((j < K ? codes[j] : excl[j - K]) == c)
				return psprintf("The code %d appears twice among the categories and excluded codes.", c);
	}
	return NULL;
}

/* everything an input function or a merge must check of a distribution */
static void
distr_validate(const Distribution *d, int sqlstate)
{
	const char *problem = codes_problem(d->K, d->E, DISTR_CODES(d), DISTR_EXCL(d));
	DistrViews	v;

	if (problem == NULL)
	{
		distr_views(d, &v);
		problem = distr_check(v.parts, d->K);
	}
	if (problem)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg(sqlstate == ERRCODE_INVALID_BINARY_REPRESENTATION ?
						"invalid binary value for type barometer.distribution" :
						"invalid input syntax for type barometer.distribution"),
				 errdetail("%s", problem)));
}

/* ---- text and binary forms ------------------------------------------- */

static void pg_attribute_noreturn()
text_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type barometer.distribution: \"%s\"",
					stored_clip(input, 60, true)),
			 errdetail("%s", detail)));
}

/* "{1,2,3}" or "{}" at *p after the key */
static int32 *
read_codes(const char *input, const char **p, const char *key, int *count)
{
	size_t		klen = strlen(key);
	int32	   *codes;
	int			n = 0,
				cap = 8;

	if (strncmp(*p, key, klen) != 0 || (*p)[klen] != '=' || (*p)[klen + 1] != '{')
		text_error(input, psprintf("Expected \"%s={\".", key));
	*p += klen + 2;
	codes = palloc(sizeof(int32) * cap);
	while (**p != '}')
	{
		const char *end;
		int64		v;

		if (n > 0)
		{
			if (**p != ',')
				text_error(input, psprintf("Expected \",\" or \"}\" in %s.", key));
			(*p)++;
		}
		if (stored_read_int64(*p, &end, &v, true) != STORED_NUM_OK || v < PG_INT32_MIN || v > PG_INT32_MAX)
			text_error(input, psprintf("The %s must be integers.", key));
		if (n >= DISTR_MAX_CATEGORIES)
			text_error(input, psprintf("At most %d codes.", DISTR_MAX_CATEGORIES));
		if (n == cap)
			codes = repalloc(codes, sizeof(int32) * (cap *= 2));
		codes[n++] = (int32) v;
		*p = end;
	}
	(*p)++;
	*count = n;
	return codes;
}

PG_FUNCTION_INFO_V1(barometer_distribution_in);
Datum
barometer_distribution_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int32	   *codes,
			   *excl;
	int			K,
				E,
				k;
	Tally	  **t;
	Distribution *d;

	if (strncmp(p, "v1 ", 3) != 0)
	{
		if (p[0] == 'v' && p[1] >= '2' && p[1] <= '9')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("barometer.distribution value of a newer version"),
					 errdetail("This build reads version 1."),
					 errhint("Upgrade the extension (ALTER EXTENSION barometer UPDATE).")));
		text_error(input, "A distribution starts with \"v1 \".");
	}
	p += 3;
	codes = read_codes(input, &p, "categories", &K);
	if (*p++ != ' ')
		text_error(input, "Expected \" excluded={\".");
	excl = read_codes(input, &p, "excluded", &E);
	{
		const char *problem = codes_problem(K, E, codes, excl);

		if (problem)
			text_error(input, problem);
	}
	t = palloc(sizeof(Tally *) * K);
	for (k = 0; k < K; k++)
	{
		const char *start;
		bool		quoted = false;

		CHECK_FOR_INTERRUPTS();
		if (p[0] != ' ' || p[1] != '{')
			text_error(input, psprintf("Expected \" {\" before the tally of category %d.", codes[k]));
		p += 2;
		start = p;
		/* the tally's text: up to the "}" outside identifiers (t"...") */
		for (; *p != '\0'; p++)
		{
			if (quoted)
			{
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '"')
					quoted = false;
			}
			else if (*p == '"')
				quoted = true;
			else if (*p == '}')
				break;
		}
		if (*p != '}')
			text_error(input, psprintf("The tally of category %d has no closing \"}\".", codes[k]));
		t[k] = (Tally *) DatumGetPointer(DirectFunctionCall1(barometer_tally_in,
															 CStringGetDatum(pnstrdup(start, p - start))));
		p++;
	}
	if (*p != '\0')
		text_error(input, psprintf("Unexpected text at the end: \"%s\".", stored_clip(p, 20, false)));
	d = distr_build(K, E, codes, excl, t);
	distr_validate(d, ERRCODE_INVALID_TEXT_REPRESENTATION);
	PG_RETURN_POINTER(d);
}

static void
append_codes(StringInfo buf, const char *key, const int32 *codes, int n)
{
	int			i;

	appendStringInfo(buf, "%s={", key);
	for (i = 0; i < n; i++)
		appendStringInfo(buf, "%s%d", i ? "," : "", codes[i]);
	appendStringInfoChar(buf, '}');
}

PG_FUNCTION_INFO_V1(barometer_distribution_out);
Datum
barometer_distribution_out(PG_FUNCTION_ARGS)
{
	Distribution *d = PG_GETARG_DISTR(0);
	const Tally **t = palloc(sizeof(Tally *) * d->K);
	StringInfoData buf;
	int			k;

	distr_tallies(d, t);
	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d ", DISTR_VERSION);
	append_codes(&buf, "categories", DISTR_CODES(d), d->K);
	appendStringInfoChar(&buf, ' ');
	append_codes(&buf, "excluded", DISTR_EXCL(d), d->E);
	for (k = 0; k < d->K; k++)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfoString(&buf, " {");
		appendStringInfoString(&buf, DatumGetCString(DirectFunctionCall1(barometer_tally_out,
																		 PointerGetDatum(t[k]))));
		appendStringInfoChar(&buf, '}');
	}
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(barometer_distribution_recv);
Datum
barometer_distribution_recv(PG_FUNCTION_ARGS)
{
	StoredReader rd;
	int32		version,
				K,
				E,
				k;
	int32	   *codes,
			   *excl;
	Tally	  **t;
	Distribution *d;
	const char *problem;

	stored_reader_init(&rd, (StringInfo) PG_GETARG_POINTER(0), "barometer.distribution");
	version = stored_get_i32(&rd, "the version");
	if (version != DISTR_VERSION)
		stored_binary_error(&rd, psprintf("Version %d is not known; this build reads version 1.", version));
	K = stored_get_i32(&rd, "the number of categories");
	E = stored_get_i32(&rd, "the number of excluded codes");
	if (K < 1 || K > DISTR_MAX_CATEGORIES || E < 0 || E > DISTR_MAX_CATEGORIES)
		stored_binary_error(&rd, psprintf("A distribution has 1 to %d categories and at most %d excluded codes.",
										  DISTR_MAX_CATEGORIES, DISTR_MAX_CATEGORIES));
	stored_check_count(&rd, (int64) K + E, 4, sizeof(int32), "the codes");
	codes = palloc(sizeof(int32) * (K + E + 1));
	excl = codes + K;
	for (k = 0; k < K + E; k++)
		codes[k] = stored_get_i32(&rd, "a code");
	if ((problem = codes_problem(K, E, codes, excl)) != NULL)
		stored_binary_error(&rd, problem);
	t = palloc(sizeof(Tally *) * K);
	for (k = 0; k < K; k++)
	{
		int32		len = stored_get_i32(&rd, "the length of a category tally");
		StringInfoData sub;

		CHECK_FOR_INTERRUPTS();
		if (len < 0 || len > stored_left(&rd))
			stored_binary_error(&rd, "A category tally is longer than the bytes left.");
		sub.data = (char *) stored_get_bytes(&rd, len, "a category tally");
		sub.len = len;
		sub.maxlen = len;
		sub.cursor = 0;
		t[k] = (Tally *) DatumGetPointer(DirectFunctionCall1(barometer_tally_recv, PointerGetDatum(&sub)));
	}
	stored_end(&rd);
	d = distr_build(K, E, codes, excl, t);
	distr_validate(d, ERRCODE_INVALID_BINARY_REPRESENTATION);
	PG_RETURN_POINTER(d);
}

PG_FUNCTION_INFO_V1(barometer_distribution_send);
Datum
barometer_distribution_send(PG_FUNCTION_ARGS)
{
	Distribution *d = PG_GETARG_DISTR(0);
	const Tally **t = palloc(sizeof(Tally *) * d->K);
	StringInfoData buf;
	int			k;

	distr_tallies(d, t);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, DISTR_VERSION);
	pq_sendint32(&buf, d->K);
	pq_sendint32(&buf, d->E);
	for (k = 0; k < d->K; k++)
		pq_sendint32(&buf, DISTR_CODES(d)[k]);
	for (k = 0; k < d->E; k++)
		pq_sendint32(&buf, DISTR_EXCL(d)[k]);
	for (k = 0; k < d->K; k++)
	{
		bytea	   *b = DatumGetByteaPP(DirectFunctionCall1(barometer_tally_send, PointerGetDatum(t[k])));

		CHECK_FOR_INTERRUPTS();
		pq_sendint32(&buf, VARSIZE_ANY_EXHDR(b));
		pq_sendbytes(&buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- the aggregate ----------------------------------------------------- */

/* the working state: one tally accumulator per category */
typedef struct DistrAcc
{
	int32		K;
	int32		E;
	int32	   *codes;			/* K codes, then E excluded */
	TallyAcc  **acc;			/* K; NULL before the first row */
	DeclIdent	id;				/* a declared design's identity (kind -1:
								 * none) */
} DistrAcc;


static DistrAcc *
distr_acc_new(MemoryContext cxt, int K, int E, const int32 *codes)
{
	DistrAcc   *a = MemoryContextAllocZero(cxt, sizeof(DistrAcc));

	guard_array((uint64) K + E + 1, sizeof(int32) + sizeof(TallyAcc *), "the state of a distribution");
	a->K = K;
	a->E = E;
	a->codes = MemoryContextAlloc(cxt, sizeof(int32) * (K + E + 1));
	memcpy(a->codes, codes, sizeof(int32) * (K + E));
	a->acc = MemoryContextAllocZero(cxt, sizeof(TallyAcc *) * (K + 1));
	a->id.kind = -1;
	return a;
}

/* a code and its category index (-1: excluded), sorted by code */
typedef struct CodeIdx
{
	int32		code;
	int32		index;
} CodeIdx;

/* per call site: the codes of the group and the tally transition call */
typedef struct DistrCache
{
	ArrayType  *cats;			/* the arrays last checked (copies) */
	ArrayType  *excl;
	int32		K;
	int32		E;
	int32	   *codes;			/* K categories, then E excluded */
	CodeIdx    *sorted;			/* K + E */
	FmgrInfo	flinfo;			/* the tally transition's call site */
	bool		ready;
} DistrCache;

static int
cmp_code(const void *a, const void *b)
{
	int32		x = ((const CodeIdx *) a)->code,
				y = ((const CodeIdx *) b)->code;

	return x < y ? -1 : x > y;
}

/* the int32 elements of an integer[] argument (no NULLs, one dimension) */
static int32 *
codes_arg(ArrayType *a, const char *what, int *n)
{
	if (ARR_NDIM(a) > 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != INT4OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional integer array without NULLs", what)));
	*n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	return (int32 *) ARR_DATA_PTR(a);
}

static bool
same_array(ArrayType *a, ArrayType *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

static ArrayType *
copy_array(ArrayType *a)
{
	ArrayType  *c = palloc(VARSIZE(a));

	memcpy(c, a, VARSIZE(a));
	return c;
}

/*
 * The categories and excluded codes of this row (arguments 2 and 3), and
 * their lookup table, kept for the next rows of the call site (the group's
 * state checks that its rows agree).
 */
static void
row_codes(FunctionCallInfo fcinfo, DistrCache *c)
{
	ArrayType  *cats,
			   *excl = NULL;
	int			K,
				E = 0,
				i;
	int32	   *codes,
			   *ex = NULL;
	const char *problem;
	MemoryContext old;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("categories must not be NULL"),
				 errhint("List the categories of the distribution, for example ARRAY[1, 2, 3, 4, 5].")));
	cats = PG_GETARG_ARRAYTYPE_P(2);
	if (!PG_ARGISNULL(3))
		excl = PG_GETARG_ARRAYTYPE_P(3);
	if (c->cats != NULL && same_array(c->cats, cats) && same_array(c->excl, excl))
		return;
	/* new codes at this call site (another group): the state checks them */
	if (c->cats != NULL)
	{
		pfree(c->cats);
		if (c->excl)
			pfree(c->excl);
		pfree(c->codes);
		pfree(c->sorted);
		c->cats = c->excl = NULL;
	}
	codes = codes_arg(cats, "categories", &K);
	if (excl)
		ex = codes_arg(excl, "excluded", &E);
	if ((problem = codes_problem(K, E, codes, ex)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid categories of a distribution"),
				 errdetail("%s", problem)));
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	c->cats = copy_array(cats);
	c->excl = excl ? copy_array(excl) : NULL;
	c->K = K;
	c->E = E;
	c->codes = palloc(sizeof(int32) * (K + E + 1));
	c->sorted = palloc(sizeof(CodeIdx) * (K + E + 1));
	for (i = 0; i < K + E; i++)
	{
		c->codes[i] = i < K ? codes[i] : ex[i - K];
		c->sorted[i].code = c->codes[i];
		c->sorted[i].index = i < K ? i : -1;
	}
	MemoryContextSwitchTo(old);
	qsort(c->sorted, K + E, sizeof(CodeIdx), cmp_code);
}

/*
 * The tally transition's call site: the aggregate's own, with the item and
 * the two code arrays replaced by one boolean argument (the indicator
 * item = k), so that the tally's code reads the argument types it expects.
 */
static void
cache_target(FunctionCallInfo fcinfo, DistrCache *c, PGFunction target)
{
	FuncExpr   *fe = (FuncExpr *) fcinfo->flinfo->fn_expr;
	List	   *args = NIL;
	ListCell   *lc;
	int			i = 0;
	MemoryContext old;

	if (fe == NULL || !IsA(fe, FuncExpr))
		elog(ERROR, "distribution transition function called without its expression");
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	foreach(lc, fe->args)
	{
		if (i == 1)
			args = lappend(args, makeConst(BOOLOID, -1, InvalidOid, 1, BoolGetDatum(false), false, true));
		else if (i != 2 && i != 3)
			args = lappend(args, lfirst(lc));
		i++;
	}
	memset(&c->flinfo, 0, sizeof(FmgrInfo));
	c->flinfo.fn_addr = target;
	c->flinfo.fn_oid = InvalidOid;
	c->flinfo.fn_nargs = PG_NARGS() - 2;
	c->flinfo.fn_strict = false;
	c->flinfo.fn_mcxt = fcinfo->flinfo->fn_mcxt;
	c->flinfo.fn_expr = (Node *) makeFuncExpr(fe->funcid, fe->funcresulttype, args,
											  fe->funccollid, fe->inputcollid, COERCE_EXPLICIT_CALL);
	MemoryContextSwitchTo(old);
	c->ready = true;
}

static DistrCache *
distr_cache(FunctionCallInfo fcinfo)
{
	DistrCache *c = (DistrCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(DistrCache));
		fcinfo->flinfo->fn_extra = c;
	}
	return c;
}

/* the category index of an item value: -1 excluded */
static int
code_category(DistrCache *c, int32 code)
{
	CodeIdx		key,
			   *hit;

	key.code = code;
	hit = bsearch(&key, c->sorted, c->K + c->E, sizeof(CodeIdx), cmp_code);
	if (hit == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("item value %d is not a category of the distribution", code),
				 errdetail("It is neither in categories nor in excluded."),
				 errhint("Add it to categories (counted in the denominator) or to excluded (left out), or map it to NULL (missing).")));
	return hit->index;
}

/* the category index of the row's item: -1 missing or excluded */
static int
row_category(FunctionCallInfo fcinfo, DistrCache *c)
{
	if (PG_ARGISNULL(1))
		return -1;
	return code_category(c, PG_GETARG_INT32(1));
}

static DistrAcc *
trans_state(FunctionCallInfo fcinfo, DistrCache *c)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "distribution transition function called outside an aggregate");
	if (!PG_ARGISNULL(0))
	{
		DistrAcc   *a = (DistrAcc *) PG_GETARG_POINTER(0);

		if (a->K != c->K || a->E != c->E || memcmp(a->codes, c->codes, sizeof(int32) * (c->K + c->E)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("categories or excluded codes differ between rows"),
					 errdetail("Every row of a distribution must give the same categories and excluded codes.")));
		return a;
	}
	return distr_acc_new(aggcontext, c->K, c->E, c->codes);
}

/*
 * Every design but weights only: the tally aggregate's transition for each
 * category, with y = (item = k), or NULL when the item is missing or
 * excluded.
 */
static Datum
trans_delegate(FunctionCallInfo fcinfo, PGFunction target)
{
	DistrCache *c = distr_cache(fcinfo);
	DistrAcc   *a;
	int			cat,
				k,
				j,
				nargs = PG_NARGS() - 2;

	LOCAL_FCINFO(f, 12);

	row_codes(fcinfo, c);
	if (!c->ready)
		cache_target(fcinfo, c, target);
	a = trans_state(fcinfo, c);
	cat = row_category(fcinfo, c);
	Assert(nargs <= 12);
	for (k = 0; k < a->K; k++)
	{
		Datum		r;

		if ((k & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
		InitFunctionCallInfoData(*f, &c->flinfo, nargs, fcinfo->fncollation, fcinfo->context, NULL);
		f->args[0].value = PointerGetDatum(a->acc[k]);
		f->args[0].isnull = a->acc[k] == NULL;
		f->args[1].value = BoolGetDatum(cat == k);
		f->args[1].isnull = cat < 0;
		for (j = 2; j < nargs; j++)
			f->args[j] = fcinfo->args[j + 2];
		r = target(f);
		if (f->isnull)
			elog(ERROR, "tally transition returned NULL");
		a->acc[k] = (TallyAcc *) DatumGetPointer(r);
	}
	PG_RETURN_POINTER(a);
}

/* weights only: the tally's sums, as tally(item = k, w) adds them */
PG_FUNCTION_INFO_V1(barometer_distribution_trans_weights);
Datum
barometer_distribution_trans_weights(PG_FUNCTION_ARGS)
{
	DistrCache *c = distr_cache(fcinfo);
	MemoryContext aggcontext;
	DistrAcc   *a;
	double		w;
	int			cat,
				k;

	row_codes(fcinfo, c);
	a = trans_state(fcinfo, c);
	w = tally_arg_weight(fcinfo, 4);
	cat = row_category(fcinfo, c);
	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "distribution transition function called outside an aggregate");
	for (k = 0; k < a->K; k++)
	{
		TallyAcc   *t = a->acc[k];

		if (t == NULL)
		{
			t = a->acc[k] = tally_acc_new_agg(aggcontext);
			tally_core_init(&t->core, TALLY_PROPORTION);
			t->design.kind = DESIGN_WEIGHTS;
			t->empty = false;
		}
		if (cat < 0)
			tally_core_add_missing(&t->core);
		else
			tally_core_add_prop(&t->core, cat == k, w);
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_distribution_trans_wdomain);
Datum
barometer_distribution_trans_wdomain(PG_FUNCTION_ARGS)
{
	return trans_delegate(fcinfo, barometer_tally_trans_wdomain);
}

PG_FUNCTION_INFO_V1(barometer_distribution_trans_cluster);
Datum
barometer_distribution_trans_cluster(PG_FUNCTION_ARGS)
{
	return trans_delegate(fcinfo, barometer_tally_trans_cluster);
}

PG_FUNCTION_INFO_V1(barometer_distribution_trans_cluster2);
Datum
barometer_distribution_trans_cluster2(PG_FUNCTION_ARGS)
{
	return trans_delegate(fcinfo, barometer_tally_trans_cluster2);
}

PG_FUNCTION_INFO_V1(barometer_distribution_trans_stratified);
Datum
barometer_distribution_trans_stratified(PG_FUNCTION_ARGS)
{
	return trans_delegate(fcinfo, barometer_tally_trans_stratified);
}

PG_FUNCTION_INFO_V1(barometer_distribution_trans_rep);
Datum
barometer_distribution_trans_rep(PG_FUNCTION_ARGS)
{
	return trans_delegate(fcinfo, barometer_tally_trans_rep);
}

/*
 * distribution(item, categories, excluded, d barometer.design_row): the
 * declared tally's transition per category (it checks the handle against
 * the category's state); the state keeps the identity for the combine step
 */
PG_FUNCTION_INFO_V1(barometer_distribution_trans_declared);
Datum
barometer_distribution_trans_declared(PG_FUNCTION_ARGS)
{
	DistrAcc   *a = (DistrAcc *) DatumGetPointer(trans_delegate(fcinfo, barometer_tally_trans_declared));

	if (a->id.kind < 0)
	{
		bytea	   *hv = PG_GETARG_BYTEA_PP(4);
		DesignRow	r;

		design_row_read(VARDATA_ANY(hv), VARSIZE_ANY_EXHDR(hv), &r);
		decl_ident_of(&r, &a->id);
	}
	PG_RETURN_POINTER(a);
}

static void
same_codes(const DistrAcc *a, int K, int E, const int32 *codes)
{
	if (a->K != K || a->E != E || memcmp(a->codes, codes, sizeof(int32) * (K + E)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge distributions of different categories"),
				 errdetail("Merged distributions must have the same categories and excluded codes, in the same order.")));
}

/* merge(distribution): transition */
PG_FUNCTION_INFO_V1(barometer_distribution_merge_trans);
Datum
barometer_distribution_merge_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	DistrAcc   *a;
	Distribution *d;
	const Tally **t;
	int			k;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "merge transition function called outside an aggregate");
	a = PG_ARGISNULL(0) ? NULL : (DistrAcc *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	d = PG_GETARG_DISTR(1);
	if (a == NULL)
		a = distr_acc_new(aggcontext, d->K, d->E, DISTR_CODES(d));
	else
		same_codes(a, d->K, d->E, DISTR_CODES(d));
	t = palloc(sizeof(Tally *) * d->K);
	distr_tallies(d, t);
	for (k = 0; k < a->K; k++)
	{
		if (a->acc[k] == NULL)
			a->acc[k] = tally_acc_new_agg(aggcontext);
		tally_acc_merge_tally(a->acc[k], t[k]);
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_distribution_combine);
Datum
barometer_distribution_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	DistrAcc   *a,
			   *b;
	int			k;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "combine function called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (DistrAcc *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
		a = distr_acc_new(aggcontext, b->K, b->E, b->codes);
	else
	{
		a = (DistrAcc *) PG_GETARG_POINTER(0);
		same_codes(a, b->K, b->E, b->codes);
	}
	decl_ident_merge(&a->id, &b->id);
	for (k = 0; k < a->K; k++)
	{
		if (b->acc[k] == NULL)
			continue;
		if (a->acc[k] == NULL)
			a->acc[k] = tally_acc_new_agg(aggcontext);
		tally_acc_merge(a->acc[k], b->acc[k]);
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_distribution_serialize);
Datum
barometer_distribution_serialize(PG_FUNCTION_ARGS)
{
	DistrAcc   *a = (DistrAcc *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			k;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, a->K);
	pq_sendint32(&buf, a->E);
	for (k = 0; k < a->K + a->E; k++)
		pq_sendint32(&buf, a->codes[k]);
	for (k = 0; k < a->K; k++)
	{
		Tally	   *t;

		if (a->acc[k] == NULL)
		{
			pq_sendint32(&buf, 0);
			continue;
		}
		if (a->acc[k]->design.log_mode)
			design_compact(&a->acc[k]->design);
		t = tally_pack(a->acc[k], false);
		pq_sendint32(&buf, VARSIZE(t));
		pq_sendbytes(&buf, (char *) t, VARSIZE(t));
	}
	/* a declared design's identity (kind -1: none) */
	pq_sendint64(&buf, a->id.stamp);
	pq_sendint64(&buf, (int64) a->id.part);
	pq_sendint32(&buf, a->id.kind);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(barometer_distribution_deserialize);
Datum
barometer_distribution_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(b);
	int32		K,
				E,
				k;
	DistrAcc   *a;

	memcpy(&K, p, 4);
	memcpy(&E, p + 4, 4);
	K = pg_ntoh32(K);
	E = pg_ntoh32(E);
	p += 8;
	a = distr_acc_new(CurrentMemoryContext, K, E, (const int32 *) palloc0(sizeof(int32) * (K + E + 1)));
	for (k = 0; k < K + E; k++)
	{
		int32		v;

		memcpy(&v, p, 4);
		a->codes[k] = pg_ntoh32(v);
		p += 4;
	}
	for (k = 0; k < K; k++)
	{
		int32		len;
		Tally	   *t;

		memcpy(&len, p, 4);
		len = pg_ntoh32(len);
		p += 4;
		if (len == 0)
			continue;
		t = palloc(len);
		memcpy(t, p, len);
		p += len;
		a->acc[k] = tally_acc_new(CurrentMemoryContext);
		tally_acc_merge_tally(a->acc[k], t);
	}
	{
		int64		v64;
		int32		v32;

		memcpy(&v64, p, 8);
		a->id.stamp = (int64) pg_ntoh64(v64);
		memcpy(&v64, p + 8, 8);
		a->id.part = pg_ntoh64(v64);
		memcpy(&v32, p + 16, 4);
		a->id.kind = (int32) pg_ntoh32(v32);
	}
	PG_RETURN_POINTER(a);
}

/*
 * The stored distribution: each category's tally by the tally aggregate's
 * own final function (with its checks: PSUs per stratum, rows per sample).
 */
PG_FUNCTION_INFO_V1(barometer_distribution_final);
Datum
barometer_distribution_final(PG_FUNCTION_ARGS)
{
	DistrAcc   *a;
	Tally	  **t;
	int			k;
	Distribution *d;

	LOCAL_FCINFO(f, 1);

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = (DistrAcc *) PG_GETARG_POINTER(0);
	decl_check_declared(fcinfo, &a->id);
	t = palloc(sizeof(Tally *) * a->K);
	for (k = 0; k < a->K; k++)
	{
		Datum		r;

		if (a->acc[k] == NULL)
			PG_RETURN_NULL();
		InitFunctionCallInfoData(*f, fcinfo->flinfo, 1, InvalidOid, fcinfo->context, NULL);
		f->args[0].value = PointerGetDatum(a->acc[k]);
		f->args[0].isnull = false;
		r = barometer_tally_acc_final(f);
		if (f->isnull)
			PG_RETURN_NULL();
		t[k] = (Tally *) DatumGetPointer(r);
	}
	d = distr_build(a->K, a->E, a->codes, a->codes + a->K, t);
	{
		DistrViews	v;
		const char *problem;

		distr_views(d, &v);
		if ((problem = distr_check(v.parts, d->K)) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("result of barometer.%s is not a consistent barometer.distribution",
							tally_agg_name(fcinfo, "distribution")),
					 errdetail("%s", problem)));
	}
	PG_RETURN_POINTER(d);
}

/* ---- readers ----------------------------------------------------------- */

static ArrayType *
int4_array(const int32 *v, int n)
{
	Datum	   *e = palloc(sizeof(Datum) * (n + 1));
	int			i;

	for (i = 0; i < n; i++)
		e[i] = Int32GetDatum(v[i]);
	return construct_array(e, n, INT4OID, 4, true, TYPALIGN_INT);
}

PG_FUNCTION_INFO_V1(barometer_distribution_categories);
Datum
barometer_distribution_categories(PG_FUNCTION_ARGS)
{
	Distribution *d = PG_GETARG_DISTR(0);

	PG_RETURN_ARRAYTYPE_P(int4_array(DISTR_CODES(d), d->K));
}

PG_FUNCTION_INFO_V1(barometer_distribution_excluded);
Datum
barometer_distribution_excluded(PG_FUNCTION_ARGS)
{
	Distribution *d = PG_GETARG_DISTR(0);

	PG_RETURN_ARRAYTYPE_P(int4_array(DISTR_EXCL(d), d->E));
}

static Tally *
tally_copy_of(const Tally *t)
{
	Tally	   *c = palloc(VARSIZE(t));

	memcpy(c, t, VARSIZE(t));
	return c;
}

/* category(d, code): the category's tally (= tally(item = code, w, <design>)) */
PG_FUNCTION_INFO_V1(barometer_distribution_category);
Datum
barometer_distribution_category(PG_FUNCTION_ARGS)
{
	Distribution *d = PG_GETARG_DISTR(0);
	int32		code = PG_GETARG_INT32(1);
	const Tally **t = palloc(sizeof(Tally *) * d->K);
	int			k;

	distr_tallies(d, t);
	for (k = 0; k < d->K; k++)
		if (DISTR_CODES(d)[k] == code)
			PG_RETURN_POINTER(tally_copy_of(t[k]));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%d is not a category of the distribution", code),
			 errhint("barometer.categories(d) lists them.")));
}

PG_FUNCTION_INFO_V1(barometer_distribution_tallies);
Datum
barometer_distribution_tallies(PG_FUNCTION_ARGS)
{
	Distribution *d = PG_GETARG_DISTR(0);
	const Tally **t = palloc(sizeof(Tally *) * d->K);
	Datum	   *e = palloc(sizeof(Datum) * d->K);
	Oid			elem = get_fn_expr_rettype(fcinfo->flinfo);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			k;

	elem = get_element_type(elem);
	get_typlenbyvalalign(elem, &typlen, &typbyval, &typalign);
	distr_tallies(d, t);
	for (k = 0; k < d->K; k++)
		e[k] = PointerGetDatum(t[k]);
	PG_RETURN_ARRAYTYPE_P(construct_array(e, d->K, elem, typlen, typbyval, typalign));
}

PG_FUNCTION_INFO_V1(barometer_distribution_estimates);
Datum
barometer_distribution_estimates(PG_FUNCTION_ARGS)
{
	Distribution *d = PG_GETARG_DISTR(0);
	const Tally **t = palloc(sizeof(Tally *) * d->K);
	Datum	   *e = palloc(sizeof(Datum) * d->K);
	bool	   *nulls = palloc(sizeof(bool) * d->K);
	int			dims[1],
				lbs[1] = {1},
				k;

	distr_tallies(d, t);
	for (k = 0; k < d->K; k++)
	{
		TallySummary s;

		tally_core_summary(&t[k]->core, &s);
		e[k] = Float8GetDatum(s.estimate);
		nulls[k] = isnan(s.estimate);
	}
	dims[0] = d->K;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(e, nulls, 1, dims, lbs, FLOAT8OID, 8,
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

static void pg_attribute_noreturn()
lonely_error(const DistrCov *cv)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < Min(cv->nlonely, DESIGN_MAX_REPORTED); i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "",
						 tally_id_text(cv->lonely_key[i], cv->lonely_len[i]));
	if (cv->nlonely > DESIGN_MAX_REPORTED)
		appendStringInfo(&buf, " and %d more", cv->nlonely - DESIGN_MAX_REPORTED);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg(cv->stage == 1 ? "stratum with only one PSU: %s" : "PSU with only one SSU: %s", buf.data),
			 errdetail("The lonely PSU policy is \"fail\", as R's default survey.lonely.psu."),
			 errhint("Choose a policy in the aggregate's lonely_psu argument: %s.", LONELY_POLICY_NAMES)));
}

/*
 * The covariance matrix of one distribution (K x K) into V, its design df
 * into *df: distr_cov, with the diagonal set to each category tally's own
 * variance (the single tally's, bit for bit, including its floor).
 */
static void
distr_vcov(const Distribution *d, DistrViews *v, double *V, double *df)
{
	const DistrPart *g[1];
	DistrCov	cv;
	int			k;

	distr_views(d, v);
	g[0] = v->parts;
	guard_array((uint64) d->K * d->K, sizeof(double), "the covariance matrix of a distribution");
	distr_cov(g, 1, d->K, V, &cv, guard_realloc, CurrentMemoryContext);
	if (cv.status == DESIGN_LONELY_FAIL)
		lonely_error(&cv);
	for (k = 0; k < d->K; k++)
	{
		TallySummary s;

		tally_summarize(v->t[k], &s, true);
		V[k * d->K + k] = s.variance;
		*df = s.df;
	}
}

PG_FUNCTION_INFO_V1(barometer_distribution_vcov);
Datum
barometer_distribution_vcov(PG_FUNCTION_ARGS)
{
	Distribution *d = PG_GETARG_DISTR(0);
	DistrViews	v;
	int			K = d->K,
				i;
	double	   *V;
	Datum	   *e;
	bool	   *nulls;
	int			dims[2],
				lbs[2] = {1, 1};
	double		df;

	guard_array((uint64) K * K, sizeof(Datum) + sizeof(double) + 1, "the covariance matrix of a distribution");
	V = palloc(sizeof(double) * K * K);
	e = palloc(sizeof(Datum) * K * K);
	nulls = palloc(sizeof(bool) * K * K);
	distr_vcov(d, &v, V, &df);
	for (i = 0; i < K * K; i++)
	{
		e[i] = Float8GetDatum(V[i]);
		nulls[i] = isnan(V[i]);
	}
	dims[0] = dims[1] = K;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(e, nulls, 2, dims, lbs, FLOAT8OID, 8,
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * distribution_test(a, b, relation): the Wald test that two distributions
 * of the same categories are equal.
 *   independent  two samples (editions): S = V_a + V_b, no ddf;
 *   domains      two disjoint groups of one sample: S = V_a + V_b - C - C'
 *                with C the cross-covariance of the groups (R's
 *                svyby(covmat = TRUE) + svycontrast), ddf = degf of the
 *                union of the groups.
 */
PG_FUNCTION_INFO_V1(barometer_distribution_test);
Datum
barometer_distribution_test(PG_FUNCTION_ARGS)
{
	Distribution *a = PG_GETARG_DISTR(0);
	Distribution *b = PG_GETARG_DISTR(1);
	char	   *relation = text_to_cstring(PG_GETARG_TEXT_PP(2));
	bool		domains;
	int			K = a->K,
				i,
				j;
	DistrViews	va,
				vb;
	double	   *S,
			   *dv,
			   *work,
			   ddf = NAN;
	DistrTest	r;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6];
	double		x[6];

	if (strcmp(relation, "independent") == 0)
		domains = false;
	else if (strcmp(relation, "domains") == 0)
		domains = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown relation \"%s\"", relation),
				 errhint("Relations: independent (two samples, editions), domains (two groups of one sample).")));
	if (a->K != b->K || a->E != b->E ||
		memcmp(DISTR_CODES(a), DISTR_CODES(b), sizeof(int32) * (a->K + a->E)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot compare distributions of different categories"),
				 errdetail("Both must have the same categories and excluded codes, in the same order.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "distribution_test must return a composite");
	tupdesc = BlessTupleDesc(tupdesc);
	guard_array((uint64) 4 * K * K + 4 * K, sizeof(double), "the covariance of two distributions");
	S = palloc0(sizeof(double) * K * K);
	dv = palloc0(sizeof(double) * K);
	work = palloc0(sizeof(double) * (K * K + K + 1));
	if (!domains)
	{
		double	   *Va = palloc(sizeof(double) * K * K),
				   *Vb = palloc(sizeof(double) * K * K),
					df;

		distr_vcov(a, &va, Va, &df);
		distr_vcov(b, &vb, Vb, &df);
		for (i = 0; i < K * K; i++)
			S[i] = Va[i] + Vb[i];
	}
	else
	{
		const DistrPart *g[2];
		DistrCov	cv;
		double	   *V = palloc(sizeof(double) * 4 * K * K);

		distr_views(a, &va);
		distr_views(b, &vb);
		if (va.d[0].kind != vb.d[0].kind)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("distributions of different designs are not domains of one sample"),
					 errdetail("One is %s, the other %s.", design_kind_name(va.d[0].kind),
							   design_kind_name(vb.d[0].kind))));
		if (va.d[0].kind == DESIGN_WEIGHTS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weights-only distributions without n_sample are separate samples"),
					 errhint("Give n_sample (count(*) OVER ()) to make them domains of one sample, or use relation 'independent'.")));
		g[0] = va.parts;
		g[1] = vb.parts;
		distr_cov(g, 2, K, V, &cv, guard_realloc, CurrentMemoryContext);
		if (cv.conflict)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the distributions are not domains of one design"),
					 errdetail("%s", cv.conflict)));
		if (cv.status == DESIGN_LONELY_FAIL)
			lonely_error(&cv);
		for (i = 0; i < K; i++)
			for (j = 0; j < K; j++)
				S[i * K + j] = V[i * 2 * K + j] + V[(K + i) * 2 * K + K + j]
					- V[i * 2 * K + K + j] - V[(K + i) * 2 * K + j];
		ddf = cv.df;
	}
	for (i = 0; i < K; i++)
	{
		TallySummary sa,
					sb;

		tally_core_summary(&va.t[i]->core, &sa);
		tally_core_summary(&vb.t[i]->core, &sb);
		dv[i] = sa.estimate - sb.estimate;
	}
	distr_wald(dv, S, K, ddf, work, &r);
	x[0] = r.chisq;
	x[1] = r.ndf;
	x[2] = r.p_chisq;
	x[3] = r.f;
	x[4] = r.ddf;
	x[5] = r.p_f;
	for (i = 0; i < 6; i++)
	{
		nulls[i] = isnan(x[i]);
		values[i] = Float8GetDatum(x[i]);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ---- many items at once (wide microdata), weights-only designs --------- */

/*
 * distribution(items integer[], categories, excluded, w [, n_sample]):
 * element m is exactly distribution(items[m], categories, excluded, w
 * [, n_sample]).  The state: M items x K category sums (TallyCore), item
 * m's category k at m K + k, after the codes; serialised as its bytes.
 */
typedef struct DItemsAcc
{
	int32		M;
	int32		K;
	int32		E;
	int32		design;			/* DESIGN_WEIGHTS or DESIGN_WEIGHTS_DOMAIN */
	int64		n_sample;
	/* int32 codes[K + E], padding to 8, TallyCore cores[M K] */
} DItemsAcc;

#define DITEMS_CODES(a)		((int32 *) ((char *) (a) + sizeof(DItemsAcc)))
#define DITEMS_CORES_OFF(k, e)	TYPEALIGN(8, sizeof(DItemsAcc) + sizeof(int32) * ((k) + (e)))
#define DITEMS_CORES(a)		((TallyCore *) ((char *) (a) + DITEMS_CORES_OFF((a)->K, (a)->E)))
#define DITEMS_SIZE(m, k, e)	(DITEMS_CORES_OFF(k, e) + sizeof(TallyCore) * (Size) (m) * (k))

PG_FUNCTION_INFO_V1(barometer_distribution_items_trans);
Datum
barometer_distribution_items_trans(PG_FUNCTION_ARGS)
{
	DistrCache *c = distr_cache(fcinfo);
	MemoryContext aggcontext;
	DItemsAcc  *a;
	ArrayType  *items;
	bool		domain = PG_NARGS() > 5;
	int64		n_sample = 0;
	int			M,
				m,
				k;
	int32	   *v;
	bits8	   *nulls;
	double		w;
	TallyCore  *cores;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "distribution transition function called outside an aggregate");
	row_codes(fcinfo, c);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the array of items must not be NULL"),
				 errdetail("Give an array of NULLs for a row whose answers are all missing.")));
	items = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(items) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the array of items must have one dimension"),
				 errdetail("It has %d.", ARR_NDIM(items))));
	M = ARR_NDIM(items) == 0 ? 0 : ARR_DIMS(items)[0];
	w = tally_arg_weight(fcinfo, 4);
	a = PG_ARGISNULL(0) ? NULL : (DItemsAcc *) PG_GETARG_POINTER(0);
	if (domain)
	{
		n_sample = tally_arg_count(fcinfo, 5, "n_sample", true);
		tally_same_n_sample(a ? a->n_sample : 0, n_sample);
	}
	if (a == NULL)
	{
		guard_array((uint64) M * c->K, sizeof(TallyCore), "the state of an array of distributions");
		a = MemoryContextAllocZero(aggcontext, DITEMS_SIZE(M, c->K, c->E));
		a->M = M;
		a->K = c->K;
		a->E = c->E;
		a->design = domain ? DESIGN_WEIGHTS_DOMAIN : DESIGN_WEIGHTS;
		a->n_sample = n_sample;
		memcpy(DITEMS_CODES(a), c->codes, sizeof(int32) * (c->K + c->E));
		for (m = 0; m < M * c->K; m++)
			tally_core_init(&DITEMS_CORES(a)[m], TALLY_PROPORTION);
	}
	else if (a->M != M)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the arrays of items differ in length between rows"),
				 errdetail("The arrays have %d and %d elements; element m must be the same item on every row.",
						   a->M, M)));
	else if (a->K != c->K || a->E != c->E ||
			 memcmp(DITEMS_CODES(a), c->codes, sizeof(int32) * (c->K + c->E)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("categories or excluded codes differ between rows"),
				 errdetail("Every row of a distribution must give the same categories and excluded codes.")));
	if (ARR_ELEMTYPE(items) != INT4OID)
		elog(ERROR, "distribution items must be integer[]");
	cores = DITEMS_CORES(a);
	nulls = ARR_NULLBITMAP(items);
	v = (int32 *) ARR_DATA_PTR(items);
	for (m = 0; m < M; m++)
	{
		int			cat;
		TallyCore  *t = cores + (Size) m * a->K;

		if ((m & 255) == 255)
			CHECK_FOR_INTERRUPTS();
		if (nulls != NULL && !(nulls[m / 8] & (1 << (m % 8))))
			cat = -1;
		else
			cat = code_category(c, *v++);
		for (k = 0; k < a->K; k++)
		{
			if (cat < 0)
				tally_core_add_missing(&t[k]);
			else
				tally_core_add_prop(&t[k], cat == k, w);
		}
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_distribution_items_combine);
Datum
barometer_distribution_items_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	DItemsAcc  *a,
			   *b;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "combine function called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (DItemsAcc *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		a = MemoryContextAlloc(aggcontext, DITEMS_SIZE(b->M, b->K, b->E));
		memcpy(a, b, DITEMS_SIZE(b->M, b->K, b->E));
		PG_RETURN_POINTER(a);
	}
	a = (DItemsAcc *) PG_GETARG_POINTER(0);
	if (a->M != b->M || a->K != b->K || a->E != b->E ||
		memcmp(DITEMS_CODES(a), DITEMS_CODES(b), sizeof(int32) * (a->K + a->E)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine distributions of different items or categories")));
	tally_same_n_sample(a->n_sample, b->n_sample);
	for (i = 0; i < a->M * a->K; i++)
		tally_core_merge(&DITEMS_CORES(a)[i], &DITEMS_CORES(b)[i]);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_distribution_items_serialize);
Datum
barometer_distribution_items_serialize(PG_FUNCTION_ARGS)
{
	DItemsAcc  *a = (DItemsAcc *) PG_GETARG_POINTER(0);
	Size		size = DITEMS_SIZE(a->M, a->K, a->E);
	bytea	   *b = palloc(VARHDRSZ + size);

	SET_VARSIZE(b, VARHDRSZ + size);
	memcpy(VARDATA(b), a, size);
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(barometer_distribution_items_deserialize);
Datum
barometer_distribution_items_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	Size		size = VARSIZE_ANY_EXHDR(b);
	DItemsAcc  *a;

	if (size < sizeof(DItemsAcc))
		elog(ERROR, "malformed distribution items state");
	a = palloc(size);
	memcpy(a, VARDATA_ANY(b), size);
	if (a->M < 0 || a->K < 1 || a->E < 0 || DITEMS_SIZE(a->M, a->K, a->E) != size)
		elog(ERROR, "malformed distribution items state");
	PG_RETURN_POINTER(a);
}

/* the distributions, each what the one-item aggregate would store */
PG_FUNCTION_INFO_V1(barometer_distribution_items_final);
Datum
barometer_distribution_items_final(PG_FUNCTION_ARGS)
{
	DItemsAcc  *a;
	Oid			elemtype;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	Tally	  **t;
	int			m,
				k;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = (DItemsAcc *) PG_GETARG_POINTER(0);
	elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(elemtype))
		elog(ERROR, "distribution_items_final: cannot determine the result type");
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	elems = palloc(Max(a->M, 1) * sizeof(Datum));
	t = palloc(sizeof(Tally *) * a->K);
	for (m = 0; m < a->M; m++)
	{
		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < a->K; k++)
		{
			t[k] = tally_new(TALLY_PROPORTION);
			t[k]->core = DITEMS_CORES(a)[(Size) m * a->K + k];
			tally_core_finish(&t[k]->core);
			if (a->design == DESIGN_WEIGHTS_DOMAIN)
			{
				t[k]->dh.kind = DESIGN_WEIGHTS_DOMAIN;
				t[k]->dh.lonely = LONELY_FAIL;
				t[k]->dh.n_sample = a->n_sample;
				tally_check_domain_rows(a->n_sample, t[k]->core.n + t[k]->core.n_missing);
			}
			tally_check_result(t[k], "distribution");
		}
		elems[m] = PointerGetDatum(distr_build(a->K, a->E, DITEMS_CODES(a), DITEMS_CODES(a) + a->K, t));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, a->M, elemtype, typlen, typbyval, typalign));
}

/*
 * distribution_chisq(a, b, statistic): R's svychisq(~item + group,
 * subset(design, group %in% c(a, b)), statistic) of two disjoint groups of
 * one sample from their stored distributions (strata and PSUs, one stage,
 * or replicate weights).
 */
PG_FUNCTION_INFO_V1(barometer_distribution_chisq);
Datum
barometer_distribution_chisq(PG_FUNCTION_ARGS)
{
	Distribution *a = PG_GETARG_DISTR(0);
	Distribution *b = PG_GETARG_DISTR(1);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(2));
	int			statistic = chisq_statistic_parse(name);
	DistrViews	va,
				vb;
	ChisqResult res;
	DistrCov	info;
	ChisqStatus st;
	bool		supported;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4];
	double		x[4];
	int			i;

	if (statistic < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown statistic \"%s\"", name),
				 errhint("Statistics: %s.", CHISQ_STATISTIC_NAMES)));
	if (a->K != b->K || a->E != b->E ||
		memcmp(DISTR_CODES(a), DISTR_CODES(b), sizeof(int32) * (a->K + a->E)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot compare distributions of different categories"),
				 errdetail("Both must have the same categories and excluded codes, in the same order.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "distribution_chisq must return a composite");
	tupdesc = BlessTupleDesc(tupdesc);
	distr_views(a, &va);
	distr_views(b, &vb);
	st = distr_chisq(va.parts, vb.parts, a->K, statistic, guard_realloc, CurrentMemoryContext,
					 &res, &info, &supported);
	if (!supported)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("distribution_chisq takes distributions with strata and PSUs (one stage) or replicate weights"),
				 errdetail("These are %s and %s.", design_kind_name(va.d[0].kind), design_kind_name(vb.d[0].kind)),
				 errhint("Use distribution_test(a, b, 'domains'), or barometer.chisq(item, group, w, <design>) on the rows.")));
	if (info.conflict)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the distributions are not domains of one design"),
				 errdetail("%s", info.conflict)));
	switch (st)
	{
		case CHISQ_OK:
			break;
		case CHISQ_LONELY:
			lonely_error(&info);
			break;
		case CHISQ_TOO_BIG:
			guard_bytes(res.bytes, "a working array of distribution_chisq");
			elog(ERROR, "distribution_chisq: a working array of %zu bytes was refused", res.bytes);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the test of association cannot be computed"),
					 errdetail("%s", chisq_status_detail(st))));
	}
	x[0] = res.statistic;
	x[1] = res.ndf;
	x[2] = res.ddf;
	x[3] = res.p_value;
	for (i = 0; i < 4; i++)
	{
		nulls[i] = isnan(x[i]);
		values[i] = Float8GetDatum(x[i]);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
