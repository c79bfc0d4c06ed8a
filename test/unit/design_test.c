/*
 * design_test.c - C unit tests of the design core: linearized variance of
 * small hand-computed designs, zero padding of domains, lonely PSU
 * policies, two-stage variance, merge and canonical order, replicate
 * variance.  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "design_core.h"
#include "rep_core.h"
#include "tally_core.h"
#include "tap.h"

static void
is_close(double got, double want, double tol, const char *what)
{
	int			good = (got == want) || fabs(got - want) <= tol * fmax(fabs(got), fabs(want));

	ok(good, what);
	if (!good)
		printf("#   got %.17g, want %.17g\n", got, want);
}

typedef struct Row
{
	int			stratum;
	int			psu;
	int			ssu;
	double		y;
	double		w;
} Row;

/* key bytes of an integer id: 'i' + 8 bytes big-endian */
static void
key_of(int v, char *key)
{
	int			i;

	key[0] = 'i';
	for (i = 0; i < 8; i++)
		key[1 + i] = (char) (((unsigned long long) (long long) v) >> (8 * (7 - i)));
}

static void
load(Design *d, TallyCore *core, const Row *rows, int n, int64_t n_psu, double popsize,
	 int64_t n_ssu, double popsize2)
{
	int			i;
	char		key[9];
	bool		created;

	for (i = 0; i < n; i++)
	{
		uint32_t	h,
					p,
					q = UINT32_MAX;

		key_of(rows[i].stratum, key);
		h = design_stratum(d, key, 9, &created);
		d->strata[h].n_psu = n_psu;
		d->strata[h].popsize = popsize;
		key_of(rows[i].psu, key);
		p = design_psu(d, h, key, 9, &created);
		design_psu_rec(d, p)->n_ssu = n_ssu;
		design_psu_rec(d, p)->popsize2 = popsize2;
		if (d->kind == DESIGN_CLUSTER2)
		{
			key_of(rows[i].ssu, key);
			q = design_ssu(d, p, key, 9, &created);
		}
		tally_core_add(core, rows[i].y, rows[i].w);
		design_add(d, p, q, rows[i].y, rows[i].w);
	}
}

/*
 * One stratum, 3 PSUs of one row each, unit weights, y = (0, 1, 1):
 * p = 2/3, z = (-2/3, 1/3, 1/3)/3, V = 3/2 * sum z^2 = 3/2 * (6/9)/9 = 1/9.
 * With fpc N = 6: f = 1/2, V = 1/18.
 */
static void
test_simple(void)
{
	Row			rows[] = {{1, 1, 0, 0, 1}, {1, 2, 0, 1, 1}, {1, 3, 0, 1, 1}};
	Design		d;
	TallyCore	c;
	DesignVariance v;

	design_init(&d, DESIGN_CLUSTER, tap_realloc, NULL);
	tally_core_init(&c, TALLY_PROPORTION);
	load(&d, &c, rows, 3, 3, 0, 0, 0);
	design_variance(&d, &c, &v);
	is_close(v.variance, 1.0 / 9, 1e-15, "three one-row PSUs: V = 1/9");
	ok(v.df == 2, "df = PSUs - strata = 2");

	design_init(&d, DESIGN_CLUSTER, tap_realloc, NULL);
	tally_core_init(&c, TALLY_PROPORTION);
	load(&d, &c, rows, 3, 3, 6, 0, 0);
	design_variance(&d, &c, &v);
	is_close(v.variance, 1.0 / 18, 1e-15, "fpc N = 6 halves the variance");

	/* a domain: only the two TRUE rows, but the stratum has 3 PSUs */
	design_init(&d, DESIGN_CLUSTER, tap_realloc, NULL);
	tally_core_init(&c, TALLY_PROPORTION);
	load(&d, &c, rows + 1, 2, 3, 0, 0, 0);
	design_variance(&d, &c, &v);
	is_close(v.variance, 0.0, 0, "p = 1 in the domain: V = 0");

	/* a mean domain with zero padding: y = (2, 4) in PSUs 2 and 3 of 3 */
	{
		Row			r2[] = {{1, 2, 0, 2, 1}, {1, 3, 0, 4, 1}};

		design_init(&d, DESIGN_CLUSTER, tap_realloc, NULL);
		tally_core_init(&c, TALLY_MEAN);
		load(&d, &c, r2, 2, 3, 0, 0, 0);
		design_variance(&d, &c, &v);
		/* p = 3, z = (0, -1/2, 1/2): mean 0, V = 3/2 * 1/2 = 3/4 */
		is_close(v.variance, 0.75, 1e-15, "zero-padded PSU counts in n_h");
		ok(v.df == 1, "domain df counts its own PSUs");
	}
}

