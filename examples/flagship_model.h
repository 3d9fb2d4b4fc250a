// The flagship model, shared by examples/fashion_mnist, examples/custom_loop and bench/: the
// Keras 1 MNIST CNN (tf ordering, 28x28x1 inputs, 10 classes).
#pragma once

#include <keel/keel.h>

#include <memory>

namespace keel::examples {

inline std::unique_ptr<Sequential> flagship_model() {
  using namespace keel::layers;
  auto model = std::make_unique<Sequential>();
  model->add(Convolution2D(32, 3, 3, {.activation = "relu", .input_shape = {28, 28, 1}}));
  model->add(Convolution2D(64, 3, 3, {.activation = "relu"}));
  model->add(MaxPooling2D());
  model->add(Dropout(0.25));
  model->add(Flatten());
  model->add(Dense(128, {.activation = "relu"}));
  model->add(Dropout(0.5));
  model->add(Dense(10, {.activation = "softmax"}));
  return model;
}

}  // namespace keel::examples
