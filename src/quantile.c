/*
 * quantile.c - design-based quantiles, the aggregates
 *   quantile(y, w, [design columns as tally], p float8)             one row
 *   quantile(y, w, [design columns as tally], p float8[], level)    an array
 *   quantile_stratified(y, w, stratum, n_stratum, fpc [, lonely], p ...)
 * returning barometer.quantile_estimate (p, estimate, se, ci_lower,
 * ci_upper, level, df, n): R survey 4.1.1's svyquantile with its defaults
 * (qrule = "math", interval.type = "mean": Woodruff), see quantile_core.h.
 *
 * A quantile needs the whole distribution of the group, so the state keeps
 * the group's rows (y, w, the index of their PSU, SSU or stratum, their
 * replicate weights) beside a TallyAcc that the tally aggregates' own
 * transition functions fill: the design columns are checked exactly as for
 * barometer.tally, and the design (strata, PSUs with their full-sample
 * counts and fpc, lonely policy, replicate settings) is the tally's.  For
 * every probability the final function replays the rows as the indicator
 * y <= quantile into a copy of that design and reads the proportion, its
 * variance and df through the tally's summary (the one variance engine,
 * var_core.c): the Woodruff interval needs nothing else.
 *
 * quantile(y, d barometer.design_row, p ...) is the same aggregate for a
 * declared design (barometer.declare_design): the declared tally's
 * transition files the row, whose weight, units and replicate weights come
 * from the handle; the state keeps the handle's identity, checked when
 * partial states are combined.
 *
 * The state is internal (not a stored type): it holds every row, so a
 * stored quantile state would be the microdata again; it is serialised
 * (PSU records as the tally's, rows appended) for parallel aggregation,
 * and the combine function concatenates.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "design_handle.h"
#include "guard.h"
#include "quantile_core.h"
#include "sort_core.h"
#include "stratified_core.h"
#include "tally.h"

#define QUANT_MAX_P 1000
#define QUANT_SERIAL_VERSION 2	/* 2: the identity of a declared design */

/* the tally transition and final functions this file drives */
extern Datum barometer_tally_trans_wdomain(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_cluster(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_cluster2(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_stratified(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_rep(PG_FUNCTION_ARGS);
extern Datum barometer_tally_trans_declared(PG_FUNCTION_ARGS);
extern Datum barometer_tally_acc_final(PG_FUNCTION_ARGS);

typedef struct QuantAcc
{
	TallyAcc   *acc;			/* the design, filled by the tally functions */
	int32		kind;			/* DesignKind */
	bool		scalar;			/* p given as one float8 (level 0.95) */
	uint32		np;
	double	   *p;				/* the probabilities, np of them */
	double		level;
	uint32		nrep;			/* replicate weights per row */
	uint64		n,
				cap;
	double	   *y;
	double	   *w;
	uint32	   *unit;			/* PSU (clusters) or stratum (stratified) */
	uint32	   *sub;			/* SSU (two stages) */
	double	   *repw;			/* n x nrep, row by row */
	DeclIdent	id;				/* a declared design's identity (kind -1:
								 * none) */
	MemoryContext cxt;
} QuantAcc;

/* per call site, in fn_extra */
typedef struct QuantCache
{
	FmgrInfo	inner;			/* the tally transition's own flinfo */
	bool		is_array;		/* the form with p float8[] and level */
	Datum		p_datum;		/* the p argument last checked */
	ArrayType  *p_copy;			/* its bytes (array form), once compared */
} QuantCache;

static QuantCache *
quant_cache(FunctionCallInfo fcinfo)
{
	QuantCache *c = (QuantCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(QuantCache));
		c->inner = *fcinfo->flinfo;
		c->inner.fn_extra = NULL;
		c->is_array = get_fn_expr_argtype(fcinfo->flinfo, PG_NARGS() - 2) == FLOAT8ARRAYOID;
		fcinfo->flinfo->fn_extra = c;
	}
	return c;
}

static QuantAcc *
quant_new(MemoryContext cxt, int kind)
{
	QuantAcc   *q = MemoryContextAllocZero(cxt, sizeof(QuantAcc));

	q->cxt = cxt;
	q->kind = kind;
	q->id.kind = -1;
	return q;
}

/* ---- probabilities and level ----------------------------------------- */

static void
check_prob(double p)
{
	if (isnan(p) || !(p > 0 && p < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probability must be between 0 and 1"),
				 errdetail("It is %g; a quantile's probability lies in the open interval (0, 1).", p),
				 errhint("The median is 0.5, the quartiles 0.25 and 0.75.")));
}

static void
check_level(double level)
{
	if (isnan(level) || !(level > 0 && level < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("level must be between 0 and 1"),
				 errdetail("It is %g.", level),
				 errhint("For a 95%% interval give 0.95.")));
}

/* the probabilities of an array argument, checked; palloc'ed */
static double *
prob_array(ArrayType *a, uint32 *np)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	double	   *p;

	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be a non-empty one-dimensional array")));
	if (ARR_DIMS(a)[0] > QUANT_MAX_P)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("too many probabilities"),
				 errdetail("p has %d elements; at most %d are allowed.", ARR_DIMS(a)[0], QUANT_MAX_P)));
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	p = palloc(n * sizeof(double));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("p must not contain NULL")));
		p[i] = DatumGetFloat8(elems[i]);
		check_prob(p[i]);
	}
	*np = n;
	return p;
}

