-- every stored value restores: the binary inputs of the four stored types
-- refuse exactly what their text forms cannot carry (22P03, never 08P01),
-- check lengths and counts before reading or allocating, and read back
-- what the aggregates store at the extremes
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(45);

CREATE TEMP TABLE sv_rows AS
SELECT i, 1 + (i % 3) AS stratum, 'p' || (i % 7) AS psu, i % 5 AS ssu,
       CASE WHEN i % 9 = 0 THEN NULL ELSE i % 4 = 0 END AS y,
       (i % 11) * 0.7 + i / 13.0 AS x, (0.5 + (i % 6) * 0.3)::float8 AS w,
       ARRAY[1.0, 0.5 + i % 2, 1.5]::float8[] AS repw
FROM generate_series(1, 120) i;
CREATE TEMP TABLE sv_d AS
SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       barometer.psu_count(ssu) OVER (PARTITION BY stratum, psu) AS n_ssu,
       count(*) OVER () AS n_sample
FROM sv_rows r;

CREATE TEMP TABLE sv (name text, t barometer.tally, m barometer.magnitude,
                      p barometer.replicate_plan, r barometer.replicates);
INSERT INTO sv (name, t) SELECT 'weights', barometer.tally(y, w) FROM sv_d;
INSERT INTO sv (name, t) SELECT 'wdomain', barometer.tally(y, w, n_sample) FROM sv_d WHERE i % 2 = 0;
INSERT INTO sv (name, t) SELECT 'cluster', barometer.tally(y, w, 'é"' || stratum, psu, n_psu, 30.0) FROM sv_d WHERE i <= 20;
INSERT INTO sv (name, t) SELECT 'stratified', barometer.tally_stratified(x, w, 'é"' || stratum, 50::bigint, 100.0, 'adjust') FROM sv_d WHERE i <= 20;
INSERT INTO sv (name, t) SELECT 'replicate', barometer.tally(y, w, repw, barometer.replicates('jkn', rscales => '{0.5,0.5,0.5}')) FROM sv_d WHERE i <= 20;
-- a replicate tally whose rank (2) is below R (3): its Gram matrix is stored (form version 3)
INSERT INTO sv (name, t) SELECT 'replicate_gram', barometer.tally(y, w, ARRAY[w, 2 * w, w * (i % 2)]::float8[], barometer.replicates('jk1')) FROM sv_d WHERE i <= 20;
INSERT INTO sv (name, m) SELECT 'magnitude', barometer.magnitude(x, 3) FROM sv_d;
INSERT INTO sv (name, p) SELECT 'plan', barometer.replicate_plan('jkn', stratum, psu) FROM sv_d WHERE i <= 20;
INSERT INTO sv (name, r) VALUES ('replicates', barometer.replicates('fay', rho => 0.5, rscales => '{1,1}', df => 4));

