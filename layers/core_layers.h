// The weightless core layers of Keras 1 (KERAS1_SEMANTICS.md 12.2-12.3): Flatten, Activation,
// Reshape and Permute. (Dense is in layers/dense.h, Dropout in layers/dropout.h.)
//
//   Flatten()                (batch, d1, ..., dk) -> (batch, d1 * ... * dk), in row-major order
//                            of the Keras shape: a th image flattens (C, H, W), a tf image
//                            (H, W, C). A blocked input is reordered once; a plain one is not
//                            copied. Needs rank >= 3 (as Keras 1) and known non-batch dims.
//   Activation("relu")       a Keras activation by name (section 7); runs in the input's
//                            layout (a blocked convolution output stays blocked).
//   Reshape({2, -1})         target_shape without the batch axis; at most one -1, inferred.
//   Permute({2, 1})          permutes the non-batch axes; dims are 1-based as in Keras.
//
// get_config(): Flatten {}, Activation {activation}, Reshape {target_shape}, Permute {dims},
// plus name, trainable and batch_input_shape when given; from_config reads them back.
//
// Errors (naming the layer, the argument, the value and what was expected):
//  - ValueError at construction: an unknown activation; a target_shape entry that is 0 or
//    below -1, or more than one -1; dims that are not a permutation of 1..n;
//  - at build: ShapeError for an input of the wrong rank (Flatten < 3, Permute != n + 1);
//    ValueError (as Keras) for a Reshape whose element count cannot match the input's and for
//    a Flatten input with unknown non-batch dims.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keel/layers/layer.h"

namespace keel::layers {

struct FlattenOptions {
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() { return base_fields<FlattenOptions>(); }
};

struct ActivationOptions {
  std::string activation;  // positional: a Keras activation name
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = ActivationOptions;
    return std::tuple_cat(
        kwargs::fields(kwargs::required("activation", &O::activation, activation_rule())),
        base_fields<O>());
  }
};

struct ReshapeOptions {
  std::vector<std::int64_t> target_shape;  // positional: without the batch axis; one -1 inferred
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = ReshapeOptions;
    return std::tuple_cat(kwargs::fields(kwargs::required("target_shape", &O::target_shape)),
                          base_fields<O>());
  }
};

struct PermuteOptions {
  std::vector<int> dims;  // positional: a permutation of 1..n (1-based: 0 is the batch axis)
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = PermuteOptions;
    return std::tuple_cat(kwargs::fields(kwargs::required("dims", &O::dims)), base_fields<O>());
  }
};

class Flatten : public WithOptions<FlattenOptions> {
 public:
  explicit Flatten(const Options& options = {});

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
};

class Activation : public WithOptions<ActivationOptions> {
 public:
  explicit Activation(std::string activation, Options options = {});
  explicit Activation(const Options& options);
  const std::string& activation() const { return o_.activation; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
};

class Reshape : public WithOptions<ReshapeOptions> {
 public:
  explicit Reshape(std::vector<std::int64_t> target_shape, Options options = {});
  explicit Reshape(const Options& options);
  const std::vector<std::int64_t>& target_shape() const { return o_.target_shape; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
};

class Permute : public WithOptions<PermuteOptions> {
 public:
  explicit Permute(std::vector<int> dims, Options options = {});
  explicit Permute(const Options& options);
  const std::vector<int>& dims() const { return o_.dims; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
};

}  // namespace keel::layers
