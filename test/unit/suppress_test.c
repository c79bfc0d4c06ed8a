/*
 * suppress_test.c - C unit tests of secondary suppression and its audit
 * (suppress_core, lp): the published test tables of FACTS.md, the
 * handbook's interval, hierarchies, 3-dimensional and linked tables, bad
 * input, input-order independence and randomized tables whose pattern the
 * audit proves safe.  Prints TAP; run with `prove --exec '' test/unit/suppress_test`.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp.h"
#include "suppress_core.h"
#include "tap.h"

static void *
test_alloc(void *ctx, void *ptr, size_t size)
{
	(void) ctx;
	if (size == 0)
	{
		free(ptr);
		return NULL;
	}
	ptr = realloc(ptr, size);
	if (ptr == NULL)
		abort();
	return ptr;
}

/* a table under construction */
#define MAXROWS 20000
typedef struct T
{
	int			ndim;
	int			n;
	const char *codes[MAXROWS * 3];
	double		value[MAXROWS];
	double		cost[MAXROWS];
	unsigned char flags[MAXROWS];
	const char *table[MAXROWS];
	int			nedges;
	int			edim[4000];
	const char *ech[4000];
	const char *epa[4000];
	SupRowResult out[MAXROWS];
	SupStats	st;
	SupError	err;
} T;

static T	tb;

static void
t_reset(int ndim)
{
	memset(&tb, 0, sizeof(tb));
	tb.ndim = ndim;
}

static int
t_cell(const char *a, const char *b, const char *c, double v, int flags)
{
	const char *x[3] = {a, b, c};
	int			d;

	for (d = 0; d < tb.ndim; d++)
		tb.codes[tb.n * tb.ndim + d] = x[d];
	tb.value[tb.n] = v;
	tb.cost[tb.n] = NAN;
	tb.flags[tb.n] = flags;
	tb.table[tb.n] = "t";
	return tb.n++;
}

static void
t_edge(int dim, const char *child, const char *parent)
{
	tb.edim[tb.nedges] = dim;
	tb.ech[tb.nedges] = child;
	tb.epa[tb.nedges] = parent;
	tb.nedges++;
}

static int
t_run(int method, double protection, int singleton, double threshold, int linked)
{
	SupInput	in;
	SupOptions	opt;

	memset(&in, 0, sizeof(in));
	in.ndim = tb.ndim;
	in.nrows = tb.n;
	in.codes = tb.codes;
	in.value = tb.value;
	in.cost = tb.cost;
	in.flags = tb.flags;
	in.table = linked ? tb.table : NULL;
	in.nedges = tb.nedges;
	in.edge_dim = tb.edim;
	in.edge_child = tb.ech;
	in.edge_parent = tb.epa;
	memset(&opt, 0, sizeof(opt));
	opt.method = method;
	opt.protection = protection;
	opt.protection_rel = 0;
	opt.singleton = singleton;
	opt.threshold = threshold;
	opt.complement = true;
	opt.time_limit = 60;
	opt.max_optimal = 100000;
	opt.cost = SUP_COST_WEIGHT;
	opt.cleanup = true;
	return sup_run(&in, &opt, test_alloc, NULL, tb.out, &tb.st, &tb.err);
}

/* the suppressed rows (1-based), as "5 6 11 12" */
static void
t_pattern(char *buf, size_t len)
{
	int			i;
	size_t		used = 0;

	buf[0] = 0;
	for (i = 0; i < tb.n && used < len; i++)
		if (tb.out[i].status != SUP_PUBLISH)
			used += snprintf(buf + used, len - used, "%s%d", used ? " " : "", i + 1);
}

static int
t_all_protected(void)
{
	int			i;

	for (i = 0; i < tb.n; i++)
		if (tb.out[i].status == SUP_PRIMARY && tb.out[i].protect != 1)
			return 0;
	return 1;
}

/*
 * FACTS.md: region {total, A, B, C, D} x gender {total, male, female}, one
 * primary at (A, female); the minimal pattern is cells 5, 6, 11, 12
 * (row-major, totals first).
 */
