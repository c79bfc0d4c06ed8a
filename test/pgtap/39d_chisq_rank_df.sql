-- R's rank df (degf: qr rank of the replicate weights - 1) in svychisq and
-- in the distribution readers and tests on replicate designs.  Values
-- against R survey 4.1.1 (test/fixtures/make_chisq_rank_df_fixtures.R:
-- bootstrap with 60 replicates of 15 PSUs, JKn (15, rank 11), JK1 (15, full
-- rank); group b in 4 PSUs, c in one), relative tolerance 1e-9; parallel
-- plans equal one pass; an explicit df wins.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1
BEGIN;
SELECT plan(608);

CREATE TEMP TABLE rd (design text, id int, psu int, grp text, item int, c2 text, w float8, repw float8[]);
\copy rd FROM 'test/fixtures/chisq_rank_df_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE rx (design text, what text, domain text, quantity text, i int, j int, value float8);
\copy rx FROM 'test/fixtures/chisq_rank_df_expected.csv' WITH (FORMAT csv, HEADER true)
-- a plain table: a parallel plan cannot scan a temporary one
CREATE TABLE specs (design text, spec text);
INSERT INTO specs VALUES ('jk1', barometer.replicates('jk1')::text),
	('jkn', barometer.replicates('jkn', rscales => array_fill(2.0::float8 / 3, ARRAY[15]))::text),
	('bootstrap', barometer.replicates('bootstrap')::text);

-- |a - e| <= tol |e| (both NULL: equal)
CREATE FUNCTION pg_temp.near(a float8, e float8, tol float8 DEFAULT 1e-9) RETURNS boolean LANGUAGE sql AS $$
	SELECT CASE WHEN a IS NULL OR e IS NULL THEN a IS NULL AND e IS NULL
	            ELSE abs(a - e) <= tol * abs(e) OR (abs(e) < 1e-300 AND abs(a - e) <= 1e-12) END
$$;
CREATE FUNCTION pg_temp.in_dom(grp text, dom text) RETURNS boolean LANGUAGE sql AS $$
	SELECT dom = 'all' OR grp = dom OR (length(dom) = 2 AND strpos(dom, grp) > 0)
$$;

SELECT is((SELECT count(DISTINCT design) FROM rd), 3::bigint, 'three replicate designs');
SELECT is((SELECT array_agg(value ORDER BY design) FROM rx WHERE what = 'design' AND quantity = 'degf' AND domain = 'all'),
          '{10,14,10}'::float8[], 'R: degf of the whole design below R - 1 (bootstrap 59, JKn 14) and full (JK1)');

-- ---- chisq(r, c, w, repw, spec, statistic): svychisq(~item + c2, <subset>)
CREATE TEMP TABLE chi AS
SELECT k.design, k.what, k.domain,
       (SELECT barometer.chisq(r.item, r.c2, r.w, r.repw, s.spec::barometer.replicates, substr(k.what, 7))
        FROM rd r JOIN specs s USING (design) WHERE r.design = k.design AND pg_temp.in_dom(r.grp, k.domain)) AS x
FROM (SELECT DISTINCT design, what, domain FROM rx WHERE what LIKE 'chisq\_%') k;
SELECT ok(pg_temp.near(CASE e.quantity WHEN 'statistic' THEN (c.x).statistic WHEN 'ndf' THEN (c.x).ndf
                                       WHEN 'ddf' THEN (c.x).ddf WHEN 'p_value' THEN (c.x).p_value END, e.value),
          c.design || ' ' || c.domain || ' ' || c.what || ': ' || e.quantity || ' = R (' || coalesce(e.value::text, 'NA') || ')')
