// MaxPooling / AveragePooling 1D/2D/3D and their global forms: KERAS1_SEMANTICS.md 1.1, 1.3
// (TF 'same' padding, the odd extra cell at the end), 12.4 (pooling) and the section 14 test
// vector MaxPooling2D() on (None, 45, 60, 512).
//
// The reference is computed here by index arithmetic on plain arrays: each output cell's window
// is the list of real (unpadded) input cells; max takes the largest (its gradient goes to it),
// average the mean over the real cells (TF 'same' semantics: padding excluded).
#include <gtest/gtest.h>
#include <keel/autograd/gradcheck.h>
#include <keel/autograd/pooling.h>
#include <keel/autograd/resize_ops.h>
#include <keel/autograd/tape.h>
#include <keel/core/detail/dnnl_adapter.h>
#include <keel/core/error.h>
#include <keel/core/primitive_cache.h>
#include <keel/core/random.h>
#include <keel/core/tensor_ops.h>
#include <keel/layers/convolution.h>
#include <keel/layers/factory.h>
#include <keel/layers/pooling.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "test_util.h"

namespace keel {
namespace {

using layers::Layer;
using tag = dnnl::memory::format_tag;
constexpr std::int64_t None = Shape::kUnknown;

Tensor random_tensor(const Shape& s, std::uint64_t seed) {
  Philox rng(seed);
  std::vector<float> v(static_cast<std::size_t>(s.numel()));
  rng.fill_uniform(v, -1.f, 1.f);
  return Tensor::from_data(s, v);
}

// Distinct values 0.05 apart in a random order: no two cells of a window are within the
// gradient checker's step, so the max never changes hands under a perturbation.
Tensor distinct_tensor(const Shape& s, std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(s.numel());
  std::vector<std::uint64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Philox rng(seed);
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.uniform_int(i)]);
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = (static_cast<float>(order[i]) - static_cast<float>(n) / 2.f) * 0.05f;
  return Tensor::from_data(s, v);
}

std::vector<std::int64_t> unflatten(std::int64_t flat, const Shape& s) {
  std::vector<std::int64_t> idx(static_cast<std::size_t>(s.rank()));
  for (int d = s.rank() - 1; d >= 0; --d) {
    idx[d] = flat % s[d];
    flat /= s[d];
  }
  return idx;
}

void expect_near(const std::vector<float>& a, const std::vector<float>& e, float tol) {
  ASSERT_EQ(a.size(), e.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], e[i], tol) << "element " << i;
}

// (N, spatial..., C) -> (N, C, spatial...).
Tensor to_th(const Tensor& tf) {
  std::vector<int> perm{0, tf.rank() - 1};
  for (int i = 1; i < tf.rank() - 1; ++i) perm.push_back(i);
  return ops::permute(tf, perm);
}

std::vector<int> spatial_axes(int rank, DimOrdering o) {
  std::vector<int> v(static_cast<std::size_t>(rank));
  std::iota(v.begin(), v.end(), o == DimOrdering::tf ? 1 : 2);
  return v;
}

// --- reference ---------------------------------------------------------------------------------

struct Pool {
  bool max;
  std::vector<std::int64_t> k, s;
  bool same;
};

// For every output cell (row-major), the flat indices of the real input cells of its window.
struct Windows {
  Shape out_shape;
  std::vector<std::vector<std::int64_t>> cells;
};

Windows windows(const Shape& in, const std::vector<int>& spatial, const Pool& p) {
  Shape out = in;
  std::vector<std::int64_t> begin(spatial.size());
  for (std::size_t i = 0; i < spatial.size(); ++i) {
    const std::int64_t l = in[spatial[i]], k = p.k[i], s = p.s[i];
    const std::int64_t o = p.same ? (l + s - 1) / s : (l - k) / s + 1;  // KERAS1_SEMANTICS 1.1
    const std::int64_t total = std::max<std::int64_t>((o - 1) * s + k - l, 0);
    begin[i] = p.same ? total / 2 : 0;  // 1.3: the extra cell goes to the end
    out[spatial[i]] = o;
  }
  const auto in_strides = row_major_strides(in);
  Windows w{out, {}};
  for (std::int64_t flat = 0; flat < out.numel(); ++flat) {
    const auto idx = unflatten(flat, out);
    std::vector<std::int64_t> cells{0};
    for (int d = 0; d < in.rank(); ++d) {
      const auto it = std::find(spatial.begin(), spatial.end(), d);
      std::vector<std::int64_t> next;
      if (it == spatial.end()) {
        for (auto c : cells) next.push_back(c + idx[d] * in_strides[d]);
      } else {
        const auto i = static_cast<std::size_t>(it - spatial.begin());
        for (std::int64_t t = 0; t < p.k[i]; ++t) {
          const std::int64_t j = idx[d] * p.s[i] - begin[i] + t;
          if (j < 0 || j >= in[d]) continue;  // padding: never part of the result
          for (auto c : cells) next.push_back(c + j * in_strides[d]);
        }
      }
      cells = std::move(next);
    }
    w.cells.push_back(std::move(cells));
  }
  return w;
}

