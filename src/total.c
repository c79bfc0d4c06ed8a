/*
 * total.c - the readers of a tally's total (R svytotal): total, its
 * variance, standard error, interval, coefficient of variation, design
 * effect, the flat report row and the publication status under a CV
 * policy.  The formulas live in core/total_core.c.
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
#include "total_core.h"

/*
 * The total of a tally and, when need_variance, its design variance and
 * df: weights only (the tally's rows and missing rows are the sample),
 * weights-only domain, stratified, clustered (one or two stages) or
 * replicate weights.  A lonely PSU under "fail" is an error, as for the
 * mean; a tally without rows of positive weight has total 0 and variance 0.
 */
/* a ratio (tally_ratio) has no total of its own */
static void
total_kind_check(const Tally *t)
{
	if (t->core.kind == TALLY_RATIO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a ratio has no total"),
				 errdetail("The tally was made by tally_ratio: its estimate is sum w y / sum w x."),
				 errhint("Tally y and x on their own for their totals.")));
}

static void
total_summarize(const Tally *t, TotalSummary *ts, bool need_variance)
{
	TallySummary s;
	Design		d;
	RepAcc		r;
	DesignVariance dv;

	total_kind_check(t);
	tally_core_summary(&t->core, &s);
	memset(ts, 0, sizeof(*ts));
	ts->total = dd_to_double(t->core.s[S_WY]);
	ts->weighted_n = s.weighted_n;
	ts->n_pos = s.n_pos;
	ts->s2 = s.s2;
	ts->df = s.df;
	ts->variance = NAN;
	if (t->dh.kind == DESIGN_WEIGHTS)
	{
		ts->variance = t->core.n_pos == 0 ? 0.0 :
			total_weights_variance(&t->core, s.n_design);
		total_variance_floor(ts);
		return;
	}
	tally_view(t, &d, &r);
	if (t->dh.kind == DESIGN_REPLICATE)
	{
		ts->df = rep_df(&r);
		ts->variance = total_rep_variance(&r, ts->total);
		total_variance_floor(ts);
		return;
	}
	total_design_variance(&d, &t->core, &dv);
	ts->df = dv.df;
	if (dv.status == DESIGN_LONELY_FAIL && need_variance)
		tally_lonely_error(&d, &dv);
	ts->variance = dv.status == DESIGN_OK ? dv.variance : NAN;
	if (t->core.n_pos == 0 && dv.status != DESIGN_LONELY_FAIL)
		ts->variance = 0.0;
	total_variance_floor(ts);
}

static void
total_arg(FunctionCallInfo fcinfo, int argno, TotalSummary *ts, bool need_variance)
{
	Tally	   *t = PG_GETARG_TALLY(argno);

	total_summarize(t, ts, need_variance);
}

#define RETURN_FLOAT8_OR_NULL(x) \
	do { \
		double		r_ = (x); \
		if (isnan(r_)) \
			PG_RETURN_NULL(); \
		PG_RETURN_FLOAT8(r_); \
	} while (0)

PG_FUNCTION_INFO_V1(barometer_tally_total);
Datum
barometer_tally_total(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);

	total_kind_check(t);
	PG_RETURN_FLOAT8(dd_to_double(t->core.s[S_WY]));
}

PG_FUNCTION_INFO_V1(barometer_tally_total_variance);
Datum
barometer_tally_total_variance(PG_FUNCTION_ARGS)
{
	TotalSummary ts;

	total_arg(fcinfo, 0, &ts, true);
	RETURN_FLOAT8_OR_NULL(ts.variance);
}

PG_FUNCTION_INFO_V1(barometer_tally_total_se);
Datum
barometer_tally_total_se(PG_FUNCTION_ARGS)
{
	TotalSummary ts;

	total_arg(fcinfo, 0, &ts, true);
	RETURN_FLOAT8_OR_NULL(sqrt(ts.variance));
}

/* cv = SE / |total|, as cv_bands reads it; undefined at a total of 0 */
static double
total_cv_of(const TotalSummary *ts)
{
	if (ts->total == 0.0 || isnan(ts->variance))
		return NAN;
	return sqrt(ts->variance) / fabs(ts->total);
}

PG_FUNCTION_INFO_V1(barometer_tally_total_cv);
Datum
barometer_tally_total_cv(PG_FUNCTION_ARGS)
{
	TotalSummary ts;

	total_arg(fcinfo, 0, &ts, true);
	RETURN_FLOAT8_OR_NULL(total_cv_of(&ts));
}

PG_FUNCTION_INFO_V1(barometer_tally_total_deff);
Datum
barometer_tally_total_deff(PG_FUNCTION_ARGS)
{
	TotalSummary ts;

	total_arg(fcinfo, 0, &ts, true);
	RETURN_FLOAT8_OR_NULL(total_deff(&ts, PG_GETARG_BOOL(1)));
}

/* the level and df arguments of an interval (22023 when invalid) */
static double
total_quantile(FunctionCallInfo fcinfo, const TotalSummary *ts, int level_arg, int df_arg)
{
	double		level = PG_GETARG_FLOAT8(level_arg);
	double		df = ts->df;

	if (isnan(level) || !(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must be between 0 and 1"),
				 errdetail("The level is %g; give for example 0.95.", level)));
	if (df_arg >= 0 && !PG_ARGISNULL(df_arg))
	{
		df = PG_GETARG_FLOAT8(df_arg);
		if (isnan(df) || !(df > 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("degrees of freedom must be positive"),
					 errdetail("The df is %g; give NULL for the design's, or 'Infinity' for the normal quantile.", df)));
	}
	/* R confint(svytotal, df = degf): t quantile; no df (0): undefined */
	return ci_tquantile(level, df);
}

