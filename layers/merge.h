// Merge: combines several tensors into one, as Keras 1's Merge layer / merge() function:
// mode "sum", "mul", "ave", "max" (shapes must be equal) or "concat" (along concat_axis,
// -1 by default; other axes equal). Used in graph models (layers/node.h):
//   auto merged = (*std::make_shared<Merge>(MergeOptions{.mode = "concat"}))({a, b});
// An unknown mode is a ValueError listing the known ones; mismatched shapes a ShapeError.
#pragma once

#include <string>

#include "keel/layers/layer.h"

namespace keel::layers {

struct MergeOptions {
  std::string mode = "sum";  // sum, mul, ave, max or concat
  int concat_axis = -1;
  // Keras 1 writes these too; keel has no Python callables, so they must keep their defaults.
  Config dot_axes = -1;
  Config output_shape;  // null
  Config output_mask;   // null
  Config arguments = Config::object();
  std::string mode_type = "raw", output_shape_type = "raw", output_mask_type = "raw";
  std::string name;
  bool trainable = true;  // Keras 1 does not write it for Merge

  static auto fields() {
    using O = MergeOptions;
    using kwargs::field;
    kwargs::Rule<Config> null_only = [](const Config& v) {
      return v.is_null() ? std::string() : std::string("null (keel runs no Python callables)");
    };
    return kwargs::fields(
        field("mode", &O::mode, kwargs::one_of({"sum", "mul", "ave", "max", "concat"})),
        field("concat_axis", &O::concat_axis), field("dot_axes", &O::dot_axes),
        field("output_shape", &O::output_shape, null_only),
        field("output_mask", &O::output_mask, null_only), field("arguments", &O::arguments),
        field("mode_type", &O::mode_type, kwargs::one_of({"raw"})),
        field("output_shape_type", &O::output_shape_type, kwargs::one_of({"raw"})),
        field("output_mask_type", &O::output_mask_type, kwargs::one_of({"raw"})),
        kwargs::read_only("name", &O::name), kwargs::read_only("trainable", &O::trainable));
  }
};

class Merge : public WithOptions<MergeOptions> {
 public:
  explicit Merge(const Options& options = {});
  const std::string& mode() const { return o_.mode; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
  Variable call(const Variable& x) override;
  Variable call_multi(const std::vector<Variable>& xs) override;
};

}  // namespace keel::layers
