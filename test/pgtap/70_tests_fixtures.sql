\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- Significance tests against R survey 4.1.1 and R's p.adjust: the rows of
-- test/fixtures/tests_expected.csv (barometer.diff_test) and
-- test/fixtures/tests_padjust.csv (barometer.p_adjust), made by
-- test/fixtures/make_test_fixtures.R from test/fixtures/tests_data.csv and
-- test/fixtures/tests_repw.csv (see test/fixtures/TESTS_NOTES.md).  Run by
-- pg_prove from the repository root, in a database where pgtap and barometer
-- are installed.
--
-- Tallies.  The design columns come from window functions over the WHOLE
-- sample of a (dataset, edition), computed before any row is left out:
--   n_sample = count(*) OVER (PARTITION BY dataset, edition)
--   n_psu    = barometer.psu_count(psu) OVER (PARTITION BY dataset, edition, stratum)
-- A selector "<edition>:all" or "<edition>:<col>=<value>" (col: dom, muni,
-- region) picks the rows of one tally, one query per (dataset, call,
-- variable, spec_df, selector):
--   SELECT barometer.tally(y, w, <design columns>) FROM tests_prep WHERE <selector>
-- Call keys:
--   wonly        tally(y, w)
--   wonly_n      tally(y, w, n_sample)
--   clus_fpc     tally(y, w, stratum, psu, n_psu, fpc)
--   clus         tally(y, w, stratum, psu, n_psu, NULL::float8)
--   rep_jk1      tally(y, w, repw, barometer.replicates('jk1'))
--   rep_jk1_mse  tally(y, w, repw, barometer.replicates('jk1', mse => true))
--   rep_brr      tally(y, w, repw, barometer.replicates('brr'))
--   rep_<m>_df   tally(y, w, repw, barometer.replicates(<m>, df => spec_df))
-- Each test id is one barometer.diff_test(a, b, relation, level); every new
-- function is called through EXECUTE, so a missing or failing function shows
-- as a failed assertion with the error, not as a script error.
--
-- Assertions:
--   * one per row of tests_expected.csv: estimate_a / estimate_b =
--     barometer.estimate() of the tallies (to tell a tally problem from a
--     test problem), the other quantities = the fields of the
--     barometer.difference result; tol_type rel: |have - want| <= tol |want|
--     or <= 1e-13; abs: |have - want| <= tol; empty value = NULL expected;
--   * defaults: diff_test(a, b) = diff_test(a, b, 'independent', 0.95) and
--     diff_test(a, b, relation) = diff_test(a, b, relation, 0.95), field by
--     field, for every test at level 0.95 with that relation;
--   * symmetry: diff_test(b, a) for relations domains and independent gives
--     -difference, the same se, df and p-value, -statistic and the mirrored
--     interval (relative 1e-12);
--   * merged tallies: for the clus_fpc and rep_jk1 tests of relation domains
--     and part at level 0.95, tallies rebuilt as barometer.merge() of
--     per-PSU-number GROUP BY tallies give the same diff_test (relative 1e-12);
--   * p_adjust: one per row of tests_padjust.csv for the array form and one
--     for the window form p_adjust(p, method) OVER (PARTITION BY case,
--     method) (relative 1e-14, no absolute floor: R computes (n/i)*p, a C n*p/i may differ in
--     the last bit), plus: the window result does not depend on an ORDER BY
--     in the window (the whole partition counts, as for rank()), an empty
--     array gives an empty array, a NULL array gives NULL.

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

CREATE TEMP TABLE tests_expected (
    ord      bigserial,
    test     integer NOT NULL,
    dataset  text NOT NULL,
    call     text NOT NULL,
    relation text NOT NULL,
    a        text NOT NULL,
    b        text NOT NULL,
    variable text NOT NULL,
    level    double precision NOT NULL,
    spec_df  double precision,
    quantity text NOT NULL,
    value    double precision,
    tol      double precision NOT NULL,
    tol_type text NOT NULL,
    source   text
);
\copy tests_expected (test, dataset, call, relation, a, b, variable, level, spec_df, quantity, value, tol, tol_type, source) FROM 'test/fixtures/tests_expected.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE tests_padjust (
    ord      bigserial,
    "case"   text NOT NULL,
    method   text NOT NULL,
    pos      integer NOT NULL,
    p        double precision,
    expected double precision
);
\copy tests_padjust ("case", method, pos, p, expected) FROM 'test/fixtures/tests_padjust.csv' WITH (FORMAT csv, HEADER true)

