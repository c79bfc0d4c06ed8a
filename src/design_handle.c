/*
 * design_handle.c - the barometer.design_row type (design_handle.h): its
 * constructors, called by the views barometer.declare_design creates, and
 * its text and binary forms.
 *
 *   design_row_weights(stamp, part, w, n_sample)
 *   design_row_cluster(stamp, part, lonely, w, stratum, psu, n_psu, fpc)
 *   design_row_cluster2(stamp, part, lonely, w, stratum, psu, n_psu, fpc,
 *                       ssu, n_ssu, fpc2)
 *   design_row_stratified(stamp, part, lonely, w, stratum, n_stratum, fpc)
 *   design_row_rep(stamp, part, w, repw, spec)
 *
 * The constructors check every design argument as the explicit tally
 * aggregates check it (same messages, same SQLSTATEs) and compute the
 * population counts from fpc exactly as they do, so that a declared tally
 * adds the same numbers in the same order as the explicit one.
 *
 * The text form is the hex of the stored bytes ("\x..."): a handle is not
 * meant to be typed, only dumped and restored; both inputs validate it.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "design_handle.h"
#include "idkey.h"
#include "replicates.h"
#include "stored.h"
#include "tally.h"

typedef struct RowCache
{
	IdKey		id[3];
} RowCache;

static RowCache *
row_cache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
														  sizeof(RowCache));
	return (RowCache *) fcinfo->flinfo->fn_extra;
}

/* the identity arguments (stamp bigint, part text) */
static void
row_identity(FunctionCallInfo fcinfo, DesignRowHdr *h)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("design stamp must not be NULL"),
				 errhint("Handles are made by the views of barometer.declare_design.")));
	h->stamp = PG_GETARG_INT64(0);
	h->part = 0;
	if (!PG_ARGISNULL(1))
	{
		text	   *t = PG_GETARG_TEXT_PP(1);

		h->part = hash_bytes_extended((const unsigned char *) VARDATA_ANY(t),
									  VARSIZE_ANY_EXHDR(t), (uint64) h->stamp);
		if (h->part == 0)
			h->part = 1;
	}
}

static int
row_lonely(FunctionCallInfo fcinfo, int argno)
{
	char	   *name;
	int			l;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lonely PSU policy must not be NULL"),
				 errhint("Policies: %s.", LONELY_POLICY_NAMES)));
	name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	l = design_lonely_parse(name);
	if (l < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown lonely PSU policy \"%s\"", name),
				 errhint("Policies: %s.", LONELY_POLICY_NAMES)));
	return l;
}

/* the canonical bytes of a unit identifier (never NULL) */
static StringInfo
row_id(FunctionCallInfo fcinfo, int which, int argno, const char *what, const char *detail)
{
	StringInfo	s;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what),
				 errdetail("%s", detail)));
	s = idkey_arg(fcinfo, &row_cache(fcinfo)->id[which], argno);
	if (s->len > PG_UINT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s identifier too long for a declared design", what),
				 errdetail("Its canonical form has %d bytes; at most %d are allowed.",
						   s->len, PG_UINT16_MAX)));
	return s;
}

/*
 * Population count from an fpc argument, as tally_design.c reads it (R's
 * as.fpc): NULL = none (0); <= 1 a sampling fraction (n / fraction); a
 * larger value the population count, not below n.
 */
static double
row_fpc(FunctionCallInfo fcinfo, int argno, int64 n, const char *what)
{
	double		f;

	if (PG_ARGISNULL(argno))
		return 0.0;
	f = PG_GETARG_FLOAT8(argno);
	if (!isfinite(f) || !(f > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a positive finite number", what),
				 errdetail("It is %g; give a sampling fraction in (0, 1] or a population count, or NULL for none.", f)));
	if (f <= 1)
	{
		double		popsize = (double) n / f;

		if (!isfinite(popsize))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s out of range", what),
					 errdetail("The sampling fraction %g of " INT64_FORMAT " units gives an infinite population count.", f, n)));
		return popsize;
	}
	if (f < (double) n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is smaller than the number of sampled units", what),
				 errdetail("The population count is %g but " INT64_FORMAT " units were sampled (more than 100%% sampling).", f, n)));
	return f;
}

