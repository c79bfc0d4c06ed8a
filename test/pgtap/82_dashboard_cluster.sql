-- The dashboard of demo/ under its sample design (strata = municipalities,
-- PSUs = addresses of 1 to 3 respondents) through barometer.tally_psu_sums:
-- every stored cell (cell, cell_part) has the figures of the clustered
-- tally of its rows, every dashboard row (all ten breakdowns) those of the
-- clustered tally of its domain from the microdata, and the tests against
-- the reference group (two groups of one sample that share no address) and
-- of a municipality or province against the total (a part made of whole
-- addresses) those of diff_test on the clustered tallies.  Then the stored
-- form, and the errors of tally_psu_sums and of its tallies.  Runs from the
-- repository root.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
\set sample_size 6000
\set design cluster
\ir ../../demo/sample.sql
\ir ../../demo/dashboard.sql
SET client_min_messages = warning;
SELECT plan(28);

CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN a IS NULL AND b IS NULL THEN 0 WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;
-- the readers of two tallies agree: estimate and se to 1e-12, intervals to
-- 1e-10 (a t quantile of the df), df, n, n_missing exactly, deff to 1e-12
CREATE FUNCTION pg_temp.same(a barometer.tally, b barometer.tally) RETURNS boolean LANGUAGE sql AS $$
SELECT coalesce(pg_temp.rel(barometer.estimate(a), barometer.estimate(b)) <= 1e-12
	AND pg_temp.rel(barometer.se(a), barometer.se(b)) <= 1e-12
	AND pg_temp.rel(barometer.ci_lower(a), barometer.ci_lower(b)) <= 1e-10
	AND pg_temp.rel(barometer.ci_upper(a), barometer.ci_upper(b)) <= 1e-10
	AND barometer.df(a) = barometer.df(b)
	AND barometer.n(a) = barometer.n(b) AND barometer.n_missing(a) = barometer.n_missing(b)
	AND pg_temp.rel(barometer.deff(a), barometer.deff(b)) <= 1e-12, false) $$;

-- one row per respondent and indicator, with the collapse of the catalog
CREATE TEMP TABLE direct AS
SELECT r.edition, r.nis, m.province, r.origin, r.age_group, r.sex, r.address, r.n_psu, r.w,
       i.code AS indicator,
       CASE WHEN r.answers[i.item] IS NULL OR r.answers[i.item] = 9 THEN NULL
	    ELSE r.answers[i.item] = ANY (i.agree) END AS agrees
FROM respondent_design r CROSS JOIN indicator i JOIN municipality m ON m.nis = r.nis;

-------------------------------------------------------------------------------
-- the sample: addresses of more than one respondent (so PSU != respondent)
-------------------------------------------------------------------------------
SELECT ok((SELECT count(*) FILTER (WHERE n > 1)::float8 / count(*) FROM
	   (SELECT edition, address, count(*) AS n FROM respondent GROUP BY 1, 2) a) > 0.3,
	  'more than 30% of the addresses have two or three respondents');
SELECT is((SELECT count(*) FROM (SELECT edition, address FROM respondent GROUP BY 1, 2
				  HAVING count(DISTINCT nis) > 1 OR count(DISTINCT origin) > 1) a), 0::bigint,
	  'an address lies in one municipality and has one origin group');
SELECT ok((SELECT count(*) FROM (SELECT edition, address FROM respondent GROUP BY 1, 2
				  HAVING count(DISTINCT age_group) > 1) a) > 100,
	  'many addresses have respondents of two age groups (the age cells split them)');

-------------------------------------------------------------------------------
-- the stored cells = the clustered tally of their rows
-------------------------------------------------------------------------------
CREATE TEMP TABLE direct_cell AS
SELECT indicator, edition, nis, origin, 'all' AS age_group, 'all' AS sex,
       barometer.tally(agrees, w, nis, address, n_psu, NULL) AS t
FROM direct
GROUP BY indicator, edition, nis, origin
UNION ALL
SELECT indicator, edition, 'all', origin, coalesce(age_group, 'all'), coalesce(sex, 'all'),
       barometer.tally(agrees, w, nis, address, n_psu, NULL)
FROM direct
GROUP BY indicator, edition, origin, GROUPING SETS ((age_group), (sex));

SELECT is((SELECT count(*) FROM cell), (SELECT count(*) FROM direct_cell WHERE age_group = 'all' AND sex = 'all'),
	  'a stored cell for every indicator x edition x municipality x origin');
SELECT is((SELECT count(*) FROM cell_part), (SELECT count(*) FROM direct_cell WHERE age_group <> 'all' OR sex <> 'all'),
	  'a stored part cell for every indicator x edition x origin x (age group | sex)');
