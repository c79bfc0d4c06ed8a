/*
 * stratified_test.c - C unit tests of the stratified design kept as
 * per-stratum sums (stratified_core.c): hand-computed variances, zero
 * padding, fpc and census strata, every lonely PSU policy, and agreement
 * with design_variance and design_pair_cov on the same rows given as
 * one-row PSUs (random designs, domains, zero weights); merge, canonical
 * order and the consistency check.  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_core.h"
#include "design_core.h"
#include "stratified_core.h"
#include "tally_core.h"
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

/* a stored form of d: canonical order, normalised sums (as tally_pack) */
static void
canonical(Design *d)
{
	StratumRec *ns = malloc((d->nstrata + 1) * sizeof(StratumRec));
	StratSums  *nsum = malloc((d->nstrata + 1) * sizeof(StratSums));
	char	   *na = malloc(d->arena_len + 1);

	stratified_write_sorted(d, ns, nsum, na);
	stratified_normalize(nsum, d->nstrata);
	free(d->strata);
	free(d->sums);
	free(d->arena);
	free(d->hash_s);
	d->hash_s = NULL;
	d->hcap_s = 0;
	d->strata = ns;
	d->sums = nsum;
	d->arena = na;
	d->cap_strata = d->cap_sums = d->nstrata + 1;
	d->cap_arena = d->arena_len + 1;
	d->stale_index = true;
}

/*
 * Two strata: S1 rows y = (1, 0), w = (1, 1), n_1 = 2; S2 rows y = (1, 1, 0),
 * w = (2, 1, 1), n_2 = 4 (one row outside the domain).  W = 6, p = 2/3,
 * z = w (y - p) / 6: S1 (1/18, -1/9), sum -1/18, sum z^2 5/324,
 * 2/1 (5/324 - 1/324/2) = 1/36; S2 (1/9, 1/18, -1/9), sum 1/18, sum z^2
 * 1/36, 4/3 (1/36 - 1/324/4) = 35/972.  V = 31/486, df = 5 - 2 = 3.
 */
static void
test_hand(void)
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
	stratified_variance(&d, &c, &v);
	ok(v.status == DESIGN_OK, "two strata: variance defined");
	is_close(v.variance, 31.0 / 486, 1e-15, "two strata by hand: V = 31/486");
	ok(v.df == 3, "df = positive rows - strata = 3");
	design_free(&d);

	/* fpc: N = (4, 8): f = (1/2, 1/2) */
	load_strat(&d, &c, TALLY_PROPORTION, rows, 5, n_h, fpc, LONELY_FAIL, false);
	stratified_variance(&d, &c, &v);
	is_close(v.variance, 31.0 / 972, 1e-15, "fpc halves each stratum's term");
	design_free(&d);

	/* one stratum, y = (0, 1, 1), unit weights, n = 3: V = 1/9; N = 6: 1/18 */
	{
		Row			r1[] = {{1, 0, 1, true, false}, {1, 1, 1, true, false}, {1, 1, 1, true, false}};
		int64_t		n1[] = {0, 3};
		double		f0[] = {0, 0};
		double		f6[] = {0, 6};

		load_strat(&d, &c, TALLY_PROPORTION, r1, 3, n1, f0, LONELY_FAIL, false);
		stratified_variance(&d, &c, &v);
		is_close(v.variance, 1.0 / 9, 1e-15, "three rows: V = 1/9 (as design_test's one-row PSUs)");
		design_free(&d);
		load_strat(&d, &c, TALLY_PROPORTION, r1, 3, n1, f6, LONELY_FAIL, false);
		stratified_variance(&d, &c, &v);
		is_close(v.variance, 1.0 / 18, 1e-15, "fpc N = 6: V = 1/18");
		design_free(&d);
	}

	/* a mean domain with zero padding: y = (2, 4) of a stratum of 3 rows: 3/4 */
	{
		Row			r2[] = {{1, 2, 1, true, false}, {1, 4, 1, true, false}};
		int64_t		n1[] = {0, 3};
		double		f0[] = {0, 0};

		load_strat(&d, &c, TALLY_MEAN, r2, 2, n1, f0, LONELY_FAIL, false);
		stratified_variance(&d, &c, &v);
		is_close(v.variance, 0.75, 1e-15, "a mean domain with zero padding: V = 3/4");
		ok(v.df == 1, "its df counts its own rows");
		design_free(&d);
	}
}

