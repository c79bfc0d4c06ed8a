/*
 * reason_code.c - the stable codes of the publication reasons.
 *
 * The human texts (reason_en, reason_nl) carry the figures of the cell
 * ("effective sample size too small (n_eff 12.3 < 30)"), so a BI tool sees
 * as many texts as cells.  The code names the rule only.  It is derived
 * from the English text's fixed beginning, which policy_core.c writes and
 * which no release has changed, so stored publication values of 0.1 get
 * the same codes.  Order matters where one beginning extends another.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <string.h>

#include "reason_code.h"

static const struct
{
	const char *prefix;
	const char *code;
}			reason_codes[] =
{
	/* every policy */
	{"no estimate (no weight in the cell)", "no_estimate"},
	{"too few respondents (n < ", "n_below_min"},
	{"suppressed together with another category (", "suppressed_together"},
	/* nchs2017 */
	{"effective sample size undefined", "n_eff_undefined"},
	{"effective sample size too small", "n_eff_below_min"},
	{"confidence interval undefined", "ci_undefined"},
	{"confidence interval too wide relative to the estimate", "ci_relative_width"},
	{"confidence interval too wide (", "ci_width"},
	{"review: few degrees of freedom", "df_below_min"},
	{"review: estimate is 0%", "estimate_0"},
	{"review: estimate is 100%", "estimate_100"},
	{"the complement is unreliable", "complement_unreliable"},
	{"reliable (NCHS 2017)", "reliable"},
	/* cv_bands */
	{"coefficient of variation undefined (no variance)", "cv_undefined"},
	{"review: coefficient of variation undefined (estimate is 0)", "cv_estimate_0"},
	{"coefficient of variation too large", "cv_above_max"},
	{"use with caution (CV", "cv_caution"},
	{"reliable (CV", "cv_reliable"},
	/* min_respondents */
	{"enough respondents (n >= ", "n_ok"},
	/* count_threshold */
	{"small count (", "small_count"},
	{"small complement in the total", "small_complement"},
	{"review: the whole total is in this cell", "group_disclosure"},
	{"zero count", "zero_count"},
	{"count above the threshold", "count_ok"},
	/* dominance, p_percent */
	{"too few contributors", "contributors_below_min"},
	{"dominance (", "dominance"},
	{"no dominance (", "no_dominance"},
	{"p% rule (p = ", "p_percent"},
	{"safe under the p% rule", "p_percent_safe"},
};

const char *
pub_reason_code(const char *reason_en)
{
	size_t		i;

	if (reason_en == NULL)
		return NULL;
	for (i = 0; i < sizeof(reason_codes) / sizeof(reason_codes[0]); i++)
		if (strncmp(reason_en, reason_codes[i].prefix, strlen(reason_codes[i].prefix)) == 0)
			return reason_codes[i].code;
	return NULL;
}
