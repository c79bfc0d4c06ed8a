/*
 * publication.c - publication rules in SQL: the policies (barometer.policy,
 * looked up by name and version), publication_status of a tally, of an
 * estimate given by its figures and of a magnitude, count_status of a
 * register count, the window function suppress_together, and the
 * barometer.magnitude state (the largest contributions of a cell, kept
 * exactly) with its aggregates and readers.  The rules live in
 * core/policy_core.c.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/typcache.h"
#include "windowapi.h"

#include "ci.h"
#include "dd.h"
#include "publication.h"
#include "tally.h"

/* ---------------------------------------------------------------------
 * policies
 * --------------------------------------------------------------------- */

/*
 * Parse a policy's kind and jsonb parameters into row; 22023 on an unknown
 * kind, a parameter the kind does not take, a value of the wrong type or
 * out of range.
 */
static void
policy_parse(const char *name, const char *kind, Jsonb *params, PolicyRow *row)
{
	int			k = policy_kind_parse(kind);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char		err[300];
	char	   *key = NULL;

	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown policy kind \"%s\"", kind),
				 errhint("Valid kinds are: %s.", POLICY_KIND_NAMES)));
	policy_defaults(row, k);
	if (params == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(params))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameters of policy \"%s\" must be a JSON object", name),
				 errdetail("For example {\"min_n\": 30}.")));
	it = JsonbIteratorInit(&params->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			bool		ok;

			if (v.type == jbvNumeric)
				ok = policy_param_set(row, key,
									  DatumGetFloat8(DirectFunctionCall1(numeric_float8,
																		 NumericGetDatum(v.val.numeric))),
									  false, err, sizeof(err));
			else if (v.type == jbvBool)
				ok = policy_param_set(row, key, v.val.boolean ? 1 : 0, true, err, sizeof(err));
			else
			{
				ok = false;
				snprintf(err, sizeof(err), "Parameter \"%s\" must be a number or a boolean.", key);
			}
			if (!ok)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid parameter of policy \"%s\"", name),
						 errdetail("%s", err)));
		}
	}
	if (!policy_check(row, err, sizeof(err)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid parameters of policy \"%s\"", name),
				 errdetail("%s", err)));
}

/* barometer.policy_check(name, kind, params): the table's CHECK constraint */
PG_FUNCTION_INFO_V1(barometer_policy_check);
Datum
barometer_policy_check(PG_FUNCTION_ARGS)
{
	PolicyRow	row;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	policy_parse(text_to_cstring(PG_GETARG_TEXT_PP(0)),
				 text_to_cstring(PG_GETARG_TEXT_PP(1)),
				 PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2), &row);
	PG_RETURN_BOOL(true);
}

typedef struct PolicyCache
{
	char	   *name;
	bool		version_null;
	int32		version;
	int32		found_version;
	PolicyRow	row;
} PolicyCache;

const PolicyRow *
barometer_policy_lookup(FmgrInfo *flinfo, const char *name, bool version_null,
						int32 version, int32 *version_out)
{
	PolicyCache *c = (PolicyCache *) flinfo->fn_extra;
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	bool		isnull;
	char	   *kind;
	Jsonb	   *params;
	PolicyRow	row;
	int32		found;
	int			rc;

	if (c != NULL && strcmp(c->name, name) == 0 && c->version_null == version_null &&
		(version_null || c->version == version))
	{
		*version_out = c->found_version;
		return &c->row;
	}
	values[0] = CStringGetTextDatum(name);
	values[1] = Int32GetDatum(version);
	if (version_null)
		nulls[1] = 'n';
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* every operator and function qualified: the caller's search_path is not ours */
	rc = SPI_execute_with_args("SELECT kind, params, version FROM barometer.policy "
							   "WHERE name OPERATOR(pg_catalog.=) $1 "
							   "AND ($2 IS NULL OR version OPERATOR(pg_catalog.=) $2) "
							   "ORDER BY version DESC LIMIT 1",
							   2, argtypes, values, nulls, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "policy lookup failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
	{
		char	   *names = NULL;

		if (SPI_execute("SELECT pg_catalog.string_agg(DISTINCT name, ', ' ORDER BY name) FROM barometer.policy",
						true, 1) == SPI_OK_SELECT && SPI_processed == 1)
			names = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		names = names ? pstrdup(names) : pstrdup("");
		SPI_finish();
		if (version_null)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown publication policy \"%s\"", name),
					 errhint("The policies in barometer.policy are: %s.", names)));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("publication policy \"%s\" has no version %d", name, version),
				 errhint("Give NULL for the latest version; barometer.policy lists the versions.")));
	}
	kind = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	{
		Datum		pd = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);

		params = isnull ? NULL : DatumGetJsonbP(pd);
	}
	found = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	policy_parse(name, kind, params, &row);
	SPI_finish();

	if (c == NULL)
		c = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(PolicyCache));
	else
		pfree(c->name);
	c->name = MemoryContextStrdup(flinfo->fn_mcxt, name);
	c->version_null = version_null;
	c->version = version;
	c->found_version = found;
	c->row = row;
	flinfo->fn_extra = c;
	*version_out = found;
	return &c->row;
}

