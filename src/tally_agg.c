/*
 * tally_agg.c - the weights-only accumulating aggregates barometer.tally(y, w),
 * the argument checks every tally aggregate shares, and tally_combine.
 *
 * The working state is a compact struct (LiteAcc) with a combine function
 * and serialisation, so the aggregates run in parallel (Partial Aggregate);
 * the final function builds the stored tally.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "state_arena.h"
#include "tally.h"

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

/* a ratio's denominator x: a value as tally_arg_value, never negative */
double
tally_arg_ratio_x(FunctionCallInfo fcinfo, int argno)
{
	double		x = tally_arg_value(fcinfo, argno);

	if (x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the denominator x of a ratio must not be negative"),
				 errdetail("x is %g.", x),
				 errhint("A ratio of totals needs x >= 0 (areas, counts, amounts); use NULL for a missing value.")));
	return x;
}

/*
 * The working state of the weights-only aggregates: a compact struct (not
 * the stored tally), so that a GROUP BY with many groups and indicators keeps
 * its states small (a proportion needs 4 compensated sums: W, sum w y,
 * sum w^2, sum w^2 y; a mean 6).  It is internal to the aggregate; the final
 * function builds the stored tally.
 */
typedef struct LiteAcc
{
	int32		kind;
	int32		nsums;
	int64		n;
	int64		n_missing;
	int64		n_pos;
	int64		n_true;			/* proportion: rows with y TRUE */
	dd_t		s[FLEXIBLE_ARRAY_MEMBER];	/* proportion: W, WY, WW, WWY */
} LiteAcc;

#define LITE_SIZE(nsums)	(offsetof(LiteAcc, s) + (nsums) * sizeof(dd_t))

static LiteAcc *
lite_new(MemoryContext cxt, int kind)
{
	int			nsums = kind == TALLY_PROPORTION ? 4 : TALLY_NSUMS;
	StateArena *arena = state_arena_of(cxt);
	LiteAcc    *a;

	/* the states of one aggregate context share its arena */
	if (arena != NULL)
	{
		a = state_arena_realloc(arena, NULL, LITE_SIZE(nsums));
		memset(a, 0, LITE_SIZE(nsums));
	}
	else
		a = MemoryContextAllocZero(cxt, LITE_SIZE(nsums));

	a->kind = kind;
	a->nsums = nsums;
	return a;
}

