#!/usr/bin/python3
"""bench/protect_optimal.py - the optimal mode of protect_table on 3-D
tables of 100-400 cells (the generator of bench/protect.sql): per table its
cells, seconds, whether the optimum was proven (no fallback NOTICE), the
cost against the heuristic's.  Needs a database with barometer; uses the
functions bench/protect.sql creates (bench_protect.cells / edges), creating
them when absent.
    /usr/bin/python3 bench/protect_optimal.py [time_limit] [name ...]
"""
import os
import sys
import time

import psycopg2

TABLES = [  # name, seed, municipalities, origins (x 2 sexes, all margins)
    ("p2s1", 1001, 3, 3), ("p2s2", 1002, 4, 4), ("p2s3", 1003, 5, 2),
    ("p2s4", 1004, 2, 3), ("p2s5", 1005, 3, 4), ("p2s6", 1006, 4, 2),
    ("t126", 2001, 4, 3), ("t150", 2002, 7, 2), ("t168", 2003, 4, 5),
    ("t198", 2004, 8, 3), ("t210", 2005, 7, 4), ("t216", 2006, 6, 5),
    ("t252", 2007, 9, 4), ("t312", 2008, 10, 5), ("t360", 2009, 9, 7),
    ("t378", 2010, 11, 6), ("t390", 2011, 10, 7),
]


def main():
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    names = set(sys.argv[2:])
    conn = psycopg2.connect(dbname=os.environ.get("PGDATABASE", "t"))
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT to_regproc('bench_protect.cells') IS NOT NULL")
    if not cur.fetchone()[0]:
        src = open(os.path.join(os.path.dirname(__file__), "protect.sql")).read()
        head = src.split("-- 1. the heuristic")[0]
        head = "\n".join(l for l in head.splitlines() if not l.startswith("\\"))
        head = head.replace("SELECT set_config('bench.ntables', :'ntables', false);", "")
        cur.execute(head)
    cur.execute("SET client_min_messages = notice")
    print("%-5s %5s %8s %7s %9s %9s" % ("name", "cells", "seconds", "proven", "optimal", "heur"))
    for name, seed, nm, no in TABLES:
        if names and name not in names:
            continue
        args = "bench_protect.cells(%d, %d, %d, true), bench_protect.edges(%d, %d, true)" % (
            seed, nm, no, nm, no)
        cur.execute("SELECT count(*), coalesce(sum(value) FILTER (WHERE status = 'secondary'), 0) "
                    "FROM barometer.protect_table(%s)" % args)
        n, h = cur.fetchone()
        del conn.notices[:]
        t0 = time.time()
        cur.execute("SELECT coalesce(sum(value) FILTER (WHERE status = 'secondary'), 0), "
                    "bool_and(protected) FILTER (WHERE status = 'primary') "
                    "FROM barometer.protect_table(%s, method => 'optimal', time_limit => %g)" % (args, limit))
        o, prot = cur.fetchone()
        secs = time.time() - t0
        proven = not any("stopped at its limit" in x for x in conn.notices)
        print("%-5s %5d %8.2f %7s %9g %9g%s" % (name, n, secs, proven, o, h,
                                               "" if prot else "  UNPROTECTED"), flush=True)


main()
