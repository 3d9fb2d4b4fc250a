// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011).
//
// A generator's whole state is two integers: the seed (the Philox key) and a counter of the
// 128-bit blocks already drawn. Element i of a fill uses block `counter + i / 4`, so a fill
// gives the same numbers for any thread count and is parallel without coordination, and the
// state can be saved in a checkpoint and restored exactly.
//
// The process-wide generator starts from a fixed seed (runs are reproducible by default);
// keel::set_seed(s) resets it. Initializers, dropout and shuffling draw from it.
#pragma once

#include <cstdint>
#include <span>

namespace keel {

struct RngState {
  std::uint64_t seed = 0;
  std::uint64_t counter = 0;
  friend bool operator==(const RngState&, const RngState&) = default;
};

class Philox {
 public:
  explicit Philox(std::uint64_t seed = 0, std::uint64_t counter = 0) : state_{seed, counter} {}

  RngState state() const { return state_; }
  void set_state(RngState s) { state_ = s; }

  // Uniform floats in [lo, hi).
  void fill_uniform(std::span<float> out, float lo, float hi);
  // `value` with probability 1 - p, else 0, in one pass (Dropout's inverted-scaling mask): the
  // same draws as fill_uniform(out, 0, 1) followed by `u >= p ? value : 0`.
  void fill_bernoulli(std::span<float> out, float p, float value);
  // Normal floats (Box-Muller).
  void fill_normal(std::span<float> out, float mean, float stddev);
  // Uniform 32-bit words.
  void fill_u32(std::span<std::uint32_t> out);
  // One uniform integer in [0, n) (n > 0), e.g. for shuffling.
  std::uint64_t uniform_int(std::uint64_t n);

 private:
  RngState state_;
};

// The 128-bit Philox4x32-10 block for (key, counter): exposed for tests against known answers.
void philox4x32(std::uint64_t key, std::uint64_t counter_lo, std::uint64_t counter_hi,
                std::uint32_t out[4]);

inline constexpr std::uint64_t kDefaultSeed = 20240611;

Philox& global_rng();
void set_seed(std::uint64_t seed);
RngState rng_state();
void set_rng_state(RngState state);

}  // namespace keel
