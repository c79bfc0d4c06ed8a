/*
 * rep_rank_test.c - C unit tests of rep_rank_core.c (the rank of a
 * replicate tally's replicate weights, kept as a packed Gram matrix):
 * row by row with runs of proportional rows equals the Gram matrix formed
 * directly; the rank of JK1 and JKn factor matrices and of domains that
 * lose PSUs; merges of two halves equal one pass in every order; a full
 * rank side makes the merge full rank, an untracked side untracked; the
 * df rule (spec df, rank - 1, R - 1); the checks of a stored rank section.
 * Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_rank_core.h"
#include "tap.h"

#define NR 12

static RepAcc
acc_new(uint32_t R)
{
	RepAcc		r;

	memset(&r, 0, sizeof(r));
	r.spec.nrep = R;
	r.spec.df = NAN;
	r.gram = calloc(rep_gram_len(R), sizeof(double));
	r.run = calloc(R, sizeof(double));
	r.b = calloc(R, sizeof(dd_t));
	rep_rank_open(&r);
	return r;
}

static void
acc_free(RepAcc *r)
{
	free(r->gram);
	free(r->run);
	free(r->b);
}

/* the rank as a stored value has it */
static int
rank_now(RepAcc *r)
{
	double	   *work = calloc(2 * (size_t) r->spec.nrep * r->spec.nrep, sizeof(double));
	int			k;

	rep_rank_flush(r);
	k = rep_rank_compute(r, work);
	free(work);
	return k;
}

/* JKn factors: PSU p of stratum p / m, replicate j deletes PSU j */
static void
jkn_row(double *x, int p, int m, int R, double w)
{
	int			j;

	for (j = 0; j < R; j++)
		x[j] = w * (p / m != j / m ? 1.0 : (p == j ? 0.0 : (double) m / (m - 1)));
}

