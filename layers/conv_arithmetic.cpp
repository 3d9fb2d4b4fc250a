#include "keel/layers/detail/conv_arithmetic.h"

#include <algorithm>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/shape.h"

namespace keel::layers {

std::string_view to_string(BorderMode m) {
  switch (m) {
    case BorderMode::valid:
      return "valid";
    case BorderMode::same:
      return "same";
    case BorderMode::full:
      return "full";
  }
  return "?";
}

BorderMode parse_border_mode(std::string_view value, const std::vector<BorderMode>& allowed,
                             const std::string& who) {
  std::string known;
  for (BorderMode m : allowed) {
    if (to_string(m) == value) return m;
    known += (known.empty() ? "" : ", ") + std::string(to_string(m));
  }
  throw ValueError(fmt::str(who, "border_mode '", std::string(value), "' is not one of ", known));
}

std::int64_t effective_kernel(std::int64_t k, std::int64_t dilation) {
  return k + (k - 1) * (dilation - 1);
}

std::int64_t conv_output_length(std::int64_t length, std::int64_t k, BorderMode mode,
                                std::int64_t stride, std::int64_t dilation) {
  if (length == Shape::kUnknown) return Shape::kUnknown;
  const std::int64_t k_eff = effective_kernel(k, dilation);
  std::int64_t base = length;
  if (mode == BorderMode::valid) base = length - k_eff + 1;
  if (mode == BorderMode::full) base = length + k_eff - 1;
  return base <= 0 ? 0 : (base + stride - 1) / stride;
}

Padding conv_padding(std::int64_t length, std::int64_t k, BorderMode mode, std::int64_t stride,
                     std::int64_t dilation) {
  const std::int64_t k_eff = effective_kernel(k, dilation);
  switch (mode) {
    case BorderMode::valid:
      return {0, 0};
    case BorderMode::full:
      return {k_eff - 1, k_eff - 1};
    case BorderMode::same: {
      const std::int64_t out = (length + stride - 1) / stride;
      const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + k_eff - length, 0);
      return {total / 2, total - total / 2};
    }
  }
  return {};
}

LengthRange deconv_output_range(std::int64_t length, std::int64_t k, BorderMode mode,
                                std::int64_t stride) {
  if (mode == BorderMode::same) return {(length - 1) * stride + 1, length * stride};
  const std::int64_t full = (length - 1) * stride + k;
  return {full, full + stride - 1};
}

std::int64_t deconv_default_output(std::int64_t length, std::int64_t k, BorderMode mode,
                                   std::int64_t stride) {
  if (length == Shape::kUnknown) return Shape::kUnknown;
  return mode == BorderMode::same ? length * stride : (length - 1) * stride + k;
}

Padding deconv_padding(std::int64_t length, std::int64_t output, std::int64_t k, BorderMode mode,
                       std::int64_t stride) {
  if (mode != BorderMode::same) return {0, 0};  // trailing positions past (I-1)s+k get bias only
  const std::int64_t full = (length - 1) * stride + k;
  const std::int64_t total = std::max<std::int64_t>(full - output, 0);
  return {total / 2, total - total / 2};
}

}  // namespace keel::layers
