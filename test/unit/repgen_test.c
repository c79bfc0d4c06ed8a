/*
 * repgen_test.c - C unit tests of the replicate-weight maker (no
 * PostgreSQL): R's Hadamard matrices for 1..1100 pseudo-strata (checksums
 * from test/fixtures/repgen_hadamard.csv), their orthogonality, options,
 * design checks, the factors of every method on small designs, degrees of
 * freedom against a numeric rank, and the bootstrap generator: frozen
 * known-answer values, reproducibility, Rao-Wu sums, moments, and the
 * variance of a total against the closed-form stratified variance.
 * Prints TAP; run with `prove --exec '' test/unit/repgen_test` or `make unit`.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repgen_core.h"
#include "tap.h"

/* an arena: every allocation of a test is freed by arena_free() */
static void **arena = NULL;
static size_t arena_n = 0,
			arena_cap = 0;

static void *
talloc(void *ctx, size_t size)
{
	void	   *p = calloc(1, size ? size : 1);

	(void) ctx;
	if (p == NULL)
	{
		printf("Bail out! out of memory\n");
		exit(2);
	}
	if (arena_n == arena_cap)
	{
		arena_cap = arena_cap ? 2 * arena_cap : 64;
		arena = realloc(arena, arena_cap * sizeof(void *));
		if (arena == NULL)
		{
			printf("Bail out! out of memory\n");
			exit(2);
		}
	}
	arena[arena_n++] = p;
	return p;
}

static void
arena_free(void)
{
	while (arena_n > 0)
		free(arena[--arena_n]);
}

/* a design from PSU counts; stratum ids "s<k>" unless given */
typedef struct TestDesign
{
	RepgenDesign d;
	int32_t		npsu[64];
	const char *ids[64];
	char		buf[64][16];
} TestDesign;

static const RepgenDesign *
design(TestDesign *t, int nstrata, const int *npsu, const char *const *ids)
{
	int			h;

	for (h = 0; h < nstrata; h++)
	{
		t->npsu[h] = npsu[h];
		if (ids)
			t->ids[h] = ids[h];
		else
		{
			snprintf(t->buf[h], sizeof(t->buf[h]), "%d", h + 1);
			t->ids[h] = t->buf[h];
		}
	}
	t->d.nstrata = nstrata;
	t->d.npsu = t->npsu;
	t->d.stratum_id = t->ids;
	return &t->d;
}

static RepgenSpec
spec(const char *method, const char *options)
{
	RepgenSpec	s;
	bool		unknown;
	char		err[300];

	if (!repgen_spec_parse(&s, method, options, &unknown, err, sizeof(err)))
	{
		printf("Bail out! spec %s %s: %s\n", method, options ? options : "", err);
		exit(2);
	}
	return s;
}

/* the npsus x nreps factor matrix */
static double *
factor_matrix(Repgen *g)
{
	double	   *m = talloc(NULL, sizeof(double) * (size_t) g->npsus * g->nreps);
	int32_t		i;

	repgen_prepare(g, talloc, NULL);
	for (i = 0; i < g->npsus; i++)
		repgen_factors(g, i, m + (size_t) i * g->nreps);
	return m;
}

/* numeric rank (Gaussian elimination, full pivoting, relative tol 1e-9) */
static int
numeric_rank(const double *src, int rows, int cols)
{
	double	   *a = talloc(NULL, sizeof(double) * (size_t) rows * cols);
	double		amax = 0;
	int			rank = 0,
				i,
				j,
				k;

	memcpy(a, src, sizeof(double) * (size_t) rows * cols);
	for (i = 0; i < rows * cols; i++)
		amax = fmax(amax, fabs(a[i]));
	for (k = 0; k < rows && k < cols; k++)
	{
		int			pi = -1,
					pj = -1;
		double		best = 1e-9 * amax;

		for (i = k; i < rows; i++)
			for (j = k; j < cols; j++)
				if (fabs(a[i * cols + j]) > best)
				{
					best = fabs(a[i * cols + j]);
					pi = i;
					pj = j;
				}
		if (pi < 0)
			break;
		for (j = 0; j < cols; j++)
		{
			double		t = a[k * cols + j];

			a[k * cols + j] = a[pi * cols + j];
			a[pi * cols + j] = t;
		}
		for (i = 0; i < rows; i++)
		{
			double		t = a[i * cols + k];

			a[i * cols + k] = a[i * cols + pj];
			a[i * cols + pj] = t;
		}
		for (i = k + 1; i < rows; i++)
		{
			double		f = a[i * cols + k] / a[k * cols + k];

			for (j = k; j < cols; j++)
				a[i * cols + j] -= f * a[k * cols + j];
		}
		rank++;
	}
	return rank;
}