/* assemble a handle: header, keys, then extra bytes */
static bytea *
row_build(DesignRowHdr *h, StringInfo s, StringInfo p, StringInfo q,
		  const void *extra, uint32 extralen, const void *extra2, uint32 extra2len)
{
	uint32		len = sizeof(DesignRowHdr);
	bytea	   *out;
	char	   *d;

	h->version = DESIGN_ROW_VERSION;
	h->slen = s ? s->len : 0;
	h->plen = p ? p->len : 0;
	h->qlen = q ? q->len : 0;
	len += h->slen + h->plen + h->qlen + extralen + extra2len;
	out = (bytea *) palloc(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	d = VARDATA(out);
	memcpy(d, h, sizeof(DesignRowHdr));
	d += sizeof(DesignRowHdr);
	if (h->slen)
		memcpy(d, s->data, h->slen);
	d += h->slen;
	if (h->plen)
		memcpy(d, p->data, h->plen);
	d += h->plen;
	if (h->qlen)
		memcpy(d, q->data, h->qlen);
	d += h->qlen;
	if (extralen)
		memcpy(d, extra, extralen);
	d += extralen;
	if (extra2len)
		memcpy(d, extra2, extra2len);
	return out;
}

#define ROW_ID_DETAIL "Every row of a clustered design needs its stratum and PSU."

/* design_row_weights(stamp, part, w, n_sample) */
PG_FUNCTION_INFO_V1(barometer_design_row_weights);
Datum
barometer_design_row_weights(PG_FUNCTION_ARGS)
{
	DesignRowHdr h;

	memset(&h, 0, sizeof(h));
	row_identity(fcinfo, &h);
	h.kind = DESIGN_WEIGHTS_DOMAIN;
	h.w = tally_arg_weight(fcinfo, 2);
	h.n = tally_arg_count(fcinfo, 3, "n_sample", true);
	PG_RETURN_BYTEA_P(row_build(&h, NULL, NULL, NULL, NULL, 0, NULL, 0));
}

/*
 * design_row_cluster(stamp, part, lonely, w, stratum, psu, n_psu, fpc) and
 * design_row_cluster2(..., ssu, n_ssu, fpc2)
 */
static Datum
row_cluster(FunctionCallInfo fcinfo, bool two_stage)
{
	DesignRowHdr h;
	StringInfoData sk,
				pk;
	StringInfo	s,
				p,
				q = NULL;
	struct
	{
		int64		n_ssu;
		double		popsize2;
	}			ext;

	memset(&h, 0, sizeof(h));
	memset(&ext, 0, sizeof(ext));
	row_identity(fcinfo, &h);
	h.kind = two_stage ? DESIGN_CLUSTER2 : DESIGN_CLUSTER;
	h.lonely = row_lonely(fcinfo, 2);
	h.w = tally_arg_weight(fcinfo, 3);
	/* copies: the cache's buffers are reused by the next identifier */
	s = row_id(fcinfo, 0, 4, "stratum", ROW_ID_DETAIL);
	initStringInfo(&sk);
	appendBinaryStringInfo(&sk, s->data, s->len);
	p = row_id(fcinfo, 1, 5, "psu", ROW_ID_DETAIL);
	initStringInfo(&pk);
	appendBinaryStringInfo(&pk, p->data, p->len);
	h.n = tally_arg_count(fcinfo, 6, "n_psu", false);
	h.popsize = row_fpc(fcinfo, 7, h.n, "fpc");
	if (two_stage)
	{
		if (h.popsize == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a two-stage design needs fpc at both stages"),
					 errhint("Without a first-stage fpc R uses the ultimate cluster: declare the design without ssu.")));
		q = row_id(fcinfo, 2, 8, "ssu", ROW_ID_DETAIL);
		ext.n_ssu = tally_arg_count(fcinfo, 9, "n_ssu", false);
		ext.popsize2 = row_fpc(fcinfo, 10, ext.n_ssu, "fpc2");
		if (ext.popsize2 == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a two-stage design needs fpc at both stages"),
					 errdetail("fpc2 is NULL.")));
	}
	PG_RETURN_BYTEA_P(row_build(&h, &sk, &pk, q, &ext, two_stage ? sizeof(ext) : 0, NULL, 0));
}

PG_FUNCTION_INFO_V1(barometer_design_row_cluster);
Datum
barometer_design_row_cluster(PG_FUNCTION_ARGS)
{
	return row_cluster(fcinfo, false);
}

