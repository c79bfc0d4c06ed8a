-- bench/data_elem.sql - (re)build the sample of tests (g) and (g3) with
-- :rows rows (psql variable): a stratified sample without clusters, one
-- stratum, written the way the 0.1 README taught (every row its own PSU,
-- psu = row id, n_psu its PSU count) and as tally_stratified reads it
-- (n_stratum = the stratum's row count, bigint).
-- bench.elem is in row order, bench.elem_shuffled the same rows in the
-- order of a hash of the row number.  Deterministic, as bench/data.sql
-- (w = 0.5 + k/64, y TRUE for about 30 %, NULL for 4/128).
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS bench.elem, bench.elem_shuffled;
CREATE UNLOGGED TABLE bench.elem WITH (parallel_workers = 2, autovacuum_enabled = false) AS
SELECT i AS id, 1 AS stratum, :rows::int AS n_psu, :rows::bigint AS n_stratum,
       CASE WHEN (h & 127) < 4 THEN NULL ELSE (h & 127) < 42 END AS y,
       (0.5 + ((h >> 7) % 289) / 64.0)::float8 AS w
FROM (SELECT i, abs(hashint8extended(i, 11)) AS h FROM generate_series(1, :rows::bigint) AS i) s;
CREATE UNLOGGED TABLE bench.elem_shuffled WITH (parallel_workers = 2, autovacuum_enabled = false) AS
SELECT * FROM bench.elem ORDER BY hashint8extended(id, 12);
VACUUM ANALYZE bench.elem;
VACUUM ANALYZE bench.elem_shuffled;
