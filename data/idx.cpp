#include "keel/data/idx.h"

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filter/zlib.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/shape.h"

namespace keel {
namespace {

namespace bio = boost::iostreams;

constexpr std::uint8_t kUnsignedByte = 0x08;
constexpr std::size_t kChunk = std::size_t{1} << 20;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw IOError(fmt::str("IDX file '", path, "': ", problem));
}

std::string hex(std::uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
  return buf;
}

std::string dims_str(const std::vector<std::int64_t>& dims) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + (dims.size() == 1 ? ",)" : ")");
}

std::string zlib_problem(int code) {
  // Boost's zlib constants are not constant expressions: no switch.
  if (code == bio::zlib::data_error) return "invalid deflate data";
  if (code == bio::zlib::buf_error) return "the compressed data ends early";
  if (code == bio::zlib::mem_error) return "zlib is out of memory";
  return "zlib error " + std::to_string(code);
}

std::string gzip_problem(const bio::gzip_error& e) {
  switch (e.error()) {
    case bio::gzip::zlib_error:
      return zlib_problem(e.zlib_error_code());
    case bio::gzip::bad_crc:
      return "CRC mismatch";
    case bio::gzip::bad_length:
      return "length mismatch";
    case bio::gzip::bad_header:
      return "malformed header";
    case bio::gzip::bad_footer:
      return "malformed or missing footer";
    case bio::gzip::bad_method:
      return "unsupported compression method";
    default:
      return "error " + std::to_string(e.error());
  }
}

// Reads up to `n` bytes; returns how many were read (fewer only at the end of the data).
std::size_t read_up_to(std::istream& in, char* out, std::size_t n) {
  in.read(out, static_cast<std::streamsize>(n));
  return static_cast<std::size_t>(in.gcount());
}

// Parses the IDX stream. `where` says what the byte counts are of ("the file" or "the
// decompressed data") for the messages.
IdxData parse(std::istream& in, const std::string& path, int expected_rank, const char* where) {
  unsigned char magic[4];
  const std::size_t got_magic = read_up_to(in, reinterpret_cast<char*>(magic), 4);
  if (got_magic < 4)
    fail(path, fmt::str(std::string("truncated header: "), where, " has ", got_magic,
                        " bytes, an IDX header needs at least 4"));
  const std::uint32_t magic_value = (std::uint32_t{magic[0]} << 24) |
                                    (std::uint32_t{magic[1]} << 16) |
                                    (std::uint32_t{magic[2]} << 8) | std::uint32_t{magic[3]};
  const int rank = magic[3];
  if (magic[0] != 0 || magic[1] != 0)
    fail(path, fmt::str("bad magic number ", hex(magic_value, 8),
                        ": not an IDX file (an IDX file starts with two zero bytes)"));
  if (magic[2] != kUnsignedByte)
    fail(path, fmt::str("bad magic number ", hex(magic_value, 8), ": data type ", hex(magic[2], 2),
                        " is not unsigned byte (0x08), the only type keel reads"));
  if (expected_rank > 0 && rank != expected_rank)
    fail(path, fmt::str("bad magic number ", hex(magic_value, 8), ", expected ",
                        hex(idx_magic(expected_rank), 8), " (unsigned-byte data of rank ",
                        expected_rank, ")"));
  if (rank < 1 || rank > Shape::kMaxRank)
    fail(path, fmt::str("bad magic number ", hex(magic_value, 8), ": rank ", rank,
                        " is not between 1 and ", Shape::kMaxRank));

  const std::size_t header_bytes = 4 + 4 * static_cast<std::size_t>(rank);
  unsigned char raw_dims[4 * Shape::kMaxRank];
  const std::size_t got_dims = read_up_to(in, reinterpret_cast<char*>(raw_dims), 4 * rank);
  if (got_dims < 4 * static_cast<std::size_t>(rank))
    fail(path,
         fmt::str(std::string("truncated header: "), where, " has ", std::to_string(4 + got_dims),
                  " bytes, the header of rank ", rank, " needs ", header_bytes));

  IdxData out;
  std::int64_t expected = 1;
  for (int i = 0; i < rank; ++i) {
    const unsigned char* b = raw_dims + 4 * i;
    const std::int64_t d = (std::int64_t{b[0]} << 24) | (std::int64_t{b[1]} << 16) |
                           (std::int64_t{b[2]} << 8) | std::int64_t{b[3]};
    out.dims.push_back(d);
    if (d != 0 && expected > (std::int64_t{1} << 48) / d)
      fail(path, fmt::str("dims ", dims_str(out.dims), "... describe more than 2^48 bytes"));
    expected *= d;
  }

  // Read in chunks so that a header claiming more than the file holds allocates no more than
  // the file has.
  const auto need = static_cast<std::size_t>(expected);
  out.data.reserve(std::min(need, kChunk));
  std::size_t got = 0;
  while (got < need) {
    const std::size_t chunk = std::min(kChunk, need - got);
    out.data.resize(got + chunk);
    const std::size_t n = read_up_to(in, reinterpret_cast<char*>(out.data.data() + got), chunk);
    got += n;
    if (n < chunk) break;
  }
  if (got < need) {
    out.data.clear();
    fail(path,
         fmt::str("truncated data: dims ", dims_str(out.dims), " need ", need, " bytes after the ",
                  header_bytes, "-byte header, but ", where, " has only ", got));
  }

  // Reading to the end also makes the gzip decompressor check the CRC and length.
  std::size_t extra = 0;
  char buf[1 << 16];
  for (std::size_t n; (n = read_up_to(in, buf, sizeof buf)) > 0;) extra += n;
  if (extra > 0)
    fail(path, fmt::str("dims ", dims_str(out.dims), " do not match the file size: they need ",
                        need, " bytes after the ", header_bytes, "-byte header, but ", where,
                        " has ", std::to_string(need + extra)));
  return out;
}

