// Sequential and graph models: fit / evaluate / predict, callbacks, summary, weights files and
// the errors of bad input.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace keel {
namespace {

using namespace keel::layers;
namespace fs = std::filesystem;
constexpr std::int64_t None = Shape::kUnknown;

// Two Gaussian blobs in 4 dimensions, one-hot labels: separable, so a small net learns it.
struct Blobs {
  Tensor x, y;
};

Blobs blobs(std::int64_t n, std::uint64_t seed) {
  Philox rng(seed);
  std::vector<float> x(static_cast<std::size_t>(n * 4)), y(static_cast<std::size_t>(n * 2), 0.f),
      noise(x.size());
  rng.fill_normal(noise, 0.f, 0.5f);
  for (std::int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(i % 2);
    for (int j = 0; j < 4; ++j)
      x[static_cast<std::size_t>(i * 4 + j)] =
          (label ? 1.f : -1.f) + noise[static_cast<std::size_t>(i * 4 + j)];
    y[static_cast<std::size_t>(i * 2 + label)] = 1.f;
  }
  return {Tensor::from_data({n, 4}, x), Tensor::from_data({n, 2}, y)};
}

std::unique_ptr<Sequential> mlp(float lr = 0.05f) {
  auto model = std::make_unique<Sequential>();
  model->add(Dense(8, {.activation = "tanh", .input_shape = {4}}));
  model->add(Dense(2, {.activation = "softmax"}));
  model->compile(std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.lr = lr}),
                 "categorical_crossentropy", {"accuracy"});
  return model;
}

TEST(Fit, ConvergesOnASeparableProblem) {
  set_seed(3);
  const Blobs data = blobs(256, 1);
  auto model = mlp(0.1f);
  const auto before = model->evaluate(data.x, data.y, {.verbose = 0});
  const auto history = model->fit(data.x, data.y, {.batch_size = 32, .nb_epoch = 20, .verbose = 0});
  const auto after = model->evaluate(data.x, data.y, {.verbose = 0});
  EXPECT_LT(after[0], before[0] * 0.5);
  EXPECT_GT(after[1], 0.95);
  ASSERT_EQ(history.epoch.size(), 20u);
  EXPECT_LT(history.history.at("loss").back(), history.history.at("loss").front());
  EXPECT_EQ(model->metrics_names(), (std::vector<std::string>{"loss", "acc"}));
}

TEST(Fit, ConvolutionalModelTrains) {
  set_seed(4);
  // Bright top half vs bright bottom half, 8x8 single-channel images.
  const std::int64_t n = 64;
  std::vector<float> x(static_cast<std::size_t>(n * 64)), y(static_cast<std::size_t>(n * 2), 0.f);
  for (std::int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(i % 2);
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c)
        x[static_cast<std::size_t>(i * 64 + r * 8 + c)] = (r < 4) == (label == 0) ? 1.f : 0.f;
    y[static_cast<std::size_t>(i * 2 + label)] = 1.f;
  }
  Sequential model;
  model.add(Convolution2D(4, 3, 3, {.activation = "relu", .input_shape = {8, 8, 1}}));
  model.add(MaxPooling2D());
  model.add(Flatten());
  model.add(Dense(2, {.activation = "softmax"}));
  model.compile("adam", "categorical_crossentropy", {"accuracy"});
  const Tensor xt = Tensor::from_data({n, 8, 8, 1}, x), yt = Tensor::from_data({n, 2}, y);
  model.fit(xt, yt, {.batch_size = 16, .nb_epoch = 15, .verbose = 0});
  EXPECT_GT(model.evaluate(xt, yt, {.verbose = 0})[1], 0.95);
  const Tensor p = model.predict(xt, {.batch_size = 10});  // batches of 10 + a last one of 4
  EXPECT_EQ(p.shape(), (Shape{n, 2}));
}