void
barometer_policy_check_applies(const PolicyRow *row, const char *name, int object, int kind)
{
	static const char *const what[] = {NULL, "an estimate", "a count", "a magnitude"};

	if (!policy_kind_applies(row->kind, object))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy \"%s\" (kind %s) does not apply to %s",
						name, policy_kind_name(row->kind), what[object]),
				 errhint("nchs2017, cv_bands and min_respondents policies judge tallies and estimates "
						 "(publication_status); count_threshold policies judge counts (count_status); "
						 "dominance and p_percent policies judge magnitudes (publication_status of a magnitude).")));
	if (object == POLICY_FOR_TALLY && row->kind == POLICY_NCHS2017 && kind != TALLY_PROPORTION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy \"%s\" (kind nchs2017) applies to proportions, not means", name),
				 errhint("Use a cv_bands policy such as statcan_cv, or min_respondents, for a mean.")));
}

Datum
barometer_publication_datum(FunctionCallInfo fcinfo, const PubDecision *d,
							const char *policy, int32 version)
{
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "publication_status must be called in a context that accepts a record");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = CStringGetTextDatum(pub_status_name(d->status));
	values[1] = CStringGetTextDatum(d->reason_en);
	values[2] = CStringGetTextDatum(d->reason_nl);
	values[3] = CStringGetTextDatum(policy);
	values[4] = Int32GetDatum(version);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* the policy of arguments pol_arg (text) and pol_arg + 1 (version) */
static const PolicyRow *
policy_arg(FunctionCallInfo fcinfo, int pol_arg, char **name, int32 *version)
{
	*name = text_to_cstring(PG_GETARG_TEXT_PP(pol_arg));
	return barometer_policy_lookup(fcinfo->flinfo, *name, PG_ARGISNULL(pol_arg + 1),
								   PG_ARGISNULL(pol_arg + 1) ? 0 : PG_GETARG_INT32(pol_arg + 1),
								   version);
}

/* publication_status(t tally, policy text, version int) */
PG_FUNCTION_INFO_V1(barometer_publication_status);
Datum
barometer_publication_status(PG_FUNCTION_ARGS)
{
	TallySummary s;
	PubDecision d;
	const PolicyRow *row;
	char	   *name;
	int32		version;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	row = policy_arg(fcinfo, 1, &name, &version);
	tally_summarize(PG_GETARG_TALLY(0), &s, true);
	barometer_policy_check_applies(row, name, POLICY_FOR_TALLY, s.kind);
	if (!publication_decide(&s, row, &d))
		elog(ERROR, "policy does not apply");
	PG_RETURN_DATUM(barometer_publication_datum(fcinfo, &d, name, version));
}

/*
 * publication_status(estimate, se, n, df, policy, version): an estimate
 * given by its figures (for example computed elsewhere), as a tally with
 * variance se^2 on n rows; df NULL means n - 1 (a simple random sample).
 * For nchs2017 the estimate is a proportion in [0, 1].
 */
