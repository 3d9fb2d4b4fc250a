#include "keel/layers/batch_normalization.h"

#include <cmath>
#include <utility>

#include "keel/autograd/batch_norm.h"
#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/tensor_ops.h"
#include "keel/layers/factory.h"

namespace keel::layers {

using dnnl::algorithm;

namespace {

// momentum * running + (1 - momentum) * batch, on oneDNN primitives.
Tensor moving_average(const Tensor& running, const Tensor& batch, float momentum) {
  return ops::binary(algorithm::binary_add,
                     ops::eltwise(algorithm::eltwise_linear, running.to_plain(), momentum, 0.f),
                     ops::eltwise(algorithm::eltwise_linear, batch.to_plain(), 1.f - momentum, 0.f),
                     "BatchNormalization");
}

}  // namespace

BatchNormalization::BatchNormalization(const Options& o)
    : WithOptions(o, "BatchNormalization", base_options(o)) {
  accept_options(o_);
  set_initial_weights(std::exchange(o_.weights, {}));
}

int BatchNormalization::channel_axis(const Shape& in) const {
  const int rank = in.rank();
  const int axis = o_.axis < 0 ? o_.axis + rank : o_.axis;
  if (axis < 0 || axis >= rank)
    throw ShapeError(fmt::str(who(), "axis ", o_.axis, " is out of range for an input of shape ",
                              in.str(), " (rank ", rank, ")"));
  return axis;
}

Shape BatchNormalization::compute_output_shape(const Shape& in) const {
  if (in.rank() < 2 || in.rank() > 5)
    throw ShapeError(
        fmt::str(who(), "expected an input of rank 2 to 5 (batch first), got shape ", in.str()));
  const int axis = channel_axis(in);
  if (in[axis] == Shape::kUnknown)
    throw ShapeError(fmt::str(who(), "the normalised axis ", o_.axis, " of input shape ", in.str(),
                              " must be known"));
  if (built() && in[axis] != channels_)
    throw ShapeError(fmt::str(who(), "input of shape ", in.str(), " has ", in[axis],
                              " features on axis ", o_.axis, ", but the layer was built for ",
                              channels_));
  if (o_.mode == 1 && axis != in.rank() - 1)
    throw ShapeError(fmt::str(who(), "mode 1 normalises each sample over its last axis; axis ",
                              o_.axis, " of input shape ", in.str(),
                              " is not the last axis, expected axis -1"));
  return in;
}

void BatchNormalization::build_weights(const Shape& in) {
  const std::int64_t c = in[channel_axis(in)];
  // Keras's get_fans for a 1D shape: sqrt(prod(shape)) for both.
  const double f = std::sqrt(static_cast<double>(c));
  const Fans fans{f, f};
  gamma_ = add_weight("gamma", Shape{c}, o_.gamma_init, fans, o_.gamma_regularizer, std::nullopt);
  beta_ = add_weight("beta", Shape{c}, o_.beta_init, fans, o_.beta_regularizer, std::nullopt);
  running_mean_ = add_weight("running_mean", Shape{c}, "zero", fans, std::nullopt, std::nullopt,
                             /*trainable=*/false);
  running_std_ = add_weight("running_std", Shape{c}, "one", fans, std::nullopt, std::nullopt,
                            /*trainable=*/false);
  channels_ = c;
}

Variable BatchNormalization::sample_wise(const Variable& x) const {
  const float eps = static_cast<float>(o_.epsilon);
  const Variable centered = x - mean(x, {-1}, /*keepdims=*/true);
  const Variable stddev = sqrt(mean(square(centered), {-1}, true) + eps);
  return gamma_ * (centered / (stddev + eps)) + beta_;
}

Variable BatchNormalization::call(const Variable& x) { return normalize(x, false); }

Variable BatchNormalization::call_fused_activation(const Variable& x, FusedActivation activation) {
  if (activation != FusedActivation::relu || o_.mode == 1) return {};
  return normalize(x, /*fuse_relu=*/true);
}

Variable BatchNormalization::normalize(const Variable& x, bool fuse_relu) {
  if (o_.mode == 1) return sample_wise(x);
  const auto data_axes = batch_norm_data_axes(x.shape().rank(), channel_axis(x.shape()));
  const float eps = static_cast<float>(o_.epsilon);
  if (o_.mode == 0 && !learning_phase())
    return batch_norm(x, gamma_, beta_, data_axes, eps, running_mean_.value(), running_std_.value(),
                      fuse_relu);
  BatchNormResult r = batch_norm(x, gamma_, beta_, data_axes, eps, fuse_relu);
  if (o_.mode == 0) {
    const float m = static_cast<float>(o_.momentum);
    running_mean_.set_value(moving_average(running_mean_.value(), r.mean, m));
    running_std_.set_value(moving_average(running_std_.value(), r.variance, m));
  }
  return r.y;
}

namespace {
const bool registered = register_layer_class<BatchNormalization>("BatchNormalization");
}  // namespace

}  // namespace keel::layers
