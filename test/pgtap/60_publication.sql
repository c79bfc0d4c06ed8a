-- publication rules: every rule at and around its thresholds, policies as
-- data, magnitudes (parallel = serial, rollups), suppress_together, SQLSTATEs
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(72);

CREATE FUNCTION pg_temp.st(p barometer.publication) RETURNS text LANGUAGE sql AS $$ SELECT (p).status $$;
CREATE FUNCTION pg_temp.re(p barometer.publication) RETURNS text LANGUAGE sql AS $$ SELECT (p).reason_en $$;

-- the table is an extension configuration table (user rows survive pg_dump)
SELECT ok((SELECT 'barometer.policy'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'barometer'),
	'barometer.policy is dumped with its user rows');
SELECT is((SELECT count(*) FROM barometer.policy WHERE builtin), 11::bigint, 'eleven shipped policies');
SELECT is((SELECT max(version) FROM barometer.policy WHERE name = 'statcan_cv'), 2, 'statcan_cv has two versions');

-- nchs2017: n (29 / 30 rows with a tiny variance)
SELECT is(pg_temp.re(barometer.publication_status(0.5, 0.001, 29)), 'too few respondents (n < 30)', 'nchs: n 29 suppress');
SELECT is(pg_temp.st(barometer.publication_status(0.5, 0.001, 30)), 'publish', 'nchs: n 30 publish');
SELECT is((barometer.publication_status(0.5, 0.001, 29)).reason_nl, 'te weinig respondenten (n < 30)', 'nchs: Dutch reason');
-- n_eff = p(1-p)/V around 30 (then the width rule speaks)
SELECT matches(pg_temp.re(barometer.publication_status(0.5, sqrt(0.25 / 29.5), 1000, 'Infinity')),
	'^effective sample size too small', 'nchs: n_eff 29.5 suppress (n_eff)');
SELECT matches(pg_temp.re(barometer.publication_status(0.5, sqrt(0.25 / 30.5), 1000, 'Infinity')),
	'^confidence interval too wide', 'nchs: n_eff 30.5 passes the n_eff rule');
-- n_eff capped at n: a tiny variance on 40 rows gives n_eff 40, not more
SELECT is(pg_temp.st(barometer.publication_status(0.5, 1e-6, 40)), 'publish', 'nchs: capped n_eff 40 publish');
-- the df adjustment lowers n_eff: 32 on the variance, df 3 brings it under 30
SELECT matches(pg_temp.re(barometer.publication_status(0.5, sqrt(0.25 / 32), 1000, 3)),
	'^effective sample size too small', 'nchs: df adjustment suppress');
SELECT unalike(pg_temp.re(barometer.publication_status(0.5, sqrt(0.25 / 32), 1000)),
	'effective sample size%', 'nchs: without it n_eff 32 passes');
-- width >= 0.30 (Korn-Graubard on n_eff = p(1-p)/se^2)
SELECT is(pg_temp.st(barometer.publication_status(0.5, 0.07, 1000)), 'publish', 'nchs: width about 0.27 publish');
SELECT matches(pg_temp.re(barometer.publication_status(0.5, 0.08, 1000)), '^confidence interval too wide \(3', 'nchs: width about 0.31 suppress');
-- relative width: width > 0.05 and width / p > 1.30
SELECT matches(pg_temp.re(barometer.publication_status(0.05, 0.02, 1000)), 'relative to the estimate', 'nchs: p 5% se 2% suppress (relative width)');
SELECT is(pg_temp.st(barometer.publication_status(0.2, 0.02, 1000)), 'publish', 'nchs: p 20% se 2% publish');
SELECT is(pg_temp.st(barometer.publication_status(0.01, 0.003, 1000)), 'publish', 'nchs: width under 0.05 publish whatever width/p');
-- review: df < 8, p = 0 or 1
SELECT is(pg_temp.re(barometer.publication_status(0.5, 0.02, 1000, 7)), 'review: few degrees of freedom (df 7 < 8)', 'nchs: df 7 review');
SELECT is(pg_temp.st(barometer.publication_status(0.5, 0.02, 1000, 8)), 'publish', 'nchs: df 8 publish');
SELECT is(pg_temp.re(barometer.publication_status(0, 0, 1000)), 'review: estimate is 0%', 'nchs: p 0 on 1000 rows review');
SELECT is(pg_temp.st(barometer.publication_status(0, 0, 60)), 'suppress', 'nchs: p 0 on 60 rows suppress (width)');
SELECT is(pg_temp.re(barometer.publication_status(1, 0, 1000)), 'review: estimate is 100%', 'nchs: p 1 review');
-- complement footnote: width / (1 - p) > 1.30
SELECT matches(pg_temp.re(barometer.publication_status(0.93, 0.025, 500)), '^the complement is unreliable', 'nchs: complement warn');
SELECT is(pg_temp.st(barometer.publication_status(0.8, 0.025, 500)), 'publish', 'nchs: complement fine');
-- the same figures from a tally: 29 and 30 rows
SELECT is(pg_temp.st(barometer.publication_status(barometer.tally(g % 2 = 0, 1.0))), 'suppress', 'tally: 29 rows suppress')
FROM generate_series(1, 29) g;
SELECT isnt(pg_temp.re(barometer.publication_status(barometer.tally(g % 2 = 0, 1.0))), 'too few respondents (n < 30)', 'tally: 30 rows pass the n rule')
FROM generate_series(1, 30) g;