PG_FUNCTION_INFO_V1(barometer_publication_status_figures);
Datum
barometer_publication_status_figures(PG_FUNCTION_ARGS)
{
	TallySummary s;
	PubDecision d;
	const PolicyRow *row;
	char	   *name;
	int32		version;
	double		p,
				se,
				n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	p = PG_GETARG_FLOAT8(0);
	se = PG_ARGISNULL(1) ? NAN : PG_GETARG_FLOAT8(1);
	n = PG_GETARG_FLOAT8(2);
	row = policy_arg(fcinfo, 4, &name, &version);
	if (isnan(p) || isinf(p))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("estimate must be finite"),
				 errdetail("The estimate is %g.", p)));
	if (!PG_ARGISNULL(1) && (isnan(se) || isinf(se) || se < 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("standard error must be finite and not negative"),
				 errdetail("The standard error is %g; give NULL when it is unknown.", se)));
	if (isnan(n) || isinf(n) || n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be finite and not negative"),
				 errdetail("n is %g.", n)));
	memset(&s, 0, sizeof(s));
	s.kind = row->kind == POLICY_NCHS2017 ? TALLY_PROPORTION : TALLY_MEAN;
	barometer_policy_check_applies(row, name, POLICY_FOR_TALLY, s.kind);
	if (s.kind == TALLY_PROPORTION && !(p >= 0 && p <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a proportion must be between 0 and 1"),
				 errdetail("The estimate is %g.", p)));
	s.n = s.n_pos = s.n_design = s.weighted_n = s.kish_n_eff = n;
	s.estimate = p;
	s.variance = se * se;
	s.s2 = s.phi = s.var_logit = NAN;
	s.boundary = s.kind == TALLY_PROPORTION && (p == 0 || p == 1);
	if (PG_ARGISNULL(3))
		s.df = n - 1;
	else
	{
		s.df = PG_GETARG_FLOAT8(3);
		if (isnan(s.df) || !(s.df > 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("degrees of freedom must be positive"),
					 errdetail("The df is %g; give NULL for n - 1, or 'Infinity'.", s.df)));
	}
	if (!publication_decide(&s, row, &d))
		elog(ERROR, "policy does not apply");
	PG_RETURN_DATUM(barometer_publication_datum(fcinfo, &d, name, version));
}

/* count_status(count bigint, total bigint, policy text, version int) */
PG_FUNCTION_INFO_V1(barometer_count_status);
Datum
barometer_count_status(PG_FUNCTION_ARGS)
{
	PubDecision d;
	const PolicyRow *row;
	char	   *name;
	int32		version;
	int64		count,
				total = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	count = PG_GETARG_INT64(0);
	if (!PG_ARGISNULL(1))
		total = PG_GETARG_INT64(1);
	row = policy_arg(fcinfo, 2, &name, &version);
	barometer_policy_check_applies(row, name, POLICY_FOR_COUNT, 0);
	if (count < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count must not be negative"),
				 errdetail("The count is " INT64_FORMAT ".", count)));
	if (!PG_ARGISNULL(1) && total < count)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count exceeds its total"),
				 errdetail("The count is " INT64_FORMAT " and the total " INT64_FORMAT ".",
						   count, total)));
	publication_count((double) count, PG_ARGISNULL(1) ? NAN : (double) total, row, &d);
	PG_RETURN_DATUM(barometer_publication_datum(fcinfo, &d, name, version));
}

/* ---------------------------------------------------------------------
 * suppress_together: a window function over the categories of one
 * distribution (or an indicator and its complement)
 * --------------------------------------------------------------------- */

typedef struct TogetherState
{
	bool		scanned;
	int64		first;			/* first suppressed row of the partition, or -1 */
} TogetherState;

/* status of a publication composite or text status datum */
static bool
is_suppress(Datum d, bool composite)
{
	text	   *t;
	bool		isnull;

	if (composite)
	{
		Datum		s = GetAttributeByNum(DatumGetHeapTupleHeader(d), 1, &isnull);

		if (isnull)
			return false;
		t = DatumGetTextPP(s);
	}
	else
		t = DatumGetTextPP(d);
	return VARSIZE_ANY_EXHDR(t) == 8 && memcmp(VARDATA_ANY(t), "suppress", 8) == 0;
}

