/*
 * chisq_wald.c - the Wald and adjusted Wald tests of R's svychisq: the
 * covariance J Sigma J' of the interaction contrasts from the covariance
 * of the cell totals (chisq_var.c, chisq_cluster.c) and its solve, O(q^3).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 *
 * References: R survey 4.1.1, svychisq.survey.design ("Wald", "adjWald");
 * Koch, G.G., Freeman, D.H. and Freeman, J.L. (1975), Strategies in the
 * multivariate analysis of data from complex surveys, International
 * Statistical Review 43, 59-78.
 */
#include <math.h>

#include "chisq_var.h"
#include "dist.h"
#include "guard_core.h"

/*
 * A := J A for the K x K matrix A (row-major), J the Jacobian of the
 * contrasts Y_k = T_k - R_i C_j / T in the cell totals (R's Jcb times the
 * map from cells to cells, row margins, column margins and total):
 *   J_kl = [k = l] - [i_l = i_k] C_j / T - [j_l = j_k] R_i / T + R_i C_j / T^2,
 * applied with the row, column and grand sums of A's rows: O(K^2).
 */
static bool
apply_j(const ChisqTable *t, const double *R, const double *C, double T,
		ChisqWork *w, double *A)
{
	int			r = t->r,
				c = t->c,
				K = r * c,
				k,
				l;
	double	   *rs = chisq_alloc(w, (uint64_t) r * K, sizeof(double));
	double	   *cs = chisq_alloc(w, (uint64_t) c * K, sizeof(double));
	double	   *ts = chisq_alloc(w, K, sizeof(double));

	if (!rs || !cs || !ts)
		return false;
	for (k = 0; k < K; k++)
	{
		const double *Ak = A + (size_t) k * K;
		double	   *ri = rs + (size_t) (k % r) * K,
				   *cj = cs + (size_t) (k / r) * K;

		core_check_interrupts();
		for (l = 0; l < K; l++)
		{
			ri[l] += Ak[l];
			cj[l] += Ak[l];
			ts[l] += Ak[l];
		}
	}
	for (k = 0; k < K; k++)
	{
		int			i = k % r,
					j = k / r;
		double		al = C[j] / T,
					be = R[i] / T,
					ga = R[i] * C[j] / (T * T);
		double	   *Ak = A + (size_t) k * K;
		const double *ri = rs + (size_t) i * K,
				   *cj = cs + (size_t) j * K;

		core_check_interrupts();
		for (l = 0; l < K; l++)
			Ak[l] = Ak[l] - al * ri[l] - be * cj[l] + ga * ts[l];
	}
	chisq_release(w, rs);
	chisq_release(w, cs);
	chisq_release(w, ts);
	return true;
}

/*
 * Solve A x = b (A n x n row-major, both overwritten) by Gaussian
 * elimination with partial pivoting: O(n^3 / 3), polling once per pivot;
 * false when a pivot is 0 or not finite (R's solve() fails).
 */
static bool
solve1(double *A, double *x, int n)
{
	int			i,
				j,
				k;

	for (k = 0; k < n; k++)
	{
		int			piv = k;
		double		big = fabs(A[(size_t) k * n + k]);

		core_check_interrupts();
		for (i = k + 1; i < n; i++)
			if (fabs(A[(size_t) i * n + k]) > big)
			{
				big = fabs(A[(size_t) i * n + k]);
				piv = i;
			}
		if (!(big > 0) || !isfinite(big))
			return false;
		if (piv != k)
		{
			double		tmp;

			for (j = 0; j < n; j++)
			{
				tmp = A[(size_t) k * n + j];
				A[(size_t) k * n + j] = A[(size_t) piv * n + j];
				A[(size_t) piv * n + j] = tmp;
			}
			tmp = x[k];
			x[k] = x[piv];
			x[piv] = tmp;
		}
		for (i = k + 1; i < n; i++)
		{
			double	   *Ai = A + (size_t) i * n;
			const double *Ak = A + (size_t) k * n;
			double		f = Ai[k] / Ak[k];

			if (f == 0)
				continue;
			for (j = k; j < n; j++)
				Ai[j] -= f * Ak[j];
			x[i] -= f * x[k];
		}
	}
	for (k = n - 1; k >= 0; k--)
	{
		double		s = x[k];

		for (i = k + 1; i < n; i++)
			s -= A[(size_t) k * n + i] * x[i];
		x[k] = s / A[(size_t) k * n + k];
	}
	return true;
}

