// libFuzzer target for keel's checkpoint decoder (proto/checkpoint_format.h, decode_checkpoint):
// any byte string must decode or throw keel::Error, never crash, hang or touch memory it does not
// own. Each input is used twice:
//   1. as it is: the container checks (magic, version, record bounds, every CRC);
//   2. with every record checksum and the whole-file checksum recomputed first, so that mutations
//      get past the CRCs into the header's Protobuf, the manifest, chunk reassembly and the
//      shape/byte-count checks (otherwise almost every mutation stops at the first CRC).
// Built and run by scripts/fuzz.sh (tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include "fuzz_seed.h"
#include "keel/core/crc32c.h"
#include "keel/core/error.h"
#include "keel/proto/checkpoint_format.h"
#include "keel/proto/detail/record_file.h"

namespace {

std::uint32_t get32(const std::string& s, std::size_t p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = v << 8 | static_cast<unsigned char>(s[p + static_cast<std::size_t>(i)]);
  return v;
}
std::uint64_t get64(const std::string& s, std::size_t p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | static_cast<unsigned char>(s[p + static_cast<std::size_t>(i)]);
  return v;
}
void set32(std::string& s, std::size_t p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    s[p + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Walks the records as RecordReader does and rewrites each record's CRC (and the END record's
// whole-file CRC) to match its bytes; stops at the first record that does not fit.
std::string with_fixed_checksums(std::string s) {
  std::size_t pos = 12;
  while (pos + 16 <= s.size()) {
    const std::uint32_t kind = get32(s, pos);
    const std::uint64_t length = get64(s, pos + 4);
    if (length > s.size() - pos - 16) break;
    const std::size_t n = static_cast<std::size_t>(length);
    if (kind == static_cast<std::uint32_t>(keel::RecordKind::end) && n == 4)
      set32(s, pos + 12, keel::crc32c(std::string_view(s).substr(0, pos)));
    set32(s, pos + 12 + n, keel::crc32c(std::string_view(s).substr(pos, 12 + n)));
    if (kind == static_cast<std::uint32_t>(keel::RecordKind::end)) break;
    pos += 16 + n;
  }
  return s;
}

void decode(std::string bytes) {
  try {
    const keel::DecodedCheckpoint c = keel::decode_checkpoint(std::move(bytes), "fuzz input");
    // Whatever decodes must be self-consistent: one tensor per manifest entry, of its size.
    if (c.tensors.size() != static_cast<std::size_t>(c.header.tensors_size())) __builtin_trap();
    for (int i = 0; i < c.header.tensors_size(); ++i)
      if (static_cast<std::uint64_t>(c.tensors[static_cast<std::size_t>(i)].value.numel()) *
              sizeof(float) !=
          c.header.tensors(i).bytes())
        __builtin_trap();
  } catch (const keel::Error&) {
    // The expected outcome for nearly every input.
  }
}

// One small valid checkpoint: two weights and an optimizer slot, chunked in 16-byte pieces.
std::string seed_checkpoint() {
  keel::proto::CheckpointHeader header;
  header.set_kind("checkpoint");
  header.set_keel_version("fuzz-seed");
  header.set_model_json(
      R"({"class_name": "Sequential", "config": [{"class_name": "Dense", "config": )"
      R"({"name": "dense_1", "output_dim": 3, "input_dim": 4}}]})");
  header.mutable_optimizer()->set_class_name("Adam");
  header.mutable_optimizer()->set_config_json(R"({"lr": 0.001})");
  header.mutable_optimizer()->set_scalars_json(R"({"iterations": 1})");
  header.mutable_training()->set_epoch(2);
  header.mutable_training()->set_step(7);
  (*header.mutable_metadata())["note"] = "seed";
  std::vector<keel::NamedTensor> tensors;
  tensors.push_back({"weights", "dense_1", "W", keel::Tensor::full({4, 3}, 0.5f)});
  tensors.push_back({"weights", "dense_1", "b", keel::Tensor::full({3}, 0.25f)});
  tensors.push_back({"optimizer", "dense_1_W", "m", keel::Tensor::full({4, 3}, -1.f)});
  return keel::encode_checkpoint(header, tensors, 16);
}

}  // namespace

void keel_write_seeds(const std::string& dir) {
  keel_write_seed_file(dir, "valid.ckpt", seed_checkpoint());
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  decode(bytes);
  decode(with_fixed_checksums(std::move(bytes)));
  return 0;
}