static char *
attr_text(HeapTupleHeader h, int att)
{
	bool		isnull;
	Datum		d = GetAttributeByNum(h, att, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * suppress_together(d) OVER (PARTITION BY the cell): when any row of the
 * partition is suppressed, every row is, with the reason "suppressed
 * together with another category (<its reason>)"; otherwise each row keeps
 * its own status.  NULL stays NULL.
 */
PG_FUNCTION_INFO_V1(barometer_publication_together);
Datum
barometer_publication_together(PG_FUNCTION_ARGS)
{
	WindowObject win = PG_WINDOW_OBJECT();
	TogetherState *st;
	bool		composite = get_fn_expr_argtype(fcinfo->flinfo, 0) != TEXTOID;
	bool		isnull,
				isout;
	Datum		cur,
				other;
	int64		i;

	st = (TogetherState *) WinGetPartitionLocalMemory(win, sizeof(TogetherState));
	if (!st->scanned)
	{
		st->first = -1;
		for (i = 0;; i++)
		{
			Datum		d = WinGetFuncArgInPartition(win, 0, i, WINDOW_SEEK_HEAD,
													 false, &isnull, &isout);

			if (isout)
				break;
			if (!isnull && is_suppress(d, composite))
			{
				st->first = i;
				break;
			}
		}
		st->scanned = true;
	}
	cur = WinGetFuncArgCurrent(win, 0, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	if (st->first < 0 || is_suppress(cur, composite))
		PG_RETURN_DATUM(cur);
	if (!composite)
		PG_RETURN_TEXT_P(cstring_to_text("suppress"));
	other = WinGetFuncArgInPartition(win, 0, st->first, WINDOW_SEEK_HEAD, false,
									 &isnull, &isout);
	{
		HeapTupleHeader ch = DatumGetHeapTupleHeader(cur);
		HeapTupleHeader oh = DatumGetHeapTupleHeader(other);
		char	   *en = attr_text(oh, 2),
				   *nl = attr_text(oh, 3),
				   *pol = attr_text(ch, 4);
		bool		vnull;
		Datum		ver = GetAttributeByNum(ch, 5, &vnull);
		TupleDesc	tupdesc;
		Datum		values[5];
		bool		nulls[5] = {false, false, false, pol == NULL, vnull};

		tupdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(ch),
										 HeapTupleHeaderGetTypMod(ch));
		values[0] = CStringGetTextDatum("suppress");
		values[1] = CStringGetTextDatum(psprintf("suppressed together with another category (%s)",
												 en ? en : "suppressed"));
		values[2] = CStringGetTextDatum(psprintf("samen onderdrukt met een andere categorie (%s)",
												 nl ? nl : "onderdrukt"));
		values[3] = pol ? CStringGetTextDatum(pol) : (Datum) 0;
		values[4] = ver;
		cur = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
		ReleaseTupleDesc(tupdesc);
	}
	PG_RETURN_DATUM(cur);
}

/* ---------------------------------------------------------------------
 * barometer.magnitude: the contributions of a cell, with the largest kept
 * --------------------------------------------------------------------- */

#define MAG_VERSION 1
#define MAG_MAX_KEEP 1000

typedef struct Magnitude
{
	int32		vl_len_;
	int32		version;
	int32		keep;			/* how many of the largest are kept */
	int32		ntop;			/* how many are kept: min(keep, n) */
	int64		n;				/* contributors (non-NULL rows) */
	dd_t		total;			/* sum of the contributions */
	double		top[FLEXIBLE_ARRAY_MEMBER];	/* descending */
} Magnitude;

#define MAG_SIZE(k) (offsetof(Magnitude, top) + sizeof(double) * (k))
#define PG_GETARG_MAGNITUDE(n) ((Magnitude *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/* the aggregate state: the top as a min-heap */
typedef struct MagAcc
{
	int32		keep;
	int32		ntop;
	int64		n;
	dd_t		total;
	double		heap[FLEXIBLE_ARRAY_MEMBER];
} MagAcc;

static MagAcc *
magacc_new(MemoryContext cxt, int keep)
{
	MagAcc	   *a = MemoryContextAllocZero(cxt, offsetof(MagAcc, heap) + sizeof(double) * keep);

	a->keep = keep;
	return a;
}

static void
magacc_add(MagAcc *a, double v)
{
	a->n++;
	dd_acc(&a->total, v);
	topk_add(a->heap, &a->ntop, a->keep, v);
}

/* a keep argument: 1 .. MAG_MAX_KEEP */
static int
keep_arg(double keep)
{
	if (!(keep >= 1 && keep <= MAG_MAX_KEEP))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keep must be between 1 and %d", MAG_MAX_KEEP),
				 errdetail("keep is %g.", keep)));
	return (int) keep;
}

