-- design tallies at scale: 1M rows in 20,000 PSUs (200 strata of 100), six
-- domains; parallel = serial, rollup of domains = the whole sample, bounded
-- size, exact text round trip, any merge order
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(9);

CREATE TABLE big_rows AS
SELECT i,
       (i % 200) AS stratum,
       (i % 200) * 1000 + ((i / 200) % 100) AS psu,
       ((i * 7919) % 6) AS origin,
       CASE WHEN i % 41 = 0 THEN NULL ELSE ((i * 2654435761) % 1000) < 300 + (i % 200) END AS y,
       0.5 + ((i * 40503) % 997) / 199.4 AS w
FROM generate_series(1::bigint, 1000000) AS i;
ALTER TABLE big_rows SET (parallel_workers = 2);
ANALYZE big_rows;
CREATE TABLE big AS
SELECT b.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu FROM big_rows b;
ALTER TABLE big SET (parallel_workers = 2);
ANALYZE big;

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql AS
$$ SELECT CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
	RETURN acc;
END $$;

SELECT is((SELECT count(DISTINCT psu) FROM big), 20000::bigint, '20,000 PSUs');

SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS
SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM big;
CREATE TEMP TABLE serial_dom AS
SELECT origin, barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM big GROUP BY origin;

SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SELECT matches(pg_temp.plan_of('SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) FROM big'),
	'Partial Aggregate', 'the clustered tally runs as a Partial Aggregate');
CREATE TEMP TABLE par AS
SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM big;
RESET max_parallel_workers_per_gather;

SELECT ok(pg_temp.rel(barometer.se(p.t), barometer.se(s.t)) < 1e-12
	  AND barometer.estimate(p.t) = barometer.estimate(s.t) AND barometer.df(p.t) = barometer.df(s.t),
	'parallel = serial for a stratified cluster design (rel 1e-12)')
FROM par p, serial s;
SELECT is(barometer.df(t), 19800::float8, 'df = 20,000 PSUs - 200 strata') FROM serial;

SELECT ok(pg_temp.rel(barometer.se(m.t), barometer.se(s.t)) < 1e-13
	  AND pg_temp.rel(barometer.estimate(m.t), barometer.estimate(s.t)) < 1e-15,
	'merging the six domain tallies gives the whole-sample tally')
FROM (SELECT barometer.merge(t) AS t FROM serial_dom) m, serial s;
SELECT ok((SELECT barometer.se(barometer.merge(t ORDER BY origin DESC)) FROM serial_dom)
	  = (SELECT barometer.se(barometer.merge(t ORDER BY origin)) FROM serial_dom),
	'merge order does not change the SE');

SELECT cmp_ok(pg_column_size(t), '<', 2000000, 'a tally over 20,000 PSUs stays under 2 MB') FROM serial;
SELECT is(t::text::barometer.tally::text, t::text, 'text round trip of the 20,000-PSU tally is exact') FROM serial;
SELECT ok(barometer.se(t::text::barometer.tally) = barometer.se(t), 'and gives the same SE') FROM serial;

SELECT * FROM finish();
ROLLBACK;
