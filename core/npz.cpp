#include "keel/core/npz.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include "keel/core/atomic_file.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/npy.h"

namespace keel {

namespace {

// ZIP signatures and fields (PKWARE APPNOTE.TXT 6.3), little-endian throughout.
constexpr std::uint32_t kLocalHeaderSig = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kLocalHeaderSize = 30, kCentralHeaderSize = 46, kEndSize = 22;
constexpr std::size_t kZip64LocatorSize = 20, kZip64EndSize = 56;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
// 0xffffffff (and 0xffff for counts) mean "see the ZIP64 record", so a plain archive stays below.
constexpr std::uint64_t kMax32 = 0xffffffffu;
constexpr std::uint64_t kMaxEntries = 0xffffu;
constexpr std::uint16_t kFlagEncrypted = 0x0001, kFlagUtf8 = 0x0800;
constexpr std::uint16_t kMethodStored = 0, kMethodDeflated = 8;
constexpr std::uint16_t kVersion = 20;  // 2.0: deflate, directories; what np.savez's entries need
constexpr std::uint16_t kMadeByUnix = 3 << 8;
constexpr std::uint16_t kDosDate1980 =
    (0 << 9) | (1 << 5) | 1;                                // 1980-01-01, the earliest DOS date
constexpr std::uint32_t kRegularFile0644 = 0100644u << 16;  // st_mode in the high half
// zlib's lengths are 32-bit: hand it at most this much at a time.
constexpr std::size_t kZlibStep = std::size_t{1} << 30;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw IOError(fmt::str(path, ": ", problem));
}

void put16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}
void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint16_t get16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    (static_cast<unsigned char>(b[at + 1]) << 8));
}
std::uint32_t get32(std::string_view b, std::size_t at) {
  return get16(b, at) | (static_cast<std::uint32_t>(get16(b, at + 2)) << 16);
}
std::uint64_t get64(std::string_view b, std::size_t at) {
  return get32(b, at) | (static_cast<std::uint64_t>(get32(b, at + 4)) << 32);
}

std::uint32_t crc32_of(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::size_t at = 0; at < bytes.size(); at += kZlibStep) {
    const std::size_t n = std::min(kZlibStep, bytes.size() - at);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), static_cast<uInt>(n));
  }
  return static_cast<std::uint32_t>(crc);
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else
      return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// A name for an error message, in quotes: control characters (a NUL would cut the message short)
// and, in a name that is not UTF-8, every non-ASCII byte written as \xNN. Built by append: GCC 12
// warns falsely (-Wrestrict) on "literal" + std::string temporaries.
std::string safe_name(std::string_view name) {
  const bool utf8 = valid_utf8(name);
  std::string q(1, '\'');
  for (char c : name) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f || (b >= 0x80 && !utf8)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", b);
      q.append(hex);
    } else {
      q.push_back(c);
    }
  }
  q.push_back('\'');
  return q;
}

[[noreturn]] void too_large(const std::string& path, std::uint64_t bytes) {
  throw ValueError(
      fmt::str(path, ": write_npz: the archive would take at least ", bytes,
               " bytes; keel writes .npz files without ZIP64, which keeps them below 4 GiB (",
               kMax32, " bytes): save fewer or smaller arrays per file"));
}

}  // namespace