Tensor reference(const Tensor& x_in, const std::vector<int>& spatial, const Pool& p) {
  const Tensor x = x_in.to_plain();
  const Windows w = windows(x.shape(), spatial, p);
  std::vector<float> out;
  for (const auto& cells : w.cells) {
    double acc = p.max ? -1e30 : 0.0;
    for (auto c : cells) acc = p.max ? std::max<double>(acc, x.data()[c]) : acc + x.data()[c];
    out.push_back(static_cast<float>(p.max ? acc : acc / static_cast<double>(cells.size())));
  }
  return Tensor::from_data(w.out_shape, out);
}

// dL/dx for L = sum(y * dy): to the argmax of each window (max), shared by its real cells (avg).
Tensor reference_grad(const Tensor& x_in, const Tensor& dy_in, const std::vector<int>& spatial,
                      const Pool& p) {
  const Tensor x = x_in.to_plain(), dy = dy_in.to_plain();
  const Windows w = windows(x.shape(), spatial, p);
  std::vector<float> dx(static_cast<std::size_t>(x.numel()), 0.f);
  for (std::size_t o = 0; o < w.cells.size(); ++o) {
    const auto& cells = w.cells[o];
    if (p.max) {
      auto best = *std::max_element(cells.begin(), cells.end(),
                                    [&](auto a, auto b) { return x.data()[a] < x.data()[b]; });
      dx[best] += dy.data()[o];
    } else {
      for (auto c : cells) dx[c] += dy.data()[o] / static_cast<float>(cells.size());
    }
  }
  return Tensor::from_data(x.shape(), dx);
}

// --- the layers under test ---------------------------------------------------------------------

struct PoolCase {
  std::string what;
  int rank;
  Pool pool;
  Shape tf_input;
  std::function<std::shared_ptr<Layer>(const std::string& dim_ordering)> make;
};

std::vector<PoolCase> all_cases() {
  using namespace layers;
  return {
      {"MaxPooling1D()",
       1,
       {true, {2}, {2}, false},
       {2, 5, 3},
       [](const std::string&) { return std::make_shared<MaxPooling1D>(); }},
      {"AveragePooling1D(3, stride=1, same)",
       1,
       {false, {3}, {1}, true},
       {2, 5, 2},
       [](const std::string&) {
         return std::make_shared<AveragePooling1D>(
             3, Pooling1DOptions{.stride = 1, .border_mode = "same"});
       }},
      {"MaxPooling1D(2, same)",
       1,
       {true, {2}, {2}, true},
       {1, 5, 2},
       [](const std::string&) {
         return std::make_shared<MaxPooling1D>(2, Pooling1DOptions{.border_mode = "same"});
       }},
      {"AveragePooling1D(4, stride=3)",
       1,
       {false, {4}, {3}, false},
       {2, 11, 2},
       [](const std::string&) {
         return std::make_shared<AveragePooling1D>(4, Pooling1DOptions{.stride = 3});
       }},
      {"MaxPooling2D()",
       2,
       {true, {2, 2}, {2, 2}, false},
       {2, 4, 5, 3},
       [](const std::string& o) {
         return std::make_shared<MaxPooling2D>(Pooling2DOptions{.dim_ordering = o});
       }},
      {"AveragePooling2D((3, 2), strides=(2, 1), same)",
       2,
       {false, {3, 2}, {2, 1}, true},
       {2, 5, 4, 2},
       [](const std::string& o) {
         return std::make_shared<AveragePooling2D>(
             std::vector<std::int64_t>{3, 2},
             Pooling2DOptions{.strides = {2, 1}, .border_mode = "same", .dim_ordering = o});
       }},
      {"MaxPooling2D((2, 2), same)",
       2,
       {true, {2, 2}, {2, 2}, true},
       {1, 5, 5, 3},
       [](const std::string& o) {
         return std::make_shared<MaxPooling2D>(
             std::vector<std::int64_t>{2, 2},
             Pooling2DOptions{.border_mode = "same", .dim_ordering = o});
       }},
      {"AveragePooling2D((2, 2), same)",
       2,
       {false, {2, 2}, {2, 2}, true},
       {1, 3, 3, 2},
       [](const std::string& o) {
         return std::make_shared<AveragePooling2D>(
             std::vector<std::int64_t>{2, 2},
             Pooling2DOptions{.border_mode = "same", .dim_ordering = o});
       }},
      {"MaxPooling2D((3, 3), strides=(2, 2))",
       2,
       {true, {3, 3}, {2, 2}, false},
       {1, 7, 6, 2},
       [](const std::string& o) {
         return std::make_shared<MaxPooling2D>(
             std::vector<std::int64_t>{3, 3},
             Pooling2DOptions{.strides = {2, 2}, .dim_ordering = o});
       }},
      {"MaxPooling3D()",
       3,
       {true, {2, 2, 2}, {2, 2, 2}, false},
       {1, 4, 4, 4, 2},
       [](const std::string& o) {
         return std::make_shared<MaxPooling3D>(Pooling3DOptions{.dim_ordering = o});
       }},
      {"AveragePooling3D((2, 2, 2), strides=(1, 2, 2), same)",
       3,
       {false, {2, 2, 2}, {1, 2, 2}, true},
       {1, 3, 3, 3, 2},
       [](const std::string& o) {
         return std::make_shared<AveragePooling3D>(
             std::vector<std::int64_t>{2, 2, 2},
             Pooling3DOptions{.strides = {1, 2, 2}, .border_mode = "same", .dim_ordering = o});
       }},
      {"MaxPooling3D((3, 1, 2), same)",
       3,
       {true, {3, 1, 2}, {3, 1, 2}, true},
       {2, 3, 4, 3, 2},
       [](const std::string& o) {
         return std::make_shared<MaxPooling3D>(
             std::vector<std::int64_t>{3, 1, 2},
             Pooling3DOptions{.border_mode = "same", .dim_ordering = o});
       }},
  };
}

