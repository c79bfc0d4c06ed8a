-- protect_table: a singleton that is the same units as a primary (a code
-- with a single child makes two cells the same without one aggregating the
-- other) learns only its own value; such primaries are protected, not
-- reported as given up (issue 12: the 26 of test/ops/intruder_test.py)
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(12);

-- geography a1 -> A (a single child), b1, b2 -> B; origin x1 -> X (a
-- single child), y1, y2 -> Y; (a1, x1) = 1, so (A, x1), (a1, X) and (A, X)
-- are the same one person: (A, x1) and (a1, X) are both (a1, x1)
CREATE TEMP TABLE leaf63 (g text, o text, n int);
INSERT INTO leaf63 VALUES ('a1', 'x1', 1), ('a1', 'y1', 7), ('a1', 'y2', 9),
	('b1', 'x1', 8), ('b1', 'y1', 12), ('b1', 'y2', 6),
	('b2', 'x1', 11), ('b2', 'y1', 5), ('b2', 'y2', 14);
CREATE TEMP TABLE gp63 (c text, a text);
INSERT INTO gp63 VALUES ('a1', 'a1'), ('a1', 'A'), ('a1', 'T'), ('b1', 'b1'), ('b1', 'B'), ('b1', 'T'),
	('b2', 'b2'), ('b2', 'B'), ('b2', 'T');
CREATE TEMP TABLE op63 (c text, a text);
INSERT INTO op63 VALUES ('x1', 'x1'), ('x1', 'X'), ('x1', 'T'), ('y1', 'y1'), ('y1', 'Y'), ('y1', 'T'),
	('y2', 'y2'), ('y2', 'Y'), ('y2', 'T');
CREATE TEMP TABLE c63 AS
SELECT gp63.a AS g, op63.a AS o, sum(n)::int AS n
FROM leaf63 JOIN gp63 ON gp63.c = leaf63.g JOIN op63 ON op63.c = leaf63.o GROUP BY 1, 2;
CREATE FUNCTION pg_temp.c63() RETURNS barometer.table_cell[] LANGUAGE sql AS $$
	SELECT ARRAY(SELECT barometer.cell(ARRAY[g, o], n) FROM c63) $$;
CREATE FUNCTION pg_temp.h63() RETURNS barometer.hierarchy_edge[] LANGUAGE sql AS $$
	SELECT ARRAY[barometer.edge(1, 'a1', 'A'), barometer.edge(1, 'b1', 'B'), barometer.edge(1, 'b2', 'B'),
		barometer.edge(1, 'A', 'T'), barometer.edge(1, 'B', 'T'),
		barometer.edge(2, 'x1', 'X'), barometer.edge(2, 'y1', 'Y'), barometer.edge(2, 'y2', 'Y'),
		barometer.edge(2, 'X', 'T'), barometer.edge(2, 'Y', 'T')] $$;
CREATE TEMP TABLE p63 AS SELECT * FROM barometer.protect_table(pg_temp.c63(), pg_temp.h63());

SELECT is((SELECT count(*) FROM c63), 36::bigint, 'the table: 4 x 6 codes less the empty ones, 36 cells');
SELECT is((SELECT string_agg(coords::text, ' ' ORDER BY coords) FROM p63 WHERE status = 'primary' AND value = 1),
	'{A,X} {A,x1} {a1,X} {a1,x1}', 'the one person is four small counts, all primaries');
SELECT is((SELECT count(*) FROM p63 WHERE status = 'primary' AND NOT protected), 0::bigint,
	'every primary protected (before: (A,x1) and (a1,X) given up as "singleton")');
SELECT is((SELECT count(*) FROM p63 WHERE status = 'primary' AND problem IS NOT NULL), 0::bigint, 'no problem reported');
SELECT ok((SELECT bool_and(upper >= 5 AND lower <= 1) FROM p63 WHERE status = 'primary' AND value = 1),
	'each small count''s interval reaches the threshold');
-- the pattern stands against the singleton intruder it was built for:
-- the audit of the same pattern agrees
SELECT is((SELECT count(*) FILTER (WHERE a.protected) FROM barometer.protect_table(
		ARRAY(SELECT barometer.cell(coords, value, suppressed => status <> 'publish') FROM p63),
		pg_temp.h63(), method => 'audit') a WHERE a.status = 'primary'), 8::bigint,
	'the audit of the pattern finds all 8 primaries protected');
