\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- Readers of issue 11 (items 6-8) against R survey 4.1.1:
-- test/fixtures/readers_*.csv, made by test/fixtures/make_readers_fixtures.R.
-- n_psu, n_strata, kg_n_eff, nchs_n_eff, report_detail, reason_code,
-- marker, replicate_degf, the replicate scale defaults, and the likelihood
-- interval of a zero-variance domain.  Run by pg_prove from the repository
-- root, in a database where pgtap and barometer are installed.

BEGIN;
SELECT plan(111);

CREATE TEMP TABLE rd (id int, st int, psu int, w float8, y int, g int);
\copy rd FROM 'test/fixtures/readers_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE rd_exp (domain text, what text, value float8);
\copy rd_exp FROM 'test/fixtures/readers_expected.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE rr (design text, id int, g int, y int, w float8, repw float8[]);
\copy rr FROM 'test/fixtures/readers_rep.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE rr_exp (design text, domain text, what text, value float8);
\copy rr_exp FROM 'test/fixtures/readers_rep_expected.csv' WITH (FORMAT csv, HEADER true)

CREATE FUNCTION pg_temp.close(have float8, want float8, tol float8, name text) RETURNS text
LANGUAGE sql AS $$
	SELECT ok(have IS NOT NULL AND abs(have - want) <= tol * greatest(abs(want), 1e-300),
	          name || ' have ' || coalesce(have::text, 'NULL') || ' want ' || want::text)
$$;

CREATE FUNCTION pg_temp.plan_json() RETURNS SETOF json LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE 'EXPLAIN (FORMAT JSON) SELECT g, barometer.replicate_degf(repw) FROM readers_par GROUP BY g';
END $$;

-- the clustered tallies per domain (all, g0, g1)
CREATE TEMP TABLE cells AS
WITH v AS (SELECT rd.*, barometer.psu_count(psu) OVER (PARTITION BY st) AS n_psu FROM rd)
SELECT CASE WHEN grouping(g) = 1 THEN 'all' ELSE 'g' || g END AS domain,
       barometer.tally(y::boolean, w, st, psu, n_psu, NULL) AS t
FROM v GROUP BY GROUPING SETS ((g), ());

SELECT pg_temp.close(barometer.n_psu(c.t)::float8, e.value, 0, c.domain || ' n_psu')
FROM cells c JOIN rd_exp e ON e.domain = c.domain AND e.what = 'n_psu' ORDER BY c.domain;
SELECT pg_temp.close(barometer.n_strata(c.t)::float8, e.value, 0, c.domain || ' n_strata')
FROM cells c JOIN rd_exp e ON e.domain = c.domain AND e.what = 'n_strata' ORDER BY c.domain;
SELECT pg_temp.close((barometer.n_psu(c.t) - barometer.n_strata(c.t))::float8, e.value, 0, c.domain || ' n_psu - n_strata = degf')
FROM cells c JOIN rd_exp e ON e.domain = c.domain AND e.what = 'degf' ORDER BY c.domain;
SELECT pg_temp.close(barometer.kg_n_eff(c.t), e.value, 1e-9, c.domain || ' kg_n_eff')
FROM cells c JOIN rd_exp e ON e.domain = c.domain AND e.what = 'kg_n_eff' ORDER BY c.domain;
SELECT pg_temp.close(barometer.kg_n_eff(c.t, 0.90), e.value, 1e-9, c.domain || ' kg_n_eff level 0.90')
FROM cells c JOIN rd_exp e ON e.domain = c.domain AND e.what = 'kg_n_eff_90' ORDER BY c.domain;
SELECT pg_temp.close(barometer.nchs_n_eff(c.t), e.value, 1e-9, c.domain || ' nchs_n_eff')
FROM cells c JOIN rd_exp e ON e.domain = c.domain AND e.what = 'nchs_n_eff' ORDER BY c.domain;
SELECT pg_temp.close(barometer.ci_lower(c.t), e.value, 1e-9, c.domain || ' beta lower (KG on answered rows)')
FROM cells c JOIN rd_exp e ON e.domain = c.domain AND e.what = 'beta_lower' ORDER BY c.domain;
SELECT pg_temp.close(barometer.ci_upper(c.t), e.value, 1e-9, c.domain || ' beta upper')
FROM cells c JOIN rd_exp e ON e.domain = c.domain AND e.what = 'beta_upper' ORDER BY c.domain;

