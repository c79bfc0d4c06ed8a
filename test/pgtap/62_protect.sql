-- protect_table (0.2): the publishable form, reason codes, levels per cell
-- and a-priori bounds, cost functions, group disclosure, linked tables of
-- different dimensions, the optimal mode's time limit, SQLSTATEs
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(18);

CREATE TEMP TABLE t15 (region text, gender text, n int);
INSERT INTO t15 VALUES
	('total', 'total', 83), ('total', 'male', 45), ('total', 'female', 38),
	('A', 'total', 12), ('A', 'male', 10), ('A', 'female', 2),
	('B', 'total', 25), ('B', 'male', 13), ('B', 'female', 12),
	('C', 'total', 14), ('C', 'male', 8), ('C', 'female', 6),
	('D', 'total', 32), ('D', 'male', 14), ('D', 'female', 18);
CREATE FUNCTION pg_temp.c15() RETURNS barometer.table_cell[] LANGUAGE sql AS $$
	SELECT ARRAY(SELECT barometer.cell(ARRAY[region, gender], n) FROM t15) $$;
CREATE FUNCTION pg_temp.h15() RETURNS barometer.hierarchy_edge[] LANGUAGE sql AS $$
	SELECT ARRAY(SELECT barometer.edge(1, r, 'total') FROM unnest(ARRAY['A', 'B', 'C', 'D']) r
	             UNION ALL SELECT barometer.edge(2, g, 'total') FROM unnest(ARRAY['male', 'female']) g) $$;
CREATE TEMP TABLE p15 AS SELECT * FROM barometer.protect_table(pg_temp.c15(), pg_temp.h15());

SELECT is((SELECT count(*) FROM p15 WHERE status <> 'publish' AND (published IS NOT NULL OR flag IS DISTINCT FROM 'confidential'
	OR flag_nl IS DISTINCT FROM 'vertrouwelijk')), 0::bigint, 'every hidden cell is published as confidential / vertrouwelijk');
SELECT is((SELECT count(*) FROM p15 WHERE status = 'publish' AND (published IS DISTINCT FROM value OR flag IS NOT NULL)), 0::bigint,
	'published cells carry their value and no flag');
SELECT is((SELECT string_agg(coords::text || ':' || reason, ' ' ORDER BY coords) FROM p15 WHERE status = 'primary'),
	'{A,female}:small_count {A,male}:small_complement', 'reason codes of the primaries');
SELECT is((SELECT DISTINCT reason_nl FROM p15 WHERE status = 'secondary'), 'onderdrukt om een andere cel te beschermen',
	'secondaries: complementary, in Dutch too');
SELECT is((SELECT upper_level FROM p15 WHERE coords = ARRAY['A', 'female']), 3::float8,
	'a small count 2 under threshold 5 has upper level 3');
SELECT ok((SELECT upper >= 5 AND protected FROM p15 WHERE coords = ARRAY['A', 'female']),
	'its interval reaches the threshold');
SELECT is((SELECT count(*) FROM p15 WHERE status = 'primary' AND NOT protected), 0::bigint, 'every primary protected');

-- a-priori knowledge: an intruder who knows (C, female) is at most 7 and
-- (C, male) at least 7 sees less room
SELECT ok((SELECT upper FROM barometer.protect_table(pg_temp.c15(), pg_temp.h15(), method => 'audit',
		levels => ARRAY[barometer.protection(ARRAY['C', 'female'], known_max => 7)]) WHERE coords = ARRAY['C', 'female']) <= 7,
	'a-priori bounds bound the intruder''s interval');
-- per-cell levels: a sliding level of 30 cannot be met by the rectangle
SELECT ok((SELECT count(*) FROM barometer.protect_table(pg_temp.c15(), pg_temp.h15(),
		levels => ARRAY[barometer.protection(ARRAY['A', 'female'], upper_level => 10)]) WHERE status <> 'publish') >= 4,
	'a per-cell upper level is honoured');

-- cost functions
SELECT is((SELECT count(DISTINCT c) FROM unnest(ARRAY['value', 'cells', 'log', 'weight']) c,
		LATERAL barometer.protect_table(pg_temp.c15(), pg_temp.h15(), cost => c) p WHERE p.status = 'primary' AND p.protected), 4::bigint,
	'every cost function protects');
SELECT throws_ok($$SELECT * FROM barometer.protect_table(pg_temp.c15(), pg_temp.h15(), cost => 'area')$$, '22023', NULL,
	'unknown cost function');
SELECT throws_ok($$SELECT * FROM barometer.protect_table(pg_temp.c15(), pg_temp.h15(), intruder => 'spy')$$, '22023', NULL,
	'unknown intruder');
SELECT throws_ok($$SELECT * FROM barometer.protect_table(pg_temp.c15(), pg_temp.h15(), time_limit => 0)$$, '22023', NULL,
	'time_limit must be positive');

