#!/usr/bin/python3
"""Tallies shipped between servers that run different barometer LIBRARIES:
an earlier release (default: the last commit of 0.1, 72f9729) built from
git into a copy of this PostgreSQL, one throwaway cluster running it, and
the coordinator (PG* variables) running this build.  shards_test.py covers
servers that differ in their SQL objects only (one shared library); this
script checks the stored form across real library versions (TAP; it
compiles the old release, a minute on an idle 2-core machine, so test/run
does not run it).

Usage: test/ops/release_compat.py [REV]    (from the repository, as root or
the owner of a PostgreSQL copy; PG_CONFIG or BAROMETER_PG_BINDIR choose the
PostgreSQL, as for shards_test.py)

Checked: the old and the new library produce tallies of every design kind
from the same rows; the new server reads the old server's tallies through
postgres_fdw unchanged (same text form) with the same readers as its own;
an aggregate pushed down to the old server and merged at the new one with
local tallies gives the single-server readers; the old server refuses the
new server's tallies (text form version 3, with the count of TRUE answers
and the replicate rank) with 22P02, never a number, as it refuses a value
it cannot represent (subnormal sums, accepted only since 0.2) and a later
version or design kind."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, connect, fresh_db, run, scalar  # noqa: E402
import shardlib  # noqa: E402

import psycopg2  # noqa: E402

REV = sys.argv[1] if len(sys.argv) > 1 else "72f9729"
DB = "barometer_ops_release_compat"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DATA = """
CREATE TABLE xresp AS
SELECT i, 1 + i % 5 AS stratum, (1 + i % 5) * 100 + i % 7 AS psu, i % 3 AS ssu,
       i % 4 = 0 AS y, (1.0 + (i % 9) / 7.0)::float8 AS w, (i * 37 % 101)::float8 / 3 AS x,
       i % 2 AS half
FROM generate_series(1, 2000) i;
CREATE VIEW resp_d AS
SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       count(*) OVER () AS n_sample,
       ARRAY[w * (1 + (i % 2)), w * (2 - (i % 2)), w, w * (1 + (i % 3 = 0)::int)] AS repw
