// Keyword arguments: the one mechanism by which keel declares, validates, reads and writes the
// arguments of its layers, optimizers, regularizers, constraints and callbacks.
//
// An options struct declares each argument once, as a member with its default (the order of the
// Keras signature, so that designated initializers read like the Keras call), and lists the
// members once in a table, with the Keras name and the rule the value must keep:
//
//   struct SGDOptions {
//     float lr = 0.01f;        // learning rate
//     float momentum = 0.f;
//     static auto fields() {
//       using O = SGDOptions;
//       return kwargs::fields(kwargs::field("lr", &O::lr, kwargs::non_negative()),
//                             kwargs::field("momentum", &O::momentum, kwargs::unit_interval()));
//     }
//   };
//
// The table drives everything else, so no argument is spelled twice:
//   validate(o, who)          ValueError "<who>momentum is 1.5, expected a number in [0, 1)"
//   to_config(o)              the Keras config {"lr": 0.01, "momentum": 0.0}
//   from_config<O>(c, who)    O from a Keras config: missing keys keep their defaults (a
//                             `required` one — a positional argument with no default — is an
//                             error), null means the default (None for an optional), unknown
//                             keys and values of the wrong type are ValueErrors naming the key,
//                             then validate()
//   names<O>()                the Keras names, in order
//
// A field is `config` (read and written), `extension` (a keel argument Keras 1 does not have:
// read, and written only when it differs from its default, so that the config of an object
// that does not use it is one Keras 1 reads), `read_only` (accepted from a config, never
// written: keys Keras writes that keel resolves into others) or `runtime` (never in a config:
// weights, callables; validated only). Values go to and from JSON through Codec<T>; the types of
// core are here, other modules specialise Codec for theirs (Initializer, regularizers,
// constraints).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/json.h"
#include "keel/core/shape.h"

namespace keel::kwargs {

// --- codecs: a C++ value to and from its Keras config form ------------------------------------
//   static Config write(const T&);
//   static bool read(const Config& j, T& out);   false: j has the wrong type (may also throw
//                                                 keel::Error with a message of its own)
//   static std::string expected();               "an integer", "a list of 2 integers", ...
template <class T, class Enable = void>
struct Codec;

template <class T>
struct Codec<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static Config write(const T& v) { return v; }
  static bool read(const Config& j, T& out) {
    if (!j.is_number_integer()) return false;
    out = j.get<T>();
    return true;
  }
  static std::string expected() { return "an integer"; }
};

template <class T>
struct Codec<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static Config write(const T& v) { return static_cast<double>(v); }
  static bool read(const Config& j, T& out) {
    if (!j.is_number()) return false;
    out = j.get<T>();
    return true;
  }
  static std::string expected() { return "a number"; }
};

template <>
struct Codec<bool> {
  static Config write(bool v) { return v; }
  static bool read(const Config& j, bool& out) {
    if (!j.is_boolean()) return false;
    out = j.get<bool>();
    return true;
  }
  static std::string expected() { return "true or false"; }
};

template <>
struct Codec<std::string> {
  static Config write(const std::string& v) { return v; }
  static bool read(const Config& j, std::string& out) {
    if (!j.is_string()) return false;
    out = j.get<std::string>();
    return true;
  }
  static std::string expected() { return "a string"; }
};

template <>
struct Codec<std::vector<std::string>> {
  static Config write(const std::vector<std::string>& v) { return v; }
  static bool read(const Config& j, std::vector<std::string>& out) {
    if (!j.is_array()) return false;
    for (const auto& e : j)
      if (!e.is_string()) return false;
    out = j.get<std::vector<std::string>>();
    return true;
  }
  static std::string expected() { return "a list of strings"; }
};

// A fixed number of integers: a list of N, or one integer for every entry (Keras tuples; a bare
// int is a keel extension).
template <class T, std::size_t N>
struct Codec<std::array<T, N>, std::enable_if_t<std::is_integral_v<T>>> {
  static Config write(const std::array<T, N>& v) { return Config(v); }
  static bool read(const Config& j, std::array<T, N>& out) {
    if (j.is_number_integer()) {
      out.fill(j.get<T>());
      return true;
    }
    if (!j.is_array() || j.size() != N) return false;
    for (std::size_t i = 0; i < N; ++i) {
      if (!j[i].is_number_integer()) return false;
      out[i] = j[i].template get<T>();
    }
    return true;
  }
  static std::string expected() { return fmt::str("a list of ", N, " integers"); }
};

