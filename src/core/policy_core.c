/*
 * policy_core.c - publication policies: status and reason of one cell.
 *
 * Sources (see FACTS.md): NCHS Data Presentation Standards for Proportions
 * (Parker et al. 2017, Vital Health Stat 2(175)); Statistics Canada CV
 * bands; the ESSnet Handbook on Statistical Disclosure Control, ch. 4-5
 * (threshold, dominance and p% rules).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ci.h"
#include "dist.h"
#include "policy_core.h"

static const char *const kind_names[] = {
	NULL, "nchs2017", "cv_bands", "min_respondents", "count_threshold",
	"dominance", "p_percent", "model_cv"
};

#define NKINDS 7
#define KBIT(k) (1u << (k))

int
policy_kind_parse(const char *name)
{
	int			k;

	for (k = 1; k <= NKINDS; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

const char *
policy_kind_name(int kind)
{
	return kind >= 1 && kind <= NKINDS ? kind_names[kind] : "unknown";
}

bool
policy_kind_applies(int kind, int object)
{
	switch (kind)
	{
		case POLICY_NCHS2017:
		case POLICY_CV_BANDS:
		case POLICY_MIN_RESPONDENTS:
			return object == POLICY_FOR_TALLY;
		case POLICY_COUNT_THRESHOLD:
			return object == POLICY_FOR_COUNT;
		case POLICY_DOMINANCE:
		case POLICY_P_PERCENT:
			return object == POLICY_FOR_MAGNITUDE;
		case POLICY_MODEL_CV:
			return object == POLICY_FOR_MODEL;
	}
	return false;
}

/*
 * The parameters: name, kinds that take it, offset in PolicyRow, valid
 * range (lo < x <= hi when lo_open, else lo <= x <= hi), boolean.
 */
typedef struct PolicyParam
{
	const char *name;
	unsigned	kinds;
	size_t		offset;
	double		lo;
	bool		lo_open;
	double		hi;
	bool		is_bool;
	bool		integer;
} PolicyParam;

static const PolicyParam params[] = {
	{"min_n", KBIT(POLICY_NCHS2017) | KBIT(POLICY_CV_BANDS) | KBIT(POLICY_MIN_RESPONDENTS) |
	KBIT(POLICY_MODEL_CV),
	offsetof(PolicyRow, min_n), 0, false, 1e15, false, false},
	{"max_width", KBIT(POLICY_NCHS2017), offsetof(PolicyRow, max_width), 0, true, 1, false, false},
	{"rel_width_floor", KBIT(POLICY_NCHS2017), offsetof(PolicyRow, rel_width_floor), 0, false, 1, false, false},
	{"max_rel_width", KBIT(POLICY_NCHS2017), offsetof(PolicyRow, max_rel_width), 0, true, 1e6, false, false},
	{"min_df", KBIT(POLICY_NCHS2017), offsetof(PolicyRow, min_df), 0, false, 1e15, false, false},
	{"level", KBIT(POLICY_NCHS2017), offsetof(PolicyRow, level), 0, true, 0.999999, false, false},
	{"complement", KBIT(POLICY_NCHS2017) | KBIT(POLICY_COUNT_THRESHOLD),
	offsetof(PolicyRow, complement), 0, false, 1, true, false},
	{"publish_max_cv", KBIT(POLICY_CV_BANDS) | KBIT(POLICY_MODEL_CV),
	offsetof(PolicyRow, publish_max_cv), 0, true, 1e6, false, false},
	{"warn_max_cv", KBIT(POLICY_CV_BANDS) | KBIT(POLICY_MODEL_CV),
	offsetof(PolicyRow, warn_max_cv), 0, true, 1e6, false, false},
	{"threshold", KBIT(POLICY_COUNT_THRESHOLD), offsetof(PolicyRow, threshold), 1, false, 1e15, false, false},
	{"group_disclosure", KBIT(POLICY_COUNT_THRESHOLD), offsetof(PolicyRow, group_disclosure), 0, false, 1, true, false},
	{"n", KBIT(POLICY_DOMINANCE), offsetof(PolicyRow, n), 1, false, 100, false, true},
	{"k", KBIT(POLICY_DOMINANCE), offsetof(PolicyRow, k), 0, true, 100, false, false},
	{"p", KBIT(POLICY_P_PERCENT), offsetof(PolicyRow, p), 0, true, 1e6, false, false},
	{"min_contributors", KBIT(POLICY_DOMINANCE) | KBIT(POLICY_P_PERCENT),
	offsetof(PolicyRow, min_contributors), 0, false, 1e15, false, false},
	{"min_areas", KBIT(POLICY_MODEL_CV), offsetof(PolicyRow, min_areas), 0, false, 1e15, false, false},
};

