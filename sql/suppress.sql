-- secondary suppression of tables with margins and hierarchies, and the
-- attacker's audit
\set VERBOSITY default
SET extra_float_digits = 0;

-- FACTS.md: region {total, A, B, C, D} x gender {total, male, female}, one
-- primary at (A, female): cells 5, 6, 11 and 12 (row-major, totals first)
CREATE TABLE t15 (i int, region text, gender text, n int);
INSERT INTO t15 VALUES
	(1, 'total', 'total', 83), (2, 'total', 'male', 45), (3, 'total', 'female', 38),
	(4, 'A', 'total', 12), (5, 'A', 'male', 10), (6, 'A', 'female', 2),
	(7, 'B', 'total', 25), (8, 'B', 'male', 13), (9, 'B', 'female', 12),
	(10, 'C', 'total', 14), (11, 'C', 'male', 8), (12, 'C', 'female', 6),
	(13, 'D', 'total', 32), (14, 'D', 'male', 14), (15, 'D', 'female', 18);
CREATE TABLE h15 AS
SELECT barometer.edge(1, r, 'total') AS e FROM unnest(ARRAY['A', 'B', 'C', 'D']) r
UNION ALL SELECT barometer.edge(2, g, 'total') FROM unnest(ARRAY['male', 'female']) g;
SELECT s.*
FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n, is_primary => (region = 'A' AND gender = 'female'))
	      FROM t15 ORDER BY i),
	ARRAY(SELECT e FROM h15)) s;
SELECT string_agg(t.i::text, ' ' ORDER BY t.i) AS suppressed
FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n, is_primary => (region = 'A' AND gender = 'female'))
	      FROM t15), ARRAY(SELECT e FROM h15), method => 'optimal') s
JOIN t15 t ON s.coords = ARRAY[t.region, t.gender]
WHERE s.status <> 'publish';

-- FACTS.md: {total; a = 1, b = 2, c = 1, d = 0}, a and c primary.  FACTS.md's
-- patterns are for an intruder who knows only >= 0; this one knows that hidden
-- counts are >= 1 (zeros are never hidden), so a + c = 2 gives a = c = 1 and b
-- must go too; at protection 3 or 5 the total alone leaves a and c unbounded
CREATE TABLE t1 (code text, n int);
INSERT INTO t1 VALUES ('total', 4), ('a', 1), ('b', 2), ('c', 1), ('d', 0);
CREATE FUNCTION pattern(protection float8, singleton boolean, method text DEFAULT 'heuristic')
RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(s.coords[1] || ':' || s.status, ' ' ORDER BY s.coords[1])
	FROM barometer.secondary_suppression(
		ARRAY(SELECT barometer.cell(ARRAY[code], n, is_primary => code IN ('a', 'c')) FROM t1),
		ARRAY(SELECT barometer.edge(1, code, 'total') FROM t1 WHERE code <> 'total'),
		method => method, protection => protection, singleton => singleton) s
	WHERE s.status <> 'publish' $$;
SELECT pattern(1, false) AS no_singleton_protection, pattern(1, true) AS singleton_protection;
SELECT pattern(3, false) AS protection_3, pattern(5, false) AS protection_5,
       pattern(5, false, 'optimal') AS protection_5_optimal;

-- the handbook's 2 x 2 block: [3, 6] for an intruder who knows >= 0 only; with
-- hidden counts >= 1 it is [4, 5], and the contributor of the singleton (R2, X2)
-- pins it (problem singleton)
CREATE TABLE hb (r text, c text, n int);
INSERT INTO hb VALUES
	('T', 'T', 32), ('T', 'X1', 11), ('T', 'X2', 9), ('T', 'X3', 12),
	('R1', 'T', 12), ('R1', 'X1', 4), ('R1', 'X2', 3), ('R1', 'X3', 5),
	('R2', 'T', 10), ('R2', 'X1', 2), ('R2', 'X2', 1), ('R2', 'X3', 7),
	('R3', 'T', 10), ('R3', 'X1', 5), ('R3', 'X2', 5), ('R3', 'X3', 0);
