
-------------------------------------------------------------------------------
-- Totals (R svytotal) of a tally of any design: the estimated total sum w y
-- of the domain (of a boolean: the estimated count of TRUE, a category's
-- total), its design variance, interval, CV and design effect.  The df is
-- the design's, df(t).  The publication status of a total is in
-- 61_totals_ratios_status.sql (it needs the publication type).
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.total(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_total'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total(@extschema@.tally) IS
	'estimated total sum w y of the tally''s domain (R svytotal); of a boolean, the count of TRUE';
CREATE FUNCTION @extschema@.total_variance(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_total_variance'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_variance(@extschema@.tally) IS
	'design variance of the total (R vcov(svytotal))';
CREATE FUNCTION @extschema@.total_se(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_total_se'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_se(@extschema@.tally) IS
	'standard error of the total (R SE(svytotal))';
CREATE FUNCTION @extschema@.total_cv(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_total_cv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_cv(@extschema@.tally) IS
	'coefficient of variation of the total, se / |total| (NULL at 0)';
CREATE FUNCTION @extschema@.total_deff(t @extschema@.tally, replace boolean DEFAULT false)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_total_deff'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_deff(@extschema@.tally, boolean) IS
	'design effect of the total, R svytotal(deff = TRUE) (replace: deff = "replace")';

-- not STRICT: a NULL df means the design's degrees of freedom
CREATE FUNCTION @extschema@.total_ci_lower(t @extschema@.tally,
		level double precision DEFAULT 0.95, df double precision DEFAULT NULL)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_total_ci_lower'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_ci_lower(@extschema@.tally, double precision, double precision) IS
	'lower bound of the t interval of the total (R confint(svytotal, df = degf))';
CREATE FUNCTION @extschema@.total_ci_upper(t @extschema@.tally,
		level double precision DEFAULT 0.95, df double precision DEFAULT NULL)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_total_ci_upper'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_ci_upper(@extschema@.tally, double precision, double precision) IS
	'upper bound of the t interval of the total (R confint(svytotal, df = degf))';

-- STABLE: the status reads the policy table barometer.policy
CREATE FUNCTION @extschema@.total_report(t @extschema@.tally,
		level double precision DEFAULT 0.95, policy text DEFAULT NULL,
		OUT total double precision, OUT se double precision,
		OUT ci_lower double precision, OUT ci_upper double precision,
		OUT n bigint, OUT n_missing bigint, OUT weighted_n double precision,
		OUT deff double precision, OUT df double precision, OUT cv double precision,
		OUT status text, OUT reason_en text, OUT reason_nl text)
	AS 'MODULE_PATHNAME', 'barometer_tally_total_report'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_report(@extschema@.tally, double precision, text) IS
	'the total with its se, interval, n, deff, df, cv and publication status (NULL policy: statcan_cv) as one row';

-------------------------------------------------------------------------------
-- Ratios (R svyratio): tally_ratio(y, x, w, <design>) is a barometer.tally of
-- kind ratio whose estimate is sum w y / sum w x; the readers of a tally
-- (estimate, variance, se, cv, ci_lower/upper with method mean, df, n,
-- n_missing, weighted_n, report, publication_status with a CV policy) and
-- merge() take it.  A row is missing when y or x is NULL; x >= 0.
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.tally_ratio_trans(internal, double precision, double precision,
		double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_wdomain'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_ratio_trans(internal, double precision, double precision,
		double precision, bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_wdomain'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_ratio_trans(internal, double precision, double precision,
		double precision, "any", "any", integer, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_ratio_trans(internal, double precision, double precision,
		double precision, "any", "any", integer, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_ratio_trans(internal, double precision, double precision,
		double precision, "any", "any", integer, double precision, "any", integer,
		double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_cluster2'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_ratio_trans(internal, double precision, double precision,
		double precision, anyarray, @extschema@.replicates)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_ratio_stratified_trans(internal, double precision,
		double precision, double precision, "any", bigint, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_ratio_stratified_trans(internal, double precision,
		double precision, double precision, "any", bigint, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.tally_ratio(y double precision, x double precision,
		w double precision) (
	SFUNC = @extschema@.tally_ratio_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally_ratio(double precision, double precision, double precision) IS
	'ratio sum w y / sum w x (R svyratio); weights-only design';
CREATE AGGREGATE @extschema@.tally_ratio(y double precision, x double precision,
		w double precision, n_sample bigint) (
	SFUNC = @extschema@.tally_ratio_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_ratio(y double precision, x double precision,
		w double precision, stratum "any", psu "any", n_psu integer, fpc double precision) (
	SFUNC = @extschema@.tally_ratio_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_ratio(y double precision, x double precision,
		w double precision, stratum "any", psu "any", n_psu integer, fpc double precision,
		lonely_psu text) (
	SFUNC = @extschema@.tally_ratio_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_ratio(y double precision, x double precision,
		w double precision, stratum "any", psu "any", n_psu integer, fpc double precision,
		ssu "any", n_ssu integer, fpc2 double precision, lonely_psu text) (
	SFUNC = @extschema@.tally_ratio_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_ratio(y double precision, x double precision,
		w double precision, repw double precision[], spec @extschema@.replicates) (
	SFUNC = @extschema@.tally_ratio_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_ratio(y double precision, x double precision,
		w double precision, repw real[], spec @extschema@.replicates) (
	SFUNC = @extschema@.tally_ratio_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_ratio_stratified(y double precision, x double precision,
		w double precision, stratum "any", n_stratum bigint, fpc double precision) (
	SFUNC = @extschema@.tally_ratio_stratified_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_ratio_stratified(y double precision, x double precision,
		w double precision, stratum "any", n_stratum bigint, fpc double precision,
		lonely_psu text) (
	SFUNC = @extschema@.tally_ratio_stratified_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