static void
build15(void)
{
	static const char *rg[] = {"total", "A", "B", "C", "D"};
	static const char *gd[] = {"total", "male", "female"};
	static const double v[5][3] = {
		{83, 45, 38}, {12, 10, 2}, {25, 13, 12}, {14, 8, 6}, {32, 14, 18}
	};
	int			i,
				j;

	t_reset(2);
	for (i = 0; i < 5; i++)
		for (j = 0; j < 3; j++)
			t_cell(rg[i], gd[j], NULL, v[i][j], (i == 1 && j == 2) ? SUPF_PRIMARY : 0);
	for (i = 1; i < 5; i++)
		t_edge(0, rg[i], "total");
	t_edge(1, "male", "total");
	t_edge(1, "female", "total");
}

static void
test_fifteen(void)
{
	char		pat[200];

	build15();
	ok(t_run(SUP_HEURISTIC, 1, 1, 0, 0) == 0, "15-cell table: heuristic runs");
	t_pattern(pat, sizeof(pat));
	ok(strcmp(pat, "5 6 11 12") == 0, "15-cell table: heuristic suppresses 5, 6, 11, 12");
	if (strcmp(pat, "5 6 11 12") != 0)
		printf("#   got %s\n", pat);
	/* [0, 8] for an intruder who ignores that hidden counts are >= 1 */
	ok(tb.out[5].lower == 1 && tb.out[5].upper == 7, "15-cell table: primary interval [1, 7]");
	ok(t_all_protected(), "15-cell table: audit protects the primary");

	build15();
	ok(t_run(SUP_OPTIMAL, 1, 1, 0, 0) == 0, "15-cell table: optimal runs");
	t_pattern(pat, sizeof(pat));
	ok(strcmp(pat, "5 6 11 12") == 0, "15-cell table: optimal suppresses 5, 6, 11, 12");
	if (strcmp(pat, "5 6 11 12") != 0)
		printf("#   got %s\n", pat);
}

/*
 * FACTS.md: {total; a = 1, b = 2, c = 1, d = 0}, a and c primary.  FACTS.md
 * (an intruder who knows only >= 0) needs no secondary without singleton
 * protection, one with it, one at protection 3 and the whole row at 5.  The
 * intruder who knows that hidden counts are >= 1 (zeros are never hidden)
 * recomputes a = c = 1 from a + c = 2: b must go too; at protection 3 or 5
 * the total alone (a and c unbounded above) is cheaper than b and the
 * total, and the cleanup finds it.
 */
static void
build1d(void)
{
	t_reset(1);
	t_cell("total", NULL, NULL, 4, 0);
	t_cell("a", NULL, NULL, 1, SUPF_PRIMARY);
	t_cell("b", NULL, NULL, 2, 0);
	t_cell("c", NULL, NULL, 1, SUPF_PRIMARY);
	t_cell("d", NULL, NULL, 0, 0);
	t_edge(0, "a", "total");
	t_edge(0, "b", "total");
	t_edge(0, "c", "total");
	t_edge(0, "d", "total");
}

static void
test_one_dim(void)
{
	char		pat[200];
	int			m;

	for (m = SUP_HEURISTIC; m <= SUP_OPTIMAL; m++)
	{
		const char *mn = m == SUP_HEURISTIC ? "heuristic" : "optimal";
		char		what[200];

		build1d();
		t_run(m, 1, 0, 0, 0);
		t_pattern(pat, sizeof(pat));
		snprintf(what, sizeof(what), "1-D, %s, no singleton protection: b (a + c = 2 with a, c >= 1 is exact)", mn);
		ok(strcmp(pat, "2 3 4") == 0 && t_all_protected(), what);
		build1d();
		t_run(m, 1, 1, 0, 0);
		t_pattern(pat, sizeof(pat));
		snprintf(what, sizeof(what), "1-D, %s, singleton protection: one secondary (b)", mn);
		ok(strcmp(pat, "2 3 4") == 0 && t_all_protected(), what);
		build1d();
		t_run(m, 3, 0, 0, 0);
		t_pattern(pat, sizeof(pat));
		snprintf(what, sizeof(what), "1-D, %s, protection 3: the total", mn);
		ok(strcmp(pat, "1 2 4") == 0 && t_all_protected(), what);
		if (strcmp(pat, "1 2 4") != 0)
			printf("#   got %s\n", pat);
		build1d();
		t_run(m, 5, 0, 0, 0);
		t_pattern(pat, sizeof(pat));
		snprintf(what, sizeof(what), "1-D, %s, protection 5: the total", mn);
		ok(strcmp(pat, "1 2 4") == 0 && t_all_protected(), what);
		if (!t_all_protected() || tb.out[1].upper != INFINITY)
			printf("#   got %s\n", pat);
	}
}

