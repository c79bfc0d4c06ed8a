/*
 * repgen.c - replicate weights made in SQL from a stratified clustered
 * design: the barometer.replicate_plan type, the aggregate that builds a
 * plan from the sample's (stratum, psu) pairs, the per-row
 * barometer.replicate_weights / replicate_factors, and the readers of a
 * plan (count, scale, rscales, df, method, describe).  The statistics live
 * in core/repgen_core.c.
 *
 * A plan holds the method, its options and the design: the strata in order,
 * each with its PSUs in order, as the text forms of their ids.  Order: the
 * natural order of the id type (integers numerically; text byte-wise, the C
 * collation, whatever the database collation), so a plan does not depend on
 * the order of the rows or on any setting.  Ids are matched by text form.
 *
 * Text form (version 1), one line:
 *
 *   v1 jkn lonely=fail; "1": "9" "10"; "2": "9" "10" "11"
 *
 * the method with every option it takes, then each stratum id, a colon and
 * its PSU ids, ids in double quotes with \" and \\ escaped.  Binary form:
 * int32 version, method, lonely, small, large, replicates; float8 rho; int64
 * seed; int32 number of strata; per stratum int32 number of PSUs, the
 * stratum id and the PSU ids, each as int32 length + bytes.  Both inputs
 * validate the whole plan (options, unique ids, and that the method can make
 * replicates from the design).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "guard.h"
#include "repgen_core.h"
#include "tally.h"

#define REPPLAN_VERSION 1

/*
 * The stored plan.  After the header: int32 first[nstrata + 1] (the first
 * PSU of each stratum, first[nstrata] = npsus), int32 off[nstrata + npsus
 * + 1] (offsets of the ids, strata then PSUs), then the ids, each ending in
 * a NUL byte.
 */
typedef struct RepPlan
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		version;		/* REPPLAN_VERSION */
	int32		method;
	int32		lonely;
	int32		small;
	int32		large;
	int32		replicates;
	int32		nstrata;
	int32		npsus;
	int32		reserved;		/* zero */
	double		rho;
	int64		seed;
} RepPlan;

#define DatumGetRepPlan(d)		((RepPlan *) PG_DETOAST_DATUM(d))
#define PG_GETARG_REPPLAN(n)	DatumGetRepPlan(PG_GETARG_DATUM(n))

static inline int32 *
plan_first(RepPlan *p)
{
	return (int32 *) ((char *) p + sizeof(RepPlan));
}

static inline int32 *
plan_off(RepPlan *p)
{
	return plan_first(p) + p->nstrata + 1;
}

static inline char *
plan_ids(RepPlan *p)
{
	return (char *) (plan_off(p) + p->nstrata + p->npsus + 1);
}

static inline const char *
plan_stratum_id(RepPlan *p, int32 h)
{
	return plan_ids(p) + plan_off(p)[h];
}

static inline const char *
plan_psu_id(RepPlan *p, int32 i)
{
	return plan_ids(p) + plan_off(p)[p->nstrata + i];
}

static void
plan_get_spec(RepPlan *p, RepgenSpec *s)
{
	memset(s, 0, sizeof(*s));
	s->method = p->method;
	s->lonely = p->lonely;
	s->small = p->small;
	s->large = p->large;
	s->replicates = p->replicates;
	s->rho = p->rho;
	s->seed = p->seed;
}

