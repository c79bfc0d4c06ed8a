\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- barometer.chisq on a 50 x 50 table (2,500 cells, 2,401 interaction
-- contrasts) against R survey 4.1.1's svychisq, and the equivalences that
-- must hold at that size: the transposed table, a parallel plan.  Run by
-- pg_prove from the repository root, in a database where pgtap and barometer
-- are installed.
--
-- The data: 10,000 rows made by integer arithmetic that R and SQL evaluate
-- alike (x1, x2, x3 multiplicative hashes of the row number mod 2^32); the
-- first 2,500 rows fill every cell once, the others are at random with 1 %
-- on the diagonal; six cells have weight 0 only (a star in row 0 and the
-- cell (7, 7): empty cells that do not close a cycle, so the test is
-- defined); 20 strata of 25 PSUs.  R:
--
--   n <- 10000; i <- 1:n
--   x1 <- (i * 2654435761) %% 4294967296
--   x2 <- ((i + 7) * 2246822519) %% 4294967296
--   x3 <- ((i + 3) * 3266489917) %% 4294967296
--   r <- ifelse(i <= 2500, (i - 1) %% 50, (x1 %/% 65536) %% 50)
--   c <- ifelse(i <= 2500, (i - 1) %/% 50,
--               ifelse((x3 %/% 65536) %% 100 == 0, r, (x2 %/% 65536) %% 50))
--   w <- ifelse((r == 0 & c < 5) | (r == 7 & c == 7), 0, 0.5 + (x3 %% 289) / 64)
--   stratum <- 1 + (i %% 20); psu <- stratum * 1000 + ((i %/% 20) %% 25)
--   d <- data.frame(r, c, w, stratum, psu)
--   dw <- svydesign(ids = ~1, weights = ~w, data = d)
--   dc <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d)
--   svychisq(~r + c, dw); svychisq(~r + c, dw, statistic = "Chisq")
--   svychisq(~r + c, dc); svychisq(~r + c, dw, statistic = "Wald")
--
-- (R takes about 5 minutes for each of them; barometer milliseconds for the
-- Rao-Scott forms and seconds for the Wald test, whose 2,401 x 2,401 solve is
-- O(q^3) in both.)  Tolerance: relative 1e-9, as 71_chisq_fixtures.sql.

BEGIN;

CREATE TEMP TABLE t50 AS
SELECT i, r, c,
       CASE WHEN (r = 0 AND c < 5) OR (r = 7 AND c = 7) THEN 0
            ELSE 0.5 + (x3 % 289) / 64.0 END::float8 AS w,
       1 + i % 20 AS stratum,
       (1 + i % 20) * 1000 + (i / 20) % 25 AS psu
  FROM (SELECT i, x3,
               CASE WHEN i <= 2500 THEN (i - 1) % 50 ELSE (x1 / 65536) % 50 END AS r,
               CASE WHEN i <= 2500 THEN (i - 1) / 50
                    WHEN (x3 / 65536) % 100 = 0 THEN (x1 / 65536) % 50
                    ELSE (x2 / 65536) % 50 END AS c
          FROM (SELECT i, (i * 2654435761) % 4294967296 AS x1,
                       ((i + 7) * 2246822519) % 4294967296 AS x2,
                       ((i + 3) * 3266489917) % 4294967296 AS x3
                  FROM generate_series(1::bigint, 10000) AS i) AS h) AS g;
ANALYZE t50;
CREATE TEMP TABLE t50_d AS
SELECT *, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu FROM t50;

-- R's values (svychisq printed with %.17g)
CREATE TEMP TABLE want (form text, statistic text, quantity text, value float8);
INSERT INTO want VALUES
    ('weights only', 'F', 'statistic', 0.98967576689884718),
    ('weights only', 'F', 'ndf', 2284.2785678962659),
    ('weights only', 'F', 'ddf', 22840501.400394764),
    ('weights only', 'F', 'p_value', 0.63315958762013347),
    ('weights only', 'Chisq', 'statistic', 2773.8314759064178),
    ('weights only', 'Chisq', 'ndf', 2401),
    ('weights only', 'Chisq', 'ddf', NULL),
    ('weights only', 'Chisq', 'p_value', 0.63657768954761806),
    ('strata+PSUs', 'F', 'statistic', 1.0098047894922939),
    ('strata+PSUs', 'F', 'ndf', 389.01793174102045),
    ('strata+PSUs', 'F', 'ddf', 186728.60723568982),
    ('strata+PSUs', 'F', 'p_value', 0.43645386151190796),
    ('weights only', 'Wald', 'statistic', 2.2058353098209551),
    ('weights only', 'Wald', 'ndf', 2401),
    ('weights only', 'Wald', 'ddf', 9999),
    ('weights only', 'Wald', 'p_value', 3.5251524153132335e-155);

CREATE FUNCTION pg_temp.chisq(p_form text, p_stat text, p_transposed boolean)
RETURNS barometer.chisq_result LANGUAGE plpgsql AS $fn$
DECLARE
    v barometer.chisq_result;
