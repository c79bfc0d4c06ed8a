\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- Rao-Scott chi-square tests of two-way tables against R survey 4.1.1's
-- svychisq: the rows of test/fixtures/tests_chisq_expected.csv, made by
-- test/fixtures/make_test_fixtures.R from test/fixtures/tests_data.csv and
-- test/fixtures/tests_repw.csv (see test/fixtures/TESTS_NOTES.md).  Run by
-- pg_prove from the repository root, in a database where pgtap and barometer
-- are installed.
--
-- One test = the rows of one (dataset, edition) that match `filter` ("all"
-- or "<col>=<value>": a domain; the design columns come from the WHOLE
-- edition, computed before the filter):
--   n_psu = barometer.psu_count(psu) OVER (PARTITION BY dataset, edition, stratum)
-- and one statistic ('F', 'Chisq', 'Wald', 'adjWald').  r is text (r2, r3),
-- c is integer (c2, c4, ce: ce has an empty cell); NULL categories are
-- missing (R's na.rm = TRUE) but the rows count in N and in the design.
-- Design arguments per call key:
--   wonly        (r, c, w)
--   clus_fpc     (r, c, w, stratum, psu, n_psu, fpc)
--   clus         (r, c, w, stratum, psu, n_psu, NULL::float8)
--   rep_<m>      (r, c, w, repw, barometer.replicates(<m>))          m = jk1, brr
--   rep_<m>_df   (r, c, w, repw, barometer.replicates(<m>, df => spec_df))
--
-- The SQL form is the aggregate barometer.chisq(<args>, statistic).  Values are compared field by field (statistic, ndf, ddf,
-- p_value): tol_type rel |have - want| <= tol |want|, abs |have - want| <=
-- tol; empty expected value = NULL (ddf of 'Chisq').
--
-- Further assertions: the default statistic is 'F' (one per call key); the
-- transposed table (c, r) gives the same result (every statistic, relative
-- 1e-9).

BEGIN;

CREATE TEMP TABLE tests_data (
    dataset text NOT NULL,
    edition integer NOT NULL,
    id      integer NOT NULL,
    stratum integer,
    psu     integer,
    y_bool  boolean,
    y_num   double precision,
    w       double precision NOT NULL,
    fpc     double precision,
    dom     text NOT NULL,
    muni    text NOT NULL,
    region  text NOT NULL,
    r2      text,
    c2      integer,
    r3      text,
    c4      integer,
    ce      integer
);
\copy tests_data FROM 'test/fixtures/tests_data.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE tests_repw (
    dataset text NOT NULL,
    id      integer NOT NULL,
    vals    double precision[] NOT NULL
);
\copy tests_repw FROM 'test/fixtures/tests_repw.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE chisq_expected (
    ord       bigserial,
    test      integer NOT NULL,
    dataset   text NOT NULL,
    call      text NOT NULL,
    edition   integer NOT NULL,
    filter    text NOT NULL,
    rvar      text NOT NULL,
    cvar      text NOT NULL,
    statistic text NOT NULL,
    spec_df   double precision,
    quantity  text NOT NULL,
    value     double precision,
    tol       double precision NOT NULL,
    tol_type  text NOT NULL,
    source    text
);
\copy chisq_expected (test, dataset, call, edition, filter, rvar, cvar, statistic, spec_df, quantity, value, tol, tol_type, source) FROM 'test/fixtures/tests_chisq_expected.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE chisq_prep AS
SELECT d.*, r.vals AS repw,
       barometer.psu_count(d.psu) OVER (PARTITION BY d.dataset, d.edition, d.stratum) AS n_psu
  FROM tests_data d
  LEFT JOIN tests_repw r ON r.dataset = d.dataset AND r.id = d.id;

