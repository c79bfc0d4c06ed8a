\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- Core tally (weights-only design) against the R survey 4.1.1 / statsmodels
-- references in test/fixtures/core_expected.csv (made by
-- test/fixtures/make_core_fixtures.R from test/fixtures/core_data.csv).
-- Run by pg_prove from the repository root, in a database where pgtap and
-- barometer are installed.  One assertion per expected row:
--   * empty expected value: the extension must return NULL;
--   * otherwise |actual - expected| <= tol * |expected|, or <= 1e-12 when
--     |expected| < 1e-300;
--   * method likelihood_r (R's spline value, loose tol) calls method 'likelihood';
--   * df_arg design = default (NULL) df, Inf = 'Infinity'.

BEGIN;

CREATE TEMP TABLE core_data (
    dataset text NOT NULL,
    id      integer NOT NULL,
    y_bool  boolean,
    y_num   double precision,
    w       double precision NOT NULL
);
\copy core_data (dataset, id, y_bool, y_num, w) FROM 'test/fixtures/core_data.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE core_expected (
    ord      bigserial,
    dataset  text NOT NULL,
    variable text NOT NULL,
    quantity text NOT NULL,
    method   text,
    level    double precision,
    df_arg   text,
    value    double precision,
    tol      double precision NOT NULL,
    source   text
);
\copy core_expected (dataset, variable, quantity, method, level, df_arg, value, tol, source) FROM 'test/fixtures/core_expected.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE core_tally AS
    SELECT dataset, 'bool'::text AS variable, barometer.tally(y_bool, w ORDER BY id) AS t
      FROM core_data GROUP BY dataset
    UNION ALL
    SELECT dataset, 'num'::text AS variable, barometer.tally(y_num, w ORDER BY id) AS t
      FROM core_data GROUP BY dataset;

-- The extension's value for one expected row.
CREATE FUNCTION pg_temp.core_actual(p_t barometer.tally, p_quantity text, p_method text,
                                    p_level double precision, p_df_arg text)
RETURNS double precision LANGUAGE plpgsql AS $fn$
DECLARE
    v_method text := CASE p_method WHEN 'likelihood_r' THEN 'likelihood' ELSE p_method END;
    v_df     double precision;
BEGIN
    IF p_quantity IN ('ci_lower', 'ci_upper') THEN
        IF p_level IS NULL OR v_method IS NULL OR p_df_arg IS NULL THEN
            RAISE EXCEPTION 'fixture row for % lacks method, level or df_arg', p_quantity;
        END IF;
        CASE p_df_arg
            WHEN 'design' THEN v_df := NULL;
            WHEN 'Inf' THEN v_df := 'Infinity'::double precision;
            ELSE RAISE EXCEPTION 'unknown df_arg %', p_df_arg;
        END CASE;
    END IF;
    CASE p_quantity
        WHEN 'estimate'     THEN RETURN barometer.estimate(p_t);
        WHEN 'se'           THEN RETURN barometer.se(p_t);
        WHEN 'variance'     THEN RETURN barometer.variance(p_t);
        WHEN 'n'            THEN RETURN barometer.n(p_t)::double precision;
        WHEN 'n_missing'    THEN RETURN barometer.n_missing(p_t)::double precision;
        WHEN 'weighted_n'   THEN RETURN barometer.weighted_n(p_t);
        WHEN 'kish_n_eff'   THEN RETURN barometer.kish_n_eff(p_t);
        WHEN 'deff'         THEN RETURN barometer.deff(p_t);
        WHEN 'deff_replace' THEN RETURN barometer.deff(p_t, true);
        WHEN 'df'           THEN RETURN barometer.df(p_t);
        WHEN 'cv'           THEN RETURN barometer.cv(p_t);
        WHEN 'ci_lower'     THEN RETURN barometer.ci_lower(p_t, p_level, v_method, v_df);
        WHEN 'ci_upper'     THEN RETURN barometer.ci_upper(p_t, p_level, v_method, v_df);
        ELSE RAISE EXCEPTION 'unknown quantity %', p_quantity;
    END CASE;
END
$fn$;

