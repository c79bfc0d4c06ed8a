/*
 * rank_core.c - R's qr rank of a replicate-weight matrix from its Gram
 * matrix.
 *
 * R (survey 4.1.1 degf.svyrep.design) takes qr(W, tol = 1e-5)$rank - 1,
 * W the N x R analysis weights of the (sub)design.  LINPACK dqrdc2, which
 * qr() calls, processes the columns in order and moves a column to the end
 * (never to be used) when the norm of its part orthogonal to the columns
 * already accepted is below tol times its original norm.  Those norms
 * follow from G = W'W alone: the squared residual norm of column j after
 * the accepted columns is the Schur complement G_jj - l_j'l_j of a Cholesky
 * factorisation restricted to the accepted columns.  So the rank is the
 * number of columns accepted by an in-order Cholesky that skips column j
 * when G_jj - l_j'l_j < tol^2 G_jj (a zero column is skipped too).  G has
 * R^2 entries whatever N: the rows only add to it.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>

#include "rank_core.h"

int
rep_rank_gram(const double *G, int R, double tol, double *L)
{
	int			rank = 0;
	int			j,
				k,
				i;

	/*
	 * L holds, row by row, the accepted columns' Cholesky rows: L[k * R +
	 * j] = l_kj for accepted pivot k (k-th accepted column) and every
	 * column j.
	 */
	for (j = 0; j < R; j++)
	{
		double		gjj = G[j * R + j];
		double		s = gjj;

		for (k = 0; k < rank; k++)
			s -= L[k * R + j] * L[k * R + j];
		if (!(gjj > 0) || !(s >= tol * tol * gjj) || s <= 0)
			continue;
		/* accept column j: row `rank` of L */
		{
			double		d = sqrt(s);

			for (i = j; i < R; i++)
			{
				double		t = G[j * R + i];

				for (k = 0; k < rank; k++)
					t -= L[k * R + j] * L[k * R + i];
				L[rank * R + i] = i == j ? d : t / d;
			}
			for (i = 0; i < j; i++)
				L[rank * R + i] = 0;
		}
		rank++;
	}
	return rank;
}
