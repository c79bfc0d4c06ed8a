-- The indicator dashboard of demo/ (sample, catalog, stored tallies,
-- materialized views, refresh, chart) on a smaller sample of the same
-- generator: the municipality list, the sample's design and weights, the
-- catalog, rollups equal to direct tallies, the dashboard's figures and
-- significance columns equal to barometer's readers and diff_test on direct
-- tallies, the publication rule (NCHS 2017) and what the published view
-- hides, refresh (plain and CONCURRENTLY) after the microdata change, and
-- the SVG chart.  Runs from the repository root (as test/run does).
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
\set sample_size 12000
\ir ../../demo/sample.sql
\ir ../../demo/dashboard.sql
\ir ../../demo/chart.sql
SET client_min_messages = warning;
SELECT plan(53);

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql AS
$$ SELECT CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;

-- the design columns of the whole sample, for direct tallies from microdata
CREATE TEMP VIEW direct AS
SELECT r.*, i.code AS indicator,
       CASE WHEN r.answers[i.item] IS NULL OR r.answers[i.item] = 9 THEN NULL
	    ELSE r.answers[i.item] = ANY (i.agree) END AS agrees
FROM respondent_design r CROSS JOIN indicator i;
CREATE FUNCTION pg_temp.tally_of(q text) RETURNS barometer.tally LANGUAGE plpgsql AS $$
DECLARE t barometer.tally;
BEGIN
	EXECUTE 'SELECT barometer.tally(agrees, w, nis, address, n_psu, NULL) FROM direct d WHERE ' || q INTO t;
	RETURN t;
END $$;

-------------------------------------------------------------------------------
-- geography: the real list
-------------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM municipality), 300::bigint, '300 Flemish municipalities (2019-2024)');
SELECT results_eq(
	$$SELECT nis, name_nl FROM municipality WHERE nis IN ('11002', '44021', '73028', '31005', '24062', '71022') ORDER BY nis$$,
	$$VALUES ('11002', 'Antwerpen'), ('24062', 'Leuven'), ('31005', 'Brugge'), ('44021', 'Gent'),
		 ('71022', 'Hasselt'), ('73028', 'Herstappe')$$,
	'well-known NIS codes and names');
SELECT results_eq(
	$$SELECT p.name_nl, count(*) FROM municipality m JOIN province p ON p.code = m.province GROUP BY p.name_nl ORDER BY p.name_nl$$,
	$$VALUES ('Antwerpen', 69::bigint), ('Limburg', 42), ('Oost-Vlaanderen', 60), ('Vlaams-Brabant', 65), ('West-Vlaanderen', 64)$$,
	'municipalities per province');
SELECT is((SELECT count(*) FROM municipality m JOIN province p ON p.code = m.province
	   WHERE p.digit <> substr(m.nis, 1, 1)::int), 0::bigint, 'province from the first digit of the NIS code');
SELECT is((SELECT sum(population_2020) FROM municipality), 6629143::bigint,
	  'population on 1 January 2020 adds up to the Flemish Region''s');

-------------------------------------------------------------------------------
-- the sample: design, weights, answers, register counts
-------------------------------------------------------------------------------
SELECT ok((SELECT count(*) FROM respondent) BETWEEN 11000 AND 13000, 'about the requested number of respondents');
SELECT is((SELECT count(DISTINCT (edition, nis)) FROM respondent), 600::bigint, 'every municipality in both editions');
SELECT is((SELECT min(n) FROM (SELECT count(DISTINCT address) AS n FROM respondent GROUP BY edition, nis) s) >= 2,
	  true, 'at least two addresses (PSUs) in every stratum: no lonely PSU');
SELECT is((SELECT count(*) FROM (SELECT address FROM respondent GROUP BY address HAVING count(DISTINCT nis) > 1) s),
	  0::bigint, 'addresses are nested in municipalities');
