-- The indicator dashboard on top of demo/sample.sql (or any sample of the
-- same shape): an indicator catalog, a stored layer of tallies per edition x
-- indicator x municipality x origin (and origin x age group, origin x sex
-- over all municipalities), and the long-format table a
-- dashboard reads, with intervals, significance against the reference group
-- and the previous edition, and publication status.
--
--   indicator          the catalog (one row per published indicator)
--   indicator_coding   the catalog's collapse of answer codes, as arrays
--   respondent_design  the microdata with the design columns of the whole sample
--   cell               MATERIALIZED: the stored tallies of municipality x origin,
--   cell_part          MATERIALIZED: and of origin x age group, origin x sex
--                      (the only passes over the microdata)
--   indicator_result   MATERIALIZED: every indicator x breakdown x level x edition,
--                      rolled up from the cells with barometer.merge, all figures
--   dashboard          the published view of it: suppressed figures removed
--   refresh_dashboard() REFRESH ... CONCURRENTLY of the dashboard, in one transaction
--   refresh_cells()    REFRESH of the stored cells
--
-- Both materialized views have unique indexes, so they refresh CONCURRENTLY
-- while dashboards read them.  Higher levels (province, region, origin
-- groups, ...) are merges of stored cells of the same edition: exact for the
-- clustered design, because every cell carries the per-stratum sums of its
-- PSU totals (barometer.tally_psu_sums) with the design columns of the
-- whole sample, and cells are merged only over groups that whole addresses
-- separate.  Cells of different editions are never
-- merged (two samples); editions are compared with independent-samples tests.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-------------------------------------------------------------------------------
-- the catalog
-------------------------------------------------------------------------------
CREATE TABLE goal (
	code text PRIMARY KEY,
	sort int NOT NULL,
	label_en text NOT NULL);
INSERT INTO goal VALUES
	('arbeidsparticipatie', 1, 'labour market participation'),
	('onderwijsparticipatie', 2, 'participation in education'),
	('sociale en maatschappelijke netwerken', 3, 'social networks'),
	('verbondenheid', 4, 'sense of belonging'),
	('burgerschap', 5, 'citizenship'),
	('financiële draagkracht', 6, 'financial capacity'),
	('gelijke behandeling', 7, 'equal treatment'),
	('kennis Nederlands', 8, 'knowledge of Dutch');

CREATE TABLE indicator (
	code text PRIMARY KEY,
	sort int NOT NULL,
	label_nl text NOT NULL,
	label_en text NOT NULL,
	goal text NOT NULL REFERENCES goal,
	item smallint NOT NULL REFERENCES question,	-- the statement (respondent.answers[item])
	agree smallint[] NOT NULL,			-- answer codes counted (the collapse)
	collapse text NOT NULL,				-- the collapse in words
	dont_know text NOT NULL DEFAULT 'exclude'	-- code 9 "geen mening / weet niet":
		CHECK (dont_know IN ('exclude', 'include')),	-- exclude: out of the denominator
								-- (its share is reported); include: a "no"
	policy text NOT NULL DEFAULT 'nchs2017',	-- publication policy
	reference_origin text NOT NULL DEFAULT 'BE' REFERENCES origin_group,
	CHECK (agree <@ ARRAY[1, 2, 3, 4, 5]::smallint[]));

