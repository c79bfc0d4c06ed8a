/*
 * chisq.c - barometer.chisq: the Rao-Scott (and Wald) test of association
 * of two categorical variables as an aggregate over microdata, for
 * weights-only, stratified cluster and replicate designs (R svychisq).
 *
 *   chisq(r, c, w [, statistic])
 *   chisq(r, c, w, stratum, psu, n_psu, fpc [, statistic [, lonely_psu]])
 *   chisq(r, c, w, repw, spec [, statistic])
 * return barometer.chisq_result (statistic, ndf, ddf, p_value).
 *
 * State: the row and column levels, and per cell the weighted count (and
 * sum of squared weights) or, with clusters, per PSU and cell the weighted
 * count (an open-addressing table keyed by the two indexes, 24 bytes a
 * slot, at most half full), or per replicate and cell the replicate count.
 * Rows with a NULL category are left out of the table but stay in the
 * design (na.rm).  With replicate weights the state also sums, as a tally
 * does (rep_rank_core.c), the Gram matrix of every row's replicate weights
 * while their rank is below R: nu is R's degf(design), the qr rank of the
 * replicate weights of all the rows the aggregate sees (a NULL category
 * included) minus 1, as svychisq.svyrep.design's nu <- degf(design); a df
 * given in the spec wins, and with more than 100 replicates nu is R - 1.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "chisq_core.h"
#include "idkey.h"
#include "rep_rank_core.h"
#include "replicates.h"
#include "guard.h"
#include "tally.h"

#define CHISQ_MAX_CELLS 2500

/* the weight sum of one cell in one PSU; psu1 = 0 marks an empty slot */
typedef struct PsuCell
{
	uint32		psu1;			/* index into d.psu, plus 1 */
	uint32		cell;			/* index into cells */
	dd_t		w;
} PsuCell;

typedef struct ChisqAcc
{
	int32		kind;			/* DESIGN_WEIGHTS, DESIGN_CLUSTER, DESIGN_REPLICATE */
	int32		statistic;
	int64		n_rows;			/* rows seen, whatever their categories */
	Design		rows;			/* level sets: the strata tables */
	Design		cols;
	Design		cells;			/* key: int32 length of the row key, row key, column key */
	dd_t	   *t;				/* weights: per cell sum w;  replicate: cells x R */
	dd_t	   *q;				/* weights: per cell sum w^2 */
	uint32		cap;			/* allocated cells */
	Design		d;				/* cluster: strata and PSUs */
	PsuCell    *pc;				/* cluster: per (PSU, cell) weight sums */
	uint32		pc_cap;			/* slots: 0 or a power of 2 */
	uint32		pc_n;			/* slots in use */
	RepSpec		rep;
	double	   *rscales;
	RepAcc		rank;			/* replicate: R's degf of every row seen
								 * (rank_state, rank, gram, run; spec = rep) */
	MemoryContext cxt;
} ChisqAcc;

typedef struct ChisqCache
{
	IdKey		key[4];			/* row, column, stratum, psu */
} ChisqCache;

static ChisqAcc *
chisq_acc_new(MemoryContext cxt, int kind)
{
	ChisqAcc   *a = MemoryContextAllocZero(cxt, sizeof(ChisqAcc));

	a->kind = kind;
	a->statistic = -1;
	a->cxt = cxt;
	design_init(&a->rows, DESIGN_CLUSTER, guard_realloc, cxt);
	design_init(&a->cols, DESIGN_CLUSTER, guard_realloc, cxt);
	design_init(&a->cells, DESIGN_CLUSTER, guard_realloc, cxt);
	design_init(&a->d, DESIGN_CLUSTER, guard_realloc, cxt);
	return a;
}

/*
 * R's svychisq.svyrep.design takes nu = degf(design): the qr rank of the
 * replicate weights of every row of the design (rows with a missing
 * category included) minus 1.  The rank is summed as a tally's
 * (rep_rank_core.c), unless the spec gives a df or R > REP_GRAM_MAX_R
 * (then nu is R - 1).
 */
static void
chisq_rank_open(ChisqAcc *a)
{
	a->rank.spec = a->rep;
	a->rank.rank_state = REP_RANK_NONE;
	a->rank.rank = 0;
	a->rank.gram = NULL;
	a->rank.run = NULL;
	if (a->rep.nrep > REP_GRAM_MAX_R || !isnan(a->rep.df))
		return;
	guard_array(rep_gram_len(a->rep.nrep) + a->rep.nrep, sizeof(double), "the replicate Gram matrix of chisq");
	a->rank.gram = MemoryContextAllocZero(a->cxt, rep_gram_len(a->rep.nrep) * sizeof(double));
	a->rank.run = MemoryContextAllocZero(a->cxt, a->rep.nrep * sizeof(double));
	rep_rank_open(&a->rank);
}

