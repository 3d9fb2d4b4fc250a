#include "keel/core/tensor.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <ostream>
#include <sstream>

#include "keel/core/context.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/primitive_cache.h"
#include "keel/core/random.h"

namespace keel {

using dnnl::memory;

dnnl::memory::dims to_dims(const Shape& s) {
  if (!s.is_fully_defined())
    throw ShapeError(fmt::str("Tensor: shape ", s.str(), " has an unknown dimension"));
  if (s.rank() == 0) return {1};  // oneDNN has no rank-0 memory: a scalar is {1}
  // The strides of a zero-length axis still multiply the others: they must stay addressable.
  std::int64_t span = 1;
  for (int i = 0; i < s.rank(); ++i)
    if (__builtin_mul_overflow(span, std::max<std::int64_t>(s[i], 1), &span) ||
        span > (std::int64_t{1} << 56))
      throw ShapeError(
          fmt::str("Tensor: shape ", s, " is larger than keel can address (2^56 elements)"));
  return {s.data(), s.data() + s.rank()};
}

memory::desc row_major_desc(const Shape& s) {
  const auto dims = to_dims(s);
  memory::dims strides(dims.size());
  memory::dim acc = 1;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    strides[i] = acc;
    acc *= std::max<memory::dim>(dims[i], 1);
  }
  return dnnl_adapter::plain_desc(dims, strides);
}

Tensor Tensor::empty(const Shape& shape) { return empty_like_desc(shape, row_major_desc(shape)); }

Tensor Tensor::zeros(const Shape& shape) { return full(shape, 0.f); }
Tensor Tensor::ones(const Shape& shape) { return full(shape, 1.f); }

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  t.fill(value);
  return t;
}

Tensor Tensor::from_data(const Shape& shape, const std::vector<float>& data) {
  if (static_cast<std::int64_t>(data.size()) != shape.numel())
    throw ShapeError(fmt::str("Tensor::from_data: ", data.size(), " values given for shape ",
                              shape.str(), ", expected ", shape.numel()));
  Tensor t = empty(shape);
  std::copy(data.begin(), data.end(), t.data());
  return t;
}

Tensor Tensor::random_uniform(const Shape& shape, float lo, float hi) {
  Tensor t = empty(shape);
  global_rng().fill_uniform({t.data(), static_cast<std::size_t>(t.numel())}, lo, hi);
  return t;
}

Tensor Tensor::random_normal(const Shape& shape, float mean, float stddev) {
  Tensor t = empty(shape);
  global_rng().fill_normal({t.data(), static_cast<std::size_t>(t.numel())}, mean, stddev);
  return t;
}

Tensor Tensor::empty_like_desc(const Shape& shape, const memory::desc& md, Axes axes) {
  return from_buffer(shape, md, allocate(md.get_size()), std::move(axes));
}

Tensor Tensor::from_buffer(const Shape& shape, const memory::desc& md, Buffer buffer, Axes axes) {
  Tensor t;
  t.shape_ = shape;
  t.md_ = md;
  bool identity = true;
  for (std::size_t i = 0; i < axes.size(); ++i) identity &= axes[i] == static_cast<int>(i);
  if (!identity) t.axes_ = std::move(axes);
  t.buffer_ = std::move(buffer);
  return t;
}

Tensor::Axes Tensor::axes() const {
  if (!axes_.empty()) return axes_;
  Axes a(static_cast<std::size_t>(md_.data.ndims));
  std::iota(a.begin(), a.end(), 0);
  return a;
}

memory Tensor::memory() const { return memory_as(md_); }

memory Tensor::memory_as(const memory::desc& md) const {
  return dnnl::memory(md, detail::engine(), buffer_.get());
}

