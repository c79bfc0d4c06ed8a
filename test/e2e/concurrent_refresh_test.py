#!/usr/bin/python3
"""Refresh while a reader queries: two sessions.

Session A changes the microdata and runs refresh_dashboard(true, true)
(REFRESH MATERIALIZED VIEW CONCURRENTLY of the stored cells and of the
dashboard), then refresh_dashboard() (the default: the cells plainly, the
dashboard CONCURRENTLY); session B meanwhile reads the dashboard (and, in
the first case, the cells) again and again with lock_timeout = 1s.  B is
never blocked, sees the old figures until A commits, then the new ones.
The control: during a plain refresh_dashboard(false) B's reads of the
dashboard time out on the lock.

Database BAROMETER_E2E_DB (PG* variables); the microdata are restored and
the dashboard refreshed again at the end.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
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
    t = Tap(13)
    a, b = connect("e2e refresher"), connect("e2e reader")
    ca, cb = a.cursor(), b.cursor()
    cb.execute("SET lock_timeout = '1s'")
    cb.execute(GENT)
    old = first = cb.fetchone()[0]
    ca.execute("SELECT answers[10] FROM respondent WHERE edition = 2023 AND nis = '44021' ORDER BY id")
    saved = [r[0] for r in ca.fetchall()]
    ca.execute("UPDATE respondent SET answers[10] = 5 WHERE edition = 2023 AND nis = '44021'")

    # REFRESH ... CONCURRENTLY while B reads
    for call, new, read_cells in (("SELECT refresh_dashboard(true, true)", 1.0, True),
                                  ("SELECT refresh_dashboard()", 0.0, False)):
        th, res = in_background(a, call)
        reads, during, values, slowest, errors = 0, 0, [], 0.0, []
        deadline = time.monotonic() + 600
        while th.is_alive() and time.monotonic() < deadline:
            running = refresh_running(cb)
            start = time.monotonic()
            try:
                cb.execute("SELECT count(*), sum(n) FROM dashboard")
                cb.fetchone()
                if read_cells:
                    cb.execute("SELECT count(*) FROM cell")
                    cb.fetchone()
                cb.execute(GENT)
                value = cb.fetchone()[0]
            except psycopg2.Error as e:
                errors.append(e)
                continue
            slowest = max(slowest, time.monotonic() - start)
            reads += 1
            values.append(value)
            if running and value == old:
                during += 1
            time.sleep(0.05)
        th.join()
        what = "dashboard and cells" if read_cells else "dashboard"
        t.ok(res.get("error") is None, f"{call} ran ({res.get('seconds', 0):.1f} s)", res.get("error"))
        t.ok(during >= 3, f"the reader queried the {what} while it ran, and got answers ({during} of {reads} rounds)")
        t.ok(not errors and slowest < 1.0,
             f"no read failed or waited for a lock (lock_timeout = 1s; slowest round {slowest:.3f} s)", errors[:3])
        first_new = values.index(new) if new in values else len(values)
        t.ok(set(values) <= {old, new} and all(v == old for v in values[:first_new])
             and all(v == new for v in values[first_new:]),
             f"the reader sees the old figures ({old}) until the refresh commits, then only the new ones ({new})",
             values)
        cb.execute(GENT)
        t.eq(cb.fetchone()[0], new, "after the commit the reader sees the new figures")
        old = new
        ca.execute("UPDATE respondent SET answers[10] = 1 WHERE edition = 2023 AND nis = '44021'")

    # the control: a plain REFRESH takes an ACCESS EXCLUSIVE lock
    th, res = in_background(a, "SELECT refresh_dashboard(false)")
    cb.execute("SET lock_timeout = '300ms'")
    timeouts, deadline = 0, time.monotonic() + 600
    while th.is_alive() and time.monotonic() < deadline:
        if not refresh_running(cb):
            time.sleep(0.02)
            continue
        try:
            cb.execute("SELECT count(*) FROM dashboard")
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
    t.eq(cb.fetchone()[0], first, "microdata restored, dashboard refreshed")
    a.close()
    b.close()
    t.done()


def ids(cur):
    cur.execute("SELECT id FROM respondent WHERE edition = 2023 AND nis = '44021' ORDER BY id")
    return [r[0] for r in cur.fetchall()]


run(main)
