/*
 * ratio_core.c - accumulating a ratio tally (ratio_core.h).  Products are
 * formed as double-doubles (error-free w x and w y, their squares and
 * cross product to about 2^-104), as tally_core_add_num does for a mean.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 *
 * References: R survey 4.1.1 svyratio.survey.design2, svyratio.svyrep.design.
 */
#include <math.h>

#include "ratio_core.h"

/* a b for double-doubles a, b, to about 2^-104 relative */
static inline dd_t
dd_prod(dd_t a, dd_t b)
{
	dd_t		r = dd_two_prod(a.hi, b.hi);

	r.lo += a.hi * b.lo + a.lo * b.hi;
	return r;
}

void
ratio_core_add(TallyCore *t, double y, double x, double w)
{
	dd_t		u,
				v;

	t->n++;
	if (w == 0.0)
		return;
	t->n_pos++;
	dd_acc(&t->s[S_WYY], w);
	u = dd_two_prod(w, x);
	v = dd_two_prod(w, y);
	dd_acc_dd(&t->s[S_W], u);
	dd_acc_dd(&t->s[S_WY], v);
	dd_acc_dd(&t->s[S_WW], dd_prod(u, u));
	dd_acc_dd(&t->s[S_WWY], dd_prod(u, v));
	dd_acc_dd(&t->s[S_WWYY], dd_prod(v, v));
}

void
ratio_design_add(Design *d, uint32_t p, uint32_t q, double y, double x, double w)
{
	PsuRec	   *r = &d->psu[p - d->psu_base];
	dd_t		wy = dd_two_prod(w, y);
	dd_t		wx = dd_two_prod(w, x);

	r->n_dom++;
	if (w > 0)
		r->n_pos++;
	dd_acc_dd(&r->a, wy);
	dd_acc_dd(&r->b, wx);
	if (q != UINT32_MAX)
	{
		SsuRec	   *s = &d->ssu[q];

		s->n_dom++;
		dd_acc_dd(&s->a, wy);
		dd_acc_dd(&s->b, wx);
	}
}

void
ratio_stratified_add(StratSums *s, double y, double x, double w)
{
	dd_t		u,
				v;

	s->n_dom++;
	if (w == 0.0)
		return;
	s->n_pos++;
	u = dd_two_prod(w, x);
	v = dd_two_prod(w, y);
	dd_acc_dd(&s->a, v);
	dd_acc_dd(&s->b, u);
	dd_acc_dd(&s->ww, dd_prod(u, u));
	dd_acc_dd(&s->wwy, dd_prod(u, v));
	dd_acc_dd(&s->wwyy, dd_prod(v, v));
}

void
ratio_rep_add(RepAcc *r, double y, double x, const double *repw)
{
	uint32_t	i;

	for (i = 0; i < r->spec.nrep; i++)
	{
		dd_acc_dd(&r->a[i], dd_two_prod(repw[i], y));
		dd_acc_dd(&r->b[i], dd_two_prod(repw[i], x));
	}
}

void
ratio_rep_add_f4(RepAcc *r, double y, double x, const float *repw)
{
	uint32_t	i;

	for (i = 0; i < r->spec.nrep; i++)
	{
		dd_acc_dd(&r->a[i], dd_two_prod((double) repw[i], y));
		dd_acc_dd(&r->b[i], dd_two_prod((double) repw[i], x));
	}
}