#define NPARAMS (sizeof(params) / sizeof(params[0]))

void
policy_defaults(PolicyRow *row, int kind)
{
	memset(row, 0, sizeof(*row));
	row->kind = kind;
	switch (kind)
	{
		case POLICY_NCHS2017:
			row->min_n = 30;
			row->max_width = 0.30;
			row->rel_width_floor = 0.05;
			row->max_rel_width = 1.30;
			row->min_df = 8;
			row->level = 0.95;
			row->complement = 1;
			break;
		case POLICY_CV_BANDS:
			row->min_n = 10;
			row->publish_max_cv = 16.5;
			row->warn_max_cv = 33.3;
			break;
		case POLICY_MIN_RESPONDENTS:
			row->min_n = 30;
			break;
		case POLICY_COUNT_THRESHOLD:
			row->threshold = 5;
			row->complement = 1;
			row->group_disclosure = 1;
			break;
		case POLICY_DOMINANCE:
			row->n = 1;
			row->k = 85;
			row->min_contributors = 3;
			break;
		case POLICY_P_PERCENT:
			row->p = 10;
			row->min_contributors = 3;
			break;
		case POLICY_MODEL_CV:
			row->min_n = 5;
			row->min_areas = 30;
			row->publish_max_cv = 16.5;
			row->warn_max_cv = 33.3;
			break;
	}
}

const char *
policy_param_names(int kind)
{
	switch (kind)
	{
		case POLICY_NCHS2017:
			return "min_n, max_width, rel_width_floor, max_rel_width, min_df, level, complement";
		case POLICY_CV_BANDS:
			return "min_n, publish_max_cv, warn_max_cv";
		case POLICY_MIN_RESPONDENTS:
			return "min_n";
		case POLICY_COUNT_THRESHOLD:
			return "threshold, complement, group_disclosure";
		case POLICY_DOMINANCE:
			return "n, k, min_contributors";
		case POLICY_P_PERCENT:
			return "p, min_contributors";
		case POLICY_MODEL_CV:
			return "min_n, min_areas, publish_max_cv, warn_max_cv";
	}
	return "";
}

bool
policy_param_set(PolicyRow *row, const char *key, double value, bool is_bool,
				 char *err, size_t errlen)
{
	size_t		i;

	for (i = 0; i < NPARAMS; i++)
	{
		const PolicyParam *pp = &params[i];

		if (strcmp(pp->name, key) != 0 || !(pp->kinds & KBIT(row->kind)))
			continue;
		if (pp->is_bool != is_bool)
		{
			snprintf(err, errlen, "Parameter \"%s\" must be %s.", key,
					 pp->is_bool ? "true or false" : "a number");
			return false;
		}
		if (isnan(value) || value > pp->hi ||
			(pp->lo_open ? !(value > pp->lo) : !(value >= pp->lo)) ||
			(pp->integer && value != floor(value)))
		{
			snprintf(err, errlen, "Parameter \"%s\" is %g; it must be %s%s %g and at most %g.",
					 key, value, pp->integer ? "an integer " : "",
					 pp->lo_open ? "above" : "at least", pp->lo, pp->hi);
			return false;
		}
		*(double *) ((char *) row + pp->offset) = value;
		return true;
	}
	snprintf(err, errlen, "A %s policy has no parameter \"%s\"; its parameters are: %s.",
			 policy_kind_name(row->kind), key, policy_param_names(row->kind));
	return false;
}

bool
policy_check(const PolicyRow *row, char *err, size_t errlen)
{
	if ((row->kind == POLICY_CV_BANDS || row->kind == POLICY_MODEL_CV) &&
		row->warn_max_cv < row->publish_max_cv)
	{
		snprintf(err, errlen, "warn_max_cv (%g) is below publish_max_cv (%g).",
				 row->warn_max_cv, row->publish_max_cv);
		return false;
	}
	return true;
}

