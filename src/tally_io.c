/*
 * tally_io.c - text and binary forms of barometer.tally.
 *
 * Text (version 3), one line:
 *
 *   v3 proportion n=5 missing=1 positive=5 true=3 sw=12.5:0 swy=...
 *      swyy=... sww=... swwy=... swwyy=... design=weights
 *
 * (true=: a proportion's count of TRUE answers, or "unknown" for a value
 * stored before version 3; a mean or ratio has none.)
 *
 * followed, by design, by
 *   design=weights_domain sample=N
 *   design=cluster lonely=P strata=K psus=M ssus=0; s ID n_psu popsize; ...;
 *      p STRATUM# ID n_dom n_pos a b; ...
 *   design=cluster2 ... ; p STRATUM# ID n_dom n_pos a b n_ssu popsize2; ...;
 *      q PSU# ID n_dom a b; ...
 *   design=replicate method=M replicates=R scale=S rho=X mse=B df=D|default
 *      rscales=given|none rank=K|none; r rscale a b; ...; g G_ii ... G_iR; ...
 *      (rank: the qr rank of the domain's replicate weights, "none" when
 *      not tracked; when below R, R "g" records follow, row i of the upper
 *      triangle of their Gram matrix W'W from the diagonal on)
 *   design=stratified lonely=P strata=K; s ID n_stratum popsize n_dom n_pos
 *      a b ww wwy wwyy; ...   (a = sum w y, b = sum w, ww = sum w^2,
 *      wwy = sum w^2 y, wwyy = sum w^2 y^2 over the stratum's domain rows)
 *   design=cluster_sums lonely=P strata=K; the same records, over the
 *      stratum's PSUs with domain rows instead of rows: n_stratum = PSUs of
 *      the stratum, n_dom, n_pos = PSUs, a = sum A, b = sum B, ww = sum B^2,
 *      wwy = sum A B, wwyy = sum A^2 (A, B: a PSU's sum w y and sum w)
 * Each sum is written hi:lo, the two doubles of its compensated form, in the
 * shortest decimal that reads back to the same bits (subnormals and -0
 * included; stored.h); identifiers as i123 (integers) or t"text" (\" and
 * \\ escaped); popsize 0 means no fpc.  So text and binary round-trip
 * exactly.  Versions 1 (no design section) and 2 (no true=, no rank) are
 * still read: a proportion's count of TRUE answers is then unknown, and
 * the replicate rank not tracked (df R - 1, as they had).  Binary version
 * 3 adds int64 n_true (-1: unknown) after the positive row count, int32
 * rank (-1: none) after a replicate section's df, and the R(R+1)/2 float8
 * of the Gram matrix after the replicate records when the rank is below R.  Binary: the same
 * fields in the same order, integers and float8 in network order,
 * identifiers as int32 length + bytes (a stratified design: the header's
 * PSU and SSU counts are 0, and each stratum record carries its sums).  Both inputs check every count
 * against the input left and barometer.max_state_bytes before allocating,
 * and run the same check (tally_validate), which refuses what the other form
 * could not carry: identifiers with NUL bytes or invalid in the server
 * encoding, NaN other than the canonical "default" df, flags other than 0
 * and 1.  A later version or an unknown design kind (what a newer release
 * writes) is refused with a hint saying so, never read as something else:
 * the compatibility rule of tallies shipped between servers
 * (doc/across_servers.md).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "guard.h"
#include "rep_rank_core.h"
#include "stored.h"
#include "stratified_core.h"
#include "tally.h"

/*
 * The fewest bytes a record can take: text "; r 0 0:0 0:0", "; s i0 1 0",
 * "; p 0 i0 1 0 0:0 0:0", "; q 0 i0 1 0:0 0:0", a stratified stratum
 * "; s i0 1 0 1 0 0:0 0:0 0:0 0:0 0:0"; binary the fixed fields plus a
 * one-byte identifier.  Counts in a header are checked against them before
 * anything is allocated.
 */
#define TEXT_MIN_REP	14
#define TEXT_MIN_STRATUM 10
#define TEXT_MIN_PSU	20
#define TEXT_MIN_SSU	18
#define TEXT_MIN_STRAT_SUMS 34
#define BIN_MIN_REP		40
#define BIN_MIN_STRATUM 21
#define BIN_MIN_PSU		73
#define BIN_MIN_SSU		49
#define BIN_MIN_STRAT_SUMS 117
#define MAX_RECORDS		100000000

static const char *const sum_names[TALLY_NSUMS] = {
	"sw", "swy", "swyy", "sww", "swwy", "swwyy"
};

/* ---- text input ------------------------------------------------------- */

typedef struct Parser
{
	const char *p;
	const char *input;
} Parser;

static void pg_attribute_noreturn()
syntax_error(Parser *ps, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type barometer.tally: \"%s\"",
					stored_clip(ps->input, 200, true)),
			 errdetail("%s", detail)));
}

/*
 * A value in a form this build does not know: a later version of the stored
 * form, or a design kind added by a later release.  Such a value comes from
 * a newer barometer (another server, a dump); it is refused with a hint,
 * never read as something else.
 */
#define NEWER_HINT "The value was written by a newer release of barometer: read it on a server with that release or later (ALTER EXTENSION barometer UPDATE)."

static void pg_attribute_noreturn()
newer_error(Parser *ps, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type barometer.tally: \"%s\"",
					stored_clip(ps->input, 200, true)),
			 errdetail("%s", detail),
			 errhint(NEWER_HINT)));
}

/* expect the literal word at the cursor followed by a space, ';' or the end */
static void
expect_word(Parser *ps, const char *word)
{
	size_t		len = strlen(word);

	if (strncmp(ps->p, word, len) != 0 ||
		(ps->p[len] != ' ' && ps->p[len] != '\0' && ps->p[len] != ';'))
		syntax_error(ps, psprintf("Expected \"%s\" at \"%s\".", word, stored_clip(ps->p, 20, false)));
	ps->p += len;
}

