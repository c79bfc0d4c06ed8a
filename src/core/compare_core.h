/*
 * compare_core.h - comparisons of two tallies: the covariance of two
 * domain estimates of one design (linearization or replicates), the
 * difference test, multiple-comparison adjustment of p-values.
 * Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_COMPARE_CORE_H
#define BAROMETER_COMPARE_CORE_H

#include "design_core.h"
#include "rep_core.h"
#include "tally_core.h"

/* the 2 x 2 covariance matrix of two domain means of one design */
typedef struct PairCov
{
	DesignStatus status;
	const char *conflict;		/* the designs differ: a sentence */
	double		var_a;
	double		var_b;
	double		cov;
	double		df_union;		/* degf of the union of the two domains */
	int			stage;			/* lonely unit, as DesignVariance */
	int			nlonely;
	char		lonely_key[DESIGN_MAX_REPORTED][64];	/* identifier bytes */
	uint32_t	lonely_len[DESIGN_MAX_REPORTED];
} PairCov;

/*
 * Linearization: R's svyby(covmat = TRUE), the 2-column onestage over the
 * union of the two domains' PSUs, each PSU with both score totals (zero
 * where a domain has no rows).  Both designs must be clustered designs of
 * the same kind and policy; a stratum with different sizes is a conflict.
 */
extern void design_pair_cov(const Design *da, const TallyCore *ca,
							const Design *db, const TallyCore *cb,
							DesignRealloc fn, void *ctx, PairCov *out);

/*
 * Replicates: R's svrVar on the two columns of replicate estimates; a
 * replicate in which either domain has no weight is dropped (na.omit).
 */
extern void rep_pair_cov(const RepAcc *ra, double est_a, const RepAcc *rb,
						 double est_b, PairCov *out);

/*
 * Weights-only, a is a part of b (every row of a is a row of b), in a
 * sample of N rows: Cov = N/(N-1) sum_{i in a} w^2 (y - p_a)(y - p_b) / (W_a W_b).
 */
extern double wonly_part_cov(const TallyCore *a, const TallyCore *b, double N);

/* the result of a difference test */
typedef struct DiffResult
{
	double		difference;
	double		se;
	double		ci_lower;
	double		ci_upper;
	double		statistic;
	double		df;
	double		p_value;
} DiffResult;

/*
 * difference = est_a - est_b, V = var_a + var_b - 2 cov (negative rounding
 * clamped to 0), t = difference / se, p = 2 P(T_df > |t|) (normal when df
 * is infinite), interval difference -/+ t_{1-alpha/2, df} se.  NaN fields
 * are undefined (se 0, df <= 0).
 */
extern void diff_compute(double est_a, double est_b, double var_a, double var_b,
						 double cov, double df, double level, DiffResult *out);

typedef enum PAdjustMethod
{
	PADJ_BONFERRONI = 0,
	PADJ_HOLM = 1,
	PADJ_BH = 2
} PAdjustMethod;

#define PADJ_METHOD_NAMES "bonferroni, holm, BH (alias fdr)"

extern int	p_adjust_parse(const char *name);

/*
 * R's p.adjust: p[0..n-1] with NaN for NA (kept as NaN, not counted);
 * result into out[] (may alias p); work holds p_adjust_work_bytes(n) from
 * the host's allocator (the sort polls core_check_interrupts).  O(n log n).
 * Returns 0.
 */
extern int	p_adjust(const double *p, int n, int method, double *out, void *work);

/* the bytes of p_adjust's work space for n p-values */
extern size_t p_adjust_work_bytes(int n);

#endif							/* BAROMETER_COMPARE_CORE_H */