FROM chi c JOIN rx e USING (design, what, domain)
ORDER BY c.design, c.domain, c.what, e.quantity;
-- the Wald ddf is degf itself
SELECT ok((c.x).ddf = e.value, c.design || ' ' || c.domain || ': Wald ddf = degf = ' || e.value)
FROM chi c JOIN rx e ON e.design = c.design AND e.domain = c.domain AND e.what = 'design' AND e.quantity = 'degf'
WHERE c.what = 'chisq_Wald' ORDER BY c.design, c.domain;
-- an explicit df wins over the rank
SELECT is((SELECT (barometer.chisq(item, c2, w, repw, barometer.replicates('bootstrap', df => 7), 'Wald')).ddf
           FROM rd WHERE design = 'bootstrap'), 7::float8, 'chisq: replicates(df => 7) wins over the rank');
SELECT ok((SELECT pg_temp.near((x).ddf, 7 * (x).ndf, 1e-14) FROM
           (SELECT barometer.chisq(item, c2, w, repw, barometer.replicates('bootstrap', df => 7)) x
            FROM rd WHERE design = 'bootstrap') s), 'chisq F: ddf = d0 x the spec''s df');
-- float4 replicate weights: the same rank
SELECT ok((SELECT (barometer.chisq(item, c2, w, repw::real[], barometer.replicates('bootstrap'), 'Wald')).ddf = 3
           FROM rd WHERE design = 'bootstrap' AND grp = 'b'), 'chisq with real[] replicate weights: ddf = degf 3');
-- rows with a missing category count in the rank (R: degf(design) of all its rows)
SELECT is((SELECT (barometer.chisq(CASE WHEN grp = 'b' THEN item END, c2, w, repw, barometer.replicates('bootstrap'), 'Wald')).ddf
           FROM rd WHERE design = 'bootstrap' AND grp IN ('b', 'c')),
          (SELECT value FROM rx WHERE design = 'bootstrap' AND what = 'design' AND domain = 'bc' AND quantity = 'degf'),
          'chisq: the rows of group c, all with item NULL, still raise the rank (to degf of b + c)');

-- ---- distributions per group: report(d) (df, estimate, se, intervals), vcov(d)
-- (barometer's documented deviations: intervals are clipped to [0, 1], and
-- at p = 0 or 1 beta is Clopper-Pearson where R gives NaN)
CREATE TEMP TABLE dist AS
SELECT r.design, 'all'::text AS grp, barometer.distribution(item, '{1,2,3,4}', NULL, w, repw, s.spec::barometer.replicates) AS d
FROM rd r JOIN specs s USING (design) GROUP BY r.design, s.spec
UNION ALL
SELECT r.design, r.grp, barometer.distribution(item, '{1,2,3,4}', NULL, w, repw, s.spec::barometer.replicates)
FROM rd r JOIN specs s USING (design) GROUP BY r.design, r.grp, s.spec;
SELECT is((SELECT count(*) FROM dist), 12::bigint, '3 designs x 4 domains of distributions');
SELECT ok(bool_and(pg_temp.near(r.df, e.value, 0)), d.design || ' ' || d.grp || ': report(d).df = degf = ' || e.value)
FROM dist d JOIN rx e ON e.design = d.design AND e.domain = d.grp AND e.what = 'distr' AND e.quantity = 'degf',
     barometer.report(d.d) r
GROUP BY d.design, d.grp, e.value ORDER BY d.design, d.grp;
SELECT ok(pg_temp.near(CASE e.quantity WHEN 'p' THEN r.estimate WHEN 'se' THEN r.se
                                       WHEN 'mean_lower' THEN m.ci_lower WHEN 'mean_upper' THEN m.ci_upper
                                       WHEN 'beta_lower' THEN r.ci_lower WHEN 'beta_upper' THEN r.ci_upper END,
                         CASE WHEN e.value IS NULL THEN NULL WHEN e.quantity = 'mean_lower' THEN greatest(e.value, 0)
                              WHEN e.quantity = 'mean_upper' THEN least(e.value, 1)
                                         ELSE e.value END),
          d.design || ' ' || d.grp || ' category ' || e.i || ': ' || e.quantity || ' = R (' || coalesce(e.value::text, 'NA') || ')')
