// The container of keel's checkpoint files: a magic string, a format version, then records,
// each [u32 kind][u64 length][payload][u32 CRC32C of kind, length and payload], and a final END
// record holding the CRC32C of every byte before it. Little-endian throughout.
//
// RecordReader checks everything — magic, version, every record's bounds and checksum, the END
// record and the whole-file checksum — and throws IOError naming the file and the problem; a
// damaged file never yields data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel {

inline constexpr std::string_view kCheckpointMagic = "KEELCKPT";

enum class RecordKind : std::uint32_t { header = 1, chunk = 2, end = 3 };

class RecordWriter {
 public:
  explicit RecordWriter(std::uint32_t format_version);
  void add(RecordKind kind, std::string_view payload);
  // The complete file: every record added, then END.
  std::string finish();

 private:
  std::string bytes_;
};

struct Record {
  RecordKind kind;
  std::string_view payload;  // points into the reader's buffer
};

class RecordReader {
 public:
  // Reads and verifies the whole file; `what` names it in errors. A format version outside
  // [min_version, max_version] is reported as such before anything else is read: a newer
  // format may lay out its records differently.
  RecordReader(std::string bytes, std::string what, std::uint32_t min_version,
               std::uint32_t max_version);
  std::uint32_t format_version() const { return version_; }
  const std::vector<Record>& records() const { return records_; }

 private:
  std::string bytes_;
  std::uint32_t version_ = 0;
  std::vector<Record> records_;
};

// The whole file at `path` (IOError naming it when missing or unreadable).
std::string read_file(const std::string& path);

}  // namespace keel
