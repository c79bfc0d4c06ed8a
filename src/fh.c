/*
 * fh.c - small-area estimates in SQL: the Fay-Herriot model over arrays of
 * areas (the model is in core/fh_core.c).
 *
 *   fay_herriot(area text[], estimate float8[], variance float8[],
 *               covariates float8[][] DEFAULT NULL, method text DEFAULT 'REML',
 *               transform text DEFAULT NULL, level float8 DEFAULT 0.95)
 *     -> one row per area: the direct estimate, the synthetic estimate, the
 *        model-based estimate (EBLUP; synthetic out of sample), its MSE, root
 *        MSE, CV and interval, and the shrinkage factor gamma
 *   fay_herriot_fit(the same arguments)
 *     -> one row: the area variance, the coefficients and their standard
 *        errors, the log likelihood, the iterations
 *
 * An area with a NULL estimate has no sample: it gets the synthetic
 * estimate x'beta with MSE A + x'Var(beta)x.  The covariates are one row
 * per area without the intercept, which the model always has.  transform
 * 'arcsine' fits the model to asin(sqrt(p)) with variances
 * V / (4 p (1 - p)) (= 1 / (4 n_eff)) and returns sin^2 of the result, the
 * MSE by the delta method and the interval transformed back.
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

#include "dist.h"
#include "fh_core.h"
#include "guard.h"

/* the largest number of areas (the work is O(areas x coefficients^2)) */
#define FH_MAX_AREAS 1000000
#define FH_MAX_COEF 200

typedef struct FhCall
{
	int			n;
	int			p;				/* coefficients, the intercept included */
	char	  **area;
	double	   *x;
	double	   *y;				/* on the model's scale; NaN: out of sample */
	double	   *D;
	double	   *direct;			/* as given */
	double	   *direct_var;
	bool		arcsine;
	int			method;
	double		level;
	FhFit		fit;
} FhCall;

static void pg_attribute_noreturn()
bad(const char *msg, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 detail ? errdetail("%s", detail) : 0));
}

/* a one-dimensional float8 array argument: n values, NULL elements NaN */
static double *
float_array(FunctionCallInfo fcinfo, int argno, const char *what, int *n)
{
	ArrayType  *a;
	Datum	   *elems;
	bool	   *nulls;
	double	   *v;
	int			i;

	if (PG_ARGISNULL(argno))
		bad(psprintf("%s must not be NULL", what), NULL);
	a = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(a) > 1)
		bad(psprintf("%s must be a one-dimensional array", what), NULL);
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, n);
	v = palloc(sizeof(double) * (*n + 1));
	for (i = 0; i < *n; i++)
		v[i] = nulls[i] ? NAN : DatumGetFloat8(elems[i]);
	return v;
}

