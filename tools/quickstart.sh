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
echo "quickstart: xbarsim area configs/arch/resparc-64.yaml --set chip.tiles=16"
./build/tools/xbarsim area configs/arch/resparc-64.yaml --set chip.tiles=16