-- the whole-sample design columns, before any selection
CREATE TEMP TABLE tests_prep AS
SELECT d.*, r.vals AS repw,
       count(*) OVER (PARTITION BY d.dataset, d.edition) AS n_sample,
       barometer.psu_count(d.psu) OVER (PARTITION BY d.dataset, d.edition, d.stratum) AS n_psu
  FROM tests_data d
  LEFT JOIN tests_repw r ON r.dataset = d.dataset AND r.id = d.id;

-- the WHERE condition of a selector
CREATE FUNCTION pg_temp.sel_where(p_dataset text, p_sel text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
    m text[] := regexp_match(p_sel, '^([0-9]+):(all|(dom|muni|region)=([A-Za-z0-9_]+))$');
BEGIN
    IF m IS NULL THEN
        RAISE EXCEPTION 'bad selector %', p_sel;
    END IF;
    IF m[2] = 'all' THEN
        RETURN format('dataset = %L AND edition = %s', p_dataset, m[1]);
    END IF;
    RETURN format('dataset = %L AND edition = %s AND %I = %L', p_dataset, m[1], m[3], m[4]);
END
$fn$;

-- the aggregate's arguments after (y, w) for a call key ($1 = the spec)
CREATE FUNCTION pg_temp.tally_args(p_call text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
    CASE
        WHEN p_call = 'wonly'    THEN RETURN '';
        WHEN p_call = 'wonly_n'  THEN RETURN ', n_sample';
        WHEN p_call = 'clus_fpc' THEN RETURN ', stratum, psu, n_psu, fpc';
        WHEN p_call = 'clus'     THEN RETURN ', stratum, psu, n_psu, NULL::double precision';
        WHEN p_call ~ '^rep_(jk1|brr)(_mse|_df)?$' THEN RETURN ', repw, $1';
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
    RETURN barometer.replicates(v_method, mse => p_call LIKE '%\_mse', df => p_df);
END
$fn$;

-- one tally (or the error it raised) per (dataset, call, variable, spec_df, selector)
CREATE TEMP TABLE tests_tally (
    dataset  text NOT NULL,
    call     text NOT NULL,
    variable text NOT NULL,
    spec_df  double precision,
    selector text NOT NULL,
    t        barometer.tally,
    err      text
);

DO $do$
DECLARE
    r     record;
    v_y   text;
    v_t   barometer.tally;
BEGIN
    FOR r IN SELECT DISTINCT dataset, call, variable, spec_df, sel
               FROM (SELECT dataset, call, variable, spec_df, a AS sel FROM tests_expected
                     UNION SELECT dataset, call, variable, spec_df, b FROM tests_expected) s
              ORDER BY 1, 2, 3, 4, 5 LOOP
        v_y := CASE r.variable WHEN 'bool' THEN 'y_bool' WHEN 'num' THEN 'y_num' END;
        BEGIN
            EXECUTE format('SELECT barometer.tally(%s, w%s ORDER BY id) FROM tests_prep WHERE %s',
                           v_y, pg_temp.tally_args(r.call), pg_temp.sel_where(r.dataset, r.sel))
               INTO v_t USING pg_temp.rep_spec(r.call, r.spec_df);
            INSERT INTO tests_tally VALUES (r.dataset, r.call, r.variable, r.spec_df, r.sel, v_t, NULL);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO tests_tally VALUES (r.dataset, r.call, r.variable, r.spec_df, r.sel, NULL,
                                            SQLSTATE || ': ' || SQLERRM);
        END;
    END LOOP;
END
$do$;

-- one diff_test per test id
CREATE TEMP TABLE tests_result (
    test       integer PRIMARY KEY,
    ta         barometer.tally,
    tb         barometer.tally,
    relation   text,
    level      double precision,
    difference double precision,
    se         double precision,
    ci_lower   double precision,
    ci_upper   double precision,
    statistic  double precision,
    df         double precision,
    p_value    double precision,
    err        text
);

CREATE FUNCTION pg_temp.run_diff(p_a barometer.tally, p_b barometer.tally, p_args text,
                                 p_relation text, p_level double precision)
RETURNS double precision[] LANGUAGE plpgsql AS $fn$
DECLARE
    v double precision[];
BEGIN
    -- p_args: which arguments to pass ('all', 'relation', 'none')
    EXECUTE format('SELECT ARRAY[(r).difference, (r).se, (r).ci_lower, (r).ci_upper, '
                   '(r).statistic, (r).df, (r).p_value]::double precision[] '
                   'FROM (SELECT barometer.diff_test($1, $2%s) AS r) s',
                   CASE p_args WHEN 'all' THEN ', $3, $4' WHEN 'relation' THEN ', $3' ELSE '' END)
       INTO v USING p_a, p_b, p_relation, p_level;
    RETURN v;
END
$fn$;

DO $do$
DECLARE
    r   record;
    v   double precision[];
BEGIN
    FOR r IN SELECT DISTINCT ON (e.test) e.test, e.relation, e.level, ta.t AS ta, tb.t AS tb,
                    coalesce(ta.err, tb.err) AS terr
               FROM tests_expected e
               LEFT JOIN tests_tally ta
                 ON ta.dataset = e.dataset AND ta.call = e.call AND ta.variable = e.variable
                AND ta.spec_df IS NOT DISTINCT FROM e.spec_df AND ta.selector = e.a
               LEFT JOIN tests_tally tb
                 ON tb.dataset = e.dataset AND tb.call = e.call AND tb.variable = e.variable
                AND tb.spec_df IS NOT DISTINCT FROM e.spec_df AND tb.selector = e.b
              ORDER BY e.test LOOP
        IF r.terr IS NOT NULL THEN
            INSERT INTO tests_result (test, relation, level, err)
            VALUES (r.test, r.relation, r.level, 'the tally query failed: ' || r.terr);
            CONTINUE;
        END IF;
        BEGIN
            v := pg_temp.run_diff(r.ta, r.tb, 'all', r.relation, r.level);
            INSERT INTO tests_result VALUES (r.test, r.ta, r.tb, r.relation, r.level,
                                             v[1], v[2], v[3], v[4], v[5], v[6], v[7], NULL);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO tests_result (test, ta, tb, relation, level, err)
            VALUES (r.test, r.ta, r.tb, r.relation, r.level, SQLSTATE || ': ' || SQLERRM);
        END;
    END LOOP;
END
$do$;

-- one TAP line (plus diagnostics) comparing have with want
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
    ELSIF p_tol_type = 'relonly' THEN
        v_pass := abs(p_have - p_want) <= p_tol * abs(p_want);
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

CREATE FUNCTION pg_temp.estimate_of(p_t barometer.tally) RETURNS double precision
LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN barometer.estimate(p_t);
END
$fn$;

-- field-by-field identity of two results (defaults)
CREATE FUNCTION pg_temp.same_result(p_a barometer.tally, p_b barometer.tally, p_args text,
                                    p_relation text, p_level double precision,
                                    p_want double precision[], p_descr text)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v double precision[];
BEGIN
    BEGIN
        v := pg_temp.run_diff(p_a, p_b, p_args, p_relation, p_level);
    EXCEPTION WHEN OTHERS THEN
        RETURN ok(false, p_descr) || E'\n' || diag(format('    error: %s: %s', SQLSTATE, SQLERRM));
    END;
    IF v IS NOT DISTINCT FROM p_want THEN
        RETURN ok(true, p_descr);
    END IF;
    RETURN ok(false, p_descr) || E'\n'
        || diag(format('    defaults: %s' || E'\n' || '    explicit: %s', v, p_want));
END
$fn$;

-- diff_test(b, a) mirrors diff_test(a, b) (domains, independent)
CREATE FUNCTION pg_temp.mirrored(p_a barometer.tally, p_b barometer.tally, p_relation text,
                                 p_level double precision, p_want double precision[],
                                 p_descr text)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v    double precision[];
    m    double precision[];
    bad  text := '';
BEGIN
    BEGIN
        v := pg_temp.run_diff(p_b, p_a, 'all', p_relation, p_level);
    EXCEPTION WHEN OTHERS THEN
        RETURN ok(false, p_descr) || E'\n' || diag(format('    error: %s: %s', SQLSTATE, SQLERRM));
    END;
    -- difference, se, ci_lower, ci_upper, statistic, df, p_value
    m := ARRAY[-p_want[1], p_want[2], -p_want[4], -p_want[3], -p_want[5], p_want[6], p_want[7]];
    FOR i IN 1..7 LOOP
        IF v[i] IS NULL OR m[i] IS NULL OR abs(v[i] - m[i]) > 1e-12 * abs(m[i]) + 1e-15 THEN
            bad := bad || format(' field %s: %s vs %s;', i, v[i], m[i]);
        END IF;
    END LOOP;
    IF bad = '' THEN
        RETURN ok(true, p_descr);
    END IF;
    RETURN ok(false, p_descr) || E'\n' || diag('   ' || bad);
END
$fn$;

-- p_adjust, array form: one array per (case, method)
CREATE TEMP TABLE padj_array (
    "case" text, method text, pos integer, have double precision, err text
);
DO $do$
DECLARE
    r record;
    v double precision[];
BEGIN
    FOR r IN SELECT "case", method, array_agg(p ORDER BY pos) AS ps
               FROM tests_padjust GROUP BY 1, 2 ORDER BY 1, 2 LOOP
        BEGIN
            EXECUTE 'SELECT barometer.p_adjust($1::double precision[], $2)' INTO v USING r.ps, r.method;
            IF v IS NULL OR cardinality(v) <> cardinality(r.ps) THEN
                INSERT INTO padj_array SELECT r."case", r.method, i, NULL,
                    format('result %s has not %s elements', coalesce(v::text, 'NULL'), cardinality(r.ps))
                  FROM generate_series(1, cardinality(r.ps)) i;
            ELSE
                INSERT INTO padj_array SELECT r."case", r.method, i, v[i], NULL
                  FROM generate_series(1, cardinality(r.ps)) i;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO padj_array SELECT r."case", r.method, i, NULL, SQLSTATE || ': ' || SQLERRM
              FROM generate_series(1, cardinality(r.ps)) i;
        END;
    END LOOP;
END
$do$;

-- p_adjust, window form (and the same with an ORDER BY in the window)
CREATE TEMP TABLE padj_window ("case" text, method text, pos integer, have double precision,
                               have_ordered double precision);
CREATE TEMP TABLE padj_window_err (err text);
DO $do$
BEGIN
    EXECUTE 'INSERT INTO padj_window SELECT "case", method, pos, '
            'barometer.p_adjust(p, method) OVER (PARTITION BY "case", method), '
            'barometer.p_adjust(p, method) OVER (PARTITION BY "case", method ORDER BY p DESC NULLS FIRST, pos) '
            'FROM tests_padjust';
EXCEPTION WHEN OTHERS THEN
    INSERT INTO padj_window_err VALUES (SQLSTATE || ': ' || SQLERRM);
END
$do$;

SELECT plan((SELECT count(*)::int FROM tests_expected)
            + (SELECT count(DISTINCT test)::int FROM tests_expected
                WHERE level = 0.95 AND relation IN ('independent', 'domains'))
            + (SELECT count(DISTINCT test)::int FROM tests_expected
                WHERE level = 0.95 AND relation = 'independent')
            + (SELECT count(DISTINCT test)::int FROM tests_expected
                WHERE level = 0.95 AND relation IN ('independent', 'domains'))
            + (SELECT count(DISTINCT test)::int FROM tests_expected
                WHERE level = 0.95 AND relation IN ('domains', 'part') AND call IN ('clus_fpc', 'rep_jk1'))
            + 2 * (SELECT count(*)::int FROM tests_padjust)
            + 4);

-- every expected row
SELECT pg_temp.close_to(
           CASE s.quantity
               WHEN 'estimate_a' THEN pg_temp.estimate_of(s.ta)
               WHEN 'estimate_b' THEN pg_temp.estimate_of(s.tb)
               WHEN 'difference' THEN s.difference
               WHEN 'se'         THEN s.se
               WHEN 'ci_lower'   THEN s.ci_lower
               WHEN 'ci_upper'   THEN s.ci_upper
               WHEN 'statistic'  THEN s.statistic
               WHEN 'df'         THEN s.df
               WHEN 'p_value'    THEN s.p_value
           END,
           s.value, s.tol, s.tol_type,
           CASE WHEN s.quantity IN ('estimate_a', 'estimate_b') AND s.ta IS NOT NULL AND s.tb IS NOT NULL
                THEN NULL ELSE s.err END,
           format('diff_test #%s %s %s %s(%s, %s) %s level=%s%s %s', s.test, s.dataset, s.call,
                  s.relation, s.a, s.b, s.variable, s.level,
                  coalesce(' spec_df=' || s.spec_df, ''), s.quantity),
           s.source)
  FROM (SELECT e.*, r.ta, r.tb, r.difference, r.se, r.ci_lower, r.ci_upper, r.statistic,
               r.df, r.p_value, r.err
          FROM tests_expected e JOIN tests_result r USING (test)
         ORDER BY e.ord OFFSET 0) s;

-- defaults: relation 'independent', level 0.95
SELECT CASE WHEN r.err IS NOT NULL
            THEN ok(false, format('diff_test #%s: defaults (relation, level) = explicit', r.test))
                 || E'\n' || diag('    the explicit call failed: ' || r.err)
            ELSE pg_temp.same_result(r.ta, r.tb, 'none', NULL, NULL,
                     ARRAY[r.difference, r.se, r.ci_lower, r.ci_upper, r.statistic, r.df, r.p_value],
                     format('diff_test #%s: diff_test(a, b) = diff_test(a, b, ''independent'', 0.95)', r.test))
       END
  FROM tests_result r
 WHERE r.level = 0.95 AND r.relation = 'independent'
 ORDER BY r.test;

SELECT CASE WHEN r.err IS NOT NULL
            THEN ok(false, format('diff_test #%s: default level = explicit 0.95', r.test))
                 || E'\n' || diag('    the explicit call failed: ' || r.err)
            ELSE pg_temp.same_result(r.ta, r.tb, 'relation', r.relation, NULL,
                     ARRAY[r.difference, r.se, r.ci_lower, r.ci_upper, r.statistic, r.df, r.p_value],
                     format('diff_test #%s: diff_test(a, b, %L) = diff_test(a, b, %L, 0.95)',
                            r.test, r.relation, r.relation))
       END
  FROM tests_result r
 WHERE r.level = 0.95 AND r.relation IN ('independent', 'domains')
 ORDER BY r.test;

-- symmetry
SELECT CASE WHEN r.err IS NOT NULL
            THEN ok(false, format('diff_test #%s: diff_test(b, a) mirrors diff_test(a, b)', r.test))
                 || E'\n' || diag('    the call failed: ' || r.err)
            ELSE pg_temp.mirrored(r.ta, r.tb, r.relation, r.level,
                     ARRAY[r.difference, r.se, r.ci_lower, r.ci_upper, r.statistic, r.df, r.p_value],
                     format('diff_test #%s (%s): diff_test(b, a) mirrors diff_test(a, b)', r.test, r.relation))
       END
  FROM tests_result r
 WHERE r.level = 0.95 AND r.relation IN ('independent', 'domains')
 ORDER BY r.test;

-- merged tallies: the union of per-PSU-number tallies is the same tally
CREATE FUNCTION pg_temp.merged_tally(p_dataset text, p_call text, p_variable text,
                                     p_spec_df double precision, p_sel text)
RETURNS barometer.tally LANGUAGE plpgsql AS $fn$
DECLARE
    v_t barometer.tally;
BEGIN
    EXECUTE format('SELECT barometer.merge(t ORDER BY psu) FROM ('
                   'SELECT psu, barometer.tally(%s, w%s ORDER BY id) AS t FROM tests_prep WHERE %s '
                   'GROUP BY psu) s',
                   CASE p_variable WHEN 'bool' THEN 'y_bool' ELSE 'y_num' END,
                   pg_temp.tally_args(p_call), pg_temp.sel_where(p_dataset, p_sel))
       INTO v_t USING pg_temp.rep_spec(p_call, p_spec_df);
    RETURN v_t;
END
$fn$;
CREATE FUNCTION pg_temp.merged_same(p_test integer) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    e    record;
    r    record;
    v    double precision[];
    w    double precision[];
    bad  text := '';
    v_descr text;
BEGIN
    SELECT DISTINCT ON (test) * INTO e FROM tests_expected WHERE test = p_test;
    SELECT * INTO r FROM tests_result WHERE test = p_test;
    v_descr := format('diff_test #%s %s %s %s(%s, %s) %s: merged tallies give the same test',
                      e.test, e.dataset, e.call, e.relation, e.a, e.b, e.variable);
    IF r.err IS NOT NULL THEN
        RETURN ok(false, v_descr) || E'\n' || diag('    the direct call failed: ' || r.err);
    END IF;
    w := ARRAY[r.difference, r.se, r.ci_lower, r.ci_upper, r.statistic, r.df, r.p_value];
    BEGIN
        v := pg_temp.run_diff(pg_temp.merged_tally(e.dataset, e.call, e.variable, e.spec_df, e.a),
                              pg_temp.merged_tally(e.dataset, e.call, e.variable, e.spec_df, e.b),
                              'all', e.relation, e.level);
    EXCEPTION WHEN OTHERS THEN
        RETURN ok(false, v_descr) || E'\n' || diag(format('    error: %s: %s', SQLSTATE, SQLERRM));
    END;
    FOR i IN 1..7 LOOP
        IF v[i] IS NULL OR w[i] IS NULL OR abs(v[i] - w[i]) > 1e-12 * abs(w[i]) + 1e-15 THEN
            bad := bad || format(' field %s: %s vs %s;', i, v[i], w[i]);
        END IF;
    END LOOP;
    IF bad = '' THEN
        RETURN ok(true, v_descr);
    END IF;
    RETURN ok(false, v_descr) || E'\n' || diag('   ' || bad);
END
$fn$;
SELECT pg_temp.merged_same(test)
  FROM (SELECT DISTINCT test FROM tests_expected
         WHERE level = 0.95 AND relation IN ('domains', 'part') AND call IN ('clus_fpc', 'rep_jk1')) s
 ORDER BY test;

-- p_adjust, array form
SELECT pg_temp.close_to(a.have, t.expected, 1e-14, 'relonly', a.err,
                        format('p_adjust(array, %L) case %s element %s', t.method, t."case", t.pos),
                        'R p.adjust')
  FROM tests_padjust t
  LEFT JOIN padj_array a USING ("case", method, pos)
 ORDER BY t.ord;

-- p_adjust, window form
SELECT pg_temp.close_to(w.have, t.expected, 1e-14, 'relonly',
                        CASE WHEN w."case" IS NULL
                             THEN coalesce((SELECT min(err) FROM padj_window_err), 'no window result') END,
                        format('p_adjust(p, %L) OVER (PARTITION BY case) case %s row %s', t.method, t."case", t.pos),
                        'R p.adjust')
  FROM tests_padjust t
  LEFT JOIN padj_window w USING ("case", method, pos)
 ORDER BY t.ord;

SELECT ok(EXISTS (SELECT 1 FROM padj_window)
          AND NOT EXISTS (SELECT 1 FROM padj_window WHERE have IS DISTINCT FROM have_ordered),
          'p_adjust window: an ORDER BY in the window does not change the result (whole partition)');

CREATE FUNCTION pg_temp.padj_eval(p_sql text) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v text;
BEGIN
    EXECUTE p_sql INTO v;
    RETURN coalesce(v, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE || ': ' || SQLERRM;
END
$fn$;
SELECT is(pg_temp.padj_eval($$SELECT barometer.p_adjust('{}'::double precision[], 'holm')::text$$),
          '{}', 'p_adjust of an empty array is an empty array');
SELECT is(pg_temp.padj_eval($$SELECT barometer.p_adjust(NULL::double precision[], 'BH')::text$$),
          'NULL', 'p_adjust of a NULL array is NULL');
SELECT is(pg_temp.padj_eval($$SELECT barometer.p_adjust('{0.01,NULL,0.04}'::double precision[], 'fdr')::text$$),
          pg_temp.padj_eval($$SELECT barometer.p_adjust('{0.01,NULL,0.04}'::double precision[], 'BH')::text$$),
          'p_adjust: fdr is BH');

SELECT * FROM finish();

ROLLBACK;
