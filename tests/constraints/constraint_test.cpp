// Constraints: maxnorm, unitnorm, nonneg (KERAS1_SEMANTICS.md 6), configs, and the conformance
// constraint cases.
#include <gtest/gtest.h>
#include <keel/constraints/constraint.h>
#include <keel/core/error.h>
#include <keel/core/random.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "npy_test_util.h"
#include "test_util.h"

namespace keel::constraints {
namespace {

constexpr double kEps = 1e-7;

// The Keras formulas in double with plain loops: the norm of each index combination of the
// axes not in `axes` (given non-negative).
std::vector<float> reference(const Tensor& w, const std::vector<int>& axes, bool unit, double m) {
  const std::vector<float> v = w.to_vector();
  const Shape& s = w.shape();
  const std::vector<std::int64_t> strides = row_major_strides(s);
  auto key_of = [&](std::int64_t flat) {
    std::int64_t key = 0;
    for (int d = 0; d < s.rank(); ++d) {
      const std::int64_t i = (flat / strides[d]) % s[d];
      bool summed = false;
      for (int a : axes) summed |= a == d;
      if (!summed) key += i * strides[d];
    }
    return key;
  };
  std::map<std::int64_t, double> sq;
  for (std::int64_t i = 0; i < w.numel(); ++i) sq[key_of(i)] += double(v[i]) * double(v[i]);
  std::vector<float> out(v.size());
  for (std::int64_t i = 0; i < w.numel(); ++i) {
    const double n = std::sqrt(sq[key_of(i)]);
    const double scale = unit ? 1.0 / (kEps + n) : std::min(n, m) / (kEps + n);
    out[i] = static_cast<float>(v[i] * scale);
  }
  return out;
}

void expect_near_all(const std::vector<float>& a, const std::vector<float>& e, float tol) {
  ASSERT_EQ(a.size(), e.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], e[i], tol) << "element " << i;
}

TEST(MaxNorm, ColumnVectorIsSpecVector) {
  // KERAS1_SEMANTICS.md 14: maxnorm(2, axis=0) on the column [3, 4] -> [3, 4] * 2 / (5 + 1e-7).
  const Tensor w = Tensor::from_data(Shape{2, 1}, {3.f, 4.f});
  const Tensor c = maxnorm(2.f, {0}).apply(w);
  EXPECT_EQ(c.shape(), (Shape{2, 1}));
  const double scale = 2.0 / (5.0 + 1e-7);
  expect_near_all(c.to_vector(), {float(3 * scale), float(4 * scale)}, 1e-6f);
  EXPECT_NEAR(c.at({0, 0}), 1.2f, 1e-6f);
  EXPECT_NEAR(c.at({1, 0}), 1.6f, 1e-6f);
}

TEST(MaxNorm, NormsBelowTheBoundAreScaledByNOverEpsPlusN) {
  // Keras rescales by n / (eps + n) even when n <= m: slightly below 1.
  const Tensor w = Tensor::from_data(Shape{2, 2}, {3.f, 0.5f, 4.f, 0.f});
  const Tensor c = maxnorm().apply(w);  // m = 2, axis 0: column norms 5 and 0.5
  const double s0 = 2.0 / (5.0 + kEps), s1 = 0.5 / (0.5 + kEps);
  expect_near_all(c.to_vector(), {float(3 * s0), float(0.5 * s1), float(4 * s0), 0.f}, 2e-7f);
  EXPECT_LT(c.at({0, 1}), 0.5f);  // a norm of 0.5 < m still shrinks, to 0.5 * 0.5 / (0.5 + eps)
}

TEST(MaxNorm, ZeroColumnStaysZero) {
  const Tensor c = maxnorm(1.f).apply(Tensor::zeros(Shape{3, 2}));
  EXPECT_EQ(c.to_vector(), std::vector<float>(6, 0.f));
}

TEST(MaxNorm, DefaultsAreTwoAndAxisZero) {
  const Constraint c = maxnorm();
  EXPECT_EQ(c.kind(), Constraint::Kind::maxnorm);
  EXPECT_EQ(c.name(), "maxnorm");
  EXPECT_EQ(c.m(), 2.f);
  EXPECT_EQ(c.axis(), std::vector<int>{0});
}

TEST(MaxNorm, MultiAxisNormsEachFilterOfATfKernel) {
  set_seed(3);
  const Tensor w = Tensor::random_normal(Shape{3, 3, 2, 4});  // (rows, cols, C, F)
  const Tensor c = maxnorm(1.5f, {0, 1, 2}).apply(w);
  expect_near_all(c.to_vector(), reference(w, {0, 1, 2}, false, 1.5), 1e-6f);
  // each filter's norm is now min(norm, 1.5)
  for (std::int64_t f = 0; f < 4; ++f) {
    double n = 0.0;
    for (std::int64_t r = 0; r < 3; ++r)
      for (std::int64_t q = 0; q < 3; ++q)
        for (std::int64_t ch = 0; ch < 2; ++ch) n += std::pow(c.at({r, q, ch, f}), 2);
    EXPECT_LE(std::sqrt(n), 1.5 + 1e-5) << "filter " << f;
  }
}

TEST(MaxNorm, NegativeAxisCountsFromTheEnd) {
  set_seed(4);
  const Tensor w = Tensor::random_normal(Shape{2, 3, 4}, 0.f, 2.f);
  const std::vector<float> expected = reference(w, {2}, false, 1.0);
  expect_near_all(maxnorm(1.f, {-1}).apply(w).to_vector(), expected, 1e-6f);
  expect_near_all(maxnorm(1.f, {2}).apply(w).to_vector(), expected, 1e-6f);
  expect_near_all(maxnorm(1.f, {-3, -1}).apply(w).to_vector(), reference(w, {0, 2}, false, 1.0),
                  1e-6f);
}

TEST(MaxNorm, AxisOutOfRangeNamesConstraintAxisAndShape) {
  const Tensor w = Tensor::ones(Shape{3, 3, 2, 4});
  EXPECT_THROW_MSG(maxnorm(2.f, {4}).apply(w), ShapeError,
                   "maxnorm: axis 4 is out of range for a weight of shape (3, 3, 2, 4)");
  EXPECT_THROW_MSG(unitnorm({0, -5}).apply(w), ShapeError,
                   "unitnorm: axis -5 is out of range for a weight of shape (3, 3, 2, 4)");
  EXPECT_THROW_MSG(maxnorm(2.f, {0, -4}).apply(w), ShapeError,
                   "maxnorm: axis [0, -4] names the same axis twice");
}

TEST(MaxNorm, NonPositiveMIsRejected) {
  EXPECT_THROW_MSG(maxnorm(0.f), ValueError, "maxnorm: m is 0, expected > 0");
  EXPECT_THROW_MSG(maxnorm(-1.5f), ValueError, "m is -1.5");
  EXPECT_THROW_MSG(maxnorm(NAN), ValueError, "m is nan");
}

TEST(UnitNorm, DividesEachColumnByItsNorm) {
  const Tensor w = Tensor::from_data(Shape{2, 2}, {3.f, 0.f, 4.f, 2.f});
  const Tensor c = unitnorm().apply(w);  // axis 0: column norms 5 and 2
  expect_near_all(c.to_vector(),
                  {float(3 / (5 + kEps)), 0.f, float(4 / (5 + kEps)), float(2 / (2 + kEps))},
                  1e-7f);
}

TEST(UnitNorm, ThKernelPerFilter) {
  set_seed(5);
  const Tensor w = Tensor::random_normal(Shape{4, 2, 3, 3});  // (F, C, rows, cols)
  const Tensor c = unitnorm({1, 2, 3}).apply(w);
  expect_near_all(c.to_vector(), reference(w, {1, 2, 3}, true, 0.0), 1e-6f);
  const std::vector<float> v = c.to_vector();
  for (int f = 0; f < 4; ++f) {
    double n = 0.0;
    for (int i = 0; i < 18; ++i) n += double(v[f * 18 + i]) * v[f * 18 + i];
    EXPECT_NEAR(std::sqrt(n), 1.0, 1e-5) << "filter " << f;
  }
}

TEST(NonNeg, ZeroesNegativeEntries) {
  const Tensor w = Tensor::from_data(Shape{2, 3}, {-1.f, 0.f, 2.f, -0.5f, 3.25f, -1e-8f});
  EXPECT_EQ(nonneg().apply(w).to_vector(), (std::vector<float>{0.f, 0.f, 2.f, 0.f, 3.25f, 0.f}));
  EXPECT_TRUE(nonneg().axis().empty());
}

TEST(Constraint, ApplyReturnsANewTensor) {
  const Tensor w = Tensor::from_data(Shape{2, 1}, {3.f, 4.f});
  (void)maxnorm().apply(w);
  EXPECT_EQ(w.to_vector(), (std::vector<float>{3.f, 4.f}));
}

TEST(Constraint, GetConfigUsesKerasClassNames) {
  EXPECT_EQ(maxnorm().get_config(), (Config{{"name", "MaxNorm"}, {"m", 2.0}, {"axis", 0}}));
  EXPECT_EQ(maxnorm(1.5f, {0, 1, 2}).get_config(),
            (Config{{"name", "MaxNorm"}, {"m", 1.5}, {"axis", {0, 1, 2}}}));
  EXPECT_EQ(unitnorm({-1}).get_config(), (Config{{"name", "UnitNorm"}, {"axis", -1}}));
  EXPECT_EQ(nonneg().get_config(), (Config{{"name", "NonNeg"}}));
  for (const Constraint& c : {maxnorm(3.f, {1, 2}), unitnorm(), nonneg()})
    EXPECT_EQ(constraint_from_config(c.get_config()), c);
}

TEST(ConstraintFromConfig, NamesGiveTheDefaults) {
  EXPECT_EQ(constraint_from_config("maxnorm"), maxnorm(2.f, {0}));
  EXPECT_EQ(constraint_from_config("MaxNorm"), maxnorm());
  EXPECT_EQ(constraint_from_config("nonneg"), nonneg());
  EXPECT_EQ(constraint_from_config("NonNeg"), nonneg());
  EXPECT_EQ(constraint_from_config("unitnorm"), unitnorm({0}));
  EXPECT_EQ(constraint_from_config("UnitNorm"), unitnorm());
}

TEST(ConstraintFromConfig, DictsTakeArguments) {
  EXPECT_EQ(constraint_from_config(Config{{"name", "maxnorm"}, {"m", 3}}), maxnorm(3.f));
  EXPECT_EQ(constraint_from_config(Config{{"name", "MaxNorm"}, {"axis", {0, 1, 2}}}),
            maxnorm(2.f, {0, 1, 2}));
  EXPECT_EQ(constraint_from_config(Config{{"name", "unitnorm"}, {"axis", -1}}), unitnorm({-1}));
  EXPECT_EQ(constraint_from_config(Config{{"name", "nonneg"}}), nonneg());
}

TEST(ConstraintFromConfig, ErrorsNameTheProblem) {
  EXPECT_THROW_MSG(constraint_from_config("minmaxnorm"), ValueError,
                   "constraint 'minmaxnorm' is not one of maxnorm, nonneg, unitnorm, MaxNorm, "
                   "NonNeg, UnitNorm");
  EXPECT_THROW_MSG(constraint_from_config(Config{{"m", 2}}), ValueError, "needs a string 'name'");
  EXPECT_THROW_MSG(constraint_from_config(Config()), ValueError,
                   "constraint config must be a name or an object with a 'name', got None");
  EXPECT_THROW_MSG(constraint_from_config(Config{{"name", "nonneg"}, {"axis", 0}}), ValueError,
                   "constraint 'nonneg': unexpected argument 'axis', expected no arguments");
  EXPECT_THROW_MSG(constraint_from_config(Config{{"name", "unitnorm"}, {"m", 2}}), ValueError,
                   "constraint 'unitnorm': unexpected argument 'm', expected one of axis");
  EXPECT_THROW_MSG(constraint_from_config(Config{{"name", "maxnorm"}, {"m", 0}}), ValueError,
                   "constraint 'maxnorm': m is 0, expected > 0");
  EXPECT_THROW_MSG(constraint_from_config(Config{{"name", "maxnorm"}, {"m", "2"}}), ValueError,
                   "constraint 'maxnorm': m is '2', expected a number");
  EXPECT_THROW_MSG(constraint_from_config(Config{{"name", "maxnorm"}, {"axis", 0.5}}), ValueError,
                   "constraint 'maxnorm': axis is 0.5, expected an int or a list of ints");
}

TEST(ConstraintFromFactory, ManifestForms) {
  EXPECT_EQ(constraint_from_factory("maxnorm", Config{{"m", 2}, {"axis", 0}}), maxnorm(2.f, {0}));
  EXPECT_EQ(constraint_from_factory("maxnorm", Config{{"m", 1.5}, {"axis", {0, 1, 2}}}),
            maxnorm(1.5f, {0, 1, 2}));
  EXPECT_EQ(constraint_from_factory("unitnorm", Config{{"axis", {1, 2, 3}}}), unitnorm({1, 2, 3}));
  EXPECT_EQ(constraint_from_factory("nonneg", Config::object()), nonneg());
  EXPECT_EQ(constraint_from_factory("maxnorm", Config()), maxnorm());
  EXPECT_THROW_MSG(constraint_from_factory("maxnorm", Config{{"m", -1}}), ValueError, "m is -1");
  EXPECT_THROW_MSG(constraint_from_factory("max_norm", Config::object()), ValueError,
                   "constraint 'max_norm' is not one of");
}

// --- conformance cases (/work/shared/conformance, copied to tests/data/conformance) ------------

// Name, arguments and atol as in manifest.json ("constraint", "args", "tolerance").
void run_case(const char* id, const char* name, const Config& args, double atol) {
  SCOPED_TRACE(id);
  constexpr double kRtol = 1e-5;  // manifest: rtol for constraint arrays
  const test::NpyArray w = test::read_case_array(id, "W.npy");
  const test::NpyArray expected = test::read_case_array(id, "W_constrained.npy");
  ASSERT_EQ(expected.shape, w.shape);
  const Tensor c = constraint_from_factory(name, args).apply(w.tensor());
  EXPECT_EQ(c.shape(), Shape(w.shape));
  EXPECT_TRUE(test::all_close(c.to_vector(), expected.data, kRtol, atol));
}

TEST(ConstraintConformance, MaxNormAxis0) {
  run_case("con_maxnorm_axis0", "maxnorm", Config{{"m", 2}, {"axis", 0}}, 1.99e-6);
}

TEST(ConstraintConformance, MaxNormFiltersTf) {
  run_case("con_maxnorm_filters_tf", "maxnorm", Config{{"m", 1.5}, {"axis", {0, 1, 2}}}, 1e-6);
}

TEST(ConstraintConformance, UnitNormTh) {
  run_case("con_unitnorm_th", "unitnorm", Config{{"axis", {1, 2, 3}}}, 1e-6);
}

TEST(ConstraintConformance, NonNeg) { run_case("con_nonneg", "nonneg", Config::object(), 2.97e-6); }

}  // namespace
}  // namespace keel::constraints

