/*
 * calib.c - calibration of design weights in SQL, as window functions over
 * the sample (the solver is in core/calib_core.c):
 *
 *   calibrate(w, levels text[], aux float8[], totals calibration_total[],
 *             method, lower, upper, epsilon, maxit, force) OVER (...)
 *     -> the row's calibrated weight (R: weights(calibrate(...)),
 *        postStratify, rake)
 *   calibration_residual(y, w, w_cal, levels, aux [, domain [, stratum, psu]])
 *             OVER (...)
 *     -> the row's linearized value of the calibrated mean of y in the
 *        domain: a tally of it over the whole sample, weight w_cal, has the
 *        calibrated estimate and R's linearized variance (svyrecvar with
 *        the calibration's postStrata)
 *   calibrate_replicates(w, repw, levels, aux, totals, method, ...) OVER (...)
 *     -> the row's replicate weights, each replicate calibrated to the
 *        totals (R's calibrate on an svyrep.design)
 *
 * The partition (PARTITION BY edition, or OVER () for the whole table) is
 * the sample.  The functions read every row of the partition in one pass
 * on their first call (more passes would seek backwards through a window
 * buffer spilled to disk), compute, and return one value per row from then
 * on.  The totals and options must be the same on every row: read from
 * the first row, and compared on every other row unless they are a
 * constant or a parameter (a scalar subquery).  The partition's results
 * live in a memory context of their own, reset when the next partition
 * starts.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "windowapi.h"

#include "calib_core.h"
#include "guard.h"

/* the largest model: levels over all margins, auxiliaries */
#define CAL_MAX_LEVELS 100000
#define CAL_MAX_AUX 1000

/* a partition's result, in partition-local memory */
typedef struct CalPart
{
	bool		done;
	int64		n;
	double	   *out;			/* n values; NaN -> NULL */
	int			R;				/* calibrate_replicates: replicates */
	double	   *rep;			/* n x R recalibrated replicate weights */
} CalPart;

/* the levels of every margin: lookup by (margin, text) */
typedef struct LevelMap
{
	uint32		K;
	uint32		nlev_all;
	uint32	   *nlev;			/* K */
	uint32	   *off;			/* K + 1 */
	text	  **name;			/* every level, margin by margin */
	double	   *total;
	uint32	   *slot;			/* open addressing: level index + 1 */
	uint32		mask;
	uint32	   *margin_of;		/* residuals: margin of every level */
	uint32	   *within;			/* residuals: index within the margin */
} LevelMap;

static void pg_attribute_noreturn()
bad(const char *msg, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 detail ? errdetail("%s", detail) : 0));
}

static uint32
level_hash(uint32 k, const char *s, int len)
{
	return hash_combine(murmurhash32(k), hash_bytes((const unsigned char *) s, len));
}

/* index of level (k, s) or -1 */
static int64
level_find(const LevelMap *m, uint32 k, const char *s, int len)
{
	uint32		h = level_hash(k, s, len) & m->mask;

	for (;;)
	{
		uint32		e = m->slot[h];
		uint32		j;

		if (e == 0)
			return -1;
		j = e - 1;
		if (j >= m->off[k] && j < m->off[k + 1] &&
			VARSIZE_ANY_EXHDR(m->name[j]) == len &&
			memcmp(VARDATA_ANY(m->name[j]), s, len) == 0)
			return j;
		h = (h + 1) & m->mask;
	}
}

static const char *
level_text(const LevelMap *m, uint32 k, uint32 l)
{
	return text_to_cstring(m->name[m->off[k] + l]);
}

/*
 * The constant arguments (totals, options): read from the first row, and
 * checked on every row during the one pass over the rows (a scalar
 * subquery's value arrives as the same pointer, so the check is cheap).
 */
typedef struct ConstArgs
{
	int			nargs;
	int			argno[8];
	const char *what[8];
	Datum		value[8];		/* a copy of row 1's value */
	Datum		orig[8];		/* row 1's value as it came (a pointer) */
	bool		fixed[8];		/* a Const or Param: no check needed */
	bool		isnull[8];
	int16		typlen[8];
	bool		typbyval[8];
} ConstArgs;

/*
 * The argument is a constant or a parameter (a scalar subquery's initPlan,
 * a bind parameter): the same for every row of a partition, so the
 * per-row check can be skipped.
 */
static bool
arg_is_fixed(FunctionCallInfo fcinfo, int argno)
{
	Node	   *expr = fcinfo->flinfo->fn_expr;
	Node	   *arg;

	if (expr == NULL || !IsA(expr, WindowFunc))
		return false;
	if (argno >= list_length(((WindowFunc *) expr)->args))
		return false;
	arg = (Node *) list_nth(((WindowFunc *) expr)->args, argno);
	while (arg && IsA(arg, RelabelType))
		arg = (Node *) ((RelabelType *) arg)->arg;
	return arg != NULL && (IsA(arg, Const) || IsA(arg, Param));
}

static Datum
const_arg(WindowObject winobj, FunctionCallInfo fcinfo, ConstArgs *ca, int argno,
		  const char *what, bool *isnull)
{
	bool		isout;
	int			k = ca->nargs++;
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, argno);

	if (!OidIsValid(typid))
		elog(ERROR, "calibrate: argument %d has no type", argno);
	ca->argno[k] = argno;
	ca->what[k] = what;
	ca->fixed[k] = arg_is_fixed(fcinfo, argno);
	get_typlenbyval(typid, &ca->typlen[k], &ca->typbyval[k]);
	ca->value[k] = WinGetFuncArgInPartition(winobj, argno, 0, WINDOW_SEEK_HEAD, false,
											&ca->isnull[k], &isout);
	ca->orig[k] = ca->value[k];
	/* the value lives in per-row memory: keep a copy */
	if (!ca->isnull[k])
		ca->value[k] = datumCopy(ca->value[k], ca->typbyval[k], ca->typlen[k]);
	*isnull = ca->isnull[k];
	return ca->value[k];
}

/* equal values; varlenas compared by content (expanded, short or long header) */
static bool
const_equal(Datum a, Datum b, bool byval, int16 typlen)
{
	struct varlena *va,
			   *vb;
	bool		eq;

	if (typlen != -1)
		return datumIsEqual(a, b, byval, typlen);
	va = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(a));
	vb = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(b));
	eq = VARSIZE_ANY_EXHDR(va) == VARSIZE_ANY_EXHDR(vb) &&
		memcmp(VARDATA_ANY(va), VARDATA_ANY(vb), VARSIZE_ANY_EXHDR(va)) == 0;
	if ((Pointer) va != DatumGetPointer(a))
		pfree(va);
	if ((Pointer) vb != DatumGetPointer(b))
		pfree(vb);
	return eq;
}

static void
const_check(WindowObject winobj, const ConstArgs *ca, int64 i)
{
	int			k;

	for (k = 0; k < ca->nargs; k++)
	{
		bool		nul,
					isout;
		Datum		e;

		if (ca->fixed[k])
			continue;
		e = WinGetFuncArgInPartition(winobj, ca->argno[k], i, WINDOW_SEEK_HEAD, false,
												 &nul, &isout);

		if (nul == ca->isnull[k] &&
			(nul || e == ca->orig[k] || const_equal(e, ca->value[k], ca->typbyval[k], ca->typlen[k])))
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be the same on every row of the partition", ca->what[k]),
				 errdetail("Row %lld differs from row 1.", (long long) i + 1),
				 errhint("Pass a constant or a scalar subquery, for example (SELECT array_agg(t) FROM totals t).")));
	}
}