const char *
pub_status_name(int status)
{
	switch (status)
	{
		case PUB_PUBLISH:
			return "publish";
		case PUB_WARN:
			return "warn";
		case PUB_REVIEW:
			return "review";
		case PUB_SUPPRESS:
			return "suppress";
	}
	return NULL;
}

int
pub_status_parse(const char *name)
{
	int			s;

	for (s = PUB_PUBLISH; s <= PUB_SUPPRESS; s++)
		if (strcmp(name, pub_status_name(s)) == 0)
			return s;
	return -1;
}

/*
 * A number for a reason: %g with `digits` significant digits (fixed with
 * `decimals` decimals when decimals >= 0); Dutch uses a decimal comma.
 */
static void
num(char *buf, size_t len, double x, int decimals, bool dutch)
{
	char	   *c;

	if (decimals >= 0)
		snprintf(buf, len, "%.*f", decimals, x);
	else
		snprintf(buf, len, "%.6g", x);
	if (dutch)
		for (c = buf; *c; c++)
			if (*c == '.')
				*c = ',';
}

#define NUMBUF 32

static void
set(PubDecision *d, int status, const char *en, const char *nl)
{
	d->status = status;
	snprintf(d->reason_en, PUB_REASON_LEN, "%s", en);
	snprintf(d->reason_nl, PUB_REASON_LEN, "%s", nl);
}

/* "too few respondents (n < 30)" */
static void
too_few(PubDecision *d, double min_n)
{
	char		a[NUMBUF],
				b[NUMBUF];

	num(a, NUMBUF, min_n, -1, false);
	num(b, NUMBUF, min_n, -1, true);
	snprintf(d->reason_en, PUB_REASON_LEN, "too few respondents (n < %s)", a);
	snprintf(d->reason_nl, PUB_REASON_LEN, "te weinig respondenten (n < %s)", b);
	d->status = PUB_SUPPRESS;
}

/*
 * NCHS 2017 figures.  n_eff = min(p(1-p)/V, n) (n at p = 0 or 1, where
 * V = 0), times the df adjustment (qt(alpha/2, n-1)/qt(alpha/2, df))^2 of
 * Korn and Graubard (1998), as ci.c's beta method; df = Inf uses qnorm.
 * Undefined (NaN) when df <= 0, n < 2 or the variance is undefined.  The
 * interval is ci.c's Korn-Graubard interval at the policy's level
 * (Clopper-Pearson on the rows of positive weight at p = 0 or 1).
 */
static void
nchs_n_eff_figures(const TallySummary *s, const PolicyRow *pol, NchsFigures *f)
{
	double		alpha = 1.0 - pol->level;
	double		p = s->estimate;
	double		raw,
				adj;

	f->p = p;
	f->n = s->n;
	f->df = s->df;
	f->n_eff = NAN;
	f->lower = f->upper = NAN;
	if (isnan(p))
		return;
	if (s->boundary)
		raw = s->n;
	else if (isnan(s->variance) || !(s->variance > 0))
		raw = NAN;
	else
		raw = fmin(p * (1 - p) / s->variance, s->n);
	if (!isnan(raw) && s->n >= 2 && !isnan(s->df) && s->df > 0)
	{
		adj = dist_qt(alpha / 2, s->n - 1) /
			(isinf(s->df) ? dist_qnorm(alpha / 2) : dist_qt(alpha / 2, s->df));
		f->n_eff = raw * adj * adj;
	}
}

/* the Korn-Graubard interval of the figures */
static void
nchs_interval(const TallySummary *s, const PolicyRow *pol, NchsFigures *f)
{
	if (isnan(f->p) || !ci_compute(s, pol->level, CI_BETA, s->df, &f->lower, &f->upper))
		f->lower = f->upper = NAN;
}

/* whether pub_nchs_rule decides before it looks at the interval */
static bool
nchs_decided_without_interval(const NchsFigures *f, const PolicyRow *pol)
{
	return isnan(f->p) || f->n < pol->min_n || isnan(f->n_eff) || f->n_eff < pol->min_n;
}

