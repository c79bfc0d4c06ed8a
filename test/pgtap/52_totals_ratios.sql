\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1

-- Totals of tallies (barometer.total and its readers) against R survey
-- 4.1.1 svytotal: the rows of test/fixtures/totals_expected.csv, made by
-- test/fixtures/make_totals_ratios_fixtures.R from the committed
-- design_data.csv and design_repw.csv, for every design kind (weights only,
-- weights-only domains, clustered with fpc and every lonely-PSU policy, two
-- stages, stratified without clusters, replicate weights), whole sample and
-- domains.  Then equivalences (parallel = serial, merge of stored partial
-- tallies = direct, stored text and binary forms), the publication status
-- of a total, and errors with their SQLSTATEs.
--
-- Run by pg_prove from the repository root, in a database where pgtap and
-- barometer are installed.  Each (dataset, call, variable) is one query
--   SELECT dom, barometer.tally(y, w, <design columns>) ... GROUP BY GROUPING SETS ((dom), ())
-- with the design columns from window functions over the whole dataset.
-- One assertion per expected row: empty expected value = NULL; otherwise
-- |actual - expected| <= 1e-9 |expected| (1e-12 absolute when |expected| <
-- 1e-300); quantity error = reading total_se raises the SQLSTATE in value
-- with a message naming the stratum of source.

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

CREATE TEMP TABLE tot_expected (
    ord      bigserial,
    dataset  text NOT NULL,
    call     text NOT NULL,
    domain   text NOT NULL,
    variable text NOT NULL,
    quantity text NOT NULL,
    level    double precision,
    df_arg   text,
    value    text,
    source   text
);
\copy tot_expected (dataset, call, domain, variable, quantity, level, df_arg, value, source) FROM 'test/fixtures/totals_expected.csv' WITH (FORMAT csv, HEADER true, FORCE_NULL (level, df_arg, value))

CREATE TEMP TABLE rat_expected (LIKE tot_expected INCLUDING DEFAULTS);
CREATE SEQUENCE pg_temp.rat_ord;
ALTER TABLE rat_expected ALTER COLUMN ord SET DEFAULT nextval('pg_temp.rat_ord');
\copy rat_expected (dataset, call, domain, variable, quantity, level, df_arg, value, source) FROM 'test/fixtures/ratios_expected.csv' WITH (FORMAT csv, HEADER true, FORCE_NULL (level, df_arg, value))

-- the whole-sample design columns, before any grouping; x is the ratio's
-- denominator of make_totals_ratios_fixtures.R (0 on some rows, NULL on every 29th)
CREATE TEMP TABLE tot_prep AS
SELECT d.*,
       CASE WHEN d.id % 29 = 0 THEN NULL ELSE ((d.id * 7) % 11) / 2.0 END::float8 AS x,
       r.vals AS repw,
       count(*) OVER (PARTITION BY d.dataset) AS n_sample,
       count(*) OVER (PARTITION BY d.dataset, d.stratum) AS n_stratum,
       barometer.psu_count(d.psu) OVER (PARTITION BY d.dataset, d.stratum) AS n_psu,
       barometer.psu_count(d.ssu) OVER (PARTITION BY d.dataset, d.stratum, d.psu) AS n_ssu
  FROM design_data d
  LEFT JOIN design_repw r ON r.dataset = d.dataset AND r.kind = 'repw' AND r.id = d.id;

CREATE FUNCTION pg_temp.rep_spec(p_dataset text, p_call text)
RETURNS barometer.replicates LANGUAGE plpgsql AS $fn$
DECLARE
    v_method  text := substring(p_call FROM '^rep_([a-z0-9]+)');
    v_rho     double precision;
    v_scale   double precision;
    v_rscales double precision[];
BEGIN
    IF v_method = 'fay' THEN
        SELECT vals[1] INTO STRICT v_rho FROM design_repw WHERE dataset = p_dataset AND kind = 'rho';
    END IF;
    IF v_method IN ('jkn', 'other') THEN
        SELECT vals INTO STRICT v_rscales FROM design_repw WHERE dataset = p_dataset AND kind = 'rscales';
    END IF;
    IF v_method = 'other' THEN
        SELECT vals[1] INTO STRICT v_scale FROM design_repw WHERE dataset = p_dataset AND kind = 'scale';
    END IF;
    RETURN barometer.replicates(v_method, rho => v_rho, scale => v_scale, rscales => v_rscales,
                                mse => p_call LIKE '%\_mse');
END
$fn$;

