/*
 * chisq_core.c - svychisq's statistics from a table's estimated totals and
 * the covariance matrices of its cell means and totals.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chisq_core.h"
#include "design_core.h"
#include "dist.h"

int
chisq_statistic_parse(const char *name)
{
	if (strcmp(name, "F") == 0)
		return CHISQ_F;
	if (strcmp(name, "Chisq") == 0)
		return CHISQ_CHISQ;
	if (strcmp(name, "Wald") == 0)
		return CHISQ_WALD;
	if (strcmp(name, "adjWald") == 0)
		return CHISQ_ADJWALD;
	return -1;
}

int
onestrat_k(const double *z, int m, int k, long long n, double N, int lonely, double *v)
{
	double		f = N > 0 ? (N - (double) n) / N : 1.0;
	double	   *mean;
	double		scale,
				pad;
	int			a,
				b,
				j;

	if (f < 1e-7)
		return 0;
	if (n == 1)
	{
		if (lonely == LONELY_FAIL)
			return 1;
		if (lonely == LONELY_AVERAGE)
			return 2;
		if (lonely == LONELY_ADJUST && m > 0)
			for (a = 0; a < k; a++)
				for (b = 0; b < k; b++)
					v[a * k + b] += f * z[a] * z[b];
		return 0;
	}
	mean = calloc(k, sizeof(double));
	for (j = 0; j < m; j++)
		for (a = 0; a < k; a++)
			mean[a] += z[j * k + a];
	for (a = 0; a < k; a++)
		mean[a] /= (double) n;
	scale = f * (double) n / (double) (n - 1);
	pad = (double) (n - m);
	for (a = 0; a < k; a++)
		for (b = a; b < k; b++)
		{
			double		s = pad * mean[a] * mean[b];

			for (j = 0; j < m; j++)
				s += (z[j * k + a] - mean[a]) * (z[j * k + b] - mean[b]);
			v[a * k + b] += scale * s;
			if (b != a)
				v[b * k + a] += scale * s;
		}
	free(mean);
	return 0;
}

/* solve A X = B (A n x n, B n x m, both row-major, overwritten); false if singular */
static bool
solve(double *A, double *B, int n, int m)
{
	int			i,
				j,
				k;

	for (k = 0; k < n; k++)
	{
		int			piv = k;
		double		big = fabs(A[k * n + k]);

		for (i = k + 1; i < n; i++)
			if (fabs(A[i * n + k]) > big)
			{
				big = fabs(A[i * n + k]);
				piv = i;
			}
		if (!(big > 0) || !isfinite(big))
			return false;
		if (piv != k)
		{
			for (j = 0; j < n; j++)
			{
				double		t = A[k * n + j];

				A[k * n + j] = A[piv * n + j];
				A[piv * n + j] = t;
			}
			for (j = 0; j < m; j++)
			{
				double		t = B[k * m + j];

				B[k * m + j] = B[piv * m + j];
				B[piv * m + j] = t;
			}
		}
		for (i = k + 1; i < n; i++)
		{
			double		f = A[i * n + k] / A[k * n + k];

			if (f == 0)
				continue;
			for (j = k; j < n; j++)
				A[i * n + j] -= f * A[k * n + j];
			for (j = 0; j < m; j++)
				B[i * m + j] -= f * B[k * m + j];
		}
	}
	for (k = n - 1; k >= 0; k--)
		for (j = 0; j < m; j++)
		{
			double		s = B[k * m + j];

			for (i = k + 1; i < n; i++)
				s -= A[k * n + i] * B[i * m + j];
			B[k * m + j] = s / A[k * n + k];
		}
	return true;
}

/* C = A (n x p) times B (p x m), all row-major */
static void
matmul(const double *A, const double *B, double *C, int n, int p, int m)
{
	int			i,
				j,
				k;

	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
		{
			double		s = 0;

			for (k = 0; k < p; k++)
				s += A[i * p + k] * B[k * m + j];
			C[i * m + j] = s;
		}
}

/* the transpose of A (n x m) */
static double *
transpose(const double *A, int n, int m)
{
	double	   *T = malloc(sizeof(double) * n * m);
	int			i,
				j;

	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			T[j * n + i] = A[i * m + j];
	return T;
}

/*
 * Pearson's X^2 of the table scaled to N (R: chisq.test(svytable(formula,
 * design, Ntotal = N), correct = FALSE)).
 */
