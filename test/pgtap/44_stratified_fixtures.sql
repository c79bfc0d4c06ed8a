\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- tally_stratified against R survey 4.1.1: a stratified sample without
-- clusters, svydesign(ids = ~1, strata = ~stratum, fpc = <none, counts or
-- fractions>, weights = ~w), every lonely PSU policy but fail; the values of
-- test/fixtures/stratified_expected.csv (made by
-- test/fixtures/make_stratified_fixtures.R from stratified_data.csv).  A call
-- key <fpc>_<policy> is
--   tally_stratified(y, w, stratum, n_stratum, <NULL | fpc_count | fpc_frac>, '<policy>')
-- with n_stratum = count(*) OVER (PARTITION BY stratum) over the whole data,
-- grouped by GROUPING SETS ((dom), ()) (the () set is domain `all`).  One
-- assertion per expected row: |actual - expected| <= tol * |expected| (or
-- <= 1e-12 near 0), NULL where R gives NaN; the largest relative difference
-- is printed.

BEGIN;

CREATE TEMP TABLE st_data (
    id        integer NOT NULL,
    stratum   integer NOT NULL,
    y_bool    boolean,
    y_num     double precision,
    w         double precision NOT NULL,
    fpc_count double precision NOT NULL,
    fpc_frac  double precision NOT NULL,
    dom       text NOT NULL
);
\copy st_data FROM 'test/fixtures/stratified_data.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE st_expected (
    ord      bigserial,
    call     text NOT NULL,
    domain   text NOT NULL,
    variable text NOT NULL,
    quantity text NOT NULL,
    value    double precision,
    tol      double precision NOT NULL,
    source   text
);
\copy st_expected (call, domain, variable, quantity, value, tol, source) FROM 'test/fixtures/stratified_expected.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE st_prep AS
SELECT d.*, count(*) OVER (PARTITION BY d.stratum) AS n_stratum FROM st_data d;

CREATE TEMP TABLE st_tally (call text, variable text, domain text, t barometer.tally);
DO $do$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT DISTINCT call, variable FROM st_expected ORDER BY 1, 2 LOOP
        EXECUTE format(
            'INSERT INTO st_tally SELECT %L, %L, CASE WHEN grouping(dom) = 1 THEN %L ELSE dom END, '
            '  barometer.tally_stratified(%I, w, stratum, n_stratum, %s, %L ORDER BY id) '
            '  FROM st_prep GROUP BY GROUPING SETS ((dom), ())',
            r.call, r.variable, 'all',
            CASE r.variable WHEN 'bool' THEN 'y_bool' ELSE 'y_num' END,
            CASE split_part(r.call, '_', 1) WHEN 'none' THEN 'NULL' WHEN 'count' THEN 'fpc_count'
                 ELSE 'fpc_frac' END,
            split_part(r.call, '_', 2));
    END LOOP;
END
$do$;

CREATE TEMP TABLE st_result AS
SELECT e.*, CASE e.quantity
        WHEN 'estimate' THEN barometer.estimate(t.t)
        WHEN 'se' THEN barometer.se(t.t)
        WHEN 'df' THEN barometer.df(t.t)
        WHEN 'ci_lower' THEN barometer.ci_lower(t.t, 0.95, 'mean')
        WHEN 'ci_upper' THEN barometer.ci_upper(t.t, 0.95, 'mean') END AS actual
FROM st_expected e LEFT JOIN st_tally t USING (call, variable, domain);

SELECT plan(count(*)::int + 1) FROM st_expected;

SELECT ok((SELECT count(*) FROM st_tally) = 3 * 4 * 2 * 5, 'a tally for every call, variable and domain');

SELECT diag(format('largest relative difference from R: %s (tol 1e-9)',
    (SELECT max(abs(actual - value) / abs(value)) FROM st_result WHERE abs(value) >= 1e-300)));

SELECT ok(CASE WHEN value IS NULL THEN actual IS NULL
               WHEN actual IS NULL THEN false
               WHEN abs(value) < 1e-300 THEN abs(actual - value) <= 1e-12
               ELSE abs(actual - value) <= tol * abs(value) END,
          format('stratified %s %s %s %s', call, domain, variable, quantity))
  || CASE WHEN value IS NOT NULL AND actual IS NOT NULL AND abs(actual - value) <= tol * abs(value)
          THEN '' ELSE E'\n' || diag(format('    have %s, want %s (%s)', actual, value, source)) END
FROM st_result ORDER BY ord;

SELECT * FROM finish();
ROLLBACK;
