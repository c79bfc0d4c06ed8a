/*
 * var_core.c - the design-variance engine (see var_core.h).
 *
 * References: R survey 4.1.1, svyrecvar, multistage, onestage, onestrat
 * (linearization; the options survey.lonely.psu and
 * survey.adjust.domain.lonely = FALSE), svrVar (replicates); Wolter (2007),
 * Introduction to Variance Estimation, ch. 6.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <string.h>

#include "guard_core.h"
#include "var_core.h"

/*
 * R's onestrat rules, in R's order:
 *   f = (N - n)/N (1 without fpc); all(f < 1e-7): a census, 0;
 *   n = 1, a lonely PSU: fail -> error; remove, certainty -> 0 (the
 *     centred single total); adjust -> f z z' (centred at the grand mean,
 *     which scores already are; no n/(n-1)); average -> left out, V scaled
 *     by H/(H - H_lonely) afterwards;
 *   otherwise f n/(n-1) times the centred crossproduct.
 */
VarRule
var_rule(int64_t n, double N, int lonely, double *scale)
{
	double		f = N > 0 ? (N - (double) n) / N : 1.0;

	*scale = 0.0;
	if (f < 1e-7)
		return VAR_NONE;
	if (n == 1)
	{
		switch (lonely)
		{
			case LONELY_FAIL:
				return VAR_LONELY_FAIL;
			case LONELY_ADJUST:
				*scale = f;
				return VAR_LONELY_ADJUST;
			case LONELY_AVERAGE:
				return VAR_LONELY_EXCLUDE;
			default:
				return VAR_NONE;
		}
	}
	*scale = f * (double) n / (double) (n - 1);
	return VAR_CENTRED;
}

/*
 * sum_j (z_j - zbar)(z_j - zbar)' over all n units, zbar = sum_j z_j / n:
 * the m present units, plus (n - m) zbar zbar' for the absent ones.
 */
VarRule
var_stratum(const double *z, uint32_t m, uint32_t K, int64_t n, double N, int lonely,
			double *V, double *work)
{
	double		scale;
	VarRule		rule = var_rule(n, N, lonely, &scale);
	double	   *mean = work;
	double		pad;
	uint32_t	a,
				b,
				j;

	if (rule == VAR_LONELY_ADJUST)
	{
		if (m > 0)
			for (a = 0; a < K; a++)
				for (b = 0; b < K; b++)
					V[a * K + b] += scale * z[a] * z[b];
		return rule;
	}
	if (rule != VAR_CENTRED)
		return rule;
	for (a = 0; a < K; a++)
	{
		double		s = 0;

		for (j = 0; j < m; j++)
			s += z[(size_t) j * K + a];
		mean[a] = s / (double) n;
	}
	pad = (double) (n - (int64_t) m);
	for (a = 0; a < K; a++)
		for (b = a; b < K; b++)
		{
			double		ss = 0;

			for (j = 0; j < m; j++)
				ss += (z[(size_t) j * K + a] - mean[a]) * (z[(size_t) j * K + b] - mean[b]);
			ss += pad * mean[a] * mean[b];
			V[a * K + b] += scale * ss;
			if (b != a)
				V[b * K + a] += scale * ss;
		}
	return rule;
}

void
var_average(double *V, uint32_t K, int H, int H_excluded)
{
	double		f;
	uint32_t	i;

	if (H_excluded == 0)
		return;
	f = H_excluded == H ? NAN : (double) H / (double) (H - H_excluded);
	for (i = 0; i < K * K; i++)
		V[i] *= f;
}

static void
note_lonely(DesignVariance *out, int stage, uint32_t index)
{
	if (out->nlonely == 0)
		out->stage = stage;
	if (out->stage == stage && out->nlonely < DESIGN_MAX_REPORTED)
		out->lonely[out->nlonely] = index;
	if (out->stage == stage)
		out->nlonely++;
	out->status = DESIGN_LONELY_FAIL;
}

/*
 * Rows of x (count n, width K) grouped by their group g[i] (ngroups): the
 * rows in group order into *rows, the group boundaries into *first
 * (ngroups + 1 entries).
 */
static void
group_rows(const double *x, const uint32_t *g, uint32_t n, uint32_t ngroups, uint32_t K,
		   DesignRealloc fn, void *ctx, double **rows, uint32_t **first)
{
	uint32_t   *f = fn(ctx, NULL, ((size_t) ngroups + 1) * sizeof(uint32_t));
	uint32_t   *fill = fn(ctx, NULL, ((size_t) ngroups + 1) * sizeof(uint32_t));
	double	   *r = fn(ctx, NULL, ((size_t) n * K + 1) * sizeof(double));
	uint32_t	i,
				tick = 0;

	memset(fill, 0, ((size_t) ngroups + 1) * sizeof(uint32_t));
	for (i = 0; i < n; i++)
		fill[g[i]]++;
	f[0] = 0;
	for (i = 0; i < ngroups; i++)
		f[i + 1] = f[i] + fill[i];
	memset(fill, 0, ((size_t) ngroups + 1) * sizeof(uint32_t));
	for (i = 0; i < n; i++)
	{
		uint32_t	at = f[g[i]] + fill[g[i]]++;

		memcpy(r + (size_t) at * K, x + (size_t) i * K, K * sizeof(double));
		core_poll(&tick);
	}
	fn(ctx, fill, 0);
	*rows = r;
	*first = f;
}