static void
expect_space(Parser *ps)
{
	if (*ps->p != ' ')
		syntax_error(ps, psprintf("Expected a space at \"%s\".", stored_clip(ps->p, 20, false)));
	ps->p++;
}

/* expect " key=" */
static void
expect_key(Parser *ps, const char *key)
{
	size_t		len = strlen(key);

	if (*ps->p != ' ')
		syntax_error(ps, psprintf("Expected a space before \"%s=\".", key));
	ps->p++;
	if (strncmp(ps->p, key, len) != 0 || ps->p[len] != '=')
		syntax_error(ps, psprintf("Expected \"%s=\" at \"%s\".", key, stored_clip(ps->p, 20, false)));
	ps->p += len + 1;
}

static int64
read_count(Parser *ps, const char *what)
{
	const char *end;
	int64		v;

	switch (stored_read_int64(ps->p, &end, &v, false))
	{
		case STORED_NUM_OK:
			break;
		case STORED_NUM_RANGE:
			syntax_error(ps, psprintf("The value of \"%s\" is out of range.", what));
		default:
			syntax_error(ps, psprintf("The value of \"%s\" must be a non-negative integer.", what));
	}
	ps->p = end;
	return v;
}

/* a finite double (subnormals and -0 included) */
static double
read_double(Parser *ps, const char *what)
{
	const char *end;
	double		v;

	switch (stored_read_double(ps->p, &end, &v))
	{
		case STORED_NUM_OK:
			break;
		case STORED_NUM_RANGE:
			syntax_error(ps, psprintf("The value of \"%s\" is out of range.", what));
		default:
			if (*ps->p == '\0' || *ps->p == ' ' || *ps->p == ':' || *ps->p == ';')
				syntax_error(ps, psprintf("The value of \"%s\" is missing a number.", what));
			syntax_error(ps, psprintf("The value of \"%s\" must be a finite number.", what));
	}
	ps->p = end;
	return v;
}

static dd_t
read_dd(Parser *ps, const char *what)
{
	dd_t		x;

	x.hi = read_double(ps, what);
	if (*ps->p != ':')
		syntax_error(ps, psprintf("The value of \"%s\" must be written hi:lo.", what));
	ps->p++;
	x.lo = read_double(ps, what);
	return x;
}

/* an identifier i123 or t"text" into buf (tag byte first) */
static void
read_id(Parser *ps, StringInfo buf)
{
	resetStringInfo(buf);
	if (*ps->p == 'i')
	{
		const char *end;
		int64		v;
		int			i;

		ps->p++;
		if (stored_read_int64(ps->p, &end, &v, true) != STORED_NUM_OK)
			syntax_error(ps, "An integer identifier is malformed.");
		ps->p = end;
		appendStringInfoChar(buf, 'i');
		for (i = 7; i >= 0; i--)
			appendStringInfoChar(buf, (char) ((uint64) v >> (8 * i)));
		return;
	}
	if (ps->p[0] != 't' || ps->p[1] != '"')
		syntax_error(ps, psprintf("Expected an identifier (i123 or t\"text\") at \"%s\".", stored_clip(ps->p, 20, false)));
	ps->p += 2;
	appendStringInfoChar(buf, 't');
	for (;;)
	{
		if (*ps->p == '\0')
			syntax_error(ps, "A text identifier is not closed.");
		if (*ps->p == '"')
			break;
		if (*ps->p == '\\')
		{
			ps->p++;
			if (*ps->p != '"' && *ps->p != '\\')
				syntax_error(ps, "Only \\\" and \\\\ are escapes in a text identifier.");
		}
		appendStringInfoChar(buf, *ps->p);
		ps->p++;
	}
	ps->p++;
}

/* 22P02 unless the rest of the input can hold count records of min_len */
static void
check_text_count(Parser *ps, int64 count, int min_len, const char *what)
{
	if (count > (int64) (strlen(ps->p) / min_len))
		syntax_error(ps, psprintf("The value announces " INT64_FORMAT " %s, more than the rest of the text can hold.",
								  count, what));
}

/* "; " and the record letter */
static void
expect_record(Parser *ps, char letter)
{
	if (ps->p[0] != ';' || ps->p[1] != ' ' || ps->p[2] != letter || ps->p[3] != ' ')
		syntax_error(ps, psprintf("Expected a \"%c\" record at \"%s\".", letter, stored_clip(ps->p, 20, false)));
	ps->p += 4;
}

static uint32
checked_index(Parser *ps, int64 v, uint32 limit, const char *what)
{
	if (v >= limit)
		syntax_error(ps, psprintf("A record refers to %s " INT64_FORMAT ", but there are only %u.", what, v, limit));
	return (uint32) v;
}

static bool
read_bool(Parser *ps, const char *what)
{
	if (strncmp(ps->p, "true", 4) == 0)
	{
		ps->p += 4;
		return true;
	}
	if (strncmp(ps->p, "false", 5) == 0)
	{
		ps->p += 5;
		return false;
	}
	syntax_error(ps, psprintf("The value of \"%s\" must be true or false.", what));
}

static const char *
read_name(Parser *ps, char *buf, size_t size)
{
	size_t		n = 0;

	while (ps->p[n] != '\0' && ps->p[n] != ' ' && ps->p[n] != ';' && n < size - 1)
	{
		buf[n] = ps->p[n];
		n++;
	}
	buf[n] = '\0';
	ps->p += n;
	return buf;
}

