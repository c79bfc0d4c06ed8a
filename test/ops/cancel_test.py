#!/usr/bin/python3
"""Every long operation of barometer stops on statement_timeout and on
pg_cancel_backend: SQLSTATE 57014 within 2 s of the stop, and the backend
lives on.  Each case is sized to run for several seconds uncancelled on
the 2-core CI machine, and spends that time inside barometer's own code
(sorts, merges, eliminations, parsing), not in PostgreSQL's scan loop.
Also: work that would pass barometer.max_state_bytes stops with 54000
before the memory is taken.  The latencies are printed for the record."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, check_stops, fresh_db, run, sqlstate_of  # noqa: E402

DB = "barometer_ops_cancel"

SETUP = [
    # 4M p-values in one array
    "CREATE TABLE pvals AS SELECT array_agg(((i * 2654435761::bigint) % 1000003) / 1000003.0::float8) AS p "
    "FROM generate_series(1, 4000000) i",
    # a bootstrap plan of 3,000 PSUs and 2,000 replicates (R's degf is a rank)
    "CREATE TABLE boot AS SELECT barometer.replicate_plan('bootstrap', 1, i, 'replicates=2000') AS p "
    "FROM generate_series(1, 3000) i",
    # a bootstrap plan of 100,000 PSUs and 600 replicates (60M draws)
    "CREATE TABLE boot_big AS SELECT barometer.replicate_plan('bootstrap', i % 50, i, 'replicates=600') AS p "
    "FROM generate_series(1, 100000) i",
    # a stored clustered tally of 1M PSUs, and its text form
    "CREATE TABLE big AS SELECT barometer.tally(i % 3 = 0, 1.0::float8, 1, hashint4(i), 1000000, NULL) AS t "
    "FROM generate_series(1, 1000000) i",
    "CREATE TABLE big_text AS SELECT t::text AS s FROM big",
]

CASES = [
    ("p_adjust of 4M p-values (the sort)",
     "SELECT (barometer.p_adjust(p, 'holm'))[1] FROM pvals"),
    ("replicate_df of a 3,000 x 2,000 bootstrap (the rank)",
     "SELECT barometer.replicate_df(p) FROM boot"),
    ("replicate_weights of a 100,000-PSU, 600-replicate bootstrap (the draws)",
     "SELECT barometer.replicate_weights(p, 1, 1, 1.0) FROM boot_big"),
    ("merge of stored tallies of 1M PSUs",
     "SELECT barometer.n(barometer.merge(t)) FROM (SELECT t FROM big UNION ALL SELECT t FROM big "
     "UNION ALL SELECT t FROM big UNION ALL SELECT t FROM big) x"),
    ("text input of a tally of 1M PSUs",
     "SELECT barometer.n(s::barometer.tally) FROM big_text, generate_series(1, 4)"),
    ("a clustered tally of 3M rows in random PSU order",
     "SELECT barometer.se(barometer.tally(true, 1.0::float8, i % 7, hashint4(i), 3000000, NULL)) "
     "FROM generate_series(1, 3000000) i"),
]


def main():
    t = Tap(2 * len(CASES) + 3)
    conn = fresh_db(DB)
    start = time.monotonic()
    with conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")
        for s in SETUP:
            cur.execute(s)
    print(f"# setup {time.monotonic() - start:.1f} s", flush=True)
    for name, sql in CASES:
        check_stops(t, DB, name, sql, setup=("SET max_parallel_workers_per_gather = 0",))
    # memory: refused before it is taken
    t.eq(sqlstate_of(conn, "SELECT barometer.replicate_weights(barometer.replicate_plan('bootstrap', 1, i, "
                           "'replicates=10000'), 1, 1, 1.0) FROM generate_series(1, 100000) i"), "54000",
         "replicate weights of 100,000 PSUs x 10,000 replicates: 54000 (4 GB asked)")
    with conn.cursor() as cur:
        cur.execute("SET barometer.max_state_bytes = '16MB'")
    t.eq(sqlstate_of(conn, "SELECT (barometer.p_adjust(p, 'BH'))[1] FROM pvals"), "54000",
         "p_adjust of 4M p-values under a 16MB limit: 54000")
    t.eq(sqlstate_of(conn, "SELECT barometer.n(barometer.merge(t)) FROM big"), "54000",
         "reading a 1M-PSU tally under a 16MB limit: 54000")
    conn.close()
    t.done()


if __name__ == "__main__":
    run(main)
