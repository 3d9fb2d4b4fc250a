#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/core/tensor.h>
#include <keel/core/tensor_ops.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "test_util.h"

namespace keel {
namespace {

using dnnl::algorithm;
using dnnl::memory;

Tensor T(const Shape& s, const std::vector<float>& v) { return Tensor::from_data(s, v); }

std::vector<float> ramp(std::size_t n, float start = 0.f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

// Element-wise comparison with a relative tolerance, naming the first differing element.
void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-6f) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol * std::max(1.f, std::abs(want[i]))) << "element " << i;
}

// --- binary with broadcasting --------------------------------------------------------------

TEST(OpsBinary, SameShapeAdds) {
  const Tensor y = ops::binary(algorithm::binary_add, T(Shape({2, 2}), {1, 2, 3, 4}),
                               T(Shape({2, 2}), {10, 20, 30, 40}), "add");
  EXPECT_EQ(y.shape(), Shape({2, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{11, 22, 33, 44}));
}

TEST(OpsBinary, BroadcastsTheSecondOperandAcrossRows) {
  // (2, 3) - (3,): each row minus {1, 2, 3}.
  const Tensor y = ops::binary(algorithm::binary_sub, T(Shape({2, 3}), {10, 20, 30, 40, 50, 60}),
                               T(Shape({3}), {1, 2, 3}), "sub");
  EXPECT_EQ(y.shape(), Shape({2, 3}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{9, 18, 27, 39, 48, 57}));
}

TEST(OpsBinary, BroadcastsTheFirstOperandOfACommutativeOp) {
  const Tensor y = ops::binary(algorithm::binary_mul, T(Shape({3}), {1, 2, 3}),
                               T(Shape({2, 3}), {1, 1, 1, 2, 2, 2}), "mul");
  EXPECT_EQ(y.shape(), Shape({2, 3}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1, 2, 3, 2, 4, 6}));
}

TEST(OpsBinary, BroadcastsTheFirstOperandOfSubtractionKeepingTheOrder) {
  // (3,) - (2, 3): out[i][j] = a[j] - b[i][j], not b - a.
  const Tensor y = ops::binary(algorithm::binary_sub, T(Shape({3}), {1, 2, 3}),
                               T(Shape({2, 3}), {10, 20, 30, 40, 50, 60}), "sub");
  EXPECT_EQ(y.to_vector(), (std::vector<float>{-9, -18, -27, -39, -48, -57}));
}

TEST(OpsBinary, BroadcastsBothOperandsOfSubtraction) {
  // (3, 1) - (1, 4): out[i][j] = a[i] - b[j].
  const Tensor y = ops::binary(algorithm::binary_sub, T(Shape({3, 1}), {1, 2, 3}),
                               T(Shape({1, 4}), {10, 20, 30, 40}), "sub");
  EXPECT_EQ(y.shape(), Shape({3, 4}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{-9, -19, -29, -39,  //
                                               -8, -18, -28, -38,  //
                                               -7, -17, -27, -37}));
}

