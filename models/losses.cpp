// The Keras 1.2.2 objectives as compositions of differentiable ops, their names, and the
// weighted reduction of KERAS1_SEMANTICS.md 9.2.
#include "keel/models/losses.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel::losses {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// 1 - eps in float32, as TensorFlow gets it (Python's 1 - 1e-7 cast to float32): 0.99999988.
constexpr float kOneMinusEpsilon = 1.f - kEpsilon;
// tf.nn.l2_normalize's epsilon.
constexpr float kL2NormalizeEpsilon = 1e-12f;

void check_defined(const char* loss, const Variable& y_true, const Variable& y_pred) {
  if (!y_true.defined() || !y_pred.defined())
    throw ValueError(fmt::str(std::string(loss), ": ", (y_true.defined() ? "y_pred" : "y_true"),
                              " is undefined"));
}

// The common contract: same shapes, with a last axis to reduce.
void check_same_shape(const char* loss, const Variable& y_true, const Variable& y_pred) {
  check_defined(loss, y_true, y_pred);
  if (!(y_true.shape() == y_pred.shape()))
    throw ShapeError(fmt::str(std::string(loss), ": y_true shape ", y_true.shape().str(),
                              " does not match y_pred shape ", y_pred.shape().str()));
  if (y_pred.shape().rank() < 1)
    throw ShapeError(fmt::str(std::string(loss), ": y_pred of shape ", y_pred.shape().str(),
                              " has no last axis to reduce"));
}

Variable mean_last(const Variable& x) { return mean(x, {-1}); }
Variable sum_last(const Variable& x) { return sum(x, {-1}); }

// tf.nn.l2_normalize over the last axis: x / sqrt(max(sum(x^2), 1e-12)).
Variable l2_normalize(const Variable& x) {
  return x / sqrt(clip(sum(square(x), {-1}, /*keepdims=*/true), kL2NormalizeEpsilon, kInf));
}

}  // namespace

Variable mean_squared_error(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("mean_squared_error", y_true, y_pred);
  return mean_last(square(y_pred - y_true));
}

Variable mean_absolute_error(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("mean_absolute_error", y_true, y_pred);
  return mean_last(abs(y_pred - y_true));
}

Variable mean_absolute_percentage_error(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("mean_absolute_percentage_error", y_true, y_pred);
  // |(y - p) / clip(|y|, eps, inf)| = |y - p| / clip(|y|, eps, inf): the divisor is positive.
  const Variable diff = abs(y_true - y_pred) / clip(abs(y_true), kEpsilon, kInf);
  return mean_last(diff) * 100.f;
}

Variable mean_squared_logarithmic_error(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("mean_squared_logarithmic_error", y_true, y_pred);
  const Variable first_log = log(clip(y_pred, kEpsilon, kInf) + 1.f);
  const Variable second_log = log(clip(y_true, kEpsilon, kInf) + 1.f);
  return mean_last(square(first_log - second_log));
}

Variable squared_hinge(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("squared_hinge", y_true, y_pred);
  return mean_last(square(relu(1.f - y_true * y_pred)));
}

Variable hinge(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("hinge", y_true, y_pred);
  return mean_last(relu(1.f - y_true * y_pred));
}

Variable binary_crossentropy(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("binary_crossentropy", y_true, y_pred);
  const Variable q = clip(y_pred, kEpsilon, kOneMinusEpsilon);
  const Variable log_q = log(q);
  const Variable log_1mq = log(1.f - q);
  // -[y log q + (1 - y) log(1 - q)] = y (log(1 - q) - log q) - log(1 - q)
  return mean_last(y_true * (log_1mq - log_q) - log_1mq);
}

Variable categorical_crossentropy(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("categorical_crossentropy", y_true, y_pred);
  const Variable q =
      clip(y_pred / sum(y_pred, {-1}, /*keepdims=*/true), kEpsilon, kOneMinusEpsilon);
  return -sum_last(y_true * log(q));
}

