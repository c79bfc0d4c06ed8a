/*
 * stored.c - numbers, NaN, identifiers and a bounded binary reader shared by
 * the input functions of the stored types (see stored.h).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <errno.h>
#include <float.h>
#include <stdlib.h>

#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"

#include "guard.h"
#include "stored.h"

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The span of [-]digits[.digits][e[+-]digits] at s (what
 * double_to_shortest_decimal_buf writes, and the usual hand-written forms
 * such as 0.5, 12, 1e-5, 1.5E+10); 0 when s does not start with one.
 */
static size_t
decimal_span(const char *s)
{
	size_t		i = 0,
				digits = 0;

	if (s[i] == '-')
		i++;
	while (is_digit(s[i]))
		i++, digits++;
	if (s[i] == '.')
	{
		i++;
		while (is_digit(s[i]))
			i++, digits++;
	}
	if (digits == 0)
		return 0;
	if (s[i] == 'e' || s[i] == 'E')
	{
		size_t		j = i + 1;

		if (s[j] == '+' || s[j] == '-')
			j++;
		if (!is_digit(s[j]))
			return i;			/* "1e" is the number 1 followed by "e" */
		while (is_digit(s[j]))
			j++;
		i = j;
	}
	return i;
}

/*
 * As PostgreSQL's float8in: a subnormal result is a value (glibc's strtod
 * flags it with ERANGE); overflow, and a non-zero literal that underflows
 * to zero, are out of range.
 */
StoredNum
stored_read_double(const char *s, const char **end, double *v)
{
	size_t		span = decimal_span(s);
	char		tmp[64];
	char	   *buf;
	char	   *stop;
	double		x;
	size_t		i;
	bool		nonzero = false;

	*end = s;
	if (span == 0)
		return STORED_NUM_SYNTAX;
	/* a NUL-terminated copy, so strtod sees exactly the span */
	buf = span < sizeof(tmp) ? tmp : palloc(span + 1);
	memcpy(buf, s, span);
	buf[span] = '\0';
	for (i = 0; i < span && buf[i] != 'e' && buf[i] != 'E'; i++)
		if (buf[i] >= '1' && buf[i] <= '9')
			nonzero = true;
	errno = 0;
	x = strtod(buf, &stop);
	if (stop != buf + span)
	{
		if (buf != tmp)
			pfree(buf);
		return STORED_NUM_SYNTAX;
	}
	if (buf != tmp)
		pfree(buf);
	if (isinf(x) || (nonzero && x == 0.0) || (errno == ERANGE && fabs(x) >= DBL_MIN))
		return STORED_NUM_RANGE;
	*v = x;
	*end = s + span;
	return STORED_NUM_OK;
}

StoredNum
stored_read_int64(const char *s, const char **end, int64 *v, bool allow_negative)
{
	const char *p = s;
	bool		neg = false;
	uint64		acc = 0;
	uint64		limit;

	*end = s;
	if (*p == '-' && allow_negative)
	{
		neg = true;
		p++;
	}
	if (!is_digit(*p))
		return STORED_NUM_SYNTAX;
	limit = neg ? (uint64) PG_INT64_MAX + 1 : (uint64) PG_INT64_MAX;
	for (; is_digit(*p); p++)
	{
		uint64		d = (uint64) (*p - '0');

		if (acc > (limit - d) / 10)
			return STORED_NUM_RANGE;
		acc = acc * 10 + d;
	}
	if (neg)
		*v = acc == (uint64) PG_INT64_MAX + 1 ? PG_INT64_MIN : -(int64) acc;
	else
		*v = (int64) acc;
	*end = p;
	return STORED_NUM_OK;
}

double
stored_nan(void)
{
	return NAN;
}

bool
stored_nan_canonical(double v)
{
	double		canon = NAN;
	uint64		a,
				b;

	memcpy(&a, &v, sizeof(a));
	memcpy(&b, &canon, sizeof(b));
	return a == b;
}

const char *
stored_id_problem(const char *bytes, int len)
{
	if (memchr(bytes, '\0', len) != NULL)
		return "An identifier contains a zero byte.";
	if (!pg_verifymbstr(bytes, len, true))
		return psprintf("An identifier is not valid in the server encoding %s.",
						GetDatabaseEncodingName());
	return NULL;
}

char *
stored_clip(const char *input, int max, bool ellipsis)
{
	int			len = strlen(input);
	char	   *cut;

	if (len <= max)
		return pstrdup(input);
	cut = pnstrdup(input, pg_mbcliplen(input, len, max));
	return ellipsis ? psprintf("%s...", cut) : cut;
}

/* ---- binary input ------------------------------------------------------ */

void
stored_reader_init(StoredReader *r, StringInfo buf, const char *type)
{
	r->buf = buf;
	r->type = type;
}

void
stored_binary_error(const StoredReader *r, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary value for type %s", r->type),
			 errdetail("%s", detail)));
}

void
stored_need(const StoredReader *r, int64 bytes, const char *what)
{
	if (bytes < 0 || stored_left(r) < bytes)
		stored_binary_error(r, psprintf("The value ends after %d bytes, before the end of %s (" INT64_FORMAT " bytes, %d left).",
										r->buf->len, what, bytes, stored_left(r)));
}

int32
stored_get_i32(StoredReader *r, const char *what)
{
	stored_need(r, 4, what);
	return (int32) pq_getmsgint(r->buf, 4);
}

int64
stored_get_i64(StoredReader *r, const char *what)
{
	stored_need(r, 8, what);
	return pq_getmsgint64(r->buf);
}

double
stored_get_f8(StoredReader *r, const char *what)
{
	stored_need(r, 8, what);
	return pq_getmsgfloat8(r->buf);
}

const char *
stored_get_bytes(StoredReader *r, int len, const char *what)
{
	stored_need(r, len, what);
	return pq_getmsgbytes(r->buf, len);
}

void
stored_check_count(const StoredReader *r, int64 count, int min_bytes, size_t elem,
				   const char *what)
{
	if (count < 0)
		stored_binary_error(r, psprintf("The number of %s is negative (" INT64_FORMAT ").", what, count));
	if (min_bytes > 0 && count > stored_left(r) / min_bytes)
		stored_binary_error(r, psprintf("The value announces " INT64_FORMAT " %s, more than its %d remaining bytes can hold.",
										count, what, stored_left(r)));
	guard_array((uint64) count, elem, psprintf("the %s of a %s", what, r->type));
}

void
stored_end(const StoredReader *r)
{
	if (stored_left(r) != 0)
		stored_binary_error(r, psprintf("%d bytes are left over after the last field.", stored_left(r)));
}