static inline uint32
pc_mix(uint64 x)
{
	/* the murmur3 finaliser */
	x ^= x >> 33;
	x *= UINT64CONST(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64CONST(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (uint32) x;
}

/*
 * The home slot of (psu, cell): a PSU's cells within 256 slots of its own
 * start, so that the rows of one PSU (adjacent in a survey file) hit the
 * same few kilobytes of the table.
 */
static inline uint32
pc_hash(uint32 psu, uint32 cell)
{
	return pc_mix(psu) + (pc_mix((uint64) cell + UINT64CONST(0x9e3779b97f4a7c15)) & 255);
}

static PsuCell *pc_get(ChisqAcc *a, uint32 psu, uint32 cell);

/* double the (PSU, cell) table, checked against barometer.max_state_bytes */
static void
pc_grow(ChisqAcc *a)
{
	PsuCell    *old = a->pc;
	uint32		ocap = a->pc_cap,
				i;
	uint64		ncap = ocap ? (uint64) ocap * 2 : 1024;

	if (ncap > PG_UINT32_MAX / 2)
		guard_bytes(SIZE_MAX, "the PSU cells of chisq");
	guard_array(ncap, sizeof(PsuCell), "the PSU cells of chisq");
	a->pc = guard_realloc(a->cxt, NULL, ncap * sizeof(PsuCell));
	memset(a->pc, 0, ncap * sizeof(PsuCell));
	a->pc_cap = (uint32) ncap;
	a->pc_n = 0;
	for (i = 0; i < ocap; i++)
		if (old[i].psu1 != 0)
			pc_get(a, old[i].psu1 - 1, old[i].cell)->w = old[i].w;
	if (old)
		pfree(old);
}

/* the slot of (psu, cell), made on first sight: one probe in the usual case */
static PsuCell *
pc_get(ChisqAcc *a, uint32 psu, uint32 cell)
{
	uint32		mask,
				h;

	if (2 * ((uint64) a->pc_n + 1) > a->pc_cap)
		pc_grow(a);
	mask = a->pc_cap - 1;
	h = pc_hash(psu, cell) & mask;
	for (;;)
	{
		PsuCell    *s = &a->pc[h];

		if (s->psu1 == 0)
		{
			s->psu1 = psu + 1;
			s->cell = cell;
			a->pc_n++;
			return s;
		}
		if (s->psu1 == psu + 1 && s->cell == cell)
			return s;
		h = (h + 1) & mask;
	}
}

/* canonical bytes of an "any" argument (as the tally's identifiers) */
static StringInfo
key_arg(FunctionCallInfo fcinfo, ChisqCache *c, int slot, int argno)
{
	return idkey_arg(fcinfo, &c->key[slot], argno);
}

static StringInfo
cell_key(StringInfo rk, StringInfo ck)
{
	StringInfo	k = makeStringInfo();
	int32		len = rk->len;

	appendBinaryStringInfo(k, (char *) &len, sizeof(len));
	appendBinaryStringInfo(k, rk->data, rk->len);
	appendBinaryStringInfo(k, ck->data, ck->len);
	return k;
}

/* the index of a cell, growing the per-cell arrays */
static uint32
cell_index(ChisqAcc *a, const char *key, uint32 len)
{
	bool		created;
	uint32		k = design_stratum(&a->cells, key, len, &created);
	uint32		width = a->kind == DESIGN_REPLICATE ? a->rep.nrep : 1;

	if (a->cells.nstrata > CHISQ_MAX_CELLS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the table has more than %d cells", CHISQ_MAX_CELLS)));
	if (created && a->kind != DESIGN_CLUSTER && k >= a->cap)
	{
		uint32		ncap = a->cap ? a->cap * 2 : 16;

		a->t = a->t ? repalloc(a->t, ncap * width * sizeof(dd_t))
			: MemoryContextAlloc(a->cxt, ncap * width * sizeof(dd_t));
		a->q = a->q ? repalloc(a->q, ncap * sizeof(dd_t))
			: MemoryContextAlloc(a->cxt, ncap * sizeof(dd_t));
		memset(a->t + (size_t) a->cap * width, 0, (ncap - a->cap) * width * sizeof(dd_t));
		memset(a->q + a->cap, 0, (ncap - a->cap) * sizeof(dd_t));
		a->cap = ncap;
	}
	return k;
}

static int
statistic_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *name;
	int			s;

	if (argno < 0 || argno >= PG_NARGS())
		return CHISQ_F;
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("statistic must not be NULL"),
				 errhint("Statistics: %s.", CHISQ_STATISTIC_NAMES)));
	name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	s = chisq_statistic_parse(name);
	if (s < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown statistic \"%s\"", name),
				 errhint("Statistics: %s.", CHISQ_STATISTIC_NAMES)));
	return s;
}

/*
 * One transition for every form: kind says which design columns follow
 * r (1), c (2), w (3).
 */
