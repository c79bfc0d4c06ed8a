/*
 * tally_core.c - accumulate, merge, check and summarise a tally.
 *
 * Weights-only design (R: svydesign(ids = ~1, weights = ~w); every row is
 * its own PSU, one stratum).  The tally of a variable y is R's domain of the
 * rows where y is not missing (subset(design, !is.na(y))): rows with missing
 * y stay in the design as PSUs with zero score.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <float.h>
#include <string.h>

#include "tally_core.h"

void
tally_core_init(TallyCore *t, TallyKind kind)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
}

/*
 * Add one row with weight w >= 0 (finite, checked by the caller).  Every
 * product is formed exactly (TwoProd) and summed with compensation, so the
 * centred sums computed at the end do not suffer from cancellation even for
 * numbers far from zero (years, incomes).
 */
void
tally_core_add(TallyCore *t, double y, double w)
{
	if (t->kind == TALLY_PROPORTION)
	{
		tally_core_add_prop(t, y != 0.0, w);
		return;
	}
	tally_core_add_num(t, y, w);
}

/* a finished state: a proportion's sums of y^2 are its sums of y; normalised */
void
tally_core_finish(TallyCore *t)
{
	if (t->kind == TALLY_PROPORTION)
	{
		t->s[S_WYY] = t->s[S_WY];
		t->s[S_WWYY] = t->s[S_WWY];
	}
	tally_core_normalize(t);
}

void
tally_core_add_num(TallyCore *t, double y, double w)
{
	dd_t		wy,
				wyy,
				ww,
				wwy,
				wwyy;

	t->n++;
	if (w == 0.0)
		return;
	t->n_pos++;

	ww = dd_two_sqr(w);
	dd_acc(&t->s[S_W], w);
	dd_acc_dd(&t->s[S_WW], ww);
	if (y == 0.0)
		return;

	wy = dd_two_prod(w, y);
	wyy = dd_two_prod(wy.hi, y);
	wyy.lo += wy.lo * y;
	wwy = dd_two_prod(ww.hi, y);
	wwy.lo += ww.lo * y;
	wwyy = dd_two_prod(wwy.hi, y);
	wwyy.lo += wwy.lo * y;

	dd_acc_dd(&t->s[S_WY], wy);
	dd_acc_dd(&t->s[S_WYY], wyy);
	dd_acc_dd(&t->s[S_WWY], wwy);
	dd_acc_dd(&t->s[S_WWYY], wwyy);
}

void
tally_core_add_missing(TallyCore *t)
{
	t->n_missing++;
}

/*
 * Counts of merged states add with saturation at INT64_MAX (they are never
 * negative in a checked state): a merge past the range is then refused by
 * tally_core_check ("out of range") instead of wrapping around.
 */
int64_t
tally_count_add(int64_t a, int64_t b)
{
	if (a < 0 || b < 0 || b > INT64_MAX - a)
		return INT64_MAX;
	return a + b;
}

/* exact merge: counts add, compensated sums add (caller checks the kinds) */
void
tally_core_merge(TallyCore *into, const TallyCore *from)
{
	int			i;

	into->n = tally_count_add(into->n, from->n);
	into->n_missing = tally_count_add(into->n_missing, from->n_missing);
	into->n_pos = tally_count_add(into->n_pos, from->n_pos);
	/* a count unknown on either side (a value stored before 0.2) stays unknown */
	if (into->n_true < 0 || from->n_true < 0)
		into->n_true = TALLY_N_TRUE_UNKNOWN;
	else
		into->n_true = tally_count_add(into->n_true, from->n_true);
	for (i = 0; i < TALLY_NSUMS; i++)
		into->s[i] = dd_add(into->s[i], from->s[i]);
}

/* bring every sum to the canonical form hi == fl(hi + lo) */
void
tally_core_normalize(TallyCore *t)
{
	int			i;

	for (i = 0; i < TALLY_NSUMS; i++)
		t->s[i] = dd_norm(t->s[i]);
}

const char *
tally_kind_name(int kind)
{
	switch (kind)
	{
		case TALLY_PROPORTION:
			return "proportion";
		case TALLY_MEAN:
			return "mean";
		case TALLY_RATIO:
			return "ratio";
	}
	return NULL;
}

/*
 * a <= b up to a few units of rounding of the larger magnitude, plus an
 * absolute slack for the sums whose terms underflowed (see below).
 */
