-- tally_stratified equals the clustered form with psu = the row's id (whose
-- numbers 40_design_fixtures.sql checks against R), reader by reader to
-- relative 1e-12 and df exactly: several strata (a lonely one, census ones),
-- fpc as fractions and counts, missing y, zero weights, domains (one absent
-- from some strata, one with a single row in a stratum), every lonely
-- policy, means and proportions; diff_test 'part' and 'independent' alike,
-- 'domains' refused; serial = parallel, merge in any order, text and binary
-- round trips
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(24);

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN a IS NULL AND b IS NULL THEN 0 WHEN a IS NULL OR b IS NULL THEN 'Infinity'
               WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;

-- 9 strata: 7 has one row (a lonely PSU, f = 0.8 with fpc), 6 and 8 are
-- censuses with fpc; domain c is absent from strata 1 and 2, domain d is one
-- row of stratum 4 and some rows of stratum 9
CREATE TEMP TABLE eq_rows AS
WITH sizes(stratum, size, popcount) AS (
	VALUES (1, 40, 400), (2, 75, 90), (3, 120, 5000), (4, 9, 30), (5, 230, 231),
	       (6, 60, 60), (7, 1, 5), (8, 2, 2), (9, 33, 100)),
r AS (
	SELECT s.stratum, k, s.size, s.popcount,
	       abs(hashint8extended(s.stratum * 1000 + k, 7)) AS h
	FROM sizes s, generate_series(1, s.size) k)
SELECT row_number() OVER (ORDER BY stratum, k) AS id, stratum, k,
       CASE WHEN stratum = 4 AND k = 3 THEN true WHEN h % 19 = 0 THEN NULL
            ELSE (h >> 5) % 100 < 20 + 6 * stratum END AS y,
       CASE WHEN stratum = 4 AND k = 3 THEN 7.25 WHEN h % 23 = 0 THEN NULL
            ELSE ((h >> 9) % 1000) / 37.0 + stratum END AS x,
       CASE WHEN stratum = 4 AND k = 3 THEN 1.5 WHEN h % 29 = 0 THEN 0
            ELSE 0.25 + ((h >> 13) % 64) / 8.0 END::float8 AS w,
       size::float8 / popcount AS fpc_frac, popcount::float8 AS fpc_count,
       CASE WHEN stratum = 4 THEN CASE WHEN k = 3 THEN 'd' ELSE 'a' END
            WHEN stratum = 9 AND k % 5 = 0 THEN 'd'
            WHEN stratum IN (1, 2) THEN (ARRAY['a', 'b'])[1 + (h >> 17) % 2]
            ELSE (ARRAY['a', 'b', 'c'])[1 + (h >> 17) % 3] END AS dom
FROM r;
CREATE TEMP TABLE eq_d AS
SELECT r.*, count(*) OVER (PARTITION BY stratum) AS n_stratum,
       barometer.psu_count(id) OVER (PARTITION BY stratum) AS n_psu
FROM eq_rows r;

-- the pairs: (variable, fpc, policy) x (domains a, b, c, d and all)
CREATE TEMP TABLE eq (variable text, fpc text, policy text, dom text,
                      s barometer.tally, c barometer.tally);
DO $do$
DECLARE
	v text;
	f text;
	p text;
BEGIN
	FOREACH v IN ARRAY ARRAY['y', 'x'] LOOP
		FOREACH f IN ARRAY ARRAY['NULL', 'fpc_frac', 'fpc_count'] LOOP
			FOREACH p IN ARRAY ARRAY['fail', 'remove', 'certainty', 'adjust', 'average'] LOOP
				EXECUTE format(
					'INSERT INTO eq SELECT %L, %L, %L, coalesce(dom, %L), '
					'  barometer.tally_stratified(%I, w, stratum, n_stratum, %s, %L), '
					'  barometer.tally(%I, w, stratum, id, n_psu, %s, %L) '
					'FROM eq_d GROUP BY GROUPING SETS ((dom), ())',
					v, f, p, 'all', v, f, p, v, f, p);
			END LOOP;
		END LOOP;
	END LOOP;
