-- the estimators of a declared design: tally_ratio(y, x, handle),
-- quantile(y, handle, p [, level]) and distribution(item, categories,
-- excluded, handle) equal the explicit forms bit for bit (the stored value
-- or the composite's text, and the float8 bits of estimate, variance, df
-- and interval) for every design kind, under GROUP BY, GROUPING SETS and a
-- WHERE on the view (the domain rule by construction); parallel = serial;
-- mixed designs, partitions, stale and NULL handles are errors
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(196);

-- the data of 39_declared_design.sql, smaller, with a denominator x and an
-- item with a "geen mening" (9): two editions (separate samples); 6
-- strata of 5 PSUs of 3 SSUs, except stratum 5 of 2021, one PSU (lonely)
CREATE TABLE resp AS
SELECT i AS id,
       2020 + i % 2 AS edition,
       (i / 2) % 6 AS stratum,
       CASE WHEN (i / 2) % 6 = 5 AND i % 2 = 1 THEN 50 ELSE ((i / 2) % 6) * 10 + (i / 12) % 5 END AS psu,
       (i / 60) % 3 AS ssu,
       ((i * 2654435761) % 1013) % 5 AS origin,
       (i * 31) % 3 AS region,
       CASE WHEN i % 29 = 0 THEN NULL ELSE ((i * 40499) % 101) / 7.0 + (i / 2) % 6 END AS q,
       CASE WHEN i % 31 = 0 THEN NULL ELSE 1 + ((i * 48271) % 13) / 4.0 END AS x,
       CASE WHEN i % 37 = 0 THEN NULL WHEN i % 11 = 0 THEN 9 ELSE 1 + ((i * 2654435761) % 1000) / 200 END::int AS item,
       0.5 + ((i * 40503) % 997) / 199.4 AS w,
       0.05 + ((i / 2) % 6) / 100.0 AS fpc_frac,
       20 + (i / 2) % 6 AS fpc_psu,
       6 AS fpc_ssu,
       ARRAY[(0.5 + ((i * 40503) % 997) / 199.4) * (1 + ((i * 3) % 7 - 3) / 10.0),
             (0.5 + ((i * 40503) % 997) / 199.4) * (1 + ((i * 5) % 7 - 3) / 10.0),
             (0.5 + ((i * 40503) % 997) / 199.4) * (1 + ((i * 11) % 7 - 3) / 10.0),
             (0.5 + ((i * 40503) % 997) / 199.4) * (1 + ((i * 13) % 7 - 3) / 10.0)]::float8[] AS repw
FROM generate_series(1, 2400) AS i;
ALTER TABLE resp ADD COLUMN repw4 real[];
UPDATE resp SET repw4 = repw::real[];
ALTER TABLE resp SET (parallel_workers = 2);
ANALYZE resp;

-- the declared designs, one per kind, all with partition_by edition
DO $d$ BEGIN PERFORM barometer.declare_design('d_w', 'resp', weights => 'w', partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_s', 'resp', weights => 'w', strata => 'stratum', fpc => 'fpc_frac',
	partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_f', 'resp', weights => 'w', fpc => '0.05', partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_c', 'resp', weights => 'w', strata => 'stratum', psu => 'psu',
	fpc => 'fpc_psu', lonely_psu => 'adjust', partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_p', 'resp', weights => 'w', psu => 'psu', partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_2', 'resp', weights => 'w', strata => 'stratum', psu => 'psu',
	fpc => 'fpc_psu', ssu => 'ssu', fpc2 => 'fpc_ssu', lonely_psu => 'remove',
	partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_r', 'resp', weights => 'w', repweights => 'repw',
	replicates => barometer.replicates('jk1'), partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_r4', 'resp', weights => 'w', repweights => 'repw4',
	replicates => barometer.replicates('fay', rho => 0.5, mse => true), partition_by => ARRAY['edition']); END $d$;
DO $d$ BEGIN PERFORM barometer.declare_design('d_m', 'resp', weights => 'w', strata => 'stratum', psu => 'psu',
	fpc => 'fpc_psu', lonely_psu => 'adjust', partition_by => ARRAY['edition'], materialized => true); END $d$;

