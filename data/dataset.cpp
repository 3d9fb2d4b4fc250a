#include "keel/data/dataset.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/random.h"

namespace keel {
namespace {

constexpr std::int64_t kMaxEpochRows = std::int64_t{1} << 32;
// Batches of at least this many bytes are gathered with one OpenMP thread team.
constexpr std::int64_t kParallelBytes = std::int64_t{1} << 18;

// The plain form of `t` and the number of floats in one of its rows.
std::pair<Tensor, std::int64_t> plain_rows(const Tensor& t, const char* what) {
  if (!t.defined()) throw ValueError(fmt::str(std::string(what), ": the tensor is undefined"));
  if (t.rank() < 1)
    throw ValueError(fmt::str(std::string(what), ": the tensor is a scalar, expected rank >= 1"));
  return {t.to_plain(), t.shape().drop_front().numel()};
}

std::int64_t first_dim(const Tensor& t, const char* name) {
  if (!t.defined()) throw ValueError(fmt::str(std::string("Dataset: "), name, " is undefined"));
  if (t.rank() < 1)
    throw ValueError(
        fmt::str(std::string("Dataset: "), name, " is a scalar, expected a sample axis"));
  return t.shape()[0];
}

}  // namespace

std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, std::int64_t epoch) {
  if (n < 0 || n >= kMaxEpochRows)
    throw ValueError(fmt::str("epoch_order: n is ", n, ", expected 0 <= n < 2^32"));
  if (epoch < 0 || epoch >= kMaxEpochRows)
    throw ValueError(fmt::str("epoch_order: epoch is ", epoch, ", expected 0 <= epoch < 2^32"));
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  // Each draw takes one Philox block (rarely more, on rejection), so an epoch uses fewer than
  // 2^32 blocks and the streams of different epochs never overlap.
  Philox rng(seed, static_cast<std::uint64_t>(epoch) << 32);
  for (std::int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<std::int64_t>(rng.uniform_int(static_cast<std::uint64_t>(i) + 1));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  return order;
}

Tensor take_rows(const Tensor& t, std::span<const std::int64_t> rows) {
  const auto [src, row_floats] = plain_rows(t, "take_rows");
  const std::int64_t row = row_floats;  // not a structured binding: used in the OpenMP loop
  const std::int64_t n = t.shape()[0];
  const auto count = static_cast<std::int64_t>(rows.size());
  for (std::int64_t i = 0; i < count; ++i)
    if (rows[i] < 0 || rows[i] >= n)
      throw ValueError(fmt::str("take_rows: row ", rows[i], " (at position ", i,
                                ") is out of range for a tensor of shape ", t.shape().str(),
                                ", expected 0 <= row < ", n));
  Tensor out = Tensor::empty(t.shape().with_dim(0, count));
  if (row == 0 || count == 0) return out;
  const float* in = src.data();
  float* o = out.data();
  const auto row_bytes = static_cast<std::size_t>(row) * sizeof(float);
#pragma omp parallel for schedule( \
    static) if (count > 1 && count * static_cast <std::int64_t>(row_bytes) >= kParallelBytes)
  for (std::int64_t i = 0; i < count; ++i) std::memcpy(o + i * row, in + rows[i] * row, row_bytes);
  return out;
}

Tensor slice_rows(const Tensor& t, std::int64_t begin, std::int64_t end) {
  const auto [src, row] = plain_rows(t, "slice_rows");
  const std::int64_t n = t.shape()[0];
  if (begin < 0 || begin > end || end > n)
    throw ValueError(fmt::str("slice_rows: rows [", begin, ", ", end, ") of a tensor of shape ",
                              t.shape().str(), ", expected 0 <= begin <= end <= ", n));
  Tensor out = Tensor::empty(t.shape().with_dim(0, end - begin));
  if (row > 0 && end > begin)
    std::memcpy(out.data(), src.data() + begin * row,
                static_cast<std::size_t>((end - begin) * row) * sizeof(float));
  return out;
}

Dataset::Dataset(Tensor x, Tensor y, Tensor sample_weight)
    : x_(std::move(x)), y_(std::move(y)), sample_weight_(std::move(sample_weight)) {
  size_ = first_dim(x_, "x");
  const std::int64_t ny = first_dim(y_, "y");
  if (ny != size_)
    throw ValueError(fmt::str("Dataset: x has ", size_, " samples (shape ", x_.shape().str(),
                              ") and y has ", ny, " (shape ", y_.shape().str(),
                              "), expected the same number"));
  if (sample_weight_.defined()) {
    const std::int64_t nw = first_dim(sample_weight_, "sample_weight");
    if (nw != size_)
      throw ValueError(fmt::str("Dataset: x has ", size_, " samples and sample_weight has ", nw,
                                " (shape ", sample_weight_.shape().str(),
                                "), expected the same number"));
  }
}

std::int64_t Dataset::num_batches(std::int64_t batch_size) const {
  if (batch_size < 1)
    throw ValueError(fmt::str("Dataset: batch_size is ", batch_size, ", expected >= 1"));
  return (size_ + batch_size - 1) / batch_size;
}

std::vector<std::int64_t> Dataset::order(bool shuffle, std::uint64_t seed,
                                         std::int64_t epoch) const {
  if (shuffle) return epoch_order(size_, seed, epoch);
  std::vector<std::int64_t> o(static_cast<std::size_t>(size_));
  std::iota(o.begin(), o.end(), std::int64_t{0});
  return o;
}

Batch Dataset::batch(std::span<const std::int64_t> order, std::int64_t index,
                     std::int64_t batch_size) const {
  if (batch_size < 1)
    throw ValueError(fmt::str("Dataset: batch_size is ", batch_size, ", expected >= 1"));
  const auto total = static_cast<std::int64_t>(order.size());
  const std::int64_t batches = (total + batch_size - 1) / batch_size;
  if (index < 0 || index >= batches)
    throw ValueError(fmt::str("Dataset: batch index ", index, " is out of range: ", total,
                              " rows in batches of ", batch_size, " make ", batches, " batches"));
  const std::int64_t begin = index * batch_size;
  const std::int64_t end = std::min(begin + batch_size, total);
  return take(
      order.subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin)));
}

Batch Dataset::take(std::span<const std::int64_t> rows) const {
  Batch b{take_rows(x_, rows), take_rows(y_, rows), Tensor()};
  if (sample_weight_.defined()) b.sample_weight = take_rows(sample_weight_, rows);
  return b;
}

}  // namespace keel
