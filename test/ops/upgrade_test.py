#!/usr/bin/python3
"""ALTER EXTENSION barometer UPDATE from 0.1: a database owner who is not a
superuser installs release 0.1 (its install script is kept in sql/), stores
tallies of every design kind, magnitudes, replicate plans and specs, a
policy of its own, and views and materialized views over them; after the
update every stored value reads back identical (text, binary form, readers)
and the views refresh.  The updated extension must then be the same, object
by object, as a fresh install of the new version: a forgotten step in the
upgrade script fails here."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, connect, run, scalar, sqlstate_of  # noqa: E402

OLD = "barometer_ops_upgrade"
NEW = "barometer_ops_fresh"
OWNER = "barometer_ops_upgrader"

STORE = """
CREATE TABLE resp AS
SELECT i, 1 + i % 5 AS stratum, (1 + i % 5) * 100 + i % 7 AS psu, i % 3 AS ssu,
       i % 4 = 0 AS y, (1.0 + (i % 9) / 4.0)::float8 AS w, (i * 37 % 101)::float8 AS x,
       i % 2 AS grp
FROM generate_series(1, 2000) i;
CREATE VIEW resp_d AS
SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       count(*) OVER () AS n_sample,
       ARRAY[w * (1 + (i % 2)), w * (2 - (i % 2)), w, w * (1 + (i % 3 = 0)::int)] AS repw
FROM resp r;
CREATE TABLE stored (kind text PRIMARY KEY, t barometer.tally);
INSERT INTO stored
SELECT 'weights', barometer.tally(y, w) FROM resp_d UNION ALL
SELECT 'weights mean', barometer.tally(x, w) FROM resp_d UNION ALL
SELECT 'domain', barometer.tally(y, w, n_sample) FROM resp_d WHERE grp = 1 UNION ALL
SELECT 'cluster', barometer.tally(y, w, stratum, psu, n_psu, NULL) FROM resp_d UNION ALL
SELECT 'cluster fpc', barometer.tally(x, w, stratum, psu, n_psu, 40.0) FROM resp_d UNION ALL
SELECT 'cluster2', barometer.tally(y, w, stratum, psu, n_psu, 40.0, ssu, 3, 10.0, 'fail') FROM resp_d UNION ALL
SELECT 'replicate', barometer.tally(y, w, repw, barometer.replicates('jk1')) FROM resp_d UNION ALL
SELECT 'replicate fay', barometer.tally(x, w, repw::real[], barometer.replicates('fay', 0.3)) FROM resp_d;
CREATE TABLE mags AS SELECT grp, barometer.magnitude(x) AS m FROM resp GROUP BY grp;
CREATE TABLE plans AS
SELECT 'jkn' AS method, barometer.replicate_plan('jkn', stratum, psu) AS p FROM resp UNION ALL
SELECT 'brr', barometer.replicate_plan('brr', 1, i % 8, 'large=split') FROM resp UNION ALL
SELECT 'bootstrap', barometer.replicate_plan('bootstrap', stratum, psu, 'replicates=20, seed=7') FROM resp;
CREATE TABLE specs AS SELECT method, barometer.replicate_spec(p) AS s FROM plans;
INSERT INTO barometer.policy (name, version, kind, params, label_en)
VALUES ('our_min_n', 1, 'min_respondents', '{"min_n": 100}', 'at least 100');
CREATE MATERIALIZED VIEW published AS
SELECT kind, r.* FROM stored, LATERAL barometer.report(t) r WHERE kind NOT LIKE '%mean%';
CREATE UNIQUE INDEX ON published (kind);
CREATE VIEW our_status AS
SELECT kind, (barometer.publication_status(t, 'our_min_n')).status FROM stored WHERE kind = 'weights';
CREATE VIEW protected AS
SELECT * FROM barometer.secondary_suppression(
    ARRAY[barometer.cell(ARRAY['T'], 10), barometer.cell(ARRAY['a'], 1, true),
          barometer.cell(ARRAY['b'], 4), barometer.cell(ARRAY['c'], 5)],
    ARRAY[barometer.edge(1, 'a', 'T'), barometer.edge(1, 'b', 'T'), barometer.edge(1, 'c', 'T')]);
