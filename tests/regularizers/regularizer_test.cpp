// L1L2Regularizer: penalties, gradients, configs (KERAS1_SEMANTICS.md 5) and the conformance
// regularizer cases.
#include <gtest/gtest.h>
#include <keel/autograd/ops.h>
#include <keel/autograd/tape.h>
#include <keel/core/error.h>
#include <keel/regularizers/regularizer.h>

#include <string>
#include <vector>

#include "npy_test_util.h"
#include "test_util.h"

namespace keel::regularizers {
namespace {

Variable param(const Shape& shape, std::vector<float> v) {
  return Variable(Tensor::from_data(shape, v), /*requires_grad=*/true);
}

const std::vector<float> kX = {1.f, -2.f, 0.f, 3.5f};

TEST(L1L2Regularizer, L2OnOnesIsSpecVector) {
  // KERAS1_SEMANTICS.md 14: l2(0.01) on W = all-ones 3x3x1x1 -> penalty 0.09.
  const Variable p = l2(0.01f).penalty(Variable(Tensor::ones(Shape{3, 3, 1, 1})));
  EXPECT_EQ(p.shape(), Shape{});
  EXPECT_NEAR(p.item(), 0.09f, 1e-7f);
}

TEST(L1L2Regularizer, L1IsCoefficientTimesSumOfAbs) {
  // 0.1 * (1 + 2 + 0 + 3.5) = 0.65
  EXPECT_NEAR(l1(0.1f).penalty(param(Shape{2, 2}, kX)).item(), 0.65f, 1e-6f);
}

TEST(L1L2Regularizer, L1L2AddsBothTerms) {
  // 0.1 * 6.5 + 0.2 * (1 + 4 + 0 + 12.25) = 0.65 + 3.45 = 4.1
  EXPECT_NEAR(l1l2(0.1f, 0.2f).penalty(param(Shape{4}, kX)).item(), 4.1f, 1e-5f);
}

TEST(L1L2Regularizer, PenaltySumsOverEveryElementIncludingBatch) {
  // An activity penalty on a batch of 2 identical samples is twice that of one sample.
  const Tensor one = Tensor::from_data(Shape{1, 2, 2}, kX);
  std::vector<float> two_v = kX;
  two_v.insert(two_v.end(), kX.begin(), kX.end());
  const Tensor two = Tensor::from_data(Shape{2, 2, 2}, two_v);
  const L1L2Regularizer r = activity_l1l2(0.1f, 0.2f);
  EXPECT_NEAR(r.penalty(Variable(two)).item(), 2.f * r.penalty(Variable(one)).item(), 1e-5f);
}

TEST(L1L2Regularizer, BothZeroIsConstantZero) {
  const Variable x = param(Shape{4}, kX);
  const Variable p = L1L2Regularizer().penalty(x);
  EXPECT_EQ(p.shape(), Shape{});
  EXPECT_EQ(p.item(), 0.f);
  EXPECT_FALSE(p.requires_grad());  // a constant: nothing to differentiate
}

TEST(L1L2Regularizer, GradientIsL1SignPlusTwoL2X) {
  const Variable x = param(Shape{2, 2}, kX);
  Tape tape;
  const Variable p = l1l2(0.1f, 0.2f).penalty(x);
  const std::vector<float> g = tape.gradient(p, x).to_vector();
  // 0.1 * sign(x) + 0.4 * x, sign(0) = 0
  const std::vector<float> expected = {0.5f, -0.9f, 0.f, 1.5f};
  ASSERT_EQ(g.size(), expected.size());
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], expected[i], 1e-6f) << i;
}

TEST(L1L2Regularizer, L1GradientAtZeroIsZeroAsInTensorFlow) {
  const Variable x = param(Shape{4}, {0.f, -0.f, 2.f, -3.f});
  Tape tape;
  const std::vector<float> g = tape.gradient(l1(1.f).penalty(x), x).to_vector();
  EXPECT_EQ(g, (std::vector<float>{0.f, 0.f, 1.f, -1.f}));
}

TEST(L1L2Regularizer, ShortcutsSetTheirCoefficients) {
  EXPECT_EQ(l1(), L1L2Regularizer(0.01f, 0.f));
  EXPECT_EQ(l2(), L1L2Regularizer(0.f, 0.01f));
  EXPECT_EQ(l1l2(), L1L2Regularizer(0.01f, 0.01f));
  EXPECT_EQ(activity_l1(0.3f), L1L2Regularizer(0.3f, 0.f));
  EXPECT_EQ(activity_l2(0.3f), L1L2Regularizer(0.f, 0.3f));
  EXPECT_EQ(activity_l1l2(0.1f, 0.2f), L1L2Regularizer(0.1f, 0.2f));
  const WeightRegularizer w(0.5f);
  const ActivityRegularizer a(0.f, 0.5f);
  EXPECT_EQ(w.l1(), 0.5f);
  EXPECT_EQ(a.l2(), 0.5f);
}