/* ------------------------------------------------------------------------ */

/* R's survey:::hadamard(n) for n = 1..1100: sizes and checksums */
static void
test_hadamard_vs_r(const char *argv0)
{
	char		path[4096];
	const char *slash = strrchr(argv0, '/');
	FILE	   *f;
	char		line[256];
	int			rows = 0,
				bad_size = 0,
				bad_sum = 0;

	snprintf(path, sizeof(path), "%.*s../fixtures/repgen_hadamard.csv",
			 slash ? (int) (slash - argv0 + 1) : 0, argv0);
	f = fopen(path, "r");
	if (f == NULL)
		f = fopen("test/fixtures/repgen_hadamard.csv", "r");
	ok(f != NULL, "test/fixtures/repgen_hadamard.csv is readable");
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL)
	{
		long		n,
					size;
		long long	want;
		uint8_t    *h;
		long long	sum = 0;
		long		i,
					j;

		if (sscanf(line, "%ld,%ld,%lld", &n, &size, &want) != 3)
			continue;
		rows++;
		if (repgen_hadamard_size((int32_t) n) != size)
		{
			if (bad_size++ < 5)
				printf("# hadamard(%ld): size %d, R %ld\n", n, repgen_hadamard_size((int32_t) n), size);
			continue;
		}
		h = talloc(NULL, (size_t) size * size);
		repgen_hadamard_build((int32_t) n, h, talloc, NULL);
		for (i = 1; i <= size; i++)
			for (j = 1; j <= size; j++)
				if (h[(i - 1) * size + (j - 1)])
					sum += (i * 65537 + j * 257 + i * j) % 1000003;
		if (sum != want && bad_sum++ < 5)
			printf("# hadamard(%ld): checksum %lld, R %lld\n", n, sum, want);
		arena_free();
	}
	fclose(f);
	ok(rows == 1100, "the fixture has 1100 rows (n = 1..1100)");
	ok(bad_size == 0, "hadamard(n) has R's size for n = 1..1100");
	ok(bad_sum == 0, "hadamard(n) has R's entries (checksum) for n = 1..1100");
}

/* +-1 rows orthogonal, first row constant, size > n */
static bool
is_hadamard(const uint8_t *h, int size)
{
	int			i,
				k,
				j;

	for (j = 0; j < size; j++)
		if (h[j] != h[0])
			return false;
	for (i = 0; i < size; i++)
		for (k = i + 1; k < size; k++)
		{
			long		dot = 0;

			for (j = 0; j < size; j++)
				dot += h[i * size + j] == h[k * size + j] ? 1 : -1;
			if (dot != 0)
				return false;
		}
	return true;
}

static void
test_hadamard_properties(void)
{
	int			n,
				bad = 0,
				checked = 0,
				last = 0;

	for (n = 1; n <= 300; n++)
	{
		int			size = repgen_hadamard_size(n);
		uint8_t    *h;

		if (size <= n)
		{
			bad++;
			continue;
		}
		if (size == last)
			continue;
		last = size;
		h = talloc(NULL, (size_t) size * size);
		repgen_hadamard_build(n, h, talloc, NULL);
		checked++;
		if (!is_hadamard(h, size))
		{
			bad++;
			printf("# hadamard(%d) of size %d is not orthogonal\n", n, size);
		}
		arena_free();
	}
	printf("# %d distinct matrices checked\n", checked);
	ok(bad == 0, "hadamard(n), n = 1..300: more than n rows, orthogonal, constant first row");
	ok(repgen_hadamard_size(3) == 4 && repgen_hadamard_size(7) == 8 &&
	   repgen_hadamard_size(12) == 16 && repgen_hadamard_size(27) == 28 &&
	   repgen_hadamard_size(35) == 36, "stored sizes 4, 16, 28, 36 and a doubled 4");
	ok(repgen_hadamard_size(40) == 44 && repgen_hadamard_size(44) == 48 &&
	   repgen_hadamard_size(100) == 104, "Paley 43, Paley 11 doubled twice, Paley 103");
	{
		int			worst = 0;

		for (n = 1; n <= REPGEN_MAX_PSEUDO_STRATA; n++)
			if (repgen_hadamard_size(n) - n > worst)
				worst = repgen_hadamard_size(n) - n;
		printf("# largest excess size - n for n <= %d: %d\n", REPGEN_MAX_PSEUDO_STRATA, worst);
		ok(repgen_hadamard_size(REPGEN_MAX_PSEUDO_STRATA) <= 2 * REPGEN_MAX_PSEUDO_STRATA,
		   "the largest supported matrix is bounded");
	}
}

