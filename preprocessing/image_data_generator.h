// ImageDataGenerator: Keras 1.2.2's real-time image augmentation and normalisation
// (keras/preprocessing/image.py), feeding fit_generator from arrays (flow) or from a folder of
// JPEG/PNG images with one subfolder per class (flow_from_directory).
//
//   using namespace keel::preprocessing;
//   ImageDataGenerator gen({.shear_range = 0.2, .zoom_range = 0.2, .horizontal_flip = true,
//                           .rescale = 1.0 / 255});
//   auto train = gen.flow_from_directory("data/train", {.target_size = {150, 150},
//                                                       .batch_size = 32, .seed = 1});
//   model.fit_generator(*train, {.samples_per_epoch = train->samples(), .nb_epoch = 5});
//
// Arguments (the options table below is their one declaration), as Keras 1.2.2:
//   featurewise_center / featurewise_std_normalization  subtract the dataset mean / divide by
//       its std, per pixel and channel, from fit(x)
//   samplewise_center / samplewise_std_normalization    per image, along the channel axis
//       (Keras 1.2.2's axis; std + 1e-7)
//   zca_whitening       ZCA from fit(x): principal components of the flattened images
//   rotation_range      degrees, uniform in [-r, r]
//   width_shift_range, height_shift_range  fractions of the width / height, uniform in [-f, f]
//   shear_range         radians, uniform in [-s, s]
//   zoom_range          z: uniform in [1 - z, 1 + z], or [lo, hi]; one draw per axis
//   channel_shift_range per channel, uniform in [-r, r], clipped to the image's range
//   fill_mode, cval     'constant' (cval), 'nearest', 'reflect' or 'wrap' outside the image
//   horizontal_flip, vertical_flip  each with probability 1/2
//   rescale             multiplies first (after preprocessing_function); 0 or none: off
//   preprocessing_function  applied to each image first (a keel extension's callable: runtime)
//   dim_ordering        'tf', 'th' or 'default'
// The transforms compose as Keras's (rotation, translation, shear, zoom about the image centre,
// nearest-neighbour sampling) and every random draw comes from a Philox stream keyed by the
// iterator's seed, the epoch and the sample's position, so the augmented batches are
// reproducible from the seed whatever the number of workers. ValueError naming the argument
// for bad options; ShapeError for images of the wrong rank.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keel/core/config.h"
#include "keel/core/kwargs.h"
#include "keel/core/random.h"
#include "keel/core/tensor.h"
#include "keel/preprocessing/image_iterator.h"

namespace keel::preprocessing {

struct ImageDataGeneratorOptions {
  bool featurewise_center = false;
  bool samplewise_center = false;
  bool featurewise_std_normalization = false;
  bool samplewise_std_normalization = false;
  bool zca_whitening = false;
  double rotation_range = 0;
  double width_shift_range = 0;
  double height_shift_range = 0;
  double shear_range = 0;
  Config zoom_range = 0.0;  // a number z >= 0, or [lo, hi]
  double channel_shift_range = 0;
  std::string fill_mode = "nearest";
  double cval = 0;
  bool horizontal_flip = false;
  bool vertical_flip = false;
  std::optional<double> rescale;
  std::function<Tensor(const Tensor&)> preprocessing_function;
  std::string dim_ordering = "default";

  static auto fields() {
    using O = ImageDataGeneratorOptions;
    using kwargs::field;
    kwargs::Rule<Config> zoom = [](const Config& z) {
      const bool number = z.is_number() && z.get<double>() >= 0;
      const bool pair = z.is_array() && z.size() == 2 && z[0].is_number() && z[1].is_number() &&
                        z[0].get<double>() > 0 && z[0].get<double>() <= z[1].get<double>();
      return number || pair ? std::string()
                            : std::string("a number >= 0 or [lo, hi], 0 < lo <= hi");
    };
    return kwargs::fields(
        field("featurewise_center", &O::featurewise_center),
        field("samplewise_center", &O::samplewise_center),
        field("featurewise_std_normalization", &O::featurewise_std_normalization),
        field("samplewise_std_normalization", &O::samplewise_std_normalization),
        field("zca_whitening", &O::zca_whitening),
        field("rotation_range", &O::rotation_range, kwargs::non_negative()),
        field("width_shift_range", &O::width_shift_range, kwargs::non_negative()),
        field("height_shift_range", &O::height_shift_range, kwargs::non_negative()),
        field("shear_range", &O::shear_range, kwargs::non_negative()),
        field("zoom_range", &O::zoom_range, zoom),
        field("channel_shift_range", &O::channel_shift_range, kwargs::non_negative()),
        field("fill_mode", &O::fill_mode,
              kwargs::one_of({"constant", "nearest", "reflect", "wrap"})),
        field("cval", &O::cval), field("horizontal_flip", &O::horizontal_flip),
        field("vertical_flip", &O::vertical_flip), field("rescale", &O::rescale),
        kwargs::runtime("preprocessing_function", &O::preprocessing_function),
        field("dim_ordering", &O::dim_ordering, kwargs::one_of({"tf", "th", "default"})));
  }
};

class ImageDataGenerator {
 public:
  explicit ImageDataGenerator(const ImageDataGeneratorOptions& options = {});

  const ImageDataGeneratorOptions& options() const { return o_; }
  DimOrdering dim_ordering() const { return ordering_; }

  // One image (rank 3), randomly transformed with draws from `rng`.
  Tensor random_transform(const Tensor& image, Philox& rng) const;
  // One image normalised: preprocessing_function, rescale, samplewise, featurewise, ZCA.
  // ValueError when a featurewise option or ZCA is on and fit() has not run.
  Tensor standardize(const Tensor& image) const;
  // The dataset statistics of the featurewise options and ZCA, from x (N, image...): with
  // `augment`, from `rounds` randomly transformed copies (seeded by `seed`).
  void fit(const Tensor& x, bool augment = false, int rounds = 1, std::uint64_t seed = 0);

  // Batches of (transformed, standardised) images from arrays: x (N, image...), y (N, ...) or
  // undefined.
  std::shared_ptr<ImageIterator> flow(const Tensor& x, const Tensor& y,
                                      const FlowOptions& options = {}) const;
  // Batches from the images under `directory`: one subfolder per class.
  std::shared_ptr<DirectoryIterator> flow_from_directory(
      const std::string& directory, const DirectoryOptions& options = {}) const;

 private:
  ImageDataGeneratorOptions o_;
  DimOrdering ordering_;
  std::array<double, 2> zoom_{1, 1};
  Tensor mean_, std_, principal_components_;  // from fit()
};

}  // namespace keel::preprocessing
