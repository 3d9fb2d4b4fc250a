// Images from files and folders: decoding, resizing and their errors; ImageDataGenerator's
// transforms and normalisation; flow / flow_from_directory order, reproducibility and workers;
// fit_generator, evaluate_generator and predict_generator on them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "keel/data/image_file.h"
#include "keel/layers/convolution.h"
#include "keel/layers/core_layers.h"
#include "keel/layers/dense.h"
#include "keel/layers/dropout.h"
#include "keel/models/checkpoint.h"
#include "keel/models/sequential.h"
#include "keel/preprocessing/image_data_generator.h"
#include "test_util.h"

namespace keel::preprocessing {
namespace {

namespace fs = std::filesystem;

// A fresh folder under the temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* t = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / (std::string("keel_") + t->test_suite_name() + "_" +
                                         t->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

// A (rows, cols, 3) image whose pixel (r, c) is (10 r, 10 c, 7).
Tensor ramp(std::int64_t rows, std::int64_t cols) {
  Tensor t = Tensor::empty(Shape{rows, cols, 3});
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      t.data()[(r * cols + c) * 3 + 0] = float(10 * r);
      t.data()[(r * cols + c) * 3 + 1] = float(10 * c);
      t.data()[(r * cols + c) * 3 + 2] = 7;
    }
  return t;
}

float at(const Tensor& t, std::int64_t r, std::int64_t c, std::int64_t k) {
  const Shape& s = t.shape();
  return t.data()[(r * s[1] + c) * s[2] + k];
}

TEST(ImageFile, PngRoundTripsExactlyAndResizesByNearestNeighbour) {
  TempDir dir;
  save_image(dir / "a.png", ramp(4, 6), "tf", /*scale=*/false);
  const Tensor back = load_image(dir / "a.png", {.dim_ordering = "tf"});
  ASSERT_EQ(back.shape(), (Shape{4, 6, 3}));
  for (std::int64_t i = 0; i < back.numel(); ++i) EXPECT_EQ(back.data()[i], ramp(4, 6).data()[i]);
  // 4x6 -> 2x3: source pixel floor((i + 0.5) * in / out) = rows {1, 3}, cols {1, 3, 5}.
  const Tensor small = load_image(dir / "a.png", {.target_size = {{2, 3}}, .dim_ordering = "tf"});
  ASSERT_EQ(small.shape(), (Shape{2, 3, 3}));
  EXPECT_EQ(at(small, 1, 2, 0), 30);
  EXPECT_EQ(at(small, 1, 2, 1), 50);
  // th: channels first; grayscale: one channel (ITU-R 601 luma of the RGB pixel).
  const Tensor th = load_image(dir / "a.png", {.dim_ordering = "th"});
  EXPECT_EQ(th.shape(), (Shape{3, 4, 6}));
  EXPECT_EQ(th.data()[1 * 24 + 2 * 6 + 5], 50);
  const Tensor gray = load_image(dir / "a.png", {.grayscale = true, .dim_ordering = "tf"});
  EXPECT_EQ(gray.shape(), (Shape{4, 6, 1}));
}

TEST(ImageFile, JpegDecodesCloseToWhatWasWritten) {
  TempDir dir;
  Tensor flat = Tensor::full(Shape{8, 8, 3}, 128.f);
  save_image(dir / "a.jpg", flat, "tf", /*scale=*/false);
  const Tensor back = load_image(dir / "a.jpg", {.dim_ordering = "tf"});
  ASSERT_EQ(back.shape(), (Shape{8, 8, 3}));
  for (std::int64_t i = 0; i < back.numel(); ++i) EXPECT_NEAR(back.data()[i], 128.f, 2.f);
}

TEST(ImageFile, BadFilesAreIOErrorsNamingTheFile) {
  TempDir dir;
  EXPECT_THROW_MSG(load_image(dir / "missing.png"), IOError, dir / "missing.png");
  std::ofstream(dir / "text.png") << "not an image";
  EXPECT_THROW_MSG(load_image(dir / "text.png"), IOError,
                   dir / "text.png" + ": not a JPEG or PNG image");
  save_image(dir / "a.jpg", ramp(16, 16), "tf");
  save_image(dir / "a.png", ramp(16, 16), "tf");
  for (const std::string name : {"a.jpg", "a.png"}) {
    std::ifstream in(dir / name, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(dir / ("cut_" + name), std::ios::binary) << bytes.substr(0, bytes.size() / 3);
    EXPECT_THROW_MSG(load_image(dir / ("cut_" + name)), IOError,
                     dir / ("cut_" + name) + ": cannot decode");
  }
  EXPECT_THROW_MSG(load_image(dir / "a.png", {.target_size = {{0, 4}}}), ValueError,
                   "target_size is (0, 4), expected two sizes >= 1");
}

TEST(ImageDataGenerator, NoAugmentationIsTheIdentityAndFlipsMirror) {
  const Tensor x = ramp(5, 4);
  Philox rng(1);
  const Tensor same = ImageDataGenerator({.dim_ordering = "tf"}).random_transform(x, rng);
  for (std::int64_t i = 0; i < x.numel(); ++i) EXPECT_EQ(same.data()[i], x.data()[i]);
  // A horizontal flip happens with probability 1/2: over 40 draws, both outcomes, each exact.
  const ImageDataGenerator flip({.horizontal_flip = true, .dim_ordering = "tf"});
  int flipped = 0;
  for (int i = 0; i < 40; ++i) {
    const Tensor y = flip.random_transform(x, rng);
    const bool is_flipped = at(y, 0, 0, 1) == at(x, 0, 3, 1);
    flipped += is_flipped;
    for (std::int64_t r = 0; r < 5; ++r)
      for (std::int64_t c = 0; c < 4; ++c)
        EXPECT_EQ(at(y, r, c, 1), at(x, r, is_flipped ? 3 - c : c, 1));
  }
  EXPECT_GT(flipped, 5);
  EXPECT_LT(flipped, 35);
}

TEST(ImageDataGenerator, ShiftsFillWithCvalAndZoomKeepsTheCentre) {
  const Tensor x = Tensor::full(Shape{9, 9, 1}, 5.f);
  Philox rng(3);
  const ImageDataGenerator shift(
      {.width_shift_range = 0.4, .fill_mode = "constant", .cval = -1, .dim_ordering = "tf"});
  int filled = 0;
  for (int i = 0; i < 10; ++i) {
    const Tensor y = shift.random_transform(x, rng);
    for (std::int64_t j = 0; j < y.numel(); ++j) {
      EXPECT_TRUE(y.data()[j] == 5.f || y.data()[j] == -1.f);
      filled += y.data()[j] == -1.f;
    }
  }
  EXPECT_GT(filled, 0);
  // A zoom of exactly 2 ([2, 2]) samples every other pixel about Keras's centre, h / 2 + 0.5
  // (pixel 5 of 9, Keras's transform_matrix_offset_center): that pixel stays.
  Tensor r = ramp(9, 9);
  const Tensor z =
      ImageDataGenerator({.zoom_range = Config::array({2.0, 2.0}), .dim_ordering = "tf"})
          .random_transform(r, rng);
  EXPECT_EQ(at(z, 5, 5, 0), at(r, 5, 5, 0));
  EXPECT_EQ(at(z, 6, 5, 0), at(r, 7, 5, 0));
}

TEST(ImageDataGenerator, StandardizeFollowsKeras) {
  // rescale then samplewise centring along the channel axis.
  Tensor x = Tensor::from_data(Shape{1, 2, 3}, {2, 4, 6, 10, 10, 10});
  const Tensor s =
      ImageDataGenerator({.samplewise_center = true, .rescale = 0.5, .dim_ordering = "tf"})
          .standardize(x);
  const std::vector<float> expected = {-1, 0, 1, 0, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(s.data()[i], expected[i]);
  // featurewise: after fit, the dataset has per-pixel mean 0 and std 1.
  set_seed(4);
  const Tensor data = Tensor::random_uniform(Shape{50, 2, 2, 3}, 0.f, 10.f);
  ImageDataGenerator feat(
      {.featurewise_center = true, .featurewise_std_normalization = true, .dim_ordering = "tf"});
  EXPECT_THROW_MSG(feat.standardize(ramp(2, 2)), ValueError, "fit() has not been called");
  feat.fit(data);
  double mean = 0, sq = 0;
  for (std::int64_t i = 0; i < 50; ++i) {
    const std::vector<std::int64_t> one{i};
    const Tensor t = feat.standardize(take_rows(data, one).reshape(Shape{2, 2, 3}));
    mean += t.data()[5];
    sq += t.data()[5] * t.data()[5];
  }
  EXPECT_NEAR(mean / 50, 0, 1e-4);
  EXPECT_NEAR(sq / 50, 1, 1e-3);
  // ZCA: the whitened data's covariance is the identity.
  ImageDataGenerator zca({.zca_whitening = true, .dim_ordering = "tf"});
  const Tensor small = Tensor::random_normal(Shape{400, 1, 2, 2});
  zca.fit(small);
  std::vector<double> cov(16, 0);
  for (std::int64_t i = 0; i < 400; ++i) {
    const std::vector<std::int64_t> one{i};
    const Tensor w = zca.standardize(take_rows(small, one).reshape(Shape{1, 2, 2}));
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) cov[a * 4 + b] += w.data()[a] * w.data()[b] / 400;
  }
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) EXPECT_NEAR(cov[a * 4 + b], a == b ? 1 : 0, 0.05) << a << b;
}

TEST(ImageDataGenerator, BadOptionsNameTheArgument) {
  EXPECT_THROW_MSG(ImageDataGenerator({.fill_mode = "mirror"}), ValueError,
                   "ImageDataGenerator: fill_mode is 'mirror', expected one of constant, nearest, "
                   "reflect, wrap");
  EXPECT_THROW_MSG(ImageDataGenerator({.rotation_range = -5}), ValueError, "rotation_range is -5");
  EXPECT_THROW_MSG(ImageDataGenerator({.zoom_range = Config::array({1.5, 0.5})}), ValueError,
                   "zoom_range");
  const ImageDataGenerator g({.dim_ordering = "tf"});
  EXPECT_THROW_MSG(g.flow(Tensor::zeros(Shape{4, 3, 3}), Tensor()), ShapeError,
                   "flow: x has shape (4, 3, 3), expected rank 4");
  EXPECT_THROW_MSG(g.flow(Tensor::zeros(Shape{4, 3, 3, 1}), Tensor(), {.batch_size = 0}),
                   ValueError, "flow: batch_size is 0");
  EXPECT_THROW_MSG(g.flow_from_directory("/nonexistent/images"), IOError,
                   "/nonexistent/images: not a folder");
}

TEST(ImageIterator, EpochsVisitEverySampleOnceInBatchesIndependentOfWorkers) {
  set_seed(2);
  const Tensor x = Tensor::random_uniform(Shape{10, 4, 4, 1}, 0.f, 1.f);
  Tensor y = Tensor::empty(Shape{10, 1});
  for (int i = 0; i < 10; ++i) y.data()[i] = float(i);
  const ImageDataGenerator g({.rotation_range = 30, .horizontal_flip = true, .dim_ordering = "tf"});
  auto one = g.flow(x, y, {.batch_size = 4, .seed = 9, .workers = 1});
  auto many = g.flow(x, y, {.batch_size = 4, .seed = 9, .workers = 3, .max_queue = 2});
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::set<float> labels;
    for (std::int64_t expected_rows : {4, 4, 2}) {
      const Batch a = one->next(), b = many->next();
      ASSERT_EQ(a.x.shape()[0], expected_rows);
      for (std::int64_t i = 0; i < a.x.numel(); ++i) ASSERT_EQ(a.x.data()[i], b.x.data()[i]);
      for (std::int64_t i = 0; i < expected_rows; ++i) labels.insert(a.y.data()[i]);
    }
    EXPECT_EQ(labels.size(), 10u) << "epoch " << epoch;
  }
  // Another seed, another order of the 10 labels in the first epoch.
  const auto first_epoch = [&](std::uint64_t seed) {
    auto it = g.flow(x, y, {.batch_size = 10, .seed = seed});
    const Batch b = it->next();
    return std::vector<float>(b.y.data(), b.y.data() + 10);
  };
  EXPECT_EQ(first_epoch(9), first_epoch(9));
  EXPECT_NE(first_epoch(9), first_epoch(10));
}

