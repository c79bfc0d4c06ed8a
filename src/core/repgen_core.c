/*
 * repgen_core.c - replicate weights from a stratified clustered design, as
 * R survey 4.1.1's as.svrepdesign() makes them (jk1weights, jknweights,
 * brrweights with hadamard() and paley(), bootweights, subbootweights).
 *
 * Notation: strata h = 0..H-1 in plan order with n_h PSUs; PSUs i numbered
 * globally; a_ir the factor of PSU i in replicate r; the replicate variance
 * of an estimate is V = scale * sum_r rscale_r (theta_r - theta_bar)^2.
 *
 *   jk1   one stratum of n PSUs, replicate r deletes PSU r:
 *         a_ir = 0 (i = r), n/(n-1) otherwise; scale (n-1)/n, rscales 1.
 *   jkn   one replicate per PSU, strata in order, PSUs in order: deleting
 *         PSU j of stratum h gives a = 0 on j, n_h/(n_h-1) on the other PSUs
 *         of h, 1 elsewhere; scale 1, rscale (n_h-1)/n_h.  A stratum with one
 *         PSU (R's survey.lonely.psu): fail; remove, certainty (no replicate,
 *         the PSU keeps 1); average (as remove, scale = PSUs / replicates);
 *         adjust (one replicate: 0 on the PSU, H/(H-1) on every other PSU,
 *         rscale (H-1)/H).
 *   brr   pseudo-strata of two half samples; replicate r (column r of R's
 *   fay   Hadamard matrix H_R, R = its size) gives a PSU of the half that
 *         row s of H_R selects 2 - rho, the other half rho; scale
 *         1/(R (1-rho)^2), rscales 1 (brrweights, below).
 *   bootstrap     n_h PSUs drawn with replacement in every stratum and
 *         replicate, a = times drawn; scale nbar/((nbar-1)(R-1)), nbar the
 *         harmonic mean of the n_h, rscales 1 (R's bootweights).
 *   subbootstrap  Rao-Wu rescaling bootstrap: n_h - 1 draws,
 *         a = times drawn * n_h/(n_h-1); scale 1/(R-1) (R's subbootweights).
 *
 * R draws the bootstraps with its own generator; here the draws come from a
 * counter-based generator (repgen_stream_key) that gives the same numbers on
 * every platform.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dd.h"
#include "guard_core.h"
#include "repgen_core.h"

/* ------------------------------------------------------------------------
 * Names and options
 * ------------------------------------------------------------------------
 */
static const char *const method_names[] = {
	NULL, "jk1", "jkn", "brr", "fay", "bootstrap", "subbootstrap"
};
static const char *const lonely_names[] = {"fail", "remove", "certainty", "average", "adjust"};
static const char *const small_names[] = {"fail", "split"};
static const char *const large_names[] = {"split", "merge", "fail"};

#define NELEM(a) ((int) (sizeof(a) / sizeof((a)[0])))

int
repgen_method_parse(const char *name)
{
	int			i;

	for (i = 1; i < NELEM(method_names); i++)
		if (strcmp(name, method_names[i]) == 0)
			return i;
	return -1;
}

const char *
repgen_method_name(int method)
{
	return method >= 1 && method < NELEM(method_names) ? method_names[method] : NULL;
}

const char *
repgen_lonely_name(int lonely)
{
	return lonely >= 0 && lonely < NELEM(lonely_names) ? lonely_names[lonely] : NULL;
}

const char *
repgen_small_name(int small)
{
	return small >= 0 && small < NELEM(small_names) ? small_names[small] : NULL;
}

const char *
repgen_large_name(int large)
{
	return large >= 0 && large < NELEM(large_names) ? large_names[large] : NULL;
}

static int
name_index(const char *const *names, int n, const char *value)
{
	int			i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], value) == 0)
			return i;
	return -1;
}

/* the options a method takes, as a phrase */
static const char *
method_options(int method)
{
	switch (method)
	{
		case REPGEN_JK1:
			return "no options";
		case REPGEN_JKN:
			return "the option lonely";
		case REPGEN_BRR:
			return "the options small and large";
		case REPGEN_FAY:
			return "the options rho, small and large";
		case REPGEN_BOOTSTRAP:
		case REPGEN_SUBBOOTSTRAP:
			return "the options replicates and seed";
	}
	return "no options";
}

enum
{
	OPT_RHO, OPT_LONELY, OPT_SMALL, OPT_LARGE, OPT_REPLICATES, OPT_SEED, NOPTS
};
static const char *const option_names[NOPTS] = {
	"rho", "lonely", "small", "large", "replicates", "seed"
};

