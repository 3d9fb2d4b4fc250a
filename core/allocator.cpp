#include "keel/core/allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {
namespace {

constexpr std::size_t kAlignment = 64;

// Sizes are rounded up so that slightly different requests share blocks: to 64 bytes below
// 4 KiB, then to 1/8 of the next power of two (at most 12.5 % slack). Large requests (see
// kLargeBlock) are rounded to 64 KiB only: their blocks are split to fit.
constexpr std::size_t kLargeBlock = 1u << 20;
constexpr std::size_t kLargeGranule = 64u << 10;

std::size_t round_size(std::size_t bytes) {
  if (bytes <= 4096) return ((bytes + kAlignment - 1) / kAlignment) * kAlignment;
  if (bytes >= kLargeBlock) return (bytes + kLargeGranule - 1) / kLargeGranule * kLargeGranule;
  std::size_t p = 4096;
  while (p < bytes) p <<= 1;
  const std::size_t step = p / 8;
  const std::size_t r = ((bytes + step - 1) / step) * step;
  return r < kLargeBlock ? r : kLargeBlock;
}

// Large segments are aligned to 2 MiB and offered to the kernel for transparent huge pages
// (this machine's THP mode is madvise): a convolution streaming a 16 MB activation then takes
// a few TLB misses instead of thousands.
constexpr std::size_t kHugePage = 2u << 20;

// Two caches behind one lock.
//  - Small blocks (< 1 MiB): exact-size buckets, a freed block serves the next request of its
//    rounded size.
//  - Large blocks: carved from segments (system allocations) best-fit, split when the rest is
//    large enough to serve another, and merged with free neighbours when released. A training
//    step's activations and gradients come in dozens of sizes; exact-size buckets would keep
//    a block per size and count (ResNet50: the process held 1.4x its peak tensor bytes), while
//    splitting lets the forward's activation blocks serve the backward's gradients. The segment
//    is never returned to the system before empty_cache(), so a steady training loop touches
//    no fresh page after its first steps.
//  - Large blocks live in one of two arenas (each with segments of its own): transient ones
//    (a step's activations and gradients) and long-lived ones (weights, their compute-layout
//    copies, optimizer slots). A first step creates its long-lived buffers between its
//    activations; sharing segments, they would pin holes the next steps' activations do not
//    fit (VGG16 b8 held 2239 MiB for a 1878 MiB peak), apart, each arena stays near its own peak.
class CachingAllocator {
 public:
  struct Block {
    char* ptr;
    std::size_t size;
    bool free = false;
    int arena = 0;          // 0: transient, 1: long-lived (see LongLivedAllocations)
    Block* prev = nullptr;  // neighbours in the same segment, by address
    Block* next = nullptr;
  };

  // A block of at least `rounded` bytes for the caller; `rounded` becomes the block's size.
  // Returns the block's memory; `*large` is the arena block, or null for a small block.
  void* take(std::size_t& rounded, int arena, Block** large) {
    std::lock_guard lock(mu_);
    ++stats_.allocations;
    *large = nullptr;
    if (rounded < kLargeBlock) {
      auto it = small_.find(rounded);
      if (it != small_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        ++stats_.cache_hits;
        stats_.bytes_cached -= rounded;
        note_in_use(rounded);
        return p;
      }
      void* p = std::aligned_alloc(kAlignment, rounded);
      if (!p) refuse(rounded);
      note_in_use(rounded);
      return p;
    }
    Block* b = nullptr;
    auto& free_large = free_large_[arena];
    auto it = free_large.lower_bound(Key{rounded, nullptr});
    if (it != free_large.end()) {
      b = it->second;
      free_large.erase(it);
      ++stats_.cache_hits;
      stats_.bytes_cached -= b->size;
    } else {
      // Growing: wholly free segments too small for this request go back to the system
      // first, so that one segment serves a sequence of ever larger short-lived buffers
      // (VGG16's three Dense gradients, 16, 64 and 392 MiB) instead of one segment each.
      release_free_segments(free_large);
      const std::size_t size = (rounded + kHugePage - 1) / kHugePage * kHugePage;
      void* p = std::aligned_alloc(kHugePage, size);
      if (!p) refuse(size);
      ::madvise(p, size, MADV_HUGEPAGE);
      b = new Block{static_cast<char*>(p), size, false, arena};
    }
    if (b->size - rounded >= kLargeBlock) {  // the rest stays free for another request
      auto* rest = new Block{b->ptr + rounded, b->size - rounded, true, arena, b, b->next};
      if (b->next) b->next->prev = rest;
      b->next = rest;
      b->size = rounded;
      free_large.emplace(Key{rest->size, rest->ptr}, rest);
      stats_.bytes_cached += rest->size;
    }
    b->free = false;
    rounded = b->size;
    note_in_use(rounded);
    *large = b;
    return b->ptr;
  }

