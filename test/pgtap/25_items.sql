-- many indicators at once: the array forms of tally() equal the
-- one-indicator aggregates element by element, run in parallel workers
-- with the serial result, and roll up with merge() like any tally.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(17);

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql AS
$$ SELECT CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;

-- 200,000 respondents answering 12 statements on a 1-5 scale, 9 = no
-- opinion, NULL = no answer; 40 groups
CREATE TABLE it_rows AS
SELECT i, (i % 40) AS grp, 0.3 + ((i * 7919) % 977) / 97.7 AS w,
       ARRAY(SELECT CASE WHEN (i * 31 + k * 17) % 41 = 0 THEN NULL
			 WHEN (i * 13 + k * 7) % 23 = 0 THEN 9
			 ELSE 1 + ((i * 2654435761 + k * 40503) % 1000) / 200 END::smallint
	     FROM generate_series(1, 12) AS k) AS answers
FROM generate_series(1::bigint, 200000) AS i;
ALTER TABLE it_rows SET (parallel_workers = 2);
ANALYZE it_rows;
-- indicator k: statement k agreed (4-5); no opinion excluded
-- (a real table: a temporary one would keep the plans out of parallel workers)
CREATE TABLE it_coding AS
SELECT array_agg(k ORDER BY k) AS item,
       array_agg(ARRAY[false, false, false, true, true, NULL, NULL, NULL, NULL]::boolean[] ORDER BY k) AS lookup,
       array_agg(ARRAY[1, 2, 3, 4, 5, NULL, NULL, NULL, NULL]::float8[] ORDER BY k) AS score
FROM generate_series(1, 12) AS k;

SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE it_serial AS
SELECT r.grp, barometer.tally(barometer.recode(r.answers, c.item, c.lookup), r.w, 200000) AS t,
       barometer.tally(barometer.recode(r.answers, c.item, c.score), r.w) AS m
FROM it_rows r, it_coding c GROUP BY r.grp;
CREATE TEMP TABLE it_rowwise AS
SELECT r.grp, k, barometer.tally(CASE WHEN r.answers[k] IS NULL OR r.answers[k] = 9 THEN NULL
				      ELSE r.answers[k] >= 4 END, r.w, 200000) AS t,
       barometer.tally(CASE WHEN r.answers[k] <> 9 THEN r.answers[k]::float8 END, r.w) AS m
FROM it_rows r, generate_series(1, 12) AS k GROUP BY r.grp, k;

SELECT is((SELECT count(*) FROM it_serial s JOIN it_rowwise w USING (grp)
	   WHERE s.t[w.k]::text = w.t::text AND s.m[w.k]::text = w.m::text), 480::bigint,
	  'recode + array tally = one tally per indicator from CASE expressions, in the stored form (40 groups x 12)');

SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
-- (the coding as InitPlans: the workers get it as parameters)
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
	RETURN acc;
END $$;
SELECT matches(pg_temp.plan_of($$SELECT r.grp, barometer.tally(barometer.recode(r.answers, (SELECT item FROM it_coding), (SELECT lookup FROM it_coding)), r.w, 200000)
				FROM it_rows r GROUP BY r.grp$$),
	'Partial (Hash|Group)Aggregate', 'the array tally runs partially in parallel workers');
SELECT matches(pg_temp.plan_of($$SELECT barometer.tally(barometer.recode(r.answers, (SELECT item FROM it_coding), (SELECT score FROM it_coding)), r.w)
				FROM it_rows r$$),
	'Partial Aggregate', 'the array mean tally runs as a Partial Aggregate');
CREATE TEMP TABLE it_par AS
SELECT r.grp, barometer.tally(barometer.recode(r.answers, (SELECT item FROM it_coding), (SELECT lookup FROM it_coding)), r.w, 200000) AS t,
       barometer.tally(barometer.recode(r.answers, (SELECT item FROM it_coding), (SELECT score FROM it_coding)), r.w) AS m
FROM it_rows r GROUP BY r.grp;
SELECT is((SELECT count(*) FROM it_par p JOIN it_serial s USING (grp), generate_series(1, 12) AS k
	   WHERE barometer.n(p.t[k]) = barometer.n(s.t[k]) AND barometer.n_missing(p.t[k]) = barometer.n_missing(s.t[k])
	     AND pg_temp.rel(barometer.estimate(p.t[k]), barometer.estimate(s.t[k])) < 1e-12
	     AND pg_temp.rel(barometer.se(p.t[k]), barometer.se(s.t[k])) < 1e-12
	     AND pg_temp.rel(barometer.estimate(p.m[k]), barometer.estimate(s.m[k])) < 1e-12
	     AND pg_temp.rel(barometer.se(p.m[k]), barometer.se(s.m[k])) < 1e-12), 480::bigint,
	  'parallel = serial for every group and element (rel 1e-12)');
CREATE TEMP TABLE it_par_whole AS
SELECT barometer.tally(barometer.recode(r.answers, (SELECT item FROM it_coding), (SELECT lookup FROM it_coding)), r.w, 200000) AS t
FROM it_rows r;
SET LOCAL max_parallel_workers_per_gather = 0;