TEST(L1L2Regularizer, NegativeCoefficientIsRejected) {
  EXPECT_THROW_MSG(L1L2Regularizer(-0.1f, 0.f), ValueError, "l1 is -0.1, expected");
  EXPECT_THROW_MSG(l2(-1.f), ValueError, "l2 is -1");
}

TEST(L1L2Regularizer, GetConfigHoldsFloat32Values) {
  const Config c = l1l2(0.01f, 0.5f).get_config();
  EXPECT_EQ(c["name"], "L1L2Regularizer");
  // Keras stores float(np.float32(0.01)) = 0.009999999776482582.
  EXPECT_EQ(c["l1"].get<double>(), static_cast<double>(0.01f));
  EXPECT_EQ(c["l2"].get<double>(), 0.5);
  EXPECT_EQ(regularizer_from_config(c), l1l2(0.01f, 0.5f));
}

TEST(RegularizerFromConfig, StringsAreShortcutsWithDefaultsOrClasses) {
  EXPECT_EQ(regularizer_from_config("l1"), L1L2Regularizer(0.01f, 0.f));
  EXPECT_EQ(regularizer_from_config("l2"), L1L2Regularizer(0.f, 0.01f));
  EXPECT_EQ(regularizer_from_config("l1l2"), L1L2Regularizer(0.01f, 0.01f));
  EXPECT_EQ(regularizer_from_config("activity_l1"), L1L2Regularizer(0.01f, 0.f));
  EXPECT_EQ(regularizer_from_config("activity_l2"), L1L2Regularizer(0.f, 0.01f));
  EXPECT_EQ(regularizer_from_config("activity_l1l2"), L1L2Regularizer(0.01f, 0.01f));
  EXPECT_EQ(regularizer_from_config("L1L2Regularizer"), L1L2Regularizer(0.f, 0.f));
  EXPECT_EQ(regularizer_from_config("WeightRegularizer"), L1L2Regularizer(0.f, 0.f));
}

TEST(RegularizerFromConfig, DictsTakeTheNamedFactorysArguments) {
  EXPECT_EQ(regularizer_from_config(Config{{"name", "L1L2Regularizer"}, {"l1", 0.1}}),
            L1L2Regularizer(0.1f, 0.f));
  EXPECT_EQ(regularizer_from_config(Config{{"name", "ActivityRegularizer"}, {"l2", 0.3}}),
            L1L2Regularizer(0.f, 0.3f));
  EXPECT_EQ(regularizer_from_config(Config{{"name", "l1"}, {"l", 0.5}}),
            L1L2Regularizer(0.5f, 0.f));
  EXPECT_EQ(regularizer_from_config(Config{{"name", "activity_l2"}, {"l", 0.25}}),
            L1L2Regularizer(0.f, 0.25f));
  // a missing argument keeps the shortcut's default
  EXPECT_EQ(regularizer_from_config(Config{{"name", "l1l2"}, {"l1", 0.1}}),
            L1L2Regularizer(0.1f, 0.01f));
  EXPECT_EQ(regularizer_from_config(Config{{"name", "l2"}}), L1L2Regularizer(0.f, 0.01f));
  // Keras casts to float32
  EXPECT_EQ(regularizer_from_config(Config{{"name", "l1"}, {"l", 0.1}}).l1(), 0.1f);
}

TEST(RegularizerFromConfig, UnknownNameListsTheKnownOnes) {
  EXPECT_THROW_MSG(regularizer_from_config("l3"), ValueError,
                   "regularizer 'l3' is not one of l1, l2, l1l2, activity_l1, activity_l2, "
                   "activity_l1l2, L1L2Regularizer, WeightRegularizer, ActivityRegularizer");
  EXPECT_THROW_MSG(regularizer_from_config(Config{{"name", "EigenvalueRegularizer"}}), ValueError,
                   "'EigenvalueRegularizer' is not one of");
}