std::vector<DimOrdering> orderings(int rank) {
  if (rank == 1) return {DimOrdering::tf};
  return {DimOrdering::tf, DimOrdering::th};
}

std::string trace(const std::string& what, DimOrdering o) {
  return what + " " + std::string(to_string(o));
}

// --- shapes ----------------------------------------------------------------------------------

TEST(Pooling, MaxPooling2DDefaultsOnTheKerasExample) {
  // KERAS1_SEMANTICS.md 14: MaxPooling2D() on (None, 45, 60, 512) tf -> (None, 22, 30, 512).
  layers::MaxPooling2D pool({.dim_ordering = "tf"});
  EXPECT_EQ(pool.output_shape({None, 45, 60, 512}), (Shape{None, 22, 30, 512}));
  EXPECT_EQ(pool.pool_size(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(pool.strides(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(pool.border_mode(), layers::BorderMode::valid);
}

TEST(Pooling, OutputShapesFollowConvOutputLength) {
  using namespace layers;
  EXPECT_EQ(MaxPooling1D().output_shape({None, 10, 4}), (Shape{None, 5, 4}));
  EXPECT_EQ(MaxPooling1D(3).output_shape({None, 10, 4}), (Shape{None, 3, 4}));
  EXPECT_EQ(MaxPooling1D(3, {.stride = 1}).output_shape({None, 10, 4}), (Shape{None, 8, 4}));
  EXPECT_EQ(AveragePooling1D(2, {.border_mode = "same"}).output_shape({None, 5, 4}),
            (Shape{None, 3, 4}));
  EXPECT_EQ(MaxPooling2D({3, 3}, {.strides = {2, 2}, .border_mode = "same", .dim_ordering = "th"})
                .output_shape({None, 8, 224, 224}),
            (Shape{None, 8, 112, 112}));
  EXPECT_EQ(AveragePooling2D({2, 3}, {.dim_ordering = "tf"}).output_shape({None, 7, 7, 3}),
            (Shape{None, 3, 2, 3}));
  EXPECT_EQ(MaxPooling3D({.dim_ordering = "th"}).output_shape({None, 1, 5, 6, 7}),
            (Shape{None, 1, 2, 3, 3}));
  EXPECT_EQ(MaxPooling2D(3, {.dim_ordering = "tf"}).output_shape({None, 9, 9, 1}),
            (Shape{None, 3, 3, 1}));
  // Unknown spatial sizes stay unknown.
  EXPECT_EQ(MaxPooling2D({.dim_ordering = "tf"}).output_shape({None, None, 8, 3}),
            (Shape{None, None, 4, 3}));
  EXPECT_EQ(GlobalMaxPooling1D().output_shape({None, 10, 4}), (Shape{None, 4}));
  EXPECT_EQ(GlobalAveragePooling2D({.dim_ordering = "th"}).output_shape({None, 3, 5, 5}),
            (Shape{None, 3}));
  EXPECT_EQ(GlobalAveragePooling2D({.dim_ordering = "tf"}).output_shape({None, 5, 5, 3}),
            (Shape{None, 3}));
  EXPECT_EQ(GlobalMaxPooling3D({.dim_ordering = "tf"}).output_shape({None, 2, 3, 4, 6}),
            (Shape{None, 6}));
}

TEST(Pooling, DefaultDimOrderingIsResolvedAtConstruction) {
  const DimOrdering before = default_dim_ordering();
  set_default_dim_ordering(DimOrdering::th);
  layers::MaxPooling2D th_pool;
  layers::GlobalMaxPooling2D th_global;
  set_default_dim_ordering(DimOrdering::tf);
  layers::MaxPooling2D tf_pool;
  set_default_dim_ordering(before);
  EXPECT_EQ(th_pool.dim_ordering(), DimOrdering::th);
  EXPECT_EQ(th_global.dim_ordering(), DimOrdering::th);
  EXPECT_EQ(tf_pool.dim_ordering(), DimOrdering::tf);
  EXPECT_EQ(th_pool.get_config()["dim_ordering"], "th");
}

// --- forward values --------------------------------------------------------------------------

TEST(Pooling, MaxAndAverage2x2ByHand) {
  // One 4x4 map, tf: rows [0..3], [4..7], [8..11], [12..15].
  std::vector<float> v(16);
  std::iota(v.begin(), v.end(), 0.f);
  const Tensor x = Tensor::from_data({1, 4, 4, 1}, v);
  layers::MaxPooling2D max_pool({.dim_ordering = "tf"});
  layers::AveragePooling2D avg_pool({.dim_ordering = "tf"});
  EXPECT_EQ(max_pool(Variable(x)).to_vector(), (std::vector<float>{5, 7, 13, 15}));
  EXPECT_EQ(avg_pool(Variable(x)).to_vector(), (std::vector<float>{2.5, 4.5, 10.5, 12.5}));
  // The same map th: (1, 1, 4, 4).
  layers::MaxPooling2D max_th({.dim_ordering = "th"});
  EXPECT_EQ(max_th(Variable(x.reshape({1, 1, 4, 4}))).to_vector(),
            (std::vector<float>{5, 7, 13, 15}));
}

TEST(Pooling, SameAverageDividesByTheRealCellsOfEachWindow) {
  // 3x3 map 1..9, pool 2x2 stride 2 'same': out 2x2, TF pads 0 before and 1 after each axis.
  // Windows: {1,2,4,5} / 4 = 3; {3,6} / 2 = 4.5; {7,8} / 2 = 7.5; {9} / 1 = 9 (not 9/4).
  std::vector<float> v(9);
  std::iota(v.begin(), v.end(), 1.f);
  layers::AveragePooling2D pool({2, 2}, {.border_mode = "same", .dim_ordering = "tf"});
  const Variable y = pool(Variable(Tensor::from_data({1, 3, 3, 1}, v)));
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 1}));
  expect_near(y.to_vector(), {3.f, 4.5f, 7.5f, 9.f}, 1e-6f);
  // 1D: [1..5], pool 2 'same' -> [1.5, 3.5, 5] (the last window holds one real cell).
  layers::AveragePooling1D pool1(2, {.border_mode = "same"});
  const Variable y1 = pool1(Variable(Tensor::from_data({1, 5, 1}, {1, 2, 3, 4, 5})));
  expect_near(y1.to_vector(), {1.5f, 3.5f, 5.f}, 1e-6f);
  // Stride 1, pool 3 'same' on 4 cells: pads 1 / 1: [(1+2)/2, (1+2+3)/3, (2+3+4)/3, (3+4)/2].
  layers::AveragePooling1D pool3(3, {.stride = 1, .border_mode = "same"});
  const Variable y3 = pool3(Variable(Tensor::from_data({1, 4, 1}, {1, 2, 3, 4})));
  expect_near(y3.to_vector(), {1.5f, 2.f, 3.f, 3.5f}, 1e-6f);
}

TEST(Pooling, SameMaxNeverPicksAPaddedCell) {
  // All negative: a zero pad would win if it took part.
  std::vector<float> v(9);
  for (int i = 0; i < 9; ++i) v[i] = -1.f - static_cast<float>(i);
  layers::MaxPooling2D pool({2, 2}, {.border_mode = "same", .dim_ordering = "tf"});
  const Variable y = pool(Variable(Tensor::from_data({1, 3, 3, 1}, v)));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{-1, -3, -7, -9}));
}

