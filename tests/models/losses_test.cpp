// Keras 1.2.2 objectives, their names, the weighted reduction and class weights
// (KERAS1_SEMANTICS.md 9.1, 9.2). Reference values are the spec's formulas evaluated in double
// on the float inputs, with eps = 1e-7 and 1 - eps taken in float32 as TensorFlow does.
#include <gtest/gtest.h>
#include <keel/autograd/gradcheck.h>
#include <keel/autograd/ops.h>
#include <keel/autograd/tape.h>
#include <keel/core/error.h>
#include <keel/models/losses.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "test_util.h"

namespace keel::losses {
namespace {

using Row = std::vector<double>;
// A per-row reference: (y row, p row) -> the row's loss.
using RowRef = std::function<double(const Row&, const Row&)>;

const double kEps = static_cast<double>(1e-7f);
const double kOneMinusEps = static_cast<double>(1.f - 1e-7f);  // 0.99999988079...

double clipd(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }

Tensor make(const Shape& s, const std::vector<float>& v) { return Tensor::from_data(s, v); }

// The loss of every row of (N, K) inputs, evaluated with `ref` in double.
std::vector<double> reference(const RowRef& ref, const Tensor& y, const Tensor& p) {
  const std::int64_t k = p.shape().at(-1);
  const std::vector<float> yv = y.to_vector(), pv = p.to_vector();
  std::vector<double> out;
  for (std::size_t r = 0; r * k < pv.size(); ++r) {
    Row yr(yv.begin() + r * k, yv.begin() + (r + 1) * k);
    Row pr(pv.begin() + r * k, pv.begin() + (r + 1) * k);
    out.push_back(ref(yr, pr));
  }
  return out;
}

void expect_rows_near(const Variable& loss, const std::vector<double>& expected) {
  const std::vector<float> got = loss.to_vector();
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], 2e-5 * std::max(1.0, std::abs(expected[i]))) << "row " << i;
}

void expect_matches(const LossFn& loss, const RowRef& ref, const Tensor& y, const Tensor& p) {
  const Variable out = loss(Variable(y), Variable(p));
  EXPECT_EQ(out.shape(), Shape{p.shape()[0]});
  expect_rows_near(out, reference(ref, y, p));
}

