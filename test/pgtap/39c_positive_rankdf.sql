-- Stored form version 3 (issue 11 items 6 and 7): a proportion's count of
-- TRUE answers (n_true) and R's rank df as the default df of replicate
-- tallies.  Values against R survey 4.1.1 (test/fixtures/
-- make_stored_v3_fixtures.R: svrepdesign of as.svrepdesign's analysis
-- weights, JK1, JKn, bootstrap, BRR; domains all, a, b (5 PSUs), c (one
-- PSU: degf 0), bc), relative tolerance 1e-9; counts against plain SQL;
-- merges, tally_combine and parallel plans equal one pass; text and binary
-- forms round-trip and refuse malformed fields; values of earlier forms
-- read as before (count unknown: NULL; df R - 1).
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1
BEGIN;
SELECT plan(329);

CREATE TEMP TABLE v3rep (design text, id int, dom text, y boolean, w float8, repw float8[]);
\copy v3rep FROM 'test/fixtures/stored_v3_rep.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE v3exp (design text, domain text, what text, value float8);
\copy v3exp FROM 'test/fixtures/stored_v3_expected.csv' WITH (FORMAT csv, HEADER true)
-- the specs as text (barometer.replicates has no equality for GROUP BY)
CREATE TEMP TABLE specs (design text, spec text);
INSERT INTO specs VALUES ('jk1', barometer.replicates('jk1')::text),
	('jkn', barometer.replicates('jkn', rscales => array_fill(2.0::float8 / 3, ARRAY[18]))::text),
	('bootstrap', barometer.replicates('bootstrap')::text), ('brr', barometer.replicates('brr')::text);

-- |a - e| <= tol |e| (both NULL: equal)
CREATE FUNCTION pg_temp.near(a float8, e float8, tol float8 DEFAULT 1e-9) RETURNS boolean LANGUAGE sql AS $$
	SELECT CASE WHEN a IS NULL OR e IS NULL THEN a IS NULL AND e IS NULL
	            ELSE abs(a - e) <= tol * abs(e) OR (abs(e) < 1e-300 AND abs(a - e) <= 1e-12) END
$$;

CREATE TEMP TABLE cells AS
SELECT r.design, 'all'::text AS domain, barometer.tally(y, w, repw, s.spec::barometer.replicates) AS t,
       count(*) FILTER (WHERE y) AS n_true_sql
FROM v3rep r JOIN specs s USING (design) GROUP BY r.design, s.spec
UNION ALL
SELECT r.design, dom, barometer.tally(y, w, repw, s.spec::barometer.replicates), count(*) FILTER (WHERE y)
FROM v3rep r JOIN specs s USING (design) GROUP BY r.design, dom, s.spec
UNION ALL
SELECT r.design, 'bc', barometer.tally(y, w, repw, s.spec::barometer.replicates), count(*) FILTER (WHERE y)
FROM v3rep r JOIN specs s USING (design) WHERE dom IN ('b', 'c') GROUP BY r.design, s.spec;

SELECT is((SELECT count(*) FROM cells), 20::bigint, '4 designs x 5 domains');

-- ---- R's df and the intervals that use it, by default
SELECT ok(pg_temp.near(barometer.df(c.t), e.value, 0),
          c.design || ' ' || c.domain || ': df() = R''s degf(subset) = ' || e.value)
FROM cells c JOIN v3exp e ON e.design = c.design AND e.domain = c.domain AND e.what = 'degf'
ORDER BY c.design, c.domain;
SELECT ok(pg_temp.near(barometer.replicate_rank(c.t), e.value + 1, 0),
          c.design || ' ' || c.domain || ': replicate_rank = qr rank ' || (e.value + 1))