static double
pearson(const ChisqInput *in)
{
	int			r = in->r,
				c = in->c,
				i,
				j;
	double		T = 0,
				x2 = 0;
	double	   *rs = calloc(r, sizeof(double)),
			   *cs = calloc(c, sizeof(double));

	for (i = 0; i < r * c; i++)
		T += in->total[i];
	for (j = 0; j < c; j++)
		for (i = 0; i < r; i++)
		{
			double		o = in->N * in->total[i + r * j] / T;

			rs[i] += o;
			cs[j] += o;
		}
	for (j = 0; j < c; j++)
		for (i = 0; i < r; i++)
		{
			double		o = in->N * in->total[i + r * j] / T;
			double		e = rs[i] * cs[j] / in->N;

			x2 += (o - e) * (o - e) / e;
		}
	free(rs);
	free(cs);
	return x2;
}

/*
 * Rao-Scott (F, Chisq): p = cell means, V their covariance,
 * C = interaction columns of the saturated model (treatment coding)
 * residualised on the main effects, D = diag(p) (1/0 = 0),
 * Delta = (C' D^-1 C / N)^-1 (C' D^-1 V D^-1 C).
 */
static const char *
rao_scott(const ChisqInput *in, int statistic, ChisqResult *out)
{
	int			r = in->r,
				c = in->c,
				K = r * c,
				q = (r - 1) * (c - 1),
				p1 = r + c - 1;
	double		T = 0,
				x2 = pearson(in),
				tr = 0,
				tr2 = 0;
	double	   *X1 = calloc((size_t) K * p1, sizeof(double));
	double	   *XI = calloc((size_t) K * q, sizeof(double));
	double	   *G = calloc((size_t) p1 * p1, sizeof(double));
	double	   *H = calloc((size_t) p1 * q, sizeof(double));
	double	   *Cm = calloc((size_t) K * q, sizeof(double));
	double	   *iD = calloc(K, sizeof(double));
	double	   *A = calloc((size_t) K * q, sizeof(double));
	double	   *denom = calloc((size_t) q * q, sizeof(double));
	double	   *VA = calloc((size_t) K * q, sizeof(double));
	double	   *numr = calloc((size_t) q * q, sizeof(double));
	double	   *Ct;
	int			i,
				j,
				k,
				a;
	const char *problem = NULL;

	for (k = 0; k < K; k++)
		T += in->total[k];
	/* X1: intercept, rows 2..r, cols 2..c; XI: row_i x col_j, i, j >= 2 */
	for (j = 0; j < c; j++)
		for (i = 0; i < r; i++)
		{
			k = i + r * j;
			X1[k * p1] = 1;
			if (i > 0)
				X1[k * p1 + i] = 1;
			if (j > 0)
				X1[k * p1 + (r - 1) + j] = 1;
			if (i > 0 && j > 0)
				XI[k * q + (i - 1) + (r - 1) * (j - 1)] = 1;
		}
	/* Cm = XI - X1 (X1'X1)^-1 X1' XI */
	Ct = transpose(X1, K, p1);
	matmul(Ct, X1, G, p1, K, p1);
	matmul(Ct, XI, H, p1, K, q);
	free(Ct);
	if (!solve(G, H, p1, q))
		problem = "The main-effects design matrix is singular.";
	else
	{
		matmul(X1, H, Cm, K, p1, q);
		for (k = 0; k < K * q; k++)
			Cm[k] = XI[k] - Cm[k];
		for (k = 0; k < K; k++)
		{
			double		p = in->total[k] / T;

			iD[k] = p == 0 ? 0 : 1 / p;
		}
		/* A = D^-1 C; denom = C' D^-1 C / N; numr = A' V A */
		for (k = 0; k < K; k++)
			for (a = 0; a < q; a++)
				A[k * q + a] = iD[k] * Cm[k * q + a];
		Ct = transpose(Cm, K, q);
		matmul(Ct, A, denom, q, K, q);
		free(Ct);
		for (k = 0; k < q * q; k++)
			denom[k] /= in->N;
		matmul(in->vmean, A, VA, K, K, q);
		Ct = transpose(A, K, q);
		matmul(Ct, VA, numr, q, K, q);
		free(Ct);
		/* Delta = denom^-1 numr (solve overwrites numr with Delta) */
		if (!solve(denom, numr, q, q))
			problem = "The table's design matrix is singular (a row or column without weight?).";
		else
		{
			for (i = 0; i < q; i++)
			{
				tr += numr[i * q + i];
				for (j = 0; j < q; j++)
					tr2 += numr[i * q + j] * numr[j * q + i];
			}
			if (statistic == CHISQ_F)
			{
				double		d0 = tr * tr / tr2;

				out->statistic = x2 / tr;
				out->ndf = d0;
				out->ddf = d0 * in->nu;
				out->p_value = dist_pf_upper(out->statistic, d0, d0 * in->nu);
			}
			else
			{
				out->statistic = x2;
				out->ndf = q;
				out->ddf = NAN;
				out->p_value = dist_pchisq_upper(x2 / (tr / q), q);
			}
		}
	}
	free(X1);
	free(XI);
	free(G);
	free(H);
	free(Cm);
	free(iD);
	free(A);
	free(denom);
	free(VA);
	free(numr);
	return problem;
}