TEST(Fit, ValidationSplitTakesTheTailBeforeShuffling) {
  set_seed(5);
  const Blobs data = blobs(100, 2);
  auto model = mlp(0.f);  // lr 0: the weights never change, so the numbers are comparable
  const auto history = model->fit(
      data.x, data.y, {.batch_size = 16, .nb_epoch = 1, .verbose = 0, .validation_split = 0.2});
  const auto tail =
      model->evaluate(slice_rows(data.x, 80, 100), slice_rows(data.y, 80, 100), {.verbose = 0});
  EXPECT_NEAR(history.history.at("val_loss")[0], tail[0], 1e-6);
  EXPECT_NEAR(history.history.at("val_acc")[0], tail[1], 1e-6);
  const auto head =
      model->evaluate(slice_rows(data.x, 0, 80), slice_rows(data.y, 0, 80), {.verbose = 0});
  EXPECT_NEAR(history.history.at("loss")[0], head[0], 1e-5);  // every head sample, batch-weighted
}

TEST(Fit, EpochOrderIsReproducibleFromTheSeed) {
  auto run = [] {
    set_seed(11);
    const Blobs data = blobs(64, 3);
    auto model = mlp();
    model->fit(data.x, data.y, {.batch_size = 8, .nb_epoch = 2, .verbose = 0});
    return model->get_weights()[0].to_vector();
  };
  EXPECT_EQ(run(), run());
}

TEST(Callbacks, EarlyStoppingStopsAfterPatiencePlusOneBadEpochs) {
  const Blobs data = blobs(32, 4);
  auto model = mlp(0.f);  // the loss never improves after the first epoch
  auto stop = std::make_shared<callbacks::EarlyStopping>(
      callbacks::EarlyStoppingOptions{.monitor = "loss", .patience = 1});
  const auto history = model->fit(
      data.x, data.y, {.nb_epoch = 10, .verbose = 0, .callbacks = {stop}, .shuffle = false});
  EXPECT_EQ(history.epoch.size(), 3u);  // epoch 0 sets best, 1 waits, 2 stops (Keras 1 count)
  EXPECT_EQ(stop->stopped_epoch(), 2);
}

TEST(Callbacks, ModelCheckpointSavesOnlyOnImprovement) {
  const fs::path dir = fs::temp_directory_path() / ("keel_ckpt_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const Blobs data = blobs(32, 5);
  auto model = mlp(0.f);
  auto ckpt = std::make_shared<callbacks::ModelCheckpoint>(
      (dir / "w.{epoch:02d}-{loss:.2f}.keel").string(),
      callbacks::ModelCheckpointOptions{.monitor = "loss", .save_best_only = true});
  // Unshuffled: every epoch sees the same batches, so the loss is exactly the same.
  model->fit(data.x, data.y, {.nb_epoch = 3, .verbose = 0, .callbacks = {ckpt}, .shuffle = false});
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().filename().string());
  ASSERT_EQ(files.size(), 1u);  // equal losses are not improvements
  EXPECT_EQ(files[0].substr(0, 5), "w.00-");
  fs::remove_all(dir);
}

TEST(Callbacks, FormatFilepathLikePython) {
  EXPECT_EQ(
      callbacks::format_filepath("w.{epoch:02d}-{val_loss:.2f}.keel", 3, {{"val_loss", 0.12345}}),
      "w.03-0.12.keel");
  EXPECT_THROW_MSG(callbacks::format_filepath("{nope}", 0, {}), ValueError, "names 'nope'");
}

TEST(Callbacks, CSVLoggerWritesOneRowPerEpoch) {
  const fs::path file =
      fs::temp_directory_path() / ("keel_log_" + std::to_string(::getpid()) + ".csv");
  const Blobs data = blobs(32, 6);
  auto model = mlp();
  model->fit(data.x, data.y,
             {.nb_epoch = 2,
              .verbose = 0,
              .callbacks = {std::make_shared<callbacks::CSVLogger>(file.string())}});
  std::ifstream in(file);
  std::string header, row0, row1;
  std::getline(in, header);
  std::getline(in, row0);
  std::getline(in, row1);
  EXPECT_EQ(header, "epoch,acc,loss");
  EXPECT_EQ(row0.substr(0, 2), "0,");
  EXPECT_EQ(row1.substr(0, 2), "1,");
  fs::remove(file);
}