TEST(OpsBinary, BroadcastsTheFirstOperandOfDivision) {
  // scalar 12 / (2, 2)
  const Tensor y = ops::binary(algorithm::binary_div, Tensor::scalar(12.f),
                               T(Shape({2, 2}), {1, 2, 3, 4}), "div");
  EXPECT_EQ(y.shape(), Shape({2, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{12, 6, 4, 3}));
}

TEST(OpsBinary, ComparisonGivesOnesAndZeros) {
  const Tensor y = ops::binary(algorithm::binary_ge, T(Shape({4}), {1, 2, 3, 4}),
                               Tensor::scalar(2.5f), "greater_equal");
  EXPECT_EQ(y.to_vector(), (std::vector<float>{0, 0, 1, 1}));
}

TEST(OpsBinary, IncompatibleShapesNameTheOpAndBothShapes) {
  EXPECT_THROW_MSG(ops::binary(algorithm::binary_add, Tensor::zeros(Shape({2, 3})),
                               Tensor::zeros(Shape({4})), "add"),
                   ShapeError, "add: shapes (2, 3) and (4,) cannot be broadcast together");
}

TEST(OpsBinary, AcceptsABlockedOperand) {
  const memory::desc blocked({1, 2, 1, 1}, memory::data_type::f32, memory::format_tag::nChw16c);
  const Tensor a = T(Shape({1, 2, 1, 1}), {1, 2}).to_desc(blocked);
  const Tensor y = ops::binary(algorithm::binary_add, a, T(Shape({1, 2, 1, 1}), {10, 20}), "add");
  EXPECT_EQ(y.to_vector(), (std::vector<float>{11, 22}));
}

// Operands of one shape: the result is held like the blocked operand (no reorder to plain and
// back around a residual sum), except where the op would write non-zeros into its padding.
const Shape kImage({2, 16, 3, 3});  // 16 channels: nChw16c without padding
const memory::desc kBlocked({2, 16, 3, 3}, memory::data_type::f32, memory::format_tag::nChw16c);

std::vector<float> elementwise(const std::vector<float>& a, const std::vector<float>& b,
                               float (*f)(float, float)) {
  std::vector<float> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = f(a[i], b[i]);
  return out;
}

TEST(OpsBinary, TwoBlockedOperandsGiveAResultInTheirLayout) {
  const auto va = ramp(288), vb = ramp(288, -100.f);
  const Tensor a = T(kImage, va).to_desc(kBlocked), b = T(kImage, vb).to_desc(kBlocked);
  const Tensor y = ops::binary(algorithm::binary_add, a, b, "add");
  EXPECT_TRUE(y.desc() == kBlocked);
  expect_near(y.to_vector(), elementwise(va, vb, [](float x, float z) { return x + z; }));
}

TEST(OpsBinary, APlainFirstOperandMeetsTheBlockedLayoutOfTheSecondInOrder) {
  const auto va = ramp(288, 1.f), vb = ramp(288, 50.f);
  const Tensor y =
      ops::binary(algorithm::binary_sub, T(kImage, va), T(kImage, vb).to_desc(kBlocked), "sub");
  EXPECT_TRUE(y.desc() == kBlocked);
  expect_near(y.to_vector(), elementwise(va, vb, [](float x, float z) { return x - z; }));
}

TEST(OpsBinary, DivisionOnAPaddedBlockedLayoutIsComputedPlain) {
  // 3 channels in nChw16c: 13 padded channels, where 0 / 0 would write NaN.
  const Shape s({1, 3, 2, 2});
  const memory::desc padded({1, 3, 2, 2}, memory::data_type::f32, memory::format_tag::nChw16c);
  const auto va = ramp(12, 1.f), vb = ramp(12, 2.f);
  const Tensor y =
      ops::binary(algorithm::binary_div, T(s, va).to_desc(padded), T(s, vb).to_desc(padded), "div");
  EXPECT_TRUE(y.is_plain());
  expect_near(y.to_vector(), elementwise(va, vb, [](float x, float z) { return x / z; }));
}

TEST(OpsBinary, AdditionOnAPaddedBlockedLayoutKeepsItAndItsZeroPadding) {
  const Shape s({1, 3, 2, 2});
  const memory::desc padded({1, 3, 2, 2}, memory::data_type::f32, memory::format_tag::nChw16c);
  const auto va = ramp(12, 1.f), vb = ramp(12, 2.f);
  const Tensor y =
      ops::binary(algorithm::binary_add, T(s, va).to_desc(padded), T(s, vb).to_desc(padded), "add");
  ASSERT_TRUE(y.desc() == padded);
  expect_near(y.to_vector(), elementwise(va, vb, [](float x, float z) { return x + z; }));
  const float* raw = static_cast<const float*>(y.buffer().get());
  for (int hw = 0; hw < 4; ++hw)
    for (int c = 3; c < 16; ++c) EXPECT_EQ(raw[hw * 16 + c], 0.f) << "pixel " << hw << " c " << c;
}

TEST(OpsAdd, GradientsInTwoLayoutsSumInTheBlockedOne) {
  const auto va = ramp(288), vb = ramp(288, 7.f);
  const Tensor y = ops::add(T(kImage, va), T(kImage, vb).to_desc(kBlocked));
  EXPECT_TRUE(y.desc() == kBlocked);
  expect_near(y.to_vector(), elementwise(va, vb, [](float x, float z) { return x + z; }));
}

TEST(OpsAdd, AddsSameShapedTensors) {
  EXPECT_EQ(ops::add(T(Shape({2}), {1, 2}), T(Shape({2}), {3, 4})).to_vector(),
            (std::vector<float>{4, 6}));
}

TEST(OpsAdd, DifferentShapesNameBoth) {
  EXPECT_THROW_MSG(ops::add(Tensor::zeros(Shape({2})), Tensor::zeros(Shape({3}))), ShapeError,
                   "add: gradient shapes (2,) and (3,) differ");
}

// --- expand, sum_to ---------------------------------------------------------------------------

TEST(OpsExpand, RepeatsAlongBroadcastAxes) {
  const Tensor y = ops::expand(T(Shape({2, 1}), {1, 2}), Shape({2, 3}), "expand");
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1, 1, 1, 2, 2, 2}));
}

