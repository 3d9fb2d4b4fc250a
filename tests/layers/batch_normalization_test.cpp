// BatchNormalization: KERAS1_SEMANTICS.md 4.1 (weight order: gamma, beta, then the
// non-trainable running_mean, running_std), 12.5 (modes, the running averages, running_std
// holding a variance) and the section 14 test vector (axis=1 after a 16-channel th convolution:
// 4 weights of shape (16,), 64 parameters, 32 trainable).
//
// The reference normalises each channel in double over every other axis, with the biased
// variance (TF's moments).
#include <gtest/gtest.h>
#include <keel/autograd/batch_norm.h>
#include <keel/autograd/gradcheck.h>
#include <keel/autograd/ops.h>
#include <keel/autograd/tape.h>
#include <keel/core/detail/dnnl_adapter.h>
#include <keel/core/error.h>
#include <keel/core/random.h>
#include <keel/core/tensor_ops.h>
#include <keel/layers/batch_normalization.h>
#include <keel/layers/convolution.h>
#include <keel/layers/factory.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "test_util.h"

namespace keel {
namespace {

using layers::BatchNormalization;
using tag = dnnl::memory::format_tag;
constexpr std::int64_t None = Shape::kUnknown;

Tensor random_tensor(const Shape& s, std::uint64_t seed, float lo = -1.f, float hi = 1.f) {
  Philox rng(seed);
  std::vector<float> v(static_cast<std::size_t>(s.numel()));
  rng.fill_uniform(v, lo, hi);
  return Tensor::from_data(s, v);
}

void expect_near(const std::vector<float>& a, const std::vector<float>& e, float tol) {
  ASSERT_EQ(a.size(), e.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], e[i], tol) << "element " << i;
}

Config parse(const char* json) { return Config::parse(json); }

struct Stats {
  std::vector<double> mean, variance;
};

// Per-channel mean and biased variance of plain x over every axis but `axis`.
Stats batch_stats(const Tensor& x_in, int axis) {
  const Tensor x = x_in.to_plain();
  const std::int64_t c = x.shape()[axis];
  const auto strides = row_major_strides(x.shape());
  Stats s{std::vector<double>(c, 0.0), std::vector<double>(c, 0.0)};
  const double n = static_cast<double>(x.numel() / c);
  for (std::int64_t i = 0; i < x.numel(); ++i) s.mean[(i / strides[axis]) % c] += x.data()[i] / n;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const std::int64_t ch = (i / strides[axis]) % c;
    s.variance[ch] += (x.data()[i] - s.mean[ch]) * (x.data()[i] - s.mean[ch]) / n;
  }
  return s;
}

std::vector<float> normalise(const Tensor& x_in, int axis, const std::vector<double>& mean,
                             const std::vector<double>& variance, const std::vector<float>& gamma,
                             const std::vector<float>& beta, double eps) {
  const Tensor x = x_in.to_plain();
  const std::int64_t c = x.shape()[axis];
  const auto strides = row_major_strides(x.shape());
  std::vector<float> y;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const std::int64_t ch = (i / strides[axis]) % c;
    y.push_back(static_cast<float>(
        gamma[ch] * (x.data()[i] - mean[ch]) / std::sqrt(variance[ch] + eps) + beta[ch]));
  }
  return y;
}

std::vector<double> as_double(const Tensor& t) {
  const auto v = t.to_vector();
  return {v.begin(), v.end()};
}

// --- weights ---------------------------------------------------------------------------------