INSERT INTO indicator (code, sort, label_nl, label_en, goal, item, agree, collapse) VALUES
	('kansen_werk', 1, 'gelijke kansen op werk', 'equal chances of work',
	 'arbeidsparticipatie', 1, '{4,5}', 'eens (4-5)'),
	('opleiding_keuze', 2, 'kon gewenste opleiding volgen', 'could follow the education wanted',
	 'onderwijsparticipatie', 2, '{4,5}', 'eens (4-5)'),
	('contact_buren', 3, 'regelmatig contact met buren', 'regular contact with neighbours',
	 'sociale en maatschappelijke netwerken', 3, '{4,5}', 'eens (4-5)'),
	('vrienden_divers', 4, 'vrienden van een andere herkomst', 'friends of another origin',
	 'sociale en maatschappelijke netwerken', 4, '{4,5}', 'eens (4-5)'),
	('thuis_buurt', 5, 'voelt zich thuis in de buurt', 'feels at home in the neighbourhood',
	 'verbondenheid', 5, '{4,5}', 'eens (4-5)'),
	('verbonden_vl', 6, 'voelt zich verbonden met Vlaanderen', 'feels connected with Flanders',
	 'verbondenheid', 6, '{4,5}', 'eens (4-5)'),
	('wantrouwen', 7, 'wantrouwen: de meeste mensen zijn niet te vertrouwen', 'distrust: most people cannot be trusted',
	 'verbondenheid', 7, '{1,2}', 'oneens (1-2)'),
	('invloed_gemeente', 8, 'ervaart invloed op de gemeente', 'feels able to influence the municipality',
	 'burgerschap', 8, '{4,5}', 'eens (4-5)'),
	('vertrouwen_bestuur', 9, 'vertrouwen in het gemeentebestuur', 'trust in the municipal government',
	 'burgerschap', 9, '{4,5}', 'eens (4-5)'),
	('rondkomen', 10, 'komt gemakkelijk rond', 'makes ends meet easily',
	 'financiële draagkracht', 10, '{4,5}', 'eens (4-5)'),
	('geldzorgen', 11, 'maakt zich zorgen over geld', 'worries about money',
	 'financiële draagkracht', 11, '{4,5}', 'eens (4-5)'),
	('discriminatie', 12, 'discriminatie omwille van herkomst ervaren', 'experienced discrimination because of origin',
	 'gelijke behandeling', 12, '{4,5}', 'eens (4-5)'),
	('gelijk_behandeld', 13, 'gelijk behandeld door openbare diensten', 'treated equally by public services',
	 'gelijke behandeling', 13, '{4,5}', 'eens (4-5)'),
	('nederlands', 14, 'spreekt vlot Nederlands', 'speaks Dutch fluently',
	 'kennis Nederlands', 14, '{4,5}', 'eens (4-5)');