/* the stratum records of a stratified design, each with its sums */
static void
read_stratified(Parser *ps, Design *d, int64 nstrata)
{
	StringInfoData id;
	int64		i;
	bool		created;

	if (nstrata > MAX_RECORDS)
		syntax_error(ps, "Too many strata.");
	check_text_count(ps, nstrata, TEXT_MIN_STRAT_SUMS, "strata");
	guard_array((uint64) nstrata, sizeof(StratumRec) + sizeof(StratSums),
				"the design of a barometer.tally");
	initStringInfo(&id);
	for (i = 0; i < nstrata; i++)
	{
		uint32		h;
		StratSums  *s;

		CHECK_FOR_INTERRUPTS();
		expect_record(ps, 's');
		read_id(ps, &id);
		h = stratified_stratum(d, id.data, id.len, &created);
		if (!created)
			syntax_error(ps, "A stratum is listed twice.");
		s = &d->sums[h];
		expect_space(ps);
		d->strata[h].n_psu = read_count(ps, "n_stratum");
		expect_space(ps);
		d->strata[h].popsize = read_double(ps, "popsize");
		expect_space(ps);
		s->n_dom = read_count(ps, "n_dom");
		expect_space(ps);
		s->n_pos = read_count(ps, "n_pos");
		expect_space(ps);
		s->a = read_dd(ps, "a");
		expect_space(ps);
		s->b = read_dd(ps, "b");
		expect_space(ps);
		s->ww = read_dd(ps, "ww");
		expect_space(ps);
		s->wwy = read_dd(ps, "wwy");
		expect_space(ps);
		s->wwyy = read_dd(ps, "wwyy");
	}
}

/* the design section of versions 2 and 3, into an accumulator */
static void
read_design(Parser *ps, TallyAcc *acc, int version)
{
	char		name[32];
	Design	   *d = &acc->design;
	StringInfoData id;
	int64		nstrata,
				npsu,
				nssu,
				i;
	int			v;
	bool		created;

	expect_key(ps, "design");
	read_name(ps, name, sizeof(name));
	for (v = 0; v <= DESIGN_CLUSTER_SUMS; v++)
		if (strcmp(name, design_kind_name(v)) == 0)
			break;
	if (v > DESIGN_CLUSTER_SUMS)
	{
		if (name[0] == '\0')
			syntax_error(ps, "The design must be weights, weights_domain, cluster, cluster2, replicate, stratified or cluster_sums.");
		newer_error(ps, psprintf("The design \"%s\" is not known; this build reads weights, weights_domain, cluster, cluster2, replicate, stratified and cluster_sums.",
								 name));
	}
	d->kind = v;
	if (v == DESIGN_WEIGHTS)
		return;
	if (v == DESIGN_WEIGHTS_DOMAIN)
	{
		expect_key(ps, "sample");
		d->n_sample = read_count(ps, "sample");
		return;
	}
	if (v == DESIGN_REPLICATE)
	{
		RepSpec		s;
		uint32		r;

		memset(&s, 0, sizeof(s));
		expect_key(ps, "method");
		s.method = rep_method_parse(read_name(ps, name, sizeof(name)));
		if (s.method < 0)
			syntax_error(ps, "The replication method is not known.");
		expect_key(ps, "replicates");
		i = read_count(ps, "replicates");
		if (i < 2 || i > TALLY_MAX_REPLICATES)
			syntax_error(ps, "The number of replicates must be between 2 and 100000.");
		check_text_count(ps, i, TEXT_MIN_REP, "replicates");
		guard_array((uint64) i, sizeof(double) + 2 * sizeof(dd_t), "the replicates of a barometer.tally");
		s.nrep = (uint32) i;
		expect_key(ps, "scale");
		s.scale = read_double(ps, "scale");
		expect_key(ps, "rho");
		s.rho = read_double(ps, "rho");
		expect_key(ps, "mse");
		s.mse = read_bool(ps, "mse");
		expect_key(ps, "df");
		if (strncmp(ps->p, "default", 7) == 0)
		{
			s.df = stored_nan();
			ps->p += 7;
		}
		else
			s.df = read_double(ps, "df");
		expect_key(ps, "rscales");
		read_name(ps, name, sizeof(name));
		if (strcmp(name, "given") == 0)
			s.has_rscales = 1;
		else if (strcmp(name, "none") != 0)
			syntax_error(ps, "The value of \"rscales\" must be given or none.");
		tally_acc_rep_alloc(acc, s.nrep);
		acc->rep.spec = s;
		acc->rep.rank_state = REP_RANK_NONE;
		acc->rep.rank = 0;
		if (version >= 3)
		{
			expect_key(ps, "rank");
			if (strncmp(ps->p, "none", 4) == 0)
				ps->p += 4;
			else
			{
				i = read_count(ps, "rank");
				if (i > s.nrep || s.nrep > REP_GRAM_MAX_R)
					syntax_error(ps, "The rank must lie in [0, replicates], and is kept for at most 100 replicates.");
				acc->rep.rank_state = REP_RANK_KNOWN;
				acc->rep.rank = (int32) i;
			}
		}
		for (r = 0; r < s.nrep; r++)
		{
			CHECK_FOR_INTERRUPTS();
			expect_record(ps, 'r');
			acc->rep.rscales[r] = read_double(ps, "rscale");
			expect_space(ps);
			acc->rep.a[r] = read_dd(ps, "replicate sum");
			expect_space(ps);
			acc->rep.b[r] = read_dd(ps, "replicate weight");
		}
		if (acc->rep.rank_state == REP_RANK_KNOWN && acc->rep.rank < (int32) s.nrep)
		{
			double	   *g = acc->rep.gram;
			uint32		j;

			for (r = 0; r < s.nrep; r++)
			{
				CHECK_FOR_INTERRUPTS();
				expect_record(ps, 'g');
				for (j = r; j < s.nrep; j++)
				{
					if (j > r)
						expect_space(ps);
					*g++ = read_double(ps, "Gram matrix entry");
				}
			}
		}
		return;
	}
	expect_key(ps, "lonely");
	d->lonely = design_lonely_parse(read_name(ps, name, sizeof(name)));
	if (d->lonely < 0)
		syntax_error(ps, psprintf("The lonely PSU policy must be one of %s.", LONELY_POLICY_NAMES));
	expect_key(ps, "strata");
	nstrata = read_count(ps, "strata");
	if (design_has_sums(v))
	{
		read_stratified(ps, d, nstrata);
		return;
	}
	expect_key(ps, "psus");
	npsu = read_count(ps, "psus");
	expect_key(ps, "ssus");
	nssu = read_count(ps, "ssus");
	if (nstrata > MAX_RECORDS || npsu > MAX_RECORDS || nssu > MAX_RECORDS)
		syntax_error(ps, "Too many strata, PSUs or SSUs.");
	if (nstrata * TEXT_MIN_STRATUM + npsu * TEXT_MIN_PSU + nssu * TEXT_MIN_SSU > (int64) strlen(ps->p))
		syntax_error(ps, "The value announces more strata, PSUs and SSUs than the rest of the text can hold.");
	guard_bytes(nstrata * sizeof(StratumRec) + npsu * sizeof(PsuRec) + nssu * sizeof(SsuRec),
				"the design of a barometer.tally");
	initStringInfo(&id);
	for (i = 0; i < nstrata; i++)
	{
		uint32		h;

		CHECK_FOR_INTERRUPTS();
		expect_record(ps, 's');
		read_id(ps, &id);
		h = design_stratum(d, id.data, id.len, &created);
		if (!created)
			syntax_error(ps, "A stratum is listed twice.");
		expect_space(ps);
		d->strata[h].n_psu = read_count(ps, "n_psu");
		expect_space(ps);
		d->strata[h].popsize = read_double(ps, "popsize");
	}
	for (i = 0; i < npsu; i++)
	{
		uint32		h,
					j;
		PsuRec	   *r;

		CHECK_FOR_INTERRUPTS();
		expect_record(ps, 'p');
		h = checked_index(ps, read_count(ps, "stratum"), d->nstrata, "stratum");
		expect_space(ps);
		read_id(ps, &id);
		j = design_psu(d, h, id.data, id.len, &created);
		if (!created)
			syntax_error(ps, "A PSU is listed twice.");
		r = &d->psu[j];
		expect_space(ps);
		r->n_dom = read_count(ps, "n_dom");
		expect_space(ps);
		r->n_pos = read_count(ps, "n_pos");
		expect_space(ps);
		r->a = read_dd(ps, "a");
		expect_space(ps);
		r->b = read_dd(ps, "b");
		if (d->kind == DESIGN_CLUSTER2)
		{
			expect_space(ps);
			r->n_ssu = read_count(ps, "n_ssu");
			expect_space(ps);
			r->popsize2 = read_double(ps, "popsize2");
		}
	}
	for (i = 0; i < nssu; i++)
	{
		uint32		j,
					k;
		SsuRec	   *q;

		CHECK_FOR_INTERRUPTS();
		expect_record(ps, 'q');
		j = checked_index(ps, read_count(ps, "psu"), d->npsu, "PSU");
		expect_space(ps);
		read_id(ps, &id);
		k = design_ssu(d, j, id.data, id.len, &created);
		if (!created)
			syntax_error(ps, "An SSU is listed twice.");
		q = &d->ssu[k];
		expect_space(ps);
		q->n_dom = read_count(ps, "n_dom");
		expect_space(ps);
		q->a = read_dd(ps, "a");
		expect_space(ps);
		q->b = read_dd(ps, "b");
	}
}

