-------------------------------------------------------------------------------
-- What version 3 of the stored form (0.2) adds to a tally: a proportion's
-- count of TRUE answers, and the rank of a replicate tally's replicate
-- weights (R's degf + 1, the default df of its intervals).
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.n_true(t @extschema@.tally) RETURNS bigint
	AS 'MODULE_PATHNAME', 'barometer_tally_n_true'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.n_true(@extschema@.tally) IS
	'rows with y TRUE of a proportion (any weight; NULL for a mean, a ratio or a value stored before 0.2)';

CREATE FUNCTION @extschema@.replicate_rank(t @extschema@.tally) RETURNS integer
	AS 'MODULE_PATHNAME', 'barometer_tally_replicate_rank'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.replicate_rank(@extschema@.tally) IS
	'qr rank of the replicate weights of a replicate tally''s domain (R''s degf + 1); NULL when not tracked';
