#include <gtest/gtest.h>
#include <keel/core/detail/layout_walk.h>
#include <keel/core/error.h>
#include <keel/core/random.h>
#include <keel/core/tensor.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <vector>

#include "test_util.h"

namespace keel {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

// start, start + step, ... (n values; exact in float for the small ranges used here)
std::vector<float> ramp(std::size_t n, float start = 0.f, float step = 1.f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + step * static_cast<float>(i);
  return v;
}

const float* raw(const Tensor& t) { return static_cast<const float*>(t.buffer().get()); }

// --- factories -------------------------------------------------------------------------------

TEST(Tensor, DefaultConstructedIsUndefined) {
  const Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_EQ(t.str(), "Tensor(undefined)");
}

TEST(Tensor, ZerosWritesZerosEvenIntoAReusedBlock) {
  // The allocator hands the freed block of `dirty` back: zeros() must overwrite it.
  { Tensor dirty = Tensor::full(Shape({4, 5}), 7.f); }
  const Tensor t = Tensor::zeros(Shape({4, 5}));
  EXPECT_EQ(t.shape(), Shape({4, 5}));
  EXPECT_EQ(t.to_vector(), std::vector<float>(20, 0.f));
}

TEST(Tensor, OnesAreOnes) {
  EXPECT_EQ(Tensor::ones(Shape({3, 2})).to_vector(), std::vector<float>(6, 1.f));
}

TEST(Tensor, FullFillsTheValue) {
  EXPECT_EQ(Tensor::full(Shape({2, 2, 2}), -2.5f).to_vector(), std::vector<float>(8, -2.5f));
}

TEST(Tensor, ScalarHasRankZeroAndItsValue) {
  const Tensor t = Tensor::scalar(3.25f);
  EXPECT_EQ(t.rank(), 0);
  EXPECT_EQ(t.numel(), 1);
  EXPECT_EQ(t.item(), 3.25f);
}

TEST(Tensor, FromDataIsRowMajor) {
  const Tensor t = Tensor::from_data(Shape({2, 3}), {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(t.to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(t.at({0, 2}), 3.f);
  EXPECT_EQ(t.at({1, 0}), 4.f);
  EXPECT_TRUE(t.is_plain());
  EXPECT_EQ(t.axes(), (Tensor::Axes{0, 1}));
}

TEST(Tensor, FromDataCopiesItsInput) {
  std::vector<float> v{1, 2};
  const Tensor t = Tensor::from_data(Shape({2}), v);
  v[0] = 100.f;
  EXPECT_EQ(t.at({0}), 1.f);
}

TEST(Tensor, FromDataSizeMismatchNamesCountAndShape) {
  EXPECT_THROW_MSG(Tensor::from_data(Shape({2, 3}), {1, 2, 3, 4, 5}), ShapeError,
                   "5 values given for shape (2, 3), expected 6");
}

TEST(Tensor, FactoryWithUnknownDimThrowsNamingTheShape) {
  EXPECT_THROW_MSG(Tensor::zeros(Shape({Shape::kUnknown, 3})), ShapeError, "(None, 3)");
}

TEST(Tensor, RandomUniformStaysWithinBounds) {
  const auto v = Tensor::random_uniform(Shape({10000}), -2.f, 3.f).to_vector();
  for (float x : v) {
    ASSERT_GE(x, -2.f);
    ASSERT_LT(x, 3.f);
  }
  // 10000 draws cover the range: none below -1.9 has probability 0.98^10000.
  EXPECT_LT(*std::min_element(v.begin(), v.end()), -1.9f);
  EXPECT_GT(*std::max_element(v.begin(), v.end()), 2.9f);
}

TEST(Tensor, RandomFactoriesDrawFromTheGlobalGenerator) {
  set_seed(123);
  const auto a = Tensor::random_normal(Shape({50}), 1.f, 2.f).to_vector();
  set_seed(123);
  const auto b = Tensor::random_normal(Shape({50}), 1.f, 2.f).to_vector();
  EXPECT_EQ(a, b);
  // The same draws through the generator directly: mean + stddev * N(0, 1).
  Philox direct(123);
  std::vector<float> z(50);
  direct.fill_normal(z, 1.f, 2.f);
  EXPECT_EQ(a, z);
}

// --- element access ----------------------------------------------------------------------------

TEST(Tensor, SetWritesOneElement) {
  Tensor t = Tensor::zeros(Shape({2, 3}));
  t.set({1, 2}, 9.f);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{0, 0, 0, 0, 0, 9}));
}

TEST(Tensor, AtOutOfRangeNamesIndexAxisAndSize) {
  const Tensor t = Tensor::zeros(Shape({2, 3}));
  EXPECT_THROW_MSG(t.at({0, 3}), ShapeError,
                   "Tensor::at: index 3 is out of range for axis 1 of size 3");
  EXPECT_THROW_MSG(t.at({-1, 0}), ShapeError, "index -1 is out of range for axis 0 of size 2");
}

TEST(Tensor, AtWithWrongIndexCountNamesCountAndRank) {
  EXPECT_THROW_MSG(Tensor::zeros(Shape({2, 3})).at({1}), ShapeError,
                   "Tensor::at: 1 indices given for a tensor of rank 2");
}

TEST(Tensor, SetOutOfRangeNamesIndexAxisAndSize) {
  Tensor t = Tensor::zeros(Shape({2, 3}));
  EXPECT_THROW_MSG(t.set({2, 0}, 1.f), ShapeError,
                   "Tensor::set: index 2 is out of range for axis 0 of size 2");
}

TEST(Tensor, ItemOfMultiElementTensorThrowsNamingShapeAndCount) {
  EXPECT_THROW_MSG(Tensor::zeros(Shape({2, 3})).item(), ShapeError,
                   "Tensor::item: tensor of shape (2, 3) has 6 elements, expected exactly one");
}

TEST(Tensor, ItemOfEmptyTensorThrowsNamingTheCount) {
  EXPECT_THROW_MSG(Tensor::zeros(Shape({0})).item(), ShapeError, "shape (0,) has 0 elements");
}

TEST(Tensor, ItemOfOneElementTensorOfAnyRank) {
  EXPECT_EQ(Tensor::full(Shape({1, 1, 1}), 4.5f).item(), 4.5f);
}

// --- copies, reshape -----------------------------------------------------------------------------

TEST(Tensor, CopySharesTheBuffer) {
  Tensor t = Tensor::zeros(Shape({3}));
  Tensor c = t;
  c.set({1}, 5.f);
  EXPECT_EQ(t.at({1}), 5.f);
  EXPECT_EQ(c.buffer().get(), t.buffer().get());
}

TEST(Tensor, CloneIsDeep) {
  Tensor t = Tensor::from_data(Shape({3}), {1, 2, 3});
  Tensor k = t.clone();
  EXPECT_NE(k.buffer().get(), t.buffer().get());
  EXPECT_EQ(k.to_vector(), t.to_vector());
  k.set({0}, -1.f);
  EXPECT_EQ(t.at({0}), 1.f);
}

TEST(Tensor, ReshapeSharesTheBufferInRowMajorOrder) {
  Tensor t = Tensor::from_data(Shape({2, 3}), {1, 2, 3, 4, 5, 6});
  Tensor r = t.reshape(Shape({3, 2}));
  EXPECT_EQ(r.shape(), Shape({3, 2}));
  EXPECT_EQ(r.buffer().get(), t.buffer().get());
  EXPECT_EQ(r.at({1, 0}), 3.f);  // flat element 2
  r.set({2, 1}, 60.f);           // flat element 5 = t[1, 2]
  EXPECT_EQ(t.at({1, 2}), 60.f);
}

TEST(Tensor, ReshapeElementCountMismatchNamesBothShapes) {
  EXPECT_THROW_MSG(
      Tensor::zeros(Shape({2, 3})).reshape(Shape({4})), ShapeError,
      "cannot reshape a tensor of shape (2, 3) (6 elements) into shape (4,) (4 elements)");
}

TEST(Tensor, ToPlainOfAPlainTensorIsItself) {
  const Tensor t = Tensor::zeros(Shape({2, 3}));
  EXPECT_EQ(t.to_plain().buffer().get(), t.buffer().get());
  EXPECT_EQ(t.to_desc(t.desc()).buffer().get(), t.buffer().get());
}

TEST(Tensor, UndefinedTensorOperationsThrowValueError) {
  Tensor t;
  EXPECT_THROW_MSG(t.to_plain(), ValueError, "undefined");
  EXPECT_THROW_MSG(t.fill(1.f), ValueError, "undefined");
  EXPECT_THROW_MSG(t.data(), ValueError, "undefined");
  EXPECT_THROW_MSG(t.item(), ValueError, "Tensor::item: the tensor is undefined");
}

// --- printing --------------------------------------------------------------------------------

TEST(Tensor, Prints2x3WithRowsAlignedUnderTheFirst) {
  const Tensor t = Tensor::from_data(Shape({2, 3}), {1, -2.5f, 3, 0.125f, 5, 6});
  // "Tensor(shape=(2, 3), " is 21 characters: the second row starts under the first row's '['.
  EXPECT_EQ(t.str(),
            "Tensor(shape=(2, 3), [[1, -2.5, 3],\n"
            "                      [0.125, 5, 6]])");
}

TEST(Tensor, Prints3DWithNestedIndentation) {
  const Tensor t = Tensor::from_data(Shape({2, 2, 2}), ramp(8, 1.f));
  EXPECT_EQ(t.str(),
            "Tensor(shape=(2, 2, 2), [[[1, 2],\n"
            "                          [3, 4]],\n"
            "                         [[5, 6],\n"
            "                          [7, 8]]])");
}

TEST(Tensor, PrintsRank1AndScalar) {
  EXPECT_EQ(Tensor::from_data(Shape({3}), {1, 2, 3}).str(), "Tensor(shape=(3,), [1, 2, 3])");
  EXPECT_EQ(Tensor::scalar(2.5f).str(), "Tensor(shape=(), 2.5)");
  EXPECT_EQ(Tensor::zeros(Shape({0, 3})).str(), "Tensor(shape=(0, 3), [])");
}

TEST(Tensor, PrintingALargeTensorSummarizesWithEllipsis) {
  const Tensor t = Tensor::from_data(Shape({2000}), ramp(2000));
  EXPECT_EQ(t.str(), "Tensor(shape=(2000,), [0, 1, 2, ..., 1997, 1998, 1999])");
}

TEST(Tensor, StreamOperatorPrintsLikeStr) {
  const Tensor t = Tensor::from_data(Shape({2}), {1, 2});
  std::ostringstream os;
  os << t;
  EXPECT_EQ(os.str(), t.str());
}

// --- a blocked layout: nChw16c -------------------------------------------------------------------
// Logical (N, C, H, W) = (2, 3, 2, 2). In nChw16c channels are padded to 16 and innermost:
// element (n, c, h, w) sits at n*64 + (c/16)*64 + h*32 + w*16 + c%16 (C padded: one block).

class BlockedTensor : public ::testing::Test {
 protected:
  const Shape shape{2, 3, 2, 2};
  const memory::desc blocked_md{{2, 3, 2, 2}, f32, Tag::nChw16c};
  const std::vector<float> values = ramp(24, -6.f, 0.5f);
  const Tensor t = Tensor::from_data(shape, values).to_desc(blocked_md);

  static std::int64_t blocked_offset(int n, int c, int h, int w) {
    return n * 64 + (c / 16) * 64 + h * 32 + w * 16 + c % 16;
  }
};

TEST_F(BlockedTensor, HoldsTheBlockedDescriptorAndLayout) {
  EXPECT_EQ(t.shape(), shape);
  EXPECT_TRUE(t.desc() == blocked_md);
  EXPECT_EQ(blocked_md.get_size(), 2u * 16 * 2 * 2 * sizeof(float));
  // Logical element (1, 2, 1, 0) = flat 1*12 + 2*4 + 1*2 + 0 = 22.
  EXPECT_EQ(raw(t)[blocked_offset(1, 2, 1, 0)], values[22]);
}

TEST_F(BlockedTensor, IsNotPlain) { EXPECT_FALSE(t.is_plain()); }

TEST_F(BlockedTensor, EmptyLikeDescFilledByReorderInto) {
  const Tensor e = Tensor::empty_like_desc(shape, blocked_md);
  EXPECT_TRUE(e.desc() == blocked_md);
  EXPECT_FALSE(e.is_plain());
  reorder_into(Tensor::from_data(shape, values), e.memory());
  EXPECT_EQ(raw(e)[blocked_offset(1, 2, 1, 0)], values[22]);
  EXPECT_EQ(e.to_vector(), values);
}

TEST_F(BlockedTensor, DataAndAtThrowValueErrorPointingToToPlain) {
  EXPECT_THROW_MSG(t.data(), ValueError, "call to_plain() first");
  EXPECT_THROW_MSG(t.at({0, 0, 0, 0}), ValueError,
                   "Tensor::at: the tensor is in a blocked oneDNN layout; call to_plain() first");
  Tensor m = t;
  EXPECT_THROW_MSG(m.set({0, 0, 0, 0}, 1.f), ValueError,
                   "Tensor::set: the tensor is in a blocked oneDNN layout");
  EXPECT_THROW_MSG(t.reshape(Shape({24})), ValueError, "to_plain");
}

TEST_F(BlockedTensor, ToPlainRoundTripsTheValuesExactly) {
  const Tensor p = t.to_plain();
  EXPECT_TRUE(p.is_plain());
  EXPECT_EQ(p.shape(), shape);
  EXPECT_EQ(p.to_vector(), values);
  EXPECT_EQ(p.at({1, 2, 1, 0}), values[22]);
}

TEST_F(BlockedTensor, ToVectorConverts) { EXPECT_EQ(t.to_vector(), values); }

TEST_F(BlockedTensor, PrintsLikeItsPlainCopy) { EXPECT_EQ(t.str(), t.to_plain().str()); }

TEST_F(BlockedTensor, CloneKeepsTheLayoutAndValues) {
  const Tensor k = t.clone();
  EXPECT_NE(k.buffer().get(), t.buffer().get());
  EXPECT_TRUE(k.desc() == blocked_md);
  EXPECT_EQ(k.to_vector(), values);
}

TEST_F(BlockedTensor, FillSetsEveryElementAndKeepsThePaddingZero) {
  Tensor f = t.clone();
  f.fill(1.5f);
  EXPECT_TRUE(f.desc() == blocked_md);
  EXPECT_EQ(f.to_vector(), std::vector<float>(24, 1.5f));
  // oneDNN relies on the padded channels 3..15 being zero.
  for (int n = 0; n < 2; ++n)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 2; ++w)
        for (int c = 0; c < 16; ++c)
          ASSERT_EQ(raw(f)[blocked_offset(n, c, h, w)], c < 3 ? 1.5f : 0.f)
              << "n=" << n << " c=" << c << " h=" << h << " w=" << w;
}

TEST_F(BlockedTensor, ToDescBackToPlainRowMajor) {
  const Tensor p = t.to_desc(row_major_desc(shape));
  EXPECT_TRUE(p.is_plain());
  EXPECT_EQ(std::vector<float>(raw(p), raw(p) + 24), values);
}

// --- an axis map: tf-ordered (N, H, W, C) held as oneDNN {N, C, H, W} -------------------------

class AxisMappedTensor : public ::testing::Test {
 protected:
  static constexpr int N = 2, H = 2, W = 3, C = 4;
  const Shape shape{N, H, W, C};
  const std::vector<float> values = ramp(N * H * W * C);
  const Tensor plain = Tensor::from_data(shape, values);
  const Tensor view = Tensor::from_buffer(shape, memory::desc({N, C, H, W}, f32, Tag::nhwc),
                                          plain.buffer(), {0, 3, 1, 2});

