/*
 * chisq_cluster.c - the covariance of a two-way table's cell totals and
 * proportions under a stratified cluster design (R survey 4.1.1 svyrecvar,
 * onestrat, ultimate cluster) without dense per-PSU outer products.
 *
 * Linearization: with t_j the vector of the cell weight sums of PSU j and
 * B_j = 1' t_j, the scores of the cell proportions are z_j = (t_j - B_j p)
 * / W = (I - p 1') t_j / W, so
 *   V = (I - p 1') Sigma (I - 1 p') / W^2
 * with Sigma the covariance of the totals (the scores t_j).  For one
 * stratum (R onestrat, zero padding of PSUs without table rows):
 *   sum_j (t_j - tbar)(t_j - tbar)' + (n - m) tbar tbar' = sum_j t_j t_j'
 *     - T_h T_h' / n,   T_h = sum_j t_j, tbar = T_h / n,
 * whatever the number m of PSUs with table rows; t_j has as many non-zeros
 * as PSU j has cells, so Sigma costs sum_j e_j^2 + sum_h e_h^2 (e the
 * non-zero cells of a PSU or stratum) instead of K^2 per PSU.  (Expanding
 * the centred sums costs accuracy only in proportion to the rows of a PSU
 * per cell: relative 1e-12 at 10,000 rows a PSU in a 2 x 2 table.)
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 *
 * References: R survey 4.1.1, svychisq.survey.design, svyrecvar, onestrat.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chisq_var.h"
#include "guard_core.h"
#include "var_core.h"

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * A symmetric K x K matrix by its upper triangle: entry (k, l), l >= k, at
 * S[base[k] + l].  Packed (K (K + 1) / 2 doubles, base[k] = k K - k (k +
 * 1) / 2) for the Rao-Scott traces, full (base[k] = k K) where the Wald
 * test needs both triangles.
 */
typedef struct SymMat
{
	int			K;
	double	   *S;
	size_t	   *base;
} SymMat;

static bool
sym_alloc(SymMat *m, int K, bool packed, ChisqWork *w)
{
	int			k;

	m->K = K;
	m->base = chisq_alloc(w, K, sizeof(size_t));
	m->S = chisq_alloc(w, packed ? (uint64_t) K * (K + 1) / 2 : (uint64_t) K * K,
					   sizeof(double));
	if (!m->base || !m->S)
		return false;
	for (k = 0; k < K; k++)
		m->base[k] = packed ? (size_t) k * K - (size_t) k * (k + 1) / 2 : (size_t) k * K;
	return true;
}

/* S[a, b] += v (either order) */
static inline void
sym_add(SymMat *m, uint32_t a, uint32_t b, double v)
{
	if (a <= b)
		m->S[m->base[a] + b] += v;
	else
		m->S[m->base[b] + a] += v;
}

/* strata whose cells fill a quarter of the table are subtracted in batches */
#define STRATA_BATCH 8

typedef struct StrataBatch
{
	int			n;
	double		coef[STRATA_BATCH];
	double	   *T[STRATA_BATCH];	/* dense K-vectors */
} StrataBatch;

/*
 * S -= sum_g coef_g T_g T_g' for the batched strata, row by row over the
 * upper triangle: one pass over S for STRATA_BATCH strata, contiguous and
 * vectorisable (a stratum's cells are most of the table here).
 */
static void
batch_flush(SymMat *m, StrataBatch *b)
{
	int			K = m->K,
				k,
				l,
				g;

	for (g = b->n; g < STRATA_BATCH; g++)
		b->coef[g] = 0;
	for (k = 0; k < K; k++)
	{
		double	   *restrict row = m->S + m->base[k];
		const double *restrict t0 = b->T[0],
				   *restrict t1 = b->T[1],
				   *restrict t2 = b->T[2],
				   *restrict t3 = b->T[3],
				   *restrict t4 = b->T[4],
				   *restrict t5 = b->T[5],
				   *restrict t6 = b->T[6],
				   *restrict t7 = b->T[7];
		double		a0 = b->coef[0] * t0[k],
					a1 = b->coef[1] * t1[k],
					a2 = b->coef[2] * t2[k],
					a3 = b->coef[3] * t3[k],
					a4 = b->coef[4] * t4[k],
					a5 = b->coef[5] * t5[k],
					a6 = b->coef[6] * t6[k],
					a7 = b->coef[7] * t7[k];

		core_check_interrupts();
		if (a0 == 0 && a1 == 0 && a2 == 0 && a3 == 0 &&
			a4 == 0 && a5 == 0 && a6 == 0 && a7 == 0)
			continue;
		for (l = k; l < K; l++)
			row[l] -= ((a0 * t0[l] + a1 * t1[l]) + (a2 * t2[l] + a3 * t3[l])) +
				((a4 * t4[l] + a5 * t5[l]) + (a6 * t6[l] + a7 * t7[l]));
	}
	for (g = 0; g < STRATA_BATCH; g++)
		memset(b->T[g], 0, sizeof(double) * K);
	b->n = 0;
}