-- report_detail: report()'s columns unchanged, the new ones named
SELECT is((SELECT row(r.estimate, r.se, r.ci_lower, r.ci_upper, r.n, r.n_missing, r.weighted_n, r.n_eff,
                      r.deff, r.df, r.cv, r.status, r.reason_en, r.reason_nl)::text
           FROM cells c, barometer.report_detail(c.t) r WHERE c.domain = 'g1'),
          (SELECT barometer.report(c.t)::text FROM cells c WHERE c.domain = 'g1'),
          'report_detail starts with report()''s 14 columns');
SELECT pg_temp.close(r.kg_n_eff, e.value, 1e-9, 'report_detail kg_n_eff g1')
FROM cells c, barometer.report_detail(c.t) r, rd_exp e WHERE c.domain = 'g1' AND e.domain = 'g1' AND e.what = 'kg_n_eff';
SELECT pg_temp.close(r.nchs_n_eff, e.value, 1e-9, 'report_detail nchs_n_eff g0')
FROM cells c, barometer.report_detail(c.t) r, rd_exp e WHERE c.domain = 'g0' AND e.domain = 'g0' AND e.what = 'nchs_n_eff';
SELECT is((SELECT row(r.n_eff = r.kish_n_eff, r.kish_n_eff = barometer.kish_n_eff(c.t), r.ci_df, r.kg_rows,
                      r.n_psu, r.n_strata, r.policy_name, r.policy_version, r.reason_code)::text
           FROM cells c, barometer.report_detail(c.t) r WHERE c.domain = 'g0'),
          (SELECT row(true, true, 19::float8, barometer.n(c.t), 23::bigint, 4::bigint, 'nchs2017', 1, 'reliable')::text
           FROM cells c WHERE c.domain = 'g0'),
          'report_detail g0: n_eff is Kish''s, ci_df, kg_rows, units, policy') ;
SELECT is((SELECT r.reason_code || ' ' || r.ci_df || ' ' || r.kg_rows FROM cells c, barometer.report_detail(c.t) r WHERE c.domain = 'g1'),
          'ci_width 20 88', 'report_detail g1: reason_code ci_width, ci_df 20, 88 answered rows');

-- publication's appended reason_code, and reason_code() of texts (stored values of 0.1 too)
SELECT is((SELECT (barometer.publication_status(c.t)).reason_code FROM cells c WHERE c.domain = 'g1'), 'ci_width',
          'publication_status carries reason_code');
SELECT is((SELECT (barometer.publication_status(c.t, 'statcan_cv')).reason_code FROM cells c WHERE c.domain = 'g1'),
          barometer.reason_code((SELECT (barometer.publication_status(c.t, 'statcan_cv')).reason_en FROM cells c WHERE c.domain = 'g1')),
          'reason_code(reason_en) equals the attribute (statcan_cv)');
SELECT is(barometer.reason_code(x), c, 'reason_code of ' || x) FROM (VALUES
  ('effective sample size too small (n_eff 12.3 < 30)', 'n_eff_below_min'),
  ('effective sample size too small (n_eff 29.9 < 30)', 'n_eff_below_min'),
  ('too few respondents (n < 30)', 'n_below_min'),
  ('confidence interval too wide relative to the estimate (140% > 130%)', 'ci_relative_width'),
  ('confidence interval too wide (31.0 points >= 30)', 'ci_width'),
  ('review: few degrees of freedom (df 5 < 8)', 'df_below_min'),
  ('review: estimate is 0%', 'estimate_0'),
  ('review: estimate is 100%', 'estimate_100'),
  ('the complement is unreliable (interval width 140% of 1 - p > 130%)', 'complement_unreliable'),
  ('use with caution (CV 20.1% > 16.5%, E)', 'cv_caution'),
  ('coefficient of variation too large (CV 40.0% > 33.3%, F)', 'cv_above_max'),
  ('small count (1-4)', 'small_count'),
  ('dominance (1, 85): the largest contribution is 90% of the total', 'dominance'),
  ('no dominance (1, 85)', 'no_dominance'),
  ('suppressed together with another category (too few respondents (n < 30))', 'suppressed_together')) v(x, c);
