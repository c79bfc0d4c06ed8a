/*
 * replicates.c - barometer.replicates: how a set of replicate weights was
 * made (method, scale, per-replicate scales, rho, mse, df).  A small
 * varlena: RepSpec then the rscales (nrep = their count, 0 when none).
 *
 * Text form: "jkn scale=1 rho=0 mse=false df=default rscales={0.5,0.5}";
 * scale=default until the number of replicates is known.  The method name
 * alone ('jk1'::barometer.replicates, or barometer.replicates('jk1'), which
 * PostgreSQL reads as that cast) means every other setting at its default.
 * Numbers in the shortest decimal that reads back to the same double
 * (subnormals and -0 included); "default" is NaN, stored in one canonical
 * form.  Binary form (new in 0.2): int32 version 1, method, mse; float8
 * scale, rho, df (NaN: default); int32 number of rscales, float8 each.
 * Both inputs and the constructor run replicates_check, so whatever one
 * accepts the others read back.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "replicates.h"
#include "stored.h"
#include "tally.h"

#define REPLICATES_VERSION 1

/*
 * A specification.  NaN scale and df are "default", stored as the one
 * canonical NaN; -0 and subnormals are kept (both forms carry them).
 */
static Replicates *
replicates_make(const RepSpec *spec, const double *rscales, int n)
{
	size_t		size = offsetof(Replicates, rscales) + n * sizeof(double);
	Replicates *r = palloc0(size);

	SET_VARSIZE(r, size);
	r->spec = *spec;
	r->spec.nrep = n;
	r->spec.has_rscales = n > 0;
	if (isnan(r->spec.scale))
		r->spec.scale = stored_nan();
	if (isnan(r->spec.df))
		r->spec.df = stored_nan();
	if (n > 0)
		memcpy(r->rscales, rscales, n * sizeof(double));
	return r;
}

/*
 * Whether a specification is one the constructor makes: NULL or a
 * sentence.  Its number of replicates is not known yet: a trial completion
 * with the rscales' count (or 2) must succeed.
 */
static const char *
replicates_problem(const Replicates *r)
{
	RepSpec		s = r->spec;

	if (VARSIZE(r) != offsetof(Replicates, rscales) + s.nrep * sizeof(double))
		return "The length does not match the number of rscales.";
	if (r->pad != 0)
		return "The reserved field must be zero.";
	if (s.nrep == 1 || s.nrep > TALLY_MAX_REPLICATES)
		return "rscales needs one scale per replicate: from 2 to 100000 of them.";
	if (s.has_rscales != (s.nrep > 0))
		return "The rscales flag does not match the number of rscales.";
	if (s.mse != 0 && s.mse != 1)
		return "The mse flag must be 0 or 1.";
	if (!stored_double_ok(s.scale, true) || !stored_double_ok(s.df, true) || isnan(s.rho))
		return "NaN stands for a default scale or df, in one canonical form; rho is a number.";
	if (!s.has_rscales)
		s.nrep = 2;
	if (!isnan(s.scale) || s.method != REP_OTHER)
		return rep_spec_complete(&s, r->rscales);
	return "The other method needs a scale.";
}

static void
replicates_check(const Replicates *r, int sqlstate)
{
	const char *problem = replicates_problem(r);

	if (problem)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg(sqlstate == ERRCODE_INVALID_BINARY_REPRESENTATION ?
						"invalid binary value for type barometer.replicates" :
						"invalid replicate specification"),
				 errdetail("%s", problem),
				 errhint("Methods: %s.", REP_METHOD_NAMES)));
}

