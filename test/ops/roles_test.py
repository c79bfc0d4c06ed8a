#!/usr/bin/python3
"""barometer as a trusted extension in a shared database: a database owner
who is not a superuser installs it, but cannot plant objects in schema
barometer for a superuser to run, cannot change what the extension
installed, and a hostile search_path cannot redirect barometer's own SQL;
read-only roles can call the readers of views built on it."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, connect, run, scalar, sqlstate_of  # noqa: E402

DB = "barometer_ops_roles"
OWNER = "barometer_ops_owner"
READER = "barometer_ops_reader"


def main():
    t = Tap(15)
    admin = connect(os.environ.get("PGDATABASE", "postgres"))
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        for r in (OWNER, READER):
            cur.execute(f"DROP ROLE IF EXISTS {r}")
        cur.execute(f"CREATE ROLE {OWNER} NOLOGIN")
        cur.execute(f"CREATE ROLE {READER} NOLOGIN")
        cur.execute(f'CREATE DATABASE "{DB}" OWNER {OWNER}')
    su = connect(DB)
    owner = connect(DB)
    with owner.cursor() as cur:
        cur.execute(f"SET ROLE {OWNER}")
    t.eq(sqlstate_of(owner, "CREATE EXTENSION barometer"), None,
         "a database owner who is not a superuser creates the extension (trusted)")
    t.eq(scalar(su, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'barometer'"),
         scalar(su, "SELECT rolname FROM pg_roles WHERE oid = 10"),
         "schema barometer belongs to the bootstrap superuser, not the installing role")
    t.eq(sqlstate_of(owner, "CREATE FUNCTION barometer.ci_lower(barometer.tally, numeric) "
                            "RETURNS float8 LANGUAGE sql AS 'SELECT 42::float8'"), "42501",
         "the owner cannot plant barometer.ci_lower(tally, numeric) for a superuser's call")
    t.eq(sqlstate_of(owner, "CREATE OR REPLACE FUNCTION barometer.se(barometer.tally) "
                            "RETURNS float8 LANGUAGE sql AS 'SELECT 42::float8'"), "42501",
         "the owner cannot replace a barometer function")
    t.eq(sqlstate_of(owner, "CREATE TABLE barometer.planted (x int)"), "42501",
         "the owner cannot create a table in schema barometer")
    t.eq(sqlstate_of(owner, "ALTER SCHEMA barometer RENAME TO b2"), "42501",
         "the owner cannot rename the schema")
    t.eq(sqlstate_of(owner, "UPDATE barometer.policy SET params = '{\"min_n\": 1}' WHERE name = 'min_respondents'"),
         "42501", "the owner cannot change a shipped policy")
    t.eq(sqlstate_of(owner, "INSERT INTO barometer.policy (name, version, kind, params) "
                            "VALUES ('ours', 1, 'min_respondents', '{\"min_n\": 50}')"), None,
         "the owner can add a policy of its own")
    t.eq(scalar(su, "SELECT barometer.ci_lower(barometer.tally(true, 1.0::float8), 0.9) IS NOT NULL "
                    "FROM generate_series(1, 40)"), True,
         "a superuser's ci_lower(t, 0.9) runs barometer's own function")

    # a hostile search_path: the owner's schema shadows text = text
    with owner.cursor() as cur:
        cur.execute("CREATE SCHEMA evil")
        cur.execute("CREATE TABLE evil.called (who text)")
        cur.execute("GRANT INSERT ON evil.called TO PUBLIC")
        cur.execute("GRANT USAGE ON SCHEMA evil TO PUBLIC")
        cur.execute("""CREATE FUNCTION evil.eq(a text, b text) RETURNS boolean LANGUAGE sql
                       AS $$ INSERT INTO evil.called VALUES (current_user) RETURNING a OPERATOR(pg_catalog.=) b $$""")
        cur.execute("CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq)")
    with su.cursor() as cur:
        cur.execute("SET search_path = evil, pg_catalog, public")
        cur.execute("SELECT 'a'::text = 'a'::text")
        cur.fetchall()
    t.eq(scalar(su, "SELECT count(*) FROM evil.called"), 1,
         "the trap is real: an unqualified text = text under that search_path runs the owner's operator")
    with su.cursor() as cur:
        cur.execute("DELETE FROM evil.called")
        cur.execute("CREATE TEMP TABLE s AS SELECT barometer.tally(i % 3 = 0, 1.0::float8) AS t "
                    "FROM pg_catalog.generate_series(1, 200) i")
        cur.execute("SELECT (barometer.publication_status(t, 'nchs2017')).status, "
                    "(barometer.publication_status(t, 'ours')).status, "
                    "(barometer.report(t)).status FROM s")
        row = cur.fetchone()
        cur.execute("SELECT barometer.replicate_spec(barometer.replicate_plan('fay', 1, i % 2 + 1, 'rho=0.5')) "
                    "FROM pg_catalog.generate_series(1, 4) i")
        cur.fetchall()
    # the error path lists the policies (string_agg) under the same search_path
    nope = sqlstate_of(su, "SELECT (barometer.publication_status(t, 'nope')).status FROM s")
    t.ok(row is not None and row[0] == "publish" and row[1] == "publish",
         "policy lookups work under the hostile search_path", row)
    t.eq((nope, scalar(su, "SELECT count(*) FROM evil.called")), ("22023", 0),
         "barometer's policy lookups (found and unknown) and replicate_spec never ran the owner's operator")

    # a read-only role reads a view that calls the readers
    with owner.cursor() as cur:
        cur.execute("CREATE TABLE public.cells AS SELECT i % 2 AS g, barometer.tally(i % 3 = 0, 1.0::float8) AS t "
                    "FROM generate_series(1, 100) i GROUP BY 1")
        cur.execute("CREATE VIEW public.published AS SELECT g, r.estimate, r.ci_lower, r.status "
                    "FROM public.cells, LATERAL barometer.report(t) r")
        cur.execute(f"GRANT SELECT ON public.published TO {READER}")
    reader = connect(DB)
    with reader.cursor() as cur:
        cur.execute(f"SET ROLE {READER}")
    t.eq(scalar(reader, "SELECT count(*) FROM public.published WHERE estimate IS NOT NULL"), 2,
         "a read-only BI role reads a view that calls report() (USAGE on the schema)")
    t.eq(sqlstate_of(reader, "SELECT * FROM public.cells"), "42501",
         "and nothing else: the stored cells stay private")
    t.eq(sqlstate_of(owner, "DROP EXTENSION barometer CASCADE"), None,
         "the owner can drop the extension again")
    for c in (reader, owner, su):
        c.close()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        cur.execute(f"DROP ROLE {OWNER}")
        cur.execute(f"DROP ROLE {READER}")
    admin.close()
    t.done()


if __name__ == "__main__":
    run(main)
