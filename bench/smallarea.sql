-- bench/smallarea.sql - timing of the Fay-Herriot model for 300 areas (the
-- Flemish municipalities) with three register covariates and 20 areas
-- without a sample: the fit alone (fay_herriot_fit), every area's EBLUP and
-- MSE (fay_herriot), the same with the arcsine transform, and with the
-- publication status of every area (fay_herriot_publication, model_cv).
-- 15 timed runs of each after a warm-up run, interleaved; medians in ms.
--
-- Run by hand in a database with barometer installed (bench/run runs it):
--   psql -X -q -A -F ' ' -v ON_ERROR_STOP=1 -f bench/smallarea.sql
-- The data are deterministic (hash-based), the same on every machine.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS barometer;
DROP SCHEMA IF EXISTS bench_smallarea CASCADE;
CREATE SCHEMA bench_smallarea;

-- 300 areas: covariates in [0, 1), a true value 0.2 + 0.3 x1 - 0.1 x2 +
-- 0.05 x3 + an area effect (sd 0.05), a sample of 8 to 400 respondents and a
-- direct estimate with sampling error of variance p(1-p)/n; every 15th area
-- has no sample
CREATE TABLE bench_smallarea.area AS
WITH a AS (
	SELECT i,
	       (hashint4(i) & 65535) / 65536.0 AS x1,
	       (hashint4(i + 1000) & 65535) / 65536.0 AS x2,
	       (hashint4(i + 2000) & 65535) / 65536.0 AS x3,
	       ((hashint4(i + 3000) & 65535) / 65536.0 - 0.5) * 0.17 AS u,
	       ((hashint4(i + 4000) & 65535) / 65536.0 - 0.5) * 3.4 AS e,
	       8 + (hashint4(i + 5000) & 511) * 392 / 511 AS n
	FROM generate_series(1, 300) i)
SELECT i, x1, x2, x3, n,
       CASE WHEN i % 15 = 0 THEN NULL
	    ELSE 0.2 + 0.3 * x1 - 0.1 * x2 + 0.05 * x3 + u
		 + e * sqrt((0.2 + 0.3 * x1) * (0.8 - 0.3 * x1) / n) END AS y,
       (0.2 + 0.3 * x1) * (0.8 - 0.3 * x1) / n AS v
FROM a;

CREATE TABLE bench_smallarea.input AS
SELECT array_agg(lpad(i::text, 5, '0') ORDER BY i) AS area,
       array_agg(y ORDER BY i) AS y,
       array_agg(v ORDER BY i) AS v,
       array_agg(n::float8 ORDER BY i) AS n,
       array_agg(ARRAY[x1, x2, x3] ORDER BY i) AS x
FROM bench_smallarea.area;

CREATE TABLE bench_smallarea.timing (what text, run int, ms float8);
DO $$
DECLARE
	t0 timestamptz;
	k bigint;
	w text;
BEGIN
	FOR run IN 0..15 LOOP
		FOREACH w IN ARRAY ARRAY['fit', 'estimates', 'arcsine', 'publication'] LOOP
			t0 := clock_timestamp();
			IF w = 'fit' THEN
				SELECT f.iterations INTO k FROM bench_smallarea.input i,
					LATERAL barometer.fay_herriot_fit(i.area, i.y, i.v, i.x) f;
			ELSIF w = 'estimates' THEN
				SELECT count(f.mse) INTO k FROM bench_smallarea.input i,
					LATERAL barometer.fay_herriot(i.area, i.y, i.v, i.x) f;
			ELSIF w = 'arcsine' THEN
				SELECT count(f.mse) INTO k FROM bench_smallarea.input i,
					LATERAL barometer.fay_herriot(i.area, i.y, i.v, i.x, transform => 'arcsine') f;
			ELSE
				SELECT count(f.status) INTO k FROM bench_smallarea.input i,
					LATERAL barometer.fay_herriot_publication(i.area, i.y, i.v, i.n, i.x) f;
			END IF;
			IF run > 0 THEN
				INSERT INTO bench_smallarea.timing
				VALUES (w, run, 1000 * extract(epoch FROM clock_timestamp() - t0));
			END IF;
		END LOOP;
	END LOOP;
END $$;

SELECT f.areas, f.areas_in_sample, f.iterations, round(f.area_variance::numeric, 6) AS area_variance
FROM bench_smallarea.input i, LATERAL barometer.fay_herriot_fit(i.area, i.y, i.v, i.x) f;
SELECT what, count(*) AS runs,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS median_ms,
       round(min(ms)::numeric, 2) AS min_ms, round(max(ms)::numeric, 2) AS max_ms
FROM bench_smallarea.timing
GROUP BY what
ORDER BY array_position(ARRAY['fit', 'estimates', 'arcsine', 'publication'], what);
DROP SCHEMA bench_smallarea CASCADE;