/* barometer.replicates(method, rho, scale, rscales, mse, df) */
PG_FUNCTION_INFO_V1(barometer_replicates_make);
Datum
barometer_replicates_make(PG_FUNCTION_ARGS)
{
	RepSpec		s;
	char	   *name;
	double	   *rscales = NULL;
	int			n = 0;
	Replicates *r;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replication method must not be NULL"),
				 errhint("Methods: %s.", REP_METHOD_NAMES)));
	memset(&s, 0, sizeof(s));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	s.method = rep_method_parse(name);
	if (s.method < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown replication method \"%s\"", name),
				 errhint("Methods: %s.", REP_METHOD_NAMES)));
	s.rho = PG_ARGISNULL(1) ? 0.0 : PG_GETARG_FLOAT8(1);
	if (s.method == REP_FAY && PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Fay's method needs rho"),
				 errhint("For example barometer.replicates('fay', rho => 0.5).")));
	s.scale = PG_ARGISNULL(2) ? NAN : PG_GETARG_FLOAT8(2);
	if (!PG_ARGISNULL(3))
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(3);
		int			i;

		if (ARR_NDIM(a) > 1 || ARR_HASNULL(a))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rscales must be a one-dimensional array without NULLs")));
		n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
		if (n < 2 || n > TALLY_MAX_REPLICATES)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rscales needs one scale per replicate"),
					 errdetail("It has %d elements; a design has from 2 to %d replicates.",
							   n, TALLY_MAX_REPLICATES)));
		rscales = (double *) ARR_DATA_PTR(a);
		for (i = 0; i < n; i++)
			if (!isfinite(rscales[i]) || rscales[i] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("rscales must be finite and not negative"),
						 errdetail("Element %d is %g.", i + 1, rscales[i])));
	}
	s.mse = PG_ARGISNULL(4) ? 0 : PG_GETARG_BOOL(4);
	s.df = PG_ARGISNULL(5) ? NAN : PG_GETARG_FLOAT8(5);
	r = replicates_make(&s, rscales, n);
	replicates_check(r, ERRCODE_INVALID_PARAMETER_VALUE);
	PG_RETURN_POINTER(r);
}

static void
append_double(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

PG_FUNCTION_INFO_V1(barometer_replicates_out);
Datum
barometer_replicates_out(PG_FUNCTION_ARGS)
{
	Replicates *r = (Replicates *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;
	uint32		i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s scale=", rep_method_name(r->spec.method));
	if (isnan(r->spec.scale))
		appendStringInfoString(&buf, "default");
	else
		append_double(&buf, r->spec.scale);
	appendStringInfoString(&buf, " rho=");
	append_double(&buf, r->spec.rho);
	appendStringInfo(&buf, " mse=%s df=", r->spec.mse ? "true" : "false");
	if (isnan(r->spec.df))
		appendStringInfoString(&buf, "default");
	else
		append_double(&buf, r->spec.df);
	appendStringInfoString(&buf, " rscales={");
	for (i = 0; i < r->spec.nrep; i++)
	{
		if (i)
			appendStringInfoChar(&buf, ',');
		append_double(&buf, r->rscales[i]);
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

static void pg_attribute_noreturn()
replicates_syntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type barometer.replicates: \"%s\"",
					stored_clip(input, 200, true)),
			 errdetail("%s", detail)));
}

static double
parse_number(const char **p, const char *input, bool allow_default)
{
	const char *end;
	double		v;

	if (allow_default && strncmp(*p, "default", 7) == 0)
	{
		*p += 7;
		return stored_nan();
	}
	switch (stored_read_double(*p, &end, &v))
	{
		case STORED_NUM_OK:
			break;
		case STORED_NUM_RANGE:
			replicates_syntax(input, psprintf("The number at \"%s\" is out of range.",
											  stored_clip(*p, 20, false)));
		default:
			replicates_syntax(input, psprintf("Expected a finite number at \"%s\".",
											  stored_clip(*p, 20, false)));
	}
	*p = end;
	return v;
}

static void
parse_key(const char **p, const char *key, const char *input)
{
	size_t		len = strlen(key);

	if (**p != ' ' || strncmp(*p + 1, key, len) != 0 || (*p)[len + 1] != '=')
		replicates_syntax(input, psprintf("Expected \" %s=\" at \"%s\".", key, stored_clip(*p, 20, false)));
	*p += len + 2;
}

