#!/usr/bin/python3
"""pg_dump and pg_restore: a database holding every stored type (tally of
every design kind, tally[], magnitude, replicate_plan, replicates,
distribution) with the
extremes the aggregates can store (subnormal sums, -0, huge counts,
identifiers in several scripts with quotes, backslashes and spaces),
materialized views over them, declared designs (a plain and a
materialized declared view, their rows in the catalog barometer.designs,
their handles stored in a table, tallies stored through the handles) and
user-added publication policies is dumped
with pg_dump -Fc and restored with pg_restore into a new database, and
dumped with pg_dump -Fp and restored with psql -v ON_ERROR_STOP=1.  Every
value comes back with the same text form and the same send bytes, every
relation with the same row count.

Declared designs: the catalog rows come back as they were (stamps
included), the declared views with the same kind and definition, a tally
through a restored view equals the tally stored through it before the
dump, a handle of the restored view mixes with a stored one (the same
stamp), and the restored designs can be redeclared and dropped.

Publication policies: the rows a user adds (builtin = false) survive the
dump; the shipped rows (builtin = true) cannot be edited or deleted, nor
added, by a user (42501, with a hint to add a new version), and after the
restore they equal the shipped values.  (The protection of the shipped rows
is implemented on another branch; where this build has none, those three
assertions run as TODO tests.)"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, connect, fresh_db, run, scalar, sqlstate_of, todo_ok  # noqa: E402

import psycopg2  # noqa: E402

SRC = "barometer_ops_dump_src"
DST_C = "barometer_ops_dump_custom"
DST_P = "barometer_ops_dump_plain"
FRESH = "barometer_ops_dump_fresh"
OWNER = "barometer_ops_dump_owner"


def bindir():
    pg_config = os.environ.get("PG_CONFIG")
    if pg_config:
        try:
            return subprocess.run([pg_config, "--bindir"], check=True, capture_output=True,
                                  text=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            pass
    return "/usr/lib/postgresql/15/bin"


BIN = bindir()

# the data: survey rows, then every stored type built from them
DATA = r"""
CREATE TABLE respondents AS
SELECT i, 2020 + i % 2 AS edition, (ARRAY['België', 'Türkiye', 'Maroc "Nord"', 'a\b', ' ', '日本'])[1 + i % 6] AS origin,
       1 + i % 4 AS stratum, 'psu ' || (i % 9) || ' ž' AS psu, i % 3 AS ssu,
       CASE WHEN i % 13 = 0 THEN NULL ELSE i % 3 = 0 END AS agree,
       CASE WHEN i % 11 = 0 THEN NULL ELSE (i % 17) * 1.3 - 4 END AS income,
       (0.4 + (i % 5) * 0.35)::float8 AS w,
       ARRAY(SELECT ((0.4 + (i % 5) * 0.35) * (1 + ((i * r) % 4) / 8.0))::float8 FROM generate_series(1, 4) r) AS repw
FROM generate_series(1, 400) i;
CREATE TABLE design_rows AS
SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       barometer.psu_count(ssu) OVER (PARTITION BY stratum, psu) AS n_ssu,
       count(*) OVER () AS n_sample,
       count(*) OVER (PARTITION BY stratum) AS n_stratum
FROM respondents r;

