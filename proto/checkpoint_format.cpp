#include "keel/proto/checkpoint_format.h"

#include <cstring>

#include "keel/core/crc32c.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/proto/detail/record_file.h"

namespace keel {

std::string encode_checkpoint(proto::CheckpointHeader header,
                              const std::vector<NamedTensor>& tensors, std::size_t chunk_bytes) {
  if (chunk_bytes == 0) throw ValueError("encode_checkpoint: chunk_bytes is 0, expected > 0");
  header.set_format_version(kCheckpointFormatVersion);
  header.clear_tensors();
  std::vector<Tensor> plain;
  for (const auto& t : tensors) {
    plain.push_back(t.value.to_plain());
    const Tensor& p = plain.back();
    const std::string_view bytes(reinterpret_cast<const char*>(p.data()),
                                 static_cast<std::size_t>(p.numel()) * sizeof(float));
    auto* info = header.add_tensors();
    info->set_group(t.group);
    info->set_owner(t.owner);
    info->set_name(t.name);
    for (int d = 0; d < p.rank(); ++d) info->add_shape(p.shape()[d]);
    info->set_dtype("float32");
    info->set_bytes(bytes.size());
    info->set_chunks(static_cast<std::uint32_t>((bytes.size() + chunk_bytes - 1) / chunk_bytes));
    info->set_crc32c(crc32c(bytes));
  }
  RecordWriter writer(kCheckpointFormatVersion);
  writer.add(RecordKind::header, header.SerializeAsString());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const std::string_view bytes(reinterpret_cast<const char*>(plain[i].data()),
                                 static_cast<std::size_t>(plain[i].numel()) * sizeof(float));
    for (std::size_t off = 0, k = 0; off < bytes.size(); off += chunk_bytes, ++k) {
      proto::TensorChunk chunk;
      chunk.set_tensor(static_cast<std::uint32_t>(i));
      chunk.set_index(static_cast<std::uint32_t>(k));
      const std::string_view part = bytes.substr(off, chunk_bytes);
      chunk.set_data(part.data(), part.size());
      writer.add(RecordKind::chunk, chunk.SerializeAsString());
    }
  }
  return writer.finish();
}

namespace {

// Explicit upgrades, one function per older format version, applied in order. Version 1 is the
// first: none exist yet; a reader meeting version N < current runs upgrade_from[N] .. current.
using Upgrade = void (*)(proto::CheckpointHeader&);
constexpr Upgrade kUpgrades[] = {nullptr /* version 0 never existed */};

}  // namespace

DecodedCheckpoint decode_checkpoint(std::string bytes, const std::string& what) {
  const RecordReader reader(std::move(bytes), what, 1, kCheckpointFormatVersion);
  auto fail = [&](const std::string& problem) { throw IOError(fmt::str(what, ": ", problem)); };
  const std::uint32_t version = reader.format_version();
  const auto& records = reader.records();
  if (records.empty() || records[0].kind != RecordKind::header)
    fail("the header record is missing");

  DecodedCheckpoint out;
  if (!out.header.ParseFromArray(records[0].payload.data(),
                                 static_cast<int>(records[0].payload.size())))
    fail("the header record does not parse");
  for (std::uint32_t v = version; v < kCheckpointFormatVersion; ++v)
    if (v < std::size(kUpgrades) && kUpgrades[v]) kUpgrades[v](out.header);

  const int n = out.header.tensors_size();
  std::vector<std::string> payloads(static_cast<std::size_t>(n));
  std::vector<std::uint32_t> next_chunk(static_cast<std::size_t>(n), 0);
  for (std::size_t r = 1; r < records.size(); ++r) {
    if (records[r].kind != RecordKind::chunk) fail("unexpected record after the header");
    proto::TensorChunk chunk;
    if (!chunk.ParseFromArray(records[r].payload.data(),
                              static_cast<int>(records[r].payload.size())))
      fail("a tensor chunk does not parse");
    if (chunk.tensor() >= static_cast<std::uint32_t>(n))
      fail(fmt::str("a chunk names tensor ", chunk.tensor(), ", which the header lacks"));
    if (chunk.index() != next_chunk[chunk.tensor()]++) fail("tensor chunks out of order");
    payloads[chunk.tensor()] += chunk.data();
  }
  for (int i = 0; i < n; ++i) {
    const auto& info = out.header.tensors(i);
    const std::string who = "tensor " + info.owner() + "/" + info.name();
    if (info.dtype() != "float32")
      fail(fmt::str(who, " has dtype '", info.dtype(), "', expected float32"));
    if (info.shape_size() > Shape::kMaxRank) fail(fmt::str(who, " has rank ", info.shape_size()));
    std::vector<std::int64_t> dims(info.shape().begin(), info.shape().end());
    std::int64_t count = 1;
    // The element count must match the payload; multiply without overflow (a crafted shape
    // could otherwise wrap to a small count).
    constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;
    for (auto d : dims) {
      if (d < 0 || d > kMaxElements) fail(fmt::str(who, " has an invalid dimension ", d));
      if (d != 0 && count > kMaxElements / d) fail(fmt::str(who, " has more than 2^40 elements"));
      count *= d;
    }
    const std::string& data = payloads[static_cast<std::size_t>(i)];
    if (next_chunk[static_cast<std::size_t>(i)] != info.chunks() || data.size() != info.bytes() ||
        info.bytes() != static_cast<std::uint64_t>(count) * sizeof(float))
      fail(
          fmt::str(who, " is incomplete: ", data.size(), " bytes for shape of ", count, " floats"));
    if (crc32c(data) != info.crc32c()) fail(fmt::str(who, ": payload checksum mismatch"));
    Tensor t = Tensor::empty(Shape(dims));
    if (!data.empty()) std::memcpy(t.data(), data.data(), data.size());
    out.tensors.push_back({info.group(), info.owner(), info.name(), std::move(t)});
  }
  return out;
}

}  // namespace keel
