/*
 * declared_check.c - the final step of every aggregate of a declared design
 * (tally, tally_ratio, quantile, distribution with a barometer.design_row):
 * the design whose stamp the handles carry must still be declared.  A
 * handle outlives its design only when rows of a declared view were stored
 * (CREATE TABLE AS, COPY) and the design was then dropped or declared again
 * (drop_design, redeclare_design, or_replace): such handles describe a
 * sample that barometer.designs no longer knows, so a tally of them is an
 * error rather than a silent estimate of a design that was changed.
 *
 * One look-up in barometer.designs per query and stamp: the stamps found
 * are kept in the final function's fn_extra (query lifetime), so a query of
 * many groups pays it once.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/memutils.h"

#include "design_handle.h"

#define DECL_CHECK_CACHE 8

typedef struct DeclCheckCache
{
	int			n;
	int64		stamp[DECL_CHECK_CACHE];
} DeclCheckCache;

static bool
stamp_declared(int64 stamp)
{
	Oid			argtype = INT8OID;
	Datum		arg = Int64GetDatum(stamp);
	bool		found;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT 1 FROM barometer.designs WHERE stamp OPERATOR(pg_catalog.=) $1",
							  1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read barometer.designs");
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

void
decl_check_declared(FunctionCallInfo fcinfo, const DeclIdent *id)
{
	DeclCheckCache *c = (DeclCheckCache *) fcinfo->flinfo->fn_extra;
	int			i;

	if (id->kind < 0)
		return;
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(DeclCheckCache));
		fcinfo->flinfo->fn_extra = c;
	}
	for (i = 0; i < c->n; i++)
		if (c->stamp[i] == id->stamp)
			return;
	if (!stamp_declared(id->stamp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("the design handles belong to no declared design"),
				 errdetail("No design in barometer.designs has the stamp " INT64_FORMAT ": the design was dropped, or declared again (redeclare_design, or_replace) after these handles were made.",
						   id->stamp),
				 errhint("Tally the handle column of the design's view as it is declared now; to keep stored rows, declare a design over them.")));
	if (c->n < DECL_CHECK_CACHE)
		c->stamp[c->n++] = id->stamp;
	else
		c->stamp[0] = id->stamp;
}
