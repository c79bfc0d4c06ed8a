-- bench/setup.sql - schema, queries and the timing harness of the benchmark.
-- Run once per throwaway cluster by bench/run (psql -X -v ON_ERROR_STOP=1).
--
-- Everything the benchmark times runs inside ONE backend: bench.time_pair is
-- a plpgsql function that runs each query with a dynamic EXECUTE (no INTO)
-- and measures clock_timestamp() around it.  SPI's EXECUTE plans with
-- CURSOR_OPT_PARALLEL_OK and runs the plan once, to completion, so the
-- parallel plans really launch their workers there: bench/run proves it
-- with auto_explain (log_nested_statements) and counts "Workers Launched"
-- (bench/check.sql).  EXECUTE ... INTO launches the workers too in
-- PostgreSQL 15 (bench.check_numbers uses it; checked the same way), but the
-- timed statements have no INTO so that every result row is kept, as a
-- client would receive it (the output functions are not run, for either
-- query of a pair).  Note that wrapping a query in SELECT count(*) FROM (...)
-- would not do: the planner drops the unused aggregates of the subquery.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS barometer;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- The compared pairs.  Every query reads bench.data (rebuilt for each size by
-- bench/data.sql).
-- max_rows: the largest size the test runs at (its table is built only up
-- to there; NULL: every size); modes: the modes it runs in; warmup: whether
-- bench.time_pair runs a warm-up round first (every pair, the slow pairs e2
-- and f2 too: without it their one timed round caught the barometer query
-- cold, 935 ms where (f)'s warm rounds of the same tally took 675-688 ms,
-- though one of their baselines takes seconds); speedup_goal: the goal of the parallel
-- speed-up table (NULL: none).
CREATE TABLE bench.query (
	test text PRIMARY KEY,
	title text NOT NULL,
	baseline text NOT NULL,
	barometer text NOT NULL,
	max_rows bigint,
	modes text[] NOT NULL DEFAULT ARRAY['serial', 'parallel'],
	warmup boolean NOT NULL DEFAULT true,
	speedup_goal float8 DEFAULT 1.6
);

INSERT INTO bench.query VALUES
-- (a) the floor: what any weighted proportion costs in plain SQL
('a', 'a floor: sums vs tally',
 $q$SELECT sum(w), sum(w) FILTER (WHERE y) FROM bench.data$q$,
 $q$SELECT barometer.tally(y, w) FROM bench.data$q$),
-- (b) estimate and SE of a weights-only design in plain SQL, one pass:
--   p = sum w y / W,  V = N/(N-1) sum w^2 (y-p)^2 / W^2,
--   sum w^2 (y-p)^2 = Swwyy - 2 p Swwy + p^2 Sww,
-- sums over the rows where y is not NULL (R's subset(design, !is.na(y))), N
-- over all rows (rows of missing y stay in the design as zero scores), as
-- barometer does.  The generic form with sums of y and y^2, which also serves
-- a mean; for a boolean Swwyy = Swwy.
('b', 'b estimate+se: SQL vs tally',
 $q$SELECT p AS estimate,
       sqrt(n / (n - 1) * (swwyy - 2 * p * swwy + p * p * sww) / (sw * sw)) AS se
FROM (SELECT s.*, swy / sw AS p
      FROM (SELECT count(*)::float8 AS n,
                   sum(w) FILTER (WHERE y IS NOT NULL) AS sw,
                   sum(w * y::int) AS swy,
                   sum(w * w) FILTER (WHERE y IS NOT NULL) AS sww,
                   sum(w * w * y::int) AS swwy,
                   sum(w * w * y::int * y::int) AS swwyy
            FROM bench.data) s) s2$q$,
 $q$SELECT barometer.estimate(t) AS estimate, barometer.se(t) AS se
FROM (SELECT barometer.tally(y, w) AS t FROM bench.data) s$q$),
-- (c) the floor of (a) for 300 municipalities x 6 origins = 1800 cells
('c', 'c 1800 groups: sums vs tally',
 $q$SELECT municipality, origin, sum(w), sum(w) FILTER (WHERE y)
FROM bench.data GROUP BY municipality, origin$q$,
 $q$SELECT municipality, origin, barometer.tally(y, w)
FROM bench.data GROUP BY municipality, origin$q$);

-- (d) twenty indicators in one pass over the 1800 cells.  PostgreSQL shares
-- the state of identical aggregate calls, so the twenty sum(w) of the
-- baseline cost one: the floor is 21 sums against 20 tallies.
INSERT INTO bench.query
SELECT 'd', 'd 20 indicators x 1800 groups',
	'SELECT municipality, origin, ' ||
	string_agg(format('sum(w), sum(w) FILTER (WHERE y%s)', k), ', ' ORDER BY k) ||
	' FROM bench.data GROUP BY municipality, origin',
	'SELECT municipality, origin, ' ||
	string_agg(format('barometer.tally(y%s, w)', k), ', ' ORDER BY k) ||
	' FROM bench.data GROUP BY municipality, origin'
FROM generate_series(1, 20) AS k;

-- (e) a stratified cluster design (issue 3): 50 rows per PSU, 100 PSUs per
-- stratum (200 strata at 1M rows, 2,000 at 10M; bench/data_cluster.sql),
-- n_psu materialized in the table.  The floor is that of (a), on the same
-- rows.  bench.cluster is in file order (the rows of a PSU adjacent, as
-- survey files are); e2 is the same pair on the same rows shuffled, which
-- shows the cost of poor locality (no goal; serial only, the slow rounds).
INSERT INTO bench.query (test, title, baseline, barometer, modes, warmup, speedup_goal) VALUES
('e', 'e strata+PSUs: sums vs tally',
 $q$SELECT sum(w), sum(w) FILTER (WHERE y) FROM bench.cluster$q$,
 $q$SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) FROM bench.cluster$q$,
 ARRAY['serial', 'parallel'], true, NULL),
