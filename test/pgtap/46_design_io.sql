-- text and binary forms of design tallies: exact round trips through COPY
-- BINARY and text, and malformed design sections rejected (22P02 / 22P03)
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(19);

CREATE TEMP TABLE io_rows AS
SELECT i, 1 + (i % 3) AS stratum, 'p' || (i % 7) AS psu, i % 5 AS ssu,
       CASE WHEN i % 9 = 0 THEN NULL ELSE i % 4 = 0 END AS y,
       (i % 11) * 0.7 + i / 13.0 AS x,
       (0.5 + (i % 6) * 0.3)::float8 AS w,
       ARRAY(SELECT ((0.5 + (i % 6) * 0.3) * (1 + ((i * r) % 5) / 10.0))::float8 FROM generate_series(1, 6) r) AS repw
FROM generate_series(1, 400) i;
CREATE TEMP TABLE io_d AS
SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       barometer.psu_count(ssu) OVER (PARTITION BY stratum, psu) AS n_ssu,
       count(*) OVER () AS n_sample,
       count(*) OVER (PARTITION BY stratum) AS n_stratum
FROM io_rows r;

CREATE TABLE io_t (name text, t barometer.tally);
INSERT INTO io_t
SELECT 'cluster', barometer.tally(y, w, stratum, psu, n_psu, 30.0, 'adjust') FROM io_d
UNION ALL SELECT 'cluster2', barometer.tally(x, w, stratum, psu, n_psu, 30.0, ssu, n_ssu, 12.0, 'fail') FROM io_d
UNION ALL SELECT 'wdomain', barometer.tally(y, w, n_sample) FROM io_d WHERE i % 2 = 0
UNION ALL SELECT 'replicate', barometer.tally(y, w, repw, barometer.replicates('jkn', rscales => ARRAY[0.5, 0.5, 0.5, 0.75, 0.75, 0.75], mse => true, df => 4)) FROM io_d
UNION ALL SELECT 'text ids', barometer.tally(y, w, 'S"' || stratum, psu || E'\\x', n_psu, NULL) FROM io_d
UNION ALL SELECT 'stratified', barometer.tally_stratified(x, w, stratum, n_stratum, 0.4, 'average') FROM io_d;

SELECT is((SELECT count(*) FROM io_t WHERE t::text::barometer.tally::text = t::text), 6::bigint,
	'text round trip of every design kind is exact');
SELECT ok((SELECT bool_and(barometer.se(t::text::barometer.tally) = barometer.se(t)
	                        AND barometer.df(t::text::barometer.tally) = barometer.df(t)) FROM io_t),
	'and the readers agree after it');

-- binary round trip through COPY BINARY
CREATE FUNCTION pg_temp.binary_round_trip() RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE path text := '/tmp/barometer_io_' || pg_backend_pid() || '.bin'; n bigint;
BEGIN
	EXECUTE format('COPY io_t TO %L (FORMAT binary)', path);
	CREATE TEMP TABLE io_back (name text, t barometer.tally);
	EXECUTE format('COPY io_back FROM %L (FORMAT binary)', path);
	SELECT count(*) INTO n FROM io_t a JOIN io_back b USING (name) WHERE a.t::text = b.t::text;
	RETURN n;
END $f$;
SELECT is(pg_temp.binary_round_trip(), 6::bigint, 'binary round trip of every design kind is exact');

-- malformed text design sections
SELECT throws_ok($$SELECT (substr(t::text, 1, length(t::text) - 5))::barometer.tally FROM io_t WHERE name = 'cluster'$$,
	'22P02', NULL, 'a truncated design section');
SELECT throws_ok($$SELECT replace(t::text, 'lonely=adjust', 'lonely=drop')::barometer.tally FROM io_t WHERE name = 'cluster'$$,
	'22P02', NULL, 'an unknown lonely policy');
SELECT throws_ok($$SELECT replace(t::text, 'psus=21', 'psus=22')::barometer.tally FROM io_t WHERE name = 'cluster'$$,
	'22P02', NULL, 'a PSU count that does not match the records');
SELECT throws_ok($$SELECT regexp_replace(t::text, '; s i1 7 30', '; s i1 2 30')::barometer.tally FROM io_t WHERE name = 'cluster'$$,
	'22P02', NULL, 'more PSUs in a stratum than its n_psu');
SELECT throws_ok($$SELECT regexp_replace(t::text, '; s i1 7 30', '; s i1 7 3')::barometer.tally FROM io_t WHERE name = 'cluster'$$,
	'22P02', NULL, 'a population count below the PSU count');
SELECT throws_ok($$SELECT regexp_replace(t::text, '; p 0 t"p1" [0-9]+', '; p 0 t"p1" 0')::barometer.tally FROM io_t WHERE name = 'cluster'$$,
	'22P02', NULL, 'PSU rows that do not add up to the tally');
SELECT throws_ok($$SELECT regexp_replace(t::text, '; s i2', '; s i1')::barometer.tally FROM io_t WHERE name = 'cluster'$$,
	'22P02', NULL, 'a stratum listed twice');
SELECT throws_ok($$SELECT replace(t::text, 'sample=400', 'sample=40')::barometer.tally FROM io_t WHERE name = 'wdomain'$$,
	'22P02', NULL, 'a sample smaller than the tally''s rows');
SELECT throws_ok($$SELECT replace(t::text, 'replicates=6', 'replicates=7')::barometer.tally FROM io_t WHERE name = 'replicate'$$,
	'22P02', NULL, 'a replicate count that does not match the records');
SELECT throws_ok($$SELECT replace(t::text, 'method=jkn', 'method=jk2')::barometer.tally FROM io_t WHERE name = 'replicate'$$,
	'22P02', NULL, 'an unknown replication method');
SELECT throws_ok($$SELECT regexp_replace(t::text, '; s i2', '; s i1')::barometer.tally FROM io_t WHERE name = 'stratified'$$,
	'22P02', NULL, 'a stratified design listing a stratum twice');
SELECT throws_ok($$SELECT regexp_replace(t::text, '; s i2 134 ', '; s i2 13 ')::barometer.tally FROM io_t WHERE name = 'stratified'$$,
	'22P02', NULL, 'a stratified design with more domain rows in a stratum than its n_stratum');

-- malformed binary design sections, through COPY BINARY
CREATE TEMP TABLE bin_in (t barometer.tally);
\ir ../lib/binary_copy.sql
CREATE FUNCTION pg_temp.bad_copy(payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	RETURN pg_temp.binary_copy('bin_in', payload);
END $f$;
SELECT throws_ok(pg_temp.bad_copy(substr(barometer.tally_send(t), 1, length(barometer.tally_send(t)) - 3)),
	'22P03', NULL, 'a truncated binary design section') FROM io_t WHERE name = 'cluster2';
-- the design kind is the int32 after the core (4 x 3 + 8 x 3 + 16 x 6 = 132 bytes)
SELECT throws_ok(pg_temp.bad_copy(overlay(barometer.tally_send(t) PLACING int4send(9) FROM 133 FOR 4)),
	'22P03', NULL, 'an unknown binary design kind') FROM io_t WHERE name = 'cluster';
SELECT throws_ok(pg_temp.bad_copy(overlay(barometer.tally_send(t) PLACING int4send(9) FROM 137 FOR 4)),
	'22P03', NULL, 'an unknown binary lonely policy') FROM io_t WHERE name = 'cluster';
SELECT lives_ok(pg_temp.bad_copy(barometer.tally_send(t)), 'the unaltered binary value loads') FROM io_t WHERE name = 'replicate';

SELECT * FROM finish();
ROLLBACK;
