/*
 * repgen_io.c - the text and binary forms of barometer.replicate_plan
 * (repgen.h), the builder every plan is made with, and the check both
 * inputs run.
 *
 * Text form (version 1), one line:
 *
 *   v1 jkn lonely=fail; "1": "9" "10"; "2": "9" "10" "11"
 *
 * the method with every option it takes, then each stratum id, a colon and
 * its PSU ids, ids in double quotes with \" and \\ escaped; rho in the
 * shortest decimal that reads back to the same double (subnormals
 * included).  Binary form: int32 version, method, lonely, small, large,
 * replicates; float8 rho; int64 seed; int32 number of strata; per stratum
 * int32 number of PSUs, the stratum id and the PSU ids, each as int32
 * length + bytes (in the client encoding, as text is sent).  Both inputs
 * validate the whole plan with plan_problem (options, ids without NUL bytes
 * and valid in the server encoding, unique ids, and that the method can
 * make replicates from the design); the binary input checks every length
 * before reading it (22P03) and every count against the bytes left and
 * barometer.max_state_bytes before allocating.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "guard.h"
#include "repgen.h"
#include "stored.h"

void
repplan_get_spec(RepPlan *p, RepgenSpec *s)
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

/* the core's view of a plan (pointers into the plan) */
void
repplan_design(RepPlan *p, RepgenDesign *d)
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

/* ------------------------------------------------------------------------
 * Building a plan
 * ------------------------------------------------------------------------
 */
void
repplan_builder_init(PlanBuilder *b, const RepgenSpec *spec)
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

void
repplan_builder_stratum(PlanBuilder *b, const char *id, int len)
{
	if (b->nstrata == b->cap_strata)
	{
		guard_array((uint64) b->cap_strata * 2 + 1, 2 * sizeof(int32), "the strata of a replicate plan");
		b->cap_strata *= 2;
		b->first = repalloc(b->first, sizeof(int32) * (b->cap_strata + 1));
		b->stratum_off = repalloc(b->stratum_off, sizeof(int32) * b->cap_strata);
	}
	b->first[b->nstrata] = b->npsus;
	b->stratum_off[b->nstrata++] = b->sids.len;
	appendBinaryStringInfo(&b->sids, id, len);
	appendStringInfoChar(&b->sids, '\0');
}

void
repplan_builder_psu(PlanBuilder *b, const char *id, int len)
{
	if (b->npsus == b->cap_psus)
	{
		if (b->cap_psus > PG_INT32_MAX / 4)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many PSUs in a replicate plan")));
		guard_array((uint64) b->cap_psus * 2, sizeof(int32), "the PSUs of a replicate plan");
		b->cap_psus *= 2;
		b->psu_off = repalloc_huge(b->psu_off, sizeof(int32) * b->cap_psus);
	}
	b->psu_off[b->npsus++] = b->pids.len;
	appendBinaryStringInfo(&b->pids, id, len);
	appendStringInfoChar(&b->pids, '\0');
}

RepPlan *
repplan_builder_finish(PlanBuilder *b)
{
	Size		head = sizeof(RepPlan) + sizeof(int32) * ((Size) b->nstrata + 1) +
		sizeof(int32) * ((Size) b->nstrata + b->npsus + 1);
	Size		size = head + b->sids.len + b->pids.len;
	RepPlan    *p;
	int32		k;

	guard_bytes(size, "a replicate plan");
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
	repplan_get_spec(p, &spec);
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

		if ((k & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
		if (len < 1 || (Size) plan_off(p)[k + 1] > size - head || s[len - 1] != '\0' ||
			(int32) strlen(s) != len - 1)
			return "An id is not a single NUL-terminated string.";
		if (stored_id_problem(s, len - 1) != NULL)
			return stored_id_problem(s, len - 1);
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

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < n; k++)
			sorted[k] = plan_psu_id(p, plan_first(p)[h] + k);
		qsort(sorted, n, sizeof(char *), cmp_cstring_ptr);
		for (k = 1; k < n; k++)
			if (strcmp(sorted[k - 1], sorted[k]) == 0)
				return psprintf("PSU \"%s\" appears twice in stratum \"%s\".",
								sorted[k], plan_stratum_id(p, h));
	}
	repplan_design(p, &d);
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
				 errmsg("invalid value for type barometer.replicate_plan: \"%s\"",
						stored_clip(input, 60, true)),
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
			 errmsg("invalid input syntax for type barometer.replicate_plan: \"%s\"",
					stored_clip(input, 60, true)),
			 errdetail("%s", detail)));
}