/* allocator for the core: zeroed memory in the given context */
static void *
repgen_palloc(void *ctx, size_t size)
{
	guard_bytes(size, "the replicate weights");
	return MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

/* the core's view of a plan (pointers into the plan) */
static void
plan_design(RepPlan *p, RepgenDesign *d)
{
	int32	   *npsu = palloc(sizeof(int32) * p->nstrata);
	const char **ids = palloc(sizeof(char *) * p->nstrata);
	int32		h;

	for (h = 0; h < p->nstrata; h++)
	{
		npsu[h] = plan_first(p)[h + 1] - plan_first(p)[h];
		ids[h] = plan_stratum_id(p, h);
	}
	d->nstrata = p->nstrata;
	d->npsu = npsu;
	d->stratum_id = ids;
}

static Repgen *
plan_generator(RepPlan *p)
{
	RepgenSpec	spec;
	RepgenDesign d;

	plan_get_spec(p, &spec);
	plan_design(p, &d);
	return repgen_new(&spec, &d, repgen_palloc, CurrentMemoryContext);
}

/* ------------------------------------------------------------------------
 * Building a plan
 * ------------------------------------------------------------------------
 */
typedef struct PlanBuilder
{
	RepgenSpec	spec;
	int32		nstrata;
	int32		npsus;
	int32		cap_strata;
	int32		cap_psus;
	int32	   *first;			/* [cap_strata + 1] */
	int32	   *stratum_off;	/* into ids */
	int32	   *psu_off;
	StringInfoData sids;		/* stratum ids, NUL-separated */
	StringInfoData pids;		/* PSU ids, NUL-separated */
} PlanBuilder;

static void
builder_init(PlanBuilder *b, const RepgenSpec *spec)
{
	memset(b, 0, sizeof(*b));
	b->spec = *spec;
	b->cap_strata = 16;
	b->cap_psus = 64;
	b->first = palloc(sizeof(int32) * (b->cap_strata + 1));
	b->stratum_off = palloc(sizeof(int32) * b->cap_strata);
	b->psu_off = palloc(sizeof(int32) * b->cap_psus);
	initStringInfo(&b->sids);
	initStringInfo(&b->pids);
}

static void
builder_stratum(PlanBuilder *b, const char *id, int len)
{
	if (b->nstrata == b->cap_strata)
	{
		b->cap_strata *= 2;
		b->first = repalloc(b->first, sizeof(int32) * (b->cap_strata + 1));
		b->stratum_off = repalloc(b->stratum_off, sizeof(int32) * b->cap_strata);
	}
	b->first[b->nstrata] = b->npsus;
	b->stratum_off[b->nstrata++] = b->sids.len;
	appendBinaryStringInfo(&b->sids, id, len);
	appendStringInfoChar(&b->sids, '\0');
}

static void
builder_psu(PlanBuilder *b, const char *id, int len)
{
	if (b->npsus == b->cap_psus)
	{
		if (b->cap_psus > PG_INT32_MAX / 4)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many PSUs in a replicate plan")));
		b->cap_psus *= 2;
		b->psu_off = repalloc(b->psu_off, sizeof(int32) * b->cap_psus);
	}
	b->psu_off[b->npsus++] = b->pids.len;
	appendBinaryStringInfo(&b->pids, id, len);
	appendStringInfoChar(&b->pids, '\0');
}

static RepPlan *
builder_finish(PlanBuilder *b)
{
	Size		head = sizeof(RepPlan) + sizeof(int32) * ((Size) b->nstrata + 1) +
		sizeof(int32) * ((Size) b->nstrata + b->npsus + 1);
	Size		size = head + b->sids.len + b->pids.len;
	RepPlan    *p;
	int32		k;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("replicate plan too large"),
				 errdetail("The ids of the strata and PSUs take more than 1 GB.")));
	p = palloc0(size);
	SET_VARSIZE(p, size);
	p->version = REPPLAN_VERSION;
	p->method = b->spec.method;
	p->lonely = b->spec.lonely;
	p->small = b->spec.small;
	p->large = b->spec.large;
	p->replicates = b->spec.replicates;
	p->rho = b->spec.rho;
	p->seed = b->spec.seed;
	p->nstrata = b->nstrata;
	p->npsus = b->npsus;
	for (k = 0; k < b->nstrata; k++)
		plan_first(p)[k] = b->first[k];
	plan_first(p)[b->nstrata] = b->npsus;
	for (k = 0; k < b->nstrata; k++)
		plan_off(p)[k] = b->stratum_off[k];
	for (k = 0; k < b->npsus; k++)
		plan_off(p)[b->nstrata + k] = b->sids.len + b->psu_off[k];
	plan_off(p)[b->nstrata + b->npsus] = b->sids.len + b->pids.len;
	memcpy(plan_ids(p), b->sids.data, b->sids.len);
	memcpy(plan_ids(p) + b->sids.len, b->pids.data, b->pids.len);
	return p;
}

static int
cmp_cstring_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * Consistency of a plan from outside (text or binary input): NULL when the
 * aggregate could have made it, otherwise a sentence.  The design problems
 * (a lonely PSU for jkn, ...) come with the core's detail in *detail.
 */
static const char *
plan_problem(RepPlan *p, Size size)
{
	RepgenSpec	spec;
	RepgenDesign d;
	const char *problem;
	const char **sorted;
	Size		head;
	int32		k,
				h,
				nids;
	char	   *detail;

	if (p->version != REPPLAN_VERSION)
		return "The version is not 1.";
	if (p->reserved != 0)
		return "The reserved field must be zero.";
	plan_get_spec(p, &spec);
	problem = repgen_spec_check(&spec);
	if (problem != NULL)
		return problem;
	if (p->nstrata < 1 || p->npsus < p->nstrata || p->npsus > (int32) (MaxAllocSize / 16))
		return "The numbers of strata and PSUs are out of range.";
	head = sizeof(RepPlan) + sizeof(int32) * ((Size) p->nstrata + 1) +
		sizeof(int32) * ((Size) p->nstrata + p->npsus + 1);
	if (size < head)
		return "The value is shorter than its header.";
	if (plan_first(p)[0] != 0 || plan_first(p)[p->nstrata] != p->npsus)
		return "The PSU ranges of the strata are inconsistent.";
	for (h = 0; h < p->nstrata; h++)
		if (plan_first(p)[h + 1] <= plan_first(p)[h])
			return "Every stratum must have at least one PSU.";
	nids = p->nstrata + p->npsus;
	if (plan_off(p)[0] != 0 || (Size) plan_off(p)[nids] != size - head)
		return "The id offsets are inconsistent with the size.";
	for (k = 0; k < nids; k++)
	{
		const char *s = plan_ids(p) + plan_off(p)[k];
		int32		len = plan_off(p)[k + 1] - plan_off(p)[k];

		if (len < 1 || (Size) plan_off(p)[k + 1] > size - head || s[len - 1] != '\0' ||
			(int32) strlen(s) != len - 1)
			return "An id is not a single NUL-terminated string.";
		if (!pg_verifymbstr(s, len - 1, true))
			return "An id is not valid in the database encoding.";
	}
	/* unique strata; unique PSUs within a stratum */
	sorted = palloc(sizeof(char *) * p->npsus);
	for (h = 0; h < p->nstrata; h++)
		sorted[h] = plan_stratum_id(p, h);
	qsort(sorted, p->nstrata, sizeof(char *), cmp_cstring_ptr);
	for (h = 1; h < p->nstrata; h++)
		if (strcmp(sorted[h - 1], sorted[h]) == 0)
			return psprintf("Stratum \"%s\" appears twice.", sorted[h]);
	for (h = 0; h < p->nstrata; h++)
	{
		int32		n = plan_first(p)[h + 1] - plan_first(p)[h];

		for (k = 0; k < n; k++)
			sorted[k] = plan_psu_id(p, plan_first(p)[h] + k);
		qsort(sorted, n, sizeof(char *), cmp_cstring_ptr);
		for (k = 1; k < n; k++)
			if (strcmp(sorted[k - 1], sorted[k]) == 0)
				return psprintf("PSU \"%s\" appears twice in stratum \"%s\".",
								sorted[k], plan_stratum_id(p, h));
	}
	plan_design(p, &d);
	detail = palloc(512);
	if (repgen_check(&spec, &d, detail, 512) != REPGEN_OK)
		return detail;
	return NULL;
}