/* what the one pass over the rows reads besides the levels and auxiliaries */
typedef void (*RowFn) (WindowObject winobj, int64 i, void *arg);

/*
 * The totals: an array of barometer.calibration_total (margin, level,
 * total).  A row with a level is a categorical margin's level (margin =
 * position in levels[]); a row without is the total of auxiliary number
 * margin (position in aux[]).
 */
static void
read_totals(Datum arr, uint32 K, uint32 q, LevelMap *m, double *pop_x)
{
	ArrayType  *a = DatumGetArrayTypeP(arr);
	Oid			elemtype = ARR_ELEMTYPE(a);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *el;
	bool	   *nul;
	int			ne,
				i;
	uint32		k,
				cap;
	bool	   *aux_seen;
	uint32	   *fill;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, &el, &nul, &ne);
	m->K = K;
	m->nlev = palloc0(sizeof(uint32) * (K + 1));
	m->off = palloc0(sizeof(uint32) * (K + 1));
	aux_seen = palloc0(sizeof(bool) * (q + 1));
	/* count the levels of every margin */
	for (i = 0; i < ne; i++)
	{
		HeapTupleHeader t;
		bool		isnull;
		int32		mg;
		bool		lnull;

		if (nul[i])
			bad("a calibration total must not be NULL", NULL);
		t = DatumGetHeapTupleHeader(el[i]);
		mg = DatumGetInt32(GetAttributeByNum(t, 1, &isnull));
		if (isnull)
			bad("the margin of a calibration total must not be NULL", NULL);
		(void) GetAttributeByNum(t, 2, &lnull);
		(void) GetAttributeByNum(t, 3, &isnull);
		if (isnull)
			bad("a calibration total must not be NULL",
				psprintf("Margin %d has a total that is NULL.", mg));
		if (!lnull)
		{
			if (mg < 1 || (uint32) mg > K)
				bad("calibration total for a margin the rows do not have",
					psprintf("Margin %d has a level total, but the rows' levels array has %u elements.", mg, K));
			m->nlev[mg - 1]++;
		}
		else
		{
			if (mg < 1 || (uint32) mg > q)
				bad("calibration total for an auxiliary the rows do not have",
					psprintf("Auxiliary %d has a total (a row without level), but the rows' aux array has %u elements.", mg, q));
			if (aux_seen[mg - 1])
				bad("duplicate calibration total",
					psprintf("Auxiliary %d has more than one total.", mg));
			aux_seen[mg - 1] = true;
		}
	}
	for (k = 0; k < q; k++)
		if (!aux_seen[k])
			bad("missing calibration total",
				psprintf("Auxiliary %u has no total (a row with margin %u and level NULL).", k + 1, k + 1));
	for (k = 0; k < K; k++)
	{
		if (m->nlev[k] == 0)
			bad("missing calibration totals",
				psprintf("Margin %u has no level totals.", k + 1));
		m->off[k + 1] = m->off[k] + m->nlev[k];
	}
	m->nlev_all = m->off[K];
	if (m->nlev_all > CAL_MAX_LEVELS)
		bad("too many calibration levels",
			psprintf("The margins have %u levels together; the limit is %d.", m->nlev_all, CAL_MAX_LEVELS));
	m->name = palloc0(sizeof(text *) * (m->nlev_all + 1));
	m->total = palloc0(sizeof(double) * (m->nlev_all + 1));
	for (cap = 16; cap < 2 * m->nlev_all + 2; cap <<= 1)
		;
	m->mask = cap - 1;
	m->slot = palloc0(sizeof(uint32) * cap);
	fill = palloc0(sizeof(uint32) * (K + 1));
	for (i = 0; i < ne; i++)
	{
		HeapTupleHeader t = DatumGetHeapTupleHeader(el[i]);
		bool		isnull;
		int32		mg = DatumGetInt32(GetAttributeByNum(t, 1, &isnull));
		Datum		lv = GetAttributeByNum(t, 2, &isnull);
		double		tot = DatumGetFloat8(GetAttributeByNum(t, 3, &isnull));
		bool		lnull;

		(void) GetAttributeByNum(t, 2, &lnull);
		if (!isfinite(tot))
			bad("a calibration total must be finite",
				psprintf("Margin %d has the total %g.", mg, tot));
		if (lnull)
		{
			pop_x[mg - 1] = tot;
			continue;
		}
		{
			text	   *name = DatumGetTextPP(lv);
			uint32		k0 = (uint32) mg - 1;
			uint32		j = m->off[k0] + fill[k0];
			uint32		h;

			if (tot < 0)
				bad("a level's calibration total must not be negative",
					psprintf("Level \"%s\" of margin %d has the total %g.", text_to_cstring(name), mg, tot));
			if (level_find(m, k0, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)) >= 0)
				bad("duplicate calibration total",
					psprintf("Level \"%s\" of margin %d has more than one total.", text_to_cstring(name), mg));
			m->name[j] = name;
			m->total[j] = tot;
			fill[k0]++;
			h = level_hash(k0, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)) & m->mask;
			while (m->slot[h] != 0)
				h = (h + 1) & m->mask;
			m->slot[h] = j + 1;
		}
	}
}

/* the design weight of a row: finite, >= 0 */
static double
row_weight(WindowObject winobj, int argno, int64 i, const char *what)
{
	bool		isnull,
				isout;
	double		w = DatumGetFloat8(WinGetFuncArgInPartition(winobj, argno, i, WINDOW_SEEK_HEAD,
															false, &isnull, &isout));

	if (isnull || !isfinite(w) || w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be finite and not negative", what),
				 errdetail("Row %lld of the partition has %s.", (long long) i + 1,
						   isnull ? "NULL" : psprintf("%g", w))));
	return w;
}

/*
 * Residuals: the levels are every margin's distinct values, interned as
 * they come (index within the margin in order of appearance).
 */