FROM cells c JOIN v3exp e ON e.design = c.design AND e.domain = c.domain AND e.what = 'degf'
ORDER BY c.design, c.domain;
SELECT ok(pg_temp.near(CASE e.what WHEN 'estimate' THEN barometer.estimate(c.t)
                                   WHEN 'se' THEN barometer.se(c.t)
                                   WHEN 'mean_lower' THEN barometer.ci_lower(c.t, 0.95, 'mean')
                                   WHEN 'mean_upper' THEN barometer.ci_upper(c.t, 0.95, 'mean')
                                   WHEN 'beta_lower' THEN barometer.ci_lower(c.t)
                                   WHEN 'beta_upper' THEN barometer.ci_upper(c.t) END, e.value),
          c.design || ' ' || c.domain || ': ' || e.what || ' = R (' || coalesce(e.value::text, 'NA') || ')')
FROM cells c JOIN v3exp e ON e.design = c.design AND e.domain = c.domain
WHERE e.what IN ('estimate', 'se', 'mean_lower', 'mean_upper', 'beta_lower', 'beta_upper')
ORDER BY c.design, c.domain, e.what;
-- report() and report_detail() carry the same df and interval
SELECT ok((r).df = barometer.df(c.t) AND (r).ci_lower IS NOT DISTINCT FROM barometer.ci_lower(c.t)
          AND (d).ci_df IS NOT DISTINCT FROM NULLIF(barometer.df(c.t), 0),
          c.design || ' ' || c.domain || ': report() and report_detail() use the rank df')
FROM (SELECT c.*, barometer.report(c.t) r, barometer.report_detail(c.t) d FROM cells c) c
ORDER BY c.design, c.domain;
-- the publication rule sees the rank df: the one-PSU domain has df 0
SELECT ok((SELECT (barometer.report(t)).df = 0 AND (barometer.report_detail(t)).ci_df IS NULL
                  AND barometer.ci_lower(t, 0.95, 'mean') IS NULL FROM cells WHERE design = 'bootstrap' AND domain = 'c'),
          'bootstrap, one-PSU domain: report df 0, no t interval (R - 1 = 59 before)');
-- a df given explicitly wins: the spec's, then the reader's argument
SELECT is((SELECT barometer.df(barometer.tally(y, w, repw, barometer.replicates('bootstrap', df => 7)))
           FROM v3rep WHERE design = 'bootstrap' AND dom = 'b'), 7::float8, 'spec df => 7 wins over the rank');
SELECT is((SELECT barometer.replicate_rank(barometer.tally(y, w, repw, barometer.replicates('bootstrap', df => 7)))
           FROM v3rep WHERE design = 'bootstrap' AND dom = 'b'), NULL, 'a spec df keeps no rank');
SELECT ok((SELECT barometer.ci_lower(t, 0.95, 'mean', 7) = barometer.ci_lower(
                  (SELECT barometer.tally(y, w, repw, barometer.replicates('bootstrap', df => 7)) FROM v3rep
                   WHERE design = 'bootstrap' AND dom = 'b'), 0.95, 'mean')
           FROM cells WHERE design = 'bootstrap' AND domain = 'b'),
          'the reader''s df argument wins over the rank (= a tally with spec df)');
SELECT ok((SELECT barometer.ci_lower(t, 0.95, 'mean', 'Infinity') > barometer.ci_lower(t, 0.95, 'mean')
           FROM cells WHERE design = 'jkn' AND domain = 'a'), 'df => Infinity still gives the normal quantile');

-- diff_test of two domains: R's svyttest df, degf of the two-domain subset - 1
SELECT is((barometer.diff_test(b.t, c.t, 'domains')).df, e.value - 1,
          b.design || ': diff_test(b, c, domains) df = degf(subset b + c) - 1 = ' || (e.value - 1))
FROM cells b JOIN cells c ON c.design = b.design AND c.domain = 'c'
     JOIN v3exp e ON e.design = b.design AND e.domain = 'bc' AND e.what = 'degf'
WHERE b.domain = 'b' ORDER BY b.design;
SELECT is((barometer.diff_test(b.t, a.t, 'part')).df, e.value - 1,
          b.design || ': diff_test(b, all, part) df = degf(all) - 1 = ' || (e.value - 1))
FROM cells b JOIN cells a ON a.design = b.design AND a.domain = 'all'
     JOIN v3exp e ON e.design = b.design AND e.domain = 'all' AND e.what = 'degf'