/*
 * Stratum 1 rows y = (0, 1), w 1, n_1 = 2; stratum 2 one row y = 1, w = 2,
 * n_2 = 1 (lonely).  W = 4, p = 3/4; stratum 1: z = (-3/16, 1/16), sum -1/8,
 * sum z^2 10/256, 2 (10/256 - 1/128) = 1/16; stratum 2: Z = 2/16 = 1/8.
 */
static void
test_lonely(void)
{
	Row			rows[] = {{1, 0, 1, true, false}, {1, 1, 1, true, false}, {2, 1, 2, true, false}};
	int64_t		n_h[] = {0, 2, 1};
	double		none[] = {0, 0, 0};
	double		f2[] = {0, 0, 4};
	double		census[] = {0, 0, 1};
	Design		d;
	TallyCore	c;
	DesignVariance v;

	load_strat(&d, &c, TALLY_PROPORTION, rows, 3, n_h, none, LONELY_FAIL, false);
	stratified_variance(&d, &c, &v);
	ok(v.status == DESIGN_LONELY_FAIL && v.nlonely == 1 && v.stage == 1, "fail: the lonely stratum is reported");
	ok(v.nlonely == 1 && d.strata[v.lonely[0]].n_psu == 1, "and it is the stratum with one row");
	ok(v.df == 1, "df still counts the lonely stratum: 3 rows - 2 strata");
	design_free(&d);

	load_strat(&d, &c, TALLY_PROPORTION, rows, 3, n_h, none, LONELY_REMOVE, false);
	stratified_variance(&d, &c, &v);
	is_close(v.variance, 1.0 / 16, 1e-15, "remove: the lonely stratum adds 0");
	design_free(&d);
	load_strat(&d, &c, TALLY_PROPORTION, rows, 3, n_h, none, LONELY_CERTAINTY, false);
	stratified_variance(&d, &c, &v);
	is_close(v.variance, 1.0 / 16, 1e-15, "certainty: the same");
	design_free(&d);
	load_strat(&d, &c, TALLY_PROPORTION, rows, 3, n_h, none, LONELY_ADJUST, false);
	stratified_variance(&d, &c, &v);
	is_close(v.variance, 1.0 / 16 + 1.0 / 64, 1e-15, "adjust: f Z^2 = 1/64, not centred");
	design_free(&d);
	load_strat(&d, &c, TALLY_PROPORTION, rows, 3, n_h, f2, LONELY_ADJUST, false);
	stratified_variance(&d, &c, &v);
	is_close(v.variance, 1.0 / 16 + 0.75 / 64, 1e-15, "adjust with fpc N = 4: f = 3/4");
	design_free(&d);
	load_strat(&d, &c, TALLY_PROPORTION, rows, 3, n_h, none, LONELY_AVERAGE, false);
	stratified_variance(&d, &c, &v);
	is_close(v.variance, 1.0 / 16 * 2, 1e-15, "average: dropped, V times H/(H - 1) = 2");
	design_free(&d);
	load_strat(&d, &c, TALLY_PROPORTION, rows, 3, n_h, census, LONELY_FAIL, false);
	stratified_variance(&d, &c, &v);
	ok(v.status == DESIGN_OK, "a lonely census stratum (population count 1 = its one row) is not lonely");
	is_close(v.variance, 1.0 / 16, 1e-15, "and adds 0");
	design_free(&d);

	/* every stratum lonely under average: undefined (R: 0 * H/0) */
	{
		Row			r1[] = {{2, 1, 2, true, false}, {3, 0, 1, true, false}};
		int64_t		n1[] = {0, 0, 1, 1};
		double		f0[] = {0, 0, 0, 0};

		load_strat(&d, &c, TALLY_PROPORTION, r1, 2, n1, f0, LONELY_AVERAGE, false);
		stratified_variance(&d, &c, &v);
		ok(v.status == DESIGN_UNDEFINED && isnan(v.variance), "average with every stratum lonely: undefined");
		design_free(&d);
	}
	/* a domain with one row in a stratum of 2 is not lonely */
	{
		Row			r1[] = {{1, 1, 1, true, false}, {2, 0, 1, true, false}, {2, 1, 3, true, false}};
		int64_t		n1[] = {0, 2, 2};
		double		f0[] = {0, 0, 0};

		load_strat(&d, &c, TALLY_PROPORTION, r1, 3, n1, f0, LONELY_FAIL, false);
		stratified_variance(&d, &c, &v);
		ok(v.status == DESIGN_OK, "one domain row in a stratum of two rows is not lonely");
		design_free(&d);
	}
}

