// The convolution layers: shapes (spec section 14), padding arithmetic (section 1), gradients
// of every layer in both orderings and every border mode / stride / dilation, weights, config,
// and the errors a bad configuration raises.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <memory>

#include "test_util.h"

namespace keel::layers {
namespace {

constexpr std::int64_t None = Shape::kUnknown;

// --- shape arithmetic (spec 1.1 and 1.3) ---------------------------------------------------

TEST(ConvArithmetic, OutputLengthTable) {
  struct Row {
    std::int64_t L, k, d, s;
    BorderMode mode;
    std::int64_t out;
  };
  const Row rows[] = {{32, 3, 1, 1, BorderMode::valid, 30}, {32, 3, 1, 1, BorderMode::same, 32},
                      {32, 3, 1, 1, BorderMode::full, 34},  {32, 3, 1, 2, BorderMode::valid, 15},
                      {32, 3, 1, 2, BorderMode::same, 16},  {31, 3, 1, 2, BorderMode::same, 16},
                      {31, 3, 1, 2, BorderMode::full, 17},  {256, 3, 2, 1, BorderMode::valid, 252},
                      {10, 3, 2, 1, BorderMode::same, 10},  {224, 7, 1, 2, BorderMode::same, 112}};
  for (const auto& r : rows)
    EXPECT_EQ(conv_output_length(r.L, r.k, r.mode, r.s, r.d), r.out) << r.L << " " << r.k;
  EXPECT_EQ(conv_output_length(None, 3, BorderMode::same, 1), None);
}

TEST(ConvArithmetic, SamePaddingPutsExtraAtEnd) {
  struct Row {
    std::int64_t L, k, s, begin, end;
  };
  const Row rows[] = {{5, 3, 1, 1, 1}, {4, 2, 1, 0, 1},   {6, 4, 1, 1, 2}, {5, 3, 2, 1, 1},
                      {4, 3, 2, 0, 1}, {224, 7, 2, 2, 3}, {7, 1, 2, 0, 0}};
  for (const auto& r : rows) {
    const Padding p = conv_padding(r.L, r.k, BorderMode::same, r.s);
    EXPECT_EQ(p.before, r.begin) << r.L << " " << r.k << " " << r.s;
    EXPECT_EQ(p.after, r.end) << r.L << " " << r.k << " " << r.s;
  }
  const Padding full = conv_padding(5, 3, BorderMode::full, 1, 2);  // k_eff 5
  EXPECT_EQ(full.before, 4);
  EXPECT_EQ(full.after, 4);
}

TEST(ConvArithmetic, DeconvolutionOutputRanges) {
  // Spec 2.6: 12x12 input, 3x3: s1 valid -> 14; s2 valid -> 25 or 26; s2 same -> 23 or 24.
  EXPECT_EQ(deconv_default_output(12, 3, BorderMode::valid, 1), 14);
  const auto v = deconv_output_range(12, 3, BorderMode::valid, 2);
  EXPECT_EQ(v.lo, 25);
  EXPECT_EQ(v.hi, 26);
  const auto s = deconv_output_range(12, 3, BorderMode::same, 2);
  EXPECT_EQ(s.lo, 23);
  EXPECT_EQ(s.hi, 24);
  EXPECT_EQ(deconv_default_output(12, 3, BorderMode::same, 2), 24);
}

// --- spec 14 quick vectors -----------------------------------------------------------------

TEST(Convolution2D, QuickVectorsTh) {
  Convolution2D conv(32, 3, 3, {.dim_ordering = "th"});
  EXPECT_EQ(conv.output_shape({None, 3, 32, 32}), (Shape{None, 32, 30, 30}));
  conv.build({None, 3, 32, 32});
  EXPECT_EQ(conv.weights()[0].shape(), (Shape{32, 3, 3, 3}));
  EXPECT_EQ(conv.count_params(), 896);
}

TEST(Convolution2D, QuickVectorsTf) {
  Convolution2D conv(32, 3, 3, {.dim_ordering = "tf"});
  conv.build({None, 32, 32, 3});
  EXPECT_EQ(conv.output_shape({None, 32, 32, 3}), (Shape{None, 30, 30, 32}));
  EXPECT_EQ(conv.weights()[0].shape(), (Shape{3, 3, 3, 32}));
  Convolution2D strided(64, 3, 3,
                        {.border_mode = "same", .subsample = {2, 2}, .dim_ordering = "tf"});
  EXPECT_EQ(strided.output_shape({None, 31, 31, 3}), (Shape{None, 16, 16, 64}));
  EXPECT_EQ(strided.output_shape({None, 32, 32, 3}), (Shape{None, 16, 16, 64}));
  Convolution2D second(64, 3, 3, {.dim_ordering = "tf"});
  second.build({None, 30, 30, 32});
  EXPECT_EQ(second.count_params(), 18496);
}

TEST(Convolution1D, QuickVectors) {
  Convolution1D conv(64, 3, {.border_mode = "same", .input_shape = {10, 32}});
  EXPECT_EQ(conv.batch_input_shape(), (Shape{None, 10, 32}));
  EXPECT_EQ(conv.output_shape(conv.batch_input_shape()), (Shape{None, 10, 64}));
  conv.build(conv.batch_input_shape());
  EXPECT_EQ(conv.weights()[0].shape(), (Shape{3, 1, 32, 64}));
  EXPECT_EQ(conv.count_params(), 6208);
  Convolution1D by_dim(8, 5, {.input_dim = 3, .input_length = 10});
  EXPECT_EQ(by_dim.batch_input_shape(), (Shape{None, 10, 3}));
  AtrousConvolution1D atrous(64, 3, {.border_mode = "same", .atrous_rate = 2});
  EXPECT_EQ(atrous.output_shape({None, 10, 32}), (Shape{None, 10, 64}));
}

TEST(AtrousConvolution2D, QuickVector) {
  AtrousConvolution2D conv(64, 3, 3, {.atrous_rate = {2, 2}, .dim_ordering = "th"});
  EXPECT_EQ(conv.output_shape({None, 3, 256, 256}), (Shape{None, 64, 252, 252}));
}

TEST(SeparableConvolution2D, QuickVector) {
  SeparableConvolution2D conv(64, 3, 3, {.dim_ordering = "tf"});
  conv.build({None, 32, 32, 32});
  EXPECT_EQ(conv.weight_names(),
            (std::vector<std::string>{"depthwise_kernel", "pointwise_kernel", "b"}));
  EXPECT_EQ(conv.weights()[0].shape(), (Shape{3, 3, 32, 1}));
  EXPECT_EQ(conv.weights()[1].shape(), (Shape{1, 1, 32, 64}));
  EXPECT_EQ(conv.weights()[2].shape(), (Shape{64}));
  EXPECT_EQ(conv.count_params(), 2400);
  EXPECT_EQ(conv.output_shape({None, 32, 32, 32}), (Shape{None, 30, 30, 64}));
}

TEST(Deconvolution2D, QuickVectors) {
  Deconvolution2D valid(3, 3, 3, {.output_shape = {None, 14, 14, 3}, .dim_ordering = "tf"});
  valid.build({None, 12, 12, 3});
  EXPECT_EQ(valid.output_shape({None, 12, 12, 3}), (Shape{None, 14, 14, 3}));
  EXPECT_EQ(valid.weights()[0].shape(), (Shape{3, 3, 3, 3}));
  EXPECT_EQ(valid.count_params(), 84);
  Deconvolution2D strided(
      3, 3, 3, {.output_shape = {None, 25, 25, 3}, .subsample = {2, 2}, .dim_ordering = "tf"});
  EXPECT_EQ(strided.output_shape({None, 12, 12, 3}), (Shape{None, 25, 25, 3}));
}

TEST(Deconvolution2D, OutputShapeIsComputedWhenOmitted) {
  Deconvolution2D valid(3, 3, 3, {.subsample = {2, 2}, .dim_ordering = "tf"});
  EXPECT_EQ(valid.output_shape({None, 12, 12, 3}), (Shape{None, 25, 25, 3}));
  Deconvolution2D same(5, 3, 3, {.border_mode = "same", .subsample = {2, 2}, .dim_ordering = "th"});
  EXPECT_EQ(same.output_shape({None, 3, 12, 10}), (Shape{None, 5, 24, 20}));
}

TEST(Deconvolution2D, ImpossibleOutputShapeListsThePossibleSizes) {
  Deconvolution2D d(3, 3, 3,
                    {.output_shape = {None, 13, 25, 3}, .subsample = {2, 2}, .dim_ordering = "tf"});
  EXPECT_THROW_MSG(d.build({None, 12, 12, 3}), ValueError, "can only give 25, 26");
  Deconvolution2D channels_wrong_ok(3, 3, 3, {.dim_ordering = "tf"});
  EXPECT_THROW_MSG(
      Deconvolution2D(3, 3, 3, {.output_shape = {None, 14, 14, 4}, .dim_ordering = "tf"}),
      ValueError, "has 4 channels, expected nb_filter = 3");
}

TEST(Convolution3D, QuickVector) {
  Convolution3D conv(16, 3, 3, 3, {.dim_ordering = "th"});
  conv.build({None, 1, 16, 16, 16});
  EXPECT_EQ(conv.output_shape({None, 1, 16, 16, 16}), (Shape{None, 16, 14, 14, 14}));
  EXPECT_EQ(conv.count_params(), 448);
}

// --- gradients -----------------------------------------------------------------------------

Tensor input(const Shape& s, std::uint64_t seed) {
  set_seed(seed);
  return Tensor::random_uniform(s, -1.f, 1.f);
}

// Builds `layer` for x, then checks dy/dx and every weight gradient numerically.
void expect_layer_gradients(Layer& layer, const Tensor& x_value) {
  Variable x(x_value, true, "x");
  layer.build(x.shape());
  std::vector<Variable> params{x};
  for (const auto& w : layer.weights()) params.push_back(w);
  const auto r = gradcheck([&] { return layer(x); }, params);
  EXPECT_TRUE(r.ok) << layer.name() << ": " << r.message;
}

TEST(ConvolutionGradients, Convolution1DEveryBorderModeStrideAndRate) {
  for (const char* mode : {"valid", "same", "full"}) {
    for (std::int64_t stride : {1, 2}) {
      for (std::int64_t rate : {1, 2}) {
        SCOPED_TRACE(std::string(mode) + " s" + std::to_string(stride) + " r" +
                     std::to_string(rate));
        AtrousConvolution1D layer(3, 3,
                                  {.activation = "tanh",
                                   .border_mode = mode,
                                   .subsample_length = stride,
                                   .atrous_rate = rate});
        expect_layer_gradients(layer, input({2, 9, 2}, 1));
      }
    }
  }
}

TEST(ConvolutionGradients, Convolution2DBothOrderingsEveryBorderMode) {
  for (const char* ordering : {"tf", "th"}) {
    for (const char* mode : {"valid", "same", "full"}) {
      for (std::int64_t stride : {1, 2}) {
        SCOPED_TRACE(std::string(ordering) + " " + mode + " s" + std::to_string(stride));
        Convolution2D layer(
            3, 3, 2,
            {.border_mode = mode, .subsample = {stride, stride}, .dim_ordering = ordering});
        const Shape s = std::string(ordering) == "tf" ? Shape{2, 6, 5, 2} : Shape{2, 2, 6, 5};
        expect_layer_gradients(layer, input(s, 2));
      }
    }
  }
}

TEST(ConvolutionGradients, AtrousConvolution2DDilationWithStride) {
  for (const char* ordering : {"tf", "th"}) {
    for (const char* mode : {"valid", "same", "full"}) {
      SCOPED_TRACE(std::string(ordering) + " " + mode);
      AtrousConvolution2D layer(2, 2, 3,
                                {.activation = "sigmoid",
                                 .border_mode = mode,
                                 .subsample = {2, 1},
                                 .atrous_rate = {2, 3},
                                 .dim_ordering = ordering});
      const Shape s = std::string(ordering) == "tf" ? Shape{1, 7, 8, 2} : Shape{1, 2, 7, 8};
      expect_layer_gradients(layer, input(s, 3));
    }
  }
}

TEST(ConvolutionGradients, SeparableConvolution2DBothOrderings) {
  for (const char* ordering : {"tf", "th"}) {
    for (const char* mode : {"valid", "same"}) {
      for (std::int64_t dm : {1, 2}) {
        SCOPED_TRACE(std::string(ordering) + " " + mode + " dm" + std::to_string(dm));
        SeparableConvolution2D layer(3, 3, 2,
                                     {.activation = "elu",
                                      .border_mode = mode,
                                      .subsample = {2, 2},
                                      .depth_multiplier = dm,
                                      .dim_ordering = ordering});
        const Shape s = std::string(ordering) == "tf" ? Shape{2, 6, 7, 2} : Shape{2, 2, 6, 7};
        expect_layer_gradients(layer, input(s, 4));
      }
    }
  }
}

TEST(ConvolutionGradients, Deconvolution2DBothOrderings) {
  for (const char* ordering : {"tf", "th"}) {
    for (const char* mode : {"valid", "same"}) {
      for (std::int64_t stride : {1, 2}) {
        SCOPED_TRACE(std::string(ordering) + " " + mode + " s" + std::to_string(stride));
        Deconvolution2D layer(2, 3, 2,
                              {.activation = "softplus",
                               .border_mode = mode,
                               .subsample = {stride, stride},
                               .dim_ordering = ordering});
        const Shape s = std::string(ordering) == "tf" ? Shape{2, 4, 3, 3} : Shape{2, 3, 4, 3};
        expect_layer_gradients(layer, input(s, 5));
      }
    }
  }
}

TEST(ConvolutionGradients, Convolution3DBothOrderings) {
  for (const char* ordering : {"tf", "th"}) {
    for (const char* mode : {"valid", "same", "full"}) {
      SCOPED_TRACE(std::string(ordering) + " " + mode);
      Convolution3D layer(2, 2, 3, 2,
                          {.activation = "hard_sigmoid",
                           .border_mode = mode,
                           .subsample = {1, 2, 1},
                           .dim_ordering = ordering});
      const Shape s = std::string(ordering) == "tf" ? Shape{1, 3, 5, 4, 2} : Shape{1, 2, 3, 5, 4};
      expect_layer_gradients(layer, input(s, 6));
    }
  }
}

TEST(ConvolutionGradients, BlockedActivationsFlowBetweenLayers) {
  // Two th convolutions in a row: the first output stays in oneDNN's blocked layout.
  Convolution2D a(16, 3, 3, {.activation = "tanh", .border_mode = "same", .dim_ordering = "th"});
  Convolution2D b(4, 3, 3, {.dim_ordering = "th"});
  Variable x(input({1, 3, 6, 6}, 7), true);
  a.build(x.shape());
  b.build(a.output_shape(x.shape()));
  const Variable hidden = a(x);
  const Variable direct = b(hidden);
  const Variable via_plain = b(Variable(hidden.value().to_plain()));
  const auto u = direct.to_vector(), v = via_plain.to_vector();
  ASSERT_EQ(u.size(), v.size());
  for (std::size_t i = 0; i < u.size(); ++i) EXPECT_NEAR(u[i], v[i], 1e-5f);
  std::vector<Variable> params{x};
  for (const auto& w : a.weights()) params.push_back(w);
  for (const auto& w : b.weights()) params.push_back(w);
  const auto r = gradcheck([&] { return b(a(x)); }, params);
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(ConvolutionGradients, FirstLayerRunsNoBackwardDataPrimitive) {
  // A 13x11 input no other test uses, so that every primitive here is created fresh.
  Convolution2D conv(4, 3, 3, {.dim_ordering = "tf"});
  const Variable x(input({2, 13, 11, 1}, 8));  // the data: needs no gradient
  conv.build(x.shape());
  const auto bwd_data_before = primitive_cache().count("conv_bwd_data");
  const auto bwd_weights_before = primitive_cache().count("conv_bwd_weights");
  {
    Tape tape;
    tape.gradient(sum(conv(x)), conv.weights());
  }
  EXPECT_EQ(primitive_cache().count("conv_bwd_data"), bwd_data_before);
  EXPECT_EQ(primitive_cache().count("conv_bwd_weights"), bwd_weights_before + 1);
  // Asking for the input's gradient is what builds the backward-data primitive.
  Variable xg(x.value(), true);
  {
    Tape tape;
    tape.gradient(sum(conv(xg)), {xg});
  }
  EXPECT_EQ(primitive_cache().count("conv_bwd_data"), bwd_data_before + 1);
}

// --- weights, penalties, constraints, config -----------------------------------------------

TEST(ConvolutionWeights, WeightsArgumentIsAppliedAtBuild) {
  const Tensor W = Tensor::full({2, 1, 1, 1}, 0.5f), b = Tensor::full({1}, 0.25f);
  Convolution1D conv(1, 2, {.weights = {W, b}});
  const Variable y = conv(Variable(Tensor::from_data({1, 3, 1}, {1, 2, 3})));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1.75f, 2.75f}));  // 0.5(1+2)+0.25, 0.5(2+3)+0.25
  EXPECT_EQ(conv.get_weights()[0].to_vector(), W.to_vector());
}

