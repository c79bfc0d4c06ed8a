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
SELECT 'v3 proportion n=0 missing=0 positive=0 sw=0:0 swy=0:0 swyy=0:0 sww=0:0 swwy=0:0 swwyy=0:0 design=weights'::barometer.tally;
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