/*
 * Sigma = sum_h c_h [sum_j t_j t_j' - T_h T_h' / n_h] into m, R onestrat
 * per stratum:
 *   f_h = (N_h - n_h) / N_h (1 without fpc); a stratum with f_h < 1e-7
 *   adds 0; c_h = f_h n_h / (n_h - 1);
 *   n_h = 1 (lonely): "fail" stops, "remove" and "certainty" add 0,
 *   "adjust" adds f_h t_1 t_1' (the PSU's scores, not centred: the scores
 *   of the proportions are centred over the sample already), "average"
 *   drops the stratum and multiplies Sigma by H / (H - H_lonely) (NaN when
 *   every stratum is dropped), H the strata with table rows.
 * Cost: sum_j e_j^2 / 2 + sum_h e_h^2 / 2 (e the cells of a PSU or
 * stratum); strata of more than K / 4 cells K^2 / 2 per STRATA_BATCH of
 * them.
 */
static ChisqStatus
cluster_sigma(const ChisqTable *t, ChisqWork *w, SymMat *m, ChisqResult *res)
{
	int			K = t->r * t->c,
				g;
	double	   *Th = chisq_alloc(w, K, sizeof(double));
	uint32_t   *cells = chisq_alloc(w, K, sizeof(uint32_t));
	StrataBatch batch;
	int			H = 0,
				H_excl = 0;
	uint32_t	h;

	if (!Th || !cells)
		return CHISQ_TOO_BIG;
	batch.n = 0;
	for (g = 0; g < STRATA_BATCH; g++)
		if (!(batch.T[g] = chisq_alloc(w, K, sizeof(double))))
			return CHISQ_TOO_BIG;
	for (h = 0; h < t->nstrata; h++)
	{
		const ChisqStratum *st = &t->strata[h];
		int64_t		n = st->n_psu;
		double		c;
		VarRule		rule;
		uint32_t	j,
					ncells = 0,
					x,
					y;

		core_check_interrupts();
		if (st->psu_end <= st->psu_begin)
			continue;
		H++;
		/* R's onestrat rules (var_core.c): c = f n/(n-1), or f for "adjust" */
		rule = var_rule(n, st->popsize, t->lonely, &c);
		if (rule == VAR_LONELY_FAIL)
		{
			res->lonely_stratum = h;
			return CHISQ_LONELY;
		}
		if (rule == VAR_LONELY_EXCLUDE)
			H_excl++;
		if (rule == VAR_LONELY_ADJUST)
		{
			j = st->psu_begin;
			for (x = t->psu_first[j]; x < t->psu_first[j + 1]; x++)
				for (y = x; y < t->psu_first[j + 1]; y++)
					sym_add(m, t->entry_cell[x], t->entry_cell[y],
							c * t->entry_w[x] * t->entry_w[y]);
		}
		if (rule != VAR_CENTRED)
			continue;
		for (j = st->psu_begin; j < st->psu_end; j++)
		{
			uint64_t	a,
						e,
						end = t->psu_first[j + 1];

			core_poll(&w->tick);
			for (a = t->psu_first[j]; a < end; a++)
			{
				uint32_t	ka = t->entry_cell[a];
				double		va = c * t->entry_w[a];

				if (Th[ka] == 0 && t->entry_w[a] != 0)
					cells[ncells++] = ka;
				Th[ka] += t->entry_w[a];
				for (e = a; e < end; e++)
					sym_add(m, ka, t->entry_cell[e], va * t->entry_w[e]);
			}
		}
		/* - c / n T_h T_h' */
		if ((uint64_t) ncells * 4 >= (uint64_t) K)
		{
			double	   *tmp = batch.T[batch.n];

			batch.T[batch.n] = Th;
			batch.coef[batch.n++] = c / (double) n;
			Th = tmp;
			if (batch.n == STRATA_BATCH)
				batch_flush(m, &batch);
			continue;
		}
		/* a small stratum: along its sorted cells */
		qsort(cells, ncells, sizeof(uint32_t), cmp_u32);
		for (x = 0; x < ncells; x++)
		{
			double	   *row = m->S + m->base[cells[x]];
			double		v = c / (double) n * Th[cells[x]];

			core_check_interrupts();
			for (y = x; y < ncells; y++)
				row[cells[y]] -= v * Th[cells[y]];
		}
		for (x = 0; x < ncells; x++)
			Th[cells[x]] = 0;
	}
	if (batch.n > 0)
		batch_flush(m, &batch);
	if (H_excl > 0)
	{
		double		scale = H_excl == H ? NAN : (double) H / (H - H_excl);
		int			k,
					l;

		for (k = 0; k < K; k++)
			for (l = k; l < K; l++)
				m->S[m->base[k] + l] *= scale;
	}
	chisq_release(w, Th);
	chisq_release(w, cells);
	for (g = 0; g < STRATA_BATCH; g++)
		chisq_release(w, batch.T[g]);
	return CHISQ_OK;
}