-- the targets: the population of the age groups (or sexes) present in a
-- municipality's sample, scaled to the municipality's population
SELECT ok((SELECT max(dev) FROM (SELECT abs(s.w / (s.p / sum(s.p) OVER (PARTITION BY s.edition, s.nis) * s.total) - 1) AS dev
	   FROM (SELECT k.edition, k.nis, k.age_key, sum(k.w) AS w,
			(SELECT sum(m.persons) FROM margin m WHERE m.edition = k.edition AND m.nis = k.nis
			 AND m.age_group IN (SELECT age_group FROM rake z WHERE z.edition = k.edition
					     AND z.nis = k.nis AND z.age_key = k.age_key)) AS p,
			(SELECT min(total) FROM margin m WHERE m.edition = k.edition AND m.nis = k.nis) AS total
		 FROM rake k GROUP BY 1, 2, 3) s) z) < 1e-9,
	  'raking: weighted age groups equal the population margins within each municipality');
SELECT ok((SELECT max(dev) FROM (SELECT abs(s.w / (s.p / sum(s.p) OVER (PARTITION BY s.edition, s.nis) * s.total) - 1) AS dev
	   FROM (SELECT r.edition, r.nis, r.sex, sum(r.w) AS w,
			(SELECT sum(m.persons) FROM margin m WHERE m.edition = r.edition AND m.nis = r.nis AND m.sex = r.sex) AS p,
			(SELECT min(total) FROM margin m WHERE m.edition = r.edition AND m.nis = r.nis) AS total
		 FROM respondent r
		 WHERE (r.edition, r.nis) NOT IN (SELECT edition, nis FROM calibration WHERE margins = 'total')
		 GROUP BY 1, 2, 3) s) z) < 1e-9,
	  'raking: weighted sexes equal the population margins within each municipality');
SELECT is((SELECT sum(w) FROM respondent WHERE edition = 2023 AND nis = '11002')::numeric(20, 6),
	  (SELECT sum(persons) FROM population WHERE edition = 2023 AND nis = '11002')::numeric(20, 6),
	  'weights add up to the population of the municipality');
SELECT ok((SELECT count(*) FILTER (WHERE margins = 'age (4 groups) x sex') > 0 AND count(*) FILTER (WHERE margins <> 'age (4 groups) x sex') > 0
	   FROM calibration), 'age groups collapsed only where a small sample leaves empty cells');
SELECT ok((SELECT max(w) / min(w) FROM respondent WHERE edition = 2023) > 10,
	  'oversampled origin groups: weights differ strongly');
SELECT ok((SELECT avg((a IS NULL)::int) BETWEEN 0.015 AND 0.035 AND avg((a = 9)::int) BETWEEN 0.02 AND 0.10
	   FROM respondent, unnest(answers) a), 'a few percent missing answers and "geen mening" (9)');
SELECT is((SELECT count(*) FROM respondent, unnest(answers) a WHERE a NOT IN (1, 2, 3, 4, 5, 9)), 0::bigint,
	  'answers on the five-point scale or 9');
SELECT is((SELECT count(*) FROM register_count), (300 * 12 * 2 * 2)::bigint,
	  'register counts: municipality x 12 detailed origins x sex x 2 years');
SELECT is((SELECT count(*) FROM register_count WHERE employed + unemployed > population OR population < 0), 0::bigint,
	  'register counts are consistent');

-------------------------------------------------------------------------------
-- the catalog
-------------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM indicator), 14::bigint, '14 indicators');
SELECT is((SELECT count(DISTINCT goal) FROM indicator), 8::bigint, 'every one of the eight goals has indicators');
SELECT is((SELECT count(*) FROM goal), 8::bigint, 'the eight goals');
SELECT is((SELECT count(*) FROM indicator i LEFT JOIN question q ON q.item = i.item WHERE q.item IS NULL), 0::bigint,
	  'every indicator has its statement');
SELECT is((SELECT count(*) FROM indicator WHERE dont_know = 'exclude' AND policy = 'nchs2017'), 14::bigint,
	  'geen mening out of the denominator; policy nchs2017');
SELECT throws_ok($$INSERT INTO indicator (code, sort, label_nl, label_en, goal, item, agree, collapse)
		   VALUES ('x', 99, 'x', 'x', 'integratie', 1, '{4,5}', 'x')$$, '23503', NULL,
		 'a goal outside the eight is rejected');

