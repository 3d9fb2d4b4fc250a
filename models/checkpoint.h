// Checkpoints: everything a training run needs to continue, in one file.
//
//   keel::save_checkpoint("run.ckpt", model, {.epoch = 3});    // model, its optimizer, state
//   auto ckpt = keel::load_checkpoint("run.ckpt");              // a new model and optimizer
//   keel::set_rng_state(ckpt.state.rng);                      // to continue the run exactly
//   ckpt.model->fit(x, y, {.nb_epoch = 10, .initial_epoch = static_cast<int>(ckpt.state.epoch)});
//
// A checkpoint holds the keel and format versions, the architecture (each layer's class and
// Keras arguments and the graph's connections: the model is rebuilt with no code), the weights
// (Keras layout, little-endian, chunked), the optimizer (class, configuration, iteration count,
// every state slot of every weight), the training state (epoch, step, keel's RNG state, the
// data-order seed, callback state, learning rate, the loss and metrics to recompile with) and
// user metadata, with a CRC32C over each tensor and over the whole file (proto/checkpoint.proto,
// proto/detail/record_file.h).
//
// Saving writes a temporary file next to the target, fsyncs it, renames it over the target and
// fsyncs the directory: a crash at any moment leaves the previous checkpoint loadable.
// Loading verifies everything before building anything and throws keel::Error (IOError for a
// damaged or foreign file, ValueError for one that does not fit) naming the path and the
// problem. Nothing is built before the whole file has been verified.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "keel/core/json.h"
#include "keel/core/random.h"
#include "keel/models/model.h"
#include "keel/optimizers/optimizer.h"

namespace keel {

struct TrainingState {
  std::int64_t epoch = 0;               // epochs completed
  std::int64_t step = 0;                // optimizer updates applied
  RngState rng = {};                    // keel's global RNG (dropout, ...); saved as it is now
  std::uint64_t shuffle_seed = 0;       // the model's data-order seed; saved from the model
  Config callbacks = Config::object();  // {callback name: state()}
  std::map<std::string, std::string> metadata;
};

struct SaveCheckpointOptions {
  std::int64_t epoch = 0;
  Config callbacks = Config::object();
  std::map<std::string, std::string> metadata;
  std::size_t chunk_bytes = 16u << 20;  // tensor chunk size (tests use small ones)
};

// Saves `model` with its compiled optimizer (if compiled) and the training state: the epoch and
// callbacks given, the step (optimizer iterations), keel's RNG state and the model's shuffle seed.
void save_checkpoint(const std::string& path, const Model& model,
                     const SaveCheckpointOptions& options = {});

struct Checkpoint {
  std::shared_ptr<Model> model;  // compiled again when the checkpoint was of a compiled model
  std::shared_ptr<optimizers::Optimizer> optimizer;  // null when none was saved
  TrainingState state;
  std::string keel_version;
  std::uint32_t format_version = 0;
};

// Rebuilds the model and optimizer from the file and restores the model's shuffle seed. Does not
// touch keel's global RNG: call set_rng_state(ckpt.state.rng) to continue a run exactly.
Checkpoint load_checkpoint(const std::string& path);

// Reads and verifies only: the header and every checksum. For tools (keel-ckpt inspect/verify).
struct CheckpointInfo {
  std::string kind;  // "checkpoint" or "weights"
  std::uint32_t format_version = 0;
  std::string keel_version;
  Config model;  // {"class_name", "config"}; null for a weights file
  std::string optimizer_class;
  Config optimizer_config;
  Config optimizer_scalars;
  TrainingState state;
  struct TensorInfo {
    std::string group, owner, name;
    Shape shape;
    double l2_norm = 0;
  };
  std::vector<TensorInfo> tensors;
  std::uint64_t file_bytes = 0;
};
CheckpointInfo inspect_checkpoint(const std::string& path);

// keel's version string (also written into every checkpoint).
const char* keel_version();

}  // namespace keel
