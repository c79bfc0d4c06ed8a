-- secondary suppression and the audit: the published test tables (FACTS.md),
-- 50 random 2-D and 3-D tables with hierarchies whose pattern the audit
-- proves safe, determinism, the optimal method, linked tables, SQLSTATEs
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(28);

-- the 15-cell table: one primary at (A, female)
CREATE TEMP TABLE t15 (i int, region text, gender text, n int);
INSERT INTO t15 VALUES
	(1, 'total', 'total', 83), (2, 'total', 'male', 45), (3, 'total', 'female', 38),
	(4, 'A', 'total', 12), (5, 'A', 'male', 10), (6, 'A', 'female', 2),
	(7, 'B', 'total', 25), (8, 'B', 'male', 13), (9, 'B', 'female', 12),
	(10, 'C', 'total', 14), (11, 'C', 'male', 8), (12, 'C', 'female', 6),
	(13, 'D', 'total', 32), (14, 'D', 'male', 14), (15, 'D', 'female', 18);
CREATE FUNCTION pg_temp.h15() RETURNS barometer.hierarchy_edge[] LANGUAGE sql AS $$
	SELECT ARRAY(SELECT barometer.edge(1, r, 'total') FROM unnest(ARRAY['A', 'B', 'C', 'D']) r
	             UNION ALL SELECT barometer.edge(2, g, 'total') FROM unnest(ARRAY['male', 'female']) g) $$;
CREATE FUNCTION pg_temp.p15(method text) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(t.i::text, ' ' ORDER BY t.i)
	FROM barometer.secondary_suppression(
		ARRAY(SELECT barometer.cell(ARRAY[region, gender], n, is_primary => (region, gender) = ('A', 'female')) FROM t15),
		pg_temp.h15(), method => method) s
	JOIN t15 t ON s.coords = ARRAY[t.region, t.gender]
	WHERE s.status <> 'publish' $$;
SELECT is(pg_temp.p15('heuristic'), '5 6 11 12', '15-cell table: heuristic suppresses 5, 6, 11, 12');
SELECT is(pg_temp.p15('optimal'), '5 6 11 12', '15-cell table: optimal suppresses 5, 6, 11, 12');

-- the 1-D table {total; a 1, b 2, c 1, d 0}
CREATE TEMP TABLE t1 (code text, n int);
INSERT INTO t1 VALUES ('total', 4), ('a', 1), ('b', 2), ('c', 1), ('d', 0);
CREATE FUNCTION pg_temp.p1(protection float8, singleton boolean, method text DEFAULT 'heuristic')
RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(s.coords[1], ' ' ORDER BY s.coords[1])
	FROM barometer.secondary_suppression(
		ARRAY(SELECT barometer.cell(ARRAY[code], n, is_primary => code IN ('a', 'c')) FROM t1),
		ARRAY(SELECT barometer.edge(1, code, 'total') FROM t1 WHERE code <> 'total'),
		method => method, protection => protection, singleton => singleton) s
	WHERE s.status = 'secondary' $$;
-- FACTS.md's patterns are for an intruder who knows >= 0 only: with hidden
-- counts >= 1, a + c = 2 pins a = c = 1, so b goes too; at protection 3 or 5
-- the total alone (a and c unbounded above) is the cheapest
SELECT is(pg_temp.p1(1, false), 'b', '1-D: one secondary without singleton protection (a + c = 2, both >= 1)');
SELECT is(pg_temp.p1(1, true), 'b', '1-D: one secondary with singleton protection');
SELECT is(pg_temp.p1(1, true, 'optimal'), 'b', '1-D: optimal, one secondary with singleton protection');
SELECT is(pg_temp.p1(3, false), 'total', '1-D: protection 3: the total');
SELECT is(pg_temp.p1(5, false), 'total', '1-D: protection 5: the total (the zero stays)');
SELECT is(pg_temp.p1(5, false, 'optimal'), 'total', '1-D: the optimum at protection 5 is the total alone');