TEST(Pooling, ForwardMatchesTheReferenceInBothOrderings) {
  std::uint64_t seed = 10;
  for (const auto& c : all_cases()) {
    const Tensor x_tf = random_tensor(c.tf_input, ++seed);
    for (DimOrdering o : orderings(c.rank)) {
      SCOPED_TRACE(trace(c.what, o));
      const Tensor x = o == DimOrdering::tf ? x_tf : to_th(x_tf);
      const auto layer = c.make(std::string(to_string(o)));
      const Variable y = (*layer)(Variable(x));
      const Tensor expected = reference(x, spatial_axes(c.rank, o), c.pool);
      EXPECT_EQ(y.shape(), expected.shape());
      EXPECT_EQ(layer->output_shape(x.shape()), expected.shape());
      expect_near(y.to_vector(), expected.to_vector(), 1e-6f);
    }
  }
}

TEST(Pooling, GlobalPoolingByHand) {
  // tf (1, 2, 2, 2): channel 0 = [1, 2, 3, 4], channel 1 = [-1, 5, 0, 2].
  const Tensor x = Tensor::from_data({1, 2, 2, 2}, {1, -1, 2, 5, 3, 0, 4, 2});
  layers::GlobalMaxPooling2D gmax({.dim_ordering = "tf"});
  layers::GlobalAveragePooling2D gavg({.dim_ordering = "tf"});
  EXPECT_EQ(gmax(Variable(x)).shape(), (Shape{1, 2}));
  EXPECT_EQ(gmax(Variable(x)).to_vector(), (std::vector<float>{4, 5}));
  expect_near(gavg(Variable(x)).to_vector(), {2.5f, 1.5f}, 1e-6f);
  // th: the same values as (1, 2, 2, 2) channels first.
  layers::GlobalAveragePooling2D gavg_th({.dim_ordering = "th"});
  expect_near(gavg_th(Variable(to_th(x))).to_vector(), {2.5f, 1.5f}, 1e-6f);
  // 1D (batch 2, steps 3, features 2) and 3D.
  const Tensor x1 = Tensor::from_data({2, 3, 2}, {1, 6, 2, 5, 3, 4, -1, 0, -2, 0, -3, 9});
  EXPECT_EQ(layers::GlobalMaxPooling1D()(Variable(x1)).to_vector(),
            (std::vector<float>{3, 6, -1, 9}));
  expect_near(layers::GlobalAveragePooling1D()(Variable(x1)).to_vector(), {2, 5, -2, 3}, 1e-6f);
  const Tensor x3 = random_tensor({2, 2, 3, 2, 3}, 5);
  layers::GlobalAveragePooling3D gavg3({.dim_ordering = "tf"});
  const auto mean3 = ops::reduce(dnnl::algorithm::reduction_mean, x3, {1, 2, 3}, false);
  expect_near(gavg3(Variable(x3)).to_vector(), mean3.to_vector(), 1e-6f);
  layers::GlobalMaxPooling3D gmax3({.dim_ordering = "th"});
  const auto max3 = ops::reduce(dnnl::algorithm::reduction_max, x3, {2, 3, 4}, false);
  expect_near(gmax3(Variable(x3)).to_vector(), max3.to_vector(), 0.f);
}