TEST(OpsExpand, IncompatibleTargetNamesBothShapes) {
  // (2, 3) broadcast with (3, 3) gives an error from broadcast_shapes already.
  EXPECT_THROW_MSG(ops::expand(Tensor::zeros(Shape({2, 3})), Shape({3, 3}), "expand"), ShapeError,
                   "expand: shapes (2, 3) and (3, 3)");
  // (2, 3) and (3,) are compatible but (2, 3) cannot shrink to (3,).
  EXPECT_THROW_MSG(ops::expand(Tensor::zeros(Shape({2, 3})), Shape({3}), "expand"), ShapeError,
                   "expand: shape (2, 3) cannot be broadcast to (3,)");
}

TEST(OpsSumTo, SameShapeIsIdentity) {
  const Tensor g = T(Shape({2}), {1, 2});
  EXPECT_EQ(ops::sum_to(g, Shape({2})).to_vector(), (std::vector<float>{1, 2}));
}

TEST(OpsSumTo, SumsOverLeadingAxesAddedByBroadcasting) {
  // g = [[1, 2, 3], [4, 5, 6]] to (3,): column sums.
  const Tensor y = ops::sum_to(T(Shape({2, 3}), {1, 2, 3, 4, 5, 6}), Shape({3}));
  EXPECT_EQ(y.shape(), Shape({3}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{5, 7, 9}));
}

