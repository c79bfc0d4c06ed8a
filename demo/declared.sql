-- The demo sample's design, declared once (R: svydesign(ids = ~address,
-- strata = ~nis, weights = ~w) for each edition), and the indicators by
-- origin group computed through it: no window columns, no design columns in
-- any query, only the variable and the handle.
--
--   resp                the respondents with a design handle per row (a view
--                       made by barometer.declare_design; catalog row in
--                       barometer.designs)
--   origin_indicator    every indicator x edition x origin group (and the
--                       Flemish total): estimate, SE, interval, status, and
--                       the tests against Belgian origin (domains of one
--                       sample) and against the previous edition
--                       (independent samples)
--
-- Run after demo/sample.sql and demo/dashboard.sql (the indicator catalog).
-- The declared view is a plain view: it always shows the current microdata
-- (a refresh of the dashboard needs nothing here); materialized => true
-- would compute the handles once, at REFRESH, for a larger sample.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-------------------------------------------------------------------------------
-- the design: strata = municipalities, PSUs = addresses, the calibrated
-- weight; each edition is a sample of its own (partition_by), so every
-- whole-sample count is computed within an edition and a tally refuses a
-- cell that mixes the two editions
-------------------------------------------------------------------------------
SELECT barometer.declare_design('resp', 'respondent', weights => 'w',
       strata => 'nis', psu => 'address', partition_by => ARRAY['edition']) AS declared \gset
-- (\gset keeps psql quiet: the function returns the view, resp)

-------------------------------------------------------------------------------
-- every indicator by edition and origin group, and the Flemish total
-------------------------------------------------------------------------------
-- The answer becomes TRUE (an agreeing code of the indicator), FALSE or NULL
-- (no answer; "geen mening" unless the indicator counts it as a "no"):
-- out of the indicator's domain, still in the design.
CREATE VIEW origin_indicator AS
WITH cells AS (
	SELECT i.code AS indicator, r.edition, r.origin,
	       barometer.tally(CASE WHEN r.answers[i.item] = 9 THEN CASE WHEN i.dont_know = 'include' THEN false END
				    ELSE r.answers[i.item] = ANY (i.agree) END, r.design) AS t
	FROM resp r
	CROSS JOIN indicator i
	GROUP BY GROUPING SETS ((i.code, r.edition), (i.code, r.edition, r.origin))
), judged AS (
	SELECT c.*, i.reference_origin, st.status, st.reason_nl, st.reason_en
	FROM cells c
	JOIN indicator i ON i.code = c.indicator
	CROSS JOIN LATERAL barometer.publication_status(c.t, i.policy) AS st
), compared AS (
	-- the reference group's tally and the previous edition's, by window
	SELECT j.*,
	       CASE WHEN j.origin <> j.reference_origin THEN
		       barometer.diff_test(j.t, first_value(j.t) OVER g, 'domains') END AS d_reference,
	       CASE WHEN j.origin <> j.reference_origin THEN first_value(j.status) OVER g END AS reference_status,
	       CASE WHEN lag(j.edition) OVER e = x.previous THEN
		       barometer.diff_test(j.t, lag(j.t) OVER e, 'independent') END AS d_previous,
	       CASE WHEN lag(j.edition) OVER e = x.previous THEN lag(j.status) OVER e END AS previous_status,
	       CASE WHEN lag(j.edition) OVER e = x.previous THEN x.previous END AS previous_edition
	FROM judged j
	JOIN edition x ON x.edition = j.edition
	-- (the reference group sorts first within its edition; the total has no reference)
	WINDOW g AS (PARTITION BY j.indicator, j.edition, j.origin IS NULL
		     ORDER BY j.origin IS DISTINCT FROM j.reference_origin),
	       e AS (PARTITION BY j.indicator, j.origin ORDER BY j.edition)
)
SELECT c.indicator, c.edition, c.origin, f.estimate, f.se, f.ci_lower, f.ci_upper, f.n, f.df,
       c.status, c.reason_nl, c.reason_en,
       (c.d_reference).difference AS diff_reference, (c.d_reference).p_value AS p_reference,
       CASE WHEN c.d_reference IS NOT NULL
	    THEN barometer.significance(c.d_reference, 0.95, c.status, c.reference_status) END AS vs_reference,
       c.previous_edition,
       (c.d_previous).difference AS change, (c.d_previous).p_value AS p_previous,
       CASE WHEN c.d_previous IS NOT NULL
	    THEN barometer.significance(c.d_previous, 0.95, c.status, c.previous_status) END AS vs_previous,
       c.t
FROM compared c
CROSS JOIN LATERAL barometer.report(c.t) AS f;
