#include "keel/constraints/constraint.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "keel/core/detail/layout_walk.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/kwargs.h"

namespace keel::constraints {

namespace {

// A constraint's axis argument: one int or a list of ints (written back as an int when it
// holds one axis, as Keras).
struct Axis {
  std::vector<int> axes{0};
};

}  // namespace
}  // namespace keel::constraints

namespace keel::kwargs {
template <>
struct Codec<constraints::Axis> {
  static Config write(const constraints::Axis& a) {
    return a.axes.size() == 1 ? Config(a.axes[0]) : Config(a.axes);
  }
  static bool read(const Config& j, constraints::Axis& out) {
    if (j.is_number_integer()) {
      out.axes = {j.get<int>()};
      return true;
    }
    return Codec<std::vector<int>>::read(j, out.axes);
  }
  static std::string expected() { return "an int or a list of ints"; }
};
}  // namespace keel::kwargs

namespace keel::constraints {
namespace {

// The keyword arguments of each Keras constraint.
struct MaxNormArgs {
  float m = 2.f;
  Axis axis;
  static auto fields() {
    return kwargs::fields(kwargs::field("m", &MaxNormArgs::m, kwargs::positive()),
                          kwargs::field("axis", &MaxNormArgs::axis));
  }
};
struct UnitNormArgs {
  Axis axis;
  static auto fields() { return kwargs::fields(kwargs::field("axis", &UnitNormArgs::axis)); }
};
struct NonNegArgs {
  static auto fields() { return std::tuple<>(); }
};

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

Constraint::Kind find_kind(std::string_view name) {
  for (const Name& n : kNames)
    if (n.name == name) return n.kind;
  std::vector<std::string_view> names;
  for (const Name& n : kNames) names.push_back(n.name);
  throw ValueError(fmt::str("constraint ", fmt::quoted(name), " is not one of ", fmt::list(names)));
}

std::string axes_str(const std::vector<int>& axis) {
  return axis.size() == 1 ? std::to_string(axis[0]) : fmt::str("[", fmt::list(axis), "]");
}

// The summed axes resolved against w's rank, sorted; ShapeError naming the constraint.
std::vector<int> resolve_axes(const std::vector<int>& axis, const Shape& shape,
                              std::string_view who) {
  std::vector<int> out;
  for (int a : axis) {
    const int r = a < 0 ? a + shape.rank() : a;
    if (r < 0 || r >= shape.rank())
      throw ShapeError(fmt::str(std::string(who), ": axis ", a,
                                " is out of range for a weight of shape ", shape.str(), " (rank ",
                                shape.rank(), ")"));
    if (std::find(out.begin(), out.end(), r) != out.end())
      throw ShapeError(fmt::str(std::string(who), ": axis ", axes_str(axis),
                                " names the same axis twice for a weight of shape ", shape.str()));
    out.push_back(r);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Constraint build(std::string_view name, const Config& args) {
  const Constraint::Kind kind = find_kind(name);
  const std::string who = fmt::str("constraint ", fmt::quoted(name), ": ");
  switch (kind) {
    case Constraint::Kind::maxnorm: {
      const auto a = kwargs::from_config<MaxNormArgs>(args, who);
      return maxnorm(a.m, a.axis.axes);
    }
    case Constraint::Kind::unitnorm:
      return unitnorm(kwargs::from_config<UnitNormArgs>(args, who).axis.axes);
    case Constraint::Kind::nonneg:
      break;
  }
  (void)kwargs::from_config<NonNegArgs>(args, who);
  return nonneg();
}

}  // namespace

Constraint::Constraint(Kind kind, float m, std::vector<int> axis)
    : kind_(kind), m_(m), axis_(std::move(axis)) {}

Constraint maxnorm(float m, std::vector<int> axis) {
  kwargs::validate(MaxNormArgs{m, {axis}}, "maxnorm: ");
  return Constraint(Constraint::Kind::maxnorm, m, std::move(axis));
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
  if (!w.defined()) throw ValueError(fmt::str(std::string(name()), ": the weight is undefined"));
  Tensor out = w.clone();
  project(out);
  return out;
}

void Constraint::project(Tensor& w) const {
  if (!w.defined()) throw ValueError(fmt::str(std::string(name()), ": the weight is undefined"));
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
  Config c;
  switch (kind_) {
    case Kind::maxnorm:
      c = kwargs::to_config(MaxNormArgs{m_, {axis_}});
      c["name"] = "MaxNorm";
      return c;
    case Kind::unitnorm:
      c = kwargs::to_config(UnitNormArgs{{axis_}});
      c["name"] = "UnitNorm";
      return c;
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
      throw ValueError(fmt::str("constraint config ", fmt::repr(j), " needs a string 'name'"));
    Config args = j;
    args.erase("name");
    return build(name->get<std::string>(), args);
  }
  throw ValueError(
      fmt::str("constraint config must be a name or an object with a 'name', got ", fmt::repr(j)));
}

Constraint constraint_from_factory(std::string_view name, const Config& args) {
  return build(name, args);
}

std::vector<std::string> registered_constraint_names() {
  std::vector<std::string> out;
  for (const Name& n : kNames) out.emplace_back(n.name);
  return out;
}

}  // namespace keel::constraints
