#include "keel/layers/config_reader.h"

#include "keel/core/error.h"

namespace keel::layers {

ConfigReader::ConfigReader(const Config& config, std::string who)
    : config_(config), who_(std::move(who)) {
  if (!config_.is_object())
    throw ValueError(who_ + "config must be a JSON object, got " + config_.dump());
}

bool ConfigReader::has(const std::string& key) const {
  return config_.contains(key) && !config_.at(key).is_null();
}

const Config& ConfigReader::lookup(const std::string& key) {
  read_.insert(key);
  static const Config null_value;
  auto it = config_.find(key);
  return it == config_.end() ? null_value : *it;
}

void ConfigReader::fail(const std::string& key, const std::string& expected) const {
  throw ValueError(who_ + key + " is " + config_.at(key).dump() + ", expected " + expected);
}

std::int64_t ConfigReader::get_int(const std::string& key, std::int64_t fallback) {
  const Config& v = lookup(key);
  if (v.is_null()) return fallback;
  if (!v.is_number_integer()) fail(key, "an integer");
  return v.get<std::int64_t>();
}

std::vector<std::int64_t> ConfigReader::get_ints(const std::string& key, std::size_t n,
                                                 std::vector<std::int64_t> fallback, bool int_ok) {
  const Config& v = lookup(key);
  if (v.is_null()) return fallback;
  if (int_ok && v.is_number_integer()) return std::vector<std::int64_t>(n, v.get<std::int64_t>());
  if (!v.is_array() || v.size() != n)
    fail(key, "a list of " + std::to_string(n) + " integers");
  std::vector<std::int64_t> out;
  for (const auto& e : v) {
    if (!e.is_number_integer()) fail(key, "a list of " + std::to_string(n) + " integers");
    out.push_back(e.get<std::int64_t>());
  }
  return out;
}

std::string ConfigReader::get_string(const std::string& key, const std::string& fallback) {
  const Config& v = lookup(key);
  if (v.is_null()) return fallback;
  if (!v.is_string()) fail(key, "a string");
  return v.get<std::string>();
}

bool ConfigReader::get_bool(const std::string& key, bool fallback) {
  const Config& v = lookup(key);
  if (v.is_null()) return fallback;
  if (!v.is_boolean()) fail(key, "true or false");
  return v.get<bool>();
}

double ConfigReader::get_double(const std::string& key, double fallback) {
  const Config& v = lookup(key);
  if (v.is_null()) return fallback;
  if (!v.is_number()) fail(key, "a number");
  return v.get<double>();
}

Shape ConfigReader::get_shape(const std::string& key) {
  const Config& v = lookup(key);
  if (v.is_null()) return Shape();
  if (!v.is_array()) fail(key, "a list of dimensions (integers or null)");
  std::vector<std::int64_t> dims;
  for (const auto& e : v) {
    if (e.is_null()) {
      dims.push_back(Shape::kUnknown);
    } else if (e.is_number_integer() && e.get<std::int64_t>() >= 0) {
      dims.push_back(e.get<std::int64_t>());
    } else {
      fail(key, "a list of dimensions (integers >= 0 or null)");
    }
  }
  if (dims.size() > static_cast<std::size_t>(Shape::kMaxRank)) fail(key, "at most 6 dimensions");
  return Shape(dims);
}

std::optional<regularizers::L1L2Regularizer> ConfigReader::get_regularizer(const std::string& key) {
  const Config& v = lookup(key);
  if (v.is_null()) return std::nullopt;
  try {
    return regularizers::regularizer_from_config(v);
  } catch (const Error& e) {
    throw ValueError(who_ + key + ": " + e.what());
  }
}

std::optional<constraints::Constraint> ConfigReader::get_constraint(const std::string& key) {
  const Config& v = lookup(key);
  if (v.is_null()) return std::nullopt;
  try {
    return constraints::constraint_from_config(v);
  } catch (const Error& e) {
    throw ValueError(who_ + key + ": " + e.what());
  }
}

Config ConfigReader::get_raw(const std::string& key) { return lookup(key); }

BaseOptions ConfigReader::get_base() {
  BaseOptions base;
  base.name = get_string("name", "");
  base.trainable = get_bool("trainable", true);
  base.input_shape = get_shape("input_shape");
  base.batch_input_shape = get_shape("batch_input_shape");
  (void)get_string("input_dtype", "float32");
  return base;
}

void ConfigReader::finish() const {
  std::string unknown;
  for (auto it = config_.begin(); it != config_.end(); ++it)
    if (!read_.count(it.key())) unknown += (unknown.empty() ? "'" : ", '") + it.key() + "'";
  if (!unknown.empty()) throw ValueError(who_ + "unknown argument(s) " + unknown);
}

Config shape_to_config(const Shape& s) {
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

}  // namespace keel::layers