template <class T>
struct Codec<std::vector<T>, std::enable_if_t<std::is_integral_v<T>>> {
  static Config write(const std::vector<T>& v) { return Config(v); }
  static bool read(const Config& j, std::vector<T>& out) {
    if (!j.is_array()) return false;
    std::vector<T> v;
    for (const Config& e : j) {
      if (!e.is_number_integer()) return false;
      v.push_back(e.get<T>());
    }
    out = std::move(v);
    return true;
  }
  static std::string expected() { return "a list of integers"; }
};

// N integers: a Keras tuple argument (subsample, pool_size, size, atrous_rate, ...). Made from
// N values or from one int for every entry (a keel extension: Keras 1 wanted the tuple). It
// holds what it was given; validate() checks the count, so that the error names the argument.
template <std::size_t N>
class Ints {
 public:
  static constexpr std::size_t kCount = N;
  Ints() : v_(N, 0) {}
  Ints(std::int64_t all) : v_(N, all) {}                  // NOLINT(google-explicit-constructor)
  Ints(std::initializer_list<std::int64_t> v) : v_(v) {}  // NOLINT(google-explicit-constructor)
  Ints(std::span<const std::int64_t> v)
      : v_(v.begin(), v.end()) {}                      // NOLINT(google-explicit-constructor)
  Ints(const std::vector<std::int64_t>& v) : v_(v) {}  // NOLINT(google-explicit-constructor)
  Ints(const std::array<std::int64_t, N>& v) : v_(v.begin(), v.end()) {}  // NOLINT

  std::size_t size() const { return v_.size(); }
  std::int64_t operator[](std::size_t i) const { return v_.at(i); }
  const std::vector<std::int64_t>& vec() const { return v_; }
  auto begin() const { return v_.begin(); }
  auto end() const { return v_.end(); }
  friend bool operator==(const Ints&, const Ints&) = default;

 private:
  std::vector<std::int64_t> v_;
};

template <std::size_t N>
struct Codec<Ints<N>> {
  static Config write(const Ints<N>& v) { return Config(v.vec()); }
  static bool read(const Config& j, Ints<N>& out) {
    if (j.is_number_integer()) {
      out = Ints<N>(j.get<std::int64_t>());
      return true;
    }
    std::vector<std::int64_t> v;
    if (!Codec<std::vector<std::int64_t>>::read(j, v)) return false;
    out = Ints<N>(std::span<const std::int64_t>(v));
    return true;
  }
  static std::string expected() { return fmt::str("a list of ", N, " integers"); }
};

// A Keras shape: a list of dimensions, null for an unknown one; rank 0 is written as null.
template <>
struct Codec<Shape> {
  static Config write(const Shape& s);
  static bool read(const Config& j, Shape& out);
  static std::string expected() { return "a list of at most 6 dimensions (integers >= 0 or null)"; }
};

// Any JSON value, kept as it is (arguments keel passes through or checks with a rule).
template <>
struct Codec<Config> {
  static Config write(const Config& v) { return v; }
  static bool read(const Config& j, Config& out) {
    out = j;
    return true;
  }
  static std::string expected() { return "a JSON value"; }
};

// None or a value.
template <class T>
struct Codec<std::optional<T>> {
  static Config write(const std::optional<T>& v) {
    return v ? Codec<T>::write(*v) : Config(nullptr);
  }
  static bool read(const Config& j, std::optional<T>& out) {
    if (j.is_null()) {
      out.reset();
      return true;
    }
    if constexpr (std::is_default_constructible_v<T>) {
      T value{};
      if (!Codec<T>::read(j, value)) return false;
      out = std::move(value);
    } else {
      out = Codec<T>::parse(j);  // a codec of a type with no default: parse() or throw
    }
    return true;
  }
  static std::string expected() { return Codec<T>::expected() + " or null"; }
};

// --- rules: what a value must be ---------------------------------------------------------------
// A rule returns "" for a valid value, else the text after "expected" ("> 0", "one of a, b").
template <class T>
using Rule = std::function<std::string(const T&)>;

namespace detail {
template <class T>
concept Sequence = requires(const T& v) {
  v.begin();
  v.end();
}
&&!std::is_convertible_v<T, std::string_view>;

template <class T>
bool finite(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isfinite(v);
  } else {
    return true;
  }
}
}  // namespace detail

