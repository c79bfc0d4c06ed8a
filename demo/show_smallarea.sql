-- What demo/run prints about the small-area estimates: the evidence against
-- the true values, and direct and model-based figures side by side.
\set QUIET on
\pset footer off
\pset null '·'

\echo
\echo '== small-area estimates (Fay-Herriot, arcsine scale, register covariates) against the true population values'
\echo '   all 14 indicators, both editions; publishable: status other than suppress (direct: nchs2017 as in the dashboard,'
\echo '   and for comparison statcan_cv 1, the CV bands that model_cv applies to the root MSE; model: model_cv)'
SELECT breakdown, cells,
       direct_publishable AS "direct publ.", direct_publishable_cv AS "direct publ. CV bands",
       model_publishable AS "model publ.", made_publishable AS "made publ. by model",
       made_publishable_cv AS "idem vs CV bands",
       to_char(100 * coverage_direct, 'FM990.0') AS "95% cover direct",
       to_char(100 * coverage_model, 'FM990.0') AS "95% cover model",
       to_char(100 * coverage_model_published, 'FM990.0') AS "cover model publ.",
       to_char(1e4 * mse_direct, 'FM99990.00') AS "MSE direct x1e4",
       to_char(1e4 * mse_model, 'FM99990.00') AS "MSE model x1e4",
       to_char(100 * mse_gain, 'FM990.0') AS "MSE gain %"
FROM smallarea_evidence
ORDER BY cells;

\echo
\echo '== dashboard_smallarea, rondkomen 2023: direct and model-based figures side by side (estimate_type says which is shown)'
SELECT municipality, n,
       to_char(100 * direct_estimate, 'FM990.0') AS "direct %", direct_status AS "direct status",
       to_char(100 * model_estimate, 'FM990.0') AS "model %",
       '[' || to_char(100 * model_ci_lower, 'FM990.0') || ', ' || to_char(100 * model_ci_upper, 'FM990.0') || ']' AS "model 95% CI",
       estimate_type AS shown, reason_nl AS reden
FROM dashboard_smallarea
WHERE indicator = 'rondkomen' AND edition = 2023 AND breakdown = 'municipality'
  AND nis IN ('11002', '44021', '71016', '33016', '73028', '13011', '45062')
ORDER BY n DESC;