TEST(RegularizerFromConfig, MalformedConfigsAreRejected) {
  EXPECT_THROW_MSG(regularizer_from_config(Config{{"l1", 0.1}}), ValueError,
                   "needs a string 'name'");
  EXPECT_THROW_MSG(regularizer_from_config(Config(42)), ValueError, "must be a name or an object");
  EXPECT_THROW_MSG(regularizer_from_config(Config()), ValueError,
                   "regularizer config must be a name or an object with a 'name', got None");
  EXPECT_THROW_MSG(regularizer_from_config(Config{{"name", "l1"}, {"l1", 0.1}}), ValueError,
                   "regularizer 'l1': unexpected argument 'l1', expected one of l");
  EXPECT_THROW_MSG(regularizer_from_config(Config{{"name", "l1l2"}, {"l", 0.1}}), ValueError,
                   "regularizer 'l1l2': unexpected argument 'l', expected one of l1, l2");
  EXPECT_THROW_MSG(regularizer_from_config(Config{{"name", "l2"}, {"l", "big"}}), ValueError,
                   "regularizer 'l2': l is 'big', expected a number");
}

TEST(RegularizerFromConfig, NegativeCoefficientNamesIt) {
  EXPECT_THROW_MSG(
      regularizer_from_config(Config{{"name", "L1L2Regularizer"}, {"l1", 0.1}, {"l2", -0.5}}),
      ValueError, "regularizer 'L1L2Regularizer': l2 is -0.5, expected a finite number >= 0");
  EXPECT_THROW_MSG(regularizer_from_config(Config{{"name", "l1"}, {"l", -1}}), ValueError,
                   "regularizer 'l1': l is -1");
}

TEST(RegularizerFromFactory, ManifestForms) {
  EXPECT_EQ(regularizer_from_factory("l1", Config{{"l", 0.01}}), L1L2Regularizer(0.01f, 0.f));
  EXPECT_EQ(regularizer_from_factory("l2", Config{{"l", 0.005}}), L1L2Regularizer(0.f, 0.005f));
  EXPECT_EQ(regularizer_from_factory("l1l2", Config{{"l1", 0.01}, {"l2", 0.02}}),
            L1L2Regularizer(0.01f, 0.02f));
  EXPECT_EQ(regularizer_from_factory("activity_l1l2", Config::object()),
            L1L2Regularizer(0.01f, 0.01f));
  EXPECT_EQ(regularizer_from_factory("activity_l1", Config()), L1L2Regularizer(0.01f, 0.f));
  EXPECT_THROW_MSG(regularizer_from_factory("l2", Config{{"l2", 0.1}}), ValueError,
                   "unexpected argument 'l2'");
  EXPECT_THROW_MSG(regularizer_from_factory("L2", Config::object()), ValueError,
                   "regularizer 'L2' is not one of");
  EXPECT_THROW_MSG(
      regularizer_from_factory("l1", Config::array({0.1})), ValueError,
      "regularizer 'l1': the config must be an object of keyword arguments, got [0.1]");
}

// --- conformance cases (/work/shared/conformance, copied to tests/data/conformance) ------------

struct RegularizerCase {
  const char* id;
  const char* factory;
  Config args;
  const char* tensor;    // W or activation
  const char* gradient;  // dW or dactivation
  double atol_penalty;
  double atol_gradient;
};

void run_case(const RegularizerCase& c) {
  SCOPED_TRACE(c.id);
  constexpr double kRtol = 1e-4;  // manifest: rtol for regularizer arrays
  const L1L2Regularizer r = regularizer_from_factory(c.factory, c.args);
  const test::NpyArray x = test::read_case_array(c.id, std::string(c.tensor) + ".npy");
  const test::NpyArray penalty = test::read_case_array(c.id, "penalty.npy");
  const test::NpyArray grad = test::read_case_array(c.id, std::string(c.gradient) + ".npy");
  ASSERT_EQ(penalty.shape, std::vector<std::int64_t>{1});  // scalars are stored as (1,)
  ASSERT_EQ(grad.shape, x.shape);

  const Variable v(x.tensor(), /*requires_grad=*/true);
  Tape tape;
  const Variable p = r.penalty(v);
  EXPECT_TRUE(test::all_close({p.item()}, penalty.data, kRtol, c.atol_penalty));
  EXPECT_TRUE(test::all_close(tape.gradient(p, v).to_vector(), grad.data, kRtol, c.atol_gradient));
}

// Factory, arguments and atol as in manifest.json ("regularizer", "args", "tolerance").
TEST(RegularizerConformance, RegWL1) {
  run_case({"reg_W_l1", "l1", Config{{"l", 0.01}}, "W", "dW", 1e-5, 1e-5});
}

TEST(RegularizerConformance, RegWL1L2) {
  run_case({"reg_W_l1l2", "l1l2", Config{{"l1", 0.01}, {"l2", 0.02}}, "W", "dW", 2.51e-5, 1e-5});
}

TEST(RegularizerConformance, RegActL1L2) {
  run_case({"reg_act_l1l2", "activity_l1l2", Config{{"l1", 0.001}, {"l2", 0.002}}, "activation",
            "dactivation", 1e-5, 1e-5});
}

}  // namespace
}  // namespace keel::regularizers
