// Encoding and decoding of checkpoint files (proto/checkpoint.proto inside the records of
// proto/detail/record_file.h). Knows tensors and headers, nothing of models: models/ decides what
// to store.
//
// decode() verifies the container (magic, version, checksums), upgrades older format versions
// through explicit per-version functions, parses the header, reassembles every tensor from its
// chunks and checks its byte count, shape and CRC32C. IOError naming the file and the problem
// otherwise — a damaged file never yields a tensor.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "keel/core/tensor.h"
#include "keel/proto/checkpoint.pb.h"

namespace keel {

// The format version this keel writes.
inline constexpr std::uint32_t kCheckpointFormatVersion = 1;
inline constexpr std::size_t kDefaultCheckpointChunkBytes = 16u << 20;

struct NamedTensor {
  std::string group;  // "weights" or "optimizer"
  std::string owner;  // layer name or weight name
  std::string name;   // weight name or slot name
  Tensor value;
};

// The file's bytes: `header` (its tensor manifest is filled in here) and the tensors' chunks.
std::string encode_checkpoint(proto::CheckpointHeader header,
                              const std::vector<NamedTensor>& tensors,
                              std::size_t chunk_bytes = kDefaultCheckpointChunkBytes);

struct DecodedCheckpoint {
  proto::CheckpointHeader header;
  std::vector<NamedTensor> tensors;
};

DecodedCheckpoint decode_checkpoint(std::string bytes, const std::string& what);

}  // namespace keel
