/*
 * dist.h - the distribution functions barometer needs, from libRmath (the
 * same code as R, so results agree with the reference to the last bits).
 * dist.c is the only file that includes Rmath.h.  Every function checks its
 * arguments first and returns NaN where libRmath would complain; callers
 * validate user input before they get here.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_DIST_H
#define BAROMETER_DIST_H

/* quantile of N(0,1) at p, 0 < p < 1 */
extern double dist_qnorm(double p);

/* quantile of Student's t with df > 0 (df = +Inf: normal) at 0 < p < 1 */
extern double dist_qt(double p, double df);

/*
 * quantile of Beta(a, b) at 0 <= p <= 1, a >= 0, b >= 0, at least one of
 * them >= 1 (NaN otherwise: no interval of barometer has both below 1)
 */
extern double dist_qbeta(double p, double a, double b);

/* upper tail P(T > t) of Student's t with df > 0 (df = +Inf: normal) */
extern double dist_pt_upper(double t, double df);

/* upper tail P(X > x) of chi-square with df > 0 */
extern double dist_pchisq_upper(double x, double df);

/* upper tail P(F > f) of F(df1, df2), 1e-3 <= df1 <= 1e15, df2 >= 1e-3 (may be +Inf) */
extern double dist_pf_upper(double f, double df1, double df2);



/* log(1 + x) - x, accurate near 0, for x > -1 */
extern double dist_log1pmx(double x);
#endif							/* BAROMETER_DIST_H */
