#!/usr/bin/python3
"""Calibration stops on statement_timeout and on pg_cancel_backend: SQLSTATE
57014 within 2 s of the stop, and the backend lives on.  The cases run for
several seconds uncancelled: logit calibration of 300,000 rows to four
margins of 300 levels (a dense 900-column Newton system per iteration), and
the recalibration of 120 replicates of 135,000 rows.  The latencies are
printed for the record."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, check_stops, fresh_db, run  # noqa: E402

DB = "barometer_ops_cancel_calib"

SETUP = [
    "CREATE TABLE s4 AS SELECT i, 10 + (hashint4(i) & 1023) / 16.0 AS d, "
    "'a' || abs(hashint4(i * 3)) % 300 AS m1, 'b' || abs(hashint4(i * 5)) % 300 AS m2, "
    "'c' || abs(hashint4(i * 7)) % 300 AS m3, 'e' || abs(hashint4(i * 11)) % 300 AS m4 "
    "FROM generate_series(1, 300000) i",
    "CREATE TABLE t4 AS SELECT (k, lv, sum(d) * (0.9 + 0.2 * ((abs(hashtext(lv)) % 100) / 100.0)))::barometer.calibration_total AS t "
    "FROM s4, LATERAL (VALUES (1, m1), (2, m2), (3, m3), (4, m4)) v(k, lv) GROUP BY k, lv",
    # each margin scaled to one population
    "CREATE TABLE t4s AS SELECT ((t).margin, (t).level, (t).total * 4000000 / sum((t).total) OVER (PARTITION BY (t).margin))"
    "::barometer.calibration_total AS t FROM t4",
    "CREATE TABLE r1 AS SELECT i, d, m1, m2, ARRAY(SELECT d * (1 + ((hashint4(i + r) & 3) - 1.5) / 4) "
    "FROM generate_series(1, 120) r) AS repw FROM s4 WHERE i <= 135000",
    "CREATE TABLE t1 AS SELECT t FROM t4s WHERE (t).margin <= 2",
]

CASES = [
    ("logit calibration of 300,000 rows to 4 x 300 levels",
     "SELECT sum(w) FROM (SELECT barometer.calibrate(d, ARRAY[m1, m2, m3, m4], NULL, "
     "(SELECT array_agg(t) FROM t4s), 'logit', 0.2, 5, maxit => 1000, force => true) OVER () AS w FROM s4) x"),
    ("recalibration of 120 replicates of 135,000 rows",
     "SELECT sum(w[1]) FROM (SELECT barometer.calibrate_replicates(d, repw, ARRAY[m1, m2], NULL, "
     "(SELECT array_agg(t) FROM t1), 'raking') OVER () AS w FROM r1) x"),
]


def main():
    t = Tap(2 * len(CASES))
    conn = fresh_db(DB)
    start = time.monotonic()
    with conn.cursor() as cur:
        for s in SETUP:
            cur.execute(s)
    print(f"# setup {time.monotonic() - start:.1f} s", flush=True)
    for name, sql in CASES:
        check_stops(t, DB, name, sql, setup=("SET work_mem = '256MB'",))
    conn.close()
    t.done()


if __name__ == "__main__":
    run(main)
