// Keras 1 HDF5 files: the fixtures of tests/data/keras1 (written by make_fixtures.py with h5py
// in the Keras 1.2.2 layout, outputs from an independent NumPy reference) load and predict what
// Keras computes; keel's own .h5 files round-trip; bad files are errors naming the file.
#include "keel/models/keras_h5.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "keel/core/npy.h"
#include "keel/layers/batch_normalization.h"
#include "keel/layers/convolution.h"
#include "keel/layers/core_layers.h"
#include "keel/layers/dense.h"
#include "keel/models/model.h"
#include "keel/models/sequential.h"
#include "npy_test_util.h"
#include "test_util.h"

namespace keel {
namespace {

std::string fixture(const std::string& name) {
  return (test::test_data_dir() / "keras1" / name).string();
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const Tensor pa = a.to_plain(), pb = b.to_plain();
  double m = 0;
  for (std::int64_t i = 0; i < pa.numel(); ++i)
    m = std::max(m, std::abs(double(pa.data()[i]) - double(pb.data()[i])));
  return m;
}

TEST(KerasH5, TensorflowWrittenSequentialPredictsTheReference) {
  auto model = model_from_json_file(fixture("seq_tf.json"));
  const Model::LoadReport report = model->load_weights_h5(fixture("seq_tf_weights.h5"));
  EXPECT_TRUE(report.missing.empty() && report.unexpected.empty());
  const Tensor y = model->predict(read_npy(fixture("seq_input_tf.npy")));
  EXPECT_LT(max_abs_diff(y, read_npy(fixture("seq_output_tf.npy"))), 1e-5);
}

TEST(KerasH5, TheanoKernelsAreFlippedWhenTheCallerSaysSo) {
  auto model = model_from_json_file(fixture("seq_tf.json"));
  const Tensor x = read_npy(fixture("seq_input_tf.npy"));
  const Tensor expected = read_npy(fixture("seq_output_tf.npy"));
  // Keras 1.2.2 wrote no backend attribute: as stored, the kernels compute something else.
  model->load_weights_h5(fixture("seq_tf_theano_kernels.h5"));
  EXPECT_GT(max_abs_diff(model->predict(x), expected), 1e-3);
  model->load_weights_h5(fixture("seq_tf_theano_kernels.h5"), {.kernels = "theano"});
  EXPECT_LT(max_abs_diff(model->predict(x), expected), 1e-5);
}

TEST(KerasH5, ThOrderedTheanoBackendFileIsConvertedFromItsAttribute) {
  auto model = model_from_json_file(fixture("seq_th.json"));
  model->load_weights_h5(fixture("seq_th_theano_weights.h5"));
  const Tensor y = model->predict(read_npy(fixture("seq_input_th.npy")));
  EXPECT_LT(max_abs_diff(y, read_npy(fixture("seq_output_th.npy"))), 1e-5);
  // Told otherwise, the caller wins.
  model->load_weights_h5(fixture("seq_th_theano_weights.h5"), {.kernels = "tensorflow"});
  EXPECT_GT(max_abs_diff(model->predict(read_npy(fixture("seq_input_th.npy"))),
                         read_npy(fixture("seq_output_th.npy"))),
            1e-3);
}

TEST(KerasH5, WholeModelFileLoadsArchitectureWeightsAndCompile) {
  auto model = load_model_h5(fixture("functional_model.h5"));
  EXPECT_EQ(model->name(), "two_branches");
  ASSERT_TRUE(model->compiled());
  EXPECT_EQ(model->optimizer().class_name(), "SGD");
  EXPECT_NEAR(model->optimizer().get_config().at("momentum").get<double>(), 0.9, 1e-6);
  const Tensor y = model->predict(read_npy(fixture("functional_input.npy")));
  EXPECT_LT(max_abs_diff(y, read_npy(fixture("functional_output.npy"))), 1e-5);
  // It trains: one step on the fixture input.
  const Tensor x = read_npy(fixture("functional_input.npy"));
  const Tensor t = Tensor::from_data(Shape{2, 3}, {1, 0, 0, 0, 0, 1});
  const double before = model->evaluate({x}, {t}, {.verbose = 0})[0];
  model->fit({x}, {t}, {.batch_size = 2, .nb_epoch = 3, .verbose = 0});
  EXPECT_LT(model->evaluate({x}, {t}, {.verbose = 0})[0], before);
}

TEST(KerasH5, ByNameLoadsMatchingLayersAndReportsTheRest) {
  // A new head on the fixture's base, as fine-tuning does: the head keeps its own weights.
  Sequential m;
  m.add(layers::Convolution2D(4, 3, 3,
                              {.activation = "relu",
                               .border_mode = "same",
                               .input_shape = {6, 6, 3},
                               .name = "convolution2d_1"}));
  m.add(layers::Flatten());
  m.add(layers::Dense(2, {.name = "new_head"}));
  const Tensor head_before = m.get_layer("new_head")->get_weights()[0];
  const Model::LoadReport r = m.load_weights_h5(fixture("seq_tf_weights.h5"), {.by_name = true});
  EXPECT_EQ(r.missing, std::vector<std::string>{"new_head"});
  EXPECT_EQ(r.unexpected, (std::vector<std::string>{"batchnormalization_1", "dense_1"}));
  EXPECT_EQ(max_abs_diff(m.get_layer("new_head")->get_weights()[0], head_before), 0.0);
  auto reference = model_from_json_file(fixture("seq_tf.json"));
  reference->load_weights_h5(fixture("seq_tf_weights.h5"));
  EXPECT_EQ(max_abs_diff(m.get_layer("convolution2d_1")->get_weights()[0],
                         reference->get_layer("convolution2d_1")->get_weights()[0]),
            0.0);
}

TEST(KerasH5, MismatchesNameTheFileTheLayerTheWeightAndBothShapes) {
  Sequential m;
  m.add(layers::Convolution2D(8, 3, 3, {.input_shape = {6, 6, 3}, .name = "conv"}));
  m.add(layers::BatchNormalization());
  m.add(layers::Flatten());
  m.add(layers::Dense(5));
  const Tensor before = m.layers()[0]->get_weights()[0];
  const std::string path = fixture("seq_tf_weights.h5");
  EXPECT_THROW_MSG(m.load_weights_h5(path), ValueError,
                   path + ": layer '" + m.layers()[0]->name() +
                       "' (file layer 'convolution2d_1') weight W ('convolution2d_1_W:0') has "
                       "shape (3, 3, 3, 4) in the file, the model's is (3, 3, 3, 8)");
  EXPECT_EQ(max_abs_diff(m.layers()[0]->get_weights()[0], before), 0.0);  // nothing changed

  Sequential fewer;
  fewer.add(layers::Dense(5, {.input_shape = {36}}));
  EXPECT_THROW_MSG(fewer.load_weights_h5(path), ValueError,
                   "the file holds weights for 3 layers (convolution2d_1, batchnormalization_1, "
                   "dense_1), model");
  EXPECT_THROW_MSG(fewer.load_weights_h5(path, {.kernels = "cuda"}), ValueError,
                   "kernels is 'cuda', expected one of auto, theano, tensorflow");
}

TEST(KerasH5, BadFilesAreIOErrorsNamingThePath) {
  Sequential m;
  m.add(layers::Dense(5, {.input_shape = {36}}));
  EXPECT_THROW_MSG(m.load_weights_h5("/nonexistent/w.h5"), IOError,
                   "/nonexistent/w.h5: cannot be opened");
  const std::string json = fixture("seq_tf.json");
  EXPECT_THROW_MSG(m.load_weights_h5(json), IOError, json + ": not an HDF5 file");
  // A truncated HDF5 file.
  const std::string cut = temp_path("keel_truncated.h5");
  {
    std::ifstream in(fixture("seq_tf_weights.h5"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  EXPECT_THROW_MSG(m.load_weights_h5(cut), IOError, cut + ": ");
  EXPECT_THROW_MSG(load_model_h5(fixture("seq_tf_weights.h5")), IOError,
                   "no model_config attribute");
  std::filesystem::remove(cut);
}

TEST(KerasH5, SavedFileRoundTripsAndFollowsTheKerasLayout) {
  auto model = model_from_json_file(fixture("seq_tf.json"));
  model->load_weights_h5(fixture("seq_tf_weights.h5"));
  const std::string path = temp_path("keel_roundtrip.h5");
  model->save_weights_h5(path);
  auto back = model_from_json_file(fixture("seq_tf.json"));
  back->load_weights_h5(path);
  const std::vector<Tensor> a = model->get_weights(), b = back->get_weights();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(max_abs_diff(a[i], b[i]), 0.0) << i;

  // The layout Keras's loader reads: layer_names over every layer, weight_names per layer.
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const KerasWeightFile f = read_keras_weight_file_image(bytes, path);
  EXPECT_EQ(f.backend, "tensorflow");
  ASSERT_EQ(f.layers.size(), 5u);
  EXPECT_EQ(f.layers[0].weight_names,
            (std::vector<std::string>{"convolution2d_1_W:0", "convolution2d_1_b:0"}));
  EXPECT_EQ(f.layers[1].weight_names.back(), "batchnormalization_1_running_std:0");
  EXPECT_TRUE(f.layers[2].weight_names.empty());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace keel
