-- many indicators at once: tally(y[], w [, n_sample]) and recode()
SET extra_float_digits = 0;

CREATE TABLE items_rows AS
SELECT i,
       (i % 5) AS grp,
       ARRAY[CASE WHEN i % 13 = 0 THEN NULL ELSE i % 4 = 0 END,
	     i % 3 = 0,
	     CASE WHEN i % 2 = 0 THEN NULL ELSE i % 7 < 2 END] AS y,
       ARRAY[(i % 10)::float8, CASE WHEN i % 17 = 0 THEN NULL ELSE (i % 6) * 0.5 END] AS x,
       1.0 + (i % 9) * 0.25 AS w,
       ARRAY[1 + i % 5, CASE WHEN i % 11 = 0 THEN 9 ELSE 1 + (i * 7) % 5 END,
	     CASE WHEN i % 19 = 0 THEN NULL ELSE 1 + (i * 3) % 5 END]::smallint[] AS answers
FROM generate_series(1, 3000) AS i;

-- one tally per element; estimates per group and element
SELECT grp, k, barometer.n(t[k]), barometer.n_missing(t[k]),
       round(barometer.estimate(t[k])::numeric, 10) AS estimate, round(barometer.se(t[k])::numeric, 10) AS se
FROM (SELECT grp, barometer.tally(y, w) AS t FROM items_rows GROUP BY grp) s, generate_series(1, 3) AS k
WHERE grp < 2 ORDER BY grp, k;

-- element k is exactly the one-indicator tally (stored form compared)
SELECT bool_and(a.t[k]::text = b.t::text) AS weights_equal, bool_and(a.td[k]::text = b.td::text) AS domain_equal,
       count(*) AS compared
FROM (SELECT grp, barometer.tally(y, w) AS t, barometer.tally(y, w, 3000) AS td FROM items_rows GROUP BY grp) a
JOIN (SELECT grp, k, barometer.tally(y[k], w) AS t, barometer.tally(y[k], w, 3000) AS td
      FROM items_rows, generate_series(1, 3) AS k GROUP BY grp, k) b USING (grp);
SELECT bool_and(a.t[k]::text = b.t::text) AS weights_equal, bool_and(a.td[k]::text = b.td::text) AS domain_equal,
       count(*) AS compared
FROM (SELECT grp, barometer.tally(x, w) AS t, barometer.tally(x, w, 3000) AS td FROM items_rows GROUP BY grp) a
JOIN (SELECT grp, k, barometer.tally(x[k], w) AS t, barometer.tally(x[k], w, 3000) AS td
      FROM items_rows, generate_series(1, 2) AS k GROUP BY grp, k) b USING (grp);

-- the kinds and designs of the elements
SELECT barometer.kind(t[1]) AS kind_b, barometer.kind(tx[1]) AS kind_x, td[1]::text LIKE '%design=weights_domain sample=3000' AS domain
FROM (SELECT barometer.tally(y, w) AS t, barometer.tally(x, w) AS tx, barometer.tally(y, w, 3000) AS td FROM items_rows) s;

-- an empty array gives an empty array of tallies; no rows give NULL
SELECT barometer.tally('{}'::boolean[], w) FROM items_rows WHERE i = 1;
SELECT barometer.tally(y, w) IS NULL AS no_rows FROM items_rows WHERE false;
-- a row of NULLs is missing in every element
SELECT barometer.n(t[1]), barometer.n_missing(t[1]), barometer.n_missing(t[2])
FROM (SELECT barometer.tally(y, w) AS t FROM (VALUES ('{NULL,NULL}'::boolean[], 1.0::float8), ('{t,NULL}', 2)) v(y, w)) s;

-- recode: element k = lookup[k][codes[item[k]]]
SELECT barometer.recode('{1,4,9,NULL}'::smallint[], '{2,3,3,4,1}',
	'{{f,f,f,t,t,NULL,NULL,NULL,NULL},{f,f,f,t,t,NULL,NULL,NULL,f},{t,t,f,f,f,NULL,NULL,NULL,NULL},{f,f,f,t,t,NULL,NULL,NULL,NULL},{t,f,f,f,f,NULL,NULL,NULL,NULL}}'::boolean[]);
