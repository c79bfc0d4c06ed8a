\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- Whole distributions (barometer.distribution) against R survey 4.1.1:
-- proportions, full covariance matrices and degrees of freedom of the whole
-- sample and of domains (one of them inside a single PSU), the Wald tests of
-- two groups (domains, with the cross-covariance) and of two editions
-- (independent), for every design kind (test/fixtures/distr_*.csv, made by
-- test/fixtures/make_distribution_fixtures.R); then the equivalences
-- (category = single tally bit for bit, merge = direct, parallel = serial,
-- text and binary round trips) and the errors.

BEGIN;
SET LOCAL extra_float_digits = 3;

CREATE TEMP TABLE distr_data (
    dataset text, id integer, stratum integer, psu integer, ssu integer, item integer,
    w double precision, fpc1 double precision, fpc2 double precision, fpcs double precision,
    dom text, repw double precision[]
);
\copy distr_data FROM 'test/fixtures/distr_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE distr_expected (
    design text, denom text, domain text, quantity text, i integer, j integer,
    value double precision
);
\copy distr_expected FROM 'test/fixtures/distr_expected.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE distr_tests (
    design text, denom text, relation text, quantity text, value double precision
);
\copy distr_tests FROM 'test/fixtures/distr_tests.csv' WITH (FORMAT csv, HEADER true)

-- the whole-sample design columns, before any grouping
CREATE TEMP TABLE prep AS
SELECT d.*,
       count(*) OVER (PARTITION BY d.dataset) AS n_sample,
       count(*) OVER (PARTITION BY d.dataset, d.stratum) AS n_stratum,
       barometer.psu_count(d.psu) OVER (PARTITION BY d.dataset, d.stratum) AS n_psu,
       barometer.psu_count(d.ssu) OVER (PARTITION BY d.dataset, d.stratum, d.psu) AS n_ssu
  FROM distr_data d;

CREATE TEMP TABLE denoms (denom text, cats integer[], excl integer[]);
INSERT INTO denoms VALUES ('all', '{1,2,3,4,5,9}', NULL), ('excl', '{1,2,3,4,5}', '{9}');

-- one distribution per (design, denom, domain); domain 'all' is the whole sample
CREATE TEMP TABLE got (design text, denom text, domain text, d barometer.distribution);

INSERT INTO got
SELECT 'weights', n.denom, 'all', barometer.distribution(item, n.cats, n.excl, w ORDER BY id)
  FROM prep p, denoms n WHERE p.dataset = 'main' GROUP BY n.denom
UNION ALL
SELECT 'weights', n.denom, p.dom, barometer.distribution(item, n.cats, n.excl, w, n_sample ORDER BY id)
  FROM prep p, denoms n WHERE p.dataset = 'main' GROUP BY n.denom, p.dom;

INSERT INTO got
SELECT 'cluster', n.denom, coalesce(p.dom, 'all'),
       barometer.distribution(item, n.cats, n.excl, w, stratum, psu, n_psu, fpc1 ORDER BY id)
  FROM prep p, denoms n WHERE p.dataset = 'main'
 GROUP BY GROUPING SETS ((n.denom, p.dom), (n.denom));

INSERT INTO got
SELECT 'cluster2', n.denom, coalesce(p.dom, 'all'),
       barometer.distribution(item, n.cats, n.excl, w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2,
                              'fail' ORDER BY id)
  FROM prep p, denoms n WHERE p.dataset = 'main'
 GROUP BY GROUPING SETS ((n.denom, p.dom), (n.denom));

INSERT INTO got
SELECT 'stratified', n.denom, coalesce(p.dom, 'all'),
       barometer.distribution_stratified(item, n.cats, n.excl, w, stratum, n_stratum, fpcs ORDER BY id)
  FROM prep p, denoms n WHERE p.dataset = 'main'
 GROUP BY GROUPING SETS ((n.denom, p.dom), (n.denom));

INSERT INTO got
SELECT 'lonely_' || l.pol, n.denom, coalesce(p.dom, 'all'),
       barometer.distribution(item, n.cats, n.excl, w, stratum, psu, n_psu, fpc1, l.pol ORDER BY id)
  FROM prep p, denoms n, (VALUES ('remove'), ('certainty'), ('adjust'), ('average')) l(pol)
 WHERE p.dataset = 'lonely'
 GROUP BY GROUPING SETS ((l.pol, n.denom, p.dom), (l.pol, n.denom));

INSERT INTO got
SELECT 'jk1', n.denom, coalesce(p.dom, 'all'),
       barometer.distribution(item, n.cats, n.excl, w, repw, barometer.replicates('jk1') ORDER BY id)
  FROM prep p, denoms n WHERE p.dataset = 'main'
 GROUP BY GROUPING SETS ((n.denom, p.dom), (n.denom));