/* stratum 2 has one PSU; each policy */
static void
test_lonely(void)
{
	Row			rows[] = {{1, 1, 0, 0, 1}, {1, 2, 0, 1, 1}, {2, 3, 0, 1, 2}};
	Design		d;
	TallyCore	c;
	DesignVariance v;
	double		p = 3.0 / 4;
	double		z1 = (0 - p) / 4,
				z2 = (1 - p) / 4,
				z3 = 2 * (1 - p) / 4;
	double		v1 = 2 * ((z1 - (z1 + z2) / 2) * (z1 - (z1 + z2) / 2) +
						  (z2 - (z1 + z2) / 2) * (z2 - (z1 + z2) / 2));
	int			pol;

	for (pol = LONELY_FAIL; pol <= LONELY_AVERAGE; pol++)
	{
		int			i;
		char		key[9];
		bool		created;

		design_init(&d, DESIGN_CLUSTER, tap_realloc, NULL);
		d.lonely = pol;
		tally_core_init(&c, TALLY_PROPORTION);
		for (i = 0; i < 3; i++)
		{
			uint32_t	h,
						q;

			key_of(rows[i].stratum, key);
			h = design_stratum(&d, key, 9, &created);
			d.strata[h].n_psu = rows[i].stratum == 1 ? 2 : 1;
			key_of(rows[i].psu, key);
			q = design_psu(&d, h, key, 9, &created);
			tally_core_add(&c, rows[i].y, rows[i].w);
			design_add(&d, q, UINT32_MAX, rows[i].y, rows[i].w);
		}
		design_variance(&d, &c, &v);
		switch (pol)
		{
			case LONELY_FAIL:
				ok(v.status == DESIGN_LONELY_FAIL && v.nlonely == 1 && v.stage == 1,
				   "fail: the lonely stratum is reported");
				ok(v.df == 1, "fail: df is still known (3 PSUs - 2 strata)");
				break;
			case LONELY_REMOVE:
			case LONELY_CERTAINTY:
				is_close(v.variance, v1, 1e-14, "remove / certainty: the lonely stratum adds 0");
				break;
			case LONELY_ADJUST:
				is_close(v.variance, v1 + z3 * z3, 1e-14, "adjust: adds z^2, centred at the grand mean");
				break;
			case LONELY_AVERAGE:
				is_close(v.variance, v1 * 2 / 1, 1e-14, "average: scaled by H/(H - lonely)");
				break;
		}
	}
}

