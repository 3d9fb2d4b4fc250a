// keel::profile (models/profile.h) and the recording under it (core/detail/profiler.h): rows
// per layer with times that add up to the step, FLOPs computed from the primitives' shapes,
// implementations and layouts, the CSV and trace-event forms, and its errors.
#include <gtest/gtest.h>
#include <keel/core/detail/dnnl_adapter.h>
#include <keel/core/detail/profiler.h>
#include <keel/keel.h>

#include <set>
#include <sstream>

#include "test_util.h"
#include "tool_test_util.h"

namespace keel {
namespace {

using namespace keel::layers;

constexpr std::int64_t kBatch = 4;

// Conv (2 -> 4 channels, 3x3 on 8x8: 6x6 out) -> pool -> flatten -> dense (36 -> 3).
std::unique_ptr<Sequential> small_model() {
  set_seed(3);
  auto m = std::make_unique<Sequential>();
  m->add(Convolution2D(4, 3, 3,
                       {.activation = "relu", .dim_ordering = "tf", .input_shape = {8, 8, 2}}));
  m->add(MaxPooling2D({.dim_ordering = "tf"}));
  m->add(Flatten());
  m->add(Dense(3, {.activation = "softmax"}));
  m->compile("sgd", "categorical_crossentropy");
  return m;
}

Tensor targets() {
  std::vector<float> hot(kBatch * 3, 0.f);
  for (std::int64_t i = 0; i < kBatch; ++i) hot[static_cast<std::size_t>(i * 3 + i % 3)] = 1.f;
  return Tensor::from_data({kBatch, 3}, hot);
}

const LayerProfile& row(const ProfileReport& r, const std::string& name) {
  for (const auto& l : r.layers)
    if (l.name == name) return l;
  ADD_FAILURE() << "no row " << name;
  static const LayerProfile none;
  return none;
}

class Profile : public ::testing::Test {
 protected:
  void SetUp() override {
    model = small_model();
    report = profile(*model, Tensor::random_uniform({kBatch, 8, 8, 2}), targets(),
                     {.iterations = 3, .warmup = 1, .peak_gflops = 100});
  }
  std::unique_ptr<Sequential> model;
  ProfileReport report;
};

TEST_F(Profile, HasARowPerLayerThatRanThenTheLossAndTheOptimizer) {
  std::vector<std::string> names;
  for (const auto& l : report.layers) names.push_back(l.name);
  std::vector<std::string> expected;
  for (const auto& layer : model->layers()) expected.push_back(layer->name());
  expected.insert(expected.end(), {"(loss)", "(optimizer)", "(other)"});
  EXPECT_EQ(names, expected);
  EXPECT_EQ(row(report, model->layers()[0]->name()).class_name, "Convolution2D");
  EXPECT_EQ(report.iterations, 3);
  EXPECT_EQ(report.batch, kBatch);
  EXPECT_EQ(report.threads, num_threads());
}

TEST_F(Profile, EveryLayerHasForwardAndBackwardTime) {
  for (const auto& layer : model->layers()) {
    const LayerProfile& r = row(report, layer->name());
    EXPECT_GT(r.forward_ms, 0) << r.name;
    EXPECT_GT(r.backward_ms, 0) << r.name;
  }
  EXPECT_GT(row(report, "(optimizer)").backward_ms, 0);
  EXPECT_EQ(row(report, "(optimizer)").forward_ms, 0);
}

TEST_F(Profile, SharesAddUpToTheStep) {
  double sum = 0, ms = 0;
  for (const auto& l : report.layers) {
    sum += l.share;
    ms += l.forward_ms + l.backward_ms;
  }
  EXPECT_NEAR(sum, 1.0, 0.02);
  EXPECT_NEAR(ms, report.step_ms, 0.02 * report.step_ms);
  EXPECT_GT(report.primitive_ms, 0);
  EXPECT_LT(report.primitive_ms, report.step_ms);
}

TEST_F(Profile, PrimitiveTimeSplitsByLayerAndByKind) {
  double by_layer = 0, by_kind = 0;
  for (const auto& l : report.layers) {
    by_layer += l.primitive_ms;
    EXPECT_LE(l.primitive_ms, (l.forward_ms + l.backward_ms) * 1.001 + 1e-6) << l.name;
  }
  for (const auto& [kind, ms] : report.primitive_ms_by_kind) by_kind += ms;
  EXPECT_NEAR(by_layer, report.primitive_ms, 1e-9);
  EXPECT_NEAR(by_kind, report.primitive_ms, 1e-9);
  EXPECT_GT(report.primitive_ms_by_kind.at("convolution"), 0);
  EXPECT_GT(report.primitive_ms_by_kind.at("inner_product"), 0);
  EXPECT_GT(report.primitive_ms_by_kind.at("pooling"), 0);
}

TEST_F(Profile, FlopsComeFromThePrimitivesShapes) {
  // The first convolution: forward and backward-weights (its input needs no gradient), each
  // batch x 6x6 outputs x 4 filters x (2 x 3x3) multiply-adds.
  const double conv = 2.0 * kBatch * 6 * 6 * 4 * 2 * 9 / 1e9;
  EXPECT_NEAR(row(report, model->layers()[0]->name()).gflop, 2 * conv, 1e-12);
  // Dense 36 -> 3: forward, backward-data and backward-weights.
  const double dense = 2.0 * kBatch * 36 * 3 / 1e9;
  EXPECT_NEAR(row(report, model->layers()[3]->name()).gflop, 3 * dense, 1e-12);
  EXPECT_EQ(row(report, model->layers()[1]->name()).gflop, 0);  // pooling: no multiply-adds
  const LayerProfile& c = row(report, model->layers()[0]->name());
  EXPECT_NEAR(c.gflops, c.gflop / ((c.forward_ms + c.backward_ms) / 1e3), 1e-9);
}

TEST_F(Profile, ListsImplementationsAndLayouts) {
  const LayerProfile& conv = row(report, model->layers()[0]->name());
  ASSERT_FALSE(conv.implementations.empty());
  bool has_conv = false;
  for (const auto& impl : conv.implementations) has_conv |= impl.rfind("convolution ", 0) == 0;
  EXPECT_TRUE(has_conv) << ::testing::PrintToString(conv.implementations);
  // The user's channels-last batch goes in plain (abcd: oneDNN's logical NCHW order, here
  // with a channels-last stride order: acdb) or in the layout the primitive chose.
  EXPECT_FALSE(conv.layout_in.empty());
  EXPECT_FALSE(conv.layout_out.empty());
  EXPECT_FALSE(conv.reference_kernel);
  const LayerProfile& dense = row(report, model->layers()[3]->name());
  EXPECT_EQ(dense.layout_out, "ab");
}

TEST_F(Profile, TableNamesEveryRowAndTheTotals) {
  const std::string t = report.table();
  for (const auto& l : report.layers) EXPECT_NE(t.find(l.name), std::string::npos) << l.name;
  EXPECT_NE(t.find("total: step"), std::string::npos);
  EXPECT_NE(t.find("of the 100.0 GFLOP/s f32 peak measured"), std::string::npos);
  EXPECT_EQ(t.find("REFERENCE"), std::string::npos);
}

TEST_F(Profile, CsvHasAHeaderAndARowPerLayerOfTwelveFields) {
  std::istringstream in(report.csv());
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), report.layers.size() + 1);
  EXPECT_EQ(lines[0].rfind("layer,class,forward_ms,backward_ms,share,", 0), 0u);
  for (const auto& l : lines) EXPECT_EQ(std::count(l.begin(), l.end(), ','), 11) << l;
  EXPECT_EQ(lines[1].rfind(model->layers()[0]->name() + ",Convolution2D,", 0), 0u);
}