-- COPY ... FROM a binary file holding one row with one field: the payload
CREATE TEMP TABLE bin_t (v barometer.tally);
CREATE TEMP TABLE bin_m (v barometer.magnitude);
CREATE TEMP TABLE bin_p (v barometer.replicate_plan);
CREATE TEMP TABLE bin_r (v barometer.replicates);
\ir ../lib/binary_copy.sql
CREATE FUNCTION pg_temp.copy_cmd(tbl text, payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	RETURN pg_temp.binary_copy(tbl, payload);
END $f$;
-- the SQLSTATE of loading payload (NULL: accepted)
CREATE FUNCTION pg_temp.load(tbl text, payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE pg_temp.copy_cmd(tbl, payload);
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $f$;
-- the distinct SQLSTATEs of the truncations of payload, every stride-th
-- length (a stride below 4 cuts every field)
CREATE FUNCTION pg_temp.truncations(tbl text, payload bytea, stride int DEFAULT 1) RETURNS text LANGUAGE sql AS $f$
	SELECT string_agg(DISTINCT coalesce(pg_temp.load(tbl, substr(payload, 1, k)), 'accepted'), ',')
	FROM generate_series(0, length(payload) - 1, stride) k
$f$;

-- truncated values: 22P03 at every length (magnitudes gave 08P01, a
-- protocol violation, from pq_getmsg*)
SELECT is(pg_temp.truncations('bin_t', barometer.tally_send(t), 3), '22P03', 'every truncation of a weights tally: 22P03') FROM sv WHERE name = 'weights';
SELECT is(pg_temp.truncations('bin_t', barometer.tally_send(t), 3), '22P03', 'every truncation of a clustered tally: 22P03') FROM sv WHERE name = 'cluster';
SELECT is(pg_temp.truncations('bin_t', barometer.tally_send(t), 3), '22P03', 'every truncation of a replicate tally: 22P03') FROM sv WHERE name = 'replicate';
SELECT is(pg_temp.truncations('bin_t', barometer.tally_send(t), 2), '22P03', 'every truncation of a stratified tally: 22P03') FROM sv WHERE name = 'stratified';
SELECT is(pg_temp.truncations('bin_t', barometer.tally_send(t), 3), '22P03', 'every truncation of a replicate tally with its Gram matrix: 22P03') FROM sv WHERE name = 'replicate_gram';
SELECT is(pg_temp.truncations('bin_m', barometer.magnitude_send(m)), '22P03', 'every truncation of a magnitude: 22P03') FROM sv WHERE name = 'magnitude';
SELECT is(pg_temp.truncations('bin_p', barometer.replicate_plan_send(p)), '22P03', 'every truncation of a plan: 22P03') FROM sv WHERE name = 'plan';
SELECT is(pg_temp.truncations('bin_r', barometer.replicates_send(r)), '22P03', 'every truncation of a replicates: 22P03') FROM sv WHERE name = 'replicates';
-- and the whole values load
SELECT is(pg_temp.load('bin_t', barometer.tally_send(t)), NULL, 'the unaltered ' || name || ' tally loads') FROM sv WHERE t IS NOT NULL ORDER BY name;
SELECT is(pg_temp.load('bin_m', barometer.magnitude_send(m)), NULL, 'the unaltered magnitude loads') FROM sv WHERE name = 'magnitude';
SELECT is(pg_temp.load('bin_p', barometer.replicate_plan_send(p)), NULL, 'the unaltered plan loads') FROM sv WHERE name = 'plan';
SELECT is(pg_temp.load('bin_r', barometer.replicates_send(r)), NULL, 'the unaltered replicates loads') FROM sv WHERE name = 'replicates';

-- fields the text form cannot carry (offsets 1-based, version 3: the core
-- takes 140 bytes (n_true at 37); then design kind 141, lonely 145, n_sample
-- 149, counts 157..168; a replicate section: method 169, replicates 173,
-- mse 177, rscales flag 181, scale 185, rho 193, df 201, rank 209)
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING int4send(3) FROM 145 FOR 4)), '22P03',
	'a weights_domain tally with a lonely PSU policy (the text form has none)') FROM sv WHERE name = 'wdomain';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING int4send(2) FROM 181 FOR 4)), '22P03',
	'a replicate tally with an rscales flag of 2') FROM sv WHERE name = 'replicate';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING int4send(2) FROM 177 FOR 4)), '22P03',
	'a replicate tally with an mse flag of 2') FROM sv WHERE name = 'replicate';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\x7ff8000000000001'::bytea FROM 201 FOR 8)), '22P03',
	'a replicate tally whose df is a NaN with a payload') FROM sv WHERE name = 'replicate';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\xfff8000000000000'::bytea FROM 201 FOR 8)), '22P03',
	'a replicate tally whose df is a negative NaN') FROM sv WHERE name = 'replicate';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\x7ff8000000000000'::bytea FROM 201 FOR 8)), NULL,
	'the canonical NaN is df default') FROM sv WHERE name = 'replicate';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\x7ff8000000000000'::bytea FROM 185 FOR 8)), '22P03',
	'a replicate tally whose scale is NaN (the stored scale is always completed)') FROM sv WHERE name = 'replicate';
