/*
 * tally_read.c - the readers of a tally: estimate, variance, intervals and
 * the flat report row.  All formulas live in tally_core.c and ci.c.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "ci.h"
#include "publication.h"
#include "tally.h"

/* the full summary, with the design's variance and df */
static void
summarize_arg(FunctionCallInfo fcinfo, int argno, TallySummary *s)
{
	Tally	   *t = PG_GETARG_TALLY(argno);

	tally_summarize(t, s, true);
}

/* the design-free figures only (no variance: never a lonely PSU error) */
static void
summarize_core_arg(FunctionCallInfo fcinfo, int argno, TallySummary *s)
{
	Tally	   *t = PG_GETARG_TALLY(argno);

	tally_core_summary(&t->core, s);
}

/* NaN means undefined: SQL NULL */
#define RETURN_FLOAT8_OR_NULL(x) \
	do { \
		double		r_ = (x); \
		if (isnan(r_)) \
			PG_RETURN_NULL(); \
		PG_RETURN_FLOAT8(r_); \
	} while (0)

PG_FUNCTION_INFO_V1(barometer_tally_estimate);
Datum
barometer_tally_estimate(PG_FUNCTION_ARGS)
{
	TallySummary s;

	summarize_core_arg(fcinfo, 0, &s);
	RETURN_FLOAT8_OR_NULL(s.estimate);
}

PG_FUNCTION_INFO_V1(barometer_tally_variance);
Datum
barometer_tally_variance(PG_FUNCTION_ARGS)
{
	TallySummary s;

	summarize_arg(fcinfo, 0, &s);
	RETURN_FLOAT8_OR_NULL(isnan(s.estimate) ? NAN : s.variance);
}

PG_FUNCTION_INFO_V1(barometer_tally_se);
Datum
barometer_tally_se(PG_FUNCTION_ARGS)
{
	TallySummary s;

	summarize_arg(fcinfo, 0, &s);
	RETURN_FLOAT8_OR_NULL(isnan(s.estimate) ? NAN : sqrt(s.variance));
}

/* cv = SE / estimate, as R's cv(); undefined at an estimate of 0 */
PG_FUNCTION_INFO_V1(barometer_tally_cv);
Datum
barometer_tally_cv(PG_FUNCTION_ARGS)
{
	TallySummary s;

	summarize_arg(fcinfo, 0, &s);
	if (isnan(s.estimate) || s.estimate == 0.0)
		PG_RETURN_NULL();
	RETURN_FLOAT8_OR_NULL(sqrt(s.variance) / s.estimate);
}

PG_FUNCTION_INFO_V1(barometer_tally_n);
Datum
barometer_tally_n(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);

	PG_RETURN_INT64(t->core.n);
}

PG_FUNCTION_INFO_V1(barometer_tally_n_missing);
Datum
barometer_tally_n_missing(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);

	PG_RETURN_INT64(t->core.n_missing);
}

PG_FUNCTION_INFO_V1(barometer_tally_weighted_n);
Datum
barometer_tally_weighted_n(PG_FUNCTION_ARGS)
{
	TallySummary s;

	summarize_core_arg(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(s.weighted_n);
}

PG_FUNCTION_INFO_V1(barometer_tally_kish_n_eff);
Datum
barometer_tally_kish_n_eff(PG_FUNCTION_ARGS)
{
	TallySummary s;

	summarize_core_arg(fcinfo, 0, &s);
	RETURN_FLOAT8_OR_NULL(s.kish_n_eff);
}

PG_FUNCTION_INFO_V1(barometer_tally_deff);
Datum
barometer_tally_deff(PG_FUNCTION_ARGS)
{
	TallySummary s;

	summarize_arg(fcinfo, 0, &s);
	RETURN_FLOAT8_OR_NULL(tally_deff(&s, PG_GETARG_BOOL(1)));
}

PG_FUNCTION_INFO_V1(barometer_tally_df);
Datum
barometer_tally_df(PG_FUNCTION_ARGS)
{
	TallySummary s;

	tally_summarize(PG_GETARG_TALLY(0), &s, false);
	PG_RETURN_FLOAT8(s.df);
}

PG_FUNCTION_INFO_V1(barometer_tally_kind);
Datum
barometer_tally_kind(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);

	PG_RETURN_TEXT_P(cstring_to_text(tally_kind_name(t->core.kind)));
}

/*
 * Validate the interval arguments and return the method; *df receives the
 * degrees of freedom to use (the design's when the argument is NULL).
 */
static int
ci_arguments(FunctionCallInfo fcinfo, const TallySummary *s, double level,
			 int method_arg, int df_arg, double *df)
{
	char	   *name;
	int			method;

	/* NULL method: Korn-Graubard for a proportion, Wald for a mean */
	if (PG_ARGISNULL(method_arg))
		name = pstrdup(s->kind == TALLY_PROPORTION ? "beta" : "mean");
	else
		name = text_to_cstring(PG_GETARG_TEXT_PP(method_arg));
	method = ci_method_parse(name);

	if (isnan(level) || !(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must be between 0 and 1"),
				 errdetail("The level is %g; give for example 0.95.", level)));
	if (method < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown interval method \"%s\"", name),
				 errhint("Valid methods are: %s.", CI_METHOD_NAMES)));
	if (!ci_method_applies(method, s->kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("interval method \"%s\" does not apply to a mean", name),
				 errhint("A tally of a number takes method \"mean\" (alias \"wald\").")));
	if (df_arg < 0 || PG_ARGISNULL(df_arg))
		*df = s->df;
	else
	{
		*df = PG_GETARG_FLOAT8(df_arg);
		if (isnan(*df) || !(*df > 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("degrees of freedom must be positive"),
					 errdetail("The df is %g; give NULL for the design's, or 'Infinity' for the normal quantile.", *df)));
	}
	return method;
}

