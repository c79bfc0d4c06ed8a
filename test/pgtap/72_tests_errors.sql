-- bad input to the significance tests (diff_test, the chi-square test,
-- p_adjust): every error is 22023 (bad argument)
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1
BEGIN;
SELECT plan(48);

-- a small stratified cluster sample: strata 1 and 2 with 3 PSUs of 2 rows
-- each, domains a and b, four replicate weights per row
CREATE TEMP TABLE et (id, stratum, psu, dom, y, x, w, fpc, r, c, repw) AS
VALUES (1,  1, 1, 'a', true,  1.5::float8, 2.0::float8, 10.0::float8, 'lo', 1, '{0,2.7,2.7,2.7}'::float8[]),
       (2,  1, 1, 'b', false, 2.5, 2.0, 10.0, 'hi', 2, '{0,2.7,2.7,2.7}'),
       (3,  1, 2, 'a', true,  3.0, 3.0, 10.0, 'hi', 1, '{4,0,4,4}'),
       (4,  1, 2, 'b', true,  0.5, 3.0, 10.0, 'lo', 2, '{4,0,4,4}'),
       (5,  1, 3, 'a', false, 4.0, 1.5, 10.0, 'lo', 2, '{2,2,0,2}'),
       (6,  1, 3, 'b', true,  2.0, 1.5, 10.0, 'hi', 1, '{2,2,0,2}'),
       (7,  2, 1, 'a', false, 1.0, 2.5, 12.0, 'hi', 2, '{3.3,3.3,3.3,0}'),
       (8,  2, 1, 'b', true,  3.5, 2.5, 12.0, 'lo', 1, '{3.3,3.3,3.3,0}'),
       (9,  2, 2, 'a', true,  2.5, 1.0, 12.0, 'lo', 1, '{1.3,1.3,1.3,1.3}'),
       (10, 2, 2, 'b', false, 1.5, 1.0, 12.0, 'hi', 2, '{1.3,1.3,1.3,1.3}'),
       (11, 2, 3, 'a', true,  2.0, 4.0, 12.0, 'hi', 2, '{5.3,5.3,5.3,5.3}'),
       (12, 2, 3, 'b', false, 3.0, 4.0, 12.0, 'lo', 1, '{5.3,5.3,5.3,5.3}');

-- the design columns from the whole sample
CREATE TEMP TABLE ep AS
SELECT et.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       count(*) OVER () AS n_sample
  FROM et;

