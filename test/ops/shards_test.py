#!/usr/bin/python3
"""barometer across servers with postgres_fdw (issue 14).

Three throwaway clusters (the shards, started here: shardlib.py) hold the
microdata of one survey sample; the coordinator (the test/run cluster, PG*
variables) has partitioned tables whose partitions are postgres_fdw foreign
tables on the shards, and a local copy of the whole sample (the
single-server answer).  Two layouts of the same 6,000 rows: resp_psu, each
PSU on one shard (strata spread over shards), and resp_row, rows dealt out
so that most PSUs are spread over two or three shards.

For weights-only (whole sample, mean, and domains with n_sample),
clustered (PSUs within a shard, PSUs spread over shards) and replicate
designs, tallies computed on each shard, shipped in the stored (text) form
and merged at the coordinator must equal the single-server tallies reader by
reader - estimate, variance, and every column of report() (se, ci, n,
n_missing, weighted_n, n_eff, deff, df, cv, status, reasons) - EXACTLY
(bit for bit, not within a tolerance): every sum is a compensated
double-double with exact products, so the shards' partial sums add up to
the single server's sums far below a double's last bit, and every reader
then computes from the same doubles.  Both ways of getting the tallies:
  P  pushdown: enable_partitionwise_aggregate with GROUP BY the partition
     key; the plan's Remote SQL must contain barometer.tally (also with
     use_remote_estimate); a text literal argument stops the pushdown;
  V  an explicit per-shard query: a view on each shard, read through a
     foreign table and stored at the coordinator.
The whole-sample design facts (n_psu per stratum, n_sample) come from the
coordinator: for P as query parameters (an initplan the shards receive as
$1), for V as a per-stratum table copied to every shard.  Computed per
shard instead, they give the documented 22023 error at the merge.  After
one shard's data change, refreshing only its tallies gives the new
single-server answer; after a change of the design facts, a partial refresh
is refused (22023) and a full refresh agrees again.

Versions: shard 3 then runs barometer 0.1 (the kept install script); the
coordinator's version check names it, tallies come from it equal to the
single-server answer, a 0.1 server reads tallies pushed down to and shipped
from a 0.2 server, a pushed-down object the old shard lacks fails with the
shard's 42883, and a stored form this build does not know (a newer
version, a new design kind; text and binary) is an error, never a number.
The wire size of a tally per design kind is printed (text: what
postgres_fdw ships; binary: COPY BINARY and binary clients)."""
import io
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import Tap, connect, fresh_db, run, scalar  # noqa: E402
import shardlib  # noqa: E402

import psycopg2  # noqa: E402

COORD = "barometer_ops_shards"
NSHARDS = 3

# ---------------------------------------------------------------- the data
# 6 strata x 20 PSUs x 50 rows; y missing for 1 row in 23, x for 1 in 19;
# weights not dyadic (0.7 + k/29), so the sums are not trivially exact.
# shard_psu: the PSU's shard (stratum 6 only on shard 1, the others spread);
# shard_row: the row's shard (PSUs divisible by 5 only on shard 2, the others
# over all three).
SAMPLE = """
CREATE TABLE resp_all AS
SELECT id, stratum, psu,
       (psu * 7 + id) % 4 AS origin,
       CASE WHEN id % 23 = 0 THEN NULL
            ELSE (hashint4extended(id, 1) & 1023) < 250 + 40 * (psu % 9) END AS y,
       CASE WHEN id % 19 = 0 THEN NULL
            ELSE ((hashint4extended(id, 2) & 1023) / 37.0 + psu % 5)::float8 END AS x,
       (0.7 + ((id * 37) % 101) / 29.0)::float8 AS w,
       (200 + 10 * stratum)::float8 AS fpc,
       CASE WHEN stratum = 6 THEN 1 ELSE 1 + (psu * 5 + stratum) % 3 END AS shard_psu,
       CASE WHEN psu % 5 = 0 THEN 2 ELSE 1 + (id * 7) % 3 END AS shard_row
FROM (SELECT id, 1 + (id - 1) / 1000 AS stratum, 1 + (id - 1) / 50 AS psu
      FROM generate_series(1, 6000) id) g;
CREATE TABLE rep_plan AS SELECT barometer.replicate_plan('jkn', stratum, psu) AS p FROM resp_all;
ALTER TABLE resp_all ADD COLUMN repw float8[];
UPDATE resp_all r SET repw = barometer.replicate_weights(p.p, r.stratum, r.psu, r.w) FROM rep_plan p;
"""

COLS = "id int, stratum int, psu int, origin int, y boolean, x float8, w float8, fpc float8, repw float8[]"
COLNAMES = "id, stratum, psu, origin, y, x, w, fpc, repw"