-- the handbook block: [3, 6]
CREATE TEMP TABLE hb (r text, c text, n int);
INSERT INTO hb VALUES
	('T', 'T', 32), ('T', 'X1', 11), ('T', 'X2', 9), ('T', 'X3', 12),
	('R1', 'T', 12), ('R1', 'X1', 4), ('R1', 'X2', 3), ('R1', 'X3', 5),
	('R2', 'T', 10), ('R2', 'X1', 2), ('R2', 'X2', 1), ('R2', 'X3', 7),
	('R3', 'T', 10), ('R3', 'X1', 5), ('R3', 'X2', 5), ('R3', 'X3', 0);
-- [3, 6] for an intruder who knows only >= 0; hidden counts are >= 1
SELECT is(format('[%s, %s]', lower, upper), '[4, 5]', 'handbook: the attacker''s interval is [4, 5]')
FROM barometer.suppression_audit(
	ARRAY(SELECT barometer.cell(ARRAY[r, c], n, is_primary => (r, c) = ('R1', 'X1'),
	                            suppressed => r IN ('R1', 'R2') AND c IN ('X1', 'X2')) FROM hb),
	ARRAY(SELECT barometer.edge(1, x, 'T') FROM unnest(ARRAY['R1', 'R2', 'R3']) x
	      UNION ALL SELECT barometer.edge(2, x, 'T') FROM unnest(ARRAY['X1', 'X2', 'X3']) x))
WHERE status = 'primary';

-- 20 random tables, 10 2-D and 10 3-D: municipality -> province -> total,
-- origin -> group -> total, and sex; leaves 0-31, primaries by the
-- count_threshold policy (1-4 and complements)
CREATE FUNCTION pg_temp.rt_cells(seed int) RETURNS barometer.table_cell[] LANGUAGE sql AS $$
	WITH l AS (
		SELECT 'm' || m AS mu, 'P' || (m % (2 + seed % 2)) AS pr, 'o' || o AS oo, 'G' || (o % 2) AS gr,
		       's' || s AS ss,
		       greatest((hashint4(seed * 100003 + m * 1009 + o * 31 + s) & 63) - 24, 0) AS n
		FROM generate_series(1, 5 + seed % 6) m, generate_series(1, 3 + seed % 3) o,
		     generate_series(1, CASE WHEN seed % 2 = 1 THEN 2 ELSE 1 END) s)
	SELECT array_agg(barometer.cell(CASE WHEN seed % 2 = 1 THEN ARRAY[a, b, x] ELSE ARRAY[a, b] END, v)
	                 ORDER BY a, b, x)
	FROM (SELECT a, b, x, sum(n)::float8 AS v
	      FROM l CROSS JOIN LATERAL (VALUES (mu), (pr), ('T')) da(a)
	             CROSS JOIN LATERAL (VALUES (oo), (gr), ('T')) db(b)
	             CROSS JOIN LATERAL (VALUES (ss), ('T')) dx(x)
	      WHERE seed % 2 = 1 OR x = 'T'
	      GROUP BY a, b, x) t $$;
CREATE FUNCTION pg_temp.rt_edges(seed int) RETURNS barometer.hierarchy_edge[] LANGUAGE sql AS $$
	SELECT ARRAY(
		SELECT barometer.edge(1, 'm' || m, 'P' || (m % (2 + seed % 2))) FROM generate_series(1, 5 + seed % 6) m
		UNION ALL SELECT barometer.edge(1, 'P' || p, 'T') FROM generate_series(0, 1 + seed % 2) p
		UNION ALL SELECT barometer.edge(2, 'o' || o, 'G' || (o % 2)) FROM generate_series(1, 3 + seed % 3) o
		UNION ALL SELECT barometer.edge(2, 'G' || g, 'T') FROM generate_series(0, 1) g
		UNION ALL SELECT barometer.edge(3, 's' || s, 'T') FROM generate_series(1, 2) s WHERE seed % 2 = 1) $$;
