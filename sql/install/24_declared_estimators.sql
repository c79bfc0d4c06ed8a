
-------------------------------------------------------------------------------
-- The estimators of a declared design (barometer.declare_design): the
-- ratio, the quantiles and the distribution take the design handle in place
-- of the design columns, and equal the explicit forms bit for bit.  Their
-- states keep the handle's identity, so a group that mixes two designs,
-- two declarations or two partitions is an error (22023), also when a
-- parallel plan combines partial states.
-------------------------------------------------------------------------------

-- tally_ratio(y, x, handle): the declared tally's state and final function
CREATE FUNCTION @extschema@.tally_ratio_trans_declared(internal, double precision,
		double precision, @extschema@.design_row)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_ratio_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.tally_ratio(y double precision, x double precision,
		d @extschema@.design_row) (
	SFUNC = @extschema@.tally_ratio_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_decl_combine,
	SERIALFUNC = @extschema@.tally_decl_serialize, DESERIALFUNC = @extschema@.tally_decl_deserialize,
	FINALFUNC = @extschema@.tally_decl_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally_ratio(double precision, double precision, @extschema@.design_row) IS
	'ratio sum w y / sum w x (R svyratio) of a declared design (barometer.declare_design)';

-- quantile(y, handle, p) and quantile(y, handle, p[], level): the explicit
-- quantile's state, combine, serialisation and final functions
CREATE FUNCTION @extschema@.quantile_trans_declared(internal, double precision,
		@extschema@.design_row, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, d @extschema@.design_row,
		p double precision) (
	SFUNC = @extschema@.quantile_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, @extschema@.design_row, double precision) IS
	'the quantile at probability p with its 95% Woodruff interval (R svyquantile, qrule "math") of a declared design';
CREATE FUNCTION @extschema@.quantile_trans_declared(internal, double precision,
		@extschema@.design_row, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_quantile_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.quantile(y double precision, d @extschema@.design_row,
		p double precision[], level double precision) (
	SFUNC = @extschema@.quantile_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.quantile_combine,
	SERIALFUNC = @extschema@.quantile_serialize, DESERIALFUNC = @extschema@.quantile_deserialize,
	FINALFUNC = @extschema@.quantile_final_array, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.quantile(double precision, @extschema@.design_row, double precision[], double precision) IS
	'quantiles at the probabilities p with Woodruff intervals at level (R svyquantile, qrule "math") of a declared design';
