-- publication of model-based estimates: the model_cv policy at and around
-- its thresholds (CV of the root MSE, areas in the model, respondents in the
-- area), every edge case (MSE 0, estimate 0, NULLs, synthetic areas),
-- policies of one's own, fay_herriot_publication against fay_herriot and
-- model_status, and the SQLSTATEs
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(71);

CREATE FUNCTION pg_temp.ms(e float8, mse float8, n float8, areas int,
		pol text DEFAULT 'model_cv', ver int DEFAULT NULL)
	RETURNS barometer.publication LANGUAGE sql AS
	$$ SELECT barometer.model_status(e, mse, n, areas, pol, ver) $$;

-- the shipped policy
SELECT is((SELECT kind FROM barometer.policy WHERE name = 'model_cv' AND version = 1), 'model_cv',
	'model_cv is shipped');
SELECT is((SELECT params FROM barometer.policy WHERE name = 'model_cv' AND version = 1),
	'{"min_n": 5, "min_areas": 30, "warn_max_cv": 33.3, "publish_max_cv": 16.5}'::jsonb,
	'model_cv defaults: 30 areas, 5 respondents, CV bands 16.5% / 33.3%');

-- the CV bands: cv = sqrt(mse) / |estimate|
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, 20, 300)).status, 'publish', 'CV 10% publish');
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, 20, 300)).reason_en, 'model-based estimate: reliable (CV 10.0% <= 16.5%)',
	'publish: English reason names the model');
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, 20, 300)).reason_nl, 'modelschatting: betrouwbaar (CV 10,0% <= 16,5%)',
	'publish: Dutch reason says modelschatting, decimal comma');
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, 20, 300)).policy, 'model_cv', 'policy named');
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, 20, 300)).version, 1, 'version of the policy');
-- exactly at the thresholds: the better band (to 12 digits)
SELECT is((pg_temp.ms(1, 0.165 ^ 2, 20, 300)).status, 'publish', 'CV exactly 16.5% publish');
SELECT is((pg_temp.ms(1, 0.1651 ^ 2, 20, 300)).status, 'warn', 'CV 16.51% warn');
SELECT is((pg_temp.ms(1, 0.1651 ^ 2, 20, 300)).reason_en,
	'model-based estimate: use with caution (CV 16.5% > 16.5%, E)', 'warn reason (E)');
SELECT is((pg_temp.ms(1, 0.1651 ^ 2, 20, 300)).reason_nl,
	'modelschatting: met voorzichtigheid te gebruiken (CV 16,5% > 16,5%, E)', 'warn reason in Dutch');
SELECT is((pg_temp.ms(1, 0.333 ^ 2, 20, 300)).status, 'warn', 'CV exactly 33.3% warn');
SELECT is((pg_temp.ms(1, 0.3331 ^ 2, 20, 300)).status, 'suppress', 'CV 33.31% suppress');
SELECT is((pg_temp.ms(1, 0.3331 ^ 2, 20, 300)).reason_en,
	'model-based estimate: coefficient of variation too large (CV 33.3% > 33.3%, F)', 'suppress reason (F)');
SELECT is((pg_temp.ms(1, 0.3331 ^ 2, 20, 300)).reason_nl,
	'modelschatting: variatiecoëfficiënt te groot (CV 33,3% > 33,3%, F)', 'suppress reason in Dutch');
-- a negative estimate (a model of a change): |estimate|
SELECT is((pg_temp.ms(-0.4, 0.04 ^ 2, 20, 300)).status, 'publish', 'negative estimate: CV of |estimate|');
SELECT is((pg_temp.ms(-0.1, 0.04 ^ 2, 20, 300)).reason_en,
	'model-based estimate: coefficient of variation too large (CV 40.0% > 33.3%, F)', 'negative estimate, CV 40%');

