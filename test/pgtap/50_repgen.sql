-- Replicate weights made in SQL (barometer.replicate_plan and friends)
-- against R survey 4.1.1's as.svrepdesign(): test/fixtures/repgen_*.csv,
-- made by test/fixtures/make_repgen_fixtures.R.  Per case: replicates,
-- scale, rscales, df and every row's replicate weights within a relative
-- 1e-12; the mean and SE of y through barometer.tally with the replicate
-- weights; bootstrap properties (reproducible, Rao-Wu sums, moments);
-- row-order and parallel independence; text and binary round trips; bad
-- input with its SQLSTATE.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1
BEGIN;
SELECT plan(159);

CREATE TEMP TABLE rg_data (
    dataset text NOT NULL,
    id      integer NOT NULL,
    stratum integer NOT NULL,
    psu     integer NOT NULL,
    w       double precision NOT NULL,
    y       double precision NOT NULL
);
\copy rg_data FROM 'test/fixtures/repgen_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE rg_cases (
    case_name  text PRIMARY KEY,
    dataset    text NOT NULL,
    method     text NOT NULL,
    options    text NOT NULL,
    replicates integer NOT NULL,
    scale      double precision NOT NULL,
    rscales    double precision[] NOT NULL,
    df         text,
    mean       text,
    se         text
);
\copy rg_cases FROM 'test/fixtures/repgen_cases.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE rg_weights (
    case_name text NOT NULL,
    id        integer NOT NULL,
    repw      double precision[] NOT NULL
);
\copy rg_weights FROM 'test/fixtures/repgen_weights.csv' WITH (FORMAT csv, HEADER true)

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql AS
$$ SELECT CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;
-- largest relative difference of two arrays (Infinity when the lengths differ)
CREATE FUNCTION pg_temp.arr_rel(a float8[], b float8[]) RETURNS float8 LANGUAGE sql AS $$
	SELECT CASE WHEN cardinality(a) IS DISTINCT FROM cardinality(b) THEN 'Infinity'::float8
	       ELSE coalesce((SELECT max(pg_temp.rel(x, y)) FROM unnest(a, b) AS u(x, y)), 0) END
$$;

-- every case's plan, built from its dataset
CREATE TEMP TABLE rg_plan AS
SELECT c.*, (SELECT barometer.replicate_plan(c.method, d.stratum, d.psu, c.options)
             FROM rg_data d WHERE d.dataset = c.dataset) AS p
FROM rg_cases c;

SELECT is((SELECT count(*) FROM rg_plan WHERE p IS NOT NULL), 23::bigint, '23 cases have a plan');

-------------------------------------------------------------------------------
-- against R: replicates, scale, rscales, df, every weight, mean and SE
-------------------------------------------------------------------------------
SELECT ok(barometer.replicate_count(p) = replicates
          AND pg_temp.rel(barometer.replicate_scale(p), scale) <= 1e-12
          AND pg_temp.arr_rel(barometer.replicate_rscales(p), rscales) <= 1e-12,
          format('%s: %s replicates, scale and rscales as R', case_name, replicates))
FROM rg_plan ORDER BY case_name;

SELECT is(barometer.replicate_df(p), df::float8, format('%s: df = R''s degf %s', case_name, df))
FROM rg_plan WHERE df <> '' ORDER BY case_name;

-- every row's replicate weights = R's weights(rep, "analysis")
CREATE TEMP TABLE rg_cmp AS
SELECT pl.case_name, count(*) AS nrows,
       max(pg_temp.arr_rel(barometer.replicate_weights(pl.p, d.stratum, d.psu, d.w), rw.repw)) AS worst,
       count(*) FILTER (WHERE barometer.replicate_weights(pl.p, d.stratum, d.psu, 1 / (1 / d.w)) = rw.repw) AS exact
FROM rg_weights rw
JOIN rg_plan pl USING (case_name)
JOIN rg_data d ON d.dataset = pl.dataset AND d.id = rw.id
GROUP BY pl.case_name;

SELECT ok(c.worst <= 1e-12 AND c.nrows = (SELECT count(*) FROM rg_data d WHERE d.dataset = pl.dataset),
          format('%s: replicate weights of all %s rows equal R''s (rel 1e-12)', pl.case_name, c.nrows))