  static int logical_index(int n, int h, int w, int c) { return ((n * H + h) * W + w) * C + c; }
};

TEST_F(AxisMappedTensor, ReportsItsAxes) { EXPECT_EQ(view.axes(), (Tensor::Axes{0, 3, 1, 2})); }

TEST_F(AxisMappedTensor, NhwcBufferIsPlain) { EXPECT_TRUE(view.is_plain()); }

TEST_F(AxisMappedTensor, ToPlainGivesTheSameValuesWithIdentityAxes) {
  const Tensor p = view.to_plain();
  EXPECT_EQ(p.shape(), shape);
  EXPECT_EQ(p.axes(), (Tensor::Axes{0, 1, 2, 3}));
  EXPECT_EQ(p.to_vector(), values);
  EXPECT_EQ(p.buffer().get(), plain.buffer().get());  // no copy needed
}

TEST_F(AxisMappedTensor, AtIndexesInLogicalOrder) {
  EXPECT_EQ(view.at({1, 0, 2, 3}), values[logical_index(1, 0, 2, 3)]);
}

TEST_F(AxisMappedTensor, ReorderToNchwMovesChannelsAndKeepsLogicalValues) {
  const Tensor q = view.to_desc(memory::desc({N, C, H, W}, f32, Tag::nchw));
  EXPECT_FALSE(q.is_plain());
  EXPECT_EQ(q.axes(), (Tensor::Axes{0, 3, 1, 2}));
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c)
      for (int h = 0; h < H; ++h)
        for (int w = 0; w < W; ++w)
          ASSERT_EQ(raw(q)[((n * C + c) * H + h) * W + w], values[logical_index(n, h, w, c)]);
  EXPECT_EQ(q.to_plain().to_vector(), values);
  EXPECT_EQ(q.to_vector(), values);
}

