-- text and binary forms of barometer.tally: round trips and malformed input
SET extra_float_digits = 0;

CREATE TABLE io_rows AS
SELECT i,
       (i % 3 = 0) AS b,
       CASE WHEN i % 11 = 0 THEN NULL ELSE sqrt(i) * 1000.1 END AS x,
       0.1 + (i % 7) * 0.37 AS w
FROM generate_series(1, 500) AS i;

CREATE TABLE io_tallies AS
SELECT 'prop' AS name, barometer.tally(b, w) AS t FROM io_rows
UNION ALL
SELECT 'mean', barometer.tally(x, w) FROM io_rows
UNION ALL
SELECT 'empty', barometer.tally(b, w) FROM io_rows WHERE false
UNION ALL
SELECT 'zero weight', barometer.tally(b, 0.0) FROM io_rows WHERE i < 4;

-- the text form
SELECT name, t FROM io_tallies ORDER BY name;

-- text round trip is exact
SELECT name, t::text::barometer.tally::text = t::text AS text_round_trip
FROM io_tallies ORDER BY name;

-- binary round trip through COPY BINARY is exact
COPY io_tallies TO '/tmp/barometer_regress_tally.bin' (FORMAT binary);
CREATE TABLE io_back (name text, t barometer.tally);
COPY io_back FROM '/tmp/barometer_regress_tally.bin' (FORMAT binary);
SELECT a.name, a.t::text = b.t::text AS binary_round_trip
FROM io_tallies a JOIN io_back b USING (name) ORDER BY a.name;

-- readers agree before and after the round trips
SELECT a.name,
       barometer.estimate(a.t) IS NOT DISTINCT FROM barometer.estimate(b.t) AS same_estimate,
       barometer.se(a.t) IS NOT DISTINCT FROM barometer.se(b.t) AS same_se
FROM io_tallies a JOIN io_back b USING (name) ORDER BY a.name;

-- a hand-written literal, and the same in the version 1 form (still read)
SELECT barometer.estimate('v2 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0 design=weights'::barometer.tally);
SELECT 'v1 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0'::barometer.tally;

-- malformed literals: each is rejected with a reason
SELECT ''::barometer.tally;
-- a later version or design kind (a newer release wrote it): refused with a hint
SELECT 'v4 proportion n=0 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0 design=weights'::barometer.tally;
SELECT 'v2 proportion n=0 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0 design=declared'::barometer.tally;
-- version 2 needs its design section
SELECT 'v2 proportion n=0 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 median n=0 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=0 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0'::barometer.tally;
SELECT 'v1 proportion n=0 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0 extra'::barometer.tally;
SELECT 'v1 proportion n=-1 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=99999999999999999999 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=1 missing=0 positive=2 sw=2:0 swy=0:0 swyy=0:0 sww=2:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=1 missing=0 positive=1 sw=nan:0 swy=0:0 swyy=0:0 sww=1:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=1 missing=0 positive=1 sw=Infinity:0 swy=0:0 swyy=0:0 sww=1:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=1 missing=0 positive=1 sw=1e999:0 swy=0:0 swyy=0:0 sww=1:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=1 missing=0 positive=1 sw=1 swy=0:0 swyy=0:0 sww=1:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=1 missing=0 positive=1 sw=1:0.5 swy=0:0 swyy=0:0 sww=1:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=1 missing=0 positive=1 sw=-1:0 swy=0:0 swyy=0:0 sww=1:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=2 missing=0 positive=0 sw=1:0 swy=0:0 swyy=0:0 sww=1:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=2 missing=0 positive=2 sw=2:0 swy=3:0 swyy=3:0 sww=2:0 swwy=2:0 swwyy=2:0'::barometer.tally;
SELECT 'v1 proportion n=2 missing=0 positive=2 sw=2:0 swy=1:0 swyy=0.5:0 sww=2:0 swwy=1:0 swwyy=1:0'::barometer.tally;
SELECT 'v1 proportion n=2 missing=0 positive=2 sw=2:0 swy=1:0 swyy=1:0 sww=100:0 swwy=1:0 swwyy=1:0'::barometer.tally;
SELECT 'v1 proportion n=2 missing=0 positive=2 sw=2:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0'::barometer.tally;
SELECT 'v1 mean n=2 missing=0 positive=2 sw=2:0 swy=10:0 swyy=1:0 sww=2:0 swwy=1:0 swwyy=1:0'::barometer.tally;
SELECT 'v1 mean n=2 missing=0 positive=2 sw=2:0 swy=1:0 swyy=-1:0 sww=2:0 swwy=1:0 swwyy=1:0'::barometer.tally;
SELECT 'v1  proportion n=0 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0'::barometer.tally;
SELECT 'v1 proportion n=x missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0'::barometer.tally;

