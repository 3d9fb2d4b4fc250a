// An in-memory dataset of (x, y[, sample_weight]) tensors whose first axis is the sample, with
// seeded per-epoch shuffling and batch gathering for a fit loop:
//
//   Dataset ds(x, y);
//   for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
//     const auto order = ds.order(/*shuffle=*/true, seed, epoch);
//     for (std::int64_t b = 0; b < ds.num_batches(batch_size); ++b) {
//       const Batch batch = ds.batch(order, b, batch_size);  // batch.x, batch.y, ...
//     }
//   }
//
// The shuffle of an epoch is a function of (seed, epoch) only: a Philox stream keyed by `seed`
// whose counter starts at epoch * 2^32 drives a Fisher-Yates shuffle. Restoring (seed, epoch)
// from a checkpoint restores the order exactly, whatever the global RNG did meanwhile.
//
// Gathered batches are new plain row-major tensors. Throws ValueError for mismatched sample
// counts, rows out of range and bad batch sizes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "keel/core/tensor.h"

namespace keel {

// A permutation of 0..n-1 for `epoch` (>= 0), reproducible from (seed, epoch); different epochs
// give independent orders. ValueError if n < 0, n >= 2^32 or epoch < 0.
std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, std::int64_t epoch);

// Rows `rows` of the first axis of `t` (rank >= 1), in that order, as a new plain tensor of
// shape (rows.size(), t.shape[1:]...). Repeats are allowed. ValueError if a row is out of range.
Tensor take_rows(const Tensor& t, std::span<const std::int64_t> rows);

// Rows [begin, end) of the first axis of `t` as a new plain tensor.
// ValueError unless 0 <= begin <= end <= t.shape[0].
Tensor slice_rows(const Tensor& t, std::int64_t begin, std::int64_t end);

struct Batch {
  Tensor x;
  Tensor y;
  Tensor sample_weight;  // undefined when the dataset has none
};

class Dataset {
 public:
  // x, y and sample_weight (optional: an undefined Tensor) must have the same first dimension;
  // ValueError naming both lengths otherwise.
  Dataset(Tensor x, Tensor y, Tensor sample_weight = Tensor());

  std::int64_t size() const { return size_; }
  const Tensor& x() const { return x_; }
  const Tensor& y() const { return y_; }
  const Tensor& sample_weight() const { return sample_weight_; }
  bool has_sample_weight() const { return sample_weight_.defined(); }

  // ceil(size / batch_size): the last batch holds the remainder, as in Keras.
  // ValueError if batch_size < 1.
  std::int64_t num_batches(std::int64_t batch_size) const;

  // The row order of `epoch`: epoch_order(size, seed, epoch) when shuffling, else 0..size-1.
  std::vector<std::int64_t> order(bool shuffle, std::uint64_t seed, std::int64_t epoch) const;

  // Batch `index` (0 <= index < num_batches) of `order`: the rows
  // order[index * batch_size, min((index + 1) * batch_size, order.size())) of x, y and
  // sample_weight. ValueError if index is out of range.
  Batch batch(std::span<const std::int64_t> order, std::int64_t index,
              std::int64_t batch_size) const;

  // The rows `rows` of x, y and sample_weight.
  Batch take(std::span<const std::int64_t> rows) const;

 private:
  Tensor x_, y_, sample_weight_;
  std::int64_t size_ = 0;
};

}  // namespace keel
