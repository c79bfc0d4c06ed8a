-- publication rules: policies as data, statuses and reasons of estimates,
-- counts and magnitudes, distributions suppressed together
\set VERBOSITY default
SET extra_float_digits = 0;

-- the shipped policies
SELECT name, version, kind, params FROM barometer.policy ORDER BY name, version;

-- a tally under the default policy (nchs2017) and others
CREATE TABLE pub_rows AS
SELECT g, (g % 3 = 0) AS y, (g % 7)::float8 AS x, 1.0 + (g % 4) AS w
FROM generate_series(1, 400) g;
SELECT (barometer.publication_status(barometer.tally(y, w))).* FROM pub_rows;
SELECT (barometer.publication_status(barometer.tally(y, w))).* FROM pub_rows WHERE g <= 25;
SELECT (barometer.publication_status(barometer.tally(y, w))).* FROM pub_rows WHERE g <= 60;
SELECT (barometer.publication_status(barometer.tally(y, w), 'min_respondents')).* FROM pub_rows WHERE g <= 25;
SELECT (barometer.publication_status(barometer.tally(x, w), 'statcan_cv')).* FROM pub_rows;
SELECT (barometer.publication_status(barometer.tally(x, w), 'statcan_cv', 1)).* FROM pub_rows WHERE g <= 12;
-- all TRUE: p = 1 is flagged for review
SELECT (barometer.publication_status(barometer.tally(true, 1.0))).* FROM generate_series(1, 200);

-- an estimate given by its figures (df NULL: n - 1)
SELECT (barometer.publication_status(0.5, 0.02, 500)).*;
SELECT (barometer.publication_status(0.5, 0.02, 500, 5)).*;
SELECT (barometer.publication_status(0.04, 0.02, 500)).*;
SELECT (barometer.publication_status(0.93, 0.025, 500)).*;
SELECT (barometer.publication_status(0.5, 0.08, 500)).*;
SELECT (barometer.publication_status(12.5, 2.5, 40, NULL, 'statcan_cv')).*;
SELECT (barometer.publication_status(12.5, 2.5, 40, NULL, 'statcan_cv', 1)).*;

-- register counts: the threshold rule, its complement and group disclosure
SELECT c, t, (barometer.count_status(c, t)).status, (barometer.count_status(c, t)).reason_en,
       (barometer.count_status(c, t)).reason_nl
FROM (VALUES (0, 20), (1, 20), (4, 20), (5, 20), (15, 20), (16, 20), (20, 20), (3, NULL)) v(c, t);
SELECT (barometer.count_status(2, NULL, 'count_threshold_3')).status AS t3_2,
       (barometer.count_status(3, NULL, 'count_threshold_3')).status AS t3_3,
       (barometer.count_status(9, NULL, 'count_threshold_10')).status AS t10_9,
       (barometer.count_status(10, NULL, 'count_threshold_10')).status AS t10_10;

-- the three answer groups of a Gemeente-Stadsmonitor item are suppressed together
WITH answers(municipality, answer, n) AS (
	VALUES ('Herstappe', 'oneens', 3), ('Herstappe', 'neutraal', 9), ('Herstappe', 'eens', 14),
	       ('Gent', 'oneens', 120), ('Gent', 'neutraal', 210), ('Gent', 'eens', 400))
SELECT municipality, answer, n, (d).status AS own,
       (barometer.suppress_together(d) OVER w).status AS published,
       (barometer.suppress_together(d) OVER w).reason_nl
FROM (SELECT *, barometer.count_status(n) AS d FROM answers) s
WINDOW w AS (PARTITION BY municipality)
ORDER BY municipality, answer;
-- the text form
SELECT v, barometer.suppress_together(s) OVER (PARTITION BY k)
FROM (VALUES (1, 'a', 'publish'), (1, 'b', 'warn'), (2, 'a', 'publish'), (2, 'b', 'suppress')) t(k, v, s)
ORDER BY k, v;

