/*
 * replicate_degf.c - replicate_degf(repw): R's degrees of freedom of a
 * replicate-weight (sub)design, qr rank of its analysis weights minus 1
 * (survey 4.1.1 degf.svyrep.design; `[.svyrep.design` recomputes it on a
 * subset, so under GROUP BY it is the domain's).  The state is the packed
 * Gram matrix of the replicate columns (R(R+1)/2 doubles, whatever the
 * rows), summed row by row and across parallel workers, as a replicate
 * tally keeps it (core/rep_rank_core.c: runs of proportional rows, the
 * rank at tolerance 1e-5).
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
#include "rep_rank_core.h"
#include "tally.h"
#include "stored.h"
#include "tally.h"

/*
 * The working state: the rows' count and a replicate accumulator that sums
 * only the Gram matrix (rep_rank_core.h).  The serialized form is the
 * flushed state: R, n, the packed Gram matrix.
 */
typedef struct DegfState
{
	int64		n;
	RepAcc		acc;
} DegfState;

static DegfState *
degf_new(MemoryContext cxt, int R)
{
	DegfState  *s;

	guard_array(rep_gram_len((uint32) R) + R, sizeof(double), "the replicate Gram matrix");
	s = MemoryContextAllocZero(cxt, sizeof(DegfState));
	s->acc.spec.nrep = (uint32) R;
	s->acc.spec.df = stored_nan();		/* the default df: the rank is summed */
	s->acc.gram = MemoryContextAllocZero(cxt, rep_gram_len((uint32) R) * sizeof(double));
	s->acc.run = MemoryContextAllocZero(cxt, (size_t) R * sizeof(double));
	rep_rank_open(&s->acc);
	return s;
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
				i;

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
	else if (s->acc.spec.nrep != (uint32) R)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every row needs the same number of replicate weights"),
				 errdetail("A row has %d, an earlier row %u.", R, s->acc.spec.nrep)));
	x = (double *) ARR_DATA_PTR(a);
	for (i = 0; i < R; i++)
		if (!isfinite(x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replicate weights must be finite"),
					 errdetail("Element %d is %g.", i + 1, x[i])));
	s->n++;
	rep_rank_add(&s->acc, x);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(barometer_replicate_degf_combine);
Datum
barometer_replicate_degf_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	DegfState  *a = PG_ARGISNULL(0) ? NULL : (DegfState *) PG_GETARG_POINTER(0);
	DegfState  *b = PG_ARGISNULL(1) ? NULL : (DegfState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "replicate_degf_combine called in a non-aggregate context");
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		a = degf_new(cxt, (int) b->acc.spec.nrep);
	if (a->acc.spec.nrep != b->acc.spec.nrep)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every row needs the same number of replicate weights"),
				 errdetail("A row has %u, an earlier row %u.", b->acc.spec.nrep, a->acc.spec.nrep)));
	/* both sum their Gram matrices: they add */
	(void) rep_rank_merge(&a->acc, &b->acc);
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_replicate_degf_serialize);
Datum
barometer_replicate_degf_serialize(PG_FUNCTION_ARGS)
{
	DegfState  *s = (DegfState *) PG_GETARG_POINTER(0);
	size_t		glen = rep_gram_len(s->acc.spec.nrep) * sizeof(double);
	bytea	   *b = palloc(VARHDRSZ + 2 * sizeof(int64) + glen);
	int64		hdr[2];

	rep_rank_flush(&s->acc);
	hdr[0] = s->acc.spec.nrep;
	hdr[1] = s->n;
	SET_VARSIZE(b, VARHDRSZ + sizeof(hdr) + glen);
	memcpy(VARDATA(b), hdr, sizeof(hdr));
	memcpy(VARDATA(b) + sizeof(hdr), s->acc.gram, glen);
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
		VARSIZE_ANY_EXHDR(b) != sizeof(hdr) + rep_gram_len((uint32) hdr[0]) * sizeof(double))
		elog(ERROR, "malformed replicate_degf state");
	s = degf_new(cxt, (int) hdr[0]);
	s->n = hdr[1];
	memcpy(s->acc.gram, VARDATA_ANY(b) + sizeof(hdr), rep_gram_len((uint32) hdr[0]) * sizeof(double));
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(barometer_replicate_degf_final);
Datum
barometer_replicate_degf_final(PG_FUNCTION_ARGS)
{
	DegfState  *s = PG_ARGISNULL(0) ? NULL : (DegfState *) PG_GETARG_POINTER(0);

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) rep_rank_now(&s->acc) - 1.0);
}