SELECT is((SELECT count(*) FROM cell c JOIN direct_cell d USING (indicator, edition, nis, origin, age_group, sex)
	   WHERE pg_temp.same(c.t, d.t)), (SELECT count(*) FROM cell),
	  'every cell: estimate, se, interval, df, n, missing and deff of the clustered tally of its rows');
SELECT is((SELECT count(*) FROM cell_part c JOIN direct_cell d USING (indicator, edition, nis, origin, age_group, sex)
	   WHERE pg_temp.same(c.t, d.t)), (SELECT count(*) FROM cell_part),
	  'every part cell (addresses split by age or sex): the figures of the clustered tally of its rows');
SELECT ok((SELECT bool_and(t::text ~ 'design=cluster_sums lonely=fail strata=[01](;|$)' AND t::text !~ '; p ') FROM cell)
	  AND (SELECT count(*) FROM cell WHERE t::text ~ 'strata=1; s ') > 0.9 * (SELECT count(*) FROM cell),
	  'a cell keeps one stratum record (its municipality; none without answers), not its addresses');
SELECT is((SELECT count(*) FROM cell WHERE t::text::barometer.tally::text = t::text), (SELECT count(*) FROM cell),
	  'the text form of every cell reads back to the same value');
SELECT is((SELECT count(*) FROM cell WHERE barometer.tally_send(t::text::barometer.tally) = barometer.tally_send(t)),
	  (SELECT count(*) FROM cell), 'and to the same binary form');

-------------------------------------------------------------------------------
-- every dashboard row = the clustered tally of its domain from microdata
-------------------------------------------------------------------------------
CREATE TEMP TABLE direct_result AS
SELECT indicator, edition,
       CASE GROUPING(province, nis, origin, age_group, sex)
	       WHEN 31 THEN 'total' WHEN 27 THEN 'origin' WHEN 15 THEN 'province' WHEN 23 THEN 'municipality'
	       WHEN 29 THEN 'age' WHEN 30 THEN 'sex' WHEN 26 THEN 'origin_sex' WHEN 25 THEN 'origin_age'
	       WHEN 11 THEN 'province_origin' WHEN 19 THEN 'municipality_origin' END AS breakdown,
       coalesce(nis, province) AS g, origin, age_group, sex,
       barometer.tally(agrees, w, nis, address, n_psu, NULL) AS t
FROM direct
GROUP BY indicator, edition,
	 GROUPING SETS ((), (origin), (province), (nis), (age_group), (sex), (origin, sex), (origin, age_group),
			(province, origin), (nis, origin));
ALTER TABLE direct_result ADD COLUMN level text;
UPDATE direct_result SET level = CASE WHEN breakdown = 'total' THEN '02000' ELSE concat_ws(' ', g, origin, age_group, sex) END;

SELECT is((SELECT count(*) FROM indicator_result), (SELECT count(*) FROM direct_result),
	  'a dashboard row for every indicator x edition x breakdown x level with respondents');
SELECT results_eq($$SELECT breakdown, count(*) FROM indicator_result GROUP BY 1 ORDER BY 1$$,
		  $$SELECT breakdown, count(*) FROM direct_result GROUP BY 1 ORDER BY 1$$,
		  'the same levels in each of the ten breakdowns');
SELECT is((SELECT count(*) FROM indicator_result r JOIN direct_result d USING (indicator, edition, breakdown, level)
	   CROSS JOIN LATERAL barometer.report(d.t) f
	   WHERE pg_temp.rel(r.estimate, f.estimate) <= 1e-12 AND pg_temp.rel(r.se, f.se) <= 1e-12
	     AND pg_temp.rel(r.ci_lower, f.ci_lower) <= 1e-10 AND pg_temp.rel(r.ci_upper, f.ci_upper) <= 1e-10
	     AND r.df = f.df AND r.n = f.n AND r.n_missing = f.n_missing AND pg_temp.rel(r.deff, f.deff) <= 1e-12
	     AND pg_temp.rel(r.weighted_n, f.weighted_n) <= 1e-12),
	  (SELECT count(*) FROM indicator_result),
	  'every dashboard row, rollups included: the figures of the clustered tally of its domain');
SELECT is((SELECT count(*) FROM indicator_result r JOIN direct_result d USING (indicator, edition, breakdown, level)
	   CROSS JOIN LATERAL barometer.publication_status(d.t, 'nchs2017') s
	   WHERE r.status = s.status), (SELECT count(*) FROM indicator_result),
	  'every dashboard row: the publication status of the clustered tally');