CREATE TABLE stored_tally (name text PRIMARY KEY, t barometer.tally);
INSERT INTO stored_tally
SELECT 'weights proportion', barometer.tally(agree, w) FROM design_rows
UNION ALL SELECT 'weights mean', barometer.tally(income, w) FROM design_rows
UNION ALL SELECT 'weights empty', barometer.tally(agree, w) FROM design_rows WHERE false
UNION ALL SELECT 'weights_domain', barometer.tally(agree, w, n_sample) FROM design_rows WHERE origin = 'België'
UNION ALL SELECT 'cluster fpc', barometer.tally(agree, w, stratum, psu, n_psu, 40.0, 'adjust') FROM design_rows
UNION ALL SELECT 'cluster text ids', barometer.tally(income, w, origin, psu, 1000, NULL, 'certainty') FROM design_rows
UNION ALL SELECT 'cluster2 fpc', barometer.tally(income, w, stratum, psu, n_psu, 40.0, ssu, n_ssu, 10.0, 'fail') FROM design_rows
UNION ALL SELECT 'replicate jk1', barometer.tally(agree, w, repw, barometer.replicates('jk1'::text)) FROM design_rows
UNION ALL SELECT 'replicate jkn mse df', barometer.tally(income, w, repw, barometer.replicates('jkn', rscales => '{0.5,0.5,0.75,0.75}', mse => true, df => 3)) FROM design_rows
UNION ALL SELECT 'replicate brr', barometer.tally(agree, w, repw, barometer.replicates('brr'::text)) FROM design_rows
UNION ALL SELECT 'replicate fay', barometer.tally(agree, w, repw, barometer.replicates('fay', rho => 0.3)) FROM design_rows
UNION ALL SELECT 'replicate bootstrap real', barometer.tally(income, w, repw::real[], barometer.replicates('bootstrap'::text)) FROM design_rows
UNION ALL SELECT 'replicate sdr', barometer.tally(agree, w, repw, barometer.replicates('sdr'::text)) FROM design_rows
UNION ALL SELECT 'replicate other', barometer.tally(income, w, repw, barometer.replicates('other', scale => 0.2, rho => '-0')) FROM design_rows
UNION ALL SELECT 'cluster psu = row id (successor ids)', barometer.tally(i % 3 = 0, 1.0 + i % 5, i / 5000, i, 5000, NULL) FROM generate_series(0, 9999) i
UNION ALL SELECT 'replicate rank 2 of 4 (Gram matrix stored)', barometer.tally(agree, w, ARRAY[w, 2 * w, w * (i % 2), 0]::float8[], barometer.replicates('jk1'::text)) FROM design_rows
UNION ALL SELECT 'merged', barometer.merge(t) FROM (SELECT barometer.tally(agree, w, stratum, psu, n_psu, 40.0, 'adjust') AS t FROM design_rows GROUP BY edition) g
UNION ALL SELECT 'stratified fpc', barometer.tally_stratified(agree, w, stratum, n_stratum, 0.3, 'adjust') FROM design_rows
UNION ALL SELECT 'stratified text ids', barometer.tally_stratified(income, w, origin, 1000::bigint, NULL, 'certainty') FROM design_rows
UNION ALL SELECT 'stratified merged', barometer.merge(t) FROM (SELECT barometer.tally_stratified(income, w, stratum, n_stratum, 500.0, 'average') AS t FROM design_rows GROUP BY edition) g
-- the extremes
UNION ALL SELECT 'subnormal w^2', barometer.tally(true, 1e-160::float8)
UNION ALL SELECT 'w^2 underflows', barometer.tally(b, w) FROM (VALUES (true, 1e-170::float8), (false, 3e-170)) v(b, w)
UNION ALL SELECT 'subnormal y', barometer.tally(1e-310::float8, 1)
UNION ALL SELECT 'subnormal mixed', barometer.tally(y, w) FROM (VALUES (1e-155::float8, 1e-160::float8), (-2e-150, 3e-160), (5e-324, 1)) v(y, w)
UNION ALL SELECT 'huge', barometer.tally(y, w) FROM (VALUES (1e75::float8, 1e75::float8), (-1e75, 1e75), (1, 1e-75)) v(y, w)
UNION ALL SELECT 'cluster subnormal', barometer.tally(y, w, s, p, 2, 1e300) FROM (VALUES (1e-160::float8, 1e-160::float8, 'é "1"', 'a\b c'), (2e-160, 1e-300, 'é "1"', '')) v(y, w, s, p)
UNION ALL SELECT 'stratified subnormal', barometer.tally_stratified(y, w, s, 2::bigint, 1e300) FROM (VALUES (1e-160::float8, 1e-160::float8, 'é "1"'), (2e-160, 1e-300, 'a\b c')) v(y, w, s)
UNION ALL SELECT 'replicate subnormal', barometer.tally(true, 1e-160::float8, ARRAY[1e-160, 5e-324, '-0']::float8[], barometer.replicates('jk1', df => 'NaN'))
UNION ALL SELECT 'huge counts', 'v2 mean n=2305843009213693951 missing=2305843009213693951 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=weights_domain sample=9223372036854775807'::barometer.tally
UNION ALL SELECT 'minus zero popsize', 'v2 proportion n=1 missing=0 positive=1 sw=1:0 swy=1:0 swyy=1:0 sww=1:0 swwy=1:0 swwyy=1:0 design=cluster lonely=remove strata=1 psus=1 ssus=0; s t"x" 2 -0; p 0 t"y" 1 1 1:0 1:0'::barometer.tally
UNION ALL SELECT 'version 1', 'v1 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0'::barometer.tally;