-- the explicit forms, with the windows over the whole sample (rows in the
-- declared view's order: PSU by PSU)
CREATE VIEW e_w AS SELECT r.*, count(*) OVER (PARTITION BY r.edition) AS n_sample FROM resp r;
CREATE VIEW e_s AS SELECT r.*, count(*) OVER (PARTITION BY r.edition, r.stratum) AS n_stratum FROM resp r;
CREATE VIEW e_f AS SELECT r.*, count(*) OVER (PARTITION BY r.edition) AS n_stratum FROM resp r;
CREATE VIEW e_c AS SELECT r.*, barometer.psu_count(r.psu) OVER (PARTITION BY r.edition, r.stratum ORDER BY r.psu
	ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_psu FROM resp r;
CREATE VIEW e_p AS SELECT r.*, barometer.psu_count(r.psu) OVER (PARTITION BY r.edition ORDER BY r.psu
	ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_psu FROM resp r;
CREATE VIEW e_2 AS SELECT r.*, barometer.psu_count(r.psu) OVER (PARTITION BY r.edition, r.stratum ORDER BY r.psu, r.ssu
	ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_psu,
	barometer.psu_count(r.ssu) OVER (PARTITION BY r.edition, r.stratum, r.psu ORDER BY r.ssu
	ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_ssu FROM resp r;
CREATE TABLE e_m AS SELECT * FROM e_c;

-- the design kinds: declared view, explicit relation, and the explicit
-- arguments after the variable(s) of each estimator
CREATE TEMP TABLE kinds (ord int, dv text, ev text, what text, ratio text, quant text, distr text);
INSERT INTO kinds VALUES
 (1, 'd_w', 'e_w', 'weights only',
	'barometer.tally_ratio($y, $x, w, n_sample)', 'barometer.quantile($y, w, n_sample, $p)',
	'barometer.distribution($i, w, n_sample)'),
 (2, 'd_s', 'e_s', 'stratified with fpc',
	'barometer.tally_ratio_stratified($y, $x, w, stratum, n_stratum, fpc_frac, ''fail'')',
	'barometer.quantile_stratified($y, w, stratum, n_stratum, fpc_frac, ''fail'', $p)',
	'barometer.distribution_stratified($i, w, stratum, n_stratum, fpc_frac, ''fail'')'),
 (3, 'd_f', 'e_f', 'fpc without strata',
	'barometer.tally_ratio_stratified($y, $x, w, 1, n_stratum, 0.05)',
	'barometer.quantile_stratified($y, w, 1, n_stratum, 0.05, $p)',
	'barometer.distribution_stratified($i, w, 1, n_stratum, 0.05)'),
 (4, 'd_c', 'e_c', 'strata, PSUs, fpc, lonely adjust',
	'barometer.tally_ratio($y, $x, w, stratum, psu, n_psu, fpc_psu, ''adjust'')',
	'barometer.quantile($y, w, stratum, psu, n_psu, fpc_psu, ''adjust'', $p)',
	'barometer.distribution($i, w, stratum, psu, n_psu, fpc_psu, ''adjust'')'),
 (5, 'd_p', 'e_p', 'PSUs without strata',
	'barometer.tally_ratio($y, $x, w, 1, psu, n_psu, NULL)',
	'barometer.quantile($y, w, 1, psu, n_psu, NULL, $p)',
	'barometer.distribution($i, w, 1, psu, n_psu, NULL)'),
 (6, 'd_2', 'e_2', 'two stages, fpc at both',
	'barometer.tally_ratio($y, $x, w, stratum, psu, n_psu, fpc_psu, ssu, n_ssu, fpc_ssu, ''remove'')',
	'barometer.quantile($y, w, stratum, psu, n_psu, fpc_psu, ssu, n_ssu, fpc_ssu, ''remove'', $p)',
	'barometer.distribution($i, w, stratum, psu, n_psu, fpc_psu, ssu, n_ssu, fpc_ssu, ''remove'')'),
 (7, 'd_r', 'resp', 'replicate weights jk1',
	'barometer.tally_ratio($y, $x, w, repw, barometer.replicates(''jk1''))',
	'barometer.quantile($y, w, repw, barometer.replicates(''jk1''), $p)',
	'barometer.distribution($i, w, repw, barometer.replicates(''jk1''))'),
 (8, 'd_r4', 'resp', 'replicate weights real[], Fay',
	'barometer.tally_ratio($y, $x, w, repw4, barometer.replicates(''fay'', rho => 0.5, mse => true))',
	'barometer.quantile($y, w, repw4, barometer.replicates(''fay'', rho => 0.5, mse => true), $p)',
	'barometer.distribution($i, w, repw4, barometer.replicates(''fay'', rho => 0.5, mse => true))'),
 (9, 'd_m', 'e_m', 'materialized design',
	'barometer.tally_ratio($y, $x, w, stratum, psu, n_psu, fpc_psu, ''adjust'')',
	'barometer.quantile($y, w, stratum, psu, n_psu, fpc_psu, ''adjust'', $p)',
	'barometer.distribution($i, w, stratum, psu, n_psu, fpc_psu, ''adjust'')');

-- the float8 bits of an array
CREATE FUNCTION pg_temp.float8send_array(a float8[]) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
	SELECT string_agg(float8send(v), ''::bytea ORDER BY o) FROM unnest(a) WITH ORDINALITY u(v, o)
$$;

-- cells of a declared query qd and an explicit query qe (columns k, t),
-- and those that differ: the value's text (a composite's text has every
-- float8 in its shortest exact form) and, for a tally, its binary form
-- and the float8 bits of its readers
CREATE FUNCTION pg_temp.diffs(qd text, qe text, is_tally boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE format($q$
		SELECT format('%%s cells, %%s differ', count(*), count(*) FILTER (WHERE
			d.t IS NULL OR e.t IS NULL OR d.t::text <> e.t::text %s))
		FROM (%s) d FULL JOIN (%s) e ON d.k = e.k$q$,
		CASE WHEN is_tally THEN $c$
			OR barometer.tally_send(d.t) <> barometer.tally_send(e.t)
			OR float8send(barometer.estimate(d.t)) <> float8send(barometer.estimate(e.t))
			OR float8send(barometer.variance(d.t)) IS DISTINCT FROM float8send(barometer.variance(e.t))
			OR float8send(barometer.se(d.t)) IS DISTINCT FROM float8send(barometer.se(e.t))
			OR float8send(barometer.df(d.t)) IS DISTINCT FROM float8send(barometer.df(e.t))
			OR float8send(barometer.ci_lower(d.t, 0.95, 'mean')) IS DISTINCT FROM float8send(barometer.ci_lower(e.t, 0.95, 'mean'))
			OR float8send(barometer.ci_upper(d.t, 0.95, 'mean')) IS DISTINCT FROM float8send(barometer.ci_upper(e.t, 0.95, 'mean'))$c$
		ELSE '' END, qd, qe) INTO r;
	RETURN r;
END $$;

-- four queries per design: by edition x origin, GROUPING SETS, a WHERE on
-- the view, and a second variable; agg_d / agg_e: the declared and
-- explicit calls with $v1 / $v2 for the variables
CREATE FUNCTION pg_temp.check_kind(dv text, ev text, agg_d text, agg_e text, v1 text, v2 text,
	is_tally boolean, what text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	qs text[] := ARRAY[
		'SELECT concat_ws(''/'', edition, origin) AS k, $agg1 AS t FROM $rel GROUP BY edition, origin',
		'SELECT concat_ws(''/'', GROUPING(edition, origin, region), edition, origin, region) AS k, $agg1 AS t FROM $rel GROUP BY GROUPING SETS ((edition, origin), (edition, region), (edition))',
		'SELECT concat_ws(''/'', edition, region) AS k, $agg1 AS t FROM $rel WHERE origin <> 3 AND id % 7 <> 0 GROUP BY edition, region',
		'SELECT concat_ws(''/'', edition, region) AS k, $agg2 AS t FROM $rel GROUP BY edition, region'];
	cells int[] := ARRAY[10, 18, 6, 6];
	names text[] := ARRAY['by edition x origin', 'GROUPING SETS', 'WHERE on the view', 'another variable'];
	i int;
BEGIN
	FOR i IN 1 .. 4 LOOP
		RETURN NEXT is(pg_temp.diffs(
			replace(replace(replace(qs[i], '$agg1', replace(agg_d, '$v', v1)), '$agg2', replace(agg_d, '$v', v2)), '$rel', dv),
			replace(replace(replace(qs[i], '$agg1', replace(agg_e, '$v', v1)), '$agg2', replace(agg_e, '$v', v2)), '$rel', ev),
			is_tally),
			format('%s cells, 0 differ', cells[i]),
			format('%s: declared = explicit bit for bit, %s', what, names[i]));
	END LOOP;
END $$;

-- 1. tally_ratio(y, x, design)
SELECT pg_temp.check_kind(dv, ev, 'barometer.tally_ratio($v, design)',
	replace(ratio, '$y, $x', '$v'), 'q, x', 'x, q + 1', true, 'ratio, ' || what)
FROM kinds ORDER BY ord;

-- the domain rule by construction: a WHERE on the view is a domain of the
-- whole sample, as the explicit domain form over the whole sample
SELECT is((SELECT barometer.tally_ratio(q, x, design)::text FROM d_c WHERE edition = 2020 AND origin = 1),
	(SELECT barometer.tally_ratio(q, x, w, stratum, psu, n_psu, fpc_psu, 'adjust')::text FROM e_c
	 WHERE edition = 2020 GROUP BY origin HAVING origin = 1),
	'ratio: a WHERE on the view gives the explicit domain form over the whole sample, bit for bit');
SELECT is((SELECT float8send(barometer.se(barometer.tally_ratio(q, x, design))) FROM d_2 WHERE edition = 2021 AND region = 2 AND origin < 3),
	(SELECT float8send(barometer.se(barometer.tally_ratio(q, x, w, stratum, psu, n_psu, fpc_psu, ssu, n_ssu, fpc_ssu, 'remove')))
	 FROM e_2 WHERE edition = 2021 GROUP BY region, origin < 3 HAVING region = 2 AND origin < 3),
	'ratio: the SE of a filtered two-stage domain is the explicit domain SE');
CREATE VIEW resp_o1 AS SELECT * FROM resp WHERE origin = 1 AND psu % 10 <> 4;
DO $d$ BEGIN PERFORM barometer.declare_design('d_o1', 'resp_o1', weights => 'w', strata => 'stratum', psu => 'psu',
	fpc => 'fpc_psu', lonely_psu => 'adjust', partition_by => ARRAY['edition']); END $d$;
SELECT ok((SELECT barometer.se(barometer.tally_ratio(q, x, design)) FROM d_c WHERE edition = 2020 AND origin = 1 AND psu % 10 <> 4)
	<> (SELECT barometer.se(barometer.tally_ratio(q, x, design)) FROM d_o1 WHERE edition = 2020),
	'ratio: a design declared on filtered rows (PSUs left out) is another sample (another standard error)');
SELECT ok(count(*) = 10 AND min(barometer.se(t)) > 0 AND count(DISTINCT barometer.se(t)) = 10
	AND min(barometer.estimate(t)) > 0,
	'ratio: the clustered cells have 10 distinct positive standard errors')
FROM (SELECT barometer.tally_ratio(q, x, design) AS t FROM d_c GROUP BY edition, origin) s;
SELECT ok((SELECT abs(barometer.estimate(barometer.tally_ratio(q, x, design)) - (sum(w * q) / sum(w * x))::float8)
	<= 1e-14 * (sum(w * q) / sum(w * x))::float8 FROM d_s WHERE edition = 2020 AND q IS NOT NULL AND x IS NOT NULL),
	'ratio: the estimate is sum w y / sum w x over the rows with both (1e-14)');
SELECT is((SELECT barometer.n(barometer.tally_ratio(q, x, design)) FROM d_r WHERE edition = 2021),
	(SELECT count(*) FROM resp WHERE edition = 2021 AND q IS NOT NULL AND x IS NOT NULL),
	'ratio: n counts the rows with both y and x');
SELECT throws_ok($$SELECT barometer.tally_ratio(q, -x, design) FROM d_c WHERE edition = 2020$$, '22023',
	'the denominator x of a ratio must not be negative', 'ratio: a negative x is an error, as in the explicit form');

-- parallel = serial (materialized design, Partial Aggregate), and a mix of
-- partitions is refused when partial states are combined
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
	RETURN acc;
END $$;
CREATE FUNCTION pg_temp.parallel_on() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	SET LOCAL max_parallel_workers_per_gather = 2;
	SET LOCAL parallel_setup_cost = 0;
	SET LOCAL parallel_tuple_cost = 0;
	SET LOCAL min_parallel_table_scan_size = 0;
	SET LOCAL enable_hashagg = off;
END $$;
CREATE FUNCTION pg_temp.parallel_off() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	SET LOCAL max_parallel_workers_per_gather = 0;
	RESET enable_hashagg;
END $$;
SELECT pg_temp.parallel_off();
CREATE TEMP TABLE ser_ratio AS SELECT edition, origin, barometer.tally_ratio(q, x, design) AS t FROM d_m GROUP BY edition, origin;
SELECT pg_temp.parallel_on();
SELECT matches(pg_temp.plan_of('SELECT edition, origin, barometer.tally_ratio(q, x, design) FROM d_m GROUP BY edition, origin'),
	'Partial (Group)?Aggregate', 'ratio: the declared ratio runs as a Partial Aggregate');
CREATE TEMP TABLE par_ratio AS SELECT edition, origin, barometer.tally_ratio(q, x, design) AS t FROM d_m GROUP BY edition, origin;
SELECT throws_ok('SELECT origin, barometer.tally_ratio(q, x, design) FROM d_m GROUP BY origin', '22023',
	'a tally cannot mix rows of separate samples of a declared design',
	'ratio: mixed editions are refused in a parallel plan too');
SELECT pg_temp.parallel_off();
SELECT is((SELECT count(*) FROM ser_ratio s JOIN par_ratio p USING (edition, origin)
	WHERE barometer.estimate(s.t) = barometer.estimate(p.t)
	  AND abs(barometer.se(s.t) - barometer.se(p.t)) <= 1e-12 * barometer.se(s.t)
	  AND barometer.df(s.t) = barometer.df(p.t)), 10::bigint,
	'ratio: parallel = serial (estimate and df equal, se rel 1e-12)');

-- 2. quantile(y, design, p) and quantile(y, design, p[], level)
SELECT pg_temp.check_kind(dv, ev, 'barometer.quantile($v, design, 0.5)',
	replace(replace(quant, '$y', '$v'), '$p', '0.5'), 'q', 'x', false, 'median, ' || what)
FROM kinds ORDER BY ord;
SELECT pg_temp.check_kind(dv, ev, 'barometer.quantile($v, design, ARRAY[0.1, 0.25, 0.75], 0.9)',
	replace(replace(quant, '$y', '$v'), '$p', 'ARRAY[0.1, 0.25, 0.75], 0.9'), 'q', 'x', false, 'quartiles at 90%, ' || what)
FROM kinds ORDER BY ord;
SELECT is((SELECT barometer.quantile(q, design, 0.5)::text FROM d_2 WHERE edition = 2021 AND region = 2 AND origin < 3),
	(SELECT barometer.quantile(q, w, stratum, psu, n_psu, fpc_psu, ssu, n_ssu, fpc_ssu, 'remove', 0.5)::text
	 FROM e_2 WHERE edition = 2021 GROUP BY region, origin < 3 HAVING region = 2 AND origin < 3),
	'median: a WHERE on the view gives the explicit domain form over the whole sample');
SELECT ok(count(*) = 10 AND min((m).se) > 0 AND count(DISTINCT (m).se) > 5 AND min((m).df) > 0
	AND bool_and((m).ci_lower < (m).estimate AND (m).estimate < (m).ci_upper),
	'median: the clustered cells have positive SEs and intervals around the estimate')
FROM (SELECT barometer.quantile(q, design, 0.5) AS m FROM d_c GROUP BY edition, origin) s;
SELECT is((SELECT (barometer.quantile(q, design, 0.5)).n FROM d_r4 WHERE edition = 2020),
	(SELECT count(q) FROM resp WHERE edition = 2020), 'median: n counts the rows with a value');
SELECT pg_temp.parallel_off();
CREATE TEMP TABLE ser_q AS SELECT edition, origin, barometer.quantile(q, design, ARRAY[0.25, 0.5], 0.95) AS t FROM d_m GROUP BY edition, origin;
SELECT pg_temp.parallel_on();
SELECT matches(pg_temp.plan_of('SELECT edition, origin, barometer.quantile(q, design, ARRAY[0.25, 0.5], 0.95) FROM d_m GROUP BY edition, origin'),
	'Partial (Group)?Aggregate', 'quantile: the declared quantile runs as a Partial Aggregate');
CREATE TEMP TABLE par_q AS SELECT edition, origin, barometer.quantile(q, design, ARRAY[0.25, 0.5], 0.95) AS t FROM d_m GROUP BY edition, origin;
SELECT throws_ok('SELECT origin, barometer.quantile(q, design, 0.5) FROM d_m GROUP BY origin', '22023',
	'a tally cannot mix rows of separate samples of a declared design',
	'quantile: mixed editions are refused in a parallel plan too');
SELECT pg_temp.parallel_off();
SELECT is((SELECT count(*) FROM ser_q s JOIN par_q p USING (edition, origin)
	WHERE s.t[1].estimate = p.t[1].estimate AND s.t[2].estimate = p.t[2].estimate
	  AND abs(s.t[2].se - p.t[2].se) <= 1e-12 * s.t[2].se AND s.t[2].df = p.t[2].df), 10::bigint,
	'quantile: parallel = serial (estimate and df equal, se rel 1e-12)');

-- 3. distribution(item, categories, excluded, design): "geen mening" (9)
-- excluded from the denominator, or counted as a category
SELECT pg_temp.check_kind(dv, ev, 'barometer.distribution($v, design)',
	replace(distr, '$i', '$v'), 'item, ARRAY[1, 2, 3, 4, 5], ARRAY[9]', 'item, ARRAY[5, 4, 3, 2, 1, 9], NULL::integer[]',
	false, 'distribution, ' || what)
FROM kinds ORDER BY ord;
SELECT is((SELECT count(*) FROM
	(SELECT edition, region, barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design) AS d FROM d_2 GROUP BY 1, 2) x
	JOIN (SELECT edition, region, barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], w, stratum, psu, n_psu, fpc_psu,
		ssu, n_ssu, fpc_ssu, 'remove') AS d FROM e_2 GROUP BY 1, 2) y USING (edition, region)
	WHERE barometer.distribution_send(x.d) = barometer.distribution_send(y.d)
	  AND pg_temp.float8send_array(barometer.vcov(x.d)) = pg_temp.float8send_array(barometer.vcov(y.d))), 6::bigint,
	'distribution: the binary forms and the covariance matrices are equal, two stages');
SELECT is((SELECT barometer.category(barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design), 3)::text
	FROM d_c WHERE edition = 2021 AND region = 1),
	(SELECT barometer.tally(CASE WHEN item BETWEEN 1 AND 5 THEN item = 3 END, design)::text
	 FROM d_c WHERE edition = 2021 AND region = 1),
	'distribution: a category is the declared tally of its indicator (the other answers missing)');
SELECT is((SELECT barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design)::text FROM d_r WHERE edition = 2020 AND origin = 2),
	(SELECT barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], w, repw, barometer.replicates('jk1'))::text
	 FROM resp WHERE edition = 2020 GROUP BY origin HAVING origin = 2),
	'distribution: a WHERE on the view gives the explicit domain form (replicate weights)');
