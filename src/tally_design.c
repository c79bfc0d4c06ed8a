/*
 * tally_design.c - the design-aware tally aggregates and barometer.merge:
 *   tally(y, w, n_sample)                              weights-only domain
 *   tally(y, w, stratum, psu, n_psu, fpc [, lonely])   strata and PSUs
 *   tally(y, w, stratum, psu, n_psu, fpc, ssu, n_ssu, fpc2, lonely)
 *                                                      two stages
 *   tally(y, w, repw, spec)                            replicate weights
 *   tally_stratified(y, w, stratum, n_stratum, fpc [, lonely])
 *                                                      strata, no clusters
 *   merge(tally)                                       rollup of any tallies
 * Their state is a TallyAcc (internal), serialised as the stored tally for
 * parallel aggregation.
 *
 * The aggregate sees only its group's rows; the full-sample design facts
 * (rows of the sample, PSUs per stratum, SSUs per PSU, population counts)
 * arrive as per-row columns, checked for consistency row by row.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "idkey.h"
#include "replicates.h"
#include "guard.h"
#include "stored.h"
#include "ratio_core.h"
#include "rep_rank_core.h"
#include "stratified_core.h"
#include "tally.h"

/* per-call-site cache, in fn_extra */
typedef struct TransCache
{
	Oid			ytype;
	IdKey		id[3];			/* stratum, psu, ssu */
	Datum		lonely_datum;	/* the lonely argument last parsed */
	int			lonely;
	Datum		spec_datum;		/* the replicates argument last checked */
	Oid			repw_elem;
} TransCache;

static TransCache *
trans_cache(FunctionCallInfo fcinfo)
{
	TransCache *c = (TransCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TransCache));
		c->ytype = get_fn_expr_argtype(fcinfo->flinfo, 1);
		c->lonely = -1;
		fcinfo->flinfo->fn_extra = c;
	}
	return c;
}

#define CLUSTER_ID_DETAIL "Every row of a clustered design needs its stratum and PSU."

/* the canonical bytes of identifier argument argno (never NULL) */
static StringInfo
id_arg(FunctionCallInfo fcinfo, TransCache *c, int which, int argno, const char *what,
	   const char *detail)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what),
				 errdetail("%s", detail)));
	return idkey_arg(fcinfo, &c->id[which], argno);
}

/* the state, created in the aggregate context on the first row */
static TallyAcc *
acc_state(FunctionCallInfo fcinfo, TransCache *c, DesignKind kind, bool ratio)
{
	MemoryContext aggcontext;
	TallyAcc   *acc;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "tally transition function called outside an aggregate");
	if (!PG_ARGISNULL(0))
		return (TallyAcc *) PG_GETARG_POINTER(0);
	acc = tally_acc_new_agg(aggcontext);
	tally_core_init(&acc->core, ratio ? TALLY_RATIO :
					c->ytype == BOOLOID ? TALLY_PROPORTION : TALLY_MEAN);
	acc->design.kind = kind;
	acc->design.log_mode = (kind == DESIGN_CLUSTER);
	acc->empty = false;
	return acc;
}

/*
 * y of the row as a double; false when missing (NULL).  A ratio's rows
 * (off = 1) also have x in argument 2, missing when NULL, never negative.
 */
static bool
row_y(FunctionCallInfo fcinfo, TransCache *c, double *y, int off, double *x)
{
	if (off)
	{
		if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
			return false;
		*y = tally_arg_value(fcinfo, 1);
		*x = tally_arg_ratio_x(fcinfo, 2);
		return true;
	}
	if (PG_ARGISNULL(1))
		return false;
	if (c->ytype == BOOLOID)
		*y = PG_GETARG_BOOL(1) ? 1.0 : 0.0;
	else
		*y = tally_arg_value(fcinfo, 1);
	return true;
}

/*
 * A positive count argument (n_sample, n_psu, n_ssu): NULL or below 1 is an
 * error whose hint says how to compute it.
 */
