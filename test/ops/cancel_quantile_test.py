#!/usr/bin/python3
"""barometer.quantile stops on a statement_timeout and a pg_cancel_backend
within 2 s, wherever it is: the rows (6M generated rows, kept in the state),
the sort of the rows by value and the replay of the rows for every
probability (999 probabilities over 300,000 rows of a clustered design), and
the backend lives on; rows past barometer.max_state_bytes stop with 54000."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, check_stops, fresh_db, run, sqlstate_of  # noqa: E402

DB = "barometer_ops_cancel_quantile"

SETUP = """
CREATE TABLE q300k AS
SELECT i % 100 AS stratum, i % 5000 AS psu, 50 AS n_psu,
       ((hashint4(i) & 65535) / 7.0)::float8 AS y, (1 + (i % 5))::float8 AS w
FROM generate_series(1, 300000) AS i;
"""

# descending distinct values: the sort has work to do
ROWS = ("SELECT barometer.quantile((7000000 - i)::float8, 1.0::float8, 0.5) "
        "FROM generate_series(1, 6000000) AS i")
MANY_P = ("SELECT barometer.quantile(y, w, stratum, psu, n_psu, NULL, "
          "(SELECT array_agg(k / 1000.0) FROM generate_series(1, 999) k)::float8[], 0.95) FROM q300k")


def main():
    t = Tap(5)
    conn = fresh_db(DB)
    with conn.cursor() as cur:
        cur.execute(SETUP)
    check_stops(t, DB, "quantile over 6M rows (rows, sort)", ROWS)
    check_stops(t, DB, "quantile at 999 probabilities (replay per probability)", MANY_P)
    with conn.cursor() as cur:
        cur.execute("SET barometer.max_state_bytes = '1MB'")
    t.eq(sqlstate_of(conn, "SELECT barometer.quantile(y, w, 0.5) FROM q300k"), "54000",
         "rows past barometer.max_state_bytes: 54000")
    conn.close()
    t.done()


if __name__ == "__main__":
    run(main)