BEGIN
    EXECUTE format('SELECT (barometer.chisq(%s, %s)).* FROM t50_d',
                   CASE WHEN p_transposed THEN 'c, r' ELSE 'r, c' END,
                   CASE p_form WHEN 'weights only' THEN 'w, $1'
                               ELSE 'w, stratum, psu, n_psu, NULL, $1' END)
        INTO STRICT v USING p_stat;
    RETURN v;
END
$fn$;

-- (the transposed Wald test only in 71_chisq_fixtures.sql: its solve takes
-- seconds here)
CREATE TEMP TABLE have AS
SELECT form, statistic, pg_temp.chisq(form, statistic, false) AS res,
       CASE WHEN statistic <> 'Wald' THEN pg_temp.chisq(form, statistic, true) END AS res_t
  FROM (SELECT DISTINCT form, statistic FROM want) AS s;

SELECT plan((SELECT count(*)::int FROM want) + (SELECT count(*)::int FROM have WHERE res_t IS NOT NULL) + 4);

-- R's values, relative 1e-9; p-values relative 1e-9 on the log scale (a
-- statistic known to relative e gives p to relative e |d ln p / d ln F|:
-- the Wald p-value of 3.5e-155 moves 100 times more than its statistic)
SELECT ok(pass, format('chisq 50 x 50 %s %s %s: R''s svychisq', w.form, w.statistic, w.quantity))
       || CASE WHEN NOT pass THEN E'\n' || diag(format('    have %s, want %s', v, w.value)) ELSE '' END
  FROM want w
  JOIN have h USING (form, statistic),
       LATERAL (SELECT CASE w.quantity WHEN 'statistic' THEN (h.res).statistic
                                       WHEN 'ndf' THEN (h.res).ndf
                                       WHEN 'ddf' THEN (h.res).ddf
                                       ELSE (h.res).p_value END AS v) AS x,
       LATERAL (SELECT coalesce(CASE WHEN w.value IS NULL THEN v IS NULL
                                     WHEN w.quantity = 'p_value'
                                     THEN abs(ln(v) - ln(w.value)) <= 1e-9 * greatest(1, abs(ln(w.value)))
                                     ELSE abs(v - w.value) <= 1e-9 * abs(w.value) END, false) AS pass) AS y
 ORDER BY w.form, w.statistic, w.quantity;

-- the transposed table: the same test, relative 1e-9
SELECT ok(abs((res_t).statistic - (res).statistic) <= 1e-9 * abs((res).statistic)
          AND abs((res_t).ndf - (res).ndf) <= 1e-9 * abs((res).ndf)
          AND coalesce(abs((res_t).ddf - (res).ddf) <= 1e-9 * abs((res).ddf), (res).ddf IS NULL),
          format('chisq 50 x 50 %s %s: (c, r) = (r, c)', form, statistic))
  FROM have WHERE res_t IS NOT NULL ORDER BY form, statistic;

-- a parallel plan (partial states serialized and combined, the PSUs of a
-- stratum split between workers) gives the test of the serial one,
-- relative 1e-10; temporary tables are never scanned in parallel, so a real
-- one (rolled back)
CREATE TABLE chisq_par_rows AS SELECT * FROM t50_d;
ALTER TABLE chisq_par_rows SET (parallel_workers = 2);
ANALYZE chisq_par_rows;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
    RETURN acc;
END $$;

SELECT matches(pg_temp.plan_of('SELECT barometer.chisq(r, c, w, stratum, psu, n_psu, NULL) FROM chisq_par_rows'),
    'Partial Aggregate', 'chisq 50 x 50 runs as a Partial Aggregate');

CREATE TEMP TABLE par AS
SELECT barometer.chisq(r, c, w) AS wf,
       barometer.chisq(r, c, w, stratum, psu, n_psu, NULL) AS cf,
       barometer.chisq(r, c, w, stratum, psu, n_psu, NULL, 'Chisq') AS cc
  FROM chisq_par_rows;

CREATE FUNCTION pg_temp.same(a barometer.chisq_result, b barometer.chisq_result) RETURNS boolean
LANGUAGE sql AS $$
    SELECT abs(a.statistic - b.statistic) <= 1e-10 * abs(b.statistic)
       AND abs(a.ndf - b.ndf) <= 1e-10 * abs(b.ndf)
       AND coalesce(abs(a.ddf - b.ddf) <= 1e-10 * abs(b.ddf), b.ddf IS NULL)
       AND abs(a.p_value - b.p_value) <= 1e-10 * abs(b.p_value) + 1e-15
$$;

SELECT ok(pg_temp.same(p.wf, h.res), 'chisq 50 x 50 weights only F: parallel = serial')
  FROM par p, have h WHERE h.form = 'weights only' AND h.statistic = 'F';
SELECT ok(pg_temp.same(p.cf, h.res), 'chisq 50 x 50 strata+PSUs F: parallel = serial')
  FROM par p, have h WHERE h.form = 'strata+PSUs' AND h.statistic = 'F';
SELECT ok(pg_temp.same(p.cc, pg_temp.chisq('strata+PSUs', 'Chisq', false)),
          'chisq 50 x 50 strata+PSUs Chisq: parallel = serial')
  FROM par p;

SELECT * FROM finish();

ROLLBACK;
