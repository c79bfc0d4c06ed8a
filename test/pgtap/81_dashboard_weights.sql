-- The dashboard of demo/ with the weights-only design (the benchmark's
-- choice at Gemeente-Stadsmonitor scale): the stored cells come from one
-- pass over the respondents with barometer.recode and the array form of
-- barometer.tally; every cell must be exactly the one-indicator tally of
-- its microdata, for every indicator and collapse (also "geen mening"
-- counted as a no), the "geen mening" weights exact, the rollups equal to
-- direct tallies, and the refresh must follow changes to the microdata and
-- to the catalog.  Runs from the repository root (as test/run does).
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
\set sample_size 6000
\set design weights
\ir ../../demo/sample.sql
\ir ../../demo/dashboard.sql
SET client_min_messages = warning;
SELECT plan(13);

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql AS
$$ SELECT CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;
-- equal within tol, or both NULL (no estimate, no SE)
CREATE FUNCTION pg_temp.near(a float8, b float8, tol float8) RETURNS boolean LANGUAGE sql AS
$$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN a IS NULL AND b IS NULL ELSE pg_temp.rel(a, b) < tol END $$;

-- every cell, directly: one row per respondent and indicator into the
-- one-indicator aggregate; the stored cells are municipality x origin
-- (cell) and origin x age group, origin x sex over all municipalities
-- (cell_part), the others 'all'
CREATE TEMP VIEW stored_cell AS
SELECT * FROM cell UNION ALL SELECT * FROM cell_part;
CREATE TEMP VIEW direct_cell AS
SELECT i.code AS indicator, r.edition, coalesce(r.nis, 'all') AS nis, r.origin,
       coalesce(r.age_group, 'all') AS age_group, coalesce(r.sex, 'all') AS sex,
       barometer.tally(CASE WHEN r.answers[i.item] IS NULL THEN NULL
			    WHEN r.answers[i.item] = 9 THEN CASE WHEN i.dont_know = 'include' THEN false END
			    ELSE r.answers[i.item] = ANY (i.agree) END, r.w, r.n_sample) AS t,
       coalesce(sum(r.w) FILTER (WHERE r.answers[i.item] = 9), 0) AS w_dont_know,
       coalesce(sum(r.w) FILTER (WHERE r.answers[i.item] IS NOT NULL), 0) AS w_answered
FROM respondent_design r CROSS JOIN indicator i
GROUP BY i.code, r.edition, r.origin, GROUPING SETS ((r.nis), (r.age_group), (r.sex));

SELECT is((SELECT count(*) FROM stored_cell), (SELECT count(*) FROM direct_cell), 'a stored cell for every indicator x group with respondents');
SELECT is((SELECT count(*) FROM stored_cell c JOIN direct_cell d
	   ON (d.indicator, d.edition, d.nis, d.origin, d.age_group, d.sex) = (c.indicator, c.edition, c.nis, c.origin, c.age_group, c.sex)
	   WHERE barometer.n(c.t) = barometer.n(d.t) AND barometer.n_missing(c.t) = barometer.n_missing(d.t)
	   AND pg_temp.near(barometer.estimate(c.t), barometer.estimate(d.t), 1e-13)
	   AND pg_temp.near(barometer.se(c.t), barometer.se(d.t), 1e-12)
	   AND pg_temp.near(barometer.weighted_n(c.t), barometer.weighted_n(d.t), 1e-13)), (SELECT count(*) FROM stored_cell),
	  'every stored cell = the one-indicator tally of its rows (counts exact; sums to 1e-13: the rows come in another order)');
SELECT is((SELECT count(*) FROM stored_cell c JOIN direct_cell d
	   ON (d.indicator, d.edition, d.nis, d.origin, d.age_group, d.sex) = (c.indicator, c.edition, c.nis, c.origin, c.age_group, c.sex)
	   WHERE pg_temp.rel(c.w_dont_know, d.w_dont_know) < 1e-13 AND pg_temp.rel(c.w_answered, d.w_answered) < 1e-13),
	  (SELECT count(*) FROM stored_cell), 'the weights of "geen mening" and of the answers per cell');
SELECT ok((SELECT bool_and(barometer.kind(t) = 'proportion' AND t::text LIKE '%design=weights_domain sample=%') FROM stored_cell),
	  'cells are proportions, domains of their edition''s sample');

-- rolled up: the Flemish total and a province x origin cell
SELECT ok(pg_temp.rel(r.estimate, barometer.estimate(d.t)) < 1e-13 AND pg_temp.rel(r.se, barometer.se(d.t)) < 1e-12
	  AND r.n = barometer.n(d.t),
	  'dashboard (weights): the Flemish total = the direct tally')
FROM indicator_result r,
     (SELECT barometer.tally(CASE WHEN answers[10] IS NULL OR answers[10] = 9 THEN NULL ELSE answers[10] >= 4 END, w)
	AS t FROM respondent WHERE edition = 2023) d
WHERE r.indicator = 'rondkomen' AND r.edition = 2023 AND r.breakdown = 'total';
SELECT ok(pg_temp.rel(r.estimate, barometer.estimate(d.t)) < 1e-13 AND pg_temp.rel(r.se, barometer.se(d.t)) < 1e-12,
	  'dashboard (weights): province x origin = the direct domain tally')
