/*
 * compare.c - significance tests between tallies, multiple-comparison
 * adjustment and the dashboard marker.
 *
 *   diff_test(a, b, relation, level) -> barometer.difference
 *   p_adjust(p float8[], method) -> float8[]
 *   p_adjust(p, method) OVER (...)      (window function)
 *   significance(d barometer.difference, level, status_a, status_b) -> text
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "windowapi.h"

#include "compare_core.h"
#include "guard.h"
#include "rep_rank_core.h"
#include "stratified_core.h"
#include "tally.h"

static void pg_attribute_noreturn()
not_comparable(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("tallies cannot be compared this way"),
			 errdetail("%s", detail)));
}

/* a lonely PSU under "fail" found while computing a covariance */
static void
pair_lonely_error(const PairCov *pc)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < Min(pc->nlonely, DESIGN_MAX_REPORTED); i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "",
						 tally_id_text(pc->lonely_key[i], pc->lonely_len[i]));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg(pc->stage == 1 ? "stratum with only one PSU: %s" : "PSU with only one SSU: %s", buf.data),
			 errdetail("The lonely PSU policy is \"fail\", as R's default survey.lonely.psu.")));
}

/*
 * diff_test's per-call-site cache: the result row type, and what depends
 * on b alone (its summary; for a cluster_sums or stratified whole, its own
 * variance terms), kept with a copy of b's bytes.  A dashboard compares
 * every municipality with the same region-wide tally (300 strata): a byte
 * comparison then stands for a walk over the whole's strata.
 */
typedef struct DiffCache
{
	TupleDesc	desc;
	Tally	   *b;				/* copy of the last b, or NULL */
	Size		last_len;		/* the previous b's length and first bytes' hash */
	uint32		last_print;
	TallySummary sb;
	bool		have_whole;
	StratWhole	whole;
} DiffCache;

#define DIFF_CACHE_MAX_BYTES (4 * 1024 * 1024)

static DiffCache *
diff_cache(FunctionCallInfo fcinfo)
{
	DiffCache  *c = (DiffCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		TupleDesc	d;
		MemoryContext old;

		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(DiffCache));
		if (get_call_result_type(fcinfo, NULL, &d) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "diff_test must return a composite");
		d = BlessTupleDesc(d);
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		c->desc = CreateTupleDescCopy(d);
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = c;
	}
	return c;
}

/*
 * Whether b is the cached b, byte for byte.  A b that differs replaces the
 * copy only when it comes back: its length and the hash of its first bytes
 * equal the previous call's (a window's reference, the same whole for a
 * family), so a call site whose b changes every row (the previous edition)
 * pays a short hash, not a copy.
 */
#define DIFF_CACHE_PRINT_BYTES 256

static bool
diff_cache_same_b(FunctionCallInfo fcinfo, DiffCache *c, const Tally *b)
{
	Size		len = VARSIZE(b);
	uint32		print;

	if (c->b != NULL && VARSIZE(c->b) == len && memcmp(c->b, b, len) == 0)
		return true;
	print = hash_bytes((const unsigned char *) b, (int) Min(len, DIFF_CACHE_PRINT_BYTES));
	if (c->b != NULL)
		pfree(c->b);
	c->b = NULL;
	c->have_whole = false;
	if (len <= DIFF_CACHE_MAX_BYTES && len == c->last_len && print == c->last_print)
	{
		c->b = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len);
		memcpy(c->b, b, len);
	}
	c->last_len = len;
	c->last_print = print;
	return false;
}

/*
 * diff_test(a, b, relation, level):
 *   independent  two samples: Cov = 0, df = df_a + df_b - 1 (R's svyttest on
 *                the stacked samples);
 *   domains      two domains of one design: Cov from the shared PSUs (R's
 *                svyby(covmat = TRUE) + svycontrast) or the replicates;
 *                df = degf of the two domains - 1 (R's svyttest);
 *   part         a is part of b (a municipality and its region): the same
 *                covariance (PSU totals carry the overlap); for weights-only
 *                tallies Cov = N/(N-1) sum_a w^2 (y-p_a)(y-p_b)/(W_a W_b);
 *                for stratified ones (tally_stratified) the same per
 *                stratum, from the part's sums (stratified_part_cov);
 *                df = degf of b - 1.
 * Two stratified tallies are not compared as "domains": their sums cannot
 * tell whether the two groups share rows, which the covariance needs.
 * cluster_sums tallies (tally_psu_sums) are: as two groups that share no
 * PSU (stratified_domains_cov); as part and whole, the part's PSU totals
 * must be those of the whole (the part is a union of whole PSUs).
 */