static void
test_options(void)
{
	RepgenSpec	s;
	bool		unknown;
	char		err[300];

	ok(repgen_spec_parse(&s, "jkn", NULL, &unknown, err, sizeof(err)) &&
	   s.method == REPGEN_JKN && s.lonely == REPGEN_LONELY_FAIL, "jkn without options");
	ok(repgen_spec_parse(&s, "bootstrap", "", &unknown, err, sizeof(err)) &&
	   s.replicates == 50 && s.seed == 0, "bootstrap defaults: 50 replicates, seed 0");
	ok(repgen_spec_parse(&s, "fay", " rho = 0.3 ,large=merge small=split", &unknown, err, sizeof(err)) &&
	   s.rho == 0.3 && s.large == REPGEN_LARGE_MERGE && s.small == REPGEN_SMALL_SPLIT,
	   "fay options with spaces and commas");
	ok(repgen_spec_parse(&s, "subbootstrap", "replicates=500, seed=-9223372036854775808", &unknown, err, sizeof(err)) &&
	   s.replicates == 500 && s.seed == INT64_MIN, "the whole int64 range of seeds");
	ok(!repgen_spec_parse(&s, "JKn", NULL, &unknown, err, sizeof(err)) && unknown, "method names are lower case");
	ok(!repgen_spec_parse(&s, "fay", "", &unknown, err, sizeof(err)) && !unknown &&
	   strstr(err, "needs the option rho") != NULL, "fay needs rho");
	ok(!repgen_spec_parse(&s, "fay", "rho=1", &unknown, err, sizeof(err)), "rho = 1 is refused");
	ok(!repgen_spec_parse(&s, "fay", "rho=-0.1", &unknown, err, sizeof(err)), "negative rho is refused");
	ok(!repgen_spec_parse(&s, "fay", "rho=nan", &unknown, err, sizeof(err)), "rho NaN is refused");
	ok(!repgen_spec_parse(&s, "bootstrap", "replicates=0", &unknown, err, sizeof(err)) &&
	   !repgen_spec_parse(&s, "bootstrap", "replicates=1", &unknown, err, sizeof(err)) &&
	   !repgen_spec_parse(&s, "bootstrap", "replicates=10001", &unknown, err, sizeof(err)) &&
	   !repgen_spec_parse(&s, "bootstrap", "replicates=5.5", &unknown, err, sizeof(err)),
	   "replicates must be an integer from 2 to 10000");
	ok(!repgen_spec_parse(&s, "bootstrap", "seed=9223372036854775808", &unknown, err, sizeof(err)),
	   "a seed beyond int64 is refused");
	ok(!repgen_spec_parse(&s, "jkn", "rho=0.5", &unknown, err, sizeof(err)) &&
	   strstr(err, "does not apply") != NULL, "an option of another method is refused");
	ok(!repgen_spec_parse(&s, "brr", "colour=red", &unknown, err, sizeof(err)) &&
	   strstr(err, "Unknown option") != NULL, "an unknown option is refused");
	ok(!repgen_spec_parse(&s, "brr", "large=merge large=split", &unknown, err, sizeof(err)) &&
	   strstr(err, "twice") != NULL, "an option given twice is refused");
	ok(!repgen_spec_parse(&s, "brr", "small=merge", &unknown, err, sizeof(err)) &&
	   strstr(err, "same half sample") != NULL, "small=merge is refused with R's reason");
	ok(!repgen_spec_parse(&s, "brr", "large", &unknown, err, sizeof(err)) &&
	   !repgen_spec_parse(&s, "brr", "large=", &unknown, err, sizeof(err)) &&
	   !repgen_spec_parse(&s, "brr", "=merge", &unknown, err, sizeof(err)),
	   "malformed options are refused");
	s = spec("fay", "rho=0.5");
	ok(repgen_spec_check(&s) == NULL, "a parsed spec passes the stored-spec check");
	s.seed = 3;
	ok(repgen_spec_check(&s) != NULL, "a seed on fay fails the stored-spec check");
}

