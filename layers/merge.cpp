#include "keel/layers/merge.h"

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/layers/config_reader.h"
#include "keel/layers/factory.h"

namespace keel::layers {

Merge::Merge(const MergeOptions& o)
    : Layer("Merge", BaseOptions{.name = o.name}), mode_(o.mode), concat_axis_(o.concat_axis) {
  if (mode_ != "sum" && mode_ != "mul" && mode_ != "ave" && mode_ != "max" && mode_ != "concat")
    throw ValueError(who() + "mode '" + mode_ + "' is not one of sum, mul, ave, max, concat");
}

Shape Merge::compute_output_shape(const Shape& input_shape) const {
  return compute_output_shape_multi({input_shape});
}

Shape Merge::compute_output_shape_multi(const std::vector<Shape>& shapes) const {
  if (shapes.size() < 2)
    throw ValueError(who() + "needs at least 2 inputs, got " + std::to_string(shapes.size()));
  const Shape& first = shapes[0];
  if (mode_ != "concat") {
    for (std::size_t i = 1; i < shapes.size(); ++i) {
      bool same = shapes[i].rank() == first.rank();
      for (int d = 1; same && d < first.rank(); ++d) same = shapes[i][d] == first[d];
      if (!same)
        throw ShapeError(who() + "mode '" + mode_ + "' needs inputs of equal shapes, got " +
                         first.str() + " and " + shapes[i].str());
    }
    return first;
  }
  const int axis = first.normalize_axis(concat_axis_, (who() + "concat_axis").c_str());
  if (axis == 0) throw ValueError(who() + "concat_axis must not be the batch axis");
  Shape out = first;
  for (std::size_t i = 1; i < shapes.size(); ++i) {
    bool same = shapes[i].rank() == first.rank();
    for (int d = 1; same && d < first.rank(); ++d) same = d == axis || shapes[i][d] == first[d];
    if (!same)
      throw ShapeError(who() + "cannot concatenate " + first.str() + " and " + shapes[i].str() +
                       " along axis " + std::to_string(concat_axis_));
    out[axis] = out[axis] == Shape::kUnknown || shapes[i][axis] == Shape::kUnknown
                    ? Shape::kUnknown
                    : out[axis] + shapes[i][axis];
  }
  return out;
}

Variable Merge::call(const Variable& x) { return call_multi({x}); }

Variable Merge::call_multi(const std::vector<Variable>& xs) {
  std::vector<Shape> shapes;
  for (const auto& x : xs) shapes.push_back(x.shape());
  (void)compute_output_shape_multi(shapes);
  if (mode_ == "concat") return concatenate(xs, concat_axis_);
  Variable acc = xs[0];
  for (std::size_t i = 1; i < xs.size(); ++i) {
    if (mode_ == "sum" || mode_ == "ave") acc = add(acc, xs[i]);
    else if (mode_ == "mul") acc = mul(acc, xs[i]);
    else acc = maximum(acc, xs[i]);
  }
  return mode_ == "ave" ? mul(acc, 1.f / static_cast<float>(xs.size())) : acc;
}

Config Merge::layer_config() const { return {{"mode", mode_}, {"concat_axis", concat_axis_}}; }

namespace {
const bool registered_merge = register_layer("Merge", [](const Config& config) {
  ConfigReader r(config, "Merge: ");
  MergeOptions o;
  o.mode = r.get_string("mode", "sum");
  o.concat_axis = static_cast<int>(r.get_int("concat_axis", -1));
  o.name = r.get_string("name", "");
  (void)r.get_bool("trainable", true);
  r.finish();
  return std::make_shared<Merge>(o);
});
}  // namespace

}  // namespace keel::layers