/* the state; internal states only ever reach us from an aggregate */
static inline LiteAcc *
lite_state(FunctionCallInfo fcinfo, int kind)
{
	MemoryContext aggcontext;

	if (likely(!PG_ARGISNULL(0)))
		return (LiteAcc *) PG_GETARG_POINTER(0);
	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "tally transition function called outside an aggregate");
	return lite_new(aggcontext, kind);
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_bool);
Datum
barometer_tally_trans_bool(PG_FUNCTION_ARGS)
{
	LiteAcc    *a = lite_state(fcinfo, TALLY_PROPORTION);
	double		w = tally_arg_weight(fcinfo, 2);

	if (PG_ARGISNULL(1))
		a->n_missing++;
	else
	{
		/* tally_core_add_prop on the compact layout */
		a->n++;
		a->n_true += PG_GETARG_BOOL(1);
		if (w != 0.0)
		{
			dd_t		ww = dd_two_sqr(w);

			a->n_pos++;
			dd_acc(&a->s[0], w);
			dd_acc_dd(&a->s[2], ww);
			if (PG_GETARG_BOOL(1))
			{
				dd_acc(&a->s[1], w);
				dd_acc_dd(&a->s[3], ww);
			}
		}
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_num);
Datum
barometer_tally_trans_num(PG_FUNCTION_ARGS)
{
	LiteAcc    *a = lite_state(fcinfo, TALLY_MEAN);
	double		w = tally_arg_weight(fcinfo, 2);
	TallyCore	c;

	if (PG_ARGISNULL(1))
	{
		a->n_missing++;
		PG_RETURN_POINTER(a);
	}
	/* the core's exact accumulation, on the sums in place */
	c.kind = TALLY_MEAN;
	c.n = a->n;
	c.n_pos = a->n_pos;
	memcpy(c.s, a->s, sizeof(c.s));
	tally_core_add_num(&c, tally_arg_value(fcinfo, 1), w);
	a->n = c.n;
	a->n_pos = c.n_pos;
	memcpy(a->s, c.s, sizeof(c.s));
	PG_RETURN_POINTER(a);
}

/* the core of a compact state */
static void
lite_to_core(const LiteAcc *a, TallyCore *c)
{
	tally_core_init(c, a->kind);
	c->n = a->n;
	c->n_missing = a->n_missing;
	c->n_pos = a->n_pos;
	if (a->kind == TALLY_PROPORTION)
	{
		c->n_true = a->n_true;
		c->s[S_W] = a->s[0];
		c->s[S_WY] = a->s[1];
		c->s[S_WW] = a->s[2];
		c->s[S_WWY] = a->s[3];
	}
	else
		memcpy(c->s, a->s, sizeof(c->s));
	tally_core_finish(c);
}

PG_FUNCTION_INFO_V1(barometer_tally_lite_combine);
Datum
barometer_tally_lite_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	LiteAcc    *a,
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
	b = (LiteAcc *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? lite_new(aggcontext, b->kind) : (LiteAcc *) PG_GETARG_POINTER(0);
	a->n += b->n;
	a->n_missing += b->n_missing;
	a->n_pos += b->n_pos;
	a->n_true += b->n_true;
	for (i = 0; i < a->nsums; i++)
		a->s[i] = dd_add(a->s[i], b->s[i]);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_tally_lite_serialize);
Datum
barometer_tally_lite_serialize(PG_FUNCTION_ARGS)
{
	LiteAcc    *a = (LiteAcc *) PG_GETARG_POINTER(0);
	bytea	   *b = palloc(VARHDRSZ + LITE_SIZE(a->nsums));

	SET_VARSIZE(b, VARHDRSZ + LITE_SIZE(a->nsums));
	memcpy(VARDATA(b), a, LITE_SIZE(a->nsums));
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(barometer_tally_lite_deserialize);
Datum
barometer_tally_lite_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	LiteAcc    *a = palloc(VARSIZE_ANY_EXHDR(b));

	memcpy(a, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	PG_RETURN_POINTER(a);
}

/* the stored tally; no row at all gives an empty tally of the kind */
static Datum
lite_final(FunctionCallInfo fcinfo, int kind)
{
	Tally	   *t = tally_new(kind);

	if (!PG_ARGISNULL(0))
		lite_to_core((LiteAcc *) PG_GETARG_POINTER(0), &t->core);
	tally_check_result(t, "tally");
	PG_RETURN_TALLY(t);
}

PG_FUNCTION_INFO_V1(barometer_tally_lite_final_bool);
Datum
barometer_tally_lite_final_bool(PG_FUNCTION_ARGS)
{
	return lite_final(fcinfo, TALLY_PROPORTION);
}

PG_FUNCTION_INFO_V1(barometer_tally_lite_final_num);
Datum
barometer_tally_lite_final_num(PG_FUNCTION_ARGS)
{
	return lite_final(fcinfo, TALLY_MEAN);
}

/*
 * tally_combine(a, b): the exact merge of two stored weights-only tallies
 * (barometer.merge, the aggregate, merges tallies of any design).  NULL
 * inputs are skipped.
 */
PG_FUNCTION_INFO_V1(barometer_tally_combine);
Datum
barometer_tally_combine(PG_FUNCTION_ARGS)
{
	Tally	   *a;
	Tally	   *b;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1) || PG_ARGISNULL(0))
		PG_RETURN_TALLY(tally_copy(PG_GETARG_TALLY(PG_ARGISNULL(0) ? 1 : 0)));
	a = tally_copy(PG_GETARG_TALLY(0));
	b = PG_GETARG_TALLY(1);
	if (a->dh.kind != DESIGN_WEIGHTS || b->dh.kind != DESIGN_WEIGHTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tally_combine merges weights-only tallies only"),
				 errhint("Use the aggregate barometer.merge() for tallies with a design.")));
	if (a->core.kind != b->core.kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge a tally of a %s with a tally of a %s",
						tally_kind_name(a->core.kind), tally_kind_name(b->core.kind)),
				 errdetail("Merged tallies must come from the same kind of aggregate.")));
	tally_core_merge(&a->core, &b->core);
	tally_core_finish(&a->core);
	tally_check_result(a, "tally_combine");
	PG_RETURN_TALLY(a);
}