CREATE TEMP TABLE rnd AS
SELECT seed, p.*
FROM generate_series(1, 20) seed,
     LATERAL barometer.secondary_suppression(pg_temp.rt_cells(seed), pg_temp.rt_edges(seed),
                                              policy => 'count_threshold') p;
SELECT is((SELECT count(DISTINCT seed) FROM rnd), 20::bigint, 'random tables: 20 tables');
SELECT cmp_ok((SELECT count(*) FROM rnd WHERE status = 'primary'), '>', 200::bigint, 'random tables: many primaries');
SELECT is((SELECT count(*) FROM rnd WHERE status = 'primary' AND NOT protected), 0::bigint,
	'random tables: the heuristic protects every primary');
SELECT is((SELECT count(*) FROM rnd WHERE status = 'primary' AND value BETWEEN 1 AND 4), (SELECT count(*) FROM rnd WHERE value BETWEEN 1 AND 4),
	'random tables: every count 1-4 is primary');
-- zeros are hidden against group disclosure (and as a last resort) only
SELECT cmp_ok((SELECT count(*) FROM rnd WHERE status = 'secondary' AND value = 0), '<',
	(SELECT count(*) FROM rnd WHERE value = 0), 'random tables: most zeros stay published');
CREATE TEMP TABLE rnd_audit AS
SELECT s.seed, a.*
FROM (SELECT DISTINCT seed FROM rnd) s,
     LATERAL barometer.suppression_audit(
		ARRAY(SELECT barometer.cell(r.coords, r.value, is_primary => r.status = 'primary',
		                            suppressed => r.status = 'secondary') FROM rnd r WHERE r.seed = s.seed),
		pg_temp.rt_edges(s.seed), policy => 'count_threshold') a;
SELECT is((SELECT count(*) FROM rnd_audit WHERE status = 'primary' AND protected), (SELECT count(*) FROM rnd WHERE status = 'primary'),
	'random tables: the audit on its own proves every pattern safe');
SELECT is((SELECT count(*) FROM rnd r JOIN rnd_audit a USING (seed, coords) WHERE r.status <> 'publish'
           AND (r.lower, r.upper) IS DISTINCT FROM (a.lower, a.upper)), 0::bigint,
	'random tables: the intervals reported with the pattern are the audit''s');
-- deterministic: the same cells in another order give the same pattern
SELECT is((SELECT count(*) FROM rnd r JOIN (
		SELECT seed, p.* FROM generate_series(1, 20, 7) seed,
		LATERAL barometer.secondary_suppression(
			ARRAY(SELECT c FROM unnest(pg_temp.rt_cells(seed)) c ORDER BY md5((c).coords::text)),
			ARRAY(SELECT e FROM unnest(pg_temp.rt_edges(seed)) e ORDER BY md5((e).child)),
			policy => 'count_threshold') p) q USING (seed, coords)
	WHERE r.status <> q.status), 0::bigint, 'random tables: the pattern does not depend on the input order');
-- the optimal method on small random tables is safe and no costlier
CREATE TEMP TABLE opt AS
SELECT seed, p.*
FROM unnest(ARRAY[6, 12, 18]) seed,
     LATERAL barometer.secondary_suppression(pg_temp.rt_cells(seed), pg_temp.rt_edges(seed),
		method => 'optimal', policy => 'count_threshold') p;
SELECT is((SELECT count(*) FROM opt WHERE status = 'primary' AND NOT protected), 0::bigint,
	'optimal: every primary protected');
SELECT ok((SELECT bool_and(o.cost <= h.cost) FROM
		(SELECT seed, sum(value) AS cost FROM opt WHERE status = 'secondary' GROUP BY seed) o
		JOIN (SELECT seed, sum(value) AS cost FROM rnd WHERE status = 'secondary' GROUP BY seed) h USING (seed)),
	'optimal: never costlier than the heuristic');

