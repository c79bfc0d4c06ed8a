
-------------------------------------------------------------------------------
-- Small-area estimates: the Fay-Herriot area-level model
--
--   SELECT f.* FROM (
--     SELECT array_agg(nis ORDER BY nis) AS area,
--            array_agg(barometer.estimate(t) ORDER BY nis) AS estimate,
--            array_agg(barometer.variance(t) ORDER BY nis) AS variance,
--            array_agg(ARRAY[share_non_eu, unemployment] ORDER BY nis) AS x
--     FROM municipality_cells JOIN register USING (nis)) s,
--   LATERAL barometer.fay_herriot(s.area, s.estimate, s.variance, s.x) f;
--
-- A NULL estimate marks an area without a sample (synthetic estimate).
-- The covariates have one row per area, without the intercept.
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.fay_herriot(area text[], estimate double precision[],
		variance double precision[], covariates double precision[] DEFAULT NULL,
		method text DEFAULT 'REML', transform text DEFAULT NULL,
		level double precision DEFAULT 0.95,
		OUT area text, OUT in_sample boolean, OUT direct double precision,
		OUT direct_se double precision, OUT synthetic double precision,
		OUT estimate double precision, OUT mse double precision,
		OUT rmse double precision, OUT cv double precision,
		OUT ci_lower double precision, OUT ci_upper double precision,
		OUT gamma double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'barometer_fay_herriot'
	LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 300;
COMMENT ON FUNCTION @extschema@.fay_herriot(text[], double precision[], double precision[],
		double precision[], text, text, double precision) IS
	'Fay-Herriot small-area estimates (EBLUP, MSE by Prasad-Rao/Datta-Lahiri) for every area';

CREATE FUNCTION @extschema@.fay_herriot_fit(area text[], estimate double precision[],
		variance double precision[], covariates double precision[] DEFAULT NULL,
		method text DEFAULT 'REML', transform text DEFAULT NULL,
		level double precision DEFAULT 0.95,
		OUT method text, OUT areas integer, OUT areas_in_sample integer,
		OUT area_variance double precision, OUT area_variance_se double precision,
		OUT beta double precision[], OUT beta_se double precision[],
		OUT loglik double precision, OUT iterations integer)
	RETURNS record
	AS 'MODULE_PATHNAME', 'barometer_fay_herriot_fit'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fay_herriot_fit(text[], double precision[], double precision[],
		double precision[], text, text, double precision) IS
	'the fitted Fay-Herriot model: area variance, coefficients, log likelihood';
