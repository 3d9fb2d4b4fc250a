// Element-wise math and the Keras 1 activations: forward and backward side by side.
// All run on oneDNN eltwise primitives, in whatever layout the input has.
#include <algorithm>
#include <array>
#include <string>

#include "keel/autograd/ops.h"
#include "keel/autograd/tape.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/tensor_ops.h"

namespace keel {

using dnnl::algorithm;

namespace {

enum class SaveFor { input, output };

// y = f(x) with oneDNN algorithm `fwd`; its backward runs `bwd` on the saved input or output
// (the *_use_dst_for_bwd algorithms let an op keep y and drop x).
Variable eltwise_op(const char* name, algorithm fwd, algorithm bwd, SaveFor save, const Variable& x,
                    float alpha = 0.f, float beta = 0.f) {
  Tensor y = ops::eltwise(fwd, x.value(), alpha, beta);
  const Tensor saved = save == SaveFor::output ? y : x.value();
  return record(name, std::move(y), {x},
                [bwd, saved, alpha, beta](const Tensor& g, const std::vector<bool>&) {
                  return std::vector<Tensor>{ops::eltwise_backward(bwd, g, saved, alpha, beta)};
                });
}

}  // namespace

Variable neg(const Variable& x) { return affine(x, -1.f, 0.f); }

Variable exp(const Variable& x) {
  return eltwise_op("exp", algorithm::eltwise_exp, algorithm::eltwise_exp_use_dst_for_bwd,
                    SaveFor::output, x);
}

Variable log(const Variable& x) {
  return eltwise_op("log", algorithm::eltwise_log, algorithm::eltwise_log, SaveFor::input, x);
}

Variable sqrt(const Variable& x) {
  return eltwise_op("sqrt", algorithm::eltwise_sqrt, algorithm::eltwise_sqrt_use_dst_for_bwd,
                    SaveFor::output, x);
}

Variable square(const Variable& x) {
  return eltwise_op("square", algorithm::eltwise_square, algorithm::eltwise_square, SaveFor::input,
                    x);
}

Variable abs(const Variable& x) {
  return eltwise_op("abs", algorithm::eltwise_abs, algorithm::eltwise_abs, SaveFor::input, x);
}

Variable pow(const Variable& x, float exponent) {
  return eltwise_op("pow", algorithm::eltwise_pow, algorithm::eltwise_pow, SaveFor::input, x, 1.f,
                    exponent);
}

Variable clip(const Variable& x, float lo, float hi) {
  if (lo > hi)
    throw ValueError(fmt::str("clip: lo ", lo, " is greater than hi ", hi, ", expected lo <= hi"));
  return eltwise_op("clip", algorithm::eltwise_clip_v2, algorithm::eltwise_clip_v2_use_dst_for_bwd,
                    SaveFor::output, x, lo, hi);
}

Variable linear(const Variable& x) { return x; }

Variable relu(const Variable& x) {
  return eltwise_op("relu", algorithm::eltwise_relu, algorithm::eltwise_relu_use_dst_for_bwd,
                    SaveFor::output, x);
}

Variable tanh(const Variable& x) {
  return eltwise_op("tanh", algorithm::eltwise_tanh, algorithm::eltwise_tanh_use_dst_for_bwd,
                    SaveFor::output, x);
}

Variable sigmoid(const Variable& x) {
  return eltwise_op("sigmoid", algorithm::eltwise_logistic,
                    algorithm::eltwise_logistic_use_dst_for_bwd, SaveFor::output, x);
}

Variable hard_sigmoid(const Variable& x) { return clip(affine(x, 0.2f, 0.5f), 0.f, 1.f); }

Variable softplus(const Variable& x) {
  // oneDNN has no use-dst variant of soft_relu: the backward needs x.
  return eltwise_op("softplus", algorithm::eltwise_soft_relu, algorithm::eltwise_soft_relu,
                    SaveFor::input, x);
}

Variable softsign(const Variable& x) {
  // oneDNN 2.6 has no softsign primitive; composed from primitives, differentiated by the tape.
  return div(x, add(abs(x), 1.f));
}

Variable elu(const Variable& x, float alpha) {
  return eltwise_op("elu", algorithm::eltwise_elu, algorithm::eltwise_elu_use_dst_for_bwd,
                    SaveFor::output, x, alpha);
}

Variable softmax(const Variable& x) {
  if (x.shape().rank() < 1)
    throw ShapeError(fmt::str("softmax: input of shape ", x.shape().str(), " has no last axis"));
  const int axis = x.shape().rank() - 1;
  Tensor y = ops::softmax(x.value(), axis);
  return record("softmax", y, {x}, [y, axis](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{ops::softmax_backward(g, y, axis)};
  });
}

namespace {

struct NamedActivation {
  std::string_view name;
  Variable (*fn)(const Variable&);
};

Variable elu_default(const Variable& x) { return elu(x); }

constexpr std::array<NamedActivation, 10> kActivations = {{
    {"linear", linear},
    {"relu", relu},
    {"tanh", tanh},
    {"sigmoid", sigmoid},
    {"hard_sigmoid", hard_sigmoid},
    {"softplus", softplus},
    {"softsign", softsign},
    {"elu", elu_default},
    {"softmax", softmax},
    {"", linear},  // Keras's activation=None
}};

const NamedActivation& find_activation(std::string_view name, std::string_view who) {
  for (const auto& a : kActivations)
    if (a.name == name) return a;
  throw ValueError(fmt::str(who, ": activation ", fmt::quoted(name), " is not one of ",
                            fmt::list(activation_names())));
}

}  // namespace

std::vector<std::string> activation_names() {
  std::vector<std::string> out;
  for (const auto& a : kActivations)
    if (!a.name.empty()) out.emplace_back(a.name);
  return out;
}

Variable activation(std::string_view name, const Variable& x) {
  return find_activation(name, "activation").fn(x);
}

}  // namespace keel
