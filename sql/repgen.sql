-- replicate weights made in SQL: plans, their text form, per-row weights,
-- readers, and every user error with its message
\set VERBOSITY default
SET extra_float_digits = 0;
CREATE TABLE rg (id int, stratum int, psu int, w float8);
INSERT INTO rg VALUES
	(1, 1, 9, 1.5), (2, 1, 10, 2), (3, 1, 10, 2.5),
	(4, 2, 9, 1), (5, 2, 10, 3), (6, 2, 11, 2),
	(7, 10, 9, 1), (8, 10, 10, 4);

-- plans: strata and PSUs in the natural order of their type, options spelt out
SELECT barometer.replicate_plan('jkn', stratum, psu) FROM rg;
SELECT barometer.replicate_plan('jkn', stratum::text, psu::text) FROM rg;
SELECT barometer.replicate_plan('jk1', 0, psu) FROM rg WHERE stratum = 2;
SELECT barometer.replicate_plan('brr', stratum, psu, 'large=merge') FROM rg;
SELECT barometer.replicate_plan('fay', stratum, psu, 'rho = 0.3, large = merge') FROM rg;
SELECT barometer.replicate_plan('bootstrap', stratum, psu, 'replicates=4 seed=-7') FROM rg;
SELECT barometer.replicate_plan('subbootstrap', stratum, psu) FROM rg;
-- no rows, no plan
SELECT barometer.replicate_plan('jkn', stratum, psu) FROM rg WHERE false;

-- per-row replicate weights (w times the factors) and the readers
CREATE TABLE rg_plans AS
SELECT barometer.replicate_plan('jkn', stratum, psu) AS jkn,
       barometer.replicate_plan('fay', stratum, psu, 'rho=0.5, large=merge') AS fay,
       barometer.replicate_plan('subbootstrap', stratum, psu, 'replicates=6, seed=42') AS boot
FROM rg;
SELECT id, barometer.replicate_weights(p.jkn, stratum, psu, w) AS jkn
FROM rg, rg_plans p ORDER BY id;
SELECT id, barometer.replicate_weights(p.fay, stratum, psu, w) AS fay
FROM rg, rg_plans p ORDER BY id;
SELECT id, barometer.replicate_factors(p.boot, stratum, psu) AS boot
FROM rg, rg_plans p ORDER BY id;
SELECT barometer.replicate_method(jkn), barometer.replicate_count(jkn),
       barometer.replicate_scale(jkn), barometer.replicate_rscales(jkn), barometer.replicate_df(jkn)
FROM rg_plans;
SELECT d.* FROM rg_plans, barometer.replicate_describe(fay) d;
SELECT d.* FROM rg_plans, barometer.replicate_describe(boot) d;

-- text input: the canonical form, escapes, and defaults for omitted options
SELECT 'v1 jkn lonely=adjust; "x": "1" "2"; "y": "3"'::barometer.replicate_plan;
SELECT 'v1 jk1; "only": "a\"b" "c\\d"'::barometer.replicate_plan;
SELECT 'v1 bootstrap; "1": "1" "2"'::barometer.replicate_plan;

-- errors: building a plan
SELECT barometer.replicate_plan('JKn', stratum, psu) FROM rg;
SELECT barometer.replicate_plan(NULL, stratum, psu) FROM rg;
SELECT barometer.replicate_plan('jkn', stratum, psu, 'lonely=drop') FROM rg;
SELECT barometer.replicate_plan('jkn', stratum, psu, 'rho=0.5') FROM rg;
SELECT barometer.replicate_plan('fay', stratum, psu) FROM rg;
SELECT barometer.replicate_plan('fay', stratum, psu, 'rho=1') FROM rg;
SELECT barometer.replicate_plan('bootstrap', stratum, psu, 'replicates=0') FROM rg;
SELECT barometer.replicate_plan('bootstrap', stratum, psu, 'seed=1 seed=2') FROM rg;
SELECT barometer.replicate_plan('bootstrap', stratum, psu, 'colour=red') FROM rg;
SELECT barometer.replicate_plan('brr', stratum, psu, 'small=merge') FROM rg;
SELECT barometer.replicate_plan('brr', stratum, psu, 'large') FROM rg;
SELECT barometer.replicate_plan('jk1', stratum, psu) FROM rg;
SELECT barometer.replicate_plan('brr', stratum, psu) FROM rg;
SELECT barometer.replicate_plan('brr', stratum, psu, 'large=fail') FROM rg;
SELECT barometer.replicate_plan('jkn', stratum, psu) FROM rg WHERE id <> 8;
SELECT barometer.replicate_plan('brr', stratum, psu, 'large=merge') FROM rg WHERE id NOT IN (1, 8);
SELECT barometer.replicate_plan('subbootstrap', stratum, psu) FROM rg WHERE id <> 8;
SELECT barometer.replicate_plan('jkn', stratum, psu, 'lonely=remove') FROM rg WHERE psu = 9;
SELECT barometer.replicate_plan('bootstrap', stratum, psu) FROM rg WHERE psu = 9;
SELECT barometer.replicate_plan('jkn', stratum, psu) FROM rg WHERE id = 1;
SELECT barometer.replicate_plan('jkn', NULL::int, psu) FROM rg;
SELECT barometer.replicate_plan('jkn', stratum, NULLIF(psu, 11)) FROM rg;
SELECT barometer.replicate_plan(CASE WHEN id = 4 THEN 'brr' ELSE 'jkn' END, stratum, psu) FROM rg;
SELECT barometer.replicate_plan('jkn', stratum, psu, CASE WHEN id = 4 THEN 'lonely=remove' END) FROM rg;
SELECT barometer.replicate_plan('jkn', stratum, w) FROM rg;
SELECT barometer.replicate_plan('jkn', 1, v) FROM (VALUES (1.0::numeric), (1.00), (2)) t(v);

