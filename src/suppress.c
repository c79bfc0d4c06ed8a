/*
 * suppress.c - secondary cell suppression and its audit in SQL:
 * secondary_suppression(cells, hierarchy, ...) and
 * suppression_audit(cells, hierarchy, ...), set-returning functions over an
 * array of barometer.table_cell and an array of barometer.hierarchy_edge.
 * The model and the algorithms live in core/suppress_core.c; the linear
 * programs in core/lp.c (GLPK).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"
#include "lib/stringinfo.h"

#include "guard.h"
#include "lp.h"
#include "publication.h"
#include "suppress_core.h"

/* attributes of barometer.table_cell */
enum
{
	TC_COORDS = 0, TC_VALUE, TC_PRIMARY, TC_SUPPRESSED, TC_COST, TC_SINGLETON,
	TC_TABLE, TC_NATTS
};

/* the largest table the optimal method takes (primaries x movable cells) */
#define SUP_MAX_OPTIMAL 20000
#define SUP_OPTIMAL_SECONDS 60.0
/* protect_table: primaries x cells of the optimal model */
#define SUP_MAX_OPTIMAL_02 200000

/* the composite elements of an array argument, deformed */
static int
composite_elements(ArrayType *arr, int natts, Datum **values, bool **nulls)
{
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *elemnulls;
	int			n,
				i;
	TupleDesc	tupdesc;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &elemnulls, &n);
	tupdesc = lookup_rowtype_tupdesc(elemtype, -1);
	if (tupdesc->natts != natts)
		elog(ERROR, "unexpected row type");
	*values = palloc(sizeof(Datum) * natts * Max(n, 1));
	*nulls = palloc(sizeof(bool) * natts * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		HeapTupleData tuple;
		HeapTupleHeader h;

		if (elemnulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("array element %d is NULL", i + 1),
					 errdetail("Every cell and every hierarchy edge must be a row.")));
		h = DatumGetHeapTupleHeader(elems[i]);
		tuple.t_len = HeapTupleHeaderGetDatumLength(h);
		ItemPointerSetInvalid(&tuple.t_self);
		tuple.t_tableOid = InvalidOid;
		tuple.t_data = h;
		heap_deform_tuple(&tuple, tupdesc, *values + (size_t) i * natts,
						  *nulls + (size_t) i * natts);
	}
	ReleaseTupleDesc(tupdesc);
	return n;
}

