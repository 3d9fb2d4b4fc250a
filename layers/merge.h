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
  std::string mode = "sum";
  int concat_axis = -1;
  std::string name;
};

class Merge : public Layer {
 public:
  explicit Merge(const MergeOptions& options = {});
  const std::string& mode() const { return mode_; }

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
  Variable call(const Variable& x) override;
  Variable call_multi(const std::vector<Variable>& xs) override;
  Config layer_config() const override;

 private:
  std::string mode_;
  int concat_axis_;
};

}  // namespace keel::layers