/* handbook: a 2 x 2 block with suppressed totals 7 / 3 (rows), 6 (column) */
static void
test_handbook(void)
{
	static const char *r[] = {"T", "R1", "R2", "R3"};
	static const char *c[] = {"T", "X1", "X2", "X3"};
	static const double v[4][4] = {
		{32, 11, 9, 12}, {12, 4, 3, 5}, {10, 2, 1, 7}, {10, 5, 5, 0}
	};
	int			i,
				j;

	t_reset(2);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			t_cell(r[i], c[j], NULL, v[i][j],
				   (i >= 1 && i <= 2 && j >= 1 && j <= 2) ? SUPF_SUPPRESSED : 0);
	tb.flags[5] |= SUPF_PRIMARY;
	for (i = 1; i < 4; i++)
	{
		t_edge(0, r[i], "T");
		t_edge(1, c[i], "T");
	}
	ok(t_run(SUP_AUDIT, 1, 0, 0, 0) == 0, "handbook block: audit runs");
	/* the handbook's [3, 6] and [1, 4] are for an intruder who knows >= 0
	 * only; hidden counts are >= 1 */
	ok(tb.out[5].lower == 4 && tb.out[5].upper == 5, "handbook block: interval [4, 5]");
	ok(tb.out[6].lower == 2 && tb.out[6].upper == 3, "handbook block: second cell [2, 3]");
	ok(tb.out[5].protect == 1, "handbook block: protected at width 1");
	t_run(SUP_AUDIT, 4, 0, 0, 0);
	ok(tb.out[5].protect == 0 && tb.out[5].problem == SUP_P_NARROW,
	   "handbook block: not protected at width 4");
}

/*
 * Linked tables: T1 (3 x 3 with totals) hides a rectangle; T2 (the four
 * inner cells, no totals) publishes (B, x): each alone protects (A, x),
 * together they give it away.
 */
static void
test_linked(void)
{
	static const char *r[] = {"total", "A", "B"};
	static const char *c[] = {"total", "x", "y"};
	static const double v[3][3] = {{40, 22, 18}, {15, 3, 12}, {25, 19, 6}};
	int			i,
				j,
				k;

	t_reset(2);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
		{
			k = t_cell(r[i], c[j], NULL, v[i][j], (i && j) ? SUPF_SUPPRESSED : 0);
			tb.table[k] = "T1";
		}
	tb.flags[4] |= SUPF_PRIMARY;
	for (i = 1; i < 3; i++)
		for (j = 1; j < 3; j++)
		{
			k = t_cell(r[i], c[j], NULL, v[i][j], (i == j) ? SUPF_SUPPRESSED : 0);
			tb.table[k] = "T2";
			if (i == 1 && j == 1)
				tb.flags[k] |= SUPF_PRIMARY;
		}
	for (i = 1; i < 3; i++)
	{
		t_edge(0, r[i], "total");
		t_edge(1, c[i], "total");
	}
	ok(t_run(SUP_AUDIT, 1, 0, 0, 1) == 0, "linked tables: audit runs");
	ok(tb.out[4].protect == 0 && tb.out[4].problem == SUP_P_LINKED &&
	   tb.out[4].lower == 3 && tb.out[4].upper == 3,
	   "linked tables: (A, x) is recoverable only by combining T1 and T2");
	ok(tb.out[9].problem == SUP_P_LINKED, "linked tables: reported for T2's row too");
	tb.flags[10] |= SUPF_SUPPRESSED;	/* T2 hides its four cells as well */
	tb.flags[11] |= SUPF_SUPPRESSED;
	t_run(SUP_AUDIT, 1, 0, 0, 1);
	ok(tb.out[4].protect == 1 && tb.out[4].lower == 1 && tb.out[4].upper == 14,
	   "linked tables: consistent suppression protects (A, x)");
	tb.value[11] = 18;
	ok(t_run(SUP_AUDIT, 1, 0, 0, 1) < 0 && strstr(tb.err.msg, "disagree") != NULL,
	   "linked tables that disagree on a cell are an error");
}