int
main(void)
{
	int			R = NR,
				m = 3,
				p,
				i,
				j;
	double		x[NR];
	char		name[128];

	/* runs of proportional rows: the same Gram matrix as row by row */
	{
		RepAcc		a = acc_new(R),
					b = acc_new(R);
		double	   *G = calloc(rep_gram_len(R), sizeof(double));
		double		maxrel = 0;
		size_t		k;

		for (p = 0; p < R; p++)
			for (i = 0; i < 5; i++)
			{
				double	   *g = G;
				int			a0;

				jkn_row(x, p, m, R, 1 + 0.37 * i + 0.01 * p);
				rep_rank_add(&a, x);
				for (a0 = 0; a0 < R; a0++)
				{
					for (j = a0; j < R; j++)
						g[j - a0] += x[a0] * x[j];
					g += R - a0;
				}
				(void) b;
			}
		rep_rank_flush(&a);
		for (k = 0; k < rep_gram_len(R); k++)
			if (G[k] != 0)
				maxrel = fmax(maxrel, fabs(a.gram[k] - G[k]) / fabs(G[k]));
			else if (a.gram[k] != 0)
				maxrel = 1;
		snprintf(name, sizeof(name), "runs of one PSU's rows: the Gram matrix of row by row (max rel. diff %.2g)", maxrel);
		ok(maxrel < 1e-14, name);
		ok(rank_now(&a) == R - R / m + 1, "JKn, 4 strata x 3 PSUs: rank PSUs - strata + 1 = 9");
		acc_free(&a);
		acc_free(&b);
		free(G);
	}

	/* a domain of the PSUs of two strata, and of one PSU */
	{
		RepAcc		a = acc_new(R),
					c = acc_new(R);

		for (p = 0; p < 2 * m; p++)
		{
			jkn_row(x, p, m, R, 2.0);
			rep_rank_add(&a, x);
		}
		ok(rank_now(&a) == 2 * (m - 1) + 1, "JKn domain in two strata: rank 2 (m - 1) + 1 = 5");
		jkn_row(x, 4, m, R, 1.5);
		rep_rank_add(&c, x);
		rep_rank_add(&c, x);
		ok(rank_now(&c) == 1, "a domain inside one PSU: rank 1");
		acc_free(&a);
		acc_free(&c);
	}

	/* merges: halves in either order equal one pass; rows in any order */
	{
		RepAcc		one = acc_new(R),
					h1 = acc_new(R),
					h2 = acc_new(R),
					h3 = acc_new(R),
					h4 = acc_new(R);
		int			ps[5] = {0, 1, 4, 7, 8};

		for (i = 0; i < 5; i++)
		{
			jkn_row(x, ps[i], m, R, 1.0 + i);
			rep_rank_add(&one, x);
			rep_rank_add(i % 2 ? &h1 : &h2, x);
			rep_rank_add(i % 2 ? &h4 : &h3, x);
		}
		(void) rep_rank_merge(&h1, &h2);
		(void) rep_rank_merge(&h3, &h4);
		ok(rank_now(&one) == rank_now(&h1) && rank_now(&h1) == rank_now(&h3),
		   "merge of two halves, either order, = one pass");
		snprintf(name, sizeof(name), "5 PSUs, no stratum complete: rank %d = 5 (one per PSU)", rank_now(&one));
		ok(rank_now(&one) == 5, name);
		acc_free(&one);
		acc_free(&h1);
		acc_free(&h2);
		acc_free(&h3);
		acc_free(&h4);
	}

	/* full rank and untracked sides */
	{
		RepAcc		a = acc_new(R),
					full,
					none;

		jkn_row(x, 0, m, R, 1);
		rep_rank_add(&a, x);
		memset(&full, 0, sizeof(full));
		full.spec.nrep = R;
		full.spec.df = NAN;
		full.rank_state = REP_RANK_KNOWN;
		full.rank = R;
		none = full;
		none.rank_state = REP_RANK_NONE;
		none.rank = 0;
		ok(!rep_rank_merge(&a, &full) && a.rank_state == REP_RANK_KNOWN && a.rank == R && a.gram == NULL,
		   "merged with a full rank tally: full rank, no Gram matrix");
		ok(rep_df(&a) == R - 1, "full rank: df R - 1");
		ok(!rep_rank_merge(&a, &none) && a.rank_state == REP_RANK_NONE, "merged with an untracked tally: untracked");
		ok(rep_df(&a) == R - 1, "untracked: df R - 1");
	}

	/* the df rule and the checks of a stored section */
	{
		RepAcc		a = acc_new(R);
		double	   *work = calloc(2 * (size_t) R * R, sizeof(double));

		for (p = 0; p < 2 * m; p++)
		{
			jkn_row(x, p, m, R, 1);
			rep_rank_add(&a, x);
		}
		rep_rank_flush(&a);
		a.rank_state = REP_RANK_KNOWN;
		a.rank = rep_rank_compute(&a, work);
		ok(rep_df(&a) == 4, "rank 5: df 4");
		ok(rep_rank_problem(&a, work) == NULL, "a stored rank that matches its Gram matrix is accepted");
		a.rank = 4;
		ok(rep_rank_problem(&a, work) != NULL, "a rank that does not match: refused");
		a.rank = 5;
		a.gram[1] = 1e300;
		ok(rep_rank_problem(&a, work) != NULL, "|g_01| > sqrt(g_00 g_11): refused");
		a.gram[1] = 0;
		a.gram[0] = -1;
		ok(rep_rank_problem(&a, work) != NULL, "a negative diagonal entry: refused");
		a.gram[0] = 0;
		a.rank = R + 1;
		ok(rep_rank_problem(&a, work) != NULL, "a rank above R: refused");
		a.rank = 1;
		a.spec.df = 3;
		ok(rep_rank_problem(&a, work) != NULL, "a rank with a spec df: refused");
		ok(rep_df(&a) == 3, "a spec df wins");
		a.rank = 1;
		a.spec.df = NAN;
		a.rank_state = REP_RANK_KNOWN;
		a.rank = 1;
		ok(rep_df(&a) == 0, "rank 1: df 0");
		a.rank = 0;
		ok(rep_df(&a) == 0, "rank 0 (no rows): df 0, never negative");
		free(work);
		acc_free(&a);
	}

	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
