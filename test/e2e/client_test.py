#!/usr/bin/python3
"""BI access as a real client sees it: the published dashboard view read
through psycopg2 (Debian's python3-psycopg2, libpq underneath), as a BI
tool's reader role that may read the view and nothing else.

Checks the column names and their PostgreSQL types, the Python types a
client receives (numbers as float and int, codes as str, NULL as None),
that suppressed cells carry no figures, that the numbers are consistent,
and that the reader role cannot read the microdata.

Connection: the PG* environment variables; database BAROMETER_E2E_DB
(default barometer_e2e), loaded with test/e2e/load_demo.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run  # noqa: E402

import psycopg2  # noqa: E402
import psycopg2.errors  # noqa: E402
import psycopg2.extras  # noqa: E402

FLOAT8, INT2, INT8, TEXT = 701, 21, 20, 25
COLUMNS = [
    ("indicator", TEXT), ("indicator_nl", TEXT), ("indicator_en", TEXT), ("goal", TEXT),
    ("edition", INT2), ("breakdown", TEXT), ("level", TEXT), ("level_nl", TEXT), ("level_en", TEXT),
    ("geo_level", TEXT), ("geo_code", TEXT), ("origin", TEXT), ("age_group", TEXT), ("sex", TEXT),
    ("estimate", FLOAT8), ("ci_lower", FLOAT8), ("ci_upper", FLOAT8), ("n", INT8),
    ("dont_know_share", FLOAT8), ("status", TEXT), ("reason_nl", TEXT), ("reason_en", TEXT),
    ("policy", TEXT), ("reference", TEXT), ("vs_reference", TEXT), ("p_reference", FLOAT8),
    ("previous_edition", INT2), ("vs_previous", TEXT), ("change", FLOAT8), ("p_previous", FLOAT8),
]
FLOATS = [c for c, t in COLUMNS if t == FLOAT8]
INTS = [c for c, t in COLUMNS if t in (INT2, INT8)]
TEXTS = [c for c, t in COLUMNS if t == TEXT]


def main():
    t = Tap(14)
    db = os.environ.get("BAROMETER_E2E_DB", "barometer_e2e")
    admin = psycopg2.connect(dbname=db)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS bi_reader")
        cur.execute("CREATE ROLE bi_reader NOLOGIN")
        cur.execute("GRANT SELECT ON dashboard TO bi_reader")

    conn = psycopg2.connect(dbname=db, application_name="barometer e2e BI client")
    cur = conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor)
    cur.execute("SET ROLE bi_reader")

    # what a BI tool does first: look at the columns of a query
    cur.execute("SELECT * FROM dashboard WHERE indicator = %s AND edition = %s ORDER BY breakdown, level",
                ("rondkomen", 2023))
    t.eq([d.name for d in cur.description], [c for c, _ in COLUMNS], "column names, in order")
    t.eq([d.type_code for d in cur.description], [ty for _, ty in COLUMNS],
         "column types: float8 figures, int2 editions, int8 counts, text codes")
    rows = cur.fetchall()
    t.ok(len(rows) > 300, f"rows of one indicator and edition ({len(rows)})")

    t.ok(all(r[c] is None or type(r[c]) is float for r in rows for c in FLOATS),
         "figures arrive as Python float (or None)")
    t.ok(all(r[c] is None or type(r[c]) is int for r in rows for c in INTS),
         "editions and counts arrive as Python int")
    t.ok(all(r[c] is None or type(r[c]) is str for r in rows for c in TEXTS),
         "codes and labels arrive as Python str")

    total = [r for r in rows if r["breakdown"] == "total"]
    t.ok(len(total) == 1 and total[0]["geo_code"] == "02000" and total[0]["level_nl"] == "Vlaams Gewest",
         "the region's code is the string '02000' (leading zero kept)")
    munis = [r for r in rows if r["breakdown"] == "municipality"]
    t.ok(len(munis) == 300 and all(len(r["geo_code"]) == 5 and r["geo_code"].isdigit() for r in munis),
         "300 municipalities with their 5-digit NIS codes as strings")
    herstappe = [r for r in munis if r["geo_code"] == "73028"]
    t.ok(len(herstappe) == 1 and herstappe[0]["level_nl"] == "Herstappe"
         and herstappe[0]["status"] == "suppress" and herstappe[0]["estimate"] is None
         and herstappe[0]["reason_nl"] == "te weinig respondenten (n < 30)",
         "Herstappe: suppressed, no figure, the reason in Dutch", herstappe)

    published = [r for r in rows if r["status"] == "publish"]
    suppressed = [r for r in rows if r["status"] == "suppress"]
    t.ok(all(0 <= r["ci_lower"] <= r["estimate"] <= r["ci_upper"] <= 1 for r in published),
         f"published cells: 0 <= ci_lower <= estimate <= ci_upper <= 1 ({len(published)} cells)")
    t.ok(len(suppressed) > 0 and all(r["estimate"] is None and r["ci_lower"] is None and r["ci_upper"] is None
                                     and r["reason_en"] for r in suppressed),
         f"suppressed cells: no figures, a reason ({len(suppressed)} cells)")
    t.ok(all(r["vs_reference"] in (None, "higher", "lower", "ns", "untestable", "hidden")
             and r["vs_previous"] in (None, "higher", "lower", "ns", "untestable", "hidden") for r in rows),
         "significance markers are short codes")

    # streaming the whole table with a server-side cursor, as an extract does
    stream = conn.cursor(name="bi_extract")
    stream.itersize = 5000
    stream.execute("SELECT indicator, edition, breakdown, level, estimate FROM dashboard")
    count = sum(1 for _ in stream)
    stream.close()
    cur.execute("SELECT count(*) AS n FROM dashboard")
    t.eq(count, cur.fetchone()["n"], "a server-side cursor streams the whole dashboard")

    # the reader role reads the published figures, never the microdata
    try:
        cur.execute("SELECT count(*) FROM respondent")
        t.ok(False, "the BI role cannot read the microdata")
    except psycopg2.errors.InsufficientPrivilege:
        conn.rollback()
        t.ok(True, "the BI role cannot read the microdata")
    conn.close()
    with admin.cursor() as cur:
        cur.execute("REVOKE ALL ON dashboard FROM bi_reader")
        cur.execute("DROP ROLE bi_reader")
    admin.close()
    t.done()


run(main)