static Datum
chisq_trans(FunctionCallInfo fcinfo, int kind, int stat_arg, int lonely_arg)
{
	MemoryContext aggcontext;
	ChisqAcc   *a;
	ChisqCache *c = (ChisqCache *) fcinfo->flinfo->fn_extra;
	double		w;
	int			s;
	StringInfo	rk = NULL,
				ck = NULL;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "chisq transition called outside an aggregate");
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ChisqCache));
		fcinfo->flinfo->fn_extra = c;
	}
	a = PG_ARGISNULL(0) ? chisq_acc_new(aggcontext, kind) : (ChisqAcc *) PG_GETARG_POINTER(0);
	s = statistic_arg(fcinfo, stat_arg);
	if (a->statistic < 0)
		a->statistic = s;
	else if (a->statistic != s)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("statistic differs between rows")));
	w = tally_arg_weight(fcinfo, 3);
	a->n_rows++;
	if (!PG_ARGISNULL(1))
	{
		bool		created;

		rk = key_arg(fcinfo, c, 0, 1);
		design_stratum(&a->rows, rk->data, rk->len, &created);
	}
	if (!PG_ARGISNULL(2))
	{
		bool		created;

		ck = key_arg(fcinfo, c, 1, 2);
		design_stratum(&a->cols, ck->data, ck->len, &created);
	}

	if (kind == DESIGN_WEIGHTS)
	{
		if (rk && ck)
		{
			StringInfo	key = cell_key(rk, ck);
			uint32		k = cell_index(a, key->data, key->len);

			dd_acc(&a->t[k], w);
			dd_acc_dd(&a->q[k], dd_two_sqr(w));
		}
	}
	else if (kind == DESIGN_CLUSTER)
	{
		StringInfo	sid,
					pid;
		int64		n_psu;
		double		popsize = 0;
		uint32		h,
					p;
		bool		created;
		int			lonely = LONELY_FAIL;

		if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stratum and psu must not be NULL")));
		if (PG_ARGISNULL(6) || PG_GETARG_INT32(6) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("n_psu must be at least 1"),
					 errhint("Compute it over the whole sample: barometer.psu_count(psu) OVER (PARTITION BY stratum).")));
		n_psu = PG_GETARG_INT32(6);
		if (!PG_ARGISNULL(7))
		{
			double		f = PG_GETARG_FLOAT8(7);

			if (!isfinite(f) || !(f > 0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("fpc must be a positive finite number")));
			popsize = f <= 1 ? (double) n_psu / f : f;
			if (popsize < (double) n_psu)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("fpc is smaller than the number of sampled units")));
		}
		if (lonely_arg > 0 && lonely_arg < PG_NARGS())
		{
			char	   *name;

			if (PG_ARGISNULL(lonely_arg))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("lonely PSU policy must not be NULL")));
			name = text_to_cstring(PG_GETARG_TEXT_PP(lonely_arg));
			lonely = design_lonely_parse(name);
			if (lonely < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown lonely PSU policy \"%s\"", name),
						 errhint("Policies: %s.", LONELY_POLICY_NAMES)));
		}
		if (a->n_rows == 1)
			a->d.lonely = lonely;
		sid = key_arg(fcinfo, c, 2, 4);
		pid = key_arg(fcinfo, c, 3, 5);
		h = design_stratum(&a->d, sid->data, sid->len, &created);
		if (created)
		{
			a->d.strata[h].n_psu = n_psu;
			a->d.strata[h].popsize = popsize;
		}
		else if (a->d.strata[h].n_psu != n_psu || a->d.strata[h].popsize != popsize)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("n_psu or fpc differs between rows of stratum %s", tally_id_text(sid->data, sid->len))));
		p = design_psu(&a->d, h, pid->data, pid->len, &created);
		if (rk && ck)
		{
			StringInfo	key = cell_key(rk, ck);
			uint32		k = cell_index(a, key->data, key->len);

			dd_acc(&pc_get(a, p, k)->w, w);
			design_add(&a->d, p, UINT32_MAX, 1.0, w);
		}
	}
	else
	{
		ArrayType  *arr;
		int			n,
					i;
		bool		f4;

		if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replicate weights and specification must not be NULL")));
		arr = PG_GETARG_ARRAYTYPE_P(4);
		f4 = ARR_ELEMTYPE(arr) == FLOAT4OID;
		if (ARR_NDIM(arr) != 1 || ARR_HASNULL(arr))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replicate weights must be a one-dimensional array without NULLs")));
		n = ARR_DIMS(arr)[0];
		if (a->rep.nrep == 0)
		{
			Replicates *spec = (Replicates *) PG_DETOAST_DATUM(PG_GETARG_DATUM(5));
			RepSpec		sp = spec->spec;
			const char *problem;

			if (spec->spec.has_rscales && (int) spec->spec.nrep != n)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("rscales has %u elements but there are %d replicates", spec->spec.nrep, n)));
			sp.nrep = n;
			problem = rep_spec_complete(&sp, spec->rscales);
			if (problem)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid replicate specification"),
						 errdetail("%s", problem)));
			a->rep = sp;
			a->rscales = MemoryContextAlloc(a->cxt, n * sizeof(double));
			for (i = 0; i < n; i++)
				a->rscales[i] = sp.has_rscales ? spec->rscales[i] : 1.0;
			chisq_rank_open(a);
		}
		if ((uint32) n != a->rep.nrep)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replicate weight arrays differ in length")));
		for (i = 0; i < n; i++)
		{
			double		x = f4 ? ((float *) ARR_DATA_PTR(arr))[i] : ((double *) ARR_DATA_PTR(arr))[i];

			/* as the tallies: 1e75 at most, so the Gram matrix stays finite */
			if (!(x >= 0) || !isfinite(x) || x > 1e75)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("replicate weights must be finite and not negative"),
						 errdetail("Replicate %d has weight %g; replicate weights must not exceed 1e75.", i + 1, x)));
		}
		/* every row of the design, whatever its categories */
		if (f4)
			rep_rank_add_f4(&a->rank, (float *) ARR_DATA_PTR(arr));
		else
			rep_rank_add(&a->rank, (double *) ARR_DATA_PTR(arr));
		rep_rank_settle_due(&a->rank);
		if (rk && ck)
		{
			StringInfo	key = cell_key(rk, ck);
			uint32		k = cell_index(a, key->data, key->len);
			dd_t	   *t = a->t + (size_t) k * a->rep.nrep;

			dd_acc(&a->q[k], w);	/* the full-sample count */
			for (i = 0; i < n; i++)
				dd_acc(&t[i], f4 ? ((float *) ARR_DATA_PTR(arr))[i] : ((double *) ARR_DATA_PTR(arr))[i]);
		}
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_chisq_trans_w);
Datum
barometer_chisq_trans_w(PG_FUNCTION_ARGS)
{
	return chisq_trans(fcinfo, DESIGN_WEIGHTS, 4, -1);
}