FROM rg_plan pl JOIN rg_cmp c USING (case_name) ORDER BY pl.case_name;
-- R's pweights are 1/prob = 1/(1/w), which can differ from w in the last bit
SELECT is((SELECT sum(exact) FROM rg_cmp), (SELECT count(*) FROM rg_weights)::numeric,
          'with R''s pweight 1/(1/w), every replicate weight is bit for bit R''s');

-- the whole chain: barometer.tally with these replicate weights gives R's
-- svymean(~y, rep) and its SE
SELECT ok(pg_temp.rel(barometer.estimate(t.t), pl.mean::float8) <= 1e-12
          AND pg_temp.rel(barometer.se(t.t), pl.se::float8) <= 1e-10,
          format('%s: mean and SE of y through barometer.tally equal R''s svymean', pl.case_name))
FROM rg_plan pl,
     LATERAL (SELECT barometer.tally(d.y, d.w, barometer.replicate_weights(pl.p, d.stratum, d.psu, d.w),
                                     barometer.replicate_spec(pl.p)) AS t
              FROM rg_data d WHERE d.dataset = pl.dataset) t
WHERE pl.mean <> '' ORDER BY pl.case_name;

-------------------------------------------------------------------------------
-- plans do not depend on row order, parallel plans equal serial ones
-------------------------------------------------------------------------------
SELECT is((SELECT barometer.replicate_plan('brr', stratum, psu, 'small=split, large=merge' ORDER BY id DESC)::text
           FROM rg_data WHERE dataset = 'mix'),
          (SELECT barometer.replicate_plan('brr', stratum, psu, 'small=split, large=merge' ORDER BY psu, stratum DESC)::text
           FROM rg_data WHERE dataset = 'mix'),
          'a plan does not depend on the order of the rows');

CREATE TABLE rg_big AS
SELECT i AS id, (i % 400) AS stratum, (i / 400) % 5 AS psu, 1 + (i % 7) / 3.0 AS w
FROM generate_series(1, 200000) AS i;
ALTER TABLE rg_big SET (parallel_workers = 2);
ANALYZE rg_big;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE rg_serial AS
SELECT barometer.replicate_plan('jkn', stratum, psu) AS jkn,
       barometer.replicate_plan('subbootstrap', stratum::text, psu, 'replicates=30, seed=9') AS boot
FROM rg_big;
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
SELECT matches(pg_temp.plan_of('SELECT barometer.replicate_plan(''jkn'', stratum, psu) FROM rg_big'),
	'Partial Aggregate', 'replicate_plan runs as a Partial Aggregate');
CREATE TEMP TABLE rg_par AS
SELECT barometer.replicate_plan('jkn', stratum, psu) AS jkn,
       barometer.replicate_plan('subbootstrap', stratum::text, psu, 'replicates=30, seed=9') AS boot
FROM rg_big;
SELECT ok(p.jkn::text = s.jkn::text AND p.boot::text = s.boot::text, 'parallel plans = serial plans')
FROM rg_par p, rg_serial s;
SELECT is(barometer.replicate_count(jkn), 2000, '400 strata of 5 PSUs: 2000 jkn replicates') FROM rg_par;
SELECT is((SELECT string_agg(x, ' ') FROM (SELECT split_part(p.boot::text, ';', k) AS x
           FROM rg_par p, generate_series(2, 4) k) s),
          ' "0": "0" "1" "2" "3" "4"  "1": "0" "1" "2" "3" "4"  "10": "0" "1" "2" "3" "4"',
          'text strata sort byte-wise ("0", "1", "10", ...)');
RESET max_parallel_workers_per_gather;