/* two stages: 1 stratum, 2 PSUs of N1 = 4, each with 2 SSUs of M = 4 */
static void
test_two_stage(void)
{
	Row			rows[] = {{1, 1, 1, 1, 1}, {1, 1, 2, 0, 1}, {1, 2, 3, 1, 1}, {1, 2, 4, 1, 1}};
	Design		d;
	TallyCore	c;
	DesignVariance v;
	double		p = 0.75,
				W = 4;
	double		Z1 = ((1 - p) + (0 - p)) / W,
				Z2 = ((1 - p) + (1 - p)) / W;
	double		m1 = (Z1 + Z2) / 2;
	double		stage1 = 0.5 * 2 * ((Z1 - m1) * (Z1 - m1) + (Z2 - m1) * (Z2 - m1));
	double		a = (1 - p) / W,
				b = (0 - p) / W,
				mab = (a + b) / 2;
	/* PSU 1: SSU scores a, b; PSU 2: both a (no spread) */
	double		stage2 = 2.0 / 4 * (0.5 * 2 * ((a - mab) * (a - mab) + (b - mab) * (b - mab)));

	design_init(&d, DESIGN_CLUSTER2, tap_realloc, NULL);
	tally_core_init(&c, TALLY_PROPORTION);
	load(&d, &c, rows, 4, 2, 4, 2, 4);
	design_variance(&d, &c, &v);
	is_close(v.variance, stage1 + stage2, 1e-14, "two stages: first stage plus (n/N) times the second");
}

/* merge and canonical order: two halves merged = the whole */
static void
test_merge(void)
{
	Row			rows[] = {{2, 5, 0, 1, 1.5}, {1, 1, 0, 0, 1}, {2, 6, 0, 0, 2},
	{1, 2, 0, 1, 1}, {1, 3, 0, 1, 0.5}, {2, 5, 0, 1, 1}};
	Design		a,
				b,
				whole;
	TallyCore	ca,
				cb,
				cw;
	DesignVariance va,
				vw;
	uint32_t	where;

	design_init(&a, DESIGN_CLUSTER, tap_realloc, NULL);
	design_init(&b, DESIGN_CLUSTER, tap_realloc, NULL);
	design_init(&whole, DESIGN_CLUSTER, tap_realloc, NULL);
	tally_core_init(&ca, TALLY_PROPORTION);
	tally_core_init(&cb, TALLY_PROPORTION);
	tally_core_init(&cw, TALLY_PROPORTION);
	load(&a, &ca, rows, 3, 3, 0, 0, 0);
	load(&b, &cb, rows + 3, 3, 3, 0, 0, 0);
	load(&whole, &cw, rows, 6, 3, 0, 0, 0);
	ok(design_merge(&a, &b, &where) == NULL, "compatible designs merge");
	tally_core_merge(&ca, &cb);
	design_sort(&a);
	design_sort(&whole);
	design_variance(&a, &ca, &va);
	design_variance(&whole, &cw, &vw);
	is_close(va.variance, vw.variance, 1e-15, "merged halves = the whole sample");
	ok(a.npsu == whole.npsu && a.nstrata == 2 && memcmp(a.arena, whole.arena, a.arena_len) == 0,
	   "canonical order does not depend on the order rows arrived in");
	tally_core_finish(&ca);
	ok(design_check(&a, &ca) == NULL, "a merged, sorted design passes the check");
	a.strata[0].n_psu = 99;
	ok(design_merge(&a, &whole, &where) != NULL, "different n_psu for a stratum does not merge");
}

/*
 * Log mode (one-stage accumulation without lookups, design_compact) gives
 * the same set of PSUs, sums and variance as the hash lookups, for rows in
 * PSU order (no sort, no copy), in random order with many repeats (radix
 * sort, then lookups), with text identifiers (merge sort), and with strata
 * that first appear after a compaction.
 */
