-- the stored tally since layout 4: a one-stage design accumulated PSU by PSU
-- in id order (psu = row id, the README's form for a stratified sample
-- without clusters) stores its log as it is, the ids that are the successor
-- of the previous PSU's integer id left out (9 bytes a PSU, not 18); every
-- reader, merge, window, parallel plan, text and binary form and error
-- message sees the same tally as the form without them
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(22);

-- 30,000 rows in 3 strata (12,000, 12,000, 6,000): mostly one row per PSU
-- and ids one apart; every 97th PSU has two rows (weights 0.1 and 0.2),
-- every 1,000th id is skipped, a stratum starts within a run of ids
CREATE TABLE sc_rows AS
SELECT i, i / 12000 AS stratum,
       CASE WHEN i % 97 = 1 THEN i - 1 ELSE i END + i / 1000 AS psu,
       CASE WHEN i % 13 = 0 THEN NULL ELSE i % 3 = 0 END AS y,
       CASE WHEN i % 97 = 0 THEN 0.1 WHEN i % 97 = 1 THEN 0.2 ELSE 0.5 + (i % 7) * 0.25 END::float8 AS w,
       hashint4(i) AS shuffle
FROM generate_series(0, 29999) i;
ALTER TABLE sc_rows SET (parallel_workers = 2);
CREATE TEMP TABLE sc AS
SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu FROM sc_rows r;

CREATE TEMP TABLE v AS
SELECT one, pg_column_size(one) AS one_bytes, copy, pg_column_size(copy) AS copy_bytes, shuffled, merged, npsu
FROM (SELECT (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL ORDER BY i) FROM sc) AS one,
             (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL ORDER BY i)::text::barometer.tally FROM sc) AS copy,
             (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL ORDER BY shuffle) FROM sc) AS shuffled,
             (SELECT barometer.merge(t) FROM (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL ORDER BY i) AS t
                                              FROM sc GROUP BY i < 15000) h) AS merged,
             (SELECT count(DISTINCT (stratum, psu)) FROM sc WHERE y IS NOT NULL) AS npsu) x;
-- the design section of the text form (the core's compensated sums keep
-- the last bits of the order the rows came in)
CREATE FUNCTION pg_temp.design_of(t barometer.tally) RETURNS text LANGUAGE sql AS
$$ SELECT split_part(t::text, ' design=', 2) $$;
CREATE FUNCTION pg_temp.same_estimates(a barometer.tally, b barometer.tally) RETURNS boolean LANGUAGE sql AS
$$ SELECT abs(barometer.estimate(a) - barometer.estimate(b)) <= 1e-15 * abs(barometer.estimate(b))
      AND abs(barometer.se(a) / barometer.se(b) - 1) < 1e-12
      AND barometer.df(a) = barometer.df(b) AND barometer.n_psu(a) = barometer.n_psu(b) $$;

-- (a PSU after a gap - the rows of a missing answer, a skipped id, a
-- stratum's first - takes 18 bytes, one of two rows 34, and so do the last
-- PSUs, up to 4,096, that have not yet moved to the log)
SELECT cmp_ok(one_bytes::numeric / npsu, '<', 11.5::numeric,
	'psu = row id in id order: under 11.5 bytes a PSU (9 for a successor)') FROM v;
SELECT cmp_ok(copy_bytes::numeric / npsu, '>', 17::numeric,
	'the same tally read from its text form keeps every id (18 bytes a PSU)') FROM v;
SELECT ok(copy::text = one::text, 'text form: the same as the form with every id') FROM v;
SELECT ok(barometer.tally_send(one) = barometer.tally_send(copy), 'binary form: the same') FROM v;
SELECT ok(one::text::barometer.tally::text = one::text, 'text round trip') FROM v;
SELECT ok(pg_temp.design_of(shuffled) = pg_temp.design_of(one) AND pg_temp.same_estimates(shuffled, one),
	'the rows in another order: the same strata and PSUs, estimate, SE, df') FROM v;
SELECT ok(pg_temp.design_of(merged) = pg_temp.design_of(one) AND pg_temp.same_estimates(merged, one),
	'merging the two halves: the same strata and PSUs, estimate, SE, df') FROM v;
SELECT ok(barometer.merge(t)::text = (SELECT one::text FROM v), 'merge of the tally with nothing: the same')
FROM (SELECT one AS t FROM v UNION ALL SELECT NULL) m;
SELECT is(ARRAY[barometer.estimate(one), barometer.se(one), barometer.df(one), barometer.n_psu(one), barometer.n_strata(one)],
          ARRAY[barometer.estimate(copy), barometer.se(copy), barometer.df(copy), barometer.n_psu(copy), barometer.n_strata(copy)],
	'readers: estimate, SE, df, PSUs and strata the same') FROM v;
SELECT is(barometer.n_psu(one)::bigint, npsu, 'every PSU counted') FROM v;

-- a window: the running tally at row 20,000 is the tally of the rows up to it
SELECT ok((SELECT t::text FROM (SELECT i, barometer.tally(y, w, stratum, psu, n_psu, NULL) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) AS t
                                FROM sc) r WHERE i = 20000)
          = (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL ORDER BY i)::text FROM sc WHERE i <= 20000),
	'a running window tally at row 20,000 = the tally of rows 0-20,000');

