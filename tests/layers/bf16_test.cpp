// Mixed bfloat16 (core/context.h BFloat16Compute, models/model.h CompileOptions): every layer
// keel has runs under it, forward and backward, and computes what it computes in float32 within
// bfloat16's rounding (8 significant bits: a relative error of about 0.5% in norm, bound 2%);
// layers with convolutions and inner products run oneDNN's bf16 kernels (they differ from f32), the
// others stay float32 (identical). Models compiled with "mixed_bfloat16" train, keep float32
// weights, and checkpoints resume them in the same precision.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "test_util.h"
#include "tool_test_util.h"

namespace keel {
namespace {

using namespace keel::layers;

// ||a - b|| / ||b|| (2-norms): bf16's rounding spread over the tensor. An elementwise maximum
// would instead measure the few elements where a relu's mask flips (an output near 0 rounded
// across it), whose gradient then differs by a whole value.
double relative_error(const Tensor& a, const Tensor& b) {
  const Tensor pa = a.to_plain(), pb = b.to_plain();
  double diff = 0, norm = 0;
  for (std::int64_t i = 0; i < pb.numel(); ++i) {
    const double d = static_cast<double>(pa.data()[i]) - static_cast<double>(pb.data()[i]);
    diff += d * d;
    norm += static_cast<double>(pb.data()[i]) * pb.data()[i];
  }
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

struct LayerCase {
  std::string name;
  std::function<std::shared_ptr<Layer>()> make;
  Shape input;
  bool low_precision;  // runs bf16 kernels (convolutions, inner products)
  // The bound on the gradients' error. A fused relu's mask flips where bf16 rounds an output
  // near 0 across it, and each flip changes a gradient by a whole value: ~0.2% of the
  // elements here, 4% in norm.
  double gradient_bound = 2e-2;
};

// y and the gradients of sum(y * r) with respect to x and every trainable weight.
std::vector<Tensor> forward_backward(Layer& layer, const Tensor& x, bool bf16) {
  std::optional<BFloat16Compute> scope;
  if (bf16) scope.emplace();
  LearningPhase training(true);
  const Variable vx(x, true);
  Tape tape;
  const Variable y = layer(vx);
  set_seed(99);
  const Tensor r = Tensor::random_uniform(y.shape(), -1.f, 1.f);
  const Variable loss = sum(mul(y, Variable(r)));
  std::vector<Variable> sources{vx};
  for (const Variable& w : layer.trainable_weights()) sources.push_back(w);
  std::vector<Tensor> out{y.value()};
  for (Tensor& g : tape.gradient(loss, sources)) out.push_back(std::move(g));
  return out;
}

class EveryLayer : public ::testing::TestWithParam<LayerCase> {};

TEST_P(EveryLayer, Bf16MatchesFloat32WithinBf16Rounding) {
  if (!cpu_has_native_bf16()) GTEST_SKIP() << "no native bf16 here (" << cpu_isa_name() << ")";
  const LayerCase& c = GetParam();
  set_seed(5);
  const Tensor x = Tensor::random_uniform(c.input, -1.f, 1.f);
  auto f32_layer = c.make(), bf16_layer = c.make();
  set_seed(6);  // the same initial weights in both
  f32_layer->build(c.input);
  set_seed(6);
  bf16_layer->build(c.input);
  const std::vector<Tensor> ref = forward_backward(*f32_layer, x, false);
  const std::vector<Tensor> low = forward_backward(*bf16_layer, x, true);
  ASSERT_EQ(low.size(), ref.size());
  double largest = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ASSERT_EQ(low[i].shape(), ref[i].shape()) << i;
    const double e = relative_error(low[i], ref[i]);
    EXPECT_LT(e, i == 0 ? 2e-2 : c.gradient_bound)
        << c.name << ": output " << i << " (0: y, 1: dx, then the weights)";
    largest = std::max(largest, e);
  }
  if (c.low_precision)
    EXPECT_GT(largest, 1e-5) << c.name << ": no sign of bf16 kernels";
  else
    EXPECT_EQ(largest, 0.0) << c.name << ": should have stayed float32";
  // The weights themselves stay float32 under bf16 compute (the master copy).
  for (const Variable& w : bf16_layer->weights())
    EXPECT_EQ(w.value().desc().data_type(), dnnl::memory::data_type::f32) << c.name;
}

template <typename L, typename... A>
std::function<std::shared_ptr<Layer>()> make(A... args) {
  return [=] { return std::make_shared<L>(args...); };
}

INSTANTIATE_TEST_SUITE_P(
    Bf16, EveryLayer,
    ::testing::Values(
        LayerCase{"Convolution1D", make<Convolution1D>(8, 3), {2, 12, 16}, true},
        LayerCase{"AtrousConvolution1D",
                  make<AtrousConvolution1D>(8, 3, AtrousConvolution1DOptions{.atrous_rate = 2}),
                  {2, 12, 16},
                  true},
        LayerCase{
            "Convolution2D_tf",
            make<Convolution2D>(16, 3, 3,
                                Convolution2DOptions{.activation = "relu", .border_mode = "same"}),
            {2, 10, 10, 16},
            true,
            1e-1},
        LayerCase{"Convolution2D_th",
                  make<Convolution2D>(16, 3, 3, Convolution2DOptions{.dim_ordering = "th"}),
                  {2, 16, 10, 10},
                  true},
        LayerCase{"Convolution2D_groups",
                  make<Convolution2D>(16, 3, 3, Convolution2DOptions{.groups = 2}),
                  {2, 9, 9, 16},
                  true},
        LayerCase{
            "AtrousConvolution2D",
            make<AtrousConvolution2D>(16, 3, 3, AtrousConvolution2DOptions{.atrous_rate = {2, 2}}),
            {2, 11, 11, 16},
            true},
        LayerCase{
            "SeparableConvolution2D",
            make<SeparableConvolution2D>(16, 3, 3,
                                         SeparableConvolution2DOptions{.depth_multiplier = 2}),
            {2, 10, 10, 8},
            true},
        LayerCase{"Deconvolution2D",
                  make<Deconvolution2D>(
                      8, 3, 3, Deconvolution2DOptions{.border_mode = "same", .subsample = {2, 2}}),
                  {2, 6, 6, 16},
                  true},
        LayerCase{"Convolution3D", make<Convolution3D>(8, 3, 3, 3), {2, 6, 6, 6, 16}, true},
        LayerCase{"Dense", make<Dense>(24, DenseOptions{.activation = "tanh"}), {64, 40}, true},
        // Fewer than 64 rows: f32 (autograd/dense.cpp: the per-update bf16 copy of the kernel
        // costs more than bf16 saves on a few rows).
        LayerCase{"Dense_few_rows", make<Dense>(24, DenseOptions{.activation = "tanh"}), {8, 40},
                  false},
        LayerCase{"BatchNormalization", make<BatchNormalization>(), {4, 5, 5, 8}, false},
        LayerCase{"MaxPooling2D", make<MaxPooling2D>(), {2, 8, 8, 16}, false},
        LayerCase{"AveragePooling3D", make<AveragePooling3D>(), {2, 4, 4, 4, 8}, false},
        LayerCase{"GlobalAveragePooling2D", make<GlobalAveragePooling2D>(), {2, 5, 5, 8}, false},
        LayerCase{"UpSampling2D", make<UpSampling2D>(), {2, 4, 4, 8}, false},
        LayerCase{"ZeroPadding2D", make<ZeroPadding2D>(), {2, 4, 4, 8}, false},
        LayerCase{"Cropping2D", make<Cropping2D>(), {2, 6, 6, 8}, false},
        LayerCase{"Flatten", make<Flatten>(), {2, 3, 3, 4}, false},
        LayerCase{"Activation", make<Activation>("sigmoid"), {2, 7}, false},
        LayerCase{"Dropout", make<Dropout>(0.0), {2, 7}, false}),
    [](const auto& info) { return info.param.name; });

Tensor one_hot(std::int64_t n, std::int64_t classes) {
  std::vector<float> hot(static_cast<std::size_t>(n * classes), 0.f);
  for (std::int64_t i = 0; i < n; ++i)
    hot[static_cast<std::size_t>(i * classes + i % classes)] = 1.f;
  return Tensor::from_data({n, classes}, hot);
}

std::unique_ptr<Sequential> small_cnn(const std::string& precision) {
  set_seed(4);
  auto m = std::make_unique<Sequential>();
  m->add(Convolution2D(8, 3, 3, {.activation = "relu", .input_shape = {8, 8, 1}}));
  m->add(Flatten());
  m->add(Dense(3, {.activation = "softmax"}));
  m->compile("adam", "categorical_crossentropy", {"accuracy"}, {.precision = precision});
  return m;
}

TEST(MixedBfloat16, ModelTrainsLikeFloat32AndKeepsFloat32Weights) {
  if (!cpu_has_native_bf16()) GTEST_SKIP() << "no native bf16 here (" << cpu_isa_name() << ")";
  set_seed(1);
  const Tensor x = Tensor::random_uniform({48, 8, 8, 1});
  const Tensor y = one_hot(48, 3);
  auto f32 = small_cnn("float32");
  auto bf16 = small_cnn("mixed_bfloat16");
  EXPECT_EQ(bf16->precision(), "mixed_bfloat16");
  const auto h32 = f32->fit(x, y, {.batch_size = 16, .nb_epoch = 8, .verbose = 0});
  const auto h16 = bf16->fit(x, y, {.batch_size = 16, .nb_epoch = 8, .verbose = 0});
  const auto& l32 = h32.history.at("loss");
  const auto& l16 = h16.history.at("loss");
  EXPECT_LT(l16.back(), l16.front());  // it learns
  EXPECT_NEAR(l16.back(), l32.back(), 0.05 * l32.back());
  for (const Variable& w : bf16->weights())
    EXPECT_EQ(w.value().desc().data_type(), dnnl::memory::data_type::f32);
  // Predictions in bf16 agree with the f32 model's on the bf16 model's weights.
  auto check = small_cnn("float32");
  check->set_weights(bf16->get_weights());
  EXPECT_LT(relative_error(bf16->predict(x, {.verbose = 0}), check->predict(x, {.verbose = 0})),
            3e-2);
}

TEST(MixedBfloat16, CheckpointsKeepFloat32WeightsAndResumeInBf16) {
  if (!cpu_has_native_bf16()) GTEST_SKIP() << "no native bf16 here (" << cpu_isa_name() << ")";
  set_seed(2);
  const Tensor x = Tensor::random_uniform({16, 8, 8, 1});
  const Tensor y = one_hot(16, 3);
  auto m = small_cnn("mixed_bfloat16");
  m->train_on_batch(x, y);
  test::TempFile f(".ckpt");
  save_checkpoint(f.path(), *m);
  Checkpoint c = load_checkpoint(f.path());
  EXPECT_EQ(c.model->precision(), "mixed_bfloat16");
  const auto a = m->get_weights(), b = c.model->get_weights();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].to_vector(), b[i].to_vector()) << i;
  // One more step from the same state gives the same weights in both.
  m->train_on_batch(x, y);
  c.model->train_on_batch(x, y);
  const auto a2 = m->get_weights(), b2 = c.model->get_weights();
  for (std::size_t i = 0; i < a2.size(); ++i) EXPECT_EQ(a2[i].to_vector(), b2[i].to_vector()) << i;
  EXPECT_EQ(small_cnn("float32")->compile_config().count("precision"), 0u);  // older files
}

TEST(MixedBfloat16, CompileRejectsAnUnknownPrecisionAndAProcessorWithoutBf16) {
  auto m = std::make_unique<Sequential>();
  m->add(Dense(2, {.input_shape = {3}}));
  EXPECT_THROW_MSG(m->compile("sgd", "mse", {}, {.precision = "float16"}), ValueError,
                   "precision is 'float16', expected 'float32' or 'mixed_bfloat16'");
  if (cpu_has_native_bf16()) {
    EXPECT_NO_THROW(m->compile("sgd", "mse", {}, {.precision = "mixed_bfloat16"}));
  } else {
    EXPECT_THROW_MSG(m->compile("sgd", "mse", {}, {.precision = "mixed_bfloat16"}), ValueError,
                     "needs a processor with native bfloat16");
  }
}

TEST(MixedBfloat16, TheScopeNestsAndEnds) {
  EXPECT_FALSE(bf16_compute());
  {
    const BFloat16Compute outer;
    { const BFloat16Compute inner; }
    EXPECT_TRUE(bf16_compute());
  }
  EXPECT_FALSE(bf16_compute());
}

}  // namespace
}  // namespace keel
