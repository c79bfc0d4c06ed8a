-- bench/chisq_report.sql - the lines of tests chisq and chisq2 beyond the main table
-- (bench/report.sql has its medians and ratio): the cost of every
-- statistic once, and the check that the transposed table gives the same
-- result.  Run with psql -X -A -t.
SET client_min_messages = warning;

SELECT format('%-4s chisq %-12s %-7s statistic %s ndf %s ddf %s p %s; %s ms once; transposed: largest relative difference %s, <= 1e-9: %s',
	size, form, statistic,
	to_char((res).statistic, 'FM999999990.000000'), to_char((res).ndf, 'FM999990.000'),
	coalesce(to_char((res).ddf, 'FM9999999990.0'), '-'),
	coalesce(trim(to_char((res).p_value, '0.000EEEE')), '-'),
	to_char(ms, 'FM999990.0'),
	trim(to_char(d, '0.0EEEE')),
	CASE WHEN d <= 1e-9 THEN 'yes' ELSE 'NO' END)
FROM (SELECT n.*,
		greatest(abs((res).statistic - (res_t).statistic) / abs((res).statistic),
				 abs((res).ndf - (res_t).ndf) / abs((res).ndf),
				 coalesce(abs((res).ddf - (res_t).ddf) / abs((res).ddf), 0)) AS d
	  FROM bench.numbers_chisq n) AS n
ORDER BY length(size), size, form DESC, statistic;
