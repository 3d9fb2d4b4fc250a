#include "keel/core/npy.h"

#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>
#include <vector>

#include "keel/core/atomic_file.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/tensor_ops.h"

namespace keel {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& problem) {
  throw IOError(fmt::str(what, ": ", problem));
}

// The value of `key` in the header dict, as the raw text up to the next top-level comma.
std::string dict_value(const std::string& header, const std::string& key, const std::string& what) {
  const std::string quoted = "'" + key + "'";
  auto pos = header.find(quoted);
  if (pos == std::string::npos) fail(what, fmt::str("the .npy header has no '", key, "' entry"));
  pos = header.find(':', pos + quoted.size());
  if (pos == std::string::npos) fail(what, "malformed .npy header");
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  if (pos < header.size() && header[pos] == '(') {
    const auto end = header.find(')', pos);
    if (end == std::string::npos) fail(what, "malformed shape in the .npy header");
    return header.substr(pos, end - pos + 1);
  }
  const auto end = header.find_first_of(",}", pos);
  return header.substr(pos, end - pos);
}

std::vector<std::int64_t> parse_shape(const std::string& text, const std::string& what) {
  std::vector<std::int64_t> dims;
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    fail(what, fmt::str("the shape ", fmt::quoted(text), " in the .npy header is not a tuple"));
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto first = item.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    try {
      std::size_t used = 0;
      const long long v = std::stoll(item.substr(first), &used);
      if (v < 0) throw std::invalid_argument("negative");
      dims.push_back(v);
    } catch (const std::exception&) {
      fail(what, fmt::str("bad dimension '", item, "' in the .npy shape ", text));
    }
  }
  if (dims.size() > static_cast<std::size_t>(Shape::kMaxRank))
    fail(what, fmt::str("rank ", dims.size(), " exceeds keel's maximum ", Shape::kMaxRank));
  return dims;
}

template <typename T>
void convert(const std::vector<char>& raw, float* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<float>(v);
  }
}

}  // namespace

Tensor read_npy(std::istream& in, const std::string& what) {
  char magic[8];
  if (!in.read(magic, 8)) fail(what, "too short for a .npy file");
  if (std::memcmp(magic, "\x93NUMPY", 6) != 0) fail(what, "not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) fail(what, "truncated .npy header");
    header_len = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) fail(what, "truncated .npy header");
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  } else {
    fail(what, fmt::str("unsupported .npy format version ", major));
  }
  if (header_len > (1u << 20)) fail(what, "implausible .npy header length");
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) fail(what, "truncated .npy header");

  std::string descr = dict_value(header, "descr", what);
  descr.erase(0, descr.find_first_not_of(" '\""));
  descr.erase(descr.find_last_not_of(" '\"") + 1);
  const bool fortran = dict_value(header, "fortran_order", what).find("True") != std::string::npos;
  const auto dims = parse_shape(dict_value(header, "shape", what), what);
  const Shape shape(dims);
  const std::int64_t n = shape.numel();

  std::size_t item = 0;
  if (descr == "<f4" || descr == "<i4")
    item = 4;
  else if (descr == "<f8" || descr == "<i8")
    item = 8;
  else
    fail(what, fmt::str("unsupported dtype '", descr, "' (expected <f4, <f8, <i4 or <i8)"));

  // Check the size against what the stream holds before allocating: a header may claim any
  // shape.
  const std::uint64_t need = static_cast<std::uint64_t>(n) * item;
  if (const auto here = in.tellg(); here != std::streampos(-1)) {
    in.seekg(0, std::ios::end);
    const auto end = in.tellg();
    in.seekg(here);
    if (end != std::streampos(-1) && static_cast<std::uint64_t>(end - here) < need)
      fail(what,
           fmt::str("truncated data: expected ", need, " bytes for shape ", shape.str(), " of ",
                    descr, ", the file has ", static_cast<std::uint64_t>(end - here)));
  }
  std::vector<char> raw(static_cast<std::size_t>(need));
  if (!in.read(raw.data(), static_cast<std::streamsize>(raw.size())))
    fail(what, fmt::str("truncated data: expected ", raw.size(), " bytes for shape ", shape.str(),
                        " of ", descr));

  // Fortran order is C order of the reversed shape, transposed back.
  std::vector<std::int64_t> stored = dims;
  if (fortran) std::reverse(stored.begin(), stored.end());
  Tensor t = Tensor::empty(Shape(stored));
  if (descr == "<f4") {
    if (!raw.empty()) std::memcpy(t.data(), raw.data(), raw.size());  // memcpy(_, null, 0) is UB
  } else if (descr == "<f8")
    convert<double>(raw, t.data(), n);
  else if (descr == "<i4")
    convert<std::int32_t>(raw, t.data(), n);
  else
    convert<std::int64_t>(raw, t.data(), n);
  if (fortran && shape.rank() > 1) {
    std::vector<int> perm(static_cast<std::size_t>(shape.rank()));
    std::iota(perm.rbegin(), perm.rend(), 0);
    return ops::permute(t, perm);
  }
  return fortran ? t.reshape(shape) : t;
}

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot be opened (missing file or no permission)");
  return read_npy(in, path);
}

std::string npy_bytes(const Tensor& t_in) {
  const Tensor t = t_in.to_plain();
  std::string shape = "(";
  for (int i = 0; i < t.rank(); ++i) shape += std::to_string(t.shape()[i]) + ", ";
  if (t.rank() > 1)
    shape.erase(shape.size() - 2);  // NumPy writes (3,) but (2, 3)
  else if (t.rank() == 1)
    shape.erase(shape.size() - 1);
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that the data starts on a 64-byte boundary; the header ends with '\n'.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(t.data()), static_cast<std::size_t>(t.numel()) * 4);
  return out;
}

void write_npy(const std::string& path, const Tensor& t) {
  write_file_atomically(path, npy_bytes(t));
}

}  // namespace keel