TEST(ConvolutionWeights, SetWeightsChecksCountAndShape) {
  Convolution2D conv(4, 3, 3, {.dim_ordering = "tf", .name = "conv_a"});
  conv.build({None, 8, 8, 2});
  EXPECT_THROW_MSG(conv.set_weights({Tensor::zeros({3, 3, 2, 4})}), ValueError,
                   "Convolution2D 'conv_a': got 1 weight arrays, expected 2 (W, b)");
  EXPECT_THROW_MSG(conv.set_weights({Tensor::zeros({4, 2, 3, 3}), Tensor::zeros({4})}), ValueError,
                   "weight W has shape (3, 3, 2, 4), got an array of shape (4, 2, 3, 3)");
}

TEST(ConvolutionWeights, FrozenLayerHasNoTrainableWeights) {
  Convolution2D conv(4, 3, 3, {.trainable = false});
  conv.build({None, 8, 8, 2});
  EXPECT_TRUE(conv.trainable_weights().empty());
  EXPECT_EQ(conv.non_trainable_weights().size(), 2u);
  EXPECT_FALSE(conv.weights()[0].requires_grad());
}

TEST(ConvolutionWeights, CorrectedFansForConvolution1DAndTfConvolution3D) {
  Convolution1D c1(8, 5);
  c1.build({None, 10, 3});
  EXPECT_EQ(c1.weight_fans("W").fan_in, 15);   // k * C (Keras 1.2.2: C * F = 24)
  EXPECT_EQ(c1.weight_fans("W").fan_out, 40);  // k * F
  Convolution3D c3(4, 3, 2, 5, {.dim_ordering = "tf"});
  c3.build({None, 6, 6, 6, 2});
  EXPECT_EQ(c3.weight_fans("W").fan_in, 60);  // C * 3*2*5 (Keras 1.2.2 left out the 5)
}