-- the values R gave, beside barometer's
CREATE TEMP TABLE cmp AS
SELECT e.*,
       CASE e.quantity
           WHEN 'p' THEN (barometer.estimates(g.d))[e.i]
           WHEN 'v' THEN (barometer.vcov(g.d))[e.i][e.j]
           WHEN 'df' THEN barometer.df(barometer.category(g.d, 1))
       END AS actual
  FROM distr_expected e JOIN got g USING (design, denom, domain)
 -- R's degf of a replicate subset is the rank of its replicate weights; a
 -- tally keeps the design's df (README, replicate weights)
 WHERE NOT (e.design = 'jk1' AND e.quantity = 'df' AND e.domain <> 'all');

SELECT plan(
    (SELECT count(DISTINCT (design, denom, domain, quantity))::integer FROM cmp) + 1
    + (SELECT count(DISTINCT (design, denom, relation))::integer FROM distr_tests) + 1
    + 65);

SELECT is((SELECT count(*) FROM cmp WHERE actual IS NULL), 0::bigint,
          'every expected value has a value from barometer');

-- relative 1e-9; entries that are zero in exact arithmetic (the domain c
-- inside one PSU has score totals of zero: R's are rounding noise near
-- 1e-19) within 1e-15 absolute, 1e-12 of the variances here
SELECT ok(bool_and(abs(actual - value) <= 1e-9 * abs(value) OR abs(actual - value) <= 1e-15),
          format('%s %s %s %s: %s values, largest relative difference %s (entries above 1e-15)',
                 design, denom, domain, quantity, count(*),
                 coalesce(max(abs(actual - value) / abs(value)) FILTER (WHERE abs(value) > 1e-15), 0)))
  FROM cmp GROUP BY design, denom, domain, quantity ORDER BY design, denom, domain, quantity;

-- the tests of groups a and b: domains (cross-covariance), independent, and
-- svychisq (distribution_chisq) with each statistic
CREATE TEMP TABLE tcmp AS
SELECT t.*, CASE t.quantity WHEN 'chisq' THEN (r).chisq WHEN 'p_chisq' THEN (r).p_chisq
                            WHEN 'f' THEN (r).f WHEN 'ddf' THEN (r).ddf WHEN 'p_f' THEN (r).p_f END AS actual
  FROM distr_tests t
  JOIN (SELECT a.design, a.denom, rel.relation, barometer.distribution_test(a.d, b.d, rel.relation) AS r
          FROM got a JOIN got b ON a.design = b.design AND a.denom = b.denom
                               AND a.domain = 'a' AND b.domain = 'b',
               (VALUES ('domains'), ('independent')) rel(relation)) x
       USING (design, denom, relation)
UNION ALL
SELECT t.*, CASE t.quantity WHEN 'statistic' THEN (r).statistic WHEN 'ndf' THEN (r).ndf
                            WHEN 'ddf' THEN (r).ddf WHEN 'p_value' THEN (r).p_value END
  FROM distr_tests t
  JOIN (SELECT a.design, a.denom, 'chisq_' || st.s AS relation,
               barometer.distribution_chisq(a.d, b.d, st.s) AS r
          FROM got a JOIN got b ON a.design = b.design AND a.denom = b.denom
                               AND a.domain = 'a' AND b.domain = 'b',
               (VALUES ('F'), ('Chisq'), ('Wald'), ('adjWald')) st(s)
         WHERE a.design IN ('cluster', 'jk1') OR a.design LIKE 'lonely%') x
       USING (design, denom, relation);

SELECT is((SELECT count(*) FROM tcmp WHERE actual IS NULL), 0::bigint,
          'every expected test value has a value from barometer');
SELECT ok(max(abs(actual - value) / abs(value)) <= 1e-9,
          format('%s %s %s: %s values, largest relative difference %s',
                 design, denom, relation, count(*), max(abs(actual - value) / abs(value))))
  FROM tcmp GROUP BY design, denom, relation ORDER BY design, denom, relation;

-------------------------------------------------------------------------------
-- Equivalences
-------------------------------------------------------------------------------

-- each category's tally is the single tally of the indicator, bit for bit
-- (the stored text holds every sum exactly), for every design
SELECT is(count(*) FILTER (WHERE a IS DISTINCT FROM b), 0::bigint,
          'cluster: category(distribution, k) = tally(item = k, ...) for every k and domain, bit for bit')
  FROM (SELECT barometer.category(barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1 ORDER BY id), k)::text AS a,
               barometer.tally(CASE WHEN item = 9 THEN NULL ELSE item = k END, w, stratum, psu, n_psu, fpc1 ORDER BY id)::text AS b
          FROM prep, generate_series(1, 5) k WHERE dataset = 'main' GROUP BY dom, k) x;