static void
plan_check_or_error(RepPlan *p, Size size, int sqlstate, const char *input)
{
	const char *problem = plan_problem(p, size);

	if (problem == NULL)
		return;
	if (input != NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid value for type barometer.replicate_plan: \"%.60s%s\"",
						input, strlen(input) > 60 ? "..." : ""),
				 errdetail("%s", problem)));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid binary value for type barometer.replicate_plan"),
			 errdetail("%s", problem)));
}

/* ------------------------------------------------------------------------
 * Text and binary forms
 * ------------------------------------------------------------------------
 */
static void
plan_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type barometer.replicate_plan: \"%.60s%s\"",
					input, strlen(input) > 60 ? "..." : ""),
			 errdetail("%s", detail)));
}

/* a double-quoted id at *p into buf (cleared first) */
static void
read_quoted(const char **p, StringInfo buf, const char *input)
{
	const char *s = *p;

	resetStringInfo(buf);
	if (*s != '"')
		plan_syntax_error(input, psprintf("Expected a double-quoted id at \"%.20s\".", s));
	s++;
	for (;;)
	{
		if (*s == '\0')
			plan_syntax_error(input, "An id has no closing double quote.");
		if (*s == '"')
			break;
		if (*s == '\\')
		{
			s++;
			if (*s != '"' && *s != '\\')
				plan_syntax_error(input, "Inside an id only \\\" and \\\\ are escapes.");
		}
		appendStringInfoChar(buf, *s);
		s++;
	}
	*p = s + 1;
}

static void
append_quoted(StringInfo out, const char *id)
{
	appendStringInfoChar(out, '"');
	for (; *id; id++)
	{
		if (*id == '"' || *id == '\\')
			appendStringInfoChar(out, '\\');
		appendStringInfoChar(out, *id);
	}
	appendStringInfoChar(out, '"');
}

/* "lonely=fail", "rho=0.5 small=fail large=split", ... (what the method takes) */
static void
append_options(StringInfo out, const RepgenSpec *s)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	switch (s->method)
	{
		case REPGEN_JKN:
			appendStringInfo(out, "lonely=%s", repgen_lonely_name(s->lonely));
			break;
		case REPGEN_FAY:
			double_to_shortest_decimal_buf(s->rho, tmp);
			appendStringInfo(out, "rho=%s ", tmp);
			/* FALLTHROUGH */
		case REPGEN_BRR:
			appendStringInfo(out, "small=%s large=%s",
							 repgen_small_name(s->small), repgen_large_name(s->large));
			break;
		case REPGEN_BOOTSTRAP:
		case REPGEN_SUBBOOTSTRAP:
			appendStringInfo(out, "replicates=%d seed=" INT64_FORMAT, s->replicates, (int64) s->seed);
			break;
	}
}

/* parse method and options, raising the user errors */
static void
spec_parse_or_error(RepgenSpec *spec, const char *method, const char *options)
{
	bool		unknown;
	char		err[400];

	if (repgen_spec_parse(spec, method, options, &unknown, err, sizeof(err)))
		return;
	if (unknown)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown replication method \"%s\"", method),
				 errhint("%s", err)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid options for replication method %s: \"%s\"", method, options),
			 errdetail("%s", err)));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_in);
Datum
barometer_replicate_plan_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	const char *semi;
	char	   *method;
	char	   *options;
	size_t		len;
	RepgenSpec	spec;
	bool		unknown;
	char		err[400];
	PlanBuilder b;
	StringInfoData id;
	RepPlan    *plan;

	if (strncmp(p, "v1 ", 3) != 0)
		plan_syntax_error(input, "A replicate plan starts with \"v1 \".");
	p += 3;
	semi = strchr(p, ';');
	if (semi == NULL)
		plan_syntax_error(input, "Expected \";\" after the method and its options.");
	for (len = 0; p + len < semi && p[len] != ' '; len++)
		;
	method = pnstrdup(p, len);
	options = pnstrdup(p + len, semi - p - len);
	if (!repgen_spec_parse(&spec, method, options, &unknown, err, sizeof(err)))
		plan_syntax_error(input, err);
	p = semi;

	builder_init(&b, &spec);
	initStringInfo(&id);
	while (*p == ';')
	{
		p++;
		if (*p != ' ')
			plan_syntax_error(input, "Expected a space after \";\".");
		p++;
		read_quoted(&p, &id, input);
		builder_stratum(&b, id.data, id.len);
		if (*p != ':')
			plan_syntax_error(input, psprintf("Expected \":\" after stratum \"%s\".", id.data));
		p++;
		if (*p != ' ')
			plan_syntax_error(input, "A stratum needs at least one PSU.");
		while (*p == ' ')
		{
			p++;
			read_quoted(&p, &id, input);
			builder_psu(&b, id.data, id.len);
		}
	}
	if (*p != '\0')
		plan_syntax_error(input, psprintf("Unexpected text at \"%.20s\".", p));
	plan = builder_finish(&b);
	plan_check_or_error(plan, VARSIZE(plan), ERRCODE_INVALID_TEXT_REPRESENTATION, input);
	PG_RETURN_POINTER(plan);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_out);