int64
tally_arg_count(FunctionCallInfo fcinfo, int argno, const char *what, bool is64)
{
	int64		v;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what),
				 strcmp(what, "n_sample") == 0 ?
				 errhint("Compute it over the whole sample, for example count(*) OVER ().") :
				 strcmp(what, "n_stratum") == 0 ?
				 errhint("Compute it over the whole sample, for example count(*) OVER (PARTITION BY stratum).") :
				 errhint("Compute it over the whole sample, for example with barometer.psu_count(psu) OVER (PARTITION BY stratum).")));
	v = is64 ? PG_GETARG_INT64(argno) : PG_GETARG_INT32(argno);
	if (v < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least 1", what),
				 errdetail("It is " INT64_FORMAT ".", v)));
	return v;
}

/* n_sample of a row against the group's (0: none seen yet) */
void
tally_same_n_sample(int64 have, int64 n)
{
	if (have != 0 && have != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_sample differs between rows"),
				 errdetail("It is " INT64_FORMAT " on one row and " INT64_FORMAT " on another; it must be the row count of the whole sample, for example count(*) OVER ().",
						   have, n)));
}

/* a domain cannot have more rows than its sample */
void
tally_check_domain_rows(int64 n_sample, int64 rows)
{
	if (n_sample < rows)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_sample is smaller than the number of rows"),
				 errdetail("n_sample is " INT64_FORMAT " but the group has " INT64_FORMAT " rows.",
						   n_sample, rows),
				 errhint("Compute n_sample over the whole sample, for example count(*) OVER ().")));
}

/*
 * Population count from an fpc argument (R's as.fpc): NULL = none (0);
 * a value <= 1 is a sampling fraction (count = n / fraction); a larger one
 * is the population count, which cannot be below the sample count n.
 */
static double
fpc_arg(FunctionCallInfo fcinfo, int argno, int64 n, const char *what)
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

		/* a tiny fraction (1e-310) would make the population infinite */
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

static int
lonely_arg(FunctionCallInfo fcinfo, TransCache *c, int argno)
{
	char	   *name;

	if (argno >= PG_NARGS())
		return LONELY_FAIL;
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lonely PSU policy must not be NULL"),
				 errhint("Policies: %s.", LONELY_POLICY_NAMES)));
	if (c->lonely >= 0 && PG_GETARG_DATUM(argno) == c->lonely_datum)
		return c->lonely;
	name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	c->lonely = design_lonely_parse(name);
	if (c->lonely < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown lonely PSU policy \"%s\"", name),
				 errhint("Policies: %s.", LONELY_POLICY_NAMES)));
	c->lonely_datum = PG_GETARG_DATUM(argno);
	return c->lonely;
}

#define CLUSTER_CONSTANT_HINT "Design columns must be constant within a stratum (n_psu, fpc) or PSU (n_ssu, fpc2)."

static void pg_attribute_noreturn()
inconsistent(const char *what, const char *unit, StringInfo id, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s differs between rows of %s %s", what, unit, tally_id_text(id->data, id->len)),
			 errdetail("%s", detail),
			 errhint("%s", hint)));
}

/* tally(y, w, n_sample): a domain of a weights-only sample */
static Datum
trans_wdomain(FunctionCallInfo fcinfo, int off)
{
	TransCache *c = trans_cache(fcinfo);
	TallyAcc   *acc = acc_state(fcinfo, c, off && PG_NARGS() == 4 ? DESIGN_WEIGHTS : DESIGN_WEIGHTS_DOMAIN,
								off != 0);
	double		w = tally_arg_weight(fcinfo, 2 + off);
	double		y,
				x = 0;

	if (acc->design.kind == DESIGN_WEIGHTS_DOMAIN)
	{
		int64		n = tally_arg_count(fcinfo, 3 + off, "n_sample", true);

		tally_same_n_sample(acc->design.n_sample, n);
		acc->design.n_sample = n;
	}
	if (!row_y(fcinfo, c, &y, off, &x))
		tally_core_add_missing(&acc->core);
	else if (off)
		ratio_core_add(&acc->core, y, x, w);
	else
		tally_core_add(&acc->core, y, w);
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_wdomain);
Datum
barometer_tally_trans_wdomain(PG_FUNCTION_ARGS)
{
	return trans_wdomain(fcinfo, 0);
}