TEST_F(Profile, TraceIsOneStepOfNestedCompleteEvents) {
  const Config doc = Config::parse(report.trace_json());
  const Config& events = doc.at("traceEvents");
  ASSERT_GT(events.size(), 5u);
  const Config& step = events[0];
  EXPECT_EQ(step.at("name"), "step");
  EXPECT_EQ(step.at("ts").get<double>(), 0.0);
  const double end = step.at("dur").get<double>();
  int conv_primitives = 0;
  std::set<std::string> categories;
  for (const Config& e : events) {
    EXPECT_EQ(e.at("ph"), "X");
    EXPECT_GE(e.at("ts").get<double>(), 0.0);
    EXPECT_LE(e.at("ts").get<double>() + e.at("dur").get<double>(), end + 1e-3);
    categories.insert(e.at("cat").get<std::string>());
    if (e.at("cat") == "primitive") {
      EXPECT_TRUE(e.at("args").contains("implementation")) << e.dump();
      if (e.at("name") == "convolution") ++conv_primitives;
    }
  }
  EXPECT_EQ(conv_primitives, 2);  // forward and backward-weights, once each in one step
  EXPECT_EQ(categories,
            (std::set<std::string>{"backward", "forward", "other", "primitive", "update"}));
  EXPECT_EQ(doc.at("otherData").at("batch"), kBatch);
}

