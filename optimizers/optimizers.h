// Keras 1.2.2's optimizers (keras/optimizers.py, KERAS1_SEMANTICS.md 8) on the Optimizer base
// (optimizer.h: clipping, decay, iteration counting, constraints, state, and the by-name
// factories get() and from_config()).
//
// Options structs take Keras's keyword arguments in Keras order, with Keras's defaults, then
// clipnorm and clipvalue (0 = off):  SGD({.lr = 0.1f, .momentum = 0.9f, .nesterov = true}).
// Each struct's table (core/kwargs.h) is the one place an argument's Keras name and rule are
// written: it validates at construction and gives get_config() and from_config(). The seven
// classes are one template, KerasOptimizer<Options>, that differs only in its update rule
// (optimizers.cpp: one rule per optimizer, the equations below).
// With g the processed gradient, p the weight, lr_t the decayed lr, t = iterations + 1:
//   SGD       v = momentum*m - lr_t*g; m <- v; p <- p + v, or with nesterov
//             p <- p + momentum*v - lr_t*g. With momentum = 0 no moment is kept (slot-free).
//   RMSprop   a <- rho*a + (1-rho)*g^2; p <- p - lr_t*g / (sqrt(a) + epsilon)
//   Adagrad   a <- a + g^2;             p <- p - lr_t*g / (sqrt(a) + epsilon)
//   Adadelta  a <- rho*a + (1-rho)*g^2; u = g*sqrt(d + epsilon) / sqrt(a + epsilon);
//             p <- p - lr_t*u; d <- rho*d + (1-rho)*u^2
//   Adam      alpha = lr_t*sqrt(1-beta_2^t) / (1-beta_1^t); m <- beta_1*m + (1-beta_1)*g;
//             v <- beta_2*v + (1-beta_2)*g^2; p <- p - alpha*m / (sqrt(v) + epsilon)
//   Adamax    alpha = lr_t / (1-beta_1^t); m as Adam; u <- max(beta_2*u, |g|);
//             p <- p - alpha*m / (u + epsilon)
//   Nadam     (no decay) mu_t = beta_1*(1 - 0.5*0.96^(t*schedule_decay)), mu_t1 likewise at
//             t+1; S <- S*mu_t (S starts at 1), S_next = S*mu_t1; m, v as Adam;
//             m_bar = (1-mu_t)*g/(1-S) + mu_t1*m/(1-S_next);
//             p <- p - lr*m_bar / (sqrt(v/(1-beta_2^t)) + epsilon)
// Element arithmetic is float32 in Keras's operation order; scalar factors are computed in
// double and cast.
//
// Throws: ValueError naming the optimizer, the argument and the value for lr, decay, epsilon,
// schedule_decay, clipnorm or clipvalue < 0 (or not finite), momentum, rho, beta_1 or beta_2
// outside [0, 1); for an unknown name (listing the known ones), an unexpected config argument
// or a config value of the wrong type.
#pragma once

#include <memory>
#include <string_view>

#include "keel/core/kwargs.h"
#include "keel/optimizers/optimizer.h"

