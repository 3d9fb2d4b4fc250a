// conv_layers: the examples of the Keras 1 convolution documentation, built with keel, with
// each layer's output shape (and, for the stacked examples, the shapes down the stack).
// The Keras docs assume dim_ordering 'th' for the 2D/3D examples; so do these.
#include <keel/keel.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace keel::layers;
using keel::Shape;
constexpr std::int64_t None = Shape::kUnknown;

namespace {

// Builds a stack of layers on `input` (batch None) and prints each output shape.
void stack(const std::string& title, const Shape& input,
           const std::vector<std::shared_ptr<Layer>>& layers) {
  std::printf("%s\n", title.c_str());
  Shape shape = input;
  for (const auto& layer : layers) {
    layer->build(shape);
    shape = layer->output_shape(shape);
    std::printf("  %-24s %-22s params %lld\n", layer->class_name().c_str(), shape.str().c_str(),
                static_cast<long long>(layer->count_params()));
  }
}

}  // namespace

int main() {
  stack("Convolution1D: 64 filters of length 3 on 10 steps of 32 features", {None, 10, 32},
        {std::make_shared<Convolution1D>(
             64, 3, Convolution1DOptions{.border_mode = "same", .input_shape = {10, 32}}),
         std::make_shared<Convolution1D>(32, 3, Convolution1DOptions{.border_mode = "same"})});

  stack("AtrousConvolution1D: rate 2", {None, 10, 32},
        {std::make_shared<AtrousConvolution1D>(
             64, 3, AtrousConvolution1DOptions{.border_mode = "same", .atrous_rate = 2}),
         std::make_shared<AtrousConvolution1D>(
             32, 3, AtrousConvolution1DOptions{.border_mode = "same", .atrous_rate = 2})});

  stack("Convolution2D: 64 3x3 filters on a 256x256 RGB image (th)", {None, 3, 256, 256},
        {std::make_shared<Convolution2D>(
             64, 3, 3, Convolution2DOptions{.border_mode = "same", .dim_ordering = "th"}),
         std::make_shared<Convolution2D>(
             32, 3, 3, Convolution2DOptions{.border_mode = "same", .dim_ordering = "th"})});

  stack("AtrousConvolution2D: 3x3, rate (2, 2)", {None, 3, 256, 256},
        {std::make_shared<AtrousConvolution2D>(
             64, 3, 3, AtrousConvolution2DOptions{.atrous_rate = {2, 2}, .dim_ordering = "th"}),
         std::make_shared<AtrousConvolution2D>(
             32, 3, 3,
             AtrousConvolution2DOptions{
                 .border_mode = "same", .atrous_rate = {2, 2}, .dim_ordering = "th"})});

  stack("SeparableConvolution2D: 64 filters, depth multiplier 1 (tf)", {None, 32, 32, 32},
        {std::make_shared<SeparableConvolution2D>(
            64, 3, 3, SeparableConvolution2DOptions{.dim_ordering = "tf"})});

  stack("Deconvolution2D: 3x3, valid, 12x12 -> 14x14 (th)", {None, 3, 12, 12},
        {std::make_shared<Deconvolution2D>(
            3, 3, 3,
            Deconvolution2DOptions{.output_shape = {None, 3, 14, 14}, .dim_ordering = "th"})});
  stack("Deconvolution2D: 3x3, stride 2, valid, 12x12 -> 25x25 (th)", {None, 3, 12, 12},
        {std::make_shared<Deconvolution2D>(
            3, 3, 3,
            Deconvolution2DOptions{
                .output_shape = {None, 3, 25, 25}, .subsample = {2, 2}, .dim_ordering = "th"})});
  stack("Deconvolution2D: output_shape omitted, keel computes it (stride 2, same)",
        {None, 3, 12, 12},
        {std::make_shared<Deconvolution2D>(
            3, 3, 3,
            Deconvolution2DOptions{
                .border_mode = "same", .subsample = {2, 2}, .dim_ordering = "th"})});

  stack("Convolution3D: 16 3x3x3 filters on a 16^3 volume (th)", {None, 1, 16, 16, 16},
        {std::make_shared<Convolution3D>(16, 3, 3, 3, Convolution3DOptions{.dim_ordering = "th"})});

  stack("Cropping1D((1, 1))", {None, 10, 4},
        {std::make_shared<Cropping1D>(std::initializer_list<std::int64_t>{1, 1})});
  stack("Cropping2D(((2, 2), (4, 4))) then a conv and Cropping2D(((2, 2), (2, 2)))",
        {None, 3, 28, 28},
        {std::make_shared<Cropping2D>(std::initializer_list<CropPair>{{2, 2}, {4, 4}},
                                      Cropping2DOptions{.dim_ordering = "th"}),
         std::make_shared<Convolution2D>(
             64, 3, 3, Convolution2DOptions{.border_mode = "same", .dim_ordering = "th"}),
         std::make_shared<Cropping2D>(std::initializer_list<CropPair>{{2, 2}, {2, 2}},
                                      Cropping2DOptions{.dim_ordering = "th"})});
  stack("Cropping3D(((2, 2), (4, 4), (2, 2)))", {None, 3, 28, 28, 28},
        {std::make_shared<Cropping3D>(std::initializer_list<CropPair>{{2, 2}, {4, 4}, {2, 2}},
                                      Cropping3DOptions{.dim_ordering = "th"})});

  stack("ZeroPadding1D({'left_pad': 2})", {None, 10, 4},
        {std::make_shared<ZeroPadding1D>(ZeroPadding1D::Padding{.left_pad = 2})});
  stack("ZeroPadding2D((1, 2)) (tf)", {None, 5, 5, 3},
        {std::make_shared<ZeroPadding2D>(std::initializer_list<std::int64_t>{1, 2},
                                         ZeroPadding2DOptions{.dim_ordering = "tf"})});
  stack("ZeroPadding3D((1, 1, 1)) (th)", {None, 3, 8, 8, 8},
        {std::make_shared<ZeroPadding3D>(ZeroPadding3DOptions{.dim_ordering = "th"})});

  stack("UpSampling1D(3)", {None, 4, 3}, {std::make_shared<UpSampling1D>(3)});
  stack("UpSampling2D((2, 3)) (tf)", {None, 1, 2, 1},
        {std::make_shared<UpSampling2D>(std::initializer_list<std::int64_t>{2, 3},
                                        UpSampling2DOptions{.dim_ordering = "tf"})});
  stack("UpSampling3D() (th)", {None, 2, 2, 3, 2},
        {std::make_shared<UpSampling3D>(UpSampling3DOptions{.dim_ordering = "th"})});
  return 0;
}