void write_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays) {
  // Check every name and the size before building anything.
  if (arrays.size() >= kMaxEntries)
    throw ValueError(fmt::str(
        path, ": write_npz: ", arrays.size(),
        " arrays; keel writes .npz files without ZIP64, which allows at most ", kMaxEntries - 1));
  std::set<std::string_view> seen;
  std::uint64_t data_bytes = kEndSize;
  for (const auto& [name, tensor] : arrays) {
    if (name.empty()) throw ValueError(fmt::str(path, ": write_npz: an array name is empty"));
    if (name.find('\0') != std::string::npos)
      throw ValueError(
          fmt::str(path, ": write_npz: array name ", safe_name(name), " contains a NUL character"));
    if (!valid_utf8(name))
      throw ValueError(
          fmt::str(path, ": write_npz: array name ", safe_name(name), " is not valid UTF-8"));
    if (name.size() + 4 > 0xffff)
      throw ValueError(
          fmt::str(path, ": write_npz: array name of ", name.size(),
                   " bytes is longer than a ZIP entry name allows (65531 before '.npy')"));
    if (!seen.insert(name).second)
      throw ValueError(
          fmt::str(path, ": write_npz: array name ", safe_name(name), " appears twice"));
    if (!tensor.defined())
      throw ValueError(
          fmt::str(path, ": write_npz: array ", safe_name(name), " is an undefined tensor"));
    data_bytes += static_cast<std::uint64_t>(tensor.numel()) * sizeof(float) + 2 * name.size() +
                  kLocalHeaderSize + kCentralHeaderSize;
    if (data_bytes >= kMax32) too_large(path, data_bytes);
  }

  struct CentralEntry {
    std::string name;
    std::uint16_t flags;
    std::uint32_t crc, size, offset;
  };
  std::vector<CentralEntry> central;
  std::string out;
  for (const auto& [name, tensor] : arrays) {
    const std::string entry = name + ".npy";
    const std::string npy = npy_bytes(tensor);
    const std::uint64_t offset = out.size();
    if (offset + kLocalHeaderSize + entry.size() + npy.size() >= kMax32)
      too_large(path, offset + kLocalHeaderSize + entry.size() + npy.size());
    // Python's zipfile marks non-ASCII names as UTF-8 (general purpose bit 11), so does keel.
    const std::uint16_t flags = is_ascii(entry) ? 0 : kFlagUtf8;
    const std::uint32_t crc = crc32_of(npy);
    const auto size = static_cast<std::uint32_t>(npy.size());
    put32(out, kLocalHeaderSig);
    put16(out, kVersion);
    put16(out, flags);
    put16(out, kMethodStored);
    put16(out, 0);  // time 00:00:00
    put16(out, kDosDate1980);
    put32(out, crc);
    put32(out, size);  // compressed
    put32(out, size);  // uncompressed
    put16(out, static_cast<std::uint16_t>(entry.size()));
    put16(out, 0);  // extra field length
    out += entry;
    out += npy;
    central.push_back({entry, flags, crc, size, static_cast<std::uint32_t>(offset)});
  }

  const std::uint64_t cd_offset = out.size();
  for (const auto& e : central) {
    put32(out, kCentralHeaderSig);
    put16(out, kMadeByUnix | kVersion);
    put16(out, kVersion);
    put16(out, e.flags);
    put16(out, kMethodStored);
    put16(out, 0);
    put16(out, kDosDate1980);
    put32(out, e.crc);
    put32(out, e.size);
    put32(out, e.size);
    put16(out, static_cast<std::uint16_t>(e.name.size()));
    put16(out, 0);  // extra field length
    put16(out, 0);  // comment length
    put16(out, 0);  // disk number start
    put16(out, 0);  // internal attributes
    put32(out, kRegularFile0644);
    put32(out, e.offset);
    out += e.name;
  }
  const std::uint64_t cd_size = out.size() - cd_offset;
  if (out.size() + kEndSize >= kMax32) too_large(path, out.size() + kEndSize);
  put32(out, kEndSig);
  put16(out, 0);  // this disk
  put16(out, 0);  // disk with the central directory
  put16(out, static_cast<std::uint16_t>(central.size()));
  put16(out, static_cast<std::uint16_t>(central.size()));
  put32(out, static_cast<std::uint32_t>(cd_size));
  put32(out, static_cast<std::uint32_t>(cd_offset));
  put16(out, 0);  // comment length
  write_file_atomically(path, out);
}