static void
test_check(void)
{
	TestDesign	t;
	char		detail[300];
	RepgenSpec	s;
	static const int lonely[] = {3, 1, 2, 1, 1, 1, 2};
	static const int odd[] = {2, 3, 4, 5};
	static const int ones[] = {1, 1, 1};
	static const int one[] = {1};

	s = spec("jkn", NULL);
	ok(repgen_check(&s, design(&t, 7, lonely, NULL), detail, sizeof(detail)) == REPGEN_P_LONELY &&
	   strcmp(detail, "Strata \"2\", \"4\", \"5\" and 1 more have a single PSU.") == 0,
	   "jkn: lonely PSUs are named");
	printf("# %s\n", detail);
	s = spec("jkn", "lonely=remove");
	ok(repgen_check(&s, &t.d, detail, sizeof(detail)) == REPGEN_OK, "jkn lonely=remove accepts them");
	ok(repgen_check(&s, design(&t, 3, ones, NULL), detail, sizeof(detail)) == REPGEN_P_ALL_LONELY,
	   "jkn lonely=remove: every stratum lonely leaves no replicate");
	s = spec("jkn", "lonely=adjust");
	ok(repgen_check(&s, &t.d, detail, sizeof(detail)) == REPGEN_OK, "jkn lonely=adjust with every stratum lonely");
	ok(repgen_check(&s, design(&t, 1, one, NULL), detail, sizeof(detail)) == REPGEN_P_ONE_PSU,
	   "a single PSU is refused");
	s = spec("jk1", NULL);
	ok(repgen_check(&s, design(&t, 4, odd, NULL), detail, sizeof(detail)) == REPGEN_P_STRATIFIED,
	   "jk1 refuses a stratified design");
	s = spec("brr", NULL);
	ok(repgen_check(&s, &t.d, detail, sizeof(detail)) == REPGEN_P_ODD &&
	   strcmp(detail, "Strata \"2\" and \"4\" have an odd number of PSUs above two, which cannot be split into pairs.") == 0,
	   "brr: odd strata are named");
	s = spec("brr", "large=fail");
	ok(repgen_check(&s, &t.d, detail, sizeof(detail)) == REPGEN_P_LARGE, "brr large=fail");
	s = spec("brr", "large=merge");
	ok(repgen_check(&s, &t.d, detail, sizeof(detail)) == REPGEN_OK, "brr large=merge takes odd strata");
	ok(repgen_check(&s, design(&t, 7, lonely, NULL), detail, sizeof(detail)) == REPGEN_P_LONELY,
	   "brr: small=fail by default");
	s = spec("subbootstrap", NULL);
	ok(repgen_check(&s, &t.d, detail, sizeof(detail)) == REPGEN_P_LONELY, "subbootstrap needs two PSUs per stratum");
	s = spec("bootstrap", NULL);
	ok(repgen_check(&s, &t.d, detail, sizeof(detail)) == REPGEN_OK, "bootstrap accepts lonely PSUs (count 1)");
	ok(repgen_check(&s, design(&t, 3, ones, NULL), detail, sizeof(detail)) == REPGEN_P_ALL_LONELY,
	   "bootstrap: every stratum lonely (nbar = 1) is refused");
}

