#include "keel/layers/dense.h"

#include <utility>

#include "keel/autograd/dense.h"
#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/layers/factory.h"

namespace keel::layers {

namespace {

BaseOptions base_of(const DenseOptions& o) {
  BaseOptions b = base_options(o);
  if (b.input_shape.rank() == 0 && b.batch_input_shape.rank() == 0 && o.input_dim)
    b.input_shape = Shape{*o.input_dim};
  return b;
}

}  // namespace

Dense::Dense(std::int64_t output_dim, Options o)
    : Dense(with_args(std::move(o), &Options::output_dim, output_dim)) {}

Dense::Dense(const Options& o) : WithOptions(o, "Dense", base_of(o)) {
  accept_options(o_);
  fused_ = fusable_activation(o_.activation);
  set_initial_weights(std::exchange(o_.weights, {}));
  set_activity_regularizer(o_.activity_regularizer);
}

Shape Dense::compute_output_shape(const Shape& in) const {
  if (in.rank() < 2)
    throw ShapeError(fmt::str(
        who(), "expected an input of rank >= 2 (batch, ..., input_dim), got shape ", in.str()));
  const std::int64_t last = in[in.rank() - 1];
  if (last == Shape::kUnknown)
    throw ShapeError(fmt::str(who(), "the last dimension (input_dim) of input shape ", in.str(),
                              " must be known"));
  if (built() && last != input_dim_)
    throw ShapeError(fmt::str(who(), "input of shape ", in.str(), " has input_dim ", last,
                              ", but the layer was built for ", input_dim_));
  return in.with_dim(in.rank() - 1, o_.output_dim);
}

void Dense::build_weights(const Shape& in) {
  const std::int64_t d = in[in.rank() - 1];
  const Fans fans{static_cast<double>(d), static_cast<double>(o_.output_dim)};
  W_ = add_weight("W", Shape{d, o_.output_dim}, o_.init, fans, o_.W_regularizer, o_.W_constraint);
  if (o_.bias)
    b_ = add_weight("b", Shape{o_.output_dim}, "zero", fans, o_.b_regularizer, o_.b_constraint);
  input_dim_ = d;
}

Variable Dense::call(const Variable& x) {
  keep_in_compute_layout(W_, [&] {
    return dense_weights_layout(x.shape(), W_.shape(), b_.defined(), fused_, /*training=*/true);
  });
  const Variable y = dense(x, W_, b_, fused_);
  return fused_ == FusedActivation::none ? keel::activation(o_.activation, y) : y;
}

namespace {
const bool registered = register_layer_class<Dense>("Dense");
}  // namespace

}  // namespace keel::layers
