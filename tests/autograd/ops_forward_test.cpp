// Forward values of every op against hand-computed expectations, and bad inputs.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cmath>

#include "test_util.h"

namespace keel {
namespace {

Variable v(const Shape& s, std::vector<float> data) { return Variable(Tensor::from_data(s, data)); }

void expect_near(const Variable& y, const std::vector<float>& expected, float tol = 1e-6f) {
  const auto got = y.to_vector();
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], tol * std::max(1.f, std::abs(expected[i]))) << "element " << i;
}

TEST(Arithmetic, AddBroadcastsRowAndColumn) {
  auto y = add(v({2, 1}, {1, 2}), v({3}, {10, 20, 30}));
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  expect_near(y, {11, 21, 31, 12, 22, 32});
}

TEST(Arithmetic, SubBroadcastsFirstOperand) {
  auto y = sub(v({1}, {1}), v({2, 2}, {1, 2, 3, 4}));
  expect_near(y, {0, -1, -2, -3});
}

TEST(Arithmetic, MulDivElementwise) {
  expect_near(mul(v({3}, {1, 2, 3}), v({3}, {4, 5, 6})), {4, 10, 18});
  expect_near(div(v({3}, {1, 2, 3}), v({3}, {4, 5, 6})), {0.25f, 0.4f, 0.5f});
}

TEST(Arithmetic, ScalarVariants) {
  auto x = v({3}, {1, 2, 4});
  expect_near(x + 1.f, {2, 3, 5});
  expect_near(1.f - x, {0, -1, -3});
  expect_near(x * 3.f, {3, 6, 12});
  expect_near(x / 2.f, {0.5f, 1, 2});
  expect_near(4.f / x, {4, 2, 1});
  expect_near(-x, {-1, -2, -4});
}

TEST(Arithmetic, MaximumMinimum) {
  auto a = v({3}, {1, 5, 3}), b = v({3}, {4, 2, 3});
  expect_near(maximum(a, b), {4, 5, 3});
  expect_near(minimum(a, b), {1, 2, 3});
}

TEST(Arithmetic, IncompatibleShapesNameBoth) {
  EXPECT_THROW_MSG(add(v({2, 3}, std::vector<float>(6)), v({4}, std::vector<float>(4))), ShapeError,
                   "add: shapes (2, 3) and (4,) cannot be broadcast together");
  EXPECT_THROW_MSG(mul(v({2}, {1, 2}), v({3}, {1, 2, 3})), ShapeError, "mul: shapes (2,) and (3,)");
}

TEST(Arithmetic, DivisionByScalarZeroRaises) {
  EXPECT_THROW_MSG(div(v({1}, {1}), 0.f), ValueError, "scalar 0");
}

TEST(Elementwise, MathFunctions) {
  auto x = v({3}, {0.5f, 1.f, 4.f});
  expect_near(exp(x), {std::exp(0.5f), std::exp(1.f), std::exp(4.f)}, 1e-6f);
  // oneDNN's vectorised log is accurate to a few ulp (1.4e-6 absolute seen here).
  expect_near(log(x), {std::log(0.5f), 0.f, std::log(4.f)}, 3e-6f);
  expect_near(sqrt(x), {std::sqrt(0.5f), 1.f, 2.f});
  expect_near(square(x), {0.25f, 1.f, 16.f});
  expect_near(abs(v({3}, {-2, 0, 3})), {2, 0, 3});
  expect_near(pow(x, 3.f), {0.125f, 1.f, 64.f}, 1e-6f);
  expect_near(clip(v({4}, {-2, 0.3f, 0.9f, 7}), 0.f, 1.f), {0, 0.3f, 0.9f, 1});
}

TEST(Elementwise, ClipWithInvertedBoundsRaises) {
  EXPECT_THROW_MSG(clip(v({1}, {1}), 2.f, 1.f), ValueError, "expected lo <= hi");
}

TEST(Activations, KerasFormulas) {
  auto x = v({5}, {-3.f, -1.f, 0.f, 1.f, 3.f});
  expect_near(relu(x), {0, 0, 0, 1, 3});
  expect_near(linear(x), {-3, -1, 0, 1, 3});
  std::vector<float> th, sg, hs, sp, ss, el;
  for (float a : {-3.f, -1.f, 0.f, 1.f, 3.f}) {
    th.push_back(std::tanh(a));
    sg.push_back(1.f / (1.f + std::exp(-a)));
    hs.push_back(std::clamp(0.2f * a + 0.5f, 0.f, 1.f));  // spec section 7
    sp.push_back(std::log1p(std::exp(a)));
    ss.push_back(a / (1.f + std::abs(a)));
    el.push_back(a > 0 ? a : std::exp(a) - 1.f);
  }
  expect_near(tanh(x), th, 1e-6f);
  expect_near(sigmoid(x), sg, 1e-6f);
  expect_near(hard_sigmoid(x), hs, 1e-6f);
  expect_near(softplus(x), sp, 1e-5f);
  expect_near(softsign(x), ss, 1e-6f);
  expect_near(elu(x), el, 1e-6f);
}