-- a generated statement (the benchmark's larger questionnaires) becomes an
-- indicator of its own, the goals in turn
INSERT INTO indicator (code, sort, label_nl, label_en, goal, item, agree, collapse)
SELECT q.code, q.item, q.statement_nl, q.statement_en,
       (SELECT code FROM goal WHERE sort = 1 + q.item % 8), q.item, '{4,5}', 'eens (4-5)'
FROM question q WHERE q.item > 14;

-- the breakdowns the dashboard publishes (the finer ones are published only
-- where the publication rule allows)
CREATE TABLE breakdown (
	code text PRIMARY KEY,
	sort int NOT NULL,
	label_nl text NOT NULL,
	label_en text NOT NULL,
	reference text NOT NULL		-- what each level is tested against
		CHECK (reference IN ('origin', 'total', 'none')));
INSERT INTO breakdown VALUES
	('total', 1, 'Vlaams Gewest', 'Flemish Region', 'none'),
	('origin', 2, 'herkomst', 'origin', 'origin'),
	('province', 3, 'provincie', 'province', 'total'),
	('municipality', 4, 'gemeente', 'municipality', 'total'),
	('age', 5, 'leeftijd', 'age', 'total'),
	('sex', 6, 'geslacht', 'sex', 'total'),
	('origin_sex', 7, 'herkomst x geslacht', 'origin x sex', 'origin'),
	('origin_age', 8, 'herkomst x leeftijd', 'origin x age', 'origin'),
	('province_origin', 9, 'provincie x herkomst', 'province x origin', 'origin'),
	('municipality_origin', 10, 'gemeente x herkomst', 'municipality x origin', 'origin');

-------------------------------------------------------------------------------
-- the design columns of the whole sample (per edition: each edition is its
-- own sample; stratum = municipality, PSU = address)
-------------------------------------------------------------------------------
CREATE VIEW respondent_design AS
SELECT r.*, s.n_psu, e.n_sample
FROM respondent r
JOIN (SELECT edition, nis, barometer.psu_count(address) AS n_psu FROM respondent GROUP BY edition, nis) s
	ON s.edition = r.edition AND s.nis = r.nis
JOIN (SELECT edition, count(*) AS n_sample FROM respondent GROUP BY edition) e
	ON e.edition = r.edition;
-- (the same as barometer.psu_count(address) OVER (PARTITION BY edition, nis)
-- and count(*) OVER (PARTITION BY edition), as joins so that the cells can
-- be aggregated by parallel workers)

-------------------------------------------------------------------------------
-- the stored layer: one tally per indicator x edition x municipality x
-- origin x age x sex, with the "geen mening" counts beside it
-------------------------------------------------------------------------------
-- The design enters here and nowhere else: psql variable design = cluster
-- (default: strata = municipalities, PSUs = addresses, R's svydesign(ids =
-- ~address, strata = ~nis, weights = ~w)) or weights (weights only, each
-- cell a domain of its edition's sample: fixed-size tallies, the cheap choice
-- for very large dashboards; see bench/stadsmonitor_run).
\if :{?design}
\else
\set design cluster
\endif
SELECT :'design' = 'weights' AS design_weights, :'design' IN ('cluster', 'weights') AS design_known \gset
\if :design_known
\else
\echo 'design must be cluster or weights'
SELECT 1/0 AS unknown_design;
\endif
\if :design_weights
\else
-- With strata and PSUs the age and sex groups are not tested against the
-- Flemish total: an address's respondents can be of two age groups or
-- sexes, and the covariance of such a part with its whole needs each
-- address's totals in both, which the stored sums do not keep (diff_test
-- 'part' on them would leave that term out).  Their intervals are exact.
UPDATE breakdown SET reference = 'none' WHERE code IN ('age', 'sex');
\endif
-- The answer codes of every indicator, collapsed: row k of agrees maps the
-- answer codes 1-9 of indicator k (catalog order) to TRUE (counted), FALSE
-- or NULL (missing: no answer, and "geen mening" when it is excluded);
-- dont_know maps them to "geen mening" among the answers.
CREATE VIEW indicator_coding AS
SELECT array_agg(i.code ORDER BY i.sort) AS code,
       array_agg(i.item::int ORDER BY i.sort) AS item,
       array_agg(ARRAY(SELECT CASE WHEN c = 9 THEN CASE WHEN i.dont_know = 'include' THEN false END
				   WHEN c <= 5 THEN c = ANY (i.agree) END
		       FROM generate_series(1, 9) AS c ORDER BY c) ORDER BY i.sort) AS agrees,
       array_agg(ARRAY(SELECT CASE WHEN c = 9 THEN true WHEN c <= 5 THEN false END
		       FROM generate_series(1, 9) AS c ORDER BY c) ORDER BY i.sort) AS dont_know
FROM indicator i;