/* jk1 and jkn factors, scales, rscales and df on small designs */
static void
test_jackknife(void)
{
	TestDesign	t;
	RepgenSpec	s = spec("jk1", NULL);
	static const int four[] = {4};
	static const int jk[] = {2, 3, 1, 4, 1};
	Repgen	   *g;
	double	   *m;
	int			i,
				r,
				good;

	g = repgen_new(&s, design(&t, 1, four, NULL), talloc, NULL);
	m = factor_matrix(g);
	good = g->nreps == 4 && g->scale == 0.75;
	for (i = 0; i < 4; i++)
		for (r = 0; r < 4; r++)
			good &= m[i * 4 + r] == (i == r ? 0.0 : 4.0 / 3.0);
	ok(good, "jk1, 4 PSUs: a = 0 on the deleted PSU, 4/3 elsewhere, scale 3/4");
	ok(repgen_df(g, talloc, NULL) == 3 && numeric_rank(m, 4, 4) == 4, "jk1 df = n - 1 = rank - 1");
	arena_free();

	s = spec("jkn", "lonely=adjust");
	g = repgen_new(&s, design(&t, 5, jk, NULL), talloc, NULL);
	m = factor_matrix(g);
	/* replicates: stratum 1 (2), 2 (3), 3 adjust (1), 4 (4), 5 adjust (1) = 11 */
	good = g->nreps == 11 && g->scale == 1.0 && g->rscales[0] == 0.5 && g->rscales[2] == 2.0 / 3.0 &&
		g->rscales[5] == 0.8 && g->rscales[6] == 0.75 && g->rscales[10] == 0.8;
	ok(good, "jkn adjust: replicate order, rscales (n_h-1)/n_h and (H-1)/H");
	/* PSU 5 is stratum 3's lonely PSU: 0 in its replicate 5, 5/4 in replicate 10 */
	good = m[5 * 11 + 5] == 0.0 && m[5 * 11 + 10] == 1.25 && m[5 * 11 + 0] == 1.0 &&
		m[0 * 11 + 0] == 0.0 && m[0 * 11 + 1] == 2.0 && m[0 * 11 + 5] == 1.25 && m[2 * 11 + 3] == 1.5;
	ok(good, "jkn adjust: factors of a lonely PSU and of a PSU of a stratum of 2");
	ok(repgen_df(g, talloc, NULL) == numeric_rank(m, g->npsus, g->nreps) - 1 && repgen_df(g, talloc, NULL) == 8,
	   "jkn adjust: df = PSUs - strata + lonely = numeric rank - 1");
	arena_free();

	for (i = REPGEN_LONELY_REMOVE; i <= REPGEN_LONELY_AVERAGE; i++)
	{
		char		opt[40],
					what[120];

		snprintf(opt, sizeof(opt), "lonely=%s", repgen_lonely_name(i));
		s = spec("jkn", opt);
		g = repgen_new(&s, design(&t, 5, jk, NULL), talloc, NULL);
		m = factor_matrix(g);
		good = g->nreps == 9 && g->scale == (i == REPGEN_LONELY_AVERAGE ? 11.0 / 9.0 : 1.0);
		for (r = 0; r < 9; r++)
			good &= m[5 * 9 + r] == 1.0 && m[10 * 9 + r] == 1.0;
		snprintf(what, sizeof(what), "jkn %s: 9 replicates, lonely PSUs keep 1, scale %s", opt,
				 i == REPGEN_LONELY_AVERAGE ? "11/9" : "1");
		ok(good, what);
		snprintf(what, sizeof(what), "jkn %s: df = PSUs - strata = numeric rank - 1", opt);
		ok(repgen_df(g, talloc, NULL) == 6 && numeric_rank(m, 11, 9) == 7, what);
		arena_free();
	}
}

