// The iterators of ImageDataGenerator (preprocessing/image_data_generator.h): batches of
// augmented, standardised images, produced ahead of the training loop by background workers
// into a bounded queue, so that decoding and augmentation overlap training.
//
// Order: Keras 1.2.2's Iterator — each epoch visits every sample once, in a new order when
// shuffle (epoch_order(n, seed, epoch), data/dataset.h), in batches of batch_size and a last,
// smaller batch. Batch b is a function of (seed, b) only: the workers may finish batches in any
// order, next() hands them out in order, and the images are the same with 1 or 8 workers.
// Without a seed, one is drawn from keel's global RNG (keel::set_seed makes runs repeatable).
//
// Errors: a batch that cannot be made (a corrupt image: IOError naming the file) is rethrown by
// the next() that asks for it; with skip_corrupt, flow_from_directory leaves such images out of
// their batch instead and counts them (skipped()).
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "keel/core/kwargs.h"
#include "keel/data/batch_source.h"

namespace keel::preprocessing {

class ImageDataGenerator;

struct FlowOptions {
  std::int64_t batch_size = 32;
  bool shuffle = true;
  std::optional<std::uint64_t> seed;  // none: drawn from keel's global RNG
  std::string save_to_dir;            // "" = do not save; else each augmented image is saved
  std::string save_prefix;            //   as <prefix>_<index>_<hash>.<format>
  std::string save_format = "jpeg";   //   jpeg or png
  int workers = 2;                    // background threads making batches
  int max_queue = 10;                 // batches made ahead of next()

  static auto fields() {
    using O = FlowOptions;
    using kwargs::field;
    return kwargs::fields(field("batch_size", &O::batch_size, kwargs::positive()),
                          field("shuffle", &O::shuffle), field("seed", &O::seed),
                          field("save_to_dir", &O::save_to_dir),
                          field("save_prefix", &O::save_prefix),
                          field("save_format", &O::save_format, kwargs::one_of({"jpeg", "png"})),
                          field("workers", &O::workers, kwargs::positive()),
                          field("max_queue", &O::max_queue, kwargs::positive()));
  }
};

struct DirectoryOptions {
  std::array<std::int64_t, 2> target_size{256, 256};  // (rows, cols) every image is resized to
  std::string color_mode = "rgb";                     // rgb (3 channels) or grayscale (1)
  std::vector<std::string> classes;        // subfolder names, in label order; empty: all, sorted
  std::string class_mode = "categorical";  // categorical, binary, sparse, or "" (no labels)
  std::int64_t batch_size = 32;
  bool shuffle = true;
  std::optional<std::uint64_t> seed;
  std::string save_to_dir;
  std::string save_prefix;
  std::string save_format = "jpeg";
  bool follow_links = false;  // follow symbolic links to folders
  int workers = 2;
  int max_queue = 10;
  bool skip_corrupt = false;  // leave unreadable images out (counted) instead of throwing
  bool verbose = true;        // print "Found N images belonging to C classes." as Keras

  static auto fields() {
    using O = DirectoryOptions;
    using kwargs::field;
    return kwargs::fields(
        field("target_size", &O::target_size, kwargs::positive()),
        field("color_mode", &O::color_mode, kwargs::one_of({"rgb", "grayscale"})),
        field("classes", &O::classes),
        field("class_mode", &O::class_mode,
              kwargs::one_of({"categorical", "binary", "sparse", ""})),
        field("batch_size", &O::batch_size, kwargs::positive()), field("shuffle", &O::shuffle),
        field("seed", &O::seed), field("save_to_dir", &O::save_to_dir),
        field("save_prefix", &O::save_prefix),
        field("save_format", &O::save_format, kwargs::one_of({"jpeg", "png"})),
        field("follow_links", &O::follow_links), field("workers", &O::workers, kwargs::positive()),
        field("max_queue", &O::max_queue, kwargs::positive()),
        field("skip_corrupt", &O::skip_corrupt), field("verbose", &O::verbose));
  }
};

// What both iterators share: the epoch order, the workers, the queue and the saving.
class ImageIterator : public BatchSource {
 public:
  ~ImageIterator() override;
  ImageIterator(const ImageIterator&) = delete;
  ImageIterator& operator=(const ImageIterator&) = delete;

  Batch next() override;
  bool reads_ahead() const override { return true; }