static Datum
text_array(const char *const *s, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = CStringGetTextDatum(s[i]);
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * sup_run with GLPK's memory freed whatever happens: an error raised
 * inside (barometer.max_state_bytes from the allocator, out of memory)
 * unwinds through code that may hold GLPK models, so the whole GLPK
 * environment is freed before the error goes on.
 */
static int
run_core(const SupInput *in, const SupOptions *opt, MemoryContext work,
		 SupRowResult *out, SupStats *st, SupError *err)
{
	int			rc = -1;

	PG_TRY();
	{
		rc = sup_run(in, opt, guard_realloc, work, out, st, err);
	}
	PG_CATCH();
	{
		lp_release_all();
		PG_RE_THROW();
	}
	PG_END_TRY();
	lp_release_all();
	return rc;
}

static void
raise_core_error(const SupError *err)
{
	if (err->code == SUP_E_CANCEL)
		guard_raise_cancel();
	ereport(ERROR,
			(errcode(err->code == SUP_E_MEMORY || err->code == SUP_E_TIMEOUT ?
					 ERRCODE_PROGRAM_LIMIT_EXCEEDED :
					 err->code == SUP_E_SOLVER ? ERRCODE_INTERNAL_ERROR :
					 ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", err->msg),
			 errdetail("%s", err->detail),
			 err->code == SUP_E_MEMORY ?
			 errhint("Split the table, or ask a superuser to raise barometer.max_state_bytes.") :
			 err->code == SUP_E_TIMEOUT ?
			 errhint("Raise time_limit, or use method 'heuristic'.") : 0));
}

/* the key of a cell for matching: table, then coordinates */
typedef struct RowKey
{
	char	   *key;
	int			row;
} RowKey;

static int
cmp_rowkey(const void *a, const void *b)
{
	return strcmp(((const RowKey *) a)->key, ((const RowKey *) b)->key);
}

static char *
make_key(const char *table, const char *const *codes, int ndim)
{
	StringInfoData buf;
	int			d;

	initStringInfo(&buf);
	appendStringInfoString(&buf, table ? table : "");
	for (d = 0; d < ndim; d++)
	{
		appendStringInfoChar(&buf, '\x1f');
		appendStringInfoString(&buf, codes[d]);
	}
	return buf.data;
}

/* attributes of barometer.cell_protection */
enum
{
	CP_COORDS = 0, CP_TABLE, CP_UPPER, CP_LOWER, CP_SLIDING, CP_KMIN, CP_KMAX, CP_NATTS
};

/*
 * Per-cell levels and a-priori bounds (barometer.cell_protection[]) onto
 * the rows they name; a row named that no cell has is an error.
 */
static void
cell_levels(ArrayType *arr, int ncells, int ndim, const char **codes,
			const char **tables, double *klo, double *khi, double *upl,
			double *lpl, double *spl)
{
	Datum	   *v;
	bool	   *nl;
	int			n,
				i,
				d;
	RowKey	   *keys;

	n = composite_elements(arr, CP_NATTS, &v, &nl);
	guard_array((uint64) ncells, sizeof(RowKey), "the cells' keys");
	keys = palloc(sizeof(RowKey) * Max(ncells, 1));
	for (i = 0; i < ncells; i++)
	{
		keys[i].key = make_key(tables[i], codes + (size_t) i * ndim, ndim);
		keys[i].row = i;
	}
	qsort(keys, ncells, sizeof(RowKey), cmp_rowkey);
	for (i = 0; i < n; i++)
	{
		Datum	   *x = v + (size_t) i * CP_NATTS;
		bool	   *xn = nl + (size_t) i * CP_NATTS;
		Datum	   *el;
		bool	   *elnull;
		int			ne;
		const char **cc;
		RowKey		probe,
				   *hit;

		if (xn[CP_COORDS])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("protection level %d has no coordinates", i + 1)));
		deconstruct_array(DatumGetArrayTypeP(x[CP_COORDS]), TEXTOID, -1, false, TYPALIGN_INT,
						  &el, &elnull, &ne);
		if (ne != ndim)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("protection level %d has %d coordinates; the cells have %d", i + 1, ne, ndim)));
		cc = palloc(sizeof(char *) * ndim);
		for (d = 0; d < ndim; d++)
		{
			if (elnull[d])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("protection level %d has a NULL coordinate", i + 1)));
			cc[d] = TextDatumGetCString(el[d]);
		}
		probe.key = make_key(xn[CP_TABLE] ? "" : TextDatumGetCString(x[CP_TABLE]), cc, ndim);
		hit = bsearch(&probe, keys, ncells, sizeof(RowKey), cmp_rowkey);
		if (hit == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("protection level %d names a cell the table does not have", i + 1),
					 errdetail("Give the coordinates (and table_name) of one of the cells.")));
		if (!xn[CP_UPPER])
			upl[hit->row] = DatumGetFloat8(x[CP_UPPER]);
		if (!xn[CP_LOWER])
			lpl[hit->row] = DatumGetFloat8(x[CP_LOWER]);
		if (!xn[CP_SLIDING])
			spl[hit->row] = DatumGetFloat8(x[CP_SLIDING]);
		if (!xn[CP_KMIN])
			klo[hit->row] = DatumGetFloat8(x[CP_KMIN]);
		if (!xn[CP_KMAX])
			khi[hit->row] = DatumGetFloat8(x[CP_KMAX]);
		if (isinf(upl[hit->row]) || upl[hit->row] < 0 || isinf(lpl[hit->row]) || lpl[hit->row] < 0 ||
			isinf(spl[hit->row]) || spl[hit->row] < 0 || (!isnan(klo[hit->row]) && isinf(klo[hit->row])) ||
			(!isnan(khi[hit->row]) && khi[hit->row] == -INFINITY))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("protection level %d has a level below 0 or not finite", i + 1),
					 errdetail("Levels are finite numbers >= 0; known_min is finite, known_max may be Infinity.")));
	}
}

/* a finite number >= 0 (NULL: NaN, the default) */
static double
level_arg(FunctionCallInfo fcinfo, int i, const char *name)
{
	double		v;

	if (PG_ARGISNULL(i))
		return NAN;
	v = PG_GETARG_FLOAT8(i);
	if (isnan(v) || isinf(v) || v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a number of at least 0", name),
				 errdetail("%s is %g.", name, v)));
	return v;
}

