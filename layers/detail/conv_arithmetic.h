// Shape arithmetic of the convolution family, TensorFlow-backend semantics
// (KERAS1_SEMANTICS.md section 1), plus 'full' as k_eff - 1 zeros on both sides.
//
// Lengths may be Shape::kUnknown (None): the output is then unknown too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel::layers {

enum class BorderMode { valid, same, full };

std::string_view to_string(BorderMode m);
// ValueError "<who>border_mode 'sane' is not one of valid, same, full" (or the allowed subset).
BorderMode parse_border_mode(std::string_view value, const std::vector<BorderMode>& allowed,
                             const std::string& who);

// Dilated kernel extent: k + (k - 1)(d - 1).
std::int64_t effective_kernel(std::int64_t k, std::int64_t dilation);

// ceil(base / s) with base = L (same), L - k_eff + 1 (valid), L + k_eff - 1 (full).
std::int64_t conv_output_length(std::int64_t length, std::int64_t k, BorderMode mode,
                                std::int64_t stride, std::int64_t dilation = 1);

struct Padding {
  std::int64_t before = 0, after = 0;
};
// The zeros before and after the input: TF 'same' puts an odd extra one at the end.
Padding conv_padding(std::int64_t length, std::int64_t k, BorderMode mode, std::int64_t stride,
                     std::int64_t dilation = 1);

// Transposed convolution (TF conv2d_transpose), per axis: the output lengths O whose forward
// convolution gives back `length`: [(I-1)s + 1, I s] for same, [(I-1)s + k, (I-1)s + k + s - 1]
// for valid.
struct LengthRange {
  std::int64_t lo, hi;
};
LengthRange deconv_output_range(std::int64_t length, std::int64_t k, BorderMode mode,
                                std::int64_t stride);
// The output length keel picks when none is given: (I-1)s + k for valid, I s for same.
std::int64_t deconv_default_output(std::int64_t length, std::int64_t k, BorderMode mode,
                                   std::int64_t stride);
// oneDNN padding of a transposed convolution producing `output` from `length`.
Padding deconv_padding(std::int64_t length, std::int64_t output, std::int64_t k, BorderMode mode,
                       std::int64_t stride);

}  // namespace keel::layers
