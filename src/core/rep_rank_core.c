/*
 * rep_rank_core.c - R's df of a replicate tally's domain.
 *
 * R (survey 4.1.1): svrepdesign sets degf to qr(repweights, tol = 1e-5)$rank
 * - 1 and "[.svyrep.design" recomputes it on every subset, so svyby's
 * domains each have their own.  The rank needs only G = W'W, W the N x R
 * analysis replicate weights of the domain's answered rows
 * (rank_core.c: LINPACK dqrdc2's decisions follow from G).  G adds over
 * rows and over merged tallies, so the rank of a merge is that of one pass.
 * It is kept only while the rank is below R: a set of rows of full rank
 * stays of full rank when rows are added (in exact arithmetic; R's
 * relative tolerance could in principle drop a column whose part
 * orthogonal to the others, relative to its norm, falls below 1e-5 as rows
 * are added - a case replicate designs do not produce), so a full rank
 * tally stores only the rank.  G is R(R+1)/2 doubles, kept for R <=
 * REP_GRAM_MAX_R (40,400 bytes at 100); above, the df stays R - 1.
 *
 * Rows of one PSU carry proportional replicate weights (w times the PSU's
 * factors) and usually arrive together: a run of proportional rows
 * x = s p is kept as p and sum s^2 and added to G once, (sum s^2) p p',
 * so a row costs O(R) and a PSU O(R^2) (as replicate_degf.c).
 *
 * Reference: R survey 4.1.1 degf.svyrep.design, "[.svyrep.design";
 * LINPACK dqrdc2.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <string.h>

#include "guard_core.h"
#include "rank_core.h"
#include "rep_rank_core.h"

void
rep_rank_open(RepAcc *r)
{
	r->rank_state = REP_RANK_OPEN;
	r->rank = 0;
	r->run_j0 = -1;
	r->run_ss = 0;
	r->nruns = 0;
	r->next_check = 0;
}

/* G += c x x' (upper triangle, packed row by row) */
static void
gram_add(double *G, uint32_t R, const double *x, double c)
{
	uint32_t	i,
				j;
	double	   *g = G;

	for (i = 0; i < R; i++)
	{
		double		xi = c * x[i];

		if (xi != 0)
			for (j = i; j < R; j++)
				g[j - i] += xi * x[j];
		g += R - i;
	}
}

void
rep_rank_flush(RepAcc *r)
{
	if (r->rank_state != REP_RANK_OPEN)
		return;
	if (r->run_j0 >= 0)
	{
		gram_add(r->gram, r->spec.nrep, r->run, r->run_ss);
		r->nruns++;
	}
	r->run_j0 = -1;
	r->run_ss = 0;
}

bool
rep_rank_settle(RepAcc *r, double *work)
{
	if (r->rank_state != REP_RANK_OPEN)
		return false;
	rep_rank_flush(r);
	if (rep_rank_compute(r, work) == (int) r->spec.nrep)
	{
		r->rank_state = REP_RANK_KNOWN;
		r->rank = (int32_t) r->spec.nrep;
		return true;
	}
	r->next_check = r->nruns > UINT32_MAX / 2 ? UINT32_MAX : 2 * r->nruns;
	return false;
}

/* whether x = t run, t = x[j0] / run[j0], to 1e-13 in every element */
static bool
in_run(const RepAcc *r, const double *x, double *t)
{
	uint32_t	j;
	double		q;

	if (r->run_j0 < 0)
		return false;
	q = x[r->run_j0] / r->run[r->run_j0];
	for (j = 0; j < r->spec.nrep; j++)
	{
		double		e = q * r->run[j];

		if ((x[j] == 0) != (r->run[j] == 0) || fabs(x[j] - e) > 1e-13 * (fabs(x[j]) + fabs(e)))
			return false;
	}
	*t = q;
	return true;
}

void
rep_rank_add(RepAcc *r, const double *x)
{
	uint32_t	j;
	double		t;

	if (r->rank_state != REP_RANK_OPEN || !isnan(r->spec.df))
		return;
	if (in_run(r, x, &t))
	{
		r->run_ss += t * t;
		return;
	}
	rep_rank_flush(r);
	for (j = 0; j < r->spec.nrep; j++)
		if (x[j] != 0)
			break;
	if (j == r->spec.nrep)
		return;					/* a row of zeros adds nothing */
	memcpy(r->run, x, r->spec.nrep * sizeof(double));
	r->run_j0 = (int32_t) j;
	r->run_ss = 1;
}

void
rep_rank_add_f4(RepAcc *r, const float *x)
{
	double		buf[REP_GRAM_MAX_R];
	uint32_t	j;

	if (r->rank_state != REP_RANK_OPEN || !isnan(r->spec.df))
		return;
	for (j = 0; j < r->spec.nrep; j++)
		buf[j] = (double) x[j];
	rep_rank_add(r, buf);
}