/* tally_ratio(y, x, w) and tally_ratio(y, x, w, n_sample) */
PG_FUNCTION_INFO_V1(barometer_ratio_trans_wdomain);
Datum
barometer_ratio_trans_wdomain(PG_FUNCTION_ARGS)
{
	return trans_wdomain(fcinfo, 1);
}

/*
 * tally(y, w, stratum, psu, n_psu, fpc [, lonely]) and
 * tally(y, w, stratum, psu, n_psu, fpc, ssu, n_ssu, fpc2, lonely).
 */
static Datum
trans_cluster(FunctionCallInfo fcinfo, bool two_stage, int off)
{
	TransCache *c = trans_cache(fcinfo);
	TallyAcc   *acc = acc_state(fcinfo, c, two_stage ? DESIGN_CLUSTER2 : DESIGN_CLUSTER, off != 0);
	Design	   *d = &acc->design;
	double		w = tally_arg_weight(fcinfo, 2 + off);
	StringInfo	sid = id_arg(fcinfo, c, 0, 3 + off, "stratum", CLUSTER_ID_DETAIL);
	StringInfo	pid = id_arg(fcinfo, c, 1, 4 + off, "psu", CLUSTER_ID_DETAIL);
	int64		n_psu = tally_arg_count(fcinfo, 5 + off, "n_psu", false);
	double		popsize = fpc_arg(fcinfo, 6 + off, n_psu, "fpc");
	int			lonely = lonely_arg(fcinfo, c, (two_stage ? 10 : 7) + off);
	uint32		h,
				p,
				q = UINT32_MAX;
	bool		created;
	double		y,
				x = 0;

	if (d->nstrata == 0 && d->npsu == 0)
		d->lonely = lonely;
	else if (d->lonely != lonely)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lonely PSU policy differs between rows")));
	if (two_stage && popsize == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a two-stage design needs fpc at both stages"),
				 errhint("Without a first-stage fpc R uses the ultimate cluster: use the one-stage form tally(y, w, stratum, psu, n_psu, fpc).")));

	if (!row_y(fcinfo, c, &y, off, &x))
	{
		tally_core_add_missing(&acc->core);
		PG_RETURN_POINTER(acc);
	}

	h = design_stratum(d, sid->data, sid->len, &created);
	if (created)
	{
		d->strata[h].n_psu = n_psu;
		d->strata[h].popsize = popsize;
	}
	else if (d->strata[h].n_psu != n_psu)
		inconsistent("n_psu", "stratum", sid,
					 psprintf("It is " INT64_FORMAT " on one row and " INT64_FORMAT " on another.",
							  (int64) d->strata[h].n_psu, n_psu), CLUSTER_CONSTANT_HINT);
	else if (d->strata[h].popsize != popsize)
		inconsistent("fpc", "stratum", sid, "The population count differs.", CLUSTER_CONSTANT_HINT);

	p = design_psu(d, h, pid->data, pid->len, &created);
	if (two_stage)
	{
		StringInfo	qid = id_arg(fcinfo, c, 2, 7 + off, "ssu", CLUSTER_ID_DETAIL);
		int64		n_ssu = tally_arg_count(fcinfo, 8 + off, "n_ssu", false);
		double		popsize2 = fpc_arg(fcinfo, 9 + off, n_ssu, "fpc2");
		PsuRec	   *r = design_psu_rec(d, p);

		if (popsize2 == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a two-stage design needs fpc at both stages"),
					 errdetail("fpc2 is NULL.")));
		if (created)
		{
			r->n_ssu = n_ssu;
			r->popsize2 = popsize2;
		}
		else if (r->n_ssu != n_ssu)
			inconsistent("n_ssu", "PSU", pid,
						 psprintf("It is " INT64_FORMAT " on one row and " INT64_FORMAT " on another.",
								  (int64) r->n_ssu, n_ssu), CLUSTER_CONSTANT_HINT);
		else if (r->popsize2 != popsize2)
			inconsistent("fpc2", "PSU", pid, "The population count differs.", CLUSTER_CONSTANT_HINT);
		q = design_ssu(d, p, qid->data, qid->len, &created);
	}
	if (off)
	{
		ratio_core_add(&acc->core, y, x, w);
		ratio_design_add(d, p, q, y, x, w);
		PG_RETURN_POINTER(acc);
	}
	if (acc->core.kind == TALLY_PROPORTION)
		tally_core_add_prop(&acc->core, y != 0.0, w);
	else
		tally_core_add_num(&acc->core, y, w);
	design_add(d, p, q, y, w);
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_cluster);
Datum
barometer_tally_trans_cluster(PG_FUNCTION_ARGS)
{
	return trans_cluster(fcinfo, false, 0);
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_cluster2);
Datum
barometer_tally_trans_cluster2(PG_FUNCTION_ARGS)
{
	return trans_cluster(fcinfo, true, 0);
}

