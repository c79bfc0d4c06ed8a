-- bench/data_cluster.sql - (re)build the stratified cluster sample of test
-- (e) with :rows rows (psql variable): bench.cluster in file order and
-- bench.cluster_shuffled, the same rows in random order.
--
-- 50 rows per PSU and 100 PSUs per stratum at every size: at 1M rows 200
-- strata x 100 PSUs (20,000 PSUs), at 10M rows 2,000 strata x 100 PSUs
-- (200,000 PSUs).  The sample grows by strata, as a bigger survey does, and
-- a PSU keeps the size of a real cluster.  Identifiers are integers; PSU
-- numbers are unique across strata.
--
-- bench.cluster is ordered by stratum, PSU and row, as survey files usually
-- are: the rows of a PSU are adjacent.  bench.cluster_shuffled holds the same
-- rows in an order given by a hash of the row number, so that consecutive
-- rows almost never share a PSU (the cost of poor locality, no goal).
--
-- n_psu is materialized once, here, with the window the README recommends
-- (barometer.psu_count(psu) OVER (PARTITION BY stratum)); it is not part of
-- any timed query.
--
-- Deterministic, as bench/data.sql: w = 0.5 + k/64 (k in 0..288), so the plain
-- float8 sums of the floor are exact; y is TRUE with a probability that
-- depends on the PSU (15 % to 45 %, so the PSUs differ as real clusters do)
-- and NULL for 4/128 of the rows.
SET client_min_messages = warning;
SET work_mem = '2GB';
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS bench.cluster, bench.cluster_shuffled;

CREATE UNLOGGED TABLE bench.cluster (
	stratum integer NOT NULL,
	psu integer NOT NULL,
	w float8 NOT NULL,
	y boolean,
	n_psu integer NOT NULL
) WITH (parallel_workers = 2, autovacuum_enabled = false);
CREATE UNLOGGED TABLE bench.cluster_shuffled (LIKE bench.cluster)
	WITH (parallel_workers = 2, autovacuum_enabled = false);

-- row i is in PSU 1 + (i - 1)/50, PSU p in stratum 1 + (p - 1)/100
INSERT INTO bench.cluster
SELECT stratum, psu, w, y, barometer.psu_count(psu) OVER (PARTITION BY stratum)
FROM (SELECT i,
		1 + (psu - 1) / 100 AS stratum,
		psu,
		0.5 + ((h & 1023) % 289) / 64.0 AS w,
		CASE WHEN ((h >> 10) & 127) < 4 THEN NULL
			ELSE ((h >> 10) & 127) < 4 + 18 + (hashint4extended(psu, 5) & 1023) % 39 END AS y
	  FROM (SELECT i, (1 + (i - 1) / 50)::int AS psu, hashint8extended(i, 4) AS h
			FROM generate_series(1, :rows::bigint) AS i
			OFFSET 0) AS g) AS g
ORDER BY stratum, psu, i;

-- the same rows shuffled by a hash of their content (rows with equal hash
-- inputs are equal in every column, so the order is fully determined)
INSERT INTO bench.cluster_shuffled
SELECT * FROM bench.cluster
ORDER BY hashfloat8extended(w, psu::bigint * 3 + coalesce(y::int, 2)), psu, w, y;

VACUUM (FREEZE, ANALYZE) bench.cluster;
VACUUM (FREEZE, ANALYZE) bench.cluster_shuffled;
