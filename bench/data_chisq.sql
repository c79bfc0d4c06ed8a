-- bench/data_chisq.sql - (re)build bench.chisq, the two-way table of tests
-- chisq and chisq2: :rows rows (psql variable) with two categorical variables of 50
-- categories each (a 50 x 50 table, 2,500 cells) in the stratified cluster
-- design of bench/data_cluster.sql: 50 rows per PSU, 100 PSUs per stratum
-- (200 strata x 100 PSUs at 1M rows), rows in file order (the rows of a PSU
-- adjacent), n_psu materialized.
--
-- Deterministic (hashint8extended of the row number, seed 9): r and c
-- uniform over 0..49, except that about 10 % of the rows have c = r (an
-- association the test finds); w = 0.5 + k/64, k in 0..288, as elsewhere.
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS bench.chisq;
-- only up to the largest size of the test (bench.query.max_rows)
SELECT :rows <= max_rows AS build FROM bench.query WHERE test = 'chisq' \gset
\if :build

CREATE UNLOGGED TABLE bench.chisq (
	stratum integer NOT NULL,
	psu integer NOT NULL,
	n_psu integer NOT NULL,
	w float8 NOT NULL,
	r smallint NOT NULL,
	c smallint NOT NULL
) WITH (parallel_workers = 2, autovacuum_enabled = false);

-- row i is in PSU 1 + (i - 1)/50, PSU p in stratum 1 + (p - 1)/100
INSERT INTO bench.chisq
SELECT 1 + (psu - 1) / 100, psu, 100, w, r,
	CASE WHEN diagonal THEN r ELSE c0 END
FROM (SELECT (1 + (i - 1) / 50)::int AS psu,
		0.5 + ((h & 1023) % 289) / 64.0 AS w,
		((h >> 10) & 65535) % 50 AS r,
		((h >> 26) & 65535) % 50 AS c0,
		((h >> 42) & 1023) < 103 AS diagonal
	  FROM (SELECT i, hashint8extended(i, 9) AS h
			FROM generate_series(1, :rows::bigint) AS i
			OFFSET 0) AS g) AS g;

VACUUM (FREEZE, ANALYZE) bench.chisq;
\endif