static void pg_attribute_noreturn()
differs(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s differs between rows", what),
			 errdetail("The probabilities and the level are constants of the aggregate.")));
}

/* read p (and level) of this row; the first row sets them */
static void
row_probs(FunctionCallInfo fcinfo, QuantCache *c, QuantAcc *q)
{
	int			nargs = PG_NARGS();
	int			pa = c->is_array ? nargs - 2 : nargs - 1;
	double		level = 0.95;

	if (PG_ARGISNULL(pa))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must not be NULL")));
	if (c->is_array)
	{
		if (PG_ARGISNULL(nargs - 1))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("level must not be NULL")));
		level = PG_GETARG_FLOAT8(nargs - 1);
		check_level(level);
	}
	if (q->np == 0)
	{
		MemoryContext old = MemoryContextSwitchTo(q->cxt);

		q->scalar = !c->is_array;
		q->level = level;
		if (c->is_array)
			q->p = prob_array(PG_GETARG_ARRAYTYPE_P(pa), &q->np);
		else
		{
			q->p = palloc(sizeof(double));
			q->p[0] = PG_GETARG_FLOAT8(pa);
			check_prob(q->p[0]);
			q->np = 1;
		}
		MemoryContextSwitchTo(old);
		c->p_datum = PG_GETARG_DATUM(pa);
		return;
	}
	if (level != q->level)
		differs("level");
	if (!c->is_array)
	{
		if (PG_GETARG_FLOAT8(pa) != q->p[0])
			differs("p");
	}
	else if (PG_GETARG_DATUM(pa) != c->p_datum)
	{
		uint32		np,
					i;
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(pa);
		double	   *p;

		/* the same bytes as the array last checked: nothing to do */
		if (c->p_copy != NULL && VARSIZE(a) == VARSIZE(c->p_copy) &&
			memcmp(a, c->p_copy, VARSIZE(a)) == 0)
		{
			c->p_datum = PG_GETARG_DATUM(pa);
			return;
		}
		p = prob_array(a, &np);

		if (np != q->np)
			differs("p");
		for (i = 0; i < np; i++)
			if (p[i] != q->p[i])
				differs("p");
		pfree(p);
		c->p_datum = PG_GETARG_DATUM(pa);
		if (c->p_copy != NULL)
			pfree(c->p_copy);
		c->p_copy = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE(a));
		memcpy(c->p_copy, a, VARSIZE(a));
	}
}

/* ---- rows ------------------------------------------------------------- */

static void
rows_reserve(QuantAcc *q, uint64 need)
{
	uint64		ncap;

	if (need <= q->cap)
		return;
	ncap = q->cap ? q->cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	/* guard_realloc checks each array against barometer.max_state_bytes */
	guard_array(ncap, 2 * sizeof(double) + 2 * sizeof(uint32) + q->nrep * sizeof(double),
				"the rows of a quantile");
	q->y = guard_realloc(q->cxt, q->y, ncap * sizeof(double));
	q->w = guard_realloc(q->cxt, q->w, ncap * sizeof(double));
	q->unit = guard_realloc(q->cxt, q->unit, ncap * sizeof(uint32));
	q->sub = guard_realloc(q->cxt, q->sub, ncap * sizeof(uint32));
	if (q->nrep)
		q->repw = guard_realloc(q->cxt, q->repw, ncap * q->nrep * sizeof(double));
	q->cap = ncap;
}

