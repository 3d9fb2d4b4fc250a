#include "keel/core/primitive_cache.h"

#include <cstdlib>

#include "keel/core/context.h"

namespace keel {

CacheKey::CacheKey(std::string_view op) {
  bytes_.reserve(128);
  *this << op << num_threads();
}

CacheKey& CacheKey::operator<<(std::string_view s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  append(&n, sizeof n);
  append(s.data(), s.size());
  return *this;
}

CacheKey& CacheKey::operator<<(const std::vector<std::int64_t>& v) {
  const auto n = static_cast<std::uint32_t>(v.size());
  append(&n, sizeof n);
  append(v.data(), v.size() * sizeof(std::int64_t));
  return *this;
}

// A memory descriptor is identified by what defines the layout, not by its raw struct bytes
// (which contain padding and unused fields).
CacheKey& CacheKey::operator<<(const dnnl::memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  *this << d.ndims << static_cast<int>(d.data_type) << static_cast<int>(d.format_kind);
  append(d.dims, sizeof(d.dims[0]) * d.ndims);
  if (d.format_kind == dnnl_blocked) {
    const auto& b = d.format_desc.blocking;
    append(d.padded_dims, sizeof(d.padded_dims[0]) * d.ndims);
    append(d.padded_offsets, sizeof(d.padded_offsets[0]) * d.ndims);
    *this << d.offset0;
    append(b.strides, sizeof(b.strides[0]) * d.ndims);
    *this << b.inner_nblks;
    append(b.inner_blks, sizeof(b.inner_blks[0]) * b.inner_nblks);
    append(b.inner_idxs, sizeof(b.inner_idxs[0]) * b.inner_nblks);
  }
  return *this;
}

PrimitiveCache::PrimitiveCache(std::size_t capacity) : capacity_(capacity) {}

std::shared_ptr<void> PrimitiveCache::find(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void PrimitiveCache::insert(const std::string& key, std::shared_ptr<void> value) {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {  // made concurrently: keep the first
    return;
  }
  lru_.emplace_front(key, std::move(value));
  index_.emplace(lru_.front().first, lru_.begin());
  evict_over_capacity();
}

void PrimitiveCache::evict_over_capacity() {
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  stats_.size = lru_.size();
}

PrimitiveCacheStats PrimitiveCache::stats() const {
  std::lock_guard lock(mu_);
  PrimitiveCacheStats s = stats_;
  s.size = lru_.size();
  return s;
}

std::size_t PrimitiveCache::count(std::string_view op) const {
  const std::string prefix = CacheKey(op).bytes();
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [key, value] : lru_) n += key.starts_with(prefix) ? 1 : 0;
  return n;
}

void PrimitiveCache::clear() {
  std::lock_guard lock(mu_);
  index_.clear();
  lru_.clear();
  stats_ = {};
}

void PrimitiveCache::set_capacity(std::size_t capacity) {
  std::lock_guard lock(mu_);
  capacity_ = capacity == 0 ? 1 : capacity;
  evict_over_capacity();
}

PrimitiveCache& primitive_cache() {
  static PrimitiveCache* cache = [] {
    std::size_t cap = 1024;
    if (const char* env = std::getenv("KEEL_PRIMITIVE_CACHE_CAPACITY")) {
      const long v = std::atol(env);
      if (v > 0) cap = static_cast<std::size_t>(v);
    }
    return new PrimitiveCache(cap);
  }();
  return *cache;
}

}  // namespace keel
