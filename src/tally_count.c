/*
 * tally_count.c - readers of what version 5 of the stored tally added:
 *   n_true(t)          a proportion's rows with y TRUE
 *   replicate_rank(t)  the rank of a replicate tally's replicate weights
 *
 * n_true counts the rows the tally counts in n(): answered (y not NULL)
 * and of any weight, zero included, so that n_true <= n and n - n_true is
 * the count of FALSE answers; rows with y NULL are in n_missing only.  It
 * adds exactly under merge(), tally_combine and parallel aggregation.  A
 * mean or a ratio has none (NULL), and neither has a proportion stored
 * before version 5 (its count is unknown: NULL, never a guess).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "fmgr.h"

#include "tally.h"

PG_FUNCTION_INFO_V1(barometer_tally_n_true);
Datum
barometer_tally_n_true(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);

	if (t->core.kind != TALLY_PROPORTION || t->core.n_true < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(t->core.n_true);
}

/*
 * replicate_rank(t): R's qr(weights(subset, "analysis"), tol = 1e-5)$rank
 * of the tally's domain, the rank its default df is one less than; NULL
 * when not tracked (not a replicate tally, a df given in the spec, more
 * than 100 replicates, a value stored before version 5).
 */
PG_FUNCTION_INFO_V1(barometer_tally_replicate_rank);
Datum
barometer_tally_replicate_rank(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);

	if (t->dh.kind != DESIGN_REPLICATE || t->dh.rep_rank_state != REP_RANK_KNOWN)
		PG_RETURN_NULL();
	PG_RETURN_INT32(t->dh.rep_rank);
}