-- cv bands: 16.5 / 33.3 (version 1) and 15 / 35 (version 2), at least 10 rows
SELECT is(pg_temp.st(barometer.publication_status(1000, 165, 100, NULL, 'statcan_cv', 1)), 'publish', 'cv v1: 16.5% publish');
SELECT is(pg_temp.st(barometer.publication_status(1000, 165.1, 100, NULL, 'statcan_cv', 1)), 'warn', 'cv v1: 16.51% warn');
SELECT is(pg_temp.st(barometer.publication_status(1000, 333, 100, NULL, 'statcan_cv', 1)), 'warn', 'cv v1: 33.3% warn');
SELECT is(pg_temp.st(barometer.publication_status(1000, 333.1, 100, NULL, 'statcan_cv', 1)), 'suppress', 'cv v1: 33.31% suppress');
SELECT is(pg_temp.st(barometer.publication_status(1000, 150, 100, NULL, 'statcan_cv')), 'publish', 'cv latest (v2): 15% publish');
SELECT is(pg_temp.st(barometer.publication_status(1000, 150.1, 100, NULL, 'statcan_cv')), 'warn', 'cv v2: 15.01% warn');
SELECT is(pg_temp.st(barometer.publication_status(1000, 350, 100, NULL, 'statcan_cv')), 'warn', 'cv v2: 35% warn');
SELECT is(pg_temp.st(barometer.publication_status(1000, 350.1, 100, NULL, 'statcan_cv')), 'suppress', 'cv v2: 35.01% suppress');
SELECT is(pg_temp.re(barometer.publication_status(1000, 10, 9, NULL, 'statcan_cv')), 'too few respondents (n < 10)', 'cv: 9 rows suppress');
SELECT is(pg_temp.st(barometer.publication_status(1000, 10, 10, NULL, 'statcan_cv')), 'publish', 'cv: 10 rows publish');
SELECT is(pg_temp.st(barometer.publication_status(0, 1, 100, NULL, 'statcan_cv')), 'review', 'cv: estimate 0 review');

-- min_respondents
SELECT is(pg_temp.st(barometer.publication_status(barometer.tally(g::float8, 1.0), 'min_respondents')), 'suppress', 'min_respondents: 29')
FROM generate_series(1, 29) g;
SELECT is(pg_temp.st(barometer.publication_status(barometer.tally(g::float8, 1.0), 'min_respondents')), 'publish', 'min_respondents: 30')
FROM generate_series(1, 30) g;

