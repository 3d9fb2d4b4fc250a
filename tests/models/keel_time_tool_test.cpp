// The keel-time program (tools/keel-time.cpp), run as a user runs it: the per-layer table on
// the built-in models, CSV and trace output, a Keras JSON and a checkpoint as MODEL, and its
// exit statuses (0 success, 1 a bad file or value with one line naming it, 2 usage).
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <fstream>
#include <sstream>

#include "test_util.h"
#include "tool_test_util.h"

#ifndef KEEL_TIME_TOOL
#error "tests/CMakeLists.txt defines KEEL_TIME_TOOL, the path of the keel-time program"
#endif

namespace keel {
namespace {

using namespace keel::test;

ToolRun keel_time(std::initializer_list<std::string> args) {
  return run_tool(KEEL_TIME_TOOL, args);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(KeelTime, FlagshipPrintsARowPerLayerAndTheTotals) {
  const ToolRun r = keel_time({"flagship", "--batch", "16", "--iterations", "2", "--warmup", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("keel-time: flagship"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("batch 16"), std::string::npos);
  for (const char* layer :
       {"convolution2d_1", "convolution2d_2", "maxpooling2d_1", "dropout_1", "flatten_1", "dense_1",
        "dropout_2", "dense_2", "(loss)", "(optimizer)", "total: step"})
    EXPECT_EQ(count(r.out, layer), 1u) << layer << "\n" << r.out;
  EXPECT_NE(r.out.find("convolution "), std::string::npos);  // an implementation listed
}

// The three built-in names: each runs a real step (batch 1, one measured iteration).
class KeelTimeBuiltIn : public ::testing::TestWithParam<const char*> {};

TEST_P(KeelTimeBuiltIn, RunsAStep) {
  const ToolRun r = keel_time(
      {GetParam(), "--batch", "1", "--iterations", "1", "--warmup", "0", "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream in(r.out);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("layer,class,forward_ms,", 0), 0u);
  int rows = 0;
  while (std::getline(in, line)) ++rows;
  EXPECT_GE(rows, 10) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Names, KeelTimeBuiltIn,
                         ::testing::Values("flagship", "vgg16", "resnet50"));

TEST(KeelTime, Bf16RunsOneDnnsBf16Kernels) {
  if (!cpu_has_native_bf16()) GTEST_SKIP() << "no native bf16 here (" << cpu_isa_name() << ")";
  const ToolRun r =
      keel_time({"flagship", "--batch", "16", "--iterations", "1", "--precision", "bf16"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("mixed_bfloat16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("convolution jit_bf16"), std::string::npos) << r.out;
}

TEST(KeelTime, TraceFileIsChromeTraceEventJson) {
  TempFile trace(".json");
  const ToolRun r = keel_time(
      {"flagship", "--batch", "8", "--iterations", "1", "--warmup", "0", "--trace", trace.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  const Config doc = Config::parse(read_bytes(trace.path()));
  ASSERT_TRUE(doc.at("traceEvents").is_array());
  EXPECT_EQ(doc.at("traceEvents")[0].at("name"), "step");
  EXPECT_EQ(doc.at("otherData").at("batch"), 8);
}

TEST(KeelTime, ReadsAKerasJsonAndACheckpoint) {
  using namespace keel::layers;
  auto m = std::make_unique<Sequential>();
  m->add(Convolution2D(4, 3, 3, {.dim_ordering = "tf", .input_shape = {10, 10, 3}}));
  m->add(Flatten());
  m->add(Dense(5, {.activation = "softmax"}));
  TempFile json(".json"), ckpt(".ckpt");
  std::ofstream(json.path()) << m->to_json();
  const ToolRun from_json = keel_time({json.path(), "--batch", "2", "--iterations", "1"});
  ASSERT_EQ(from_json.status, 0) << from_json.err;
  EXPECT_NE(from_json.out.find("Convolution2D"), std::string::npos);
  m->compile("adam", "categorical_crossentropy");
  save_checkpoint(ckpt.path(), *m);
  const ToolRun from_ckpt = keel_time({ckpt.path(), "--batch", "2", "--iterations", "1"});
  ASSERT_EQ(from_ckpt.status, 0) << from_ckpt.err;
  EXPECT_NE(from_ckpt.out.find("Dense"), std::string::npos);
}

TEST(KeelTime, BadInputIsOneLineNamingItWithStatus1) {
  const ToolRun missing = keel_time({"/nonexistent/model.json"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("cannot open '/nonexistent/model.json'"), std::string::npos)
      << missing.err;
  EXPECT_EQ(count(missing.err, "\n"), 1u);
  const ToolRun batch = keel_time({"flagship", "--batch", "0"});
  EXPECT_EQ(batch.status, 1);
  EXPECT_NE(batch.err.find("--batch is '0', expected an integer >= 1"), std::string::npos)
      << batch.err;
  const ToolRun precision = keel_time({"flagship", "--precision", "fp8"});
  EXPECT_EQ(precision.status, 1);
  EXPECT_NE(precision.err.find("--precision is 'fp8'"), std::string::npos) << precision.err;
  TempFile junk(".ckpt");
  std::ofstream(junk.path()) << "not a checkpoint";
  const ToolRun damaged = keel_time({junk.path()});
  EXPECT_EQ(damaged.status, 1);
  EXPECT_NE(damaged.err.find(junk.path()), std::string::npos) << damaged.err;
}

TEST(KeelTime, UsageErrorsExitWith2) {
  EXPECT_EQ(keel_time({}).status, 2);
  EXPECT_EQ(keel_time({"flagship", "--format", "xml"}).status, 2);
  EXPECT_EQ(keel_time({"flagship", "--iterations"}).status, 2);
  EXPECT_EQ(keel_time({"flagship", "vgg16"}).status, 2);
  EXPECT_EQ(keel_time({"--help"}).status, 0);
}

}  // namespace
}  // namespace keel
