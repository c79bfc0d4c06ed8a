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
-- The SQL-standard body is bound when the extension is created, and its
-- operators are qualified, so a caller's search_path cannot redirect it.
CREATE FUNCTION @extschema@.replicate_spec(plan @extschema@.replicate_plan)
	RETURNS @extschema@.replicates
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN (SELECT @extschema@.replicates(
		CASE WHEN d.method OPERATOR(pg_catalog.=) 'subbootstrap' THEN 'other' ELSE d.method END,
		CASE WHEN d.method OPERATOR(pg_catalog.=) 'fay' THEN d.rho END,
		d.scale, d.rscales, false, d.df)
	FROM @extschema@.replicate_describe(plan) AS d);
