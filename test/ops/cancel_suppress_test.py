#!/usr/bin/python3
"""Secondary suppression stops on statement_timeout and pg_cancel_backend
(57014 within 2 s, the backend alive): the optimal mode and the audit on a
table large enough to run for many seconds.  And it is not stopped by
anything else: a run after the session sat idle for more than 10 s (the
idle statistics timer fires meanwhile) and a run while another session
drops another database both finish with the right result."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, check_stops, connect, fresh_db, run, scalar  # noqa: E402

DB = "barometer_ops_cancel_suppress"

# a register table: 60 municipalities (3 provinces) x 12 origins (2 groups)
# x 2 sexes with every margin (2,880 cells), counts from a hash (many small
# ones); the small table: FACTS.md's 15 cells, two primaries (a 2 and its
# complement 10)
SETUP = """
CREATE TABLE leaf AS
SELECT 'm' || m AS mu, 'P' || (m % 3) AS pr, 'o' || o AS oo, CASE WHEN o <= 6 THEN 'EU' ELSE 'nonEU' END AS gr,
       s, greatest(0, (hashint4(m * 1000 + o * 10 + s::int) & 31) - 8) AS n
FROM generate_series(1, 60) m, generate_series(1, 12) o, unnest(ARRAY['1', '2']) s;
CREATE TABLE cells AS
SELECT a, b, x, sum(n)::float8 AS n
FROM leaf CROSS JOIN LATERAL (VALUES (mu), (pr), ('T')) da(a)
          CROSS JOIN LATERAL (VALUES (oo), (gr), ('T')) db(b)
          CROSS JOIN LATERAL (VALUES (s), ('T')) dx(x)
GROUP BY a, b, x;
CREATE TABLE input AS
SELECT ARRAY(SELECT barometer.cell(ARRAY[a, b, x], n) FROM cells) AS cells,
       ARRAY(SELECT DISTINCT barometer.edge(1, mu, pr) FROM leaf
             UNION ALL SELECT DISTINCT barometer.edge(1, pr, 'T') FROM leaf
             UNION ALL SELECT DISTINCT barometer.edge(2, oo, gr) FROM leaf
             UNION ALL SELECT DISTINCT barometer.edge(2, gr, 'T') FROM leaf
             UNION ALL SELECT barometer.edge(3, s, 'T') FROM unnest(ARRAY['1', '2']) s) AS edges;
-- every cell hidden: the audit computes thousands of integer intervals
CREATE TABLE hidden AS
SELECT ARRAY(SELECT barometer.cell(ARRAY[a, b, x], n, suppressed => true) FROM cells) AS cells;
"""

OPTIMAL = ("SELECT count(*) FROM input, LATERAL barometer.protect_table(cells, edges, "
           "method => 'optimal', time_limit => 3600) p")
AUDIT = ("SELECT count(*) FROM input, hidden, LATERAL barometer.suppression_audit("
         "hidden.cells, input.edges) a")
SMALL = ("SELECT count(*) FILTER (WHERE status = 'primary' AND protected) || '/' || "
         "count(*) FILTER (WHERE status = 'primary') "
         "FROM barometer.protect_table(ARRAY(SELECT barometer.cell(ARRAY[r, c], n) FROM "
         "(VALUES ('T','T',83),('T','m',45),('T','f',38),('A','T',12),('A','m',10),('A','f',2),"
         "('B','T',25),('B','m',13),('B','f',12),('C','T',14),('C','m',8),('C','f',6),"
         "('D','T',32),('D','m',14),('D','f',18)) v(r, c, n)), "
         "ARRAY[barometer.edge(1,'A','T'), barometer.edge(1,'B','T'), barometer.edge(1,'C','T'), "
         "barometer.edge(1,'D','T'), barometer.edge(2,'m','T'), barometer.edge(2,'f','T')])")


def main():
    t = Tap(6)
    conn = fresh_db(DB)
    with conn.cursor() as cur:
        cur.execute(SETUP)
    check_stops(t, DB, "protect_table optimal (3-D, 2,880 cells)", OPTIMAL)
    check_stops(t, DB, "suppression_audit of a fully hidden 3-D table", AUDIT)

    # idle for more than 10 s after activity that leaves statistics pending
    c = connect(DB)
    with c.cursor() as cur:
        cur.execute("CREATE TEMP TABLE busy AS SELECT g FROM generate_series(1, 10000) g")
        cur.execute("SELECT count(*) FROM busy")
        cur.fetchall()
    time.sleep(11)
    try:
        got = scalar(c, SMALL)
    except Exception as e:  # noqa: BLE001
        got = f"error {getattr(e, 'pgcode', None)}: {e}"
    t.eq(got, "2/2", "a suppression after an 11 s idle gap completes (no spurious cancel)")
    c.close()

    # another session drops another database meanwhile
    admin = connect(os.environ.get("PGDATABASE", "postgres"))
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS barometer_ops_victim")
        cur.execute("CREATE DATABASE barometer_ops_victim")
    result = {}

    def work():
        w = connect(DB)
        try:
            result["got"] = scalar(w, "SELECT (" + SMALL + ") || ':' || (SELECT count(*) FROM input, "
                                   "LATERAL barometer.protect_table(cells, edges) p WHERE p.status = 'primary' "
                                   "AND NOT p.protected)")
        except Exception as e:  # noqa: BLE001
            result["got"] = f"error {getattr(e, 'pgcode', None)}: {e}"
        w.close()

    th = threading.Thread(target=work)
    th.start()
    time.sleep(0.5)
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE barometer_ops_victim")
    th.join()
    admin.close()
    t.ok(isinstance(result.get("got"), str) and result["got"] == "2/2:0",
         "a suppression while another database is dropped completes",
         result.get("got"))
    conn.close()
    t.done()


if __name__ == "__main__":
    run(main)
