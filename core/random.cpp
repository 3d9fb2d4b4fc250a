#include "keel/core/random.h"

#include <immintrin.h>

#include <cmath>
#include <numbers>
#include <string>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {
namespace {

constexpr std::uint32_t kMul0 = 0xD2511F53, kMul1 = 0xCD9E8D57;
constexpr std::uint32_t kWeyl0 = 0x9E3779B9, kWeyl1 = 0xBB67AE85;

// Maps 32 random bits to a float in [0, 1) with 24 bits of precision.
inline float to_unit(std::uint32_t x) { return static_cast<float>(x >> 8) * 0x1p-24f; }

}  // namespace

namespace {

// One Philox4x32-10 block, inlined into the fills so that their loops over blocks vectorise
// (AVX-512 multiplies eight 32x32->64 lanes at once).
inline void philox_block(std::uint32_t k0, std::uint32_t k1, std::uint64_t counter_lo,
                         std::uint64_t counter_hi, std::uint32_t out[4]) {
  std::uint32_t c0 = static_cast<std::uint32_t>(counter_lo),
                c1 = static_cast<std::uint32_t>(counter_lo >> 32);
  std::uint32_t c2 = static_cast<std::uint32_t>(counter_hi),
                c3 = static_cast<std::uint32_t>(counter_hi >> 32);
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(kMul0) * c0;
    const std::uint64_t p1 = static_cast<std::uint64_t>(kMul1) * c2;
    const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<std::uint32_t>(p1);
    c3 = static_cast<std::uint32_t>(p0);
    c0 = n0;
    c2 = n2;
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

// Element i of a fill is word i % 4 of block `base + i / 4`; `store(i, word)` writes it.
// The full blocks run vectorised and in parallel; the last partial block separately.
template <typename Store>
void fill_words(RngState& state, std::int64_t n, Store store) {
  const std::uint32_t k0 = static_cast<std::uint32_t>(state.seed);
  const std::uint32_t k1 = static_cast<std::uint32_t>(state.seed >> 32);
  const std::uint64_t base = state.counter;
  const std::int64_t full = n / 4;
#pragma omp parallel for simd schedule(static) if (full > 4096)
  for (std::int64_t b = 0; b < full; ++b) {
    std::uint32_t r[4];
    philox_block(k0, k1, base + static_cast<std::uint64_t>(b), 0, r);
    for (int j = 0; j < 4; ++j) store(b * 4 + j, r[j]);
  }
  if (n % 4) {
    std::uint32_t r[4];
    philox_block(k0, k1, base + static_cast<std::uint64_t>(full), 0, r);
    for (std::int64_t i = full * 4; i < n; ++i) store(i, r[i - full * 4]);
  }
  state.counter += static_cast<std::uint64_t>((n + 3) / 4);
}

}  // namespace

void philox4x32(std::uint64_t key, std::uint64_t counter_lo, std::uint64_t counter_hi,
                std::uint32_t out[4]) {
  philox_block(static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32), counter_lo,
               counter_hi, out);
}

void Philox::fill_u32(std::span<std::uint32_t> out) {
  std::uint32_t* o = out.data();
  fill_words(state_, static_cast<std::int64_t>(out.size()),
             [o](std::int64_t i, std::uint32_t w) { o[i] = w; });
}

void Philox::fill_uniform(std::span<float> out, float lo, float hi) {
  if (!(hi >= lo))
    throw ValueError(fmt::str("fill_uniform: hi is ", hi, " and lo ", lo, ", expected hi >= lo"));
  float* o = out.data();
  const float scale = hi - lo;
  fill_words(state_, static_cast<std::int64_t>(out.size()),
             [o, lo, scale](std::int64_t i, std::uint32_t w) { o[i] = lo + scale * to_unit(w); });
}

namespace {

// The Bernoulli value of 32 random bits, as to_unit(w) >= p would give it.
inline float keep(std::uint32_t w, float p, float value) { return to_unit(w) >= p ? value : 0.f; }

// The full blocks of a Bernoulli fill (dropout masks: the hot fill). keel is built for
// baseline x86-64, where GCC does not vectorise Philox's 32x32->64 multiplies; on AVX-512
// processors sixteen blocks run at once in intrinsics (chosen at run time), bit-identical to
// philox_block. Flagship dropout mask (1.2M elements, 2 threads): 3.3 -> see the commit.
constexpr std::int64_t kLanes = 16;

// GCC 12's AVX-512 intrinsics start their results from _mm512_undefined_epi32(), which its own
// -Wuninitialized then reports (a known false positive of the compiler's headers).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"

// The low and high halves of the 32x32->64 products of every 32-bit lane of a and m.
__attribute__((target("avx512f"), always_inline)) inline void mul_lanes(__m512i a, __m512i m,
                                                                        __m512i* low,
                                                                        __m512i* high) {
  constexpr __mmask16 odd = 0xAAAA;
  const __m512i even = _mm512_mul_epu32(a, m);  // lanes 0, 2, ... as 64-bit products
  const __m512i odds = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  *low = _mm512_mask_blend_epi32(odd, even, _mm512_slli_epi64(odds, 32));
  *high = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(even, 32), odds);
}

