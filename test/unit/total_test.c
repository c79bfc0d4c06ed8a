/*
 * total_test.c - C unit tests of the totals (total_core.c): hand-computed
 * variances of a total under weights only, a weights-only domain, strata
 * kept as sums and the same rows as one-row PSUs (with and without fpc),
 * replicate weights (mean and mse centring), the design effect and the
 * variance floor; ratios (ratio_core.c): R's svyratio on a small sample,
 * stratified sums against one-row PSUs, and x = 1 as the mean.  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design_core.h"
#include "ratio_core.h"
#include "rep_core.h"
#include "stratified_core.h"
#include "tally_core.h"
#include "total_core.h"
#include "tap.h"

static double
rel(double a, double b)
{
	if (a == b)
		return 0;
	return fabs(a - b) / fmax(fabs(a), fabs(b));
}

static void
is_close(double got, double want, double tol, const char *what)
{
	int			good = (got == want) || rel(got, want) <= tol;

	ok(good, what);
	if (!good)
		printf("#   got %.17g, want %.17g\n", got, want);
}

static void
design_free(Design *d)
{
	free(d->strata);
	free(d->psu);
	free(d->ssu);
	free(d->sums);
	free(d->arena);
	free(d->hash_s);
	free(d->hash_p);
	free(d->hash_q);
	memset(d, 0, sizeof(*d));
}

typedef struct Row
{
	int			stratum;
	double		y;
	double		w;
	bool		in;				/* in the domain (else only counted in n_h) */
	bool		in_a;			/* in the part (diff_test "part") */
} Row;

/* key bytes of an integer id: 'i' + 8 bytes big-endian */
static void
key_of(long long v, char *key)
{
	int			i;

	key[0] = 'i';
	for (i = 0; i < 8; i++)
		key[1 + i] = (char) (((unsigned long long) v) >> (8 * (7 - i)));
}

/* the rows of the domain (or, with part, of the part) as a stratified design */
static void
load_strat(Design *d, TallyCore *c, int kind, const Row *rows, int n, const int64_t *n_h,
		   const double *popsize, int lonely, bool part)
{
	int			i;
	char		key[9];
	bool		created;

	design_init(d, DESIGN_STRATIFIED, tap_realloc, NULL);
	d->lonely = lonely;
	tally_core_init(c, kind);
	for (i = 0; i < n; i++)
	{
		uint32_t	h;

		if (!(part ? rows[i].in_a : rows[i].in))
			continue;
		key_of(rows[i].stratum, key);
		h = stratified_stratum(d, key, 9, &created);
		d->strata[h].n_psu = n_h[rows[i].stratum];
		d->strata[h].popsize = popsize[rows[i].stratum];
		stratified_add(c, &d->sums[h], rows[i].y, rows[i].w);
	}
}

/* the same rows as the clustered design with one PSU per row (psu = row id) */
static void
load_clus(Design *d, TallyCore *c, int kind, const Row *rows, int n, const int64_t *n_h,
		  const double *popsize, int lonely, bool part)
{
	int			i;
	char		key[9];
	bool		created;

	design_init(d, DESIGN_CLUSTER, tap_realloc, NULL);
	d->lonely = lonely;
	tally_core_init(c, kind);
	for (i = 0; i < n; i++)
	{
		uint32_t	h,
					p;

		if (!(part ? rows[i].in_a : rows[i].in))
			continue;
		key_of(rows[i].stratum, key);
		h = design_stratum(d, key, 9, &created);
		d->strata[h].n_psu = n_h[rows[i].stratum];
		d->strata[h].popsize = popsize[rows[i].stratum];
		key_of(i, key);
		p = design_psu(d, h, key, 9, &created);
		tally_core_add(c, rows[i].y, rows[i].w);
		design_add(d, p, UINT32_MAX, rows[i].y, rows[i].w);
	}
}

/*
 * Weights only: rows (y, w) = (1, 2), (2, 3), (5, 1) and one missing row:
 * N = 4, z = (2, 6, 5, 0), total 13, sum z^2 65, V = 4/3 (65 - 169/4) =
 * 91/3 (R: SE 5.5075705472861012 = sqrt(91/3)).  As a domain of 10 rows:
 * 10/9 (65 - 16.9) = 481/9.
 */
static void
test_weights(void)
{
	TallyCore	c;
	Design		d;
	DesignVariance v;

	tally_core_init(&c, TALLY_MEAN);
	tally_core_add_num(&c, 1, 2);
	tally_core_add_num(&c, 2, 3);
	tally_core_add_num(&c, 5, 1);
	tally_core_add_missing(&c);
	tally_core_finish(&c);
	is_close(dd_to_double(c.s[S_WY]), 13, 0, "weights only: total 13");
	is_close(total_weights_variance(&c, 4), 91.0 / 3, 1e-15, "weights only: V = 91/3");
	ok(isnan(total_weights_variance(&c, 1)), "one PSU: undefined");
	design_init(&d, DESIGN_WEIGHTS_DOMAIN, tap_realloc, NULL);
	d.n_sample = 10;
	total_design_variance(&d, &c, &v);
	ok(v.status == DESIGN_OK && v.df == 2, "domain of 10 rows: defined, df 2");
	is_close(v.variance, 481.0 / 9, 1e-15, "domain of 10 rows: V = 10/9 (65 - 169/10)");
	design_free(&d);
}