-- (the keys compare bytewise, COLLATE "C": the rollups sort millions of cells)
-- The cells are the groups the published breakdowns roll up from:
-- municipality x origin (cell) and, over all municipalities, origin x age
-- group and origin x sex (cell_part); every level of the dashboard is a
-- merge of one or the other.  One pass over the respondents each, all
-- indicators at once: barometer.recode collapses a respondent's answers
-- into the indicators' values, the array form of the aggregate gives one
-- tally per indicator, each exactly the tally of that indicator alone.  (The
-- lookup arrays come from scalar subqueries, evaluated once: a join would
-- carry them, some 3 kB, in every row the grouping sorts.)
\if :design_weights
-- Weights only: each cell a domain of its edition's sample (fixed-size
-- tallies that merge over any groups).
-- age_group and sex are 'all' in these cells.
CREATE MATERIALIZED VIEW cell AS
WITH g AS (
	SELECT r.edition, r.nis, r.origin,
	       barometer.tally(barometer.recode(r.answers, (SELECT item FROM indicator_coding),
						(SELECT agrees FROM indicator_coding)), r.w, r.n_sample) AS t,
	       barometer.tally(barometer.recode(r.answers, (SELECT item FROM indicator_coding),
						(SELECT dont_know FROM indicator_coding)), r.w, r.n_sample) AS dk
	FROM respondent_design r
	GROUP BY r.edition, r.nis, r.origin
)
SELECT c.code[x.k] COLLATE "C" AS indicator, g.edition, g.nis COLLATE "C" AS nis,
       g.origin COLLATE "C" AS origin, 'all'::text COLLATE "C" AS age_group, 'all'::text COLLATE "C" AS sex,
       x.t,
       -- (weighted "geen mening" = share x weight of the answers)
       coalesce(barometer.estimate(x.dk) * barometer.weighted_n(x.dk), 0) AS w_dont_know,
       barometer.weighted_n(x.dk) AS w_answered
FROM g
CROSS JOIN indicator_coding c
CROSS JOIN LATERAL unnest(g.t, g.dk) WITH ORDINALITY AS x(t, dk, k);

CREATE MATERIALIZED VIEW cell_part AS
WITH g AS (
	SELECT r.edition, r.origin, coalesce(r.age_group, 'all') AS age_group, coalesce(r.sex, 'all') AS sex,
	       barometer.tally(barometer.recode(r.answers, (SELECT item FROM indicator_coding),
						(SELECT agrees FROM indicator_coding)), r.w, r.n_sample) AS t,
	       barometer.tally(barometer.recode(r.answers, (SELECT item FROM indicator_coding),
						(SELECT dont_know FROM indicator_coding)), r.w, r.n_sample) AS dk
	FROM respondent_design r
	GROUP BY r.edition, r.origin, GROUPING SETS ((r.age_group), (r.sex))
)
SELECT c.code[x.k] COLLATE "C" AS indicator, g.edition, 'all'::text COLLATE "C" AS nis,
       g.origin COLLATE "C" AS origin, g.age_group COLLATE "C" AS age_group, g.sex COLLATE "C" AS sex,
       x.t,
       coalesce(barometer.estimate(x.dk) * barometer.weighted_n(x.dk), 0) AS w_dont_know,
       barometer.weighted_n(x.dk) AS w_answered
FROM g
CROSS JOIN indicator_coding c
CROSS JOIN LATERAL unnest(g.t, g.dk) WITH ORDINALITY AS x(t, dk, k)
WITH NO DATA;
\else
-- Strata and PSUs (R's svydesign(ids = ~address, strata = ~nis, weights =
-- ~w)): one pass over the respondents, all indicators at once, as above;
-- barometer.tally_psu_sums keeps each cell's strata as sums of PSU totals
-- (a fixed size per stratum instead of one record per address), exactly
-- the figures of the clustered tally of the cell's rows.  Such sums add
-- only over groups that whole PSUs separate, so the cells are the groups
-- that hold whole addresses: municipality x origin (an address lies in one
-- municipality and has one origin group); the age and sex breakdowns,
-- which split addresses, have their own cells (cell_part: origin x age
-- group, origin x sex) with each address's rows in the group summed before
-- squaring.
-- age_group and sex are 'all' in these cells.
CREATE MATERIALIZED VIEW cell AS
WITH g AS (
	SELECT r.edition, r.nis, r.origin,
	       barometer.tally_psu_sums(barometer.recode(r.answers, (SELECT item FROM indicator_coding),
						(SELECT agrees FROM indicator_coding)), r.w, r.nis, r.address,
					r.n_psu::bigint ORDER BY r.address) AS t,
	       barometer.tally(barometer.recode(r.answers, (SELECT item FROM indicator_coding),
						(SELECT dont_know FROM indicator_coding)), r.w) AS dk
	FROM respondent_design r
	GROUP BY r.edition, r.nis, r.origin
)
SELECT c.code[x.k] COLLATE "C" AS indicator, g.edition, g.nis COLLATE "C" AS nis,
       g.origin COLLATE "C" AS origin, 'all'::text COLLATE "C" AS age_group, 'all'::text COLLATE "C" AS sex,
       x.t,
       coalesce(barometer.estimate(x.dk) * barometer.weighted_n(x.dk), 0) AS w_dont_know,
       barometer.weighted_n(x.dk) AS w_answered
