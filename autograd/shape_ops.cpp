// reshape, permute/transpose, concatenate, slice: forward and backward side by side.
#include <numeric>
#include <string>

#include "keel/autograd/ops.h"
#include "keel/autograd/tape.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/tensor_ops.h"

namespace keel {

Variable reshape(const Variable& x, const std::vector<std::int64_t>& shape_in) {
  std::vector<std::int64_t> dims = shape_in;
  const std::int64_t n = x.shape().numel();
  int inferred = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (inferred >= 0)
        throw ShapeError("reshape: more than one dimension is -1 in the target shape");
      inferred = static_cast<int>(i);
    } else if (dims[i] < 0) {
      throw ShapeError(fmt::str("reshape: dimension ", i, " of the target shape is ", dims[i],
                                ", expected >= 0 or -1"));
    } else {
      known *= dims[i];
    }
  }
  if (inferred >= 0) {
    if (known == 0 || n % known != 0)
      throw ShapeError(fmt::str("reshape: cannot infer the -1 dimension reshaping ",
                                x.shape().str(), " (", n, " elements)"));
    dims[inferred] = n / known;
  }
  Tensor y = x.value().to_plain().reshape(Shape(dims));
  return record(
      "reshape", std::move(y), {x},
      [s = x.shape()](const Tensor& g, const std::vector<bool>&) {
        return std::vector<Tensor>{g.to_plain().reshape(s)};
      },
      kReadsNone);
}

Variable permute(const Variable& x, const std::vector<int>& perm) {
  Tensor y = ops::permute(x.value(), perm);
  std::vector<int> inverse(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int>(i);
  return record(
      "permute", std::move(y), {x},
      [inverse](const Tensor& g, const std::vector<bool>&) {
        return std::vector<Tensor>{ops::permute(g, inverse)};
      },
      kReadsNone);
}

Variable transpose(const Variable& x, const std::vector<int>& perm) {
  if (!perm.empty()) return permute(x, perm);
  std::vector<int> reversed(static_cast<std::size_t>(x.shape().rank()));
  std::iota(reversed.rbegin(), reversed.rend(), 0);
  return permute(x, reversed);
}

Variable concatenate(const std::vector<Variable>& xs, int axis) {
  std::vector<Tensor> values;
  for (const auto& v : xs) values.push_back(v.value());
  Tensor y = ops::concat(values, axis);
  const int a = xs.front().shape().normalize_axis(axis, "concatenate");
  std::vector<Shape> shapes;
  for (const auto& v : xs) shapes.push_back(v.shape());
  return record(
      "concatenate", std::move(y), xs,
      [shapes, a](const Tensor& g, const std::vector<bool>& needs) {
        std::vector<Tensor> grads(shapes.size());
        std::int64_t offset = 0;
        for (std::size_t i = 0; i < shapes.size(); ++i) {
          if (needs[i]) {
            std::vector<std::int64_t> starts(static_cast<std::size_t>(shapes[i].rank()), 0);
            starts[a] = offset;
            grads[i] = ops::slice(g, starts, shapes[i]);
          }
          offset += shapes[i][a];
        }
        return grads;
      },
      kReadsNone);
}

Variable slice(const Variable& x, const std::vector<std::int64_t>& starts,
               const std::vector<std::int64_t>& sizes_in) {
  const Shape& s = x.shape();
  if (static_cast<int>(sizes_in.size()) != s.rank() || static_cast<int>(starts.size()) != s.rank())
    throw ShapeError(fmt::str("slice: starts and sizes need ", s.rank(),
                              " entries for input of shape ", s.str(), ", got ", starts.size(),
                              " and ", sizes_in.size()));
  std::vector<std::int64_t> sizes = sizes_in;
  for (int i = 0; i < s.rank(); ++i)
    if (sizes[i] == -1) sizes[i] = s[i] - starts[i];
  Tensor y = ops::slice(x.value(), starts, Shape(sizes));
  return record(
      "slice", std::move(y), {x},
      [s, starts](const Tensor& g, const std::vector<bool>&) {
        return std::vector<Tensor>{ops::pad_into(g, s, starts)};
      },
      kReadsNone);
}

}  // namespace keel
