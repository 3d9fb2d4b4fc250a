#include <gtest/gtest.h>
#include <keel/core/context.h>
#include <keel/core/error.h>
#include <keel/core/primitive_cache.h>
#include <keel/core/tensor.h>
#include <keel/core/tensor_ops.h>

#include <map>

#include "test_util.h"

namespace keel {
namespace {

using dnnl::algorithm;
using dnnl::memory;

// Restores the thread count a test changes, even when an assertion fails.
class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(num_threads()) {}
  ~ThreadCountGuard() { set_num_threads(saved_); }
  int other() const { return saved_ == 1 ? 2 : 1; }  // a count different from the current one

 private:
  int saved_;
};

// The process-wide cache, emptied (entries and counters) so each test counts from zero.
class GlobalPrimitiveCache : public ::testing::Test {
 protected:
  void SetUp() override { primitive_cache().clear(); }
};

TEST_F(GlobalPrimitiveCache, FirstCallIsAMiss) {
  ops::eltwise(algorithm::eltwise_relu, Tensor::zeros(Shape({3, 5})));
  const PrimitiveCacheStats s = primitive_cache().stats();
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.size, 1u);
}

TEST_F(GlobalPrimitiveCache, SecondIdenticalCallIsAHit) {
  ops::eltwise(algorithm::eltwise_relu, Tensor::zeros(Shape({3, 5})));
  const PrimitiveCacheStats first = primitive_cache().stats();
  // Another tensor of the same shape (other values, other buffer): same primitive.
  ops::eltwise(algorithm::eltwise_relu, Tensor::ones(Shape({3, 5})));
  const PrimitiveCacheStats second = primitive_cache().stats();
  EXPECT_EQ(second.hits, first.hits + 1);
  EXPECT_EQ(second.misses, first.misses);
  EXPECT_EQ(second.size, first.size);
}

TEST_F(GlobalPrimitiveCache, DifferentShapeIsAMiss) {
  ops::eltwise(algorithm::eltwise_relu, Tensor::zeros(Shape({3, 5})));
  ops::eltwise(algorithm::eltwise_relu, Tensor::zeros(Shape({5, 3})));
  const PrimitiveCacheStats s = primitive_cache().stats();
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.size, 2u);
}

TEST_F(GlobalPrimitiveCache, DifferentAlgorithmOrAlphaIsAMiss) {
  const Tensor x = Tensor::zeros(Shape({3, 5}));
  ops::eltwise(algorithm::eltwise_relu, x);
  ops::eltwise(algorithm::eltwise_tanh, x);
  ops::eltwise(algorithm::eltwise_relu, x, 0.1f);  // leaky relu
  EXPECT_EQ(primitive_cache().stats().misses, 3u);
  EXPECT_EQ(primitive_cache().stats().hits, 0u);
}

TEST_F(GlobalPrimitiveCache, DifferentThreadCountIsAMiss) {
  const Tensor x = Tensor::zeros(Shape({3, 5}));
  ops::eltwise(algorithm::eltwise_relu, x);
  {
    ThreadCountGuard guard;
    set_num_threads(guard.other());
    ops::eltwise(algorithm::eltwise_relu, x);
  }
  EXPECT_EQ(primitive_cache().stats().misses, 2u);
  EXPECT_EQ(primitive_cache().stats().hits, 0u);
}

TEST_F(GlobalPrimitiveCache, ClearDropsEntriesAndCounters) {
  ops::eltwise(algorithm::eltwise_relu, Tensor::zeros(Shape({3, 5})));
  primitive_cache().clear();
  const PrimitiveCacheStats s = primitive_cache().stats();
  EXPECT_EQ(s.size, 0u);
  EXPECT_EQ(s.misses, 0u);
  ops::eltwise(algorithm::eltwise_relu, Tensor::zeros(Shape({3, 5})));
  EXPECT_EQ(primitive_cache().stats().misses, 1u);  // made again
}

// --- a small local cache: LRU behaviour ----------------------------------------------------------

// A PrimitiveCache of ints whose make() calls are counted per key.
class SmallCache : public ::testing::Test {
 protected:
  PrimitiveCache cache{2};
  std::map<int, int> made;  // key -> times make() ran

  int get(int k) {
    return *cache.get<int>(CacheKey("x") << k, [&] {
      ++made[k];
      return k * 10;
    });
  }
};

