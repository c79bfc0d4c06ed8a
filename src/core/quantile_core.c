/*
 * quantile_core.c - the quantile rule, Woodruff's interval and the rank of
 * a replicate-weight matrix (see quantile_core.h).
 *
 * References: R survey 4.1.1, svyquantile.survey.design and
 * svyquantile.svyrep.design (defaults qrule = "math", interval.type =
 * "mean"), qrule_math, qs, woodruffCI, degf.svyrep.design; R's qr() with
 * LAPACK = FALSE (LINPACK dqrdc2, Householder with limited pivoting).
 * Woodruff, R. S. (1952), Confidence intervals for medians and other
 * position measures, JASA 47, 635-646.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <string.h>

#include "dist.h"
#include "guard_core.h"
#include "quantile_core.h"

/*
 * R's cumsum and sum accumulate in long double and round each result to
 * double; doing the same keeps the comparisons of qs() (cumw <= p W,
 * p - cumw/W == 0) on the same side as in R.
 */
double
quantile_cumsum(const double *w, size_t n, double *cumw)
{
	long double s = 0.0L;
	size_t		i;
	uint32_t	tick = 0;

	for (i = 0; i < n; i++)
	{
		s += (long double) w[i];
		cumw[i] = (double) s;
		core_poll(&tick);
	}
	return (double) s;
}

/*
 * qs(x, w, p) then qrule_math: pos = last(cumw <= p * sum(w)), with R's
 * last() giving the first element when none qualifies; posnext = pos + 1
 * except at the end; the value at pos when wlow = p - cumw[pos]/sum(w) is
 * exactly 0, else the value at posnext.
 */
double
quantile_rule_math(const double *x, const double *cumw, size_t n, double W, double p)
{
	double		t = p * W;
	size_t		lo = 0,
				hi = n,
				pos,
				posnext;

	/* the number of leading cumw[i] <= t (cumw is non-decreasing) */
	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (cumw[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	pos = lo > 0 ? lo - 1 : 0;
	posnext = (pos == n - 1) ? pos : pos + 1;
	if (p - cumw[pos] / W == 0.0)
		return x[pos];
	return x[posnext];
}

/*
 * woodruffCI(method = "mean") and the se of svyquantile: see the header.
 * R computes level = 1 - alpha and then confint's a = (1 - level)/2; the
 * same steps are taken from alpha = 1 - level so the quantiles of t are
 * taken at the same doubles.
 */
void
quantile_woodruff(const double *x, const double *cumw, size_t n, double W,
				  double phat, double se_p, double df, double level, QuantileCI *out)
{
	double		alpha = 1.0 - level;
	double		lev = 1.0 - alpha;
	double		a1 = (1.0 - lev) / 2.0;
	double		a2 = 1.0 - a1;
	double		f1,
				f2,
				crit,
				lo,
				hi;

	out->lower = out->upper = out->se = NAN;
	if (isnan(df) || !(df > 0))
		return;
	if (isinf(df))
	{
		f1 = dist_qnorm(a1);
		f2 = dist_qnorm(a2);
		crit = dist_qnorm(1.0 - alpha / 2.0);
	}
	else
	{
		f1 = dist_qt(a1, df);
		f2 = dist_qt(a2, df);
		crit = dist_qt(1.0 - alpha / 2.0, df);
	}
	lo = phat + se_p * f1;
	hi = phat + se_p * f2;
	if (!isnan(lo) && !(lo < 0))
		out->lower = quantile_rule_math(x, cumw, n, W, lo);
	if (!isnan(hi) && !(hi > 1))
		out->upper = quantile_rule_math(x, cumw, n, W, hi);
	out->se = (out->upper - out->lower) / (2.0 * crit);
}

/* the Euclidean norm of x[0..n-1], scaled against overflow (as BLAS dnrm2) */
static double
norm2(const double *x, size_t n)
{
	double		scale = 0.0,
				ssq = 1.0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		double		a = fabs(x[i]);

		if (a == 0.0)
			continue;
		if (scale < a)
		{
			ssq = 1.0 + ssq * (scale / a) * (scale / a);
			scale = a;
		}
		else
			ssq += (a / scale) * (a / scale);
	}
	return scale * sqrt(ssq);
}

/*
 * Householder QR with limited pivoting (the algorithm of LINPACK's dqrdc2
 * as R uses it): before column l is reduced, columns whose remaining norm
 * fell below tol times their original norm are cycled to the end; the
 * rank is the number of columns that were not.  Only the rank is kept.
 */
uint32_t
quantile_rank(double *X, size_t n, uint32_t k, double tol, double *work)
{
	double	   *qraux = work;
	double	   *orig = work + k;
	size_t		lup = n < k ? n : k;
	size_t		l,
				i,
				j;
	size_t		kk = (size_t) k + 1;	/* 1-based, as dqrdc2's k */

	for (j = 0; j < k; j++)
	{
		qraux[j] = norm2(X + j * n, n);
		orig[j] = qraux[j] == 0.0 ? 1.0 : qraux[j];
		core_check_interrupts();
	}
	for (l = 0; l < lup; l++)
	{
		double		nrmxl;
		double	   *xl;

		/* cycle negligible columns to the end (l + 1 < kk: 1-based l < k) */
		while (l + 1 < kk && qraux[l] < orig[l] * tol)
		{
			for (i = 0; i < n; i++)
			{
				double		t = X[l * n + i];

				for (j = l + 1; j < k; j++)
					X[(j - 1) * n + i] = X[j * n + i];
				X[(size_t) (k - 1) * n + i] = t;
			}
			{
				double		t = qraux[l],
							tt = orig[l];

				for (j = l + 1; j < k; j++)
				{
					qraux[j - 1] = qraux[j];
					orig[j - 1] = orig[j];
				}
				qraux[k - 1] = t;
				orig[k - 1] = tt;
			}
			kk--;
			core_check_interrupts();
		}
		if (l + 1 == n)
			break;
		xl = X + l * n;
		nrmxl = norm2(xl + l, n - l);
		if (nrmxl == 0.0)
			continue;
		if (xl[l] != 0.0)
			nrmxl = copysign(nrmxl, xl[l]);
		for (i = l; i < n; i++)
			xl[i] *= 1.0 / nrmxl;
		xl[l] = 1.0 + xl[l];
		for (j = l + 1; j < k; j++)
		{
			double	   *xj = X + j * n;
			double		dot = 0.0,
						t;

			for (i = l; i < n; i++)
				dot += xl[i] * xj[i];
			t = -dot / xl[l];
			for (i = l; i < n; i++)
				xj[i] += t * xl[i];
			if (qraux[j] != 0.0)
			{
				double		r = fabs(xj[l]) / qraux[j];

				t = 1.0 - r * r;
				if (t < 0.0)
					t = 0.0;
				if (fabs(t) < 1e-6)
					qraux[j] = norm2(xj + l + 1, n - l - 1);
				else
					qraux[j] = qraux[j] * sqrt(t);
			}
			/* each column update is O(n): look at every one */
			core_check_interrupts();
		}
		qraux[l] = xl[l];
		xl[l] = -nrmxl;
	}
	kk = kk - 1;
	return (uint32_t) (kk < n ? kk : n);
}