// Numbers (each entry of a list or tuple) > 0, >= 0, >= lo, in [0, 1) or in [lo, hi].
struct positive {
  template <class T>
  operator Rule<T>() const {  // NOLINT(google-explicit-constructor)
    return [](const T& v) -> std::string {
      if constexpr (detail::Sequence<T>) {
        for (const auto& e : v)
          if (!(e > 0)) return "every entry > 0";
        return "";
      } else {
        return detail::finite(v) && v > 0 ? "" : "> 0";
      }
    };
  }
};
struct non_negative {
  template <class T>
  operator Rule<T>() const {  // NOLINT(google-explicit-constructor)
    return [](const T& v) -> std::string {
      if constexpr (detail::Sequence<T>) {
        for (const auto& e : v)
          if (!(e >= 0)) return "every entry >= 0";
        return "";
      } else {
        return detail::finite(v) && v >= 0
                   ? ""
                   : (std::is_floating_point_v<T> ? "a finite number >= 0" : ">= 0");
      }
    };
  }
};
struct at_least {
  double lo;
  template <class T>
  operator Rule<T>() const {  // NOLINT(google-explicit-constructor)
    return [lo = lo](const T& v) -> std::string {
      if constexpr (detail::Sequence<T>) {
        for (const auto& e : v)
          if (!(static_cast<double>(e) >= lo)) return fmt::str("every entry >= ", lo);
        return "";
      } else {
        return detail::finite(v) && static_cast<double>(v) >= lo ? "" : fmt::str(">= ", lo);
      }
    };
  }
};
struct unit_interval {
  template <class T>
  operator Rule<T>() const {  // NOLINT(google-explicit-constructor)
    return [](const T& v) -> std::string { return v >= 0 && v < 1 ? "" : "a number in [0, 1)"; };
  }
};
struct in_range {
  double lo, hi;
  template <class T>
  operator Rule<T>() const {  // NOLINT(google-explicit-constructor)
    return [lo = lo, hi = hi](const T& v) -> std::string {
      const double d = static_cast<double>(v);
      return d >= lo && d <= hi ? "" : fmt::str("a number in [", lo, ", ", hi, "]");
    };
  }
};
// A string among `choices`.
Rule<std::string> one_of(std::initializer_list<std::string_view> choices);
Rule<std::string> one_of(std::vector<std::string> choices);
// An optional value: none is always valid, a value must keep `rule`.
template <class T>
Rule<std::optional<T>> if_given(Rule<T> rule) {
  return
      [rule = std::move(rule)](const std::optional<T>& v) { return v ? rule(*v) : std::string(); };
}

// --- fields and tables ------------------------------------------------------------------------
enum class Use { config, extension, read_only, runtime };

template <class O, class T, Use U = Use::config>
struct Field {
  using Options = O;
  using Type = T;
  static constexpr Use use = U;
  std::string_view name;
  T O::*member;
  Rule<T> rule;
  bool required = false;  // a config without this key is an error (positional arguments)
};

template <class O, class T>
Field<O, T> field(std::string_view name, T O::*member, std::type_identity_t<Rule<T>> rule = {}) {
  return {name, member, std::move(rule)};
}
// A positional argument with no default: a config must give it.
template <class O, class T>
Field<O, T> required(std::string_view name, T O::*member, std::type_identity_t<Rule<T>> rule = {}) {
  return {name, member, std::move(rule), true};
}
template <class O, class T>
Field<O, T, Use::extension> extension(std::string_view name, T O::*member,
                                      std::type_identity_t<Rule<T>> rule = {}) {
  return {name, member, std::move(rule)};
}
template <class O, class T>
Field<O, T, Use::read_only> read_only(std::string_view name, T O::*member,
                                      std::type_identity_t<Rule<T>> rule = {}) {
  return {name, member, std::move(rule)};
}
template <class O, class T>
Field<O, T, Use::runtime> runtime(std::string_view name, T O::*member,
                                  std::type_identity_t<Rule<T>> rule = {}) {
  return {name, member, std::move(rule)};
}

// A table: a tuple of fields (concatenate tables with std::tuple_cat).
template <class... F>
auto fields(F... f) {
  return std::tuple<F...>(std::move(f)...);
}

template <class O>
concept HasFields = requires {
  O::fields();
};

namespace detail {
// A value as a message shows it: floats in their own shortest form, the rest as Python repr.
template <class T>
std::string describe(const T& v) {
  if constexpr (std::is_floating_point_v<T>) {
    return fmt::number(v);
  } else {
    return fmt::repr(Codec<T>::write(v));
  }
}

template <class O, class Fn>
void for_each_field(Fn&& fn) {
  static const auto table = O::fields();
  std::apply([&](const auto&... f) { (fn(f), ...); }, table);
}
}  // namespace detail

