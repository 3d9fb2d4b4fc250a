// Reading IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
//
// An IDX file is a 4-byte magic number 0x00 0x00 TYPE RANK, then RANK big-endian uint32 dims,
// then the elements in row-major order. keel reads the unsigned-byte type (0x08): images are
// 0x00000803 (count, rows, cols) and labels 0x00000801 (count).
//
// The file may be plain or gzip-compressed: it is decompressed when it starts with the gzip
// magic bytes 1f 8b or its name ends in ".gz".
//
// Throws IOError naming the file and the problem: missing or unreadable file, bad magic number,
// a type other than unsigned byte, truncated header or data, data longer than the dims say,
// corrupt gzip data.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace keel {

// The contents of an unsigned-byte IDX file.
struct IdxData {
  std::vector<std::int64_t> dims;  // e.g. {60000, 28, 28}
  std::vector<std::uint8_t> data;  // prod(dims) bytes, row-major
};

// The IDX magic number of unsigned-byte data of `rank` dims: 0x00000800 | rank.
constexpr std::uint32_t idx_magic(int rank) {
  return 0x00000800u | static_cast<std::uint32_t>(rank);
}

// Reads the IDX file at `path`. With `expected_rank` > 0 the magic number must be
// idx_magic(expected_rank) (0x00000803 for images, 0x00000801 for labels); with 0 any
// unsigned-byte rank from 1 to 6 is accepted.
IdxData read_idx(const std::string& path, int expected_rank = 0);
// The same from a seekable stream (data in memory); `what` names it in messages, `gz_name`
// says whether that name ends in ".gz" (then the data must be gzip).
IdxData read_idx(std::istream& in, const std::string& what, int expected_rank = 0,
                 bool gz_name = false);

}  // namespace keel
