-- protect_table: a singleton that is the same units as a primary (a code
-- with a single child makes two cells the same without one aggregating the
-- other) learns only its own value; such primaries are protected, not
-- reported as given up (issue 12: the 26 of test/ops/intruder_test.py)
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(7);

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

SELECT * FROM finish();
ROLLBACK;