CREATE TABLE stored_items (name text PRIMARY KEY, ts barometer.tally[]);
INSERT INTO stored_items
SELECT 'items', barometer.tally(ARRAY[agree, NOT agree, i % 2 = 0], w) FROM design_rows
UNION ALL SELECT 'items domain', barometer.tally(ARRAY[income, income * 1e-160], w, n_sample) FROM design_rows WHERE edition = 2020;

CREATE TABLE stored_magnitude (name text PRIMARY KEY, m barometer.magnitude);
INSERT INTO stored_magnitude
SELECT 'keep 5', barometer.magnitude(abs(income)) FROM design_rows
UNION ALL SELECT 'keep 1', barometer.magnitude(abs(income), 1) FROM design_rows
UNION ALL SELECT 'keep 1000', barometer.magnitude(abs(income), 1000) FROM design_rows
UNION ALL SELECT 'empty', barometer.magnitude(income) FROM design_rows WHERE income IS NULL
UNION ALL SELECT 'merged', barometer.merge(m) FROM (SELECT barometer.magnitude(abs(income), 2 + edition % 3) AS m FROM design_rows GROUP BY edition) g
UNION ALL SELECT 'subnormal', barometer.magnitude(1e-310)
UNION ALL SELECT 'smallest and -0', barometer.magnitude(v, 2) FROM (VALUES (5e-324::float8), (5e-324), ('-0')) t(v)
UNION ALL SELECT 'largest', barometer.magnitude(v, 3) FROM (VALUES (1e15::float8), (1e15), (1e-300)) t(v)
UNION ALL SELECT 'huge count', 'm1 keep=1 n=2305843009213693951 total=1e+30:0 top=1e+15'::barometer.magnitude;

CREATE TABLE stored_plan (name text PRIMARY KEY, p barometer.replicate_plan);
INSERT INTO stored_plan
SELECT 'jk1', barometer.replicate_plan('jk1', 1, psu) FROM design_rows
UNION ALL SELECT 'jkn text ids', barometer.replicate_plan('jkn', origin, psu) FROM design_rows
UNION ALL SELECT 'jkn adjust', barometer.replicate_plan('jkn', stratum, i, 'lonely=adjust') FROM design_rows WHERE i < 6
UNION ALL SELECT 'brr', barometer.replicate_plan('brr', stratum, psu, 'small=split, large=merge') FROM design_rows
UNION ALL SELECT 'fay subnormal rho', barometer.replicate_plan('fay', stratum, (i / 4) % 2, 'rho=5e-324') FROM design_rows
UNION ALL SELECT 'bootstrap', barometer.replicate_plan('bootstrap', stratum, psu, 'replicates=7, seed=-9223372036854775808') FROM design_rows
UNION ALL SELECT 'subbootstrap', barometer.replicate_plan('subbootstrap', origin, i::numeric / 8, 'replicates=3') FROM design_rows
UNION ALL SELECT 'odd ids', barometer.replicate_plan('jkn', sv, pv) FROM (VALUES ('één "1"', 'a\b'), ('één "1"', 'c; d: "e"'), ('ž', ''), ('ž', ' ')) t(sv, pv);

CREATE TABLE stored_replicates (name text PRIMARY KEY, r barometer.replicates);
INSERT INTO stored_replicates VALUES
('jk1', 'jk1'),
('jkn', barometer.replicates('jkn', rscales => '{0.5,0.5,0.75}')),
('fay', barometer.replicates('fay', rho => 0.5, mse => true, df => 12)),
('subnormals', barometer.replicates('other', scale => 5e-324, rscales => ARRAY[5e-324, 0, 1e-310], df => 1e-310)),
('minus zero', barometer.replicates('jk1', rho => '-0')),
('negative NaN df', barometer.replicates('sdr', df => -'NaN'::float8));