Variable sparse_categorical_crossentropy(const Variable& y_true, const Variable& y_pred) {
  constexpr const char* kName = "sparse_categorical_crossentropy";
  check_defined(kName, y_true, y_pred);
  const Shape& ps = y_pred.shape();
  const Shape& ys = y_true.shape();
  if (ps.rank() < 1)
    throw ShapeError(fmt::str(std::string(kName), ": y_pred of shape ", ps.str(),
                              " has no last axis of classes"));
  const Shape target_shape(std::vector<std::int64_t>(ps.data(), ps.data() + ps.rank() - 1));
  bool ok = ys == target_shape;
  if (!ok && ys.rank() == ps.rank() && ys.at(-1) == 1) {
    ok = true;
    for (int i = 0; i + 1 < ps.rank(); ++i) ok = ok && ys[i] == ps[i];
  }
  if (!ok)
    throw ShapeError(fmt::str(
        std::string(kName), ": y_true shape ", ys.str(), " does not match y_pred shape ", ps.str(),
        ": expected integer targets of y_pred's shape without its last axis, or "
        "with a last axis of 1"));

  // The targets are constants: one-hot them here (no gradient flows to integer labels).
  const std::int64_t classes = ps.at(-1);
  const Tensor labels = y_true.value().to_plain();
  const float* lab = labels.data();
  Tensor one_hot = Tensor::zeros(ps);
  float* oh = one_hot.data();
  for (std::int64_t i = 0; i < labels.numel(); ++i) {
    const float v = lab[i];
    if (!(v >= 0.f && v < static_cast<float>(classes)) || v != std::floor(v)) {
      std::ostringstream os;
      os << kName << ": target " << v << " at index " << i << " is not an integer class in [0, "
         << classes << ")";
      throw ValueError(os.str());
    }
    oh[i * classes + static_cast<std::int64_t>(v)] = 1.f;
  }
  // TF backend: -log softmax(log(clip(p, eps, 1 - eps)))[y] = log(sum q) - log(q[y]).
  const Variable q = clip(y_pred, kEpsilon, kOneMinusEpsilon);
  return log(sum_last(q)) - sum_last(Variable(one_hot) * log(q));
}

Variable kullback_leibler_divergence(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("kullback_leibler_divergence", y_true, y_pred);
  const Variable y = clip(y_true, kEpsilon, 1.f);
  const Variable p = clip(y_pred, kEpsilon, 1.f);
  return sum_last(y * log(y / p));
}

Variable poisson(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("poisson", y_true, y_pred);
  return mean_last(y_pred - y_true * log(y_pred + kEpsilon));
}

Variable cosine_proximity(const Variable& y_true, const Variable& y_pred) {
  check_same_shape("cosine_proximity", y_true, y_pred);
  return -mean_last(l2_normalize(y_true) * l2_normalize(y_pred));
}

// --- names -----------------------------------------------------------------------------------