double mean_of(const Row& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// --- every loss against its formula ----------------------------------------------------------

const Tensor kY = make({3, 4}, {0.5f, -1.f, 2.f, 0.f, 1.f, 1.f, -0.5f, 3.f, 0.f, 0.25f, 1.f, -2.f});
const Tensor kP =
    make({3, 4}, {0.4f, -0.5f, 2.5f, 1.f, 1.5f, 0.f, 0.5f, 2.f, -1.f, 0.25f, 3.f, 0.5f});

TEST(Losses, MeanSquaredErrorIsMeanOfSquaredDifference) {
  expect_matches(
      mean_squared_error,
      [](const Row& y, const Row& p) {
        Row d;
        for (std::size_t i = 0; i < y.size(); ++i) d.push_back((p[i] - y[i]) * (p[i] - y[i]));
        return mean_of(d);
      },
      kY, kP);
}

TEST(Losses, MeanAbsoluteErrorIsMeanOfAbsoluteDifference) {
  expect_matches(
      mean_absolute_error,
      [](const Row& y, const Row& p) {
        Row d;
        for (std::size_t i = 0; i < y.size(); ++i) d.push_back(std::abs(p[i] - y[i]));
        return mean_of(d);
      },
      kY, kP);
}

const RowRef kMapeRef = [](const Row& y, const Row& p) {
  Row d;
  for (std::size_t i = 0; i < y.size(); ++i)
    d.push_back(std::abs((y[i] - p[i]) / clipd(std::abs(y[i]), kEps, INFINITY)));
  return 100.0 * mean_of(d);
};

TEST(Losses, MeanAbsolutePercentageErrorIsHundredTimesRelativeError) {
  expect_matches(mean_absolute_percentage_error, kMapeRef, kY, kP);
}

TEST(Losses, MeanAbsolutePercentageErrorClipsZeroTargetsToEps) {
  // y = 0 divides by eps: 100 * mean(0.5 / 1e-7, 1 / 2) = 2.5e8 + 25.
  const Tensor y = make({1, 2}, {0.f, 2.f});
  const Tensor p = make({1, 2}, {0.5f, 1.f});
  expect_matches(mean_absolute_percentage_error, kMapeRef, y, p);
  EXPECT_NEAR(mean_absolute_percentage_error(Variable(y), Variable(p)).item(), 2.5e8, 2.5e8 * 1e-5);
}

TEST(Losses, MeanSquaredLogarithmicErrorClipsBothToEps) {
  // kY and kP hold negatives and zeros: clipped to eps before log(x + 1).
  expect_matches(
      mean_squared_logarithmic_error,
      [](const Row& y, const Row& p) {
        Row d;
        for (std::size_t i = 0; i < y.size(); ++i) {
          const double a = std::log(clipd(p[i], kEps, INFINITY) + 1);
          const double b = std::log(clipd(y[i], kEps, INFINITY) + 1);
          d.push_back((a - b) * (a - b));
        }
        return mean_of(d);
      },
      kY, kP);
}

const Tensor kSigns = make({2, 4}, {1.f, -1.f, 1.f, -1.f, -1.f, -1.f, 1.f, 1.f});
const Tensor kScores = make({2, 4}, {0.3f, 0.5f, 2.f, -3.f, -0.2f, 1.5f, -0.7f, 0.9f});

TEST(Losses, HingeIsMeanOfPositivePartOfOneMinusYP) {
  expect_matches(
      hinge,
      [](const Row& y, const Row& p) {
        Row d;
        for (std::size_t i = 0; i < y.size(); ++i) d.push_back(std::max(1 - y[i] * p[i], 0.0));
        return mean_of(d);
      },
      kSigns, kScores);
}

TEST(Losses, SquaredHingeIsMeanOfSquaredPositivePart) {
  expect_matches(
      squared_hinge,
      [](const Row& y, const Row& p) {
        Row d;
        for (std::size_t i = 0; i < y.size(); ++i) {
          const double h = std::max(1 - y[i] * p[i], 0.0);
          d.push_back(h * h);
        }
        return mean_of(d);
      },
      kSigns, kScores);
}

const RowRef kBceRef = [](const Row& y, const Row& p) {
  Row d;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double q = clipd(p[i], kEps, kOneMinusEps);
    d.push_back(-(y[i] * std::log(q) + (1 - y[i]) * std::log(1 - q)));
  }
  return mean_of(d);
};

TEST(Losses, BinaryCrossentropyIsMeanOfBernoulliNegativeLogLikelihood) {
  const Tensor y = make({2, 3}, {1.f, 0.f, 1.f, 0.f, 0.3f, 1.f});
  const Tensor p = make({2, 3}, {0.9f, 0.2f, 0.6f, 0.45f, 0.7f, 0.05f});
  expect_matches(binary_crossentropy, kBceRef, y, p);
}

TEST(Losses, BinaryCrossentropyClipsPredictionsOfZeroAndOne) {
  // p = 0 and p = 1, right and wrong: -log(1e-7) = 16.118, -log(1 - 0.99999988) = 15.942.
  const Tensor y = make({2, 2}, {1.f, 0.f, 0.f, 1.f});
  const Tensor p = make({2, 2}, {0.f, 1.f, 0.f, 1.f});
  expect_matches(binary_crossentropy, kBceRef, y, p);
  const std::vector<float> v = binary_crossentropy(Variable(y), Variable(p)).to_vector();
  EXPECT_NEAR(v[0], (-std::log(kEps) - std::log(1 - kOneMinusEps)) / 2, 1e-4);
  EXPECT_TRUE(std::isfinite(v[1]));
  // -log(1 - eps) twice, ~1.2e-7; oneDNN's log is accurate to ~2e-6 absolute near 1.
  EXPECT_NEAR(v[1], 0.0, 1e-5);
}

const RowRef kCceRef = [](const Row& y, const Row& p) {
  double total = 0, loss = 0;
  for (double x : p) total += x;
  for (std::size_t i = 0; i < y.size(); ++i)
    loss -= y[i] * std::log(clipd(p[i] / total, kEps, kOneMinusEps));
  return loss;
};

