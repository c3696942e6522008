#!/usr/bin/env bash
# Runs clang-tidy (the checks of .clang-tidy) on the library and tool sources of a configured build,
# through its compile_commands.json, in parallel; exit 1 on any finding. Usage: tools/tidy.sh [BUILD]
# (default build/). Headers are checked through the sources that include them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-"$here/build"}
if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy: $build/compile_commands.json not found: configure the build first" >&2
  exit 2
fi
runner=$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)
if [ -z "$runner" ]; then
  echo "tidy: run-clang-tidy not found (Debian package clang-tidy; tools/setup.sh installs it)" >&2
  exit 2
fi
# The sources of our libraries, the xbarsim executable and the Python module (not tests, benchmarks or the
# verilated RTL, which is generated), matched against the absolute paths in the database.
root_re=$(printf '%s' "$here" | sed 's/[][\\.*^$+?(){}|]/\\&/g')
sources="^$root_re/(config|arch|workloads|compiler|models|sim|verify|flow|tools|tools/spice|python)/[^/]+\\.cpp\$"
start=$(date +%s)
cd "$here"
status=0
"$runner" -p "$build" -j "$(nproc)" -quiet "$sources" >"$build/clang-tidy.log" 2>&1 || status=$?
# Only the findings and errors, not the per-file command lines and suppression notes.
grep -E "(warning|error):" "$build/clang-tidy.log" | sort -u || true
echo "tidy: $(grep -c '^clang-tidy' "$build/clang-tidy.log" || true) files in $(($(date +%s) - start)) s" \
     "(log: $build/clang-tidy.log)"
if [ "$status" -ne 0 ]; then
  echo "tidy: clang-tidy reported findings (above) or failed (see the log)" >&2
  exit 1
fi
