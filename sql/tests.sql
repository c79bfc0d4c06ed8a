-- significance tests: differences, association, multiple comparisons, markers
SET extra_float_digits = 0;

CREATE TABLE tst AS
SELECT i,
       CASE WHEN i <= 150 THEN 2021 ELSE 2023 END AS edition,
       1 + (i % 4) AS stratum,
       (1 + (i % 4)) * 10 + (i % 5) AS psu,
       CASE i % 3 WHEN 0 THEN 'BE' WHEN 1 THEN 'EU' ELSE 'NEU' END AS origin,
       (i * 7919) % 10 < 3 + (i % 3) + (i > 150)::int * ((i % 4) / 2) AS y,
       (1.0 + (i % 6) * 0.4)::float8 AS w
FROM generate_series(1, 300) AS i;
CREATE VIEW tst_d AS
SELECT *, barometer.psu_count(psu) OVER (PARTITION BY edition, stratum) AS n_psu,
       count(*) OVER (PARTITION BY edition) AS n_sample
FROM tst;
CREATE TABLE cells AS
SELECT edition, origin,
       barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t,
       barometer.tally(y, w, n_sample) AS tw
FROM tst_d GROUP BY GROUPING SETS ((edition, origin), (edition));

-- each origin group against Belgian origin, per edition: the dashboard view
SELECT c.edition, c.origin, round((d).difference::numeric, 6) AS difference,
       round((d).se::numeric, 6) AS se, (d).df, round((d).p_value::numeric, 6) AS p,
       barometer.significance(d) AS marker,
       round(barometer.p_adjust((d).p_value, 'holm') OVER (PARTITION BY c.edition)::numeric, 6) AS p_holm
FROM cells c
JOIN cells r ON r.edition = c.edition AND r.origin = 'BE',
LATERAL barometer.diff_test(c.t, r.t, 'domains') AS d
WHERE c.origin <> 'BE'
ORDER BY c.edition, c.origin;

-- each edition against the previous one (independent samples), a window over editions
SELECT origin, edition, round((d).difference::numeric, 6) AS change, (d).df,
       round((d).p_value::numeric, 6) AS p, barometer.significance(d, 0.90) AS marker
FROM (SELECT origin, edition,
             barometer.diff_test(t, lag(t) OVER (PARTITION BY origin ORDER BY edition)) AS d
      FROM cells WHERE origin IS NOT NULL) s
WHERE d IS NOT NULL ORDER BY origin;

-- a group against the whole sample that contains it (part vs whole)
SELECT c.origin, round((d).difference::numeric, 6) AS difference, round((d).se::numeric, 6) AS se,
       round((dw).se::numeric, 6) AS se_weights_only, (d).df
FROM cells c JOIN cells a ON a.edition = c.edition AND a.origin IS NULL,
LATERAL barometer.diff_test(c.t, a.t, 'part') AS d,
LATERAL barometer.diff_test(c.tw, a.tw, 'part') AS dw
WHERE c.edition = 2023 AND c.origin IS NOT NULL ORDER BY c.origin;

-- markers
SELECT barometer.significance(ROW(0.1, 0.02, 0.06, 0.14, 5, 30, 0.0001)::barometer.difference),
       barometer.significance(ROW(-0.1, 0.02, -0.14, -0.06, -5, 30, 0.0001)::barometer.difference),
       barometer.significance(ROW(0.01, 0.02, -0.03, 0.05, 0.5, 30, 0.62)::barometer.difference),
       barometer.significance(ROW(0.1, NULL, NULL, NULL, NULL, 0, NULL)::barometer.difference),
       barometer.significance(ROW(0.1, 0.02, 0.06, 0.14, 5, 30, 0.0001)::barometer.difference, 0.95, 'publish', 'suppress');

-- association of origin and the indicator, per design
SELECT s, round((barometer.chisq(origin, y, w, s)).statistic::numeric, 6) AS weights_only,
       round((barometer.chisq(origin, y, w, stratum, psu, n_psu, NULL, s)).p_value::numeric, 6) AS clustered_p
FROM tst_d, unnest(ARRAY['F', 'Chisq', 'Wald', 'adjWald']) AS s
WHERE edition = 2023 GROUP BY s ORDER BY s;

-- p_adjust, array form
SELECT barometer.p_adjust(ARRAY[0.01, 0.04, 0.03, NULL, 0.2, 0.04], 'bonferroni') AS bonferroni,
       barometer.p_adjust(ARRAY[0.01, 0.04, 0.03, NULL, 0.2, 0.04], 'holm') AS holm,
       barometer.p_adjust(ARRAY[0.01, 0.04, 0.03, NULL, 0.2, 0.04], 'fdr') AS bh,
       barometer.p_adjust(ARRAY[]::float8[], 'BH') AS empty;

-- errors
SELECT barometer.diff_test(t, t, 'paired') FROM cells LIMIT 1;
SELECT barometer.diff_test(t, t, 'domains', 1.5) FROM cells LIMIT 1;
SELECT barometer.diff_test(t, tw, 'domains') FROM cells LIMIT 1;
SELECT barometer.diff_test(a.t, b.t, 'domains')
FROM (SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) t FROM tst_d) a,
     (SELECT barometer.tally(y, w, stratum, psu, n_psu + 1, NULL) t FROM tst_d) b;
SELECT barometer.diff_test(barometer.tally(y, w), barometer.tally(w, w)) FROM tst;
SELECT barometer.chisq(origin, 'one', w) FROM tst;
SELECT barometer.chisq(origin, y, w, 'G') FROM tst;
SELECT barometer.p_adjust(ARRAY[0.5, 1.2], 'holm');
SELECT barometer.p_adjust(ARRAY[0.5], 'hochberg');
SELECT barometer.significance(NULL, 0.95, 'publish', 'hidden');