-- magnitudes: the largest contributions kept exactly
CREATE TABLE wages (cell text, employer int, amount float8);
INSERT INTO wages VALUES ('a', 1, 900), ('a', 2, 60), ('a', 3, 40),
	('b', 1, 300), ('b', 2, 250), ('b', 3, 200), ('b', 4, 150), ('b', 5, 100),
	('c', 1, 500), ('c', 2, 400), ('d', 1, NULL);
SELECT cell, m, barometer.contributors(m), barometer.total(m), barometer.top(m),
       round(barometer.top_share(m, 1)::numeric, 4) AS share1,
       round(barometer.p_percent(m)::numeric, 2) AS p_pct
FROM (SELECT cell, barometer.magnitude(amount) AS m FROM wages GROUP BY cell) s ORDER BY cell;
SELECT cell, (barometer.publication_status(m)).status AS p10,
       (barometer.publication_status(m, 'dominance_1_85')).reason_en AS dom1,
       (barometer.publication_status(m, 'dominance_2_85')).status AS dom2
FROM (SELECT cell, barometer.magnitude(amount, 3) AS m FROM wages GROUP BY cell) s ORDER BY cell;
-- rollup of stored magnitudes = direct
SELECT barometer.merge(m)::text = (SELECT barometer.magnitude(amount)::text FROM wages) AS rollup_equal
FROM (SELECT barometer.magnitude(amount) AS m FROM wages GROUP BY cell) s;
SELECT 'm1 keep=2 n=3 total=60:0 top=30,20'::barometer.magnitude;
SELECT 'm1 keep=2 n=3 total=60:0 top=20,30'::barometer.magnitude;
SELECT 'm1 keep=2 n=3 total=40:0 top=30,20'::barometer.magnitude;
SELECT 'm1 keep=2 n=1 total=60:0 top=30,20'::barometer.magnitude;
SELECT barometer.magnitude(v) FROM (VALUES (-1.0::float8)) t(v);
SELECT barometer.magnitude(v, 0) FROM (VALUES (1.0::float8)) t(v);
SELECT barometer.top_share(barometer.magnitude(amount, 2), 3) FROM wages WHERE cell = 'b';

-- policies are data: add one, use it, and its errors
INSERT INTO barometer.policy (name, version, kind, params, label_en, label_nl)
VALUES ('lis_counts', 1, 'count_threshold', '{"threshold": 10, "complement": false}',
        'Lokale Integratiescan counts', 'tellingen Lokale Integratiescan');
SELECT (barometer.count_status(95, 100, 'lis_counts')).*;
INSERT INTO barometer.policy (name, version, kind, params) VALUES ('bad', 1, 'nchs2017', '{"threshold": 5}');
INSERT INTO barometer.policy (name, version, kind, params) VALUES ('bad', 1, 'nchs2017', '{"level": 1.5}');
INSERT INTO barometer.policy (name, version, kind, params) VALUES ('bad', 1, 'nchs2017', '{"complement": 1}');
INSERT INTO barometer.policy (name, version, kind, params) VALUES ('bad', 1, 'cv_bands', '{"warn_max_cv": 10}');
INSERT INTO barometer.policy (name, version, kind, params) VALUES ('bad', 1, 'nchs', '{}');
INSERT INTO barometer.policy (name, version, kind, params) VALUES ('bad', 1, 'nchs2017', '[1]');

-- errors
SELECT barometer.publication_status(barometer.tally(y, w), 'nope') FROM pub_rows;
SELECT barometer.publication_status(barometer.tally(y, w), 'statcan_cv', 7) FROM pub_rows;
SELECT barometer.publication_status(barometer.tally(x, w)) FROM pub_rows;
SELECT barometer.publication_status(barometer.tally(y, w), 'count_threshold') FROM pub_rows;
SELECT barometer.count_status(3, 10, 'nchs2017');
SELECT barometer.count_status(-1);
SELECT barometer.count_status(5, 4);
SELECT barometer.publication_status(1.5, 0.1, 100);
SELECT barometer.publication_status(0.5, -0.1, 100);
SELECT barometer.publication_status(0.5, 0.1, 100, 0);

