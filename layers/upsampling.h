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
// A std::span overload takes a size known only at run time; the options-only constructor keeps
// Keras's default.
//
// get_config() stores `length` (1D) or `size` in the form given and, for 2D/3D, the resolved
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

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "keel/core/config.h"
#include "keel/layers/layer.h"

namespace keel::layers {

struct UpSampling1DOptions {
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct UpSampling2DOptions {
  std::string dim_ordering = "default";
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};
using UpSampling3DOptions = UpSampling2DOptions;

// What the three UpSampling layers share: the factor per spatial axis, the layout and the op.
class UpSamplingBase : public Layer {
 public:
  DimOrdering dim_ordering() const { return ordering_; }
  // The repetition factor of each spatial axis, in spatial order.
  const std::vector<std::int64_t>& factors() const { return factors_; }

 protected:
  // `dim_ordering` is ignored for rank 1 (always channels last).
  UpSamplingBase(std::string class_name, int rank, const std::string& dim_ordering,
                 const BaseOptions& base);
  // Validates (ValueError for a wrong count or a factor < 1) and stores the factors; `arg` is
  // the Keras argument ("length", "size") and `form` its value as get_config() reports it.
  void set_factors(std::span<const std::int64_t> factors, const char* arg, Config form);

  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
  Config layer_config() const override;

 private:
  int rank_;
  DimOrdering ordering_;
  std::vector<std::int64_t> factors_;
  const char* arg_ = "size";
  Config form_;
};

class UpSampling1D : public UpSamplingBase {
 public:
  UpSampling1D(UpSampling1D&&) = default;
  explicit UpSampling1D(const UpSampling1DOptions& options = {});  // length = 2
  explicit UpSampling1D(std::int64_t length, const UpSampling1DOptions& options = {});
};

class UpSampling2D : public UpSamplingBase {
 public:
  UpSampling2D(UpSampling2D&&) = default;
  explicit UpSampling2D(const UpSampling2DOptions& options = {});  // size = (2, 2)
  explicit UpSampling2D(std::int64_t size, const UpSampling2DOptions& options = {});
  // (rows, cols).
  explicit UpSampling2D(std::initializer_list<std::int64_t> size,
                        const UpSampling2DOptions& options = {});
  explicit UpSampling2D(std::span<const std::int64_t> size,
                        const UpSampling2DOptions& options = {});
};

class UpSampling3D : public UpSamplingBase {
 public:
  UpSampling3D(UpSampling3D&&) = default;
  explicit UpSampling3D(const UpSampling3DOptions& options = {});  // size = (2, 2, 2)
  explicit UpSampling3D(std::int64_t size, const UpSampling3DOptions& options = {});
  // (dim1, dim2, dim3).
  explicit UpSampling3D(std::initializer_list<std::int64_t> size,
                        const UpSampling3DOptions& options = {});
  explicit UpSampling3D(std::span<const std::int64_t> size,
                        const UpSampling3DOptions& options = {});
};

}  // namespace keel::layers
