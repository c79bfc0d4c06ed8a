-- Small-area estimates in the dashboard, and the evidence that they help:
-- the synthetic sample knows its population, so every municipality (and
-- municipality x origin group) has a true value to hold the direct and the
-- model-based (Fay-Herriot) estimates against.
--
--   true_value         the population value of every indicator x edition x
--                      municipality (origin NULL) and municipality x origin
--                      group, from the model that generated the answers
--   area_register      register covariates per municipality and edition
--   smallarea_result   MATERIALIZED: every municipal cell twice, the direct
--                      estimate (estimate_type 'direct', the dashboard's
--                      figures and NCHS status) and the Fay-Herriot estimate
--                      ('model', status under the model_cv policy)
--   dashboard_smallarea the published side-by-side view: direct and model
--                      figures in separate columns, suppressed figures
--                      removed, and the figure to show with its type
--   smallarea_evidence per breakdown: cells publishable direct and with the
--                      model, coverage of the 95% intervals, MSE against the
--                      truth
--   smallarea_chart_svg(indicator, edition): direct vs model per municipality
--
-- The model (per indicator, edition and breakdown): the direct proportion on
-- the arcsine scale (barometer.fay_herriot transform 'arcsine'), with a
-- smoothed sampling variance deff / (4 n) (a generalized variance function:
-- the design effect pooled over the breakdown's cells with at least 20
-- respondents; the design variance of a small cell is too unstable to
-- weigh it by), and register covariates: the non-EU share, the
-- unemployment rate and the log population of the municipality (and, by
-- municipality x origin group, one model per origin group with, besides,
-- the employment rate of its bloc in the municipality).  A model is fitted
-- where at least 30 areas have a usable direct estimate.  A cell with a direct estimate of 0 or 1,
-- or fewer than 2 respondents, enters without its direct estimate and gets
-- the synthetic estimate.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-------------------------------------------------------------------------------
-- the truth: for each population cell (edition x municipality x origin x age
-- x sex) the probability of each answer code given a valid answer, from
-- demo/sample.sql's question_model: agree with probability
-- E[expit(eta + sd_addr Z)] over the address effect Z (16-point midpoint
-- rule over the uniform that demo_z transforms), then 5 (42%) or 4; else 3
-- (45%), 2 (40%) or 1 (15%).  "geen mening" (dk, more for first
-- generations) and no answer (2.5%) weigh the cell out of the denominator
-- (or into it when the indicator includes "geen mening" as a no).
-------------------------------------------------------------------------------
CREATE TABLE true_value (
	indicator text NOT NULL,
	edition smallint NOT NULL,
	nis text NOT NULL,
	origin text,			-- NULL: the whole municipality
	value float8 NOT NULL,
	persons integer NOT NULL);
WITH quad AS (
	SELECT demo_z((k - 0.5) / 16.0) AS z FROM generate_series(1, 16) k
), cellq AS (
	SELECT p.edition, p.nis, p.origin, p.persons, q.item,
	       1 - 0.025 - q.dk - CASE WHEN p.origin IN ('EU1', 'NEU1') THEN q.dk_first ELSE 0 END AS p_valid,
	       (SELECT avg(1 / (1 + exp(-(q.base + q.origin_eff[o.sort] + q.age_eff[a.sort]
				      + CASE WHEN p.sex = 'V' THEN q.female ELSE 0 END
				      + CASE WHEN p.edition = 2023 THEN q.change
					     + CASE WHEN p.origin IN ('NEU1', 'NEU2') THEN q.change_neu ELSE 0 END
					     ELSE 0 END
				      + q.sd_muni * demo_z(demo_u(p.nis::bigint * 1000 + q.item, 31))
				      + q.sd_addr * quad.z))))
		FROM quad) AS p_agree
	FROM population p
	JOIN origin_group o ON o.code = p.origin
	JOIN age_group a ON a.code = p.age_group
	CROSS JOIN question_model q
	WHERE q.item <= 14 AND p.persons > 0
), ind AS (
	SELECT c.*, i.code AS indicator,
	       c.p_agree * ((5 = ANY (i.agree))::int * 0.42 + (4 = ANY (i.agree))::int * 0.58)
	       + (1 - c.p_agree) * ((3 = ANY (i.agree))::int * 0.45 + (2 = ANY (i.agree))::int * 0.40
				    + (1 = ANY (i.agree))::int * 0.15) AS p_code,
	       CASE WHEN i.dont_know = 'include' THEN 0.975 ELSE c.p_valid END AS p_denominator
	FROM cellq c JOIN indicator i ON i.item = c.item
)
INSERT INTO true_value
SELECT indicator, edition, nis, origin,
       sum(persons * p_valid * p_code) / sum(persons * p_denominator), sum(persons)
