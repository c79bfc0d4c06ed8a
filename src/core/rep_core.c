/*
 * rep_core.c - replicate-weight variance, R survey 4.1.1 svrepdesign and
 * svrVar conventions.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <string.h>

#include "rep_core.h"
#include "var_core.h"

static const char *const rep_names[] = {
	NULL, "jk1", "jkn", "brr", "fay", "bootstrap", "sdr", "other"
};

int
rep_method_parse(const char *name)
{
	int			i;

	for (i = 1; i <= REP_OTHER; i++)
		if (strcmp(name, rep_names[i]) == 0)
			return i;
	return -1;
}

const char *
rep_method_name(int method)
{
	return method >= 1 && method <= REP_OTHER ? rep_names[method] : NULL;
}

/*
 * Default scales, as R's svrepdesign() sets them for supplied replicate
 * weights (R replicates):
 *   jk1: (R-1)/R;  jkn: 1, with per-replicate rscales required
 *   ((n_h-1)/n_h for the stratum of each replicate);  brr: 1/R;
 *   fay: 1/(R (1-rho)^2);  bootstrap: 1/(R-1);  sdr: 4/R;
 *   other: scale required.
 * A scale given by the user overrides the default (except for fay, whose
 * scale follows from rho).
 */
const char *
rep_spec_complete(RepSpec *s, const double *rscales)
{
	double		R = (double) s->nrep;
	uint32_t	i;

	if (rep_method_name(s->method) == NULL)
		return "The replication method is not known.";
	if (s->nrep < 2)
		return "At least two replicates are needed.";
	if (s->has_rscales)
		for (i = 0; i < s->nrep; i++)
			if (!isfinite(rscales[i]) || rscales[i] < 0)
				return "Replicate scales must be finite and not negative.";
	if (s->method == REP_FAY)
	{
		if (!(s->rho >= 0 && s->rho < 1))
			return "Fay's method needs rho in [0, 1).";
	}
	else if (s->rho != 0)
		return "rho applies to Fay's method only.";
	if (s->method == REP_JKN && !s->has_rscales)
		return "The jkn method needs rscales, one scale per replicate ((n_h - 1)/n_h).";
	if (!isnan(s->scale))
	{
		if (!(s->scale > 0) || !isfinite(s->scale))
			return "The scale must be positive and finite.";
	}
	else
	{
		switch (s->method)
		{
			case REP_JK1:
				s->scale = (R - 1) / R;
				break;
			case REP_JKN:
				s->scale = 1.0;
				break;
			case REP_BRR:
				s->scale = 1.0 / R;
				break;
			case REP_FAY:
				s->scale = 1.0 / (R * (1 - s->rho) * (1 - s->rho));
				break;
			case REP_BOOTSTRAP:
				s->scale = 1.0 / (R - 1);
				break;
			case REP_SDR:
				s->scale = 4.0 / R;
				break;
			default:
				return "The other method needs a scale.";
		}
	}
	if (!isnan(s->df) && !(s->df > 0 && isfinite(s->df)))
		return "The degrees of freedom must be positive and finite.";
	return NULL;
}

void
rep_add(RepAcc *r, double y, const double *repw)
{
	uint32_t	i;
	uint32_t	n = r->spec.nrep;

	if (y == 0.0)
	{
		for (i = 0; i < n; i++)
			dd_acc(&r->b[i], repw[i]);
		return;
	}
	for (i = 0; i < n; i++)
	{
		dd_acc_dd(&r->a[i], dd_two_prod(repw[i], y));
		dd_acc(&r->b[i], repw[i]);
	}
}

void
rep_add_f4(RepAcc *r, double y, const float *repw)
{
	uint32_t	i;
	uint32_t	n = r->spec.nrep;

	for (i = 0; i < n; i++)
	{
		double		w = (double) repw[i];

		if (y != 0.0)
			dd_acc_dd(&r->a[i], dd_two_prod(w, y));
		dd_acc(&r->b[i], w);
	}
}

void
rep_merge(RepAcc *into, const RepAcc *from)
{
	uint32_t	i;

	for (i = 0; i < into->spec.nrep; i++)
	{
		into->a[i] = dd_add(into->a[i], from->a[i]);
		into->b[i] = dd_add(into->b[i], from->b[i]);
	}
}