/*
 * Wald and adjusted Wald: Y = cell totals minus row x column / total, its
 * covariance J Sigma J' (J the Jacobian of Y in the cell totals), the test
 * of the (r-1)(c-1) cells with i, j >= 2.
 */
static const char *
wald(const ChisqInput *in, int statistic, ChisqResult *out)
{
	int			r = in->r,
				c = in->c,
				K = r * c,
				q = (r - 1) * (c - 1);
	double	   *R = calloc(r, sizeof(double)),
			   *Cc = calloc(c, sizeof(double));
	double	   *J = calloc((size_t) K * K, sizeof(double));
	double	   *JS = calloc((size_t) K * K, sizeof(double));
	double	   *V = calloc((size_t) K * K, sizeof(double));
	double	   *Vu = calloc((size_t) q * q, sizeof(double));
	double	   *Y = calloc(K, sizeof(double));
	double	   *Yu = calloc(q, sizeof(double));
	double	   *x = calloc(q, sizeof(double));
	double		T = 0,
				w = 0;
	int			i,
				j,
				k,
				l,
				*use = calloc(q, sizeof(int));
	const char *problem = NULL;
	double	   *Jt;

	for (j = 0; j < c; j++)
		for (i = 0; i < r; i++)
		{
			double		t = in->total[i + r * j];

			R[i] += t;
			Cc[j] += t;
			T += t;
		}
	/* dY_k / dT_l for cell totals l (rows, columns and the total are sums of cells) */
	for (k = 0; k < K; k++)
	{
		int			ik = k % r,
					jk = k / r;

		Y[k] = in->total[k] - R[ik] * Cc[jk] / T;
		for (l = 0; l < K; l++)
		{
			int			il = l % r,
						jl = l / r;
			double		d = (k == l) ? 1.0 : 0.0;

			if (il == ik)
				d -= Cc[jk] / T;
			if (jl == jk)
				d -= R[ik] / T;
			d += R[ik] * Cc[jk] / (T * T);
			J[k * K + l] = d;
		}
	}
	matmul(J, in->vtotal, JS, K, K, K);
	Jt = transpose(J, K, K);
	matmul(JS, Jt, V, K, K, K);
	free(Jt);
	k = 0;
	for (j = 1; j < c; j++)
		for (i = 1; i < r; i++)
			use[k++] = i + r * j;
	for (k = 0; k < q; k++)
	{
		Yu[k] = Y[use[k]];
		x[k] = Yu[k];
		for (l = 0; l < q; l++)
			Vu[k * q + l] = V[use[k] * K + use[l]];
	}
	if (!solve(Vu, x, q, 1))
		problem = "The covariance matrix of the interaction cells is singular.";
	else
	{
		for (k = 0; k < q; k++)
			w += Yu[k] * x[k];
		out->ndf = q;
		if (statistic == CHISQ_WALD)
		{
			out->statistic = w / q;
			out->ddf = in->nu;
		}
		else
		{
			out->ddf = in->nu - q + 1;
			out->statistic = w * out->ddf / (q * in->nu);
		}
		out->p_value = dist_pf_upper(out->statistic, out->ndf, out->ddf);
	}
	free(R);
	free(Cc);
	free(J);
	free(JS);
	free(V);
	free(Vu);
	free(Y);
	free(Yu);
	free(x);
	free(use);
	return problem;
}

const char *
chisq_compute(const ChisqInput *in, int statistic, ChisqResult *out)
{
	out->statistic = out->ndf = out->ddf = out->p_value = NAN;
	if (statistic == CHISQ_WALD || statistic == CHISQ_ADJWALD)
		return wald(in, statistic, out);
	return rao_scott(in, statistic, out);
}
