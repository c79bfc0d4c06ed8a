-- declared designs (barometer.declare_design, tally(y, handle)): the
-- declared form equals the explicit form bit for bit (the stored tally and
-- the float8 bits of estimate, variance and df) for every design kind,
-- under GROUP BY, GROUPING SETS and a WHERE on the view; parallel = serial;
-- the domain rule by construction; mixed designs and partitions refused;
-- the catalog, drop and redeclare; declaration errors; the handle's text form
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(95);

-- two editions (separate samples); 6 strata of 5 PSUs of 3 SSUs, except
-- stratum 5 of 2021, one PSU (lonely); NULLs in y and q
CREATE TABLE resp AS
SELECT i AS id,
       2020 + i % 2 AS edition,
       (i / 2) % 6 AS stratum,
       CASE WHEN (i / 2) % 6 = 5 AND i % 2 = 1 THEN 50 ELSE ((i / 2) % 6) * 10 + (i / 12) % 5 END AS psu,
       (i / 60) % 3 AS ssu,
       (i * 7919) % 5 AS origin,
       (i * 31) % 3 AS region,
       CASE WHEN i % 23 = 0 THEN NULL ELSE (i * 2654435761) % 1000 < 300 + 40 * ((i / 2) % 6) END AS y,
       CASE WHEN i % 29 = 0 THEN NULL ELSE ((i * 40499) % 101) / 7.0 END AS q,
       0.5 + ((i * 40503) % 997) / 199.4 AS w,
       0.05 + ((i / 2) % 6) / 100.0 AS fpc_frac,
       20 + (i / 2) % 6 AS fpc_psu,
       6 AS fpc_ssu,
       ARRAY[(0.5 + ((i * 40503) % 997) / 199.4) * (1 + ((i * 3) % 7 - 3) / 10.0),
             (0.5 + ((i * 40503) % 997) / 199.4) * (1 + ((i * 5) % 7 - 3) / 10.0),
             (0.5 + ((i * 40503) % 997) / 199.4) * (1 + ((i * 11) % 7 - 3) / 10.0),
             (0.5 + ((i * 40503) % 997) / 199.4) * (1 + ((i * 13) % 7 - 3) / 10.0)]::float8[] AS repw
FROM generate_series(1, 4800) AS i;
ALTER TABLE resp ADD COLUMN repw4 real[];
UPDATE resp SET repw4 = repw::real[];
ALTER TABLE resp SET (parallel_workers = 2);
ANALYZE resp;

-- the declared designs, one per kind, all with partition_by edition
DO $d$ BEGIN PERFORM barometer.declare_design('d_w', 'resp', weights => 'w', partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_s', 'resp', weights => 'w', strata => 'stratum', fpc => 'fpc_frac',
	partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_f', 'resp', weights => 'w', fpc => '0.05', partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_c', 'resp', weights => 'w', strata => 'stratum', psu => 'psu',
	fpc => 'fpc_psu', lonely_psu => 'adjust', partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_p', 'resp', weights => 'w', psu => 'psu', partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_2', 'resp', weights => 'w', strata => 'stratum', psu => 'psu',
	fpc => 'fpc_psu', ssu => 'ssu', fpc2 => 'fpc_ssu', lonely_psu => 'remove',
	partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_r', 'resp', weights => 'w', repweights => 'repw',
	replicates => barometer.replicates('jk1'), partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_r4', 'resp', weights => 'w', repweights => 'repw4',
	replicates => barometer.replicates('fay', rho => 0.5, mse => true), partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_m', 'resp', weights => 'w', strata => 'stratum', psu => 'psu',
	fpc => 'fpc_psu', lonely_psu => 'adjust', partition_by => ARRAY['edition'], materialized => true); END $d$;