static uint32
level_intern(LevelMap *m, uint32 k, text *s, uint32 limit)
{
	int			len = VARSIZE_ANY_EXHDR(s);
	uint32		h;

	if (2 * (m->nlev_all + 1) > m->mask + 1)
	{
		uint32		ncap = (m->mask + 1) * 2;
		uint32	   *nslot;
		uint32		t;

		if (m->nlev_all >= limit)
			bad("too many calibration levels",
				psprintf("The margins have more than %u levels together.", limit));
		guard_array(ncap, sizeof(uint32) * 3 + sizeof(text *), "the levels of the calibration");
		nslot = palloc_extended(sizeof(uint32) * ncap, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		m->name = repalloc_huge(m->name, sizeof(text *) * ncap);
		m->margin_of = repalloc_huge(m->margin_of, sizeof(uint32) * ncap);
		m->within = repalloc_huge(m->within, sizeof(uint32) * ncap);
		for (t = 0; t < m->nlev_all; t++)
		{
			uint32		hh = level_hash(m->margin_of[t], VARDATA_ANY(m->name[t]),
										VARSIZE_ANY_EXHDR(m->name[t])) & (ncap - 1);

			while (nslot[hh] != 0)
				hh = (hh + 1) & (ncap - 1);
			nslot[hh] = t + 1;
		}
		pfree(m->slot);
		m->slot = nslot;
		m->mask = ncap - 1;
	}
	h = level_hash(k, VARDATA_ANY(s), len) & m->mask;
	for (;;)
	{
		uint32		e = m->slot[h];

		if (e == 0)
			break;
		if (m->margin_of[e - 1] == k && VARSIZE_ANY_EXHDR(m->name[e - 1]) == len &&
			memcmp(VARDATA_ANY(m->name[e - 1]), VARDATA_ANY(s), len) == 0)
			return m->within[e - 1];
		h = (h + 1) & m->mask;
	}
	m->name[m->nlev_all] = (text *) DatumGetPointer(datumCopy(PointerGetDatum(s), false, -1));
	m->margin_of[m->nlev_all] = k;
	m->within[m->nlev_all] = m->nlev[k]++;
	m->slot[h] = ++m->nlev_all;
	return m->nlev[k] - 1;
}

/*
 * Every row's levels (n x K) and auxiliaries (n x q), K and q from the
 * first row.  With intern false the levels are looked up in the totals'
 * map (an unknown level is an error); with intern true (residuals) every
 * margin's distinct values become its levels.
 */
static void
read_rows(WindowObject winobj, int arg_lev, int arg_aux, int64 n, uint32 *K, uint32 *q,
		  LevelMap *m, uint32 **lev_out, double **x_out, bool intern, RowFn fn, void *fnarg)
{
	int64		i;
	uint32	   *lev = NULL;
	double	   *x = NULL;

	*K = 0;
	*q = 0;
	for (i = 0; i < n; i++)
	{
		bool		isnull,
					isout;
		Datum		d;
		uint32		k;

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		fn(winobj, i, fnarg);
		d = WinGetFuncArgInPartition(winobj, arg_lev, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
		if (!isnull)
		{
			ArrayType  *a = DatumGetArrayTypeP(d);
			Datum	   *el;
			bool	   *nul;
			int			ne;

			if (ARR_NDIM(a) > 1)
				bad("levels must be a one-dimensional array", NULL);
			deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &el, &nul, &ne);
			if (i == 0)
			{
				*K = ne;
				if (intern)
				{
					m->K = ne;
					m->nlev = palloc0(sizeof(uint32) * (ne + 1));
					m->off = palloc0(sizeof(uint32) * (ne + 1));
					m->mask = 1023;
					m->slot = palloc0(sizeof(uint32) * 1024);
					m->name = palloc0(sizeof(text *) * 1024);
					m->margin_of = palloc0(sizeof(uint32) * 1024);
					m->within = palloc0(sizeof(uint32) * 1024);
				}
				guard_array((uint64) n * (ne + 1), sizeof(uint32), "the levels of the calibration");
				lev = palloc_extended(sizeof(uint32) * ((Size) n * ne + 1), MCXT_ALLOC_HUGE);
			}
			if ((uint32) ne != *K)
				bad("every row must have the same number of levels",
					psprintf("Row 1 of the partition has %u levels, row %lld has %d.", *K, (long long) i + 1, ne));
			for (k = 0; k < (uint32) ne; k++)
			{
				text	   *s;
				int64		j;

				if (nul[k])
					bad("a row's level must not be NULL",
						psprintf("Row %lld of the partition has no level in margin %u.", (long long) i + 1, k + 1));
				s = DatumGetTextPP(el[k]);
				if (intern)
				{
					lev[(size_t) i * ne + k] = level_intern(m, k, s, CAL_MAX_LEVELS);
					continue;
				}
				j = level_find(m, k, VARDATA_ANY(s), VARSIZE_ANY_EXHDR(s));
				if (j < 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("a row's level has no calibration total"),
							 errdetail("Row %lld of the partition has level \"%s\" in margin %u, which the totals do not list.",
									   (long long) i + 1, text_to_cstring(s), k + 1),
							 errhint("Give every level of the sample a total.")));
				lev[(size_t) i * ne + k] = (uint32) (j - m->off[k]);
			}
			pfree(el);
			pfree(nul);
			if ((Pointer) a != DatumGetPointer(d))
				pfree(a);
		}
		else if (i > 0 && *K != 0)
			bad("a row's levels must not be NULL",
				psprintf("Row %lld of the partition has NULL levels.", (long long) i + 1));
		d = WinGetFuncArgInPartition(winobj, arg_aux, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
		if (isnull)
		{
			if (i > 0 && *q != 0)
				bad("a row's auxiliaries must not be NULL",
					psprintf("Row %lld of the partition has NULL auxiliaries.", (long long) i + 1));
		}
		else
		{
			ArrayType  *a = DatumGetArrayTypeP(d);
			Datum	   *el;
			bool	   *nul;
			int			ne;

			deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &el, &nul, &ne);
			if (i == 0)
			{
				*q = ne;
				if (ne > CAL_MAX_AUX)
					bad("too many auxiliaries", psprintf("The limit is %d.", CAL_MAX_AUX));
				guard_array((uint64) n * (ne + 1), sizeof(double), "the auxiliaries of the calibration");
				x = palloc_extended(sizeof(double) * ((Size) n * ne + 1), MCXT_ALLOC_HUGE);
			}
			if ((uint32) ne != *q)
				bad("every row must have the same number of auxiliaries",
					psprintf("Row 1 of the partition has %u, row %lld has %d.", *q, (long long) i + 1, ne));
			for (k = 0; k < (uint32) ne; k++)
			{
				double		v = nul[k] ? NAN : DatumGetFloat8(el[k]);

				if (!isfinite(v))
					bad("a row's auxiliary must be a finite number",
						psprintf("Row %lld of the partition has %s in auxiliary %u.", (long long) i + 1,
								 nul[k] ? "NULL" : psprintf("%g", v), k + 1));
				x[(size_t) i * ne + k] = v;
			}
			pfree(el);
			pfree(nul);
			if ((Pointer) a != DatumGetPointer(d))
				pfree(a);
		}
	}
	if (intern)
		for (i = 0; i < *K; i++)
			m->off[i + 1] = m->off[i] + m->nlev[i];
	*lev_out = lev;
	*x_out = x;
}

static int
parse_method(const char *s)
{
	if (strcmp(s, "linear") == 0)
		return CAL_LINEAR;
	if (strcmp(s, "raking") == 0)
		return CAL_RAKING;
	if (strcmp(s, "logit") == 0)
		return CAL_LOGIT;
	if (strcmp(s, "poststratify") == 0)
		return CAL_POSTSTRATIFY;
	if (strcmp(s, "rake") == 0)
		return CAL_RAKE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown calibration method \"%s\"", s),
			 errhint("Use linear, raking, logit, poststratify or rake.")));
	return 0;
}

/* what went wrong, for the error or the warning */
static char *
cal_detail(const CalResult *res, const LevelMap *m, uint32 K)
{
	const char *where = res->margin < K
		? psprintf("margin %u level \"%s\"", res->margin + 1, level_text(m, res->margin, res->level))
		: psprintf("auxiliary %u", res->margin - K + 1);

	switch (res->status)
	{
		case CAL_EMPTY_LEVEL:
			return psprintf("Level \"%s\" of margin %u has the population total %.17g but no sample weight.",
							level_text(m, res->margin, res->level), res->margin + 1, res->total);
		case CAL_ZERO_LEVEL:
			return psprintf("Level \"%s\" of margin %u has sample weight %.17g but the population total 0.",
							level_text(m, res->margin, res->level), res->margin + 1, res->reached);
		case CAL_INCONSISTENT:
			return psprintf("The totals of margin %u sum to %.17g, those of margin 1 to %.17g.",
							res->margin + 1, res->total, res->reached);
		default:
			return psprintf("After %d iterations the largest misfit is %.3g; the worst total is that of %s: %.17g, reached %.17g.",
							res->iterations, res->achieved, where, res->total, res->reached);
	}
}