FROM dist d, barometer.report(d.d, 0.95, 'beta') r, barometer.report(d.d, 0.95, 'mean') m, rx e
WHERE m.category = r.category AND e.design = d.design AND e.domain = d.grp AND e.what = 'distr' AND e.i = r.category
  AND e.quantity IN ('p', 'se', 'mean_lower', 'mean_upper', 'beta_lower', 'beta_upper')
  AND NOT (e.quantity LIKE 'beta%' AND r.estimate IN (0, 1))
ORDER BY d.design, d.grp, e.i, e.quantity;
SELECT ok(bool_and(pg_temp.near((barometer.vcov(d.d))[e.i][e.j], e.value)),
          d.design || ' ' || d.grp || ': vcov(d) = R''s vcov(svymean(~factor(item)))')
FROM dist d JOIN rx e ON e.design = d.design AND e.domain = d.grp AND e.what = 'distr' AND e.quantity = 'v'
GROUP BY d.design, d.grp ORDER BY d.design, d.grp;

-- ---- two groups of one sample: distribution_test(a, b, 'domains') and distribution_chisq
CREATE TEMP TABLE pairs AS
SELECT a.design, p.dom, a.d AS da, b.d AS db
FROM (VALUES ('ab', 'a', 'b'), ('bc', 'b', 'c')) p(dom, ga, gb)
JOIN dist a ON a.grp = p.ga JOIN dist b ON b.grp = p.gb AND b.design = a.design;
SELECT ok(pg_temp.near(CASE e.quantity WHEN 'chisq' THEN t.chisq WHEN 'p_chisq' THEN t.p_chisq WHEN 'f' THEN t.f
                                       WHEN 'ddf' THEN t.ddf WHEN 'p_f' THEN t.p_f END, e.value),
          p.design || ' ' || p.dom || ': distribution_test domains ' || e.quantity || ' = R (' || e.value || ')')
FROM pairs p, barometer.distribution_test(p.da, p.db, 'domains') t, rx e
WHERE e.design = p.design AND e.domain = p.dom AND e.what = 'dtest'
ORDER BY p.design, p.dom, e.quantity;
SELECT ok(pg_temp.near(CASE e.quantity WHEN 'statistic' THEN t.statistic WHEN 'ndf' THEN t.ndf
                                       WHEN 'ddf' THEN t.ddf WHEN 'p_value' THEN t.p_value END, e.value),
          p.design || ' ' || p.dom || ' ' || e.what || ': ' || e.quantity || ' = R (' || coalesce(e.value::text, 'NA') || ')')
FROM pairs p JOIN rx e ON e.design = p.design AND e.domain = p.dom AND e.what LIKE 'dchisq\_%',
     barometer.distribution_chisq(p.da, p.db, substr(e.what, 8)) t
ORDER BY p.design, p.dom, e.what, e.quantity;
-- the union's rank from the two stored Gram matrices, also after a text round trip
SELECT ok((SELECT t.ddf = 4 FROM pairs p, barometer.distribution_test(p.da::text::barometer.distribution,
                 p.db::text::barometer.distribution, 'domains') t WHERE p.design = 'bootstrap' AND p.dom = 'bc'),
          'distribution_test of values read back from text: ddf = degf(b + c) = 4');
-- distributions stored before form version 3 (their category tallies in
-- the version 2 text: no rank) keep R - 1, as their tallies do
CREATE FUNCTION pg_temp.v2(t barometer.tally) RETURNS text LANGUAGE sql AS $$
	SELECT regexp_replace(regexp_replace(regexp_replace(t::text, '^v3 ', 'v2 '), ' true=\d+', ''), ' rank=\d+;.*$', '')
	       || substring(t::text from '(; r .*?)(; g |$)')