SELECT is(count(*) FILTER (WHERE a IS DISTINCT FROM b), 0::bigint,
          'weights: category = tally(item = k, w), whole sample, bit for bit')
  FROM (SELECT barometer.category(barometer.distribution(item, '{1,2,3,4,5,9}', NULL, w ORDER BY id), k)::text AS a,
               barometer.tally(item = k, w ORDER BY id)::text AS b
          FROM prep, unnest('{1,2,3,4,5,9}'::int[]) k WHERE dataset = 'main' GROUP BY k) x;
SELECT is(count(*) FILTER (WHERE a IS DISTINCT FROM b), 0::bigint,
          'weights domain: category = tally(item = k, w, n_sample), bit for bit')
  FROM (SELECT barometer.category(barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, n_sample ORDER BY id), k)::text AS a,
               barometer.tally(CASE WHEN item = 9 THEN NULL ELSE item = k END, w, n_sample ORDER BY id)::text AS b
          FROM prep, generate_series(1, 5) k WHERE dataset = 'main' GROUP BY dom, k) x;
SELECT is(count(*) FILTER (WHERE a IS DISTINCT FROM b), 0::bigint,
          'cluster2: category = tally, bit for bit')
  FROM (SELECT barometer.category(barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, 'fail' ORDER BY id), k)::text AS a,
               barometer.tally(CASE WHEN item = 9 THEN NULL ELSE item = k END, w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, 'fail' ORDER BY id)::text AS b
          FROM prep, generate_series(1, 5) k WHERE dataset = 'main' GROUP BY dom, k) x;
SELECT is(count(*) FILTER (WHERE a IS DISTINCT FROM b), 0::bigint,
          'stratified: category = tally_stratified, bit for bit')
  FROM (SELECT barometer.category(barometer.distribution_stratified(item, '{1,2,3,4,5}', '{9}', w, stratum, n_stratum, fpcs ORDER BY id), k)::text AS a,
               barometer.tally_stratified(CASE WHEN item = 9 THEN NULL ELSE item = k END, w, stratum, n_stratum, fpcs ORDER BY id)::text AS b
          FROM prep, generate_series(1, 5) k WHERE dataset = 'main' GROUP BY dom, k) x;
SELECT is(count(*) FILTER (WHERE a IS DISTINCT FROM b), 0::bigint,
          'jk1: category = tally(item = k, w, repw, spec), bit for bit')
  FROM (SELECT barometer.category(barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, repw, barometer.replicates('jk1') ORDER BY id), k)::text AS a,
               barometer.tally(CASE WHEN item = 9 THEN NULL ELSE item = k END, w, repw, barometer.replicates('jk1') ORDER BY id)::text AS b
          FROM prep, generate_series(1, 5) k WHERE dataset = 'main' GROUP BY dom, k) x;
SELECT is(count(*) FILTER (WHERE a IS DISTINCT FROM b), 0::bigint,
          'lonely adjust: category = tally, bit for bit')
  FROM (SELECT barometer.category(barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1, 'adjust' ORDER BY id), k)::text AS a,
               barometer.tally(CASE WHEN item = 9 THEN NULL ELSE item = k END, w, stratum, psu, n_psu, fpc1, 'adjust' ORDER BY id)::text AS b
          FROM prep, generate_series(1, 5) k WHERE dataset = 'lonely' GROUP BY dom, k) x;

-- many items at once: element m of the array form = the one-item aggregate, bit for bit
CREATE TEMP TABLE wide AS
SELECT p.*, ARRAY[item, CASE WHEN item = 9 THEN 1 ELSE 6 - item END, CASE WHEN id % 3 = 0 THEN NULL ELSE 9 END] AS items
  FROM prep p WHERE dataset = 'main';
SELECT is(count(*) FILTER (WHERE (g.a)[m]::text IS DISTINCT FROM g.b[m]), 0::bigint,
          'array form: element m = distribution(items[m], ...) for 3 items x 4 groups, bit for bit')
  FROM (SELECT dom, barometer.distribution(items, '{1,2,3,4,5}', '{9}', w, n_sample ORDER BY id) AS a,
               ARRAY[barometer.distribution(items[1], '{1,2,3,4,5}', '{9}', w, n_sample ORDER BY id)::text,
                     barometer.distribution(items[2], '{1,2,3,4,5}', '{9}', w, n_sample ORDER BY id)::text,
                     barometer.distribution(items[3], '{1,2,3,4,5}', '{9}', w, n_sample ORDER BY id)::text] AS b
          FROM wide GROUP BY ROLLUP (dom)) g, generate_series(1, 3) m;