/* a contribution: finite, >= 0, at most 1e15 */
static double
contribution(double v)
{
	if (isnan(v) || isinf(v) || v < 0 || v > 1e15)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("contribution must be finite, not negative and at most 1e15"),
				 errdetail("The contribution is %g; magnitude rules need contributions >= 0.", v)));
	return v;
}

static MagAcc *
magacc_arg(FunctionCallInfo fcinfo, int keep)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "magnitude transition function called in non-aggregate context");
	if (PG_ARGISNULL(0))
		return magacc_new(aggcxt, keep);
	return (MagAcc *) PG_GETARG_POINTER(0);
}

/* magnitude(value) keeps 5; magnitude(value, keep) */
PG_FUNCTION_INFO_V1(barometer_magnitude_trans);
Datum
barometer_magnitude_trans(PG_FUNCTION_ARGS)
{
	int			keep = 5;
	MagAcc	   *a;

	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		keep = keep_arg((double) PG_GETARG_INT32(2));
	else if (PG_NARGS() > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keep must not be NULL")));
	a = magacc_arg(fcinfo, keep);
	if (!PG_ARGISNULL(1))
		magacc_add(a, contribution(PG_GETARG_FLOAT8(1)));
	PG_RETURN_POINTER(a);
}

/* merge(magnitude): a stored magnitude into the state */
PG_FUNCTION_INFO_V1(barometer_magnitude_trans_merge);
Datum
barometer_magnitude_trans_merge(PG_FUNCTION_ARGS)
{
	MagAcc	   *a;
	Magnitude  *m;
	int			i;
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "magnitude transition function called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	m = PG_GETARG_MAGNITUDE(1);
	if (PG_ARGISNULL(0))
		a = magacc_new(aggcxt, m->keep);
	else
	{
		a = (MagAcc *) PG_GETARG_POINTER(0);
		if (m->keep < a->keep)
		{
			MagAcc	   *b = magacc_new(aggcxt, m->keep);

			b->n = a->n;
			b->total = a->total;
			for (i = 0; i < a->ntop; i++)
				topk_add(b->heap, &b->ntop, b->keep, a->heap[i]);
			a = b;
		}
	}
	a->n += m->n;
	dd_acc_dd(&a->total, m->total);
	for (i = 0; i < m->ntop; i++)
		topk_add(a->heap, &a->ntop, a->keep, m->top[i]);
	PG_RETURN_POINTER(a);
}

/* combine: the union keeps min(keep) of the largest, exactly */
PG_FUNCTION_INFO_V1(barometer_magnitude_combine);
Datum
barometer_magnitude_combine(PG_FUNCTION_ARGS)
{
	MagAcc	   *a = PG_ARGISNULL(0) ? NULL : (MagAcc *) PG_GETARG_POINTER(0);
	MagAcc	   *b = PG_ARGISNULL(1) ? NULL : (MagAcc *) PG_GETARG_POINTER(1);
	MagAcc	   *r;
	MemoryContext aggcxt;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "magnitude combine function called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		r = magacc_new(aggcxt, b->keep);
		memcpy(r, b, offsetof(MagAcc, heap) + sizeof(double) * b->keep);
		PG_RETURN_POINTER(r);
	}
	r = magacc_new(aggcxt, Min(a->keep, b->keep));
	r->n = a->n + b->n;
	r->total = a->total;
	dd_acc_dd(&r->total, b->total);
	for (i = 0; i < a->ntop; i++)
		topk_add(r->heap, &r->ntop, r->keep, a->heap[i]);
	for (i = 0; i < b->ntop; i++)
		topk_add(r->heap, &r->ntop, r->keep, b->heap[i]);
	PG_RETURN_POINTER(r);
}

