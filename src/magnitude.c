/*
 * magnitude.c - barometer.magnitude (magnitude.h): the aggregates
 * magnitude(value [, keep]) and merge(magnitude), the text and binary forms
 * and the readers (contributors, total, top, top_share, p_percent).
 *
 * Text form (version 1): "m1 keep=5 n=3 total=60:0 top=30,20,10", the
 * total as hi:lo of its compensated sum, every double in the shortest
 * decimal that reads back to the same bits (subnormals and -0 included).
 * Binary: int32 version, int32 keep, int64 n, float8 total hi and lo,
 * int32 ntop, float8 top[ntop].  Both inputs run magnitude_problem, the
 * check the aggregates' results also pass (or they raise 22003).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "dd.h"
#include "magnitude.h"
#include "policy_core.h"
#include "stored.h"
#include "tally.h"

/* the most contributors a magnitude counts (as a tally's rows) */
#define MAG_MAX_N (PG_INT64_MAX / 4)

/* ---- the check both inputs and the aggregates' results pass ---------- */

/*
 * NULL when the magnitude is one the aggregates can produce, otherwise a
 * sentence; *range is set for a value out of range (a total that is not
 * finite, too many contributors: what only merges of extreme values reach).
 */
static const char *
magnitude_problem(const Magnitude *m, Size size, bool *range)
{
	int			i;
	double		sum = 0;

	*range = false;
	if (size < offsetof(Magnitude, top))
		return "The value is too short.";
	if (m->version != MAG_VERSION)
		return "The version is not 1.";
	if (m->keep < 1 || m->keep > MAG_MAX_KEEP)
		return "keep must be an integer from 1 to 1000.";
	if (m->n < 0)
		return "The number of contributors must not be negative.";
	if (m->ntop < 0 || m->ntop > m->keep || m->ntop != Min((int64) m->keep, m->n))
		return "The counts are inconsistent: kept contributions must be min(keep, n).";
	if (size != MAG_SIZE(m->ntop))
		return "The length does not match the kept contributions.";
	if (m->n > MAG_MAX_N || !isfinite(m->total.hi) || !isfinite(m->total.lo))
	{
		*range = true;
		return m->n > MAG_MAX_N ?
			"The number of contributors is out of range (at most 2305843009213693951)." :
			"The total is not finite.";
	}
	if (m->total.hi < 0 || m->total.hi + m->total.lo != m->total.hi)
		return "The total must be a normalised, non-negative sum (hi + lo rounds to hi).";
	for (i = 0; i < m->ntop; i++)
	{
		double		v = m->top[i];

		if (!isfinite(v) || v < 0 || (i > 0 && v > m->top[i - 1]))
			return "The kept contributions must be finite, non-negative and descending.";
		sum += v;
	}
	if (sum > m->total.hi * (1 + 1e-12) + 1e-300)
		return "The kept contributions exceed the total.";
	return NULL;
}

static void pg_attribute_noreturn()
bad_magnitude(int sqlstate, const char *input, const char *why)
{
	if (input != NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid input syntax for type barometer.magnitude: \"%s\"",
						stored_clip(input, 200, true)),
				 errdetail("%s", why)));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid binary value for type barometer.magnitude"),
			 errdetail("%s", why)));
}

/* the text (input != NULL, 22P02) and binary (22P03) inputs */
static void
magnitude_validate(const Magnitude *m, int sqlstate, const char *input)
{
	bool		range;
	const char *problem = magnitude_problem(m, VARSIZE(m), &range);

	if (problem == NULL)
		return;
	if (input != NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid value for type barometer.magnitude: \"%s\"",
						stored_clip(input, 200, true)),
				 errdetail("%s", problem)));
	bad_magnitude(sqlstate, NULL, problem);
}

