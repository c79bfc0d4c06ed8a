-- barometer 0.1 -> 0.2: hardening for shared production databases.
-- Stored values of 0.1 (tally v1 and v2, magnitude, replicate_plan,
-- replicates) are read by 0.2 unchanged; nothing a view can depend on is
-- dropped.
\echo Use "ALTER EXTENSION barometer UPDATE TO '0.2'" to load this file. \quit

-- the schema: read by everyone, written by superusers only (05_schema.sql)
DO $$
BEGIN
	EXECUTE pg_catalog.format('ALTER SCHEMA @extschema@ OWNER TO %I',
		(SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = 10));
END $$;
REVOKE CREATE ON SCHEMA @extschema@ FROM PUBLIC;
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- shipped policy rows cannot be changed, and no user row can claim to be
-- shipped (60_publication.sql)
CREATE FUNCTION @extschema@.policy_protect() RETURNS trigger
	AS 'MODULE_PATHNAME', 'barometer_policy_protect'
	LANGUAGE C;
CREATE TRIGGER policy_protect BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.policy
	FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_protect();
CREATE TRIGGER policy_protect_truncate BEFORE TRUNCATE ON @extschema@.policy
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_protect();

-- replicate_spec: a body bound at creation with qualified operators, safe
-- from a caller's search_path (50_repgen.sql)
CREATE OR REPLACE FUNCTION @extschema@.replicate_spec(plan @extschema@.replicate_plan)
	RETURNS @extschema@.replicates
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN (SELECT @extschema@.replicates(
		CASE WHEN d.method OPERATOR(pg_catalog.=) 'subbootstrap' THEN 'other' ELSE d.method END,
		CASE WHEN d.method OPERATOR(pg_catalog.=) 'fay' THEN d.rho END,
		d.scale, d.rscales, false, d.df)
	FROM @extschema@.replicate_describe(plan) AS d);

-- barometer.replicates gets a binary form (COPY ... (FORMAT binary) and
-- binary protocol clients; 20_design.sql)
CREATE FUNCTION @extschema@.replicates_recv(internal) RETURNS @extschema@.replicates
	AS 'MODULE_PATHNAME', 'barometer_replicates_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.replicates_send(@extschema@.replicates) RETURNS bytea
	AS 'MODULE_PATHNAME', 'barometer_replicates_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE @extschema@.replicates SET (RECEIVE = @extschema@.replicates_recv,
	SEND = @extschema@.replicates_send);

-- tally_stratified: a stratified sample without clusters as per-stratum sums
-- (20_design.sql; the stored tally gains the design kind "stratified", which
-- 0.1 never wrote)
CREATE FUNCTION @extschema@.tally_trans_stratified(internal, boolean, double precision,
		"any", bigint, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_stratified(internal, double precision, double precision,
		"any", bigint, double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_stratified(internal, boolean, double precision,
		"any", bigint, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.tally_trans_stratified(internal, double precision, double precision,
		"any", bigint, double precision, text)
	RETURNS internal AS 'MODULE_PATHNAME', 'barometer_tally_trans_stratified'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.tally_stratified(y boolean, w double precision, stratum "any",
		n_stratum bigint, fpc double precision) (
	SFUNC = @extschema@.tally_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_stratified(y double precision, w double precision, stratum "any",
		n_stratum bigint, fpc double precision) (
	SFUNC = @extschema@.tally_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_stratified(y boolean, w double precision, stratum "any",
		n_stratum bigint, fpc double precision, lonely_psu text) (
	SFUNC = @extschema@.tally_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.tally_stratified(y double precision, w double precision, stratum "any",
		n_stratum bigint, fpc double precision, lonely_psu text) (
	SFUNC = @extschema@.tally_trans_stratified, STYPE = internal,
	COMBINEFUNC = @extschema@.tally_acc_combine,
	SERIALFUNC = @extschema@.tally_acc_serialize, DESERIALFUNC = @extschema@.tally_acc_deserialize,
	FINALFUNC = @extschema@.tally_acc_final, PARALLEL = SAFE);