TEST(Losses, CategoricalCrossentropyIsSumOfYTimesNegativeLogP) {
  const Tensor y = make({2, 3}, {0.f, 1.f, 0.f, 0.2f, 0.3f, 0.5f});
  const Tensor p = make({2, 3}, {0.2f, 0.7f, 0.1f, 0.3f, 0.3f, 0.4f});
  expect_matches(categorical_crossentropy, kCceRef, y, p);
}

TEST(Losses, CategoricalCrossentropyRenormalisesPredictions) {
  // p = (2, 1, 1) is read as (0.5, 0.25, 0.25): the loss of class 0 is log 2.
  const Tensor y = make({1, 3}, {1.f, 0.f, 0.f});
  const Tensor p = make({1, 3}, {2.f, 1.f, 1.f});
  expect_matches(categorical_crossentropy, kCceRef, y, p);
  EXPECT_NEAR(categorical_crossentropy(Variable(y), Variable(p)).item(), std::log(2.0), 1e-5);
}

TEST(Losses, CategoricalCrossentropyClipsPredictionsOfZeroAndOne) {
  // A certain wrong prediction costs -log(eps) = 16.118; a certain right one -log(1 - eps).
  const Tensor y = make({2, 3}, {0.f, 1.f, 0.f, 1.f, 0.f, 0.f});
  const Tensor p = make({2, 3}, {1.f, 0.f, 0.f, 1.f, 0.f, 0.f});
  expect_matches(categorical_crossentropy, kCceRef, y, p);
  const std::vector<float> v = categorical_crossentropy(Variable(y), Variable(p)).to_vector();
  EXPECT_NEAR(v[0], -std::log(kEps), 1e-4);
  EXPECT_NEAR(v[1], 0.0, 1e-5);  // oneDNN's log: ~2e-6 absolute near 1
}

TEST(Losses, CategoricalCrossentropyReducesOnlyTheLastAxis) {
  // (N, T, K) -> (N, T), e.g. a per-timestep softmax.
  const Tensor y = make({1, 2, 2}, {1.f, 0.f, 0.f, 1.f});
  const Tensor p = make({1, 2, 2}, {0.5f, 0.5f, 0.25f, 0.75f});
  const Variable out = categorical_crossentropy(Variable(y), Variable(p));
  EXPECT_EQ(out.shape(), (Shape{1, 2}));
  expect_rows_near(out, {std::log(2.0), -std::log(0.75)});
}

// TF form: -log(q[y] / sum(q)) with q = clip(p, eps, 1 - eps): clip first, renormalise after.
double sparse_ref(int target, const Row& p) {
  double total = 0;
  for (double x : p) total += clipd(x, kEps, kOneMinusEps);
  return -std::log(clipd(p[static_cast<std::size_t>(target)], kEps, kOneMinusEps) / total);
}

TEST(Losses, SparseCategoricalCrossentropyTakesIntegerTargetsOfShapeN) {
  const Tensor p = make({3, 3}, {0.2f, 0.7f, 0.1f, 0.3f, 0.3f, 0.4f, 2.f, 1.f, 1.f});
  const Variable out =
      sparse_categorical_crossentropy(Variable(make({3}, {1.f, 2.f, 0.f})), Variable(p));
  EXPECT_EQ(out.shape(), Shape{3});
  expect_rows_near(out, {sparse_ref(1, {0.2, 0.7, 0.1}), sparse_ref(2, {0.3, 0.3, 0.4}),
                         sparse_ref(0, {2.0, 1.0, 1.0})});
}

TEST(Losses, SparseCategoricalCrossentropyTakesTargetsOfShapeNBy1) {
  const Tensor p = make({2, 3}, {0.2f, 0.7f, 0.1f, 0.3f, 0.3f, 0.4f});
  const Variable a =
      sparse_categorical_crossentropy(Variable(make({2, 1}, {1.f, 2.f})), Variable(p));
  const Variable b = sparse_categorical_crossentropy(Variable(make({2}, {1.f, 2.f})), Variable(p));
  EXPECT_EQ(a.shape(), Shape{2});
  EXPECT_EQ(a.to_vector(), b.to_vector());
}

