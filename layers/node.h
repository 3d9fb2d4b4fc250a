// Symbolic tensors: what graph models are built from, as Keras tensors are in Keras 1.
//
//   auto x = keel::layers::Input({28, 28, 1});
//   auto conv = std::make_shared<keel::layers::Convolution2D>(32, 3, 3);
//   auto h = (*conv)(x);            // a SymbolicTensor of shape (None, 26, 26, 32)
//   keel::Model model({x}, {h});
//
// Calling a layer on a SymbolicTensor builds the layer (its weights exist from then on),
// computes the output shape and records a Node: the layer and its inbound tensors. Nothing is
// computed. A layer called several times (a shared layer) has several nodes and one set of
// weights. The layer must be owned by a std::shared_ptr (the node keeps it alive).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "keel/core/shape.h"

namespace keel::layers {

class Layer;
struct Node;

class SymbolicTensor {
 public:
  SymbolicTensor() = default;
  explicit SymbolicTensor(std::shared_ptr<const Node> node) : node_(std::move(node)) {}

  const Shape& shape() const;
  const std::shared_ptr<const Node>& node() const { return node_; }
  bool defined() const { return node_ != nullptr; }

 private:
  std::shared_ptr<const Node> node_;
};

struct Node {
  std::shared_ptr<Layer> layer;        // null for an Input
  std::vector<SymbolicTensor> inputs;  // inbound tensors
  Shape output_shape;                  // batch first, None when unknown
  std::string input_name;              // an Input's name
  int layer_call_index = 0;            // the n-th call of `layer` ("[n][0]" in summaries)
  std::uint64_t id = 0;                // creation order: a topological order
};

// A graph input of `shape` (without the batch axis; batch_size fixes it, else None).
SymbolicTensor Input(const Shape& shape, std::string name = "",
                     std::int64_t batch_size = Shape::kUnknown);

}  // namespace keel::layers