static int
cmp_area(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
read_call(FunctionCallInfo fcinfo, FhCall *c)
{
	ArrayType  *areas;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				ne,
				nv,
				i,
				j;
	double	   *est,
			   *var;
	char	   *method,
			   *transform;

	memset(c, 0, sizeof(*c));
	if (PG_ARGISNULL(0))
		bad("area must not be NULL", NULL);
	areas = PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_NDIM(areas) > 1)
		bad("area must be a one-dimensional array", NULL);
	deconstruct_array(areas, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n > FH_MAX_AREAS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the Fay-Herriot model takes at most %d areas", FH_MAX_AREAS)));
	est = float_array(fcinfo, 1, "estimate", &ne);
	var = float_array(fcinfo, 2, "variance", &nv);
	if (ne != n || nv != n)
		bad("area, estimate and variance must have the same length",
			psprintf("They have %d, %d and %d elements.", n, ne, nv));
	c->n = n;
	c->area = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			bad("an area must not be NULL", psprintf("Element %d is NULL.", i + 1));
		c->area[i] = TextDatumGetCString(elems[i]);
	}

	method = PG_ARGISNULL(4) ? "REML" : text_to_cstring(PG_GETARG_TEXT_PP(4));
	if (pg_strcasecmp(method, "REML") == 0)
		c->method = FH_REML;
	else if (pg_strcasecmp(method, "ML") == 0)
		c->method = FH_ML;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown method \"%s\"", method),
				 errhint("Methods: REML (Prasad-Rao / Datta-Lahiri MSE), ML (Datta-Lahiri MSE).")));
	transform = PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (transform != NULL && strcmp(transform, "arcsine") != 0 && strcmp(transform, "none") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown transform \"%s\"", transform),
				 errhint("Transforms: none (the default), arcsine (proportions).")));
	c->arcsine = transform != NULL && strcmp(transform, "arcsine") == 0;
	c->level = PG_ARGISNULL(6) ? 0.95 : PG_GETARG_FLOAT8(6);
	if (!(c->level > 0 && c->level < 1))
		bad("confidence level must be between 0 and 1", psprintf("The level is %g.", c->level));

	/* the covariates: n rows of q values, the intercept in front */
	c->p = 1;
	if (!PG_ARGISNULL(3))
	{
		ArrayType  *xa = PG_GETARG_ARRAYTYPE_P(3);
		Datum	   *xe;
		bool	   *xn;
		int			nx,
					q;

		if (ARR_NDIM(xa) != 2 || ARR_DIMS(xa)[0] != n)
			bad("covariates must be a two-dimensional array with one row per area",
				psprintf("There are %d areas; the covariates have %d dimension(s)%s.", n, ARR_NDIM(xa),
						 ARR_NDIM(xa) == 2 ? psprintf(" and %d rows", ARR_DIMS(xa)[0]) : ""));
		q = ARR_DIMS(xa)[1];
		if (q + 1 > FH_MAX_COEF)
			bad(psprintf("at most %d covariates", FH_MAX_COEF - 1), NULL);
		deconstruct_array(xa, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &xe, &xn, &nx);
		c->p = q + 1;
		guard_array((uint64) n * c->p, sizeof(double), "the covariates of the Fay-Herriot model");
		c->x = palloc_extended(sizeof(double) * ((size_t) n * c->p + 1), MCXT_ALLOC_HUGE);
		for (i = 0; i < n; i++)
		{
			c->x[(size_t) i * c->p] = 1.0;
			for (j = 0; j < q; j++)
			{
				int			k = i * q + j;
				double		v;

				if (xn[k])
					bad("covariates must not be NULL",
						psprintf("Covariate %d of area \"%s\" is NULL.", j + 1, c->area[i]));
				v = DatumGetFloat8(xe[k]);
				if (!isfinite(v))
					bad("covariates must be finite",
						psprintf("Covariate %d of area \"%s\" is %g.", j + 1, c->area[i], v));
				c->x[(size_t) i * c->p + j + 1] = v;
			}
		}
	}
	else
	{
		c->x = palloc(sizeof(double) * (n + 1));
		for (i = 0; i < n; i++)
			c->x[i] = 1.0;
	}

	/* the direct estimates on the model's scale */
	c->direct = est;
	c->direct_var = var;
	c->y = palloc(sizeof(double) * (n + 1));
	c->D = palloc(sizeof(double) * (n + 1));
	for (i = 0; i < n; i++)
	{
		double		p = est[i],
					v = var[i];

		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		c->y[i] = NAN;
		c->D[i] = NAN;
		if (isnan(p))
			continue;			/* out of sample */
		if (!isfinite(p))
			bad("estimates must be finite", psprintf("Area \"%s\" has %g.", c->area[i], p));
		if (isnan(v) || !isfinite(v) || !(v > 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the variance of a direct estimate must be positive and finite"),
					 errdetail("Area \"%s\" has estimate %g and variance %g.", c->area[i], p, v),
					 errhint("Give a NULL estimate for an area without a usable direct estimate: it gets the synthetic estimate.")));
		if (c->arcsine)
		{
			if (!(p > 0 && p < 1))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the arcsine transform takes proportions strictly between 0 and 1"),
						 errdetail("Area \"%s\" has estimate %g.", c->area[i], p),
						 errhint("Give a NULL estimate for an area whose direct estimate is 0 or 1: it gets the synthetic estimate.")));
			c->y[i] = asin(sqrt(p));
			c->D[i] = v / (4 * p * (1 - p));
		}
		else
		{
			c->y[i] = p;
			c->D[i] = v;
		}
	}
	{
		/* unique areas: sorted copies, neighbours compared (n log n) */
		char	  **sorted = palloc(sizeof(char *) * (n + 1));

		memcpy(sorted, c->area, sizeof(char *) * n);
		qsort(sorted, n, sizeof(char *), cmp_area);
		for (i = 1; i < n; i++)
			if (strcmp(sorted[i - 1], sorted[i]) == 0)
				bad("an area is listed twice", psprintf("Area \"%s\".", sorted[i]));
	}
}

