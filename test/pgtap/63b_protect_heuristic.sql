-- protect_table's heuristic: the swap search (issue 12, "least information
-- loss"): a secondary published and barred, the primaries it leaves
-- unprotected protected again without it, the cleanup again, kept when
-- cheaper.  The table is bench/protect.sql's seed 8 (3 municipalities x 2
-- origins, codes with a single child: m2 -> P0, o1 -> G1, o2 -> G0), where
-- the heuristic used to hide the four cells of the total row (34 each) and
-- P1's total (52) for a suppressed value of 289; the optimum is 106.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(9);

CREATE TEMP TABLE leaf63b (g text, o text, n int);
INSERT INTO leaf63b VALUES ('m1', 'o1', 19), ('m1', 'o2', 14), ('m2', 'o1', 3), ('m2', 'o2', 13),
	('m3', 'o1', 12), ('m3', 'o2', 7);
CREATE TEMP TABLE c63b AS
SELECT a.g, b.o, sum(n)::int AS n
FROM leaf63b l
CROSS JOIN LATERAL (VALUES (l.g), (CASE WHEN l.g = 'm2' THEN 'P0' ELSE 'P1' END), ('T')) a(g)
CROSS JOIN LATERAL (VALUES (l.o), (CASE WHEN l.o = 'o1' THEN 'G1' ELSE 'G0' END), ('T')) b(o)
GROUP BY 1, 2;
CREATE FUNCTION pg_temp.h63b() RETURNS barometer.hierarchy_edge[] LANGUAGE sql AS $$
	SELECT ARRAY[barometer.edge(1, 'm1', 'P1'), barometer.edge(1, 'm2', 'P0'), barometer.edge(1, 'm3', 'P1'),
		barometer.edge(1, 'P0', 'T'), barometer.edge(1, 'P1', 'T'),
		barometer.edge(2, 'o1', 'G1'), barometer.edge(2, 'o2', 'G0'),
		barometer.edge(2, 'G0', 'T'), barometer.edge(2, 'G1', 'T')] $$;
CREATE TEMP TABLE p63b AS SELECT * FROM barometer.protect_table(
	ARRAY(SELECT barometer.cell(ARRAY[g, o], n) FROM c63b), pg_temp.h63b());

SELECT is((SELECT count(*) FROM p63b), 30::bigint, 'the table: 6 x 5 cells');
SELECT is((SELECT count(*) FILTER (WHERE protected) || ' of ' || count(*) FROM p63b WHERE status = 'primary'), '8 of 8',
	'every primary protected');
SELECT is((SELECT sum(value) FROM p63b WHERE status = 'secondary'), 106::float8,
	'the heuristic''s suppressed value is 106 (before the swap search: 289)');
SELECT is((SELECT string_agg(coords::text || '=' || value, ' ' ORDER BY coords) FROM p63b WHERE status = 'secondary'),
	'{P0,o2}=13 {P1,G0}=21 {P1,o2}=21 {m2,o2}=13 {m3,G0}=7 {m3,G1}=12 {m3,o1}=12 {m3,o2}=7',
	'the secondaries: the rectangle m2, m3 x o1, o2 with its copies and P1''s origin-2 cells');
SELECT is((SELECT count(*) FROM p63b WHERE status = 'secondary' AND value >= 34), 0::bigint,
	'no large cell hidden: no cell of the total row (34 each) nor P1''s total (52)');
SELECT is((SELECT sum(value) FROM barometer.protect_table(
		ARRAY(SELECT barometer.cell(ARRAY[g, o], n) FROM c63b), pg_temp.h63b(),
		method => 'optimal', time_limit => 30) WHERE status = 'secondary'), 106::float8,
	'the optimal mode''s suppressed value is the same 106');
SELECT is((SELECT count(*) FILTER (WHERE a.protected) FROM barometer.protect_table(
		ARRAY(SELECT barometer.cell(coords, value, suppressed => status <> 'publish') FROM p63b),
		pg_temp.h63b(), method => 'audit') a WHERE a.status = 'primary'), 8::bigint,
	'the audit of the pattern finds all 8 primaries protected');
SELECT ok((SELECT bool_and(upper >= 5) FROM p63b WHERE status = 'primary' AND value < 5),
	'each small count''s interval reaches the threshold');
SELECT is((SELECT string_agg(p.coords::text || p.status, ' ' ORDER BY p.coords)
		FROM barometer.protect_table(ARRAY(SELECT barometer.cell(ARRAY[g, o], n) FROM c63b ORDER BY n DESC, o DESC, g DESC),
			pg_temp.h63b()) p),
	(SELECT string_agg(coords::text || status, ' ' ORDER BY coords) FROM p63b),
	'the pattern does not depend on the input order');

SELECT * FROM finish();
ROLLBACK;