-- errors: per row
SELECT barometer.replicate_weights(jkn, 3, 9, 1) FROM rg_plans;
SELECT barometer.replicate_weights(jkn, 2, 12, 1) FROM rg_plans;
SELECT barometer.replicate_weights(jkn, 2.0, 9, 1) FROM rg_plans;
SELECT barometer.replicate_weights(jkn, NULL::int, 9, 1) FROM rg_plans;
SELECT barometer.replicate_weights(jkn, 1, NULL::int, 1) FROM rg_plans;
SELECT barometer.replicate_weights(NULL, 1, 9, 1);
SELECT barometer.replicate_weights(jkn, 1, 9, NULL) FROM rg_plans;
SELECT barometer.replicate_weights(jkn, 1, 9, -2) FROM rg_plans;
SELECT barometer.replicate_weights(jkn, 1, 9, 'Infinity') FROM rg_plans;
SELECT barometer.replicate_weights(jkn, 1, 9::real, 1) FROM rg_plans;

-- errors: stored plans
SELECT 'v1 jkn'::barometer.replicate_plan;
SELECT 'jkn; "1": "1" "2"'::barometer.replicate_plan;
SELECT 'v1 jkn lonely=fail; "1": 1 2'::barometer.replicate_plan;
SELECT 'v1 jkn lonely=fail; "1" "1" "2"'::barometer.replicate_plan;
SELECT 'v1 jkn lonely=fail; "1": "1" "2";"2": "3" "4"'::barometer.replicate_plan;
SELECT 'v1 jkn lonely=fail; "1": "1" "2"; "1": "3" "4"'::barometer.replicate_plan;
SELECT 'v1 jkn lonely=fail; "1": "1" "1"'::barometer.replicate_plan;
SELECT 'v1 jkn lonely=fail; "1": "1" "2"; "2": "3"'::barometer.replicate_plan;
SELECT 'v1 fay rho=0.5 small=fail large=split; "1": "1" "2" "3"'::barometer.replicate_plan;
SELECT 'v1 fay small=fail large=split; "1": "1" "2"'::barometer.replicate_plan;
SELECT 'v1 jkn lonely=fail; "1": "1" "2\x"'::barometer.replicate_plan;

-- what the aggregate can store reads back from text and binary, bit for
-- bit: ids with multibyte characters, quotes, backslashes, spaces and
-- semicolons, the empty id; a subnormal rho (strtod flags it with ERANGE)
CREATE TABLE rg_extremes AS
SELECT 'ids' AS name, barometer.replicate_plan('jkn', s, p) AS plan
  FROM (VALUES ('één "1"', 'a\b'), ('één "1"', 'c; d: "e"'), ('ž', ''), ('ž', ' ')) t(s, p)
UNION ALL SELECT 'fay, subnormal rho', barometer.replicate_plan('fay', s, p, 'rho=5e-324')
  FROM (VALUES (1, 1), (1, 2), (2, 1), (2, 2)) t(s, p)
UNION ALL SELECT 'bootstrap, negative seed', barometer.replicate_plan('subbootstrap', s, p, 'replicates=3, seed=-9223372036854775808')
  FROM (VALUES (1, 1), (1, 2), (2, 1), (2, 2)) t(s, p);
SELECT name, plan FROM rg_extremes ORDER BY name;
SELECT name, plan::text::barometer.replicate_plan::text = plan::text AS text_round_trip
FROM rg_extremes ORDER BY name;
COPY rg_extremes TO '/tmp/barometer_regress_plan.bin' (FORMAT binary);
CREATE TABLE rg_back (name text, plan barometer.replicate_plan);
COPY rg_back FROM '/tmp/barometer_regress_plan.bin' (FORMAT binary);
SELECT a.name, barometer.replicate_plan_send(a.plan) = barometer.replicate_plan_send(b.plan) AS binary_round_trip
FROM rg_extremes a JOIN rg_back b USING (name) ORDER BY a.name;
SELECT name, d.method, d.options, d.replicates, d.strata, d.psus
FROM rg_extremes, LATERAL barometer.replicate_describe(plan) d ORDER BY name;
SELECT 'v1 fay rho=1e-400 small=fail large=split; "1": "1" "2"'::barometer.replicate_plan;
DROP TABLE rg_extremes, rg_back;

DROP TABLE rg, rg_plans;
