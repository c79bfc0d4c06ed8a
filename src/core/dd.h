/*
 * dd.h - compensated ("double-double") arithmetic for the statistical core.
 *
 * A dd_t holds an unevaluated sum hi + lo with |lo| <= ulp(hi)/2 after
 * normalisation.  Sums of weights and weighted moments are accumulated in
 * this form so that 10^8 rows and any merge order give the same doubles
 * (the error of a dd sum is about 2^-104 of its magnitude, so rounding it to
 * a double is order independent except in vanishingly rare ties).
 *
 * Error-free transformations: TwoSum (Knuth) and TwoProd (Dekker), exact by
 * IEEE 754 on every machine as long as the compiler does not fuse or
 * reassociate (the build uses -ffp-contract=off and no fast-math).
 *
 * Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_DD_H
#define BAROMETER_DD_H

#include <math.h>

typedef struct dd_t
{
	double		hi;
	double		lo;
} dd_t;

static inline dd_t
dd_make(double hi, double lo)
{
	dd_t		r;

	r.hi = hi;
	r.lo = lo;
	return r;
}

/* TwoSum: s + e == a + b exactly (Knuth, no branch) */
static inline dd_t
dd_two_sum(double a, double b)
{
	double		s = a + b;
	double		bb = s - a;
	double		e = (a - (s - bb)) + (b - bb);

	return dd_make(s, e);
}

/*
 * TwoProd: p + e == a * b exactly (Dekker, with Veltkamp's split; exact for
 * |a|, |b| < 2^996, which the callers guarantee).  Plain multiplications and
 * additions only, so it inlines and needs no hardware fma.
 */
static inline void
dd_split(double a, double *hi, double *lo)
{
	double		c = 134217729.0 * a;	/* 2^27 + 1 */

	*hi = c - (c - a);
	*lo = a - *hi;
}

static inline dd_t
dd_two_prod(double a, double b)
{
	double		p = a * b;
	double		ah,
				al,
				bh,
				bl;

	dd_split(a, &ah, &al);
	dd_split(b, &bh, &bl);
	return dd_make(p, ((ah * bh - p) + ah * bl + al * bh) + al * bl);
}

/* TwoSquare: p + e == a * a exactly */
static inline dd_t
dd_two_sqr(double a)
{
	double		p = a * a;
	double		ah,
				al;

	dd_split(a, &ah, &al);
	return dd_make(p, ((ah * ah - p) + 2 * ah * al) + al * al);
}

/* renormalise so that hi == fl(hi + lo) */
static inline dd_t
dd_norm(dd_t a)
{
	return dd_two_sum(a.hi, a.lo);
}

/* accumulate a double into a running sum (lo gathers the rounding errors) */
static inline void
dd_acc(dd_t *s, double x)
{
	dd_t		t = dd_two_sum(s->hi, x);

	s->hi = t.hi;
	s->lo += t.lo;
}

/* accumulate a dd term into a running sum */
static inline void
dd_acc_dd(dd_t *s, dd_t x)
{
	dd_t		t = dd_two_sum(s->hi, x.hi);

	s->hi = t.hi;
	s->lo += t.lo + x.lo;
}

static inline dd_t
dd_add(dd_t a, dd_t b)
{
	dd_t		s = dd_two_sum(a.hi, b.hi);

	s.lo += a.lo + b.lo;
	return dd_norm(s);
}

static inline dd_t
dd_neg(dd_t a)
{
	return dd_make(-a.hi, -a.lo);
}

static inline dd_t
dd_sub(dd_t a, dd_t b)
{
	return dd_add(a, dd_neg(b));
}

static inline dd_t
dd_mul(dd_t a, dd_t b)
{
	dd_t		p = dd_two_prod(a.hi, b.hi);

	p.lo += a.hi * b.lo + a.lo * b.hi;
	return dd_norm(p);
}

static inline dd_t
dd_mul_d(dd_t a, double b)
{
	dd_t		p = dd_two_prod(a.hi, b);

	p.lo += a.lo * b;
	return dd_norm(p);
}

/* a / b, one Newton correction of the double quotient */
static inline dd_t
dd_div(dd_t a, dd_t b)
{
	double		q1 = a.hi / b.hi;
	dd_t		r = dd_sub(a, dd_mul_d(b, q1));
	double		q2 = r.hi / b.hi;

	r = dd_sub(r, dd_mul_d(b, q2));
	return dd_add(dd_two_sum(q1, q2), dd_make(r.hi / b.hi, 0.0));
}

/* a / b for a double b: the quotient to about 32 digits, as dd_div */
static inline dd_t
dd_div_d(dd_t a, double b)
{
	double		q1 = a.hi / b;
	dd_t		r = dd_sub(a, dd_two_prod(q1, b));
	double		q2 = r.hi / b;

	r = dd_sub(r, dd_two_prod(q2, b));
	return dd_add(dd_two_sum(q1, q2), dd_make(r.hi / b, 0.0));
}

static inline double
dd_to_double(dd_t a)
{
	return a.hi + a.lo;
}

static inline dd_t
dd_from_double(double a)
{
	return dd_make(a, 0.0);
}

#endif							/* BAROMETER_DD_H */
