-- barometer 0.1 (frozen: the install script of release 0.1, kept so that
-- ALTER EXTENSION barometer UPDATE can be tested from it; do not edit)
\echo Use "CREATE EXTENSION barometer" to load this file. \quit

-- sql/install/10_tally.sql

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

-- sql/install/20_design.sql

-------------------------------------------------------------------------------
-- Design-based variance: weights-only domains, strata and PSUs (one and two
-- stages), replicate weights, and the rollup aggregate merge()
-------------------------------------------------------------------------------

-- how replicate weights were made
CREATE TYPE @extschema@.replicates;
CREATE FUNCTION @extschema@.replicates_in(cstring) RETURNS @extschema@.replicates
	AS 'MODULE_PATHNAME', 'barometer_replicates_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicates_out(@extschema@.replicates) RETURNS cstring
	AS 'MODULE_PATHNAME', 'barometer_replicates_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.replicates (
	INPUT = @extschema@.replicates_in,
	OUTPUT = @extschema@.replicates_out,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.replicates IS
	'replication method, scales, rho, mse and df of a set of replicate weights';

CREATE FUNCTION @extschema@.replicates(method text, rho double precision DEFAULT NULL,
		scale double precision DEFAULT NULL, rscales double precision[] DEFAULT NULL,
		mse boolean DEFAULT false, df double precision DEFAULT NULL)
	RETURNS @extschema@.replicates
	AS 'MODULE_PATHNAME', 'barometer_replicates_make'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- the shared state machinery
CREATE FUNCTION @extschema@.tally_acc_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_acc_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_acc_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_tally_acc_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_acc_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_acc_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_acc_final(internal) RETURNS @extschema@.tally
	AS 'MODULE_PATHNAME', 'barometer_tally_acc_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- weights-only domain: n_sample = rows of the whole sample