FROM g
CROSS JOIN indicator_coding c
CROSS JOIN LATERAL unnest(g.t, g.dk) WITH ORDINALITY AS x(t, dk, k);

-- the cells of the age and sex breakdowns, which are published for the
-- region only: origin x age group (sex 'all') and origin x sex (age_group
-- 'all') over all municipalities (nis 'all'; each tally keeps the
-- municipalities as its strata)
-- (created empty, its tallies then compressed with lz4 where the server
-- has it: a tally of 300 strata is about 38 kB, and pglz, the default,
-- took as long to compress them as the aggregation took to build them)
CREATE MATERIALIZED VIEW cell_part AS
WITH g AS (
	SELECT r.edition, r.origin, coalesce(r.age_group, 'all') AS age_group, coalesce(r.sex, 'all') AS sex,
	       barometer.tally_psu_sums(barometer.recode(r.answers, (SELECT item FROM indicator_coding),
						(SELECT agrees FROM indicator_coding)), r.w, r.nis, r.address,
					r.n_psu::bigint ORDER BY r.address) AS t,
	       barometer.tally(barometer.recode(r.answers, (SELECT item FROM indicator_coding),
						(SELECT dont_know FROM indicator_coding)), r.w) AS dk
	FROM respondent_design r
	GROUP BY r.edition, r.origin, GROUPING SETS ((r.age_group), (r.sex))
)
SELECT c.code[x.k] COLLATE "C" AS indicator, g.edition, 'all'::text COLLATE "C" AS nis,
       g.origin COLLATE "C" AS origin, g.age_group COLLATE "C" AS age_group, g.sex COLLATE "C" AS sex,
       x.t,
       coalesce(barometer.estimate(x.dk) * barometer.weighted_n(x.dk), 0) AS w_dont_know,
       barometer.weighted_n(x.dk) AS w_answered
FROM g
CROSS JOIN indicator_coding c
CROSS JOIN LATERAL unnest(g.t, g.dk) WITH ORDINALITY AS x(t, dk, k)
WITH NO DATA;
\endif
DO $$
BEGIN
	ALTER MATERIALIZED VIEW cell_part ALTER COLUMN t SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
	NULL;	-- a server built without lz4 keeps pglz
END $$;
REFRESH MATERIALIZED VIEW cell_part;
CREATE UNIQUE INDEX cell_part_key ON cell_part (indicator, edition, nis, origin, age_group, sex);
CREATE UNIQUE INDEX cell_key ON cell (indicator, edition, nis, origin, age_group, sex);

