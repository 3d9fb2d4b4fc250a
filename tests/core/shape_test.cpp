#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/core/shape.h>

namespace keel {
namespace {

TEST(Shape, PrintsUnknownBatchAsNoneLikeKeras) {
  EXPECT_EQ(Shape({Shape::kUnknown, 10, 64}).str(), "(None, 10, 64)");
  EXPECT_EQ(Shape({3}).str(), "(3,)");
  EXPECT_EQ(Shape{}.str(), "()");
}

}  // namespace
}  // namespace keel
