#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/data/fashion_mnist.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "data_io/idx_files.h"
#include "test_util.h"

namespace keel {
namespace {

using testing::byte_ramp;
using testing::gzip;
using testing::idx_bytes;
using testing::TempDir;
using testing::write_bytes;

// A fake Fashion-MNIST directory: the package's four file names, `n_train` and `n_test` 28x28
// images whose pixel k of image i is (i + k) % 256, and labels i % 10.
void write_fake_dataset(const TempDir& dir, std::uint32_t n_train, std::uint32_t n_test,
                        bool gzipped = true) {
  const auto write = [&](const char* name, const std::string& bytes) {
    write_bytes(dir.file(std::string(name) + (gzipped ? ".gz" : "")),
                gzipped ? gzip(bytes) : bytes);
  };
  const auto images = [](std::uint32_t n) {
    std::vector<std::uint8_t> data;
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto img = byte_ramp(28 * 28, i);
      data.insert(data.end(), img.begin(), img.end());
    }
    return idx_bytes({n, 28, 28}, data);
  };
  const auto labels = [](std::uint32_t n) {
    std::vector<std::uint8_t> data(n);
    for (std::uint32_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i % 10);
    return idx_bytes({n}, data);
  };
  write(kFashionMnistTrainImages, images(n_train));
  write(kFashionMnistTrainLabels, labels(n_train));
  write(kFashionMnistTestImages, images(n_test));
  write(kFashionMnistTestLabels, labels(n_test));
}

TEST(FashionMnist, FileNamesAreThoseOfTheDebianPackage) {
  // `dpkg -L dataset-fashion-mnist` (0.0~git20200523.55506a9-1, Debian 12).
  EXPECT_STREQ(kFashionMnistDir, "/usr/share/datasets/fashion-mnist");
  EXPECT_STREQ(kFashionMnistTrainImages, "train-images-idx3-ubyte");
  EXPECT_STREQ(kFashionMnistTrainLabels, "train-labels-idx1-ubyte");
  EXPECT_STREQ(kFashionMnistTestImages, "t10k-images-idx3-ubyte");
  EXPECT_STREQ(kFashionMnistTestLabels, "t10k-labels-idx1-ubyte");
}

TEST(FashionMnist, LoadsGzippedFilesWithTfShapes) {
  TempDir dir;
  write_fake_dataset(dir, 12, 5);
  const FashionMnist d = load_fashion_mnist(dir.str());
  EXPECT_EQ(d.x_train.shape(), Shape({12, 28, 28, 1}));
  EXPECT_EQ(d.y_train.shape(), Shape({12}));
  EXPECT_EQ(d.x_test.shape(), Shape({5, 28, 28, 1}));
  EXPECT_EQ(d.y_test.shape(), Shape({5}));
  EXPECT_EQ(d.y_train.to_vector(), (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1}));
  EXPECT_EQ(d.y_test.to_vector(), (std::vector<float>{0, 1, 2, 3, 4}));
  // Image 3, row 1, column 2 is pixel 30 of image 3: (3 + 30) / 255.
  EXPECT_FLOAT_EQ(d.x_train.at({3, 1, 2, 0}), 33.f / 255.f);
  EXPECT_FLOAT_EQ(d.x_test.at({4, 0, 0, 0}), 4.f / 255.f);
}

TEST(FashionMnist, LoadsUncompressedFiles) {
  TempDir dir;
  write_fake_dataset(dir, 3, 2, /*gzipped=*/false);
  const FashionMnist d = load_fashion_mnist(dir.str());
  EXPECT_EQ(d.x_train.shape(), Shape({3, 28, 28, 1}));
  EXPECT_EQ(d.x_test.shape(), Shape({2, 28, 28, 1}));
  EXPECT_FLOAT_EQ(d.x_train.at({2, 0, 5, 0}), 7.f / 255.f);
}

TEST(FashionMnist, ScalesPixelsToUnitInterval) {
  TempDir dir;
  // A 300-image set covers every byte value 0..255 in each position's ramp.
  write_fake_dataset(dir, 300, 1);
  const FashionMnist d = load_fashion_mnist(dir.str());
  const std::vector<float> x = d.x_train.to_vector();
  EXPECT_EQ(*std::min_element(x.begin(), x.end()), 0.f);
  EXPECT_EQ(*std::max_element(x.begin(), x.end()), 1.f);
  // Pixel 0 of image i is i % 256: 0 -> 0, 51 -> 0.2, 255 -> 1.
  EXPECT_EQ(d.x_train.at({0, 0, 0, 0}), 0.f);
  EXPECT_FLOAT_EQ(d.x_train.at({51, 0, 0, 0}), 0.2f);
  EXPECT_EQ(d.x_train.at({255, 0, 0, 0}), 1.f);
}

