/*
 * policy_core.h - publication policies: reliability rules for survey
 * estimates (NCHS 2017, Statistics Canada CV bands, minimum respondents),
 * the threshold rule for register counts, and the dominance (n, k) and p%
 * rules for magnitude tables, with the largest contributions of a cell kept
 * exactly (top-k).  The policies themselves are data (barometer.policy);
 * this file turns a parsed row into a status and a reason in English and
 * Dutch.  Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_POLICY_CORE_H
#define BAROMETER_POLICY_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tally_core.h"

typedef enum PolicyKind
{
	POLICY_NCHS2017 = 1,		/* survey proportions, NCHS 2017 */
	POLICY_CV_BANDS,			/* coefficient of variation bands */
	POLICY_MIN_RESPONDENTS,		/* n below a threshold */
	POLICY_COUNT_THRESHOLD,		/* register counts: 1 .. threshold - 1 */
	POLICY_DOMINANCE,			/* magnitudes: (n, k) dominance */
	POLICY_P_PERCENT,			/* magnitudes: p% rule */
	POLICY_MODEL_CV				/* model-based estimates: CV of the root MSE
								 * (policy_model.c) */
} PolicyKind;

#define POLICY_KIND_NAMES "nchs2017, cv_bands, min_respondents, count_threshold, dominance, p_percent, model_cv"

/* what a policy judges */
typedef enum PolicyObject
{
	POLICY_FOR_TALLY = 1,		/* an estimate with its variance */
	POLICY_FOR_COUNT,			/* a register count (and its total) */
	POLICY_FOR_MAGNITUDE,		/* a sum of contributions */
	POLICY_FOR_MODEL			/* a model-based (small-area) estimate */
} PolicyObject;

/* statuses, in increasing severity */
typedef enum PubStatus
{
	PUB_PUBLISH = 0,
	PUB_WARN = 1,
	PUB_REVIEW = 2,
	PUB_SUPPRESS = 3
} PubStatus;

/*
 * A parsed policy row.  Every parameter has a default for its kind; the
 * parameters of other kinds are ignored.
 */
typedef struct PolicyRow
{
	int			kind;			/* PolicyKind */
	double		min_n;			/* nchs2017 30 (min of n and n_eff);
								 * cv_bands 10; min_respondents 30;
								 * model_cv 5 (respondents in the area) */
	double		max_width;		/* nchs2017: 0.30 */
	double		rel_width_floor;	/* nchs2017: 0.05 */
	double		max_rel_width;	/* nchs2017: 1.30 */
	double		min_df;			/* nchs2017: 8 */
	double		level;			/* nchs2017: 0.95 */
	double		complement;		/* nchs2017: footnote the complement (0/1);
								 * count_threshold: complement rule (0/1) */
	double		publish_max_cv; /* cv_bands, model_cv, percent: 16.5 */
	double		warn_max_cv;	/* cv_bands, model_cv, percent: 33.3 */
	double		threshold;		/* count_threshold: 5 (counts 1 .. 4) */
	double		group_disclosure;	/* count_threshold: flag a total in one
									 * cell (0/1) */
	double		n;				/* dominance: the n largest contributions */
	double		k;				/* dominance: percent of the total */
	double		p;				/* p_percent: percent */
	double		min_contributors;	/* dominance, p_percent: 3 */
	double		min_areas;		/* model_cv: 30 areas with a sample */
} PolicyRow;

#define PUB_REASON_LEN 200

typedef struct PubDecision
{
	int			status;			/* PubStatus */
	char		reason_en[PUB_REASON_LEN];
	char		reason_nl[PUB_REASON_LEN];
} PubDecision;

/* the figures behind an NCHS 2017 decision */
typedef struct NchsFigures
{
	double		p;				/* estimate (NaN: no data) */
	double		n;				/* rows */
	double		n_eff;			/* df-adjusted effective sample size (NaN:
								 * undefined) */
	double		df;
	double		lower;			/* Korn-Graubard interval (NaN: undefined) */
	double		upper;
} NchsFigures;

/* the figures behind a magnitude decision: contributions sorted descending */
typedef struct MagFigures
{
	int64_t		n;				/* contributors */
	double		total;			/* sum of the contributions */
	int			ntop;			/* contributions kept */
	const double *top;			/* the ntop largest, descending */
} MagFigures;

/* kind by name, or -1; name of a kind */
extern int	policy_kind_parse(const char *name);
extern const char *policy_kind_name(int kind);
extern bool policy_kind_applies(int kind, int object);

/* defaults of a kind */
extern void policy_defaults(PolicyRow *row, int kind);

/*
 * Set parameter key; false with a message in err when the key is unknown
 * for the kind or the value out of range.  Booleans are 0 or 1.
 */
extern bool policy_param_set(PolicyRow *row, const char *key, double value,
							 bool is_bool, char *err, size_t errlen);

/* cross-parameter checks after all parameters are set; false with err */
extern bool policy_check(const PolicyRow *row, char *err, size_t errlen);

/* the parameter names of a kind, for error hints */
extern const char *policy_param_names(int kind);

/*
 * Decisions.  publication_decide judges a tally's summary (kind nchs2017,
 * cv_bands or min_respondents; nchs2017 requires a proportion);
 * publication_count a register count with its total (NaN: none);
 * publication_magnitude a magnitude cell.  False when the policy does not
 * apply (or, for magnitudes, when fewer contributions were kept than the
 * rule needs); the caller raises the error.
 */
extern bool publication_decide(const TallySummary *s, const PolicyRow *pol,
							   PubDecision *d);
extern bool publication_count(double count, double total, const PolicyRow *pol,
							  PubDecision *d);
extern bool publication_magnitude(const MagFigures *m, const PolicyRow *pol,
								  PubDecision *d);

/*
 * The figures behind a model-based decision (policy_model.c): the estimate
 * and its MSE (NaN: undefined), the respondents in the area and the areas
 * with a sample in the model (NaN: unknown).
 */
typedef struct ModelFigures
{
	double		estimate;
	double		mse;
	double		n;
	double		areas;
} ModelFigures;

/* model_cv: false when the policy is not of that kind */
extern bool publication_model(const ModelFigures *m, const PolicyRow *pol,
							  PubDecision *d);

/* NCHS 2017 in two steps, for the unit tests */
extern void pub_nchs_figures(const TallySummary *s, const PolicyRow *pol,
							 NchsFigures *f);
extern void pub_nchs_rule(const NchsFigures *f, const PolicyRow *pol,
						  PubDecision *d);

extern const char *pub_status_name(int status);
extern int	pub_status_parse(const char *name);

/*
 * Top-k: the k largest values, exactly.  heap holds at most k values as a
 * min-heap (heap[0] the smallest kept); topk_add keeps the k largest of
 * everything added; topk_sort_desc turns the heap into a descending array.
 */
extern void topk_add(double *heap, int *nheap, int k, double v);
extern void topk_sort_desc(double *heap, int nheap);

#endif							/* BAROMETER_POLICY_CORE_H */
