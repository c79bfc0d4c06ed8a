/*
 * suppress_optimal.c - the optimal model (being rebuilt: for now the
 * heuristic under the 0.1 size limit).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "suppress_internal.h"

int
sup_optimal(Sup *S)
{
	int			c,
				np = 0,
				nm = 0;

	for (c = 0; c < S->ncell; c++)
	{
		if (S->supp[c] || sup_can_move(S, c))
			nm++;
		if (S->cf[c] & CF_PRIMARY)
			np++;
	}
	if ((double) np * nm > S->opt->max_optimal)
		return sup_fail(S, SUP_E_INPUT, "table too large for the optimal method",
						"The optimal model needs %d primary cells x %d movable cells; the limit is %d. Use method 'heuristic'.",
						np, nm, S->opt->max_optimal);
	return sup_heuristic(S);
}
