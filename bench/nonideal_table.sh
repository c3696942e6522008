#!/usr/bin/env bash
# The accuracy study of non-ideal crossbars (Bhattacharjee et al.'s finding, docs/references.md §4,
# and PRUNIX's, §3): one experiment compiled dense (the original), pruned, with TraNNsformer and
# with PRUNIX, each with and without Weight-Constrained Training, then every compiled network
# evaluated by the golden model (the chip's arithmetic, spike for spike) on the ideal chip, on realistic RRAM
# (configs/arch/resparc-64-rram.yaml: variation, read noise, drift, stuck-at faults, IR drop; the
# mean over device seeds), with the mapping mitigations, and under strong IR drop alone
# (configs/arch/resparc-64-irdrop.yaml) with and without row/column rearrangement. One table.
#   bench/nonideal_table.sh [EXPERIMENT] [IMAGES]
#   (default configs/examples/mnist-1200.yaml, 500 test images; SEEDS="1 2" device seeds;
#    WCT="3e-5 3" strength and epochs; about 1.5 hours on 2 cores, resumable: finished
#    compilations and evaluations under out/nonideal/<name>/ are not redone)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
experiment=${1:-configs/examples/mnist-1200.yaml}
images=${2:-500}
seeds=${SEEDS:-1 2}
read -r wct_strength wct_epochs <<< "${WCT:-3e-5 3}"
xbarsim=${XBARSIM:-build/tools/xbarsim}
name=$(basename "$experiment" .yaml)
out=out/nonideal/$name
flows="dense prune trannsformer prunix"
mkdir -p "$out"

# 1. Compile each flow once, and once more with Weight-Constrained Training after it.
for flow in $flows; do
  [ -f "$out/compiled/$flow/model/manifest.yaml" ] ||
    "$xbarsim" compile "$experiment" --set compile.flow=$flow --out "$out/compiled" \
      > "$out/compile-$flow.log" 2>&1
  [ -f "$out/compiled-wct/$flow/model/manifest.yaml" ] ||
    "$xbarsim" compile "$experiment" --set compile.flow=$flow --set compile.wct_strength=$wct_strength \
      --set compile.wct_epochs=$wct_epochs --out "$out/compiled-wct" > "$out/compile-$flow-wct.log" 2>&1
done

# 2. Evaluate every compiled network on every chip setting.
rram="--set arch.extends=../arch/resparc-64-rram.yaml"
irdrop="--set arch.extends=../arch/resparc-64-irdrop.yaml"
evaluate() {  # evaluate OUT_JSON COMPILED_DIR [--set ...]
  local json=$1 dir=$2
  shift 2
  [ -f "$json" ] && return 0
  "$xbarsim" accuracy "$experiment" --compiled "$dir" --images "$images" --json "$@" \
    2> "${json%.json}.log" > "$json.tmp"
  mv "$json.tmp" "$json"
}
for variant in compiled compiled-wct; do
  for flow in $flows; do
    dir=$out/$variant/$flow
    acc=$out/accuracy/$variant/$flow
    mkdir -p "$acc"
    evaluate "$acc/ideal.json" "$dir"
    evaluate "$acc/irdrop.json" "$dir" $irdrop
    evaluate "$acc/irdrop-rearranged.json" "$dir" $irdrop --set compile.rearrange=rows_and_columns
    for s in $seeds; do
      evaluate "$acc/rram-$s.json" "$dir" $rram --set arch.device.seed=$s
      evaluate "$acc/rram-fault-aware-$s.json" "$dir" $rram --set arch.device.seed=$s \
        --set compile.fault_aware=true
      evaluate "$acc/rram-fault-aware-rearranged-$s.json" "$dir" $rram --set arch.device.seed=$s \
        --set compile.fault_aware=true --set compile.rearrange=rows_and_columns
    done
  done
done

# 3. The table.
python3 - "$out" "$images" "$flows" "$seeds" "$wct_strength" "$wct_epochs" <<'PY' | tee "$out/table.md"
import json, statistics, sys
out, images, flows, seeds, wct_s, wct_e = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split(), sys.argv[5], sys.argv[6]
def acc(variant, flow, col):
    return json.load(open(f"{out}/accuracy/{variant}/{flow}/{col}.json"))
def seeded(variant, flow, col):
    a = [100 * acc(variant, flow, f"{col}-{s}")["accuracy"] for s in seeds]
    return f"{statistics.mean(a):.1f}" + (f" ({min(a):.1f}–{max(a):.1f})" if len(a) > 1 else "")
cols = [("ideal", "ideal chip"), ("rram", "RRAM"), ("rram-fault-aware", "RRAM + fault-aware"),
        ("rram-fault-aware-rearranged", "RRAM + fault-aware + rearranged"),
        ("irdrop", "strong IR drop"), ("irdrop-rearranged", "strong IR drop + rearranged")]
print(f"| network | crossbars | ANN % | " + " | ".join(c[1] + " %" for c in cols) + " |")
print("|---|---:|---:|" + "---:|" * len(cols))
for variant in ("compiled", "compiled-wct"):
    for flow in flows:
        base = acc(variant, flow, "ideal")
        label = flow + (f" + WCT" if variant == "compiled-wct" else "")
        cells = []
        for key, _ in cols:
            if key.startswith("rram"):
                cells.append(seeded(variant, flow, key))
            else:
                cells.append(f"{100 * acc(variant, flow, key)['accuracy']:.1f}")
        print(f"| {label} | {base['mapping']['crossbars']} | {100 * base['ann_accuracy']:.2f} | " + " | ".join(cells) + " |")
print(f"\n{images} test images each (golden model = the chip's arithmetic); RRAM columns: mean (min–max) over device seeds {', '.join(seeds)}; WCT: strength {wct_s}, {wct_e} epochs.")
PY
