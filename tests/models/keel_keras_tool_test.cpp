// The keel-keras program (tools/keel-keras.cpp), run as a user runs it on the Keras 1 fixtures
// of tests/data/keras1: predict matches the NumPy reference, convert writes a checkpoint that
// loads, summary prints Keras's table, and bad input exits 1 with one line naming the file.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "keel/core/npy.h"
#include "keel/models/checkpoint.h"
#include "npy_test_util.h"
#include "tool_test_util.h"

#ifndef KEEL_KERAS_TOOL
#error "tests/CMakeLists.txt defines KEEL_KERAS_TOOL, the path of the keel-keras program"
#endif

namespace keel {
namespace {

using namespace keel::test;

std::string fixture(const std::string& name) {
  return (test_data_dir() / "keras1" / name).string();
}

ToolRun keel_keras(std::initializer_list<std::string> args) {
  return run_tool(KEEL_KERAS_TOOL, args);
}

TEST(KeelKerasTool, PredictWritesWhatKerasComputes) {
  TempFile out(".npy");
  const ToolRun r =
      keel_keras({"predict", fixture("seq_th.json"), fixture("seq_th_theano_weights.h5"),
                  fixture("seq_input_th.npy"), out.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  const Tensor y = read_npy(out.path());
  const Tensor expected = read_npy(fixture("seq_output_th.npy"));
  ASSERT_EQ(y.shape(), expected.shape());
  for (std::int64_t i = 0; i < y.numel(); ++i)
    EXPECT_NEAR(y.data()[i], expected.data()[i], 1e-5) << i;
}

TEST(KeelKerasTool, ConvertWritesACheckpointThatLoads) {
  TempFile ckpt(".ckpt");
  const ToolRun r =
      keel_keras({"convert", fixture("seq_tf.json"), fixture("seq_tf_weights.h5"), ckpt.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  const Checkpoint c = load_checkpoint(ckpt.path());
  const Tensor y = c.model->predict(read_npy(fixture("seq_input_tf.npy")));
  const Tensor expected = read_npy(fixture("seq_output_tf.npy"));
  for (std::int64_t i = 0; i < y.numel(); ++i)
    EXPECT_NEAR(y.to_plain().data()[i], expected.data()[i], 1e-5) << i;
}

TEST(KeelKerasTool, SummaryPrintsKerasTotals) {
  ToolRun r = keel_keras({"summary", "vgg16"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("block5_conv3 (Convolution2D)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total params: 138,357,544\n"), std::string::npos) << r.out;
  r = keel_keras({"summary", fixture("seq_tf.json")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Total params: 313\n"), std::string::npos) << r.out;
}

TEST(KeelKerasTool, BadInputExitsOneWithALineNamingTheFile) {
  TempFile out(".npy");
  ToolRun r = keel_keras({"predict", fixture("seq_tf.json"), "/nonexistent/w.h5",
                          fixture("seq_input_tf.npy"), out.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "keel-keras predict: /nonexistent/w.h5: cannot be opened (missing file or no "
            "permission)\n");
  r = keel_keras({"summary", fixture("seq_tf_weights.h5")});  // not JSON
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(fixture("seq_tf_weights.h5")), std::string::npos) << r.err;
  // Input of the wrong shape for the model.
  r = keel_keras({"predict", fixture("seq_tf.json"), fixture("seq_tf_weights.h5"),
                  fixture("seq_input_th.npy"), out.path()});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(keel_keras({"predict", "only-one-argument"}).status, 2);
}

}  // namespace
}  // namespace keel
