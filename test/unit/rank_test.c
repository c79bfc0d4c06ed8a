/*
 * rank_test.c - C unit tests of rank_core.c (R's qr rank of replicate
 * weights from their Gram matrix): known ranks of JK1, JKn, BRR-like and
 * bootstrap factor matrices built here, zero columns, proportional
 * columns, the tolerance (a column whose orthogonal part is below 1e-5 of its
 * norm is dropped, as R's dqrdc2 at tol 1e-5: 9e-6 dropped, 1.1e-5 kept).  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank_core.h"
#include "tap.h"

static uint64_t rng_state = 88172645463325252ULL;

static double
rng_unif(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double) ((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* rank of the N x R matrix W (row-major) through its Gram matrix */
static int
rank_of(const double *W, int N, int R)
{
	double	   *G = calloc((size_t) R * R, sizeof(double));
	double	   *work = calloc((size_t) R * R, sizeof(double));
	int			i,
				j,
				k,
				r;

	for (i = 0; i < N; i++)
		for (j = 0; j < R; j++)
			for (k = 0; k < R; k++)
				G[j * R + k] += W[i * R + j] * W[i * R + k];
	r = rep_rank_gram(G, R, REP_RANK_TOL, work);
	free(G);
	free(work);
	return r;
}

int
main(void)
{
	int			H = 5,
				m = 4,
				P = H * m,
				rows = 3,
				N = P * rows,
				R,
				i,
				j,
				p;
	double	   *W = calloc((size_t) N * 64, sizeof(double));
	char		name[100];

	/* JK1 on P PSUs: R = P replicates, rank P (df P - 1) */
	R = P;
	for (i = 0; i < N; i++)
		for (j = 0; j < R; j++)
			W[i * R + j] = (i / rows == j) ? 0 : (double) P / (P - 1) * (1 + 0.1 * (i % rows));
	ok(rank_of(W, N, R) == P, "JK1: rank = PSUs");

	/* JKn, m PSUs in each of H strata: rank PSUs - strata + 1 */
	memset(W, 0, (size_t) N * 64 * sizeof(double));
	for (i = 0; i < N; i++)
	{
		p = i / rows;
		for (j = 0; j < R; j++)
		{
			int			h = j / m;

			if (p / m != h)
				W[i * R + j] = 1;
			else
				W[i * R + j] = (p == j) ? 0 : (double) m / (m - 1);
			W[i * R + j] *= 1 + 0.25 * (i % rows);
		}
	}
	ok(rank_of(W, N, R) == P - H + 1, "JKn: rank = PSUs - strata + 1");

	/* a domain missing the PSUs of one stratum: rank drops by m - 1 */
	ok(rank_of(W + (size_t) m * rows * R, N - m * rows, R) == P - H + 1 - (m - 1),
	   "JKn domain without stratum 1: rank drops by m - 1");

	/* bootstrap: 50 replicates of random counts on 20 PSUs: rank 20 */
	R = 50;
	{
		double	   *F = calloc((size_t) P * R, sizeof(double));

		for (p = 0; p < P; p++)
			for (j = 0; j < R; j++)
				F[p * R + j] = floor(rng_unif() * 3);
		for (i = 0; i < N; i++)
			for (j = 0; j < R; j++)
				W[i * R + j] = F[(i / rows) * R + j] * (1 + 0.5 * (i % rows));
		ok(rank_of(W, N, R) == P, "bootstrap with more replicates than PSUs: rank = PSUs");
		free(F);
	}

	/* zero and proportional columns */
	{
		double		Z[6] = {0, 1, 2, 0, 3, 6};	/* 2 x 3: col0 0, col2 = 2 col1 */

		ok(rank_of(Z, 2, 3) == 1, "a zero column and a proportional column: rank 1");
	}

	/* the tolerance: orthogonal part 1e-6 dropped, 1e-4 kept */
	/* R: qr(matrix(c(1, 0, 1, eps), 2), tol = 1e-5)$rank is 1, 1, 2, 2 */
	{
		static const double epss[4] = {1e-6, 9e-6, 1.1e-5, 1e-4};

		for (i = 0; i < 4; i++)
		{
			double		eps = epss[i];
			double		T[4] = {1, 1, 0, eps};	/* columns (1,0) and (1,eps) */
			int			want = i < 2 ? 1 : 2;

			snprintf(name, sizeof(name), "tolerance: orthogonal part %g of the norm gives rank %d (R)", eps, want);
			ok(rank_of(T, 2, 2) == want, name);
		}
	}

	free(W);
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
