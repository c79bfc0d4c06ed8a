/*
 * stratified_core.h - a stratified sample without clusters (R:
 * svydesign(ids = ~1, strata = ~stratum, fpc = ~fpc, weights = ~w)), kept
 * as per-stratum sums (StratSums, design_core.h) instead of one PSU record
 * per row: accumulation, merging, canonical order, consistency, the
 * linearized variance and the part-whole covariance.
 * Plain C, no PostgreSQL headers; memory comes from the design's allocator.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_STRATIFIED_CORE_H
#define BAROMETER_STRATIFIED_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "compare_core.h"
#include "design_core.h"
#include "tally_core.h"

/*
 * Find or create the stratum (key, len) of a stratified design; a new
 * stratum gets a zeroed sums record (its n_psu and popsize are then to be
 * set by the caller).
 */
extern uint32_t stratified_stratum(Design *d, const char *key, uint32_t len, bool *created);

/*
 * Add one domain row (y, w >= 0) to the tally's core and to the sums of its
 * stratum, the hot path of tally_stratified: the core gets exactly what
 * tally_core_add_prop (a proportion, y 0 or 1) or tally_core_add_num (a
 * mean) would add, and the stratum the same exact products.  A
 * proportion's sum of w^2 y^2 is its sum of w^2 y, kept as an identical
 * copy.
 */
static inline void
stratified_add(TallyCore *core, StratSums *s, double y, double w)
{
	dd_t		ww,
				wy,
				wwy,
				wwyy;

	core->n++;
	s->n_dom++;
	if (core->kind == TALLY_PROPORTION && y != 0.0)
		core->n_true++;
	if (w == 0.0)
		return;
	core->n_pos++;
	s->n_pos++;
	ww = dd_two_sqr(w);
	dd_acc(&core->s[S_W], w);
	dd_acc(&s->b, w);
	dd_acc_dd(&core->s[S_WW], ww);
	dd_acc_dd(&s->ww, ww);
	if (y == 0.0)
		return;
	if (core->kind == TALLY_PROPORTION)
	{
		dd_acc(&core->s[S_WY], w);
		dd_acc(&s->a, w);
		dd_acc_dd(&core->s[S_WWY], ww);
		dd_acc_dd(&s->wwy, ww);
		dd_acc_dd(&s->wwyy, ww);
		return;
	}
	/* as tally_core_add_num */
	wy = dd_two_prod(w, y);
	wwy = dd_two_prod(ww.hi, y);
	wwy.lo += ww.lo * y;
	wwyy = dd_two_prod(wwy.hi, y);
	wwyy.lo += wwy.lo * y;
	{
		dd_t		wyy = dd_two_prod(wy.hi, y);

		wyy.lo += wy.lo * y;
		dd_acc_dd(&core->s[S_WYY], wyy);
	}
	dd_acc_dd(&core->s[S_WY], wy);
	dd_acc_dd(&core->s[S_WWY], wwy);
	dd_acc_dd(&core->s[S_WWYY], wwyy);
	dd_acc_dd(&s->a, wy);
	dd_acc_dd(&s->wwy, wwy);
	dd_acc_dd(&s->wwyy, wwyy);
}

/*
 * Merge the stratified design b into a: the strata's sums add; a stratum
 * in both must have the same row count and population size.  Returns NULL,
 * or a sentence (*where: the index in b of the stratum in conflict).
 */
extern const char *stratified_merge(Design *a, const Design *b, uint32_t *where);

/* normalise n strata's sums (a stored form's canonical sums) */
extern void stratified_normalize(StratSums *sums, uint32_t n);

/*
 * The strata, sums and identifier arena of d in canonical order (strata by
 * identifier bytes), written into the caller's arrays; d is left as it is.
 */
extern void stratified_write_sorted(const Design *d, StratumRec *ns, StratSums *nsum, char *na);

/* consistency of a stored stratified design with its core: NULL or a sentence */
extern const char *stratified_check(const Design *d, const TallyCore *core);

/* the linearized variance and the design df, as design_variance */
extern void stratified_variance(const Design *d, const TallyCore *core, DesignVariance *out);

/* the same on the scores w (y - p) / W (a total: p = 0, W = 1) */
extern void stratified_variance_scores(const Design *d, dd_t p, dd_t W, DesignVariance *out);

/*
 * The covariance of the means of a part a and a whole b of one stratified
 * sample (every row of a is a row of b; diff_test's "part"), with both
 * variances; df_union is the whole's df.  Both designs are stored ones (in
 * canonical order) with the same lonely policy; a stratum of a that b lacks,
 * a stratum with other sizes, or a part larger than the whole in a stratum
 * is a conflict.
 */
extern void stratified_part_cov(const Design *da, const TallyCore *ca, const Design *db,
								const TallyCore *cb, PairCov *out);

/*
 * The whole's own part of stratified_part_cov, which does not depend on the
 * part: its variance terms over all its strata (before the "average"
 * rescaling), its strata and rows, its lonely strata.  A caller comparing
 * many parts with one whole (every municipality with the region) computes
 * it once and passes it to stratified_part_cov_whole; the figures are
 * those of stratified_part_cov, bit for bit.
 */
typedef struct StratWhole
{
	bool		undefined;		/* no rows of positive weight, or W = 0 */
	dd_t		pb;				/* the whole's mean */
	double		v_b;			/* sum of its strata's terms */
	int64_t		H,
				H_excl,
				rows,
				strata;
	PairCov		lonely;			/* status, stage and the lonely strata */
} StratWhole;

extern void stratified_whole(const Design *db, const TallyCore *cb, StratWhole *w);
extern void stratified_part_cov_whole(const Design *da, const TallyCore *ca, const Design *db,
									  const TallyCore *cb, const StratWhole *w, PairCov *out);

/*
 * The covariance of the means of two groups of one clustered sample kept as
 * per-stratum sums of PSU totals (DESIGN_CLUSTER_SUMS) that share no PSU,
 * with both variances; df_union: PSUs minus strata of the union.  A
 * stratum with other sizes, or with more PSUs in the two groups than it
 * has, is a conflict.
 */
extern void stratified_domains_cov(const Design *da, const TallyCore *ca, const Design *db,
								   const TallyCore *cb, PairCov *out);

#endif							/* BAROMETER_STRATIFIED_CORE_H */
