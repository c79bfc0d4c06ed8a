/*
 * distr_test.c - the covariance matrices and the Wald test of whole
 * distributions (distr_core.c) against hand formulas over the raw rows:
 * weights only (whole sample and domain), strata and PSUs with fpc and
 * zero padding, strata without clusters, replicates, two groups of one
 * sample; the consistency check of the category tallies; the Wald test.
 * Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distr_core.h"
#include "stratified_core.h"
#include "tally_core.h"
#include "tap.h"

static void
close_to(double got, double want, double tol, const char *what)
{
	int			good = fabs(got - want) <= tol * fabs(want) || fabs(got - want) <= 1e-18;

	ok(good, what);
	if (!good)
		printf("#   got %.17g, want %.17g\n", got, want);
}

static void
key_of(int v, char *key)
{
	int			i;

	key[0] = 'i';
	for (i = 0; i < 8; i++)
		key[1 + i] = (char) (((unsigned long long) (long long) v) >> (8 * (7 - i)));
}

#define K 3
#define NROW 14

/* rows: stratum, psu, category (0..K-1, -1 missing), weight, group */
typedef struct Row
{
	int			stratum;
	int			psu;
	int			cat;
	double		w;
	int			group;
} Row;

static const Row rows[NROW] = {
	{1, 1, 0, 1.0, 0}, {1, 1, 1, 2.0, 1}, {1, 2, 2, 1.5, 0}, {1, 2, 0, 0.5, 0},
	{1, 3, 1, 1.2, 1}, {1, 3, -1, 1.0, 0}, {2, 1, 2, 2.5, 1}, {2, 1, 0, 1.1, 0},
	{2, 2, 1, 0.7, 0}, {2, 2, 2, 1.9, 1}, {2, 3, 0, 1.3, 1}, {2, 4, 1, 0.9, 0},
	{2, 4, 2, 1.4, 0}, {2, 4, 0, 2.2, 1}
};

/* strata 1 and 2: 3 and 5 PSUs in the sample (PSU 5 of stratum 2 has no row) */
static const int64_t n_psu[3] = {0, 3, 5};
static const double popsize[3] = {0, 0, 20};

typedef struct Dist
{
	TallyCore	core[K];
	Design		d[K];
	RepAcc		r[K];
	DistrPart	parts[K];
} Dist;

/* category tallies of the rows of group g (-1: all rows), clustered */
static void
load_cluster(Dist *x, int g)
{
	int			k,
				i;
	char		key[9];
	bool		created;

	for (k = 0; k < K; k++)
	{
		tally_core_init(&x->core[k], TALLY_PROPORTION);
		design_init(&x->d[k], DESIGN_CLUSTER, tap_realloc, NULL);
		for (i = 0; i < NROW; i++)
		{
			uint32_t	h,
						p;
			double		y;

			if (g >= 0 && rows[i].group != g)
				continue;
			if (rows[i].cat < 0)
			{
				tally_core_add_missing(&x->core[k]);
				continue;
			}
			y = rows[i].cat == k ? 1.0 : 0.0;
			key_of(rows[i].stratum, key);
			h = design_stratum(&x->d[k], key, 9, &created);
			x->d[k].strata[h].n_psu = n_psu[rows[i].stratum];
			x->d[k].strata[h].popsize = popsize[rows[i].stratum];
			key_of(rows[i].psu, key);
			p = design_psu(&x->d[k], h, key, 9, &created);
			tally_core_add(&x->core[k], y, rows[i].w);
			design_add(&x->d[k], p, UINT32_MAX, y, rows[i].w);
		}
		tally_core_finish(&x->core[k]);
		design_sort(&x->d[k]);
		x->parts[k].core = &x->core[k];
		x->parts[k].d = &x->d[k];
		x->parts[k].r = &x->r[k];
	}
}

/* the proportions of group g by hand */
static void
props(int g, double *p, double *W)
{
	int			i,
				k;

	*W = 0;
	for (k = 0; k < K; k++)
		p[k] = 0;
	for (i = 0; i < NROW; i++)
		if ((g < 0 || rows[i].group == g) && rows[i].cat >= 0)
		{
			*W += rows[i].w;
			p[rows[i].cat] += rows[i].w;
		}
	for (k = 0; k < K; k++)
		p[k] /= *W;
}

