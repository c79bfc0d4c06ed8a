-------------------------------------------------------------------------------
-- Whole distributions: every category of one item (answers 1..5 and "geen
-- mening") in one aggregate, under every design of barometer.tally; the
-- category tallies (category k: exactly tally(item = k, w, <design>)), the
-- full covariance matrix, the Wald test of two distributions, publication
-- status of the distribution as a whole.
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.distribution;

CREATE FUNCTION @extschema@.distribution_in(cstring) RETURNS @extschema@.distribution
	AS 'MODULE_PATHNAME', 'barometer_distribution_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_out(@extschema@.distribution) RETURNS cstring
	AS 'MODULE_PATHNAME', 'barometer_distribution_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_recv(internal) RETURNS @extschema@.distribution
	AS 'MODULE_PATHNAME', 'barometer_distribution_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_send(@extschema@.distribution) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_distribution_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.distribution (
	INPUT = @extschema@.distribution_in,
	OUTPUT = @extschema@.distribution_out,
	RECEIVE = @extschema@.distribution_recv,
	SEND = @extschema@.distribution_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE @extschema@.distribution IS
	'the categories of one item as one tally per category, of one design: storable, mergeable, versioned';

-- the shared state machinery
CREATE FUNCTION @extschema@.distribution_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_distribution_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_distribution_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_distribution_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_final(internal) RETURNS @extschema@.distribution
	AS 'MODULE_PATHNAME', 'barometer_distribution_final'
	LANGUAGE C STABLE PARALLEL SAFE;

-- weights only
CREATE FUNCTION @extschema@.distribution_trans(internal, integer, integer[], integer[],
		double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_weights'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.distribution(item integer, categories integer[], excluded integer[],
		w double precision) (
	SFUNC = @extschema@.distribution_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.distribution(integer, integer[], integer[], double precision) IS
	'the distribution of item over categories (excluded codes and NULL: missing); weights-only design';

-- weights-only domain: n_sample = rows of the whole sample
CREATE FUNCTION @extschema@.distribution_trans(internal, integer, integer[], integer[],
		double precision, bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_wdomain'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.distribution(item integer, categories integer[], excluded integer[],
		w double precision, n_sample bigint) (
	SFUNC = @extschema@.distribution_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);

-- strata and PSUs, one stage (ultimate cluster)
CREATE FUNCTION @extschema@.distribution_trans_cluster(internal, integer, integer[], integer[],
		double precision, "any", "any", integer, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_trans_cluster(internal, integer, integer[], integer[],
		double precision, "any", "any", integer, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.distribution(item integer, categories integer[], excluded integer[],
		w double precision, stratum "any", psu "any", n_psu integer, fpc double precision) (
	SFUNC = @extschema@.distribution_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.distribution(item integer, categories integer[], excluded integer[],
		w double precision, stratum "any", psu "any", n_psu integer, fpc double precision,
		lonely_psu text) (
	SFUNC = @extschema@.distribution_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);

-- two stages with fpc at both
CREATE FUNCTION @extschema@.distribution_trans_cluster2(internal, integer, integer[], integer[],
		double precision, "any", "any", integer, double precision, "any", integer,
		double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_cluster2'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.distribution(item integer, categories integer[], excluded integer[],
		w double precision, stratum "any", psu "any", n_psu integer, fpc double precision,
		ssu "any", n_ssu integer, fpc2 double precision, lonely_psu text) (
	SFUNC = @extschema@.distribution_trans_cluster2, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);

-- replicate weights
CREATE FUNCTION @extschema@.distribution_trans_rep(internal, integer, integer[], integer[],
		double precision, anyarray, @extschema@.replicates)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.distribution(item integer, categories integer[], excluded integer[],
		w double precision, repw double precision[], spec @extschema@.replicates) (
	SFUNC = @extschema@.distribution_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.distribution(item integer, categories integer[], excluded integer[],
		w double precision, repw real[], spec @extschema@.replicates) (
	SFUNC = @extschema@.distribution_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);

-- strata without clusters (every row its own PSU), as tally_stratified
CREATE FUNCTION @extschema@.distribution_trans_stratified(internal, integer, integer[], integer[],
		double precision, "any", bigint, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_trans_stratified(internal, integer, integer[], integer[],
		double precision, "any", bigint, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.distribution_stratified(item integer, categories integer[],
		excluded integer[], w double precision, stratum "any", n_stratum bigint,
		fpc double precision) (
	SFUNC = @extschema@.distribution_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.distribution_stratified(item integer, categories integer[],
		excluded integer[], w double precision, stratum "any", n_stratum bigint,
		fpc double precision, lonely_psu text) (
	SFUNC = @extschema@.distribution_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);

-- rollup of stored distributions of any design
CREATE FUNCTION @extschema@.distribution_merge_trans(internal, @extschema@.distribution)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_merge_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.merge(@extschema@.distribution) (
	SFUNC = @extschema@.distribution_merge_trans, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.merge(@extschema@.distribution) IS
	'exact merge of stored distributions of the same categories and design';

-- readers
CREATE FUNCTION @extschema@.categories(d @extschema@.distribution) RETURNS integer[]
	AS 'MODULE_PATHNAME', 'barometer_distribution_categories'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.excluded(d @extschema@.distribution) RETURNS integer[]
	AS 'MODULE_PATHNAME', 'barometer_distribution_excluded'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.category(d @extschema@.distribution, code integer)
	RETURNS @extschema@.tally
	AS 'MODULE_PATHNAME', 'barometer_distribution_category'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.category(@extschema@.distribution, integer) IS
	'the tally of one category: exactly tally(item = code, w, <design>) over the rows of the distribution';
CREATE FUNCTION @extschema@.tallies(d @extschema@.distribution) RETURNS @extschema@.tally[]
	AS 'MODULE_PATHNAME', 'barometer_distribution_tallies'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.estimates(d @extschema@.distribution) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_distribution_estimates'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.vcov(d @extschema@.distribution) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_distribution_vcov'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.vcov(@extschema@.distribution) IS
	'K x K covariance matrix of the proportions under the design (R: vcov(svymean(~factor(item), design)))';

-- one row per category: the readers of its tally
CREATE FUNCTION @extschema@.report(d @extschema@.distribution,
		level double precision DEFAULT 0.95, method text DEFAULT NULL)
	RETURNS TABLE (category integer, estimate double precision, se double precision,
		ci_lower double precision, ci_upper double precision, n bigint,
		weighted_n double precision, df double precision)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$
	SELECT c.code, @extschema@.estimate(t), @extschema@.se(t),
		@extschema@.ci_lower(t, level, method), @extschema@.ci_upper(t, level, method),
		@extschema@.n(t), @extschema@.weighted_n(t), @extschema@.df(t)
	FROM ROWS FROM (pg_catalog.unnest(@extschema@.categories(d)),
		pg_catalog.unnest(@extschema@.tallies(d))) WITH ORDINALITY
		AS c(code, t, i)
	ORDER BY c.i
	$$;

-- the Wald test that two distributions are equal
CREATE TYPE @extschema@.distribution_difference AS (
	chisq double precision,
	ndf double precision,
	p_chisq double precision,
	f double precision,
	ddf double precision,
	p_f double precision
);
CREATE FUNCTION @extschema@.distribution_test(a @extschema@.distribution,
		b @extschema@.distribution, relation text DEFAULT 'independent')
	RETURNS @extschema@.distribution_difference
	AS 'MODULE_PATHNAME', 'barometer_distribution_test'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.distribution_test(@extschema@.distribution,
		@extschema@.distribution, text) IS
	'Wald test of equal distributions; relation independent (editions: summed covariances) or domains (groups of one sample: with their cross-covariance)';

-- R's svychisq(~item + group) of two groups of one sample
CREATE FUNCTION @extschema@.distribution_chisq(a @extschema@.distribution,
		b @extschema@.distribution, test text DEFAULT 'F',
		OUT statistic double precision, OUT ndf double precision,
		OUT ddf double precision, OUT p_value double precision)
	AS 'MODULE_PATHNAME', 'barometer_distribution_chisq'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.distribution_chisq(@extschema@.distribution,
		@extschema@.distribution, text) IS
	'Rao-Scott (or Wald) test of association of item and group for two groups of one sample (R: svychisq); strata and PSUs or replicate weights';

-- publication status of a distribution as a whole (plpgsql: the publication
-- functions are created later in the install script)
CREATE FUNCTION @extschema@.publication_status(d @extschema@.distribution,
		policy text DEFAULT 'nchs2017', version integer DEFAULT NULL)
	RETURNS TABLE (category integer, status text, reason_en text, reason_nl text,
		policy_name text, policy_version integer)
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	AS $$
BEGIN
	RETURN QUERY
	SELECT s.code, (s.p).status, (s.p).reason_en, (s.p).reason_nl, (s.p).policy, (s.p).version
	FROM (SELECT c.code, c.i,
			@extschema@.suppress_together(
				@extschema@.publication_status(c.t, publication_status.policy, publication_status.version))
				OVER () AS p
		FROM ROWS FROM (pg_catalog.unnest(@extschema@.categories(d)),
		pg_catalog.unnest(@extschema@.tallies(d))) WITH ORDINALITY
			AS c(code, t, i)) s
	ORDER BY s.i;
END
$$;
COMMENT ON FUNCTION @extschema@.publication_status(@extschema@.distribution, text, integer) IS
	'status of every category, suppressed together: one suppressed category suppresses the distribution';

-- many items at once (wide microdata), weights-only designs: element m is
-- exactly distribution(items[m], categories, excluded, w [, n_sample])
CREATE FUNCTION @extschema@.distribution_items_trans(internal, integer[], integer[], integer[],
		double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_items_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_items_trans(internal, integer[], integer[], integer[],
		double precision, bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_items_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_items_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_distribution_items_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_items_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_distribution_items_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_items_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_distribution_items_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.distribution_items_final(internal) RETURNS @extschema@.distribution[]
	AS 'MODULE_PATHNAME', 'barometer_distribution_items_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.distribution(items integer[], categories integer[], excluded integer[],
		w double precision) (
	SFUNC = @extschema@.distribution_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.distribution_items_combine,
	SERIALFUNC = @extschema@.distribution_items_serialize,
	DESERIALFUNC = @extschema@.distribution_items_deserialize,
	FINALFUNC = @extschema@.distribution_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.distribution(integer[], integer[], integer[], double precision) IS
	'one distribution per array element (element m: distribution(items[m], categories, excluded, w)); weights-only design';
CREATE AGGREGATE @extschema@.distribution(items integer[], categories integer[], excluded integer[],
		w double precision, n_sample bigint) (
	SFUNC = @extschema@.distribution_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.distribution_items_combine,
	SERIALFUNC = @extschema@.distribution_items_serialize,
	DESERIALFUNC = @extschema@.distribution_items_deserialize,
	FINALFUNC = @extschema@.distribution_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.distribution(integer[], integer[], integer[], double precision, bigint) IS
	'one distribution per array element (element m: distribution(items[m], categories, excluded, w, n_sample)); domain of a weights-only sample';