/* tally_ratio(y, x, w, stratum, psu, ...): the same designs for a ratio */
PG_FUNCTION_INFO_V1(barometer_ratio_trans_cluster);
Datum
barometer_ratio_trans_cluster(PG_FUNCTION_ARGS)
{
	return trans_cluster(fcinfo, false, 1);
}

PG_FUNCTION_INFO_V1(barometer_ratio_trans_cluster2);
Datum
barometer_ratio_trans_cluster2(PG_FUNCTION_ARGS)
{
	return trans_cluster(fcinfo, true, 1);
}

/*
 * tally_stratified(y, w, stratum, n_stratum, fpc [, lonely]): a stratified
 * sample without clusters (R: svydesign(ids = ~1, strata = ~stratum,
 * fpc = ~fpc, weights = ~w)), every row its own PSU, kept as the sums of
 * each stratum's domain rows (stratified_core.h).  n_stratum is the
 * stratum's row count in the whole sample, missing rows included (R's
 * n_h: a row of missing y is a PSU of zero score); fpc is read as R's
 * as.fpc, against n_stratum; a stratum with n_stratum = 1 is a lonely PSU.
 */
static Datum
trans_stratified(FunctionCallInfo fcinfo, int off)
{
	TransCache *c = trans_cache(fcinfo);
	TallyAcc   *acc = acc_state(fcinfo, c, DESIGN_STRATIFIED, off != 0);
	Design	   *d = &acc->design;
	double		w = tally_arg_weight(fcinfo, 2 + off);
	StringInfo	sid = id_arg(fcinfo, c, 0, 3 + off, "stratum",
							 "Every row of a stratified design needs its stratum.");
	int64		n = tally_arg_count(fcinfo, 4 + off, "n_stratum", true);
	double		popsize = fpc_arg(fcinfo, 5 + off, n, "fpc");
	int			lonely = lonely_arg(fcinfo, c, 6 + off);
	uint32		h;
	bool		created;
	double		y,
				x = 0;

	if (d->nstrata == 0)
		d->lonely = lonely;
	else if (d->lonely != lonely)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lonely PSU policy differs between rows")));
	if (!row_y(fcinfo, c, &y, off, &x))
	{
		tally_core_add_missing(&acc->core);
		PG_RETURN_POINTER(acc);
	}
	h = stratified_stratum(d, sid->data, sid->len, &created);
	if (created)
	{
		d->strata[h].n_psu = n;
		d->strata[h].popsize = popsize;
	}
	else if (d->strata[h].n_psu != n)
		inconsistent("n_stratum", "stratum", sid,
					 psprintf("It is " INT64_FORMAT " on one row and " INT64_FORMAT " on another.",
							  (int64) d->strata[h].n_psu, n),
					 "Design columns must be constant within a stratum (n_stratum, fpc).");
	else if (d->strata[h].popsize != popsize)
		inconsistent("fpc", "stratum", sid, "The population count differs.",
					 "Design columns must be constant within a stratum (n_stratum, fpc).");
	if (off)
	{
		ratio_core_add(&acc->core, y, x, w);
		ratio_stratified_add(&d->sums[h], y, x, w);
	}
	else
		stratified_add(&acc->core, &d->sums[h], y, w);
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_stratified);
Datum
barometer_tally_trans_stratified(PG_FUNCTION_ARGS)
{
	return trans_stratified(fcinfo, 0);
}