namespace keel::optimizers {

// The rows every optimizer's table ends with: clipnorm, clipvalue (0 = off).
template <class O>
auto clip_fields() {
  return kwargs::fields(kwargs::field("clipnorm", &O::clipnorm, kwargs::non_negative()),
                        kwargs::field("clipvalue", &O::clipvalue, kwargs::non_negative()));
}

struct SGDOptions {
  float lr = 0.01f;
  float momentum = 0.f;
  float decay = 0.f;
  bool nesterov = false;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
  static auto fields() {
    using O = SGDOptions;
    using kwargs::field;
    return std::tuple_cat(kwargs::fields(field("lr", &O::lr, kwargs::non_negative()),
                                         field("momentum", &O::momentum, kwargs::unit_interval()),
                                         field("decay", &O::decay, kwargs::non_negative()),
                                         field("nesterov", &O::nesterov)),
                          clip_fields<O>());
  }
};

struct RMSpropOptions {
  float lr = 0.001f;
  float rho = 0.9f;
  float epsilon = 1e-8f;
  float decay = 0.f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
  static auto fields() {
    using O = RMSpropOptions;
    using kwargs::field;
    return std::tuple_cat(kwargs::fields(field("lr", &O::lr, kwargs::non_negative()),
                                         field("rho", &O::rho, kwargs::unit_interval()),
                                         field("epsilon", &O::epsilon, kwargs::non_negative()),
                                         field("decay", &O::decay, kwargs::non_negative())),
                          clip_fields<O>());
  }
};

struct AdagradOptions {
  float lr = 0.01f;
  float epsilon = 1e-8f;
  float decay = 0.f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
  static auto fields() {
    using O = AdagradOptions;
    using kwargs::field;
    return std::tuple_cat(kwargs::fields(field("lr", &O::lr, kwargs::non_negative()),
                                         field("epsilon", &O::epsilon, kwargs::non_negative()),
                                         field("decay", &O::decay, kwargs::non_negative())),
                          clip_fields<O>());
  }
};

struct AdadeltaOptions {
  float lr = 1.f;
  float rho = 0.95f;
  float epsilon = 1e-8f;
  float decay = 0.f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
  static auto fields() {
    using O = AdadeltaOptions;
    using kwargs::field;
    return std::tuple_cat(kwargs::fields(field("lr", &O::lr, kwargs::non_negative()),
                                         field("rho", &O::rho, kwargs::unit_interval()),
                                         field("epsilon", &O::epsilon, kwargs::non_negative()),
                                         field("decay", &O::decay, kwargs::non_negative())),
                          clip_fields<O>());
  }
};

// Adam and Adamax have the same arguments, not the same default lr (a tag type carries it:
// clang 14 has no floating-point template parameters).
struct AdamDefaults {
  static constexpr float lr = 0.001f;
};
struct AdamaxDefaults {
  static constexpr float lr = 0.002f;
};
template <class Defaults>
struct AdamFamilyOptions {
  float lr = Defaults::lr;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-8f;
  float decay = 0.f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
  static auto fields() {
    using O = AdamFamilyOptions;
    using kwargs::field;
    return std::tuple_cat(kwargs::fields(field("lr", &O::lr, kwargs::non_negative()),
                                         field("beta_1", &O::beta_1, kwargs::unit_interval()),
                                         field("beta_2", &O::beta_2, kwargs::unit_interval()),
                                         field("epsilon", &O::epsilon, kwargs::non_negative()),
                                         field("decay", &O::decay, kwargs::non_negative())),
                          clip_fields<O>());
  }
};
using AdamOptions = AdamFamilyOptions<AdamDefaults>;
using AdamaxOptions = AdamFamilyOptions<AdamaxDefaults>;

struct NadamOptions {
  float lr = 0.002f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-8f;
  float schedule_decay = 0.004f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
  static auto fields() {
    using O = NadamOptions;
    using kwargs::field;
    return std::tuple_cat(
        kwargs::fields(field("lr", &O::lr, kwargs::non_negative()),
                       field("beta_1", &O::beta_1, kwargs::unit_interval()),
                       field("beta_2", &O::beta_2, kwargs::unit_interval()),
                       field("epsilon", &O::epsilon, kwargs::non_negative()),
                       field("schedule_decay", &O::schedule_decay, kwargs::non_negative())),
        clip_fields<O>());
  }
};

// One Keras optimizer: its options and its update rule (optimizers.cpp). Slots: SGD "moment"
// when momentum > 0, else none; RMSprop, Adagrad "accumulator"; Adadelta "accumulator",
// "delta_accumulator"; Adam, Nadam "m", "v"; Adamax "m", "u". SGD, RMSprop, Adagrad and
// Adadelta count iterations only when decay > 0; Adam, Adamax and Nadam always. Nadam has the
// state scalar "m_schedule" (the momentum-schedule product S, a double, starting at 1).
template <class Options>
class KerasOptimizer final : public Optimizer {
 public:
  explicit KerasOptimizer(Options options = {});
  std::shared_ptr<Optimizer> clone() const override;
  const Options& options() const { return o_; }
  double m_schedule() const requires std::is_same_v<Options, NadamOptions> { return schedule_; }

 private:
  void begin_step(const Step& step) override;
  void update(float* p, const float* g, float* const* slots, std::int64_t n,
              GradClip clip) const override;
  Config own_config() const override;
  Config extra_scalars() const override;
  void check_extra_scalars(const Config& scalars) const override;
  void set_extra_scalars(const Config& scalars) override;
  std::vector<std::string> extra_scalar_names() const override;

  Options o_;
  float factors_[3] = {0.f, 0.f, 1.f};  // the step's scalars (lr_t; Adam's alpha_t; Nadam's three)
  double schedule_ = 1.0;               // Nadam's m_schedule
};

using SGD = KerasOptimizer<SGDOptions>;
using RMSprop = KerasOptimizer<RMSpropOptions>;
using Adagrad = KerasOptimizer<AdagradOptions>;
using Adadelta = KerasOptimizer<AdadeltaOptions>;
using Adam = KerasOptimizer<AdamOptions>;
using Adamax = KerasOptimizer<AdamaxOptions>;
using Nadam = KerasOptimizer<NadamOptions>;

extern template class KerasOptimizer<SGDOptions>;
extern template class KerasOptimizer<RMSpropOptions>;
extern template class KerasOptimizer<AdagradOptions>;
extern template class KerasOptimizer<AdadeltaOptions>;
extern template class KerasOptimizer<AdamOptions>;
extern template class KerasOptimizer<AdamaxOptions>;
extern template class KerasOptimizer<NadamOptions>;

// The registered optimizers' class names, in Keras order.
std::vector<std::string> registered_optimizer_names();

}  // namespace keel::optimizers