# on every shard: the two layouts, the design facts the coordinator copies
# there, the views that join them (LEFT JOIN: a stratum missing from the
# facts is a NULL n_psu, an error, never a silently dropped row), the
# explicit per-shard query (V) and the wrong way (n_psu counted per shard)
SHARD_TABLES = f"""
CREATE TABLE resp_psu (shard int NOT NULL, {COLS});
CREATE TABLE resp_row (shard int NOT NULL, {COLS});
CREATE TABLE design_strata (stratum int PRIMARY KEY, n_psu int NOT NULL, n_stratum bigint NOT NULL);
CREATE TABLE design_sample (n_sample bigint NOT NULL);
CREATE TABLE specs (spec barometer.replicates);
"""

# the indicators: name -> (table, aggregate call over its columns); n_psu,
# n_stratum, n_sample and spec are the whole-sample facts.  main() adds the
# stratified design (tally_stratified, with its n_stratum) where this build
# has it; the 0.1 shard of the versions part gets BASE only.
BASE = [
    ("weights", "row", "barometer.tally(y, w)"),
    ("weights mean", "row", "barometer.tally(x, w)"),
    ("weights domain", "row", "barometer.tally(y, w, n_sample)"),
    ("cluster within", "psu", "barometer.tally(y, w, stratum, psu, n_psu, fpc)"),
    ("cluster spread", "row", "barometer.tally(y, w, stratum, psu, n_psu, NULL)"),
    ("cluster mean", "psu", "barometer.tally(x, w, stratum, psu, n_psu, fpc)"),
    ("replicate", "row", "barometer.tally(y, w, repw, spec)"),
    ("replicate mean", "row", "barometer.tally(x, w, repw, spec)"),
]
STRATIFIED = [
    ("stratified", "row", "barometer.tally_stratified(y, w, stratum, n_stratum, 0.02)"),
    ("stratified mean", "psu", "barometer.tally_stratified(x, w, stratum, n_stratum, NULL)"),
]
INDICATORS = list(BASE)


def shard_views(indicators=None):
    parts = [f"SELECT shard, {i!r}::text AS indicator, origin, {agg} AS t "
             f"FROM resp_{tab}_d GROUP BY shard, origin"
             for i, tab, agg in (indicators or INDICATORS)]
    return f"""
CREATE VIEW resp_psu_d AS
SELECT r.*, s.n_psu, s.n_stratum, n.n_sample, p.spec
FROM resp_psu r LEFT JOIN design_strata s USING (stratum), design_sample n, specs p;
CREATE VIEW resp_row_d AS
SELECT r.*, s.n_psu, s.n_stratum, n.n_sample, p.spec
FROM resp_row r LEFT JOIN design_strata s USING (stratum), design_sample n, specs p;
CREATE VIEW cells AS
{(chr(10) + "UNION ALL" + chr(10)).join(parts)};
CREATE VIEW cells_wrong AS
SELECT shard, origin, barometer.tally(y, w, stratum, psu, n_psu, fpc) AS t
FROM (SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu FROM resp_psu r) r
GROUP BY shard, origin;
"""


# the coordinator's single-server answer: the design facts by window
# functions over the whole local sample
SINGLE_VIEW = """
CREATE VIEW resp_all_d AS
SELECT r.*, barometer.psu_count(psu) OVER (PARTITION BY stratum) AS n_psu,
       count(*) OVER (PARTITION BY stratum) AS n_stratum,
       count(*) OVER () AS n_sample,
       (SELECT barometer.replicate_spec(p) FROM rep_plan) AS spec
FROM resp_all r;
"""

# the design facts at the coordinator, from the shards: the distinct
# (stratum, psu) pairs of each shard (pushed down, GROUP BY the partition
# key), counted over all shards; n_sample the sum of the shards' counts
FACTS = """
CREATE TABLE IF NOT EXISTS facts (n_psu int[], n_stratum bigint[], n_sample bigint, spec barometer.replicates);
CREATE OR REPLACE VIEW facts_strata AS
SELECT h AS stratum, n_psu[h] AS n_psu, n_stratum[h] AS n_stratum
FROM facts, generate_subscripts(n_psu, 1) h WHERE n_psu[h] > 0;
DELETE FROM facts;
INSERT INTO facts
SELECT (SELECT array_agg(coalesce(s.n_psu, 0) ORDER BY h)
        FROM generate_series(1, (SELECT max(stratum) FROM resp_psu)) h
        LEFT JOIN (SELECT stratum, barometer.psu_count(psu) AS n_psu
                   FROM (SELECT shard, stratum, psu FROM resp_psu GROUP BY shard, stratum, psu) u
                   GROUP BY stratum) s ON s.stratum = h),
       (SELECT array_agg(coalesce(c.n, 0) ORDER BY h)
        FROM generate_series(1, (SELECT max(stratum) FROM resp_psu)) h
        LEFT JOIN (SELECT stratum, sum(n)::bigint AS n
                   FROM (SELECT shard, stratum, count(*) AS n FROM resp_psu GROUP BY shard, stratum) u
                   GROUP BY stratum) c ON c.stratum = h),
       (SELECT sum(n)::bigint FROM (SELECT shard, count(*) AS n FROM resp_psu GROUP BY shard) c),
       (SELECT barometer.replicate_spec(p) FROM rep_plan);
"""

