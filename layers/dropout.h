// Dropout: Keras 1's Dropout(p, noise_shape=None, seed=None) (KERAS1_SEMANTICS.md 12.3).
//
//   keel::layers::Dropout drop(0.5);                 // draws from keel::global_rng()
//   keel::layers::Dropout drop(0.5, {.seed = 42});   // its own Philox stream
//
// Training phase (layers::learning_phase(), set by fit() or a LearningPhase guard) with
// 0 < p < 1: each element is zeroed with probability p and the survivors are scaled by
// 1 / (1 - p) (inverted dropout: the test phase is the identity, as in Keras). The gradient is
// mask * 1 / (1 - p). p = 0 and the test phase are the identity.
//
// The mask is drawn from a counter-based Philox stream (core/random.h): keel::global_rng() by
// default, so keel::set_seed() makes a run reproducible; with `seed` the layer owns a
// Philox(seed) stream that starts over with every new layer. Element i of the mask (in the
// row-major order of the Keras shape) uses draw i, whatever the thread count or the input's
// oneDNN layout; an element survives when its uniform draw u in [0, 1) is >= p (TensorFlow's
// floor(1 - p + u)).
// `noise_shape` (without None entries, or with None meaning "the input's size", a Keras 2
// convenience) is the shape of the mask, broadcast over the input: (batch, 1, 1, C) drops
// whole feature maps of a tf image. Its rank must be the input's and each entry 1 or the
// input's size.
//
// get_config(): p, noise_shape, seed (null when not given); from_config reads them back.
// Errors: ValueError at construction for p outside [0, 1) (naming the value); ShapeError at
// build for a noise_shape that does not fit the input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "keel/core/random.h"
#include "keel/layers/layer.h"

namespace keel::layers {

struct DropoutOptions {
  double p = 0;                      // positional: the drop probability
  Shape noise_shape;                 // rank 0 = None: the input's shape
  std::optional<std::int64_t> seed;  // None: keel::global_rng()
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = DropoutOptions;
    using kwargs::field;
    return std::tuple_cat(
        kwargs::fields(kwargs::required("p", &O::p, kwargs::unit_interval()),
                       field("noise_shape", &O::noise_shape), field("seed", &O::seed)),
        base_fields<O>());
  }
};

class Dropout : public WithOptions<DropoutOptions> {
 public:
  explicit Dropout(double p, Options options = {});
  explicit Dropout(const Options& options);

  double p() const { return o_.p; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;

 private:
  // The scaled keep-mask for `x`: 1 / (1 - p) or 0 per element (of the noise_shape when given,
  // to broadcast), plain.
  Tensor draw_mask(const Tensor& x);

  std::optional<Philox> rng_;  // the layer's own stream when seeded
};

}  // namespace keel::layers
