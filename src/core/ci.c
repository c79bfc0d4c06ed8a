/*
 * ci.c - interval methods for a proportion (and the Wald interval of a
 * mean), R survey 4.1.1 svyciprop conventions plus count-based methods.
 *
 * Notation: p estimate, V its design variance, alpha = 1 - level,
 * t = qt(1 - alpha/2, df) (qnorm when df = Inf), n rows, n+ rows with
 * positive weight.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <string.h>

#include "ci.h"
#include "dist.h"

#define HALF_PI 1.57079632679489661923

static const struct
{
	const char *name;
	int			method;
}			ci_names[] =
{
	{"beta", CI_BETA},
	{"korn_graubard", CI_BETA},
	{"logit", CI_LOGIT},
	{"xlogit", CI_XLOGIT},
	{"mean", CI_MEAN},
	{"wald", CI_MEAN},
	{"asin", CI_ASIN},
	{"likelihood", CI_LIKELIHOOD},
	{"wilson", CI_WILSON},
	{"clopper_pearson", CI_CLOPPER_PEARSON},
	{"jeffreys", CI_JEFFREYS},
	{"agresti_coull", CI_AGRESTI_COULL},
};

int
ci_method_parse(const char *name)
{
	size_t		i;

	for (i = 0; i < sizeof(ci_names) / sizeof(ci_names[0]); i++)
		if (strcmp(name, ci_names[i].name) == 0)
			return ci_names[i].method;
	return -1;
}

const char *
ci_method_name(int method)
{
	size_t		i;

	for (i = 0; i < sizeof(ci_names) / sizeof(ci_names[0]); i++)
		if (ci_names[i].method == method)
			return ci_names[i].name;
	return NULL;
}

bool
ci_method_applies(int method, int kind)
{
	return kind == TALLY_PROPORTION || method == CI_MEAN;
}

double
ci_tquantile(double level, double df)
{
	if (isnan(df) || !(df > 0))
		return NAN;
	return dist_qt(1.0 - (1.0 - level) / 2.0, df);
}

static inline double
expit(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

static inline double
clamp01(double x)
{
	return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
}

/*
 * Count-based intervals for x successes out of n (both may be fractional:
 * the design's effective sample size), statsmodels proportion_confint
 * conventions, z = qnorm(1 - alpha/2):
 *   wilson: (p + z^2/2n)/(1 + z^2/n) -/+ z sqrt(p(1-p)/n + z^2/4n^2)/(1 + z^2/n)
 *   clopper_pearson: qbeta(alpha/2, x, n-x+1), qbeta(1-alpha/2, x+1, n-x);
 *       0 at x = 0, 1 at x = n
 *   jeffreys: qbeta(alpha/2 and 1-alpha/2, x + 1/2, n - x + 1/2)
 *   agresti_coull: n~ = n + z^2, p~ = (x + z^2/2)/n~, p~ -/+ z sqrt(p~(1-p~)/n~),
 *       clipped to [0, 1]
 * Requires n > 0 and 0 <= x <= n.
 */
static bool
ci_counts(int method, double x, double n, double alpha,
		  double *lower, double *upper)
{
	double		p = x / n;
	double		z,
				z2,
				c,
				d;

	if (!(n > 0) || x < 0 || x > n)
		return false;
	switch (method)
	{
		case CI_WILSON:
			z = dist_qnorm(1 - alpha / 2);
			z2 = z * z;
			d = 1 + z2 / n;
			c = (p + z2 / (2 * n)) / d;
			d = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / d;
			*lower = c - d;
			*upper = c + d;
			break;
		case CI_AGRESTI_COULL:
			z = dist_qnorm(1 - alpha / 2);
			z2 = z * z;
			n = n + z2;
			c = (x + z2 / 2) / n;
			d = z * sqrt(c * (1 - c) / n);
			*lower = c - d;
			*upper = c + d;
			break;
		case CI_JEFFREYS:
			*lower = dist_qbeta(alpha / 2, x + 0.5, n - x + 0.5);
			*upper = dist_qbeta(1 - alpha / 2, x + 0.5, n - x + 0.5);
			break;
		default:				/* clopper_pearson and the boundary rule */
			*lower = x == 0 ? 0.0 : dist_qbeta(alpha / 2, x, n - x + 1);
			*upper = x == n ? 1.0 : dist_qbeta(1 - alpha / 2, x + 1, n - x);
			break;
	}
	return !isnan(*lower) && !isnan(*upper);
}

/*
 * Kullback-Leibler divergence of Bernoulli(q) from Bernoulli(p), 0 < p < 1:
 * p log(p/q) + (1-p) log((1-p)/(1-q)).  Near p the linear terms cancel, so
 * there it is evaluated as -p log1pmx(d/p) - (1-p) log1pmx(-d/(1-p)) with
 * d = q - p; far from p (where d/p may round to -1) the logs are direct.
 */