namespace {

struct NamedLoss {
  std::string_view name;
  Variable (*fn)(const Variable&, const Variable&);
};

constexpr std::array<NamedLoss, 12> kLosses = {{
    {"mean_squared_error", mean_squared_error},
    {"mean_absolute_error", mean_absolute_error},
    {"mean_absolute_percentage_error", mean_absolute_percentage_error},
    {"mean_squared_logarithmic_error", mean_squared_logarithmic_error},
    {"squared_hinge", squared_hinge},
    {"hinge", hinge},
    {"binary_crossentropy", binary_crossentropy},
    {"categorical_crossentropy", categorical_crossentropy},
    {"sparse_categorical_crossentropy", sparse_categorical_crossentropy},
    {"kullback_leibler_divergence", kullback_leibler_divergence},
    {"poisson", poisson},
    {"cosine_proximity", cosine_proximity},
}};

struct Alias {
  std::string_view alias;
  std::string_view name;
};

constexpr std::array<Alias, 11> kAliases = {{
    {"mse", "mean_squared_error"},
    {"MSE", "mean_squared_error"},
    {"mae", "mean_absolute_error"},
    {"MAE", "mean_absolute_error"},
    {"mape", "mean_absolute_percentage_error"},
    {"MAPE", "mean_absolute_percentage_error"},
    {"msle", "mean_squared_logarithmic_error"},
    {"MSLE", "mean_squared_logarithmic_error"},
    {"kld", "kullback_leibler_divergence"},
    {"KLD", "kullback_leibler_divergence"},
    {"cosine", "cosine_proximity"},
}};

const NamedLoss& find(std::string_view name) {
  std::string_view canonical = name;
  for (const auto& a : kAliases)
    if (a.alias == name) canonical = a.name;
  for (const auto& l : kLosses)
    if (l.name == canonical) return l;
  std::string known;
  for (const auto& n : known_names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError(fmt::str("loss '", std::string(name), "' is not one of ", known));
}

}  // namespace

std::vector<std::string> known_names() {
  std::vector<std::string> out;
  for (const auto& l : kLosses) out.emplace_back(l.name);
  for (const auto& a : kAliases) out.emplace_back(a.alias);
  return out;
}

LossFn get(std::string_view name) { return find(name).fn; }

std::string canonical_name(std::string_view name) { return std::string(find(name).name); }

// --- reduction -------------------------------------------------------------------------------

Variable weighted_mean(const Variable& per_sample, const Tensor& sample_weight) {
  if (!per_sample.defined()) throw ValueError("weighted_mean: the per-sample loss is undefined");
  if (!sample_weight.defined()) return mean(per_sample);

  const Shape& s = per_sample.shape();
  const Shape& ws = sample_weight.shape();
  bool prefix = ws.rank() >= 1 && ws.rank() <= s.rank();
  for (int i = 0; prefix && i < ws.rank(); ++i) prefix = ws[i] == s[i];
  if (!prefix)
    throw ShapeError(fmt::str("weighted_mean: sample weights of shape ", ws.str(),
                              " do not match the per-sample loss of shape ", s.str(),
                              ": expected the loss's leading axes, (N,) or (N, T)"));

  // Step 2: average over the axes beyond the weight's rank.
  Variable scores = per_sample;
  if (s.rank() > ws.rank()) {
    std::vector<int> beyond;
    for (int a = ws.rank(); a < s.rank(); ++a) beyond.push_back(a);
    scores = mean(scores, beyond);
  }
  // Step 3: S * w / mean(w != 0), with the division folded into the (constant) weights.
  const Tensor w = sample_weight.to_plain();
  const float* wd = w.data();
  std::int64_t nonzero = 0;
  for (std::int64_t i = 0; i < w.numel(); ++i) nonzero += wd[i] != 0.f;
  Tensor scaled = Tensor::empty(ws);
  float* sd = scaled.data();
  // All weights 0: Keras's 0 / 0 is NaN; the weights stay 0 here and the loss is 0.
  const double factor = nonzero == 0 ? 1.0 : static_cast<double>(w.numel()) / nonzero;
  for (std::int64_t i = 0; i < w.numel(); ++i) sd[i] = static_cast<float>(wd[i] * factor);
  // Step 4: the mean over what remains.
  return mean(scores * Variable(scaled));
}

Tensor class_weights_to_sample_weights(const Tensor& y, const std::map<int, float>& class_weight) {
  if (!y.defined()) throw ValueError("class_weight: the targets are undefined");
  const Shape& s = y.shape();
  if (s.rank() < 1 || s.rank() > 2)
    throw ValueError(
        fmt::str("class_weight: targets of shape ", s.str(),
                 " are not supported: expected (N,) or (N, classes) (class_weight is not "
                 "supported for 3+ dimensional targets)"));
  const std::int64_t n = s[0];
  const std::int64_t k = s.rank() == 2 ? s[1] : 1;
  if (k == 0)
    throw ValueError(fmt::str("class_weight: targets of shape ", s.str(), " have no classes"));

  const Tensor yp = y.to_plain();
  const float* yd = yp.data();
  Tensor out = Tensor::empty(Shape{n});
  float* od = out.data();
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = yd + i * k;
    long long cls = 0;
    if (k > 1) {
      cls = std::max_element(row, row + k) - row;  // the first maximum, as numpy's argmax
    } else {
      const float v = row[0];
      if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) > 2147483520.f) {
        std::ostringstream os;
        os << "class_weight: target " << v << " of sample " << i << " is not an integer class";
        throw ValueError(os.str());
      }
      cls = static_cast<long long>(v);
    }
    const auto it = class_weight.find(static_cast<int>(cls));
    if (it == class_weight.end()) {
      std::string known;
      for (const auto& [c, wgt] : class_weight)
        known += (known.empty() ? "" : ", ") + std::to_string(c);
      throw ValueError(fmt::str("class_weight: class ", cls, " of sample ", i,
                                " has no weight; class_weight has classes {", known, "}"));
    }
    od[i] = it->second;
  }
  return out;
}

}  // namespace keel::losses
