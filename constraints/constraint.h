// Weight constraints: Keras 1.2.2's maxnorm, nonneg and unitnorm (keras/constraints.py),
// the projections an optimizer applies to a weight right after each update.
//
// With eps = 1e-7 (K.epsilon()) and n = sqrt(sum over `axis` of w^2, keepdims):
//   maxnorm(m = 2, axis = 0):  w * clip(n, 0, m) / (eps + n)
//   unitnorm(axis = 0):        w / (eps + n)
//   nonneg():                  w * (w >= 0)
// `axis` (one or more axes) refers to the Keras-layout weight as stored and may be negative:
// the default 0 is the kernel-rows axis of a tf Convolution2D kernel; a per-filter norm there
// needs axis {0, 1, 2}. project(w) rewrites w in place in the layout it is stored in (a kernel
// in its convolution's blocked layout stays there: no reorder); the norms are summed in double,
// the rest is float32 in Keras's order of operations. apply(w) is the same on a copy.
//
// Throws: ValueError for m <= 0 (or not finite), an unknown name (listing the known ones), an
// unexpected argument or a malformed config; ShapeError from apply() for an axis out of range
// for the weight or given twice, naming the constraint, the axis and the weight's shape.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "keel/core/json.h"
#include "keel/core/kwargs.h"
#include "keel/core/tensor.h"

namespace keel::constraints {

inline constexpr float kEpsilon = 1e-7f;

class Constraint;

// ValueError if m <= 0 or not finite.
Constraint maxnorm(float m = 2.f, std::vector<int> axis = {0});
Constraint nonneg();
Constraint unitnorm(std::vector<int> axis = {0});

class Constraint {
 public:
  enum class Kind { maxnorm, nonneg, unitnorm };

  Kind kind() const { return kind_; }
  // "maxnorm", "nonneg" or "unitnorm".
  std::string_view name() const;
  // maxnorm's bound (0 for the others).
  float m() const { return m_; }
  // The summed axes of maxnorm and unitnorm, as given (empty for nonneg).
  const std::vector<int>& axis() const { return axis_; }

  // w projected in place, in any layout (the weight-layout rule of autograd/variable.h).
  void project(Tensor& w) const;
  // A projected copy of w, in w's layout.
  Tensor apply(const Tensor& w) const;

  // {"name": "MaxNorm", "m": m, "axis": axis} / {"name": "NonNeg"} /
  // {"name": "UnitNorm", "axis": axis}; axis is an int when it holds one axis, else a list.
  Config get_config() const;

  friend bool operator==(const Constraint&, const Constraint&) = default;

 private:
  Constraint(Kind kind, float m, std::vector<int> axis);
  friend Constraint maxnorm(float m, std::vector<int> axis);
  friend Constraint nonneg();
  friend Constraint unitnorm(std::vector<int> axis);

  Kind kind_;
  float m_;
  std::vector<int> axis_;
};

// A Keras constraint identifier: a name ("maxnorm", "nonneg", "unitnorm" or the class names
// "MaxNorm", "NonNeg", "UnitNorm"), giving the defaults, or an object {"name": NAME, ...its
// keyword arguments} such as get_config() gives. A null config (Keras' None) is a ValueError:
// callers treat "no constraint" themselves.
Constraint constraint_from_config(const Config& j);

// The conformance-manifest form: a name as above and its keyword arguments
// ({"m": 2, "axis": 0}, {"axis": [0, 1, 2]}, {} or null; missing ones take their defaults).
Constraint constraint_from_factory(std::string_view name, const Config& args);

// The names constraint_from_config takes.
std::vector<std::string> registered_constraint_names();

}  // namespace keel::constraints

namespace keel::kwargs {

// A constraint in a config: its get_config() object (read: any form constraint_from_config
// takes).
template <>
struct Codec<constraints::Constraint> {
  static Config write(const constraints::Constraint& v) { return v.get_config(); }
  static constraints::Constraint parse(const Config& j) {
    return constraints::constraint_from_config(j);
  }
  static bool read(const Config& j, constraints::Constraint& out) {
    out = parse(j);
    return true;
  }
  static std::string expected() { return "a constraint config"; }
};

}  // namespace keel::kwargs