Datum
barometer_replicate_plan_out(PG_FUNCTION_ARGS)
{
	RepPlan    *p = PG_GETARG_REPPLAN(0);
	RepgenSpec	spec;
	StringInfoData out;
	int32		h,
				i;

	plan_get_spec(p, &spec);
	initStringInfo(&out);
	appendStringInfo(&out, "v%d %s", REPPLAN_VERSION, repgen_method_name(spec.method));
	if (spec.method != REPGEN_JK1)
		appendStringInfoChar(&out, ' ');
	append_options(&out, &spec);
	for (h = 0; h < p->nstrata; h++)
	{
		appendStringInfoString(&out, "; ");
		append_quoted(&out, plan_stratum_id(p, h));
		appendStringInfoChar(&out, ':');
		for (i = plan_first(p)[h]; i < plan_first(p)[h + 1]; i++)
		{
			appendStringInfoChar(&out, ' ');
			append_quoted(&out, plan_psu_id(p, i));
		}
	}
	PG_RETURN_CSTRING(out.data);
}

static void
recv_error(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary value for type barometer.replicate_plan"),
			 errdetail("%s", detail)));
}

static int32
recv_int32(StringInfo buf)
{
	if (buf->len - buf->cursor < 4)
		recv_error("The value ends too early.");
	return (int32) pq_getmsgint(buf, 4);
}

/* an id: int32 length + bytes, converted to the database encoding */
static char *
recv_id(StringInfo buf)
{
	int32		len = recv_int32(buf);
	int			nbytes;

	if (len < 0 || len > buf->len - buf->cursor)
		recv_error("An id length is out of range.");
	if (memchr(buf->data + buf->cursor, '\0', len) != NULL)
		recv_error("An id contains a zero byte.");
	if (!pg_verify_mbstr(pg_get_client_encoding(), buf->data + buf->cursor, len, true))
		recv_error("An id is not valid in the client encoding.");
	return pq_getmsgtext(buf, len, &nbytes);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_recv);
Datum
barometer_replicate_plan_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	RepgenSpec	spec;
	PlanBuilder b;
	RepPlan    *plan;
	int32		version,
				nstrata,
				h,
				i;
	const char *problem;

	version = recv_int32(buf);
	if (version != REPPLAN_VERSION)
		recv_error(psprintf("Version %d is not known; this build reads version 1.", version));
	memset(&spec, 0, sizeof(spec));
	spec.method = recv_int32(buf);
	spec.lonely = recv_int32(buf);
	spec.small = recv_int32(buf);
	spec.large = recv_int32(buf);
	spec.replicates = recv_int32(buf);
	if (buf->len - buf->cursor < 16)
		recv_error("The value ends too early.");
	spec.rho = pq_getmsgfloat8(buf);
	spec.seed = pq_getmsgint64(buf);
	problem = repgen_spec_check(&spec);
	if (problem != NULL)
		recv_error(problem);
	nstrata = recv_int32(buf);
	/* every stratum takes at least 12 bytes */
	if (nstrata < 1 || nstrata > (buf->len - buf->cursor) / 12)
		recv_error("The number of strata is out of range.");
	builder_init(&b, &spec);
	for (h = 0; h < nstrata; h++)
	{
		int32		n = recv_int32(buf);
		char	   *id;

		if (n < 1 || n > (buf->len - buf->cursor) / 4)
			recv_error("The number of PSUs of a stratum is out of range.");
		id = recv_id(buf);
		builder_stratum(&b, id, strlen(id));
		for (i = 0; i < n; i++)
		{
			id = recv_id(buf);
			builder_psu(&b, id, strlen(id));
		}
	}
	if (buf->cursor != buf->len)
		recv_error("The value has bytes after its last PSU.");
	plan = builder_finish(&b);
	plan_check_or_error(plan, VARSIZE(plan), ERRCODE_INVALID_BINARY_REPRESENTATION, NULL);
	PG_RETURN_POINTER(plan);
}

static void
send_id(StringInfo buf, const char *id)
{
	pq_sendcountedtext(buf, id, strlen(id), false);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_send);
