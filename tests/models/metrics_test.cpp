// Keras 1.2.2 metrics and the resolution of metric names (KERAS1_SEMANTICS.md 9.3).
#include <gtest/gtest.h>
#include <keel/autograd/ops.h>
#include <keel/autograd/tape.h>
#include <keel/core/error.h>
#include <keel/models/losses.h>
#include <keel/models/metrics.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "test_util.h"

namespace keel::metrics {
namespace {

Tensor make(const Shape& s, const std::vector<float>& v) { return Tensor::from_data(s, v); }

// --- values ----------------------------------------------------------------------------------

TEST(BinaryAccuracy, IsMeanOfTargetEqualsRoundedPrediction) {
  // round(0.7, 0.2, 0.4, 0.9) = (1, 0, 0, 1) against (1, 0, 1, 0): 2 of 4.
  EXPECT_FLOAT_EQ(
      binary_accuracy(make({4, 1}, {1.f, 0.f, 1.f, 0.f}), make({4, 1}, {0.7f, 0.2f, 0.4f, 0.9f})),
      0.5f);
}

TEST(BinaryAccuracy, CountsEveryElementOfMultiLabelTargets) {
  // (2, 3): 5 of 6 elements right.
  EXPECT_FLOAT_EQ(binary_accuracy(make({2, 3}, {1.f, 0.f, 1.f, 0.f, 0.f, 1.f}),
                                  make({2, 3}, {0.9f, 0.1f, 0.8f, 0.6f, 0.3f, 0.51f})),
                  5.f / 6.f);
}

TEST(BinaryAccuracy, RoundsHalfToEvenAsTensorFlow) {
  // tf.round(0.5) = 0, tf.round(1.5) = 2, tf.round(2.5) = 2.
  EXPECT_FLOAT_EQ(binary_accuracy(make({1, 3}, {0.f, 2.f, 2.f}), make({1, 3}, {0.5f, 1.5f, 2.5f})),
                  1.f);
  EXPECT_FLOAT_EQ(binary_accuracy(make({1, 1}, {1.f}), make({1, 1}, {0.5f})), 0.f);
}

TEST(CategoricalAccuracy, IsMeanOfMatchingArgmax) {
  const Tensor y = make({3, 3}, {0.f, 1.f, 0.f, 1.f, 0.f, 0.f, 0.f, 0.f, 1.f});
  const Tensor p = make({3, 3}, {0.1f, 0.8f, 0.1f, 0.3f, 0.6f, 0.1f, 0.2f, 0.2f, 0.6f});
  EXPECT_FLOAT_EQ(categorical_accuracy(y, p), 2.f / 3.f);
}

TEST(CategoricalAccuracy, TiesTakeTheFirstMaximumAsNumpy) {
  // p = (0.4, 0.4, 0.2): argmax 0, a hit for class 0 and a miss for class 1.
  const Tensor p = make({2, 3}, {0.4f, 0.4f, 0.2f, 0.4f, 0.4f, 0.2f});
  EXPECT_FLOAT_EQ(categorical_accuracy(make({2, 3}, {1.f, 0.f, 0.f, 0.f, 1.f, 0.f}), p), 0.5f);
  // Ties in the targets too: y = (0.5, 0.5, 0) is class 0.
  EXPECT_FLOAT_EQ(
      categorical_accuracy(make({1, 3}, {0.5f, 0.5f, 0.f}), make({1, 3}, {0.2f, 0.7f, 0.1f})), 0.f);
}

TEST(CategoricalAccuracy, AveragesOverTimestepsToo) {
  // (1, 2, 2): one of two timesteps right.
  EXPECT_FLOAT_EQ(categorical_accuracy(make({1, 2, 2}, {1.f, 0.f, 1.f, 0.f}),
                                       make({1, 2, 2}, {0.9f, 0.1f, 0.2f, 0.8f})),
                  0.5f);
}

TEST(SparseCategoricalAccuracy, TakesTargetsOfShapeNAndNBy1) {
  const Tensor p = make({3, 3}, {0.1f, 0.8f, 0.1f, 0.3f, 0.6f, 0.1f, 0.2f, 0.2f, 0.6f});
  EXPECT_FLOAT_EQ(sparse_categorical_accuracy(make({3}, {1.f, 0.f, 2.f}), p), 2.f / 3.f);
  EXPECT_FLOAT_EQ(sparse_categorical_accuracy(make({3, 1}, {1.f, 0.f, 2.f}), p), 2.f / 3.f);
}

TEST(SparseCategoricalAccuracy, TiesTakeTheFirstMaximum) {
  const Tensor p = make({2, 3}, {0.2f, 0.4f, 0.4f, 0.2f, 0.4f, 0.4f});
  EXPECT_FLOAT_EQ(sparse_categorical_accuracy(make({2}, {1.f, 2.f}), p), 0.5f);
}

TEST(TopKCategoricalAccuracy, TargetAmongTheKLargest) {
  // 7 classes; target ranks: 1st, 5th, 6th -> k = 5 hits 2 of 3.
  const Tensor p = make({3, 7}, {0.9f, 0.1f, 0.f,  0.f,  0.f,  0.f,  0.f,  0.1f, 0.2f, 0.3f, 0.4f,
                                 0.5f, 0.6f, 0.7f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f});
  const Tensor y = make({3, 7}, {1.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 1.f, 0.f,
                                 0.f, 0.f, 0.f, 0.f, 1.f, 0.f, 0.f, 0.f, 0.f, 0.f});
  EXPECT_FLOAT_EQ(top_k_categorical_accuracy(y, p), 2.f / 3.f);
  EXPECT_FLOAT_EQ(top_k_categorical_accuracy(y, p, 6), 1.f);
  EXPECT_FLOAT_EQ(top_k_categorical_accuracy(y, p, 1), 1.f / 3.f);
}

TEST(TopKCategoricalAccuracy, TiesAtTheBoundaryCountAsInTopKLikeInTopK) {
  // Target class 0 tied with three others for the 2nd place: k = 2 still counts it (in_top_k).
  const Tensor p = make({1, 5}, {0.2f, 0.5f, 0.2f, 0.2f, 0.2f});
  const Tensor y = make({1, 5}, {1.f, 0.f, 0.f, 0.f, 0.f});
  EXPECT_FLOAT_EQ(top_k_categorical_accuracy(y, p, 2), 1.f);
  EXPECT_FLOAT_EQ(top_k_categorical_accuracy(y, p, 1), 0.f);
}

TEST(TopKCategoricalAccuracy, NonFinitePredictionsAreNeverInTopK) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor y = make({2, 3}, {1.f, 0.f, 0.f, 1.f, 0.f, 0.f});
  const Tensor p = make({2, 3}, {0.5f, inf, 0.1f, std::nanf(""), 0.1f, 0.2f});
  EXPECT_FLOAT_EQ(top_k_categorical_accuracy(y, p, 3), 0.f);
}

TEST(TopKCategoricalAccuracy, KBelowOneIsAValueError) {
  const Tensor t = Tensor::zeros(Shape{1, 3});
  EXPECT_THROW_MSG(top_k_categorical_accuracy(t, t, 0), ValueError,
                   "top_k_categorical_accuracy: k 0 is not >= 1");
}

TEST(Metrics, AccuracyIsFastOnABatchOf128By10) {
  // A plain loop: far below a millisecond per call on (128, 10).
  const Tensor y = Tensor::random_uniform(Shape{128, 10});
  const Tensor p = Tensor::random_uniform(Shape{128, 10});
  const auto t0 = std::chrono::steady_clock::now();
  float acc = 0;
  for (int i = 0; i < 100; ++i) acc += categorical_accuracy(y, p) + binary_accuracy(y, p);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(acc, 0.f);
  EXPECT_LT(seconds / 100, 1e-3);
}

// --- errors ----------------------------------------------------------------------------------

TEST(MetricErrors, MismatchedShapesNameTheMetricAndBothShapes) {
  const Tensor a = Tensor::zeros(Shape{2, 3}), b = Tensor::zeros(Shape{2, 4});
  EXPECT_THROW_MSG(categorical_accuracy(a, b), ShapeError,
                   "categorical_accuracy: y_true shape (2, 3) does not match y_pred shape (2, 4)");
  EXPECT_THROW_MSG(binary_accuracy(a, b), ShapeError, "binary_accuracy: y_true shape (2, 3)");
  EXPECT_THROW_MSG(top_k_categorical_accuracy(a, b), ShapeError,
                   "top_k_categorical_accuracy: y_true shape (2, 3)");
  EXPECT_THROW_MSG(sparse_categorical_accuracy(Tensor::zeros(Shape{3}), a), ShapeError,
                   "sparse_categorical_accuracy: y_true shape (3,) does not match y_pred shape "
                   "(2, 3)");
}

// --- resolution ------------------------------------------------------------------------------

TEST(MetricGet, AccuracyIsBinaryWhenTheLastDimIsOne) {
  // y = (1, 0), p = (0.9, 0.9): binary 0.5; categorical on one column would give 1.
  const Tensor y = make({2, 1}, {1.f, 0.f}), p = make({2, 1}, {0.9f, 0.9f});
  for (const char* name : {"accuracy", "acc"}) {
    const Metric m = get(name, "categorical_crossentropy", Shape{Shape::kUnknown, 1});
    EXPECT_EQ(m.name, "acc");
    EXPECT_FLOAT_EQ(m.fn(y, p), 0.5f);
  }
  EXPECT_FLOAT_EQ(get("acc", "mse", Shape{Shape::kUnknown, 1}).fn(y, p), 0.5f);
}

TEST(MetricGet, AccuracyIsBinaryWithBinaryCrossentropy) {
  // Multi-label (N, 3): binary counts 2 of 3 elements; categorical would count the row right.
  const Tensor y = make({1, 3}, {1.f, 0.f, 1.f}), p = make({1, 3}, {0.9f, 0.1f, 0.2f});
  const Metric m = get("accuracy", "binary_crossentropy", Shape{Shape::kUnknown, 3});
  EXPECT_EQ(m.name, "acc");
  EXPECT_FLOAT_EQ(m.fn(y, p), 2.f / 3.f);
}

TEST(MetricGet, AccuracyIsSparseWithSparseCategoricalCrossentropy) {
  const Tensor y = make({2, 1}, {2.f, 0.f});
  const Tensor p = make({2, 3}, {0.1f, 0.2f, 0.7f, 0.1f, 0.8f, 0.1f});
  const Metric m = get("acc", "sparse_categorical_crossentropy", Shape{Shape::kUnknown, 3});
  EXPECT_EQ(m.name, "acc");
  EXPECT_FLOAT_EQ(m.fn(y, p), 0.5f);
}

TEST(MetricGet, AccuracyIsCategoricalOtherwise) {
  const Tensor y = make({1, 3}, {1.f, 0.f, 1.f}), p = make({1, 3}, {0.9f, 0.1f, 0.2f});
  for (const char* loss : {"categorical_crossentropy", "mse", "MSE", "kld", "my_custom_loss"}) {
    const Metric m = get("accuracy", loss, Shape{Shape::kUnknown, 3});
    EXPECT_EQ(m.name, "acc");
    EXPECT_FLOAT_EQ(m.fn(y, p), 1.f) << loss;  // argmax 0 == argmax 0
  }
}

TEST(MetricGet, NamedAccuraciesKeepTheirNames) {
  const Shape out{Shape::kUnknown, 7};
  EXPECT_EQ(get("binary_accuracy", "mse", out).name, "binary_accuracy");
  EXPECT_EQ(get("categorical_accuracy", "mse", out).name, "categorical_accuracy");
  EXPECT_EQ(get("sparse_categorical_accuracy", "mse", out).name, "sparse_categorical_accuracy");
  const Metric top = get("top_k_categorical_accuracy", "categorical_crossentropy", out);
  EXPECT_EQ(top.name, "top_k_categorical_accuracy");
  // k = 5: the 6th-ranked target misses.
  const Tensor p = make({1, 7}, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f});
  EXPECT_FLOAT_EQ(top.fn(make({1, 7}, {0.f, 1.f, 0.f, 0.f, 0.f, 0.f, 0.f}), p), 0.f);
  EXPECT_FLOAT_EQ(top.fn(make({1, 7}, {0.f, 0.f, 1.f, 0.f, 0.f, 0.f, 0.f}), p), 1.f);
}