bool
rep_spec_equal(const RepSpec *a, const double *ra, const RepSpec *b, const double *rb)
{
	uint32_t	i;

	if (a->method != b->method || a->nrep != b->nrep || a->mse != b->mse ||
		a->has_rscales != b->has_rscales || a->scale != b->scale ||
		a->rho != b->rho || !((isnan(a->df) && isnan(b->df)) || a->df == b->df))
		return false;
	for (i = 0; i < a->nrep; i++)
		if (ra[i] != rb[i])
			return false;
	return true;
}

const char *
rep_check(const RepAcc *r, const TallyCore *core)
{
	RepSpec		s = r->spec;
	uint32_t	i;
	const char *problem;

	if (s.nrep == 0)
		return "A replicate design has no replicates.";
	if ((s.mse != 0 && s.mse != 1) || (s.has_rscales != 0 && s.has_rscales != 1))
		return "The mse and rscales flags must be 0 or 1.";
	/* a stored scale is always the completed one: never NaN ("default") */
	if (!(s.scale > 0) || !isfinite(s.scale))
		return "The scale must be positive and finite.";
	problem = rep_spec_complete(&s, r->rscales);
	if (problem)
		return problem;
	if (rep_range_check(r) != NULL)
		return rep_range_check(r);
	for (i = 0; i < s.nrep; i++)
	{
		if (!s.has_rscales && r->rscales[i] != 1.0)
			return "Replicate scales are set without rscales.";
		if (r->a[i].hi + r->a[i].lo != r->a[i].hi || r->b[i].hi + r->b[i].lo != r->b[i].hi ||
			r->b[i].hi < 0)
			return "A replicate's sums are malformed.";
		/* with an absolute slack for subnormal replicate weights */
		if (core->kind == TALLY_PROPORTION &&
			(r->a[i].hi < 0 ||
			 r->a[i].hi > r->b[i].hi * (1 + 1e-12) + 4.0 * 0x1p-1074 * ((double) core->n + 1.0)))
			return "A replicate's weighted count of TRUE lies outside [0, its sum of weights].";
	}
	return NULL;
}

/* every replicate sum is finite */
const char *
rep_range_check(const RepAcc *r)
{
	uint32_t	i;

	for (i = 0; i < r->spec.nrep; i++)
		if (!isfinite(r->a[i].hi) || !isfinite(r->a[i].lo) ||
			!isfinite(r->b[i].hi) || !isfinite(r->b[i].lo))
			return "Every replicate sum must be finite.";
	return NULL;
}

/* replicate i's estimate a_i / b_i (on the logit scale), NaN without weight */
typedef struct ThetaArg
{
	const RepAcc *r;
	bool		logit;
} ThetaArg;

static double
rep_theta(const void *arg, uint32_t i, uint32_t k)
{
	const ThetaArg *t = arg;
	double		theta;

	(void) k;
	if (t->r->b[i].hi == 0)
		return NAN;
	theta = dd_to_double(dd_div(t->r->a[i], t->r->b[i]));
	return t->logit ? log(theta / (1 - theta)) : theta;
}

/* svrVar of the replicate estimates (var_core.c), mse around centre */
static double
rep_spread(const RepAcc *r, double centre, bool logit)
{
	ThetaArg	arg = {r, logit};
	double		v,
				work;

	var_replicate(rep_theta, &arg, r->spec.nrep, 1, r->spec.scale, r->rscales,
				  r->spec.mse ? &centre : NULL, &v, &work);
	return isfinite(v) ? v : NAN;
}

double
rep_variance(const RepAcc *r, double estimate)
{
	return rep_spread(r, estimate, false);
}

double
rep_variance_logit(const RepAcc *r, double estimate)
{
	if (!(estimate > 0 && estimate < 1))
		return NAN;
	return rep_spread(r, log(estimate / (1 - estimate)), true);
}

/*
 * The df: the spec's when given; else R's degf, the rank of the domain's
 * replicate weights minus 1 (0 for a rank of 0 or 1: no t-based interval),
 * when tracked (rep_rank_core.c); else R - 1.
 */
double
rep_df(const RepAcc *r)
{
	if (!isnan(r->spec.df))
		return r->spec.df;
	if (r->rank_state == REP_RANK_KNOWN)
		return r->rank > 1 ? (double) r->rank - 1 : 0.0;
	return (double) r->spec.nrep - 1;
}
