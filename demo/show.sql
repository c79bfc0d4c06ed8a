-- What demo/run prints: an indicator by origin group through the declared
-- design (demo/declared.sql), checked against the explicit form; then
-- excerpts of the published dashboard table.
\set QUIET on
\pset footer off
\pset null '·'

\echo
\echo '== The sample (synthetic; 300 Flemish municipalities, strata; addresses, PSUs)'
SELECT edition, count(*) AS respondents, count(DISTINCT address) AS addresses,
       count(DISTINCT nis) AS municipalities, round(sum(w)) AS "weighted (adults 17-85)"
FROM respondent GROUP BY edition ORDER BY edition;

\echo
\echo '== The design, declared once (demo/declared.sql; R: svydesign(ids = ~address, strata = ~nis, weights = ~w) per edition)'
SELECT name, kind, weights, strata, psu, partition_by, lonely_psu FROM barometer.designs ORDER BY name;

\echo
\echo '== "komt gemakkelijk rond" (rondkomen) by origin group, through the declared design: barometer.tally(agrees, design)'
\echo '   from the microdata; vs BE: against Belgian origin, same edition (domains); vs 2021: against the previous edition (independent samples)'
SELECT o.edition, coalesce(g.label_nl, 'Vlaams Gewest') AS "level", o.n,
       to_char(100 * o.estimate, 'FM990.0') AS "%", to_char(100 * o.se, 'FM990.00') AS "SE",
       '[' || to_char(100 * o.ci_lower, 'FM990.0') || ', ' || to_char(100 * o.ci_upper, 'FM990.0') || ']' AS "95% CI",
       o.df, o.vs_reference AS "vs BE", o.vs_previous AS "vs 2021", o.status
FROM origin_indicator o
LEFT JOIN origin_group g ON g.code = o.origin
WHERE o.indicator = 'rondkomen'
ORDER BY o.edition, g.sort NULLS FIRST;

\echo
\echo '== check: the same cells with the explicit form (barometer.tally(agrees, w, nis, address, n_psu, NULL) with'
\echo '   n_psu = psu_count(address) OVER (PARTITION BY edition, nis ...) over the whole edition): equal bit for bit'
WITH explicit AS (
	SELECT r.edition, r.origin,
	       barometer.tally(CASE WHEN r.answers[i.item] = 9 THEN CASE WHEN i.dont_know = 'include' THEN false END
				    ELSE r.answers[i.item] = ANY (i.agree) END, r.w, r.nis, r.address, r.n_psu, NULL) AS t
	FROM (SELECT r.*, barometer.psu_count(r.address) OVER (PARTITION BY r.edition, r.nis ORDER BY r.address
			ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_psu
	      FROM respondent r) r
	JOIN indicator i ON i.code = 'rondkomen'
	GROUP BY GROUPING SETS ((r.edition), (r.edition, r.origin))
)
SELECT count(*) AS cells,
       count(*) FILTER (WHERE float8send(barometer.estimate(e.t)) = float8send(d.estimate)) AS "estimate equal to the bit",
       count(*) FILTER (WHERE float8send(barometer.se(e.t)) = float8send(d.se)) AS "SE equal to the bit",
       count(*) FILTER (WHERE float8send(barometer.ci_lower(e.t)) = float8send(d.ci_lower)
			  AND float8send(barometer.ci_upper(e.t)) = float8send(d.ci_upper)) AS "CI equal to the bit",
       count(*) FILTER (WHERE barometer.n(e.t) = d.n AND barometer.df(e.t) = d.df) AS "n, df equal"
FROM origin_indicator d
JOIN explicit e ON e.edition = d.edition AND e.origin IS NOT DISTINCT FROM d.origin
WHERE d.indicator = 'rondkomen';

\echo
\echo '== dashboard: "komt gemakkelijk rond" (rondkomen) by origin group (stored cells merged; the same figures)'
\echo '   vs BE: against Belgian origin, same edition (domains); vs 2021: against the previous edition (independent samples)'
SELECT edition, level_nl AS "level", n,
       to_char(100 * estimate, 'FM990.0') AS "%",
       '[' || to_char(100 * ci_lower, 'FM990.0') || ', ' || to_char(100 * ci_upper, 'FM990.0') || ']' AS "95% CI",
       to_char(100 * dont_know_share, 'FM990.0') AS "geen mening %",
       vs_reference AS "vs BE", vs_previous AS "vs 2021", status
FROM dashboard d
WHERE indicator = 'rondkomen' AND breakdown IN ('total', 'origin')
ORDER BY edition, breakdown DESC, (SELECT sort FROM origin_group o WHERE o.code = d.origin);

\echo
\echo '== dashboard, 2023: every indicator, Flemish total and two origin groups (marker: vs BE, change vs 2021)'
SELECT i.goal, d.indicator,
       to_char(100 * d.estimate, 'FM990.0') || coalesce(' ' || CASE d.vs_previous WHEN 'higher' THEN '↑' WHEN 'lower' THEN '↓' END, '') AS "total %",
       to_char(100 * be.estimate, 'FM990.0') AS "BE %",
       to_char(100 * n1.estimate, 'FM990.0') || ' ' || coalesce(n1.vs_reference, '') AS "non-EU 1st gen %",
       to_char(100 * n2.estimate, 'FM990.0') || ' ' || coalesce(n2.vs_reference, '') AS "non-EU 2nd gen %"
FROM indicator i
JOIN dashboard d ON d.indicator = i.code AND d.edition = 2023 AND d.breakdown = 'total'
JOIN dashboard be ON be.indicator = i.code AND be.edition = 2023 AND be.breakdown = 'origin' AND be.origin = 'BE'
JOIN dashboard n1 ON n1.indicator = i.code AND n1.edition = 2023 AND n1.breakdown = 'origin' AND n1.origin = 'NEU1'
JOIN dashboard n2 ON n2.indicator = i.code AND n2.edition = 2023 AND n2.breakdown = 'origin' AND n2.origin = 'NEU2'
ORDER BY i.sort;

\echo
\echo '== dashboard, 2023, rondkomen: municipalities against the Flemish total (a part against its whole), and finer cells'
SELECT level_nl AS "level", n, to_char(100 * estimate, 'FM990.0') AS "%",
       '[' || to_char(100 * ci_lower, 'FM990.0') || ', ' || to_char(100 * ci_upper, 'FM990.0') || ']' AS "95% CI",
       vs_reference AS "vs ref", status, reason_nl AS reden
FROM dashboard
WHERE indicator = 'rondkomen' AND edition = 2023
  AND ((breakdown = 'municipality' AND geo_code IN ('11002', '44021', '71016', '33016', '73028'))
       OR (breakdown = 'municipality_origin' AND geo_code = '11002'))
ORDER BY breakdown DESC, n DESC;

\echo
\echo '== cells published, flagged and suppressed, by breakdown (all indicators, both editions)'
SELECT b.code AS breakdown,
       count(*) FILTER (WHERE d.status = 'publish') AS publish,
       count(*) FILTER (WHERE d.status IN ('warn', 'review')) AS "warn or review",
       count(*) FILTER (WHERE d.status = 'suppress') AS suppress,
       count(*) FILTER (WHERE d.vs_reference IN ('higher', 'lower')) AS "significant vs ref",
       count(*) FILTER (WHERE d.vs_reference = 'hidden') AS "test hidden"
FROM breakdown b JOIN dashboard d ON d.breakdown = b.code
GROUP BY b.code, b.sort ORDER BY b.sort;