SELECT is(barometer.reason_code('anything else'), NULL, 'reason_code of an unknown text is NULL');
SELECT is((SELECT (barometer.count_status(3, 100)).reason_code), 'small_count', 'count_status reason_code');
SELECT is((SELECT string_agg((d).reason_code, ',' ORDER BY k)
           FROM (SELECT k, barometer.suppress_together(p) OVER () AS d
                 FROM (VALUES (1, barometer.count_status(3, 100)), (2, barometer.count_status(50, 100))) v(k, p)) s),
          'small_count,suppressed_together', 'suppress_together sets reason_code suppressed_together');

-- marker: the adjusted p decides; the reference group is named
SELECT is(barometer.marker(ROW(-0.1, 0.04, -0.18, -0.02, -2.5, 20, 0.017)::barometer.difference), 'lower',
          'marker without p_adjusted uses the p-value (0.017: lower)');
SELECT is(barometer.significance(ROW(-0.1, 0.04, -0.18, -0.02, -2.5, 20, 0.017)::barometer.difference), 'lower',
          'significance() unchanged');
SELECT is(barometer.marker(ROW(-0.1, 0.04, -0.18, -0.02, -2.5, 20, 0.017)::barometer.difference, 0.051), 'ns',
          'marker with p_holm 0.051: ns');
SELECT is(barometer.marker(ROW(0.1, 0.04, 0.02, 0.18, 2.5, 20, 0.017)::barometer.difference, 0.049), 'higher',
          'marker with p_holm 0.049: higher');
SELECT is(barometer.marker(ROW(0.1, 0.04, 0.02, 0.18, 2.5, 20, 0.017)::barometer.difference, 0.049, 0.99), 'ns',
          'marker at level 0.99');
SELECT is(barometer.marker(ROW(0, 0, 0, 0, NULL, 20, NULL)::barometer.difference, reference => true), 'reference',
          'marker of the reference group');
SELECT is(barometer.marker(ROW(0, 0, 0, 0, NULL, 20, NULL)::barometer.difference), 'untestable',
          'no p-value and not the reference: untestable');
SELECT is(barometer.marker(ROW(0.1, 0.04, 0.02, 0.18, 2.5, 20, 0.017)::barometer.difference, 0.01, status_b => 'suppress', reference => true),
          'hidden', 'a suppressed estimate hides even the reference');
SELECT throws_ok($$SELECT barometer.marker(ROW(0.1, 0.04, 0.02, 0.18, 2.5, 20, 0.017)::barometer.difference, 1.5)$$,
          '22023', NULL, 'p_adjusted outside [0, 1]');
SELECT throws_ok($$SELECT barometer.marker(ROW(0.1, 0.04, 0.02, 0.18, 2.5, 20, 0.017)::barometer.difference, status_a => 'bogus')$$,
          '22023', NULL, 'unknown status');
-- with p_adjust over a window (the README dashboard), on real differences
SELECT is((SELECT string_agg(m, ',' ORDER BY dom)
           FROM (SELECT c.domain AS dom,
                        barometer.marker(d, barometer.p_adjust((d).p_value, 'holm') OVER (), reference => c.domain = 'g0') AS m
                 FROM cells c, cells r, LATERAL barometer.diff_test(c.t, r.t, 'domains') d
                 WHERE r.domain = 'g0' AND c.domain <> 'all') s),
          (SELECT 'reference,' || barometer.marker(barometer.diff_test(c.t, r.t, 'domains'))
           FROM cells c, cells r WHERE c.domain = 'g1' AND r.domain = 'g0'),
          'dashboard: the reference row reads reference');