static double
bernoulli_kl(double p, double q)
{
	double		d = q - p;

	if (q <= 0.0 || q >= 1.0)
		return INFINITY;
	if (fabs(d) < 0.5 * fmin(p, 1 - p))
		return -p * dist_log1pmx(d / p) - (1 - p) * dist_log1pmx(-d / (1 - p));
	return p * (log(p) - log(q)) + (1 - p) * (log1p(-p) - log1p(-q));
}

/* the root of KL(p, q) = K on one side of p, by bisection on the logit */
static double
kl_root(double p, double K, int side)
{
	double		eta0 = log(p / (1 - p));
	double		inner = eta0,
				outer,
				step = 1.0;
	int			i;

	/* bracket: KL grows without bound away from p */
	for (;;)
	{
		outer = eta0 + side * step;
		if (bernoulli_kl(p, expit(outer)) > K || step > 1e3)
			break;
		inner = outer;
		step *= 2;
	}
	for (i = 0; i < 200; i++)
	{
		double		mid = 0.5 * (inner + outer);

		if (mid == inner || mid == outer)
			break;
		if (bernoulli_kl(p, expit(mid)) > K)
			outer = mid;
		else
			inner = mid;
	}
	return expit(0.5 * (inner + outer));
}

/*
 * The Korn-Graubard (1998) effective sample size of R svyciprop(method =
 * "beta"): p(1-p)/V * (qt(alpha/2, nrow - 1) / qt(alpha/2, df))^2, nrow =
 * n, the rows with an answer: R's nrow(subset(design, !is.na(y))), the
 * design whose degf is the tally's df; qnorm for df = Inf.  (R's
 * svyciprop(~y, design, na.rm = TRUE) keeps the rows with a missing answer
 * in nrow(design) and in degf(design); barometer takes both from the same
 * subset of answered rows, so nrow and df describe one design.)  At p = 0 or 1 the interval is
 * Clopper-Pearson on the rows of positive weight, whose n is n+.  NaN when
 * undefined: df <= 0, nrow < 2, V undefined or 0 inside (0, 1).
 */
double
ci_kg_n_eff(const TallySummary *s, double level, double df)
{
	double		alpha = 1.0 - level;
	double		p = s->estimate,
				a;

	if (isnan(p) || s->kind != TALLY_PROPORTION)
		return NAN;
	if (s->boundary)
		return s->n_pos > 0 ? s->n_pos : NAN;
	if (isnan(df) || !(df > 0) || !(s->n > 1) || !(s->variance > 0))
		return NAN;
	a = dist_qt(alpha / 2, s->n - 1) /
		(isinf(df) ? dist_qnorm(alpha / 2) : dist_qt(alpha / 2, df));
	return p * (1 - p) / s->variance * a * a;
}

/*
 * Interval for the tally summary s.
 *
 * Proportions at exactly 0 or 1 (V = 0; R returns NaN for every method but
 * mean): every method except mean gives its count-based form with n = n+
 * rows of positive weight; for beta, logit, xlogit, asin and likelihood that
 * is the Clopper-Pearson interval [0, upper] or [lower, 1], as the NCHS
 * presentation standard (Parker et al. 2017) prescribes.  mean keeps R's
 * degenerate [p, p].
 */
