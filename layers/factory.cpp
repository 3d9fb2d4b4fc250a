#include "keel/layers/factory.h"

#include <map>
#include <mutex>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel::layers {

namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, LayerFactory, std::less<>> factories;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

bool register_layer(const std::string& class_name, LayerFactory factory,
                    const std::vector<std::string>& aliases) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.factories[class_name] = factory;
  for (const auto& a : aliases) r.factories[a] = factory;
  return true;
}

std::vector<std::string> registered_layer_names() {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, f] : r.factories) names.push_back(name);
  return names;
}

std::shared_ptr<Layer> layer_from_config(std::string_view class_name, const Config& config) {
  LayerFactory factory;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mu);
    auto it = r.factories.find(class_name);
    if (it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    std::string known;
    for (const auto& n : registered_layer_names()) known += (known.empty() ? "" : ", ") + n;
    throw ValueError(fmt::str("layer_from_config: unknown layer class '", std::string(class_name),
                              "'; known classes: ", known));
  }
  return factory(config);
}

}  // namespace keel::layers