-- the minimum number of areas in the model
SELECT is((pg_temp.ms(0.4, 0.0001, 20, 30)).status, 'publish', '30 areas: enough');
SELECT is((pg_temp.ms(0.4, 0.0001, 20, 29)).status, 'suppress', '29 areas: too few');
SELECT is((pg_temp.ms(0.4, 0.0001, 20, 29)).reason_en,
	'model-based estimate: too few areas in the model (areas 29 < 30)', 'too few areas, English');
SELECT is((pg_temp.ms(0.4, 0.0001, 20, 29)).reason_nl,
	'modelschatting: te weinig gebieden in het model (gebieden 29 < 30)', 'too few areas, Dutch');
SELECT is((pg_temp.ms(0.4, 0.0001, 20, 0)).status, 'suppress', '0 areas: suppress');
-- the minimum number of respondents in the area
SELECT is((pg_temp.ms(0.4, 0.0001, 5, 300)).status, 'publish', '5 respondents: enough');
SELECT is((pg_temp.ms(0.4, 0.0001, 4.5, 300)).reason_en,
	'model-based estimate: too few respondents in the area (n 4.5 < 5)', 'too few respondents, English');
SELECT is((pg_temp.ms(0.4, 0.0001, 4, 300)).reason_nl,
	'modelschatting: te weinig respondenten in het gebied (n 4 < 5)', 'too few respondents, Dutch');
SELECT is((pg_temp.ms(0.4, 0.0001, 0, 300)).status, 'suppress', 'no respondents: suppress by default');
-- the areas are checked before the respondents, no estimate before both
SELECT is((pg_temp.ms(0.4, 0.0001, 1, 10)).reason_en,
	'model-based estimate: too few areas in the model (areas 10 < 30)', 'areas before respondents');
SELECT is((pg_temp.ms(NULL, 0.0001, 1, 10)).reason_en, 'model-based estimate: no estimate',
	'no estimate first');

-- edge cases
SELECT is((pg_temp.ms(NULL, 0.01, 20, 300)).status, 'suppress', 'NULL estimate: suppress');
SELECT is((pg_temp.ms(NULL, 0.01, 20, 300)).reason_nl, 'modelschatting: geen schatting', 'NULL estimate, Dutch');
SELECT is((pg_temp.ms('NaN', 0.01, 20, 300)).reason_en, 'model-based estimate: no estimate', 'NaN estimate: no estimate');
SELECT is((pg_temp.ms(0.4, NULL, 20, 300)).reason_en, 'model-based estimate: MSE undefined', 'NULL MSE: undefined');
SELECT is((pg_temp.ms(0.4, NULL, 20, 300)).status, 'suppress', 'NULL MSE: suppress');
SELECT is((pg_temp.ms(0.4, 'NaN', 20, 300)).reason_nl, 'modelschatting: MSE niet bepaald', 'NaN MSE, Dutch');
SELECT is((pg_temp.ms(0.4, -1e-6, 20, 300)).reason_en, 'model-based estimate: MSE is negative',
	'negative MSE (ML bias correction): suppress');
SELECT is((pg_temp.ms(0.4, 0, 20, 300)).status, 'review', 'MSE 0: review');
SELECT is((pg_temp.ms(0.4, 0, 20, 300)).reason_en, 'model-based estimate: review: MSE is 0', 'MSE 0 reason');
SELECT is((pg_temp.ms(0, 0.01, 20, 300)).status, 'review', 'estimate 0: review (no CV)');
SELECT is((pg_temp.ms(0, 0.01, 20, 300)).reason_nl,
	'modelschatting: na te kijken: variatiecoëfficiënt niet bepaald (schatting is 0)', 'estimate 0, Dutch');
SELECT is((pg_temp.ms(0, 0, 20, 300)).reason_en,
	'model-based estimate: review: coefficient of variation undefined (estimate is 0)', 'estimate 0 and MSE 0');
SELECT is((pg_temp.ms(0.4, 0.01, NULL, 300)).reason_en,
	'model-based estimate: number of respondents in the area unknown', 'NULL n: unknown');
SELECT is((pg_temp.ms(0.4, 0.01, 20, NULL)).reason_nl,
	'modelschatting: aantal gebieden in het model onbekend', 'NULL areas: unknown');
