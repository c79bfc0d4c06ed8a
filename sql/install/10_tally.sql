
-------------------------------------------------------------------------------
-- The state type
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.tally;

CREATE FUNCTION @extschema@.tally_in(cstring) RETURNS @extschema@.tally
	AS 'MODULE_PATHNAME', 'barometer_tally_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_out(@extschema@.tally) RETURNS cstring
	AS 'MODULE_PATHNAME', 'barometer_tally_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_recv(internal) RETURNS @extschema@.tally
	AS 'MODULE_PATHNAME', 'barometer_tally_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_send(@extschema@.tally) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_tally_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.tally (
	INPUT = @extschema@.tally_in,
	OUTPUT = @extschema@.tally_out,
	RECEIVE = @extschema@.tally_recv,
	SEND = @extschema@.tally_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.tally IS
	'sufficient statistics of a weighted proportion or mean: storable, mergeable, versioned';

-------------------------------------------------------------------------------
-- Accumulating aggregates
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.tally_combine(@extschema@.tally, @extschema@.tally)
	RETURNS @extschema@.tally
	AS 'MODULE_PATHNAME', 'barometer_tally_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tally_combine(@extschema@.tally, @extschema@.tally) IS
	'merge two weights-only tallies (barometer.merge() merges tallies of any design)';

-- the working state of the weights-only aggregates
CREATE FUNCTION @extschema@.tally_trans(internal, boolean, double precision)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_trans_bool'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans(internal, double precision, double precision)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_trans_num'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_lite_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_lite_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_lite_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_tally_lite_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_lite_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_lite_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_final_proportion(internal)
	RETURNS @extschema@.tally
	AS 'MODULE_PATHNAME', 'barometer_tally_lite_final_bool'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_final_mean(internal)
	RETURNS @extschema@.tally
	AS 'MODULE_PATHNAME', 'barometer_tally_lite_final_num'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.tally(y boolean, w double precision) (
	SFUNC = @extschema@.tally_trans,
	STYPE = internal,
	SSPACE = 104,
	COMBINEFUNC = @extschema@.tally_lite_combine,
	SERIALFUNC = @extschema@.tally_lite_serialize,
	DESERIALFUNC = @extschema@.tally_lite_deserialize,
	FINALFUNC = @extschema@.tally_final_proportion,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tally(boolean, double precision) IS
	'weighted proportion of TRUE (NULL y is missing); weights-only design';

CREATE AGGREGATE @extschema@.tally(y double precision, w double precision) (
	SFUNC = @extschema@.tally_trans,
	STYPE = internal,
	SSPACE = 136,
	COMBINEFUNC = @extschema@.tally_lite_combine,
	SERIALFUNC = @extschema@.tally_lite_serialize,
	DESERIALFUNC = @extschema@.tally_lite_deserialize,
	FINALFUNC = @extschema@.tally_final_mean,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tally(double precision, double precision) IS
	'weighted mean of a number (NULL y is missing); weights-only design';

-------------------------------------------------------------------------------
-- Readers
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.estimate(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_estimate'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.variance(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_variance'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.se(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_se'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cv(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_cv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.n(t @extschema@.tally) RETURNS bigint
	AS 'MODULE_PATHNAME', 'barometer_tally_n'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.n_missing(t @extschema@.tally) RETURNS bigint
	AS 'MODULE_PATHNAME', 'barometer_tally_n_missing'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.weighted_n(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_weighted_n'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.kish_n_eff(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_kish_n_eff'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.deff(t @extschema@.tally, replace boolean DEFAULT false)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_deff'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.df(t @extschema@.tally) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_df'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.kind(t @extschema@.tally) RETURNS text
	AS 'MODULE_PATHNAME', 'barometer_tally_kind'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- not STRICT: a NULL method means beta (Korn-Graubard) for a proportion and
-- mean (Wald) for a mean; a NULL df means the design's degrees of freedom
CREATE FUNCTION @extschema@.ci_lower(t @extschema@.tally,
		level double precision DEFAULT 0.95, method text DEFAULT NULL,
		df double precision DEFAULT NULL)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_ci_lower'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ci_upper(t @extschema@.tally,
		level double precision DEFAULT 0.95, method text DEFAULT NULL,
		df double precision DEFAULT NULL)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_tally_ci_upper'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- STABLE: the status reads the policy table barometer.policy
CREATE FUNCTION @extschema@.report(t @extschema@.tally,
		level double precision DEFAULT 0.95, method text DEFAULT NULL,
		policy text DEFAULT NULL,
		OUT estimate double precision, OUT se double precision,
		OUT ci_lower double precision, OUT ci_upper double precision,
		OUT n bigint, OUT n_missing bigint, OUT weighted_n double precision,
		OUT n_eff double precision, OUT deff double precision,
		OUT df double precision, OUT cv double precision,
		OUT status text, OUT reason_en text, OUT reason_nl text)
	AS 'MODULE_PATHNAME', 'barometer_tally_report'
	LANGUAGE C STABLE PARALLEL SAFE;