-- the same units, in any input order: the same pattern
SELECT is((SELECT string_agg(p.coords::text || p.status, ' ' ORDER BY p.coords)
		FROM barometer.protect_table(ARRAY(SELECT barometer.cell(ARRAY[g, o], n) FROM c63 ORDER BY n DESC, g DESC, o),
			pg_temp.h63()) p),
	(SELECT string_agg(coords::text || status, ' ' ORDER BY coords) FROM p63), 'the pattern does not depend on the input order');

-- the complement rule in the way: (m3, o2) = 2 can only rise through
-- (m5, o2) = 6 falling (their total (M0, o2) = 8 is published), and while
-- (m5, O0) = 45 is published the rule tells the intruder that its
-- complement (m5, O1) = (m5, o2) is at least 5: the interval of (m3, o2)
-- stopped at 3.  The construct of a small table leaves the rule rows out
-- and found nothing; the repair with them hides (m5, O0).
CREATE TEMP TABLE leaf105 (g text, o text, n int);
INSERT INTO leaf105 VALUES ('m1', 'o1', 0), ('m1', 'o2', 0), ('m1', 'o3', 3), ('m2', 'o1', 0), ('m2', 'o2', 10),
	('m2', 'o3', 9), ('m3', 'o1', 0), ('m3', 'o2', 2), ('m3', 'o3', 24), ('m4', 'o1', 4), ('m4', 'o2', 2),
	('m4', 'o3', 10), ('m5', 'o1', 21), ('m5', 'o2', 6), ('m5', 'o3', 24), ('m6', 'o1', 16), ('m6', 'o2', 29),
	('m6', 'o3', 10);
CREATE TEMP TABLE c105 AS
SELECT a.g, b.o, sum(n)::int AS n
FROM leaf105 l
CROSS JOIN LATERAL (VALUES (l.g), (CASE WHEN l.g IN ('m1', 'm3', 'm5') THEN 'M0' ELSE 'M1' END), ('T')) a(g)
CROSS JOIN LATERAL (VALUES (l.o), (CASE WHEN l.o = 'o2' THEN 'O1' ELSE 'O0' END), ('T')) b(o)
GROUP BY 1, 2;
CREATE FUNCTION pg_temp.h105() RETURNS barometer.hierarchy_edge[] LANGUAGE sql AS $$
	SELECT ARRAY(SELECT barometer.edge(1, 'm' || i, CASE WHEN i % 2 = 1 THEN 'M0' ELSE 'M1' END) FROM generate_series(1, 6) i
		UNION ALL SELECT barometer.edge(1, x, 'T') FROM unnest(ARRAY['M0', 'M1']) x
		UNION ALL SELECT barometer.edge(2, 'o' || i, CASE WHEN i = 2 THEN 'O1' ELSE 'O0' END) FROM generate_series(1, 3) i
		UNION ALL SELECT barometer.edge(2, x, 'T') FROM unnest(ARRAY['O0', 'O1']) x) $$;
CREATE TEMP TABLE p105 AS SELECT * FROM barometer.protect_table(
	ARRAY(SELECT barometer.cell(ARRAY[g, o], n) FROM c105), pg_temp.h105());
SELECT is((SELECT count(*) FROM p105), 54::bigint, 'the rule-trap table: 9 x 6 cells');
SELECT is((SELECT count(*) FILTER (WHERE protected) || ' of ' || count(*) FROM p105 WHERE status = 'primary'), '17 of 17',
	'every primary protected (before: (m3, o2) and (m3, O1) given up as "narrow")');
SELECT ok((SELECT bool_and(upper >= 5) FROM p105 WHERE coords IN (ARRAY['m3', 'o2'], ARRAY['m3', 'O1'])),
	'the small count 2 can reach the threshold');
SELECT is((SELECT count(*) FILTER (WHERE a.protected) FROM barometer.protect_table(
		ARRAY(SELECT barometer.cell(coords, value, suppressed => status <> 'publish') FROM p105),
		pg_temp.h105(), method => 'audit') a WHERE a.status = 'primary'), 17::bigint,
	'the audit of the pattern finds all 17 primaries protected');

SELECT is((SELECT string_agg(p.coords::text || p.status, ' ' ORDER BY p.coords)
		FROM barometer.protect_table(ARRAY(SELECT barometer.cell(ARRAY[g, o], n) FROM c105 ORDER BY n DESC, o DESC, g DESC),
			pg_temp.h105()) p),
	(SELECT string_agg(coords::text || status, ' ' ORDER BY coords) FROM p105),
	'the repaired pattern does not depend on the input order either');

SELECT * FROM finish();
ROLLBACK;