bool
rep_rank_merge(RepAcc *into, RepAcc *from)
{
	size_t		i,
				n = rep_gram_len(into->spec.nrep);

	rep_rank_flush(from);
	rep_rank_flush(into);
	if (into->rank_state == REP_RANK_NONE)
		return false;
	if (from->rank_state == REP_RANK_NONE)
	{
		into->rank_state = REP_RANK_NONE;
		into->rank = 0;
		into->gram = NULL;
		return false;
	}
	if (into->rank_state == REP_RANK_KNOWN && into->rank == (int32_t) into->spec.nrep)
		return false;
	if (from->rank_state == REP_RANK_KNOWN && from->rank == (int32_t) from->spec.nrep)
	{
		into->rank_state = REP_RANK_KNOWN;
		into->rank = (int32_t) into->spec.nrep;
		into->gram = NULL;
		return false;
	}
	if (into->gram == NULL)
		return true;
	for (i = 0; i < n; i++)
		into->gram[i] += from->gram[i];
	into->rank_state = REP_RANK_OPEN;
	into->run_j0 = -1;
	return false;
}

int
rep_rank_compute(const RepAcc *r, double *work)
{
	uint32_t	R = r->spec.nrep,
				i,
				j;
	double	   *G = work,
			   *L = work + (size_t) R * R;
	const double *g = r->gram;

	for (i = 0; i < R; i++)
	{
		for (j = i; j < R; j++)
			G[(size_t) i * R + j] = G[(size_t) j * R + i] = g[j - i];
		g += R - i;
	}
	core_check_interrupts();
	return rep_rank_gram(G, (int) R, REP_RANK_TOL, L);
}

static bool
rank_full(const RepAcc *r)
{
	return r->rank_state == REP_RANK_KNOWN && r->rank == (int32_t) r->spec.nrep;
}

bool
rep_rank_union_needs(const RepAcc *a, const RepAcc *b)
{
	return isnan(a->spec.df) && a->rank_state == REP_RANK_KNOWN && b->rank_state == REP_RANK_KNOWN &&
		!rank_full(a) && !rank_full(b) && a->gram != NULL && b->gram != NULL;
}

double
rep_df_union(const RepAcc *a, const RepAcc *b, double *work)
{
	RepAcc		u;
	size_t		i,
				n = rep_gram_len(a->spec.nrep);
	int			rank;

	if (!isnan(a->spec.df))
		return a->spec.df;
	/* a side not tracked, or of full rank: R - 1 */
	if (!rep_rank_union_needs(a, b))
		return (double) a->spec.nrep - 1;
	u = *a;
	u.gram = work;
	for (i = 0; i < n; i++)
		work[i] = a->gram[i] + b->gram[i];
	rank = rep_rank_compute(&u, work + n);
	return rank > 1 ? (double) rank - 1 : 0.0;
}

const char *
rep_rank_problem(const RepAcc *r, double *work)
{
	uint32_t	R = r->spec.nrep,
				i,
				j;
	const double *g;

	if (r->rank_state == REP_RANK_NONE)
		return r->rank == 0 ? NULL : "A replicate tally without a rank has rank 0.";
	if (r->rank_state != REP_RANK_KNOWN)
		return "The rank state of a replicate tally is not known.";
	if (!isnan(r->spec.df))
		return "A replicate tally with a given df keeps no rank.";
	if (R > REP_GRAM_MAX_R)
		return "A replicate tally of more than 100 replicates keeps no rank.";
	if (r->rank < 0 || r->rank > (int32_t) R)
		return "The rank of the replicate weights must lie in [0, the number of replicates].";
	if (r->rank == (int32_t) R)
		return NULL;
	/* the Gram matrix: finite, diagonal >= 0, |g_ij| <= sqrt(g_ii g_jj) */
	g = r->gram;
	for (i = 0; i < R; i++)
	{
		if (!(g[0] >= 0) || !isfinite(g[0]))
			return "A diagonal entry of the replicate Gram matrix is negative or not finite.";
		g += R - i;
	}
	g = r->gram;
	for (i = 0; i < R; i++)
	{
		const double *gj = g;

		for (j = i + 1; j < R; j++)
		{
			double		gii = g[0];

			gj += R - (j - 1);
			if (!isfinite(g[j - i]) ||
				fabs(g[j - i]) > sqrt(gii) * sqrt(gj[0]) * (1 + 1e-12) + 0x1p-1000)
				return "The replicate Gram matrix is not a Gram matrix (|g_ij| > sqrt(g_ii g_jj)).";
		}
		g += R - i;
	}
	if (rep_rank_compute(r, work) != r->rank)
		return "The rank does not match the replicate Gram matrix.";
	return NULL;
}