TEST(Callbacks, LearningRateSchedulerAndReduceLROnPlateauSetTheRate) {
  const Blobs data = blobs(32, 7);
  auto model = mlp(0.f);
  auto schedule = std::make_shared<callbacks::LearningRateScheduler>(
      [](int epoch) { return 0.5 / (epoch + 1); });
  model->fit(data.x, data.y, {.nb_epoch = 2, .verbose = 0, .callbacks = {schedule}});
  EXPECT_FLOAT_EQ(model->optimizer().lr(), 0.25f);

  // mode 'max' on a falling loss: never an improvement, so with patience 0 the second epoch
  // halves the rate (the first only sets the best value).
  auto reduce = std::make_shared<callbacks::ReduceLROnPlateau>(callbacks::ReduceLROnPlateauOptions{
      .monitor = "loss", .factor = 0.5, .patience = 0, .mode = "max"});
  auto model2 = mlp(0.1f);
  const auto history =
      model2->fit(data.x, data.y, {.nb_epoch = 2, .verbose = 0, .callbacks = {reduce}});
  ASSERT_EQ(history.history.at("lr").size(), 2u);
  EXPECT_FLOAT_EQ(static_cast<float>(history.history.at("lr")[0]), 0.1f);
  EXPECT_FLOAT_EQ(model2->optimizer().lr(), 0.05f);
  EXPECT_THROW_MSG(callbacks::ReduceLROnPlateau({.factor = 1.0}), ValueError,
                   "factor is 1, expected a number in [0, 1)");
}

TEST(Callbacks, TerminateOnNaNStopsCleanly) {
  const Blobs data = blobs(32, 8);
  Sequential model_;
  model_.add(Dense(2, {.input_shape = {4}}));  // linear output and mse: nothing bounds the loss
  model_.compile(std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.lr = 1e30f}), "mse");
  Sequential* model = &model_;  // the first update sends the weights, then the loss, to infinity
  const auto history = model->fit(data.x, data.y,
                                  {.batch_size = 8,
                                   .nb_epoch = 5,
                                   .verbose = 0,
                                   .callbacks = {std::make_shared<callbacks::TerminateOnNaN>()}});
  EXPECT_LE(history.epoch.size(), 1u);
  EXPECT_TRUE(model->stop_training);
}

TEST(Model, FrozenLayersDoNotChange) {
  const Blobs data = blobs(64, 9);
  auto model = std::make_unique<Sequential>();
  auto frozen = std::make_shared<Dense>(8, DenseOptions{.activation = "tanh", .input_shape = {4}});
  model->add(frozen);
  model->add(Dense(2, {.activation = "softmax"}));
  frozen->set_trainable(false);
  model->compile("sgd", "categorical_crossentropy");
  const auto before = frozen->get_weights();
  const auto head_before = model->get_weights()[2].to_vector();
  model->fit(data.x, data.y, {.nb_epoch = 2, .verbose = 0});
  EXPECT_EQ(frozen->get_weights()[0].to_vector(), before[0].to_vector());
  EXPECT_EQ(frozen->get_weights()[1].to_vector(), before[1].to_vector());
  EXPECT_NE(model->get_weights()[2].to_vector(), head_before);
  EXPECT_EQ(model->trainable_weights().size(), 2u);
}

TEST(Model, GraphWithASharedLayer) {
  auto a = Input({4}, "left");
  auto b = Input({4}, "right");
  auto shared = std::make_shared<Dense>(3, DenseOptions{.activation = "tanh"});
  auto merged =
      (*std::make_shared<Merge>(MergeOptions{.mode = "concat"}))({(*shared)(a), (*shared)(b)});
  auto out = (*std::make_shared<Dense>(2, DenseOptions{.activation = "softmax"}))(merged);
  Model model({a, b}, {out});
  EXPECT_EQ(model.layers().size(), 3u);
  EXPECT_EQ(model.count_params(), 4 * 3 + 3 + 6 * 2 + 2);  // the shared Dense counts once
  EXPECT_EQ(model.output_shape(), (Shape{None, 2}));
  model.compile("adam", "categorical_crossentropy", {"acc"});
  const Blobs data = blobs(32, 10);
  const auto w_before = shared->get_weights()[0].to_vector();
  model.fit({data.x, data.x}, {data.y}, {.batch_size = 8, .nb_epoch = 2, .verbose = 0});
  EXPECT_NE(shared->get_weights()[0].to_vector(), w_before);  // gradients from both branches
  const std::string s = model.summary();
  EXPECT_NE(s.find("left[0][0]"), std::string::npos);
  EXPECT_NE(s.find("right[0][0]"), std::string::npos) << s;  // the shared layer's second input
}

