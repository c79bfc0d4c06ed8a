\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- Design-based tallies (linearization) against R survey 4.1.1: the rows of
-- test/fixtures/design_expected.csv whose call is not rep_* (made by
-- test/fixtures/make_design_fixtures.R from test/fixtures/design_data.csv).
-- Run by pg_prove from the repository root, in a database where pgtap and
-- barometer are installed.
--
-- The design columns come from window functions over the WHOLE dataset,
-- computed before the rows are grouped by domain, exactly as a user writes:
--   n_sample = count(*) OVER ()
--   n_psu    = barometer.psu_count(psu) OVER (PARTITION BY stratum)
--   n_ssu    = barometer.psu_count(ssu) OVER (PARTITION BY stratum, psu)
-- and every (dataset, call, id_type, variable) is one query
--   SELECT dom, barometer.tally(y, w, <design columns>) ... GROUP BY GROUPING SETS ((dom), ())
-- (the () set is domain `all`).  If that query fails (a lonely stratum under
-- 'fail'), each domain is tallied on its own so that the other domains are
-- still checked.  Call keys:
--   wonly_n              tally(y, w, n_sample)
--   strat1               tally(y, w, stratum, psu, n_psu, fpc1)
--   strat1_lonely_<pol>  tally(y, w, stratum, psu, n_psu, fpc1, '<pol>')
--   clus2                tally(y, w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, 'fail')
-- id_type int uses the integer ids of the CSV; text uses 'S'||stratum,
-- 'P'||psu, 'U'||ssu (PSU and SSU ids repeat across strata and PSUs: they are
-- nested, as R's nest = TRUE).
--
-- One assertion per expected row (plus four on psu_count itself):
--   * empty expected value: the extension must return NULL;
--   * otherwise |actual - expected| <= tol * |expected|, or <= 1e-12 when
--     |expected| < 1e-300;
--   * df_arg design = default (NULL) df, Inf = 'Infinity';
--   * quantity error: the tally query or barometer.variance() of the tally
--     must raise the SQLSTATE in `method` with a message naming the stratum
--     given in `source` ("stratum=<label>; ...").

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
DELETE FROM design_expected WHERE call LIKE 'rep\_%';

-- the whole-sample design columns, before any grouping
CREATE TEMP TABLE design_prep AS
SELECT d.*,
       'S' || d.stratum AS stratum_t,
       'P' || d.psu AS psu_t,
       'U' || d.ssu AS ssu_t,
       count(*) OVER (PARTITION BY d.dataset) AS n_sample,
       barometer.psu_count(d.psu) OVER (PARTITION BY d.dataset, d.stratum) AS n_psu,
       barometer.psu_count('P' || d.psu) OVER (PARTITION BY d.dataset, 'S' || d.stratum) AS n_psu_t,
       barometer.psu_count(d.ssu) OVER (PARTITION BY d.dataset, d.stratum, d.psu) AS n_ssu,
       barometer.psu_count('U' || d.ssu)
           OVER (PARTITION BY d.dataset, 'S' || d.stratum, 'P' || d.psu) AS n_ssu_t
  FROM design_data d
 WHERE d.dataset NOT LIKE 'rep\_%';

-- the aggregate's arguments after (y, w) for one call key
CREATE FUNCTION pg_temp.design_args(p_call text, p_id_type text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
    s  text := CASE p_id_type WHEN 'text' THEN 'stratum_t' ELSE 'stratum' END;
    p  text := CASE p_id_type WHEN 'text' THEN 'psu_t' ELSE 'psu' END;
    u  text := CASE p_id_type WHEN 'text' THEN 'ssu_t' ELSE 'ssu' END;
    np text := CASE p_id_type WHEN 'text' THEN 'n_psu_t' ELSE 'n_psu' END;
    nu text := CASE p_id_type WHEN 'text' THEN 'n_ssu_t' ELSE 'n_ssu' END;
BEGIN
    IF p_id_type NOT IN ('int', 'text') THEN
        RAISE EXCEPTION 'unknown id_type %', p_id_type;
    END IF;
    IF p_call = 'wonly_n' THEN
        RETURN 'n_sample';
    ELSIF p_call = 'strat1' THEN
        RETURN format('%s, %s, %s, fpc1', s, p, np);
    ELSIF p_call LIKE 'strat1\_lonely\_%' THEN
        RETURN format('%s, %s, %s, fpc1, %L', s, p, np, substr(p_call, length('strat1_lonely_') + 1));
    ELSIF p_call = 'clus2' THEN
        RETURN format('%s, %s, %s, fpc1, %s, %s, fpc2, %L', s, p, np, u, nu, 'fail');
    END IF;
    RAISE EXCEPTION 'unknown call key %', p_call;
END
$fn$;

-- one tally (or the error it raised) per (dataset, call, id_type, variable, domain)
CREATE TEMP TABLE design_tally (
    dataset  text NOT NULL,
    call     text NOT NULL,
    id_type  text NOT NULL,
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
BEGIN
    FOR r IN SELECT DISTINCT dataset, call, id_type, variable FROM design_expected
             ORDER BY 1, 2, 3, 4 LOOP
        v_y := CASE r.variable WHEN 'bool' THEN 'y_bool' WHEN 'num' THEN 'y_num' END;
        BEGIN
            v_agg := format('barometer.tally(%s, w, %s ORDER BY id)', v_y,
                            pg_temp.design_args(r.call, r.id_type));
            EXECUTE format(
                'INSERT INTO design_tally (dataset, call, id_type, variable, domain, t) '
                'SELECT %L, %L, %L, %L, CASE WHEN grouping(dom) = 1 THEN %L ELSE dom END, %s '
                '  FROM design_prep WHERE dataset = %L GROUP BY GROUPING SETS ((dom), ())',
                r.dataset, r.call, r.id_type, r.variable, 'all', v_agg, r.dataset);
        EXCEPTION WHEN OTHERS THEN
            -- one domain's error must not hide the others: one query per domain
            FOR d IN SELECT DISTINCT e.domain FROM design_expected e
                      WHERE e.dataset = r.dataset AND e.call = r.call
                        AND e.id_type = r.id_type AND e.variable = r.variable LOOP
                BEGIN
                    EXECUTE format(
                        'INSERT INTO design_tally (dataset, call, id_type, variable, domain, t) '
                        'SELECT %L, %L, %L, %L, %L, %s FROM design_prep '
                        ' WHERE dataset = %L AND (%L = %L OR dom = %L)',
                        r.dataset, r.call, r.id_type, r.variable, d.domain, v_agg,
                        r.dataset, d.domain, 'all', d.domain);
                EXCEPTION WHEN OTHERS THEN
                    INSERT INTO design_tally (dataset, call, id_type, variable, domain, err)
                    VALUES (r.dataset, r.call, r.id_type, r.variable, d.domain,
                            SQLSTATE || ': ' || SQLERRM);
                END;
            END LOOP;
        END;
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

-- An expected error: the tally query failed with it, or reading the
-- variance of the tally raises it.
CREATE FUNCTION pg_temp.design_check_error(p_t barometer.tally, p_err text, p_state text,
                                           p_source text, p_descr text)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v_label text := substring(p_source FROM '^stratum=([^;]+);');
    v_re    text;
    v_state text;
    v_msg   text;
    v_val   double precision;
BEGIN
    IF v_label IS NULL THEN
        RETURN ok(false, p_descr) || E'\n' || diag('    fixture row lacks stratum=<label>');
    END IF;
    -- the label as a whole word (not part of a longer id)
    v_re := '(^|[^A-Za-z0-9_])' || regexp_replace(v_label, '([^A-Za-z0-9_])', '\\\1', 'g')
            || '([^A-Za-z0-9_]|$)';
    IF p_err IS NOT NULL THEN
        v_state := split_part(p_err, ': ', 1);
        v_msg := substr(p_err, length(v_state) + 3);
    ELSE
        BEGIN
            v_val := barometer.variance(p_t);
        EXCEPTION WHEN OTHERS THEN
            v_state := SQLSTATE;
            v_msg := SQLERRM;
        END;
    END IF;
    IF v_state IS NULL THEN
        RETURN ok(false, p_descr) || E'\n'
            || diag(format('    no error; variance %s' || E'\n' || '    want: %s naming stratum %s',
                           coalesce(v_val::text, 'NULL'), p_state, v_label));
    END IF;
    IF v_state = p_state AND v_msg ~ v_re THEN
        RETURN ok(true, p_descr);
    END IF;
    RETURN ok(false, p_descr) || E'\n'
        || diag(format('    caught: %s: %s' || E'\n' || '    want: %s naming stratum %s',
                       v_state, v_msg, p_state, v_label));
END
$fn$;

-- One TAP line (plus diagnostics on failure) for one expected row.
CREATE FUNCTION pg_temp.design_check(p_t barometer.tally, p_have_tally boolean, p_err text,
                                     p_dataset text, p_call text, p_id_type text,
                                     p_domain text, p_variable text, p_quantity text,
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
    v_descr := format('design %s %s %s %s %s %s', p_dataset, p_call, p_id_type, p_domain,
                      p_variable, p_quantity);
    IF p_method IS NOT NULL AND p_quantity <> 'error' THEN
        v_descr := v_descr || format(' method=%s level=%s df=%s', p_method, p_level, p_df_arg);
    END IF;
    IF NOT p_have_tally THEN
        RETURN ok(false, v_descr) || E'\n'
            || diag(format('no tally for %s %s %s %s %s', p_dataset, p_call, p_id_type,
                           p_domain, p_variable));
    END IF;
    IF p_quantity = 'error' THEN
        RETURN pg_temp.design_check_error(p_t, p_err, p_method, p_source, v_descr);
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

SELECT plan(count(*)::int + 4) FROM design_expected;

-- the window helper against plain SQL
SELECT ok(NOT EXISTS (
        SELECT 1 FROM design_prep p
          JOIN (SELECT dataset, stratum, count(DISTINCT psu)::int AS c
                  FROM design_data GROUP BY 1, 2) c USING (dataset, stratum)
         WHERE p.dataset <> 'wonly' AND p.n_psu IS DISTINCT FROM c.c),
    'psu_count(psu) OVER (PARTITION BY stratum) = count(DISTINCT psu) of the stratum');
SELECT ok(NOT EXISTS (
        SELECT 1 FROM design_prep WHERE dataset <> 'wonly' AND n_psu_t IS DISTINCT FROM n_psu),
    'psu_count of text ids = psu_count of integer ids');
SELECT ok(NOT EXISTS (
        SELECT 1 FROM design_prep p
          JOIN (SELECT dataset, stratum, psu, count(DISTINCT ssu)::int AS c
                  FROM design_data WHERE ssu IS NOT NULL GROUP BY 1, 2, 3) c
               USING (dataset, stratum, psu)
         WHERE p.n_ssu IS DISTINCT FROM c.c),
    'psu_count(ssu) OVER (PARTITION BY stratum, psu) = count(DISTINCT ssu) of the PSU');
SELECT ok(NOT EXISTS (
        SELECT 1 FROM design_prep WHERE ssu IS NOT NULL AND n_ssu_t IS DISTINCT FROM n_ssu),
    'psu_count of text SSU ids = psu_count of integer SSU ids');

SELECT pg_temp.design_check(s.t, s.have_tally, s.err, s.dataset, s.call, s.id_type, s.domain,
                            s.variable, s.quantity, s.method, s.level, s.df_arg, s.value,
                            s.tol, s.source)
  FROM (SELECT e.*, c.t, c.err, c.dataset IS NOT NULL AS have_tally
          FROM design_expected e
          LEFT JOIN design_tally c
            ON c.dataset = e.dataset AND c.call = e.call AND c.id_type = e.id_type
           AND c.variable = e.variable AND c.domain = e.domain
         ORDER BY e.ord
        OFFSET 0) AS s;

SELECT * FROM finish();

ROLLBACK;
