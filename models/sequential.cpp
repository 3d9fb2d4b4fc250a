#include "keel/models/sequential.h"

#include <atomic>
#include <cctype>
#include <map>
#include <mutex>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

namespace {

std::string default_name() {
  static std::atomic<int> n{0};
  return "sequential_" + std::to_string(++n);
}

}  // namespace

Sequential::Sequential(std::string name) : Model(name.empty() ? default_name() : std::move(name)) {}

Sequential::Sequential(const std::vector<std::shared_ptr<layers::Layer>>& layers, std::string name)
    : Sequential(std::move(name)) {
  for (const auto& l : layers) add(l);
}

void Sequential::add(std::shared_ptr<layers::Layer> layer) {
  if (!layer) throw ValueError(fmt::str("Sequential '", this->name(), "': add got a null layer"));
  if (chain_.empty()) {
    const Shape& shape = layer->batch_input_shape();
    if (shape.rank() == 0)
      throw ValueError(fmt::str("Sequential '", this->name(), "': the first layer (",
                                layer->class_name(), " '", layer->name(),
                                "') must be given an input_shape (or batch_input_shape, "
                                "input_dim)"));
    chain_.push_back(layers::Input(
        shape.drop_front(), layers::unique_layer_name(layer->class_name(), "_input"), shape[0]));
  }
  chain_.push_back((*layer)(chain_.back()));  // builds the layer on the previous output shape
  set_graph({chain_.front()}, {chain_.back()});
}

void Sequential::pop() {
  if (chain_.size() < 2)
    throw ValueError(fmt::str("Sequential '", name(), "': pop on a model with no layers"));
  chain_.pop_back();
  if (chain_.size() == 1) {
    chain_.clear();
    clear_graph();
    return;
  }
  set_graph({chain_.front()}, {chain_.back()});
}

}  // namespace keel
