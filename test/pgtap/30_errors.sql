-- bad input: every error has its specific SQLSTATE
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(35);

CREATE TEMP TABLE e AS
SELECT barometer.tally(y, w) AS tb, barometer.tally(x, w) AS tx
FROM (VALUES (true, 1.0::float8, 1.0::float8), (false, 2.0, 2.0), (true, 3.0, 0.5)) v(y, x, w);

-- weights and values (22023 bad argument, 22003 out of range)
SELECT throws_ok($$SELECT barometer.tally(y, w) FROM (VALUES (true, NULL::float8)) v(y, w)$$, '22023', NULL, 'NULL weight');
SELECT throws_ok($$SELECT barometer.tally(y, w) FROM (VALUES (NULL::boolean, NULL::float8)) v(y, w)$$, '22023', NULL, 'NULL weight with missing y');
SELECT throws_ok($$SELECT barometer.tally(y, w) FROM (VALUES (true, -0.5::float8)) v(y, w)$$, '22023', NULL, 'negative weight');
SELECT throws_ok($$SELECT barometer.tally(y, w) FROM (VALUES (true, 'NaN'::float8)) v(y, w)$$, '22023', NULL, 'NaN weight');
SELECT throws_ok($$SELECT barometer.tally(y, w) FROM (VALUES (true, 'Infinity'::float8)) v(y, w)$$, '22023', NULL, 'infinite weight');
SELECT throws_ok($$SELECT barometer.tally(y, w) FROM (VALUES (1.0::float8, '-Infinity'::float8)) v(y, w)$$, '22023', NULL, 'minus infinite weight (mean)');
SELECT throws_ok($$SELECT barometer.tally(y, w) FROM (VALUES (true, 1e300::float8)) v(y, w)$$, '22003', NULL, 'huge weight');
SELECT throws_ok($$SELECT barometer.tally(y, 1.0) FROM (VALUES ('NaN'::float8)) v(y)$$, '22023', NULL, 'NaN value');
SELECT throws_ok($$SELECT barometer.tally(y, 1.0) FROM (VALUES ('Infinity'::float8)) v(y)$$, '22023', NULL, 'infinite value');
SELECT throws_ok($$SELECT barometer.tally(y, 1.0) FROM (VALUES (-1e200::float8)) v(y)$$, '22003', NULL, 'huge value');
SELECT lives_ok($$SELECT barometer.tally(y, 0.0) FROM (VALUES (true)) v(y)$$, 'zero weight is allowed');

-- interval arguments
SELECT throws_ok($$SELECT barometer.ci_lower(tb, 1) FROM e$$, '22023', NULL, 'level 1');
SELECT throws_ok($$SELECT barometer.ci_lower(tb, -0.5) FROM e$$, '22023', NULL, 'negative level');
SELECT throws_ok($$SELECT barometer.ci_upper(tb, 'NaN') FROM e$$, '22023', NULL, 'NaN level');
SELECT throws_ok($$SELECT barometer.ci_upper(tb, 0.95, 'exact') FROM e$$, '22023', NULL, 'unknown method');
SELECT throws_ok($$SELECT barometer.ci_upper(tx, 0.95, 'beta') FROM e$$, '22023', NULL, 'beta on a mean');
SELECT throws_ok($$SELECT barometer.ci_upper(tx, 0.95, 'likelihood') FROM e$$, '22023', NULL, 'likelihood on a mean');
SELECT throws_ok($$SELECT barometer.ci_upper(tb, 0.95, 'beta', 0) FROM e$$, '22023', NULL, 'df 0');
SELECT throws_ok($$SELECT barometer.ci_upper(tb, 0.95, 'beta', '-Infinity') FROM e$$, '22023', NULL, 'df -Infinity');
SELECT throws_ok($$SELECT * FROM barometer.report((SELECT tb FROM e), 1.5)$$, '22023', NULL, 'report level');
SELECT throws_ok($$SELECT * FROM barometer.report((SELECT tb FROM e), 0.95, 'nope')$$, '22023', NULL, 'report method');

-- merging different kinds
SELECT throws_ok($$SELECT barometer.merge(t) FROM (SELECT tb AS t FROM e UNION ALL SELECT tx FROM e) s$$, '22023', NULL, 'merge of a proportion and a mean');

-- malformed stored states (22P02)
SELECT throws_ok($$SELECT 'garbage'::barometer.tally$$, '22P02', NULL, 'garbage literal');
SELECT throws_ok($$SELECT 'v1 proportion n=1 missing=0 positive=1 sw=1:0 swy=2:0 swyy=2:0 sww=1:0 swwy=1:0 swwyy=1:0'::barometer.tally$$, '22P02', NULL, 'weighted TRUE above the sum of weights');
SELECT throws_ok($$SELECT 'v1 mean n=1 missing=0 positive=1 sw=1:0 swy=0:0 swyy=0:0 sww=1:1 swwy=0:0 swwyy=0:0'::barometer.tally$$, '22P02', NULL, 'unnormalised compensated sum');
SELECT throws_ok($$SELECT 'v1 mean n=1 missing=0 positive=1 sw=1:0 swy=0:0 swyy=0:0 sww=1:0 swwy=0:0 swwyy=0:0 '::barometer.tally$$, '22P02', NULL, 'trailing space');

-- malformed binary states (22P03), fed through COPY ... (FORMAT binary)
CREATE TEMP TABLE bin_in (t barometer.tally);
\ir ../lib/binary_copy.sql
CREATE FUNCTION pg_temp.bad_copy(payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	RETURN pg_temp.binary_copy('bin_in', payload);
END $f$;
SELECT lives_ok(pg_temp.bad_copy(barometer.tally_send(tb)), 'a valid binary value loads') FROM e;
SELECT throws_ok(pg_temp.bad_copy(set_byte(barometer.tally_send(tb), 3, 9)), '22P03', NULL, 'unknown binary version') FROM e;
SELECT throws_ok(pg_temp.bad_copy(substr(barometer.tally_send(tb), 1, 40)), '22P03', NULL, 'truncated binary value') FROM e;
SELECT throws_ok(pg_temp.bad_copy(barometer.tally_send(tb) || '\x00'::bytea), '22P03', NULL, 'binary value with trailing bytes') FROM e;
SELECT throws_ok(pg_temp.bad_copy('\x00'::bytea), '22P03', NULL, 'one-byte binary value') FROM e;
SELECT throws_ok(pg_temp.bad_copy(set_byte(barometer.tally_send(tb), 7, 9)), '22P03', NULL, 'binary value of an unknown kind') FROM e;
-- n_pos (bytes 28..35) above n (bytes 12..19): set the low byte of n_pos to 200
SELECT throws_ok(pg_temp.bad_copy(set_byte(barometer.tally_send(tb), 35, 200)), '22P03', NULL, 'binary value with more positive rows than rows') FROM e;
-- a NaN in the first sum (bytes 36..43)
SELECT throws_ok(pg_temp.bad_copy(overlay(barometer.tally_send(tb) PLACING float8send('NaN') FROM 37 FOR 8)), '22P03', NULL, 'binary value with a NaN sum') FROM e;
SELECT is((SELECT count(*) FROM bin_in), 1::bigint, 'only the valid binary value was loaded');

SELECT * FROM finish();
ROLLBACK;
