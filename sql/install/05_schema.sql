
-------------------------------------------------------------------------------
-- The schema: read by everyone, written by superusers only
--
-- CREATE EXTENSION makes schema barometer owned by the role that runs it.
-- For a trusted extension that is an ordinary database owner, who could
-- then add, say, barometer.ci_lower(tally, numeric) for a superuser's
-- query to pick up.  The install script runs as a superuser, so it hands
-- the schema to the bootstrap superuser (the objects inside already belong
-- to it), and lets every role look inside: read-only BI roles call the
-- readers of views that use them.
-------------------------------------------------------------------------------
DO $$
BEGIN
	EXECUTE pg_catalog.format('ALTER SCHEMA @extschema@ OWNER TO %I',
		(SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = 10));
END $$;
REVOKE CREATE ON SCHEMA @extschema@ FROM PUBLIC;
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
