\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- The Fay-Herriot model against R: test/fixtures/fh_expected.csv, made by
-- test/fixtures/make_fh_fixtures.R (metafor's rma for the area variance,
-- the coefficients and the log likelihood, blup() for the EBLUPs, the
-- Prasad-Rao / Datta-Lahiri MSE in base R) from test/fixtures/fh_data.csv:
-- five data sets (30 to 300 areas, 0 to 2 covariates, out-of-sample areas,
-- an area variance estimated at 0), REML and ML.  Relative 1e-9; the area
-- variance absolutely within 1e-12 where R's iteration stops just above 0.
-- Then the arcsine transform, errors and equivalences.

BEGIN;
SELECT plan(3734);

CREATE TEMP TABLE fh_data (dataset text, area text, y double precision, d double precision,
                           x1 double precision, x2 double precision);
\copy fh_data FROM 'test/fixtures/fh_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE fh_expected (dataset text, method text, area text, what text, value double precision);
\copy fh_expected FROM 'test/fixtures/fh_expected.csv' WITH (FORMAT csv, HEADER true)

-- the arrays of a data set, with the covariates it has
CREATE TEMP TABLE fh_input AS
SELECT dataset,
       array_agg(area ORDER BY area) AS area,
       array_agg(y ORDER BY area) AS y,
       array_agg(d ORDER BY area) AS d,
       CASE WHEN bool_and(x1 IS NULL) THEN NULL
            WHEN bool_and(x2 IS NULL) THEN array_agg(ARRAY[x1] ORDER BY area)
            ELSE array_agg(ARRAY[x1, x2] ORDER BY area) END AS x
FROM fh_data GROUP BY dataset;

CREATE TEMP TABLE fh_got AS
SELECT i.dataset, m.method, f.area, w.what, w.value
FROM fh_input i, (VALUES ('REML'), ('ML')) m(method),
     LATERAL barometer.fay_herriot(i.area, i.y, i.d, i.x, m.method) f,
     LATERAL (VALUES ('eblup', f.estimate), ('mse', f.mse), ('synthetic', f.synthetic),
                     ('gamma', f.gamma)) w(what, value)
UNION ALL
SELECT i.dataset, m.method, '', w.what, w.value
FROM fh_input i, (VALUES ('REML'), ('ML')) m(method),
     LATERAL barometer.fay_herriot_fit(i.area, i.y, i.d, i.x, m.method) f,
     LATERAL (SELECT 'A', f.area_variance UNION ALL SELECT 'loglik', f.loglik
              UNION ALL SELECT 'beta' || (k - 1), b
              FROM unnest(f.beta) WITH ORDINALITY u(b, k)) w(what, value);

CREATE FUNCTION pg_temp.close(got double precision, want double precision, what text)
RETURNS boolean LANGUAGE sql AS $$
	SELECT got IS NOT NULL AND (got = want OR abs(got - want) <= 1e-9 * abs(want)
		OR (what IN ('A', 'gamma') AND abs(got - want) <= 1e-12)
		OR (what = 'mse' AND abs(want) < 1e-300))
$$;

SELECT ok(pg_temp.close(g.value, e.value, e.what),
          format('%s %s %s %s: %s (R %s)', e.dataset, e.method, coalesce(nullif(e.area, ''), 'fit'),
                 e.what, g.value, e.value))
FROM fh_expected e
LEFT JOIN fh_got g USING (dataset, method, area, what)
ORDER BY e.dataset, e.method, e.area, e.what;

\echo # largest relative difference from R (area variance above 1e-10):
SELECT '# ' || to_char(max(abs(g.value - e.value) / nullif(abs(e.value), 0)), '9.9EEEE')
FROM fh_expected e JOIN fh_got g USING (dataset, method, area, what)
WHERE NOT (e.what IN ('A', 'gamma') AND abs(e.value) < 1e-10);

-- the arcsine transform: the model on asin(sqrt p) with variances
-- V / (4 p (1 - p)), back by sin^2, equals the untransformed call on the
-- transformed data, transformed back
CREATE TEMP TABLE fh_prop AS
SELECT area, 0.2 + 0.6 * (0.5 + 0.5 * sin(x1 * 3)) AS p, 0.002 + d / 10 AS v, x1
FROM fh_data WHERE dataset = 'm60_p2';
SELECT is((SELECT count(*) FROM (
	SELECT a.area, a.estimate AS ea, pow(sin(least(greatest(b.estimate, 0), pi() / 2)), 2) AS eb,
	       a.mse AS ma, pow(sin(2 * least(greatest(b.estimate, 0), pi() / 2)), 2) * b.mse AS mb
	FROM (SELECT array_agg(area ORDER BY area) ar, array_agg(p ORDER BY area) pp,
	             array_agg(v ORDER BY area) vv, array_agg(ARRAY[x1] ORDER BY area) xx FROM fh_prop) s,
	     LATERAL barometer.fay_herriot(s.ar, s.pp, s.vv, s.xx, 'REML', 'arcsine') a,
	     (SELECT array_agg(area ORDER BY area) ar, array_agg(asin(sqrt(p)) ORDER BY area) pp,
	             array_agg(v / (4 * p * (1 - p)) ORDER BY area) vv, array_agg(ARRAY[x1] ORDER BY area) xx FROM fh_prop) t,
	     LATERAL barometer.fay_herriot(t.ar, t.pp, t.vv, t.xx) b
	WHERE a.area = b.area) c
	WHERE abs(ea - eb) <= 1e-12 AND abs(ma - mb) <= 1e-12 * mb), 60::bigint,
	'arcsine: the model on the transformed scale, back-transformed');