TEST(FashionMnist, ThOrderingPutsTheChannelFirst) {
  TempDir dir;
  write_fake_dataset(dir, 4, 2);
  const FashionMnist tf = load_fashion_mnist(dir.str());
  const FashionMnist th = load_fashion_mnist(dir.str(), 0, DimOrdering::th);
  EXPECT_EQ(th.x_train.shape(), Shape({4, 1, 28, 28}));
  EXPECT_EQ(th.x_test.shape(), Shape({2, 1, 28, 28}));
  EXPECT_EQ(th.x_train.at({3, 0, 1, 2}), tf.x_train.at({3, 1, 2, 0}));
  EXPECT_EQ(th.y_train.to_vector(), tf.y_train.to_vector());
}

TEST(FashionMnist, LimitTrainKeepsTheFirstSamplesAndTheWholeTestSet) {
  TempDir dir;
  write_fake_dataset(dir, 20, 7);
  const FashionMnist d = load_fashion_mnist(dir.str(), 6);
  EXPECT_EQ(d.x_train.shape(), Shape({6, 28, 28, 1}));
  EXPECT_EQ(d.y_train.to_vector(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_FLOAT_EQ(d.x_train.at({5, 0, 0, 0}), 5.f / 255.f);
  EXPECT_EQ(d.x_test.shape(), Shape({7, 28, 28, 1}));
  // A limit above the set size keeps all of it.
  EXPECT_EQ(load_fashion_mnist(dir.str(), 1000).x_train.shape(), Shape({20, 28, 28, 1}));
}

TEST(FashionMnist, NegativeLimitIsRejected) {
  EXPECT_THROW_MSG(load_fashion_mnist("/nonexistent", -1), ValueError, "limit_train is -1");
}

TEST(FashionMnist, MissingFileNamesTheFileAndTheDebianPackage) {
  TempDir dir;
  const std::string expected = dir.file("train-images-idx3-ubyte.gz");
  EXPECT_THROW_MSG(load_fashion_mnist(dir.str()), IOError, "'" + expected + "' not found");
  EXPECT_THROW_MSG(load_fashion_mnist(dir.str()), IOError,
                   "install the Debian package dataset-fashion-mnist");
  // With the training files present, the first test file is the one named.
  write_fake_dataset(dir, 2, 2);
  std::filesystem::remove(dir.file("t10k-labels-idx1-ubyte.gz"));
  EXPECT_THROW_MSG(load_fashion_mnist(dir.str()), IOError,
                   "'" + dir.file("t10k-labels-idx1-ubyte.gz") + "' not found");
}

TEST(FashionMnist, ImageAndLabelCountsMustMatch) {
  TempDir dir;
  write_fake_dataset(dir, 4, 2);
  write_bytes(dir.file("train-labels-idx1-ubyte.gz"), gzip(idx_bytes({3}, {0, 1, 2})));
  EXPECT_THROW_MSG(load_fashion_mnist(dir.str()), IOError,
                   "'" + dir.file("train-images-idx3-ubyte.gz") + "' has 4 images but '" +
                       dir.file("train-labels-idx1-ubyte.gz") + "' has 3 labels");
}

TEST(FashionMnist, LabelsOutsideTheTenClassesAreRejected) {
  TempDir dir;
  write_fake_dataset(dir, 3, 2);
  write_bytes(dir.file("train-labels-idx1-ubyte.gz"), gzip(idx_bytes({3}, {0, 10, 2})));
  EXPECT_THROW_MSG(load_fashion_mnist(dir.str()), IOError,
                   "label 10 at index 1 is not a class index 0 to 9");
}

TEST(FashionMnist, SwappedImageAndLabelFilesHaveBadMagic) {
  TempDir dir;
  write_fake_dataset(dir, 2, 2);
  std::filesystem::copy_file(dir.file("train-labels-idx1-ubyte.gz"),
                             dir.file("train-images-idx3-ubyte.gz"),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_THROW_MSG(load_fashion_mnist(dir.str()), IOError,
                   "bad magic number 0x00000801, expected 0x00000803");
}

TEST(FashionMnist, LoadIdxImagesAndLabels) {
  TempDir dir;
  write_bytes(dir.file("img"), idx_bytes({2, 2, 3}, {0, 255, 51, 102, 153, 204, 1, 2, 3, 4, 5, 6}));
  write_bytes(dir.file("lab"), idx_bytes({2}, {7, 200}));
  const Tensor x = load_idx_images(dir.file("img"));
  EXPECT_EQ(x.shape(), Shape({2, 2, 3, 1}));
  EXPECT_FLOAT_EQ(x.at({0, 0, 1, 0}), 1.f);
  EXPECT_FLOAT_EQ(x.at({0, 1, 0, 0}), 0.4f);
  EXPECT_EQ(load_idx_images(dir.file("img"), DimOrdering::th).shape(), Shape({2, 1, 2, 3}));
  const Tensor y = load_idx_labels(dir.file("lab"));
  EXPECT_EQ(y.shape(), Shape({2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{7, 200}));
}

TEST(ToCategorical, OneHotRows) {
  const Tensor y = Tensor::from_data(Shape({4}), {2, 0, 1, 2});
  const Tensor c = to_categorical(y, 3);
  EXPECT_EQ(c.shape(), Shape({4, 3}));
  EXPECT_EQ(c.to_vector(), (std::vector<float>{0, 0, 1,  //
                                               1, 0, 0,  //
                                               0, 1, 0,  //
                                               0, 0, 1}));
}

TEST(ToCategorical, AcceptsAColumnOfLabels) {
  // Keras's to_categorical takes (N,) or (N, 1) class vectors.
  const Tensor c = to_categorical(Tensor::from_data(Shape({2, 1}), {9, 0}), 10);
  EXPECT_EQ(c.shape(), Shape({2, 10}));
  EXPECT_EQ(c.at({0, 9}), 1.f);
  EXPECT_EQ(c.at({1, 0}), 1.f);
  const std::vector<float> v = c.to_vector();
  EXPECT_EQ(std::count(v.begin(), v.end(), 1.f), 2);
}

TEST(ToCategorical, RejectsBadLabelsAndClassCounts) {
  EXPECT_THROW_MSG(to_categorical(Tensor::from_data(Shape({3}), {0, 3, 1}), 3), ValueError,
                   "to_categorical: label 3 at index 1 is not a class index 0 to 2");
  EXPECT_THROW_MSG(to_categorical(Tensor::from_data(Shape({2}), {0, 1.5f}), 3), ValueError,
                   "label 1.5 at index 1");
  EXPECT_THROW_MSG(to_categorical(Tensor::from_data(Shape({1}), {-1}), 3), ValueError,
                   "label -1 at index 0");
  EXPECT_THROW_MSG(to_categorical(Tensor::from_data(Shape({1}), {0}), 0), ValueError,
                   "num_classes is 0");
}

// Only where the Debian package dataset-fashion-mnist is installed: the real files.
TEST(FashionMnist, RealDatasetHasTheDocumentedShapesAndLabels) {
  if (!std::filesystem::exists(kFashionMnistDir))
    GTEST_SKIP() << kFashionMnistDir << " not found (Debian package dataset-fashion-mnist)";
  const FashionMnist d = load_fashion_mnist();
  EXPECT_EQ(d.x_train.shape(), Shape({60000, 28, 28, 1}));
  EXPECT_EQ(d.y_train.shape(), Shape({60000}));
  EXPECT_EQ(d.x_test.shape(), Shape({10000, 28, 28, 1}));
  EXPECT_EQ(d.y_test.shape(), Shape({10000}));
  for (const Tensor* y : {&d.y_train, &d.y_test}) {
    const std::vector<float> v = y->to_vector();
    EXPECT_EQ(*std::min_element(v.begin(), v.end()), 0.f);
    EXPECT_EQ(*std::max_element(v.begin(), v.end()), 9.f);
    // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
    for (int k = 0; k < 10; ++k)
      EXPECT_EQ(std::count(v.begin(), v.end(), static_cast<float>(k)),
                static_cast<std::ptrdiff_t>(v.size() / 10))
          << "class " << k;
  }
  const std::vector<float> x = d.x_test.to_vector();
  EXPECT_EQ(*std::min_element(x.begin(), x.end()), 0.f);
  EXPECT_EQ(*std::max_element(x.begin(), x.end()), 1.f);
}

}  // namespace
}  // namespace keel