# the facts as the per-row columns the pushed-down aggregates use: the
# coordinator's values travel as query parameters ($1, $2, $3)
P_FACTS = {
    "n_psu": "(SELECT n_psu FROM facts)[stratum]",
    "n_stratum": "(SELECT n_stratum FROM facts)[stratum]",
    "n_sample": "(SELECT n_sample FROM facts)",
    "spec": "(SELECT spec FROM facts)",
}


def p_agg(agg):
    """the aggregate call with the facts replaced by coordinator parameters"""
    name, inner = agg.split("(", 1)
    args = [a.strip() for a in inner[:-1].split(",")]
    args = [P_FACTS.get(a, a) for a in args]
    return name + "(" + ", ".join(args) + ")"


def p_query(name, tab, agg, where=""):
    return (f"SELECT shard, {name!r}::text AS indicator, origin, {p_agg(agg)} AS t "
            f"FROM resp_{tab} {where} GROUP BY shard, origin")


READERS = """
SELECT indicator, origin, barometer.estimate(t), barometer.variance(t), r.*
FROM ({src}) m, LATERAL barometer.report(m.t) r
ORDER BY indicator, origin NULLS FIRST
"""

MERGED = ("SELECT indicator, origin, barometer.merge(t) AS t FROM {cells} "
          "GROUP BY indicator, GROUPING SETS ((origin), ())")


def single_src(indicators=None):
    parts = [f"SELECT {i!r}::text AS indicator, origin, {agg} AS t FROM resp_all_d "
             "GROUP BY GROUPING SETS ((origin), ())"
             for i, _, agg in (indicators or INDICATORS)]
    return "\n UNION ALL ".join(parts)


def rows(conn, sql, params=None):
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def execute(conn, sql, params=None):
    with conn.cursor() as cur:
        cur.execute(sql, params)


def error_of(conn, sql):
    """(sqlstate, message, detail) of the error sql raises, or None"""
    with conn.cursor() as cur:
        try:
            cur.execute(sql)
            if cur.description is not None:
                cur.fetchall()
            return None
        except psycopg2.Error as e:
            d = e.diag
            return (e.pgcode, d.message_primary or "", d.message_detail or "")


def differences(got, want):
    """rows of got and want that differ (exact comparison), as text"""
    if len(got) != len(want):
        return f"{len(got)} rows against {len(want)}"
    out = []
    for g, w in zip(got, want):
        if g != w:
            out.append(f"got  {g!r}\nwant {w!r}")
    return "\n".join(out[:4])