SELECT ok(count(*) = 10 AND bool_and(v[1][1] > 0 AND v[1][2] < 0 AND v[5][5] > 0),
	'distribution: positive variances and negative covariances of the categories')
FROM (SELECT barometer.vcov(barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design)) AS v
	FROM d_c GROUP BY edition, origin) s;
SELECT throws_ok($$SELECT barometer.distribution(item, ARRAY[1, 2, 3, 4], ARRAY[9], design) FROM d_c WHERE edition = 2020$$,
	'22023', 'item value 5 is not a category of the distribution', 'distribution: an item value in neither list, as in the explicit form');
SELECT pg_temp.parallel_off();
CREATE TEMP TABLE ser_d AS SELECT edition, origin, barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design) AS t FROM d_m GROUP BY edition, origin;
SELECT pg_temp.parallel_on();
SELECT matches(pg_temp.plan_of('SELECT edition, origin, barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design) FROM d_m GROUP BY edition, origin'),
	'Partial (Group)?Aggregate', 'distribution: the declared distribution runs as a Partial Aggregate');
CREATE TEMP TABLE par_d AS SELECT edition, origin, barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design) AS t FROM d_m GROUP BY edition, origin;
SELECT throws_ok('SELECT origin, barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design) FROM d_m GROUP BY origin', '22023',
	'a tally cannot mix rows of separate samples of a declared design',
	'distribution: mixed editions are refused in a parallel plan too');
