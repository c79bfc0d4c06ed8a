-- bad input to the design-based tallies: every error is 22023 (bad argument)
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\set QUIET 1
BEGIN;
SELECT plan(56);

-- a small stratified two-stage sample: strata 1 (2 PSUs) and 2 (3 PSUs) with
-- 2 SSUs per PSU, and stratum 7 with a single PSU (lonely, f = (5 - 1)/5);
-- three replicate weights per row
CREATE TEMP TABLE ed (stratum, psu, ssu, y, x, w, fpc, fpc2, repw) AS
VALUES (1, 1, 1, true,  1.5::float8, 2.0::float8, 10.0::float8, 4.0::float8, '{0,3,3}'::float8[]),
       (1, 1, 2, false, 2.5, 2.0, 10.0, 4.0, '{0,3,3}'),
       (1, 2, 1, true,  3.0, 3.0, 10.0, 5.0, '{4.5,0,4.5}'),
       (1, 2, 2, true,  0.5, 3.0, 10.0, 5.0, '{4.5,0,4.5}'),
       (2, 1, 1, false, 4.0, 1.5, 12.0, 3.0, '{2.25,2.25,0}'),
       (2, 1, 2, true,  2.0, 1.5, 12.0, 3.0, '{2.25,2.25,0}'),
       (2, 2, 1, false, 1.0, 2.5, 12.0, 6.0, '{3.75,0,3.75}'),
       (2, 2, 2, true,  3.5, 2.5, 12.0, 6.0, '{3.75,0,3.75}'),
       (2, 3, 1, true,  2.5, 1.0, 12.0, 2.0, '{0,1.5,1.5}'),
       (2, 3, 2, false, 1.5, 1.0, 12.0, 2.0, '{0,1.5,1.5}'),
       (7, 1, 1, true,  2.0, 4.0, 5.0, 4.0, '{6,6,0}'),
       (7, 1, 2, false, 3.0, 4.0, 5.0, 4.0, '{6,6,0}');

-- the design columns from the whole sample
CREATE TEMP TABLE ep AS
SELECT ed.*, 'st-' || stratum AS st_t,
       barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       barometer.psu_count(ssu) OVER (PARTITION BY stratum, psu) AS n_ssu,
       count(*) OVER () AS n_sample
  FROM ed;

-- barometer.replicates('jk1'::text): with a bare literal and no other
-- argument PostgreSQL would read barometer.replicates('jk1') as a cast to the
-- type barometer.replicates (its text input, 22P02 on bad input), not as a
-- call of the constructor function tested here.

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

-------------------------------------------------------------------------------
-- strata and PSUs (one stage)
-------------------------------------------------------------------------------
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc)) FROM ep WHERE stratum <> 7$$,
    'stratified: a sample without a lonely stratum');
-- R: onestrat() stop("Stratum (", stratum, ") has only one PSU at stage ", stage)
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc)) FROM ep$$,
    '22023', '(^|[^A-Za-z0-9_])7([^A-Za-z0-9_]|$)', 'lonely PSU, default policy fail: error naming stratum 7');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, st_t, psu, n_psu, fpc)) FROM ep$$,
    '22023', 'st-7', 'lonely PSU, text strata: error naming stratum st-7');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, 'fail')) FROM ep$$,
    '22023', '(^|[^A-Za-z0-9_])7([^A-Za-z0-9_]|$)', 'lonely PSU, explicit fail: error naming stratum 7');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(x, w, stratum, psu, n_psu, fpc)) FROM ep$$,
    '22023', '(^|[^A-Za-z0-9_])7([^A-Za-z0-9_]|$)', 'lonely PSU, mean, policy fail: error naming stratum 7');
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, 'remove')) FROM ep$$,
    'lonely PSU, policy remove');
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, 'certainty')) FROM ep$$,
    'lonely PSU, policy certainty');
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, 'adjust')) FROM ep$$,
    'lonely PSU, policy adjust');
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, 'average')) FROM ep$$,
    'lonely PSU, policy average');
-- R: onestrat() returns 0 for a census stratum (f < 1e-7) before it looks at n_h
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu,
                      CASE WHEN stratum = 7 THEN 1.0 ELSE fpc END)) FROM ep$$,
    'a lonely census stratum (fpc = n_psu) is not an error under fail');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu,
                      CASE WHEN stratum = 2 AND psu = 3 THEN 4 ELSE n_psu END, fpc)) FROM ep WHERE stratum <> 7$$,
    '22023', NULL, 'n_psu differs between rows of a stratum');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu,
                      CASE WHEN stratum = 2 THEN 2 ELSE n_psu END, fpc)) FROM ep WHERE stratum <> 7$$,
    '22023', NULL, 'more distinct PSUs in a stratum than its n_psu');