/*
 * Two strata: S1 rows y = (1, 0), w = (1, 1), n_1 = 2; S2 rows y = (1, 1,
 * 0), w = (2, 1, 1), n_2 = 4 (one row outside the domain).  z = w y: S1
 * (1, 0), 2/1 (1 - 1/2) = 1; S2 (2, 1, 0, 0), 4/3 (5 - 9/4) = 11/3.  V =
 * 14/3; with fpc N = (4, 8), f = 1/2 in both: 7/3.  The stratified sums
 * and the same rows as one-row PSUs agree.
 */
static void
test_strata(void)
{
	Row			rows[] = {{1, 1, 1, true, false}, {1, 0, 1, true, false},
	{2, 1, 2, true, false}, {2, 1, 1, true, false}, {2, 0, 1, true, false}};
	int64_t		n_h[] = {0, 2, 4};
	double		none[] = {0, 0, 0};
	double		fpc[] = {0, 4, 8};
	Design		d;
	TallyCore	c;
	DesignVariance v;

	load_strat(&d, &c, TALLY_PROPORTION, rows, 5, n_h, none, LONELY_FAIL, false);
	total_design_variance(&d, &c, &v);
	ok(v.status == DESIGN_OK && v.df == 3, "stratified: defined, df 3");
	is_close(v.variance, 14.0 / 3, 1e-15, "stratified: V = 14/3");
	design_free(&d);
	load_clus(&d, &c, TALLY_PROPORTION, rows, 5, n_h, none, LONELY_FAIL, false);
	total_design_variance(&d, &c, &v);
	is_close(v.variance, 14.0 / 3, 1e-15, "one-row PSUs: V = 14/3");
	design_free(&d);
	load_strat(&d, &c, TALLY_MEAN, rows, 5, n_h, fpc, LONELY_FAIL, false);
	total_design_variance(&d, &c, &v);
	is_close(v.variance, 7.0 / 3, 1e-15, "stratified with fpc: V = 7/3");
	design_free(&d);
	load_clus(&d, &c, TALLY_MEAN, rows, 5, n_h, fpc, LONELY_FAIL, false);
	total_design_variance(&d, &c, &v);
	is_close(v.variance, 7.0 / 3, 1e-15, "one-row PSUs with fpc: V = 7/3");
	design_free(&d);
	/* a lonely stratum (n_1 = 1) under fail is reported, under adjust adds f z^2 */
	{
		Row			lone[] = {{1, 3, 2, true, false}, {2, 1, 2, true, false}, {2, 1, 1, true, false}};
		int64_t		n_l[] = {0, 1, 2};

		load_strat(&d, &c, TALLY_MEAN, lone, 3, n_l, none, LONELY_FAIL, false);
		total_design_variance(&d, &c, &v);
		ok(v.status == DESIGN_LONELY_FAIL, "lonely stratum under fail: reported");
		design_free(&d);
		/* adjust: 1 * 6^2 + 2 (5 - 9/2) = 37 */
		load_strat(&d, &c, TALLY_MEAN, lone, 3, n_l, none, LONELY_ADJUST, false);
		total_design_variance(&d, &c, &v);
		is_close(v.variance, 37, 1e-15, "lonely stratum under adjust: f z^2 added (37)");
		design_free(&d);
	}
}

/* replicate totals (10, 12, 14): V = 8 around the mean, 11 around 11 (mse) */
static void
test_replicates(void)
{
	RepAcc		r;
	double		rs[3] = {1, 1, 1};
	dd_t		a[3],
				b[3];

	memset(&r, 0, sizeof(r));
	r.spec.method = REP_OTHER;
	r.spec.nrep = 3;
	r.spec.scale = 1;
	r.spec.df = NAN;
	r.rscales = rs;
	a[0] = dd_from_double(10);
	a[1] = dd_from_double(12);
	a[2] = dd_from_double(14);
	b[0] = b[1] = dd_from_double(0);
	b[2] = dd_from_double(5);
	r.a = a;
	r.b = b;
	is_close(total_rep_variance(&r, 11), 8, 1e-15,
			 "replicates: V = 8 (a replicate without weight still counts)");
	r.spec.mse = 1;
	is_close(total_rep_variance(&r, 11), 11, 1e-15, "replicates, mse: V = 11");
	r.spec.scale = 0.5;
	rs[1] = 2;
	is_close(total_rep_variance(&r, 11), 0.5 * (1 + 2 * 1 + 9), 1e-15, "replicates: scale and rscales");
}