/*
 * protect_table(cells, hierarchy, policy, method, cost, upper_protection,
 *               lower_protection, sliding_protection, protection_rel,
 *               intruder, time_limit, levels): the options of the 0.2
 *               function (see 60_publication.sql)
 */
static void
protect_options(FunctionCallInfo fcinfo, SupOptions *opt)
{
	char	   *s;
	double		u,
				l,
				w,
				rel;

	if (PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(9) || PG_ARGISNULL(10))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("options must not be NULL"),
				 errdetail("Only the policy, the protection levels and levels may be NULL.")));
	s = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (strcmp(s, "heuristic") == 0)
		opt->method = SUP_HEURISTIC;
	else if (strcmp(s, "optimal") == 0)
		opt->method = SUP_OPTIMAL;
	else if (strcmp(s, "audit") == 0)
		opt->method = SUP_AUDIT;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown suppression method \"%s\"", s),
				 errhint("Valid methods are: heuristic, optimal, audit.")));
	s = text_to_cstring(PG_GETARG_TEXT_PP(4));
	if (strcmp(s, "value") == 0)
		opt->cost = SUP_COST_VALUE;
	else if (strcmp(s, "cells") == 0)
		opt->cost = SUP_COST_CELLS;
	else if (strcmp(s, "log") == 0)
		opt->cost = SUP_COST_LOG;
	else if (strcmp(s, "weight") == 0)
		opt->cost = SUP_COST_WEIGHT;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown cost function \"%s\"", s),
				 errhint("Valid cost functions are: value, cells, log, weight.")));
	u = level_arg(fcinfo, 5, "upper_protection");
	l = level_arg(fcinfo, 6, "lower_protection");
	w = level_arg(fcinfo, 7, "sliding_protection");
	rel = level_arg(fcinfo, 8, "protection_rel");
	/* the caller's levels replace the policy's for every primary */
	opt->threshold_levels = isnan(u) && isnan(l) && isnan(w) && isnan(rel);
	opt->upper = isnan(u) ? 0 : u;
	opt->lower = isnan(l) ? 0 : l;
	opt->protection = isnan(w) ? 0 : w;
	opt->upper_rel = opt->lower_rel = isnan(rel) ? 0 : rel;
	if (opt->threshold_levels)
		opt->protection = 1;	/* primaries the caller marks: PS1 */
	s = text_to_cstring(PG_GETARG_TEXT_PP(9));
	opt->singleton = true;
	if (strcmp(s, "external") == 0)
		opt->singleton = false;
	else if (strcmp(s, "singleton") == 0)
		opt->intruder = SUP_INTRUDER_SINGLETON;
	else if (strcmp(s, "coalition") == 0)
		opt->intruder = SUP_INTRUDER_COALITION;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown intruder \"%s\"", s),
				 errhint("Valid intruders are: external, singleton, coalition.")));
	opt->time_limit = PG_GETARG_FLOAT8(10);
	if (isnan(opt->time_limit) || !(opt->time_limit > 0) || opt->time_limit > 86400)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time_limit must be between 0 and 86400 seconds"),
				 errdetail("time_limit is %g.", opt->time_limit)));
	opt->fallback = true;
	opt->cleanup = true;
	opt->max_optimal = SUP_MAX_OPTIMAL_02;
	opt->cancel = guard_cancel_pending;
}

enum
{
	API_SUPPRESS = 0,			/* secondary_suppression (0.1) */
	API_AUDIT,					/* suppression_audit (0.1) */
	API_PROTECT					/* protect_table (0.2) */
};

/*
 * secondary_suppression(cells, hierarchy, method, protection,
 *                       protection_rel, singleton, policy)
 * suppression_audit(cells, hierarchy, protection, protection_rel,
 *                   singleton, policy)
 * protect_table(cells, hierarchy, policy, method, ...)
 */