PG_FUNCTION_INFO_V1(barometer_chisq_trans_cluster);
Datum
barometer_chisq_trans_cluster(PG_FUNCTION_ARGS)
{
	return chisq_trans(fcinfo, DESIGN_CLUSTER, 8, 9);
}

PG_FUNCTION_INFO_V1(barometer_chisq_trans_rep);
Datum
barometer_chisq_trans_rep(PG_FUNCTION_ARGS)
{
	return chisq_trans(fcinfo, DESIGN_REPLICATE, 6, -1);
}

/* ---- merging (parallel) ---------------------------------------------------- */

static void
merge_into(ChisqAcc *a, ChisqAcc *b)
{
	uint32		i,
				where,
			   *cell_map,
			   *psu_map;
	bool		created;
	const char *problem;

	if (a->kind != b->kind)
		elog(ERROR, "chisq states of different kinds");
	if (a->statistic < 0)
		a->statistic = b->statistic;
	else if (b->statistic >= 0 && a->statistic != b->statistic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("statistic differs between rows")));
	if (a->kind == DESIGN_REPLICATE && a->rep.nrep == 0 && b->rep.nrep > 0)
	{
		a->rep = b->rep;
		a->rscales = MemoryContextAlloc(a->cxt, b->rep.nrep * sizeof(double));
		memcpy(a->rscales, b->rscales, b->rep.nrep * sizeof(double));
		chisq_rank_open(a);		/* empty: merging b gives b's rank */
	}
	else if (a->kind == DESIGN_REPLICATE && b->rep.nrep > 0 &&
			 !rep_spec_equal(&a->rep, a->rscales, &b->rep, b->rscales))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate settings differ between rows")));
	if (a->kind == DESIGN_REPLICATE && b->rep.nrep > 0 && rep_rank_merge(&a->rank, &b->rank))
	{
		a->rank.gram = MemoryContextAllocZero(a->cxt, rep_gram_len(a->rep.nrep) * sizeof(double));
		(void) rep_rank_merge(&a->rank, &b->rank);
	}
	a->n_rows += b->n_rows;
	cell_map = palloc((b->cells.nstrata + 1) * sizeof(uint32));
	for (i = 0; i < b->rows.nstrata; i++)
		design_stratum(&a->rows, b->rows.arena + b->rows.strata[i].id.off, b->rows.strata[i].id.len, &created);
	for (i = 0; i < b->cols.nstrata; i++)
		design_stratum(&a->cols, b->cols.arena + b->cols.strata[i].id.off, b->cols.strata[i].id.len, &created);
	for (i = 0; i < b->cells.nstrata; i++)
	{
		IdRef		id = b->cells.strata[i].id;
		uint32		k = cell_index(a, b->cells.arena + id.off, id.len);
		uint32		r;

		cell_map[i] = k;
		if (a->kind == DESIGN_WEIGHTS)
		{
			a->t[k] = dd_add(a->t[k], b->t[i]);
			a->q[k] = dd_add(a->q[k], b->q[i]);
		}
		else if (a->kind == DESIGN_REPLICATE)
		{
			a->q[k] = dd_add(a->q[k], b->q[i]);
			for (r = 0; r < a->rep.nrep; r++)
				a->t[(size_t) k * a->rep.nrep + r] = dd_add(a->t[(size_t) k * a->rep.nrep + r],
															 b->t[(size_t) i * a->rep.nrep + r]);
		}
	}
	if (a->kind == DESIGN_CLUSTER)
	{
		if (a->d.nstrata == 0)
			a->d.lonely = b->d.lonely;
		problem = design_merge(&a->d, &b->d, &where);
		if (problem)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("design columns differ between rows"),
					 errdetail("%s", problem)));
		/* b's PSUs in a, then b's (PSU, cell) sums */
		psu_map = palloc((b->d.npsu + 1) * sizeof(uint32));
		for (i = 0; i < b->d.npsu; i++)
		{
			const PsuRec *p = &b->d.psu[i];
			const StratumRec *st = &b->d.strata[p->stratum];
			uint32		h = design_stratum(&a->d, b->d.arena + st->id.off, st->id.len, &created);

			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			psu_map[i] = design_psu(&a->d, h, b->d.arena + p->id.off, p->id.len, &created);
		}
		for (i = 0; i < b->pc_cap; i++)
		{
			const PsuCell *x = &b->pc[i];
			PsuCell    *y;

			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			if (x->psu1 == 0)
				continue;
			y = pc_get(a, psu_map[x->psu1 - 1], cell_map[x->cell]);
			y->w = dd_add(y->w, x->w);
		}
		pfree(psu_map);
	}
	pfree(cell_map);
}

