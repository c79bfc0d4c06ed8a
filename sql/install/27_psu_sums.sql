-------------------------------------------------------------------------------
-- Many indicators of a stratified clustered sample at once, kept as
-- per-stratum sums of PSU totals (design kind cluster_sums):
-- tally_psu_sums(y[], w, stratum, psu, n_psu ORDER BY psu) gives one tally
-- per array element with the figures of tally(y[k], w, stratum, psu, n_psu,
-- NULL) over the same rows and a fixed size per stratum instead of one
-- record per PSU.  Merge such tallies only over groups that whole PSUs
-- separate (src/tally_psu.c).
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.tally_psu_sums_trans(internal, boolean[], double precision, "any", "any", bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_psu_sums_trans_bool'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_psu_sums_trans(internal, double precision[], double precision, "any", "any", bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_psu_sums_trans_num'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_psu_sums_final(internal) RETURNS @extschema@.tally[]
	AS 'MODULE_PATHNAME', 'barometer_tally_psu_sums_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- (no combine function: a PSU's rows must reach one state, in order)
CREATE AGGREGATE @extschema@.tally_psu_sums(y boolean[], w double precision, stratum "any", psu "any",
		n_psu bigint) (
	SFUNC = @extschema@.tally_psu_sums_trans, STYPE = internal, SSPACE = 16384,
	FINALFUNC = @extschema@.tally_psu_sums_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally_psu_sums(boolean[], double precision, "any", "any", bigint) IS
	'one proportion per array element under strata and PSUs (element k: the figures of tally(y[k], w, stratum, psu, n_psu, NULL)), kept as per-stratum sums of PSU totals; call with ORDER BY psu';
CREATE AGGREGATE @extschema@.tally_psu_sums(y double precision[], w double precision, stratum "any", psu "any",
		n_psu bigint) (
	SFUNC = @extschema@.tally_psu_sums_trans, STYPE = internal, SSPACE = 16384,
	FINALFUNC = @extschema@.tally_psu_sums_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally_psu_sums(double precision[], double precision, "any", "any", bigint) IS
	'one mean per array element under strata and PSUs (element k: the figures of tally(y[k], w, stratum, psu, n_psu, NULL)), kept as per-stratum sums of PSU totals; call with ORDER BY psu';
