/*
 * chisq_var.c - the covariance of a two-way table's cell proportions
 * (for the Rao-Scott tests) and of its cell totals (for the Wald tests)
 * under a weights-only, a stratified cluster and a replicate design, R
 * survey 4.1.1 svymean / svytotal of the cell indicators (svyrecvar,
 * onestrat; svrVar), without dense per-PSU outer products.
 *
 * Notation: K = r c cells, T_k the cell totals, W = sum T_k, p_k = T_k / W,
 * N the rows of the design.  The Rao-Scott traces need Vt = N Wp^1/2 V
 * Wp^1/2 (V the covariance of p, Wp = diag(1/p) with 0 for p_k = 0) only
 * through tr(Vt), the sum of its squared entries and Vt U for the small
 * basis U of chisq_core.c (K x m, two non-zeros a row).
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
 * non-zero cells of a PSU or stratum) instead of K^2 per PSU.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 *
 * References: R survey 4.1.1, svychisq.survey.design, svyrecvar, onestrat,
 * svrVar; Rao, J.N.K. and Scott, A.J. (1984), On chi-squared tests for
 * multiway contingency tables with cell proportions estimated from survey
 * data, Annals of Statistics 12, 46-60.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chisq_var.h"
#include "guard_core.h"

/* ---- working memory ---------------------------------------------------- */

struct ChisqBlock
{
	ChisqBlock *prev;
	ChisqBlock *next;
};

/* the header keeps the payload aligned for doubles */
#define BLOCK_HEADER 16

void
chisq_work_init(ChisqWork *w, DesignRealloc fn, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->fn = fn;
	w->ctx = ctx;
}

void *
chisq_alloc(ChisqWork *w, uint64_t count, size_t elem)
{
	size_t		bytes = core_array_bytes(count, elem);
	ChisqBlock *b;

	if (bytes > SIZE_MAX - BLOCK_HEADER || !core_within_limit(bytes + BLOCK_HEADER))
	{
		w->need = bytes > SIZE_MAX - BLOCK_HEADER ? SIZE_MAX : bytes + BLOCK_HEADER;
		return NULL;
	}
	b = w->fn(w->ctx, NULL, bytes + BLOCK_HEADER);
	memset(b, 0, bytes + BLOCK_HEADER);
	b->next = w->blocks;
	if (w->blocks)
		w->blocks->prev = b;
	w->blocks = b;
	return (char *) b + BLOCK_HEADER;
}

void
chisq_release(ChisqWork *w, void *p)
{
	ChisqBlock *b;

	if (p == NULL)
		return;
	b = (ChisqBlock *) ((char *) p - BLOCK_HEADER);
	if (b->prev)
		b->prev->next = b->next;
	else
		w->blocks = b->next;
	if (b->next)
		b->next->prev = b->prev;
	w->fn(w->ctx, b, 0);
}

void
chisq_release_all(ChisqWork *w)
{
	while (w->blocks)
	{
		ChisqBlock *next = w->blocks->next;

		w->fn(w->ctx, w->blocks, 0);
		w->blocks = next;
	}
}

/* ---- helpers ----------------------------------------------------------- */

static double
sum_of(const double *x, int n)
{
	double		s = 0;
	int			i;

	for (i = 0; i < n; i++)
		s += x[i];
	return s;
}

/* Y[k, .] += v * (row l of U) */
static inline void
add_urow(double *Yk, const ChisqBasis *b, int l, double v)
{
	if (b->ua[l] >= 0)
		Yk[b->ua[l]] += v * b->sqp[l];
	if (b->ub[l] >= 0)
		Yk[b->ub[l]] -= v * b->sqp[l];
}

/* ---- weights only ------------------------------------------------------ */

/*
 * Every row is a PSU of one stratum (R svydesign(ids = ~1, weights = ~w)):
 * with s_k the sum of w^2 over the rows of cell k, S = sum s_k and f =
 * N / (N - 1) (N the rows, including those with a missing category),
 *   V = f / W^2 [diag(s) - s p' - p s' + S p p']
 * (the centred scores w_i (I_ik - p_k) / W; rows outside the table add
 * nothing).  Hence, sh_k = s_k / sqrt(p_k), ph_k = sqrt(p_k), d_k = s_k /
 * p_k (all 0 on empty cells, whose s_k is 0 since weights are >= 0),
 *   Vt = g [diag(d) + X M X'],  g = N f / W^2,  X = [sh ph],
 *   M = [0 -1; -1 S],
 *   tr(Vt) = g [sum d - 2 sum s + S sum p],
 *   |Vt|^2 = g^2 [sum d^2 + 2 tr(M X' diag(d) X) + tr((M X'X)^2)],
 *   Vt U = g [diag(d) U + ph (S pi - sigma)' - sh pi'],
 * pi = U' ph, sigma = U' sh: O(K) for the sums, O(m) a row of Vt U.
 * N = 1 gives f = Inf, as R's n/(n-1).
 */