-------------------------------------------------------------------------------
-- bootstraps: reproducible, Rao-Wu sums, moments (R draws with its own RNG,
-- so their weights are not compared with R's)
-------------------------------------------------------------------------------
CREATE TEMP TABLE rg_psu AS SELECT DISTINCT dataset, stratum, psu FROM rg_data;
CREATE TEMP TABLE rg_boot AS
SELECT 'subbootstrap'::text AS method, barometer.replicate_plan('subbootstrap', stratum, psu, 'replicates=2000, seed=42') AS p
FROM rg_data WHERE dataset = 's'
UNION ALL
SELECT 'bootstrap', barometer.replicate_plan('bootstrap', stratum, psu, 'replicates=2000, seed=42')
FROM rg_data WHERE dataset = 's';
-- factors by PSU and replicate
CREATE TEMP TABLE rg_bf AS
SELECT b.method, u.stratum, u.psu, f.r, f.a,
       count(*) OVER (PARTITION BY b.method, u.stratum, f.r) AS n_h
FROM rg_boot b, rg_psu u, LATERAL unnest(barometer.replicate_factors(b.p, u.stratum, u.psu)) WITH ORDINALITY f(a, r)
WHERE u.dataset = 's';

SELECT ok((SELECT bool_and(abs(s - n_h) <= 1e-12 * n_h)
           FROM (SELECT stratum, r, sum(a) AS s, max(n_h) AS n_h FROM rg_bf
                 WHERE method = 'subbootstrap' GROUP BY stratum, r) q),
          'Rao-Wu: in every replicate a stratum''s factors sum to n_h');
SELECT ok((SELECT bool_and(a = floor(a) AND a >= 0 AND a <= n_h) FROM rg_bf WHERE method = 'bootstrap')
          AND (SELECT bool_and(s = n_h) FROM (SELECT stratum, r, sum(a) AS s, max(n_h) AS n_h FROM rg_bf
                 WHERE method = 'bootstrap' GROUP BY stratum, r) q),
          'bootstrap: factors are counts that sum to n_h in every stratum and replicate');
SELECT ok((SELECT bool_and(abs(m - 1) < 0.1) FROM (SELECT avg(a) AS m FROM rg_bf GROUP BY method, stratum, psu) q),
          'the mean factor of every PSU over 2000 replicates is within 0.1 of 1');
SELECT ok((SELECT bool_and(abs(v - 1) < 0.15) FROM (SELECT var_samp(a) AS v FROM rg_bf
           WHERE method = 'subbootstrap' GROUP BY stratum, psu) q),
          'Rao-Wu factors have variance 1 (within 0.15 over 2000 replicates)');
SELECT ok((SELECT bool_and(abs(v - (1 - 1.0 / n_h)) < 0.15) FROM (SELECT var_samp(a) AS v, max(n_h) AS n_h FROM rg_bf
           WHERE method = 'bootstrap' GROUP BY stratum, psu) q),
          'bootstrap counts have variance 1 - 1/n_h (within 0.15)');
SELECT is((SELECT count(*) FROM rg_data d,
             (SELECT barometer.replicate_plan('subbootstrap', stratum, psu, 'replicates=25, seed=3') AS a,
                     barometer.replicate_plan('subbootstrap', stratum, psu, 'replicates=25, seed=3' ORDER BY id DESC) AS b
              FROM rg_data WHERE dataset = 's') q
           WHERE d.dataset = 's'
             AND barometer.replicate_weights(q.a, d.stratum, d.psu, d.w) = barometer.replicate_weights(q.b, d.stratum, d.psu, d.w)),
          (SELECT count(*) FROM rg_data WHERE dataset = 's'),
          'the same seed gives the same replicate weights, whatever the row order');
SELECT ok((SELECT count(*) FROM rg_data d,
             (SELECT barometer.replicate_plan('bootstrap', stratum, psu, 'replicates=25, seed=3') AS a,
                     barometer.replicate_plan('bootstrap', stratum, psu, 'replicates=25, seed=4') AS b
              FROM rg_data WHERE dataset = 's') q
           WHERE d.dataset = 's'
             AND barometer.replicate_factors(q.a, d.stratum, d.psu) <> barometer.replicate_factors(q.b, d.stratum, d.psu))
          > 0.8 * (SELECT count(*) FROM rg_data WHERE dataset = 's'),
          'another seed gives other replicate weights');
SELECT is(barometer.replicate_factors(barometer.replicate_plan('subbootstrap', stratum, psu, 'replicates=8, seed=42'), 2, 10)::text,
          '{0,0,0,1.5,0,1.5,0,1.5}',
          'known answer: seed 42, stratum 2 (3 PSUs), second PSU')
FROM rg_data WHERE dataset = 's';
SELECT is(barometer.replicate_df(p), 8::float8, 'bootstrap df = rank of the draws - 1 = PSUs - strata')
FROM rg_boot WHERE method = 'bootstrap';

-------------------------------------------------------------------------------
-- stored plans: text and binary forms
-------------------------------------------------------------------------------
SELECT ok(bool_and(p::text::barometer.replicate_plan::text = p::text), 'every plan''s text form reads back to itself')
FROM rg_plan;
CREATE TEMP TABLE rg_bin (p barometer.replicate_plan);
\ir ../lib/binary_copy.sql
CREATE FUNCTION pg_temp.bin_copy(payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	RETURN pg_temp.binary_copy('rg_bin', payload);
END $f$;
CREATE FUNCTION pg_temp.load_all() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE r record;
BEGIN
	FOR r IN SELECT p FROM rg_plan ORDER BY case_name LOOP
		EXECUTE pg_temp.bin_copy(barometer.replicate_plan_send(r.p));
	END LOOP;
END $f$;
SELECT lives_ok('SELECT pg_temp.load_all()', 'every plan''s binary form loads');
SELECT is((SELECT array_agg(p::text ORDER BY p::text) FROM rg_bin),
          (SELECT array_agg(p::text ORDER BY p::text) FROM rg_plan),
          'binary forms read back to the same plans');
SELECT is('v1 fay rho=0.1 small=split large=merge; "a \"b\"": "x\\y" "z"; "c": "1" "2"'::barometer.replicate_plan::text,
          'v1 fay rho=0.1 small=split large=merge; "a \"b\"": "x\\y" "z"; "c": "1" "2"',
          'quotes and backslashes in ids round-trip');

SELECT throws_ok($$SELECT 'v2 jkn lonely=fail; "1": "1" "2"'::barometer.replicate_plan$$, '22P02', NULL, 'text: unknown version');
SELECT throws_ok($$SELECT 'v1 jkx; "1": "1" "2"'::barometer.replicate_plan$$, '22P02', NULL, 'text: unknown method');
SELECT throws_ok($$SELECT 'v1 fay rho=1 small=fail large=split; "1": "1" "2"'::barometer.replicate_plan$$, '22P02', NULL, 'text: rho out of range');
SELECT throws_ok($$SELECT 'v1 jkn lonely=fail; "1": "1" "2"; "1": "3" "4"'::barometer.replicate_plan$$, '22P02', NULL, 'text: a stratum twice');
SELECT throws_ok($$SELECT 'v1 jkn lonely=fail; "1": "1" "1"'::barometer.replicate_plan$$, '22P02', NULL, 'text: a PSU twice');
SELECT throws_ok($$SELECT 'v1 jkn lonely=fail; "1": "1" "2"; "2": "3"'::barometer.replicate_plan$$, '22P02', NULL, 'text: a lonely PSU under lonely=fail');
SELECT throws_ok($$SELECT 'v1 brr small=fail large=split; "1": "1" "2" "3"'::barometer.replicate_plan$$, '22P02', NULL, 'text: an odd stratum under large=split');
SELECT throws_ok($$SELECT 'v1 jk1; "1": "1" "2"; "2": "3" "4"'::barometer.replicate_plan$$, '22P02', NULL, 'text: jk1 with two strata');
SELECT throws_ok($$SELECT 'v1 jkn lonely=fail; "1":'::barometer.replicate_plan$$, '22P02', NULL, 'text: a stratum without PSUs');
SELECT throws_ok($$SELECT 'v1 jkn lonely=fail; "1": "1" "2'::barometer.replicate_plan$$, '22P02', NULL, 'text: unterminated id');
SELECT throws_ok($$SELECT 'v1 jkn lonely=fail; "1": "1" "2" '::barometer.replicate_plan$$, '22P02', NULL, 'text: trailing space');
SELECT throws_ok($$SELECT 'v1 jkn lonely=fail; "1": "1" "\n"'::barometer.replicate_plan$$, '22P02', NULL, 'text: unknown escape');
SELECT throws_ok($$SELECT 'v1 jkn lonely=fail'::barometer.replicate_plan$$, '22P02', NULL, 'text: no strata');
SELECT throws_ok($$SELECT 'v1 bootstrap replicates=1 seed=0; "1": "1" "2"'::barometer.replicate_plan$$, '22P02', NULL, 'text: one replicate');

-- binary: version, truncation, trailing bytes, bad counts, duplicate ids
CREATE TEMP TABLE rg_one AS
SELECT barometer.replicate_plan_send(p) AS b FROM rg_plan WHERE case_name = 'jkn';
SELECT throws_ok(pg_temp.bin_copy(set_byte(b, 3, 2)), '22P03', NULL, 'binary: unknown version') FROM rg_one;
SELECT throws_ok(pg_temp.bin_copy(substr(b, 1, length(b) - 1)), '22P03', NULL, 'binary: truncated') FROM rg_one;
SELECT throws_ok(pg_temp.bin_copy(b || '\x00'::bytea), '22P03', NULL, 'binary: trailing byte') FROM rg_one;
SELECT throws_ok(pg_temp.bin_copy(set_byte(b, 7, 9)), '22P03', NULL, 'binary: unknown method') FROM rg_one;
-- rho (bytes 24..31) of a jkn plan must be 0
SELECT throws_ok(pg_temp.bin_copy(overlay(b PLACING float8send(0.5) FROM 25 FOR 8)), '22P03', NULL, 'binary: rho on a jkn plan') FROM rg_one;
-- the number of strata (bytes 40..43)
SELECT throws_ok(pg_temp.bin_copy(overlay(b PLACING int4send(1000000) FROM 41 FOR 4)), '22P03', NULL, 'binary: too many strata') FROM rg_one;
SELECT throws_ok(pg_temp.bin_copy(overlay(b PLACING int4send(0) FROM 41 FOR 4)), '22P03', NULL, 'binary: no stratum') FROM rg_one;
SELECT throws_ok(pg_temp.bin_copy(barometer.replicate_plan_send('v1 jkn lonely=fail; "1": "1" "2"')
                                  || '\x00000001000000000000000200000000000000000000000000000000'::bytea), '22P03', NULL, 'binary: trailing garbage after a valid plan');
SELECT throws_ok(pg_temp.bin_copy(overlay(barometer.replicate_plan_send('v1 jkn lonely=fail; "1": "ab" "ac"')
                                  PLACING '\x6162'::bytea FROM length(barometer.replicate_plan_send('v1 jkn lonely=fail; "1": "ab" "ac"')) - 1 FOR 2)),
                 '22P03', NULL, 'binary: a PSU twice');
SELECT throws_ok(pg_temp.bin_copy(overlay(barometer.replicate_plan_send('v1 jkn lonely=fail; "1": "ab" "ac"')
                                  PLACING '\x00'::bytea FROM length(barometer.replicate_plan_send('v1 jkn lonely=fail; "1": "ab" "ac"')) FOR 1)),
                 '22P03', NULL, 'binary: a zero byte in an id');
SELECT is((SELECT count(*) FROM rg_bin), 23::bigint, 'only the valid binary values were loaded');

-------------------------------------------------------------------------------
-- bad input (22023 bad argument, 42804 unusable id type)
-------------------------------------------------------------------------------
CREATE TEMP TABLE rg_s AS SELECT * FROM rg_data WHERE dataset = 's';
CREATE TEMP TABLE rg_l AS SELECT * FROM rg_data WHERE dataset = 'l';
CREATE TEMP TABLE rg_sp AS SELECT barometer.replicate_plan('jkn', stratum, psu) AS p FROM rg_s;
SELECT throws_ok($$SELECT barometer.replicate_plan('jackknife', stratum, psu) FROM rg_s$$, '22023', NULL, 'unknown method');
SELECT throws_ok($$SELECT barometer.replicate_plan(NULL, stratum, psu) FROM rg_s$$, '22023', NULL, 'NULL method');
SELECT throws_ok($$SELECT barometer.replicate_plan('jkn', stratum, psu) FROM rg_l$$, '22023', NULL, 'jkn with a lonely PSU');
SELECT throws_ok($$SELECT barometer.replicate_plan('brr', stratum, psu) FROM rg_l$$, '22023', NULL, 'brr with a lonely PSU');
SELECT throws_ok($$SELECT barometer.replicate_plan('fay', stratum, psu, 'rho=0.5') FROM rg_l$$, '22023', NULL, 'fay with a lonely PSU');
SELECT throws_ok($$SELECT barometer.replicate_plan('subbootstrap', stratum, psu) FROM rg_l$$, '22023', NULL, 'subbootstrap with a lonely PSU');
SELECT throws_ok($$SELECT barometer.replicate_plan('brr', stratum, psu) FROM rg_s$$, '22023', NULL, 'brr with an odd stratum (large=split)');
SELECT throws_ok($$SELECT barometer.replicate_plan('jk1', stratum, psu) FROM rg_s$$, '22023', NULL, 'jk1 with strata');
SELECT throws_ok($$SELECT barometer.replicate_plan('fay', stratum, psu, 'rho=1') FROM rg_s$$, '22023', NULL, 'rho = 1');
SELECT throws_ok($$SELECT barometer.replicate_plan('fay', stratum, psu, 'rho=-0.5') FROM rg_s$$, '22023', NULL, 'rho < 0');
SELECT throws_ok($$SELECT barometer.replicate_plan('fay', stratum, psu) FROM rg_s$$, '22023', NULL, 'fay without rho');
SELECT throws_ok($$SELECT barometer.replicate_plan('bootstrap', stratum, psu, 'replicates=0') FROM rg_s$$, '22023', NULL, 'replicates = 0');
SELECT throws_ok($$SELECT barometer.replicate_plan('bootstrap', stratum, psu, 'replicates=-3') FROM rg_s$$, '22023', NULL, 'replicates < 0');
SELECT throws_ok($$SELECT barometer.replicate_plan('bootstrap', stratum, psu, 'seed=x') FROM rg_s$$, '22023', NULL, 'a seed that is no integer');
SELECT throws_ok($$SELECT barometer.replicate_plan('jkn', stratum, psu, 'rho=0.5') FROM rg_s$$, '22023', NULL, 'an option of another method');
SELECT throws_ok($$SELECT barometer.replicate_plan('brr', stratum, psu, 'small=merge') FROM rg_l$$, '22023', NULL, 'small=merge (R''s construction is wrong)');
SELECT throws_ok($$SELECT barometer.replicate_plan('jkn', NULL::int, psu) FROM rg_s$$, '22023', NULL, 'NULL stratum');
SELECT throws_ok($$SELECT barometer.replicate_plan('jkn', stratum, CASE WHEN id = 5 THEN NULL ELSE psu END) FROM rg_s$$, '22023', NULL, 'a NULL psu');
SELECT throws_ok($$SELECT barometer.replicate_plan(CASE WHEN id = 5 THEN 'brr' ELSE 'jkn' END, stratum, psu) FROM rg_s$$, '22023', NULL, 'a method that changes between rows');
SELECT throws_ok($$SELECT barometer.replicate_plan('jkn', stratum, psu::float8) FROM rg_s$$, '42804', NULL, 'a float psu id');
SELECT throws_ok($$SELECT barometer.replicate_plan('jkn', now()::date, psu) FROM rg_s$$, '42804', NULL, 'a date stratum id');
SELECT throws_ok($$SELECT barometer.replicate_plan('jkn', 1, v) FROM (VALUES (1.0::numeric), (1.00)) t(v)$$, '22023', NULL, 'equal ids with two text forms');
SELECT throws_ok($$SELECT barometer.replicate_weights(p, 99, 9, 1.0) FROM rg_sp$$, '22023', NULL, 'a stratum not in the plan');
SELECT throws_ok($$SELECT barometer.replicate_weights(p, 1, 99, 1.0) FROM rg_sp$$, '22023', NULL, 'a PSU not in the plan');
SELECT throws_ok($$SELECT barometer.replicate_weights(p, NULL::int, 9, 1.0) FROM rg_sp$$, '22023', NULL, 'replicate_weights: NULL stratum');
SELECT throws_ok($$SELECT barometer.replicate_weights(p, 1, NULL::int, 1.0) FROM rg_sp$$, '22023', NULL, 'replicate_weights: NULL psu');
SELECT throws_ok($$SELECT barometer.replicate_weights(NULL, 1, 9, 1.0)$$, '22023', NULL, 'replicate_weights: NULL plan');
SELECT throws_ok($$SELECT barometer.replicate_weights(p, 1, 9, NULL) FROM rg_sp$$, '22023', NULL, 'replicate_weights: NULL weight');
SELECT throws_ok($$SELECT barometer.replicate_weights(p, 1, 9, -1) FROM rg_sp$$, '22023', NULL, 'replicate_weights: negative weight');
SELECT throws_ok($$SELECT barometer.replicate_weights(p, 1, 9, 'NaN') FROM rg_sp$$, '22023', NULL, 'replicate_weights: NaN weight');
SELECT lives_ok($$SELECT barometer.replicate_weights(p, '1'::text, '9'::text, 0) FROM rg_sp$$, 'ids match by text form; a zero weight is allowed');

SELECT * FROM finish();
ROLLBACK;