TEST(BatchNormalization, SpecExampleAfterA16ChannelThConvolution) {
  layers::Convolution2D conv(16, 3, 3, {.dim_ordering = "th"});
  BatchNormalization bn({.axis = 1, .name = "bn"});
  bn.build(conv.output_shape({None, 3, 8, 8}));
  ASSERT_EQ(bn.weights().size(), 4u);
  for (const auto& w : bn.weights()) EXPECT_EQ(w.shape(), (Shape{16}));
  EXPECT_EQ(bn.count_params(), 64);
  std::int64_t trainable = 0;
  for (const auto& w : bn.trainable_weights()) trainable += w.shape().numel();
  EXPECT_EQ(trainable, 32);
  EXPECT_EQ(bn.weight_names(),
            (std::vector<std::string>{"gamma", "beta", "running_mean", "running_std"}));
  ASSERT_EQ(bn.trainable_weights().size(), 2u);
  ASSERT_EQ(bn.non_trainable_weights().size(), 2u);
  EXPECT_EQ(bn.trainable_weights()[0].name(), "bn_gamma");
  EXPECT_EQ(bn.trainable_weights()[1].name(), "bn_beta");
  EXPECT_EQ(bn.non_trainable_weights()[0].name(), "bn_running_mean");
  EXPECT_EQ(bn.non_trainable_weights()[1].name(), "bn_running_std");
  EXPECT_TRUE(bn.gamma().requires_grad());
  EXPECT_FALSE(bn.running_mean().requires_grad());
  EXPECT_FALSE(bn.running_std().requires_grad());
  // gamma one, beta zero, running mean zero, running "std" (a variance) one.
  const auto w = bn.get_weights();
  EXPECT_EQ(w[0].to_vector(), std::vector<float>(16, 1.f));
  EXPECT_EQ(w[1].to_vector(), std::vector<float>(16, 0.f));
  EXPECT_EQ(w[2].to_vector(), std::vector<float>(16, 0.f));
  EXPECT_EQ(w[3].to_vector(), std::vector<float>(16, 1.f));
}

TEST(BatchNormalization, NonTrainableWeightsComeLastAndStayNonTrainable) {
  BatchNormalization bn({.trainable = false});
  bn.build({None, 3});
  EXPECT_TRUE(bn.trainable_weights().empty());
  ASSERT_EQ(bn.non_trainable_weights().size(), 4u);
  EXPECT_EQ(bn.non_trainable_weights()[0].id(), bn.gamma().id());
  EXPECT_EQ(bn.non_trainable_weights()[3].id(), bn.running_std().id());
  for (const auto& w : bn.weights()) EXPECT_FALSE(w.requires_grad());
  bn.set_trainable(true);
  ASSERT_EQ(bn.trainable_weights().size(), 2u);
  EXPECT_TRUE(bn.gamma().requires_grad());
  EXPECT_TRUE(bn.beta().requires_grad());
  EXPECT_FALSE(bn.running_mean().requires_grad());
  EXPECT_FALSE(bn.running_std().requires_grad());
  EXPECT_EQ(bn.weights()[2].id(), bn.running_mean().id());
}

TEST(BatchNormalization, WeightsArgumentIsInKerasOrder) {
  const Tensor g = Tensor::from_data({2}, {2, 3}), b = Tensor::from_data({2}, {-1, 1});
  const Tensor m = Tensor::from_data({2}, {0.5, 0.25}), v = Tensor::from_data({2}, {4, 9});
  BatchNormalization bn({.weights = {g, b, m, v}});
  bn.build({None, 2});
  EXPECT_EQ(bn.gamma().to_vector(), g.to_vector());
  EXPECT_EQ(bn.beta().to_vector(), b.to_vector());
  EXPECT_EQ(bn.running_mean().to_vector(), m.to_vector());
  EXPECT_EQ(bn.running_std().to_vector(), v.to_vector());
  BatchNormalization bad({.weights = {g, b}, .name = "bad"});
  EXPECT_THROW_MSG(bad.build({None, 2}), ValueError,
                   "BatchNormalization 'bad': got 2 weight arrays, expected 4 (gamma, beta, "
                   "running_mean, running_std)");
}

// --- mode 0 ----------------------------------------------------------------------------------