// train/<class>/<i>.png: class "bright" images are light, class "dark" ones dark.
void write_folder(const TempDir& dir, int per_class) {
  for (const std::string cls : {"bright", "dark"}) {
    fs::create_directories(dir / cls);
    for (int i = 0; i < per_class; ++i) {
      const float v = cls == "bright" ? 200.f + float(i) : 30.f + float(i);
      save_image(dir / (cls + "/" + std::to_string(i) + (i % 2 ? ".png" : ".jpg")),
                 Tensor::full(Shape{12, 10, 3}, v), "tf", /*scale=*/false);
    }
  }
}

TEST(DirectoryIterator, FindsClassesLabelsAndResizes) {
  TempDir dir;
  write_folder(dir, 3);
  std::ofstream(dir / "bright/notes.txt") << "ignored";
  const ImageDataGenerator g({.rescale = 1.0 / 255, .dim_ordering = "tf"});
  auto it = g.flow_from_directory(
      dir.str(), {.target_size = {8, 8}, .batch_size = 6, .shuffle = false, .verbose = false});
  EXPECT_EQ(it->classes(), (std::vector<std::string>{"bright", "dark"}));
  EXPECT_EQ(it->samples(), 6);
  EXPECT_EQ(it->filenames()[0], "bright/0.jpg");
  const Batch b = it->next();
  ASSERT_EQ(b.x.shape(), (Shape{6, 8, 8, 3}));
  ASSERT_EQ(b.y.shape(), (Shape{6, 2}));
  EXPECT_EQ(b.y.data()[0], 1);   // bright/0 -> [1, 0]
  EXPECT_EQ(b.y.data()[11], 1);  // dark/2 -> [0, 1]
  EXPECT_NEAR(b.x.data()[0], 200.f / 255, 2.f / 255);
  auto sparse = g.flow_from_directory(
      dir.str(),
      {.target_size = {8, 8}, .classes = {"dark"}, .class_mode = "sparse", .verbose = false});
  EXPECT_EQ(sparse->samples(), 3);
  EXPECT_EQ(sparse->next().y.shape(), (Shape{3}));
}