-------------------------------------------------------------------------------
-- the stored layer and the rollups
-------------------------------------------------------------------------------
SELECT is((SELECT sum(barometer.n(t) + barometer.n_missing(t))::bigint FROM cell WHERE indicator = 'rondkomen'),
	  (SELECT count(*) FROM respondent), 'every respondent in exactly one cell of an indicator');
SELECT ok((SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
	   WHERE c.relname IN ('cell', 'indicator_result') AND x.indisunique) = 2,
	  'unique indexes on both materialized views (REFRESH CONCURRENTLY)');

-- a province rolled up from stored cells = the direct tally from microdata
SELECT ok(pg_temp.rel(barometer.estimate(m.t), barometer.estimate(d.t)) < 1e-13
	  AND pg_temp.rel(barometer.se(m.t), barometer.se(d.t)) < 1e-12 AND barometer.df(m.t) = barometer.df(d.t),
	  'merge of the stored cells of a province = the direct tally (estimate, se, df)')
FROM (SELECT barometer.merge(c.t) AS t FROM cell c JOIN municipality mu USING (nis)
      WHERE c.indicator = 'rondkomen' AND c.edition = 2023 AND mu.province = '70000') m,
     (SELECT pg_temp.tally_of($$indicator = 'rondkomen' AND edition = 2023
				AND nis IN (SELECT nis FROM municipality WHERE province = '70000')$$) AS t) d;

-- the dashboard's figures = barometer's readers of the direct tally
SELECT ok(pg_temp.rel(r.estimate, barometer.estimate(d.t)) < 1e-13
	  AND pg_temp.rel(r.se, barometer.se(d.t)) < 1e-12
	  AND pg_temp.rel(r.ci_lower, barometer.ci_lower(d.t)) < 1e-10
	  AND pg_temp.rel(r.ci_upper, barometer.ci_upper(d.t)) < 1e-10
	  AND r.n = barometer.n(d.t),
	  'dashboard: non-EU 1st generation, 2023 = readers of the direct tally')
FROM indicator_result r,
     (SELECT pg_temp.tally_of($$indicator = 'rondkomen' AND edition = 2023 AND origin = 'NEU1'$$) AS t) d
WHERE r.indicator = 'rondkomen' AND r.edition = 2023 AND r.breakdown = 'origin' AND r.level = 'NEU1';
SELECT ok(pg_temp.rel(r.estimate, barometer.estimate(d.t)) < 1e-13 AND pg_temp.rel(r.se, barometer.se(d.t)) < 1e-12,
	  'dashboard: the Flemish total = the direct tally of the whole sample')
FROM indicator_result r, (SELECT pg_temp.tally_of($$indicator = 'thuis_buurt' AND edition = 2021$$) AS t) d
WHERE r.indicator = 'thuis_buurt' AND r.edition = 2021 AND r.breakdown = 'total';
SELECT ok(pg_temp.rel(r.estimate, barometer.estimate(d.t)) < 1e-13 AND pg_temp.rel(r.se, barometer.se(d.t)) < 1e-12,
	  'dashboard: a finer cell (origin x age) = its direct tally')
FROM indicator_result r,
     (SELECT pg_temp.tally_of($$indicator = 'discriminatie' AND edition = 2023 AND origin = 'EU1' AND age_group = '30-44'$$) AS t) d
WHERE r.indicator = 'discriminatie' AND r.edition = 2023 AND r.breakdown = 'origin_age' AND r.level = 'EU1 30-44';
SELECT ok(abs(r.dont_know_share - d.share) < 1e-12, 'geen mening share = its weighted share among the answers')
FROM indicator_result r,
     (SELECT sum(w) FILTER (WHERE answers[8] = 9) / sum(w) FILTER (WHERE answers[8] IS NOT NULL) AS share
      FROM respondent WHERE edition = 2023) d
