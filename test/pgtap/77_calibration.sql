-- 77_calibration.sql - calibration of design weights (barometer.calibrate)
-- and the linearized values of calibrated estimates
-- (barometer.calibration_residual) against R survey 4.1.1
-- (test/fixtures/make_calibration_fixtures.R): the calibrated weights of
-- calibrate() with linear, truncated linear, raking (with and without
-- bounds, with grake's rescaling), logit, auxiliaries only, postStratify()
-- and rake(); svymean and svyby(svymean) on the calibrated designs
-- (stratified clustered and weights only); SE 0 for a calibration margin;
-- totals met; equivalences; errors; replicate recalibration; many
-- domains in one pass; a 125-column model.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
SET extra_float_digits = 3;

BEGIN;

CREATE TEMP TABLE cd (id int, stratum int, psu text, d float8, region text, agesex text,
                      origin text, x float8, y float8, yb boolean, dom text);
\copy cd FROM 'test/fixtures/calib_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE ct (margin int, level text, total float8);
\copy ct FROM 'test/fixtures/calib_totals.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE cw (case_ text, id int, w float8);
\copy cw FROM 'test/fixtures/calib_weights.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE ce (case_ text, variable text, domain text, estimate float8, se float8);
\copy ce FROM 'test/fixtures/calib_expected.csv' WITH (FORMAT csv, HEADER true)

-- the totals in barometer's form, per case
CREATE TEMP TABLE tot (kind text, t barometer.calibration_total);
INSERT INTO tot
SELECT 'all', (margin, level, total)::barometer.calibration_total FROM ct
UNION ALL SELECT 'cat', (margin, level, total)::barometer.calibration_total FROM ct WHERE level IS NOT NULL
UNION ALL SELECT 'agesex', (1, level, total)::barometer.calibration_total FROM ct WHERE margin = 2 AND level IS NOT NULL
UNION ALL SELECT 'aux', (1, NULL, 20000)::barometer.calibration_total
UNION ALL SELECT 'aux', (2, NULL, total)::barometer.calibration_total FROM ct WHERE level IS NULL;

-- each case: the model (levels, auxiliaries), totals, method, bounds, design weight
CREATE TEMP TABLE cm (case_ text, lv text, ax text, kind text, method text, lo float8, hi float8,
                      unweighted boolean, clustered boolean, tol float8, fpc float8 DEFAULT NULL);
INSERT INTO cm VALUES
 ('linear',        'rao', 'x',  'all',    'linear',       NULL, NULL, false, true,  1e-9),
 ('linear_bnd',    'rao', 'x',  'all',    'linear',       0.7,  1.4,  false, true,  1e-7),
 ('raking',        'rao', NULL, 'cat',    'raking',       NULL, NULL, false, true,  1e-7),
 ('raking_bnd',    'rao', NULL, 'cat',    'raking',       0.6,  1.6,  false, true,  1e-7),
 ('logit',         'rao', NULL, 'cat',    'logit',        0.5,  2,    false, true,  1e-7),
 ('aux_only',      NULL,  '1x', 'aux',    'linear',       NULL, NULL, false, true,  1e-9),
 ('raking_scaled', 'rao', NULL, 'cat',    'raking',       NULL, NULL, true,  true,  1e-7),
 ('poststratify',  'a',   NULL, 'agesex', 'poststratify', NULL, NULL, false, true,  1e-9),
 ('linear_w',      'rao', 'x',  'all',    'linear',       NULL, NULL, false, false, 1e-9),
 ('raking_w',      'rao', NULL, 'cat',    'raking',       NULL, NULL, false, false, 1e-7),
 ('raking_fpc',    'rao', NULL, 'cat',    'raking',       NULL, NULL, false, true,  1e-7),
 ('rake',          'rao', NULL, 'cat',    'rake',         NULL, NULL, false, true,  1e-7);

UPDATE cm SET fpc = 0.25 WHERE case_ = 'raking_fpc';   -- R: fpc = 0.25, a sampling fraction

CREATE TEMP TABLE cr AS
SELECT cm.case_, cd.*, CASE WHEN cm.unweighted THEN 1.0::float8 ELSE cd.d END AS dd,
       CASE cm.lv WHEN 'rao' THEN ARRAY[region, agesex, origin] WHEN 'a' THEN ARRAY[agesex] END AS lv,
       CASE cm.ax WHEN 'x' THEN ARRAY[x] WHEN '1x' THEN ARRAY[1, x] END AS ax,
       cm.kind, cm.method, cm.lo, cm.hi, cm.clustered, cm.tol, cm.fpc
FROM cd CROSS JOIN cm;

CREATE TEMP TABLE got (case_ text, id int, w float8);
DO $do$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM cm LOOP
        EXECUTE format(
            'INSERT INTO got SELECT case_, id, barometer.calibrate(dd, lv, ax, '
            '(SELECT array_agg(t) FROM tot WHERE kind = %L), %L, %L, %L) OVER () '
            'FROM cr WHERE case_ = %L', r.kind, r.method, r.lo, r.hi, r.case_);
    END LOOP;
END
$do$;

SELECT plan(126);

-- 1. the calibrated weights equal R's
SELECT ok(max(abs(g.w - cw.w) / cw.w) <= min(cm.tol) AND count(*) = 400,
          format('%s: the calibrated weights equal R''s (400 rows, largest relative difference %s)',
                 g.case_, max(abs(g.w - cw.w) / cw.w)))
FROM got g JOIN cw USING (case_, id) JOIN cm USING (case_)
GROUP BY g.case_ ORDER BY g.case_;

SELECT diag(format('largest relative difference from R''s weights: %s',
                   max(abs(g.w - cw.w) / cw.w)))
FROM got g JOIN cw USING (case_, id);

-- 2. the calibrated weights meet the totals (rake: its absolute epsilon 1)
SELECT ok(max(abs(s.w - t.total) / t.total) <= CASE WHEN s.case_ = 'rake' THEN 1e-3 ELSE 1e-7 END,
          format('%s: every level''s calibrated total equals its population total', s.case_))
FROM (SELECT g.case_, m.margin, m.level, sum(g.w) AS w
      FROM got g JOIN cd USING (id),
           LATERAL (VALUES (1, region), (2, agesex), (3, origin)) m(margin, level)
      WHERE g.case_ NOT IN ('aux_only', 'poststratify')
      GROUP BY 1, 2, 3) s
JOIN ct t ON t.margin = s.margin AND t.level = s.level
GROUP BY s.case_ ORDER BY s.case_;

SELECT ok(abs(sum(g.w * cd.x) / (SELECT total FROM ct WHERE level IS NULL) - 1) <= 1e-9
          AND abs(sum(g.w) / 20000 - 1) <= 1e-9,
          'aux_only: the calibrated totals of 1 and x equal theirs')
FROM got g JOIN cd USING (id) WHERE g.case_ = 'aux_only';

-- 3. calibrated estimates and SEs equal R's svymean / svyby
CREATE TEMP TABLE lin AS
WITH v(variable, domain) AS (VALUES ('y', ''), ('yb', ''), ('margin', ''), ('y', 'a'), ('y', 'b'), ('y', 'c'))
SELECT cr.case_, v.variable, v.domain, cr.stratum, cr.psu, cr.clustered, cr.fpc, g.w AS w_cal,
       CASE WHEN cr.clustered THEN
         barometer.calibration_residual(
           CASE v.variable WHEN 'y' THEN cr.y WHEN 'yb' THEN cr.yb::int WHEN 'margin' THEN (cr.origin = 'o1')::int END,
           cr.dd, g.w, cr.lv, cr.ax, v.domain = '' OR cr.dom = v.domain, cr.stratum, cr.psu,
           CASE WHEN cr.method = 'rake' THEN (SELECT array_agg(t) FROM tot WHERE kind = 'cat') END, cr.method)
           OVER (PARTITION BY cr.case_, v.variable, v.domain)
       ELSE
         barometer.calibration_residual(
           CASE v.variable WHEN 'y' THEN cr.y WHEN 'yb' THEN cr.yb::int WHEN 'margin' THEN (cr.origin = 'o1')::int END,
           cr.dd, g.w, cr.lv, cr.ax, v.domain = '' OR cr.dom = v.domain)
           OVER (PARTITION BY cr.case_, v.variable, v.domain)
       END AS ys
FROM cr JOIN got g USING (case_, id) CROSS JOIN v;

CREATE TEMP TABLE lin_d AS
SELECT l.*, barometer.psu_count(psu) OVER (PARTITION BY case_, variable, domain, stratum) AS n_psu FROM lin l;

CREATE TEMP TABLE tal AS
SELECT case_, variable, domain,
       CASE WHEN bool_and(clustered) THEN barometer.tally(ys, w_cal, stratum, psu, n_psu::int, fpc)
            ELSE barometer.tally(ys, w_cal) END AS t
FROM lin_d GROUP BY 1, 2, 3;

CREATE TEMP TABLE res AS
SELECT ce.*, barometer.estimate(t) AS est, barometer.se(t) AS se_b
FROM ce JOIN tal ON tal.case_ = ce.case_ AND tal.variable = ce.variable AND tal.domain = coalesce(ce.domain, '');

SELECT is((SELECT count(*) FROM res), 72::bigint, 'a calibrated tally for every R estimate');

SELECT ok(bool_and(abs(est - estimate) <= 1e-9 * abs(estimate)),
          format('%s: calibrated estimates equal R''s (largest relative difference %s)', case_,
                 max(abs(est - estimate) / abs(estimate))))
FROM res GROUP BY case_ ORDER BY case_;

SELECT ok(bool_and(abs(se_b - se) <= 1e-9 * se),
          format('%s: SEs of calibrated means and proportions, whole sample and domains, equal R''s (largest relative difference %s)',
                 case_, max(abs(se_b - se) / se)))
FROM res WHERE variable <> 'margin' GROUP BY case_ ORDER BY case_;

SELECT diag(format('largest relative SE difference from R (calibrate, postStratify, rake): %s',
                   max(abs(se_b - se) / se)))
FROM res WHERE variable <> 'margin';

-- rake(): R's variance is 10 backfitting passes over rake's last sweep; the
-- 8-argument form gives calibrate(calfun = "raking")'s instead, which differs
SELECT ok(max(abs(b.se - r.se) / r.se) BETWEEN 1e-4 AND 0.02,
          format('rake: the 8-argument form is the raking projection, within 2%% of R''s rake() (largest relative difference %s)',
                 max(abs(b.se - r.se) / r.se)))
FROM (SELECT l.variable, l.domain,
             barometer.se(barometer.tally(l.ys, l.w_cal, l.stratum, l.psu, l.n_psu::int, NULL)) AS se
      FROM (SELECT cr.stratum, cr.psu, g.w AS w_cal, v.variable, v.domain,
                   barometer.psu_count(cr.psu) OVER (PARTITION BY v.variable, v.domain, cr.stratum) AS n_psu,
                   barometer.calibration_residual(CASE v.variable WHEN 'y' THEN cr.y ELSE cr.yb::int END,
                       cr.dd, g.w, cr.lv, cr.ax, v.domain = '' OR cr.dom = v.domain, cr.stratum, cr.psu)
                       OVER (PARTITION BY v.variable, v.domain) AS ys
            FROM cr JOIN got g USING (case_, id)
                 CROSS JOIN (VALUES ('y', ''), ('yb', ''), ('y', 'a')) v(variable, domain)
            WHERE cr.case_ = 'rake') l
      GROUP BY 1, 2) b
JOIN res r ON r.case_ = 'rake' AND r.variable = b.variable AND coalesce(r.domain, '') = b.domain;

-- a calibration margin's estimate has SE 0 (and the population share)
SELECT ok(abs(se_b) <= 1e-12 AND abs(se) <= 1e-12,
          format('%s: the share of a calibration margin''s level has SE 0 (%s; R %s)', case_, se_b, se))
FROM res WHERE variable = 'margin' AND case_ NOT IN ('aux_only', 'poststratify') ORDER BY case_;

SELECT ok(abs(est - (SELECT total FROM ct WHERE margin = 3 AND level = 'o1') / 20000) <= 1e-7,
          format('%s: the calibrated share of a margin''s level is its population share', case_))
FROM res WHERE variable = 'margin' AND case_ IN ('linear', 'raking', 'logit', 'linear_w') ORDER BY case_;

-- 4. equivalences
-- two editions in one query, PARTITION BY edition: each calibrated on its own
SELECT ok(max(abs(p.w - g.w)) = 0,
          'PARTITION BY: two samples calibrated in one query get the weights each gets alone')
FROM (SELECT e, id, barometer.calibrate(d, ARRAY[region, agesex, origin], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'cat'), 'raking') OVER (PARTITION BY e) AS w
      FROM cd, generate_series(1, 2) e) p
