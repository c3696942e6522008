#!/usr/bin/python3
"""Plots a sweep's results: the Pareto front of two costs (with the front's points labelled) and a
breakdown by component across the points. Usage: plot_sweep.py SWEEP_OUT_DIR
Reads SWEEP_OUT_DIR/results.jsonl and each point's result.json; writes SWEEP_OUT_DIR/plots/*.png."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Cost pairs in order of preference: the first pair the results carry is plotted.
COSTS = [
    ("area.chip_mm2", "energy.per_image_pj", "accuracy"),
    ("tile.area_um2_per_cell", "tile.peak_power_uw_per_cell", None),
    ("chip.area_mm2", "chip.peak_power_mw", None),
    ("tile.area_mm2", "tile.peak_power_mw", None),
]


def label(axes):
    return ", ".join(f"{k.split('.')[-1]}={v}" for k, v in axes.items())


def pareto(points):
    """Indices of the points no other point beats on both costs (lower is better)."""
    front = []
    for i, (x, y) in enumerate(points):
        if not any((x2 <= x and y2 <= y) and (x2 < x or y2 < y) for x2, y2 in points):
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def area_parts(area):
    """Tile area by component (mm^2) of an area report: the core's parts times the cores."""
    parts = {}
    tile = area.get("tile") or {}
    cores = tile.get("cores", 1)
    for c in (area.get("core") or {}).get("components", []):
        parts[c["role"]] = parts.get(c["role"], 0) + c["area_mm2"] * cores
    for c in tile.get("components", []):
        parts[c["role"]] = parts.get(c["role"], 0) + c["area_mm2"]
    return parts


def breakdowns(result):
    """(title, unit, {component: value}) of a point's result: energy for runs, area always."""
    out = []
    if "energy" in result:
        out.append(("energy", "energy per image (pJ)", dict(result["energy"].get("by_component_pj", {}))))
    area = result.get("area", result)
    out.append(("area", "tile area (mm$^2$)", area_parts(area)))
    return out


def save(fig, out, name):
    paths = []
    for ext in ("png", "svg"):
        path = os.path.join(out, "plots", f"{name}.{ext}")
        fig.savefig(path, dpi=120)
        paths.append(path)
    plt.close(fig)
    return paths[0]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot_sweep.py SWEEP_OUT_DIR")
    out = sys.argv[1]
    rows_path = os.path.join(out, "results.jsonl")
    if not os.path.exists(rows_path):
        sys.exit(f"plot_sweep: {rows_path} not found; run the sweep (or `xbarsim sweep-collect`) first")
    rows = [json.loads(line) for line in open(rows_path) if line.strip()]
    done = [r for r in rows if r["status"] == "done"]
    if not done:
        sys.exit(f"plot_sweep: no finished points in {rows_path}")
    os.makedirs(os.path.join(out, "plots"), exist_ok=True)
    for xk, yk, ck in COSTS:
        if all(xk in r["metrics"] and yk in r["metrics"] for r in done):
            break
    else:
        sys.exit("plot_sweep: the results carry no pair of costs to plot")

    pts = [(r["metrics"][xk], r["metrics"][yk]) for r in done]
    front = pareto(pts)
    fig, ax = plt.subplots(figsize=(8, 6))
    if ck:
        colour = [r["metrics"].get(ck, 0) for r in done]
        sc = ax.scatter([p[0] for p in pts], [p[1] for p in pts], c=colour, cmap="viridis", s=30, alpha=0.8)
        fig.colorbar(sc, ax=ax, label=ck)
    else:
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=30, alpha=0.8)
    ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front], "r-o", lw=1, mfc="none", ms=9, label="Pareto front")
    for i in front:
        ax.annotate(label(done[i]["axes"]), pts[i], fontsize=7, xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel(xk)
    ax.set_ylabel(yk)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title(f"{len(done)} design points, {len(front)} on the front")
    fig.tight_layout()

    written = [save(fig, out, "pareto")]

    # Breakdown by component across the points (sorted along the first axis).
    results = [json.load(open(os.path.join(out, "points", r["id"], "result.json"))) for r in done]
    for k, (title, unit, _) in enumerate(breakdowns(results[0])):
        bars = [breakdowns(res)[k][2] for res in results]
        names = sorted({n for b in bars for n in b})
        fig, ax = plt.subplots(figsize=(max(8, 0.35 * len(done)), 6))
        bottom = [0.0] * len(done)
        for n in names:
            vals = [b.get(n, 0) for b in bars]
            ax.bar(range(len(done)), vals, bottom=bottom, label=n)
            bottom = [a + v for a, v in zip(bottom, vals)]
        ax.set_xticks(range(len(done)))
        ax.set_xticklabels([label(r["axes"]) for r in done], rotation=90, fontsize=6)
        ax.set_ylabel(unit)
        ax.legend(fontsize=7, ncol=2)
        ax.set_title(f"{title} breakdown by component")
        fig.tight_layout()
        written.append(save(fig, out, f"breakdown_{title}"))

    # Every headline metric against every numeric axis.
    headline = [m for m in ("accuracy", "energy.per_image_pj", "latency.cycles_per_image", "area.chip_mm2",
                            "chip.area_mm2", "tile.area_um2_per_cell", "tile.peak_power_uw_per_cell")
                if all(m in r["metrics"] for r in done)]
    for axis in done[0]["axes"]:
        if not all(isinstance(r["axes"].get(axis), (int, float)) for r in done) or not headline:
            continue
        fig, axes = plt.subplots(1, len(headline), figsize=(4 * len(headline), 3.5), squeeze=False)
        for ax, m in zip(axes[0], headline):
            series = sorted((r["axes"][axis], r["metrics"][m]) for r in done)
            ax.plot([p[0] for p in series], [p[1] for p in series], "o-")
            ax.set_xlabel(axis)
            ax.set_ylabel(m)
            ax.set_xscale("log", base=2)
        fig.tight_layout()
        written.append(save(fig, out, "metrics_vs_" + axis.replace(".", "_")))

    print(f"{len(front)} of {len(done)} points on the Pareto front of {xk} vs {yk}")
    for i in front:
        print(f"  {label(done[i]['axes'])}: {xk}={pts[i][0]:.4g} {yk}={pts[i][1]:.4g}")
    print("wrote " + ", ".join(written) + " (and .svg of each)")


if __name__ == "__main__":
    main()
