
-------------------------------------------------------------------------------
-- Publication of model-based (small-area) estimates: the policy kind
-- model_cv (CV of the root MSE, minimum areas in the model and respondents
-- in the area), model_status, and fay_herriot_publication, the Fay-Herriot
-- estimates of every area with their status, marked estimate_type 'model'
-- (doc/small_area_publication.md)
-------------------------------------------------------------------------------
INSERT INTO @extschema@.policy (name, version, kind, params, label_en, label_nl, source, builtin) VALUES
('model_cv', 1, 'model_cv',
 '{"min_areas": 30, "min_n": 5, "publish_max_cv": 16.5, "warn_max_cv": 33.3}',
 'model-based estimates: CV of the root MSE (16.5% / 33.3%), at least 30 areas in the model and 5 respondents in the area',
 'modelschattingen: variatiecoëfficiënt van de wortel van de MSE (16,5% / 33,3%), minstens 30 gebieden in het model en 5 respondenten in het gebied',
 'Rao and Molina (2015), Small Area Estimation, ch. 6; CV bands as Statistics Canada', true);

CREATE FUNCTION @extschema@.model_status(estimate double precision, mse double precision,
		n double precision, areas integer,
		policy text DEFAULT 'model_cv', version integer DEFAULT NULL)
	RETURNS @extschema@.publication
	AS 'MODULE_PATHNAME', 'barometer_model_status'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.model_status(double precision, double precision,
		double precision, integer, text, integer) IS
	'status and reason of a model-based estimate (CV of the root MSE, areas in the model, respondents in the area)';

-- every area of a Fay-Herriot model with its publication status: n holds
-- the respondents of each area (in the order of area), areas the areas with
-- a sample (a non-NULL estimate); every row says estimate_type 'model'
CREATE FUNCTION @extschema@.fay_herriot_publication(area text[], estimate double precision[],
		variance double precision[], n double precision[],
		covariates double precision[] DEFAULT NULL,
		method text DEFAULT 'REML', transform text DEFAULT NULL,
		level double precision DEFAULT 0.95,
		policy text DEFAULT 'model_cv', version integer DEFAULT NULL,
		OUT area text, OUT estimate_type text, OUT in_sample boolean, OUT n double precision,
		OUT estimate double precision, OUT rmse double precision, OUT cv double precision,
		OUT ci_lower double precision, OUT ci_upper double precision,
		OUT status text, OUT reason_en text, OUT reason_nl text,
		OUT policy text, OUT policy_version integer)
	RETURNS SETOF record
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 300
BEGIN ATOMIC
	WITH k AS (
		SELECT pg_catalog.count(*)::integer AS areas
		FROM pg_catalog.unnest(fay_herriot_publication.estimate) e
		WHERE e IS NOT NULL)
	SELECT f.area, 'model', f.in_sample, a.n, f.estimate, f.rmse, f.cv, f.ci_lower, f.ci_upper,
	       s.status, s.reason_en, s.reason_nl, s.policy, s.version
	FROM k
	CROSS JOIN @extschema@.fay_herriot(fay_herriot_publication.area, fay_herriot_publication.estimate,
	                             fay_herriot_publication.variance, fay_herriot_publication.covariates,
	                             fay_herriot_publication.method, fay_herriot_publication.transform,
	                             fay_herriot_publication.level) WITH ORDINALITY AS f
	LEFT JOIN ROWS FROM (pg_catalog.unnest(fay_herriot_publication.area),
	                    pg_catalog.unnest(fay_herriot_publication.n)) AS a(code, n)
	       ON a.code OPERATOR(pg_catalog.=) f.area
	CROSS JOIN LATERAL @extschema@.model_status(f.estimate, f.mse, a.n, k.areas,
		fay_herriot_publication.policy, fay_herriot_publication.version) AS s
	ORDER BY f.ordinality;
END;
COMMENT ON FUNCTION @extschema@.fay_herriot_publication(text[], double precision[], double precision[],
		double precision[], double precision[], text, text, double precision, text, integer) IS
	'Fay-Herriot estimates of every area with their publication status under a model_cv policy (estimate_type model)';
