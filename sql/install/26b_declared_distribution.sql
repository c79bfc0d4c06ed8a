
-------------------------------------------------------------------------------
-- distribution(item, categories, excluded, handle): the distribution of a
-- declared design (barometer.declare_design), bit for bit the explicit
-- forms; the explicit distribution's state, combine, serialisation and
-- final functions (after 26_distributions.sql, which defines them; the
-- ratio and the quantiles of a declared design are in
-- 24_declared_estimators.sql)
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.distribution_trans_declared(internal, integer, integer[], integer[],
		@extschema@.design_row)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_distribution_trans_declared'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.distribution(item integer, categories integer[], excluded integer[],
		d @extschema@.design_row) (
	SFUNC = @extschema@.distribution_trans_declared, STYPE = internal,
	COMBINEFUNC = @extschema@.distribution_combine,
	SERIALFUNC = @extschema@.distribution_serialize, DESERIALFUNC = @extschema@.distribution_deserialize,
	FINALFUNC = @extschema@.distribution_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.distribution(integer, integer[], integer[], @extschema@.design_row) IS
	'the distribution of item over categories (excluded codes and NULL: missing) of a declared design';