  void give_back(void* p, std::size_t rounded, Block* b) {
    std::lock_guard lock(mu_);
    stats_.bytes_in_use -= rounded;
    stats_.bytes_cached += rounded;
    if (!b) {
      small_[rounded].push_back(p);
      return;
    }
    b->free = true;
    auto& free_large = free_large_[b->arena];
    for (Block* n : {b->next, b->prev}) {  // merge free neighbours into b
      if (!n || !n->free) continue;
      free_large.erase(Key{n->size, n->ptr});
      if (n == b->prev) {
        n->size += b->size;
        n->next = b->next;
        if (b->next) b->next->prev = n;
        delete b;
        b = n;
      } else {
        b->size += n->size;
        b->next = n->next;
        if (n->next) n->next->prev = b;
        delete n;
      }
    }
    if (b->arena == 1 && !b->prev && !b->next) {  // a wholly free long-lived segment
      std::free(b->ptr);
      stats_.bytes_cached -= b->size;
      delete b;
      return;
    }
    free_large.emplace(Key{b->size, b->ptr}, b);
  }

  // Frees the small cached blocks and every segment that is wholly free.
  void empty() {
    std::lock_guard lock(mu_);
    for (auto& [size, blocks] : small_) {
      for (void* p : blocks) std::free(p);
      stats_.bytes_cached -= size * blocks.size();
    }
    small_.clear();
    for (auto& free_large : free_large_) release_free_segments(free_large);
  }

  AllocatorStats stats() {
    std::lock_guard lock(mu_);
    return stats_;
  }

  void reset_peak() {
    std::lock_guard lock(mu_);
    stats_.peak_bytes_in_use = stats_.bytes_in_use;
  }

 private:
  using Key = std::pair<std::size_t, const char*>;  // best fit: smallest size, then address

  [[noreturn]] static void refuse(std::size_t bytes) {
    throw ResourceError(fmt::str("allocate: the system refused ", bytes, " bytes"));
  }

  void note_in_use(std::size_t rounded) {
    stats_.bytes_in_use += rounded;
    if (stats_.bytes_in_use > stats_.peak_bytes_in_use)
      stats_.peak_bytes_in_use = stats_.bytes_in_use;
  }

  // Returns every wholly free segment (a free block with no neighbour) of an arena to the
  // system. Called with mu_ held.
  void release_free_segments(std::map<Key, Block*>& free_large) {
    for (auto it = free_large.begin(); it != free_large.end();) {
      Block* b = it->second;
      if (b->prev || b->next) {
        ++it;
        continue;
      }
      std::free(b->ptr);
      stats_.bytes_cached -= b->size;
      delete b;
      it = free_large.erase(it);
    }
  }

  std::mutex mu_;
  std::map<std::size_t, std::vector<void*>> small_;
  std::map<Key, Block*> free_large_[2];  // per arena
  AllocatorStats stats_;
};

// Never destroyed: tensors held in static objects may be released after main returns.
CachingAllocator& instance() {
  static auto* a = new CachingAllocator();
  return *a;
}

std::atomic<std::size_t>& limit_value() {
  static std::atomic<std::size_t> limit = [] {
    if (const char* env = std::getenv("KEEL_MAX_ALLOCATION_BYTES"); env && *env)
      return static_cast<std::size_t>(std::strtoull(env, nullptr, 10));
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page)
                                 : std::size_t{1} << 40;
  }();
  return limit;
}

thread_local int current_arena = 0;

}  // namespace

LongLivedAllocations::LongLivedAllocations() : previous_(current_arena) { current_arena = 1; }
LongLivedAllocations::~LongLivedAllocations() { current_arena = previous_; }

std::size_t allocation_limit() { return limit_value().load(); }
void set_allocation_limit(std::size_t bytes) { limit_value().store(bytes); }

Buffer allocate(std::size_t bytes) {
  if (bytes > allocation_limit())
    throw ResourceError(
        fmt::str("allocate: ", bytes, " bytes requested, above the allocation limit of ",
                 allocation_limit(), " bytes (set_allocation_limit, KEEL_MAX_ALLOCATION_BYTES)"));
  std::size_t rounded = round_size(bytes == 0 ? 1 : bytes);
  CachingAllocator::Block* block = nullptr;
  void* p = instance().take(rounded, current_arena, &block);
  return Buffer(p, [rounded, block](void* q) { instance().give_back(q, rounded, block); });
}

AllocatorStats allocator_stats() { return instance().stats(); }
void reset_peak_bytes() { instance().reset_peak(); }
void empty_cache() { instance().empty(); }

}  // namespace keel