-- tallies, one per (name); built here so that an error in the aggregates
-- shows in the assertion that uses them (as "no tally")
CREATE TEMP TABLE tt (name text PRIMARY KEY, t barometer.tally);
CREATE FUNCTION pg_temp.mk(p_name text, p_sql text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('INSERT INTO tt SELECT %L, (%s)', p_name, p_sql);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'tally % failed: %: %', p_name, SQLSTATE, SQLERRM;
END
$fn$;
SELECT pg_temp.mk('w_y',        $$SELECT barometer.tally(y, w) FROM ep$$);
SELECT pg_temp.mk('w_x',        $$SELECT barometer.tally(x, w) FROM ep$$);
SELECT pg_temp.mk('wn_a',       $$SELECT barometer.tally(y, w, n_sample) FROM ep WHERE dom = 'a'$$);
SELECT pg_temp.mk('wn_b',       $$SELECT barometer.tally(y, w, n_sample) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('wn_b_x',     $$SELECT barometer.tally(x, w, n_sample) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('wn_b_other', $$SELECT barometer.tally(y, w, n_sample + 5) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('wn_all',     $$SELECT barometer.tally(y, w, n_sample) FROM ep$$);
SELECT pg_temp.mk('c_a',        $$SELECT barometer.tally(y, w, stratum, psu, n_psu, fpc) FROM ep WHERE dom = 'a'$$);
SELECT pg_temp.mk('c_b',        $$SELECT barometer.tally(y, w, stratum, psu, n_psu, fpc) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('c_b_x',      $$SELECT barometer.tally(x, w, stratum, psu, n_psu, fpc) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('c_all',      $$SELECT barometer.tally(y, w, stratum, psu, n_psu, fpc) FROM ep$$);
SELECT pg_temp.mk('c_all_x',    $$SELECT barometer.tally(x, w, stratum, psu, n_psu, fpc) FROM ep$$);
SELECT pg_temp.mk('c_b_nofpc',  $$SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL::float8) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('c_all_nofpc', $$SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL::float8) FROM ep$$);
SELECT pg_temp.mk('c_b_npsu',   $$SELECT barometer.tally(y, w, stratum, psu, n_psu + 1, fpc) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('j_a',        $$SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) FROM ep WHERE dom = 'a'$$);
SELECT pg_temp.mk('j_b',        $$SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('j_all',      $$SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) FROM ep$$);
SELECT pg_temp.mk('j_b_mse',    $$SELECT barometer.tally(y, w, repw, barometer.replicates('jk1', mse => true)) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('j_b_df',     $$SELECT barometer.tally(y, w, repw, barometer.replicates('jk1', df => 2)) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('j_b_5',      $$SELECT barometer.tally(y, w, repw || 1.0::float8, barometer.replicates('jk1'::text)) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('brr_b',      $$SELECT barometer.tally(y, w, repw, barometer.replicates('brr'::text)) FROM ep WHERE dom = 'b'$$);
SELECT pg_temp.mk('brr_all',    $$SELECT barometer.tally(y, w, repw, barometer.replicates('brr'::text)) FROM ep$$);

-- ok() when p_sql raises p_state with a message matching p_pattern (NULL: any)
CREATE FUNCTION pg_temp.raises(p_sql text, p_state text, p_pattern text, p_descr text)
RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    BEGIN
        EXECUTE p_sql;
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE = p_state AND (p_pattern IS NULL OR SQLERRM ~ p_pattern) THEN
            RETURN ok(true, p_descr);
        END IF;
        RETURN ok(false, p_descr) || E'\n'
            || diag(format('    caught: %s: %s' || E'\n' || '    wanted: %s%s', SQLSTATE, SQLERRM,
                           p_state, coalesce(' with a message matching ' || p_pattern, '')));
    END;
    RETURN ok(false, p_descr) || E'\n' || diag('    no error raised');
END
$fn$;
CREATE FUNCTION pg_temp.lives(p_sql text, p_descr text) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE p_sql;
    RETURN ok(true, p_descr);
EXCEPTION WHEN OTHERS THEN
    RETURN ok(false, p_descr) || E'\n' || diag(format('    caught: %s: %s', SQLSTATE, SQLERRM));
END
$fn$;
-- diff_test(<tally a>, <tally b>, <rest>) as SQL; both tallies must exist
CREATE FUNCTION pg_temp.dt(p_a text, p_b text, p_rest text) RETURNS text
LANGUAGE plpgsql AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tt WHERE name = p_a) OR NOT EXISTS (SELECT 1 FROM tt WHERE name = p_b) THEN
        RETURN 'SELECT no_tally_was_made_see_the_notices()';
    END IF;
    RETURN format('SELECT (barometer.diff_test(a.t, b.t%s)).p_value FROM tt a, tt b '
                  'WHERE a.name = %L AND b.name = %L', coalesce(', ' || p_rest, ''), p_a, p_b);
END
$fn$;

-------------------------------------------------------------------------------
-- diff_test
-------------------------------------------------------------------------------
SELECT pg_temp.lives(pg_temp.dt('c_a', 'c_b', $$'domains'$$), 'domains: two domains of one cluster design');
SELECT pg_temp.lives(pg_temp.dt('c_a', 'c_all', $$'part'$$), 'part: a domain and the whole cluster sample');
SELECT pg_temp.lives(pg_temp.dt('j_a', 'j_b', $$'domains', 0.5$$), 'domains: replicate tallies, level 0.5');
-- two surveys may have different designs
SELECT pg_temp.lives(pg_temp.dt('c_all', 'w_y', NULL), 'independent: a cluster design and a weights-only sample');

-- kinds
SELECT pg_temp.raises(pg_temp.dt('w_y', 'w_x', NULL), '22023', NULL,
    'independent: a proportion and a mean');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b_x', $$'domains'$$), '22023', NULL,
    'domains: a proportion and a mean');
SELECT pg_temp.raises(pg_temp.dt('wn_a', 'wn_b_x', $$'domains'$$), '22023', NULL,
    'domains (weights only): a proportion and a mean');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_all_x', $$'part'$$), '22023', NULL,
    'part: a proportion and a mean');

-- designs and replicate settings (domains, part)
SELECT pg_temp.raises(pg_temp.dt('wn_a', 'c_b', $$'domains'$$), '22023', NULL,
    'domains: a weights-only domain and a cluster tally');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b_nofpc', $$'domains'$$), '22023', NULL,
    'domains: fpc and no fpc');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b_npsu', $$'domains'$$), '22023', NULL,
    'domains: n_psu differs in a shared stratum');
SELECT pg_temp.raises(pg_temp.dt('wn_a', 'wn_b_other', $$'domains'$$), '22023', NULL,
    'domains: weights-only domains of samples of different sizes');
SELECT pg_temp.raises(pg_temp.dt('w_y', 'wn_b', $$'domains'$$), '22023', NULL,
    'domains: a whole weights-only sample and a weights-only domain');
SELECT pg_temp.raises(pg_temp.dt('j_a', 'c_b', $$'domains'$$), '22023', NULL,
    'domains: a replicate tally and a cluster tally');
SELECT pg_temp.raises(pg_temp.dt('j_a', 'brr_b', $$'domains'$$), '22023', NULL,
    'domains: jk1 and brr replicates');
SELECT pg_temp.raises(pg_temp.dt('j_a', 'j_b_mse', $$'domains'$$), '22023', NULL,
    'domains: mse differs');
SELECT pg_temp.raises(pg_temp.dt('j_a', 'j_b_df', $$'domains'$$), '22023', NULL,
    'domains: replicate df differs');
SELECT pg_temp.raises(pg_temp.dt('j_a', 'j_b_5', $$'domains'$$), '22023', NULL,
    'domains: numbers of replicates differ');
SELECT pg_temp.raises(pg_temp.dt('wn_a', 'c_all', $$'part'$$), '22023', NULL,
    'part: a weights-only domain and a cluster tally');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_all_nofpc', $$'part'$$), '22023', NULL,
    'part: fpc and no fpc');
SELECT pg_temp.raises(pg_temp.dt('j_a', 'brr_all', $$'part'$$), '22023', NULL,
    'part: jk1 and brr replicates');
SELECT pg_temp.raises(pg_temp.dt('j_a', 'c_all', $$'part'$$), '22023', NULL,
    'part: a replicate tally and a cluster tally');

-- level and relation
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b', $$'domains', 0$$), '22023', NULL, 'level 0');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b', $$'domains', 1$$), '22023', NULL, 'level 1');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b', $$'domains', -0.5$$), '22023', NULL, 'level -0.5');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b', $$'domains', 1.5$$), '22023', NULL, 'level 1.5');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b', $$'domains', 'NaN'$$), '22023', NULL, 'level NaN');
SELECT pg_temp.raises(pg_temp.dt('w_y', 'w_y', $$'independent', 95$$), '22023', NULL,
    'level 95 (a percentage)');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b', $$'paired'$$), '22023', 'paired', 'unknown relation, named');