static Magnitude *
magnitude_from_acc(const MagAcc *a)
{
	Magnitude  *m = palloc0(MAG_SIZE(a->ntop));

	SET_VARSIZE(m, MAG_SIZE(a->ntop));
	m->version = MAG_VERSION;
	m->keep = a->keep;
	m->ntop = a->ntop;
	m->n = a->n;
	m->total = dd_norm(a->total);
	memcpy(m->top, a->heap, sizeof(double) * a->ntop);
	topk_sort_desc(m->top, m->ntop);
	return m;
}

PG_FUNCTION_INFO_V1(barometer_magnitude_final);
Datum
barometer_magnitude_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(magnitude_from_acc((MagAcc *) PG_GETARG_POINTER(0)));
}

/* serialize: the stored form; deserialize validates and rebuilds the heap */
PG_FUNCTION_INFO_V1(barometer_magnitude_serialize);
Datum
barometer_magnitude_serialize(PG_FUNCTION_ARGS)
{
	Magnitude  *m = magnitude_from_acc((MagAcc *) PG_GETARG_POINTER(0));

	PG_RETURN_BYTEA_P((bytea *) m);
}

static void magnitude_validate(const Magnitude *m, int sqlstate);

PG_FUNCTION_INFO_V1(barometer_magnitude_deserialize);
Datum
barometer_magnitude_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	Magnitude  *m = (Magnitude *) palloc(VARSIZE_ANY(b));
	MagAcc	   *a;
	MemoryContext aggcxt;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "magnitude deserialize function called in non-aggregate context");
	memcpy(VARDATA(m), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	SET_VARSIZE(m, VARSIZE_ANY_EXHDR(b) + VARHDRSZ);
	magnitude_validate(m, ERRCODE_INVALID_BINARY_REPRESENTATION);
	a = magacc_new(aggcxt, m->keep);
	a->n = m->n;
	a->total = m->total;
	for (i = 0; i < m->ntop; i++)
		topk_add(a->heap, &a->ntop, a->keep, m->top[i]);
	PG_RETURN_POINTER(a);
}

static void
bad_magnitude(int sqlstate, const char *why)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid magnitude value"),
			 errdetail("%s", why)));
}

/* a stored magnitude is consistent: sizes, order, sums */
static void
magnitude_validate(const Magnitude *m, int sqlstate)
{
	int			i;
	double		sum = 0;

	if (VARSIZE(m) < offsetof(Magnitude, top))
		bad_magnitude(sqlstate, "The value is too short.");
	if (m->version != MAG_VERSION)
		bad_magnitude(sqlstate, "Unknown version.");
	if (m->keep < 1 || m->keep > MAG_MAX_KEEP || m->ntop < 0 || m->ntop > m->keep ||
		m->n < 0 || m->ntop != Min((int64) m->keep, m->n))
		bad_magnitude(sqlstate, "The counts are inconsistent: kept contributions must be min(keep, n).");
	if (VARSIZE(m) != MAG_SIZE(m->ntop))
		bad_magnitude(sqlstate, "The length does not match the kept contributions.");
	if (isnan(m->total.hi) || isinf(m->total.hi) || m->total.hi < 0 ||
		isnan(m->total.lo) || isinf(m->total.lo) ||
		dd_norm(m->total).hi != m->total.hi || dd_norm(m->total).lo != m->total.lo)
		bad_magnitude(sqlstate, "The total must be a finite, normalised, non-negative sum.");
	for (i = 0; i < m->ntop; i++)
	{
		double		v = m->top[i];

		if (isnan(v) || isinf(v) || v < 0 || (i > 0 && v > m->top[i - 1]))
			bad_magnitude(sqlstate, "The kept contributions must be finite, non-negative and descending.");
		sum += v;
	}
	if (sum > m->total.hi * (1 + 1e-12) + 1e-300)
		bad_magnitude(sqlstate, "The kept contributions exceed the total.");
}

