#include "keel/layers/initializers.h"

#include <array>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/random.h"

namespace keel {
namespace initializers {
namespace {

constexpr std::array<std::string_view, 11> kNames = {
    "uniform", "lecun_uniform", "normal",         "identity",  "orthogonal", "zero",
    "one",     "glorot_normal", "glorot_uniform", "he_normal", "he_uniform"};

std::string join_names() {
  std::string out;
  for (std::string_view n : kNames) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string fans_str(const Fans& f) {
  return "(fan_in " + std::to_string(f.fan_in) + ", fan_out " + std::to_string(f.fan_out) + ")";
}

// fan_in must be positive for the formulas that divide by it.
double checked_fan_in(const Fans& f, const char* who) {
  if (!(f.fan_in > 0))
    throw ValueError(
        fmt::str(std::string("init '"), who, "': fan_in must be > 0, got ", fans_str(f)));
  return f.fan_in;
}

double checked_fan_sum(const Fans& f, const char* who) {
  const double s = f.fan_in + f.fan_out;
  if (!(f.fan_in >= 0 && f.fan_out >= 0 && s > 0))
    throw ValueError(fmt::str(std::string("init '"), who,
                              "': fans must be >= 0 with a positive sum, got ", fans_str(f)));
  return s;
}

Tensor draw_uniform(const Shape& shape, double limit) {
  Tensor t = Tensor::empty(shape);
  global_rng().fill_uniform({t.data(), static_cast<std::size_t>(t.numel())},
                            static_cast<float>(-limit), static_cast<float>(limit));
  return t;
}

Tensor draw_normal(const Shape& shape, double stddev) {
  Tensor t = Tensor::empty(shape);
  global_rng().fill_normal({t.data(), static_cast<std::size_t>(t.numel())}, 0.f,
                           static_cast<float>(stddev));
  return t;
}

// Orthonormalises the `count` vectors of length `len` stored at v[i * stride + j * step]
// (modified Gram-Schmidt, each vector projected twice for stability). Returns false if a
// vector is (numerically) dependent on the previous ones.
bool orthonormalize(std::vector<double>& v, std::int64_t count, std::int64_t len,
                    std::int64_t stride, std::int64_t step) {
  auto at = [&](std::int64_t i, std::int64_t j) -> double& { return v[i * stride + j * step]; };
  for (std::int64_t i = 0; i < count; ++i) {
    double original = 0.0;
    for (std::int64_t j = 0; j < len; ++j) original += at(i, j) * at(i, j);
    for (int pass = 0; pass < 2; ++pass) {
      for (std::int64_t k = 0; k < i; ++k) {
        double dot = 0.0;
        for (std::int64_t j = 0; j < len; ++j) dot += at(i, j) * at(k, j);
        for (std::int64_t j = 0; j < len; ++j) at(i, j) -= dot * at(k, j);
      }
    }
    double norm = 0.0;
    for (std::int64_t j = 0; j < len; ++j) norm += at(i, j) * at(i, j);
    norm = std::sqrt(norm);
    if (!(norm > 1e-10 * std::sqrt(original))) return false;
    for (std::int64_t j = 0; j < len; ++j) at(i, j) /= norm;
  }
  return true;
}

}  // namespace

Fans conv_fans(std::int64_t in_channels, std::int64_t out_channels, std::int64_t receptive_field) {
  return {static_cast<double>(in_channels) * static_cast<double>(receptive_field),
          static_cast<double>(out_channels) * static_cast<double>(receptive_field)};
}

std::span<const std::string_view> names() { return kNames; }

Tensor uniform(const Shape& shape, const Fans&) { return draw_uniform(shape, 0.05); }

Tensor normal(const Shape& shape, const Fans&) { return draw_normal(shape, 0.05); }

Tensor lecun_uniform(const Shape& shape, const Fans& fans) {
  return draw_uniform(shape, std::sqrt(3.0 / checked_fan_in(fans, "lecun_uniform")));
}

Tensor glorot_normal(const Shape& shape, const Fans& fans) {
  return draw_normal(shape, std::sqrt(2.0 / checked_fan_sum(fans, "glorot_normal")));
}

Tensor glorot_uniform(const Shape& shape, const Fans& fans) {
  return draw_uniform(shape, std::sqrt(6.0 / checked_fan_sum(fans, "glorot_uniform")));
}

Tensor he_normal(const Shape& shape, const Fans& fans) {
  return draw_normal(shape, std::sqrt(2.0 / checked_fan_in(fans, "he_normal")));
}

Tensor he_uniform(const Shape& shape, const Fans& fans) {
  return draw_uniform(shape, std::sqrt(6.0 / checked_fan_in(fans, "he_uniform")));
}

Tensor orthogonal(const Shape& shape, const Fans&, double scale) {
  if (shape.rank() < 1)
    throw ValueError(fmt::str("init 'orthogonal' needs a shape of rank >= 1, got ", shape.str()));
  const std::int64_t rows = shape[0];
  const std::int64_t cols = rows == 0 ? 0 : shape.numel() / rows;
  Tensor out = Tensor::empty(shape);
  if (shape.numel() == 0) return out;
  // The smaller side's vectors are made orthonormal: the rows of a wide matrix, the columns of
  // a tall one (for a square matrix both, as in Keras' choice of u or v of the SVD).
  const bool by_rows = rows <= cols;
  const std::int64_t count = by_rows ? rows : cols, len = by_rows ? cols : rows;
  std::vector<float> draw(static_cast<std::size_t>(rows * cols));
  std::vector<double> m(draw.size());
  for (int attempt = 0;; ++attempt) {
    global_rng().fill_normal(draw, 0.f, 1.f);
    m.assign(draw.begin(), draw.end());
    const bool ok =
        by_rows ? orthonormalize(m, count, len, cols, 1) : orthonormalize(m, count, len, 1, cols);
    if (ok) break;
    if (attempt == 8)
      throw ValueError(
          fmt::str("init 'orthogonal': could not draw a full-rank matrix for shape ", shape.str()));
  }
  float* dst = out.data();
  for (std::size_t i = 0; i < m.size(); ++i) dst[i] = static_cast<float>(scale * m[i]);
  return out;
}

Tensor identity(const Shape& shape, const Fans&, double scale) {
  if (shape.rank() != 2 || shape[0] != shape[1])
    throw ValueError(fmt::str("init 'identity' needs a square 2D shape, got ", shape.str()));
  Tensor out = Tensor::zeros(shape);
  for (std::int64_t i = 0; i < shape[0]; ++i) out.set({i, i}, static_cast<float>(scale));
  return out;
}

Tensor zero(const Shape& shape, const Fans&) { return Tensor::zeros(shape); }

Tensor one(const Shape& shape, const Fans&) { return Tensor::ones(shape); }

namespace {

Initializer::Fn by_name(const std::string& name) {
  using F = Initializer::Fn;
  if (name == "uniform") return F(uniform);
  if (name == "lecun_uniform") return F(lecun_uniform);
  if (name == "normal") return F(normal);
  if (name == "identity") return [](const Shape& s, const Fans& f) { return identity(s, f); };
  if (name == "orthogonal") return [](const Shape& s, const Fans& f) { return orthogonal(s, f); };
  if (name == "zero") return F(zero);
  if (name == "one") return F(one);
  if (name == "glorot_normal") return F(glorot_normal);
  if (name == "glorot_uniform") return F(glorot_uniform);
  if (name == "he_normal") return F(he_normal);
  if (name == "he_uniform") return F(he_uniform);
  throw ValueError(fmt::str("init '", name, "' is not one of ", join_names()));
}

}  // namespace
}  // namespace initializers

Initializer::Initializer() : Initializer("glorot_uniform") {}

Initializer::Initializer(const char* name) : Initializer(std::string(name ? name : "")) {}

Initializer::Initializer(const std::string& name) : name_(name), fn_(initializers::by_name(name)) {}

Initializer::Initializer(std::string name, Fn fn) : name_(std::move(name)), fn_(std::move(fn)) {
  if (!fn_) throw ValueError(fmt::str("init '", name_, "': the callable is empty"));
}

Tensor Initializer::operator()(const Shape& shape, const Fans& fans) const {
  Tensor t = fn_(shape, fans);
  if (!t.defined() || !(t.shape() == shape))
    throw ShapeError(fmt::str("init '", name_, "' returned a tensor of shape ",
                              (t.defined() ? t.shape().str() : std::string("<undefined>")),
                              " for a weight of shape ", shape.str()));
  return t.to_plain();
}

}  // namespace keel
