// gradcheck: compares the tape's gradients of `f` with central differences.
//
// For every element of every input, (L(x + eps) - L(x - eps)) / (2 eps) is compared with the
// analytic dL/dx, where L = sum(f(inputs) * r) for a fixed random projection r (so non-scalar
// outputs are covered through their vector-Jacobian product). Sums run in double; the default
// tolerances suit float32 ops whose values are O(1). An element passes when
//   |analytic - numeric| <= atol + rtol * |numeric|.
// Inputs should avoid kinks (relu at 0, abs at 0, ties in max).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "keel/autograd/variable.h"

namespace keel {

struct GradcheckOptions {
  double eps = 1e-2;
  double atol = 2e-3;
  double rtol = 2e-2;
  std::uint64_t projection_seed = 12345;
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;
  // First failing element, e.g. "input 1 element 7: analytic 0.25 numeric 0.5".
  std::string message;
  explicit operator bool() const { return ok; }
};

using GradcheckFn = std::function<Variable(const std::vector<Variable>&)>;

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

// The same check for a computation over existing Variables (a layer's input and weights): each
// parameter is perturbed in place with set_value and restored afterwards.
GradcheckResult gradcheck(const std::function<Variable()>& f, const std::vector<Variable>& params,
                          const GradcheckOptions& options = {});

}  // namespace keel