END $do$;

-- every reader of a tally (the variance ones may raise: the lonely policy
-- fail), and the publication status under the default policy of its kind
CREATE FUNCTION pg_temp.readers(t barometer.tally, OUT vals float8[], OUT status text, OUT err text)
LANGUAGE plpgsql AS $f$
DECLARE
	rp record;
BEGIN
	IF barometer.kind(t) = 'proportion' THEN
		vals := ARRAY[barometer.ci_lower(t), barometer.ci_upper(t),
		              barometer.ci_lower(t, 0.9, 'logit'), barometer.ci_upper(t, 0.9, 'logit'),
		              barometer.ci_lower(t, 0.95, 'xlogit'), barometer.ci_upper(t, 0.95, 'asin'),
		              barometer.ci_lower(t, 0.95, 'wilson'), barometer.ci_upper(t, 0.95, 'clopper_pearson'),
		              barometer.ci_lower(t, 0.95, 'likelihood'), barometer.ci_upper(t, 0.95, 'likelihood'),
		              barometer.ci_lower(t, 0.99, 'mean', 'Infinity'), barometer.ci_upper(t, 0.95, 'jeffreys')];
		status := (barometer.publication_status(t)).status;
	ELSE
		vals := ARRAY[barometer.ci_lower(t), barometer.ci_upper(t),
		              barometer.ci_lower(t, 0.9, 'mean', 'Infinity'), barometer.ci_upper(t, 0.99, 'mean')];
		status := (barometer.publication_status(t, 'statcan_cv')).status;
	END IF;
	SELECT * INTO rp FROM barometer.report(t);
	vals := vals || ARRAY[barometer.estimate(t), barometer.variance(t), barometer.se(t), barometer.cv(t),
	                      barometer.deff(t), barometer.deff(t, true), barometer.weighted_n(t),
	                      barometer.kish_n_eff(t), barometer.n(t), barometer.n_missing(t),
	                      rp.estimate, rp.se, rp.ci_lower, rp.ci_upper, rp.n_eff, rp.deff, rp.df, rp.cv];
	status := status || ' ' || rp.status || ' ' || coalesce(rp.reason_en, '');
EXCEPTION WHEN OTHERS THEN
	err := SQLSTATE || ': ' || SQLERRM;
END $f$;

CREATE TEMP TABLE eq_r AS
SELECT e.*, rs.vals AS vs, rs.status AS sts, rs.err AS es, rc.vals AS vc, rc.status AS stc, rc.err AS ec,
       barometer.df(e.s) AS dfs, barometer.df(e.c) AS dfc, barometer.estimate(e.s) AS ests,
       barometer.estimate(e.c) AS estc
FROM eq e, LATERAL pg_temp.readers(e.s) rs, LATERAL pg_temp.readers(e.c) rc;

SELECT is((SELECT count(*) FROM eq_r), 150::bigint, '150 pairs: 2 variables x 3 fpc forms x 5 policies x 5 domains (a, b, c, d, all)');
SELECT ok((SELECT bool_and(es IS NOT DISTINCT FROM ec) FROM eq_r),
	'the same errors (the lonely stratum under fail) from both forms');
SELECT is((SELECT count(*) FROM eq_r WHERE es IS NOT NULL), 12::bigint,
	'under fail, reading the variance of all and of b (which hold stratum 7) fails: 2 x 3 x 2');
SELECT ok((SELECT bool_and(es ~ '^22023: stratum with only one PSU: 7$') FROM eq_r WHERE es IS NOT NULL),
	'naming the lonely stratum 7');
SELECT ok((SELECT bool_and(dfs = dfc) FROM eq_r), 'df: identical for every pair, fail included');
SELECT ok((SELECT bool_and(ests = estc) FROM eq_r), 'estimate: identical (the same compensated sums)');
SELECT ok((SELECT bool_and(array_length(vs, 1) = array_length(vc, 1)) FROM eq_r WHERE es IS NULL),
	'every reader defined alike');
