-- the states' arena (src/state_arena.c): the tallies of one aggregate
-- context share chunks of it, so every plan shape that creates, resets or
-- spills those contexts must give the tallies a context of its own gives:
-- hash aggregation in memory and spilled to disk (a new arena per batch),
-- sorted aggregation (the context reset for every group), grouping sets
-- (one context per set), a window aggregate, a state larger than an arena
-- chunk (a block of its own), and the memory limit on every request
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(13);

-- 60,000 rows: 40 cells (g) of 4 strata x 250 PSUs in PSU order, and one
-- cell (g = 40) of 20,000 PSUs of one row each (psu = row id): its PSU
-- records, 80 bytes each, pass the arena's 1 MB limit for a shared chunk
CREATE TABLE arena_rows AS
SELECT i, CASE WHEN i < 40000 THEN (i / 25) % 40 ELSE 40 END AS g,
       CASE WHEN i < 40000 THEN i / 10000 ELSE 4 END AS stratum,
       CASE WHEN i < 40000 THEN i / 40 ELSE i END AS psu,
       CASE WHEN i % 11 = 0 THEN NULL ELSE (hashint4(i) & 7) < 3 END AS y,
       (0.5 + (hashint4(i + 7) & 15) / 8.0)::float8 AS w
FROM generate_series(0, 59999) i;
CREATE TABLE ar_x AS
SELECT a.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu FROM arena_rows a;
SELECT ok(barometer.declare_design('public.ar_d', 'public.arena_rows', weights => 'w',
	strata => 'stratum', psu => 'psu', materialized => true) IS NOT NULL, 'the design is declared');
CREATE FUNCTION pg_temp.explain_lines(q text) RETURNS SETOF text LANGUAGE plpgsql AS
$$ BEGIN RETURN QUERY EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q; END $$;

CREATE FUNCTION pg_temp.same(a barometer.tally, b barometer.tally) RETURNS boolean LANGUAGE sql AS
$$ SELECT split_part(a::text, ' design=', 2) = split_part(b::text, ' design=', 2)
      AND barometer.n(a) = barometer.n(b)
      AND abs(barometer.estimate(a) - barometer.estimate(b)) <= 1e-15 * abs(barometer.estimate(b))
      AND abs(barometer.se(a) / barometer.se(b) - 1) < 1e-12 AND barometer.df(a) = barometer.df(b) $$;

-- how many cells of query q (columns g, t) equal the reference column ref_col
CREATE FUNCTION pg_temp.agree(q text, ref_col text) RETURNS bigint LANGUAGE plpgsql AS
$$ DECLARE n bigint;
BEGIN
	EXECUTE format('SELECT count(*) FROM (%s) s JOIN ref USING (g) WHERE pg_temp.same(s.t, ref.%I)', q, ref_col) INTO n;
	RETURN n;
END $$;

-- the reference: each cell's tally alone (a context of its own)
CREATE TEMP TABLE ref AS
SELECT g, (SELECT barometer.tally(y, d.design) FROM ar_d d WHERE d.g = c.g) AS t,
          (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) FROM ar_x x WHERE x.g = c.g) AS tx,
          (SELECT barometer.tally(y, w) FROM arena_rows x WHERE x.g = c.g) AS tw
FROM generate_series(0, 40) c(g);

SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL work_mem = '256MB';
SELECT is(pg_temp.agree('SELECT g, barometer.tally(y, design) t FROM ar_d GROUP BY g', 't'), 41::bigint,
	'hash aggregation in memory: every declared cell as alone');
SELECT is(pg_temp.agree('SELECT g, barometer.tally(y, w, stratum, psu, n_psu, NULL) t FROM ar_x GROUP BY g', 'tx'), 41::bigint,
	'hash aggregation in memory: every explicit cell as alone');
SELECT is((SELECT count(*) FROM (SELECT g, barometer.tally(y, w) t FROM arena_rows GROUP BY g) s
           JOIN ref USING (g) WHERE s.t::text = ref.tw::text), 41::bigint,
	'hash aggregation in memory: every weights-only cell as alone, bit for bit');