/*
 * R's onestrat by hand over the score columns of G groups: PSU totals
 * z_hj = sum w (y - p)/W of the group's rows, zero padding to n_h PSUs,
 * f = 1 - n_h/N_h: V = sum_h f n_h/(n_h - 1) sum_j (z_hj - zbar_h)(...)'
 */
static void
hand_cluster(int G, const int *groups, double *V)
{
	double		p[2][K],
				W[2],
				z[3][6][2 * K];
	int			GK = G * K,
				h,
				j,
				a,
				b,
				i,
				g;

	memset(z, 0, sizeof(z));
	for (g = 0; g < G; g++)
		props(groups[g], p[g], &W[g]);
	for (i = 0; i < NROW; i++)
		for (g = 0; g < G; g++)
			if ((groups[g] < 0 || rows[i].group == groups[g]) && rows[i].cat >= 0)
				for (a = 0; a < K; a++)
					z[rows[i].stratum][rows[i].psu][g * K + a] +=
						rows[i].w * ((rows[i].cat == a) - p[g][a]) / W[g];
	memset(V, 0, sizeof(double) * GK * GK);
	for (h = 1; h <= 2; h++)
	{
		double		n = (double) n_psu[h],
					f = popsize[h] > 0 ? 1 - n / popsize[h] : 1,
					mean[2 * K];

		for (a = 0; a < GK; a++)
		{
			mean[a] = 0;
			for (j = 1; j <= n; j++)
				mean[a] += z[h][j][a] / n;
		}
		for (a = 0; a < GK; a++)
			for (b = 0; b < GK; b++)
				for (j = 1; j <= n; j++)
					V[a * GK + b] += f * n / (n - 1) * (z[h][j][a] - mean[a]) * (z[h][j][b] - mean[b]);
	}
}

static void
test_cluster(void)
{
	Dist		x;
	double		V[K * K],
				H[K * K];
	DistrCov	cv;
	const DistrPart *g[1];
	int			all = -1,
				a,
				b;
	char		what[128];

	load_cluster(&x, -1);
	ok(distr_check(x.parts, K) == NULL, "cluster: the category tallies form a distribution");
	g[0] = x.parts;
	distr_cov(g, 1, K, V, &cv, tap_realloc, NULL);
	hand_cluster(1, &all, H);
	ok(cv.status == DESIGN_OK, "cluster: covariance defined");
	for (a = 0; a < K; a++)
		for (b = 0; b < K; b++)
		{
			snprintf(what, sizeof(what), "cluster: V[%d][%d] = onestrat by hand", a, b);
			close_to(V[a * K + b], H[a * K + b], 1e-13, what);
		}
	close_to(cv.df, 7 - 2, 0, "cluster: df = 7 PSUs with rows - 2 strata");
	{
		DesignVariance dv;

		design_variance(&x.d[1], &x.core[1], &dv);
		ok(dv.variance == V[1 * K + 1], "cluster: the diagonal is the single tally's variance, bit for bit");
	}
	for (a = 0; a < K; a++)
	{
		double		s = 0;

		for (b = 0; b < K; b++)
			s += V[a * K + b];
		snprintf(what, sizeof(what), "cluster: row %d of V adds up to 0", a);
		ok(fabs(s) < 1e-15, what);
	}
}

/* two groups of one sample: the 2K x 2K matrix of svyby(covmat = TRUE) */
static void
test_groups(void)
{
	Dist		x0,
				x1;
	double		V[4 * K * K],
				H[4 * K * K];
	DistrCov	cv;
	const DistrPart *g[2];
	int		groups[2] = {0, 1},
				a,
				bad = 0;

	load_cluster(&x0, 0);
	load_cluster(&x1, 1);
	g[0] = x0.parts;
	g[1] = x1.parts;
	distr_cov(g, 2, K, V, &cv, tap_realloc, NULL);
	hand_cluster(2, groups, H);
	for (a = 0; a < 4 * K * K; a++)
		if (!(fabs(V[a] - H[a]) <= 1e-13 * fabs(H[a]) + 1e-18))
			bad++;
	ok(bad == 0, "two groups: the 6 x 6 covariance, cross-covariance included, = onestrat by hand");
	ok(cv.conflict == NULL && cv.status == DESIGN_OK, "two groups: no conflict");
	close_to(cv.df, 7 - 2, 0, "two groups: df of the union");
}

