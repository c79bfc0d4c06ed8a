\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- Design-based quantiles against R survey 4.1.1's svyquantile (defaults:
-- qrule "math", Woodruff intervals from interval.type "mean", na.rm = TRUE):
-- the values of test/fixtures/quantile_expected.csv (made by
-- test/fixtures/make_quantile_fixtures.R from quantile_data.csv and
-- quantile_repw.csv) for weights only, stratified, clustered with and
-- without fpc, every lonely-PSU policy, two stages and replicate weights
-- (bootstrap, JK1, JK1 with mse),
-- whole sample and domains (one with a single PSU, one of 1 row, one of 2
-- rows with the same value, one of 2 rows where R's rule gives the second
-- value), ties, weights of 0 and missing values; one
-- assertion per expected row and quantity (relative tolerance 1e-9, NULL
-- where R gives NA).  Then equivalences (scalar p = array element,
-- quantile_stratified = clusters of one row, parallel = serial, merge
-- order), and errors with their SQLSTATEs.

BEGIN;

CREATE TEMP TABLE qd (
    id       integer NOT NULL,
    stratum  integer NOT NULL,
    psu      text NOT NULL,
    ssu      text NOT NULL,
    stratum2 text NOT NULL,
    g        text NOT NULL,
    w        double precision NOT NULL,
    y        double precision,
    fpc      double precision NOT NULL,
    fpc2     double precision NOT NULL,
    fpc_s    double precision NOT NULL
);
\copy qd FROM 'test/fixtures/quantile_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE qrepw (kind text NOT NULL, id integer NOT NULL, repw double precision[] NOT NULL);
\copy qrepw FROM 'test/fixtures/quantile_repw.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE qe (
    ord      bigserial,
    call     text NOT NULL,
    domain   text,
    p        double precision NOT NULL,
    level    double precision NOT NULL,
    estimate double precision,
    se       double precision,
    ci_lower double precision,
    ci_upper double precision,
    df       double precision
);
\copy qe (call, domain, p, level, estimate, se, ci_lower, ci_upper, df) FROM 'test/fixtures/quantile_expected.csv' WITH (FORMAT csv, HEADER true)
UPDATE qe SET domain = coalesce(domain, '');

-- the design columns over the WHOLE data set, before any grouping
CREATE TEMP TABLE qv AS
SELECT d.*,
       barometer.psu_count(d.psu) OVER (PARTITION BY d.stratum) AS n_psu,
       barometer.psu_count(d.psu) OVER (PARTITION BY d.stratum2) AS n_psu2,
       barometer.psu_count(d.ssu) OVER (PARTITION BY d.stratum, d.psu) AS n_ssu,
       count(*) OVER () AS n_sample,
       count(*) OVER (PARTITION BY d.stratum) AS n_stratum,
       b.repw AS repw_boot, j.repw AS repw_jk1
FROM qd d
JOIN qrepw b ON b.kind = 'bootstrap' AND b.id = d.id
JOIN qrepw j ON j.kind = 'jk1' AND j.id = d.id;