FROM xresp r;
CREATE TABLE xstored (kind text PRIMARY KEY, t barometer.tally);
INSERT INTO xstored
SELECT 'weights', barometer.tally(y, w) FROM resp_d UNION ALL
SELECT 'weights mean', barometer.tally(x, w) FROM resp_d UNION ALL
SELECT 'weights domain', barometer.tally(y, w, n_sample) FROM resp_d WHERE half = 1 UNION ALL
SELECT 'cluster', barometer.tally(y, w, stratum, psu, n_psu, NULL) FROM resp_d UNION ALL
SELECT 'cluster fpc', barometer.tally(x, w, stratum, psu, n_psu, 40.0) FROM resp_d UNION ALL
SELECT 'cluster2', barometer.tally(y, w, stratum, psu, n_psu, 40.0, ssu, 3, 10.0, 'fail') FROM resp_d UNION ALL
SELECT 'replicate', barometer.tally(y, w, repw, barometer.replicates('jk1')) FROM resp_d UNION ALL
SELECT 'replicate fay', barometer.tally(x, w, repw::real[], barometer.replicates('fay', 0.3)) FROM resp_d;
CREATE TABLE xodd (kind text PRIMARY KEY, t barometer.tally);
"""

READERS = ("SELECT kind, barometer.estimate(t), barometer.variance(t), r.* FROM {src}, "
           "LATERAL barometer.report(t) r ORDER BY kind")


def as_v3(text):
    """the text form version 3 of a version 2 text: what the new library
    writes for a value the old one stored"""
    text = re.sub(r"^v2 ", "v3 ", text)
    if text.startswith("v3 proportion "):
        text = re.sub(r"( positive=\d+)", r"\1 true=unknown", text, count=1)
    return re.sub(r"( rscales=(given|none))", r"\1 rank=none", text, count=1)


def rows(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def error_of(conn, sql):
    with conn.cursor() as cur:
        try:
            cur.execute(sql)
            cur.fetchall()
            return None
        except psycopg2.Error as e:
            return (e.pgcode, e.diag.message_detail)


def build_old(tmp, bindir):
    """a copy of this PostgreSQL (bin, lib, share, include) with REV installed"""
    root = os.path.abspath(os.path.join(bindir, "..", "..", "..", ".."))
    dst = os.path.join(tmp, "pg")
    for sub in ("lib/postgresql/15", "share/postgresql/15", "include/postgresql"):
        os.makedirs(os.path.dirname(os.path.join(dst, sub)), exist_ok=True)
        subprocess.run(["cp", "-a", os.path.join(root, sub), os.path.join(dst, sub)], check=True)
    for f in os.listdir(os.path.join(dst, "share/postgresql/15/extension")):
        if f.startswith("barometer"):
            os.unlink(os.path.join(dst, "share/postgresql/15/extension", f))
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    archive = subprocess.run(["git", "-C", REPO, "archive", REV], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
    pg_config = os.path.join(dst, "lib/postgresql/15/bin/pg_config")
    subprocess.run(["make", "-s", "-j2", f"PG_CONFIG={pg_config}", "install"], cwd=src, check=True,
                   capture_output=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres", tmp], check=True)
    return os.path.join(dst, "lib/postgresql/15/bin")


def main():
    t = Tap(8)
    tmp = tempfile.mkdtemp(prefix="barometer-release.")
    os.chmod(tmp, 0o755)
    try:
        old_bin = build_old(tmp, shardlib.bindir())
        t.ok(True, f"release {REV} built into a copy of PostgreSQL")
        new = fresh_db(DB, extensions=("barometer", "postgres_fdw"))
        with shardlib.Clusters(1, prefix="barometer-release-server", bin_dir=old_bin) as cl:
            old = connect("postgres", host="127.0.0.1", port=cl[0].port, user="postgres")
            with old.cursor() as cur:
                cur.execute("CREATE EXTENSION barometer")
                cur.execute("CREATE EXTENSION postgres_fdw")
            t.eq(scalar(old, "SELECT extversion FROM pg_extension WHERE extname = 'barometer'"), "0.1",
                 "the old server runs barometer 0.1 (its own library)")
            for c in (old, new):
                with c.cursor() as cur:
                    cur.execute(DATA)
            # each reads the other's tables through postgres_fdw
            with new.cursor() as cur:
                cur.execute(f"""
CREATE SERVER old FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '127.0.0.1', port '{cl[0].port}', dbname 'postgres', extensions 'barometer');
CREATE USER MAPPING FOR CURRENT_USER SERVER old OPTIONS (user 'postgres');
CREATE FOREIGN TABLE old_stored (kind text, t barometer.tally) SERVER old OPTIONS (table_name 'xstored');
CREATE FOREIGN TABLE old_resp (i int, stratum int, psu int, ssu int, y boolean, w float8, x float8,
  half int, n_psu int, n_sample bigint, repw float8[]) SERVER old OPTIONS (table_name 'resp_d');""")
            # the other way, the old server reads a second throwaway
            # cluster of this build (reaching the coordinator would need
            # its password)
            with shardlib.Clusters(1, prefix="barometer-release-new") as cn:
                peer = connect("postgres", host="127.0.0.1", port=cn[0].port, user="postgres")
                with peer.cursor() as cur:
                    cur.execute("CREATE EXTENSION barometer")
                    cur.execute(DATA)
                    cur.execute("INSERT INTO xodd SELECT 'subnormal', barometer.tally(true, 1e-160::float8)")
                with old.cursor() as cur:
                    cur.execute(f"""
