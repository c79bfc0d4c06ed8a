/*
 * ratio_core.h - the ratio of two totals, R = sum w y / sum w x (R survey
 * 4.1.1 svyratio), kept in a barometer.tally of kind ratio.  The tally's
 * sums are those of a mean with weight w x: its "weights" are the
 * denominator's terms, so that estimate(t) = R, and every unit's sums are
 * a = sum w y, b = sum w x; the engine's scores (a - R b) / X are then
 * svyratio's linearized scores (y - R x) w / X, under every design,
 * without new variance algebra.  The core of a ratio holds
 *   S_W    sum w x        S_WY   sum w y        S_WYY  sum w (weights)
 *   S_WW   sum (w x)^2    S_WWY  sum (w x)(w y) S_WWYY sum (w y)^2
 * x must not be negative (so that the denominator sums, like weights, are
 * never negative).  Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 *
 * References: R survey 4.1.1 svyratio.survey.design2 (scores (y - R x) /
 * X w, svyrecvar), svyratio.svyrep.design (svrVar of the replicate ratios).
 */
#ifndef BAROMETER_RATIO_CORE_H
#define BAROMETER_RATIO_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "design_core.h"
#include "rep_core.h"
#include "tally_core.h"

/* one domain row (y, x >= 0, w >= 0) into the core of a ratio tally */
extern void ratio_core_add(TallyCore *t, double y, double x, double w);

/* and into its PSU p (and SSU q, or UINT32_MAX): a += w y, b += w x */
extern void ratio_design_add(Design *d, uint32_t p, uint32_t q, double y, double x, double w);

/* and into its stratum's sums (tally_ratio_stratified) */
extern void ratio_stratified_add(StratSums *s, double y, double x, double w);

/* and into the replicate sums: a_r += w_r y, b_r += w_r x */
extern void ratio_rep_add(RepAcc *r, double y, double x, const double *repw);
extern void ratio_rep_add_f4(RepAcc *r, double y, double x, const float *repw);

#endif							/* BAROMETER_RATIO_CORE_H */
