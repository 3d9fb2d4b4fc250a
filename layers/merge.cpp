#include "keel/layers/merge.h"

#include <utility>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/layers/factory.h"

namespace keel::layers {

Merge::Merge(const Options& o)
    : WithOptions(o, "Merge", BaseOptions{.name = o.name, .trainable = o.trainable}) {
  accept_options(o_);
}

Shape Merge::compute_output_shape(const Shape& input_shape) const {
  return compute_output_shape_multi({input_shape});
}

Shape Merge::compute_output_shape_multi(const std::vector<Shape>& shapes) const {
  if (shapes.size() < 2)
    throw ValueError(fmt::str(who(), "needs at least 2 inputs, got ", shapes.size()));
  const Shape& first = shapes[0];
  if (o_.mode != "concat") {
    for (std::size_t i = 1; i < shapes.size(); ++i) {
      bool same = shapes[i].rank() == first.rank();
      for (int d = 1; same && d < first.rank(); ++d) same = shapes[i][d] == first[d];
      if (!same)
        throw ShapeError(fmt::str(who(), "mode '", o_.mode, "' needs inputs of equal shapes, got ",
                                  first.str(), " and ", shapes[i].str()));
    }
    return first;
  }
  const int axis = first.normalize_axis(o_.concat_axis, (who() + "concat_axis").c_str());
  if (axis == 0) throw ValueError(fmt::str(who(), "concat_axis must not be the batch axis"));
  Shape out = first;
  for (std::size_t i = 1; i < shapes.size(); ++i) {
    bool same = shapes[i].rank() == first.rank();
    for (int d = 1; same && d < first.rank(); ++d) same = d == axis || shapes[i][d] == first[d];
    if (!same)
      throw ShapeError(fmt::str(who(), "cannot concatenate ", first.str(), " and ", shapes[i].str(),
                                " along axis ", o_.concat_axis));
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
  if (o_.mode == "concat") return concatenate(xs, o_.concat_axis);
  Variable acc = xs[0];
  for (std::size_t i = 1; i < xs.size(); ++i) {
    if (o_.mode == "sum" || o_.mode == "ave")
      acc = add(acc, xs[i]);
    else if (o_.mode == "mul")
      acc = mul(acc, xs[i]);
    else
      acc = maximum(acc, xs[i]);
  }
  return o_.mode == "ave" ? mul(acc, 1.f / static_cast<float>(xs.size())) : acc;
}

namespace {
const bool registered = register_layer_class<Merge>("Merge");
}  // namespace

}  // namespace keel::layers