JOIN got g ON g.id = p.id AND g.case_ = 'raking';

-- the rows' order does not matter (beyond rounding)
SELECT ok(max(abs(p.w - g.w) / g.w) <= 1e-12,
          'the order of the rows does not change the weights')
FROM (SELECT id, barometer.calibrate(d, ARRAY[origin, agesex, region], NULL,
                   (SELECT array_agg((CASE (t).margin WHEN 1 THEN 3 WHEN 3 THEN 1 ELSE 2 END, (t).level, (t).total)::barometer.calibration_total)
                    FROM tot WHERE kind = 'cat'), 'raking') OVER (ORDER BY md5(id::text)) AS w
      FROM cd) p
JOIN got g ON g.id = p.id AND g.case_ = 'raking';

-- postStratify is linear calibration on the one margin
SELECT ok(max(abs(p.w - g.w) / g.w) <= 1e-12,
          'poststratify equals linear calibration on its margin')
FROM (SELECT id, barometer.calibrate(d, ARRAY[agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex'), 'linear') OVER () AS w FROM cd) p
JOIN got g ON g.id = p.id AND g.case_ = 'poststratify';

-- rake run to convergence is the raking calibration
SELECT ok(max(abs(p.w - g.w) / g.w) <= 1e-6,
          'rake to a tight epsilon equals calibrate(calfun = "raking")')
FROM (SELECT id, barometer.calibrate(d, ARRAY[region, agesex, origin], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'cat'), 'rake', epsilon => 1e-9, maxit => 1000) OVER () AS w FROM cd) p
JOIN got g ON g.id = p.id AND g.case_ = 'raking';

-- a linearized-value tally is a whole-sample tally: tallies of parts of the
-- sample (here by stratum, as shards would hold them) merge into it
SELECT ok(abs(barometer.se(m.t) - barometer.se(t.t)) <= 1e-12 * barometer.se(t.t)
          AND abs(barometer.estimate(m.t) - barometer.estimate(t.t)) <= 1e-12 * barometer.estimate(t.t),
          'tallies of the linearized values over parts of the sample merge into the whole-sample tally')
FROM (SELECT barometer.merge(t) AS t FROM (
        SELECT barometer.tally(ys, w_cal, stratum, psu, n_psu::int, NULL) AS t
        FROM lin_d WHERE case_ = 'raking' AND variable = 'y' AND domain = 'b' GROUP BY stratum) s) m,
     tal t WHERE t.case_ = 'raking' AND t.variable = 'y' AND t.domain = 'b';

-- 5. errors
CREATE TEMP TABLE small AS SELECT * FROM cd WHERE id <= 60;
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[region, agesex, origin], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'cat' AND (t).level <> 'o4'), 'raking') OVER () FROM cd$$,
                 '22023', 'a row''s level has no calibration total',
                 'a level of the sample without a total: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[region, agesex, origin], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'cat') || '(3,o9,100)'::barometer.calibration_total, 'raking') OVER () FROM cd$$,
                 '22000', 'the calibration totals cannot be met',
                 'a level with a total but no sample rows: 22000');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[region, agesex], NULL,
                   (SELECT array_agg(CASE WHEN (t).level = 'r1' THEN ((t).margin, (t).level, (t).total + 500)::barometer.calibration_total ELSE t END)
                    FROM tot WHERE kind = 'cat' AND (t).margin <= 2), 'linear') OVER () FROM cd$$,
                 '22000', 'the calibration totals cannot be met',
                 'margins that describe different populations: 22000');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[region, agesex, origin], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'cat'), 'linear', 0.9, 1.1) OVER () FROM cd$$,
                 '22000', 'calibration did not converge: the totals cannot be met',
                 'bounds too tight to meet the totals: 22000');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[region, agesex, origin], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'cat'), 'logit', 0.97, 1.03, force => true) OVER () FROM cd$$,
                 '22000', 'calibration did not converge: the weights are not finite',
                 'logit bounds too tight: no finite weights, even with force: 22000');