$$;
CREATE FUNCTION pg_temp.old_form(d barometer.distribution) RETURNS barometer.distribution LANGUAGE sql AS $$
	SELECT ('v1 categories={1,2,3,4} excluded={} ' ||
	        string_agg('{' || pg_temp.v2(t) || '}', ' ' ORDER BY k))::barometer.distribution
	FROM unnest(barometer.tallies(d)) WITH ORDINALITY AS x(t, k)
$$;
SELECT is((SELECT array_agg(r.df ORDER BY r.category) FROM pairs p, barometer.report(pg_temp.old_form(p.db)) r
           WHERE p.design = 'bootstrap' AND p.dom = 'bc'), '{59,59,59,59}'::float8[],
          'a distribution of version 2 tallies: df R - 1 (59), as stored');
SELECT is((SELECT array_agg(r.estimate ORDER BY r.category) FROM pairs p, barometer.report(pg_temp.old_form(p.db)) r
           WHERE p.design = 'bootstrap' AND p.dom = 'bc'),
          (SELECT array_agg(r.estimate ORDER BY r.category) FROM pairs p, barometer.report(p.db) r
           WHERE p.design = 'bootstrap' AND p.dom = 'bc'), 'the same distribution in its old form: the same estimates');
SELECT is((SELECT t.ddf FROM pairs p, barometer.distribution_test(p.da, pg_temp.old_form(p.db), 'domains') t
           WHERE p.design = 'bootstrap' AND p.dom = 'bc'), 59::float8,
          'distribution_test with an old-form distribution (rank unknown): ddf R - 1');
SELECT is((SELECT t.ddf FROM pairs p, barometer.distribution_chisq(pg_temp.old_form(p.da), p.db, 'Wald') t
           WHERE p.design = 'bootstrap' AND p.dom = 'bc'), 59::float8,
          'distribution_chisq with an old-form distribution (rank unknown): Wald ddf R - 1');
-- independent samples: no ddf; a spec df wins
SELECT is((SELECT t.ddf FROM pairs p, barometer.distribution_test(p.da, p.db, 'independent') t
           WHERE p.design = 'jkn' AND p.dom = 'ab'), NULL::float8, 'independent: no ddf');
SELECT is((SELECT t.ddf FROM (SELECT grp, barometer.distribution(item, '{1,2,3,4}', NULL, w, repw,
                  barometer.replicates('bootstrap', df => 7)) d FROM rd WHERE design = 'bootstrap' GROUP BY grp) a,
                 (SELECT grp, barometer.distribution(item, '{1,2,3,4}', NULL, w, repw,
                  barometer.replicates('bootstrap', df => 7)) d FROM rd WHERE design = 'bootstrap' GROUP BY grp) b,
                 barometer.distribution_test(a.d, b.d, 'domains') t WHERE a.grp = 'b' AND b.grp = 'c'),
          7::float8, 'distribution_test: replicates(df => 7) wins over the rank');

-- the largest relative difference from R over the values compared above
SELECT diag('largest relative difference from R (chisq, distribution readers, vcov, tests): ' ||
            max(abs(v - e) / abs(e))::text)