PG_FUNCTION_INFO_V1(barometer_tally_in);
Datum
barometer_tally_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	Parser		ps;
	TallyAcc   *acc = tally_acc_new(CurrentMemoryContext);
	int			version;
	int			i;

	ps.p = input;
	ps.input = input;
	if (input[0] == 'v' && input[1] >= '0' && input[1] <= '9')
	{
		const char *end;
		int64		v;

		if (stored_read_int64(input + 1, &end, &v, false) == STORED_NUM_OK &&
			(*end == ' ' || *end == '\0') && v > TALLY_FORM_VERSION)
			newer_error(&ps, psprintf("Version " INT64_FORMAT " is not known; this build reads versions 1, 2 and 3.", v));
	}
	if (strncmp(input, "v1", 2) == 0)
		version = 1;
	else if (strncmp(input, "v2", 2) == 0)
		version = 2;
	else
		version = 3;
	expect_word(&ps, version == 1 ? "v1" : version == 2 ? "v2" : "v3");
	if (strncmp(ps.p, " proportion", 11) == 0)
		tally_core_init(&acc->core, TALLY_PROPORTION), ps.p += 11;
	else if (strncmp(ps.p, " mean", 5) == 0)
		tally_core_init(&acc->core, TALLY_MEAN), ps.p += 5;
	else if (strncmp(ps.p, " ratio", 6) == 0 && version >= 2)
		tally_core_init(&acc->core, TALLY_RATIO), ps.p += 6;
	else
		syntax_error(&ps, version == 1 ? "The kind must be \"proportion\" or \"mean\"." :
					 "The kind must be \"proportion\", \"mean\" or \"ratio\".");

	expect_key(&ps, "n");
	acc->core.n = read_count(&ps, "n");
	expect_key(&ps, "missing");
	acc->core.n_missing = read_count(&ps, "missing");
	expect_key(&ps, "positive");
	acc->core.n_pos = read_count(&ps, "positive");
	/* a proportion's count of TRUE answers: unknown before version 3 */
	if (acc->core.kind == TALLY_PROPORTION && version < 3)
		acc->core.n_true = TALLY_N_TRUE_UNKNOWN;
	else if (acc->core.kind == TALLY_PROPORTION)
	{
		expect_key(&ps, "true");
		if (strncmp(ps.p, "unknown", 7) == 0)
		{
			acc->core.n_true = TALLY_N_TRUE_UNKNOWN;
			ps.p += 7;
		}
		else
			acc->core.n_true = read_count(&ps, "true");
	}
	for (i = 0; i < TALLY_NSUMS; i++)
	{
		expect_key(&ps, sum_names[i]);
		acc->core.s[i] = read_dd(&ps, sum_names[i]);
	}
	if (version >= 2)
		read_design(&ps, acc, version);
	if (*ps.p != '\0')
		syntax_error(&ps, psprintf("Unexpected text at the end: \"%s\".", stored_clip(ps.p, 20, false)));
	{
		Tally	   *t = tally_pack(acc, false);

		tally_validate(t, ERRCODE_INVALID_TEXT_REPRESENTATION, input);
		PG_RETURN_TALLY(t);
	}
}