/* brr and fay: balance, halves, factors, df */
static void
test_brr(void)
{
	TestDesign	t;
	RepgenSpec	s = spec("brr", NULL);
	static const int pairs[] = {2, 2, 2};
	static const int mixed[] = {2, 1, 3, 4, 2, 1, 5};
	static const char *const mixed_ids[] = {"b", "a", "10", "9", "B", "c", "1"};
	Repgen	   *g;
	double	   *m;
	int			i,
				r,
				good;

	g = repgen_new(&s, design(&t, 3, pairs, NULL), talloc, NULL);
	m = factor_matrix(g);
	good = g->nreps == 4 && g->scale == 0.25;
	/*
	 * R: rows 2..4 of the stored 4 x 4 matrix (1010, 1100, 1001); the first
	 * PSU of a pair has weights (0, 1), so it takes 2 where the row has a 1
	 */
	{
		static const double want[6][4] = {
			{2, 0, 2, 0}, {0, 2, 0, 2}, {2, 2, 0, 0}, {0, 0, 2, 2}, {2, 0, 0, 2}, {0, 2, 2, 0}
		};

		for (i = 0; i < 6; i++)
			for (r = 0; r < 4; r++)
				good &= m[i * 4 + r] == want[i][r];
	}
	ok(good, "brr, 3 pairs: R's factors from rows 2-4 of the stored 4 x 4 matrix");
	ok(repgen_df(g, talloc, NULL) == 3 && numeric_rank(m, 6, 4) == 4, "brr df = strata = rank - 1");
	arena_free();

	s = spec("fay", "rho=0.25, small=split, large=merge");
	g = repgen_new(&s, design(&t, 7, mixed, mixed_ids), talloc, NULL);
	m = factor_matrix(g);
	/*
	 * global PSUs: "b" 0-1, "a" 2, "10" 3-5, "9" 6-9, "B" 10-11, "c" 12,
	 * "1" 13-17; pseudo-strata: lonely "a" 1, "c" 2 (plan order); large in
	 * byte order "1" 3, "10" 4, "9" 5; pairs "B" 6, "b" 7
	 */
	good = g->upto == 7 && g->nsplit_small == 2 && g->nreps == 8 &&
		g->pseudo[2] == 1 && g->pseudo[12] == 2 && g->pseudo[13] == 3 && g->pseudo[17] == 3 &&
		g->pseudo[3] == 4 && g->pseudo[6] == 5 && g->pseudo[10] == 6 && g->pseudo[0] == 7;
	ok(good, "fay mix: pseudo-strata numbered lonely (plan order), large then pairs (byte order)");
	good = 1;
	for (i = 0; i < g->npsus; i++)
	{
		double		sum = 0;

		for (r = 0; r < g->nreps; r++)
		{
			double		a = m[i * g->nreps + r];

			sum += a;
			if (g->half[i] == 2)
				good &= a == 0.5 * 1.75 + 0.5 * 0.25;
			else
				good &= a == 0.25 || a == 1.75;
		}
		good &= sum == g->nreps;
	}
	ok(good, "fay: factors rho or 2 - rho (1 for a split lonely PSU), mean 1 over replicates");
	/* merge: stratum "10" (3 PSUs, global 3..5): PSU 3 in one half, 4 and 5 in the other */
	good = g->half[3] == 0 && g->half[4] == 1 && g->half[5] == 1 &&
		g->half[6] == 0 && g->half[7] == 0 && g->half[8] == 1 && g->half[9] == 1;
	ok(good, "large=merge: the first floor(n/2) PSUs form one half sample");
	ok(repgen_df(g, talloc, NULL) == 5 && numeric_rank(m, g->npsus, g->nreps) == 6,
	   "fay mix: df = pseudo-strata with two halves = rank - 1");
	ok(fabs(g->scale - 1.0 / (8 * 0.75 * 0.75)) < 1e-16, "fay scale 1/(R (1-rho)^2)");
	arena_free();

	/* large=split: pairs 1-2, 3-4 inside a stratum of 4 */
	{
		static const int split[] = {4, 2, 6};

		s = spec("brr", NULL);
		g = repgen_new(&s, design(&t, 3, split, NULL), talloc, NULL);
		m = factor_matrix(g);
		good = g->upto == 6 && g->pseudo[0] == 1 && g->pseudo[1] == 1 && g->pseudo[2] == 2 &&
			g->pseudo[3] == 2 && g->pseudo[6] == 3 && g->pseudo[11] == 5 && g->pseudo[4] == 6 &&
			g->half[0] == 0 && g->half[1] == 1 && g->half[2] == 0 && g->half[3] == 1;
		ok(good, "large=split: consecutive pairs, large strata before pairs");
		/* each pair: the two PSUs are always on opposite halves */
		for (i = 0; i < g->npsus; i += 2)
			for (r = 0; r < g->nreps; r++)
				good &= m[i * g->nreps + r] + m[(i + 1) * g->nreps + r] == 2.0;
		ok(good, "brr: the PSUs of a pair take 2 and 0 in every replicate");
		ok(repgen_df(g, talloc, NULL) == 6 && numeric_rank(m, g->npsus, g->nreps) == 7,
		   "large=split: df = pairs = rank - 1");
		arena_free();
	}
}

static void
test_generator(void)
{
	uint64_t	key = repgen_stream_key(42, 0, 0);
	uint64_t	counter = 0;
	uint32_t	first[8];
	int			i;
	/* frozen: the generator must never change (stored plans rely on it) */
	static const uint32_t want[8] = {539, 337, 758, 87, 1, 822, 328, 610};

	for (i = 0; i < 8; i++)
		first[i] = repgen_uniform_below(key, &counter, 1000);
	printf("# key(42, 0, 0) = 0x%016llx; draws below 1000:", (unsigned long long) key);
	for (i = 0; i < 8; i++)
		printf(" %u", (unsigned) first[i]);
	printf("\n");
	/* SplitMix64 seeded with 0 first returns 0xe220a8397b1dcdaf */
	ok(repgen_mix64(UINT64_C(0x9e3779b97f4a7c15)) == UINT64_C(0xe220a8397b1dcdaf),
	   "mix64 is the SplitMix64 finaliser");
	ok(key == UINT64_C(0x5599b3e06d073327) && memcmp(first, want, sizeof(want)) == 0,
	   "known-answer values of the generator (seed 42)");
	/* a draw is the high 64 bits of word * n (rejection has probability (2^64 mod n) / 2^64) */
	{
		uint64_t	c = 0,
					c2 = 0;
		int			k,
					good = 1;

		for (k = 0; k < 1000; k++)
		{
			uint32_t	n = (uint32_t) (1 + (repgen_mix64((uint64_t) k) >> 33));
			uint32_t	got = repgen_uniform_below(key, &c, n);
			uint64_t	word = repgen_mix64(key + UINT64_C(0x9e3779b97f4a7c15) * ++c2);
			long double frac = (long double) (word >> 11) / 9007199254740992.0L;

			/* floor(word * n / 2^64) within one of floor(u n), u the top 53 bits */
			good &= got < n && fabsl((long double) got - floorl(frac * n)) <= 1;
		}
		ok(good && c == 1000, "draws are the scaled high bits of one word each");
	}
	/* uniformity: chi-square over 10 cells, 100000 draws */
	{
		long		cells[10] = {0};
		double		chi2 = 0;
		uint64_t	c = 0;
		int			k;

		for (k = 0; k < 100000; k++)
			cells[repgen_uniform_below(repgen_stream_key(7, 3, k / 100), &c, 10)]++;
		for (k = 0; k < 10; k++)
			chi2 += (cells[k] - 10000.0) * (cells[k] - 10000.0) / 10000.0;
		printf("# chi-square (9 df) of 100000 draws: %.2f\n", chi2);
		ok(chi2 < 27.88, "draws are uniform (chi-square 9 df below its 0.999 quantile)");
	}
}

