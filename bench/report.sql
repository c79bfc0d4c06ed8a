-- bench/report.sql - the results table: medians of the timed rounds, the
-- ratio barometer / baseline against its goal, the parallel speed-ups, the
-- plan check and the numbers check.  Run with psql -X -A -t.
SET client_min_messages = warning;

CREATE TEMP VIEW med AS
SELECT size, nrows, test, mode,
	count(*) FILTER (WHERE which = 'barometer') AS rounds,
	percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which = 'baseline') AS base_ms,
	percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which = 'barometer') AS bar_ms
FROM bench.timing
GROUP BY size, nrows, test, mode;

SELECT format('%-4s %-30s %-8s %6s %11s %12s %6s  %-6s %s',
	'size', 'test', 'mode', 'rounds', 'baseline ms', 'barometer ms', 'ratio', 'goal', 'met');
SELECT format('%-4s %-30s %-8s %6s %11s %12s %6s  %-6s %s',
	m.size, q.title, m.mode, m.rounds,
	to_char(m.base_ms, 'FM999990.0'), to_char(m.bar_ms, 'FM999990.0'),
	to_char(m.bar_ms / m.base_ms, 'FM990.00'),
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
	'>= 1.6',
	CASE WHEN s.bar_ms / p.bar_ms >= 1.6 THEN 'yes' ELSE 'NO' END)
FROM med s
JOIN med p ON p.size = s.size AND p.test = s.test AND p.mode = 'parallel'
JOIN bench.query q ON q.test = s.test
WHERE s.mode = 'serial'
ORDER BY s.nrows, s.test;

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