PG_FUNCTION_INFO_V1(barometer_chisq_combine);
Datum
barometer_chisq_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ChisqAcc   *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "chisq combine called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (ChisqAcc *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? chisq_acc_new(aggcontext, b->kind) : (ChisqAcc *) PG_GETARG_POINTER(0);
	merge_into(a, b);
	PG_RETURN_POINTER(a);
}

/* serialisation: a private format, read only by the deserialiser */
static void
put_set(StringInfo buf, const Design *s)
{
	uint32		i;

	pq_sendint32(buf, s->nstrata);
	for (i = 0; i < s->nstrata; i++)
	{
		pq_sendint32(buf, s->strata[i].id.len);
		pq_sendbytes(buf, s->arena + s->strata[i].id.off, s->strata[i].id.len);
	}
}

static void
get_set(StringInfo buf, Design *s)
{
	uint32		n = pq_getmsgint(buf, 4),
				i;
	bool		created;

	for (i = 0; i < n; i++)
	{
		uint32		len = pq_getmsgint(buf, 4);

		design_stratum(s, pq_getmsgbytes(buf, len), len, &created);
	}
}

static void
put_dd(StringInfo buf, dd_t x)
{
	pq_sendfloat8(buf, x.hi);
	pq_sendfloat8(buf, x.lo);
}

static dd_t
get_dd(StringInfo buf)
{
	dd_t		x;

	x.hi = pq_getmsgfloat8(buf);
	x.lo = pq_getmsgfloat8(buf);
	return x;
}

