// Built as C++17 (see data/detail/image_codec.h).
#include "keel/data/detail/image_codec.h"

#include <boost/gil.hpp>
#include <boost/gil/extension/io/jpeg.hpp>
#include <boost/gil/extension/io/png.hpp>

#include <exception>
#include <sstream>

namespace keel::image_codec {

namespace {

namespace gil = boost::gil;

template <class Image>
bool decode_as(const std::string& bytes, bool png, Pixels& out, std::string& error) {
  Image img;
  try {
    std::istringstream in(bytes);
    if (png)
      gil::read_and_convert_image(in, img, gil::png_tag());
    else
      gil::read_and_convert_image(in, img, gil::jpeg_tag());
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  const auto v = gil::const_view(img);
  out.width = static_cast<int>(v.width());
  out.height = static_cast<int>(v.height());
  out.channels = gil::num_channels<Image>::value;
  out.data.resize(static_cast<std::size_t>(out.width) * out.height * out.channels);
  std::size_t i = 0;
  for (int r = 0; r < out.height; ++r)
    for (int c = 0; c < out.width; ++c)
      for (int k = 0; k < out.channels; ++k) out.data[i++] = v(c, r)[k];
  return true;
}

}  // namespace

bool decode(const std::string& bytes, bool png, bool gray, Pixels& out, std::string& error) {
  return gray ? decode_as<gil::gray8_image_t>(bytes, png, out, error)
              : decode_as<gil::rgb8_image_t>(bytes, png, out, error);
}

namespace {

template <class Image, class Tag>
void write_as(const Pixels& p, std::ostream& s, const Tag& tag) {
  Image img(p.width, p.height);
  auto v = gil::view(img);
  std::size_t i = 0;
  for (int r = 0; r < p.height; ++r)
    for (int c = 0; c < p.width; ++c)
      for (int k = 0; k < p.channels; ++k) v(c, r)[k] = p.data[i++];
  gil::write_view(s, gil::const_view(img), tag);
}

template <class Tag>
void write_pixels(const Pixels& p, std::ostream& s, const Tag& tag) {
  if (p.channels == 3)
    write_as<gil::rgb8_image_t>(p, s, tag);
  else
    write_as<gil::gray8_image_t>(p, s, tag);
}

}  // namespace

bool encode(const Pixels& p, bool png, std::string& out, std::string& error) {
  try {
    std::ostringstream s;
    if (png)
      write_pixels(p, s, gil::png_tag());
    else
      write_pixels(p, s, gil::image_write_info<gil::jpeg_tag>(95));
    out = s.str();
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

}  // namespace keel::image_codec