/* weights only: V_kl = n/(n-1) sum w^2 (y_k - p_k)(y_l - p_l) / W^2 */
static void
test_weights(void)
{
	Dist		x;
	double		V[K * K],
				p[K],
				W,
				n = NROW;
	DistrCov	cv;
	const DistrPart *g[1];
	int			a,
				b,
				i,
				k;
	char		what[128];

	for (k = 0; k < K; k++)
	{
		tally_core_init(&x.core[k], TALLY_PROPORTION);
		design_init(&x.d[k], DESIGN_WEIGHTS, tap_realloc, NULL);
		for (i = 0; i < NROW; i++)
			if (rows[i].cat < 0)
				tally_core_add_missing(&x.core[k]);
			else
				tally_core_add_prop(&x.core[k], rows[i].cat == k, rows[i].w);
		tally_core_finish(&x.core[k]);
		x.parts[k].core = &x.core[k];
		x.parts[k].d = &x.d[k];
		x.parts[k].r = &x.r[k];
	}
	g[0] = x.parts;
	distr_cov(g, 1, K, V, &cv, tap_realloc, NULL);
	props(-1, p, &W);
	for (a = 0; a < K; a++)
		for (b = 0; b < K; b++)
		{
			double		s = 0;

			for (i = 0; i < NROW; i++)
				if (rows[i].cat >= 0)
					s += rows[i].w * rows[i].w * ((rows[i].cat == a) - p[a]) * ((rows[i].cat == b) - p[b]);
			snprintf(what, sizeof(what), "weights: V[%d][%d] by hand (n = 14 rows, one missing)", a, b);
			close_to(V[a * K + b], n / (n - 1) * s / (W * W), 1e-13, what);
		}
	{
		TallySummary s;

		tally_core_summary(&x.core[2], &s);
		ok(s.variance == V[2 * K + 2], "weights: the diagonal is the single tally's variance, bit for bit");
	}
	/* a forged distribution: one category's rows differ */
	x.core[1].n++;
	ok(distr_check(x.parts, K) != NULL, "check: category tallies of different rows are refused");
	x.core[1].n--;
	x.core[1].s[S_WY].hi += 1.0;
	ok(distr_check(x.parts, K) != NULL, "check: category weights that do not add up are refused");
	x.core[1].s[S_WY].hi -= 1.0;
	ok(distr_check(x.parts, K) == NULL, "check: the restored distribution passes");
}

