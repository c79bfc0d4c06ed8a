#!/usr/bin/python3
"""The demo's declared design (demo/declared.sql): the sample's design is
declared once (strata = municipalities, PSUs = addresses, one sample per
edition), and the indicators computed through it (view origin_indicator:
every indicator x edition x origin group and the Flemish total, with tests
against Belgian origin and the previous edition) equal

  * the explicit tallies from the microdata, barometer.tally(y, w, nis,
    address, n_psu, NULL) with n_psu = psu_count(address) over the whole
    edition: every cell, estimate, SE, interval, n and df;
  * the dashboard's figures (indicator_result, merges of the stored cells):
    estimates, SEs, intervals, statuses and significance markers;

a WHERE on the declared view is a domain (a province through the declared
view equals the dashboard's province row), and a tally that mixes the two
editions is refused.

Connection: the PG* environment variables; database BAROMETER_E2E_DB
(default barometer_e2e), loaded with test/e2e/load_demo.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run  # noqa: E402

import psycopg2  # noqa: E402

# the indicator's answer as the catalog collapses it (TRUE, FALSE, or NULL:
# no answer, "geen mening" unless counted as a "no")
AGREES = """CASE WHEN r.answers[i.item] = 9 THEN CASE WHEN i.dont_know = 'include' THEN false END
                 ELSE r.answers[i.item] = ANY (i.agree) END"""

# the explicit form: the design columns over the whole edition, by window
EXPLICIT = f"""
SELECT i.code AS indicator, r.edition, r.origin,
       barometer.tally({AGREES}, r.w, r.nis, r.address, r.n_psu, NULL) AS t