FROM ind
GROUP BY indicator, edition, nis, GROUPING SETS ((), (origin));
CREATE UNIQUE INDEX ON true_value (indicator, edition, nis, origin) NULLS NOT DISTINCT;

-------------------------------------------------------------------------------
-- register covariates of every municipality and edition (register year =
-- edition): what a statistical office knows of every area without a survey
-------------------------------------------------------------------------------
CREATE TABLE area_register AS
SELECT c.year AS edition, c.nis,
       sum(c.population) FILTER (WHERE d.bloc = 'NEU')::float8 / sum(c.population) AS share_non_eu,
       sum(c.unemployed)::float8 / nullif(sum(c.employed + c.unemployed), 0) AS unemployment,
       ln(min(m.population_2020)) AS log_population,
       sum(c.employed)::float8 / sum(c.population) AS employment,
       sum(c.employed) FILTER (WHERE d.bloc = 'BE')::float8
	       / nullif(sum(c.population) FILTER (WHERE d.bloc = 'BE'), 0) AS employment_be,
       sum(c.employed) FILTER (WHERE d.bloc = 'EU')::float8
	       / nullif(sum(c.population) FILTER (WHERE d.bloc = 'EU'), 0) AS employment_eu,
       sum(c.employed) FILTER (WHERE d.bloc = 'NEU')::float8
	       / nullif(sum(c.population) FILTER (WHERE d.bloc = 'NEU'), 0) AS employment_neu,
       sum(c.employed) FILTER (WHERE d.bloc = 'ONB')::float8
	       / nullif(sum(c.population) FILTER (WHERE d.bloc = 'ONB'), 0) AS employment_onb
FROM register_count c
JOIN origin_detail d ON d.code = c.origin_detail
JOIN municipality m ON m.nis = c.nis
GROUP BY c.year, c.nis;
ALTER TABLE area_register ADD PRIMARY KEY (edition, nis);
-- a bloc without register population in a municipality: its overall rate
UPDATE area_register SET employment_be = coalesce(employment_be, employment),
	employment_eu = coalesce(employment_eu, employment),
	employment_neu = coalesce(employment_neu, employment),
	employment_onb = coalesce(employment_onb, employment);