TEST_F(Profile, WriteTraceWritesTheJson) {
  test::TempFile f(".json");
  report.write_trace(f.path());
  EXPECT_EQ(test::read_bytes(f.path()), report.trace_json());
}

TEST(ProfileErrors, ModelMustBeCompiledAndCountsPositive) {
  auto m = std::make_unique<Sequential>();
  m->add(Dense(3, {.input_shape = {4}}));
  const Tensor x = Tensor::zeros({2, 4}), y = Tensor::zeros({2, 3});
  EXPECT_THROW_MSG(profile(*m, x, y, {.peak_gflops = 1}), ValueError, "is not compiled");
  m->compile("sgd", "mse");
  EXPECT_THROW_MSG(profile(*m, x, y, {.iterations = 0, .peak_gflops = 1}), ValueError,
                   "iterations is 0, expected >= 1");
  EXPECT_THROW_MSG(profile(*m, x, y, {.warmup = -1, .peak_gflops = 1}), ValueError,
                   "warmup is -1, expected >= 0");
  EXPECT_EQ(detail::Profiler::active(), nullptr);
}

TEST(ProfileTable, FlagsReferenceKernels) {
  ProfileReport r;
  r.step_ms = 2;
  r.layers.push_back({.name = "slow_layer",
                      .forward_ms = 1,
                      .backward_ms = 1,
                      .share = 1,
                      .implementations = {"lrn ref:any"},
                      .reference_kernel = true});
  const std::string t = r.table();
  EXPECT_NE(t.find("slow_layer"), std::string::npos);
  EXPECT_NE(t.find("REFERENCE KERNEL"), std::string::npos);
  EXPECT_NE(t.find("reference kernels (no optimised implementation) ran in: slow_layer"),
            std::string::npos);
}

TEST(Profiler, RecordsNothingWithoutAProfilerAndRejectsNesting) {
  EXPECT_EQ(detail::Profiler::active(), nullptr);
  { const detail::ProfileScope s("x", detail::ProfilePhase::forward); }
  EXPECT_EQ(detail::profile_label(), "");
  detail::Profiler p;
  EXPECT_THROW_MSG(detail::Profiler(), ValueError, "already recording");
  {
    const detail::ProfileScope outer("a", detail::ProfilePhase::forward, "outer");
    EXPECT_EQ(detail::profile_label(), "a");
    {
      const detail::ProfileScope inner("b", detail::ProfilePhase::backward, "inner");
      EXPECT_EQ(detail::profile_label(), "b");
      EXPECT_EQ(detail::profile_phase(), detail::ProfilePhase::backward);
    }
    EXPECT_EQ(detail::profile_label(), "a");
  }
  ASSERT_EQ(p.events().size(), 2u);
  EXPECT_EQ(p.events()[0].name, "inner");  // recorded when it closes
  EXPECT_EQ(p.events()[1].name, "outer");
  EXPECT_LE(p.events()[1].start_us, p.events()[0].start_us);
}

TEST(LayoutName, SpellsLayoutsAsOneDnnVerboseDoes) {
  using dnnl::memory;
  namespace a = dnnl_adapter;
  const memory::dims d{2, 32, 5, 5};
  EXPECT_EQ(a::layout_name(a::tagged_desc(d, memory::format_tag::nchw).data), "abcd");
  EXPECT_EQ(a::layout_name(a::tagged_desc(d, memory::format_tag::nhwc).data), "acdb");
  EXPECT_EQ(a::layout_name(a::tagged_desc(d, memory::format_tag::nChw16c).data), "aBcd16b");
  EXPECT_EQ(a::layout_name(a::tagged_desc({64, 32, 3, 3}, memory::format_tag::OIhw16i16o).data),
            "ABcd16b16a");
}

}  // namespace
}  // namespace keel
