#include "keel/layers/batch_normalization.h"

#include <cmath>

#include "keel/autograd/batch_norm.h"
#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/core/tensor_ops.h"
#include "keel/layers/config_reader.h"
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

BatchNormalization::BatchNormalization(const BatchNormalizationOptions& o)
    : Layer("BatchNormalization", {o.input_shape, o.batch_input_shape, o.name, o.trainable}),
      options_(o) {
  if (o.mode < 0 || o.mode > 2)
    throw ValueError(who() + "mode is " + std::to_string(o.mode) +
                     ", expected 0 (feature-wise), 1 (sample-wise) or 2 (feature-wise, batch "
                     "statistics in both phases)");
  if (!(o.epsilon > 0.0) || !std::isfinite(o.epsilon))
    throw ValueError(who() + "epsilon is " + std::to_string(o.epsilon) + ", expected > 0");
  if (!(o.momentum >= 0.0 && o.momentum <= 1.0))
    throw ValueError(who() + "momentum is " + std::to_string(o.momentum) +
                     ", expected a value in [0, 1]");
  options_.weights.clear();
  set_initial_weights(o.weights);
}

int BatchNormalization::channel_axis(const Shape& in) const {
  const int rank = in.rank();
  const int axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  if (axis < 0 || axis >= rank)
    throw ShapeError(who() + "axis " + std::to_string(options_.axis) +
                     " is out of range for an input of shape " + in.str() + " (rank " +
                     std::to_string(rank) + ")");
  return axis;
}

Shape BatchNormalization::compute_output_shape(const Shape& in) const {
  if (in.rank() < 2 || in.rank() > 5)
    throw ShapeError(who() + "expected an input of rank 2 to 5 (batch first), got shape " +
                     in.str());
  const int axis = channel_axis(in);
  if (in[axis] == Shape::kUnknown)
    throw ShapeError(who() + "the normalised axis " + std::to_string(options_.axis) +
                     " of input shape " + in.str() + " must be known");
  if (built() && in[axis] != channels_)
    throw ShapeError(who() + "input of shape " + in.str() + " has " + std::to_string(in[axis]) +
                     " features on axis " + std::to_string(options_.axis) +
                     ", but the layer was built for " + std::to_string(channels_));
  if (options_.mode == 1 && axis != in.rank() - 1)
    throw ShapeError(who() + "mode 1 normalises each sample over its last axis; axis " +
                     std::to_string(options_.axis) + " of input shape " + in.str() +
                     " is not the last axis, expected axis -1");
  return in;
}

void BatchNormalization::build_weights(const Shape& in) {
  const std::int64_t c = in[channel_axis(in)];
  // Keras's get_fans for a 1D shape: sqrt(prod(shape)) for both.
  const double f = std::sqrt(static_cast<double>(c));
  const Fans fans{f, f};
  gamma_ = add_weight("gamma", Shape{c}, options_.gamma_init, fans, options_.gamma_regularizer,
                      std::nullopt);
  beta_ = add_weight("beta", Shape{c}, options_.beta_init, fans, options_.beta_regularizer,
                     std::nullopt);
  running_mean_ = add_weight("running_mean", Shape{c}, "zero", fans, std::nullopt, std::nullopt,
                             /*trainable=*/false);
  running_std_ = add_weight("running_std", Shape{c}, "one", fans, std::nullopt, std::nullopt,
                            /*trainable=*/false);
  channels_ = c;
}

Variable BatchNormalization::sample_wise(const Variable& x) const {
  const float eps = static_cast<float>(options_.epsilon);
  const Variable centered = x - mean(x, {-1}, /*keepdims=*/true);
  const Variable stddev = sqrt(mean(square(centered), {-1}, true) + eps);
  return gamma_ * (centered / (stddev + eps)) + beta_;
}

Variable BatchNormalization::call(const Variable& x) {
  if (options_.mode == 1) return sample_wise(x);
  const auto data_axes = batch_norm_data_axes(x.shape().rank(), channel_axis(x.shape()));
  const float eps = static_cast<float>(options_.epsilon);
  if (options_.mode == 0 && !learning_phase())
    return batch_norm(x, gamma_, beta_, data_axes, eps, running_mean_.value(),
                      running_std_.value());
  BatchNormResult r = batch_norm(x, gamma_, beta_, data_axes, eps);
  if (options_.mode == 0) {
    const float m = static_cast<float>(options_.momentum);
    running_mean_.set_value(moving_average(running_mean_.value(), r.mean, m));
    running_std_.set_value(moving_average(running_std_.value(), r.variance, m));
  }
  return r.y;
}

Config BatchNormalization::layer_config() const {
  Config c;
  c["epsilon"] = options_.epsilon;
  c["mode"] = options_.mode;
  c["axis"] = options_.axis;
  c["gamma_regularizer"] = optional_config(options_.gamma_regularizer);
  c["beta_regularizer"] = optional_config(options_.beta_regularizer);
  c["momentum"] = options_.momentum;
  return c;
}

namespace {

const bool registered_batch_normalization =
    register_layer("BatchNormalization", [](const Config& config) {
      ConfigReader r(config, "BatchNormalization: ");
      BatchNormalizationOptions o;
      o.epsilon = r.get_double("epsilon", 1e-3);
      o.mode = static_cast<int>(r.get_int("mode", 0));
      o.axis = static_cast<int>(r.get_int("axis", -1));
      o.momentum = r.get_double("momentum", 0.99);
      o.beta_init = r.get_string("beta_init", "zero");
      o.gamma_init = r.get_string("gamma_init", "one");
      o.gamma_regularizer = r.get_regularizer("gamma_regularizer");
      o.beta_regularizer = r.get_regularizer("beta_regularizer");
      r.read_base_into(o);
      r.finish();
      return std::make_shared<BatchNormalization>(o);
    });

}  // namespace

}  // namespace keel::layers