CREATE TABLE hbh AS
SELECT barometer.edge(1, x, 'T') AS e FROM unnest(ARRAY['R1', 'R2', 'R3']) x
UNION ALL SELECT barometer.edge(2, x, 'T') FROM unnest(ARRAY['X1', 'X2', 'X3']) x;
SELECT coords, value, status, lower, upper, required, protected, problem
FROM barometer.suppression_audit(
	ARRAY(SELECT barometer.cell(ARRAY[r, c], n, is_primary => (r, c) = ('R1', 'X1'),
	                            suppressed => r IN ('R1', 'R2') AND c IN ('X1', 'X2')) FROM hb),
	ARRAY(SELECT e FROM hbh))
WHERE status <> 'publish' ORDER BY coords;
SELECT coords, lower, upper, required, protected, problem
FROM barometer.suppression_audit(
	ARRAY(SELECT barometer.cell(ARRAY[r, c], n, is_primary => (r, c) = ('R1', 'X1'),
	                            suppressed => r IN ('R1', 'R2') AND c IN ('X1', 'X2')) FROM hb),
	ARRAY(SELECT e FROM hbh), protection => 4)
WHERE status = 'primary';
-- a primary alone in its row is recomputed exactly
SELECT coords, lower, upper, protected, problem
FROM barometer.suppression_audit(
	ARRAY(SELECT barometer.cell(ARRAY[r, c], n, is_primary => (r, c) = ('R1', 'X1')) FROM hb),
	ARRAY(SELECT e FROM hbh))
WHERE status = 'primary';

-- linked tables: T1 hides a rectangle, T2 (the inner cells, no totals)
-- publishes (B, x); each alone protects (A, x), together they do not
CREATE TABLE lk (tab text, r text, c text, n int, hidden boolean);
INSERT INTO lk VALUES
	('T1', 'total', 'total', 40, false), ('T1', 'total', 'x', 22, false), ('T1', 'total', 'y', 18, false),
	('T1', 'A', 'total', 15, false), ('T1', 'A', 'x', 3, true), ('T1', 'A', 'y', 12, true),
	('T1', 'B', 'total', 25, false), ('T1', 'B', 'x', 19, true), ('T1', 'B', 'y', 6, true),
	('T2', 'A', 'x', 3, true), ('T2', 'A', 'y', 12, true), ('T2', 'B', 'x', 19, false), ('T2', 'B', 'y', 6, true);
SELECT table_name, coords, status, lower, upper, protected, problem
FROM barometer.suppression_audit(
	ARRAY(SELECT barometer.cell(ARRAY[r, c], n, is_primary => (r, c) = ('A', 'x'), suppressed => hidden,
	                            table_name => tab) FROM lk),
	ARRAY[barometer.edge(1, 'A', 'total'), barometer.edge(1, 'B', 'total'),
	      barometer.edge(2, 'x', 'total'), barometer.edge(2, 'y', 'total')])
WHERE status <> 'publish' ORDER BY table_name, coords;

-- a 3-D register table with hierarchies, primaries from the count_threshold policy
CREATE TABLE reg AS
SELECT m, o, s, ((hashint4(m * 100 + o * 10 + s) & 255) % 23)::int AS n
FROM generate_series(1, 4) m, generate_series(1, 4) o, generate_series(1, 2) s;
CREATE VIEW reg_cells AS
SELECT coalesce(mm, 'all') AS municipality, coalesce(oo, 'all') AS origin, coalesce(ss, 'T') AS sex, sum(n)::int AS n
FROM (SELECT CASE m WHEN 1 THEN '11001' WHEN 2 THEN '11002' WHEN 3 THEN '23001' ELSE '23002' END AS mm,
             CASE WHEN o <= 2 THEN 'EU' || o ELSE 'nonEU' || o END AS oo,
             CASE s WHEN 1 THEN 'M' ELSE 'F' END AS ss, n FROM reg) r
GROUP BY CUBE (mm, oo, ss)
UNION ALL
SELECT prov, coalesce(oo, 'all'), coalesce(ss, 'T'), sum(n)::int
FROM (SELECT CASE WHEN m <= 2 THEN 'P1' ELSE 'P2' END AS prov,
             CASE WHEN o <= 2 THEN 'EU' || o ELSE 'nonEU' || o END AS oo,
             CASE s WHEN 1 THEN 'M' ELSE 'F' END AS ss, n FROM reg) r