SET LOCAL work_mem = '64kB';
SET LOCAL enable_sort = off;
SELECT ok((SELECT string_agg(l, E'\n') FROM pg_temp.explain_lines(
	'SELECT g, barometer.tally(y, design) FROM ar_d GROUP BY g') AS e(l)) ~ 'Disk Usage',
	'with work_mem 64kB the hash aggregation spills to disk');
SELECT is(pg_temp.agree('SELECT g, barometer.tally(y, design) t FROM ar_d GROUP BY g', 't'), 41::bigint,
	'hash aggregation spilled to disk: every declared cell as alone');
SET LOCAL enable_sort = on;
SET LOCAL work_mem = '256MB';

SET LOCAL enable_hashagg = off;
SELECT is(pg_temp.agree('SELECT g, barometer.tally(y, design) t FROM ar_d GROUP BY g', 't'), 41::bigint,
	'sorted aggregation (the context reset for every group): every declared cell as alone');
SELECT is(pg_temp.agree('SELECT g, barometer.tally(y, w, stratum, psu, n_psu, NULL) t FROM ar_x GROUP BY g', 'tx'), 41::bigint,
	'sorted aggregation: every explicit cell as alone');
SET LOCAL enable_hashagg = on;

-- grouping sets: the cells, the strata, and everything
SELECT is((SELECT count(*) FROM (SELECT g, stratum, barometer.tally(y, design) t FROM ar_d
                                 GROUP BY GROUPING SETS ((g), (stratum), ())) s
           WHERE CASE WHEN s.g IS NOT NULL THEN pg_temp.same(s.t, (SELECT t FROM ref WHERE ref.g = s.g))
                      WHEN s.stratum IS NOT NULL THEN pg_temp.same(s.t,
                           (SELECT barometer.tally(y, d.design) FROM ar_d d WHERE d.stratum = s.stratum))
                      ELSE pg_temp.same(s.t, (SELECT barometer.tally(y, design) FROM ar_d)) END),
	47::bigint, 'grouping sets (one context each): 41 cells, 5 strata and the total as alone');

-- 60,000 groups of one row: about 7 MB of states in one hash table, so the
-- arena reaches its 2 MB-aligned chunks of 4 and 8 MB (huge-page hint);
-- every group's tally as the sorted plan (a small arena per group) has it
CREATE TEMP TABLE by_row_hashed AS SELECT i, barometer.tally(y, w)::text AS t FROM arena_rows GROUP BY i;
SET LOCAL enable_hashagg = off;
CREATE TEMP TABLE by_row_sorted AS SELECT i, barometer.tally(y, w)::text AS t FROM arena_rows GROUP BY i;
SET LOCAL enable_hashagg = on;
SELECT is((SELECT count(*) FROM by_row_hashed h JOIN by_row_sorted s USING (i) WHERE h.t = s.t), 60000::bigint,
	'60,000 one-row groups (chunks of 4 and 8 MB): every tally as in the sorted plan, bit for bit');

-- a window aggregate over the cells (not the large one: every row of a
-- window returns a copy of its partition's tally)
SELECT is((SELECT count(*) FROM (SELECT DISTINCT ON (g) g, t
                                 FROM (SELECT g, barometer.tally(y, design) OVER (PARTITION BY g) t
                                       FROM ar_d WHERE g < 40) w ORDER BY g) s
           JOIN ref USING (g) WHERE pg_temp.same(s.t, ref.t)), 40::bigint,
	'a window aggregate partitioned by cell: every cell as alone');

-- the large cell: its PSU records outgrow the shared chunks
SELECT is((SELECT barometer.n_psu(t) FROM ref WHERE g = 40), 18182::bigint,
	'the large cell has 18,182 PSUs with an answer (its records take more than 1 MB)');

-- the memory limit holds for requests from the arena
SET LOCAL barometer.max_state_bytes = '256kB';
SELECT throws_ok($$SELECT g, barometer.tally(y, design) FROM ar_d GROUP BY g$$, '54000', NULL,
	'barometer.max_state_bytes stops a state that grows in the arena (54000)');

SELECT * FROM finish();
ROLLBACK;
