/*
 * stored.h - what the text and binary inputs of the stored types
 * (barometer.tally, magnitude, replicate_plan, replicates) share, so that
 * whatever an aggregate or constructor can store reads back bit for bit
 * from either form and nothing else is accepted:
 *
 *   - numbers: written in the shortest decimal that reads back to the same
 *     double (PostgreSQL's double_to_shortest_decimal_buf), read by a strict
 *     decimal scanner that accepts subnormals and -0, and rejects what no
 *     output writes (hex floats, "nan", "inf", leading blanks) and literals
 *     that overflow or underflow to zero;
 *   - NaN: one bit pattern (NAN, what the aggregates store for "default");
 *   - identifiers: no NUL byte, valid in the server encoding;
 *   - binary values: a reader that checks the bytes left before every read
 *     (22P03 with the field named, never pq_getmsg*'s 08P01), and header
 *     counts checked against the bytes left and barometer.max_state_bytes
 *     (54000) before anything is allocated.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_STORED_H
#define BAROMETER_STORED_H

#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"

typedef enum StoredNum
{
	STORED_NUM_OK = 0,
	STORED_NUM_SYNTAX,			/* not a decimal number */
	STORED_NUM_RANGE			/* overflows, or a non-zero literal underflows to 0 */
} StoredNum;

/*
 * A decimal double at s: [-]digits[.digits][e[+-]digits]; *end receives the
 * first character after it.
 */
extern StoredNum stored_read_double(const char *s, const char **end, double *v);

/* a decimal int64 at s: [-]digits (negative only when allow_negative) */
extern StoredNum stored_read_int64(const char *s, const char **end, int64 *v,
								   bool allow_negative);

/* the one NaN a stored value may hold, and whether v is that NaN */
extern double stored_nan(void);
extern bool stored_nan_canonical(double v);

/* a double that is finite, or the canonical NaN */
static inline bool
stored_double_ok(double v, bool nan_allowed)
{
	return isfinite(v) || (nan_allowed && stored_nan_canonical(v));
}

/*
 * The bytes of an identifier: NULL when they hold no NUL byte and are valid
 * in the server encoding, otherwise a sentence.
 */
extern const char *stored_id_problem(const char *bytes, int len);

/*
 * Text input for an error message: at most max bytes, cut at a character
 * boundary (so the message stays valid in the server encoding), with "..."
 * when cut and ellipsis is set.
 */
extern char *stored_clip(const char *input, int max, bool ellipsis);

/* ---- binary input ------------------------------------------------------ */

typedef struct StoredReader
{
	StringInfo	buf;
	const char *type;			/* "barometer.tally", for the messages */
} StoredReader;

extern void stored_reader_init(StoredReader *r, StringInfo buf, const char *type);

/* 22P03 "invalid binary value for type <type>" with detail */
extern void stored_binary_error(const StoredReader *r, const char *detail) pg_attribute_noreturn();

/* bytes not read yet */
static inline int
stored_left(const StoredReader *r)
{
	return r->buf->len - r->buf->cursor;
}

/* 22P03 unless bytes more bytes are left; what names the field */
extern void stored_need(const StoredReader *r, int64 bytes, const char *what);

extern int32 stored_get_i32(StoredReader *r, const char *what);
extern int64 stored_get_i64(StoredReader *r, const char *what);
extern double stored_get_f8(StoredReader *r, const char *what);
/* len bytes (checked), pointing into the buffer */
extern const char *stored_get_bytes(StoredReader *r, int len, const char *what);

/*
 * A count from a header, for records of at least min_bytes bytes each in
 * the input and elem bytes each in memory: 22P03 when negative or more than
 * the bytes left can hold, 54000 when the records would pass
 * barometer.max_state_bytes.
 */
extern void stored_check_count(const StoredReader *r, int64 count, int min_bytes,
							   size_t elem, const char *what);

/* 22P03 unless every byte was read */
extern void stored_end(const StoredReader *r);

#endif							/* BAROMETER_STORED_H */
