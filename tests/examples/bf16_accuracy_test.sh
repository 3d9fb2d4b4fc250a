#!/usr/bin/env bash
# The flagship trained 2 epochs in mixed bfloat16 (--precision mixed_bfloat16) prints the same
# output lines as in float32 and reaches a test accuracy within 0.5 points of it.
# Usage: bf16_accuracy_test.sh PATH/TO/fashion_mnist   (exits 77, "skipped", without the dataset
# or on a processor without native bf16)
set -euo pipefail
program=$1
data=/usr/share/datasets/fashion-mnist
if [[ ! -e $data/train-images-idx3-ubyte.gz && ! -e $data/train-images-idx3-ubyte ]]; then
  echo "skipped: the Debian package dataset-fashion-mnist is not installed"
  exit 77
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! "$program" --threads 2 --precision mixed_bfloat16 > "$out" 2>&1; then
  if grep -q "needs a processor with native bfloat16" "$out"; then
    echo "skipped: $(grep -o 'oneDNN finds [a-z0-9_]*' "$out") (no native bf16)"
    exit 77
  fi
  cat "$out"
  exit 1
fi
bf16=$(grep -E '^test accuracy: ' "$out" | awk '{print $3}')
grep -qE '^final loss: [0-9.]+$' "$out" || { echo "FAIL: no 'final loss:' line"; cat "$out"; exit 1; }
f32=$("$program" --threads 2 | grep -E '^test accuracy: ' | awk '{print $3}')
echo "test accuracy: float32 $f32, mixed_bfloat16 $bf16"
awk -v a="$f32" -v b="$bf16" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.005) }' ||
  { echo "FAIL: more than 0.5 points apart"; exit 1; }
echo "PASS"