/* the memory context of the current partition (fn_extra), reset per partition */
static MemoryContext
part_context(FunctionCallInfo fcinfo)
{
	MemoryContext cx = (MemoryContext) fcinfo->flinfo->fn_extra;

	if (cx == NULL)
	{
		cx = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "barometer calibration",
								   ALLOCSET_DEFAULT_SIZES);
		fcinfo->flinfo->fn_extra = cx;
	}
	else
		MemoryContextReset(cx);
	return cx;
}

/* R's calibrate(variance = ): the row's sigma2, finite and positive */
static double
row_variance(WindowObject winobj, int argno, int64 i)
{
	bool		isnull,
				isout;
	Datum		v = WinGetFuncArgInPartition(winobj, argno, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
	double		s2 = isnull ? NAN : DatumGetFloat8(v);

	if (!(s2 > 0) || !isfinite(s2))
		bad("the variance must be finite and positive",
			psprintf("Row %lld of the partition has %s.", (long long) i + 1,
					 isnull ? "NULL" : psprintf("%g", s2)));
	return s2;
}

typedef struct CalRowArg
{
	ConstArgs  *ca;
	double	   *dw;
	bool		replicates;		/* arg 1: the replicate weights */
	int			R;
	double	   *rep;			/* n x R */
	int64		n;
	double	   *s2;				/* the variance argument's values, or NULL */
} CalRowArg;

static void
cal_row(WindowObject winobj, int64 i, void *arg)
{
	CalRowArg  *a = arg;

	a->dw[i] = row_weight(winobj, 0, i, "the design weight");
	if (a->s2 != NULL)
		a->s2[i] = row_variance(winobj, 10, i);
	if (i > 0)
		const_check(winobj, a->ca, i);
	if (a->replicates)
	{
		bool		isnull,
					isout;
		Datum		v = WinGetFuncArgInPartition(winobj, 1, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
		ArrayType  *arr;
		Datum	   *el;
		bool	   *nul;
		int			ne,
					r;

		if (isnull)
			bad("the replicate weights must not be NULL",
				psprintf("Row %lld of the partition has none.", (long long) i + 1));
		arr = DatumGetArrayTypeP(v);
		deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &el, &nul, &ne);
		if (i == 0)
		{
			if (ne < 1)
				bad("the replicate weights must not be empty", NULL);
			a->R = ne;
			guard_array((uint64) a->n * ne * 2, sizeof(double), "the replicate weights");
			a->rep = palloc_extended(sizeof(double) * ((Size) a->n * ne), MCXT_ALLOC_HUGE);
		}
		if (ne != a->R)
			bad("every row must have the same number of replicate weights",
				psprintf("Row 1 of the partition has %d, row %lld has %d.", a->R, (long long) i + 1, ne));
		for (r = 0; r < ne; r++)
		{
			double		w = nul[r] ? NAN : DatumGetFloat8(el[r]);

			if (!isfinite(w) || w < 0)
				bad("replicate weights must be finite and not negative",
					psprintf("Row %lld of the partition has %s in replicate %d.", (long long) i + 1,
							 nul[r] ? "NULL" : psprintf("%g", w), r + 1));
			a->rep[(size_t) i * ne + r] = w;
		}
		pfree(el);
		pfree(nul);
	}
}

/*
 * R's calibrate (and postStratify, rake) on an svyrep.design: every
 * replicate's weights are calibrated to the same totals with the same
 * method, on the model of the full sample (its columns and checks); rake
 * makes the full sample's number of sweeps.  A replicate that does not
 * converge is kept with a warning (R warns and goes on); one without
 * finite weights is an error.  ra->rep is overwritten with the results.
 */
static void
calibrate_replicate_columns(CalInput *in, const CalResult *full, CalRowArg *ra, LevelMap *map,
							uint32 K, MemoryContext cx)
{
	MemoryContext rcx = AllocSetContextCreate(cx, "barometer replicate calibration",
											  ALLOCSET_DEFAULT_SIZES);
	double	   *dr = palloc_extended(sizeof(double) * (in->n + 1), MCXT_ALLOC_HUGE);
	const double *dfull = in->d;
	int			r,
				failed = 0;
	int64		i;
	CalResult	rr;
	char	   *first = NULL;

	in->d_model = dfull;
	in->rake_sweeps = in->method == CAL_RAKE ? full->iterations : 0;
	for (r = 0; r < ra->R; r++)
	{
		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < in->n; i++)
			dr[i] = ra->rep[(size_t) i * ra->R + r];
		in->d = dr;
		cal_solve(in, &rr, guard_realloc, rcx);
		if (rr.status == CAL_NOT_FINITE)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("calibration of replicate %d did not converge: the weights are not finite", r + 1),
					 errdetail("%s", cal_detail(&rr, map, K)),
					 errhint("Widen the bounds or collapse sparse levels.")));
		if (rr.status == CAL_NO_CONVERGENCE && failed++ == 0)
			first = psprintf("Replicate %d: %s", r + 1, cal_detail(&rr, map, K));
		for (i = 0; i < in->n; i++)
			ra->rep[(size_t) i * ra->R + r] = rr.w[i];
		MemoryContextReset(rcx);
	}
	in->d = dfull;
	if (failed)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("calibration of %d of %d replicates did not converge", failed, ra->R),
				 errdetail("%s", first)));
}

