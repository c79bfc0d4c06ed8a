/*
 * tally_core.h - sufficient statistics of a weighted proportion or mean
 * under a weights-only design (R: svydesign(ids = ~1, weights = ~w)), and
 * everything derived from them.  Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_TALLY_CORE_H
#define BAROMETER_TALLY_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "dd.h"

typedef enum TallyKind
{
	TALLY_PROPORTION = 1,		/* y is boolean */
	TALLY_MEAN = 2,				/* y is a number */
	TALLY_RATIO = 3				/* sum w y / sum w x (ratio_core.h) */
} TallyKind;

/* indexes of the weighted power sums */
typedef enum TallySum
{
	S_W = 0,					/* sum w */
	S_WY,						/* sum w y */
	S_WYY,						/* sum w y^2 */
	S_WW,						/* sum w^2 */
	S_WWY,						/* sum w^2 y */
	S_WWYY,						/* sum w^2 y^2 */
	TALLY_NSUMS
} TallySum;

typedef struct TallyCore
{
	int32_t		kind;			/* TallyKind */
	int32_t		reserved;		/* zero */
	int64_t		n;				/* rows with non-missing y (any weight) */
	int64_t		n_missing;		/* rows with missing y */
	int64_t		n_pos;			/* rows with non-missing y and w > 0 */
	int64_t		n_true;			/* a proportion's rows with y TRUE (any
								 * weight); TALLY_N_TRUE_UNKNOWN for values
								 * stored before it was counted; 0 for a
								 * mean or ratio */
	dd_t		s[TALLY_NSUMS];
} TallyCore;

#define TALLY_N_TRUE_UNKNOWN (-1)

/* everything a reader needs, derived once from a TallyCore */
typedef struct TallySummary
{
	int			kind;
	double		n;				/* rows used */
	double		n_pos;			/* rows with positive weight */
	double		n_design;		/* PSUs of the design: n + n_missing */
	double		weighted_n;		/* W */
	double		estimate;		/* NaN when W = 0 */
	double		variance;		/* NaN when undefined (n_design < 2) */
	double		s2;				/* element variance n/(n-1) sum w (y-p)^2 / W */
	double		kish_n_eff;		/* W^2 / sum w^2 */
	double		df;				/* design degrees of freedom */
	double		phi;			/* quasibinomial Pearson dispersion (likelihood) */
	double		var_logit;		/* variance of logit(p) when the design gives
								 * it directly (replicates); NaN: V/(p(1-p))^2 */
	bool		boundary;		/* proportion at exactly 0 or 1 */
} TallySummary;

extern void tally_core_init(TallyCore *t, TallyKind kind);
extern void tally_core_add(TallyCore *t, double y, double w);
extern void tally_core_add_num(TallyCore *t, double y, double w);
extern void tally_core_finish(TallyCore *t);
extern void tally_core_add_missing(TallyCore *t);
extern int64_t tally_count_add(int64_t a, int64_t b);
extern void tally_core_merge(TallyCore *into, const TallyCore *from);
extern void tally_core_normalize(TallyCore *t);
extern const char *tally_core_range_check(const TallyCore *t);
extern const char *tally_core_check(const TallyCore *t);
extern void tally_core_summary(const TallyCore *t, TallySummary *s);
extern double tally_deff(const TallySummary *s, bool replace);
extern void tally_variance_floor(TallySummary *s);
extern const char *tally_kind_name(int kind);

/*
 * A sum of the tally; a proportion's sums of y^2 are its sums of y (they
 * are only filled in by tally_core_finish, so read them through here).
 */
static inline dd_t
tally_sum(const TallyCore *t, int which)
{
	if (t->kind == TALLY_PROPORTION && which == S_WYY)
		which = S_WY;
	else if (t->kind == TALLY_PROPORTION && which == S_WWYY)
		which = S_WWY;
	return t->s[which];
}

/*
 * Add one row of a proportion (y FALSE or TRUE), weight w >= 0, the hot
 * path of the boolean aggregates: the products with y are exact, so only
 * w^2 is formed (exactly).  The sums of y^2 equal those of y and are
 * filled in by tally_core_finish.
 */
static inline void
tally_core_add_prop(TallyCore *t, bool y, double w)
{
	dd_t		ww;

	t->n++;
	t->n_true += y;
	if (w == 0.0)
		return;
	t->n_pos++;
	ww = dd_two_sqr(w);
	dd_acc(&t->s[S_W], w);
	dd_acc_dd(&t->s[S_WW], ww);
	if (y)
	{
		dd_acc(&t->s[S_WY], w);
		dd_acc_dd(&t->s[S_WWY], ww);
	}
}

#endif							/* BAROMETER_TALLY_CORE_H */
