#include "keel/layers/dropout.h"

#include <span>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/layers/config_reader.h"
#include "keel/layers/factory.h"

namespace keel::layers {

Dropout::Dropout(double p, const DropoutOptions& o)
    : Layer("Dropout", {o.input_shape, o.batch_input_shape, o.name, o.trainable}),
      p_(p),
      noise_shape_(o.noise_shape),
      seed_(o.seed) {
  if (!(p_ >= 0.0 && p_ < 1.0))
    throw ValueError(who() + "p is " + std::to_string(p_) +
                     ", expected a drop probability in [0, 1)");
  if (seed_) rng_.emplace(static_cast<std::uint64_t>(*seed_));
}

Shape Dropout::compute_output_shape(const Shape& in) const {
  if (in.rank() < 1) throw ShapeError(who() + "expected an input with a batch axis, got a scalar");
  if (noise_shape_.rank() == 0) return in;
  bool fits = noise_shape_.rank() == in.rank();
  for (int i = 0; fits && i < in.rank(); ++i) {
    const std::int64_t d = noise_shape_[i];
    fits = d == Shape::kUnknown || d == 1 || in[i] == Shape::kUnknown || d == in[i];
  }
  if (!fits)
    throw ShapeError(who() + "noise_shape " + noise_shape_.str() +
                     " cannot be broadcast to the input shape " + in.str() +
                     ", expected the same rank and each entry 1 or the input's size");
  return in;
}

Tensor Dropout::draw_mask(const Shape& in) {
  Shape shape = in;
  if (noise_shape_.rank() > 0)
    for (int i = 0; i < in.rank(); ++i)
      if (noise_shape_[i] != Shape::kUnknown) shape[i] = noise_shape_[i];
  Tensor mask = Tensor::empty(shape);
  const std::int64_t n = mask.numel();
  float* m = mask.data();
  Philox& rng = rng_ ? *rng_ : global_rng();
  rng.fill_bernoulli(std::span<float>(m, static_cast<std::size_t>(n)), static_cast<float>(p_),
                     static_cast<float>(1.0 / (1.0 - p_)));
  return mask;
}

Variable Dropout::call(const Variable& x) {
  if (!learning_phase() || p_ == 0.0) return x;
  return mul(x, Variable(draw_mask(x.shape())));
}

Config Dropout::layer_config() const {
  Config c;
  c["p"] = p_;
  c["noise_shape"] = noise_shape_.rank() > 0 ? shape_to_config(noise_shape_) : Config(nullptr);
  c["seed"] = seed_ ? Config(*seed_) : Config(nullptr);
  return c;
}

namespace {

const bool registered_dropout = register_layer("Dropout", [](const Config& config) {
  ConfigReader r(config, "Dropout: ");
  DropoutOptions o;
  o.noise_shape = r.get_shape("noise_shape");
  if (r.has("seed")) o.seed = r.get_int("seed", 0);
  (void)r.get_raw("seed");
  r.read_base_into(o);
  if (!r.has("p")) throw ValueError("Dropout: p is missing, expected a number in [0, 1)");
  const double p = r.get_double("p", 0.0);
  r.finish();
  return std::make_shared<Dropout>(p, o);
});

}  // namespace

}  // namespace keel::layers