TEST(DirectoryIterator, CorruptImagesAreErrorsOrSkippedAndCounted) {
  TempDir dir;
  write_folder(dir, 2);
  std::ofstream(dir / "dark/broken.png") << "\x89PNG\r\n\x1a\n garbage";
  const ImageDataGenerator g({.dim_ordering = "tf"});
  auto strict = g.flow_from_directory(
      dir.str(), {.target_size = {8, 8}, .batch_size = 5, .shuffle = false, .verbose = false});
  EXPECT_THROW_MSG(strict->next(), IOError, dir / "dark/broken.png" + ": cannot decode");
  auto lenient = g.flow_from_directory(dir.str(), {.target_size = {8, 8},
                                                   .batch_size = 5,
                                                   .shuffle = false,
                                                   .skip_corrupt = true,
                                                   .verbose = false});
  const Batch b = lenient->next();
  EXPECT_EQ(b.x.shape()[0], 4);
  EXPECT_EQ(lenient->skipped(), 1);
}

TEST(FitGenerator, TrainsFromAFolderAndEvaluatesAndPredicts) {
  TempDir dir;
  write_folder(dir, 8);
  set_seed(11);
  const ImageDataGenerator g({.horizontal_flip = true, .rescale = 1.0 / 255, .dim_ordering = "tf"});
  auto train = g.flow_from_directory(
      dir.str(), {.target_size = {8, 8}, .batch_size = 4, .seed = 1, .verbose = false});
  Sequential m;
  m.add(layers::Convolution2D(4, 3, 3, {.activation = "tanh", .input_shape = {8, 8, 3}}));
  m.add(layers::Flatten());
  m.add(layers::Dense(2, {.activation = "softmax"}));
  m.compile(std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.lr = 0.1f}),
            "categorical_crossentropy", {"accuracy"});
  auto val = g.flow_from_directory(
      dir.str(), {.target_size = {8, 8}, .batch_size = 8, .shuffle = false, .verbose = false});
  const double before = m.evaluate_generator(*val, 16)[0];
  const callbacks::History h = m.fit_generator(*train, {.samples_per_epoch = 16,
                                                        .nb_epoch = 8,
                                                        .verbose = 0,
                                                        .validation_generator = val.get(),
                                                        .nb_val_samples = 16});
  ASSERT_EQ(h.history.at("val_loss").size(), 8u);
  const std::vector<double> after = m.evaluate_generator(*val, 16);
  EXPECT_LT(after[0], before);
  EXPECT_EQ(after[1], 1.0);  // the two classes are trivially separable
  EXPECT_EQ(m.predict_generator(*val, 16).shape(), (Shape{16, 2}));
  EXPECT_THROW_MSG(m.fit_generator(*train, {.samples_per_epoch = 0}), ValueError,
                   "samples_per_epoch is 0, expected >= 1");
}

