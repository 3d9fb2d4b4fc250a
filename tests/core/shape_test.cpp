#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/core/shape.h>

#include <vector>

#include "test_util.h"

namespace keel {
namespace {

constexpr std::int64_t None = Shape::kUnknown;

TEST(Shape, PrintsUnknownBatchAsNoneLikeKeras) {
  EXPECT_EQ(Shape({Shape::kUnknown, 10, 64}).str(), "(None, 10, 64)");
  EXPECT_EQ(Shape({3}).str(), "(3,)");
  EXPECT_EQ(Shape{}.str(), "()");
}

TEST(Shape, RankAndDimsAreThoseGiven) {
  const Shape s{2, 3, 4};
  EXPECT_EQ(s.rank(), 3);
  EXPECT_EQ(s[0], 2);
  EXPECT_EQ(s[2], 4);
  EXPECT_EQ(s.vec(), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_EQ(Shape(std::vector<std::int64_t>{2, 3, 4}), s);
}

TEST(Shape, NumelIsTheProductOfTheDims) {
  EXPECT_EQ(Shape({2, 3, 4}).numel(), 24);
  EXPECT_EQ(Shape({7}).numel(), 7);
}

TEST(Shape, ScalarHasRankZeroAndOneElement) {
  EXPECT_EQ(Shape{}.rank(), 0);
  EXPECT_EQ(Shape{}.numel(), 1);
}

TEST(Shape, ZeroDimGivesZeroElements) { EXPECT_EQ(Shape({3, 0, 2}).numel(), 0); }

TEST(Shape, UnknownDimMakesShapeNotFullyDefined) {
  EXPECT_FALSE(Shape({None, 10}).is_fully_defined());
  EXPECT_TRUE(Shape({4, 10}).is_fully_defined());
  EXPECT_TRUE(Shape{}.is_fully_defined());
}

TEST(Shape, NumelOfUnknownDimThrowsNamingTheShape) {
  EXPECT_THROW_MSG(Shape({None, 10, 64}).numel(), ShapeError, "(None, 10, 64)");
}

TEST(Shape, EqualityComparesRankAndDims) {
  EXPECT_EQ(Shape({2, 3}), Shape({2, 3}));
  EXPECT_FALSE(Shape({2, 3}) == Shape({3, 2}));
  EXPECT_FALSE(Shape({2, 3}) == Shape({2, 3, 1}));
  EXPECT_FALSE(Shape({1}) == Shape{});
}

TEST(Shape, AtCountsNegativeAxesFromTheEnd) {
  const Shape s{2, 3, 4};
  EXPECT_EQ(s.at(0), 2);
  EXPECT_EQ(s.at(-1), 4);
  EXPECT_EQ(s.at(-3), 2);
}

TEST(Shape, NormalizeAxisMapsNegativeAxesToNonNegative) {
  const Shape s{2, 3, 4};
  EXPECT_EQ(s.normalize_axis(-1, "op"), 2);
  EXPECT_EQ(s.normalize_axis(-3, "op"), 0);
  EXPECT_EQ(s.normalize_axis(0, "op"), 0);
  EXPECT_EQ(s.normalize_axis(2, "op"), 2);
}

TEST(Shape, NormalizeAxisTooLargeNamesOpAxisAndRank) {
  EXPECT_THROW_MSG(Shape({2, 3, 4}).normalize_axis(3, "my_op"), ShapeError,
                   "my_op: axis 3 is out of range for a tensor of rank 3");
}

TEST(Shape, NormalizeAxisTooNegativeNamesAxisAndRank) {
  EXPECT_THROW_MSG(Shape({2, 3, 4}).normalize_axis(-4, "my_op"), ShapeError,
                   "axis -4 is out of range for a tensor of rank 3");
}

TEST(Shape, ScalarHasNoAxisToNormalize) {
  EXPECT_THROW_MSG(Shape{}.normalize_axis(0, "sum"), ShapeError, "rank 0");
}

TEST(Shape, WithDimReplacesOneDim) {
  EXPECT_EQ(Shape({2, 3}).with_dim(-1, 5), Shape({2, 5}));
  EXPECT_EQ(Shape({2, 3}).with_dim(0, None), Shape({None, 3}));
}

TEST(Shape, PrependAddsALeadingDim) {
  EXPECT_EQ(Shape({28, 28, 1}).prepend(None), Shape({None, 28, 28, 1}));
  EXPECT_EQ(Shape{}.prepend(5), Shape({5}));
}

TEST(Shape, DropFrontRemovesTheLeadingDim) {
  EXPECT_EQ(Shape({None, 28, 28, 1}).drop_front(), Shape({28, 28, 1}));
  EXPECT_EQ(Shape({5}).drop_front(), Shape{});
}

TEST(Shape, DropFrontOfScalarThrows) {
  EXPECT_THROW_MSG(Shape{}.drop_front(), ShapeError,
                   "drop_front: shape () has no leading dimension");
}

TEST(Shape, RankSixIsAllowed) { EXPECT_EQ(Shape({1, 2, 3, 4, 5, 6}).numel(), 720); }

TEST(Shape, RankAboveSixThrowsNamingTheRank) {
  EXPECT_THROW_MSG(Shape({1, 1, 1, 1, 1, 1, 1}), ShapeError, "rank 7 exceeds the maximum rank 6");
}

TEST(Shape, PrependBeyondRankSixThrows) {
  EXPECT_THROW_MSG(Shape({1, 1, 1, 1, 1, 1}).prepend(2), ShapeError, "rank 7");
}

TEST(Shape, NegativeDimThrowsNamingTheAxisAndValue) {
  EXPECT_THROW_MSG(Shape({2, -3}), ShapeError, "dimension 1 is -3");
  EXPECT_THROW_MSG(Shape(std::vector<std::int64_t>{-2}), ShapeError, "dimension 0 is -2");
}

TEST(Shape, RowMajorStridesAreProductsOfTrailingDims) {
  EXPECT_EQ(row_major_strides(Shape({2, 3, 4})), (std::vector<std::int64_t>{12, 4, 1}));
  EXPECT_TRUE(row_major_strides(Shape{}).empty());
}

// --- broadcast_shapes: expected shapes from NumPy's np.broadcast_shapes ---------------------

TEST(BroadcastShapes, EqualShapesGiveTheSameShape) {
  EXPECT_EQ(broadcast_shapes(Shape({2, 3}), Shape({2, 3}), "add"), Shape({2, 3}));
}

TEST(BroadcastShapes, LowerRankIsAlignedToTheRight) {
  EXPECT_EQ(broadcast_shapes(Shape({2, 3}), Shape({3}), "add"), Shape({2, 3}));
  EXPECT_EQ(broadcast_shapes(Shape({3}), Shape({2, 3}), "add"), Shape({2, 3}));
  // np.broadcast_shapes((4, 1, 5), (3, 1)) == (4, 3, 5)
  EXPECT_EQ(broadcast_shapes(Shape({4, 1, 5}), Shape({3, 1}), "add"), Shape({4, 3, 5}));
}

TEST(BroadcastShapes, OnesStretchInBothOperands) {
  EXPECT_EQ(broadcast_shapes(Shape({3, 1}), Shape({1, 4}), "sub"), Shape({3, 4}));
  EXPECT_EQ(broadcast_shapes(Shape({1, 4}), Shape({3, 1}), "sub"), Shape({3, 4}));
}

TEST(BroadcastShapes, ScalarBroadcastsToAnything) {
  EXPECT_EQ(broadcast_shapes(Shape{}, Shape({2, 3}), "mul"), Shape({2, 3}));
  EXPECT_EQ(broadcast_shapes(Shape({2, 3}), Shape{}, "mul"), Shape({2, 3}));
}

TEST(BroadcastShapes, OneBroadcastsToZero) {
  // np.broadcast_shapes((0, 3), (1, 3)) == (0, 3)
  EXPECT_EQ(broadcast_shapes(Shape({0, 3}), Shape({1, 3}), "add"), Shape({0, 3}));
}

TEST(BroadcastShapes, IncompatibleShapesNameOpAndBothShapes) {
  EXPECT_THROW_MSG(broadcast_shapes(Shape({2, 3}), Shape({4}), "add"), ShapeError,
                   "add: shapes (2, 3) and (4,) cannot be broadcast together");
}

TEST(BroadcastShapes, IncompatibleShapesOfDifferentRankNameTheAxis) {
  // Aligned to the right, (5, 2, 3) and (4, 3) clash on axis 1: 2 vs 4.
  EXPECT_THROW_MSG(
      broadcast_shapes(Shape({5, 2, 3}), Shape({4, 3}), "mul"), ShapeError,
      "mul: shapes (5, 2, 3) and (4, 3) cannot be broadcast together (axis 1: 2 vs 4)");
}

}  // namespace
}  // namespace keel
