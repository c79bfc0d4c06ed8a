-- design-aware tallies: text forms, rollups, plans and messages
SET extra_float_digits = 0;

CREATE TABLE des_rows AS
SELECT i,
       1 + (i % 3) AS stratum,
       'psu-' || (1 + (i % 3)) || '-' || (i % 4) AS psu,
       (i % 2) AS dom,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 5 < 2) END AS y,
       (1.0 + (i % 7) * 0.5)::float8 AS w
FROM generate_series(1, 120) AS i;
CREATE VIEW des AS
SELECT *, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       count(*) OVER () AS n_sample
FROM des_rows;

-- the helper counts distinct PSUs of each stratum over the whole sample
SELECT stratum, min(n_psu), max(n_psu), count(DISTINCT psu) FROM des GROUP BY stratum ORDER BY stratum;

-- a domain of a clustered design: text form (canonical order of strata and PSUs)
SELECT barometer.tally(y, w, stratum, psu, n_psu, 40.0) AS t
FROM des WHERE dom = 0 AND stratum = 2;
-- the text form reads back to the same value
SELECT t::text::barometer.tally::text = t::text AS round_trip
FROM (SELECT barometer.tally(y, w, stratum, psu, n_psu, 40.0) AS t FROM des GROUP BY dom) s;

-- weights-only domain
SELECT barometer.tally(y, w, n_sample) FROM des WHERE dom = 1 AND i < 20;

-- per domain: estimate, SE, df
SELECT dom, round(barometer.estimate(t)::numeric, 10) AS estimate,
       round(barometer.se(t)::numeric, 10) AS se, barometer.df(t) AS df
FROM (SELECT dom, barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM des GROUP BY dom) s
ORDER BY dom;

-- rollup of the two domains = the whole sample, exactly
SELECT round(barometer.se(m)::numeric, 14) = round(barometer.se(a)::numeric, 14) AS same_se,
       barometer.df(m) = barometer.df(a) AS same_df
FROM (SELECT barometer.merge(t) AS m FROM (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t
                                           FROM des GROUP BY dom) s) x,
     (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) AS a FROM des) y;

-- a lonely PSU: stratum 9 has one PSU
CREATE TABLE lonely_rows AS
SELECT * FROM des_rows
UNION ALL SELECT 1000 + i, 9, 'only', 0, i % 2 = 0, 1.5::float8 FROM generate_series(1, 5) i;
CREATE VIEW lonely AS
SELECT *, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu FROM lonely_rows;
SELECT barometer.se(barometer.tally(y, w, stratum, psu, n_psu, NULL)) FROM lonely;
-- the estimate and df do not need the variance
SELECT round(barometer.estimate(t)::numeric, 10), barometer.df(t)
FROM (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM lonely) s;
SELECT p AS policy, round(barometer.se(barometer.tally(y, w, stratum, psu, n_psu, NULL, p))::numeric, 10) AS se
FROM lonely, unnest(ARRAY['remove', 'certainty', 'adjust', 'average']) AS p
GROUP BY p ORDER BY p;

-- replicate weights: a small JK1 design on the stratum-1 PSUs
CREATE TABLE rep_rows AS
SELECT i, y, w,
       ARRAY(SELECT CASE WHEN r = (i % 4) THEN 0 ELSE w * 4 / 3 END FROM generate_series(0, 3) r) AS repw
FROM des_rows WHERE stratum = 1;
SELECT barometer.tally(y, w, repw, barometer.replicates('jk1')) FROM rep_rows WHERE i < 30;
SELECT barometer.replicates('jkn', rscales => ARRAY[0.5, 0.5, 0.75]);
SELECT barometer.replicates('fay', rho => 0.5, mse => true, df => 12);

-- parallel plans of the design aggregates
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE des_rows SET (parallel_workers = 2);
EXPLAIN (COSTS OFF) SELECT barometer.tally(y, w, stratum, psu, 4, NULL) FROM des_rows;
EXPLAIN (COSTS OFF) SELECT barometer.merge(t) FROM (SELECT barometer.tally(y, w) AS t FROM des_rows) s;
RESET ALL;

