-- equivalences: parallel = serial, rollup = direct, any merge order, and
-- accuracy of the compensated sums at SQL level
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(14);

CREATE TEMP TABLE eq_rows AS
SELECT i,
       (i % 300) AS municipality,
       ((i / 7) % 6) AS origin,
       CASE WHEN i % 31 = 0 THEN NULL ELSE ((i * 2654435761) % 1000) < 310 END AS y,
       CASE WHEN i % 37 = 0 THEN NULL ELSE 2022 + ((i * 40503) % 1000) / 100.0 END AS x,
       0.25 + ((i * 7919) % 977) / 97.7 AS w
FROM generate_series(1::bigint, 300000) AS i;
ANALYZE eq_rows;

-- serial
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE eq_serial AS
SELECT barometer.tally(y, w) AS tb, barometer.tally(x, w) AS tx FROM eq_rows;
CREATE TEMP TABLE eq_serial_g AS
SELECT municipality, origin, barometer.tally(y, w) AS tb FROM eq_rows GROUP BY 1, 2;

-- forced parallel: temp tables are never scanned in parallel, so copy to a real one
CREATE TABLE eq_par_rows AS SELECT * FROM eq_rows;
ALTER TABLE eq_par_rows SET (parallel_workers = 2);
ANALYZE eq_par_rows;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
	RETURN acc;
END $$;

SELECT matches(pg_temp.plan_of('SELECT barometer.tally(y, w) FROM eq_par_rows'),
	'Partial Aggregate', 'the proportion aggregate runs as a Partial Aggregate');
SELECT matches(pg_temp.plan_of('SELECT municipality, origin, barometer.tally(y, w) FROM eq_par_rows GROUP BY 1, 2'),
	'Partial (Hash|Group)Aggregate', 'the grouped aggregate runs partially in workers');

CREATE TEMP TABLE eq_par AS
SELECT barometer.tally(y, w) AS tb, barometer.tally(x, w) AS tx FROM eq_par_rows;
CREATE TEMP TABLE eq_par_g AS
SELECT municipality, origin, barometer.tally(y, w) AS tb FROM eq_par_rows GROUP BY 1, 2;

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql AS
$$ SELECT CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;

SELECT ok(pg_temp.rel(barometer.estimate(p.tb), barometer.estimate(s.tb)) < 1e-12
	  AND pg_temp.rel(barometer.se(p.tb), barometer.se(s.tb)) < 1e-12,
	'parallel = serial for a proportion (rel 1e-12)')
FROM eq_par p, eq_serial s;
SELECT ok(pg_temp.rel(barometer.estimate(p.tx), barometer.estimate(s.tx)) < 1e-12
	  AND pg_temp.rel(barometer.se(p.tx), barometer.se(s.tx)) < 1e-12,
	'parallel = serial for a mean of values near 2022 (rel 1e-12)')
FROM eq_par p, eq_serial s;
SELECT is(barometer.n(p.tb) + barometer.n_missing(p.tb), 300000::bigint,
	'parallel tally sees every row once')
FROM eq_par p;
SELECT is((SELECT count(*) FROM eq_par_g p JOIN eq_serial_g s USING (municipality, origin)
		WHERE pg_temp.rel(barometer.estimate(p.tb), barometer.estimate(s.tb)) < 1e-12
		  AND pg_temp.rel(barometer.se(p.tb), barometer.se(s.tb)) < 1e-12), 1800::bigint,
	'parallel = serial in all 1800 groups');

RESET max_parallel_workers_per_gather;

-- rollup = direct: municipality x origin -> origin
SELECT is((SELECT count(*) FROM (
		SELECT origin, barometer.merge(tb) AS t FROM eq_serial_g GROUP BY origin) r
	JOIN (SELECT origin, barometer.tally(y, w) AS t FROM eq_rows GROUP BY origin) d USING (origin)
	WHERE pg_temp.rel(barometer.estimate(r.t), barometer.estimate(d.t)) < 1e-13
	  AND pg_temp.rel(barometer.variance(r.t), barometer.variance(d.t)) < 1e-13
	  AND barometer.n(r.t) = barometer.n(d.t)), 6::bigint,
	'rollup of stored group tallies = direct tally per origin');

