// libFuzzer target for keel's Keras 1 HDF5 import (models/keras_h5.h): any byte string must read
// as a weights file or throw keel::Error. The bytes are parsed by Debian's HDF5 library (keel
// parses no HDF5 itself): this target checks what keel does with whatever HDF5 hands back —
// attribute types, string sizes, dataset ranks and sizes. Seeds: weights files keel writes in
// the Keras layout, for a model with convolution, batch norm and dense weights.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "fuzz_seed.h"
#include "keel/core/error.h"
#include "keel/layers/batch_normalization.h"
#include "keel/layers/convolution.h"
#include "keel/layers/core_layers.h"
#include "keel/layers/dense.h"
#include "keel/models/keras_h5.h"
#include "keel/models/sequential.h"

void keel_write_seeds(const std::string& dir) {
  keel::Sequential m;
  m.add(keel::layers::Convolution2D(2, 3, 3, {.input_shape = {5, 5, 1}}));
  m.add(keel::layers::BatchNormalization());
  m.add(keel::layers::Flatten());
  m.add(keel::layers::Dense(2));
  m.save_weights_h5(dir + "/sequential.h5");
  keel::Sequential d;
  d.add(keel::layers::Dense(3, {.input_shape = {2}}));
  d.save_weights_h5(dir + "/dense.h5");
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const keel::KerasWeightFile f = keel::read_keras_weight_file_image(
        std::string(reinterpret_cast<const char*>(data), size), "fuzz.h5");
    std::size_t n = 0;
    for (const auto& l : f.layers) n += l.values.size();
    (void)n;
  } catch (const keel::Error&) {
  }
  return 0;
}