// train_on_batch updates each weight as soon as its gradient is final (the streamed step);
// with clipnorm the optimizer needs every gradient first and apply() runs after the backward.
// A clipnorm far above the gradients' norm clips nothing, so the two paths must agree bit for
// bit: on a graph with a shared layer (gradients from two branches), a convolution, batch
// normalization and a frozen layer, with momentum.
TEST(Model, StreamedTrainingStepsMatchTheWholeStepBitForBit) {
  auto run = [](float clipnorm) {
    set_seed(21);
    auto a = Input({6, 6, 2}, "left");
    auto b = Input({6, 6, 2}, "right");
    auto conv = std::make_shared<Convolution2D>(
        3, 3, 3, Convolution2DOptions{.activation = "relu", .border_mode = "same"});
    auto bn = std::make_shared<BatchNormalization>();
    auto frozen = std::make_shared<Convolution2D>(3, 1, 1);
    frozen->set_trainable(false);
    auto merged = (*std::make_shared<Merge>(MergeOptions{.mode = "sum"}))(
        {(*bn)((*conv)(a)), (*frozen)((*conv)(b))});
    auto out = (*std::make_shared<Dense>(2, DenseOptions{.activation = "softmax"}))(
        (*std::make_shared<Flatten>())(merged));
    Model model({a, b}, {out});
    model.compile(std::make_shared<optimizers::SGD>(
                      optimizers::SGDOptions{.lr = 0.05f, .momentum = 0.9f, .clipnorm = clipnorm}),
                  "categorical_crossentropy");
    const Tensor x1 = Tensor::random_normal({4, 6, 6, 2}), x2 = Tensor::random_normal({4, 6, 6, 2});
    const Tensor y = Tensor::from_data({4, 2}, {1, 0, 0, 1, 1, 0, 0, 1});
    std::vector<double> losses;
    for (int step = 0; step < 3; ++step) losses.push_back(model.train_on_batch({x1, x2}, {y})[0]);
    std::vector<std::vector<float>> weights;
    for (const Tensor& w : model.get_weights()) weights.push_back(w.to_vector());
    return std::make_pair(losses, weights);
  };
  const auto streamed = run(0.f), whole = run(1e30f);
  EXPECT_EQ(streamed.first, whole.first);
  ASSERT_EQ(streamed.second.size(), whole.second.size());
  for (std::size_t i = 0; i < streamed.second.size(); ++i)
    EXPECT_EQ(streamed.second[i], whole.second[i]) << "weight " << i;
}

// A BatchNormalization whose only consumer is Activation('relu') computes the relu in its own
// primitive: one recorded op instead of two, the same numbers as the two layers apart (an
// Activation('linear') in between prevents the fusion).
TEST(Model, BatchNormalizationFollowedByReluRunsAsOneOp) {
  auto build = [](bool separate) {
    auto x = Input({4, 4, 3});
    auto h = (*std::make_shared<BatchNormalization>())(x);
    if (separate) h = (*std::make_shared<Activation>("linear"))(h);
    auto y = (*std::make_shared<Activation>("relu"))(h);
    return std::make_unique<Model>(std::vector<SymbolicTensor>{x}, std::vector<SymbolicTensor>{y});
  };
  auto fused = build(false), separate = build(true);
  set_seed(8);
  const Variable x(Tensor::random_normal({5, 4, 4, 3}), true);
  const Tensor proj = Tensor::random_normal({5, 4, 4, 3});
  std::vector<std::vector<float>> results;
  std::vector<std::size_t> ops;
  for (Model* m : {fused.get(), separate.get()}) {
    layers::LearningPhase training(true);
    Tape tape;
    const Variable y = (*m)(x);
    ops.push_back(tape.size());
    const auto g = tape.gradient(sum(y * Variable(proj)), std::vector<Variable>{x});
    results.push_back(y.value().to_vector());
    results.push_back(g[0].to_vector());
  }
  EXPECT_EQ(ops[0], 1u);  // batch_norm with relu
  EXPECT_EQ(ops[1], 2u);  // batch_norm, relu (linear records nothing)
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(results[k].size(), results[k + 2].size());
    for (std::size_t i = 0; i < results[k].size(); ++i)
      ASSERT_NEAR(results[k][i], results[k + 2][i], 1e-5f) << (k ? "dx " : "y ") << i;
  }
}