-- linked tables: recoverable only by combining them
CREATE TEMP TABLE lk (tab text, r text, c text, n int, hidden boolean);
INSERT INTO lk VALUES
	('T1', 'total', 'total', 40, false), ('T1', 'total', 'x', 22, false), ('T1', 'total', 'y', 18, false),
	('T1', 'A', 'total', 15, false), ('T1', 'A', 'x', 3, true), ('T1', 'A', 'y', 12, true),
	('T1', 'B', 'total', 25, false), ('T1', 'B', 'x', 19, true), ('T1', 'B', 'y', 6, true),
	('T2', 'A', 'x', 3, true), ('T2', 'A', 'y', 12, true), ('T2', 'B', 'x', 19, false), ('T2', 'B', 'y', 6, true);
SELECT is(string_agg(table_name || ':' || problem, ' ' ORDER BY table_name), 'T1:linked T2:linked',
	'linked tables: (A, x) recoverable only by combining')
FROM barometer.suppression_audit(
	ARRAY(SELECT barometer.cell(ARRAY[r, c], n, is_primary => (r, c) = ('A', 'x'), suppressed => hidden,
	                            table_name => tab) FROM lk),
	ARRAY[barometer.edge(1, 'A', 'total'), barometer.edge(1, 'B', 'total'),
	      barometer.edge(2, 'x', 'total'), barometer.edge(2, 'y', 'total')])
WHERE status = 'primary';

-- SQLSTATEs
SELECT throws_ok($$SELECT * FROM barometer.secondary_suppression(ARRAY[barometer.cell(ARRAY['a'], -1)], ARRAY[]::barometer.hierarchy_edge[])$$,
	'22023', 'cell value must not be negative', 'negative count');
SELECT throws_ok($$SELECT * FROM barometer.secondary_suppression(ARRAY[barometer.cell(ARRAY['T'], 5), barometer.cell(ARRAY['a'], 3)],
	ARRAY[barometer.edge(1, 'a', 'T')])$$, '22023', 'margin does not add up', 'a margin that does not add up');
SELECT throws_ok($$SELECT * FROM barometer.secondary_suppression(ARRAY[barometer.cell(ARRAY['T'], 3), barometer.cell(ARRAY['a'], 3)],
	ARRAY[barometer.edge(1, 'a', 'b'), barometer.edge(1, 'b', 'c'), barometer.edge(1, 'c', 'a')])$$,
	'22023', 'hierarchy has a loop', 'a hierarchy with a loop');
SELECT throws_ok($$SELECT * FROM barometer.secondary_suppression(ARRAY[barometer.cell(ARRAY['a'], 1), barometer.cell(ARRAY['a'], 1)],
	ARRAY[]::barometer.hierarchy_edge[])$$, '22023', 'duplicate cell', 'a duplicate cell');
SELECT throws_ok($$SELECT * FROM barometer.secondary_suppression(ARRAY[barometer.cell(ARRAY['a'], 1)], ARRAY[]::barometer.hierarchy_edge[],
	method => 'best')$$, '22023', NULL, 'unknown method');
SELECT throws_ok($$SELECT * FROM barometer.suppression_audit(ARRAY[barometer.cell(ARRAY['a'], 1)], ARRAY[]::barometer.hierarchy_edge[],
	protection => -1)$$, '22023', NULL, 'negative protection');
SELECT throws_ok($$SELECT * FROM barometer.secondary_suppression(NULL, ARRAY[]::barometer.hierarchy_edge[])$$, '22004', NULL, 'NULL cells');
SELECT throws_ok($$SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[CASE WHEN g = 0 THEN 'T' ELSE 'c' || g END], CASE WHEN g = 0 THEN 300 ELSE 1 END,
	                            is_primary => g > 0) FROM generate_series(0, 300) g),
	ARRAY(SELECT barometer.edge(1, 'c' || g, 'T') FROM generate_series(1, 300) g), method => 'optimal')$$,
	'22023', 'table too large for the optimal method', 'optimal on a large table');

SELECT * FROM finish();
ROLLBACK;