-- count thresholds 5, 3, 10: counts and complements
SELECT is(string_agg(pg_temp.st(barometer.count_status(c)), ' ' ORDER BY c), 'publish suppress suppress publish publish', 'count 5: 0 1 4 5 6')
FROM unnest(ARRAY[0, 1, 4, 5, 6]) c;
SELECT is(string_agg(pg_temp.st(barometer.count_status(c, NULL, 'count_threshold_3')), ' ' ORDER BY c), 'publish suppress suppress publish', 'count 3: 0 1 2 3')
FROM unnest(ARRAY[0, 1, 2, 3]) c;
SELECT is(string_agg(pg_temp.st(barometer.count_status(c, NULL, 'count_threshold_10')), ' ' ORDER BY c), 'suppress suppress publish', 'count 10: 1 9 10')
FROM unnest(ARRAY[1, 9, 10]) c;
SELECT is(string_agg(pg_temp.st(barometer.count_status(c, 50)), ' ' ORDER BY c), 'publish suppress suppress review', 'complement 5: 45 46 49 of 50, and 50 of 50')
FROM unnest(ARRAY[45, 46, 49, 50]) c;
SELECT is(string_agg(pg_temp.st(barometer.count_status(c, 50, 'count_threshold_3')), ' ' ORDER BY c), 'publish suppress', 'complement 3: 47 48 of 50')
FROM unnest(ARRAY[47, 48]) c;
SELECT is(pg_temp.st(barometer.count_status(0, 0)), 'publish', 'count: an empty row is not group disclosure');

-- magnitudes: dominance (1, 85), (2, 85) and p% (10) at their thresholds
CREATE TEMP TABLE mag (cell text, v float8);
INSERT INTO mag VALUES ('d85', 85), ('d85', 10), ('d85', 5),
	('d8501', 85.01), ('d8501', 9.99), ('d8501', 5),
	('e85', 50), ('e85', 35), ('e85', 15),
	('e8501', 50), ('e8501', 35.01), ('e8501', 14.99),
	('p10', 100), ('p10', 50), ('p10', 10),
	('p999', 100), ('p999', 50), ('p999', 9.99),
	('two', 60), ('two', 40);
CREATE TEMP TABLE mags AS SELECT cell, barometer.magnitude(v) AS m FROM mag GROUP BY cell;
SELECT is(pg_temp.st(barometer.publication_status(m, 'dominance_1_85')), 'publish', 'dominance (1, 85): 85% publish') FROM mags WHERE cell = 'd85';
SELECT is(pg_temp.st(barometer.publication_status(m, 'dominance_1_85')), 'suppress', 'dominance (1, 85): 85.01% suppress') FROM mags WHERE cell = 'd8501';
SELECT is(pg_temp.st(barometer.publication_status(m, 'dominance_2_85')), 'publish', 'dominance (2, 85): 85% publish') FROM mags WHERE cell = 'e85';
SELECT is(pg_temp.st(barometer.publication_status(m, 'dominance_2_85')), 'suppress', 'dominance (2, 85): 85.01% suppress') FROM mags WHERE cell = 'e8501';
SELECT is(pg_temp.st(barometer.publication_status(m)), 'publish', 'p% 10: remainder 10% of x1 publish') FROM mags WHERE cell = 'p10';
SELECT is(pg_temp.st(barometer.publication_status(m)), 'suppress', 'p% 10: remainder 9.99% of x1 suppress') FROM mags WHERE cell = 'p999';
SELECT is(pg_temp.re(barometer.publication_status(m)), 'too few contributors (2 < 3)', 'magnitudes: 2 contributors suppress') FROM mags WHERE cell = 'two';
SELECT is(round(barometer.p_percent(m)::numeric, 6), 9.99::numeric, 'p_percent reader') FROM mags WHERE cell = 'p999';
SELECT is(barometer.top_share(m, 2), 0.85::float8, 'top_share reader') FROM mags WHERE cell = 'e85';

-- the aggregate keeps the top exactly: parallel = serial, any merge order
-- (a plain table, dropped by the ROLLBACK: temporary tables are never scanned in parallel)
CREATE TABLE contrib AS
SELECT g % 37 AS cell, ((g * 7919) % 100003)::float8 / 7 AS v FROM generate_series(1, 200000) g;
CREATE FUNCTION pg_temp.plan(q text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
	r text;
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		RETURN NEXT r;
	END LOOP;
END $f$;
ANALYZE contrib;
CREATE TEMP TABLE ser AS SELECT cell, barometer.magnitude(v, 7)::text AS m FROM contrib GROUP BY cell;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan('SELECT cell, barometer.magnitude(v, 7) FROM contrib GROUP BY cell') l
                  WHERE l LIKE '%Partial%Aggregate%'), 'magnitude: the plan is a parallel partial aggregate');