void
pub_nchs_figures(const TallySummary *s, const PolicyRow *pol, NchsFigures *f)
{
	nchs_n_eff_figures(s, pol, f);
	nchs_interval(s, pol, f);
}

/*
 * NCHS 2017 (Parker et al. 2017), in this order:
 *   suppress when there is no estimate, n < min_n, n_eff undefined or
 *   n_eff < min_n, the interval is undefined, width >= max_width, or
 *   width > rel_width_floor and width/p > max_rel_width (p = 0: infinite);
 *   review when df < min_df or p is 0 or 1;
 *   warn (footnote the complement) when width/(1-p) > max_rel_width;
 *   publish otherwise.
 */
void
pub_nchs_rule(const NchsFigures *f, const PolicyRow *pol, PubDecision *d)
{
	char		a[NUMBUF],
				b[NUMBUF],
				c[NUMBUF],
				an[NUMBUF],
				bn[NUMBUF],
				cn[NUMBUF];
	double		w = f->upper - f->lower;

	if (isnan(f->p))
	{
		set(d, PUB_SUPPRESS, "no estimate (no weight in the cell)",
			"geen schatting (geen gewicht in de cel)");
		return;
	}
	if (f->n < pol->min_n)
	{
		too_few(d, pol->min_n);
		return;
	}
	if (isnan(f->n_eff))
	{
		set(d, PUB_SUPPRESS,
			"effective sample size undefined (no variance or degrees of freedom)",
			"effectieve steekproefgrootte niet bepaald (geen variantie of vrijheidsgraden)");
		return;
	}
	/* (the figures are formatted only for the reason that is given) */
	if (f->n_eff < pol->min_n)
	{
		num(a, NUMBUF, f->n_eff, 1, false);
		num(an, NUMBUF, f->n_eff, 1, true);
		num(b, NUMBUF, pol->min_n, -1, false);
		num(bn, NUMBUF, pol->min_n, -1, true);
		d->status = PUB_SUPPRESS;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "effective sample size too small (n_eff %s < %s)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "effectieve steekproefgrootte te klein (n_eff %s < %s)", an, bn);
		return;
	}
	if (isnan(w))
	{
		set(d, PUB_SUPPRESS, "confidence interval undefined",
			"betrouwbaarheidsinterval niet bepaald");
		return;
	}
	if (w >= pol->max_width)
	{
		num(a, NUMBUF, 100 * w, 1, false);
		num(an, NUMBUF, 100 * w, 1, true);
		num(b, NUMBUF, 100 * pol->max_width, -1, false);
		num(bn, NUMBUF, 100 * pol->max_width, -1, true);
		d->status = PUB_SUPPRESS;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "confidence interval too wide (%s points >= %s)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "betrouwbaarheidsinterval te breed (%s procentpunten >= %s)", an, bn);
		return;
	}
	if (w > pol->rel_width_floor &&
		(f->p == 0 || w / f->p > pol->max_rel_width))
	{
		num(b, NUMBUF, 100 * pol->max_rel_width, -1, false);
		num(bn, NUMBUF, 100 * pol->max_rel_width, -1, true);
		if (f->p == 0)
		{
			snprintf(c, NUMBUF, "infinite");
			snprintf(cn, NUMBUF, "oneindig");
		}
		else
		{
			num(c, NUMBUF, 100 * w / f->p, 0, false);
			strcat(c, "%");
			num(cn, NUMBUF, 100 * w / f->p, 0, true);
			strcat(cn, "%");
		}
		d->status = PUB_SUPPRESS;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "confidence interval too wide relative to the estimate (%s > %s%%)", c, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "betrouwbaarheidsinterval te breed ten opzichte van de schatting (%s > %s%%)", cn, bn);
		return;
	}
	if (f->df < pol->min_df)
	{
		num(a, NUMBUF, f->df, -1, false);
		num(an, NUMBUF, f->df, -1, true);
		num(b, NUMBUF, pol->min_df, -1, false);
		num(bn, NUMBUF, pol->min_df, -1, true);
		d->status = PUB_REVIEW;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "review: few degrees of freedom (df %s < %s)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "na te kijken: weinig vrijheidsgraden (df %s < %s)", an, bn);
		return;
	}
	if (f->p == 0 || f->p == 1)
	{
		d->status = PUB_REVIEW;
		snprintf(d->reason_en, PUB_REASON_LEN, "review: estimate is %s%%",
				 f->p == 0 ? "0" : "100");
		snprintf(d->reason_nl, PUB_REASON_LEN, "na te kijken: schatting is %s%%",
				 f->p == 0 ? "0" : "100");
		return;
	}
	if (pol->complement != 0 && w / (1 - f->p) > pol->max_rel_width)
	{
		num(a, NUMBUF, 100 * w / (1 - f->p), 0, false);
		num(an, NUMBUF, 100 * w / (1 - f->p), 0, true);
		num(b, NUMBUF, 100 * pol->max_rel_width, -1, false);
		num(bn, NUMBUF, 100 * pol->max_rel_width, -1, true);
		d->status = PUB_WARN;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "the complement is unreliable (interval width %s%% of 1 - p > %s%%)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "het complement is onbetrouwbaar (intervalbreedte %s%% van 1 - p > %s%%)", an, bn);
		return;
	}
	set(d, PUB_PUBLISH, "reliable (NCHS 2017)", "betrouwbaar (NCHS 2017)");
}