-- the explicit forms, with the README's windows over the whole sample
CREATE VIEW e_w AS SELECT r.*, count(*) OVER (PARTITION BY r.edition) AS n_sample FROM resp r;
CREATE VIEW e_s AS SELECT r.*, count(*) OVER (PARTITION BY r.edition, r.stratum) AS n_stratum FROM resp r;
CREATE VIEW e_f AS SELECT r.*, count(*) OVER (PARTITION BY r.edition) AS n_stratum FROM resp r;
CREATE VIEW e_c AS SELECT r.*, barometer.psu_count(r.psu) OVER (PARTITION BY r.edition, r.stratum ORDER BY r.psu
	ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_psu FROM resp r;
CREATE VIEW e_c_readme AS SELECT r.*, barometer.psu_count(r.psu) OVER (PARTITION BY r.edition, r.stratum) AS n_psu FROM resp r;
CREATE VIEW e_p AS SELECT r.*, barometer.psu_count(r.psu) OVER (PARTITION BY r.edition ORDER BY r.psu
	ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_psu FROM resp r;
CREATE VIEW e_2 AS SELECT r.*, barometer.psu_count(r.psu) OVER (PARTITION BY r.edition, r.stratum ORDER BY r.psu, r.ssu
	ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_psu,
	barometer.psu_count(r.ssu) OVER (PARTITION BY r.edition, r.stratum, r.psu ORDER BY r.ssu
	ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_ssu FROM resp r;
CREATE TABLE e_m AS SELECT * FROM e_c;

-- cells of a declared query qd and an explicit query qe (columns k, t), and
-- those whose stored tally or estimate, variance, df bits differ
CREATE FUNCTION pg_temp.diffs(qd text, qe text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE format($q$
		SELECT format('%%s cells, %%s differ', count(*), count(*) FILTER (WHERE
			d.t IS NULL OR e.t IS NULL OR d.t::text <> e.t::text
			OR float8send(barometer.estimate(d.t)) <> float8send(barometer.estimate(e.t))
			OR float8send(barometer.variance(d.t)) IS DISTINCT FROM float8send(barometer.variance(e.t))
			OR float8send(barometer.df(d.t)) IS DISTINCT FROM float8send(barometer.df(e.t))))
		FROM (%s) d FULL JOIN (%s) e ON d.k = e.k$q$, qd, qe) INTO r;
	RETURN r;
END $$;

-- four queries per design: y boolean and double precision by edition x
-- origin, GROUPING SETS, and a WHERE on the view
-- agg: the aggregate call with $y for the variable
CREATE FUNCTION pg_temp.check_kind(dv text, ev text, agg text, what text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	qs text[] := ARRAY[
		'SELECT concat_ws(''/'', edition, origin) AS k, $agg_y AS t FROM $rel GROUP BY edition, origin',
		'SELECT concat_ws(''/'', edition, origin) AS k, $agg_q AS t FROM $rel GROUP BY edition, origin',
		'SELECT concat_ws(''/'', GROUPING(edition, origin, region), edition, origin, region) AS k, $agg_y AS t FROM $rel GROUP BY GROUPING SETS ((edition, origin), (edition, region), (edition))',
		'SELECT concat_ws(''/'', edition, region) AS k, $agg_y AS t FROM $rel WHERE origin <> 3 AND id % 7 <> 0 GROUP BY edition, region'];
	cells int[] := ARRAY[10, 10, 18, 6];
	names text[] := ARRAY['by edition x origin', 'by edition x origin, y double precision',
		'GROUPING SETS', 'WHERE on the view'];
	i int;
BEGIN
	FOR i IN 1 .. 4 LOOP
		RETURN NEXT is(pg_temp.diffs(
			replace(replace(replace(qs[i], '$agg_y', 'barometer.tally(y, design)'), '$agg_q', 'barometer.tally(q, design)'), '$rel', dv),
			replace(replace(replace(qs[i], '$agg_y', replace(agg, '$y', 'y')), '$agg_q', replace(agg, '$y', 'q')), '$rel', ev)),
			format('%s cells, 0 differ', cells[i]),
			format('%s: declared = explicit bit for bit, %s', what, names[i]));
	END LOOP;
END $$;

SELECT pg_temp.check_kind('d_w', 'e_w', 'barometer.tally($y, w, n_sample)', 'weights only');
SELECT pg_temp.check_kind('d_s', 'e_s', 'barometer.tally_stratified($y, w, stratum, n_stratum, fpc_frac, ''fail'')', 'stratified with fpc');
SELECT pg_temp.check_kind('d_f', 'e_f', 'barometer.tally_stratified($y, w, 1, n_stratum, 0.05)', 'fpc without strata');
SELECT pg_temp.check_kind('d_c', 'e_c', 'barometer.tally($y, w, stratum, psu, n_psu, fpc_psu, ''adjust'')', 'strata, PSUs, fpc, lonely adjust');
SELECT pg_temp.check_kind('d_p', 'e_p', 'barometer.tally($y, w, 1, psu, n_psu, NULL)', 'PSUs without strata');
SELECT pg_temp.check_kind('d_2', 'e_2', 'barometer.tally($y, w, stratum, psu, n_psu, fpc_psu, ssu, n_ssu, fpc_ssu, ''remove'')', 'two stages, fpc at both');
SELECT pg_temp.check_kind('d_r', 'resp', 'barometer.tally($y, w, repw, barometer.replicates(''jk1''))', 'replicate weights jk1');
SELECT pg_temp.check_kind('d_r4', 'resp', 'barometer.tally($y, w, repw4, barometer.replicates(''fay'', rho => 0.5, mse => true))', 'replicate weights real[], Fay');
SELECT pg_temp.check_kind('d_m', 'e_m', 'barometer.tally($y, w, stratum, psu, n_psu, fpc_psu, ''adjust'')', 'materialized design');

-- the README's explicit form (windows without ORDER BY: rows in another
-- order) agrees to rounding
SELECT is((SELECT count(*) FROM
	(SELECT edition, origin, barometer.tally(y, design) AS t FROM d_c GROUP BY 1, 2) d JOIN
	(SELECT edition, origin, barometer.tally(y, w, stratum, psu, n_psu, fpc_psu, 'adjust') AS t FROM e_c_readme GROUP BY 1, 2) e
	USING (edition, origin)
	WHERE abs(barometer.estimate(d.t) - barometer.estimate(e.t)) <= 1e-15 * barometer.estimate(d.t)
	  AND abs(barometer.se(d.t) - barometer.se(e.t)) <= 1e-14 * barometer.se(d.t)
	  AND barometer.df(d.t) = barometer.df(e.t)), 10::bigint,
	'the README form in any row order agrees (estimate 1e-15, se 1e-14)');
SELECT diag(pg_temp.diffs('SELECT concat_ws(''/'', edition, origin) AS k, barometer.tally(y, design) AS t FROM d_c GROUP BY edition, origin',
	'SELECT concat_ws(''/'', edition, origin) AS k, barometer.tally(y, w, stratum, psu, n_psu, fpc_psu, ''adjust'') AS t FROM e_c_readme GROUP BY edition, origin')
	|| ' bit for bit against the README form (rows in another order: last bits)');

-- the numbers are not trivial
SELECT ok(count(*) = 10 AND min(barometer.se(t)) > 0 AND count(DISTINCT barometer.se(t)) = 10,
	'the clustered cells have 10 distinct positive standard errors')
FROM (SELECT barometer.tally(y, design) AS t FROM d_c GROUP BY edition, origin) x;
SELECT is((SELECT barometer.df(barometer.tally(y, design)) FROM d_2 WHERE edition = 2020),
	24::float8, 'df of a whole edition: 30 PSUs - 6 strata');

-- the domain rule by construction: a WHERE on the view is a domain
SELECT is((SELECT barometer.tally(y, design)::text FROM d_c WHERE edition = 2020 AND origin = 1),
	(SELECT barometer.tally(y, design)::text FROM d_c WHERE edition = 2020 GROUP BY origin HAVING origin = 1),
	'a WHERE on the view gives the domain''s tally of the GROUP BY, bit for bit');
CREATE VIEW resp_o1 AS SELECT * FROM resp WHERE origin = 1;
DO $d$ BEGIN PERFORM barometer.declare_design('d_o1', 'resp_o1', weights => 'w', strata => 'stratum', psu => 'psu',
	fpc => 'fpc_psu', lonely_psu => 'adjust', partition_by => ARRAY['edition']); END $d$;
SELECT ok((SELECT barometer.se(barometer.tally(y, design)) FROM d_c WHERE edition = 2020 AND origin = 1)
	<> (SELECT barometer.se(barometer.tally(y, design)) FROM d_o1 WHERE edition = 2020),
	'a design declared on filtered rows is another sample (another standard error)');
SELECT is((SELECT barometer.n(barometer.tally(y, design)) FROM d_w WHERE edition = 2021 AND region = 2),
	(SELECT count(y) FROM resp WHERE edition = 2021 AND region = 2),
	'n of a domain of the weights-only design');

-- mixing partitions or designs in one cell is refused
SELECT throws_ok('SELECT origin, barometer.tally(y, design) FROM d_c GROUP BY origin', '22023',
	'a tally cannot mix rows of separate samples of a declared design',
	'a cell over two editions (partition_by forgotten in GROUP BY) is an error');
SELECT throws_ok('SELECT barometer.tally(y, design) FROM d_r', '22023',
	'a tally cannot mix rows of separate samples of a declared design',
	'the same for a replicate design');
SELECT throws_ok('SELECT barometer.tally(y, design) FROM (SELECT y, design FROM d_c WHERE edition = 2020
	UNION ALL SELECT y, design FROM d_m WHERE edition = 2020) x', '22023',
	'a tally cannot mix rows of two declared designs',
	'rows of two designs in one cell are an error');
SELECT lives_ok('SELECT edition, barometer.tally(y, design) FROM d_c GROUP BY edition',
	'grouping by the partition is fine');

-- parallel = serial (materialized design, Partial Aggregate)
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE ser AS SELECT edition, origin, barometer.tally(y, design) AS t FROM d_m GROUP BY edition, origin;
CREATE TEMP TABLE ser_r AS SELECT edition, origin, barometer.tally(y, design) AS t FROM d_r GROUP BY edition, origin;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL enable_hashagg = off;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
	RETURN acc;
END $$;
SELECT matches(pg_temp.plan_of('SELECT edition, origin, barometer.tally(y, design) FROM d_m GROUP BY edition, origin'),
	'Partial (Group)?Aggregate', 'the declared tally runs as a Partial Aggregate');
CREATE TEMP TABLE par AS SELECT edition, origin, barometer.tally(y, design) AS t FROM d_m GROUP BY edition, origin;
SELECT throws_ok('SELECT origin, barometer.tally(y, design) FROM d_m GROUP BY origin', '22023',
	'a tally cannot mix rows of separate samples of a declared design',
	'mixed editions are refused in a parallel plan too');
RESET enable_hashagg;
RESET max_parallel_workers_per_gather;
SELECT is((SELECT count(*) FROM ser s JOIN par p USING (edition, origin)
	WHERE barometer.estimate(s.t) = barometer.estimate(p.t)
	  AND abs(barometer.se(s.t) - barometer.se(p.t)) <= 1e-12 * barometer.se(s.t)
	  AND barometer.df(s.t) = barometer.df(p.t)), 10::bigint,
	'parallel = serial for the declared clustered design (estimate and df equal, se rel 1e-12)');

-- the catalog
SELECT is((SELECT array_agg(kind ORDER BY name) FROM barometer.designs WHERE name LIKE 'public.%'),
	ARRAY['cluster2', 'cluster', 'stratified', 'cluster', 'cluster', 'cluster', 'replicate', 'replicate', 'stratified', 'weights'],
	'barometer.designs lists the designs and their kinds');
SELECT is((SELECT relkind::text FROM pg_class WHERE oid = 'd_m'::regclass), 'm', 'materialized => true makes a materialized view');
SELECT is((SELECT partition_by FROM barometer.designs WHERE name = 'public.d_c'), ARRAY['edition'], 'the partition is recorded');
SELECT ok((SELECT extcondition IS NOT NULL FROM pg_extension WHERE extname = 'barometer')
	AND 'barometer.designs'::regclass = ANY ((SELECT extconfig FROM pg_extension WHERE extname = 'barometer')::oid[]::regclass[]),
	'barometer.designs is dumped (pg_extension_config_dump)');
CREATE TEMP TABLE before AS SELECT stamp FROM barometer.designs WHERE name = 'public.d_c';
CREATE TEMP TABLE before_t AS SELECT edition, origin, barometer.tally(y, design) AS t FROM d_c GROUP BY edition, origin;
SELECT is(barometer.redeclare_design('d_c')::text, 'd_c', 'redeclare_design rebuilds the view');
SELECT isnt((SELECT stamp FROM barometer.designs WHERE name = 'public.d_c'), (SELECT stamp FROM before),
	'a redeclared design has a new stamp');
SELECT is((SELECT count(*) FROM before_t b JOIN (SELECT edition, origin, barometer.tally(y, design) AS t FROM d_c
		GROUP BY edition, origin) a USING (edition, origin) WHERE a.t::text = b.t::text), 10::bigint,
	'and the same tallies');
ALTER TABLE resp ADD COLUMN extra integer DEFAULT 7;
DO $d$ BEGIN PERFORM barometer.redeclare_design('d_w'); END $d$;
SELECT is((SELECT count(*) FROM pg_attribute WHERE attrelid = 'd_w'::regclass AND attname = 'extra'),
	1::bigint, 'redeclare_design picks up a column added to the source');
SELECT lives_ok($$SELECT barometer.declare_design('d_c', 'resp', weights => 'w', psu => 'psu',
	partition_by => ARRAY['edition'], or_replace => true)$$, 'or_replace => true replaces a design');
SELECT is((SELECT kind FROM barometer.designs WHERE name = 'public.d_c'), 'cluster', 'the replaced row');
SELECT lives_ok($$SELECT barometer.drop_design('d_p')$$, 'drop_design');
SELECT ok(to_regclass('d_p') IS NULL AND NOT EXISTS (SELECT 1 FROM barometer.designs WHERE name = 'public.d_p'),
	'drop_design drops the view and the catalog row');
CREATE SCHEMA "odd schema";
CREATE TABLE "odd schema"."Resp ""x""" AS SELECT id, edition, w AS "My ""w""", y FROM resp;
SELECT is(barometer.declare_design('"odd schema"."Design ""1"""', '"odd schema"."Resp ""x"""',
	weights => 'My "w"', partition_by => ARRAY['edition'])::text, '"odd schema"."Design ""1"""',
	'identifiers that need quoting are quoted');
SELECT is((SELECT barometer.tally(y, design)::text FROM "odd schema"."Design ""1""" WHERE edition = 2020),
	(SELECT barometer.tally(y, design)::text FROM d_w WHERE edition = 2020),
	'and the design works');
SELECT throws_ok($$SELECT barometer.declare_design('x; DROP TABLE resp', 'resp', weights => 'w')$$,
	'42602', NULL, 'a name that is not an identifier is rejected');
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp', weights => 'w); DROP TABLE resp; --')$$,
	'42703', NULL, 'a column that is not a column (an expression) is rejected');

-- declaration errors
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp', weights => 'wt')$$, '42703',
	'column "wt" (weights) does not exist in public.resp', 'unknown weights column');
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp', weights => 'w', strata => 'Stratum')$$, '42703',
	'column "Stratum" (strata) does not exist in public.resp', 'column names are case-sensitive');
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp', weights => 'w', partition_by => ARRAY['year'])$$, '42703',
	'column "year" (partition_by) does not exist in public.resp', 'unknown partition column');
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp', weights => 'w', psu => 'psu', lonely_psu => 'drop')$$,
	'22023', 'unknown lonely PSU policy "drop"', 'unknown lonely PSU policy');
