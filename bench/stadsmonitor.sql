-- The dashboard layer at Gemeente-Stadsmonitor scale: demo/sample.sql with
-- :respondents respondents (over two editions) answering 130 statements in
-- 300 municipalities and 6 origin groups, demo/dashboard.sql with one
-- indicator per statement (130), then timed full refreshes of the dashboard
-- layer (the stored cells from the microdata, then every indicator x
-- breakdown x level with intervals, tests and status): plain REFRESH and
-- REFRESH CONCURRENTLY, serial (no parallel workers) and parallel (2).
-- With :tenfold = 1 the microdata are then copied to 10 times as many rows
-- (new respondents and addresses, the same answers) and the plain refresh
-- is timed again.  Results go to table bench_result and are printed.
-- Run by bench/stadsmonitor_run from the repository root.
\set ON_ERROR_STOP 1
\set QUIET on
\pset footer off
SET client_min_messages = warning;
\if :{?respondents}
\else
\set respondents 135000
\endif
\if :{?tenfold}
\else
\set tenfold 0
\endif
\if :{?design}
\else
\set design weights
\endif

CREATE TABLE bench_result (
	scale text, step text, workers int, seconds numeric(10, 1),
	cells bigint, dashboard_rows bigint, respondents bigint);

-- seconds that a statement takes
CREATE FUNCTION bench_seconds(q text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
	EXECUTE q;
	RETURN round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
END $$;

-- stored cells: cell, and with strata and PSUs cell_part
CREATE FUNCTION bench_cells() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
	EXECUTE 'SELECT count(*) FROM cell' INTO n;
	IF to_regclass('cell_part') IS NOT NULL THEN
		n := n + (SELECT count(*) FROM cell_part);
	END IF;
	RETURN n;
END $$;

CREATE FUNCTION bench_record(scale text, step text, workers int, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE s numeric;
BEGIN
	PERFORM set_config('max_parallel_workers_per_gather', workers::text, false);
	s := bench_seconds(q);
	INSERT INTO bench_result VALUES (scale, step, workers, s,
		bench_cells(), (SELECT count(*) FROM indicator_result), (SELECT count(*) FROM respondent));
	RAISE NOTICE '% % (% workers): % s', scale, step, workers, s;
END $$;

\echo 'generating the sample: ' :respondents ' respondents x 130 statements ...'
SELECT clock_timestamp() AS t0 \gset
\set sample_size :respondents
\set n_items 130
\ir ../demo/sample.sql
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 1) AS generated \gset
\echo '  generated in' :generated 's'

\echo 'first build of the dashboard layer (CREATE MATERIALIZED VIEW) ...'
SET work_mem = '512MB';
SET jit = off;
SELECT clock_timestamp() AS t0 \gset
\ir ../demo/dashboard.sql
INSERT INTO bench_result
SELECT '1x', 'first build (CREATE)', current_setting('max_parallel_workers_per_gather')::int,
       round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 1),
       bench_cells(), (SELECT count(*) FROM indicator_result), (SELECT count(*) FROM respondent);
SET client_min_messages = notice;

\echo 'timed refreshes ...'
\o /dev/null
SELECT bench_record('1x', 'cells only: refresh_cells()', 0, 'SELECT refresh_cells()');
SELECT bench_record('1x', 'dashboard only (REFRESH indicator_result)', 0, 'REFRESH MATERIALIZED VIEW indicator_result');
SELECT bench_record('1x', 'full refresh: refresh_dashboard(false)', 0, 'SELECT refresh_dashboard(false)');
SELECT bench_record('1x', 'full refresh: refresh_dashboard(false)', 2, 'SELECT refresh_dashboard(false)');
SELECT bench_record('1x', 'full refresh CONCURRENTLY: refresh_dashboard()', 0, 'SELECT refresh_dashboard()');
SELECT bench_record('1x', 'full refresh CONCURRENTLY: refresh_dashboard()', 2, 'SELECT refresh_dashboard()');

\o
\if :tenfold
\echo 'copying the microdata to 10x the rows ...'
SET client_min_messages = warning;
UPDATE respondent SET design_weight = design_weight / 10, w = w / 10;
INSERT INTO respondent (edition, id, nis, address, origin, age_group, sex, design_weight, w, answers)
SELECT edition, id + k * 10000000000, nis, address + k * 10000000000, origin, age_group, sex,
       design_weight, w, answers
FROM respondent, generate_series(1, 9) AS k;
VACUUM ANALYZE respondent;
SET client_min_messages = notice;
\o /dev/null
SELECT bench_record('10x', 'cells only: refresh_cells()', 0, 'SELECT refresh_cells()');
SELECT bench_record('10x', 'dashboard only (REFRESH indicator_result)', 0, 'REFRESH MATERIALIZED VIEW indicator_result');
SELECT bench_record('10x', 'full refresh: refresh_dashboard(false)', 0, 'SELECT refresh_dashboard(false)');
SELECT bench_record('10x', 'full refresh: refresh_dashboard(false)', 2, 'SELECT refresh_dashboard(false)');
\o
\endif

-- the stored size of the cells by design kind (at the last scale run)
CREATE TEMP TABLE bench_size AS
SELECT 'cell' AS relation, count(*) AS cells,
       round(avg(pg_column_size(t))) AS "tally bytes per cell",
       pg_size_pretty(pg_total_relation_size('cell')) AS "stored in total",
       string_agg(DISTINCT substring(t::text FROM 'design=([a-z_]+)'), ', ') AS "design kind"
FROM cell;
SELECT to_regclass('cell_part') IS NOT NULL AS has_part \gset
\if :has_part
INSERT INTO bench_size
SELECT 'cell_part', count(*), round(avg(pg_column_size(t))), pg_size_pretty(pg_total_relation_size('cell_part')),
       string_agg(DISTINCT substring(t::text FROM 'design=([a-z_]+)'), ', ')
FROM cell_part;
\endif
INSERT INTO bench_size
SELECT 'indicator_result', count(*), NULL, pg_size_pretty(pg_total_relation_size('indicator_result')), NULL
FROM indicator_result;

\echo
\echo 'Dashboard layer at Gemeente-Stadsmonitor scale (design:' :design ')'
SELECT scale, respondents, (SELECT count(*) FROM indicator) AS indicators, cells, dashboard_rows AS "dashboard rows",
       step, workers, seconds
FROM bench_result ORDER BY scale = '10x', ctid;
\echo
\echo 'Goal (issue 15): the full refresh under 60 s with strata and PSUs (cluster), under 20 s with weights only'
SELECT scale, step, workers, seconds, CASE WHEN :'design' = 'cluster' THEN 60 ELSE 20 END AS "goal (s)",
       CASE WHEN seconds < CASE WHEN :'design' = 'cluster' THEN 60 ELSE 20 END THEN 'met' ELSE 'NOT met' END AS goal
FROM bench_result WHERE step LIKE 'full refresh%' AND scale = '1x' ORDER BY ctid;
\echo
\echo 'Stored size (design:' :design ')'
SELECT * FROM bench_size;