static void
check_log_mode(const char *what, int n, int order, bool text_ids)
{
	Row		   *rows = malloc(sizeof(Row) * n);
	Design		h,
				l;
	TallyCore	ch,
				cl;
	DesignVariance vh,
				vl;
	uint32_t	i,
				seed = 12345;
	bool		same = true;
	char		msg[200];

	for (i = 0; i < (uint32_t) n; i++)
	{
		seed = seed * 1103515245u + 12345u;
		/* strata 5, 4, ...: later rows bring smaller stratum ids */
		rows[i].stratum = 5 - (int) (i * 4 / n);
		rows[i].psu = order == 0 ? (int) i / 3 : (int) ((seed >> 8) % (uint32_t) (n / 4));
		rows[i].ssu = 0;
		rows[i].y = (seed >> 4) % 7 < 3;
		rows[i].w = 0.5 + (seed % 1000) / 250.0;
	}
	design_init(&h, DESIGN_CLUSTER, tap_realloc, NULL);
	design_init(&l, DESIGN_CLUSTER, tap_realloc, NULL);
	l.log_mode = true;
	tally_core_init(&ch, TALLY_PROPORTION);
	tally_core_init(&cl, TALLY_PROPORTION);
	if (!text_ids)
	{
		load(&h, &ch, rows, n, 1000000, 0, 0, 0);
		load(&l, &cl, rows, n, 1000000, 0, 0, 0);
	}
	else
	{
		Design	   *ds[2] = {&h, &l};
		TallyCore  *cs[2] = {&ch, &cl};
		int			k;

		for (k = 0; k < 2; k++)
			for (i = 0; i < (uint32_t) n; i++)
			{
				char		key[32];
				bool		created;
				uint32_t	st,
							p;

				snprintf(key, sizeof(key), "ts%d", rows[i].stratum);
				st = design_stratum(ds[k], key, strlen(key), &created);
				ds[k]->strata[st].n_psu = 1000000;
				snprintf(key, sizeof(key), "taddress %d", rows[i].psu);
				p = design_psu(ds[k], st, key, strlen(key), &created);
				tally_core_add(cs[k], rows[i].y, rows[i].w);
				design_add(ds[k], p, UINT32_MAX, rows[i].y, rows[i].w);
			}
	}
	design_sort(&h);
	design_compact(&l);
	design_log_materialize(&l);	/* a log in canonical order stays encoded */
	tally_core_finish(&ch);
	tally_core_finish(&cl);
	same = h.npsu == l.npsu && h.nstrata == l.nstrata && h.arena_len == l.arena_len &&
		memcmp(h.arena, l.arena, h.arena_len) == 0;
	for (i = 0; same && i < h.npsu; i++)
		same = h.psu[i].stratum == l.psu[i].stratum && h.psu[i].n_dom == l.psu[i].n_dom &&
			h.psu[i].n_pos == l.psu[i].n_pos &&
			fabs(dd_to_double(h.psu[i].a) - dd_to_double(l.psu[i].a)) <= 1e-13 * fabs(dd_to_double(h.psu[i].a)) &&
			fabs(dd_to_double(h.psu[i].b) - dd_to_double(l.psu[i].b)) <= 1e-13 * fabs(dd_to_double(h.psu[i].b));
	snprintf(msg, sizeof(msg), "log mode = lookups (%s): same PSUs and sums", what);
	ok(same, msg);
	for (i = 0; i < l.npsu; i++)
	{
		/* as the stored form has them */
		l.psu[i].a = dd_norm(l.psu[i].a);
		l.psu[i].b = dd_norm(l.psu[i].b);
	}
	snprintf(msg, sizeof(msg), "log mode (%s): canonical and consistent", what);
	ok(design_check(&l, &cl) == NULL, msg);
	design_variance(&h, &ch, &vh);
	design_variance(&l, &cl, &vl);
	snprintf(msg, sizeof(msg), "log mode (%s): same variance", what);
	is_close(vl.variance, vh.variance, 1e-12, msg);
	free(rows);
}

static void
test_log_mode(void)
{
	check_log_mode("300,000 rows in PSU order", 300000, 0, false);
	check_log_mode("300,000 rows in random PSU order, repeats", 300000, 1, false);
	check_log_mode("200,000 rows, text ids, random order", 200000, 1, true);
	check_log_mode("1,000 rows, no compaction before the end", 1000, 1, false);
}

