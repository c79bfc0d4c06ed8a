-- protect_table, method 'optimal': the proven optima of 3-D tables like
-- bench/protect_optimal.py's 360-cell one (issue 12: "tables of a few
-- hundred cells in 3 dimensions solved to optimality in seconds"), small
-- or quick enough for the suite (0.5-3 s each).  The optima are those
-- found before the complement rule's rows entered the optimal mode's
-- intruder program (doc/protection_speed.md): the rows make it faster
-- (t360: 41-60 s down to 12-16 s), and must not change an optimum.  Each
-- table: the optimum pinned (a run stopped at its limit returns a pattern
-- no cheaper than the optimum and, here, costlier), strictly below the
-- heuristic's pattern, every primary protected and the audit agreeing.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(15);

\ir ../lib/protect_tables.sql

-- 150 cells: 7 municipalities x 2 origins x 2 sexes with all margins
CREATE TEMP TABLE h150 AS SELECT * FROM barometer.protect_table(pg_temp.cells(2002, 7, 2), pg_temp.edges(7, 2));
CREATE TEMP TABLE o150 AS SELECT * FROM barometer.protect_table(pg_temp.cells(2002, 7, 2), pg_temp.edges(7, 2),
	method => 'optimal', time_limit => 120);
SELECT is((SELECT count(*) FROM o150), 150::bigint, 'the table has 150 cells');
SELECT is((SELECT sum(value) FROM o150 WHERE status = 'secondary'), 262::float8,
	'150 cells: the proven optimum, a suppressed value of 262');
SELECT is((SELECT sum(value) FROM h150 WHERE status = 'secondary'), 313::float8,
	'150 cells: the heuristic''s pattern costs 313');
SELECT is((SELECT count(*) FROM o150 WHERE status = 'primary' AND NOT protected), 0::bigint,
	'150 cells: every primary protected');
SELECT is((SELECT count(*) FILTER (WHERE NOT a.protected) FROM barometer.protect_table(
		ARRAY(SELECT barometer.cell(coords, value, suppressed => status <> 'publish') FROM o150),
		pg_temp.edges(7, 2), method => 'audit') a WHERE a.status = 'primary'), 0::bigint,
	'150 cells: the audit of the optimal pattern finds every primary protected');

-- 198 cells: 8 municipalities x 3 origins x 2 sexes with all margins
CREATE TEMP TABLE h198 AS SELECT * FROM barometer.protect_table(pg_temp.cells(2004, 8, 3), pg_temp.edges(8, 3));
CREATE TEMP TABLE o198 AS SELECT * FROM barometer.protect_table(pg_temp.cells(2004, 8, 3), pg_temp.edges(8, 3),
	method => 'optimal', time_limit => 120);
SELECT is((SELECT count(*) FROM o198), 198::bigint, 'the table has 198 cells');
SELECT is((SELECT sum(value) FROM o198 WHERE status = 'secondary'), 1004::float8,
	'198 cells: the proven optimum, a suppressed value of 1004');
SELECT is((SELECT sum(value) FROM h198 WHERE status = 'secondary'), 1076::float8,
	'198 cells: the heuristic''s pattern costs 1076');
SELECT is((SELECT count(*) FROM o198 WHERE status = 'primary' AND NOT protected), 0::bigint,
	'198 cells: every primary protected');
SELECT is((SELECT count(*) FILTER (WHERE NOT a.protected) FROM barometer.protect_table(
		ARRAY(SELECT barometer.cell(coords, value, suppressed => status <> 'publish') FROM o198),
		pg_temp.edges(8, 3), method => 'audit') a WHERE a.status = 'primary'), 0::bigint,
	'198 cells: the audit of the optimal pattern finds every primary protected');

-- 390 cells: 10 municipalities x 7 origins x 2 sexes with all margins
CREATE TEMP TABLE h390 AS SELECT * FROM barometer.protect_table(pg_temp.cells(2011, 10, 7), pg_temp.edges(10, 7));
CREATE TEMP TABLE o390 AS SELECT * FROM barometer.protect_table(pg_temp.cells(2011, 10, 7), pg_temp.edges(10, 7),
	method => 'optimal', time_limit => 120);
SELECT is((SELECT count(*) FROM o390), 390::bigint, 'the table has 390 cells');
SELECT is((SELECT sum(value) FROM o390 WHERE status = 'secondary'), 585::float8,
	'390 cells: the proven optimum, a suppressed value of 585');
SELECT is((SELECT sum(value) FROM h390 WHERE status = 'secondary'), 608::float8,
	'390 cells: the heuristic''s pattern costs 608');
SELECT is((SELECT count(*) FROM o390 WHERE status = 'primary' AND NOT protected), 0::bigint,
	'390 cells: every primary protected');
SELECT is((SELECT count(*) FILTER (WHERE NOT a.protected) FROM barometer.protect_table(
		ARRAY(SELECT barometer.cell(coords, value, suppressed => status <> 'publish') FROM o390),
		pg_temp.edges(10, 7), method => 'audit') a WHERE a.status = 'primary'), 0::bigint,
	'390 cells: the audit of the optimal pattern finds every primary protected');

SELECT * FROM finish();
ROLLBACK;