SELECT pg_temp.parallel_off();
SELECT is((SELECT count(*) FROM ser_d s JOIN par_d p USING (edition, origin)
	WHERE barometer.estimates(s.t) = barometer.estimates(p.t)
	  AND (SELECT bool_and(abs(a - b) <= 1e-12 * greatest(abs(a), 1e-300)) FROM unnest(barometer.vcov(s.t), barometer.vcov(p.t)) u(a, b))),
	10::bigint, 'distribution: parallel = serial (estimates equal, covariances rel 1e-12)');

-- 5. against R survey 4.1.1 (test/fixtures/make_declared_estimators_fixtures.R):
-- svyratio, svyquantile and svymean(~factor(trust)) of the whole edition and
-- of each origin (a domain), for a weights-only, a stratified (fpc), a
-- clustered and a replicate (JK1) declared design, relative 1e-9
CREATE TABLE fx (id int, edition int, stratum int, psu int, origin text, w float8, income float8,
	persons float8, trust int, fpc_s float8, repw float8[]);
\copy fx FROM 'test/fixtures/declared_est_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TEMP TABLE fx_expected (kind text, edition int, domain text, stat text, p float8, quantity text, value float8);
\copy fx_expected FROM 'test/fixtures/declared_est_expected.csv' WITH (FORMAT csv, HEADER true)
DO $d$ BEGIN
	PERFORM barometer.declare_design('fx_weights', 'fx', weights => 'w', partition_by => ARRAY['edition']);
	PERFORM barometer.declare_design('fx_strat', 'fx', weights => 'w', strata => 'stratum', fpc => 'fpc_s',
		partition_by => ARRAY['edition']);
	PERFORM barometer.declare_design('fx_clus', 'fx', weights => 'w', strata => 'stratum', psu => 'psu',
		partition_by => ARRAY['edition']);
	PERFORM barometer.declare_design('fx_rep', 'fx', weights => 'w', repweights => 'repw',
		replicates => barometer.replicates('jk1'), partition_by => ARRAY['edition']);
