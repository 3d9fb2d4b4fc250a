// Initializers: the Keras 1.2.2 `init=` names (KERAS1_SEMANTICS.md 4.3). Distributions are
// checked by the mean and variance of a large draw against the formula, within 5 standard
// errors of each estimate.
#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/core/random.h>
#include <keel/layers/initializers.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "test_util.h"

namespace keel {
namespace {

// 200 000 elements.
const Shape kLarge{500, 400};
// A tf Convolution2D kernel (3, 2, 3, 6): C = 3, F = 6, receptive field 3 * 2 = 6
// -> fan_in 18, fan_out 36 (conformance case fans_all_layouts).
const Fans kConvFans = initializers::conv_fans(3, 6, 6);

struct Moments {
  double mean, var, min, max;
  std::int64_t n;
};

Moments moments(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  double s = 0.0;
  for (float x : v) s += x;
  const double mean = s / static_cast<double>(v.size());
  double ss = 0.0;
  for (float x : v) ss += (x - mean) * (x - mean);
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {mean, ss / static_cast<double>(v.size() - 1), *lo, *hi,
          static_cast<std::int64_t>(v.size())};
}

// U(-limit, limit): mean 0, variance limit^2 / 3; the variance estimate has variance
// (mu4 - sigma^4) / n with mu4 = limit^4 / 5.
void expect_uniform(const Tensor& t, double limit) {
  const Moments m = moments(t);
  const double var = limit * limit / 3.0;
  const double n = static_cast<double>(m.n);
  EXPECT_NEAR(m.mean, 0.0, 5.0 * std::sqrt(var / n));
  EXPECT_NEAR(m.var, var, 5.0 * std::sqrt((std::pow(limit, 4) / 5.0 - var * var) / n));
  EXPECT_GE(m.min, -limit);
  EXPECT_LT(m.max, limit);
  EXPECT_LT(m.min, -0.999 * limit);  // the draw reaches both ends
  EXPECT_GT(m.max, 0.999 * limit);
}

// N(0, stddev): the variance estimate has variance 2 sigma^4 / n.
void expect_normal(const Tensor& t, double stddev) {
  const Moments m = moments(t);
  const double var = stddev * stddev;
  const double n = static_cast<double>(m.n);
  EXPECT_NEAR(m.mean, 0.0, 5.0 * std::sqrt(var / n));
  EXPECT_NEAR(m.var, var, 5.0 * std::sqrt(2.0 * var * var / n));
  // A normal draw of 200k has tails beyond 3.5 sigma (about 46 on each side); a uniform of the
  // same variance stops at 1.73 sigma.
  EXPECT_GT(m.max, 3.5 * stddev);
  EXPECT_LT(m.min, -3.5 * stddev);
}

// a (r, c) times its transpose, in double: (r, r).
std::vector<double> gram_rows(const Tensor& t, std::int64_t r, std::int64_t c) {
  const std::vector<float> v = t.to_vector();
  std::vector<double> g(static_cast<std::size_t>(r * r));
  for (std::int64_t i = 0; i < r; ++i)
    for (std::int64_t j = 0; j < r; ++j) {
      double s = 0.0;
      for (std::int64_t k = 0; k < c; ++k) s += double(v[i * c + k]) * double(v[j * c + k]);
      g[i * r + j] = s;
    }
  return g;
}

void expect_scaled_identity(const std::vector<double>& g, std::int64_t r, double scale2) {
  for (std::int64_t i = 0; i < r; ++i)
    for (std::int64_t j = 0; j < r; ++j)
      EXPECT_NEAR(g[i * r + j], i == j ? scale2 : 0.0, 1e-5) << "at (" << i << ", " << j << ")";
}

TEST(Initializers, ConvFansMultiplyByTheReceptiveField) {
  EXPECT_EQ(kConvFans.fan_in, 18.0);
  EXPECT_EQ(kConvFans.fan_out, 36.0);
}

TEST(Initializers, UniformIsPlusMinus005) {
  expect_uniform(Initializer("uniform")(kLarge, kConvFans), 0.05);
}

TEST(Initializers, NormalHasStddev005) {
  expect_normal(Initializer("normal")(kLarge, kConvFans), 0.05);
}

TEST(Initializers, LecunUniformLimitIsSqrt3OverFanIn) {
  // sqrt(3 / 18) = 0.408248... (fans case lecun_uniform_limit)
  expect_uniform(Initializer("lecun_uniform")(kLarge, kConvFans), std::sqrt(3.0 / 18.0));
}

TEST(Initializers, GlorotNormalStddevIsSqrt2OverFanSum) {
  expect_normal(Initializer("glorot_normal")(kLarge, kConvFans), std::sqrt(2.0 / 54.0));
}

TEST(Initializers, GlorotUniformLimitIsSqrt6OverFanSum) {
  // sqrt(6 / (18 + 36)) = 1/3 (fans case glorot_uniform_limit)
  expect_uniform(Initializer("glorot_uniform")(kLarge, kConvFans), 1.0 / 3.0);
}

TEST(Initializers, HeNormalStddevIsSqrt2OverFanIn) {
  // sqrt(2 / 18) = 1/3 (fans case he_normal_stddev)
  expect_normal(Initializer("he_normal")(kLarge, kConvFans), 1.0 / 3.0);
}

TEST(Initializers, HeUniformLimitIsSqrt6OverFanIn) {
  expect_uniform(Initializer("he_uniform")(kLarge, Fans{24, 7}), std::sqrt(6.0 / 24.0));
}

TEST(Initializers, FansComeFromTheCallerNotTheShape) {
  // The same shape with other fans gives another limit.
  expect_uniform(Initializer("glorot_uniform")(kLarge, Fans{100, 200}), std::sqrt(6.0 / 300.0));
}

TEST(Initializers, OrthogonalWideMatrixHasOrthonormalRowsTimes11) {
  const Tensor w = Initializer("orthogonal")(Shape{4, 6}, Fans{6, 4});
  EXPECT_EQ(w.shape(), (Shape{4, 6}));
  expect_scaled_identity(gram_rows(w, 4, 6), 4, 1.1 * 1.1);
}

TEST(Initializers, OrthogonalConvKernelIsFlattenedToShape0ByRest) {
  // (3, 3, 2, 4) -> (3, 24): three orthonormal rows of length 24, times 1.1.
  const Tensor w = Initializer("orthogonal")(Shape{3, 3, 2, 4}, Fans{24, 48});
  EXPECT_EQ(w.shape(), (Shape{3, 3, 2, 4}));
  expect_scaled_identity(gram_rows(w, 3, 24), 3, 1.21);
}

TEST(Initializers, OrthogonalTallMatrixHasOrthonormalColumns) {
  // (6, 4): columns orthonormal, W^T W = 1.21 I; the transpose's rows are the columns.
  const Tensor w = Initializer("orthogonal")(Shape{6, 4}, Fans{6, 4});
  const std::vector<float> v = w.to_vector();
  std::vector<float> t(v.size());
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 4; ++j) t[j * 6 + i] = v[i * 4 + j];
  expect_scaled_identity(gram_rows(Tensor::from_data(Shape{4, 6}, t), 4, 6), 4, 1.21);
}

TEST(Initializers, OrthogonalSquareMatrixIsOrthogonalBothWays) {
  const Tensor w = Initializer("orthogonal")(Shape{5, 5}, Fans{5, 5});
  expect_scaled_identity(gram_rows(w, 5, 5), 5, 1.21);
}

TEST(Initializers, OrthogonalScaleIsAnArgument) {
  const Tensor w = initializers::orthogonal(Shape{2, 3}, Fans{3, 2}, 1.0);
  expect_scaled_identity(gram_rows(w, 2, 3), 2, 1.0);
}

TEST(Initializers, IdentityOnSquare2D) {
  const Tensor w = Initializer("identity")(Shape{3, 3}, Fans{3, 3});
  EXPECT_EQ(w.to_vector(), (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
}

TEST(Initializers, IdentityRejectsNonSquareShapes) {
  EXPECT_THROW_MSG(Initializer("identity")(Shape{3, 4}, Fans{3, 4}), ValueError,
                   "init 'identity' needs a square 2D shape, got (3, 4)");
  EXPECT_THROW_MSG(Initializer("identity")(Shape{3, 3, 1, 1}, Fans{3, 3}), ValueError,
                   "(3, 3, 1, 1)");
}

TEST(Initializers, ZeroAndOne) {
  EXPECT_EQ(Initializer("zero")(Shape{2, 3}, Fans{2, 3}).to_vector(), std::vector<float>(6, 0.f));
  EXPECT_EQ(Initializer("one")(Shape{4}, Fans{2, 2}).to_vector(), std::vector<float>(4, 1.f));
}

TEST(Initializers, SeedMakesDrawsReproducible) {
  for (const char* name : {"uniform", "normal", "glorot_uniform", "he_normal", "orthogonal"}) {
    const Initializer init(name);
    set_seed(1234);
    const std::vector<float> a = init(Shape{3, 3, 2, 4}, Fans{18, 36}).to_vector();
    const std::vector<float> b = init(Shape{3, 3, 2, 4}, Fans{18, 36}).to_vector();
    set_seed(1234);
    const std::vector<float> c = init(Shape{3, 3, 2, 4}, Fans{18, 36}).to_vector();
    EXPECT_EQ(a, c) << name;
    EXPECT_NE(a, b) << name;  // the generator moved on
  }
}

TEST(Initializers, DefaultIsGlorotUniform) {
  const Initializer init;
  EXPECT_EQ(init.name(), "glorot_uniform");
  set_seed(5);
  const std::vector<float> a = init(Shape{8, 8}, Fans{8, 8}).to_vector();
  set_seed(5);
  EXPECT_EQ(a, initializers::glorot_uniform(Shape{8, 8}, Fans{8, 8}).to_vector());
}

TEST(Initializers, EveryKerasNameIsKnown) {
  const std::vector<std::string> expected = {
      "uniform", "lecun_uniform", "normal",         "identity",  "orthogonal", "zero",
      "one",     "glorot_normal", "glorot_uniform", "he_normal", "he_uniform"};
  ASSERT_EQ(initializers::names().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(initializers::names()[i], expected[i]);
    const Initializer init(expected[i]);  // std::string
    EXPECT_EQ(init.name(), expected[i]);
    EXPECT_EQ(init(Shape{4, 4}, Fans{4, 4}).shape(), (Shape{4, 4}));
  }
}

TEST(Initializers, UnknownNameListsTheKnownOnes) {
  EXPECT_THROW_MSG(Initializer("glorot_unifrom"), ValueError,
                   "init 'glorot_unifrom' is not one of uniform, lecun_uniform, normal, identity, "
                   "orthogonal, zero, one, glorot_normal, glorot_uniform, he_normal, he_uniform");
  EXPECT_THROW_MSG(Initializer(std::string("lecun_normal")), ValueError, "'lecun_normal'");
}

TEST(Initializers, FanFormulasRejectNonPositiveFans) {
  EXPECT_THROW_MSG(Initializer("he_normal")(Shape{2}, Fans{0, 3}), ValueError,
                   "init 'he_normal': fan_in must be > 0");
  EXPECT_THROW_MSG(Initializer("glorot_uniform")(Shape{2}, Fans{0, 0}), ValueError,
                   "init 'glorot_uniform'");
}

// A function that takes an Initializer, as a layer's `init` argument does.
std::string init_name(const Initializer& init) { return init.name(); }

TEST(Initializers, ImplicitFromNamesAndCallables) {
  EXPECT_EQ(init_name("he_uniform"), "he_uniform");
  EXPECT_EQ(init_name(std::string("orthogonal")), "orthogonal");
  EXPECT_EQ(init_name([](const Shape& s, const Fans&) { return Tensor::zeros(s); }), "custom");
}

TEST(Initializers, UserCallableIsCalledWithShapeAndFans) {
  int calls = 0;
  const Initializer init = [&calls](const Shape& s, const Fans& f) {
    ++calls;
    return Tensor::full(s, static_cast<float>(f.fan_in + 10.0 * f.fan_out));
  };
  EXPECT_EQ(init.name(), "custom");
  const Tensor w = init(Shape{2, 2}, Fans{3, 4});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(w.to_vector(), std::vector<float>(4, 43.f));
  const Initializer copy = init;  // a value type
  EXPECT_EQ(copy(Shape{1}, Fans{1, 1}).to_vector(), std::vector<float>{11.f});
  EXPECT_EQ(calls, 2);
}

TEST(Initializers, UserCallableMustReturnTheRequestedShape) {
  const Initializer init = [](const Shape&, const Fans&) { return Tensor::zeros(Shape{3}); };
  EXPECT_THROW_MSG(init(Shape{2, 2}, Fans{2, 2}), ShapeError,
                   "init 'custom' returned a tensor of shape (3,) for a weight of shape (2, 2)");
}

}  // namespace
}  // namespace keel
