#!/usr/bin/env bash
# Seconds per training epoch, xbarsim's trainer vs PyTorch (Debian's python3-torch) on the same
# cores, network, batch and optimiser.
# Usage: bench/train_vs_torch.sh [build dir] [flags for both, e.g. --epochs 3 --optimiser sgd]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
shift || true
ours_out=$("$build/bench/bench_train" "$@")
echo "$ours_out"
theirs_out=$(/usr/bin/python3 "$here/bench/train_torch.py" "$@")
echo "$theirs_out"
ours=$(grep '^xbarsim:' <<<"$ours_out")
theirs=$(grep '^pytorch' <<<"$theirs_out")
o=$(sed -E 's/.*: ([0-9.]+) s\/epoch.*/\1/' <<<"$ours")
t=$(sed -E 's/.*: ([0-9.]+) s\/epoch.*/\1/' <<<"$theirs")
echo
echo "$ours"
echo "$theirs"
awk -v o="$o" -v t="$t" 'BEGIN { printf "ratio xbarsim / pytorch: %.2f (below 1: xbarsim is faster)\n", o / t }'
