/*
 * fh_core.c - the Fay-Herriot model (see fh_core.h).
 *
 * With v_i = A + D_i, w_i = 1/v_i, W = diag(w), Q = (X'WX)^-1, the GLS
 * beta = Q X'W y, residuals r = y - X beta and P = W - W X Q X' W:
 *   REML score   s = -tr(P)/2 + r'W^2 r/2      (P y = W r)
 *   REML info    I = tr(P^2)/2
 *     tr(P)   = sum w - tr(Q X'W^2 X)
 *     tr(P^2) = sum w^2 - 2 tr(Q X'W^3 X) + tr((Q X'W^2 X)^2)
 *   ML score     s = -sum w/2 + r'W^2 r/2,  info I = sum w^2/2
 *   Fisher scoring A <- max(0, A + s/I) until the change is below tol
 *   (relative to max(1, A)); start: the Prasad-Rao moment estimator,
 *   truncated at 0.
 *   EBLUP      gamma_i y_i + (1 - gamma_i) x_i'beta, gamma_i = A/(A + D_i)
 *   MSE        g1 + g2 + 2 g3, g1 = gamma D, g2 = (1 - gamma)^2 x'Qx,
 *              g3 = D^2/(A + D)^3 Vbar, Vbar = 2 / sum_j w_j^2 (the
 *              asymptotic variance of the REML and ML estimators of A);
 *              ML adds - b (D/(A + D))^2 with b = tr(Q X'W^2 X) / sum w^2
 *              (the first-order bias of the ML estimator of A).
 *   Out of sample (no direct estimate): x'beta, MSE A + x'Qx.
 *   Log likelihood as metafor's rma reports it: ML -(m log 2pi + sum log v
 *   + r'Wr)/2; REML -((m - p) log 2pi + sum log v + log|X'WX| - log|X'X| +
 *   r'Wr)/2.
 *
 * References: Fay and Herriot (1979), JASA 74; Prasad and Rao (1990), JASA
 * 85; Datta and Lahiri (2000), Statistica Sinica 10; Rao and Molina (2015),
 * Small Area Estimation, 2nd ed., ch. 6 (eqs. 6.1.9, 6.2.11, 6.2.19,
 * 6.2.27); Viechtbauer (2010), metafor (rma, method "REML" / "ML").
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <string.h>

#include "fh_core.h"
#include "guard_core.h"

/* Cholesky factor of the p x p matrix a (in place, lower); false if not PD */
static bool
cholesky(double *a, uint32_t p)
{
	uint32_t	i,
				j,
				k;

	for (j = 0; j < p; j++)
	{
		double		d = a[j * p + j];

		for (k = 0; k < j; k++)
			d -= a[j * p + k] * a[j * p + k];
		if (!(d > 0) || !isfinite(d))
			return false;
		d = sqrt(d);
		a[j * p + j] = d;
		for (i = j + 1; i < p; i++)
		{
			double		s = a[i * p + j];

			for (k = 0; k < j; k++)
				s -= a[i * p + k] * a[j * p + k];
			a[i * p + j] = s / d;
		}
	}
	return true;
}

/* the inverse of a p x p positive definite matrix from its Cholesky factor l */
static void
chol_inverse(const double *l, uint32_t p, double *inv, double *col)
{
	uint32_t	i,
				j,
				k;

	for (j = 0; j < p; j++)
	{
		/* solve L L' x = e_j */
		for (i = 0; i < p; i++)
		{
			double		s = i == j ? 1.0 : 0.0;

			for (k = 0; k < i; k++)
				s -= l[i * p + k] * col[k];
			col[i] = s / l[i * p + i];
		}
		for (i = p; i-- > 0;)
		{
			double		s = col[i];

			for (k = i + 1; k < p; k++)
				s -= l[k * p + i] * col[k];
			col[i] = s / l[i * p + i];
		}
		for (i = 0; i < p; i++)
			inv[i * p + j] = col[i];
	}
}