typedef struct WeightsRows
{
	const ChisqBasis *b;
	const double *sumsq;
	const double *pi;
	const double *sigma;
	double		gs;
	double		S;
} WeightsRows;

static void
weights_row(const void *state, int k, double *y)
{
	const WeightsRows *st = (const WeightsRows *) state;
	const ChisqBasis *b = st->b;
	double		p = b->p[k],
				ph,
				sh;
	int			g;

	if (!(p > 0))
	{
		memset(y, 0, sizeof(double) * b->m);
		return;
	}
	ph = b->sqp[k];
	sh = st->sumsq[k] / ph;
	for (g = 0; g < b->m; g++)
		y[g] = st->gs * (ph * (st->S * st->pi[g] - st->sigma[g]) - sh * st->pi[g]);
	add_urow(y, b, k, st->gs * st->sumsq[k] / p);
}

static ChisqStatus
weights_vt(const ChisqTable *t, const ChisqBasis *b, ChisqWork *w, ChisqVt *out)
{
	int			K = b->K,
				m = b->m,
				k;
	double		W = sum_of(t->total, K),
				S = 0,
				f = t->N / (t->N - 1),
				gs,
				sd = 0,
				sd2 = 0,
				ss = 0,
				sp = 0,
				a12 = 0,
				a22 = 0,
				G11 = 0,
				M11,
				M12,
				M21,
				M22;
	double	   *pi,
			   *sigma;
	WeightsRows *st;

	pi = chisq_alloc(w, m + 1, sizeof(double));
	sigma = chisq_alloc(w, m + 1, sizeof(double));
	st = chisq_alloc(w, 1, sizeof(WeightsRows));
	if (!pi || !sigma || !st)
		return CHISQ_TOO_BIG;
	for (k = 0; k < K; k++)
		S += t->sumsq[k];
	gs = t->N * f / (W * W);
	for (k = 0; k < K; k++)
	{
		double		p = b->p[k],
					s = t->sumsq[k],
					d;

		if (!(p > 0))
			continue;
		d = s / p;
		sd += d;
		sd2 += d * d;
		ss += s;
		sp += p;
		a12 += d * s;			/* d sh ph */
		a22 += s;				/* d ph^2 */
		G11 += s * s / p;		/* sh^2 */
		if (b->ua[k] >= 0)
		{
			pi[b->ua[k]] += p;
			sigma[b->ua[k]] += s;
		}
		if (b->ub[k] >= 0)
		{
			pi[b->ub[k]] -= p;
			sigma[b->ub[k]] -= s;
		}
	}
	out->trace = gs * (sd - 2 * ss + S * sp);

	/* M X'X with X'X = [G11 ss; ss sp] */
	M11 = -ss;
	M12 = -sp;
	M21 = -G11 + S * ss;
	M22 = -ss + S * sp;
	out->frob2 = gs * gs * (sd2 + 2 * (-2 * a12 + S * a22) +
							M11 * M11 + 2 * M12 * M21 + M22 * M22);
	st->b = b;
	st->sumsq = t->sumsq;
	st->pi = pi;
	st->sigma = sigma;
	st->gs = gs;
	st->S = S;
	out->row = weights_row;
	out->state = st;
	return CHISQ_OK;
}

/* ---- strata and PSUs --------------------------------------------------- */

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
		double		f = st->popsize > 0 ? (st->popsize - (double) n) / st->popsize : 1.0,
					c;
		uint32_t	j,
					ncells = 0,
					x,
					y;

		core_check_interrupts();
		if (st->psu_end <= st->psu_begin)
			continue;
		H++;
		if (f < 1e-7)
			continue;
		if (n == 1)
		{
			if (t->lonely == LONELY_FAIL)
			{
				res->lonely_stratum = h;
				return CHISQ_LONELY;
			}
			if (t->lonely == LONELY_AVERAGE)
				H_excl++;
			else if (t->lonely == LONELY_ADJUST)
			{
				j = st->psu_begin;
				for (x = t->psu_first[j]; x < t->psu_first[j + 1]; x++)
					for (y = x; y < t->psu_first[j + 1]; y++)
						sym_add(m, t->entry_cell[x], t->entry_cell[y],
								f * t->entry_w[x] * t->entry_w[y]);
			}
			continue;
		}
		c = f * (double) n / (double) (n - 1);
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

