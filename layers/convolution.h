// The Keras 1 convolution layers: Convolution1D, AtrousConvolution1D, Convolution2D,
// AtrousConvolution2D, Convolution3D, Deconvolution2D and SeparableConvolution2D, with
// Keras's aliases (Conv1D, AtrousConv1D, Conv2D, AtrousConv2D, Conv3D, Deconv2D,
// SeparableConv2D).
//
// Arguments are Keras's, with Keras's names and defaults; the options structs list them in the
// order of the Keras signatures (designated initializers must follow that order):
//   keel::layers::Convolution2D conv(64, 3, 3, {.activation = "relu", .border_mode = "same",
//                                               .input_shape = {28, 28, 1}});
// Semantics are those of the TensorFlow backend (cross-correlation, 'same' with the odd extra
// zero at the end), and where Keras 1 was limited keel goes further, deliberately:
//  - 'full' works for every plain and atrous convolution (k_eff - 1 zeros on both sides; Keras
//    1 needed Theano, which also flipped the kernel — keel does not);
//  - dilation works together with strides, and atrous rates may differ per axis;
//  - SeparableConvolution2D works in both dim_orderings;
//  - Deconvolution2D's output_shape is optional (keel computes (I-1)s + k for 'valid' and I s
//    for 'same'); when given it is checked against the input and an impossible one is a
//    ValueError listing the possible sizes;
//  - initializer fans use every spatial kernel axis (Keras 1.2.2 got Convolution1D and
//    tf-ordered Convolution3D wrong).
// Errors (ValueError / ShapeError) name the layer, the argument, the value and what was expected;
// configuration errors are raised at construction, input errors at build, before any compute.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keel/layers/conv_base.h"

namespace keel::layers {

struct Convolution1DOptions {
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  std::int64_t subsample_length = 1;
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  std::int64_t input_dim = 0;     // 0 = not given
  std::int64_t input_length = 0;  // 0 = None
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct AtrousConvolution1DOptions {
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  std::int64_t subsample_length = 1;
  std::int64_t atrous_rate = 1;
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  std::int64_t input_dim = 0;
  std::int64_t input_length = 0;
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct Convolution2DOptions {
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  std::array<std::int64_t, 2> subsample{1, 1};
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct AtrousConvolution2DOptions {
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  std::array<std::int64_t, 2> subsample{1, 1};
  std::array<std::int64_t, 2> atrous_rate{1, 1};
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct Deconvolution2DOptions {
  Shape output_shape;  // (None, rows, cols, nb_filter) tf / (None, nb_filter, rows, cols) th
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  std::array<std::int64_t, 2> subsample{1, 1};
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct SeparableConvolution2DOptions {
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  std::array<std::int64_t, 2> subsample{1, 1};
  std::int64_t depth_multiplier = 1;
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> depthwise_regularizer, pointwise_regularizer, b_regularizer,
      activity_regularizer;
  std::optional<Constraint> depthwise_constraint, pointwise_constraint, b_constraint;
  bool bias = true;
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct Convolution3DOptions {
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::string border_mode = "valid";
  std::array<std::int64_t, 3> subsample{1, 1, 1};
  std::string dim_ordering = "default";
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

class Convolution1D : public ConvBase {
 public:
  Convolution1D(std::int64_t nb_filter, std::int64_t filter_length,
                const Convolution1DOptions& options = {});
 protected:
  Config layer_config() const override;
};

class AtrousConvolution1D : public ConvBase {
 public:
  AtrousConvolution1D(std::int64_t nb_filter, std::int64_t filter_length,
                      const AtrousConvolution1DOptions& options = {});
 protected:
  Config layer_config() const override;
};

class Convolution2D : public ConvBase {
 public:
  Convolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                const Convolution2DOptions& options = {});
 protected:
  Config layer_config() const override;
};

class AtrousConvolution2D : public ConvBase {
 public:
  AtrousConvolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                      const AtrousConvolution2DOptions& options = {});
 protected:
  Config layer_config() const override;
};

class Deconvolution2D : public ConvBase {
 public:
  Deconvolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                  const Deconvolution2DOptions& options = {});
 protected:
  Config layer_config() const override;
};

class SeparableConvolution2D : public ConvBase {
 public:
  SeparableConvolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                         const SeparableConvolution2DOptions& options = {});
 protected:
  Config layer_config() const override;
};

class Convolution3D : public ConvBase {
 public:
  Convolution3D(std::int64_t nb_filter, std::int64_t kernel_dim1, std::int64_t kernel_dim2,
                std::int64_t kernel_dim3, const Convolution3DOptions& options = {});
 protected:
  Config layer_config() const override;
};

using Conv1D = Convolution1D;
using AtrousConv1D = AtrousConvolution1D;
using Conv2D = Convolution2D;
using AtrousConv2D = AtrousConvolution2D;
using Deconv2D = Deconvolution2D;
using SeparableConv2D = SeparableConvolution2D;
using Conv3D = Convolution3D;

}  // namespace keel::layers
