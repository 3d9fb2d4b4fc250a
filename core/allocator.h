// The one caching allocator every tensor buffer comes from.
//
// Why: on this machine writing into freshly mapped pages runs at 2-5 GB/s against 30-40 GB/s
// into reused memory, so a large convolution output allocated per call costs 15-30 ms. Freed
// blocks are therefore kept and handed out again: small ones (< 1 MiB) bucketed by rounded
// size, large ones carved best-fit from kept segments, split and merged, so that the blocks of
// a forward's activations serve the backward's gradients of other sizes and the process holds
// little more than its peak of live tensors. Blocks are 64-byte aligned (AVX-512 lines).
// Thread-safe.
//
// Counters are readable by tests and benchmarks; `empty_cache()` returns cached blocks to the OS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace keel {

struct AllocatorStats {
  std::size_t bytes_in_use = 0;  // handed out and not yet released
  std::size_t bytes_cached = 0;  // released, kept for reuse (in use + cached: held from the OS)
  std::size_t peak_bytes_in_use = 0;
  std::uint64_t allocations = 0;  // requests served
  std::uint64_t cache_hits = 0;   // requests served from the cache
};

// A buffer owned by the allocator; returned to its cache when the last handle goes.
using Buffer = std::shared_ptr<void>;

// Allocates at least `bytes` bytes (64-byte aligned). A request for 0 bytes gives a valid,
// non-null buffer of one cache line. ResourceError (never std::bad_alloc or an abort) for a
// request above allocation_limit() or one the system refuses, naming the bytes.
Buffer allocate(std::size_t bytes);

// While one is alive on a thread, that thread's large buffers come from the long-lived arena:
// buffers that live as long as the model (weights, their compute-layout copies, optimizer
// slots), kept apart from a step's transient ones so that neither fragments the other. Nests.
class LongLivedAllocations {
 public:
  LongLivedAllocations();
  ~LongLivedAllocations();
  LongLivedAllocations(const LongLivedAllocations&) = delete;
  LongLivedAllocations& operator=(const LongLivedAllocations&) = delete;

 private:
  int previous_;
};

// The largest single buffer keel allocates: the machine's physical memory by default, or
// $KEEL_MAX_ALLOCATION_BYTES, or what set_allocation_limit() set. A guard against absurd
// shapes in files and configs (a Dense of 10^12 units) failing as a clear error.
std::size_t allocation_limit();
void set_allocation_limit(std::size_t bytes);

AllocatorStats allocator_stats();
void reset_peak_bytes();
// Returns every cached small block, and every large segment with nothing in use, to the OS.
void empty_cache();

}  // namespace keel
