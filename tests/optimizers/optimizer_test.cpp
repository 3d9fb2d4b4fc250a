// Optimizers: Keras 1.2.2's update equations (KERAS1_SEMANTICS.md 8), the Adam vector of 14,
// clipping, decay and iteration counting, constraints, frozen weights, state save/restore,
// configs and errors.
//
// The reference for every update is the spec equation re-implemented here in double with plain
// loops over the same weights and gradients. Hyperparameters enter the reference as the
// float32 values Keras's variables hold (e.g. double(0.95f)); results are compared with a
// relative tolerance of 1e-6.
#include <gtest/gtest.h>
#include <keel/autograd/ops.h>
#include <keel/autograd/tape.h>
#include <keel/constraints/constraint.h>
#include <keel/core/error.h>
#include <keel/optimizers/optimizers.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "test_util.h"

namespace keel::optimizers {
namespace {

using Vec = std::vector<double>;

// The tiny problem: a (2, 3) weight and four gradient steps (with a zero element).
const std::vector<float> kP0 = {0.5f, -1.25f, 2.f, -0.75f, 1.5f, 0.25f};
const std::vector<std::vector<float>> kG = {
    {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, 0.f},
    {-0.3f, 0.25f, 0.05f, 0.6f, -0.15f, 0.2f},
    {0.2f, 0.1f, -0.35f, 0.05f, 0.45f, -0.1f},
    {-0.05f, 0.3f, 0.15f, -0.25f, 0.1f, 0.4f},
};
const Shape kShape{2, 3};
constexpr std::size_t kN = 6;

Variable weight(const std::string& name = "dense_1_W", const std::vector<float>& v = kP0) {
  return Variable(Tensor::from_data(kShape, v), /*requires_grad=*/true, name);
}

Tensor grad(int step) { return Tensor::from_data(kShape, kG[step]); }

double g_at(int step, std::size_t i) { return kG[step][i]; }

Vec p0() { return Vec(kP0.begin(), kP0.end()); }

void run(Optimizer& opt, Variable& w, int from, int to) {
  for (int k = from; k < to; ++k) opt.apply({grad(k)}, {w});
}

// |got - want| <= 1e-6 |want| for every element.
void expect_close(const std::vector<float>& got, const Vec& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-6 * std::abs(want[i]) + 1e-12)
        << what << " element " << i << ": got " << got[i] << ", expected " << want[i];
}

std::vector<float> slot(const Optimizer& opt, const Variable& w, const std::string& name) {
  for (const Slot& s : opt.slots(w))
    if (s.name == name) return s.value.to_vector();
  ADD_FAILURE() << "no slot " << name;
  return {};
}

bool bit_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// --- each optimizer against its spec equation -----------------------------------------------

// SGD: v = mu*m - lr*g; m <- v; p <- p + v (plain) or p + mu*v - lr*g (nesterov).
Vec sgd_reference(double lr, double mu, bool nesterov, double decay, int steps, Vec* moment) {
  Vec p = p0(), m(kN, 0.0);
  for (int k = 0; k < steps; ++k) {
    const double lr_t = lr / (1.0 + decay * k);
    for (std::size_t i = 0; i < kN; ++i) {
      const double g = g_at(k, i);
      const double v = mu * m[i] - lr_t * g;
      m[i] = v;
      p[i] = nesterov ? p[i] + mu * v - lr_t * g : p[i] + v;
    }
  }
  if (moment) *moment = m;
  return p;
}

TEST(SGD, PlainStepsMatchSpec) {
  SGD opt;  // lr 0.01
  Variable w = weight();
  run(opt, w, 0, 3);
  expect_close(w.to_vector(), sgd_reference(double(0.01f), 0.0, false, 0.0, 3, nullptr), "w");
  EXPECT_TRUE(opt.slot_names().empty());  // momentum 0 keeps no moment
  EXPECT_TRUE(opt.slots(w).empty());
}

TEST(SGD, MomentumStepsMatchSpec) {
  SGD opt({.lr = 0.1f, .momentum = 0.9f});
  Variable w = weight();
  run(opt, w, 0, 3);
  Vec m;
  expect_close(w.to_vector(), sgd_reference(double(0.1f), double(0.9f), false, 0.0, 3, &m), "w");
  expect_close(slot(opt, w, "moment"), m, "moment");
}

TEST(SGD, NesterovStepsMatchSpec) {
  SGD opt({.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
  Variable w = weight();
  run(opt, w, 0, 3);
  Vec m;
  expect_close(w.to_vector(), sgd_reference(double(0.1f), double(0.9f), true, 0.0, 3, &m), "w");
  expect_close(slot(opt, w, "moment"), m, "moment");
  // Nesterov differs from plain momentum.
  SGD plain({.lr = 0.1f, .momentum = 0.9f});
  Variable w2 = weight();
  run(plain, w2, 0, 3);
  EXPECT_NE(w.to_vector(), w2.to_vector());
}

TEST(RMSprop, StepsMatchSpec) {
  RMSprop opt;  // lr 0.001, rho 0.9, epsilon 1e-8
  Variable w = weight();
  run(opt, w, 0, 3);
  const double lr = 0.001f, rho = 0.9f, eps = 1e-8f;
  Vec p = p0(), a(kN, 0.0);
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < kN; ++i) {
      const double g = g_at(k, i);
      a[i] = rho * a[i] + (1 - rho) * g * g;
      p[i] -= lr * g / (std::sqrt(a[i]) + eps);
    }
  expect_close(w.to_vector(), p, "w");
  expect_close(slot(opt, w, "accumulator"), a, "accumulator");
}

TEST(Adagrad, StepsMatchSpec) {
  Adagrad opt;  // lr 0.01, epsilon 1e-8
  Variable w = weight();
  run(opt, w, 0, 3);
  const double lr = 0.01f, eps = 1e-8f;
  Vec p = p0(), a(kN, 0.0);
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < kN; ++i) {
      const double g = g_at(k, i);
      a[i] += g * g;
      p[i] -= lr * g / (std::sqrt(a[i]) + eps);
    }
  expect_close(w.to_vector(), p, "w");
  expect_close(slot(opt, w, "accumulator"), a, "accumulator");
}

TEST(Adadelta, StepsMatchSpecWithNewAccumulatorAndOldDelta) {
  Adadelta opt;  // lr 1, rho 0.95, epsilon 1e-8
  Variable w = weight();
  run(opt, w, 0, 3);
  const double lr = 1.0, rho = 0.95f, eps = 1e-8f;
  Vec p = p0(), a(kN, 0.0), d(kN, 0.0);
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < kN; ++i) {
      const double g = g_at(k, i);
      a[i] = rho * a[i] + (1 - rho) * g * g;
      const double u = g * std::sqrt(d[i] + eps) / std::sqrt(a[i] + eps);
      p[i] -= lr * u;
      d[i] = rho * d[i] + (1 - rho) * u * u;
    }
  expect_close(w.to_vector(), p, "w");
  expect_close(slot(opt, w, "accumulator"), a, "accumulator");
  expect_close(slot(opt, w, "delta_accumulator"), d, "delta_accumulator");
}

