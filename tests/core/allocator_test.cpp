#include <gtest/gtest.h>
#include <keel/core/allocator.h>
#include <keel/core/tensor.h>

#include <cstdint>

#include "test_util.h"

namespace keel {
namespace {

// Rounded block sizes (allocator.cpp): to 64 bytes up to 4 KiB; above, to 1/8 of the next
// power of two; from 1 MiB, to 64 KiB. 100 -> 128; 10000 -> next power 16384, step 2048 ->
// 10240; 2^20 -> 2^20.
constexpr std::size_t k100Rounded = 128, k10000Rounded = 10240;

bool aligned64(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

// Every test starts with an empty cache, so its first request of a size is a miss.
class Allocator : public ::testing::Test {
 protected:
  void SetUp() override { empty_cache(); }
  void TearDown() override { empty_cache(); }
};

TEST_F(Allocator, FreedBlockIsReusedForTheSameSize) {
  void* first = nullptr;
  {
    Buffer b = allocate(10000);
    first = b.get();
  }
  const AllocatorStats before = allocator_stats();
  Buffer c = allocate(10000);
  const AllocatorStats after = allocator_stats();
  EXPECT_EQ(c.get(), first);
  EXPECT_EQ(after.cache_hits, before.cache_hits + 1);
  EXPECT_EQ(after.allocations, before.allocations + 1);
}

TEST_F(Allocator, SizesRoundingToTheSameBucketShareABlock) {
  void* first = nullptr;
  {
    Buffer b = allocate(10000);
    first = b.get();
  }
  Buffer c = allocate(9500);  // also rounds to 10240
  EXPECT_EQ(c.get(), first);
}

TEST_F(Allocator, ADifferentBucketIsAMiss) {
  { Buffer b = allocate(10000); }
  const AllocatorStats before = allocator_stats();
  Buffer c = allocate(20000);  // rounds to 20480
  EXPECT_EQ(allocator_stats().cache_hits, before.cache_hits);
  EXPECT_EQ(allocator_stats().bytes_cached, before.bytes_cached);
}

TEST_F(Allocator, BytesCachedGrowsOnReleaseAndShrinksOnReuse) {
  const AllocatorStats start = allocator_stats();
  EXPECT_EQ(start.bytes_cached, 0u);
  { Buffer b = allocate(10000); }
  EXPECT_EQ(allocator_stats().bytes_cached, k10000Rounded);
  Buffer c = allocate(10000);
  EXPECT_EQ(allocator_stats().bytes_cached, 0u);
}

TEST_F(Allocator, BytesInUseCountsTheRoundedSizeUntilRelease) {
  const std::size_t base = allocator_stats().bytes_in_use;
  {
    Buffer a = allocate(100);
    EXPECT_EQ(allocator_stats().bytes_in_use, base + k100Rounded);
    Buffer b = allocate(10000);
    EXPECT_EQ(allocator_stats().bytes_in_use, base + k100Rounded + k10000Rounded);
  }
  EXPECT_EQ(allocator_stats().bytes_in_use, base);
}

TEST_F(Allocator, BufferCopiesShareOneBlockReleasedWithTheLast) {
  const std::size_t base = allocator_stats().bytes_in_use;
  Buffer a = allocate(100);
  {
    Buffer copy = a;
    EXPECT_EQ(allocator_stats().bytes_in_use, base + k100Rounded);
  }
  EXPECT_EQ(allocator_stats().bytes_in_use, base + k100Rounded);  // `a` still holds it
  a.reset();
  EXPECT_EQ(allocator_stats().bytes_in_use, base);
}

TEST_F(Allocator, PeakIsTheHighWaterMark) {
  reset_peak_bytes();
  const std::size_t base = allocator_stats().bytes_in_use;
  EXPECT_EQ(allocator_stats().peak_bytes_in_use, base);
  {
    Buffer big = allocate(1 << 20);
    Buffer small = allocate(10000);
  }
  { Buffer again = allocate(100); }
  const AllocatorStats s = allocator_stats();
  EXPECT_EQ(s.bytes_in_use, base);
  EXPECT_EQ(s.peak_bytes_in_use, base + (1u << 20) + k10000Rounded);
}

TEST_F(Allocator, ResetPeakBytesLowersThePeakToCurrentUse) {
  { Buffer big = allocate(1 << 20); }
  reset_peak_bytes();
  const AllocatorStats s = allocator_stats();
  EXPECT_EQ(s.peak_bytes_in_use, s.bytes_in_use);
}

TEST_F(Allocator, EmptyCacheDropsCachedBlocks) {
  { Buffer b = allocate(10000); }
  EXPECT_EQ(allocator_stats().bytes_cached, k10000Rounded);
  empty_cache();
  EXPECT_EQ(allocator_stats().bytes_cached, 0u);
  const std::uint64_t hits = allocator_stats().cache_hits;
  Buffer c = allocate(10000);
  EXPECT_EQ(allocator_stats().cache_hits, hits);  // served fresh, not from the cache
}

// Large blocks (>= 1 MiB) are carved from kept segments: split to fit, merged when released.
constexpr std::size_t kMiB = 1u << 20;

char* at(const Buffer& b) { return static_cast<char*>(b.get()); }

TEST_F(Allocator, AFreedLargeBlockIsSplitToServeSmallerRequests) {
  char* first = nullptr;
  {
    Buffer b = allocate(8 * kMiB);
    first = at(b);
  }
  const std::uint64_t hits = allocator_stats().cache_hits;
  Buffer three = allocate(3 * kMiB);
  Buffer four = allocate(4 * kMiB);
  EXPECT_EQ(at(three), first);
  EXPECT_EQ(at(four), first + 3 * kMiB);
  EXPECT_EQ(allocator_stats().cache_hits, hits + 2);
  EXPECT_EQ(allocator_stats().bytes_cached, 1 * kMiB);  // the rest of the 8 MiB
}

TEST_F(Allocator, ReleasedNeighboursMergeBackIntoOneBlock) {
  char* first = nullptr;
  {
    Buffer b = allocate(8 * kMiB);
    first = at(b);
  }
  {
    Buffer a = allocate(4 * kMiB);
    Buffer b = allocate(4 * kMiB);
    EXPECT_EQ(at(b), first + 4 * kMiB);
  }
  EXPECT_EQ(allocator_stats().bytes_cached, 8 * kMiB);
  const std::uint64_t hits = allocator_stats().cache_hits;
  Buffer whole = allocate(8 * kMiB);
  EXPECT_EQ(at(whole), first);
  EXPECT_EQ(allocator_stats().cache_hits, hits + 1);
}

TEST_F(Allocator, TheSmallestFreeLargeBlockThatFitsIsTaken) {
  char* small = nullptr;
  {
    Buffer big = allocate(16 * kMiB);
    Buffer b = allocate(4 * kMiB);
    small = at(b);
  }
  Buffer c = allocate(3 * kMiB + 100);
  EXPECT_EQ(at(c), small);
}

TEST_F(Allocator, EmptyCacheKeepsASegmentWithABlockInUse) {
  { Buffer b = allocate(8 * kMiB); }
  Buffer in_use = allocate(3 * kMiB);
  empty_cache();
  EXPECT_EQ(allocator_stats().bytes_cached, 5 * kMiB);  // the segment's free rest
  in_use.reset();
  empty_cache();
  EXPECT_EQ(allocator_stats().bytes_cached, 0u);
}

// The system's memory held by the allocator: what is handed out plus what is kept for reuse.
std::size_t held() {
  const AllocatorStats s = allocator_stats();
  return s.bytes_in_use + s.bytes_cached;
}

TEST_F(Allocator, LongLivedBuffersDoNotReuseTransientSegments) {
  char* transient = nullptr;
  {
    Buffer b = allocate(8 * kMiB);
    transient = at(b);
  }
  const std::uint64_t hits = allocator_stats().cache_hits;
  const LongLivedAllocations long_lived;
  Buffer w = allocate(4 * kMiB);
  EXPECT_NE(at(w), transient);
  EXPECT_EQ(allocator_stats().cache_hits, hits);
  EXPECT_EQ(allocator_stats().bytes_cached, 8 * kMiB);  // the transient segment, untouched
}

TEST_F(Allocator, TransientBuffersDoNotReuseLongLivedSegments) {
  Buffer weight;
  {
    const LongLivedAllocations long_lived;
    weight = allocate(4 * kMiB);
  }
  Buffer activation = allocate(2 * kMiB);  // the weight's segment has no free rest: a new one
  EXPECT_TRUE(at(activation) + 2 * kMiB <= at(weight) || at(weight) + 4 * kMiB <= at(activation));
  EXPECT_EQ(held(), 6 * kMiB);
}

TEST_F(Allocator, AWhollyFreeLongLivedSegmentGoesBackToTheSystem) {
  const LongLivedAllocations long_lived;
  Buffer w = allocate(3 * kMiB);  // a 4 MiB segment (whole huge pages) with 1 MiB free
  EXPECT_EQ(allocator_stats().bytes_cached, 1 * kMiB);
  w.reset();
  EXPECT_EQ(allocator_stats().bytes_cached, 0u);
  EXPECT_EQ(held(), 0u);
}

TEST_F(Allocator, LongLivedScopesNest) {
  {
    const LongLivedAllocations outer;
    { const LongLivedAllocations inner; }
    { Buffer w = allocate(8 * kMiB); }  // still long-lived: returned at once
    EXPECT_EQ(allocator_stats().bytes_cached, 0u);
  }
  { Buffer t = allocate(8 * kMiB); }  // transient again: kept for reuse
  EXPECT_EQ(allocator_stats().bytes_cached, 8 * kMiB);
}

TEST_F(Allocator, GrowingReleasesWhollyFreeSegmentsTooSmallForTheRequest) {
  { Buffer small = allocate(4 * kMiB); }
  EXPECT_EQ(allocator_stats().bytes_cached, 4 * kMiB);
  Buffer big = allocate(16 * kMiB);
  EXPECT_EQ(allocator_stats().bytes_cached, 0u);
  EXPECT_EQ(held(), 16 * kMiB);
}

TEST_F(Allocator, GrowingKeepsAPartlyUsedSegment) {
  { Buffer b = allocate(8 * kMiB); }
  Buffer in_use = allocate(3 * kMiB);  // from the 8 MiB segment, which keeps 5 MiB free
  Buffer big = allocate(16 * kMiB);
  EXPECT_EQ(allocator_stats().bytes_cached, 5 * kMiB);
  EXPECT_EQ(held(), 24 * kMiB);
}

// A training step's pattern (VGG16's Dense gradients: ever larger short-lived buffers beside
// long-held activations) settles after its first step: later steps take no new memory.
TEST_F(Allocator, ARepeatedStepSettlesWithoutGrowing) {
  auto step = [] {
    Buffer activation = allocate(6 * kMiB);
    for (std::size_t mib : {1u, 4u, 24u}) Buffer gradient = allocate(mib * kMiB);
    Buffer late = allocate(2 * kMiB);
  };
  step();
  const std::size_t after_first = held();
  for (int i = 0; i < 5; ++i) {
    step();
    EXPECT_EQ(held(), after_first) << "step " << i + 2;
  }
  EXPECT_LE(after_first, 32 * kMiB);  // one segment per live extent, not one per size
}

TEST_F(Allocator, ZeroBytesGiveAUsableCacheLine) {
  const std::size_t base = allocator_stats().bytes_in_use;
  Buffer b = allocate(0);
  ASSERT_NE(b.get(), nullptr);
  EXPECT_TRUE(aligned64(b.get()));
  EXPECT_EQ(allocator_stats().bytes_in_use, base + 64);
  static_cast<char*>(b.get())[63] = 1;  // the whole line is ours (checked under ASan)
}

TEST_F(Allocator, BlocksAre64ByteAligned) {
  for (std::size_t bytes : {1u, 63u, 65u, 100u, 4097u, 10000u, 1u << 20}) {
    Buffer b = allocate(bytes);
    EXPECT_TRUE(aligned64(b.get())) << bytes << " bytes at " << b.get();
  }
}

TEST_F(Allocator, TensorBuffersAre64ByteAligned) {
  for (const Shape& s : {Shape{}, Shape({1}), Shape({3}), Shape({7, 5}), Shape({2, 3, 17})}) {
    const Tensor t = Tensor::zeros(s);
    EXPECT_TRUE(aligned64(t.data())) << s.str();
  }
}

TEST_F(Allocator, ReleasedTensorBlockServesTheNextTensor) {
  const void* first = nullptr;
  {
    const Tensor t = Tensor::zeros(Shape({50, 50}));
    first = t.data();
  }
  const std::uint64_t hits = allocator_stats().cache_hits;
  const Tensor u = Tensor::zeros(Shape({50, 50}));
  EXPECT_EQ(u.data(), first);
  EXPECT_EQ(allocator_stats().cache_hits, hits + 1);
}

}  // namespace
}  // namespace keel