// The Keras names of O's fields that a config may hold, in table order.
template <HasFields O>
std::vector<std::string_view> names() {
  std::vector<std::string_view> out;
  detail::for_each_field<O>([&](const auto& f) {
    if constexpr (std::remove_cvref_t<decltype(f)>::use != Use::runtime) out.push_back(f.name);
  });
  return out;
}

// ValueError "<who><name> is <value>, expected <rule>" for the first field that breaks its rule.
template <HasFields O>
void validate(const O& o, std::string_view who) {
  detail::for_each_field<O>([&](const auto& f) {
    using F = std::remove_cvref_t<decltype(f)>;
    using T = typename F::Type;
    if constexpr (requires { T::kCount; }) {
      if ((o.*(f.member)).size() != T::kCount)
        throw ValueError(fmt::str(who, f.name, " is ", fmt::repr(Codec<T>::write(o.*(f.member))),
                                  ", expected ", Codec<T>::expected()));
    }
    if (!f.rule) return;
    const std::string expected = f.rule(o.*(f.member));
    if (expected.empty()) return;
    if constexpr (F::use == Use::runtime) {
      throw ValueError(fmt::str(who, f.name, " is invalid, expected ", expected));
    } else {
      throw ValueError(
          fmt::str(who, f.name, " is ", detail::describe(o.*(f.member)), ", expected ", expected));
    }
  });
}

// The Keras config of `o`: every `config` field, and each `extension` field not at its default.
template <HasFields O>
Config to_config(const O& o) {
  Config c = Config::object();
  const O defaults{};
  detail::for_each_field<O>([&](const auto& f) {
    using F = std::remove_cvref_t<decltype(f)>;
    if constexpr (F::use == Use::config) {
      c[std::string(f.name)] = Codec<typename F::Type>::write(o.*(f.member));
    } else if constexpr (F::use == Use::extension) {
      if (!(o.*(f.member) == defaults.*(f.member)))
        c[std::string(f.name)] = Codec<typename F::Type>::write(o.*(f.member));
    }
  });
  return c;
}

// Reads the keys of `c` into `o` (keys absent keep o's values) and validates (unless `check` is
// false). ValueError for a
// config that is not an object, an unknown key (listing the known ones), or a value of the wrong
// type; a codec's own Error is re-raised prefixed with `who` and the key.
template <HasFields O>
void read_config(const Config& c, O& o, std::string_view who, bool check = true) {
  if (c.is_null()) {
    if (check) validate(o, who);
    return;
  }
  if (!c.is_object())
    throw ValueError(
        fmt::str(who, "the config must be an object of keyword arguments, got ", fmt::repr(c)));
  for (auto it = c.begin(); it != c.end(); ++it) {
    const std::string& key = it.key();  // no structured binding: clang 14 cannot capture one
    const Config& value = it.value();
    bool known = false;
    detail::for_each_field<O>([&](const auto& f) {
      using F = std::remove_cvref_t<decltype(f)>;
      if constexpr (F::use != Use::runtime) {
        if (known || f.name != key) return;
        known = true;
        using T = typename F::Type;
        if (value.is_null() && !requires(T t) { t.reset(); }) return;  // None: the default
        bool ok = false;
        try {
          ok = Codec<T>::read(value, o.*(f.member));
        } catch (const Error& e) {
          throw ValueError(fmt::str(who, key, ": ", e.what()));
        }
        if (!ok)
          throw ValueError(
              fmt::str(who, key, " is ", fmt::repr(value), ", expected ", Codec<T>::expected()));
      }
    });
    if (!known) {
      const auto keys = names<O>();
      throw ValueError(
          fmt::str(who, "unexpected argument '", key, "', expected ",
                   keys.empty() ? std::string("no arguments") : "one of " + fmt::list(keys)));
    }
  }
  detail::for_each_field<O>([&](const auto& f) {
    using F = std::remove_cvref_t<decltype(f)>;
    if constexpr (F::use != Use::runtime) {
      if (f.required && !c.contains(std::string(f.name)))
        throw ValueError(
            fmt::str(who, f.name, " is missing, expected ", Codec<typename F::Type>::expected()));
    }
  });
  if (check) validate(o, who);
}

// O from a config; `check` = false leaves validate() to the caller (a layer validates its
// options at construction, with its label in the messages).
template <HasFields O>
O from_config(const Config& c, std::string_view who, bool check = true) {
  O o{};
  read_config(c, o, who, check);
  return o;
}

}  // namespace keel::kwargs