static Datum
tally_ci(FunctionCallInfo fcinfo, bool upper)
{
	TallySummary s;
	double		df,
				lo,
				hi;
	int			method;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	summarize_arg(fcinfo, 0, &s);
	method = ci_arguments(fcinfo, &s, PG_GETARG_FLOAT8(1), 2, 3, &df);
	if (!ci_compute(&s, PG_GETARG_FLOAT8(1), method, df, &lo, &hi))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(upper ? hi : lo);
}

PG_FUNCTION_INFO_V1(barometer_tally_ci_lower);
Datum
barometer_tally_ci_lower(PG_FUNCTION_ARGS)
{
	return tally_ci(fcinfo, false);
}

PG_FUNCTION_INFO_V1(barometer_tally_ci_upper);
Datum
barometer_tally_ci_upper(PG_FUNCTION_ARGS)
{
	return tally_ci(fcinfo, true);
}

/*
 * report(t, level, method, policy): estimate, se, ci_lower, ci_upper, n,
 * n_missing, weighted_n, n_eff (Kish), deff, df, cv, and the publication
 * status with its reasons (English, Dutch) under the policy (NULL:
 * nchs2017 for a proportion, statcan_cv for a mean) as one row.
 */
#define REPORT_NCOLS 14
#define REPORT_NNUM 11

PG_FUNCTION_INFO_V1(barometer_tally_report);
Datum
barometer_tally_report(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[REPORT_NCOLS];
	bool		nulls[REPORT_NCOLS];
	TallyReport rep;

	tupdesc = barometer_result_desc(fcinfo, "report");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	tally_report_values(fcinfo, values, nulls, &rep);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * report()'s 14 columns of report(t, level, method, policy) (arguments 0
 * to 3 of fcinfo, 0 and 1 not NULL) into values and nulls; rep receives
 * the summary, the df of the interval, the policy and its decision (for
 * report_detail in readers.c).
 */
void
tally_report_values(FunctionCallInfo fcinfo, Datum *values, bool *nulls, TallyReport *rep)
{
	Tally	   *t;
	double		df,
				lo,
				hi,
				x[REPORT_NNUM];
	const char *policy;
	const PolicyRow *row;
	int32		version;
	int			method,
				i;
	bool		have_ci;
	TallySummary s;
	PubDecision pub;

	t = PG_GETARG_TALLY(0);
	tally_summarize(t, &s, true);
	method = ci_arguments(fcinfo, &s, PG_GETARG_FLOAT8(1), 2, -1, &df);
	have_ci = ci_compute(&s, PG_GETARG_FLOAT8(1), method, df, &lo, &hi);

	x[0] = s.estimate;
	x[1] = isnan(s.estimate) ? NAN : sqrt(s.variance);
	x[2] = have_ci ? lo : NAN;
	x[3] = have_ci ? hi : NAN;
	x[4] = x[5] = 0;			/* integers, below */
	x[6] = s.weighted_n;
	x[7] = s.kish_n_eff;
	x[8] = tally_deff(&s, false);
	x[9] = s.df;
	x[10] = (isnan(x[1]) || s.estimate == 0.0) ? NAN : x[1] / s.estimate;

	for (i = 0; i < REPORT_NNUM; i++)
	{
		nulls[i] = isnan(x[i]);
		values[i] = Float8GetDatum(x[i]);
	}
	values[4] = Int64GetDatum(t->core.n);
	values[5] = Int64GetDatum(t->core.n_missing);
	nulls[4] = nulls[5] = false;

	/* the publication status under the policy */
	if (PG_ARGISNULL(3))
		policy = s.kind == TALLY_PROPORTION ? "nchs2017" : "statcan_cv";
	else
		policy = text_to_cstring(PG_GETARG_TEXT_PP(3));
	row = barometer_policy_lookup(fcinfo->flinfo, policy, true, 0, &version);
	barometer_policy_check_applies(row, policy, POLICY_FOR_TALLY, s.kind);
	if (!publication_decide(&s, row, &pub))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy \"%s\" does not apply to this tally", policy)));
	values[11] = CStringGetTextDatum(pub_status_name(pub.status));
	values[12] = CStringGetTextDatum(pub.reason_en);
	values[13] = CStringGetTextDatum(pub.reason_nl);
	nulls[11] = nulls[12] = nulls[13] = false;
	rep->summary = s;
	rep->df = df;
	rep->level = PG_GETARG_FLOAT8(1);
	rep->policy = policy;
	rep->version = version;
	rep->row = *row;
	rep->decision = pub;
}