/* stratified_part_cov, with the whole's terms from the cache when b is the same */
static void
part_cov(DiffCache *c, bool same_b, const Design *da, const Tally *a, const Design *db,
		 const Tally *b, PairCov *pc)
{
	if (!(same_b && c->have_whole))
	{
		stratified_whole(db, &b->core, &c->whole);
		c->have_whole = c->b != NULL;
	}
	stratified_part_cov_whole(da, &a->core, db, &b->core, &c->whole, pc);
}

PG_FUNCTION_INFO_V1(barometer_diff_test);
Datum
barometer_diff_test(PG_FUNCTION_ARGS)
{
	Tally	   *a = PG_GETARG_TALLY(0);
	Tally	   *b = PG_GETARG_TALLY(1);
	char	   *relation = text_to_cstring(PG_GETARG_TEXT_PP(2));
	double		level = PG_GETARG_FLOAT8(3);
	TallySummary sa,
				sb;
	DiffResult	r;
	double		cov = 0,
				var_a,
				var_b,
				df;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7];
	double		x[7];
	int			i;
	bool		independent = strcmp(relation, "independent") == 0;
	bool		part = strcmp(relation, "part") == 0;
	DiffCache  *cache;
	bool		same_b;

	if (!independent && !part && strcmp(relation, "domains") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown relation \"%s\"", relation),
				 errhint("Relations: independent (two samples), domains (two groups of one sample), part (a group and a larger group that contains it).")));
	if (isnan(level) || !(level > 0 && level < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must be between 0 and 1"),
				 errdetail("The level is %g.", level)));
	if (a->core.kind != b->core.kind)
		not_comparable(psprintf("One tally is of a %s, the other of a %s.",
								tally_kind_name(a->core.kind), tally_kind_name(b->core.kind)));
	cache = diff_cache(fcinfo);
	tupdesc = cache->desc;
	same_b = diff_cache_same_b(fcinfo, cache, b);

	tally_summarize(a, &sa, true);
	if (same_b)
		sb = cache->sb;
	else
	{
		tally_summarize(b, &sb, true);
		cache->sb = sb;
	}
	var_a = sa.variance;
	var_b = sb.variance;

	if (independent)
		df = sa.df + sb.df - 1;
	else
	{
		Design		da,
					db;
		RepAcc		ra,
					rb;
		PairCov		pc;

		tally_view(a, &da, &ra);
		tally_view(b, &db, &rb);
		if (da.kind != db.kind)
			not_comparable(psprintf("One tally has a %s design, the other a %s design; two groups of one sample need the same design columns.",
									design_kind_name(da.kind), design_kind_name(db.kind)));
		if (da.lonely != db.lonely || da.n_sample != db.n_sample)
			not_comparable("The tallies come from different designs (lonely PSU policy or sample size differ).");
		switch (da.kind)
		{
			case DESIGN_WEIGHTS:
			case DESIGN_WEIGHTS_DOMAIN:
				if (part)
				{
					double		N = da.kind == DESIGN_WEIGHTS_DOMAIN ? (double) da.n_sample
						: (double) (b->core.n + b->core.n_missing);

					if (a->core.n > b->core.n || a->core.s[S_W].hi > b->core.s[S_W].hi * (1 + 1e-12))
						not_comparable("The part has more rows or weight than the whole.");
					if (isnan(sa.estimate) || isnan(sb.estimate))
						cov = NAN;
					else
						cov = N < 2 ? NAN : wonly_part_cov(&a->core, &b->core, N);
					df = sb.df - 1;
				}
				else
				{
					cov = 0;	/* disjoint domains: no shared rows */
					df = (double) (a->core.n_pos + b->core.n_pos) - 1 - 1;
				}
				break;
			case DESIGN_STRATIFIED:
				if (!part)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("stratified tallies cannot be compared as domains"),
							 errdetail("The covariance of two groups of one sample needs the rows they share, and the sums of a tally_stratified do not tell whether two groups overlap."),
							 errhint("Use relation 'part' for a group nested in a larger group, or build the tallies with the clustered form barometer.tally(y, w, stratum, psu, n_psu, fpc) with psu the row's id for groups that may overlap.")));
				part_cov(cache, same_b, &da, a, &db, b, &pc);
				if (pc.conflict)
					not_comparable(pc.conflict);
				if (pc.status == DESIGN_LONELY_FAIL)
					pair_lonely_error(&pc);
				var_a = pc.var_a;
				var_b = pc.var_b;
				cov = pc.cov;
				df = pc.df_union - 1;
				break;
			case DESIGN_CLUSTER_SUMS:
				/* PSU totals summed per stratum (tally_psu_sums) */
				if (part)
					part_cov(cache, same_b, &da, a, &db, b, &pc);
				else
					stratified_domains_cov(&da, &a->core, &db, &b->core, &pc);
				if (pc.conflict)
					not_comparable(pc.conflict);
				if (pc.status == DESIGN_LONELY_FAIL)
					pair_lonely_error(&pc);
				var_a = pc.var_a;
				var_b = pc.var_b;
				cov = pc.cov;
				df = pc.df_union - 1;
				break;
			case DESIGN_REPLICATE:
				if (!rep_spec_equal(&ra.spec, ra.rscales, &rb.spec, rb.rscales))
					not_comparable("The replicate settings (method, number of replicates, scales, rho, mse or df) differ.");
				rep_pair_cov(&ra, sa.estimate, &rb, sb.estimate, &pc);
				var_a = pc.var_a;
				var_b = pc.var_b;
				cov = pc.cov;
				/* R's svyttest: degf of the two-domain subset - 1 */
				{
					double	   *work = NULL;

					if (rep_rank_union_needs(&ra, &rb))
						work = palloc(rep_union_work_len(ra.spec.nrep) * sizeof(double));
					df = rep_df_union(&ra, &rb, work) - 1;
					if (work)
						pfree(work);
				}
				break;
			default:
				design_pair_cov(&da, &a->core, &db, &b->core, guard_realloc,
								CurrentMemoryContext, &pc);
				if (pc.conflict)
					not_comparable(pc.conflict);
				if (pc.status == DESIGN_LONELY_FAIL)
					pair_lonely_error(&pc);
				var_a = pc.var_a;
				var_b = pc.var_b;
				cov = pc.cov;
				df = pc.df_union - 1;
				break;
		}
	}
	if (isnan(sa.estimate) || isnan(sb.estimate))
		PG_RETURN_NULL();
	diff_compute(sa.estimate, sb.estimate, var_a, var_b, cov, df, level, &r);
	x[0] = r.difference;
	x[1] = r.se;
	x[2] = r.ci_lower;
	x[3] = r.ci_upper;
	x[4] = r.statistic;
	x[5] = r.df;
	x[6] = r.p_value;
	for (i = 0; i < 7; i++)
	{
		nulls[i] = isnan(x[i]);
		values[i] = Float8GetDatum(x[i]);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

static int
padj_method(text *t)
{
	char	   *name = text_to_cstring(t);
	int			m = p_adjust_parse(name);

	if (m < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown p-value adjustment \"%s\"", name),
				 errhint("Methods: %s.", PADJ_METHOD_NAMES)));
	return m;
}