TEST(Model, SummaryMatchesKeras) {
  Sequential model("seq");
  model.add(Convolution2D(
      32, 3, 3, {.dim_ordering = "th", .input_shape = {3, 32, 32}, .name = "convolution2d_1"}));
  model.add(Flatten({.name = "flatten_1"}));
  const std::string expected =
      std::string(100, '_') + "\n" +
      "Layer (type)                     Output Shape          Param #     Connected to             "
      "        \n" +
      std::string(100, '=') + "\n" +
      "convolution2d_1 (Convolution2D)  (None, 32, 30, 30)    896         "
      "convolution2d_input_1[0][0]      \n" +
      std::string(100, '_') + "\n" +
      "flatten_1 (Flatten)              (None, 28800)         0           convolution2d_1[0][0]    "
      "        \n" +
      std::string(100, '=') + "\n" +
      "Total params: 896\nTrainable params: 896\nNon-trainable params: 0\n" +
      std::string(100, '_') + "\n";
  std::string got = model.summary();
  // The implicit input's counter depends on how many Sequential models this process built.
  const auto pos = got.find("convolution2d_input_");
  ASSERT_NE(pos, std::string::npos);
  got.replace(pos, std::string("convolution2d_input_").size() + 1, "convolution2d_input_1");
  EXPECT_EQ(got, expected);
}

TEST(Model, SaveAndLoadWeightsByName) {
  const fs::path file =
      fs::temp_directory_path() / ("keel_w_" + std::to_string(::getpid()) + ".keel");
  auto a = mlp();
  a->save_weights(file.string());
  auto b = mlp();
  EXPECT_NE(a->get_weights()[0].to_vector(), b->get_weights()[0].to_vector());
  // Different automatic layer names: strict loading refuses and changes nothing.
  const auto w_b = b->get_weights()[0].to_vector();
  EXPECT_THROW_MSG(b->load_weights(file.string()), ValueError, "weights do not match model");
  EXPECT_EQ(b->get_weights()[0].to_vector(), w_b);
  const auto report = b->load_weights(file.string(), /*strict=*/false);
  EXPECT_EQ(report.missing.size(), 4u);
  EXPECT_EQ(report.unexpected.size(), 4u);
  // Same names: loads exactly.
  auto x = Input({4});
  auto d1 = std::make_shared<Dense>(8, DenseOptions{.name = a->layers()[0]->name()});
  auto d2 = std::make_shared<Dense>(2, DenseOptions{.name = a->layers()[1]->name()});
  Model c({x}, {(*d2)((*d1)(x))});
  c.load_weights(file.string());
  EXPECT_EQ(c.get_weights()[0].to_vector(), a->get_weights()[0].to_vector());
  EXPECT_EQ(c.get_weights()[3].to_vector(), a->get_weights()[3].to_vector());
  fs::remove(file);
}