SELECT barometer.recode('{0,2,3}'::integer[], '{1,3}', '[1:2][0:3]={{10,20,30,40},{0,0.5,1,NULL}}'::float8[]);
SELECT barometer.recode('[0:2]={5,6,7}'::integer[], '{0,2}', '[1:2][5:7]={{t,f,NULL},{NULL,f,t}}'::boolean[]);
SELECT barometer.recode('{1}'::smallint[], '{}'::integer[], '{}'::boolean[]) AS no_indicator;
-- recode and the array tally together equal the one-indicator tallies of
-- the same collapse written as CASE expressions
CREATE TABLE items_catalog (k int, item int, agree int[], dont_know text);
INSERT INTO items_catalog VALUES (1, 1, '{4,5}', 'exclude'), (2, 2, '{1,2}', 'exclude'),
	(3, 3, '{3}', 'exclude'), (4, 2, '{4,5}', 'include');
CREATE VIEW items_coding AS
SELECT array_agg(item ORDER BY k) AS item,
       array_agg(ARRAY(SELECT CASE WHEN c = 9 THEN CASE WHEN dont_know = 'include' THEN false END
				   WHEN c <= 5 THEN c = ANY (agree) END
		       FROM generate_series(1, 9) AS c ORDER BY c) ORDER BY k) AS lookup
FROM items_catalog;
SELECT lookup FROM items_coding;
SELECT bool_and(a.t[b.k]::text = b.t::text) AS equal, count(*) AS compared
FROM (SELECT r.grp, barometer.tally(barometer.recode(r.answers, c.item, c.lookup), r.w, 3000) AS t
      FROM items_rows r, items_coding c GROUP BY r.grp) a
JOIN (SELECT r.grp, i.k,
	     barometer.tally(CASE WHEN r.answers[i.item] IS NULL THEN NULL
				  WHEN r.answers[i.item] = 9 THEN CASE WHEN i.dont_know = 'include' THEN false END
				  ELSE r.answers[i.item] = ANY (i.agree) END, r.w, 3000) AS t
      FROM items_rows r, items_catalog i GROUP BY r.grp, i.k) b USING (grp);

-- errors
SELECT barometer.tally(y, w) FROM (VALUES ('{t}'::boolean[], 1.0::float8), ('{t,f}', 1)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES ('{{t},{f}}'::boolean[], 1.0::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES (NULL::boolean[], 1.0::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES ('{t}'::boolean[], -1.0::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES ('{t}'::boolean[], NULL::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES ('{1,NaN}'::float8[], 1.0::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES ('{1,-Infinity}'::float8[], 1.0::float8)) v(y, w);
SELECT barometer.tally(y, w) FROM (VALUES ('{1e80}'::float8[], 1.0::float8)) v(y, w);
SELECT barometer.tally(y, w, n) FROM (VALUES ('{t}'::boolean[], 1.0::float8, 1::bigint), ('{f}', 1, 1)) v(y, w, n);
SELECT barometer.tally(y, w, n) FROM (VALUES ('{t}'::boolean[], 1.0::float8, 5::bigint), ('{f}', 1, 6)) v(y, w, n);
SELECT barometer.tally(y, w, n) FROM (VALUES ('{t}'::boolean[], 1.0::float8, 0::bigint)) v(y, w, n);
SELECT barometer.tally(y, w, n) FROM (VALUES ('{t}'::boolean[], 1.0::float8, NULL::bigint)) v(y, w, n);
SELECT barometer.recode('{1,2,7}'::integer[], '{3}', '{{f,f,f,t,t}}'::boolean[]);
SELECT barometer.recode('{1,2,7}'::integer[], '{4}', '{{f,f,f,t,t,f,f}}'::boolean[]);
SELECT barometer.recode('{1,2,7}'::integer[], '{0}', '{{f,f,f,t,t,f,f}}'::boolean[]);
SELECT barometer.recode('{1,2,7}'::integer[], '{1,2}', '{{f,f,f,t,t}}'::boolean[]);
SELECT barometer.recode('{1,2,7}'::integer[], '{1}', '{f,f,f,t,t}'::boolean[]);
SELECT barometer.recode('{1,2,7}'::integer[], '{1,NULL}', '{{f,f},{f,f}}'::boolean[]);
SELECT barometer.recode('{{1,2},{7,1}}'::integer[], '{1}', '{{f,f}}'::boolean[]);

DROP VIEW items_coding;
DROP TABLE items_rows, items_catalog;