END $d$;
CREATE TEMP TABLE fx_got (kind text, edition int, domain text, stat text, p float8, quantity text, value float8);
DO $d$
DECLARE k text;
BEGIN
	FOREACH k IN ARRAY ARRAY['weights', 'strat', 'clus', 'rep'] LOOP
		EXECUTE format($q$
			INSERT INTO fx_got
			SELECT %1$L, edition, coalesce(origin, ''), 'ratio', NULL, v.quantity, v.value
			FROM (SELECT edition, origin, barometer.tally_ratio(income, persons, design) AS t
				  FROM fx_%1$s GROUP BY GROUPING SETS ((edition), (edition, origin))) s,
				LATERAL (VALUES ('estimate', barometer.estimate(t)), ('se', barometer.se(t)), ('df', barometer.df(t))) v(quantity, value)
			UNION ALL
			SELECT %1$L, edition, coalesce(origin, ''), 'quantile', (q).p, v.quantity, v.value
			FROM (SELECT edition, origin, unnest(barometer.quantile(income, design, ARRAY[0.25, 0.5, 0.75], 0.95)) AS q
				  FROM fx_%1$s GROUP BY GROUPING SETS ((edition), (edition, origin))) s,
				LATERAL (VALUES ('estimate', (q).estimate), ('se', (q).se), ('ci_lower', (q).ci_lower),
					('ci_upper', (q).ci_upper)) v(quantity, value)
			UNION ALL
			SELECT %1$L, edition, coalesce(origin, ''), 'quantile', NULL, 'df', (barometer.quantile(income, design, 0.5)).df
			FROM fx_%1$s GROUP BY GROUPING SETS ((edition), (edition, origin))
			UNION ALL
			SELECT %1$L, edition, coalesce(origin, ''), 'category', r.category, v.quantity, v.value
			FROM (SELECT edition, origin, barometer.distribution(trust, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design) AS d
				  FROM fx_%1$s GROUP BY GROUPING SETS ((edition), (edition, origin))) s,
				LATERAL barometer.report(d) r,
				LATERAL (VALUES ('estimate', r.estimate), ('se', r.se)) v(quantity, value)$q$, k);
	END LOOP;