WHERE r.indicator = 'invloed_gemeente' AND r.edition = 2023 AND r.breakdown = 'total';
SELECT is((SELECT count(*) FROM indicator_result WHERE indicator = 'rondkomen' AND edition = 2023 AND breakdown = 'municipality'),
	  300::bigint, 'a row for every municipality');

-------------------------------------------------------------------------------
-- significance columns = diff_test on the direct tallies
-------------------------------------------------------------------------------
SELECT ok(pg_temp.rel(r.diff_reference, (x).difference) < 1e-12 AND pg_temp.rel(r.p_reference, (x).p_value) < 1e-9
	  AND r.reference = 'BE'
	  AND r.vs_reference = barometer.significance(x, 0.95, r.status, 'publish'),
	  'vs reference: two domains of one edition (diff_test domains) and the marker')
FROM indicator_result r,
     (SELECT barometer.diff_test(pg_temp.tally_of($$indicator = 'rondkomen' AND edition = 2023 AND origin = 'NEU2'$$),
				 pg_temp.tally_of($$indicator = 'rondkomen' AND edition = 2023 AND origin = 'BE'$$),
				 'domains') AS x) d
WHERE r.indicator = 'rondkomen' AND r.edition = 2023 AND r.breakdown = 'origin' AND r.level = 'NEU2';
SELECT ok(pg_temp.rel(r.change, (x).difference) < 1e-12 AND pg_temp.rel(r.p_previous, (x).p_value) < 1e-9
	  AND r.previous_edition = 2021 AND r.vs_previous = barometer.significance(x),
	  'vs previous edition: independent samples (diff_test independent) and the marker')
FROM indicator_result r,
     (SELECT barometer.diff_test(pg_temp.tally_of($$indicator = 'rondkomen' AND edition = 2023$$),
				 pg_temp.tally_of($$indicator = 'rondkomen' AND edition = 2021$$)) AS x) d
WHERE r.indicator = 'rondkomen' AND r.edition = 2023 AND r.breakdown = 'total';
SELECT ok(pg_temp.rel(r.diff_reference, (x).difference) < 1e-12 AND pg_temp.rel(r.p_reference, (x).p_value) < 1e-9
	  AND r.reference = '02000',
	  'a municipality against the Flemish total: a part against its whole (diff_test part)')
FROM indicator_result r,
     (SELECT barometer.diff_test(pg_temp.tally_of($$indicator = 'rondkomen' AND edition = 2023 AND nis = '44021'$$),
				 pg_temp.tally_of($$indicator = 'rondkomen' AND edition = 2023$$), 'part') AS x) d
WHERE r.indicator = 'rondkomen' AND r.edition = 2023 AND r.breakdown = 'municipality' AND r.level = '44021';
SELECT is((SELECT count(*) FROM indicator_result WHERE edition = 2021 AND vs_previous IS NOT NULL), 0::bigint,
	  'the first edition has no previous one');
SELECT is((SELECT count(*) FROM indicator_result WHERE origin = 'BE' AND vs_reference IS NOT NULL), 0::bigint,
	  'the reference group is not tested against itself');

-------------------------------------------------------------------------------
-- publication: the NCHS 2017 rule and what the published view hides
-------------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM indicator_result
	   WHERE (n < 30 OR ci_upper - ci_lower >= 0.30) AND status <> 'suppress'), 0::bigint,
	  'every cell with n < 30 or a Korn-Graubard interval 30 points wide or wider is suppressed (NCHS 2017)');
SELECT is((SELECT reason_nl FROM indicator_result WHERE indicator = 'rondkomen' AND edition = 2023
	   AND breakdown = 'municipality' AND level = '73028'),
	  'te weinig respondenten (n < 30)', 'Herstappe is suppressed: too few respondents');
SELECT is((SELECT count(*) FROM dashboard WHERE status = 'suppress'
	   AND (estimate IS NOT NULL OR ci_lower IS NOT NULL OR ci_upper IS NOT NULL OR p_reference IS NOT NULL)),
	  0::bigint, 'the published view shows no figure of a suppressed cell');
