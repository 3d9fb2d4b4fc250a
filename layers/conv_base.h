// ConvBase: what the Keras 1 convolution layers share — the output-shape arithmetic, the
// kernel and bias, the data and kernel axis maps onto oneDNN, and the call through the
// convolution op. Its defaults are a plain (possibly atrous, possibly grouped) convolution;
// Deconvolution2D and SeparableConvolution2D override what differs (the output length and the
// spec; the kernels and the call). The layer classes of layers/convolution.h resolve their
// options into a ConvSetup and keep the options for get_config().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keel/autograd/convolution.h"
#include "keel/autograd/detail/data_axes.h"
#include "keel/core/config.h"
#include "keel/layers/detail/conv_arithmetic.h"
#include "keel/layers/layer.h"

namespace keel::layers {

// A convolution layer's arguments, resolved: what ConvBase works with.
struct ConvSetup {
  int rank = 2;  // spatial axes
  std::int64_t nb_filter = 0;
  std::vector<std::int64_t> kernel, strides, rates;  // per spatial axis
  std::int64_t groups = 1;
  ConvAlgorithm algorithm = ConvAlgorithm::direct;
  BorderMode border = BorderMode::valid;
  DimOrdering ordering = DimOrdering::tf;
  Initializer init;
  std::string activation = "linear";
  bool bias = true;
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
};

class ConvBase : public Layer {
 public:
  DimOrdering dim_ordering() const { return setup_.ordering; }
  BorderMode border_mode() const { return setup_.border; }

 protected:
  ConvBase(std::string class_name, const BaseOptions& base) : Layer(std::move(class_name), base) {}
  // Called once by each layer's constructor, after it has validated its options (messages
  // then carry the layer's label): the resolved arguments, the `weights` argument and the
  // activity regularizer. ValueError when nb_filter does not divide into the groups.
  void configure(ConvSetup setup, std::vector<Tensor> weights,
                 std::optional<L1L2Regularizer> activity_regularizer);

  Shape compute_output_shape(const Shape& input_shape) const final;
  void build_weights(const Shape& input_shape) final;
  Variable call(const Variable& x) override;

  // The output length of spatial axis `axis` for an input length (kUnknown stays unknown);
  // default: the convolution arithmetic of detail/conv_arithmetic.h (ShapeError when nothing fits).
  virtual std::int64_t output_length(int axis, std::int64_t length, const Shape& input_shape) const;
  // The op's spec for an input and output shape; default: a convolution with the layer's
  // padding, strides, dilations, groups, kernel axis map and fused activation.
  virtual ConvSpec spec_for(const Shape& input_shape, const Shape& output_shape) const;
  // Declares the kernels (add_weight) for `in_channels`; default: the kernel W.
  virtual void build_kernels(std::int64_t in_channels);

  // The activation that was not fused into the op, applied to y.
  Variable apply_activation(const Variable& y) const;
  // One convolution, the kernel kept in its compute layout while training (Layer rule 1).
  static Variable run(const Variable& x, Variable& kernel, const Variable& bias,
                      const ConvSpec& spec);
  // The data axis map of an input and the axis map of a plain kernel of this layer (grouped
  // when groups > 1: the output-channel axis named twice).
  std::vector<int> data_axes() const;
  std::vector<int> kernel_axes() const;

  const ConvSetup& setup() const { return setup_; }
  std::int64_t in_channels() const { return in_channels_; }
  int channel_axis(int input_rank) const;
  Variable& bias() { return b_; }

 private:
  ConvSetup setup_;
  FusedActivation fused_ = FusedActivation::none;
  std::int64_t in_channels_ = 0;  // set by build
  Variable W_, b_;
};

}  // namespace keel::layers