SELECT is(pg_temp.ms(0.4, 0.01, 20, 300, NULL), NULL, 'NULL policy: NULL');

-- policies of one's own: synthetic estimates allowed (min_n 0), fewer areas
INSERT INTO barometer.policy (name, version, kind, params, label_en, label_nl)
VALUES ('model_syn', 1, 'model_cv', '{"min_n": 0, "min_areas": 10, "publish_max_cv": 20, "warn_max_cv": 30}',
        'synthetic allowed', 'synthetisch toegelaten');
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, 0, 10, 'model_syn')).status, 'warn', 'synthetic (n = 0): at best warn');
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, 0, 10, 'model_syn')).reason_en,
	'model-based estimate: synthetic, no respondents in the area (CV 10.0%)', 'synthetic reason');
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, 0, 10, 'model_syn')).reason_nl,
	'modelschatting: synthetisch, geen respondenten in het gebied (CV 10,0%)', 'synthetic reason, Dutch');
SELECT is((pg_temp.ms(0.1, 0.04 ^ 2, 0, 10, 'model_syn')).status, 'suppress', 'synthetic with CV 40% > 30%: suppress');
SELECT is((pg_temp.ms(0.4, 0.09 ^ 2, 3, 10, 'model_syn')).reason_en,
	'model-based estimate: use with caution (CV 22.5% > 20%, E)', 'own bands');
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, NULL, 10, 'model_syn')).status, 'publish', 'NULL n with min_n 0: not needed');
SELECT is((pg_temp.ms(0.4, 0.04 ^ 2, 3, 10, 'model_syn', 1)).version, 1, 'a chosen version');

-- errors
SELECT throws_ok($$INSERT INTO barometer.policy (name, version, kind, params) VALUES ('x', 1, 'model_cv', '{"min_areas": -1}')$$,
	'22023', NULL, 'min_areas below 0');
SELECT throws_ok($$INSERT INTO barometer.policy (name, version, kind, params) VALUES ('x', 1, 'model_cv', '{"publish_max_cv": 40}')$$,
	'22023', NULL, 'publish_max_cv above warn_max_cv');
SELECT throws_ok($$INSERT INTO barometer.policy (name, version, kind, params) VALUES ('x', 1, 'model_cv', '{"min_contributors": 3}')$$,
	'22023', NULL, 'a parameter of another kind');
SELECT throws_ok($$SELECT barometer.model_status(0.4, 0.01, 20, 300, 'nchs2017')$$,
	'22023', 'policy "nchs2017" (kind nchs2017) does not apply to a model-based estimate', 'a survey policy on a model');
SELECT throws_ok($$SELECT barometer.publication_status(0.4, 0.1, 20, NULL, 'model_cv')$$,
	'22023', 'policy "model_cv" (kind model_cv) does not apply to an estimate', 'the model policy on a direct estimate');
SELECT throws_ok($$SELECT barometer.model_status(0.4, 0.01, -1, 300)$$, '22023', NULL, 'negative n');
SELECT throws_ok($$SELECT barometer.model_status(0.4, 0.01, 20, -1)$$, '22023', NULL, 'negative areas');
SELECT throws_ok($$SELECT barometer.model_status('Infinity', 0.01, 20, 300)$$, '22023', NULL, 'infinite estimate');
SELECT throws_ok($$SELECT barometer.model_status(0.4, 'Infinity', 20, 300)$$, '22023', NULL, 'infinite MSE');
SELECT throws_ok($$SELECT barometer.model_status(0.4, 0.01, 20, 300, 'model_cv', 9)$$, '22023', NULL, 'unknown version');