PG_FUNCTION_INFO_V1(barometer_replicates_in);
Datum
barometer_replicates_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	RepSpec		s;
	char		name[16];
	int			n = 0,
				cap = 16;
	double	   *rscales = palloc(cap * sizeof(double));
	Replicates *r;

	memset(&s, 0, sizeof(s));
	while (*p && *p != ' ' && n < (int) sizeof(name) - 1)
		name[n++] = *p++;
	name[n] = '\0';
	s.method = rep_method_parse(name);
	if (s.method < 0)
		replicates_syntax(input, psprintf("The method must be one of %s.", REP_METHOD_NAMES));
	if (*p == '\0')
	{
		/* the method alone: every other setting at its default */
		if (s.method == REP_FAY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("Fay's method needs rho"),
					 errdetail("The literal \"fay\" alone gives no rho."),
					 errhint("For example barometer.replicates('fay', rho => 0.5).")));
		s.scale = stored_nan();
		s.df = stored_nan();
		r = replicates_make(&s, NULL, 0);
		replicates_check(r, ERRCODE_INVALID_TEXT_REPRESENTATION);
		PG_RETURN_POINTER(r);
	}
	parse_key(&p, "scale", input);
	s.scale = parse_number(&p, input, true);
	parse_key(&p, "rho", input);
	s.rho = parse_number(&p, input, false);
	parse_key(&p, "mse", input);
	if (strncmp(p, "true", 4) == 0)
		s.mse = 1, p += 4;
	else if (strncmp(p, "false", 5) == 0)
		p += 5;
	else
		replicates_syntax(input, "The value of mse must be true or false.");
	parse_key(&p, "df", input);
	s.df = parse_number(&p, input, true);
	parse_key(&p, "rscales", input);
	if (*p++ != '{')
		replicates_syntax(input, "rscales must be written {a,b,...}.");
	n = 0;
	while (*p != '}')
	{
		CHECK_FOR_INTERRUPTS();
		if (n > 0 && *p++ != ',')
			replicates_syntax(input, "rscales must be separated by commas.");
		if (n == TALLY_MAX_REPLICATES)
			replicates_syntax(input, "rscales has more than 100000 elements.");
		if (n == cap)
			rscales = repalloc(rscales, (cap *= 2) * sizeof(double));
		rscales[n++] = parse_number(&p, input, false);
	}
	p++;
	if (*p != '\0')
		replicates_syntax(input, psprintf("Unexpected text at the end: \"%s\".", stored_clip(p, 20, false)));
	if (n == 1)
		replicates_syntax(input, "rscales needs one scale per replicate, at least two.");
	r = replicates_make(&s, rscales, n);
	replicates_check(r, ERRCODE_INVALID_TEXT_REPRESENTATION);
	PG_RETURN_POINTER(r);
}

PG_FUNCTION_INFO_V1(barometer_replicates_send);
Datum
barometer_replicates_send(PG_FUNCTION_ARGS)
{
	Replicates *r = (Replicates *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;
	uint32		i;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, REPLICATES_VERSION);
	pq_sendint32(&buf, r->spec.method);
	pq_sendint32(&buf, r->spec.mse);
	pq_sendfloat8(&buf, r->spec.scale);
	pq_sendfloat8(&buf, r->spec.rho);
	pq_sendfloat8(&buf, r->spec.df);
	pq_sendint32(&buf, r->spec.nrep);
	for (i = 0; i < r->spec.nrep; i++)
		pq_sendfloat8(&buf, r->rscales[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(barometer_replicates_recv);
Datum
barometer_replicates_recv(PG_FUNCTION_ARGS)
{
	StoredReader rd;
	RepSpec		s;
	int32		version,
				n,
				i;
	double	   *rscales;
	Replicates *r;

	stored_reader_init(&rd, (StringInfo) PG_GETARG_POINTER(0), "barometer.replicates");
	memset(&s, 0, sizeof(s));
	version = stored_get_i32(&rd, "the version");
	if (version != REPLICATES_VERSION)
		stored_binary_error(&rd, psprintf("Version %d is not known; this build reads version 1.", version));
	s.method = stored_get_i32(&rd, "the method");
	s.mse = stored_get_i32(&rd, "the mse flag");
	s.scale = stored_get_f8(&rd, "the scale");
	s.rho = stored_get_f8(&rd, "rho");
	s.df = stored_get_f8(&rd, "df");
	n = stored_get_i32(&rd, "the number of rscales");
	if (n > TALLY_MAX_REPLICATES)
		stored_binary_error(&rd, "rscales has more than 100000 elements.");
	stored_check_count(&rd, n, 8, sizeof(double), "rscales");
	rscales = palloc(Max(n, 1) * sizeof(double));
	for (i = 0; i < n; i++)
		rscales[i] = stored_get_f8(&rd, "an rscale");
	stored_end(&rd);
	/* built as the constructor builds it, then checked, NaN bits included */
	r = palloc0(offsetof(Replicates, rscales) + n * sizeof(double));
	SET_VARSIZE(r, offsetof(Replicates, rscales) + n * sizeof(double));
	r->spec = s;
	r->spec.nrep = n;
	r->spec.has_rscales = n > 0;
	memcpy(r->rscales, rscales, n * sizeof(double));
	replicates_check(r, ERRCODE_INVALID_BINARY_REPRESENTATION);
	PG_RETURN_POINTER(r);
}