static inline bool
le_tol(double a, double b, double slack)
{
	return a <= b + 64.0 * DBL_EPSILON * fmax(fabs(a), fabs(b)) + slack;
}

/*
 * Underflow.  The products of a row (w^2, w y, w y^2, w^2 y, w^2 y^2) are
 * formed exactly by TwoProd as long as they stay above the subnormal range;
 * below it (a weight of 1e-160 has a subnormal square, a value of 1e-310 is
 * subnormal itself) each product can be off by a few units of the smallest
 * subnormal U = 2^-1074, and a product of such a term with y by |y| times
 * that.  A sum of n rows is then off by up to n E absolutely, with E the
 * per-row bound below (|y| <= TALLY_MAX_VALUE, as the aggregates check).
 * The consistency checks allow for that, so that every tally the aggregates
 * can make passes them; for sums well above the subnormal range the slack
 * is far below the relative tolerance and changes nothing.
 */
#define TALLY_U			(4.0 * 0x1p-1074)
#define TALLY_MAX_VALUE 1e75

static double
row_error(int which, int kind)
{
	double		y = kind == TALLY_PROPORTION ? 1.0 : TALLY_MAX_VALUE;

	/* a ratio's sums are all products of two or more row values */
	if (kind == TALLY_RATIO)
		return which == S_WYY ? 0.0 : TALLY_U * (2.0 + 2.0 * y + y * y);
	switch (which)
	{
		case S_W:
			return 0.0;
		case S_WW:
		case S_WY:
			return TALLY_U;
		case S_WYY:
		case S_WWY:
			return TALLY_U * (2.0 + y);
		default:
			return TALLY_U * (2.0 + 2.0 * y + y * y);
	}
}

/* the absolute error bound of a sum over n rows */
static double
sum_error(int which, int kind, int64_t n)
{
	return row_error(which, kind) * ((double) n + 1.0);
}

/*
 * Slack of x y <= z w given the error bounds of the four factors (ex of x,
 * ...): |x| ey + |y| ex + ex ey on the left, |z| ew + |w| ez + ez ew on the
 * right, and a unit of rounding of each product.
 */
static double
product_slack(double x, double ex, double y, double ey,
			  double z, double ez, double w, double ew)
{
	return fabs(x) * ey + fabs(y) * ex + ex * ey +
		fabs(z) * ew + fabs(w) * ez + ez * ew + 2.0 * TALLY_U;
}

/*
 * x y <= z w (up to le_tol with the given slack), also when a product
 * overflows: then the larger factor of each product is scaled by 2^-600.
 */
static double
scaled_product(double x, double y, bool scale)
{
	if (!scale)
		return x * y;
	if (fabs(x) >= fabs(y))
		return (x * 0x1p-600) * y;
	return x * (y * 0x1p-600);
}

static bool
prod_le(double x, double y, double z, double w, double slack)
{
	bool		big = isinf(x * y) || isinf(z * w);

	return le_tol(scaled_product(x, y, big), scaled_product(z, w, big),
				  big ? slack * 0x1p-600 : slack);
}

/* the sums and counts are in range (finite, counts within INT64_MAX / 4) */
const char *
tally_core_range_check(const TallyCore *t)
{
	static const char *const overflow[TALLY_NSUMS] = {
		"The sum of the weights (sw) is not finite.",
		"The sum of w y (swy) is not finite.",
		"The sum of w y^2 (swyy) is not finite.",
		"The sum of the squared weights (sww) is not finite.",
		"The sum of w^2 y (swwy) is not finite.",
		"The sum of w^2 y^2 (swwyy) is not finite."
	};
	int			i;

	if (t->n > INT64_MAX / 4 || t->n_missing > INT64_MAX / 4 || t->n_pos > INT64_MAX / 4)
		return "Row counts are out of range (at most 2305843009213693951 rows).";
	for (i = 0; i < TALLY_NSUMS; i++)
		if (!isfinite(t->s[i].hi) || !isfinite(t->s[i].lo))
			return overflow[i];
	return NULL;
}

/*
 * A ratio tally (ratio_core.h) with rows of positive weight: S_W = sum w x
 * may be 0 (every x 0), S_WYY = sum w is positive; Cauchy-Schwarz on the
 * terms u = w x and v = w y over the n_pos rows: (sum u)^2 <= n_pos sum
 * u^2 <= n_pos (sum u)^2 (u >= 0), (sum u v)^2 <= sum u^2 sum v^2.
 */