TEST(BatchNormalization, TrainingUsesBatchStatisticsAndUpdatesRunningOnesByHand) {
  // Channel 0: [1, 2, 3, 4] -> mean 2.5, biased variance 1.25; channel 1: [2, 4, 6, 8] -> 5, 5.
  const Tensor x = Tensor::from_data({4, 2}, {1, 2, 2, 4, 3, 6, 4, 8});
  BatchNormalization bn(
      {.epsilon = 1e-3,
       .weights = {Tensor::from_data({2}, {2, 0.5}), Tensor::from_data({2}, {0, 1}),
                   Tensor::from_data({2}, {0.1, 0.2}), Tensor::from_data({2}, {1, 2})}});
  layers::LearningPhase training(true);
  const Variable y = bn(Variable(x));
  const double s0 = std::sqrt(1.25 + 1e-3), s1 = std::sqrt(5 + 1e-3);
  std::vector<float> expected;
  for (int i = 0; i < 4; ++i) {
    expected.push_back(static_cast<float>(2 * (1 + i - 2.5) / s0));
    expected.push_back(static_cast<float>(0.5 * (2 * (1 + i) - 5) / s1 + 1));
  }
  expect_near(y.to_vector(), expected, 1e-5f);
  // running_mean <- 0.99 m + 0.01 mean_B; running_std (a variance) <- 0.99 v + 0.01 var_B.
  expect_near(bn.running_mean().to_vector(), {0.99f * 0.1f + 0.01f * 2.5f, 0.99f * 0.2f + 0.05f},
              1e-6f);
  expect_near(bn.running_std().to_vector(), {0.99f + 0.01f * 1.25f, 0.99f * 2 + 0.05f}, 1e-6f);
  // A second step averages again.
  (void)bn(Variable(x));
  expect_near(bn.running_mean().to_vector(),
              {0.99f * (0.99f * 0.1f + 0.025f) + 0.025f, 0.99f * (0.99f * 0.2f + 0.05f) + 0.05f},
              1e-6f);
}

TEST(BatchNormalization, TestPhaseUsesRunningStatisticsAndLeavesThem) {
  const Tensor x = Tensor::from_data({3, 2}, {1, -1, 2, 0, 4, 3});
  BatchNormalization bn(
      {.epsilon = 0.01,
       .weights = {Tensor::from_data({2}, {2, 1}), Tensor::from_data({2}, {0.5, 0}),
                   Tensor::from_data({2}, {1, 2}), Tensor::from_data({2}, {4, 0.25})}});
  const Variable y = bn(Variable(x));  // learning phase off by default
  const double s0 = std::sqrt(4.01), s1 = std::sqrt(0.26);
  expect_near(y.to_vector(),
              {static_cast<float>(2 * (1 - 1) / s0 + 0.5), static_cast<float>((-1 - 2) / s1),
               static_cast<float>(2 * (2 - 1) / s0 + 0.5), static_cast<float>((0 - 2) / s1),
               static_cast<float>(2 * (4 - 1) / s0 + 0.5), static_cast<float>((3 - 2) / s1)},
              1e-5f);
  EXPECT_EQ(bn.running_mean().to_vector(), (std::vector<float>{1, 2}));
  EXPECT_EQ(bn.running_std().to_vector(), (std::vector<float>{4, 0.25}));
}

struct Case {
  std::string what;
  Shape shape;
  int axis;  // as given to the layer
};

std::vector<Case> cases() {
  return {{"dense (N, C)", {6, 5}, -1},           {"sequence (N, T, C)", {3, 4, 5}, -1},
          {"tf image", {2, 3, 4, 5}, -1},         {"th image", {2, 5, 3, 4}, 1},
          {"tf volume", {2, 2, 3, 2, 4}, -1},     {"th volume", {2, 4, 2, 3, 2}, 1},
          {"axis 2 of an image", {2, 3, 4, 5}, 2}};
}