SELECT is(count(*) FILTER (WHERE (g.a)[m]::text IS DISTINCT FROM g.b[m]), 0::bigint,
          'array form without n_sample: element m = distribution(items[m], ...), bit for bit')
  FROM (SELECT barometer.distribution(items, '{1,2,3,4,5,9}', NULL, w ORDER BY id) AS a,
               ARRAY[barometer.distribution(items[1], '{1,2,3,4,5,9}', NULL, w ORDER BY id)::text,
                     barometer.distribution(items[2], '{1,2,3,4,5,9}', NULL, w ORDER BY id)::text,
                     barometer.distribution(items[3], '{1,2,3,4,5,9}', NULL, w ORDER BY id)::text] AS b
          FROM wide) g, generate_series(1, 3) m;
SELECT throws_ok($$SELECT barometer.distribution(CASE WHEN id < 5 THEN ARRAY[item] ELSE ARRAY[item, item] END, '{1,2,3,4,5,9}', NULL, w) FROM wide$$,
                 '2202E', 'the arrays of items differ in length between rows', 'array form: arrays of different lengths');

-- the diagonal of vcov is each category tally's variance, exactly; the
-- readers of report() are the tally readers
SELECT is(count(*) FILTER (WHERE (barometer.vcov(d))[k][k] IS DISTINCT FROM
                                 barometer.variance(barometer.category(d, (barometer.categories(d))[k]))),
          0::bigint, 'vcov diagonal = variance of each category tally, every design and domain')
  FROM got, generate_series(1, 5) k;
SELECT is(count(*) FILTER (WHERE r.se IS DISTINCT FROM barometer.se(barometer.category(g.d, r.category))
                              OR r.ci_lower IS DISTINCT FROM barometer.ci_lower(barometer.category(g.d, r.category))
                              OR r.ci_upper IS DISTINCT FROM barometer.ci_upper(barometer.category(g.d, r.category))
                              OR r.estimate IS DISTINCT FROM barometer.estimate(barometer.category(g.d, r.category))),
          0::bigint, 'report(d): estimate, se and the default (Korn-Graubard) interval of each category tally')
  FROM got g, barometer.report(g.d) r;
SELECT is(count(*) FILTER (WHERE r.ci_lower IS DISTINCT FROM barometer.ci_lower(barometer.category(g.d, r.category), 0.9, 'xlogit')),
          0::bigint, 'report(d, 0.9, ''xlogit''): the method reaches every category')
  FROM got g, barometer.report(g.d, 0.9, 'xlogit') r;
-- proportions add up to 1
SELECT ok(max(abs((SELECT sum(x) FROM unnest(barometer.estimates(d)) x) - 1)) < 1e-14,
          'the proportions of every distribution add up to 1')
  FROM got;
-- rows of vcov add up to 0 (the proportions add up to a constant)
SELECT ok(max(abs(s) / sqrt(v)) < 1e-9, 'every row of every vcov adds up to 0 (relative to the SE)')
  FROM (SELECT g.design, k, (SELECT sum(x) FROM unnest((barometer.vcov(g.d))[k:k]) x) AS s,
               (barometer.vcov(g.d))[k][k] AS v
          FROM got g, generate_series(1, 5) k WHERE g.domain <> 'c' OR g.design NOT LIKE '%') y
 WHERE v > 0;

-- merge = direct: distributions of disjoint groups of rows, merged, give
-- the direct distribution's sums (the double-double sums agree to their
-- last bits only up to the order of addition: compare what readers see)
CREATE TEMP TABLE merged AS
SELECT 'cluster' AS design,
       (SELECT barometer.merge(x) FROM (SELECT barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1 ORDER BY id) x
                                          FROM prep WHERE dataset = 'main' GROUP BY stratum) s) AS m,
       (SELECT barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1 ORDER BY id)
          FROM prep WHERE dataset = 'main') AS d
UNION ALL
SELECT 'cluster2',
       (SELECT barometer.merge(x) FROM (SELECT barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, 'fail' ORDER BY id) x
                                          FROM prep WHERE dataset = 'main' GROUP BY psu) s),
       (SELECT barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, 'fail' ORDER BY id)
          FROM prep WHERE dataset = 'main')
UNION ALL
SELECT 'jk1',
       (SELECT barometer.merge(x) FROM (SELECT barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, repw, barometer.replicates('jk1')) x
                                          FROM prep WHERE dataset = 'main' GROUP BY psu % 3) s),
       (SELECT barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, repw, barometer.replicates('jk1'))
          FROM prep WHERE dataset = 'main')