-- replicate designs: R's default scales (svrepdesign) and R's df (qr rank - 1)
CREATE TEMP TABLE rspec AS
SELECT d.design, CASE d.design
	WHEN 'bootstrap' THEN barometer.replicates('bootstrap')
	WHEN 'jk1' THEN barometer.replicates('jk1', rscales => array_fill(0.9::float8, ARRAY[20]))   -- fpc fraction 0.1
	WHEN 'jkn' THEN barometer.replicates('jkn', rscales => array_fill(0.75::float8, ARRAY[20]))
	WHEN 'brr' THEN barometer.replicates('brr')
	WHEN 'fay' THEN barometer.replicates('fay', rho => 0.3) END AS spec
FROM (SELECT DISTINCT design FROM rr) d;
CREATE TEMP TABLE rcells AS
SELECT rr.design, CASE WHEN grouping(g) = 1 THEN 'all' ELSE 'g' || g END AS domain,
       barometer.tally(y::boolean, w, repw, s.spec) AS t, barometer.replicate_degf(repw) AS degf
FROM rr JOIN rspec s USING (design) GROUP BY GROUPING SETS ((rr.design, g), (rr.design));
SELECT pg_temp.close(c.degf, e.value, 0, c.design || ' ' || c.domain || ' replicate_degf = R degf')
FROM rcells c JOIN rr_exp e ON e.design = c.design AND e.domain = c.domain AND e.what = 'degf' ORDER BY 1;
SELECT pg_temp.close(barometer.se(c.t), e.value, 1e-9, c.design || ' ' || c.domain || ' se with the default scale')
FROM rcells c JOIN rr_exp e ON e.design = c.design AND e.domain = c.domain AND e.what = 'se' ORDER BY 1;
-- the rank df given to a tally (spec df) or to a reader (df argument) agree
SELECT is((SELECT barometer.ci_lower(barometer.tally(y::boolean, w, repw, barometer.replicates('bootstrap', df => c.degf)), 0.95, 'logit')
           FROM rr, rcells c WHERE rr.design = 'bootstrap' AND c.design = 'bootstrap' AND c.domain = 'all' GROUP BY c.degf),
          (SELECT barometer.ci_lower(c.t, 0.95, 'logit', c.degf) FROM rcells c WHERE c.design = 'bootstrap' AND c.domain = 'all'),
          'bootstrap: spec df => replicate_degf equals the reader''s df argument');
SELECT is((SELECT barometer.df(c.t) FROM rcells c WHERE c.design = 'bootstrap' AND c.domain = 'all'), 15::float8,
          'bootstrap: the default df is R''s degf (15; R - 1 = 49 before 0.2)');
SELECT throws_ok($$SELECT barometer.replicate_degf(a) FROM (VALUES (ARRAY[1.0, 2.0]::float8[]), (ARRAY[1.0, 2.0, 3.0]::float8[])) v(a)$$,
          '22023', NULL, 'replicate_degf: rows of different lengths');
SELECT is((SELECT barometer.replicate_degf(a) FROM (VALUES (ARRAY[1.0, 1.0, 1.0]::float8[]), (ARRAY[2.0, 2.0, 2.0]::float8[])) v(a)),
          0::float8, 'replicate_degf: proportional rows have rank 1, df 0');
SELECT is((SELECT barometer.replicate_degf(a) FROM (VALUES (ARRAY[1.0, 0.0, 1.0]::float8[]), (ARRAY[0.0, 1.0, 1.0]::float8[]),
                                                           (ARRAY[1.0, 1.0, 2.0]::float8[])) v(a)),
          1::float8, 'replicate_degf: the third row is the sum of the first two: rank 2');

