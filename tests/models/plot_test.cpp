// Training curves as SVG (models/plot.h), the PlotLogger callback and the keel-plot program:
// the picture parses as XML, has a panel per quantity and one path per series with a point per
// finite value; CSVLogger's file reads back; bad input is an error naming it.
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "test_util.h"
#include "tool_test_util.h"

#ifndef KEEL_PLOT_TOOL
#error "tests/CMakeLists.txt defines KEEL_PLOT_TOOL, the path of the keel-plot program"
#endif

namespace keel {
namespace {

using namespace keel::test;
namespace pt = boost::property_tree;
using History = std::map<std::string, std::vector<double>>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Path {
  std::string series;
  int moves = 0, lines = 0;  // M and L commands: points = moves + lines
};
struct Picture {
  std::string title;
  std::vector<std::string> panels;  // data-quantity, in order
  std::vector<Path> paths;
};

// Parses `svg` as XML (throws on malformed XML) and collects its panels and series paths.
Picture parse(const std::string& svg) {
  std::istringstream in(svg);
  pt::ptree doc;
  pt::read_xml(in, doc);
  Picture p;
  const pt::ptree& root = doc.get_child("svg");
  p.title = root.get<std::string>("title");
  for (const auto& [tag, node] : root) {
    if (tag != "g" || node.get<std::string>("<xmlattr>.class", "") != "panel") continue;
    p.panels.push_back(node.get<std::string>("<xmlattr>.data-quantity"));
    for (const auto& [t, child] : node) {
      if (t != "path" || child.get<std::string>("<xmlattr>.class", "") != "series") continue;
      Path path{child.get<std::string>("<xmlattr>.data-series")};
      for (char c : child.get<std::string>("<xmlattr>.d")) {
        path.moves += c == 'M';
        path.lines += c == 'L';
      }
      p.paths.push_back(path);
    }
  }
  return p;
}

const Path& path(const Picture& p, const std::string& series) {
  for (const auto& s : p.paths)
    if (s.series == series) return s;
  ADD_FAILURE() << "no series " << series;
  static const Path none;
  return none;
}

TEST(HistorySvg, APanelPerQuantityLossFirstWithTrainingAndValidation) {
  const History h{{"acc", {0.5, 0.6, 0.7, 0.8}},
                  {"loss", {1.0, 0.8, 0.6, 0.5}},
                  {"val_acc", {0.4, 0.5, 0.6, 0.7}},
                  {"val_loss", {1.1, 0.9, 0.7, 0.6}}};
  const Picture p = parse(history_svg(h, "my run"));
  EXPECT_EQ(p.title, "my run");
  EXPECT_EQ(p.panels, (std::vector<std::string>{"loss", "acc"}));
  ASSERT_EQ(p.paths.size(), 4u);
  for (const char* s : {"loss", "val_loss", "acc", "val_acc"}) {
    EXPECT_EQ(path(p, s).moves, 1) << s;
    EXPECT_EQ(path(p, s).lines, 3) << s;  // four epochs, four points
  }
}

TEST(HistorySvg, MissingValuesBreakTheLine) {
  const History h{{"loss", {1.0, kNaN, 0.6, 0.5, 0.4}}};
  const Picture p = parse(history_svg(h, "gaps"));
  ASSERT_EQ(p.paths.size(), 1u);
  EXPECT_EQ(path(p, "loss").moves, 2);  // 1.0 alone, then 0.6 0.5 0.4
  EXPECT_EQ(path(p, "loss").lines, 2);
}

TEST(HistorySvg, OneEpochAndConstantSeriesStillDraw) {
  const Picture one = parse(history_svg({{"loss", {0.7}}}, "one"));
  EXPECT_EQ(path(one, "loss").moves, 1);
  EXPECT_EQ(path(one, "loss").lines, 0);
  const Picture flat = parse(history_svg({{"loss", {2.0, 2.0, 2.0}}}, "flat"));
  EXPECT_EQ(path(flat, "loss").lines, 2);
}

TEST(HistorySvg, EscapesTextAndHasTicksAndALegend) {
  const std::string svg = history_svg({{"loss", {1.0, 0.5}}}, "a <b> & \"c\"");
  EXPECT_EQ(parse(svg).title, "a <b> & \"c\"");
  EXPECT_NE(svg.find("class=\"tick\""), std::string::npos);
  EXPECT_NE(svg.find(">training</text>"), std::string::npos);
  EXPECT_NE(svg.find(">epoch</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.5</text>"), std::string::npos);  // a round y tick
}

TEST(HistorySvg, RejectsAnEmptyHistoryAndRaggedSeries) {
  EXPECT_THROW_MSG(history_svg({}, "t"), ValueError, "the history is empty");
  EXPECT_THROW_MSG(history_svg({{"acc", {1, 2}}, {"loss", {1, 2, 3}}}, "t"), ValueError,
                   "'loss' has 3 values, expected 2");
}

TEST(ReadHistoryCsv, ReadsCsvLoggerOutputAndEmptyFieldsAsMissing) {
  TempFile f(".csv");
  std::ofstream(f.path()) << "epoch,acc,loss,val_loss\n0,0.5,1.25,\n1,0.75,0.5,0.625\n";
  const History h = read_history_csv(f.path());
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h.at("acc"), (std::vector<double>{0.5, 0.75}));
  EXPECT_EQ(h.at("loss"), (std::vector<double>{1.25, 0.5}));
  EXPECT_TRUE(std::isnan(h.at("val_loss")[0]));
  EXPECT_EQ(h.at("val_loss")[1], 0.625);
}

TEST(ReadHistoryCsv, BadFilesAreErrorsNamingTheFileLineAndField) {
  EXPECT_THROW_MSG(read_history_csv("/nonexistent/h.csv"), IOError, "/nonexistent/h.csv");
  TempFile f(".csv");
  std::ofstream(f.path()) << "time,loss\n0,1\n";
  EXPECT_THROW_MSG(read_history_csv(f.path()), ValueError, "expected CSVLogger's header");
  std::ofstream(f.path()) << "epoch,loss\n0,1\n1,abc\n";
  EXPECT_THROW_MSG(read_history_csv(f.path()), ValueError,
                   "line 3, column 'loss' is 'abc', expected a number");
  std::ofstream(f.path()) << "epoch,loss\n0,1,2\n";
  EXPECT_THROW_MSG(read_history_csv(f.path()), ValueError, "line 2 has 3 fields, expected 2");
  std::ofstream(f.path()) << "epoch,loss\n";
  EXPECT_THROW_MSG(read_history_csv(f.path()), ValueError, "no epoch");
}

// A small fit with validation, CSVLogger and PlotLogger side by side.
struct FitRun {
  TempFile csv{".csv"}, svg{".svg"};
  callbacks::History history;
};

std::unique_ptr<Sequential> tiny_model() {
  using namespace keel::layers;
  set_seed(11);
  auto m = std::make_unique<Sequential>("tiny");
  m->add(Dense(4, {.activation = "relu", .input_shape = {3}}));
  m->add(Dense(2, {.activation = "softmax"}));
  m->compile("adam", "categorical_crossentropy", {"accuracy"});
  return m;
}

void fit(Sequential& m, FitRun& r, int epochs, std::shared_ptr<callbacks::PlotLogger> plot) {
  const Tensor x = Tensor::random_uniform({32, 3});
  std::vector<float> hot(64, 0.f);
  for (int i = 0; i < 32; ++i) hot[static_cast<std::size_t>(i * 2 + i % 2)] = 1.f;
  r.history = m.fit(x, Tensor::from_data({32, 2}, hot),
                    {.batch_size = 8,
                     .nb_epoch = epochs,
                     .verbose = 0,
                     .callbacks = {std::make_shared<callbacks::CSVLogger>(r.csv.path()), plot},
                     .validation_split = 0.25});
}

TEST(PlotLogger, DrawsEveryLogAfterEachEpoch) {
  auto m = tiny_model();
  FitRun r;
  fit(*m, r, 3, std::make_shared<callbacks::PlotLogger>(r.svg.path()));
  const Picture p = parse(read_bytes(r.svg.path()));
  EXPECT_EQ(p.title, "tiny");  // the model's name by default
  EXPECT_EQ(p.panels, (std::vector<std::string>{"loss", "acc"}));
  for (const char* s : {"loss", "val_loss", "acc", "val_acc"}) EXPECT_EQ(path(p, s).lines, 2) << s;
  // The same picture as keel-plot draws from CSVLogger's file of the same run.
  EXPECT_EQ(read_bytes(r.svg.path()), history_svg(read_history_csv(r.csv.path()), "tiny"));
}

TEST(PlotLogger, StateContinuesTheCurvesAfterAResume) {
  auto m = tiny_model();
  FitRun r;
  auto first = std::make_shared<callbacks::PlotLogger>(r.svg.path(), "run");
  fit(*m, r, 2, first);
  auto resumed = std::make_shared<callbacks::PlotLogger>(r.svg.path(), "run");
  resumed->set_state(Config::parse(first->state().dump()));  // as a checkpoint carries it
  EXPECT_EQ(resumed->state(), first->state());
  Logs logs{{"loss", 0.25}, {"acc", 1.0}, {"val_loss", 0.5}, {"val_acc", 0.75}};
  resumed->set_model(m.get());
  resumed->on_epoch_end(2, logs);
  const Picture p = parse(read_bytes(r.svg.path()));
  EXPECT_EQ(path(p, "loss").lines, 2);  // three epochs: two from the first run, one more
  EXPECT_EQ(path(p, "val_acc").lines, 2);
}

TEST(KeelPlot, DrawsACsvLoggerFile) {
  auto m = tiny_model();
  FitRun r;
  fit(*m, r, 2, std::make_shared<callbacks::PlotLogger>(r.svg.path()));
  TempFile out(".svg");
  const ToolRun ok = run_tool(KEEL_PLOT_TOOL, {r.csv.path(), out.path(), "--title", "from csv"});
  ASSERT_EQ(ok.status, 0) << ok.err;
  const Picture p = parse(read_bytes(out.path()));
  EXPECT_EQ(p.title, "from csv");
  EXPECT_EQ(path(p, "val_loss").lines, 1);
}

TEST(KeelPlot, BadInputIsOneLineWithStatus1AndUsageIs2) {
  TempFile out(".svg");
  const ToolRun missing = run_tool(KEEL_PLOT_TOOL, {"/nonexistent/h.csv", out.path()});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("/nonexistent/h.csv"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::ifstream(out.path()).good());  // nothing written
  EXPECT_EQ(run_tool(KEEL_PLOT_TOOL, {"only-one.csv"}).status, 2);
}

}  // namespace
}  // namespace keel
