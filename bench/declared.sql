-- bench/declared.sql - the declared design (barometer.declare_design) against
-- the plain GROUP BY sum on the same relation, 300 municipalities x 6
-- origins (1800 domains) of a stratified cluster sample (bench/data_declared.sql
-- builds it).  Serial, one backend; every query runs inside a plpgsql
-- EXECUTE without INTO (every result row kept, as bench/setup.sql explains),
-- rounds interleaved after a warm-up; medians and ratios to the floor of the
-- same round set.  psql variables: rounds (timed rounds), label.
--
--   floor      SELECT municipality, origin, sum(w * y::int) ... GROUP BY 1, 2
--              on the materialized design bench_decl.resp_m (the same relation)
--   declared   tally(y, design) on bench_decl.resp_m (handles precomputed)
--   explicit   tally(y, w, municipality, psu, n_psu, NULL) on bench_decl.resp_x
--              (n_psu precomputed the README's way)
--   view       tally(y, design) on bench_decl.resp_v, the plain declared view
--              (window over the whole sample in every query)
--   floor_x    the floor on bench_decl.resp_x (the narrower table)
--   estimates  estimate and SE of every domain, materialized design
--   *_par      the same with 2 parallel workers (ratio to floor_par)
--   *_par1     the same with 1 parallel worker beside the leader (ratio to
--              floor_par1): on the 2-vCPU development machines a worker
--              costs some 22 ms to start, and one worker gains most
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
SET jit = off;

CREATE OR REPLACE FUNCTION bench_decl.time_ms(q text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
BEGIN
	t0 := clock_timestamp();
	EXECUTE q;
	RETURN 1000 * extract(epoch FROM clock_timestamp() - t0);
END $$;

-- the same with parallel workers (settings local to the call)
CREATE OR REPLACE FUNCTION bench_decl.time_ms_par(q text, workers int DEFAULT 2) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	ms float8;
BEGIN
	PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
	PERFORM set_config('parallel_setup_cost', '0', true);
	PERFORM set_config('parallel_tuple_cost', '0', true);
	t0 := clock_timestamp();
	EXECUTE q;
	ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
	PERFORM set_config('max_parallel_workers_per_gather', '0', true);
	RETURN ms;
END $$;

DROP TABLE IF EXISTS bench_decl.timing;
CREATE TABLE bench_decl.timing (round int, test text, ms float8);
DROP TABLE IF EXISTS bench_decl.queries;
CREATE TABLE bench_decl.queries (test text PRIMARY KEY, q text NOT NULL, ord int, workers int NOT NULL DEFAULT 0);
INSERT INTO bench_decl.queries VALUES
('floor', $q$SELECT municipality, origin, sum(w * y::int) FROM bench_decl.resp_m GROUP BY 1, 2$q$, 1, 0),
('declared', $q$SELECT municipality, origin, barometer.tally(y, design) FROM bench_decl.resp_m GROUP BY 1, 2$q$, 2, 0),
('explicit', $q$SELECT municipality, origin, barometer.tally(y, w, municipality, psu, n_psu, NULL) FROM bench_decl.resp_x GROUP BY 1, 2$q$, 3, 0),
('floor_x', $q$SELECT municipality, origin, sum(w * y::int) FROM bench_decl.resp_x GROUP BY 1, 2$q$, 4, 0),
('view', $q$SELECT municipality, origin, barometer.tally(y, design) FROM bench_decl.resp_v GROUP BY 1, 2$q$, 5, 0),
('estimates', $q$SELECT municipality, origin, barometer.estimate(t), barometer.se(t)
FROM (SELECT municipality, origin, barometer.tally(y, design) AS t FROM bench_decl.resp_m GROUP BY 1, 2) s$q$, 6, 0),
('floor_par', $q$SELECT municipality, origin, sum(w * y::int) FROM bench_decl.resp_m GROUP BY 1, 2$q$, 7, 2),
('estimates_par', $q$SELECT municipality, origin, barometer.estimate(t), barometer.se(t)
FROM (SELECT municipality, origin, barometer.tally(y, design) AS t FROM bench_decl.resp_m GROUP BY 1, 2) s$q$, 8, 2),
('floor_par1', $q$SELECT municipality, origin, sum(w * y::int) FROM bench_decl.resp_m GROUP BY 1, 2$q$, 9, 1),
('estimates_par1', $q$SELECT municipality, origin, barometer.estimate(t), barometer.se(t)
FROM (SELECT municipality, origin, barometer.tally(y, design) AS t FROM bench_decl.resp_m GROUP BY 1, 2) s$q$, 10, 1);
ALTER MATERIALIZED VIEW bench_decl.resp_m SET (parallel_workers = 2);

-- warm-up, then the timed rounds
SELECT count(CASE WHEN workers > 0 THEN bench_decl.time_ms_par(q, workers) ELSE bench_decl.time_ms(q) END) AS warmed_up FROM bench_decl.queries;
CREATE OR REPLACE FUNCTION bench_decl.run_rounds(n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	r int;
	x record;
BEGIN
	FOR r IN 1 .. n LOOP
		FOR x IN SELECT * FROM bench_decl.queries ORDER BY ord LOOP
			INSERT INTO bench_decl.timing VALUES (r, x.test,
				CASE WHEN x.workers > 0 THEN bench_decl.time_ms_par(x.q, x.workers) ELSE bench_decl.time_ms(x.q) END);
		END LOOP;
	END LOOP;
END $$;
SELECT bench_decl.run_rounds(:rounds);

\pset footer off
\echo
\echo == declared designs (:label rows, :rounds rounds): medians, ms, and ratio to the floor of the same relation (serial; _par: 2 workers)
SELECT test, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS median_ms,
	round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) /
		(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM bench_decl.timing
		 WHERE test = CASE WHEN t.test IN ('explicit', 'floor_x') THEN 'floor_x'
				WHEN t.test LIKE '%_par' THEN 'floor_par'
				WHEN t.test LIKE '%_par1' THEN 'floor_par1' ELSE 'floor' END))::numeric, 2)
		AS ratio_to_floor,
	CASE test WHEN 'estimates' THEN 'goal <= 1.5' ELSE '' END AS goal
FROM bench_decl.timing t
GROUP BY test
ORDER BY min((SELECT ord FROM bench_decl.queries q WHERE q.test = t.test));
-- the per-round ratios to the floor of the same round (their spread)
SELECT d.test, round(min(d.ms / f.ms)::numeric, 2) AS ratio_min,
	round((percentile_cont(0.5) WITHIN GROUP (ORDER BY d.ms / f.ms))::numeric, 2) AS ratio_median,
	round(max(d.ms / f.ms)::numeric, 2) AS ratio_max
FROM bench_decl.timing d JOIN bench_decl.timing f USING (round)
WHERE (d.test IN ('declared', 'estimates') AND f.test = 'floor') OR (d.test = 'estimates_par' AND f.test = 'floor_par')
	OR (d.test = 'estimates_par1' AND f.test = 'floor_par1')
GROUP BY d.test ORDER BY d.test DESC;
