#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/data/idx.h>

#include <string>
#include <vector>

#include "data_io/idx_files.h"
#include "test_util.h"

namespace keel {
namespace {

using testing::byte_ramp;
using testing::gzip;
using testing::idx_bytes;
using testing::TempDir;
using testing::write_bytes;

TEST(Idx, MagicNumbersAreTheMnistOnes) {
  // http://yann.lecun.com/exdb/mnist/: 0x00000803 for images, 0x00000801 for labels.
  EXPECT_EQ(idx_magic(3), 0x00000803u);
  EXPECT_EQ(idx_magic(1), 0x00000801u);
}

TEST(Idx, ReadsPlainImages) {
  TempDir dir;
  const auto data = byte_ramp(2 * 3 * 4, 250);  // wraps: 250..255, 0, 1, ...
  write_bytes(dir.file("images-idx3-ubyte"), idx_bytes({2, 3, 4}, data));
  const IdxData idx = read_idx(dir.file("images-idx3-ubyte"), 3);
  EXPECT_EQ(idx.dims, (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_EQ(idx.data, data);
}

TEST(Idx, ReadsPlainLabels) {
  TempDir dir;
  const std::vector<std::uint8_t> labels{9, 0, 3, 7, 1};
  write_bytes(dir.file("labels-idx1-ubyte"), idx_bytes({5}, labels));
  const IdxData idx = read_idx(dir.file("labels-idx1-ubyte"), 1);
  EXPECT_EQ(idx.dims, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(idx.data, labels);
}

TEST(Idx, DimsAreBigEndian) {
  TempDir dir;
  // 0x00000102 = 258 labels: a little-endian reader would see 0x02010000.
  const auto data = byte_ramp(258);
  write_bytes(dir.file("l"), idx_bytes({258}, data));
  EXPECT_EQ(read_idx(dir.file("l"), 1).dims, (std::vector<std::int64_t>{258}));
}

TEST(Idx, AnyUnsignedByteRankWhenNoRankIsExpected) {
  TempDir dir;
  write_bytes(dir.file("r2"), idx_bytes({2, 2}, {1, 2, 3, 4}));
  const IdxData idx = read_idx(dir.file("r2"));
  EXPECT_EQ(idx.dims, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(idx.data, (std::vector<std::uint8_t>{1, 2, 3, 4}));
}

TEST(Idx, EmptyDataIsValid) {
  TempDir dir;
  write_bytes(dir.file("empty"), idx_bytes({0, 28, 28}, {}));
  const IdxData idx = read_idx(dir.file("empty"), 3);
  EXPECT_EQ(idx.dims, (std::vector<std::int64_t>{0, 28, 28}));
  EXPECT_TRUE(idx.data.empty());
}

TEST(Idx, ReadsGzipWithGzSuffix) {
  TempDir dir;
  const auto data = byte_ramp(3 * 28 * 28, 7);
  write_bytes(dir.file("images-idx3-ubyte.gz"), gzip(idx_bytes({3, 28, 28}, data)));
  const IdxData idx = read_idx(dir.file("images-idx3-ubyte.gz"), 3);
  EXPECT_EQ(idx.dims, (std::vector<std::int64_t>{3, 28, 28}));
  EXPECT_EQ(idx.data, data);
}

TEST(Idx, DetectsGzipByMagicBytesWithoutSuffix) {
  TempDir dir;
  const std::vector<std::uint8_t> labels{4, 2, 0};
  const std::string bytes = gzip(idx_bytes({3}, labels));
  ASSERT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);
  ASSERT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
  write_bytes(dir.file("labels-idx1-ubyte"), bytes);
  EXPECT_EQ(read_idx(dir.file("labels-idx1-ubyte"), 1).data, labels);
}

TEST(Idx, ReadsLargeGzipAcrossChunks) {
  TempDir dir;
  // More than the reader's 1 MiB chunk, so the chunked read is exercised.
  const auto data = byte_ramp(1500 * 28 * 28, 3);
  write_bytes(dir.file("big.gz"), gzip(idx_bytes({1500, 28, 28}, data)));
  const IdxData idx = read_idx(dir.file("big.gz"), 3);
  EXPECT_EQ(idx.dims, (std::vector<std::int64_t>{1500, 28, 28}));
  EXPECT_EQ(idx.data, data);
}

TEST(Idx, MissingFileNamesIt) {
  TempDir dir;
  const std::string path = dir.file("no-such-idx1-ubyte");
  EXPECT_THROW_MSG(read_idx(path), IOError, "IDX file '" + path + "': no such file");
}

TEST(Idx, DirectoryIsRejected) {
  TempDir dir;
  EXPECT_THROW_MSG(read_idx(dir.str()), IOError, "is a directory");
}

TEST(Idx, BadMagicNamesFileAndExpectedMagic) {
  TempDir dir;
  write_bytes(dir.file("labels"), idx_bytes({3}, {1, 2, 3}));
  EXPECT_THROW_MSG(
      read_idx(dir.file("labels"), 3), IOError,
      "IDX file '" + dir.file("labels") + "': bad magic number 0x00000801, expected 0x00000803");
}

TEST(Idx, NonIdxFileHasBadMagic) {
  TempDir dir;
  write_bytes(dir.file("text"), "hello, world\n");
  EXPECT_THROW_MSG(read_idx(dir.file("text")), IOError,
                   "bad magic number 0x68656c6c: not an IDX file");
}

TEST(Idx, TypeOtherThanUnsignedByteIsRejected) {
  TempDir dir;
  write_bytes(dir.file("floats"), idx_bytes({1}, {0, 0, 0, 0}, 0x0d));  // 0x0d: float
  EXPECT_THROW_MSG(read_idx(dir.file("floats"), 1), IOError,
                   "data type 0x0d is not unsigned byte (0x08)");
}

TEST(Idx, RankZeroIsRejected) {
  TempDir dir;
  write_bytes(dir.file("r0"), idx_bytes({}, {}));
  EXPECT_THROW_MSG(read_idx(dir.file("r0")), IOError, "rank 0 is not between 1 and 6");
}

TEST(Idx, TruncatedHeader) {
  TempDir dir;
  write_bytes(dir.file("short"), std::string("\0\0", 2));
  EXPECT_THROW_MSG(read_idx(dir.file("short")), IOError,
                   "truncated header: the file has 2 bytes, an IDX header needs at least 4");
  // The magic says rank 3 (16-byte header) but only one dim follows.
  write_bytes(dir.file("dims"), idx_bytes({60000, 28, 28}, {}).substr(0, 8));
  EXPECT_THROW_MSG(read_idx(dir.file("dims"), 3), IOError,
                   "truncated header: the file has 8 bytes, the header of rank 3 needs 16");
}

TEST(Idx, TruncatedData) {
  TempDir dir;
  write_bytes(dir.file("images"), idx_bytes({2, 28, 28}, byte_ramp(2 * 28 * 28 - 5)));
  EXPECT_THROW_MSG(read_idx(dir.file("images"), 3), IOError,
                   "IDX file '" + dir.file("images") +
                       "': truncated data: dims (2, 28, 28) need 1568 bytes after the 16-byte "
                       "header, but the file has only 1563");
}

TEST(Idx, HeaderClaimingHugeDataIsTruncatedNotAllocated) {
  TempDir dir;
  // 4e9 x 4e9 x 28 bytes claimed: more than any file, rejected before reading.
  write_bytes(dir.file("huge"), idx_bytes({4000000000u, 4000000000u, 28}, byte_ramp(10)));
  EXPECT_THROW_MSG(read_idx(dir.file("huge"), 3), IOError, "describe more than 2^48 bytes");
  // 6.5 GB claimed, 10 bytes present: an error, not a 6.5 GB allocation.
  write_bytes(dir.file("big"), idx_bytes({100000, 255, 255}, byte_ramp(10)));
  EXPECT_THROW_MSG(read_idx(dir.file("big"), 3), IOError, "but the file has only 10");
}

TEST(Idx, DimsThatDoNotMatchTheFileSize) {
  TempDir dir;
  write_bytes(dir.file("labels"), idx_bytes({3}, {1, 2, 3, 4, 5}));
  EXPECT_THROW_MSG(read_idx(dir.file("labels"), 1), IOError,
                   "IDX file '" + dir.file("labels") +
                       "': dims (3,) do not match the file size: they need 3 bytes after the "
                       "8-byte header, but the file has 5");
}

TEST(Idx, GzippedTruncatedDataSaysDecompressed) {
  TempDir dir;
  write_bytes(dir.file("labels.gz"), gzip(idx_bytes({10}, {1, 2, 3})));
  EXPECT_THROW_MSG(read_idx(dir.file("labels.gz"), 1), IOError,
                   "truncated data: dims (10,) need 10 bytes after the 8-byte header, but the "
                   "decompressed data has only 3");
}

TEST(Idx, CorruptGzipStream) {
  TempDir dir;
  std::string bytes = gzip(idx_bytes({64}, byte_ramp(64)));
  // Garble the deflate stream after the 10-byte gzip header.
  for (std::size_t i = 10; i + 8 < bytes.size(); ++i) bytes[i] = static_cast<char>(0xff);
  write_bytes(dir.file("labels.gz"), bytes);
  EXPECT_THROW_MSG(
      read_idx(dir.file("labels.gz"), 1), IOError,
      "IDX file '" + dir.file("labels.gz") + "': corrupt gzip data (invalid deflate data)");
}

TEST(Idx, GzipWithBadCrc) {
  TempDir dir;
  std::string bytes = gzip(idx_bytes({64}, byte_ramp(64)));
  bytes[bytes.size() - 8] ^= 0x55;  // the footer: CRC32 then the length, little-endian
  write_bytes(dir.file("labels.gz"), bytes);
  EXPECT_THROW_MSG(read_idx(dir.file("labels.gz"), 1), IOError, "corrupt gzip data (CRC mismatch)");
}

TEST(Idx, GzipWithoutItsFooter) {
  TempDir dir;
  const std::string bytes = gzip(idx_bytes({4096}, byte_ramp(4096)));
  write_bytes(dir.file("labels.gz"), bytes.substr(0, bytes.size() - 8));
  EXPECT_THROW_MSG(
      read_idx(dir.file("labels.gz"), 1), IOError,
      "IDX file '" + dir.file("labels.gz") + "': corrupt gzip data (malformed or missing footer)");
}

TEST(Idx, GzipCutInTheDeflateStream) {
  TempDir dir;
  const std::string bytes = gzip(idx_bytes({4096}, byte_ramp(4096)));
  write_bytes(dir.file("labels.gz"), bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW_MSG(read_idx(dir.file("labels.gz"), 1), IOError,
                   "IDX file '" + dir.file("labels.gz") +
                       "': corrupt gzip data (the compressed data ends early)");
}

TEST(Idx, GzSuffixWithoutGzipData) {
  TempDir dir;
  write_bytes(dir.file("labels.gz"), idx_bytes({3}, {1, 2, 3}));
  EXPECT_THROW_MSG(read_idx(dir.file("labels.gz"), 1), IOError,
                   "corrupt gzip data: the name ends in .gz but the file does not start with the "
                   "gzip magic bytes 1f 8b");
}

TEST(Idx, ExpectedRankOutOfRange) {
  EXPECT_THROW_MSG(read_idx("whatever", 7), ValueError, "expected_rank is 7");
}

}  // namespace
}  // namespace keel