UNION ALL
SELECT 'stratified',
       (SELECT barometer.merge(x) FROM (SELECT barometer.distribution_stratified(item, '{1,2,3,4,5,9}', NULL, w, stratum, n_stratum, fpcs ORDER BY id) x
                                          FROM prep WHERE dataset = 'main' GROUP BY stratum, id % 2) s),
       (SELECT barometer.distribution_stratified(item, '{1,2,3,4,5,9}', NULL, w, stratum, n_stratum, fpcs ORDER BY id)
          FROM prep WHERE dataset = 'main')
UNION ALL
SELECT 'weights',
       (SELECT barometer.merge(x) FROM (SELECT barometer.distribution(item, '{1,2,3,4,5,9}', NULL, w, n_sample ORDER BY id) x
                                          FROM prep WHERE dataset = 'main' GROUP BY dom) s),
       (SELECT barometer.distribution(item, '{1,2,3,4,5,9}', NULL, w, n_sample ORDER BY id)
          FROM prep WHERE dataset = 'main');
SELECT ok((SELECT max(abs(a - b) / abs(b)) FROM unnest(barometer.estimates(m), barometer.estimates(d)) u(a, b)) <= 1e-15
          AND (SELECT max(abs(a - b) / abs(b)) FROM unnest(barometer.vcov(m), barometer.vcov(d)) u(a, b)) <= 1e-12
          AND barometer.n(barometer.category(m, 1)) = barometer.n(barometer.category(d, 1))
          AND barometer.df(barometer.category(m, 1)) = barometer.df(barometer.category(d, 1)),
          format('merge(%s distributions of disjoint groups) = the direct distribution (estimates, vcov, n, df)', design))
  FROM merged ORDER BY design;

-- text and binary round trips, bit for bit
SELECT is(count(*) FILTER (WHERE d::text::barometer.distribution::text IS DISTINCT FROM d::text), 0::bigint,
          'text round trip of every distribution')
  FROM got;
-- binary: COPY ... FROM a binary file holding one row with one field
CREATE TEMP TABLE bin_d (v barometer.distribution);
\ir ../lib/binary_copy.sql
CREATE FUNCTION pg_temp.load(payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE pg_temp.binary_copy('bin_d', payload);
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $f$;
CREATE FUNCTION pg_temp.text_state(lit text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	PERFORM lit::barometer.distribution;
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $f$;
SELECT is(count(*) FILTER (WHERE pg_temp.load(barometer.distribution_send(d)) IS NOT NULL), 0::bigint,
          'the binary form of every distribution loads')
  FROM got;
SELECT is((SELECT count(*) FROM bin_d b JOIN got g ON b.v::text = g.d::text), (SELECT count(*) FROM got),
          'binary round trip of every distribution, bit for bit');
SELECT is(string_agg(DISTINCT coalesce(pg_temp.load(substr(p, 1, k)), 'accepted'), ','), '22P03',
          'every truncation of a binary distribution: 22P03')
  FROM (SELECT barometer.distribution_send(d) AS p FROM got WHERE design = 'cluster2' AND denom = 'excl' AND domain = 'c') x,
       generate_series(0, length(p) - 1, 7) k;
-- parallel = serial (a real table: temporary ones stay out of workers)
CREATE TABLE distr_par AS SELECT * FROM prep WHERE dataset = 'main';
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
ALTER TABLE distr_par SET (parallel_workers = 2);
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
	RETURN acc;
END $$;
SELECT matches(pg_temp.plan_of($$SELECT barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1) FROM distr_par$$),
               'Partial Aggregate', 'the clustered distribution runs as a Partial Aggregate');
CREATE TEMP TABLE par AS
SELECT 'cluster' AS design, barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1) AS d FROM distr_par
UNION ALL SELECT 'weights', barometer.distribution(item, '{1,2,3,4,5,9}', NULL, w) FROM distr_par
UNION ALL SELECT 'jk1', barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, repw, barometer.replicates('jk1')) FROM distr_par
UNION ALL SELECT 'stratified', barometer.distribution_stratified(item, '{1,2,3,4,5}', '{9}', w, stratum, n_stratum, fpcs) FROM distr_par
UNION ALL SELECT 'array', (barometer.distribution(ARRAY[item, 6 - item], '{1,2,3,4,5}', '{9,-3}', w, n_sample))[2] FROM distr_par;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE ser AS
SELECT 'cluster' AS design, barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, stratum, psu, n_psu, fpc1) AS d FROM distr_par
UNION ALL SELECT 'weights', barometer.distribution(item, '{1,2,3,4,5,9}', NULL, w) FROM distr_par
UNION ALL SELECT 'jk1', barometer.distribution(item, '{1,2,3,4,5}', '{9}', w, repw, barometer.replicates('jk1')) FROM distr_par
UNION ALL SELECT 'stratified', barometer.distribution_stratified(item, '{1,2,3,4,5}', '{9}', w, stratum, n_stratum, fpcs) FROM distr_par
UNION ALL SELECT 'array', (barometer.distribution(ARRAY[item, 6 - item], '{1,2,3,4,5}', '{9,-3}', w, n_sample))[2] FROM distr_par;
-- the sums are exact (double-double), so the order of the rows does not show
SELECT is((SELECT count(*) FROM par p JOIN ser s USING (design)
            WHERE barometer.estimates(p.d) = barometer.estimates(s.d)
              AND barometer.n(barometer.category(p.d, 1)) = barometer.n(barometer.category(s.d, 1))), 5::bigint,
          'parallel = serial: estimates and n of five designs (one an array form)');