TEST_F(SmallCache, MissCallsMakeAndHitDoesNot) {
  EXPECT_EQ(get(1), 10);
  EXPECT_EQ(get(1), 10);
  EXPECT_EQ(made[1], 1);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().hits, 1u);
}

TEST_F(SmallCache, EvictsTheLeastRecentlyUsedEntry) {
  get(1);
  get(2);
  get(1);  // 1 is now the most recently used: 2 goes first
  get(3);
  EXPECT_EQ(cache.stats().size, 2u);
  get(1);
  EXPECT_EQ(made[1], 1) << "1 was evicted although 2 was less recently used";
  get(2);
  EXPECT_EQ(made[2], 2) << "2 should have been evicted and made again";
  EXPECT_EQ(made[3], 1);
  // Misses: 1, 2, 3, 2 again; hits: 1 twice.
  EXPECT_EQ(cache.stats().misses, 4u);
  EXPECT_EQ(cache.stats().hits, 2u);
}

TEST_F(SmallCache, EvictedEntryStaysAliveWhileHeld) {
  auto held = cache.get<int>(CacheKey("x") << 1, [] { return 42; });
  get(2);
  get(3);  // evicts 1
  EXPECT_EQ(*held, 42);
  get(1);
  EXPECT_EQ(made[1], 1);  // made again: the held pointer is not in the cache any more
}

TEST_F(SmallCache, SetCapacityEvictsDownToTheNewCapacity) {
  cache.set_capacity(4);
  for (int k = 1; k <= 4; ++k) get(k);
  EXPECT_EQ(cache.stats().size, 4u);
  cache.set_capacity(1);
  EXPECT_EQ(cache.capacity(), 1u);
  EXPECT_EQ(cache.stats().size, 1u);
  get(4);  // the most recent one is kept
  EXPECT_EQ(made[4], 1);
  get(1);
  EXPECT_EQ(made[1], 2);
}

TEST_F(SmallCache, CapacityZeroMeansOne) {
  cache.set_capacity(0);
  EXPECT_EQ(cache.capacity(), 1u);
  get(1);
  get(1);
  EXPECT_EQ(made[1], 1);
}

// --- CacheKey ------------------------------------------------------------------------------

TEST(CacheKey, EqualInputsGiveEqualKeys) {
  EXPECT_EQ((CacheKey("op") << 1 << 2.5f).bytes(), (CacheKey("op") << 1 << 2.5f).bytes());
}

TEST(CacheKey, DiffersByOpNameAndValues) {
  EXPECT_NE(CacheKey("a").bytes(), CacheKey("b").bytes());
  EXPECT_NE((CacheKey("op") << 1).bytes(), (CacheKey("op") << 2).bytes());
  // Strings are length-prefixed: "ab" is not "a" followed by "b".
  EXPECT_NE(CacheKey("ab").bytes(), (CacheKey("a") << std::string_view("b")).bytes());
}

TEST(CacheKey, DiffersByMemoryLayoutNotByObjectIdentity) {
  const memory::desc nchw({1, 3, 4, 4}, memory::data_type::f32, memory::format_tag::nchw);
  const memory::desc nchw2({1, 3, 4, 4}, memory::data_type::f32, memory::format_tag::nchw);
  const memory::desc nhwc({1, 3, 4, 4}, memory::data_type::f32, memory::format_tag::nhwc);
  EXPECT_EQ((CacheKey("r") << nchw).bytes(), (CacheKey("r") << nchw2).bytes());
  EXPECT_NE((CacheKey("r") << nchw).bytes(), (CacheKey("r") << nhwc).bytes());
}

TEST(CacheKey, DiffersForDifferentThreadCounts) {
  ThreadCountGuard guard;
  const std::string before = CacheKey("op").bytes();
  set_num_threads(guard.other());
  const std::string other = CacheKey("op").bytes();
  EXPECT_NE(other, before);
}

TEST(Context, SetNumThreadsChangesNumThreads) {
  ThreadCountGuard guard;
  set_num_threads(guard.other());
  EXPECT_EQ(num_threads(), guard.other());
}

TEST(Context, SetNumThreadsBelowOneThrowsNamingN) {
  const int before = num_threads();
  EXPECT_THROW_MSG(set_num_threads(0), ValueError, "set_num_threads: n is 0, expected n >= 1");
  EXPECT_THROW_MSG(set_num_threads(-3), ValueError, "n is -3");
  EXPECT_EQ(num_threads(), before);
}

}  // namespace
}  // namespace keel
