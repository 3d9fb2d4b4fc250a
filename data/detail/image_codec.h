// JPEG/PNG decoding and PNG encoding over Boost.GIL's io, behind an interface of plain bytes.
// Boost 1.74's GIL io headers do not compile as C++20 (constructors spelled as template-ids),
// so data/image_codec.cpp is the one keel file built as C++17, and this header is all it shares
// with the rest of keel: no keel types cross it, and it reports failures as a false result
// with a message, which data/image_file.cpp turns into an IOError naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keel::image_codec {

struct Pixels {
  int width = 0, height = 0, channels = 0;  // channels: 1 (gray) or 3 (RGB)
  std::vector<std::uint8_t> data;           // row-major, interleaved channels
};

// Decodes a whole JPEG or PNG file (`png` selects which) into 8-bit gray or RGB pixels.
bool decode(const std::string& bytes, bool png, bool gray, Pixels& out, std::string& error);

// Encodes 8-bit gray or RGB pixels as a PNG or (quality 95) JPEG file.
bool encode(const Pixels& pixels, bool png, std::string& out, std::string& error);

}  // namespace keel::image_codec
