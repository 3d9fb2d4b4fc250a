// The keel-ckpt program (tools/keel-ckpt.cpp), run as a user runs it: inspect and verify on a
// checkpoint saved with keel::save_checkpoint, their output and exit statuses (0 success,
// 1 damage or error, 2 usage).
#include <gtest/gtest.h>
#include <keel/keel.h>
#include <keel/models/checkpoint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "test_util.h"
#include "tool_test_util.h"

#ifndef KEEL_CKPT_TOOL
#error "tests/CMakeLists.txt defines KEEL_CKPT_TOOL, the path of the keel-ckpt program"
#endif

namespace keel {
namespace {

using namespace keel::layers;
using namespace keel::test;
namespace fs = std::filesystem;

// Runs keel-ckpt with `args`, capturing stdout and stderr.
ToolRun keel_ckpt(std::initializer_list<std::string> args) {
  return run_tool(KEEL_CKPT_TOOL, args);
}

std::unique_ptr<Sequential> trained_mlp() {
  set_seed(5);
  auto model = std::make_unique<Sequential>();
  model->add(Dense(8, {.activation = "tanh", .input_shape = {4}, .name = "hidden"}));
  model->add(Dense(2, {.activation = "softmax", .name = "out"}));
  model->compile(std::make_shared<optimizers::Adam>(), "categorical_crossentropy", {"accuracy"});
  const Tensor x = Tensor::random_normal({16, 4});
  const Tensor y = Tensor::from_data({16, 2}, std::vector<float>(32, 0.5f));
  model->train_on_batch(x, y);
  model->train_on_batch(x, y);
  return model;
}

double l2_norm(const Tensor& t) {
  double sum = 0;
  for (float v : t.to_vector()) sum += static_cast<double>(v) * v;
  return std::sqrt(sum);
}

TEST(KeelCkpt, InspectPrintsSummaryOptimizerTrainingStateAndTensors) {
  TempFile ckpt(".ckpt");
  auto model = trained_mlp();
  save_checkpoint(ckpt.path(), *model, {.epoch = 3});
  const ToolRun run = keel_ckpt({"inspect", ckpt.path()});
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_EQ(run.err, "");
  // The rebuilt model's summary table: its layers and parameter count (4*8+8 + 8*2+2).
  EXPECT_NE(run.out.find("Layer (type)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("hidden (Dense)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("out (Dense)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Total params: 58\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Optimizer: Adam\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  iterations: 2\n"), std::string::npos) << run.out;  // two updates
  EXPECT_NE(run.out.find("epoch 3, step 2"), std::string::npos) << run.out;

  // One row per tensor: group, owner, name, shape, L2 norm; hidden/W's norm from its values.
  std::istringstream lines(run.out);
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string group, owner, name, shape_a, shape_b;
    double norm = 0;
    if (!(fields >> group >> owner >> name >> shape_a >> shape_b >> norm)) continue;
    if (group != "weights" || owner != "hidden" || name != "W") continue;
    EXPECT_EQ(shape_a + " " + shape_b, "(4, 8)");
    EXPECT_NEAR(norm, l2_norm(model->get_weights()[0]), 1e-6 * l2_norm(model->get_weights()[0]));
    found = true;
  }
  EXPECT_TRUE(found) << "no row for weights hidden W in:\n" << run.out;
  EXPECT_NE(run.out.find("optimizer"), std::string::npos) << "Adam's slots are listed:\n"
                                                          << run.out;
}

TEST(KeelCkpt, InspectOfAWeightsFileListsTheLayers) {
  TempFile weights(".weights");
  auto model = trained_mlp();
  model->save_weights(weights.path());
  const ToolRun run = keel_ckpt({"inspect", weights.path()});
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("weights file"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  hidden: W (4, 8), b (8,)\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  out: W (8, 2), b (2,)\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Optimizer: none"), std::string::npos) << run.out;
}

TEST(KeelCkpt, VerifyPrintsOkWithTensorCountAndBytes) {
  TempFile ckpt(".ckpt");
  save_checkpoint(ckpt.path(), *trained_mlp());
  const ToolRun run = keel_ckpt({"verify", ckpt.path()});
  EXPECT_EQ(run.status, 0) << run.err;
  const auto tensors = inspect_checkpoint(ckpt.path()).tensors.size();
  EXPECT_EQ(run.out, "OK " + ckpt.path() + ": " + std::to_string(tensors) + " tensors, " +
                         std::to_string(fs::file_size(ckpt.path())) + " bytes\n");
}

TEST(KeelCkpt, VerifyOfAFlippedByteSaysDamagedAndExits1) {
  TempFile ckpt(".ckpt");
  save_checkpoint(ckpt.path(), *trained_mlp());
  std::string bytes = read_bytes(ckpt.path());
  bytes[bytes.size() / 2] ^= 0x20;
  std::ofstream(ckpt.path(), std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const ToolRun run = keel_ckpt({"verify", ckpt.path()});
  EXPECT_EQ(run.status, 1);
  const std::string prefix = "DAMAGED " + ckpt.path() + ": ";
  EXPECT_EQ(run.out.rfind(prefix, 0), 0u) << run.out;
  EXPECT_GT(run.out.size(), prefix.size() + 1) << "a reason follows: " << run.out;
  EXPECT_EQ(run.out.find(prefix + ckpt.path()), std::string::npos) << "the path once: " << run.out;
}

TEST(KeelCkpt, MissingFileIsAnErrorOnStderrWithExit1) {
  TempFile missing(".ckpt");
  for (const char* command : {"inspect", "verify"}) {
    const ToolRun run = keel_ckpt({command, missing.path()});
    EXPECT_EQ(run.status, 1) << command;
    EXPECT_EQ(run.out, "") << command;
    EXPECT_EQ(run.err.rfind("keel-ckpt: " + missing.path() + ": ", 0), 0u)
        << command << ": " << run.err;
  }
}

TEST(KeelCkpt, UsageErrorsExit2) {
  const ToolRun none = keel_ckpt({});
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("usage: keel-ckpt"), std::string::npos) << none.err;
  const ToolRun unknown = keel_ckpt({"frobnicate", "x.ckpt"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("unknown command 'frobnicate'"), std::string::npos) << unknown.err;
  EXPECT_EQ(keel_ckpt({"verify", "a", "b"}).status, 2);
  EXPECT_EQ(keel_ckpt({"--help"}).status, 0);
}

}  // namespace
}  // namespace keel
