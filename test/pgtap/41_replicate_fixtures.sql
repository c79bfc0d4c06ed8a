\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- Replicate-weight tallies against R survey 4.1.1 (svrepdesign built from
-- the exported replicate weights): the rep_* rows of
-- test/fixtures/design_expected.csv, made by
-- test/fixtures/make_design_fixtures.R from test/fixtures/design_data.csv and
-- test/fixtures/design_repw.csv.  Run by pg_prove from the repository root,
-- in a database where pgtap and barometer are installed.
--
-- Call keys (m = jk1, jkn, brr, fay, bootstrap, sdr; every spec is built with
-- barometer.replicates(method, rho, scale, rscales, mse, df)):
--   rep_<m>              defaults: rho = the dataset's rho row (fay), rscales =
--                        the dataset's rscales row (jkn), scale NULL, mse false,
--                        df NULL (= R - 1)
--   rep_<m>_mse          the same with mse => true
--   rep_<m>_df           df => R's degf of the domain's subset: the expected
--                        value of the row's own `df` quantity (so these tallies
--                        are made one domain at a time)
--   rep_jk1_f4           repw::real[] (R used the float4-rounded weights)
--   rep_bootstrap_scale  scale => the dataset's scale row
--   rep_other            method 'other', scale => the dataset's scale row,
--                        rscales => its rscales row when it has one
-- Every other tally is one query per (dataset, call, variable):
--   SELECT dom, barometer.tally(y, w, repw, spec) ... GROUP BY GROUPING SETS ((dom), ())
-- (the () set is domain `all`).
--
-- One assertion per expected row:
--   * empty expected value: the extension must return NULL;
--   * otherwise |actual - expected| <= tol * |expected|, or <= 1e-12 when
--     |expected| < 1e-300;
--   * df_arg design = default (NULL) df, Inf = 'Infinity'.

BEGIN;

CREATE TEMP TABLE design_data (
    dataset text NOT NULL,
    id      integer NOT NULL,
    stratum integer,
    psu     integer,
    ssu     integer,
    y_bool  boolean,
    y_num   double precision,
    w       double precision NOT NULL,
    fpc1    double precision,
    fpc2    double precision,
    dom     text NOT NULL
);
\copy design_data (dataset, id, stratum, psu, ssu, y_bool, y_num, w, fpc1, fpc2, dom) FROM 'test/fixtures/design_data.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE design_repw (
    dataset text NOT NULL,
    kind    text NOT NULL,
    id      integer,
    vals    double precision[] NOT NULL
);
\copy design_repw (dataset, kind, id, vals) FROM 'test/fixtures/design_repw.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE design_expected (
    ord      bigserial,
    dataset  text NOT NULL,
    call     text NOT NULL,
    id_type  text NOT NULL,
    domain   text NOT NULL,
    variable text NOT NULL,
    quantity text NOT NULL,
    method   text,
    level    double precision,
    df_arg   text,
    value    double precision,
    tol      double precision NOT NULL,
    source   text
);
\copy design_expected (dataset, call, id_type, domain, variable, quantity, method, level, df_arg, value, tol, source) FROM 'test/fixtures/design_expected.csv' WITH (FORMAT csv, HEADER true)
DELETE FROM design_expected WHERE call NOT LIKE 'rep\_%';

CREATE TEMP TABLE rep_prep AS
SELECT d.*, r.vals AS repw
  FROM design_data d
  JOIN design_repw r ON r.dataset = d.dataset AND r.kind = 'repw' AND r.id = d.id;

-- the replicates spec of one call key (p_df: the spec df, or NULL)
CREATE FUNCTION pg_temp.rep_spec(p_dataset text, p_call text, p_df double precision)
RETURNS barometer.replicates LANGUAGE plpgsql AS $fn$
DECLARE
    v_method  text := substring(p_call FROM '^rep_([a-z0-9]+)');
    v_rho     double precision;
    v_scale   double precision;
    v_rscales double precision[];
BEGIN
    IF v_method IS NULL OR p_call !~ '^rep_[a-z0-9]+(_mse|_df|_f4|_scale)?$' THEN
        RAISE EXCEPTION 'unknown call key %', p_call;
    END IF;
    IF v_method = 'fay' THEN
        SELECT vals[1] INTO STRICT v_rho FROM design_repw WHERE dataset = p_dataset AND kind = 'rho';
    END IF;
    IF v_method = 'jkn' THEN
        SELECT vals INTO STRICT v_rscales FROM design_repw WHERE dataset = p_dataset AND kind = 'rscales';
    END IF;
    IF v_method = 'other' THEN
        SELECT vals INTO v_rscales FROM design_repw WHERE dataset = p_dataset AND kind = 'rscales';
    END IF;
    IF v_method = 'other' OR p_call LIKE '%\_scale' THEN
        SELECT vals[1] INTO STRICT v_scale FROM design_repw WHERE dataset = p_dataset AND kind = 'scale';
    END IF;
    RETURN barometer.replicates(v_method, rho => v_rho, scale => v_scale, rscales => v_rscales,
                                mse => p_call LIKE '%\_mse', df => p_df);
END
$fn$;

CREATE TEMP TABLE design_tally (
    dataset  text NOT NULL,
    call     text NOT NULL,
    variable text NOT NULL,
    domain   text NOT NULL,
    t        barometer.tally,
    err      text
);

DO $do$
DECLARE
    r     record;
    d     record;
    v_y   text;
    v_agg text;
    v_df  double precision;