/* bad input */
static void
test_errors(void)
{
	build15();
	tb.value[4] = -1;
	ok(t_run(SUP_HEURISTIC, 1, 1, 0, 0) < 0 && strstr(tb.err.detail, "(A, male)") != NULL,
	   "negative count names the cell");
	build15();
	tb.value[0] = 84;
	ok(t_run(SUP_HEURISTIC, 1, 1, 0, 0) < 0 && strstr(tb.err.msg, "add up") != NULL &&
	   strstr(tb.err.detail, "(total, total)") != NULL,
	   "a margin that does not add up names the cell");
	if (tb.err.code)
		printf("#   %s: %s\n", tb.err.msg, tb.err.detail);
	build15();
	t_edge(0, "total", "A");
	ok(t_run(SUP_HEURISTIC, 1, 1, 0, 0) < 0 && strstr(tb.err.msg, "loop") != NULL,
	   "a hierarchy with a loop is an error");
	printf("#   %s: %s\n", tb.err.msg, tb.err.detail);
	build15();
	t_edge(0, "A", "B");
	ok(t_run(SUP_HEURISTIC, 1, 1, 0, 0) < 0 && strstr(tb.err.msg, "tree") != NULL,
	   "two parents is an error");
	build15();
	t_cell("A", "male", NULL, 10, 0);
	ok(t_run(SUP_HEURISTIC, 1, 1, 0, 0) < 0 && strstr(tb.err.msg, "duplicate") != NULL,
	   "a duplicate cell is an error");
}

/* a deterministic generator */
static uint64_t rs = 42;

static unsigned
rnd(unsigned n)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return (unsigned) (((rs * 2685821657736338717ULL) >> 33) % n);
}

static char names[3][400][16];

/*
 * A random 3-D table: dimension 1 with nm leaves under np parents under a
 * total, dimension 2 with no leaves under 2 groups under a total, and
 * dimension 3 two leaves and a total (or a 2-D table when nd == 2).
 */
