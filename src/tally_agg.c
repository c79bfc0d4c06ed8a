/*
 * tally_agg.c - the accumulating aggregates barometer.tally(y, w) and the
 * rollup aggregate barometer.merge(tally).
 *
 * The transition state is the tally itself (a fixed-size varlena), updated
 * in place inside the aggregate context; the combine function merges two
 * states exactly, so the aggregates run in parallel (Partial Aggregate) and
 * stored tallies roll up without rescanning the microdata.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "tally.h"

/*
 * The state to update: a fresh one in the aggregate context on the first
 * row, the state itself when called as an aggregate, a copy otherwise.
 */
static Tally *
tally_state(FunctionCallInfo fcinfo, TallyKind kind)
{
	MemoryContext aggcontext;
	MemoryContext old;
	Tally	   *t;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		aggcontext = NULL;
	if (PG_ARGISNULL(0))
	{
		old = MemoryContextSwitchTo(aggcontext ? aggcontext : CurrentMemoryContext);
		t = tally_new(kind);
		MemoryContextSwitchTo(old);
		return t;
	}
	if (aggcontext != NULL)
		t = (Tally *) PG_GETARG_POINTER(0);	/* our own state, never toasted */
	else
		t = tally_copy(PG_GETARG_TALLY(0));
	if (t->core.kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot add a %s row to a tally of a %s",
						tally_kind_name(kind), tally_kind_name(t->core.kind))));
	return t;
}

/*
 * Weight of row argument argno: a NULL, negative, NaN or infinite weight is an
 * error (R's svydesign refuses missing weights; a negative or infinite
 * weight has no design meaning).  Zero is allowed: the row stays in the
 * design (it counts as a PSU) and contributes nothing.
 */
double
tally_arg_weight(FunctionCallInfo fcinfo, int argno)
{
	double		w;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight must not be NULL"),
				 errdetail("Every row needs a weight; give 0 to keep a row in the design without weight.")));
	w = PG_GETARG_FLOAT8(argno);
	if (isnan(w))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight must not be NaN")));
	if (isinf(w))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight must be finite"),
				 errdetail("The weight is %s.", w > 0 ? "Infinity" : "-Infinity")));
	if (w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight must not be negative"),
				 errdetail("The weight is %g.", w)));
	if (w > 1e75)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("weight out of range"),
				 errdetail("Weights must not exceed 1e75.")));
	return w;
}

/* a number to average: finite, |y| <= 1e75 (so that w^2 y^2 stays finite) */
double
tally_arg_value(FunctionCallInfo fcinfo, int argno)
{
	double		y = PG_GETARG_FLOAT8(argno);

	if (!isfinite(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value must be finite"),
				 errdetail("The value is %s; use NULL for a missing value.",
						   isnan(y) ? "NaN" : (y > 0 ? "Infinity" : "-Infinity"))));
	if (fabs(y) > 1e75)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range"),
				 errdetail("Values must not exceed 1e75 in magnitude.")));
	return y;
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_bool);
Datum
barometer_tally_trans_bool(PG_FUNCTION_ARGS)
{
	Tally	   *t = tally_state(fcinfo, TALLY_PROPORTION);
	double		w = tally_arg_weight(fcinfo, 2);

	if (PG_ARGISNULL(1))
		tally_core_add_missing(&t->core);
	else
		tally_core_add_prop(&t->core, PG_GETARG_BOOL(1), w);
	PG_RETURN_TALLY(t);
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_num);
Datum
barometer_tally_trans_num(PG_FUNCTION_ARGS)
{
	Tally	   *t = tally_state(fcinfo, TALLY_MEAN);
	double		w = tally_arg_weight(fcinfo, 2);
	double		y;

	if (PG_ARGISNULL(1))
	{
		tally_core_add_missing(&t->core);
		PG_RETURN_TALLY(t);
	}
	y = tally_arg_value(fcinfo, 1);
	tally_core_add_num(&t->core, y, w);
	PG_RETURN_TALLY(t);
}

/*
 * Merge the second weights-only tally into the first: the combine function
 * of the weights-only aggregates (barometer.merge, for any design, is in
 * tally_design.c).
 */
PG_FUNCTION_INFO_V1(barometer_tally_combine);
Datum
barometer_tally_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	MemoryContext old;
	Tally	   *a;
	Tally	   *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_TALLY(1);
	if (!AggCheckCallContext(fcinfo, &aggcontext))
		aggcontext = NULL;
	if (PG_ARGISNULL(0))
	{
		old = MemoryContextSwitchTo(aggcontext ? aggcontext : CurrentMemoryContext);
		a = tally_copy(b);
		MemoryContextSwitchTo(old);
		PG_RETURN_TALLY(a);
	}
	a = PG_GETARG_TALLY(0);
	if (a->dh.kind != DESIGN_WEIGHTS || b->dh.kind != DESIGN_WEIGHTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tally_combine merges weights-only tallies only"),
				 errhint("Use the aggregate barometer.merge() for tallies with a design.")));
	if (aggcontext == NULL)
		a = tally_copy(a);
	if (a->core.kind != b->core.kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge a tally of a %s with a tally of a %s",
						tally_kind_name(a->core.kind), tally_kind_name(b->core.kind)),
				 errdetail("Merged tallies must come from the same kind of aggregate.")));
	tally_core_merge(&a->core, &b->core);
	PG_RETURN_TALLY(a);
}

/* a normalised copy of the state, so that stored tallies have one form */
static Datum
tally_finish(FunctionCallInfo fcinfo, int kind)
{
	Tally	   *t;

	if (PG_ARGISNULL(0))
		PG_RETURN_TALLY(tally_new(kind));
	t = tally_copy(PG_GETARG_TALLY(0));
	tally_core_finish(&t->core);
	PG_RETURN_TALLY(t);
}

PG_FUNCTION_INFO_V1(barometer_tally_final_bool);
Datum
barometer_tally_final_bool(PG_FUNCTION_ARGS)
{
	return tally_finish(fcinfo, TALLY_PROPORTION);
}

PG_FUNCTION_INFO_V1(barometer_tally_final_num);
Datum
barometer_tally_final_num(PG_FUNCTION_ARGS)
{
	return tally_finish(fcinfo, TALLY_MEAN);
}
