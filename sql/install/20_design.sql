
-------------------------------------------------------------------------------
-- Design-based variance: weights-only domains, strata and PSUs (one and two
-- stages), replicate weights, strata without clusters, and the rollup
-- aggregate merge()
-------------------------------------------------------------------------------

-- how replicate weights were made
CREATE TYPE @extschema@.replicates;
CREATE FUNCTION @extschema@.replicates_in(cstring) RETURNS @extschema@.replicates
	AS 'MODULE_PATHNAME', 'barometer_replicates_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicates_out(@extschema@.replicates) RETURNS cstring
	AS 'MODULE_PATHNAME', 'barometer_replicates_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicates_recv(internal) RETURNS @extschema@.replicates
	AS 'MODULE_PATHNAME', 'barometer_replicates_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicates_send(@extschema@.replicates) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_replicates_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.replicates (
	INPUT = @extschema@.replicates_in,
	OUTPUT = @extschema@.replicates_out,
	RECEIVE = @extschema@.replicates_recv,
	SEND = @extschema@.replicates_send,
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

-- strata without clusters, every row its own PSU (R: svydesign(ids = ~1,
-- strata = ~stratum, fpc = ~fpc, weights = ~w)), kept as per-stratum sums:
-- n_stratum = rows of the stratum in the whole sample,
-- count(*) OVER (PARTITION BY stratum)
CREATE FUNCTION @extschema@.tally_trans_stratified(internal, boolean, double precision,
		"any", bigint, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_stratified(internal, double precision, double precision,
		"any", bigint, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_stratified(internal, boolean, double precision,
		"any", bigint, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_stratified(internal, double precision, double precision,
		"any", bigint, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.tally_stratified(y boolean, w double precision, stratum "any",
		n_stratum bigint, fpc double precision) (
	SFUNC = @extschema@.tally_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_stratified(y double precision, w double precision, stratum "any",
		n_stratum bigint, fpc double precision) (
	SFUNC = @extschema@.tally_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_stratified(y boolean, w double precision, stratum "any",
		n_stratum bigint, fpc double precision, lonely_psu text) (
	SFUNC = @extschema@.tally_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_stratified(y double precision, w double precision, stratum "any",
		n_stratum bigint, fpc double precision, lonely_psu text) (
	SFUNC = @extschema@.tally_trans_stratified, STYPE = internal,
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