SELECT ok((SELECT max(abs(a - b) / abs(b)) FROM par p JOIN ser s USING (design),
                  unnest(barometer.vcov(p.d), barometer.vcov(s.d)) u(a, b)) <= 1e-13,
          'parallel = serial: vcov of five designs');

-------------------------------------------------------------------------------
-- Publication status: suppressed together
-------------------------------------------------------------------------------
SELECT is((SELECT count(DISTINCT status) FROM barometer.publication_status(d)), 1::bigint,
          'domain c (one PSU, n 13): every category has the same status')
  FROM got WHERE design = 'cluster' AND denom = 'excl' AND domain = 'c';
SELECT is((SELECT string_agg(DISTINCT status, ',') FROM barometer.publication_status(d)), 'suppress',
          'domain c: the distribution is suppressed as a whole')
  FROM got WHERE design = 'cluster' AND denom = 'excl' AND domain = 'c';
SELECT ok((SELECT bool_and(reason_en LIKE 'suppressed together with another category%' OR
                           (barometer.publication_status(barometer.category(d, category))).status = 'suppress')
             FROM barometer.publication_status(d)),
          'a category suppressed only because of another says so')
  FROM got WHERE design = 'cluster' AND denom = 'all' AND domain = 'c';
SELECT is((SELECT array_agg(status ORDER BY category) FROM barometer.publication_status(d)),
          (SELECT array_agg((barometer.publication_status(barometer.category(d, k))).status ORDER BY k)
             FROM unnest(barometer.categories(d)) k),
          'nothing suppressed: each category keeps its own status')
  FROM got WHERE design = 'weights' AND denom = 'all' AND domain = 'all';

-------------------------------------------------------------------------------
-- Errors
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT barometer.distribution(item, '{1,2,3}', NULL, w) FROM prep$$, '22023',
                 'item value 4 is not a category of the distribution', 'a value outside the categories');
SELECT throws_ok($$SELECT barometer.distribution(item, NULL, NULL, w) FROM prep$$, '22023',
                 'categories must not be NULL', 'NULL categories');
SELECT throws_ok($$SELECT barometer.distribution(item, '{1,2,2}', NULL, w) FROM prep$$, '22023',
                 'invalid categories of a distribution', 'a category twice');
SELECT throws_ok($$SELECT barometer.distribution(item, '{1,2,3,4,5}', '{5,9}', w) FROM prep$$, '22023',
                 'invalid categories of a distribution', 'a code both category and excluded');
SELECT throws_ok($$SELECT barometer.distribution(item, CASE WHEN id < 5 THEN '{1,2,3,4,5,9}'::int[] ELSE '{9,1,2,3,4,5}' END, NULL, w) FROM prep$$,
                 '22023', 'categories or excluded codes differ between rows', 'categories that change');
SELECT throws_ok($$SELECT barometer.distribution(item, '{1,2,3,4,5,9}', NULL, -1.0) FROM prep$$, '22023',
                 'weight must not be negative', 'a negative weight');
SELECT throws_ok($$SELECT barometer.vcov(barometer.distribution(item, '{1,2,3,4,5,9}', NULL, w, stratum, psu, n_psu, fpc1)) FROM prep WHERE dataset = 'lonely'$$,
                 '22023', 'stratum with only one PSU: 4', 'a lonely PSU under fail, as R');
SELECT throws_ok($$SELECT barometer.category(d, 7) FROM got LIMIT 1$$, '22023',
                 '7 is not a category of the distribution', 'category() of another code');
SELECT throws_ok($$SELECT barometer.distribution_test(a.d, b.d) FROM got a, got b WHERE a.denom = 'all' AND b.denom = 'excl' LIMIT 1$$,
                 '22023', 'cannot compare distributions of different categories', 'a test of different categories');