static const char *
ratio_check(const TallyCore *t, const double *v, const double *e)
{
	if (!(v[S_WYY] > 0) || v[S_WWYY] < 0)
		return "A ratio with rows of positive weight must have a positive sum of weights (swyy).";
	if (!prod_le(1.0, v[S_WW], v[S_W], v[S_W], e[S_WW] + TALLY_U) ||
		!prod_le(v[S_W], v[S_W], v[S_WW], (double) t->n_pos,
				 e[S_WW] * (double) t->n_pos + TALLY_U))
		return "The sum of squared denominator terms is inconsistent with their sum and the row count.";
	if (!prod_le(v[S_WWY], v[S_WWY], v[S_WW], v[S_WWYY],
				 product_slack(v[S_WWY], e[S_WWY], v[S_WWY], e[S_WWY],
							   v[S_WW], e[S_WW], v[S_WWYY], e[S_WWYY])))
		return "The sums of squared terms of a ratio are inconsistent (Cauchy-Schwarz).";
	return NULL;
}

/*
 * The count of TRUE answers: a proportion's is unknown (-1) or in [0, n],
 * and at its ends agrees with the sums: no TRUE row has no sum w y, and
 * when every row is TRUE the sums of w y and w^2 y are those of w and w^2,
 * bit for bit (the aggregates add the same terms to both).  A mean or a
 * ratio counts none.
 */
static const char *
n_true_problem(const TallyCore *t)
{
	if (t->kind != TALLY_PROPORTION)
		return t->n_true == 0 ? NULL : "A mean or a ratio has no count of TRUE answers.";
	if (t->n_true == TALLY_N_TRUE_UNKNOWN)
		return NULL;
	if (t->n_true < 0 || t->n_true > t->n)
		return "The count of TRUE answers must lie in [0, n] (or be unknown).";
	if (t->n_true == 0 &&
		(t->s[S_WY].hi != 0 || t->s[S_WY].lo != 0 || t->s[S_WWY].hi != 0 || t->s[S_WWY].lo != 0))
		return "A proportion without TRUE answers must have zero sums of w y.";
	if (t->n_true == t->n && t->n > 0 &&
		(t->s[S_WY].hi != t->s[S_W].hi || t->s[S_WY].lo != t->s[S_W].lo ||
		 t->s[S_WWY].hi != t->s[S_WW].hi || t->s[S_WWY].lo != t->s[S_WW].lo))
		return "A proportion whose answers are all TRUE must have sums of w y equal to those of w.";
	return NULL;
}

/*
 * Consistency of a stored tally (text or binary input, or any state that
 * came from outside).  Returns NULL when the state could have been produced
 * by the aggregates, otherwise a sentence saying what is wrong.
 */
