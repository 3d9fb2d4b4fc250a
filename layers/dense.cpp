#include "keel/layers/dense.h"

#include "keel/autograd/dense.h"
#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/layers/config_reader.h"
#include "keel/layers/factory.h"

namespace keel::layers {

namespace {

BaseOptions base_options(const DenseOptions& o) {
  BaseOptions b{o.input_shape, o.batch_input_shape, o.name, o.trainable};
  if (b.input_shape.rank() == 0 && b.batch_input_shape.rank() == 0 && o.input_dim > 0)
    b.input_shape = Shape{o.input_dim};
  return b;
}

}  // namespace

Dense::Dense(std::int64_t output_dim, const DenseOptions& o)
    : Layer("Dense", base_options(o)), output_dim_(output_dim), options_(o) {
  if (output_dim_ < 1)
    throw ValueError(who() + "output_dim is " + std::to_string(output_dim_) + ", expected > 0");
  if (o.input_dim < 0)
    throw ValueError(who() + "input_dim is " + std::to_string(o.input_dim) +
                     ", expected > 0 (or 0 for not given)");
  const std::string w = who();
  check_activation_name(o.activation, w.substr(0, w.size() - 2));  // it adds the ": "
  fused_ = fusable_activation(o.activation);
  options_.weights.clear();
  set_initial_weights(o.weights);
  set_activity_regularizer(o.activity_regularizer);
}

Shape Dense::compute_output_shape(const Shape& in) const {
  if (in.rank() < 2)
    throw ShapeError(who() + "expected an input of rank >= 2 (batch, ..., input_dim), got shape " +
                     in.str());
  const std::int64_t last = in[in.rank() - 1];
  if (last == Shape::kUnknown)
    throw ShapeError(who() + "the last dimension (input_dim) of input shape " + in.str() +
                     " must be known");
  if (built() && last != input_dim_)
    throw ShapeError(who() + "input of shape " + in.str() + " has input_dim " +
                     std::to_string(last) + ", but the layer was built for " +
                     std::to_string(input_dim_));
  return in.with_dim(in.rank() - 1, output_dim_);
}

void Dense::build_weights(const Shape& in) {
  const std::int64_t d = in[in.rank() - 1];
  const Fans fans{static_cast<double>(d), static_cast<double>(output_dim_)};
  W_ = add_weight("W", Shape{d, output_dim_}, options_.init, fans, options_.W_regularizer,
                  options_.W_constraint);
  if (options_.bias)
    b_ = add_weight("b", Shape{output_dim_}, "zero", fans, options_.b_regularizer,
                    options_.b_constraint);
  input_dim_ = d;
}

Variable Dense::call(const Variable& x) {
  keep_in_compute_layout(W_, [&] {
    return dense_weights_layout(x.shape(), W_.shape(), b_.defined(), fused_, /*training=*/true);
  });
  const Variable y = dense(x, W_, b_, fused_);
  return fused_ == FusedActivation::none ? keel::activation(options_.activation, y) : y;
}

Config Dense::layer_config() const {
  Config c;
  c["output_dim"] = output_dim_;
  c["init"] = options_.init.name();
  c["activation"] = options_.activation.empty() ? "linear" : options_.activation;
  c["W_regularizer"] = optional_config(options_.W_regularizer);
  c["b_regularizer"] = optional_config(options_.b_regularizer);
  c["activity_regularizer"] = optional_config(activity_regularizer());
  c["W_constraint"] = optional_config(options_.W_constraint);
  c["b_constraint"] = optional_config(options_.b_constraint);
  c["bias"] = options_.bias;
  c["input_dim"] = options_.input_dim > 0 ? Config(options_.input_dim) : Config(nullptr);
  return c;
}

namespace {

const bool registered_dense = register_layer("Dense", [](const Config& config) {
  ConfigReader r(config, "Dense: ");
  DenseOptions o;
  o.init = r.get_string("init", "glorot_uniform");
  o.activation = r.get_string("activation", "linear");
  o.W_regularizer = r.get_regularizer("W_regularizer");
  o.b_regularizer = r.get_regularizer("b_regularizer");
  o.activity_regularizer = r.get_regularizer("activity_regularizer");
  o.W_constraint = r.get_constraint("W_constraint");
  o.b_constraint = r.get_constraint("b_constraint");
  o.bias = r.get_bool("bias", true);
  o.input_dim = r.get_int("input_dim", 0);
  r.read_base_into(o);
  if (!r.has("output_dim"))
    throw ValueError("Dense: output_dim is missing, expected a positive integer");
  const std::int64_t output_dim = r.get_int("output_dim", 0);
  r.finish();
  return std::make_shared<Dense>(output_dim, o);
});

}  // namespace

}  // namespace keel::layers