/* a deterministic generator */
static uint64_t rng_state = 88172645463325252ULL;

static double
unif(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double) (rng_state >> 11) / 9007199254740992.0;
}

#define NSTRATA 7
#define NROWS 400

/*
 * Random stratified samples: 7 strata of 1 to 120 rows (some lonely), fpc
 * none, fraction or count, zero weights, domains of about half the rows
 * (absent from some strata, a single row in one), means and proportions;
 * the part is a subset of the domain.  Each under every lonely policy,
 * against the clustered design with one PSU per row.
 */
static void
test_against_clustered(void)
{
	int			trial;
	double		worst_v = 0,
				worst_c = 0;
	int			df_same = 1,
				status_same = 1,
				core_same = 1,
				whole_same = 1,
				pair_ok = 1;
	char		msg[200];

	for (trial = 0; trial < 200; trial++)
	{
		Row		   *rows = malloc(NROWS * sizeof(Row));
		int64_t		n_h[NSTRATA + 1];
		double		popsize[NSTRATA + 1];
		int			n = 0,
					h,
					kind = trial % 2 ? TALLY_MEAN : TALLY_PROPORTION,
					lonely = trial % 5;

		memset(n_h, 0, sizeof(n_h));
		for (h = 1; h <= NSTRATA; h++)
		{
			int			size = (h == 3 && trial % 3 == 0) ? 1 : 1 + (int) (unif() * 55);
			int			k;
			double		u = unif();

			if (n + size > NROWS)
				size = NROWS - n;
			if (size < 1)
				break;
			n_h[h] = size;
			popsize[h] = u < 0.3 ? 0 : (u < 0.6 ? size / (0.05 + 0.9 * unif()) : size + floor(unif() * 500));
			if (h == 5 && trial % 4 == 0)
				popsize[h] = size;	/* a census */
			for (k = 0; k < size; k++)
			{
				Row		   *r = &rows[n++];

				r->stratum = h;
				r->w = unif() < 0.05 ? 0 : 0.2 + 9 * unif();
				r->y = kind == TALLY_PROPORTION ? (unif() < 0.3 + 0.05 * h ? 1 : 0) : 10 * unif() - 3 + h;
				r->in = unif() < 0.6 && !(h == 2 && trial % 2 == 0);
				if (h == 4)
					r->in = (k == 0);	/* a single domain row in stratum 4 */
				r->in_a = r->in && unif() < 0.5;
			}
		}
		{
			Design		ds,
						dc,
						das,
						dac;
			TallyCore	cs,
						cc,
						cas,
						cac;
			DesignVariance vs,
						vc;
			PairCov		ps,
						pc;

			load_strat(&ds, &cs, kind, rows, n, n_h, popsize, lonely, false);
			load_clus(&dc, &cc, kind, rows, n, n_h, popsize, lonely, false);
			if (memcmp(&cs, &cc, sizeof(TallyCore)) != 0)
				core_same = 0;
			stratified_variance(&ds, &cs, &vs);
			design_variance(&dc, &cc, &vc);
			if (vs.status != vc.status || vs.nlonely != vc.nlonely)
				status_same = 0;
			if (vs.df != vc.df)
				df_same = 0;
			if (vs.status == DESIGN_OK && vc.status == DESIGN_OK)
				worst_v = fmax(worst_v, rel(vs.variance, vc.variance));

			/* the part against the whole */
			load_strat(&das, &cas, kind, rows, n, n_h, popsize, lonely, true);
			load_clus(&dac, &cac, kind, rows, n, n_h, popsize, lonely, true);
			canonical(&ds);
			canonical(&das);
			stratified_part_cov(&das, &cas, &ds, &cs, &ps);
			{
				/* the whole's terms computed once serve every part, bit for bit */
				StratWhole	w;
				PairCov		p2,
							self,
							self2;

				stratified_whole(&ds, &cs, &w);
				stratified_part_cov_whole(&das, &cas, &ds, &cs, &w, &p2);
				stratified_part_cov(&ds, &cs, &ds, &cs, &self);
				stratified_part_cov_whole(&ds, &cs, &ds, &cs, &w, &self2);
				if (memcmp(&p2, &ps, sizeof(PairCov)) != 0 || memcmp(&self, &self2, sizeof(PairCov)) != 0)
					whole_same = 0;
			}
			design_pair_cov(&dac, &cac, &dc, &cc, tap_realloc, NULL, &pc);
			if (ps.conflict != NULL || ps.status != pc.status || ps.df_union != pc.df_union ||
				ps.nlonely != pc.nlonely)
			{
				pair_ok = 0;
				printf("# trial %d: part status %d/%d df %g/%g conflict %s\n", trial, ps.status,
					   pc.status, ps.df_union, pc.df_union, ps.conflict ? ps.conflict : "-");
			}
			else if (ps.status == DESIGN_OK)
			{
				worst_c = fmax(worst_c, rel(ps.var_a, pc.var_a));
				worst_c = fmax(worst_c, rel(ps.var_b, pc.var_b));
				worst_c = fmax(worst_c, fabs(ps.cov - pc.cov) / fmax(1e-300, sqrt(pc.var_a * pc.var_b)));
			}
			design_free(&ds);
			design_free(&dc);
			design_free(&das);
			design_free(&dac);
		}
		free(rows);
	}
	ok(core_same, "stratified_add gives the core of tally_core_add bit for bit");
	ok(whole_same, "one StratWhole serves several parts: stratified_part_cov_whole = stratified_part_cov bit for bit");
	ok(status_same, "the same lonely PSU outcome as design_variance (200 random designs, every policy)");
	ok(df_same, "the same df as design_variance");
	snprintf(msg, sizeof(msg), "variance = design_variance with one-row PSUs (largest rel. difference %.2g)",
			 worst_v);
	ok(worst_v < 1e-12, msg);
	ok(pair_ok, "part and whole: the same status, lonely strata and df as design_pair_cov");
	snprintf(msg, sizeof(msg), "part and whole: variances and covariance = design_pair_cov (%.2g)", worst_c);
	ok(worst_c < 1e-12, msg);
}