END $d$;
SELECT is((SELECT count(*) FROM fx_expected e JOIN fx_got g USING (kind, edition, domain, stat, quantity)
	WHERE e.p IS NOT DISTINCT FROM g.p
	  AND abs(g.value - e.value) <= 1e-9 * abs(e.value) + 1e-300),
	(SELECT count(*) FROM fx_expected),
	'R: every ratio, quantile and category estimate, se, interval and df of the four declared designs within 1e-9 (relative)');
SELECT diag('largest relative difference from R: ' || (SELECT max(abs(g.value / e.value - 1))
	FROM fx_expected e JOIN fx_got g USING (kind, edition, domain, stat, quantity)
	WHERE e.p IS NOT DISTINCT FROM g.p AND e.value <> 0));
SELECT is((SELECT count(*) FROM fx_expected WHERE stat = 'ratio' AND quantity = 'df' AND value > 0), 24::bigint,
	'R: the fixture covers 4 x 2 x 3 linearized ratio cells with positive df');

-- 4. errors: a NULL handle, two designs in one cell, handles of a dropped
-- or redeclared design (stored rows of a declared view)
SELECT throws_ok($$SELECT barometer.tally_ratio(q, x, NULL::barometer.design_row) FROM resp$$, '22023',
	'design handle must not be NULL', 'ratio: a NULL handle');