PG_FUNCTION_INFO_V1(barometer_design_row_cluster2);
Datum
barometer_design_row_cluster2(PG_FUNCTION_ARGS)
{
	return row_cluster(fcinfo, true);
}

/* design_row_stratified(stamp, part, lonely, w, stratum, n_stratum, fpc) */
PG_FUNCTION_INFO_V1(barometer_design_row_stratified);
Datum
barometer_design_row_stratified(PG_FUNCTION_ARGS)
{
	DesignRowHdr h;
	StringInfo	s;

	memset(&h, 0, sizeof(h));
	row_identity(fcinfo, &h);
	h.kind = DESIGN_STRATIFIED;
	h.lonely = row_lonely(fcinfo, 2);
	h.w = tally_arg_weight(fcinfo, 3);
	s = row_id(fcinfo, 0, 4, "stratum", "Every row of a stratified design needs its stratum.");
	h.n = tally_arg_count(fcinfo, 5, "n_stratum", true);
	h.popsize = row_fpc(fcinfo, 6, h.n, "fpc");
	PG_RETURN_BYTEA_P(row_build(&h, s, NULL, NULL, NULL, 0, NULL, 0));
}

/* design_row_rep(stamp, part, w, repw float8[] | float4[], spec) */
PG_FUNCTION_INFO_V1(barometer_design_row_rep);
Datum
barometer_design_row_rep(PG_FUNCTION_ARGS)
{
	DesignRowHdr h;
	ArrayType  *a;
	Replicates *spec;
	RepSpec		rs;
	const char *problem;
	int			n,
				i;
	bool		f4;

	memset(&h, 0, sizeof(h));
	row_identity(fcinfo, &h);
	h.kind = DESIGN_REPLICATE;
	h.w = tally_arg_weight(fcinfo, 2);
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate weights must not be NULL")));
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate specification must not be NULL"),
				 errhint("For example barometer.replicates('jk1').")));
	a = PG_GETARG_ARRAYTYPE_P(3);
	f4 = ARR_ELEMTYPE(a) == FLOAT4OID;
	if (ARR_ELEMTYPE(a) != FLOAT4OID && ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("replicate weights must be double precision[] or real[]")));
	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate weights must be a one-dimensional array without NULLs")));
	n = ARR_DIMS(a)[0];
	spec = (Replicates *) PG_DETOAST_DATUM(PG_GETARG_DATUM(4));
	if (spec->spec.has_rscales && (int) spec->spec.nrep != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rscales has %u elements but there are %d replicates", spec->spec.nrep, n)));
	if (n > TALLY_MAX_REPLICATES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("too many replicate weights"),
				 errdetail("The array repw has %d elements; a barometer.tally holds at most %d replicates.",
						   n, TALLY_MAX_REPLICATES)));
	rs = spec->spec;
	rs.nrep = n;
	problem = rep_spec_complete(&rs, spec->rscales);
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid replicate specification"),
				 errdetail("%s", problem)));
	for (i = 0; i < n; i++)
	{
		double		r = f4 ? (double) ((float *) ARR_DATA_PTR(a))[i] : ((double *) ARR_DATA_PTR(a))[i];

		if (!(r >= 0) || !isfinite(r) || r > 1e75)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replicate weights must be finite and not negative"),
					 errdetail("Replicate %d has weight %g.", i + 1, r)));
	}
	h.nrep = n;
	h.flags = f4 ? DESIGN_ROW_F4 : 0;
	PG_RETURN_BYTEA_P(row_build(&h, NULL, NULL, NULL, ARR_DATA_PTR(a),
								n * (f4 ? sizeof(float) : sizeof(double)),
								spec, VARSIZE(spec)));
}

/* ---- reading and validating ------------------------------------------- */

void
design_row_read(const char *p, uint32 len, DesignRow *r)
{
	const char *d;

	memcpy(&r->h, p, sizeof(DesignRowHdr));
	d = p + sizeof(DesignRowHdr);
	r->skey = d;
	d += r->h.slen;
	r->pkey = d;
	d += r->h.plen;
	r->qkey = d;
	d += r->h.qlen;
	r->n_ssu = 0;
	r->popsize2 = 0;
	r->repw = NULL;
	r->spec = NULL;
	r->speclen = 0;
	if (r->h.kind == DESIGN_CLUSTER2)
	{
		memcpy(&r->n_ssu, d, sizeof(int64));
		memcpy(&r->popsize2, d + sizeof(int64), sizeof(double));
	}
	else if (r->h.kind == DESIGN_REPLICATE)
	{
		r->repw = d;
		d += (size_t) r->h.nrep * ((r->h.flags & DESIGN_ROW_F4) ? sizeof(float) : sizeof(double));
		r->spec = d;
		r->speclen = len - (uint32) (d - p);
	}
}

