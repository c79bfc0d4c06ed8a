-- The demo's indicators: per edition and origin group, the weighted
-- percentage, its design-based SE (strata and clustered addresses) and the
-- Korn-Graubard 95% interval, with the respondent count and design effect.
\set QUIET on
\pset footer off
\echo
\echo 'Indicator: "ik voel me thuis in mijn buurt" (agree or fully agree, 4-5 of 5)'
\echo 'and "discriminatie ervaren" (yes), by edition and origin group; 95% Korn-Graubard intervals'
\echo
CREATE TEMP TABLE cell AS
SELECT edition, origin,
       barometer.tally(q1 >= 4, w, stratum, address, n_psu, NULL) AS thuis,
       barometer.tally(q2, w, stratum, address, n_psu, NULL) AS discr
FROM respondent_design
GROUP BY GROUPING SETS ((edition, origin), (edition));

SELECT c.edition,
       coalesce(o.label_en, 'all groups') AS origin_group,
       r.n,
       to_char(100 * r.estimate, '990.0') AS "thuis %",
       to_char(100 * r.se, '90.0') AS se,
       '[' || to_char(100 * r.ci_lower, 'FM990.0') || ', ' || to_char(100 * r.ci_upper, 'FM990.0') || ']' AS "95% CI",
       to_char(r.deff, '90.00') AS deff,
       to_char(100 * barometer.estimate(discr), '990.0') AS "discr %",
       '[' || to_char(100 * barometer.ci_lower(discr), 'FM990.0') || ', '
           || to_char(100 * barometer.ci_upper(discr), 'FM990.0') || ']' AS "95% CI "
FROM cell c
LEFT JOIN origin_group o ON o.code = c.origin,
LATERAL barometer.report(c.thuis) AS r
ORDER BY c.edition, c.origin NULLS LAST;

\echo
\echo 'All groups, rolled up from the stored origin cells without rescanning the microdata'
\echo '(equal to the direct tally of the edition: merge() is exact)'
SELECT c.edition,
       to_char(100 * barometer.estimate(c.rolled), '990.000') AS "thuis % (rollup)",
       to_char(100 * barometer.se(c.rolled), '90.000') AS "se (rollup)",
       to_char(100 * barometer.estimate(d.thuis), '990.000') AS "thuis % (direct)",
       to_char(100 * barometer.se(d.thuis), '90.000') AS "se (direct)"
FROM (SELECT edition, barometer.merge(thuis) AS rolled FROM cell WHERE origin IS NOT NULL GROUP BY edition) c
JOIN cell d ON d.edition = c.edition AND d.origin IS NULL
ORDER BY c.edition;
