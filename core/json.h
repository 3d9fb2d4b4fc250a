// keel::Config: the JSON value that holds a Keras-style configuration (get_config() results,
// the arguments of a factory such as {"m": 2, "axis": [0, 1, 2]}).
//
// It is nlohmann::json, so nlohmann-json is a public dependency of keel.
#pragma once

#include <nlohmann/json.hpp>

namespace keel {

using Config = nlohmann::json;

}  // namespace keel