-- identifiers: the first stratum id follows the 168-byte header; 'é"1' is
-- int4 length 5 + 't' + c3 a9 22 31
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\x00'::bytea FROM 174 FOR 1)), '22P03',
	'a stratum id with a NUL byte') FROM sv WHERE name = 'cluster';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\xff'::bytea FROM 174 FOR 1)), '22P03',
	'a stratum id with invalid UTF-8') FROM sv WHERE name = 'cluster';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\x78'::bytea FROM 173 FOR 1)), '22P03',
	'an identifier with an unknown tag') FROM sv WHERE name = 'cluster';
-- a stratified tally: its header's PSU count (161) is 0; the first stratum
-- (after the 168-byte header: id 'é"1' as int4 5 + 't' + 4 bytes, then
-- n_stratum, popsize, n_dom, n_pos, and the sums from 210)
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING int4send(1) FROM 161 FOR 4)), '22P03',
	'a stratified tally announcing a PSU') FROM sv WHERE name = 'stratified';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\x00'::bytea FROM 174 FOR 1)), '22P03',
	'a stratified tally''s stratum id with a NUL byte') FROM sv WHERE name = 'stratified';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\x7ff8000000000000'::bytea FROM 210 FOR 8)), '22P03',
	'a stratum''s sum of NaN') FROM sv WHERE name = 'stratified';
-- a one-stage PSU's popsize2 of -0 (the text form writes no popsize2)
-- the 1-based offset of the first PSU's popsize2 (get_byte counts from 0)
CREATE FUNCTION pg_temp.first_popsize2(b bytea) RETURNS int LANGUAGE plpgsql AS $f$
DECLARE pos int := 168; k int; idlen int;
BEGIN
	-- strata: id, int64 n_psu, float8 popsize; the stratum count is at 156
	FOR k IN 1 .. get_byte(b, 158) * 256 + get_byte(b, 159) LOOP
		idlen := (get_byte(b, pos + 1) << 16) + (get_byte(b, pos + 2) << 8) + get_byte(b, pos + 3);
		pos := pos + 4 + idlen + 16;
	END LOOP;
	-- the first PSU: int32 stratum, id, n_dom, n_pos, a, b, n_ssu, popsize2
	idlen := (get_byte(b, pos + 5) << 16) + (get_byte(b, pos + 6) << 8) + get_byte(b, pos + 7);
	RETURN pos + 8 + idlen + 16 + 32 + 8 + 1;
END $f$;
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\x8000000000000000'::bytea
	FROM pg_temp.first_popsize2(barometer.tally_send(t)) FOR 8)), '22P03',
	'a one-stage PSU with a popsize2 of -0') FROM sv WHERE name = 'cluster';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING '\x0000000000000000'::bytea
	FROM pg_temp.first_popsize2(barometer.tally_send(t)) FOR 8)), NULL,
	'and with its popsize2 of 0 it loads') FROM sv WHERE name = 'cluster';
-- counts in headers are checked against the bytes left before anything is allocated
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING int4send(100000) FROM 173 FOR 4)), '22P03',
	'a replicate count the value cannot hold') FROM sv WHERE name = 'replicate';
SELECT is(pg_temp.load('bin_t', overlay(barometer.tally_send(t) PLACING int4send(99999999) FROM 157 FOR 4)), '22P03',
	'a stratum count the value cannot hold') FROM sv WHERE name = 'cluster';
SELECT is(pg_temp.load('bin_m', overlay(barometer.magnitude_send(m) PLACING int4send(1000) FROM 33 FOR 4)), '22P03',
	'a magnitude announcing more kept contributions than it holds') FROM sv WHERE name = 'magnitude';
SELECT is(pg_temp.load('bin_p', overlay(barometer.replicate_plan_send(p) PLACING int4send(2147483647) FROM 41 FOR 4)), '22P03',
	'a plan announcing more strata than it holds') FROM sv WHERE name = 'plan';
-- the plan's first stratum id: "1" after its PSU count, at 49
SELECT is(pg_temp.load('bin_p', overlay(barometer.replicate_plan_send(p) PLACING '\x00'::bytea FROM 53 FOR 1)), '22P03',
	'a plan id with a NUL byte') FROM sv WHERE name = 'plan';
