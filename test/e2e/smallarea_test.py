#!/usr/bin/python3
"""The demo's model-based (Fay-Herriot) figures as a dashboard reads them:
dashboard_smallarea shows direct and model-based figures in separate
columns, says which one it shows (estimate_type), and never mixes them: a
direct row carries the dashboard's own direct figures and statuses, a
model row says "model-based estimate" / "modelschatting" in its reasons,
suppressed figures are removed, and the chart draws both with the truth.

Connection: the PG* environment variables; database BAROMETER_E2E_DB
(default barometer_e2e), loaded with test/e2e/load_demo.
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run  # noqa: E402

import psycopg2  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def scalar(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()[0]


def main():
    t = Tap(16)
    db = os.environ.get("BAROMETER_E2E_DB", "barometer_e2e")
    conn = psycopg2.connect(dbname=db)
    cur = conn.cursor()

    cur.execute("SELECT * FROM dashboard_smallarea LIMIT 0")
    cols = [d.name for d in cur.description]
    want = ["direct_estimate", "direct_ci_lower", "direct_ci_upper", "direct_status", "direct_reason_nl",
            "model_estimate", "model_rmse", "model_ci_lower", "model_ci_upper", "model_status",
            "model_reason_nl", "estimate_type", "estimate", "ci_lower", "ci_upper", "status", "reason_nl"]
    t.ok(all(c in cols for c in want), "dashboard_smallarea has separate direct and model columns and estimate_type",
         [c for c in want if c not in cols])

    t.eq(scalar(cur, "SELECT array_agg(DISTINCT estimate_type ORDER BY estimate_type) FROM smallarea_result"),
         ["direct", "model"], "smallarea_result rows are 'direct' or 'model'")
    t.eq(scalar(cur, """SELECT count(*) FROM (
                          SELECT indicator, edition, breakdown, level FROM smallarea_result
                          GROUP BY 1, 2, 3, 4
                          HAVING count(*) FILTER (WHERE estimate_type = 'direct') <> 1
                              OR count(*) FILTER (WHERE estimate_type = 'model') <> 1) x"""),
         0, "every municipal cell has exactly one direct and one model row")
    t.eq(scalar(cur, """SELECT count(*) FROM smallarea_result s
                        JOIN indicator_result r USING (indicator, edition, breakdown, level)
                        WHERE s.estimate_type = 'direct'
                          AND (s.estimate IS DISTINCT FROM r.estimate OR s.status <> r.status
                               OR s.reason_nl <> r.reason_nl OR s.n <> r.n)"""),
         0, "direct rows are the dashboard's direct figures and statuses, unchanged")
    t.eq(scalar(cur, """SELECT count(*) FROM smallarea_result
                        WHERE estimate_type = 'model'
                          AND (reason_en NOT LIKE 'model-based estimate%%' OR reason_nl NOT LIKE 'modelschatting%%'
                               OR policy <> 'model_cv')"""),
         0, "every model row says model-based estimate / modelschatting and names model_cv")
    t.eq(scalar(cur, """SELECT count(*) FROM smallarea_result
                        WHERE estimate_type = 'direct' AND (reason_en LIKE 'model%%' OR reason_nl LIKE 'modelschatting%%')"""),
         0, "no direct row claims to be a model")
    n_model = scalar(cur, """SELECT count(*) FROM smallarea_result
                             WHERE estimate_type = 'model' AND breakdown = 'municipality' AND estimate IS NOT NULL""")
    t.ok(n_model >= 300, f"model-based estimates for the municipalities ({n_model})")
    t.eq(scalar(cur, """SELECT count(*) FROM smallarea_result
                        WHERE estimate_type = 'model' AND estimate IS NOT NULL
                          AND NOT (ci_lower <= estimate AND estimate <= ci_upper AND ci_lower >= 0 AND ci_upper <= 1)"""),
         0, "model intervals hold their estimate, within [0, 1] (arcsine scale)")

    # the shown figure and its type
    t.eq(scalar(cur, """SELECT count(*) FROM dashboard_smallarea
                        WHERE estimate_type = 'direct'
                          AND NOT (estimate = direct_estimate AND status = direct_status AND direct_status <> 'suppress'
                                   AND reason_nl = direct_reason_nl)"""),
         0, "estimate_type 'direct': the direct figure, status and reason")
    t.eq(scalar(cur, """SELECT count(*) FROM dashboard_smallarea
                        WHERE estimate_type = 'model'
                          AND NOT (estimate = model_estimate AND ci_lower = model_ci_lower AND status = model_status
                                   AND direct_status = 'suppress' AND model_status <> 'suppress'
                                   AND reason_nl LIKE 'modelschatting%%')"""),
         0, "estimate_type 'model': only where the direct figure is suppressed, with the model's figure and reason")
    t.eq(scalar(cur, """SELECT count(*) FROM dashboard_smallarea
                        WHERE estimate_type IS NULL
                          AND NOT (estimate IS NULL AND direct_status = 'suppress' AND model_status = 'suppress')"""),
         0, "no type, no figure: both suppressed")
    t.eq(scalar(cur, """SELECT count(*) FROM dashboard_smallarea
                        WHERE (direct_status = 'suppress' AND direct_estimate IS NOT NULL)
                           OR (model_status = 'suppress' AND (model_estimate IS NOT NULL OR model_ci_lower IS NOT NULL))"""),
         0, "suppressed figures are removed, direct and model alike")
    t.eq(scalar(cur, "SELECT count(*) FROM dashboard_smallarea"),
         scalar(cur, "SELECT count(*) FROM smallarea_result WHERE estimate_type = 'direct'"),
         "one dashboard row per cell")

    cur.execute("""SELECT coverage_direct, coverage_model, mse_direct, mse_model
                   FROM smallarea_evidence WHERE breakdown = 'municipality'""")
    cd, cm, md, mm = cur.fetchone()
    t.ok(0.8 < cd <= 1 and 0.8 < cm <= 1 and 0 < mm < md,
         f"evidence: coverage direct {cd:.3f}, model {cm:.3f}; MSE model {mm:.5f} < direct {md:.5f}")

    svg = scalar(cur, "SELECT smallarea_chart_svg('rondkomen', 2023::smallint)")
    root = ET.fromstring(svg)
    t.ok(root.tag == SVG + "svg", "the chart is SVG")
    classes = [e.get("class") for e in root.iter() if e.get("class")]
    t.ok(classes.count("model") == 30 and classes.count("truth") == 30 and classes.count("direct") == 30,
         f"the chart draws 30 municipalities: direct, model and truth ({classes.count('direct')}, "
         f"{classes.count('model')}, {classes.count('truth')})")
    t.done()


run(main)