// --- gradients -------------------------------------------------------------------------------

TEST(Pooling, GradcheckEveryLayerInBothOrderings) {
  std::uint64_t seed = 100;
  for (const auto& c : all_cases()) {
    const Tensor x_tf = distinct_tensor(c.tf_input, ++seed);
    for (DimOrdering o : orderings(c.rank)) {
      SCOPED_TRACE(trace(c.what, o));
      const Tensor x = o == DimOrdering::tf ? x_tf : to_th(x_tf);
      const auto layer = c.make(std::string(to_string(o)));
      const auto r = gradcheck([&](const std::vector<Variable>& v) { return (*layer)(v[0]); }, {x});
      EXPECT_TRUE(r.ok) << r.message;
    }
  }
}

TEST(Pooling, GradientIsTheReferenceAdjointInBothOrderings) {
  std::uint64_t seed = 200;
  for (const auto& c : all_cases()) {
    for (DimOrdering o : orderings(c.rank)) {
      SCOPED_TRACE(trace(c.what, o));
      const Tensor x_tf = distinct_tensor(c.tf_input, ++seed);
      const Tensor x = o == DimOrdering::tf ? x_tf : to_th(x_tf);
      const auto layer = c.make(std::string(to_string(o)));
      Variable xv(x, true);
      Tape tape;
      const Variable y = (*layer)(xv);
      const Tensor dy = random_tensor(y.shape(), ++seed);
      const Tensor dx = tape.gradient(y, xv, {.output_gradient = dy});
      EXPECT_EQ(dx.shape(), x.shape());
      expect_near(dx.to_vector(),
                  reference_grad(x, dy, spatial_axes(c.rank, o), c.pool).to_vector(), 1e-5f);
    }
  }
}

TEST(Pooling, GradcheckGlobalPoolingInBothOrderings) {
  using namespace layers;
  std::uint64_t seed = 300;
  for (const char* o : {"tf", "th"}) {
    const std::vector<std::pair<std::shared_ptr<Layer>, Shape>> cases{
        {std::make_shared<GlobalMaxPooling1D>(), {2, 5, 3}},
        {std::make_shared<GlobalAveragePooling1D>(), {2, 5, 3}},
        {std::make_shared<GlobalMaxPooling2D>(GlobalPooling2DOptions{.dim_ordering = o}),
         {2, 3, 4, 3}},
        {std::make_shared<GlobalAveragePooling2D>(GlobalPooling2DOptions{.dim_ordering = o}),
         {2, 3, 4, 3}},
        {std::make_shared<GlobalMaxPooling3D>(GlobalPooling3DOptions{.dim_ordering = o}),
         {1, 2, 3, 2, 2}},
        {std::make_shared<GlobalAveragePooling3D>(GlobalPooling3DOptions{.dim_ordering = o}),
         {1, 2, 3, 2, 2}},
    };
    for (const auto& [layer, shape] : cases) {
      SCOPED_TRACE(layer->class_name() + " " + o);
      const Tensor x = distinct_tensor(shape, ++seed);
      const auto r = gradcheck([&](const std::vector<Variable>& v) { return (*layer)(v[0]); }, {x});
      EXPECT_TRUE(r.ok) << r.message;
    }
  }
}

// --- layouts ---------------------------------------------------------------------------------

bool is_layout(const Tensor& t, tag expected) {
  return t.desc() == dnnl_adapter::tagged_desc(t.desc().dims(), expected);
}

// x held in the oneDNN layout `t` (oneDNN dims in data_axes order).
Tensor held_as(const Tensor& x, const std::vector<int>& data_axes, tag t) {
  dnnl::memory::dims dims;
  for (int a : data_axes) dims.push_back(x.shape()[a]);
  return x.to_layout(dnnl_adapter::tagged_desc(dims, t), data_axes);
}