__attribute__((target("avx512f"))) void bernoulli_chunk_avx512(std::uint32_t k0, std::uint32_t k1,
                                                               std::uint64_t first, float* o,
                                                               float p, float value) {
  alignas(64) std::uint32_t lo[kLanes], hi[kLanes];
  for (std::int64_t l = 0; l < kLanes; ++l) {
    const std::uint64_t counter = first + static_cast<std::uint64_t>(l);
    lo[l] = static_cast<std::uint32_t>(counter);
    hi[l] = static_cast<std::uint32_t>(counter >> 32);
  }
  __m512i c0 = _mm512_load_si512(lo), c1 = _mm512_load_si512(hi);
  __m512i c2 = _mm512_setzero_si512(), c3 = _mm512_setzero_si512();
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kMul0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(kMul1));
  for (int round = 0; round < 10; ++round) {
    __m512i lo0, hi0, lo1, hi1;
    mul_lanes(c0, m0, &lo0, &hi0);
    mul_lanes(c2, m1, &lo1, &hi1);
    const __m512i n0 =
        _mm512_xor_si512(_mm512_xor_si512(hi1, c1), _mm512_set1_epi32(static_cast<int>(k0)));
    const __m512i n2 =
        _mm512_xor_si512(_mm512_xor_si512(hi0, c3), _mm512_set1_epi32(static_cast<int>(k1)));
    c1 = lo1;
    c3 = lo0;
    c0 = n0;
    c2 = n2;
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  alignas(64) float words[4][kLanes];
  const __m512 scale = _mm512_set1_ps(0x1p-24f), threshold = _mm512_set1_ps(p);
  const __m512 kept = _mm512_set1_ps(value);
  const __m512i c[4] = {c0, c1, c2, c3};
  for (int j = 0; j < 4; ++j) {
    const __m512 u = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(c[j], 8)), scale);
    _mm512_store_ps(words[j],
                    _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(u, threshold, _CMP_GE_OQ), kept));
  }
  for (std::int64_t l = 0; l < kLanes; ++l)
    for (int j = 0; j < 4; ++j) o[l * 4 + j] = words[j][l];
}

#pragma GCC diagnostic pop

void bernoulli_blocks(std::uint32_t k0, std::uint32_t k1, std::uint64_t base, std::int64_t full,
                      float* o, float p, float value) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  const std::int64_t chunks = avx512 ? full / kLanes : 0;
#pragma omp parallel for schedule(static) if (chunks > 256)
  for (std::int64_t c = 0; c < chunks; ++c)
    bernoulli_chunk_avx512(k0, k1, base + static_cast<std::uint64_t>(c * kLanes),
                           o + c * kLanes * 4, p, value);
  const std::int64_t rest = chunks * kLanes;
#pragma omp parallel for schedule(static) if (full - rest > 4096)
  for (std::int64_t b = rest; b < full; ++b) {
    std::uint32_t r[4];
    philox_block(k0, k1, base + static_cast<std::uint64_t>(b), 0, r);
    for (int j = 0; j < 4; ++j) o[b * 4 + j] = keep(r[j], p, value);
  }
}

}  // namespace

void Philox::fill_bernoulli(std::span<float> out, float p, float value) {
  if (!(p >= 0.f && p <= 1.f))
    throw ValueError(fmt::str("fill_bernoulli: p is ", p, ", expected 0 <= p <= 1"));
  float* o = out.data();
  const std::int64_t n = static_cast<std::int64_t>(out.size());
  const std::uint32_t k0 = static_cast<std::uint32_t>(state_.seed);
  const std::uint32_t k1 = static_cast<std::uint32_t>(state_.seed >> 32);
  bernoulli_blocks(k0, k1, state_.counter, n / 4, o, p, value);
  if (n % 4) {  // the last partial block
    std::uint32_t r[4];
    philox_block(k0, k1, state_.counter + static_cast<std::uint64_t>(n / 4), 0, r);
    for (std::int64_t i = n / 4 * 4; i < n; ++i)
      o[i] = to_unit(r[i - n / 4 * 4]) >= p ? value : 0.f;
  }
  state_.counter += static_cast<std::uint64_t>((n + 3) / 4);
}

void Philox::fill_normal(std::span<float> out, float mean, float stddev) {
  const std::int64_t n = static_cast<std::int64_t>(out.size());
  const std::int64_t blocks = (n + 3) / 4;
  const std::uint64_t base = state_.counter;
#pragma omp parallel for schedule(static) if (blocks > 4096)
  for (std::int64_t b = 0; b < blocks; ++b) {
    std::uint32_t r[4];
    philox4x32(state_.seed, base + static_cast<std::uint64_t>(b), 0, r);
    for (int pair = 0; pair < 2; ++pair) {
      // u1 in (0, 1] so that log(u1) is finite.
      const double u1 = (static_cast<double>(r[2 * pair] >> 8) + 1.0) * 0x1p-24;
      const double u2 = static_cast<double>(r[2 * pair + 1] >> 8) * 0x1p-24;
      const double radius = std::sqrt(-2.0 * std::log(u1));
      const double angle = 2.0 * std::numbers::pi * u2;
      const double z[2] = {radius * std::cos(angle), radius * std::sin(angle)};
      for (int j = 0; j < 2; ++j) {
        const std::int64_t i = b * 4 + pair * 2 + j;
        if (i < n) out[static_cast<std::size_t>(i)] = static_cast<float>(mean + stddev * z[j]);
      }
    }
  }
  state_.counter += static_cast<std::uint64_t>(blocks);
}

std::uint64_t Philox::uniform_int(std::uint64_t n) {
  if (n == 0) throw ValueError("uniform_int: n is 0, expected n > 0");
  // Rejection sampling on 64-bit draws keeps the result unbiased.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    std::uint32_t r[4];
    philox4x32(state_.seed, state_.counter++, 0, r);
    const std::uint64_t v = (static_cast<std::uint64_t>(r[0]) << 32) | r[1];
    if (v < limit) return v % n;
  }
}

Philox& global_rng() {
  static Philox rng(kDefaultSeed);
  return rng;
}

void set_seed(std::uint64_t seed) { global_rng().set_state({seed, 0}); }
RngState rng_state() { return global_rng().state(); }
void set_rng_state(RngState state) { global_rng().set_state(state); }

}  // namespace keel