CREATE FUNCTION pg_temp.where_of(p_dataset text, p_edition integer, p_filter text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
    m text[];
BEGIN
    IF p_filter = 'all' THEN
        RETURN format('dataset = %L AND edition = %s', p_dataset, p_edition);
    END IF;
    m := regexp_match(p_filter, '^(dom|muni|region)=([A-Za-z0-9_]+)$');
    IF m IS NULL THEN
        RAISE EXCEPTION 'bad filter %', p_filter;
    END IF;
    RETURN format('dataset = %L AND edition = %s AND %I = %L', p_dataset, p_edition, m[1], m[2]);
END
$fn$;

-- the design arguments after (r, c, w); $1 = the replicates spec
CREATE FUNCTION pg_temp.design_args(p_call text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
    CASE
        WHEN p_call = 'wonly'    THEN RETURN '';
        WHEN p_call = 'clus_fpc' THEN RETURN ', stratum, psu, n_psu, fpc';
        WHEN p_call = 'clus'     THEN RETURN ', stratum, psu, n_psu, NULL::double precision';
        WHEN p_call ~ '^rep_(jk1|brr)(_df)?$' THEN RETURN ', repw, $1';
        ELSE RAISE EXCEPTION 'unknown call key %', p_call;
    END CASE;
END
$fn$;

CREATE FUNCTION pg_temp.rep_spec(p_call text, p_df double precision)
RETURNS barometer.replicates LANGUAGE plpgsql AS $fn$
DECLARE
    v_method text := substring(p_call FROM '^rep_([a-z0-9]+)');
BEGIN
    IF v_method IS NULL THEN
        RETURN NULL;
    END IF;
    IF p_call LIKE '%\_df' AND p_df IS NULL THEN
        RAISE EXCEPTION 'call % needs spec_df', p_call;
    END IF;
    RETURN barometer.replicates(v_method, df => p_df);
END
$fn$;

-- the SQL of one test ($1 = spec, $2 = statistic; p_stat false: no
-- statistic argument, the default)
CREATE FUNCTION pg_temp.chisq_sql(p_dataset text, p_call text, p_edition integer, p_filter text,
                                  p_r text, p_c text, p_stat boolean) RETURNS text
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    v_args text := format('%I, %I, w%s', p_r, p_c, pg_temp.design_args(p_call));
    v_expr text;
BEGIN
    v_expr := format('barometer.chisq(%s%s ORDER BY id)', v_args,
                     CASE WHEN p_stat THEN ', $2' ELSE '' END);
    RETURN format('SELECT ARRAY[(r).statistic, (r).ndf, (r).ddf, (r).p_value]::double precision[] '
                  'FROM (SELECT %s AS r FROM chisq_prep WHERE %s) s',
                  v_expr, pg_temp.where_of(p_dataset, p_edition, p_filter));
END
$fn$;

CREATE TEMP TABLE chisq_result (
    test integer PRIMARY KEY,
    v    double precision[],
    err  text
);

DO $do$
DECLARE
    r record;
    v double precision[];
BEGIN
    FOR r IN SELECT DISTINCT test, dataset, call, edition, filter, rvar, cvar, statistic, spec_df
               FROM chisq_expected ORDER BY test LOOP
        BEGIN
            EXECUTE pg_temp.chisq_sql(r.dataset, r.call, r.edition, r.filter, r.rvar, r.cvar, true)
               INTO v USING pg_temp.rep_spec(r.call, r.spec_df), r.statistic;
            INSERT INTO chisq_result VALUES (r.test, v, NULL);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO chisq_result VALUES (r.test, NULL, SQLSTATE || ': ' || SQLERRM);
        END;
    END LOOP;
END
$do$;

CREATE FUNCTION pg_temp.close_to(p_have double precision, p_want double precision,
                                 p_tol double precision, p_tol_type text, p_err text,
                                 p_descr text, p_source text)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v_pass boolean;
BEGIN
    IF p_err IS NOT NULL THEN
        RETURN ok(false, p_descr) || E'\n'
            || diag(format('    error: %s' || E'\n' || '    want: %s (source: %s)',
                           p_err, coalesce(p_want::text, 'NULL'), p_source));
    END IF;
    IF p_want IS NULL THEN
        v_pass := p_have IS NULL;
    ELSIF p_have IS NULL THEN
        v_pass := false;
    ELSIF p_tol_type = 'abs' THEN
        v_pass := abs(p_have - p_want) <= p_tol;
    ELSIF p_tol_type = 'rel' THEN
        v_pass := abs(p_have - p_want) <= p_tol * abs(p_want) OR abs(p_have - p_want) <= 1e-13;
    ELSE
        RAISE EXCEPTION 'unknown tol_type %', p_tol_type;
    END IF;
    IF coalesce(v_pass, false) THEN
        RETURN ok(true, p_descr);
    END IF;
    RETURN ok(false, p_descr) || E'\n'
        || diag(format('    have: %s' || E'\n' || '    want: %s (%s tol %s, source: %s)'
                       || E'\n' || '    diff: %s',
                       coalesce(p_have::text, 'NULL'), coalesce(p_want::text, 'NULL'),
                       p_tol_type, p_tol, p_source,
                       CASE WHEN p_have IS NULL OR p_want IS NULL THEN 'n/a'
                            WHEN p_want = 0 OR p_tol_type = 'abs' THEN abs(p_have - p_want)::text
                            ELSE (abs(p_have - p_want) / abs(p_want))::text || ' relative' END));
END
$fn$;

-- the result of one SQL text, or the error
CREATE FUNCTION pg_temp.eval_arr(p_sql text, p_spec barometer.replicates, p_stat text,
                                 OUT v double precision[], OUT err text)
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE p_sql INTO v USING p_spec, p_stat;
EXCEPTION WHEN OTHERS THEN
    err := SQLSTATE || ': ' || SQLERRM;
END
$fn$;

CREATE FUNCTION pg_temp.arrays_close(p_a double precision[], p_b double precision[],
                                     p_tol double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT cardinality(p_a) = cardinality(p_b)
       AND bool_and(CASE WHEN a IS NULL OR b IS NULL THEN a IS NULL AND b IS NULL
                         ELSE abs(a - b) <= p_tol * abs(b) + 1e-15 END)
      FROM unnest(p_a, p_b) AS u(a, b)
$$;

-- the design families used by the extra assertions: one test each
CREATE TEMP TABLE chisq_families AS
SELECT DISTINCT ON (call) test, dataset, call, edition, filter, rvar, cvar, spec_df
  FROM chisq_expected
 WHERE rvar = 'r3' AND cvar = 'c4'
 ORDER BY call, test;

SELECT plan((SELECT count(*)::int FROM chisq_expected)
            + (SELECT count(*)::int FROM chisq_families)          -- default statistic
            + 4 * (SELECT count(*)::int FROM chisq_families));    -- transposed table

-- every expected value
SELECT pg_temp.close_to(
           CASE s.quantity WHEN 'statistic' THEN s.v[1] WHEN 'ndf' THEN s.v[2]
                           WHEN 'ddf' THEN s.v[3] WHEN 'p_value' THEN s.v[4] END,
           s.value, s.tol, s.tol_type, s.err,
           format('chisq #%s %s %s %s %s (%s x %s) %s%s %s', s.test, s.dataset, s.call, s.edition,
                  s.filter, s.rvar, s.cvar, s.statistic, coalesce(' spec_df=' || s.spec_df, ''),
                  s.quantity),
           s.source)
  FROM (SELECT e.*, r.v, r.err FROM chisq_expected e JOIN chisq_result r USING (test)
         ORDER BY e.ord OFFSET 0) s;

-- the default statistic is F
SELECT CASE WHEN d.err IS NOT NULL OR f.err IS NOT NULL
            THEN ok(false, format('chisq %s: default statistic = F', c.call)) || E'\n'
                 || diag(format('    error: %s', coalesce(d.err, f.err)))
            ELSE ok(d.v IS NOT DISTINCT FROM f.v, format('chisq %s: default statistic = F', c.call))
                 || CASE WHEN d.v IS DISTINCT FROM f.v
                         THEN E'\n' || diag(format('    default: %s' || E'\n' || '    F: %s', d.v, f.v))
                         ELSE '' END
       END
  FROM chisq_families c,
       LATERAL pg_temp.eval_arr(pg_temp.chisq_sql(c.dataset, c.call, c.edition, c.filter, c.rvar, c.cvar, false),
                                pg_temp.rep_spec(c.call, c.spec_df), NULL) d,
       LATERAL pg_temp.eval_arr(pg_temp.chisq_sql(c.dataset, c.call, c.edition, c.filter, c.rvar, c.cvar, true),
                                pg_temp.rep_spec(c.call, c.spec_df), 'F') f
 ORDER BY c.call;

-- the transposed table gives the same test
SELECT CASE WHEN a.err IS NOT NULL OR t.err IS NOT NULL
            THEN ok(false, format('chisq %s %s: (c, r) = (r, c)', c.call, st)) || E'\n'
                 || diag(format('    error: %s', coalesce(a.err, t.err)))
            ELSE ok(pg_temp.arrays_close(t.v, a.v, 1e-9), format('chisq %s %s: (c, r) = (r, c)', c.call, st))
                 || CASE WHEN NOT coalesce(pg_temp.arrays_close(t.v, a.v, 1e-9), false)
                         THEN E'\n' || diag(format('    (c, r): %s' || E'\n' || '    (r, c): %s', t.v, a.v))
                         ELSE '' END
       END
  FROM chisq_families c
 CROSS JOIN unnest(ARRAY['F', 'Chisq', 'Wald', 'adjWald']) AS st,
       LATERAL pg_temp.eval_arr(pg_temp.chisq_sql(c.dataset, c.call, c.edition, c.filter, c.rvar, c.cvar, true),
                                pg_temp.rep_spec(c.call, c.spec_df), st) a,
       LATERAL pg_temp.eval_arr(pg_temp.chisq_sql(c.dataset, c.call, c.edition, c.filter, c.cvar, c.rvar, true),
                                pg_temp.rep_spec(c.call, c.spec_df), st) t
 ORDER BY c.call, st;

SELECT * FROM finish();

ROLLBACK;