const char *
tally_core_check(const TallyCore *t)
{
	double		v[TALLY_NSUMS],
				e[TALLY_NSUMS];
	const char *problem;
	int			i;

	if (tally_kind_name(t->kind) == NULL)
		return "The kind must be proportion, mean or ratio.";
	if (t->reserved != 0)
		return "The reserved field must be zero.";
	if (t->n < 0 || t->n_missing < 0 || t->n_pos < 0)
		return "Row counts must not be negative.";
	if (t->n_pos > t->n)
		return "The count of rows with positive weight exceeds the count of rows.";
	if ((problem = n_true_problem(t)) != NULL)
		return problem;
	problem = tally_core_range_check(t);
	if (problem)
		return problem;
	for (i = 0; i < TALLY_NSUMS; i++)
	{
		if (t->s[i].hi + t->s[i].lo != t->s[i].hi)
			return "A compensated sum is not normalised (hi + lo must round to hi).";
		v[i] = t->s[i].hi;
		e[i] = sum_error(i, t->kind, t->n_pos);
	}
	if (v[S_W] < 0 || v[S_WW] < 0)
		return "Sums of weights must not be negative.";
	if (t->n_pos == 0)
	{
		for (i = 0; i < TALLY_NSUMS; i++)
			if (v[i] != 0.0 || t->s[i].lo != 0.0)
				return "A tally without rows of positive weight must have zero sums.";
		return NULL;
	}
	/* sum w^2 may underflow to 0 (weights below 1e-162), sum w cannot */
	if (t->kind == TALLY_RATIO)
		return ratio_check(t, v, e);
	if (!(v[S_W] > 0))
		return "A tally with rows of positive weight must have positive sums of weights.";
	/* Cauchy-Schwarz: W^2 / n_pos <= sum w^2 <= W^2 */
	if (!prod_le(1.0, v[S_WW], v[S_W], v[S_W], e[S_WW] + TALLY_U) ||
		!prod_le(v[S_W], v[S_W], v[S_WW], (double) t->n_pos,
				 e[S_WW] * (double) t->n_pos + TALLY_U))
		return "The sum of squared weights is inconsistent with the sum of weights and the row count.";
	if (t->kind == TALLY_PROPORTION)
	{
		if (v[S_WY] != v[S_WYY] || t->s[S_WY].lo != t->s[S_WYY].lo ||
			v[S_WWY] != v[S_WWYY] || t->s[S_WWY].lo != t->s[S_WWYY].lo)
			return "A proportion's sums of y and y^2 must be equal.";
		if (v[S_WY] < 0 || v[S_WWY] < 0 ||
			!le_tol(v[S_WY], v[S_W], 0.0) || !le_tol(v[S_WWY], v[S_WW], e[S_WW]))
			return "A proportion's weighted count of TRUE must lie between 0 and the sum of weights.";
	}
	else
	{
		if (v[S_WYY] < 0 || v[S_WWYY] < 0)
			return "Sums of weighted squares must not be negative.";
		if (!prod_le(v[S_WY], v[S_WY], v[S_W], v[S_WYY],
					 product_slack(v[S_WY], e[S_WY], v[S_WY], e[S_WY],
								   v[S_W], 0.0, v[S_WYY], e[S_WYY])) ||
			!prod_le(v[S_WWY], v[S_WWY], v[S_WW], v[S_WWYY],
					 product_slack(v[S_WWY], e[S_WWY], v[S_WWY], e[S_WWY],
								   v[S_WW], e[S_WW], v[S_WWYY], e[S_WWYY])))
			return "The sums of y and y^2 are inconsistent (Cauchy-Schwarz).";
	}
	return NULL;
}

/*
 * Derived quantities, R survey 4.1.1 conventions (svymean.survey.design2,
 * svyrecvar/onestrat, svyvar, degf):
 *
 *   p = sum w y / W
 *   z_i = w_i (y_i - p) / W for the domain rows, 0 for the rows of missing y
 *   V = N/(N-1) sum z_i^2, N = PSUs of the design = n + n_missing; the
 *       centring term N zbar^2 is zero because sum z = 0.  N < 2 is a lonely
 *       PSU: R stops ("fail"); barometer leaves V undefined (SQL NULL).
 *   s^2 = n+/(n+-1) sum w (y-p)^2 / W with n+ rows of positive weight (svyvar)
 *   df = n+ - 1 (distinct PSUs minus strata among rows of non-zero weight)
 *
 * The centred sums are evaluated in double-double from the raw power sums:
 * sum w (y-p)^2 = Swyy - p Swy, sum w^2 (y-p)^2 = Swwyy - 2p Swwy + p^2 Sww.
 *
 * phi is summary.svyglm's dispersion of the intercept-only quasibinomial
 * fit: svyvar of residuals.svyglm(type = "pearson"), r = (y-p)/sqrt(p(1-p))
 * (the prior weights cancel against the sampling weights), that is
 * n+/(n+-1) sum w r^2 / W = n+/(n+-1) for a 0/1 variable.
 */