-- shipped policies behave like data: they cannot be changed or deleted,
-- and no user row can claim to be shipped (it would not be dumped)
UPDATE barometer.policy SET params = '{"min_n": 50}' WHERE name = 'min_respondents';
DELETE FROM barometer.policy WHERE name = 'nchs2017';
INSERT INTO barometer.policy (name, version, kind, params, builtin)
VALUES ('sneaky', 1, 'min_respondents', '{"min_n": 5}', true);
INSERT INTO barometer.policy (name, version, kind, params)
VALUES ('mine', 1, 'min_respondents', '{"min_n": 5}');
UPDATE barometer.policy SET builtin = true WHERE name = 'mine';
UPDATE barometer.policy SET params = '{"min_n": 6}' WHERE name = 'mine';
TRUNCATE barometer.policy;
SELECT name, version, params, builtin FROM barometer.policy
WHERE name IN ('mine', 'min_respondents', 'nchs2017') ORDER BY name;
DELETE FROM barometer.policy WHERE name = 'mine';

-- magnitudes: what the aggregates store reads back from text and binary
-- (subnormal contributions and totals, -0, the largest contribution), and
-- what no input would read back is refused (22003)
SET extra_float_digits = 0;
CREATE TABLE mag_extremes AS
SELECT 'subnormal' AS name, barometer.magnitude(1e-310) AS m
UNION ALL SELECT 'smallest subnormal, keep 1', barometer.magnitude(v, 1)
  FROM (VALUES (5e-324::float8), (5e-324), (0)) t(v)
UNION ALL SELECT 'minus zero', barometer.magnitude('-0'::float8)
UNION ALL SELECT 'largest', barometer.magnitude(v, 3)
  FROM (VALUES (1e15::float8), (1e15), (1e-300), (0)) t(v)
UNION ALL SELECT 'empty', barometer.magnitude(v) FROM (VALUES (NULL::float8)) t(v);
SELECT name, m FROM mag_extremes ORDER BY name;
SELECT name, m::text::barometer.magnitude::text = m::text AS text_round_trip
FROM mag_extremes ORDER BY name;
COPY mag_extremes TO '/tmp/barometer_regress_mag.bin' (FORMAT binary);
CREATE TABLE mag_back (name text, m barometer.magnitude);
COPY mag_back FROM '/tmp/barometer_regress_mag.bin' (FORMAT binary);
SELECT a.name, barometer.magnitude_send(a.m) = barometer.magnitude_send(b.m) AS binary_round_trip
FROM mag_extremes a JOIN mag_back b USING (name) ORDER BY a.name;
SELECT name, barometer.contributors(m), barometer.total(m), barometer.top(m),
       barometer.p_percent(m), barometer.top_share(m, 1)
FROM mag_extremes ORDER BY name;
-- counts are integers read exactly (n above 2^53 was read through a double)
SELECT 'm1 keep=1 n=9007199254740993 total=1:0 top=1'::barometer.magnitude;
SELECT 'm1 keep=1.0 n=1 total=1:0 top=1'::barometer.magnitude;
SELECT 'm1 keep=1 n=1 total=1e-400:0 top=0'::barometer.magnitude;
SELECT 'm1 keep=1 n=1 total=nan:0 top=0'::barometer.magnitude;
-- merges past the range of a magnitude are refused
SELECT barometer.merge(m)
FROM (SELECT 'm1 keep=1 n=2305843009213693951 total=1:0 top=1'::barometer.magnitude m
      FROM generate_series(1, 2)) s;
SELECT barometer.merge(m)
FROM (SELECT 'm1 keep=1 n=1 total=1.7e308:0 top=1.7e308'::barometer.magnitude m
      FROM generate_series(1, 2)) s;
RESET extra_float_digits;
