// ResNet50 (Keras 1.2.2 keras/applications/resnet50.py): conv1 (7x7/2 after 3 zeros of padding),
// bn_conv1, relu, 3x3/2 max pooling, then stages 2-5 of bottleneck blocks — a conv_block
// (with a projection shortcut res<stage><block>_branch1 / bn<stage><block>_branch1) followed by
// identity_blocks — each block 1x1, kxk 'same', 1x1 convolutions res<s><b>_branch2a/2b/2c, every
// one followed by its BatchNormalization bn<s><b>_branch2a/2b/2c, relu between, a sum merge
// with the shortcut, then relu; a 7x7 average pooling avg_pool; the top is flatten and fc1000.
#include <array>

#include "keel/applications/applications.h"
#include "keel/applications/detail/builder.h"
#include "keel/layers/batch_normalization.h"
#include "keel/layers/convolution.h"
#include "keel/layers/core_layers.h"
#include "keel/layers/dense.h"
#include "keel/layers/merge.h"
#include "keel/layers/pooling.h"
#include "keel/layers/zero_padding.h"

namespace keel::applications {

namespace {

using namespace keel::layers;
using detail::apply;

struct Stage {
  const detail::Geometry& g;

  SymbolicTensor conv(const SymbolicTensor& x, std::int64_t filters, std::int64_t k,
                      std::int64_t stride, const std::string& name,
                      const std::string& border = "valid") const {
    return apply<Convolution2D>(x, filters, k, k,
                                Convolution2DOptions{.border_mode = border,
                                                     .subsample = {stride, stride},
                                                     .dim_ordering = g.dim_ordering,
                                                     .name = name});
  }
  SymbolicTensor bn(const SymbolicTensor& x, const std::string& name) const {
    return apply<BatchNormalization>(
        x, BatchNormalizationOptions{.axis = g.channel_axis, .name = name});
  }
  static SymbolicTensor relu(const SymbolicTensor& x) { return apply<Activation>(x, "relu"); }

  // The residual branch of both block kinds: 1x1 (stride), kxk 'same', 1x1, each with its BN.
  SymbolicTensor branch2(const SymbolicTensor& in, std::int64_t k,
                         const std::array<std::int64_t, 3>& f, std::int64_t stride,
                         const std::string& conv_base, const std::string& bn_base) const {
    SymbolicTensor x = relu(bn(conv(in, f[0], 1, stride, conv_base + "2a"), bn_base + "2a"));
    x = relu(bn(conv(x, f[1], k, 1, conv_base + "2b", "same"), bn_base + "2b"));
    return bn(conv(x, f[2], 1, 1, conv_base + "2c"), bn_base + "2c");
  }

  SymbolicTensor identity_block(const SymbolicTensor& in, std::int64_t k,
                                const std::array<std::int64_t, 3>& f, int stage,
                                const std::string& block) const {
    const std::string id = std::to_string(stage) + block + "_branch";
    const SymbolicTensor x = branch2(in, k, f, 1, "res" + id, "bn" + id);
    return relu(apply<Merge>(std::vector<SymbolicTensor>{x, in}, MergeOptions{.mode = "sum"}));
  }

  SymbolicTensor conv_block(const SymbolicTensor& in, std::int64_t k,
                            const std::array<std::int64_t, 3>& f, int stage,
                            const std::string& block, std::int64_t stride = 2) const {
    const std::string id = std::to_string(stage) + block + "_branch";
    const SymbolicTensor x = branch2(in, k, f, stride, "res" + id, "bn" + id);
    const SymbolicTensor shortcut =
        bn(conv(in, f[2], 1, stride, "res" + id + "1"), "bn" + id + "1");
    return relu(
        apply<Merge>(std::vector<SymbolicTensor>{x, shortcut}, MergeOptions{.mode = "sum"}));
  }
};

}  // namespace

std::shared_ptr<Model> ResNet50(const ApplicationOptions& o) {
  const detail::Start s = detail::start("ResNet50", o, 224, 197);
  const Stage st{s.geometry};
  SymbolicTensor x = apply<ZeroPadding2D>(
      s.input, ZeroPadding2DOptions{.padding = {3, 3}, .dim_ordering = s.geometry.dim_ordering});
  x = st.relu(st.bn(st.conv(x, 64, 7, 2, "conv1"), "bn_conv1"));
  x = apply<MaxPooling2D>(
      x,
      Pooling2DOptions{.pool_size = 3, .strides = {2, 2}, .dim_ordering = s.geometry.dim_ordering});

  x = st.conv_block(x, 3, {64, 64, 256}, 2, "a", 1);
  for (const char* b : {"b", "c"}) x = st.identity_block(x, 3, {64, 64, 256}, 2, b);
  x = st.conv_block(x, 3, {128, 128, 512}, 3, "a");
  for (const char* b : {"b", "c", "d"}) x = st.identity_block(x, 3, {128, 128, 512}, 3, b);
  x = st.conv_block(x, 3, {256, 256, 1024}, 4, "a");
  for (const char* b : {"b", "c", "d", "e", "f"})
    x = st.identity_block(x, 3, {256, 256, 1024}, 4, b);
  x = st.conv_block(x, 3, {512, 512, 2048}, 5, "a");
  for (const char* b : {"b", "c"}) x = st.identity_block(x, 3, {512, 512, 2048}, 5, b);

  x = apply<AveragePooling2D>(
      x, Pooling2DOptions{
             .pool_size = 7, .dim_ordering = s.geometry.dim_ordering, .name = "avg_pool"});
  if (o.include_top) {
    x = apply<Flatten>(x);
    x = apply<Dense>(x, o.classes, DenseOptions{.activation = "softmax", .name = "fc1000"});
  }
  return detail::finish("ResNet50", "resnet50", s, x, o);
}

}  // namespace keel::applications