/* an aggregate's result: 22003 out of range, 22023 otherwise */
static void
magnitude_check_result(const Magnitude *m, FunctionCallInfo fcinfo)
{
	bool		range;
	const char *problem = magnitude_problem(m, VARSIZE(m), &range);

	if (problem == NULL)
		return;
	if (range)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("result of barometer.%s out of range", tally_agg_name(fcinfo, "magnitude")),
				 errdetail("%s", problem),
				 errhint("The contributions or contributor counts being merged are too large to store in a barometer.magnitude.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("result of barometer.%s is not a consistent barometer.magnitude",
					tally_agg_name(fcinfo, "magnitude")),
			 errdetail("%s", problem)));
}

/* ---- aggregates ------------------------------------------------------ */

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
	a->n = tally_count_add(a->n, 1);
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
	a->n = tally_count_add(a->n, m->n);
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
	r->n = tally_count_add(a->n, b->n);
	r->total = a->total;
	dd_acc_dd(&r->total, b->total);
	for (i = 0; i < a->ntop; i++)
		topk_add(r->heap, &r->ntop, r->keep, a->heap[i]);
	for (i = 0; i < b->ntop; i++)
		topk_add(r->heap, &r->ntop, r->keep, b->heap[i]);
	PG_RETURN_POINTER(r);
}

static void magnitude_check_result(const Magnitude *m, FunctionCallInfo fcinfo);

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
	Magnitude  *m;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	m = magnitude_from_acc((MagAcc *) PG_GETARG_POINTER(0));
	magnitude_check_result(m, fcinfo);
	PG_RETURN_POINTER(m);
}

/* serialize: the stored form; deserialize validates and rebuilds the heap */
PG_FUNCTION_INFO_V1(barometer_magnitude_serialize);
Datum
barometer_magnitude_serialize(PG_FUNCTION_ARGS)
{
	Magnitude  *m = magnitude_from_acc((MagAcc *) PG_GETARG_POINTER(0));

	magnitude_check_result(m, fcinfo);
	PG_RETURN_BYTEA_P((bytea *) m);
}

PG_FUNCTION_INFO_V1(barometer_magnitude_deserialize);
Datum
barometer_magnitude_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	Magnitude  *m = (Magnitude *) palloc(Max(VARSIZE_ANY(b), sizeof(Magnitude)));
	MagAcc	   *a;
	MemoryContext aggcxt;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "magnitude deserialize function called in non-aggregate context");
	memcpy(VARDATA(m), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	SET_VARSIZE(m, VARSIZE_ANY_EXHDR(b) + VARHDRSZ);
	magnitude_validate(m, ERRCODE_INVALID_BINARY_REPRESENTATION, NULL);
	a = magacc_new(aggcxt, m->keep);
	a->n = m->n;
	a->total = m->total;
	for (i = 0; i < m->ntop; i++)
		topk_add(a->heap, &a->ntop, a->keep, m->top[i]);
	PG_RETURN_POINTER(a);
}

/* ---- text form -------------------------------------------------------- */

