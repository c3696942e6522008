#!/usr/bin/python3
"""The visual reports in a real browser: headless Chromium (Debian `chromium`) loads report.html
and a sweep's index.html from disk; the test fails on any console message (our pages log nothing,
so any is an error) and checks that the SVG charts of the rendered DOM hold the numbers of the
report.json and results.jsonl they were drawn from.

Usage: html_report_test.py XBARSIM SOURCE_DIR CASE, CASE one of:
  run_report        a tiny run with --html: tile count, largest tile energy, every link's flits,
                    the energy bars and the latency series against report.json
  sweep_index       a two-point sweep: index.html's Pareto dots, table rows and report links
  console_detected  a page with a failing script is caught (the detector itself can fail)
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support"))
from tiny_experiment import tiny_experiment  # noqa: E402  (shared with python/tests)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def browse(path):
    """(rendered DOM, console lines) of a file loaded from disk by headless Chromium."""
    profile = tempfile.mkdtemp(prefix="xbarsim-chromium-")
    try:
        p = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
             "--dump-dom", "file://" + os.path.abspath(path)],
            capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if p.returncode != 0:
        sys.exit(f"chromium failed ({p.returncode}): {p.stderr[-2000:]}")
    console = [l for l in p.stderr.splitlines() if ":CONSOLE" in l]
    return p.stdout, console


class Dom(html.parser.HTMLParser):
    """Every element as (tag, attributes, text directly inside), with its ancestors' tags/ids."""

    def __init__(self):
        super().__init__()
        self.elements, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        e = {"tag": tag, "attrs": a, "text": "", "parents": [(s["tag"], s["attrs"]) for s in self.stack]}
        self.elements.append(e)
        if tag not in ("meta", "br", "img", "input", "link", "hr"):  # HTML's void elements
            self.stack.append(e)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self.stack:
            self.stack[-1]["text"] += data

    def find(self, tag=None, cls=None, within=None):
        out = []
        for e in self.elements:
            if tag and e["tag"] != tag:
                continue
            if cls and cls not in e["attrs"].get("class", "").split():
                continue
            if within and not any(a.get("id") == within or within in a.get("class", "").split()
                                  for _, a in e["parents"]):
                continue
            out.append(e)
        return out


def parse(text):
    d = Dom()
    d.feed(text)
    return d


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)


def self_contained(path):
    text = open(path).read()
    for bad in ("http://", "https://", " src=", "<link"):
        check(bad not in text, f"{path} refers to something outside itself ({bad!r})")


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    check(p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}: {p.stdout}{p.stderr}")
    return p


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def case_run_report(exe, src, tmp):
    out = os.path.join(tmp, "run")
    run([exe, "run", tiny_experiment(tmp, src), "--out", out, "--html"])
    report = json.load(open(os.path.join(out, "report.json")))
    page = os.path.join(out, "report.html")
    self_contained(page)
    dom_text, console = browse(page)
    check(not console, "console messages: " + "\n".join(console))
    dom = parse(dom_text)
    tiles = report["mapping"]["tiles"]
    plans = dom.find("svg", "floorplan")
    check(len(plans) == 3, f"3 floorplans expected, found {len(plans)}")
    by_tile = report["energy"]["by_tile_pj"]
    largest = max(by_tile.values())
    for svg in plans:
        check(int(svg["attrs"]["data-tiles"]) == tiles, f"floorplan tiles {svg['attrs']['data-tiles']} != {tiles}")
    energy_plan = [s for s in plans if s["attrs"]["data-metric"] == "dynamic_pj"][0]
    check(close(float(energy_plan["attrs"]["data-max"]), largest),
          f"largest tile energy {energy_plan['attrs']['data-max']} != {largest}")
    busy_plan = [s for s in plans if s["attrs"]["data-metric"] == "crossbar_busy_cycles"][0]
    busiest = max(t["crossbar_busy_cycles"] for t in report["floorplan"]["tiles"])
    check(busiest > 0 and close(float(busy_plan["attrs"]["data-max"]), busiest),
          f"busiest tile {busy_plan['attrs']['data-max']} != {busiest} crossbar busy cycles")
    rects = [e for e in dom.find("rect", "tile")]
    check(len(rects) == 3 * tiles, f"{len(rects)} tile rectangles for {tiles} tiles x 3 maps")
    shown = {}
    for r in rects[:tiles]:
        shown[r["attrs"]["data-slot"]] = float(r["attrs"]["data-value"])
    for slot, pj in by_tile.items():
        check(close(shown[slot], pj), f"tile {slot}: {shown.get(slot)} != {pj}")
    maxes = [e for e in dom.find("tspan", "max")]
    check(any(close(float(m["attrs"]["data-value"]), largest) for m in maxes),
          "the legend does not show the largest tile energy")
    # Every link of the report is drawn (in each of the three maps) with its flits.
    links = dom.find("line", "link")
    fp_links = report["floorplan"]["links"]
    check(len(links) == 3 * len(fp_links), f"{len(links)} link lines for {len(fp_links)} links x 3")
    check(len(fp_links) > 0, "the tiny run's mesh carried no flits between routers")
    for l, line in zip(fp_links, links):
        check(int(line["attrs"]["data-from"]) == l["from"] and close(float(line["attrs"]["data-flits"]), l["flits"]),
              f"link {l} drawn as {line['attrs']}")
    # Energy by component: one bar per component with its value.
    bars = {b["attrs"]["data-label"]: float(b["attrs"]["data-value"])
            for b in dom.find("rect", "bar", within="energy-by-component")}
    check(bars.keys() == report["energy"]["by_component_pj"].keys(), f"components {bars.keys()}")
    for k, v in report["energy"]["by_component_pj"].items():
        check(close(bars[k], v), f"component {k}: {bars[k]} != {v}")
    # Latency per timestep: one point per timestep.
    pts = [float(p["attrs"]["data-value"]) for p in dom.find("circle", "point", within="latency-per-timestep")]
    check(len(pts) == 8 and all(close(a, b) for a, b in zip(pts, report["latency"]["per_timestep_cycles"])),
          f"latency points {pts}")
    cfg = dom.find("pre")
    check(any(e["attrs"].get("id") == "resolved-config" and "crossbar" in e["text"] for e in cfg),
          "the resolved config is not on the page")
    print(f"run_report: {tiles} tiles, largest tile energy {largest} pJ, {len(fp_links)} links, "
          f"{len(bars)} components, 8 timesteps: all on the rendered page")


