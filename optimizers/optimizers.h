// Keras 1.2.2's optimizers (keras/optimizers.py, KERAS1_SEMANTICS.md 8) on the Optimizer base
// (optimizer.h: clipping, decay, iteration counting, constraints, state, and the by-name
// factories get() and from_config()).
//
// Options structs take Keras's keyword arguments in Keras order, with Keras's defaults, then
// clipnorm and clipvalue (0 = off):  SGD({.lr = 0.1f, .momentum = 0.9f, .nesterov = true}).
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

#include "keel/optimizers/optimizer.h"

namespace keel::optimizers {

struct SGDOptions {
  float lr = 0.01f;
  float momentum = 0.f;
  float decay = 0.f;
  bool nesterov = false;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
};

struct RMSpropOptions {
  float lr = 0.001f;
  float rho = 0.9f;
  float epsilon = 1e-8f;
  float decay = 0.f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
};

struct AdagradOptions {
  float lr = 0.01f;
  float epsilon = 1e-8f;
  float decay = 0.f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
};

struct AdadeltaOptions {
  float lr = 1.f;
  float rho = 0.95f;
  float epsilon = 1e-8f;
  float decay = 0.f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
};

struct AdamOptions {
  float lr = 0.001f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-8f;
  float decay = 0.f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
};

struct AdamaxOptions {
  float lr = 0.002f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-8f;
  float decay = 0.f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
};

struct NadamOptions {
  float lr = 0.002f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-8f;
  float schedule_decay = 0.004f;
  float clipnorm = 0.f;
  float clipvalue = 0.f;
};

// Slots: "moment" when momentum > 0, else none. Counts iterations only when decay > 0.
class SGD final : public Optimizer {
 public:
  explicit SGD(SGDOptions options = {});
  std::shared_ptr<Optimizer> clone() const override;

 private:
  void begin_step(const Step& step) override;
  void update(float* p, const float* g, float* const* slots, std::int64_t n,
              GradClip clip) const override;
  Config own_config() const override;

  SGDOptions o_;
  float lr_t_ = 0.f;
};

// Slots: "accumulator". Counts iterations only when decay > 0.
class RMSprop final : public Optimizer {
 public:
  explicit RMSprop(RMSpropOptions options = {});
  std::shared_ptr<Optimizer> clone() const override;

 private:
  void begin_step(const Step& step) override;
  void update(float* p, const float* g, float* const* slots, std::int64_t n,
              GradClip clip) const override;
  Config own_config() const override;

  RMSpropOptions o_;
  float lr_t_ = 0.f;
};

// Slots: "accumulator". Counts iterations only when decay > 0.
class Adagrad final : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions options = {});
  std::shared_ptr<Optimizer> clone() const override;

 private:
  void begin_step(const Step& step) override;
  void update(float* p, const float* g, float* const* slots, std::int64_t n,
              GradClip clip) const override;
  Config own_config() const override;

  AdagradOptions o_;
  float lr_t_ = 0.f;
};

// Slots: "accumulator", "delta_accumulator". Counts iterations only when decay > 0.
class Adadelta final : public Optimizer {
 public:
  explicit Adadelta(AdadeltaOptions options = {});
  std::shared_ptr<Optimizer> clone() const override;

 private:
  void begin_step(const Step& step) override;
  void update(float* p, const float* g, float* const* slots, std::int64_t n,
              GradClip clip) const override;
  Config own_config() const override;

  AdadeltaOptions o_;
  float lr_t_ = 0.f;
};

// Slots: "m", "v". Always counts iterations.
class Adam final : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});
  std::shared_ptr<Optimizer> clone() const override;

 private:
  void begin_step(const Step& step) override;
  void update(float* p, const float* g, float* const* slots, std::int64_t n,
              GradClip clip) const override;
  Config own_config() const override;

  AdamOptions o_;
  float alpha_t_ = 0.f;
};

// Slots: "m", "u". Always counts iterations.
class Adamax final : public Optimizer {
 public:
  explicit Adamax(AdamaxOptions options = {});
  std::shared_ptr<Optimizer> clone() const override;

 private:
  void begin_step(const Step& step) override;
  void update(float* p, const float* g, float* const* slots, std::int64_t n,
              GradClip clip) const override;
  Config own_config() const override;

  AdamaxOptions o_;
  float alpha_t_ = 0.f;
};

// Slots: "m", "v"; state scalar "m_schedule" (the momentum-schedule product S, a double,
// starting at 1). Always counts iterations; has no decay.
class Nadam final : public Optimizer {
 public:
  explicit Nadam(NadamOptions options = {});
  std::shared_ptr<Optimizer> clone() const override;
  double m_schedule() const { return m_schedule_; }

 private:
  void begin_step(const Step& step) override;
  void update(float* p, const float* g, float* const* slots, std::int64_t n,
              GradClip clip) const override;
  Config own_config() const override;
  Config extra_scalars() const override;
  void check_extra_scalars(const Config& scalars) const override;
  void set_extra_scalars(const Config& scalars) override;
  std::vector<std::string> extra_scalar_names() const override { return {"m_schedule"}; }

  NadamOptions o_;
  double m_schedule_ = 1.0;
  // Per-step factors of g, m and v in the update (folded in double, cast to float).
  float g_factor_ = 0.f, m_factor_ = 0.f, v_factor_ = 1.f;
};

}  // namespace keel::optimizers
