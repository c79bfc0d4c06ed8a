/*
 * tally_io.c - text and binary forms of barometer.tally.
 *
 * Text (version 1), one line, fields separated by single spaces:
 *
 *   v1 proportion n=5 missing=1 positive=5 sw=12.5:0 swy=... swyy=...
 *      sww=... swwy=... swwyy=...
 *
 * Each sum is written hi:lo, the two doubles of its compensated form, in the
 * shortest decimal that reads back to the same bits; so text and binary
 * round-trip exactly.  Binary: int32 version, int32 kind, int32 reserved,
 * int64 n, n_missing, n_pos, then hi and lo of every sum as float8.  Both
 * inputs run the same consistency check (tally_core_check).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <errno.h>
#include <stdlib.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "tally.h"

/* version, kind, reserved, three counts, hi and lo of every sum */
#define TALLY_V1_BINARY_LEN (3 * 4 + 3 * 8 + TALLY_NSUMS * 2 * 8)

static const char *const sum_names[TALLY_NSUMS] = {
	"sw", "swy", "swyy", "sww", "swwy", "swwyy"
};

/* raise the input error for a malformed literal */
static void
tally_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type barometer.tally: \"%s\"", input),
			 errdetail("%s", detail)));
}

/* shared by text and binary input: the state must be one the aggregates can make */
static inline void
tally_check_or_error(const Tally *t, int sqlstate, const char *input)
{
	const char *problem = tally_core_check(&t->core);

	if (problem == NULL)
		return;
	if (input != NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid value for type barometer.tally: \"%s\"", input),
				 errdetail("%s", problem)));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid binary value for type barometer.tally"),
			 errdetail("%s", problem)));
}

/* expect the literal word at *p followed by a space or the end */
static void
expect_word(const char **p, const char *word, const char *input)
{
	size_t		len = strlen(word);

	if (strncmp(*p, word, len) != 0 || ((*p)[len] != ' ' && (*p)[len] != '\0'))
		tally_syntax_error(input, psprintf("Expected \"%s\" at \"%.20s\".", word, *p));
	*p += len;
}

/* expect "key=" */
static void
expect_key(const char **p, const char *key, const char *input)
{
	size_t		len = strlen(key);

	if (**p != ' ')
		tally_syntax_error(input, psprintf("Expected a space before \"%s=\".", key));
	(*p)++;
	if (strncmp(*p, key, len) != 0 || (*p)[len] != '=')
		tally_syntax_error(input, psprintf("Expected \"%s=\" at \"%.20s\".", key, *p));
	*p += len + 1;
}

static int64
read_count(const char **p, const char *key, const char *input)
{
	char	   *end;
	long long	v;

	expect_key(p, key, input);
	if (**p < '0' || **p > '9')
		tally_syntax_error(input, psprintf("The value of \"%s\" must be a non-negative integer.", key));
	errno = 0;
	v = strtoll(*p, &end, 10);
	if (errno != 0)
		tally_syntax_error(input, psprintf("The value of \"%s\" is out of range.", key));
	*p = end;
	return (int64) v;
}

static double
read_double(const char **p, const char *key, const char *input)
{
	char	   *end;
	double		v;

	if (**p == '\0' || **p == ' ' || **p == ':')
		tally_syntax_error(input, psprintf("The value of \"%s\" is missing a number.", key));
	errno = 0;
	v = strtod(*p, &end);
	if (end == *p || (errno != 0 && errno != ERANGE) || !isfinite(v))
		tally_syntax_error(input, psprintf("The value of \"%s\" must be a finite number.", key));
	if (errno == ERANGE && v != 0.0)
		tally_syntax_error(input, psprintf("The value of \"%s\" is out of range.", key));
	*p = end;
	return v;
}

