-------------------------------------------------------------------------------
-- Many indicators at once (wide microdata): tally(y[], w [, n_sample]) gives
-- one tally per array element, exactly the tally of tally(y[k], w
-- [, n_sample]); recode() collapses answer codes into indicator values.
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.tally_items_trans(internal, boolean[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_items_trans_bool'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_trans(internal, double precision[], double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_items_trans_num'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_trans(internal, boolean[], double precision, bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_items_trans_bool'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_trans(internal, double precision[], double precision, bigint)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_items_trans_num'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_items_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_tally_items_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'barometer_tally_items_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_items_final(internal) RETURNS @extschema@.tally[]
	AS 'MODULE_PATHNAME', 'barometer_tally_items_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- (SSPACE: the state of about 128 elements, so that the planner does not
-- hash very many groups of wide states)
CREATE AGGREGATE @extschema@.tally(y boolean[], w double precision) (
	SFUNC = @extschema@.tally_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.tally_items_combine,
	SERIALFUNC = @extschema@.tally_items_serialize, DESERIALFUNC = @extschema@.tally_items_deserialize,
	FINALFUNC = @extschema@.tally_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally(boolean[], double precision) IS
	'one weighted proportion per array element (element k: tally(y[k], w)); weights-only design';
CREATE AGGREGATE @extschema@.tally(y double precision[], w double precision) (
	SFUNC = @extschema@.tally_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.tally_items_combine,
	SERIALFUNC = @extschema@.tally_items_serialize, DESERIALFUNC = @extschema@.tally_items_deserialize,
	FINALFUNC = @extschema@.tally_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally(double precision[], double precision) IS
	'one weighted mean per array element (element k: tally(y[k], w)); weights-only design';
CREATE AGGREGATE @extschema@.tally(y boolean[], w double precision, n_sample bigint) (
	SFUNC = @extschema@.tally_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.tally_items_combine,
	SERIALFUNC = @extschema@.tally_items_serialize, DESERIALFUNC = @extschema@.tally_items_deserialize,
	FINALFUNC = @extschema@.tally_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally(boolean[], double precision, bigint) IS
	'one weighted proportion per array element (element k: tally(y[k], w, n_sample)); domain of a weights-only sample';
CREATE AGGREGATE @extschema@.tally(y double precision[], w double precision, n_sample bigint) (
	SFUNC = @extschema@.tally_items_trans, STYPE = internal, SSPACE = 16384,
	COMBINEFUNC = @extschema@.tally_items_combine,
	SERIALFUNC = @extschema@.tally_items_serialize, DESERIALFUNC = @extschema@.tally_items_deserialize,
	FINALFUNC = @extschema@.tally_items_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.tally(double precision[], double precision, bigint) IS
	'one weighted mean per array element (element k: tally(y[k], w, n_sample)); domain of a weights-only sample';

CREATE FUNCTION @extschema@.recode(codes smallint[], item integer[], lookup boolean[]) RETURNS boolean[]
	AS 'MODULE_PATHNAME', 'barometer_recode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.recode(codes integer[], item integer[], lookup boolean[]) RETURNS boolean[]
	AS 'MODULE_PATHNAME', 'barometer_recode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.recode(codes smallint[], item integer[], lookup double precision[])
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_recode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.recode(codes integer[], item integer[], lookup double precision[])
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'barometer_recode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.recode(smallint[], integer[], boolean[]) IS
	'element k = lookup[k][codes[item[k]]]: answer codes collapsed into indicator values (NULL code: NULL)';
COMMENT ON FUNCTION @extschema@.recode(integer[], integer[], boolean[]) IS
	'element k = lookup[k][codes[item[k]]]: answer codes collapsed into indicator values (NULL code: NULL)';
COMMENT ON FUNCTION @extschema@.recode(smallint[], integer[], double precision[]) IS
	'element k = lookup[k][codes[item[k]]]: answer codes scored as numbers (NULL code: NULL)';
COMMENT ON FUNCTION @extschema@.recode(integer[], integer[], double precision[]) IS
	'element k = lookup[k][codes[item[k]]]: answer codes scored as numbers (NULL code: NULL)';
