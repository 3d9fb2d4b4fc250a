#include "keel/constraints/constraint.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <string>
#include <utility>

#include "keel/core/error.h"
#include "keel/core/layout_walk.h"

namespace keel::constraints {

namespace {

struct Name {
  std::string_view name;
  Constraint::Kind kind;
};

// The Keras 1.2.2 names: the classes and their lower-case aliases.
constexpr std::array<Name, 6> kNames = {{
    {"maxnorm", Constraint::Kind::maxnorm},
    {"nonneg", Constraint::Kind::nonneg},
    {"unitnorm", Constraint::Kind::unitnorm},
    {"MaxNorm", Constraint::Kind::maxnorm},
    {"NonNeg", Constraint::Kind::nonneg},
    {"UnitNorm", Constraint::Kind::unitnorm},
}};

std::string known_names() {
  std::string out;
  for (const Name& n : kNames) {
    if (!out.empty()) out += ", ";
    out += n.name;
  }
  return out;
}

Constraint::Kind find_kind(std::string_view name) {
  for (const Name& n : kNames)
    if (n.name == name) return n.kind;
  throw ValueError("constraint '" + std::string(name) + "' is not one of " + known_names());
}

std::string format(float v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string axes_str(const std::vector<int>& axis) {
  if (axis.size() == 1) return std::to_string(axis[0]);
  std::string out = "[";
  for (std::size_t i = 0; i < axis.size(); ++i) out += (i ? ", " : "") + std::to_string(axis[i]);
  return out + "]";
}

// The summed axes resolved against w's rank, sorted; ShapeError naming the constraint.
std::vector<int> resolve_axes(const std::vector<int>& axis, const Shape& shape,
                              std::string_view who) {
  std::vector<int> out;
  for (int a : axis) {
    const int r = a < 0 ? a + shape.rank() : a;
    if (r < 0 || r >= shape.rank())
      throw ShapeError(std::string(who) + ": axis " + std::to_string(a) +
                       " is out of range for a weight of shape " + shape.str() + " (rank " +
                       std::to_string(shape.rank()) + ")");
    if (std::find(out.begin(), out.end(), r) != out.end())
      throw ShapeError(std::string(who) + ": axis " + axes_str(axis) +
                       " names the same axis twice for a weight of shape " + shape.str());
    out.push_back(r);
  }
  std::sort(out.begin(), out.end());
  return out;
}

float checked_m(float m) {
  if (!std::isfinite(m) || !(m > 0.f))
    throw ValueError("maxnorm: m is " + format(m) + ", expected a finite number > 0");
  return m;
}

std::vector<int> parse_axis(const Config& v, std::string_view who) {
  auto as_int = [&](const Config& e) {
    if (!e.is_number_integer())
      throw ValueError("constraint '" + std::string(who) + "': axis " + v.dump() +
                       " is not an int or a list of ints");
    return e.get<int>();
  };
  if (v.is_array()) {
    std::vector<int> out;
    for (const Config& e : v) out.push_back(as_int(e));
    return out;
  }
  return {as_int(v)};
}

Constraint build(std::string_view name, const Config& args, std::string_view skip_key = {}) {
  const Constraint::Kind kind = find_kind(name);
  if (!args.is_null() && !args.is_object())
    throw ValueError("constraint '" + std::string(name) + "': arguments must be an object, got " +
                     args.dump());
  float m = 2.f;
  std::vector<int> axis = {0};
  if (args.is_object()) {
    for (const auto& [key, value] : args.items()) {
      if (!skip_key.empty() && key == skip_key) continue;
      if (key == "m" && kind == Constraint::Kind::maxnorm) {
        if (!value.is_number())
          throw ValueError("constraint '" + std::string(name) + "': m is " + value.dump() +
                           ", expected a number");
        m = value.get<float>();
      } else if (key == "axis" && kind != Constraint::Kind::nonneg) {
        axis = parse_axis(value, name);
      } else {
        const char* expected = kind == Constraint::Kind::maxnorm    ? "m, axis"
                               : kind == Constraint::Kind::unitnorm ? "axis"
                                                                    : "no arguments";
        throw ValueError("constraint '" + std::string(name) + "': unexpected argument '" + key +
                         "', expected " + expected);
      }
    }
  }
  switch (kind) {
    case Constraint::Kind::maxnorm:
      return maxnorm(m, std::move(axis));
    case Constraint::Kind::unitnorm:
      return unitnorm(std::move(axis));
    case Constraint::Kind::nonneg:
      break;
  }
  return nonneg();
}

}  // namespace

Constraint::Constraint(Kind kind, float m, std::vector<int> axis)
    : kind_(kind), m_(m), axis_(std::move(axis)) {}

Constraint maxnorm(float m, std::vector<int> axis) {
  return Constraint(Constraint::Kind::maxnorm, checked_m(m), std::move(axis));
}

Constraint nonneg() { return Constraint(Constraint::Kind::nonneg, 0.f, {}); }

Constraint unitnorm(std::vector<int> axis) {
  return Constraint(Constraint::Kind::unitnorm, 0.f, std::move(axis));
}

std::string_view Constraint::name() const {
  switch (kind_) {
    case Kind::maxnorm:
      return "maxnorm";
    case Kind::unitnorm:
      return "unitnorm";
    case Kind::nonneg:
      break;
  }
  return "nonneg";
}

Tensor Constraint::apply(const Tensor& w) const {
  if (!w.defined()) throw ValueError(std::string(name()) + ": the weight is undefined");
  Tensor out = w.clone();
  project(out);
  return out;
}

void Constraint::project(Tensor& w) const {
  if (!w.defined()) throw ValueError(std::string(name()) + ": the weight is undefined");
  float* p = static_cast<float*>(w.buffer().get());
  if (kind_ == Kind::nonneg) {
    // Keras: w * cast(w >= 0): a negative entry becomes -0, as there. The padding of a blocked
    // layout is zero and stays zero.
    const auto n = static_cast<std::int64_t>(w.desc().get_size() / sizeof(float));
    for (std::int64_t i = 0; i < n; ++i) p[i] = p[i] * (p[i] >= 0.f ? 1.f : 0.f);
    return;
  }
  // The norms over `axis` of the Keras-layout weight, computed where the weight is stored: a
  // descriptor dim is summed over when its logical axis is one of the constraint's axes.
  const std::vector<int> summed = resolve_axes(axis_, w.shape(), name());
  const Tensor::Axes axes = w.axes();
  std::vector<bool> kept(axes.size());
  for (std::size_t i = 0; i < axes.size(); ++i)
    kept[i] = axes[i] < 0 || std::find(summed.begin(), summed.end(), axes[i]) == summed.end();
  const LayoutWalk walk(w.desc(), kept);
  std::vector<double> sum_sq(static_cast<std::size_t>(walk.groups()), 0.0);
  walk.for_each_run([&](std::int64_t off, std::int64_t n, std::int64_t g, std::int64_t step) {
    for (std::int64_t j = 0; j < n; ++j) {
      const double v = p[off + j];
      sum_sq[static_cast<std::size_t>(g + j * step)] += v * v;
    }
  });
  // Float32 from here on, in Keras's order of operations.
  std::vector<float> factor(sum_sq.size());
  for (std::size_t g = 0; g < sum_sq.size(); ++g) {
    const float norm = static_cast<float>(std::sqrt(sum_sq[g]));
    factor[g] = kind_ == Kind::maxnorm ? std::min(std::max(norm, 0.f), m_) / (kEpsilon + norm)
                                       : kEpsilon + norm;  // unitnorm divides by it
  }
  const bool divide = kind_ == Kind::unitnorm;
  walk.for_each_run([&](std::int64_t off, std::int64_t n, std::int64_t g, std::int64_t step) {
    for (std::int64_t j = 0; j < n; ++j) {
      const float f = factor[static_cast<std::size_t>(g + j * step)];
      p[off + j] = divide ? p[off + j] / f : p[off + j] * f;
    }
  });
}

Config Constraint::get_config() const {
  auto axis_json = [this]() { return axis_.size() == 1 ? Config(axis_[0]) : Config(axis_); };
  switch (kind_) {
    case Kind::maxnorm:
      return Config{{"name", "MaxNorm"}, {"m", static_cast<double>(m_)}, {"axis", axis_json()}};
    case Kind::unitnorm:
      return Config{{"name", "UnitNorm"}, {"axis", axis_json()}};
    case Kind::nonneg:
      break;
  }
  return Config{{"name", "NonNeg"}};
}

Constraint constraint_from_config(const Config& j) {
  if (j.is_string()) return build(j.get<std::string>(), Config());
  if (j.is_object()) {
    const auto name = j.find("name");
    if (name == j.end() || !name->is_string())
      throw ValueError("constraint config " + j.dump() + " needs a string 'name', one of " +
                       known_names());
    return build(name->get<std::string>(), j, "name");
  }
  throw ValueError("constraint config must be a name or an object with a 'name', got " + j.dump());
}

Constraint constraint_from_factory(std::string_view name, const Config& args) {
  return build(name, args);
}

}  // namespace keel::constraints