static ChisqStatus
cluster_vt(const ChisqTable *t, const ChisqBasis *b, ChisqWork *w, ChisqVt *out,
		   ChisqResult *res)
{
	int			K = b->K,
				m = b->m,
				k,
				l;
	SymMat		S;
	double	   *rho = chisq_alloc(w, K, sizeof(double));
	double	   *Y = chisq_alloc(w, (uint64_t) K * m + 1, sizeof(double));
	double		W = sum_of(t->total, K),
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
			add_urow(Yk, b, l, v);
			if (l == k)
			{
				tr += v;
				fr += v * v;
			}
			else
			{
				fr += 2 * v * v;
				add_urow(Y + (size_t) l * m, b, k, v);
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

/* ---- replicate weights ------------------------------------------------- */

/*
 * R svrVar on the replicate cell proportions: theta_r = t_r / W_r for the
 * replicates with W_r = 1' t_r > 0 (R drops the others: NaN estimates),
 * centre the mean of those (or p with mse), V = scale sum_r rscale_r
 * (theta_r - centre)(theta_r - centre)' = X' diag(sigma) X, rank <= R.
 * With Xh = X Wp^1/2 (R x K) and G = Xh Xh':
 *   tr(Vt) = N sum_r sigma_r G_rr,
 *   |Vt|^2 = N^2 sum_rs sigma_r sigma_s G_rs^2,
 *   Vt U = N Xh' diag(sigma) (Xh U):  O(R^2 K + R K), O(R m) a row.
 */
typedef struct ReplicateRows
{
	const ChisqBasis *b;
	const double *Xh;
	const double *XU;
	const double *sig;
	int			kept;
	double		N;
} ReplicateRows;

static void
replicate_row(const void *state, int k, double *y)
{
	const ReplicateRows *st = (const ReplicateRows *) state;
	int			K = st->b->K,
				m = st->b->m,
				r,
				g;

	memset(y, 0, sizeof(double) * m);
	for (r = 0; r < st->kept; r++)
	{
		double		v = st->N * st->Xh[(size_t) r * K + k] * st->sig[r];
		const double *xu = st->XU + (size_t) r * m;

		if (v == 0)
			continue;
		for (g = 0; g < m; g++)
			y[g] += v * xu[g];
	}
}

static ChisqStatus
replicate_vt(const ChisqTable *t, const ChisqBasis *b, ChisqWork *w, ChisqVt *out)
{
	int			K = b->K,
				m = b->m,
				R = (int) t->nrep,
				k,
				r,
				s,
				kept = 0;
	double	   *wr = chisq_alloc(w, R + 1, sizeof(double));
	double	   *centre = chisq_alloc(w, K, sizeof(double));
	int		   *use = chisq_alloc(w, R + 1, sizeof(int));
	double	   *Xh,
			   *G,
			   *XU,
			   *sig;
	ReplicateRows *rows;
	double		W = sum_of(t->total, K),
				tr = 0,
				fr = 0;

	if (!wr || !centre || !use)
		return CHISQ_TOO_BIG;
	for (k = 0; k < K; k++)
	{
		core_poll(&w->tick);
		for (r = 0; r < R; r++)
			wr[r] += t->rep_total[(size_t) k * R + r];
	}
	for (r = 0; r < R; r++)
		if (wr[r] > 0)
			use[kept++] = r;
	Xh = chisq_alloc(w, (uint64_t) kept * K + 1, sizeof(double));
	G = chisq_alloc(w, (uint64_t) kept * kept + 1, sizeof(double));
	XU = chisq_alloc(w, (uint64_t) kept * m + 1, sizeof(double));
	sig = chisq_alloc(w, kept + 1, sizeof(double));
	rows = chisq_alloc(w, 1, sizeof(ReplicateRows));
	if (!Xh || !G || !XU || !sig || !rows)
		return CHISQ_TOO_BIG;
	for (k = 0; k < K; k++)
	{
		const double *tk = t->rep_total + (size_t) k * R;

		if (t->mse)
			centre[k] = t->total[k] / W;
		else
			for (r = 0; r < kept; r++)
				centre[k] += tk[use[r]] / wr[use[r]] / kept;
		if (!(b->p[k] > 0))
			continue;
		for (r = 0; r < kept; r++)
			Xh[(size_t) r * K + k] = (tk[use[r]] / wr[use[r]] - centre[k]) / b->sqp[k];
	}
	for (r = 0; r < kept; r++)
		sig[r] = t->scale * t->rscales[use[r]];
	for (r = 0; r < kept; r++)
	{
		const double *xr = Xh + (size_t) r * K;

		core_check_interrupts();
		for (s = r; s < kept; s++)
		{
			const double *xs = Xh + (size_t) s * K;
			double		d = 0;

			for (k = 0; k < K; k++)
				d += xr[k] * xs[k];
			G[(size_t) r * kept + s] = G[(size_t) s * kept + r] = d;
		}
		for (k = 0; k < K; k++)
			add_urow(XU + (size_t) r * m, b, k, xr[k]);
	}
	for (r = 0; r < kept; r++)
	{
		tr += sig[r] * G[(size_t) r * kept + r];
		for (s = 0; s < kept; s++)
			fr += sig[r] * sig[s] * G[(size_t) r * kept + s] * G[(size_t) r * kept + s];
	}
	out->trace = t->N * tr;
	out->frob2 = t->N * t->N * fr;
	rows->b = b;
	rows->Xh = Xh;
	rows->XU = XU;
	rows->sig = sig;
	rows->kept = kept;
	rows->N = t->N;
	out->row = replicate_row;
	out->state = rows;
	chisq_release(w, wr);
	chisq_release(w, centre);
	chisq_release(w, use);
	chisq_release(w, G);
	return CHISQ_OK;
}

ChisqStatus
chisq_vt(const ChisqTable *t, const ChisqBasis *b, ChisqWork *w, ChisqVt *out,
		 ChisqResult *res)
{
	switch (t->design)
	{
		case CHISQ_DESIGN_WEIGHTS:
			return weights_vt(t, b, w, out);
		case CHISQ_DESIGN_CLUSTER:
			return cluster_vt(t, b, w, out, res);
		default:
			return replicate_vt(t, b, w, out);
	}
}

/* ---- the covariance of the totals (Wald) ------------------------------- */

/*
 * svytotal's covariance of the cell totals:
 *   weights only  f [diag(s) - T T' / N]   (scores w_i I_ik - T_k / N)
 *   strata, PSUs  Sigma of cluster_sigma
 *   replicates    scale sum_r rscale_r (t_r - tbar)(t_r - tbar)' over every
 *                 replicate, tbar their mean (or T with mse)
 * Full K x K, both triangles: O(K^2), O(sum e^2), O(R K^2).
 */
ChisqStatus
chisq_sigma_total(const ChisqTable *t, ChisqWork *w, double **sigma, ChisqResult *res)
{
	int			K = t->r * t->c,
				R = (int) t->nrep,
				k,
				l,
				r;
	double	   *S = chisq_alloc(w, (uint64_t) K * K, sizeof(double));
	ChisqStatus st = CHISQ_OK;

	if (!S)
		return CHISQ_TOO_BIG;
	if (t->design == CHISQ_DESIGN_WEIGHTS)
	{
		double		f = t->N / (t->N - 1);

		for (k = 0; k < K; k++)
		{
			core_check_interrupts();
			for (l = k; l < K; l++)
				S[(size_t) k * K + l] = f * ((k == l ? t->sumsq[k] : 0) -
											 t->total[k] * t->total[l] / t->N);
		}
	}
	else if (t->design == CHISQ_DESIGN_CLUSTER)
	{
		SymMat		m;

		m.K = K;
		m.S = S;
		m.base = chisq_alloc(w, K, sizeof(size_t));
		if (!m.base)
			return CHISQ_TOO_BIG;
		for (k = 0; k < K; k++)
			m.base[k] = (size_t) k * K;
		st = cluster_sigma(t, w, &m, res);
		chisq_release(w, m.base);
	}
	else
	{
		double	   *x = chisq_alloc(w, (uint64_t) K * R + 1, sizeof(double));
		double	   *sig = chisq_alloc(w, R + 1, sizeof(double));

		if (!x || !sig)
			return CHISQ_TOO_BIG;
		for (r = 0; r < R; r++)
			sig[r] = t->scale * t->rscales[r];
		for (k = 0; k < K; k++)
		{
			const double *tk = t->rep_total + (size_t) k * R;
			double		centre = 0;

			if (t->mse)
				centre = t->total[k];
			else
				for (r = 0; r < R; r++)
					centre += tk[r] / R;
			for (r = 0; r < R; r++)
				x[(size_t) k * R + r] = tk[r] - centre;
		}
		for (k = 0; k < K; k++)
		{
			const double *xk = x + (size_t) k * R;

			core_check_interrupts();
			for (l = k; l < K; l++)
			{
				const double *xl = x + (size_t) l * R;
				double		d = 0;

				for (r = 0; r < R; r++)
					d += sig[r] * xk[r] * xl[r];
				S[(size_t) k * K + l] = d;
			}
		}
		chisq_release(w, x);
		chisq_release(w, sig);
	}
	if (st != CHISQ_OK)
		return st;
	for (k = 0; k < K; k++)
	{
		core_check_interrupts();
		for (l = k + 1; l < K; l++)
			S[(size_t) l * K + k] = S[(size_t) k * K + l];
	}
	*sigma = S;
	return CHISQ_OK;
}