TEST(ModelErrors, BadInputsAreClearErrors) {
  const Blobs data = blobs(32, 12);
  Sequential uncompiled;
  uncompiled.add(Dense(2, {.input_shape = {4}}));
  EXPECT_THROW_MSG(uncompiled.fit(data.x, data.y), ValueError, "fit before compile()");
  auto model = mlp();
  EXPECT_THROW_MSG(model->fit(data.x, slice_rows(data.y, 0, 10), {.verbose = 0}), ValueError,
                   "x has 32 samples but y has 10");
  EXPECT_THROW_MSG(model->fit(Tensor::zeros({32, 5}), data.y, {.verbose = 0}), ShapeError,
                   "has shape (32, 5), expected (None, 4)");
  EXPECT_THROW_MSG(model->fit(data.x, data.y, {.batch_size = 0}), ValueError,
                   "batch_size is 0, expected > 0");
  EXPECT_THROW_MSG(model->fit(data.x, data.y, {.validation_split = 1.0}), ValueError,
                   "validation_split is 1, expected a value in [0, 1)");
  EXPECT_THROW_MSG(model->compile("adamw", "mse"), ValueError, "adamw");
  EXPECT_THROW_MSG(model->compile("adam", "mean_squared_eror"), ValueError, "mean_squared_eror");
  EXPECT_THROW_MSG(model->compile("adam", "mse", {"accuracyy"}), ValueError, "accuracyy");
  Sequential no_input;
  EXPECT_THROW_MSG(no_input.add(Dense(2)), ValueError, "must be given an input_shape");
}

TEST(Progbar, KerasFormat) {
  std::FILE* out = std::tmpfile();
  Progbar bar(60000, 1, out);
  bar.set_terminal(false);
  bar.update(128, {{"loss", 2.2875}, {"acc", 0.1328}});
  EXPECT_EQ(bar.last_line(), "");  // not a terminal: only the final line is written
  bar.update(60000, {{"loss", 0.2598}, {"acc", 0.9186}}, true);
  // The running means: (2.2875 * 128 + 0.2598 * 59872) / 60000, ...
  char loss[16], acc[16];
  std::snprintf(loss, sizeof loss, "%.4f", (2.2875 * 128 + 0.2598 * 59872) / 60000);
  std::snprintf(acc, sizeof acc, "%.4f", (0.1328 * 128 + 0.9186 * 59872) / 60000);
  EXPECT_EQ(bar.last_line(),
            std::string("60000/60000 [==============================] - 0s - loss: ") + loss +
                " - acc: " + acc);
  std::fclose(out);
  Progbar partial(200, 1, std::tmpfile());
  partial.set_terminal(true);
  partial.update(50, {{"loss", 0.0001}}, true);
  EXPECT_EQ(partial.last_line().substr(0, 45), " 50/200 [======>.......................] - ET");
  EXPECT_NE(partial.last_line().find("loss: 1.0000e-04"), std::string::npos);
}

}  // namespace
}  // namespace keel

namespace keel {
namespace {

TEST(Callbacks, CheckpointCarriesCallbackStatesForResume) {
  const fs::path file =
      fs::temp_directory_path() / ("keel_cbstate_" + std::to_string(::getpid()) + ".ckpt");
  const Blobs data = blobs(32, 13);
  auto model = mlp(0.f);  // lr 0: every epoch after the first fails to improve
  auto stop = std::make_shared<callbacks::EarlyStopping>(
      callbacks::EarlyStoppingOptions{.monitor = "loss", .patience = 5});
  auto ckpt = std::make_shared<callbacks::ModelCheckpoint>(
      file.string(), callbacks::ModelCheckpointOptions{.monitor = "loss"});
  model->fit(data.x, data.y,
             {.nb_epoch = 3, .verbose = 0, .callbacks = {stop, ckpt}, .shuffle = false});
  const Checkpoint saved = load_checkpoint(file.string());
  EXPECT_EQ(saved.state.epoch, 3);
  // A fresh EarlyStopping resumes with the saved wait count and best value.
  auto resumed = std::make_shared<callbacks::EarlyStopping>(
      callbacks::EarlyStoppingOptions{.monitor = "loss", .patience = 5});
  callbacks::restore_states({resumed}, saved.state.callbacks);
  EXPECT_EQ(resumed->state(), stop->state());
  EXPECT_EQ(resumed->state().at("wait"), 2);
  fs::remove(file);
}

}  // namespace
}  // namespace keel
