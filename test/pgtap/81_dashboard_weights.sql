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
SELECT plan(11);

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql AS
$$ SELECT CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;

-- every cell, directly: one row per respondent and indicator into the
-- one-indicator aggregate
CREATE TEMP VIEW direct_cell AS
SELECT i.code AS indicator, r.edition, r.nis, r.origin, r.age_group, r.sex,
       barometer.tally(CASE WHEN r.answers[i.item] IS NULL THEN NULL
			    WHEN r.answers[i.item] = 9 THEN CASE WHEN i.dont_know = 'include' THEN false END
			    ELSE r.answers[i.item] = ANY (i.agree) END, r.w, r.n_sample) AS t,
       coalesce(sum(r.w) FILTER (WHERE r.answers[i.item] = 9), 0) AS w_dont_know,
       coalesce(sum(r.w) FILTER (WHERE r.answers[i.item] IS NOT NULL), 0) AS w_answered
FROM respondent_design r CROSS JOIN indicator i
GROUP BY 1, 2, 3, 4, 5, 6;

SELECT is((SELECT count(*) FROM cell), (SELECT count(*) FROM direct_cell), 'a stored cell for every indicator x group with respondents');
SELECT is((SELECT count(*) FROM cell c JOIN direct_cell d
	   ON (d.indicator, d.edition, d.nis, d.origin, d.age_group, d.sex) = (c.indicator, c.edition, c.nis, c.origin, c.age_group, c.sex)
	   WHERE c.t::text = d.t::text), (SELECT count(*) FROM cell),
	  'every stored cell = the one-indicator tally of its rows, in the stored form');
SELECT is((SELECT count(*) FROM cell c JOIN direct_cell d
	   ON (d.indicator, d.edition, d.nis, d.origin, d.age_group, d.sex) = (c.indicator, c.edition, c.nis, c.origin, c.age_group, c.sex)
	   WHERE pg_temp.rel(c.w_dont_know, d.w_dont_know) < 1e-13 AND pg_temp.rel(c.w_answered, d.w_answered) < 1e-13),
	  (SELECT count(*) FROM cell), 'the weights of "geen mening" and of the answers per cell');
SELECT ok((SELECT bool_and(barometer.kind(t) = 'proportion' AND t::text LIKE '%design=weights_domain sample=%') FROM cell),
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

-- the catalog drives the collapse: "geen mening" counted as a no, a
-- different answer set, then a refresh
UPDATE indicator SET dont_know = 'include' WHERE code = 'geldzorgen';
UPDATE indicator SET agree = '{5}' WHERE code = 'nederlands';
UPDATE respondent SET answers[1] = 5 WHERE edition = 2023 AND nis = '44021';
SELECT lives_ok('SELECT refresh_dashboard()', 'refresh_dashboard() with the weights-only cells');
SELECT is((SELECT count(*) FROM cell c JOIN direct_cell d
	   ON (d.indicator, d.edition, d.nis, d.origin, d.age_group, d.sex) = (c.indicator, c.edition, c.nis, c.origin, c.age_group, c.sex)
	   WHERE c.t::text = d.t::text AND c.indicator IN ('geldzorgen', 'nederlands', 'kansen_werk')),
	  (SELECT count(*) FROM cell WHERE indicator IN ('geldzorgen', 'nederlands', 'kansen_werk')),
	  'after the refresh the cells follow the catalog (geen mening as a no; agree 5 only) and the microdata');
SELECT ok((SELECT estimate FROM indicator_result WHERE indicator = 'kansen_werk' AND edition = 2023
	   AND breakdown = 'municipality' AND level = '44021') = 1,
	  'the dashboard follows the microdata');
SELECT ok((SELECT n_missing FROM indicator_result WHERE indicator = 'geldzorgen' AND edition = 2023 AND breakdown = 'total')
	  = (SELECT count(*) FROM respondent WHERE edition = 2023 AND answers[11] IS NULL),
	  'with geen mening counted as a no, only the unanswered are missing');

SELECT * FROM finish();
ROLLBACK;