SELECT is(pg_temp.load('bin_p', overlay(barometer.replicate_plan_send(p) PLACING '\xc3'::bytea FROM 53 FOR 1)), '22P03',
	'a plan id with invalid UTF-8') FROM sv WHERE name = 'plan';
-- replicates: version 1, method 5, mse 9, scale 13, rho 21, df 29, count 37
SELECT is(pg_temp.load('bin_r', overlay(barometer.replicates_send(r) PLACING int4send(2) FROM 9 FOR 4)), '22P03',
	'a replicates with an mse flag of 2') FROM sv WHERE name = 'replicates';
SELECT is(pg_temp.load('bin_r', overlay(barometer.replicates_send(r) PLACING '\x7ff8000000000001'::bytea FROM 13 FOR 8)), '22P03',
	'a replicates whose default scale is a NaN with a payload') FROM sv WHERE name = 'replicates';

-- the limit barometer.max_state_bytes holds for stored values read back (54000)
CREATE TEMP TABLE sv_big AS
SELECT barometer.tally_send(barometer.tally(true, 1.0::float8, 1, i, 5000, NULL)) AS b FROM generate_series(1, 5000) i;
SET LOCAL barometer.max_state_bytes = '64kB';
SELECT is(pg_temp.load('bin_t', b), '54000',
	'a tally of more PSUs than barometer.max_state_bytes allows: 54000') FROM sv_big;
RESET barometer.max_state_bytes;
CREATE TEMP TABLE sv_big_strat AS
SELECT barometer.tally_send(barometer.tally_stratified(true, 1.0::float8, i, 1::bigint, NULL, 'remove')) AS b
FROM generate_series(1, 5000) i;
SET LOCAL barometer.max_state_bytes = '64kB';
SELECT is(pg_temp.load('bin_t', b), '54000',
	'a tally of more strata than barometer.max_state_bytes allows: 54000') FROM sv_big_strat;
RESET barometer.max_state_bytes;

-- barometer.huge_page_hint only advises the kernel: a state and a stored
-- value past 4 MB (300,000 PSUs: 5.4 MB stored, 24 MB decoded) are the same
-- bytes with and without it, and so is what a reader computes from them
SET LOCAL barometer.huge_page_hint = off;
CREATE TEMP TABLE sv_hint AS
SELECT 'off' AS hint, barometer.tally(i % 3 = 0, 1.0 + (i % 7) / 8.0, i % 2, i, 150000, NULL) AS t
FROM generate_series(1, 300000) i;
SET LOCAL barometer.huge_page_hint = on;
INSERT INTO sv_hint
SELECT 'on', barometer.tally(i % 3 = 0, 1.0 + (i % 7) / 8.0, i % 2, i, 150000, NULL)
FROM generate_series(1, 300000) i;
SELECT ok((SELECT octet_length(barometer.tally_send(t)) > 4 * 1024 * 1024 FROM sv_hint WHERE hint = 'on')
	AND (SELECT barometer.tally_send(t) FROM sv_hint WHERE hint = 'on') =
	    (SELECT barometer.tally_send(t) FROM sv_hint WHERE hint = 'off'),
	'barometer.huge_page_hint: a 300,000-PSU tally is the same bytes with and without the hint');
SET LOCAL barometer.huge_page_hint = off;
SELECT is((SELECT barometer.se(t)::text FROM sv_hint WHERE hint = 'on'),
	(SELECT barometer.se(t)::text FROM sv_hint WHERE hint = 'off'),
	'barometer.huge_page_hint: the standard error read without the hint equals the one read with it');
RESET barometer.huge_page_hint;

-- values of version 1 (the first release) still load
-- (version 1: the core without n_true, no design section)
SELECT is(pg_temp.load('bin_t', int4send(1) || substr(barometer.tally_send(t), 5, 32) || substr(barometer.tally_send(t), 45, 96)), NULL,
	'a version 1 binary tally loads') FROM sv WHERE name = 'weights';

SELECT * FROM finish();
ROLLBACK;