BEGIN
    FOR r IN SELECT DISTINCT dataset, call, variable FROM design_expected ORDER BY 1, 2, 3 LOOP
        v_y := CASE r.variable WHEN 'bool' THEN 'y_bool' WHEN 'num' THEN 'y_num' END;
        v_agg := format('barometer.tally(%s, w, %s, $1 ORDER BY id)', v_y,
                        CASE WHEN r.call LIKE '%\_f4' THEN 'repw::real[]' ELSE 'repw' END);
        IF r.call NOT LIKE '%\_df' THEN
            BEGIN
                EXECUTE format(
                    'INSERT INTO design_tally (dataset, call, variable, domain, t) '
                    'SELECT %L, %L, %L, CASE WHEN grouping(dom) = 1 THEN %L ELSE dom END, %s '
                    '  FROM rep_prep WHERE dataset = %L GROUP BY GROUPING SETS ((dom), ())',
                    r.dataset, r.call, r.variable, 'all', v_agg, r.dataset)
                USING pg_temp.rep_spec(r.dataset, r.call, NULL);
                CONTINUE;
            EXCEPTION WHEN OTHERS THEN
                NULL;  -- fall through: one domain at a time, errors recorded
            END;
        END IF;
        FOR d IN SELECT DISTINCT e.domain FROM design_expected e
                  WHERE e.dataset = r.dataset AND e.call = r.call AND e.variable = r.variable LOOP
            BEGIN
                v_df := NULL;
                IF r.call LIKE '%\_df' THEN
                    SELECT e.value INTO STRICT v_df FROM design_expected e
                     WHERE e.dataset = r.dataset AND e.call = r.call AND e.variable = r.variable
                       AND e.domain = d.domain AND e.quantity = 'df';
                END IF;
                EXECUTE format(
                    'INSERT INTO design_tally (dataset, call, variable, domain, t) '
                    'SELECT %L, %L, %L, %L, %s FROM rep_prep '
                    ' WHERE dataset = %L AND (%L = %L OR dom = %L)',
                    r.dataset, r.call, r.variable, d.domain, v_agg,
                    r.dataset, d.domain, 'all', d.domain)
                USING pg_temp.rep_spec(r.dataset, r.call, v_df);
            EXCEPTION WHEN OTHERS THEN
                INSERT INTO design_tally (dataset, call, variable, domain, err)
                VALUES (r.dataset, r.call, r.variable, d.domain, SQLSTATE || ': ' || SQLERRM);
            END;
        END LOOP;
    END LOOP;
END
$do$;

-- The extension's value for one expected row.
CREATE FUNCTION pg_temp.design_actual(p_t barometer.tally, p_quantity text, p_method text,
                                      p_level double precision, p_df_arg text)
RETURNS double precision LANGUAGE plpgsql AS $fn$
DECLARE
    v_df double precision;
BEGIN
    IF p_quantity IN ('ci_lower', 'ci_upper') THEN
        IF p_level IS NULL OR p_method IS NULL OR p_df_arg IS NULL THEN
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
        WHEN 'ci_lower'     THEN RETURN barometer.ci_lower(p_t, p_level, p_method, v_df);
        WHEN 'ci_upper'     THEN RETURN barometer.ci_upper(p_t, p_level, p_method, v_df);
        ELSE RAISE EXCEPTION 'unknown quantity %', p_quantity;
    END CASE;
END
$fn$;

-- One TAP line (plus diagnostics on failure) for one expected row.
CREATE FUNCTION pg_temp.design_check(p_t barometer.tally, p_have_tally boolean, p_err text,
                                     p_dataset text, p_call text, p_domain text,
                                     p_variable text, p_quantity text, p_method text,
                                     p_level double precision, p_df_arg text,
                                     p_value double precision, p_tol double precision,
                                     p_source text)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v_descr  text;
    v_actual double precision;
    v_err    text;
    v_pass   boolean;
BEGIN
    v_descr := format('replicates %s %s %s %s %s', p_dataset, p_call, p_domain, p_variable,
                      p_quantity);
    IF p_method IS NOT NULL THEN
        v_descr := v_descr || format(' method=%s level=%s df=%s', p_method, p_level, p_df_arg);
    END IF;
    IF NOT p_have_tally THEN
        RETURN ok(false, v_descr) || E'\n'
            || diag(format('no tally for %s %s %s %s', p_dataset, p_call, p_domain, p_variable));
    END IF;
    IF p_err IS NOT NULL THEN
        RETURN ok(false, v_descr) || E'\n'
            || diag(format('    the tally query failed: %s' || E'\n' || '    want: %s (source: %s)',
                           p_err, coalesce(p_value::text, 'NULL'), p_source));
    END IF;
    BEGIN
        v_actual := pg_temp.design_actual(p_t, p_quantity, p_method, p_level, p_df_arg);
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

SELECT plan(count(*)::int) FROM design_expected;

SELECT pg_temp.design_check(s.t, s.have_tally, s.err, s.dataset, s.call, s.domain, s.variable,
                            s.quantity, s.method, s.level, s.df_arg, s.value, s.tol, s.source)
  FROM (SELECT e.*, c.t, c.err, c.dataset IS NOT NULL AS have_tally
          FROM design_expected e
          LEFT JOIN design_tally c
            ON c.dataset = e.dataset AND c.call = e.call AND c.variable = e.variable
           AND c.domain = e.domain
         ORDER BY e.ord
        OFFSET 0) AS s;

SELECT * FROM finish();

ROLLBACK;
