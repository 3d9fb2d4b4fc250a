// PrimitiveCache: the one place primitives are kept.
//
// A primitive (with its descriptor, the memory descriptors it chose and anything else built
// with it) is created once per key and reused. The key is a small byte string built by
// CacheKey from the operation name, shapes, memory descriptors, attributes and the thread
// count; lookup costs one hash of it. The cache is an LRU of `capacity()` entries (default
// 1024, env KEEL_PRIMITIVE_CACHE_CAPACITY). Hit/miss counters are public for tests and bench.
//
// Usage:
//   CacheKey key("eltwise_fwd"); key << alg << alpha << src_md;
//   auto e = primitive_cache().get<EltwiseFwd>(key, [&] { return EltwiseFwd{...}; });
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace keel {

class CacheKey {
 public:
  explicit CacheKey(std::string_view op);

  // clang-format 14 cannot lay out a requires-clause.
  // clang-format off
  template <typename T>
    requires std::is_arithmetic_v<T> || std::is_enum_v<T>
  CacheKey& operator<<(T v) {
    // clang-format on
    append(&v, sizeof v);
    return *this;
  }
  CacheKey& operator<<(std::string_view s);
  CacheKey& operator<<(const std::vector<std::int64_t>& v);
  CacheKey& operator<<(const dnnl::memory::desc& md);

  const std::string& bytes() const { return bytes_; }

 private:
  void append(const void* p, std::size_t n) { bytes_.append(static_cast<const char*>(p), n); }
  std::string bytes_;
};

struct PrimitiveCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::size_t size = 0;
};

class PrimitiveCache {
 public:
  explicit PrimitiveCache(std::size_t capacity);

  // The entry for `key`, created by `make()` on a miss. T is any copyable or movable struct
  // (typically a primitive descriptor plus its primitive). The returned pointer keeps the
  // entry alive even if it is evicted meanwhile.
  template <typename T, typename Make>
  std::shared_ptr<T> get(const CacheKey& key, Make&& make) {
    if (auto hit = find(key.bytes())) return std::static_pointer_cast<T>(hit);
    auto made = std::make_shared<T>(make());
    insert(key.bytes(), made);
    return made;
  }

  PrimitiveCacheStats stats() const;
  // Entries made for operation `op` (the name a CacheKey starts with), for tests and benchmarks.
  std::size_t count(std::string_view op) const;
  void clear();
  std::size_t capacity() const { return capacity_; }
  void set_capacity(std::size_t capacity);

 private:
  std::shared_ptr<void> find(const std::string& key);
  void insert(const std::string& key, std::shared_ptr<void> value);
  void evict_over_capacity();

  using Lru = std::list<std::pair<std::string, std::shared_ptr<void>>>;
  mutable std::mutex mu_;
  Lru lru_;  // most recently used at the front
  std::unordered_map<std::string_view, Lru::iterator> index_;
  std::size_t capacity_;
  PrimitiveCacheStats stats_;
};

// The process-wide cache.
PrimitiveCache& primitive_cache();

}  // namespace keel

#include "keel/core/detail/dnnl_adapter.h"

namespace keel {

// A primitive with the descriptor it was made from (to query chosen memory descs).
template <typename P>
struct CachedPrimitive {
  typename P::primitive_desc pd;
  P prim;

  void run(std::unordered_map<int, dnnl::memory> args) const {
    dnnl_adapter::execute(prim, pd.scratchpad_desc(), std::move(args));
  }
};

// The cached primitive of type P for `key`; on a miss `make_pd()` builds its descriptor.
template <typename P, typename MakePd>
std::shared_ptr<const CachedPrimitive<P>> cached_primitive(const CacheKey& key, MakePd&& make_pd) {
  return primitive_cache().get<CachedPrimitive<P>>(key, [&] {
    auto pd = make_pd();
    return CachedPrimitive<P>{pd, dnnl_adapter::guarded("primitive", [&] { return P(pd); })};
  });
}

}  // namespace keel