static void
calibrate_partition(WindowObject winobj, FunctionCallInfo fcinfo, CalPart *st, bool replicates)
{
	int			sh = replicates ? 1 : 0;	/* the arguments after w shift */
	ConstArgs	ca;
	CalRowArg	ra;
	MemoryContext cx = part_context(fcinfo);
	MemoryContext old = MemoryContextSwitchTo(cx);
	int64		n = WinGetPartitionRowCount(winobj);
	bool		isnull;
	Datum		d;
	CalInput	in;
	CalResult	res;
	LevelMap	map;
	uint32		K = 0,
				q = 0;
	double	   *pop_x;
	double	   *dw;
	bool		force = false;
	const char *method;
	ArrayType  *lev0;

	memset(&in, 0, sizeof(in));
	memset(&map, 0, sizeof(map));
	memset(&ca, 0, sizeof(ca));
	if (n >= (int64) UINT32_MAX / 2)
		bad("too many rows to calibrate", psprintf("The limit is %u rows a partition.", UINT32_MAX / 2));
	/* options */
	d = const_arg(winobj, fcinfo, &ca, 4 + sh, "the method", &isnull);
	method = isnull ? "linear" : text_to_cstring(DatumGetTextPP(d));
	in.method = parse_method(method);
	d = const_arg(winobj, fcinfo, &ca, 5 + sh, "lower", &isnull);
	in.lower = isnull ? -INFINITY : DatumGetFloat8(d);
	d = const_arg(winobj, fcinfo, &ca, 6 + sh, "upper", &isnull);
	in.upper = isnull ? INFINITY : DatumGetFloat8(d);
	d = const_arg(winobj, fcinfo, &ca, 7 + sh, "epsilon", &isnull);
	in.epsilon = isnull ? (in.method == CAL_RAKE ? 1.0 : 1e-7) : DatumGetFloat8(d);
	d = const_arg(winobj, fcinfo, &ca, 8 + sh, "maxit", &isnull);
	in.maxit = isnull ? (in.method == CAL_RAKE ? 10 : 50) : DatumGetInt32(d);
	d = const_arg(winobj, fcinfo, &ca, 9 + sh, "force", &isnull);
	force = !isnull && DatumGetBool(d);
	if (isnan(in.lower) || isnan(in.upper) || !(in.lower < in.upper))
		bad("calibration bounds must satisfy lower < upper",
			psprintf("The bounds are [%g, %g].", in.lower, in.upper));
	if (in.method == CAL_LOGIT && !(isfinite(in.lower) && isfinite(in.upper) &&
									in.lower < 1.0 && in.upper > 1.0))
		bad("logit calibration needs finite bounds lower < 1 < upper",
			psprintf("The bounds are [%g, %g].", in.lower, in.upper));
	if ((in.method == CAL_POSTSTRATIFY || in.method == CAL_RAKE) &&
		(isfinite(in.lower) || isfinite(in.upper)))
		bad("bounds apply to linear, raking and logit calibration", NULL);
	if (!(in.epsilon > 0) || !isfinite(in.epsilon))
		bad("epsilon must be positive", NULL);
	if (in.maxit < 1)
		bad("maxit must be at least 1", NULL);

	/* the shape of the rows (first row) and the totals */
	{
		bool		ln,
					an,
					isout;
		Datum		ld = WinGetFuncArgInPartition(winobj, 1 + sh, 0, WINDOW_SEEK_HEAD, false, &ln, &isout);
		Datum		ad = WinGetFuncArgInPartition(winobj, 2 + sh, 0, WINDOW_SEEK_HEAD, false, &an, &isout);

		if (!ln)
		{
			lev0 = DatumGetArrayTypeP(ld);
			K = ArrayGetNItems(ARR_NDIM(lev0), ARR_DIMS(lev0));
		}
		if (!an)
		{
			ArrayType  *a0 = DatumGetArrayTypeP(ad);

			q = ArrayGetNItems(ARR_NDIM(a0), ARR_DIMS(a0));
		}
	}
	if (K + q == 0)
		bad("nothing to calibrate on", "The rows have neither levels nor auxiliaries.");
	if ((in.method == CAL_POSTSTRATIFY && (K != 1 || q != 0)) ||
		(in.method == CAL_RAKE && q != 0))
		bad(psprintf("%s takes categorical margins only%s", method,
					 in.method == CAL_POSTSTRATIFY ? ", exactly one" : ""),
			NULL);
	pop_x = palloc0(sizeof(double) * (q + 1));
	d = const_arg(winobj, fcinfo, &ca, 3 + sh, "the totals", &isnull);
	if (isnull)
		bad("the calibration totals must not be NULL", NULL);
	read_totals(d, K, q, &map, pop_x);

	/* the rows */
	guard_array((uint64) n * 4, sizeof(double), "the rows of the calibration");
	dw = palloc_extended(sizeof(double) * (n + 1), MCXT_ALLOC_HUGE);
	ra.ca = &ca;
	ra.dw = dw;
	ra.replicates = replicates;
	ra.n = n;
	ra.R = 0;
	ra.rep = NULL;
	ra.s2 = NULL;
	if (!replicates && PG_NARGS() >= 11)
	{
		/* R's variance = : heteroscedastic calibration */
		if (in.method == CAL_POSTSTRATIFY || in.method == CAL_RAKE)
			bad("variance applies to linear, raking and logit calibration", NULL);
		ra.s2 = palloc_extended(sizeof(double) * (n + 1), MCXT_ALLOC_HUGE);
		in.sigma2 = ra.s2;
	}
	read_rows(winobj, 1 + sh, 2 + sh, n, &K, &q, &map, (uint32 **) &in.lev, (double **) &in.x, false,
			  cal_row, &ra);
	in.n = n;
	in.d = dw;
	in.K = K;
	in.nlev = map.nlev;
	in.pop_lev = map.total;
	in.q = q;
	in.pop_x = pop_x;
	cal_solve(&in, &res, guard_realloc, cx);
	switch (res.status)
	{
		case CAL_OK:
			break;
		case CAL_NO_CONVERGENCE:
			if (force)
			{
				ereport(WARNING,
						(errcode(ERRCODE_WARNING),
						 errmsg("calibration did not converge: the weights are returned anyway (force)"),
						 errdetail("%s", cal_detail(&res, &map, K))));
				break;
			}
			/* FALLTHROUGH */
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s", res.status == CAL_NO_CONVERGENCE
							? "calibration did not converge: the totals cannot be met"
							: res.status == CAL_NOT_FINITE
							? "calibration did not converge: the weights are not finite"
							: "the calibration totals cannot be met"),
					 errdetail("%s", cal_detail(&res, &map, K)),
					 errhint("%s", res.status == CAL_INCONSISTENT
							 ? "Every margin must describe the same population: scale the registers to one total."
							 : res.status == CAL_ZERO_LEVEL || res.status == CAL_EMPTY_LEVEL
							 ? "Collapse the level with a neighbouring one, or drop it from the margin."
							 : res.status == CAL_NOT_FINITE
							 ? "Widen the bounds or collapse sparse levels."
							 : "Widen the bounds, collapse sparse levels, raise maxit, or pass force => true to accept the weights.")));
	}
	if (replicates)
		calibrate_replicate_columns(&in, &res, &ra, &map, K, cx);
	MemoryContextSwitchTo(old);
	st->n = n;
	st->out = res.w;
	st->R = ra.R;
	st->rep = ra.rep;
	st->done = true;
}

PG_FUNCTION_INFO_V1(barometer_calibrate);
Datum
barometer_calibrate(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	CalPart    *st = (CalPart *) WinGetPartitionLocalMemory(winobj, sizeof(CalPart));
	int64		pos;

	if (!st->done)
		calibrate_partition(winobj, fcinfo, st, false);
	pos = WinGetCurrentPosition(winobj);
	if (pos < 0 || pos >= st->n)
		elog(ERROR, "calibrate: row %lld outside the partition", (long long) pos);
	PG_RETURN_FLOAT8(st->out[pos]);
}

