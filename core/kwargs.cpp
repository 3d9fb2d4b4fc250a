#include "keel/core/kwargs.h"

#include <algorithm>

namespace keel::kwargs {

Config Codec<Shape>::write(const Shape& s) {
  if (s.rank() == 0) return nullptr;
  Config out = Config::array();
  for (int i = 0; i < s.rank(); ++i) {
    if (s[i] == Shape::kUnknown) {
      out.push_back(nullptr);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool Codec<Shape>::read(const Config& j, Shape& out) {
  if (j.is_null()) {
    out = Shape();
    return true;
  }
  if (!j.is_array() || j.size() > static_cast<std::size_t>(Shape::kMaxRank)) return false;
  std::vector<std::int64_t> dims;
  for (const Config& e : j) {
    if (e.is_null()) {
      dims.push_back(Shape::kUnknown);
    } else if (e.is_number_integer() && e.get<std::int64_t>() >= 0) {
      dims.push_back(e.get<std::int64_t>());
    } else {
      return false;
    }
  }
  out = Shape(dims);
  return true;
}

Rule<std::string> one_of(std::vector<std::string> choices) {
  return [choices = std::move(choices)](const std::string& v) -> std::string {
    if (std::find(choices.begin(), choices.end(), v) != choices.end()) return "";
    return "one of " + fmt::list(choices);
  };
}

Rule<std::string> one_of(std::initializer_list<std::string_view> choices) {
  return one_of(std::vector<std::string>(choices.begin(), choices.end()));
}

}  // namespace keel::kwargs
