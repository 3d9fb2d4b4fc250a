// Convolution2D's algorithm option (a keel extension, layers/convolution.h): Winograd and
// oneDNN's automatic choice compute what the direct convolution computes, forward and every
// gradient, within the bounds the header states; a geometry Winograd cannot run is a ValueError
// naming what it needs; the option is validated and survives get_config / from_config.
#include <gtest/gtest.h>
#include <keel/keel.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cmath>

#include "test_util.h"

namespace keel {
namespace {

using namespace keel::layers;

bool has_avx512() {
  const auto isa = dnnl::get_effective_cpu_isa();
  return isa >= dnnl::cpu_isa::avx512_core && isa != dnnl::cpu_isa::all;
}

// max |a - b| / max |b|: the error relative to the reference's scale.
double relative_error(const Tensor& a, const Tensor& b) {
  const Tensor pa = a.to_plain(), pb = b.to_plain();
  double diff = 0, scale = 0;
  for (std::int64_t i = 0; i < pb.numel(); ++i) {
    diff = std::max(diff, static_cast<double>(std::abs(pa.data()[i] - pb.data()[i])));
    scale = std::max(scale, static_cast<double>(std::abs(pb.data()[i])));
  }
  return diff / scale;
}

struct Result {
  Tensor y, dx, dw, db;
};

// y, and the gradients of sum(y * r) for a fixed r, through a layer with the given algorithm.
Result run(const std::string& algorithm, const std::string& ordering, const std::string& border,
           const Tensor& x, const std::vector<Tensor>& weights, const Tensor& r) {
  Convolution2D conv(32, 3, 3,
                     {.weights = weights,
                      .border_mode = border,
                      .dim_ordering = ordering,
                      .algorithm = algorithm});
  const Variable vx(x, true);
  Tape tape;
  const Variable y = conv(vx);
  const Variable loss = sum(mul(y, Variable(r)));
  std::vector<Variable> sources{vx};
  for (const Variable& w : conv.trainable_weights()) sources.push_back(w);
  const std::vector<Tensor> g = tape.gradient(loss, sources);
  return {y.value(), g[0], g[1], g[2]};
}

struct Case {
  std::string ordering, border;
};

class ConvAlgorithm : public ::testing::TestWithParam<Case> {};

TEST_P(ConvAlgorithm, WinogradAndAutoMatchDirectForwardAndGradients) {
  if (!has_avx512()) GTEST_SKIP() << "oneDNN 2.6 runs Winograd on AVX-512 processors only";
  const auto& [ordering, border] = GetParam();
  set_seed(21);
  const bool tf = ordering == "tf";
  const Tensor x = tf ? Tensor::random_uniform({4, 12, 12, 64}, -1.f, 1.f)
                      : Tensor::random_uniform({4, 64, 12, 12}, -1.f, 1.f);
  const Tensor kernel = tf ? Tensor::random_uniform({3, 3, 64, 32}, -0.1f, 0.1f)
                           : Tensor::random_uniform({32, 64, 3, 3}, -0.1f, 0.1f);
  const std::vector<Tensor> weights{kernel, Tensor::random_uniform({32}, -0.5f, 0.5f)};
  const std::int64_t out = border == "same" ? 12 : 10;
  const Tensor r = tf ? Tensor::random_uniform({4, out, out, 32}, -1.f, 1.f)
                      : Tensor::random_uniform({4, 32, out, out}, -1.f, 1.f);
  const Result direct = run("direct", ordering, border, x, weights, r);
  for (const char* algorithm : {"winograd", "auto"}) {
    const Result other = run(algorithm, ordering, border, x, weights, r);
    ASSERT_EQ(other.y.shape(), direct.y.shape());
    // The bound layers/convolution.h states (measured here: 0.8-1.5e-6 of the scale).
    EXPECT_LT(relative_error(other.y, direct.y), 1e-5) << algorithm;
    EXPECT_LT(relative_error(other.dx, direct.dx), 1e-5) << algorithm;
    EXPECT_LT(relative_error(other.dw, direct.dw), 1e-5) << algorithm;
    EXPECT_LT(relative_error(other.db, direct.db), 5e-6) << algorithm;
  }
}

INSTANTIATE_TEST_SUITE_P(Orderings, ConvAlgorithm,
                         ::testing::Values(Case{"tf", "same"}, Case{"tf", "valid"},
                                           Case{"th", "same"}, Case{"th", "valid"}),
                         [](const auto& info) {
                           return info.param.ordering + "_" + info.param.border;
                         });

TEST(ConvAlgorithmProfile, WinogradRunsTheWinogradKernels) {
  if (!has_avx512()) GTEST_SKIP() << "oneDNN 2.6 runs Winograd on AVX-512 processors only";
  set_seed(2);
  auto m = std::make_unique<Sequential>();
  m->add(Convolution2D(
      64, 3, 3, {.border_mode = "same", .algorithm = "winograd", .input_shape = {16, 16, 64}}));
  m->add(Flatten());
  m->add(Dense(2, {.activation = "softmax"}));
  m->compile("sgd", "categorical_crossentropy");
  const ProfileReport p = profile(*m, Tensor::random_uniform({2, 16, 16, 64}),
                                  Tensor::from_data({2, 2}, {1.f, 0.f, 0.f, 1.f}),
                                  {.iterations = 1, .warmup = 0, .peak_gflops = 1});
  const auto& impls = p.layers.front().implementations;
  EXPECT_TRUE(std::any_of(impls.begin(), impls.end(), [](const std::string& s) {
    return s.find("wino") != std::string::npos;
  })) << ::testing::PrintToString(impls);
}

TEST(ConvAlgorithmErrors, WinogradWhereItCannotRunNamesWhatItNeeds) {
  Convolution2D strided(8, 3, 3, {.subsample = {2, 2}, .algorithm = "winograd"});
  EXPECT_THROW_MSG(strided(Variable(Tensor::zeros({1, 9, 9, 8}))), ValueError,
                   "algorithm 'winograd' is not available for this convolution (kernel (3, 3), "
                   "strides (2, 2)");
  Convolution2D five(8, 5, 5, {.algorithm = "winograd"});
  EXPECT_THROW_MSG(five(Variable(Tensor::zeros({1, 9, 9, 8}))), ValueError,
                   "for 2D 3x3 kernels with stride 1 and no dilation");
  // 'auto' falls back to direct where Winograd cannot run.
  Convolution2D fallback(8, 5, 5, {.algorithm = "auto"});
  EXPECT_EQ(fallback(Variable(Tensor::zeros({1, 9, 9, 8}))).shape(), Shape({1, 5, 5, 8}));
}

TEST(ConvAlgorithmErrors, UnknownAlgorithmIsAValueErrorListingTheChoices) {
  EXPECT_THROW_MSG(Convolution2D(8, 3, 3, {.algorithm = "fft"}), ValueError, "algorithm");
  EXPECT_THROW_MSG(Convolution2D(8, 3, 3, {.algorithm = "fft"}), ValueError, "'fft'");
  EXPECT_THROW_MSG(Convolution2D(8, 3, 3, {.algorithm = "fft"}), ValueError, "winograd");
}

TEST(ConvAlgorithmConfig, SurvivesGetConfigAndFromConfig) {
  Convolution2D conv(8, 3, 3, {.algorithm = "winograd"});
  const Config c = conv.get_config();
  EXPECT_EQ(c.at("algorithm"), "winograd");
  const auto back = layer_from_config("Convolution2D", c);
  EXPECT_EQ(back->get_config().at("algorithm"), "winograd");
  // A keel extension at its default is not written: the config is one Keras 1 reads.
  const Config plain = Convolution2D(8, 3, 3).get_config();
  EXPECT_FALSE(plain.contains("algorithm"));
  EXPECT_FALSE(plain.contains("groups"));
  EXPECT_EQ(layer_from_config("Convolution2D", plain)->get_config(), plain);
}

}  // namespace
}  // namespace keel