/* strata without clusters, each row its own PSU: as the cluster form with psu = row */
static void
test_stratified(void)
{
	Dist		x,
				c;
	double		V[K * K],
				C[K * K];
	DistrCov	cv,
				cc;
	const DistrPart *g[1];
	int			k,
				i,
				a,
				bad = 0;
	char		key[9];
	bool		created;
	int64_t		rows_in[3] = {0, 6, 8};

	for (k = 0; k < K; k++)
	{
		tally_core_init(&x.core[k], TALLY_PROPORTION);
		design_init(&x.d[k], DESIGN_STRATIFIED, tap_realloc, NULL);
		tally_core_init(&c.core[k], TALLY_PROPORTION);
		design_init(&c.d[k], DESIGN_CLUSTER, tap_realloc, NULL);
		for (i = 0; i < NROW; i++)
		{
			uint32_t	h,
						p;
			double		y;

			if (rows[i].cat < 0)
			{
				tally_core_add_missing(&x.core[k]);
				tally_core_add_missing(&c.core[k]);
				continue;
			}
			y = rows[i].cat == k;
			key_of(rows[i].stratum, key);
			h = stratified_stratum(&x.d[k], key, 9, &created);
			x.d[k].strata[h].n_psu = rows_in[rows[i].stratum];
			x.d[k].strata[h].popsize = rows[i].stratum == 2 ? 40 : 0;
			stratified_add(&x.core[k], &x.d[k].sums[h], y, rows[i].w);
			h = design_stratum(&c.d[k], key, 9, &created);
			c.d[k].strata[h].n_psu = rows_in[rows[i].stratum];
			c.d[k].strata[h].popsize = rows[i].stratum == 2 ? 40 : 0;
			key_of(i, key);
			p = design_psu(&c.d[k], h, key, 9, &created);
			tally_core_add(&c.core[k], y, rows[i].w);
			design_add(&c.d[k], p, UINT32_MAX, y, rows[i].w);
		}
		tally_core_finish(&x.core[k]);
		tally_core_finish(&c.core[k]);
		design_sort(&c.d[k]);
		x.parts[k] = (DistrPart) {&x.core[k], &x.d[k], &x.r[k]};
		c.parts[k] = (DistrPart) {&c.core[k], &c.d[k], &c.r[k]};
	}
	g[0] = x.parts;
	distr_cov(g, 1, K, V, &cv, tap_realloc, NULL);
	g[0] = c.parts;
	distr_cov(g, 1, K, C, &cc, tap_realloc, NULL);
	for (a = 0; a < K * K; a++)
		if (!(fabs(V[a] - C[a]) <= 1e-13 * fabs(C[a])))
			bad++;
	ok(bad == 0, "stratified: V = the clustered form with every row its own PSU");
	close_to(cv.df, cc.df, 0, "stratified: df = the clustered form's");
}

/* replicates: V = scale sum_r (theta_r - mean)(theta_r - mean)' */
static double
rep_theta_hand(int r, int k)
{
	double		a = 0,
				b = 0;
	int			i;

	for (i = 0; i < NROW; i++)
		if (rows[i].cat >= 0 && i % 4 != r)
		{
			b += rows[i].w;
			a += rows[i].w * (rows[i].cat == k);
		}
	return a / b;
}

