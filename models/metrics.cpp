// Keras 1.2.2 metrics: plain loops over plain tensors (a training batch's outputs are small),
// and the losses evaluated without the tape.
#include "keel/models/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "keel/autograd/ops.h"
#include "keel/autograd/tape.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/models/losses.h"

namespace keel::metrics {

namespace {

void check_defined(const char* metric, const Tensor& y_true, const Tensor& y_pred) {
  if (!y_true.defined() || !y_pred.defined())
    throw ValueError(fmt::str(std::string(metric), ": ", (y_true.defined() ? "y_pred" : "y_true"),
                              " is undefined"));
}

void check_same_shape(const char* metric, const Tensor& y_true, const Tensor& y_pred) {
  check_defined(metric, y_true, y_pred);
  if (!(y_true.shape() == y_pred.shape()))
    throw ShapeError(fmt::str(std::string(metric), ": y_true shape ", y_true.shape().str(),
                              " does not match y_pred shape ", y_pred.shape().str()));
  if (y_pred.rank() < 1)
    throw ShapeError(fmt::str(std::string(metric), ": y_pred of shape ", y_pred.shape().str(),
                              " has no last axis"));
}

// The first maximum of row[0..k), as numpy's and TensorFlow's argmax.
std::int64_t argmax(const float* row, std::int64_t k) {
  std::int64_t best = 0;
  for (std::int64_t j = 1; j < k; ++j)
    if (row[j] > row[best]) best = j;
  return best;
}

float fraction(std::int64_t hits, std::int64_t count) {
  if (count == 0) return std::numeric_limits<float>::quiet_NaN();  // numpy's mean of nothing
  return static_cast<float>(static_cast<double>(hits) / static_cast<double>(count));
}

// TensorFlow's round: halves go to the even neighbour.
float round_half_even(float x) {
  if (std::abs(x - std::trunc(x)) == 0.5f) return 2.f * std::round(x / 2.f);
  return std::round(x);
}

}  // namespace

float binary_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  check_same_shape("binary_accuracy", y_true, y_pred);
  const Tensor y = y_true.to_plain();
  const Tensor p = y_pred.to_plain();
  const float* yd = y.data();
  const float* pd = p.data();
  const std::int64_t n = p.numel();
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < n; ++i) hits += yd[i] == round_half_even(pd[i]);
  return fraction(hits, n);
}

float categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  check_same_shape("categorical_accuracy", y_true, y_pred);
  const Tensor y = y_true.to_plain();
  const Tensor p = y_pred.to_plain();
  const std::int64_t k = p.shape().at(-1);
  if (k == 0)
    throw ShapeError(
        fmt::str("categorical_accuracy: y_pred of shape ", p.shape().str(), " has no classes"));
  const float* yd = y.data();
  const float* pd = p.data();
  const std::int64_t rows = p.numel() / k;
  std::int64_t hits = 0;
  for (std::int64_t r = 0; r < rows; ++r) hits += argmax(yd + r * k, k) == argmax(pd + r * k, k);
  return fraction(hits, rows);
}

float sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  constexpr const char* kName = "sparse_categorical_accuracy";
  check_defined(kName, y_true, y_pred);
  const Shape& ps = y_pred.shape();
  const Shape& ys = y_true.shape();
  if (ps.rank() < 1)
    throw ShapeError(
        fmt::str(std::string(kName), ": y_pred of shape ", ps.str(), " has no last axis"));
  // The targets are y itself (y_pred's shape without its last axis), or y's maximum over its
  // last axis (Keras's K.max(y_true, axis=-1), for (N, 1) targets).
  bool leading_match = ys.rank() == ps.rank() - 1 || ys.rank() == ps.rank();
  for (int i = 0; leading_match && i + 1 < ps.rank(); ++i) leading_match = ys[i] == ps[i];
  const std::int64_t target_width = ys.rank() == ps.rank() ? ys.at(-1) : 1;
  if (!leading_match || target_width == 0)
    throw ShapeError(fmt::str(
        std::string(kName), ": y_true shape ", ys.str(), " does not match y_pred shape ", ps.str(),
        ": expected y_pred's shape without its last axis, or with a last axis of 1"));
  const std::int64_t k = ps.at(-1);
  if (k == 0)
    throw ShapeError(
        fmt::str(std::string(kName), ": y_pred of shape ", ps.str(), " has no classes"));
  const Tensor y = y_true.to_plain();
  const Tensor p = y_pred.to_plain();
  const float* yd = y.data();
  const float* pd = p.data();
  const std::int64_t rows = p.numel() / k;
  std::int64_t hits = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* yr = yd + r * target_width;
    float target = yr[0];
    for (std::int64_t j = 1; j < target_width; ++j) target = std::max(target, yr[j]);
    hits += target == static_cast<float>(argmax(pd + r * k, k));
  }
  return fraction(hits, rows);
}