PG_FUNCTION_INFO_V1(barometer_calibrate_replicates);
Datum
barometer_calibrate_replicates(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	CalPart    *st = (CalPart *) WinGetPartitionLocalMemory(winobj, sizeof(CalPart));
	int64		pos;
	Datum	   *el;
	int			r;

	if (!st->done)
		calibrate_partition(winobj, fcinfo, st, true);
	pos = WinGetCurrentPosition(winobj);
	if (pos < 0 || pos >= st->n)
		elog(ERROR, "calibrate_replicates: row %lld outside the partition", (long long) pos);
	el = palloc(sizeof(Datum) * st->R);
	for (r = 0; r < st->R; r++)
		el[r] = Float8GetDatum(st->rep[(size_t) pos * st->R + r]);
	PG_RETURN_ARRAYTYPE_P(construct_array(el, st->R, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* a row's identifier of any type as text (NULL: "") */
static char *
any_text(WindowObject winobj, FunctionCallInfo fcinfo, int argno, int64 i, Oid *typ,
		 FmgrInfo *out)
{
	bool		isnull,
				isout;
	Datum		v = WinGetFuncArgInPartition(winobj, argno, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);

	if (*typ == InvalidOid)
	{
		Oid			f;
		bool		varlena;

		*typ = get_fn_expr_argtype(fcinfo->flinfo, argno);
		if (!OidIsValid(*typ))
			elog(ERROR, "calibration_residual: argument %d has no type", argno);
		getTypeOutputInfo(*typ, &f, &varlena);
		fmgr_info(f, out);
	}
	return isnull ? "" : OutputFunctionCall(out, v);
}

/* what the residual's pass reads per row */
typedef struct ResRowArg
{
	FunctionCallInfo fcinfo;
	bool		design;			/* stratum and psu given */
	bool		multi;			/* domain is a label, domains a list */
	int			arg_stratum,
				arg_psu;
	uint32		G;				/* domains */
	LevelMap	dmap;			/* multi: the domains' labels */
	double	   *y,
			   *dw,
			   *wc;
	int32	   *dom;			/* the row's domain, -1 none */
	long double W;
	long double *WD,
			   *WY;				/* G */
	LevelMap	ids;			/* margin 0: strata; 1: (stratum, PSU) */
	uint32	   *sid,
			   *pid;
	Oid			ts,
				tp;
	FmgrInfo	fs,
				fp;
	ConstArgs  *ca;				/* rake's totals and options, or NULL */
	double	   *s2;				/* the variance argument's values, or NULL */
} ResRowArg;

static void
res_row(WindowObject winobj, int64 i, void *arg)
{
	ResRowArg  *a = arg;
	bool		isnull,
				isout,
				dnull;
	Datum		v;
	int32		g = -1;

	v = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
	a->y[i] = isnull ? 0.0 : DatumGetFloat8(v);
	if (!isnull && !isfinite(a->y[i]))
		bad("y must be finite", psprintf("Row %lld of the partition has %g.", (long long) i + 1, a->y[i]));
	a->dw[i] = row_weight(winobj, 1, i, "the design weight");
	a->wc[i] = row_weight(winobj, 2, i, "the calibrated weight");
	if (a->ca != NULL && i > 0)
		const_check(winobj, a->ca, i);
	if (a->s2 != NULL)
		a->s2[i] = row_variance(winobj, 8, i);
	if (a->fcinfo->nargs > 5)
	{
		v = WinGetFuncArgInPartition(winobj, 5, i, WINDOW_SEEK_HEAD, false, &dnull, &isout);
		if (!isnull && !dnull)
		{
			if (a->multi)
			{
				text	   *lab = DatumGetTextPP(v);

				g = (int32) level_find(&a->dmap, 0, VARDATA_ANY(lab), VARSIZE_ANY_EXHDR(lab));
			}
			else
				g = DatumGetBool(v) ? 0 : -1;
		}
	}
	else if (!isnull)
		g = 0;					/* no domain: the whole sample */
	a->dom[i] = g;
	a->W += a->wc[i];
	if (g >= 0)
	{
		a->WD[g] += a->wc[i];
		a->WY[g] += (long double) a->wc[i] * a->y[i];
	}
	if (a->design)
	{
		char	   *st = any_text(winobj, a->fcinfo, a->arg_stratum, i, &a->ts, &a->fs);
		char	   *ps = any_text(winobj, a->fcinfo, a->arg_psu, i, &a->tp, &a->fp);
		text	   *ta = cstring_to_text(st);
		text	   *tb;

		if (*ps == '\0')
			ps = psprintf("\x01row %lld", (long long) i);	/* no PSU: the row */
		tb = cstring_to_text(psprintf("%s\x01%s", st, ps));
		a->sid[i] = level_intern(&a->ids, 0, ta, UINT32_MAX / 4);
		a->pid[i] = level_intern(&a->ids, 1, tb, UINT32_MAX / 4);
		pfree(ta);
		pfree(tb);
	}
}

/*
 * The design's correction of the linearized values (see below): the PSUs
 * of every stratum get the same total shift, which the stratum's centring
 * removes from the variance, chosen so that the scores sum to zero (in
 * every stratum with several PSUs).  Row i of PSU j in stratum h gets
 *   y*_i = p_D + (W / W_D) e_i + W c_h / W_j,
 *   c_h = -(S_h + S_1 / H_2) / n_h,  S_h = sum over the stratum of w_cal e / W_D,
 *   S_1 the sum of S_h over the H_1 strata with one PSU (c_h = 0 there),
 *   H_2 the strata with more (when H_2 = 0: c_h = -S_h / n_h everywhere),
 * n_h its PSUs, W_j the PSU's sum of w_cal; a PSU without weight gets no
 * shift (its rows add nothing).  Without a design every row is its own
 * PSU in one stratum.
 */
static void
design_shift(ResRowArg *a, int64 n, const double *e, double pD, long double WDl, double *out)
{
	const double *wc = a->wc;
	double		W = (double) a->W,
				WD = (double) WDl,
				ratio = (double) (a->W / WDl);
	long double *S,
			   *Wj;
	uint32	   *nh,
			   *pstr;
	uint32		nstr,
				npsu;
	int64		i;
	uint32		j;

	if (!a->design)
	{
		long double Sw = 0.0L;

		for (i = 0; i < n; i++)
			Sw += (long double) wc[i] * e[i] / WD;
		for (i = 0; i < n; i++)
			out[i] = ratio * e[i] + pD - (wc[i] > 0 ? W * ((double) Sw / (double) n) / wc[i] : 0.0);
		return;
	}
	nstr = a->ids.nlev[0];
	npsu = a->ids.nlev[1];
	S = palloc0(sizeof(long double) * (nstr + 1));
	nh = palloc0(sizeof(uint32) * (nstr + 1));
	Wj = palloc_extended(sizeof(long double) * (npsu + 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	pstr = palloc_extended(sizeof(uint32) * (npsu + 1), MCXT_ALLOC_HUGE);
	for (j = 0; j < npsu; j++)
		pstr[j] = UINT32_MAX;
	for (i = 0; i < n; i++)
	{
		S[a->sid[i]] += (long double) wc[i] * e[i] / WD;
		Wj[a->pid[i]] += wc[i];
		if (pstr[a->pid[i]] == UINT32_MAX)
		{
			pstr[a->pid[i]] = a->sid[i];
			nh[a->sid[i]]++;
		}
	}
	/*
	 * A stratum with one PSU keeps its total: R's adjust adds it squared
	 * (not centred), the other rules drop the stratum.  The strata with
	 * several PSUs absorb it, so that the scores still sum to zero.  With
	 * no such stratum every stratum is centred (adjust then differs from
	 * R unless the scores sum to zero, as linear calibration's do).
	 */
	{
		long double Sone = 0.0L;
		uint32		h,
					hmulti = 0;

		for (h = 0; h < nstr; h++)
		{
			if (nh[h] == 1)
				Sone += S[h];
			else if (nh[h] > 1)
				hmulti++;
		}
		for (h = 0; h < nstr; h++)
		{
			if (hmulti == 0 || nh[h] == 0)
				S[h] = nh[h] > 0 ? -S[h] / nh[h] : 0.0L;
			else if (nh[h] == 1)
				S[h] = 0.0L;
			else
				S[h] = -(S[h] + Sone / hmulti) / nh[h];
		}
	}
	for (i = 0; i < n; i++)
	{
		double		c = (double) S[a->sid[i]];	/* now the stratum's c_h */
		double		wj = (double) Wj[a->pid[i]];

		out[i] = ratio * e[i] + pD + (wj > 0 ? W * c / wj : 0.0);
	}
	pfree(S);
	pfree(nh);
	pfree(Wj);
	pfree(pstr);
}

/*
 * R's variance on a rake() design: rake's last sweep redone from the
 * design weights and totals (its weights must be w_cal), then R's scores
 * w_cal u / W_D backfitted as svyrecvar does (cal_rake_backfit); u
 * (G x n, the centred values) becomes e, the residual whose w_cal e / W_D
 * are R's adjusted scores.
 */
static void
rake_scores(CalInput *in, const LevelMap *map, const ResRowArg *ra, double *u, MemoryContext cx)
{
	CalResult	res;
	int64		n = in->n,
				i;
	uint32		g;

	in->pop_lev = map->total;
	guard_array((uint64) n * (in->K + 2), sizeof(double), "the rake's post-stratified weights");
	in->post_w = palloc_extended(sizeof(double) * ((Size) n * in->K + 1), MCXT_ALLOC_HUGE);
	cal_solve(in, &res, guard_realloc, cx);
	if (res.status != CAL_OK && res.status != CAL_NO_CONVERGENCE)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the calibration totals cannot be met"),
				 errdetail("%s", cal_detail(&res, map, in->K))));
	for (i = 0; i < n; i++)
	{
		double		r = fabs(res.w[i] - ra->wc[i]) / fmax(fabs(res.w[i]), 1e-300);

		if (!(r <= 1e-9))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("w_cal is not the rake of w to the totals"),
					 errdetail("Row %lld of the partition has w_cal %.17g; rake gives %.17g.",
							   (long long) i + 1, ra->wc[i], res.w[i]),
					 errhint("Pass the design weight, totals, epsilon and maxit that calibrate(..., 'rake') was given.")));
	}
	for (g = 0; g < ra->G; g++)
	{
		double	   *ug = u + (size_t) g * n;
		double		WD = (double) ra->WD[g];

		if (!(WD > 0))
			continue;
		for (i = 0; i < n; i++)
			ug[i] = ra->wc[i] * ug[i] / WD;
	}
	cal_rake_backfit(in, in->post_w, ra->G, u, guard_realloc, cx);
	for (g = 0; g < ra->G; g++)
	{
		double	   *ug = u + (size_t) g * n;
		double		WD = (double) ra->WD[g];

		if (!(WD > 0))
			continue;
		for (i = 0; i < n; i++)
			ug[i] = ra->wc[i] > 0 ? ug[i] * WD / ra->wc[i] : 0.0;
	}
}

/*
 * The linearized value of the calibrated mean of y in a domain (R's
 * svyrecvar with the calibration's postStrata, see calib_core.h), for a
 * tally over the whole sample with weights w_cal:
 *   delta_i = the row is in the domain and y_i is not NULL
 *   p_D = sum delta w_cal y / W_D,  W_D = sum delta w_cal,  W = sum w_cal
 *   e = u - M b,  u_i = delta_i (y_i - p_D),  b = (M' D M)^-1 M' D u,
 *       D = diag(w) (the design weights: R's qr of M sqrt(d))
 * R's scores are w_cal e / W_D; the tally's are w_cal (y* - p*) / W with
 * p* its estimate.  y* = p_D + (W / W_D) e + the shift of design_shift
 * makes p* = p_D and the tally's scores R's plus a constant per PSU total
 * within each stratum, which the variance's centring removes (a stratum
 * with one PSU gets none: R's adjust uses its total).
 * Undefined (NULL) for a domain without weight.  With multi, G domains at
 * once (a row's domain is a label, the domains a constant list): the model
 * is factored once, and each row gets G values.
 */
static void
residual_partition(WindowObject winobj, FunctionCallInfo fcinfo, CalPart *st, bool multi)
{
	MemoryContext cx = part_context(fcinfo);
	MemoryContext old = MemoryContextSwitchTo(cx);
	int64		n = WinGetPartitionRowCount(winobj);
	int64		i;
	CalInput	in;
	LevelMap	map;
	uint32		K = 0,
				q = 0,
				g;
	double	   *u,
			   *e,
			   *pop_x = NULL;
	ResRowArg	ra;
	ConstArgs	ca;
	bool		rake = false;

	memset(&in, 0, sizeof(in));
	memset(&map, 0, sizeof(map));
	memset(&ra, 0, sizeof(ra));
	if (n >= (int64) UINT32_MAX / 2)
		bad("too many rows", psprintf("The limit is %u rows a partition.", UINT32_MAX / 2));
	ra.fcinfo = fcinfo;
	ra.multi = multi;
	ra.G = 1;
	if (multi)
	{
		/* the domains: a constant list of distinct labels */
		bool		isnull,
					isout;
		Datum		v = WinGetFuncArgInPartition(winobj, 6, 0, WINDOW_SEEK_HEAD, false, &isnull, &isout);
		ArrayType  *arr;
		Datum	   *el;
		bool	   *nul;
		int			ne,
					k;
		uint32		cap;

		if (!arg_is_fixed(fcinfo, 6))
			bad("the domains must be a constant or a scalar subquery",
				"They are read once for the whole partition.");
		if (isnull)
			bad("the domains must not be NULL", NULL);
		arr = DatumGetArrayTypeP(datumCopy(v, false, -1));
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &el, &nul, &ne);
		if (ne < 1)
			bad("the domains must not be empty", NULL);
		ra.G = ne;
		ra.dmap.K = 1;
		ra.dmap.nlev = palloc0(sizeof(uint32) * 2);
		ra.dmap.off = palloc0(sizeof(uint32) * 2);
		ra.dmap.name = palloc0(sizeof(text *) * (ne + 1));
		for (cap = 16; cap < 2 * (uint32) ne + 2; cap <<= 1)
			;
		ra.dmap.mask = cap - 1;
		ra.dmap.slot = palloc0(sizeof(uint32) * cap);
		for (k = 0; k < ne; k++)
		{
			text	   *lab;
			uint32		h;

			if (nul[k])
				bad("a domain label must not be NULL", NULL);
			lab = DatumGetTextPP(el[k]);
			ra.dmap.off[1] = k;
			if (level_find(&ra.dmap, 0, VARDATA_ANY(lab), VARSIZE_ANY_EXHDR(lab)) >= 0)
				bad("duplicate domain label", psprintf("\"%s\" is listed twice.", text_to_cstring(lab)));
			ra.dmap.name[k] = lab;
			h = level_hash(0, VARDATA_ANY(lab), VARSIZE_ANY_EXHDR(lab)) & ra.dmap.mask;
			while (ra.dmap.slot[h] != 0)
				h = (h + 1) & ra.dmap.mask;
			ra.dmap.slot[h] = k + 1;
		}
		ra.dmap.off[1] = ne;
		ra.dmap.nlev[0] = ne;
		ra.design = true;
		ra.arg_stratum = 7;
		ra.arg_psu = 8;
	}
	else
	{
		ra.design = PG_NARGS() >= 8;
		ra.arg_stratum = 6;
		ra.arg_psu = 7;
	}
	memset(&ca, 0, sizeof(ca));
	if (!multi && PG_NARGS() == 9)
	{
		/* R's regcalibrate with variance: the regression weighted d / sigma2 */
		ra.s2 = palloc_extended(sizeof(double) * (n + 1), MCXT_ALLOC_HUGE);
		in.sigma2 = ra.s2;
	}
	if (PG_NARGS() >= (multi ? 11 : 10))
	{
		/* the calibration's method; rake(): its totals and control too */
		int			sh = multi ? 1 : 0;
		bool		isnull;
		Datum		d = const_arg(winobj, fcinfo, &ca, 9 + sh, "the method", &isnull);

		in.method = parse_method(isnull ? "linear" : text_to_cstring(DatumGetTextPP(d)));
		rake = in.method == CAL_RAKE;
		if (rake)
		{
			bool		ln,
						isout;
			Datum		ld = WinGetFuncArgInPartition(winobj, 3, 0, WINDOW_SEEK_HEAD, false, &ln, &isout);

			d = const_arg(winobj, fcinfo, &ca, 10 + sh, "epsilon", &isnull);
			in.epsilon = isnull ? 1.0 : DatumGetFloat8(d);
			d = const_arg(winobj, fcinfo, &ca, 11 + sh, "maxit", &isnull);
			in.maxit = isnull ? 10 : DatumGetInt32(d);
			if (!(in.epsilon > 0) || !isfinite(in.epsilon))
				bad("epsilon must be positive", NULL);
			if (in.maxit < 1)
				bad("maxit must be at least 1", NULL);
			if (!ln)
			{
				ArrayType  *lev0 = DatumGetArrayTypeP(ld);

				K = ArrayGetNItems(ARR_NDIM(lev0), ARR_DIMS(lev0));
			}
			d = const_arg(winobj, fcinfo, &ca, 8 + sh, "the totals", &isnull);
			if (isnull)
				bad("the calibration totals must not be NULL", NULL);
			pop_x = palloc0(sizeof(double) * 2);
			read_totals(d, K, 0, &map, pop_x);
			ra.ca = &ca;
		}
	}
	guard_array((uint64) n * (ra.G + 6), sizeof(double), "the rows of the calibration residual");
	ra.y = palloc_extended(sizeof(double) * (n + 1), MCXT_ALLOC_HUGE);
	ra.dw = palloc_extended(sizeof(double) * (n + 1), MCXT_ALLOC_HUGE);
	ra.wc = palloc_extended(sizeof(double) * (n + 1), MCXT_ALLOC_HUGE);
	ra.dom = palloc_extended(sizeof(int32) * (n + 1), MCXT_ALLOC_HUGE);
	ra.WD = palloc0(sizeof(long double) * ra.G);
	ra.WY = palloc0(sizeof(long double) * ra.G);
	/* one G x n array: the values, then in place their residuals and y* */
	u = palloc_extended(sizeof(double) * ((Size) n * ra.G + 1), MCXT_ALLOC_HUGE);
	e = u;
	if (ra.design)
	{
		ra.ids.K = 2;
		ra.ids.nlev = palloc0(sizeof(uint32) * 3);
		ra.ids.off = palloc0(sizeof(uint32) * 3);
		ra.ids.mask = 1023;
		ra.ids.slot = palloc0(sizeof(uint32) * 1024);
		ra.ids.name = palloc0(sizeof(text *) * 1024);
		ra.ids.margin_of = palloc0(sizeof(uint32) * 1024);
		ra.ids.within = palloc0(sizeof(uint32) * 1024);
		ra.sid = palloc_extended(sizeof(uint32) * (n + 1), MCXT_ALLOC_HUGE);
		ra.pid = palloc_extended(sizeof(uint32) * (n + 1), MCXT_ALLOC_HUGE);
	}
	read_rows(winobj, 3, 4, n, &K, &q, &map, (uint32 **) &in.lev, (double **) &in.x, !rake,
			  res_row, &ra);
	if (K + q == 0)
		bad("no calibration model", "The rows have neither levels nor auxiliaries.");
	if (rake && q != 0)
		bad("rake takes categorical margins only", NULL);
	st->n = n;
	st->R = ra.G;
	st->out = u;
	st->done = true;
	for (g = 0; g < ra.G; g++)
	{
		double		pD = ra.WD[g] > 0 ? (double) (ra.WY[g] / ra.WD[g]) : 0.0;
		double	   *ug = u + (size_t) g * n;

		for (i = 0; i < n; i++)
			ug[i] = ra.dom[i] == (int32) g ? ra.y[i] - pD : 0.0;
	}
	in.n = n;
	in.d = ra.dw;
	in.K = K;
	in.nlev = map.nlev;
	in.q = q;
	if (rake)
		rake_scores(&in, &map, &ra, u, cx);
	else
		(void) cal_residual(&in, ra.G, u, e, guard_realloc, cx);	/* no column: e = u */
	for (g = 0; g < ra.G; g++)
	{
		double	   *out = st->out + (size_t) g * n;

		CHECK_FOR_INTERRUPTS();
		if (ra.WD[g] == 0.0L)
		{
			for (i = 0; i < n; i++)
				out[i] = NAN;
			continue;
		}
		design_shift(&ra, n, e + (size_t) g * n, (double) (ra.WY[g] / ra.WD[g]), ra.WD[g], out);
	}
	MemoryContextSwitchTo(old);
}