/* ---- text output ------------------------------------------------------ */

static void
append_double(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

static void
append_dd(StringInfo buf, dd_t x)
{
	append_double(buf, x.hi);
	appendStringInfoChar(buf, ':');
	append_double(buf, x.lo);
}

static void
append_id(StringInfo buf, const char *key, uint32 len)
{
	uint32		i;

	if (key[0] == 'i')
	{
		appendStringInfo(buf, "i%s", tally_id_text(key, len));
		return;
	}
	appendStringInfoString(buf, "t\"");
	for (i = 1; i < len; i++)
	{
		if (key[i] == '"' || key[i] == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, key[i]);
	}
	appendStringInfoChar(buf, '"');
}

PG_FUNCTION_INFO_V1(barometer_tally_out);
Datum
barometer_tally_out(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);
	StringInfoData buf;
	Design		d;
	RepAcc		r;
	uint32		i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d %s n=" INT64_FORMAT " missing=" INT64_FORMAT " positive=" INT64_FORMAT,
					 TALLY_FORM_VERSION, tally_kind_name(t->core.kind),
					 (int64) t->core.n, (int64) t->core.n_missing, (int64) t->core.n_pos);
	if (t->core.kind == TALLY_PROPORTION && t->core.n_true < 0)
		appendStringInfoString(&buf, " true=unknown");
	else if (t->core.kind == TALLY_PROPORTION)
		appendStringInfo(&buf, " true=" INT64_FORMAT, (int64) t->core.n_true);
	for (i = 0; i < TALLY_NSUMS; i++)
	{
		appendStringInfo(&buf, " %s=", sum_names[i]);
		append_dd(&buf, t->core.s[i]);
	}
	tally_view(t, &d, &r);
	appendStringInfo(&buf, " design=%s", design_kind_name(d.kind));
	switch (d.kind)
	{
		case DESIGN_WEIGHTS:
			break;
		case DESIGN_WEIGHTS_DOMAIN:
			appendStringInfo(&buf, " sample=" INT64_FORMAT, (int64) d.n_sample);
			break;
		case DESIGN_REPLICATE:
			appendStringInfo(&buf, " method=%s replicates=%u scale=",
							 rep_method_name(r.spec.method), r.spec.nrep);
			append_double(&buf, r.spec.scale);
			appendStringInfoString(&buf, " rho=");
			append_double(&buf, r.spec.rho);
			appendStringInfo(&buf, " mse=%s df=", r.spec.mse ? "true" : "false");
			if (isnan(r.spec.df))
				appendStringInfoString(&buf, "default");
			else
				append_double(&buf, r.spec.df);
			appendStringInfo(&buf, " rscales=%s", r.spec.has_rscales ? "given" : "none");
			if (r.rank_state == REP_RANK_KNOWN)
				appendStringInfo(&buf, " rank=%d", r.rank);
			else
				appendStringInfoString(&buf, " rank=none");
			for (i = 0; i < r.spec.nrep; i++)
			{
				appendStringInfoString(&buf, "; r ");
				append_double(&buf, r.rscales[i]);
				appendStringInfoChar(&buf, ' ');
				append_dd(&buf, r.a[i]);
				appendStringInfoChar(&buf, ' ');
				append_dd(&buf, r.b[i]);
			}
			if (r.gram != NULL)
			{
				const double *g = r.gram;
				uint32		j;

				for (i = 0; i < r.spec.nrep; i++)
				{
					CHECK_FOR_INTERRUPTS();
					appendStringInfoString(&buf, "; g");
					for (j = i; j < r.spec.nrep; j++)
					{
						appendStringInfoChar(&buf, ' ');
						append_double(&buf, *g++);
					}
				}
			}
			break;
		case DESIGN_STRATIFIED:
		case DESIGN_CLUSTER_SUMS:
			appendStringInfo(&buf, " lonely=%s strata=%u", design_lonely_name(d.lonely), d.nstrata);
			for (i = 0; i < d.nstrata; i++)
			{
				const StratSums *s = &d.sums[i];

				appendStringInfoString(&buf, "; s ");
				append_id(&buf, d.arena + d.strata[i].id.off, d.strata[i].id.len);
				appendStringInfo(&buf, " " INT64_FORMAT " ", (int64) d.strata[i].n_psu);
				append_double(&buf, d.strata[i].popsize);
				appendStringInfo(&buf, " " INT64_FORMAT " " INT64_FORMAT " ",
								 (int64) s->n_dom, (int64) s->n_pos);
				append_dd(&buf, s->a);
				appendStringInfoChar(&buf, ' ');
				append_dd(&buf, s->b);
				appendStringInfoChar(&buf, ' ');
				append_dd(&buf, s->ww);
				appendStringInfoChar(&buf, ' ');
				append_dd(&buf, s->wwy);
				appendStringInfoChar(&buf, ' ');
				append_dd(&buf, s->wwyy);
			}
			break;
		default:
			appendStringInfo(&buf, " lonely=%s strata=%u psus=%u ssus=%u",
							 design_lonely_name(d.lonely), d.nstrata, d.npsu, d.nssu);
			for (i = 0; i < d.nstrata; i++)
			{
				appendStringInfoString(&buf, "; s ");
				append_id(&buf, d.arena + d.strata[i].id.off, d.strata[i].id.len);
				appendStringInfo(&buf, " " INT64_FORMAT " ", (int64) d.strata[i].n_psu);
				append_double(&buf, d.strata[i].popsize);
			}
			for (i = 0; i < d.npsu; i++)
			{
				const PsuRec *p = &d.psu[i];

				appendStringInfo(&buf, "; p %u ", p->stratum);
				append_id(&buf, d.arena + p->id.off, p->id.len);
				appendStringInfo(&buf, " " INT64_FORMAT " " INT64_FORMAT " ",
								 (int64) p->n_dom, (int64) p->n_pos);
				append_dd(&buf, p->a);
				appendStringInfoChar(&buf, ' ');
				append_dd(&buf, p->b);
				if (d.kind == DESIGN_CLUSTER2)
				{
					appendStringInfo(&buf, " " INT64_FORMAT " ", (int64) p->n_ssu);
					append_double(&buf, p->popsize2);
				}
			}
			for (i = 0; i < d.nssu; i++)
			{
				const SsuRec *q = &d.ssu[i];

				appendStringInfo(&buf, "; q %u ", q->psu);
				append_id(&buf, d.arena + q->id.off, q->id.len);
				appendStringInfo(&buf, " " INT64_FORMAT " ", (int64) q->n_dom);
				append_dd(&buf, q->a);
				appendStringInfoChar(&buf, ' ');
				append_dd(&buf, q->b);
			}
			break;
	}
	PG_RETURN_CSTRING(buf.data);
}