TEST(BatchNormalization, MatchesThePerChannelReferenceInBothPhases) {
  std::uint64_t seed = 30;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.what);
    const Tensor x = random_tensor(c.shape, ++seed, -2.f, 3.f);
    const int axis = c.axis < 0 ? c.axis + c.shape.rank() : c.axis;
    const std::int64_t ch = c.shape[axis];
    const Tensor gamma = random_tensor({ch}, ++seed, 0.5f, 1.5f);
    const Tensor beta = random_tensor({ch}, ++seed);
    const Tensor rm = random_tensor({ch}, ++seed);
    const Tensor rv = random_tensor({ch}, ++seed, 0.5f, 2.f);
    BatchNormalization bn({.axis = c.axis, .weights = {gamma, beta, rm, rv}});
    // Test phase: the running statistics.
    expect_near(
        bn(Variable(x)).to_vector(),
        normalise(x, axis, as_double(rm), as_double(rv), gamma.to_vector(), beta.to_vector(), 1e-3),
        2e-5f);
    // Training phase: the batch statistics, then the running ones move toward them.
    layers::LearningPhase training(true);
    const Stats s = batch_stats(x, axis);
    expect_near(bn(Variable(x)).to_vector(),
                normalise(x, axis, s.mean, s.variance, gamma.to_vector(), beta.to_vector(), 1e-3),
                2e-5f);
    const auto rmv = rm.to_vector(), rvv = rv.to_vector();
    std::vector<float> em, ev;
    for (std::int64_t i = 0; i < ch; ++i) {
      em.push_back(static_cast<float>(0.99 * rmv[i] + 0.01 * s.mean[i]));
      ev.push_back(static_cast<float>(0.99 * rvv[i] + 0.01 * s.variance[i]));
    }
    expect_near(bn.running_mean().to_vector(), em, 1e-6f);
    expect_near(bn.running_std().to_vector(), ev, 1e-6f);
  }
}

// --- layouts ---------------------------------------------------------------------------------

// A convolution's output (channels-last or blocked, as oneDNN chose) and an explicitly blocked
// nChw16c input are normalised in their own layout: the output and dx keep it (no reorder
// before or after).
TEST(BatchNormalization, ConvolutionAndBlockedOutputsKeepTheirLayout) {
  for (const char* ordering : {"th", "tf"}) {
    SCOPED_TRACE(ordering);
    const bool tf = std::string(ordering) == "tf";
    const std::vector<int> data_axes =
        tf ? std::vector<int>{0, 3, 1, 2} : std::vector<int>{0, 1, 2, 3};
    layers::Convolution2D conv(16, 3, 3, {.border_mode = "same", .dim_ordering = ordering});
    const Tensor x = random_tensor(tf ? Shape{2, 5, 4, 3} : Shape{2, 3, 5, 4}, 40);
    const Tensor conv_out = conv(Variable(x)).value();
    dnnl::memory::dims dims;
    for (int a : data_axes) dims.push_back(conv_out.shape()[a]);
    const Tensor blocked =
        conv_out.to_layout(dnnl_adapter::tagged_desc(dims, tag::nChw16c), data_axes);
    for (const Tensor& mid : {conv_out, blocked}) {
      BatchNormalization bn({.axis = tf ? -1 : 1});
      layers::LearningPhase training(true);
      Variable mb(mid, true);
      Tape tape;
      const Variable y = bn(mb);
      EXPECT_EQ(y.value().desc(), mid.desc());
      EXPECT_EQ(y.value().axes(), mid.axes());
      const Stats s = batch_stats(mid, tf ? 3 : 1);
      expect_near(y.to_vector(),
                  normalise(mid, tf ? 3 : 1, s.mean, s.variance, std::vector<float>(16, 1.f),
                            std::vector<float>(16, 0.f), 1e-3),
                  2e-5f);
      const Tensor dx = tape.gradient(y, mb, {.output_gradient = random_tensor(y.shape(), 41)});
      EXPECT_EQ(dx.desc(), mid.desc());
    }
  }
}

TEST(BatchNormalization, PlainChannelsFirstImagesRunChannelsLast) {
  // oneDNN has no JIT kernel for plain nchw: such an input is normalised as nhwc (its logical
  // shape is unchanged).
  const Tensor x = random_tensor({2, 3, 4, 5}, 42);
  BatchNormalization bn({.axis = 1});
  const Variable y = bn(Variable(x));
  EXPECT_EQ(y.shape(), x.shape());
  EXPECT_EQ(y.value().desc(), dnnl_adapter::tagged_desc({2, 3, 4, 5}, tag::nhwc));
}

// --- gradients -------------------------------------------------------------------------------

