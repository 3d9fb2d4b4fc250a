#include "keel/layers/core_layers.h"

#include <algorithm>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/layers/factory.h"

namespace keel::layers {

// --- Flatten ---------------------------------------------------------------------------------

Flatten::Flatten(const Options& o) : WithOptions(o, "Flatten", base_options(o)) {
  accept_options(o_);
}

Shape Flatten::compute_output_shape(const Shape& in) const {
  if (in.rank() < 3)
    throw ShapeError(fmt::str(
        who(), "expected an input of rank >= 3 (batch, d1, d2, ...), got shape ", in.str()));
  std::int64_t n = 1;
  for (int i = 1; i < in.rank(); ++i) {
    if (in[i] == Shape::kUnknown)
      throw ValueError(fmt::str(who(), "the non-batch dimensions of input shape ", in.str(),
                                " must all be known to flatten them"));
    n *= in[i];
  }
  return Shape{in[0], n};
}

Variable Flatten::call(const Variable& x) {
  const Shape out = compute_output_shape(x.shape());
  return reshape(x, {x.shape()[0], out[1]});
}

// --- Activation ------------------------------------------------------------------------------

Activation::Activation(std::string activation, Options o)
    : Activation(with_args(std::move(o), &Options::activation, std::move(activation))) {}

Activation::Activation(const Options& o) : WithOptions(o, "Activation", base_options(o)) {
  accept_options(o_);
}

Shape Activation::compute_output_shape(const Shape& in) const {
  if (in.rank() < 1)
    throw ShapeError(fmt::str(who(), "expected an input with a batch axis, got a scalar"));
  return in;
}

Variable Activation::call(const Variable& x) { return keel::activation(o_.activation, x); }

// --- Reshape ---------------------------------------------------------------------------------

Reshape::Reshape(std::vector<std::int64_t> target_shape, Options o)
    : Reshape(with_args(std::move(o), &Options::target_shape, std::move(target_shape))) {}

Reshape::Reshape(const Options& o) : WithOptions(o, "Reshape", base_options(o)) {
  accept_options(o_);
  int unknown = 0;
  for (auto d : o_.target_shape) {
    if (d == -1) {
      ++unknown;
    } else if (d < 1) {
      throw ValueError(fmt::str(who(), "target_shape ", fmt::tuple(o_.target_shape),
                                " has the entry ", d,
                                ", expected positive sizes and at most one -1"));
    }
  }
  if (unknown > 1)
    throw ValueError(fmt::str(who(), "target_shape ", fmt::tuple(o_.target_shape),
                              " has more than one -1, expected at most one dimension to infer"));
  if (static_cast<int>(o_.target_shape.size()) + 1 > Shape::kMaxRank)
    throw ValueError(fmt::str(who(), "target_shape ", fmt::tuple(o_.target_shape), " has ",
                              o_.target_shape.size(), " dimensions, expected at most ",
                              Shape::kMaxRank - 1));
}

Shape Reshape::compute_output_shape(const Shape& in) const {
  if (in.rank() < 1)
    throw ShapeError(fmt::str(who(), "expected an input with a batch axis, got a scalar"));
  std::vector<std::int64_t> out{in[0]};
  bool known = true;
  std::int64_t total = 1;
  for (int i = 1; i < in.rank(); ++i) {
    known = known && in[i] != Shape::kUnknown;
    if (known) total *= in[i];
  }
  std::int64_t given = 1;
  int infer = -1;
  for (std::size_t i = 0; i < o_.target_shape.size(); ++i) {
    if (o_.target_shape[i] == -1) {
      infer = static_cast<int>(i);
    } else {
      given *= o_.target_shape[i];
    }
    out.push_back(o_.target_shape[i] == -1 ? Shape::kUnknown : o_.target_shape[i]);
  }
  if (!known) return Shape(out);  // Keras: the -1 stays None
  const bool fits = infer >= 0 ? given > 0 && total % given == 0 : given == total;
  if (!fits)
    throw ValueError(fmt::str(who(), "target_shape ", fmt::tuple(o_.target_shape),
                              " does not fit an input of shape ", in.str(), " (", total,
                              " elements per sample): the total size must be unchanged"));
  if (infer >= 0) out[static_cast<std::size_t>(infer) + 1] = total / given;
  return Shape(out);
}

Variable Reshape::call(const Variable& x) {
  const Shape out = compute_output_shape(x.shape());
  return reshape(x, out.vec());
}

// --- Permute ---------------------------------------------------------------------------------

Permute::Permute(std::vector<int> dims, Options o)
    : Permute(with_args(std::move(o), &Options::dims, std::move(dims))) {}

Permute::Permute(const Options& o) : WithOptions(o, "Permute", base_options(o)) {
  accept_options(o_);
  std::vector<int> sorted = o_.dims;
  std::sort(sorted.begin(), sorted.end());
  bool ok = !o_.dims.empty();
  for (std::size_t i = 0; i < sorted.size(); ++i) ok = ok && sorted[i] == static_cast<int>(i) + 1;
  if (!ok)
    throw ValueError(fmt::str(who(), "dims ", fmt::tuple(o_.dims), " is not a permutation of 1..",
                              o_.dims.size(), " (dims are 1-based: 0 is the batch axis)"));
}

Shape Permute::compute_output_shape(const Shape& in) const {
  const int n = static_cast<int>(o_.dims.size());
  if (in.rank() != n + 1)
    throw ShapeError(fmt::str(who(), "dims ", fmt::tuple(o_.dims), " permute ", n,
                              " axes, expected an input of rank ", std::to_string(n + 1),
                              " (batch first), got shape ", in.str()));
  Shape out = in;
  for (int i = 0; i < n; ++i) out[i + 1] = in[o_.dims[static_cast<std::size_t>(i)]];
  return out;
}

Variable Permute::call(const Variable& x) {
  std::vector<int> perm{0};
  perm.insert(perm.end(), o_.dims.begin(), o_.dims.end());
  return permute(x, perm);
}

namespace {
const bool registered =
    register_layer_class<Flatten>("Flatten") && register_layer_class<Activation>("Activation") &&
    register_layer_class<Reshape>("Reshape") && register_layer_class<Permute>("Permute");
}  // namespace

}  // namespace keel::layers