SELECT throws_ok($$SELECT barometer.distribution_test(a.d, b.d, 'domains') FROM got a, got b WHERE a.design = 'cluster' AND b.design = 'jk1' AND a.denom = b.denom LIMIT 1$$,
                 '22023', 'distributions of different designs are not domains of one sample', 'domains of two designs');
SELECT throws_ok($$SELECT barometer.distribution_test(a.d, b.d, 'domains') FROM got a, got b WHERE a.design = 'weights' AND b.design = 'weights' AND a.domain = 'all' AND b.domain = 'all' AND a.denom = b.denom LIMIT 1$$,
                 '22023', 'weights-only distributions without n_sample are separate samples', 'weights-only domains without n_sample');
SELECT throws_ok($$SELECT barometer.distribution_chisq(a.d, b.d) FROM got a, got b WHERE a.design = 'weights' AND b.design = 'weights' AND a.domain = 'a' AND b.domain = 'b' AND a.denom = b.denom LIMIT 1$$,
                 '0A000', NULL, 'distribution_chisq of weights-only distributions: not supported');
SELECT throws_ok($$SELECT barometer.distribution_chisq(a.d, b.d, 'G') FROM got a, got b WHERE a.design = 'cluster' AND b.design = 'cluster' AND a.domain = 'a' AND b.domain = 'b' AND a.denom = b.denom LIMIT 1$$,
                 '22023', 'unknown statistic "G"', 'distribution_chisq: an unknown statistic');
SELECT is((SELECT round((barometer.distribution_chisq(a.d, b.d)).statistic::numeric, 10) FROM got a, got b WHERE a.design = 'cluster' AND b.design = 'cluster' AND a.domain = 'a' AND b.domain = 'b' AND a.denom = 'excl' AND b.denom = 'excl'),
          (SELECT round((barometer.chisq(item, dom, w, stratum, psu, n_psu, fpc1)).statistic::numeric, 10) FROM prep WHERE dataset = 'main' AND dom IN ('a', 'b') AND item <> 9),
          'distribution_chisq = barometer.chisq on the rows of the two groups');
SELECT throws_ok($$SELECT barometer.distribution_test(a.d, a.d, 'domains') FROM got a WHERE design = 'stratified' AND domain = 'a' LIMIT 1$$,
                 '22023', 'the distributions are not domains of one design', 'stratified domains that overlap');
SELECT throws_ok($$SELECT barometer.distribution_test(d, d, 'domains') FROM (SELECT barometer.distribution(item, '{1,2,3,4,5,9}', NULL, w, n_sample) AS d FROM prep WHERE dataset = 'main' AND dom <> 'c') x$$,
                 '22023', 'the distributions are not domains of one design', 'weights-only domains with more rows than the sample');
SELECT throws_ok($$SELECT barometer.distribution_test(a.d, a.d, 'nested') FROM got a LIMIT 1$$,
                 '22023', 'unknown relation "nested"', 'an unknown relation');
SELECT throws_ok($$SELECT barometer.merge(d) FROM got WHERE design = 'cluster' AND domain = 'all'$$,
                 '22023', 'cannot merge distributions of different categories', 'merge of different categories');
SELECT throws_ok($$SELECT barometer.merge(d) FROM got WHERE design IN ('cluster', 'jk1') AND denom = 'all' AND domain = 'all'$$,
                 '22023', NULL, 'merge of different designs');
-- text input
SELECT throws_ok($$SELECT 'v2 categories={1} excluded={} {}'::barometer.distribution$$, '22P02',
                 'barometer.distribution value of a newer version', 'a newer version');
SELECT throws_ok($$SELECT 'v1 categories={1,1} excluded={} {x} {y}'::barometer.distribution$$, '22P02', NULL, 'a category twice (text)');
SELECT throws_ok($$SELECT 'v1 categories={} excluded={}'::barometer.distribution$$, '22P02', NULL, 'no category (text)');
SELECT throws_ok($$SELECT 'v1 categories={1,2} excluded={} {v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights}'::barometer.distribution$$,
                 '22P02', NULL, 'fewer tallies than categories');
SELECT throws_ok($$SELECT 'v1 categories={1,2} excluded={} {v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights} {v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights}'::barometer.distribution$$,
                 '22P02', 'invalid input syntax for type barometer.distribution', 'categories whose weights add up to twice the total');
SELECT throws_ok($$SELECT 'v1 categories={1,2} excluded={} {v2 proportion n=2 missing=0 positive=2 sw=2:0 swy=1:0 swyy=1:0 sww=2:0 swwy=1:0 swwyy=1:0 design=weights} {v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights}'::barometer.distribution$$,
                 '22P02', 'invalid input syntax for type barometer.distribution', 'category tallies of different rows');