TEST(Losses, SparseCategoricalCrossentropyClipsBeforeRenormalising) {
  // p = (1, 0, 0): q = (0.99999988, 1e-7, 1e-7).
  const Tensor p = make({2, 3}, {1.f, 0.f, 0.f, 1.f, 0.f, 0.f});
  const Variable out =
      sparse_categorical_crossentropy(Variable(make({2}, {1.f, 0.f})), Variable(p));
  expect_rows_near(out, {sparse_ref(1, {1, 0, 0}), sparse_ref(0, {1, 0, 0})});
  EXPECT_NEAR(out.to_vector()[0], -std::log(kEps), 1e-4);
}

TEST(Losses, SparseCategoricalCrossentropyEqualsCategoricalOnNormalisedOneHot) {
  const Tensor p = make({2, 4}, {0.1f, 0.2f, 0.3f, 0.4f, 0.25f, 0.25f, 0.4f, 0.1f});
  const Variable sparse =
      sparse_categorical_crossentropy(Variable(make({2}, {3.f, 2.f})), Variable(p));
  const Variable dense = categorical_crossentropy(
      Variable(make({2, 4}, {0.f, 0.f, 0.f, 1.f, 0.f, 0.f, 1.f, 0.f})), Variable(p));
  expect_rows_near(sparse, {dense.to_vector()[0], dense.to_vector()[1]});
}

TEST(Losses, KullbackLeiblerDivergenceClipsBothToEpsAndOne) {
  // y holds zeros (clipped to eps, contributing eps * log(eps / p)).
  const Tensor y = make({2, 3}, {0.f, 0.5f, 0.5f, 0.2f, 0.3f, 0.5f});
  const Tensor p = make({2, 3}, {0.1f, 0.6f, 0.3f, 0.4f, 0.4f, 0.2f});
  expect_matches(
      kullback_leibler_divergence,
      [](const Row& yr, const Row& pr) {
        double s = 0;
        for (std::size_t i = 0; i < yr.size(); ++i) {
          const double a = clipd(yr[i], kEps, 1), b = clipd(pr[i], kEps, 1);
          s += a * std::log(a / b);
        }
        return s;
      },
      y, p);
}

TEST(Losses, PoissonIsMeanOfPMinusYLogP) {
  const Tensor y = make({2, 3}, {0.f, 1.f, 3.f, 2.f, 0.5f, 1.f});
  const Tensor p = make({2, 3}, {0.5f, 1.5f, 2.f, 0.1f, 1.f, 4.f});
  expect_matches(
      poisson,
      [](const Row& yr, const Row& pr) {
        Row d;
        for (std::size_t i = 0; i < yr.size(); ++i)
          d.push_back(pr[i] - yr[i] * std::log(pr[i] + kEps));
        return mean_of(d);
      },
      y, p);
}

TEST(Losses, CosineProximityIsMinusCosineOverK) {
  expect_matches(
      cosine_proximity,
      [](const Row& y, const Row& p) {
        double dot = 0, ny = 0, np = 0;
        for (std::size_t i = 0; i < y.size(); ++i) {
          dot += y[i] * p[i];
          ny += y[i] * y[i];
          np += p[i] * p[i];
        }
        return -dot / std::sqrt(ny) / std::sqrt(np) / static_cast<double>(y.size());
      },
      kY, kP);
  // Parallel vectors of length 4: -1/4, not -1.
  const Tensor v = make({1, 4}, {1.f, 2.f, 3.f, 4.f});
  EXPECT_NEAR(cosine_proximity(Variable(v), Variable(v)).item(), -0.25, 1e-6);
}

TEST(Losses, EveryLossReducesTheLastAxisOfAConvOutput) {
  // (N, H, W, K) -> (N, H, W) for every loss.
  const Tensor y = Tensor::full(Shape{2, 3, 3, 4}, 0.25f);
  const Tensor p = Tensor::full(Shape{2, 3, 3, 4}, 0.25f);
  for (const auto& name : known_names()) {
    if (canonical_name(name) == "sparse_categorical_crossentropy") continue;
    EXPECT_EQ(get(name)(Variable(y), Variable(p)).shape(), (Shape{2, 3, 3})) << name;
  }
  EXPECT_EQ(
      sparse_categorical_crossentropy(Variable(Tensor::zeros(Shape{2, 3, 3})), Variable(p)).shape(),
      (Shape{2, 3, 3}));
}

