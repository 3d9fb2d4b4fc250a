#include "keel/proto/tensor_io.h"

#include <bit>
#include <cstring>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

static_assert(std::endian::native == std::endian::little,
              "keel writes tensors little-endian and assumes a little-endian host");

proto::TensorProto to_proto(const Tensor& t, const std::string& name, std::size_t chunk_bytes) {
  if (chunk_bytes == 0) throw ValueError("to_proto: chunk_bytes is 0, expected > 0");
  const Tensor plain = t.to_plain();
  proto::TensorProto p;
  p.set_name(name);
  p.set_dtype(proto::FLOAT32);
  for (int i = 0; i < plain.rank(); ++i) p.add_shape(plain.shape()[i]);
  const char* bytes = reinterpret_cast<const char*>(plain.data());
  const std::size_t total = static_cast<std::size_t>(plain.numel()) * sizeof(float);
  for (std::size_t off = 0; off < total; off += chunk_bytes)
    p.add_chunks(bytes + off, std::min(chunk_bytes, total - off));
  return p;
}

Tensor from_proto(const proto::TensorProto& p) {
  const std::string who = "tensor '" + p.name() + "'";
  if (p.dtype() != proto::FLOAT32)
    throw IOError(fmt::str(who, ": dtype ", p.dtype(), " is not float32"));
  if (p.shape_size() > Shape::kMaxRank)
    throw IOError(fmt::str(who, ": rank ", p.shape_size(), " exceeds ", Shape::kMaxRank));
  std::vector<std::int64_t> dims(p.shape().begin(), p.shape().end());
  for (auto d : dims)
    if (d < 0) throw IOError(fmt::str(who, ": negative dimension ", d));
  const Shape shape(dims);
  std::size_t total = 0;
  for (const auto& c : p.chunks()) total += c.size();
  const std::size_t expected = static_cast<std::size_t>(shape.numel()) * sizeof(float);
  if (total != expected)
    throw IOError(
        fmt::str(who, ": ", total, " data bytes for shape ", shape.str(), ", expected ", expected));
  Tensor t = Tensor::empty(shape);
  char* out = reinterpret_cast<char*>(t.data());
  for (const auto& c : p.chunks()) {
    std::memcpy(out, c.data(), c.size());
    out += c.size();
  }
  return t;
}

}  // namespace keel
