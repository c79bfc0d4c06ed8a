-- bench/data_declared.sql - (re)build the sample of the declared-design
-- benchmark with :rows rows (psql variable) in schema bench_decl:
-- bench_decl.resp, 300 municipalities (the strata) x 6 origins, PSUs of 50
-- rows (at 1M rows 20,000 PSUs, about 67 per municipality), in file order
-- (by PSU); and the declared design bench_decl.resp_m (materialized) and
-- bench_decl.resp_v (a plain view).
--
-- Deterministic, as bench/data_cluster.sql: w = 0.5 + k/64 (k in 0..288);
-- y is TRUE with a probability that depends on the PSU (15 % to 45 %) and
-- NULL for 4/128 of the rows; origin from a hash of the row.
SET client_min_messages = warning;
SET work_mem = '1GB';
SET max_parallel_workers_per_gather = 0;
CREATE EXTENSION IF NOT EXISTS barometer;
CREATE SCHEMA IF NOT EXISTS bench_decl;
DO $$
BEGIN
	IF to_regclass('bench_decl.resp_m') IS NOT NULL THEN
		PERFORM barometer.drop_design('bench_decl.resp_m');
	END IF;
	IF to_regclass('bench_decl.resp_v') IS NOT NULL THEN
		PERFORM barometer.drop_design('bench_decl.resp_v');
	END IF;
END $$;
DROP TABLE IF EXISTS bench_decl.resp, bench_decl.resp_x;

CREATE UNLOGGED TABLE bench_decl.resp (
	municipality smallint NOT NULL,
	origin smallint NOT NULL,
	psu integer NOT NULL,
	w float8 NOT NULL,
	y boolean
) WITH (autovacuum_enabled = false);

-- row i is in PSU 1 + (i - 1)/50, PSU p in municipality 1 + (p - 1) % 300
INSERT INTO bench_decl.resp
SELECT (1 + (psu - 1) % 300)::smallint,
	((h >> 20) % 6)::smallint,
	psu,
	0.5 + ((h & 1023) % 289) / 64.0,
	CASE WHEN ((h >> 10) & 127) < 4 THEN NULL
		ELSE ((h >> 10) & 127) < 4 + 18 + (hashint4extended(psu, 5) & 1023) % 39 END
FROM (SELECT i, (1 + (i - 1) / 50)::int AS psu, hashint8extended(i, 4) & 1099511627775 AS h
	  FROM generate_series(1, :rows::bigint) AS i) g
ORDER BY psu, i;
VACUUM (FREEZE, ANALYZE) bench_decl.resp;

SELECT barometer.declare_design('bench_decl.resp_m', 'bench_decl.resp', weights => 'w',
	strata => 'municipality', psu => 'psu', materialized => true) IS NOT NULL AS declared;
SELECT barometer.declare_design('bench_decl.resp_v', 'bench_decl.resp', weights => 'w',
	strata => 'municipality', psu => 'psu') IS NOT NULL AS declared;
VACUUM (FREEZE, ANALYZE) bench_decl.resp_m;

-- the explicit form's input, n_psu materialized the README's way
CREATE UNLOGGED TABLE bench_decl.resp_x WITH (autovacuum_enabled = false) AS
SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY municipality) AS n_psu
FROM bench_decl.resp r;
VACUUM (FREEZE, ANALYZE) bench_decl.resp_x;
