-- the aggregates: NULL handling, empty input, rollups, parallel plans
SET extra_float_digits = 0;

CREATE TABLE agg_rows AS
SELECT i,
       (i % 6) AS grp,
       CASE WHEN i % 13 = 0 THEN NULL ELSE (i % 4 = 0) END AS b,
       CASE WHEN i % 17 = 0 THEN NULL ELSE (i % 10)::float8 END AS x,
       1.0 + (i % 9) * 0.25 AS w
FROM generate_series(1, 20000) AS i;
ANALYZE agg_rows;

-- NULL y is missing and counted
SELECT barometer.n(t), barometer.n_missing(t), round(barometer.weighted_n(t)::numeric, 6) AS weighted_n
FROM (SELECT barometer.tally(b, w) AS t FROM agg_rows) s;

-- no rows: an empty tally whose estimate is NULL
SELECT t, barometer.estimate(t) IS NULL AS no_estimate, barometer.n(t)
FROM (SELECT barometer.tally(b, w) AS t FROM agg_rows WHERE false) s;

-- merge of nothing is NULL
SELECT barometer.merge(t) IS NULL AS null_merge
FROM (SELECT barometer.tally(b, w) AS t FROM agg_rows WHERE false) s WHERE false;

-- a report for each group
SELECT grp, round(r.estimate::numeric, 8) AS estimate, round(r.se::numeric, 8) AS se,
       round(r.ci_lower::numeric, 8) AS ci_lower, round(r.ci_upper::numeric, 8) AS ci_upper,
       r.n, r.n_missing, round(r.weighted_n::numeric, 4) AS weighted_n,
       round(r.n_eff::numeric, 4) AS n_eff, round(r.deff::numeric, 6) AS deff, r.df,
       round(r.cv::numeric, 6) AS cv, r.status, r.reason_en
FROM (SELECT grp, barometer.tally(b, w) AS t FROM agg_rows GROUP BY grp) s,
     LATERAL barometer.report(t) AS r
ORDER BY grp;

-- status under other policies, and for a small group; a mean uses CV bands
SELECT r.n, r.status, r.reason_en, r.reason_nl
FROM (SELECT barometer.tally(b, w) AS t FROM agg_rows WHERE i < 25) s,
     LATERAL barometer.report(t) AS r;
SELECT r.status, r.reason_en
FROM (SELECT barometer.tally(b, w) AS t FROM agg_rows WHERE i < 60) s,
     LATERAL barometer.report(t, 0.95, 'beta', 'min_respondents') AS r;
SELECT r.status, r.reason_en
FROM (SELECT barometer.tally(x, w) AS t FROM agg_rows WHERE i < 200) s,
     LATERAL barometer.report(t) AS r;
SELECT r.status FROM barometer.report((SELECT barometer.tally(x, w) FROM agg_rows), 0.95, NULL, 'nchs2017') AS r;

-- a report of a NULL tally is one row of NULLs
SELECT * FROM barometer.report(NULL::barometer.tally);

-- rollup of stored tallies equals the direct tally
CREATE TABLE agg_stored AS
SELECT grp, barometer.tally(b, w) AS tb, barometer.tally(x, w) AS tx
FROM agg_rows GROUP BY grp;
SELECT round(barometer.estimate(barometer.merge(tb))::numeric, 12) AS rollup,
       (SELECT round(barometer.estimate(barometer.tally(b, w))::numeric, 12) FROM agg_rows) AS direct
FROM agg_stored;
SELECT barometer.merge(tx)::text = (SELECT barometer.tally(x, w)::text FROM agg_rows) AS same_state
FROM agg_stored;

-- kinds
SELECT barometer.kind(tb), barometer.kind(tx) FROM agg_stored WHERE grp = 0;

-- a forced parallel plan splits the work (Partial Aggregate) and combines it
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE agg_rows SET (parallel_workers = 2);
EXPLAIN (COSTS OFF) SELECT barometer.tally(b, w) FROM agg_rows;
EXPLAIN (COSTS OFF) SELECT grp, barometer.tally(x, w) FROM agg_rows GROUP BY grp;
EXPLAIN (COSTS OFF) SELECT barometer.merge(tb) FROM agg_stored;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
