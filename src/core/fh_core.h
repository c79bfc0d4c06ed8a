/*
 * fh_core.h - the Fay-Herriot area-level model for small-area estimates:
 *   y_i = x_i' beta + u_i + e_i,  u_i ~ N(0, A),  e_i ~ N(0, D_i) (D_i known)
 * over the m areas with a direct estimate y_i and its design variance D_i,
 * with REML or ML fitting of A, EBLUPs, their MSE (Prasad-Rao / Datta-Lahiri
 * for REML, Datta-Lahiri for ML) and synthetic estimates for areas without
 * a sample.  Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_FH_CORE_H
#define BAROMETER_FH_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "design_core.h"

typedef enum FhMethod
{
	FH_REML = 0,
	FH_ML = 1
} FhMethod;

typedef enum FhStatus
{
	FH_OK = 0,
	FH_TOO_FEW,					/* fewer in-sample areas than coefficients + 1 */
	FH_SINGULAR,				/* X'V^-1 X not positive definite (collinear covariates) */
	FH_NO_CONVERGENCE
} FhStatus;

/* the input: n areas, p coefficients (the intercept is column 0 of x) */
typedef struct FhInput
{
	uint32_t	n;
	uint32_t	p;
	const double *x;			/* n x p, row-major */
	const double *y;			/* n; NaN: no direct estimate (out of sample) */
	const double *D;			/* n; the direct estimate's variance (> 0 in sample) */
	int			method;			/* FhMethod */
	double		tol;			/* convergence of A, relative (e.g. 1e-12) */
	int			maxiter;
} FhInput;

/* the fit and, per area, its estimates */
typedef struct FhFit
{
	FhStatus	status;
	uint32_t	m;				/* areas in sample */
	double		A;				/* the area variance, >= 0 */
	double		A_se;			/* sqrt(2 / sum_j (A + D_j)^-2): asymptotic */
	int			iterations;
	double		loglik;			/* the (restricted) log likelihood at A */
	double	   *beta;			/* p */
	double	   *beta_cov;		/* p x p: (X' V^-1 X)^-1 */
	/* per area (n) */
	double	   *synthetic;		/* x_i' beta */
	double	   *eblup;			/* gamma_i y_i + (1 - gamma_i) x_i' beta; synthetic out of sample */
	double	   *mse;
	double	   *gamma;			/* A / (A + D_i); 0 out of sample */
	double	   *g1,
			   *g2,
			   *g3;				/* the MSE's terms (out of sample: g1 = A, g2, g3 = 0) */
} FhFit;

/*
 * Fit the model and estimate every area.  The arrays of fit are allocated
 * through fn/ctx.  Every loop polls for interrupts (guard_core.h).
 */
extern void fh_fit(const FhInput *in, FhFit *fit, DesignRealloc fn, void *ctx);

#endif							/* BAROMETER_FH_CORE_H */