CREATE TABLE stored_distribution (name text PRIMARY KEY, d barometer.distribution);
INSERT INTO stored_distribution
SELECT 'weights', barometer.distribution(i % 7, '{1,2,3,4,5,6}', '{0}', w) FROM design_rows
UNION ALL SELECT 'cluster text ids', barometer.distribution(i % 3, '{2,1,0}', NULL, w, origin, psu, 1000, NULL, 'certainty') FROM design_rows
UNION ALL SELECT 'replicate real', barometer.distribution(i % 4, '{0,1,2,3}', NULL, w, repw::real[], barometer.replicates('jk1'::text)) FROM design_rows
UNION ALL SELECT 'stratified', barometer.distribution_stratified(i % 3, '{0,1}', '{2}', w, stratum, n_stratum, NULL, 'remove') FROM design_rows
UNION ALL SELECT 'items', e FROM unnest((SELECT barometer.distribution(ARRAY[i % 5], '{0,1,2,3,4}', NULL, w, n_sample) FROM design_rows)) e;

-- materialized views over them, as a dashboard keeps them
CREATE MATERIALIZED VIEW mv_trust AS
SELECT edition, origin, barometer.tally(agree, w, stratum, psu, n_psu, 40.0, 'adjust') AS t
FROM design_rows GROUP BY GROUPING SETS ((edition, origin), (edition));
CREATE UNIQUE INDEX ON mv_trust (edition, origin);
CREATE MATERIALIZED VIEW mv_report AS
SELECT edition, origin, r.* FROM mv_trust, LATERAL barometer.report(t) r;
CREATE MATERIALIZED VIEW mv_magnitude AS
SELECT origin, barometer.magnitude(abs(income), 3) AS m FROM design_rows GROUP BY origin;
CREATE MATERIALIZED VIEW mv_rollup AS
SELECT origin, barometer.merge(t) AS t FROM mv_trust WHERE origin IS NOT NULL GROUP BY origin;
CREATE MATERIALIZED VIEW mv_stratified AS
SELECT origin, barometer.tally_stratified(agree, w, stratum, n_stratum, NULL, 'remove') AS t
FROM design_rows GROUP BY origin;

-- declared designs: a plain one (strata, PSUs, fpc, one sample per edition)
-- and a materialized one (replicate weights, its own handle name); the
-- handles stored in a table, tallies stored through the handles
SELECT barometer.declare_design('d_plain', 'respondents', weights => 'w', strata => 'stratum', psu => 'psu',
       fpc => '40', lonely_psu => 'adjust', partition_by => ARRAY['edition']);
SELECT barometer.declare_design('d_mat', 'respondents', weights => 'w', repweights => 'repw',
       replicates => barometer.replicates('jkn', rscales => '{0.5,0.5,0.75,0.75}', mse => true),
       materialized => true, handle => 'h');
CREATE TABLE stored_handles AS SELECT i, design AS h FROM d_plain;
CREATE TABLE stored_declared (name text PRIMARY KEY, t barometer.tally);
INSERT INTO stored_declared
SELECT 'plain ' || edition, barometer.tally(agree, design) FROM d_plain GROUP BY edition
UNION ALL SELECT 'plain income ' || edition, barometer.tally(income, design) FROM d_plain GROUP BY edition
UNION ALL SELECT 'materialized', barometer.tally(agree, h) FROM d_mat
UNION ALL SELECT 'materialized income', barometer.tally(income, h) FROM d_mat;
CREATE MATERIALIZED VIEW mv_declared AS
SELECT edition, origin, barometer.tally(agree, design) AS t
FROM d_plain GROUP BY GROUPING SETS ((edition, origin), (edition));
CREATE UNIQUE INDEX ON mv_declared (edition, origin);
-- the ratio and the distribution of a declared design (24_declared_estimators.sql)
CREATE MATERIALIZED VIEW mv_declared_est AS
SELECT edition, origin, barometer.tally_ratio(income, w, design) AS t,
       barometer.distribution(i % 4, '{0,1,2}', '{3}', design) AS d