GROUP BY prov, CUBE (oo, ss)
UNION ALL
SELECT coalesce(mm, 'all'), grp, coalesce(ss, 'T'), sum(n)::int
FROM (SELECT CASE m WHEN 1 THEN '11001' WHEN 2 THEN '11002' WHEN 3 THEN '23001' ELSE '23002' END AS mm,
             CASE WHEN o <= 2 THEN 'EU' ELSE 'nonEU' END AS grp,
             CASE s WHEN 1 THEN 'M' ELSE 'F' END AS ss, n FROM reg) r
GROUP BY grp, CUBE (mm, ss)
UNION ALL
SELECT prov, grp, coalesce(ss, 'T'), sum(n)::int
FROM (SELECT CASE WHEN m <= 2 THEN 'P1' ELSE 'P2' END AS prov,
             CASE WHEN o <= 2 THEN 'EU' ELSE 'nonEU' END AS grp,
             CASE s WHEN 1 THEN 'M' ELSE 'F' END AS ss, n FROM reg) r
GROUP BY prov, grp, CUBE (ss);
CREATE TABLE reg_h AS
SELECT barometer.edge(1, mu, CASE WHEN mu LIKE '1%' THEN 'P1' ELSE 'P2' END) AS e
FROM unnest(ARRAY['11001', '11002', '23001', '23002']) mu
UNION ALL SELECT barometer.edge(1, p, 'all') FROM unnest(ARRAY['P1', 'P2']) p
UNION ALL SELECT barometer.edge(2, o, CASE WHEN o LIKE 'EU%' THEN 'EU' ELSE 'nonEU' END)
	FROM unnest(ARRAY['EU1', 'EU2', 'nonEU3', 'nonEU4']) o
UNION ALL SELECT barometer.edge(2, g, 'all') FROM unnest(ARRAY['EU', 'nonEU']) g
UNION ALL SELECT barometer.edge(3, x, 'T') FROM unnest(ARRAY['M', 'F']) x;
SELECT count(*) AS cells, count(*) FILTER (WHERE status = 'primary') AS primaries,
       count(*) FILTER (WHERE status = 'secondary') AS secondaries,
       bool_and(protected) FILTER (WHERE status = 'primary') AS all_protected
FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[municipality, origin, sex], n) FROM reg_cells),
	ARRAY(SELECT e FROM reg_h), policy => 'count_threshold');
-- the same pattern, audited on its own, is safe
WITH p AS (
	SELECT * FROM barometer.secondary_suppression(
		ARRAY(SELECT barometer.cell(ARRAY[municipality, origin, sex], n) FROM reg_cells),
		ARRAY(SELECT e FROM reg_h), policy => 'count_threshold'))
SELECT count(*) FILTER (WHERE status = 'primary') AS primaries, bool_and(protected) AS all_protected
FROM barometer.suppression_audit(
	ARRAY(SELECT barometer.cell(coords, value, is_primary => status = 'primary',
	                            suppressed => status = 'secondary') FROM p),
	ARRAY(SELECT e FROM reg_h))
WHERE status = 'primary';

-- bad input: each error names the cell or the level
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], CASE WHEN i = 5 THEN -10 ELSE n END) FROM t15),
	ARRAY(SELECT e FROM h15));
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], CASE WHEN i = 1 THEN 84 ELSE n END) FROM t15),
	ARRAY(SELECT e FROM h15));
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15),
	ARRAY(SELECT e FROM h15) || barometer.edge(1, 'total', 'A'));
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15),
	ARRAY(SELECT e FROM h15) || barometer.edge(1, 'A', 'B'));
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15) || barometer.cell(ARRAY['A', 'male'], 10),
	ARRAY(SELECT e FROM h15));
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15) || barometer.cell(ARRAY['E'], 0),
	ARRAY(SELECT e FROM h15));
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15) || barometer.cell(ARRAY['E', NULL], 0),
	ARRAY(SELECT e FROM h15));
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15),
	ARRAY(SELECT e FROM h15) || barometer.edge(3, 'x', 'y'));
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15), ARRAY(SELECT e FROM h15), method => 'exact');
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15), ARRAY(SELECT e FROM h15), protection => 0);
SELECT * FROM barometer.secondary_suppression(
	ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15), ARRAY(SELECT e FROM h15), policy => 'nchs2017');
SELECT count(*) FROM barometer.secondary_suppression(
	ARRAY[]::barometer.table_cell[], ARRAY[]::barometer.hierarchy_edge[]);