float top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k) {
  constexpr const char* kName = "top_k_categorical_accuracy";
  if (k < 1) throw ValueError(fmt::str(std::string(kName), ": k ", k, " is not >= 1"));
  check_same_shape(kName, y_true, y_pred);
  const Tensor y = y_true.to_plain();
  const Tensor p = y_pred.to_plain();
  const std::int64_t classes = p.shape().at(-1);
  if (classes == 0)
    throw ShapeError(
        fmt::str(std::string(kName), ": y_pred of shape ", p.shape().str(), " has no classes"));
  const float* yd = y.data();
  const float* pd = p.data();
  const std::int64_t rows = p.numel() / classes;
  std::int64_t hits = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* pr = pd + r * classes;
    const float target = pr[argmax(yd + r * classes, classes)];
    // tf.nn.in_top_k: in the top k when fewer than k classes score strictly higher.
    bool finite = std::isfinite(target);
    std::int64_t higher = 0;
    for (std::int64_t j = 0; finite && j < classes; ++j) {
      if (!std::isfinite(pr[j]))
        finite = false;
      else
        higher += pr[j] > target;
    }
    hits += finite && higher < k;
  }
  return fraction(hits, rows);
}

// --- names -----------------------------------------------------------------------------------

namespace {

const char* const kAccuracyNames[] = {"accuracy",
                                      "acc",
                                      "binary_accuracy",
                                      "categorical_accuracy",
                                      "sparse_categorical_accuracy",
                                      "top_k_categorical_accuracy"};

bool is_loss_name(std::string_view name) {
  for (const auto& n : losses::known_names())
    if (n == name) return true;
  return false;
}

}  // namespace

std::vector<std::string> known_names() {
  std::vector<std::string> out(std::begin(kAccuracyNames), std::end(kAccuracyNames));
  for (auto& n : losses::known_names()) out.push_back(std::move(n));
  return out;
}

Metric get(std::string_view name, std::string_view loss_name, const Shape& output_shape) {
  if (name == "accuracy" || name == "acc") {
    if (output_shape.rank() < 1)
      throw ShapeError(
          fmt::str("metric 'acc': output shape ", output_shape.str(), " has no last axis"));
    const std::string loss =
        is_loss_name(loss_name) ? losses::canonical_name(loss_name) : std::string(loss_name);
    if (output_shape.at(-1) == 1 || loss == "binary_crossentropy") return {"acc", binary_accuracy};
    if (loss == "sparse_categorical_crossentropy") return {"acc", sparse_categorical_accuracy};
    return {"acc", categorical_accuracy};
  }
  if (name == "binary_accuracy") return {std::string(name), binary_accuracy};
  if (name == "categorical_accuracy") return {std::string(name), categorical_accuracy};
  if (name == "sparse_categorical_accuracy")
    return {std::string(name), sparse_categorical_accuracy};
  if (name == "top_k_categorical_accuracy")
    return {std::string(name),
            [](const Tensor& y, const Tensor& p) { return top_k_categorical_accuracy(y, p); }};
  if (is_loss_name(name)) {
    return {std::string(name), [fn = losses::get(name)](const Tensor& y, const Tensor& p) {
              NoGrad no_grad;
              return mean(fn(Variable(y), Variable(p))).item();
            }};
  }
  std::string known;
  for (const auto& n : known_names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError(fmt::str("metric '", std::string(name), "' is not one of ", known));
}

}  // namespace keel::metrics