SELECT throws_ok($$SELECT barometer.quantile(q, NULL::barometer.design_row, 0.5) FROM resp$$, '22023',
	'design handle must not be NULL', 'median: a NULL handle');
SELECT throws_ok($$SELECT barometer.quantile(q, NULL::barometer.design_row, ARRAY[0.5], 0.9) FROM resp$$, '22023',
	'design handle must not be NULL', 'quantiles: a NULL handle');
SELECT throws_ok($$SELECT barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], NULL::barometer.design_row) FROM resp$$, '22023',
	'design handle must not be NULL', 'distribution: a NULL handle');
SELECT throws_ok($$SELECT barometer.tally_ratio(q, x, CASE WHEN id = 77 THEN NULL ELSE design END) FROM d_c WHERE edition = 2021$$, '22023',
	'design handle must not be NULL', 'ratio: a NULL handle on one row among others');
CREATE VIEW two_designs AS SELECT q, x, item, design FROM d_c WHERE edition = 2020
	UNION ALL SELECT q, x, item, design FROM d_m WHERE edition = 2020;
SELECT throws_ok('SELECT barometer.tally_ratio(q, x, design) FROM two_designs', '22023',
	'a tally cannot mix rows of two declared designs', 'ratio: rows of two designs in one cell');
SELECT throws_ok('SELECT barometer.quantile(q, design, 0.5) FROM two_designs', '22023',
	'a tally cannot mix rows of two declared designs', 'median: rows of two designs in one cell');
SELECT throws_ok('SELECT barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design) FROM two_designs', '22023',
	'a tally cannot mix rows of two declared designs', 'distribution: rows of two designs in one cell');
SELECT throws_ok('SELECT barometer.quantile(q, design, 0.5) FROM (SELECT q, design FROM d_c WHERE edition = 2020
	UNION ALL SELECT q, design FROM d_s WHERE edition = 2020) x', '22023',
	'a tally cannot mix rows of two declared designs', 'median: rows of two designs of different kinds in one cell');

-- stored handles, then the design is redeclared: the old stamp is gone
CREATE TABLE kept_c AS SELECT * FROM d_c;
CREATE TABLE kept_w AS SELECT * FROM d_w;
SELECT ok(abs(barometer.estimate(a) - barometer.estimate(b)) <= 1e-15 * barometer.estimate(b)
	AND abs(barometer.se(a) - barometer.se(b)) <= 1e-13 * barometer.se(b) AND barometer.df(a) = barometer.df(b),
	'ratio: stored handles of a declared design tally as the view''s while it is declared (rows in another order: 1e-15, 1e-13)')
