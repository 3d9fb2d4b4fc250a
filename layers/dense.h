// Dense: Keras 1's fully connected layer (KERAS1_SEMANTICS.md 12.1), y = activation(x W + b).
//
//   keel::layers::Dense fc(128, {.activation = "relu", .W_regularizer = keel::regularizers::l2()});
//
// Input (batch, ..., input_dim) -> (batch, ..., output_dim); the leading axes are kept (as
// Keras's K.dot does). Weights in Keras order and layout: W (input_dim, output_dim), then b
// (output_dim,) unless bias = false; fans (input_dim, output_dim); b starts at zero.
// `input_dim` is sugar for input_shape = (input_dim,). relu, tanh, sigmoid and elu are fused
// into the inner product (autograd/dense.h); other activations run after it.
//
// get_config() has Keras's keys: output_dim, init, activation, W_regularizer, b_regularizer,
// activity_regularizer, W_constraint, b_constraint, bias, input_dim (as given at construction,
// null if not: Keras 1 stored the built input size, which made a restored layer gain a
// batch_input_shape); from_config (layer_from_config("Dense", ...)) reads them back.
//
// Errors: ValueError at construction for output_dim < 1, an input_dim < 1 or an unknown
// activation/init; ShapeError at build for an input of rank < 2, an unknown last axis, or a
// last axis different from the one the layer was built for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keel/autograd/convolution.h"
#include "keel/layers/layer.h"

namespace keel::layers {

struct DenseOptions {
  std::int64_t output_dim = 0;  // positional
  Initializer init = "glorot_uniform";
  std::string activation = "linear";
  std::vector<Tensor> weights;
  std::optional<L1L2Regularizer> W_regularizer, b_regularizer, activity_regularizer;
  std::optional<Constraint> W_constraint, b_constraint;
  bool bias = true;
  std::optional<std::int64_t> input_dim;  // sugar: input_shape (input_dim,)
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = DenseOptions;
    using kwargs::field;
    return std::tuple_cat(
        kwargs::fields(
            kwargs::required("output_dim", &O::output_dim, kwargs::positive()),
            field("init", &O::init), field("activation", &O::activation, activation_rule()),
            kwargs::runtime("weights", &O::weights), field("W_regularizer", &O::W_regularizer),
            field("b_regularizer", &O::b_regularizer),
            field("activity_regularizer", &O::activity_regularizer),
            field("W_constraint", &O::W_constraint), field("b_constraint", &O::b_constraint),
            field("bias", &O::bias),
            field("input_dim", &O::input_dim, kwargs::if_given<std::int64_t>(kwargs::positive()))),
        base_fields<O>());
  }
};

class Dense : public WithOptions<DenseOptions> {
 public:
  explicit Dense(std::int64_t output_dim, Options options = {});
  explicit Dense(const Options& options);

  std::int64_t output_dim() const { return o_.output_dim; }
  const std::string& activation() const { return o_.activation; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Variable call(const Variable& x) override;

 private:
  FusedActivation fused_ = FusedActivation::none;
  std::int64_t input_dim_ = 0;  // set by build
  Variable W_, b_;
};

}  // namespace keel::layers
