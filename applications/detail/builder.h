// What the application builders share: calling a layer on a symbolic tensor in one line, the
// Keras input-shape rule, and the end of every builder (the model, then its weights).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "keel/applications/applications.h"
#include "keel/core/config.h"
#include "keel/layers/layer.h"
#include "keel/layers/node.h"

namespace keel::applications::detail {

// y = L(args...)(x): the graph keeps the layer alive.
template <class L, class... Args>
layers::SymbolicTensor apply(const layers::SymbolicTensor& x, Args&&... args) {
  auto layer = std::make_shared<L>(std::forward<Args>(args)...);
  return (*layer)(x);
}
template <class L, class... Args>
layers::SymbolicTensor apply(const std::vector<layers::SymbolicTensor>& xs, Args&&... args) {
  auto layer = std::make_shared<L>(std::forward<Args>(args)...);
  return (*layer)(xs);
}

// The geometry every model is built for.
struct Geometry {
  DimOrdering ordering;
  std::string dim_ordering;  // "tf" or "th", what the layers are given
  int channel_axis;          // 3 (tf) or 1 (th): BatchNormalization's axis, concat's axis
};

// Keras 1.2.2's _obtain_input_shape plus the model's input: the input_tensor when given, else
// an Input of the checked shape. `model` names the model in messages ("VGG16: ...").
struct Start {
  Geometry geometry;
  layers::SymbolicTensor input;
};
Start start(const std::string& model, const ApplicationOptions& o, std::int64_t default_size,
            std::int64_t min_size, bool tf_only = false);

// The model from `start.input` to `output`, named `name`, with o.weights loaded.
std::shared_ptr<Model> finish(const std::string& model, const std::string& name, const Start& start,
                              const layers::SymbolicTensor& output, const ApplicationOptions& o);

}  // namespace keel::applications::detail
