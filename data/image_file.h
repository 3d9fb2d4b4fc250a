// Image files in and out: JPEG and PNG decoded by Debian's libjpeg-turbo and libpng through
// Boost.GIL's io, as Keras 1's load_img + img_to_array and array_to_img + save did with PIL.
//
//   Tensor x = keel::load_image("cat.jpg", {.target_size = {150, 150}});  // (150, 150, 3)
//
// The result is float32 in [0, 255], (rows, cols, channels) for tf and (channels, rows, cols)
// for th; 3 channels (RGB; a gray or palette image is converted, alpha dropped), or 1 with
// grayscale. target_size (rows, cols) resizes with nearest neighbour, as PIL's Image.resize did
// by default for Keras 1.2.2. The format is taken from the file's first bytes, not its name.
// IOError naming the file for a missing, unreadable, truncated or corrupt file, or one that is
// neither JPEG nor PNG.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "keel/core/config.h"
#include "keel/core/tensor.h"

namespace keel {

struct LoadImageOptions {
  bool grayscale = false;
  std::optional<std::array<std::int64_t, 2>> target_size;  // (rows, cols)
  std::string dim_ordering = "default";
};

Tensor load_image(const std::string& path, const LoadImageOptions& options = {});

// Writes a (rows, cols, channels) (tf) or (channels, rows, cols) (th) tensor with 1 or 3
// channels as a PNG (or a JPEG of quality 95 when the path ends in .jpg or .jpeg), scaled to [0,
// 255] from its own min and max when `scale` (Keras's array_to_img(scale=True)), else clipped to
// [0, 255]; atomically.
void save_image(const std::string& path, const Tensor& image, const std::string& dim_ordering,
                bool scale = true);

}  // namespace keel