// The image layout keel meets that describes `t`, or undef.
tag layout_of(const Tensor& t) {
  for (tag c : {tag::nchw, tag::nhwc, tag::nChw16c, tag::nChw8c})
    if (is_layout(t, c)) return c;
  return tag::undef;
}

// Pooling takes its input in the layout it comes in — blocked (nChw16c, what oneDNN picks for
// 16-channel convolutions on AVX-512), channels-last, or whatever a convolution gave — with no
// reorder in between: the output and the gradient are in that layout too, and equal the values
// and gradients of pooling the plain form. Average pooling is also gradchecked through a
// convolution (max pooling is not: random convolution outputs have near-ties that a
// finite-difference step would flip).
TEST(Pooling, BlockedAndChannelsLastInputsArePooledInTheirLayout) {
  for (const char* ordering : {"th", "tf"}) {
    SCOPED_TRACE(ordering);
    const bool tf = std::string(ordering) == "tf";
    const auto data_axes = image_data_axes(2, tf);
    const Tensor x = distinct_tensor(tf ? Shape{2, 6, 5, 3} : Shape{2, 3, 6, 5}, 21);
    layers::Convolution2D conv(16, 3, 3, {.border_mode = "same", .dim_ordering = ordering});
    const Tensor conv_out = conv(Variable(x)).value();
    const Tensor plain = conv_out.to_plain();
    std::vector<std::pair<std::string, Tensor>> inputs{
        {"convolution output", conv_out},
        {"nChw16c", held_as(plain, data_axes, tag::nChw16c)},
        {"nhwc", held_as(plain, data_axes, tag::nhwc)}};
    std::vector<std::pair<std::shared_ptr<Layer>, bool>> pools{
        {std::make_shared<layers::MaxPooling2D>(layers::Pooling2DOptions{.dim_ordering = ordering}),
         false},
        {std::make_shared<layers::AveragePooling2D>(
             std::vector<std::int64_t>{2, 2},
             layers::Pooling2DOptions{.border_mode = "same", .dim_ordering = ordering}),
         true},
        {std::make_shared<layers::GlobalAveragePooling2D>(
             layers::GlobalPooling2DOptions{.dim_ordering = ordering}),
         true},
        {std::make_shared<layers::GlobalMaxPooling2D>(
             layers::GlobalPooling2DOptions{.dim_ordering = ordering}),
         false}};
    for (const auto& [pool, smooth] : pools) {
      for (const auto& [what, mid] : inputs) {
        SCOPED_TRACE(pool->class_name() + " on " + what);
        const tag layout = layout_of(mid);
        EXPECT_NE(layout, tag::undef);
        Variable mb(mid, true), mp(plain, true);
        Tape tape(/*persistent=*/true);
        const Variable yb = (*pool)(mb), yp = (*pool)(mp);
        expect_near(yb.to_vector(), yp.to_vector(), 1e-6f);
        if (yb.shape().rank() == 4) {
          EXPECT_EQ(layout_of(yb.value()), layout);
          EXPECT_EQ(yb.value().axes(), data_axes);
        }
        const Tensor dy = random_tensor(yb.shape(), 22);
        const Tensor db = tape.gradient(yb, mb, {.output_gradient = dy});
        const Tensor dp = tape.gradient(yp, mp, {.output_gradient = dy});
        EXPECT_EQ(layout_of(db), layout);  // the gradient is in the input's layout
        expect_near(db.to_vector(), dp.to_vector(), 1e-6f);
      }
      if (smooth) {
        SCOPED_TRACE(pool->class_name() + " gradcheck through the convolution");
        const auto r =
            gradcheck([&](const std::vector<Variable>& v) { return (*pool)(conv(v[0])); }, {x});
        EXPECT_TRUE(r.ok) << r.message;
      }
    }
  }
}

TEST(Pooling, PlainChannelsLastInputStaysChannelsLast) {
  const Tensor x = random_tensor({2, 4, 4, 8}, 31);  // tf, plain: viewed as nhwc
  layers::MaxPooling2D pool({.dim_ordering = "tf"});
  Variable xv(x, true);
  Tape tape;
  const Variable y = pool(xv);
  EXPECT_TRUE(is_layout(y.value(), tag::nhwc));
  EXPECT_TRUE(y.value().is_plain());  // nhwc with axes {0, 3, 1, 2} is the Keras row-major order
  const Tensor dx = tape.gradient(y, xv, {.output_gradient = Tensor::ones(y.shape())});
  EXPECT_TRUE(dx.is_plain());
}

TEST(Pooling, InferenceRecordsNothingAndPrimitivesAreCached) {
  layers::MaxPooling2D pool({.dim_ordering = "tf"});
  const Tensor x = random_tensor({1, 4, 4, 16}, 12);
  const Variable y = pool(Variable(x, true));  // no tape: forward_inference, nothing kept
  EXPECT_FALSE(y.requires_grad());
  const auto before = primitive_cache().stats();
  (void)pool(Variable(x, true));
  const auto after = primitive_cache().stats();
  EXPECT_EQ(after.misses, before.misses);
  EXPECT_GT(after.hits, before.hits);
}