static void
rows_add(QuantAcc *q, double y, double w, uint32 unit, uint32 sub, const double *rw)
{
	rows_reserve(q, q->n + 1);
	q->y[q->n] = y;
	q->w[q->n] = w;
	q->unit[q->n] = unit;
	q->sub[q->n] = sub;
	if (q->nrep)
		memcpy(q->repw + q->n * q->nrep, rw, q->nrep * sizeof(double));
	q->n++;
}

/* ---- transition ------------------------------------------------------- */

/*
 * One row: the tally transition inner (NULL for weights only) checks the
 * row and its design columns and files it in q->acc; the row is then kept
 * with the index of its PSU, SSU or stratum (the design is never in log
 * mode here, so indexes stay valid as records are appended).
 */
static Datum
quant_trans(FunctionCallInfo fcinfo, DesignKind kind, PGFunction inner)
{
	bool		declared = (inner == barometer_tally_trans_declared);
	DesignRow	hr;
	QuantCache *c = quant_cache(fcinfo);
	MemoryContext aggcontext;
	QuantAcc   *q;
	int			ninner = PG_NARGS() - (c->is_array ? 2 : 1);
	double		y,
				w;
	uint32		unit = UINT32_MAX,
				sub = UINT32_MAX;
	double	   *rw = NULL;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "quantile transition function called outside an aggregate");
	/* a declared design: the kind is the handle's (NULL: the tally's error) */
	if (declared && !PG_ARGISNULL(2))
	{
		bytea	   *hv = PG_GETARG_BYTEA_PP(2);

		design_row_read(VARDATA_ANY(hv), VARSIZE_ANY_EXHDR(hv), &hr);
		kind = hr.h.kind;
	}
	q = PG_ARGISNULL(0) ? quant_new(aggcontext, kind) : (QuantAcc *) PG_GETARG_POINTER(0);
	row_probs(fcinfo, c, q);

	if (inner == NULL)
	{
		/* weights only: the rows of the group are the sample */
		if (q->acc == NULL)
		{
			q->acc = tally_acc_new(aggcontext);
			tally_core_init(&q->acc->core, TALLY_MEAN);
			q->acc->empty = false;
		}
		w = tally_arg_weight(fcinfo, 2);
		if (PG_ARGISNULL(1))
		{
			tally_core_add_missing(&q->acc->core);
			PG_RETURN_POINTER(q);
		}
		y = tally_arg_value(fcinfo, 1);
		tally_core_add_num(&q->acc->core, y, w);
	}
	else
	{
		LOCAL_FCINFO(sub_fc, 12);
		int			i;
		Datum		r;

		InitFunctionCallInfoData(*sub_fc, &c->inner, ninner, fcinfo->fncollation,
								 fcinfo->context, NULL);
		sub_fc->args[0].value = PointerGetDatum(q->acc);
		sub_fc->args[0].isnull = (q->acc == NULL);
		for (i = 1; i < ninner; i++)
			sub_fc->args[i] = fcinfo->args[i];
		r = inner(sub_fc);
		q->acc = (TallyAcc *) DatumGetPointer(r);
		q->acc->design.log_mode = false;
		/* the row's identity passed the tally's check against the state's */
		if (declared && q->id.kind < 0)
			decl_ident_of(&hr, &q->id);
		if (PG_ARGISNULL(1))
			PG_RETURN_POINTER(q);
		y = PG_GETARG_FLOAT8(1);
		w = declared ? hr.h.w : PG_GETARG_FLOAT8(2);
		if (kind == DESIGN_CLUSTER || kind == DESIGN_CLUSTER2)
			unit = q->acc->design.last_psu - 1;
		if (kind == DESIGN_CLUSTER2)
			sub = q->acc->design.last_ssu - 1;
		if (kind == DESIGN_STRATIFIED)
			unit = q->acc->design.last_stratum - 1;
		if (kind == DESIGN_REPLICATE && declared)
		{
			/* the handle's replicate weights, unaligned */
			q->nrep = q->acc->rep.spec.nrep;
			rw = palloc(q->nrep * sizeof(double));
			for (i = 0; i < (int) q->nrep; i++)
			{
				if (hr.h.flags & DESIGN_ROW_F4)
				{
					float		f;

					memcpy(&f, hr.repw + i * sizeof(float), sizeof(float));
					rw[i] = (double) f;
				}
				else
					memcpy(&rw[i], hr.repw + i * sizeof(double), sizeof(double));
			}
		}
		else if (kind == DESIGN_REPLICATE)
		{
			ArrayType  *a = PG_GETARG_ARRAYTYPE_P(3);

			q->nrep = q->acc->rep.spec.nrep;
			rw = palloc(q->nrep * sizeof(double));
			for (i = 0; i < (int) q->nrep; i++)
				rw[i] = ARR_ELEMTYPE(a) == FLOAT4OID ?
					(double) ((float *) ARR_DATA_PTR(a))[i] : ((double *) ARR_DATA_PTR(a))[i];
		}
	}
	rows_add(q, y, w, unit, sub, rw);
	if (rw)
		pfree(rw);
	PG_RETURN_POINTER(q);
}