TEST(ConvolutionWeights, RegularizationLossSumsWeightAndActivityPenalties) {
  Convolution2D conv(1, 3, 3,
                     {.init = "one",
                      .W_regularizer = regularizers::l2(0.01f),
                      .activity_regularizer = regularizers::activity_l1(0.1f)});
  const Variable y = conv(Variable(Tensor::ones({1, 3, 3, 1})));
  EXPECT_FLOAT_EQ(y.item(), 9.f);
  // l2(0.01) on nine ones = 0.09 (spec 14) plus activity_l1(0.1) on the output 9 = 0.9.
  EXPECT_NEAR(conv.regularization_loss().item(), 0.99f, 1e-6f);
}

TEST(ConvolutionWeights, ConstraintsProjectAfterUpdate) {
  Convolution2D conv(1, 1, 1, {.W_constraint = constraints::nonneg(), .bias = false});
  conv.build({None, 2, 2, 2});
  conv.set_weights({Tensor::from_data({1, 1, 2, 1}, {-1.f, 2.f})});
  conv.apply_constraints();
  EXPECT_EQ(conv.get_weights()[0].to_vector(), (std::vector<float>{0.f, 2.f}));
}

TEST(ConvolutionConfig, FromConfigRoundTrip) {
  SeparableConvolution2D sep(8, 3, 2,
                             {.border_mode = "same",
                              .depth_multiplier = 2,
                              .dim_ordering = "th",
                              .pointwise_regularizer = regularizers::l2(0.5f),
                              .name = "sep"});
  const Config c = sep.get_config();
  EXPECT_EQ(c["pointwise_regularizer"]["l2"], 0.5);  // Keras 1.2.2 lost it (spec 2.5)
  auto rebuilt = layer_from_config("SeparableConv2D", c);
  EXPECT_EQ(rebuilt->get_config(), c);
  EXPECT_EQ(rebuilt->output_shape({None, 3, 9, 9}), sep.output_shape({None, 3, 9, 9}));
}