PG_FUNCTION_INFO_V1(barometer_tally_in);
Datum
barometer_tally_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	Tally	   *t;
	int			kind;
	int			i;

	expect_word(&p, "v1", input);
	if (strncmp(p, " proportion", 11) == 0)
		kind = TALLY_PROPORTION, p += 11;
	else if (strncmp(p, " mean", 5) == 0)
		kind = TALLY_MEAN, p += 5;
	else
		tally_syntax_error(input, "The kind must be \"proportion\" or \"mean\".");

	t = tally_new(kind);
	t->core.n = read_count(&p, "n", input);
	t->core.n_missing = read_count(&p, "missing", input);
	t->core.n_pos = read_count(&p, "positive", input);
	for (i = 0; i < TALLY_NSUMS; i++)
	{
		expect_key(&p, sum_names[i], input);
		t->core.s[i].hi = read_double(&p, sum_names[i], input);
		if (*p != ':')
			tally_syntax_error(input, psprintf("The value of \"%s\" must be written hi:lo.", sum_names[i]));
		p++;
		t->core.s[i].lo = read_double(&p, sum_names[i], input);
	}
	if (*p != '\0')
		tally_syntax_error(input, psprintf("Unexpected text at the end: \"%.20s\".", p));
	tally_check_or_error(t, ERRCODE_INVALID_TEXT_REPRESENTATION, input);
	PG_RETURN_TALLY(t);
}

static void
append_double(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

PG_FUNCTION_INFO_V1(barometer_tally_out);
Datum
barometer_tally_out(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d %s n=" INT64_FORMAT " missing=" INT64_FORMAT " positive=" INT64_FORMAT,
					 TALLY_VERSION, tally_kind_name(t->core.kind),
					 (int64) t->core.n, (int64) t->core.n_missing, (int64) t->core.n_pos);
	for (i = 0; i < TALLY_NSUMS; i++)
	{
		appendStringInfo(&buf, " %s=", sum_names[i]);
		append_double(&buf, t->core.s[i].hi);
		appendStringInfoChar(&buf, ':');
		append_double(&buf, t->core.s[i].lo);
	}
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(barometer_tally_recv);
Datum
barometer_tally_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Tally	   *t;
	int32		version;
	int			i;

	if (buf->len - buf->cursor < 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type barometer.tally"),
				 errdetail("The value is shorter than its version field.")));
	version = pq_getmsgint(buf, 4);
	if (version != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type barometer.tally"),
				 errdetail("Version %d is not known; this build reads version 1.", version)));
	if (buf->len - buf->cursor != TALLY_V1_BINARY_LEN - 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type barometer.tally"),
				 errdetail("A version 1 value has %d bytes, not %d.",
						   TALLY_V1_BINARY_LEN, buf->len - buf->cursor + 4)));
	t = tally_new(TALLY_PROPORTION);
	t->core.kind = pq_getmsgint(buf, 4);
	t->core.reserved = pq_getmsgint(buf, 4);
	t->core.n = pq_getmsgint64(buf);
	t->core.n_missing = pq_getmsgint64(buf);
	t->core.n_pos = pq_getmsgint64(buf);
	for (i = 0; i < TALLY_NSUMS; i++)
	{
		t->core.s[i].hi = pq_getmsgfloat8(buf);
		t->core.s[i].lo = pq_getmsgfloat8(buf);
	}
	tally_check_or_error(t, ERRCODE_INVALID_BINARY_REPRESENTATION, NULL);
	PG_RETURN_TALLY(t);
}

PG_FUNCTION_INFO_V1(barometer_tally_send);
Datum
barometer_tally_send(PG_FUNCTION_ARGS)
{
	Tally	   *t = PG_GETARG_TALLY(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, TALLY_VERSION);
	pq_sendint32(&buf, t->core.kind);
	pq_sendint32(&buf, t->core.reserved);
	pq_sendint64(&buf, t->core.n);
	pq_sendint64(&buf, t->core.n_missing);
	pq_sendint64(&buf, t->core.n_pos);
	for (i = 0; i < TALLY_NSUMS; i++)
	{
		pq_sendfloat8(&buf, t->core.s[i].hi);
		pq_sendfloat8(&buf, t->core.s[i].lo);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
