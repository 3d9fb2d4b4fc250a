// Dense, Flatten, Activation, Dropout, Reshape and Permute: KERAS1_SEMANTICS.md 4.1 (weight
// order), 7 (activations), 12.1-12.3. Forward values are computed by hand or by plain loops
// here; gradients by the numeric gradient checker.
#include <gtest/gtest.h>
#include <keel/autograd/dense.h>
#include <keel/autograd/gradcheck.h>
#include <keel/autograd/ops.h>
#include <keel/autograd/tape.h>
#include <keel/core/error.h>
#include <keel/core/primitive_cache.h>
#include <keel/core/random.h>
#include <keel/core/tensor_ops.h>
#include <keel/layers/convolution.h>
#include <keel/layers/core_layers.h>
#include <keel/layers/dense.h>
#include <keel/layers/dropout.h>
#include <keel/layers/factory.h>

#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "test_util.h"

namespace keel {
namespace {

using layers::Layer;
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

void expect_round_trip(const Layer& layer, const Shape& input) {
  SCOPED_TRACE(layer.class_name() + " " + layer.get_config().dump());
  const Config config = layer.get_config();
  const auto copy = layers::layer_from_config(layer.class_name(), config);
  EXPECT_EQ(copy->class_name(), layer.class_name());
  EXPECT_EQ(copy->output_shape(input), layer.output_shape(input));
  EXPECT_EQ(copy->get_config(), config);
}

// y[r][o] = sum_i x[r][i] W[i][o] + b[o], in double.
std::vector<float> dense_reference(const Tensor& x, const Tensor& W, const Tensor& b) {
  const std::int64_t in = W.shape()[0], out = W.shape()[1], rows = x.numel() / in;
  const auto xv = x.to_vector(), wv = W.to_vector();
  const auto bv =
      b.defined() ? b.to_vector() : std::vector<float>(static_cast<std::size_t>(out), 0);
  std::vector<float> y;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t o = 0; o < out; ++o) {
      double acc = bv[o];
      for (std::int64_t i = 0; i < in; ++i) acc += double(xv[r * in + i]) * wv[i * out + o];
      y.push_back(static_cast<float>(acc));
    }
  return y;
}

// --- Dense -----------------------------------------------------------------------------------

TEST(Dense, ForwardByHand) {
  // x (2, 3), W (3, 2), b (2,): y = x W + b.
  const Tensor x = Tensor::from_data({2, 3}, {1, 2, 3, -1, 0, 2});
  const Tensor W = Tensor::from_data({3, 2}, {1, 0, 0, 1, 2, -1});
  const Tensor b = Tensor::from_data({2}, {0.5, -0.5});
  layers::Dense fc(2, {.weights = {W, b}});
  const Variable y = fc(Variable(x));
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  // Row 0: [1 + 6, 2 - 3] + b = [7.5, -1.5]; row 1: [-1 + 4, 0 - 2] + b = [3.5, -2.5].
  expect_near(y.to_vector(), {7.5f, -1.5f, 3.5f, -2.5f}, 1e-6f);
  layers::Dense relu(2, {.activation = "relu", .weights = {W, b}});
  expect_near(relu(Variable(x)).to_vector(), {7.5f, 0.f, 3.5f, 0.f}, 1e-6f);
  layers::Dense no_bias(2, {.weights = {W}, .bias = false});
  expect_near(no_bias(Variable(x)).to_vector(), {7.f, -1.f, 3.f, -2.f}, 1e-6f);
}

TEST(Dense, EveryActivationMatchesTheReference) {
  const Tensor x = random_tensor({4, 7}, 1);
  const Tensor W = random_tensor({7, 5}, 2), b = random_tensor({5}, 3);
  const auto pre = dense_reference(x, W, b);
  for (const char* act : {"linear", "relu", "tanh", "sigmoid", "elu", "softplus", "softsign",
                          "hard_sigmoid", "softmax"}) {
    SCOPED_TRACE(act);
    layers::Dense fc(5, {.activation = act, .weights = {W, b}});
    const Variable y = fc(Variable(x));
    const Variable expected = activation(act, Variable(Tensor::from_data({4, 5}, pre)));
    expect_near(y.to_vector(), expected.to_vector(), 1e-5f);
  }
}

TEST(Dense, KeepsLeadingAxesLikeKDot) {
  const Tensor x = random_tensor({2, 3, 4}, 4);
  const Tensor W = random_tensor({4, 6}, 5), b = random_tensor({6}, 6);
  layers::Dense fc(6, {.weights = {W, b}});
  EXPECT_EQ(fc.output_shape({None, 3, 4}), (Shape{None, 3, 6}));
  const Variable y = fc(Variable(x));
  EXPECT_EQ(y.shape(), (Shape{2, 3, 6}));
  expect_near(y.to_vector(), dense_reference(x, W, b), 1e-5f);
}

TEST(Dense, WeightsAreKerasShapedAndOrdered) {
  layers::Dense fc(10, {.input_dim = 784});
  EXPECT_EQ(fc.batch_input_shape(), (Shape{None, 784}));
  fc.build({None, 784});
  ASSERT_EQ(fc.weights().size(), 2u);
  EXPECT_EQ(fc.weight_names(), (std::vector<std::string>{"W", "b"}));
  EXPECT_EQ(fc.weights()[0].shape(), (Shape{784, 10}));
  EXPECT_EQ(fc.weights()[1].shape(), (Shape{10}));
  EXPECT_EQ(fc.count_params(), 7850);
  EXPECT_EQ(fc.weights()[0].name(), fc.name() + "_W");
  const Fans fans = fc.weight_fans("W");
  EXPECT_EQ(fans.fan_in, 784);
  EXPECT_EQ(fans.fan_out, 10);
  // glorot_uniform bound sqrt(6 / (784 + 10)); b starts at zero.
  const auto w = fc.weights()[0].to_vector();
  const float bound = std::sqrt(6.f / 794.f);
  for (float v : w) ASSERT_LE(std::abs(v), bound);
  for (float v : fc.weights()[1].to_vector()) ASSERT_EQ(v, 0.f);
  layers::Dense nb(3, {.bias = false});
  nb.build({None, 4});
  EXPECT_EQ(nb.weight_names(), (std::vector<std::string>{"W"}));
}

TEST(Dense, GradcheckEveryParameter) {
  // Inputs away from relu's kink: pre-activations of a random layer rarely land within eps of 0,
  // but use tanh, sigmoid and elu (smooth) and linear/softmax (separate op) to be safe.
  for (const char* act : {"linear", "tanh", "sigmoid", "elu", "softmax"}) {
    for (bool bias : {true, false}) {
      SCOPED_TRACE(std::string(act) + (bias ? " bias" : " no bias"));
      layers::Dense fc(4, {.activation = act, .bias = bias});
      Variable x(random_tensor({3, 5}, 7), true);
      fc.build(x.shape());
      std::vector<Variable> params{x};
      for (const auto& w : fc.trainable_weights()) params.push_back(w);
      const auto r = gradcheck([&] { return fc(x); }, params);
      EXPECT_TRUE(r.ok) << r.message;
    }
  }
  // relu (fused) with every pre-activation at least 0.1 away from the kink: |x W| <= 0.9 and
  // b = +-1.
  layers::Dense fc(4, {.activation = "relu"});
  fc.build({None, 3});
  fc.set_weights({Tensor::from_data({3, 4}, {0.3f, -0.2f, 0.5f, -0.4f, 0.1f, 0.2f, -0.3f, 0.6f,
                                             -0.5f, 0.4f, 0.2f, -0.1f}),
                  Tensor::from_data({4}, {1.f, -1.f, 1.f, -1.f})});
  Variable x(random_tensor({2, 3}, 8, -0.5f, 0.5f), true);
  std::vector<Variable> params{x};
  for (const auto& w : fc.trainable_weights()) params.push_back(w);
  const auto r = gradcheck([&] { return fc(x); }, params);
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(Dense, GradientsOnlyForWhatIsAsked) {
  layers::Dense fc(3);
  const Variable x(random_tensor({2, 4}, 9));  // no gradient
  fc.build(x.shape());
  Tape tape;
  const Variable y = fc(x);
  const auto grads = tape.gradient(sum(y), fc.trainable_weights());
  // dW = x^T 1, db = column sums of 1 = batch size.
  const auto xv = x.to_vector();
  std::vector<float> dw;
  for (int i = 0; i < 4; ++i)
    for (int o = 0; o < 3; ++o) dw.push_back(xv[i] + xv[4 + i]);
  expect_near(grads[0].to_vector(), dw, 1e-5f);
  expect_near(grads[1].to_vector(), {2, 2, 2}, 1e-6f);
}

TEST(Dense, FrozenLayerHasNoTrainableWeights) {
  layers::Dense fc(3, {.trainable = false});
  fc.build({None, 2});
  EXPECT_TRUE(fc.trainable_weights().empty());
  EXPECT_EQ(fc.non_trainable_weights().size(), 2u);
  EXPECT_FALSE(fc.weights()[0].requires_grad());
  fc.set_trainable(true);
  EXPECT_EQ(fc.trainable_weights().size(), 2u);
  EXPECT_TRUE(fc.weights()[0].requires_grad());
}

TEST(Dense, PrimitivesAreCached) {
  layers::Dense fc(8, {.activation = "relu"});
  const Variable x(random_tensor({4, 16}, 10));
  (void)fc(x);
  const auto before = primitive_cache().stats();
  (void)fc(x);
  EXPECT_EQ(primitive_cache().stats().misses, before.misses);
}

TEST(Dense, ErrorsNameTheLayerAndTheValue) {
  EXPECT_THROW_MSG(layers::Dense(0, {.name = "fc"}), ValueError,
                   "Dense 'fc': output_dim is 0, expected > 0");
  EXPECT_THROW_MSG(layers::Dense(3, {.activation = "relux", .name = "fc"}), ValueError,
                   "Dense 'fc': activation is 'relux', expected one of linear, relu, tanh, "
                   "sigmoid, hard_sigmoid,");
  EXPECT_THROW_MSG(layers::Dense(3, {.init = "glorot"}), ValueError, "glorot");
  layers::Dense fc(3, {.name = "fc"});
  EXPECT_THROW_MSG(fc.build({None}), ShapeError,
                   "Dense 'fc': expected an input of rank >= 2 (batch, ..., input_dim), got shape "
                   "(None,)");
  EXPECT_THROW_MSG(fc.build({None, None}), ShapeError, "must be known");
  (void)fc(Variable(Tensor::zeros({2, 4})));
  EXPECT_THROW_MSG(
      fc(Variable(Tensor::zeros({2, 5}))), ShapeError,
      "Dense 'fc': input of shape (2, 5) has input_dim 5, but the layer was built for 4");
  layers::Dense bad(2, {.weights = {Tensor::zeros({3, 2})}, .name = "bad"});
  EXPECT_THROW_MSG(bad.build({None, 3}), ValueError, "got 1 weight arrays, expected 2 (W, b)");
  EXPECT_THROW_MSG(
      dense(Variable(Tensor::zeros({2, 3})), Variable(Tensor::zeros({4, 2})), Variable()),
      ShapeError, "dense: input of shape (2, 3) does not fit the kernel of shape (4, 2)");
}

TEST(Dense, ConfigRoundTripsWithTheKerasKeys) {
  layers::Dense fc(16, {.init = "he_normal",
                        .activation = "tanh",
                        .W_regularizer = regularizers::l2(0.01f),
                        .bias = false,
                        .input_dim = 8,
                        .name = "fc"});
  const Config c = fc.get_config();
  EXPECT_EQ(c["output_dim"], 16);
  EXPECT_EQ(c["init"], "he_normal");
  EXPECT_EQ(c["activation"], "tanh");
  EXPECT_EQ(c["bias"], false);
  EXPECT_EQ(c["input_dim"], 8);
  EXPECT_EQ(c["W_regularizer"]["name"], "L1L2Regularizer");
  EXPECT_TRUE(c["b_regularizer"].is_null());
  EXPECT_TRUE(c["activity_regularizer"].is_null());
  EXPECT_TRUE(c["W_constraint"].is_null());
  EXPECT_TRUE(c["b_constraint"].is_null());
  EXPECT_EQ(c["batch_input_shape"], parse("[null, 8]"));
  expect_round_trip(fc, {None, 8});
  expect_round_trip(layers::Dense(3), {None, 5});
  EXPECT_EQ(layers::Dense(3).get_config()["activation"], "linear");
  EXPECT_THROW_MSG(
      layers::layer_from_config("Dense", parse(R"({"output_dim": 3, "units": 3})")), ValueError,
      "Dense: unexpected argument 'units', expected one of output_dim, init, activation,");
  EXPECT_THROW_MSG(layers::layer_from_config("Dense", parse(R"({"activation": "relu"})")),
                   ValueError, "Dense: output_dim is missing");
}

// --- Flatten ---------------------------------------------------------------------------------

TEST(Flatten, FlattensTheKerasShapeInRowMajorOrder) {
  // tf (1, 2, 2, 3): flattened (H, W, C) — the buffer order itself.
  std::vector<float> v(12);
  std::iota(v.begin(), v.end(), 0.f);
  const Tensor x_tf = Tensor::from_data({1, 2, 2, 3}, v);
  layers::Flatten flat;
  EXPECT_EQ(flat.output_shape({None, 2, 2, 3}), (Shape{None, 12}));
  EXPECT_EQ(flat(Variable(x_tf)).to_vector(), v);
  // The same image th (1, 3, 2, 2): flattened (C, H, W), channel 0 first.
  const Tensor x_th = ops::permute(x_tf, {0, 3, 1, 2});
  const auto y_th = layers::Flatten()(Variable(x_th)).to_vector();
  EXPECT_EQ(y_th, (std::vector<float>{0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}));
}

TEST(Flatten, BlockedConvolutionOutputFlattensInKerasOrder) {
  for (const char* ordering : {"th", "tf"}) {
    SCOPED_TRACE(ordering);
    const bool tf = std::string(ordering) == "tf";
    layers::Convolution2D conv(16, 2, 2, {.dim_ordering = ordering});
    const Tensor x = random_tensor(tf ? Shape{2, 4, 3, 2} : Shape{2, 2, 4, 3}, 11);
    const Variable mid = conv(Variable(x));
    const Variable y = layers::Flatten()(mid);
    EXPECT_EQ(y.shape(), (Shape{2, 16 * 3 * 2}));
    EXPECT_EQ(y.to_vector(), mid.value().to_plain().to_vector());
    const auto r = gradcheck(
        [&](const std::vector<Variable>& v) { return layers::Flatten()(conv(v[0])); }, {x});
    EXPECT_TRUE(r.ok) << r.message;
  }
}

TEST(Flatten, NeedsRankThreeAndKnownDims) {
  layers::Flatten flat({.name = "f"});
  EXPECT_THROW_MSG(flat.build({None, 5}), ShapeError,
                   "Flatten 'f': expected an input of rank >= 3 (batch, d1, d2, ...), got shape "
                   "(None, 5)");
  EXPECT_THROW_MSG(flat.build({None, None, 5}), ValueError,
                   "Flatten 'f': the non-batch dimensions of input shape (None, None, 5) must all "
                   "be known");
  expect_round_trip(layers::Flatten({.input_shape = {3, 4}}), {None, 3, 4});
  EXPECT_EQ(layers::Flatten({.name = "f2"}).get_config(),
            parse(R"({"name": "f2", "trainable": true})"));
}

// --- Activation ------------------------------------------------------------------------------

TEST(Activation, AppliesTheNamedFunction) {
  const Tensor x = Tensor::from_data({1, 4}, {-2, -0.5, 0.5, 2});
  expect_near(layers::Activation("relu")(Variable(x)).to_vector(), {0, 0, 0.5, 2}, 1e-6f);
  expect_near(layers::Activation("hard_sigmoid")(Variable(x)).to_vector(), {0.1f, 0.4f, 0.6f, 0.9f},
              1e-6f);
  expect_near(layers::Activation("softsign")(Variable(x)).to_vector(),
              {-2.f / 3, -1.f / 3, 1.f / 3, 2.f / 3}, 1e-6f);
  const auto sm = layers::Activation("softmax")(Variable(x)).to_vector();
  EXPECT_NEAR(std::accumulate(sm.begin(), sm.end(), 0.f), 1.f, 1e-6f);
  EXPECT_EQ(layers::Activation("linear")(Variable(x)).to_vector(), x.to_vector());
}

TEST(Activation, KeepsABlockedInputBlockedAndGradchecks) {
  layers::Convolution2D conv(16, 3, 3, {.border_mode = "same", .dim_ordering = "th"});
  const Tensor x = random_tensor({1, 2, 4, 4}, 12);
  const Variable mid = conv(Variable(x));
  const Variable y = layers::Activation("tanh")(mid);
  EXPECT_EQ(y.value().desc(), mid.value().desc());
  for (const char* act : {"tanh", "sigmoid", "softplus", "elu", "softsign"}) {
    SCOPED_TRACE(act);
    layers::Activation a(act);
    const auto r = gradcheck([&](const std::vector<Variable>& v) { return a(v[0]); },
                             {random_tensor({2, 3, 4}, 13)});
    EXPECT_TRUE(r.ok) << r.message;
  }
}

TEST(Activation, UnknownNameIsAValueErrorAndConfigRoundTrips) {
  EXPECT_THROW_MSG(
      layers::Activation("swish", {.name = "a"}), ValueError,
      "Activation 'a': activation is 'swish', expected one of linear, relu, tanh, sigmoid,");
  layers::Activation a("relu", {.name = "a"});
  EXPECT_EQ(a.get_config(), parse(R"({"activation": "relu", "name": "a", "trainable": true})"));
  expect_round_trip(a, {None, 3});
  EXPECT_THROW_MSG(layers::layer_from_config("Activation", parse("{}")), ValueError,
                   "Activation: activation is missing");
}

// --- Dropout ---------------------------------------------------------------------------------

TEST(Dropout, TestPhaseIsTheIdentity) {
  layers::Dropout drop(0.5);
  const Variable x(random_tensor({4, 10}, 14));
  EXPECT_FALSE(layers::learning_phase());
  EXPECT_EQ(drop(x).to_vector(), x.to_vector());
  layers::LearningPhase training(true);
  layers::Dropout none(0.0);
  EXPECT_EQ(none(x).to_vector(), x.to_vector());
}

TEST(Dropout, TrainingZeroesAboutPAndScalesTheSurvivors) {
  layers::LearningPhase training(true);
  set_seed(1);
  for (double p : {0.25, 0.5, 0.8}) {
    SCOPED_TRACE(p);
    layers::Dropout drop(p);
    const Tensor x = random_tensor({200, 500}, 15, 0.5f, 1.5f);  // never 0
    const auto y = drop(Variable(x)).to_vector();
    const auto xv = x.to_vector();
    std::int64_t zeros = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (y[i] == 0.f) {
        ++zeros;
      } else {
        ASSERT_NEAR(y[i], xv[i] / (1 - p), 1e-5) << "element " << i;
      }
    }
    // 100000 Bernoulli(p) draws: the standard deviation of the fraction is < 0.0016.
    EXPECT_NEAR(static_cast<double>(zeros) / static_cast<double>(y.size()), p, 0.01);
  }
}

TEST(Dropout, MasksAreReproducibleFromTheSeed) {
  layers::LearningPhase training(true);
  const Variable x(Tensor::ones({8, 64}));
  layers::Dropout drop(0.5);
  set_seed(42);
  const auto a = drop(x).to_vector();
  const auto b = drop(x).to_vector();
  set_seed(42);
  const auto c = drop(x).to_vector();
  EXPECT_EQ(a, c);  // the same draws after resetting the global generator
  EXPECT_NE(a, b);  // and new ones on the next call
  // A seeded layer owns its stream: independent of the global generator, the same for every
  // layer built with that seed.
  layers::Dropout s1(0.5, {.seed = 7}), s2(0.5, {.seed = 7});
  set_seed(1);
  const auto d = s1(x).to_vector();
  set_seed(2);
  EXPECT_EQ(s2(x).to_vector(), d);
  EXPECT_NE(s1(x).to_vector(), d);
}

// dropout.h: element i of the mask, in the Keras shape's row-major order, uses draw i whatever
// layout oneDNN chose for the input (a convolution's blocked output): the same values in, the
// same values out.
TEST(Dropout, TheMaskDoesNotDependOnTheInputLayout) {
  layers::LearningPhase training(true);
  const Tensor plain = Tensor::random_uniform({2, 5, 5, 32}, 0.5f, 1.5f);
  const dnnl::memory::desc blocked =
      dnnl_adapter::tagged_desc({2, 32, 5, 5}, dnnl::memory::format_tag::nChw16c);
  const Tensor in_blocks = plain.to_layout(blocked, {0, 3, 1, 2});
  ASSERT_NE(in_blocks.desc(), plain.desc());
  layers::Dropout drop(0.5);
  set_seed(8);
  const auto a = drop(Variable(plain)).to_vector();
  set_seed(8);
  const auto b = drop(Variable(in_blocks)).to_vector();
  EXPECT_EQ(a, b);
}

TEST(Dropout, GradientIsTheScaledMask) {
  layers::LearningPhase training(true);
  layers::Dropout drop(0.3, {.seed = 3});
  Variable x(random_tensor({6, 20}, 16, 0.5f, 1.5f), true);
  Tape tape;
  const Variable y = drop(x);
  const Tensor dy = random_tensor(y.shape(), 17);
  const Tensor dx = tape.gradient(y, x, {.output_gradient = dy});
  const auto yv = y.to_vector(), xv = x.to_vector(), dyv = dy.to_vector(), dxv = dx.to_vector();
  for (std::size_t i = 0; i < yv.size(); ++i) {
    const float mask = yv[i] / xv[i];  // 0 or 1 / (1 - p)
    ASSERT_TRUE(mask == 0.f || std::abs(mask - 1.f / 0.7f) < 1e-5f) << mask;
    ASSERT_NEAR(dxv[i], mask * dyv[i], 1e-5f) << "element " << i;
  }
  // The numeric check: the same mask on every evaluation (the global stream, reset each time).
  layers::Dropout global(0.3);
  const auto r = gradcheck(
      [&](const std::vector<Variable>& v) {
        set_seed(5);
        return global(v[0]);
      },
      {random_tensor({3, 4}, 18)});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(Dropout, NoiseShapeBroadcastsTheMask) {
  layers::LearningPhase training(true);
  // tf images (2, 3, 3, 4): noise (2, 1, 1, 4) drops whole feature maps.
  layers::Dropout drop(0.5, {.noise_shape = {2, 1, 1, 4}, .seed = 11});
  const Variable y = drop(Variable(Tensor::ones({2, 3, 3, 4})));
  const Tensor yp = y.value().to_plain();
  int dropped = 0;
  for (std::int64_t n = 0; n < 2; ++n)
    for (std::int64_t c = 0; c < 4; ++c) {
      const float first = yp.at({n, 0, 0, c});
      dropped += first == 0.f;
      for (std::int64_t h = 0; h < 3; ++h)
        for (std::int64_t w = 0; w < 3; ++w) ASSERT_EQ(yp.at({n, h, w, c}), first);
    }
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, 8);
  // None entries take the input's size.
  layers::Dropout drop_none(0.5, {.noise_shape = {None, 1, 1, None}});
  EXPECT_EQ(drop_none(Variable(Tensor::ones({2, 3, 3, 4}))).shape(), (Shape{2, 3, 3, 4}));
  layers::Dropout bad(0.5, {.noise_shape = {2, 2, 1, 4}, .name = "d"});
  EXPECT_THROW_MSG(bad.build({None, 3, 3, 4}), ShapeError,
                   "Dropout 'd': noise_shape (2, 2, 1, 4) cannot be broadcast to the input shape "
                   "(None, 3, 3, 4)");
}

TEST(Dropout, POutsideZeroOneIsAValueError) {
  EXPECT_THROW_MSG(layers::Dropout(1.0, {.name = "d"}), ValueError,
                   "Dropout 'd': p is 1, expected a number in [0, 1)");
  EXPECT_THROW_MSG(layers::Dropout(-0.1), ValueError, "p is -0.1, expected a number in [0, 1)");
  EXPECT_THROW_MSG(layers::Dropout(1.5), ValueError, "p is 1.5, expected a number in [0, 1)");
}

TEST(Dropout, ConfigRoundTrips) {
  layers::Dropout drop(0.25, {.name = "d"});
  EXPECT_EQ(drop.get_config(), parse(R"({"p": 0.25, "noise_shape": null, "seed": null,
                                          "name": "d", "trainable": true})"));
  expect_round_trip(drop, {None, 5});
  expect_round_trip(layers::Dropout(0.5, {.noise_shape = {None, 1, 3}, .seed = 9}), {None, 2, 3});
  // A Keras 1.2.2 config has only p.
  EXPECT_EQ(layers::layer_from_config("Dropout", parse(R"({"p": 0.5, "name": "k"})"))->name(), "k");
  EXPECT_THROW_MSG(
      layers::layer_from_config("Dropout", parse(R"({"rate": 0.5})")), ValueError,
      "Dropout: unexpected argument 'rate', expected one of p, noise_shape, seed, input_shape,");
}

// --- Reshape and Permute ---------------------------------------------------------------------

TEST(Reshape, ReshapesAndInfersOneDimension) {
  std::vector<float> v(24);
  std::iota(v.begin(), v.end(), 0.f);
  const Tensor x = Tensor::from_data({2, 3, 4}, v);
  layers::Reshape r({4, 3});
  EXPECT_EQ(r.output_shape({None, 3, 4}), (Shape{None, 4, 3}));
  const Variable y = r(Variable(x));
  EXPECT_EQ(y.shape(), (Shape{2, 4, 3}));
  EXPECT_EQ(y.to_vector(), v);
  layers::Reshape infer({2, -1, 2});
  EXPECT_EQ(infer.output_shape({None, 3, 4}), (Shape{None, 2, 3, 2}));
  EXPECT_EQ(infer.output_shape({None, None, 4}), (Shape{None, 2, None, 2}));
  const auto g = gradcheck([&](const std::vector<Variable>& in) { return infer(in[0]); },
                           {random_tensor({2, 3, 4}, 19)});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(Reshape, ErrorsAreValueErrorsNamingTheTargetShape) {
  EXPECT_THROW_MSG(layers::Reshape({-1, 2, -1}, {.name = "r"}), ValueError,
                   "Reshape 'r': target_shape (-1, 2, -1) has more than one -1");
  EXPECT_THROW_MSG(layers::Reshape({0, 2}), ValueError, "has the entry 0");
  layers::Reshape r({5, -1}, {.name = "r2"});
  EXPECT_THROW_MSG(r.build({None, 3, 4}), ValueError,
                   "Reshape 'r2': target_shape (5, -1) does not fit an input of shape (None, 3, 4) "
                   "(12 elements per sample)");
  layers::Reshape r3({5, 2});
  EXPECT_THROW_MSG(r3.build({None, 12}), ValueError, "the total size must be unchanged");
  expect_round_trip(layers::Reshape({2, -1}, {.name = "r"}), {None, 3, 4});
  EXPECT_EQ(layers::Reshape({2, -1}, {.name = "r"}).get_config(),
            parse(R"({"target_shape": [2, -1], "name": "r", "trainable": true})"));
}

TEST(Permute, PermutesTheNonBatchAxesOneBased) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 20);
  layers::Permute p({3, 1, 2});
  EXPECT_EQ(p.output_shape({None, 3, 4, 5}), (Shape{None, 5, 3, 4}));
  const Variable y = p(Variable(x));
  EXPECT_EQ(y.to_vector(), ops::permute(x, {0, 3, 1, 2}).to_vector());
  const auto g = gradcheck([&](const std::vector<Variable>& in) { return p(in[0]); },
                           {random_tensor({1, 2, 3, 2}, 21)});
  EXPECT_TRUE(g.ok) << g.message;
  EXPECT_THROW_MSG(layers::Permute({0, 1}, {.name = "p"}), ValueError,
                   "Permute 'p': dims (0, 1) is not a permutation of 1..2");
  EXPECT_THROW_MSG(layers::Permute({1, 1}), ValueError, "is not a permutation");
  layers::Permute q({2, 1}, {.name = "q"});
  EXPECT_THROW_MSG(q.build({None, 3, 4, 5}), ShapeError,
                   "Permute 'q': dims (2, 1) permute 2 axes, expected an input of rank 3");
  expect_round_trip(p, {None, 3, 4, 5});
  EXPECT_EQ(q.get_config(), parse(R"({"dims": [2, 1], "name": "q", "trainable": true})"));
}

// --- registration ----------------------------------------------------------------------------

TEST(CoreLayers, EveryLayerIsRegisteredUnderItsKerasName) {
  const auto names = layers::registered_layer_names();
  for (const char* n : {"Dense", "Flatten", "Activation", "Dropout", "Reshape", "Permute",
                        "MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D",
                        "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling1D",
                        "GlobalAveragePooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling2D",
                        "GlobalMaxPooling3D", "GlobalAveragePooling3D", "BatchNormalization"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

TEST(CoreLayers, AutoNamesAreKerasStyle) {
  const std::string name = layers::Dense(2).name();
  EXPECT_EQ(name.rfind("dense_", 0), 0u) << name;
  EXPECT_EQ(layers::Flatten().name().rfind("flatten_", 0), 0u);
  EXPECT_EQ(layers::Dropout(0.5).name().rfind("dropout_", 0), 0u);
  EXPECT_EQ(layers::Activation("relu").name().rfind("activation_", 0), 0u);
}

}  // namespace
}  // namespace keel