static void
test_replicates(void)
{
	Dist		x;
	double		V[K * K],
				rs[4] = {1, 1, 1, 1},
				mean[K] = {0, 0, 0};
	dd_t		A[K][4],
				B[4];
	DistrCov	cv;
	const DistrPart *g[1];
	int			k,
				r,
				i,
				a,
				b,
				bad = 0;

	memset(A, 0, sizeof(A));
	memset(B, 0, sizeof(B));
	/* replicate r drops the rows i with i % 4 = r */
	for (r = 0; r < 4; r++)
		for (i = 0; i < NROW; i++)
			if (rows[i].cat >= 0 && i % 4 != r)
			{
				B[r] = dd_add(B[r], dd_from_double(rows[i].w));
				A[rows[i].cat][r] = dd_add(A[rows[i].cat][r], dd_from_double(rows[i].w));
			}
	for (k = 0; k < K; k++)
	{
		tally_core_init(&x.core[k], TALLY_PROPORTION);
		design_init(&x.d[k], DESIGN_REPLICATE, tap_realloc, NULL);
		for (i = 0; i < NROW; i++)
			if (rows[i].cat >= 0)
				tally_core_add_prop(&x.core[k], rows[i].cat == k, rows[i].w);
		tally_core_finish(&x.core[k]);
		memset(&x.r[k], 0, sizeof(RepAcc));
		x.r[k].spec.method = REP_JK1;
		x.r[k].spec.nrep = 4;
		x.r[k].spec.scale = 0.75;
		x.r[k].spec.df = NAN;
		x.r[k].rscales = rs;
		x.r[k].a = A[k];
		x.r[k].b = B;
		x.parts[k] = (DistrPart) {&x.core[k], &x.d[k], &x.r[k]};
	}
	g[0] = x.parts;
	distr_cov(g, 1, K, V, &cv, tap_realloc, NULL);
	for (k = 0; k < K; k++)
		for (r = 0; r < 4; r++)
			mean[k] += rep_theta_hand(r, k) / 4;
	for (a = 0; a < K; a++)
		for (b = 0; b < K; b++)
		{
			double		s = 0;

			for (r = 0; r < 4; r++)
				s += (rep_theta_hand(r, a) - mean[a]) * (rep_theta_hand(r, b) - mean[b]);
			if (!(fabs(V[a * K + b] - 0.75 * s) <= 1e-12 * fabs(0.75 * s)))
				bad++;
		}
	ok(bad == 0, "replicates: V = scale sum_r (theta_r - mean)(theta_r - mean)' by hand");
	close_to(cv.df, 3, 0, "replicates: df = R - 1");

	/*
	 * R's degf: the rank of the rows' replicate weights - 1, from the Gram
	 * matrices the category tallies keep (rank 2 here); two groups: the
	 * rank of the union (rank 3); a spec df wins
	 */
	{
		static const double xa[2][4] = {{1, 1, 0, 0}, {0, 0, 2, 2}},
					xb[4] = {1, 0, 1, 0};
		double		Ga[10] = {0},
					Gb[10] = {0},
					V2[4 * K * K];
		RepAcc		rb[K];
		DistrPart	pb[K];
		const DistrPart *g2[2];
		int			u,
					v,
					m;

		for (m = 0; m < 2; m++)
			for (u = 0, i = 0; u < 4; u++)
				for (v = u; v < 4; v++, i++)
					Ga[i] += xa[m][u] * xa[m][v];
		for (u = 0, i = 0; u < 4; u++)
			for (v = u; v < 4; v++, i++)
				Gb[i] = xb[u] * xb[v];
		for (k = 0; k < K; k++)
		{
			x.r[k].rank_state = REP_RANK_KNOWN;
			x.r[k].rank = 2;
			x.r[k].gram = Ga;
			rb[k] = x.r[k];
			rb[k].rank = 1;
			rb[k].gram = Gb;
			pb[k] = x.parts[k];
			pb[k].r = &rb[k];
		}
		distr_cov(g, 1, K, V, &cv, tap_realloc, NULL);
		close_to(cv.df, 1, 0, "replicates, rank 2 kept: df = R's degf = 1");
		g2[0] = x.parts;
		g2[1] = pb;
		distr_cov(g2, 2, K, V2, &cv, tap_realloc, NULL);
		close_to(cv.df, 2, 0, "replicates, two groups of rank 2 and 1: df = rank of the union (3) - 1");
		for (k = 0; k < K; k++)
			rb[k].rank = 4, rb[k].gram = NULL;
		distr_cov(g2, 2, K, V2, &cv, tap_realloc, NULL);
		close_to(cv.df, 3, 0, "replicates, one group of full rank: df = R - 1");
		for (k = 0; k < K; k++)
			x.r[k].spec.df = 5, rb[k].spec.df = 5;
		distr_cov(g2, 2, K, V2, &cv, tap_realloc, NULL);
		close_to(cv.df, 5, 0, "replicates, a spec df: it wins");
	}
}

static void
test_wald(void)
{
	double		d[3] = {0.1, -0.05, -0.05},
				S[9] = {0.01, 0, -0.01, 0, 0.04, -0.04, -0.01, -0.04, 0.05},
				work[12];
	DistrTest	t;

	ok(distr_wald(d, S, 3, 10, work, &t), "wald: a positive definite S");
	close_to(t.chisq, 0.1 * 0.1 / 0.01 + 0.05 * 0.05 / 0.04, 1e-15, "wald: X2 = d' S^-1 d on K - 1 categories");
	close_to(t.ndf, 2, 0, "wald: ndf = K - 1");
	close_to(t.p_chisq, exp(-t.chisq / 2), 1e-14, "wald: p of chi-square with 2 df = exp(-X2/2)");
	close_to(t.f, t.chisq / 2, 1e-15, "wald: F = X2 / ndf");
	ok(t.p_f > t.p_chisq && t.p_f < 1, "wald: the F p-value (10 ddf) is above the chi-square one");
	S[0] = 0;
	S[2] = S[6] = 0;
	ok(!distr_wald(d, S, 3, 10, work, &t) && isnan(t.chisq), "wald: a category without variance: undefined");
	ok(!distr_wald(d, S, 1, 10, work, &t), "wald: one category: undefined");
}

int
main(void)
{
	test_cluster();
	test_groups();
	test_weights();
	test_stratified();
	test_replicates();
	test_wald();
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