memory::desc plain_view_desc(const Shape& logical, const Tensor::Axes& axes,
                             const memory::dims& given) {
  if (axes.empty() || logical.rank() == 0) return row_major_desc(logical);
  const auto strides_v = row_major_strides(logical);
  memory::dims dims(axes.size()), strides(axes.size());
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const int a = axes[i];
    if (a < 0) {
      dims[i] = 1;
      strides[i] = 1;
      continue;
    }
    const auto inner = std::find(axes.begin() + static_cast<std::ptrdiff_t>(i) + 1, axes.end(), a);
    const auto outer = std::find(axes.begin(), axes.begin() + static_cast<std::ptrdiff_t>(i), a);
    const bool split =
        inner != axes.end() || outer != axes.begin() + static_cast<std::ptrdiff_t>(i);
    if (!split) {
      dims[i] = logical[a];
      strides[i] = strides_v[a];
      continue;
    }
    // A split axis: the outer dim steps over whole inner runs.
    const std::size_t j = inner != axes.end() ? static_cast<std::size_t>(inner - axes.begin())
                                              : static_cast<std::size_t>(outer - axes.begin());
    const std::size_t outer_i = std::min(i, j), inner_i = std::max(i, j);
    if (given.size() != axes.size() || given[outer_i] * given[inner_i] != logical[a])
      throw ShapeError(fmt::str("plain_view_desc: logical axis ", a, " of shape ", logical,
                                " splits into two dims whose lengths ",
                                given.size() == axes.size()
                                    ? fmt::tuple({given[outer_i], given[inner_i]})
                                    : std::string("(not given)"),
                                " do not multiply to ", logical[a]));
    dims[i] = given[i];
    strides[i] = i == inner_i ? strides_v[a] : strides_v[a] * given[inner_i];
  }
  return dnnl_adapter::plain_desc(dims, strides);
}

memory::desc Tensor::plain_desc() const { return plain_view_desc(shape_, axes_, md_.dims()); }

Tensor Tensor::in_axes(const Axes& want) const {
  if (axes() == want) return *this;
  return to_layout(plain_view_desc(shape_, want), want);
}

bool Tensor::is_plain() const { return md_ == plain_desc(); }

void reorder_into(const Tensor& src, const memory& dst) {
  const memory::desc dst_md = dst.get_desc();
  // Nothing to copy for an empty tensor (oneDNN's reorder of a zero-length dim divides by it).
  for (auto d : dst_md.dims())
    if (d == 0) return;
  CacheKey key("reorder");
  key << src.desc() << dst_md;
  auto r = cached_primitive<dnnl::reorder>(
      key, [&] { return dnnl_adapter::reorder(src.desc(), dst_md); });
  r->run({{DNNL_ARG_FROM, src.memory()}, {DNNL_ARG_TO, dst}});
}

Tensor Tensor::to_desc(const memory::desc& md) const {
  if (md == md_) return *this;
  Tensor out = empty_like_desc(shape_, md, axes_);
  reorder_into(*this, out.memory());
  return out;
}

Tensor Tensor::to_layout(const memory::desc& md, const Axes& axes_in) const {
  const Axes want = axes_in;
  if (axes() == want || (axes_.empty() && want.empty())) return to_desc(md);
  const Tensor p = to_plain();
  return from_buffer(shape_, plain_view_desc(shape_, want, md.dims()), p.buffer_, want).to_desc(md);
}

Tensor Tensor::to_plain() const {
  if (!defined()) throw ValueError("Tensor::to_plain: the tensor is undefined");
  if (axes_.empty() && is_plain()) return *this;
  const Tensor p = to_desc(plain_desc());
  return from_buffer(shape_, row_major_desc(shape_), p.buffer_);
}

void Tensor::require_plain(const char* what) const {
  if (!defined()) throw ValueError(fmt::str(std::string(what), ": the tensor is undefined"));
  if (!is_plain())
    throw ValueError(fmt::str(std::string(what),
                              ": the tensor is in a blocked oneDNN layout; call to_plain() first"));
}

float* Tensor::data() {
  require_plain("Tensor::data");
  return static_cast<float*>(buffer_.get());
}

const float* Tensor::data() const {
  require_plain("Tensor::data");
  return static_cast<const float*>(buffer_.get());
}

std::vector<float> Tensor::to_vector() const {
  const Tensor p = to_plain();
  const float* d = p.data();
  return {d, d + p.numel()};
}

float Tensor::item() const {
  if (!defined()) throw ValueError("Tensor::item: the tensor is undefined");
  if (numel() != 1)
    throw ShapeError(fmt::str("Tensor::item: tensor of shape ", shape_.str(), " has ", numel(),
                              " elements, expected exactly one"));
  return to_vector()[0];
}

