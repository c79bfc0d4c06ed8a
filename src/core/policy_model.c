/*
 * policy_model.c - the publication rule for model-based (small-area)
 * estimates, policy kind model_cv: the coefficient of variation of the root
 * MSE, sqrt(MSE) / |estimate|, judged in CV bands as the Statistics Canada
 * bands judge a direct estimate's se / |estimate|, after two minimums: the
 * areas with a sample in the model (the model's variance and coefficients,
 * and the Prasad-Rao MSE, which is a large-m approximation, need enough of
 * them) and the respondents in the area.  Every reason starts with
 * "model-based estimate" / "modelschatting", so a reader never takes a
 * model-based figure for a direct one.
 *
 * The rule, in this order (thresholds are the policy's parameters; the
 * defaults are those of the shipped row model_cv):
 *   suppress when there is no estimate, the number of areas is unknown or
 *   below min_areas (30), the area's respondents are unknown (with min_n >
 *   0) or below min_n (5), the MSE is undefined or negative;
 *   review when the estimate is 0 (no CV) or the MSE is 0 (a model that is
 *   certain of an area's value is a model to look at);
 *   cv = sqrt(mse) / |estimate|: up to publish_max_cv (16.5%) publish, up
 *   to warn_max_cv (33.3%) publish with a warning (E), above suppress (F);
 *   a CV equal to a threshold to 12 digits falls in the better band;
 *   an area without respondents (n = 0, only when min_n = 0) has a purely
 *   synthetic estimate: at best warn.
 *
 * Sources: Rao and Molina (2015), Small Area Estimation, 2nd ed., ch. 6
 * (the MSE of the EBLUP); the CV bands of Statistics Canada, as
 * policy_core.c's cv_bands.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy_core.h"

#define NUMBUF 32

/* %.6g, or fixed with `decimals` decimals; Dutch uses a decimal comma */
static void
mnum(char *buf, size_t len, double x, int decimals, bool dutch)
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

static void
mset(PubDecision *d, int status, const char *en, const char *nl)
{
	d->status = status;
	snprintf(d->reason_en, PUB_REASON_LEN, "model-based estimate: %s", en);
	snprintf(d->reason_nl, PUB_REASON_LEN, "modelschatting: %s", nl);
}

/* "<what> (<label> x < min)" in both languages, suppress */
static void
below(PubDecision *d, const char *en, const char *nl, const char *label_en,
	  const char *label_nl, double x, double min)
{
	char		a[NUMBUF],
				b[NUMBUF],
				an[NUMBUF],
				bn[NUMBUF];

	mnum(a, NUMBUF, x, -1, false);
	mnum(an, NUMBUF, x, -1, true);
	mnum(b, NUMBUF, min, -1, false);
	mnum(bn, NUMBUF, min, -1, true);
	d->status = PUB_SUPPRESS;
	snprintf(d->reason_en, PUB_REASON_LEN, "model-based estimate: %s (%s %s < %s)",
			 en, label_en, a, b);
	snprintf(d->reason_nl, PUB_REASON_LEN, "modelschatting: %s (%s %s < %s)",
			 nl, label_nl, an, bn);
}

static inline bool
above(double x, double threshold)
{
	return x > threshold * (1 + 1e-12);
}

bool
publication_model(const ModelFigures *m, const PolicyRow *pol, PubDecision *d)
{
	char		a[NUMBUF],
				b[NUMBUF],
				an[NUMBUF],
				bn[NUMBUF];
	double		cv;
	bool		synthetic;

	if (pol->kind != POLICY_MODEL_CV)
		return false;
	if (isnan(m->estimate))
	{
		mset(d, PUB_SUPPRESS, "no estimate", "geen schatting");
		return true;
	}
	if (isnan(m->areas))
	{
		mset(d, PUB_SUPPRESS, "number of areas in the model unknown",
			 "aantal gebieden in het model onbekend");
		return true;
	}
	if (m->areas < pol->min_areas)
	{
		below(d, "too few areas in the model", "te weinig gebieden in het model",
			  "areas", "gebieden", m->areas, pol->min_areas);
		return true;
	}
	if (isnan(m->n) && pol->min_n > 0)
	{
		mset(d, PUB_SUPPRESS, "number of respondents in the area unknown",
			 "aantal respondenten in het gebied onbekend");
		return true;
	}
	if (m->n < pol->min_n)
	{
		below(d, "too few respondents in the area", "te weinig respondenten in het gebied",
			  "n", "n", m->n, pol->min_n);
		return true;
	}
	if (isnan(m->mse))
	{
		mset(d, PUB_SUPPRESS, "MSE undefined", "MSE niet bepaald");
		return true;
	}
	if (m->mse < 0)
	{
		mset(d, PUB_SUPPRESS, "MSE is negative", "MSE is negatief");
		return true;
	}
	if (m->estimate == 0)
	{
		mset(d, PUB_REVIEW, "review: coefficient of variation undefined (estimate is 0)",
			 "na te kijken: variatiecoëfficiënt niet bepaald (schatting is 0)");
		return true;
	}
	if (m->mse == 0)
	{
		mset(d, PUB_REVIEW, "review: MSE is 0", "na te kijken: MSE is 0");
		return true;
	}
	cv = sqrt(m->mse) / fabs(m->estimate);
	synthetic = !isnan(m->n) && m->n == 0;
	mnum(a, NUMBUF, 100 * cv, 1, false);
	mnum(an, NUMBUF, 100 * cv, 1, true);
	if (above(cv, pol->warn_max_cv / 100))
	{
		mnum(b, NUMBUF, pol->warn_max_cv, -1, false);
		mnum(bn, NUMBUF, pol->warn_max_cv, -1, true);
		d->status = PUB_SUPPRESS;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "model-based estimate: coefficient of variation too large (CV %s%% > %s%%, F)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "modelschatting: variatiecoëfficiënt te groot (CV %s%% > %s%%, F)", an, bn);
	}
	else if (synthetic)
	{
		d->status = PUB_WARN;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "model-based estimate: synthetic, no respondents in the area (CV %s%%)", a);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "modelschatting: synthetisch, geen respondenten in het gebied (CV %s%%)", an);
	}
	else if (above(cv, pol->publish_max_cv / 100))
	{
		mnum(b, NUMBUF, pol->publish_max_cv, -1, false);
		mnum(bn, NUMBUF, pol->publish_max_cv, -1, true);
		d->status = PUB_WARN;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "model-based estimate: use with caution (CV %s%% > %s%%, E)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "modelschatting: met voorzichtigheid te gebruiken (CV %s%% > %s%%, E)", an, bn);
	}
	else
	{
		mnum(b, NUMBUF, pol->publish_max_cv, -1, false);
		mnum(bn, NUMBUF, pol->publish_max_cv, -1, true);
		d->status = PUB_PUBLISH;
		snprintf(d->reason_en, PUB_REASON_LEN,
				 "model-based estimate: reliable (CV %s%% <= %s%%)", a, b);
		snprintf(d->reason_nl, PUB_REASON_LEN,
				 "modelschatting: betrouwbaar (CV %s%% <= %s%%)", an, bn);
	}
	return true;
}
