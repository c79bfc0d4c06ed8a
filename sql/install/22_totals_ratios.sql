
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