// gradcheck over x, gamma and beta with gamma and beta away from their defaults.
void gradcheck_bn(BatchNormalization& bn, const Shape& shape, std::uint64_t seed) {
  Variable x(random_tensor(shape, seed, -2.f, 2.f), true);
  bn.build(shape);
  const std::int64_t c = bn.gamma().shape()[0];
  bn.set_weights({random_tensor({c}, seed + 1, 0.5f, 1.5f), random_tensor({c}, seed + 2),
                  random_tensor({c}, seed + 3), random_tensor({c}, seed + 4, 0.5f, 2.f)});
  const auto r = gradcheck([&] { return bn(x); }, {x, bn.gamma(), bn.beta()},
                           {.eps = 1e-2, .atol = 3e-3, .rtol = 3e-2});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(BatchNormalization, GradcheckInTrainingPhaseInBothOrderings) {
  layers::LearningPhase training(true);
  std::uint64_t seed = 50;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.what);
    BatchNormalization bn({.axis = c.axis});
    gradcheck_bn(bn, c.shape, seed += 10);
  }
}

TEST(BatchNormalization, GradcheckInTestPhase) {
  std::uint64_t seed = 150;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.what);
    BatchNormalization bn({.axis = c.axis});
    gradcheck_bn(bn, c.shape, seed += 10);
  }
}

TEST(BatchNormalization, GradcheckAfterABlockedConvolution) {
  layers::LearningPhase training(true);
  for (const char* ordering : {"th", "tf"}) {
    SCOPED_TRACE(ordering);
    const bool tf = std::string(ordering) == "tf";
    layers::Convolution2D conv(16, 2, 2, {.dim_ordering = ordering});
    BatchNormalization bn({.axis = tf ? -1 : 1});
    const Tensor x = random_tensor(tf ? Shape{2, 3, 3, 2} : Shape{2, 2, 3, 3}, 60);
    const auto r = gradcheck([&](const std::vector<Variable>& v) { return bn(conv(v[0])); }, {x},
                             {.eps = 1e-2, .atol = 3e-3, .rtol = 3e-2});
    EXPECT_TRUE(r.ok) << r.message;
  }
}

// --- relu fused into the batch-norm primitive (what a graph model does for BN -> relu) -------

// Output and gradients of x, gamma and beta for a fixed projection of the output.
struct Pass {
  std::vector<float> y, dx, dgamma, dbeta;
};

Pass run_bn(BatchNormalization& bn, const Tensor& x_value, bool fused) {
  Variable x(x_value, true);
  Tape tape;
  const Variable y = fused ? bn.call_fused(x, FusedActivation::relu) : relu(bn(x));
  EXPECT_TRUE(y.defined());
  const Variable loss = sum(y * Variable(random_tensor(x_value.shape(), 7)));
  const auto g = tape.gradient(loss, {x, bn.gamma(), bn.beta()});
  return {y.value().to_vector(), g[0].to_vector(), g[1].to_vector(), g[2].to_vector()};
}

TEST(BatchNormalization, FusedReluMatchesReluOfTheOutputInBothPhases) {
  std::uint64_t seed = 400;
  for (bool training : {true, false}) {
    layers::LearningPhase phase(training);
    for (const auto& c : cases()) {
      SCOPED_TRACE(std::string(c.what) + (training ? ", training" : ", test"));
      const int axis = c.axis < 0 ? c.axis + c.shape.rank() : c.axis;
      const std::int64_t ch = c.shape[axis];
      const std::vector<Tensor> w{random_tensor({ch}, ++seed, 0.5f, 1.5f),
                                  random_tensor({ch}, ++seed), random_tensor({ch}, ++seed),
                                  random_tensor({ch}, ++seed, 0.5f, 2.f)};
      BatchNormalization fused({.axis = c.axis, .weights = w}),
          plain({.axis = c.axis, .weights = w});
      const Tensor x = random_tensor(c.shape, ++seed, -2.f, 2.f);
      const Pass a = run_bn(fused, x, true), b = run_bn(plain, x, false);
      expect_near(a.y, b.y, 1e-6f);
      expect_near(a.dx, b.dx, 1e-5f);
      expect_near(a.dgamma, b.dgamma, 1e-5f);
      expect_near(a.dbeta, b.dbeta, 1e-5f);
      // Half the outputs are clipped: the fused op really applied relu.
      EXPECT_GT(std::count(a.y.begin(), a.y.end(), 0.f), 0);
      if (training)  // and updated the running statistics like the unfused one
        expect_near(fused.running_mean().value().to_vector(),
                    plain.running_mean().value().to_vector(), 1e-6f);
    }
  }
}

