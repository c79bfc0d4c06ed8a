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
