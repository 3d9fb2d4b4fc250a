// Weight and activity regularizers: Keras 1.2.2's L1L2Regularizer (keras/regularizers.py).
//
// penalty(x) = l1 * sum(|x|) + l2 * sum(x^2) over every element of x (for an activity
// regularizer x is the layer's whole output, batch included: summed, not averaged). It is a
// scalar Variable built from differentiable ops, so a Tape gives its gradient
// l1 * sign(x) + 2 * l2 * x, with sign(0) = 0 as in TensorFlow. A term whose coefficient is 0 is
// left out; with both 0 the penalty is the constant 0.
//
// WeightRegularizer and ActivityRegularizer are the same class, as in Keras. The coefficients
// are float32 (Keras casts them), and must be finite and >= 0.
//
// Throws: ValueError for a negative or non-finite coefficient, an unknown name (listing the
// known ones), an unexpected argument or a malformed config.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "keel/autograd/variable.h"
#include "keel/core/json.h"
#include "keel/core/kwargs.h"

namespace keel::regularizers {

class L1L2Regularizer {
 public:
  L1L2Regularizer(float l1 = 0.f, float l2 = 0.f);

  float l1() const { return l1_; }
  float l2() const { return l2_; }

  // A scalar Variable (shape ()): l1 * sum|x| + l2 * sum x^2.
  Variable penalty(const Variable& x) const;

  // {"name": "L1L2Regularizer", "l1": l1, "l2": l2}
  Config get_config() const;

  friend bool operator==(const L1L2Regularizer&, const L1L2Regularizer&) = default;

 private:
  float l1_;
  float l2_;
};

using WeightRegularizer = L1L2Regularizer;
using ActivityRegularizer = L1L2Regularizer;

// The Keras shortcuts.
L1L2Regularizer l1(float l = 0.01f);
L1L2Regularizer l2(float l = 0.01f);
L1L2Regularizer l1l2(float l1 = 0.01f, float l2 = 0.01f);
L1L2Regularizer activity_l1(float l = 0.01f);
L1L2Regularizer activity_l2(float l = 0.01f);
L1L2Regularizer activity_l1l2(float l1 = 0.01f, float l2 = 0.01f);

// A Keras regularizer identifier:
//  - a string: a shortcut name ("l1", "l2", "l1l2", "activity_l1", "activity_l2",
//    "activity_l1l2") with its default coefficients 0.01, or a class name ("L1L2Regularizer",
//    "WeightRegularizer", "ActivityRegularizer") with l1 = l2 = 0;
//  - an object {"name": NAME, ...keyword arguments of NAME}: {"name": "L1L2Regularizer",
//    "l1": .., "l2": ..} (what get_config() gives), {"name": "l1", "l": ..}, ...
// A null config (Keras' None) is a ValueError: callers treat "no regularizer" themselves.
L1L2Regularizer regularizer_from_config(const Config& j);

// The conformance-manifest form: a factory name (a shortcut or class name as above) and its
// keyword arguments ({"l": ..} for l1 / l2 / activity_l1 / activity_l2, {"l1": .., "l2": ..}
// for the others; missing arguments take their defaults; null means no arguments).
L1L2Regularizer regularizer_from_factory(std::string_view factory, const Config& args);

// The names regularizer_from_config takes.
std::vector<std::string> registered_regularizer_names();

}  // namespace keel::regularizers

namespace keel::kwargs {

// A regularizer in a config: its get_config() object (read: any form regularizer_from_config
// takes).
template <>
struct Codec<regularizers::L1L2Regularizer> {
  static Config write(const regularizers::L1L2Regularizer& v) { return v.get_config(); }
  static bool read(const Config& j, regularizers::L1L2Regularizer& out) {
    out = regularizers::regularizer_from_config(j);
    return true;
  }
  static std::string expected() { return "a regularizer config"; }
};

}  // namespace keel::kwargs