bool
ci_compute(const TallySummary *s, double level, int method, double df,
		   double *lower, double *upper)
{
	double		alpha = 1.0 - level;
	double		p = s->estimate;
	double		V = s->variance;
	double		pq,
				t,
				half,
				neff,
				a;
	bool		ok;
	bool		prop = s->kind == TALLY_PROPORTION;

	*lower = *upper = NAN;
	if (isnan(p))
		return false;

	if (prop && s->boundary && method != CI_MEAN)
	{
		int			m = method;

		if (m != CI_WILSON && m != CI_JEFFREYS && m != CI_AGRESTI_COULL)
			m = CI_CLOPPER_PEARSON;
		ok = ci_counts(m, p * s->n_pos, s->n_pos, alpha, lower, upper);
		goto done;
	}
	if (isnan(V))
		return false;
	pq = p * (1 - p);

	switch (method)
	{
		case CI_MEAN:

			/*
			 * Wald, R svyciprop(method = "mean") and confint(svymean):
			 * p -/+ t sqrt(V).  R does not clip a proportion's interval to
			 * [0, 1]; barometer does.
			 */
			t = ci_tquantile(level, df);
			if (isnan(t))
				return false;
			*lower = p - t * sqrt(V);
			*upper = p + t * sqrt(V);
			if (!prop)
				return true;
			ok = true;
			break;

		case CI_LOGIT:
		case CI_XLOGIT:

			/*
			 * xlogit: expit(logit(p) -/+ t sqrt(V) / (p(1-p))) (delta method,
			 * svycontrast).  logit is R's Wald interval of the intercept of
			 * svyglm(y ~ 1, family = quasibinomial), whose estimate is
			 * logit(p) and whose sandwich variance is V / (p(1-p))^2: the same
			 * closed form, which R reaches only up to the convergence of its
			 * iterations (about 1e-8).  On a replicate design R refits the
			 * model on every replicate, so logit uses the replicates'
			 * variance of logit(p_r) (var_logit) instead of the delta method.
			 */
			t = ci_tquantile(level, df);
			if (isnan(t))
				return false;
			half = t * sqrt(V) / pq;
			/* R's logit on a replicate design: the spread of the replicate logits */
			if (method == CI_LOGIT && !isnan(s->var_logit))
				half = t * sqrt(s->var_logit);
			*lower = expit(log(p / (1 - p)) - half);
			*upper = expit(log(p / (1 - p)) + half);
			ok = true;
			break;

		case CI_ASIN:

			/*
			 * sin^2(asin(sqrt p) -/+ t sqrt(V) / (2 sqrt(p(1-p)))).  The angle
			 * is clamped to [0, pi/2] before squaring the sine; R folds it
			 * back instead, which gives a lower bound above p when the angle
			 * goes below 0.
			 */
			t = ci_tquantile(level, df);
			if (isnan(t))
				return false;
			a = asin(sqrt(p));
			half = t * sqrt(V) / (2 * sqrt(pq));
			*lower = a - half <= 0 ? 0.0 : pow(sin(a - half), 2);
			*upper = a + half >= HALF_PI ? 1.0 : pow(sin(a + half), 2);
			ok = true;
			break;

		case CI_BETA:

			/*
			 * Korn-Graubard (1998), R svyciprop(method = "beta"):
			 * n_eff = p(1-p)/V * (qt(alpha/2, n-1) / qt(alpha/2, df))^2,
			 * [qbeta(alpha/2, n_eff p, n_eff (1-p) + 1),
			 *  qbeta(1-alpha/2, n_eff p + 1, n_eff (1-p))].
			 * n is the rows of the (domain) design, R's nrow(design) of
			 * subset(design, !is.na(y)): rows with a missing answer do not
			 * count, as they do not count in the df either (R's
			 * svyciprop(na.rm = TRUE) on the full design counts them in
			 * both; see ci_kg_n_eff).  R ignores its df
			 * argument here and always uses degf(design); barometer uses
			 * the df it is given (the design df by default).  V = 0 with p
			 * strictly inside (0, 1) gives an infinite n_eff, where R's
			 * qbeta returns NaN: NULL.
			 */
			neff = ci_kg_n_eff(s, level, df);
			if (isnan(neff))
				return false;
			*lower = dist_qbeta(alpha / 2, neff * p, neff * (1 - p) + 1);
			*upper = dist_qbeta(1 - alpha / 2, neff * p + 1, neff * (1 - p));
			ok = !isnan(*lower) && !isnan(*upper);
			break;

		case CI_LIKELIHOOD:

			/*
			 * R svyciprop(method = "likelihood"): the profile likelihood of
			 * the quasibinomial intercept-only fit with Rao-Scott scaling.
			 * With svyglm's normalised weights the deviance is
			 * 2 n KL(p, q); the interval is {q : 2 n KL(p, q) / phi <= c^2},
			 * c = t sqrt(lambda), lambda = V n / (p(1-p)) (sandwich over
			 * model-based variance), phi the Pearson dispersion (n+/(n+-1)).  So
			 * KL(p, q) <= phi t^2 V / (2 p (1-p)).  R interpolates a spline
			 * through at most 19 profile points; barometer solves the
			 * equation to full precision.
			 */
			t = ci_tquantile(level, df);
			if (isnan(t) || isnan(s->phi) || !(s->phi > 0) || !(V >= 0))
				return false;
			/*
			 * V = 0 inside (0, 1) (a domain sampled completely, or replicates
			 * that all agree): the degenerate [p, p] of logit, xlogit, asin
			 * and mean, not NULL.
			 */
			if (V == 0 && (isnan(s->var_logit) || s->var_logit == 0))
			{
				*lower = *upper = p;
				ok = true;
				break;
			}
			a = s->phi * t * t * V / (2 * pq);
			/* replicate designs: lambda from the replicate logits' variance */
			if (!isnan(s->var_logit))
				a = s->phi * t * t * s->var_logit * pq / 2;
			*lower = kl_root(p, a, -1);
			*upper = kl_root(p, a, +1);
			ok = true;
			break;

		default:

			/*
			 * Count-based methods on the design's effective sample size
			 * n* = n+ / deff = s^2 / V (deff as R's deff = "replace") with
			 * x* = p n*; for unweighted data without missing rows n* = n
			 * and x* = the count, so they equal statsmodels'
			 * proportion_confint.
			 */
			if (!(V > 0) || isnan(s->s2))
				return false;
			neff = s->s2 / V;
			ok = ci_counts(method, p * neff, neff, alpha, lower, upper);
			break;
	}

done:
	if (!ok)
		return false;
	*lower = clamp01(*lower);
	*upper = clamp01(*upper);
	return true;
}
