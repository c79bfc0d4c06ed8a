#!/usr/bin/python3
"""The scheduled refresh with pg_cron, in a cluster started with
shared_preload_libraries = 'pg_cron' (test/run starts one).

Schedules refresh_dashboard() every minute with cron.schedule, changes the
microdata, waits (at most 100 s) until pg_cron has run the job
successfully (cron.job_run_details), checks that the dashboard shows the
new figures, and unschedules the job.

Database: cron.database_name of the cluster (BAROMETER_CRON_DB, default
postgres), loaded with test/e2e/load_demo; PG* variables.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run  # noqa: E402

import psycopg2  # noqa: E402

GENT = """SELECT estimate FROM indicator_result WHERE indicator = 'rondkomen' AND edition = 2023
          AND breakdown = 'municipality' AND level = '44021'"""


def main():
    t = Tap(7)
    conn = psycopg2.connect(dbname=os.environ.get("BAROMETER_CRON_DB", "postgres"))
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SHOW shared_preload_libraries")
    t.ok("pg_cron" in cur.fetchone()[0], "the cluster preloads pg_cron")
    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'")
    t.ok(cur.fetchone() is not None, "CREATE EXTENSION pg_cron")

    cur.execute(GENT)
    before = cur.fetchone()[0]
    cur.execute("UPDATE respondent SET answers[10] = 5 WHERE edition = 2023 AND nis = '44021'")
    cur.execute(GENT)
    t.eq(cur.fetchone()[0], before, "the dashboard does not change by itself")

    cur.execute("SELECT cron.schedule('barometer-dashboard', '* * * * *', 'SELECT refresh_dashboard()')")
    job = cur.fetchone()[0]
    cur.execute("SELECT schedule, command FROM cron.job WHERE jobid = %s", (job,))
    t.eq(cur.fetchone(), ("* * * * *", "SELECT refresh_dashboard()"), "the job is scheduled every minute")

    status, waited, start = None, 0.0, time.monotonic()
    while time.monotonic() - start < 100:
        cur.execute("""SELECT status, return_message FROM cron.job_run_details
                       WHERE jobid = %s AND status IN ('succeeded', 'failed') ORDER BY runid DESC LIMIT 1""", (job,))
        row = cur.fetchone()
        if row:
            status = row
            break
        time.sleep(1)
    waited = time.monotonic() - start
    t.ok(status is not None and status[0] == "succeeded",
         f"pg_cron ran refresh_dashboard() successfully (after {waited:.0f} s)", status)

    cur.execute(GENT)
    t.eq(cur.fetchone()[0], 1.0, "the dashboard shows the new figures")
    cur.execute("SELECT cron.unschedule(%s)", (job,))
    t.ok(cur.fetchone()[0], "the job is unscheduled")
    conn.close()
    t.done()


run(main)
