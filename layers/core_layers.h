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
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};
using ActivationOptions = FlattenOptions;
using ReshapeOptions = FlattenOptions;
using PermuteOptions = FlattenOptions;

class Flatten : public Layer {
 public:
  explicit Flatten(const FlattenOptions& options = {});

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
  Config layer_config() const override;
};

class Activation : public Layer {
 public:
  explicit Activation(std::string activation, const ActivationOptions& options = {});
  const std::string& activation() const { return activation_; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
  Config layer_config() const override;

 private:
  std::string activation_;
};

class Reshape : public Layer {
 public:
  explicit Reshape(std::vector<std::int64_t> target_shape, const ReshapeOptions& options = {});
  const std::vector<std::int64_t>& target_shape() const { return target_shape_; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
  Config layer_config() const override;

 private:
  std::vector<std::int64_t> target_shape_;
};

class Permute : public Layer {
 public:
  explicit Permute(std::vector<int> dims, const PermuteOptions& options = {});
  const std::vector<int>& dims() const { return dims_; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
  Config layer_config() const override;

 private:
  std::vector<int> dims_;  // 1-based, as Keras
};

}  // namespace keel::layers
