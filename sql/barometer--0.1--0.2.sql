-- barometer 0.1 -> 0.2: hardening for shared production databases.
-- Stored values of 0.1 (tally v1 and v2, magnitude, replicate_plan,
-- replicates) are read by 0.2 unchanged; nothing a view can depend on is
-- dropped.
\echo Use "ALTER EXTENSION barometer UPDATE TO '0.2'" to load this file. \quit

-- the schema: read by everyone, written by superusers only (05_schema.sql)
DO $$
BEGIN
	EXECUTE pg_catalog.format('ALTER SCHEMA @extschema@ OWNER TO %I',
		(SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = 10));
END $$;
REVOKE CREATE ON SCHEMA @extschema@ FROM PUBLIC;
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- shipped policy rows cannot be changed, and no user row can claim to be
-- shipped (60_publication.sql)
CREATE FUNCTION @extschema@.policy_protect() RETURNS trigger
	AS 'MODULE_PATHNAME', 'barometer_policy_protect'
	LANGUAGE C;
CREATE TRIGGER policy_protect BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.policy
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_protect();
CREATE TRIGGER policy_protect_truncate BEFORE TRUNCATE ON @extschema@.policy
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_protect();

-- replicate_spec: a body bound at creation with qualified operators, safe
-- from a caller's search_path (50_repgen.sql)
CREATE OR REPLACE FUNCTION @extschema@.replicate_spec(plan @extschema@.replicate_plan)
	RETURNS @extschema@.replicates
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN (SELECT @extschema@.replicates(
		CASE WHEN d.method OPERATOR(pg_catalog.=) 'subbootstrap' THEN 'other' ELSE d.method END,
		CASE WHEN d.method OPERATOR(pg_catalog.=) 'fay' THEN d.rho END,
		d.scale, d.rscales, false, d.df)
	FROM @extschema@.replicate_describe(plan) AS d);

-- barometer.replicates gets a binary form (COPY ... (FORMAT binary) and
-- binary protocol clients; 20_design.sql)
CREATE FUNCTION @extschema@.replicates_recv(internal) RETURNS @extschema@.replicates
	AS 'MODULE_PATHNAME', 'barometer_replicates_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicates_send(@extschema@.replicates) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_replicates_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE @extschema@.replicates SET (RECEIVE = @extschema@.replicates_recv,
	SEND = @extschema@.replicates_send);

-- tally_stratified: a stratified sample without clusters as per-stratum sums
-- (20_design.sql; the stored tally gains the design kind "stratified", which
-- 0.1 never wrote)
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

-- 0.2: secondary suppression against an integer intruder (protect_table,
-- cell_protection, protection, linked_cells); secondary_suppression and
-- suppression_audit keep their 0.1 signatures, their library code changed.
CREATE TYPE @extschema@.cell_protection AS (
	coords text[],				-- the cell (one code per dimension)
	table_name text,			-- its table, for linked tables
	upper_level double precision,	-- upper protection level (NULL: the default)
	lower_level double precision,	-- lower protection level
	sliding_level double precision,	-- sliding: the interval's least width
	known_min double precision,	-- what the intruder knows beforehand
	known_max double precision
);

CREATE FUNCTION @extschema@.protection(coords text[],
		upper_level double precision DEFAULT NULL, lower_level double precision DEFAULT NULL,
		sliding_level double precision DEFAULT NULL, known_min double precision DEFAULT NULL,
		known_max double precision DEFAULT NULL, table_name text DEFAULT NULL)
	RETURNS @extschema@.cell_protection
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ROW(coords, table_name, upper_level, lower_level, sliding_level, known_min,
	           known_max)::@extschema@.cell_protection;

CREATE FUNCTION @extschema@.protect_table(
		cells @extschema@.table_cell[], hierarchy @extschema@.hierarchy_edge[],
		policy text DEFAULT 'count_threshold', method text DEFAULT 'heuristic',
		cost text DEFAULT 'value',
		upper_protection double precision DEFAULT NULL,
		lower_protection double precision DEFAULT NULL,
		sliding_protection double precision DEFAULT NULL,
		protection_rel double precision DEFAULT NULL,
		intruder text DEFAULT 'singleton', time_limit double precision DEFAULT 10,
		levels @extschema@.cell_protection[] DEFAULT NULL,
		OUT table_name text, OUT coords text[],
		OUT published double precision, OUT flag text, OUT flag_nl text,
		OUT value double precision, OUT status text,
		OUT reason text, OUT reason_en text, OUT reason_nl text,
		OUT lower double precision, OUT upper double precision,
		OUT upper_level double precision, OUT lower_level double precision,
		OUT sliding_level double precision, OUT protected boolean, OUT problem text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'barometer_protect_table'
	LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.protect_table(@extschema@.table_cell[],
		@extschema@.hierarchy_edge[], text, text, text, double precision, double precision,
		double precision, double precision, text, double precision,
		@extschema@.cell_protection[]) IS
	'every cell with its publishable form (published, flag) and, internally, its status, reason and the integer intruder''s interval';

-- linked tables of different dimensions: each table's cells carry the codes
-- of its own dimensions (table_dimensions maps a table to their positions in
-- the union, 1-based, as the hierarchy numbers them); the other dimensions
-- take the root code of their hierarchy (the table is their total)
CREATE FUNCTION @extschema@.linked_cells(cells @extschema@.table_cell[],
		hierarchy @extschema@.hierarchy_edge[], table_dimensions jsonb)
	RETURNS @extschema@.table_cell[]
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH td AS (
		SELECT t.key AS tab, pg_catalog.array_agg(d.value::integer ORDER BY d.ord) AS dims
		FROM pg_catalog.jsonb_each(table_dimensions) t,
		     pg_catalog.jsonb_array_elements_text(t.value) WITH ORDINALITY d(value, ord)
		GROUP BY t.key),
	nd AS (SELECT pg_catalog.max(x) AS n FROM td, pg_catalog.unnest(td.dims) x),
	roots AS (
		SELECT h.dimension, pg_catalog.min(h.parent) AS root
		FROM pg_catalog.unnest(hierarchy) h
		WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(hierarchy) h2
		                  WHERE h2.dimension = h.dimension AND h2.child = h.parent)
		GROUP BY h.dimension)
	SELECT pg_catalog.array_agg(ROW(
		ARRAY(SELECT CASE WHEN pg_catalog.array_position(td.dims, g) IS NOT NULL
		                  THEN (c.coords)[pg_catalog.array_position(td.dims, g)]
		                  ELSE (SELECT r.root FROM roots r WHERE r.dimension = g) END
		      FROM pg_catalog.generate_series(1, (SELECT nd.n FROM nd)) g ORDER BY g),
		c.value, c.is_primary, c.suppressed, c.cost, c.singleton, c.table_name)::@extschema@.table_cell)
	FROM pg_catalog.unnest(cells) c LEFT JOIN td ON td.tab = c.table_name;
