/*
 * total_core.c - the total of a tally's domain and its design variance
 * (total_core.h).  The variance algebra is the engine's (design_core.c,
 * stratified_core.c, var_core.c); this file only chooses the scores.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 *
 * References: R survey 4.1.1 svytotal.survey.design2 (scores x / prob,
 * svyrecvar), svytotal.svyrep.design (svrVar of the replicate totals),
 * svyvar (s^2 of the design effect).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "stratified_core.h"
#include "total_core.h"
#include "var_core.h"

/*
 * Weights only: N one-row PSUs in one stratum, R's onestrat with z_i = w_i
 * y_i on the domain's rows and 0 on the other N - n rows of the sample:
 *   V = N/(N-1) sum (z_i - zbar)^2 = N/(N-1) (sum z^2 - (sum z)^2 / N).
 * N < 2: undefined (one PSU: R's lonely-PSU case; the mean's variance is
 * NULL there too).
 */
double
total_weights_variance(const TallyCore *t, double N)
{
	dd_t		sz = t->s[S_WY];
	dd_t		dev;

	if (!(N >= 2))
		return NAN;
	dev = dd_sub(tally_sum(t, S_WWYY), dd_div(dd_mul(sz, sz), dd_from_double(N)));
	if (dev.hi < 0)
		dev = dd_from_double(0.0);
	return N / (N - 1) * dd_to_double(dev);
}

void
total_design_variance(const Design *d, const TallyCore *core, DesignVariance *out)
{
	dd_t		zero = dd_from_double(0.0);
	dd_t		one = dd_from_double(1.0);

	if (d->kind == DESIGN_WEIGHTS_DOMAIN)
	{
		memset(out, 0, sizeof(*out));
		out->df = core->n_pos > 1 ? (double) (core->n_pos - 1) : 0.0;
		out->variance = total_weights_variance(core, (double) d->n_sample);
		if (isnan(out->variance))
			out->status = DESIGN_UNDEFINED;
		return;
	}
	if (design_has_sums(d->kind))
		stratified_variance_scores(d, zero, one, out);
	else
		design_variance_scores(d, zero, one, out);
}

/* replicate r's total */
static double
total_theta(const void *arg, uint32_t i, uint32_t k)
{
	const RepAcc *r = arg;

	(void) k;
	return dd_to_double(r->a[i]);
}

double
total_rep_variance(const RepAcc *r, double total)
{
	double		v,
				work;

	var_replicate(total_theta, r, r->spec.nrep, 1, r->spec.scale, r->rscales,
				  r->spec.mse ? &total : NULL, &v, &work);
	return isfinite(v) ? v : NAN;
}

double
total_deff(const TotalSummary *s, bool replace)
{
	double		vsrs;

	if (isnan(s->variance) || isnan(s->s2) || s->n_pos < 2 || !(s->weighted_n > 0))
		return NAN;
	if (replace)
		vsrs = s->s2 / s->n_pos;
	else
	{
		if (!(s->weighted_n > s->n_pos))
			return NAN;
		vsrs = s->s2 * (s->weighted_n - s->n_pos) / (s->weighted_n * s->n_pos);
	}
	vsrs *= s->weighted_n * s->weighted_n;
	if (!(vsrs > 0) || !isfinite(vsrs))
		return NAN;
	return s->variance / vsrs;
}

void
total_variance_floor(TotalSummary *s)
{
	double		scale,
				floor;

	if (!(s->variance > 0))
		return;
	scale = s->total * s->total +
		(isnan(s->s2) ? 0.0 : s->s2 * s->weighted_n * s->weighted_n);
	floor = (64 * DBL_EPSILON) * (64 * DBL_EPSILON) * scale;
	if (s->variance <= floor)
		s->variance = 0.0;
}
