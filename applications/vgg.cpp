// VGG16 and VGG19 (Keras 1.2.2 keras/applications/vgg16.py, vgg19.py): blocks of 3x3 'same'
// relu convolutions named block<b>_conv<i>, each block ending in a 2x2 max pooling
// block<b>_pool; the top is flatten, fc1 and fc2 (4096, relu) and predictions (softmax).
#include <array>

#include "keel/applications/applications.h"
#include "keel/applications/detail/builder.h"
#include "keel/layers/convolution.h"
#include "keel/layers/core_layers.h"
#include "keel/layers/dense.h"
#include "keel/layers/pooling.h"

namespace keel::applications {

namespace {

using namespace keel::layers;
using detail::apply;

// convs_per_block: VGG16 {2, 2, 3, 3, 3}, VGG19 {2, 2, 4, 4, 4}.
std::shared_ptr<Model> vgg(const std::string& model, const std::string& name,
                           const std::array<int, 5>& convs_per_block, const ApplicationOptions& o) {
  const detail::Start s = detail::start(model, o, 224, 48);
  const std::string& ordering = s.geometry.dim_ordering;
  const std::array<std::int64_t, 5> filters = {64, 128, 256, 512, 512};
  SymbolicTensor x = s.input;
  for (int b = 0; b < 5; ++b) {
    const std::string block = "block" + std::to_string(b + 1);
    for (int i = 0; i < convs_per_block[b]; ++i)
      x = apply<Convolution2D>(
          x, filters[b], 3, 3,
          Convolution2DOptions{.activation = "relu",
                               .border_mode = "same",
                               .dim_ordering = ordering,
                               .name = block + "_conv" + std::to_string(i + 1)});
    x = apply<MaxPooling2D>(
        x,
        Pooling2DOptions{
            .pool_size = 2, .strides = {2, 2}, .dim_ordering = ordering, .name = block + "_pool"});
  }
  if (o.include_top) {
    x = apply<Flatten>(x, FlattenOptions{.name = "flatten"});
    x = apply<Dense>(x, 4096, DenseOptions{.activation = "relu", .name = "fc1"});
    x = apply<Dense>(x, 4096, DenseOptions{.activation = "relu", .name = "fc2"});
    x = apply<Dense>(x, o.classes, DenseOptions{.activation = "softmax", .name = "predictions"});
  }
  return detail::finish(model, name, s, x, o);
}

}  // namespace

std::shared_ptr<Model> VGG16(const ApplicationOptions& o) {
  return vgg("VGG16", "vgg16", {2, 2, 3, 3, 3}, o);
}

std::shared_ptr<Model> VGG19(const ApplicationOptions& o) {
  return vgg("VGG19", "vgg19", {2, 2, 4, 4, 4}, o);
}

}  // namespace keel::applications