def main():
    t = Tap(31)
    coord = fresh_db(COORD, extensions=("barometer", "postgres_fdw"))
    has_stratified = scalar(coord, "SELECT count(*) > 0 FROM pg_proc WHERE proname = 'tally_stratified' "
                                   "AND pronamespace = 'barometer'::regnamespace")
    if has_stratified:
        INDICATORS.extend(STRATIFIED)
    print(f"# indicators: {', '.join(i for i, _, _ in INDICATORS)}", flush=True)
    execute(coord, SAMPLE)
    execute(coord, SINGLE_VIEW)

    with shardlib.Clusters(NSHARDS) as shards:
        sconn = [connect("postgres", host="127.0.0.1", port=c.port, user="postgres")
                 for c in shards]
        for k, s in enumerate(sconn, 1):
            execute(s, "CREATE EXTENSION barometer")
            execute(s, "CREATE EXTENSION postgres_fdw")
            execute(s, SHARD_TABLES)
            execute(s, shard_views())

        # the coordinator: one foreign server per shard, with barometer's
        # functions and types shippable, fetch_size and batch_size for row
        # traffic, async_capable so that the shards work at the same time
        for k, c in enumerate(shards, 1):
            execute(coord, f"""
CREATE SERVER shard{k} FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '127.0.0.1', port '{c.port}', dbname 'postgres', extensions 'barometer',
           fetch_size '1000', batch_size '1000', async_capable 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard{k} OPTIONS (user 'postgres');
CREATE FOREIGN TABLE shard{k}_ext (extname name, extversion text)
  SERVER shard{k} OPTIONS (schema_name 'pg_catalog', table_name 'pg_extension');
""")
        execute(coord, f"""
CREATE TABLE resp_psu (shard int NOT NULL, {COLS}) PARTITION BY LIST (shard);
CREATE TABLE resp_row (shard int NOT NULL, {COLS}) PARTITION BY LIST (shard);
CREATE TABLE cells (shard int, indicator text, origin int, t barometer.tally) PARTITION BY LIST (shard);
CREATE TABLE cells_wrong (shard int, origin int, t barometer.tally) PARTITION BY LIST (shard);
""")
        for k in range(1, NSHARDS + 1):
            for tab in ("resp_psu", "resp_row", "cells", "cells_wrong"):
                execute(coord, f"CREATE FOREIGN TABLE {tab}_{k} PARTITION OF {tab} "
                               f"FOR VALUES IN ({k}) SERVER shard{k} OPTIONS (table_name '{tab}')")
            for tab, cols in (("design_strata", "stratum int, n_psu int, n_stratum bigint"),
                              ("design_sample", "n_sample bigint"),
                              ("specs", "spec barometer.replicates")):
                execute(coord, f"CREATE FOREIGN TABLE {tab}_{k} ({cols}) "
                               f"SERVER shard{k} OPTIONS (table_name '{tab}')")
        # the version check: every shard's barometer against the coordinator's
        execute(coord, "CREATE VIEW shard_versions AS "
                + " UNION ALL ".join(
                    f"SELECT {k} AS shard, (SELECT extversion FROM shard{k}_ext WHERE extname = 'barometer') AS shard_version, "
                    "(SELECT extversion FROM pg_extension WHERE extname = 'barometer') AS coordinator_version"
                    for k in range(1, NSHARDS + 1)))

        # load the shards through the partitioned tables (rows routed to
        # the foreign partitions, sent in batches)
        execute(coord, f"INSERT INTO resp_psu SELECT shard_psu, {COLNAMES} FROM resp_all")
        execute(coord, f"INSERT INTO resp_row SELECT shard_row, {COLNAMES} FROM resp_all")
        for s in sconn:
            execute(s, "ANALYZE")
        counts = rows(coord, "SELECT (SELECT count(*) FROM resp_psu), (SELECT count(*) FROM resp_row), "
                             "(SELECT count(DISTINCT shard) FROM resp_psu), "
                             "(SELECT count(*) FROM (SELECT psu FROM resp_row GROUP BY psu HAVING count(DISTINCT shard) > 1) s)")
        t.eq(counts[0], (6000, 6000, 3, 96),
             "6,000 rows loaded onto 3 shards in both layouts (96 of 120 PSUs spread over shards in resp_row)")

        # design facts: computed at the coordinator from all shards
        def push_facts():
            execute(coord, FACTS)
            for k in range(1, NSHARDS + 1):
                execute(coord, f"""
DELETE FROM design_strata_{k}; INSERT INTO design_strata_{k} SELECT stratum, n_psu, n_stratum FROM facts_strata;
DELETE FROM design_sample_{k}; INSERT INTO design_sample_{k} SELECT n_sample FROM facts;
DELETE FROM specs_{k}; INSERT INTO specs_{k} SELECT spec FROM facts;""")
        push_facts()
        single_facts = rows(coord, "SELECT stratum, barometer.psu_count(psu), count(*), sum(count(*)) OVER () "
                                   "FROM resp_all GROUP BY stratum ORDER BY stratum")
        t.eq(rows(coord, "SELECT stratum, n_psu, n_stratum, (SELECT n_sample FROM facts) FROM facts_strata ORDER BY stratum"),
             single_facts, "design facts from the shards (n_psu and n_stratum per stratum, n_sample) equal the whole sample's")

        execute(coord, "SET enable_partitionwise_aggregate = on")
        single = rows(coord, READERS.format(src=single_src()))

        # ---- P: pushdown, merged on the fly
        p_all = " UNION ALL ".join(p_query(i, tab, agg) for i, tab, agg in INDICATORS)
        plan = "\n".join(r[0] for r in rows(coord, "EXPLAIN (VERBOSE, COSTS OFF) " + p_all))
        remote = [line.strip() for line in plan.splitlines() if "Remote SQL:" in line]
        t.ok(len(remote) == NSHARDS * len(INDICATORS)
             and all(re.search(r"barometer\.tally(_stratified)?\(", r) and "GROUP BY" in r for r in remote)
             and plan.count("Aggregate on") == NSHARDS * len(INDICATORS),
             f"P: every shard's aggregate is pushed down ({NSHARDS * len(INDICATORS)} Remote SQL with barometer.tally and GROUP BY)",
             plan)
        t.ok("Async Foreign Scan" in plan, "P: the shards are asked at once (Async Foreign Scan)", plan)
        print("# " + remote[0], flush=True)
        got = rows(coord, READERS.format(src=MERGED.format(cells=f"({p_all}) s")))
        t.ok(got == single and len(single) == len(INDICATORS) * 5,
             "P: merged shard tallies equal the single-server tallies reader by reader, exactly "
             f"({len(INDICATORS)} indicators x 5 cells, every column of report())",
             differences(got, single))

        # with use_remote_estimate the planner asks the shards for their
        # costs (EXPLAIN round trips) and still pushes the aggregates down
        for k in range(1, NSHARDS + 1):
            execute(coord, f"ALTER SERVER shard{k} OPTIONS (ADD use_remote_estimate 'true')")
        plan_re = "\n".join(r[0] for r in rows(coord, "EXPLAIN (VERBOSE, COSTS OFF) " + p_all))
        got = rows(coord, READERS.format(src=MERGED.format(cells=f"({p_all}) s")))
        t.ok(plan_re.count("Aggregate on") == NSHARDS * len(INDICATORS) and got == single,
             "P with use_remote_estimate: still pushed down, still equal", plan_re)
        for k in range(1, NSHARDS + 1):
            execute(coord, f"ALTER SERVER shard{k} OPTIONS (DROP use_remote_estimate)")

        # a text literal among the aggregate's arguments (here the lonely
        # PSU policy) gives the aggregate an input collation that does not
        # come from a remote column, and postgres_fdw then ships rows instead
        # (the answer is the same, the traffic is not); the policy as a
        # column of a shard-side view is pushed down
        execute(sconn[0], "CREATE VIEW resp_psu_pol AS SELECT *, 'adjust'::text AS lonely FROM resp_psu")
        execute(coord, f"CREATE FOREIGN TABLE resp_psu_pol_1 (shard int, {COLS}, lonely text) "
                       "SERVER shard1 OPTIONS (table_name 'resp_psu_pol')")
        lit = ("SELECT origin, barometer.tally(x, w, stratum, psu, (SELECT n_psu FROM facts)[stratum], fpc, 'adjust') AS t "
               "FROM resp_psu_pol_1 GROUP BY origin ORDER BY origin")
        col = lit.replace("'adjust'", "lonely")
        plan_lit = "\n".join(r[0] for r in rows(coord, "EXPLAIN (VERBOSE, COSTS OFF) " + lit))
        plan_col = "\n".join(r[0] for r in rows(coord, "EXPLAIN (VERBOSE, COSTS OFF) " + col))
        a = rows(coord, READERS.format(src=f"SELECT 'x' AS indicator, * FROM ({lit}) s"))
        b = rows(coord, READERS.format(src=f"SELECT 'x' AS indicator, * FROM ({col}) s"))
        ta = rows(coord, f"SELECT origin, t::text FROM ({lit}) s")
        tb = rows(coord, f"SELECT origin, t::text FROM ({col}) s")
        # the stored forms need not be equal: the low words of the
        # compensated sums depend on the order the rows were added in
        print(f"# rows shipped and aggregated here vs aggregated on the shard: stored forms "
              f"{'equal' if ta == tb else 'differ in the low words of the sums'}, readers equal: {a == b}",
              flush=True)
        t.ok("Aggregate on" not in plan_lit and "Aggregate on" in plan_col and a == b,
             "a text literal argument ('adjust') is not pushed down (rows shipped), the same policy "
             "as a remote column is; both give the same readers", plan_lit + "\n" + plan_col + "\n" + differences(a, b))

        # ---- P stored at the coordinator (what a refresh updates)
        execute(coord, "CREATE TABLE pd_cells (shard int, indicator text, origin int, t barometer.tally)")

        def p_refresh(where=""):
            for i, tab, agg in INDICATORS:
                execute(coord, f"INSERT INTO pd_cells {p_query(i, tab, agg, where)}")
        p_refresh()

        # ---- V: the explicit per-shard query (a view on each shard),
        # shipped as the stored form and kept at the coordinator
        execute(coord, "CREATE TABLE shard_cells AS SELECT * FROM cells")
        got = rows(coord, READERS.format(src=MERGED.format(cells="shard_cells")))
        t.ok(got == single, "V: per-shard query, shipped, stored and merged: equal to the single server, exactly",
             differences(got, single))
        got = rows(coord, READERS.format(src=MERGED.format(cells="pd_cells")))
        t.ok(got == single, "P stored: equal to the single server, exactly", differences(got, single))

        # the stored form arrives bit for bit: text and binary at the shard
        # equal those of the shipped copy
        same = True
        for k, s in enumerate(sconn, 1):
            at_shard = rows(s, "SELECT indicator, origin, t::text, barometer.tally_send(t) FROM cells ORDER BY 1, 2")
            shipped = rows(coord, "SELECT indicator, origin, t::text, barometer.tally_send(t) FROM shard_cells "
                                  "WHERE shard = %s ORDER BY 1, 2", (k,))
            same = same and [(a, b, c, bytes(d)) for a, b, c, d in at_shard] == \
                [(a, b, c, bytes(d)) for a, b, c, d in shipped]
        t.ok(same, "the shipped tallies are the shards' own, text and binary forms byte for byte")

        # ---- wire size per design kind
        sizes = rows(coord, """
SELECT indicator, count(*), min(octet_length(t::text)), max(octet_length(t::text)),
       min(octet_length(barometer.tally_send(t))), max(octet_length(barometer.tally_send(t)))
FROM shard_cells GROUP BY indicator ORDER BY indicator""")
        print("# wire size of one shard's tally of one origin group (bytes): indicator, cells, text min-max, binary min-max",
              flush=True)
        for r in sizes:
            print(f"#   {r[0]:<15} {r[1]:>3}  text {r[2]:>6}-{r[3]:<6} binary {r[4]:>6}-{r[5]:<6}", flush=True)
        shipped_text = scalar(coord, "SELECT sum(octet_length(t::text)) FROM shard_cells")
        print(f"# all {len(INDICATORS)} indicators x 4 origin groups x 3 shards: {shipped_text} bytes of text "
              "from the shards, against "
              f"{scalar(coord, 'SELECT sum(octet_length(r::text)) FROM resp_all r')} bytes of microdata rows as text",
              flush=True)
        roundtrip = scalar(coord, """
SELECT bool_and(t::text::barometer.tally::text = t::text
                AND barometer.tally_send(t::text::barometer.tally) = barometer.tally_send(t))
FROM shard_cells""")
        t.ok(roundtrip, "every shipped tally round-trips through its text form at the coordinator")

        # ---- the wrong way: n_psu counted on each shard
        err = error_of(coord, "SELECT barometer.merge(t) FROM cells_wrong")
        t.ok(err is not None and err[0] == "22023"
             and (err[1] == "cannot merge tallies of different designs" or "has more PSUs than its n_psu" in err[1]),
             "n_psu counted per shard: the merged whole sample is refused (22023)", err)
        print(f"#   {err}", flush=True)
        err2 = error_of(coord, "SELECT origin, barometer.merge(t) FROM cells_wrong GROUP BY GROUPING SETS ((origin), ())")
        t.ok(err2 is not None and err2[0] == "22023",
             "...and so is a dashboard query that merges the total with its domains", err2)

        # ---- one shard's data change, only its tallies refreshed.  The
        # changed rows live on shard 2 in both layouts.
        changed = "shard_psu = 2 AND shard_row = 2 AND id % 4 = 0"
        ids = [r[0] for r in rows(coord, f"SELECT id FROM resp_all WHERE {changed} ORDER BY id")]
        upd = "UPDATE {tab} SET y = NOT y, x = x + 1.5, w = w * 1.25 WHERE id = ANY(%s)"
        execute(coord, upd.format(tab="resp_all"), (ids,))
        for tab in ("resp_psu", "resp_row"):
            execute(sconn[1], upd.format(tab=tab), (ids,))
        single2 = rows(coord, READERS.format(src=single_src()))
        t.ok(single2 != single and len(ids) > 100, f"shard 2 changes {len(ids)} rows (values and weights)")
        explain = "\n".join(r[0] for r in rows(coord, "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM cells WHERE shard = 2"))
        t.ok(explain.count("Foreign Scan") == 1 and "cells_2" in explain,
             "refreshing shard 2 reads shard 2 only (partition pruning)", explain)
        execute(coord, "DELETE FROM shard_cells WHERE shard = 2; INSERT INTO shard_cells SELECT * FROM cells WHERE shard = 2")
        execute(coord, "DELETE FROM pd_cells WHERE shard = 2")
        p_refresh("WHERE shard = 2")
        got = rows(coord, READERS.format(src=MERGED.format(cells="shard_cells")))
        t.ok(got == single2, "V: after refreshing shard 2 alone, equal to the new single-server answer, exactly",
             differences(got, single2))
        got = rows(coord, READERS.format(src=MERGED.format(cells="pd_cells")))
        t.ok(got == single2, "P: after refreshing shard 2 alone, equal to the new single-server answer, exactly",
             differences(got, single2))

        # ---- a change of the design facts: a new PSU in stratum 3 on shard 2
        # (n_psu of stratum 3 and n_sample change for every shard)
        new = """SELECT 6000 + i, 3, 121, i % 4, i % 3 = 0, i * 0.5, 1.1 + i / 10.0, 230.0,
                  (SELECT array_fill((1.1 + i / 10.0)::float8, ARRAY[120]))
           FROM generate_series(1, 30) i"""
        execute(coord, f"INSERT INTO resp_all ({COLNAMES}, shard_psu, shard_row) SELECT *, 2, 2 FROM ({new}) n")
        for tab in ("resp_psu", "resp_row"):
            execute(sconn[1], f"INSERT INTO {tab} (shard, {COLNAMES}) SELECT 2, * FROM ({new}) n")
        single3 = rows(coord, READERS.format(src=single_src()))
        push_facts()
        execute(coord, "DELETE FROM shard_cells WHERE shard = 2; INSERT INTO shard_cells SELECT * FROM cells WHERE shard = 2")
        execute(coord, "DELETE FROM pd_cells WHERE shard = 2")
        p_refresh("WHERE shard = 2")
        stale = [error_of(coord, READERS.format(src=MERGED.format(cells=c)))
                 for c in ("shard_cells", "pd_cells")]
        t.ok(all(e is not None and e[0] == "22023" and e[1] == "cannot merge tallies of different designs" for e in stale),
             "new PSU on shard 2, facts recomputed, only shard 2 refreshed: the merge refuses the mix (22023)", stale)
        print(f"#   {stale[0]}", flush=True)
        execute(coord, "TRUNCATE shard_cells; INSERT INTO shard_cells SELECT * FROM cells")
        execute(coord, "TRUNCATE pd_cells")
        p_refresh()
        got_v = rows(coord, READERS.format(src=MERGED.format(cells="shard_cells")))
        got_p = rows(coord, READERS.format(src=MERGED.format(cells="pd_cells")))
        t.ok(got_v == single3 and got_p == single3 and single3 != single2,
             "after refreshing every shard: equal to the new single-server answer, exactly (V and P)",
             differences(got_v, single3) or differences(got_p, single3))

        # ================================================ versions
        t.eq(rows(coord, "SELECT shard, shard_version = coordinator_version FROM shard_versions ORDER BY shard"),
             [(1, True), (2, True), (3, True)], "the version check: every shard runs the coordinator's barometer")
        s3 = sconn[2]
        execute(s3, "DROP EXTENSION barometer CASCADE")
        execute(s3, "CREATE EXTENSION barometer VERSION '0.1'")
        execute(s3, "DROP TABLE specs; CREATE TABLE specs (spec barometer.replicates)")
        execute(s3, shard_views(BASE))
        execute(coord, "DELETE FROM specs_3; INSERT INTO specs_3 SELECT spec FROM facts")
        t.eq(rows(coord, "SELECT shard, shard_version, coordinator_version FROM shard_versions "
                         "WHERE shard_version IS DISTINCT FROM coordinator_version"),
             [(3, "0.1", scalar(coord, "SELECT extversion FROM pg_extension WHERE extname = 'barometer'"))],
             "shard 3 reinstalled as barometer 0.1: the version check names it")

        # the designs 0.1 has (a later design, such as tally_stratified, is
        # not on the 0.1 shard: see the 42883 below)
        base = {i for i, _, _ in BASE}
        single3_base = [r for r in single3 if r[0] in base]
        p_base = " UNION ALL ".join(p_query(i, tab, agg) for i, tab, agg in BASE)
        got = rows(coord, READERS.format(src=MERGED.format(cells=f"({p_base}) s")))
        t.ok(got == single3_base, "0.1 shard -> 0.2 coordinator, pushed down: equal to the single server, exactly",
             differences(got, single3_base))
        in_base = ", ".join(f"'{i}'" for i in sorted(base))
        got = rows(coord, READERS.format(src=MERGED.format(cells=f"(SELECT * FROM cells WHERE indicator IN ({in_base})) c")))
        t.ok(got == single3_base, "0.1 shard -> 0.2 coordinator, per-shard view: equal to the single server, exactly",
             differences(got, single3_base))

        # the 0.1 server as a coordinator of the 0.2 server shard 1: its
        # aggregates pushed down to shard 1 and its stored tallies shipped
        execute(s3, f"""
CREATE SERVER peer FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '127.0.0.1', port '{shards[0].port}', dbname 'postgres', extensions 'barometer');
CREATE USER MAPPING FOR CURRENT_USER SERVER peer OPTIONS (user 'postgres');
CREATE FOREIGN TABLE peer_resp_psu (shard int NOT NULL, {COLS}, n_psu int, n_sample bigint, spec barometer.replicates)
  SERVER peer OPTIONS (table_name 'resp_psu_d');
CREATE FOREIGN TABLE peer_cells (shard int, indicator text, origin int, t barometer.tally)
  SERVER peer OPTIONS (table_name 'cells');
""")
        q01 = ("SELECT origin, barometer.tally(y, w, stratum, psu, n_psu, fpc) AS t "
               "FROM {src} GROUP BY origin ORDER BY origin")
        plan01 = "\n".join(r[0] for r in rows(s3, "EXPLAIN (VERBOSE, COSTS OFF) " + q01.format(src="peer_resp_psu")))
        pulled = rows(s3, "SELECT origin, t::text FROM (" + q01.format(src="peer_resp_psu") + ") s")
        local1 = rows(sconn[0], "SELECT origin, t::text FROM (" + q01.format(src="resp_psu_d") + ") s")
        t.ok("barometer.tally(" in plan01 and pulled == local1,
             "0.2 shard -> 0.1 server, pushed down: the tallies arrive byte for byte", plan01)
        got = rows(s3, "SELECT indicator, origin, t::text FROM peer_cells ORDER BY 1, 2")
        want = rows(sconn[0], "SELECT indicator, origin, t::text FROM cells ORDER BY 1, 2")
        rd = ("SELECT indicator, origin, barometer.estimate(m.t), barometer.variance(m.t), r.* "
              "FROM (SELECT indicator, origin, barometer.merge(t) AS t FROM {src} GROUP BY 1, 2) m, "
              "LATERAL barometer.report(m.t) r ORDER BY 1, 2")
        t.ok(got == want and rows(s3, rd.format(src="peer_cells")) == rows(sconn[0], rd.format(src="cells")),
             "0.2 shard -> 0.1 server, per-shard view: same stored forms, same readers after merge()")

        # an object the old shard does not have: the shard's own error (a
        # later design's aggregate where this build has one, else a function
        # 0.2 added)
        if has_stratified:
            name = "tally_stratified"
            err = error_of(coord, p_query(*STRATIFIED[0], where="WHERE shard = 3"))
        else:
            name = "replicates_send"
            execute(s3, "INSERT INTO specs VALUES ('jk1')")
            execute(coord, "CREATE FOREIGN TABLE specs_remote_3 (spec barometer.replicates) SERVER shard3 "
                           "OPTIONS (table_name 'specs')")
            err = error_of(coord, "SELECT count(*) FROM specs_remote_3 WHERE barometer.replicates_send(spec) IS NOT NULL")
        t.ok(err is not None and err[0] == "42883" and name in err[1],
             f"a pushed-down function the 0.1 shard lacks ({name}): the shard's 42883, relayed", err)
        print(f"#   {err}", flush=True)

        # ---- forms this build does not know (written by a newer barometer)
        execute(sconn[0], """
CREATE VIEW future AS
SELECT 1 AS k, 'v4 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0 design=weights'::text AS t
UNION ALL
SELECT 2, 'v2 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0 design=declared strata=1'
UNION ALL
SELECT 3, 'v2 proportion n=2 missing=0 positive=2 sw=4:0 swy=3:0 swyy=3:0 sww=10:0 swwy=9:0 swwyy=9:0 design=weights'""")
        execute(coord, "CREATE FOREIGN TABLE future (k int, t barometer.tally) SERVER shard1 OPTIONS (table_name 'future')")
        e_ver = error_of(coord, "SELECT barometer.estimate(t) FROM future WHERE k = 1")
        e_kind = error_of(coord, "SELECT barometer.estimate(t) FROM future WHERE k = 2")
        t.ok(e_ver is not None and e_ver[0] == "22P02" and "Version 4" in e_ver[2],
             "a newer stored version shipped as text: 22P02 naming the version", e_ver)
        t.ok(e_kind is not None and e_kind[0] == "22P02" and '"declared"' in e_kind[2],
             "a new design kind shipped as text: 22P02 naming the kind", e_kind)
        t.eq(scalar(coord, "SELECT barometer.estimate(t) FROM future WHERE k = 3"), 0.75,
             "...while a known form from the same foreign table reads")
        print(f"#   {e_ver}\n#   {e_kind}", flush=True)

        # binary (COPY BINARY, binary clients): the same tally with version 4,
        # and with an unknown design kind (form version 3: n_true after n_pos)
        good = bytes(scalar(coord, "SELECT barometer.tally_send(t) FROM shard_cells "
                                   "WHERE indicator = 'weights' AND shard = 1 AND origin = 0"))
        v4 = struct.pack("!i", 4) + good[4:]
        kind_at = 4 + 4 + 4 + 4 * 8 + 6 * 16
        kind9 = good[:kind_at] + struct.pack("!i", 9) + good[kind_at + 4:]
        execute(coord, "CREATE TABLE copied (t barometer.tally)")

        def copy_binary(value):
            buf = io.BytesIO()
            buf.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0))
            buf.write(struct.pack("!hi", 1, len(value)) + value)
            buf.write(struct.pack("!h", -1))
            buf.seek(0)
            with coord.cursor() as cur:
                try:
                    cur.copy_expert("COPY copied FROM STDIN (FORMAT binary)", buf)
                    return None
                except psycopg2.Error as e:
                    return (e.pgcode, e.diag.message_primary, e.diag.message_detail)
        ok_copy = copy_binary(good)
        b_ver = copy_binary(v4)
        b_kind = copy_binary(kind9)
        t.ok(ok_copy is None and scalar(coord, "SELECT count(*) FROM copied") == 1
             and b_ver is not None and b_ver[0] == "22P03" and "Version 4" in (b_ver[2] or "")
             and b_kind is not None and b_kind[0] == "22P03" and "kind 9" in (b_kind[2] or ""),
             "binary: the known form copies in; version 4 and design kind 9 are 22P03 naming them",
             (ok_copy, b_ver, b_kind))
        print(f"#   {b_ver}\n#   {b_kind}", flush=True)

        # no barometer at all on a shard: the query fails on the shard
        execute(sconn[1], "DROP EXTENSION barometer CASCADE")
        err = error_of(coord, p_query("weights", "row", "barometer.tally(y, w)"))
        t.ok(err is not None and err[0] == "42883" and "barometer.tally" in err[1],
             "a shard without barometer: the pushed-down aggregate fails with the shard's 42883", err)

        for s in sconn:
            s.close()
    coord.close()
    t.done()


if __name__ == "__main__":
    run(main)