TEST(MetricGet, LossNamesAreTheMeanOfTheLossUnderTheNameGiven) {
  const Tensor y = make({2, 2}, {1.f, 2.f, 3.f, 4.f}), p = make({2, 2}, {1.f, 0.f, 3.f, 5.f});
  // mse rows: (0 + 4) / 2 = 2, (0 + 1) / 2 = 0.5 -> 1.25; mae rows 1, 0.5 -> 0.75.
  for (const char* name : {"mse", "MSE", "mean_squared_error"}) {
    const Metric m = get(name, "categorical_crossentropy", Shape{Shape::kUnknown, 2});
    EXPECT_EQ(m.name, name);
    EXPECT_FLOAT_EQ(m.fn(y, p), 1.25f);
  }
  EXPECT_FLOAT_EQ(get("mae", "mse", Shape{Shape::kUnknown, 2}).fn(y, p), 0.75f);
  // Every loss name and alias is a metric.
  for (const auto& name : losses::known_names())
    EXPECT_EQ(get(name, "mse", Shape{Shape::kUnknown, 2}).name, name);
}

TEST(MetricGet, LossMetricsRecordNothingOnAnActiveTape) {
  const Variable w(Tensor::ones(Shape{2, 2}), true);
  Tape tape;
  const Variable out = w * 2.f;
  const std::size_t recorded = tape.size();
  const Metric m = get("categorical_crossentropy", "mse", Shape{Shape::kUnknown, 2});
  const float v = m.fn(Tensor::full(Shape{2, 2}, 0.5f), out.value());
  EXPECT_TRUE(std::isfinite(v));
  EXPECT_EQ(tape.size(), recorded);
}

TEST(MetricGet, UnknownNamesListTheKnownOnes) {
  EXPECT_THROW_MSG(get("accuracies", "mse", Shape{Shape::kUnknown, 2}), ValueError,
                   "metric 'accuracies' is not one of accuracy, acc, binary_accuracy, "
                   "categorical_accuracy, sparse_categorical_accuracy, "
                   "top_k_categorical_accuracy, mean_squared_error");
  EXPECT_THROW_MSG(get("precision", "mse", Shape{Shape::kUnknown, 2}), ValueError,
                   "metric 'precision' is not one of");
}

TEST(MetricGet, AccuracyNeedsAnOutputWithALastAxis) {
  EXPECT_THROW_MSG(get("acc", "mse", Shape{}), ShapeError,
                   "metric 'acc': output shape () has no last axis");
}

}  // namespace
}  // namespace keel::metrics