static double
chol_logdet(const double *l, uint32_t p)
{
	double		s = 0;
	uint32_t	i;

	for (i = 0; i < p; i++)
		s += 2 * log(l[i * p + i]);
	return s;
}

/* work space of one evaluation at a value of A */
typedef struct FhWork
{
	const FhInput *in;
	uint32_t	p;
	double	   *M1,				/* X'WX, then its Cholesky factor */
			   *Q,				/* (X'WX)^-1 */
			   *M2,				/* X'W^2 X */
			   *M3,				/* X'W^3 X */
			   *QM2,			/* Q X'W^2 X */
			   *xwy,
			   *beta,
			   *col;
	double		sum_w,
				sum_w2,
				rwr,			/* r'Wr */
				rw2r,			/* r'W^2 r */
				sum_logv,
				logdet;			/* log|X'WX| */
} FhWork;

/* every quantity at A (ols: unit weights); false when X'WX is singular */
static bool
evaluate(FhWork *k, double A, bool ols)
{
	const FhInput *in = k->in;
	uint32_t	p = k->p,
				i,
				a,
				b,
				tick = 0;

	memset(k->M1, 0, sizeof(double) * p * p);
	memset(k->M2, 0, sizeof(double) * p * p);
	memset(k->M3, 0, sizeof(double) * p * p);
	memset(k->xwy, 0, sizeof(double) * p);
	k->sum_w = k->sum_w2 = k->sum_logv = 0;
	for (i = 0; i < in->n; i++)
	{
		const double *x = in->x + (size_t) i * p;
		double		v,
					w;

		if (isnan(in->y[i]))
			continue;
		v = ols ? 1.0 : A + in->D[i];
		w = 1.0 / v;
		k->sum_w += w;
		k->sum_w2 += w * w;
		k->sum_logv += log(v);
		for (a = 0; a < p; a++)
		{
			k->xwy[a] += x[a] * w * in->y[i];
			for (b = 0; b <= a; b++)
			{
				k->M1[a * p + b] += x[a] * x[b] * w;
				k->M2[a * p + b] += x[a] * x[b] * w * w;
				k->M3[a * p + b] += x[a] * x[b] * w * w * w;
			}
		}
		core_poll(&tick);
	}
	for (a = 0; a < p; a++)
		for (b = 0; b < a; b++)
		{
			k->M2[b * p + a] = k->M2[a * p + b];
			k->M3[b * p + a] = k->M3[a * p + b];
		}
	if (!cholesky(k->M1, p))
		return false;
	k->logdet = chol_logdet(k->M1, p);
	chol_inverse(k->M1, p, k->Q, k->col);
	for (a = 0; a < p; a++)
	{
		double		s = 0;

		for (b = 0; b < p; b++)
			s += k->Q[a * p + b] * k->xwy[b];
		k->beta[a] = s;
	}
	for (a = 0; a < p; a++)
		for (b = 0; b < p; b++)
		{
			double		s = 0;
			uint32_t	c;

			for (c = 0; c < p; c++)
				s += k->Q[a * p + c] * k->M2[c * p + b];
			k->QM2[a * p + b] = s;
		}
	k->rwr = k->rw2r = 0;
	for (i = 0; i < in->n; i++)
	{
		const double *x = in->x + (size_t) i * p;
		double		r,
					w;

		if (isnan(in->y[i]))
			continue;
		r = in->y[i];
		for (a = 0; a < p; a++)
			r -= x[a] * k->beta[a];
		w = ols ? 1.0 : 1.0 / (A + in->D[i]);
		k->rwr += r * r * w;
		k->rw2r += r * r * w * w;
	}
	return true;
}

static double
trace_prod(const double *a, const double *b, uint32_t p)
{
	double		s = 0;
	uint32_t	i,
				j;

	for (i = 0; i < p; i++)
		for (j = 0; j < p; j++)
			s += a[i * p + j] * b[j * p + i];
	return s;
}