bool has_gz_suffix(const std::string& path) {
  return path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

}  // namespace

IdxData read_idx(const std::string& path, int expected_rank) {
  if (expected_rank < 0 || expected_rank > Shape::kMaxRank)
    throw ValueError(fmt::str("read_idx: expected_rank is ", expected_rank,
                              ", expected 0 (any) or 1 to ", Shape::kMaxRank));
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) fail(path, "no such file");
  if (std::filesystem::is_directory(status)) fail(path, "is a directory, expected a file");

  std::ifstream file(path, std::ios::binary);
  if (!file) fail(path, fmt::str(std::string("cannot be opened: "), std::strerror(errno)));
  return read_idx(file, path, expected_rank, has_gz_suffix(path));
}

IdxData read_idx(std::istream& file, const std::string& path, int expected_rank, bool gz_name) {
  if (expected_rank < 0 || expected_rank > Shape::kMaxRank)
    throw ValueError(fmt::str("read_idx: expected_rank is ", expected_rank,
                              ", expected 0 (any) or 1 to ", Shape::kMaxRank));
  unsigned char head[2] = {0, 0};
  file.read(reinterpret_cast<char*>(head), 2);
  const bool gzip_magic = file.gcount() == 2 && head[0] == 0x1f && head[1] == 0x8b;
  file.clear();
  file.seekg(0);

  try {
    if (!gzip_magic && !gz_name) {
      file.exceptions(std::ios::badbit);
      return parse(file, path, expected_rank, "the file");
    }
    if (!gzip_magic)
      fail(path,
           "corrupt gzip data: the name ends in .gz but the file does not start with "
           "the gzip magic bytes 1f 8b");
    bio::filtering_istream in;
    in.push(bio::gzip_decompressor());
    in.push(file);
    in.exceptions(std::ios::badbit);
    return parse(in, path, expected_rank, "the decompressed data");
  } catch (const bio::gzip_error& e) {
    fail(path, fmt::str("corrupt gzip data (", gzip_problem(e), ")"));
  } catch (const bio::zlib_error& e) {
    fail(path, fmt::str("corrupt gzip data (", zlib_problem(e.error()), ")"));
  } catch (const std::ios_base::failure& e) {
    fail(path, fmt::str(std::string("read error: "), e.what()));
  }
}

}  // namespace keel
