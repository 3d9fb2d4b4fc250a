// Broadcasting arithmetic and its scalar variants: forward and backward side by side.
#include <string>

#include "keel/autograd/ops.h"
#include "keel/autograd/tape.h"
#include "keel/core/error.h"
#include "keel/core/tensor_ops.h"

namespace keel {

using dnnl::algorithm;

namespace {

Tensor negate(const Tensor& t) { return ops::eltwise(algorithm::eltwise_linear, t, -1.f, 0.f); }

}  // namespace

Variable add(const Variable& a, const Variable& b) {
  Tensor y = ops::binary(algorithm::binary_add, a.value(), b.value(), "add");
  return record(
      "add", std::move(y), {a, b},
      [sa = a.shape(), sb = b.shape()](const Tensor& g, const std::vector<bool>& needs) {
        return std::vector<Tensor>{needs[0] ? ops::sum_to(g, sa) : Tensor(),
                                   needs[1] ? ops::sum_to(g, sb) : Tensor()};
      },
      kReadsNone);
}

Variable sub(const Variable& a, const Variable& b) {
  Tensor y = ops::binary(algorithm::binary_sub, a.value(), b.value(), "sub");
  return record(
      "sub", std::move(y), {a, b},
      [sa = a.shape(), sb = b.shape()](const Tensor& g, const std::vector<bool>& needs) {
        return std::vector<Tensor>{needs[0] ? ops::sum_to(g, sa) : Tensor(),
                                   needs[1] ? ops::sum_to(negate(g), sb) : Tensor()};
      },
      kReadsNone);
}

Variable mul(const Variable& a, const Variable& b) {
  Tensor y = ops::binary(algorithm::binary_mul, a.value(), b.value(), "mul");
  return record("mul", std::move(y), {a, b},
                [va = a.value(), vb = b.value()](const Tensor& g, const std::vector<bool>& needs) {
                  auto grad = [&](const Tensor& other, const Shape& s) {
                    return ops::sum_to(ops::binary(algorithm::binary_mul, g, other, "mul"), s);
                  };
                  return std::vector<Tensor>{needs[0] ? grad(vb, va.shape()) : Tensor(),
                                             needs[1] ? grad(va, vb.shape()) : Tensor()};
                });
}

Variable div(const Variable& a, const Variable& b) {
  Tensor y = ops::binary(algorithm::binary_div, a.value(), b.value(), "div");
  // d(a/b)/da = 1/b, d(a/b)/db = -y/b: keep b and y, not a.
  return record(
      "div", y, {a, b},
      [sa = a.shape(), vb = b.value(), y](const Tensor& g, const std::vector<bool>& needs) {
        const Tensor g_over_b = ops::binary(algorithm::binary_div, g, vb, "div");
        Tensor ga, gb;
        if (needs[0]) ga = ops::sum_to(g_over_b, sa);
        if (needs[1])
          gb = ops::sum_to(negate(ops::binary(algorithm::binary_mul, g_over_b, y, "div")),
                           vb.shape());
        return std::vector<Tensor>{ga, gb};
      });
}

namespace {

// maximum / minimum: the gradient goes to a where `mask_alg(a, b)` holds, to b elsewhere.
Variable select_binary(const char* name, algorithm alg, algorithm mask_alg, const Variable& a,
                       const Variable& b) {
  Tensor y = ops::binary(alg, a.value(), b.value(), name);
  return record(name, std::move(y), {a, b},
                [name, mask_alg, va = a.value(), vb = b.value()](const Tensor& g,
                                                                 const std::vector<bool>& needs) {
                  const Tensor mask = ops::binary(mask_alg, va, vb, name);
                  const Tensor to_a = ops::binary(algorithm::binary_mul, g, mask, name);
                  Tensor ga, gb;
                  if (needs[0]) ga = ops::sum_to(to_a, va.shape());
                  if (needs[1])
                    gb = ops::sum_to(ops::binary(algorithm::binary_sub, g, to_a, name), vb.shape());
                  return std::vector<Tensor>{ga, gb};
                });
}

}  // namespace

Variable maximum(const Variable& a, const Variable& b) {
  return select_binary("maximum", algorithm::binary_max, algorithm::binary_ge, a, b);
}

Variable minimum(const Variable& a, const Variable& b) {
  return select_binary("minimum", algorithm::binary_min, algorithm::binary_le, a, b);
}

Variable affine(const Variable& x, float scale, float shift) {
  Tensor y = ops::eltwise(algorithm::eltwise_linear, x.value(), scale, shift);
  return record(
      "affine", std::move(y), {x},
      [scale](const Tensor& g, const std::vector<bool>&) {
        return std::vector<Tensor>{ops::eltwise(algorithm::eltwise_linear, g, scale, 0.f)};
      },
      kReadsNone);
}

Variable add(const Variable& x, float s) { return affine(x, 1.f, s); }
Variable sub(const Variable& x, float s) { return affine(x, 1.f, -s); }
Variable sub(float s, const Variable& x) { return affine(x, -1.f, s); }
Variable mul(const Variable& x, float s) { return affine(x, s, 0.f); }

Variable div(const Variable& x, float s) {
  if (s == 0.f) throw ValueError("div: division of a tensor by the scalar 0");
  return affine(x, 1.f / s, 0.f);
}

Variable div(float s, const Variable& x) {
  // s / x = s * x^-1 as one eltwise_pow (alpha = s, beta = -1).
  Tensor y = ops::eltwise(algorithm::eltwise_pow, x.value(), s, -1.f);
  return record(
      "rdiv", std::move(y), {x}, [s, vx = x.value()](const Tensor& g, const std::vector<bool>&) {
        return std::vector<Tensor>{ops::eltwise_backward(algorithm::eltwise_pow, g, vx, s, -1.f)};
      });
}

}  // namespace keel