// --- gradients -------------------------------------------------------------------------------

using Vars = std::vector<Variable>;

GradcheckResult check_loss(const LossFn& loss, const Tensor& y, const Tensor& p) {
  return gradcheck([&](const Vars& x) { return loss(x[0], x[1]); }, {y, p},
                   {.eps = 1e-3, .atol = 2e-3, .rtol = 2e-2});
}

// Probabilities in [0.15, 0.85]: away from the clip edges.
const Tensor kProbY = make({2, 4}, {0.1f, 0.6f, 0.2f, 0.1f, 0.3f, 0.3f, 0.25f, 0.15f});
const Tensor kProbP = make({2, 4}, {0.2f, 0.5f, 0.15f, 0.15f, 0.4f, 0.2f, 0.25f, 0.85f});

TEST(LossGradients, RegressionLosses) {
  // p - y away from 0 (abs), y away from 0 (mape), both > 0 (msle, poisson).
  const Tensor y = make({2, 3}, {0.5f, 1.f, 2.f, 1.5f, 0.7f, 1.2f});
  const Tensor p = make({2, 3}, {0.9f, 0.4f, 2.6f, 1.1f, 1.3f, 0.5f});
  for (const char* name :
       {"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error", "poisson", "cosine_proximity"}) {
    const auto r = check_loss(get(name), y, p);
    EXPECT_TRUE(r.ok) << name << ": " << r.message;
  }
}

TEST(LossGradients, HingeLosses) {
  // 1 - y p is 0.7, 1.5, -1, 4 / 0.8, -0.5, 1.7, 0.1: never at the kink.
  for (const char* name : {"hinge", "squared_hinge"}) {
    const auto r = check_loss(get(name), kSigns, kScores);
    EXPECT_TRUE(r.ok) << name << ": " << r.message;
  }
}

TEST(LossGradients, ProbabilisticLosses) {
  for (const char* name :
       {"binary_crossentropy", "categorical_crossentropy", "kullback_leibler_divergence"}) {
    const auto r = check_loss(get(name), kProbY, kProbP);
    EXPECT_TRUE(r.ok) << name << ": " << r.message;
  }
}

TEST(LossGradients, SparseCategoricalCrossentropyWithRespectToPredictions) {
  const Variable y(make({2}, {1.f, 3.f}));
  const auto r = gradcheck([&](const Vars& x) { return sparse_categorical_crossentropy(y, x[0]); },
                           {kProbP}, {.eps = 1e-3});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(LossGradients, CategoricalCrossentropyOnSoftmaxIsPMinusY) {
  // The textbook identity: d CCE(y, softmax(z)) / dz = softmax(z) - y.
  const Variable z(make({2, 3}, {0.5f, -1.f, 2.f, 0.f, 0.3f, -0.4f}), true);
  const Tensor y = make({2, 3}, {0.f, 0.f, 1.f, 1.f, 0.f, 0.f});
  Tape tape;
  const Variable p = softmax(z);
  const Variable loss = sum(categorical_crossentropy(Variable(y), p));
  const std::vector<float> g = tape.gradient(loss, z).to_vector();
  const std::vector<float> pv = p.to_vector(), yv = y.to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], pv[i] - yv[i], 1e-5) << i;
}

// --- names -----------------------------------------------------------------------------------

TEST(LossNames, AliasesResolveToTheirLosses) {
  const std::map<std::string, std::string> aliases = {{"mse", "mean_squared_error"},
                                                      {"MSE", "mean_squared_error"},
                                                      {"mae", "mean_absolute_error"},
                                                      {"MAE", "mean_absolute_error"},
                                                      {"mape", "mean_absolute_percentage_error"},
                                                      {"MAPE", "mean_absolute_percentage_error"},
                                                      {"msle", "mean_squared_logarithmic_error"},
                                                      {"MSLE", "mean_squared_logarithmic_error"},
                                                      {"kld", "kullback_leibler_divergence"},
                                                      {"KLD", "kullback_leibler_divergence"},
                                                      {"cosine", "cosine_proximity"}};
  const Tensor y = kProbY, p = kProbP;
  for (const auto& [alias, name] : aliases) {
    EXPECT_EQ(canonical_name(alias), name);
    EXPECT_EQ(get(alias)(Variable(y), Variable(p)).to_vector(),
              get(name)(Variable(y), Variable(p)).to_vector())
        << alias;
  }
}