// Adam: alpha_t = lr_t sqrt(1 - b2^t) / (1 - b1^t); p <- p - alpha_t m / (sqrt(v) + eps).
Vec adam_reference(double lr, double decay, int steps, Vec* m_out, Vec* v_out) {
  const double b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  Vec p = p0(), m(kN, 0.0), v(kN, 0.0);
  for (int k = 0; k < steps; ++k) {
    const double lr_t = lr / (1.0 + decay * k);
    const int t = k + 1;
    const double alpha = lr_t * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    for (std::size_t i = 0; i < kN; ++i) {
      const double g = g_at(k, i);
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      p[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
    }
  }
  if (m_out) *m_out = m;
  if (v_out) *v_out = v;
  return p;
}

TEST(Adam, StepsMatchSpec) {
  Adam opt;
  Variable w = weight();
  run(opt, w, 0, 3);
  Vec m, v;
  expect_close(w.to_vector(), adam_reference(double(0.001f), 0.0, 3, &m, &v), "w");
  expect_close(slot(opt, w, "m"), m, "m");
  expect_close(slot(opt, w, "v"), v, "v");
}

TEST(Adam, FirstStepIsSpecVector) {
  // KERAS1_SEMANTICS.md 14: g = 1 everywhere, defaults: alpha_1 = 0.001 sqrt(0.001) / 0.1,
  // m = 0.1, v = 0.001, step ~ 0.001 (~ lr).
  // beta_1 and beta_2 are float32 variables in Keras, so 1 - beta_2 is 1 - 0.999f =
  // 0.00099998713 (the spec's 0.001 to 1.3e-5) and 1 - beta_1 is 1 - 0.9f.
  Adam opt;
  Variable w(Tensor::zeros(Shape{4}), true, "w");
  opt.apply({Tensor::ones(Shape{4})}, {w});
  const double one_minus_b1 = 1 - double(0.9f), one_minus_b2 = 1 - double(0.999f);
  const double alpha = double(0.001f) * std::sqrt(one_minus_b2) / one_minus_b1;
  const double step = alpha * one_minus_b1 / (std::sqrt(one_minus_b2) + 1e-8);
  expect_close(w.to_vector(), Vec(4, -step), "w");
  expect_close(slot(opt, w, "m"), Vec(4, one_minus_b1), "m");
  expect_close(slot(opt, w, "v"), Vec(4, one_minus_b2), "v");
  // The spec's rounded values.
  EXPECT_NEAR(alpha, 0.001 * std::sqrt(0.001) / 0.1, 1e-5 * alpha);
  for (float x : slot(opt, w, "m")) EXPECT_NEAR(x, 0.1, 1e-6);
  for (float x : slot(opt, w, "v")) EXPECT_NEAR(x, 0.001, 2e-8);
  for (float x : w.to_vector()) EXPECT_NEAR(x, -0.001, 1e-6);
  EXPECT_EQ(opt.iterations(), 1);
}

TEST(Adamax, StepsMatchSpec) {
  Adamax opt;  // lr 0.002
  Variable w = weight();
  run(opt, w, 0, 3);
  const double lr = 0.002f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  Vec p = p0(), m(kN, 0.0), u(kN, 0.0);
  for (int k = 0; k < 3; ++k) {
    const double alpha = lr / (1 - std::pow(b1, k + 1));
    for (std::size_t i = 0; i < kN; ++i) {
      const double g = g_at(k, i);
      m[i] = b1 * m[i] + (1 - b1) * g;
      u[i] = std::max(b2 * u[i], std::abs(g));
      p[i] -= alpha * m[i] / (u[i] + eps);
    }
  }
  expect_close(w.to_vector(), p, "w");
  expect_close(slot(opt, w, "m"), m, "m");
  expect_close(slot(opt, w, "u"), u, "u");
}

TEST(Nadam, StepsMatchSpecWithMomentumSchedule) {
  Nadam opt;  // lr 0.002, schedule_decay 0.004
  Variable w = weight();
  run(opt, w, 0, 3);
  const double lr = 0.002f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, sd = 0.004f;
  Vec p = p0(), m(kN, 0.0), v(kN, 0.0);
  double S = 1.0;
  for (int k = 0; k < 3; ++k) {
    const double t = k + 1;
    const double mu_t = b1 * (1 - 0.5 * std::pow(0.96, t * sd));
    const double mu_t1 = b1 * (1 - 0.5 * std::pow(0.96, (t + 1) * sd));
    S *= mu_t;
    const double S_next = S * mu_t1;
    for (std::size_t i = 0; i < kN; ++i) {
      const double g = g_at(k, i);
      const double g_hat = g / (1 - S);
      m[i] = b1 * m[i] + (1 - b1) * g;
      const double m_hat = m[i] / (1 - S_next);
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const double v_hat = v[i] / (1 - std::pow(b2, t));
      const double m_bar = (1 - mu_t) * g_hat + mu_t1 * m_hat;
      p[i] -= lr * m_bar / (std::sqrt(v_hat) + eps);
    }
  }
  expect_close(w.to_vector(), p, "w");
  expect_close(slot(opt, w, "m"), m, "m");
  expect_close(slot(opt, w, "v"), v, "v");
  EXPECT_NEAR(opt.m_schedule(), S, 1e-12);
  EXPECT_NEAR(opt.state_scalars().at("m_schedule").get<double>(), S, 1e-12);
  EXPECT_EQ(opt.iterations(), 3);
}

TEST(Optimizer, TrainsThroughTheTape) {
  // loss = sum((w - 1)^2): gradient 2 (w - 1); one SGD step with lr 0.1 gives w - 0.2 (w - 1).
  Variable w = weight();
  SGD opt({.lr = 0.1f});
  {
    Tape tape;
    const Variable loss = sum(square(w - 1.f));
    opt.apply(tape.gradient(loss, std::vector<Variable>{w}), {w});
  }
  Vec want = p0();
  for (double& x : want) x -= 0.2 * (x - 1.0);
  expect_close(w.to_vector(), want, "w");
}

TEST(Optimizer, ApplyWithoutGradientsReadsEachWeightsGrad) {
  Variable w = weight();
  w.set_grad(grad(0));
  SGD opt({.lr = 0.1f});
  opt.apply({w});
  expect_close(w.to_vector(), sgd_reference(double(0.1f), 0.0, false, 0.0, 1, nullptr), "w");
}

// --- decay and iteration counting -----------------------------------------------------------

TEST(OptimizerDecay, SgdCountsIterationsOnlyWithDecay) {
  SGD plain;
  Variable w = weight();
  run(plain, w, 0, 3);
  EXPECT_EQ(plain.iterations(), 0);
  SGD decayed({.lr = 0.1f, .momentum = 0.5f, .decay = 0.25f});
  Variable w2 = weight();
  run(decayed, w2, 0, 3);
  EXPECT_EQ(decayed.iterations(), 3);
  // lr_t = lr / (1 + decay * it) with it = 0, 1, 2 (read before the step's increment).
  expect_close(w2.to_vector(),
               sgd_reference(double(0.1f), double(0.5f), false, double(0.25f), 3, nullptr), "w");
}

TEST(OptimizerDecay, RmspropAdagradAdadeltaCountOnlyWithDecay) {
  std::vector<std::shared_ptr<Optimizer>> without = {
      std::make_shared<RMSprop>(), std::make_shared<Adagrad>(), std::make_shared<Adadelta>()};
  std::vector<std::shared_ptr<Optimizer>> with = {
      std::make_shared<RMSprop>(RMSpropOptions{.decay = 0.1f}),
      std::make_shared<Adagrad>(AdagradOptions{.decay = 0.1f}),
      std::make_shared<Adadelta>(AdadeltaOptions{.decay = 0.1f})};
  for (auto& opt : without) {
    Variable w = weight();
    run(*opt, w, 0, 2);
    EXPECT_EQ(opt->iterations(), 0) << opt->class_name();
  }
  for (auto& opt : with) {
    Variable w = weight();
    run(*opt, w, 0, 2);
    EXPECT_EQ(opt->iterations(), 2) << opt->class_name();
  }
}

TEST(OptimizerDecay, AdamAdamaxNadamAlwaysCount) {
  std::vector<std::shared_ptr<Optimizer>> opts = {
      std::make_shared<Adam>(), std::make_shared<Adamax>(), std::make_shared<Nadam>()};
  for (auto& opt : opts) {
    Variable w = weight();
    run(*opt, w, 0, 3);
    EXPECT_EQ(opt->iterations(), 3) << opt->class_name();
    opt->apply({}, {});  // a step with no weights still counts
    EXPECT_EQ(opt->iterations(), 4) << opt->class_name();
  }
}

TEST(OptimizerDecay, AdamDecaysLearningRateWithCounterBeforeIncrement) {
  Adam opt({.lr = 0.01f, .decay = 0.5f});
  Variable w = weight();
  run(opt, w, 0, 3);
  Vec m, v;
  expect_close(w.to_vector(), adam_reference(double(0.01f), double(0.5f), 3, &m, &v), "w");
}

TEST(OptimizerDecay, SetLrChangesTheNextStep) {
  SGD opt({.lr = 0.1f});
  Variable w = weight();
  run(opt, w, 0, 1);
  opt.set_lr(0.5f);
  EXPECT_EQ(opt.lr(), 0.5f);
  EXPECT_EQ(opt.get_config().at("lr").get<float>(), 0.5f);
  run(opt, w, 1, 2);
  Vec p = p0();
  for (std::size_t i = 0; i < kN; ++i) p[i] -= double(0.1f) * g_at(0, i) + 0.5 * g_at(1, i);
  expect_close(w.to_vector(), p, "w");
}

// --- clipping -------------------------------------------------------------------------------

TEST(OptimizerClipping, ClipnormScalesEveryGradientByOneGlobalNorm) {
  // g1 = (3, 0), g2 = (0, 4): global norm 5 >= 1, so both scale by 1/5 (a per-tensor norm
  // would give (1, 0) and (0, 1)).
  SGD opt({.lr = 1.f, .clipnorm = 1.f});
  Variable a(Tensor::zeros(Shape{2}), true, "a"), b(Tensor::zeros(Shape{2}), true, "b");
  opt.apply({Tensor::from_data(Shape{2}, {3.f, 0.f}), Tensor::from_data(Shape{2}, {0.f, 4.f})},
            {a, b});
  expect_close(a.to_vector(), {-0.6, 0.0}, "a");
  expect_close(b.to_vector(), {0.0, -0.8}, "b");
}

TEST(OptimizerClipping, ClipnormAboveTheNormLeavesGradients) {
  SGD opt({.lr = 1.f, .clipnorm = 10.f});
  Variable a(Tensor::zeros(Shape{2}), true, "a");
  opt.apply({Tensor::from_data(Shape{2}, {3.f, 4.f})}, {a});
  expect_close(a.to_vector(), {-3.0, -4.0}, "a");
}

TEST(OptimizerClipping, ClipvalueClipsEachElement) {
  SGD opt({.lr = 1.f, .clipvalue = 1.f});
  Variable a(Tensor::zeros(Shape{4}), true, "a");
  opt.apply({Tensor::from_data(Shape{4}, {-2.f, 0.5f, 3.f, -1.f})}, {a});
  expect_close(a.to_vector(), {1.0, -0.5, -1.0, 1.0}, "a");
}

TEST(OptimizerClipping, ClipnormRunsBeforeClipvalue) {
  // (3, 4) -> clipnorm 1 -> (0.6, 0.8) -> clipvalue 0.7 -> (0.6, 0.7). The other order would
  // give (0.7, 0.7).
  SGD opt({.lr = 1.f, .clipnorm = 1.f, .clipvalue = 0.7f});
  Variable a(Tensor::zeros(Shape{2}), true, "a");
  opt.apply({Tensor::from_data(Shape{2}, {3.f, 4.f})}, {a});
  expect_close(a.to_vector(), {-0.6, -double(0.7f)}, "a");
}

TEST(OptimizerClipping, ClippedGradientFeedsTheState) {
  Adam opt({.clipvalue = 0.25f});
  Variable w = weight();
  run(opt, w, 0, 1);
  Vec m(kN);
  for (std::size_t i = 0; i < kN; ++i)
    m[i] = (1 - double(0.9f)) * std::clamp(g_at(0, i), -0.25, 0.25);
  expect_close(slot(opt, w, "m"), m, "m");
}

// --- constraints and frozen weights ---------------------------------------------------------

TEST(OptimizerConstraints, AppliedToTheUpdatedValue) {
  Variable w(Tensor::from_data(Shape{3}, {0.05f, 1.f, -0.5f}), true, "w");
  std::vector<float> seen;
  const constraints::Constraint nonneg = constraints::nonneg();
  w.set_constraint([&seen, nonneg](Tensor& t) {
    seen = t.to_vector();
    nonneg.project(t);
  });
  SGD opt({.lr = 0.1f});
  opt.apply({Tensor::ones(Shape{3})}, {w});
  // Updated: (-0.05, 0.9, -0.6); clipped at 0 afterwards.
  expect_close(seen, {0.05 - double(0.1f), 1 - double(0.1f), -0.5 - double(0.1f)}, "seen");
  expect_close(w.to_vector(), {0.0, 1 - double(0.1f), 0.0}, "w");
}

TEST(OptimizerFrozen, WeightsAreUntouchedAndGetNoState) {
  Variable live = weight("live");
  Variable frozen = weight("frozen");
  frozen.set_requires_grad(false);
  // The frozen weight's huge gradient takes no part in the global norm either.
  Adam opt({.clipnorm = 100.f});
  opt.apply({grad(0), Tensor::full(kShape, 1e6f)}, {live, frozen});
  opt.apply({grad(1), Tensor()}, {live, frozen});  // its gradient may even be undefined
  EXPECT_EQ(frozen.to_vector(), kP0);
  EXPECT_TRUE(opt.slots(frozen).empty());
  Adam ref;
  Variable w = weight();
  run(ref, w, 0, 2);
  EXPECT_TRUE(bit_equal(live.to_vector(), w.to_vector()));
}

// --- layouts and in-place updates -----------------------------------------------------------

TEST(OptimizerLayout, BlockedWeightIsUpdatedInItsOwnLayout) {
  const Shape s{1, 16, 2, 2};
  std::vector<float> pv(64), gv(64);
  for (int i = 0; i < 64; ++i) pv[i] = 0.01f * i - 0.3f, gv[i] = 0.02f * (i % 7) - 0.05f;
  const dnnl::memory::desc blocked({1, 16, 2, 2}, dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::nChw16c);
  const Tensor g_blocked = Tensor::from_data(s, gv).to_desc(blocked);
  ASSERT_FALSE(g_blocked.is_plain());
  Variable w_blocked(Tensor::from_data(s, pv).to_desc(blocked), true, "w");
  Variable w_plain(Tensor::from_data(s, pv), true, "w");
  Adam a, b;
  a.apply({g_blocked}, {w_blocked});
  b.apply({Tensor::from_data(s, gv)}, {w_plain});
  // The weight stays in its (compute) layout, its state is created there, and the values are
  // those of the plain update, bit for bit.
  EXPECT_EQ(w_blocked.value().desc(), blocked);
  EXPECT_TRUE(bit_equal(w_blocked.to_vector(), w_plain.to_vector()));
  for (const Slot& slot : a.slots(w_blocked)) EXPECT_EQ(slot.value.desc(), blocked) << slot.name;
  // Restored state in plain layout is brought into the weight's layout on the next update.
  Adam c;
  c.set_state(b.state());
  // A plain gradient for the blocked weight is brought into the weight's layout.
  a.apply({Tensor::from_data(s, gv)}, {w_blocked});
  b.apply({Tensor::from_data(s, gv)}, {w_plain});
  EXPECT_EQ(w_blocked.value().desc(), blocked);
  EXPECT_TRUE(bit_equal(w_blocked.to_vector(), w_plain.to_vector()));
  Variable w_restored(Tensor::from_data(s, pv).to_desc(blocked), true, "w");
  c.apply({g_blocked}, {w_restored});
  for (const Slot& slot : c.slots(w_restored)) EXPECT_EQ(slot.value.desc(), blocked) << slot.name;
}

TEST(OptimizerLayout, UpdatesTheWeightBufferInPlace) {
  Variable w = weight();
  const float* before = w.value().data();
  Adam opt;
  run(opt, w, 0, 2);
  EXPECT_EQ(w.value().data(), before);
}

TEST(OptimizerLayout, LargeWeightMatchesSmallOneElementForElement) {
  // 6 * 20000 elements take the OpenMP path; element-wise float math gives identical bits.
  constexpr std::size_t kReps = 20000;
  std::vector<float> pv, gv;
  for (std::size_t r = 0; r < kReps; ++r) {
    pv.insert(pv.end(), kP0.begin(), kP0.end());
    gv.insert(gv.end(), kG[0].begin(), kG[0].end());
  }
  const Shape big{static_cast<std::int64_t>(kReps), 6};
  Variable large(Tensor::from_data(big, pv), true, "large");
  Variable small = weight();
  Nadam a, b;
  for (int k = 0; k < 2; ++k) {
    a.apply({Tensor::from_data(big, gv)}, {large});
    b.apply({grad(0)}, {small});
  }
  const std::vector<float> l = large.to_vector(), s = small.to_vector();
  for (std::size_t r = 0; r < kReps; r += 997)
    EXPECT_TRUE(bit_equal({l.begin() + r * 6, l.begin() + r * 6 + 6}, s)) << "row " << r;
}

// --- state: save and restore ----------------------------------------------------------------

std::vector<std::function<std::shared_ptr<Optimizer>()>> every_optimizer() {
  return {
      [] {
        return std::make_shared<SGD>(
            SGDOptions{.lr = 0.05f, .momentum = 0.9f, .decay = 0.01f, .nesterov = true});
      },
      [] { return std::make_shared<SGD>(SGDOptions{.lr = 0.05f}); },
      [] { return std::make_shared<RMSprop>(RMSpropOptions{.decay = 0.1f, .clipnorm = 0.5f}); },
      [] { return std::make_shared<Adagrad>(); },
      [] { return std::make_shared<Adadelta>(AdadeltaOptions{.clipvalue = 0.2f}); },
      [] { return std::make_shared<Adam>(AdamOptions{.decay = 0.05f}); },
      [] { return std::make_shared<Adamax>(); },
      [] { return std::make_shared<Nadam>(NadamOptions{.clipnorm = 0.3f}); },
  };
}

// --- a step streamed weight by weight ---------------------------------------------------------

TEST(OptimizerStreamed, StepsAreBitIdenticalToApply) {
  for (const auto& make : every_optimizer()) {
    const std::shared_ptr<Optimizer> a = make(), b = make();
    SCOPED_TRACE(a->get_config().dump());
    if (a->clipnorm() > 0.f) continue;  // refused: see below
    Variable wa = weight(), wb = weight();
    Variable ba(Tensor::from_data(Shape{3}, {0.1f, -0.2f, 0.3f}), true, "dense_1_b");
    Variable bb(ba.value().clone(), true, "dense_1_b");
    for (int k = 0; k < 3; ++k) {
      const Tensor gb = Tensor::from_data(Shape{3}, {kG[k][0], kG[k][2], kG[k][4]});
      a->apply({grad(k), gb}, {wa, ba});
      b->begin_streamed_step();
      b->apply_streamed(gb, bb);  // any order: the tape hands the last layer's over first
      b->apply_streamed(grad(k), wb);
      b->end_streamed_step();
    }
    EXPECT_TRUE(bit_equal(wa.value().to_vector(), wb.value().to_vector()));
    EXPECT_TRUE(bit_equal(ba.value().to_vector(), bb.value().to_vector()));
    EXPECT_EQ(a->state_scalars(), b->state_scalars());
    for (const std::string& name : a->slot_names())
      EXPECT_TRUE(bit_equal(slot(*a, wa, name), slot(*b, wb, name))) << name;
  }
}

TEST(OptimizerStreamed, FrozenWeightsAreSkipped) {
  SGD opt({.lr = 0.1f, .momentum = 0.9f});
  Variable frozen(Tensor::from_data(kShape, kP0), /*requires_grad=*/false, "frozen");
  opt.begin_streamed_step();
  opt.apply_streamed(grad(0), frozen);
  opt.end_streamed_step();
  EXPECT_EQ(frozen.value().to_vector(), kP0);
  EXPECT_TRUE(opt.slots(frozen).empty());
}

TEST(OptimizerStreamed, MisuseIsAValueErrorNamingIt) {
  SGD clipped({.lr = 0.1f, .clipnorm = 1.f});
  EXPECT_THROW_MSG(clipped.begin_streamed_step(), ValueError,
                   "SGD.begin_streamed_step: clipnorm is 1; its global norm needs every gradient "
                   "before any update, expected clipnorm 0 (use apply())");
  SGD opt({.lr = 0.1f});
  Variable w = weight();
  EXPECT_THROW_MSG(opt.apply_streamed(grad(0), w), ValueError,
                   "SGD.apply_streamed: no streamed step is open (call begin_streamed_step)");
  EXPECT_THROW_MSG(opt.end_streamed_step(), ValueError,
                   "SGD.end_streamed_step: no streamed step is open");
  opt.begin_streamed_step();
  EXPECT_THROW_MSG(opt.begin_streamed_step(), ValueError,
                   "SGD.begin_streamed_step: a streamed step is already open");
  opt.apply_streamed(grad(0), w);
  EXPECT_THROW_MSG(opt.apply_streamed(grad(1), w), ValueError,
                   "SGD.apply_streamed: weight 'dense_1_W' was already updated in this step");
  EXPECT_THROW_MSG(opt.apply_streamed(Tensor::zeros(Shape{3}), weight("other")), ShapeError,
                   "SGD.apply_streamed: gradient of shape (3,) does not match weight 'other' of "
                   "shape (2, 3)");
  opt.end_streamed_step();
}

TEST(OptimizerState, SlotNamesFollowKeras) {
  EXPECT_EQ(SGD({.momentum = 0.9f}).slot_names(), std::vector<std::string>{"moment"});
  EXPECT_EQ(RMSprop().slot_names(), std::vector<std::string>{"accumulator"});
  EXPECT_EQ(Adagrad().slot_names(), std::vector<std::string>{"accumulator"});
  EXPECT_EQ(Adadelta().slot_names(),
            (std::vector<std::string>{"accumulator", "delta_accumulator"}));
  EXPECT_EQ(Adam().slot_names(), (std::vector<std::string>{"m", "v"}));
  EXPECT_EQ(Adamax().slot_names(), (std::vector<std::string>{"m", "u"}));
  EXPECT_EQ(Nadam().slot_names(), (std::vector<std::string>{"m", "v"}));
  EXPECT_EQ(Adam().state_scalars(), (Config{{"iterations", 0}}));
  EXPECT_EQ(Nadam().state_scalars(), (Config{{"iterations", 0}, {"m_schedule", 1.0}}));
}

TEST(OptimizerState, SaveAndRestoreContinuesBitIdentically) {
  for (const auto& make : every_optimizer()) {
    const std::shared_ptr<Optimizer> a = make();
    SCOPED_TRACE(a->get_config().dump());
    Variable wa = weight("dense_1_W");
    Variable ba(Tensor::from_data(Shape{3}, {0.1f, -0.2f, 0.3f}), true, "dense_1_b");
    auto step = [](Optimizer& opt, Variable& w, Variable& b, int k) {
      opt.apply({grad(k), Tensor::from_data(Shape{3}, {kG[k][0], kG[k][2], kG[k][4]})}, {w, b});
    };
    step(*a, wa, ba, 0);
    step(*a, wa, ba, 1);
    a->set_lr(a->lr() * 0.5f);  // as a scheduler would: the config carries it

    // Save: config, scalars, slots per weight, weights.
    const Config config = a->get_config();
    const Config scalars = a->state_scalars();
    const std::vector<Slot> w_slots = a->slots(wa), b_slots = a->slots(ba);
    Variable wb(wa.value().clone(), true, "dense_1_W");
    Variable bb(ba.value().clone(), true, "dense_1_b");

    step(*a, wa, ba, 2);
    step(*a, wa, ba, 3);

    const std::shared_ptr<Optimizer> b = from_config(a->class_name(), config);
    b->set_state_scalars(scalars);
    b->set_slots(wb, w_slots);
    b->set_slots(bb, b_slots);
    step(*b, wb, bb, 2);
    step(*b, wb, bb, 3);

    EXPECT_TRUE(bit_equal(wa.to_vector(), wb.to_vector()));
    EXPECT_TRUE(bit_equal(ba.to_vector(), bb.to_vector()));
    EXPECT_EQ(a->state_scalars(), b->state_scalars());
    const std::vector<Slot> sa = a->slots(wa), sb = b->slots(wb);
    ASSERT_EQ(sa.size(), sb.size());
    for (std::size_t k = 0; k < sa.size(); ++k) {
      EXPECT_EQ(sa[k].name, sb[k].name);
      EXPECT_TRUE(bit_equal(sa[k].value.to_vector(), sb[k].value.to_vector())) << sa[k].name;
    }
  }
}

TEST(OptimizerState, RestoreByWeightNameBindsOnTheNextApply) {
  for (const auto& make : every_optimizer()) {
    const std::shared_ptr<Optimizer> a = make();
    SCOPED_TRACE(a->get_config().dump());
    Variable w1 = weight("conv_1_W"), w2 = weight("conv_1_b", kG[3]);
    for (int k = 0; k < 2; ++k) a->apply({grad(k), grad(k + 1)}, {w1, w2});
    const std::vector<WeightSlots> saved = a->state();
    if (!a->slot_names().empty()) {
      ASSERT_EQ(saved.size(), 2u);
      EXPECT_EQ(saved[0].weight, "conv_1_W");  // sorted by name, as Keras
      EXPECT_EQ(saved[1].weight, "conv_1_b");
    }
    // A fresh model: new Variables (new ids) with the same names, listed in another order.
    Variable n1(w1.value().clone(), true, "conv_1_W"), n2(w2.value().clone(), true, "conv_1_b");
    const std::shared_ptr<Optimizer> b = from_config(a->class_name(), a->get_config());
    b->set_state_scalars(a->state_scalars());
    b->set_state(saved);
    if (!a->slot_names().empty()) {
      EXPECT_TRUE(bit_equal(b->slots(n2)[0].value.to_vector(), a->slots(w2)[0].value.to_vector()));
    }
    a->apply({grad(2), grad(3)}, {w1, w2});
    b->apply({grad(3), grad(2)}, {n2, n1});
    EXPECT_TRUE(bit_equal(w1.to_vector(), n1.to_vector()));
    EXPECT_TRUE(bit_equal(w2.to_vector(), n2.to_vector()));
  }
}

TEST(OptimizerState, SlotsAreCopies) {
  Adam opt;
  Variable w = weight();
  run(opt, w, 0, 1);
  const std::vector<Slot> saved = opt.slots(w);
  const std::vector<float> m1 = saved[0].value.to_vector();
  run(opt, w, 1, 2);
  EXPECT_EQ(saved[0].value.to_vector(), m1);
  EXPECT_NE(slot(opt, w, "m"), m1);
  // And set_slots copies what it is given.
  std::vector<Slot> given = opt.slots(w);
  opt.set_slots(w, given);
  run(opt, w, 2, 3);
  EXPECT_NE(given[0].value.to_vector(), slot(opt, w, "m"));
}

TEST(OptimizerState, CloneAndCopyDoNotShareState) {
  Adam a;
  Variable w = weight();
  run(a, w, 0, 1);
  const std::shared_ptr<Optimizer> c = a.clone();
  Adam copy = a;
  const std::vector<float> m = slot(a, w, "m");
  run(a, w, 1, 3);
  EXPECT_EQ(slot(*c, w, "m"), m);
  EXPECT_EQ(slot(copy, w, "m"), m);
  EXPECT_EQ(c->iterations(), 1);
}

TEST(OptimizerState, SetSlotsChecksNamesAndShapes) {
  Adam opt;
  Variable w = weight("dense_1_W");
  EXPECT_THROW_MSG(opt.set_slots(w, {{"m", Tensor::zeros(kShape)}, {"q", Tensor::zeros(kShape)}}),
                   ValueError, "Adam: weight 'dense_1_W' has slots [m, q], expected m, v");
  EXPECT_THROW_MSG(opt.set_slots(w, {{"m", Tensor::zeros(kShape)}}), ValueError, "expected m, v");
  EXPECT_THROW_MSG(opt.set_slots(w, {{"m", Tensor::zeros(kShape)}, {"v", Tensor()}}), ValueError,
                   "slot 'v' of weight 'dense_1_W' is undefined");
  EXPECT_THROW_MSG(
      opt.set_slots(w, {{"v", Tensor::zeros(kShape)}, {"m", Tensor::zeros(Shape{3})}}), ShapeError,
      "Adam: slot 'm' of weight 'dense_1_W' has shape (3,), the weight has shape (2, 3)");
  // Any order of the right names is accepted.
  opt.set_slots(w, {{"v", Tensor::full(kShape, 2.f)}, {"m", Tensor::full(kShape, 1.f)}});
  EXPECT_EQ(slot(opt, w, "m"), std::vector<float>(kN, 1.f));
  EXPECT_EQ(slot(opt, w, "v"), std::vector<float>(kN, 2.f));
}

TEST(OptimizerState, RestoredStateOfTheWrongShapeFailsBeforeAnyUpdate) {
  Adam opt;
  opt.set_state({{"dense_1_W", {{"m", Tensor::zeros(Shape{3})}, {"v", Tensor::zeros(Shape{3})}}}});
  Variable w = weight("dense_1_W");
  EXPECT_THROW_MSG(
      opt.apply({grad(0)}, {w}), ShapeError,
      "restored state of weight 'dense_1_W' has shape (3,), the weight has shape (2, 3)");
  EXPECT_EQ(w.to_vector(), kP0);
  EXPECT_EQ(opt.iterations(), 0);
}

TEST(OptimizerState, StateRejectsDuplicateWeightNames) {
  Adam opt;
  Variable a = weight("same"), b = weight("same");
  opt.apply({grad(0), grad(1)}, {a, b});
  EXPECT_THROW_MSG(opt.state(), ValueError, "two weights named 'same'");
  const std::vector<Slot> zeros = {{"m", Tensor::zeros(kShape)}, {"v", Tensor::zeros(kShape)}};
  EXPECT_THROW_MSG(opt.set_state({{"x", zeros}, {"x", zeros}}), ValueError,
                   "Adam: set_state: weight 'x' is given twice");
}

TEST(OptimizerState, SetStateScalarsChecksKeys) {
  Adam adam;
  EXPECT_THROW_MSG(adam.set_state_scalars({{"iterations", 1}, {"m_schedule", 0.5}}), ValueError,
                   "Adam: unknown state scalar 'm_schedule', expected iterations");
  EXPECT_THROW_MSG(adam.set_state_scalars(Config::object()), ValueError,
                   "state scalar 'iterations' is missing");
  EXPECT_THROW_MSG(adam.set_state_scalars({{"iterations", -1}}), ValueError,
                   "'iterations' is -1, expected an integer >= 0");
  Nadam nadam;
  EXPECT_THROW_MSG(nadam.set_state_scalars({{"iterations", 1}}), ValueError,
                   "Nadam: state scalar 'm_schedule' is missing");
  nadam.set_state_scalars({{"iterations", 7}, {"m_schedule", 0.25}});
  EXPECT_EQ(nadam.iterations(), 7);
  EXPECT_EQ(nadam.m_schedule(), 0.25);
}

// --- configs --------------------------------------------------------------------------------

std::vector<std::string> keys(const Config& c) {
  std::vector<std::string> out;
  for (const auto& [k, v] : c.items()) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(OptimizerConfig, GetConfigHasKerasKeysAndDefaults) {
  using K = std::vector<std::string>;
  EXPECT_EQ(keys(SGD().get_config()), (K{"decay", "lr", "momentum", "nesterov"}));
  EXPECT_EQ(keys(RMSprop().get_config()), (K{"decay", "epsilon", "lr", "rho"}));
  EXPECT_EQ(keys(Adagrad().get_config()), (K{"decay", "epsilon", "lr"}));
  EXPECT_EQ(keys(Adadelta().get_config()), (K{"decay", "epsilon", "lr", "rho"}));
  EXPECT_EQ(keys(Adam().get_config()), (K{"beta_1", "beta_2", "decay", "epsilon", "lr"}));
  EXPECT_EQ(keys(Adamax().get_config()), (K{"beta_1", "beta_2", "decay", "epsilon", "lr"}));
  EXPECT_EQ(keys(Nadam().get_config()), (K{"beta_1", "beta_2", "epsilon", "lr", "schedule_decay"}));
  EXPECT_EQ(keys(Adam({.clipnorm = 1.f, .clipvalue = 0.5f}).get_config()),
            (K{"beta_1", "beta_2", "clipnorm", "clipvalue", "decay", "epsilon", "lr"}));

  const Config sgd = SGD().get_config();
  EXPECT_EQ(sgd.at("lr").get<float>(), 0.01f);
  EXPECT_EQ(sgd.at("momentum").get<float>(), 0.f);
  EXPECT_EQ(sgd.at("nesterov"), false);
  EXPECT_EQ(RMSprop().get_config().at("rho").get<float>(), 0.9f);
  EXPECT_EQ(Adagrad().get_config().at("lr").get<float>(), 0.01f);
  EXPECT_EQ(Adadelta().get_config().at("lr").get<float>(), 1.f);
  EXPECT_EQ(Adadelta().get_config().at("rho").get<float>(), 0.95f);
  const Config adam = Adam().get_config();
  EXPECT_EQ(adam.at("lr").get<float>(), 0.001f);
  EXPECT_EQ(adam.at("beta_1").get<float>(), 0.9f);
  EXPECT_EQ(adam.at("beta_2").get<float>(), 0.999f);
  EXPECT_EQ(adam.at("epsilon").get<float>(), 1e-8f);
  EXPECT_EQ(Adamax().get_config().at("lr").get<float>(), 0.002f);
  EXPECT_EQ(Nadam().get_config().at("lr").get<float>(), 0.002f);
  EXPECT_EQ(Nadam().get_config().at("schedule_decay").get<float>(), 0.004f);
}

TEST(OptimizerConfig, FromConfigRoundTrips) {
  for (const auto& make : every_optimizer()) {
    const std::shared_ptr<Optimizer> a = make();
    const std::shared_ptr<Optimizer> b = from_config(a->class_name(), a->get_config());
    EXPECT_EQ(b->class_name(), a->class_name());
    EXPECT_EQ(b->get_config(), a->get_config());
    EXPECT_EQ(b->slot_names(), a->slot_names());
  }
}

TEST(OptimizerConfig, FromConfigReadsAKerasConfig) {
  // As Keras 1.2.2 writes it (Python floats), missing keys taking their defaults.
  const auto opt = from_config(
      "SGD", Config::parse(R"({"lr": 0.1, "momentum": 0.9, "nesterov": true, "clipnorm": 2.0})"));
  EXPECT_EQ(opt->class_name(), "SGD");
  EXPECT_EQ(opt->lr(), 0.1f);
  EXPECT_EQ(opt->clipnorm(), 2.f);
  EXPECT_EQ(opt->decay(), 0.f);
  EXPECT_EQ(opt->get_config().at("nesterov"), true);
  EXPECT_EQ(from_config("adam", Config())->get_config(), Adam().get_config());
}

TEST(OptimizerConfig, FromConfigRejectsUnexpectedArgumentsAndTypes) {
  EXPECT_THROW_MSG(from_config("Adam", {{"momentum", 0.9}}), ValueError,
                   "Adam: unexpected argument 'momentum', expected one of lr, beta_1, beta_2, "
                   "epsilon, decay, clipnorm, clipvalue");
  EXPECT_THROW_MSG(from_config("Nadam", {{"decay", 0.1}}), ValueError,
                   "Nadam: unexpected argument 'decay'");
  EXPECT_THROW_MSG(from_config("Adam", {{"lr", "fast"}}), ValueError,
                   "Adam: lr is 'fast', expected a number");
  EXPECT_THROW_MSG(from_config("SGD", {{"nesterov", 1}}), ValueError,
                   "SGD: nesterov is 1, expected true or false");
  EXPECT_THROW_MSG(from_config("SGD", Config::array()), ValueError,
                   "SGD: the config must be an object");
  EXPECT_THROW_MSG(from_config("Adam", {{"beta_1", 1.0}}), ValueError,
                   "Adam: beta_1 is 1, expected a number in [0, 1)");
}

TEST(OptimizerGet, KerasNamesGiveDefaults) {
  const std::vector<std::pair<std::string, std::shared_ptr<Optimizer>>> cases = {
      {"sgd", std::make_shared<SGD>()},         {"rmsprop", std::make_shared<RMSprop>()},
      {"adagrad", std::make_shared<Adagrad>()}, {"adadelta", std::make_shared<Adadelta>()},
      {"adam", std::make_shared<Adam>()},       {"adamax", std::make_shared<Adamax>()},
      {"nadam", std::make_shared<Nadam>()}};
  for (const auto& [name, want] : cases) {
    const std::shared_ptr<Optimizer> got = get(name);
    EXPECT_EQ(got->class_name(), want->class_name()) << name;
    EXPECT_EQ(got->get_config(), want->get_config()) << name;
    EXPECT_EQ(get(want->class_name())->class_name(), want->class_name());
  }
}

TEST(OptimizerGet, UnknownNameListsTheKnownOnes) {
  EXPECT_THROW_MSG(get("adamw"), ValueError,
                   "optimizer 'adamw' is not one of sgd, rmsprop, adagrad, adadelta, adam, "
                   "adamax, nadam");
  EXPECT_THROW_MSG(from_config("Ftrl", Config()), ValueError, "optimizer 'Ftrl' is not one of");
}

// --- errors ---------------------------------------------------------------------------------

TEST(OptimizerErrors, HyperparametersNameOptimizerArgumentAndValue) {
  EXPECT_THROW_MSG(SGD({.lr = -1.f}), ValueError, "SGD: lr is -1, expected a finite number >= 0");
  EXPECT_THROW_MSG(SGD({.momentum = -0.5f}), ValueError,
                   "SGD: momentum is -0.5, expected a number in [0, 1)");
  EXPECT_THROW_MSG(SGD({.decay = -0.1f}), ValueError, "SGD: decay is -0.1");
  EXPECT_THROW_MSG(RMSprop({.rho = 1.f}), ValueError,
                   "RMSprop: rho is 1, expected a number in [0, 1)");
  EXPECT_THROW_MSG(Adagrad({.epsilon = -1e-8f}), ValueError, "Adagrad: epsilon is -1e-08");
  EXPECT_THROW_MSG(Adadelta({.rho = 1.5f}), ValueError, "Adadelta: rho is 1.5");
  EXPECT_THROW_MSG(Adam({.beta_2 = -0.1f}), ValueError,
                   "Adam: beta_2 is -0.1, expected a number in [0, 1)");
  EXPECT_THROW_MSG(Adamax({.beta_1 = 1.f}), ValueError, "Adamax: beta_1 is 1");
  EXPECT_THROW_MSG(Nadam({.schedule_decay = -0.004f}), ValueError,
                   "Nadam: schedule_decay is -0.004");
  EXPECT_THROW_MSG(Adam({.clipnorm = -1.f}), ValueError, "Adam: clipnorm is -1");
  EXPECT_THROW_MSG(Adam({.clipvalue = -1.f}), ValueError, "Adam: clipvalue is -1");
  EXPECT_THROW_MSG(Adam({.lr = std::nanf("")}), ValueError, "Adam: lr is nan");
  Adam opt;
  EXPECT_THROW_MSG(opt.set_lr(-0.5f), ValueError,
                   "Adam: lr is -0.5, expected a finite number >= 0");
  EXPECT_EQ(opt.lr(), 0.001f);
}

TEST(OptimizerErrors, GradientCountMustMatchWeights) {
  Adam opt;
  Variable w = weight();
  EXPECT_THROW_MSG(opt.apply({grad(0), grad(1)}, {w}), ValueError,
                   "Adam.apply: 2 gradients for 1 weights");
}

TEST(OptimizerErrors, GradientShapeNamesTheWeightAndBothShapes) {
  RMSprop opt;
  Variable w = weight("dense_1_W");
  Variable ok = weight("ok");
  EXPECT_THROW_MSG(opt.apply({grad(0), Tensor::zeros(Shape{3, 2})}, {ok, w}), ShapeError,
                   "RMSprop.apply: gradient of shape (3, 2) does not match weight 'dense_1_W' of "
                   "shape (2, 3)");
  // Nothing changed, not even the weight checked first.
  EXPECT_EQ(ok.to_vector(), kP0);
  EXPECT_TRUE(opt.slots(ok).empty());
}

TEST(OptimizerErrors, UndefinedOrRepeatedInputs) {
  Adam opt;
  Variable w = weight("dense_1_W");
  EXPECT_THROW_MSG(opt.apply({Tensor()}, {w}), ValueError,
                   "Adam.apply: the gradient of weight 'dense_1_W' is undefined");
  EXPECT_THROW_MSG(opt.apply({grad(0)}, {Variable()}), ValueError,
                   "Adam.apply: weight 0 is undefined");
  EXPECT_THROW_MSG(opt.apply({grad(0), grad(1)}, {w, w}), ValueError,
                   "Adam.apply: weight 'dense_1_W' is listed twice");
  EXPECT_EQ(opt.iterations(), 0);
}

}  // namespace
}  // namespace keel::optimizers
