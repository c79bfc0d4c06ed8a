
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