TEST(LossNames, CanonicalNamesAreTheirOwnCanonicalName) {
  for (const char* name :
       {"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error", "squared_hinge", "hinge", "binary_crossentropy",
        "categorical_crossentropy", "sparse_categorical_crossentropy",
        "kullback_leibler_divergence", "poisson", "cosine_proximity"})
    EXPECT_EQ(canonical_name(name), name);
  EXPECT_EQ(known_names().size(), 23u);  // 12 losses + 11 aliases
}

TEST(LossNames, UnknownNameListsTheKnownOnes) {
  EXPECT_THROW_MSG(get("mean_square_error"), ValueError,
                   "loss 'mean_square_error' is not one of mean_squared_error, "
                   "mean_absolute_error");
  EXPECT_THROW_MSG(get("crossentropy"), ValueError, "cosine_proximity, mse, MSE");
  EXPECT_THROW_MSG(canonical_name("Mse"), ValueError, "loss 'Mse' is not one of");
}

// --- errors ----------------------------------------------------------------------------------

TEST(LossErrors, MismatchedShapesNameBothShapesAndTheLoss) {
  const Variable y(Tensor::zeros(Shape{2, 3})), p(Tensor::zeros(Shape{2, 4}));
  EXPECT_THROW_MSG(categorical_crossentropy(y, p), ShapeError,
                   "categorical_crossentropy: y_true shape (2, 3) does not match y_pred shape "
                   "(2, 4)");
  EXPECT_THROW_MSG(get("mse")(y, p), ShapeError, "mean_squared_error: y_true shape (2, 3)");
  // No broadcasting: (2, 1) against (2, 3) is an error, not a silent broadcast.
  EXPECT_THROW_MSG(binary_crossentropy(Variable(Tensor::zeros(Shape{2, 1})), Variable(y)),
                   ShapeError,
                   "binary_crossentropy: y_true shape (2, 1) does not match y_pred "
                   "shape (2, 3)");
}

TEST(LossErrors, ScalarsHaveNoLastAxis) {
  EXPECT_THROW_MSG(hinge(Variable(Tensor::scalar(1.f)), Variable(Tensor::scalar(1.f))), ShapeError,
                   "hinge: y_pred of shape () has no last axis to reduce");
}

TEST(LossErrors, SparseTargetsOfTheWrongShape) {
  const Variable p(Tensor::full(Shape{2, 3}, 0.3f));
  EXPECT_THROW_MSG(sparse_categorical_crossentropy(Variable(Tensor::zeros(Shape{3})), p),
                   ShapeError,
                   "sparse_categorical_crossentropy: y_true shape (3,) does not match y_pred "
                   "shape (2, 3)");
  EXPECT_THROW_MSG(sparse_categorical_crossentropy(Variable(Tensor::zeros(Shape{2, 3})), p),
                   ShapeError, "y_true shape (2, 3) does not match");
}

TEST(LossErrors, SparseTargetsOutsideTheClasses) {
  const Variable p(Tensor::full(Shape{2, 3}, 0.3f));
  EXPECT_THROW_MSG(sparse_categorical_crossentropy(Variable(make({2}, {0.f, 3.f})), p), ValueError,
                   "sparse_categorical_crossentropy: target 3 at index 1 is not an integer "
                   "class in [0, 3)");
  EXPECT_THROW_MSG(sparse_categorical_crossentropy(Variable(make({2}, {1.5f, 0.f})), p), ValueError,
                   "target 1.5 at index 0 is not an integer class");
  EXPECT_THROW_MSG(sparse_categorical_crossentropy(Variable(make({2}, {-1.f, 0.f})), p), ValueError,
                   "target -1 at index 0");
}