FROM (SELECT CASE e.quantity WHEN 'statistic' THEN (c.x).statistic WHEN 'ndf' THEN (c.x).ndf
                             WHEN 'ddf' THEN (c.x).ddf WHEN 'p_value' THEN (c.x).p_value END v, e.value e
      FROM chi c JOIN rx e USING (design, what, domain)
      UNION ALL
      SELECT CASE e.quantity WHEN 'p' THEN r.estimate WHEN 'se' THEN r.se WHEN 'mean_lower' THEN m.ci_lower
                             WHEN 'mean_upper' THEN m.ci_upper WHEN 'beta_lower' THEN r.ci_lower
                             WHEN 'beta_upper' THEN r.ci_upper END, e.value
      FROM dist d, barometer.report(d.d, 0.95, 'beta') r, barometer.report(d.d, 0.95, 'mean') m, rx e
      WHERE m.category = r.category AND e.design = d.design AND e.domain = d.grp AND e.what = 'distr'
        AND e.i = r.category AND e.value > 0 AND e.value < 1
        AND e.quantity IN ('p', 'se', 'mean_lower', 'mean_upper', 'beta_lower', 'beta_upper')
        AND NOT (e.quantity LIKE 'beta%' AND r.estimate IN (0, 1))
      UNION ALL
      SELECT (barometer.vcov(d.d))[e.i][e.j], e.value
      FROM dist d JOIN rx e ON e.design = d.design AND e.domain = d.grp AND e.what = 'distr' AND e.quantity = 'v'
      WHERE abs(e.value) > 1e-300
      UNION ALL
      SELECT CASE e.quantity WHEN 'chisq' THEN t.chisq WHEN 'p_chisq' THEN t.p_chisq WHEN 'f' THEN t.f
                             WHEN 'ddf' THEN t.ddf WHEN 'p_f' THEN t.p_f END, e.value
      FROM pairs p, barometer.distribution_test(p.da, p.db, 'domains') t, rx e
      WHERE e.design = p.design AND e.domain = p.dom AND e.what = 'dtest'
      UNION ALL
      SELECT CASE e.quantity WHEN 'statistic' THEN t.statistic WHEN 'ndf' THEN t.ndf
                             WHEN 'ddf' THEN t.ddf WHEN 'p_value' THEN t.p_value END, e.value
      FROM pairs p JOIN rx e ON e.design = p.design AND e.domain = p.dom AND e.what LIKE 'dchisq\_%',
           barometer.distribution_chisq(p.da, p.db, substr(e.what, 8)) t) s
WHERE e IS NOT NULL AND v IS NOT NULL AND e <> 0;

-- more than 100 replicates: the rank is not tracked, nu = R - 1 (as for tallies)
CREATE TEMP TABLE r101 AS
SELECT item, c2, w, (SELECT array_agg(w * (1 + ((psu * 7 + k) % 3))::float8 ORDER BY k) FROM generate_series(1, 101) k) AS repw
FROM rd WHERE design = 'bootstrap';
SELECT is((SELECT (barometer.chisq(item, c2, w, repw, barometer.replicates('bootstrap'), 'Wald')).ddf FROM r101),
          100::float8, 'chisq, 101 replicates: nu = R - 1 (rank not tracked above 100)');
SELECT is((SELECT (barometer.chisq(item, c2, w, repw[1:100], barometer.replicates('bootstrap'), 'Wald')).ddf FROM r101),
          2::float8, 'chisq, the first 100 of them (3 distinct columns per PSU pattern): nu = rank 3 - 1');

-- a replicate weight above 1e75 (its square could overflow the Gram matrix) is refused, as by the tallies
SELECT throws_ok($$SELECT barometer.chisq(item, c2, w, repw || ARRAY[CASE WHEN id = 7 THEN 1e76 ELSE 1 END::float8], barometer.replicates('bootstrap'), 'Wald')
           FROM rd WHERE design = 'bootstrap'$$, '22023', 'replicate weights must be finite and not negative',
	'chisq, a replicate weight of 1e76: refused (22023), as by tally');