FROM (SELECT r.*, barometer.psu_count(r.address) OVER (PARTITION BY r.edition, r.nis ORDER BY r.address
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_psu
      FROM respondent r) r
CROSS JOIN indicator i
GROUP BY GROUPING SETS ((i.code, r.edition), (i.code, r.edition, r.origin))"""


def scalar(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()[0]


def main():
    t = Tap(14)
    db = os.environ.get("BAROMETER_E2E_DB", "barometer_e2e")
    conn = psycopg2.connect(dbname=db)
    conn.autocommit = True
    cur = conn.cursor()

    cur.execute("SELECT kind, weights, strata, psu, fpc, partition_by, lonely_psu, materialized, handle "
                "FROM barometer.designs WHERE name = 'public.resp'")
    t.eq(cur.fetchall(), [("cluster", "w", "nis", "address", None, ["edition"], "fail", False, "design")],
         "the demo's design is declared: strata nis, PSUs address, weights w, one sample per edition")
    t.eq(scalar(cur, """SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                        WHERE a.attrelid = 'resp'::regclass AND a.attname = 'design'"""),
         "barometer.design_row", "resp is the declared view, with its design handle column")
    t.eq(scalar(cur, "SELECT (SELECT count(*) FROM resp) = (SELECT count(*) FROM respondent)"), True,
         "the declared view has a row (a handle) per respondent")

    n_ind = scalar(cur, "SELECT count(*) FROM indicator")
    n_ed = scalar(cur, "SELECT count(*) FROM edition")
    n_origin = scalar(cur, "SELECT count(*) FROM origin_group")
    cells = n_ind * n_ed * (n_origin + 1)
    t.eq(scalar(cur, "SELECT count(*) FROM origin_indicator"), cells,
         f"origin_indicator: every indicator x edition x origin group and the total ({cells} cells)")

    # the declared cells against the explicit form
    cur.execute(f"""
        WITH e AS ({EXPLICIT})
        SELECT count(*), count(d.indicator), count(e.indicator),
               count(*) FILTER (WHERE float8send(d.estimate) = float8send(barometer.estimate(e.t))
                                  AND float8send(d.se) = float8send(barometer.se(e.t))),
               max(abs(d.estimate / barometer.estimate(e.t) - 1)),
               max(abs(d.se / barometer.se(e.t) - 1)),
               max(greatest(abs(d.ci_lower - barometer.ci_lower(e.t)), abs(d.ci_upper - barometer.ci_upper(e.t)))),
               count(*) FILTER (WHERE d.n <> barometer.n(e.t) OR d.df <> barometer.df(e.t)),
               count(*) FILTER (WHERE barometer.se(e.t) > 0)
        FROM origin_indicator d
        FULL JOIN e ON e.indicator = d.indicator AND e.edition = d.edition AND e.origin IS NOT DISTINCT FROM d.origin""")
    total, n_d, n_e, bits, rel_est, rel_se, ci, n_df, positive = cur.fetchone()
    print(f"# declared vs explicit: {bits} of {total} cells equal to the bit; largest relative "
          f"difference estimate {rel_est:.3g}, SE {rel_se:.3g}; interval {ci:.3g}")
    t.ok(total == cells and n_d == cells and n_e == cells, "declared and explicit: the same cells",
         (total, n_d, n_e))
    t.ok(rel_est <= 1e-14 and rel_se <= 1e-13 and ci <= 1e-13,
         "declared = explicit tallies: estimate (1e-14), SE (1e-13 relative), interval (1e-13)",
         (rel_est, rel_se, ci))
    t.ok(n_df == 0 and positive == cells, "declared = explicit: n and df of every cell; every SE positive",
         (n_df, positive))

    # the declared cells against the dashboard's (merged stored cells)
    cur.execute("""
        SELECT count(*),
               max(abs(d.estimate / r.estimate - 1)), max(abs(d.se / r.se - 1)),
               max(greatest(abs(d.ci_lower - r.ci_lower), abs(d.ci_upper - r.ci_upper))),
               count(*) FILTER (WHERE d.n <> r.n OR d.df <> r.df OR d.status <> r.status),
               count(*) FILTER (WHERE d.vs_reference IS DISTINCT FROM r.vs_reference
                                   OR d.vs_previous IS DISTINCT FROM r.vs_previous),
               count(*) FILTER (WHERE d.vs_reference IN ('higher', 'lower')),
               max(abs(d.p_reference - r.p_reference)), max(abs(d.p_previous - r.p_previous))
        FROM origin_indicator d
        JOIN indicator_result r ON r.indicator = d.indicator AND r.edition = d.edition
             AND r.breakdown = CASE WHEN d.origin IS NULL THEN 'total' ELSE 'origin' END
             AND r.origin IS NOT DISTINCT FROM d.origin""")
    joined, rel_est, rel_se, ci, other, markers, significant, dp_ref, dp_prev = cur.fetchone()
    print(f"# declared vs dashboard: largest relative difference estimate {rel_est:.3g}, SE {rel_se:.3g}; "
          f"interval {ci:.3g}; p-values {dp_ref:.3g}, {dp_prev:.3g}")
    t.eq(joined, cells, "every declared cell has its dashboard row (total and origin breakdowns)")
    t.ok(rel_est <= 1e-12 and rel_se <= 1e-12 and ci <= 1e-12 and dp_ref <= 1e-12 and dp_prev <= 1e-12,
         "declared = dashboard: estimate, SE, interval and p-values (1e-12)", (rel_est, rel_se, ci, dp_ref, dp_prev))
    t.ok(other == 0 and markers == 0, "declared = dashboard: n, df, status and both significance markers",
         (other, markers))
    t.ok(significant > 0, f"the comparison is not empty: {significant} origin groups differ from BE")

    # a WHERE on the declared view is a domain, not a smaller sample
    cur.execute("""
        SELECT count(*), max(abs(d.estimate / r.estimate - 1)), max(abs(d.se / r.se - 1)),
               count(*) FILTER (WHERE d.n <> r.n OR d.df <> r.df)
        FROM (SELECT i.code AS indicator, r.edition, f.*
              FROM (SELECT i.code, r.edition,
                           barometer.tally(CASE WHEN r.answers[i.item] = 9 THEN
                                                CASE WHEN i.dont_know = 'include' THEN false END
                                           ELSE r.answers[i.item] = ANY (i.agree) END, r.design) AS t
                    FROM resp r CROSS JOIN indicator i
                    WHERE r.nis IN (SELECT nis FROM municipality WHERE province = '70000')
                    GROUP BY i.code, r.edition) r
              JOIN indicator i ON i.code = r.code
              CROSS JOIN LATERAL barometer.report(r.t) f) d
        JOIN indicator_result r ON r.indicator = d.indicator AND r.edition = d.edition
             AND r.breakdown = 'province' AND r.geo_code = '70000'""")
    joined, rel_est, rel_se, n_df = cur.fetchone()
    t.ok(joined == n_ind * n_ed and rel_est <= 1e-12 and rel_se <= 1e-12 and n_df == 0,
         "WHERE province = Limburg on the declared view = the dashboard's Limburg row (1e-12)",
         (joined, rel_est, rel_se, n_df))

    # the two editions are two samples: a tally that mixes them is refused
    try:
        cur.execute("SELECT barometer.tally(answers[10] IN (4, 5), design) FROM resp")
        state = None
    except psycopg2.Error as e:
        state = e.pgcode
    t.eq(state, "22023", "a tally over both editions of the declared design: 22023")
    try:
        cur.execute("SELECT edition, barometer.tally(answers[10] IN (4, 5), design) FROM resp GROUP BY edition")
        state = None
    except psycopg2.Error as e:
        state = e.pgcode
    t.eq(state, None, "by edition: accepted")

    conn.close()
    t.done()


run(main)