-- group disclosure: all 7 of region X are women
SELECT is((SELECT string_agg(coords::text || ':' || status || ':' || coalesce(reason, ''), ' ' ORDER BY coords)
	FROM barometer.protect_table(
		ARRAY[barometer.cell(ARRAY['T', 'T'], 27), barometer.cell(ARRAY['T', 'm'], 10), barometer.cell(ARRAY['T', 'f'], 17),
		      barometer.cell(ARRAY['X', 'T'], 7), barometer.cell(ARRAY['X', 'm'], 0), barometer.cell(ARRAY['X', 'f'], 7),
		      barometer.cell(ARRAY['Y', 'T'], 20), barometer.cell(ARRAY['Y', 'm'], 10), barometer.cell(ARRAY['Y', 'f'], 10)],
		ARRAY[barometer.edge(1, 'X', 'T'), barometer.edge(1, 'Y', 'T'), barometer.edge(2, 'm', 'T'), barometer.edge(2, 'f', 'T')])
	WHERE status <> 'publish'),
	'{X,f}:primary:group_disclosure {X,m}:secondary:disclosive_zero {Y,f}:secondary:complementary {Y,m}:primary:group_disclosure',
	'group disclosure: all of X are women, all men are in Y: both cells primary, a zero hidden with them');

-- linked tables of different dimensions: geo x origin and geo x sex
SELECT is((SELECT count(*) FILTER (WHERE protected) || '/' || count(*) FROM barometer.protect_table(
		barometer.linked_cells(ARRAY[
			barometer.cell(ARRAY['T', 'T'], 40, table_name => 'go'), barometer.cell(ARRAY['T', 'eu'], 22, table_name => 'go'),
			barometer.cell(ARRAY['T', 'noneu'], 18, table_name => 'go'), barometer.cell(ARRAY['a', 'T'], 15, table_name => 'go'),
			barometer.cell(ARRAY['a', 'eu'], 3, table_name => 'go'), barometer.cell(ARRAY['a', 'noneu'], 12, table_name => 'go'),
			barometer.cell(ARRAY['b', 'T'], 25, table_name => 'go'), barometer.cell(ARRAY['b', 'eu'], 19, table_name => 'go'),
			barometer.cell(ARRAY['b', 'noneu'], 6, table_name => 'go'),
			barometer.cell(ARRAY['T', 'T'], 40, table_name => 'gs'), barometer.cell(ARRAY['T', 'm'], 21, table_name => 'gs'),
			barometer.cell(ARRAY['T', 'f'], 19, table_name => 'gs'), barometer.cell(ARRAY['a', 'T'], 15, table_name => 'gs'),
			barometer.cell(ARRAY['a', 'm'], 8, table_name => 'gs'), barometer.cell(ARRAY['a', 'f'], 7, table_name => 'gs'),
			barometer.cell(ARRAY['b', 'T'], 25, table_name => 'gs'), barometer.cell(ARRAY['b', 'm'], 13, table_name => 'gs'),
			barometer.cell(ARRAY['b', 'f'], 12, table_name => 'gs')],
			ARRAY[barometer.edge(1, 'a', 'T'), barometer.edge(1, 'b', 'T'), barometer.edge(2, 'eu', 'T'), barometer.edge(2, 'noneu', 'T'),
			      barometer.edge(3, 'm', 'T'), barometer.edge(3, 'f', 'T')],
			'{"go": [1, 2], "gs": [1, 3]}'),
		ARRAY[barometer.edge(1, 'a', 'T'), barometer.edge(1, 'b', 'T'), barometer.edge(2, 'eu', 'T'), barometer.edge(2, 'noneu', 'T'),
		      barometer.edge(3, 'm', 'T'), barometer.edge(3, 'f', 'T')])
	WHERE status = 'primary'), '3/3',
	'linked tables of different dimensions: every primary protected across both');

-- the 0.1 functions still resolve with their 0.1 arguments
SELECT is((SELECT count(*) FROM barometer.secondary_suppression(pg_temp.c15(), pg_temp.h15(), 'heuristic', 1, 0, true, NULL)),
	15::bigint, 'secondary_suppression with its 0.1 arguments');
SELECT is((SELECT count(*) FROM barometer.suppression_audit(pg_temp.c15(), pg_temp.h15(), 1, 0, true, NULL)),
	15::bigint, 'suppression_audit with its 0.1 arguments');
-- the optimal mode (small table: proven within its limit)
SELECT is((SELECT sum(value) FROM barometer.protect_table(pg_temp.c15(), pg_temp.h15(), method => 'optimal', time_limit => 20)
	WHERE status = 'secondary'), (SELECT sum(value) FROM p15 WHERE status = 'secondary'),
	'the optimal mode finds the heuristic''s cost on the 15-cell table');

SELECT * FROM finish();
ROLLBACK;