TEST_F(AxisMappedTensor, FillOfNchwHeldTensorFillsEveryElement) {
  Tensor q = view.to_desc(memory::desc({N, C, H, W}, f32, Tag::nchw));
  q.fill(-3.f);
  EXPECT_EQ(q.to_vector(), std::vector<float>(values.size(), -3.f));
}

}  // namespace
}  // namespace keel

namespace keel {
namespace {

// A logical axis named twice splits into two descriptor dims (outer, inner): the Keras grouped
// kernel (kh, kw, C/G, F) as oneDNN's {G, F/G, C/G, kh, kw}.
TEST(TensorAxes, ASplitAxisViewsTheKerasKernelAsGroupedWeights) {
  const std::int64_t kh = 2, kw = 3, cg = 2, f = 6, groups = 3;
  std::vector<float> v(static_cast<std::size_t>(kh * kw * cg * f));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  const Tensor w = Tensor::from_data({kh, kw, cg, f}, v);
  const dnnl::memory::dims dims{groups, f / groups, cg, kh, kw};
  const dnnl::memory::desc goihw(dims, dnnl::memory::data_type::f32,
                                 dnnl::memory::format_tag::goihw);
  const Tensor grouped = w.to_layout(goihw, {3, 3, 2, 0, 1});
  const float* p = static_cast<const float*>(grouped.buffer().get());
  // goihw element (g, o, i, h, x) is Keras element (h, x, i, g * F/G + o).
  for (std::int64_t g = 0; g < groups; ++g)
    for (std::int64_t o = 0; o < f / groups; ++o)
      for (std::int64_t i = 0; i < cg; ++i)
        for (std::int64_t h = 0; h < kh; ++h)
          for (std::int64_t x = 0; x < kw; ++x) {
            const std::int64_t keras = ((h * kw + x) * cg + i) * f + g * (f / groups) + o;
            const std::int64_t mem = (((g * (f / groups) + o) * cg + i) * kh + h) * kw + x;
            ASSERT_EQ(p[mem], v[static_cast<std::size_t>(keras)]);
          }
  EXPECT_EQ(grouped.to_plain().to_vector(), v);  // and back to Keras layout
  EXPECT_THROW_MSG(plain_view_desc(w.shape(), {3, 3, 2, 0, 1}, {4, 2, 2, 2, 3}), ShapeError,
                   "do not multiply to 6");
}

TEST(LayoutWalk, GroupsOfABlockedLayoutAreItsKeptIndices) {
  // OIhw16i16o with O = 20, I = 3 (both padded to 32 / 16): group = O index.
  const dnnl::memory::desc md({20, 3, 2, 2}, dnnl::memory::data_type::f32,
                              dnnl::memory::format_tag::OIhw16i16o);
  const LayoutWalk walk(md, {true, false, false, false});
  EXPECT_EQ(walk.groups(), 32);  // padded O
  // Each element holds its O index + 1; the padding holds 0. Per group, the sum is 12 (O + 1).
  Tensor plain = Tensor::empty({20, 3, 2, 2});
  for (std::int64_t o = 0; o < 20; ++o)
    for (std::int64_t i = 0; i < 12; ++i) plain.data()[o * 12 + i] = static_cast<float>(o + 1);
  const Tensor t = plain.to_desc(md);
  const float* p = static_cast<const float*>(t.buffer().get());
  std::vector<double> sums(32, 0.0);
  std::int64_t visited = 0;
  walk.for_each_run([&](std::int64_t off, std::int64_t n, std::int64_t g, std::int64_t step) {
    for (std::int64_t j = 0; j < n; ++j) {
      sums[static_cast<std::size_t>(g + j * step)] += p[off + j];
      ++visited;
    }
  });
  for (std::int64_t o = 0; o < 32; ++o) EXPECT_EQ(sums[o], o < 20 ? 12.0 * (o + 1) : 0.0) << o;
  EXPECT_EQ(visited, static_cast<std::int64_t>(md.get_size() / sizeof(float)));
}

}  // namespace
}  // namespace keel