TEST(Activations, SoftmaxOverLastAxis) {
  auto y = softmax(v({2, 3}, {1, 2, 3, 0, 0, 0}));
  const float s = std::exp(1.f) + std::exp(2.f) + std::exp(3.f);
  expect_near(y,
              {std::exp(1.f) / s, std::exp(2.f) / s, std::exp(3.f) / s, 1 / 3.f, 1 / 3.f, 1 / 3.f});
}

TEST(Activations, LookupByKerasName) {
  auto x = v({2}, {-1, 2});
  expect_near(activation("relu", x), {0, 2});
  expect_near(activation("", x), {-1, 2});  // activation=None
  EXPECT_THROW_MSG(activation("rleu", x), ValueError,
                   "activation 'rleu' is not one of linear, relu, tanh, sigmoid, hard_sigmoid, "
                   "softplus, softsign, elu, softmax");
}

TEST(Reductions, SumMeanMaxOverAxes) {
  auto x = v({2, 3}, {1, 5, 3, 4, 2, 6});
  expect_near(sum(x), {21});
  EXPECT_EQ(sum(x).shape(), Shape{});
  expect_near(sum(x, {0}), {5, 7, 9});
  expect_near(sum(x, {-1}, true), {9, 12});
  EXPECT_EQ(sum(x, {-1}, true).shape(), (Shape{2, 1}));
  expect_near(mean(x, {1}), {3, 4});
  expect_near(max(x, {1}), {5, 6});
  expect_near(max(x, {0}, true), {4, 5, 6});
  EXPECT_EQ(max(x, {0}, true).shape(), (Shape{1, 3}));
}

TEST(Reductions, AxisOutOfRangeNamesAxisAndRank) {
  auto x = v({2, 3}, std::vector<float>(6));
  EXPECT_THROW_MSG(sum(x, {2}), ShapeError, "sum: axis 2 is out of range for a tensor of rank 2");
  EXPECT_THROW_MSG(mean(x, {-3}), ShapeError, "mean: axis -3 is out of range");
  EXPECT_THROW_MSG(max(x, {0, 0}), ShapeError, "max: axis 0 is repeated");
}

TEST(Matmul, TwoDimensionalProduct) {
  auto y = matmul(v({2, 3}, {1, 2, 3, 4, 5, 6}), v({3, 2}, {7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  expect_near(y, {58, 64, 139, 154});
}

TEST(Matmul, BatchedProduct) {
  auto y = matmul(v({2, 1, 2}, {1, 2, 3, 4}), v({2, 2, 1}, {1, 1, 2, -1}));
  EXPECT_EQ(y.shape(), (Shape{2, 1, 1}));
  expect_near(y, {3, 2});
}

TEST(Matmul, MisalignedShapesRaise) {
  EXPECT_THROW_MSG(matmul(v({2, 3}, std::vector<float>(6)), v({2, 3}, std::vector<float>(6))),
                   ShapeError, "matmul: shapes (2, 3) and (2, 3) are not aligned (3 != 2)");
  EXPECT_THROW_MSG(matmul(v({3}, {1, 2, 3}), v({3}, {1, 2, 3})), ShapeError, "rank >= 2");
}

TEST(ShapeOps, ReshapeInfersOneDimension) {
  auto x = v({2, 3}, {1, 2, 3, 4, 5, 6});
  auto y = reshape(x, {3, -1});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  expect_near(y, {1, 2, 3, 4, 5, 6});
  EXPECT_THROW_MSG(reshape(x, {4, -1}), ShapeError, "cannot infer");
  EXPECT_THROW_MSG(reshape(x, {4, 2}), ShapeError, "cannot reshape a tensor of shape (2, 3)");
}

TEST(ShapeOps, PermuteAndTranspose) {
  auto x = v({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_near(transpose(x), {1, 4, 2, 5, 3, 6});
  auto y = permute(v({1, 2, 3}, {1, 2, 3, 4, 5, 6}), {2, 0, 1});
  EXPECT_EQ(y.shape(), (Shape{3, 1, 2}));
  expect_near(y, {1, 4, 2, 5, 3, 6});
  EXPECT_THROW_MSG(permute(x, {0, 0}), ShapeError, "permutation");
}

TEST(ShapeOps, ConcatenateAlongAxis) {
  auto y = concatenate({v({2, 1}, {1, 2}), v({2, 2}, {3, 4, 5, 6})}, 1);
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  expect_near(y, {1, 3, 4, 2, 5, 6});
  EXPECT_THROW_MSG(concatenate({v({2, 1}, {1, 2}), v({3, 1}, {1, 2, 3})}, 1), ShapeError,
                   "concatenate: tensor 1 has shape (3, 1)");
}

TEST(ShapeOps, SliceTakesARange) {
  auto y = slice(v({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), {1, 1}, {2, -1});
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  expect_near(y, {5, 6, 8, 9});
  EXPECT_THROW_MSG(slice(v({3}, {1, 2, 3}), {2}, {2}), ShapeError, "outside [0, 3)");
}

}  // namespace
}  // namespace keel
