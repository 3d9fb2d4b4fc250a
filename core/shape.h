// Shape: the dimensions of a tensor in Keras order (batch first, then the layer's
// dim_ordering). Up to kMaxRank dimensions (a 3D convolution input is rank 5: batch + 3
// spatial + channels). A dimension may be unknown (`Shape::kUnknown`), as Keras's `None` batch
// during static shape inference; such a shape prints "None" there and has no element count.
//
// Throws ShapeError for ranks above kMaxRank and negative dimensions other than kUnknown.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace keel {

class Shape {
 public:
  static constexpr int kMaxRank = 6;
  static constexpr std::int64_t kUnknown = -1;

  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims);
  explicit Shape(std::span<const std::int64_t> dims);
  explicit Shape(const std::vector<std::int64_t>& dims)
      : Shape(std::span<const std::int64_t>(dims.data(), dims.size())) {}

  int rank() const { return rank_; }
  std::int64_t operator[](int axis) const;
  std::int64_t& operator[](int axis);
  // Axis `axis` counted from the end when negative (-1 is the last axis).
  std::int64_t at(int axis) const;

  bool is_fully_defined() const;
  // Number of elements; ShapeError if a dimension is unknown.
  std::int64_t numel() const;

  std::vector<std::int64_t> vec() const { return {dims_.begin(), dims_.begin() + rank_}; }
  const std::int64_t* data() const { return dims_.data(); }

  // Resolves a possibly negative axis against this rank; ShapeError naming `what` if out of range.
  int normalize_axis(int axis, const char* what) const;

  Shape with_dim(int axis, std::int64_t value) const;
  Shape prepend(std::int64_t dim) const;  // e.g. add the batch dimension
  Shape drop_front() const;               // e.g. drop the batch dimension

  // "(None, 10, 64)" like Keras; "()" for a scalar and "(3,)" for rank 1.
  std::string str() const;

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  std::array<std::int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

// Row-major strides (in elements) of a fully defined shape.
std::vector<std::int64_t> row_major_strides(const Shape& s);

// The shape NumPy broadcasting gives for a and b; ShapeError naming `op` if incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace keel