CREATE SERVER new FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '127.0.0.1', port '{cn[0].port}', dbname 'postgres', extensions 'barometer');
CREATE USER MAPPING FOR CURRENT_USER SERVER new OPTIONS (user 'postgres');
CREATE FOREIGN TABLE new_stored (kind text, t barometer.tally) SERVER new OPTIONS (table_name 'xstored');
CREATE FOREIGN TABLE new_odd (kind text, t barometer.tally) SERVER new OPTIONS (table_name 'xodd');
CREATE FOREIGN TABLE new_future (k int, t text) SERVER new OPTIONS (table_name 'future');""")
                with peer.cursor() as cur:
                    cur.execute("""CREATE VIEW future AS
SELECT 1 AS k, 'v4 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0 design=weights'::text AS t
UNION ALL SELECT 2, 'v2 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0 design=declared strata=1'""")

                same_text = rows(new, "SELECT kind, t::text FROM old_stored ORDER BY kind") == \
                    [(k, as_v3(x)) for k, x in rows(old, "SELECT kind, t::text FROM xstored ORDER BY kind")]
                t.ok(same_text, "0.1 -> 0.2: the new server reads the old server's tallies unchanged "
                     "(text form version 3: a proportion's true=unknown, a replicate rank=none)")
                # the new library's own replicate tallies have R's rank df
                # (form version 3); the old ones keep R - 1, which the old
                # library's readers give
                a = rows(new, READERS.format(src="old_stored"))
                b = [r for r in rows(new, READERS.format(src="xstored")) if not r[0].startswith("replicate")] + \
                    [r for r in rows(old, READERS.format(src="xstored")) if r[0].startswith("replicate")]
                b.sort(key=lambda r: r[0])
                t.ok(a == b and len(a) == 8,
                     "0.1 -> 0.2: readers of the old library's tallies equal those of the new library's, exactly "
                     "(replicates: the old library's, df R - 1)",
                     "\n".join(f"{x}\n{y}" for x, y in zip(a, b) if x != y))
                q = ("SELECT barometer.estimate(m), barometer.variance(m), r.* FROM (SELECT barometer.merge(t) AS m FROM ("
                     "SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) AS t FROM old_resp WHERE half = 0 "
                     "UNION ALL SELECT barometer.tally(y, w, stratum, psu, n_psu, NULL) FROM resp_d WHERE half = 1) u) s, "
                     "LATERAL barometer.report(s.m) r")
                plan = "\n".join(r[0] for r in rows(new, "EXPLAIN (VERBOSE, COSTS OFF) " + q))
                whole = rows(new, "SELECT barometer.estimate(t), barometer.variance(t), r.* FROM xstored, "
                                  "LATERAL barometer.report(t) r WHERE kind = 'cluster'")
                t.ok("Aggregate on" in plan and rows(new, q) == whole,
                     "0.1 shard (aggregate pushed down) merged with a 0.2 tally: the single-server readers, exactly", plan)
                # form version 3 (0.2) is newer than what 0.1 reads: an error
                # with the newer-release hint, never a number
                err = error_of(old, "SELECT kind, t::text FROM new_stored ORDER BY kind")
                t.ok(err is not None and err[0] == "22P02",
                     "0.2 -> 0.1: the new server's tallies (form version 3) are an error on 0.1 (22P02), not numbers",
                     err)
                err = error_of(old, "SELECT barometer.estimate(t) FROM new_odd")
                t.ok(err is not None and err[0] == "22P02",
                     "0.2 -> 0.1: a tally with subnormal sums (readable since 0.2) is an error on 0.1, not a number", err)
                print(f"#   {err}", flush=True)
                e1 = error_of(old, "SELECT barometer.estimate(t::barometer.tally) FROM new_future WHERE k = 1")
                e2 = error_of(old, "SELECT barometer.estimate(t::barometer.tally) FROM new_future WHERE k = 2")
                t.ok(e1 is not None and e1[0] == "22P02" and e2 is not None and e2[0] == "22P02",
                     "a later version and a new design kind are errors on 0.1 too (22P02)", (e1, e2))
                print(f"#   {e1}\n#   {e2}", flush=True)
                peer.close()
            old.close()
        new.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t.done()


if __name__ == "__main__":
    run(main)