-- errors
SELECT barometer.tally(y, w, stratum, psu, 2, NULL) FROM des_rows;
SELECT barometer.tally(y, w, stratum, psu, (i % 5) + 4, NULL) FROM des_rows;
SELECT barometer.tally(y, w, stratum, psu, n_psu, 2.0) FROM des;
SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL, 'drop') FROM des;
SELECT barometer.tally(y, w, NULL::int, psu, n_psu, NULL) FROM des;
SELECT barometer.tally(y, w, 5) FROM des;
SELECT barometer.tally(y, w, n_sample + i) FROM des;
SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL, psu, 3, NULL, 'fail') FROM des;
SELECT barometer.merge(t) FROM (SELECT barometer.tally(y, w) AS t FROM des UNION ALL
                                SELECT barometer.tally(y, w, n_sample) FROM des) s;
SELECT barometer.merge(t) FROM (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM des UNION ALL
                                SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL, 'adjust') FROM des) s;
SELECT barometer.tally(y, w, CASE WHEN i > 20 THEN repw || 1.0::float8 ELSE repw END, barometer.replicates('jk1')) FROM rep_rows;
SELECT barometer.tally(y, w, repw, barometer.replicates('jk1', rho => 0.5)) FROM rep_rows;
SELECT barometer.tally(y, w, repw, barometer.replicates('bogus')) FROM rep_rows;
SELECT barometer.tally(y, w, repw, barometer.replicates('fay')) FROM rep_rows;
SELECT barometer.tally(y, w, repw, barometer.replicates('jkn', rscales => ARRAY[1, 1])) FROM rep_rows;
SELECT barometer.tally(y, w, repw || (-1.0)::float8, barometer.replicates('brr')) FROM rep_rows;

-- barometer.replicates: what the constructor makes reads back from text and
-- binary (new in 0.2), bit for bit: subnormal scales and rscales, -0 rho,
-- a NaN df in any form is the one canonical "default"
CREATE TABLE rep_specs AS
SELECT 'subnormals' AS name, barometer.replicates('other', scale => 5e-324, rscales => ARRAY[5e-324, 0, 1e-310], df => 1e-310) AS r
UNION ALL SELECT 'minus zero rho', barometer.replicates('jk1', rho => '-0')
UNION ALL SELECT 'negative NaN df', barometer.replicates('brr', df => -'NaN'::float8, mse => true)
UNION ALL SELECT 'method alone', 'sdr'::barometer.replicates;
SELECT name, r FROM rep_specs ORDER BY name;
SELECT name, r::text::barometer.replicates::text = r::text AS text_round_trip FROM rep_specs ORDER BY name;
COPY rep_specs TO '/tmp/barometer_regress_replicates.bin' (FORMAT binary);
CREATE TABLE rep_specs_back (name text, r barometer.replicates);
COPY rep_specs_back FROM '/tmp/barometer_regress_replicates.bin' (FORMAT binary);
SELECT a.name, barometer.replicates_send(a.r) = barometer.replicates_send(b.r) AS binary_round_trip
FROM rep_specs a JOIN rep_specs_back b USING (name) ORDER BY a.name;
-- the stored df NaN is the canonical one: the same bytes as df => NULL
SELECT barometer.replicates_send(barometer.replicates('brr', df => -'NaN'::float8))
     = barometer.replicates_send(barometer.replicates('brr')) AS canonical_nan;
SELECT 'jk1 scale=default rho=0 mse=false df=1e-400 rscales={}'::barometer.replicates;
SELECT 'jk1 scale=0x1p-2 rho=0 mse=false df=default rscales={}'::barometer.replicates;
SELECT 'jk1 scale=default rho=0 mse=false df=default rscales={1}'::barometer.replicates;
DROP TABLE rep_specs, rep_specs_back;
