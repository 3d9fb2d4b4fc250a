#include <gtest/gtest.h>
#include <keel/core/context.h>
#include <keel/core/error.h>
#include <keel/core/random.h>
#include <keel/core/tensor.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "test_util.h"

namespace keel {
namespace {

using Words = std::array<std::uint32_t, 4>;

// Packs Random123's counter words {c0, c1, c2, c3} and key words {k0, k1} into
// philox4x32(key, counter_lo, counter_hi): c0 is the low half of counter_lo, k0 of key.
Words philox(Words c, std::array<std::uint32_t, 2> k) {
  const std::uint64_t lo = c[0] | (std::uint64_t{c[1]} << 32);
  const std::uint64_t hi = c[2] | (std::uint64_t{c[3]} << 32);
  const std::uint64_t key = k[0] | (std::uint64_t{k[1]} << 32);
  Words out{};
  philox4x32(key, lo, hi, out.data());
  return out;
}

// The float keel makes of 32 random bits (random.cpp): the top 24 bits over 2^24.
float to_unit(std::uint32_t x) { return static_cast<float>(x >> 8) * 0x1p-24f; }

class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(num_threads()) {}
  ~ThreadCountGuard() { set_num_threads(saved_); }

 private:
  int saved_;
};

// --- Philox4x32-10 known answers: Random123's kat_vectors file (philox4x32 10 ...) -----------

TEST(Philox4x32, KnownAnswerForZeroCounterAndKey) {
  EXPECT_EQ(philox({0, 0, 0, 0}, {0, 0}), (Words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
}

TEST(Philox4x32, KnownAnswerForAllOnesCounterAndKey) {
  EXPECT_EQ(philox({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (Words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
}

TEST(Philox4x32, KnownAnswerForPiDigits) {
  EXPECT_EQ(philox({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (Words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

// --- the generator ---------------------------------------------------------------------------

TEST(Philox, ElementIUsesBlockCounterPlusIOverFour) {
  Philox rng(7, 3);
  std::vector<std::uint32_t> got(8);
  rng.fill_u32(got);
  std::uint32_t b0[4], b1[4];
  philox4x32(7, 3, 0, b0);
  philox4x32(7, 4, 0, b1);
  EXPECT_EQ(got,
            (std::vector<std::uint32_t>{b0[0], b0[1], b0[2], b0[3], b1[0], b1[1], b1[2], b1[3]}));
}

TEST(Philox, FillAdvancesTheCounterByWholeBlocks) {
  Philox rng(1);
  std::vector<float> v(10);
  rng.fill_uniform(v, 0.f, 1.f);
  EXPECT_EQ(rng.state(), (RngState{1, 3}));  // ceil(10 / 4) blocks
  std::vector<float> w(4);
  rng.fill_normal(w, 0.f, 1.f);
  EXPECT_EQ(rng.state(), (RngState{1, 4}));
}

TEST(Philox, UniformMapsTheTop24BitsOntoTheRange) {
  Philox rng(99, 5);
  std::vector<float> v(4);
  rng.fill_uniform(v, -1.f, 3.f);
  std::uint32_t r[4];
  philox4x32(99, 5, 0, r);
  for (int j = 0; j < 4; ++j) EXPECT_EQ(v[j], -1.f + 4.f * to_unit(r[j])) << "element " << j;
}

TEST(Philox, SameSeedGivesTheSameNumbers) {
  Philox a(42), b(42);
  std::vector<float> va(100), vb(100);
  a.fill_uniform(va, 0.f, 1.f);
  b.fill_uniform(vb, 0.f, 1.f);
  EXPECT_EQ(va, vb);
}

TEST(Philox, DifferentSeedsGiveDifferentNumbers) {
  Philox a(42), b(43);
  std::vector<float> va(100), vb(100);
  a.fill_uniform(va, 0.f, 1.f);
  b.fill_uniform(vb, 0.f, 1.f);
  EXPECT_NE(va, vb);
}

TEST(Philox, ConsecutiveFillsContinueTheStream) {
  // Two fills of 8 give the same numbers as one fill of 16 (8 is a whole number of blocks).
  Philox a(5), b(5);
  std::vector<float> first(8), second(8), whole(16);
  a.fill_uniform(first, 0.f, 1.f);
  a.fill_uniform(second, 0.f, 1.f);
  b.fill_uniform(whole, 0.f, 1.f);
  first.insert(first.end(), second.begin(), second.end());
  EXPECT_EQ(first, whole);
}

TEST(Philox, UniformWithHiBelowLoThrows) {
  Philox rng(1);
  std::vector<float> v(4);
  EXPECT_THROW_MSG(rng.fill_uniform(v, 1.f, 0.f), ValueError, "fill_uniform: hi is 0 and lo 1");
}

// --- the global generator ----------------------------------------------------------------------

TEST(GlobalRng, SetSeedResetsTheStream) {
  set_seed(5);
  const auto a = Tensor::random_uniform(Shape({20})).to_vector();
  Tensor::random_uniform(Shape({20}));
  set_seed(5);
  EXPECT_EQ(rng_state(), (RngState{5, 0}));
  const auto b = Tensor::random_uniform(Shape({20})).to_vector();
  EXPECT_EQ(a, b);
}

TEST(GlobalRng, SavedStateReproducesTheContinuationExactly) {
  set_seed(9);
  Tensor::random_normal(Shape({13}));  // move away from the start
  const RngState saved = rng_state();
  const auto a = Tensor::random_normal(Shape({50})).to_vector();
  std::vector<std::uint64_t> ia;
  for (int i = 0; i < 5; ++i) ia.push_back(global_rng().uniform_int(1000));
  Tensor::random_uniform(Shape({7}));  // draw more, then go back
  set_rng_state(saved);
  EXPECT_EQ(rng_state(), saved);
  EXPECT_EQ(Tensor::random_normal(Shape({50})).to_vector(), a);
  std::vector<std::uint64_t> ib;
  for (int i = 0; i < 5; ++i) ib.push_back(global_rng().uniform_int(1000));
  EXPECT_EQ(ia, ib);
}

// --- thread independence ---------------------------------------------------------------------

// 100003 elements = 25001 blocks, above the 4096 blocks from which fills run in parallel.
constexpr std::size_t kLarge = 100003;

TEST(Philox, FillsAreTheSameForOneAndTwoThreads) {
  ThreadCountGuard guard;
  std::vector<float> u1(kLarge), u2(kLarge), n1(kLarge), n2(kLarge);
  std::vector<std::uint32_t> w1(kLarge), w2(kLarge);
  set_num_threads(1);
  Philox a(11, 100);
  a.fill_uniform(u1, -1.f, 1.f);
  a.fill_normal(n1, 0.f, 1.f);
  a.fill_u32(w1);
  set_num_threads(2);
  Philox b(11, 100);
  b.fill_uniform(u2, -1.f, 1.f);
  b.fill_normal(n2, 0.f, 1.f);
  b.fill_u32(w2);
  EXPECT_EQ(u1, u2);
  EXPECT_EQ(n1, n2);
  EXPECT_EQ(w1, w2);
  EXPECT_EQ(a.state(), b.state());
}

TEST(Philox, ParallelFillFollowsTheBlockRuleThroughout) {
  ThreadCountGuard guard;
  set_num_threads(2);
  Philox rng(11, 100);
  std::vector<std::uint32_t> w(kLarge);
  rng.fill_u32(w);
  // Elements at the start, across the middle (where the second thread begins) and the end.
  for (std::size_t i :
       {std::size_t{0}, std::size_t{5}, kLarge / 2 - 1, kLarge / 2, kLarge / 2 + 3, kLarge - 1}) {
    std::uint32_t r[4];
    philox4x32(11, 100 + i / 4, 0, r);
    EXPECT_EQ(w[i], r[i % 4]) << "element " << i;
  }
  EXPECT_EQ(rng.state().counter, 100u + (kLarge + 3) / 4);
}

// --- distributions: 1e6 draws, bounds of 5 standard errors ------------------------------------

struct Moments {
  double mean = 0, var = 0;
};

Moments moments(const std::vector<float>& v) {
  Moments m;
  for (float x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (float x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(v.size() - 1);
  return m;
}

constexpr std::size_t kDraws = 1000000;

TEST(Philox, UniformHasTheMeanAndVarianceOfU01) {
  Philox rng(2024);
  std::vector<float> v(kDraws);
  rng.fill_uniform(v, 0.f, 1.f);
  for (float x : v) {
    ASSERT_GE(x, 0.f);
    ASSERT_LT(x, 1.f);
  }
  const Moments m = moments(v);
  // U(0, 1): mean 1/2, variance 1/12. SE(mean) = sqrt(1/12 / n); SE(var) = sqrt((mu4 - s^4) / n)
  // with mu4 = 1/80, so mu4 - s^4 = 1/80 - 1/144 = 1/180.
  const double n = kDraws;
  EXPECT_NEAR(m.mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(m.var, 1.0 / 12, 5 * std::sqrt(1.0 / 180 / n));
}

TEST(Philox, NormalHasTheRequestedMeanAndVariance) {
  Philox rng(2025);
  std::vector<float> v(kDraws);
  rng.fill_normal(v, 2.f, 3.f);
  const Moments m = moments(v);
  // N(2, 9): SE(mean) = 3 / sqrt(n); SE(var) = sqrt(2 s^4 / n) = sqrt(162 / n).
  const double n = kDraws;
  EXPECT_NEAR(m.mean, 2.0, 5 * 3 / std::sqrt(n));
  EXPECT_NEAR(m.var, 9.0, 5 * std::sqrt(162 / n));
}

double correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

TEST(Philox, NormalBoxMullerPairsAreIndependent) {
  // Elements 2k and 2k + 1 come from the same two uniforms (cos and sin branches); for
  // independent normals both they and their squares are uncorrelated. SE of a correlation
  // of m independent pairs is about 1 / sqrt(m).
  Philox rng(8);
  std::vector<float> v(kDraws);
  rng.fill_normal(v, 0.f, 1.f);
  std::vector<double> a, b, a2, b2;
  for (std::size_t i = 0; i + 1 < v.size(); i += 2) {
    a.push_back(v[i]);
    b.push_back(v[i + 1]);
    a2.push_back(double{v[i]} * v[i]);
    b2.push_back(double{v[i + 1]} * v[i + 1]);
  }
  const double bound = 5 / std::sqrt(static_cast<double>(a.size()));
  EXPECT_NEAR(correlation(a, b), 0.0, bound);
  EXPECT_NEAR(correlation(a2, b2), 0.0, bound);
}

TEST(Philox, NormalTailsMatchTheGaussian) {
  // P(|z| > 2) = 0.0455 for a standard normal; SE of the fraction = sqrt(p (1 - p) / n).
  Philox rng(7);
  std::vector<float> v(kDraws);
  rng.fill_normal(v, 0.f, 1.f);
  std::size_t beyond = 0;
  for (float x : v) beyond += std::abs(x) > 2.f;
  const double p = 0.0455003, frac = static_cast<double>(beyond) / kDraws;
  EXPECT_NEAR(frac, p, 5 * std::sqrt(p * (1 - p) / kDraws));
}

TEST(Philox, UniformIntStaysInRangeAndIsRoughlyUniform) {
  Philox rng(3);
  constexpr int kBins = 10, kN = 100000;
  std::array<int, kBins> counts{};
  for (int i = 0; i < kN; ++i) {
    const std::uint64_t v = rng.uniform_int(kBins);
    ASSERT_LT(v, static_cast<std::uint64_t>(kBins));
    ++counts[v];
  }
  // Each count is Binomial(1e5, 0.1): mean 1e4, SD sqrt(1e5 * 0.1 * 0.9) = 94.9.
  for (int b = 0; b < kBins; ++b) EXPECT_NEAR(counts[b], 10000, 5 * 94.9) << "bin " << b;
}

TEST(Philox, UniformIntUsesAll64Bits) {
  Philox rng(4);
  const std::uint64_t n = std::uint64_t{1} << 40;
  std::uint64_t max = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t v = rng.uniform_int(n);
    ASSERT_LT(v, n);
    max = std::max(max, v);
  }
  // 1000 draws all below 2^32 would have probability 2^-8000.
  EXPECT_GT(max, std::uint64_t{1} << 32);
}

TEST(Philox, UniformIntOfOneIsZero) {
  Philox rng(4);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rng.uniform_int(1), 0u);
}

TEST(Philox, UniformIntOfZeroThrowsNamingN) {
  Philox rng(4);
  EXPECT_THROW_MSG(rng.uniform_int(0), ValueError, "uniform_int: n is 0");
}

}  // namespace
}  // namespace keel

namespace keel {
namespace {

// The Bernoulli fill has a vector path of its own (sixteen blocks at a time on AVX-512): it must
// draw exactly what the generic path draws, from any counter (the high word carrying too),
// for lengths with a partial chunk and a partial block.
TEST(Philox, FillBernoulliIsUniformThresholdedInOnePass) {
  for (const std::uint64_t counter :
       {std::uint64_t{0}, std::uint64_t{5}, std::uint64_t{(1ull << 32) - 100}}) {
    for (const std::size_t n : {std::size_t{100003}, std::size_t{64}, std::size_t{7}}) {
      std::vector<float> u(n), b(n);
      Philox a(9, counter), c(9, counter);
      a.fill_uniform(u, 0.f, 1.f);
      c.fill_bernoulli(b, 0.25f, 4.f / 3.f);
      for (std::size_t i = 0; i < u.size(); ++i)
        ASSERT_EQ(b[i], u[i] >= 0.25f ? 4.f / 3.f : 0.f) << i << " of " << n << " from " << counter;
      EXPECT_EQ(a.state(), c.state());
    }
  }
}

}  // namespace
}  // namespace keel
