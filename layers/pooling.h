// The Keras 1 pooling layers (KERAS1_SEMANTICS.md 12.4): MaxPooling1D/2D/3D,
// AveragePooling1D/2D/3D, GlobalMaxPooling1D/2D/3D, GlobalAveragePooling1D/2D/3D. No weights.
//
//   MaxPooling1D(3, {.stride = 1})               pool_length (default 2); stride None = pool_length
//   MaxPooling2D({2, 2}, {.border_mode = "same"}) pool_size (rows, cols), default (2, 2);
//                                                strides empty (None) = pool_size, resolved at
//                                                construction (what get_config() writes)
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

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "keel/autograd/pooling.h"
#include "keel/core/config.h"
#include "keel/layers/detail/conv_arithmetic.h"
#include "keel/layers/layer.h"

namespace keel::layers {

// strides: None (empty) or one stride per spatial axis, each >= 1.
kwargs::Rule<std::vector<std::int64_t>> pool_strides_rule(std::size_t rank);

struct Pooling1DOptions {
  std::int64_t pool_length = 2;        // positional
  std::optional<std::int64_t> stride;  // None: pool_length
  std::string border_mode = "valid";
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = Pooling1DOptions;
    using kwargs::field;
    return std::tuple_cat(
        kwargs::fields(
            field("pool_length", &O::pool_length, kwargs::positive()),
            field("stride", &O::stride, kwargs::if_given<std::int64_t>(kwargs::positive())),
            field("border_mode", &O::border_mode, border_mode_rule({"valid", "same"}))),
        base_fields<O>());
  }
};

template <std::size_t N>
struct PoolingNDOptions {
  kwargs::Ints<N> pool_size = 2;      // positional
  std::vector<std::int64_t> strides;  // empty = None: pool_size
  std::string border_mode = "valid";
  std::string dim_ordering = "default";
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = PoolingNDOptions;
    using kwargs::field;
    return std::tuple_cat(
        kwargs::fields(field("pool_size", &O::pool_size, kwargs::positive()),
                       field("strides", &O::strides, pool_strides_rule(N)),
                       field("border_mode", &O::border_mode, border_mode_rule({"valid", "same"})),
                       field("dim_ordering", &O::dim_ordering, dim_ordering_rule())),
        base_fields<O>());
  }
};
using Pooling2DOptions = PoolingNDOptions<2>;
using Pooling3DOptions = PoolingNDOptions<3>;

struct GlobalPooling1DOptions {
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() { return base_fields<GlobalPooling1DOptions>(); }
};

struct GlobalPooling2DOptions {
  std::string dim_ordering = "default";
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = GlobalPooling2DOptions;
    return std::tuple_cat(
        kwargs::fields(kwargs::field("dim_ordering", &O::dim_ordering, dim_ordering_rule())),
        base_fields<O>());
  }
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
  PoolingBase(std::string class_name, const BaseOptions& base)
      : Layer(std::move(class_name), base) {}
  // Called by each constructor after accept_options(): the resolved geometry.
  void configure(int rank, PoolingAlgorithm algorithm, std::vector<std::int64_t> pool_size,
                 std::vector<std::int64_t> strides, const std::string& border_mode,
                 DimOrdering ordering);

  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;

 private:
  int rank_ = 1;
  PoolingAlgorithm algorithm_ = PoolingAlgorithm::max;
  DimOrdering ordering_ = DimOrdering::tf;
  BorderMode border_ = BorderMode::valid;
  std::vector<std::int64_t> pool_, strides_;
};

// A windowed pooling layer of `Rank` spatial axes and algorithm `A`, with its Keras options.
template <class O, int Rank, PoolingAlgorithm A>
class WindowPooling : public WithOptions<O, PoolingBase> {
 protected:
  WindowPooling(std::string class_name, const O& o);
};

// What the global pooling layers share.
class GlobalPoolingBase : public Layer {
 public:
  DimOrdering dim_ordering() const { return ordering_; }
  PoolingAlgorithm algorithm() const { return algorithm_; }

 protected:
  GlobalPoolingBase(std::string class_name, const BaseOptions& base, int rank,
                    PoolingAlgorithm algorithm)
      : Layer(std::move(class_name), base), rank_(rank), algorithm_(algorithm) {}
  void set_ordering(DimOrdering ordering) { ordering_ = ordering; }

  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;

 private:
  int rank_;
  PoolingAlgorithm algorithm_;
  DimOrdering ordering_ = DimOrdering::tf;
};

template <class O, int Rank, PoolingAlgorithm A>
class GlobalPooling : public WithOptions<O, GlobalPoolingBase> {
 protected:
  GlobalPooling(std::string class_name, const O& o);
};

#define KEEL_WINDOW_POOLING(Class, Opts, Rank, Algo, Default)                  \
  class Class : public WindowPooling<Opts, Rank, Algo> {                       \
   public:                                                                     \
    explicit Class(decltype(Opts::Default) pool = Opts{}.Default, Opts o = {}) \
        : Class(with_args(std::move(o), &Opts::Default, std::move(pool))) {}   \
    explicit Class(const Opts& o) : WindowPooling(#Class, o) {}                \
  }

KEEL_WINDOW_POOLING(MaxPooling1D, Pooling1DOptions, 1, PoolingAlgorithm::max, pool_length);
KEEL_WINDOW_POOLING(AveragePooling1D, Pooling1DOptions, 1, PoolingAlgorithm::average, pool_length);
KEEL_WINDOW_POOLING(MaxPooling2D, Pooling2DOptions, 2, PoolingAlgorithm::max, pool_size);
KEEL_WINDOW_POOLING(AveragePooling2D, Pooling2DOptions, 2, PoolingAlgorithm::average, pool_size);
KEEL_WINDOW_POOLING(MaxPooling3D, Pooling3DOptions, 3, PoolingAlgorithm::max, pool_size);
KEEL_WINDOW_POOLING(AveragePooling3D, Pooling3DOptions, 3, PoolingAlgorithm::average, pool_size);
#undef KEEL_WINDOW_POOLING

#define KEEL_GLOBAL_POOLING(Class, Opts, Rank, Algo)                 \
  class Class : public GlobalPooling<Opts, Rank, Algo> {             \
   public:                                                           \
    explicit Class(const Opts& o = {}) : GlobalPooling(#Class, o) {} \
  }

KEEL_GLOBAL_POOLING(GlobalMaxPooling1D, GlobalPooling1DOptions, 1, PoolingAlgorithm::max);
KEEL_GLOBAL_POOLING(GlobalAveragePooling1D, GlobalPooling1DOptions, 1, PoolingAlgorithm::average);
KEEL_GLOBAL_POOLING(GlobalMaxPooling2D, GlobalPooling2DOptions, 2, PoolingAlgorithm::max);
KEEL_GLOBAL_POOLING(GlobalAveragePooling2D, GlobalPooling2DOptions, 2, PoolingAlgorithm::average);
KEEL_GLOBAL_POOLING(GlobalMaxPooling3D, GlobalPooling3DOptions, 3, PoolingAlgorithm::max);
KEEL_GLOBAL_POOLING(GlobalAveragePooling3D, GlobalPooling3DOptions, 3, PoolingAlgorithm::average);
#undef KEEL_GLOBAL_POOLING

}  // namespace keel::layers