-- every call over the domains and the whole sample (grouping set ())
CREATE TEMP TABLE qa (call text, domain text, q barometer.quantile_estimate);
CREATE FUNCTION pg_temp.run(p_call text, p_args text, p_level float8) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE format(
        'INSERT INTO qa SELECT %L, s.dom, x '
        'FROM (SELECT CASE WHEN grouping(g) = 1 THEN '''' ELSE g END AS dom, '
        '             barometer.%s, ARRAY[0.1, 0.25, 0.5, 0.75, 0.9], %s) AS q '
        '      FROM qv GROUP BY GROUPING SETS ((g), ())) s, unnest(s.q) AS x',
        p_call, p_args, p_level);
END $f$;
-- weights only: the whole sample as its own rows, domains with n_sample
INSERT INTO qa SELECT 'wonly', '', x
FROM (SELECT barometer.quantile(y, w, ARRAY[0.1, 0.25, 0.5, 0.75, 0.9], 0.95) AS q FROM qv) s, unnest(s.q) x;
INSERT INTO qa SELECT 'wonly', g, x
FROM (SELECT g, barometer.quantile(y, w, n_sample, ARRAY[0.1, 0.25, 0.5, 0.75, 0.9], 0.95) AS q
      FROM qv GROUP BY g) s, unnest(s.q) x;
INSERT INTO qa SELECT 'wonly_90', '', x
FROM (SELECT barometer.quantile(y, w, ARRAY[0.1, 0.25, 0.5, 0.75, 0.9], 0.9) AS q FROM qv) s, unnest(s.q) x;
INSERT INTO qa SELECT 'wonly_90', g, x
FROM (SELECT g, barometer.quantile(y, w, n_sample, ARRAY[0.1, 0.25, 0.5, 0.75, 0.9], 0.9) AS q
      FROM qv GROUP BY g) s, unnest(s.q) x;
SELECT pg_temp.run('strat', 'quantile_stratified(y, w, stratum, n_stratum, fpc_s', 0.95);
SELECT pg_temp.run('clus', 'quantile(y, w, stratum, psu, n_psu, fpc', 0.95);
SELECT pg_temp.run('clus_90', 'quantile(y, w, stratum, psu, n_psu, fpc', 0.9);
SELECT pg_temp.run('clus_nofpc', 'quantile(y, w, stratum, psu, n_psu, NULL', 0.95);
SELECT pg_temp.run('lonely_' || pol, format('quantile(y, w, stratum2, psu, n_psu2, NULL, %L', pol), 0.95)
FROM unnest(ARRAY['adjust', 'average', 'remove', 'certainty']) AS pol;
SELECT pg_temp.run('two', 'quantile(y, w, stratum, psu, n_psu, fpc, ssu, n_ssu, fpc2, ''fail''', 0.95);
SELECT pg_temp.run('rep_boot', 'quantile(y, w, repw_boot, barometer.replicates(''bootstrap'')', 0.95);
SELECT pg_temp.run('rep_jk1', 'quantile(y, w, repw_jk1, barometer.replicates(''jk1'')', 0.95);
SELECT pg_temp.run('rep_jk1_mse', 'quantile(y, w, repw_jk1, barometer.replicates(''jk1'', mse => true)', 0.95);

CREATE TEMP TABLE qr AS
SELECT e.*, (a.q).estimate AS a_estimate, (a.q).se AS a_se, (a.q).ci_lower AS a_ci_lower,
       (a.q).ci_upper AS a_ci_upper, (a.q).df AS a_df, (a.q).level AS a_level, a.call IS NOT NULL AS found
FROM qe e LEFT JOIN qa a ON a.call = e.call AND a.domain = e.domain AND (a.q).p = e.p;