static void
append_double(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

/* text form: m1 keep=5 n=3 total=60:0 top=30,20,10 */
PG_FUNCTION_INFO_V1(barometer_magnitude_out);
Datum
barometer_magnitude_out(PG_FUNCTION_ARGS)
{
	Magnitude  *m = PG_GETARG_MAGNITUDE(0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "m%d keep=%d n=" INT64_FORMAT " total=", m->version, m->keep, m->n);
	append_double(&buf, m->total.hi);
	appendStringInfoChar(&buf, ':');
	append_double(&buf, m->total.lo);
	appendStringInfoString(&buf, " top=");
	for (i = 0; i < m->ntop; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		append_double(&buf, m->top[i]);
	}
	PG_RETURN_CSTRING(buf.data);
}

static void
expect(const char **p, const char *lit, const char *input)
{
	size_t		n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		bad_magnitude(ERRCODE_INVALID_TEXT_REPRESENTATION, input,
					  psprintf("Expected \"%s\" at \"%s\".", lit, stored_clip(*p, 20, false)));
	*p += n;
}

static double
parse_num(const char **p, const char *input, const char *what)
{
	const char *end;
	double		v;

	switch (stored_read_double(*p, &end, &v))
	{
		case STORED_NUM_OK:
			break;
		case STORED_NUM_RANGE:
			bad_magnitude(ERRCODE_INVALID_TEXT_REPRESENTATION, input,
						  psprintf("The %s at \"%s\" is out of range.", what, stored_clip(*p, 20, false)));
		default:
			bad_magnitude(ERRCODE_INVALID_TEXT_REPRESENTATION, input,
						  psprintf("Expected a finite number (the %s) at \"%s\".", what, stored_clip(*p, 20, false)));
	}
	*p = end;
	return v;
}

static int64
parse_count(const char **p, const char *input, const char *what)
{
	const char *end;
	int64		v;

	if (stored_read_int64(*p, &end, &v, false) != STORED_NUM_OK)
		bad_magnitude(ERRCODE_INVALID_TEXT_REPRESENTATION, input,
					  psprintf("%s must be a non-negative integer (at \"%s\").", what, stored_clip(*p, 20, false)));
	*p = end;
	return v;
}

PG_FUNCTION_INFO_V1(barometer_magnitude_in);
Datum
barometer_magnitude_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int64		keep,
				n;
	Magnitude  *m;
	int			i,
				ntop;

	expect(&p, "m1 keep=", input);
	keep = parse_count(&p, input, "keep");
	expect(&p, " n=", input);
	n = parse_count(&p, input, "n");
	if (keep < 1 || keep > MAG_MAX_KEEP)
		bad_magnitude(ERRCODE_INVALID_TEXT_REPRESENTATION, input,
					  "keep must be an integer from 1 to 1000.");
	ntop = (int) Min(keep, n);
	m = palloc0(MAG_SIZE(ntop));
	SET_VARSIZE(m, MAG_SIZE(ntop));
	m->version = MAG_VERSION;
	m->keep = (int32) keep;
	m->n = n;
	m->ntop = ntop;
	expect(&p, " total=", input);
	m->total.hi = parse_num(&p, input, "total");
	expect(&p, ":", input);
	m->total.lo = parse_num(&p, input, "total");
	expect(&p, " top=", input);
	for (i = 0; i < ntop; i++)
	{
		if (i > 0)
			expect(&p, ",", input);
		m->top[i] = parse_num(&p, input, "contribution");
	}
	if (*p != '\0')
		bad_magnitude(ERRCODE_INVALID_TEXT_REPRESENTATION, input,
					  psprintf("Unexpected \"%s\" at the end (kept contributions must be min(keep, n)).", stored_clip(p, 20, false)));
	magnitude_validate(m, ERRCODE_INVALID_TEXT_REPRESENTATION, input);
	PG_RETURN_POINTER(m);
}

/* ---- binary form ------------------------------------------------------ */

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
	StoredReader rd;
	int32		version,
				keep,
				ntop;
	int64		n;
	double		hi,
				lo;
	Magnitude  *m;
	int			i;

	stored_reader_init(&rd, (StringInfo) PG_GETARG_POINTER(0), "barometer.magnitude");
	version = stored_get_i32(&rd, "the version");
	keep = stored_get_i32(&rd, "keep");
	n = stored_get_i64(&rd, "the number of contributors");
	hi = stored_get_f8(&rd, "the total");
	lo = stored_get_f8(&rd, "the total");
	ntop = stored_get_i32(&rd, "the number of kept contributions");
	if (ntop > MAG_MAX_KEEP)
		stored_binary_error(&rd, "Too many kept contributions.");
	stored_check_count(&rd, ntop, 8, sizeof(double), "kept contributions");
	m = palloc0(MAG_SIZE(ntop));
	SET_VARSIZE(m, MAG_SIZE(ntop));
	m->version = version;
	m->keep = keep;
	m->n = n;
	m->total.hi = hi;
	m->total.lo = lo;
	m->ntop = ntop;
	for (i = 0; i < ntop; i++)
		m->top[i] = stored_get_f8(&rd, "a kept contribution");
	stored_end(&rd);
	magnitude_validate(m, ERRCODE_INVALID_BINARY_REPRESENTATION, NULL);
	PG_RETURN_POINTER(m);
}

/* ---- readers ---------------------------------------------------------- */

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

