/*
 * readers.c - readers added in 0.2 for dashboards and BI tools: the PSUs
 * and strata behind a cell, the effective sample sizes by name (Kish,
 * Korn-Graubard, NCHS 2017), the report row with every figure named
 * unambiguously and the reason code, the stable code of a reason text, and
 * the significance marker that takes an adjusted p-value and knows the
 * reference group.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "ci.h"
#include "publication.h"
#include "reason_code.h"
#include "tally.h"

/*
 * The PSUs and strata of a cell, as R's degf counts them: PSUs with a
 * domain row of positive weight, strata holding such a PSU.  Weights only:
 * every row of positive weight is a PSU, one stratum.  Stratified: every
 * row its own PSU, per stratum.  Replicate designs carry no PSUs: false.
 */
static bool
tally_units(const Tally *t, int64 *psus, int64 *strata)
{
	Design		d;
	RepAcc		r;
	uint32		i;
	bool	   *has;

	*psus = *strata = 0;
	switch (t->dh.kind)
	{
		case DESIGN_WEIGHTS:
		case DESIGN_WEIGHTS_DOMAIN:
			*psus = t->core.n_pos;
			*strata = t->core.n_pos > 0 ? 1 : 0;
			return true;
		case DESIGN_REPLICATE:
			return false;
		default:
			break;
	}
	tally_view(t, &d, &r);
	if (design_has_sums(t->dh.kind))
	{
		for (i = 0; i < d.nstrata; i++)
			if (d.sums[i].n_pos > 0)
			{
				*psus += d.sums[i].n_pos;
				(*strata)++;
			}
		return true;
	}
	has = palloc0(((size_t) d.nstrata + 1) * sizeof(bool));
	for (i = 0; i < d.npsu; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (d.psu[i].n_pos > 0)
		{
			(*psus)++;
			if (!has[d.psu[i].stratum])
			{
				has[d.psu[i].stratum] = true;
				(*strata)++;
			}
		}
	}
	pfree(has);
	return true;
}

PG_FUNCTION_INFO_V1(barometer_tally_n_psu);
Datum
barometer_tally_n_psu(PG_FUNCTION_ARGS)
{
	int64		psus,
				strata;

	if (!tally_units(PG_GETARG_TALLY(0), &psus, &strata))
		PG_RETURN_NULL();
	PG_RETURN_INT64(psus);
}

PG_FUNCTION_INFO_V1(barometer_tally_n_strata);
Datum
barometer_tally_n_strata(PG_FUNCTION_ARGS)
{
	int64		psus,
				strata;

	if (!tally_units(PG_GETARG_TALLY(0), &psus, &strata))
		PG_RETURN_NULL();
	PG_RETURN_INT64(strata);
}

/*
 * n_positive_weight(t): rows with an answer and positive weight, the n of
 * the Clopper-Pearson interval at p = 0 or 1 and of R's degf for a
 * weights-only design.  (The unweighted number of TRUE answers is not in
 * the stored form.)
 */
PG_FUNCTION_INFO_V1(barometer_tally_n_positive_weight);
Datum
barometer_tally_n_positive_weight(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_TALLY(0)->core.n_pos);
}

static double
level_arg(FunctionCallInfo fcinfo, int argno)
{
	double		level = PG_GETARG_FLOAT8(argno);

	if (isnan(level) || !(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must be between 0 and 1"),
				 errdetail("The level is %g; give for example 0.95.", level)));
	return level;
}

/*
 * The df an interval uses: the argument, or the design's when NULL (as
 * ci_lower); NaN when the design has none.
 */
static double
df_arg(FunctionCallInfo fcinfo, int argno, const TallySummary *s)
{
	double		df;

	if (PG_ARGISNULL(argno))
		return s->df > 0 ? s->df : NAN;
	df = PG_GETARG_FLOAT8(argno);
	if (isnan(df) || !(df > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("degrees of freedom must be positive"),
				 errdetail("The df is %g; give NULL for the design's, or 'Infinity' for the normal quantile.", df)));
	return df;
}

/* kg_n_eff(t, level, df): the effective sample size of ci_lower(t, level, 'beta', df) */
PG_FUNCTION_INFO_V1(barometer_tally_kg_n_eff);
Datum
barometer_tally_kg_n_eff(PG_FUNCTION_ARGS)
{
	TallySummary s;
	double		level,
				v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	level = level_arg(fcinfo, 1);
	tally_summarize(PG_GETARG_TALLY(0), &s, true);
	v = ci_kg_n_eff(&s, level, df_arg(fcinfo, 2, &s));
	if (isnan(v))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(v);
}

/*
 * nchs_n_eff(t, level): the effective sample size the nchs2017 policy
 * compares with min_n (policy_core.c pub_nchs_figures): min(p(1-p)/V, n)
 * times the df adjustment; n at p = 0 or 1.
 */
static double
nchs_n_eff(const TallySummary *s, double level)
{
	PolicyRow	row;
	NchsFigures f;

	if (s->kind != TALLY_PROPORTION)
		return NAN;
	policy_defaults(&row, POLICY_NCHS2017);
	row.level = level;
	pub_nchs_figures(s, &row, &f);
	return f.n_eff;
}

PG_FUNCTION_INFO_V1(barometer_tally_nchs_n_eff);
Datum
barometer_tally_nchs_n_eff(PG_FUNCTION_ARGS)
{
	TallySummary s;
	double		v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	tally_summarize(PG_GETARG_TALLY(0), &s, true);
	v = nchs_n_eff(&s, level_arg(fcinfo, 1));
	if (isnan(v))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(v);
}

