// The Keras 1 convolution layers: Convolution1D, AtrousConvolution1D, Convolution2D,
// AtrousConvolution2D, Convolution3D, Deconvolution2D and SeparableConvolution2D, with
// Keras's aliases (Conv1D, AtrousConv1D, Conv2D, AtrousConv2D, Conv3D, Deconv2D,
// SeparableConv2D).
//
// Each layer's arguments are its options struct, in the order of the Keras signature: the
// positional ones first (the constructor sets them), then the keywords with Keras's defaults,
// then the base options (layers/layer_options.h). The struct's table fields() is the one place
// an argument's Keras name and rule are written; it drives validation, get_config() and
// from_config:
//   keel::layers::Convolution2D conv(64, 3, 3, {.activation = "relu", .border_mode = "same",
//                                               .input_shape = {28, 28, 1}});
// The arguments the layers share mean the same everywhere:
//   init          an initializer name or callable (layers/initializers.h); fans use every spatial
//                 kernel axis (Keras 1.2.2 got Convolution1D and tf-ordered Convolution3D wrong)
//   activation    a Keras activation name; relu, tanh, sigmoid and elu fuse into the primitive
//   weights       initial weights in Keras order and layout (get_weights()), applied at build
//   border_mode   'valid', 'same' (TF: the odd extra zero at the end) or 'full' (k_eff - 1 zeros
//                 on both sides; Keras 1 needed Theano, which also flipped the kernel — keel
//                 does not: every convolution here is a cross-correlation)
//   subsample     strides, one per spatial axis (subsample_length in 1D), every entry >= 1
//   atrous_rate   dilation per spatial axis; keel allows it with strides and per-axis rates
//   dim_ordering  'tf' (channels last), 'th' (channels first) or 'default'
//                 (keel::default_dim_ordering()); the 1D layers are always (batch, steps, C)
//   W_regularizer, b_regularizer, activity_regularizer: penalties (regularizers/)
//   W_constraint, b_constraint: projections after each update (constraints/)
//   bias          whether the layer has a bias
//   groups        (keel extension, plain convolutions) G groups: input and output channels
//                 split into G blocks, block g of the output seeing block g of the input only;
//                 C and nb_filter must divide by G; the kernel is (..., C/G, nb_filter) in
//                 Keras's layout and its fans are those of that kernel shape. Default 1.
//                 Like `algorithm`, a keel extension goes into get_config() only when not at its
//                 default, so that a layer that does not use it has a config Keras 1 reads.
//   algorithm     (keel extension, Convolution2D) how oneDNN computes it: 'direct' (default),
//                 'winograd' (F(4x4, 3x3): 3x3 kernels, stride 1, no atrous rate, groups 1,
//                 on AVX-512; otherwise a ValueError at the first call naming what it needs)
//                 or 'auto' (oneDNN's choice: Winograd where it runs and is faster). Winograd
//                 takes fewer multiplications (2.6x faster forward on 64 -> 64 channels 56x56
//                 here) and rounds differently: its output and gradients differ from direct by
//                 about 1e-6 of their largest magnitude in float32 (bound 1e-5 in
//                 tests/layers/conv_algorithm_test.cpp), well inside training noise.
//
// Kernels (Keras layouts): 1D (filter_length, 1, C/G, F); 2D tf (rows, cols, C/G, F), th
// (F, C/G, rows, cols); 3D tf (d1, d2, d3, C/G, F), th (F, C/G, d1, d2, d3). Deconvolution2D has
// Convolution2D's kernel shape (C the input's channels, F = nb_filter the output's).
// SeparableConvolution2D: depthwise tf (rows, cols, C, depth_multiplier), th
// (depth_multiplier, C, rows, cols); pointwise tf (1, 1, C * dm, F), th (F, C * dm, 1, 1).
//
// Deliberate deviations from Keras 1, beyond 'full', dilation with strides and groups:
//  - Deconvolution2D's output_shape is optional (keel computes (I-1)s + k for 'valid' and I s
//    for 'same'); when given it is checked against the input and an impossible one is a
//    ValueError listing the possible sizes (the TF and Theano backends of Keras 1 differed);
//  - SeparableConvolution2D works in both dim_orderings and its config keeps
//    pointwise_regularizer (Keras 1.2.2 wrote the depthwise one there).
// Errors (ValueError / ShapeError) name the layer, the argument, the value and what was
// expected; configuration errors are raised at construction, input errors at build, before any
// compute.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keel/layers/conv_base.h"

