// Tensor: a handle to a oneDNN memory — a descriptor and a shared buffer from the caching
// allocator — with a logical shape in Keras order.
//
// The memory descriptor's dims are in oneDNN's order, which for image data is {N, C, spatial}
// whatever the Keras dim_ordering is. `axes()` maps them: descriptor dim i is logical axis
// axes()[i] (identity for most tensors; {0, 3, 1, 2} for a tf-ordered (N, H, W, C) image held
// as oneDNN {N, C, H, W}). Two more forms let a Keras kernel meet oneDNN's grouped weights:
//  - -1 is a unit dim that has no logical axis (the IC/G = 1 of a depthwise kernel);
//  - a logical axis named twice splits into two descriptor dims, the first the outer one: the
//    Keras kernel (kh, kw, C/G, F) is the grouped {G, F/G, C/G, kh, kw} with axes
//    {3, 3, 2, 0, 1}; the descriptor's dims tell the split (their product is the axis' length).
// The descriptor may be a blocked layout chosen by oneDNN (e.g. nChw16c); `is_plain()` tells
// whether the buffer is row-major in the logical order, and `to_plain()` returns such a tensor
// (itself when already plain, else a cached reorder). A `Layout` names a descriptor and its
// axes together: where a weight lives (autograd/variable.h states the rule).
//
// Copying a Tensor shares the buffer (like a shared_ptr); `clone()` copies data.
// Element access, std::vector in/out and printing need a plain tensor and check it:
// `at()`/`data()` throw ValueError on a blocked tensor; `to_vector()` and printing convert.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

#include "keel/core/allocator.h"
#include "keel/core/dtype.h"
#include "keel/core/shape.h"

namespace keel {

class Tensor;

// A oneDNN descriptor and the logical axis of each of its dims (empty axes: identity).
struct Layout {
  dnnl::memory::desc desc;
  std::vector<int> axes;
};

class Tensor {
 public:
  using Axes = std::vector<int>;

  Tensor() = default;  // undefined: holds no memory

  // --- factories (plain, row-major) -----------------------------------------------------------
  static Tensor empty(const Shape& shape);  // uninitialised
  static Tensor zeros(const Shape& shape);
  static Tensor ones(const Shape& shape);
  static Tensor full(const Shape& shape, float value);
  static Tensor scalar(float value) { return full(Shape{}, value); }
  // Copies `data`; ShapeError if its size is not shape.numel().
  static Tensor from_data(const Shape& shape, const std::vector<float>& data);
  // Draws from the global seeded RNG (core/random.h).
  static Tensor random_uniform(const Shape& shape, float lo = 0.f, float hi = 1.f);
  static Tensor random_normal(const Shape& shape, float mean = 0.f, float stddev = 1.f);

  // A tensor on a new buffer for descriptor `md` (oneDNN order) of logical shape `shape`.
  static Tensor empty_like_desc(const Shape& shape, const dnnl::memory::desc& md, Axes axes = {});
  // Views `buffer` through `md`.
  static Tensor from_buffer(const Shape& shape, const dnnl::memory::desc& md, Buffer buffer,
                            Axes axes = {});

  // --- metadata ------------------------------------------------------------------------------
  bool defined() const { return buffer_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  std::int64_t numel() const { return shape_.numel(); }
  DType dtype() const { return DType::f32; }
  const dnnl::memory::desc& desc() const { return md_; }
  // Logical axis of each descriptor dim (-1 for an added unit dim).
  Axes axes() const;
  const Buffer& buffer() const { return buffer_; }
  // A oneDNN memory over this tensor's buffer.
  dnnl::memory memory() const;
  // The same buffer described as `md` (must not be larger than the buffer).
  dnnl::memory memory_as(const dnnl::memory::desc& md) const;

  // The plain row-major descriptor of this tensor's logical shape, in its descriptor's dim order.
  dnnl::memory::desc plain_desc() const;
  // The buffer is row-major in the logical order (whatever the descriptor's dim order).
  bool is_plain() const;
  // A row-major tensor in the logical order, with identity axes: itself when it already is one.
  Tensor to_plain() const;
  // Reorders into descriptor `md` (same logical shape and dim order); returns *this if equal.
  Tensor to_desc(const dnnl::memory::desc& md) const;
  // This tensor held as `md` whose dims map to logical axes `axes` (see plain_view_desc):
  // itself when it already is, else one reorder.
  Tensor to_layout(const dnnl::memory::desc& md, const Axes& axes) const;
  Tensor to_layout(const Layout& layout) const { return to_layout(layout.desc, layout.axes); }
  Layout layout() const { return {md_, axes()}; }
  // This tensor with its descriptor dims in `axes` order: itself when they already are (any
  // layout), else its plain form viewed in that order (no copy when it is plain). How an op
  // sees a Keras tensor in oneDNN's {N, C, spatial...} order.
  Tensor in_axes(const Axes& axes) const;

  // --- data access (plain tensors) -----------------------------------------------------------
  float* data();
  const float* data() const;
  std::vector<float> to_vector() const;
  float item() const;  // the only element of a one-element tensor
  float at(std::initializer_list<std::int64_t> index) const;
  void set(std::initializer_list<std::int64_t> index, float value);

  Tensor clone() const;
  // Same buffer, new shape with the same element count (plain tensors only).
  Tensor reshape(const Shape& shape) const;
  // Fills every element (any layout).
  void fill(float value);

  std::string str() const;

 private:
  std::int64_t flat_index(std::initializer_list<std::int64_t> index, const char* what) const;
  void require_plain(const char* what) const;

  Shape shape_;
  dnnl::memory::desc md_;
  Axes axes_;  // empty means identity
  Buffer buffer_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Copies `src` into the memory `dst` (same dims, any layouts) with a cached reorder.
void reorder_into(const Tensor& src, const dnnl::memory& dst);

// The descriptor whose dim i is logical axis axes[i] of a row-major buffer of `logical` shape:
// a strided view in another dim order. An entry -1 adds a unit dim; an axis named twice is
// split, and then `dims` (the viewing descriptor's dims) gives the two lengths. Identity when
// axes is empty. ShapeError for a split whose lengths do not multiply to the axis' length.
dnnl::memory::desc plain_view_desc(const Shape& logical, const Tensor::Axes& axes,
                                   const dnnl::memory::dims& dims = {});

// The row-major f32 descriptor of a fully defined shape (a scalar is {1}).
dnnl::memory::desc row_major_desc(const Shape& s);

// A oneDNN dims vector from a fully defined Shape.
dnnl::memory::dims to_dims(const Shape& s);

}  // namespace keel
