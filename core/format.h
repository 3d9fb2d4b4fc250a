// The one way keel writes error text: str(...) concatenates, and a handful of formatters spell
// values the way Keras users read them. Every message keel throws is built from these.
//
//   throw ValueError(fmt::str(who, "nb_filter is ", n, ", expected > 0"));
//   fmt::sizes({2, 1})      "(2, 1)"      a size argument as given: one value bare, "3"
//   fmt::tuple({2})         "(2,)"        a Python tuple, one-element tuples with the comma
//   fmt::list(names)        "a, b, c"     the items of a choice, for "expected one of a, b, c"
//   fmt::quoted("sane")     "'sane'"
//   fmt::repr(config)       Python's repr of a JSON value: 'same', 3, 0.5, True, None, [1, 2]
//
// Numbers print in their shortest round-trip form (0.1f prints "0.1", not "0.100000001").
// Every message about an object starts with its owner's prefix: fmt::owner("Convolution2D",
// "conv_1") is "Convolution2D 'conv_1': ", fmt::owner("Adam") is "Adam: ".
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "keel/core/json.h"

namespace keel::fmt {

// Shortest text that reads back as the same value.
template <std::floating_point F>
std::string number(F v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace detail {

template <class T>
void append(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out += std::string_view(v);
  } else if constexpr (std::is_same_v<T, char>) {
    out += v;
  } else if constexpr (std::is_floating_point_v<T>) {
    out += number(v);
  } else if constexpr (std::is_integral_v<T>) {
    out += std::to_string(v);
  } else if constexpr (std::is_enum_v<T>) {
    out += std::to_string(static_cast<long long>(v));
  } else if constexpr (requires { v.str(); }) {
    out += v.str();
  } else {
    static_assert(sizeof(T) == 0, "fmt::str: no text form for this type");
  }
}

}  // namespace detail

// The arguments' text forms, concatenated.
template <class... Args>
std::string str(const Args&... args) {
  std::string out;
  (detail::append(out, args), ...);
  return out;
}

// The items joined with `sep`, each as str() writes it.
template <class Range>
std::string list(const Range& items, std::string_view sep = ", ");

// A Python tuple: "(2, 1)", "(2,)", "()".
template <class Range>
std::string tuple(const Range& v) {
  std::string out = "(";
  out += list(v);
  out += std::size(v) == 1 ? ",)" : ")";
  return out;
}
inline std::string tuple(std::initializer_list<std::int64_t> v) {
  return tuple(std::vector<std::int64_t>(v));
}
// "3" for one size, "(2, 1)" for several: how a Keras size argument reads.
template <class Range>
std::string sizes(const Range& v) {
  return std::size(v) == 1 ? str(*std::begin(v)) : tuple(v);
}
inline std::string sizes(std::initializer_list<std::int64_t> v) {
  return sizes(std::vector<std::int64_t>(v));
}

template <class Range>
std::string list(const Range& items, std::string_view sep) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += sep;
    first = false;
    detail::append(out, item);
  }
  return out;
}

std::string quoted(std::string_view s);

// Python's repr of a config value: strings in single quotes, True/False/None, lists in [].
std::string repr(const Config& value);

// "Class 'name': " (or "Class: " without a name): the start of every message about an object.
std::string owner(std::string_view class_name, std::string_view name = {});

}  // namespace keel::fmt