SELECT pg_temp.raises(pg_temp.dt('c_a', 'c_b', $$''$$), '22023', NULL, 'empty relation');

-------------------------------------------------------------------------------
-- chi-square: the aggregate barometer.chisq(..., statistic)
-------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.chisq(p_args text, p_stat text) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN format('SELECT (barometer.chisq(%s%s)).p_value FROM ep',
                  p_args, coalesce(', ' || quote_literal(p_stat), ''));
END
$fn$;

SELECT pg_temp.lives(pg_temp.chisq('r, c, w', NULL), 'chisq: weights only, 2 x 2');
SELECT pg_temp.lives(pg_temp.chisq('r, c, w, stratum, psu, n_psu, fpc', 'Chisq'), 'chisq: cluster, Chisq');
SELECT pg_temp.lives(pg_temp.chisq($$r, c, w, repw, barometer.replicates('jk1'::text)$$, 'adjWald'),
    'chisq: replicates, adjWald');
SELECT pg_temp.raises(pg_temp.chisq($$r, 'one'::text, w$$, NULL), '22023', NULL,
    'chisq: a table with one column (weights only)');
SELECT pg_temp.raises(pg_temp.chisq($$7, c, w$$, 'F'), '22023', NULL,
    'chisq: a table with one row (weights only)');
