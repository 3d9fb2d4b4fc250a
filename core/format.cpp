#include "keel/core/format.h"

namespace keel::fmt {

std::string quoted(std::string_view s) { return str("'", s, "'"); }

std::string repr(const Config& v) {
  switch (v.type()) {
    case Config::value_t::null:
      return "None";
    case Config::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case Config::value_t::string:
      return fmt::quoted(v.get_ref<const std::string&>());
    case Config::value_t::number_integer:
      return std::to_string(v.get<std::int64_t>());
    case Config::value_t::number_unsigned:
      return std::to_string(v.get<std::uint64_t>());
    case Config::value_t::number_float:
      return number(v.get<double>());
    case Config::value_t::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + repr(v[i]);
      return out + "]";
    }
    case Config::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, value] : v.items()) {
        out += (first ? "" : ", ") + fmt::quoted(key) + ": " + repr(value);
        first = false;
      }
      return out + "}";
    }
    default:
      return v.dump();
  }
}

std::string owner(std::string_view class_name, std::string_view name) {
  if (name.empty()) return str(class_name, ": ");
  return str(class_name, " '", name, "': ");
}

}  // namespace keel::fmt
