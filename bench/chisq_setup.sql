-- bench/chisq_setup.sql - the pairs of tests chisq and chisq2, the design-based
-- chi-square test of a 50 x 50 table (barometer.chisq, R's svychisq) on the
-- 1M rows of bench.chisq (bench/data_chisq.sql), after bench/setup.sql.
--
-- The baseline is the plain GROUP BY that counts and sums the same 2,500
-- cells: what any cross-tabulation of the table costs.  g: the weights-only
-- form (goal: within 3x of the baseline); g2: the stratified cluster form
-- (200 strata x 100 PSUs), no goal.  Serial only: an aggregate over the
-- whole table, its final function (the test) runs once in the leader.
SET client_min_messages = warning;

INSERT INTO bench.query (test, title, baseline, barometer, max_rows, modes, warmup, speedup_goal) VALUES
('chisq', 'chisq 50x50, weights only',
 $q$SELECT r, c, count(*), sum(w) FROM bench.chisq GROUP BY r, c$q$,
 $q$SELECT barometer.chisq(r, c, w) FROM bench.chisq$q$,
 1000000, ARRAY['serial'], true, NULL),
('chisq2', 'chisq 50x50, strata+PSUs',
 $q$SELECT r, c, count(*), sum(w) FROM bench.chisq GROUP BY r, c$q$,
 $q$SELECT barometer.chisq(r, c, w, stratum, psu, n_psu, NULL) FROM bench.chisq$q$,
 1000000, ARRAY['serial'], true, NULL);

INSERT INTO bench.goal VALUES ('chisq', 'serial', 3.0, '<= 3');

-- the numbers of tests chisq and chisq2: F, Chisq and Wald of both forms, and of the
-- transposed table (the Rao-Scott traces, X^2 and the Wald statistic do not
-- depend on which variable is the row), relative 1e-9
CREATE TABLE bench.numbers_chisq (
	size text NOT NULL,
	form text NOT NULL,
	statistic text NOT NULL,
	res barometer.chisq_result,
	res_t barometer.chisq_result,
	ms float8 NOT NULL
);

CREATE FUNCTION bench.check_chisq(p_size text)
RETURNS SETOF bench.numbers_chisq
LANGUAGE plpgsql AS $$
DECLARE
	v_form text;
	v_args text;
	v_stat text;
	v_res barometer.chisq_result;
	v_res_t barometer.chisq_result;
	t0 timestamptz;
	t1 timestamptz;
BEGIN
	PERFORM bench.set_mode('serial');
	FOR v_form, v_args IN VALUES ('weights only', 'w'),
			('strata+PSUs', 'w, stratum, psu, n_psu, NULL') LOOP
		-- Wald solves the 2,401 x 2,401 covariance of the contrasts, O(q^3):
		-- seconds, once (adjWald is the same solve)
		FOREACH v_stat IN ARRAY ARRAY['F', 'Chisq', 'Wald'] LOOP
			t0 := clock_timestamp();
			EXECUTE format('SELECT (barometer.chisq(r, c, %s, %L)).* FROM bench.chisq', v_args, v_stat)
				INTO STRICT v_res;
			t1 := clock_timestamp();
			EXECUTE format('SELECT (barometer.chisq(c, r, %s, %L)).* FROM bench.chisq', v_args, v_stat)
				INTO STRICT v_res_t;
			RETURN NEXT ROW(p_size, v_form, v_stat, v_res, v_res_t,
							extract(epoch FROM t1 - t0) * 1000.0)::bench.numbers_chisq;
		END LOOP;
	END LOOP;
END;
$$;