('e2', 'e same, rows shuffled',
 $q$SELECT sum(w), sum(w) FILTER (WHERE y) FROM bench.cluster_shuffled$q$,
 $q$SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) FROM bench.cluster_shuffled$q$,
 ARRAY['serial'], true, NULL);

-- (f) 80 replicate weights (issue 3), 1M rows only: bench.rep is about 750 MB
-- at 1M rows (bench/data_rep.sql), 7.5 GB would be too much at 10M.  The
-- floor is sum(w) by origin over the same rows.  f2 is the variance the
-- way plain SQL gets it: per origin and replicate r, theta_r = sum(repw[r] y)
-- / sum(repw[r]) with unnest WITH ORDINALITY over the rows of non-missing y
-- (those barometer sums), then JK1's (R-1)/R sum_r (theta_r - mean)^2,
-- against barometer's variance of the same tally (serial only, the slow
-- rounds; bench.check_rep compares the numbers).
INSERT INTO bench.query (test, title, baseline, barometer, max_rows, modes, warmup, speedup_goal) VALUES
('f', 'f 80 repw by origin: sum/tally',
 $q$SELECT origin, sum(w) FROM bench.rep GROUP BY origin$q$,
 $q$SELECT origin, barometer.tally(y, w, repw, 'jk1'::barometer.replicates)
FROM bench.rep GROUP BY origin$q$,
 1000000, ARRAY['serial', 'parallel'], true, NULL),
('f2', 'f variance: unnest SQL/tally',
 $q$SELECT origin, (count(*) - 1) / count(*)::float8 * sum((theta - mean) * (theta - mean)) AS variance
FROM (SELECT origin, theta, avg(theta) OVER (PARTITION BY origin) AS mean
      FROM (SELECT origin, r, sum(x * y::int) / sum(x) AS theta
            FROM bench.rep, unnest(repw) WITH ORDINALITY AS u(x, r)
            WHERE y IS NOT NULL
            GROUP BY origin, r) AS th) AS d
GROUP BY origin$q$,
 $q$SELECT origin, barometer.variance(barometer.tally(y, w, repw, 'jk1'::barometer.replicates)) AS variance
FROM bench.rep GROUP BY origin$q$,
 1000000, ARRAY['serial'], true, NULL);

-- (g) issue 10: 1M rows with psu = row id in one stratum (a sample without
-- clusters, as the 0.1 README taught) against the weights-only tally of the
-- same rows; g2 the same rows in random order (no goal).  1M rows only: at
-- 10M the state (80 bytes a PSU) passes barometer.max_state_bytes.
INSERT INTO bench.query (test, title, baseline, barometer, max_rows, modes, warmup, speedup_goal) VALUES
('g', 'g 1M PSUs (psu = row id)',
 $q$SELECT barometer.tally(y, w) FROM bench.elem$q$,
 $q$SELECT barometer.tally(y, w, stratum, id, n_psu, NULL) FROM bench.elem$q$,
 1000000, ARRAY['serial'], true, NULL),