// A generator-fed run continued from a checkpoint is bit-identical to one that never stopped:
// the checkpoint restores weights, optimizer state and keel's RNG (dropout), and the image
// iterator, a function of (seed, batch), seeks to where the first run stopped.
TEST(FitGenerator, ResumesExactlyFromACheckpoint) {
  TempDir dir;
  write_folder(dir, 5);
  const ImageDataGenerator g({.rotation_range = 15,
                              .zoom_range = 0.1,
                              .horizontal_flip = true,
                              .rescale = 1.0 / 255,
                              .dim_ordering = "tf"});
  const DirectoryOptions flow{.target_size = {8, 8}, .batch_size = 4, .seed = 3, .verbose = false};
  const auto build = [] {
    set_seed(21);
    auto m = std::make_shared<Sequential>();
    m->add(layers::Convolution2D(3, 3, 3, {.activation = "relu", .input_shape = {8, 8, 3}}));
    m->add(layers::Flatten());
    m->add(layers::Dropout(0.3));
    m->add(layers::Dense(2, {.activation = "softmax"}));
    m->compile(std::make_shared<optimizers::Adam>(), "categorical_crossentropy");
    return m;
  };
  auto straight = build();
  auto it = g.flow_from_directory(dir.str(), flow);
  straight->fit_generator(*it, {.samples_per_epoch = it->samples(), .nb_epoch = 3, .verbose = 0});

  auto first = build();
  auto it1 = g.flow_from_directory(dir.str(), flow);
  first->fit_generator(*it1, {.samples_per_epoch = it1->samples(), .nb_epoch = 1, .verbose = 0});
  save_checkpoint(dir / "run.ckpt", *first, {.epoch = 1});
  set_seed(999);  // the resumed process's RNG is whatever it is: the checkpoint restores it
  Checkpoint c = load_checkpoint(dir / "run.ckpt");
  set_rng_state(c.state.rng);
  auto it2 = g.flow_from_directory(dir.str(), flow);
  it2->seek(c.state.epoch * it2->batches_per_epoch());
  c.model->fit_generator(*it2, {.samples_per_epoch = it2->samples(),
                                .nb_epoch = 3,
                                .verbose = 0,
                                .initial_epoch = static_cast<int>(c.state.epoch)});
  const std::vector<Tensor> a = straight->get_weights(), b = c.model->get_weights();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::int64_t j = 0; j < a[i].numel(); ++j)
      ASSERT_EQ(a[i].data()[j], b[i].data()[j]) << "weight " << i << " element " << j;
}

}  // namespace
}  // namespace keel::preprocessing