namespace keel::constraints {
namespace {

// A tf Convolution2D kernel (3, 3, C, F) held as the blocked OIhw16i16o of its convolution:
// oneDNN dims {F, C, 3, 3} with axes {3, 2, 0, 1}.
Tensor blocked_kernel(std::int64_t c, std::int64_t f) {
  const Tensor plain = Tensor::random_uniform({3, 3, c, f}, -1.f, 1.f);
  const dnnl::memory::desc md({f, c, 3, 3}, dnnl::memory::data_type::f32,
                              dnnl::memory::format_tag::OIhw16i16o);
  return plain.to_layout(md, {3, 2, 0, 1});
}

TEST(Constraint, ProjectsABlockedKernelInItsOwnLayout) {
  for (const Constraint& c : {maxnorm(0.5f, {0, 1, 2}), unitnorm({0, 1, 2}), nonneg(),
                              maxnorm(1.f, {3}), unitnorm({0, 3})}) {
    for (auto [cin, fout] : {std::pair<std::int64_t, std::int64_t>{3, 20}, {16, 16}, {5, 33}}) {
      Tensor w = blocked_kernel(cin, fout);
      const Tensor plain = w.to_plain();
      const auto desc_before = w.desc();
      const auto buffer_before = w.buffer();
      c.project(w);
      EXPECT_EQ(w.desc(), desc_before) << c.name();  // no reorder: the layout is kept
      EXPECT_EQ(w.buffer(), buffer_before) << c.name();
      const std::vector<float> got = w.to_vector();
      const std::vector<float> want = c.apply(plain).to_vector();
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], 1e-6f * (1.f + std::abs(want[i]))) << c.name() << " at " << i;
    }
  }
}

TEST(Constraint, BlockedProjectionMatchesTheKerasFormula) {
  Tensor w = blocked_kernel(3, 20);
  const Tensor plain = w.to_plain();
  maxnorm(0.5f, {0, 1, 2}).project(w);
  const std::vector<float> want = reference(plain, {0, 1, 2}, /*unit=*/false, 0.5);
  const std::vector<float> got = w.to_vector();
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-6f);
}

}  // namespace
}  // namespace keel::constraints