TEST(OpsSumTo, SumsOverStretchedUnitAxes) {
  const Tensor g = T(Shape({2, 3}), {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(ops::sum_to(g, Shape({2, 1})).to_vector(), (std::vector<float>{6, 15}));
  EXPECT_EQ(ops::sum_to(g, Shape({2, 1})).shape(), Shape({2, 1}));
  EXPECT_EQ(ops::sum_to(g, Shape({1, 3})).to_vector(), (std::vector<float>{5, 7, 9}));
}

TEST(OpsSumTo, SumsToAScalar) {
  const Tensor y = ops::sum_to(T(Shape({2, 3}), {1, 2, 3, 4, 5, 6}), Shape{});
  EXPECT_EQ(y.rank(), 0);
  EXPECT_EQ(y.item(), 21.f);
}

TEST(OpsSumTo, MixesAddedAndStretchedAxes) {
  // g of shape (2, 3, 4) with values 0..23 to (3, 1): out[j] = sum over i, k of g[i][j][k].
  const Tensor g = T(Shape({2, 3, 4}), ramp(24));
  std::vector<float> want(3, 0.f);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) want[j] += static_cast<float>(i * 12 + j * 4 + k);
  // Hand check of the loop: want = {60, 92, 124}.
  ASSERT_EQ(want, (std::vector<float>{60, 92, 124}));
  const Tensor y = ops::sum_to(g, Shape({3, 1}));
  EXPECT_EQ(y.shape(), Shape({3, 1}));
  EXPECT_EQ(y.to_vector(), want);
}

// --- permute, slice, pad_into, concat ---------------------------------------------------------

TEST(OpsPermute, TransposesAMatrix) {
  const Tensor y = ops::permute(T(Shape({2, 3}), {1, 2, 3, 4, 5, 6}), {1, 0});
  EXPECT_EQ(y.shape(), Shape({3, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(OpsPermute, PermutesThreeAxes) {
  // out.shape[i] = x.shape[perm[i]], so out[a][b][c] = x[b][c][a] for perm {2, 0, 1}.
  const Tensor x = T(Shape({2, 3, 4}), ramp(24));
  const Tensor y = ops::permute(x, {2, 0, 1});
  ASSERT_EQ(y.shape(), Shape({4, 2, 3}));
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 2; ++b)
      for (int c = 0; c < 3; ++c) EXPECT_EQ(y.at({a, b, c}), x.at({b, c, a}));
  EXPECT_EQ(y.at({3, 1, 2}), 23.f);  // x[1][2][3] = 12 + 8 + 3
}

TEST(OpsPermute, RejectsANonPermutationNamingTheAxis) {
  EXPECT_THROW_MSG(ops::permute(Tensor::zeros(Shape({2, 3})), {0, 0}), ShapeError,
                   "permute: axes must be a permutation of 0..1, got axis 0");
  EXPECT_THROW_MSG(ops::permute(Tensor::zeros(Shape({2, 3})), {0, 2}), ShapeError, "got axis 2");
}

TEST(OpsPermute, RejectsAWrongNumberOfAxes) {
  EXPECT_THROW_MSG(ops::permute(Tensor::zeros(Shape({2, 3})), {0}), ShapeError,
                   "permute: 1 axes given for a tensor of rank 2");
}

TEST(OpsSlice, TakesTheSubBlock) {
  // x = 0..11 as (3, 4); rows 1..2, columns 1..2.
  const Tensor y = ops::slice(T(Shape({3, 4}), ramp(12)), {1, 1}, Shape({2, 2}));
  EXPECT_EQ(y.shape(), Shape({2, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{5, 6, 9, 10}));
}

TEST(OpsSlice, ResultIsACopy) {
  const Tensor x = T(Shape({4}), {1, 2, 3, 4});
  Tensor y = ops::slice(x, {1}, Shape({2}));
  y.set({0}, 100.f);
  EXPECT_EQ(x.at({1}), 2.f);
}

TEST(OpsSlice, OutOfRangeNamesTheAxisAndRange) {
  EXPECT_THROW_MSG(ops::slice(Tensor::zeros(Shape({3, 4})), {2, 0}, Shape({2, 4})), ShapeError,
                   "slice: axis 0 range [2, 4) is outside [0, 3)");
  EXPECT_THROW_MSG(ops::slice(Tensor::zeros(Shape({3, 4})), {0, -1}, Shape({1, 1})), ShapeError,
                   "slice: axis 1 range [-1, 0) is outside [0, 4)");
}

TEST(OpsSlice, WrongNumberOfStartsNamesTheRank) {
  EXPECT_THROW_MSG(ops::slice(Tensor::zeros(Shape({3, 4})), {0}, Shape({1, 1})), ShapeError,
                   "one entry per axis of the input (rank 2)");
}

TEST(OpsPadInto, WritesXAtStartsAndZerosElsewhere) {
  const Tensor y = ops::pad_into(T(Shape({2, 2}), {1, 2, 3, 4}), Shape({3, 4}), {1, 1});
  EXPECT_EQ(y.shape(), Shape({3, 4}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{0, 0, 0, 0,  //
                                               0, 1, 2, 0,  //
                                               0, 3, 4, 0}));
}

TEST(OpsPadInto, IsTheAdjointOfSlice) {
  // slice then pad_into at the same starts keeps exactly the sliced block.
  const Tensor x = T(Shape({3, 4}), ramp(12, 1.f));
  const Tensor back = ops::pad_into(ops::slice(x, {0, 2}, Shape({2, 2})), Shape({3, 4}), {0, 2});
  EXPECT_EQ(back.to_vector(), (std::vector<float>{0, 0, 3, 4, 0, 0, 7, 8, 0, 0, 0, 0}));
}

TEST(OpsPadInto, OutOfRangeNamesTheAxisAndRange) {
  EXPECT_THROW_MSG(ops::pad_into(Tensor::ones(Shape({2, 2})), Shape({3, 4}), {2, 0}), ShapeError,
                   "pad_into: axis 0 range [2, 4) is outside [0, 3)");
  EXPECT_THROW_MSG(ops::pad_into(Tensor::ones(Shape({2, 2})), Shape({3, 4}), {0, -1}), ShapeError,
                   "pad_into: axis 1 range [-1, 1) is outside [0, 4)");
}

TEST(OpsPadInto, WrongNumberOfStartsNamesTheRank) {
  EXPECT_THROW_MSG(ops::pad_into(Tensor::ones(Shape({2, 2})), Shape({3, 4}), {0}), ShapeError,
                   "pad_into: ");
  EXPECT_THROW_MSG(ops::pad_into(Tensor::ones(Shape({2, 2})), Shape({3, 4, 1}), {0, 0, 0}),
                   ShapeError, "pad_into: ");
}

TEST(OpsConcat, JoinsAlongAxisZero) {
  const Tensor y = ops::concat({T(Shape({1, 2}), {1, 2}), T(Shape({2, 2}), {3, 4, 5, 6})}, 0);
  EXPECT_EQ(y.shape(), Shape({3, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(OpsConcat, JoinsAlongTheLastAxisGivenAsMinusOne) {
  const Tensor y = ops::concat({T(Shape({2, 1}), {1, 2}), T(Shape({2, 2}), {10, 20, 30, 40})}, -1);
  EXPECT_EQ(y.shape(), Shape({2, 3}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1, 10, 20, 2, 30, 40}));
}

TEST(OpsConcat, OneTensorIsReturnedAsIs) {
  const Tensor x = T(Shape({2}), {1, 2});
  EXPECT_EQ(ops::concat({x}, 0).to_vector(), (std::vector<float>{1, 2}));
}

TEST(OpsConcat, MismatchedShapesNameTheTensorAndBothShapes) {
  EXPECT_THROW_MSG(ops::concat({Tensor::zeros(Shape({2, 2})), Tensor::zeros(Shape({3, 3}))}, 0),
                   ShapeError,
                   "concatenate: tensor 1 has shape (3, 3), expected the shape of tensor 0 (2, 2) "
                   "except along axis 0");
}

TEST(OpsConcat, MismatchedRanksAreRejected) {
  EXPECT_THROW_MSG(ops::concat({Tensor::zeros(Shape({2, 2})), Tensor::zeros(Shape({2}))}, 0),
                   ShapeError, "tensor 1 has shape (2,)");
}

TEST(OpsConcat, AxisOutOfRangeIsNamed) {
  EXPECT_THROW_MSG(ops::concat({Tensor::zeros(Shape({2})), Tensor::zeros(Shape({2}))}, 1),
                   ShapeError, "concatenate: axis 1 is out of range for a tensor of rank 1");
}

TEST(OpsConcat, NoTensorsIsAValueError) {
  EXPECT_THROW_MSG(ops::concat({}, 0), ValueError, "concatenate: no tensors given");
}

// --- reductions ---------------------------------------------------------------------------------
// x = [[1, 2, 3], [4, 5, 6]]

const std::vector<float> kX23{1, 2, 3, 4, 5, 6};

TEST(OpsReduce, SumOverColumnsKeepingDims) {
  const Tensor y = ops::reduce(algorithm::reduction_sum, T(Shape({2, 3}), kX23), {1}, true);
  EXPECT_EQ(y.shape(), Shape({2, 1}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{6, 15}));
}

TEST(OpsReduce, SumOverColumnsDroppingDims) {
  const Tensor y = ops::reduce(algorithm::reduction_sum, T(Shape({2, 3}), kX23), {1}, false);
  EXPECT_EQ(y.shape(), Shape({2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{6, 15}));
}

TEST(OpsReduce, MeanOverRows) {
  const Tensor keep = ops::reduce(algorithm::reduction_mean, T(Shape({2, 3}), kX23), {0}, true);
  EXPECT_EQ(keep.shape(), Shape({1, 3}));
  expect_near(keep.to_vector(), {2.5f, 3.5f, 4.5f});
  const Tensor drop = ops::reduce(algorithm::reduction_mean, T(Shape({2, 3}), kX23), {0}, false);
  EXPECT_EQ(drop.shape(), Shape({3}));
  expect_near(drop.to_vector(), {2.5f, 3.5f, 4.5f});
}

TEST(OpsReduce, MaxOverAllAxes) {
  const Tensor x = T(Shape({2, 3}), {3, -1, 7, 2, 6, 0});
  const Tensor keep = ops::reduce(algorithm::reduction_max, x, {0, 1}, true);
  EXPECT_EQ(keep.shape(), Shape({1, 1}));
  EXPECT_EQ(keep.item(), 7.f);
  const Tensor drop = ops::reduce(algorithm::reduction_max, x, {0, 1}, false);
  EXPECT_EQ(drop.shape(), Shape{});
  EXPECT_EQ(drop.item(), 7.f);
}

TEST(OpsReduce, MinPerRow) {
  const Tensor y =
      ops::reduce(algorithm::reduction_min, T(Shape({2, 3}), {3, -1, 7, 2, 6, 0}), {1}, false);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{-1, 0}));
}

TEST(OpsReduce, SumOverNonAdjacentAxes) {
  // (2, 3, 4) with values 0..23 summed over axes 0 and 2: {60, 92, 124} (see OpsSumTo).
  const Tensor y =
      ops::reduce(algorithm::reduction_sum, T(Shape({2, 3, 4}), ramp(24)), {0, 2}, false);
  EXPECT_EQ(y.shape(), Shape({3}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{60, 92, 124}));
}

TEST(OpsReduce, OverAUnitAxisGivesTheElements) {
  const Tensor y = ops::reduce(algorithm::reduction_sum, T(Shape({2, 1}), {4, 5}), {1}, false);
  EXPECT_EQ(y.shape(), Shape({2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{4, 5}));
}

// --- matmul ---------------------------------------------------------------------------------
// A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]:
// A B = [[1*7 + 2*9 + 3*11, 1*8 + 2*10 + 3*12], [4*7 + 5*9 + 6*11, 4*8 + 5*10 + 6*12]]
//     = [[58, 64], [139, 154]].

const std::vector<float> kA{1, 2, 3, 4, 5, 6}, kAt{1, 4, 2, 5, 3, 6};
const std::vector<float> kB{7, 8, 9, 10, 11, 12}, kBt{7, 9, 11, 8, 10, 12};
const std::vector<float> kAB{58, 64, 139, 154};

TEST(OpsMatmul, MultipliesMatrices) {
  const Tensor y = ops::matmul(T(Shape({2, 3}), kA), T(Shape({3, 2}), kB));
  EXPECT_EQ(y.shape(), Shape({2, 2}));
  EXPECT_EQ(y.to_vector(), kAB);
}

TEST(OpsMatmul, TransposesTheFirstOperand) {
  EXPECT_EQ(ops::matmul(T(Shape({3, 2}), kAt), T(Shape({3, 2}), kB), true, false).to_vector(), kAB);
}

TEST(OpsMatmul, TransposesTheSecondOperand) {
  EXPECT_EQ(ops::matmul(T(Shape({2, 3}), kA), T(Shape({2, 3}), kBt), false, true).to_vector(), kAB);
}

TEST(OpsMatmul, TransposesBothOperands) {
  EXPECT_EQ(ops::matmul(T(Shape({3, 2}), kAt), T(Shape({2, 3}), kBt), true, true).to_vector(), kAB);
}

TEST(OpsMatmul, MultipliesEachBatchMatrix) {
  // Batch 0: A B. Batch 1: [[1, 0, 0], [0, 1, 0]] selects the first two rows of
  // [[1, 2], [3, 4], [5, 6]].
  std::vector<float> a = kA, b = kB;
  a.insert(a.end(), {1, 0, 0, 0, 1, 0});
  b.insert(b.end(), {1, 2, 3, 4, 5, 6});
  const Tensor y = ops::matmul(T(Shape({2, 2, 3}), a), T(Shape({2, 3, 2}), b));
  EXPECT_EQ(y.shape(), Shape({2, 2, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{58, 64, 139, 154, 1, 2, 3, 4}));
}

TEST(OpsMatmul, BatchedWithTransposedSecondOperand) {
  std::vector<float> a = kA, bt = kBt;
  a.insert(a.end(), kA.begin(), kA.end());
  bt.insert(bt.end(), kBt.begin(), kBt.end());
  const Tensor y = ops::matmul(T(Shape({2, 2, 3}), a), T(Shape({2, 2, 3}), bt), false, true);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{58, 64, 139, 154, 58, 64, 139, 154}));
}

TEST(OpsMatmul, MisalignedShapesNameBothAndTheInnerSizes) {
  EXPECT_THROW_MSG(ops::matmul(Tensor::zeros(Shape({2, 3})), Tensor::zeros(Shape({2, 3}))),
                   ShapeError, "matmul: shapes (2, 3) and (2, 3) are not aligned (3 != 2)");
  EXPECT_THROW_MSG(ops::matmul(Tensor::zeros(Shape({2, 3})), Tensor::zeros(Shape({3, 2})), true),
                   ShapeError, "matmul: shapes (2, 3)^T and (3, 2) are not aligned (2 != 3)");
}

TEST(OpsMatmul, DifferentRanksAreRejected) {
  EXPECT_THROW_MSG(ops::matmul(Tensor::zeros(Shape({2, 3})), Tensor::zeros(Shape({1, 3, 2}))),
                   ShapeError, "matmul: operands of shapes (2, 3) and (1, 3, 2)");
  EXPECT_THROW_MSG(ops::matmul(Tensor::zeros(Shape({3})), Tensor::zeros(Shape({3}))), ShapeError,
                   "rank >= 2");
}

TEST(OpsMatmul, DifferentBatchDimsAreRejected) {
  EXPECT_THROW_MSG(ops::matmul(Tensor::zeros(Shape({2, 2, 3})), Tensor::zeros(Shape({3, 3, 2}))),
                   ShapeError, "matmul: batch dimensions of (2, 2, 3) and (3, 3, 2) differ");
}

// --- softmax, eltwise --------------------------------------------------------------------------

TEST(OpsSoftmax, RowsSumToOneAndMatchExpOverSum) {
  const std::vector<float> x{1, 2, 3, -1, 0, 5};
  const auto y = ops::softmax(T(Shape({2, 3}), x), 1).to_vector();
  std::vector<float> want(6);
  for (int r = 0; r < 2; ++r) {
    double sum = 0;
    for (int c = 0; c < 3; ++c) sum += std::exp(static_cast<double>(x[r * 3 + c]));
    for (int c = 0; c < 3; ++c)
      want[r * 3 + c] = static_cast<float>(std::exp(static_cast<double>(x[r * 3 + c])) / sum);
    EXPECT_NEAR(y[r * 3] + y[r * 3 + 1] + y[r * 3 + 2], 1.f, 1e-6f) << "row " << r;
  }
  expect_near(y, want, 1e-5f);
  // Reference for row 0: softmax(1, 2, 3) = (0.0900306, 0.244728, 0.665241).
  EXPECT_NEAR(y[2], 0.665241f, 1e-5f);
}

TEST(OpsSoftmax, OverAxisZeroNormalizesColumns) {
  const auto y = ops::softmax(T(Shape({2, 2}), {0, 1, 0, 3}), 0).to_vector();
  // Column 0: (0, 0) -> (0.5, 0.5); column 1: (1, 3) -> (1/(1+e^2), e^2/(1+e^2)).
  const float e2 = std::exp(2.f);
  expect_near(y, {0.5f, 1.f / (1.f + e2), 0.5f, e2 / (1.f + e2)}, 1e-5f);
}

TEST(OpsSoftmax, LargeInputsDoNotOverflow) {
  const auto y = ops::softmax(T(Shape({1, 2}), {1000, 1001}), 1).to_vector();
  const float e = std::exp(1.f);
  expect_near(y, {1.f / (1.f + e), e / (1.f + e)}, 1e-5f);
}

TEST(OpsSoftmax, BackwardIsYTimesDyMinusDot) {
  // dx = y * (dy - sum(dy * y)) along the axis.
  const Tensor y = ops::softmax(T(Shape({1, 3}), {1, 2, 3}), 1);
  const std::vector<float> dy{1, 0, -1};
  const auto yv = y.to_vector();
  const float dot = yv[0] * dy[0] + yv[1] * dy[1] + yv[2] * dy[2];
  const auto dx = ops::softmax_backward(T(Shape({1, 3}), dy), y, 1).to_vector();
  expect_near(dx, {yv[0] * (dy[0] - dot), yv[1] * (dy[1] - dot), yv[2] * (dy[2] - dot)}, 1e-5f);
}

TEST(OpsEltwise, ReluZeroesNegatives) {
  const Tensor y = ops::eltwise(algorithm::eltwise_relu, T(Shape({4}), {-2, -0.5f, 0, 1.5f}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{0, 0, 0, 1.5f}));
}

TEST(OpsEltwise, LinearUsesAlphaAndBeta) {
  // eltwise_linear: alpha * x + beta
  const Tensor y = ops::eltwise(algorithm::eltwise_linear, T(Shape({3}), {-1, 0, 2}), 2.f, 1.f);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{-1, 1, 5}));
}

TEST(OpsEltwise, KeepsABlockedInputLayout) {
  const memory::desc blocked({1, 3, 1, 2}, memory::data_type::f32, memory::format_tag::nChw16c);
  const Tensor x = T(Shape({1, 3, 1, 2}), {-1, 2, -3, 4, -5, 6}).to_desc(blocked);
  const Tensor y = ops::eltwise(algorithm::eltwise_relu, x);
  EXPECT_TRUE(y.desc() == blocked);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{0, 2, 0, 4, 0, 6}));
}

TEST(OpsEltwise, ReluBackwardPassesGradientWherePositive) {
  const Tensor x = T(Shape({4}), {-2, -1, 1, 2});
  const Tensor dx =
      ops::eltwise_backward(algorithm::eltwise_relu, T(Shape({4}), {10, 20, 30, 40}), x);
  EXPECT_EQ(dx.to_vector(), (std::vector<float>{0, 0, 30, 40}));
}

TEST(OpsEltwise, ReluBackwardTakesDyInAnotherLayoutThanX) {
  // x: logical (N, H, W, C) = (1, 2, 2, 3) held as oneDNN {N, C, H, W} in nchw (axes {0, 3, 1, 2});
  // dy: a plain row-major (N, H, W, C) tensor. dx = dy where x > 0, in logical order.
  const Shape s{1, 2, 2, 3};
  const std::vector<float> xv{-1, 2, -3, 4, -5, 6, 7, -8, 9, -10, 11, -12};
  const Tensor x_plain = T(s, xv);
  const Tensor x_view = Tensor::from_buffer(
      s, memory::desc({1, 3, 2, 2}, memory::data_type::f32, memory::format_tag::nhwc),
      x_plain.buffer(), {0, 3, 1, 2});
  const Tensor x =
      x_view.to_desc(memory::desc({1, 3, 2, 2}, memory::data_type::f32, memory::format_tag::nchw));
  ASSERT_EQ(x.to_vector(), xv);
  const std::vector<float> dyv = ramp(12, 1.f);
  const Tensor dx = ops::eltwise_backward(algorithm::eltwise_relu, T(s, dyv), x);
  EXPECT_EQ(dx.shape(), s);
  EXPECT_EQ(dx.to_vector(), (std::vector<float>{0, 2, 0, 4, 0, 6, 7, 0, 9, 0, 11, 0}));
}

TEST(OpsEltwise, ReluBackwardTakesDyInAnotherLayoutWhenDimsCoincide) {
  // As above with C = H = W = 2: dy's descriptor dims equal x's, so a plain reorder of dy into
  // x's descriptor would succeed and silently mix up the axes.
  const Shape s{1, 2, 2, 2};
  const std::vector<float> xv{-1, 2, -3, 4, -5, 6, 7, -8};
  const Tensor x_plain = T(s, xv);
  const Tensor x_view = Tensor::from_buffer(
      s, memory::desc({1, 2, 2, 2}, memory::data_type::f32, memory::format_tag::nhwc),
      x_plain.buffer(), {0, 3, 1, 2});
  const Tensor x =
      x_view.to_desc(memory::desc({1, 2, 2, 2}, memory::data_type::f32, memory::format_tag::nchw));
  const Tensor dx = ops::eltwise_backward(algorithm::eltwise_relu, T(s, ramp(8, 1.f)), x);
  EXPECT_EQ(dx.to_vector(), (std::vector<float>{0, 2, 0, 4, 0, 6, 7, 0}));
}

TEST(OpsEltwise, BackwardWithMismatchedShapesNamesBoth) {
  EXPECT_THROW_MSG(ops::eltwise_backward(algorithm::eltwise_relu, Tensor::zeros(Shape({3})),
                                         Tensor::zeros(Shape({4}))),
                   ShapeError,
                   "eltwise_backward: gradient of shape (3,) for an input of shape (4,)");
}

}  // namespace
}  // namespace keel