"""

READ = [
    ("tallies (text)", "SELECT kind, t::text FROM stored ORDER BY kind"),
    ("tallies (binary)", "SELECT kind, encode(barometer.tally_send(t), 'hex') FROM stored ORDER BY kind"),
    ("tally readers",
     "SELECT kind, barometer.estimate(t), barometer.se(t), barometer.df(t), barometer.ci_lower(t), "
     "barometer.ci_upper(t, 0.9), barometer.n(t), barometer.deff(t) FROM stored ORDER BY kind"),
    ("rollups", "SELECT barometer.merge(t)::text FROM stored WHERE kind IN ('cluster', 'cluster')"),
    ("magnitudes", "SELECT grp, m::text, barometer.p_percent(m) FROM mags ORDER BY grp"),
    ("replicate plans", "SELECT method, p::text, barometer.replicate_df(p) FROM plans ORDER BY method"),
    ("replicate specs", "SELECT method, s::text FROM specs ORDER BY method"),
    ("materialized view", "SELECT * FROM published ORDER BY kind"),
    ("view with a user policy", "SELECT * FROM our_status"),
    ("view over secondary suppression", "SELECT coords, status FROM protected ORDER BY coords"),
]

# every member object of the extension with its definition
CATALOG = """
WITH m AS (
  SELECT classid, objid, objsubid FROM pg_depend
  WHERE refclassid = 'pg_extension'::regclass
    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'barometer') AND deptype = 'e')