Datum
barometer_replicate_plan_send(PG_FUNCTION_ARGS)
{
	RepPlan    *p = PG_GETARG_REPPLAN(0);
	StringInfoData buf;
	int32		h,
				i;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, REPPLAN_VERSION);
	pq_sendint32(&buf, p->method);
	pq_sendint32(&buf, p->lonely);
	pq_sendint32(&buf, p->small);
	pq_sendint32(&buf, p->large);
	pq_sendint32(&buf, p->replicates);
	pq_sendfloat8(&buf, p->rho);
	pq_sendint64(&buf, p->seed);
	pq_sendint32(&buf, p->nstrata);
	for (h = 0; h < p->nstrata; h++)
	{
		pq_sendint32(&buf, plan_first(p)[h + 1] - plan_first(p)[h]);
		send_id(&buf, plan_stratum_id(p, h));
		for (i = plan_first(p)[h]; i < plan_first(p)[h + 1]; i++)
			send_id(&buf, plan_psu_id(p, i));
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ------------------------------------------------------------------------
 * A hash set of (stratum, psu) text pairs with an int32 value
 * ------------------------------------------------------------------------
 */
typedef struct IdEntry
{
	char	   *stratum;		/* NULL: empty slot */
	char	   *psu;
	uint32		hash;
	int32		value;
} IdEntry;

typedef struct IdSet
{
	MemoryContext cxt;
	IdEntry    *slots;
	uint32		cap;			/* a power of 2 */
	uint32		count;
} IdSet;

static void
idset_init(IdSet *set, MemoryContext cxt, uint32 expected)
{
	uint32		cap = 16;

	while (cap < 2 * expected && cap < (1U << 30))
		cap *= 2;
	set->cxt = cxt;
	set->cap = cap;
	set->count = 0;
	set->slots = MemoryContextAllocExtended(cxt, sizeof(IdEntry) * cap, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

static uint32
id_hash(const char *stratum, const char *psu)
{
	return hash_combine(hash_bytes((const unsigned char *) stratum, strlen(stratum)),
						hash_bytes((const unsigned char *) psu, strlen(psu)));
}

static IdEntry *
idset_slot(IdEntry *slots, uint32 cap, const char *stratum, const char *psu, uint32 hash)
{
	uint32		i = hash & (cap - 1);

	while (slots[i].stratum != NULL &&
		   (slots[i].hash != hash || strcmp(slots[i].stratum, stratum) != 0 ||
			strcmp(slots[i].psu, psu) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* add a copy of the pair unless present */
static void
idset_add(IdSet *set, const char *stratum, const char *psu, int32 value)
{
	uint32		hash = id_hash(stratum, psu);
	IdEntry    *e = idset_slot(set->slots, set->cap, stratum, psu, hash);

	if (e->stratum != NULL)
		return;
	if (2 * (set->count + 1) > set->cap)
	{
		uint32		newcap = set->cap * 2;
		IdEntry    *slots;
		uint32		i;

		if (set->cap >= (1U << 30))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many PSUs in a replicate plan")));
		slots = MemoryContextAllocExtended(set->cxt, sizeof(IdEntry) * newcap,
										   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		for (i = 0; i < set->cap; i++)
			if (set->slots[i].stratum != NULL)
				*idset_slot(slots, newcap, set->slots[i].stratum, set->slots[i].psu,
							set->slots[i].hash) = set->slots[i];
		pfree(set->slots);
		set->slots = slots;
		set->cap = newcap;
		e = idset_slot(set->slots, set->cap, stratum, psu, hash);
	}
	e->stratum = MemoryContextStrdup(set->cxt, stratum);
	e->psu = MemoryContextStrdup(set->cxt, psu);
	e->hash = hash;
	e->value = value;
	set->count++;
}

static int32
idset_get(const IdSet *set, const char *stratum, const char *psu)
{
	IdEntry    *e = idset_slot(set->slots, set->cap, stratum, psu, id_hash(stratum, psu));

	return e->stratum != NULL ? e->value : -1;
}

/* ------------------------------------------------------------------------
 * Ids: allowed types and their text forms
 * ------------------------------------------------------------------------
 */

/*
 * Ids must have a text form that no setting changes: integers, numeric,
 * text types and uuid (an untyped literal is text).  Dates, floats and
 * timestamps print according to DateStyle or extra_float_digits.
 */
static void
check_id_type(Oid type, const char *what)
{
	switch (getBaseType(type))
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case UUIDOID:
		case UNKNOWNOID:
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s must be an integer, numeric, text or uuid", what),
			 errdetail("The %s is of type %s.", what, format_type_be(type)),
			 errhint("Cast it to text; ids are matched by their text form, which must not depend on settings.")));
}

/* the type whose btree order sorts ids (unknown literals are text) */
static Oid
id_sort_type(Oid type)
{
	Oid			base = getBaseType(type);

	return base == UNKNOWNOID ? TEXTOID : base;
}

/* output function of an id argument, cached in *out; NULL ids are errors */
static char *
id_text(FunctionCallInfo fcinfo, int argno, const char *what, Oid *type, FmgrInfo *out, MemoryContext cxt)
{
	Oid			t;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what),
				 strcmp(what, "stratum") == 0 ?
				 errdetail("Every row needs a stratum id; give an unstratified design one constant stratum.") :
				 errdetail("Every row needs a psu id.")));
	if (!OidIsValid(*type))
	{
		Oid			func;
		bool		varlena;

		t = get_fn_expr_argtype(fcinfo->flinfo, argno);
		if (!OidIsValid(t))
			elog(ERROR, "could not determine the type of the %s argument", what);
		check_id_type(t, what);
		getTypeOutputInfo(t, &func, &varlena);
		fmgr_info_cxt(func, out, cxt);
		*type = t;
	}
	return OutputFunctionCall(out, PG_GETARG_DATUM(argno));
}

/* ------------------------------------------------------------------------
 * The aggregate replicate_plan(method, stratum, psu [, options])
 * ------------------------------------------------------------------------
 */
typedef struct PlanAggState
{
	char	   *method;			/* as given on the first row */
	char	   *options;		/* "" when none */
	RepgenSpec	spec;
	Oid			stratum_type;
	Oid			psu_type;
	FmgrInfo	stratum_out;	/* set on the first row of a transition */
	FmgrInfo	psu_out;
	IdSet		ids;
} PlanAggState;

static PlanAggState *
plan_state_new(MemoryContext cxt, const char *method, const char *options,
			   const RepgenSpec *spec, uint32 expected)
{
	PlanAggState *st = MemoryContextAllocZero(cxt, sizeof(PlanAggState));

	st->method = MemoryContextStrdup(cxt, method);
	st->options = MemoryContextStrdup(cxt, options);
	st->spec = *spec;
	idset_init(&st->ids, cxt, expected);
	return st;
}

/* text argument equal to a C string, without copying */
static bool
text_equals(text *t, const char *s)
{
	size_t		len = strlen(s);

	return VARSIZE_ANY_EXHDR(t) == len && memcmp(VARDATA_ANY(t), s, len) == 0;
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_trans);
Datum
barometer_replicate_plan_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PlanAggState *st;
	text	   *method;
	text	   *options = NULL;
	char	   *s;
	char	   *p;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "replicate_plan_trans called outside an aggregate");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replication method must not be NULL"),
				 errhint("Valid methods are: jk1, jkn, brr, fay, bootstrap, subbootstrap.")));
	method = PG_GETARG_TEXT_PP(1);
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
		options = PG_GETARG_TEXT_PP(4);

	if (PG_ARGISNULL(0))
	{
		char	   *m = text_to_cstring(method);
		char	   *o = options ? text_to_cstring(options) : pstrdup("");
		RepgenSpec	spec;

		spec_parse_or_error(&spec, m, o);
		st = plan_state_new(aggcxt, m, o, &spec, 64);
	}
	else
	{
		st = (PlanAggState *) PG_GETARG_POINTER(0);
		if (!text_equals(method, st->method) ||
			!(options ? text_equals(options, st->options) : st->options[0] == '\0'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replication method and options must be the same on every row"),
					 errdetail("An earlier row gave method \"%s\" with options \"%s\", this row \"%s\" with \"%s\".",
							   st->method, st->options, text_to_cstring(method),
							   options ? text_to_cstring(options) : "")));
	}
	s = id_text(fcinfo, 2, "stratum", &st->stratum_type, &st->stratum_out, aggcxt);
	p = id_text(fcinfo, 3, "psu", &st->psu_type, &st->psu_out, aggcxt);
	idset_add(&st->ids, s, p, 0);
	PG_RETURN_POINTER(st);
}

