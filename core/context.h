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

namespace detail {

dnnl::engine& engine();
dnnl::stream& stream();

// A scratchpad memory large enough for `md` (grown on demand, reused across primitives: the
// stream is in-order and single-threaded from keel's side, so one buffer serves all).
dnnl::memory scratchpad(const dnnl::memory::desc& md);

}  // namespace detail
}  // namespace keel
