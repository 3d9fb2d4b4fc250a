// The Keras 1 pooling layers (KERAS1_SEMANTICS.md 12.4): MaxPooling1D/2D/3D,
// AveragePooling1D/2D/3D, GlobalMaxPooling1D/2D/3D, GlobalAveragePooling1D/2D/3D. No weights.
//
//   MaxPooling1D(3, {.stride = 1})               pool_length (default 2); stride None = pool_length
//   MaxPooling2D({2, 2}, {.border_mode = "same"}) pool_size (rows, cols), default (2, 2);
//                                                strides empty (None) = pool_size
//   AveragePooling3D({2, 2, 2}, {.dim_ordering = "th"})
//   MaxPooling2D(3)                              keel extension (Keras 1 wanted a tuple): all axes
//   GlobalAveragePooling2D({.dim_ordering = "th"})
//
// Input: the 1D layers take (batch, steps, features) always; 2D/3D follow dim_ordering
// ("default" is keel::default_dim_ordering(), resolved at construction): tf (batch, rows, cols,
// channels) / (batch, dim1, dim2, dim3, channels), th channels first. Output lengths are
// conv_output_length(L, pool, border_mode, stride) (None stays None): valid keeps only full
// windows (45 rows, pool 2 -> 22), same gives ceil(L / stride) with TensorFlow's padding (the
// odd extra cell at the end). Max pooling never picks a padded cell; average pooling divides
// by the number of real cells in each window (TF 'same'). Global layers reduce every spatial
// axis: (batch, channels) out.
// They run on oneDNN pooling primitives (autograd/pooling.h), in the layout of their input:
// the blocked output of a convolution is pooled without a reorder. The max gradient goes to
// the first maximum of each window.
//
// get_config(): 1D {pool_length, stride, border_mode}; 2D/3D {pool_size, strides, border_mode,
// dim_ordering}, strides resolved (as Keras stores them); global 2D/3D {dim_ordering}, 1D {}.
// from_config (layer_from_config) reads them back; unknown keys are ValueErrors.
//
// Errors: ValueError at construction for a pool size or stride < 1, a list of the wrong length,
// border_mode 'full' or another unknown mode, an unknown dim_ordering; ShapeError at build for
// an input of the wrong rank (naming the layout) or a 'valid' window longer than its axis.
//
// The classes are movable (a model takes them by value). GCC 12 then reports a call whose only
// argument is a designated-initializer list, MaxPooling2D({.border_mode = "same"}), as
// ambiguous with the move constructor of the classes with a list constructor: name the
// argument's type there, MaxPooling2D(Pooling2DOptions{.border_mode = "same"}) (as in
// layers/upsampling.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "keel/autograd/pooling.h"
#include "keel/core/config.h"
#include "keel/layers/conv_arithmetic.h"
#include "keel/layers/layer.h"

namespace keel::layers {

struct Pooling1DOptions {
  std::optional<std::int64_t> stride;  // None: pool_length
  std::string border_mode = "valid";
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct Pooling2DOptions {
  std::vector<std::int64_t> strides;  // one per spatial axis; empty = None: pool_size
  std::string border_mode = "valid";
  std::string dim_ordering = "default";
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};
using Pooling3DOptions = Pooling2DOptions;

struct GlobalPooling1DOptions {
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct GlobalPooling2DOptions {
  std::string dim_ordering = "default";
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};
using GlobalPooling3DOptions = GlobalPooling2DOptions;

// What the windowed pooling layers share.
class PoolingBase : public Layer {
 public:
  DimOrdering dim_ordering() const { return ordering_; }
  BorderMode border_mode() const { return border_; }
  PoolingAlgorithm algorithm() const { return algorithm_; }
  // Per spatial axis, in spatial order.
  const std::vector<std::int64_t>& pool_size() const { return pool_; }
  const std::vector<std::int64_t>& strides() const { return strides_; }

 protected:
  // `strides` empty means the pool size; `dim_ordering` is ignored for rank 1.
  PoolingBase(std::string class_name, int rank, PoolingAlgorithm algorithm,
              std::span<const std::int64_t> pool_size, const std::vector<std::int64_t>& strides,
              const std::string& border_mode, const std::string& dim_ordering,
              const BaseOptions& base);

  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
  Config layer_config() const override;

 private:
  int rank_;
  PoolingAlgorithm algorithm_;
  DimOrdering ordering_ = DimOrdering::tf;
  BorderMode border_ = BorderMode::valid;
  std::vector<std::int64_t> pool_, strides_;
};

// What the global pooling layers share.
class GlobalPoolingBase : public Layer {
 public:
  DimOrdering dim_ordering() const { return ordering_; }
  PoolingAlgorithm algorithm() const { return algorithm_; }