/* replicate variance, svrVar */
static void
test_replicates(void)
{
	RepAcc		r;
	double		rs[3] = {1, 1, 1};
	dd_t		a[3],
				b[3];
	double		w1[3] = {0, 1.5, 1.5},
				w2[3] = {1.5, 0, 1.5},
				w3[3] = {1.5, 1.5, 0};
	double		t1,
				t2,
				t3,
				m;
	RepSpec		s;

	memset(&r, 0, sizeof(r));
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	r.spec.method = REP_JK1;
	r.spec.nrep = 3;
	r.spec.scale = NAN;
	r.spec.df = NAN;
	ok(rep_spec_complete(&r.spec, rs) == NULL && fabs(r.spec.scale - 2.0 / 3) < 1e-16,
	   "jk1 default scale (R-1)/R");
	r.rscales = rs;
	r.a = a;
	r.b = b;
	rep_add(&r, 1, w1);
	rep_add(&r, 0, w2);
	rep_add(&r, 1, w3);
	t1 = 1.5 / 3;
	t2 = 3.0 / 3;
	t3 = 1.5 / 3;
	m = (t1 + t2 + t3) / 3;
	is_close(rep_variance(&r, 2.0 / 3), 2.0 / 3 * ((t1 - m) * (t1 - m) + (t2 - m) * (t2 - m) + (t3 - m) * (t3 - m)),
			 1e-15, "jk1 variance = scale sum (theta_r - mean)^2");
	r.spec.mse = 1;
	m = 2.0 / 3;
	is_close(rep_variance(&r, m), 2.0 / 3 * ((t1 - m) * (t1 - m) + (t2 - m) * (t2 - m) + (t3 - m) * (t3 - m)),
			 1e-15, "mse centres at the full-sample estimate");
	ok(rep_df(&r) == 2, "df defaults to R - 1");
	memset(&s, 0, sizeof(s));
	s.method = REP_FAY;
	s.nrep = 4;
	s.rho = 0.5;
	s.scale = NAN;
	s.df = NAN;
	ok(rep_spec_complete(&s, rs) == NULL && s.scale == 1.0, "fay scale 1/(R (1-rho)^2)");
	s.method = REP_JKN;
	s.rho = 0;
	s.scale = NAN;
	ok(rep_spec_complete(&s, rs) != NULL, "jkn without rscales is refused");
}

/*
 * The check of a stored design is linear in its PSUs: it counted each
 * stratum's PSUs by walking back over the ones before, quadratic in a
 * stratum's size (100,000 PSUs in one stratum took 7 s to read back).
 * 400,000 PSUs in one stratum: well under a second when linear, hours when
 * quadratic.
 */
static void
test_check_linear(void)
{
	Design		d;
	TallyCore	core;
	Row		   *rows;
	int			n = 400000,
				i;
	clock_t		start;
	const char *problem;
	double		seconds;

	rows = malloc(sizeof(Row) * n);
	for (i = 0; i < n; i++)
	{
		rows[i].stratum = 1;
		rows[i].psu = i;
		rows[i].ssu = 0;
		rows[i].y = i % 2;
		rows[i].w = 1.0;
	}
	design_init(&d, DESIGN_CLUSTER, tap_realloc, NULL);
	tally_core_init(&core, TALLY_PROPORTION);
	load(&d, &core, rows, n, n, 0, 0, 0);
	tally_core_finish(&core);
	design_sort(&d);
	start = clock();
	problem = design_check(&d, &core);
	seconds = (double) (clock() - start) / CLOCKS_PER_SEC;
	ok(problem == NULL, "a design of 400,000 PSUs in one stratum passes the check");
	ok(seconds < 5.0, "and the check is linear in the PSUs of a stratum");
	printf("#   design_check of 400,000 PSUs: %.3f s\n", seconds);
	d.strata[0].n_psu = n - 1;
	ok(design_check(&d, &core) != NULL, "one PSU more than the stratum's n_psu is refused");
	free(rows);
}

int
main(void)
{
	test_simple();
	test_lonely();
	test_two_stage();
	test_merge();
	test_log_mode();
	test_replicates();
	test_check_linear();
	printf("1..%d\n", test_no);
	return failures > 0;
}