// --- weighted_mean ---------------------------------------------------------------------------

TEST(WeightedMean, NoWeightsIsThePlainMean) {
  const Variable s(make({2, 3}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}));
  EXPECT_EQ(weighted_mean(s).shape(), Shape{});
  EXPECT_NEAR(weighted_mean(s).item(), 3.5f, 1e-6f);
}

TEST(WeightedMean, AllOnesIsThePlainMean) {
  const Variable s(make({4}, {1.f, 2.f, 3.f, 10.f}));
  EXPECT_NEAR(weighted_mean(s, Tensor::ones(Shape{4})).item(), 4.f, 1e-6f);
  // (N, T) loss with (N,) weights: the mean over T first, then over N.
  const Variable t(make({2, 3}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}));
  EXPECT_NEAR(weighted_mean(t, Tensor::ones(Shape{2})).item(), 3.5f, 1e-6f);
}

TEST(WeightedMean, ZeroWeightsDivideByTheFractionOfNonZeroWeights) {
  // S = (1, 2, 3, 4), w = (1, 0, 2, 0): S*w / mean(w != 0) = (1, 0, 6, 0) / 0.5, mean -> 3.5
  // = sum(S_i w_i) / #{w_i != 0} = 7 / 2.
  const Variable s(make({4}, {1.f, 2.f, 3.f, 4.f}));
  EXPECT_NEAR(weighted_mean(s, make({4}, {1.f, 0.f, 2.f, 0.f})).item(), 3.5f, 1e-6f);
  // Weights without zeros are not normalised: sum(S w) / N.
  EXPECT_NEAR(weighted_mean(s, make({4}, {2.f, 2.f, 2.f, 2.f})).item(), 5.f, 1e-6f);
}

TEST(WeightedMean, AveragesAxesBeyondTheWeightsRankFirst) {
  // A conv output's per-sample loss (N, H, W) = (2, 2, 2) with (N,) weights (3, 0):
  // means over H, W are 2.5 and 6.5 -> (3 * 2.5 + 0) / 1 = 7.5.
  const Variable s(make({2, 2, 2}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f}));
  EXPECT_NEAR(weighted_mean(s, make({2}, {3.f, 0.f})).item(), 7.5f, 1e-6f);
}

TEST(WeightedMean, TemporalWeightsWeighEveryTimestep) {
  // S (2, 3), w (2, 3) with 4 non-zero weights: sum(S w) / 4.
  const Variable s(make({2, 3}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}));
  const Tensor w = make({2, 3}, {1.f, 1.f, 0.f, 2.f, 0.f, 1.f});
  EXPECT_NEAR(weighted_mean(s, w).item(), (1.f + 2.f + 8.f + 6.f) / 4.f, 1e-6f);
  // (N, T, K) per-sample loss of a conv1d output with (N, T) weights: mean over K first.
  const Variable s3(make({1, 2, 2}, {1.f, 3.f, 10.f, 20.f}));
  EXPECT_NEAR(weighted_mean(s3, make({1, 2}, {1.f, 0.f})).item(), 2.f, 1e-6f);
}

TEST(WeightedMean, AllZeroWeightsGiveZeroNotNaN) {
  const Variable s(make({3}, {1.f, 2.f, 3.f}), true);
  Tape tape;
  const Variable l = weighted_mean(s, Tensor::zeros(Shape{3}));
  EXPECT_EQ(l.item(), 0.f);
  EXPECT_EQ(tape.gradient(l, s).to_vector(), (std::vector<float>{0.f, 0.f, 0.f}));
}

TEST(WeightedMean, GradientIsWeightOverNonZeroCount) {
  // d/dS_i [sum(S w) / #nonzero] = w_i / #nonzero; with (N, T) loss and (N,) weights also / T.
  const Variable s(make({4, 2}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f}), true);
  Tape tape;
  const Variable l = weighted_mean(s, make({4}, {1.f, 0.f, 2.f, 4.f}));
  const std::vector<float> g = tape.gradient(l, s).to_vector();
  const std::vector<float> expected = {1.f / 6, 1.f / 6, 0.f,     0.f,
                                       2.f / 6, 2.f / 6, 4.f / 6, 4.f / 6};
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], expected[i], 1e-6f) << i;
}

