#include "keel/core/shape.h"

#include <algorithm>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

Shape::Shape(std::initializer_list<std::int64_t> dims)
    : Shape(std::span<const std::int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const std::int64_t> dims) {
  if (dims.size() > static_cast<std::size_t>(kMaxRank))
    throw ShapeError(fmt::str("Shape: rank ", dims.size(), " exceeds the maximum rank ", kMaxRank));
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 && dims[i] != kUnknown)
      throw ShapeError(fmt::str("Shape: dimension ", i, " is ", dims[i],
                                ", expected a size >= 0 or unknown (None)"));
    dims_[i] = dims[i];
  }
  rank_ = static_cast<int>(dims.size());
}

std::int64_t Shape::operator[](int axis) const { return dims_[static_cast<std::size_t>(axis)]; }
std::int64_t& Shape::operator[](int axis) { return dims_[static_cast<std::size_t>(axis)]; }

std::int64_t Shape::at(int axis) const { return dims_[normalize_axis(axis, "Shape::at")]; }

int Shape::normalize_axis(int axis, const char* what) const {
  const int a = axis < 0 ? axis + rank_ : axis;
  if (a < 0 || a >= rank_)
    throw ShapeError(fmt::str(std::string(what), ": axis ", axis,
                              " is out of range for a tensor of rank ", rank_, " (expected ",
                              -rank_, " <= axis < ", rank_, ")"));
  return a;
}

bool Shape::is_fully_defined() const {
  return std::none_of(dims_.begin(), dims_.begin() + rank_,
                      [](std::int64_t d) { return d == kUnknown; });
}

std::int64_t Shape::numel() const {
  if (!is_fully_defined())
    throw ShapeError(fmt::str("Shape ", str(), " has an unknown dimension and no element count"));
  std::int64_t n = 1;
  for (int i = 0; i < rank_; ++i)
    if (__builtin_mul_overflow(n, dims_[i], &n) || n > (std::int64_t{1} << 56))
      throw ShapeError(
          fmt::str("Shape ", str(), " has more elements than keel can address (2^56)"));
  return n;
}

Shape Shape::with_dim(int axis, std::int64_t value) const {
  Shape s = *this;
  s.dims_[normalize_axis(axis, "Shape::with_dim")] = value;
  return s;
}

Shape Shape::prepend(std::int64_t dim) const {
  std::vector<std::int64_t> d{dim};
  d.insert(d.end(), dims_.begin(), dims_.begin() + rank_);
  return Shape(d);
}

Shape Shape::drop_front() const {
  if (rank_ == 0) throw ShapeError("Shape::drop_front: shape () has no leading dimension");
  return Shape(std::span<const std::int64_t>(dims_.data() + 1, rank_ - 1));
}

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += dims_[i] == kUnknown ? "None" : std::to_string(dims_[i]);
  }
  if (rank_ == 1) s += ",";
  return s + ")";
}

bool operator==(const Shape& a, const Shape& b) {
  return a.rank_ == b.rank_ &&
         std::equal(a.dims_.begin(), a.dims_.begin() + a.rank_, b.dims_.begin());
}

std::vector<std::int64_t> row_major_strides(const Shape& s) {
  std::vector<std::int64_t> st(s.rank());
  std::int64_t acc = 1;
  for (int i = s.rank() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= std::max<std::int64_t>(s[i], 1);
  }
  return st;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int r = std::max(a.rank(), b.rank());
  std::vector<std::int64_t> out(r);
  for (int i = 0; i < r; ++i) {
    const int ia = a.rank() - r + i, ib = b.rank() - r + i;
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(fmt::str(std::string(op), ": shapes ", a.str(), " and ", b.str(),
                                " cannot be broadcast together (axis ", i, ": ", da, " vs ", db,
                                ")"));
    out[i] = da == 1 ? db : da;
  }
  return Shape(out);
}

}  // namespace keel