/* reason_code(reason_en text): the stable code of a reason */
PG_FUNCTION_INFO_V1(barometer_reason_code);
Datum
barometer_reason_code(PG_FUNCTION_ARGS)
{
	const char *code = pub_reason_code(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	if (code == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(code));
}

/*
 * report_detail(t, level, method, policy): report()'s 14 columns (its n_eff
 * is still Kish's), then reason_code, kish_n_eff, kg_n_eff (the
 * Korn-Graubard size of the beta interval at this level and the design
 * df), nchs_n_eff (the size the nchs2017 rule compares, at the policy's
 * level; NULL for a mean), ci_df (the df of the interval), kg_rows (the
 * rows behind the Korn-Graubard adjustment), n_psu, n_strata, policy and
 * policy_version.
 */
#define RD_NCOLS 24
#define RD_BASE 14

PG_FUNCTION_INFO_V1(barometer_tally_report_detail);
Datum
barometer_tally_report_detail(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[RD_NCOLS];
	bool		nulls[RD_NCOLS];
	TallyReport rep;
	const TallySummary *s = &rep.summary;
	double		x[4];
	int64		psus,
				strata;
	int			i;
	const char *code;

	tupdesc = barometer_result_desc(fcinfo, "report_detail");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	tally_report_values(fcinfo, values, nulls, &rep);

	code = pub_reason_code(rep.decision.reason_en);
	values[RD_BASE] = code ? CStringGetTextDatum(code) : (Datum) 0;
	nulls[RD_BASE] = code == NULL;
	x[0] = s->kish_n_eff;
	x[1] = ci_kg_n_eff(s, rep.level, s->df > 0 ? s->df : NAN);
	x[2] = rep.row.kind == POLICY_NCHS2017 ? nchs_n_eff(s, rep.row.level) : nchs_n_eff(s, 0.95);
	x[3] = rep.df > 0 ? rep.df : NAN;
	for (i = 0; i < 4; i++)
	{
		values[RD_BASE + 1 + i] = Float8GetDatum(x[i]);
		nulls[RD_BASE + 1 + i] = isnan(x[i]);
	}
	values[19] = Int64GetDatum((int64) s->n);
	nulls[19] = s->kind != TALLY_PROPORTION;
	if (tally_units(PG_GETARG_TALLY(0), &psus, &strata))
	{
		values[20] = Int64GetDatum(psus);
		values[21] = Int64GetDatum(strata);
		nulls[20] = nulls[21] = false;
	}
	else
		nulls[20] = nulls[21] = true;
	values[22] = CStringGetTextDatum(rep.policy);
	values[23] = Int32GetDatum(rep.version);
	nulls[22] = nulls[23] = false;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * marker(d, p_adjusted, level, status_a, status_b, reference): the
 * dashboard code of a comparison, in this order:
 *   hidden      status_a or status_b is suppress
 *   reference   reference is true (the row of the reference group, whose
 *               comparison with itself has no test)
 *   untestable  no difference or no p-value
 *   higher / lower   p < 1 - level, with p the adjusted p-value when given
 *               (p_adjust's Holm, BH, ...), else the difference's own
 *   ns          not significant
 */
PG_FUNCTION_INFO_V1(barometer_marker);
Datum
barometer_marker(PG_FUNCTION_ARGS)
{
	HeapTupleHeader d;
	double		level,
				p;
	bool		isnull;
	Datum		diff,
				pv;
	int			i;

	for (i = 3; i <= 4; i++)
		if (!PG_ARGISNULL(i))
		{
			char	   *status = text_to_cstring(PG_GETARG_TEXT_PP(i));

			if (strcmp(status, "suppress") == 0)
				PG_RETURN_TEXT_P(cstring_to_text("hidden"));
			if (strcmp(status, "publish") != 0 && strcmp(status, "warn") != 0 &&
				strcmp(status, "review") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown publication status \"%s\"", status),
						 errhint("Statuses: publish, warn, review, suppress.")));
		}
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must not be NULL")));
	level = level_arg(fcinfo, 2);
	if (!PG_ARGISNULL(1))
	{
		p = PG_GETARG_FLOAT8(1);
		if (isnan(p) || p < 0 || p > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("adjusted p-value must be between 0 and 1"),
					 errdetail("The p-value is %g.", p)));
	}
	if (!PG_ARGISNULL(5) && PG_GETARG_BOOL(5))
		PG_RETURN_TEXT_P(cstring_to_text("reference"));
	if (PG_ARGISNULL(0))
		PG_RETURN_TEXT_P(cstring_to_text("untestable"));
	d = PG_GETARG_HEAPTUPLEHEADER(0);
	diff = GetAttributeByName(d, "difference", &isnull);
	if (isnull)
		PG_RETURN_TEXT_P(cstring_to_text("untestable"));
	pv = GetAttributeByName(d, "p_value", &isnull);
	if (isnull)
		PG_RETURN_TEXT_P(cstring_to_text("untestable"));
	p = PG_ARGISNULL(1) ? DatumGetFloat8(pv) : PG_GETARG_FLOAT8(1);
	if (p < 1 - level)
		PG_RETURN_TEXT_P(cstring_to_text(DatumGetFloat8(diff) > 0 ? "higher" : "lower"));
	PG_RETURN_TEXT_P(cstring_to_text("ns"));
}
