-- tally_stratified: a stratified sample without clusters as per-stratum
-- sums; text form, readers, lonely strata, plans and messages
SET extra_float_digits = 0;

CREATE TABLE st_rows AS
SELECT i,
       1 + (i % 3) AS stratum,
       (i % 2) AS dom,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 5 < 2) END AS y,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 7) * 1.5 END AS x,
       (1.0 + (i % 7) * 0.5)::float8 AS w
FROM generate_series(1, 60) AS i;
CREATE VIEW st AS
SELECT *, count(*) OVER (PARTITION BY stratum) AS n_stratum,
       barometer.psu_count(i) OVER (PARTITION BY stratum) AS n_psu
FROM st_rows;

-- the text form: one record per stratum with its sums
SELECT barometer.tally_stratified(y, w, stratum, n_stratum, 100.0) AS t FROM st WHERE dom = 0 AND i < 20;
SELECT barometer.tally_stratified(x, w, 'S' || stratum, n_stratum, 0.25, 'adjust') AS t FROM st WHERE i < 8;
SELECT t::text::barometer.tally::text = t::text AS round_trip
FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) AS t FROM st GROUP BY dom) s;

-- per domain, against the clustered form with psu = the row's id
SELECT dom, round(barometer.estimate(s)::numeric, 12) AS estimate, round(barometer.se(s)::numeric, 12) AS se,
       round(barometer.se(c)::numeric, 12) AS se_clustered, barometer.df(s) AS df, barometer.df(c) AS df_clustered
FROM (SELECT dom, barometer.tally_stratified(y, w, stratum, n_stratum, 0.5) AS s,
             barometer.tally(y, w, stratum, i, n_psu, 0.5) AS c
      FROM st GROUP BY dom) q
ORDER BY dom;

-- a lonely stratum: stratum 9 has one row
CREATE TABLE st_lonely AS
SELECT * FROM st_rows UNION ALL SELECT 1000, 9, 0, true, 3.0, 1.5::float8;
CREATE VIEW stl AS SELECT *, count(*) OVER (PARTITION BY stratum) AS n_stratum FROM st_lonely;
SELECT barometer.se(barometer.tally_stratified(y, w, stratum, n_stratum, NULL)) FROM stl;
SELECT round(barometer.estimate(t)::numeric, 10), barometer.df(t)
FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) AS t FROM stl) s;
SELECT p AS policy, round(barometer.se(barometer.tally_stratified(y, w, stratum, n_stratum, NULL, p))::numeric, 10) AS se
FROM stl, unnest(ARRAY['remove', 'certainty', 'adjust', 'average']) AS p
GROUP BY p ORDER BY p;

-- diff_test: a domain against the whole sample ('part'); 'domains' is refused
SELECT round((d).difference::numeric, 10) AS difference, round((d).se::numeric, 10) AS se, (d).df
FROM (SELECT barometer.diff_test(a, b, 'part') AS d
      FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) FILTER (WHERE dom = 0) AS a,
                   barometer.tally_stratified(y, w, stratum, n_stratum, NULL) AS b FROM st) s) q;
SELECT barometer.diff_test(a, b, 'domains')
FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) FILTER (WHERE dom = 0) AS a,
             barometer.tally_stratified(y, w, stratum, n_stratum, NULL) FILTER (WHERE dom = 1) AS b FROM st) s;
SELECT barometer.diff_test(a, b, 'part')
FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) AS a,
             barometer.tally_stratified(y, w, stratum, n_stratum, NULL) FILTER (WHERE dom = 1) AS b FROM st) s;

-- parallel plan
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE st_rows SET (parallel_workers = 2);
EXPLAIN (COSTS OFF) SELECT barometer.tally_stratified(y, w, stratum, 20::bigint, NULL) FROM st_rows;
RESET ALL;

-- errors
SELECT barometer.tally_stratified(y, w, stratum, 5::bigint, NULL) FROM st_rows;
SELECT barometer.tally_stratified(y, w, stratum, (i % 5) + 20::bigint, NULL) FROM st_rows;
SELECT barometer.tally_stratified(y, w, stratum, n_stratum, CASE WHEN i = 7 THEN 0.5 ELSE 0.4 END) FROM st;
SELECT barometer.tally_stratified(y, w, stratum, n_stratum, 2.0) FROM st;
SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL, 'drop') FROM st;
SELECT barometer.tally_stratified(y, w, NULL::int, n_stratum, NULL) FROM st;
SELECT barometer.tally_stratified(y, w, stratum, NULL::bigint, NULL) FROM st;
SELECT barometer.tally_stratified(y, w, stratum, 0::bigint, NULL) FROM st;
SELECT barometer.tally_stratified(y, NULL::float8, stratum, n_stratum, NULL) FROM st;
SELECT barometer.merge(t) FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) AS t FROM st UNION ALL
                                SELECT barometer.tally(y, w, stratum, i, n_psu, NULL) FROM st) s;
SELECT barometer.merge(t) FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) AS t FROM st UNION ALL
                                SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL, 'adjust') FROM st) s;
SELECT barometer.merge(t) FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) AS t FROM st UNION ALL
                                SELECT barometer.tally_stratified(y, w, stratum, n_stratum + 1, NULL) FROM st WHERE i = 1) s;
SELECT barometer.merge(t) FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) AS t FROM st UNION ALL
                                SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) FROM st WHERE dom = 0) s;

-- malformed text forms
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=2:0 swy=2:0 swyy=2:0 sww=4:0 swwy=4:0 swwyy=4:0 design=stratified lonely=fail strata=1; s i1 3 0 1 1 2:0 2:0 4:0 4:0 4:0'::barometer.tally;
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=2:0 swy=2:0 swyy=2:0 sww=4:0 swwy=4:0 swwyy=4:0 design=stratified lonely=fail strata=2; s i1 3 0 1 1 2:0 2:0 4:0 4:0 4:0'::barometer.tally;
SELECT 'v2 proportion n=2 missing=0 positive=2 sw=4:0 swy=4:0 swyy=4:0 sww=8:0 swwy=8:0 swwyy=8:0 design=stratified lonely=fail strata=1; s i1 1 0 2 2 4:0 4:0 8:0 8:0 8:0'::barometer.tally;
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=2:0 swy=2:0 swyy=2:0 sww=4:0 swwy=4:0 swwyy=4:0 design=stratified lonely=fail strata=1; s i1 3 0 1 1 2:0 2:0 4:0 4:0 3:0'::barometer.tally;
SELECT 'v2 proportion n=2 missing=0 positive=2 sw=4:0 swy=4:0 swyy=4:0 sww=8:0 swwy=8:0 swwyy=8:0 design=stratified lonely=fail strata=2; s i2 3 0 1 1 2:0 2:0 4:0 4:0 4:0; s i1 3 0 1 1 2:0 2:0 4:0 4:0 4:0'::barometer.tally;
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=2:0 swy=2:0 swyy=2:0 sww=4:0 swwy=4:0 swwyy=4:0 design=stratified lonely=fail strata=1; s i1 3 2 1 1 2:0 2:0 4:0 4:0 4:0'::barometer.tally;
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=2:0 swy=2:0 swyy=2:0 sww=4:0 swwy=4:0 swwyy=4:0 design=stratified lonely=fail strata=1; s i1 3 0 1 1 2:0 2:0 4:0 4:0'::barometer.tally;