SET client_min_messages = error;
SELECT ok((SELECT min(w / d) >= 0.9 - 1e-12 AND max(w / d) <= 1.1 + 1e-12 AND count(*) = 400
           FROM (SELECT d, barometer.calibrate(d, ARRAY[region, agesex, origin], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'cat'), 'linear', 0.9, 1.1, force => true) OVER () AS w FROM cd) s),
          'force => true returns the (bounded) weights of the last iteration with a warning');
RESET client_min_messages;
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[region], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'cat' AND (t).margin = 1), 'logit') OVER () FROM cd$$,
                 '22023', 'logit calibration needs finite bounds lower < 1 < upper',
                 'logit without bounds: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[region, agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'cat' AND (t).margin <= 2), 'poststratify') OVER () FROM cd$$,
                 '22023', 'poststratify takes categorical margins only, exactly one',
                 'poststratify on two margins: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[agesex], NULL,
                   (SELECT array_agg(CASE WHEN (t).level = '65+:F' THEN ((t).margin, (t).level, 0)::barometer.calibration_total ELSE t END)
                    FROM tot WHERE kind = 'agesex'), 'poststratify') OVER () FROM cd$$,
                 '22000', 'the calibration totals cannot be met',
                 'post-stratification: sample weight in a level of total 0: 22000');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex'), CASE WHEN id < 5 THEN 'linear' ELSE 'raking' END) OVER () FROM cd$$,
                 '22023', 'the method must be the same on every row of the partition',
                 'an option that changes between rows: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[agesex], NULL,
                   ARRAY[(1, agesex, 10)::barometer.calibration_total]) OVER () FROM cd$$,
                 '22023', 'the totals must be the same on every row of the partition',
                 'totals that change between rows: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(CASE WHEN id = 7 THEN NULL ELSE d END, ARRAY[agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex')) OVER () FROM cd$$,
                 '22023', 'the design weight must be finite and not negative',
                 'a NULL design weight: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(CASE WHEN id = 7 THEN -1 ELSE d END, ARRAY[agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex')) OVER () FROM cd$$,
                 '22023', 'the design weight must be finite and not negative',
                 'a negative design weight: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex') || '(1,18-34:M,5)'::barometer.calibration_total) OVER () FROM cd$$,
                 '22023', 'duplicate calibration total',
                 'a level with two totals: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[agesex], ARRAY[x],
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex')) OVER () FROM cd$$,
                 '22023', 'missing calibration total',
                 'an auxiliary without a total: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex'), 'ipf') OVER () FROM cd$$,
                 '22023', 'unknown calibration method "ipf"',
                 'an unknown method: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[CASE WHEN id = 9 THEN NULL ELSE agesex END], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex')) OVER () FROM cd$$,
                 '22023', 'a row''s level must not be NULL',
                 'a NULL level: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex'), 'linear', 1.2, 0.8) OVER () FROM cd$$,
                 '22023', 'calibration bounds must satisfy lower < upper',
                 'bounds in the wrong order: 22023');