FROM indicator_result r,
     (SELECT barometer.tally(CASE WHEN answers[7] IS NULL OR answers[7] = 9 THEN NULL ELSE answers[7] <= 2 END, w, n_sample) AS t
      FROM respondent_design WHERE edition = 2021 AND origin = 'NEU2'
	AND nis IN (SELECT nis FROM municipality WHERE province = '10000')) d
WHERE r.indicator = 'wantrouwen' AND r.edition = 2021 AND r.breakdown = 'province_origin' AND r.level = '10000 NEU2';
SELECT ok(abs(r.dont_know_share - d.share) < 1e-12, 'dashboard (weights): geen mening share')
FROM indicator_result r,
     (SELECT sum(w) FILTER (WHERE answers[3] = 9) / sum(w) FILTER (WHERE answers[3] IS NOT NULL) AS share
      FROM respondent WHERE edition = 2021 AND origin = 'EU2') d
WHERE r.indicator = 'contact_buren' AND r.edition = 2021 AND r.breakdown = 'origin' AND r.level = 'EU2';

SELECT ok(pg_temp.rel(r.estimate, barometer.estimate(d.t)) < 1e-13 AND pg_temp.rel(r.se, barometer.se(d.t)) < 1e-12
	  AND r.n = barometer.n(d.t),
	  'dashboard (weights): origin x age group (from cell_part) = the direct domain tally')
FROM indicator_result r,
     (SELECT barometer.tally(CASE WHEN answers[7] IS NULL OR answers[7] = 9 THEN NULL ELSE answers[7] <= 2 END, w, n_sample) AS t,
	     min(age_group) AS age_group
      FROM respondent_design WHERE edition = 2023 AND origin = 'EU1'
	AND age_group = (SELECT min(age_group) FROM respondent)) d
WHERE r.indicator = 'wantrouwen' AND r.edition = 2023 AND r.breakdown = 'origin_age' AND r.level = 'EU1 ' || d.age_group;
SELECT ok(pg_temp.rel(r.p_reference, (barometer.diff_test(d.part, d.whole, 'part')).p_value) < 1e-12
	  AND r.reference = '02000',
	  'dashboard (weights): an age group is tested against the Flemish total as its part')
FROM indicator_result r,
     (SELECT barometer.tally(y, w, n_sample) FILTER (WHERE age_group = (SELECT min(age_group) FROM respondent)) AS part,
	     barometer.tally(y, w, n_sample) AS whole, (SELECT min(age_group) FROM respondent) AS age_group
      FROM (SELECT *, CASE WHEN answers[7] IS NULL OR answers[7] = 9 THEN NULL ELSE answers[7] <= 2 END AS y
	    FROM respondent_design WHERE edition = 2023) q) d
WHERE r.indicator = 'wantrouwen' AND r.edition = 2023 AND r.breakdown = 'age' AND r.level = d.age_group;

-- the catalog drives the collapse: "geen mening" counted as a no, a
-- different answer set, then a refresh
UPDATE indicator SET dont_know = 'include' WHERE code = 'geldzorgen';
UPDATE indicator SET agree = '{5}' WHERE code = 'nederlands';
UPDATE respondent SET answers[1] = 5 WHERE edition = 2023 AND nis = '44021';
SELECT lives_ok('SELECT refresh_dashboard()', 'refresh_dashboard() with the weights-only cells');
SELECT is((SELECT count(*) FROM stored_cell c JOIN direct_cell d
	   ON (d.indicator, d.edition, d.nis, d.origin, d.age_group, d.sex) = (c.indicator, c.edition, c.nis, c.origin, c.age_group, c.sex)
	   WHERE barometer.n(c.t) = barometer.n(d.t) AND barometer.n_missing(c.t) = barometer.n_missing(d.t)
	   AND pg_temp.near(barometer.estimate(c.t), barometer.estimate(d.t), 1e-13)
	   AND pg_temp.near(barometer.se(c.t), barometer.se(d.t), 1e-12)
	   AND pg_temp.near(barometer.weighted_n(c.t), barometer.weighted_n(d.t), 1e-13) AND c.indicator IN ('geldzorgen', 'nederlands', 'kansen_werk')),
	  (SELECT count(*) FROM stored_cell WHERE indicator IN ('geldzorgen', 'nederlands', 'kansen_werk')),
	  'after the refresh the cells follow the catalog (geen mening as a no; agree 5 only) and the microdata');
SELECT ok((SELECT estimate FROM indicator_result WHERE indicator = 'kansen_werk' AND edition = 2023
	   AND breakdown = 'municipality' AND level = '44021') = 1,
	  'the dashboard follows the microdata');
SELECT ok((SELECT n_missing FROM indicator_result WHERE indicator = 'geldzorgen' AND edition = 2023 AND breakdown = 'total')
	  = (SELECT count(*) FROM respondent WHERE edition = 2023 AND answers[11] IS NULL),
	  'with geen mening counted as a no, only the unanswered are missing');

SELECT * FROM finish();
ROLLBACK;
