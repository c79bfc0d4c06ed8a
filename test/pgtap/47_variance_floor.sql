-- A variance that is zero in exact arithmetic is reported as 0, not as the
-- rounding noise of the double weights (which gave se 1e-17 and a
-- Korn-Graubard "interval" from an inaccurate qbeta in the dashboard's
-- municipality x origin cells); real variation at any scale is kept.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(7);

-- two PSUs of one stratum, each with one yes and one no, the weights of the
-- second PSU 3 times the first's (0.1 * 3 and 0.7 * 3 are not exactly 3
-- times their doubles): the PSU proportions are equal, the variance is 0
CREATE TEMP TABLE vf AS
SELECT * FROM (VALUES ('s', 'a', true, 0.1::float8), ('s', 'a', false, 0.7),
		      ('s', 'b', true, 0.1 * 3), ('s', 'b', false, 0.7 * 3)) v(stratum, psu, y, w);
CREATE TEMP TABLE vf_t AS
SELECT barometer.tally(y, w, stratum, psu, 10, NULL) AS t FROM vf;
SELECT is((SELECT barometer.se(t) FROM vf_t), 0::float8, 'equal PSU proportions: se exactly 0');
SELECT ok((SELECT barometer.ci_lower(t) IS NULL AND barometer.ci_upper(t) IS NULL FROM vf_t),
	  'no Korn-Graubard interval from a zero variance (R: NaN)');
SELECT is((SELECT (barometer.publication_status(t)).status FROM vf_t), 'suppress', 'and the cell is suppressed');

-- a weights-only mean of equal values with unequal weights
SELECT is((SELECT barometer.se(barometer.tally(0.1::float8, w)) FROM generate_series(1, 50) AS g, LATERAL (SELECT 0.3 + g / 7.0 AS w) x),
	  0::float8, 'a mean of equal values: se exactly 0');

-- real variation is kept, however small against the values
SELECT ok((SELECT barometer.se(barometer.tally(1e6 + (g % 2) * 1e-6, 1.0::float8)) FROM generate_series(1, 40) AS g) > 1e-8,
	  'a spread of 1e-6 around 1e6 keeps its standard error');
SELECT ok((SELECT barometer.se(barometer.tally(g = 1, 1.0::float8)) FROM generate_series(1, 1000000) AS g) > 0,
	  'one yes among a million: a positive standard error');
-- and a domain whose PSUs differ keeps its variance
SELECT ok((SELECT barometer.se(barometer.tally(y, w, stratum, psu, 10, NULL))
	   FROM (VALUES ('s', 'a', true, 0.1::float8), ('s', 'a', false, 0.7),
			('s', 'b', true, 0.3), ('s', 'b', false, 2.2)) v(stratum, psu, y, w)) > 1e-3,
	  'PSUs with different proportions: a real standard error');

SELECT * FROM finish();
ROLLBACK;