-- the aggregate call for one call key (p_x: a ratio's tally_ratio)
CREATE FUNCTION pg_temp.tot_agg(p_call text, p_y text, p_x text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
    IF p_x IS NOT NULL THEN
        RETURN replace(replace(replace(pg_temp.tot_agg(p_call, p_y), 'barometer.tally_stratified(',
                                       'barometer.tally_ratio_stratified('),
                               'barometer.tally(', 'barometer.tally_ratio('),
                       p_y || ', w', p_y || ', ' || p_x || ', w');
    END IF;
    IF p_call = 'wonly' THEN
        RETURN format('barometer.tally(%s, w ORDER BY id)', p_y);
    ELSIF p_call = 'wonly_n' THEN
        RETURN format('barometer.tally(%s, w, n_sample ORDER BY id)', p_y);
    ELSIF p_call = 'strat1' THEN
        RETURN format('barometer.tally(%s, w, stratum, psu, n_psu, fpc1 ORDER BY id)', p_y);
    ELSIF p_call LIKE 'strat1\_lonely\_%' THEN
        RETURN format('barometer.tally(%s, w, stratum, psu, n_psu, fpc1, %L ORDER BY id)', p_y,
                      substr(p_call, length('strat1_lonely_') + 1));
    ELSIF p_call = 'stratified' THEN
        RETURN format('barometer.tally_stratified(%s, w, stratum, n_stratum, fpc1 ORDER BY id)', p_y);
    ELSIF p_call = 'clus2' THEN
        RETURN format('barometer.tally(%s, w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, %L ORDER BY id)',
                      p_y, 'fail');
    ELSIF p_call LIKE 'rep\_%' THEN
        RETURN format('barometer.tally(%s, w, repw, $1 ORDER BY id)', p_y);
    END IF;
    RAISE EXCEPTION 'unknown call key %', p_call;
END
$fn$;

CREATE TEMP TABLE tot_tally (
    dataset  text NOT NULL,
    call     text NOT NULL,
    variable text NOT NULL,
    domain   text NOT NULL,
    t        barometer.tally
);

DO $do$
DECLARE
    r    record;
    v_y  text;
    spec barometer.replicates;
BEGIN
    FOR r IN SELECT DISTINCT dataset, call, variable FROM tot_expected ORDER BY 1, 2, 3 LOOP
        v_y := CASE r.variable WHEN 'bool' THEN 'y_bool' WHEN 'num' THEN 'y_num' END;
        spec := CASE WHEN r.call LIKE 'rep\_%' THEN pg_temp.rep_spec(r.dataset, r.call) END;
        EXECUTE format(
            'INSERT INTO tot_tally (dataset, call, variable, domain, t) '
            'SELECT %L, %L, %L, CASE WHEN grouping(dom) = 1 THEN %L ELSE dom END, %s '
            '  FROM tot_prep WHERE dataset = %L GROUP BY GROUPING SETS ((dom), ())',
            r.dataset, r.call, r.variable, 'all', pg_temp.tot_agg(r.call, v_y), r.dataset)
        USING spec;
    END LOOP;
END
$do$;

CREATE TEMP TABLE rat_tally (LIKE tot_tally);
DO $do$
DECLARE
    r    record;
    v_y  text;
    spec barometer.replicates;
BEGIN
    FOR r IN SELECT DISTINCT dataset, call, variable FROM rat_expected
              WHERE call NOT LIKE '%\_diff' ORDER BY 1, 2, 3 LOOP
        v_y := CASE r.variable WHEN 'bool' THEN 'y_bool::int::float8' WHEN 'num' THEN 'y_num' END;
        spec := CASE WHEN r.call LIKE 'rep\_%' THEN pg_temp.rep_spec(r.dataset, r.call) END;
        EXECUTE format(
            'INSERT INTO rat_tally (dataset, call, variable, domain, t) '
            'SELECT %L, %L, %L, CASE WHEN grouping(dom) = 1 THEN %L ELSE dom END, %s '
            '  FROM tot_prep WHERE dataset = %L GROUP BY GROUPING SETS ((dom), ())',
            r.dataset, r.call, r.variable, 'all', pg_temp.tot_agg(r.call, v_y, 'x'), r.dataset)
        USING spec;
    END LOOP;
END
$do$;

CREATE FUNCTION pg_temp.tot_actual(p_t barometer.tally, p_quantity text,
                                   p_level double precision, p_df_arg text)
RETURNS double precision LANGUAGE plpgsql AS $fn$
DECLARE
    v_df double precision := CASE p_df_arg WHEN 'Inf' THEN 'Infinity'::double precision END;
BEGIN
    CASE p_quantity
        WHEN 'total'        THEN RETURN barometer.total(p_t);
        WHEN 'variance'     THEN RETURN barometer.total_variance(p_t);
        WHEN 'se'           THEN RETURN barometer.total_se(p_t);
        WHEN 'cv'           THEN RETURN barometer.total_cv(p_t);
        WHEN 'deff'         THEN RETURN barometer.total_deff(p_t);
        WHEN 'deff_replace' THEN RETURN barometer.total_deff(p_t, true);
        WHEN 'df'           THEN RETURN barometer.df(p_t);
        WHEN 'ci_lower'     THEN RETURN barometer.total_ci_lower(p_t, p_level, v_df);
        WHEN 'ci_upper'     THEN RETURN barometer.total_ci_upper(p_t, p_level, v_df);
        ELSE RAISE EXCEPTION 'unknown quantity %', p_quantity;
    END CASE;
END
$fn$;

CREATE FUNCTION pg_temp.rat_actual(p_t barometer.tally, p_quantity text,
                                   p_level double precision, p_df_arg text)
RETURNS double precision LANGUAGE plpgsql AS $fn$
DECLARE
    v_df double precision := CASE p_df_arg WHEN 'Inf' THEN 'Infinity'::double precision END;
BEGIN
    CASE p_quantity
        WHEN 'estimate'   THEN RETURN barometer.estimate(p_t);
        WHEN 'variance'   THEN RETURN barometer.variance(p_t);
        WHEN 'se'         THEN RETURN barometer.se(p_t);
        WHEN 'cv'         THEN RETURN barometer.cv(p_t);
        WHEN 'df'         THEN RETURN barometer.df(p_t);
        WHEN 'weighted_n' THEN RETURN barometer.weighted_n(p_t);
        WHEN 'ci_lower'   THEN RETURN barometer.ci_lower(p_t, p_level, NULL, v_df);
        WHEN 'ci_upper'   THEN RETURN barometer.ci_upper(p_t, p_level, NULL, v_df);
        ELSE RAISE EXCEPTION 'unknown quantity %', p_quantity;
    END CASE;
END
$fn$;

CREATE FUNCTION pg_temp.tot_check(p_t barometer.tally, e tot_expected, p_ratio boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    v_descr  text := format('%s%s %s %s %s %s%s', CASE WHEN p_ratio THEN 'ratio ' ELSE '' END, e.dataset, e.call, e.domain, e.variable, e.quantity,
                            CASE WHEN e.level IS NULL THEN '' ELSE format(' %s %s', e.level, e.df_arg) END);
    v_actual double precision;
    v_want   double precision;
    v_state  text;
    v_msg    text;
BEGIN
    IF p_t IS NULL THEN
        RETURN ok(false, v_descr) || E'\n' || diag('    no tally');
    END IF;
    IF e.quantity = 'error' THEN
        BEGIN
            v_actual := CASE WHEN p_ratio THEN barometer.se(p_t) ELSE barometer.total_se(p_t) END;
        EXCEPTION WHEN OTHERS THEN
            v_state := SQLSTATE;
            v_msg := SQLERRM;
        END;
        RETURN ok(v_state = e.value AND v_msg ~ ('(^|[^0-9])' || substring(e.source FROM '^stratum=([^;]+);') || '([^0-9]|$)'),
                  v_descr || ' raises ' || e.value)
            || CASE WHEN v_state IS DISTINCT FROM e.value
                    THEN E'\n' || diag(format('    caught %s: %s', v_state, v_msg)) ELSE '' END;
    END IF;
    v_actual := CASE WHEN p_ratio THEN pg_temp.rat_actual(p_t, e.quantity, e.level, e.df_arg)
                     ELSE pg_temp.tot_actual(p_t, e.quantity, e.level, e.df_arg) END;
    IF e.value IS NULL OR e.value = '' THEN
        RETURN ok(v_actual IS NULL, v_descr || ' is NULL')
            || CASE WHEN v_actual IS NOT NULL THEN E'\n' || diag('    got ' || v_actual) ELSE '' END;
    END IF;
    v_want := e.value::double precision;
    IF v_actual IS NOT NULL AND
       (abs(v_actual - v_want) <= 1e-9 * abs(v_want) OR (abs(v_want) < 1e-300 AND abs(v_actual) <= 1e-12)) THEN
        RETURN ok(true, v_descr);
    END IF;
    RETURN ok(false, v_descr) || E'\n'
        || diag(format('    have %s' || E'\n' || '    want %s (%s)', coalesce(v_actual::text, 'NULL'),
                       e.value, e.source));
END
$fn$;

SELECT plan((SELECT count(*)::integer FROM tot_expected) + (SELECT count(*)::integer FROM rat_expected) + 61);

SET LOCAL extra_float_digits = 3;

SELECT pg_temp.tot_check(t.t, e)
  FROM tot_expected e
  LEFT JOIN tot_tally t USING (dataset, call, variable, domain)
 ORDER BY e.ord;
SELECT pg_temp.tot_check(t.t, ROW(e.*)::tot_expected, true)
  FROM rat_expected e
  LEFT JOIN rat_tally t USING (dataset, call, variable, domain)
 WHERE e.call NOT LIKE '%\_diff'
 ORDER BY e.ord;

-- the difference of two domains' ratios with its design covariance:
-- diff_test(a, b, 'domains') against R's svyby(svyratio, covmat = TRUE) contrast
SELECT ok(abs(v.have - e.value::float8) <= 1e-9 * abs(e.value::float8),
          format('ratio %s %s %s %s %s', e.dataset, e.call, e.domain, e.variable, e.quantity))
       || CASE WHEN abs(v.have - e.value::float8) <= 1e-9 * abs(e.value::float8) THEN ''
               ELSE E'\n' || diag(format('    have %s want %s', v.have, e.value)) END
  FROM rat_expected e
  JOIN rat_tally a ON a.dataset = e.dataset AND a.call = replace(e.call, '_diff', '')
                  AND a.variable = e.variable AND a.domain = split_part(e.domain, '-', 1)
  JOIN rat_tally b ON b.dataset = e.dataset AND b.call = replace(e.call, '_diff', '')
                  AND b.variable = e.variable AND b.domain = split_part(e.domain, '-', 2),
       LATERAL (SELECT CASE e.quantity WHEN 'difference' THEN (barometer.diff_test(a.t, b.t, 'domains')).difference
                                       ELSE (barometer.diff_test(a.t, b.t, 'domains')).se END AS have) v
 WHERE e.call LIKE '%\_diff'
 ORDER BY e.ord;

-------------------------------------------------------------------------------
-- the largest relative difference from R (reported, and bounded)
-------------------------------------------------------------------------------
SELECT diag('largest relative difference from R, totals: ' ||
            (SELECT max(abs(pg_temp.tot_actual(t.t, e.quantity, e.level, e.df_arg) - e.value::float8)
                        / abs(e.value::float8))
               FROM tot_expected e JOIN tot_tally t USING (dataset, call, variable, domain)
              WHERE e.quantity <> 'error' AND e.value <> '' AND e.value::float8 <> 0));
SELECT cmp_ok((SELECT max(abs(pg_temp.tot_actual(t.t, e.quantity, e.level, e.df_arg) - e.value::float8)
                          / abs(e.value::float8))
                 FROM tot_expected e JOIN tot_tally t USING (dataset, call, variable, domain)
                WHERE e.quantity <> 'error' AND e.value <> '' AND e.value::float8 <> 0),
              '<', 1e-9::float8, 'largest relative difference from R below 1e-9');

-------------------------------------------------------------------------------
-- a total of a boolean is the weighted count of TRUE; of a number sum w y
-------------------------------------------------------------------------------
SELECT is(barometer.total(barometer.tally(y, w)), 5.0::float8, 'total of a boolean: weighted count of TRUE')
  FROM (VALUES (true, 2.0::float8), (false, 4.0), (true, 3.0), (NULL, 7.0)) v(y, w);
SELECT is(barometer.total(barometer.tally(y, w)), (2.0 * 1.5 + 4.0 * -2.0)::float8, 'total of a number: sum w y')
  FROM (VALUES (1.5::float8, 2.0::float8), (-2.0, 4.0), (NULL, 7.0)) v(y, w);
-- total = estimate * weighted_n for every fixture tally
SELECT ok(bool_and(abs(barometer.total(t) - barometer.estimate(t) * barometer.weighted_n(t))
                   <= 1e-12 * abs(barometer.total(t)) + 1e-9),
          'total = estimate * weighted_n on every fixture tally')
  FROM tot_tally WHERE barometer.weighted_n(t) > 0;

-------------------------------------------------------------------------------
-- equivalences
-------------------------------------------------------------------------------
-- merge of stored partial tallies (per stratum, stored as text) = direct
SELECT is(barometer.total_se(barometer.merge(p.t::text::barometer.tally)),
          (SELECT barometer.total_se(barometer.tally(y_num, w, stratum, psu, n_psu, fpc1))
             FROM tot_prep WHERE dataset = 'clus1_fpc'),
          'clustered: merged per-stratum tallies (text round trip) = direct, total_se')
  FROM (SELECT stratum, barometer.tally(y_num, w, stratum, psu, n_psu, fpc1) AS t
          FROM tot_prep WHERE dataset = 'clus1_fpc' GROUP BY stratum) p;
SELECT ok(abs(barometer.total_se(barometer.merge(p.t)) - (SELECT barometer.total_se(
                  barometer.tally_stratified(y_num, w, stratum, n_stratum, fpc1)) FROM tot_prep WHERE dataset = 'strat'))
          <= 1e-12 * barometer.total_se(barometer.merge(p.t)),
          'stratified: merged per-domain tallies = direct, total_se')
  FROM (SELECT dom, barometer.tally_stratified(y_num, w, stratum, n_stratum, fpc1) AS t
          FROM tot_prep WHERE dataset = 'strat' GROUP BY dom) p;
SELECT ok(abs(barometer.total_se(barometer.merge(p.t)) - (SELECT barometer.total_se(
                  barometer.tally(y_bool, w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, 'fail'))
                  FROM tot_prep WHERE dataset = 'clus2_fpc'))
          <= 1e-12 * barometer.total_se(barometer.merge(p.t)),
          'two stages: merged per-PSU tallies = direct, total_se')
  FROM (SELECT stratum, psu, barometer.tally(y_bool, w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, 'fail') AS t
          FROM tot_prep WHERE dataset = 'clus2_fpc' GROUP BY stratum, psu) p;
SELECT ok(abs(barometer.total_variance(barometer.merge(p.t)) - (SELECT barometer.total_variance(
                  barometer.tally(y_num, w, repw, barometer.replicates('jk1'))) FROM tot_prep WHERE dataset = 'rep_jk1'))
          <= 1e-12 * barometer.total_variance(barometer.merge(p.t)),
          'replicates: merged per-domain tallies = direct, total_variance')
  FROM (SELECT dom, barometer.tally(y_num, w, repw, barometer.replicates('jk1')) AS t
          FROM tot_prep WHERE dataset = 'rep_jk1' GROUP BY dom) p;
SELECT ok(abs(barometer.total_variance(barometer.merge(p.t)) - (SELECT barometer.total_variance(
                  barometer.tally(y_num, w, n_sample)) FROM tot_prep WHERE dataset = 'wonly'))
          <= 1e-12 * barometer.total_variance(barometer.merge(p.t)),
          'weights-only domains: merged = direct, total_variance')
  FROM (SELECT dom, barometer.tally(y_num, w, n_sample) AS t
          FROM tot_prep WHERE dataset = 'wonly' GROUP BY dom) p;

-- parallel = serial: 200,000 rows, 2,000 PSUs in 50 strata, forced Partial Aggregate
CREATE TEMP TABLE par_rows AS
SELECT i, (i % 50) AS stratum, (i % 50) * 1000 + ((i / 50) % 40) AS psu,
       ((i * 7919) % 4) AS origin,
       CASE WHEN i % 37 = 0 THEN NULL ELSE ((i * 2654435761) % 1000) / 10.0 END::float8 AS y,
       0.5 + ((i * 40503) % 997) / 199.4 AS w
  FROM generate_series(1::bigint, 200000) AS i;
CREATE TABLE pg_temp.par_t AS
SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu FROM par_rows r;
ALTER TABLE pg_temp.par_t SET (parallel_workers = 2);
ANALYZE pg_temp.par_t;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE par_serial AS
SELECT origin, barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM pg_temp.par_t GROUP BY origin;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
CREATE TEMP TABLE par_par AS
SELECT origin, barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM pg_temp.par_t GROUP BY origin;
RESET max_parallel_workers_per_gather;
SELECT ok(bool_and(abs(barometer.total(p.t) - barometer.total(s.t)) <= 1e-15 * abs(barometer.total(s.t))
                   AND abs(barometer.total_se(p.t) - barometer.total_se(s.t)) <= 1e-12 * barometer.total_se(s.t))
          AND count(*) = 4,
          'parallel = serial: total and total_se of four domains')
  FROM par_serial s JOIN par_par p USING (origin);

-------------------------------------------------------------------------------
-- readers agree with each other; the report row
-------------------------------------------------------------------------------
SELECT ok(bool_and(r.total = barometer.total(t.t) AND r.se = barometer.total_se(t.t)
                   AND r.ci_lower IS NOT DISTINCT FROM barometer.total_ci_lower(t.t)
                   AND r.ci_upper IS NOT DISTINCT FROM barometer.total_ci_upper(t.t)
                   AND r.deff IS NOT DISTINCT FROM barometer.total_deff(t.t)
                   AND r.df = barometer.df(t.t) AND r.cv IS NOT DISTINCT FROM barometer.total_cv(t.t)
                   AND r.n = barometer.n(t.t) AND r.n_missing = barometer.n_missing(t.t)
                   AND r.weighted_n = barometer.weighted_n(t.t)
                   AND r.status = (barometer.total_publication_status(t.t)).status
                   AND r.reason_en = (barometer.total_publication_status(t.t)).reason_en),
          'total_report = the single readers and total_publication_status (statcan_cv)')
  FROM tot_tally t, LATERAL barometer.total_report(t.t) r
 WHERE t.dataset <> 'lonely' OR t.call <> 'strat1_lonely_fail';
SELECT is(barometer.total_se(t) ^ 2, barometer.total_variance(t), 'se^2 = variance')
  FROM (SELECT barometer.tally(y_num, w, stratum, psu, n_psu, fpc1) t FROM tot_prep WHERE dataset = 'clus1') s;

-------------------------------------------------------------------------------
-- publication status of a total: CV bands
-------------------------------------------------------------------------------
-- clus1 whole sample: a CV of a few percent
SELECT is((barometer.total_publication_status(t)).status, 'publish', 'statcan_cv: a precise total is published')
  FROM (SELECT barometer.tally(y_num, w, stratum, psu, n_psu, fpc1) t FROM tot_prep WHERE dataset = 'clus1') s;
-- clus1 domain d: six rows inside one PSU of a stratum of 5 PSUs: CV 100%
SELECT is((barometer.total_publication_status(t, 'statcan_cv')).reason_en,
          'too few respondents (n < 10)', 'statcan_cv: 6 respondents are too few')
  FROM (SELECT barometer.tally(y_num, w, stratum, psu, n_psu, fpc1) t FROM tot_prep
         WHERE dataset = 'clus1' AND dom = 'd') s;
-- clus1 domain b in stratum 5, count of TRUE: 24 rows, CV 41.9%; domain a: 39 rows, CV 32.2%
SELECT is((barometer.total_publication_status(t, 'statcan_cv', 1)).reason_en,
          'coefficient of variation too large (CV 41.9% > 33.3%, F)',
          'statcan_cv version 1: a CV above 33.3% is suppressed')
  FROM (SELECT barometer.tally(y_bool, w, stratum, psu, n_psu, fpc1) t FROM tot_prep
         WHERE dataset = 'clus1' AND dom = 'b' AND stratum = 5) s;
SELECT is((barometer.total_publication_status(t, 'statcan_cv', 1)).reason_en,
          'use with caution (CV 32.2% > 16.5%, E)',
          'statcan_cv version 1: a CV between 16.5% and 33.3% is published with a warning')
  FROM (SELECT barometer.tally(y_bool, w, stratum, psu, n_psu, fpc1) t FROM tot_prep
         WHERE dataset = 'clus1' AND dom = 'a' AND stratum = 5) s;
SELECT is((barometer.total_publication_status(t, 'min_respondents')).status, 'publish',
          'min_respondents applies to a total')
  FROM (SELECT barometer.tally(y_num, w, stratum, psu, n_psu, fpc1) t FROM tot_prep WHERE dataset = 'clus1') s;
SELECT ok((barometer.total_report(t)).reason_en = (barometer.total_publication_status(t, 'statcan_cv')).reason_en
          AND (barometer.total_report(t)).reason_en LIKE 'reliable (CV %% <= 15%)',
          'total_report defaults to statcan_cv (version 2)')
  FROM (SELECT barometer.tally(y_bool, w, n_sample) t FROM tot_prep WHERE dataset = 'wonly') s;

-------------------------------------------------------------------------------
-- edge cases
-------------------------------------------------------------------------------
SELECT is(barometer.total(barometer.tally(y, w)), 0::float8, 'a tally without weight has total 0')
  FROM (VALUES (1.0::float8, 0.0::float8), (2.0, 0.0)) v(y, w);
SELECT is(barometer.total_se(barometer.tally(y, w)), 0::float8, 'and standard error 0')
  FROM (VALUES (1.0::float8, 0.0::float8), (2.0, 0.0)) v(y, w);
SELECT is(barometer.total_cv(barometer.tally(y, w)), NULL::float8, 'a total of 0 has no CV')
  FROM (VALUES (false, 1.0::float8), (false, 2.0)) v(y, w);
SELECT is(barometer.total_se(barometer.tally(y, w)), NULL::float8, 'one row: no variance (NULL)')
  FROM (VALUES (1.0::float8, 2.0::float8)) v(y, w);
SELECT is(barometer.total_ci_lower(t, 0.95, 'Infinity'), barometer.total(t) - 1.959963984540054 * barometer.total_se(t),
          'df Infinity: the normal quantile')
  FROM (SELECT barometer.tally(y_num, w, n_sample) t FROM tot_prep WHERE dataset = 'wonly') s;
-- the variance of a total depends on the whole sample: a domain's total with
-- n_sample differs from the same rows as a sample of their own
SELECT isnt(barometer.total_se(a.t), barometer.total_se(b.t), 'a domain total uses the whole sample (n_sample)')
  FROM (SELECT barometer.tally(y_num, w, n_sample) t FROM tot_prep WHERE dataset = 'wonly' AND dom = 'p') a,
       (SELECT barometer.tally(y_num, w) t FROM tot_prep WHERE dataset = 'wonly' AND dom = 'p') b;

-------------------------------------------------------------------------------
-- errors
-------------------------------------------------------------------------------
CREATE TEMP TABLE err_t AS
SELECT barometer.tally(y_num, w, stratum, psu, n_psu, fpc1) AS t FROM tot_prep WHERE dataset = 'clus1';
CREATE TEMP TABLE lonely_t AS
SELECT barometer.tally(y_num, w, stratum, psu, n_psu, fpc1) AS t FROM tot_prep WHERE dataset = 'lonely';
SELECT throws_ok('SELECT barometer.total_ci_lower(t, 1.5) FROM err_t', '22023',
                 'confidence level must be between 0 and 1', 'level outside (0, 1): 22023');
SELECT throws_ok('SELECT barometer.total_ci_upper(t, 0.95, 0) FROM err_t', '22023',
                 'degrees of freedom must be positive', 'df 0: 22023');
SELECT throws_ok('SELECT barometer.total_publication_status(t, ''nchs2017'') FROM err_t', '22023',
                 'policy "nchs2017" (kind nchs2017) applies to proportions, not totals',
                 'nchs2017 on a total: 22023');
SELECT throws_ok('SELECT barometer.total_report(t, 0.95, ''count_threshold'') FROM err_t', '22023',
                 NULL, 'a count policy on a total: 22023');
SELECT throws_ok('SELECT barometer.total_publication_status(t, ''no_such_policy'') FROM err_t', '22023',
                 NULL, 'unknown policy: 22023');
SELECT throws_ok('SELECT barometer.total_se(t) FROM lonely_t', '22023',
                 'stratum with only one PSU: 57', 'lonely PSU under fail: 22023 naming the stratum');
SELECT ok(barometer.total(t) IS NOT NULL AND barometer.df(t) IS NOT NULL,
          'and total and df still work there') FROM lonely_t;
SELECT is(barometer.total_ci_lower(NULL::barometer.tally), NULL::float8, 'NULL tally: NULL');

-------------------------------------------------------------------------------
-- ratios: the largest difference from R, equivalences, stored forms, errors
-------------------------------------------------------------------------------
SELECT diag('largest relative difference from R, ratios: ' ||
            (SELECT max(abs(pg_temp.rat_actual(t.t, e.quantity, e.level, e.df_arg) - e.value::float8)
                        / abs(e.value::float8))
               FROM rat_expected e JOIN rat_tally t USING (dataset, call, variable, domain)
              WHERE e.quantity <> 'error' AND e.value <> '' AND e.value::float8 <> 0
                AND e.call NOT LIKE '%\_diff'));
SELECT cmp_ok((SELECT max(abs(pg_temp.rat_actual(t.t, e.quantity, e.level, e.df_arg) - e.value::float8)
                          / abs(e.value::float8))
                 FROM rat_expected e JOIN rat_tally t USING (dataset, call, variable, domain)
                WHERE e.quantity <> 'error' AND e.value <> '' AND e.value::float8 <> 0
                  AND e.call NOT LIKE '%\_diff'),
              '<', 1e-9::float8, 'ratios: largest relative difference from R below 1e-9');
SELECT is(barometer.kind(t), 'ratio', 'tally_ratio makes a tally of kind ratio')
  FROM (SELECT barometer.tally_ratio(y_num, x, w) t FROM tot_prep WHERE dataset = 'wonly') s;
SELECT ok(barometer.deff(t) IS NULL AND barometer.kish_n_eff(t) IS NULL,
          'a ratio has no design effect or Kish n_eff (not kept): NULL')
  FROM (SELECT barometer.tally_ratio(y_num, x, w, stratum, psu, n_psu, fpc1) t FROM tot_prep WHERE dataset = 'clus1') s;
-- merged per-stratum ratio tallies (through the text form) = direct, in every design
SELECT ok(abs(barometer.se(barometer.merge(p.t::text::barometer.tally)) - (SELECT barometer.se(
                  barometer.tally_ratio(y_num, x, w, stratum, psu, n_psu, fpc1)) FROM tot_prep WHERE dataset = 'clus1_fpc'))
          <= 1e-12 * barometer.se(barometer.merge(p.t))
          AND barometer.estimate(barometer.merge(p.t)) = (SELECT barometer.estimate(
                  barometer.tally_ratio(y_num, x, w, stratum, psu, n_psu, fpc1)) FROM tot_prep WHERE dataset = 'clus1_fpc'),
          'ratio, clustered: merged per-stratum tallies (text round trip) = direct')
  FROM (SELECT stratum, barometer.tally_ratio(y_num, x, w, stratum, psu, n_psu, fpc1) AS t
          FROM tot_prep WHERE dataset = 'clus1_fpc' GROUP BY stratum) p;
SELECT ok(abs(barometer.se(barometer.merge(p.t::text::barometer.tally)) - (SELECT barometer.se(
                  barometer.tally_ratio(y_num, x, w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, 'fail'))
                  FROM tot_prep WHERE dataset = 'clus2_fpc'))
          <= 1e-12 * barometer.se(barometer.merge(p.t)),
          'ratio, two stages: merged per-PSU tallies (text round trip) = direct')
  FROM (SELECT stratum, psu, barometer.tally_ratio(y_num, x, w, stratum, psu, n_psu, fpc1, ssu, n_ssu, fpc2, 'fail') AS t
          FROM tot_prep WHERE dataset = 'clus2_fpc' GROUP BY stratum, psu) p;
SELECT ok(abs(barometer.se(barometer.merge(p.t::text::barometer.tally)) - (SELECT barometer.se(
                  barometer.tally_ratio_stratified(y_num, x, w, stratum, n_stratum, fpc1)) FROM tot_prep WHERE dataset = 'strat'))
          <= 1e-12 * barometer.se(barometer.merge(p.t)),
          'ratio, stratified: merged per-domain tallies (text round trip) = direct')
  FROM (SELECT dom, barometer.tally_ratio_stratified(y_num, x, w, stratum, n_stratum, fpc1) AS t
          FROM tot_prep WHERE dataset = 'strat' GROUP BY dom) p;
SELECT ok(abs(barometer.se(barometer.merge(p.t::text::barometer.tally)) - (SELECT barometer.se(
                  barometer.tally_ratio(y_num, x, w, repw, barometer.replicates('jk1'))) FROM tot_prep WHERE dataset = 'rep_jk1'))
          <= 1e-12 * barometer.se(barometer.merge(p.t)),
          'ratio, replicates: merged per-domain tallies (text round trip) = direct')
  FROM (SELECT dom, barometer.tally_ratio(y_num, x, w, repw, barometer.replicates('jk1')) AS t
          FROM tot_prep WHERE dataset = 'rep_jk1' GROUP BY dom) p;
SELECT ok(abs(barometer.se(barometer.merge(p.t::text::barometer.tally)) - (SELECT barometer.se(
                  barometer.tally_ratio(y_num, x, w, n_sample)) FROM tot_prep WHERE dataset = 'wonly'))
          <= 1e-12 * barometer.se(barometer.merge(p.t)),
          'ratio, weights-only domains: merged = direct')
  FROM (SELECT dom, barometer.tally_ratio(y_num, x, w, n_sample) AS t
          FROM tot_prep WHERE dataset = 'wonly' GROUP BY dom) p;
-- text round trip is exact for every ratio fixture tally
SELECT is((SELECT count(*) FROM rat_tally WHERE call <> 'strat1_lonely_fail'
              AND t::text::barometer.tally::text = t::text
              AND barometer.se(t::text::barometer.tally) IS NOT DISTINCT FROM barometer.se(t)),
          (SELECT count(*) FROM rat_tally WHERE call <> 'strat1_lonely_fail'),
          'text round trip of every ratio tally is exact (and its readers agree)')
  ;
-- binary round trip through COPY BINARY
CREATE TEMP TABLE rat_io AS SELECT row_number() OVER () AS k, t FROM rat_tally;
CREATE FUNCTION pg_temp.rat_binary_round_trip() RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE path text := '/tmp/barometer_ratio_io_' || pg_backend_pid() || '.bin'; n bigint;
BEGIN
    EXECUTE format('COPY rat_io TO %L (FORMAT binary)', path);
    CREATE TEMP TABLE rat_back (k bigint, t barometer.tally);
    EXECUTE format('COPY rat_back FROM %L (FORMAT binary)', path);
    SELECT count(*) INTO n FROM rat_io a JOIN rat_back b USING (k)
     WHERE a.t::text = b.t::text AND barometer.tally_send(a.t) = barometer.tally_send(b.t);
    RETURN n;
END $f$;
SELECT is(pg_temp.rat_binary_round_trip(), (SELECT count(*) FROM rat_io),
          'binary round trip of every ratio tally is exact');
-- parallel = serial
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE rpar_serial AS
SELECT origin, barometer.tally_ratio(y, w, w, stratum, psu, n_psu, NULL) AS t FROM pg_temp.par_t GROUP BY origin;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
CREATE TEMP TABLE rpar_par AS
SELECT origin, barometer.tally_ratio(y, w, w, stratum, psu, n_psu, NULL) AS t FROM pg_temp.par_t GROUP BY origin;
RESET max_parallel_workers_per_gather;
SELECT ok(bool_and(abs(barometer.estimate(p.t) - barometer.estimate(s.t)) <= 1e-15 * abs(barometer.estimate(s.t))
                   AND abs(barometer.se(p.t) - barometer.se(s.t)) <= 1e-12 * barometer.se(s.t))
          AND count(*) = 4,
          'ratio: parallel = serial on four domains')
  FROM rpar_serial s JOIN rpar_par p USING (origin);
-- replicate weights as real[]: the same as their float8 values
SELECT ok(barometer.estimate(a.t) = barometer.estimate(b.t) AND barometer.se(a.t) = barometer.se(b.t),
          'ratio: real[] replicate weights = the same values as float8[]')
  FROM (SELECT barometer.tally_ratio(y_num, x, w, repw::real[], barometer.replicates('jk1')) t
          FROM tot_prep WHERE dataset = 'rep_jk1') a,
       (SELECT barometer.tally_ratio(y_num, x, w, repw::real[]::float8[], barometer.replicates('jk1')) t
          FROM tot_prep WHERE dataset = 'rep_jk1') b;
-- a ratio with x = 1 is the mean
SELECT ok(abs(barometer.estimate(r.t) - barometer.estimate(m.t)) <= 1e-15 * abs(barometer.estimate(m.t))
          AND abs(barometer.se(r.t) - barometer.se(m.t)) <= 1e-12 * barometer.se(m.t)
          AND barometer.df(r.t) = barometer.df(m.t),
          'ratio with x = 1 equals the mean (clustered design)')
  FROM (SELECT barometer.tally_ratio(y_num, 1.0, w, stratum, psu, n_psu, fpc1) t FROM tot_prep WHERE dataset = 'clus1') r,
       (SELECT barometer.tally(y_num, w, stratum, psu, n_psu, fpc1) t FROM tot_prep WHERE dataset = 'clus1') m;
-- the publication status of a ratio: CV bands
SELECT is((barometer.report(t)).status, (barometer.publication_status(t, 'statcan_cv')).status,
          'report of a ratio uses statcan_cv by default')
  FROM (SELECT barometer.tally_ratio(y_num, x, w, stratum, psu, n_psu, fpc1) t FROM tot_prep WHERE dataset = 'clus1') s;
-- edge cases and errors
SELECT ok(barometer.estimate(t) IS NULL AND barometer.se(t) IS NULL AND barometer.n(t) = 2,
          'x summing to 0: the ratio is undefined (NULL), not an error')
  FROM (SELECT barometer.tally_ratio(y, x, w) t FROM (VALUES (1.0::float8, 0.0::float8, 1.0::float8), (2, 0, 3)) v(y, x, w)) s;
SELECT ok(barometer.n_missing(t) = 2 AND barometer.n(t) = 1,
          'a NULL y or x is a missing row')
  FROM (SELECT barometer.tally_ratio(y, x, w) t FROM (VALUES (1.0::float8, 1.0::float8, 1.0::float8),
        (NULL, 1, 3), (2, NULL, 1)) v(y, x, w)) s;
SELECT throws_ok('SELECT barometer.tally_ratio(y, x, 1.0) FROM (VALUES (1.0::float8, -1.0::float8)) v(y, x)',
                 '22023', 'the denominator x of a ratio must not be negative', 'negative x: 22023');
SELECT throws_ok('SELECT barometer.tally_ratio(1.0, x, 1.0) FROM (VALUES (''NaN''::float8)) v(x)',
                 '22023', 'value must be finite', 'NaN x: 22023');
SELECT throws_ok('SELECT barometer.tally_ratio(1.0, 1.0, -2.0)', '22023', NULL, 'negative weight: 22023');
SELECT throws_ok('SELECT barometer.publication_status(barometer.tally_ratio(1.0, 1.0, 1.0))', '22023',
                 'policy "nchs2017" (kind nchs2017) applies to proportions, not ratios',
                 'nchs2017 (the default of publication_status) on a ratio: 22023');
SELECT is((barometer.publication_status(barometer.tally_ratio(y, 1.0, 1.0), 'statcan_cv')).reason_en,
          'too few respondents (n < 10)', 'statcan_cv on a ratio')
  FROM (VALUES (1.0::float8), (2.0)) v(y);
SELECT throws_ok('SELECT barometer.total(barometer.tally_ratio(1.0, 1.0, 1.0))', '22023',
                 'a ratio has no total', 'total of a ratio: 22023');
SELECT throws_ok('SELECT barometer.ci_lower(barometer.tally_ratio(y, 1.0, 1.0), 0.95, ''beta'') FROM (VALUES (1.0::float8), (2.0)) v(y)',
                 '22023', NULL, 'a proportion interval method on a ratio: 22023');
SELECT throws_ok('SELECT barometer.merge(t) FROM (SELECT barometer.tally_ratio(1.0, 1.0, 1.0) t UNION ALL SELECT barometer.tally(1.0::float8, 1.0)) s',
                 '22023', NULL, 'merging a ratio with a mean: 22023');
SELECT throws_ok('SELECT barometer.se(t) FROM (SELECT barometer.tally_ratio(y_num, x, w, stratum, psu, n_psu, fpc1) t FROM tot_prep WHERE dataset = ''lonely'') s',
                 '22023', 'stratum with only one PSU: 57', 'ratio, lonely PSU under fail: 22023');
SELECT throws_ok($$SELECT 'v1 ratio n=0 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0'::barometer.tally$$,
                 '22P02', NULL, 'a version 1 text form has no ratio kind: 22P02');
SELECT throws_ok($$SELECT 'v2 ratio n=1 missing=0 positive=1 sw=2:0 swy=3:0 swyy=0:0 sww=4:0 swwy=6:0 swwyy=9:0 design=weights'::barometer.tally$$,
                 '22P02', NULL, 'a ratio without a sum of weights: 22P02');
SELECT throws_ok($$SELECT 'v2 ratio n=1 missing=0 positive=1 sw=2:0 swy=3:0 swyy=1:0 sww=4:0 swwy=7:0 swwyy=9:0 design=weights'::barometer.tally$$,
                 '22P02', NULL, 'inconsistent ratio sums (Cauchy-Schwarz): 22P02');
SELECT is(barometer.estimate('v2 ratio n=1 missing=0 positive=1 sw=2:0 swy=3:0 swyy=1:0 sww=4:0 swwy=6:0 swwyy=9:0 design=weights'::barometer.tally),
          1.5::float8, 'a consistent ratio text form is read: R = 3 / 2');

SELECT * FROM finish();
ROLLBACK;
