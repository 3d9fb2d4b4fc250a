// Architectures survive get_config -> model_from_config, and checkpoints carry them.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <filesystem>

#include "test_util.h"

namespace keel {
namespace {

using namespace keel::layers;
namespace fs = std::filesystem;

std::shared_ptr<Model> shared_layer_graph() {
  auto a = Input({6}, "a");
  auto b = Input({6}, "b");
  auto shared = std::make_shared<Dense>(4, DenseOptions{.activation = "tanh", .name = "shared"});
  auto merged = (*std::make_shared<Merge>(MergeOptions{.mode = "sum", .name = "sum"}))(
      {(*shared)(a), (*shared)(b)});
  auto out =
      (*std::make_shared<Dense>(3, DenseOptions{.activation = "softmax", .name = "head"}))(merged);
  return std::make_shared<Model>(std::vector<SymbolicTensor>{a, b},
                                 std::vector<SymbolicTensor>{out}, "twin");
}

TEST(ModelConfig, GraphWithASharedLayerRoundTrips) {
  const auto model = shared_layer_graph();
  const Config c = model->get_config();
  EXPECT_EQ(c["class_name"], "Model");
  const auto rebuilt = model_from_config(c);
  EXPECT_EQ(rebuilt->get_config(), c);
  EXPECT_EQ(rebuilt->count_params(), model->count_params());
  // Same weights in, same outputs out.
  rebuilt->set_weights(model->get_weights());
  set_seed(1);
  const Tensor x = Tensor::random_uniform({5, 6});
  const Tensor y1 = model->predict({x, x})[0], y2 = rebuilt->predict({x, x})[0];
  EXPECT_EQ(y1.to_vector(), y2.to_vector());
}

TEST(ModelConfig, SequentialRoundTrips) {
  Sequential model("conv_stack");
  model.add(Convolution2D(4, 3, 3,
                          {.activation = "relu", .dim_ordering = "th", .input_shape = {2, 8, 8}}));
  model.add(MaxPooling2D(std::initializer_list<std::int64_t>{2, 2}, {.dim_ordering = "th"}));
  model.add(Flatten());
  model.add(Dense(3));
  const auto rebuilt = model_from_config(model.get_config());
  EXPECT_EQ(rebuilt->get_config(), model.get_config());
  EXPECT_EQ(rebuilt->output_shape(), model.output_shape());
}

TEST(ModelConfig, BadConfigsAreValueErrors) {
  EXPECT_THROW_MSG(model_from_config(Config::object()), ValueError, "expected {\"class_name\"");
  EXPECT_THROW_MSG(model_from_config({{"class_name", "Graph"}}), ValueError,
                   "unknown model class 'Graph'");
  Config c = shared_layer_graph()->get_config();
  c["config"]["layers"][2]["inbound_nodes"][0][0][0] = "nowhere";
  EXPECT_THROW_MSG(model_from_config(c), ValueError, "does not exist");
}

TEST(Checkpoint, GraphModelWithOptimizerRoundTrips) {
  const fs::path file =
      fs::temp_directory_path() / ("keel_graph_" + std::to_string(::getpid()) + ".ckpt");
  auto model = shared_layer_graph();
  model->compile(std::make_shared<optimizers::Adam>(), "categorical_crossentropy", {"accuracy"});
  set_seed(2);
  const Tensor x = Tensor::random_uniform({8, 6});
  std::vector<float> labels(8 * 3, 0.f);
  for (int i = 0; i < 8; ++i) labels[static_cast<std::size_t>(i * 3 + i % 3)] = 1.f;
  const Tensor y = Tensor::from_data({8, 3}, labels);
  model->train_on_batch({x, x}, {y});
  save_checkpoint(file.string(), *model, {.epoch = 4, .metadata = {{"note", "twin"}}});

  const RngState before = rng_state();
  const Checkpoint ckpt = load_checkpoint(file.string());
  EXPECT_EQ(rng_state(), before);  // loading draws nothing from the caller's stream
  EXPECT_EQ(ckpt.state.epoch, 4);
  EXPECT_EQ(ckpt.state.step, 1);
  EXPECT_EQ(ckpt.state.metadata.at("note"), "twin");
  EXPECT_EQ(ckpt.model->shuffle_seed(), model->shuffle_seed());
  ASSERT_TRUE(ckpt.optimizer);
  EXPECT_EQ(ckpt.optimizer->iterations(), 1);
  EXPECT_TRUE(ckpt.model->compiled());
  const auto w1 = model->get_weights(), w2 = ckpt.model->get_weights();
  ASSERT_EQ(w1.size(), w2.size());
  for (std::size_t i = 0; i < w1.size(); ++i) EXPECT_EQ(w1[i].to_vector(), w2[i].to_vector());
  // The next step is the same on both.
  model->train_on_batch({x, x}, {y});
  ckpt.model->train_on_batch({x, x}, {y});
  EXPECT_EQ(model->get_weights()[0].to_vector(), ckpt.model->get_weights()[0].to_vector());
  fs::remove(file);
}

TEST(Checkpoint, WeightsFileIsNotACheckpoint) {
  const fs::path file =
      fs::temp_directory_path() / ("keel_wonly_" + std::to_string(::getpid()) + ".keel");
  shared_layer_graph()->save_weights(file.string());
  EXPECT_THROW_MSG(load_checkpoint(file.string()), ValueError,
                   "a 'weights' file, not a checkpoint");
  fs::remove(file);
}

}  // namespace
}  // namespace keel
