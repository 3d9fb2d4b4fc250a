// Global configuration: the default dim_ordering of image layers.
//
// As Keras 1 read ~/.keras/keras.json, keel reads ~/.keel/keel.json:
//   {"image_dim_ordering": "th"}
// Precedence: the env var KEEL_DIM_ORDERING, then the file, then "tf". The value is resolved
// on first use; set_default_dim_ordering() overrides it for the process.
// A malformed file or value throws (IOError / ValueError) naming the file, the key and the value.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace keel {

enum class DimOrdering { tf, th };

std::string_view to_string(DimOrdering d);
// "tf" or "th", or "default" (Keras's dim_ordering='default': default_dim_ordering());
// ValueError naming `what` and the value otherwise.
DimOrdering parse_dim_ordering(std::string_view value, std::string_view what);

DimOrdering default_dim_ordering();
void set_default_dim_ordering(DimOrdering d);

// The resolution rule, exposed for tests: env value (may be null), then the file (may not exist).
DimOrdering resolve_dim_ordering(const char* env_value, const std::filesystem::path& config_file);

// $HOME/.keel/keel.json
std::filesystem::path default_config_path();

}  // namespace keel