namespace keel::layers {

// The table rows every convolution layer shares (the members each options struct declares).
template <class O>
auto conv_common_fields() {
  using kwargs::field;
  return kwargs::fields(
      field("init", &O::init), field("activation", &O::activation, activation_rule()),
      kwargs::runtime("weights", &O::weights), field("b_regularizer", &O::b_regularizer),
      field("activity_regularizer", &O::activity_regularizer),
      field("b_constraint", &O::b_constraint), field("bias", &O::bias));
}
// The positional rows of the 2D layers: nb_filter, nb_row, nb_col.
template <class O>
auto conv2d_positional_fields() {
  return kwargs::fields(kwargs::required("nb_filter", &O::nb_filter, kwargs::positive()),
                        kwargs::required("nb_row", &O::nb_row, kwargs::positive()),
                        kwargs::required("nb_col", &O::nb_col, kwargs::positive()));
}
// The kernel's penalty rows (SeparableConvolution2D has two kernels and names them otherwise).
template <class O>
auto kernel_penalty_fields() {
  return kwargs::fields(kwargs::field("W_regularizer", &O::W_regularizer),
                        kwargs::field("W_constraint", &O::W_constraint));
}

struct Convolution1DOptions {
  std::int64_t nb_filter = 0;      // positional
  std::int64_t filter_length = 0;  // positional
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  std::int64_t subsample_length = 1;
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  std::optional<std::int64_t> input_dim;     // sugar: input_shape (input_length, input_dim)
  std::optional<std::int64_t> input_length;  // None: any length
  std::int64_t groups = 1;                   // keel extension
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = Convolution1DOptions;
    using kwargs::field;
    return std::tuple_cat(
        kwargs::fields(
            kwargs::required("nb_filter", &O::nb_filter, kwargs::positive()),
            kwargs::required("filter_length", &O::filter_length, kwargs::positive()),
            field("border_mode", &O::border_mode, border_mode_rule({"valid", "same", "full"})),
            field("subsample_length", &O::subsample_length, kwargs::positive()),
            field("input_dim", &O::input_dim, kwargs::if_given<std::int64_t>(kwargs::positive())),
            field("input_length", &O::input_length,
                  kwargs::if_given<std::int64_t>(kwargs::positive())),
            kwargs::extension("groups", &O::groups, kwargs::positive())),
        conv_common_fields<O>(), kernel_penalty_fields<O>(), base_fields<O>());
  }
};

struct AtrousConvolution1DOptions {
  std::int64_t nb_filter = 0;      // positional
  std::int64_t filter_length = 0;  // positional
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  std::int64_t subsample_length = 1;
  std::int64_t atrous_rate = 1;
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  std::optional<std::int64_t> input_dim;
  std::optional<std::int64_t> input_length;
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = AtrousConvolution1DOptions;
    using kwargs::field;
    return std::tuple_cat(
        kwargs::fields(
            kwargs::required("nb_filter", &O::nb_filter, kwargs::positive()),
            kwargs::required("filter_length", &O::filter_length, kwargs::positive()),
            field("border_mode", &O::border_mode, border_mode_rule({"valid", "same", "full"})),
            field("subsample_length", &O::subsample_length, kwargs::positive()),
            field("atrous_rate", &O::atrous_rate, kwargs::positive()),
            field("input_dim", &O::input_dim, kwargs::if_given<std::int64_t>(kwargs::positive())),
            field("input_length", &O::input_length,
                  kwargs::if_given<std::int64_t>(kwargs::positive()))),
        conv_common_fields<O>(), kernel_penalty_fields<O>(), base_fields<O>());
  }
};

