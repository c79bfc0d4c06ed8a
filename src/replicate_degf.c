/*
 * replicate_degf.c - replicate_degf(repw): R's degrees of freedom of a
 * replicate-weight (sub)design, qr rank of its analysis weights minus 1
 * (survey 4.1.1 degf.svyrep.design; `[.svyrep.design` recomputes it on a
 * subset, so under GROUP BY it is the domain's).  The state is the Gram
 * matrix of the replicate columns (R^2 doubles, whatever the rows), summed
 * row by row and across parallel workers; the rank follows in
 * core/rank_core.c.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "guard.h"
#include "rank_core.h"
#include "tally.h"

/*
 * The working state.  Rows of one PSU carry proportional replicate weights
 * (w times the PSU's factors) and usually arrive together, so a run of
 * proportional rows x = s p is kept as its first row p and the sum of s^2,
 * and added to G as (sum s^2) p p' when the run ends: O(R) per row instead
 * of O(R^2).  The serialized form is the flushed state: R, n, G.
 */
typedef struct DegfState
{
	int32		R;
	int32		pad;
	int64		n;
	double	   *run;			/* the run's first row (R doubles), or NULL */
	double		run_ss;			/* sum of s^2 over the run */
	int32		run_j0;			/* first non-zero index of run */
	MemoryContext cxt;
	double		G[FLEXIBLE_ARRAY_MEMBER];	/* R x R, upper triangle used */
} DegfState;

#define DEGF_HDR offsetof(DegfState, G)

static DegfState *
degf_new(MemoryContext cxt, int R)
{
	DegfState  *s;

	guard_array((uint64) R * (uint64) R + R, sizeof(double), "the replicate Gram matrix");
	s = MemoryContextAllocZero(cxt, DEGF_HDR + (size_t) R * R * sizeof(double));
	s->R = R;
	s->cxt = cxt;
	s->run = MemoryContextAllocZero(cxt, (size_t) R * sizeof(double));
	s->run_j0 = -1;
	return s;
}

/* G += c x x' (upper triangle) */
static void
degf_add(DegfState *s, const double *x, double c)
{
	int			R = s->R,
				i,
				j;

	for (i = 0; i < R; i++)
	{
		double		xi = c * x[i];
		double	   *g = s->G + (size_t) i * R;

		if (xi == 0)
			continue;
		for (j = i; j < R; j++)
			g[j] += xi * x[j];
	}
}

static void
degf_flush(DegfState *s)
{
	if (s->run_j0 >= 0)
		degf_add(s, s->run, s->run_ss);
	s->run_j0 = -1;
	s->run_ss = 0;
}

/* whether x = t run, t = x[j0] / run[j0], to 1e-13 in every element */
static bool
degf_in_run(const DegfState *s, const double *x, double *t)
{
	int			j;
	double		r;

	if (s->run_j0 < 0)
		return false;
	r = x[s->run_j0] / s->run[s->run_j0];
	for (j = 0; j < s->R; j++)
	{
		double		e = r * s->run[j];

		if ((x[j] == 0) != (s->run[j] == 0) || fabs(x[j] - e) > 1e-13 * (fabs(x[j]) + fabs(e)))
			return false;
	}
	*t = r;
	return true;
}

PG_FUNCTION_INFO_V1(barometer_replicate_degf_trans);
Datum
barometer_replicate_degf_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	DegfState  *s = PG_ARGISNULL(0) ? NULL : (DegfState *) PG_GETARG_POINTER(0);
	ArrayType  *a;
	double	   *x;
	int			R,
				i,
				j;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "replicate_degf_trans called in a non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	a = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate weights must be a one-dimensional array without NULLs")));
	R = ArrayGetNItems(1, ARR_DIMS(a));
	if (R < 2 || R > TALLY_MAX_REPLICATES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a design has from 2 to %d replicates", TALLY_MAX_REPLICATES),
				 errdetail("The array has %d elements.", R)));
	if (s == NULL)
		s = degf_new(cxt, R);
	else if (s->R != R)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every row needs the same number of replicate weights"),
				 errdetail("A row has %d, an earlier row %d.", R, s->R)));
	x = (double *) ARR_DATA_PTR(a);
	for (i = 0; i < R; i++)
		if (!isfinite(x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replicate weights must be finite"),
					 errdetail("Element %d is %g.", i + 1, x[i])));
	s->n++;
	{
		double		t;

		if (degf_in_run(s, x, &t))
		{
			s->run_ss += t * t;
			PG_RETURN_POINTER(s);
		}
	}
	degf_flush(s);
	for (i = 0, j = -1; i < R; i++)
		if (x[i] != 0 && j < 0)
			j = i;
	if (j < 0)
		PG_RETURN_POINTER(s);	/* a row of zeros adds nothing */
	memcpy(s->run, x, R * sizeof(double));
	s->run_j0 = j;
	s->run_ss = 1;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(barometer_replicate_degf_combine);
