-- user errors: each has a message, a detail or hint, and a specific SQLSTATE
\set VERBOSITY default
SET extra_float_digits = 0;
CREATE TABLE err_rows (y boolean, x float8, w float8);
INSERT INTO err_rows VALUES (true, 1, 1), (false, 2, 2), (true, 3, 1.5);
CREATE TABLE err_tallies AS
SELECT barometer.tally(y, w) AS tb, barometer.tally(x, w) AS tx FROM err_rows;

-- weights
SELECT barometer.tally(y, w) FROM (VALUES (true, NULL::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES (true, -1.0::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES (true, 'NaN'::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES (true, 'Infinity'::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES (true, 1e80::float8)) v(y, w);
-- a NULL weight is an error even when y is missing
SELECT barometer.tally(y, w) FROM (VALUES (NULL::boolean, NULL::float8)) v(y, w);
-- values of a mean
SELECT barometer.tally(x, 1.0) FROM (VALUES ('NaN'::float8)) v(x);
SELECT barometer.tally(x, 1.0) FROM (VALUES ('-Infinity'::float8)) v(x);
SELECT barometer.tally(x, 1.0) FROM (VALUES (1e80::float8)) v(x);
-- interval arguments
SELECT barometer.ci_lower(tb, 1.0) FROM err_tallies;
SELECT barometer.ci_lower(tb, 0.0) FROM err_tallies;
SELECT barometer.ci_lower(tb, 'NaN') FROM err_tallies;
SELECT barometer.ci_lower(tb, 0.95, 'exact') FROM err_tallies;
SELECT barometer.ci_lower(tb, 0.95, 'Beta') FROM err_tallies;
SELECT barometer.ci_lower(tx, 0.95, 'wilson') FROM err_tallies;
-- the default method follows the kind: beta for a proportion, mean for a mean
SELECT round(barometer.ci_lower(tx)::numeric, 6) = round(barometer.ci_lower(tx, 0.95, 'mean')::numeric, 6) AS mean_default,
       barometer.ci_lower(tb) = barometer.ci_lower(tb, 0.95, 'beta') AS beta_default
FROM err_tallies;
SELECT barometer.ci_lower(tb, 0.95, 'beta', 0) FROM err_tallies;
SELECT barometer.ci_lower(tb, 0.95, 'beta', -3) FROM err_tallies;
SELECT barometer.ci_lower(tb, 0.95, 'beta', 'NaN') FROM err_tallies;
SELECT * FROM barometer.report((SELECT tx FROM err_tallies), 0.95, 'logit');
SELECT * FROM barometer.report((SELECT tb FROM err_tallies), 2);
-- NULL arguments give NULL, not an error
SELECT barometer.ci_lower(tb, NULL) IS NULL AS null_level,
       barometer.ci_upper(tb, 0.95, 'beta', NULL) IS NOT NULL AS null_df_is_design_df,
       barometer.ci_upper(NULL::barometer.tally) IS NULL AS null_tally
FROM err_tallies;
-- merging different kinds
SELECT barometer.merge(t) FROM (SELECT tb AS t FROM err_tallies UNION ALL SELECT tx FROM err_tallies) s;
SELECT barometer.tally_combine(tb, tx) FROM err_tallies;
