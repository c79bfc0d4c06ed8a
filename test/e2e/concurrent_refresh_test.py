#!/usr/bin/python3
"""Refresh while a reader queries: two sessions.

Session A changes the microdata and runs refresh_dashboard() (REFRESH
MATERIALIZED VIEW CONCURRENTLY of the stored cells and the dashboard);
session B meanwhile reads the dashboard and the cells again and again with
lock_timeout = 1s.  B is never blocked, sees the old figures until A
commits, then the new ones.  The control: during a plain REFRESH (without
CONCURRENTLY) B's read of the cells times out on the lock.

Database BAROMETER_E2E_DB (PG* variables); the microdata are restored and
the dashboard refreshed again at the end.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import Tap, run  # noqa: E402

import psycopg2  # noqa: E402
import psycopg2.errors  # noqa: E402

DB = os.environ.get("BAROMETER_E2E_DB", "barometer_e2e")
GENT = """SELECT estimate FROM indicator_result WHERE indicator = 'rondkomen' AND edition = 2023
          AND breakdown = 'municipality' AND level = '44021'"""


def connect(name):
    conn = psycopg2.connect(dbname=DB, application_name=name)
    conn.autocommit = True
    return conn


def in_background(conn, sql):
    """Run sql on conn in a thread; returns (thread, result dict)."""
    result = {}

    def work():
        start = time.monotonic()
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
            result["error"] = None
        except psycopg2.Error as e:  # reported by the test
            result["error"] = e
        result["seconds"] = time.monotonic() - start

    th = threading.Thread(target=work)
    th.start()
    return th, result


def refresh_running(cur):
    cur.execute("""SELECT count(*) FROM pg_stat_activity
                   WHERE application_name = 'e2e refresher' AND state = 'active'
                   AND query LIKE 'SELECT refresh_dashboard%%'""")
    return cur.fetchone()[0] > 0


def main():
    t = Tap(9)
    a, b = connect("e2e refresher"), connect("e2e reader")
    ca, cb = a.cursor(), b.cursor()
    cb.execute("SET lock_timeout = '1s'")
    cb.execute(GENT)
    old = cb.fetchone()[0]
    ca.execute("SELECT answers[10] FROM respondent WHERE edition = 2023 AND nis = '44021' ORDER BY id")
    saved = [r[0] for r in ca.fetchall()]
    ca.execute("UPDATE respondent SET answers[10] = 5 WHERE edition = 2023 AND nis = '44021'")

    # REFRESH ... CONCURRENTLY while B reads
    th, res = in_background(a, "SELECT refresh_dashboard()")
    reads, during, seen, slowest, errors = 0, 0, set(), 0.0, []
    deadline = time.monotonic() + 600
    while th.is_alive() and time.monotonic() < deadline:
        running = refresh_running(cb)
        start = time.monotonic()
        try:
            cb.execute("SELECT count(*), sum(n) FROM dashboard")
            cb.fetchone()
            cb.execute("SELECT count(*) FROM cell")
            cb.fetchone()
            cb.execute(GENT)
            value = cb.fetchone()[0]
        except psycopg2.Error as e:
            errors.append(e)
            continue
        slowest = max(slowest, time.monotonic() - start)
        reads += 1
        if running and th.is_alive():
            during += 1
            seen.add(value)
        time.sleep(0.05)
    th.join()
    t.ok(res.get("error") is None, f"REFRESH CONCURRENTLY ran ({res.get('seconds', 0):.1f} s)", res.get("error"))
    t.ok(during >= 3, f"the reader queried while the refresh ran ({during} of {reads} rounds)")
    t.ok(not errors, "no read failed or waited for a lock (lock_timeout = 1s)", errors[:3])
    t.ok(slowest < 1.0, f"no read was blocked (slowest round {slowest:.3f} s)")
    t.ok(seen == {old}, f"during the refresh the reader sees the old figures ({old})", seen)
    cb.execute(GENT)
    t.eq(cb.fetchone()[0], 1.0, "after the commit the reader sees the new figures")

    # the control: a plain REFRESH takes an ACCESS EXCLUSIVE lock
    th, res = in_background(a, "SELECT refresh_dashboard(false)")
    cb.execute("SET lock_timeout = '300ms'")
    timeouts, deadline = 0, time.monotonic() + 600
    while th.is_alive() and time.monotonic() < deadline:
        if not refresh_running(cb):
            time.sleep(0.02)
            continue
        try:
            cb.execute("SELECT count(*) FROM cell")
            cb.fetchone()
        except psycopg2.errors.LockNotAvailable:
            timeouts += 1
        time.sleep(0.05)
    th.join()
    t.ok(res.get("error") is None, "plain REFRESH ran", res.get("error"))
    t.ok(timeouts > 0, f"without CONCURRENTLY the reader waits on the lock ({timeouts} reads timed out)")

    # restore the microdata and the dashboard
    ca.execute("""UPDATE respondent r SET answers[10] = s.v
                  FROM (SELECT id, v FROM unnest(%s::bigint[], %s::smallint[]) AS u(id, v)) s
                  WHERE r.edition = 2023 AND r.id = s.id""",
               ([r for r in ids(ca)], saved))
    ca.execute("SELECT refresh_dashboard()")
    cb.execute("SET lock_timeout = 0")
    cb.execute(GENT)
    t.eq(cb.fetchone()[0], old, "microdata restored, dashboard refreshed")
    a.close()
    b.close()
    t.done()


def ids(cur):
    cur.execute("SELECT id FROM respondent WHERE edition = 2023 AND nis = '44021' ORDER BY id")
    return [r[0] for r in cur.fetchall()]


run(main)