-- fay_herriot_publication = fay_herriot + model_status, every row 'model'
CREATE TEMP TABLE fhp_in AS
SELECT ARRAY(SELECT 'a' || lpad(i::text, 3, '0') FROM generate_series(1, 40) i ORDER BY i) AS area,
       ARRAY(SELECT CASE WHEN i % 13 = 0 THEN NULL ELSE 0.3 + 0.2 * ((i * 37) % 41) / 41.0 + 0.08 * sin(i * 2.3) END
             FROM generate_series(1, 40) i ORDER BY i) AS est,
       ARRAY(SELECT (0.002 + 0.02 * ((i * 11) % 7) / 7.0)::float8 FROM generate_series(1, 40) i ORDER BY i) AS var,
       ARRAY(SELECT CASE WHEN i % 13 = 0 THEN 0 ELSE 3 + i % 20 END::float8 FROM generate_series(1, 40) i ORDER BY i) AS n,
       ARRAY(SELECT ARRAY[((i * 37) % 41) / 41.0]::float8[] FROM generate_series(1, 40) i ORDER BY i) AS x
FROM (SELECT 1) s;
CREATE TEMP TABLE fhp AS
SELECT p.* FROM fhp_in, LATERAL barometer.fay_herriot_publication(area, est, var, n, x) p;
CREATE TEMP TABLE fh AS
SELECT f.* FROM fhp_in, LATERAL barometer.fay_herriot(area, est, var, x) f;
SELECT is((SELECT count(*) FROM fhp), 40::bigint, 'one row per area');
SELECT is((SELECT array_agg(DISTINCT estimate_type) FROM fhp), ARRAY['model'], 'every row is a model-based estimate');
SELECT is((SELECT count(*) FROM fhp p JOIN fh f USING (area)
           WHERE p.estimate = f.estimate AND p.rmse = f.rmse AND p.ci_lower = f.ci_lower
             AND p.ci_upper = f.ci_upper AND p.in_sample = f.in_sample), 40::bigint,
	'estimates, root MSE and intervals are those of fay_herriot');
SELECT is((SELECT count(*) FROM fhp p JOIN fh f USING (area), fhp_in i
           CROSS JOIN LATERAL barometer.model_status(f.estimate, f.mse,
                 i.n[array_position(i.area, f.area)], 37) s
           WHERE s.status = p.status AND s.reason_en = p.reason_en AND s.reason_nl = p.reason_nl), 40::bigint,
	'statuses are model_status with the 37 areas that have a sample');
SELECT ok((SELECT bool_and(status = 'suppress' AND reason_en LIKE '%too few respondents%') FROM fhp WHERE NOT in_sample),
	'out-of-sample areas (n = 0) are suppressed by default');
SELECT ok((SELECT count(DISTINCT status) FROM fhp WHERE in_sample) >= 2, 'the sample areas get more than one status');
SELECT is((SELECT array_agg(area ORDER BY area) FROM fhp), (SELECT area FROM fhp_in), 'the areas in input order');
SELECT is((SELECT array_agg(DISTINCT p.reason_en) FROM fhp_in, LATERAL barometer.fay_herriot_publication(area, est, var, NULL, x) p),
	ARRAY['model-based estimate: number of respondents in the area unknown'], 'n NULL: respondents unknown in every area');

-- the fit of this data set cycled between 0 and 3.0e-4 under truncated
-- Fisher scoring (and did not converge); safeguarded scoring finds the REML
-- root.  R: metafor::rma(yi, vi, mods = ~x, method = "REML",
-- control = list(threshold = 1e-14, maxiter = 10000, stepadj = 0.5))
CREATE TEMP TABLE fhf AS SELECT f.* FROM fhp_in, LATERAL barometer.fay_herriot_fit(area, est, var, x) f;
SELECT ok((SELECT abs(area_variance / 0.00014906384453267389 - 1) < 1e-9 FROM fhf),
	'REML area variance near the boundary equals metafor''s');
SELECT ok((SELECT abs(beta[1] / 0.32069588420239342 - 1) < 1e-9 AND abs(beta[2] / 0.15273602997954056 - 1) < 1e-9 FROM fhf),
	'coefficients equal metafor''s');
SELECT ok((SELECT iterations < 100 FROM fhf), 'safeguarded scoring converges in few iterations');

SELECT * FROM finish();
ROLLBACK;
