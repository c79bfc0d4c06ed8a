-- bench/data.sql - (re)build bench.data with :rows rows (psql variable).
--
-- Deterministic: every value comes from hashint8extended(i, seed) of the row
-- number, so every run and every machine of the same endianness builds the
-- same table.  Four hashes per row: one for w, municipality and origin, and
-- three that give nine 7-bit slots each for y and y1..y20 (NULL for 4/128 =
-- 3.1 %, TRUE for about 30 % of the rows).
--
-- w = 0.5 + k/64 with k in 0..288: 289 weights from 0.5 to 5, all multiples
-- of 1/64, so that every plain float8 sum of w, w y, w^2, w^2 y of up to 10^7
-- rows is exact.  The numbers check of test (b) then compares barometer with
-- the plain-SQL formula without summation error on the SQL side.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench.data;
CREATE UNLOGGED TABLE bench.data (
	w float8 NOT NULL,
	municipality smallint NOT NULL,
	origin smallint NOT NULL,
	y boolean,
	y1 boolean, y2 boolean, y3 boolean, y4 boolean, y5 boolean,
	y6 boolean, y7 boolean, y8 boolean, y9 boolean, y10 boolean,
	y11 boolean, y12 boolean, y13 boolean, y14 boolean, y15 boolean,
	y16 boolean, y17 boolean, y18 boolean, y19 boolean, y20 boolean
) WITH (parallel_workers = 2, autovacuum_enabled = false);

-- slot j (0..8) of hash h: 7 bits; NULL below 4, TRUE below 4 + t
CREATE FUNCTION pg_temp.ind(h bigint, j int, t int) RETURNS boolean
LANGUAGE sql IMMUTABLE AS
$$SELECT CASE WHEN ((h >> (7 * j)) & 127) < 4 THEN NULL
              ELSE ((h >> (7 * j)) & 127) < 4 + t END$$;

INSERT INTO bench.data
SELECT 0.5 + ((h0 & 1023) % 289) / 64.0,
	1 + ((h0 >> 10) & 65535) % 300,
	-- origin: six groups of unequal size (about 55, 16, 9, 8, 6, 6 %)
	CASE WHEN ((h0 >> 26) & 127) < 70 THEN 1
		WHEN ((h0 >> 26) & 127) < 90 THEN 2
		WHEN ((h0 >> 26) & 127) < 102 THEN 3
		WHEN ((h0 >> 26) & 127) < 112 THEN 4
		WHEN ((h0 >> 26) & 127) < 120 THEN 5
		ELSE 6 END,
	pg_temp.ind(h1, 0, 38),
	pg_temp.ind(h1, 1, 34), pg_temp.ind(h1, 2, 36), pg_temp.ind(h1, 3, 38),
	pg_temp.ind(h1, 4, 40), pg_temp.ind(h1, 5, 42), pg_temp.ind(h1, 6, 34),
	pg_temp.ind(h1, 7, 36), pg_temp.ind(h1, 8, 38),
	pg_temp.ind(h2, 0, 40), pg_temp.ind(h2, 1, 42), pg_temp.ind(h2, 2, 34),
	pg_temp.ind(h2, 3, 36), pg_temp.ind(h2, 4, 38), pg_temp.ind(h2, 5, 40),
	pg_temp.ind(h2, 6, 42), pg_temp.ind(h2, 7, 34), pg_temp.ind(h2, 8, 36),
	pg_temp.ind(h3, 0, 38), pg_temp.ind(h3, 1, 40), pg_temp.ind(h3, 2, 42)
FROM (SELECT hashint8extended(i, 0) AS h0, hashint8extended(i, 1) AS h1,
		hashint8extended(i, 2) AS h2, hashint8extended(i, 3) AS h3
	  FROM generate_series(1, :rows::bigint) AS i
	  OFFSET 0) AS h;

VACUUM (FREEZE, ANALYZE) bench.data;
