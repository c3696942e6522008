#!/usr/bin/env bash
# Quick start: install what is missing, build xbarsim (Release) and run the main job on the
# default example. Usage: tools/quickstart.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
bash tools/setup.sh
echo "quickstart: building (Release) in build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
# The main job: train (or load the cached) 784-500-500-10 MNIST network, compile it onto the
# RESPARC-like chip with TraNNsformer, simulate 200 test images cycle by cycle and report.
echo "quickstart: xbarsim run configs/examples/mnist-500.yaml"
./build/tools/xbarsim run configs/examples/mnist-500.yaml