-------------------------------------------------------------------------------
-- direct and model-based estimates of every municipal cell, one row each
-------------------------------------------------------------------------------
CREATE MATERIALIZED VIEW smallarea_result AS
WITH direct AS (
	SELECT r.indicator, r.edition, r.breakdown, r.level, r.geo_code AS nis, r.origin,
	       r.estimate, r.se, r.ci_lower, r.ci_upper, r.n, r.deff,
	       r.status, r.reason_nl, r.reason_en, r.policy, r.policy_version,
	       -- usable as the model's direct estimate
	       r.n >= 2 AND r.estimate > 0 AND r.estimate < 1 AS usable
	FROM indicator_result r
	WHERE r.breakdown IN ('municipality', 'municipality_origin')
), pooled AS (
	-- the design effect of the breakdown, for the smoothed variances (1
	-- when no cell has 20 respondents)
	SELECT indicator, edition, breakdown,
	       percentile_cont(0.5) WITHIN GROUP (ORDER BY deff) AS deff
	FROM direct
	WHERE n >= 20 AND deff > 0
	GROUP BY indicator, edition, breakdown
), model_input AS (
	-- one model per indicator, edition and breakdown, and by municipality x
	-- origin one per origin group (areas: the municipalities); fitted when
	-- at least 30 areas have a usable direct estimate (model_cv's min_areas)
	SELECT d.indicator, d.edition, d.breakdown, coalesce(d.origin, '') AS model_group,
	       array_agg(d.level ORDER BY d.level) AS area,
	       array_agg(CASE WHEN d.usable THEN d.estimate END ORDER BY d.level) AS estimate,
	       array_agg(CASE WHEN d.usable THEN d.estimate * (1 - d.estimate) * coalesce(p.deff, 1) / d.n END
			 ORDER BY d.level) AS variance,
	       array_agg(d.n::float8 ORDER BY d.level) AS n,
	       array_agg(CASE WHEN d.origin IS NULL
			      THEN ARRAY[g.share_non_eu, g.unemployment, g.log_population]
			      ELSE ARRAY[g.share_non_eu, g.unemployment, g.log_population,
					 CASE WHEN d.origin = 'BE' THEN g.employment_be
					      WHEN d.origin IN ('EU1', 'EU2') THEN g.employment_eu
					      WHEN d.origin IN ('NEU1', 'NEU2') THEN g.employment_neu
					      ELSE g.employment_onb END] END
			 ORDER BY d.level) AS covariates
	FROM direct d
	LEFT JOIN pooled p USING (indicator, edition, breakdown)
	JOIN area_register g ON g.edition = d.edition AND g.nis = d.nis
	GROUP BY d.indicator, d.edition, d.breakdown, coalesce(d.origin, '')
	HAVING count(*) FILTER (WHERE d.usable) >= 30
), model AS (
	SELECT m.indicator, m.edition, m.breakdown, f.*
	FROM model_input m
	CROSS JOIN LATERAL barometer.fay_herriot_publication(m.area, m.estimate, m.variance, m.n, m.covariates,
							     transform => 'arcsine') f
)
SELECT d.indicator, d.edition, d.breakdown, d.level, d.nis, d.origin,
       'direct'::text AS estimate_type, d.n, d.estimate, d.se AS error,
       d.ci_lower, d.ci_upper, d.status, d.reason_nl, d.reason_en, d.policy, d.policy_version
FROM direct d
UNION ALL
SELECT d.indicator, d.edition, d.breakdown, d.level, d.nis, d.origin,
       'model', d.n, f.estimate, f.rmse, f.ci_lower, f.ci_upper,
       coalesce(f.status, 'suppress'),
       coalesce(f.reason_nl, 'modelschatting: geen model (minder dan 30 gebieden met een bruikbare directe schatting)'),
       coalesce(f.reason_en, 'model-based estimate: no model (fewer than 30 areas with a usable direct estimate)'),
       coalesce(f.policy, 'model_cv'), f.policy_version
FROM direct d
LEFT JOIN model f ON f.indicator = d.indicator AND f.edition = d.edition
	AND f.breakdown = d.breakdown AND f.area = d.level;
-- (error: the standard error of a direct estimate, the root MSE of a model-based one)
CREATE UNIQUE INDEX smallarea_result_key ON smallarea_result (indicator, edition, breakdown, level, estimate_type);

-------------------------------------------------------------------------------
-- what the dashboard reads: direct and model-based figures side by side, in
-- separate columns, each with its own status and reason (a suppressed
-- figure is removed, its status and reason stay); estimate / estimate_type
-- is the figure to show: the direct one when it may be published, else the
-- model-based one when that may, never one without its type
-------------------------------------------------------------------------------
CREATE VIEW dashboard_smallarea AS
SELECT d.indicator, i.label_nl AS indicator_nl, i.label_en AS indicator_en,
       d.edition, d.breakdown, d.level, d.nis, g.name_nl AS municipality,
       d.origin, o.label_nl AS origin_nl, d.n,
       CASE WHEN d.status <> 'suppress' THEN d.estimate END AS direct_estimate,
       CASE WHEN d.status <> 'suppress' THEN d.ci_lower END AS direct_ci_lower,
       CASE WHEN d.status <> 'suppress' THEN d.ci_upper END AS direct_ci_upper,
       d.status AS direct_status, d.reason_nl AS direct_reason_nl, d.reason_en AS direct_reason_en,
       CASE WHEN m.status <> 'suppress' THEN m.estimate END AS model_estimate,
       CASE WHEN m.status <> 'suppress' THEN m.error END AS model_rmse,
       CASE WHEN m.status <> 'suppress' THEN m.ci_lower END AS model_ci_lower,
       CASE WHEN m.status <> 'suppress' THEN m.ci_upper END AS model_ci_upper,
       m.status AS model_status, m.reason_nl AS model_reason_nl, m.reason_en AS model_reason_en,
       -- the figure to show and, always beside it, its type
       CASE WHEN d.status <> 'suppress' THEN 'direct' WHEN m.status <> 'suppress' THEN 'model' END AS estimate_type,
       CASE WHEN d.status <> 'suppress' THEN d.estimate WHEN m.status <> 'suppress' THEN m.estimate END AS estimate,
       CASE WHEN d.status <> 'suppress' THEN d.ci_lower WHEN m.status <> 'suppress' THEN m.ci_lower END AS ci_lower,
       CASE WHEN d.status <> 'suppress' THEN d.ci_upper WHEN m.status <> 'suppress' THEN m.ci_upper END AS ci_upper,
       CASE WHEN d.status <> 'suppress' THEN d.status ELSE m.status END AS status,
       CASE WHEN d.status <> 'suppress' THEN d.reason_nl ELSE m.reason_nl END AS reason_nl,
       CASE WHEN d.status <> 'suppress' THEN d.reason_en ELSE m.reason_en END AS reason_en
FROM smallarea_result d
JOIN smallarea_result m ON m.indicator = d.indicator AND m.edition = d.edition
	AND m.breakdown = d.breakdown AND m.level = d.level AND m.estimate_type = 'model'
JOIN indicator i ON i.code = d.indicator
JOIN municipality g ON g.nis = d.nis
LEFT JOIN origin_group o ON o.code = d.origin
WHERE d.estimate_type = 'direct';

-------------------------------------------------------------------------------
-- the evidence, per breakdown (all indicators, both editions): cells with a
-- publishable figure (status other than suppress) direct and with the model,
-- the cells the model makes publishable, the share of 95% intervals that
-- hold the true value (direct: over the cells with a direct interval; model:
-- over the same cells, and over the cells whose model-based figure is
-- published), and the mean squared error against the truth over the cells
-- with a direct estimate, with the model's relative gain 1 - MSE_model /
-- MSE_direct
-------------------------------------------------------------------------------
CREATE VIEW smallarea_evidence AS
WITH j AS (
	SELECT d.breakdown, d.n, t.value AS truth,
	       d.estimate AS de, d.ci_lower AS dl, d.ci_upper AS du, d.status <> 'suppress' AS d_pub,
	       -- the direct estimate under the model's CV bands (16.5% / 33.3%, the
	       -- Statistics Canada rule of 1 with at least 10 respondents)
	       CASE WHEN d.estimate IS NOT NULL AND d.error IS NOT NULL
		    THEN (barometer.publication_status(d.estimate, d.error, d.n, NULL, 'statcan_cv', 1)).status <> 'suppress'
		    ELSE false END AS d_pub_cv,
	       m.estimate AS me, m.ci_lower AS ml, m.ci_upper AS mu, m.status <> 'suppress' AS m_pub
	FROM smallarea_result d
	JOIN smallarea_result m ON m.indicator = d.indicator AND m.edition = d.edition
		AND m.breakdown = d.breakdown AND m.level = d.level AND m.estimate_type = 'model'
	JOIN true_value t ON t.indicator = d.indicator AND t.edition = d.edition AND t.nis = d.nis
		AND t.origin IS NOT DISTINCT FROM d.origin
	WHERE d.estimate_type = 'direct'
)
SELECT breakdown,
       count(*) AS cells,
       count(*) FILTER (WHERE d_pub) AS direct_publishable,
       count(*) FILTER (WHERE d_pub_cv) AS direct_publishable_cv,
       count(*) FILTER (WHERE m_pub) AS model_publishable,
       count(*) FILTER (WHERE m_pub AND NOT d_pub) AS made_publishable,
       count(*) FILTER (WHERE m_pub AND NOT d_pub_cv) AS made_publishable_cv,
       count(*) FILTER (WHERE d_pub OR m_pub) AS publishable_either,
       avg((truth BETWEEN dl AND du)::int) FILTER (WHERE dl IS NOT NULL) AS coverage_direct,
       avg((truth BETWEEN ml AND mu)::int) FILTER (WHERE dl IS NOT NULL) AS coverage_model,
       avg((truth BETWEEN ml AND mu)::int) FILTER (WHERE m_pub) AS coverage_model_published,
       avg((de - truth) ^ 2) AS mse_direct,
       avg((me - truth) ^ 2) FILTER (WHERE de IS NOT NULL) AS mse_model,
       1 - avg((me - truth) ^ 2) FILTER (WHERE de IS NOT NULL) / avg((de - truth) ^ 2) AS mse_gain,
       avg((de - truth) ^ 2) FILTER (WHERE n < 30) AS mse_direct_small,
       avg((me - truth) ^ 2) FILTER (WHERE n < 30 AND de IS NOT NULL) AS mse_model_small
