// Every differentiable op's backward against central differences (autograd/gradcheck.h).
#include <gtest/gtest.h>
#include <keel/keel.h>

#include "test_util.h"

namespace keel {
namespace {

using Vars = std::vector<Variable>;

// Values in +-[0.2, 1.5]: away from the kinks of relu, abs, clip and from log's pole.
Tensor away_from_zero(const Shape& s, std::uint64_t seed) {
  Philox rng(seed);
  std::vector<float> v(static_cast<std::size_t>(s.numel()));
  rng.fill_uniform(v, 0.2f, 1.5f);
  std::vector<float> sign(v.size());
  rng.fill_uniform(sign, -1.f, 1.f);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] *= sign[i] < 0 ? -1.f : 1.f;
  return Tensor::from_data(s, v);
}

Tensor positive(const Shape& s, std::uint64_t seed) {
  Philox rng(seed);
  std::vector<float> v(static_cast<std::size_t>(s.numel()));
  rng.fill_uniform(v, 0.5f, 2.f);
  return Tensor::from_data(s, v);
}

#define EXPECT_GRADCHECK(f, ...)                \
  do {                                          \
    const auto r = gradcheck(f, {__VA_ARGS__}); \
    EXPECT_TRUE(r.ok) << r.message;             \
  } while (0)

TEST(Gradcheck, AddWithBroadcasting) {
  EXPECT_GRADCHECK([](const Vars& x) { return add(x[0], x[1]); }, away_from_zero({2, 3}, 1),
                   away_from_zero({3}, 2));
  EXPECT_GRADCHECK([](const Vars& x) { return add(x[0], x[1]); }, away_from_zero({2, 1}, 3),
                   away_from_zero({1, 4}, 4));
}

TEST(Gradcheck, SubWithFirstOperandBroadcast) {
  EXPECT_GRADCHECK([](const Vars& x) { return sub(x[0], x[1]); }, away_from_zero({3, 1}, 5),
                   away_from_zero({2, 3, 4}, 6));
}

TEST(Gradcheck, MulWithBroadcasting) {
  EXPECT_GRADCHECK([](const Vars& x) { return mul(x[0], x[1]); }, away_from_zero({2, 3}, 7),
                   away_from_zero({2, 1}, 8));
}

TEST(Gradcheck, DivWithBroadcasting) {
  EXPECT_GRADCHECK([](const Vars& x) { return div(x[0], x[1]); }, away_from_zero({2, 3}, 9),
                   positive({3}, 10));
  EXPECT_GRADCHECK([](const Vars& x) { return div(x[0], x[1]); }, positive({1}, 11),
                   positive({2, 2}, 12));
}

TEST(Gradcheck, MaximumMinimum) {
  EXPECT_GRADCHECK([](const Vars& x) { return maximum(x[0], x[1]); }, away_from_zero({2, 3}, 13),
                   away_from_zero({3}, 14));
  EXPECT_GRADCHECK([](const Vars& x) { return minimum(x[0], x[1]); }, away_from_zero({4}, 15),
                   away_from_zero({4}, 16));
}

TEST(Gradcheck, ScalarVariants) {
  EXPECT_GRADCHECK([](const Vars& x) { return x[0] * 3.f + 2.f; }, away_from_zero({5}, 17));
  EXPECT_GRADCHECK([](const Vars& x) { return 2.f - x[0] / 4.f; }, away_from_zero({5}, 18));
  EXPECT_GRADCHECK([](const Vars& x) { return 3.f / x[0]; }, positive({5}, 19));
  EXPECT_GRADCHECK([](const Vars& x) { return -x[0]; }, away_from_zero({5}, 20));
}

TEST(Gradcheck, ElementwiseMath) {
  EXPECT_GRADCHECK([](const Vars& x) { return exp(x[0]); }, away_from_zero({6}, 21));
  EXPECT_GRADCHECK([](const Vars& x) { return log(x[0]); }, positive({6}, 22));
  EXPECT_GRADCHECK([](const Vars& x) { return sqrt(x[0]); }, positive({6}, 23));
  EXPECT_GRADCHECK([](const Vars& x) { return square(x[0]); }, away_from_zero({6}, 24));
  EXPECT_GRADCHECK([](const Vars& x) { return abs(x[0]); }, away_from_zero({6}, 25));
  EXPECT_GRADCHECK([](const Vars& x) { return pow(x[0], 2.5f); }, positive({6}, 26));
  EXPECT_GRADCHECK([](const Vars& x) { return clip(x[0], -0.9f, 0.9f); },
                   Tensor::from_data(Shape{4}, {-1.4f, -0.5f, 0.6f, 1.3f}));
}

TEST(Gradcheck, Activations) {
  for (const char* name : {"linear", "relu", "tanh", "sigmoid", "hard_sigmoid", "softplus",
                           "softsign", "elu", "softmax"}) {
    SCOPED_TRACE(name);
    EXPECT_GRADCHECK([name](const Vars& x) { return activation(name, x[0]); },
                     away_from_zero({3, 4}, 27));
  }
}

TEST(Gradcheck, Matmul) {
  EXPECT_GRADCHECK([](const Vars& x) { return matmul(x[0], x[1]); }, away_from_zero({3, 4}, 28),
                   away_from_zero({4, 2}, 29));
  EXPECT_GRADCHECK([](const Vars& x) { return matmul(x[0], x[1]); }, away_from_zero({2, 3, 4}, 30),
                   away_from_zero({2, 4, 2}, 31));
}

TEST(Gradcheck, Reductions) {
  EXPECT_GRADCHECK([](const Vars& x) { return sum(x[0]); }, away_from_zero({2, 3}, 32));
  EXPECT_GRADCHECK([](const Vars& x) { return sum(x[0], {0}, true); }, away_from_zero({2, 3}, 33));
  EXPECT_GRADCHECK([](const Vars& x) { return mean(x[0], {-1}); }, away_from_zero({2, 3, 2}, 34));
  EXPECT_GRADCHECK([](const Vars& x) { return max(x[0], {1}); }, away_from_zero({3, 4}, 35));
  EXPECT_GRADCHECK(
      [](const Vars& x) {
        return max(x[0], {0, 2}, true);
      },
      away_from_zero({2, 3, 2}, 36));
}

TEST(Gradcheck, ShapeOps) {
  EXPECT_GRADCHECK(
      [](const Vars& x) {
        return reshape(x[0], {3, -1});
      },
      away_from_zero({2, 3}, 37));
  EXPECT_GRADCHECK(
      [](const Vars& x) {
        return permute(x[0], {2, 0, 1});
      },
      away_from_zero({2, 3, 4}, 38));
  EXPECT_GRADCHECK([](const Vars& x) { return transpose(x[0]); }, away_from_zero({2, 3}, 39));
  EXPECT_GRADCHECK(
      [](const Vars& x) {
        return concatenate({x[0], x[1]}, 0);
      },
      away_from_zero({1, 3}, 40), away_from_zero({2, 3}, 41));
  EXPECT_GRADCHECK(
      [](const Vars& x) {
        return slice(x[0], {1, 0}, {2, 2});
      },
      away_from_zero({3, 3}, 42));
}

TEST(Gradcheck, CompositeExpressionWithReuse) {
  // y = sum(softmax(x w) * x w) + mean(tanh(x)): x reaches the loss along three paths.
  EXPECT_GRADCHECK(
      [](const Vars& x) {
        const Variable h = matmul(x[0], x[1]);
        return sum(softmax(h) * h) + mean(tanh(x[0]));
      },
      away_from_zero({2, 3}, 43), away_from_zero({3, 3}, 44));
}

TEST(Gradcheck, DetectsAWrongGradient) {
  // A deliberately wrong backward must be caught: y = 2x recorded with gradient 3.
  const auto r = gradcheck(
      [](const Vars& x) {
        Tensor y = (x[0] * 2.f).value();
        return record("wrong", y, {x[0]}, [](const Tensor& g, const std::vector<bool>&) {
          return std::vector<Tensor>{(Variable(g) * 3.f).value()};
        });
      },
      {away_from_zero({3}, 45)});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("analytic"), std::string::npos);
}

}  // namespace
}  // namespace keel