-- any merge order: forward, backward, shuffled.  The compensated sums agree to
-- about 2^-104, so every reader gives the same double (the low words of the
-- stored state may differ in their last bits)
CREATE TEMP TABLE eq_orders AS
SELECT (SELECT barometer.merge(tb ORDER BY municipality, origin) FROM eq_serial_g) AS fwd,
       (SELECT barometer.merge(tb ORDER BY municipality DESC, origin DESC) FROM eq_serial_g) AS bwd,
       (SELECT barometer.merge(tb ORDER BY md5(municipality::text || origin)) FROM eq_serial_g) AS shuf;
SELECT ok(barometer.estimate(fwd) = barometer.estimate(bwd) AND barometer.variance(fwd) = barometer.variance(bwd)
	  AND barometer.ci_lower(fwd) = barometer.ci_lower(bwd) AND barometer.ci_upper(fwd, 0.9, 'likelihood') = barometer.ci_upper(bwd, 0.9, 'likelihood')
	  AND barometer.deff(fwd) = barometer.deff(bwd) AND barometer.weighted_n(fwd) = barometer.weighted_n(bwd),
	'merge in reverse order gives identical readers')
FROM eq_orders;
SELECT ok(barometer.estimate(fwd) = barometer.estimate(shuf) AND barometer.variance(fwd) = barometer.variance(shuf)
	  AND barometer.ci_lower(fwd) = barometer.ci_lower(shuf) AND barometer.ci_upper(fwd, 0.9, 'likelihood') = barometer.ci_upper(shuf, 0.9, 'likelihood')
	  AND barometer.deff(fwd) = barometer.deff(shuf) AND barometer.weighted_n(fwd) = barometer.weighted_n(shuf),
	'merge in shuffled order gives identical readers')
FROM eq_orders;
SELECT ok(pg_temp.rel(
	(SELECT barometer.estimate(barometer.merge(tb)) FROM eq_serial_g),
	(SELECT barometer.estimate(tb) FROM eq_serial)) < 1e-14,
	'merging all groups gives the whole-sample estimate');

-- accuracy: 2 million rows of weight 0.1 against exact numeric sums
CREATE TEMP TABLE acc AS
SELECT barometer.tally(i % 3 = 0, 0.1::float8) AS t,
       sum(0.1::float8::numeric) AS exact_w,
       sum(CASE WHEN i % 3 = 0 THEN 0.1::float8::numeric ELSE 0 END) AS exact_wy,
       sum(0.1::float8) AS naive_w
FROM generate_series(1, 2000000) AS i;
SELECT is(barometer.weighted_n(t), exact_w::float8, 'sum of 2e6 weights equals the exact numeric sum rounded once')
FROM acc;
SELECT is(barometer.estimate(t), (exact_wy / exact_w)::float8, 'estimate equals the exact ratio rounded once')
FROM acc;

-- text and binary round trips of every stored group tally
SELECT is((SELECT count(*) FROM eq_serial_g WHERE tb::text::barometer.tally::text <> tb::text), 0::bigint,
	'text round trip is exact for 1800 tallies');
SELECT is((SELECT count(*) FROM eq_serial_g
		WHERE barometer.estimate(tb::text::barometer.tally) IS DISTINCT FROM barometer.estimate(tb)
		   OR barometer.se(tb::text::barometer.tally) IS DISTINCT FROM barometer.se(tb)
		   OR barometer.ci_upper(tb::text::barometer.tally) IS DISTINCT FROM barometer.ci_upper(tb)),
	0::bigint, 'readers give identical doubles after a text round trip');

SELECT * FROM finish();
ROLLBACK;