struct Convolution2DOptions {
  std::int64_t nb_filter = 0;  // positional
  std::int64_t nb_row = 0;     // positional
  std::int64_t nb_col = 0;     // positional
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  kwargs::Ints<2> subsample{1, 1};
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  std::int64_t groups = 1;           // keel extension
  std::string algorithm = "direct";  // keel extension
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = Convolution2DOptions;
    using kwargs::field;
    return std::tuple_cat(
        conv2d_positional_fields<O>(),
        kwargs::fields(
            field("border_mode", &O::border_mode, border_mode_rule({"valid", "same", "full"})),
            field("subsample", &O::subsample, kwargs::positive()),
            field("dim_ordering", &O::dim_ordering, dim_ordering_rule()),
            kwargs::extension("groups", &O::groups, kwargs::positive()),
            kwargs::extension("algorithm", &O::algorithm,
                              kwargs::one_of({"direct", "winograd", "auto"}))),
        conv_common_fields<O>(), kernel_penalty_fields<O>(), base_fields<O>());
  }
};

struct AtrousConvolution2DOptions {
  std::int64_t nb_filter = 0;  // positional
  std::int64_t nb_row = 0;     // positional
  std::int64_t nb_col = 0;     // positional
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  kwargs::Ints<2> subsample{1, 1};
  kwargs::Ints<2> atrous_rate{1, 1};
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = AtrousConvolution2DOptions;
    using kwargs::field;
    return std::tuple_cat(
        conv2d_positional_fields<O>(),
        kwargs::fields(
            field("border_mode", &O::border_mode, border_mode_rule({"valid", "same", "full"})),
            field("subsample", &O::subsample, kwargs::positive()),
            field("atrous_rate", &O::atrous_rate, kwargs::positive()),
            field("dim_ordering", &O::dim_ordering, dim_ordering_rule())),
        conv_common_fields<O>(), kernel_penalty_fields<O>(), base_fields<O>());
  }
};

struct Deconvolution2DOptions {
  std::int64_t nb_filter = 0;  // positional
  std::int64_t nb_row = 0;     // positional
  std::int64_t nb_col = 0;     // positional
  // (None, rows, cols, nb_filter) tf / (None, nb_filter, rows, cols) th, batch first; rank 0 =
  // computed by keel. Keras 1 required it (and its TF and Theano backends read it differently).
  Shape output_shape;
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  kwargs::Ints<2> subsample{1, 1};
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = Deconvolution2DOptions;
    using kwargs::field;
    return std::tuple_cat(
        conv2d_positional_fields<O>(),
        kwargs::fields(field("output_shape", &O::output_shape),
                       field("border_mode", &O::border_mode, border_mode_rule({"valid", "same"})),
                       field("subsample", &O::subsample, kwargs::positive()),
                       field("dim_ordering", &O::dim_ordering, dim_ordering_rule())),
        conv_common_fields<O>(), kernel_penalty_fields<O>(), base_fields<O>());
  }
};

struct SeparableConvolution2DOptions {
  std::int64_t nb_filter = 0;  // positional
  std::int64_t nb_row = 0;     // positional
  std::int64_t nb_col = 0;     // positional
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  kwargs::Ints<2> subsample{1, 1};
  std::int64_t depth_multiplier = 1;  // depthwise outputs per input channel
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> depthwise_regularizer, pointwise_regularizer, b_regularizer,
      activity_regularizer;
  std::optional<Constraint> depthwise_constraint, pointwise_constraint, b_constraint;
  bool bias = true;
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = SeparableConvolution2DOptions;
    using kwargs::field;
    return std::tuple_cat(
        conv2d_positional_fields<O>(),
        kwargs::fields(field("border_mode", &O::border_mode, border_mode_rule({"valid", "same"})),
                       field("subsample", &O::subsample, kwargs::positive()),
                       field("depth_multiplier", &O::depth_multiplier, kwargs::positive()),
                       field("dim_ordering", &O::dim_ordering, dim_ordering_rule()),
                       field("depthwise_regularizer", &O::depthwise_regularizer),
                       field("pointwise_regularizer", &O::pointwise_regularizer),
                       field("depthwise_constraint", &O::depthwise_constraint),
                       field("pointwise_constraint", &O::pointwise_constraint)),
        conv_common_fields<O>(), base_fields<O>());
  }
};

