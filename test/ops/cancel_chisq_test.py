#!/usr/bin/python3
"""barometer.chisq stops on a statement_timeout, a pg_cancel_backend and a
pg_terminate_backend within 2 s, wherever it is (the O(q^3) solve of the
Wald test, the covariance of a stratified cluster design, the rows), and the
backend lives on after a cancel; a working array above
barometer.max_state_bytes stops with SQLSTATE 54000 before it is taken.

The cases run for seconds uncancelled although the data take a moment to
make: a 50 x 50 table has 2,401 interaction contrasts, and the Wald test
solves their covariance (O(q^3)); the clustered form adds the covariance of
200 strata x 25 PSUs; the Rao-Scott F over 4M generated rows spends its time
on the rows."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import psycopg2  # noqa: E402
from opslib import Tap, check_stops, connect, fresh_db, run, scalar, sqlstate_of  # noqa: E402

DB = "barometer_ops_cancel_chisq"

SETUP = [
    # a 50 x 50 table over 125,000 rows, 200 strata x 25 PSUs
    """CREATE TABLE t50 AS
       SELECT 1 + i % 200 AS stratum, i % 5000 AS psu, 25 AS n_psu,
              (0.5 + (hashint4(i) & 255) / 64.0)::float8 AS w,
              ((hashint4(i) >> 8) & 65535) % 50 AS r,
              ((hashint4(i) >> 24) & 255) % 50 AS c
       FROM generate_series(1, 125000) AS i""",
]

WALD = "SELECT barometer.chisq(r, c, w, 'Wald') FROM t50"
WALD_CLUSTER = ("SELECT barometer.chisq(r, c, w, stratum, psu, n_psu, NULL, 'adjWald') "
                "FROM t50")
F_ROWS = ("SELECT barometer.chisq(i % 50, (i / 50) % 50, 1.0::float8, i % 200, i % 40000, 200, NULL) "
          "FROM generate_series(1, 4000000) AS i")


def terminate_latency(dbname, sql, after=1.0):
    """Run sql on a new connection, pg_terminate_backend it after `after`
    seconds; the seconds from then until the client sees the end."""
    conn = connect(dbname)
    pid = scalar(conn, "SELECT pg_backend_pid()")

    def kill():
        time.sleep(after)
        admin = connect(dbname)
        scalar(admin, "SELECT pg_terminate_backend(%s)", (pid,))
        admin.close()

    killer = threading.Thread(target=kill)
    start = time.monotonic()
    killer.start()
    ended = None
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            cur.fetchall()
    except psycopg2.Error as e:
        ended = e.pgcode or "connection closed"
    latency = time.monotonic() - start - after
    killer.join()
    gone = scalar(connect(dbname), "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)) == 0
    try:
        conn.close()
    except psycopg2.Error:
        pass
    return ended, latency, gone


def error_of(conn, sql):
    """(SQLSTATE, message) of the error sql raises, or (None, '')."""
    with conn.cursor() as cur:
        try:
            cur.execute(sql)
            cur.fetchall()
            return None, ""
        except psycopg2.Error as e:
            return e.pgcode, e.pgerror or ""


def uncancelled_seconds(conn, sql):
    start = time.monotonic()
    scalar(conn, sql)
    return time.monotonic() - start


def main():
    t = Tap(11)
    conn = fresh_db(DB)
    start = time.monotonic()
    with conn.cursor() as cur:
        for s in SETUP:
            cur.execute(s)
        cur.execute("ANALYZE t50")
    print(f"# data: {time.monotonic() - start:.1f} s", flush=True)

    # the cases are long enough that a stop at 1 s lands inside them
    # (the clustered adjWald makes the same solve after more work)
    secs = uncancelled_seconds(conn, WALD)
    print(f"# Wald 50 x 50 uncancelled: {secs:.1f} s", flush=True)
    t.ok(secs > 1.5, f"Wald 50 x 50 runs for more than 1.5 s uncancelled ({secs:.1f} s)")
    check_stops(t, DB, "chisq Wald 50 x 50 (the O(q^3) solve)", WALD)
    check_stops(t, DB, "chisq adjWald 50 x 50, strata and PSUs", WALD_CLUSTER)
    check_stops(t, DB, "chisq F, strata and PSUs, 4M rows", F_ROWS)

    ended, latency, gone = terminate_latency(DB, WALD)
    print(f"# latency chisq Wald [terminate]: {latency:.3f} s", flush=True)
    t.ok(ended is not None and latency < 2.0 and gone,
         "chisq Wald 50 x 50: pg_terminate_backend ends the backend within 2 s",
         f"ended: {ended}, {latency:.2f} s after the stop, backend gone: {gone}")

    # 54000: the covariance of a clustered 50 x 50 table (K (K + 1) / 2
    # doubles, 25 MB) and of the Wald contrasts (K^2 doubles) under a 2MB
    # limit that the states themselves (25,000 rows, 1,000 PSUs) fit
    with conn.cursor() as cur:
        cur.execute("SET barometer.max_state_bytes = '2MB'")
    for name, sql in (
            ("a clustered 50 x 50 chisq", "SELECT barometer.chisq(r, c, w, stratum, psu, n_psu, NULL) "
                                          "FROM t50 WHERE stratum <= 40"),
            ("a Wald 50 x 50 chisq", "SELECT barometer.chisq(r, c, w, 'Wald') FROM t50 WHERE stratum <= 40")):
        state, message = error_of(conn, sql)
        t.ok(state == "54000" and "working array of chisq" in message,
             f"{name} under a 2MB limit: 54000 for its working array", f"{state}: {message}")
    with conn.cursor() as cur:
        cur.execute("RESET barometer.max_state_bytes")
    t.ok(sqlstate_of(conn, "SELECT barometer.chisq(r, c, w, stratum, psu, n_psu, NULL) "
                           "FROM t50 WHERE stratum <= 40") is None,
         "the same clustered chisq under the default limit runs")
    conn.close()
    t.done()


if __name__ == "__main__":
    run(main)
