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
  // True for a source that already makes batches ahead on threads of its own (the image
  // iterators): fit_generator then reads it directly rather than through a second queue, so
  // the batches it has handed out are exactly those trained on, and a run resumed from a
  // checkpoint can continue the source where it stopped (ImageIterator::seek).
  virtual bool reads_ahead() const { return false; }
};

}  // namespace keel
