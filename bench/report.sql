-- bench/report.sql - the results table: medians of the timed rounds, the
-- ratio barometer / baseline against its goal, the parallel speed-ups, the
-- design and replicate comparisons of issue 3, the plan check and the
-- numbers checks.  Run with psql -X -A -t.
SET client_min_messages = warning;

CREATE TEMP VIEW med AS
SELECT size, nrows, test, mode,
	count(*) FILTER (WHERE which = 'barometer') AS rounds,
	percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which = 'baseline') AS base_ms,
	percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which = 'barometer') AS bar_ms
FROM bench.timing
GROUP BY size, nrows, test, mode;

SELECT format('%-4s %-30s %-8s %6s %11s %12s %6s  %-7s %s',
	'size', 'test', 'mode', 'rounds', 'baseline ms', 'barometer ms', 'ratio', 'goal', 'met');
SELECT format('%-4s %-30s %-8s %6s %11s %12s %6s  %-7s %s',
	m.size, q.title, m.mode, m.rounds,
	to_char(m.base_ms, 'FM999990.0'), to_char(m.bar_ms, 'FM999990.0'),
	CASE WHEN m.bar_ms / m.base_ms < 0.1 THEN to_char(m.bar_ms / m.base_ms, 'FM0.000')
		ELSE to_char(m.bar_ms / m.base_ms, 'FM990.00') END,
	coalesce(g.label, '-'),
	CASE WHEN g.test IS NULL THEN '-'
		WHEN (g.label LIKE '<=%' AND m.bar_ms / m.base_ms <= g.max_ratio)
			OR (g.label LIKE '< %' AND m.bar_ms / m.base_ms < g.max_ratio) THEN 'yes'
		ELSE 'NO' END)
FROM med m
JOIN bench.query q USING (test)
LEFT JOIN bench.goal g USING (test, mode)
ORDER BY m.nrows, m.test, m.mode DESC;

SELECT '';
SELECT 'parallel speed-up = serial median / parallel median (2 workers + leader)';
SELECT format('%-4s %-30s %9s %10s  %-6s %s', 'size', 'test', 'baseline', 'barometer', 'goal', 'met');
SELECT format('%-4s %-30s %9s %10s  %-6s %s',
	s.size, q.title,
	to_char(s.base_ms / p.base_ms, 'FM990.00'),
	to_char(s.bar_ms / p.bar_ms, 'FM990.00'),
	coalesce('>= ' || q.speedup_goal, '-'),
	CASE WHEN q.speedup_goal IS NULL THEN '-'
		WHEN s.bar_ms / p.bar_ms >= q.speedup_goal THEN 'yes' ELSE 'NO' END)
FROM med s
JOIN med p ON p.size = s.size AND p.test = s.test AND p.mode = 'parallel'
JOIN bench.query q ON q.test = s.test
WHERE s.mode = 'serial'
ORDER BY s.nrows, s.test;

SELECT '';
SELECT 'issue 3: designs and replicate weights';
-- (e): what poor locality costs, shuffled rows against file order
SELECT format('%-4s e  shuffled rows: barometer %s ms vs %s ms in file order (%sx), floor %s ms vs %s ms (%sx): the cost of poor locality',
	g.size,
	to_char(s.bar_ms, 'FM999990.0'), to_char(g.bar_ms, 'FM999990.0'),
	to_char(s.bar_ms / g.bar_ms, 'FM990.00'),
	to_char(s.base_ms, 'FM999990.0'), to_char(g.base_ms, 'FM999990.0'),
	to_char(s.base_ms / g.base_ms, 'FM990.00'))
FROM med g
JOIN med s ON s.size = g.size AND s.mode = 'serial' AND s.test = 'e2'
WHERE g.test = 'e' AND g.mode = 'serial'
ORDER BY g.nrows;
-- (f): the unnest formulation against the floor of (f) and against barometer
SELECT format('%-4s f  unnest SQL %s ms = %sx the floor (sum(w) by origin, %s ms); barometer variance %s ms = %sx the floor; unnest / barometer = %sx, goal >= 20x: %s',
	u.size,
	to_char(u.base_ms, 'FM999990.0'), to_char(u.base_ms / f.base_ms, 'FM9990.0'),
	to_char(f.base_ms, 'FM999990.0'),
	to_char(u.bar_ms, 'FM999990.0'), to_char(u.bar_ms / f.base_ms, 'FM990.00'),
	to_char(u.base_ms / u.bar_ms, 'FM9990.0'),
	CASE WHEN u.base_ms / u.bar_ms >= 20 THEN 'yes' ELSE 'NO' END)