namespace {

class ArchiveFile {
 public:
  // A seekable stream over the archive's bytes; `path` names it in messages.
  ArchiveFile(std::istream& in, const std::string& path) : path_(path), in_(in) {
    if (!in_) fail(path_, "cannot be opened (missing file or no permission)");
    in_.seekg(0, std::ios::end);
    size_ = static_cast<std::uint64_t>(in_.tellg());
  }
  std::uint64_t size() const { return size_; }
  // `n` bytes at `offset`; IOError "truncated" naming `what` when the file is shorter.
  std::string read(std::uint64_t offset, std::uint64_t n, const std::string& what) {
    if (offset > size_ || n > size_ - offset)
      fail(path_, fmt::str("truncated: ", what, " needs bytes ", offset, " to ",
                           std::to_string(offset + n), " but the file has ", size_));
    std::string bytes(n, '\0');
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    if (!in_.read(bytes.data(), static_cast<std::streamsize>(n)))
      fail(path_, fmt::str("read error in ", what));
    return bytes;
  }

 private:
  const std::string& path_;
  std::istream& in_;
  std::uint64_t size_ = 0;
};

struct Entry {
  std::string name;
  std::uint16_t flags = 0, method = 0;
  std::uint32_t crc = 0;
  std::uint64_t compressed = 0, uncompressed = 0, offset = 0;
};

struct Directory {
  std::uint64_t entries = 0, size = 0, offset = 0;
  std::uint64_t end = 0;  // where the central directory must end (the first end record)
};

std::string method_name(std::uint16_t method) {
  switch (method) {
    case 1:
      return "shrunk";
    case 6:
      return "imploded";
    case 9:
      return "deflate64";
    case 12:
      return "bzip2";
    case 14:
      return "LZMA";
    case 93:
      return "zstd";
    case 95:
      return "xz";
    case 99:
      return "AES-encrypted";
    default:
      return "unknown";
  }
}

Directory find_directory(ArchiveFile& file, const std::string& path) {
  const std::uint64_t size = file.size();
  const std::string head = file.read(0, std::min<std::uint64_t>(size, 8), "the signature");
  if (head.size() >= 6 && head.compare(0, 6, "\x93NUMPY") == 0)
    fail(path, "is a .npy file, not an .npz archive (read it with read_npy)");
  const bool zip_start =
      head.size() >= 4 && (get32(head, 0) == kLocalHeaderSig || get32(head, 0) == kEndSig);
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
  const std::uint64_t tail_size =
      std::min<std::uint64_t>(size, kEndSize + 0xffff + kZip64LocatorSize);
  const std::string tail = file.read(size - tail_size, tail_size, "the end of the archive");
  std::size_t at = std::string::npos;
  for (std::size_t p = tail.size() >= kEndSize ? tail.size() - kEndSize + 1 : 0; p-- > 0;) {
    if (get32(tail, p) == kEndSig && p + kEndSize + get16(tail, p + 20) <= tail.size()) {
      at = p;
      break;
    }
  }
  if (at == std::string::npos) {
    if (!zip_start)
      fail(path, "not a zip archive (no ZIP signature; an .npz file is a ZIP archive)");
    fail(path,
         "truncated: the end-of-central-directory record is missing (the file was cut short)");
  }
  const std::uint64_t end_offset = size - tail_size + at;
  const std::string_view end(tail.data() + at, kEndSize);
  if (get16(end, 4) != 0 || get16(end, 6) != 0 || get16(end, 8) != get16(end, 10))
    fail(path, "is a multi-disk (split) zip archive, which keel does not read");
  Directory dir{get16(end, 10), get32(end, 12), get32(end, 16), end_offset};

  // ZIP64: the locator sits right before the end record and points to the ZIP64 end record.
  if (at >= kZip64LocatorSize && get32(tail, at - kZip64LocatorSize) == kZip64LocatorSig) {
    const std::uint64_t z64_offset = get64(tail, at - kZip64LocatorSize + 8);
    const std::string z64 =
        file.read(z64_offset, kZip64EndSize, "the ZIP64 end-of-central-directory record");
    if (get32(z64, 0) != kZip64EndSig)
      fail(path, "damaged: the ZIP64 end-of-central-directory record is missing");
    if (get32(z64, 16) != 0 || get32(z64, 20) != 0 || get64(z64, 24) != get64(z64, 32))
      fail(path, "is a multi-disk (split) zip archive, which keel does not read");
    dir = {get64(z64, 32), get64(z64, 40), get64(z64, 48), z64_offset};
  }
  if (dir.offset > dir.end || dir.size > dir.end - dir.offset)
    fail(path,
         fmt::str("truncated or damaged: the central directory (", dir.size, " bytes at offset ",
                  dir.offset, ") does not fit before its end record at ", dir.end));
  return dir;
}

std::vector<Entry> read_directory(ArchiveFile& file, const Directory& dir,
                                  const std::string& path) {
  const std::string cd = file.read(dir.offset, dir.size, "the central directory");
  std::vector<Entry> entries;
  std::size_t p = 0;
  for (std::uint64_t i = 0; i < dir.entries; ++i) {
    if (p + kCentralHeaderSize > cd.size() || get32(cd, p) != kCentralHeaderSig)
      fail(path, fmt::str("damaged: central directory entry ", i, " of ", dir.entries,
                          " is missing or malformed"));
    Entry e;
    e.flags = get16(cd, p + 8);
    e.method = get16(cd, p + 10);
    e.crc = get32(cd, p + 16);
    e.compressed = get32(cd, p + 20);
    e.uncompressed = get32(cd, p + 24);
    const std::size_t name_len = get16(cd, p + 28), extra_len = get16(cd, p + 30),
                      comment_len = get16(cd, p + 32);
    e.offset = get32(cd, p + 42);
    if (p + kCentralHeaderSize + name_len + extra_len + comment_len > cd.size())
      fail(path, fmt::str("damaged: central directory entry ", i, " runs past the directory"));
    e.name = cd.substr(p + kCentralHeaderSize, name_len);
    // ZIP64 extra field: 8-byte values for exactly those fields that hold 0xffffffff, in order.
    std::string_view extra(cd.data() + p + kCentralHeaderSize + name_len, extra_len);
    for (std::size_t q = 0; q + 4 <= extra.size();) {
      const std::uint16_t id = get16(extra, q), len = get16(extra, q + 2);
      if (q + 4 + len > extra.size()) break;
      if (id == kZip64ExtraId) {
        std::size_t r = q + 4;
        for (std::uint64_t* field : {&e.uncompressed, &e.compressed, &e.offset}) {
          if (*field != kMax32) continue;
          if (r + 8 > q + 4 + len)
            fail(path, fmt::str("damaged: the ZIP64 field of entry ", safe_name(e.name),
                                " is too short"));
          *field = get64(extra, r);
          r += 8;
        }
      }
      q += 4 + len;
    }
    entries.push_back(std::move(e));
    p += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
  return entries;
}

// Raw deflate (no zlib or gzip header) of one entry into exactly `size` bytes.
std::string inflate_raw(const std::string& in, std::uint64_t size, const std::string& path,
                        const std::string& entry) {
  z_stream zs{};
  if (inflateInit2(&zs, -15) != Z_OK)
    fail(path, fmt::str("zlib could not start inflating entry ", safe_name(entry)));
  struct End {
    z_stream* zs;
    ~End() { inflateEnd(zs); }
  } end{&zs};
  // One spare byte: output beyond `size` is detected instead of silently cut.
  std::string out(size + 1, '\0');
  std::size_t in_given = 0, out_given = 0;
  for (;;) {
    if (zs.avail_in == 0 && in_given < in.size()) {
      const std::size_t n = std::min(kZlibStep, in.size() - in_given);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_given));
      zs.avail_in = static_cast<uInt>(n);
      in_given += n;
    }
    if (zs.avail_out == 0 && out_given < out.size()) {
      const std::size_t n = std::min(kZlibStep, out.size() - out_given);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + out_given);
      zs.avail_out = static_cast<uInt>(n);
      out_given += n;
    }
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_given == in.size())
      fail(path, fmt::str("damaged: the deflate data of entry ", safe_name(entry),
                          " ends early (truncated)"));
    if (rc == Z_BUF_ERROR && zs.avail_out == 0 && out_given == out.size())
      break;  // too long: below
    if (rc == Z_BUF_ERROR) continue;
    fail(path,
         fmt::str("damaged: entry ", safe_name(entry), " is not valid deflate data (zlib: ",
                  (zs.msg ? std::string(zs.msg) : std::string("error ").append(std::to_string(rc))),
                  ")"));
  }
  if (zs.total_out != size)
    fail(path,
         fmt::str("damaged: entry ", safe_name(entry), " inflates to ",
                  (zs.total_out > size ? std::string("more than ").append(std::to_string(size))
                                       : std::to_string(zs.total_out)),
                  " bytes, the central directory says ", size));
  out.resize(size);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> read_npz(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return read_npz(in, path);
}