CREATE FUNCTION @extschema@.tally_trans_wdomain(internal, boolean, double precision, bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_wdomain'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_wdomain(internal, double precision, double precision, bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_wdomain'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.tally(y boolean, w double precision, n_sample bigint) (
	SFUNC = @extschema@.tally_trans_wdomain, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally(y double precision, w double precision, n_sample bigint) (
	SFUNC = @extschema@.tally_trans_wdomain, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);

-- strata and PSUs, one stage (ultimate cluster)
CREATE FUNCTION @extschema@.tally_trans_cluster(internal, boolean, double precision,
		"any", "any", integer, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_cluster(internal, double precision, double precision,
		"any", "any", integer, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_cluster(internal, boolean, double precision,
		"any", "any", integer, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_cluster(internal, double precision, double precision,
		"any", "any", integer, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.tally(y boolean, w double precision, stratum "any", psu "any",
		n_psu integer, fpc double precision) (
	SFUNC = @extschema@.tally_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally(y double precision, w double precision, stratum "any", psu "any",
		n_psu integer, fpc double precision) (
	SFUNC = @extschema@.tally_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally(y boolean, w double precision, stratum "any", psu "any",
		n_psu integer, fpc double precision, lonely_psu text) (
	SFUNC = @extschema@.tally_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally(y double precision, w double precision, stratum "any", psu "any",
		n_psu integer, fpc double precision, lonely_psu text) (
	SFUNC = @extschema@.tally_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);

-- two stages with fpc at both
CREATE FUNCTION @extschema@.tally_trans_cluster2(internal, boolean, double precision,
		"any", "any", integer, double precision, "any", integer, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_cluster2'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_cluster2(internal, double precision, double precision,
		"any", "any", integer, double precision, "any", integer, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_cluster2'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.tally(y boolean, w double precision, stratum "any", psu "any",
		n_psu integer, fpc double precision, ssu "any", n_ssu integer, fpc2 double precision,
		lonely_psu text) (
	SFUNC = @extschema@.tally_trans_cluster2, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally(y double precision, w double precision, stratum "any", psu "any",
		n_psu integer, fpc double precision, ssu "any", n_ssu integer, fpc2 double precision,
		lonely_psu text) (
	SFUNC = @extschema@.tally_trans_cluster2, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);

-- replicate weights
CREATE FUNCTION @extschema@.tally_trans_rep(internal, boolean, double precision, anyarray,
		@extschema@.replicates)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_rep(internal, double precision, double precision, anyarray,
		@extschema@.replicates)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.tally(y boolean, w double precision, repw double precision[],
		spec @extschema@.replicates) (
	SFUNC = @extschema@.tally_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally(y double precision, w double precision, repw double precision[],
		spec @extschema@.replicates) (
	SFUNC = @extschema@.tally_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally(y boolean, w double precision, repw real[],
		spec @extschema@.replicates) (
	SFUNC = @extschema@.tally_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally(y double precision, w double precision, repw real[],
		spec @extschema@.replicates) (
	SFUNC = @extschema@.tally_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);

-- the number of distinct PSUs (or SSUs), as a window over the whole sample:
-- barometer.psu_count(psu) OVER (PARTITION BY stratum)
CREATE FUNCTION @extschema@.psu_count_trans(internal, "any") RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_psu_count_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.psu_count_final(internal) RETURNS integer
	AS 'MODULE_PATHNAME', 'barometer_psu_count_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.psu_count("any") (
	SFUNC = @extschema@.psu_count_trans, STYPE = internal,
	FINALFUNC = @extschema@.psu_count_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.psu_count("any") IS
	'number of distinct non-NULL values; use as psu_count(psu) OVER (PARTITION BY stratum)';

-- rollup of stored tallies of any design
CREATE FUNCTION @extschema@.tally_merge_trans(internal, @extschema@.tally) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_merge_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.merge(@extschema@.tally) (
	SFUNC = @extschema@.tally_merge_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.merge(@extschema@.tally) IS
	'exact merge of stored tallies of the same design (rollup without rescanning microdata)';

-- sql/install/25_items.sql
-------------------------------------------------------------------------------
-- Many indicators at once (wide microdata): tally(y[], w [, n_sample]) gives
-- one tally per array element, exactly the tally of tally(y[k], w
-- [, n_sample]); recode() collapses answer codes into indicator values.
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.tally_items_trans(internal, boolean[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_items_trans_bool'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_trans(internal, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_items_trans_num'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_trans(internal, boolean[], double precision, bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_items_trans_bool'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_trans(internal, double precision[], double precision, bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_items_trans_num'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_items_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_tally_items_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_items_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_final(internal) RETURNS @extschema@.tally[]
	AS 'MODULE_PATHNAME', 'barometer_tally_items_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- (SSPACE: the state of about 128 elements, so that the planner does not
-- hash very many groups of wide states)
CREATE AGGREGATE @extschema@.tally(y boolean[], w double precision) (
	SFUNC = @extschema@.tally_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.tally_items_combine,
	SERIALFUNC = @extschema@.tally_items_serialize, DESERIALFUNC = @extschema@.tally_items_deserialize,
	FINALFUNC = @extschema@.tally_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally(boolean[], double precision) IS
	'one weighted proportion per array element (element k: tally(y[k], w)); weights-only design';
CREATE AGGREGATE @extschema@.tally(y double precision[], w double precision) (
	SFUNC = @extschema@.tally_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.tally_items_combine,
	SERIALFUNC = @extschema@.tally_items_serialize, DESERIALFUNC = @extschema@.tally_items_deserialize,
	FINALFUNC = @extschema@.tally_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally(double precision[], double precision) IS
	'one weighted mean per array element (element k: tally(y[k], w)); weights-only design';
CREATE AGGREGATE @extschema@.tally(y boolean[], w double precision, n_sample bigint) (
	SFUNC = @extschema@.tally_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.tally_items_combine,
	SERIALFUNC = @extschema@.tally_items_serialize, DESERIALFUNC = @extschema@.tally_items_deserialize,
	FINALFUNC = @extschema@.tally_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally(boolean[], double precision, bigint) IS
	'one weighted proportion per array element (element k: tally(y[k], w, n_sample)); domain of a weights-only sample';
CREATE AGGREGATE @extschema@.tally(y double precision[], w double precision, n_sample bigint) (
	SFUNC = @extschema@.tally_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.tally_items_combine,
	SERIALFUNC = @extschema@.tally_items_serialize, DESERIALFUNC = @extschema@.tally_items_deserialize,
	FINALFUNC = @extschema@.tally_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally(double precision[], double precision, bigint) IS
	'one weighted mean per array element (element k: tally(y[k], w, n_sample)); domain of a weights-only sample';

CREATE FUNCTION @extschema@.recode(codes smallint[], item integer[], lookup boolean[]) RETURNS boolean[]
	AS 'MODULE_PATHNAME', 'barometer_recode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.recode(codes integer[], item integer[], lookup boolean[]) RETURNS boolean[]
	AS 'MODULE_PATHNAME', 'barometer_recode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.recode(codes smallint[], item integer[], lookup double precision[])
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_recode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.recode(codes integer[], item integer[], lookup double precision[])
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_recode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.recode(smallint[], integer[], boolean[]) IS
	'element k = lookup[k][codes[item[k]]]: answer codes collapsed into indicator values (NULL code: NULL)';
COMMENT ON FUNCTION @extschema@.recode(integer[], integer[], boolean[]) IS
	'element k = lookup[k][codes[item[k]]]: answer codes collapsed into indicator values (NULL code: NULL)';
COMMENT ON FUNCTION @extschema@.recode(smallint[], integer[], double precision[]) IS
	'element k = lookup[k][codes[item[k]]]: answer codes scored as numbers (NULL code: NULL)';
COMMENT ON FUNCTION @extschema@.recode(integer[], integer[], double precision[]) IS
	'element k = lookup[k][codes[item[k]]]: answer codes scored as numbers (NULL code: NULL)';

-- sql/install/30_tests.sql

-------------------------------------------------------------------------------
-- Significance tests: differences of tallies, association in a two-way
-- table, multiple comparisons, dashboard markers
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.difference AS (
	difference double precision,
	se double precision,
	ci_lower double precision,
	ci_upper double precision,
	statistic double precision,
	df double precision,
	p_value double precision
);
COMMENT ON TYPE @extschema@.difference IS 'a difference of two estimates with its test';

CREATE FUNCTION @extschema@.diff_test(a @extschema@.tally, b @extschema@.tally,
		relation text DEFAULT 'independent', level double precision DEFAULT 0.95)
	RETURNS @extschema@.difference
	AS 'MODULE_PATHNAME', 'barometer_diff_test'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.diff_test(@extschema@.tally, @extschema@.tally, text, double precision) IS
	'estimate(a) - estimate(b) with its SE, interval, t statistic, df and p-value; relation independent, domains or part';

CREATE FUNCTION @extschema@.p_adjust(p double precision[], method text)
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_p_adjust_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.p_adjust(p double precision, method text)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_p_adjust_window'
	LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_adjust(double precision, text) IS
	'window function: the p-value adjusted over the window partition (bonferroni, holm, BH)';

CREATE FUNCTION @extschema@.significance(d @extschema@.difference,
		level double precision DEFAULT 0.95, status_a text DEFAULT NULL, status_b text DEFAULT NULL)
	RETURNS text
	AS 'MODULE_PATHNAME', 'barometer_significance'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.significance(@extschema@.difference, double precision, text, text) IS
	'dashboard marker: higher, lower, ns (not significant), untestable, hidden (a suppressed estimate)';

-- Rao-Scott chi-square (R svychisq)
CREATE TYPE @extschema@.chisq_result AS (
	statistic double precision,
	ndf double precision,
	ddf double precision,
	p_value double precision
);
CREATE FUNCTION @extschema@.chisq_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_chisq_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.chisq_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_chisq_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.chisq_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_chisq_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.chisq_final(internal) RETURNS @extschema@.chisq_result
	AS 'MODULE_PATHNAME', 'barometer_chisq_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.chisq_trans_w(internal, "any", "any", double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_chisq_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.chisq_trans_w(internal, "any", "any", double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_chisq_trans_w' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.chisq(r "any", c "any", w double precision) (
	SFUNC = @extschema@.chisq_trans_w, STYPE = internal, COMBINEFUNC = @extschema@.chisq_combine,
	SERIALFUNC = @extschema@.chisq_serialize, DESERIALFUNC = @extschema@.chisq_deserialize,
	FINALFUNC = @extschema@.chisq_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.chisq(r "any", c "any", w double precision, statistic text) (
	SFUNC = @extschema@.chisq_trans_w, STYPE = internal, COMBINEFUNC = @extschema@.chisq_combine,
	SERIALFUNC = @extschema@.chisq_serialize, DESERIALFUNC = @extschema@.chisq_deserialize,
	FINALFUNC = @extschema@.chisq_final, PARALLEL = SAFE);

CREATE FUNCTION @extschema@.chisq_trans_cluster(internal, "any", "any", double precision,
		"any", "any", integer, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_chisq_trans_cluster' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.chisq_trans_cluster(internal, "any", "any", double precision,
		"any", "any", integer, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_chisq_trans_cluster' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.chisq_trans_cluster(internal, "any", "any", double precision,
		"any", "any", integer, double precision, text, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_chisq_trans_cluster' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.chisq(r "any", c "any", w double precision, stratum "any", psu "any",
		n_psu integer, fpc double precision) (
	SFUNC = @extschema@.chisq_trans_cluster, STYPE = internal, COMBINEFUNC = @extschema@.chisq_combine,
	SERIALFUNC = @extschema@.chisq_serialize, DESERIALFUNC = @extschema@.chisq_deserialize,
	FINALFUNC = @extschema@.chisq_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.chisq(r "any", c "any", w double precision, stratum "any", psu "any",
		n_psu integer, fpc double precision, statistic text) (
	SFUNC = @extschema@.chisq_trans_cluster, STYPE = internal, COMBINEFUNC = @extschema@.chisq_combine,
	SERIALFUNC = @extschema@.chisq_serialize, DESERIALFUNC = @extschema@.chisq_deserialize,
	FINALFUNC = @extschema@.chisq_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.chisq(r "any", c "any", w double precision, stratum "any", psu "any",
		n_psu integer, fpc double precision, statistic text, lonely_psu text) (
	SFUNC = @extschema@.chisq_trans_cluster, STYPE = internal, COMBINEFUNC = @extschema@.chisq_combine,
	SERIALFUNC = @extschema@.chisq_serialize, DESERIALFUNC = @extschema@.chisq_deserialize,
	FINALFUNC = @extschema@.chisq_final, PARALLEL = SAFE);

CREATE FUNCTION @extschema@.chisq_trans_rep(internal, "any", "any", double precision, anyarray,
		@extschema@.replicates)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_chisq_trans_rep' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.chisq_trans_rep(internal, "any", "any", double precision, anyarray,
		@extschema@.replicates, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_chisq_trans_rep' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.chisq(r "any", c "any", w double precision, repw double precision[],
		spec @extschema@.replicates) (
	SFUNC = @extschema@.chisq_trans_rep, STYPE = internal, COMBINEFUNC = @extschema@.chisq_combine,
	SERIALFUNC = @extschema@.chisq_serialize, DESERIALFUNC = @extschema@.chisq_deserialize,
	FINALFUNC = @extschema@.chisq_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.chisq(r "any", c "any", w double precision, repw double precision[],
		spec @extschema@.replicates, statistic text) (
	SFUNC = @extschema@.chisq_trans_rep, STYPE = internal, COMBINEFUNC = @extschema@.chisq_combine,
	SERIALFUNC = @extschema@.chisq_serialize, DESERIALFUNC = @extschema@.chisq_deserialize,
	FINALFUNC = @extschema@.chisq_final, PARALLEL = SAFE);

-- sql/install/50_repgen.sql
-------------------------------------------------------------------------------
-- Replicate weights made from a stratified clustered design
--
-- A data producer who may not publish the design (strata and PSUs identify
-- places) publishes replicate weights instead.  Two steps:
--
--   -- 1. a plan: the method, its options and the sample's strata and PSUs
--   CREATE TABLE plan AS
--   SELECT @extschema@.replicate_plan('jkn', stratum, psu) AS p FROM respondents;
--
--   -- 2. every row's replicate weights, w times the replicate factors
--   SELECT r.id, @extschema@.replicate_weights(plan.p, r.stratum, r.psu, r.w) AS repw
--   FROM respondents r, plan;
--
--   -- and what an analyst needs to use them (R: svrepdesign(type = "JKn",
--   -- repweights = repw, combined.weights = TRUE, scale, rscales))
--   SELECT * FROM @extschema@.replicate_describe((SELECT p FROM plan));
--
-- replicate_plan(method text, stratum "any", psu "any" [, options text])
--   aggregate over the whole sample (one row per respondent, or one per PSU)
--   returning a barometer.replicate_plan.  method and options must be the
--   same on every row; NULL options means the defaults.  Ids: integer,
--   numeric, text (or varchar, char) or uuid; a PSU is identified by
--   (stratum, psu), so PSU ids may repeat across strata (R's nest = TRUE).
--   An unstratified design gives one constant stratum.  Order of strata and
--   of PSUs within a stratum: the natural order of the id type (integers
--   numerically, text byte-wise whatever the collation); the plan does not
--   depend on row order.
--     method        options (key=value, separated by commas or spaces)
--     jk1           none; one stratum (R's JK1)
--     jkn           lonely=fail|remove|certainty|average|adjust (R's
--                   survey.lonely.psu; default fail)
--     brr           small=fail|split (a stratum with one PSU; default fail),
--                   large=split|merge|fail (more than two PSUs; default
--                   split, which needs an even number)   (R's brrweights)
--     fay           rho=<0 <= rho < 1> (required), small, large
--     bootstrap     replicates=<2..10000> (default 50), seed=<bigint>
--                   (default 0): R's bootweights, n_h draws per stratum
--     subbootstrap  replicates, seed: the Rao-Wu rescaling bootstrap, n_h - 1
--                   draws, factor draws * n_h/(n_h - 1) (R's subbootweights)
-- replicate_weights(plan, stratum, psu, w float8) float8[]
--   w times the factor of the row's PSU in every replicate (R's
--   weights(as.svrepdesign(...), "analysis")); errors for a NULL or unknown
--   stratum or PSU and a NULL, negative or non-finite weight.
-- replicate_factors(plan, stratum, psu) float8[]   the factors alone.
-- replicate_count(plan) int, replicate_scale(plan) float8,
-- replicate_rscales(plan) float8[], replicate_df(plan) float8 (R's degf),
-- replicate_method(plan) text, replicate_describe(plan) one row of all,
-- replicate_spec(plan) barometer.replicates, for barometer.tally(y, w, repw, spec).
-- Replicate order, scale and rscales are R's as.svrepdesign() on the data
-- sorted by (stratum, psu); see doc/replicate_weights.md.
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.replicate_plan;

CREATE FUNCTION @extschema@.replicate_plan_in(cstring) RETURNS @extschema@.replicate_plan
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_plan_out(@extschema@.replicate_plan) RETURNS cstring
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_plan_recv(internal) RETURNS @extschema@.replicate_plan
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_plan_send(@extschema@.replicate_plan) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.replicate_plan (
	INPUT = @extschema@.replicate_plan_in,
	OUTPUT = @extschema@.replicate_plan_out,
	RECEIVE = @extschema@.replicate_plan_recv,
	SEND = @extschema@.replicate_plan_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.replicate_plan IS
	'how to make replicate weights: method, options, and the strata and PSUs of the sample';

-------------------------------------------------------------------------------
-- The aggregate that builds a plan
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.replicate_plan_trans(internal, text, "any", "any")
	RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_plan_trans(internal, text, "any", "any", text)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_plan_combine(internal, internal)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_plan_serialize(internal)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_plan_deserialize(bytea, internal)
	RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_plan_final(internal)
	RETURNS @extschema@.replicate_plan
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.replicate_plan(method text, stratum "any", psu "any") (
	SFUNC = @extschema@.replicate_plan_trans,
	STYPE = internal,
	COMBINEFUNC = @extschema@.replicate_plan_combine,
	SERIALFUNC = @extschema@.replicate_plan_serialize,
	DESERIALFUNC = @extschema@.replicate_plan_deserialize,
	FINALFUNC = @extschema@.replicate_plan_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.replicate_plan(text, "any", "any") IS
	'plan of replicate weights (jk1, jkn, brr, fay, bootstrap, subbootstrap) from the sample''s strata and PSUs';

CREATE AGGREGATE @extschema@.replicate_plan(method text, stratum "any", psu "any", options text) (
	SFUNC = @extschema@.replicate_plan_trans,
	STYPE = internal,
	COMBINEFUNC = @extschema@.replicate_plan_combine,
	SERIALFUNC = @extschema@.replicate_plan_serialize,
	DESERIALFUNC = @extschema@.replicate_plan_deserialize,
	FINALFUNC = @extschema@.replicate_plan_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.replicate_plan(text, "any", "any", text) IS
	'plan of replicate weights with options such as ''rho=0.5'', ''lonely=adjust'' or ''replicates=500, seed=42''';

-------------------------------------------------------------------------------
-- Per row
-------------------------------------------------------------------------------
-- not STRICT: a NULL plan, id or weight is an error, never a silent NULL
CREATE FUNCTION @extschema@.replicate_weights(plan @extschema@.replicate_plan,
		stratum "any", psu "any", w double precision)
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_replicate_weights'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.replicate_weights(@extschema@.replicate_plan, "any", "any", double precision) IS
	'the row''s replicate weights: w times its PSU''s factor in every replicate (R''s analysis weights)';

CREATE FUNCTION @extschema@.replicate_factors(plan @extschema@.replicate_plan,
		stratum "any", psu "any")
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_replicate_factors'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.replicate_factors(@extschema@.replicate_plan, "any", "any") IS
	'the replicate factors of a PSU (replicate weight = weight * factor)';

-------------------------------------------------------------------------------
-- Readers of a plan
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.replicate_count(plan @extschema@.replicate_plan) RETURNS integer
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_count'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_scale(plan @extschema@.replicate_plan) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_scale'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_rscales(plan @extschema@.replicate_plan) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_rscales'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_df(plan @extschema@.replicate_plan) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_df'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_method(plan @extschema@.replicate_plan) RETURNS text
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_method'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicate_describe(plan @extschema@.replicate_plan,
		OUT method text, OUT options text, OUT replicates integer,
		OUT scale double precision, OUT rscales double precision[],
		OUT df double precision, OUT rho double precision,
		OUT strata integer, OUT psus integer)
	AS 'MODULE_PATHNAME', 'barometer_replicate_plan_describe'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- the replication spec of barometer.tally(y, w, repw, spec) for the weights
-- of a plan (subbootstrap has no method of its own there: other, with the
-- plan's scale).  Evaluate it once, as a scalar subquery, not once per row.
CREATE FUNCTION @extschema@.replicate_spec(plan @extschema@.replicate_plan)
	RETURNS @extschema@.replicates
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$
	SELECT @extschema@.replicates(
		CASE d.method WHEN 'subbootstrap' THEN 'other' ELSE d.method END,
		CASE WHEN d.method = 'fay' THEN d.rho END,
		d.scale, d.rscales, false, d.df)
	FROM @extschema@.replicate_describe(plan) AS d
	$$;

-- sql/install/60_publication.sql

-------------------------------------------------------------------------------
-- Publication rules: policies as data, the status of an estimate, a count or
-- a magnitude, distributions suppressed together, and secondary suppression
-- of whole tables with the attacker's audit
-------------------------------------------------------------------------------

-- validates a policy row (the CHECK constraint of barometer.policy)
CREATE FUNCTION @extschema@.policy_check(name text, kind text, params jsonb)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'barometer_policy_check'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE TABLE @extschema@.policy (
	name text NOT NULL,
	version integer NOT NULL CHECK (version >= 1),
	kind text NOT NULL,
	params jsonb NOT NULL DEFAULT '{}',
	label_en text,
	label_nl text,
	source text,
	builtin boolean NOT NULL DEFAULT false,
	PRIMARY KEY (name, version),
	CHECK (@extschema@.policy_check(name, kind, params))
);
COMMENT ON TABLE @extschema@.policy IS
	'named, versioned publication policies; add rows for your own (builtin = false rows are dumped)';

INSERT INTO @extschema@.policy (name, version, kind, params, label_en, label_nl, source, builtin) VALUES
('nchs2017', 1, 'nchs2017',
 '{"min_n": 30, "max_width": 0.30, "rel_width_floor": 0.05, "max_rel_width": 1.30, "min_df": 8, "level": 0.95, "complement": true}',
 'NCHS data presentation standards for proportions',
 'NCHS-normen voor de presentatie van proporties',
 'Parker et al. (2017), Vital Health Stat 2(175)', true),
('statcan_cv', 1, 'cv_bands', '{"publish_max_cv": 16.5, "warn_max_cv": 33.3, "min_n": 10}',
 'Statistics Canada coefficient of variation bands (16.5% / 33.3%)',
 'variatiecoëfficiëntklassen van Statistics Canada (16,5% / 33,3%)',
 'Statistics Canada', true),
('statcan_cv', 2, 'cv_bands', '{"publish_max_cv": 15, "warn_max_cv": 35, "min_n": 10}',
 'Statistics Canada coefficient of variation bands, newer cycles (15% / 35%)',
 'variatiecoëfficiëntklassen van Statistics Canada, recente cycli (15% / 35%)',
 'Statistics Canada', true),
('min_respondents', 1, 'min_respondents', '{"min_n": 30}',
 'at least 30 respondents', 'minstens 30 respondenten', NULL, true),
('count_threshold', 1, 'count_threshold', '{"threshold": 5, "complement": true, "group_disclosure": true}',
 'register counts: suppress 1-4 and complements of 1-4',
 'registertellingen: 1-4 en complementen van 1-4 onderdrukken',
 'ESSnet Handbook on Statistical Disclosure Control, ch. 5', true),
('count_threshold_3', 1, 'count_threshold', '{"threshold": 3, "complement": true, "group_disclosure": true}',
 'register counts: suppress 1-2 and complements of 1-2',
 'registertellingen: 1-2 en complementen van 1-2 onderdrukken',
 'ESSnet Handbook on Statistical Disclosure Control, ch. 5', true),
('count_threshold_10', 1, 'count_threshold', '{"threshold": 10, "complement": true, "group_disclosure": true}',
 'register counts: suppress 1-9 and complements of 1-9',
 'registertellingen: 1-9 en complementen van 1-9 onderdrukken',
 'ESSnet Handbook on Statistical Disclosure Control, ch. 5', true),
('dominance_1_85', 1, 'dominance', '{"n": 1, "k": 85, "min_contributors": 3}',
 'magnitudes: (1, 85) dominance and at least 3 contributors',
 'grootheden: (1, 85)-dominantie en minstens 3 bijdragers',
 'ESSnet Handbook on Statistical Disclosure Control, ch. 4', true),
('dominance_2_85', 1, 'dominance', '{"n": 2, "k": 85, "min_contributors": 3}',
 'magnitudes: (2, 85) dominance and at least 3 contributors',
 'grootheden: (2, 85)-dominantie en minstens 3 bijdragers',
 'ESSnet Handbook on Statistical Disclosure Control, ch. 4', true),
('p_percent', 1, 'p_percent', '{"p": 10, "min_contributors": 3}',
 'magnitudes: p% rule (p = 10) and at least 3 contributors',
 'grootheden: p%-regel (p = 10) en minstens 3 bijdragers',
 'ESSnet Handbook on Statistical Disclosure Control, ch. 4', true);

-- user rows survive pg_dump; the shipped rows come back with the extension
SELECT pg_catalog.pg_extension_config_dump('@extschema@.policy', 'WHERE NOT builtin');
GRANT SELECT ON @extschema@.policy TO PUBLIC;
-- the role that creates the extension (also when it is trusted) may add policies
DO $$
BEGIN
	EXECUTE pg_catalog.format('GRANT INSERT, UPDATE, DELETE ON @extschema@.policy TO %I',
		(SELECT pg_catalog.pg_get_userbyid(e.extowner) FROM pg_catalog.pg_extension e
		 WHERE e.extname = 'barometer'));
END $$;

CREATE TYPE @extschema@.publication AS (
	status text,			-- publish | warn | review | suppress
	reason_en text,
	reason_nl text,
	policy text,
	version integer
);

CREATE FUNCTION @extschema@.publication_status(t @extschema@.tally,
		policy text DEFAULT 'nchs2017', version integer DEFAULT NULL)
	RETURNS @extschema@.publication
	AS 'MODULE_PATHNAME', 'barometer_publication_status'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.publication_status(@extschema@.tally, text, integer) IS
	'status (publish, warn, review, suppress) and reason of a tally under a policy (latest version when NULL)';

CREATE FUNCTION @extschema@.publication_status(estimate double precision,
		se double precision, n double precision, df double precision DEFAULT NULL,
		policy text DEFAULT 'nchs2017', version integer DEFAULT NULL)
	RETURNS @extschema@.publication
	AS 'MODULE_PATHNAME', 'barometer_publication_status_figures'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.publication_status(double precision, double precision,
		double precision, double precision, text, integer) IS
	'status and reason of an estimate given by its figures (df NULL: n - 1)';

CREATE FUNCTION @extschema@.count_status(count bigint, total bigint DEFAULT NULL,
		policy text DEFAULT 'count_threshold', version integer DEFAULT NULL)
	RETURNS @extschema@.publication
	AS 'MODULE_PATHNAME', 'barometer_count_status'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.count_status(bigint, bigint, text, integer) IS
	'threshold rule for a register count and its published total';

-- a window function over the categories of one distribution
CREATE FUNCTION @extschema@.suppress_together(d @extschema@.publication)
	RETURNS @extschema@.publication
	AS 'MODULE_PATHNAME', 'barometer_publication_together'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.suppress_together(status text)
	RETURNS text
	AS 'MODULE_PATHNAME', 'barometer_publication_together'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

-------------------------------------------------------------------------------
-- Magnitudes: the largest contributions of a cell, kept exactly
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.magnitude;
CREATE FUNCTION @extschema@.magnitude_in(cstring) RETURNS @extschema@.magnitude
	AS 'MODULE_PATHNAME', 'barometer_magnitude_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.magnitude_out(@extschema@.magnitude) RETURNS cstring
	AS 'MODULE_PATHNAME', 'barometer_magnitude_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.magnitude_recv(internal) RETURNS @extschema@.magnitude
	AS 'MODULE_PATHNAME', 'barometer_magnitude_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.magnitude_send(@extschema@.magnitude) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_magnitude_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.magnitude (
	INPUT = @extschema@.magnitude_in,
	OUTPUT = @extschema@.magnitude_out,
	RECEIVE = @extschema@.magnitude_recv,
	SEND = @extschema@.magnitude_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.magnitude IS
	'contributors, total and the largest contributions of a cell of a magnitude table: storable, mergeable';

CREATE FUNCTION @extschema@.magnitude_trans(internal, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_magnitude_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.magnitude_trans(internal, double precision, integer)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_magnitude_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.magnitude_trans_merge(internal, @extschema@.magnitude)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_magnitude_trans_merge'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.magnitude_combine(internal, internal)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_magnitude_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.magnitude_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_magnitude_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.magnitude_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_magnitude_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.magnitude_final(internal) RETURNS @extschema@.magnitude
	AS 'MODULE_PATHNAME', 'barometer_magnitude_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.magnitude(value double precision) (
	SFUNC = @extschema@.magnitude_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.magnitude_combine,
	SERIALFUNC = @extschema@.magnitude_serialize,
	DESERIALFUNC = @extschema@.magnitude_deserialize,
	FINALFUNC = @extschema@.magnitude_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.magnitude(double precision) IS
	'contributions of a cell (NULL skipped), keeping the 5 largest exactly';
CREATE AGGREGATE @extschema@.magnitude(value double precision, keep integer) (
	SFUNC = @extschema@.magnitude_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.magnitude_combine,
	SERIALFUNC = @extschema@.magnitude_serialize,
	DESERIALFUNC = @extschema@.magnitude_deserialize,
	FINALFUNC = @extschema@.magnitude_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.magnitude(double precision, integer) IS
	'contributions of a cell (NULL skipped), keeping the keep largest exactly';
CREATE AGGREGATE @extschema@.merge(@extschema@.magnitude) (
	SFUNC = @extschema@.magnitude_trans_merge, STYPE = internal,
	COMBINEFUNC = @extschema@.magnitude_combine,
	SERIALFUNC = @extschema@.magnitude_serialize,
	DESERIALFUNC = @extschema@.magnitude_deserialize,
	FINALFUNC = @extschema@.magnitude_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.merge(@extschema@.magnitude) IS
	'exact union of stored magnitudes (keeps the smaller keep)';

CREATE FUNCTION @extschema@.contributors(m @extschema@.magnitude) RETURNS bigint
	AS 'MODULE_PATHNAME', 'barometer_magnitude_contributors'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.total(m @extschema@.magnitude) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_magnitude_total'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.top(m @extschema@.magnitude) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_magnitude_top'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.top_share(m @extschema@.magnitude, n integer)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_magnitude_top_share'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.p_percent(m @extschema@.magnitude) RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_magnitude_p_percent'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.publication_status(m @extschema@.magnitude,
		policy text DEFAULT 'p_percent', version integer DEFAULT NULL)
	RETURNS @extschema@.publication
	AS 'MODULE_PATHNAME', 'barometer_magnitude_status'
	LANGUAGE C STABLE PARALLEL SAFE;

-------------------------------------------------------------------------------
-- Tables: secondary suppression and the audit
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.table_cell AS (
	coords text[],			-- one code per dimension
	value double precision,	-- >= 0
	is_primary boolean,		-- sensitive: suppress and protect
	suppressed boolean,		-- suppressed already (kept; the audit's pattern)
	cost double precision,	-- NULL: the value; 'Infinity': never a secondary
	singleton boolean,		-- one contributor (NULL: value = 1)
	table_name text			-- linked tables; NULL: one table
);

CREATE FUNCTION @extschema@.cell(coords text[], value double precision,
		is_primary boolean DEFAULT false, suppressed boolean DEFAULT false,
		cost double precision DEFAULT NULL, singleton boolean DEFAULT NULL,
		table_name text DEFAULT NULL)
	RETURNS @extschema@.table_cell
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ROW(coords, value, is_primary, suppressed, cost, singleton, table_name)::@extschema@.table_cell;

CREATE TYPE @extschema@.hierarchy_edge AS (
	dimension integer,		-- 1-based position in coords
	child text,
	parent text
);

CREATE FUNCTION @extschema@.edge(dimension integer, child text, parent text)
	RETURNS @extschema@.hierarchy_edge
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ROW(dimension, child, parent)::@extschema@.hierarchy_edge;

CREATE FUNCTION @extschema@.secondary_suppression(
		cells @extschema@.table_cell[], hierarchy @extschema@.hierarchy_edge[],
		method text DEFAULT 'heuristic', protection double precision DEFAULT 1,
		protection_rel double precision DEFAULT 0, singleton boolean DEFAULT true,
		policy text DEFAULT NULL,
		OUT table_name text, OUT coords text[], OUT value double precision,
		OUT status text, OUT lower double precision, OUT upper double precision,
		OUT required double precision, OUT protected boolean, OUT problem text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'barometer_suppression_run'
	LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.secondary_suppression(@extschema@.table_cell[],
		@extschema@.hierarchy_edge[], text, double precision, double precision, boolean, text) IS
	'every cell with its status (publish, primary, secondary) and the attacker''s interval';

CREATE FUNCTION @extschema@.suppression_audit(
		cells @extschema@.table_cell[], hierarchy @extschema@.hierarchy_edge[],
		protection double precision DEFAULT 1, protection_rel double precision DEFAULT 0,
		singleton boolean DEFAULT true, policy text DEFAULT NULL,
		OUT table_name text, OUT coords text[], OUT value double precision,
		OUT status text, OUT lower double precision, OUT upper double precision,
		OUT required double precision, OUT protected boolean, OUT problem text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'barometer_suppression_audit'
	LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.suppression_audit(@extschema@.table_cell[],
		@extschema@.hierarchy_edge[], double precision, double precision, boolean, text) IS
	'the attacker''s interval of every suppressed cell and whether each primary is protected';