WHERE b.domain = 'b' ORDER BY b.design;

-- ---- merge() and tally_combine: the same df and count as one pass
SELECT ok((SELECT barometer.df(m) = barometer.df(a.t) AND barometer.replicate_rank(m) IS NOT DISTINCT FROM barometer.replicate_rank(a.t)
                  AND barometer.n_true(m) = barometer.n_true(a.t)
           FROM (SELECT barometer.merge(t) m FROM cells WHERE design = d AND domain IN ('a', 'b', 'c')) s,
                cells a WHERE a.design = d AND a.domain = 'all'),
          d || ': merge of the domains a, b, c = the whole sample (df, rank, n_true)')
FROM unnest(ARRAY['jk1', 'jkn', 'bootstrap', 'brr']) d;
SELECT ok((SELECT barometer.df(m) = barometer.df(a.t) AND barometer.replicate_rank(m) = barometer.replicate_rank(a.t)
           FROM (SELECT barometer.merge(t) m FROM cells WHERE design = d AND domain IN ('b', 'c')) s,
                cells a WHERE a.design = d AND a.domain = 'bc'),
          d || ': merge of two rank-deficient domains b, c = the domain bc in one pass')
FROM unnest(ARRAY['jk1', 'jkn', 'bootstrap', 'brr']) d;
SELECT ok((SELECT barometer.df(m) = barometer.df(a.t)
           FROM (SELECT barometer.merge(t ORDER BY k DESC) m FROM (SELECT k, barometer.tally(y, w, repw, s.spec::barometer.replicates) t
                 FROM v3rep r JOIN specs s USING (design), LATERAL (SELECT id % 7 AS k) kk
                 WHERE design = d GROUP BY k, s.spec) p) s, cells a WHERE a.design = d AND a.domain = 'all'),
          d || ': merge of 7 row slices in reverse order = one pass')
FROM unnest(ARRAY['jk1', 'jkn', 'bootstrap', 'brr']) d;
-- stored and read back before merging
SELECT ok((SELECT barometer.df(barometer.merge(t::text::barometer.tally)) = 4 FROM cells WHERE design = 'brr' AND domain IN ('b')),
          'a rank-deficient tally read from its text merges with its Gram matrix');

-- parallel aggregation (Partial Aggregate, serialize, combine)
CREATE TABLE v3par AS SELECT r.* FROM v3rep r, generate_series(1, 30) k WHERE design = 'bootstrap';
ANALYZE v3par;
CREATE FUNCTION pg_temp.plan_json() RETURNS SETOF json LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE 'EXPLAIN (FORMAT JSON) SELECT dom, barometer.tally(y, w, repw, barometer.replicates(''bootstrap'')) FROM v3par GROUP BY dom';
END $$;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT ok((SELECT count(*) > 0 FROM (SELECT pg_catalog.jsonb_path_query(j::jsonb, '$.**."Partial Mode"') pm
           FROM (SELECT pg_catalog.to_json(e) j FROM pg_temp.plan_json() e) x) y WHERE pm::text = '"Partial"'),
          'the replicate tally''s plan has a Partial Aggregate');
CREATE TEMP TABLE par_cells AS
SELECT dom, barometer.tally(y, w, repw, barometer.replicates('bootstrap')) t, count(*) FILTER (WHERE y) AS n_true_sql
FROM v3par GROUP BY dom;
CREATE TEMP TABLE par_lite AS
SELECT dom, barometer.tally(y, w) t, count(*) FILTER (WHERE y) AS n_true_sql FROM v3par GROUP BY dom;
RESET max_parallel_workers_per_gather;
SELECT ok((SELECT barometer.df(p.t) = barometer.df(c.t) FROM cells c WHERE c.design = 'bootstrap' AND c.domain = p.dom),
          'parallel plan, domain ' || p.dom || ': the rank df of one pass (30 copies of the rows: the same rank)')
FROM par_cells p ORDER BY dom;
SELECT is(barometer.n_true(t), n_true_sql, 'parallel plan, domain ' || dom || ': n_true = count(*) FILTER (WHERE y)')
FROM par_cells ORDER BY dom;
SELECT is(barometer.n_true(t), n_true_sql, 'parallel plan, weights only, domain ' || dom || ': n_true = SQL')
FROM par_lite ORDER BY dom;