-- rows in any order, and a parallel plan (Partial Aggregate, combine, serialize)
SELECT is((SELECT barometer.replicate_degf(repw) FROM (SELECT * FROM rr WHERE design = 'jkn' ORDER BY md5(id::text)) s),
          15::float8, 'replicate_degf: rows in a shuffled order (no runs of one PSU)');
CREATE TABLE readers_par AS SELECT rr.* FROM rr, generate_series(1, 20) k WHERE design = 'bootstrap';
ANALYZE readers_par;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT ok((SELECT count(*) > 0 FROM (SELECT pg_catalog.jsonb_path_query(j::jsonb, '$.**."Partial Mode"') pm
           FROM (SELECT pg_catalog.to_json(e) j FROM pg_temp.plan_json() e) x) y WHERE pm::text = '"Partial"'),
          'replicate_degf: the plan has a Partial Aggregate');
SELECT is((SELECT array_agg(d ORDER BY g) FROM (SELECT g, barometer.replicate_degf(repw) d FROM readers_par GROUP BY g) s),
          ARRAY[15, 14]::float8[], 'replicate_degf: parallel plan, per domain, equals R');
RESET max_parallel_workers_per_gather;

-- likelihood at zero variance: [p, p], as logit, xlogit, asin and mean
CREATE TEMP TABLE census AS
WITH v AS (SELECT rd.*, barometer.psu_count(psu) OVER (PARTITION BY st) AS n_psu FROM rd)
SELECT barometer.tally(y::boolean, w, st, psu, n_psu, n_psu::float8) AS t FROM v WHERE g = 1;
SELECT is((SELECT barometer.variance(t) FROM census), 0::float8, 'census domain: variance 0');
SELECT ok((SELECT abs(barometer.ci_lower(t, 0.95, m) - barometer.estimate(t)) <= 1e-15
                  AND abs(barometer.ci_upper(t, 0.95, m) - barometer.estimate(t)) <= 1e-15 FROM census),
          'zero variance: ' || m || ' gives [p, p] (to 1e-15: logit, xlogit, asin transform p and back)')
FROM unnest(ARRAY['likelihood', 'logit', 'xlogit', 'asin', 'mean']) m;
SELECT is((SELECT barometer.ci_lower(t, 0.95, 'beta') FROM census), NULL, 'zero variance: beta is NULL (infinite n_eff; R: NaN)');
SELECT is((SELECT barometer.kg_n_eff(t) FROM census), NULL, 'zero variance: kg_n_eff NULL');

-- replicate designs have no PSUs to count
SELECT is((SELECT barometer.n_psu(t) FROM rcells WHERE design = 'jkn' AND domain = 'all'), NULL, 'n_psu of a replicate tally is NULL');
-- weights only: rows of positive weight, one stratum
SELECT is((SELECT row(barometer.n_psu(t), barometer.n_strata(t), barometer.df(t))::text
           FROM (SELECT barometer.tally(y::boolean, w) t FROM rd WHERE y IS NOT NULL) s),
          '(222,1,221)', 'weights only: n_psu = rows, n_strata = 1, df = n_psu - 1');
SELECT is((SELECT barometer.kg_n_eff(t) FROM (SELECT barometer.tally(y, w) t FROM rd) s), NULL, 'kg_n_eff of a mean is NULL');
SELECT is((SELECT barometer.n_positive_weight(t) FROM (SELECT barometer.tally(y::boolean, CASE WHEN id % 10 = 0 THEN 0 ELSE w END) t FROM rd) s),
          (SELECT count(*) FROM rd WHERE y IS NOT NULL AND id % 10 <> 0), 'n_positive_weight: answered rows of positive weight');
SELECT is((SELECT barometer.kg_n_eff(t) FROM (SELECT barometer.tally(y::boolean, w) t FROM rd WHERE y = 0 AND g = 1) s),
          (SELECT count(*)::float8 FROM rd WHERE y = 0 AND g = 1), 'kg_n_eff at p = 0 is the Clopper-Pearson n (rows of positive weight)');

SELECT * FROM finish();
ROLLBACK;
