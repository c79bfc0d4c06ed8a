
-------------------------------------------------------------------------------
-- Calibration of design weights to population totals (R survey 4.1.1:
-- calibrate, postStratify, rake), as window functions over the sample:
--
--   SELECT id, barometer.calibrate(w, ARRAY[nis, agesex, origin], NULL,
--            (SELECT array_agg(t) FROM pop_totals t), 'raking') OVER () AS w_cal
--   FROM respondents;
--
-- totals: one barometer.calibration_total per level of every margin
-- (margin = position in the levels array) and one per auxiliary number
-- (margin = position in the aux array, level NULL).
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.calibration_total AS (
	margin integer,
	level text,
	total double precision
);
COMMENT ON TYPE @extschema@.calibration_total IS
	'population total of one level of a calibration margin (margin = position in the levels array), or of an auxiliary number (level NULL, margin = position in the aux array)';

CREATE FUNCTION @extschema@.calibrate(w double precision, levels text[],
		aux double precision[], totals @extschema@.calibration_total[],
		method text DEFAULT 'linear', lower double precision DEFAULT NULL,
		upper double precision DEFAULT NULL, epsilon double precision DEFAULT NULL,
		maxit integer DEFAULT NULL, force boolean DEFAULT false)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibrate'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibrate(double precision, text[], double precision[],
		@extschema@.calibration_total[], text, double precision, double precision,
		double precision, integer, boolean) IS
	'window function: the calibrated weight of the row (R weights(calibrate(...)), postStratify, rake); the partition is the sample';

-- The linearized value of the calibrated mean of y in a domain: a tally of
-- it over the whole sample (weights w_cal, the design's strata and PSUs)
-- gives the calibrated estimate with R's linearized variance.
CREATE FUNCTION @extschema@.calibration_residual(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain boolean DEFAULT true)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibration_residual'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residual(double precision, double precision,
		double precision, text[], double precision[], boolean) IS
	'window function: the linearized value of the calibrated mean of y in the domain (R svyrecvar with the calibration); tally it over the whole sample with w_cal';

-- The same for a stratified and clustered design: stratum and psu as in the
-- tally the values go into (NULL stratum: one stratum; NULL psu: the row).
CREATE FUNCTION @extschema@.calibration_residual(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain boolean, stratum "any", psu "any")
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibration_residual'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residual(double precision, double precision,
		double precision, text[], double precision[], boolean, "any", "any") IS
	'window function: the linearized value of the calibrated mean of y in the domain under a stratified clustered design (R svyrecvar with the calibration); tally it over the whole sample with w_cal and the same strata and PSUs';

-- Replicate weights recalibrated (R's calibrate, postStratify and rake on an
-- svyrep.design with combined weights): every replicate calibrated to the
-- same totals by the same method; the full-sample weight from calibrate().
CREATE FUNCTION @extschema@.calibrate_replicates(w double precision,
		repw double precision[], levels text[], aux double precision[],
		totals @extschema@.calibration_total[], method text DEFAULT 'linear',
		lower double precision DEFAULT NULL, upper double precision DEFAULT NULL,
		epsilon double precision DEFAULT NULL, maxit integer DEFAULT NULL,
		force boolean DEFAULT false)
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_calibrate_replicates'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibrate_replicates(double precision, double precision[],
		text[], double precision[], @extschema@.calibration_total[], text, double precision,
		double precision, double precision, integer, boolean) IS
	'window function: the row''s replicate weights, each replicate calibrated to the totals (R calibrate on an svyrep.design)';

-- Many domains in one pass: the row's domain label, the list of domains
-- (a constant); element k of the result is calibration_residual for
-- domains[k] (NULL where that domain has no weight).  stratum and psu as in
-- calibration_residual (NULL: one stratum; the row its own PSU).
CREATE FUNCTION @extschema@.calibration_residuals(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain text, domains text[], stratum "any", psu "any")
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_calibration_residuals'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residuals(double precision, double precision,
		double precision, text[], double precision[], text, text[], "any", "any") IS
	'window function: the linearized values of the calibrated mean of y in every listed domain (element k: domains[k]), in one pass; tally element k over the whole sample with w_cal';

-- The same for a design made with rake() (R's variance: svyrecvar's 10
-- backfitting passes over rake's post-stratifications): the totals and
-- rake's epsilon and maxit as given to calibrate(..., 'rake'), from which
-- the last sweep is redone.  Any other method: the 8-argument form.
CREATE FUNCTION @extschema@.calibration_residual(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain boolean, stratum "any", psu "any",
		totals @extschema@.calibration_total[], method text,
		epsilon double precision DEFAULT NULL, maxit integer DEFAULT NULL)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibration_residual'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residual(double precision, double precision,
		double precision, text[], double precision[], boolean, "any", "any",
		@extschema@.calibration_total[], text, double precision, integer) IS
	'window function: the linearized value of the calibrated mean of y in the domain; method rake: R''s variance of a rake() design (svyrecvar''s backfitting), from the totals and rake''s epsilon and maxit';

-- Many domains of a design made with rake(): as calibration_residuals, with
-- the totals, method and rake's epsilon and maxit as calibration_residual's
-- rake form takes them.
CREATE FUNCTION @extschema@.calibration_residuals(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain text, domains text[], stratum "any", psu "any",
		totals @extschema@.calibration_total[], method text,
		epsilon double precision DEFAULT NULL, maxit integer DEFAULT NULL)
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_calibration_residuals'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residuals(double precision, double precision,
		double precision, text[], double precision[], text, text[], "any", "any",
		@extschema@.calibration_total[], text, double precision, integer) IS
	'window function: the linearized values of the calibrated mean of y in every listed domain; method rake: R''s variance of a rake() design';

-- R's calibrate(..., variance = ): heteroscedastic calibration, the row's
-- sigma2 (finite, positive; R's per-row form, or sigma2 = m' lambda
-- computed by the caller); linear, raking and logit.
CREATE FUNCTION @extschema@.calibrate(w double precision, levels text[],
		aux double precision[], totals @extschema@.calibration_total[],
		method text, lower double precision, upper double precision,
		epsilon double precision, maxit integer, force boolean,
		variance double precision)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibrate'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibrate(double precision, text[], double precision[],
		@extschema@.calibration_total[], text, double precision, double precision,
		double precision, integer, boolean, double precision) IS
	'window function: the calibrated weight of the row under R''s heteroscedastic calibration (calibrate(..., variance = ))';

-- The linearized value after unbounded linear calibration with variance
-- (R's regcalibrate: the regression weighted d / sigma2); for the other
-- methods R's variance does not use sigma2 (the 8-argument form).
CREATE FUNCTION @extschema@.calibration_residual(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain boolean, stratum "any", psu "any",
		variance double precision)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibration_residual'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residual(double precision, double precision,
		double precision, text[], double precision[], boolean, "any", "any", double precision) IS
	'window function: the linearized value of the calibrated mean of y in the domain after unbounded linear calibration with variance (R regcalibrate with lambda)';