static void
build_random(int nd, int nm, int np, int no, int ns, int zeros_pct, int *leafv)
{
	int			n1 = nm + np + 1,
				n2 = no + 3,
				n3 = nd == 3 ? ns + 1 : 1,
				i,
				j,
				k;
	static double val[400][20][4];

	t_reset(nd);
	for (i = 0; i < n1; i++)
		snprintf(names[0][i], 16, i == 0 ? "T" : (i <= np ? "P%d" : "m%03d"), i);
	for (j = 0; j < n2; j++)
		snprintf(names[1][j], 16, j == 0 ? "T" : (j <= 2 ? "G%d" : "o%02d"), j);
	for (k = 0; k < n3; k++)
		snprintf(names[2][k], 16, k == 0 ? "T" : "s%d", k);
	memset(val, 0, sizeof(val));
	for (i = np + 1; i < n1; i++)
		for (j = 3; j < n2; j++)
			for (k = (n3 > 1 ? 1 : 0); k < n3; k++)
			{
				double		v = (int) rnd(100) < zeros_pct ? 0 : 1 + rnd(leafv[0]);

				if (rnd(10) == 0)
					v += rnd(leafv[1]);
				val[i][j][k] = v;
			}
	/* margins: sums along each dimension's hierarchy (leaf -> parent -> total) */
	for (k = (n3 > 1 ? 1 : 0); k < n3; k++)
		for (i = np + 1; i < n1; i++)
			for (j = 3; j < n2; j++)
			{
				int			pi = 1 + (i - np - 1) % np,
							pj = 1 + (j - 3) % 2;
				double		v = val[i][j][k];

				val[i][pj][k] += v;
				val[i][0][k] += v;
				val[pi][j][k] += v;
				val[pi][pj][k] += v;
				val[pi][0][k] += v;
				val[0][j][k] += v;
				val[0][pj][k] += v;
				val[0][0][k] += v;
			}
	if (n3 > 1)
		for (i = 0; i < n1; i++)
			for (j = 0; j < n2; j++)
				for (k = 1; k < n3; k++)
					val[i][j][0] += val[i][j][k];
	for (i = 0; i < n1; i++)
		for (j = 0; j < n2; j++)
			for (k = 0; k < n3; k++)
			{
				double		v = val[i][j][k];

				t_cell(names[0][i], names[1][j], names[2][k], v,
					   (v > 0 && v < 5) ? SUPF_PRIMARY : 0);
			}
	for (i = 1; i < n1; i++)
		t_edge(0, names[0][i], i <= np ? "T" : names[0][1 + (i - np - 1) % np]);
	for (j = 1; j < n2; j++)
		t_edge(1, names[1][j], j <= 2 ? "T" : names[1][1 + (j - 3) % 2]);
	if (nd == 3)
		for (k = 1; k < n3; k++)
			t_edge(2, names[2][k], "T");
}

static void
test_random(void)
{
	int			r,
				bad = 0,
				i,
				again = 1;
	char		p1[20000],
				p2[20000];

	for (r = 0; r < 40; r++)
	{
		int			lv[2] = {8 + r % 5 * 5, 60};
		int			nd = r % 2 ? 3 : 2;

		build_random(nd, 6 + r % 7, 2 + r % 2, 4 + r % 3, 2, 10, lv);
		if (t_run(SUP_HEURISTIC, 1, 1, 0, 0) < 0)
		{
			printf("#   table %d: %s: %s\n", r, tb.err.msg, tb.err.detail);
			bad++;
			continue;
		}
		if (!t_all_protected())
		{
			printf("#   table %d: %d primaries unprotected\n", r, tb.st.unprotected);
			bad++;
		}
		/* the same pattern again, audited on its own */
		for (i = 0; i < tb.n; i++)
			if (tb.out[i].status == SUP_SECONDARY)
				tb.flags[i] |= SUPF_SUPPRESSED;
		if (t_run(SUP_AUDIT, 1, 1, 0, 0) < 0 || !t_all_protected())
			bad++;
	}
	ok(bad == 0, "40 random 2-D and 3-D hierarchical tables: every primary protected");

	/* input order does not matter */
	{
		int			lv[2] = {10, 60};
		int			perm[MAXROWS];
		static T	copy;
		int			n;

		rs = 7;
		build_random(3, 9, 3, 5, 2, 10, lv);
		copy = tb;
		t_run(SUP_HEURISTIC, 1, 1, 0, 0);
		p1[0] = 0;
		for (i = 0; i < tb.n; i++)
			strcat(p1, tb.out[i].status == SUP_PUBLISH ? "." : "x");
		n = copy.n;
		for (i = 0; i < n; i++)
			perm[i] = n - 1 - i;
		tb = copy;
		for (i = 0; i < n; i++)
		{
			int			d;

			for (d = 0; d < 3; d++)
				tb.codes[i * 3 + d] = copy.codes[perm[i] * 3 + d];
			tb.value[i] = copy.value[perm[i]];
			tb.flags[i] = copy.flags[perm[i]];
		}
		t_run(SUP_HEURISTIC, 1, 1, 0, 0);
		p2[0] = 0;
		for (i = 0; i < n; i++)
			strcat(p2, tb.out[n - 1 - i].status == SUP_PUBLISH ? "." : "x");
		again = strcmp(p1, p2) == 0;
	}
	ok(again, "the pattern does not depend on the order of the input rows");
}

