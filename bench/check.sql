-- bench/check.sql - prove that the timing harness really runs the parallel
-- plans with their workers.  The same statement as bench/bench.sql, with no
-- timed round (only the warm-up round runs), under auto_explain: with
-- log_nested_statements it logs the plan of every query the plpgsql EXECUTE
-- runs, with log_analyze its "Workers Launched", and client_min_messages =
-- log sends those lines to this client (stderr), where bench/run counts them.
-- psql variables: size, nrows.
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_nested_statements = on;
SET client_min_messages = log;
-- every test that runs in parallel mode at this size (bench/run expects two
-- Gather nodes for each)
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'a', 'parallel', 0);
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'b', 'parallel', 0);
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'c', 'parallel', 0);
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'd', 'parallel', 0);
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'e', 'parallel', 0);
SELECT :nrows <= max_rows AS rep FROM bench.query WHERE test = 'f' \gset
\if :rep
INSERT INTO bench.timing SELECT * FROM bench.time_pair(:'size', :nrows, 'f', 'parallel', 0);
\endif
