-- bench/calibrate.sql - time of barometer.calibrate: 135,000 respondents
-- calibrated to four margins, (a) 300 municipalities, 20 age x sex groups,
-- 6 origin groups and 4 education levels (327 model columns) and (b) four
-- margins of 300 levels (1,197 columns), by every method; the whole SELECT
-- (PostgreSQL's window buffer and the ARRAY[...] of every row included)
-- against the same SELECT with a plain window aggregate in its place; and
-- calibration_residual on the raked weights.
-- Medians of :rounds timed runs after one warm-up.  Data from a hash: every
-- run on every machine calibrates the same sample.
--   psql -X -v ON_ERROR_STOP=1 -v rounds=7 -f bench/calibrate.sql
\if :{?rounds}
\else
\set rounds 7
\endif
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS barometer;
DROP SCHEMA IF EXISTS bench_cal CASCADE;
CREATE SCHEMA bench_cal;

CREATE TABLE bench_cal.resp AS
SELECT i AS id, 10 + (hashint4(i) & 1023) / 11.4 AS w,
       'm' || (abs(hashint4(i * 3)) % 300 * (abs(hashint4(i * 13)) % 300) / 300) AS muni,
       'as' || abs(hashint4(i * 5)) % 20 AS agesex,
       'o' || (abs(hashint4(i * 7)) % 36) / 6 AS origin,
       'e' || abs(hashint4(i * 11)) % 4 AS edu,
       'a' || abs(hashint4(i * 17)) % 300 AS m2,
       'b' || abs(hashint4(i * 19)) % 300 AS m3,
       'c' || abs(hashint4(i * 23)) % 300 AS m4,
       1 + i % 40 AS stratum, i / 200 AS psu, (hashint4(i * 29) & 255) / 25.6 AS y
FROM generate_series(1, 135000) i;
ANALYZE bench_cal.resp;

-- register totals: the sample's weighted totals, perturbed, every margin
-- scaled to one population of 9 million
CREATE TABLE bench_cal.totals AS
WITH m AS (
	SELECT v.k, v.lv, sum(w) * (0.8 + 0.4 * (abs(hashtext(v.lv)) % 1000) / 1000.0) AS t
	FROM bench_cal.resp,
	     LATERAL (VALUES (1, muni), (2, agesex), (3, origin), (4, edu), (12, m2), (13, m3), (14, m4)) v(k, lv)
	GROUP BY v.k, v.lv)
SELECT k, lv, t * 9e6 / sum(t) OVER (PARTITION BY k) AS total FROM m;
CREATE TABLE bench_cal.tot AS
SELECT 'a' AS setup, array_agg((k, lv, total)::barometer.calibration_total) AS t
FROM bench_cal.totals WHERE k <= 4
UNION ALL
SELECT 'b', array_agg((CASE k WHEN 1 THEN 1 ELSE k - 10 END, lv, total)::barometer.calibration_total)
FROM bench_cal.totals WHERE k IN (1, 12, 13, 14);

CREATE TABLE bench_cal.timing (setup text, method text, round int, ms float8);

CREATE FUNCTION bench_cal.run(setup text, method text, sql text, rounds int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	r int;
BEGIN
	EXECUTE sql;	-- warm-up
	FOR r IN 1 .. rounds LOOP
		t0 := clock_timestamp();
		EXECUTE sql;
		INSERT INTO bench_cal.timing VALUES (setup, method, r,
			1000 * extract(epoch FROM clock_timestamp() - t0));
	END LOOP;
END $$;

SELECT bench_cal.run(s.setup, 'baseline: count(*) OVER ()',
	format('SELECT sum(w) FROM (SELECT count(*) OVER () + array_length(%s, 1) AS w FROM bench_cal.resp) s',
	       CASE s.setup WHEN 'a' THEN 'ARRAY[muni, agesex, origin, edu]' ELSE 'ARRAY[muni, m2, m3, m4]' END),
	:rounds)
FROM (VALUES ('a'), ('b')) s(setup);

SELECT bench_cal.run(s.setup, m.label,
	format('SELECT sum(w) FROM (SELECT barometer.calibrate(w, %s, NULL, (SELECT t FROM bench_cal.tot WHERE setup = %L), %s) OVER () AS w FROM bench_cal.resp) s',
	       CASE s.setup WHEN 'a' THEN 'ARRAY[muni, agesex, origin, edu]' ELSE 'ARRAY[muni, m2, m3, m4]' END,
	       s.setup, m.args),
	:rounds)
FROM (VALUES ('a'), ('b')) s(setup),
     (VALUES ('linear', '''linear'''), ('truncated linear [0.5, 3]', '''linear'', 0.5, 3'),
             ('raking', '''raking'''), ('logit [0.5, 3]', '''logit'', 0.5, 3'),
             ('rake', '''rake''')) m(label, args);

SELECT bench_cal.run('a', 'poststratify (municipality)',
	'SELECT sum(w) FROM (SELECT barometer.calibrate(w, ARRAY[muni], NULL, (SELECT array_agg(x) FROM unnest((SELECT t FROM bench_cal.tot WHERE setup = ''a'')) x WHERE x.margin = 1), ''poststratify'') OVER () AS w FROM bench_cal.resp) s',
	:rounds);

-- the linearized values of a calibrated mean (raking weights), weights only
-- and with strata and PSUs
CREATE TABLE bench_cal.cal AS
SELECT r.*, barometer.calibrate(w, ARRAY[muni, agesex, origin, edu], NULL,
	(SELECT t FROM bench_cal.tot WHERE setup = 'a'), 'raking') OVER () AS w_cal
FROM bench_cal.resp r;
SELECT bench_cal.run('a', 'calibration_residual (weights only)',
	'SELECT sum(r) FROM (SELECT barometer.calibration_residual(y, w, w_cal, ARRAY[muni, agesex, origin, edu], NULL) OVER () AS r FROM bench_cal.cal) s',
	:rounds);
SELECT bench_cal.run('a', 'calibration_residual (strata, PSUs)',
	'SELECT sum(r) FROM (SELECT barometer.calibration_residual(y, w, w_cal, ARRAY[muni, agesex, origin, edu], NULL, true, stratum, psu) OVER () AS r FROM bench_cal.cal) s',
	:rounds);

\pset footer off
SELECT CASE setup WHEN 'a' THEN '300/20/6/4' ELSE '4 x 300' END AS margins, method,
       round((percentile_disc(0.5) WITHIN GROUP (ORDER BY ms))::numeric, 1) AS median_ms,
       round(min(ms)::numeric, 1) AS min_ms
FROM bench_cal.timing GROUP BY setup, method ORDER BY setup, min(round), median_ms;
DROP SCHEMA bench_cal CASCADE;