-- R: as.fpc() stop("FPC implies >100% sampling in some strata")
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu,
                      CASE WHEN stratum = 2 THEN 2.0 ELSE fpc END)) FROM ep WHERE stratum <> 7$$,
    '22023', NULL, 'fpc (a population count) smaller than n_psu');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, 'drop')) FROM ep$$,
    '22023', NULL, 'unknown lonely_psu policy');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w,
                      CASE WHEN stratum = 1 AND psu = 2 THEN NULL ELSE stratum END, psu, n_psu, fpc)) FROM ep WHERE stratum <> 7$$,
    '22023', NULL, 'NULL stratum');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum,
                      CASE WHEN stratum = 1 AND psu = 2 THEN NULL ELSE psu END, n_psu, fpc)) FROM ep WHERE stratum <> 7$$,
    '22023', NULL, 'NULL psu');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu,
                      CASE WHEN stratum = 1 AND psu = 2 THEN NULL ELSE n_psu END, fpc)) FROM ep WHERE stratum <> 7$$,
    '22023', NULL, 'NULL n_psu');

-------------------------------------------------------------------------------
-- two stages
-------------------------------------------------------------------------------
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, ssu, n_ssu, fpc2, 'fail'))
                    FROM ep WHERE stratum <> 7$$,
    'two stages: a sample without a lonely stratum');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, ssu,
                      CASE WHEN stratum = 1 AND psu = 1 THEN 1 ELSE n_ssu END, fpc2, 'fail')) FROM ep WHERE stratum <> 7$$,
    '22023', NULL, 'more distinct SSUs in a PSU than its n_ssu');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, ssu, n_ssu,
                      CASE WHEN stratum = 1 AND psu = 1 THEN 1.5 ELSE fpc2 END, 'fail')) FROM ep WHERE stratum <> 7$$,
    '22023', NULL, 'fpc2 (a population count) smaller than n_ssu');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc,
                      CASE WHEN stratum = 2 AND psu = 3 AND ssu = 2 THEN NULL ELSE ssu END, n_ssu, fpc2, 'fail'))
                      FROM ep WHERE stratum <> 7$$,
    '22023', NULL, 'NULL ssu');
-- R: the second stage runs onestrat() per PSU with the same policy, so a PSU
-- with one SSU (and fpc2 not a census) fails: "Stratum (...) has only one PSU at stage 2"
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, stratum, psu, n_psu, fpc, ssu, n_ssu, fpc2, 'fail'))
                      FROM (SELECT e.*, barometer.psu_count(ssu) OVER (PARTITION BY stratum, psu) AS n_ssu
                              FROM (SELECT stratum, psu, ssu, y, w, fpc, fpc2, n_psu FROM ep
                                     WHERE stratum <> 7 AND NOT (stratum = 1 AND psu = 1 AND ssu = 2)) e) s$$,
    '22023', NULL, 'a PSU with a single SSU under fail');

-------------------------------------------------------------------------------
-- replicate weights
-------------------------------------------------------------------------------
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('jk1'::text))) FROM ep$$,
    'replicates: float8[]');
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, repw::real[], barometer.replicates('jk1'::text))) FROM ep$$,
    'replicates: real[]');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w,
                      CASE WHEN stratum = 2 THEN repw || 1.0::float8 ELSE repw END, barometer.replicates('jk1'::text))) FROM ep$$,
    '22023', NULL, 'replicate arrays of different lengths');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w,
                      CASE WHEN stratum = 2 AND psu = 1 THEN '{1,NULL,1}'::float8[] ELSE repw END, barometer.replicates('jk1'::text))) FROM ep$$,
    '22023', NULL, 'a NULL replicate weight');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w,
                      CASE WHEN stratum = 2 AND psu = 1 THEN NULL ELSE repw END, barometer.replicates('jk1'::text))) FROM ep$$,
    '22023', NULL, 'a NULL replicate-weight array');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w,
                      CASE WHEN stratum = 2 AND psu = 1 THEN '{1,-0.5,1}'::float8[] ELSE repw END, barometer.replicates('jk1'::text))) FROM ep$$,
    '22023', NULL, 'a negative replicate weight');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w,
                      CASE WHEN stratum = 2 AND psu = 1 THEN '{1,NaN,1}'::float8[] ELSE repw END, barometer.replicates('jk1'::text))) FROM ep$$,
    '22023', NULL, 'a NaN replicate weight');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w,
                      CASE WHEN stratum = 2 AND psu = 1 THEN '{1,Infinity,1}'::float8[] ELSE repw END, barometer.replicates('jk1'::text))) FROM ep$$,
    '22023', NULL, 'an infinite replicate weight');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('jackknife'::text))) FROM ep$$,
    '22023', NULL, 'unknown replication method');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('fay'::text))) FROM ep$$,
    '22023', NULL, 'fay without rho');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('fay', rho => 1))) FROM ep$$,
    '22023', NULL, 'fay with rho = 1');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('fay', rho => -0.1))) FROM ep$$,
    '22023', NULL, 'fay with rho < 0');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('fay', rho => 1.5))) FROM ep$$,
    '22023', NULL, 'fay with rho > 1');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('fay', rho => 'NaN'))) FROM ep$$,
    '22023', NULL, 'fay with rho NaN');
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('fay', rho => 0))) FROM ep$$,
    'fay with rho = 0');
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('fay', rho => 0.5))) FROM ep$$,
    'fay with rho = 0.5');
