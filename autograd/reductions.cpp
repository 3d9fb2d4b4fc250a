// sum, mean, max over axes, and matmul: forward and backward side by side.
#include <algorithm>
#include <set>
#include <string>

#include "keel/autograd/ops.h"
#include "keel/autograd/tape.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/tensor_ops.h"

namespace keel {

using dnnl::algorithm;

namespace {

// Normalised, sorted, unique axes; all axes when `axes` is empty.
std::vector<int> resolve_axes(const Shape& s, const std::vector<int>& axes, const char* what) {
  std::set<int> out;
  if (axes.empty()) {
    for (int i = 0; i < s.rank(); ++i) out.insert(i);
  }
  for (int a : axes) {
    const int n = s.normalize_axis(a, what);
    if (!out.insert(n).second)
      throw ShapeError(fmt::str(std::string(what), ": axis ", a, " is repeated"));
  }
  return {out.begin(), out.end()};
}

Shape kept_shape(const Shape& s, const std::vector<int>& axes) {
  Shape k = s;
  for (int a : axes) k[a] = 1;
  return k;
}

std::int64_t reduced_count(const Shape& s, const std::vector<int>& axes) {
  std::int64_t n = 1;
  for (int a : axes) n *= s[a];
  return n;
}

}  // namespace

Variable sum(const Variable& x, std::vector<int> axes_in, bool keepdims) {
  const auto axes = resolve_axes(x.shape(), axes_in, "sum");
  Tensor y = ops::reduce(algorithm::reduction_sum, x.value(), axes, keepdims);
  return record(
      "sum", std::move(y), {x},
      [s = x.shape(), axes](const Tensor& g, const std::vector<bool>&) {
        return std::vector<Tensor>{
            ops::expand(g.to_plain().reshape(kept_shape(s, axes)), s, "sum")};
      },
      kReadsNone);
}

Variable mean(const Variable& x, std::vector<int> axes_in, bool keepdims) {
  const auto axes = resolve_axes(x.shape(), axes_in, "mean");
  const std::int64_t n = reduced_count(x.shape(), axes);
  if (n == 0)
    throw ShapeError(fmt::str("mean: reducing shape ", x.shape().str(), " over empty axes"));
  Tensor y = ops::reduce(algorithm::reduction_mean, x.value(), axes, keepdims);
  return record(
      "mean", std::move(y), {x},
      [s = x.shape(), axes, n](const Tensor& g, const std::vector<bool>&) {
        const Tensor scaled =
            ops::eltwise(algorithm::eltwise_linear, g, 1.f / static_cast<float>(n), 0.f);
        return std::vector<Tensor>{
            ops::expand(scaled.to_plain().reshape(kept_shape(s, axes)), s, "mean")};
      },
      kReadsNone);
}

Variable max(const Variable& x, std::vector<int> axes_in, bool keepdims) {
  const auto axes = resolve_axes(x.shape(), axes_in, "max");
  if (reduced_count(x.shape(), axes) == 0)
    throw ShapeError(fmt::str("max: reducing shape ", x.shape().str(), " over empty axes"));
  Tensor y_kept = ops::reduce(algorithm::reduction_max, x.value(), axes, true);
  Tensor y = keepdims ? y_kept : ops::reduce(algorithm::reduction_max, y_kept, axes, false);
  // The gradient is shared equally between tied maxima (as TensorFlow's reduce_max).
  return record(
      "max", std::move(y), {x},
      [vx = x.value(), y_kept, axes](const Tensor& g, const std::vector<bool>&) {
        const Tensor mask = ops::binary(algorithm::binary_eq, vx, y_kept, "max");
        const Tensor ties = ops::reduce(algorithm::reduction_sum, mask, axes, true);
        const Tensor share =
            ops::binary(algorithm::binary_div, g.to_plain().reshape(y_kept.shape()), ties, "max");
        return std::vector<Tensor>{ops::binary(algorithm::binary_mul, mask, share, "max")};
      });
}

Variable matmul(const Variable& a, const Variable& b) {
  Tensor y = ops::matmul(a.value(), b.value());
  return record("matmul", std::move(y), {a, b},
                [va = a.value(), vb = b.value()](const Tensor& g, const std::vector<bool>& needs) {
                  return std::vector<Tensor>{
                      needs[0] ? ops::matmul(g, vb, false, true) : Tensor(),   // g b^T
                      needs[1] ? ops::matmul(va, g, true, false) : Tensor()};  // a^T g
                });
}

}  // namespace keel
