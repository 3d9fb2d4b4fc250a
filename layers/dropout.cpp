#include "keel/layers/dropout.h"

#include <span>
#include <utility>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/layers/factory.h"

namespace keel::layers {

Dropout::Dropout(double p, Options o) : Dropout(with_args(std::move(o), &Options::p, p)) {}

Dropout::Dropout(const Options& o) : WithOptions(o, "Dropout", base_options(o)) {
  accept_options(o_);
  if (o_.seed) rng_.emplace(static_cast<std::uint64_t>(*o_.seed));
}

Shape Dropout::compute_output_shape(const Shape& in) const {
  if (in.rank() < 1)
    throw ShapeError(fmt::str(who(), "expected an input with a batch axis, got a scalar"));
  if (o_.noise_shape.rank() == 0) return in;
  bool fits = o_.noise_shape.rank() == in.rank();
  for (int i = 0; fits && i < in.rank(); ++i) {
    const std::int64_t d = o_.noise_shape[i];
    fits = d == Shape::kUnknown || d == 1 || in[i] == Shape::kUnknown || d == in[i];
  }
  if (!fits)
    throw ShapeError(fmt::str(who(), "noise_shape ", o_.noise_shape.str(),
                              " cannot be broadcast to the input shape ", in.str(),
                              ", expected the same rank and each entry 1 or the input's size"));
  return in;
}

Tensor Dropout::draw_mask(const Tensor& x) {
  // Drawn plain, in the Keras shape's row-major order (the contract in dropout.h: the same mask
  // whatever layout oneDNN chose for x); the multiply converts it to x's layout if needed.
  Shape shape = x.shape();
  if (o_.noise_shape.rank() > 0)
    for (int i = 0; i < shape.rank(); ++i)
      if (o_.noise_shape[i] != Shape::kUnknown) shape[i] = o_.noise_shape[i];
  Tensor mask = Tensor::empty(shape);
  Philox& rng = rng_ ? *rng_ : global_rng();
  rng.fill_bernoulli(std::span<float>(mask.data(), static_cast<std::size_t>(mask.numel())),
                     static_cast<float>(o_.p), static_cast<float>(1.0 / (1.0 - o_.p)));
  return mask;
}

Variable Dropout::call(const Variable& x) {
  if (!learning_phase() || o_.p == 0.0) return x;
  return mul(x, Variable(draw_mask(x.value())));
}

namespace {
const bool registered = register_layer_class<Dropout>("Dropout");
}  // namespace

}  // namespace keel::layers