/* NULL, or what is wrong with a handle's data (len bytes at p) */
static const char *
design_row_problem(const char *p, uint32 len)
{
	DesignRowHdr h;
	DesignRow	r;
	uint64		need;

	if (len < sizeof(DesignRowHdr))
		return "The value is shorter than the handle's header.";
	memcpy(&h, p, sizeof(h));
	if (h.version != DESIGN_ROW_VERSION)
		return psprintf("Version %d is not known; this build reads version %d.",
						h.version, DESIGN_ROW_VERSION);
	if (h.kind != DESIGN_WEIGHTS_DOMAIN && h.kind != DESIGN_CLUSTER &&
		h.kind != DESIGN_CLUSTER2 && h.kind != DESIGN_STRATIFIED &&
		h.kind != DESIGN_REPLICATE)
		return psprintf("Design kind %d is not known.", h.kind);
	if (h.lonely > LONELY_AVERAGE)
		return psprintf("Lonely PSU policy %d is not known.", h.lonely);
	if ((h.flags & ~DESIGN_ROW_F4) != 0 || h.pad != 0)
		return "Unknown flags are set.";
	if (!(h.w >= 0) || !isfinite(h.w) || h.w > 1e75)
		return "The weight is not a finite number in [0, 1e75].";
	if (!(h.popsize >= 0) || !isfinite(h.popsize))
		return "The population count is not a finite number >= 0.";
	need = (uint64) sizeof(DesignRowHdr) + h.slen + h.plen + h.qlen;
	if (h.kind == DESIGN_CLUSTER2)
		need += sizeof(int64) + sizeof(double);
	if (h.kind == DESIGN_REPLICATE)
		need += (uint64) h.nrep * ((h.flags & DESIGN_ROW_F4) ? sizeof(float) : sizeof(double)) +
			offsetof(Replicates, rscales);
	if (need > len || (h.kind != DESIGN_REPLICATE && need != len))
		return "The value's length does not match its header.";
	/* the units the kind has, and only those */
	if ((h.slen > 0) != (h.kind == DESIGN_CLUSTER || h.kind == DESIGN_CLUSTER2 ||
						 h.kind == DESIGN_STRATIFIED) ||
		(h.plen > 0) != (h.kind == DESIGN_CLUSTER || h.kind == DESIGN_CLUSTER2) ||
		(h.qlen > 0) != (h.kind == DESIGN_CLUSTER2) ||
		(h.nrep > 0) != (h.kind == DESIGN_REPLICATE) ||
		(h.kind == DESIGN_REPLICATE && (h.n != 0 || h.popsize != 0)) ||
		(h.kind != DESIGN_REPLICATE && h.n < 1))
		return "The fields do not match the design kind.";
	if (h.kind != DESIGN_CLUSTER && h.kind != DESIGN_CLUSTER2 &&
		h.kind != DESIGN_STRATIFIED && (h.lonely != 0 || h.popsize != 0))
		return "The fields do not match the design kind.";
	if (h.popsize != 0 && h.popsize < (double) h.n)
		return "The population count is smaller than the sample count.";
	design_row_read(p, len, &r);
	{
		const char *keys[3] = {r.skey, r.pkey, r.qkey};
		uint32		lens[3] = {h.slen, h.plen, h.qlen};
		int			k;

		for (k = 0; k < 3; k++)
		{
			const char *pr;

			if (lens[k] == 0 || (keys[k][0] == 'i' && lens[k] == 9))
				continue;
			if (keys[k][0] != 't')
				return "An identifier has no valid tag.";
			pr = stored_id_problem(keys[k] + 1, lens[k] - 1);
			if (pr)
				return pr;
		}
	}
	if (h.kind == DESIGN_CLUSTER2)
	{
		if (r.n_ssu < 1 || !(r.popsize2 >= (double) r.n_ssu) || !isfinite(r.popsize2))
			return "The second stage's counts are not valid.";
	}
	if (h.kind == DESIGN_REPLICATE)
	{
		Replicates *spec;
		RepSpec		rs;
		uint32		i;

		if (h.nrep > TALLY_MAX_REPLICATES)
			return "There are too many replicate weights.";
		for (i = 0; i < h.nrep; i++)
		{
			double		v;

			if (h.flags & DESIGN_ROW_F4)
			{
				float		f;

				memcpy(&f, r.repw + i * sizeof(float), sizeof(float));
				v = f;
			}
			else
				memcpy(&v, r.repw + i * sizeof(double), sizeof(double));
			if (!(v >= 0) || !isfinite(v) || v > 1e75)
				return "A replicate weight is not a finite number in [0, 1e75].";
		}
		spec = palloc(Max(r.speclen, sizeof(Replicates)));
		memcpy(spec, r.spec, r.speclen);
		if (VARSIZE(spec) != r.speclen ||
			r.speclen != offsetof(Replicates, rscales) + spec->spec.nrep * sizeof(double) ||
			(spec->spec.has_rscales && spec->spec.nrep != h.nrep))
			return "The replicate specification's length does not match.";
		rs = spec->spec;
		rs.nrep = h.nrep;
		if (rep_spec_complete(&rs, spec->rscales) != NULL)
			return "The replicate specification is not valid.";
	}
	return NULL;
}

