// The Keras 1.2.2 applications (keras/applications/*.py): VGG16, VGG19, ResNet50, InceptionV3
// and Xception, as graph models with Keras's exact layer names and weight shapes, so that the
// original Keras weight files load into them (by order, or by name) and summary() prints what
// Keras printed.
//
//   auto base = keel::applications::VGG16(
//       {.include_top = false,
//        .weights = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
//        .input_shape = {150, 150, 3}});
//   // a new head on base->outputs()[0], then Model(base->inputs(), {head}) (models/model.h)
//
// Arguments (Keras 1.2.2's, plus dim_ordering, which Keras read from ~/.keras/keras.json):
//   include_top   the fully connected head (1000-way softmax, `classes`); with it the input
//                 must be the default size (224x224x3; 299x299x3 for InceptionV3 and Xception)
//   weights       "" (random initialisation) or the path of a Keras weights .h5 file, loaded by
//                 order; "imagenet" is a ValueError naming the file to download (keel
//                 downloads nothing). Files named *_th_kernels* hold Theano-trained kernels and
//                 are converted (Model::load_weights_h5 with kernels = "theano").
//   input_tensor  a SymbolicTensor to build on (from layers::Input or another model's layer)
//   input_shape   without the batch axis; default (224, 224, 3) with the top, else (None,
//                 None, 3) (channels first for th). Without the top, the spatial size must be
//                 at least the model's minimum (48 for VGG, 197 for ResNet50, 139 for
//                 InceptionV3, 71 for Xception) and there must be 3 channels.
//   classes       the head's size (include_top only)
//   dim_ordering  "default" (keel::default_dim_ordering()), "tf" or "th". Xception is
//                 tf-only, as in Keras.
// Errors: ValueError naming the model, the argument, the value and what was expected.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/shape.h"
#include "keel/layers/node.h"
#include "keel/models/model.h"

namespace keel::applications {

struct ApplicationOptions {
  bool include_top = true;
  std::string weights;  // "" = random; else a Keras .h5 weights file
  std::optional<layers::SymbolicTensor> input_tensor;
  Shape input_shape;  // rank 0 = the default
  std::int64_t classes = 1000;
  std::string dim_ordering = "default";
};

std::shared_ptr<Model> VGG16(const ApplicationOptions& options = {});
std::shared_ptr<Model> VGG19(const ApplicationOptions& options = {});
std::shared_ptr<Model> ResNet50(const ApplicationOptions& options = {});
std::shared_ptr<Model> InceptionV3(const ApplicationOptions& options = {});
std::shared_ptr<Model> Xception(const ApplicationOptions& options = {});

// By Keras module name: "vgg16", "vgg19", "resnet50", "inception_v3", "xception" (ValueError
// listing them otherwise).
std::shared_ptr<Model> application(std::string_view name, const ApplicationOptions& options = {});
std::vector<std::string> application_names();

}  // namespace keel::applications