PG_FUNCTION_INFO_V1(barometer_quantile_trans_w);
Datum
barometer_quantile_trans_w(PG_FUNCTION_ARGS)
{
	return quant_trans(fcinfo, DESIGN_WEIGHTS, NULL);
}

PG_FUNCTION_INFO_V1(barometer_quantile_trans_wdomain);
Datum
barometer_quantile_trans_wdomain(PG_FUNCTION_ARGS)
{
	return quant_trans(fcinfo, DESIGN_WEIGHTS_DOMAIN, barometer_tally_trans_wdomain);
}

PG_FUNCTION_INFO_V1(barometer_quantile_trans_cluster);
Datum
barometer_quantile_trans_cluster(PG_FUNCTION_ARGS)
{
	return quant_trans(fcinfo, DESIGN_CLUSTER, barometer_tally_trans_cluster);
}

PG_FUNCTION_INFO_V1(barometer_quantile_trans_cluster2);
Datum
barometer_quantile_trans_cluster2(PG_FUNCTION_ARGS)
{
	return quant_trans(fcinfo, DESIGN_CLUSTER2, barometer_tally_trans_cluster2);
}

PG_FUNCTION_INFO_V1(barometer_quantile_trans_stratified);
Datum
barometer_quantile_trans_stratified(PG_FUNCTION_ARGS)
{
	return quant_trans(fcinfo, DESIGN_STRATIFIED, barometer_tally_trans_stratified);
}

PG_FUNCTION_INFO_V1(barometer_quantile_trans_rep);
Datum
barometer_quantile_trans_rep(PG_FUNCTION_ARGS)
{
	return quant_trans(fcinfo, DESIGN_REPLICATE, barometer_tally_trans_rep);
}

/* quantile(y, d barometer.design_row, p [, level]): a declared design */
PG_FUNCTION_INFO_V1(barometer_quantile_trans_declared);
Datum
barometer_quantile_trans_declared(PG_FUNCTION_ARGS)
{
	return quant_trans(fcinfo, DESIGN_WEIGHTS, barometer_tally_trans_declared);
}

/* ---- combine and serialisation ---------------------------------------- */

static const char *
id_of(const Design *d, IdRef id)
{
	return d->arena + id.off;
}

/*
 * Merge b into a: the designs by the tally's merge (which checks that they
 * agree), then b's rows with their PSU, SSU or stratum indexes mapped into
 * a's records by lookup.
 */