static void
design_row_check(const char *p, uint32 len, int sqlstate, const char *input)
{
	const char *problem = design_row_problem(p, len);

	if (problem)
		ereport(ERROR,
				(errcode(sqlstate),
				 sqlstate == ERRCODE_INVALID_TEXT_REPRESENTATION ?
				 errmsg("invalid input syntax for type barometer.design_row: \"%s\"",
						stored_clip(input, 60, true)) :
				 errmsg("invalid external value for type barometer.design_row"),
				 errdetail("%s", problem)));
}

PG_FUNCTION_INFO_V1(barometer_design_row_in);
Datum
barometer_design_row_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	size_t		sl = strlen(s);
	bytea	   *out;
	uint64		n;

	if (sl < 2 || s[0] != '\\' || s[1] != 'x' || (sl - 2) % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type barometer.design_row: \"%s\"",
						stored_clip(s, 60, true)),
				 errdetail("A handle's text form is \\x followed by an even number of hex digits.")));
	n = (sl - 2) / 2;
	if (n > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("barometer.design_row value too long")));
	out = (bytea *) palloc(VARHDRSZ + n);
	SET_VARSIZE(out, VARHDRSZ + n);
	for (size_t i = 0; i < n; i++)
	{
		int			v = 0;

		for (int k = 0; k < 2; k++)
		{
			char		c = s[2 + 2 * i + k];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type barometer.design_row: \"%s\"",
								stored_clip(s, 60, true)),
						 errdetail("\"%c\" is not a lower-case hex digit.", c)));
		}
		VARDATA(out)[i] = (char) v;
	}
	design_row_check(VARDATA(out), n, ERRCODE_INVALID_TEXT_REPRESENTATION, s);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(barometer_design_row_out);
Datum
barometer_design_row_out(PG_FUNCTION_ARGS)
{
	bytea	   *v = PG_GETARG_BYTEA_PP(0);
	const unsigned char *d = (const unsigned char *) VARDATA_ANY(v);
	size_t		n = VARSIZE_ANY_EXHDR(v);
	static const char hex[] = "0123456789abcdef";
	char	   *s = palloc(3 + 2 * n);

	s[0] = '\\';
	s[1] = 'x';
	for (size_t i = 0; i < n; i++)
	{
		s[2 + 2 * i] = hex[d[i] >> 4];
		s[3 + 2 * i] = hex[d[i] & 15];
	}
	s[2 + 2 * n] = '\0';
	PG_RETURN_CSTRING(s);
}

PG_FUNCTION_INFO_V1(barometer_design_row_recv);
Datum
barometer_design_row_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			n = buf->len - buf->cursor;
	bytea	   *out = (bytea *) palloc(VARHDRSZ + n);

	SET_VARSIZE(out, VARHDRSZ + n);
	pq_copymsgbytes(buf, VARDATA(out), n);
	design_row_check(VARDATA(out), n, ERRCODE_INVALID_BINARY_REPRESENTATION, NULL);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(barometer_design_row_send);
Datum
barometer_design_row_send(PG_FUNCTION_ARGS)
{
	bytea	   *v = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
