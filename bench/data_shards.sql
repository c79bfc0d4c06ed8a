-- bench/data_shards.sql - the stratified cluster sample of bench/shards_run
-- on one server: :rows rows in total (psql variable), of which this server
-- holds the strata of shard :shard of :nshards (:shard = 0: all of them,
-- the single server).
--
-- The design of bench/data_cluster.sql: 50 rows per PSU, 100 PSUs per
-- stratum (10M rows: 2,000 strata, 200,000 PSUs), rows in file order.
-- Stratum s lives on shard 1 + (s - 1) % :nshards, so strata and their
-- PSUs are whole on one shard and the shards hold a third each.  n_psu is
-- a column (the whole sample's count, known from the design: 100, fewer in
-- a last partial stratum), so the timed queries are the aggregates alone.
-- origin: six groups of unequal size (about 55, 16, 9, 8, 6, 6 %), spread
-- over every PSU as individual characteristics are; region: 20 consecutive
-- strata (100 regions at 10M rows), a geography whose PSUs nest in it, its
-- strata dealt out over the shards.  Deterministic: every
-- value comes from hashint8extended(i, 4) of the row number i.
SET client_min_messages = warning;
SET work_mem = '1GB';
DROP TABLE IF EXISTS resp;
CREATE UNLOGGED TABLE resp (
	shard integer NOT NULL,
	stratum integer NOT NULL,
	psu integer NOT NULL,
	region smallint NOT NULL,
	origin smallint NOT NULL,
	w float8 NOT NULL,
	y boolean,
	n_psu integer NOT NULL
) WITH (parallel_workers = 2, autovacuum_enabled = false);

INSERT INTO resp
SELECT 1 + (stratum - 1) % :nshards, stratum, psu, 1 + (stratum - 1) / 20,
	CASE WHEN ((h >> 26) & 127) < 70 THEN 1
		WHEN ((h >> 26) & 127) < 90 THEN 2
		WHEN ((h >> 26) & 127) < 102 THEN 3
		WHEN ((h >> 26) & 127) < 112 THEN 4
		WHEN ((h >> 26) & 127) < 120 THEN 5
		ELSE 6 END,
	0.5 + ((h & 1023) % 289) / 64.0,
	CASE WHEN ((h >> 10) & 127) < 4 THEN NULL
		ELSE ((h >> 10) & 127) < 4 + 18 + (hashint4extended(psu, 5) & 1023) % 39 END,
	least(100, (:rows::bigint + 49) / 50 - (stratum - 1) * 100)::int
FROM (SELECT s AS stratum, (1 + (i - 1) / 50)::int AS psu, hashint8extended(i, 4) AS h
	  FROM generate_series(CASE WHEN :shard = 0 THEN 1 ELSE :shard END,
			((:rows::bigint + 4999) / 5000)::int,
			CASE WHEN :shard = 0 THEN 1 ELSE :nshards END) AS s,
		generate_series((s - 1) * 5000::bigint + 1, least(s * 5000::bigint, :rows::bigint)) AS i
	  OFFSET 0) AS g;

VACUUM (FREEZE, ANALYZE) resp;