-- One TAP line (plus diagnostics on failure) for one expected row.
CREATE FUNCTION pg_temp.core_check(p_t barometer.tally, p_have_tally boolean,
                                   p_dataset text, p_variable text, p_quantity text,
                                   p_method text, p_level double precision, p_df_arg text,
                                   p_value double precision, p_tol double precision,
                                   p_source text)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v_descr  text;
    v_actual double precision;
    v_err    text;
    v_pass   boolean;
BEGIN
    v_descr := format('core %s %s %s', p_dataset, p_variable, p_quantity);
    IF p_method IS NOT NULL THEN
        v_descr := v_descr || format(' method=%s level=%s df=%s', p_method, p_level, p_df_arg);
    END IF;
    IF NOT p_have_tally THEN
        RETURN ok(false, v_descr) || E'\n'
            || diag(format('no tally for dataset %s variable %s', p_dataset, p_variable));
    END IF;
    BEGIN
        v_actual := pg_temp.core_actual(p_t, p_quantity, p_method, p_level, p_df_arg);
    EXCEPTION WHEN OTHERS THEN
        v_err := format('%s: %s', SQLSTATE, SQLERRM);
    END;
    IF v_err IS NOT NULL THEN
        RETURN ok(false, v_descr) || E'\n'
            || diag(format('    error: %s' || E'\n' || '    want: %s (source: %s)',
                           v_err, coalesce(p_value::text, 'NULL'), p_source));
    END IF;
    IF p_value IS NULL THEN
        v_pass := v_actual IS NULL;
    ELSIF v_actual IS NULL THEN
        v_pass := false;
    ELSIF abs(p_value) < 1e-300 THEN
        v_pass := abs(v_actual - p_value) <= 1e-12;
    ELSE
        v_pass := abs(v_actual - p_value) <= p_tol * abs(p_value);
    END IF;
    v_pass := coalesce(v_pass, false);
    IF v_pass THEN
        RETURN ok(true, v_descr);
    END IF;
    RETURN ok(false, v_descr) || E'\n'
        || diag(format('    have: %s' || E'\n' || '    want: %s (rel tol %s, source: %s)'
                       || E'\n' || '    rel diff: %s',
                       coalesce(v_actual::text, 'NULL'), coalesce(p_value::text, 'NULL'),
                       p_tol, p_source,
                       CASE WHEN v_actual IS NULL OR p_value IS NULL OR p_value = 0 THEN 'n/a'
                            ELSE (abs(v_actual - p_value) / abs(p_value))::text END));
END
$fn$;

SELECT plan(count(*)::int) FROM core_expected;

SELECT pg_temp.core_check(s.t, s.have_tally, s.dataset, s.variable, s.quantity, s.method,
                          s.level, s.df_arg, s.value, s.tol, s.source)
  FROM (SELECT e.*, c.t, c.variable IS NOT NULL AS have_tally
          FROM core_expected e
          LEFT JOIN core_tally c ON c.dataset = e.dataset AND c.variable = e.variable
         ORDER BY e.ord
        OFFSET 0) AS s;

-- the figure quoted in the README: the largest relative difference from the
-- references, by tolerance class (closed forms; R's iterative logit; R's
-- spline likelihood)
SELECT diag(format('largest relative difference from the references: %s (closed forms, tol 1e-9), %s (R''s iterative logit), %s (R''s spline likelihood)',
                   to_char(max(d) FILTER (WHERE tol <= 1e-9), '9.9EEEE'),
                   to_char(max(d) FILTER (WHERE method = 'logit'), '9.9EEEE'),
                   to_char(max(d) FILTER (WHERE method = 'likelihood_r'), '9.9EEEE')))
  FROM (SELECT e.tol, e.method,
               abs(pg_temp.core_actual(c.t, e.quantity, e.method, e.level, e.df_arg) - e.value)
               / abs(e.value) AS d
          FROM core_expected e
          JOIN core_tally c ON c.dataset = e.dataset AND c.variable = e.variable
         WHERE e.value IS NOT NULL AND abs(e.value) >= 1e-300) s;

SELECT * FROM finish();

ROLLBACK;