/* text form: m1 keep=5 n=3 total=60:0 top=30,20,10 */
PG_FUNCTION_INFO_V1(barometer_magnitude_out);
Datum
barometer_magnitude_out(PG_FUNCTION_ARGS)
{
	Magnitude  *m = PG_GETARG_MAGNITUDE(0);
	StringInfoData buf;
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "m%d keep=%d n=" INT64_FORMAT " total=", m->version, m->keep, m->n);
	double_to_shortest_decimal_buf(m->total.hi, tmp);
	appendStringInfoString(&buf, tmp);
	appendStringInfoChar(&buf, ':');
	double_to_shortest_decimal_buf(m->total.lo, tmp);
	appendStringInfoString(&buf, tmp);
	appendStringInfoString(&buf, " top=");
	for (i = 0; i < m->ntop; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		double_to_shortest_decimal_buf(m->top[i], tmp);
		appendStringInfoString(&buf, tmp);
	}
	PG_RETURN_CSTRING(buf.data);
}

static double
parse_num(const char **p, const char *input)
{
	char	   *end;
	double		v;

	errno = 0;
	v = strtod(*p, &end);
	if (end == *p || errno != 0 || isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type magnitude: \"%s\"", input),
				 errdetail("Expected a finite number at \"%s\".", *p)));
	*p = end;
	return v;
}

static void
expect(const char **p, const char *lit, const char *input)
{
	size_t		n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type magnitude: \"%s\"", input),
				 errdetail("Expected \"%s\" at \"%s\".", lit, *p)));
	*p += n;
}

PG_FUNCTION_INFO_V1(barometer_magnitude_in);
Datum
barometer_magnitude_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	double		keep,
				n;
	Magnitude  *m;
	int			i,
				ntop;

	expect(&p, "m1 keep=", input);
	keep = parse_num(&p, input);
	expect(&p, " n=", input);
	n = parse_num(&p, input);
	if (keep != floor(keep) || keep < 1 || keep > MAG_MAX_KEEP || n != floor(n) || n < 0 || n > 9e15)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type magnitude: \"%s\"", input),
				 errdetail("keep must be an integer from 1 to %d and n a non-negative integer.",
						   MAG_MAX_KEEP)));
	ntop = (int) Min(keep, n);
	m = palloc0(MAG_SIZE(ntop));
	SET_VARSIZE(m, MAG_SIZE(ntop));
	m->version = MAG_VERSION;
	m->keep = (int32) keep;
	m->n = (int64) n;
	m->ntop = ntop;
	expect(&p, " total=", input);
	m->total.hi = parse_num(&p, input);
	expect(&p, ":", input);
	m->total.lo = parse_num(&p, input);
	expect(&p, " top=", input);
	for (i = 0; i < ntop; i++)
	{
		if (i > 0)
			expect(&p, ",", input);
		m->top[i] = parse_num(&p, input);
	}
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type magnitude: \"%s\"", input),
				 errdetail("Unexpected \"%s\" at the end (kept contributions must be min(keep, n)).", p)));
	magnitude_validate(m, ERRCODE_INVALID_TEXT_REPRESENTATION);
	PG_RETURN_POINTER(m);
}

