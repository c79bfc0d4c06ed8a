/*
 * chisq_core.c - svychisq's statistics from the parts the other chisq_*
 * files compute: Pearson's X^2, the Rao-Scott F and Chisq from tr(Delta)
 * and tr(Delta^2) (chisq_proj.c), the Wald tests (chisq_wald.c); and the
 * working memory of one test.
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

#include "chisq_core.h"
#include "chisq_var.h"
#include "dist.h"
#include "guard_core.h"

int
chisq_statistic_parse(const char *name)
{
	if (strcmp(name, "F") == 0)
		return CHISQ_F;
	if (strcmp(name, "Chisq") == 0)
		return CHISQ_CHISQ;
	if (strcmp(name, "Wald") == 0)
		return CHISQ_WALD;
	if (strcmp(name, "adjWald") == 0)
		return CHISQ_ADJWALD;
	return -1;
}

const char *
chisq_status_detail(ChisqStatus s)
{
	switch (s)
	{
		case CHISQ_OK:
			return NULL;
		case CHISQ_SINGULAR_TABLE:
			return "The table's design matrix is singular (a row or column without weight?).";
		case CHISQ_SINGULAR_WALD:
			return "The covariance matrix of the interaction cells is singular.";
		case CHISQ_LONELY:
			return "A stratum has only one PSU.";
		case CHISQ_TOO_BIG:
			return "A working array is too large.";
	}
	return NULL;
}

/*
 * Pearson's X^2 of the table scaled to N (R: chisq.test(svytable(formula,
 * design, Ntotal = N), correct = FALSE)).  An empty row or column gives
 * 0/0 = NaN, as in R.
 */
static double
pearson(const ChisqTable *t, ChisqWork *w, bool *ok)
{
	int			r = t->r,
				c = t->c,
				i,
				j;
	double		T = 0,
				x2 = 0;
	double	   *rs = chisq_alloc(w, r, sizeof(double)),
			   *cs = chisq_alloc(w, c, sizeof(double));

	*ok = rs && cs;
	if (!*ok)
		return NAN;
	for (i = 0; i < r * c; i++)
		T += t->total[i];
	for (j = 0; j < c; j++)
		for (i = 0; i < r; i++)
		{
			double		o = t->N * t->total[i + r * j] / T;

			rs[i] += o;
			cs[j] += o;
		}
	for (j = 0; j < c; j++)
		for (i = 0; i < r; i++)
		{
			double		o = t->N * t->total[i + r * j] / T;
			double		e = rs[i] * cs[j] / t->N;

			x2 += (o - e) * (o - e) / e;
		}
	chisq_release(w, rs);
	chisq_release(w, cs);
	return x2;
}

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

/*
 * Rao-Scott (R svychisq, statistic "F" and "Chisq"):
 *   F:     F = X^2 / tr(Delta) on d0 = tr(Delta)^2 / tr(Delta^2) and d0 nu
 *          degrees of freedom;
 *   Chisq: the statistic is X^2 itself, p = P(chi2_q > X^2 / (tr(Delta) / q)),
 *          q = (r-1)(c-1).
 * NaN propagates (R's NaN; NULL in SQL): an empty row or column makes X^2
 * NaN, a design whose every stratum the "average" policy dropped makes V
 * NaN.
 */
static ChisqStatus
rao_scott(const ChisqTable *t, int statistic, ChisqWork *w, ChisqResult *out)
{
	int			q = (t->r - 1) * (t->c - 1);
	double		tr,
				tr2,
				x2;
	bool		ok;
	ChisqStatus st;

	x2 = pearson(t, w, &ok);
	if (!ok)
		return CHISQ_TOO_BIG;
	st = chisq_rao_scott_traces(t, w, &tr, &tr2, out);
	if (st != CHISQ_OK)
		return st;
	out->trace = tr;
	out->trace2 = tr2;
	if (statistic == CHISQ_F)
	{
		double		d0 = tr * tr / tr2;

		out->statistic = x2 / tr;
		out->ndf = d0;
		out->ddf = d0 * t->nu;
		out->p_value = dist_pf_upper(out->statistic, d0, d0 * t->nu);
	}
	else
	{
		out->statistic = x2;
		out->ndf = q;
		out->ddf = NAN;
		out->p_value = dist_pchisq_upper(x2 / (tr / q), q);
	}
	return CHISQ_OK;
}

ChisqStatus
chisq_compute(const ChisqTable *t, int statistic, DesignRealloc fn, void *ctx,
			  ChisqResult *out)
{
	ChisqWork	w;
	ChisqStatus st;

	out->statistic = out->ndf = out->ddf = out->p_value = NAN;
	out->trace = out->trace2 = NAN;
	out->lonely_stratum = 0;
	out->bytes = 0;
	chisq_work_init(&w, fn, ctx);
	if (statistic == CHISQ_WALD || statistic == CHISQ_ADJWALD)
		st = chisq_wald(t, statistic, &w, out);
	else
		st = rao_scott(t, statistic, &w, out);
	if (st == CHISQ_TOO_BIG)
		out->bytes = w.need;
	if (st != CHISQ_OK)
		out->statistic = out->ndf = out->ddf = out->p_value = NAN;
	chisq_release_all(&w);
	return st;
}