SELECT throws_ok($$SELECT barometer.declare_design('d_w', 'resp', weights => 'w')$$, '42P07',
	'relation public.d_w already exists', 'an existing design is not replaced silently');
SELECT throws_ok($$SELECT barometer.declare_design('resp_o1', 'resp', weights => 'w', or_replace => true)$$, '42809',
	'public.resp_o1 is not a declared design', 'or_replace never replaces another relation');
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp', weights => 'w', strata => 'stratum',
	repweights => 'repw', replicates => barometer.replicates('jk1'))$$, '22023',
	'a replicate design takes no strata, psu, ssu or fpc', 'replicate weights with strata');
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp', weights => 'w', repweights => 'repw')$$, '22023',
	'a replicate design needs both repweights and replicates', 'replicate weights without their specification');
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp', weights => 'w', psu => 'psu', ssu => 'ssu', fpc => 'fpc_psu')$$,
	'22023', 'a two-stage design needs psu, ssu, fpc and fpc2', 'two stages without fpc2');
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp', weights => 'w', handle => 'y')$$, '42701',
	'the source public.resp already has a column "y"', 'a handle name that is a source column');
SELECT throws_ok($$SELECT barometer.drop_design('resp')$$, '42704',
	'public.resp is not a declared design', 'drop_design drops declared designs only');