-- R: svrepdesign() stop("Must provide rscales for combined JKn weights")
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('jkn'::text))) FROM ep$$,
    '22023', NULL, 'jkn without rscales');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, repw,
                      barometer.replicates('jkn', rscales => '{0.5,0.5}'))) FROM ep$$,
    '22023', NULL, 'jkn with 2 rscales for 3 replicates');
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, repw,
                      barometer.replicates('jkn', rscales => '{0.5,0.5,0.5}'))) FROM ep$$,
    'jkn with 3 rscales for 3 replicates');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('other'::text))) FROM ep$$,
    '22023', NULL, 'other without scale');
SELECT lives_ok($$SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('other', scale => 0.5))) FROM ep$$,
    'other with scale');

-------------------------------------------------------------------------------
-- merging tallies of different designs
-------------------------------------------------------------------------------
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w, repw, barometer.replicates('brr'::text)) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: replicate methods differ');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, repw, barometer.replicates('fay', rho => 0.3)) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w, repw, barometer.replicates('fay', rho => 0.5)) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: rho differs');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w, repw, barometer.replicates('jk1', mse => true)) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: mse differs');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w, repw || 1.0::float8, barometer.replicates('jk1'::text)) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: numbers of replicates differ');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, repw, barometer.replicates('other', scale => 1)) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w, repw, barometer.replicates('other', scale => 2)) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: scales differ');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, repw, barometer.replicates('jkn', rscales => '{0.5,0.5,0.5}')) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w, repw, barometer.replicates('jkn', rscales => '{0.5,0.5,0.75}')) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: rscales differ');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: replicate weights and weights only');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w, stratum, psu, n_psu, fpc) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: replicate weights and strata/PSUs');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, stratum, psu, n_psu, fpc) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: strata/PSUs and weights only');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, stratum, psu, n_psu, fpc) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w, n_sample) FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: strata/PSUs and a weights-only domain');
SELECT pg_temp.raises($$SELECT barometer.variance(barometer.merge(t)) FROM (
        SELECT barometer.tally(y, w, stratum, psu, n_psu, fpc) AS t FROM ep WHERE stratum = 1
        UNION ALL SELECT barometer.tally(y, w, stratum, psu, n_psu, fpc, ssu, n_ssu, fpc2, 'fail') FROM ep WHERE stratum = 2) s$$,
    '22023', NULL, 'merge: one stage and two stages');

-- and merging tallies of the same design is the rollup (domains -> their union)
SELECT ok(abs(m - d) <= 1e-12 * abs(d), 'merge of per-stratum replicate tallies = the direct tally')
  FROM (SELECT (SELECT barometer.variance(barometer.merge(t))
                  FROM (SELECT barometer.tally(y, w, repw, barometer.replicates('jk1'::text)) AS t
                          FROM ep GROUP BY stratum) s) AS m,
               (SELECT barometer.variance(barometer.tally(y, w, repw, barometer.replicates('jk1'::text)))
                  FROM ep) AS d) v;
SELECT ok(abs(m - d) <= 1e-12 * abs(d), 'merge of per-SSU-number domain tallies (strata/PSUs) = the direct tally')
  FROM (SELECT (SELECT barometer.variance(barometer.merge(t))
                  FROM (SELECT barometer.tally(x, w, stratum, psu, n_psu, fpc) AS t
                          FROM ep WHERE stratum <> 7 GROUP BY ssu) s) AS m,
               (SELECT barometer.variance(barometer.tally(x, w, stratum, psu, n_psu, fpc))
                  FROM ep WHERE stratum <> 7) AS d) v;

SELECT * FROM finish();
ROLLBACK;