SELECT throws_ok($$SELECT barometer.calibration_residual(CASE WHEN id = 3 THEN 'NaN' ELSE y END, d, d, ARRAY[agesex], NULL) OVER () FROM cd$$,
                 '22023', 'y must be finite',
                 'calibration_residual: a NaN y: 22023');
SELECT is((SELECT count(*) FROM (SELECT barometer.calibration_residual(y, d, d, ARRAY[agesex], NULL, false) OVER () AS r FROM cd) s WHERE r IS NULL),
          400::bigint, 'calibration_residual: an empty domain is NULL on every row');

-- 6. replicate weights recalibrated (R's calibrate / postStratify / rake on a
-- JKn svyrep.design): the replicate weights and the replicate SEs equal R's
CREATE TEMP TABLE rp (id int, repw float8[]);
\copy rp FROM 'test/fixtures/calib_repw.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE rs (r int, rscale float8);
\copy rs FROM 'test/fixtures/calib_rep_scales.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE rw (case_ text, id int, r int, w float8);
\copy rw FROM 'test/fixtures/calib_rep_weights.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE rx (case_ text, domain text, estimate float8, se float8);
\copy rx FROM 'test/fixtures/calib_rep_expected.csv' WITH (FORMAT csv, HEADER true)

CREATE TEMP TABLE rg (case_ text, id int, w float8, rw float8[]);
DO $do$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM cm WHERE case_ IN ('linear', 'raking_bnd', 'logit', 'poststratify', 'rake') LOOP
        EXECUTE format(
            'INSERT INTO rg SELECT case_, id, g.w, barometer.calibrate_replicates(dd, rp.repw, lv, ax, '
            '(SELECT array_agg(t) FROM tot WHERE kind = %L), %L, %L, %L) OVER () '
            'FROM cr JOIN rp USING (id) JOIN got g USING (case_, id) WHERE case_ = %L',
            r.kind, r.method, r.lo, r.hi, r.case_);
    END LOOP;