static Datum
suppress_run(FunctionCallInfo fcinfo, int api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		audit_only = api == API_AUDIT;
	int			a = audit_only ? 2 : 3;	/* first numeric option */
	int			polarg = api == API_PROTECT ? 2 : a + 3;
	double	   *klo = NULL,
			   *khi = NULL,
			   *lupl = NULL,
			   *llpl = NULL,
			   *lspl = NULL;
	SupInput	in;
	SupOptions	opt;
	SupStats	st;
	SupError	err;
	SupRowResult *out;
	Datum	   *cv,
			   *ev;
	bool	   *cn,
			   *en;
	int			ncells,
				nedges,
				i,
				d;
	const char **codes,
			  **tables,
			  **ech,
			  **epa;
	double	   *value,
			   *cost;
	unsigned char *flags;
	int		   *edim;
	char	   *method = NULL;
	MemoryContext work,
				old;
	int			rc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cells and hierarchy must not be NULL"),
				 errhint("Give an empty array for a table without margins.")));
	memset(&opt, 0, sizeof(opt));
	memset(&st, 0, sizeof(st));
	if (api == API_PROTECT)
		protect_options(fcinfo, &opt);
	else if (PG_ARGISNULL(a) || PG_ARGISNULL(a + 1) || PG_ARGISNULL(a + 2) ||
		(!audit_only && PG_ARGISNULL(2)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("options must not be NULL"),
				 errdetail("Only the policy may be NULL (no threshold rule).")));

	if (api != API_PROTECT)
	{
	opt.protection = PG_GETARG_FLOAT8(a);
	opt.protection_rel = PG_GETARG_FLOAT8(a + 1);
	opt.singleton = PG_GETARG_BOOL(a + 2);
	opt.time_limit = SUP_OPTIMAL_SECONDS;
	opt.max_optimal = SUP_MAX_OPTIMAL;
	opt.cancel = guard_cancel_pending;
	/* the 0.1 semantics: a sliding width for every primary, the cell's cost */
	opt.cost = SUP_COST_WEIGHT;
	opt.cleanup = true;
	opt.threshold_levels = false;
	if (isnan(opt.protection) || isinf(opt.protection) || !(opt.protection > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("protection must be a positive number"),
				 errdetail("protection is %g: the width the attacker's interval must at least have.",
						   opt.protection)));
	if (isnan(opt.protection_rel) || isinf(opt.protection_rel) || opt.protection_rel < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("protection_rel must be a number of at least 0"),
				 errdetail("protection_rel is %g: the width as a fraction of the cell value.",
						   opt.protection_rel)));
	if (audit_only)
		opt.method = SUP_AUDIT;
	else
	{
		method = text_to_cstring(PG_GETARG_TEXT_PP(2));
		if (strcmp(method, "heuristic") == 0)
			opt.method = SUP_HEURISTIC;
		else if (strcmp(method, "optimal") == 0)
			opt.method = SUP_OPTIMAL;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown suppression method \"%s\"", method),
					 errhint("Valid methods are: heuristic, optimal.")));
	}
	}
	if (!PG_ARGISNULL(polarg))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(polarg));
		int32		version;
		const PolicyRow *row = barometer_policy_lookup(fcinfo->flinfo, name, true, 0, &version);

		barometer_policy_check_applies(row, name, POLICY_FOR_COUNT, 0);
		opt.threshold = row->threshold;
		opt.complement = row->complement != 0;
		opt.group_disclosure = row->group_disclosure != 0;
	}

	InitMaterializedSRF(fcinfo, 0);
	work = AllocSetContextCreate(CurrentMemoryContext, "barometer suppression",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);

	ncells = composite_elements(PG_GETARG_ARRAYTYPE_P(0), TC_NATTS, &cv, &cn);
	nedges = composite_elements(PG_GETARG_ARRAYTYPE_P(1), 3, &ev, &en);

	/* cells */
	memset(&in, 0, sizeof(in));
	in.ndim = 0;
	codes = NULL;
	value = palloc(sizeof(double) * Max(ncells, 1));
	cost = palloc(sizeof(double) * Max(ncells, 1));
	flags = palloc0(Max(ncells, 1));
	tables = palloc(sizeof(char *) * Max(ncells, 1));
	for (i = 0; i < ncells; i++)
	{
		Datum	   *v = cv + (size_t) i * TC_NATTS;
		bool	   *nl = cn + (size_t) i * TC_NATTS;
		Datum	   *el;
		bool	   *elnull;
		int			ne;

		if (nl[TC_COORDS])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cell %d has no coordinates", i + 1),
					 errdetail("Every cell needs one code per dimension.")));
		deconstruct_array(DatumGetArrayTypeP(v[TC_COORDS]), TEXTOID, -1, false, TYPALIGN_INT,
						  &el, &elnull, &ne);
		if (i == 0)
		{
			if (ne < 1 || ne > SUP_MAXDIM)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cells must have between 1 and %d coordinates", SUP_MAXDIM),
						 errdetail("The first cell has %d.", ne)));
			in.ndim = ne;
			codes = palloc(sizeof(char *) * (size_t) ncells * ne);
		}
		if (ne != in.ndim)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cells have different numbers of coordinates"),
					 errdetail("Cell %d has %d coordinate%s; the first cell has %d.", i + 1, ne,
							   ne == 1 ? "" : "s", in.ndim)));
		for (d = 0; d < ne; d++)
		{
			if (elnull[d])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cell %d has a NULL coordinate", i + 1),
						 errdetail("Coordinate %d is NULL; give the margin's code (for example 'total') instead.", d + 1)));
			codes[(size_t) i * ne + d] = TextDatumGetCString(el[d]);
		}
		if (nl[TC_VALUE])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cell value must not be NULL"),
					 errdetail("Cell %d has no value.", i + 1)));
		value[i] = DatumGetFloat8(v[TC_VALUE]);
		cost[i] = nl[TC_COST] ? NAN : DatumGetFloat8(v[TC_COST]);
		if (!nl[TC_COST] && isnan(cost[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cell cost must not be NaN"),
					 errdetail("Cell %d; give NULL for the default cost (the value).", i + 1)));
		if (!nl[TC_PRIMARY] && DatumGetBool(v[TC_PRIMARY]))
			flags[i] |= SUPF_PRIMARY;
		if (!nl[TC_SUPPRESSED] && DatumGetBool(v[TC_SUPPRESSED]))
			flags[i] |= SUPF_SUPPRESSED;
		if (!nl[TC_SINGLETON])
			flags[i] |= SUPF_SINGLETON_SET | (DatumGetBool(v[TC_SINGLETON]) ? SUPF_SINGLETON : 0);
		tables[i] = nl[TC_TABLE] ? "" : TextDatumGetCString(v[TC_TABLE]);
	}

	/* hierarchy */
	edim = palloc(sizeof(int) * Max(nedges, 1));
	ech = palloc(sizeof(char *) * Max(nedges, 1));
	epa = palloc(sizeof(char *) * Max(nedges, 1));
	for (i = 0; i < nedges; i++)
	{
		Datum	   *v = ev + (size_t) i * 3;
		bool	   *nl = en + (size_t) i * 3;

		if (nl[0] || nl[1] || nl[2])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hierarchy edge %d has a NULL field", i + 1),
					 errdetail("Every edge needs a dimension, a child and a parent.")));
		edim[i] = DatumGetInt32(v[0]) - 1;
		ech[i] = TextDatumGetCString(v[1]);
		epa[i] = TextDatumGetCString(v[2]);
		if (ncells > 0 && (edim[i] < 0 || edim[i] >= in.ndim))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hierarchy edge %d names dimension %d", i + 1, edim[i] + 1),
					 errdetail("Edge %s -> %s: the cells have %d dimension%s, numbered from 1.",
							   ech[i], epa[i], in.ndim, in.ndim == 1 ? "" : "s")));
	}

	in.nrows = ncells;
	in.codes = codes;
	in.value = value;
	in.cost = cost;
	in.flags = flags;
	in.table = NULL;
	for (i = 0; i < ncells; i++)
		if (!cn[(size_t) i * TC_NATTS + TC_TABLE])
			in.table = tables;	/* linked tables */
	in.nedges = nedges;
	in.edge_dim = edim;
	in.edge_child = ech;
	in.edge_parent = epa;
	if (api == API_PROTECT && !PG_ARGISNULL(11) && ncells > 0)
	{
		klo = palloc(sizeof(double) * ncells);
		khi = palloc(sizeof(double) * ncells);
		lupl = palloc(sizeof(double) * ncells);
		llpl = palloc(sizeof(double) * ncells);
		lspl = palloc(sizeof(double) * ncells);
		for (i = 0; i < ncells; i++)
			klo[i] = khi[i] = lupl[i] = llpl[i] = lspl[i] = NAN;
		cell_levels(PG_GETARG_ARRAYTYPE_P(11), ncells, in.ndim, codes, tables,
					klo, khi, lupl, llpl, lspl);
		in.known_lo = klo;
		in.known_hi = khi;
		in.upl = lupl;
		in.lpl = llpl;
		in.spl = lspl;
	}
	out = palloc0(sizeof(SupRowResult) * Max(ncells, 1));
	rc = ncells == 0 ? 0 : run_core(&in, &opt, work, out, &st, &err);
	if (rc < 0)
		raise_core_error(&err);
	if (ncells > 0)
		elog(DEBUG1, "barometer suppression: %d cells, %d equations, %d primaries, %d secondaries, %d rounds, %ld linear programs, %ld integer programs, %d cuts, %d unprotected",
			 st.cells, st.equations, st.primaries, st.secondaries, st.iterations, st.lps,
			 st.mips, st.cuts, st.unprotected);
	if (st.fell_back)
		ereport(NOTICE,
				(errmsg("optimal suppression stopped at its limit; the best pattern found is returned"),
				 errdetail("The branch and cut did not prove an optimum within %g s (or the table has more than %d primary x cells); the pattern returned is the best it found, at worst the heuristic's.",
						   opt.time_limit, opt.max_optimal),
				 errhint("Raise time_limit for the optimum.")));

	for (i = 0; i < ncells && api == API_PROTECT; i++)
	{
		Datum		values[17];
		bool		nulls[17];
		const char *problem = sup_problem_name(out[i].problem);
		const char *rc_code = sup_reason_code(out[i].reason);
		bool		hidden = out[i].status != SUP_PUBLISH;

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(tables[i]);
		nulls[0] = cn[(size_t) i * TC_NATTS + TC_TABLE];
		values[1] = text_array(codes + (size_t) i * in.ndim, in.ndim);
		/* the publishable part */
		values[2] = Float8GetDatum(value[i]);
		nulls[2] = hidden;
		values[3] = CStringGetTextDatum("confidential");
		nulls[3] = !hidden;
		values[4] = CStringGetTextDatum("vertrouwelijk");
		nulls[4] = !hidden;
		/* the internal part */
		values[5] = Float8GetDatum(value[i]);
		values[6] = CStringGetTextDatum(sup_status_name(out[i].status));
		values[7] = rc_code ? CStringGetTextDatum(rc_code) : (Datum) 0;
		nulls[7] = rc_code == NULL;
		values[8] = rc_code ? CStringGetTextDatum(sup_reason_en(out[i].reason)) : (Datum) 0;
		nulls[8] = rc_code == NULL;
		values[9] = rc_code ? CStringGetTextDatum(sup_reason_nl(out[i].reason)) : (Datum) 0;
		nulls[9] = rc_code == NULL;
		values[10] = Float8GetDatum(out[i].lower);
		values[11] = Float8GetDatum(out[i].upper);
		values[12] = Float8GetDatum(out[i].upl);
		nulls[12] = isnan(out[i].upl);
		values[13] = Float8GetDatum(out[i].lpl);
		nulls[13] = isnan(out[i].lpl);
		values[14] = Float8GetDatum(out[i].spl);
		nulls[14] = isnan(out[i].spl);
		values[15] = BoolGetDatum(out[i].protect == 1);
		nulls[15] = out[i].protect < 0;
		values[16] = problem ? CStringGetTextDatum(problem) : (Datum) 0;
		nulls[16] = problem == NULL;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	for (i = 0; i < ncells && api != API_PROTECT; i++)
	{
		Datum		values[9];
		bool		nulls[9] = {false, false, false, false, false, false, false, false, false};
		const char *problem = sup_problem_name(out[i].problem);

		values[0] = CStringGetTextDatum(tables[i]);
		nulls[0] = cn[(size_t) i * TC_NATTS + TC_TABLE];
		values[1] = text_array(codes + (size_t) i * in.ndim, in.ndim);
		values[2] = Float8GetDatum(value[i]);
		values[3] = CStringGetTextDatum(sup_status_name(out[i].status));
		values[4] = Float8GetDatum(out[i].lower);
		values[5] = Float8GetDatum(out[i].upper);
		values[6] = Float8GetDatum(out[i].required);
		nulls[6] = isnan(out[i].required);
		values[7] = BoolGetDatum(out[i].protect == 1);
		nulls[7] = out[i].protect < 0;
		values[8] = problem ? CStringGetTextDatum(problem) : (Datum) 0;
		nulls[8] = problem == NULL;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	(void) method;
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(barometer_suppression_run);
Datum
barometer_suppression_run(PG_FUNCTION_ARGS)
{
	return suppress_run(fcinfo, API_SUPPRESS);
}

PG_FUNCTION_INFO_V1(barometer_suppression_audit);
Datum
barometer_suppression_audit(PG_FUNCTION_ARGS)
{
	return suppress_run(fcinfo, API_AUDIT);
}

PG_FUNCTION_INFO_V1(barometer_protect_table);
Datum
barometer_protect_table(PG_FUNCTION_ARGS)
{
	return suppress_run(fcinfo, API_PROTECT);
}