-- ---- n_true: rows with y TRUE, any weight, NULLs apart
SELECT is(barometer.n_true(t), n_true_sql, design || ' ' || domain || ': n_true = count(*) FILTER (WHERE y)')
FROM cells ORDER BY design, domain;
CREATE TEMP TABLE nt AS
SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE i % 3 = 0 END AS y,
       CASE WHEN i % 5 = 0 THEN 0 ELSE 1 + i % 4 END::float8 AS w, i % 4 AS g,
       1 + i % 3 AS st, i % 9 AS psu, (i % 13)::float8 AS x
FROM generate_series(1, 400) i;
CREATE TEMP TABLE ntv AS SELECT nt.*, barometer.psu_count(psu) OVER (PARTITION BY st) AS n_psu, count(*) OVER () AS ns FROM nt;
SELECT is((SELECT array_agg(barometer.n_true(t) ORDER BY g) FROM (SELECT g, barometer.tally(y, w) t FROM nt GROUP BY g) s),
          (SELECT array_agg(c ORDER BY g) FROM (SELECT g, count(*) FILTER (WHERE y) c FROM nt GROUP BY g) s),
          'weights only: n_true per group = count(*) FILTER (WHERE y), zero weights included');
SELECT ok((SELECT barometer.n_true(t) = count_true AND barometer.n(t) = count_ans AND barometer.n_true(t) > (SELECT count(*) FROM nt WHERE y AND w > 0)
           FROM (SELECT barometer.tally(y, w) t, count(*) FILTER (WHERE y) count_true, count(y) count_ans FROM nt) s),
          'n_true counts zero-weight rows as n() does (n_true <= n; n_positive_weight excludes them)');
SELECT is((SELECT barometer.n_true(barometer.tally(y, w, ns)) FROM ntv WHERE g = 1), (SELECT count(*) FILTER (WHERE y) FROM nt WHERE g = 1),
          'weights_domain: n_true');
SELECT is((SELECT barometer.n_true(barometer.tally(y, w, st, psu, n_psu, NULL)) FROM ntv WHERE g = 2), (SELECT count(*) FILTER (WHERE y) FROM nt WHERE g = 2),
          'clustered: n_true');
SELECT is((SELECT barometer.n_true(barometer.tally_stratified(y, w, st, 200::bigint, NULL)) FROM nt WHERE g = 3),
          (SELECT count(*) FILTER (WHERE y) FROM nt WHERE g = 3), 'stratified: n_true');
SELECT is((SELECT barometer.n_true(barometer.merge(t)) FROM (SELECT barometer.tally(y, w, st, psu, n_psu, NULL) t FROM ntv GROUP BY g) s),
          (SELECT count(*) FILTER (WHERE y) FROM nt), 'merge of clustered domains: n_true adds exactly');
SELECT is((SELECT barometer.n_true(barometer.tally_combine(a, b)) FROM (SELECT barometer.tally(y, w) FILTER (WHERE g < 2) a,
                                                                             barometer.tally(y, w) FILTER (WHERE g >= 2) b FROM nt) s),
          (SELECT count(*) FILTER (WHERE y) FROM nt), 'tally_combine: n_true adds exactly');
SELECT is((SELECT barometer.n_true(barometer.tally(y, w)) FROM nt WHERE false), 0::bigint, 'no rows: n_true 0');
SELECT is((SELECT barometer.n_true(barometer.tally(x, w)) FROM nt), NULL, 'a mean: n_true NULL');
SELECT is((SELECT barometer.n_true(barometer.tally_ratio(x, x + 1, w)) FROM nt), NULL, 'a ratio: n_true NULL');
SELECT is((SELECT barometer.n_true(t) FROM (SELECT barometer.tally(y, w) t FROM nt) s),
          (SELECT barometer.n(t) - count_false FROM (SELECT barometer.tally(y, w) t, count(*) FILTER (WHERE NOT y) count_false FROM nt) s),
          'n - n_true = the FALSE answers');