-- a parallel plan (partial states serialized with successor ids, merged)
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text; s text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP s := s || r || E'\n'; END LOOP;
	RETURN s;
END $f$;
SELECT matches(pg_temp.plan_of('SELECT barometer.tally(y, w, stratum, psu, 30000, NULL) FROM sc_rows'),
	'Partial Aggregate', 'the plan aggregates in parallel workers');
CREATE TEMP TABLE par AS
SELECT barometer.tally(y, w, stratum, psu, 30000, NULL) AS t FROM sc_rows;
RESET max_parallel_workers_per_gather;
SELECT is((SELECT ARRAY[barometer.estimate(t), barometer.n_psu(t)] FROM par),
          (SELECT ARRAY[barometer.estimate(t), barometer.n_psu(t)] FROM (SELECT barometer.tally(y, w, stratum, psu, 30000, NULL ORDER BY i) AS t FROM sc_rows) s),
	'parallel plan: the estimate and the PSUs of the serial one');
SELECT ok(abs(barometer.se((SELECT t FROM par)) / barometer.se(t) - 1) < 1e-12,
	'parallel plan: the SE of the serial one')
FROM (SELECT barometer.tally(y, w, stratum, psu, 30000, NULL ORDER BY i) AS t FROM sc_rows) s;

-- ids across the int64 range: max - 3000 .. max, then min .. min + 3000 is
-- one run in the order of the keys (max's successor is min); -1 has none
CREATE TEMP TABLE edge AS
SELECT k, (k % 5 = 0) AS y, 1.0 + abs(k % 3)::float8 AS w
FROM (SELECT 9223372036854775807 - g AS k FROM generate_series(0, 3000) g
      UNION ALL SELECT -9223372036854775807 - 1 + g FROM generate_series(0, 3000) g
      UNION ALL SELECT g FROM generate_series(-3000, 3000) g) e;
CREATE TEMP TABLE ev AS
SELECT one, pg_column_size(one) AS one_bytes, shuffled, npsu
FROM (SELECT barometer.tally(y, w, 1, k, 20000, NULL ORDER BY (k >= 0) DESC, k) AS one,
             barometer.tally(y, w, 1, k, 20000, NULL ORDER BY hashint8(k)) AS shuffled,
             count(*) AS npsu
      FROM edge) x;
-- (12,003 PSUs: the last 3,811, not yet moved to the log, keep their ids)
SELECT cmp_ok(pg_column_size(one::text::barometer.tally) - one_bytes, '>=', 9 * 8180,
	'ids across int64 max to min and -1 to 0: the 8,192 PSUs in the log save 9 bytes each (but the ends of runs)') FROM ev;
SELECT ok(pg_temp.design_of(one) = pg_temp.design_of(shuffled) AND pg_temp.same_estimates(one, shuffled),
	'the same strata, PSUs and estimates as from the rows in another order') FROM ev;
SELECT ok(one::text::barometer.tally::text = one::text, 'text round trip across the int64 range') FROM ev;
SELECT is(barometer.n_psu(one)::bigint, 12003::bigint, 'every PSU counted across the int64 range') FROM ev;

-- errors name what they did before: n_psu too small, found in the final step
SELECT throws_ok($$SELECT barometer.tally(true, 1.0::float8, 7, i, 9000, NULL) FROM generate_series(1, 10000) i$$,
	'22023', 'stratum 7 has more PSUs than its n_psu',
	'n_psu below the PSUs seen: 22023 naming the stratum');
SELECT throws_ok($$SELECT barometer.se(barometer.tally(true, 1.0::float8, i / 5000, i, CASE WHEN i / 5000 = 2 THEN 1 ELSE 5000 END, NULL, 'fail')) FROM generate_series(0, 10000) i$$,
	'22023', 'stratum with only one PSU: 2',
	'a lonely PSU after a run of successors: 22023 naming the stratum');

-- a binary one-stage PSU with SSU counts (the last 16 bytes of a one-PSU
-- value: n_ssu, popsize2), which version 4's records cannot carry, is still
-- refused with 22P03 and the check's own reason
CREATE TEMP TABLE bin_in (t barometer.tally);
\ir ../lib/binary_copy.sql
CREATE FUNCTION pg_temp.copy_error(payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	st text;
	det text;
BEGIN
	EXECUTE pg_temp.binary_copy('bin_in', payload);
	RETURN 'accepted';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || ': ' || det;
END $f$;
SELECT is(pg_temp.copy_error(set_byte(b, length(b) - 9, 1)),
          '22P03: A one-stage design has no SSU counts (n_ssu and popsize2 are 0).',
	'a binary one-stage PSU with an SSU count: 22P03 and its reason')
FROM (SELECT barometer.tally_send(barometer.tally(true, 1.0::float8, 1, 1, 2, NULL)) AS b) x;
SELECT is(pg_temp.copy_error(b), 'accepted', 'the same value unchanged loads')
FROM (SELECT barometer.tally_send(barometer.tally(true, 1.0::float8, 1, 1, 2, NULL)) AS b) x;

SELECT * FROM finish();
ROLLBACK;
