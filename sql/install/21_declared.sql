
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
	LANGUAGE C STABLE PARALLEL SAFE;
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