/*
 * CV bands (Statistics Canada): cv = se / |estimate|, in percent;
 * n < min_n suppress; cv <= publish_max_cv publish; cv <= warn_max_cv
 * publish with a warning (E); above suppress (F).  An estimate of 0 has no
 * CV: review.  A CV equal to a threshold to 12 significant digits falls in
 * the better band (percent thresholds such as 33.3 are not exact doubles).
 */
static inline bool
above(double x, double threshold)
{
	return x > threshold * (1 + 1e-12);
}

static void
decide_cv(const TallySummary *s, const PolicyRow *pol, PubDecision *d)
{
	char		a[NUMBUF],
				b[NUMBUF],
				an[NUMBUF],
				bn[NUMBUF];
	double		cv;

	if (isnan(s->estimate))
	{
		set(d, PUB_SUPPRESS, "no estimate (no weight in the cell)",
			"geen schatting (geen gewicht in de cel)");
		return;
	}
	if (s->n < pol->min_n)
	{
		too_few(d, pol->min_n);
		return;
	}
	if (isnan(s->variance))
	{
		set(d, PUB_SUPPRESS, "coefficient of variation undefined (no variance)",
			"variatiecoëfficiënt niet bepaald (geen variantie)");
		return;
	}
	if (s->estimate == 0)
	{
		set(d, PUB_REVIEW, "review: coefficient of variation undefined (estimate is 0)",
			"na te kijken: variatiecoëfficiënt niet bepaald (schatting is 0)");
		return;
	}
	cv = sqrt(s->variance) / fabs(s->estimate);
	num(a, NUMBUF, 100 * cv, 1, false);
	num(an, NUMBUF, 100 * cv, 1, true);
	if (above(cv, pol->warn_max_cv / 100))
	{
		num(b, NUMBUF, pol->warn_max_cv, -1, false);
		num(bn, NUMBUF, pol->warn_max_cv, -1, true);
		d->status = PUB_SUPPRESS;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "coefficient of variation too large (CV %s%% > %s%%, F)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "variatiecoëfficiënt te groot (CV %s%% > %s%%, F)", an, bn);
	}
	else if (above(cv, pol->publish_max_cv / 100))
	{
		num(b, NUMBUF, pol->publish_max_cv, -1, false);
		num(bn, NUMBUF, pol->publish_max_cv, -1, true);
		d->status = PUB_WARN;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "use with caution (CV %s%% > %s%%, E)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "met voorzichtigheid te gebruiken (CV %s%% > %s%%, E)", an, bn);
	}
	else
	{
		num(b, NUMBUF, pol->publish_max_cv, -1, false);
		num(bn, NUMBUF, pol->publish_max_cv, -1, true);
		d->status = PUB_PUBLISH;
		snprintf(d->reason_en, PUB_REASON_LEN, "reliable (CV %s%% <= %s%%)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN, "betrouwbaar (CV %s%% <= %s%%)", an, bn);
	}
}

bool
publication_decide(const TallySummary *s, const PolicyRow *pol, PubDecision *d)
{
	NchsFigures f;
	char		a[NUMBUF],
				an[NUMBUF];

	if (!policy_kind_applies(pol->kind, POLICY_FOR_TALLY))
		return false;
	switch (pol->kind)
	{
		case POLICY_NCHS2017:
			if (s->kind != TALLY_PROPORTION)
				return false;
			/* the interval (two qbeta) only when the rule reaches it */
			nchs_n_eff_figures(s, pol, &f);
			if (!nchs_decided_without_interval(&f, pol))
				nchs_interval(s, pol, &f);
			pub_nchs_rule(&f, pol, d);
			break;
		case POLICY_CV_BANDS:
			decide_cv(s, pol, d);
			break;
		case POLICY_MIN_RESPONDENTS:
			if (s->n < pol->min_n)
				too_few(d, pol->min_n);
			else
			{
				num(a, NUMBUF, pol->min_n, -1, false);
				num(an, NUMBUF, pol->min_n, -1, true);
				d->status = PUB_PUBLISH;
				snprintf(d->reason_en, PUB_REASON_LEN, "enough respondents (n >= %s)", a);
				snprintf(d->reason_nl, PUB_REASON_LEN, "voldoende respondenten (n >= %s)", an);
			}
			break;
	}
	return true;
}

/*
 * Threshold rule for register counts (ESSnet Handbook 5.2): a count from
 * 1 to ceil(threshold) - 1 is suppressed; with the complement rule, so is a
 * count whose complement in its published total (total - count) is in that
 * range (a zero is never sensitive, whatever its complement); a non-zero total that sits entirely in
 * one cell discloses an attribute of the whole group: review.  total is NaN
 * when there is none.  The caller has checked 0 <= count <= total.
 */
bool
publication_count(double count, double total, const PolicyRow *pol, PubDecision *d)
{
	double		top = ceil(pol->threshold) - 1;
	char		range[NUMBUF];

	if (pol->kind != POLICY_COUNT_THRESHOLD)
		return false;
	if (top >= 2)
		snprintf(range, NUMBUF, "1-%.0f", top);
	else
		snprintf(range, NUMBUF, "1");
	if (count > 0 && count <= top)
	{
		d->status = PUB_SUPPRESS;
		snprintf(d->reason_en, PUB_REASON_LEN, "small count (%s)", range);
		snprintf(d->reason_nl, PUB_REASON_LEN, "kleine telling (%s)", range);
		return true;
	}
	if (!isnan(total) && pol->complement != 0 && count > 0 &&
		total - count > 0 && total - count <= top)
	{
		d->status = PUB_SUPPRESS;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "small complement in the total (%s)", range);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "klein complement in het totaal (%s)", range);
		return true;
	}
	if (!isnan(total) && pol->group_disclosure != 0 && count > 0 && count == total)
	{
		set(d, PUB_REVIEW, "review: the whole total is in this cell (group disclosure)",
			"na te kijken: het volledige totaal zit in deze cel (groepsonthulling)");
		return true;
	}
	if (count == 0)
		set(d, PUB_PUBLISH, "zero count (not sensitive)", "telling nul (niet gevoelig)");
	else
		set(d, PUB_PUBLISH, "count above the threshold", "telling boven de drempel");
	return true;
}