END
$do$;

SELECT ok(max(abs(rg.rw[rw.r] - rw.w) / greatest(rw.w, 1e-300)) <= min(cm.tol) AND count(*) = 1200,
          format('%s: recalibrated replicate weights equal R''s (3 replicates x 400 rows, largest relative difference %s)',
                 rw.case_, max(abs(rg.rw[rw.r] - rw.w) / greatest(rw.w, 1e-300))))
FROM rw JOIN rg USING (case_, id) JOIN cm USING (case_) GROUP BY rw.case_ ORDER BY rw.case_;

CREATE TEMP TABLE rt AS
SELECT case_, dom, barometer.tally(y, rg.w, rg.rw,
         barometer.replicates('jkn', rscales => (SELECT array_agg(rscale ORDER BY r) FROM rs))) AS t
FROM rg JOIN cd USING (id) GROUP BY GROUPING SETS ((case_, dom), (case_));

SELECT ok(bool_and(abs(barometer.estimate(t) - estimate) <= 1e-9 * estimate
                   AND abs(barometer.se(t) - se) <= 1e-9 * se) AND count(*) = 4,
          format('%s: replicate SEs of the calibrated mean, whole sample and domains, equal R''s (largest relative difference %s)',
                 rx.case_, max(abs(barometer.se(t) - se) / se)))
FROM rx JOIN rt ON rt.case_ = rx.case_ AND coalesce(rt.dom, '') = coalesce(rx.domain, '')
GROUP BY rx.case_ ORDER BY rx.case_;