/*
 * Vt from Sigma (upper triangle): V = (Sigma - p rho' - rho p' + P p p') /
 * W^2 with rho = Sigma 1 and P = 1' Sigma 1 (the linearization above),
 * Vt_kl = N V_kl / sqrt(p_k p_l) on non-empty cells; one pass over the
 * triangle gives tr(Vt), |Vt|^2 and Vt U: O(K^2), K (K + 1) / 2 doubles.
 */
typedef struct StoredRows
{
	const double *Y;
	int			m;
} StoredRows;

static void
stored_row(const void *state, int k, double *y)
{
	const StoredRows *st = (const StoredRows *) state;

	memcpy(y, st->Y + (size_t) k * st->m, sizeof(double) * st->m);
}

ChisqStatus
chisq_cluster_vt(const ChisqTable *t, const ChisqBasis *b, ChisqWork *w, ChisqVt *out,
		   ChisqResult *res)
{
	int			K = b->K,
				m = b->m,
				k,
				l;
	SymMat		S;
	double	   *rho = chisq_alloc(w, K, sizeof(double));
	double	   *Y = chisq_alloc(w, (uint64_t) K * m + 1, sizeof(double));
	double		W = chisq_sum(t->total, K),
				P = 0,
				g,
				tr = 0,
				fr = 0;
	StoredRows *rows = chisq_alloc(w, 1, sizeof(StoredRows));
	ChisqStatus st;

	if (!rho || !Y || !rows || !sym_alloc(&S, K, true, w))
		return CHISQ_TOO_BIG;
	st = cluster_sigma(t, w, &S, res);
	if (st != CHISQ_OK)
		return st;
	for (k = 0; k < K; k++)
	{
		const double *row = S.S + S.base[k];

		core_check_interrupts();
		rho[k] += row[k];
		for (l = k + 1; l < K; l++)
		{
			rho[k] += row[l];
			rho[l] += row[l];
		}
	}
	for (k = 0; k < K; k++)
		P += rho[k];
	g = t->N / (W * W);
	for (k = 0; k < K; k++)
	{
		const double *row = S.S + S.base[k];
		double		pk = b->p[k],
				   *Yk = Y + (size_t) k * m;

		core_check_interrupts();
		if (!(pk > 0))
			continue;
		for (l = k; l < K; l++)
		{
			double		pl = b->p[l],
						v;

			if (!(pl > 0))
				continue;
			v = g * (row[l] - pk * rho[l] - rho[k] * pl + P * pk * pl) /
				(b->sqp[k] * b->sqp[l]);
			chisq_add_urow(Yk, b, l, v);
			if (l == k)
			{
				tr += v;
				fr += v * v;
			}
			else
			{
				fr += 2 * v * v;
				chisq_add_urow(Y + (size_t) l * m, b, k, v);
			}
		}
	}
	out->trace = tr;
	out->frob2 = fr;
	rows->Y = Y;
	rows->m = m;
	out->row = stored_row;
	out->state = rows;
	chisq_release(w, S.S);
	chisq_release(w, S.base);
	chisq_release(w, rho);
	return CHISQ_OK;
}

/* Sigma (the covariance of the totals) into S, K x K, upper triangle */
ChisqStatus
chisq_cluster_sigma_full(const ChisqTable *t, ChisqWork *w, double *S, ChisqResult *res)
{
	int			K = t->r * t->c,
				k;
	SymMat		m;
	ChisqStatus st;

	m.K = K;
	m.S = S;
	m.base = chisq_alloc(w, K, sizeof(size_t));
	if (!m.base)
		return CHISQ_TOO_BIG;
	for (k = 0; k < K; k++)
		m.base[k] = (size_t) k * K;
	st = cluster_sigma(t, w, &m, res);
	chisq_release(w, m.base);
	return st;
}