('g2', 'g same, rows shuffled',
 $q$SELECT barometer.tally(y, w) FROM bench.elem_shuffled$q$,
 $q$SELECT barometer.tally(y, w, stratum, id, n_psu, NULL) FROM bench.elem_shuffled$q$,
 1000000, ARRAY['serial'], true, NULL);

-- (g3) the same 1M rows as tally_stratified (per-stratum sums, no record
-- per row) against the same weights-only tally
INSERT INTO bench.query (test, title, baseline, barometer, max_rows, modes, warmup, speedup_goal) VALUES
('g3', 'g3 1M rows, tally_stratified',
 $q$SELECT barometer.tally(y, w) FROM bench.elem$q$,
 $q$SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) FROM bench.elem$q$,
 1000000, ARRAY['serial'], true, NULL);

-- Goals on the ratio barometer median / baseline median.
CREATE TABLE bench.goal (
	test text NOT NULL,
	mode text NOT NULL,
	max_ratio float8 NOT NULL,
	label text NOT NULL,
	PRIMARY KEY (test, mode)
);
INSERT INTO bench.goal VALUES
	('a', 'serial', 1.2, '<= 1.2'),
	('b', 'serial', 1.0, '< 1'),
	('b', 'parallel', 1.0, '< 1'),
	('c', 'serial', 1.2, '<= 1.2'),
	('d', 'serial', 1.5, '<= 1.5'),
	-- issue 3: the stratified cluster tally within 2x the floor, the 80
	-- replicates within 4x the floor, and at least 20x faster than unnest
	('e', 'serial', 2.0, '<= 2'),
	('f', 'serial', 4.0, '<= 4'),
	('f2', 'serial', 0.05, '<= 0.05'),
	-- issue 10: every row its own PSU within 3x the weights-only tally
	('g', 'serial', 3.0, '<= 3'),
	('g3', 'serial', 3.0, '<= 3');

CREATE TABLE bench.timing (
	size text NOT NULL,
	nrows bigint NOT NULL,
	test text NOT NULL,
	mode text NOT NULL,
	round int NOT NULL,
	which text NOT NULL,
	ms float8 NOT NULL
);

CREATE TABLE bench.plan (
	size text NOT NULL,
	test text NOT NULL,
	mode text NOT NULL,
	which text NOT NULL,
	gather boolean NOT NULL,
	partial_agg boolean NOT NULL,
	plan text NOT NULL
);

CREATE TABLE bench.numbers (
	size text NOT NULL,
	mode text NOT NULL,
	est_sql float8,
	est_barometer float8,
	se_sql float8,
	se_barometer float8
);

-- the numbers of test (e): barometer on bench.cluster (serial and parallel)
-- and on bench.cluster_shuffled against the linearization in plain SQL
CREATE TABLE bench.numbers_cluster (
	size text NOT NULL,
	mode text NOT NULL,
	tbl text NOT NULL,
	est_sql float8,
	est_barometer float8,
	se_sql float8,
	se_barometer float8,
	df_barometer float8
);

-- the numbers of test (f): the JK1 variance by origin, barometer (serial
-- and parallel) against the unnest formulation
CREATE TABLE bench.numbers_rep (
	size text NOT NULL,
	mode text NOT NULL,
	origin int NOT NULL,
	var_sql float8,
	var_barometer float8
);

