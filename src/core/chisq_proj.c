/*
 * chisq_proj.c - the Rao-Scott traces tr(Delta) and tr(Delta^2) of R's
 * svychisq through the projection onto the main-effect tables, without
 * the (r-1)(c-1)-square matrices C' D^-1 C and C' D^-1 V D^-1 C.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 *
 * References: R survey 4.1.1, svychisq.survey.design and
 * svychisq.svyrep.design; Rao, J.N.K. and Scott, A.J. (1984), On
 * chi-squared tests for multiway contingency tables with cell proportions
 * estimated from survey data, Annals of Statistics 12, 46-60.
 */
#include <math.h>
#include <string.h>

#include "chisq_var.h"
#include "guard_core.h"

/* union-find with path halving */
static int
uf_find(int *parent, int x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/*
 * The main-effect basis of the Rao-Scott projection.
 *
 * R: Cmat = the interaction columns of the saturated model residualised on
 * the main effects (OLS over the K cells), so col(C) is the space of
 * doubly-centred tables (row and column sums 0), of dimension q; Wp =
 * diag(1/p) with 0 for empty cells (R: ifelse(mean2 == 0, 0, 1/mean2)),
 *   Delta = (C' Wp C / N)^-1 (C' Wp V Wp C).
 * With G = Wp^1/2 C and Vt = N Wp^1/2 V Wp^1/2, Delta = (G'G)^-1 G' Vt G,
 * similar to a matrix whose traces are those of P Vt, P the orthogonal
 * projection onto col(G):
 *   tr(Delta) = tr(P Vt),  tr(Delta^2) = tr(P Vt P Vt),
 * whenever G has full rank q (else R's solve() fails: a singular table).
 * Vt lives on the non-empty cells E; within R^E the complement of col(G)
 * is x with Wp^1/2 x a main-effect table a_i + b_j that vanishes on the
 * empty cells Z:  Q = I - P is the projection onto
 *   { sqrt(p) (a_i + b_j) : a_i + b_j = 0 for (i, j) in Z }.
 * The constraints a_i = -b_j tie rows and columns joined by empty cells:
 * with the components g of the bipartite graph (rows and columns as nodes,
 * empty cells as edges), a basis is u_g = sqrt(p) ([i in g] - [j in g]),
 * one vector per component, whose only dependency is sum_g u_g = 0 (one
 * is dropped); U'U is the graph Laplacian of the components joined by the
 * non-empty cells (weights p), positive definite once reduced.  G has full
 * rank q exactly when the empty cells form a forest (no cycle; two empty
 * rows make one), so a cycle is R's singular table.  Without empty cells
 * the components are the rows and the columns: m = r + c - 1.
 *
 * Order of U's columns: first the set A of components that are single rows
 * (or single columns, whichever are more), whose u_g have disjoint supports
 * (U_A'U_A = D diagonal), then the others, B, one of them dropped.
 *
 * Edge cases: every cell empty (no weight at all) is singular; one empty
 * row or column keeps full rank (X^2 is then NaN, as in R).
 */
static ChisqStatus
basis_make(const ChisqTable *t, const double *p, ChisqWork *w, ChisqBasis *b,
		   int *nA)
{
	int			r = t->r,
				c = t->c,
				K = r * c,
				k,
				i,
				ncomp = 0,
				npr = 0,
				npc = 0,
				na = 0,
				nb = 0,
				m;
	int		   *parent = chisq_alloc(w, r + c, sizeof(int));
	int		   *label = chisq_alloc(w, r + c, sizeof(int));
	int		   *col = chisq_alloc(w, r + c, sizeof(int));
	int		   *rows = chisq_alloc(w, r + c, sizeof(int));
	int		   *cols = chisq_alloc(w, r + c, sizeof(int));
	double	   *sqp = chisq_alloc(w, K, sizeof(double));
	int32_t    *ua = chisq_alloc(w, K, sizeof(int32_t));
	int32_t    *ub = chisq_alloc(w, K, sizeof(int32_t));
	bool		a_rows;

	if (!parent || !label || !col || !rows || !cols || !sqp || !ua || !ub)
		return CHISQ_TOO_BIG;
	for (i = 0; i < r + c; i++)
		parent[i] = i;
	for (k = 0; k < K; k++)
	{
		int			a,
					z;

		if (p[k] > 0)
			continue;
		a = uf_find(parent, k % r);
		z = uf_find(parent, r + k / r);
		if (a == z)
			return CHISQ_SINGULAR_TABLE;
		parent[a] = z;
	}
	for (i = 0; i < r + c; i++)
		label[i] = -1;
	for (i = 0; i < r + c; i++)
	{
		int			root = uf_find(parent, i);

		if (label[root] < 0)
			label[root] = ncomp++;
		if (i < r)
			rows[label[root]]++;
		else
			cols[label[root]]++;
	}
	for (i = 0; i < ncomp; i++)
	{
		npr += rows[i] == 1 && cols[i] == 0;
		npc += rows[i] == 0 && cols[i] == 1;
	}
	/* A first, then B; the last component of B is dropped */
	a_rows = npr >= npc;
	for (i = 0; i < ncomp; i++)
		if (a_rows ? (rows[i] == 1 && cols[i] == 0) : (rows[i] == 0 && cols[i] == 1))
			col[i] = na++;
	for (i = 0; i < ncomp; i++)
		if (!(a_rows ? (rows[i] == 1 && cols[i] == 0) : (rows[i] == 0 && cols[i] == 1)))
			col[i] = na + nb++;
	m = ncomp - 1;
	for (i = 0; i < ncomp; i++)
		if (col[i] == m)
			col[i] = -1;
	for (k = 0; k < K; k++)
	{
		int			a = label[uf_find(parent, k % r)],
					z = label[uf_find(parent, r + k / r)];

		ua[k] = ub[k] = -1;
		if (!(p[k] > 0))
			continue;
		sqp[k] = sqrt(p[k]);
		/* row and column joined by empty cells: a zero row of U */
		if (a == z)
			continue;
		ua[k] = col[a];
		ub[k] = col[z];
	}
	chisq_release(w, parent);
	chisq_release(w, label);
	chisq_release(w, col);
	chisq_release(w, rows);
	chisq_release(w, cols);
	b->K = K;
	b->m = m;
	b->p = p;
	b->sqp = sqp;
	b->ua = ua;
	b->ub = ub;
	*nA = na;
	return CHISQ_OK;
}

/* Cholesky A = L L' in place (lower triangle); false unless positive definite */
static bool
cholesky(double *A, int n)
{
	int			i,
				j,
				k;

	for (j = 0; j < n; j++)
	{
		double		d = A[(size_t) j * n + j];

		core_check_interrupts();
		for (k = 0; k < j; k++)
			d -= A[(size_t) j * n + k] * A[(size_t) j * n + k];
		if (!(d > 0) || !isfinite(d))
			return false;
		d = sqrt(d);
		A[(size_t) j * n + j] = d;
		for (i = j + 1; i < n; i++)
		{
			double		s = A[(size_t) i * n + j];

			for (k = 0; k < j; k++)
				s -= A[(size_t) i * n + k] * A[(size_t) j * n + k];
			A[(size_t) i * n + j] = s / d;
		}
	}
	return true;
}

/* x := L^-1 x (forward substitution, L lower triangular n x n) */
static void
forward(const double *L, int n, double *x)
{
	int			i,
				k;

	for (i = 0; i < n; i++)
	{
		double		s = x[i];

		for (k = 0; k < i; k++)
			s -= L[(size_t) i * n + k] * x[k];
		x[i] = s / L[(size_t) i * n + i];
	}
}

/*
 * Row k of U: at most two entries (+sqrt(p_k) for its row's component,
 * -sqrt(p_k) for its column's), of which at most one in A (a single row's
 * component is never a column's).  col[] receives the columns (A first,
 * then B shifted by nA: B column j as nA + j), val[] the values; returns
 * the number of entries.
 */
static inline int
u_row(const ChisqBasis *b, int k, int *col, double *val)
{
	int			n = 0;

	if (b->ua[k] >= 0)
	{
		col[n] = b->ua[k];
		val[n++] = b->sqp[k];
	}
	if (b->ub[k] >= 0)
	{
		col[n] = b->ub[k];
		val[n++] = -b->sqp[k];
	}
	return n;
}

/* the A column of row k of U, or -1 */
static inline int
u_acol(const ChisqBasis *b, int nA, int k)
{
	if (b->ua[k] >= 0 && b->ua[k] < nA)
		return b->ua[k];
	if (b->ub[k] >= 0 && b->ub[k] < nA)
		return b->ub[k];
	return -1;
}

/*
 * tr(P Vt) and tr(P Vt P Vt), P = I - Q, Q = O O' with O an orthonormal
 * basis of col(U):
 *   tr(P Vt)      = tr(Vt) - tr(O' Vt O)
 *   tr((P Vt)^2)  = tr(Vt^2) - 2 tr(Q Vt^2) + tr(Q Vt Q Vt)
 *                 = |Vt|^2 - 2 |Vt O|^2 + |O' Vt O|^2
 * (Vt symmetric, |.| the Frobenius norm).  O = [O_A O_B] by block
 * elimination: O_A = U_A D^-1/2 (disjoint supports), O_B = (I - Q_A) U_B
 * L^-T with L L' = S = U_B'U_B - G' D^-1 G, G = U_A'U_B (the Schur
 * complement, positive definite), so with Y = Vt U = [Y_A Y_B]:
 *   Vt O_A = Y_A D^-1/2,  Z = Vt O_B = (Y_B - Y_A D^-1 G) L^-T,
 *   O_A' Vt O_A = D^-1/2 U_A'Y_A D^-1/2,  O_A' Vt O_B = D^-1/2 U_A'Z,
 *   O_B' Vt O_B = L^-1 (U_B'Z - G' D^-1 U_A'Z).
 * Cost O(K nA nB + K nB^2 + nB^3) on top of Y, nA the larger of the single
 * rows and columns, nB the rest: O(K^2) at most, O(K) for a tall table.
 */
ChisqStatus
chisq_rao_scott_traces(const ChisqTable *t, ChisqWork *w, double *trace, double *trace2,
				 ChisqResult *res)
{
	int			K = t->r * t->c,
				m,
				nA,
				nB,
				k,
				a,
				z;
	double		T = 0,
				trq = 0,
				yo2 = 0,
				fo2 = 0;
	double	   *p = chisq_alloc(w, K, sizeof(double));
	double	   *D,
			   *G,
			   *Gt,
			   *S,
			   *Yk,
			   *Zk,
			   *FA,
			   *FAZ,
			   *FBZ,
			   *y;
	int		   *order,
			   *first,
				x;
	double		val[2];
	ChisqBasis	b;
	ChisqVt		vt;
	ChisqStatus st;

	if (!p)
		return CHISQ_TOO_BIG;
	for (k = 0; k < K; k++)
		T += t->total[k];
	if (!(T > 0) || !isfinite(T))
		return CHISQ_SINGULAR_TABLE;
	for (k = 0; k < K; k++)
		p[k] = t->total[k] / T;
	st = basis_make(t, p, w, &b, &nA);
	if (st != CHISQ_OK)
		return st;
	m = b.m;
	nB = m - nA;

	/* D, G = U_A'U_B, S = U_B'U_B - G' D^-1 G */
	D = chisq_alloc(w, nA + 1, sizeof(double));
	G = chisq_alloc(w, (uint64_t) nA * nB + 1, sizeof(double));
	Gt = chisq_alloc(w, (uint64_t) nA * nB + 1, sizeof(double));
	S = chisq_alloc(w, (uint64_t) nB * nB + 1, sizeof(double));
	y = chisq_alloc(w, nB + 1, sizeof(double));
	if (!D || !G || !Gt || !S || !y)
		return CHISQ_TOO_BIG;
	for (k = 0; k < K; k++)
	{
		int			col[2],
					n = u_row(&b, k, col, val),
					e,
					f;

		for (e = 0; e < n; e++)
			for (f = 0; f < n; f++)
			{
				int			ce = col[e],
							cf = col[f];

				if (ce < nA && cf < nA)
					D[ce] += val[e] * val[f];	/* e = f: one A entry at most */
				else if (ce < nA)
					G[(size_t) ce * nB + (cf - nA)] += val[e] * val[f];
				else if (cf >= nA)
					S[(size_t) (ce - nA) * nB + (cf - nA)] += val[e] * val[f];
			}
	}
	for (a = 0; a < nA; a++)
	{
		const double *Ga = G + (size_t) a * nB;

		core_check_interrupts();
		for (z = 0; z < nB; z++)
			Gt[(size_t) a * nB + z] = Ga[z] / D[a];
		for (z = 0; z < nB; z++)
		{
			int			x;

			if (Ga[z] == 0)
				continue;
			for (x = 0; x < nB; x++)
				S[(size_t) z * nB + x] -= Ga[z] * Gt[(size_t) a * nB + x];
		}
	}
	if (!cholesky(S, nB))
		return CHISQ_SINGULAR_TABLE;

	st = chisq_vt(t, &b, w, &vt, res);
	if (st != CHISQ_OK)
		return st;
	Yk = chisq_alloc(w, m + 1, sizeof(double));
	Zk = chisq_alloc(w, nB + 1, sizeof(double));
	FA = chisq_alloc(w, nA + 1, sizeof(double));
	FAZ = chisq_alloc(w, (uint64_t) nA * nB + 1, sizeof(double));
	FBZ = chisq_alloc(w, (uint64_t) nB * nB + 1, sizeof(double));
	order = chisq_alloc(w, K, sizeof(int));
	first = chisq_alloc(w, nA + 2, sizeof(int));
	if (!Yk || !Zk || !FA || !FAZ || !FBZ || !order || !first)
		return CHISQ_TOO_BIG;

	/*
	 * The cells grouped by their A column (then those without one), so that
	 * row a of U_A'Y_A is complete when its group ends: O(nA) memory.
	 */
	for (k = 0; k < K; k++)
	{
		int			ja = u_acol(&b, nA, k);

		first[(ja >= 0 ? ja : nA) + 1]++;
	}
	for (a = 0; a <= nA; a++)
		first[a + 1] += first[a];
	for (k = 0; k < K; k++)
	{
		int			ja = u_acol(&b, nA, k);

		order[first[ja >= 0 ? ja : nA]++] = k;
	}
	for (x = 0; x < K; x++)
	{
		int			col[2],
					n,
					e,
					ja;

		k = order[x];
		core_check_interrupts();
		vt.row(vt.state, k, Yk);
		n = u_row(&b, k, col, val);
		ja = u_acol(&b, nA, k);
		/* Vt O_A, U_A'Y_A */
		for (a = 0; a < nA; a++)
			yo2 += Yk[a] * Yk[a] / D[a];
		for (e = 0; e < n; e++)
			if (col[e] < nA)
				for (a = 0; a < nA; a++)
					FA[a] += val[e] * Yk[a];
		/* Z = (Y_B - Y_A D^-1 G) L^-T */
		for (z = 0; z < nB; z++)
			Zk[z] = Yk[nA + z];
		for (a = 0; a < nA; a++)
		{
			const double *Gta = Gt + (size_t) a * nB;
			double		ya = Yk[a];

			if (ya == 0)
				continue;
			for (z = 0; z < nB; z++)
				Zk[z] -= ya * Gta[z];
		}
		forward(S, nB, Zk);
		for (z = 0; z < nB; z++)
			yo2 += Zk[z] * Zk[z];
		/* U_A'Z and U_B'Z */
		for (e = 0; e < n; e++)
		{
			double	   *F = col[e] < nA ? FAZ + (size_t) col[e] * nB
				: FBZ + (size_t) (col[e] - nA) * nB;

			for (z = 0; z < nB; z++)
				F[z] += val[e] * Zk[z];
		}
		/* the end of A column ja's group: row ja of O_A' Vt O_A */
		if (ja >= 0 && (x + 1 == K || x + 1 == first[ja]))
		{
			trq += FA[ja] / D[ja];
			for (a = 0; a < nA; a++)
			{
				double		v = FA[a] / sqrt(D[ja] * D[a]);

				fo2 += v * v;
			}
			memset(FA, 0, sizeof(double) * nA);
		}
	}
	/* O_B' Vt O_B = L^-1 (U_B'Z - Gt' U_A'Z), then O_A' Vt O_B */
	for (a = 0; a < nA; a++)
	{
		const double *Gta = Gt + (size_t) a * nB,
				   *Fa = FAZ + (size_t) a * nB;

		core_check_interrupts();
		for (z = 0; z < nB; z++)
		{
			int			x;

			if (Gta[z] == 0)
				continue;
			for (x = 0; x < nB; x++)
				FBZ[(size_t) z * nB + x] -= Gta[z] * Fa[x];
		}
		for (z = 0; z < nB; z++)
			fo2 += 2 * Fa[z] * Fa[z] / D[a];
	}
	for (z = 0; z < nB; z++)
	{
		int			x;

		core_check_interrupts();
		for (x = 0; x < nB; x++)
			y[x] = FBZ[(size_t) x * nB + z];
		forward(S, nB, y);
		trq += y[z];
		for (x = 0; x < nB; x++)
			fo2 += y[x] * y[x];
	}
	*trace = vt.trace - trq;
	*trace2 = vt.frob2 - 2 * yo2 + fo2;
	return CHISQ_OK;
}
