// The one layer factory: builds a layer from its Keras class name and config, as Keras's
// `layer_from_config` / `Layer.from_config` do. The conformance runner builds layers with it
// and checkpoints rebuild models with it.
//
// Every layer class registers itself (and its Keras aliases: Conv2D, AtrousConv2D, ...) in its
// own .cpp with a static register_layer(...) call. An unknown class name is a ValueError listing the
// known ones; config errors are ValueErrors naming the layer and the key.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/json.h"
#include "keel/layers/layer.h"

namespace keel::layers {

using LayerFactory = std::function<std::shared_ptr<Layer>(const Config& config)>;

std::shared_ptr<Layer> layer_from_config(std::string_view class_name, const Config& config);

// Registers `factory` under `class_name` and each alias; returns true (for static registration).
bool register_layer(const std::string& class_name, LayerFactory factory,
                    const std::vector<std::string>& aliases = {});
std::vector<std::string> registered_layer_names();

}  // namespace keel::layers
