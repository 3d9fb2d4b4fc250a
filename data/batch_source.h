// BatchSource: what Keras 1 called a generator — an endless source of batches for
// Model::fit_generator, evaluate_generator and predict_generator. next() returns the next batch
// (x, y and optionally sample_weight; y may be undefined for predict-only sources) and may
// block; it throws keel::Error when a batch cannot be produced (a corrupt file, ...).
// preprocessing/ImageDataGenerator's flow() and flow_from_directory() are BatchSources; so is
// any user class deriving from it.
#pragma once

#include "keel/data/dataset.h"

namespace keel {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual Batch next() = 0;
};

}  // namespace keel