static Datum
total_ci(FunctionCallInfo fcinfo, double sign)
{
	TotalSummary ts;
	double		q;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	total_arg(fcinfo, 0, &ts, true);
	q = total_quantile(fcinfo, &ts, 1, 2);
	if (isnan(q) || isnan(ts.variance))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(ts.total + sign * q * sqrt(ts.variance));
}

PG_FUNCTION_INFO_V1(barometer_tally_total_ci_lower);
Datum
barometer_tally_total_ci_lower(PG_FUNCTION_ARGS)
{
	return total_ci(fcinfo, -1.0);
}

PG_FUNCTION_INFO_V1(barometer_tally_total_ci_upper);
Datum
barometer_tally_total_ci_upper(PG_FUNCTION_ARGS)
{
	return total_ci(fcinfo, 1.0);
}

/*
 * The publication decision on a total: cv_bands (default statcan_cv) and
 * min_respondents judge it as they judge a mean (CV = se / |total|, n = the
 * tally's rows); nchs2017 is for proportions and is an error here.
 */
static void
total_decide(FunctionCallInfo fcinfo, const Tally *t, const TotalSummary *ts,
			 const char *policy, bool version_null, int32 version_in,
			 int32 *version, PubDecision *pub)
{
	const PolicyRow *row;
	TallySummary s;

	row = barometer_policy_lookup(fcinfo->flinfo, policy, version_null, version_in, version);
	if (row->kind == POLICY_NCHS2017)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy \"%s\" (kind nchs2017) applies to proportions, not totals", policy),
				 errhint("Use a cv_bands policy such as statcan_cv, or min_respondents, for a total.")));
	barometer_policy_check_applies(row, policy, POLICY_FOR_TALLY, TALLY_MEAN);
	memset(&s, 0, sizeof(s));
	s.kind = TALLY_MEAN;
	s.n = (double) t->core.n;
	s.n_pos = ts->n_pos;
	s.n_design = (double) (t->core.n + t->core.n_missing);
	s.weighted_n = ts->weighted_n;
	s.estimate = ts->total;
	s.variance = ts->variance;
	s.s2 = ts->s2;
	s.kish_n_eff = s.phi = s.var_logit = NAN;
	s.df = ts->df;
	if (!publication_decide(&s, row, pub))
		elog(ERROR, "policy does not apply");
}

/* total_publication_status(t, policy DEFAULT 'statcan_cv', version DEFAULT NULL) */
PG_FUNCTION_INFO_V1(barometer_tally_total_status);
Datum
barometer_tally_total_status(PG_FUNCTION_ARGS)
{
	Tally	   *t;
	TotalSummary ts;
	PubDecision pub;
	char	   *name;
	int32		version;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	t = PG_GETARG_TALLY(0);
	name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	total_summarize(t, &ts, true);
	total_decide(fcinfo, t, &ts, name, PG_ARGISNULL(2), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2),
				 &version, &pub);
	PG_RETURN_DATUM(barometer_publication_datum(fcinfo, &pub, name, version));
}

/*
 * total_report(t, level, policy): total, se, ci_lower, ci_upper, n,
 * n_missing, weighted_n, deff, df, cv, status, reason_en, reason_nl (NULL
 * policy: statcan_cv).
 */
#define TREPORT_NCOLS 13

PG_FUNCTION_INFO_V1(barometer_tally_total_report);
Datum
barometer_tally_total_report(PG_FUNCTION_ARGS)
{
	Tally	   *t;
	TotalSummary ts;
	TupleDesc	tupdesc;
	Datum		values[TREPORT_NCOLS];
	bool		nulls[TREPORT_NCOLS];
	double		x[TREPORT_NCOLS],
				q,
				se;
	const char *policy;
	int32		version;
	PubDecision pub;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "total_report must be called in a context that accepts a record");
	tupdesc = BlessTupleDesc(tupdesc);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	t = PG_GETARG_TALLY(0);
	total_summarize(t, &ts, true);
	q = total_quantile(fcinfo, &ts, 1, -1);
	se = sqrt(ts.variance);

	x[0] = ts.total;
	x[1] = se;
	x[2] = ts.total - q * se;
	x[3] = ts.total + q * se;
	x[4] = x[5] = 0;			/* integers, below */
	x[6] = ts.weighted_n;
	x[7] = total_deff(&ts, false);
	x[8] = ts.df;
	x[9] = total_cv_of(&ts);
	for (i = 0; i < 10; i++)
	{
		nulls[i] = isnan(x[i]);
		values[i] = Float8GetDatum(x[i]);
	}
	values[4] = Int64GetDatum(t->core.n);
	values[5] = Int64GetDatum(t->core.n_missing);
	nulls[4] = nulls[5] = false;

	policy = PG_ARGISNULL(2) ? "statcan_cv" : text_to_cstring(PG_GETARG_TEXT_PP(2));
	total_decide(fcinfo, t, &ts, policy, true, 0, &version, &pub);
	values[10] = CStringGetTextDatum(pub_status_name(pub.status));
	values[11] = CStringGetTextDatum(pub.reason_en);
	values[12] = CStringGetTextDatum(pub.reason_nl);
	nulls[10] = nulls[11] = nulls[12] = false;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
