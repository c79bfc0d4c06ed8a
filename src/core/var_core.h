/*
 * var_core.h - the one design-variance engine of barometer: R survey
 * 4.1.1's linearization (svyrecvar -> multistage -> onestage -> onestrat)
 * and replicate variance (svrVar), for K score columns at once.  Every
 * estimator and test calls it: the variance of a tally (K = 1), the
 * covariance of two domains (K = 2), distributions and the chi-square test
 * (K cells); the rules for lonely PSUs, finite population corrections and
 * zero padding live here and nowhere else.  Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_VAR_CORE_H
#define BAROMETER_VAR_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "design_core.h"

/* what one stratum contributes, by R's onestrat rules */
typedef enum VarRule
{
	VAR_CENTRED = 0,			/* f n/(n-1) times the centred crossproduct */
	VAR_NONE,					/* 0: a census (f < 1e-7), or a lonely PSU
								 * under "remove" / "certainty" */
	VAR_LONELY_FAIL,			/* a lonely PSU under "fail": an error */
	VAR_LONELY_ADJUST,			/* f times the uncentred crossproduct */
	VAR_LONELY_EXCLUDE			/* "average": left out, the caller rescales */
} VarRule;

/*
 * The rule for a stratum of n units in the whole sample, population count
 * N (0 = no fpc), lonely policy as in design_core.h; *scale receives the
 * multiplier: f n/(n-1) for VAR_CENTRED, f for VAR_LONELY_ADJUST (0
 * otherwise), with f = (N - n)/N, or 1 without fpc.  The order of the
 * rules is R's: a census first (all(f < 1e-7) -> 0), then n = 1.
 */
extern VarRule var_rule(int64_t n, double N, int lonely, double *scale);

/*
 * One stratum (R's onestrat on a K-column matrix): m present units with
 * score totals z (row-major m x K) out of n units in the whole sample; the
 * n - m absent units have zero scores and still count (zero padding).
 * Adds the stratum's K x K term into V (row-major, both triangles) and
 * returns the rule applied; work holds K doubles.  O(m K^2).
 */
extern VarRule var_stratum(const double *z, uint32_t m, uint32_t K, int64_t n, double N,
						   int lonely, double *V, double *work);

/*
 * "average": V *= H/(H - H_excluded), H the strata that hold units; every
 * stratum excluded leaves V undefined (NaN, R's 0 * H/0).
 */
extern void var_average(double *V, uint32_t K, int H, int H_excluded);

/*
 * The present units of a design and their K score totals, for the
 * multistage variance.  Units are PSUs (units[i] in stratum stratum_of[i]);
 * a two-stage design adds its second-stage units (SSUs, in unit unit_of[s])
 * and, per PSU, their count in the whole sample and population count.
 */
typedef struct VarUnits
{
	uint32_t	K;
	int			lonely;			/* LonelyPolicy */
	uint32_t	nstrata;
	const StratumRec *strata;	/* n_psu and popsize of every stratum */
	uint32_t	nunits;
	const uint32_t *stratum_of; /* per unit */
	const double *z;			/* nunits x K */
	/* two stages: NULL for one */
	const int64_t *n_sub;		/* per unit: SSUs in the whole sample */
	const double *N_sub;		/* per unit: population count of SSUs */
	uint32_t	nsub;
	const uint32_t *unit_of;	/* per SSU */
	const double *zs;			/* nsub x K */
} VarUnits;

/*
 * R's multistage variance with the default options (ultimate cluster
 * without fpc at the second stage; survey.adjust.domain.lonely = FALSE):
 *   stage 1: sum over strata with units of var_stratum, then var_average;
 *   stage 2 (n_sub given): for every unit, (n_h/N_h) times var_stratum of
 *     its SSUs (one stratum of n_sub units, population N_sub); a PSU whose
 *     SSU stratum is excluded ("average" with one SSU) makes V undefined
 *     (R: onestage's only stratum is NA).
 * V (K x K) receives the variance; out->status, stage, nlonely and lonely[]
 * (stratum indexes at stage 1, unit indexes at stage 2) report lonely units
 * under "fail" and undefined results.  Work space from fn/ctx.
 */
extern void var_linearized(const VarUnits *u, double *V, DesignVariance *out,
						   DesignRealloc fn, void *ctx);

/* replicate r's estimate of column k; NaN when undefined (no weight) */
typedef double (*VarTheta) (const void *arg, uint32_t r, uint32_t k);

/*
 * R's svrVar on K columns: the replicate estimates theta(arg, r, k);
 * replicates with a NaN in any column are left out (R's complete cases;
 * the scale is not changed); centre NULL means the mean of the replicates
 * kept (R's default), otherwise mse = TRUE around the full-sample
 * estimates centre[K].  V = scale sum_r rscales[r] (theta_r - c)(theta_r -
 * c)'; work holds K doubles.  Returns the replicates kept (0: V is NaN).
 * O(R K^2).
 */
extern uint32_t var_replicate(VarTheta theta, const void *arg, uint32_t R, uint32_t K,
							  double scale, const double *rscales, const double *centre,
							  double *V, double *work);

#endif							/* BAROMETER_VAR_CORE_H */
