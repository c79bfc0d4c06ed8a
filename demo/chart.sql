-- A self-contained SVG chart of one indicator by origin group, read from the
-- published dashboard view: one bar per origin group and edition, the 95%
-- interval as a whisker, and significance markers:
--   ▲ / ▼  next to a bar: significantly higher / lower than Belgian origin
--          in the same edition (two domains of one sample)
--   ↑ / ↓  under the pair: significant change since the previous edition
--          (independent samples)
-- Suppressed cells get no bar, only the word "onderdrukt" and the reason.
-- Every element a test counts carries a class: bar, ci, marker, change,
-- suppressed.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE FUNCTION xml_text(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT replace(replace(replace(s, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') $$;

CREATE FUNCTION dashboard_chart_svg(chart_indicator text)
RETURNS text LANGUAGE sql STABLE AS $$
WITH cfg AS (
	-- geometry: one band per group, two bars per band
	SELECT 860 AS width, 250 AS x0, 460 AS plot_w, 64 AS band, 22 AS bar_h, 100 AS top
), editions AS (
	SELECT edition, row_number() OVER (ORDER BY edition) - 1 AS k,
	       count(*) OVER () AS n_editions
	FROM edition
), groups AS (
	SELECT 'total' AS breakdown, NULL::text AS origin, 0 AS sort, 'Vlaams Gewest (alle herkomsten)' AS label
	UNION ALL
	SELECT 'origin', code, sort, label_nl FROM origin_group
), cells AS (
	SELECT g.sort, g.label, g.origin, e.edition, e.k, d.estimate, d.ci_lower, d.ci_upper, d.n,
	       d.reason_nl, d.vs_reference, d.vs_previous
	FROM groups g
	CROSS JOIN editions e
	LEFT JOIN dashboard d ON d.indicator = chart_indicator AND d.edition = e.edition
		AND d.breakdown = g.breakdown AND d.origin IS NOT DISTINCT FROM g.origin
), placed AS (
	SELECT c.*, cfg.*,
	       cfg.top + c.sort * cfg.band + c.k * (cfg.bar_h + 4) AS y,
	       CASE c.k WHEN 0 THEN '#9ecae1' ELSE '#2171b5' END AS fill
	FROM cells c, cfg
), marks AS (
	SELECT p.*,
	       p.x0 + p.plot_w * p.estimate AS x_est,
	       p.x0 + p.plot_w * p.ci_lower AS x_lo,
	       p.x0 + p.plot_w * p.ci_upper AS x_hi
	FROM placed p
), title AS (
	SELECT i.label_nl, i.label_en, q.statement_nl, i.collapse FROM indicator i JOIN question q ON q.item = i.item
	WHERE i.code = chart_indicator
)
SELECT concat(
	format('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">',
	       cfg.width, cfg.top + 7 * cfg.band + 90, cfg.width, cfg.top + 7 * cfg.band + 90),
	'<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>',
	format('<text x="20" y="30" font-size="18" font-weight="bold">%s</text>', xml_text(t.label_nl)),
	format('<text x="20" y="54" fill="#444444">“%s” — %s</text>', xml_text(t.statement_nl), xml_text(t.collapse)),
	'<text x="20" y="74" fill="#444444">gewogen percentage met 95%-betrouwbaarheidsinterval (Korn-Graubard), synthetische demo-steekproef</text>',
	-- axis: gridlines every 20 points
	(SELECT string_agg(format('<line x1="%1$s" y1="%2$s" x2="%1$s" y2="%3$s" stroke="#dddddd"/>'
				  || '<text x="%1$s" y="%4$s" text-anchor="middle" fill="#666666">%5$s%%</text>',
				  round(cfg.x0 + cfg.plot_w * v / 100.0, 2), cfg.top - 8, cfg.top + 7 * cfg.band - 8,
				  cfg.top + 7 * cfg.band + 8, v), '' ORDER BY v)
	 FROM generate_series(0, 100, 20) v),
	-- group labels
	(SELECT string_agg(format('<text x="%s" y="%s" text-anchor="end">%s</text>',
				  cfg.x0 - 10, cfg.top + g.sort * cfg.band + cfg.bar_h + 4, xml_text(g.label)), '' ORDER BY g.sort)
	 FROM groups g),
	-- bars, intervals, markers, suppressed cells
	(SELECT string_agg(
		CASE WHEN m.estimate IS NULL THEN
			format('<text class="suppressed" x="%s" y="%s" fill="#999999" font-style="italic">onderdrukt (%s): %s</text>',
			       m.x0 + 6, m.y + m.bar_h - 6, m.edition, xml_text(coalesce(m.reason_nl, 'geen gegevens')))
		ELSE concat(
			format('<rect class="bar" data-edition="%s" data-origin="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s %s: %s%% [%s; %s], n = %s</title></rect>',
			       m.edition, coalesce(m.origin, 'total'), m.x0, m.y, round((m.x_est - m.x0)::numeric, 2), m.bar_h, m.fill,
			       xml_text(m.label), m.edition, to_char(100 * m.estimate, 'FM990.0'),
			       to_char(100 * m.ci_lower, 'FM990.0'), to_char(100 * m.ci_upper, 'FM990.0'), m.n),
			format('<line class="ci" x1="%1$s" y1="%3$s" x2="%2$s" y2="%3$s" stroke="#222222" stroke-width="1.5"/>'
			       || '<line x1="%1$s" y1="%4$s" x2="%1$s" y2="%5$s" stroke="#222222"/>'
			       || '<line x1="%2$s" y1="%4$s" x2="%2$s" y2="%5$s" stroke="#222222"/>',
			       round(m.x_lo::numeric, 2), round(m.x_hi::numeric, 2), m.y + m.bar_h / 2,
			       m.y + 5, m.y + m.bar_h - 5),
			format('<text x="%s" y="%s" fill="#222222">%s%%</text>',
			       round(m.x_hi::numeric, 2) + 6, m.y + m.bar_h - 6, to_char(100 * m.estimate, 'FM990.0')),
			CASE WHEN m.vs_reference IN ('higher', 'lower') THEN
				format('<text class="marker" data-edition="%s" data-origin="%s" data-vs="%s" x="%s" y="%s" fill="%s" font-weight="bold">%s</text>',
				       m.edition, m.origin, m.vs_reference, round(m.x_hi::numeric, 2) + 52, m.y + m.bar_h - 6,
				       CASE m.vs_reference WHEN 'higher' THEN '#b2182b' ELSE '#2166ac' END,
				       CASE m.vs_reference WHEN 'higher' THEN '▲' ELSE '▼' END) END,
			CASE WHEN m.vs_previous IN ('higher', 'lower') THEN
				format('<text class="change" data-edition="%s" data-origin="%s" data-vs="%s" x="%s" y="%s" fill="#444444" font-weight="bold">%s</text>',
				       m.edition, coalesce(m.origin, 'total'), m.vs_previous, m.x0 + m.plot_w + 30, m.y + m.bar_h - 6,
				       CASE m.vs_previous WHEN 'higher' THEN '↑' ELSE '↓' END || ' sinds ' || (SELECT previous FROM edition WHERE edition = m.edition)) END)
		END, '' ORDER BY m.sort, m.k)
	 FROM marks m),
	-- legend
	(SELECT concat(
		format('<rect x="20" y="%s" width="14" height="14" fill="#9ecae1"/><text x="40" y="%s">%s</text>',
		       cfg.top + 7 * cfg.band + 24, cfg.top + 7 * cfg.band + 36, min(edition)),
		format('<rect x="90" y="%s" width="14" height="14" fill="#2171b5"/><text x="110" y="%s">%s</text>',
		       cfg.top + 7 * cfg.band + 24, cfg.top + 7 * cfg.band + 36, max(edition)),
		format('<text x="170" y="%s" fill="#444444">▲▼ significant hoger / lager dan Belgische herkomst in dezelfde editie (p &lt; 0,05)</text>',
		       cfg.top + 7 * cfg.band + 36),
		format('<text x="170" y="%s" fill="#444444">↑↓ significante stijging / daling sinds de vorige editie (p &lt; 0,05)</text>',
		       cfg.top + 7 * cfg.band + 56))
	 FROM edition),
	'</svg>')
FROM cfg, title t
$$;
