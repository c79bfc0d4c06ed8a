-- bench/data_rep.sql - (re)build bench.rep, the replicate-weight sample of
-- test (f), with :rows rows (psql variable): w, origin, y and an 80-element
-- float8[] of replicate weights, about 700 bytes a row (750 MB at 1M rows;
-- bench/run builds it at 1M rows only).
--
-- JK1-like replicate weights: the rows form PSUs of 50 rows, and the PSUs 80
-- replicate groups (PSU number modulo 80); replicate r gives weight 0 to
-- the rows of group r and w * 65/64 to all others.  (R/(R-1) would be 80/79;
-- 65/64 keeps every replicate weight a multiple of 2^-22, so that the plain
-- float8 sums of the unnest formulation are exact and the variance check
-- compares barometer with SQL without summation error on the SQL side.)
--
-- Deterministic (hashes of the row number, as bench/data.sql): six origins
-- of unequal size as in bench/data.sql, y TRUE for about 30 % and NULL for
-- 4/128 of the rows, and w = 0.5 + k/65536 with k in 0..294912: about
-- 290,000 distinct weights, so nearly every row has its own array, as in a
-- real file (with few distinct arrays the planner memoizes the unnest of
-- the plain-SQL formulation, which real data would not allow).
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS bench.rep;

CREATE UNLOGGED TABLE bench.rep (
	w float8 NOT NULL,
	origin smallint NOT NULL,
	y boolean,
	repw float8[] NOT NULL
) WITH (parallel_workers = 2, autovacuum_enabled = false);

-- the array: w * 65/64 in the g - 1 replicates before the row's group, 0 in
-- its group, w * 65/64 in the 80 - g after it
INSERT INTO bench.rep
SELECT w, origin, y,
	array_fill(w * 65 / 64, ARRAY[g - 1]) || 0::float8 || array_fill(w * 65 / 64, ARRAY[80 - g])
FROM (SELECT 0.5 + ((h & 1048575) % 294913) / 65536.0::float8 AS w,
		(1 + ((i - 1) / 50) % 80)::int AS g,
		CASE WHEN ((h >> 26) & 127) < 70 THEN 1
			WHEN ((h >> 26) & 127) < 90 THEN 2
			WHEN ((h >> 26) & 127) < 102 THEN 3
			WHEN ((h >> 26) & 127) < 112 THEN 4
			WHEN ((h >> 26) & 127) < 120 THEN 5
			ELSE 6 END AS origin,
		CASE WHEN ((h >> 40) & 127) < 4 THEN NULL
			ELSE ((h >> 40) & 127) < 4 + 38 END AS y
	  FROM (SELECT i, hashint8extended(i, 8) AS h
			FROM generate_series(1, :rows::bigint) AS i
			OFFSET 0) AS h) AS s;

VACUUM (FREEZE, ANALYZE) bench.rep;