-- Session settings of a mode.  Parallel: 2 workers and no cost penalty, so
-- the planner picks Gather + Partial Aggregate even for 1M rows (the table
-- carries parallel_workers = 2).  work_mem is large enough that every
-- GROUP BY hashes in memory; jit is off so that compile time does not blur
-- the comparison of the aggregates themselves.  synchronize_seqscans is off:
-- a scan of a table larger than shared_buffers / 4 otherwise starts where an
-- interrupted scan of it stopped, so "rows in row order" (tests e, g) would
-- come rotated after any cancelled query, and test g would time the sort of
-- a log that is out of order (1.5x-4x slower here) instead of the ordered case.
CREATE FUNCTION bench.set_mode(mode text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('jit', 'off', false);
	PERFORM set_config('synchronize_seqscans', 'off', false);
	PERFORM set_config('work_mem', '256MB', false);
	IF mode = 'serial' THEN
		PERFORM set_config('max_parallel_workers_per_gather', '0', false);
	ELSIF mode = 'parallel' THEN
		PERFORM set_config('max_parallel_workers_per_gather', '2', false);
		PERFORM set_config('parallel_setup_cost', '0', false);
		PERFORM set_config('parallel_tuple_cost', '0', false);
		PERFORM set_config('min_parallel_table_scan_size', '0', false);
		PERFORM set_config('parallel_leader_participation', 'on', false);
	ELSE
		RAISE EXCEPTION 'unknown mode %', mode;
	END IF;
END;
$$;

-- Time one pair: a warm-up round (not reported; not for a test without
-- warmup, and the only round when p_rounds is 0), then `rounds` rounds that
-- each run the baseline and the barometer query once, alternating which goes
-- first, so that drift (caches, other load) hits both alike.
CREATE FUNCTION bench.time_pair(p_size text, p_nrows bigint, p_test text,
		p_mode text, p_rounds int)
RETURNS SETOF bench.timing
LANGUAGE plpgsql AS $$
DECLARE
	q bench.query;
	r int;
	k int;
	which text;
	t0 timestamptz;
	t1 timestamptz;
BEGIN
	SELECT * INTO STRICT q FROM bench.query WHERE test = p_test;
	PERFORM bench.set_mode(p_mode);
	FOR r IN CASE WHEN q.warmup THEN 0 ELSE 1 END .. p_rounds LOOP
		FOR k IN 0 .. 1 LOOP
			which := CASE WHEN (r + k) % 2 = 0 THEN 'baseline' ELSE 'barometer' END;
			t0 := clock_timestamp();
			IF which = 'baseline' THEN
				EXECUTE q.baseline;
			ELSE
				EXECUTE q.barometer;
			END IF;
			t1 := clock_timestamp();
			IF r > 0 THEN
				RETURN NEXT ROW(p_size, p_nrows, p_test, p_mode, r, which,
								extract(epoch FROM t1 - t0) * 1000.0)::bench.timing;
			END IF;
		END LOOP;
	END LOOP;
END;
$$;

-- EXPLAIN (COSTS OFF) of both queries of every test that runs at this size
-- in this mode.
CREATE FUNCTION bench.check_plans(p_size text, p_nrows bigint, p_mode text)
RETURNS SETOF bench.plan
LANGUAGE plpgsql AS $$
DECLARE
	q bench.query;
	which text;
	line text;
	txt text;
BEGIN
	PERFORM bench.set_mode(p_mode);
	FOR q IN SELECT * FROM bench.query
			WHERE p_mode = ANY (modes) AND (max_rows IS NULL OR p_nrows <= max_rows)
			ORDER BY test LOOP
		FOREACH which IN ARRAY ARRAY['baseline', 'barometer'] LOOP
			txt := '';
			FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' ||
					CASE which WHEN 'baseline' THEN q.baseline ELSE q.barometer END LOOP
				txt := txt || line || E'\n';
			END LOOP;
			RETURN NEXT ROW(p_size, q.test, p_mode, which,
							txt ~ 'Gather', txt ~ 'Partial \w*Aggregate', txt)::bench.plan;
		END LOOP;
	END LOOP;
END;
$$;

-- The numbers of test (b): barometer against the plain-SQL closed form.
CREATE FUNCTION bench.check_numbers(p_size text, p_mode text)
RETURNS SETOF bench.numbers
LANGUAGE plpgsql AS $$
DECLARE
	q bench.query;
	e1 float8;
	s1 float8;
	e2 float8;
	s2 float8;
BEGIN
	SELECT * INTO STRICT q FROM bench.query WHERE test = 'b';
	PERFORM bench.set_mode(p_mode);
	EXECUTE q.baseline INTO STRICT e1, s1;
	EXECUTE q.barometer INTO STRICT e2, s2;
	RETURN NEXT ROW(p_size, p_mode, e1, e2, s1, s2)::bench.numbers;
END;
$$;

-- The numbers of test (e): the estimate and SE of the whole sample by
-- R's linearization in plain SQL (V = sum_h n_h/(n_h-1) sum_j (Z_hj -
-- Zbar_h)^2, Z_hj the PSU totals of w (y - p) / W over the rows of
-- non-missing y; every PSU of the sample has such rows, as the check of
-- count(*) = n_psu makes sure), against barometer on the grouped table in
-- both modes and on the shuffled one.
CREATE FUNCTION bench.check_cluster(p_size text)
RETURNS SETOF bench.numbers_cluster
LANGUAGE plpgsql AS $$
DECLARE
	v_est_sql float8;
	v_se_sql float8;
	v_est float8;
	v_se float8;
	v_df float8;
	v_mode text;
	v_tbl text;