FROM (SELECT barometer.tally_ratio(q, x, design) AS a FROM kept_c WHERE edition = 2020) x,
	(SELECT barometer.tally_ratio(q, x, design) AS b FROM d_c WHERE edition = 2020) y;
DROP VIEW two_designs;
DO $d$ BEGIN PERFORM barometer.redeclare_design('d_c'); END $d$;
SELECT throws_ok('SELECT barometer.tally_ratio(q, x, design) FROM kept_c WHERE edition = 2020', '42704',
	'the design handles belong to no declared design', 'ratio: handles of a redeclared design');
SELECT throws_ok('SELECT barometer.quantile(q, design, 0.5) FROM kept_c WHERE edition = 2020', '42704',
	'the design handles belong to no declared design', 'median: handles of a redeclared design');
SELECT throws_ok('SELECT barometer.quantile(q, design, ARRAY[0.5], 0.9) FROM kept_c WHERE edition = 2020', '42704',
	'the design handles belong to no declared design', 'quantiles: handles of a redeclared design');
SELECT throws_ok('SELECT barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design) FROM kept_c WHERE edition = 2020', '42704',
	'the design handles belong to no declared design', 'distribution: handles of a redeclared design');
SELECT throws_ok('SELECT barometer.tally(q, design) FROM kept_c WHERE edition = 2020', '42704',
	'the design handles belong to no declared design', 'tally: handles of a redeclared design');
SELECT throws_ok('SELECT edition, barometer.tally_ratio(q, x, design) FROM (SELECT q, x, edition, design FROM kept_c
	UNION ALL SELECT q, x, edition, design FROM d_c) u GROUP BY edition', '22023',
	'a tally cannot mix rows of two declared designs', 'ratio: old and new handles of a redeclared design in one cell');
SELECT lives_ok('SELECT barometer.tally_ratio(q, x, design) FROM d_c WHERE edition = 2020',
	'ratio: the redeclared view tallies');
SELECT lives_ok($$SELECT barometer.drop_design('d_w')$$, 'drop_design');
SELECT throws_ok('SELECT barometer.tally_ratio(q, x, design) FROM kept_w WHERE edition = 2021', '42704',
	'the design handles belong to no declared design', 'ratio: handles of a dropped design');
SELECT throws_ok('SELECT barometer.quantile(q, design, 0.5) FROM kept_w WHERE edition = 2021', '42704',
	'the design handles belong to no declared design', 'median: handles of a dropped design');
SELECT throws_ok('SELECT barometer.distribution(item, ARRAY[1, 2, 3, 4, 5], ARRAY[9], design) FROM kept_w WHERE edition = 2021', '42704',
	'the design handles belong to no declared design', 'distribution: handles of a dropped design');
SELECT pg_temp.parallel_on();
ALTER TABLE kept_w SET (parallel_workers = 2);
SELECT throws_ok('SELECT edition, origin, barometer.tally_ratio(q, x, design) FROM kept_w GROUP BY edition, origin', '42704',
	'the design handles belong to no declared design', 'ratio: handles of a dropped design, parallel plan');
SELECT pg_temp.parallel_off();
-- the look-up in a parallel worker (force_parallel_mode: the whole
-- aggregate, final step included, runs in a worker)
CREATE TABLE kept_s AS SELECT * FROM d_s;
SELECT pg_temp.parallel_on();
SET LOCAL force_parallel_mode = on;
SELECT matches(pg_temp.plan_of('SELECT barometer.tally_ratio(q, x, design) FROM kept_s WHERE edition = 2020'),
	'Gather', 'force_parallel_mode: the aggregate runs under a Gather');
SELECT ok(abs(barometer.estimate(a) - barometer.estimate(b)) <= 1e-15 * barometer.estimate(b)
	AND abs(barometer.se(a) - barometer.se(b)) <= 1e-13 * barometer.se(b) AND barometer.df(a) = barometer.df(b),
	'ratio: stored handles of a declared design, final step in a parallel worker (rows in another order: 1e-15, 1e-13)')
FROM (SELECT barometer.tally_ratio(q, x, design) AS a FROM kept_s WHERE edition = 2020) x,
	(SELECT barometer.tally_ratio(q, x, design) AS b FROM d_s WHERE edition = 2020) y;
SELECT throws_ok('SELECT barometer.quantile(q, design, 0.5) FROM kept_w WHERE edition = 2021', '42704',
	'the design handles belong to no declared design', 'median: handles of a dropped design, final step in a parallel worker');
RESET force_parallel_mode;
SELECT pg_temp.parallel_off();
SELECT ok((SELECT barometer.tally_ratio(q, x, design) FROM kept_w WHERE false) IS NULL,
	'ratio: no rows, no check and NULL');

SELECT * FROM finish();
ROLLBACK;