CREATE FUNCTION pg_temp.close(have float8, want float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN want IS NULL THEN have IS NULL
                WHEN have IS NULL THEN false
                WHEN abs(want) < 1e-300 THEN abs(have - want) <= 1e-12
                ELSE abs(have - want) <= 1e-9 * abs(want) END
$$;
CREATE FUNCTION pg_temp.rel(have float8, want float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN have = want THEN 0 ELSE abs(have - want) / greatest(abs(have), abs(want)) END
$$;

SELECT plan(5 * count(*)::int + 35) FROM qe;

SELECT is((SELECT count(*) FROM qa), (SELECT count(*) FROM qe), 'a result for every expected row');
SELECT diag(format('largest relative difference from R: %s (tol 1e-9)',
    (SELECT max(greatest(pg_temp.rel(a_estimate, estimate), pg_temp.rel(a_se, se),
                         pg_temp.rel(a_ci_lower, ci_lower), pg_temp.rel(a_ci_upper, ci_upper),
                         pg_temp.rel(a_df, df))) FROM qr)));

SELECT ok(found AND pg_temp.close(a_estimate, estimate) AND a_level = level,
          format('%s [%s] p=%s estimate', call, domain, p))
  || CASE WHEN found AND pg_temp.close(a_estimate, estimate) THEN ''
          ELSE E'\n' || diag(format('    have %s, want %s', a_estimate, estimate)) END
FROM qr ORDER BY ord;
SELECT ok(pg_temp.close(a_se, se), format('%s [%s] p=%s se', call, domain, p))
  || CASE WHEN pg_temp.close(a_se, se) THEN '' ELSE E'\n' || diag(format('    have %s, want %s', a_se, se)) END
FROM qr ORDER BY ord;
SELECT ok(pg_temp.close(a_ci_lower, ci_lower), format('%s [%s] p=%s ci_lower', call, domain, p))
  || CASE WHEN pg_temp.close(a_ci_lower, ci_lower) THEN ''
          ELSE E'\n' || diag(format('    have %s, want %s', a_ci_lower, ci_lower)) END
FROM qr ORDER BY ord;
SELECT ok(pg_temp.close(a_ci_upper, ci_upper), format('%s [%s] p=%s ci_upper', call, domain, p))
  || CASE WHEN pg_temp.close(a_ci_upper, ci_upper) THEN ''
          ELSE E'\n' || diag(format('    have %s, want %s', a_ci_upper, ci_upper)) END
FROM qr ORDER BY ord;
SELECT ok(pg_temp.close(a_df, df), format('%s [%s] p=%s df', call, domain, p))
  || CASE WHEN pg_temp.close(a_df, df) THEN '' ELSE E'\n' || diag(format('    have %s, want %s', a_df, df)) END
FROM qr ORDER BY ord;

-- ---- equivalences ---------------------------------------------------------

SELECT is((SELECT barometer.quantile(y, w, stratum, psu, n_psu, fpc, 0.5) FROM qv),
          (SELECT (barometer.quantile(y, w, stratum, psu, n_psu, fpc, ARRAY[0.25, 0.5], 0.95))[2] FROM qv),
          'one probability = the same element of the array form (level 0.95)');
SELECT is((SELECT (barometer.quantile(y, w, stratum, psu, n_psu, fpc, ARRAY[0.5], 0.95))[1] FROM qv ORDER BY 1 LIMIT 1),
          (SELECT barometer.quantile(y, w, stratum, psu, n_psu, fpc, 0.5 ORDER BY y DESC, id) FROM qv),
          'the order of the rows does not matter');
-- a stratified sample is a clustered design whose PSUs are single rows
SELECT ok(bool_and(pg_temp.rel(a.estimate, b.estimate) = 0 AND pg_temp.rel(a.se, b.se) < 1e-12
                   AND a.df = b.df AND a.ci_lower IS NOT DISTINCT FROM b.ci_lower) AND count(*) = 3 * (SELECT count(DISTINCT g) FROM qv),
          'quantile_stratified = quantile with psu = the row (every domain)')
FROM (SELECT g, u.* FROM (SELECT g, barometer.quantile_stratified(y, w, stratum, n_stratum, fpc_s,
             ARRAY[0.25, 0.5, 0.75], 0.95) AS q FROM qv GROUP BY g) s, unnest(s.q) WITH ORDINALITY AS u(p, estimate, se, ci_lower, ci_upper, level, df, n, ord)) a
JOIN (SELECT g, u.* FROM (SELECT g, barometer.quantile(y, w, stratum, id, n_stratum::int, fpc_s,
             ARRAY[0.25, 0.5, 0.75], 0.95) AS q FROM qv GROUP BY g) s, unnest(s.q) WITH ORDINALITY AS u(p, estimate, se, ci_lower, ci_upper, level, df, n, ord)) b
USING (g, ord);
-- R's qrule_math: where p W falls below the first weight, the second value
-- (svyquantile(~y, svydesign(ids = ~1, weights = ~w), 0.5) on y = 1, 2, 3,
-- w = 3, 1, 1 gives 2; at 0.6 it gives 1)
SELECT is((SELECT (barometer.quantile(y, w, 0.5)).estimate FROM (VALUES (1.0, 3.0), (2, 1), (3, 1)) v(y, w)),
          2::float8, 'R''s rule below the first weight: the second value (median of 1, 2, 3 weighted 3, 1, 1)');
SELECT is((SELECT (barometer.quantile(y, w, 0.6)).estimate FROM (VALUES (1.0, 3.0), (2, 1), (3, 1)) v(y, w)),
          1::float8, 'and the first value where p W equals its weight exactly');
SELECT is((SELECT row((q).estimate, (q).se, (q).n) FROM (SELECT barometer.quantile(y, w, n_sample, 0.5) AS q
           FROM (SELECT NULL::float8 AS y, 1.0::float8 AS w, 5::bigint AS n_sample) v) s)::text,
          '(,,0)', 'a group of missing values only: no estimate, n = 0');
SELECT is((SELECT row((q).estimate, (q).se, (q).n) FROM (SELECT barometer.quantile(y, w, 0.5) AS q
           FROM (VALUES (3.0, 0.0), (4, 0)) v(y, w)) s)::text,
          '(,,2)', 'a group of zero weights only: no estimate');

-- parallel aggregation (the combine and serial functions) = serial
CREATE TABLE q_big AS
SELECT i, (i % 20) AS stratum, (i % 20) * 1000 + ((i / 20) % 50) AS psu, (i % 3) AS g,
       CASE WHEN i % 97 = 0 THEN NULL ELSE round(((i * 2654435761) % 1000) / 10.0) END::float8 AS y,
       CASE WHEN i % 113 = 0 THEN 0 ELSE 0.5 + ((i * 40503) % 997) / 199.4 END AS w,
       ARRAY[1 + (i % 3), 1 + (i % 5), 1 + (i % 7), 2, 1 + (i % 2)]::float8[] AS repw,
       (i / 1000) % 7 AS ssu
FROM generate_series(1::bigint, 60000) AS i;
ALTER TABLE q_big SET (parallel_workers = 2);
CREATE TABLE q_bigv AS
SELECT b.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       barometer.psu_count(ssu) OVER (PARTITION BY stratum, psu) AS n_ssu,
       count(*) OVER (PARTITION BY stratum) AS n_stratum, count(*) OVER () AS n_sample FROM q_big b;
ALTER TABLE q_bigv SET (parallel_workers = 2);
ANALYZE q_bigv;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
	RETURN acc;
END $$;
CREATE TEMP TABLE q_forms (form text, expr text);
INSERT INTO q_forms VALUES
  ('clustered', 'barometer.quantile(y, w, stratum, psu, n_psu, NULL, ARRAY[0.1, 0.5, 0.9], 0.95)'),
  ('stratified', 'barometer.quantile_stratified(y, w, stratum, n_stratum, NULL, ARRAY[0.1, 0.5, 0.9], 0.95)'),
  ('replicate', 'barometer.quantile(y, w, repw, barometer.replicates(''bootstrap''), ARRAY[0.1, 0.5, 0.9], 0.95)'),
  ('weights-only domain', 'barometer.quantile(y, w, n_sample, ARRAY[0.1, 0.5, 0.9], 0.95)'),
  ('two-stage', 'barometer.quantile(y, w, stratum, psu, n_psu, 2 * n_psu, ssu, n_ssu, 3 * n_ssu, ''fail'', ARRAY[0.1, 0.5, 0.9], 0.95)');
CREATE TEMP TABLE q_serial AS SELECT form, NULL::text AS r FROM q_forms;
CREATE TEMP TABLE q_par AS SELECT form, NULL::text AS r, NULL::text AS plan FROM q_forms;
CREATE FUNCTION pg_temp.eval(e text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE 'SELECT string_agg(q::text, '';'' ORDER BY g) FROM (SELECT g, ' || e || '::text AS q FROM q_bigv GROUP BY g) s'
	INTO r;
	RETURN r;
END $$;
SET LOCAL max_parallel_workers_per_gather = 0;
UPDATE q_serial s SET r = pg_temp.eval(f.expr) FROM q_forms f WHERE f.form = s.form;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
UPDATE q_par s SET r = pg_temp.eval(f.expr),
       plan = pg_temp.plan_of('SELECT g, ' || f.expr || ' FROM q_bigv GROUP BY g')
FROM q_forms f WHERE f.form = s.form;
RESET max_parallel_workers_per_gather;
SELECT matches(p.plan, 'Partial', format('the %s quantile runs as a Partial Aggregate', p.form)) FROM q_par p ORDER BY form;
SELECT is(p.r, s.r, format('parallel = serial, %s design, three domains', p.form))
FROM q_par p JOIN q_serial s USING (form) ORDER BY form;

SELECT is((SELECT barometer.quantile(y, w, repw::real[], barometer.replicates('bootstrap'), 0.5) FROM q_bigv),
          (SELECT barometer.quantile(y, w, repw::real[]::float8[], barometer.replicates('bootstrap'), 0.5) FROM q_bigv),
          'replicate weights as real[] = the same weights as float8[]');

-- ---- errors ---------------------------------------------------------------

SELECT throws_ok($$SELECT barometer.quantile(y, w, 0) FROM qv$$, '22023', NULL, 'p = 0: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, 1) FROM qv$$, '22023', NULL, 'p = 1: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, 'NaN') FROM qv$$, '22023', NULL, 'p = NaN: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, NULL::float8) FROM qv$$, '22023', NULL, 'p NULL: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, ARRAY[0.5, NULL], 0.95) FROM qv$$, '22023', NULL,
                 'a NULL probability: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, '{}'::float8[], 0.95) FROM qv$$, '22023', NULL,
                 'no probability: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, ARRAY[0.5], 1) FROM qv$$, '22023', NULL, 'level 1: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, 0.5) FROM (VALUES (1.0, 1.0), ('NaN', 1)) v(y, w)$$,
                 '22023', 'value must be finite', 'a NaN value: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, 0.5) FROM (VALUES (1.0, 1.0), ('Infinity', 1)) v(y, w)$$,
                 '22023', 'value must be finite', 'an infinite value: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, n_sample, 0.5) FROM qv WHERE id < 5 UNION ALL
                   SELECT barometer.quantile(1.0, -1.0, 10, 0.5)$$,
                 '22023', 'weight must not be negative', 'a negative weight: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, id / 1000.0 + 0.1) FROM qv$$, '22023',
                 'p differs between rows', 'p that differs between rows: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, stratum2, psu, n_psu2, NULL, 'fail', 0.5) FROM qv$$,
                 '22023', 'stratum with only one PSU: L', 'a lonely PSU under fail: 22023 naming the stratum');
SELECT throws_ok($$SELECT barometer.quantile(y, w, stratum, psu, n_psu + (id % 2)::int, fpc, 0.5) FROM qv$$,
                 '22023', NULL, 'n_psu that differs within a stratum: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, stratum, psu, 1, NULL, 0.5) FROM qv$$,
                 '22023', NULL, 'more PSUs than n_psu: 22023');
SELECT throws_ok($$SELECT barometer.quantile(y, w, CASE WHEN id = 7 THEN repw_boot[1:3] ELSE repw_boot END,
                   barometer.replicates('bootstrap'), 0.5) FROM qv$$,
                 '22023', NULL, 'replicate arrays of different lengths: 22023');
SET LOCAL barometer.max_state_bytes = '64kB';
SELECT throws_ok($$SELECT barometer.quantile(y, w, stratum, psu, n_psu, NULL, 0.5) FROM q_bigv$$,
                 '54000', NULL, 'rows past barometer.max_state_bytes: 54000');
RESET barometer.max_state_bytes;
-- cancel and statement_timeout (57014) are in test/ops/cancel_quantile_test.py:
-- pgTAP's throws_ok cannot catch them

SELECT * FROM finish();
ROLLBACK;