-------------------------------------------------------------------------------
-- every indicator x breakdown x level x edition, rolled up from the cells
-------------------------------------------------------------------------------
CREATE MATERIALIZED VIEW indicator_result AS
-- every level is a merge of cells (cell: municipality x origin; cell_part:
-- origin x age group, origin x sex, all municipalities); with strata and
-- PSUs those are groups that hold whole addresses
WITH merged AS (
	SELECT c.indicator, c.edition,
	       -- GROUPING(...) has a bit set for each column NOT grouped by:
	       -- province 2, origin 1
	       CASE GROUPING(m.province, c.origin)
		       WHEN 3 THEN 'total'
		       WHEN 2 THEN 'origin'
		       WHEN 1 THEN 'province'
		       WHEN 0 THEN 'province_origin' END AS breakdown,
	       CASE WHEN m.province IS NOT NULL THEN 'province' ELSE 'region' END AS geo_level,
	       coalesce(m.province, '02000') AS geo_code,
	       c.origin, NULL::text COLLATE "C" AS age_group, NULL::text COLLATE "C" AS sex,
	       barometer.merge(c.t) AS t,
	       sum(c.w_dont_know) / nullif(sum(c.w_answered), 0) AS dont_know_share
	FROM cell c
	JOIN municipality m ON m.nis = c.nis
	GROUP BY c.indicator, c.edition,
		 GROUPING SETS ((), (c.origin), (m.province), (m.province, c.origin))
	UNION ALL
	SELECT c.indicator, c.edition, 'municipality', 'municipality', c.nis, NULL, NULL, NULL,
	       barometer.merge(c.t),
	       sum(c.w_dont_know) / nullif(sum(c.w_answered), 0)
	FROM cell c
	GROUP BY c.indicator, c.edition, c.nis
	UNION ALL
	-- (a municipality x origin level is a cell)
	SELECT c.indicator, c.edition, 'municipality_origin', 'municipality', c.nis, c.origin, NULL, NULL,
	       c.t, c.w_dont_know / nullif(c.w_answered, 0)
	FROM cell c
	UNION ALL
	SELECT p.indicator, p.edition,
	       CASE WHEN GROUPING(p.origin) = 1 THEN 'age' ELSE 'origin_age' END,
	       'region', '02000', p.origin, p.age_group, NULL,
	       barometer.merge(p.t),
	       sum(p.w_dont_know) / nullif(sum(p.w_answered), 0)
	FROM cell_part p
	WHERE p.age_group <> 'all'
	GROUP BY p.indicator, p.edition, p.age_group, GROUPING SETS ((), (p.origin))
	UNION ALL
	SELECT p.indicator, p.edition,
	       CASE WHEN GROUPING(p.origin) = 1 THEN 'sex' ELSE 'origin_sex' END,
	       'region', '02000', p.origin, NULL, p.sex,
	       barometer.merge(p.t),
	       sum(p.w_dont_know) / nullif(sum(p.w_answered), 0)
	FROM cell_part p
	WHERE p.sex <> 'all'
	GROUP BY p.indicator, p.edition, p.sex, GROUPING SETS ((), (p.origin))
), rolled AS (
	SELECT * FROM merged
), judged AS (
	SELECT r.*,
	       CASE WHEN r.breakdown = 'total' THEN '02000'
		    ELSE concat_ws(' ', CASE WHEN r.geo_level <> 'region' THEN r.geo_code END,
				   r.origin, r.age_group, r.sex) END AS level,
	       st.status, st.reason_en, st.reason_nl, st.policy, st.version AS policy_version,
	       -- what a level is tested against, within its family: the
	       -- reference origin group in the same edition, geography, age
	       -- group and sex (two domains of one sample), or the Flemish total
	       -- that contains it (a part against its whole)
	       CASE WHEN b.reference = 'origin'
		    THEN r.breakdown || ':' || concat_ws(' ', CASE WHEN r.geo_level <> 'region' THEN r.geo_code END,
							 r.age_group, r.sex)
		    WHEN b.reference = 'total' OR r.breakdown = 'total' THEN 'total' END AS family,
	       (b.reference = 'origin' AND r.origin = i.reference_origin) OR r.breakdown = 'total' AS is_reference,
	       CASE b.reference WHEN 'origin' THEN 'domains' WHEN 'total' THEN 'part' END AS relation,
	       e.previous
	FROM rolled r
	JOIN indicator i ON i.code = r.indicator
	JOIN breakdown b ON b.code = r.breakdown
	-- (joined here, before the windows: a join between the two windows
	-- would lose the first one's order, which lets the second sort each
	-- indicator's rows apart)
	JOIN edition e ON e.edition = r.edition
	-- the publication rule, once per row (a function in FROM is called once;
	-- (f(x)).a, (f(x)).b in the select list would call it per field)
	CROSS JOIN LATERAL barometer.publication_status(r.t, i.policy) AS st
), versus_reference AS (
	-- window functions hand the reference's tally to diff_test without
	-- copying it into every row of its family (a join would)
	SELECT j.*,
	       CASE WHEN NOT j.is_reference AND first_value(j.is_reference) OVER w
		    THEN first_value(j.level) OVER w END AS reference,
	       CASE WHEN NOT j.is_reference AND first_value(j.is_reference) OVER w
		    THEN barometer.diff_test(j.t, first_value(j.t) OVER w, j.relation) END AS d_reference,
	       first_value(j.status) OVER w AS reference_status
	FROM judged j
	WINDOW w AS (PARTITION BY j.indicator, j.edition, j.family ORDER BY j.is_reference DESC)
), versus_previous AS (
	-- the previous edition is another sample: independent samples
	SELECT v.*,
	       CASE WHEN lag(v.edition) OVER w = v.previous THEN v.previous END AS previous_edition,
	       CASE WHEN lag(v.edition) OVER w = v.previous
		    THEN barometer.diff_test(v.t, lag(v.t) OVER w, 'independent') END AS d_previous,
	       lag(v.status) OVER w AS previous_status
	FROM versus_reference v
	WINDOW w AS (PARTITION BY v.indicator, v.breakdown, v.level ORDER BY v.edition)
)
SELECT x.indicator, x.edition, x.breakdown, x.level,
       x.geo_level, x.geo_code, x.origin, x.age_group, x.sex,
       f.estimate, f.se, f.ci_lower, f.ci_upper, f.n, f.n_missing, f.weighted_n, f.deff, f.df,
       x.dont_know_share,
       x.status, x.reason_nl, x.reason_en, x.policy, x.policy_version,
       x.reference,
       (x.d_reference).difference AS diff_reference, (x.d_reference).p_value AS p_reference,
       CASE WHEN x.reference IS NOT NULL
	    THEN barometer.significance(x.d_reference, 0.95, x.status, x.reference_status) END AS vs_reference,
       x.previous_edition,
       (x.d_previous).difference AS change, (x.d_previous).p_value AS p_previous,
       CASE WHEN x.previous_edition IS NOT NULL
	    THEN barometer.significance(x.d_previous, 0.95, x.status, x.previous_status) END AS vs_previous
FROM versus_previous x
CROSS JOIN LATERAL barometer.report(x.t) AS f;

CREATE UNIQUE INDEX indicator_result_key ON indicator_result (indicator, edition, breakdown, level);
CREATE INDEX ON indicator_result (indicator, breakdown, edition);

-------------------------------------------------------------------------------
-- what the dashboard (and any BI tool) reads: labels, and no figure of a
-- suppressed cell (status and reason stay, so the reader sees why)
-------------------------------------------------------------------------------
CREATE VIEW dashboard AS
SELECT r.indicator, i.label_nl AS indicator_nl, i.label_en AS indicator_en, i.goal,
       r.edition, r.breakdown, r.level,
       concat_ws(' · ', CASE r.geo_level WHEN 'municipality' THEN m.name_nl
					 WHEN 'province' THEN p.name_nl
					 ELSE CASE WHEN r.breakdown = 'total' THEN g.name_nl END END,
		 o.label_nl, a.label_nl, x.label_nl) AS level_nl,
       concat_ws(' · ', CASE r.geo_level WHEN 'municipality' THEN m.name_nl
					 WHEN 'province' THEN p.name_en
					 ELSE CASE WHEN r.breakdown = 'total' THEN g.name_en END END,
		 o.label_en, a.label_en, x.label_en) AS level_en,
       r.geo_level, r.geo_code, r.origin, r.age_group, r.sex,
       CASE WHEN r.status <> 'suppress' THEN r.estimate END AS estimate,
       CASE WHEN r.status <> 'suppress' THEN r.ci_lower END AS ci_lower,
       CASE WHEN r.status <> 'suppress' THEN r.ci_upper END AS ci_upper,
       r.n,
       CASE WHEN r.status <> 'suppress' THEN r.dont_know_share END AS dont_know_share,
       r.status, r.reason_nl, r.reason_en, r.policy,
       r.reference,
       r.vs_reference,
       CASE WHEN r.vs_reference <> 'hidden' THEN r.p_reference END AS p_reference,
       r.previous_edition,
       r.vs_previous,
       CASE WHEN r.vs_previous <> 'hidden' THEN r.change END AS change,
       CASE WHEN r.vs_previous <> 'hidden' THEN r.p_previous END AS p_previous
FROM indicator_result r
JOIN indicator i ON i.code = r.indicator
LEFT JOIN municipality m ON r.geo_level = 'municipality' AND m.nis = r.geo_code
LEFT JOIN province p ON r.geo_level = 'province' AND p.code = r.geo_code
LEFT JOIN region g ON g.code = r.geo_code
LEFT JOIN origin_group o ON o.code = r.origin
LEFT JOIN age_group a ON a.code = r.age_group
LEFT JOIN sex x ON x.code = r.sex;

-------------------------------------------------------------------------------
-- refresh: the stored cells from the microdata, then everything above them,
-- in one transaction, so readers switch from the old figures to the new ones
-- at once.  concurrent (default): the dashboard (indicator_result) refreshes
-- CONCURRENTLY and its readers never wait; the cells, which only the refresh
-- and analysts read, refresh plainly (faster: a concurrent refresh diffs
-- millions of stored tallies) unless cells_concurrent.  Not concurrent:
-- both plainly, the fastest, and readers wait until it commits.
-------------------------------------------------------------------------------
-- the stored cells (and, with strata and PSUs, those of the age and sex
-- breakdowns)
CREATE FUNCTION refresh_cells(concurrent boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql
SET work_mem = '512MB' SET jit = off AS $$
BEGIN
	IF concurrent THEN
		REFRESH MATERIALIZED VIEW CONCURRENTLY cell;
	ELSE
		REFRESH MATERIALIZED VIEW cell;
	END IF;
	IF to_regclass('cell_part') IS NOT NULL THEN
		IF concurrent THEN
			REFRESH MATERIALIZED VIEW CONCURRENTLY cell_part;
		ELSE
			REFRESH MATERIALIZED VIEW cell_part;
		END IF;
	END IF;
END $$;

CREATE FUNCTION refresh_dashboard(concurrent boolean DEFAULT true, cells_concurrent boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql
SET work_mem = '512MB' SET jit = off AS $$
BEGIN
	PERFORM refresh_cells(concurrent AND cells_concurrent);
	IF concurrent THEN
		REFRESH MATERIALIZED VIEW CONCURRENTLY indicator_result;
	ELSE
		REFRESH MATERIALIZED VIEW indicator_result;
	END IF;
END $$;

-------------------------------------------------------------------------------
-- register indicators by municipality x detailed origin x sex (counts, no
-- sampling error): employment and unemployment rates
-------------------------------------------------------------------------------
-- the register rule: barometer.count_status with the threshold of 10
-- persons used in some Dutch monitors (policy count_threshold_10)
CREATE VIEW register_indicator AS
SELECT c.year, c.nis, m.name_nl AS municipality, c.origin_detail, d.label_nl AS origin_nl, c.sex,
       c.population, c.employed, c.unemployed,
       c.employed::float8 / nullif(c.population, 0) AS employment_rate,
       c.unemployed::float8 / nullif(c.employed + c.unemployed, 0) AS unemployment_rate,
       s.status, s.reason_nl, s.reason_en
FROM register_count c
JOIN municipality m ON m.nis = c.nis
JOIN origin_detail d ON d.code = c.origin_detail
CROSS JOIN LATERAL barometer.count_status(c.population, NULL, 'count_threshold_10') AS s;

ANALYZE cell;
ANALYZE cell_part;
ANALYZE indicator_result;