/* a double-quoted id at *p into buf (cleared first) */
static void
read_quoted(const char **p, StringInfo buf, const char *input)
{
	const char *s = *p;

	resetStringInfo(buf);
	if (*s != '"')
		plan_syntax_error(input, psprintf("Expected a double-quoted id at \"%s\".", stored_clip(s, 20, false)));
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
void
repplan_append_options(StringInfo out, const RepgenSpec *s)
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

	repplan_builder_init(&b, &spec);
	initStringInfo(&id);
	while (*p == ';')
	{
		p++;
		if (*p != ' ')
			plan_syntax_error(input, "Expected a space after \";\".");
		p++;
		read_quoted(&p, &id, input);
		repplan_builder_stratum(&b, id.data, id.len);
		if (*p != ':')
			plan_syntax_error(input, psprintf("Expected \":\" after stratum \"%s\".", id.data));
		p++;
		if (*p != ' ')
			plan_syntax_error(input, "A stratum needs at least one PSU.");
		while (*p == ' ')
		{
			p++;
			read_quoted(&p, &id, input);
			repplan_builder_psu(&b, id.data, id.len);
		}
	}
	if (*p != '\0')
		plan_syntax_error(input, psprintf("Unexpected text at \"%s\".", stored_clip(p, 20, false)));
	plan = repplan_builder_finish(&b);
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

	repplan_get_spec(p, &spec);
	initStringInfo(&out);
	appendStringInfo(&out, "v%d %s", REPPLAN_VERSION, repgen_method_name(spec.method));
	if (spec.method != REPGEN_JK1)
		appendStringInfoChar(&out, ' ');
	repplan_append_options(&out, &spec);
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

/*
 * An id: int32 length + bytes in the client encoding (as text is sent),
 * converted to the server encoding; NUL bytes and invalid bytes are refused
 * here, and plan_problem checks the result once more.
 */
static char *
recv_id(StoredReader *r)
{
	int32		len = stored_get_i32(r, "an id's length");
	int			nbytes;

	if (len < 0 || len > stored_left(r))
		stored_binary_error(r, psprintf("An id's length (%d) is out of range.", len));
	if (memchr(r->buf->data + r->buf->cursor, '\0', len) != NULL)
		stored_binary_error(r, "An id contains a zero byte.");
	if (!pg_verify_mbstr(pg_get_client_encoding(), r->buf->data + r->buf->cursor, len, true))
		stored_binary_error(r, "An id is not valid in the client encoding.");
	return pq_getmsgtext(r->buf, len, &nbytes);
}

PG_FUNCTION_INFO_V1(barometer_replicate_plan_recv);
Datum
barometer_replicate_plan_recv(PG_FUNCTION_ARGS)
{
	StoredReader rd;
	RepgenSpec	spec;
	PlanBuilder b;
	RepPlan    *plan;
	int32		version,
				nstrata,
				h,
				i;
	const char *problem;

	stored_reader_init(&rd, (StringInfo) PG_GETARG_POINTER(0), "barometer.replicate_plan");
	version = stored_get_i32(&rd, "the version");
	if (version != REPPLAN_VERSION)
		stored_binary_error(&rd, psprintf("Version %d is not known; this build reads version 1.", version));
	memset(&spec, 0, sizeof(spec));
	spec.method = stored_get_i32(&rd, "the method");
	spec.lonely = stored_get_i32(&rd, "the lonely option");
	spec.small = stored_get_i32(&rd, "the small option");
	spec.large = stored_get_i32(&rd, "the large option");
	spec.replicates = stored_get_i32(&rd, "the replicates option");
	spec.rho = stored_get_f8(&rd, "rho");
	spec.seed = stored_get_i64(&rd, "the seed");
	problem = repgen_spec_check(&spec);
	if (problem != NULL)
		stored_binary_error(&rd, problem);
	nstrata = stored_get_i32(&rd, "the number of strata");
	if (nstrata < 1)
		stored_binary_error(&rd, "A plan has at least one stratum.");
	/* every stratum takes at least 12 bytes: its PSU count and two ids */
	stored_check_count(&rd, nstrata, 12, 2 * sizeof(int32), "strata");
	repplan_builder_init(&b, &spec);
	for (h = 0; h < nstrata; h++)
	{
		int32		n = stored_get_i32(&rd, "a stratum's number of PSUs");
		char	   *id;

		CHECK_FOR_INTERRUPTS();
		if (n < 1)
			stored_binary_error(&rd, "Every stratum has at least one PSU.");
		/* every PSU takes at least 4 bytes, its id's length */
		stored_check_count(&rd, n, 4, sizeof(int32), "PSUs");
		id = recv_id(&rd);
		repplan_builder_stratum(&b, id, strlen(id));
		for (i = 0; i < n; i++)
		{
			if ((i & 1023) == 1023)
				CHECK_FOR_INTERRUPTS();
			id = recv_id(&rd);
			repplan_builder_psu(&b, id, strlen(id));
		}
	}
	stored_end(&rd);
	plan = repplan_builder_finish(&b);
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