static bool
option_applies(int method, int opt)
{
	switch (opt)
	{
		case OPT_RHO:
			return method == REPGEN_FAY;
		case OPT_LONELY:
			return method == REPGEN_JKN;
		case OPT_SMALL:
		case OPT_LARGE:
			return method == REPGEN_BRR || method == REPGEN_FAY;
		case OPT_REPLICATES:
		case OPT_SEED:
			return method == REPGEN_BOOTSTRAP || method == REPGEN_SUBBOOTSTRAP;
	}
	return false;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* set one option from its value text; false with a sentence in err */
static bool
set_option(RepgenSpec *spec, int opt, const char *v, char *err, size_t errlen)
{
	char	   *end;
	int			k;

	switch (opt)
	{
		case OPT_RHO:
			{
				double		rho;

				errno = 0;
				rho = strtod(v, &end);
				/* a subnormal rho is a value (strtod flags it with ERANGE) */
				if (errno == ERANGE && rho != 0.0 && fabs(rho) < DBL_MIN)
					errno = 0;
				if (end == v || *end != '\0' || errno != 0 || !(rho >= 0.0 && rho < 1.0))
				{
					snprintf(err, errlen, "Option rho must be a number at least 0 and less than 1; it is \"%.40s\".", v);
					return false;
				}
				spec->rho = rho + 0.0;	/* no negative zero */
				return true;
			}
		case OPT_REPLICATES:
			{
				long		r;

				errno = 0;
				r = strtol(v, &end, 10);
				if (end == v || *end != '\0' || errno != 0 || r < 2 || r > REPGEN_MAX_REPLICATES)
				{
					snprintf(err, errlen, "Option replicates must be an integer from 2 to %d; it is \"%.40s\".",
							 REPGEN_MAX_REPLICATES, v);
					return false;
				}
				spec->replicates = (int32_t) r;
				return true;
			}
		case OPT_SEED:
			{
				long long	s;

				errno = 0;
				s = strtoll(v, &end, 10);
				if (end == v || *end != '\0' || errno != 0)
				{
					snprintf(err, errlen, "Option seed must be a 64-bit integer; it is \"%.40s\".", v);
					return false;
				}
				spec->seed = (int64_t) s;
				return true;
			}
		case OPT_LONELY:
			k = name_index(lonely_names, NELEM(lonely_names), v);
			if (k < 0)
			{
				snprintf(err, errlen, "Option lonely must be fail, remove, certainty, average or adjust; it is \"%.40s\".", v);
				return false;
			}
			spec->lonely = k;
			return true;
		case OPT_SMALL:
			if (strcmp(v, "merge") == 0)
			{
				snprintf(err, errlen, "%s",
						 "Option small=merge is not offered: R's brrweights(small = \"merge\") puts both "
						 "PSUs of a merged pair of strata on the same half sample, so the pair adds "
						 "nothing to the variance; give small=split or merge the strata in the data.");
				return false;
			}
			k = name_index(small_names, NELEM(small_names), v);
			if (k < 0)
			{
				snprintf(err, errlen, "Option small must be fail or split; it is \"%.40s\".", v);
				return false;
			}
			spec->small = k;
			return true;
		case OPT_LARGE:
			k = name_index(large_names, NELEM(large_names), v);
			if (k < 0)
			{
				snprintf(err, errlen, "Option large must be split, merge or fail; it is \"%.40s\".", v);
				return false;
			}
			spec->large = k;
			return true;
	}
	return false;
}

/*
 * Options: "key=value" items separated by commas and/or white space, white
 * space allowed around "=".  Every option may be given once; an option
 * that does not apply to the method is an error.
 */
bool
repgen_spec_parse(RepgenSpec *spec, const char *method, const char *options,
				  bool *unknown_method, char *err, size_t errlen)
{
	bool		seen[NOPTS] = {false};
	const char *p = options;
	char		key[32];
	char		value[128];

	memset(spec, 0, sizeof(*spec));
	*unknown_method = false;
	spec->method = repgen_method_parse(method);
	if (spec->method < 0)
	{
		*unknown_method = true;
		snprintf(err, errlen, "Valid methods are: jk1, jkn, brr, fay, bootstrap, subbootstrap.");
		return false;
	}
	if (spec->method == REPGEN_BOOTSTRAP || spec->method == REPGEN_SUBBOOTSTRAP)
		spec->replicates = REPGEN_DEFAULT_REPLICATES;

	while (p != NULL && *p != '\0')
	{
		size_t		len;
		int			opt;

		while (is_space(*p) || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (len = 0; (p[len] >= 'a' && p[len] <= 'z') || p[len] == '_'; len++)
			;
		if (len == 0 || len >= sizeof(key))
		{
			snprintf(err, errlen, "Expected an option name at \"%.20s\".", p);
			return false;
		}
		memcpy(key, p, len);
		key[len] = '\0';
		p += len;
		while (is_space(*p))
			p++;
		if (*p != '=')
		{
			snprintf(err, errlen, "Expected \"=\" after option \"%s\".", key);
			return false;
		}
		p++;
		while (is_space(*p))
			p++;
		for (len = 0; p[len] != '\0' && p[len] != ',' && !is_space(p[len]); len++)
			;
		if (len == 0)
		{
			snprintf(err, errlen, "Option \"%s\" has no value.", key);
			return false;
		}
		if (len >= sizeof(value))
		{
			snprintf(err, errlen, "The value of option \"%s\" is too long.", key);
			return false;
		}
		memcpy(value, p, len);
		value[len] = '\0';
		p += len;

		opt = name_index(option_names, NOPTS, key);
		if (opt < 0)
		{
			snprintf(err, errlen, "Unknown option \"%s\"; method %s takes %s.",
					 key, method, method_options(spec->method));
			return false;
		}
		if (!option_applies(spec->method, opt))
		{
			snprintf(err, errlen, "Option \"%s\" does not apply to method %s, which takes %s.",
					 key, method, method_options(spec->method));
			return false;
		}
		if (seen[opt])
		{
			snprintf(err, errlen, "Option \"%s\" is given twice.", key);
			return false;
		}
		seen[opt] = true;
		if (!set_option(spec, opt, value, err, errlen))
			return false;
	}
	if (spec->method == REPGEN_FAY && !seen[OPT_RHO])
	{
		snprintf(err, errlen, "Method fay needs the option rho, for example rho=0.5 (rho=0 is brr).");
		return false;
	}
	return true;
}

/* a spec from outside (stored plans): the values repgen_spec_parse makes */
const char *
repgen_spec_check(const RepgenSpec *s)
{
	bool		bs,
				brr;

	if (repgen_method_name(s->method) == NULL)
		return "The method is not known.";
	bs = s->method == REPGEN_BOOTSTRAP || s->method == REPGEN_SUBBOOTSTRAP;
	brr = s->method == REPGEN_BRR || s->method == REPGEN_FAY;
	if (s->method == REPGEN_JKN ? repgen_lonely_name(s->lonely) == NULL : s->lonely != 0)
		return "The lonely option is out of range or does not apply to the method.";
	if (brr ? repgen_small_name(s->small) == NULL : s->small != 0)
		return "The small option is out of range or does not apply to the method.";
	if (brr ? repgen_large_name(s->large) == NULL : s->large != 0)
		return "The large option is out of range or does not apply to the method.";
	if (bs ? (s->replicates < 2 || s->replicates > REPGEN_MAX_REPLICATES) : s->replicates != 0)
		return "The number of replicates is out of range or does not apply to the method.";
	if (!bs && s->seed != 0)
		return "A seed applies only to the bootstraps.";
	if (s->method == REPGEN_FAY ? !(s->rho >= 0.0 && s->rho < 1.0) : s->rho != 0.0)
		return "Rho is out of range or does not apply to the method.";
	if (signbit(s->rho))
		return "Rho must not be negative zero.";
	return NULL;
}

/* ------------------------------------------------------------------------
 * Checking a design against a method
 * ------------------------------------------------------------------------
 */

/* does stratum h with n PSUs cause problem p? */
static bool
stratum_flagged(RepgenProblem p, int32_t n)
{
	return (p == REPGEN_P_LONELY && n == 1) || (p == REPGEN_P_LARGE && n > 2) ||
		(p == REPGEN_P_ODD && n > 2 && n % 2 == 1);
}

/* "Stratum "a" has" / "Strata "a", "b", "c" and 3 more have" */
static void
list_strata(char *buf, size_t len, const RepgenDesign *d, RepgenProblem p)
{
	size_t		used;
	int32_t		h;
	int			count = 0,
				shown = 0;

	for (h = 0; h < d->nstrata; h++)
		count += stratum_flagged(p, d->npsu[h]);
	used = (size_t) snprintf(buf, len, "%s", count == 1 ? "Stratum " : "Strata ");
	for (h = 0; h < d->nstrata && shown < 3 && used < len; h++)
	{
		if (!stratum_flagged(p, d->npsu[h]))
			continue;
		used += (size_t) snprintf(buf + used, len - used, "%s\"%.40s\"",
								  shown == 0 ? "" : (shown == count - 1 ? " and " : ", "),
								  d->stratum_id[h]);
		shown++;
	}
	if (count > shown && used < len)
		used += (size_t) snprintf(buf + used, len - used, " and %d more", count - shown);
	if (used < len)
		snprintf(buf + used, len - used, " %s", count == 1 ? "has" : "have");
}

RepgenProblem
repgen_check(const RepgenSpec *spec, const RepgenDesign *d, char *detail, size_t len)
{
	int64_t		npsus = 0;
	int32_t		h,
				nlonely = 0,
				nlarge = 0,
				nodd = 0;
	char		names[200];
	RepgenProblem p = REPGEN_OK;

	detail[0] = '\0';
	if (d->nstrata < 1)
	{
		snprintf(detail, len, "The plan has no stratum.");
		return REPGEN_P_EMPTY;
	}
	for (h = 0; h < d->nstrata; h++)
	{
		npsus += d->npsu[h];
		nlonely += d->npsu[h] == 1;
		nlarge += d->npsu[h] > 2;
		nodd += d->npsu[h] > 2 && d->npsu[h] % 2 == 1;
	}
	if (spec->method == REPGEN_JK1 && d->nstrata > 1)
	{
		snprintf(detail, len, "The design has %d strata; jk1 deletes one PSU of an unstratified design, as R's as.svrepdesign(type = \"JK1\").",
				 (int) d->nstrata);
		return REPGEN_P_STRATIFIED;
	}
	if (npsus == 1)
	{
		snprintf(detail, len, "The design has a single PSU, in stratum \"%.40s\".", d->stratum_id[0]);
		return REPGEN_P_ONE_PSU;
	}

	/* which strata are the problem */
	switch (spec->method)
	{
		case REPGEN_JKN:
			if (nlonely > 0 && spec->lonely == REPGEN_LONELY_FAIL)
				p = REPGEN_P_LONELY;
			else if (nlonely == d->nstrata && spec->lonely != REPGEN_LONELY_ADJUST)
				p = REPGEN_P_ALL_LONELY;
			break;
		case REPGEN_BRR:
		case REPGEN_FAY:
			if (nlonely > 0 && spec->small == REPGEN_SMALL_FAIL)
				p = REPGEN_P_LONELY;
			else if (nlarge > 0 && spec->large == REPGEN_LARGE_FAIL)
				p = REPGEN_P_LARGE;
			else if (nodd > 0 && spec->large == REPGEN_LARGE_SPLIT)
				p = REPGEN_P_ODD;
			break;
		case REPGEN_BOOTSTRAP:
			if (nlonely == d->nstrata)
				p = REPGEN_P_ALL_LONELY;
			break;
		case REPGEN_SUBBOOTSTRAP:
			if (nlonely > 0)
				p = REPGEN_P_LONELY;
			break;
	}
	if (p == REPGEN_OK && (spec->method == REPGEN_BRR || spec->method == REPGEN_FAY))
	{
		int64_t		upto = 0;

		for (h = 0; h < d->nstrata; h++)
			upto += d->npsu[h] == 1 ? 1 :
				(d->npsu[h] > 2 && spec->large == REPGEN_LARGE_SPLIT) ? d->npsu[h] / 2 : 1;
		if (upto > REPGEN_MAX_PSEUDO_STRATA)
		{
			snprintf(detail, len, "The design has %lld half-sample pseudo-strata; at most %d are supported.",
					 (long long) upto, REPGEN_MAX_PSEUDO_STRATA);
			return REPGEN_P_TOO_MANY;
		}
	}
	if (p == REPGEN_OK)
		return p;
	if (p == REPGEN_P_ALL_LONELY)
	{
		snprintf(detail, len, "Each of the %d strata has a single PSU.", (int) d->nstrata);
		return p;
	}

	list_strata(names, sizeof(names), d, p);
	if (p == REPGEN_P_LONELY)
		snprintf(detail, len, "%s a single PSU.", names);
	else if (p == REPGEN_P_LARGE)
		snprintf(detail, len, "%s more than two PSUs.", names);
	else
		snprintf(detail, len, "%s an odd number of PSUs above two, which cannot be split into pairs.", names);
	return p;
}

const char *
repgen_problem_message(RepgenProblem p)
{
	switch (p)
	{
		case REPGEN_OK:
			return "no problem";
		case REPGEN_P_EMPTY:
			return "the design has no PSU";
		case REPGEN_P_STRATIFIED:
			return "the design is stratified";
		case REPGEN_P_ONE_PSU:
			return "the design has a single PSU";
		case REPGEN_P_LONELY:
			return "a stratum has a single PSU";
		case REPGEN_P_LARGE:
			return "a stratum has more than two PSUs";
		case REPGEN_P_ODD:
			return "a stratum has an odd number of PSUs";
		case REPGEN_P_ALL_LONELY:
			return "every stratum has a single PSU";
		case REPGEN_P_TOO_MANY:
			return "too many strata for a Hadamard matrix";
	}
	return "unknown problem";
}

const char *
repgen_problem_hint(RepgenProblem p, const RepgenSpec *spec)
{
	switch (p)
	{
		case REPGEN_P_STRATIFIED:
			return "Use method jkn, or give every row the same stratum.";
		case REPGEN_P_LONELY:
			if (spec->method == REPGEN_JKN)
				return "Merge the stratum with a similar one, or give the option lonely=remove, certainty, average or adjust.";
			if (spec->method == REPGEN_SUBBOOTSTRAP)
				return "Merge the stratum with a similar one, or use method bootstrap.";
			return "Merge the stratum with a similar one, or give the option small=split (its PSU then keeps factor 1).";
		case REPGEN_P_LARGE:
			return "Give the option large=split (pairs) or large=merge (two half samples).";
		case REPGEN_P_ODD:
			return "Give the option large=merge to use two half samples of unequal size, as R's brrweights(large = \"merge\").";
		case REPGEN_P_ALL_LONELY:
		case REPGEN_P_ONE_PSU:
			return "Merge strata so that at least one has two or more PSUs.";
		case REPGEN_P_TOO_MANY:
			return "Merge strata, or use method jkn or bootstrap.";
		default:
			return NULL;
	}
}

/* ------------------------------------------------------------------------
 * Hadamard matrices: a port of survey:::hadamard(n) and survey:::paley().
 *
 * hadamard(n) returns a 0/1 Hadamard matrix with more than n rows: one of
 * the four matrices the package stores (sizes 4, 16, 28, 36; copied below
 * from survey:::hadamard.list) when its size is at most 4 above
 * m = n - n %% 4; otherwise the smallest stored size doubled to at least
 * n + 1 rows (hadamard.doubler: [H H; H 1-H]), unless that is more than 4
 * above n and paley(n, that size) finds a Paley matrix, which is then used.
 * paley(n, nmax): with nceil = n + 4 - n %% 4, if n %% 8 >= 4 and the odd
 * part nn of nceil (halved while divisible by 8) is a prime + 1, the Paley
 * matrix of that prime doubled up to nceil; else the Paley matrix of the
 * smallest prime p >= n with p %% 4 == 3 (R's small.primes: all such primes
 * up to 7919), unless p + 1 > nceil + 4 and nceil + 4 < nmax (then
 * paley(nceil + 3)) or p > nmax (none).  The Paley matrix of p has a first
 * row and column of 1 and entry (i, j) = 0 when (i + j) mod p is 0 or a
 * quadratic residue, 1 otherwise (i, j = 0..p-1).
 * ------------------------------------------------------------------------
 */
static const char *const hadamard_4[4] = {
	"1111",
	"1010",
	"1100",
	"1001"

};

static const char *const hadamard_16[16] = {
	"1111111111111111",
	"1010101010101010",
	"1100110011001100",
	"1001100110011001",
	"1111000011110000",
	"1010010110100101",
	"1100001111000011",
	"1001011010010110",
	"1111111100000000",
	"1010101001010101",
	"1100110000110011",
	"1001100101100110",
	"1111000000001111",
	"1010010101011010",
	"1100001100111100",
	"1001011001101001"

};

static const char *const hadamard_28[28] = {
	"1111111111111111111111111111",
	"1001110001110001110001111000",
	"1000001111001101001101111000",
	"1000001110110010111001100110",
	"1001101000001111100011010110",
	"1001010100101100010110101110",
	"1000110011010010001110011110",
	"0101100010101010011111110000",
	"0100010110110101100111010100",
	"0100011011001011110010101100",
	"0101011000010111011101001010",
	"0100101101100100111010011010",
	"0101100101011001101100100110",
	"0010110100011110101011101000",
	"0011011001100110101100110100",
	"0010101100111011010100011100",
	"0011000111010111010010110010",
	"0011001011111000100111001010",
	"0010110011101101011001000110",
	"1110101001010100010111100100",
	"1111000101100011001011001100",
	"1111000010011100111000011100",
	"1110010101001010110101010010",
	"1110011000111001001010110010",
	"1110100010100111100100101010",
	"1101111111111110000000000000",
	"1011111110000001111110000000",
	"0111111110000000000001111110"

};

static const char *const hadamard_36[36] = {
	"111111111111111111111111111111111111",
	"010111000111110111001000010101100100",
	"101110001111101110010000101011001000",
	"011100011111011100100001010110010010",
	"111000111110111001000010101100100100",
	"110001111101110010000101011001001010",
	"100011111011100100001010110010010110",
	"000111110111001000010101100100101110",
	"001111101110010000101011001001011100",
	"011111011100100001010110010010111000",
	"111110111001000010101100100101110000",
	"111101110010000101011001001011100010",
	"111011100100001010110010010111000110",
	"110111001000010101100100101110001110",
	"101110010000101011001001011100011110",
	"011100100001010110010010111000111110",
	"111001000010101100100101110001111100",
	"110010000101011001001011100011111010",
	"100100001010110010010111000111110110",
	"001000010101100100101110001111101110",
	"010000101011001001011100011111011100",
	"100001010110010010111000111110111000",
	"000010101100100101110001111101110010",
	"000101011001001011100011111011100100",
	"001010110010010111000111110111001000",
	"010101100100101110001111101110010000",
	"101011001001011100011111011100100000",
	"010110010010111000111110111001000010",
	"101100100101110001111101110010000100",
	"011001001011100011111011100100001010",
	"110010010111000111110111001000010100",
	"100100101110001111101110010000101010",
	"001001011100011111011100100001010110",
	"010010111000111110111001000010101100",
	"100101110001111101110010000101011000",
	"001011100011111011100100001010110010"

};


static const char *const *const hadamard_stored[4] = {hadamard_4, hadamard_16, hadamard_28, hadamard_36};
static const int32_t hadamard_sizes[4] = {4, 16, 28, 36};

#define PALEY_MAX_PRIME 7919

/* a base matrix (stored k, or the Paley matrix of a prime), doubled d times */
typedef struct HadamardRecipe
{
	int32_t		stored;			/* index into hadamard_stored, or -1 */
	int32_t		prime;			/* Paley prime when stored < 0 */
	int32_t		doublings;
} HadamardRecipe;

static bool
is_prime(int64_t x)
{
	int64_t		k;

	if (x < 2)
		return false;
	for (k = 2; k * k <= x; k++)
		if (x % k == 0)
			return false;
	return true;
}

/* a member of R's small.primes: a prime p = 3 mod 4, 3 <= p <= 7919 */
static bool
is_small_prime(int64_t x)
{
	return x >= 3 && x <= PALEY_MAX_PRIME && x % 4 == 3 && is_prime(x);
}

static bool
paley_recipe(int64_t n, int64_t nmax, HadamardRecipe *r)
{
	int64_t		nceil = n + 4 - n % 4;
	int64_t		nn = nceil;
	int64_t		p;

	if (n % 4 + 4 == n % 8)
	{
		while (nn % 8 == 0)
			nn /= 2;
		if (is_small_prime(nn - 1))
		{
			r->stored = -1;
			r->prime = (int32_t) (nn - 1);
			r->doublings = 0;
			while (nn < nceil)
			{
				nn *= 2;
				r->doublings++;
			}
			return true;
		}
	}
	if (n > PALEY_MAX_PRIME)
		return false;
	for (p = n; !is_small_prime(p); p++)
		;
	if (p + 1 > nceil + 4 && nceil + 4 < nmax)
		return paley_recipe(nceil + 3, 2 * (nceil + 3), r);
	if (p > nmax)
		return false;
	r->stored = -1;
	r->prime = (int32_t) p;
	r->doublings = 0;
	return true;
}

static void
hadamard_recipe(int32_t n, HadamardRecipe *r)
{
	int32_t		m = n - n % 4;
	int64_t		sizes[4];
	int32_t		e[4];
	int			k,
				best = 0;

	for (k = 0; k < 4; k++)
		if (m < hadamard_sizes[k] && m + 4 >= hadamard_sizes[k])
		{
			r->stored = k;
			r->prime = 0;
			r->doublings = 0;
			return;
		}
	if (m < hadamard_sizes[0])
	{
		r->stored = 0;
		r->prime = 0;
		r->doublings = 0;
		return;
	}
	/* sizes * 2^pmax(0, ceiling(log2((n + 1) / sizes))), in integers */
	for (k = 0; k < 4; k++)
	{
		e[k] = 0;
		sizes[k] = hadamard_sizes[k];
		while (sizes[k] < (int64_t) n + 1)
		{
			sizes[k] *= 2;
			e[k]++;
		}
		if (sizes[k] - n < sizes[best] - n)
			best = k;
	}
	if (sizes[best] - n > 4 && paley_recipe(n, sizes[best], r))
		return;
	r->stored = best;
	r->prime = 0;
	r->doublings = e[best];
}

static int32_t
recipe_size(const HadamardRecipe *r)
{
	int32_t		base = r->stored >= 0 ? hadamard_sizes[r->stored] : r->prime + 1;

	return base << r->doublings;
}

int32_t
repgen_hadamard_size(int32_t n)
{
	HadamardRecipe r;

	hadamard_recipe(n, &r);
	return recipe_size(&r);
}

/* the matrix, row-major size x size; residue is scratch of prime bytes */
static void
hadamard_fill(const HadamardRecipe *r, uint8_t *out, uint8_t *residue)
{
	int32_t		size = recipe_size(r);
	int32_t		s,
				i,
				j,
				d;

	if (r->stored >= 0)
	{
		s = hadamard_sizes[r->stored];
		for (i = 0; i < s; i++)
			for (j = 0; j < s; j++)
				out[(size_t) i * size + j] = hadamard_stored[r->stored][i][j] == '1';
	}
	else
	{
		int32_t		p = r->prime;
		int64_t		k;

		memset(residue, 0, (size_t) p);
		residue[0] = 1;
		for (k = 1; k <= (p - 1) / 2; k++)
			residue[(k * k) % p] = 1;
		s = p + 1;
		for (j = 0; j < s; j++)
			out[j] = 1;
		for (i = 0; i < p; i++)
		{
			uint8_t    *row = out + (size_t) (i + 1) * size;

			if ((i & 255) == 0)
				core_check_interrupts();
			row[0] = 1;
			for (j = 0; j < p; j++)
				row[j + 1] = residue[(i + j) % p] ? 0 : 1;
		}
	}
	/* hadamard.doubler: rbind(cbind(H, H), cbind(H, 1 - H)) */
	for (d = 0; d < r->doublings; d++, s *= 2)
		for (i = 0; i < s; i++)
		{
			uint8_t    *top = out + (size_t) i * size;
			uint8_t    *bottom = out + (size_t) (i + s) * size;

			if ((i & 255) == 0)
				core_check_interrupts();
			for (j = 0; j < s; j++)
			{
				top[j + s] = top[j];
				bottom[j] = top[j];
				bottom[j + s] = 1 - top[j];
			}
		}
}

void
repgen_hadamard_build(int32_t n, uint8_t *out, RepgenAlloc alloc, void *ctx)
{
	HadamardRecipe r;

	hadamard_recipe(n, &r);
	hadamard_fill(&r, out, r.stored >= 0 ? NULL : (uint8_t *) alloc(ctx, (size_t) r.prime));
}

/* ------------------------------------------------------------------------
 * The generator of the bootstraps.
 *
 * mix64 is the SplitMix64 finaliser (Steele, Lea and Flood 2014).  The
 * draws of stratum h (0-based, plan order) in replicate r (0-based) come
 * from the stream of 64-bit words
 *     key   = mix64(mix64(mix64(seed) + G (h + 1)) + G (r + 1))
 *     word_i = mix64(key + G i),  i = 1, 2, ...
 * with G = 0x9e3779b97f4a7c15, all arithmetic modulo 2^64.  A PSU index
 * below n comes from Lemire's multiply-and-reject method (unbiased): the high
 * 64 bits of word * n, drawing the next word while the low 64 bits are below
 * 2^64 mod n.  Integer arithmetic only, so every platform gives the same
 * draws.
 * ------------------------------------------------------------------------
 */
#define GOLDEN UINT64_C(0x9e3779b97f4a7c15)

uint64_t
repgen_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
repgen_stream_key(int64_t seed, int32_t stratum, int32_t replicate)
{
	uint64_t	k = repgen_mix64((uint64_t) seed);

	k = repgen_mix64(k + GOLDEN * ((uint64_t) stratum + 1));
	return repgen_mix64(k + GOLDEN * ((uint64_t) replicate + 1));
}

/* high and low 64 bits of x * n, n < 2^32, without 128-bit integers */
static void
mul_64_32(uint64_t x, uint32_t n, uint64_t *hi, uint64_t *lo)
{
	uint64_t	a = (x & UINT64_C(0xffffffff)) * n;
	uint64_t	b = (x >> 32) * n;
	uint64_t	mid = (b & UINT64_C(0xffffffff)) + (a >> 32);

	*lo = (mid << 32) | (a & UINT64_C(0xffffffff));
	*hi = (b >> 32) + (mid >> 32);
}

uint32_t
repgen_uniform_below(uint64_t key, uint64_t *counter, uint32_t n)
{
	uint64_t	hi,
				lo;

	mul_64_32(repgen_mix64(key + GOLDEN * ++(*counter)), n, &hi, &lo);
	if (lo < n)
	{
		uint64_t	t = (UINT64_C(0) - n) % n;

		while (lo < t)
			mul_64_32(repgen_mix64(key + GOLDEN * ++(*counter)), n, &hi, &lo);
	}
	return (uint32_t) hi;
}

/* ------------------------------------------------------------------------
 * Rank over GF(p), p = 2^31 - 1: R's degf is qr(analysis weights)$rank - 1;
 * the bootstrap factors are integer counts (times n_h/(n_h-1) per stratum,
 * which does not change the rank), so an exact rank modulo a large prime is
 * used instead of a floating-point tolerance.
 * ------------------------------------------------------------------------
 */
#define RANK_P INT64_C(2147483647)

static int64_t
pow_mod(int64_t a, int64_t e)
{
	int64_t		r = 1;

	a %= RANK_P;
	while (e > 0)
	{
		if (e & 1)
			r = r * a % RANK_P;
		a = a * a % RANK_P;
		e >>= 1;
	}
	return r;
}

int32_t
repgen_rank_mod_p(const int32_t *m, int32_t rows, int32_t cols, RepgenAlloc alloc, void *ctx)
{
	int64_t    *a = (int64_t *) alloc(ctx, sizeof(int64_t) * (size_t) rows * (size_t) cols);
	int32_t		rank = 0,
				i,
				j,
				c;

	for (i = 0; i < rows; i++)
		for (j = 0; j < cols; j++)
		{
			int64_t		v = m[(size_t) i * cols + j] % RANK_P;

			a[(size_t) i * cols + j] = v < 0 ? v + RANK_P : v;
		}
	for (c = 0; c < cols && rank < rows; c++)
	{
		int32_t		piv = -1;
		int64_t		inv;

		for (i = rank; i < rows; i++)
			if (a[(size_t) i * cols + c] != 0)
			{
				piv = i;
				break;
			}
		if (piv < 0)
			continue;
		if (piv != rank)
			for (j = c; j < cols; j++)
			{
				int64_t		t = a[(size_t) piv * cols + j];

				a[(size_t) piv * cols + j] = a[(size_t) rank * cols + j];
				a[(size_t) rank * cols + j] = t;
			}
		inv = pow_mod(a[(size_t) rank * cols + c], RANK_P - 2);
		for (i = rank + 1; i < rows; i++)
		{
			int64_t		f = a[(size_t) i * cols + c] * inv % RANK_P;

			core_check_interrupts();
			if (f == 0)
				continue;
			for (j = c; j < cols; j++)
			{
				int64_t		v = (a[(size_t) i * cols + j] - f * a[(size_t) rank * cols + j]) % RANK_P;

				a[(size_t) i * cols + j] = v < 0 ? v + RANK_P : v;
			}
		}
		rank++;
	}
	return rank;
}

/* ------------------------------------------------------------------------
 * The replicates
 * ------------------------------------------------------------------------
 */
typedef struct StratumRef
{
	const char *id;
	int32_t		h;
} StratumRef;

static int
cmp_stratum_ref(const void *a, const void *b)
{
	return strcmp(((const StratumRef *) a)->id, ((const StratumRef *) b)->id);
}

/*
 * brrweights(): pseudo-strata (rows of the Hadamard matrix, from 1) and the
 * half of every PSU.  R numbers the pseudo-strata in this order: lonely PSUs
 * (small = "split", weights 0.5/0.5, in order of appearance), then strata
 * of more than two PSUs, then strata of two, both in the order of the
 * stratum ids as text (R sorts as.character(strata); byte order here, R's
 * order under LC_COLLATE=C).  Within a stratum the PSUs keep their order:
 * large = "split" pairs PSUs 1-2, 3-4, ... (odd counts are an error);
 * large = "merge" puts the first floor(n/2) PSUs in one half sample and the
 * rest in the other, one pseudo-stratum per stratum; in a pair the first PSU
 * has weights (0, 1) and the second (1, 0).
 */
static void
brr_assign(Repgen *g, const RepgenDesign *d, RepgenAlloc alloc, void *ctx)
{
	StratumRef *order = (StratumRef *) alloc(ctx, sizeof(StratumRef) * (size_t) d->nstrata);
	int32_t		h,
				k,
				j,
				nlarge = 0,
				ngood = 0;

	/* ids are unique, so the order is total */
	for (h = 0; h < d->nstrata; h++)
	{
		order[h].id = d->stratum_id[h];
		order[h].h = h;
	}
	qsort(order, (size_t) d->nstrata, sizeof(StratumRef), cmp_stratum_ref);

	g->pseudo = (int32_t *) alloc(ctx, sizeof(int32_t) * (size_t) g->npsus);
	g->half = (uint8_t *) alloc(ctx, (size_t) g->npsus);
	g->upto = 0;
	for (h = 0; h < d->nstrata; h++)
		if (d->npsu[h] == 1)
		{
			g->pseudo[g->first[h]] = ++g->upto;
			g->half[g->first[h]] = 2;
			g->nsplit_small++;
		}
	for (k = 0; k < d->nstrata; k++)
	{
		int32_t		n;

		h = order[k].h;
		n = d->npsu[h];
		if (n <= 2)
			continue;
		nlarge++;
		for (j = 0; j < n; j++)
		{
			int32_t		i = g->first[h] + j;

			if (g->spec.large == REPGEN_LARGE_SPLIT)
			{
				g->half[i] = (uint8_t) (j % 2);
				g->pseudo[i] = g->upto + 1 + j / 2;
			}
			else
			{
				g->half[i] = j < n / 2 ? 0 : 1;
				g->pseudo[i] = g->upto + nlarge;
			}
		}
		if (g->spec.large == REPGEN_LARGE_SPLIT)
			g->upto += n / 2;
	}
	if (g->spec.large != REPGEN_LARGE_SPLIT)
		g->upto += nlarge;
	for (k = 0; k < d->nstrata; k++)
	{
		h = order[k].h;
		if (d->npsu[h] != 2)
			continue;
		ngood++;
		g->half[g->first[h]] = 0;
		g->half[g->first[h] + 1] = 1;
		g->pseudo[g->first[h]] = g->pseudo[g->first[h] + 1] = g->upto + ngood;
	}
	g->upto += ngood;
	g->hadamard_size = repgen_hadamard_size(g->upto);
}

/*
 * The summary of a checked design: replicates, scale, rscales, and what the
 * factors need (everything but the Hadamard rows and the bootstrap draws).
 */
Repgen *
repgen_new(const RepgenSpec *spec, const RepgenDesign *d, RepgenAlloc alloc, void *ctx)
{
	Repgen	   *g = (Repgen *) alloc(ctx, sizeof(Repgen));
	int32_t		h,
				i,
				r;

	g->spec = *spec;
	g->nstrata = d->nstrata;
	g->npsu = d->npsu;
	g->first = (int32_t *) alloc(ctx, sizeof(int32_t) * ((size_t) d->nstrata + 1));
	for (h = 0; h < d->nstrata; h++)
		g->first[h + 1] = g->first[h] + d->npsu[h];
	g->npsus = g->first[d->nstrata];
	g->stratum_of = (int32_t *) alloc(ctx, sizeof(int32_t) * (size_t) g->npsus);
	for (h = 0; h < d->nstrata; h++)
		for (i = g->first[h]; i < g->first[h + 1]; i++)
			g->stratum_of[i] = h;

	switch (spec->method)
	{
		case REPGEN_JK1:
			/* jk1weights: scale fpc (n-1)/n, fpc = 1 */
			g->nreps = g->npsus;
			g->scale = (double) (g->npsus - 1) / (double) g->npsus;
			break;
		case REPGEN_JKN:
			g->block = (int32_t *) alloc(ctx, sizeof(int32_t) * (size_t) d->nstrata);
			g->adjust = (int32_t *) alloc(ctx, sizeof(int32_t) * (size_t) d->nstrata);
			g->adjust_factor = (double) d->nstrata / (double) (d->nstrata - 1);
			for (h = 0; h < d->nstrata; h++)
			{
				g->block[h] = g->adjust[h] = -1;
				if (d->npsu[h] > 1)
				{
					g->block[h] = g->nreps;
					g->nreps += d->npsu[h];
				}
				else if (spec->lonely == REPGEN_LONELY_ADJUST)
					g->adjust[h] = g->nreps++;
			}
			/* jknweights: lonely.psu = "average" scales by PSUs / replicates */
			g->scale = 1.0;
			if (g->nreps < g->npsus && spec->lonely == REPGEN_LONELY_AVERAGE)
				g->scale = 1.0 * g->npsus / g->nreps;
			break;
		case REPGEN_BRR:
		case REPGEN_FAY:
			brr_assign(g, d, alloc, ctx);
			g->nreps = g->hadamard_size;
			/* as.svrepdesign: 1/(ncol * (1 - rho)^2) */
			g->scale = 1.0 / (g->nreps * ((1.0 - spec->rho) * (1.0 - spec->rho)));
			break;
		case REPGEN_BOOTSTRAP:
			{
				/* bootweights: nbar = 1/mean(1/n_h), the mean in compensated sums */
				dd_t		s = dd_from_double(0.0);
				double		nbar;

				for (h = 0; h < d->nstrata; h++)
					s = dd_add(s, dd_div(dd_from_double(1.0), dd_from_double((double) d->npsu[h])));
				nbar = 1.0 / dd_to_double(dd_div(s, dd_from_double((double) d->nstrata)));
				g->nreps = spec->replicates;
				g->scale = nbar / ((nbar - 1.0) * (spec->replicates - 1));
				break;
			}
		case REPGEN_SUBBOOTSTRAP:
			g->nreps = spec->replicates;
			g->scale = 1.0 / (spec->replicates - 1);
			break;
	}

	g->rscales = (double *) alloc(ctx, sizeof(double) * (size_t) g->nreps);
	for (r = 0; r < g->nreps; r++)
		g->rscales[r] = 1.0;
	if (spec->method == REPGEN_JKN)
		for (h = 0; h < d->nstrata; h++)
		{
			/* jk1weights within the stratum: fpc (n_h-1)/n_h */
			for (r = 0; g->block[h] >= 0 && r < d->npsu[h]; r++)
				g->rscales[g->block[h] + r] = (double) (d->npsu[h] - 1) / (double) d->npsu[h];
			if (g->adjust[h] >= 0)
				g->rscales[g->adjust[h]] = (double) (d->nstrata - 1) / (double) d->nstrata;
		}
	return g;
}

/* the Hadamard rows (brr, fay) or the bootstrap draws */
void
repgen_prepare(Repgen *g, RepgenAlloc alloc, void *ctx)
{
	int32_t		h,
				r;

	if (g->prepared)
		return;
	if (g->spec.method == REPGEN_BRR || g->spec.method == REPGEN_FAY)
	{
		size_t		size = (size_t) g->hadamard_size;
		uint8_t    *full = (uint8_t *) alloc(ctx, size * size);

		repgen_hadamard_build(g->upto, full, alloc, ctx);
		/* rows 0..upto are all replicates need; the rest is left to the context */
		g->hadamard = full;
	}
	else if (g->spec.method == REPGEN_BOOTSTRAP || g->spec.method == REPGEN_SUBBOOTSTRAP)
	{
		g->counts = (int32_t *) alloc(ctx, sizeof(int32_t) * (size_t) g->npsus * (size_t) g->nreps);
		for (h = 0; h < g->nstrata; h++)
		{
			uint32_t	n = (uint32_t) g->npsu[h];
			uint32_t	draws = g->spec.method == REPGEN_BOOTSTRAP ? n : n - 1;

			for (r = 0; r < g->nreps; r++)
			{
				uint64_t	key = repgen_stream_key(g->spec.seed, h, r);
				uint64_t	counter = 0;
				uint32_t	k;

				core_check_interrupts();
				for (k = 0; k < draws; k++)
				{
					uint32_t	j = repgen_uniform_below(key, &counter, n);

					g->counts[(size_t) (g->first[h] + (int32_t) j) * g->nreps + r]++;
				}
			}
		}
	}
	g->prepared = true;
}

void
repgen_factors(const Repgen *g, int32_t psu, double *out)
{
	int32_t		h = g->stratum_of[psu];
	int32_t		r,
				k;

	switch (g->spec.method)
	{
		case REPGEN_JK1:
			{
				/* jk1weights: matrix(n/(n-1), n, n) with a zero diagonal */
				double		a = (double) g->npsus / (double) (g->npsus - 1);

				for (r = 0; r < g->nreps; r++)
					out[r] = r == psu ? 0.0 : a;
				break;
			}
		case REPGEN_JKN:
			for (r = 0; r < g->nreps; r++)
				out[r] = 1.0;
			if (g->block[h] >= 0)
			{
				int32_t		n = g->npsu[h];
				double		a = (double) n / (double) (n - 1);

				for (k = 0; k < n; k++)
					out[g->block[h] + k] = g->first[h] + k == psu ? 0.0 : a;
			}
			for (k = 0; k < g->nstrata; k++)
				if (g->adjust[k] >= 0)
					out[g->adjust[k]] = k == h ? 0.0 : g->adjust_factor;
			break;
		case REPGEN_BRR:
		case REPGEN_FAY:
			{
				/* brrweights' sampler: wa (2 - rho) + wb rho */
				static const double halves[3][2] = {{0.0, 1.0}, {1.0, 0.0}, {0.5, 0.5}};
				const double *w = halves[g->half[psu]];
				const uint8_t *row = g->hadamard + (size_t) g->pseudo[psu] * g->hadamard_size;
				double		rho = g->spec.rho;

				for (r = 0; r < g->nreps; r++)
				{
					int			col = row[r];	/* R's col - 1 */

					out[r] = w[col] * (2.0 - rho) + w[1 - col] * rho;
				}
				break;
			}
		case REPGEN_BOOTSTRAP:
			for (r = 0; r < g->nreps; r++)
				out[r] = (double) g->counts[(size_t) psu * g->nreps + r];
			break;
		case REPGEN_SUBBOOTSTRAP:
			{
				/* subbootstratum: table(draws) * n / (n - 1) */
				double		n = (double) g->npsu[h];

				for (r = 0; r < g->nreps; r++)
					out[r] = (double) g->counts[(size_t) psu * g->nreps + r] * n / (n - 1.0);
				break;
			}
	}
}

/*
 * R's degf(): rank of the replicate weights - 1.  Closed forms (checked
 * against a numeric rank in the unit tests and against R in the fixtures):
 * jk1 n - 1; jkn PSUs - strata, plus one per lonely stratum with
 * lonely=adjust (PSUs - 1 when every stratum is lonely); brr and fay the
 * pseudo-strata that have two half samples (rows of a Hadamard matrix are
 * independent of its first row, which is constant); bootstraps the rank of
 * the draws - 1.
 */
double
repgen_df(const Repgen *g, RepgenAlloc alloc, void *ctx)
{
	int32_t		h,
				nlonely = 0;

	switch (g->spec.method)
	{
		case REPGEN_JK1:
			return g->npsus - 1;
		case REPGEN_JKN:
			for (h = 0; h < g->nstrata; h++)
				nlonely += g->npsu[h] == 1;
			if (g->spec.lonely != REPGEN_LONELY_ADJUST)
				return g->npsus - g->nstrata;
			if (nlonely == g->nstrata)
				return g->npsus - 1;
			return g->npsus - g->nstrata + nlonely;
		case REPGEN_BRR:
		case REPGEN_FAY:
			return g->upto - g->nsplit_small;
		case REPGEN_BOOTSTRAP:
		case REPGEN_SUBBOOTSTRAP:
			if (!g->prepared)
				return NAN;
			return repgen_rank_mod_p(g->counts, g->npsus, g->nreps, alloc, ctx) - 1;
	}
	return NAN;
}