/* the optimal pattern is never costlier than the heuristic's */
static void
test_optimal_vs_heuristic(void)
{
	int			r,
				i,
				bad = 0;

	for (r = 0; r < 6; r++)
	{
		int			lv[2] = {12, 30};
		double		ch = 0,
					co = 0;

		rs = 1000 + r;
		build_random(2, 3 + r % 2, 2, 2, 2, 10, lv);
		if (t_run(SUP_HEURISTIC, 1, 1, 0, 0) < 0)
		{
			bad++;
			continue;
		}
		for (i = 0; i < tb.n; i++)
			if (tb.out[i].status == SUP_SECONDARY)
				ch += tb.value[i];
		if (t_run(SUP_OPTIMAL, 1, 1, 0, 0) < 0 || !t_all_protected())
		{
			printf("#   table %d: %s %s\n", r, tb.err.msg, tb.err.detail);
			bad++;
			continue;
		}
		for (i = 0; i < tb.n; i++)
			if (tb.out[i].status == SUP_SECONDARY)
				co += tb.value[i];
		if (co > ch + 1e-9)
		{
			printf("#   table %d: optimal %g > heuristic %g\n", r, co, ch);
			bad++;
		}
	}
	ok(bad == 0, "6 random tables: the optimal pattern is protected and costs no more than the heuristic's");
}

/*
 * lp_row_duals: the derivative of the optimum in a row's active bound, the
 * sign the optimal mode's Benders cuts rely on.  max x + y subject to
 * x + y <= 4 (dual 1), max -x subject to x >= 2 (dual -1), max x subject
 * to x - y >= -1, y <= 3 (x = 4; raising the row's lower bound does not
 * change it... its upper side is free: dual 0 on the row, the bound of y
 * carries it).
 */
static void
test_row_duals(void)
{
	static const int rs[] = {0, 2, 3, 5};
	static const int col[] = {0, 1, 0, 0, 1};
	static const double coef[] = {1, 1, 1, 1, -1};
	double		clo[] = {0, 0},
				chi[] = {10, 3},
				rlo[] = {-INFINITY, 2, -1},
				rhi[] = {4, INFINITY, INFINITY},
				pi[3],
				v;
	int			oc[2] = {0, 1},
				st;
	double		ov[2] = {1, 1};
	LpSpec		sp;
	LpModel    *m;

	sp.ncols = 2;
	sp.col_lo = clo;
	sp.col_hi = chi;
	sp.col_int = NULL;
	sp.nrows = 3;
	sp.row_start = rs;
	sp.col = col;
	sp.coef = coef;
	sp.row_lo = rlo;
	sp.row_hi = rhi;
	m = lp_new(&sp, &st);
	ok(m != NULL, "lp_row_duals: model built");
	if (m == NULL)
		return;
	st = lp_optimize(m, 2, oc, ov, true, LP_RELAX, 0, &v, NULL);
	lp_row_duals(m, 0, 3, pi);
	ok(st == LP_OK && fabs(v - 4) < 1e-9 && fabs(pi[0] - 1) < 1e-9,
	   "lp_row_duals: an active upper row of a maximum has dual 1");
	ov[0] = -1;
	st = lp_optimize(m, 1, oc, ov, true, LP_RELAX, 0, &v, NULL);
	lp_row_duals(m, 1, 1, pi);
	ok(st == LP_OK && fabs(v + 2) < 1e-9 && fabs(pi[0] + 1) < 1e-9,
	   "lp_row_duals: an active lower row of a maximum has dual -1 (rows from first)");
	lp_free(m);
}

