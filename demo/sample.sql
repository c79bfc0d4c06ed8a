-- A synthetic Barometer Samenleven / Lokale Integratiescan sample: the
-- structure is real, the numbers are invented (../shared/FACTS.md).
--
--   * the 300 Flemish municipalities of 2019-2024 with their real names, NIS
--     codes and provinces (demo/municipalities.csv; population on 1 January
--     2020, Statbel), the region and the five provinces with their REFNIS codes;
--   * two survey editions (2021, 2023) of about :sample_size respondents in
--     all (default 50,000): a stratified sample (stratum = municipality,
--     allocation proportional to the square root of the population) of
--     addresses (the PSUs, 1 to 3 respondents each), with the origin groups
--     oversampled; design weights calibrated by raking to invented age x sex
--     margins within each municipality (origin is not a weighting margin, as
--     in the Gemeente-Stadsmonitor), with age groups collapsed where a small
--     municipality's sample leaves empty cells (table calibration);
--   * a questionnaire of statements on a five-point scale (1 helemaal oneens
--     ... 5 helemaal eens), 9 = "geen mening / weet niet", NULL = no answer;
--   * register counts by municipality x detailed origin (12 groups) x sex:
--     population aged 18-64, employed, unemployed jobseekers.
--
-- Deterministic: every random number is a hash of integers
-- (hashint8extended, a Jenkins hash of the integer's value, the same on
-- every platform and PostgreSQL version), so every machine builds the same
-- sample.  Run from the repository root (the CSV is read with \copy).
--
-- psql variables: sample_size (respondents over both editions, default
-- 50000), n_items (statements in the questionnaire, default 14: the demo's
-- own; more are generated for the benchmark).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\if :{?sample_size}
\else
\set sample_size 50000
\endif
\if :{?n_items}
\else
\set n_items 14
\endif