PG_FUNCTION_INFO_V1(barometer_calibration_residual);
Datum
barometer_calibration_residual(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	CalPart    *st = (CalPart *) WinGetPartitionLocalMemory(winobj, sizeof(CalPart));
	int64		pos;

	if (!st->done)
		residual_partition(winobj, fcinfo, st, false);
	pos = WinGetCurrentPosition(winobj);
	if (pos < 0 || pos >= st->n)
		elog(ERROR, "calibration_residual: row %lld outside the partition", (long long) pos);
	if (isnan(st->out[pos]))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(st->out[pos]);
}

PG_FUNCTION_INFO_V1(barometer_calibration_residuals);
Datum
barometer_calibration_residuals(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	CalPart    *st = (CalPart *) WinGetPartitionLocalMemory(winobj, sizeof(CalPart));
	int64		pos;
	Datum	   *el;
	bool	   *nul;
	int			g,
				dims[1],
				lbs[1] = {1};

	if (!st->done)
		residual_partition(winobj, fcinfo, st, true);
	pos = WinGetCurrentPosition(winobj);
	if (pos < 0 || pos >= st->n)
		elog(ERROR, "calibration_residuals: row %lld outside the partition", (long long) pos);
	el = palloc(sizeof(Datum) * st->R);
	nul = palloc(sizeof(bool) * st->R);
	for (g = 0; g < st->R; g++)
	{
		double		v = st->out[(size_t) g * st->n + pos];

		nul[g] = isnan(v);
		el[g] = Float8GetDatum(nul[g] ? 0.0 : v);
	}
	dims[0] = st->R;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(el, nul, 1, dims, lbs, FLOAT8OID, 8,
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