SELECT ok((SELECT bool_and(ci_lower >= 0 AND ci_upper <= 1 AND ci_lower <= estimate AND estimate <= ci_upper)
           FROM (SELECT array_agg(area) ar, array_agg(p) pp, array_agg(v) vv FROM fh_prop) s,
                LATERAL barometer.fay_herriot(s.ar, s.pp, s.vv, NULL, 'ML', 'arcsine')),
          'arcsine: intervals within [0, 1] around the estimate');

-- order of the areas does not matter
SELECT ok((SELECT bool_and(abs(a.estimate - b.estimate) <= 1e-12 * abs(b.estimate))
           FROM fh_input i,
                LATERAL barometer.fay_herriot(i.area, i.y, i.d, i.x) a,
                LATERAL (SELECT array_agg(area ORDER BY area DESC) ar, array_agg(y ORDER BY area DESC) yy,
                                array_agg(d ORDER BY area DESC) dd,
                                array_agg(ARRAY[x1, x2] ORDER BY area DESC) xx
                         FROM fh_data WHERE dataset = 'm300_p3') r,
                LATERAL barometer.fay_herriot(r.ar, r.yy, r.dd, r.xx) b
           WHERE i.dataset = 'm300_p3' AND a.area = b.area),
          'the areas in another order give the same estimates');

-- errors
SELECT throws_ok($$SELECT * FROM barometer.fay_herriot(ARRAY['a','b'], ARRAY[0.1, 0.2], ARRAY[0.01])$$,
                 '22023', 'area, estimate and variance must have the same length', 'lengths differ: 22023');
SELECT throws_ok($$SELECT * FROM barometer.fay_herriot(ARRAY['a','b','c'], ARRAY[0.1, 0.2, 0.3], ARRAY[0.01, 0, 0.01])$$,
                 '22023', 'the variance of a direct estimate must be positive and finite', 'a zero variance: 22023');
SELECT throws_ok($$SELECT * FROM barometer.fay_herriot(ARRAY['a','b','a'], ARRAY[0.1, 0.2, 0.3], ARRAY[0.01, 0.01, 0.01])$$,
                 '22023', 'an area is listed twice', 'a repeated area: 22023');
SELECT throws_ok($$SELECT * FROM barometer.fay_herriot(ARRAY['a','b','c','d'], ARRAY[0.1, 0.2, 0.3, NULL], ARRAY[0.01, 0.01, 0.01, 0.01], ARRAY[[1,0],[0,1],[1,1],[2,2]]::float8[])$$,
                 '22023', 'too few areas with a direct estimate for the model', 'three areas in sample for three coefficients: 22023');
SELECT throws_ok($$SELECT * FROM barometer.fay_herriot(ARRAY['a','b','c','d'], ARRAY[0, 0.2, 0.3, 0.4], ARRAY[0.01, 0.01, 0.01, 0.01], NULL, 'REML', 'arcsine')$$,
                 '22023', 'the arcsine transform takes proportions strictly between 0 and 1', 'arcsine of 0: 22023');
SELECT throws_ok($$SELECT * FROM barometer.fay_herriot(ARRAY['a','b','c','d'], ARRAY[0.1, 0.2, 0.3, 0.4], ARRAY[0.01, 0.01, 0.01, 0.01], ARRAY[[1,2],[2,4],[3,6],[4,8]]::float8[])$$,
                 '22023', 'the covariates are collinear', 'collinear covariates: 22023');
SELECT throws_ok($$SELECT * FROM barometer.fay_herriot(ARRAY['a','b','c','d'], ARRAY[0.1, 0.2, 0.3, 0.4], ARRAY[0.01, 0.01, 0.01, 0.01], NULL, 'EB')$$,
                 '22023', 'unknown method "EB"', 'an unknown method: 22023');
SELECT throws_ok($$SELECT * FROM barometer.fay_herriot(ARRAY['a','b','c','d'], ARRAY[0.1, 0.2, 0.3, 0.4], ARRAY[0.01, 0.01, 0.01, 0.01], ARRAY[[1],[2],[3]]::float8[])$$,
                 '22023', 'covariates must be a two-dimensional array with one row per area', 'covariates of the wrong shape: 22023');
SELECT throws_ok($$SELECT * FROM barometer.fay_herriot(ARRAY['a','b','c','d'], ARRAY[0.1, 0.2, 0.3, 0.4], ARRAY[0.01, 0.01, 0.01, 0.01], NULL, 'REML', NULL, 1.5)$$,
                 '22023', 'confidence level must be between 0 and 1', 'a level of 1.5: 22023');

SELECT * FROM finish();
ROLLBACK;