  std::int64_t samples() const { return n_; }
  std::int64_t batch_size() const { return batch_size_; }
  std::int64_t batches_per_epoch() const { return (n_ + batch_size_ - 1) / batch_size_; }
  std::uint64_t seed() const { return seed_; }
  // Batches handed out so far (the position a checkpoint would keep).
  std::int64_t batches_seen() const;
  // Restarts at batch `b` (0 = the first batch of epoch 0); drops batches made ahead. A run
  // resumed at epoch e of fit_generator(samples_per_epoch = samples()) seeks to
  // e * batches_per_epoch().
  void seek(std::int64_t b);
  // The images left out by skip_corrupt so far (each counted once).
  std::int64_t skipped() const;

  // The options both iterators take (FlowOptions, DirectoryOptions).
  struct Common {
    std::int64_t batch_size;
    bool shuffle;
    std::optional<std::uint64_t> seed;
    std::string save_to_dir, save_prefix, save_format;
    int workers, max_queue;
  };

 protected:
  ImageIterator(std::shared_ptr<const ImageDataGenerator> generator, std::int64_t n,
                const Common& c);

  // Sample `index` as loaded (before augmentation); nullopt when it is to be skipped.
  virtual std::optional<Tensor> load(std::int64_t index) const = 0;
  // The labels of `indices` (batch first), or undefined.
  virtual Tensor labels(const std::vector<std::int64_t>& indices) const = 0;
  void count_skipped(std::int64_t index) const;
  // Joins the workers: every derived class's destructor calls it first, so that no worker is
  // still inside load() or labels() while the derived part is destroyed.
  void stop_workers();

  std::shared_ptr<const ImageDataGenerator> generator_;

 private:
  Batch make_batch(std::int64_t b) const;
  // The sample order of `epoch`, shared by the batches of that epoch (computed once, not per
  // batch: epoch_order is O(samples)).
  std::shared_ptr<const std::vector<std::int64_t>> order_of(std::int64_t epoch) const;
  void work();
  void start_workers();

  std::int64_t n_, batch_size_;
  bool shuffle_;
  std::uint64_t seed_;
  std::string save_to_dir_, save_prefix_, save_format_;
  int workers_, max_queue_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::int64_t, std::pair<Batch, std::exception_ptr>> ready_;
  std::int64_t next_ = 0;         // the batch next() returns
  std::int64_t claim_ = 0;        // the batch the next free worker makes
  std::uint64_t generation_ = 0;  // bumped by seek(): batches of an older generation are dropped
  bool stop_ = false;
  std::vector<std::thread> threads_;
  mutable std::set<std::int64_t> skipped_;  // indices of the samples left out
  mutable std::mutex order_mu_;             // guards the cached epoch order
  mutable std::int64_t order_epoch_ = -1;
  mutable std::shared_ptr<const std::vector<std::int64_t>> order_;
};

// flow(x, y): batches from arrays.
class ArrayIterator : public ImageIterator {
 public:
  ArrayIterator(std::shared_ptr<const ImageDataGenerator> generator, Tensor x, Tensor y,
                const FlowOptions& options);
  ~ArrayIterator() override { stop_workers(); }

 protected:
  std::optional<Tensor> load(std::int64_t index) const override;
  Tensor labels(const std::vector<std::int64_t>& indices) const override;

 private:
  Tensor x_, y_;
};

// flow_from_directory(dir): batches from image files, one subfolder per class.
class DirectoryIterator : public ImageIterator {
 public:
  DirectoryIterator(std::shared_ptr<const ImageDataGenerator> generator, std::string directory,
                    const DirectoryOptions& options);
  ~DirectoryIterator() override { stop_workers(); }

  const std::vector<std::string>& classes() const { return classes_; }
  // Keras's class_indices: {class name: label}.
  std::map<std::string, int> class_indices() const;
  const std::vector<std::string>& filenames() const { return files_; }  // relative paths
  const std::vector<int>& class_of() const { return labels_; }

 protected:
  std::optional<Tensor> load(std::int64_t index) const override;
  Tensor labels(const std::vector<std::int64_t>& indices) const override;

 private:
  struct Scan {
    std::vector<std::string> classes, files;
    std::vector<int> labels;
  };
  static Scan scan(const std::string& directory, const DirectoryOptions& o);
  DirectoryIterator(std::shared_ptr<const ImageDataGenerator> generator, std::string directory,
                    const DirectoryOptions& options, Scan found);

  std::string directory_;
  DirectoryOptions o_;
  std::vector<std::string> classes_;
  std::vector<std::string> files_;
  std::vector<int> labels_;
};

}  // namespace keel::preprocessing