void
var_linearized(const VarUnits *u, double *V, DesignVariance *out, DesignRealloc fn, void *ctx)
{
	uint32_t	K = u->K,
				h,
				i;
	double	   *rows,
			   *work = fn(ctx, NULL, ((size_t) K * K + K + 1) * sizeof(double));
	double	   *W2 = work + K;
	uint32_t   *first;
	int			H = 0,
				H_excl = 0;

	memset(V, 0, (size_t) K * K * sizeof(double));
	out->status = DESIGN_OK;
	out->nlonely = 0;
	out->stage = 0;

	/* stage 1: the units of each stratum */
	group_rows(u->z, u->stratum_of, u->nunits, u->nstrata, K, fn, ctx, &rows, &first);
	for (h = 0; h < u->nstrata; h++)
	{
		uint32_t	m = first[h + 1] - first[h];
		VarRule		rule;

		if (m == 0)
			continue;
		core_check_interrupts();
		H++;
		rule = var_stratum(rows + (size_t) first[h] * K, m, K, u->strata[h].n_psu,
						   u->strata[h].popsize, u->lonely, V, work);
		if (rule == VAR_LONELY_FAIL)
			note_lonely(out, 1, h);
		else if (rule == VAR_LONELY_EXCLUDE)
			H_excl++;
	}
	var_average(V, K, H, H_excl);
	if (H_excl > 0 && H_excl == H && out->status == DESIGN_OK)
		out->status = DESIGN_UNDEFINED;
	fn(ctx, rows, 0);
	fn(ctx, first, 0);

	/* stage 2: the SSUs of each unit, weighted by n_h / N_h */
	if (u->n_sub != NULL)
	{
		group_rows(u->zs, u->unit_of, u->nsub, u->nunits, K, fn, ctx, &rows, &first);
		for (i = 0; i < u->nunits; i++)
		{
			const StratumRec *s = &u->strata[u->stratum_of[i]];
			double		factor = (double) s->n_psu / s->popsize;
			VarRule		rule;
			uint32_t	a;

			if ((i & 1023) == 0)
				core_check_interrupts();
			memset(W2, 0, (size_t) K * K * sizeof(double));
			rule = var_stratum(rows + (size_t) first[i] * K, first[i + 1] - first[i], K,
							   u->n_sub[i], u->N_sub[i], u->lonely, W2, work);
			if (rule == VAR_LONELY_FAIL)
				note_lonely(out, 2, i);
			else if (rule == VAR_LONELY_EXCLUDE)
			{
				/* R: onestage's only stratum is NA, 0 * 1/0 = NaN */
				for (a = 0; a < K * K; a++)
					W2[a] = NAN;
				if (out->status == DESIGN_OK)
					out->status = DESIGN_UNDEFINED;
			}
			for (a = 0; a < K * K; a++)
				V[a] += factor * W2[a];
		}
		fn(ctx, rows, 0);
		fn(ctx, first, 0);
	}
	fn(ctx, work, 0);
}

uint32_t
var_replicate(VarTheta theta, const void *arg, uint32_t R, uint32_t K, double scale,
			  const double *rscales, const double *centre, double *V, double *work)
{
	double	   *c = work;
	uint32_t	r,
				a,
				b,
				kept = 0,
				tick = 0;

	memset(V, 0, (size_t) K * K * sizeof(double));
	memset(c, 0, K * sizeof(double));
	for (r = 0; r < R; r++)
	{
		bool		ok = true;

		for (a = 0; a < K && ok; a++)
			ok = !isnan(theta(arg, r, a));
		if (!ok)
			continue;
		for (a = 0; a < K; a++)
			c[a] += theta(arg, r, a);
		kept++;
		core_poll(&tick);
	}
	if (kept == 0)
	{
		for (a = 0; a < K * K; a++)
			V[a] = NAN;
		return 0;
	}
	for (a = 0; a < K; a++)
		c[a] = centre ? centre[a] : c[a] / (double) kept;
	for (r = 0; r < R; r++)
	{
		bool		ok = true;

		for (a = 0; a < K && ok; a++)
			ok = !isnan(theta(arg, r, a));
		if (!ok)
			continue;
		for (a = 0; a < K; a++)
			for (b = a; b < K; b++)
				V[a * K + b] += rscales[r] * (theta(arg, r, a) - c[a]) * (theta(arg, r, b) - c[b]);
		core_poll(&tick);
	}
	for (a = 0; a < K; a++)
		for (b = a; b < K; b++)
		{
			V[a * K + b] *= scale;
			V[b * K + a] = V[a * K + b];
		}
	return kept;
}