/* ---- binary ------------------------------------------------------------- */

static dd_t
get_dd(StoredReader *r, const char *what)
{
	dd_t		x;

	x.hi = stored_get_f8(r, what);
	x.lo = stored_get_f8(r, what);
	return x;
}

/*
 * An identifier: int32 length + bytes, a tag ('i' with 8 bytes of a
 * big-endian integer, or 't' with text) first.  What the text form cannot
 * carry (NUL bytes, invalid encoding) is refused by tally_validate.
 */
static void
get_id(StoredReader *r, StringInfo id)
{
	int32		len = stored_get_i32(r, "an identifier's length");
	const char *bytes;

	if (len < 1 || len > stored_left(r))
		stored_binary_error(r, psprintf("An identifier's length (%d) is out of range.", len));
	bytes = stored_get_bytes(r, len, "an identifier");
	if (!((bytes[0] == 'i' && len == 9) || bytes[0] == 't'))
		stored_binary_error(r, "An identifier must be an integer (tag i, 8 bytes) or a text (tag t).");
	resetStringInfo(id);
	appendBinaryStringInfo(id, bytes, len);
}

static void
put_dd(StringInfo buf, dd_t x)
{
	pq_sendfloat8(buf, x.hi);
	pq_sendfloat8(buf, x.lo);
}

static void
put_id(StringInfo buf, const char *key, uint32 len)
{
	pq_sendint32(buf, len);
	pq_sendbytes(buf, key, len);
}