-- ---- parallel plans (Partial Aggregate: serialize, combine) equal one pass
CREATE TABLE rdpar AS SELECT r.* FROM rd r, generate_series(1, 40) k;
ANALYZE rdpar;
CREATE FUNCTION pg_temp.partial(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
	RETURN j::text LIKE '%"Partial Mode": "Partial"%';
END $$;
CREATE TEMP TABLE par_q (k text, q text);
INSERT INTO par_q VALUES
	('chisq', 'SELECT r.design, r.grp, st, barometer.chisq(item, c2, w, repw, s.spec::barometer.replicates, st) x
	           FROM rdpar r JOIN specs s USING (design), unnest(ARRAY[''F'', ''Chisq'', ''Wald'', ''adjWald'']) st
	           WHERE r.grp <> ''c'' GROUP BY r.design, r.grp, st, s.spec
	           UNION ALL
	           SELECT r.design, ''all'', st, barometer.chisq(item, c2, w, repw, s.spec::barometer.replicates, st) x
	           FROM rdpar r JOIN specs s USING (design), unnest(ARRAY[''F'', ''Chisq'', ''Wald'', ''adjWald'']) st
	           GROUP BY r.design, st, s.spec'),
	('distr', 'SELECT r.design, r.grp, barometer.distribution(item, ''{1,2,3,4}'', NULL, w, repw, s.spec::barometer.replicates) d
	           FROM rdpar r JOIN specs s USING (design) GROUP BY r.design, r.grp, s.spec');
SET LOCAL max_parallel_workers_per_gather = 0;
DO $$ BEGIN
	EXECUTE 'CREATE TEMP TABLE ser_chi AS ' || (SELECT q FROM par_q WHERE k = 'chisq');
	EXECUTE 'CREATE TEMP TABLE ser_dist AS ' || (SELECT q FROM par_q WHERE k = 'distr');
END $$;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT ok(pg_temp.partial(q), k || ': the plan has a Partial Aggregate') FROM par_q ORDER BY k;
DO $$ BEGIN
	EXECUTE 'CREATE TEMP TABLE par_chi AS ' || (SELECT q FROM par_q WHERE k = 'chisq');
	EXECUTE 'CREATE TEMP TABLE par_dist AS ' || (SELECT q FROM par_q WHERE k = 'distr');
END $$;
RESET max_parallel_workers_per_gather;
SELECT is((SELECT count(*) FROM ser_chi), 36::bigint, 'chisq: 3 designs x 3 domains x 4 statistics');
SELECT ok(pg_temp.near((p.x).statistic, (s.x).statistic, 1e-12) AND pg_temp.near((p.x).ndf, (s.x).ndf, 1e-12)
          AND pg_temp.near((p.x).ddf, (s.x).ddf, 1e-12) AND pg_temp.near((p.x).p_value, (s.x).p_value, 1e-11),
          'parallel chisq ' || s.design || ' ' || s.grp || ' ' || s.st || ' = one pass')
FROM ser_chi s JOIN par_chi p USING (design, grp, st) ORDER BY s.design, s.grp, s.st;
-- 40 copies of every row: the same rank, so the Wald ddf is R's degf of the group
SELECT ok((p.x).ddf = e.value, 'parallel chisq ' || p.design || ' ' || p.grp || ': Wald ddf = degf(group) = ' || e.value)
FROM par_chi p JOIN rx e ON e.design = p.design AND e.domain = p.grp AND e.what = 'design' AND e.quantity = 'degf'
WHERE p.st = 'Wald' ORDER BY p.design, p.grp;
SELECT ok(barometer.replicate_rank(barometer.category(p.d, 1)) = barometer.replicate_rank(barometer.category(s.d, 1))
          AND (SELECT bool_and(x.df = y.df) FROM barometer.report(p.d) x JOIN barometer.report(s.d) y USING (category)),
          'parallel distribution ' || s.design || ' ' || s.grp || ': rank and df of one pass')
FROM ser_dist s JOIN par_dist p USING (design, grp) ORDER BY s.design, s.grp;
SELECT ok((SELECT t.ddf FROM par_dist a, par_dist b, barometer.distribution_test(a.d, b.d, 'domains') t
           WHERE a.design = x.des AND b.design = x.des AND a.grp = 'b' AND b.grp = 'c') =
          (SELECT value FROM rx WHERE design = x.des AND what = 'dtest' AND domain = 'bc' AND quantity = 'ddf'),
          'parallel distributions ' || x.des || ': distribution_test b, c ddf = degf(b + c)')
FROM unnest(ARRAY['bootstrap', 'jk1', 'jkn']) x(des);

SELECT * FROM finish();
ROLLBACK;