/*
 * The optimal mode with the complement rule (threshold 3: counts 1 and 2
 * and complements of 1 and 2 are primary; the intruder knows that a
 * published part's complement is 0 or at least 3): on small 2-D tables
 * (2 x 3 leaves with margins, 12 cells, no zeros) its cost is the least
 * over every pattern the audit accepts, found by enumerating them all
 * (24 of the 30 need secondaries; the test asks for at least 20).
 * The rule rows of the optimal mode's program (relaxed by the published
 * parts' y) must never cut off a pattern the audit accepts, nor may the
 * result be one the audit rejects.
 */
static void
test_optimal_brute_force(void)
{
	int			r,
				bad = 0,
				done = 0;

	for (r = 0; r < 30; r++)
	{
		double		v[3][4];
		unsigned char prim[12];
		int			cand[12],
					nc = 0,
					i,
					j,
					mask;
		double		best = INFINITY,
					co = 0;
		static const char *rn[] = {"T", "a", "b"};
		static const char *cn[] = {"T", "x", "y", "z"};

		rs = 7000 + r;
		memset(v, 0, sizeof(v));
		for (i = 1; i < 3; i++)
			for (j = 1; j < 4; j++)
			{
				v[i][j] = 1 + rnd(r % 2 ? 6 : 12);
				v[i][0] += v[i][j];
				v[0][j] += v[i][j];
				v[0][0] += v[i][j];
			}
#define BUILD(flagexpr) \
		do { \
			t_reset(2); \
			for (i = 0; i < 3; i++) \
				for (j = 0; j < 4; j++) \
					t_cell(rn[i], cn[j], NULL, v[i][j], (flagexpr)); \
			t_edge(0, "a", "T"); \
			t_edge(0, "b", "T"); \
			t_edge(1, "x", "T"); \
			t_edge(1, "y", "T"); \
			t_edge(1, "z", "T"); \
		} while (0)
		BUILD(0);
		if (t_run(SUP_HEURISTIC, 1, 1, 3, 0) < 0)
		{
			bad++;
			continue;
		}
		for (i = 0; i < 12; i++)
		{
			prim[i] = tb.out[i].status == SUP_PRIMARY;
			if (!prim[i])
				cand[nc++] = i;
		}
		if (nc == 12)
			continue;			/* no primary */
		/* every pattern: the primaries and a subset of the rest */
		for (mask = 0; mask < (1 << nc); mask++)
		{
			double		c = 0;
			int			k;

			for (k = 0; k < nc; k++)
				if (mask & (1 << k))
					c += v[cand[k] / 4][cand[k] % 4];
			if (c >= best)
				continue;
			BUILD(prim[i * 4 + j] ? SUPF_SUPPRESSED : 0);
			for (k = 0; k < nc; k++)
				if (mask & (1 << k))
					tb.flags[cand[k]] |= SUPF_SUPPRESSED;
			if (t_run(SUP_AUDIT, 1, 1, 3, 0) == 0 && t_all_protected())
				best = c;
		}
		BUILD(0);
		if (t_run(SUP_OPTIMAL, 1, 1, 3, 0) < 0 || !t_all_protected() || !tb.st.optimal)
		{
			printf("#   table %d: the optimal mode failed or did not prove its optimum (%s; optimal %d, fell back %d)\n",
				   r, tb.err.msg, tb.st.optimal, tb.st.fell_back);
			bad++;
			continue;
		}
		for (i = 0; i < 12; i++)
			if (tb.out[i].status == SUP_SECONDARY)
				co += tb.value[i];
		if (fabs(co - best) > 1e-9)
		{
			printf("#   table %d: optimal %g, least cost the audit accepts %g\n", r, co, best);
			bad++;
		}
		if (isfinite(best) && best > 0)
			done++;
#undef BUILD
	}
	ok(bad == 0 && done >= 20,
	   "30 small tables with the complement rule: the optimum is the least cost of every pattern the audit accepts");
}

int
main(void)
{
	test_row_duals();
	test_optimal_brute_force();
	test_fifteen();
	test_one_dim();
	test_handbook();
	test_linked();
	test_errors();
	test_random();
	test_optimal_vs_heuristic();
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
