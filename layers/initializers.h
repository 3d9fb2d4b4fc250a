// Weight initializers: the Keras 1.2.2 `init=` names (keras/initializations.py).
//
// An initializer maps a Keras-layout weight shape and the weight's fans to a new plain tensor
// of that shape. The fans are computed by the layer that owns the weight (it knows its layout;
// see KERAS1_SEMANTICS.md 4.2): an initializer never derives them from the shape.
// Random initializers draw from keel::global_rng(), so keel::set_seed() makes them reproducible.
//
//   name            distribution
//   uniform         U(-0.05, 0.05)
//   normal          N(0, 0.05)
//   lecun_uniform   U(+-sqrt(3 / fan_in))
//   glorot_normal   N(0, sqrt(2 / (fan_in + fan_out)))
//   glorot_uniform  U(+-sqrt(6 / (fan_in + fan_out)))       the default
//   he_normal       N(0, sqrt(2 / fan_in))
//   he_uniform      U(+-sqrt(6 / fan_in))
//   orthogonal      1.1 * an orthonormal matrix of shape (shape[0], prod(shape[1:])), reshaped
//   identity        the identity matrix (square 2D shapes only)
//   zero, one       constants
//
// Throws: ValueError for an unknown name (listing the known ones), for fans a formula cannot
// use (fan_in <= 0, fan_in + fan_out <= 0), for identity on a non-square or non-2D shape and
// orthogonal on a scalar shape; ShapeError when a user callable returns a tensor of the wrong
// shape.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "keel/core/kwargs.h"
#include "keel/core/shape.h"
#include "keel/core/tensor.h"

namespace keel {

// The fan-in and fan-out of one weight, as the owning layer computes them.
struct Fans {
  double fan_in;
  double fan_out;
};

class Initializer;

// A user callable `Tensor(const Shape&, const Fans&)` (that is not an Initializer or a name).
template <typename F>
concept InitializerCallable =
    !std::same_as<std::remove_cvref_t<F>, Initializer> && !std::is_convertible_v<F, std::string> &&
    std::is_invocable_r_v<Tensor, const std::remove_cvref_t<F>&, const Shape&, const Fans&>;

// A value type: an initializer's Keras name and the function that draws the weight.
// Implicit from a Keras name ("he_normal") or from a user callable
// `Tensor(const Shape& shape, const Fans& fans)` (named "custom").
class Initializer {
 public:
  using Fn = std::function<Tensor(const Shape& shape, const Fans& fans)>;

  // "glorot_uniform", the Keras default for kernels.
  Initializer();
  // A Keras name; ValueError if it is not one of the known names.
  Initializer(const char* name);         // NOLINT(google-explicit-constructor)
  Initializer(const std::string& name);  // NOLINT(google-explicit-constructor)
  // A user callable, named "custom".
  template <InitializerCallable F>
  Initializer(F&& fn)  // NOLINT(google-explicit-constructor)
      : Initializer(std::string("custom"), Fn(std::forward<F>(fn))) {}
  // A user callable under a name of the caller's choice; ValueError if `fn` is empty.
  Initializer(std::string name, Fn fn);

  // A new tensor of `shape`; a custom callable's result must have exactly that shape.
  Tensor operator()(const Shape& shape, const Fans& fans) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  Fn fn_;
};

namespace initializers {

using keel::Fans;

// {in_channels * receptive_field, out_channels * receptive_field}.
Fans conv_fans(std::int64_t in_channels, std::int64_t out_channels, std::int64_t receptive_field);

// The Keras names, in the order of keras/initializations.py.
std::span<const std::string_view> names();

// The initializers themselves (fans are ignored by those that do not use them).
Tensor uniform(const Shape& shape, const Fans& fans);
Tensor normal(const Shape& shape, const Fans& fans);
Tensor lecun_uniform(const Shape& shape, const Fans& fans);
Tensor glorot_normal(const Shape& shape, const Fans& fans);
Tensor glorot_uniform(const Shape& shape, const Fans& fans);
Tensor he_normal(const Shape& shape, const Fans& fans);
Tensor he_uniform(const Shape& shape, const Fans& fans);
// Rows (when shape[0] <= prod(shape[1:])) or columns of the flattened matrix are orthonormal,
// then scaled by `scale`.
Tensor orthogonal(const Shape& shape, const Fans& fans, double scale = 1.1);
Tensor identity(const Shape& shape, const Fans& fans, double scale = 1.0);
Tensor zero(const Shape& shape, const Fans& fans);
Tensor one(const Shape& shape, const Fans& fans);

}  // namespace initializers
}  // namespace keel

namespace keel::kwargs {

// An initializer in a config is its Keras name ("glorot_uniform"); a custom callable is
// written as its name ("custom") and cannot be read back.
template <>
struct Codec<Initializer> {
  static Config write(const Initializer& v) { return v.name(); }
  static bool read(const Config& j, Initializer& out) {
    if (!j.is_string()) return false;
    out = Initializer(j.get<std::string>());
    return true;
  }
  static std::string expected() { return "an initializer name"; }
};

}  // namespace keel::kwargs