TEST(ConvolutionConfig, UnknownArgumentAndClassAreErrors) {
  EXPECT_THROW_MSG(
      layer_from_config("Convolution2D",
                        {{"nb_filter", 2}, {"nb_row", 3}, {"nb_col", 3}, {"border", "same"}}),
      ValueError,
      "Convolution2D: unexpected argument 'border', expected one of nb_filter, nb_row, nb_col,");
  EXPECT_THROW_MSG(layer_from_config("Convolution4D", Config::object()), ValueError,
                   "unknown layer class 'Convolution4D'");
}

// --- bad configurations --------------------------------------------------------------------

TEST(ConvolutionErrors, BadArgumentsRaiseAtConstruction) {
  EXPECT_THROW_MSG(Convolution2D(0, 3, 3, {.name = "c"}), ValueError,
                   "Convolution2D 'c': nb_filter is 0, expected > 0");
  EXPECT_THROW_MSG(Convolution2D(4, 3, -1), ValueError, "nb_col is -1, expected > 0");
  EXPECT_THROW_MSG(Convolution1D(4, 0), ValueError, "filter_length is 0, expected > 0");
  EXPECT_THROW_MSG(Convolution2D(4, 3, 3, {.subsample = {1, 0}}), ValueError,
                   "subsample is [1, 0], expected every entry > 0");
  EXPECT_THROW_MSG(AtrousConvolution1D(4, 3, {.atrous_rate = 0}), ValueError, "atrous_rate is 0");
  EXPECT_THROW_MSG(SeparableConvolution2D(4, 3, 3, {.depth_multiplier = 0}), ValueError,
                   "depth_multiplier is 0, expected > 0");
  EXPECT_THROW_MSG(
      Convolution2D(4, 3, 3, {.border_mode = "sane", .name = "conv_1"}), ValueError,
      "Convolution2D 'conv_1': border_mode is 'sane', expected one of valid, same, full");
  EXPECT_THROW_MSG(SeparableConvolution2D(4, 3, 3, {.border_mode = "full"}), ValueError,
                   "border_mode is 'full', expected one of valid, same");
  EXPECT_THROW_MSG(Deconvolution2D(4, 3, 3, {.border_mode = "full"}), ValueError,
                   "border_mode is 'full', expected one of valid, same");
  EXPECT_THROW_MSG(Convolution2D(4, 3, 3, {.init = "glorot_unifrom"}), ValueError,
                   "init 'glorot_unifrom' is not one of");
  EXPECT_THROW_MSG(
      Convolution2D(4, 3, 3, {.activation = "rleu"}), ValueError,
      "activation is 'rleu', expected one of linear, relu, tanh, sigmoid, hard_sigmoid, softplus,");
  EXPECT_THROW_MSG(Convolution3D(4, 3, 3, 3, {.dim_ordering = "nchw"}), ValueError,
                   "dim_ordering is 'nchw', expected one of default, tf, th");
}