/* tally_ratio_stratified(y, x, w, stratum, n_stratum, fpc [, lonely]) */
PG_FUNCTION_INFO_V1(barometer_ratio_trans_stratified);
Datum
barometer_ratio_trans_stratified(PG_FUNCTION_ARGS)
{
	return trans_stratified(fcinfo, 1);
}

/* tally(y, w, repw float8[] | float4[], spec barometer.replicates) */
static Datum
trans_rep(FunctionCallInfo fcinfo, int off)
{
	TransCache *c = trans_cache(fcinfo);
	TallyAcc   *acc = acc_state(fcinfo, c, DESIGN_REPLICATE, off != 0);
	double		w = tally_arg_weight(fcinfo, 2 + off);
	ArrayType  *a;
	int			n,
				i;
	double		y,
				x = 0;
	bool		f4;

	if (PG_ARGISNULL(3 + off))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate weights must not be NULL")));
	if (PG_ARGISNULL(4 + off))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate specification must not be NULL"),
				 errhint("For example barometer.replicates('jk1').")));
	a = PG_GETARG_ARRAYTYPE_P(3 + off);
	f4 = ARR_ELEMTYPE(a) == FLOAT4OID;
	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate weights must be a one-dimensional array without NULLs")));
	n = ARR_DIMS(a)[0];

	if (acc->rep.spec.nrep == 0)
	{
		Replicates *spec = (Replicates *) PG_DETOAST_DATUM(PG_GETARG_DATUM(4 + off));
		RepSpec		s = spec->spec;
		const char *problem;

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
		s.nrep = n;
		/* NaN is "default": stored in its one canonical form */
		if (isnan(s.df))
			s.df = stored_nan();
		problem = rep_spec_complete(&s, spec->rscales);
		if (problem)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid replicate specification"),
					 errdetail("%s", problem)));
		tally_acc_rep_alloc(acc, n);
		acc->rep.spec = s;
		if (s.has_rscales)
			memcpy(acc->rep.rscales, spec->rscales, n * sizeof(double));
		c->spec_datum = PG_GETARG_DATUM(4 + off);
	}
	else if (PG_GETARG_DATUM(4 + off) != c->spec_datum)
	{
		Replicates *spec = (Replicates *) PG_DETOAST_DATUM(PG_GETARG_DATUM(4 + off));
		RepSpec		s = spec->spec;

		s.nrep = n;
		if (rep_spec_complete(&s, spec->rscales) != NULL ||
			!rep_spec_equal(&s, spec->spec.has_rscales ? spec->rscales : acc->rep.rscales,
							&acc->rep.spec, acc->rep.rscales))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replicate specification differs between rows")));
		c->spec_datum = PG_GETARG_DATUM(4 + off);
	}
	if ((uint32) n != acc->rep.spec.nrep)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate weight arrays differ in length"),
				 errdetail("This row has %d replicate weights, earlier rows %u.", n, acc->rep.spec.nrep)));
	for (i = 0; i < n; i++)
	{
		double		r = f4 ? (double) ((float *) ARR_DATA_PTR(a))[i] : ((double *) ARR_DATA_PTR(a))[i];

		if (!(r >= 0) || !isfinite(r) || r > 1e75)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("replicate weights must be finite and not negative"),
					 errdetail("Replicate %d has weight %g.", i + 1, r)));
	}
	if (!row_y(fcinfo, c, &y, off, &x))
	{
		tally_core_add_missing(&acc->core);
		PG_RETURN_POINTER(acc);
	}
	/* R's rank df: the domain's answered rows (rep_rank_core.c) */
	if (f4)
		rep_rank_add_f4(&acc->rep, (float *) ARR_DATA_PTR(a));
	else
		rep_rank_add(&acc->rep, (double *) ARR_DATA_PTR(a));
	rep_rank_settle_due(&acc->rep);
	if (off)
	{
		ratio_core_add(&acc->core, y, x, w);
		if (f4)
			ratio_rep_add_f4(&acc->rep, y, x, (float *) ARR_DATA_PTR(a));
		else
			ratio_rep_add(&acc->rep, y, x, (double *) ARR_DATA_PTR(a));
	}
	else
	{
		tally_core_add(&acc->core, y, w);
		if (f4)
			rep_add_f4(&acc->rep, y, (float *) ARR_DATA_PTR(a));
		else
			rep_add(&acc->rep, y, (double *) ARR_DATA_PTR(a));
	}
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(barometer_tally_trans_rep);
Datum
barometer_tally_trans_rep(PG_FUNCTION_ARGS)
{
	return trans_rep(fcinfo, 0);
}

