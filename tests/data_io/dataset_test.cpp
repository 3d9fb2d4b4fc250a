#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/core/random.h>
#include <keel/data/dataset.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <vector>

#include "test_util.h"

namespace keel {
namespace {

std::vector<float> ramp(std::int64_t n, float start = 0.f) {
  std::vector<float> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

bool is_permutation_of_range(std::vector<std::int64_t> order, std::int64_t n) {
  std::sort(order.begin(), order.end());
  std::vector<std::int64_t> expected(static_cast<std::size_t>(n));
  std::iota(expected.begin(), expected.end(), std::int64_t{0});
  return order == expected;
}

TEST(EpochOrder, IsAPermutation) {
  for (const std::int64_t n : {0, 1, 2, 7, 1000}) {
    const auto order = epoch_order(n, 42, 3);
    EXPECT_EQ(static_cast<std::int64_t>(order.size()), n);
    EXPECT_TRUE(is_permutation_of_range(order, n)) << "n = " << n;
  }
}

TEST(EpochOrder, IsReproducibleFromSeedAndEpochAlone) {
  const auto a = epoch_order(500, 7, 4);
  // The global RNG's state plays no part.
  set_seed(123);
  Tensor::random_uniform(Shape({100}));
  const auto b = epoch_order(500, 7, 4);
  EXPECT_EQ(a, b);
  // Nor do earlier epochs: epoch 4 can be asked for first, as after restoring a checkpoint.
  epoch_order(500, 7, 0);
  EXPECT_EQ(epoch_order(500, 7, 4), a);
}

TEST(EpochOrder, DiffersBetweenEpochsAndSeeds) {
  const auto e0 = epoch_order(1000, 7, 0);
  const auto e1 = epoch_order(1000, 7, 1);
  const auto s8 = epoch_order(1000, 8, 0);
  EXPECT_NE(e0, e1);
  EXPECT_NE(e0, s8);
  std::vector<std::int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), std::int64_t{0});
  EXPECT_NE(e0, identity);
  // Orders of consecutive epochs are not shifted copies of one stream: few positions agree
  // (about 1 expected for independent permutations).
  std::int64_t same = 0;
  for (std::size_t i = 0; i < e0.size(); ++i) same += e0[i] == e1[i];
  EXPECT_LT(same, 10);
}

TEST(EpochOrder, IsFisherYatesOnPhiloxKeyedBySeedFromCounterEpochTimes2To32) {
  // The contract checkpoints rely on, written out: draw j in [0, i] for i = n-1 .. 1 from
  // Philox(seed, epoch << 32) and swap positions i and j.
  const std::uint64_t seed = 99;
  const std::int64_t epoch = 5, n = 50;
  std::vector<std::int64_t> expected(n);
  std::iota(expected.begin(), expected.end(), std::int64_t{0});
  Philox rng(seed, static_cast<std::uint64_t>(epoch) << 32);
  for (std::int64_t i = n - 1; i > 0; --i)
    std::swap(expected[i], expected[rng.uniform_int(static_cast<std::uint64_t>(i) + 1)]);
  EXPECT_EQ(epoch_order(n, seed, epoch), expected);
}

TEST(EpochOrder, ShufflesUniformly) {
  // Each of the 6 orders of 3 items over 6000 epochs: 1000 expected each; a 5-sigma band.
  std::map<std::vector<std::int64_t>, int> counts;
  for (std::int64_t epoch = 0; epoch < 6000; ++epoch) ++counts[epoch_order(3, 11, epoch)];
  EXPECT_EQ(counts.size(), 6u);
  for (const auto& [order, count] : counts) {
    EXPECT_GT(count, 1000 - 5 * 29);
    EXPECT_LT(count, 1000 + 5 * 29);
  }
}

TEST(EpochOrder, RejectsNegativeSizeAndEpoch) {
  EXPECT_THROW_MSG(epoch_order(-1, 0, 0), ValueError, "epoch_order: n is -1");
  EXPECT_THROW_MSG(epoch_order(5, 0, -2), ValueError, "epoch_order: epoch is -2");
}

TEST(TakeRows, GathersRowsInTheGivenOrder) {
  const Tensor t = Tensor::from_data(Shape({4, 2, 3}), ramp(24));
  const std::vector<std::int64_t> rows{3, 0, 3};
  const Tensor g = take_rows(t, rows);
  EXPECT_EQ(g.shape(), Shape({3, 2, 3}));
  std::vector<float> expected = ramp(6, 18);
  const auto r0 = ramp(6, 0);
  expected.insert(expected.end(), r0.begin(), r0.end());
  const auto r3 = ramp(6, 18);
  expected.insert(expected.end(), r3.begin(), r3.end());
  EXPECT_EQ(g.to_vector(), expected);
  // A copy: writing to it leaves the source alone.
  Tensor copy = g;
  copy.set({0, 0, 0}, -1.f);
  EXPECT_EQ(t.at({3, 0, 0}), 18.f);
}

TEST(TakeRows, RankOneAndEmptySelection) {
  const Tensor y = Tensor::from_data(Shape({5}), {10, 11, 12, 13, 14});
  const std::vector<std::int64_t> rows{4, 1};
  EXPECT_EQ(take_rows(y, rows).to_vector(), (std::vector<float>{14, 11}));
  const Tensor none = take_rows(y, std::span<const std::int64_t>());
  EXPECT_EQ(none.shape(), Shape({0}));
}

TEST(TakeRows, LargeBatchMatchesRowByRowCopy) {
  // 256 rows of 28x28x1 floats: past the size at which the gather runs on OpenMP threads.
  const std::int64_t n = 300, row = 28 * 28;
  const Tensor x = Tensor::from_data(Shape({n, 28, 28, 1}), ramp(n * row));
  const auto order = epoch_order(n, 1, 0);
  const std::span<const std::int64_t> rows(order.data(), 256);
  const Tensor g = take_rows(x, rows);
  ASSERT_EQ(g.shape(), Shape({256, 28, 28, 1}));
  const std::vector<float> v = g.to_vector();
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::int64_t k = 0; k < row; k += 97)
      ASSERT_EQ(v[i * row + k], static_cast<float>(rows[i] * row + k)) << i << ", " << k;
}