SELECT throws_ok($$SELECT barometer.calibrate_replicates(d, ARRAY[1, NULL]::float8[], ARRAY[agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex')) OVER () FROM cd$$,
                 '22023', 'replicate weights must be finite and not negative',
                 'calibrate_replicates: a NULL replicate weight: 22023');

-- 7. memory: the limit barometer.max_state_bytes (54000)
SAVEPOINT lim;
SET LOCAL barometer.max_state_bytes = '64kB';
SELECT throws_ok($$SELECT barometer.calibrate(1, ARRAY[(i % 3)::text], NULL,
                   '{"(1,0,1000)","(1,1,1000)","(1,2,1000)"}'::barometer.calibration_total[], 'raking') OVER ()
                   FROM generate_series(1, 3000) i$$,
                 '54000', NULL, 'calibrate: rows beyond barometer.max_state_bytes: 54000');
SELECT throws_ok($$SELECT barometer.calibrate_replicates(d, repw, ARRAY[agesex], NULL,
                   (SELECT array_agg(t) FROM tot WHERE kind = 'agesex')) OVER () FROM cd JOIN rp USING (id)$$,
                 '54000', NULL, 'calibrate_replicates: replicate weights beyond barometer.max_state_bytes: 54000');
ROLLBACK TO SAVEPOINT lim;

-- 8. many domains in one pass: calibration_residuals equals R's svyby and
-- the one-domain calls, element for element
CREATE TEMP TABLE multi AS
SELECT cr.case_, cr.stratum, cr.psu, cr.clustered, cr.fpc, g.w AS w_cal,
       CASE WHEN cr.clustered THEN
         barometer.calibration_residuals(cr.y, cr.dd, g.w, cr.lv, cr.ax, cr.dom, '{a,b,c,z}', cr.stratum, cr.psu,
           CASE WHEN cr.method = 'rake' THEN (SELECT array_agg(t) FROM tot WHERE kind = 'cat') END, cr.method)
           OVER (PARTITION BY cr.case_)
       ELSE
         barometer.calibration_residuals(cr.y, cr.dd, g.w, cr.lv, cr.ax, cr.dom, '{a,b,c,z}', NULL::int, NULL::int)
           OVER (PARTITION BY cr.case_)
       END AS ys
FROM cr JOIN got g USING (case_, id);

CREATE TEMP TABLE multi_t AS
SELECT m.case_, d.dom, d.k,
       CASE WHEN bool_and(m.clustered) THEN barometer.tally(m.ys[d.k], m.w_cal, m.stratum, m.psu, l.n_psu::int, m.fpc)
            ELSE barometer.tally(m.ys[d.k], m.w_cal) END AS t,
       count(*) FILTER (WHERE m.ys[d.k] IS NULL) AS nulls
FROM multi m
JOIN (SELECT DISTINCT case_, stratum, n_psu FROM lin_d) l USING (case_, stratum)
CROSS JOIN (VALUES ('a', 1), ('b', 2), ('c', 3), ('z', 4)) d(dom, k)
GROUP BY m.case_, d.dom, d.k;

SELECT ok(bool_and(abs(barometer.estimate(t.t) - r.estimate) <= 1e-9 * r.estimate
                   AND abs(barometer.se(t.t) - r.se) <= 1e-9 * r.se) AND count(*) = 36,
          format('calibration_residuals: 3 domains x 12 calibrations (rake: its rake form) in one pass each equal R''s svyby (largest SE difference %s)',
                 max(abs(barometer.se(t.t) - r.se) / r.se)))
FROM multi_t t JOIN ce r ON r.case_ = t.case_ AND r.domain = t.dom AND r.variable = 'y';

SELECT ok(max(abs(barometer.se(m.t) - barometer.se(o.t))) <= 1e-13 AND count(*) = 36,
          'calibration_residuals: the same SEs as one calibration_residual call per domain')
FROM multi_t m JOIN tal o ON o.case_ = m.case_ AND o.domain = m.dom AND o.variable = 'y';

SELECT ok(bool_and(nulls = 400) AND count(*) = 12,
          'calibration_residuals: a listed domain without rows is NULL on every row')
FROM multi_t WHERE dom = 'z';

SELECT throws_ok($$SELECT barometer.calibration_residuals(y, d, d, ARRAY[agesex], NULL, dom, ARRAY[dom], NULL::int, NULL::int) OVER () FROM cd$$,
                 '22023', 'the domains must be a constant or a scalar subquery',
                 'calibration_residuals: domains that change between rows: 22023');
SELECT throws_ok($$SELECT barometer.calibration_residuals(y, d, d, ARRAY[agesex], NULL, dom, '{a,b,a}', NULL::int, NULL::int) OVER () FROM cd$$,
                 '22023', 'duplicate domain label',
                 'calibration_residuals: a domain listed twice: 22023');

-- 9. a larger model: 3,000 rows to 100 x 20 x 6 levels (125 columns)
CREATE TEMP TABLE bd (id int, w float8, muni text, agesex text, origin text);
\copy bd FROM 'test/fixtures/calib_big_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE bt (margin int, level text, total float8);
\copy bt FROM 'test/fixtures/calib_big_totals.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE bw (id int, linear float8, raking float8, logit float8);
\copy bw FROM 'test/fixtures/calib_big_weights.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE bg AS
SELECT id,
  barometer.calibrate(w, ARRAY[muni, agesex, origin], NULL, (SELECT array_agg((margin, level, total)::barometer.calibration_total) FROM bt)) OVER () AS l,
  barometer.calibrate(w, ARRAY[muni, agesex, origin], NULL, (SELECT array_agg((margin, level, total)::barometer.calibration_total) FROM bt), 'raking') OVER () AS r,
  barometer.calibrate(w, ARRAY[muni, agesex, origin], NULL, (SELECT array_agg((margin, level, total)::barometer.calibration_total) FROM bt), 'logit', 0.3, 3) OVER () AS g
FROM bd;
SELECT ok(max(abs(l - linear) / linear) <= 1e-9 AND count(*) = 3000,
          format('125 columns, linear: the weights equal R''s (largest relative difference %s)', max(abs(l - linear) / linear)))
FROM bg JOIN bw USING (id);
SELECT ok(max(abs(r - raking) / raking) <= 1e-7 AND count(*) = 3000,
          format('125 columns, raking: the weights equal R''s (largest relative difference %s)', max(abs(r - raking) / raking)))
FROM bg JOIN bw USING (id);
SELECT ok(max(abs(g - logit) / logit) <= 1e-7 AND count(*) = 3000,
          format('125 columns, logit [0.3, 3]: the weights equal R''s (largest relative difference %s)', max(abs(g - logit) / logit)))
FROM bg JOIN bw USING (id);

-- 10. lonely PSUs: stratum 1 made one PSU, PSU p2-1 a stratum of its own;
-- R's four rules other than fail
-- (R's adjust adds the lonely stratum's score total squared, not centred)
CREATE TEMP TABLE le (rule text, case_ text, variable text, domain text, estimate float8, se float8);
\copy le FROM 'test/fixtures/calib_lonely_expected.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE lon AS
SELECT l.*, barometer.psu_count(psu_l) OVER (PARTITION BY case_, variable, domain, stratum) AS n_psu
FROM (SELECT cr.case_, v.variable, v.domain, p.stratum, p.psu_l, g.w AS w_cal,
             barometer.calibration_residual(CASE v.variable WHEN 'y' THEN cr.y ELSE cr.yb::int END,
                 cr.dd, g.w, cr.lv, cr.ax, v.domain = '' OR cr.dom = v.domain, p.stratum, p.psu_l,
                 CASE WHEN cr.method = 'rake' THEN (SELECT array_agg(t) FROM tot WHERE kind = 'cat') END, cr.method)
                 OVER (PARTITION BY cr.case_, v.variable, v.domain) AS ys
      FROM cr JOIN got g USING (case_, id)
           CROSS JOIN LATERAL (SELECT CASE WHEN cr.psu = 'p2-1' THEN 5 ELSE cr.stratum END AS stratum,
                                    CASE WHEN cr.stratum = 1 THEN 'p1-1' ELSE cr.psu END AS psu_l) p
           CROSS JOIN (VALUES ('y', ''), ('yb', ''), ('y', 'a'), ('y', 'b'), ('y', 'c')) v(variable, domain)
      WHERE cr.case_ IN ('raking', 'linear', 'rake')) l;
CREATE TEMP TABLE lon_res AS
SELECT le.*, barometer.estimate(t.t) AS est, barometer.se(t.t) AS se_b
FROM (SELECT r.rule, l.case_, l.variable, l.domain,
             barometer.tally(l.ys, l.w_cal, l.stratum, l.psu_l, l.n_psu::int, NULL::float8, r.rule) AS t
      FROM lon l CROSS JOIN (VALUES ('adjust'), ('average'), ('remove'), ('certainty')) r(rule)
      GROUP BY 1, 2, 3, 4) t
JOIN le ON le.rule = t.rule AND le.case_ = t.case_ AND le.variable = t.variable AND coalesce(le.domain, '') = t.domain;

SELECT ok(bool_and(abs(est - estimate) <= 1e-9 * abs(estimate) AND abs(se_b - se) <= 1e-9 * se) AND count(*) = 15,
          format('lonely PSU %s: calibrated (raking, linear, rake) means and domain means and their SEs equal R''s (largest relative SE difference %s)',
                 rule, max(abs(se_b - se) / se)))
FROM lon_res GROUP BY rule ORDER BY rule;

SELECT ok(bool_and(a.se > r.se * 1.0001) AND count(*) = 15,
          'lonely PSU adjust: the lonely stratum adds to the SE (R: more than remove)')
FROM lon_res a JOIN lon_res r ON r.rule = 'remove' AND r.case_ = a.case_ AND r.variable = a.variable
                             AND r.domain IS NOT DISTINCT FROM a.domain
WHERE a.rule = 'adjust';

SELECT throws_ok($$SELECT barometer.calibration_residual(y, d, d, ARRAY[region, agesex, origin], NULL, true, stratum, psu,
                     (SELECT array_agg(t) FROM tot WHERE kind = 'cat'), 'rake') OVER () FROM cd$$,
                 '22023', 'w_cal is not the rake of w to the totals',
                 'calibration_residual, rake: calibrated weights that are not the rake of w: 22023');
SELECT throws_ok($$SELECT barometer.calibration_residual(y, d, d, ARRAY[agesex], NULL, true, stratum, psu,
                     (SELECT array_agg(t) FROM tot WHERE kind = 'agesex'), 'rakes') OVER () FROM cd$$,
                 '22023', 'unknown calibration method "rakes"',
                 'calibration_residual: an unknown method: 22023');

-- 11. heteroscedastic calibration (R's variance = , sigma2 = 1 + x / 40)
CREATE TEMP TABLE vw (case_ text, id int, w float8);
\copy vw FROM 'test/fixtures/calib_var_weights.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE ve (case_ text, variable text, domain text, estimate float8, se float8);
\copy ve FROM 'test/fixtures/calib_var_expected.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE vg AS
SELECT c.case_, cd.*, c.m, c.kind, c.lo, c.hi,
       CASE c.case_ WHEN 'linear_var' THEN ARRAY[x] END AS ax,
       barometer.calibrate(d, ARRAY[region, agesex, origin], CASE c.case_ WHEN 'linear_var' THEN ARRAY[x] END,
           CASE WHEN c.case_ = 'linear_var' THEN (SELECT array_agg(t) FROM tot WHERE kind = 'all')
                ELSE (SELECT array_agg(t) FROM tot WHERE kind = 'cat') END,
           c.m, c.lo, c.hi, NULL, NULL, false, 1 + x / 40) OVER (PARTITION BY c.case_) AS w_cal
FROM cd CROSS JOIN (VALUES ('linear_var', 'linear', NULL::float8, NULL::float8, 'all'),
                           ('raking_var', 'raking', NULL, NULL, 'cat'),
                           ('logit_var', 'logit', 0.5, 2, 'cat')) c(case_, m, lo, hi, kind);

SELECT ok(max(abs(g.w_cal - v.w) / v.w) <= 1e-7 AND count(*) = 400,
          format('%s: the calibrated weights equal R''s calibrate(variance = ) (largest relative difference %s)',
                 g.case_, max(abs(g.w_cal - v.w) / v.w)))
FROM vg g JOIN vw v USING (case_, id) GROUP BY g.case_ ORDER BY g.case_;

CREATE TEMP TABLE vlin AS
SELECT l.*, barometer.psu_count(psu) OVER (PARTITION BY case_, variable, domain, stratum) AS n_psu
FROM (SELECT g.case_, v.variable, v.domain, g.stratum, g.psu, g.w_cal,
             CASE WHEN g.case_ = 'linear_var' THEN
               barometer.calibration_residual(CASE v.variable WHEN 'y' THEN g.y ELSE g.yb::int END, g.d, g.w_cal,
                   ARRAY[g.region, g.agesex, g.origin], g.ax, v.domain = '' OR g.dom = v.domain, g.stratum, g.psu,
                   1 + g.x / 40) OVER (PARTITION BY g.case_, v.variable, v.domain)
             ELSE
               barometer.calibration_residual(CASE v.variable WHEN 'y' THEN g.y ELSE g.yb::int END, g.d, g.w_cal,
                   ARRAY[g.region, g.agesex, g.origin], g.ax, v.domain = '' OR g.dom = v.domain, g.stratum, g.psu)
                   OVER (PARTITION BY g.case_, v.variable, v.domain)
             END AS ys
      FROM vg g CROSS JOIN (VALUES ('y', ''), ('yb', ''), ('y', 'a'), ('y', 'b'), ('y', 'c')) v(variable, domain)) l;

SELECT ok(bool_and(abs(barometer.estimate(t.t) - e.estimate) <= 1e-9 * abs(e.estimate)
                   AND abs(barometer.se(t.t) - e.se) <= 1e-9 * e.se) AND count(*) = 5,
          format('%s: calibrated means, a proportion and domain means and their SEs equal R''s (largest relative SE difference %s)',
                 t.case_, max(abs(barometer.se(t.t) - e.se) / e.se)))
FROM (SELECT case_, variable, domain, barometer.tally(ys, w_cal, stratum, psu, n_psu::int, NULL) AS t
      FROM vlin GROUP BY 1, 2, 3) t
JOIN ve e ON e.case_ = t.case_ AND e.variable = t.variable AND coalesce(e.domain, '') = t.domain
GROUP BY t.case_ ORDER BY t.case_;

-- unbounded linear: R's residual is weighted d / sigma2; the 8-argument form's is not R's
SELECT ok(abs(barometer.se(t) - e.se) > 1e-4 * e.se,
          format('linear_var: the residual without the variance misses R''s SE (relative difference %s)',
                 abs(barometer.se(t) - e.se) / e.se))
FROM (SELECT barometer.tally(ys, w_cal, stratum, psu, n_psu::int, NULL) AS t
      FROM (SELECT g.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
                   barometer.calibration_residual(y, d, w_cal, ARRAY[region, agesex, origin], ax, true, stratum, psu) OVER () AS ys
            FROM vg g WHERE case_ = 'linear_var') s) q
JOIN ve e ON e.case_ = 'linear_var' AND e.variable = 'y' AND e.domain IS NULL;

SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[agesex], NULL, (SELECT array_agg(t) FROM tot WHERE kind = 'agesex'),
                     'linear', NULL, NULL, NULL, NULL, false, CASE WHEN id = 7 THEN 0 ELSE 1 END) OVER () FROM cd$$,
                 '22023', 'the variance must be finite and positive',
                 'calibrate: a variance of 0: 22023');
SELECT throws_ok($$SELECT barometer.calibrate(d, ARRAY[agesex], NULL, (SELECT array_agg(t) FROM tot WHERE kind = 'agesex'),
                     'poststratify', NULL, NULL, NULL, NULL, false, 1) OVER () FROM cd$$,
                 '22023', 'variance applies to linear, raking and logit calibration',
                 'calibrate: variance with poststratify: 22023');
SELECT ok((SELECT max(abs(a - b)) FROM (SELECT barometer.calibrate(d, ARRAY[region, agesex, origin], NULL,
                (SELECT array_agg(t) FROM tot WHERE kind = 'cat'), 'raking', NULL, NULL, NULL, NULL, false, 3.5) OVER () AS a,
                barometer.calibrate(d, ARRAY[region, agesex, origin], NULL,
                (SELECT array_agg(t) FROM tot WHERE kind = 'cat'), 'raking') OVER () AS b FROM cd) s) <= 1e-9 * 200,
          'calibrate: a constant variance gives the weights without it (raking)');

SELECT * FROM finish();
ROLLBACK;