-- what the aggregates can store reads back from both forms, bit for bit:
-- subnormal sums (a weight of 1e-160 has a subnormal square, 1e-170 one
-- that underflows to 0), subnormal values, -0 and extreme weights
CREATE TABLE io_extremes AS
SELECT 'w 1e-160' AS name, barometer.tally(true, 1e-160::float8) AS t
UNION ALL SELECT 'w 1e-170 and 3e-170', barometer.tally(b, w)
  FROM (VALUES (true, 1e-170::float8), (false, 3e-170)) v(b, w)
UNION ALL SELECT 'y 1e-310', barometer.tally(1e-310::float8, 1)
UNION ALL SELECT 'y subnormal, w tiny', barometer.tally(y, w)
  FROM (VALUES (1e-155::float8, 1e-160::float8), (-2e-150, 3e-160), (5e-324, 1)) v(y, w)
UNION ALL SELECT 'w -0', barometer.tally(true, '-0'::float8)
UNION ALL SELECT 'w and y 1e75', barometer.tally(y, w)
  FROM (VALUES (1e75::float8, 1e75::float8), (-1e75, 1e75), (1, 1e-75)) v(y, w)
UNION ALL SELECT 'cluster, subnormal sums', barometer.tally(y, w, s, p, 2, 1e300)
  FROM (VALUES (1e-160::float8, 1e-160::float8, 1, 'a'), (2e-160, 1e-300, 1, 'b')) v(y, w, s, p)
UNION ALL SELECT 'replicate, subnormal sums', barometer.tally(true, 1e-160::float8,
  ARRAY[1e-160, 5e-324, 0]::float8[], barometer.replicates('jk1', df => 'NaN'));
SELECT name, t FROM io_extremes ORDER BY name;
SELECT name, t::text::barometer.tally::text = t::text AS text_round_trip
FROM io_extremes ORDER BY name;
COPY io_extremes TO '/tmp/barometer_regress_extremes.bin' (FORMAT binary);
CREATE TABLE io_extremes_back (name text, t barometer.tally);
COPY io_extremes_back FROM '/tmp/barometer_regress_extremes.bin' (FORMAT binary);
SELECT a.name, barometer.tally_send(a.t) = barometer.tally_send(b.t) AS binary_round_trip,
       a.t::text = b.t::text AS same_text
FROM io_extremes a JOIN io_extremes_back b USING (name) ORDER BY a.name;
-- the readers run on every one of them
SELECT count(*) AS reports FROM io_extremes, LATERAL barometer.report(t) r;
-- and the text form reads back through COPY (what pg_dump and pg_restore use)
COPY io_extremes TO '/tmp/barometer_regress_extremes.txt';
TRUNCATE io_extremes_back;
COPY io_extremes_back FROM '/tmp/barometer_regress_extremes.txt';
SELECT count(*) AS rows_back FROM io_extremes_back;

-- what no input could read back, the aggregates refuse (22003)
SELECT barometer.tally(true, 1.0, 1, 1, 2, 1e-310);
SELECT barometer.tally_combine(t, t)
FROM (SELECT 'v2 mean n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1e300:0 sww=1:0 swwy=1:0 swwyy=1.5e308:0 design=weights'::barometer.tally t) s;
SELECT barometer.merge(t)
FROM (SELECT 'v2 mean n=2305843009213693951 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights'::barometer.tally t
      FROM generate_series(1, 5)) s;

-- numbers: subnormals read, what no output writes is refused
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=1e-400:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0 design=weights'::barometer.tally;
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=0x1p3:0 swy=0:0 swyy=0:0 sww=64:0 swwy=0:0 swwyy=0:0 design=weights'::barometer.tally;
SELECT 'v2 proportion n=1 missing=0 positive=1 sw= 8:0 swy=0:0 swyy=0:0 sww=64:0 swwy=0:0 swwyy=0:0 design=weights'::barometer.tally;
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=nan:0 swy=0:0 swyy=0:0 sww=64:0 swwy=0:0 swwyy=0:0 design=weights'::barometer.tally;
SELECT 'v2 proportion n=+1 missing=0 positive=1 sw=8:0 swy=0:0 swyy=0:0 sww=64:0 swwy=0:0 swwyy=0:0 design=weights'::barometer.tally;
-- a count the text cannot hold
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=replicate method=jk1 replicates=100000 scale=1 rho=0 mse=false df=default rscales=none; r 1 1:0 1:0'::barometer.tally;
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=cluster lonely=fail strata=99999999 psus=1 ssus=0; s i1 1 0'::barometer.tally;
-- an identifier with an integer tag that does not parse
SELECT 'v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=cluster lonely=fail strata=1 psus=1 ssus=0; s i 1 1 0; p 0 i1 1 1 1:0 1:0'::barometer.tally;