-------------------------------------------------------------------------------
-- deterministic pseudo-random numbers
-------------------------------------------------------------------------------
-- uniform in (0, 1) from two integers: 31 bits of a Jenkins hash
CREATE FUNCTION demo_u(key bigint, stream bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((pg_catalog.hashint8extended(key, stream) & 2147483647)::float8 + 0.5) / 2147483648.0 $$;

-- roughly standard normal from a uniform (logistic with sd 1)
CREATE FUNCTION demo_z(u float8) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT 0.5513 * ln(u / (1 - u)) $$;

-------------------------------------------------------------------------------
-- geography, editions, groups
-------------------------------------------------------------------------------
CREATE TABLE region (code text PRIMARY KEY, name_nl text NOT NULL, name_en text NOT NULL);
INSERT INTO region VALUES ('02000', 'Vlaams Gewest', 'Flemish Region');

CREATE TABLE province (
	code text PRIMARY KEY,			-- REFNIS code
	digit int NOT NULL UNIQUE,		-- first digit of its municipalities' NIS codes
	name_nl text NOT NULL UNIQUE,
	name_en text NOT NULL,
	region text NOT NULL REFERENCES region);
INSERT INTO province VALUES
	('10000', 1, 'Antwerpen', 'Antwerp', '02000'),
	('20001', 2, 'Vlaams-Brabant', 'Flemish Brabant', '02000'),
	('30000', 3, 'West-Vlaanderen', 'West Flanders', '02000'),
	('40000', 4, 'Oost-Vlaanderen', 'East Flanders', '02000'),
	('70000', 7, 'Limburg', 'Limburg', '02000');

CREATE TABLE municipality (
	nis text PRIMARY KEY,
	name_nl text NOT NULL,
	province text NOT NULL REFERENCES province,
	population_2020 integer NOT NULL);
CREATE TEMP TABLE municipality_csv (nis text, name_nl text, province text, population_2020 integer);
\copy municipality_csv FROM 'demo/municipalities.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO municipality
SELECT c.nis, c.name_nl, p.code, c.population_2020
FROM municipality_csv c
JOIN province p ON p.name_nl = c.province AND p.digit = substr(c.nis, 1, 1)::int;
DO $$
BEGIN
	IF (SELECT count(*) FROM municipality) <> 300
	   OR (SELECT count(*) FROM municipality_csv) <> 300 THEN
		RAISE EXCEPTION 'demo/municipalities.csv: expected 300 municipalities whose province matches the first digit of the NIS code';
	END IF;
END $$;

CREATE TABLE edition (edition smallint PRIMARY KEY, previous smallint REFERENCES edition);
INSERT INTO edition VALUES (2021, NULL), (2023, 2021);

CREATE TABLE origin_group (
	code text PRIMARY KEY,
	sort int NOT NULL,
	label_nl text NOT NULL,
	label_en text NOT NULL,
	is_reference boolean NOT NULL DEFAULT false);
INSERT INTO origin_group VALUES
	('BE',   1, 'Belgische herkomst',              'Belgian origin',                true),
	('EU1',  2, 'EU-herkomst, 1e generatie',       'EU origin, 1st generation',     false),
	('EU2',  3, 'EU-herkomst, 2e generatie',       'EU origin, 2nd generation',     false),
	('NEU1', 4, 'niet-EU-herkomst, 1e generatie',  'non-EU origin, 1st generation', false),
	('NEU2', 5, 'niet-EU-herkomst, 2e generatie',  'non-EU origin, 2nd generation', false),
	('ONB',  6, 'herkomst onbekend',               'origin unknown',                false);

CREATE TABLE age_group (code text PRIMARY KEY, sort int NOT NULL, label_nl text NOT NULL, label_en text NOT NULL);
INSERT INTO age_group VALUES
	('17-29', 1, '17 tot 29 jaar', 'aged 17-29'),
	('30-44', 2, '30 tot 44 jaar', 'aged 30-44'),
	('45-64', 3, '45 tot 64 jaar', 'aged 45-64'),
	('65-85', 4, '65 tot 85 jaar', 'aged 65-85');

CREATE TABLE sex (code text PRIMARY KEY, sort int NOT NULL, label_nl text NOT NULL, label_en text NOT NULL);
INSERT INTO sex VALUES ('M', 1, 'man', 'men'), ('V', 2, 'vrouw', 'women');

-- detailed origin, for the register tables (the Lokale Integratiescan's split)
CREATE TABLE origin_detail (
	code text PRIMARY KEY,
	sort int NOT NULL,
	label_nl text NOT NULL,
	label_en text NOT NULL,
	bloc text NOT NULL,		-- BE, EU, NEU, ONB
	bloc_share float8 NOT NULL,	-- its share of the bloc (invented)
	employment float8 NOT NULL,	-- invented employment rate 18-64, men
	female_gap float8 NOT NULL,	-- women's rate = men's - gap
	unemployment float8 NOT NULL);	-- invented jobseekers per person 18-64
INSERT INTO origin_detail VALUES
	('BE',     1, 'België',            'Belgium',         'BE',  1.00, 0.80, 0.05, 0.030),
	('NL',     2, 'Nederland',         'Netherlands',     'EU',  0.32, 0.76, 0.08, 0.035),
	('PL',     3, 'Polen',             'Poland',          'EU',  0.14, 0.78, 0.10, 0.045),
	('RO',     4, 'Roemenië',          'Romania',         'EU',  0.16, 0.74, 0.14, 0.055),
	('EU_OTH', 5, 'ander EU-land',     'other EU',        'EU',  0.38, 0.72, 0.09, 0.050),
	('MA',     6, 'Marokko',           'Morocco',         'NEU', 0.30, 0.62, 0.18, 0.110),
	('TR',     7, 'Turkije',           'Turkey',          'NEU', 0.19, 0.66, 0.20, 0.090),
	('CD',     8, 'Congo (DR)',        'Congo (DR)',      'NEU', 0.08, 0.60, 0.08, 0.120),
	('SY',     9, 'Syrië',             'Syria',           'NEU', 0.08, 0.45, 0.25, 0.160),
	('AF',    10, 'Afghanistan',       'Afghanistan',     'NEU', 0.06, 0.50, 0.30, 0.150),
	('NEU_OTH',11, 'ander niet-EU-land','other non-EU',   'NEU', 0.29, 0.63, 0.12, 0.100),
	('ONB',   12, 'onbekend',          'unknown',         'ONB', 1.00, 0.55, 0.10, 0.080);

-------------------------------------------------------------------------------
-- the population frame (invented): adults 17-85 by edition x municipality x
-- origin group x age group x sex
-------------------------------------------------------------------------------
-- municipality-level structure: urban degree s in [0, 1] from the population
CREATE TEMP TABLE muni_structure AS
SELECT m.nis, m.population_2020,
       greatest(0, least(1, (log(m.population_2020) - 3.7) / 1.8)) AS s,
       demo_u(m.nis::bigint, 1) AS u_border,	-- a few municipalities with many EU residents
       demo_u(m.nis::bigint, 2) AS u_neu,
       demo_u(m.nis::bigint, 3) AS u_age
FROM municipality m;

-- origin shares per edition and municipality (normalised below)
CREATE TEMP TABLE origin_raw AS
SELECT e.edition, ms.nis, o.code AS origin,
       CASE o.code
	       WHEN 'BE'   THEN 0.90 - 0.40 * ms.s
	       WHEN 'EU1'  THEN (0.025 + 0.05 * ms.s) * (CASE WHEN ms.u_border < 0.07 THEN 3 ELSE 1 END)
			       * (1 + 0.03 * (e.edition - 2021))
	       WHEN 'EU2'  THEN (0.020 + 0.03 * ms.s) * (CASE WHEN ms.u_border < 0.07 THEN 2 ELSE 1 END)
	       WHEN 'NEU1' THEN (0.012 + 0.15 * ms.s) * (0.6 + 0.8 * ms.u_neu) * (1 + 0.05 * (e.edition - 2021))
	       WHEN 'NEU2' THEN (0.008 + 0.13 * ms.s) * (0.6 + 0.8 * ms.u_neu) * (1 + 0.03 * (e.edition - 2021))
	       ELSE 0.006 + 0.010 * ms.s END AS raw
FROM muni_structure ms CROSS JOIN edition e CROSS JOIN origin_group o;

-- age distribution by origin group (second generations are young)
CREATE TEMP TABLE age_share (origin text, age_group text, share float8);
INSERT INTO age_share VALUES
	('BE', '17-29', 0.16), ('BE', '30-44', 0.21), ('BE', '45-64', 0.35), ('BE', '65-85', 0.28),
	('EU1', '17-29', 0.17), ('EU1', '30-44', 0.33), ('EU1', '45-64', 0.35), ('EU1', '65-85', 0.15),
	('EU2', '17-29', 0.35), ('EU2', '30-44', 0.30), ('EU2', '45-64', 0.25), ('EU2', '65-85', 0.10),
	('NEU1', '17-29', 0.26), ('NEU1', '30-44', 0.36), ('NEU1', '45-64', 0.30), ('NEU1', '65-85', 0.08),
	('NEU2', '17-29', 0.55), ('NEU2', '30-44', 0.30), ('NEU2', '45-64', 0.13), ('NEU2', '65-85', 0.02),
	('ONB', '17-29', 0.25), ('ONB', '30-44', 0.30), ('ONB', '45-64', 0.30), ('ONB', '65-85', 0.15);

CREATE TABLE population (
	edition smallint, nis text, origin text, age_group text, sex text,
	persons integer NOT NULL,
	PRIMARY KEY (edition, nis, origin, age_group, sex));
INSERT INTO population
SELECT r.edition, r.nis, r.origin, a.age_group, x.code,
       round(ms.population_2020 * 0.80 * (1 + 0.008 * (r.edition - 2020))
	     * r.raw / sum(r.raw) OVER (PARTITION BY r.edition, r.nis, a.age_group, x.code)
	     * a.share * (1 + 0.15 * (ms.u_age - 0.5) * CASE a.age_group WHEN '65-85' THEN 1 WHEN '17-29' THEN -1 ELSE 0 END)
	     * CASE WHEN x.code = 'V' THEN CASE WHEN a.age_group = '65-85' THEN 0.55 ELSE 0.50 END
		    ELSE CASE WHEN a.age_group = '65-85' THEN 0.45 ELSE 0.50 END END)::integer
FROM origin_raw r
JOIN muni_structure ms ON ms.nis = r.nis
JOIN age_share a ON a.origin = r.origin
CROSS JOIN sex x;

-------------------------------------------------------------------------------
-- the sample: addresses (PSUs) within municipalities (strata)
-------------------------------------------------------------------------------
-- respondents per edition and municipality: proportional to the square root
-- of the population, at least 6 (Herstappe gets about that)
CREATE TEMP TABLE allocation AS
SELECT e.edition, ms.nis,
       greatest(6, round((:sample_size / 2.0) * sqrt(ms.population_2020)
			 / sum(sqrt(ms.population_2020)) OVER (PARTITION BY e.edition)))::int AS n_target
FROM muni_structure ms CROSS JOIN edition e;

-- origin groups are oversampled: sample shares proportional to the square
-- root of the population shares
CREATE TEMP TABLE origin_draw AS
SELECT edition, nis, origin, sort,
       coalesce(sum(q) OVER (PARTITION BY edition, nis ORDER BY sort
			     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS lo,
       sum(q) OVER (PARTITION BY edition, nis ORDER BY sort) AS hi
FROM (SELECT p.edition, p.nis, p.origin, o.sort,
	     sqrt(sum(p.persons)::float8) / sum(sqrt(sum(p.persons)::float8)) OVER (PARTITION BY p.edition, p.nis) AS q
      FROM population p JOIN origin_group o ON o.code = p.origin
      GROUP BY p.edition, p.nis, p.origin, o.sort) s;
UPDATE origin_draw SET hi = 1 WHERE sort = 6;	-- no gap from rounding

CREATE TEMP TABLE address AS
SELECT a.edition, a.nis,
       a.edition::bigint * 1000000 + row_number() OVER (ORDER BY a.edition, a.nis, k) AS address,
       d.origin,
       CASE WHEN demo_u((a.edition * 100000 + a.nis::bigint) * 1000 + k, 12) < 0.55 THEN 1
	    WHEN demo_u((a.edition * 100000 + a.nis::bigint) * 1000 + k, 12) < 0.85 THEN 2 ELSE 3 END AS size
FROM allocation a
CROSS JOIN LATERAL generate_series(1, greatest(3, round(a.n_target / 1.6)::int)) AS k
JOIN origin_draw d ON d.edition = a.edition AND d.nis = a.nis
	AND demo_u((a.edition * 100000 + a.nis::bigint) * 1000 + k, 11) >= d.lo
	AND demo_u((a.edition * 100000 + a.nis::bigint) * 1000 + k, 11) < d.hi;

-- respondents: age group from the origin group's age distribution, sex
CREATE TEMP TABLE age_draw AS
SELECT origin, age_group,
       coalesce(sum(share) OVER (PARTITION BY origin ORDER BY age_group
				 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS lo,
       CASE WHEN age_group = '65-85' THEN 1 ELSE sum(share) OVER (PARTITION BY origin ORDER BY age_group) END AS hi
FROM age_share;

CREATE TABLE respondent (
	edition smallint NOT NULL REFERENCES edition,
	id bigint NOT NULL,
	nis text NOT NULL REFERENCES municipality,	-- the stratum
	address bigint NOT NULL,			-- the PSU
	origin text NOT NULL REFERENCES origin_group,
	age_group text NOT NULL REFERENCES age_group,
	sex text NOT NULL REFERENCES sex,
	design_weight float8,
	w float8,					-- calibrated weight
	answers smallint[],				-- answers[item]: 1-5, 9 = geen mening, NULL = no answer
	PRIMARY KEY (edition, id));

INSERT INTO respondent (edition, id, nis, address, origin, age_group, sex)
SELECT s.edition, s.address * 10 + s.member, s.nis, s.address, s.origin, ad.age_group,
       CASE WHEN demo_u(s.address * 10 + s.member, 22)
		 < CASE WHEN ad.age_group = '65-85' THEN 0.55 ELSE 0.51 END THEN 'V' ELSE 'M' END
FROM (SELECT a.*, generate_series(1, a.size) AS member FROM address a) s
JOIN age_draw ad ON ad.origin = s.origin
	AND demo_u(s.address * 10 + s.member, 21) >= ad.lo
	AND demo_u(s.address * 10 + s.member, 21) < ad.hi;

-------------------------------------------------------------------------------
-- weights: design weight (population of the origin group in the municipality
-- over its respondents), then raking to age and sex margins within each
-- municipality; an age group or sex without respondents in a municipality is
-- left out and its population spread over the others (the total is kept)
-------------------------------------------------------------------------------
CREATE INDEX ON respondent (edition, nis);
ANALYZE respondent;
UPDATE respondent r SET design_weight = p.persons::float8 / s.n
FROM (SELECT edition, nis, origin, sum(persons) AS persons FROM population GROUP BY 1, 2, 3) p,
     (SELECT edition, nis, origin, count(*) AS n FROM respondent GROUP BY 1, 2, 3) s
WHERE p.edition = r.edition AND p.nis = r.nis AND p.origin = r.origin
  AND s.edition = r.edition AND s.nis = r.nis AND s.origin = r.origin;

-- iterative proportional fitting of one municipality's cells: d the cells'
-- design-weight sums, a and x each cell's age and sex category (1-based),
-- ta and tx the targets (shares); the calibrated cell sums (shares), or NULL
-- when 100 rounds do not reach the age margins within 1e-10 (the sex margins
-- are met last) or when a cell's adjustment leaves [1/bound, bound] times
-- the average adjustment (bound NULL: no limit)
CREATE FUNCTION demo_rake(d float8[], a int[], x int[], ta float8[], tx float8[], bound float8)
RETURNS float8[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	w float8[] := d;
	s float8[];
	n int := cardinality(d);
	done boolean;
	total float8 := 0;
BEGIN
	FOR i IN 1..n LOOP total := total + d[i]; END LOOP;
	FOR round IN 1..100 LOOP
		s := array_fill(0::float8, ARRAY[cardinality(ta)]);
		FOR i IN 1..n LOOP s[a[i]] := s[a[i]] + w[i]; END LOOP;
		FOR i IN 1..n LOOP w[i] := w[i] * ta[a[i]] / s[a[i]]; END LOOP;
		s := array_fill(0::float8, ARRAY[cardinality(tx)]);
		FOR i IN 1..n LOOP s[x[i]] := s[x[i]] + w[i]; END LOOP;
		FOR i IN 1..n LOOP w[i] := w[i] * tx[x[i]] / s[x[i]]; END LOOP;
		s := array_fill(0::float8, ARRAY[cardinality(ta)]);
		FOR i IN 1..n LOOP s[a[i]] := s[a[i]] + w[i]; END LOOP;
		done := true;
		FOR k IN 1..cardinality(ta) LOOP
			done := done AND abs(s[k] / ta[k] - 1) <= 1e-10;
		END LOOP;
		IF done THEN
			IF bound IS NOT NULL THEN
				FOR i IN 1..n LOOP
					IF w[i] * total / d[i] NOT BETWEEN 1 / bound AND bound THEN
						RETURN NULL;
					END IF;
				END LOOP;
			END IF;
			RETURN w;
		END IF;
	END LOOP;
	RETURN NULL;
END $$;

-- the cells, and the margins of the population by age and sex
CREATE TEMP TABLE rake AS
SELECT edition, nis, age_group, sex, sum(design_weight) AS d, NULL::float8 AS w, NULL::int AS scheme,
       NULL::text AS age_key
FROM respondent GROUP BY 1, 2, 3, 4;
CREATE TEMP TABLE margin AS
SELECT edition, nis, age_group, sex, sum(persons)::float8 AS persons,
       sum(sum(persons)::float8) OVER (PARTITION BY edition, nis) AS total
FROM population GROUP BY 1, 2, 3, 4;

-- scheme 1: four age groups x sex; where that cannot be met (empty cells in
-- a small municipality's sample) or needs a cell adjusted by more than a
-- factor 4 from the average, scheme 2: two age groups (17-44, 45-85) x sex;
-- then scheme 3: sex only; then scheme 4: the total only.  Targets of the
-- categories present, scaled to the municipality's total.
DO $$
BEGIN
	FOR s IN 1..3 LOOP
		UPDATE rake SET age_key = CASE s WHEN 1 THEN age_group
			WHEN 2 THEN CASE WHEN age_group IN ('17-29', '30-44') THEN '17-44' ELSE '45-85' END
			ELSE '17-85' END
		WHERE w IS NULL;
		WITH ages AS (
			SELECT k.edition, k.nis, k.age_key,
			       sum(m.persons) AS p,
			       dense_rank() OVER (PARTITION BY k.edition, k.nis ORDER BY k.age_key) AS idx
			FROM (SELECT DISTINCT edition, nis, age_group, age_key FROM rake WHERE w IS NULL) k
			JOIN margin m USING (edition, nis, age_group)
			GROUP BY 1, 2, 3
		), sexes AS (
			SELECT k.edition, k.nis, k.sex, sum(m.persons) AS p,
			       dense_rank() OVER (PARTITION BY k.edition, k.nis ORDER BY k.sex) AS idx
			FROM (SELECT DISTINCT edition, nis, sex FROM rake WHERE w IS NULL) k
			JOIN margin m USING (edition, nis, sex)
			GROUP BY 1, 2, 3
		), fitted AS (
			SELECT c.edition, c.nis,
			       array_agg(c.age_group ORDER BY c.age_group, c.sex) AS age_groups,
			       array_agg(c.sex ORDER BY c.age_group, c.sex) AS sexes,
			       demo_rake(array_agg(c.d ORDER BY c.age_group, c.sex),
					 array_agg(a.idx::int ORDER BY c.age_group, c.sex),
					 array_agg(x.idx::int ORDER BY c.age_group, c.sex),
					 (SELECT array_agg(q ORDER BY idx) FROM (SELECT idx, p / sum(p) OVER () AS q FROM ages t
					  WHERE t.edition = c.edition AND t.nis = c.nis) z),
					 (SELECT array_agg(q ORDER BY idx) FROM (SELECT idx, p / sum(p) OVER () AS q FROM sexes t
					  WHERE t.edition = c.edition AND t.nis = c.nis) z),
					 4) AS w
			FROM rake c
			JOIN ages a ON a.edition = c.edition AND a.nis = c.nis AND a.age_key = c.age_key
			JOIN sexes x ON x.edition = c.edition AND x.nis = c.nis AND x.sex = c.sex
			WHERE c.w IS NULL
			GROUP BY c.edition, c.nis
		)
		UPDATE rake k SET w = u.w * (SELECT min(total) FROM margin m WHERE m.edition = k.edition AND m.nis = k.nis),
				  scheme = s
		FROM fitted f, unnest(f.age_groups, f.sexes, f.w) AS u(age_group, sex, w)
		WHERE f.w IS NOT NULL AND k.edition = f.edition AND k.nis = f.nis
		  AND k.age_group = u.age_group AND k.sex = u.sex;
	END LOOP;
	-- scheme 4: the design weights scaled to the municipality's population
	UPDATE rake k SET scheme = 4,
		w = k.d * (SELECT min(total) FROM margin m WHERE m.edition = k.edition AND m.nis = k.nis)
		    / (SELECT sum(d) FROM rake z WHERE z.edition = k.edition AND z.nis = k.nis)
	WHERE k.w IS NULL;
END $$;

-- how each municipality was weighted
CREATE TABLE calibration (
	edition smallint, nis text, margins text NOT NULL,
	PRIMARY KEY (edition, nis));
INSERT INTO calibration
SELECT DISTINCT edition, nis, CASE scheme WHEN 1 THEN 'age (4 groups) x sex'
				     WHEN 2 THEN 'age (2 groups) x sex' WHEN 3 THEN 'sex' ELSE 'total' END
FROM rake;

UPDATE respondent r SET w = r.design_weight * k.w / k.d
FROM rake k
WHERE k.edition = r.edition AND k.nis = r.nis AND k.age_group = r.age_group AND k.sex = r.sex;

-------------------------------------------------------------------------------
-- the questionnaire and how answers arise (the model is the demo's own)
-------------------------------------------------------------------------------
CREATE TABLE question (
	item smallint PRIMARY KEY,		-- position in respondent.answers
	code text NOT NULL UNIQUE,
	statement_nl text NOT NULL,
	statement_en text NOT NULL);

-- logit of agreeing (4-5): base + origin effect (BE, EU1, EU2, NEU1, NEU2,
-- ONB) + age effect (17-29 ... 65-85) + women + change from 2021 to 2023,
-- municipality and address random effects; dk = share "geen mening", more
-- for first generations (dk_first)
CREATE TABLE question_model (
	item smallint PRIMARY KEY REFERENCES question,
	base float8, origin_eff float8[], age_eff float8[], female float8, change float8,
	change_neu float8, sd_muni float8, sd_addr float8, dk float8, dk_first float8);

INSERT INTO question VALUES
	(1,  'kansen_werk',        'Mensen zoals ik krijgen dezelfde kansen op werk als anderen.',
				   'People like me get the same chances of work as others.'),
	(2,  'opleiding_keuze',    'Ik kon de opleiding volgen die ik wilde.',
				   'I could follow the education I wanted.'),
	(3,  'contact_buren',      'Ik heb regelmatig contact met mijn buren.',
				   'I am regularly in touch with my neighbours.'),
	(4,  'vrienden_divers',    'Ik heb vrienden van een andere herkomst dan de mijne.',
				   'I have friends of another origin than mine.'),
	(5,  'thuis_buurt',        'Ik voel me thuis in mijn buurt.',
				   'I feel at home in my neighbourhood.'),
	(6,  'verbonden_vl',       'Ik voel me verbonden met Vlaanderen.',
				   'I feel connected with Flanders.'),
	(7,  'vertrouwen_mensen',  'De meeste mensen zijn te vertrouwen.',
				   'Most people can be trusted.'),
	(8,  'invloed_gemeente',   'Ik kan invloed uitoefenen op wat er in mijn gemeente gebeurt.',
				   'I can influence what happens in my municipality.'),
	(9,  'vertrouwen_bestuur', 'Ik heb vertrouwen in het gemeentebestuur.',
				   'I trust the municipal government.'),
	(10, 'rondkomen',          'Met het inkomen van ons huishouden komen we gemakkelijk rond.',
				   'Our household makes ends meet easily on its income.'),
	(11, 'geldzorgen',         'Ik maak me zorgen over mijn financiële situatie.',
				   'I worry about my financial situation.'),
	(12, 'discriminatie',      'Ik werd het voorbije jaar gediscrimineerd omwille van mijn herkomst.',
				   'In the past year I was discriminated against because of my origin.'),
	(13, 'gelijk_behandeld',   'Openbare diensten behandelen mensen zoals ik even goed als anderen.',
				   'Public services treat people like me as well as others.'),
	(14, 'nederlands',         'Ik spreek vlot Nederlands.',
				   'I speak Dutch fluently.');
INSERT INTO question_model VALUES
	(1,  0.60, '{0,-0.3,-0.2,-1.0,-0.8,-0.5}', '{0.1,0,-0.1,0}',     -0.10,  0.10,  0.10, 0.25, 0.6, 0.08, 0.04),
	(2,  1.00, '{0,-0.2,-0.1,-0.7,-0.5,-0.3}', '{0.2,0.1,0,-0.2}',    0.00,  0.00,  0.00, 0.20, 0.5, 0.04, 0.03),
	(3,  0.30, '{0,-0.4,-0.1,-0.5,-0.3,-0.3}', '{-0.5,-0.1,0.2,0.5}', 0.05, -0.15,  0.00, 0.30, 0.8, 0.02, 0.01),
	(4, -0.20, '{0,0.9,1.0,0.8,1.2,0.5}',      '{0.6,0.3,-0.1,-0.6}', 0.00,  0.05,  0.00, 0.35, 0.6, 0.03, 0.02),
	(5,  1.40, '{0,-0.3,-0.2,-0.5,-0.4,-0.3}', '{-0.3,-0.1,0.1,0.3}', 0.00,  0.10,  0.00, 0.25, 0.7, 0.02, 0.02),
	(6,  0.90, '{0,-0.9,-0.3,-0.8,-0.4,-0.5}', '{-0.2,0,0.1,0.2}',    0.00,  0.00,  0.10, 0.20, 0.5, 0.05, 0.05),
	(7, -0.10, '{0,-0.2,-0.1,-0.4,-0.3,-0.3}', '{-0.1,0,0.1,0}',     -0.05, -0.10,  0.00, 0.20, 0.5, 0.06, 0.04),
	(8, -0.90, '{0,-0.3,-0.1,-0.2,-0.1,-0.2}', '{0.1,0.1,0,-0.2}',   -0.10,  0.00,  0.00, 0.30, 0.5, 0.12, 0.06),
	(9,  0.10, '{0,0.2,0,0.3,-0.2,0}',         '{0,-0.1,0,0.2}',      0.00, -0.20,  0.10, 0.35, 0.6, 0.10, 0.05),
	(10, 0.90, '{0,-0.5,-0.3,-1.3,-0.8,-0.6}', '{-0.3,-0.1,0.1,0.2}', -0.05, -0.35, -0.15, 0.30, 0.8, 0.03, 0.02),
	(11,-0.80, '{0,0.4,0.3,1.1,0.7,0.5}',      '{0.2,0.2,0,-0.3}',    0.10,  0.30,  0.10, 0.25, 0.7, 0.03, 0.02),
	(12,-2.60, '{0,1.2,0.9,1.9,1.7,1.3}',      '{0.2,0.1,0,-0.3}',    0.00,  0.05,  0.15, 0.25, 0.6, 0.04, 0.03),
	(13, 1.20, '{0,-0.4,-0.3,-1.0,-0.9,-0.5}', '{-0.1,0,0,0.1}',      0.00,  0.00, -0.10, 0.20, 0.5, 0.05, 0.04),
	(14, 3.20, '{0,-3.4,-1.6,-3.6,-1.8,-2.2}', '{0.2,0,-0.1,-0.3}',   0.00,  0.00,  0.15, 0.20, 0.6, 0.01, 0.00);

-- more statements for the benchmark (n_items > 14): a generated model
INSERT INTO question
SELECT k, 'stelling_' || k, 'Stelling ' || k || ' (gegenereerd).', 'Statement ' || k || ' (generated).'
FROM generate_series(15, :n_items) k;
INSERT INTO question_model
SELECT k, 2.4 * demo_u(k, 101) - 1.2,
       ARRAY[0, demo_z(demo_u(k, 102)) * 0.5, demo_z(demo_u(k, 103)) * 0.3, demo_z(demo_u(k, 104)) * 0.7,
	     demo_z(demo_u(k, 105)) * 0.5, demo_z(demo_u(k, 106)) * 0.4],
       ARRAY[demo_z(demo_u(k, 107)) * 0.2, 0, demo_z(demo_u(k, 108)) * 0.1, demo_z(demo_u(k, 109)) * 0.3],
       demo_z(demo_u(k, 110)) * 0.1, demo_z(demo_u(k, 111)) * 0.15, 0, 0.25, 0.6,
       0.02 + 0.08 * demo_u(k, 112), 0.03
FROM generate_series(15, :n_items) k;

-- answers: missing 2.5%; "geen mening" with the item's rate; otherwise
-- agree (4, 5) with the model's probability, else 3, 2 or 1
UPDATE respondent r SET answers = ARRAY(
	SELECT CASE
		WHEN u1 < 0.025 THEN NULL
		WHEN u1 < 0.025 + q.dk + CASE WHEN r.origin IN ('EU1', 'NEU1') THEN q.dk_first ELSE 0 END THEN 9
		WHEN u2 < 1 / (1 + exp(-(q.base + q.origin_eff[o.sort] + q.age_eff[a.sort]
					  + CASE WHEN r.sex = 'V' THEN q.female ELSE 0 END
					  + CASE WHEN r.edition = 2023 THEN q.change
						 + CASE WHEN r.origin IN ('NEU1', 'NEU2') THEN q.change_neu ELSE 0 END
						 ELSE 0 END
					  + q.sd_muni * demo_z(demo_u(r.nis::bigint * 1000 + q.item, 31))
					  + q.sd_addr * demo_z(demo_u(r.address * 1000 + q.item, 32)))))
		THEN CASE WHEN u3 < 0.42 THEN 5 ELSE 4 END
		ELSE CASE WHEN u3 < 0.45 THEN 3 WHEN u3 < 0.85 THEN 2 ELSE 1 END END::smallint
	FROM question_model q,
	     LATERAL (SELECT demo_u(r.id * 1000 + q.item, 33) AS u1, demo_u(r.id * 1000 + q.item, 34) AS u2,
			     demo_u(r.id * 1000 + q.item, 35) AS u3) u
	ORDER BY q.item)
FROM origin_group o, age_group a
WHERE o.code = r.origin AND a.code = r.age_group;

ALTER TABLE respondent ALTER COLUMN w SET NOT NULL, ALTER COLUMN answers SET NOT NULL;

-------------------------------------------------------------------------------
-- register counts: municipality x detailed origin x sex, persons aged 18-64
-------------------------------------------------------------------------------
CREATE TABLE register_count (
	year smallint NOT NULL,
	nis text NOT NULL REFERENCES municipality,
	origin_detail text NOT NULL REFERENCES origin_detail,
	sex text NOT NULL REFERENCES sex,
	population integer NOT NULL,
	employed integer NOT NULL,
	unemployed integer NOT NULL,		-- unemployed jobseekers
	PRIMARY KEY (year, nis, origin_detail, sex));
INSERT INTO register_count
SELECT s.edition, s.nis, s.detail, s.sex, s.pop,
       least(s.pop, round(s.pop * greatest(0.05, s.employment - CASE WHEN s.sex = 'V' THEN s.female_gap ELSE 0 END
					  + 0.08 * (demo_u(s.key, s.edition) - 0.5))))::int,
       least(s.pop / 4, round(s.pop * s.unemployment * (0.7 + 0.6 * demo_u(s.key, s.edition + 7))))::int
FROM (SELECT p.edition, p.nis, d.code AS detail, p.sex, d.employment, d.female_gap, d.unemployment,
	     (p.nis::bigint * 100 + d.sort) * 10 + CASE WHEN p.sex = 'V' THEN 2 ELSE 1 END AS key,
	     round(p.persons * 0.78 * d.bloc_share * (0.5 + demo_u(p.nis::bigint * 100 + d.sort, 41)) /
		   sum(d.bloc_share * (0.5 + demo_u(p.nis::bigint * 100 + d.sort, 41)))
		       OVER (PARTITION BY p.edition, p.nis, p.sex, d.bloc))::int AS pop
      FROM (SELECT edition, nis, sex,
		   CASE WHEN origin IN ('EU1', 'EU2') THEN 'EU' WHEN origin IN ('NEU1', 'NEU2') THEN 'NEU' ELSE origin END AS bloc,
		   sum(persons) FILTER (WHERE age_group <> '65-85') AS persons
	    FROM population GROUP BY 1, 2, 3, 4) p
      JOIN origin_detail d ON d.bloc = p.bloc) s;

ANALYZE;