static void
test_merge_and_order(void)
{
	Row			rows[60];
	int64_t		n_h[] = {0, 20, 25, 15};
	double		popsize[] = {0, 100, 0, 30};
	Design		whole,
				a,
				b;
	TallyCore	cw,
				ca,
				cb;
	DesignVariance vw,
				vm;
	int			i,
				k = 0;
	uint32_t	where = 0;
	const char *problem;

	for (i = 0; i < 60; i++)
	{
		rows[i].stratum = i < 20 ? 3 : (i < 45 ? 1 : 2);	/* strata out of order */
		rows[i].y = (double) ((i * 7) % 11) - 2.5;
		rows[i].w = 0.5 + (i % 4);
		rows[i].in = true;
		rows[i].in_a = (i % 3 == 0);
		k++;
	}
	n_h[3] = 20;
	n_h[1] = 25;
	n_h[2] = 15;
	load_strat(&whole, &cw, TALLY_MEAN, rows, k, n_h, popsize, LONELY_FAIL, false);
	load_strat(&a, &ca, TALLY_MEAN, rows, k, n_h, popsize, LONELY_FAIL, true);
	for (i = 0; i < 60; i++)
		rows[i].in_a = !rows[i].in_a;
	load_strat(&b, &cb, TALLY_MEAN, rows, k, n_h, popsize, LONELY_FAIL, true);
	problem = stratified_merge(&a, &b, &where);
	tally_core_merge(&ca, &cb);
	ok(problem == NULL, "merging two disjoint parts: no conflict");
	stratified_variance(&whole, &cw, &vw);
	stratified_variance(&a, &ca, &vm);
	is_close(vm.variance, vw.variance, 1e-15, "the merge of the two parts has the whole's variance");
	ok(vm.df == vw.df, "and its df");

	ok(stratified_check(&a, &ca) != NULL, "strata out of canonical order are refused by the check");
	canonical(&a);
	problem = stratified_check(&a, &ca);
	ok(problem == NULL, "in canonical order the merged design passes the check");
	if (problem)
		printf("#   %s\n", problem);
	ok(a.arena[a.strata[0].id.off + 8] == 1 && a.arena[a.strata[2].id.off + 8] == 3 &&
	   a.sums[0].n_dom == 25 && a.sums[2].n_dom == 20, "canonical order: strata by id, sums with them");

	/* the check refuses what no aggregate stores */
	a.sums[1].n_dom = 16;
	ok(stratified_check(&a, &ca) != NULL, "more domain rows than the stratum's rows: refused");
	a.sums[1].n_dom = 15;
	a.sums[1].n_pos = 16;
	ok(stratified_check(&a, &ca) != NULL, "more positive rows than domain rows: refused");
	a.sums[1].n_pos = 15;
	a.strata[1].popsize = 10;
	ok(stratified_check(&a, &ca) != NULL, "a population count below the stratum's rows: refused");
	a.strata[1].popsize = 0;
	a.sums[1].b.hi *= 2;
	ok(stratified_check(&a, &ca) != NULL, "weights that do not add up to the tally's: refused");
	a.sums[1].b.hi /= 2;
	ok(stratified_check(&a, &ca) == NULL, "restored, it passes again");

	/* a conflicting stratum size */
	design_free(&b);
	n_h[2] = 16;
	load_strat(&b, &cb, TALLY_MEAN, rows, k, n_h, popsize, LONELY_FAIL, true);
	problem = stratified_merge(&whole, &b, &where);
	ok(problem != NULL && b.strata[where].n_psu == 16, "a stratum with another row count: conflict, named");
	design_free(&whole);
	design_free(&a);
	design_free(&b);
}