CREATE TEMP TABLE resp_tmp AS SELECT * FROM resp LIMIT 10;
SELECT throws_ok($$SELECT barometer.declare_design('x', 'resp_tmp', weights => 'w')$$, '22023',
	'a declared design needs a permanent source', 'a temporary source is refused');
SELECT throws_ok($$SELECT barometer.declare_design('x', 'no_such_table', weights => 'w')$$, '42P01',
	NULL, 'unknown source');

-- the lonely PSU policy travels with the design: fail reads no variance
DO $d$ BEGIN PERFORM barometer.declare_design('d_fail', 'resp', weights => 'w', strata => 'stratum', psu => 'psu',
	partition_by => ARRAY['edition']); END $d$;
SELECT throws_ok('SELECT barometer.se(barometer.tally(y, design)) FROM d_fail WHERE edition = 2021', '22023', NULL,
	'lonely_psu fail: the variance of a sample with a lonely stratum is an error');
SELECT is((SELECT barometer.estimate(barometer.tally(y, design)) FROM d_fail WHERE edition = 2021),
	(SELECT barometer.estimate(barometer.tally(y, design)) FROM d_c WHERE edition = 2021),
	'and the estimate is still read');

-- a role that may not write the catalog cannot declare (and leaves nothing)
CREATE ROLE barometer_39_analyst;
GRANT CREATE ON SCHEMA public TO barometer_39_analyst;
GRANT SELECT ON resp TO barometer_39_analyst;
SET LOCAL ROLE barometer_39_analyst;
SELECT throws_ok($$SELECT barometer.declare_design('d_denied', 'resp', weights => 'w')$$, '42501', NULL,
	'declaring needs INSERT on barometer.designs');