SELECT cmp_ok((SELECT max(pg_temp.rel(vs[k], vc[k])) FROM eq_r, generate_subscripts(vs, 1) k WHERE es IS NULL),
	'<=', 1e-12::float8, 'every reader within relative 1e-12 of the clustered form');
SELECT diag(format('largest relative difference from the psu = row id form: %s',
	(SELECT max(pg_temp.rel(vs[k], vc[k])) FROM eq_r, generate_subscripts(vs, 1) k WHERE es IS NULL)));
SELECT ok((SELECT bool_and(sts = stc) FROM eq_r WHERE es IS NULL), 'the same publication status and reason');
SELECT ok((SELECT bool_and(s::text ~ '; s i4 9 [^;]* 1 1 ') FROM eq WHERE dom = 'd'),
	'domain d holds a single row of stratum 4 (n_stratum 9): zero padding, not lonely');
SELECT ok((SELECT bool_and(s::text !~ '; s i[12] ') FROM eq WHERE dom = 'c'),
	'domain c has no record for strata 1 and 2');

-- diff_test: 'part' (each domain against the whole sample) and
-- 'independent', both forms alike; 'domains' refused for stratified tallies
CREATE FUNCTION pg_temp.dt(a barometer.tally, b barometer.tally, rel text, OUT v float8[], OUT err text)
LANGUAGE plpgsql AS $f$
DECLARE d record;
BEGIN
	SELECT * INTO d FROM barometer.diff_test(a, b, rel);
	v := ARRAY[d.difference, d.se, d.ci_lower, d.ci_upper, d.statistic, d.df, d.p_value];
EXCEPTION WHEN OTHERS THEN
	err := SQLSTATE || ': ' || SQLERRM;
END $f$;
CREATE TEMP TABLE eq_dt AS
SELECT p.variable, p.fpc, p.policy, p.dom, rel, ds.v AS vs, ds.err AS es, dc.v AS vc, dc.err AS ec
FROM eq p JOIN eq w ON w.variable = p.variable AND w.fpc = p.fpc AND w.policy = p.policy AND w.dom = 'all',
     unnest(ARRAY['part', 'independent']) rel,
     LATERAL pg_temp.dt(p.s, w.s, rel) ds, LATERAL pg_temp.dt(p.c, w.c, rel) dc
WHERE p.dom <> 'all';
SELECT ok((SELECT bool_and(es IS NOT DISTINCT FROM ec) FROM eq_dt) AND (SELECT count(*) FROM eq_dt WHERE es IS NULL) = 192,
	'diff_test part and independent: the same errors (lonely fail: the whole holds stratum 7), 192 of 240 computed');
SELECT cmp_ok((SELECT max(pg_temp.rel(vs[k], vc[k])) FROM eq_dt, generate_subscripts(vs, 1) k WHERE es IS NULL),
	'<=', 1e-12::float8, 'diff_test: difference, se, interval, statistic, df and p within 1e-12 of the clustered form');
SELECT diag(format('diff_test largest relative difference: %s',
	(SELECT max(pg_temp.rel(vs[k], vc[k])) FROM eq_dt, generate_subscripts(vs, 1) k WHERE es IS NULL)));
SELECT throws_ok($$SELECT barometer.diff_test(a.s, b.s, 'domains') FROM eq a, eq b
	WHERE a.variable = 'y' AND b.variable = 'y' AND a.fpc = 'NULL' AND b.fpc = 'NULL'
	  AND a.policy = 'remove' AND b.policy = 'remove' AND a.dom = 'a' AND b.dom = 'c'$$,
	'22023', 'stratified tallies cannot be compared as domains', 'diff_test domains of two stratified tallies: 22023');

