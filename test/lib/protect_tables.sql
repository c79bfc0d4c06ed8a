-- test/lib/protect_tables.sql, included by the pgTAP files of the optimal
-- mode (\ir ../lib/protect_tables.sql): the 3-D tables of
-- bench/protect_optimal.py - pg_temp.cells(seed, municipalities, origins):
-- municipalities -> 2 provinces -> T, origins -> 2 groups -> T, 2 sexes
-- -> T, every margin, leaves 0-25 from a hash; pg_temp.edges: their
-- hierarchy
CREATE FUNCTION pg_temp.cells(seed int, nm int, no int)
RETURNS barometer.table_cell[] LANGUAGE sql AS $$
	WITH l AS (
		SELECT 'm' || m AS mu, 'P' || (m % 2) AS pr, 'o' || o AS oo, 'G' || (o % 2) AS gr,
		       's' || s AS ss,
		       greatest((hashint4(seed * 100003 + m * 1009 + o * 31 + s) & 31) - 6, 0) AS n
		FROM generate_series(1, nm) m, generate_series(1, no) o, generate_series(1, 2) s)
	SELECT array_agg(barometer.cell(ARRAY[a, b, x], v))
	FROM (SELECT a, b, x, sum(n)::float8 AS v
	      FROM l CROSS JOIN LATERAL (VALUES (mu), (pr), ('T')) da(a)
	             CROSS JOIN LATERAL (VALUES (oo), (gr), ('T')) db(b)
	             CROSS JOIN LATERAL (VALUES (ss), ('T')) dx(x)
	      GROUP BY a, b, x) t $$;
CREATE FUNCTION pg_temp.edges(nm int, no int)
RETURNS barometer.hierarchy_edge[] LANGUAGE sql AS $$
	SELECT ARRAY(
		SELECT barometer.edge(1, 'm' || m, 'P' || (m % 2)) FROM generate_series(1, nm) m
		UNION ALL SELECT barometer.edge(1, 'P' || p, 'T') FROM generate_series(0, 1) p
		UNION ALL SELECT barometer.edge(2, 'o' || o, 'G' || (o % 2)) FROM generate_series(1, no) o
		UNION ALL SELECT barometer.edge(2, 'G' || g, 'T') FROM generate_series(0, 1) g
		UNION ALL SELECT barometer.edge(3, 's' || s, 'T') FROM generate_series(1, 2) s) $$;
