#include "keel/proto/detail/record_file.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "keel/core/crc32c.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

namespace {

void put32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint32_t get32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}
std::uint64_t get64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

RecordWriter::RecordWriter(std::uint32_t format_version) : bytes_(kCheckpointMagic) {
  put32(bytes_, format_version);
}

void RecordWriter::add(RecordKind kind, std::string_view payload) {
  const std::size_t start = bytes_.size();
  put32(bytes_, static_cast<std::uint32_t>(kind));
  put64(bytes_, payload.size());
  bytes_.append(payload);
  put32(bytes_, crc32c(std::string_view(bytes_).substr(start)));
}

std::string RecordWriter::finish() {
  std::string crc;
  put32(crc, crc32c(bytes_));
  add(RecordKind::end, crc);
  return std::move(bytes_);
}

RecordReader::RecordReader(std::string bytes, std::string what, std::uint32_t min_version,
                           std::uint32_t max_version)
    : bytes_(std::move(bytes)) {
  auto fail = [&](const std::string& problem) -> void {
    throw IOError(fmt::str(what, ": ", problem));
  };
  if (bytes_.empty()) fail("the file is empty, not a keel checkpoint");
  if (bytes_.size() < kCheckpointMagic.size() + 4 ||
      std::string_view(bytes_).substr(0, 8) != kCheckpointMagic)
    fail("not a keel checkpoint (wrong magic bytes)");
  version_ = get32(bytes_.data() + 8);
  if (version_ < min_version || version_ > max_version)
    fail(fmt::str("checkpoint format version ", version_, " is not supported (this keel reads ",
                  min_version, " to ", max_version, ")"));
  std::size_t pos = 12;
  bool ended = false;
  while (pos < bytes_.size()) {
    if (bytes_.size() - pos < 16) fail(fmt::str("truncated record header at byte ", pos));
    const std::uint32_t kind = get32(bytes_.data() + pos);
    const std::uint64_t length = get64(bytes_.data() + pos + 4);
    if (length > bytes_.size() - pos - 16)
      fail(fmt::str("truncated: a record at byte ", pos, " claims ", length, " bytes, ",
                    bytes_.size() - pos - 16, " remain"));
    const std::string_view body(bytes_.data() + pos, 12 + length);
    const std::uint32_t stored = get32(bytes_.data() + pos + 12 + length);
    if (crc32c(body) != stored) fail(fmt::str("checksum mismatch in the record at byte ", pos));
    if (kind < 1 || kind > 3) fail(fmt::str("unknown record kind ", kind, " at byte ", pos));
    const std::string_view payload(bytes_.data() + pos + 12, length);
    if (static_cast<RecordKind>(kind) == RecordKind::end) {
      if (length != 4 || get32(payload.data()) != crc32c(std::string_view(bytes_).substr(0, pos)))
        fail("whole-file checksum mismatch");
      if (pos + 16 + length != bytes_.size()) fail("data after the end record");
      ended = true;
      break;
    }
    records_.push_back({static_cast<RecordKind>(kind), payload});
    pos += 16 + length;
  }
  if (!ended) fail("truncated: the end record is missing");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError(fmt::str(path, ": cannot be opened (missing file or no permission)"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IOError(fmt::str(path, ": read error"));
  return ss.str();
}

}  // namespace keel
