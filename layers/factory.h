// The one layer factory: builds a layer from its Keras class name and config, as Keras's
// `layer_from_config` / `Layer.from_config` do. The conformance runner builds layers with it
// and checkpoints rebuild models with it.
//
// Every layer class registers itself (and its Keras aliases: Conv2D, AtrousConv2D, ...) in its
// own .cpp with a static register_layer(...) call. An unknown class name is a ValueError listing
// the known ones; config errors are ValueErrors naming the layer and the key.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/format.h"
#include "keel/core/json.h"
#include "keel/core/kwargs.h"
#include "keel/layers/layer.h"

namespace keel::layers {

using LayerFactory = std::function<std::shared_ptr<Layer>(const Config& config)>;

std::shared_ptr<Layer> layer_from_config(std::string_view class_name, const Config& config);

// Registers `factory` under `class_name` and each alias; returns true (for static registration).
bool register_layer(const std::string& class_name, LayerFactory factory,
                    const std::vector<std::string>& aliases = {});
std::vector<std::string> registered_layer_names();

// Registers a layer class L under `class_name` and `aliases`: its config is read into
// L::Options by that struct's table (kwargs::from_config; unknown keys and wrong types are
// ValueErrors naming the class and the key) and L(options) validates it. The one registration
// of every layer with an options table.
template <class L>
bool register_layer_class(const std::string& class_name,
                          const std::vector<std::string>& aliases = {}) {
  return register_layer(
      class_name,
      [class_name](const Config& config) -> std::shared_ptr<Layer> {
        const auto name = config.is_object() ? config.find("name") : config.end();
        const std::string who = fmt::owner(
            class_name, name != config.end() && name->is_string() ? name->get<std::string>() : "");
        return std::make_shared<L>(
            kwargs::from_config<typename L::Options>(config, who, /*check=*/false));
      },
      aliases);
}

}  // namespace keel::layers