RESET ROLE;
SELECT ok(to_regclass('d_denied') IS NULL, 'and the failed declaration leaves no view');

-- bad data surfaces with the explicit aggregates' errors
CREATE TABLE resp_bad AS SELECT * FROM resp;
UPDATE resp_bad SET w = NULL WHERE id = 17;
DO $d$ BEGIN PERFORM barometer.declare_design('d_bad', 'resp_bad', weights => 'w', strata => 'stratum', psu => 'psu'); END $d$;
SELECT throws_ok('SELECT barometer.tally(y, design) FROM d_bad WHERE edition = 2020', '22023',
	'weight must not be NULL', 'a NULL weight anywhere in the sample');
UPDATE resp_bad SET w = 1, psu = NULL WHERE id = 17;
SELECT throws_ok('SELECT barometer.tally(y, design) FROM d_bad', '22023',
	'psu must not be NULL', 'a NULL PSU');
UPDATE resp_bad SET psu = 1 WHERE id = 17;
UPDATE resp_bad SET fpc_psu = 2 WHERE stratum = 0;
DO $d$ BEGIN PERFORM barometer.declare_design('d_bad2', 'resp_bad', weights => 'w', strata => 'stratum', psu => 'psu', fpc => 'fpc_psu'); END $d$;
SELECT throws_ok('SELECT barometer.tally(y, design) FROM d_bad2', '22023',
	'fpc is smaller than the number of sampled units', 'an fpc below the PSU count');