SELECT is((SELECT array_agg(barometer.n_true(t) ORDER BY k) FROM (SELECT k, barometer.tally(b, 1.0) t FROM
           (VALUES (1, NULL::boolean), (1, NULL), (2, true), (2, NULL)) v(k, b) GROUP BY k) s), ARRAY[0, 1]::bigint[],
          'missing answers are not counted');

-- ---- the stored forms: round trips, bit for bit
SELECT is(barometer.tally_send(t::text::barometer.tally), barometer.tally_send(t), design || ' ' || domain || ': text round trip, same send bytes')
FROM cells ORDER BY design, domain;
SELECT ok((SELECT t::text ~ ' rank=5; r ' AND t::text ~ '; g ' FROM cells WHERE design = 'brr' AND domain = 'b'),
          'a rank below R writes the rank and the Gram matrix (g records)');
SELECT ok((SELECT t::text ~ ' rank=18; r ' AND t::text !~ '; g ' FROM cells WHERE design = 'jk1' AND domain = 'all'),
          'a full rank writes only the rank');
SELECT is((SELECT length(barometer.tally_send(t)) - length(barometer.tally_send(f)) FROM cells c,
                  (SELECT barometer.tally(y, w, repw, barometer.replicates('bootstrap', df => 59)) f FROM v3rep WHERE design = 'bootstrap' AND dom = 'b') s
           WHERE c.design = 'bootstrap' AND c.domain = 'b'), 8 * 60 * 61 / 2,
          'bootstrap of 60: the binary form carries 60 x 61 / 2 doubles for the Gram matrix (14,640 bytes)');
CREATE TEMP TABLE bin_t (v barometer.tally);
\ir ../lib/binary_copy.sql
CREATE FUNCTION pg_temp.load(payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE pg_temp.binary_copy('bin_t', payload);
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $f$;
SELECT is(pg_temp.load(barometer.tally_send(t)), NULL, design || ' ' || domain || ': its binary form loads')
FROM cells ORDER BY design, domain;
SELECT is((SELECT count(*) FROM bin_t b JOIN cells c ON barometer.tally_send(b.v) = barometer.tally_send(c.t)), 20::bigint,
          'every binary form read back is the same bytes');

-- ---- malformed fields: 22P02 (text), 22P03 (binary)
CREATE TEMP TABLE lit AS SELECT t::text AS s FROM cells WHERE design = 'brr' AND domain = 'b';
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, ' true=\d+', ' true=100000')), '22P02', NULL,
                 'true= above n: 22P02') FROM lit;
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, ' true=\d+', ' true=0')), '22P02', NULL,
                 'true=0 with a sum of w y: 22P02') FROM lit;
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, ' true=\d+', ' true=-1')), '22P02', NULL,
                 'true=-1 (write unknown): 22P02') FROM lit;
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, ' true=\d+', '')), '22P02', NULL,
                 'a version 3 proportion without true=: 22P02') FROM lit;
SELECT throws_ok($$SELECT 'v3 mean n=1 missing=0 positive=1 true=0 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights'::barometer.tally$$,
                 '22P02', NULL, 'true= on a mean: 22P02');
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, ' rank=5', ' rank=9')), '22P02', NULL,
                 'a rank above R (8): 22P02') FROM lit;
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, ' rank=5', ' rank=4')), '22P02', NULL,
                 'a rank that does not match its Gram matrix: 22P02') FROM lit;
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, ' rank=5', ' rank=8')), '22P02', NULL,
                 'rank 8 (full) followed by g records: 22P02') FROM lit;
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, '; g ([^ ;]+) [^ ;]+', '; g \1 1e300')), '22P02', NULL,
                 'a Gram entry above sqrt(g_ii g_jj) (not a Gram matrix): 22P02') FROM lit;
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, '; g ([^ ;]+)', '; g -1')), '22P02', NULL,
                 'a negative diagonal entry: 22P02') FROM lit;
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, '; g [^;]*$', '')), '22P02', NULL,
                 'a missing g record: 22P02') FROM lit;