BEGIN
	PERFORM bench.set_mode('serial');
	WITH s AS (
		SELECT sum(w) FILTER (WHERE y IS NOT NULL) AS sw, sum(w * y::int) AS swy
		FROM bench.cluster),
	z AS (
		SELECT c.stratum, max(c.n_psu) AS n_h,
			sum(c.w * (c.y::int - s.swy / s.sw)) / s.sw AS z
		FROM bench.cluster c, s
		WHERE c.y IS NOT NULL
		GROUP BY c.stratum, c.psu, s.sw, s.swy),
	h AS (
		SELECT stratum, n_h, count(*) AS n_seen,
			n_h / (n_h - 1.0) * sum((z - zbar) * (z - zbar)) AS v
		FROM (SELECT z.*, avg(z) OVER (PARTITION BY stratum) AS zbar FROM z) AS z
		GROUP BY stratum, n_h)
	SELECT (SELECT swy / sw FROM s), sqrt(sum(v)),
		count(*) FILTER (WHERE n_seen <> n_h)
	INTO STRICT v_est_sql, v_se_sql, v_df
	FROM h;
	IF v_df > 0 THEN
		RAISE EXCEPTION 'bench.cluster has % strata with PSUs without answers', v_df;
	END IF;
	FOR v_mode, v_tbl IN VALUES ('serial', 'cluster'), ('parallel', 'cluster'),
			('serial', 'cluster_shuffled') LOOP
		PERFORM bench.set_mode(v_mode);
		EXECUTE format('SELECT barometer.estimate(t), barometer.se(t), barometer.df(t)
			FROM (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM bench.%I) AS s',
			v_tbl) INTO STRICT v_est, v_se, v_df;
		RETURN NEXT ROW(p_size, v_mode, v_tbl, v_est_sql, v_est, v_se_sql, v_se, v_df)::bench.numbers_cluster;
	END LOOP;
END;
$$;

-- The numbers of test (f): the JK1 variance by origin, the unnest
-- formulation (serial) against barometer in both modes.  Runs the queries of
-- f2 (one run of the slow unnest query), each with EXECUTE ... INTO of the
-- array of its variances by origin (INTO, unlike a FOR loop over a query,
-- runs a parallel plan with its workers).
CREATE FUNCTION bench.check_rep(p_size text)
RETURNS SETOF bench.numbers_rep
LANGUAGE plpgsql AS $$
DECLARE
	q bench.query;
	m text;
	o int[];
	v_sql float8[];
	v float8[];
BEGIN
	SELECT * INTO STRICT q FROM bench.query WHERE test = 'f2';
	PERFORM bench.set_mode('serial');
	EXECUTE 'SELECT array_agg(origin ORDER BY origin), array_agg(variance ORDER BY origin) FROM ('
		|| q.baseline || ') AS s' INTO STRICT o, v_sql;
	FOREACH m IN ARRAY ARRAY['serial', 'parallel'] LOOP
		PERFORM bench.set_mode(m);
		EXECUTE 'SELECT array_agg(variance ORDER BY origin) FROM (' || q.barometer || ') AS s'
			INTO STRICT v;
		FOR i IN 1 .. cardinality(o) LOOP
			RETURN NEXT ROW(p_size, m, o[i], v_sql[i], v[i])::bench.numbers_rep;
		END LOOP;
	END LOOP;
END;
$$;

-- A CPU-bound loop that touches no table, for bench/run's check of how much
-- work two or three backends running at once really get from the machine
-- (on a small virtual machine often well below two or three times one).
CREATE FUNCTION bench.spin(n int) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	x float8 := 0;
BEGIN
	FOR i IN 1 .. n LOOP
		x := x + i * 0.5;
	END LOOP;
	RETURN round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 1);
END;
$$;