/* tally_ratio(y, x, w, repw, spec) */
PG_FUNCTION_INFO_V1(barometer_ratio_trans_rep);
Datum
barometer_ratio_trans_rep(PG_FUNCTION_ARGS)
{
	return trans_rep(fcinfo, 1);
}

/* merge(tally): transition */
PG_FUNCTION_INFO_V1(barometer_tally_merge_trans);
Datum
barometer_tally_merge_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	TallyAcc   *acc;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "merge transition function called outside an aggregate");
	acc = PG_ARGISNULL(0) ? tally_acc_new_agg(aggcontext) : (TallyAcc *) PG_GETARG_POINTER(0);
	if (!PG_ARGISNULL(1))
		tally_acc_merge_tally(acc, PG_GETARG_TALLY(1));
	PG_RETURN_POINTER(acc);
}

/* combine two states (parallel aggregation) */
PG_FUNCTION_INFO_V1(barometer_tally_acc_combine);
Datum
barometer_tally_acc_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	TallyAcc   *a;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "combine function called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	a = PG_ARGISNULL(0) ? tally_acc_new_agg(aggcontext) : (TallyAcc *) PG_GETARG_POINTER(0);
	tally_acc_merge(a, (TallyAcc *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(barometer_tally_acc_serialize);
Datum
barometer_tally_acc_serialize(PG_FUNCTION_ARGS)
{
	TallyAcc   *acc = (TallyAcc *) PG_GETARG_POINTER(0);

	/*
	 * The partial state as a set of PSUs (a log is compacted, cheaply when
	 * its rows came in PSU order), in any order: the combining side merges
	 * it by lookups.
	 */
	if (acc->design.log_mode)
		design_compact(&acc->design);
	PG_RETURN_BYTEA_P((bytea *) tally_pack(acc, false));
}

PG_FUNCTION_INFO_V1(barometer_tally_acc_deserialize);
Datum
barometer_tally_acc_deserialize(PG_FUNCTION_ARGS)
{
	Tally	   *t = (Tally *) PG_GETARG_BYTEA_P(0);
	TallyAcc   *acc = tally_acc_new(CurrentMemoryContext);

	tally_acc_merge_tally(acc, t);
	PG_RETURN_POINTER(acc);
}

/*
 * The stored tally.  Problems that only the whole group can show: more
 * PSUs in a stratum than its n_psu, more rows in a stratum than its
 * n_stratum, more SSUs in a PSU than its n_ssu, more rows than the sample.
 */
PG_FUNCTION_INFO_V1(barometer_tally_acc_final);
Datum
barometer_tally_acc_final(PG_FUNCTION_ARGS)
{
	TallyAcc   *acc;
	Tally	   *t;
	Design		d;
	RepAcc		r;
	TallyPsuCursor cur;
	PsuRec		psu;
	uint32		i,
				count = 0,
				prev_stratum = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	acc = (TallyAcc *) PG_GETARG_POINTER(0);
	if (acc->empty)
		PG_RETURN_NULL();
	t = tally_from_acc(acc);

	/*
	 * Every problem below is one the one check (tally_problem) finds too:
	 * they are looked for, to be named, only when it finds something.
	 */
	if (tally_consistent(t))
		PG_RETURN_TALLY(t);
	/* the PSU records one at a time; two-stage ones at hand for the SSUs */
	if (t->dh.kind == DESIGN_CLUSTER2)
		tally_view(t, &d, &r);
	else
		tally_view_lazy(t, &d, &r);
	if (d.kind == DESIGN_WEIGHTS_DOMAIN)
		tally_check_domain_rows(d.n_sample, t->core.n + t->core.n_missing);
	tally_psu_cursor(t, &cur);
	for (i = 0; tally_psu_next(&cur, &psu); i++)
	{
		count = (i > 0 && prev_stratum == psu.stratum) ? count + 1 : 1;
		prev_stratum = psu.stratum;
		if ((int64) count > d.strata[psu.stratum].n_psu)
		{
			IdRef		id = d.strata[psu.stratum].id;

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stratum %s has more PSUs than its n_psu", tally_id_text(d.arena + id.off, id.len)),
					 errdetail("n_psu is " INT64_FORMAT " but at least %u distinct PSUs were seen.",
							   (int64) d.strata[psu.stratum].n_psu, count),
					 errhint("n_psu must count the stratum's PSUs in the whole sample: barometer.psu_count(psu) OVER (PARTITION BY stratum).")));
		}
	}
	for (i = 0; d.sums != NULL && i < d.nstrata; i++)
	{
		if (d.sums[i].n_dom > d.strata[i].n_psu)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stratum %s has more rows than its n_stratum",
							tally_id_text(d.arena + d.strata[i].id.off, d.strata[i].id.len)),
					 errdetail("n_stratum is " INT64_FORMAT " but " INT64_FORMAT " rows with a value were seen.",
							   (int64) d.strata[i].n_psu, (int64) d.sums[i].n_dom),
					 strcmp(tally_agg_name(fcinfo, "tally_stratified"), "merge") == 0 ?
					 errhint("Merged tallies must come from groups of rows that do not overlap.") :
					 errhint("n_stratum must count the stratum's rows in the whole sample: count(*) OVER (PARTITION BY stratum).")));
	}
	for (i = 0; i < d.nssu; i++)
	{
		count = (i > 0 && d.ssu[i - 1].psu == d.ssu[i].psu) ? count + 1 : 1;
		if ((int64) count > d.psu[d.ssu[i].psu].n_ssu)
		{
			IdRef		id = d.psu[d.ssu[i].psu].id;

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("PSU %s has more SSUs than its n_ssu", tally_id_text(d.arena + id.off, id.len)),
					 errhint("n_ssu must count the PSU's SSUs in the whole sample: barometer.psu_count(ssu) OVER (PARTITION BY stratum, psu).")));
		}
	}
	tally_check_result(t, tally_agg_name(fcinfo, "tally"));
	PG_RETURN_TALLY(t);
}

/* ---- psu_count: distinct values, for window use -------------------------- */

typedef struct DistinctAcc
{
	Design		d;				/* its strata table is the set */
} DistinctAcc;

PG_FUNCTION_INFO_V1(barometer_psu_count_trans);
Datum
barometer_psu_count_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	DistinctAcc *acc;
	bool		created;
	StringInfo	id;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "psu_count called outside an aggregate");
	if (PG_ARGISNULL(0))
	{
		acc = MemoryContextAllocZero(aggcontext, sizeof(DistinctAcc));
		design_init(&acc->d, DESIGN_CLUSTER, guard_realloc, aggcontext);
	}
	else
		acc = (DistinctAcc *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(acc);
	id = id_arg(fcinfo, trans_cache(fcinfo), 0, 1, "psu", CLUSTER_ID_DETAIL);
	design_stratum(&acc->d, id->data, id->len, &created);
	PG_RETURN_POINTER(acc);
}

PG_FUNCTION_INFO_V1(barometer_psu_count_final);
Datum
barometer_psu_count_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	PG_RETURN_INT32((int32) ((DistinctAcc *) PG_GETARG_POINTER(0))->d.nstrata);
}