SELECT throws_ok(format('SELECT %L::barometer.tally', regexp_replace(s, ' df=default', ' df=3')), '22P02', NULL,
                 'a rank with a spec df: 22P02') FROM lit;
SELECT lives_ok(format('SELECT %L::barometer.tally', regexp_replace(regexp_replace(s, ' rank=5', ' rank=none'), '; g .*$', '')),
                'rank=none without g records reads (df R - 1)') FROM lit;
SELECT is(barometer.df(regexp_replace(regexp_replace(s, ' rank=5', ' rank=none'), '; g .*$', '')::barometer.tally), 7::float8,
          'rank=none: df R - 1') FROM lit;
-- binary: n_true at bytes 37-44, the rank of a replicate section at 209-212
SELECT is(pg_temp.load(overlay(barometer.tally_send(t) PLACING int8send(100000) FROM 37 FOR 8)), '22P03',
          'binary: n_true above n') FROM cells WHERE design = 'brr' AND domain = 'b';
SELECT is(pg_temp.load(overlay(barometer.tally_send(t) PLACING int8send(-2) FROM 37 FOR 8)), '22P03',
          'binary: n_true -2') FROM cells WHERE design = 'brr' AND domain = 'b';
SELECT is(pg_temp.load(overlay(barometer.tally_send(t) PLACING int4send(9) FROM 209 FOR 4)), '22P03',
          'binary: a rank above R') FROM cells WHERE design = 'brr' AND domain = 'b';
SELECT is(pg_temp.load(overlay(barometer.tally_send(t) PLACING int4send(4) FROM 209 FOR 4)), '22P03',
          'binary: a rank that does not match the Gram matrix') FROM cells WHERE design = 'brr' AND domain = 'b';
SELECT is(pg_temp.load(overlay(barometer.tally_send(t) PLACING int4send(-2) FROM 209 FOR 4)), '22P03',
          'binary: a rank of -2') FROM cells WHERE design = 'brr' AND domain = 'b';
SELECT is(pg_temp.load(substr(barometer.tally_send(t), 1, length(barometer.tally_send(t)) - 8)), '22P03',
          'binary: a Gram matrix cut short') FROM cells WHERE design = 'brr' AND domain = 'b';

-- ---- values of earlier forms: count unknown, df R - 1, as stored
CREATE TEMP TABLE old AS
SELECT regexp_replace(regexp_replace(regexp_replace(t::text, '^v3 ', 'v2 '), ' true=\d+', ''), ' rank=\d+;.*$', '') AS s
FROM cells WHERE design = 'brr' AND domain = 'b';
-- the version 2 text: its replicate records (no rank, no g records)
UPDATE old SET s = s || (SELECT substring(t::text from '(; r .*?)(; g |$)') FROM cells WHERE design = 'brr' AND domain = 'b');
SELECT is(barometer.n_true(s::barometer.tally), NULL, 'a version 2 form: n_true NULL (unknown)') FROM old;
SELECT is(barometer.df(s::barometer.tally), 7::float8, 'a version 2 form: df R - 1 (7), as before') FROM old;
SELECT is(barometer.replicate_rank(s::barometer.tally), NULL, 'a version 2 form: no rank') FROM old;
SELECT ok(s::barometer.tally::text ~ '^v3 proportion .* true=unknown .* rank=none; r ', 'a version 2 form is written as version 3 with true=unknown, rank=none') FROM old;
SELECT is((s::barometer.tally::text)::barometer.tally::text, s::barometer.tally::text, 'true=unknown and rank=none round-trip') FROM old;
SELECT is(barometer.estimate(s::barometer.tally), barometer.estimate(t), 'a version 2 form: the same estimate')
FROM old, cells WHERE design = 'brr' AND domain = 'b';
-- merged with a version 3 tally: the count stays unknown, the df R - 1
SELECT is((SELECT barometer.n_true(barometer.merge(x)) FROM (SELECT s::barometer.tally x FROM old UNION ALL SELECT t FROM cells WHERE design = 'brr' AND domain = 'a') m),
          NULL, 'merged with a value of an earlier form: n_true unknown (NULL)');
