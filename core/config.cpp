#include "keel/core/config.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <mutex>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

std::string_view to_string(DimOrdering d) { return d == DimOrdering::tf ? "tf" : "th"; }

DimOrdering parse_dim_ordering(std::string_view value, std::string_view what) {
  if (value == "tf") return DimOrdering::tf;
  if (value == "th") return DimOrdering::th;
  if (value == "default") return default_dim_ordering();
  throw ValueError(fmt::str(std::string(what), ": dim_ordering '", std::string(value),
                            "' is not one of tf, th"));
}

std::filesystem::path default_config_path() {
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : ".") / ".keel" / "keel.json";
}

DimOrdering resolve_dim_ordering(const char* env_value, const std::filesystem::path& config_file) {
  if (env_value && *env_value) return parse_dim_ordering(env_value, "KEEL_DIM_ORDERING");
  std::error_code ec;
  if (!std::filesystem::exists(config_file, ec)) return DimOrdering::tf;
  std::ifstream in(config_file);
  if (!in) throw IOError(fmt::str(config_file.string(), ": cannot be read"));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw IOError(fmt::str(config_file.string(), ": malformed JSON (", e.what(), ")"));
  }
  if (!j.is_object())
    throw IOError(
        fmt::str(config_file.string(), ": expected a JSON object, found ", j.type_name()));
  auto it = j.find("image_dim_ordering");
  if (it == j.end()) return DimOrdering::tf;
  if (!it->is_string())
    throw ValueError(fmt::str(config_file.string(), ": key 'image_dim_ordering' is ", it->dump(),
                              ", expected \"tf\" or \"th\""));
  return parse_dim_ordering(it->get<std::string>(),
                            config_file.string() + ": key 'image_dim_ordering'");
}

namespace {
std::mutex g_mu;
std::optional<DimOrdering> g_ordering;
}  // namespace

DimOrdering default_dim_ordering() {
  std::lock_guard lock(g_mu);
  if (!g_ordering)
    g_ordering = resolve_dim_ordering(std::getenv("KEEL_DIM_ORDERING"), default_config_path());
  return *g_ordering;
}

void set_default_dim_ordering(DimOrdering d) {
  std::lock_guard lock(g_mu);
  g_ordering = d;
}

}  // namespace keel
