
-------------------------------------------------------------------------------
-- Readers for dashboards and BI tools (0.2): the PSUs and strata of a cell,
-- the effective sample sizes by name, report_detail, reason codes, and the
-- marker that takes an adjusted p-value and names the reference group
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.n_psu(t @extschema@.tally) RETURNS bigint
	AS 'MODULE_PATHNAME', 'barometer_tally_n_psu'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.n_psu(@extschema@.tally) IS
	'PSUs of the cell with a row of positive weight (weights only: such rows); NULL for replicate weights';
CREATE FUNCTION @extschema@.n_strata(t @extschema@.tally) RETURNS bigint
	AS 'MODULE_PATHNAME', 'barometer_tally_n_strata'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.n_strata(@extschema@.tally) IS
	'strata of the cell holding such a PSU (df = n_psu - n_strata); NULL for replicate weights';

-- not STRICT: a NULL df means the design's
CREATE FUNCTION @extschema@.kg_n_eff(t @extschema@.tally,
		level double precision DEFAULT 0.95, df double precision DEFAULT NULL)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_kg_n_eff'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kg_n_eff(@extschema@.tally, double precision, double precision) IS
	'Korn-Graubard effective sample size of the beta interval (df-adjusted p(1-p)/V; rows of positive weight at p = 0 or 1)';
CREATE FUNCTION @extschema@.nchs_n_eff(t @extschema@.tally, level double precision DEFAULT 0.95)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_nchs_n_eff'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nchs_n_eff(@extschema@.tally, double precision) IS
	'effective sample size of the NCHS 2017 rule: min(p(1-p)/V, n) times the df adjustment';

CREATE FUNCTION @extschema@.reason_code(reason_en text) RETURNS text
	AS 'MODULE_PATHNAME', 'barometer_reason_code'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.reason_code(text) IS
	'stable code of a publication reason (English text), e.g. n_eff_below_min';

-- STABLE: the status reads the policy table barometer.policy
CREATE FUNCTION @extschema@.report_detail(t @extschema@.tally,
		level double precision DEFAULT 0.95, method text DEFAULT NULL,
		policy text DEFAULT NULL,
		OUT estimate double precision, OUT se double precision,
		OUT ci_lower double precision, OUT ci_upper double precision,
		OUT n bigint, OUT n_missing bigint, OUT weighted_n double precision,
		OUT n_eff double precision, OUT deff double precision,
		OUT df double precision, OUT cv double precision,
		OUT status text, OUT reason_en text, OUT reason_nl text,
		OUT reason_code text, OUT kish_n_eff double precision,
		OUT kg_n_eff double precision, OUT nchs_n_eff double precision,
		OUT ci_df double precision, OUT kg_rows bigint,
		OUT n_psu bigint, OUT n_strata bigint,
		OUT policy_name text, OUT policy_version integer)
	AS 'MODULE_PATHNAME', 'barometer_tally_report_detail'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.report_detail(@extschema@.tally, double precision, text, text) IS
	'report() plus reason_code, the three effective sample sizes by name (kish, kg, nchs), the interval df, PSUs, strata and the policy';

CREATE FUNCTION @extschema@.marker(d @extschema@.difference,
		p_adjusted double precision DEFAULT NULL, level double precision DEFAULT 0.95,
		status_a text DEFAULT NULL, status_b text DEFAULT NULL,
		reference boolean DEFAULT false)
	RETURNS text
	AS 'MODULE_PATHNAME', 'barometer_marker'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.marker(@extschema@.difference, double precision, double precision, text, text, boolean) IS
	'dashboard marker on the adjusted p-value: hidden, reference, untestable, higher, lower, ns';

-- R's degf of a replicate-weight (sub)design: qr rank of the analysis
-- weights - 1 (degf.svyrep.design), the domain's under GROUP BY
CREATE FUNCTION @extschema@.replicate_degf_trans(internal, double precision[]) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_replicate_degf_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_degf_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_replicate_degf_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_degf_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_replicate_degf_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_degf_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_replicate_degf_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_degf_final(internal) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_replicate_degf_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.replicate_degf(repw double precision[]) (
	SFUNC = @extschema@.replicate_degf_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.replicate_degf_combine,
	SERIALFUNC = @extschema@.replicate_degf_serialize,
	DESERIALFUNC = @extschema@.replicate_degf_deserialize,
	FINALFUNC = @extschema@.replicate_degf_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.replicate_degf(double precision[]) IS
	'R''s degf of a replicate-weight design or domain: qr rank of the replicate weights - 1';

CREATE FUNCTION @extschema@.n_positive_weight(t @extschema@.tally) RETURNS bigint
	AS 'MODULE_PATHNAME', 'barometer_tally_n_positive_weight'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.n_positive_weight(@extschema@.tally) IS
	'rows with an answer and positive weight (the Clopper-Pearson n at p = 0 or 1)';