/* deff: V / (s2 W^2 (W - n)/(W n)); replace V / (s2 W^2 / n) */
static void
test_deff(void)
{
	TotalSummary s;

	memset(&s, 0, sizeof(s));
	s.total = 5;
	s.variance = 8;
	s.s2 = 2;
	s.n_pos = 4;
	s.weighted_n = 10;
	s.df = 3;
	is_close(total_deff(&s, false), 8.0 / 30, 1e-15, "deff = 8/30");
	is_close(total_deff(&s, true), 8.0 / 50, 1e-15, "deff replace = 8/50");
	s.weighted_n = 4;
	ok(isnan(total_deff(&s, false)), "W <= n: deff undefined (R: NA)");
	s.weighted_n = 10;
	s.n_pos = 1;
	ok(isnan(total_deff(&s, true)), "one row: deff undefined");
	s.n_pos = 4;
	s.variance = 1e-40;
	total_variance_floor(&s);
	ok(s.variance == 0, "a variance below the data's resolution is 0");
	s.variance = 1e-20;
	total_variance_floor(&s);
	ok(s.variance == 1e-20, "one above it is kept");
}

/*
 * A ratio under weights only: (y, x, w) = (1, 2, 2), (2, 1, 3), (5, 4, 1),
 * (3, 0, 2) and a missing row: R = 19/11; R svyratio(~y, ~x,
 * svydesign(ids = ~1, weights = ~w), na.rm = TRUE): SE 0.81573639056340996.
 */
static void
test_ratio(void)
{
	static const double y[] = {1, 2, 5, 3},
				x[] = {2, 1, 4, 0},
				w[] = {2, 3, 1, 2};
	TallyCore	c,
				m;
	TallySummary s,
				sm;
	Design		ds,
				dc;
	TallyCore	cs,
				cc;
	DesignVariance vs,
				vc;
	char		key[9];
	bool		created;
	int			i;

	tally_core_init(&c, TALLY_RATIO);
	for (i = 0; i < 4; i++)
		ratio_core_add(&c, y[i], x[i], w[i]);
	tally_core_add_missing(&c);
	tally_core_finish(&c);
	ok(tally_core_check(&c) == NULL, "a ratio tally passes the consistency check");
	tally_core_summary(&c, &s);
	is_close(s.estimate, 19.0 / 11, 1e-15, "ratio: R = 19/11");
	is_close(sqrt(s.variance), 0.81573639056340996, 1e-14, "ratio: SE as R's svyratio");
	is_close(s.weighted_n, 8, 0, "ratio: weighted_n is the sum of weights");
	ok(isnan(s.kish_n_eff) && isnan(s.s2) && isnan(tally_deff(&s, false)), "ratio: no Kish n_eff, s2, deff");

	/* x = 1: the mean */
	tally_core_init(&c, TALLY_RATIO);
	tally_core_init(&m, TALLY_MEAN);
	for (i = 0; i < 4; i++)
	{
		ratio_core_add(&c, y[i], 1.0, w[i]);
		tally_core_add_num(&m, y[i], w[i]);
	}
	tally_core_summary(&c, &s);
	tally_core_summary(&m, &sm);
	ok(s.estimate == sm.estimate, "x = 1: estimate of the mean");
	is_close(s.variance, sm.variance, 1e-15, "x = 1: variance of the mean");

	/* the same rows in two strata as sums and as one-row PSUs */
	design_init(&ds, DESIGN_STRATIFIED, tap_realloc, NULL);
	design_init(&dc, DESIGN_CLUSTER, tap_realloc, NULL);
	tally_core_init(&cs, TALLY_RATIO);
	tally_core_init(&cc, TALLY_RATIO);
	for (i = 0; i < 4; i++)
	{
		uint32_t	h,
					p;

		key_of(i % 2, key);
		h = stratified_stratum(&ds, key, 9, &created);
		ds.strata[h].n_psu = 3;
		ratio_core_add(&cs, y[i], x[i], w[i]);
		ratio_stratified_add(&ds.sums[h], y[i], x[i], w[i]);
		h = design_stratum(&dc, key, 9, &created);
		dc.strata[h].n_psu = 3;
		key_of(i, key);
		p = design_psu(&dc, h, key, 9, &created);
		ratio_core_add(&cc, y[i], x[i], w[i]);
		ratio_design_add(&dc, p, UINT32_MAX, y[i], x[i], w[i]);
	}
	design_compact(&dc);
	design_variance(&ds, &cs, &vs);
	design_variance(&dc, &cc, &vc);
	ok(vs.status == DESIGN_OK && vc.status == DESIGN_OK && vs.df == vc.df, "ratio: both designs defined, same df");
	is_close(vs.variance, vc.variance, 1e-14, "ratio: stratified sums = one-row PSUs");
	design_free(&ds);
	design_free(&dc);
}

int
main(void)
{
	test_weights();
	test_strata();
	test_replicates();
	test_deff();
	test_ratio();
	printf("1..%d\n", test_no);
	return failures > 0;
}
