-- test/lib/binary_copy.sql, included by the pgTAP files that feed binary
-- values to an input function (\ir ../lib/binary_copy.sql):
-- pg_temp.binary_copy(tbl, payload) writes payload as the one field of one
-- row in PostgreSQL's binary COPY format to a file of this backend (through
-- a large object) and returns the COPY command that loads it into tbl
CREATE FUNCTION pg_temp.binary_copy(tbl text, payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	path text := '/tmp/barometer_pgtap_' || pg_backend_pid() || '.bin';
	oid_ oid;
BEGIN
	oid_ := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
		|| '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea);
	PERFORM lo_export(oid_, path);
	PERFORM lo_unlink(oid_);
	RETURN format('COPY %I FROM %L (FORMAT binary)', tbl, path);
END $f$;