/*
 * Wald and adjusted Wald (R svychisq "Wald", "adjWald"): Y = cell totals
 * minus row x column / total, its covariance J Sigma J' (Sigma the
 * covariance of the cell totals), the test of the q cells with i, j >= 2:
 *   W = Y_u' V_uu^-1 Y_u;  Wald: W / q on (q, nu) df;
 *   adjWald: W (nu - q + 1) / (q nu) on (q, nu - q + 1) df.
 * O(K^2) for J Sigma J' and O(q^3 / 3) for the solve; 8 K^2 bytes.
 */
ChisqStatus
chisq_wald(const ChisqTable *t, int statistic, ChisqWork *w, ChisqResult *out)
{
	int			r = t->r,
				c = t->c,
				K = r * c,
				q = (r - 1) * (c - 1),
				i,
				j,
				k,
				l;
	double	   *R = chisq_alloc(w, r, sizeof(double)),
			   *C = chisq_alloc(w, c, sizeof(double)),
			   *Yu = chisq_alloc(w, q, sizeof(double)),
			   *x = chisq_alloc(w, q, sizeof(double));
	int		   *use = chisq_alloc(w, q, sizeof(int));
	double	   *S;
	double		T = 0,
				stat = 0;
	ChisqStatus st;

	if (!R || !C || !Yu || !x || !use)
		return CHISQ_TOO_BIG;
	st = chisq_sigma_total(t, w, &S, out);
	if (st != CHISQ_OK)
		return st;
	for (j = 0; j < c; j++)
		for (i = 0; i < r; i++)
		{
			double		v = t->total[i + r * j];

			R[i] += v;
			C[j] += v;
			T += v;
		}
	/* S := J S J' (J S, transpose, J again) */
	if (!apply_j(t, R, C, T, w, S))
		return CHISQ_TOO_BIG;
	for (k = 0; k < K; k++)
	{
		core_check_interrupts();
		for (l = k + 1; l < K; l++)
		{
			double		tmp = S[(size_t) k * K + l];

			S[(size_t) k * K + l] = S[(size_t) l * K + k];
			S[(size_t) l * K + k] = tmp;
		}
	}
	if (!apply_j(t, R, C, T, w, S))
		return CHISQ_TOO_BIG;
	k = 0;
	for (j = 1; j < c; j++)
		for (i = 1; i < r; i++)
			use[k++] = i + r * j;
	/* V[use, use] compacted in place: the source never precedes the target */
	for (k = 0; k < q; k++)
	{
		core_check_interrupts();
		for (l = 0; l < q; l++)
			S[(size_t) k * q + l] = S[(size_t) use[k] * K + use[l]];
		Yu[k] = t->total[use[k]] - R[use[k] % r] * C[use[k] / r] / T;
		x[k] = Yu[k];
	}
	if (!solve1(S, x, q))
		return CHISQ_SINGULAR_WALD;
	for (k = 0; k < q; k++)
		stat += Yu[k] * x[k];
	out->ndf = q;
	if (statistic == CHISQ_WALD)
	{
		out->statistic = stat / q;
		out->ddf = t->nu;
	}
	else
	{
		out->ddf = t->nu - q + 1;
		out->statistic = stat * out->ddf / (q * t->nu);
	}
	out->p_value = dist_pf_upper(out->statistic, out->ndf, out->ddf);
	return CHISQ_OK;
}