def case_sweep_index(exe, src, tmp):
    tiny_experiment(tmp, src)
    sweep = os.path.join(tmp, "sweep.yaml")
    with open(sweep, "w") as f:
        f.write("version: 1\nname: two\ncommand: run\nbase: tiny.yaml\naxes:\n  snn.timesteps: [4, 8]\n")
    out = os.path.join(tmp, "out")
    run([exe, "sweep", sweep, "--out", out])
    run([exe, "sweep-report", sweep, "--out", out])
    index = os.path.join(out, "index.html")
    self_contained(index)
    dom_text, console = browse(index)
    check(not console, "console messages: " + "\n".join(console))
    dom = parse(dom_text)
    rows = [json.loads(l) for l in open(os.path.join(out, "results.jsonl")) if l.strip()]
    dots = dom.find("circle", "dot")
    check(len(dots) == len(rows) == 2, f"{len(dots)} dots for {len(rows)} points")
    by_index = {r["index"]: r for r in rows}
    for d in dots:
        r = by_index[int(d["attrs"]["data-index"])]
        check(close(float(d["attrs"]["data-x"]), r["metrics"]["area.chip_mm2"]) and
              close(float(d["attrs"]["data-y"]), r["metrics"]["energy.per_image_pj"]), f"dot {d['attrs']}")
    for chart in ("breakdown-energy-chart", "breakdown-area-chart"):
        parts = dom.find("rect", "part", within=chart)
        check(len({p["attrs"]["data-part"] for p in parts}) > 3, f"{chart}: parts {len(parts)}")
    for r in rows:  # the energy bars are the points' energy by component
        for k, v in r["metrics"].items():
            if k.startswith("energy.by_component_pj."):
                part = k.rsplit(".", 1)[1]
                check(any(close(float(p["attrs"]["data-value"]), v)
                          for p in dom.find("rect", "part", within="breakdown-energy-chart")
                          if p["attrs"]["data-part"] == part), f"{k} = {v} not drawn")
    body_rows = dom.find("tr", within="points-table")
    check(len(body_rows) == 1 + len(rows), f"table has {len(body_rows)} rows")
    hrefs = [a["attrs"]["href"] for a in dom.find("a", within="points-table")]
    check(len(hrefs) == 2, f"report links {hrefs}")
    for h in hrefs:
        check(os.path.exists(os.path.join(out, h)), f"link {h} leads nowhere")
        point_page = os.path.join(out, h)
        _, c = browse(point_page)
        check(not c, f"{h}: console messages {c}")
    print(f"sweep_index: {len(rows)} points, dots and links to {hrefs}")


def case_console_detected(exe, src, tmp):
    page = os.path.join(tmp, "broken.html")
    with open(page, "w") as f:
        f.write("<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>\n")
    _, console = browse(page)
    check(any("undefinedFunction" in l for l in console), f"a failing script went unnoticed: {console}")
    print("console_detected: the failing script's error was caught")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    exe, src, case = sys.argv[1:]
    if not os.path.exists(CHROMIUM):
        sys.exit("chromium not found (Debian package chromium; tools/setup.sh installs it)")
    tmp = tempfile.mkdtemp(prefix="xbarsim-html-")
    try:
        {"run_report": case_run_report, "sweep_index": case_sweep_index,
         "console_detected": case_console_detected}[case](exe, src, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
