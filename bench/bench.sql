-- bench/bench.sql - time every pair on the current tables (bench.data,
-- bench.cluster, bench.cluster_shuffled, and bench.rep up to its size), in
-- this one backend.  psql variables: size (label), nrows, rounds, and
-- slow_rounds, the timed rounds of the slow pairs (e2, f2).
--
-- Each call of bench.time_pair runs a warm-up round and then :rounds rounds
-- of (baseline, barometer) for one test in one mode; its rows go to
-- bench.timing.  The INSERT only receives the rows when the function has
-- finished (a plpgsql set-returning function fills a tuplestore first), so it
-- does not disturb the queries being timed.
SET client_min_messages = warning;

-- plans and numbers first (cheap, and they warm the caches)
INSERT INTO bench.plan SELECT * FROM bench.check_plans(:'size', :nrows, 'serial');
INSERT INTO bench.plan SELECT * FROM bench.check_plans(:'size', :nrows, 'parallel');
INSERT INTO bench.numbers SELECT * FROM bench.check_numbers(:'size', 'serial');
INSERT INTO bench.numbers SELECT * FROM bench.check_numbers(:'size', 'parallel');
INSERT INTO bench.numbers_cluster SELECT * FROM bench.check_cluster(:'size');
SELECT :nrows <= max_rows AS rep FROM bench.query WHERE test = 'f' \gset

\warn :size a serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'a', 'serial', :rounds);
\warn :size a parallel
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'a', 'parallel', :rounds);
\warn :size b serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'b', 'serial', :rounds);
\warn :size b parallel
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'b', 'parallel', :rounds);
\warn :size c serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'c', 'serial', :rounds);
\warn :size c parallel
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'c', 'parallel', :rounds);
\warn :size d serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'd', 'serial', :rounds);
\warn :size d parallel
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'd', 'parallel', :rounds);
\warn :size e serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'e', 'serial', :rounds);
\warn :size e parallel
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'e', 'parallel', :rounds);
\warn :size e2 serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'e2', 'serial', :slow_rounds);
\if :rep
\warn :size f serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'f', 'serial', :rounds);
\warn :size f parallel
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'f', 'parallel', :rounds);
\warn :size f numbers
INSERT INTO bench.numbers_rep SELECT * FROM bench.check_rep(:'size');
\warn :size f2 serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'f2', 'serial', :slow_rounds);
\endif

-- (g) one PSU per row, (g3) the same rows as tally_stratified, 1M rows only
SELECT :nrows <= max_rows AS elem FROM bench.query WHERE test = 'g' \gset
\if :elem
\warn :size g serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'g', 'serial', :rounds);
\warn :size g2 serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'g2', 'serial', :rounds);
\warn :size g3 serial
-- its numbers first: tally_stratified against psu = row id (relative 1e-12)
SELECT abs(barometer.se(s) / barometer.se(c) - 1) <= 1e-12 AND barometer.estimate(s) = barometer.estimate(c)
       AND barometer.df(s) = barometer.df(c) AS g3_same
FROM (SELECT barometer.tally_stratified(y, w, stratum, n_stratum, NULL) AS s,
             barometer.tally(y, w, stratum, id, n_psu, NULL) AS c FROM bench.elem) q \gset
\if :g3_same
\else
\warn g3: tally_stratified differs from the psu = row id tally
\endif
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'g3', 'serial', :rounds);
\endif
