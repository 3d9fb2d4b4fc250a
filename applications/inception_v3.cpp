// InceptionV3 (Keras 1.2.2 keras/applications/inception_v3.py). Every convolution is Keras 1's
// conv2d_bn: a Convolution2D with bias and relu, then a BatchNormalization, with automatic names
// (the weight files load by order). The stem (3x3/2, 3x3, 3x3, pool, 1x1, 3x3, pool) is
// followed by the concatenations mixed0-mixed10, with the factorised 1x7/7x1 and 1x3/3x1
// kernels; the top is an 8x8 average pooling avg_pool, flatten and predictions.
#include <vector>

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

struct Builder {
  const detail::Geometry& g;

  SymbolicTensor conv_bn(const SymbolicTensor& x, std::int64_t filters, std::int64_t rows,
                         std::int64_t cols, const std::string& border = "same",
                         std::int64_t stride = 1) const {
    const SymbolicTensor y =
        apply<Convolution2D>(x, filters, rows, cols,
                             Convolution2DOptions{.activation = "relu",
                                                  .border_mode = border,
                                                  .subsample = {stride, stride},
                                                  .dim_ordering = g.dim_ordering});
    return apply<BatchNormalization>(y, BatchNormalizationOptions{.axis = g.channel_axis});
  }
  SymbolicTensor concat(const std::vector<SymbolicTensor>& xs, const std::string& name = "") const {
    return apply<Merge>(
        xs, MergeOptions{.mode = "concat", .concat_axis = g.channel_axis, .name = name});
  }
  SymbolicTensor avg_pool_same(const SymbolicTensor& x) const {
    return apply<AveragePooling2D>(x, Pooling2DOptions{.pool_size = 3,
                                                       .strides = {1, 1},
                                                       .border_mode = "same",
                                                       .dim_ordering = g.dim_ordering});
  }
  SymbolicTensor pool_2(const SymbolicTensor& x, bool average = false) const {
    const Pooling2DOptions p{.pool_size = 3, .strides = {2, 2}, .dim_ordering = g.dim_ordering};
    return average ? apply<AveragePooling2D>(x, p) : apply<MaxPooling2D>(x, p);
  }

  // The 17x17 blocks mixed4-mixed7: 1x1; 1x1, 1x7, 7x1; 1x1, 7x1, 1x7, 7x1, 1x7; pool, 1x1.
  // c7: the inner width of the 7x7 branch; dbl_in and dbl: the first and the inner widths of
  // the double 7x7 branch (Keras 1.2.2's mixed7 starts that branch with 160, not 192).
  SymbolicTensor block17(const SymbolicTensor& x, std::int64_t c7, std::int64_t dbl_in,
                         std::int64_t dbl, const std::string& name) const {
    const SymbolicTensor b1 = conv_bn(x, 192, 1, 1);
    SymbolicTensor b7 = conv_bn(x, c7, 1, 1);
    b7 = conv_bn(b7, c7, 1, 7);
    b7 = conv_bn(b7, 192, 7, 1);
    SymbolicTensor bd = conv_bn(x, dbl_in, 1, 1);
    bd = conv_bn(bd, dbl, 7, 1);
    bd = conv_bn(bd, dbl, 1, 7);
    bd = conv_bn(bd, dbl, 7, 1);
    bd = conv_bn(bd, 192, 1, 7);
    const SymbolicTensor bp = conv_bn(avg_pool_same(x), 192, 1, 1);
    return concat({b1, b7, bd, bp}, name);
  }
};

}  // namespace

std::shared_ptr<Model> InceptionV3(const ApplicationOptions& o) {
  const detail::Start s = detail::start("InceptionV3", o, 299, 139);
  const Builder b{s.geometry};
  SymbolicTensor x = b.conv_bn(s.input, 32, 3, 3, "valid", 2);
  x = b.conv_bn(x, 32, 3, 3, "valid");
  x = b.conv_bn(x, 64, 3, 3);
  x = b.pool_2(x);
  x = b.conv_bn(x, 80, 1, 1, "valid");
  x = b.conv_bn(x, 192, 3, 3, "valid");
  x = b.pool_2(x);

  // mixed0-2: 35 x 35 x 256.
  for (int i = 0; i < 3; ++i) {
    const SymbolicTensor b1 = b.conv_bn(x, 64, 1, 1);
    const SymbolicTensor b5 = b.conv_bn(b.conv_bn(x, 48, 1, 1), 64, 5, 5);
    const SymbolicTensor bd = b.conv_bn(b.conv_bn(b.conv_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
    const SymbolicTensor bp = b.conv_bn(b.avg_pool_same(x), 32, 1, 1);
    x = b.concat({b1, b5, bd, bp}, "mixed" + std::to_string(i));
  }

  // mixed3: 17 x 17 x 736 (mixed0-2 are 256 wide in Keras 1.2.2).
  {
    const SymbolicTensor b3 = b.conv_bn(x, 384, 3, 3, "valid", 2);
    const SymbolicTensor bd =
        b.conv_bn(b.conv_bn(b.conv_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, "valid", 2);
    x = b.concat({b3, bd, b.pool_2(x)}, "mixed3");
  }
  x = b.block17(x, 128, 128, 128, "mixed4");
  x = b.block17(x, 160, 160, 160, "mixed5");
  x = b.block17(x, 160, 160, 160, "mixed6");
  x = b.block17(x, 192, 160, 192, "mixed7");

  // mixed8: 8 x 8 x 1280.
  {
    const SymbolicTensor b3 = b.conv_bn(b.conv_bn(x, 192, 1, 1), 320, 3, 3, "valid", 2);
    SymbolicTensor b7 = b.conv_bn(x, 192, 1, 1);
    b7 = b.conv_bn(b7, 192, 1, 7);
    b7 = b.conv_bn(b7, 192, 7, 1);
    b7 = b.conv_bn(b7, 192, 3, 3, "valid", 2);
    x = b.concat({b3, b7, b.pool_2(x, /*average=*/true)}, "mixed8");
  }

  // mixed9-10: 8 x 8 x 2048.
  for (int i = 0; i < 2; ++i) {
    const SymbolicTensor b1 = b.conv_bn(x, 320, 1, 1);
    const SymbolicTensor b3 = b.conv_bn(x, 384, 1, 1);
    const SymbolicTensor b3c = b.concat({b.conv_bn(b3, 384, 1, 3), b.conv_bn(b3, 384, 3, 1)},
                                        "mixed9_" + std::to_string(i));
    const SymbolicTensor bd = b.conv_bn(b.conv_bn(x, 448, 1, 1), 384, 3, 3);
    const SymbolicTensor bdc = b.concat({b.conv_bn(bd, 384, 1, 3), b.conv_bn(bd, 384, 3, 1)});
    const SymbolicTensor bp = b.conv_bn(b.avg_pool_same(x), 192, 1, 1);
    x = b.concat({b1, b3c, bdc, bp}, "mixed" + std::to_string(9 + i));
  }

  if (o.include_top) {
    x = apply<AveragePooling2D>(x, Pooling2DOptions{.pool_size = 8,
                                                    .strides = {8, 8},
                                                    .dim_ordering = s.geometry.dim_ordering,
                                                    .name = "avg_pool"});
    x = apply<Flatten>(x, FlattenOptions{.name = "flatten"});
    x = apply<Dense>(x, o.classes, DenseOptions{.activation = "softmax", .name = "predictions"});
  }
  return detail::finish("InceptionV3", "inception_v3", s, x, o);
}

}  // namespace keel::applications