FROM j
GROUP BY breakdown;

-------------------------------------------------------------------------------
-- the chart: direct and model-based estimates with their 95% intervals for
-- 30 municipalities spread over the sample sizes (every tenth by n), and the
-- true value the synthetic population knows.  Classes for tests: direct,
-- model, truth (one of each per municipality); a direct figure the dashboard
-- suppresses is drawn hollow and dashed (it is shown here as evidence only).
-------------------------------------------------------------------------------
CREATE FUNCTION smallarea_chart_svg(chart_indicator text, chart_edition smallint)
RETURNS text LANGUAGE sql STABLE AS $$
WITH rows AS (
	SELECT d.nis, g.name_nl, d.n, d.estimate AS de, d.ci_lower AS dl, d.ci_upper AS du,
	       d.status AS ds, m.estimate AS me, m.ci_lower AS ml, m.ci_upper AS mu, m.status AS ms,
	       t.value AS truth,
	       row_number() OVER (ORDER BY d.n, d.nis) AS r
	FROM smallarea_result d
	JOIN smallarea_result m ON m.indicator = d.indicator AND m.edition = d.edition
		AND m.breakdown = d.breakdown AND m.level = d.level AND m.estimate_type = 'model'
	JOIN true_value t ON t.indicator = d.indicator AND t.edition = d.edition AND t.nis = d.nis
		AND t.origin IS NULL
	JOIN municipality g ON g.nis = d.nis
	WHERE d.indicator = chart_indicator AND d.edition = chart_edition
	  AND d.breakdown = 'municipality' AND d.estimate_type = 'direct'
), picked AS (
	SELECT r.*, row_number() OVER (ORDER BY r.r) - 1 AS k
	FROM rows r WHERE r.r % 10 = 5
), cfg AS (
	SELECT 920 AS width, 250 AS x0, 560 AS plot_w, 22 AS row_h, 110 AS top,
	       floor(10 * least(min(coalesce(dl, me)), min(ml), min(truth))) / 10 AS lo,
	       ceil(10 * greatest(max(coalesce(du, me)), max(mu), max(truth))) / 10 AS hi,
	       count(*) AS n_rows
	FROM picked
), placed AS (
	SELECT p.*, c.*,
	       c.top + p.k * c.row_h AS y
	FROM picked p, cfg c
), title AS (
	SELECT i.label_nl FROM indicator i WHERE i.code = chart_indicator
)
SELECT concat(
	format('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
	       c.width, c.top + c.n_rows * c.row_h + 80, c.width, c.top + c.n_rows * c.row_h + 80),
	'<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>',
	format('<text x="20" y="28" font-size="17" font-weight="bold">%s, %s: directe schatting en modelschatting per gemeente</text>',
	       xml_text(t.label_nl), chart_edition),
	'<text x="20" y="50" fill="#444444">95%-intervallen; Fay-Herriot-model (boogsinus, registerkenmerken), synthetische demo-steekproef met gekende populatiewaarde</text>',
	'<text x="20" y="68" fill="#444444">30 gemeenten van klein naar groot (elke tiende naar steekproefomvang n); holle, gestreepte directe schatting: onderdrukt in het dashboard</text>',
	-- axis: gridlines every 10 points
	(SELECT string_agg(format('<line x1="%1$s" y1="%2$s" x2="%1$s" y2="%3$s" stroke="#dddddd"/>'
				  || '<text x="%1$s" y="%4$s" text-anchor="middle" fill="#666666">%5$s%%</text>',
				  round((c.x0 + c.plot_w * (v / 100.0 - c.lo) / (c.hi - c.lo))::numeric, 2),
				  c.top - 14, c.top + c.n_rows * c.row_h, c.top + c.n_rows * c.row_h + 14, v), '' ORDER BY v)
	 FROM generate_series((100 * c.lo)::int, (100 * c.hi)::int, 10) v),
	(SELECT string_agg(concat(
		format('<text x="%s" y="%s" text-anchor="end">%s (n = %s)</text>',
		       p.x0 - 10, p.y + 4, xml_text(p.name_nl), p.n),
		-- direct: blue, hollow and dashed when the dashboard suppresses it
		CASE WHEN p.de IS NOT NULL THEN
			format('<g class="direct" data-nis="%s" data-status="%s"><title>direct %s%% [%s; %s], %s</title>'
			       || '<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#2171b5" stroke-width="2"%s/>'
			       || '<circle cx="%s" cy="%s" r="3.5" fill="%s" stroke="#2171b5"/></g>',
			       p.nis, p.ds, to_char(100 * p.de, 'FM990.0'), to_char(100 * p.dl, 'FM990.0'),
			       to_char(100 * p.du, 'FM990.0'), p.ds,
			       round((p.x0 + p.plot_w * (p.dl - p.lo) / (p.hi - p.lo))::numeric, 2), p.y - 4,
			       round((p.x0 + p.plot_w * (p.du - p.lo) / (p.hi - p.lo))::numeric, 2), p.y - 4,
			       CASE WHEN p.ds = 'suppress' THEN ' stroke-dasharray="3,2"' ELSE '' END,
			       round((p.x0 + p.plot_w * (p.de - p.lo) / (p.hi - p.lo))::numeric, 2), p.y - 4,
			       CASE WHEN p.ds = 'suppress' THEN '#ffffff' ELSE '#2171b5' END) END,
		-- model: orange
		format('<g class="model" data-nis="%s" data-status="%s"><title>model %s%% [%s; %s], %s</title>'
		       || '<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e6550d" stroke-width="2"/>'
		       || '<rect x="%s" y="%s" width="7" height="7" fill="#e6550d"/></g>',
		       p.nis, p.ms, to_char(100 * p.me, 'FM990.0'), to_char(100 * p.ml, 'FM990.0'),
		       to_char(100 * p.mu, 'FM990.0'), p.ms,
		       round((p.x0 + p.plot_w * (p.ml - p.lo) / (p.hi - p.lo))::numeric, 2), p.y + 4,
		       round((p.x0 + p.plot_w * (p.mu - p.lo) / (p.hi - p.lo))::numeric, 2), p.y + 4,
		       round((p.x0 + p.plot_w * (p.me - p.lo) / (p.hi - p.lo))::numeric, 2) - 3.5, p.y + 0.5),
		-- the truth: a black tick
		format('<line class="truth" data-nis="%s" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#000000" stroke-width="2"><title>populatiewaarde %s%%</title></line>',
		       p.nis, round((p.x0 + p.plot_w * (p.truth - p.lo) / (p.hi - p.lo))::numeric, 2), p.y - 9,
		       round((p.x0 + p.plot_w * (p.truth - p.lo) / (p.hi - p.lo))::numeric, 2), p.y + 9, to_char(100 * p.truth, 'FM990.0'))
	), '' ORDER BY p.k)
	 FROM placed p),
	-- legend
	format('<line x1="20" y1="%1$s" x2="44" y2="%1$s" stroke="#2171b5" stroke-width="2"/><circle cx="32" cy="%1$s" r="3.5" fill="#2171b5"/>'
	       || '<text x="52" y="%2$s">directe schatting (steekproef alleen)</text>'
	       || '<line x1="300" y1="%1$s" x2="324" y2="%1$s" stroke="#e6550d" stroke-width="2"/><rect x="308.5" y="%3$s" width="7" height="7" fill="#e6550d"/>'
	       || '<text x="332" y="%2$s">modelschatting (Fay-Herriot)</text>'
	       || '<line x1="560" y1="%4$s" x2="560" y2="%5$s" stroke="#000000" stroke-width="2"/>'
	       || '<text x="570" y="%2$s">populatiewaarde (gekend in de demo)</text>',
	       c.top + c.n_rows * c.row_h + 44, c.top + c.n_rows * c.row_h + 48,
	       c.top + c.n_rows * c.row_h + 40.5, c.top + c.n_rows * c.row_h + 35, c.top + c.n_rows * c.row_h + 53),
	'</svg>')
FROM cfg c, title t
$$;

-------------------------------------------------------------------------------
-- refresh: the dashboard's refresh also refreshes the model-based figures
-- (from the refreshed indicator_result), in the same transaction
-------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION refresh_dashboard(concurrent boolean DEFAULT true, cells_concurrent boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql
SET work_mem = '512MB' SET jit = off AS $$
BEGIN
	PERFORM refresh_cells(concurrent AND cells_concurrent);
	IF concurrent THEN
		REFRESH MATERIALIZED VIEW CONCURRENTLY indicator_result;
		REFRESH MATERIALIZED VIEW CONCURRENTLY smallarea_result;
	ELSE
		REFRESH MATERIALIZED VIEW indicator_result;
		REFRESH MATERIALIZED VIEW smallarea_result;
	END IF;
END $$;

ANALYZE true_value;
ANALYZE smallarea_result;