static void
plan_states_compatible(PlanAggState *a, PlanAggState *b)
{
	if (strcmp(a->method, b->method) != 0 || strcmp(a->options, b->options) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replication method and options must be the same on every row"),
				 errdetail("Method \"%s\" with options \"%s\" meets \"%s\" with \"%s\".",
						   a->method, a->options, b->method, b->options)));
	if (a->stratum_type != b->stratum_type || a->psu_type != b->psu_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("stratum and psu must have the same types on every row")));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_combine);
Datum
barometer_replicate_plan_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PlanAggState *a;
	PlanAggState *b;
	uint32		i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "replicate_plan_combine called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (PlanAggState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		a = plan_state_new(aggcxt, b->method, b->options, &b->spec, b->ids.count);
		a->stratum_type = b->stratum_type;
		a->psu_type = b->psu_type;
	}
	else
	{
		a = (PlanAggState *) PG_GETARG_POINTER(0);
		plan_states_compatible(a, b);
	}
	for (i = 0; i < b->ids.cap; i++)
		if (b->ids.slots[i].stratum != NULL)
			idset_add(&a->ids, b->ids.slots[i].stratum, b->ids.slots[i].psu, 0);
	PG_RETURN_POINTER(a);
}

static void
send_cstring(StringInfo buf, const char *s)
{
	size_t		len = strlen(s);

	pq_sendint32(buf, (int32) len);
	pq_sendbytes(buf, s, len);
}

static char *
get_cstring(StringInfo buf)
{
	int32		len = pq_getmsgint(buf, 4);

	return pnstrdup(pq_getmsgbytes(buf, len), len);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_serialize);
Datum
barometer_replicate_plan_serialize(PG_FUNCTION_ARGS)
{
	PlanAggState *st = (PlanAggState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	uint32		i;

	pq_begintypsend(&buf);
	send_cstring(&buf, st->method);
	send_cstring(&buf, st->options);
	pq_sendint32(&buf, st->stratum_type);
	pq_sendint32(&buf, st->psu_type);
	pq_sendint32(&buf, st->ids.count);
	for (i = 0; i < st->ids.cap; i++)
		if (st->ids.slots[i].stratum != NULL)
		{
			send_cstring(&buf, st->ids.slots[i].stratum);
			send_cstring(&buf, st->ids.slots[i].psu);
		}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_deserialize);
Datum
barometer_replicate_plan_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	PlanAggState *st;
	RepgenSpec	spec;
	char	   *method;
	char	   *options;
	uint32		count,
				i;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
	method = get_cstring(&buf);
	options = get_cstring(&buf);
	spec_parse_or_error(&spec, method, options);
	st = plan_state_new(CurrentMemoryContext, method, options, &spec, 16);
	st->stratum_type = pq_getmsgint(&buf, 4);
	st->psu_type = pq_getmsgint(&buf, 4);
	count = pq_getmsgint(&buf, 4);
	for (i = 0; i < count; i++)
	{
		char	   *s = get_cstring(&buf);
		char	   *p = get_cstring(&buf);

		idset_add(&st->ids, s, p, 0);
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/* ids of one type, parsed back from text, in the type's order */
typedef struct SortId
{
	const char *text;
	Datum		value;
	int32		index;			/* stratum: first entry of its group */
	int32		count;			/* stratum: entries in its group */
} SortId;

typedef struct SortContext
{
	FmgrInfo   *cmp;
} SortContext;

static int
cmp_sort_id(const void *a, const void *b, void *arg)
{
	SortContext *c = (SortContext *) arg;

	return DatumGetInt32(FunctionCall2Coll(c->cmp, C_COLLATION_OID,
										   ((const SortId *) a)->value,
										   ((const SortId *) b)->value));
}

static int
cmp_entry_ptr(const void *a, const void *b)
{
	const IdEntry *x = *(const IdEntry *const *) a;
	const IdEntry *y = *(const IdEntry *const *) b;
	int			c = strcmp(x->stratum, y->stratum);

	return c != 0 ? c : strcmp(x->psu, y->psu);
}

/* sort ids by their type's order; two different texts of equal value are an error */
static void
sort_ids(SortId *ids, int32 n, Oid type, const char *what)
{
	TypeCacheEntry *tc = lookup_type_cache(id_sort_type(type), TYPECACHE_CMP_PROC_FINFO);
	Oid			input;
	Oid			ioparam;
	FmgrInfo	in;
	SortContext c;
	int32		k;

	if (!OidIsValid(tc->cmp_proc_finfo.fn_oid))
		elog(ERROR, "no btree comparison for type %s", format_type_be(type));
	getTypeInputInfo(id_sort_type(type), &input, &ioparam);
	fmgr_info(input, &in);
	for (k = 0; k < n; k++)
		ids[k].value = InputFunctionCall(&in, (char *) ids[k].text, ioparam, -1);
	c.cmp = &tc->cmp_proc_finfo;
	qsort_arg(ids, n, sizeof(SortId), cmp_sort_id, &c);
	for (k = 1; k < n; k++)
		if (cmp_sort_id(&ids[k - 1], &ids[k], &c) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s ids \"%s\" and \"%s\" are equal but print differently",
							what, ids[k - 1].text, ids[k].text),
					 errdetail("A plan matches ids by their text form."),
					 errhint("Give each %s one text form, for example by casting to text.", what)));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_final);