FROM med u
JOIN med f ON f.size = u.size AND f.mode = 'serial' AND f.test = 'f'
WHERE u.test = 'f2' AND u.mode = 'serial'
ORDER BY u.nrows;

SELECT '';
SELECT format('plans %s: parallel mode, Gather + Partial Aggregate in %s of %s queries: %s; serial mode, no Gather in %s of %s: %s',
	size,
	count(*) FILTER (WHERE mode = 'parallel' AND gather AND partial_agg),
	count(*) FILTER (WHERE mode = 'parallel'),
	CASE WHEN bool_and(gather AND partial_agg) FILTER (WHERE mode = 'parallel') THEN 'yes' ELSE 'NO' END,
	count(*) FILTER (WHERE mode = 'serial' AND NOT gather),
	count(*) FILTER (WHERE mode = 'serial'),
	CASE WHEN bool_and(NOT gather) FILTER (WHERE mode = 'serial') THEN 'yes' ELSE 'NO' END)
FROM bench.plan
GROUP BY size
ORDER BY min(length(size)), size;

SELECT format('numbers %-3s %-8s (b): estimate %s, relative difference %s; se %s, relative difference %s; <= 1e-12: %s',
	size, mode,
	to_char(est_barometer, 'FM0.000000000000000'),
	trim(to_char(abs(est_barometer - est_sql) / abs(est_sql), '0.0EEEE')),
	to_char(se_barometer, 'FM0.000000000000000'),
	trim(to_char(abs(se_barometer - se_sql) / abs(se_sql), '0.0EEEE')),
	CASE WHEN abs(est_barometer - est_sql) <= 1e-12 * abs(est_sql)
		AND abs(se_barometer - se_sql) <= 1e-12 * abs(se_sql) THEN 'yes' ELSE 'NO' END)
FROM bench.numbers
ORDER BY length(size), size, mode DESC;

SELECT format('numbers %-3s %-8s (e) %-16s: estimate %s, relative difference %s; se %s, relative difference %s (df %s); against the plain-SQL linearization, <= 1e-9: %s',
	size, mode, tbl,
	to_char(est_barometer, 'FM0.000000000000000'),
	trim(to_char(abs(est_barometer - est_sql) / abs(est_sql), '0.0EEEE')),
	to_char(se_barometer, 'FM0.000000000000000'),
	trim(to_char(abs(se_barometer - se_sql) / abs(se_sql), '0.0EEEE')),
	df_barometer,
	CASE WHEN abs(est_barometer - est_sql) <= 1e-9 * abs(est_sql)
		AND abs(se_barometer - se_sql) <= 1e-9 * abs(se_sql) THEN 'yes' ELSE 'NO' END)
FROM bench.numbers_cluster
ORDER BY length(size), size, tbl, mode DESC;

SELECT format('numbers %-3s %-8s (f) origin %s: JK1 variance %s (unnest SQL %s), relative difference %s',
	size, mode, origin,
	var_barometer::text, var_sql::text,
	trim(to_char(abs(var_barometer - var_sql) / abs(var_sql), '0.0EEEE')))
FROM bench.numbers_rep
WHERE mode = 'serial'
ORDER BY length(size), size, origin;
SELECT format('numbers %-3s %-8s (f) the variances of the %s origins against the unnest SQL: largest relative difference %s, <= 1e-9: %s',
	size, mode, count(*),
	trim(to_char(max(abs(var_barometer - var_sql) / abs(var_sql)), '0.0EEEE')),
	CASE WHEN bool_and(abs(var_barometer - var_sql) <= 1e-9 * abs(var_sql)) THEN 'yes' ELSE 'NO' END)
FROM bench.numbers_rep
GROUP BY size, mode
ORDER BY length(size), size, mode DESC;