/* part and whole: what is not a part */
static void
test_part_conflicts(void)
{
	Row			rows[] = {{1, 1, 1, true, true}, {1, 0, 2, true, false}, {2, 1, 1, false, true},
	{2, 0, 1, true, true}};
	int64_t		n_h[] = {0, 2, 2};
	double		none[] = {0, 0, 0};
	Design		a,
				b;
	TallyCore	ca,
				cb;
	PairCov		pc;

	load_strat(&b, &cb, TALLY_PROPORTION, rows, 4, n_h, none, LONELY_FAIL, false);
	load_strat(&a, &ca, TALLY_PROPORTION, rows, 4, n_h, none, LONELY_FAIL, true);
	stratified_part_cov(&a, &ca, &b, &cb, &pc);
	ok(pc.conflict != NULL, "a part with more rows than the whole in a stratum is not a part");
	design_free(&a);
	rows[2].in_a = false;
	rows[0].stratum = 0;
	n_h[0] = 1;
	load_strat(&a, &ca, TALLY_PROPORTION, rows, 4, n_h, none, LONELY_FAIL, true);
	stratified_part_cov(&a, &ca, &b, &cb, &pc);
	ok(pc.conflict != NULL, "a part with a stratum the whole lacks is not a part");
	design_free(&a);
	design_free(&b);
}

int
main(void)
{
	test_hand();
	test_lonely();
	test_against_clustered();
	test_merge_and_order();
	test_part_conflicts();
	printf("1..%d\n", test_no);
	return failures > 0;
}