PG_FUNCTION_INFO_V1(barometer_tally_recv);
Datum
barometer_tally_recv(PG_FUNCTION_ARGS)
{
	StoredReader rd;
	TallyAcc   *acc = tally_acc_new(CurrentMemoryContext);
	Design	   *d = &acc->design;
	StringInfoData id;
	int32		version;
	int64		i,
				nstrata,
				npsu,
				nssu;
	bool		created;
	Tally	   *t;

	stored_reader_init(&rd, (StringInfo) PG_GETARG_POINTER(0), "barometer.tally");
	version = stored_get_i32(&rd, "the version");
	if (version > TALLY_FORM_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type barometer.tally"),
				 errdetail("Version %d is not known; this build reads versions 1, 2 and 3.", version),
				 errhint(NEWER_HINT)));
	if (version < 1)
		stored_binary_error(&rd, psprintf("Version %d is not known; this build reads versions 1, 2 and 3.", version));
	acc->core.kind = stored_get_i32(&rd, "the kind");
	/* the ratio kind is new in version 2 (0.2) */
	if (version == 1 && acc->core.kind == TALLY_RATIO)
		stored_binary_error(&rd, "Version 1 has no ratio kind.");
	acc->core.reserved = stored_get_i32(&rd, "the reserved field");
	acc->core.n = stored_get_i64(&rd, "the row count");
	acc->core.n_missing = stored_get_i64(&rd, "the missing row count");
	acc->core.n_pos = stored_get_i64(&rd, "the positive row count");
	if (version >= 3)
		acc->core.n_true = stored_get_i64(&rd, "the count of TRUE answers");
	else if (acc->core.kind == TALLY_PROPORTION)
		acc->core.n_true = TALLY_N_TRUE_UNKNOWN;
	for (i = 0; i < TALLY_NSUMS; i++)
		acc->core.s[i] = get_dd(&rd, "the sums");
	if (version >= 2)
	{
		d->kind = stored_get_i32(&rd, "the design kind");
		d->lonely = stored_get_i32(&rd, "the lonely PSU policy");
		d->n_sample = stored_get_i64(&rd, "the sample size");
		nstrata = (uint32) stored_get_i32(&rd, "the stratum count");
		npsu = (uint32) stored_get_i32(&rd, "the PSU count");
		nssu = (uint32) stored_get_i32(&rd, "the SSU count");
		if (d->kind > DESIGN_CLUSTER_SUMS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid binary value for type barometer.tally"),
					 errdetail("The design kind %d is not known; this build reads kinds 0 to %d (weights, weights_domain, cluster, cluster2, replicate, stratified, cluster_sums).",
							   d->kind, DESIGN_CLUSTER_SUMS),
					 errhint(NEWER_HINT)));
		if (d->kind < 0)
			stored_binary_error(&rd, "The design kind is not known.");
		if (nstrata > MAX_RECORDS || npsu > MAX_RECORDS || nssu > MAX_RECORDS)
			stored_binary_error(&rd, "The counts of strata, PSUs or SSUs are out of range.");
		if (d->kind == DESIGN_REPLICATE)
		{
			RepSpec		s;
			uint32		r;

			memset(&s, 0, sizeof(s));
			s.method = stored_get_i32(&rd, "the replication method");
			i = stored_get_i32(&rd, "the replicate count");
			s.mse = stored_get_i32(&rd, "the mse flag");
			s.has_rscales = stored_get_i32(&rd, "the rscales flag");
			s.scale = stored_get_f8(&rd, "the scale");
			s.rho = stored_get_f8(&rd, "rho");
			s.df = stored_get_f8(&rd, "df");
			if (i < 2 || i > TALLY_MAX_REPLICATES)
				stored_binary_error(&rd, "The number of replicates must be between 2 and 100000.");
			stored_check_count(&rd, i, BIN_MIN_REP, sizeof(double) + 2 * sizeof(dd_t), "replicates");
			s.nrep = (uint32) i;
			tally_acc_rep_alloc(acc, s.nrep);
			acc->rep.spec = s;
			acc->rep.rank_state = REP_RANK_NONE;
			acc->rep.rank = 0;
			if (version >= 3)
			{
				int32		k = stored_get_i32(&rd, "the rank");

				if (k < -1 || k > (int32) s.nrep || (k >= 0 && s.nrep > REP_GRAM_MAX_R))
					stored_binary_error(&rd, "The rank must be -1 (none) or lie in [0, replicates], and is kept for at most 100 replicates.");
				if (k >= 0)
				{
					acc->rep.rank_state = REP_RANK_KNOWN;
					acc->rep.rank = k;
				}
			}
			for (r = 0; r < s.nrep; r++)
			{
				CHECK_FOR_INTERRUPTS();
				acc->rep.rscales[r] = stored_get_f8(&rd, "a replicate scale");
				acc->rep.a[r] = get_dd(&rd, "a replicate's sums");
				acc->rep.b[r] = get_dd(&rd, "a replicate's sums");
			}
			if (acc->rep.rank_state == REP_RANK_KNOWN && acc->rep.rank < (int32) s.nrep)
			{
				size_t		k,
							n = rep_gram_len(s.nrep);

				stored_check_count(&rd, n, 8, sizeof(double), "Gram matrix entries");
				for (k = 0; k < n; k++)
					acc->rep.gram[k] = stored_get_f8(&rd, "a Gram matrix entry");
			}
		}
		initStringInfo(&id);
		if (design_has_sums(d->kind))
		{
			if (npsu != 0 || nssu != 0)
				stored_binary_error(&rd, "A stratified design has no PSUs or SSUs.");
			stored_check_count(&rd, nstrata, BIN_MIN_STRAT_SUMS,
							   sizeof(StratumRec) + sizeof(StratSums), "strata");
			for (i = 0; i < nstrata; i++)
			{
				uint32		h;
				StratSums  *s;

				CHECK_FOR_INTERRUPTS();
				get_id(&rd, &id);
				h = stratified_stratum(d, id.data, id.len, &created);
				if (!created)
					stored_binary_error(&rd, "A stratum is listed twice.");
				s = &d->sums[h];
				d->strata[h].n_psu = stored_get_i64(&rd, "a stratum's row count");
				d->strata[h].popsize = stored_get_f8(&rd, "a stratum's population size");
				s->n_dom = stored_get_i64(&rd, "a stratum's domain row count");
				s->n_pos = stored_get_i64(&rd, "a stratum's positive row count");
				s->a = get_dd(&rd, "a stratum's sums");
				s->b = get_dd(&rd, "a stratum's sums");
				s->ww = get_dd(&rd, "a stratum's sums");
				s->wwy = get_dd(&rd, "a stratum's sums");
				s->wwyy = get_dd(&rd, "a stratum's sums");
			}
			nstrata = 0;		/* read */
		}
		if (nstrata * BIN_MIN_STRATUM + npsu * BIN_MIN_PSU + nssu * BIN_MIN_SSU > stored_left(&rd))
			stored_binary_error(&rd, psprintf("The value announces " INT64_FORMAT " strata, " INT64_FORMAT " PSUs and " INT64_FORMAT " SSUs, more than its %d remaining bytes can hold.",
											  nstrata, npsu, nssu, stored_left(&rd)));
		guard_bytes(nstrata * sizeof(StratumRec) + npsu * sizeof(PsuRec) + nssu * sizeof(SsuRec),
					"the design of a barometer.tally");
		for (i = 0; i < nstrata; i++)
		{
			uint32		h;

			CHECK_FOR_INTERRUPTS();
			get_id(&rd, &id);
			h = design_stratum(d, id.data, id.len, &created);
			if (!created)
				stored_binary_error(&rd, "A stratum is listed twice.");
			d->strata[h].n_psu = stored_get_i64(&rd, "a stratum's PSU count");
			d->strata[h].popsize = stored_get_f8(&rd, "a stratum's population size");
		}
		for (i = 0; i < npsu; i++)
		{
			uint32		h;
			uint32		j;
			PsuRec	   *r;

			CHECK_FOR_INTERRUPTS();
			h = (uint32) stored_get_i32(&rd, "a PSU's stratum");
			if (h >= d->nstrata)
				stored_binary_error(&rd, "A PSU refers to a missing stratum.");
			get_id(&rd, &id);
			j = design_psu(d, h, id.data, id.len, &created);
			if (!created)
				stored_binary_error(&rd, "A PSU is listed twice.");
			r = &d->psu[j];
			r->n_dom = stored_get_i64(&rd, "a PSU's row count");
			r->n_pos = stored_get_i64(&rd, "a PSU's positive row count");
			r->a = get_dd(&rd, "a PSU's sums");
			r->b = get_dd(&rd, "a PSU's sums");
			r->n_ssu = stored_get_i64(&rd, "a PSU's SSU count");
			r->popsize2 = stored_get_f8(&rd, "a PSU's population size");
			/* the stored records of a one-stage design have no room for them */
			if (d->kind == DESIGN_CLUSTER && (r->n_ssu != 0 || r->popsize2 != 0 || signbit(r->popsize2)))
				stored_binary_error(&rd, "A one-stage design has no SSU counts (n_ssu and popsize2 are 0).");
		}
		for (i = 0; i < nssu; i++)
		{
			uint32		j;
			uint32		k;
			SsuRec	   *q;

			CHECK_FOR_INTERRUPTS();
			j = (uint32) stored_get_i32(&rd, "an SSU's PSU");
			if (j >= d->npsu)
				stored_binary_error(&rd, "An SSU refers to a missing PSU.");
			get_id(&rd, &id);
			k = design_ssu(d, j, id.data, id.len, &created);
			if (!created)
				stored_binary_error(&rd, "An SSU is listed twice.");
			q = &d->ssu[k];
			q->n_dom = stored_get_i64(&rd, "an SSU's row count");
			q->a = get_dd(&rd, "an SSU's sums");
			q->b = get_dd(&rd, "an SSU's sums");
		}
	}
	stored_end(&rd);
	t = tally_pack(acc, false);
	tally_validate(t, ERRCODE_INVALID_BINARY_REPRESENTATION, NULL);
	PG_RETURN_TALLY(t);
}

