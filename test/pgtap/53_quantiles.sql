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
-- without fpc, every lonely-PSU policy, two stages and replicate weights,
-- whole sample and domains (one with a single PSU, one of 1 row, one of 2
-- rows with the same value), ties, weights of 0 and missing values; one
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

SELECT plan(5 * count(*)::int + 1) FROM qe;

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

SELECT * FROM finish();
ROLLBACK;
