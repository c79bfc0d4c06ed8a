/*
 * distr_core.h - whole distributions: the K categories of one item (answers
 * 1..5, "geen mening", ...) as K category tallies of one domain and one
 * design, their full covariance matrix (R: vcov(svymean(~factor(item),
 * design))), the cross-covariance of two groups of one sample (R:
 * svyby(~factor(item), ~group, design, svymean, covmat = TRUE)) and the
 * Wald test that two distributions are equal.  Plain C, no PostgreSQL
 * headers; variances come from var_core (linearization and replicates) or
 * from the closed forms the tallies of the same design kind use.
 *
 * A category tally k is exactly tally(item = k, w, <design>) over the rows
 * of the domain (rows whose item is missing or an excluded category are
 * missing, so the denominator is the categories of the distribution): the
 * K tallies share every design record except the sums of w y.
 *
 * References: R survey 4.1.1 svymean on a factor, svyby(covmat = TRUE),
 * svycontrast, svyrecvar, svrVar; Rao and Scott (1984) for the Wald test
 * of a vector of proportions.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_DISTR_CORE_H
#define BAROMETER_DISTR_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "chisq_core.h"
#include "design_core.h"
#include "rep_core.h"
#include "tally_core.h"

/* one category's tally, viewed */
typedef struct DistrPart
{
	const TallyCore *core;
	const Design *d;
	const RepAcc *r;
} DistrPart;

/*
 * The K parts describe one distribution: proportions, one design, the same
 * rows and weights (everything but the sums of w y is equal), and the
 * categories' weight adds up to the total weight.  NULL or a sentence.
 */
extern const char *distr_check(const DistrPart *parts, uint32_t K);

/* the outcome of a covariance computation */
typedef struct DistrCov
{
	DesignStatus status;
	const char *conflict;		/* two groups of different designs: a sentence */
	double		df;				/* degf of the (union of the) domain(s) */
	int			stage;			/* lonely units, as DesignVariance */
	int			nlonely;
	char		lonely_key[DESIGN_MAX_REPORTED][64];	/* identifier bytes */
	uint32_t	lonely_len[DESIGN_MAX_REPORTED];
} DistrCov;

/*
 * The covariance of the G K proportions of G distributions (G = 1: one
 * distribution; G = 2: two disjoint groups of one sample, R's
 * svyby(covmat = TRUE)), all of the same design kind, into V (GK x GK,
 * row-major, group-major: index g K + k).
 *   strata and PSUs (one or two stages): var_linearized on the GK score
 *     columns of the union of the groups' PSUs (absent: zero scores);
 *   replicates: var_replicate on the GK columns a_rk / b_r;
 *   weights only (whole sample or domain of n_sample rows) and strata
 *     without clusters: the closed forms of the single tallies, with the
 *     crossproducts of two categories of a row being zero (a row has one
 *     category, a row belongs to one group).
 * Undefined entries are NaN (status DESIGN_UNDEFINED).  Memory from fn/ctx;
 * polls core_check_interrupts().
 */
extern void distr_cov(const DistrPart *const *groups, uint32_t G, uint32_t K,
					  double *V, DistrCov *out, DesignRealloc fn, void *ctx);

/* the result of the test that two distributions are equal */
typedef struct DistrTest
{
	double		chisq;			/* Wald X^2 = d' V^-1 d on K - 1 categories */
	double		ndf;			/* K - 1 */
	double		p_chisq;		/* P(chi2_ndf > X^2) */
	double		f;				/* X^2 / ndf */
	double		ddf;			/* design df; NaN: none (independent samples) */
	double		p_f;			/* P(F(ndf, ddf) > f) */
} DistrTest;

/*
 * The Wald test of d = p_a - p_b on the first K - 1 categories (the last
 * is their complement) with covariance S (K x K): X^2 = d' S^-1 d by
 * Cholesky; S not positive definite (a category empty in both, or no
 * variance): every field NaN, returns false.  work: K (K + 1) doubles.
 */
extern bool distr_wald(const double *d, const double *S, uint32_t K, double ddf,
					   double *work, DistrTest *out);

/*
 * R's svychisq(~item + group, subset(design, group %in% c(a, b))) on the
 * K x 2 table of two disjoint groups of one sample, from their category
 * tallies: cell (k, g) holds group g's category k (k + K g, row index
 * fastest, as chisq_core.h); N = the rows of both groups with a category,
 * nu = degf of the two groups (replicates: R's degf of their union, the
 * rank of the replicate weights of both groups' rows - 1, from the
 * category tallies' Gram matrices; a spec df wins).  Strata and
 * PSUs (one stage) and replicate weights only: *supported is false for
 * other designs.  Lonely strata are reported in info as by distr_cov.
 */
extern ChisqStatus distr_chisq(const DistrPart *a, const DistrPart *b, uint32_t K,
							   int statistic, DesignRealloc fn, void *ctx,
							   ChisqResult *res, DistrCov *info, bool *supported);

#endif							/* BAROMETER_DISTR_CORE_H */
