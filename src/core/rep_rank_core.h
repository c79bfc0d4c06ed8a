/*
 * rep_rank_core.h - R's df of a replicate tally's domain, kept in the
 * tally: the Gram matrix W'W of the domain's replicate weights while its
 * rank is below R.  Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_REP_RANK_CORE_H
#define BAROMETER_REP_RANK_CORE_H

#include <stddef.h>

#include "rep_core.h"

/* the doubles of the packed upper triangle of an R x R Gram matrix */
static inline size_t
rep_gram_len(uint32_t R)
{
	return (size_t) R * (R + 1) / 2;
}

/*
 * Start summing: r->gram (rep_gram_len zeros) and r->run (R doubles) are
 * the caller's.
 */
extern void rep_rank_open(RepAcc *r);

/* add the replicate weights of one answered row (REP_RANK_OPEN only) */
extern void rep_rank_add(RepAcc *r, const double *x);
extern void rep_rank_add_f4(RepAcc *r, const float *x);

/* add the pending run of proportional rows to gram */
extern void rep_rank_flush(RepAcc *r);

/*
 * An accumulating tally stops summing its Gram matrix once the rows have
 * full rank (a full-rank set stays of full rank, as under merge): after
 * 2 R runs of rows, then each time the runs double, rep_rank_due says so
 * and rep_rank_settle computes the rank (work: 2 R^2 doubles) and, at R,
 * makes the rank known (r->gram is then the caller's to free).  Returns
 * whether it did.  A replicate tally of a large domain then costs what it
 * did without the rank after its first few hundred PSUs.
 */
static inline bool
rep_rank_due(const RepAcc *r)
{
	return r->rank_state == REP_RANK_OPEN &&
		r->nruns >= (r->next_check ? r->next_check : 2 * r->spec.nrep);
}
extern bool rep_rank_settle(RepAcc *r, double *work);

/*
 * Merge from into into: a side not tracked makes into not tracked, a full
 * rank one makes it full rank (gram dropped), otherwise the Gram matrices
 * add (into is then REP_RANK_OPEN and must have its gram).  Returns true
 * when into needs a gram it does not have (the caller allocates zeros and
 * calls again).
 */
extern bool rep_rank_merge(RepAcc *into, RepAcc *from);

/* R's qr rank at tolerance 1e-5 of r->gram; work: 2 R^2 doubles */
extern int	rep_rank_compute(const RepAcc *r, double *work);

/*
 * The default df of a comparison of two domains of one replicate design
 * (diff_test): R's svyttest on the two-domain subset has degf(subset) - 1,
 * the subset's rank from G_a + G_b (the rows of both; a part inside the
 * whole gives the whole's rank).  Returns the df before the - 1: the
 * spec's df, else rank(G_a + G_b) - 1 when both ranks are tracked, else
 * R - 1.  work: R(R+1)/2 + 2 R^2 doubles, used when both keep a Gram
 * matrix (the caller may pass NULL otherwise: see rep_rank_union_needs).
 */
extern bool rep_rank_union_needs(const RepAcc *a, const RepAcc *b);

/* the doubles of rep_df_union's work array */
static inline size_t
rep_union_work_len(uint32_t R)
{
	return rep_gram_len(R) + (size_t) 2 * R * R;
}
extern double rep_df_union(const RepAcc *a, const RepAcc *b, double *work);

/*
 * Whether a stored rank section is one the aggregates produce (NULL, or a
 * sentence); work: 2 R^2 doubles when r has a gram.
 */
extern const char *rep_rank_problem(const RepAcc *r, double *work);

#endif							/* BAROMETER_REP_RANK_CORE_H */
