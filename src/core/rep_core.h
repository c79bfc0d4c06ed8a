/*
 * rep_core.h - replicate-weight designs (R svrepdesign / svrVar): the
 * replication method with its scales, and the per-replicate sums of a
 * tally's domain.  Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_REP_CORE_H
#define BAROMETER_REP_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "dd.h"
#include "tally_core.h"

typedef enum RepMethod
{
	REP_NONE = 0,
	REP_JK1 = 1,
	REP_JKN = 2,
	REP_BRR = 3,
	REP_FAY = 4,
	REP_BOOTSTRAP = 5,
	REP_SDR = 6,
	REP_OTHER = 7
} RepMethod;

#define REP_METHOD_NAMES "jk1, jkn, brr, fay, bootstrap, sdr, other"

/* how the replicates were made and how their spread becomes a variance */
typedef struct RepSpec
{
	int32_t		method;			/* RepMethod */
	uint32_t	nrep;			/* number of replicates R */
	int32_t		mse;			/* centre at the full-sample estimate */
	int32_t		has_rscales;	/* per-replicate scales given */
	double		scale;			/* overall scale */
	double		rho;			/* Fay's rho (0 otherwise) */
	double		df;				/* design df; NaN = R - 1 */
} RepSpec;

/*
 * R's df of the domain, the qr rank of its replicate weights minus 1
 * (rep_rank_core.c).  Zero-initialised: not tracked, df R - 1.
 */
typedef enum RepRankState
{
	REP_RANK_NONE = 0,			/* not tracked: df R - 1 (values stored
								 * before 0.2, R > REP_GRAM_MAX_R, a df
								 * given in the spec) */
	REP_RANK_KNOWN = 1,			/* rank known; gram kept while rank < R */
	REP_RANK_OPEN = 2			/* an accumulator summing gram */
} RepRankState;

/* the most replicates for which the Gram matrix is kept */
#define REP_GRAM_MAX_R 100

/* the per-replicate sums of a domain */
typedef struct RepAcc
{
	RepSpec		spec;
	double	   *rscales;		/* nrep entries (1 when not given) */
	dd_t	   *a;				/* sum w_r y */
	dd_t	   *b;				/* sum w_r */
	int32_t		rank_state;		/* RepRankState */
	int32_t		rank;			/* REP_RANK_KNOWN: the rank, 0 to nrep */
	double	   *gram;			/* R(R+1)/2: the upper triangle of W'W row
								 * by row (REP_RANK_OPEN, or KNOWN below R) */
	double	   *run;			/* REP_RANK_OPEN: a run of proportional rows */
	double		run_ss;
	int32_t		run_j0;			/* first non-zero of run; -1: no run */
	uint32_t	nruns;			/* runs added to gram (rep_rank_due) */
	uint32_t	next_check;
} RepAcc;

extern int	rep_method_parse(const char *name);
extern const char *rep_method_name(int method);

/*
 * Complete a user's specification: default scale by method (R svrepdesign
 * for supplied replicate weights), check what the method needs.  Returns
 * NULL or a sentence.
 */
extern const char *rep_spec_complete(RepSpec *spec, const double *rscales);

/* add one domain row: y, and its R replicate weights */
extern void rep_add(RepAcc *r, double y, const double *repw);
extern void rep_add_f4(RepAcc *r, double y, const float *repw);

extern void rep_merge(RepAcc *into, const RepAcc *from);
extern bool rep_spec_equal(const RepSpec *a, const double *ra,
						   const RepSpec *b, const double *rb);
extern const char *rep_check(const RepAcc *r, const TallyCore *core);
extern const char *rep_range_check(const RepAcc *r);

/*
 * R svrVar: theta_r = a_r / b_r over replicates with b_r > 0 (others are
 * dropped, R's na.action), V = scale sum_r rscale_r (theta_r - c)^2 with c
 * the mean of the kept theta_r, or the full-sample estimate when mse.
 * Returns NaN when no replicate is kept.
 */
extern double rep_variance(const RepAcc *r, double estimate);

/*
 * The same on the logit scale, the variance of the intercept of R's
 * svyglm(y ~ 1, family = quasibinomial) on a replicate design (replicate
 * coefficients logit(theta_r)); NaN when a kept replicate has theta_r at 0
 * or 1.
 */
extern double rep_variance_logit(const RepAcc *r, double estimate);
extern double rep_df(const RepAcc *r);

#endif							/* BAROMETER_REP_CORE_H */