SELECT throws_ok($$SELECT barometer.tally(y, NULL::barometer.design_row) FROM resp$$, '22023',
	'design handle must not be NULL', 'a NULL handle');

-- the handle: text round trip, malformed input
SELECT is((SELECT count(*) FROM d_2 WHERE design::text::barometer.design_row::text <> design::text), 0::bigint,
	'the text form of a two-stage handle round-trips');
SELECT is((SELECT count(*) FROM d_r4 WHERE design::text::barometer.design_row::text <> design::text), 0::bigint,
	'the text form of a replicate handle round-trips');
SELECT is((SELECT barometer.tally(y, design::text::barometer.design_row)::text FROM d_s WHERE edition = 2021),
	(SELECT barometer.tally(y, design)::text FROM d_s WHERE edition = 2021), 'a round-tripped handle tallies the same');
-- the binary form round-trips through COPY (recv validates)
CREATE TEMP TABLE handles (id int, design barometer.design_row);
DO $$
DECLARE f text := '/tmp/barometer_39_' || pg_backend_pid() || '.bin';
BEGIN
	EXECUTE format('COPY (SELECT id, design FROM d_2 UNION ALL SELECT id, design FROM d_r4) TO %L (FORMAT binary)', f);
	EXECUTE format('COPY handles FROM PROGRAM %L (FORMAT binary)', format('cat %s && rm -f %s', f, f));
END $$;
SELECT is((SELECT count(*) FROM handles h JOIN (SELECT id, design FROM d_2 UNION ALL SELECT id, design FROM d_r4) d
	USING (id) WHERE h.design::text = d.design::text), 9600::bigint,
	'the binary form round-trips (COPY BINARY), two-stage and replicate handles');
SELECT throws_ok($$SELECT 'abc'::barometer.design_row$$, '22P02', NULL, 'text input without \x');
SELECT throws_ok($$SELECT '\x0102'::barometer.design_row$$, '22P02', NULL, 'a truncated handle');
SELECT throws_ok($$SELECT ('\x09' || substr((SELECT design::text FROM d_c LIMIT 1), 5))::barometer.design_row$$,
	'22P02', NULL, 'an unknown version');
SELECT throws_ok($$SELECT ((SELECT design::text FROM d_c LIMIT 1) || '00')::barometer.design_row$$,
	'22P02', NULL, 'trailing bytes');
SELECT throws_ok($$SELECT ((SELECT design::text FROM d_c LIMIT 1) || 'z')::barometer.design_row$$,
	'22P02', NULL, 'an odd number of hex digits');

SELECT * FROM finish();
ROLLBACK;