TEST(ConvolutionErrors, BadInputsRaiseAtBuild) {
  Convolution2D conv(4, 5, 5, {.dim_ordering = "tf", .name = "c"});
  EXPECT_THROW_MSG(
      conv.build({None, 3, 8, 2}), ShapeError,
      "Convolution2D 'c': a 'valid' kernel of extent 5 does not fit spatial axis 0 of length 3");
  EXPECT_THROW_MSG(
      conv.build({None, 8, 8}), ShapeError,
      "expected an input of rank 4 (batch, rows, cols, channels), got shape (None, 8, 8)");
  conv.build({None, 8, 8, 2});
  EXPECT_THROW_MSG(conv(Variable(Tensor::zeros({1, 8, 8, 3}))), ShapeError,
                   "has 3 channels, but the layer was built for 2");
  AtrousConvolution2D atrous(4, 3, 3, {.atrous_rate = {3, 3}});
  EXPECT_THROW_MSG(atrous.build({None, 6, 9, 1}), ShapeError, "kernel of extent 7");
}

}  // namespace
}  // namespace keel::layers

namespace keel::layers {
namespace {

// Held-back bug: a constraint returned a plain tensor, so every constrained kernel was reordered
// to plain and back each step. Now it projects in the kernel's compute layout.
TEST(ConvolutionWeights, ConstrainedKernelStaysInItsComputeLayout) {
  set_seed(5);
  Convolution2D conv(32, 3, 3,
                     {.border_mode = "same",
                      .dim_ordering = "tf",
                      .W_constraint = constraints::maxnorm(0.1f, {0, 1, 2})});
  Variable x(Tensor::random_uniform({4, 8, 8, 16}, -1.f, 1.f));
  optimizers::SGD sgd({.lr = 0.5f});
  for (int step = 0; step < 2; ++step) {
    Tape tape;
    const Variable loss = sum(square(conv(x)));
    const std::vector<Variable> w = conv.trainable_weights();
    sgd.apply(tape.gradient(loss, w), w);
  }
  const Variable kernel = conv.trainable_weights()[0];
  EXPECT_FALSE(kernel.value().is_plain());  // still in the convolution's blocked layout
  const Layout compute = convolution_weights_layout(x.shape(), kernel.shape(), true,
                                                    ConvSpec{.strides = {1, 1},
                                                             .dilations = {1, 1},
                                                             .padding_l = {1, 1},
                                                             .padding_r = {1, 1},
                                                             .data_axes = {0, 3, 1, 2},
                                                             .weight_axes = {3, 2, 0, 1}},
                                                    true);
  EXPECT_EQ(kernel.value().desc(), compute.desc);
  // And the constraint held: every filter's norm is at most 0.1.
  const Tensor k = kernel.value().to_plain();  // (3, 3, 16, 32)
  for (std::int64_t f = 0; f < 32; ++f) {
    double ss = 0;
    for (std::int64_t i = 0; i < 3 * 3 * 16; ++i) ss += std::pow(k.data()[i * 32 + f], 2);
    EXPECT_LE(std::sqrt(ss), 0.1 + 1e-6) << "filter " << f;
  }
}

}  // namespace
}  // namespace keel::layers
