#!/bin/sh
# The structured-pruning tables of the README for the LeNet-like CNN (12c5-2s-64c5-2s-1200-1200-10)
# on MNIST and Fashion-MNIST: trains the models if out/models/ lacks them, then runs
# `xbarsim structured` on each. Usage, from the repository root:
#   bench/cnn_tables.sh [BUILD_DIR]          (default build; about 2.5 hours on 2 shared cores)
# Writes out/cnn-tables/{mnist,fashion}.md and the logs next to them.
set -e
B=${1:-build}
X=$B/tools/xbarsim
O=out/cnn-tables
mkdir -p $O
[ -f out/models/lenet-mnist/manifest.yaml ] ||
  $X train --dataset mnist --net 12c5-2s-64c5-2s-1200-1200-10 --epochs 10 --out out/models/lenet-mnist
[ -f out/models/lenet-fashion/manifest.yaml ] ||
  $X train --dataset fashion-mnist --net 12c5-2s-64c5-2s-1200-1200-10 --epochs 6 --out out/models/lenet-fashion
$X structured out/models/lenet-mnist --epochs 6 --snn-images 200 --out $O/mnist.md | tee $O/mnist.log
# Fashion-MNIST retrains on 20,000 of the 60,000 training images (every third) to keep the run short.
$X structured out/models/lenet-fashion --epochs 6 --train-subset 20000 --snn-images 200 --out $O/fashion.md | tee $O/fashion.log
