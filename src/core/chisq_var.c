/*
 * chisq_var.c - the covariance of a two-way table's cell proportions
 * (for the Rao-Scott tests) and of its cell totals (for the Wald tests)
 * under a weights-only and a replicate design, R survey 4.1.1 svymean /
 * svytotal of the cell indicators (svyrecvar; svrVar), in low-rank forms;
 * strata and PSUs in chisq_cluster.c.
 *
 * Notation: K = r c cells, T_k the cell totals, W = sum T_k, p_k = T_k / W,
 * N the rows of the design.  The Rao-Scott traces need Vt = N Wp^1/2 V
 * Wp^1/2 (V the covariance of p, Wp = diag(1/p) with 0 for p_k = 0) only
 * through tr(Vt), the sum of its squared entries and Vt U for the small
 * basis U of chisq_proj.c (K x m, two non-zeros a row).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 *
 * References: R survey 4.1.1, svychisq.survey.design, svyrecvar, svrVar.
 */
#include <math.h>
#include <string.h>

#include "chisq_var.h"
#include "guard_core.h"

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
	chisq_add_urow(y, b, k, st->gs * st->sumsq[k] / p);
}

static ChisqStatus
weights_vt(const ChisqTable *t, const ChisqBasis *b, ChisqWork *w, ChisqVt *out)
{
	int			K = b->K,
				m = b->m,
				k;
	double		W = chisq_sum(t->total, K),
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
	double		W = chisq_sum(t->total, K),
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

		core_check_interrupts();
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
			chisq_add_urow(XU + (size_t) r * m, b, k, xr[k]);
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
			return chisq_cluster_vt(t, b, w, out, res);
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
		st = chisq_cluster_sigma_full(t, w, S, res);
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