PG_FUNCTION_INFO_V1(barometer_chisq_serialize);
Datum
barometer_chisq_serialize(PG_FUNCTION_ARGS)
{
	ChisqAcc   *a = (ChisqAcc *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	uint32		i,
				r;
	uint32		width = a->kind == DESIGN_REPLICATE ? a->rep.nrep : 1;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, a->kind);
	pq_sendint32(&buf, a->statistic);
	pq_sendint64(&buf, a->n_rows);
	put_set(&buf, &a->rows);
	put_set(&buf, &a->cols);
	put_set(&buf, &a->cells);
	if (a->kind == DESIGN_REPLICATE)
	{
		pq_sendbytes(&buf, (char *) &a->rep, sizeof(RepSpec));
		for (r = 0; r < a->rep.nrep; r++)
			pq_sendfloat8(&buf, a->rscales[r]);
		/* the rank: its state, and the Gram matrix while it is open */
		rep_rank_flush(&a->rank);
		if (a->rep.nrep > 0)
		{
			pq_sendint32(&buf, a->rank.rank_state);
			pq_sendint32(&buf, a->rank.rank);
			pq_sendint32(&buf, a->rank.nruns);
			pq_sendint32(&buf, a->rank.next_check);
			if (a->rank.rank_state == REP_RANK_OPEN)
				for (i = 0; i < rep_gram_len(a->rep.nrep); i++)
					pq_sendfloat8(&buf, a->rank.gram[i]);
		}
	}
	if (a->kind != DESIGN_CLUSTER)
		for (i = 0; i < a->cells.nstrata; i++)
		{
			put_dd(&buf, a->q[i]);
			for (r = 0; r < width; r++)
				put_dd(&buf, a->t[(size_t) i * width + r]);
		}
	else
	{
		Design	   *d = &a->d;

		pq_sendint32(&buf, d->lonely);
		pq_sendint32(&buf, d->nstrata);
		pq_sendint32(&buf, d->npsu);
		pq_sendint32(&buf, a->pc_n);
		for (i = 0; i < d->nstrata; i++)
		{
			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			pq_sendint32(&buf, d->strata[i].id.len);
			pq_sendbytes(&buf, d->arena + d->strata[i].id.off, d->strata[i].id.len);
			pq_sendint64(&buf, d->strata[i].n_psu);
			pq_sendfloat8(&buf, d->strata[i].popsize);
		}
		for (i = 0; i < d->npsu; i++)
		{
			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			pq_sendint32(&buf, d->psu[i].stratum);
			pq_sendint32(&buf, d->psu[i].id.len);
			pq_sendbytes(&buf, d->arena + d->psu[i].id.off, d->psu[i].id.len);
			pq_sendint64(&buf, d->psu[i].n_dom);
			pq_sendint64(&buf, d->psu[i].n_pos);
			put_dd(&buf, d->psu[i].a);
			put_dd(&buf, d->psu[i].b);
		}
		for (i = 0; i < a->pc_cap; i++)
		{
			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			if (a->pc[i].psu1 == 0)
				continue;
			pq_sendint32(&buf, a->pc[i].psu1 - 1);
			pq_sendint32(&buf, a->pc[i].cell);
			put_dd(&buf, a->pc[i].w);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(barometer_chisq_deserialize);
Datum
barometer_chisq_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	ChisqAcc   *a;
	uint32		i,
				r,
				width;
	int			kind;

	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	kind = pq_getmsgint(&buf, 4);
	a = chisq_acc_new(CurrentMemoryContext, kind);
	a->statistic = pq_getmsgint(&buf, 4);
	a->n_rows = pq_getmsgint64(&buf);
	get_set(&buf, &a->rows);
	get_set(&buf, &a->cols);
	{
		Design		cells;

		design_init(&cells, DESIGN_CLUSTER, guard_realloc, CurrentMemoryContext);
		get_set(&buf, &cells);
		if (kind == DESIGN_REPLICATE)
		{
			memcpy(&a->rep, pq_getmsgbytes(&buf, sizeof(RepSpec)), sizeof(RepSpec));
			a->rscales = palloc(a->rep.nrep * sizeof(double));
			for (r = 0; r < a->rep.nrep; r++)
				a->rscales[r] = pq_getmsgfloat8(&buf);
			if (a->rep.nrep > 0)
			{
				int32		state;

				chisq_rank_open(a);
				state = pq_getmsgint(&buf, 4);
				a->rank.rank = pq_getmsgint(&buf, 4);
				a->rank.nruns = pq_getmsgint(&buf, 4);
				a->rank.next_check = pq_getmsgint(&buf, 4);
				if ((state != a->rank.rank_state && a->rank.rank_state != REP_RANK_OPEN) ||
					(state != REP_RANK_NONE && state != REP_RANK_KNOWN && state != REP_RANK_OPEN) ||
					(state == REP_RANK_KNOWN && a->rank.rank != (int32) a->rep.nrep) ||
					(state == REP_RANK_NONE && a->rank.rank != 0))
					elog(ERROR, "chisq: a corrupt serialized state");
				a->rank.rank_state = state;
				if (state != REP_RANK_OPEN && a->rank.gram != NULL)
				{
					pfree(a->rank.gram);
					a->rank.gram = NULL;
				}
				else if (state == REP_RANK_OPEN)
					for (i = 0; i < rep_gram_len(a->rep.nrep); i++)
						a->rank.gram[i] = pq_getmsgfloat8(&buf);
			}
		}
		width = kind == DESIGN_REPLICATE ? a->rep.nrep : 1;
		for (i = 0; i < cells.nstrata; i++)
		{
			uint32		k = cell_index(a, cells.arena + cells.strata[i].id.off, cells.strata[i].id.len);

			if (kind == DESIGN_CLUSTER)
				continue;
			a->q[k] = get_dd(&buf);
			for (r = 0; r < width; r++)
				a->t[(size_t) k * width + r] = get_dd(&buf);
		}
	}
	if (kind == DESIGN_CLUSTER)
	{
		Design	   *d = &a->d;
		uint32		ns,
					np,
					nq;
		bool		created;

		d->lonely = pq_getmsgint(&buf, 4);
		ns = pq_getmsgint(&buf, 4);
		np = pq_getmsgint(&buf, 4);
		nq = pq_getmsgint(&buf, 4);
		for (i = 0; i < ns; i++)
		{
			uint32		len = pq_getmsgint(&buf, 4);
			uint32		h = design_stratum(d, pq_getmsgbytes(&buf, len), len, &created);

			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			d->strata[h].n_psu = pq_getmsgint64(&buf);
			d->strata[h].popsize = pq_getmsgfloat8(&buf);
		}
		for (i = 0; i < np; i++)
		{
			uint32		h = pq_getmsgint(&buf, 4);
			uint32		len = pq_getmsgint(&buf, 4);
			uint32		p = design_psu(d, h, pq_getmsgbytes(&buf, len), len, &created);

			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			d->psu[p].n_dom = pq_getmsgint64(&buf);
			d->psu[p].n_pos = pq_getmsgint64(&buf);
			d->psu[p].a = get_dd(&buf);
			d->psu[p].b = get_dd(&buf);
		}
		for (i = 0; i < nq; i++)
		{
			uint32		p = pq_getmsgint(&buf, 4);
			uint32		k = pq_getmsgint(&buf, 4);

			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			if (p >= d->npsu || k >= a->cells.nstrata)
				elog(ERROR, "chisq: a corrupt serialized state");
			pc_get(a, p, k)->w = get_dd(&buf);
		}
	}
	PG_RETURN_POINTER(a);
}

/* ---- the test ------------------------------------------------------------------ */

static int
cmp_level(const void *x, const void *y, void *arg)
{
	const Design *s = (const Design *) arg;
	IdRef		a = s->strata[*(const uint32 *) x].id,
				b = s->strata[*(const uint32 *) y].id;
	int			c = memcmp(s->arena + a.off, s->arena + b.off, Min(a.len, b.len));

	return c != 0 ? c : (a.len < b.len ? -1 : (a.len > b.len ? 1 : 0));
}

/* rank[i] = position of level i in byte order */
static uint32 *
level_ranks(const Design *s)
{
	uint32		n = s->nstrata,
				i;
	uint32	   *order = palloc((n + 1) * sizeof(uint32));
	uint32	   *rank = palloc0((n + 1) * sizeof(uint32));

	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_arg(order, n, sizeof(uint32), cmp_level, (void *) s);
	for (i = 0; i < n; i++)
		rank[order[i]] = i;
	pfree(order);
	return rank;
}

/*
 * The clustered design as the core takes it: the PSUs with table rows
 * grouped by stratum (strata in the state's order, so that "fail" names the
 * first lonely stratum as before), one entry per (PSU, cell) with the
 * cell's weight sum; also the cell totals and nu = PSUs - strata over every
 * row of the design.  *order receives, per core stratum, the state's
 * stratum index.  O(PSUs + slots of the (PSU, cell) table).
 */
static void
cluster_table(ChisqAcc *a, const uint32 *cell_of, ChisqTable *t, double *total,
			  uint32 **order)
{
	Design	   *d = &a->d;
	uint32	   *pfirst,
			   *porder,
			   *fill;
	uint64	   *qfirst;
	uint32		h,
				i,
				x;
	ChisqStratum *strata;
	uint64	   *psu_first;
	uint32	   *entry_cell;
	double	   *entry_w;
	uint32		ns = 0,
				np = 0;
	int64		psus = 0,
				nstrata = 0;

	guard_array((uint64) a->pc_n + 1, sizeof(uint32) + sizeof(double), "the PSU cells of chisq");
	guard_array((uint64) d->npsu + 2, sizeof(uint32) * 3 + sizeof(uint64) * 2, "the PSUs of chisq");
	/* PSUs grouped by stratum: a counting sort */
	pfirst = palloc0((d->nstrata + 2) * sizeof(uint32));
	porder = palloc((d->npsu + 1) * sizeof(uint32));
	for (i = 0; i < d->npsu; i++)
		pfirst[d->psu[i].stratum + 1]++;
	for (h = 0; h < d->nstrata; h++)
		pfirst[h + 1] += pfirst[h];
	fill = palloc0((d->nstrata + 1) * sizeof(uint32));
	for (i = 0; i < d->npsu; i++)
		porder[pfirst[d->psu[i].stratum] + fill[d->psu[i].stratum]++] = i;
	pfree(fill);

	/* the core's PSU numbers, then each PSU's cells at its place */
	strata = palloc0((d->nstrata + 1) * sizeof(ChisqStratum));
	*order = palloc((d->nstrata + 1) * sizeof(uint32));
	fill = palloc((d->npsu + 1) * sizeof(uint32));
	qfirst = palloc0((d->npsu + 2) * sizeof(uint64));
	for (h = 0; h < d->nstrata; h++)
	{
		uint32		begin = np;

		CHECK_FOR_INTERRUPTS();
		if (pfirst[h + 1] > pfirst[h])
		{
			nstrata++;
			psus += pfirst[h + 1] - pfirst[h];
		}
		for (x = pfirst[h]; x < pfirst[h + 1]; x++)
		{
			uint32		p = porder[x];

			/* a PSU without table rows is zero padding (its n_psu counts) */
			fill[p] = PG_UINT32_MAX;
			if (d->psu[p].n_dom == 0)
				continue;
			fill[p] = np++;
		}
		if (np == begin)
			continue;
		strata[ns].n_psu = d->strata[h].n_psu;
		strata[ns].popsize = d->strata[h].popsize;
		strata[ns].psu_begin = begin;
		strata[ns].psu_end = np;
		(*order)[ns++] = h;
	}
	for (i = 0; i < a->pc_cap; i++)
		if (a->pc[i].psu1 != 0 && fill[a->pc[i].psu1 - 1] != PG_UINT32_MAX)
			qfirst[fill[a->pc[i].psu1 - 1] + 1]++;
	for (i = 0; i < np; i++)
		qfirst[i + 1] += qfirst[i];
	psu_first = palloc0((np + 1) * sizeof(uint64));
	memcpy(psu_first, qfirst, (np + 1) * sizeof(uint64));
	entry_cell = palloc((a->pc_n + 1) * sizeof(uint32));
	entry_w = palloc((a->pc_n + 1) * sizeof(double));
	for (i = 0; i < a->pc_cap; i++)
	{
		const PsuCell *c = &a->pc[i];
		uint32		j;
		double		v;

		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		if (c->psu1 == 0 || (j = fill[c->psu1 - 1]) == PG_UINT32_MAX)
			continue;
		v = dd_to_double(c->w);
		entry_cell[qfirst[j]] = cell_of[c->cell];
		entry_w[qfirst[j]++] = v;
		total[cell_of[c->cell]] += v;
	}
	t->nstrata = ns;
	t->strata = strata;
	t->npsu = np;
	t->psu_first = psu_first;
	t->entry_cell = entry_cell;
	t->entry_w = entry_w;
	t->lonely = d->lonely;
	t->nu = (double) (psus - nstrata);
	pfree(pfirst);
	pfree(porder);
	pfree(fill);
	pfree(qfirst);
}

PG_FUNCTION_INFO_V1(barometer_chisq_final);
Datum
barometer_chisq_final(PG_FUNCTION_ARGS)
{
	ChisqAcc   *a;
	TupleDesc	tupdesc;
	int			r,
				c,
				K,
				k;
	uint32	   *rrank,
			   *crank,
			   *cell_of,
			   *order = NULL;
	double	   *total;
	ChisqTable	t;
	ChisqResult res;
	ChisqStatus st;
	Datum		values[4];
	bool		nulls[4];
	double		x[4];
	uint32		i;
	bool		created;
	MemoryContext work,
				caller;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "chisq must return a composite");
	tupdesc = BlessTupleDesc(tupdesc);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = (ChisqAcc *) PG_GETARG_POINTER(0);
	r = a->rows.nstrata;
	c = a->cols.nstrata;
	if (r < 2 || c < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a test of association needs at least two rows and two columns"),
				 errdetail("The table has %d row categor%s and %d column categor%s.",
						   r, r == 1 ? "y" : "ies", c, c == 1 ? "y" : "ies")));
	if ((int64) r * c > CHISQ_MAX_CELLS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the table has more than %d cells", CHISQ_MAX_CELLS)));
	K = r * c;

	/* everything below lives in one context, dropped at the end */
	work = AllocSetContextCreate(CurrentMemoryContext, "barometer chisq",
								 ALLOCSET_DEFAULT_SIZES);
	caller = MemoryContextSwitchTo(work);
	rrank = level_ranks(&a->rows);
	crank = level_ranks(&a->cols);

	/* cell_of[cell index] = i + r j in level order */
	cell_of = palloc((a->cells.nstrata + 1) * sizeof(uint32));
	for (i = 0; i < a->cells.nstrata; i++)
	{
		IdRef		id = a->cells.strata[i].id;
		const char *key = a->cells.arena + id.off;
		int32		rlen;
		uint32		ri,
					ci;

		memcpy(&rlen, key, sizeof(rlen));
		ri = design_stratum(&a->rows, key + sizeof(rlen), rlen, &created);
		ci = design_stratum(&a->cols, key + sizeof(rlen) + rlen, id.len - sizeof(rlen) - rlen, &created);
		cell_of[i] = rrank[ri] + r * crank[ci];
	}
	total = palloc0(K * sizeof(double));
	memset(&t, 0, sizeof(t));
	t.r = r;
	t.c = c;
	t.N = (double) a->n_rows;
	t.total = total;

	if (a->kind == DESIGN_WEIGHTS)
	{
		double	   *q = palloc0(K * sizeof(double));

		for (i = 0; i < a->cells.nstrata; i++)
		{
			total[cell_of[i]] = dd_to_double(a->t[i]);
			q[cell_of[i]] = dd_to_double(a->q[i]);
		}
		t.design = CHISQ_DESIGN_WEIGHTS;
		t.sumsq = q;
		t.nu = t.N - 1;
	}
	else if (a->kind == DESIGN_REPLICATE)
	{
		uint32		R = a->rep.nrep,
					rr;
		double	   *tr;
		RepAcc		u;

		guard_array((uint64) K * R, sizeof(double), "the replicate totals of chisq");
		tr = palloc0((size_t) K * R * sizeof(double) + 1);
		for (i = 0; i < a->cells.nstrata; i++)
		{
			CHECK_FOR_INTERRUPTS();
			total[cell_of[i]] = dd_to_double(a->q[i]);
			for (rr = 0; rr < R; rr++)
				tr[(size_t) cell_of[i] * R + rr] = dd_to_double(a->t[(size_t) i * R + rr]);
		}
		t.design = CHISQ_DESIGN_REPLICATE;
		t.nrep = R;
		t.rep_total = tr;
		t.rscales = a->rscales;
		t.scale = a->rep.scale;
		t.mse = a->rep.mse;
		/* R's degf(design): the rank of every row's replicate weights - 1 */
		u = a->rank;
		if (u.rank_state == REP_RANK_OPEN)
		{
			u.rank = rep_rank_now(&a->rank);
			u.rank_state = REP_RANK_KNOWN;
		}
		t.nu = rep_df(&u);
	}
	else
	{
		t.design = CHISQ_DESIGN_CLUSTER;
		cluster_table(a, cell_of, &t, total, &order);
	}

	st = chisq_compute(&t, a->statistic, guard_realloc, work, &res);
	switch (st)
	{
		case CHISQ_OK:
			break;
		case CHISQ_LONELY:
			{
				uint32		h = order[res.lonely_stratum];

				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("stratum with only one PSU: %s",
								tally_id_text(a->d.arena + a->d.strata[h].id.off, a->d.strata[h].id.len)),
						 errdetail("The lonely PSU policy is \"fail\", as R's default survey.lonely.psu.")));
			}
			break;
		case CHISQ_TOO_BIG:
			guard_bytes(res.bytes, "a working array of chisq");
			elog(ERROR, "chisq: a working array of %zu bytes was refused", res.bytes);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the test of association cannot be computed"),
					 errdetail("%s", chisq_status_detail(st))));
	}
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(work);

	x[0] = res.statistic;
	x[1] = res.ndf;
	x[2] = res.ddf;
	x[3] = res.p_value;
	for (k = 0; k < 4; k++)
	{
		nulls[k] = isnan(x[k]);
		values[k] = Float8GetDatum(x[k]);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