SELECT cmp_ok((SELECT max(greatest(pg_temp.rel(r.se, barometer.se(d.t)), pg_temp.rel(r.estimate, barometer.estimate(d.t))))
	       FROM indicator_result r JOIN direct_result d USING (indicator, edition, breakdown, level)
	       WHERE r.breakdown IN ('age', 'sex', 'origin_age', 'origin_sex')), '<=', 1e-12::float8,
	      'the breakdowns that split addresses (age, sex): largest relative difference of estimate and se');
SELECT ok((SELECT min(pg_temp.rel(barometer.se(d.t), barometer.se(w.t)))
	   FROM direct_result d
	   JOIN (SELECT indicator, edition, barometer.tally(agrees, w) AS t
		 FROM direct GROUP BY 1, 2) w USING (indicator, edition)
	   WHERE d.breakdown = 'total') > 1e-3,
	  'the clustered figures are not those of weights only (the design matters here)');

-- against R (test/fixtures/make_dashboard_cluster_fixtures.R: svydesign(ids =
-- ~address, strata = ~nis, weights = ~w), svymean and svyby by origin, age
-- group and sex, on this sample) for two indicators
CREATE TEMP TABLE r_ref (indicator text, edition int, breakdown text, level text,
			 estimate float8, se float8, df float8);
\copy r_ref FROM 'test/fixtures/dashboard_cluster_r.csv' CSV HEADER NULL 'NA'
SELECT is((SELECT count(*) FROM r_ref r JOIN indicator_result d USING (indicator, edition, breakdown, level)
	   WHERE pg_temp.rel(d.estimate, r.estimate) <= 1e-9 AND pg_temp.rel(d.se, r.se) <= 1e-9
	     AND (r.df IS NULL OR d.df = r.df)), 52::bigint,
	  'total, origin, age and sex groups of two indicators = R (estimate, se, the total''s df) to 1e-9');
SELECT diag('largest relative difference from R (estimate, se): ',
	    (SELECT max(greatest(pg_temp.rel(d.estimate, r.estimate), pg_temp.rel(d.se, r.se)))
	     FROM r_ref r JOIN indicator_result d USING (indicator, edition, breakdown, level))::text);

-------------------------------------------------------------------------------
-- tests against the reference group and against the total
-------------------------------------------------------------------------------
CREATE TEMP TABLE direct_test AS
SELECT a.indicator, a.edition, a.breakdown, a.level, 'domains' AS relation,
       barometer.diff_test(a.t, b.t, 'domains') AS x
FROM direct_result a
JOIN direct_result b ON b.indicator = a.indicator AND b.edition = a.edition AND b.breakdown = a.breakdown
	AND b.g IS NOT DISTINCT FROM a.g AND b.age_group IS NOT DISTINCT FROM a.age_group
	AND b.sex IS NOT DISTINCT FROM a.sex AND b.origin = 'BE' AND a.origin <> 'BE'
UNION ALL
SELECT a.indicator, a.edition, a.breakdown, a.level, 'part', barometer.diff_test(a.t, b.t, 'part')
FROM direct_result a
JOIN direct_result b ON b.indicator = a.indicator AND b.edition = a.edition AND b.breakdown = 'total'
WHERE a.breakdown IN ('province', 'municipality');

SELECT is((SELECT count(*) FROM direct_test WHERE relation = 'domains'),
	  (SELECT count(*) FROM indicator_result WHERE reference IS NOT NULL
	   AND breakdown IN ('origin', 'origin_sex', 'origin_age', 'province_origin', 'municipality_origin')),
	  'a test against the reference origin group wherever it has respondents');
-- (two groups whose answers are all the same have a difference with a
-- standard error of 0, which either path may compute as a rounding residue
-- of 1e-33 to 1e-17: their p-values are noise or undefined, not compared)
SELECT is((SELECT count(*) FROM indicator_result r JOIN direct_test d USING (indicator, edition, breakdown, level)
	   WHERE d.relation = 'domains' AND pg_temp.rel(r.diff_reference, (d.x).difference) <= 1e-12
	     AND CASE WHEN (d.x).se > 1e-12 THEN pg_temp.rel(r.p_reference, (d.x).p_value) <= 1e-9
		      ELSE true END),
	  (SELECT count(*) FROM direct_test WHERE relation = 'domains'),
	  'every origin group against the reference group: diff_test domains of the clustered tallies');
SELECT ok((SELECT count(*) FROM direct_test WHERE relation = 'domains' AND (x).se > 1e-12)
	  > 0.6 * (SELECT count(*) FROM direct_test WHERE relation = 'domains' AND (x).difference IS NOT NULL),
	  'most of them (60%, small municipal groups included) with a standard error above 1e-12: p-values compared');