/* variance of a total: sum_h n_h/(n_h-1) sum_i (y_hi - ybar_h)^2 */
static double
total_variance(const int *npsu, int nstrata, const double *y)
{
	double		v = 0;
	int			h,
				i,
				k = 0;

	for (h = 0; h < nstrata; h++)
	{
		double		mean = 0,
					ss = 0;

		for (i = 0; i < npsu[h]; i++)
			mean += y[k + i] / npsu[h];
		for (i = 0; i < npsu[h]; i++)
			ss += (y[k + i] - mean) * (y[k + i] - mean);
		v += ss * npsu[h] / (npsu[h] - 1.0);
		k += npsu[h];
	}
	return v;
}

/* replicate variance of the total sum_i a_ir y_i */
static double
replicate_variance(const Repgen *g, const double *m, const double *y)
{
	double		mean = 0,
				v = 0;
	double	   *t = talloc(NULL, sizeof(double) * g->nreps);
	int			i,
				r;

	for (r = 0; r < g->nreps; r++)
	{
		for (i = 0; i < g->npsus; i++)
			t[r] += m[i * g->nreps + r] * y[i];
		mean += t[r] / g->nreps;
	}
	for (r = 0; r < g->nreps; r++)
		v += g->scale * g->rscales[r] * (t[r] - mean) * (t[r] - mean);
	return v;
}