SELECT is('v1 categories={1,2} excluded={9} {v2 proportion n=2 missing=1 positive=2 sw=3:0 swy=1:0 swyy=1:0 sww=5:0 swwy=1:0 swwyy=1:0 design=weights} {v2 proportion n=2 missing=1 positive=2 sw=3:0 swy=2:0 swyy=2:0 sww=5:0 swwy=4:0 swwyy=4:0 design=weights}'::barometer.distribution::text,
          'v1 categories={1,2} excluded={9} {v3 proportion n=2 missing=1 positive=2 true=unknown sw=3:0 swy=1:0 swyy=1:0 sww=5:0 swwy=1:0 swwyy=1:0 design=weights} {v3 proportion n=2 missing=1 positive=2 true=unknown sw=3:0 swy=2:0 swyy=2:0 sww=5:0 swwy=4:0 swwyy=4:0 design=weights}',
          'a hand-written distribution of version 2 tallies reads back with version 3 tallies (count of TRUE unknown)');

-- malformed text: 22P02 for every one of these
SELECT is(string_agg(DISTINCT st, ','), '22P02', 'every malformed text literal: 22P02')
  FROM (SELECT pg_temp.text_state(lit) AS st
          FROM unnest(ARRAY[
              '', 'v1', 'v1 ', 'v0 categories={1} excluded={}', 'v1 categories={1}',
              'v1 categories=1 excluded={}', 'v1 categories={a} excluded={}',
              'v1 categories={1,} excluded={}', 'v1 categories={1} excluded={} ',
              'v1 categories={1} excluded={}', 'v1 categories={1} excluded={} {',
              'v1 categories={1} excluded={} {x}', 'v1 categories={99999999999} excluded={} {x}',
              'v1 categories={1,2} excluded={2} {x} {y}',
              'v1 categories={1} excluded={} {v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights} x',
              'v1 categories={1} excluded={} {v2 mean n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights}',
              'v1 categories={1} excluded={} {v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights} {v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=0:0 swyy=0:0 sww=1:0 swwy=0:0 swwyy=0:0 design=weights}'
          ]) lit) x;
-- extremes read back: -0 and subnormal low parts, a zero-weight row
SELECT is(d::text, lit, 'a distribution with -0 and subnormal low parts reads back as written')
  FROM (SELECT 'v1 categories={7,-1} excluded={0} {v3 proportion n=3 missing=1 positive=2 true=1 sw=3:-0 swy=1:5e-324 swyy=1:5e-324 sww=5:0 swwy=1:0 swwyy=1:0 design=weights} {v3 proportion n=3 missing=1 positive=2 true=2 sw=3:-0 swy=2:-5e-324 swyy=2:-5e-324 sww=5:0 swwy=4:0 swwyy=4:0 design=weights}'::text AS lit) l,
       LATERAL (SELECT l.lit::barometer.distribution AS d) y;
-- binary: a version, a count and a tally that are wrong: 22P03
SELECT is(pg_temp.load('\x00000002'::bytea || substr(barometer.distribution_send(d), 5)), '22P03', 'binary: an unknown version')
  FROM got WHERE design = 'weights' AND denom = 'all' AND domain = 'all';
SELECT is(pg_temp.load('\x0000000100000000'::bytea || substr(barometer.distribution_send(d), 9)), '22P03', 'binary: no category')
  FROM got WHERE design = 'weights' AND denom = 'all' AND domain = 'all';
SELECT is(pg_temp.load(substr(barometer.distribution_send(d), 1, 16) || '\x00000001'::bytea || substr(barometer.distribution_send(d), 21)), '22P03',
          'binary: a category twice')
  FROM got WHERE design = 'weights' AND denom = 'all' AND domain = 'all';
SELECT is(pg_temp.load(barometer.distribution_send(d) || '\x00'::bytea), '22P03', 'binary: a byte too many')
  FROM got WHERE design = 'weights' AND denom = 'all' AND domain = 'all';

-- memory: states and matrices past barometer.max_state_bytes stop with 54000
SET LOCAL barometer.max_state_bytes = '64kB';
SELECT throws_ok($$SELECT barometer.vcov(barometer.distribution(id % 100 + 1, (SELECT array_agg(k) FROM generate_series(1, 100) k), NULL, w)) FROM prep$$,
                 '54000', NULL, 'a 100 x 100 covariance matrix past a 64kB limit: 54000');
SELECT throws_ok($$SELECT barometer.distribution(array_fill(item, ARRAY[200]), '{1,2,3,4,5}', '{9}', w) FROM prep$$,
                 '54000', NULL, 'the state of 200 items x 5 categories past a 64kB limit: 54000');
RESET barometer.max_state_bytes;

SELECT * FROM finish();
ROLLBACK;