TEST(BatchNormalization, FusesNothingButReluAndNothingInMode1) {
  const Variable x(random_tensor({4, 3}, 5));
  BatchNormalization bn;
  EXPECT_FALSE(bn.call_fused(x, FusedActivation::tanh).defined());
  EXPECT_FALSE(bn.call_fused(x, FusedActivation::none).defined());
  BatchNormalization sample_wise({.mode = 1});
  EXPECT_FALSE(sample_wise.call_fused(x, FusedActivation::relu).defined());
}

TEST(BatchNormalization, InputGradientAloneWhenGammaAndBetaAreFrozen) {
  layers::LearningPhase training(true);
  const Tensor x = random_tensor({4, 3, 2, 2}, 70);
  const Tensor dy = random_tensor({4, 3, 2, 2}, 71);
  BatchNormalization all({.axis = 1}), frozen({.axis = 1, .trainable = false});
  std::vector<Tensor> dx;
  for (BatchNormalization* bn : {&all, &frozen}) {
    Variable xv(x, true);
    Tape tape;
    const Variable y = (*bn)(xv);
    dx.push_back(tape.gradient(y, xv, {.output_gradient = dy}));
  }
  expect_near(dx[1].to_vector(), dx[0].to_vector(), 1e-6f);
  // The gradient of a batch-normalised output sums to zero over each channel (for any dy it is
  // orthogonal to the constant direction).
  const auto s = ops::reduce(dnnl::algorithm::reduction_sum, dx[0], {0, 2, 3}, false);
  expect_near(s.to_vector(), {0, 0, 0}, 1e-5f);
}

// --- modes 1 and 2 ---------------------------------------------------------------------------

