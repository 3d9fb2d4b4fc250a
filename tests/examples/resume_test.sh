#!/usr/bin/env bash
# Exact resume of the flagship example: 2 epochs straight must equal 1 epoch, a checkpoint, a new
# process that resumes it, and 1 more epoch — the same final loss and a bit-identical final
# checkpoint (weights, optimizer state, RNG state), and the same --plot picture (the curves
# so far travel in the checkpoint). Then a damaged --resume file must end the
# program with a non-zero exit code and a message naming the file.
# Usage: resume_test.sh PATH/TO/fashion_mnist   (exits 77, "skipped", without the dataset)
set -euo pipefail
program=$1
data=/usr/share/datasets/fashion-mnist
if [[ ! -e $data/train-images-idx3-ubyte.gz && ! -e $data/train-images-idx3-ubyte ]]; then
  echo "skipped: the Debian package dataset-fashion-mnist is not installed"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { "$program" --limit 384 --batch-size 64 --threads 2 --seed 5 "$@" | grep -E '^(final loss|test accuracy)'; }

straight=$(run --epochs 2 --checkpoint "$dir/straight.ckpt" --plot "$dir/straight.svg")
run --epochs 1 --checkpoint "$dir/resumed.ckpt" --plot "$dir/resumed.svg" > /dev/null
resumed=$(run --epochs 2 --resume "$dir/resumed.ckpt" --checkpoint "$dir/resumed.ckpt" --plot "$dir/resumed.svg")
echo "straight: $straight"
echo "resumed:  $resumed"
[[ "$straight" == "$resumed" ]] || { echo "FAIL: the resumed run differs"; exit 1; }
cmp "$dir/straight.ckpt" "$dir/resumed.ckpt" || { echo "FAIL: the final checkpoints differ"; exit 1; }
grep -q '<path class="series" data-series="loss" d="M[0-9. ]*L[0-9. ]*"' "$dir/straight.svg" ||
  { echo "FAIL: the picture has no two-epoch loss curve:"; cat "$dir/straight.svg"; exit 1; }
cmp "$dir/straight.svg" "$dir/resumed.svg" || { echo "FAIL: the resumed run's picture differs"; exit 1; }

# A damaged checkpoint: flip one byte in the middle.
cp "$dir/resumed.ckpt" "$dir/damaged.ckpt"
size=$(stat -c %s "$dir/damaged.ckpt")
printf '\xff' | dd of="$dir/damaged.ckpt" bs=1 seek=$((size / 2)) conv=notrunc status=none
if "$program" --limit 384 --epochs 3 --resume "$dir/damaged.ckpt" > "$dir/out.txt" 2>&1; then
  echo "FAIL: a damaged checkpoint was accepted"; exit 1
fi
grep -q "damaged.ckpt" "$dir/out.txt" || { echo "FAIL: the error does not name the file:"; cat "$dir/out.txt"; exit 1; }
echo "PASS: exact resume (checkpoint and picture) and damaged-file error"
