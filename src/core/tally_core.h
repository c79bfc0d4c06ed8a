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
	TALLY_MEAN = 2				/* y is a number */
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
	dd_t		s[TALLY_NSUMS];
} TallyCore;

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
	bool		boundary;		/* proportion at exactly 0 or 1 */
} TallySummary;

extern void tally_core_init(TallyCore *t, TallyKind kind);
extern void tally_core_add(TallyCore *t, double y, double w);
extern void tally_core_add_missing(TallyCore *t);
extern void tally_core_merge(TallyCore *into, const TallyCore *from);
extern void tally_core_normalize(TallyCore *t);
extern const char *tally_core_check(const TallyCore *t);
extern void tally_core_summary(const TallyCore *t, TallySummary *s);
extern double tally_deff(const TallySummary *s, bool replace);
extern const char *tally_kind_name(int kind);

#endif							/* BAROMETER_TALLY_CORE_H */
