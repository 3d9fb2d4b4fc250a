// Conversion between Tensor and its on-disk message (proto/tensor.proto).
//
// to_proto writes the plain row-major little-endian bytes in chunks of at most `chunk_bytes`;
// from_proto checks dtype, shape and byte count and throws IOError naming the tensor otherwise.
#pragma once

#include <cstddef>
#include <string>

#include "keel/core/tensor.h"
#include "keel/proto/tensor.pb.h"

namespace keel {

inline constexpr std::size_t kDefaultChunkBytes = 64u << 20;

proto::TensorProto to_proto(const Tensor& t, const std::string& name,
                            std::size_t chunk_bytes = kDefaultChunkBytes);
Tensor from_proto(const proto::TensorProto& p);

}  // namespace keel