std::vector<std::pair<std::string, Tensor>> read_npz(std::istream& in, const std::string& path) {
  ArchiveFile file(in, path);
  if (file.size() == 0) fail(path, "is empty, not a zip archive");
  const Directory dir = find_directory(file, path);
  const std::vector<Entry> entries = read_directory(file, dir, path);

  std::vector<std::pair<std::string, Tensor>> arrays;
  std::set<std::string> seen;
  for (const Entry& e : entries) {
    const std::string entry = safe_name(e.name);
    if (!e.name.empty() && e.name.back() == '/' && e.uncompressed == 0) continue;  // a directory
    if (e.name.find('\0') != std::string::npos)
      fail(path, fmt::str("entry ", entry, " has a NUL in its name"));
    if (!valid_utf8(e.name))
      fail(path, fmt::str("the name of entry ", entry, " is not valid UTF-8"));
    if (!seen.insert(e.name).second) fail(path, fmt::str("entry ", entry, " appears twice"));
    if (e.flags & kFlagEncrypted)
      fail(path, fmt::str("entry ", entry, " is encrypted, which keel does not read"));
    if (e.method != kMethodStored && e.method != kMethodDeflated)
      fail(path, fmt::str("entry ", entry, " uses unsupported compression method ", e.method, " (",
                          method_name(e.method),
                          "); keel reads stored (0) and deflated (8) entries, as "
                          "np.savez and np.savez_compressed write them"));
    if (e.method == kMethodStored && e.compressed != e.uncompressed)
      fail(path, fmt::str("damaged: stored entry ", entry, " has ", e.compressed,
                          " compressed but ", e.uncompressed, " uncompressed bytes"));
    // Deflate cannot expand more than about 1032:1; a larger claim is a damaged directory.
    if (e.method == kMethodDeflated && e.uncompressed > e.compressed * 1032 + 1024)
      fail(path, fmt::str("damaged: entry ", entry, " claims ", e.uncompressed, " bytes from ",
                          e.compressed, " deflated bytes"));

    const std::string local =
        file.read(e.offset, kLocalHeaderSize, "the local header of entry " + entry);
    if (get32(local, 0) != kLocalHeaderSig)
      fail(path, fmt::str("damaged: no local header for entry ", entry, " at offset ", e.offset));
    const std::uint64_t name_len = get16(local, 26), extra_len = get16(local, 28);
    if (file.read(e.offset + kLocalHeaderSize, name_len, "the local header of entry " + entry) !=
        e.name)
      fail(path, fmt::str("damaged: the local header of entry ", entry, " names another entry"));
    const std::uint64_t data_offset = e.offset + kLocalHeaderSize + name_len + extra_len;
    std::string data = file.read(data_offset, e.compressed, "the data of entry " + entry);
    if (e.method == kMethodDeflated) data = inflate_raw(data, e.uncompressed, path, e.name);

    const std::uint32_t crc = crc32_of(data);
    if (crc != e.crc)
      fail(path, fmt::str("damaged: CRC-32 mismatch in entry ", entry, " (stored ", hex32(e.crc),
                          ", computed ", hex32(crc), ")"));

    std::string name = e.name;
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    std::istringstream in(std::move(data));
    arrays.emplace_back(std::move(name), read_npy(in, path + ":" + e.name));
  }
  return arrays;
}

}  // namespace keel