TEST(WeightedMean, WeightsMustBeTheLossLeadingAxes) {
  const Variable s(Tensor::zeros(Shape{4, 3}));
  EXPECT_THROW_MSG(weighted_mean(s, Tensor::ones(Shape{3})), ShapeError,
                   "weighted_mean: sample weights of shape (3,) do not match the per-sample loss "
                   "of shape (4, 3)");
  EXPECT_THROW_MSG(weighted_mean(s, Tensor::ones(Shape{4, 3, 1})), ShapeError,
                   "sample weights of shape (4, 3, 1)");
  EXPECT_THROW_MSG(weighted_mean(s, Tensor::scalar(1.f)), ShapeError, "sample weights of shape ()");
}

// --- class weights ---------------------------------------------------------------------------

TEST(ClassWeights, OneHotTargetsUseTheirArgmax) {
  const Tensor y = make({4, 3}, {0.f, 1.f, 0.f, 1.f, 0.f, 0.f, 0.f, 0.f, 1.f, 0.f, 1.f, 0.f});
  const Tensor w = class_weights_to_sample_weights(y, {{0, 1.f}, {1, 2.f}, {2, 3.f}});
  EXPECT_EQ(w.shape(), Shape{4});
  EXPECT_EQ(w.to_vector(), (std::vector<float>{2.f, 1.f, 3.f, 2.f}));
}

TEST(ClassWeights, TiedTargetsTakeTheFirstMaximum) {
  const Tensor y = make({2, 3}, {0.f, 0.5f, 0.5f, 0.4f, 0.2f, 0.4f});
  EXPECT_EQ(class_weights_to_sample_weights(y, {{0, 1.f}, {1, 2.f}, {2, 3.f}}).to_vector(),
            (std::vector<float>{2.f, 1.f}));
}

TEST(ClassWeights, ScalarTargetsAreTheClass) {
  const std::map<int, float> cw = {{0, 1.f}, {1, 5.f}};
  EXPECT_EQ(class_weights_to_sample_weights(make({3, 1}, {0.f, 1.f, 1.f}), cw).to_vector(),
            (std::vector<float>{1.f, 5.f, 5.f}));
  EXPECT_EQ(class_weights_to_sample_weights(make({3}, {1.f, 0.f, 1.f}), cw).to_vector(),
            (std::vector<float>{5.f, 1.f, 5.f}));
}

TEST(ClassWeights, FeedWeightedMean) {
  // Binary targets with class 1 weighted 3: mean of S with weights (1, 3, 3, 1) (none zero).
  const Tensor y = make({4, 1}, {0.f, 1.f, 1.f, 0.f});
  const Tensor w = class_weights_to_sample_weights(y, {{0, 1.f}, {1, 3.f}});
  const Variable s(make({4}, {1.f, 2.f, 3.f, 4.f}));
  EXPECT_NEAR(weighted_mean(s, w).item(), (1.f + 6.f + 9.f + 4.f) / 4.f, 1e-6f);
}

TEST(ClassWeights, RejectsTargetsOfRankAboveTwo) {
  EXPECT_THROW_MSG(class_weights_to_sample_weights(Tensor::zeros(Shape{2, 3, 4}), {{0, 1.f}}),
                   ValueError, "class_weight: targets of shape (2, 3, 4) are not supported");
  EXPECT_THROW_MSG(class_weights_to_sample_weights(Tensor::scalar(0.f), {{0, 1.f}}), ValueError,
                   "targets of shape ()");
}

TEST(ClassWeights, MissingClassOrNonIntegerTarget) {
  EXPECT_THROW_MSG(class_weights_to_sample_weights(make({2, 1}, {0.f, 2.f}), {{0, 1.f}, {1, 2.f}}),
                   ValueError,
                   "class_weight: class 2 of sample 1 has no weight; class_weight has classes "
                   "{0, 1}");
  EXPECT_THROW_MSG(class_weights_to_sample_weights(make({1, 1}, {0.5f}), {{0, 1.f}}), ValueError,
                   "class_weight: target 0.5 of sample 0 is not an integer class");
}

}  // namespace
}  // namespace keel::losses
