// The Keras 1.2.2 applications: Keras's parameter counts, layer names and output shapes, a
// training step at a small input size, and the argument errors.
#include "keel/applications/applications.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <ostream>
#include <regex>
#include <string>

#include "keel/layers/core_layers.h"
#include "keel/layers/dense.h"
#include "keel/layers/node.h"
#include "keel/models/model.h"
#include "keel/optimizers/optimizers.h"
#include "npy_test_util.h"
#include "test_util.h"

namespace keel::applications {
namespace {

struct Expected {
  std::string name;
  std::int64_t params;              // Keras 1.2.2's "Total params" with the top
  std::int64_t params_no_top;       // the same without it
  Shape no_top_output;              // at the default input size, tf
  std::vector<std::string> layers;  // some of Keras's layer names
};

void PrintTo(const Expected& e, std::ostream* os) { *os << e.name; }

// 138357544 -> "138,357,544", as Keras prints "Total params".
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

class Applications : public ::testing::TestWithParam<Expected> {};

TEST_P(Applications, KerasParameterCountsNamesAndShapes) {
  const Expected& e = GetParam();
  auto top = application(e.name, {.dim_ordering = "tf"});
  EXPECT_EQ(top->count_params(), e.params);
  EXPECT_EQ(top->output_shape(), (Shape{Shape::kUnknown, 1000}));
  for (const std::string& l : e.layers) EXPECT_NO_THROW(top->get_layer(l)) << l;
  EXPECT_NE(top->summary().find("Total params: " + with_commas(e.params)), std::string::npos);

  const std::int64_t size = e.name == "inception_v3" || e.name == "xception" ? 299 : 224;
  auto base = application(
      e.name, {.include_top = false, .input_shape = {size, size, 3}, .dim_ordering = "tf"});
  EXPECT_EQ(base->count_params(), e.params_no_top);
  EXPECT_EQ(base->output_shape(), e.no_top_output);
}

INSTANTIATE_TEST_SUITE_P(
    Keras122, Applications,
    ::testing::Values(
        Expected{"vgg16",
                 138357544,
                 14714688,
                 Shape{Shape::kUnknown, 7, 7, 512},
                 {"block1_conv1", "block5_conv3", "block5_pool", "flatten", "fc1", "fc2",
                  "predictions"}},
        Expected{"vgg19",
                 143667240,
                 20024384,
                 Shape{Shape::kUnknown, 7, 7, 512},
                 {"block3_conv4", "block5_conv4", "fc2", "predictions"}},
        Expected{"resnet50",
                 25636712,
                 23587712,
                 Shape{Shape::kUnknown, 1, 1, 2048},
                 {"conv1", "bn_conv1", "res2a_branch2a", "res2a_branch1", "bn2a_branch1",
                  "res4f_branch2c", "bn5c_branch2c", "avg_pool", "fc1000"}},
        Expected{"inception_v3",
                 23660968,
                 21611968,
                 Shape{Shape::kUnknown, 8, 8, 2048},
                 {"mixed0", "mixed3", "mixed7", "mixed9_0", "mixed9_1", "mixed10", "avg_pool",
                  "flatten", "predictions"}},
        Expected{"xception",
                 22910480,
                 20861480,
                 Shape{Shape::kUnknown, 10, 10, 2048},
                 {"block1_conv1", "block1_conv1_bn", "block2_sepconv1", "block2_pool",
                  "block12_sepconv3_bn", "block14_sepconv2_act", "avg_pool", "predictions"}}),
    [](const auto& info) { return info.param.name; });

// Keras 1.2.2's model.layers order (what its weight files are loaded by, without by_name):
// keel's graph models list their layers in the same order, class by class, with Keras's
// explicit names (automatic names like convolution2d_12 depend on what the process built
// before, in Keras as in keel).
TEST(Applications, LayersComeInKerasOrder) {
  std::ifstream in(test::test_data_dir() / "keras1" / "applications_layer_order.txt");
  ASSERT_TRUE(in.good());
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> reference;
  std::string line, model;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) {
      model = line.substr(2);
      continue;
    }
    const auto space = line.find(' ');
    if (line.empty() || space == std::string::npos || model.empty()) continue;
    reference[model].emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  const std::map<std::string, std::string> keel_names = {{"vgg16", "vgg16"},
                                                         {"vgg19", "vgg19"},
                                                         {"resnet50", "resnet50"},
                                                         {"inceptionv3", "inception_v3"},
                                                         {"xception", "xception"}};
  ASSERT_EQ(reference.size(), 5u);
  const std::regex automatic(
      "(input|zeropadding2d|convolution2d|batchnormalization|activation|maxpooling2d|"
      "averagepooling2d|merge|flatten)_[0-9]+");
  for (const auto& [ref_name, layers] : reference) {
    auto m = application(keel_names.at(ref_name), {.dim_ordering = "tf"});
    ASSERT_EQ(m->layers().size() + 1, layers.size()) << ref_name;  // Keras lists the input too
    EXPECT_EQ(layers[0].second, "InputLayer");
    for (std::size_t i = 1; i < layers.size(); ++i) {
      const auto& l = m->layers()[i - 1];
      EXPECT_EQ(l->class_name(), layers[i].second) << ref_name << " layer " << i;
      if (!std::regex_match(layers[i].first, automatic)) {
        EXPECT_EQ(l->name(), layers[i].first) << ref_name << " layer " << i;
      }
    }
  }
}

TEST(Applications, ThOrderingBuildsChannelsFirst) {
  auto m = VGG16({.include_top = false, .input_shape = {3, 64, 64}, .dim_ordering = "th"});
  EXPECT_EQ(m->output_shape(), (Shape{Shape::kUnknown, 512, 2, 2}));
  EXPECT_EQ(m->get_layer("block1_conv1")->get_weights()[0].shape(), (Shape{64, 3, 3, 3}));
  auto r = ResNet50({.include_top = false, .input_shape = {3, 197, 197}, .dim_ordering = "th"});
  EXPECT_EQ(r->count_params(), 23587712);
}

TEST(Applications, ArgumentErrorsNameTheModelTheArgumentAndTheValue) {
  EXPECT_THROW_MSG(VGG16({.input_shape = {150, 150, 3}, .dim_ordering = "tf"}), ValueError,
                   "VGG16: input_shape is (150, 150, 3) with include_top, expected (224, 224, 3)");
  EXPECT_THROW_MSG(
      ResNet50({.include_top = false, .input_shape = {96, 96, 3}, .dim_ordering = "tf"}),
      ValueError,
      "ResNet50: input_shape is (96, 96, 3), expected rows and columns "
      "of at least 197");
  EXPECT_THROW_MSG(VGG19({.include_top = false, .input_shape = {64, 64, 1}, .dim_ordering = "tf"}),
                   ValueError, "expected three axes with 3 channels last");
  EXPECT_THROW_MSG(Xception({.dim_ordering = "th"}), ValueError,
                   "Xception: dim_ordering is 'th', expected 'tf'");
  EXPECT_THROW_MSG(VGG16({.weights = "imagenet"}), ValueError,
                   "VGG16: weights is 'imagenet', expected the path of the Keras weights file");
  EXPECT_THROW_MSG(VGG16({.weights = "/nonexistent/vgg16.h5", .dim_ordering = "tf"}), ValueError,
                   "VGG16: weights: /nonexistent/vgg16.h5: cannot be opened");
  EXPECT_THROW_MSG(application("alexnet"), ValueError,
                   "application: 'alexnet' is not one of inception_v3, resnet50, vgg16, vgg19, "
                   "xception");
}

// Fine-tuning's first phase at a small size: a frozen base, a new head, one SGD step that
// changes the head and not the base.
void train_one_step(const std::shared_ptr<Model>& base, std::int64_t size) {
  ASSERT_EQ(base->input_shape(), (Shape{Shape::kUnknown, size, size, 3}));
  for (const auto& l : base->layers()) l->set_trainable(false);
  auto flat = (*std::make_shared<layers::Flatten>())(base->outputs()[0]);
  auto out =
      (*std::make_shared<layers::Dense>(2, layers::DenseOptions{.activation = "softmax"}))(flat);
  Model m(base->inputs(), {out});
  m.compile(std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.lr = 0.01f}),
            "categorical_crossentropy");
  const Tensor images = Tensor::random_uniform(Shape{2, size, size, 3}, 0.f, 1.f);
  const Tensor labels = Tensor::from_data(Shape{2, 2}, {1, 0, 0, 1});
  const Tensor base_before = base->weights()[0].value().to_plain().clone();
  const Tensor head_before = m.layers().back()->get_weights()[0].clone();
  m.fit({images}, {labels}, {.batch_size = 2, .nb_epoch = 1, .verbose = 0});
  const Tensor base_after = base->weights()[0].value().to_plain();
  const Tensor head_after = m.layers().back()->get_weights()[0];
  double base_change = 0, head_change = 0;
  for (std::int64_t i = 0; i < base_after.numel(); ++i)
    base_change += std::abs(base_after.data()[i] - base_before.data()[i]);
  for (std::int64_t i = 0; i < head_after.numel(); ++i)
    head_change += std::abs(head_after.data()[i] - head_before.data()[i]);
  EXPECT_EQ(base_change, 0.0);
  EXPECT_GT(head_change, 0.0);
}

TEST(Applications, FrozenVGG16BaseTrainsANewHead) {
  train_one_step(VGG16({.include_top = false, .input_shape = {48, 48, 3}, .dim_ordering = "tf"}),
                 48);
}
TEST(Applications, FrozenResNet50BaseTrainsANewHead) {
  train_one_step(
      ResNet50({.include_top = false, .input_shape = {197, 197, 3}, .dim_ordering = "tf"}), 197);
}
TEST(Applications, FrozenXceptionBaseTrainsANewHead) {
  train_one_step(Xception({.include_top = false, .input_shape = {71, 71, 3}}), 71);
}
TEST(Applications, FrozenInceptionV3BaseTrainsANewHead) {
  train_one_step(
      InceptionV3({.include_top = false, .input_shape = {139, 139, 3}, .dim_ordering = "tf"}), 139);
}

}  // namespace
}  // namespace keel::applications