-- rollup: merging the groups' element k = the whole sample's element k
CREATE TEMP TABLE it_whole AS
SELECT barometer.tally(barometer.recode(r.answers, c.item, c.lookup), r.w, 200000) AS t
FROM it_rows r, it_coding c;
SELECT is((SELECT count(*) FROM generate_series(1, 12) AS k, it_whole w,
		LATERAL (SELECT barometer.merge(s.t[k]) AS t FROM it_serial s) m
	   WHERE barometer.n(m.t) = barometer.n(w.t[k])
	     AND pg_temp.rel(barometer.estimate(m.t), barometer.estimate(w.t[k])) < 1e-14
	     AND pg_temp.rel(barometer.se(m.t), barometer.se(w.t[k])) < 1e-12), 12::bigint,
	  'merge() of the groups'' element k = the whole sample''s element k');
SELECT is((SELECT count(*) FROM generate_series(1, 12) AS k, it_whole w, it_par_whole p
	   WHERE barometer.n(p.t[k]) = barometer.n(w.t[k])
	     AND pg_temp.rel(barometer.estimate(p.t[k]), barometer.estimate(w.t[k])) < 1e-12
	     AND pg_temp.rel(barometer.se(p.t[k]), barometer.se(w.t[k])) < 1e-12), 12::bigint,
	  'the whole sample in parallel = serial, every element');
-- and mixes with row-wise tallies of the same domain design
SELECT ok(pg_temp.rel((SELECT barometer.se(barometer.merge(x.t))
			FROM (SELECT s.t[3] AS t FROM it_serial s WHERE s.grp < 20
			      UNION ALL SELECT w2.t FROM it_rowwise w2 WHERE w2.grp >= 20 AND w2.k = 3) x),
		       (SELECT barometer.se(w.t[3]) FROM it_whole w)) < 1e-12,
	  'array and row-wise tallies of one domain design merge together');
-- the whole-sample element: weights-only domain tally of the whole sample =
-- the plain weights-only tally's estimate and standard error
SELECT ok((SELECT pg_temp.rel(barometer.se(w.t[5]), barometer.se(p.t)) < 1e-12
	   FROM it_whole w,
		(SELECT barometer.tally(CASE WHEN answers[5] IS NULL OR answers[5] = 9 THEN NULL ELSE answers[5] >= 4 END, w) AS t
		 FROM it_rows) p),
	  'the whole sample as its own domain: the standard error of tally(y, w)');
-- recode on integer codes and float scores
SELECT is(barometer.recode('{5,1,NULL}'::integer[], '{1,2,3}', '{{0,25,50,75,100},{0,25,50,75,100},{0,25,50,75,100}}'::float8[]),
	  '{100,0,NULL}'::float8[], 'recode scores integer codes as numbers');
SELECT throws_ok($$SELECT barometer.recode('{6}'::smallint[], '{1}', '{{f,f,f,t,t}}'::boolean[])$$,
	  '22023', NULL, 'a code outside the lookup is an error (22023), not a silent NULL');

-- the lookup is taken apart once per call site: a lookup that changes from
-- row to row is still applied row by row
SELECT is((SELECT array_agg(barometer.recode('{2}'::smallint[], '{1}', l) ORDER BY o)
	   FROM (VALUES (1, '{{f,t,f}}'::boolean[]), (2, '{{t,f,t}}'), (3, '{{f,t,f}}'), (4, '[1:1][2:3]={{NULL,t}}')) v(o, l)),
	  '{{t},{f},{t},{NULL}}'::boolean[], 'recode follows a lookup that changes between rows');
-- error codes
SELECT throws_ok($$SELECT barometer.tally(y, 1.0::float8) FROM (VALUES ('{t}'::boolean[]), ('{t,f}')) v(y)$$,
	  '2202E', NULL, 'arrays of different lengths: 2202E');
SELECT throws_ok($$SELECT barometer.tally(NULL::boolean[], 1.0::float8)$$,
	  '22023', NULL, 'a NULL array: 22023');
SELECT throws_ok($$SELECT barometer.tally('{1e80}'::float8[], 1.0::float8)$$,
	  '22003', NULL, 'a value beyond 1e75: 22003');
SELECT throws_ok($$SELECT barometer.tally(y, 1.0::float8, n) FROM (VALUES ('{t}'::boolean[], 5::bigint), ('{f}', 6)) v(y, n)$$,
	  '22023', NULL, 'n_sample differing between rows: 22023');
SELECT throws_ok($$SELECT barometer.recode('{1,2}'::integer[], '{3}', '{{f,t}}'::boolean[])$$,
	  '2202E', NULL, 'an item outside the codes: 2202E');
SELECT throws_ok($$SELECT barometer.recode('{1,2}'::integer[], '{1,2}', '{{f,t}}'::boolean[])$$,
	  '2202E', NULL, 'a lookup without a row per item: 2202E');

SELECT * FROM finish();
ROLLBACK;
