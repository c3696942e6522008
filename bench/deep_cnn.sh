#!/bin/sh
# Trains VGG-11 (quarter width) and ResNet-20 (half width) on Fashion-MNIST zero-padded to 32x32
# with the workloads trainer and prints their test accuracy on the 10,000 test images; the models
# (batch norm folded in) go to out/models/vgg11-fashion and out/models/resnet20-fashion, the logs
# to out/. Hours on 2 shared cores: run it in the background.
#
# Usage: bench/deep_cnn.sh [BUILD_DIR] [vgg11|resnet20|all]
# THREADS (default 1: OpenBLAS's second thread mostly spins on a shared machine) and SEED (1).
set -eu
BUILD=${1:-build}
WHICH=${2:-all}
THREADS=${THREADS:-1}
SEED=${SEED:-1}
XBARSIM="$BUILD/tools/xbarsim"
[ -x "$XBARSIM" ] || { echo "deep_cnn.sh: $XBARSIM not found (build first)" >&2; exit 2; }
case "$WHICH" in vgg11|resnet20|all) ;; *) echo "deep_cnn.sh: unknown network '$WHICH'" >&2; exit 2;; esac
mkdir -p out/models

# The recipe both share: Adam, batch 128, lr 2e-3 falling to 0 along a cosine, decoupled weight
# decay 0.01, random shifts of up to 2 pixels (the zero padding) and left-right flips.
RECIPE="--dataset fashion-mnist-32 --batch 128 --optimiser adam --lr 2e-3 --lr-schedule cosine \
--weight-decay 0.01 --augment-shift 2 --flip --seed $SEED --threads $THREADS"

train() {  # NAME NET WIDTH EPOCHS
  echo "== $1: --net $2 --width $3, $4 epochs (log out/$1.log)"
  # shellcheck disable=SC2086
  nice -n 10 "$XBARSIM" train $RECIPE --net "$2" --width "$3" --epochs "$4" \
    --out "out/models/$1" > "out/$1.log" 2>&1
  grep -E '^epoch|^final|^folded' "out/$1.log"
}

[ "$WHICH" = resnet20 ] || train vgg11-fashion vgg11 0.25 20
[ "$WHICH" = vgg11 ] || train resnet20-fashion resnet20 0.5 15

echo "== test accuracy (Fashion-MNIST-32, 10,000 test images, after folding the batch norms)"
for m in vgg11-fashion resnet20-fashion; do
  [ -f "out/$m.log" ] || continue
  acc=$(sed -n 's/^folded .*test accuracy \([0-9.]*\) %.*/\1/p' "out/$m.log")
  [ -n "$acc" ] || acc=$(sed -n 's/^final test accuracy \([0-9.]*\) %.*/\1/p' "out/$m.log")
  per_epoch=$(sed -n 's/^final .*(\([0-9.]*\) s\/epoch.*/\1/p' "out/$m.log")
  cpu_epoch=$(sed -n 's/^final .*, \([0-9.]*\) s CPU per epoch).*/\1/p' "out/$m.log")
  echo "$m: ${acc:-?} % (${per_epoch:-?} s per epoch, ${cpu_epoch:-?} s CPU)"
done