static void
test_bootstrap(void)
{
	TestDesign	t;
	static const int unequal[] = {2, 3, 5, 8, 4, 13, 2, 6};
	static const int equal[] = {4, 4, 4, 4, 4, 4};
	double		y[64];
	RepgenSpec	s;
	Repgen	   *g,
			   *g2;
	double	   *m,
			   *m2;
	int			i,
				r,
				h,
				good;

	for (i = 0; i < 64; i++)
		y[i] = 10 + 7 * sin(1.7 * i) + 0.3 * i;

	s = spec("subbootstrap", "replicates=10000, seed=2026");
	g = repgen_new(&s, design(&t, 8, unequal, NULL), talloc, NULL);
	m = factor_matrix(g);
	good = 1;
	for (r = 0; r < g->nreps; r++)
		for (h = 0; h < g->nstrata; h++)
		{
			double		sum = 0;

			for (i = g->first[h]; i < g->first[h + 1]; i++)
				sum += m[i * g->nreps + r];
			good &= fabs(sum - g->npsu[h]) <= 1e-12 * g->npsu[h];
		}
	ok(good, "Rao-Wu: in every replicate a stratum's factors sum to n_h (n_h - 1 draws of n_h/(n_h-1))");
	{
		double		mean = 0,
					var = 0,
					n = (double) g->npsus * g->nreps;

		for (i = 0; i < g->npsus * g->nreps; i++)
			mean += m[i] / n;
		for (i = 0; i < g->npsus * g->nreps; i++)
			var += (m[i] - mean) * (m[i] - mean) / (n - 1);
		printf("# Rao-Wu factors: mean %.5f, variance %.5f (expected 1 and 1)\n", mean, var);
		ok(fabs(mean - 1) < 0.005 && fabs(var - 1) < 0.02, "Rao-Wu factors have mean 1 and variance 1");
	}
	{
		double		vb = replicate_variance(g, m, y),
					vl = total_variance(unequal, 8, y);

		printf("# variance of a total: Rao-Wu %.4f, stratified formula %.4f, ratio %.4f\n", vb, vl, vb / vl);
		ok(fabs(vb / vl - 1) < 0.05, "Rao-Wu variance of a total agrees with the stratified formula (5%)");
	}
	ok(fabs(g->scale - 1.0 / 9999) < 1e-18, "subbootstrap scale 1/(R-1)");
	{
		double		df = repgen_df(g, talloc, NULL);

		ok(df == g->npsus - g->nstrata, "subbootstrap df = rank - 1 = PSUs - strata with many replicates");
	}
	arena_free();

	/* reproducibility */
	s = spec("subbootstrap", "replicates=30, seed=11");
	g = repgen_new(&s, design(&t, 8, unequal, NULL), talloc, NULL);
	m = factor_matrix(g);
	g2 = repgen_new(&s, &t.d, talloc, NULL);
	m2 = factor_matrix(g2);
	ok(memcmp(m, m2, sizeof(double) * g->npsus * g->nreps) == 0, "the same seed gives the same factors");
	s.seed = 12;
	g2 = repgen_new(&s, &t.d, talloc, NULL);
	m2 = factor_matrix(g2);
	good = 0;
	for (i = 0; i < g->npsus * g->nreps; i++)
		good += m[i] != m2[i];
	ok(good > g->npsus * g->nreps / 4, "another seed gives other factors");
	ok(repgen_df(g, talloc, NULL) == 29, "30 replicates of 45 PSUs: df = 29");
	arena_free();

	/* R's bootstrap: n_h draws, a = count */
	s = spec("bootstrap", "replicates=10000, seed=5");
	g = repgen_new(&s, design(&t, 6, equal, NULL), talloc, NULL);
	m = factor_matrix(g);
	good = 1;
	for (r = 0; r < g->nreps; r++)
		for (h = 0; h < g->nstrata; h++)
		{
			double		sum = 0;

			for (i = g->first[h]; i < g->first[h + 1]; i++)
			{
				sum += m[i * g->nreps + r];
				good &= m[i * g->nreps + r] == floor(m[i * g->nreps + r]);
			}
			good &= sum == g->npsu[h];
		}
	ok(good, "bootstrap: integer counts summing to n_h in every stratum and replicate");
	{
		double		vb = replicate_variance(g, m, y),
					vl = total_variance(equal, 6, y);

		printf("# variance of a total: bootstrap %.4f, stratified formula %.4f, ratio %.4f\n", vb, vl, vb / vl);
		ok(fabs(vb / vl - 1) < 0.05, "bootstrap variance of a total agrees with the stratified formula (equal n_h, 5%)");
	}
	/* nbar = 4: scale 4/(3 * 19999) */
	ok(fabs(g->scale / (4.0 / (3.0 * 9999)) - 1) < 1e-15, "bootstrap scale nbar/((nbar-1)(R-1))");
	arena_free();

	/* a lonely stratum in a bootstrap: its PSU is drawn once in every replicate */
	{
		static const int withlonely[] = {3, 1, 2};

		s = spec("bootstrap", "replicates=50, seed=1");
		g = repgen_new(&s, design(&t, 3, withlonely, NULL), talloc, NULL);
		m = factor_matrix(g);
		good = 1;
		for (r = 0; r < g->nreps; r++)
			good &= m[3 * g->nreps + r] == 1.0;
		/* nbar = 3 / (1/3 + 1 + 1/2) = 18/11 */
		ok(good && fabs(g->scale - (18.0 / 11) / ((7.0 / 11) * 49)) < 1e-15,
		   "bootstrap with a lonely PSU: factor 1, nbar the harmonic mean");
		arena_free();
	}
}

static void
test_rank(void)
{
	static const int32_t a[] = {1, 2, 3, 2, 4, 6, 1, 0, 1};
	static const int32_t b[] = {2, 0, 0, 0, 3, 0, 0, 0, 5};

	ok(repgen_rank_mod_p(a, 3, 3, talloc, NULL) == 2, "rank of a matrix with two proportional rows");
	ok(repgen_rank_mod_p(b, 3, 3, talloc, NULL) == 3 && repgen_rank_mod_p(b, 1, 9, talloc, NULL) == 1,
	   "rank of a diagonal matrix and of one row");
	arena_free();
}

int
main(int argc, char **argv)
{
	(void) argc;
	test_options();
	test_check();
	test_jackknife();
	test_brr();
	test_rank();
	test_generator();
	test_bootstrap();
	test_hadamard_properties();
	test_hadamard_vs_r(argv[0]);
	arena_free();
	free(arena);
	printf("1..%d\n", test_no);
	return failures > 0;
}
