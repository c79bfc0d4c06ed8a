
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
