// The process-wide oneDNN engine and stream, the thread count, and the scratchpad.
//
// keel runs every primitive on one CPU engine and one in-order stream. The thread count is
// part of every primitive cache key: oneDNN's JIT kernels are generated for it.
//   - default: OMP_NUM_THREADS if set, else the number of cores available to the process;
//   - keel::set_num_threads(n) changes it (ValueError for n < 1). Call it before building
//     models; primitives created under another count are simply not reused.
// The scratchpad is a keel-owned buffer, grown to the largest size any primitive asked for:
// primitives are created with scratchpad_mode::user so none allocates behind our back.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace keel {

void set_num_threads(int n);
int num_threads();

// Whether this processor runs oneDNN's bfloat16 kernels natively (AVX512-BF16, or AMX-BF16),
// by oneDNN's ISA query; and the name of the ISA oneDNN uses here ("avx512_core_bf16").
bool cpu_has_native_bf16();
const char* cpu_isa_name();

// Mixed bfloat16 precision (Model::compile's precision "mixed_bfloat16"): while a
// BFloat16Compute is alive on a thread, convolutions and inner products read their source and
// weights in bfloat16 (oneDNN's bf16 kernels), accumulate in float32 and write float32 outputs,
// input gradients and weight gradients. The weights themselves (the master copy the optimizer
// updates), their optimizer state and every other op stay float32. Nests.
class BFloat16Compute {
 public:
  BFloat16Compute();
  ~BFloat16Compute();
  BFloat16Compute(const BFloat16Compute&) = delete;
  BFloat16Compute& operator=(const BFloat16Compute&) = delete;

 private:
  bool previous_;
};
bool bf16_compute();

namespace detail {

dnnl::engine& engine();
dnnl::stream& stream();

// A scratchpad memory large enough for `md` (grown on demand, reused across primitives: the
// stream is in-order and single-threaded from keel's side, so one buffer serves all).
dnnl::memory scratchpad(const dnnl::memory::desc& md);

}  // namespace detail
}  // namespace keel
