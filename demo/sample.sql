-- A small synthetic survey in the shape of the Barometer Samenleven: two
-- editions, six origin groups (oversampled, so weights differ strongly
-- between groups), 30 strata (municipality groups) with 4 to 6 clusters
-- (addresses) each.  Deterministic: the same numbers on every machine.
-- The numbers are invented; the structure is real.
SET client_min_messages = warning;

CREATE TABLE origin_group (code text PRIMARY KEY, label_nl text, label_en text, share float8, sampled float8);
INSERT INTO origin_group VALUES
	('BE',    'Belgische herkomst',            'Belgian origin',             0.68, 0.30),
	('EU1',   'EU-herkomst, 1e generatie',     'EU origin, 1st generation',  0.07, 0.14),
	('EU2',   'EU-herkomst, 2e generatie',     'EU origin, 2nd generation',  0.05, 0.12),
	('NEU1',  'niet-EU-herkomst, 1e generatie','non-EU origin, 1st generation', 0.11, 0.17),
	('NEU2',  'niet-EU-herkomst, 2e generatie','non-EU origin, 2nd generation', 0.07, 0.15),
	('ONB',   'herkomst onbekend',             'origin unknown',             0.02, 0.12);

-- a deterministic pseudo-random number in [0, 1) from integers
CREATE FUNCTION demo_u(a bigint, b bigint) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT ('x' || substr(md5(a::text || ':' || b::text), 1, 8))::bit(32)::bigint / 4294967296.0
$$;

CREATE TABLE respondent AS
WITH base AS (
	SELECT e.edition, i,
	       1 + (i % 30) AS stratum,
	       demo_u(i, e.edition) AS u1, demo_u(i + 7, e.edition * 3) AS u2,
	       demo_u(i * 3 + 1, e.edition) AS u3, demo_u(i * 5 + 2, e.edition + 11) AS u4
	FROM (VALUES (2021), (2023)) e(edition), generate_series(1, 2500) i
), grp AS (
	SELECT b.*, o.code AS origin, o.share, o.sampled
	FROM base b
	JOIN LATERAL (
		SELECT code, share, sampled,
		       sum(sampled) OVER (ORDER BY code) AS cum
		FROM origin_group) o ON b.u1 < o.cum AND b.u1 >= o.cum - o.sampled
)
SELECT edition, i AS id, stratum,
       stratum * 100 + ((i / 30) % (4 + stratum % 3)) AS address,
       origin,
       -- weight: population share over sample share, with some spread
       (share / sampled) * (0.6 + 0.8 * u2) * 1000 AS w,
       -- q1 "ik voel me thuis in mijn buurt" (5-point), agreement depends on group and edition
       CASE WHEN u3 < 0.03 THEN NULL
            ELSE 1 + floor(5 * least(0.999, u4 * (0.85 + 0.1 * (origin = 'BE')::int
                                                  + 0.05 * (edition = 2023)::int))) END::int AS q1,
       -- q2 "ik heb het afgelopen jaar discriminatie ervaren" (yes/no)
       CASE WHEN u4 < 0.02 THEN NULL
            ELSE u3 < 0.08 + 0.12 * (origin IN ('NEU1', 'NEU2'))::int + 0.04 * (origin IN ('EU1', 'EU2'))::int END AS q2
FROM grp;

-- the design columns a GROUP BY needs from the whole sample (per edition)
CREATE VIEW respondent_design AS
SELECT r.*,
       barometer.psu_count(address) OVER (PARTITION BY edition, stratum) AS n_psu
FROM respondent r;
