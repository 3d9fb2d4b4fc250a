// Xception (Keras 1.2.2 keras/applications/xception.py; tf dim_ordering only): entry flow
// block1 (two 3x3 convolutions without bias, each with BN and relu), blocks 2-4 of two
// separable 3x3 convolutions with a 3x3/2 'same' max pooling and a 1x1/2 projection shortcut
// (convolution + BN, automatic names); middle flow blocks 5-12 of three relu-separable-BN
// steps around an identity shortcut; exit flow block13 (projected) and block14; the top is a
// global average pooling avg_pool and predictions. No convolution here has a bias.
#include "keel/applications/applications.h"
#include "keel/applications/detail/builder.h"
#include "keel/layers/batch_normalization.h"
#include "keel/layers/convolution.h"
#include "keel/layers/core_layers.h"
#include "keel/layers/dense.h"
#include "keel/layers/merge.h"
#include "keel/layers/pooling.h"

namespace keel::applications {

namespace {

using namespace keel::layers;
using detail::apply;

SymbolicTensor bn(const SymbolicTensor& x, const std::string& name = "") {
  return apply<BatchNormalization>(x, BatchNormalizationOptions{.name = name});
}
SymbolicTensor relu(const SymbolicTensor& x, const std::string& name) {
  return apply<Activation>(x, "relu", ActivationOptions{.name = name});
}
SymbolicTensor sepconv(const SymbolicTensor& x, std::int64_t filters, const std::string& name) {
  return apply<SeparableConvolution2D>(
      x, filters, 3, 3,
      SeparableConvolution2DOptions{
          .border_mode = "same", .dim_ordering = "tf", .bias = false, .name = name});
}
SymbolicTensor sum(const SymbolicTensor& a, const SymbolicTensor& b) {
  return apply<Merge>(std::vector<SymbolicTensor>{a, b}, MergeOptions{.mode = "sum"});
}
// The 1x1/2 projection shortcut of the downsampling blocks (automatic names, as in Keras).
SymbolicTensor projection(const SymbolicTensor& x, std::int64_t filters) {
  return bn(apply<Convolution2D>(
      x, filters, 1, 1,
      Convolution2DOptions{
          .border_mode = "same", .subsample = {2, 2}, .dim_ordering = "tf", .bias = false}));
}
SymbolicTensor pool(const SymbolicTensor& x, const std::string& name) {
  return apply<MaxPooling2D>(x, Pooling2DOptions{.pool_size = 3,
                                                 .strides = {2, 2},
                                                 .border_mode = "same",
                                                 .dim_ordering = "tf",
                                                 .name = name});
}

}  // namespace

std::shared_ptr<Model> Xception(const ApplicationOptions& o) {
  const detail::Start s = detail::start("Xception", o, 299, 71, /*tf_only=*/true);
  SymbolicTensor x = s.input;
  x = apply<Convolution2D>(
      x, 32, 3, 3,
      Convolution2DOptions{
          .subsample = {2, 2}, .dim_ordering = "tf", .bias = false, .name = "block1_conv1"});
  x = relu(bn(x, "block1_conv1_bn"), "block1_conv1_act");
  x = apply<Convolution2D>(
      x, 64, 3, 3,
      Convolution2DOptions{.dim_ordering = "tf", .bias = false, .name = "block1_conv2"});
  x = relu(bn(x, "block1_conv2_bn"), "block1_conv2_act");

  // Entry flow: blocks 2 (no relu before its first separable convolution), 3 and 4.
  const std::int64_t entry_filters[] = {128, 256, 728};
  for (int i = 0; i < 3; ++i) {
    const std::string p = "block" + std::to_string(i + 2);
    const SymbolicTensor residual = projection(x, entry_filters[i]);
    if (i > 0) x = relu(x, p + "_sepconv1_act");
    x = bn(sepconv(x, entry_filters[i], p + "_sepconv1"), p + "_sepconv1_bn");
    x = relu(x, p + "_sepconv2_act");
    x = bn(sepconv(x, entry_filters[i], p + "_sepconv2"), p + "_sepconv2_bn");
    x = sum(pool(x, p + "_pool"), residual);
  }

  // Middle flow: blocks 5-12.
  for (int i = 0; i < 8; ++i) {
    const std::string p = "block" + std::to_string(i + 5);
    const SymbolicTensor residual = x;
    for (int j = 1; j <= 3; ++j) {
      const std::string c = p + "_sepconv" + std::to_string(j);
      x = bn(sepconv(relu(x, c + "_act"), 728, c), c + "_bn");
    }
    x = sum(x, residual);
  }

  // Exit flow.
  const SymbolicTensor residual = projection(x, 1024);
  x = bn(sepconv(relu(x, "block13_sepconv1_act"), 728, "block13_sepconv1"), "block13_sepconv1_bn");
  x = bn(sepconv(relu(x, "block13_sepconv2_act"), 1024, "block13_sepconv2"), "block13_sepconv2_bn");
  x = sum(pool(x, "block13_pool"), residual);
  x = relu(bn(sepconv(x, 1536, "block14_sepconv1"), "block14_sepconv1_bn"), "block14_sepconv1_act");
  x = relu(bn(sepconv(x, 2048, "block14_sepconv2"), "block14_sepconv2_bn"), "block14_sepconv2_act");

  if (o.include_top) {
    x = apply<GlobalAveragePooling2D>(x, GlobalPooling2DOptions{.name = "avg_pool"});
    x = apply<Dense>(x, o.classes, DenseOptions{.activation = "softmax", .name = "predictions"});
  }
  return detail::finish("Xception", "xception", s, x, o);
}

}  // namespace keel::applications
