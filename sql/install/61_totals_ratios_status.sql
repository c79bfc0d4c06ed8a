
-------------------------------------------------------------------------------
-- The publication status of a total (after 60_publication.sql, whose type it
-- returns): a CV policy (default statcan_cv) or min_respondents
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.total_publication_status(t @extschema@.tally,
		policy text DEFAULT 'statcan_cv', version integer DEFAULT NULL)
	RETURNS @extschema@.publication
	AS 'MODULE_PATHNAME', 'barometer_tally_total_status'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.total_publication_status(@extschema@.tally, text, integer) IS
	'status and reason of the tally''s total under a CV policy (latest version when NULL)';