// --- errors ----------------------------------------------------------------------------------

TEST(Pooling, FullBorderModeIsAValueError) {
  EXPECT_THROW_MSG(layers::MaxPooling2D({.border_mode = "full", .name = "p"}), ValueError,
                   "MaxPooling2D 'p': border_mode is 'full', expected one of valid, same");
  EXPECT_THROW_MSG(layers::AveragePooling1D(2, {.border_mode = "full"}), ValueError,
                   "border_mode is 'full', expected one of valid, same");
  EXPECT_THROW_MSG(layers::MaxPooling3D({.border_mode = "sane"}), ValueError,
                   "border_mode is 'sane', expected one of valid, same");
}

TEST(Pooling, BadSizesAreValueErrorsNamingTheArgument) {
  EXPECT_THROW_MSG(layers::MaxPooling1D(0, {.name = "p1"}), ValueError,
                   "MaxPooling1D 'p1': pool_length is 0, expected > 0");
  EXPECT_THROW_MSG(layers::MaxPooling1D(2, {.stride = 0}), ValueError, "stride is 0, expected > 0");
  EXPECT_THROW_MSG(layers::MaxPooling2D({2, 2, 2}, {.name = "p2"}), ValueError,
                   "MaxPooling2D 'p2': pool_size is [2, 2, 2], expected a list of 2 integers");
  EXPECT_THROW_MSG(layers::AveragePooling2D({2, 2}, {.strides = {1}}), ValueError,
                   "strides is [1], expected None or 2 strides, each >= 1");
  EXPECT_THROW_MSG(layers::AveragePooling3D({2, -1, 2}), ValueError,
                   "pool_size is [2, -1, 2], expected every entry > 0");
  EXPECT_THROW_MSG(layers::MaxPooling2D({.dim_ordering = "nchw", .name = "p3"}), ValueError,
                   "MaxPooling2D 'p3': dim_ordering is 'nchw', expected one of default, tf, th");
  EXPECT_THROW_MSG(layers::GlobalMaxPooling2D({.dim_ordering = "xy"}), ValueError,
                   "dim_ordering is 'xy', expected one of default, tf, th");
}

TEST(Pooling, WrongInputRankIsAShapeErrorNamingTheLayout) {
  layers::MaxPooling2D pool({.dim_ordering = "th", .name = "p"});
  EXPECT_THROW_MSG(pool.build({None, 3, 4}), ShapeError,
                   "MaxPooling2D 'p': expected an input of rank 4 (batch, channels, rows, cols), "
                   "got shape (None, 3, 4)");
  layers::MaxPooling1D pool1({.name = "p1"});
  EXPECT_THROW_MSG(pool1(Variable(Tensor::zeros({2, 3, 4, 5}))), ShapeError,
                   "expected an input of rank 3 (batch, steps, features)");
  layers::GlobalAveragePooling3D g({.dim_ordering = "tf", .name = "g"});
  EXPECT_THROW_MSG(g.build({None, 3, 4, 5}), ShapeError,
                   "GlobalAveragePooling3D 'g': expected an input of rank 5 "
                   "(batch, dim1, dim2, dim3, channels)");
}

TEST(Pooling, ValidWindowLongerThanTheAxisIsAShapeError) {
  layers::MaxPooling2D pool({3, 3}, {.dim_ordering = "tf", .name = "p"});
  EXPECT_THROW_MSG(
      pool.build({None, 2, 5, 1}), ShapeError,
      "MaxPooling2D 'p': a 'valid' window of 3 does not fit spatial axis 0 of length 2");
  // 'same' always fits.
  layers::MaxPooling2D same({3, 3}, {.border_mode = "same", .dim_ordering = "tf"});
  EXPECT_EQ(same.output_shape({None, 2, 5, 1}), (Shape{None, 1, 2, 1}));
}

TEST(Pooling, OpsCheckTheirArguments) {
  const Variable x(Tensor::zeros({1, 4, 4, 2}));
  EXPECT_THROW_MSG(pooling(x, {.kernel = {2, 2},
                               .strides = {2},
                               .padding_l = {0, 0},
                               .padding_r = {0, 0},
                               .data_axes = {0, 3, 1, 2}}),
                   ValueError, "need one entry per spatial dim");
  EXPECT_THROW_MSG(pooling(x, {.kernel = {2, 2},
                               .strides = {2, 2},
                               .padding_l = {0, 0},
                               .padding_r = {0, 0},
                               .data_axes = {0, 3, 1}}),
                   ShapeError, "max_pooling: input of shape (1, 4, 4, 2) has rank 4");
  EXPECT_THROW_MSG(pooling(x, {.kernel = {5, 2},
                               .strides = {1, 1},
                               .padding_l = {0, 0},
                               .padding_r = {0, 0},
                               .data_axes = {0, 3, 1, 2}}),
                   ShapeError, "is shorter than the window 5");
  EXPECT_THROW_MSG(global_pooling(x, PoolingAlgorithm::average, {0, 3, 1, 1}), ValueError,
                   "data_axes must be a permutation");
}