std::int64_t Tensor::flat_index(std::initializer_list<std::int64_t> index, const char* what) const {
  require_plain(what);
  if (static_cast<int>(index.size()) != shape_.rank())
    throw ShapeError(fmt::str(std::string(what), ": ", index.size(),
                              " indices given for a tensor of rank ", shape_.rank()));
  const auto strides = row_major_strides(shape_);
  std::int64_t flat = 0;
  int axis = 0;
  for (std::int64_t i : index) {
    if (i < 0 || i >= shape_[axis])
      throw ShapeError(fmt::str(std::string(what), ": index ", i, " is out of range for axis ",
                                axis, " of size ", shape_[axis]));
    flat += i * strides[axis++];
  }
  return flat;
}

float Tensor::at(std::initializer_list<std::int64_t> index) const {
  const std::int64_t i = flat_index(index, "Tensor::at");  // checks first: errors name at()
  return data()[i];
}

void Tensor::set(std::initializer_list<std::int64_t> index, float value) {
  const std::int64_t i = flat_index(index, "Tensor::set");
  data()[i] = value;
}

Tensor Tensor::clone() const {
  if (!defined()) return {};
  Tensor out = empty_like_desc(shape_, md_, axes_);
  std::memcpy(out.buffer_.get(), buffer_.get(), md_.get_size());
  return out;
}

Tensor Tensor::reshape(const Shape& shape) const {
  require_plain("Tensor::reshape");
  if (shape.numel() != numel())
    throw ShapeError(fmt::str("reshape: cannot reshape a tensor of shape ", shape_.str(), " (",
                              numel(), " elements) into shape ", shape.str(), " (", shape.numel(),
                              " elements)"));
  return from_buffer(shape, row_major_desc(shape), buffer_);
}

void Tensor::fill(float value) {
  if (!defined()) throw ValueError("Tensor::fill: the tensor is undefined");
  if (is_plain()) {
    float* d = static_cast<float*>(buffer_.get());
    const std::int64_t n = numel();
#pragma omp parallel for simd schedule(static) if (n > (1 << 16))
    for (std::int64_t i = 0; i < n; ++i) d[i] = value;
    return;
  }
  // Blocked: fill a plain copy and reorder in (keeps the zero padding oneDNN relies on).
  Tensor plain = empty_like_desc(shape_, plain_desc(), axes_);
  plain.fill(value);
  Tensor blocked = plain.to_desc(md_);
  std::memcpy(buffer_.get(), blocked.buffer_.get(), md_.get_size());
}

namespace {

void print_axis(std::ostream& os, const float* d, const Shape& s,
                const std::vector<std::int64_t>& st, int axis, std::int64_t offset, int indent) {
  constexpr std::int64_t kEdge = 3;
  const std::int64_t n = s[axis];
  const bool summarize = n > 2 * kEdge + 1 && s.numel() > 1000;
  os << '[';
  for (std::int64_t i = 0; i < n; ++i) {
    if (summarize && i == kEdge) {
      os << (axis + 1 == s.rank() ? "..., " : "...,\n" + std::string(indent + 1, ' '));
      i = n - kEdge;
    }
    if (axis + 1 == s.rank()) {
      os << d[offset + i * st[axis]];
    } else {
      print_axis(os, d, s, st, axis + 1, offset + i * st[axis], indent + 1);
    }
    if (i + 1 < n) os << (axis + 1 == s.rank() ? ", " : ",\n" + std::string(indent + 1, ' '));
  }
  os << ']';
}

}  // namespace

std::string Tensor::str() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "Tensor(undefined)";
  const Tensor p = t.to_plain();
  // Rows of nested axes are indented to sit under the first row, one column per '['.
  const std::string prefix = "Tensor(shape=" + t.shape().str() + ", ";
  os << prefix;
  if (t.rank() == 0) {
    os << p.data()[0];
  } else if (t.numel() == 0) {
    os << "[]";
  } else {
    print_axis(os, p.data(), t.shape(), row_major_strides(t.shape()), 0, 0,
               static_cast<int>(prefix.size()));
  }
  return os << ')';
}

}  // namespace keel
