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
// 4 KiB, then to 1/8 of the next power of two (at most 12.5 % slack).
std::size_t round_size(std::size_t bytes) {
  if (bytes <= 4096) return ((bytes + kAlignment - 1) / kAlignment) * kAlignment;
  std::size_t p = 4096;
  while (p < bytes) p <<= 1;
  const std::size_t step = p / 8;
  return ((bytes + step - 1) / step) * step;
}

// Large blocks are aligned to 2 MiB and offered to the kernel for transparent huge pages
// (this machine's THP mode is madvise): a convolution streaming a 16 MB activation then takes
// a few TLB misses instead of thousands.
constexpr std::size_t kHugePage = 2u << 20;

void* fresh_block(std::size_t rounded) {
  if (rounded < kHugePage) return std::aligned_alloc(kAlignment, rounded);
  const std::size_t size = (rounded + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, size);
  if (p) ::madvise(p, size, MADV_HUGEPAGE);
  return p;
}

class CachingAllocator {
 public:
  void* take(std::size_t rounded) {
    {
      std::lock_guard lock(mu_);
      ++stats_.allocations;
      auto it = free_.find(rounded);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        ++stats_.cache_hits;
        stats_.bytes_cached -= rounded;
        note_in_use(rounded);
        return p;
      }
      note_in_use(rounded);
    }
    void* p = fresh_block(rounded);
    if (!p) {
      std::lock_guard lock(mu_);
      stats_.bytes_in_use -= rounded;
      throw ResourceError(fmt::str("allocate: the system refused ", rounded, " bytes"));
    }
    return p;
  }

  void give_back(void* p, std::size_t rounded) {
    std::lock_guard lock(mu_);
    stats_.bytes_in_use -= rounded;
    stats_.bytes_cached += rounded;
    free_[rounded].push_back(p);
  }

  void empty() {
    std::lock_guard lock(mu_);
    for (auto& [size, blocks] : free_)
      for (void* p : blocks) std::free(p);
    free_.clear();
    stats_.bytes_cached = 0;
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
  void note_in_use(std::size_t rounded) {
    stats_.bytes_in_use += rounded;
    if (stats_.bytes_in_use > stats_.peak_bytes_in_use)
      stats_.peak_bytes_in_use = stats_.bytes_in_use;
  }

  std::mutex mu_;
  std::map<std::size_t, std::vector<void*>> free_;
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

}  // namespace

std::size_t allocation_limit() { return limit_value().load(); }
void set_allocation_limit(std::size_t bytes) { limit_value().store(bytes); }

Buffer allocate(std::size_t bytes) {
  if (bytes > allocation_limit())
    throw ResourceError(
        fmt::str("allocate: ", bytes, " bytes requested, above the allocation limit of ",
                 allocation_limit(), " bytes (set_allocation_limit, KEEL_MAX_ALLOCATION_BYTES)"));
  const std::size_t rounded = round_size(bytes == 0 ? 1 : bytes);
  void* p = instance().take(rounded);
  return Buffer(p, [rounded](void* q) { instance().give_back(q, rounded); });
}

AllocatorStats allocator_stats() { return instance().stats(); }
void reset_peak_bytes() { instance().reset_peak(); }
void empty_cache() { instance().empty(); }

}  // namespace keel
