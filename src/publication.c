/*
 * publication.c - publication rules in SQL: the policies (barometer.policy,
 * looked up by name and version), publication_status of a tally, of an
 * estimate given by its figures and of a magnitude, count_status of a
 * register count and the window function suppress_together.  The rules live
 * in core/policy_core.c; the barometer.magnitude type is in magnitude.c.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/typcache.h"
#include "windowapi.h"

#include "ci.h"
#include "dd.h"
#include "magnitude.h"
#include "publication.h"
#include "reason_code.h"
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
	TupleDesc	desc;			/* the call site's result row, blessed */
} PolicyCache;

static PolicyCache *
policy_cache(FmgrInfo *flinfo)
{
	if (flinfo->fn_extra == NULL)
		flinfo->fn_extra = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(PolicyCache));
	return (PolicyCache *) flinfo->fn_extra;
}

/*
 * The row type a composite-returning reader (report, report_detail,
 * publication_status, ...) returns at this call site: looked up and
 * blessed once per call site, not per row (the readers share the policy
 * cache in fn_extra).  what names the function in the error.
 */
TupleDesc
barometer_result_desc(FunctionCallInfo fcinfo, const char *what)
{
	PolicyCache *c = policy_cache(fcinfo->flinfo);

	if (c->desc == NULL)
	{
		TupleDesc	d;
		MemoryContext old;

		if (get_call_result_type(fcinfo, NULL, &d) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "%s must be called in a context that accepts a record", what);
		d = BlessTupleDesc(d);
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		c->desc = CreateTupleDescCopy(d);
		MemoryContextSwitchTo(old);
	}
	return c->desc;
}

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

	if (c != NULL && c->name != NULL && strcmp(c->name, name) == 0 && c->version_null == version_null &&
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

	c = policy_cache(flinfo);
	if (c->name != NULL)
		pfree(c->name);
	c->name = MemoryContextStrdup(flinfo->fn_mcxt, name);
	c->version_null = version_null;
	c->version = version;
	c->found_version = found;
	c->row = row;
	*version_out = found;
	return &c->row;
}

void
barometer_policy_check_applies(const PolicyRow *row, const char *name, int object, int kind)
{
	static const char *const what[] = {NULL, "an estimate", "a count", "a magnitude",
	"a model-based estimate"};

	if (!policy_kind_applies(row->kind, object))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy \"%s\" (kind %s) does not apply to %s",
						name, policy_kind_name(row->kind), what[object]),
				 errhint("nchs2017, cv_bands and min_respondents policies judge tallies and estimates "
						 "(publication_status); count_threshold policies judge counts (count_status); "
						 "dominance and p_percent policies judge magnitudes (publication_status of a magnitude); "
						 "model_cv policies judge model-based estimates (model_status).")));
	if (object == POLICY_FOR_TALLY && row->kind == POLICY_NCHS2017 && kind == TALLY_RATIO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy \"%s\" (kind nchs2017) applies to proportions, not ratios", name),
				 errhint("Use a cv_bands policy such as statcan_cv, or min_respondents, for a ratio.")));
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
	Datum		values[PUB_NATTS];
	bool		nulls[PUB_NATTS] = {false, false, false, false, false, false};
	const char *code = pub_reason_code(d->reason_en);

	tupdesc = barometer_result_desc(fcinfo, "publication_status");
	/* a 0.1 catalog (before ALTER EXTENSION UPDATE) has no reason_code */
	if (tupdesc->natts != PUB_NATTS && tupdesc->natts != PUB_NATTS - 1)
		elog(ERROR, "barometer.publication has %d attributes, expected %d", tupdesc->natts, PUB_NATTS);
	values[0] = CStringGetTextDatum(pub_status_name(d->status));
	values[1] = CStringGetTextDatum(d->reason_en);
	values[2] = CStringGetTextDatum(d->reason_nl);
	values[3] = CStringGetTextDatum(policy);
	values[4] = Int32GetDatum(version);
	/* reason_code (0.2): the stable code of the rule (reason_code.c) */
	values[5] = code ? CStringGetTextDatum(code) : (Datum) 0;
	nulls[5] = code == NULL;
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
		Datum		values[PUB_NATTS];
		bool		nulls[PUB_NATTS] = {false, false, false, pol == NULL, vnull, false};

		tupdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(ch),
										 HeapTupleHeaderGetTypMod(ch));
		if (tupdesc->natts != PUB_NATTS && tupdesc->natts != PUB_NATTS - 1)
			elog(ERROR, "barometer.publication has %d attributes, expected %d",
				 tupdesc->natts, PUB_NATTS);
		values[5] = CStringGetTextDatum("suppressed_together");
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
