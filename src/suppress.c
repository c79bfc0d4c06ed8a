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

/*
 * secondary_suppression(cells, hierarchy, method, protection,
 *                       protection_rel, singleton, policy)
 * suppression_audit(cells, hierarchy, protection, protection_rel,
 *                   singleton, policy)
 */
static Datum
suppress_run(FunctionCallInfo fcinfo, bool audit_only)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			a = audit_only ? 2 : 3;	/* first numeric option */
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
	if (PG_ARGISNULL(a) || PG_ARGISNULL(a + 1) || PG_ARGISNULL(a + 2) ||
		(!audit_only && PG_ARGISNULL(2)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("options must not be NULL"),
				 errdetail("Only the policy may be NULL (no threshold rule).")));

	memset(&opt, 0, sizeof(opt));
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
	if (!PG_ARGISNULL(a + 3))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(a + 3));
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
	out = palloc0(sizeof(SupRowResult) * Max(ncells, 1));
	rc = ncells == 0 ? 0 : run_core(&in, &opt, work, out, &st, &err);
	if (rc < 0)
		raise_core_error(&err);
	if (ncells > 0)
		elog(DEBUG1, "barometer suppression: %d cells, %d equations, %d primaries, %d secondaries, %d rounds, %ld linear programs, %d unprotected",
			 st.cells, st.equations, st.primaries, st.secondaries, st.iterations, st.lps, st.unprotected);

	for (i = 0; i < ncells; i++)
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
	return suppress_run(fcinfo, false);
}

PG_FUNCTION_INFO_V1(barometer_suppression_audit);
Datum
barometer_suppression_audit(PG_FUNCTION_ARGS)
{
	return suppress_run(fcinfo, true);
}