SELECT is((SELECT count(*) FROM ser JOIN (SELECT cell, barometer.magnitude(v, 7)::text AS m FROM contrib GROUP BY cell) par
           USING (cell) WHERE ser.m <> par.m), 0::bigint, 'magnitude: parallel = serial');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT is((SELECT barometer.merge(m ORDER BY cell DESC)::text FROM (SELECT cell, m::barometer.magnitude AS m FROM ser) s),
	(SELECT barometer.magnitude(v, 7)::text FROM contrib), 'magnitude: rollup of stored cells = direct');
SELECT is((SELECT barometer.top(barometer.magnitude(v, 3)) FROM contrib),
	(SELECT array_agg(v ORDER BY v DESC) FROM (SELECT v FROM contrib ORDER BY v DESC LIMIT 3) t), 'magnitude: top 3 exact');
SELECT ok(bool_and(m::barometer.magnitude::text = m), 'magnitude: text round trip') FROM ser;

-- suppress_together over the three answer groups
SELECT is(string_agg(s, ' ' ORDER BY k), 'suppress suppress suppress publish warn', 'suppress_together: one suppressed suppresses the distribution')
FROM (SELECT k, (barometer.suppress_together(d) OVER (PARTITION BY g)).status AS s
      FROM (VALUES (1, 1, barometer.count_status(3)), (1, 2, barometer.count_status(30)), (1, 3, barometer.count_status(60)),
                   (2, 4, barometer.count_status(30)),
                   (2, 5, barometer.publication_status(1000, 200, 100, NULL, 'statcan_cv'))) v(g, k, d)) t;

-- policies are data
INSERT INTO barometer.policy (name, version, kind, params) VALUES ('strict_n', 1, 'min_respondents', '{"min_n": 100}');
SELECT is(pg_temp.st(barometer.publication_status(barometer.tally(g::float8, 1.0), 'strict_n')), 'suppress', 'a user policy: 99 of 100')
FROM generate_series(1, 99) g;
INSERT INTO barometer.policy (name, version, kind, params) VALUES ('strict_n', 2, 'min_respondents', '{"min_n": 50}');
SELECT is(pg_temp.st(barometer.publication_status(barometer.tally(g::float8, 1.0), 'strict_n')), 'publish', 'a new version is the default')
FROM generate_series(1, 99) g;
SELECT is((barometer.publication_status(barometer.tally(g::float8, 1.0), 'strict_n', 1)).version, 1, 'an older version by number')
FROM generate_series(1, 99) g;

-- SQLSTATEs
SELECT throws_ok($$SELECT barometer.publication_status(0.5, 0.1, 100, NULL, 'nope')$$, '22023', NULL, 'unknown policy');
SELECT throws_ok($$SELECT barometer.publication_status(0.5, 0.1, 100, NULL, 'nchs2017', 2)$$, '22023', NULL, 'unknown version');
SELECT throws_ok($$SELECT barometer.publication_status(barometer.tally(1.0::float8, 1.0))$$, '22023', NULL, 'nchs2017 on a mean');
SELECT throws_ok($$SELECT barometer.count_status(3, NULL, 'p_percent')$$, '22023', NULL, 'a magnitude policy on a count');
SELECT throws_ok($$SELECT barometer.count_status(-3)$$, '22023', NULL, 'negative count');
SELECT throws_ok($$SELECT barometer.count_status(5, 3)$$, '22023', NULL, 'count above its total');
SELECT throws_ok($$INSERT INTO barometer.policy (name, version, kind, params) VALUES ('x', 1, 'dominance', '{"k": 150}')$$, '22023', NULL, 'invalid parameter');
SELECT throws_ok($$SELECT barometer.magnitude(v) FROM (VALUES ('NaN'::float8)) t(v)$$, '22023', NULL, 'NaN contribution');
SELECT throws_ok($$SELECT 'm1 keep=2 n=3 total=60:0 top=30'::barometer.magnitude$$, '22P02', NULL, 'malformed magnitude');
SELECT throws_ok($$SELECT barometer.publication_status(barometer.magnitude(v, 1), 'dominance_2_85') FROM (VALUES (1.0::float8), (2.0), (3.0)) t(v)$$,
	'22023', NULL, 'dominance (2, k) on a magnitude keeping 1');

SELECT * FROM finish();
ROLLBACK;