static void
quant_merge(QuantAcc *a, QuantAcc *b)
{
	uint32	   *map = NULL,
			   *map2 = NULL;
	uint64		i;
	Design	   *da,
			   *db;
	bool		created;

	if (b->np == 0)
		return;
	decl_ident_merge(&a->id, &b->id);
	if (a->np == 0)
	{
		a->scalar = b->scalar;
		a->level = b->level;
		a->p = MemoryContextAlloc(a->cxt, b->np * sizeof(double));
		memcpy(a->p, b->p, b->np * sizeof(double));
		a->np = b->np;
	}
	else if (a->np != b->np || memcmp(a->p, b->p, a->np * sizeof(double)) != 0)
		differs("p");
	else if (a->level != b->level)
		differs("level");
	if (b->acc == NULL)
		return;
	if (a->acc == NULL)
		a->acc = tally_acc_new(a->cxt);
	/* the PSU maps below index the records of both designs as arrays */
	design_log_materialize(&a->acc->design);
	design_log_materialize(&b->acc->design);
	tally_acc_merge(a->acc, b->acc);
	a->acc->design.log_mode = false;
	if (a->nrep == 0 && b->nrep != 0 && a->n == 0)
		a->nrep = b->nrep;
	if (a->nrep != b->nrep)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate weight arrays differ in length")));
	da = &a->acc->design;
	db = &b->acc->design;
	if (b->kind == DESIGN_CLUSTER || b->kind == DESIGN_CLUSTER2)
	{
		map = palloc(Max(db->npsu, 1) * sizeof(uint32));
		for (i = 0; i < db->npsu; i++)
		{
			const PsuRec *r = &db->psu[i];
			const StratumRec *s = &db->strata[r->stratum];
			uint32		h = design_stratum(da, id_of(db, s->id), s->id.len, &created);

			map[i] = design_psu(da, h, id_of(db, r->id), r->id.len, &created);
			if (created)
				elog(ERROR, "PSU missing after a merge");
			CHECK_FOR_INTERRUPTS();
		}
		if (b->kind == DESIGN_CLUSTER2)
		{
			map2 = palloc(Max(db->nssu, 1) * sizeof(uint32));
			for (i = 0; i < db->nssu; i++)
			{
				const SsuRec *r = &db->ssu[i];

				map2[i] = design_ssu(da, map[r->psu], id_of(db, r->id), r->id.len, &created);
				if (created)
					elog(ERROR, "SSU missing after a merge");
				CHECK_FOR_INTERRUPTS();
			}
		}
	}
	else if (b->kind == DESIGN_STRATIFIED)
	{
		map = palloc(Max(db->nstrata, 1) * sizeof(uint32));
		for (i = 0; i < db->nstrata; i++)
		{
			const StratumRec *s = &db->strata[i];

			map[i] = design_stratum(da, id_of(db, s->id), s->id.len, &created);
			if (created)
				elog(ERROR, "stratum missing after a merge");
			CHECK_FOR_INTERRUPTS();
		}
	}
	rows_reserve(a, a->n + b->n);
	for (i = 0; i < b->n; i++)
	{
		rows_add(a, b->y[i], b->w[i],
				 map ? map[b->unit[i]] : UINT32_MAX,
				 map2 ? map2[b->sub[i]] : UINT32_MAX,
				 b->nrep ? b->repw + i * b->nrep : NULL);
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

PG_FUNCTION_INFO_V1(barometer_quantile_combine);
Datum
barometer_quantile_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	QuantAcc   *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "combine function called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (QuantAcc *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? quant_new(aggcontext, b->kind) : (QuantAcc *) PG_GETARG_POINTER(0);
	quant_merge(a, b);
	PG_RETURN_POINTER(a);
}

/* the serial form: header, p[np], the tally's record form, then the rows */
typedef struct QuantSerial
{
	int32		vl_len_;
	int32		version;
	int32		kind;
	int32		scalar;
	uint32		np;
	uint32		nrep;
	uint64		n;
	double		level;
	uint64		tally_len;		/* 0: no tally yet */
	DeclIdent	id;				/* a declared design's identity */
} QuantSerial;

#define ALIGN8(x) (((x) + 7) & ~((size_t) 7))

PG_FUNCTION_INFO_V1(barometer_quantile_serialize);
Datum
barometer_quantile_serialize(PG_FUNCTION_ARGS)
{
	QuantAcc   *q = (QuantAcc *) PG_GETARG_POINTER(0);
	Tally	   *t = q->acc ? tally_pack(q->acc, false) : NULL;
	size_t		tlen = t ? VARSIZE(t) : 0;
	size_t		rowbytes = q->n * (2 * sizeof(double) + 2 * sizeof(uint32) + q->nrep * sizeof(double));
	size_t		size = sizeof(QuantSerial) + q->np * sizeof(double) + ALIGN8(tlen) + rowbytes;
	QuantSerial *s;
	char	   *p;

	guard_bytes(size, "the serialised rows of a quantile");
	s = palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	SET_VARSIZE(s, size);
	s->version = QUANT_SERIAL_VERSION;
	s->kind = q->kind;
	s->scalar = q->scalar;
	s->np = q->np;
	s->nrep = q->nrep;
	s->n = q->n;
	s->level = q->level;
	s->tally_len = tlen;
	s->id = q->id;
	p = (char *) s + sizeof(QuantSerial);
	memcpy(p, q->p, q->np * sizeof(double));
	p += q->np * sizeof(double);
	if (t)
		memcpy(p, t, tlen);
	p += ALIGN8(tlen);
	memcpy(p, q->y, q->n * sizeof(double));
	p += q->n * sizeof(double);
	memcpy(p, q->w, q->n * sizeof(double));
	p += q->n * sizeof(double);
	memcpy(p, q->unit, q->n * sizeof(uint32));
	p += q->n * sizeof(uint32);
	memcpy(p, q->sub, q->n * sizeof(uint32));
	p += q->n * sizeof(uint32);
	if (q->nrep)
		memcpy(p, q->repw, q->n * q->nrep * sizeof(double));
	PG_RETURN_BYTEA_P((bytea *) s);
}

/*
 * The rows come back in their order and the records in theirs (a tally's
 * record form is copied, and merging it into an empty state keeps the
 * order), so the stored indexes stay valid.
 */
PG_FUNCTION_INFO_V1(barometer_quantile_deserialize);
Datum
barometer_quantile_deserialize(PG_FUNCTION_ARGS)
{
	QuantSerial *s = (QuantSerial *) PG_GETARG_BYTEA_P(0);
	QuantAcc   *q = quant_new(CurrentMemoryContext, s->kind);
	char	   *p = (char *) s + sizeof(QuantSerial);

	if (s->version != QUANT_SERIAL_VERSION)
		elog(ERROR, "unknown serial form of a quantile state");
	q->scalar = s->scalar;
	q->np = s->np;
	q->level = s->level;
	q->nrep = s->nrep;
	q->id = s->id;
	q->p = palloc(Max(s->np, 1) * sizeof(double));
	memcpy(q->p, p, s->np * sizeof(double));
	p += s->np * sizeof(double);
	if (s->tally_len)
	{
		Tally	   *t = palloc(s->tally_len);

		memcpy(t, p, s->tally_len);
		q->acc = tally_acc_new(CurrentMemoryContext);
		tally_acc_merge_tally(q->acc, t);
		q->acc->design.log_mode = false;
	}
	p += ALIGN8(s->tally_len);
	rows_reserve(q, s->n);
	q->n = s->n;
	memcpy(q->y, p, q->n * sizeof(double));
	p += q->n * sizeof(double);
	memcpy(q->w, p, q->n * sizeof(double));
	p += q->n * sizeof(double);
	memcpy(q->unit, p, q->n * sizeof(uint32));
	p += q->n * sizeof(uint32);
	memcpy(q->sub, p, q->n * sizeof(uint32));
	p += q->n * sizeof(uint32);
	if (q->nrep)
		memcpy(q->repw, p, q->n * q->nrep * sizeof(double));
	PG_RETURN_POINTER(q);
}

/* ---- final ------------------------------------------------------------ */

typedef struct QuantResult
{
	double		p,
				estimate,
				se,
				lower,
				upper,
				df;
} QuantResult;

static int
cmp_row(uint32 a, uint32 b, const void *arg)
{
	const QuantAcc *q = (const QuantAcc *) arg;

	if (q->y[a] != q->y[b])
		return q->y[a] < q->y[b] ? -1 : 1;
	if (q->w[a] != q->w[b])
		return q->w[a] < q->w[b] ? -1 : 1;
	return 0;
}

/*
 * The proportion of the group at or below qhat as a tally of the group's
 * design: a copy of the design with its sums cleared, the rows replayed as
 * the indicator y <= qhat.  Returns its summary.
 */
static void
indicator_summary(QuantAcc *q, double qhat, TallySummary *s)
{
	TallyAcc	t;
	Design	   *d = &t.design;
	uint64		i;
	Tally	   *packed;

	/* the copy below takes every PSU record from the array */
	design_log_materialize(&q->acc->design);
	t = *q->acc;
	/* the rank is the quantile's own (replicate_df): the Gram matrix stays q's */
	t.rep.rank_state = REP_RANK_NONE;
	t.rep.gram = NULL;
	tally_core_init(&t.core, TALLY_PROPORTION);
	t.core.n_missing = q->acc->core.n_missing;
	if (d->npsu)
	{
		d->psu = palloc_extended(d->npsu * sizeof(PsuRec), MCXT_ALLOC_HUGE);
		memcpy(d->psu, q->acc->design.psu, d->npsu * sizeof(PsuRec));
		for (i = 0; i < d->npsu; i++)
		{
			d->psu[i].n_dom = d->psu[i].n_pos = 0;
			d->psu[i].a = d->psu[i].b = dd_make(0.0, 0.0);
		}
	}
	if (d->nssu)
	{
		d->ssu = palloc_extended(d->nssu * sizeof(SsuRec), MCXT_ALLOC_HUGE);
		memcpy(d->ssu, q->acc->design.ssu, d->nssu * sizeof(SsuRec));
		for (i = 0; i < d->nssu; i++)
		{
			d->ssu[i].n_dom = 0;
			d->ssu[i].a = d->ssu[i].b = dd_make(0.0, 0.0);
		}
	}
	if (d->kind == DESIGN_STRATIFIED && d->nstrata)
		d->sums = palloc0(d->nstrata * sizeof(StratSums));
	if (d->kind == DESIGN_REPLICATE)
	{
		t.rep.a = palloc_extended(t.rep.spec.nrep * sizeof(dd_t), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		t.rep.b = palloc_extended(t.rep.spec.nrep * sizeof(dd_t), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	}
	for (i = 0; i < q->n; i++)
	{
		bool		ind = q->y[i] <= qhat;

		switch (d->kind)
		{
			case DESIGN_STRATIFIED:
				stratified_add(&t.core, &d->sums[q->unit[i]], ind ? 1.0 : 0.0, q->w[i]);
				break;
			case DESIGN_CLUSTER:
			case DESIGN_CLUSTER2:
				tally_core_add_prop(&t.core, ind, q->w[i]);
				design_add(d, q->unit[i], q->sub[i], ind ? 1.0 : 0.0, q->w[i]);
				break;
			case DESIGN_REPLICATE:
				tally_core_add_prop(&t.core, ind, q->w[i]);
				rep_add(&t.rep, ind ? 1.0 : 0.0, q->repw + i * q->nrep);
				break;
			default:
				tally_core_add_prop(&t.core, ind, q->w[i]);
				break;
		}
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	packed = tally_pack(&t, true);
	tally_summarize(packed, s, true);
}

/*
 * R's degf of a replicate design's (sub)sample: the rank of its replicate
 * weights minus 1 (svrepdesign, and "[.svyrep.design" recomputes it for a
 * domain); a df given in barometer.replicates(df => ...) wins.
 */
static double
replicate_df(QuantAcc *q)
{
	double	   *X,
			   *work;
	uint64		i;
	uint32		j,
				rank;

	if (!isnan(q->acc->rep.spec.df))
		return q->acc->rep.spec.df;
	if (q->n == 0)
		return NAN;
	guard_array(q->n * q->nrep, sizeof(double), "the replicate weights of a quantile's rank");
	X = palloc_extended(q->n * q->nrep * sizeof(double), MCXT_ALLOC_HUGE);
	work = palloc(2 * q->nrep * sizeof(double));
	for (i = 0; i < q->n; i++)
		for (j = 0; j < q->nrep; j++)
			X[j * q->n + i] = q->repw[i * q->nrep + j];
	rank = quantile_rank(X, q->n, q->nrep, 1e-5, work);
	pfree(X);
	pfree(work);
	return (double) rank - 1.0;
}

static Datum
result_datum(TupleDesc desc, const QuantResult *r, double level, int64 n)
{
	Datum		values[8];
	bool		nulls[8];
	double		v[7] = {r->p, r->estimate, r->se, r->lower, r->upper, level, r->df};
	int			i;

	for (i = 0; i < 7; i++)
	{
		values[i] = Float8GetDatum(v[i]);
		nulls[i] = isnan(v[i]);
	}
	values[7] = Int64GetDatum(n);
	nulls[7] = false;
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

PG_FUNCTION_INFO_V1(barometer_quantile_final);
Datum
barometer_quantile_final(PG_FUNCTION_ARGS)
{
	QuantAcc   *q;
	QuantResult *res;
	uint32	   *idx,
			   *work;
	double	   *x,
			   *cumw,
				W = 0,
				df_rep = NAN;
	uint64		i,
				m = 0;
	uint32		k;
	Oid			rettype,
				comptype;
	TupleDesc	desc;
	int64		nrows;
	MemoryContext tmp;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	q = (QuantAcc *) PG_GETARG_POINTER(0);
	if (q->np == 0 || q->acc == NULL)
		PG_RETURN_NULL();
	decl_check_declared(fcinfo, &q->id);

	/* the tally's own checks of the group's design columns */
	{
		LOCAL_FCINFO(sub_fc, 1);

		InitFunctionCallInfoData(*sub_fc, fcinfo->flinfo, 1, fcinfo->fncollation,
								 fcinfo->context, NULL);
		sub_fc->args[0].value = PointerGetDatum(q->acc);
		sub_fc->args[0].isnull = false;
		(void) barometer_tally_acc_final(sub_fc);
	}
	nrows = q->acc->core.n;

	/* the rows of positive weight in R's order of qs(): by value */
	guard_array(q->n, 2 * sizeof(uint32) + 2 * sizeof(double), "the sorted rows of a quantile");
	idx = palloc_extended(Max(q->n, 1) * sizeof(uint32), MCXT_ALLOC_HUGE);
	work = palloc_extended(Max(q->n, 1) * sizeof(uint32), MCXT_ALLOC_HUGE);
	for (i = 0; i < q->n; i++)
		if (q->w[i] > 0)
			idx[m++] = (uint32) i;
	core_sort_index(idx, m, cmp_row, q, work);
	x = palloc_extended(Max(m, 1) * sizeof(double), MCXT_ALLOC_HUGE);
	cumw = palloc_extended(Max(m, 1) * sizeof(double), MCXT_ALLOC_HUGE);
	for (i = 0; i < m; i++)
	{
		x[i] = q->y[idx[i]];
		cumw[i] = q->w[idx[i]];
	}
	if (m > 0)
		W = quantile_cumsum(cumw, m, cumw);
	if (q->kind == DESIGN_REPLICATE && m > 0)
		df_rep = replicate_df(q);

	res = palloc(q->np * sizeof(QuantResult));
	/* each probability's copy of the design is freed before the next */
	tmp = AllocSetContextCreate(CurrentMemoryContext, "quantile probability", ALLOCSET_DEFAULT_SIZES);
	for (k = 0; k < q->np; k++)
	{
		QuantResult *r = &res[k];
		TallySummary s;
		QuantileCI ci;
		MemoryContext old;

		r->p = q->p[k];
		r->estimate = r->se = r->lower = r->upper = r->df = NAN;
		if (m == 0)
			continue;
		r->estimate = quantile_rule_math(x, cumw, m, W, q->p[k]);
		old = MemoryContextSwitchTo(tmp);
		indicator_summary(q, r->estimate, &s);
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmp);
		r->df = q->kind == DESIGN_REPLICATE ? df_rep : s.df;
		quantile_woodruff(x, cumw, m, W, s.estimate, sqrt(s.variance), r->df, q->level, &ci);
		r->lower = ci.lower;
		r->upper = ci.upper;
		r->se = ci.se;
	}

	rettype = get_fn_expr_rettype(fcinfo->flinfo);
	comptype = q->scalar ? rettype : get_element_type(rettype);
	if (!OidIsValid(comptype))
		elog(ERROR, "could not determine the result type of a quantile");
	desc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(comptype, -1));
	if (q->scalar)
		PG_RETURN_DATUM(result_datum(desc, &res[0], q->level, nrows));
	{
		Datum	   *elems = palloc(q->np * sizeof(Datum));
		int16		typlen;
		bool		typbyval;
		char		typalign;

		for (k = 0; k < q->np; k++)
			elems[k] = result_datum(desc, &res[k], q->level, nrows);
		get_typlenbyvalalign(comptype, &typlen, &typbyval, &typalign);
		PG_RETURN_ARRAYTYPE_P(construct_array(elems, q->np, comptype, typlen, typbyval, typalign));
	}
}