Datum
barometer_replicate_degf_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	DegfState  *a = PG_ARGISNULL(0) ? NULL : (DegfState *) PG_GETARG_POINTER(0);
	DegfState  *b = PG_ARGISNULL(1) ? NULL : (DegfState *) PG_GETARG_POINTER(1);
	size_t		i;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "replicate_degf_combine called in a non-aggregate context");
	if (b == NULL)
		PG_RETURN_POINTER(a);
	degf_flush(b);
	if (a == NULL)
	{
		a = degf_new(cxt, b->R);
		a->n = b->n;
		memcpy(a->G, b->G, (size_t) b->R * b->R * sizeof(double));
		PG_RETURN_POINTER(a);
	}
	degf_flush(a);
	if (a->R != b->R)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every row needs the same number of replicate weights"),
				 errdetail("A row has %d, an earlier row %d.", b->R, a->R)));
	for (i = 0; i < (size_t) a->R * a->R; i++)
		a->G[i] += b->G[i];
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_replicate_degf_serialize);
Datum
barometer_replicate_degf_serialize(PG_FUNCTION_ARGS)
{
	DegfState  *s = (DegfState *) PG_GETARG_POINTER(0);
	size_t		len = 2 * sizeof(int64) + (size_t) s->R * s->R * sizeof(double);
	bytea	   *b = palloc(VARHDRSZ + len);
	int64		hdr[2];

	degf_flush(s);
	hdr[0] = s->R;
	hdr[1] = s->n;
	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), hdr, sizeof(hdr));
	memcpy(VARDATA(b) + sizeof(hdr), s->G, (size_t) s->R * s->R * sizeof(double));
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(barometer_replicate_degf_deserialize);
Datum
barometer_replicate_degf_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext cxt;
	DegfState  *s;
	int64		hdr[2];

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "replicate_degf_deserialize called in a non-aggregate context");
	if (VARSIZE_ANY_EXHDR(b) < sizeof(hdr))
		elog(ERROR, "malformed replicate_degf state");
	memcpy(hdr, VARDATA_ANY(b), sizeof(hdr));
	if (hdr[0] < 2 || hdr[0] > TALLY_MAX_REPLICATES ||
		VARSIZE_ANY_EXHDR(b) != sizeof(hdr) + (size_t) hdr[0] * hdr[0] * sizeof(double))
		elog(ERROR, "malformed replicate_degf state");
	s = degf_new(cxt, (int) hdr[0]);
	s->n = hdr[1];
	memcpy(s->G, VARDATA_ANY(b) + sizeof(hdr), (size_t) hdr[0] * hdr[0] * sizeof(double));
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(barometer_replicate_degf_final);
Datum
barometer_replicate_degf_final(PG_FUNCTION_ARGS)
{
	DegfState  *s = PG_ARGISNULL(0) ? NULL : (DegfState *) PG_GETARG_POINTER(0);
	double	   *G,
			   *work;
	int			R,
				i,
				j;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	degf_flush(s);
	R = s->R;
	G = palloc((size_t) R * R * sizeof(double));
	work = palloc((size_t) R * R * sizeof(double));
	for (i = 0; i < R; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (j = i; j < R; j++)
			G[(size_t) i * R + j] = G[(size_t) j * R + i] = s->G[(size_t) i * R + j];
	}
	PG_RETURN_FLOAT8((double) rep_rank_gram(G, R, REP_RANK_TOL, work) - 1.0);
}