SELECT pg_temp.raises(pg_temp.chisq($$r, 1, w, stratum, psu, n_psu, fpc$$, 'Wald'), '22023', NULL,
    'chisq: a table with one column (cluster)');
SELECT pg_temp.raises(pg_temp.chisq($$'x'::text, c, w, repw, barometer.replicates('jk1'::text)$$, 'F'), '22023', NULL,
    'chisq: a table with one row (replicates)');
SELECT pg_temp.raises(pg_temp.chisq('r, c, w', 'G'), '22023', NULL, 'chisq: unknown statistic G');
SELECT pg_temp.raises(pg_temp.chisq('r, c, w', 'lincom'), '22023', NULL,
    'chisq: statistic lincom (R has it, barometer does not)');
SELECT pg_temp.raises(pg_temp.chisq('r, c, w, stratum, psu, n_psu, fpc', 'wald'), '22023', NULL,
    'chisq: statistic names are case-sensitive as in R (wald)');

-------------------------------------------------------------------------------
-- p_adjust
-------------------------------------------------------------------------------
SELECT pg_temp.lives($$SELECT barometer.p_adjust(ARRAY[0, 1, NULL, 0.5]::float8[], 'holm')$$,
    'p_adjust: 0, 1 and NULL are valid');
SELECT pg_temp.raises($$SELECT barometer.p_adjust(ARRAY[0.5, 0.01]::float8[], 'sidak')$$, '22023', 'sidak',
    'p_adjust: unknown method, named');
SELECT pg_temp.raises($$SELECT barometer.p_adjust(p, 'hochberg') OVER () FROM (VALUES (0.1::float8), (0.2)) v(p)$$,
    '22023', NULL, 'p_adjust window: unknown method');
SELECT pg_temp.raises($$SELECT barometer.p_adjust(ARRAY[0.5, 1.2]::float8[], 'holm')$$, '22023', NULL,
    'p_adjust: a p-value above 1');
SELECT pg_temp.raises($$SELECT barometer.p_adjust(ARRAY[-0.01, 0.2]::float8[], 'BH')$$, '22023', NULL,
    'p_adjust: a negative p-value');
SELECT pg_temp.raises($$SELECT barometer.p_adjust(ARRAY['Infinity', 0.2]::float8[], 'bonferroni')$$, '22023', NULL,
    'p_adjust: an infinite p-value');
SELECT pg_temp.raises($$SELECT barometer.p_adjust(p, 'holm') OVER () FROM (VALUES (0.1::float8), (1.5)) v(p)$$,
    '22023', NULL, 'p_adjust window: a p-value above 1');
SELECT pg_temp.raises($$SELECT barometer.p_adjust(p, 'BH') OVER () FROM (VALUES (0.1::float8), (-1)) v(p)$$,
    '22023', NULL, 'p_adjust window: a negative p-value');

SELECT * FROM finish();
ROLLBACK;
