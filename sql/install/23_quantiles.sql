
-------------------------------------------------------------------------------
-- Design-based quantiles (R survey 4.1.1 svyquantile: qrule "math",
-- Woodruff intervals, the se from the interval's width): aggregates over the
-- group's rows with the design columns of the tally aggregates, and p one
-- probability (a 95% interval) or an array of them with a level
-------------------------------------------------------------------------------

CREATE TYPE @extschema@.quantile_estimate AS (
	p double precision,
	estimate double precision,
	se double precision,
	ci_lower double precision,
	ci_upper double precision,
	level double precision,
	df double precision,
	n bigint
);
COMMENT ON TYPE @extschema@.quantile_estimate IS
	'a design-based quantile: probability, estimate, standard error, Woodruff interval, level, degrees of freedom, rows used';

CREATE FUNCTION @extschema@.quantile_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_quantile_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_quantile_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_quantile_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile_final(internal) RETURNS @extschema@.quantile_estimate
	AS 'MODULE_PATHNAME', 'barometer_quantile_final'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile_final_array(internal) RETURNS @extschema@.quantile_estimate[]
	AS 'MODULE_PATHNAME', 'barometer_quantile_final'
	LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.quantile_trans_w(internal, double precision, double precision, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_w'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, p double precision) (
	SFUNC = @extschema@.quantile_trans_w, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_w(internal, double precision, double precision, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_w'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_w, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_wdomain(internal, double precision, double precision, bigint, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_wdomain'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, n_sample bigint, p double precision) (
	SFUNC = @extschema@.quantile_trans_wdomain, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, bigint, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_wdomain(internal, double precision, double precision, bigint, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_wdomain'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, n_sample bigint, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_wdomain, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, bigint, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster(internal, double precision, double precision, "any", "any", integer, double precision, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, p double precision) (
	SFUNC = @extschema@.quantile_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster(internal, double precision, double precision, "any", "any", integer, double precision, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster(internal, double precision, double precision, "any", "any", integer, double precision, text, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, lonely_psu text, p double precision) (
	SFUNC = @extschema@.quantile_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, text, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster(internal, double precision, double precision, "any", "any", integer, double precision, text, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, lonely_psu text, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_cluster, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, text, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster2(internal, double precision, double precision, "any", "any", integer, double precision, "any", integer, double precision, text, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster2'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, ssu "any", n_ssu integer, fpc2 double precision, lonely_psu text, p double precision) (
	SFUNC = @extschema@.quantile_trans_cluster2, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, "any", integer, double precision, text, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_cluster2(internal, double precision, double precision, "any", "any", integer, double precision, "any", integer, double precision, text, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_cluster2'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, stratum "any", psu "any", n_psu integer, fpc double precision, ssu "any", n_ssu integer, fpc2 double precision, lonely_psu text, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_cluster2, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, "any", "any", integer, double precision, "any", integer, double precision, text, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_rep(internal, double precision, double precision, double precision[], @extschema@.replicates, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, repw double precision[], spec @extschema@.replicates, p double precision) (
	SFUNC = @extschema@.quantile_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, double precision[], @extschema@.replicates, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_rep(internal, double precision, double precision, double precision[], @extschema@.replicates, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, repw double precision[], spec @extschema@.replicates, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, double precision[], @extschema@.replicates, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_rep(internal, double precision, double precision, real[], @extschema@.replicates, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, repw real[], spec @extschema@.replicates, p double precision) (
	SFUNC = @extschema@.quantile_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, real[], @extschema@.replicates, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_rep(internal, double precision, double precision, real[], @extschema@.replicates, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_rep'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, w double precision, repw real[], spec @extschema@.replicates, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_rep, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, double precision, real[], @extschema@.replicates, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_stratified(internal, double precision, double precision, "any", bigint, double precision, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile_stratified(y double precision, w double precision, stratum "any", n_stratum bigint, fpc double precision, p double precision) (
	SFUNC = @extschema@.quantile_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile_stratified(double precision, double precision, "any", bigint, double precision, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_stratified(internal, double precision, double precision, "any", bigint, double precision, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile_stratified(y double precision, w double precision, stratum "any", n_stratum bigint, fpc double precision, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile_stratified(double precision, double precision, "any", bigint, double precision, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_stratified(internal, double precision, double precision, "any", bigint, double precision, text, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile_stratified(y double precision, w double precision, stratum "any", n_stratum bigint, fpc double precision, lonely_psu text, p double precision) (
	SFUNC = @extschema@.quantile_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile_stratified(double precision, double precision, "any", bigint, double precision, text, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math")';

CREATE FUNCTION @extschema@.quantile_trans_stratified(internal, double precision, double precision, "any", bigint, double precision, text, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile_stratified(y double precision, w double precision, stratum "any", n_stratum bigint, fpc double precision, lonely_psu text, p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile_stratified(double precision, double precision, "any", bigint, double precision, text, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math")';
