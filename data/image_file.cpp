#include "keel/data/image_file.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "keel/core/atomic_file.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/data/detail/image_codec.h"

namespace keel {

namespace {

enum class Format { jpeg, png };

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError(fmt::str(path, ": cannot be opened (missing file or no permission)"));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Format format_of(const std::string& bytes, const std::string& path) {
  const auto starts = [&](std::string_view magic) {
    return bytes.size() >= magic.size() && bytes.compare(0, magic.size(), magic) == 0;
  };
  if (starts("\xFF\xD8\xFF")) return Format::jpeg;
  if (starts("\x89PNG\r\n\x1a\n")) return Format::png;
  throw IOError(fmt::str(path, ": not a JPEG or PNG image"));
}

image_codec::Pixels decode(const std::string& bytes, Format f, bool gray, const std::string& path) {
  image_codec::Pixels px;
  std::string error;
  if (!image_codec::decode(bytes, f == Format::png, gray, px, error))
    throw IOError(fmt::str(path, ": cannot decode the ", f == Format::jpeg ? "JPEG" : "PNG",
                           " image (", error, ")"));
  if (px.width <= 0 || px.height <= 0) throw IOError(fmt::str(path, ": the image is empty"));
  return px;
}

// The pixels as a float tensor, resized with nearest neighbour: source index
// floor((i + 0.5) * in / out), PIL's mapping.
Tensor to_tensor(const image_codec::Pixels& px, std::int64_t rows, std::int64_t cols, bool th) {
  const std::int64_t in_rows = px.height, in_cols = px.width, channels = px.channels;
  Tensor t = Tensor::empty(th ? Shape{channels, rows, cols} : Shape{rows, cols, channels});
  float* out = t.data();
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto sr = std::min<std::int64_t>(in_rows - 1, (2 * r + 1) * in_rows / (2 * rows));
    for (std::int64_t c = 0; c < cols; ++c) {
      const auto sc = std::min<std::int64_t>(in_cols - 1, (2 * c + 1) * in_cols / (2 * cols));
      const std::uint8_t* p = px.data.data() + (sr * in_cols + sc) * channels;
      for (std::int64_t k = 0; k < channels; ++k)
        out[th ? (k * rows + r) * cols + c : (r * cols + c) * channels + k] =
            static_cast<float>(p[k]);
    }
  }
  return t;
}

}  // namespace

Tensor load_image(const std::string& path, const LoadImageOptions& o) {
  const bool th = parse_dim_ordering(o.dim_ordering, "load_image: dim_ordering") == DimOrdering::th;
  if (o.target_size && ((*o.target_size)[0] < 1 || (*o.target_size)[1] < 1))
    throw ValueError(fmt::str("load_image: target_size is ", fmt::tuple(*o.target_size),
                              ", expected two sizes >= 1"));
  const std::string bytes = read_bytes(path);
  const Format f = format_of(bytes, path);
  const image_codec::Pixels px = decode(bytes, f, o.grayscale, path);
  const std::int64_t rows = o.target_size ? (*o.target_size)[0] : px.height;
  const std::int64_t cols = o.target_size ? (*o.target_size)[1] : px.width;
  return to_tensor(px, rows, cols, th);
}

void save_image(const std::string& path, const Tensor& image, const std::string& dim_ordering,
                bool scale) {
  const bool th = parse_dim_ordering(dim_ordering, "save_image: dim_ordering") == DimOrdering::th;
  const Tensor x = image.to_plain();
  const Shape& s = x.shape();
  const std::int64_t channels = s.rank() == 3 ? s[th ? 0 : 2] : 0;
  if (s.rank() != 3 || (channels != 1 && channels != 3))
    throw ShapeError(fmt::str("save_image: ", path, ": image of shape ", s.str(),
                              ", expected 3 axes with 1 or 3 channels ", th ? "first" : "last"));
  const std::int64_t rows = s[th ? 1 : 0], cols = s[th ? 2 : 1];
  const float* p = x.data();
  float lo = 0, hi = 255;
  if (scale && x.numel() > 0) {
    lo = *std::min_element(p, p + x.numel());
    hi = *std::max_element(p, p + x.numel());
  }
  const auto byte = [&](float v) {
    const float scaled = scale ? (hi > lo ? (v - lo) / (hi - lo) * 255.f : 0.f) : v;
    return static_cast<std::uint8_t>(std::clamp(std::lround(scaled), 0L, 255L));
  };
  const auto at = [&](std::int64_t r, std::int64_t c, std::int64_t k) {
    return p[th ? (k * rows + r) * cols + c : (r * cols + c) * channels + k];
  };
  image_codec::Pixels px{
      static_cast<int>(cols), static_cast<int>(rows), static_cast<int>(channels), {}};
  px.data.reserve(static_cast<std::size_t>(rows * cols * channels));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c)
      for (std::int64_t k = 0; k < channels; ++k) px.data.push_back(byte(at(r, c, k)));
  const bool jpeg = path.ends_with(".jpg") || path.ends_with(".jpeg");
  std::string bytes, error;
  if (!image_codec::encode(px, !jpeg, bytes, error))
    throw IOError(
        fmt::str(path, ": cannot encode the ", jpeg ? "JPEG" : "PNG", " image (", error, ")"));
  write_file_atomically(path, bytes);
}

}  // namespace keel