static void
fit_call(FhCall *c)
{
	FhInput		in;

	memset(&in, 0, sizeof(in));
	in.n = (uint32) c->n;
	in.p = (uint32) c->p;
	in.x = c->x;
	in.y = c->y;
	in.D = c->D;
	in.method = c->method;
	in.tol = 1e-13;
	in.maxiter = 1000;
	guard_array((uint64) c->n * 9 + (uint64) c->p * c->p * 6, sizeof(double),
				"the Fay-Herriot model");
	fh_fit(&in, &c->fit, guard_realloc, CurrentMemoryContext);
	if (c->fit.status == FH_TOO_FEW)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("too few areas with a direct estimate for the model"),
					 errdetail("%u areas have a direct estimate; the model has %d coefficients and needs at least %d.",
							   c->fit.m, c->p, c->p + 1)));
	if (c->fit.status == FH_SINGULAR)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the covariates are collinear"),
					 errdetail("X'V^-1 X is singular over the areas with a direct estimate."),
					 errhint("Leave out covariates that are constant or linear combinations of others.")));
	if (c->fit.status == FH_NO_CONVERGENCE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the estimate of the area variance did not converge"),
					 errdetail("Fisher scoring ran 1000 iterations.")));
}

PG_FUNCTION_INFO_V1(barometer_fay_herriot);
Datum
barometer_fay_herriot(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FhCall		c;
	double		z;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	read_call(fcinfo, &c);
	fit_call(&c);
	z = dist_qnorm(1 - (1 - c.level) / 2);
	for (i = 0; i < c.n; i++)
	{
		Datum		values[12];
		bool		nulls[12];
		bool		in = !isnan(c.y[i]);
		double		est = c.fit.eblup[i],
					mse = c.fit.mse[i],
					lo = est - z * sqrt(mse),
					hi = est + z * sqrt(mse),
					syn = c.fit.synthetic[i];

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		memset(nulls, 0, sizeof(nulls));
		if (c.arcsine)
		{
			/* back to proportions: sin^2, the MSE by the delta method */
			double		t = fmin(fmax(est, 0.0), M_PI / 2);
			double		d = sin(2 * t);

			est = sin(t) * sin(t);
			mse = d * d * mse;
			lo = pow(sin(fmin(fmax(lo, 0.0), M_PI / 2)), 2);
			hi = pow(sin(fmin(fmax(hi, 0.0), M_PI / 2)), 2);
			t = fmin(fmax(syn, 0.0), M_PI / 2);
			syn = sin(t) * sin(t);
		}
		values[0] = CStringGetTextDatum(c.area[i]);
		values[1] = BoolGetDatum(in);
		values[2] = Float8GetDatum(c.direct[i]);
		nulls[2] = !in;
		values[3] = Float8GetDatum(sqrt(c.direct_var[i]));
		nulls[3] = !in;
		values[4] = Float8GetDatum(syn);
		values[5] = Float8GetDatum(est);
		values[6] = Float8GetDatum(mse);
		values[7] = Float8GetDatum(sqrt(mse));
		values[8] = Float8GetDatum(sqrt(mse) / est);
		nulls[8] = est == 0;
		values[9] = Float8GetDatum(lo);
		values[10] = Float8GetDatum(hi);
		values[11] = Float8GetDatum(c.fit.gamma[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(barometer_fay_herriot_fit);
Datum
barometer_fay_herriot_fit(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	FhCall		c;
	Datum		values[9];
	bool		nulls[9];
	Datum	   *b,
			   *se;
	int			k;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "fay_herriot_fit must return a composite");
	read_call(fcinfo, &c);
	fit_call(&c);
	b = palloc(sizeof(Datum) * c.p);
	se = palloc(sizeof(Datum) * c.p);
	for (k = 0; k < c.p; k++)
	{
		b[k] = Float8GetDatum(c.fit.beta[k]);
		se[k] = Float8GetDatum(sqrt(c.fit.beta_cov[k * c.p + k]));
	}
	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(c.method == FH_REML ? "REML" : "ML");
	values[1] = Int32GetDatum(c.n);
	values[2] = Int32GetDatum((int32) c.fit.m);
	values[3] = Float8GetDatum(c.fit.A);
	values[4] = Float8GetDatum(c.fit.A_se);
	values[5] = PointerGetDatum(construct_array(b, c.p, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[6] = PointerGetDatum(construct_array(se, c.p, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[7] = Float8GetDatum(c.fit.loglik);
	values[8] = Int32GetDatum(c.fit.iterations);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