-- merge in any order: small pieces (stratum x domain x k % 3) rolled up in
-- three orders equal the direct tally, domain by domain and whole
CREATE TEMP TABLE eq_pieces AS
SELECT stratum, dom, k % 3 AS part, barometer.tally_stratified(x, w, stratum, n_stratum, fpc_count, 'adjust') AS t
FROM eq_d GROUP BY 1, 2, 3;
CREATE TEMP TABLE eq_direct AS
SELECT coalesce(dom, 'all') AS dom, barometer.tally_stratified(x, w, stratum, n_stratum, fpc_count, 'adjust') AS t
FROM eq_d GROUP BY GROUPING SETS ((dom), ());
CREATE TEMP TABLE eq_merged AS
SELECT coalesce(dom, 'all') AS dom,
       barometer.merge(t ORDER BY stratum, part) AS m1,
       barometer.merge(t ORDER BY stratum DESC, part DESC) AS m2,
       barometer.merge(t ORDER BY md5(stratum || dom || part)) AS m3
FROM eq_pieces GROUP BY GROUPING SETS ((dom), ());
SELECT ok((SELECT bool_and(pg_temp.rel(barometer.se(m.m1), barometer.se(d.t)) <= 1e-13
                      AND pg_temp.rel(barometer.se(m.m2), barometer.se(d.t)) <= 1e-13
                      AND pg_temp.rel(barometer.se(m.m3), barometer.se(d.t)) <= 1e-13
                      AND pg_temp.rel(barometer.estimate(m.m3), barometer.estimate(d.t)) <= 1e-15
                      AND barometer.df(m.m1) = barometer.df(d.t) AND barometer.df(m.m3) = barometer.df(d.t)
                      AND barometer.n(m.m2) = barometer.n(d.t))
           FROM eq_merged m JOIN eq_direct d USING (dom)) AND (SELECT count(*) FROM eq_merged) = 5,
	'merge of the pieces in three orders = the direct tally (se 1e-13, df, n), per domain and whole');
SELECT ok((SELECT bool_and(barometer.se(m1) = barometer.se(m2) AND barometer.se(m1) = barometer.se(m3)
                      AND barometer.estimate(m1) = barometer.estimate(m2) AND barometer.estimate(m1) = barometer.estimate(m3))
           FROM eq_merged),
	'and the three merge orders give the same estimate and se to the last bit');
SELECT throws_ok($$SELECT barometer.merge(t) FROM (SELECT s AS t FROM eq WHERE variable = 'x' AND fpc = 'NULL' AND policy = 'fail' AND dom = 'all'
	UNION ALL SELECT s FROM eq WHERE variable = 'x' AND fpc = 'NULL' AND policy = 'fail' AND dom = 'a') q$$,
	'22023', NULL, 'merging overlapping groups (more rows than n_stratum): 22023');

-- text and binary round trips of every stratified tally
SELECT ok((SELECT bool_and(s::text::barometer.tally::text = s::text
                     AND barometer.tally_send(s::text::barometer.tally) = barometer.tally_send(s)) FROM eq),
	'text round trip: the same text and the same send bytes (150 tallies)');
CREATE FUNCTION pg_temp.binary_round_trip() RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE path text := '/tmp/barometer_strat_' || pg_backend_pid() || '.bin'; n bigint;
BEGIN
	EXECUTE format('COPY (SELECT variable, fpc, policy, dom, s FROM eq) TO %L (FORMAT binary)', path);
	CREATE TEMP TABLE eq_back (variable text, fpc text, policy text, dom text, s barometer.tally);
	EXECUTE format('COPY eq_back FROM %L (FORMAT binary)', path);
	SELECT count(*) INTO n FROM eq a JOIN eq_back b USING (variable, fpc, policy, dom)
	WHERE barometer.tally_send(a.s) = barometer.tally_send(b.s) AND a.s::text = b.s::text;
	RETURN n;
END $f$;
SELECT is(pg_temp.binary_round_trip(), 150::bigint, 'binary round trip through COPY: every tally bit for bit');

-- text identifiers, and the readers after a round trip
SELECT ok(barometer.se(t::text::barometer.tally) = barometer.se(t) AND t::text::barometer.tally::text = t::text,
	'text stratum identifiers with quotes and non-ASCII round-trip')
