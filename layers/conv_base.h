// ConvBase: what the Keras 1 convolution layers share — argument validation, output-shape
// arithmetic, the data and kernel axis maps onto oneDNN, and the call through the
// convolution op. Convolution1D/2D/3D, their atrous forms, Deconvolution2D and
// SeparableConvolution2D are thin classes over it that only translate their Keras arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keel/autograd/convolution.h"
#include "keel/core/config.h"
#include "keel/layers/conv_arithmetic.h"
#include "keel/layers/layer.h"

namespace keel::layers {

// The resolved arguments of a convolution layer.
struct ConvParams {
  int rank = 2;  // spatial dimensions
  std::int64_t nb_filter = 0;
  std::vector<std::int64_t> kernel, strides, rates;
  // Keras's names of those arguments, for messages: {"nb_row", "nb_col"}, "subsample", ...
  std::vector<std::string> kernel_names;
  std::string strides_name = "subsample";
  std::string border_mode = "valid";
  std::vector<BorderMode> allowed_border_modes{BorderMode::valid, BorderMode::same, BorderMode::full};
  std::string dim_ordering = "default";  // "default" resolves through keel's config
  bool channels_last_only = false;       // the 1D layers: always (batch, steps, channels)
  Initializer init;
  std::string activation = "linear";
  bool bias = true;
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  // Deconvolution2D
  bool transposed = false;
  Shape output_shape;  // Keras form, batch first; rank 0 = computed by keel
  // SeparableConvolution2D
  bool separable = false;
  std::int64_t depth_multiplier = 1;
  std::optional<L1L2Regularizer> pointwise_regularizer;
  std::optional<Constraint> pointwise_constraint;
};

class ConvBase : public Layer {
 public:
  DimOrdering dim_ordering() const { return ordering_; }
  BorderMode border_mode() const { return border_; }

 protected:
  ConvBase(std::string class_name, ConvParams params, const BaseOptions& base,
           std::vector<Tensor> weights, std::optional<L1L2Regularizer> activity_regularizer);

  Shape compute_output_shape(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Variable call(const Variable& x) override;
  // The arguments every convolution layer shares, for layer_config().
  Config common_config() const;

  const ConvParams& params() const { return p_; }

 private:
  int channel_axis(int input_rank) const;
  ConvSpec spec_for(const Shape& input_shape, const Shape& output_shape) const;
  Variable apply_activation(const Variable& y) const;

  ConvParams p_;
  DimOrdering ordering_;
  BorderMode border_;
  FusedActivation fused_ = FusedActivation::none;
  std::int64_t in_channels_ = 0;  // set by build
  Variable W_, b_, depthwise_, pointwise_;
};

}  // namespace keel::layers
