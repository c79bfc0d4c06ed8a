/*
 * smallarea_policy.c - model_status(estimate, mse, n, areas, policy,
 * version): the publication rule of a model-based (small-area) estimate
 * such as a Fay-Herriot EBLUP, under a model_cv policy of barometer.policy.
 * The rule is in core/policy_model.c.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/builtins.h"

#include "publication.h"

/*
 * model_status(estimate float8, mse float8, n float8, areas integer,
 * policy text, version integer).  NULL estimate, MSE, n or areas are
 * judged (no estimate, MSE undefined, unknown counts); a NULL policy gives
 * NULL.  Errors (22023): an infinite estimate or MSE, a negative or
 * infinite n, a negative number of areas, a policy that is not model_cv.
 */
PG_FUNCTION_INFO_V1(barometer_model_status);
Datum
barometer_model_status(PG_FUNCTION_ARGS)
{
	ModelFigures m;
	PubDecision d;
	const PolicyRow *row;
	char	   *name;
	int32		version;

	if (PG_ARGISNULL(4))
		PG_RETURN_NULL();
	name = text_to_cstring(PG_GETARG_TEXT_PP(4));
	row = barometer_policy_lookup(fcinfo->flinfo, name, PG_ARGISNULL(5),
								  PG_ARGISNULL(5) ? 0 : PG_GETARG_INT32(5), &version);
	barometer_policy_check_applies(row, name, POLICY_FOR_MODEL, 0);
	m.estimate = PG_ARGISNULL(0) ? NAN : PG_GETARG_FLOAT8(0);
	m.mse = PG_ARGISNULL(1) ? NAN : PG_GETARG_FLOAT8(1);
	m.n = PG_ARGISNULL(2) ? NAN : PG_GETARG_FLOAT8(2);
	m.areas = PG_ARGISNULL(3) ? NAN : (double) PG_GETARG_INT32(3);
	if (isinf(m.estimate))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("estimate must be finite"),
				 errdetail("The estimate is %g; give NULL when there is none.", m.estimate)));
	if (isinf(m.mse))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("mse must be finite"),
				 errdetail("The MSE is %g; give NULL when it is undefined.", m.mse)));
	if (!PG_ARGISNULL(2) && (isnan(m.n) || isinf(m.n) || m.n < 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be finite and not negative"),
				 errdetail("n is %g; give NULL when it is unknown.", m.n)));
	if (!PG_ARGISNULL(3) && m.areas < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("areas must not be negative"),
				 errdetail("areas is %g.", m.areas)));
	if (!publication_model(&m, row, &d))
		elog(ERROR, "policy does not apply");
	PG_RETURN_DATUM(barometer_publication_datum(fcinfo, &d, name, version));
}