PG_FUNCTION_INFO_V1(barometer_magnitude_send);
Datum
barometer_magnitude_send(PG_FUNCTION_ARGS)
{
	Magnitude  *m = PG_GETARG_MAGNITUDE(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, m->version);
	pq_sendint32(&buf, m->keep);
	pq_sendint64(&buf, m->n);
	pq_sendfloat8(&buf, m->total.hi);
	pq_sendfloat8(&buf, m->total.lo);
	pq_sendint32(&buf, m->ntop);
	for (i = 0; i < m->ntop; i++)
		pq_sendfloat8(&buf, m->top[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(barometer_magnitude_recv);
Datum
barometer_magnitude_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		version = pq_getmsgint(buf, 4);
	int32		keep = pq_getmsgint(buf, 4);
	int64		n = pq_getmsgint64(buf);
	double		hi = pq_getmsgfloat8(buf);
	double		lo = pq_getmsgfloat8(buf);
	int32		ntop = pq_getmsgint(buf, 4);
	Magnitude  *m;
	int			i;

	if (ntop < 0 || ntop > MAG_MAX_KEEP)
		bad_magnitude(ERRCODE_INVALID_BINARY_REPRESENTATION, "Too many kept contributions.");
	m = palloc0(MAG_SIZE(ntop));
	SET_VARSIZE(m, MAG_SIZE(ntop));
	m->version = version;
	m->keep = keep;
	m->n = n;
	m->total.hi = hi;
	m->total.lo = lo;
	m->ntop = ntop;
	for (i = 0; i < ntop; i++)
		m->top[i] = pq_getmsgfloat8(buf);
	magnitude_validate(m, ERRCODE_INVALID_BINARY_REPRESENTATION);
	PG_RETURN_POINTER(m);
}

PG_FUNCTION_INFO_V1(barometer_magnitude_contributors);
Datum
barometer_magnitude_contributors(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_MAGNITUDE(0)->n);
}

PG_FUNCTION_INFO_V1(barometer_magnitude_total);
Datum
barometer_magnitude_total(PG_FUNCTION_ARGS)
{
	Magnitude  *m = PG_GETARG_MAGNITUDE(0);

	PG_RETURN_FLOAT8(m->total.hi + m->total.lo);
}

PG_FUNCTION_INFO_V1(barometer_magnitude_top);
Datum
barometer_magnitude_top(PG_FUNCTION_ARGS)
{
	Magnitude  *m = PG_GETARG_MAGNITUDE(0);
	Datum	   *d = palloc(sizeof(Datum) * Max(m->ntop, 1));
	int			i;

	for (i = 0; i < m->ntop; i++)
		d[i] = Float8GetDatum(m->top[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, m->ntop, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * top_share(m, n): the n largest contributions as a fraction of the total
 * (the dominance statistic); NULL for a zero total.
 */
PG_FUNCTION_INFO_V1(barometer_magnitude_top_share);
Datum
barometer_magnitude_top_share(PG_FUNCTION_ARGS)
{
	Magnitude  *m = PG_GETARG_MAGNITUDE(0);
	int32		n = PG_GETARG_INT32(1);
	double		s = 0,
				total = m->total.hi + m->total.lo;
	int			i;

	if (n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be at least 1"),
				 errdetail("n is %d.", n)));
	if (n > m->ntop && m->n > m->ntop)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the magnitude keeps only its %d largest contributions", m->keep),
				 errhint("Accumulate with magnitude(value, keep) and keep >= %d.", n)));
	if (!(total > 0))
		PG_RETURN_NULL();
	for (i = 0; i < n && i < m->ntop; i++)
		s += m->top[i];
	PG_RETURN_FLOAT8(s / total);
}

/*
 * p_percent(m): (X - x1 - x2) / x1 in percent, how closely the second
 * largest contributor can estimate the largest; the p% rule suppresses when
 * it is below p.  NULL when there is no positive contribution.
 */
PG_FUNCTION_INFO_V1(barometer_magnitude_p_percent);
Datum
barometer_magnitude_p_percent(PG_FUNCTION_ARGS)
{
	Magnitude  *m = PG_GETARG_MAGNITUDE(0);
	double		x1 = m->ntop > 0 ? m->top[0] : 0,
				x2 = m->ntop > 1 ? m->top[1] : 0;

	if (!(x1 > 0))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(100 * Max((m->total.hi - x1 - x2) + m->total.lo, 0.0) / x1);
}

/* publication_status(m magnitude, policy text, version int) */
PG_FUNCTION_INFO_V1(barometer_magnitude_status);
Datum
barometer_magnitude_status(PG_FUNCTION_ARGS)
{
	Magnitude  *m;
	MagFigures	f;
	PubDecision d;
	const PolicyRow *row;
	char	   *name;
	int32		version;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	m = PG_GETARG_MAGNITUDE(0);
	row = policy_arg(fcinfo, 1, &name, &version);
	barometer_policy_check_applies(row, name, POLICY_FOR_MAGNITUDE, 0);
	f.n = m->n;
	f.total = m->total.hi + m->total.lo;
	f.ntop = m->ntop;
	f.top = m->top;
	if (!publication_magnitude(&f, row, &d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy \"%s\" needs the %g largest contributions; the magnitude keeps %d",
						name, row->kind == POLICY_DOMINANCE ? row->n : 2.0, m->keep),
				 errhint("Accumulate with magnitude(value, keep) and a larger keep.")));
	PG_RETURN_DATUM(barometer_publication_datum(fcinfo, &d, name, version));
}
