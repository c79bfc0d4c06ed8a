/*
 * chisq_test.c - C unit tests of the chi-square core: the Rao-Scott traces
 * tr(Delta), tr(Delta^2) and the four statistics of chisq_compute against
 * the dense algorithm barometer used before (R's svychisq step by step:
 * K x K covariances from dense per-PSU outer products, C' D^-1 C and
 * C' D^-1 V D^-1 C, their solve, J Sigma J') on random tables: weights only,
 * stratified clustered with fpc and every lonely-PSU policy, replicate
 * weights (with empty replicates and mse), with empty cells and empty
 * rows, 2 x 2 up to 20 x 20; the singular cases; the memory limit.
 * Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chisq_core.h"
#include "design_core.h"
#include "dist.h"
#include "guard_core.h"
#include "tap.h"

/* a small deterministic generator (xorshift64*) */
static uint64_t rng_state = 88172645463325252ULL;

static double
rng_unif(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double) ((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static int
rng_int(int n)
{
	int			v = (int) (rng_unif() * n);

	return v >= n ? n - 1 : v;
}

/* the allocator the core gets here: malloc, counting live blocks */
static long live_blocks = 0;

static void *
test_realloc(void *ctx, void *ptr, size_t size)
{
	(void) ctx;
	if (size == 0)
	{
		if (ptr)
			live_blocks--;
		free(ptr);
		return NULL;
	}
	if (ptr == NULL)
		live_blocks++;
	return realloc(ptr, size);
}

/* ---- the old dense algorithm (barometer before 0.2), kept as reference --- */

static bool
old_solve(double *A, double *B, int n, int m)
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

static void
old_matmul(const double *A, const double *B, double *C, int n, int p, int m)
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

static double *
old_transpose(const double *A, int n, int m)
{
	double	   *T = malloc(sizeof(double) * n * m);
	int			i,
				j;

	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			T[j * n + i] = A[i * m + j];
	return T;
}

static int
old_onestrat_k(const double *z, int m, int k, long long n, double N, int lonely, double *v)
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

static double
old_pearson(const ChisqTable *in)
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

/* the old glue's dense covariances of the cell means and totals; 1 = lonely fail */
static int
old_covariances(const ChisqTable *t, double *vmean, double *vtotal)
{
	int			K = t->r * t->c,
				k,
				l;
	double		W = 0;

	for (k = 0; k < K; k++)
		W += t->total[k];
	if (t->design == CHISQ_DESIGN_WEIGHTS)
	{
		double		Q = 0,
					f = t->N / (t->N - 1);

		for (k = 0; k < K; k++)
			Q += t->sumsq[k];
		for (k = 0; k < K; k++)
			for (l = 0; l < K; l++)
			{
				double		pk = t->total[k] / W,
							pl = t->total[l] / W;

				vmean[k * K + l] = f * ((k == l ? t->sumsq[k] : 0) - pl * t->sumsq[k] - pk * t->sumsq[l] + pk * pl * Q) / (W * W);
				vtotal[k * K + l] = f * ((k == l ? t->sumsq[k] : 0) - t->total[k] * t->total[l] / t->N);
			}
	}
	else if (t->design == CHISQ_DESIGN_REPLICATE)
	{
		int			R = t->nrep,
					rr,
					kept = 0;
		double	   *wr = calloc(R, sizeof(double));
		double	   *mm = calloc(K, sizeof(double)),
				   *mt = calloc(K, sizeof(double));
		const double *tr = t->rep_total;

		for (k = 0; k < K; k++)
			for (rr = 0; rr < R; rr++)
				wr[rr] += tr[(size_t) k * R + rr];
		for (rr = 0; rr < R; rr++)
			if (wr[rr] > 0)
				kept++;
		for (k = 0; k < K; k++)
		{
			for (rr = 0; rr < R; rr++)
			{
				mt[k] += tr[(size_t) k * R + rr] / R;
				if (wr[rr] > 0)
					mm[k] += tr[(size_t) k * R + rr] / wr[rr] / kept;
			}
			if (t->mse)
			{
				mt[k] = t->total[k];
				mm[k] = t->total[k] / W;
			}
		}
		for (k = 0; k < K; k++)
			for (l = k; l < K; l++)
			{
				double		sm = 0,
							st = 0;

				for (rr = 0; rr < R; rr++)
				{
					st += t->rscales[rr] * (tr[(size_t) k * R + rr] - mt[k]) * (tr[(size_t) l * R + rr] - mt[l]);
					if (wr[rr] > 0)
						sm += t->rscales[rr] * (tr[(size_t) k * R + rr] / wr[rr] - mm[k]) *
							(tr[(size_t) l * R + rr] / wr[rr] - mm[l]);
				}
				vmean[k * K + l] = vmean[l * K + k] = t->scale * sm;
				vtotal[k * K + l] = vtotal[l * K + k] = t->scale * st;
			}
		free(wr);
		free(mm);
		free(mt);
	}
	else
	{
		int			H = 0,
					H_excl = 0;
		uint32_t	h,
					j;
		double	   *zm = calloc((size_t) (t->npsu + 1) * K, sizeof(double));
		double	   *zt = calloc((size_t) (t->npsu + 1) * K, sizeof(double));

		for (h = 0; h < t->nstrata; h++)
		{
			const ChisqStratum *s = &t->strata[h];
			int			m = 0,
						st;

			for (j = s->psu_begin; j < s->psu_end; j++)
			{
				double	   *tt = zt + (size_t) m * K,
						   *z = zm + (size_t) m * K;
				double		B = 0;
				uint64_t	e;

				memset(tt, 0, K * sizeof(double));
				for (e = t->psu_first[j]; e < t->psu_first[j + 1]; e++)
					tt[t->entry_cell[e]] += t->entry_w[e];
				for (k = 0; k < K; k++)
					B += tt[k];
				for (k = 0; k < K; k++)
					z[k] = (tt[k] - t->total[k] / W * B) / W;
				m++;
			}
			if (m == 0)
				continue;
			H++;
			st = old_onestrat_k(zm, m, K, s->n_psu, s->popsize, t->lonely, vmean);
			old_onestrat_k(zt, m, K, s->n_psu, s->popsize, t->lonely, vtotal);
			if (st == 1)
			{
				free(zm);
				free(zt);
				return 1;
			}
			if (st == 2)
				H_excl++;
		}
		if (H_excl > 0)
			for (k = 0; k < K * K; k++)
			{
				vmean[k] *= H_excl == H ? NAN : (double) H / (H - H_excl);
				vtotal[k] *= H_excl == H ? NAN : (double) H / (H - H_excl);
			}
		free(zm);
		free(zt);
	}
	return 0;
}

/* the condition number of the last V_uu the old Wald code solved */
static double wald_cond = NAN;

/* 0 ok, 1 lonely, 2 singular table, 3 singular Wald */
static int
old_compute(const ChisqTable *in, int statistic, ChisqResult *out)
{
	int			r = in->r,
				c = in->c,
				K = r * c,
				q = (r - 1) * (c - 1),
				p1 = r + c - 1,
				i,
				j,
				k,
				a,
				l;
	double	   *vmean = calloc((size_t) K * K, sizeof(double));
	double	   *vtotal = calloc((size_t) K * K, sizeof(double));
	int			rc = 0;

	out->statistic = out->ndf = out->ddf = out->p_value = NAN;
	out->trace = out->trace2 = NAN;
	if (old_covariances(in, vmean, vtotal))
	{
		free(vmean);
		free(vtotal);
		return 1;
	}
	if (statistic == CHISQ_F || statistic == CHISQ_CHISQ)
	{
		double		T = 0,
					x2 = old_pearson(in),
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

		for (k = 0; k < K; k++)
			T += in->total[k];
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
		Ct = old_transpose(X1, K, p1);
		old_matmul(Ct, X1, G, p1, K, p1);
		old_matmul(Ct, XI, H, p1, K, q);
		free(Ct);
		old_solve(G, H, p1, q);
		old_matmul(X1, H, Cm, K, p1, q);
		for (k = 0; k < K * q; k++)
			Cm[k] = XI[k] - Cm[k];
		for (k = 0; k < K; k++)
		{
			double		p = in->total[k] / T;

			iD[k] = p == 0 ? 0 : 1 / p;
		}
		for (k = 0; k < K; k++)
			for (a = 0; a < q; a++)
				A[k * q + a] = iD[k] * Cm[k * q + a];
		Ct = old_transpose(Cm, K, q);
		old_matmul(Ct, A, denom, q, K, q);
		free(Ct);
		for (k = 0; k < q * q; k++)
			denom[k] /= in->N;
		old_matmul(vmean, A, VA, K, K, q);
		Ct = old_transpose(A, K, q);
		old_matmul(Ct, VA, numr, q, K, q);
		free(Ct);
		if (!old_solve(denom, numr, q, q))
			rc = 2;
		else
		{
			for (i = 0; i < q; i++)
			{
				tr += numr[i * q + i];
				for (j = 0; j < q; j++)
					tr2 += numr[i * q + j] * numr[j * q + i];
			}
			out->trace = tr;
			out->trace2 = tr2;
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
	}
	else
	{
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
		int		   *use = calloc(q, sizeof(int));
		double	   *Jt;

		for (j = 0; j < c; j++)
			for (i = 0; i < r; i++)
			{
				double		v = in->total[i + r * j];

				R[i] += v;
				Cc[j] += v;
				T += v;
			}
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
		old_matmul(J, vtotal, JS, K, K, K);
		Jt = old_transpose(J, K, K);
		old_matmul(JS, Jt, V, K, K, K);
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
		/* the 1-norm condition number of V_uu, for the tolerance */
		{
			double	   *A = malloc(sizeof(double) * q * q),
					   *I = calloc((size_t) q * q, sizeof(double)),
						na = 0,
						ni = 0;

			memcpy(A, Vu, sizeof(double) * q * q);
			for (k = 0; k < q; k++)
				I[k * q + k] = 1;
			for (l = 0; l < q; l++)
			{
				double		ca = 0;

				for (k = 0; k < q; k++)
					ca += fabs(Vu[k * q + l]);
				na = fmax(na, ca);
			}
			wald_cond = NAN;
			if (old_solve(A, I, q, q))
			{
				for (l = 0; l < q; l++)
				{
					double		ci = 0;

					for (k = 0; k < q; k++)
						ci += fabs(I[k * q + l]);
					ni = fmax(ni, ci);
				}
				wald_cond = na * ni;
			}
			free(A);
			free(I);
		}
		if (!old_solve(Vu, x, q, 1))
			rc = 3;
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
	}
	free(vmean);
	free(vtotal);
	return rc;
}

/* ---- random designs ---------------------------------------------------- */

typedef struct Case
{
	/* the table and its design data, as the glue hands them over */
	ChisqTable	t;
	double	   *total;
	double	   *sumsq;
	ChisqStratum *strata;
	uint64_t   *psu_first;
	uint32_t   *entry_cell;
	double	   *entry_w;
	double	   *rep_total;
	double	   *rscales;
} Case;

typedef struct Spec
{
	int			design;
	int			r;
	int			c;
	int			rows;
	double		empty_cell;		/* share of cells whose weights are 0 */
	int			empty_rows;		/* rows of the table with no weight (0, 1 or 2) */
	bool		cycle;			/* let the empty cells close cycles */
	bool		wald;			/* V of full rank: compare the Wald tests too */
	bool		uniform;		/* equal margins (else unequal: rare cells) */
	/* cluster */
	int			nstrata;
	int			psu_per_stratum;	/* n_h; some of them without table rows */
	int			lonely;
	int			lonely_strata;	/* strata with n_h = 1 */
	bool		fpc;
	double		cluster_effect; /* how much PSUs differ in their table */
	/* replicate */
	int			nrep;
	int			empty_reps;
	bool		mse;
} Spec;

static void
case_free(Case *cs)
{
	free(cs->total);
	free(cs->sumsq);
	free(cs->strata);
	free(cs->psu_first);
	free(cs->entry_cell);
	free(cs->entry_w);
	free(cs->rep_total);
	free(cs->rscales);
}

/* the cell of a row: PSU-specific preferences make clusters */
static int
draw_cell(const Spec *s, int psu_seed, const bool *zero)
{
	int			k,
				K = s->r * s->c,
				tries;

	for (tries = 0; tries < 100; tries++)
	{
		int			i,
					j;

		if (rng_unif() < s->cluster_effect)
		{
			/* a PSU prefers a few cells */
			uint64_t	h = (uint64_t) psu_seed * 2654435761ULL + (uint64_t) rng_int(3) * 40503ULL;

			k = (int) (h % (uint64_t) K);
		}
		else if (s->uniform)
		{
			i = rng_int(s->r);
			j = rng_int(s->c);
			k = i + s->r * j;
		}
		else
		{
			/* unequal margins */
			double		u = rng_unif(),
						v = rng_unif();

			i = (int) (s->r * u * u);
			j = (int) (s->c * sqrt(v));
			if (i >= s->r)
				i = s->r - 1;
			if (j >= s->c)
				j = s->c - 1;
			k = i + s->r * j;
		}
		if (!zero[k])
			return k;
	}
	return -1;
}

static void
make_case(const Spec *s, Case *cs)
{
	int			r = s->r,
				c = s->c,
				K = r * c,
				i,
				k,
				h,
				x;
	bool	   *zero = calloc(K, sizeof(bool));
	ChisqTable *t = &cs->t;

	memset(cs, 0, sizeof(*cs));
	for (x = 0; x < s->empty_rows; x++)
		for (k = 0; k < c; k++)
			zero[x + r * k] = true;
	/*
	 * empty cells at random, but never closing a cycle of empty cells (that
	 * table is singular: test_singular); the empty rows come first
	 */
	{
		int		   *parent = malloc(sizeof(int) * (r + c));

		for (i = 0; i < r + c; i++)
			parent[i] = i;
		for (k = 0; k < K; k++)
		{
			int			a,
						z;

			bool		forced = zero[k];

			if (!forced && !(rng_unif() < s->empty_cell))
				continue;
			for (a = k % r; parent[a] != a; a = parent[a]);
			for (z = r + k / r; parent[z] != z; z = parent[z]);
			if (a == z)
			{
				zero[k] = forced || s->cycle;
				continue;
			}
			parent[a] = z;
			zero[k] = true;
		}
		free(parent);
	}
	cs->total = calloc(K, sizeof(double));
	t->r = r;
	t->c = c;
	t->design = s->design;
	t->total = cs->total;
	t->N = s->rows + 7;			/* rows with a missing category count too */

	if (s->design == CHISQ_DESIGN_WEIGHTS)
	{
		cs->sumsq = calloc(K, sizeof(double));
		for (i = 0; i < s->rows; i++)
		{
			double		w = 0.3 + 4 * rng_unif();

			k = draw_cell(s, i, zero);
			if (k < 0)
				continue;
			cs->total[k] += w;
			cs->sumsq[k] += w * w;
		}
		t->sumsq = cs->sumsq;
		t->nu = t->N - 1;
	}
	else if (s->design == CHISQ_DESIGN_CLUSTER)
	{
		int			maxpsu = s->nstrata * s->psu_per_stratum;
		double	   *cellw = calloc((size_t) maxpsu * K, sizeof(double));
		int			np = 0,
					ne = 0,
					psus = 0;

		cs->strata = calloc(s->nstrata, sizeof(ChisqStratum));
		cs->psu_first = calloc(maxpsu + 1, sizeof(uint64_t));
		cs->entry_cell = calloc((size_t) maxpsu * K, sizeof(uint32_t));
		cs->entry_w = calloc((size_t) maxpsu * K, sizeof(double));
		for (i = 0; i < s->rows; i++)
		{
			int			hh = rng_int(s->nstrata),
						nh = hh < s->lonely_strata ? 1 : s->psu_per_stratum,
						pp = rng_int(nh),
						psu = hh * s->psu_per_stratum + pp;
			double		w = 0.5 + 3 * rng_unif();

			/* the last PSU of each stratum (n_h > 2) stays without table rows */
			if (nh > 2 && pp == nh - 1)
				continue;
			k = draw_cell(s, psu + 1000 * hh, zero);
			if (k < 0)
				continue;
			cellw[(size_t) psu * K + k] += w;
		}
		for (h = 0; h < s->nstrata; h++)
		{
			int			nh = h < s->lonely_strata ? 1 : s->psu_per_stratum;
			ChisqStratum *st = &cs->strata[h];

			st->n_psu = nh;
			/* with fpc: stratum 0 a census (adds 0), the others sampled */
			st->popsize = s->fpc ? (h == 0 ? nh : nh * (2.0 + h)) : 0;
			st->psu_begin = np;
			psus += nh;
			for (x = 0; x < nh; x++)
			{
				const double *cw = cellw + (size_t) (h * s->psu_per_stratum + x) * K;
				int			start = ne;

				/* cells in a scrambled order (the core must not need them sorted) */
				for (k = 0; k < K; k++)
				{
					int			kk = (int) (((uint64_t) k * 7919 + h) % (uint64_t) K);

					if (K % 7919 == 0)
						kk = k;
					if (cw[kk] > 0)
					{
						cs->entry_cell[ne] = kk;
						cs->entry_w[ne++] = cw[kk];
						cs->total[kk] += cw[kk];
					}
				}
				if (ne > start)
					cs->psu_first[++np] = ne;
			}
			st->psu_end = np;
		}
		t->nstrata = s->nstrata;
		t->strata = cs->strata;
		t->npsu = np;
		t->psu_first = cs->psu_first;
		t->entry_cell = cs->entry_cell;
		t->entry_w = cs->entry_w;
		t->lonely = s->lonely;
		t->nu = psus - s->nstrata;
		free(cellw);
	}
	else
	{
		int			R = s->nrep;

		cs->rep_total = calloc((size_t) K * R, sizeof(double));
		cs->rscales = calloc(R, sizeof(double));
		for (x = 0; x < R; x++)
			cs->rscales[x] = 0.5 + rng_unif();
		for (i = 0; i < s->rows; i++)
		{
			double		w = 0.5 + 3 * rng_unif();
			int			psu = rng_int(R);

			k = draw_cell(s, psu, zero);
			if (k < 0)
				continue;
			cs->total[k] += w;
			/* JK1-like: drop the row's PSU in its replicate */
			for (x = 0; x < R; x++)
				if (x >= R - s->empty_reps)
					continue;
				else
					cs->rep_total[(size_t) k * R + x] += x == psu ? 0 : w * R / (R - 1.0) * (0.9 + 0.2 * rng_unif());
		}
		t->nrep = R;
		t->rep_total = cs->rep_total;
		t->rscales = cs->rscales;
		t->scale = (R - 1.0) / R;
		t->mse = s->mse;
		t->nu = R - 1;
	}
	free(zero);
}

/*
 * Whether the empty cells close a cycle (rows and columns as nodes, empty
 * cells as edges): by counting, |edges| > nodes - components.
 */
static bool
has_cycle(const ChisqTable *t)
{
	int			n = t->r + t->c,
				edges = 0,
				comps = 0,
				k,
				i;
	int		   *seen = calloc(n, sizeof(int));
	int		   *stack = malloc(sizeof(int) * n);

	for (k = 0; k < t->r * t->c; k++)
		edges += t->total[k] == 0;
	for (i = 0; i < n; i++)
	{
		int			top = 0;

		if (seen[i])
			continue;
		comps++;
		seen[i] = 1;
		stack[top++] = i;
		while (top > 0)
		{
			int			x = stack[--top],
						y;

			/* neighbours: row x - the columns of its empty cells, and back */
			for (y = 0; y < n; y++)
			{
				int			cell = x < t->r ? (y >= t->r ? x + t->r * (y - t->r) : -1)
					: (y < t->r ? y + t->r * (x - t->r) : -1);

				if (cell >= 0 && t->total[cell] == 0 && !seen[y])
				{
					seen[y] = 1;
					stack[top++] = y;
				}
			}
		}
	}
	free(seen);
	free(stack);
	return edges > n - comps;
}

/* new against old for one statistic; the largest relative difference */
static double
compare_one(const Case *cs, int stat, const char *name)
{
	static const char *names[] = {"F", "Chisq", "Wald", "adjWald"};
	ChisqResult a,
				b;
	int			rc_old = old_compute(&cs->t, stat, &b);
	ChisqStatus st;
	bool		good;
	int			f;
	double		ga[6],
				gb[6],
				worst = 0,
				tol = 1e-10;
	char		what[256];

	live_blocks = 0;
	st = chisq_compute(&cs->t, stat, test_realloc, NULL, &a);
	if (stat <= CHISQ_CHISQ && has_cycle(&cs->t))
	{
		/* singular in exact arithmetic: R stops, the old code by luck */
		snprintf(what, sizeof(what), "%s %dx%d %s: empty cells close a cycle, singular table",
				 name, cs->t.r, cs->t.c, names[stat]);
		ok(st == CHISQ_SINGULAR_TABLE && live_blocks == 0, what);
		return 0;
	}
	/*
	 * Rao-Scott 1e-10; Wald solves V_uu, whose condition number kappa
	 * reaches 1e6 and more in these random designs: both codes are then
	 * accurate to about kappa epsilon, so 1e-10 or 10 kappa epsilon
	 */
	if (stat >= CHISQ_WALD && rc_old == 0)
		tol = fmax(1e-10, wald_cond * 2.220446e-16);
	ga[0] = a.statistic;
	ga[1] = a.ndf;
	ga[2] = a.ddf;
	ga[3] = a.p_value;
	ga[4] = a.trace;
	ga[5] = a.trace2;
	gb[0] = b.statistic;
	gb[1] = b.ndf;
	gb[2] = b.ddf;
	gb[3] = b.p_value;
	gb[4] = b.trace;
	gb[5] = b.trace2;
	good = (rc_old == 0 && st == CHISQ_OK) ||
		(rc_old == 1 && st == CHISQ_LONELY) ||
		(rc_old == 2 && st == CHISQ_SINGULAR_TABLE) ||
		(rc_old == 3 && st == CHISQ_SINGULAR_WALD);
	for (f = 0; f < 6 && good && st == CHISQ_OK; f++)
	{
		double		d;

		/* p-values absolute (1e-300 and its neighbours), the rest relative */
		if (isnan(ga[f]) && isnan(gb[f]))
			d = 0;
		else if (f == 3)
			d = fabs(ga[f] - gb[f]);
		else
			d = ga[f] == gb[f] ? 0 : fabs(ga[f] - gb[f]) / fmax(fabs(ga[f]), fabs(gb[f]));
		if (isnan(d) || d > tol)
		{
			good = false;
			printf("#   field %d: new %.17g, old %.17g (tolerance %.3g)\n", f, ga[f], gb[f], tol);
		}
		if (d > worst)
			worst = d;
	}
	if (!good)
		printf("#   status new %d, old %d\n", st, rc_old);
	snprintf(what, sizeof(what), "%s %dx%d %s: as the dense algorithm (%.2g)",
			 name, cs->t.r, cs->t.c, names[stat], tol);
	ok(good, what);
	snprintf(what, sizeof(what), "%s %dx%d %s: every working array freed",
			 name, cs->t.r, cs->t.c, names[stat]);
	ok(live_blocks == 0, what);
	return worst;
}

/* whether a row or a column of the table has no weight */
static bool
empty_margin(const ChisqTable *t)
{
	int			i,
				j;

	for (i = 0; i < t->r; i++)
	{
		double		m = 0;

		for (j = 0; j < t->c; j++)
			m += t->total[i + t->r * j];
		if (m == 0)
			return true;
	}
	for (j = 0; j < t->c; j++)
	{
		double		m = 0;

		for (i = 0; i < t->r; i++)
			m += t->total[i + t->r * j];
		if (m == 0)
			return true;
	}
	return false;
}

static double worst_rs = 0;
static double worst_wald = 0;

/*
 * Every statistic of one random case; Wald only where V has full rank (with
 * fewer PSUs or replicates than contrasts, or an empty row or column, V_uu
 * is singular in exact arithmetic and the old and the new code only differ
 * in where rounding stops them).
 */
static void
run(const Spec *s, const char *name)
{
	Case		cs;
	int			stat;
	Spec		sw = *s;

	make_case(s, &cs);
	for (stat = CHISQ_F; stat <= CHISQ_ADJWALD; stat++)
	{
		double		d;

		if (stat >= CHISQ_WALD && (!s->wald || s->empty_rows > 0))
			break;
		if (stat == CHISQ_WALD && !s->uniform)
		{
			/*
			 * Wald on equal margins: a cell seen in a single PSU (or a few
			 * collinear ones) leaves V_uu singular up to rounding
			 */
			case_free(&cs);
			sw.uniform = true;
			make_case(&sw, &cs);
		}
		/* an empty row or column makes V_uu singular */
		if (stat >= CHISQ_WALD && empty_margin(&cs.t))
			break;
		d = compare_one(&cs, stat, name);
		if (stat <= CHISQ_CHISQ && d > worst_rs)
			worst_rs = d;
		if (stat >= CHISQ_WALD && d > worst_wald)
			worst_wald = d;
	}
	case_free(&cs);
}

static void
test_weights(void)
{
	static const int shapes[][2] = {{2, 2}, {2, 3}, {3, 2}, {3, 4}, {5, 5}, {4, 9}, {12, 3}, {10, 10}, {20, 20}, {40, 2}, {3, 30}};
	size_t		x;

	for (x = 0; x < sizeof(shapes) / sizeof(shapes[0]); x++)
	{
		Spec		s = {0};

		s.design = CHISQ_DESIGN_WEIGHTS;
		s.r = shapes[x][0];
		s.c = shapes[x][1];
		s.rows = 40 * s.r * s.c + 50;
		s.wald = true;
		run(&s, "weights");
		s.empty_cell = 0.15;
		run(&s, "weights, empty cells");
		s.empty_cell = 0;
		s.empty_rows = 1;
		run(&s, "weights, an empty row");
	}
}

static void
test_cluster(void)
{
	static const int shapes[][2] = {{2, 2}, {3, 2}, {2, 5}, {4, 4}, {6, 3}, {8, 8}, {20, 20}, {2, 30}};
	static const int policies[] = {LONELY_REMOVE, LONELY_CERTAINTY, LONELY_ADJUST, LONELY_AVERAGE};
	static const char *pnames[] = {"remove", "certainty", "adjust", "average"};
	size_t		x,
				y;
	char		name[128];

	for (x = 0; x < sizeof(shapes) / sizeof(shapes[0]); x++)
		for (y = 0; y < 4; y++)
		{
			Spec		s = {0};
			int			q = (shapes[x][0] - 1) * (shapes[x][1] - 1);

			s.design = CHISQ_DESIGN_CLUSTER;
			s.r = shapes[x][0];
			s.c = shapes[x][1];
			s.nstrata = 6;
			/* a V of full rank: 4 strata of n_h PSUs, one of them without rows */
			s.psu_per_stratum = 5 + (q + 10) / 2;
			s.rows = 8 * s.nstrata * s.psu_per_stratum + 40 * s.r * s.c;
			s.lonely = policies[y];
			s.lonely_strata = 2;
			s.fpc = (y % 2) == 1;
			s.cluster_effect = 0.4;
			s.wald = true;
			snprintf(name, sizeof(name), "cluster %s%s", pnames[y], s.fpc ? ", fpc" : "");
			run(&s, name);
			s.empty_cell = 0.15;
			snprintf(name, sizeof(name), "cluster %s, empty cells", pnames[y]);
			run(&s, name);
			s.empty_cell = 0;
			s.empty_rows = 1;
			snprintf(name, sizeof(name), "cluster %s, an empty row", pnames[y]);
			run(&s, name);
			/* few PSUs: V of low rank (Rao-Scott only) */
			s.empty_rows = 0;
			s.psu_per_stratum = 3;
			s.rows = 400;
			s.wald = false;
			snprintf(name, sizeof(name), "cluster %s, 3 PSUs a stratum", pnames[y]);
			run(&s, name);
		}
	/* large PSUs in a small table: the expanded sums against centred ones */
	{
		Spec		s = {0};

		s.design = CHISQ_DESIGN_CLUSTER;
		s.r = 2;
		s.c = 2;
		s.rows = 200000;
		s.nstrata = 3;
		s.psu_per_stratum = 6;
		s.lonely = LONELY_REMOVE;
		s.cluster_effect = 0.05;
		s.wald = true;
		run(&s, "cluster, 13,000 rows a PSU");
		s.r = 3;
		s.c = 3;
		run(&s, "cluster, 13,000 rows a PSU");
	}
	/* every stratum dropped by "average": NaN, as before */
	{
		Spec		s = {0};

		s.design = CHISQ_DESIGN_CLUSTER;
		s.r = 3;
		s.c = 3;
		s.rows = 400;
		s.nstrata = 3;
		s.psu_per_stratum = 4;
		s.lonely = LONELY_AVERAGE;
		s.lonely_strata = 3;
		s.wald = true;
		run(&s, "cluster, every stratum lonely under average");
	}
	/* "fail" names the first lonely stratum */
	{
		Spec		s = {0};
		Case		cs;
		ChisqResult res;
		ChisqStatus st;

		s.design = CHISQ_DESIGN_CLUSTER;
		s.r = 3;
		s.c = 3;
		s.rows = 400;
		s.nstrata = 4;
		s.psu_per_stratum = 4;
		s.lonely = LONELY_FAIL;
		s.lonely_strata = 2;
		s.wald = true;
		run(&s, "cluster fail");
		make_case(&s, &cs);
		live_blocks = 0;
		st = chisq_compute(&cs.t, CHISQ_F, test_realloc, NULL, &res);
		ok(st == CHISQ_LONELY && res.lonely_stratum == 0 && live_blocks == 0,
		   "cluster fail: CHISQ_LONELY, stratum 0, nothing left allocated");
		st = chisq_compute(&cs.t, CHISQ_ADJWALD, test_realloc, NULL, &res);
		ok(st == CHISQ_LONELY && res.lonely_stratum == 0, "cluster fail, adjWald: CHISQ_LONELY");
		case_free(&cs);
	}
}

static void
test_replicate(void)
{
	static const int shapes[][2] = {{2, 2}, {3, 3}, {2, 6}, {5, 4}, {9, 9}, {20, 20}, {25, 3}};
	size_t		x;

	for (x = 0; x < sizeof(shapes) / sizeof(shapes[0]); x++)
	{
		Spec		s = {0};
		int			q = (shapes[x][0] - 1) * (shapes[x][1] - 1);

		s.design = CHISQ_DESIGN_REPLICATE;
		s.r = shapes[x][0];
		s.c = shapes[x][1];
		s.rows = 30 * s.r * s.c + 100;
		s.nrep = q + 15;
		s.cluster_effect = 0.3;
		s.wald = true;
		run(&s, "replicates");
		s.empty_reps = 2;
		run(&s, "replicates, two with no weight");
		s.mse = true;
		run(&s, "replicates, mse");
		s.empty_reps = 0;
		s.mse = false;
		s.empty_cell = 0.15;
		s.empty_rows = 1;
		run(&s, "replicates, an empty row and empty cells");
		s.nrep = 8;
		s.wald = false;
		s.empty_cell = 0;
		s.empty_rows = 0;
		run(&s, "replicates, only 8 of them");
	}
}

/*
 * Empty cells that close a cycle (two empty rows make one): C' D^-1 C is
 * singular in exact arithmetic and R's solve() stops ("system is
 * computationally singular"); the old elimination stopped or not by
 * rounding, the new code always does.
 */
static void
test_singular(void)
{
	int			d,
				stat;
	static const char *names[] = {"weights", "cluster", "replicates"};

	for (d = 0; d < 3; d++)
		for (stat = CHISQ_F; stat <= CHISQ_CHISQ; stat++)
		{
			Spec		s = {0};
			Case		cs;
			ChisqResult res;
			char		name[128];

			s.design = d;
			s.r = 4;
			s.c = 3;
			s.rows = 600;
			s.empty_rows = 2;
			s.nstrata = 3;
			s.psu_per_stratum = 4;
			s.lonely = LONELY_REMOVE;
			s.nrep = 12;
			make_case(&s, &cs);
			live_blocks = 0;
			snprintf(name, sizeof(name), "%s, two empty rows, %s: singular table",
					 names[d], stat == CHISQ_F ? "F" : "Chisq");
			ok(chisq_compute(&cs.t, stat, test_realloc, NULL, &res) == CHISQ_SINGULAR_TABLE &&
			   live_blocks == 0, name);
			case_free(&cs);

			s.r = 6;
			s.c = 5;
			s.empty_rows = 0;
			s.empty_cell = 0.5;
			s.cycle = true;
			make_case(&s, &cs);
			snprintf(name, sizeof(name), "%s, half the cells empty, %s: singular table",
					 names[d], stat == CHISQ_F ? "F" : "Chisq");
			ok(chisq_compute(&cs.t, stat, test_realloc, NULL, &res) == CHISQ_SINGULAR_TABLE, name);
			case_free(&cs);
		}
	/* no weight at all */
	{
		double		total[4] = {0, 0, 0, 0},
					sumsq[4] = {0, 0, 0, 0};
		ChisqTable	t = {0};
		ChisqResult res;

		t.r = 2;
		t.c = 2;
		t.N = 10;
		t.nu = 9;
		t.design = CHISQ_DESIGN_WEIGHTS;
		t.total = total;
		t.sumsq = sumsq;
		ok(chisq_compute(&t, CHISQ_F, test_realloc, NULL, &res) == CHISQ_SINGULAR_TABLE,
		   "no weight at all: singular");
		ok(chisq_compute(&t, CHISQ_WALD, test_realloc, NULL, &res) == CHISQ_SINGULAR_WALD,
		   "no weight at all, Wald: singular");
	}
}

/* the memory limit: a working array above core_max_bytes is refused before it is taken */
static void
test_limit(void)
{
	Spec		s = {0};
	Case		cs;
	ChisqResult res;
	ChisqStatus st;

	s.design = CHISQ_DESIGN_CLUSTER;
	s.r = 30;
	s.c = 30;
	s.rows = 30000;
	s.uniform = true;
	s.nstrata = 3;
	s.psu_per_stratum = 5;
	s.lonely = LONELY_REMOVE;
	make_case(&s, &cs);
	core_max_bytes = 1024 * 1024;
	live_blocks = 0;
	st = chisq_compute(&cs.t, CHISQ_F, test_realloc, NULL, &res);
	ok(st == CHISQ_TOO_BIG && res.bytes >= 900 * 901 / 2 * 8 && live_blocks == 0,
	   "cluster 30 x 30 under a 1MB limit: CHISQ_TOO_BIG with the bytes, nothing left");
	if (st != CHISQ_TOO_BIG)
		printf("#   status %d, bytes %zu, live %ld\n", st, res.bytes, live_blocks);
	st = chisq_compute(&cs.t, CHISQ_WALD, test_realloc, NULL, &res);
	ok(st == CHISQ_TOO_BIG && live_blocks == 0, "the same, Wald");
	core_max_bytes = 16 * 1024 * 1024;
	st = chisq_compute(&cs.t, CHISQ_F, test_realloc, NULL, &res);
	ok(st == CHISQ_OK, "under a 16MB limit it runs");
	if (st != CHISQ_OK)
		printf("#   status %d, bytes %zu\n", st, res.bytes);
	core_max_bytes = 0;
	case_free(&cs);
}

int
main(void)
{
	test_weights();
	test_cluster();
	test_replicate();
	test_singular();
	test_limit();
	printf("# largest relative difference against the dense algorithm: Rao-Scott %.3g, Wald %.3g\n",
		   worst_rs, worst_wald);
	printf("1..%d\n", test_no);
	return failures > 0;
}