Datum
barometer_replicate_plan_final(PG_FUNCTION_ARGS)
{
	PlanAggState *st;
	IdEntry   **entries;
	SortId	   *strata;
	SortId	   *psus;
	int32		n = 0,
				nstrata = 0,
				h,
				k;
	uint32		i;
	PlanBuilder b;
	RepPlan    *plan;
	RepgenDesign d;
	char		detail[512];
	RepgenProblem problem;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (PlanAggState *) PG_GETARG_POINTER(0);

	/* group the pairs by stratum text */
	entries = palloc(sizeof(IdEntry *) * st->ids.count);
	for (i = 0; i < st->ids.cap; i++)
		if (st->ids.slots[i].stratum != NULL)
			entries[n++] = &st->ids.slots[i];
	qsort(entries, n, sizeof(IdEntry *), cmp_entry_ptr);
	strata = palloc(sizeof(SortId) * n);
	for (k = 0; k < n; k++)
		if (k == 0 || strcmp(entries[k]->stratum, entries[k - 1]->stratum) != 0)
		{
			strata[nstrata].text = entries[k]->stratum;
			strata[nstrata].index = k;
			strata[nstrata++].count = 1;
		}
		else
			strata[nstrata - 1].count++;

	/* strata and PSUs in the natural order of their types */
	sort_ids(strata, nstrata, st->stratum_type, "stratum");
	builder_init(&b, &st->spec);
	psus = palloc(sizeof(SortId) * n);
	for (h = 0; h < nstrata; h++)
	{
		builder_stratum(&b, strata[h].text, strlen(strata[h].text));
		for (k = 0; k < strata[h].count; k++)
			psus[k].text = entries[strata[h].index + k]->psu;
		sort_ids(psus, strata[h].count, st->psu_type, "psu");
		for (k = 0; k < strata[h].count; k++)
			builder_psu(&b, psus[k].text, strlen(psus[k].text));
	}
	plan = builder_finish(&b);

	plan_design(plan, &d);
	problem = repgen_check(&st->spec, &d, detail, sizeof(detail));
	if (problem != REPGEN_OK)
	{
		const char *hint = repgen_problem_hint(problem, &st->spec);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot make %s replicates: %s", st->method, repgen_problem_message(problem)),
				 errdetail("%s", detail),
				 hint ? errhint("%s", hint) : 0));
	}
	PG_RETURN_POINTER(plan);
}

/* ------------------------------------------------------------------------
 * Per row: replicate_weights(plan, stratum, psu, w), replicate_factors
 * ------------------------------------------------------------------------
 */

/*
 * The expanded plan, cached in fn_extra for the whole query: the factors
 * need the Hadamard rows or the bootstrap draws and a hash of the ids, which
 * are made once per plan, not once per row.  A plan is recognised by its
 * toast pointer when stored out of line, else by its bytes.
 */
typedef struct PlanCache
{
	MemoryContext cxt;			/* what belongs to the current plan */
	char	   *key;
	Size		keylen;
	RepPlan    *plan;
	Repgen	   *gen;
	IdSet		ids;			/* (stratum, psu) -> global PSU */
	IdSet		strata;			/* (stratum, "") -> stratum */
	double	   *factors;		/* [nreps] */
	/* the id arguments' types and output functions (for the query) */
	Oid			stratum_type;
	Oid			psu_type;
	FmgrInfo	stratum_out;
	FmgrInfo	psu_out;
} PlanCache;

static PlanCache *
plan_cache(FunctionCallInfo fcinfo)
{
	PlanCache  *c = (PlanCache *) fcinfo->flinfo->fn_extra;
	struct varlena *raw;
	const char *key;
	Size		keylen;
	MemoryContext old;
	int32		h,
				i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate plan must not be NULL")));
	raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(0));
	if (VARATT_IS_EXTERNAL_ONDISK(raw))
	{
		key = (const char *) raw;
		keylen = VARSIZE_EXTERNAL(raw);
	}
	else
	{
		if (VARATT_IS_EXTERNAL(raw))
			raw = (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
		key = (const char *) raw;
		keylen = VARSIZE_ANY(raw);
	}
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PlanCache));
		c->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "barometer replicate plan",
									   ALLOCSET_DEFAULT_SIZES);
		fcinfo->flinfo->fn_extra = c;
	}
	else if (c->key != NULL && c->keylen == keylen && memcmp(c->key, key, keylen) == 0)
		return c;

	MemoryContextReset(c->cxt);
	c->key = NULL;
	old = MemoryContextSwitchTo(c->cxt);
	c->plan = (RepPlan *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
	c->gen = plan_generator(c->plan);
	if ((c->gen->spec.method == REPGEN_BOOTSTRAP || c->gen->spec.method == REPGEN_SUBBOOTSTRAP) &&
		(Size) c->gen->npsus * c->gen->nreps > MaxAllocHugeSize / sizeof(int32))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many PSUs times replicates in a bootstrap plan")));
	repgen_prepare(c->gen, repgen_palloc, c->cxt);
	c->factors = palloc(sizeof(double) * c->gen->nreps);
	idset_init(&c->ids, c->cxt, c->plan->npsus);
	idset_init(&c->strata, c->cxt, c->plan->nstrata);
	for (h = 0; h < c->plan->nstrata; h++)
	{
		idset_add(&c->strata, plan_stratum_id(c->plan, h), "", h);
		for (i = plan_first(c->plan)[h]; i < plan_first(c->plan)[h + 1]; i++)
			idset_add(&c->ids, plan_stratum_id(c->plan, h), plan_psu_id(c->plan, i), i);
	}
	c->key = palloc(keylen);
	memcpy(c->key, key, keylen);
	c->keylen = keylen;
	MemoryContextSwitchTo(old);
	return c;
}