PG_FUNCTION_INFO_V1(barometer_tally_send);
Datum
barometer_tally_send(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);
	StringInfoData buf;
	Design		d;
	RepAcc		r;
	uint32		i;

	tally_view(t, &d, &r);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, TALLY_FORM_VERSION);
	pq_sendint32(&buf, t->core.kind);
	pq_sendint32(&buf, t->core.reserved);
	pq_sendint64(&buf, t->core.n);
	pq_sendint64(&buf, t->core.n_missing);
	pq_sendint64(&buf, t->core.n_pos);
	pq_sendint64(&buf, t->core.n_true);
	for (i = 0; i < TALLY_NSUMS; i++)
		put_dd(&buf, t->core.s[i]);
	pq_sendint32(&buf, d.kind);
	pq_sendint32(&buf, d.lonely);
	pq_sendint64(&buf, d.n_sample);
	pq_sendint32(&buf, d.nstrata);
	pq_sendint32(&buf, d.npsu);
	pq_sendint32(&buf, d.nssu);
	if (d.kind == DESIGN_REPLICATE)
	{
		pq_sendint32(&buf, r.spec.method);
		pq_sendint32(&buf, r.spec.nrep);
		pq_sendint32(&buf, r.spec.mse);
		pq_sendint32(&buf, r.spec.has_rscales);
		pq_sendfloat8(&buf, r.spec.scale);
		pq_sendfloat8(&buf, r.spec.rho);
		pq_sendfloat8(&buf, r.spec.df);
		pq_sendint32(&buf, r.rank_state == REP_RANK_KNOWN ? r.rank : -1);
		for (i = 0; i < r.spec.nrep; i++)
		{
			pq_sendfloat8(&buf, r.rscales[i]);
			put_dd(&buf, r.a[i]);
			put_dd(&buf, r.b[i]);
		}
		if (r.gram != NULL)
		{
			size_t		k,
						n = rep_gram_len(r.spec.nrep);

			for (k = 0; k < n; k++)
				pq_sendfloat8(&buf, r.gram[k]);
		}
	}
	for (i = 0; i < d.nstrata; i++)
	{
		put_id(&buf, d.arena + d.strata[i].id.off, d.strata[i].id.len);
		pq_sendint64(&buf, d.strata[i].n_psu);
		pq_sendfloat8(&buf, d.strata[i].popsize);
		if (d.sums != NULL)
		{
			const StratSums *s = &d.sums[i];

			pq_sendint64(&buf, s->n_dom);
			pq_sendint64(&buf, s->n_pos);
			put_dd(&buf, s->a);
			put_dd(&buf, s->b);
			put_dd(&buf, s->ww);
			put_dd(&buf, s->wwy);
			put_dd(&buf, s->wwyy);
		}
	}
	for (i = 0; i < d.npsu; i++)
	{
		const PsuRec *p = &d.psu[i];

		pq_sendint32(&buf, p->stratum);
		put_id(&buf, d.arena + p->id.off, p->id.len);
		pq_sendint64(&buf, p->n_dom);
		pq_sendint64(&buf, p->n_pos);
		put_dd(&buf, p->a);
		put_dd(&buf, p->b);
		pq_sendint64(&buf, p->n_ssu);
		pq_sendfloat8(&buf, p->popsize2);
	}
	for (i = 0; i < d.nssu; i++)
	{
		const SsuRec *q = &d.ssu[i];

		pq_sendint32(&buf, q->psu);
		put_id(&buf, d.arena + q->id.off, q->id.len);
		pq_sendint64(&buf, q->n_dom);
		put_dd(&buf, q->a);
		put_dd(&buf, q->b);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
