#!/usr/bin/python3
"""The chart file demo/run writes (an SVG of one indicator by origin group):
valid XML, self-contained, one bar and one interval per published cell with
the bar's length equal to the estimate, a marker for every significant
difference with Belgian origin and every significant change since the
previous edition, exactly as the dashboard view says.

Usage: chart_test.py [SVG_FILE]  (default: $BAROMETER_E2E_CHART); the
dashboard is read from database BAROMETER_E2E_DB (PG* variables).
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run  # noqa: E402

import psycopg2  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
INDICATOR = "rondkomen"
PLOT_WIDTH = 460.0  # demo/chart.sql: plot_w


def main():
    t = Tap(11)
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BAROMETER_E2E_CHART", "demo/out/chart.svg")
    db = os.environ.get("BAROMETER_E2E_DB", "barometer_e2e")

    t.ok(os.path.getsize(path) > 1000, f"the chart file exists ({path})")
    try:
        root = ET.parse(path).getroot()
        t.ok(root.tag == SVG + "svg", "valid XML with an <svg> root in the SVG namespace")
    except ET.ParseError as e:
        t.ok(False, "valid XML with an <svg> root in the SVG namespace", e)
        t.bail("the chart is not XML")
    text = open(path, encoding="utf-8").read()
    t.ok("href" not in text and "<script" not in text and "<image" not in text and "@import" not in text,
         "self-contained: no links, scripts, images or imported styles")

    def by_class(tag, cls):
        return [e for e in root.iter(SVG + tag) if e.get("class") == cls]

    bars, cis = by_class("rect", "bar"), by_class("line", "ci")
    markers, changes = by_class("text", "marker"), by_class("text", "change")

    conn = psycopg2.connect(dbname=db)
    cur = conn.cursor()
    cur.execute("""SELECT edition, coalesce(origin, 'total'), estimate, vs_reference, vs_previous
                   FROM dashboard WHERE indicator = %s AND breakdown IN ('total', 'origin')""", (INDICATOR,))
    cells = {(str(e), o): (est, ref, prev) for e, o, est, ref, prev in cur.fetchall()}
    conn.close()
    published = {k: v for k, v in cells.items() if v[0] is not None}

    t.eq(len(bars), len(published), "a bar for every published cell (origin groups and the total, both editions)")
    t.eq(len(cis), len(bars), "an interval for every bar")
    t.eq({(b.get("data-edition"), b.get("data-origin")) for b in bars}, set(published),
         "the bars are the published cells")
    worst = max(abs(float(b.get("width")) - PLOT_WIDTH * published[(b.get("data-edition"), b.get("data-origin"))][0])
                for b in bars)
    t.ok(worst < 0.01, f"each bar's length is the estimate (largest error {worst:.4f} px)")

    expected = {(k[0], k[1], v[1]) for k, v in cells.items() if v[1] in ("higher", "lower")}
    t.ok(len(expected) > 0, f"the chart has significant differences to show ({len(expected)})")
    t.eq({(m.get("data-edition"), m.get("data-origin"), m.get("data-vs")) for m in markers}, expected,
         "a marker for every significant difference with Belgian origin (and only those)")
    t.ok(all((m.text == "▲") == (m.get("data-vs") == "higher") for m in markers), "▲ higher, ▼ lower")
    t.eq({(c.get("data-edition"), c.get("data-origin"), c.get("data-vs")) for c in changes},
         {(k[0], k[1], v[2]) for k, v in cells.items() if v[2] in ("higher", "lower")},
         "a change marker for every significant change since the previous edition")
    t.done()


run(main)