SELECT pg_describe_object(m.classid, m.objid, m.objsubid) AS object,
  CASE
    WHEN m.classid = 'pg_proc'::regclass THEN (
      SELECT concat_ws(' | ', pg_get_userbyid(p.proowner), p.prokind, p.provolatile, p.proisstrict,
                       p.proparallel, p.prosecdef, p.proconfig::text, p.proacl::text,
                       pg_get_function_result(p.oid), pg_get_function_arguments(p.oid),
                       CASE WHEN p.prokind = 'a' THEN (
                         SELECT concat_ws(',', a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
                                          a.aggdeserialfn, a.aggtranstype::regtype, a.aggkind)
                         FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                       WHEN p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c') THEN p.prosrc
                       ELSE pg_get_functiondef(p.oid) END)
      FROM pg_proc p WHERE p.oid = m.objid)
    WHEN m.classid = 'pg_type'::regclass THEN (
      SELECT concat_ws(' | ', pg_get_userbyid(t.typowner), t.typinput, t.typoutput, t.typreceive, t.typsend,
                       t.typstorage, t.typalign, t.typlen, t.typacl::text,
                       (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0))
      FROM pg_type t WHERE t.oid = m.objid)
    WHEN m.classid = 'pg_class'::regclass THEN (
      SELECT concat_ws(' | ', pg_get_userbyid(c.relowner), c.relkind, c.relacl::text,
                       (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' ||
                                          a.attnotnull || coalesce(' ' || pg_get_expr(d.adbin, d.adrelid), ''), ', ' ORDER BY a.attnum)
                        FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                       (SELECT string_agg(pg_get_constraintdef(k.oid), '; ' ORDER BY pg_get_constraintdef(k.oid))
                        FROM pg_constraint k WHERE k.conrelid = c.oid),
                       (SELECT string_agg(pg_get_triggerdef(g.oid), '; ' ORDER BY g.tgname)
                        FROM pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal))
      FROM pg_class c WHERE c.oid = m.objid)
    ELSE '' END AS definition
FROM m
UNION ALL
SELECT 'schema barometer', concat_ws(' | ', pg_get_userbyid(nspowner), nspacl::text)
FROM pg_namespace WHERE nspname = 'barometer'
UNION ALL
SELECT 'shipped policy ' || name || ' ' || version, concat_ws(' | ', kind, params::text, label_en, label_nl, source)
FROM barometer.policy WHERE builtin
UNION ALL
SELECT 'config dump', string_agg(u.c::regclass::text || ' ' || u.cond, ', ' ORDER BY u.c::regclass::text)
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(c, cond) WHERE e.extname = 'barometer'
ORDER BY 1
"""


def rows(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def main():
    t = Tap(len(READ) + 9)
    admin = connect(os.environ.get("PGDATABASE", "postgres"))
    with admin.cursor() as cur:
        for db in (OLD, NEW):
            cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        cur.execute(f"DROP ROLE IF EXISTS {OWNER}")
        cur.execute(f"CREATE ROLE {OWNER} NOLOGIN")
        cur.execute(f'CREATE DATABASE "{OLD}" OWNER {OWNER}')
        cur.execute(f'CREATE DATABASE "{NEW}" OWNER {OWNER}')
    old = connect(OLD)
    with old.cursor() as cur:
        cur.execute(f"SET ROLE {OWNER}")
        cur.execute("CREATE EXTENSION barometer VERSION '0.1'")
    t.eq(scalar(old, "SELECT extversion FROM pg_extension WHERE extname = 'barometer'"), "0.1",
         "release 0.1 installs from its kept script, by a database owner")
    with old.cursor() as cur:
        cur.execute(STORE)
    before = [rows(old, sql) for _, sql in READ]
    t.eq(sqlstate_of(old, "ALTER EXTENSION barometer UPDATE"), None,
         "ALTER EXTENSION barometer UPDATE by the same owner")
    default = scalar(old, "SELECT default_version FROM pg_available_extensions WHERE name = 'barometer'")
    t.eq(scalar(old, "SELECT extversion FROM pg_extension WHERE extname = 'barometer'"), default,
         f"the extension is at the default version {default}")
    t.eq(sqlstate_of(old, "REFRESH MATERIALIZED VIEW CONCURRENTLY published"), None,
         "a materialized view over 0.1 tallies refreshes after the update")
    for (name, sql), b in zip(READ, before):
        a = rows(old, sql)
        t.ok(a == b and len(a) > 0, f"{name}: identical after the update ({len(a)} rows)",
             f"before: {b[:2]!r}\nafter:  {a[:2]!r}")
    t.eq(scalar(old, "SELECT abs(barometer.se(s) / barometer.se(c) - 1) < 1e-12 FROM "
                     "(SELECT barometer.tally_stratified(x, w, stratum, n_stratum, NULL) AS s, "
                     "barometer.tally(x, w, stratum, i, n_psu, NULL) AS c "
                     "FROM (SELECT r.*, count(*) OVER (PARTITION BY stratum) AS n_stratum, "
                     "barometer.psu_count(i) OVER (PARTITION BY stratum) AS n_psu FROM resp r) d) q"),
         True, "tally_stratified (new in 0.2) runs after the update and equals the psu = row id form")
    t.eq(sqlstate_of(old, "UPDATE barometer.policy SET params = '{}' WHERE name = 'nchs2017'"), "42501",
         "the updated extension protects its shipped policies")
    t.eq(scalar(old, "SELECT count(*) FROM barometer.policy WHERE name = 'our_min_n' AND NOT builtin"), 1,
         "the owner's policy is still there, and still a user row")
    new = connect(NEW)
    with new.cursor() as cur:
        cur.execute(f"SET ROLE {OWNER}")
        cur.execute("CREATE EXTENSION barometer")
    a = dict(rows(old, CATALOG))
    b = dict(rows(new, CATALOG))
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    detail = "\n".join(f"{k}\n  updated: {a.get(k)}\n  fresh:   {b.get(k)}" for k in diff[:8])
    t.ok(not diff, f"the updated extension equals a fresh install ({len(b)} objects compared)", detail)
    # ALTER EXTENSION UPDATE may not drop member functions a view uses
    t.eq(scalar(old, "SELECT count(*) FROM protected"), 4, "the 0.1 view over secondary_suppression still runs")
    for c in (old, new):
        c.close()
    with admin.cursor() as cur:
        for db in (OLD, NEW):
            cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        cur.execute(f"DROP ROLE {OWNER}")
    admin.close()
    t.done()


if __name__ == "__main__":
    run(main)
