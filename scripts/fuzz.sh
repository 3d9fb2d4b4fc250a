#!/usr/bin/env bash
# Builds keel's libFuzzer targets (tests/fuzz/*_fuzzer.cpp: checkpoint, .npz, .npy, IDX, model
# JSON) with clang, AddressSanitizer and UndefinedBehaviorSanitizer, and runs each for SECONDS
# (default 60) from its seed corpus. Prints one line per target: executions, corpus size and
# crashes; a crash leaves its input as FUZZ_BUILD_DIR/crash-<target>-* and fails the run.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET ...]
#
# KEEL_FUZZ_BUILD_DIR: the clang build tree (default build-fuzz/). Exit status 0 without
# findings, 1 with a crash or a build failure, 77 when clang++ cannot link -fsanitize=fuzzer.
set -euo pipefail

seconds=${1:-60}
shift || true
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath -m "${KEEL_FUZZ_BUILD_DIR:-$root/build-fuzz}")

clangxx=$(command -v clang++ || command -v clang++-14 || true)
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/p.cpp"
if [[ -z "$clangxx" ]] || ! "$clangxx" -fsanitize=fuzzer "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
  echo "fuzz.sh: clang++ with libFuzzer (clang, libclang-rt-14-dev) not found: skipped" >&2
  exit 77
fi

mkdir -p "$build"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CXX="$clangxx" cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS=-O1 -DKEEL_FUZZ=ON \
    -DKEEL_BUILD_TESTS=OFF -DKEEL_BUILD_EXAMPLES=OFF -DKEEL_BUILD_BENCH=OFF >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
else
  # Picks up fuzz targets added since the tree was configured.
  cmake -S "$root" -B "$build" >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
fi
targets=("$@")
if ((${#targets[@]} == 0)); then
  for src in "$root"/tests/fuzz/*_fuzzer.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >"$build/build.log" 2>&1 ||
  { tail -50 "$build/build.log" >&2; exit 1; }

# ASan: leaks are real findings. keel's own big allocations are its ResourceError before they
# happen (fuzz_seed.h sets a 64 MiB limit); a huge malloc inside a system library (HDF5 reads
# sizes from damaged files) returns null, as it would outside the sanitizer, and the library's
# error path is then exercised (a null dereference would still be reported). The null comes
# from ASan's size cap, set below libFuzzer's malloc limit (-rss_limit_mb) so that such a
# request ends one input's parse instead of the whole run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=1536}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Whether the error in log $1 (an ASan report, or libFuzzer's malloc limit) happened inside
# Debian's HDF5 library: the first frame of its stack below the sanitizer, libFuzzer and
# allocator frames is in libhdf5 (keel's own frames and code never are). The sanitizers' libc
# interceptors (memcpy, strdup, ...) are frames of the fuzzer binary without a source line
# ("(build/fuzz/x_fuzzer+0x1146c5)"); the fuzzer's own code has one.
hdf5_library_bug() {
  local frame
  frame=$(sed -n '/ERROR: \(AddressSanitizer\|libFuzzer\)/,$p' "$1" | grep -E '^ +#[0-9]+ ' |
    grep -vE '__sanitizer|__asan|__lsan|__interceptor|fuzzer::| in (malloc|calloc|realloc|free|operator new)' |
    grep -vE '_fuzzer\+0x[0-9a-f]+\)' | head -1)
  [[ $frame == *libhdf5* ]]
}

status=0
printf '%-20s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  mkdir -p "$corpus"
  dict=()
  [[ -f "$root/tests/fuzz/${t%_fuzzer}.dict" ]] && dict=(-dict="$root/tests/fuzz/${t%_fuzzer}.dict")
  log="$build/$t.log"
  if "$build/$t" -keel_write_seed="$corpus" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/crash-$t-" "${dict[@]}" \
      "$corpus" >"$log" 2>&1; then
    result=ok
  elif hdf5_library_bug "$log"; then
    # A memory error inside Debian's HDF5 library itself (its parser of damaged files), not in
    # keel: reported, kept as an artifact, not a failure of keel's loaders.
    result="HDF5 LIBRARY BUG (see $log)"
  else
    result="CRASH (see $log)"
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  files=$(find "$corpus" -type f | wc -l)
  printf '%-20s %12s %10s %8s  %s\n' "$t" "$execs" "$rate" "$files" "$result"
  [[ $result == CRASH* ]] && tail -40 "$log" >&2
done
exit "$status"