SELECT is((SELECT count(*) FROM indicator_result r WHERE r.vs_reference IS NOT NULL
	   AND (r.vs_reference = 'hidden') <> (r.status = 'suppress' OR EXISTS (
		SELECT FROM indicator_result x WHERE x.indicator = r.indicator AND x.edition = r.edition
		AND x.level = r.reference AND x.breakdown IN (r.breakdown, 'total') AND x.status = 'suppress'))),
	  0::bigint, 'a comparison is hidden exactly when one of its two cells is suppressed');
SELECT ok((SELECT count(*) FILTER (WHERE status <> 'suppress') > 0 AND count(*) FILTER (WHERE status = 'suppress') > 0
	   FROM indicator_result WHERE breakdown IN ('province_origin', 'municipality_origin')),
	  'finer breakdowns: shown where the numbers allow, suppressed elsewhere');
SELECT is((SELECT count(*) FROM indicator_result WHERE breakdown = 'municipality_origin' AND status <> 'suppress' AND n < 30),
	  0::bigint, 'no municipality x origin cell of fewer than 30 respondents is shown');

-------------------------------------------------------------------------------
-- refresh after the microdata change: plain and CONCURRENTLY
-------------------------------------------------------------------------------
UPDATE respondent SET answers[10] = 5 WHERE edition = 2023 AND nis = '44021';
SELECT lives_ok('SELECT refresh_dashboard(false)', 'refresh_dashboard(false): plain REFRESH');
SELECT ok((SELECT estimate FROM indicator_result WHERE indicator = 'rondkomen' AND edition = 2023
	   AND breakdown = 'municipality' AND level = '44021') = 1,
	  'REFRESH: the dashboard follows the microdata');
UPDATE respondent SET answers[10] = 1 WHERE edition = 2023 AND nis = '44021';
SELECT lives_ok('SELECT refresh_dashboard()', 'refresh_dashboard(): the dashboard CONCURRENTLY, inside a transaction');
SELECT ok((SELECT estimate FROM indicator_result WHERE indicator = 'rondkomen' AND edition = 2023
	   AND breakdown = 'municipality' AND level = '44021') = 0,
	  'REFRESH CONCURRENTLY: the dashboard follows the microdata');
UPDATE respondent SET answers[10] = 5 WHERE edition = 2023 AND nis = '44021';
SELECT lives_ok('SELECT refresh_dashboard(true, true)', 'refresh_dashboard(true, true): the cells CONCURRENTLY too');
SELECT ok((SELECT estimate FROM indicator_result WHERE indicator = 'rondkomen' AND edition = 2023
	   AND breakdown = 'municipality' AND level = '44021') = 1,
	  'REFRESH CONCURRENTLY of cells and dashboard: the dashboard follows the microdata');
SELECT ok(pg_temp.rel(r.estimate, barometer.estimate(pg_temp.tally_of($$indicator = 'rondkomen' AND edition = 2023$$))) < 1e-13,
	  'after refresh the Flemish total still equals the direct tally')
FROM indicator_result r WHERE r.indicator = 'rondkomen' AND r.edition = 2023 AND r.breakdown = 'total';

-------------------------------------------------------------------------------
-- the chart
-------------------------------------------------------------------------------
CREATE TEMP TABLE chart AS SELECT dashboard_chart_svg('rondkomen') AS svg;
SELECT ok(xml_is_well_formed_document(svg), 'the chart is well-formed XML') FROM chart;
SELECT is((SELECT count(*) FROM chart, regexp_matches(svg, '<rect class="bar"', 'g')),
	  (SELECT count(*) FROM dashboard WHERE indicator = 'rondkomen' AND breakdown IN ('total', 'origin')
	   AND estimate IS NOT NULL), 'a bar for every published cell of the chart');
SELECT is((SELECT count(*) FROM chart, regexp_matches(svg, '<text class="marker"', 'g')),
	  (SELECT count(*) FROM dashboard WHERE indicator = 'rondkomen' AND breakdown = 'origin'
	   AND vs_reference IN ('higher', 'lower')), 'a marker for every significant difference with Belgian origin');

SELECT * FROM finish();
ROLLBACK;
