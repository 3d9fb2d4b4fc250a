// Element types a Tensor can hold. keel computes in f32 today; the enum and the helpers leave
// room for bf16 (oneDNN supports it on this hardware) without touching call sites.
#pragma once

#include <cstddef>
#include <string_view>

namespace keel {

enum class DType { f32 };

constexpr std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32:
      return 4;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::f32:
      return "float32";
  }
  return "?";
}

}  // namespace keel