TEST(BatchNormalization, Mode2UsesBatchStatisticsInBothPhasesWithoutUpdates) {
  const Tensor x = random_tensor({5, 3}, 80);
  BatchNormalization bn({.mode = 2});
  const Stats s = batch_stats(x, 1);
  const auto expected = normalise(x, 1, s.mean, s.variance, {1, 1, 1}, {0, 0, 0}, 1e-3);
  expect_near(bn(Variable(x)).to_vector(), expected, 2e-5f);
  {
    layers::LearningPhase training(true);
    expect_near(bn(Variable(x)).to_vector(), expected, 2e-5f);
  }
  EXPECT_EQ(bn.running_mean().to_vector(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(bn.running_std().to_vector(), (std::vector<float>{1, 1, 1}));
}

TEST(BatchNormalization, Mode1NormalisesEachSampleWithEpsilonTwice) {
  // Sample [1, 2, 3]: mean 2, variance 2/3; y = gamma (x - m) / (sqrt(var + eps) + eps) + beta.
  const double eps = 0.1;
  BatchNormalization bn(
      {.epsilon = eps,
       .mode = 1,
       .weights = {Tensor::from_data({3}, {1, 2, 3}), Tensor::from_data({3}, {0, 0, 1}),
                   Tensor::zeros({3}), Tensor::ones({3})}});
  const Variable y = bn(Variable(Tensor::from_data({2, 3}, {1, 2, 3, 0, 0, 3})));
  const double d0 = std::sqrt(2.0 / 3 + eps) + eps, d1 = std::sqrt(2.0 + eps) + eps;
  expect_near(y.to_vector(),
              {static_cast<float>(-1 / d0), 0.f, static_cast<float>(3 / d0 + 1),
               static_cast<float>(-1 / d1), static_cast<float>(-2 / d1),
               static_cast<float>(3 * 2 / d1 + 1)},
              1e-5f);
  BatchNormalization g({.mode = 1});
  gradcheck_bn(g, {3, 4}, 90);
  BatchNormalization th({.mode = 1, .axis = 1, .name = "bn1"});
  EXPECT_THROW_MSG(th.build({None, 3, 4, 4}), ShapeError,
                   "BatchNormalization 'bn1': mode 1 normalises each sample over its last axis");
}

// --- errors and config -----------------------------------------------------------------------

TEST(BatchNormalization, ErrorsNameTheArgumentAndTheValue) {
  EXPECT_THROW_MSG(BatchNormalization({.mode = 3, .name = "bn"}), ValueError,
                   "BatchNormalization 'bn': mode is 3, expected 0 (feature-wise), 1 (sample-wise) "
                   "or 2");
  EXPECT_THROW_MSG(BatchNormalization({.epsilon = 0}), ValueError, "epsilon is 0, expected > 0");
  EXPECT_THROW_MSG(BatchNormalization({.momentum = 1.5}), ValueError,
                   "momentum is 1.5, expected a number in [0, 1]");
  BatchNormalization bn({.axis = 3, .name = "bn"});
  EXPECT_THROW_MSG(bn.build({None, 4, 5}), ShapeError,
                   "BatchNormalization 'bn': axis 3 is out of range for an input of shape "
                   "(None, 4, 5) (rank 3)");
  BatchNormalization bn2({.name = "bn2"});
  EXPECT_THROW_MSG(bn2.build({None}), ShapeError,
                   "BatchNormalization 'bn2': expected an input of rank 2 to 5 (batch first), got "
                   "shape (None,)");
  EXPECT_THROW_MSG(bn2.build({None, None}), ShapeError, "must be known");
  (void)bn2(Variable(Tensor::ones({2, 3})));
  EXPECT_THROW_MSG(bn2(Variable(Tensor::ones({2, 4}))), ShapeError,
                   "has 4 features on axis -1, but the layer was built for 3");
  EXPECT_THROW_MSG(
      batch_norm(Variable(Tensor::ones({2, 3})), Variable(Tensor::ones({2})),
                 Variable(Tensor::ones({3})), {0, 1}, 1e-3f),
      ShapeError,
      "batch_norm: gamma of shape (2,) for an input (2, 3) with 3 channels, expected (3,)");
}

TEST(BatchNormalization, ConfigRoundTripsWithTheKerasKeys) {
  BatchNormalization bn({.epsilon = 1e-4,
                         .axis = 1,
                         .momentum = 0.9,
                         .gamma_regularizer = regularizers::l2(0.01f),
                         .name = "bn"});
  const Config c = bn.get_config();
  EXPECT_EQ(c["epsilon"], 1e-4);
  EXPECT_EQ(c["mode"], 0);
  EXPECT_EQ(c["axis"], 1);
  EXPECT_EQ(c["momentum"], 0.9);
  EXPECT_EQ(c["gamma_regularizer"]["name"], "L1L2Regularizer");
  EXPECT_TRUE(c["beta_regularizer"].is_null());
  EXPECT_FALSE(c.contains("gamma_init"));  // Keras does not serialise the init names
  const auto copy = layers::layer_from_config("BatchNormalization", c);
  EXPECT_EQ(copy->get_config(), c);
  EXPECT_EQ(copy->output_shape({None, 16, 4, 4}), (Shape{None, 16, 4, 4}));
  const auto from_keras = layers::layer_from_config(
      "BatchNormalization", parse(R"({"epsilon": 0.001, "mode": 0, "axis": -1, "momentum": 0.99,
                                      "gamma_regularizer": null, "beta_regularizer": null,
                                      "gamma_init": "one", "beta_init": "zero",
                                      "name": "batchnormalization_1", "trainable": true})"));
  EXPECT_EQ(from_keras->name(), "batchnormalization_1");
  EXPECT_THROW_MSG(
      layers::layer_from_config("BatchNormalization", parse(R"({"center": true})")), ValueError,
      "BatchNormalization: unexpected argument 'center', expected one of epsilon, mode, axis,");
}

}  // namespace
}  // namespace keel