END;
COMMENT ON FUNCTION @extschema@.linked_cells(@extschema@.table_cell[], @extschema@.hierarchy_edge[], jsonb) IS
	'cells of linked tables of different dimensions on the union of their dimensions (the missing ones at their hierarchy''s root)';

-- small-area estimates: the Fay-Herriot model (70_smallarea.sql)
CREATE FUNCTION @extschema@.fay_herriot(area text[], estimate double precision[],
		variance double precision[], covariates double precision[] DEFAULT NULL,
		method text DEFAULT 'REML', transform text DEFAULT NULL,
		level double precision DEFAULT 0.95,
		OUT area text, OUT in_sample boolean, OUT direct double precision,
		OUT direct_se double precision, OUT synthetic double precision,
		OUT estimate double precision, OUT mse double precision,
		OUT rmse double precision, OUT cv double precision,
		OUT ci_lower double precision, OUT ci_upper double precision,
		OUT gamma double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'barometer_fay_herriot'
	LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 300;
COMMENT ON FUNCTION @extschema@.fay_herriot(text[], double precision[], double precision[],
		double precision[], text, text, double precision) IS
	'Fay-Herriot small-area estimates (EBLUP, MSE by Prasad-Rao/Datta-Lahiri) for every area';
CREATE FUNCTION @extschema@.fay_herriot_fit(area text[], estimate double precision[],
		variance double precision[], covariates double precision[] DEFAULT NULL,
		method text DEFAULT 'REML', transform text DEFAULT NULL,
		level double precision DEFAULT 0.95,
		OUT method text, OUT areas integer, OUT areas_in_sample integer,
		OUT area_variance double precision, OUT area_variance_se double precision,
		OUT beta double precision[], OUT beta_se double precision[],
		OUT loglik double precision, OUT iterations integer)
	RETURNS record
	AS 'MODULE_PATHNAME', 'barometer_fay_herriot_fit'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fay_herriot_fit(text[], double precision[], double precision[],
		double precision[], text, text, double precision) IS
	'the fitted Fay-Herriot model: area variance, coefficients, log likelihood';

-------------------------------------------------------------------------------
-- Design-based quantiles (R survey 4.1.1 svyquantile: qrule "math",
-- Woodruff intervals, the se from the interval's width): aggregates over the
-- group's rows with the design columns of the tally aggregates, and p one
-- probability (a 95% interval) or an array of them with a level
-------------------------------------------------------------------------------

CREATE TYPE @extschema@.quantile_estimate AS (
	p double precision,
	estimate double precision,
	se double precision,
	ci_lower double precision,
	ci_upper double precision,
	level double precision,
	df double precision,
	n bigint
);
COMMENT ON TYPE @extschema@.quantile_estimate IS
	'a design-based quantile: probability, estimate, standard error, Woodruff interval, level, degrees of freedom, rows used';

CREATE FUNCTION @extschema@.quantile_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_quantile_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_quantile_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_quantile_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile_final(internal) RETURNS @extschema@.quantile_estimate
	AS 'MODULE_PATHNAME', 'barometer_quantile_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile_final_array(internal) RETURNS @extschema@.quantile_estimate[]
	AS 'MODULE_PATHNAME', 'barometer_quantile_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.quantile_trans_w(internal, double precision, double precision, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_w'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, p double precision) (
	SFUNC = @extschema@.quantile_trans_w, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_w(internal, double precision, double precision, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_w'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_w, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_wdomain(internal, double precision, double precision, bigint, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_wdomain'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, n_sample bigint, p double precision) (
	SFUNC = @extschema@.quantile_trans_wdomain, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, bigint, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_wdomain(internal, double precision, double precision, bigint, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_wdomain'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, n_sample bigint, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_wdomain, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, bigint, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster(internal, double precision, double precision, "any", "any", integer, double precision, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, p double precision) (
	SFUNC = @extschema@.quantile_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster(internal, double precision, double precision, "any", "any", integer, double precision, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster(internal, double precision, double precision, "any", "any", integer, double precision, text, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, lonely_psu text, p double precision) (
	SFUNC = @extschema@.quantile_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, text, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster(internal, double precision, double precision, "any", "any", integer, double precision, text, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, lonely_psu text, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, text, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster2(internal, double precision, double precision, "any", "any", integer, double precision, "any", integer, double precision, text, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster2'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, ssu "any", n_ssu integer, fpc2 double precision, lonely_psu text, p double precision) (
	SFUNC = @extschema@.quantile_trans_cluster2, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, "any", integer, double precision, text, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster2(internal, double precision, double precision, "any", "any", integer, double precision, "any", integer, double precision, text, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster2'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, ssu "any", n_ssu integer, fpc2 double precision, lonely_psu text, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_cluster2, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, "any", integer, double precision, text, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_rep(internal, double precision, double precision, double precision[], @extschema@.replicates, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, repw double precision[], spec @extschema@.replicates, p double precision) (
	SFUNC = @extschema@.quantile_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, double precision[], @extschema@.replicates, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_rep(internal, double precision, double precision, double precision[], @extschema@.replicates, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, repw double precision[], spec @extschema@.replicates, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, double precision[], @extschema@.replicates, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_rep(internal, double precision, double precision, real[], @extschema@.replicates, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, repw real[], spec @extschema@.replicates, p double precision) (
	SFUNC = @extschema@.quantile_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, real[], @extschema@.replicates, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_rep(internal, double precision, double precision, real[], @extschema@.replicates, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, repw real[], spec @extschema@.replicates, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, real[], @extschema@.replicates, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_stratified(internal, double precision, double precision, "any", bigint, double precision, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile_stratified(y double precision, w double precision, stratum "any", n_stratum bigint, fpc double precision, p double precision) (
	SFUNC = @extschema@.quantile_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile_stratified(double precision, double precision, "any", bigint, double precision, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_stratified(internal, double precision, double precision, "any", bigint, double precision, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile_stratified(y double precision, w double precision, stratum "any", n_stratum bigint, fpc double precision, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile_stratified(double precision, double precision, "any", bigint, double precision, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_stratified(internal, double precision, double precision, "any", bigint, double precision, text, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile_stratified(y double precision, w double precision, stratum "any", n_stratum bigint, fpc double precision, lonely_psu text, p double precision) (
	SFUNC = @extschema@.quantile_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile_stratified(double precision, double precision, "any", bigint, double precision, text, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_stratified(internal, double precision, double precision, "any", bigint, double precision, text, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile_stratified(y double precision, w double precision, stratum "any", n_stratum bigint, fpc double precision, lonely_psu text, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile_stratified(double precision, double precision, "any", bigint, double precision, text, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';
-- issue 11 (readers): reason_code, before any function that uses the type, appended to barometer.publication (a table
-- column of this type blocks the ALTER: see README "Upgrades")
ALTER TYPE @extschema@.publication ADD ATTRIBUTE reason_code text;

-- publication of model-based estimates (72_smallarea_policy.sql)
INSERT INTO @extschema@.policy (name, version, kind, params, label_en, label_nl, source, builtin) VALUES
('model_cv', 1, 'model_cv',
 '{"min_areas": 30, "min_n": 5, "publish_max_cv": 16.5, "warn_max_cv": 33.3}',
 'model-based estimates: CV of the root MSE (16.5% / 33.3%), at least 30 areas in the model and 5 respondents in the area',
 'modelschattingen: variatiecoëfficiënt van de wortel van de MSE (16,5% / 33,3%), minstens 30 gebieden in het model en 5 respondenten in het gebied',
 'Rao and Molina (2015), Small Area Estimation, ch. 6; CV bands as Statistics Canada', true);

CREATE FUNCTION @extschema@.model_status(estimate double precision, mse double precision,
		n double precision, areas integer,
		policy text DEFAULT 'model_cv', version integer DEFAULT NULL)
	RETURNS @extschema@.publication
	AS 'MODULE_PATHNAME', 'barometer_model_status'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.model_status(double precision, double precision,
		double precision, integer, text, integer) IS
	'status and reason of a model-based estimate (CV of the root MSE, areas in the model, respondents in the area)';

-- every area of a Fay-Herriot model with its publication status: n holds
-- the respondents of each area (in the order of area), areas the areas with
-- a sample (a non-NULL estimate); every row says estimate_type 'model'
CREATE FUNCTION @extschema@.fay_herriot_publication(area text[], estimate double precision[],
		variance double precision[], n double precision[],
		covariates double precision[] DEFAULT NULL,
		method text DEFAULT 'REML', transform text DEFAULT NULL,
		level double precision DEFAULT 0.95,
		policy text DEFAULT 'model_cv', version integer DEFAULT NULL,
		OUT area text, OUT estimate_type text, OUT in_sample boolean, OUT n double precision,
		OUT estimate double precision, OUT rmse double precision, OUT cv double precision,
		OUT ci_lower double precision, OUT ci_upper double precision,
		OUT status text, OUT reason_en text, OUT reason_nl text,
		OUT policy text, OUT policy_version integer)
	RETURNS SETOF record
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 300
BEGIN ATOMIC
	WITH k AS (
		SELECT pg_catalog.count(*)::integer AS areas
		FROM pg_catalog.unnest(fay_herriot_publication.estimate) e
		WHERE e IS NOT NULL)
	SELECT f.area, 'model', f.in_sample, a.n, f.estimate, f.rmse, f.cv, f.ci_lower, f.ci_upper,
	       s.status, s.reason_en, s.reason_nl, s.policy, s.version
	FROM k
	CROSS JOIN @extschema@.fay_herriot(fay_herriot_publication.area, fay_herriot_publication.estimate,
	                             fay_herriot_publication.variance, fay_herriot_publication.covariates,
	                             fay_herriot_publication.method, fay_herriot_publication.transform,
	                             fay_herriot_publication.level) WITH ORDINALITY AS f
	LEFT JOIN ROWS FROM (pg_catalog.unnest(fay_herriot_publication.area),
	                    pg_catalog.unnest(fay_herriot_publication.n)) AS a(code, n)
	       ON a.code OPERATOR(pg_catalog.=) f.area
	CROSS JOIN LATERAL @extschema@.model_status(f.estimate, f.mse, a.n, k.areas,
		fay_herriot_publication.policy, fay_herriot_publication.version) AS s
	ORDER BY f.ordinality;
END;
COMMENT ON FUNCTION @extschema@.fay_herriot_publication(text[], double precision[], double precision[],
		double precision[], double precision[], text, text, double precision, text, integer) IS
	'Fay-Herriot estimates of every area with their publication status under a model_cv policy (estimate_type model)';
-- whole distributions (26_distributions.sql), identical to the install script
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
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

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

-- tally_psu_sums: strata and PSUs as per-stratum sums of PSU totals (design kind cluster_sums)
CREATE FUNCTION @extschema@.tally_psu_sums_trans(internal, boolean[], double precision, "any", "any", bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_psu_sums_trans_bool'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_psu_sums_trans(internal, double precision[], double precision, "any", "any", bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_psu_sums_trans_num'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_psu_sums_final(internal) RETURNS @extschema@.tally[]
	AS 'MODULE_PATHNAME', 'barometer_tally_psu_sums_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
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
-- The publication status of a total (after 60_publication.sql, whose type it
-- returns): a CV policy (default statcan_cv) or min_respondents
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.total_publication_status(t @extschema@.tally,
		policy text DEFAULT 'statcan_cv', version integer DEFAULT NULL)
	RETURNS @extschema@.publication
	AS 'MODULE_PATHNAME', 'barometer_tally_total_status'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_publication_status(@extschema@.tally, text, integer) IS
	'status and reason of the tally''s total under a CV policy (latest version when NULL)';

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

-------------------------------------------------------------------------------
-- Declared designs (R: svydesign / svrepdesign): declare_design() records a
-- design in barometer.designs and creates a view over the whole source with
-- one handle column, barometer.design_row, computed with window functions
-- partition by partition before any WHERE or GROUP BY; tally(y, handle)
-- then needs nothing else
-------------------------------------------------------------------------------

CREATE TYPE @extschema@.design_row;
CREATE FUNCTION @extschema@.design_row_in(cstring) RETURNS @extschema@.design_row
	AS 'MODULE_PATHNAME', 'barometer_design_row_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.design_row_out(@extschema@.design_row) RETURNS cstring
	AS 'MODULE_PATHNAME', 'barometer_design_row_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.design_row_recv(internal) RETURNS @extschema@.design_row
	AS 'MODULE_PATHNAME', 'barometer_design_row_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.design_row_send(@extschema@.design_row) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_design_row_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.design_row (
	INPUT = @extschema@.design_row_in,
	OUTPUT = @extschema@.design_row_out,
	RECEIVE = @extschema@.design_row_recv,
	SEND = @extschema@.design_row_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = main
);
COMMENT ON TYPE @extschema@.design_row IS
	'a row''s handle of a declared design: weight, units, whole-sample counts, fpc and the design''s identity';

-- the handle constructors the declared views call (not STRICT: a NULL
-- argument is an error naming it)
CREATE FUNCTION @extschema@.design_row_weights(stamp bigint, part text, w double precision,
		n_sample bigint)
	RETURNS @extschema@.design_row AS 'MODULE_PATHNAME', 'barometer_design_row_weights'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.design_row_cluster(stamp bigint, part text, lonely_psu text,
		w double precision, stratum "any", psu "any", n_psu integer, fpc double precision)
	RETURNS @extschema@.design_row AS 'MODULE_PATHNAME', 'barometer_design_row_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.design_row_cluster2(stamp bigint, part text, lonely_psu text,
		w double precision, stratum "any", psu "any", n_psu integer, fpc double precision,
		ssu "any", n_ssu integer, fpc2 double precision)
	RETURNS @extschema@.design_row AS 'MODULE_PATHNAME', 'barometer_design_row_cluster2'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.design_row_stratified(stamp bigint, part text, lonely_psu text,
		w double precision, stratum "any", n_stratum bigint, fpc double precision)
	RETURNS @extschema@.design_row AS 'MODULE_PATHNAME', 'barometer_design_row_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.design_row_rep(stamp bigint, part text, w double precision,
		repw anyarray, spec @extschema@.replicates)
	RETURNS @extschema@.design_row AS 'MODULE_PATHNAME', 'barometer_design_row_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- tally(y, handle)
CREATE FUNCTION @extschema@.tally_trans_declared(internal, boolean, @extschema@.design_row)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_declared(internal, double precision, @extschema@.design_row)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_decl_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_decl_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_decl_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_tally_decl_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_decl_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_decl_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_decl_final(internal) RETURNS @extschema@.tally
	AS 'MODULE_PATHNAME', 'barometer_tally_decl_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.tally(y boolean, d @extschema@.design_row) (
	SFUNC = @extschema@.tally_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_decl_combine,
	SERIALFUNC = @extschema@.tally_decl_serialize, DESERIALFUNC = @extschema@.tally_decl_deserialize,
	FINALFUNC = @extschema@.tally_decl_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally(y double precision, d @extschema@.design_row) (
	SFUNC = @extschema@.tally_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_decl_combine,
	SERIALFUNC = @extschema@.tally_decl_serialize, DESERIALFUNC = @extschema@.tally_decl_deserialize,
	FINALFUNC = @extschema@.tally_decl_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally(boolean, @extschema@.design_row) IS
	'tally of a declared design (barometer.declare_design): the domain rule holds by construction';

-- the catalog of declared designs; user rows are dumped
CREATE TABLE @extschema@.designs (
	name text PRIMARY KEY,			-- the view, schema-qualified and quoted
	source text NOT NULL,			-- the table or view, schema-qualified and quoted
	kind text NOT NULL,				-- weights | stratified | cluster | cluster2 | replicate
	weights text NOT NULL,
	strata text,
	psu text,
	fpc text,						-- a column or a constant
	ssu text,
	fpc2 text,
	lonely_psu text NOT NULL,
	partition_by text[] NOT NULL DEFAULT '{}',
	repweights text,
	replicates @extschema@.replicates,
	materialized boolean NOT NULL,
	handle text NOT NULL,			-- the handle column's name
	stamp bigint NOT NULL UNIQUE,	-- carried by every handle; new at each declaration
	declared_by name NOT NULL DEFAULT CURRENT_USER,
	declared_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.designs IS
	'declared designs (barometer.declare_design): one row per design view';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.designs', '');
GRANT SELECT ON @extschema@.designs TO PUBLIC;
DO $$
BEGIN
	EXECUTE pg_catalog.format('GRANT INSERT, UPDATE, DELETE ON @extschema@.designs TO %I',
		(SELECT pg_catalog.pg_get_userbyid(e.extowner) FROM pg_catalog.pg_extension e
		 WHERE e.extname = 'barometer'));
END $$;

-- a column of the source, checked: its quoted name
CREATE FUNCTION @extschema@.design_column(source regclass, col text, what text)
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $f$
BEGIN
	IF col IS NULL OR col = '' THEN
		RAISE EXCEPTION 'the % column name must not be empty', what
			USING ERRCODE = '22023';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
				   WHERE a.attrelid = source AND a.attname = col
					 AND a.attnum > 0 AND NOT a.attisdropped) THEN
		RAISE EXCEPTION 'column "%" (%) does not exist in %', col, what, source
			USING ERRCODE = '42703',
				  DETAIL = 'Design columns are column names of the source, exactly as spelled there (case included), not expressions.',
				  HINT = 'Add a computed column to a view and declare the design on that view.';
	END IF;
	RETURN pg_catalog.format('s.%I', col);
END
$f$;

-- an fpc: a column of the source or a constant number
CREATE FUNCTION @extschema@.design_fpc(source regclass, fpc text, what text)
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
	v double precision;
BEGIN
	IF fpc IS NULL THEN
		RETURN 'NULL::double precision';
	END IF;
	IF fpc ~ '^\s*[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?\s*$' THEN
		v := fpc::double precision;
		RETURN pg_catalog.format('%L::double precision', v::text);
	END IF;
	RETURN @extschema@.design_column(source, fpc, what) || '::double precision';
END
$f$;

-- a window clause: PARTITION BY the partition columns and the extra keys
-- (and ORDER BY the units below, over the whole partition: rows come out
-- PSU by PSU, which the tally's one-stage accumulation likes)
CREATE FUNCTION @extschema@.design_window(part_list text, extra text[], units text[])
	RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $f$
	SELECT '(' || CASE WHEN keys = '' THEN '' ELSE 'PARTITION BY ' || keys END
		|| CASE WHEN coalesce(pg_catalog.cardinality(units), 0) = 0 THEN ''
			ELSE ' ORDER BY ' || pg_catalog.array_to_string(units, ', ')
				|| ' ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING' END || ')'
	FROM (SELECT pg_catalog.rtrim(part_list || coalesce(pg_catalog.array_to_string(extra, ', '), ''), ', ') AS keys) k
$f$;

CREATE FUNCTION @extschema@.declare_design(name text, source regclass,
		weights text,
		strata text DEFAULT NULL, psu text DEFAULT NULL, fpc text DEFAULT NULL,
		ssu text DEFAULT NULL, fpc2 text DEFAULT NULL,
		lonely_psu text DEFAULT 'fail',
		partition_by text[] DEFAULT NULL,
		repweights text DEFAULT NULL, replicates @extschema@.replicates DEFAULT NULL,
		materialized boolean DEFAULT false,
		handle text DEFAULT 'design',
		or_replace boolean DEFAULT false)
	RETURNS regclass
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
	parts text[];
	vschema text;
	vname text;
	vkey text;
	existing pg_catalog.pg_class%ROWTYPE;
	kind text;
	stamp bigint;
	w text;
	part_expr text := 'NULL::text';
	part_list text := '';
	stratum_expr text;
	skeys text[] := '{}';
	handle_expr text;
	col text;
	sql text;
	rel regclass;
BEGIN
	IF name IS NULL OR source IS NULL OR weights IS NULL THEN
		RAISE EXCEPTION 'name, source and weights must not be NULL'
			USING ERRCODE = '22023';
	END IF;
	-- the view's name: schema.view, or view in the source's schema
	BEGIN
		parts := pg_catalog.parse_ident(name);
	EXCEPTION WHEN invalid_parameter_value THEN
		RAISE EXCEPTION 'invalid design name "%"', name
			USING ERRCODE = '42602', HINT = 'Give view or schema.view (quote identifiers as in SQL).';
	END;
	IF pg_catalog.array_length(parts, 1) = 1 THEN
		SELECT n.nspname INTO vschema FROM pg_catalog.pg_class c
			JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = source;
		vname := parts[1];
	ELSIF pg_catalog.array_length(parts, 1) = 2 THEN
		vschema := parts[1];
		vname := parts[2];
	ELSE
		RAISE EXCEPTION 'invalid design name "%"', name
			USING ERRCODE = '42602', HINT = 'Give view or schema.view.';
	END IF;
	vkey := pg_catalog.format('%I.%I', vschema, vname);
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = source AND c.relpersistence = 't') THEN
		RAISE EXCEPTION 'a declared design needs a permanent source'
			USING ERRCODE = '22023',
				  DETAIL = pg_catalog.format('%s is a temporary table; the catalog barometer.designs would outlive it.', source);
	END IF;
	IF handle IS NULL OR handle = '' THEN
		RAISE EXCEPTION 'the handle column name must not be empty' USING ERRCODE = '22023';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = source
			   AND a.attname = handle AND a.attnum > 0 AND NOT a.attisdropped) THEN
		RAISE EXCEPTION 'the source % already has a column "%"', source, handle
			USING ERRCODE = '42701', HINT = 'Name the handle column otherwise: handle => ''...''.';
	END IF;
	IF lonely_psu IS NULL OR pg_catalog.lower(lonely_psu) <> ALL
			(ARRAY['fail', 'remove', 'certainty', 'adjust', 'average']) THEN
		RAISE EXCEPTION 'unknown lonely PSU policy "%"', lonely_psu
			USING ERRCODE = '22023', HINT = 'Policies: fail, remove, certainty, adjust, average.';
	END IF;

	-- the kind of design, from what is declared
	IF repweights IS NOT NULL OR replicates IS NOT NULL THEN
		IF repweights IS NULL OR replicates IS NULL THEN
			RAISE EXCEPTION 'a replicate design needs both repweights and replicates'
				USING ERRCODE = '22023',
					  HINT = 'For example repweights => ''repw'', replicates => barometer.replicates(''jk1'').';
		END IF;
		IF strata IS NOT NULL OR psu IS NOT NULL OR ssu IS NOT NULL OR fpc IS NOT NULL OR fpc2 IS NOT NULL THEN
			RAISE EXCEPTION 'a replicate design takes no strata, psu, ssu or fpc'
				USING ERRCODE = '22023',
					  DETAIL = 'Replicate weights already carry the design (R: svrepdesign).';
		END IF;
		kind := 'replicate';
	ELSIF ssu IS NOT NULL OR fpc2 IS NOT NULL THEN
		IF psu IS NULL OR ssu IS NULL OR fpc IS NULL OR fpc2 IS NULL THEN
			RAISE EXCEPTION 'a two-stage design needs psu, ssu, fpc and fpc2'
				USING ERRCODE = '22023',
					  HINT = 'Without a first-stage fpc R uses the ultimate cluster: declare psu (and fpc) only.';
		END IF;
		kind := 'cluster2';
	ELSIF psu IS NOT NULL THEN
		kind := 'cluster';
	ELSIF strata IS NOT NULL OR fpc IS NOT NULL THEN
		kind := 'stratified';
	ELSE
		kind := 'weights';
	END IF;

	-- replace only a design (never another relation)
	SELECT c.* INTO existing FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = vschema AND c.relname = vname;
	IF FOUND OR EXISTS (SELECT 1 FROM @extschema@.designs d WHERE d.name = vkey) THEN
		IF NOT or_replace THEN
			RAISE EXCEPTION 'relation % already exists', vkey
				USING ERRCODE = '42P07',
					  HINT = 'Drop the design with barometer.drop_design, or declare it with or_replace => true.';
		END IF;
		IF existing.oid IS NOT NULL AND NOT EXISTS
				(SELECT 1 FROM @extschema@.designs d WHERE d.name = vkey) THEN
			RAISE EXCEPTION '% is not a declared design', vkey
				USING ERRCODE = '42809', DETAIL = 'or_replace replaces declared designs only.';
		END IF;
		IF existing.oid IS NOT NULL THEN
			PERFORM @extschema@.drop_design(existing.oid::regclass);
		END IF;
		-- a catalog row whose view was dropped by hand
		DELETE FROM @extschema@.designs d WHERE d.name = vkey;
	END IF;

	w := @extschema@.design_column(source, weights, 'weights') || '::double precision';
	IF partition_by IS NOT NULL AND pg_catalog.cardinality(partition_by) > 0 THEN
		FOREACH col IN ARRAY partition_by LOOP
			part_list := part_list || @extschema@.design_column(source, col, 'partition_by') || ', ';
		END LOOP;
		part_expr := 'ROW(' || pg_catalog.rtrim(part_list, ', ') || ')::text';
	END IF;
	stamp := ('x' || pg_catalog.substr(pg_catalog.md5(pg_catalog.random()::text ||
			pg_catalog.clock_timestamp()::text || vkey), 1, 16))::bit(64)::bigint;
	stratum_expr := CASE WHEN strata IS NULL THEN '1'
		ELSE @extschema@.design_column(source, strata, 'strata') END;

	IF strata IS NOT NULL THEN
		skeys := ARRAY[stratum_expr];
	END IF;
	handle_expr := CASE kind
		WHEN 'weights' THEN pg_catalog.format(
			'@extschema@.design_row_weights(%s, %s, %s, pg_catalog.count(*) OVER %s)',
			stamp, part_expr, w, @extschema@.design_window(part_list, NULL, NULL))
		WHEN 'stratified' THEN pg_catalog.format(
			'@extschema@.design_row_stratified(%s, %s, %L, %s, %s, pg_catalog.count(*) OVER %s, %s)',
			stamp, part_expr, pg_catalog.lower(lonely_psu), w, stratum_expr,
			@extschema@.design_window(part_list, skeys, NULL), @extschema@.design_fpc(source, fpc, 'fpc'))
		WHEN 'cluster' THEN pg_catalog.format(
			'@extschema@.design_row_cluster(%s, %s, %L, %s, %s, %s, @extschema@.psu_count(%s) OVER %s, %s)',
			stamp, part_expr, pg_catalog.lower(lonely_psu), w, stratum_expr,
			@extschema@.design_column(source, psu, 'psu'), @extschema@.design_column(source, psu, 'psu'),
			@extschema@.design_window(part_list, skeys, ARRAY[@extschema@.design_column(source, psu, 'psu')]),
			@extschema@.design_fpc(source, fpc, 'fpc'))
		WHEN 'cluster2' THEN pg_catalog.format(
			'@extschema@.design_row_cluster2(%s, %s, %L, %s, %s, %s, @extschema@.psu_count(%s) OVER %s, %s, '
			'%s, @extschema@.psu_count(%s) OVER %s, %s)',
			stamp, part_expr, pg_catalog.lower(lonely_psu), w, stratum_expr,
			@extschema@.design_column(source, psu, 'psu'), @extschema@.design_column(source, psu, 'psu'),
			@extschema@.design_window(part_list, skeys, ARRAY[@extschema@.design_column(source, psu, 'psu'),
				@extschema@.design_column(source, ssu, 'ssu')]),
			@extschema@.design_fpc(source, fpc, 'fpc'),
			@extschema@.design_column(source, ssu, 'ssu'), @extschema@.design_column(source, ssu, 'ssu'),
			@extschema@.design_window(part_list, skeys || @extschema@.design_column(source, psu, 'psu'),
				ARRAY[@extschema@.design_column(source, ssu, 'ssu')]),
			@extschema@.design_fpc(source, fpc2, 'fpc2'))
		ELSE pg_catalog.format(
			'@extschema@.design_row_rep(%s, %s, %s, %s, %L::@extschema@.replicates)',
			stamp, part_expr, w, @extschema@.design_column(source, repweights, 'repweights'),
			replicates::text)
		END;

	sql := pg_catalog.format('CREATE %s %I.%I AS SELECT s.*, %s AS %I FROM %s s',
		CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
		vschema, vname, handle_expr, handle, source);
	EXECUTE sql;
	rel := vkey::regclass;
	INSERT INTO @extschema@.designs (name, source, kind, weights, strata, psu, fpc, ssu, fpc2,
			lonely_psu, partition_by, repweights, replicates, materialized, handle, stamp)
		VALUES (vkey, source::text, kind, weights, strata, psu, fpc, ssu, fpc2,
			pg_catalog.lower(lonely_psu), coalesce(partition_by, '{}'), repweights, replicates,
			materialized, handle, stamp);
	RETURN rel;
END
$f$;
COMMENT ON FUNCTION @extschema@.declare_design(text, regclass, text, text, text, text, text, text,
		text, text[], text, @extschema@.replicates, boolean, text, boolean) IS
	'declare a survey design once (R svydesign / svrepdesign): a view with a handle column for tally(y, handle)';

-- drop a declared design: its view and its catalog row
CREATE FUNCTION @extschema@.drop_design(design regclass, cascade boolean DEFAULT false)
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
	d @extschema@.designs%ROWTYPE;
	vkey text;
BEGIN
	SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO vkey
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.oid = design;
	SELECT * INTO d FROM @extschema@.designs x WHERE x.name = vkey;
	IF NOT FOUND THEN
		RAISE EXCEPTION '% is not a declared design', design
			USING ERRCODE = '42704', HINT = 'SELECT name FROM barometer.designs lists the declared designs.';
	END IF;
	EXECUTE pg_catalog.format('DROP %s %s%s',
		CASE WHEN d.materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, vkey,
		CASE WHEN cascade THEN ' CASCADE' ELSE '' END);
	DELETE FROM @extschema@.designs x WHERE x.name = vkey;
END
$f$;

-- declare a design again from its catalog row (a new stamp), for example
-- after columns were added to the source
CREATE FUNCTION @extschema@.redeclare_design(design regclass)
	RETURNS regclass
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $f$
DECLARE
	d @extschema@.designs%ROWTYPE;
	vkey text;
BEGIN
	SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO vkey
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.oid = design;
	SELECT * INTO d FROM @extschema@.designs x WHERE x.name = vkey;
	IF NOT FOUND THEN
		RAISE EXCEPTION '% is not a declared design', design
			USING ERRCODE = '42704', HINT = 'SELECT name FROM barometer.designs lists the declared designs.';
	END IF;
	RETURN @extschema@.declare_design(d.name, d.source::regclass, d.weights,
		strata => d.strata, psu => d.psu, fpc => d.fpc, ssu => d.ssu, fpc2 => d.fpc2,
		lonely_psu => d.lonely_psu, partition_by => d.partition_by,
		repweights => d.repweights, replicates => d.replicates,
		materialized => d.materialized, handle => d.handle, or_replace => true);
END
$f$;
-- Calibration of design weights to population totals (R survey 4.1.1:
-- calibrate, postStratify, rake), as window functions over the sample:
--
--   SELECT id, barometer.calibrate(w, ARRAY[nis, agesex, origin], NULL,
--            (SELECT array_agg(t) FROM pop_totals t), 'raking') OVER () AS w_cal
--   FROM respondents;
--
-- totals: one barometer.calibration_total per level of every margin
-- (margin = position in the levels array) and one per auxiliary number
-- (margin = position in the aux array, level NULL).
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.calibration_total AS (
	margin integer,
	level text,
	total double precision
);
COMMENT ON TYPE @extschema@.calibration_total IS
	'population total of one level of a calibration margin (margin = position in the levels array), or of an auxiliary number (level NULL, margin = position in the aux array)';

CREATE FUNCTION @extschema@.calibrate(w double precision, levels text[],
		aux double precision[], totals @extschema@.calibration_total[],
		method text DEFAULT 'linear', lower double precision DEFAULT NULL,
		upper double precision DEFAULT NULL, epsilon double precision DEFAULT NULL,
		maxit integer DEFAULT NULL, force boolean DEFAULT false)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibrate'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibrate(double precision, text[], double precision[],
		@extschema@.calibration_total[], text, double precision, double precision,
		double precision, integer, boolean) IS
	'window function: the calibrated weight of the row (R weights(calibrate(...)), postStratify, rake); the partition is the sample';

-- The linearized value of the calibrated mean of y in a domain: a tally of
-- it over the whole sample (weights w_cal, the design's strata and PSUs)
-- gives the calibrated estimate with R's linearized variance.
CREATE FUNCTION @extschema@.calibration_residual(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain boolean DEFAULT true)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibration_residual'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residual(double precision, double precision,
		double precision, text[], double precision[], boolean) IS
	'window function: the linearized value of the calibrated mean of y in the domain (R svyrecvar with the calibration); tally it over the whole sample with w_cal';

-- The same for a stratified and clustered design: stratum and psu as in the
-- tally the values go into (NULL stratum: one stratum; NULL psu: the row).
CREATE FUNCTION @extschema@.calibration_residual(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain boolean, stratum "any", psu "any")
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibration_residual'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residual(double precision, double precision,
		double precision, text[], double precision[], boolean, "any", "any") IS
	'window function: the linearized value of the calibrated mean of y in the domain under a stratified clustered design (R svyrecvar with the calibration); tally it over the whole sample with w_cal and the same strata and PSUs';

-- Replicate weights recalibrated (R's calibrate, postStratify and rake on an
-- svyrep.design with combined weights): every replicate calibrated to the
-- same totals by the same method; the full-sample weight from calibrate().
CREATE FUNCTION @extschema@.calibrate_replicates(w double precision,
		repw double precision[], levels text[], aux double precision[],
		totals @extschema@.calibration_total[], method text DEFAULT 'linear',
		lower double precision DEFAULT NULL, upper double precision DEFAULT NULL,
		epsilon double precision DEFAULT NULL, maxit integer DEFAULT NULL,
		force boolean DEFAULT false)
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_calibrate_replicates'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibrate_replicates(double precision, double precision[],
		text[], double precision[], @extschema@.calibration_total[], text, double precision,
		double precision, double precision, integer, boolean) IS
	'window function: the row''s replicate weights, each replicate calibrated to the totals (R calibrate on an svyrep.design)';

-- Many domains in one pass: the row's domain label, the list of domains
-- (a constant); element k of the result is calibration_residual for
-- domains[k] (NULL where that domain has no weight).  stratum and psu as in
-- calibration_residual (NULL: one stratum; the row its own PSU).
CREATE FUNCTION @extschema@.calibration_residuals(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain text, domains text[], stratum "any", psu "any")
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_calibration_residuals'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residuals(double precision, double precision,
		double precision, text[], double precision[], text, text[], "any", "any") IS
	'window function: the linearized values of the calibrated mean of y in every listed domain (element k: domains[k]), in one pass; tally element k over the whole sample with w_cal';

-- The same for a design made with rake() (R's variance: svyrecvar's 10
-- backfitting passes over rake's post-stratifications): the totals and
-- rake's epsilon and maxit as given to calibrate(..., 'rake'), from which
-- the last sweep is redone.  Any other method: the 8-argument form.
CREATE FUNCTION @extschema@.calibration_residual(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain boolean, stratum "any", psu "any",
		totals @extschema@.calibration_total[], method text,
		epsilon double precision DEFAULT NULL, maxit integer DEFAULT NULL)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibration_residual'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residual(double precision, double precision,
		double precision, text[], double precision[], boolean, "any", "any",
		@extschema@.calibration_total[], text, double precision, integer) IS
	'window function: the linearized value of the calibrated mean of y in the domain; method rake: R''s variance of a rake() design (svyrecvar''s backfitting), from the totals and rake''s epsilon and maxit';

-- Many domains of a design made with rake(): as calibration_residuals, with
-- the totals, method and rake's epsilon and maxit as calibration_residual's
-- rake form takes them.
CREATE FUNCTION @extschema@.calibration_residuals(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain text, domains text[], stratum "any", psu "any",
		totals @extschema@.calibration_total[], method text,
		epsilon double precision DEFAULT NULL, maxit integer DEFAULT NULL)
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_calibration_residuals'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residuals(double precision, double precision,
		double precision, text[], double precision[], text, text[], "any", "any",
		@extschema@.calibration_total[], text, double precision, integer) IS
	'window function: the linearized values of the calibrated mean of y in every listed domain; method rake: R''s variance of a rake() design';

-- R's calibrate(..., variance = ): heteroscedastic calibration, the row's
-- sigma2 (finite, positive; R's per-row form, or sigma2 = m' lambda
-- computed by the caller); linear, raking and logit.
CREATE FUNCTION @extschema@.calibrate(w double precision, levels text[],
		aux double precision[], totals @extschema@.calibration_total[],
		method text, lower double precision, upper double precision,
		epsilon double precision, maxit integer, force boolean,
		variance double precision)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibrate'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibrate(double precision, text[], double precision[],
		@extschema@.calibration_total[], text, double precision, double precision,
		double precision, integer, boolean, double precision) IS
	'window function: the calibrated weight of the row under R''s heteroscedastic calibration (calibrate(..., variance = ))';

-- The linearized value after unbounded linear calibration with variance
-- (R's regcalibrate: the regression weighted d / sigma2); for the other
-- methods R's variance does not use sigma2 (the 8-argument form).
CREATE FUNCTION @extschema@.calibration_residual(y double precision,
		w double precision, w_cal double precision, levels text[],
		aux double precision[], domain boolean, stratum "any", psu "any",
		variance double precision)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'barometer_calibration_residual'
	LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibration_residual(double precision, double precision,
		double precision, text[], double precision[], boolean, "any", "any", double precision) IS
	'window function: the linearized value of the calibrated mean of y in the domain after unbounded linear calibration with variance (R regcalibrate with lambda)';

-------------------------------------------------------------------------------
-- The estimators of a declared design (barometer.declare_design): the
-- ratio, the quantiles and the distribution take the design handle in place
-- of the design columns, and equal the explicit forms bit for bit.  Their
-- states keep the handle's identity, so a group that mixes two designs,
-- two declarations or two partitions is an error (22023), also when a
-- parallel plan combines partial states.
-------------------------------------------------------------------------------

-- tally_ratio(y, x, handle): the declared tally's state and final function
CREATE FUNCTION @extschema@.tally_ratio_trans_declared(internal, double precision,
		double precision, @extschema@.design_row)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.tally_ratio(y double precision, x double precision,
		d @extschema@.design_row) (
	SFUNC = @extschema@.tally_ratio_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_decl_combine,
	SERIALFUNC = @extschema@.tally_decl_serialize, DESERIALFUNC = @extschema@.tally_decl_deserialize,
	FINALFUNC = @extschema@.tally_decl_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally_ratio(double precision, double precision, @extschema@.design_row) IS
	'ratio sum w y / sum w x (R svyratio) of a declared design (barometer.declare_design)';

-- quantile(y, handle, p) and quantile(y, handle, p[], level): the explicit
-- quantile's state, combine, serialisation and final functions
CREATE FUNCTION @extschema@.quantile_trans_declared(internal, double precision,
		@extschema@.design_row, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, d @extschema@.design_row,
		p double precision) (
	SFUNC = @extschema@.quantile_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, @extschema@.design_row, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math") of a declared design';
CREATE FUNCTION @extschema@.quantile_trans_declared(internal, double precision,
		@extschema@.design_row, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, d @extschema@.design_row,
		p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, @extschema@.design_row, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math") of a declared design';

-------------------------------------------------------------------------------
-- distribution(item, categories, excluded, handle): the distribution of a
-- declared design (barometer.declare_design), bit for bit the explicit
-- forms; the explicit distribution's state, combine, serialisation and
-- final functions (after 26_distributions.sql, which defines them; the
-- ratio and the quantiles of a declared design are in
-- 24_declared_estimators.sql)
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.distribution_trans_declared(internal, integer, integer[], integer[],
		@extschema@.design_row)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.distribution(item integer, categories integer[], excluded integer[],
		d @extschema@.design_row) (
	SFUNC = @extschema@.distribution_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.distribution(integer, integer[], integer[], @extschema@.design_row) IS
	'the distribution of item over categories (excluded codes and NULL: missing) of a declared design';

-- the final functions of the declared aggregates check barometer.designs
-- (a handle of a dropped or redeclared design is an error): STABLE
CREATE OR REPLACE FUNCTION @extschema@.tally_decl_final(internal) RETURNS @extschema@.tally
	AS 'MODULE_PATHNAME', 'barometer_tally_decl_final'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.quantile_final(internal) RETURNS @extschema@.quantile_estimate
	AS 'MODULE_PATHNAME', 'barometer_quantile_final'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.quantile_final_array(internal) RETURNS @extschema@.quantile_estimate[]
	AS 'MODULE_PATHNAME', 'barometer_quantile_final'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.distribution_final(internal) RETURNS @extschema@.distribution
	AS 'MODULE_PATHNAME', 'barometer_distribution_final'
	LANGUAGE C STABLE PARALLEL SAFE;
-------------------------------------------------------------------------------
-- What version 3 of the stored form (0.2) adds to a tally: a proportion's
-- count of TRUE answers, and the rank of a replicate tally's replicate
-- weights (R's degf + 1, the default df of its intervals).
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.n_true(t @extschema@.tally) RETURNS bigint
	AS 'MODULE_PATHNAME', 'barometer_tally_n_true'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.n_true(@extschema@.tally) IS
	'rows with y TRUE of a proportion (any weight; NULL for a mean, a ratio or a value stored before 0.2)';

CREATE FUNCTION @extschema@.replicate_rank(t @extschema@.tally) RETURNS integer
	AS 'MODULE_PATHNAME', 'barometer_tally_replicate_rank'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.replicate_rank(@extschema@.tally) IS
	'qr rank of the replicate weights of a replicate tally''s domain (R''s degf + 1); NULL when not tracked';
