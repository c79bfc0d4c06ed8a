/*
 * total_core.h - the estimated total of a tally's domain, sum w y (R
 * survey 4.1.1 svytotal; of a boolean: the estimated count of TRUE, the
 * total of a category), with its design variance, design effect and
 * interval, under every design a tally holds.  The variance is the one
 * engine's (var_core.h) on the scores z_i = w_i y_i of the domain's rows
 * (zero outside the domain): not centred at an estimate, not divided by W.
 * Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 *
 * References: R survey 4.1.1 svytotal.survey.design2, svytotal.svyrep.design,
 * svyrecvar, svrVar, confint.svystat (t quantile with df = degf).
 */
#ifndef BAROMETER_TOTAL_CORE_H
#define BAROMETER_TOTAL_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "design_core.h"
#include "rep_core.h"
#include "tally_core.h"

/* a tally's total and what its readers need */
typedef struct TotalSummary
{
	double		total;			/* sum w y over the domain rows */
	double		variance;		/* NaN when undefined */
	double		df;				/* design degrees of freedom */
	double		weighted_n;		/* W, sum of the domain's weights */
	double		n_pos;			/* domain rows of positive weight */
	double		s2;				/* element variance of y (svyvar), NaN if n_pos < 2 */
} TotalSummary;

/*
 * Weights only, one stratum of N one-row PSUs (N = the sample's rows, the
 * domain's and the others', which have z = 0): V = N/(N-1) (sum z^2 -
 * (sum z)^2 / N) with sum z = sum w y and sum z^2 = sum w^2 y^2.  NaN when
 * N < 2.
 */
extern double total_weights_variance(const TallyCore *t, double N);

/*
 * The linearized variance and df of the total under a stored design
 * (weights-only domain, stratified, one or two stages): the design's own
 * engine on the scores with p = 0 and W = 1.  Lonely PSUs are reported in
 * out as by design_variance.
 */
extern void total_design_variance(const Design *d, const TallyCore *core, DesignVariance *out);

/*
 * Replicate weights, R svrVar on the replicate totals theta_r = sum w_r y
 * (never undefined: a replicate without weight has total 0, as in R),
 * centred at their mean or, with mse, at the full-sample total.
 */
extern double total_rep_variance(const RepAcc *r, double total);

/*
 * Design effect of the total, R svytotal(..., deff = TRUE):
 * V / (s^2 W^2 (W - n)/(W n)); deff = "replace": V / (s^2 W^2 / n), with
 * s^2 = n/(n-1) sum w (y - ybar)^2 / W (R svyvar) and n the domain's rows
 * of positive weight.  That is the mean's design effect with V / W^2 for
 * the mean's variance.  NaN (undefined) when V is, n < 2, W <= n (not
 * "replace": R gives NA), or s^2 = 0.
 */
extern double total_deff(const TotalSummary *s, bool replace);

/*
 * A variance below the resolution of the data is 0: at or below (64
 * eps)^2 (total^2 + W^2 s^2), as tally_variance_floor for the mean.
 */
extern void total_variance_floor(TotalSummary *s);

#endif							/* BAROMETER_TOTAL_CORE_H */
