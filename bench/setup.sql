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
CREATE TABLE bench.query (
	test text PRIMARY KEY,
	title text NOT NULL,
	baseline text NOT NULL,
	barometer text NOT NULL
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
	('d', 'serial', 1.5, '<= 1.5');

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

-- Session settings of a mode.  Parallel: 2 workers and no cost penalty, so
-- the planner picks Gather + Partial Aggregate even for 1M rows (the table
-- carries parallel_workers = 2).  work_mem is large enough that every
-- GROUP BY hashes in memory; jit is off so that compile time does not blur
-- the comparison of the aggregates themselves.
CREATE FUNCTION bench.set_mode(mode text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('jit', 'off', false);
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

-- Time one pair: a warm-up round (not reported), then `rounds` rounds that
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
	FOR r IN 0 .. p_rounds LOOP
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

-- EXPLAIN (COSTS OFF) of both queries of a test in a mode.
CREATE FUNCTION bench.check_plans(p_size text, p_mode text)
RETURNS SETOF bench.plan
LANGUAGE plpgsql AS $$
DECLARE
	q bench.query;
	which text;
	line text;
	txt text;
BEGIN
	PERFORM bench.set_mode(p_mode);
	FOR q IN SELECT * FROM bench.query ORDER BY test LOOP
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