FROM d_plain GROUP BY GROUPING SETS ((edition, origin), (edition));
"""

# every stored column: (relation, key, column, type)
COLUMNS = [
    ("stored_tally", "name", "t", "tally"),
    ("stored_magnitude", "name", "m", "magnitude"),
    ("stored_plan", "name", "p", "replicate_plan"),
    ("stored_replicates", "name", "r", "replicates"),
    ("stored_distribution", "name", "d", "distribution"),
    ("mv_trust", "edition, origin", "t", "tally"),
    ("mv_magnitude", "origin", "m", "magnitude"),
    ("mv_rollup", "origin", "t", "tally"),
    ("mv_stratified", "origin", "t", "tally"),
    ("stored_declared", "name", "t", "tally"),
    ("mv_declared", "edition, origin", "t", "tally"),
    ("mv_declared_est", "edition, origin", "t", "tally"),
    ("mv_declared_est", "edition, origin", "d", "distribution"),
    ("stored_handles", "i", "h", "design_row"),
    ("d_plain", "i", "design", "design_row"),
    ("d_mat", "i", "h", "design_row"),
]
RELATIONS = ["respondents", "design_rows", "stored_tally", "stored_items", "stored_magnitude", "stored_plan",
             "stored_replicates", "stored_distribution", "mv_trust", "mv_report", "mv_magnitude", "mv_rollup", "mv_stratified",
             "d_plain", "d_mat", "stored_handles", "stored_declared", "mv_declared", "mv_declared_est"]

USER_POLICIES = r"""
INSERT INTO barometer.policy (name, version, kind, params, label_en, label_nl, source) VALUES
('gemeente_min_n', 1, 'min_respondents', '{"min_n": 50}', 'at least 50 respondents', 'minstens 50 respondenten',
 'Agentschap "Binnenlands Bestuur" \ lokale integratiescan'),
('nchs2017', 2, 'nchs2017',
 '{"min_n": 50, "max_width": 0.30, "rel_width_floor": 0.05, "max_rel_width": 1.30, "min_df": 8, "level": 0.95, "complement": true}',
 'NCHS, stricter n (ours)', 'NCHS, strengere n (eigen)', NULL)
"""


def values(conn):
    """Every stored value: {(relation, key): (text, send bytes)}, and tally[] elements."""
    out = {}
    with conn.cursor() as cur:
        for rel, key, col, typ in COLUMNS:
            cur.execute(f"SELECT ({key})::text, {col}::text, barometer.{typ}_send({col}) FROM {rel}")
            for k, txt, snd in cur.fetchall():
                out[(f"{rel}.{col}", k)] = (txt, bytes(snd) if snd is not None else None)
        cur.execute("SELECT name, k, e::text, barometer.tally_send(e) FROM stored_items, "
                    "LATERAL unnest(ts) WITH ORDINALITY u(e, k)")
        for name, k, txt, snd in cur.fetchall():
            out[("stored_items", f"{name}[{k}]")] = (txt, bytes(snd))
        cur.execute("SELECT edition::text || coalesce(origin, ''), r::text FROM mv_report r")
        for k, txt in cur.fetchall():
            out[("mv_report", k)] = (txt, None)
    return out


def counts(conn):
    return {rel: scalar(conn, f"SELECT count(*) FROM {rel}") for rel in RELATIONS}


def policies(conn, builtin):
    with conn.cursor() as cur:
        cur.execute("SELECT name, version, kind, params::text, label_en, label_nl, source, builtin "
                    "FROM barometer.policy WHERE builtin = %s ORDER BY name, version", (builtin,))
        return cur.fetchall()


def designs(conn):
    """The catalog of declared designs, every column as text, and each design's relation kind and definition."""
    with conn.cursor() as cur:
        cur.execute("SELECT d::text FROM barometer.designs d ORDER BY name")
        rows = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT d.name, c.relkind, pg_catalog.pg_get_viewdef(c.oid) FROM barometer.designs d "
                    "JOIN pg_catalog.pg_class c ON c.oid = d.name::regclass ORDER BY d.name")
        return rows, cur.fetchall()


# tallies through the declared views now, as stored before the dump
THROUGH_HANDLES = """
SELECT 'plain ' || edition, barometer.tally(agree, design)::text FROM d_plain GROUP BY edition
UNION ALL SELECT 'plain income ' || edition, barometer.tally(income, design)::text FROM d_plain GROUP BY edition
UNION ALL SELECT 'materialized', barometer.tally(agree, h)::text FROM d_mat
UNION ALL SELECT 'materialized income', barometer.tally(income, h)::text FROM d_mat"""


