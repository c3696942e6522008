#!/usr/bin/env bash
# The TraNNsformer paper's comparison as full cycle-level simulations: one experiment compiled
# dense (the original network), pruned (the magnitude-pruning baseline) and with TraNNsformer, each
# simulated on the chip, then one table of accuracy, area, energy per image and latency.
#   tools/flow_table.sh [EXPERIMENT] [IMAGES] [--set KEY=VALUE ...]
#   (default configs/examples/mnist-1200.yaml, 100 images; runs land in runs/flows-<name>/<flow>;
#    a flow whose report.json exists is not run again — delete it to rerun)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
experiment=${1:-configs/examples/mnist-1200.yaml}
images=${2:-100}
shift $(( $# > 2 ? 2 : $# ))
xbarsim=${XBARSIM:-$here/build/tools/xbarsim}
name=$(basename "$experiment" .yaml)
out=runs/flows-$name
for flow in dense prune trannsformer; do
  if [ -f "$out/$flow/report.json" ]; then
    echo "flow_table: $out/$flow/report.json exists, not rerun" >&2
    continue
  fi
  "$xbarsim" run "$experiment" --set compile.flow=$flow --images "$images" --out "$out/$flow" "$@" >&2
done
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
rows = {f: json.load(open(f"{out}/{f}/report.json")) for f in ("dense", "prune", "trannsformer")}
print("| flow | crossbars | tiles | area mm² | energy per image µJ | latency µs | cycles | accuracy (chip) | ANN accuracy |")
print("|---|---|---|---|---|---|---|---|---|")
for f, r in rows.items():
    print(f"| {f} | {r['mapping']['crossbars']} | {r['area']['chip']['tiles']} | {r['area']['chip_mm2']:.2f} | "
          f"{r['energy']['per_image_pj'] / 1e6:.2f} | {r['latency']['ns_per_image'] / 1000:.1f} | "
          f"{r['latency']['cycles_per_image']:.0f} | {100 * r['accuracy']:.1f} % | {100 * r['ann_accuracy']:.2f} % |")
t = rows["trannsformer"]
for base in ("dense", "prune"):
    b = rows[base]
    da = 100 * (1 - t['area']['chip_mm2'] / b['area']['chip_mm2'])
    de = 100 * (1 - t['energy']['per_image_pj'] / b['energy']['per_image_pj'])
    dl = 100 * (t['latency']['ns_per_image'] / b['latency']['ns_per_image'] - 1)
    print(f"trannsformer vs {base}: area -{da:.1f} %, energy -{de:.1f} %, latency {dl:+.1f} %")
PY
