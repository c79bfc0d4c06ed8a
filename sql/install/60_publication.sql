
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

-- user rows survive pg_dump; the shipped rows come back with the extension,
-- so outside the extension's scripts they cannot be changed, and no user
-- row can claim to be shipped (src/policy_guard.c)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.policy', 'WHERE NOT builtin');
CREATE FUNCTION @extschema@.policy_protect() RETURNS trigger
	AS 'MODULE_PATHNAME', 'barometer_policy_protect'
	LANGUAGE C;
CREATE TRIGGER policy_protect BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.policy
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_protect();
CREATE TRIGGER policy_protect_truncate BEFORE TRUNCATE ON @extschema@.policy
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_protect();
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
	version integer,
	reason_code text		-- stable code of the rule (0.2; see barometer.reason_code)
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

-------------------------------------------------------------------------------
-- Tables protected against an integer intruder (0.2): protection levels per
-- cell, cost functions, the optimal mode with a time limit, linked tables of
-- different dimensions, and publishable output (doc/protection.md)
-------------------------------------------------------------------------------
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
