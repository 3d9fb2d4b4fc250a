#include "keel/autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "keel/autograd/tape.h"
#include "keel/core/random.h"

namespace keel {

namespace {

double projected(const Tensor& y, const std::vector<float>& r) {
  const std::vector<float> v = y.to_vector();
  double acc = 0;
  for (std::size_t i = 0; i < v.size(); ++i) acc += static_cast<double>(v[i]) * r[i];
  return acc;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Variable()>& f, const std::vector<Variable>& params,
                          const GradcheckOptions& options) {
  // Analytic: the vector-Jacobian product with a fixed projection r.
  std::vector<Tensor> originals;
  for (const auto& p : params) originals.push_back(p.value());
  std::vector<Tensor> analytic;
  std::vector<float> r;
  {
    Tape tape;
    const Variable y = f();
    Philox rng(options.projection_seed);
    r.resize(static_cast<std::size_t>(y.value().numel()));
    rng.fill_uniform(r, -1.f, 1.f);
    analytic = tape.gradient(y, params, {.output_gradient = Tensor::from_data(y.shape(), r)});
  }

  GradcheckResult result;
  NoGrad no_grad;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const std::vector<float> a = analytic[k].to_vector();
    const Tensor base = originals[k].to_plain();
    Variable param = params[k];
    for (std::int64_t i = 0; i < base.numel(); ++i) {
      auto eval = [&](double delta) {
        Tensor moved = base.clone();
        moved.data()[i] = static_cast<float>(base.data()[i] + delta);
        param.set_value(moved);
        return projected(f().value(), r);
      };
      const double numeric = (eval(options.eps) - eval(-options.eps)) / (2 * options.eps);
      const double err = std::abs(a[i] - numeric);
      result.max_abs_error = std::max(result.max_abs_error, err);
      if (err > options.atol + options.rtol * std::abs(numeric) && result.ok) {
        result.ok = false;
        std::ostringstream os;
        os << "input " << k << " element " << i << ": analytic " << a[i] << " numeric " << numeric;
        result.message = os.str();
      }
    }
    param.set_value(originals[k]);
  }
  return result;
}

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
  std::vector<Variable> vars;
  for (const auto& t : inputs) vars.emplace_back(t.to_plain().clone(), true);
  return gradcheck([&] { return f(vars); }, vars, options);
}

}  // namespace keel