/* the factors of the row's PSU, in c->factors */
static PlanCache *
row_factors(FunctionCallInfo fcinfo)
{
	PlanCache  *c = plan_cache(fcinfo);
	char	   *s = id_text(fcinfo, 1, "stratum", &c->stratum_type, &c->stratum_out,
							fcinfo->flinfo->fn_mcxt);
	char	   *p = id_text(fcinfo, 2, "psu", &c->psu_type, &c->psu_out,
							fcinfo->flinfo->fn_mcxt);
	int32		i = idset_get(&c->ids, s, p);

	if (i < 0)
	{
		if (idset_get(&c->strata, s, "") < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stratum \"%s\" is not in the replicate plan", s),
					 errdetail("The plan has %d strata; ids are matched by their text form.",
							   c->plan->nstrata),
					 errhint("Build the plan from the same rows that get replicate weights.")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("psu \"%s\" of stratum \"%s\" is not in the replicate plan", p, s),
				 errdetail("The stratum has %d PSUs in the plan; ids are matched by their text form.",
						   plan_first(c->plan)[idset_get(&c->strata, s, "") + 1] -
						   plan_first(c->plan)[idset_get(&c->strata, s, "")]),
				 errhint("Build the plan from the same rows that get replicate weights.")));
	}
	repgen_factors(c->gen, i, c->factors);
	return c;
}

static ArrayType *
float8_array(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * n);
	int			k;

	for (k = 0; k < n; k++)
		d[k] = Float8GetDatum(v[k]);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* the row's replicate weights: w * a_r, R's weights(rep, "analysis") */
PG_FUNCTION_INFO_V1(barometer_replicate_weights);
Datum
barometer_replicate_weights(PG_FUNCTION_ARGS)
{
	PlanCache  *c = row_factors(fcinfo);
	double		w = tally_arg_weight(fcinfo, 3);
	double	   *out = palloc(sizeof(double) * c->gen->nreps);
	int32		r;

	for (r = 0; r < c->gen->nreps; r++)
		out[r] = c->factors[r] * w;
	PG_RETURN_ARRAYTYPE_P(float8_array(out, c->gen->nreps));
}

PG_FUNCTION_INFO_V1(barometer_replicate_factors);
Datum
barometer_replicate_factors(PG_FUNCTION_ARGS)
{
	PlanCache  *c = row_factors(fcinfo);

	PG_RETURN_ARRAYTYPE_P(float8_array(c->factors, c->gen->nreps));
}

/* ------------------------------------------------------------------------
 * Readers
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(barometer_replicate_plan_count);
Datum
barometer_replicate_plan_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(plan_generator(PG_GETARG_REPPLAN(0))->nreps);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_scale);
Datum
barometer_replicate_plan_scale(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(plan_generator(PG_GETARG_REPPLAN(0))->scale);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_rscales);
Datum
barometer_replicate_plan_rscales(PG_FUNCTION_ARGS)
{
	Repgen	   *g = plan_generator(PG_GETARG_REPPLAN(0));

	PG_RETURN_ARRAYTYPE_P(float8_array(g->rscales, g->nreps));
}

static double
plan_df(Repgen *g)
{
	repgen_prepare(g, repgen_palloc, CurrentMemoryContext);
	return repgen_df(g, repgen_palloc, CurrentMemoryContext);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_df);
Datum
barometer_replicate_plan_df(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(plan_df(plan_generator(PG_GETARG_REPPLAN(0))));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_method);
Datum
barometer_replicate_plan_method(PG_FUNCTION_ARGS)
{
	RepPlan    *p = PG_GETARG_REPPLAN(0);

	PG_RETURN_TEXT_P(cstring_to_text(repgen_method_name(p->method)));
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_describe);
Datum
barometer_replicate_plan_describe(PG_FUNCTION_ARGS)
{
	RepPlan    *p = PG_GETARG_REPPLAN(0);
	Repgen	   *g = plan_generator(p);
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {false};
	StringInfoData opts;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "replicate_describe must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	initStringInfo(&opts);
	append_options(&opts, &g->spec);
	values[0] = PointerGetDatum(cstring_to_text(repgen_method_name(p->method)));
	values[1] = PointerGetDatum(cstring_to_text(opts.data));
	values[2] = Int32GetDatum(g->nreps);
	values[3] = Float8GetDatum(g->scale);
	values[4] = PointerGetDatum(float8_array(g->rscales, g->nreps));
	values[5] = Float8GetDatum(plan_df(g));
	values[6] = Float8GetDatum(p->rho);
	values[7] = Int32GetDatum(p->nstrata);
	values[8] = Int32GetDatum(p->npsus);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
