#!/usr/bin/python3
"""barometer.max_state_bytes: an aggregate state, a stored value read back
or a working array that would pass the limit stops with SQLSTATE 54000
before the memory is taken; only a superuser may change the limit."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, connect, fresh_db, run, scalar, sqlstate_of  # noqa: E402

DB = "barometer_ops_limits"


def main():
    t = Tap(6)
    conn = fresh_db(DB)
    t.eq(scalar(conn, "SHOW barometer.max_state_bytes"), "256MB", "the default limit is 256MB")
    big = ("SELECT barometer.n(barometer.tally(true, 1.0::float8, 1, i, 100000, NULL)) "
           "FROM generate_series(1, 100000) i")
    t.eq(scalar(conn, big), 100000, "a clustered tally of 100,000 PSUs fits the default")
    with conn.cursor() as cur:
        cur.execute("SET barometer.max_state_bytes = '1MB'")
    t.eq(sqlstate_of(conn, big), "54000", "the same tally under a 1MB limit: 54000")
    strata = ("SELECT barometer.n(barometer.tally_stratified(true, 1.0::float8, i, 1::bigint, NULL, 'remove')) "
              "FROM generate_series(1, 100000) i")
    t.eq(sqlstate_of(conn, strata), "54000", "a stratified tally of 100,000 strata under a 1MB limit: 54000")
    with conn.cursor() as cur:
        cur.execute("RESET barometer.max_state_bytes")
        cur.execute("DROP ROLE IF EXISTS barometer_ops_analyst")
        cur.execute("CREATE ROLE barometer_ops_analyst NOLOGIN")
    user = connect(DB)
    with user.cursor() as cur:
        cur.execute("SET ROLE barometer_ops_analyst")
    t.eq(scalar(user, "SELECT barometer.n(barometer.tally(true, 1.0::float8))"), 1,
         "another role can use the extension (USAGE on the schema)")
    t.eq(sqlstate_of(user, "SET barometer.max_state_bytes = '1GB'"), "42501",
         "but cannot raise the limit")
    user.close()
    with conn.cursor() as cur:
        cur.execute("DROP ROLE barometer_ops_analyst")
    conn.close()
    t.done()


if __name__ == "__main__":
    run(main)