TEST(TakeRows, RejectsRowsOutOfRangeAndScalars) {
  const Tensor t = Tensor::from_data(Shape({3, 2}), ramp(6));
  const std::vector<std::int64_t> rows{0, 3};
  EXPECT_THROW_MSG(take_rows(t, rows), ValueError,
                   "take_rows: row 3 (at position 1) is out of range for a tensor of shape "
                   "(3, 2), expected 0 <= row < 3");
  const std::vector<std::int64_t> negative{-1};
  EXPECT_THROW_MSG(take_rows(t, negative), ValueError, "row -1");
  EXPECT_THROW_MSG(take_rows(Tensor::scalar(1.f), negative), ValueError, "scalar");
}

TEST(SliceRows, CopiesARangeOfRows) {
  const Tensor t = Tensor::from_data(Shape({5, 2}), ramp(10));
  const Tensor s = slice_rows(t, 1, 4);
  EXPECT_EQ(s.shape(), Shape({3, 2}));
  EXPECT_EQ(s.to_vector(), (std::vector<float>{2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(slice_rows(t, 2, 2).shape(), Shape({0, 2}));
  EXPECT_EQ(slice_rows(t, 0, 5).to_vector(), t.to_vector());
}

TEST(SliceRows, RejectsBadRanges) {
  const Tensor t = Tensor::from_data(Shape({5, 2}), ramp(10));
  EXPECT_THROW_MSG(slice_rows(t, 3, 6), ValueError,
                   "slice_rows: rows [3, 6) of a tensor of shape (5, 2), expected 0 <= begin "
                   "<= end <= 5");
  EXPECT_THROW_MSG(slice_rows(t, 4, 2), ValueError, "rows [4, 2)");
  EXPECT_THROW_MSG(slice_rows(t, -1, 2), ValueError, "rows [-1, 2)");
}

TEST(Dataset, MismatchedLengthsNameBoth) {
  const Tensor x = Tensor::zeros(Shape({10, 3}));
  EXPECT_THROW_MSG(Dataset(x, Tensor::zeros(Shape({9}))), ValueError,
                   "Dataset: x has 10 samples (shape (10, 3)) and y has 9 (shape (9,)), expected "
                   "the same number");
  EXPECT_THROW_MSG(Dataset(x, Tensor::zeros(Shape({10})), Tensor::ones(Shape({11}))), ValueError,
                   "x has 10 samples and sample_weight has 11");
  EXPECT_THROW_MSG(Dataset(x, Tensor()), ValueError, "Dataset: y is undefined");
}

TEST(Dataset, BatchesCoverEveryRowOnceWithTheRemainderLast) {
  const std::int64_t n = 10;
  const Dataset ds(Tensor::from_data(Shape({n, 2}), ramp(2 * n)),
                   Tensor::from_data(Shape({n}), ramp(n, 100)));
  EXPECT_EQ(ds.size(), n);
  EXPECT_FALSE(ds.has_sample_weight());
  EXPECT_EQ(ds.num_batches(4), 3);
  EXPECT_EQ(ds.num_batches(10), 1);
  EXPECT_EQ(ds.num_batches(11), 1);
  const auto order = ds.order(true, 5, 2);
  EXPECT_EQ(order, epoch_order(n, 5, 2));
  std::multiset<float> seen;
  for (std::int64_t b = 0; b < ds.num_batches(4); ++b) {
    const Batch batch = ds.batch(order, b, 4);
    const std::int64_t expected_size = b < 2 ? 4 : 2;
    ASSERT_EQ(batch.x.shape(), Shape({expected_size, 2}));
    ASSERT_EQ(batch.y.shape(), Shape({expected_size}));
    EXPECT_FALSE(batch.sample_weight.defined());
    for (std::int64_t i = 0; i < expected_size; ++i) {
      const std::int64_t row = order[b * 4 + i];
      // x and y of a sample stay together.
      EXPECT_EQ(batch.x.at({i, 0}), static_cast<float>(2 * row));
      EXPECT_EQ(batch.x.at({i, 1}), static_cast<float>(2 * row + 1));
      EXPECT_EQ(batch.y.at({i}), static_cast<float>(100 + row));
      seen.insert(batch.y.at({i}));
    }
  }
  const std::vector<float> all = ramp(n, 100);
  EXPECT_EQ(seen, std::multiset<float>(all.begin(), all.end()));
}

TEST(Dataset, UnshuffledOrderIsTheIdentity) {
  const Dataset ds(Tensor::zeros(Shape({4, 1})), Tensor::zeros(Shape({4})));
  EXPECT_EQ(ds.order(false, 5, 3), (std::vector<std::int64_t>{0, 1, 2, 3}));
}

TEST(Dataset, SampleWeightFollowsItsRows) {
  const Dataset ds(Tensor::from_data(Shape({3, 1}), {0, 1, 2}), Tensor::zeros(Shape({3, 2})),
                   Tensor::from_data(Shape({3}), {0.5f, 1.f, 2.f}));
  ASSERT_TRUE(ds.has_sample_weight());
  const std::vector<std::int64_t> rows{2, 0};
  const Batch b = ds.take(rows);
  EXPECT_EQ(b.x.to_vector(), (std::vector<float>{2, 0}));
  EXPECT_EQ(b.y.shape(), Shape({2, 2}));
  EXPECT_EQ(b.sample_weight.to_vector(), (std::vector<float>{2.f, 0.5f}));
}

TEST(Dataset, RejectsBadBatchSizesAndIndices) {
  const Dataset ds(Tensor::zeros(Shape({5, 1})), Tensor::zeros(Shape({5})));
  const auto order = ds.order(false, 0, 0);
  EXPECT_THROW_MSG(ds.num_batches(0), ValueError, "batch_size is 0, expected >= 1");
  EXPECT_THROW_MSG(ds.batch(order, 0, 0), ValueError, "batch_size is 0");
  EXPECT_THROW_MSG(ds.batch(order, 3, 2), ValueError,
                   "Dataset: batch index 3 is out of range: 5 rows in batches of 2 make 3 batches");
  EXPECT_THROW_MSG(ds.batch(order, -1, 2), ValueError, "batch index -1");
}

}  // namespace
}  // namespace keel