SELECT is((SELECT count(*) FROM indicator_result r JOIN direct_test d USING (indicator, edition, breakdown, level)
	   WHERE d.relation = 'part' AND pg_temp.rel(r.diff_reference, (d.x).difference) <= 1e-12
	     AND pg_temp.rel(r.p_reference, (d.x).p_value) <= 1e-9),
	  (SELECT count(*) FROM direct_test WHERE relation = 'part'),
	  'every province and municipality against the total: diff_test part of the clustered tallies');

SELECT is((SELECT count(*) FROM indicator_result WHERE breakdown IN ('age', 'sex')
	   AND (reference IS NOT NULL OR p_reference IS NOT NULL OR vs_reference IS NOT NULL)), 0::bigint,
	  'no test of an age group or sex against the total (their addresses are split; not kept)');

-------------------------------------------------------------------------------
-- errors
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT barometer.tally_psu_sums(ARRAY[y], 1.0, 1, p, 2 ORDER BY k)
		   FROM (VALUES (true, 1, 1), (false, 2, 2), (true, 1, 3)) v(y, p, k)$$,
		 '22023', 'the rows of PSU 1 come apart', 'the rows of a PSU must come together (ORDER BY psu)');
SELECT throws_ok($$SELECT barometer.tally_psu_sums(ARRAY[y], 1.0, 1, p, n ORDER BY p)
		   FROM (VALUES (true, 1, 2), (false, 2, 3)) v(y, p, n)$$,
		 '22023', 'n_psu differs within stratum 1', 'n_psu constant within a stratum');
SELECT throws_ok($$SELECT barometer.diff_test(a, b, 'domains') FROM
		   (SELECT (barometer.tally_psu_sums(ARRAY[y], 1.0, 1, p, 2 ORDER BY p))[1] AS a
		    FROM (VALUES (true, 1), (false, 2)) v(y, p)) x,
		   (SELECT (barometer.tally_psu_sums(ARRAY[y], 1.0, 1, p, 2 ORDER BY p))[1] AS b
		    FROM (VALUES (false, 1), (true, 2)) v(y, p)) z$$,
		 '22023', 'tallies cannot be compared this way', 'two groups with more PSUs than their stratum share PSUs');
SELECT throws_ok($$SELECT barometer.merge(t) FROM
		   (SELECT (barometer.tally_psu_sums(ARRAY[y], 1.0, 1, p, 2 ORDER BY p))[1] AS t
		    FROM (VALUES (true, 1), (false, 2)) v(y, p)
		    UNION ALL SELECT barometer.tally(true, 1.0, 1, 1, 2, NULL)) x$$,
		 '22023', 'cannot merge tallies of different designs', 'a cluster_sums tally does not merge with a clustered one');

-- the readers written for the clustered kind read the cluster_sums kind
-- alike: totals (R svytotal) and the PSUs and strata of a cell, in groups
-- whose PSUs cross the groups (a domain needs no whole PSUs)
CREATE TEMP TABLE xs AS
SELECT i, (i % 7)::int AS h, (i / 3)::int AS psu, (hashint4(i) % 5 = 0) AS y,
       1 + (i % 4)::float8 AS w, (i % 3) AS g
FROM generate_series(1, 3000) i;
CREATE TEMP TABLE xsv AS
SELECT xs.*, barometer.psu_count(psu) OVER (PARTITION BY h) AS n_psu FROM xs;
CREATE TEMP TABLE xs_cmp AS
WITH a AS (SELECT g, (barometer.tally_psu_sums(ARRAY[y], w, h, psu, n_psu ORDER BY psu))[1] AS t
           FROM xsv GROUP BY g),
     b AS (SELECT g, barometer.tally(y, w, h, psu, n_psu, NULL) AS t FROM xsv GROUP BY g)
SELECT a.g, a.t AS s, b.t AS c FROM a JOIN b USING (g);
SELECT is((SELECT count(*) FROM xs_cmp
           WHERE barometer.total(s) = barometer.total(c)
             AND abs(barometer.total_se(s) / barometer.total_se(c) - 1) < 1e-12
             AND barometer.df(s) = barometer.df(c)), 3::bigint,
          'cluster_sums: total and total_se equal the clustered tally''s (1e-12), df equal');
SELECT is((SELECT count(*) FROM xs_cmp
           WHERE barometer.n_psu(s) = barometer.n_psu(c) AND barometer.n_strata(s) = barometer.n_strata(c)),
          3::bigint, 'cluster_sums: n_psu and n_strata equal the clustered tally''s');

SELECT * FROM finish();
ROLLBACK;