void
tally_core_summary(const TallyCore *t, TallySummary *s)
{
	dd_t		W = t->s[S_W];
	dd_t		p,
				dev_w,
				dev_ww;
	double		pd,
				q;

	memset(s, 0, sizeof(*s));
	s->kind = t->kind;
	s->n = (double) t->n;
	s->n_pos = (double) t->n_pos;
	s->n_design = (double) (t->n + t->n_missing);
	s->weighted_n = dd_to_double(W);
	if (t->kind == TALLY_RATIO)
		s->weighted_n = dd_to_double(t->s[S_WYY]);	/* ratio_core.h */
	s->df = t->n_pos > 1 ? (double) (t->n_pos - 1) : 0.0;
	s->estimate = NAN;
	s->variance = NAN;
	s->s2 = NAN;
	s->kish_n_eff = NAN;
	s->phi = NAN;
	s->var_logit = NAN;
	if (t->n_pos == 0 || !(W.hi > 0))
		return;

	p = dd_div(t->s[S_WY], W);
	pd = dd_to_double(p);
	s->estimate = pd;
	s->kish_n_eff = dd_to_double(dd_div(dd_mul(W, W), t->s[S_WW]));
	if (t->kind == TALLY_RATIO)
	{
		/*
		 * A ratio (ratio_core.h): R = sum w y / sum w x; V = N/(N-1) sum
		 * w^2 (y - R x)^2 / X^2 from the sums of (w x)^2, (w x)(w y) and
		 * (w y)^2, as for a mean of weight w x.  No Kish n_eff, element
		 * variance or design effect (not kept).
		 */
		s->kish_n_eff = NAN;
		dev_ww = dd_add(dd_sub(t->s[S_WWYY], dd_mul_d(dd_mul(p, t->s[S_WWY]), 2.0)),
						dd_mul(dd_mul(p, p), t->s[S_WW]));
		if (dev_ww.hi < 0)
			dev_ww = dd_from_double(0.0);
		if (s->n_design >= 2)
			s->variance = s->n_design / (s->n_design - 1) *
				dd_to_double(dd_div(dev_ww, dd_mul(W, W)));
		return;
	}

	dev_w = dd_sub(tally_sum(t, S_WYY), dd_mul(p, t->s[S_WY]));
	dev_ww = dd_add(dd_sub(tally_sum(t, S_WWYY), dd_mul_d(dd_mul(p, t->s[S_WWY]), 2.0)),
					dd_mul(dd_mul(p, p), t->s[S_WW]));
	if (dev_w.hi < 0)
		dev_w = dd_from_double(0.0);
	if (dev_ww.hi < 0)
		dev_ww = dd_from_double(0.0);

	if (t->kind == TALLY_PROPORTION)
		s->boundary = (t->s[S_WY].hi == 0.0) ||
			(t->s[S_WY].hi == W.hi && t->s[S_WY].lo == W.lo);

	if (s->n_design >= 2)
	{
		q = dd_to_double(dd_div(dev_ww, dd_mul(W, W)));
		s->variance = s->n_design / (s->n_design - 1) * q;
	}
	if (t->n_pos >= 2)
		s->s2 = s->n_pos / (s->n_pos - 1) * dd_to_double(dd_div(dev_w, W));

	if (t->kind == TALLY_PROPORTION && t->n_pos >= 2)
		s->phi = s->n_pos / (s->n_pos - 1);
}

/*
 * Design effect, R svymean(..., deff = TRUE): V / (s^2 (W - n+) / (W n+));
 * deff = "replace": V / (s^2 / n+).  R gives NA when W < n+ (weights not
 * scaled to the population) and Inf or NaN when the denominator is zero;
 * barometer returns NaN (SQL NULL) for all of these: undefined.
 */
double
tally_deff(const TallySummary *s, bool replace)
{
	double		vsrs;

	if (isnan(s->variance) || isnan(s->s2) || s->n_pos < 2)
		return NAN;
	if (replace)
		vsrs = s->s2 / s->n_pos;
	else
	{
		if (!(s->weighted_n > s->n_pos))
			return NAN;
		vsrs = s->s2 * (s->weighted_n - s->n_pos) / (s->weighted_n * s->n_pos);
	}
	if (!(vsrs > 0))
		return NAN;
	return s->variance / vsrs;
}

/*
 * A variance below the resolution of the data is zero.  The estimate's
 * variance is a sum of squared residuals (y - estimate) or PSU score totals
 * that are zero in exact arithmetic when every unit agrees with the
 * estimate (every PSU of a domain with the same proportion, every value
 * equal); computed from double weights and values they are a few units in
 * the last place instead, and the variance comes out as 1e-34 or so, with
 * an "interval" of width 1e-16 and an infinite effective sample size.  A
 * variance at or below (64 eps)^2 (estimate^2 + s2), a standard error 14
 * digits below the scale of the data, is set to exactly 0 (R keeps the
 * noise: its se is then 1e-17 and its Korn-Graubard interval NaN or wrong).
 */
void
tally_variance_floor(TallySummary *s)
{
	double		scale,
				floor;

	if (!(s->variance > 0) || isnan(s->estimate))
		return;
	scale = s->estimate * s->estimate + (isnan(s->s2) ? 0.0 : s->s2);
	floor = (64 * DBL_EPSILON) * (64 * DBL_EPSILON) * scale;
	if (s->variance <= floor)
		s->variance = 0.0;
}
