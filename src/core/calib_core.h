/*
 * calib_core.h - calibration of design weights to population totals, as R
 * survey 4.1.1 does it: calibrate() with calfun "linear" (unbounded:
 * regcalibrate's one-step GREG; bounded: truncated linear), "raking" and
 * "logit" (grake's Newton iteration, its rescaling and its step halving),
 * postStratify() and rake() (iterative post-stratification on the
 * margins); and the calibration residuals that turn a calibrated
 * estimator's scores into R's (svyrecvar with postStrata).  Plain C, no
 * PostgreSQL headers.
 *
 * The model matrix is R's model.matrix(~ m1 + m2 + ... + x1 + ...): an
 * intercept when there is a categorical margin, the indicators of every
 * level of every margin but a reference level, and the numeric
 * auxiliaries.  The population totals are given per level (the register's
 * form); the intercept's total is the sum of the first margin's.
 *
 * References: Deville & Sarndal (1992), Calibration estimators in survey
 * sampling, JASA 87; R survey 4.1.1: calibrate.survey.design2,
 * regcalibrate.survey.design2, grake, cal.linear, cal.raking, cal.logit,
 * postStratify.survey.design, rake, svyrecvar.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_CALIB_CORE_H
#define BAROMETER_CALIB_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "design_core.h"

typedef enum CalMethod
{
	CAL_LINEAR = 0,				/* calibrate(calfun = "linear"), bounds: truncated */
	CAL_RAKING,					/* calibrate(calfun = "raking") */
	CAL_LOGIT,					/* calibrate(calfun = "logit"), finite bounds */
	CAL_POSTSTRATIFY,			/* postStratify() on one margin */
	CAL_RAKE					/* rake(): iterative post-stratification */
} CalMethod;

typedef enum CalStatus
{
	CAL_OK = 0,
	CAL_NO_CONVERGENCE,			/* weights returned, misfit too large */
	CAL_INCONSISTENT,			/* a margin's totals do not sum to the first's */
	CAL_EMPTY_LEVEL,			/* a level with a total but no sample weight */
	CAL_ZERO_LEVEL,				/* post-stratification: a level with sample
								 * weight but total 0 */
	CAL_NOT_FINITE				/* no finite weights within maxit (step halving) */
} CalStatus;

typedef struct CalInput
{
	int64_t		n;				/* rows */
	const double *d;			/* n design weights, finite, >= 0 */
	uint32_t	K;				/* categorical margins */
	const uint32_t *nlev;		/* K: levels of each margin */
	const uint32_t *lev;		/* n x K, row-major: the row's level per margin */
	const double *pop_lev;		/* the totals of every level, margin by margin */
	uint32_t	q;				/* numeric auxiliaries */
	const double *x;			/* n x q, row-major */
	const double *pop_x;		/* q totals */
	int			method;			/* CalMethod */
	double		lower;			/* bounds on g; -Inf / Inf: none */
	double		upper;
	double		epsilon;		/* R's epsilon (rake: control$epsilon) */
	int			maxit;
	/*
	 * Replicates (R's calibrate and postStratify on an svyrep.design):
	 * d_model, when given, is the full sample's weights, which decide the
	 * model's columns and the checks, while d is a replicate's weights; a
	 * level without replicate weight then gets no adjustment.  rake_sweeps
	 * > 0: rake makes exactly that many sweeps (the full sample's), with
	 * no convergence test, as R rakes the replicates in lockstep.
	 */
	const double *d_model;
	int			rake_sweeps;
	/*
	 * post_w, when given (K x n, margin after margin): postStratify and
	 * rake write the weights after each margin's post-stratification in
	 * the last sweep (R's attr(postStrata[[k]], "weights"), what svyrecvar
	 * uses for a rake() design).
	 */
	double	   *post_w;
	/*
	 * sigma2, when given (n, > 0): R's calibrate(variance = sigma2), the
	 * heteroscedastic model; g = 1 + F(m' eta / sigma2) and the Newton
	 * system's weights d F' / sigma2; cal_residual weights d / sigma2 (R
	 * does so for unbounded linear calibration only).
	 */
	const double *sigma2;
} CalInput;

typedef struct CalResult
{
	CalStatus	status;
	int			iterations;		/* R's iterations (rake: sweeps) */
	double		achieved;		/* largest |misfit| / (1 + |total|) of a level */
	double		scale;			/* grake's rescaling of the weights (1: none) */
	/* the level (or auxiliary) worst met or at fault */
	uint32_t	margin;			/* 0..K-1 a margin, K..K+q-1 an auxiliary */
	uint32_t	level;
	double		total;			/* its population total */
	double		reached;		/* its calibrated sample total */
	double	   *g;				/* n: calibrated weight / design weight */
	double	   *w;				/* n: calibrated weights, R's 1/((1/d)/g) */
} CalResult;

/*
 * Calibrate.  The arrays of res are allocated through fn/ctx; loops poll
 * for interrupts (guard_core.h).  Work O(iterations n (K + q)^2) plus
 * O(iterations r^2 L) for the solve, with L the levels of the largest
 * margin and r the other columns.
 */
extern void cal_solve(const CalInput *in, CalResult *res, DesignRealloc fn, void *ctx);

/*
 * The residual of y on the calibration model, design-weighted (R's
 * svyrecvar for greg_calibration: qr.resid(qr(M sqrt(d)), x / (g sqrt(d)))
 * times g sqrt(d), which for a score x = w u / W is w e / W with
 *   e = u - M b,  b = (M' D M)^-1 M' D u,  D = diag(d)).
 * in gives the model (d, levels, auxiliaries; totals, method unused); u
 * the values of G columns (G x n, one column after the other); e (G x n)
 * receives the residuals (e may be u: computed in place).  The model is
 * factored once for all columns.  Returns false, e untouched, when the
 * model has no column.  Allocates through fn/ctx.
 */
extern bool cal_residual(const CalInput *in, uint32_t G, const double *u, double *e,
						 DesignRealloc fn, void *ctx);

/*
 * R's svyrecvar on a rake() design: the scores x (G x n, column after
 * column) are adjusted in place by R's 10 backfitting passes over the
 * margins, x <- x - psw_k * (unweighted mean of x / psw_k within the
 * row's level of margin k), psw_k = post_w's margin k (cal_solve with
 * method CAL_RAKE or CAL_POSTSTRATIFY).  A row with psw_k = 0 adds 0 to
 * its level's mean (R: NaN).  Allocates through fn/ctx.
 */
extern void cal_rake_backfit(const CalInput *in, const double *post_w, uint32_t G, double *x,
							 DesignRealloc fn, void *ctx);

extern const char *cal_method_name(int method);

#endif							/* BAROMETER_CALIB_CORE_H */