/* score and information of A */
static void
score_info(const FhWork *k, int method, double *score, double *info)
{
	uint32_t	p = k->p;

	if (method == FH_ML)
	{
		*score = -0.5 * k->sum_w + 0.5 * k->rw2r;
		*info = 0.5 * k->sum_w2;
		return;
	}
	{
		double		tr_p = k->sum_w - trace_prod(k->Q, k->M2, p);
		double		tr_p2 = k->sum_w2 - 2 * trace_prod(k->Q, k->M3, p) +
			trace_prod(k->QM2, k->QM2, p);

		*score = -0.5 * tr_p + 0.5 * k->rw2r;
		*info = 0.5 * tr_p2;
	}
}

void
fh_fit(const FhInput *in, FhFit *fit, DesignRealloc fn, void *ctx)
{
	uint32_t	p = in->p,
				i,
				a,
				b;
	FhWork		k;
	double	   *buf;
	double		A,
				logdet_xx = 0,
				lo = -1,		/* the root's bracket: -1, no lower bound yet */
				hi = INFINITY;
	int			it;

	memset(fit, 0, sizeof(*fit));
	for (i = 0; i < in->n; i++)
		if (!isnan(in->y[i]))
			fit->m++;
	fit->beta = fn(ctx, NULL, sizeof(double) * (p + 1));
	fit->beta_cov = fn(ctx, NULL, sizeof(double) * (p * p + 1));
	fit->synthetic = fn(ctx, NULL, sizeof(double) * (in->n + 1));
	fit->eblup = fn(ctx, NULL, sizeof(double) * (in->n + 1));
	fit->mse = fn(ctx, NULL, sizeof(double) * (in->n + 1));
	fit->gamma = fn(ctx, NULL, sizeof(double) * (in->n + 1));
	fit->g1 = fn(ctx, NULL, sizeof(double) * (in->n + 1));
	fit->g2 = fn(ctx, NULL, sizeof(double) * (in->n + 1));
	fit->g3 = fn(ctx, NULL, sizeof(double) * (in->n + 1));
	if (fit->m < p + 1)
	{
		fit->status = FH_TOO_FEW;
		return;
	}
	buf = fn(ctx, NULL, sizeof(double) * (5 * p * p + 4 * p + 1));
	memset(&k, 0, sizeof(k));
	k.in = in;
	k.p = p;
	k.M1 = buf;
	k.Q = buf + p * p;
	k.M2 = buf + 2 * p * p;
	k.M3 = buf + 3 * p * p;
	k.QM2 = buf + 4 * p * p;
	k.xwy = buf + 5 * p * p;
	k.beta = k.xwy + p;
	k.col = k.beta + p;

	/* OLS: log|X'X| of the in-sample rows (metafor's REML constant) */
	if (!evaluate(&k, 0, true))
	{
		fit->status = FH_SINGULAR;
		fn(ctx, buf, 0);
		return;
	}
	logdet_xx = k.logdet;

	/*
	 * Start: the Prasad-Rao moment estimator, OLS residuals r and hat
	 * values h: A0 = (r'r - sum D_i (1 - h_ii)) / (m - p), at least 0.
	 */
	{
		double		rr = 0,
					dh = 0;

		for (i = 0; i < in->n; i++)
		{
			const double *x = in->x + (size_t) i * p;
			double		r = in->y[i],
						h = 0;

			if (isnan(in->y[i]))
				continue;
			for (a = 0; a < p; a++)
				r -= x[a] * k.beta[a];
			for (a = 0; a < p; a++)
				for (b = 0; b < p; b++)
					h += x[a] * k.Q[a * p + b] * x[b];
			rr += r * r;
			dh += in->D[i] * (1 - h);
		}
		A = fmax(0.0, (rr - dh) / (double) (fit->m - p));
	}

	for (it = 1; it <= in->maxiter; it++)
	{
		double		score,
					info,
					next;

		core_check_interrupts();
		if (!evaluate(&k, A, false))
		{
			fit->status = FH_SINGULAR;
			fn(ctx, buf, 0);
			return;
		}
		score_info(&k, in->method, &score, &info);
		next = A + score / info;

		/*
		 * Safeguarded scoring: the root lies above every A with a positive
		 * score (lo) and below every A with a negative one (hi); a step
		 * that leaves that bracket bisects it instead.  A step below 0 is
		 * 0 when the score at 0 is not positive (the estimate on the
		 * boundary); otherwise the root lies in (0, A).  Plain truncation
		 * at 0 can cycle for ever between 0 and A when scoring from 0
		 * overshoots back to A.
		 */
		if (score > 0)
			lo = A;
		else if (score < 0)
			hi = A;
		if (next < 0 && lo < 0)
		{
			double		score0,
						info0;

			next = 0;
			if (A > 0)
			{
				if (!evaluate(&k, 0, false))
				{
					fit->status = FH_SINGULAR;
					fn(ctx, buf, 0);
					return;
				}
				score_info(&k, in->method, &score0, &info0);
				if (score0 > 0)
				{
					lo = 0;
					next = A / 2;
				}
			}
		}
		else if (lo >= 0 && isfinite(hi) && (next <= lo || next >= hi))
			next = (lo + hi) / 2;
		fit->iterations = it;
		if (fabs(next - A) <= in->tol * fmax(1.0, A))
		{
			A = next;
			break;
		}
		A = next;
	}
	if (fit->iterations >= in->maxiter)
		fit->status = FH_NO_CONVERGENCE;
	if (!evaluate(&k, A, false))
	{
		fit->status = FH_SINGULAR;
		fn(ctx, buf, 0);
		return;
	}
	fit->A = A;
	fit->A_se = sqrt(2.0 / k.sum_w2);
	memcpy(fit->beta, k.beta, sizeof(double) * p);
	memcpy(fit->beta_cov, k.Q, sizeof(double) * p * p);
	{
		const double log2pi = 1.8378770664093454836;	/* log(2 pi) */

		if (in->method == FH_ML)
			fit->loglik = -0.5 * ((double) fit->m * log2pi + k.sum_logv + k.rwr);
		else
			fit->loglik = -0.5 * ((double) (fit->m - p) * log2pi + k.sum_logv + k.logdet -
								  logdet_xx + k.rwr);
	}

	/* every area */
	{
		double		vbar = 2.0 / k.sum_w2,
					bias = trace_prod(k.Q, k.M2, p) / k.sum_w2;
		uint32_t	tick = 0;

		for (i = 0; i < in->n; i++)
		{
			const double *x = in->x + (size_t) i * p;
			double		syn = 0,
						xqx = 0;

			for (a = 0; a < p; a++)
			{
				syn += x[a] * k.beta[a];
				for (b = 0; b < p; b++)
					xqx += x[a] * k.Q[a * p + b] * x[b];
			}
			fit->synthetic[i] = syn;
			if (isnan(in->y[i]))
			{
				fit->gamma[i] = 0;
				fit->eblup[i] = syn;
				fit->g1[i] = A;
				fit->g2[i] = xqx;
				fit->g3[i] = 0;
				fit->mse[i] = A + xqx;
			}
			else
			{
				double		D = in->D[i],
							g = A / (A + D);

				fit->gamma[i] = g;
				fit->eblup[i] = g * in->y[i] + (1 - g) * syn;
				fit->g1[i] = g * D;
				fit->g2[i] = (1 - g) * (1 - g) * xqx;
				fit->g3[i] = D * D / ((A + D) * (A + D) * (A + D)) * vbar;
				fit->mse[i] = fit->g1[i] + fit->g2[i] + 2 * fit->g3[i];
				if (in->method == FH_ML)
					fit->mse[i] -= bias * (D / (A + D)) * (D / (A + D));
			}
			core_poll(&tick);
		}
	}
	fn(ctx, buf, 0);
}
