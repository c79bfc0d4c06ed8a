/*
 * ci.h - confidence intervals for a tally's proportion or mean.
 * Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_CI_H
#define BAROMETER_CI_H

#include <stdbool.h>

#include "tally_core.h"

typedef enum CiMethod
{
	CI_BETA = 0,				/* Korn-Graubard (R svyciprop "beta") */
	CI_LOGIT,					/* R svyciprop "logit" */
	CI_XLOGIT,					/* R svyciprop "xlogit" */
	CI_MEAN,					/* Wald, R svyciprop "mean" */
	CI_ASIN,					/* R svyciprop "asin" */
	CI_LIKELIHOOD,				/* R svyciprop "likelihood", solved exactly */
	CI_WILSON,					/* Wilson score, design effective n */
	CI_CLOPPER_PEARSON,			/* exact binomial, design effective n */
	CI_JEFFREYS,				/* Jeffreys prior, design effective n */
	CI_AGRESTI_COULL,			/* Agresti-Coull, design effective n */
	CI_NMETHODS
} CiMethod;

/* the accepted names, for error messages */
#define CI_METHOD_NAMES "beta (alias korn_graubard), logit, xlogit, mean (alias wald), asin, likelihood, wilson, clopper_pearson, jeffreys, agresti_coull"

/* method by name (case-sensitive, as listed), or -1 */
extern int	ci_method_parse(const char *name);
extern const char *ci_method_name(int method);

/* whether the method applies to a tally of this kind */
extern bool ci_method_applies(int method, int kind);

/*
 * Interval at level (0 < level < 1) with df degrees of freedom (> 0, may be
 * +Inf; <= 0 means the design has none and t-based methods are undefined).
 * Returns false when the interval is undefined (SQL NULL).
 */
extern bool ci_compute(const TallySummary *s, double level, int method,
					   double df, double *lower, double *upper);

/* a t (or normal, df = +Inf) quantile at 1 - alpha/2; NaN when df <= 0 */
extern double ci_tquantile(double level, double df);

/*
 * The Korn-Graubard effective sample size the beta interval uses at this
 * level and df (n+ at p = 0 or 1); NaN when undefined.
 */
extern double ci_kg_n_eff(const TallySummary *s, double level, double df);

#endif							/* BAROMETER_CI_H */
