// UpSampling1D / UpSampling2D / UpSampling3D: Keras 1 nearest-neighbour upsampling by integer
// factors (KERAS1_SEMANTICS.md 3.7-3.9). No weights.
//
// Input: UpSampling1D (batch, steps, features) always; 2D/3D follow dim_ordering ("default" is
// keel::default_dim_ordering(), resolved at construction): tf (batch, rows, cols, channels) /
// (batch, dim1, dim2, dim3, channels), th channels first. Every element is repeated factor
// times along its spatial axis, y[..., i, ...] = x[..., i / factor, ...]; the output length is
// length * factor (None stays None). The gradient sums dy over each block.
//
//   UpSampling1D(3)                     length: each step 3 times; default 2
//   UpSampling2D({2, 3})                size (rows, cols); default (2, 2)
//   UpSampling3D({2, 1, 3})             size (dim1, dim2, dim3); default (2, 2, 2)
//   UpSampling2D(2), UpSampling3D(2)    keel extension (Keras 1 refused a bare int): every axis
// get_config() stores `length` (1D) or `size` as a list and, for 2D/3D, the resolved
// `dim_ordering` (Keras 1.2.2 left it out). from_config (layer_from_config) accepts ints and
// lists; unknown config keys are ValueErrors.
//
// Errors: ValueError at construction for a factor < 1, a size of the wrong length, an unknown
// dim_ordering; ShapeError at build for an input of the wrong rank, naming the layout.
// Runs on the upsample_nearest op (autograd/resize_ops.h): blocked and channels-last inputs keep
// their layout, a plain channels-first input is computed channels-last (oneDNN's resampling
// backward is ~20x slower on it).
//
// The classes are movable (a model takes them by value). GCC 12 then reports a call whose only
// argument is a designated-initializer list, X({.field = v}), as ambiguous with the move
// constructor: name the argument's type there, e.g. ZeroPadding1D(ZeroPadding1D::Padding{.left_pad
// = 2}) or UpSampling2D(UpSampling2DOptions{.trainable = false}).
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <vector>

#include "keel/layers/spatial_layer.h"

namespace keel::layers {

struct UpSampling1DOptions {
  std::int64_t length = 2;  // positional
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = UpSampling1DOptions;
    return std::tuple_cat(kwargs::fields(kwargs::field("length", &O::length, kwargs::positive())),
                          base_fields<O>());
  }
};

template <std::size_t N>
struct UpSamplingNDOptions {
  kwargs::Ints<N> size = 2;  // positional
  std::string dim_ordering = "default";
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = UpSamplingNDOptions;
    return std::tuple_cat(
        kwargs::fields(kwargs::field("size", &O::size, kwargs::positive()),
                       kwargs::field("dim_ordering", &O::dim_ordering, dim_ordering_rule())),
        base_fields<O>());
  }
};
using UpSampling2DOptions = UpSamplingNDOptions<2>;
using UpSampling3DOptions = UpSamplingNDOptions<3>;

// What the three UpSampling layers share: the factor per spatial axis and the op.
template <class O, int Rank>
class UpSamplingND : public WithOptions<O, SpatialLayer> {
 public:
  // The repetition factor of each spatial axis, in spatial order.
  const std::vector<std::int64_t>& factors() const { return factors_; }

 protected:
  UpSamplingND(std::string class_name, const O& o);
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;

 private:
  std::vector<std::int64_t> factors_;
};

class UpSampling1D : public UpSamplingND<UpSampling1DOptions, 1> {
 public:
  explicit UpSampling1D(std::int64_t length = 2, Options o = {})
      : UpSampling1D(with_args(std::move(o), &Options::length, length)) {}
  template <std::same_as<Options> Same>
  explicit UpSampling1D(const Same& o) : UpSamplingND("UpSampling1D", o) {}
};

class UpSampling2D : public UpSamplingND<UpSampling2DOptions, 2> {
 public:
  explicit UpSampling2D(kwargs::Ints<2> size = 2, Options o = {})
      : UpSampling2D(with_args(std::move(o), &Options::size, std::move(size))) {}
  template <std::same_as<Options> Same>
  explicit UpSampling2D(const Same& o) : UpSamplingND("UpSampling2D", o) {}
};

class UpSampling3D : public UpSamplingND<UpSampling3DOptions, 3> {
 public:
  explicit UpSampling3D(kwargs::Ints<3> size = 2, Options o = {})
      : UpSampling3D(with_args(std::move(o), &Options::size, std::move(size))) {}
  template <std::same_as<Options> Same>
  explicit UpSampling3D(const Same& o) : UpSamplingND("UpSampling3D", o) {}
};

}  // namespace keel::layers