FROM (SELECT barometer.tally_stratified(y, w, 'S "é\' || stratum, n_stratum, fpc_frac, 'certainty') AS t FROM eq_d) q;

-- serial = parallel on 200,000 rows in 40 strata, six domains
CREATE TABLE eq_big AS
SELECT i, 1 + i % 40 AS stratum, (i * 7919) % 6 AS dom,
       CASE WHEN i % 31 = 0 THEN NULL ELSE ((i * 2654435761) % 1000) < 250 + 10 * (i % 40) END AS y,
       0.5 + ((i * 40503) % 997) / 199.4 AS w
FROM generate_series(1::bigint, 200000) AS i;
CREATE TABLE eq_bigd AS SELECT b.*, count(*) OVER (PARTITION BY stratum) AS n_stratum FROM eq_big b;
ALTER TABLE eq_bigd SET (parallel_workers = 2);
ANALYZE eq_bigd;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE big_serial AS
SELECT coalesce(dom, -1) AS dom, barometer.tally_stratified(y, w, stratum, n_stratum, 50000.0) AS t
FROM eq_bigd GROUP BY GROUPING SETS ((dom), ());
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
SELECT matches(pg_temp.plan_of('SELECT barometer.tally_stratified(y, w, stratum, n_stratum, 50000.0) FROM eq_bigd'),
	'Partial Aggregate', 'tally_stratified runs as a Partial Aggregate');
CREATE TEMP TABLE big_par AS
SELECT -1 AS dom, barometer.tally_stratified(y, w, stratum, n_stratum, 50000.0) AS t FROM eq_bigd
UNION ALL
SELECT dom, barometer.tally_stratified(y, w, stratum, n_stratum, 50000.0) FROM eq_bigd GROUP BY dom;
RESET max_parallel_workers_per_gather;
SELECT ok((SELECT bool_and(pg_temp.rel(barometer.se(p.t), barometer.se(s.t)) <= 1e-12
                      AND barometer.estimate(p.t) = barometer.estimate(s.t)
                      AND barometer.df(p.t) = barometer.df(s.t) AND barometer.n(p.t) = barometer.n(s.t))
           FROM big_par p JOIN big_serial s USING (dom)) AND (SELECT count(*) FROM big_par) = 7,
	'parallel = serial (estimate, df, n exactly; se within 1e-12), whole sample and six domains');
SELECT cmp_ok((SELECT pg_column_size(t) FROM big_serial WHERE dom = -1), '<', 5000,
	'200,000 rows in 40 strata take under 5 kB (40 x 120 bytes and the identifiers)');

-- diff_test keeps the whole's terms while the same whole comes back: one
-- statement over runs of parts against repeated and alternating wholes
-- gives the bits of a fresh call site (EXECUTE) for every pair
CREATE FUNCTION pg_temp.fresh_diff(a barometer.tally, b barometer.tally, rel text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE 'SELECT barometer.diff_test($1, $2, $3)::text' INTO r USING a, b, rel;
	RETURN r;
END $$;
CREATE TEMP TABLE cache_pairs AS
SELECT row_number() OVER (ORDER BY w.variable, w.fpc, w.policy, a.dom, k) AS o,
       a.s AS part, CASE WHEN k = 3 THEN a.s ELSE w.s END AS whole, k
FROM eq a JOIN eq w ON w.dom = 'all' AND (w.variable, w.fpc, w.policy) = (a.variable, a.fpc, a.policy),
     generate_series(1, 3) k
WHERE a.dom <> 'all' AND a.policy <> 'fail';
SELECT is((SELECT count(*) FROM (SELECT o, barometer.diff_test(part, whole, 'part')::text AS dp,
					 barometer.diff_test(part, whole, 'independent')::text AS di
				  FROM (SELECT * FROM cache_pairs ORDER BY o OFFSET 0) q) x
	   JOIN cache_pairs p USING (o)
	   WHERE x.dp IS DISTINCT FROM pg_temp.fresh_diff(p.part, p.whole, 'part')
	      OR x.di IS DISTINCT FROM pg_temp.fresh_diff(p.part, p.whole, 'independent')),
	  0::bigint, 'diff_test in one statement (the whole cached while it repeats) = a fresh call per pair, part and independent');

SELECT * FROM finish();
ROLLBACK;