 protected:
  GlobalPoolingBase(std::string class_name, int rank, PoolingAlgorithm algorithm,
                    const std::string& dim_ordering, const BaseOptions& base);

  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
  Config layer_config() const override;

 private:
  int rank_;
  PoolingAlgorithm algorithm_;
  DimOrdering ordering_ = DimOrdering::tf;
};

class MaxPooling1D : public PoolingBase {
 public:
  explicit MaxPooling1D(const Pooling1DOptions& options = {});  // pool_length = 2
  explicit MaxPooling1D(std::int64_t pool_length, const Pooling1DOptions& options = {});
};

class AveragePooling1D : public PoolingBase {
 public:
  explicit AveragePooling1D(const Pooling1DOptions& options = {});  // pool_length = 2
  explicit AveragePooling1D(std::int64_t pool_length, const Pooling1DOptions& options = {});
};

class MaxPooling2D : public PoolingBase {
 public:
  MaxPooling2D(MaxPooling2D&&) = default;  // movable: model.add(MaxPooling2D(...))
  explicit MaxPooling2D(const Pooling2DOptions& options = {});  // pool_size = (2, 2)
  explicit MaxPooling2D(std::int64_t pool_size, const Pooling2DOptions& options = {});
  // (rows, cols).
  explicit MaxPooling2D(std::initializer_list<std::int64_t> pool_size,
                        const Pooling2DOptions& options = {});
  explicit MaxPooling2D(std::span<const std::int64_t> pool_size,
                        const Pooling2DOptions& options = {});
};

class AveragePooling2D : public PoolingBase {
 public:
  AveragePooling2D(AveragePooling2D&&) = default;
  explicit AveragePooling2D(const Pooling2DOptions& options = {});  // pool_size = (2, 2)
  explicit AveragePooling2D(std::int64_t pool_size, const Pooling2DOptions& options = {});
  explicit AveragePooling2D(std::initializer_list<std::int64_t> pool_size,
                            const Pooling2DOptions& options = {});
  explicit AveragePooling2D(std::span<const std::int64_t> pool_size,
                            const Pooling2DOptions& options = {});
};

class MaxPooling3D : public PoolingBase {
 public:
  MaxPooling3D(MaxPooling3D&&) = default;  // movable: model.add(MaxPooling3D(...))
  explicit MaxPooling3D(const Pooling3DOptions& options = {});  // pool_size = (2, 2, 2)
  explicit MaxPooling3D(std::int64_t pool_size, const Pooling3DOptions& options = {});
  // (dim1, dim2, dim3).
  explicit MaxPooling3D(std::initializer_list<std::int64_t> pool_size,
                        const Pooling3DOptions& options = {});
  explicit MaxPooling3D(std::span<const std::int64_t> pool_size,
                        const Pooling3DOptions& options = {});
};

class AveragePooling3D : public PoolingBase {
 public:
  AveragePooling3D(AveragePooling3D&&) = default;
  explicit AveragePooling3D(const Pooling3DOptions& options = {});  // pool_size = (2, 2, 2)
  explicit AveragePooling3D(std::int64_t pool_size, const Pooling3DOptions& options = {});
  explicit AveragePooling3D(std::initializer_list<std::int64_t> pool_size,
                            const Pooling3DOptions& options = {});
  explicit AveragePooling3D(std::span<const std::int64_t> pool_size,
                            const Pooling3DOptions& options = {});
};

class GlobalMaxPooling1D : public GlobalPoolingBase {
 public:
  explicit GlobalMaxPooling1D(const GlobalPooling1DOptions& options = {});
};

class GlobalAveragePooling1D : public GlobalPoolingBase {
 public:
  explicit GlobalAveragePooling1D(const GlobalPooling1DOptions& options = {});
};

class GlobalMaxPooling2D : public GlobalPoolingBase {
 public:
  explicit GlobalMaxPooling2D(const GlobalPooling2DOptions& options = {});
};

class GlobalAveragePooling2D : public GlobalPoolingBase {
 public:
  explicit GlobalAveragePooling2D(const GlobalPooling2DOptions& options = {});
};

class GlobalMaxPooling3D : public GlobalPoolingBase {
 public:
  explicit GlobalMaxPooling3D(const GlobalPooling3DOptions& options = {});
};

class GlobalAveragePooling3D : public GlobalPoolingBase {
 public:
  explicit GlobalAveragePooling3D(const GlobalPooling3DOptions& options = {});
};

}  // namespace keel::layers
