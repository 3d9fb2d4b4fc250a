// Sequential: a linear stack of layers, as Keras 1's Sequential.
//
//   keel::Sequential model;
//   using namespace keel::layers;
//   model.add(Convolution2D(32, 3, 3, {.activation = "relu", .input_shape = {28, 28, 1}}));
//   model.add(Flatten());
//   model.output_shape();  // (None, 21632)
//
// The first layer must carry input_shape (or batch_input_shape / input_dim); the implicit input
// is named "<first layer class, lower case>_input_<n>" as in Keras. Every later layer is built
// on the output shape of the one before, so a layer that cannot take it fails in add().
#pragma once

#include <concepts>
#include <memory>
#include <type_traits>

#include "keel/models/model.h"

namespace keel {

class Sequential : public Model {
 public:
  explicit Sequential(std::string name = "");
  explicit Sequential(const std::vector<std::shared_ptr<layers::Layer>>& layers,
                      std::string name = "");
  std::string class_name() const override { return "Sequential"; }

  void add(std::shared_ptr<layers::Layer> layer);
  // Takes a layer object by value: model.add(keel::layers::Dense(10)).
  // clang-format 14 cannot lay out a requires-clause.
  // clang-format off
  template <typename L>
    requires std::derived_from<std::remove_cvref_t<L>, layers::Layer> &&
             (!std::is_lvalue_reference_v<L>)
  void add(L&& layer) {
    // clang-format on
    add(std::make_shared<std::remove_cvref_t<L>>(std::move(layer)));
  }
  // Removes the last layer; ValueError on an empty model.
  void pop();

 private:
  std::vector<layers::SymbolicTensor> chain_;  // chain_[0] is the input, then one per layer
};

}  // namespace keel