static void
check_p(double p)
{
	if (!isnan(p) && !(p >= 0 && p <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p-value out of range"),
				 errdetail("The p-value %g is not in [0, 1].", p)));
}

/* p_adjust(p float8[], method): R's p.adjust; NULL elements stay NULL */
PG_FUNCTION_INFO_V1(barometer_p_adjust_array);
Datum
barometer_p_adjust_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int			method = padj_method(PG_GETARG_TEXT_PP(1));
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	double	   *p;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p-values must be a one-dimensional array")));
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	guard_bytes(p_adjust_work_bytes(n), "the work space of p_adjust");
	p = palloc_extended((n + 1) * sizeof(double), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
	{
		p[i] = nulls[i] ? NAN : DatumGetFloat8(elems[i]);
		check_p(p[i]);
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	(void) p_adjust(p, n, method, p,
					palloc_extended(p_adjust_work_bytes(n), MCXT_ALLOC_HUGE));
	for (i = 0; i < n; i++)
	{
		nulls[i] = isnan(p[i]);
		elems[i] = Float8GetDatum(nulls[i] ? 0 : p[i]);
	}
	{
		int			dims[1] = {n},
					lbs[1] = {ARR_NDIM(arr) ? ARR_LBOUND(arr)[0] : 1};

		PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, nulls, n ? 1 : 0, dims, lbs, FLOAT8OID,
												 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
}

/* the window form: every p-value of the partition, adjusted once */
typedef struct PAdjustWindow
{
	bool		done;
	int			n;
	double		adj[FLEXIBLE_ARRAY_MEMBER];
} PAdjustWindow;

PG_FUNCTION_INFO_V1(barometer_p_adjust_window);
Datum
barometer_p_adjust_window(PG_FUNCTION_ARGS)
{
	WindowObject win = PG_WINDOW_OBJECT();
	int64		n = WinGetPartitionRowCount(win);
	PAdjustWindow *st;
	int64		row = WinGetCurrentPosition(win);

	if (n > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("p_adjust takes at most %d p-values in one partition", INT_MAX / 2)));
	guard_array((uint64) n + 1, sizeof(double), "the p-values of a p_adjust partition");
	st = WinGetPartitionLocalMemory(win, offsetof(PAdjustWindow, adj) + (n + 1) * sizeof(double));

	if (!st->done)
	{
		bool		isnull;
		int			method;
		int64		i;
		Datum		m = WinGetFuncArgCurrent(win, 1, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("p-value adjustment method must not be NULL")));
		method = padj_method(DatumGetTextPP(m));
		for (i = 0; i < n; i++)
		{
			Datum		d = WinGetFuncArgInPartition(win, 0, (int) i, WINDOW_SEEK_HEAD, false, &isnull, NULL);

			st->adj[i] = isnull ? NAN : DatumGetFloat8(d);
			check_p(st->adj[i]);
			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		guard_bytes(p_adjust_work_bytes((int) n), "the work space of p_adjust");
		(void) p_adjust(st->adj, (int) n, method, st->adj,
						palloc_extended(p_adjust_work_bytes((int) n), MCXT_ALLOC_HUGE));
		st->n = (int) n;
		st->done = true;
	}
	if (isnan(st->adj[row]))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(st->adj[row]);
}

/*
 * significance(d, level, status_a, status_b): the dashboard marker
 *   hidden      one of the estimates is not published (status suppress)
 *   untestable  no p-value (no variance, no degrees of freedom)
 *   higher / lower   p < 1 - level, a above / below b
 *   ns          not significant
 */
PG_FUNCTION_INFO_V1(barometer_significance);
Datum
barometer_significance(PG_FUNCTION_ARGS)
{
	HeapTupleHeader d;
	double		level;
	bool		isnull;
	Datum		diff,
				p;
	int			i;

	for (i = 2; i <= 3; i++)
		if (!PG_ARGISNULL(i))
		{
			char	   *status = text_to_cstring(PG_GETARG_TEXT_PP(i));

			if (strcmp(status, "suppress") == 0)
				PG_RETURN_TEXT_P(cstring_to_text("hidden"));
			if (strcmp(status, "publish") != 0 && strcmp(status, "warn") != 0 &&
				strcmp(status, "review") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown publication status \"%s\"", status),
						 errhint("Statuses: publish, warn, review, suppress.")));
		}
	if (PG_ARGISNULL(0))
		PG_RETURN_TEXT_P(cstring_to_text("untestable"));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must not be NULL")));
	d = PG_GETARG_HEAPTUPLEHEADER(0);
	level = PG_GETARG_FLOAT8(1);
	if (isnan(level) || !(level > 0 && level < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must be between 0 and 1"),
				 errdetail("The level is %g.", level)));
	diff = GetAttributeByName(d, "difference", &isnull);
	if (isnull)
		PG_RETURN_TEXT_P(cstring_to_text("untestable"));
	p = GetAttributeByName(d, "p_value", &isnull);
	if (isnull)
		PG_RETURN_TEXT_P(cstring_to_text("untestable"));
	if (DatumGetFloat8(p) < 1 - level)
		PG_RETURN_TEXT_P(cstring_to_text(DatumGetFloat8(diff) > 0 ? "higher" : "lower"));
	PG_RETURN_TEXT_P(cstring_to_text("ns"));
}