/*
 * Magnitude rules (ESSnet Handbook 4.2): the threshold rule (fewer than
 * min_contributors contributors, an empty cell excepted); dominance (n, k):
 * unsafe when the n largest contributions exceed k% of the total; p%:
 * unsafe when total - x1 - x2 < p/100 x1 (the second largest contributor
 * would estimate the largest within p%).  Contributions are >= 0.
 */
bool
publication_magnitude(const MagFigures *m, const PolicyRow *pol, PubDecision *d)
{
	char		a[NUMBUF],
				b[NUMBUF],
				an[NUMBUF],
				bn[NUMBUF];
	double		top = 0,
				x1,
				x2;
	int			i,
				need;

	if (!policy_kind_applies(pol->kind, POLICY_FOR_MAGNITUDE))
		return false;
	need = pol->kind == POLICY_DOMINANCE ? (int) pol->n : 2;
	if (m->ntop < need && m->n > m->ntop)
		return false;
	if (m->n > 0 && m->n < pol->min_contributors)
	{
		num(a, NUMBUF, (double) m->n, -1, false);
		num(b, NUMBUF, pol->min_contributors, -1, false);
		d->status = PUB_SUPPRESS;
		snprintf(d->reason_en, PUB_REASON_LEN, "too few contributors (%s < %s)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN, "te weinig bijdragers (%s < %s)", a, b);
		return true;
	}
	if (pol->kind == POLICY_DOMINANCE)
	{
		for (i = 0; i < need && i < m->ntop; i++)
			top += m->top[i];
		num(a, NUMBUF, pol->n, -1, false);
		num(b, NUMBUF, pol->k, -1, false);
		num(an, NUMBUF, pol->k, -1, true);
		if (m->total > 0 && top > pol->k / 100 * m->total)
		{
			char		s[NUMBUF],
						sn[NUMBUF];

			num(s, NUMBUF, 100 * top / m->total, 0, false);
			num(sn, NUMBUF, 100 * top / m->total, 0, true);
			d->status = PUB_SUPPRESS;
			if (need == 1)
			{
				snprintf(d->reason_en, PUB_REASON_LEN,
						 "dominance (1, %s): the largest contribution is %s%% of the total", b, s);
				snprintf(d->reason_nl, PUB_REASON_LEN,
						 "dominantie (1, %s): de grootste bijdrage is %s%% van het totaal", an, sn);
			}
			else
			{
				snprintf(d->reason_en, PUB_REASON_LEN,
						 "dominance (%s, %s): the %s largest contributions are %s%% of the total",
						 a, b, a, s);
				snprintf(d->reason_nl, PUB_REASON_LEN,
						 "dominantie (%s, %s): de %s grootste bijdragen zijn %s%% van het totaal",
						 a, an, a, sn);
			}
			return true;
		}
		d->status = PUB_PUBLISH;
		snprintf(d->reason_en, PUB_REASON_LEN, "no dominance (%s, %s)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN, "geen dominantie (%s, %s)", a, an);
		return true;
	}
	x1 = m->ntop > 0 ? m->top[0] : 0;
	x2 = m->ntop > 1 ? m->top[1] : 0;
	num(b, NUMBUF, pol->p, -1, false);
	num(bn, NUMBUF, pol->p, -1, true);
	if (m->total - x1 - x2 < pol->p / 100 * x1)
	{
		d->status = PUB_SUPPRESS;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "p%% rule (p = %s): the largest contribution can be estimated within %s%%", b, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "p%%-regel (p = %s): de grootste bijdrage is tot op %s%% te schatten", bn, bn);
		return true;
	}
	d->status = PUB_PUBLISH;
	snprintf(d->reason_en, PUB_REASON_LEN, "safe under the p%% rule (p = %s)", b);
	snprintf(d->reason_nl, PUB_REASON_LEN, "veilig volgens de p%%-regel (p = %s)", bn);
	return true;
}

/* min-heap sift-down from i */
static void
heap_down(double *h, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i;
		double		t;

		if (l < n && h[l] < h[m])
			m = l;
		if (r < n && h[r] < h[m])
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

void
topk_add(double *heap, int *nheap, int k, double v)
{
	int			i;

	if (k <= 0)
		return;
	if (*nheap < k)
	{
		/* sift up */
		i = (*nheap)++;
		heap[i] = v;
		while (i > 0 && heap[(i - 1) / 2] > heap[i])
		{
			double		t = heap[i];

			heap[i] = heap[(i - 1) / 2];
			heap[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
		return;
	}
	if (v <= heap[0])
		return;
	heap[0] = v;
	heap_down(heap, *nheap, 0);
}

void
topk_sort_desc(double *heap, int nheap)
{
	int			n = nheap;

	/* heap sort on a min-heap leaves the array in descending order */
	while (n > 1)
	{
		double		t = heap[0];

		heap[0] = heap[n - 1];
		heap[n - 1] = t;
		n--;
		heap_down(heap, n, 0);
	}
}