def sh(args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, (p.stderr or "")[-2000:]


def error_of(conn, sql):
    """(SQLSTATE, hint) of sql's error, or (None, None)."""
    with conn.cursor() as cur:
        try:
            cur.execute(sql)
            return None, None
        except psycopg2.Error as e:
            return e.pgcode, (e.diag.message_hint or "")


def main():
    t = Tap(31)
    admin = connect(os.environ.get("PGDATABASE", "postgres"))
    with admin.cursor() as cur:
        for db in (SRC, DST_C, DST_P, FRESH):
            cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        cur.execute(f"DROP ROLE IF EXISTS {OWNER}")
        cur.execute(f"CREATE ROLE {OWNER} LOGIN")
        cur.execute(f'CREATE DATABASE "{SRC}" OWNER {OWNER}')
    # the database owner (not a superuser) creates the trusted extension and the data
    # (SET ROLE: the throwaway cluster of test/run authenticates by password)
    src = connect(SRC)
    with src.cursor() as cur:
        cur.execute(f"SET ROLE {OWNER}")
        cur.execute("CREATE EXTENSION barometer")
        cur.execute(DATA)
    t.eq(scalar(src, "SELECT count(*) FROM stored_tally WHERE t IS NOT NULL"), 31,
         "the source holds a tally of every design kind and the extremes")
    t.eq(scalar(src, "SELECT string_agg(name || ' ' || kind || ' ' || materialized, ', ' ORDER BY name) "
                     "FROM barometer.designs"),
         "public.d_mat replicate true, public.d_plain cluster false",
         "the source holds a plain and a materialized declared design")

    # publication policies: user rows are added; shipped rows cannot be edited
    t.eq(sqlstate_of(src, USER_POLICIES), None, "a user adds policies (builtin = false)")
    with src.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = 'barometer.policy'::regclass "
                    "AND NOT tgisinternal")
        triggers = cur.fetchone()[0]
        cur.execute("SELECT relrowsecurity FROM pg_catalog.pg_class WHERE oid = 'barometer.policy'::regclass")
        rls = cur.fetchone()[0]
    protected = triggers > 0 or rls
    todo = None if protected else "the protection of shipped policy rows is not in this build"
    shipped_before = policies(src, True)
    state, hint = error_of(src, "UPDATE barometer.policy SET params = '{\"min_n\": 10}' "
                                "WHERE name = 'min_respondents' AND version = 1")
    todo_ok(t, state == "42501" and "version" in hint.lower(),
            "UPDATE of a shipped policy row: 42501 with a hint to add a new version", todo,
            f"sqlstate {state}, hint {hint!r}")
    state, hint = error_of(src, "DELETE FROM barometer.policy WHERE name = 'p_percent' AND version = 1")
    todo_ok(t, state == "42501" and "version" in hint.lower(),
            "DELETE of a shipped policy row: 42501 with a hint to add a new version", todo,
            f"sqlstate {state}, hint {hint!r}")
    state, _ = error_of(src, "INSERT INTO barometer.policy (name, version, kind, params, builtin) VALUES "
                             "('fake_shipped', 1, 'min_respondents', '{\"min_n\": 1}', true)")
    todo_ok(t, state == "42501", "INSERT of a row marked builtin by a user: 42501", todo, f"sqlstate {state}")
    todo_ok(t, policies(src, True) == shipped_before, "the shipped rows are unchanged after the attempts", todo)

    # the dashboard refreshes its views after the policies change (mv_report's
    # status follows the latest version of the policy; pg_restore refreshes
    # every materialized view, so a view left stale would come back different)
    with src.cursor() as cur:
        for mv in ("mv_trust", "mv_report", "mv_magnitude", "mv_rollup", "mv_stratified"):
            cur.execute(f"REFRESH MATERIALIZED VIEW {mv}")

    src_values, src_counts = values(src), counts(src)
    src_designs = designs(src)
    with src.cursor() as cur:
        cur.execute("SELECT name, t::text FROM stored_declared ORDER BY name")
        src_declared = cur.fetchall()
    src_user = policies(src, False)
    src.close()

    # a fresh install: the shipped values
    fresh = fresh_db(FRESH)
    shipped = policies(fresh, True)
    fresh.close()

    with tempfile.TemporaryDirectory(prefix="barometer-dump-") as tmp:
        os.chmod(tmp, 0o755)
        custom = os.path.join(tmp, "src.dump")
        plain = os.path.join(tmp, "src.sql")
        rc, err = sh([os.path.join(BIN, "pg_dump"), "-Fc", "-f", custom, SRC])
        t.ok(rc == 0, "pg_dump -Fc", err)
        rc, err = sh([os.path.join(BIN, "pg_dump"), "-Fp", "-f", plain, SRC])
        t.ok(rc == 0, "pg_dump -Fp", err)
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{DST_C}"')
            cur.execute(f'CREATE DATABASE "{DST_P}"')
        rc, err = sh([os.path.join(BIN, "pg_restore"), "--exit-on-error", "-d", DST_C, custom])
        t.ok(rc == 0, "pg_restore of the custom dump: no error", err)
        rc, err = sh([os.path.join(BIN, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DST_P, "-f", plain])
        t.ok(rc == 0, "psql -v ON_ERROR_STOP=1 of the plain dump: no error", err)

    for label, db in (("pg_restore", DST_C), ("plain dump", DST_P)):
        dst = connect(db)
        got = values(dst)
        missing = sorted(set(src_values) - set(got))
        t.ok(not missing and len(got) == len(src_values),
             f"{label}: every stored value is there ({len(src_values)} values)", missing[:10])
        text_diff = [k for k in src_values if k in got and got[k][0] != src_values[k][0]]
        t.ok(not text_diff, f"{label}: every value has the same text form",
             [(k, src_values[k][0][:200], got[k][0][:200]) for k in text_diff[:5]])
        send_diff = [k for k in src_values if k in got and got[k][1] != src_values[k][1]]
        t.ok(not send_diff, f"{label}: every value has the same send bytes", send_diff[:10])
        t.eq(counts(dst), src_counts, f"{label}: every relation has the same row count")
        t.eq(policies(dst, False), src_user, f"{label}: the user's policy rows survive")
        t.eq(policies(dst, True), shipped, f"{label}: the shipped policy rows equal the shipped values")
        got_rows, got_views = designs(dst)
        t.eq(got_rows, src_designs[0], f"{label}: the catalog rows of the declared designs, stamps included")
        t.eq(got_views, src_designs[1], f"{label}: the declared views, of the same kind and definition")
        with dst.cursor() as cur:
            cur.execute(THROUGH_HANDLES + " ORDER BY 1")
            through = cur.fetchall()
        t.eq(through, src_declared,
             f"{label}: tallies through the restored declared views equal those stored before the dump")
        with dst.cursor() as cur:
            # a stored handle and a handle of the restored view in one cell:
            # the same design (stamp), accepted; the catalog is usable (a
            # redeclared design gets a new stamp; the materialized view over
            # d_plain goes with it)
            cur.execute("SELECT barometer.n(barometer.tally(true, x.h)) FROM "
                        "(SELECT h FROM stored_handles WHERE i <= 20 AND i % 2 = 0 UNION ALL "
                        "SELECT design FROM d_plain WHERE i > 20 AND i % 2 = 0) x")
            mixed = cur.fetchone()[0]
            state = sqlstate_of(dst, "SELECT barometer.redeclare_design('d_mat'); "
                                     "SELECT barometer.drop_design('d_plain', cascade => true)")
            cur.execute("SELECT string_agg(name, ', ' ORDER BY name), "
                        "bool_and(stamp <> ALL (SELECT (r::barometer.designs).stamp FROM unnest(%s::text[]) r)) "
                        "FROM barometer.designs", (src_designs[0],))
            left, new_stamp = cur.fetchone()
        t.ok(mixed == 200 and state is None and left == "public.d_mat" and new_stamp,
             f"{label}: stored and restored handles mix; the restored designs redeclare and drop",
             (mixed, state, left, new_stamp))
        dst.close()

    with admin.cursor() as cur:
        for db in (SRC, DST_C, DST_P, FRESH):
            cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        cur.execute(f"DROP ROLE IF EXISTS {OWNER}")
    admin.close()
    t.done()


if __name__ == "__main__":
    run(main)