struct Convolution3DOptions {
  std::int64_t nb_filter = 0;    // positional
  std::int64_t kernel_dim1 = 0;  // positional
  std::int64_t kernel_dim2 = 0;  // positional
  std::int64_t kernel_dim3 = 0;  // positional
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  kwargs::Ints<3> subsample{1, 1, 1};
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  std::int64_t groups = 1;  // keel extension
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = Convolution3DOptions;
    using kwargs::field;
    return std::tuple_cat(
        kwargs::fields(
            kwargs::required("nb_filter", &O::nb_filter, kwargs::positive()),
            kwargs::required("kernel_dim1", &O::kernel_dim1, kwargs::positive()),
            kwargs::required("kernel_dim2", &O::kernel_dim2, kwargs::positive()),
            kwargs::required("kernel_dim3", &O::kernel_dim3, kwargs::positive()),
            field("border_mode", &O::border_mode, border_mode_rule({"valid", "same", "full"})),
            field("subsample", &O::subsample, kwargs::positive()),
            field("dim_ordering", &O::dim_ordering, dim_ordering_rule()),
            kwargs::extension("groups", &O::groups, kwargs::positive())),
        conv_common_fields<O>(), kernel_penalty_fields<O>(), base_fields<O>());
  }
};

// --- the layers --------------------------------------------------------------------------------
// Each has a positional constructor (Keras's call) and one from its options alone (from_config);
// options() returns them resolved ('default' dim_ordering replaced, positionals set).

class Convolution1D : public WithOptions<Convolution1DOptions, ConvBase> {
 public:
  Convolution1D(std::int64_t nb_filter, std::int64_t filter_length, Options options = {});
  explicit Convolution1D(const Options& options);
};

class AtrousConvolution1D : public WithOptions<AtrousConvolution1DOptions, ConvBase> {
 public:
  AtrousConvolution1D(std::int64_t nb_filter, std::int64_t filter_length, Options options = {});
  explicit AtrousConvolution1D(const Options& options);
};

class Convolution2D : public WithOptions<Convolution2DOptions, ConvBase> {
 public:
  Convolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                Options options = {});
  explicit Convolution2D(const Options& options);
};

class AtrousConvolution2D : public WithOptions<AtrousConvolution2DOptions, ConvBase> {
 public:
  AtrousConvolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                      Options options = {});
  explicit AtrousConvolution2D(const Options& options);
};

class Convolution3D : public WithOptions<Convolution3DOptions, ConvBase> {
 public:
  Convolution3D(std::int64_t nb_filter, std::int64_t kernel_dim1, std::int64_t kernel_dim2,
                std::int64_t kernel_dim3, Options options = {});
  explicit Convolution3D(const Options& options);
};

// TF conv2d_transpose on oneDNN's deconvolution: output lengths [(I-1)s + 1, I s] for 'same',
// [(I-1)s + k, (I-1)s + k + s - 1] for 'valid'.
class Deconvolution2D : public WithOptions<Deconvolution2DOptions, ConvBase> {
 public:
  Deconvolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                  Options options = {});
  explicit Deconvolution2D(const Options& options);

 protected:
  std::int64_t output_length(int axis, std::int64_t length,
                             const Shape& input_shape) const override;
  ConvSpec spec_for(const Shape& input_shape, const Shape& output_shape) const override;
};

// A depthwise convolution (depth_multiplier outputs per input channel, grouped: one group per
// channel, no bias) then a 1x1 convolution with the bias and the activation.
class SeparableConvolution2D : public WithOptions<SeparableConvolution2DOptions, ConvBase> {
 public:
  SeparableConvolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                         Options options = {});
  explicit SeparableConvolution2D(const Options& options);

 protected:
  void build_kernels(std::int64_t in_channels) override;
  Variable call(const Variable& x) override;

 private:
  Variable depthwise_, pointwise_;
};

using Conv1D = Convolution1D;
using AtrousConv1D = AtrousConvolution1D;
using Conv2D = Convolution2D;
using AtrousConv2D = AtrousConvolution2D;
using Deconv2D = Deconvolution2D;
using SeparableConv2D = SeparableConvolution2D;
using Conv3D = Convolution3D;

}  // namespace keel::layers