// --- config ----------------------------------------------------------------------------------

Config parse(const char* json) { return Config::parse(json); }

void expect_round_trip(const Layer& layer, const Shape& input) {
  SCOPED_TRACE(layer.class_name() + " " + layer.get_config().dump());
  const Config config = layer.get_config();
  const auto copy = layers::layer_from_config(layer.class_name(), config);
  EXPECT_EQ(copy->class_name(), layer.class_name());
  EXPECT_EQ(copy->output_shape(input), layer.output_shape(input));
  EXPECT_EQ(copy->get_config(), config);
}

TEST(Pooling, ConfigRoundTrips) {
  using namespace layers;
  expect_round_trip(MaxPooling1D(), {None, 10, 4});
  expect_round_trip(AveragePooling1D(3, {.stride = 1, .border_mode = "same"}), {None, 10, 4});
  expect_round_trip(MaxPooling2D({3, 2}, {.strides = {1, 2}, .dim_ordering = "th"}),
                    {None, 3, 9, 9});
  expect_round_trip(
      AveragePooling2D(
          {.border_mode = "same", .dim_ordering = "tf", .input_shape = {9, 9, 3}, .name = "avg"}),
      {None, 9, 9, 3});
  expect_round_trip(MaxPooling3D({.dim_ordering = "tf", .trainable = false}), {None, 4, 4, 4, 2});
  expect_round_trip(AveragePooling3D({2, 1, 2}, {.dim_ordering = "th"}), {None, 2, 4, 4, 4});
  expect_round_trip(GlobalMaxPooling1D(), {None, 10, 4});
  expect_round_trip(GlobalAveragePooling1D(), {None, 10, 4});
  expect_round_trip(GlobalMaxPooling2D({.dim_ordering = "th"}), {None, 3, 5, 5});
  expect_round_trip(GlobalAveragePooling2D({.dim_ordering = "tf"}), {None, 5, 5, 3});
  expect_round_trip(GlobalMaxPooling3D({.dim_ordering = "tf"}), {None, 2, 2, 2, 3});
  expect_round_trip(GlobalAveragePooling3D({.dim_ordering = "th"}), {None, 3, 2, 2, 2});
}

TEST(Pooling, ConfigHasTheKerasKeysWithStridesResolved) {
  layers::MaxPooling1D pool1(3, {.name = "p1"});
  EXPECT_EQ(pool1.get_config(), parse(R"({"pool_length": 3, "stride": 3, "border_mode": "valid",
                                           "name": "p1", "trainable": true})"));
  layers::MaxPooling2D pool2({.dim_ordering = "tf", .name = "p2"});
  EXPECT_EQ(pool2.get_config(),
            parse(R"({"pool_size": [2, 2], "strides": [2, 2], "border_mode": "valid",
                      "dim_ordering": "tf", "name": "p2", "trainable": true})"));
  layers::GlobalAveragePooling2D g({.dim_ordering = "th", .name = "g"});
  EXPECT_EQ(g.get_config(), parse(R"({"dim_ordering": "th", "name": "g", "trainable": true})"));
  layers::GlobalMaxPooling1D g1({.name = "g1"});
  EXPECT_EQ(g1.get_config(), parse(R"({"name": "g1", "trainable": true})"));
}

TEST(Pooling, FromConfigAcceptsKerasConfigsAndRejectsUnknownKeys) {
  using layers::layer_from_config;
  EXPECT_EQ(layer_from_config("MaxPooling2D", parse(R"({"dim_ordering": "tf"})"))
                ->output_shape({None, 45, 60, 512}),
            (Shape{None, 22, 30, 512}));
  EXPECT_EQ(layer_from_config("MaxPooling2D", parse(R"({"pool_size": [3, 3], "strides": null,
                                                          "border_mode": "same",
                                                          "dim_ordering": "tf"})"))
                ->output_shape({None, 10, 10, 1}),
            (Shape{None, 4, 4, 1}));
  EXPECT_EQ(layer_from_config("AveragePooling1D", parse(R"({"pool_length": 2, "stride": null})"))
                ->output_shape({None, 9, 2}),
            (Shape{None, 4, 2}));
  EXPECT_THROW_MSG(
      layer_from_config("MaxPooling2D", parse(R"({"pool_sizes": [2, 2]})")), ValueError,
      "MaxPooling2D: unexpected argument 'pool_sizes', expected one of pool_size, strides,");
  EXPECT_THROW_MSG(
      layer_from_config("GlobalMaxPooling1D", parse(R"({"dim_ordering": "tf"})")), ValueError,
      "GlobalMaxPooling1D: unexpected argument 'dim_ordering', expected one of input_shape,");
  EXPECT_THROW_MSG(layer_from_config("MaxPooling2D", parse(R"({"border_mode": "full"})")),
                   ValueError, "border_mode is 'full', expected one of valid, same");
  EXPECT_THROW_MSG(layer_from_config("MaxPooling3D", parse(R"({"pool_size": [2, 2]})")), ValueError,
                   "pool_size is [2, 2], expected a list of 3 integers");
}

}  // namespace
}  // namespace keel