SELECT is((SELECT barometer.df(barometer.merge(x)) FROM (SELECT s::barometer.tally x FROM old UNION ALL SELECT t FROM cells WHERE design = 'brr' AND domain = 'a') m),
          7::float8, 'merged with a value of an earlier form: df R - 1');
SELECT is(barometer.n_true('v1 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0'::barometer.tally), NULL,
          'a version 1 form: n_true NULL');
SELECT is(barometer.n_true('v2 mean n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights'::barometer.tally), NULL,
          'a version 2 mean: n_true NULL');
-- more than 100 replicates: no rank kept, df R - 1
SELECT is((SELECT barometer.df(barometer.tally(i % 2 = 0, 1.0::float8, array_fill(1.0::float8, ARRAY[101]), barometer.replicates('bootstrap')))
           FROM generate_series(1, 10) i), 100::float8, '101 replicates: df R - 1 (no Gram matrix kept)');
SELECT is((SELECT barometer.df(barometer.tally(i % 2 = 0, 1.0::float8, array_fill(1.0::float8, ARRAY[100]), barometer.replicates('bootstrap')))
           FROM generate_series(1, 10) i), 0::float8, '100 equal replicates: rank 1, df 0');

-- after 2 R runs of rows the tally checks whether they have full rank and
-- then stops summing the Gram matrix (rep_rank_settle): the same rank as
-- replicate_degf, which sums to the end; rows whose rank is still below R
-- at the checks (the first 3,000 span 3 of 4 columns) go on to full rank
CREATE TEMP TABLE settle AS
SELECT i, i % 7 = 0 AS y, (1.0 + i % 3)::float8 AS w,
       ARRAY[1 + i % 5, 2 + i % 7, 1 + i % 11, 3 + i % 13]::float8[] AS full4,
       ARRAY[1 + i % 5, 1 + i % 5, 1 + i % 11, 3 + i % 13]::float8[] AS def3,
       CASE WHEN i <= 3000 THEN ARRAY[1 + i % 5, 1 + i % 5, 1 + i % 11, 3 + i % 13]
            ELSE ARRAY[1 + i % 5, 2 + i % 7, 1 + i % 11, 3 + i % 13] END::float8[] AS late4
FROM generate_series(1, 6000) i;
SELECT is((SELECT ARRAY[barometer.replicate_rank(t)::float8, barometer.df(t)]
           FROM (SELECT barometer.tally(y, w, full4, barometer.replicates('jk1')) t FROM (SELECT * FROM settle ORDER BY i) o) s),
          (SELECT ARRAY[barometer.replicate_degf(full4) + 1, barometer.replicate_degf(full4)] FROM settle),
	'6,000 runs of full rank: rank 4, df 3, as replicate_degf');
SELECT is((SELECT ARRAY[barometer.replicate_rank(t)::float8, barometer.df(t)]
           FROM (SELECT barometer.tally(y, w, def3, barometer.replicates('jk1')) t FROM (SELECT * FROM settle ORDER BY i) o) s),
          ARRAY[3, 2]::float8[], '6,000 runs of rank 3 of 4: rank 3, df 2 (checked at 8, 16, ... runs, never settled)');
SELECT is((SELECT ARRAY[barometer.replicate_rank(t)::float8, barometer.df(t)]
           FROM (SELECT barometer.tally(y, w, late4, barometer.replicates('jk1')) t FROM (SELECT * FROM settle ORDER BY i) o) s),
          (SELECT ARRAY[barometer.replicate_degf(late4) + 1, barometer.replicate_degf(late4)] FROM settle),
	'rank 3 for 3,000 runs, then full: rank 4, as replicate_degf');
SELECT is((SELECT barometer.replicate_rank(barometer.merge(t))
           FROM (SELECT barometer.tally(y, w, late4, barometer.replicates('jk1')) t FROM settle GROUP BY i % 3) s),
          4, 'three settled or open parts merged: rank 4');

SELECT * FROM finish();
ROLLBACK;
