-- bench/chisq.sql - time the pairs chisq and chisq2 on bench.chisq, in this one
-- backend, as bench/bench.sql does the others, and check the numbers.  psql
-- variables: size (label), nrows, rounds.  Nothing when bench.chisq is
-- missing (sizes above 1M rows).
SET client_min_messages = warning;
SELECT to_regclass('bench.chisq') IS NOT NULL AND :nrows <= max_rows AS chisq
FROM bench.query WHERE test = 'chisq' \gset
\if :chisq
\warn :size chisq serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'chisq', 'serial', :rounds);
\warn :size chisq2 serial
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'chisq2', 'serial', :rounds);
\warn :size chisq numbers
INSERT INTO bench.numbers_chisq SELECT * FROM bench.check_chisq(:'size');
\endif
