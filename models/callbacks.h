// Callbacks: hooks into fit(), with Keras 1's names, arguments and behaviour (spec 10.3).
//
// fit() runs [BaseLogger] + the user's callbacks + [History] + [ProgbarLogger when verbose].
// Epochs are 0-based in every hook. Logs map names ("loss", "acc", "val_loss", ...) to values.
// A user callback derives from Callback and overrides what it needs, or uses LambdaCallback.
// Callbacks with state (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint) expose it through
// state()/set_state() so that a checkpoint can resume them exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "keel/core/json.h"
#include "keel/core/kwargs.h"

namespace keel {

class Model;

using Logs = std::map<std::string, double>;

struct TrainingParams {
  std::int64_t batch_size = 0;
  int nb_epoch = 0;
  std::int64_t nb_sample = 0;
  int verbose = 0;
  bool do_validation = false;
  std::vector<std::string> metrics;  // display order: loss, metrics, val_loss, val_metrics
};

namespace callbacks {

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(Logs& logs) { (void)logs; }
  virtual void on_train_end(Logs& logs) { (void)logs; }
  virtual void on_epoch_begin(int epoch, Logs& logs) { (void)epoch, (void)logs; }
  virtual void on_epoch_end(int epoch, Logs& logs) { (void)epoch, (void)logs; }
  virtual void on_batch_begin(int batch, Logs& logs) { (void)batch, (void)logs; }
  virtual void on_batch_end(int batch, Logs& logs) { (void)batch, (void)logs; }

  // What a checkpoint keeps to resume this callback (empty when stateless), under class_name().
  virtual Config state() const { return Config::object(); }
  virtual void set_state(const Config& state) { (void)state; }
  virtual std::string class_name() const { return "Callback"; }

  void set_model(Model* model) { model_ = model; }
  void set_params(const TrainingParams& params) { params_ = params; }

 protected:
  Model& model() const;
  const TrainingParams& params() const { return params_; }

 private:
  Model* model_ = nullptr;
  TrainingParams params_;
};

// Per-epoch values of every log.
class History : public Callback {
 public:
  std::vector<int> epoch;
  std::map<std::string, std::vector<double>> history;
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
};

// Batch-size-weighted epoch averages of the batch logs into the epoch logs.
class BaseLogger : public Callback {
 public:
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_batch_end(int batch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

 private:
  std::int64_t seen_ = 0;
  std::map<std::string, double> totals_;
};

// Prints "Epoch e/N" and the Keras progress bar (verbose 1) or one line per epoch (verbose 2).
class ProgbarLogger : public Callback {
 public:
  void on_train_begin(Logs& logs) override;
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_batch_end(int batch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// The rules every monitoring callback's `mode` and `monitor` keep.
kwargs::Rule<std::string> monitor_mode_rule();

struct ModelCheckpointOptions {
  std::string monitor = "val_loss";
  int verbose = 0;
  bool save_best_only = false;
  bool save_weights_only = false;
  std::string mode = "auto";  // auto, min or max
  int period = 1;             // epochs between saves
  static auto fields() {
    using O = ModelCheckpointOptions;
    using kwargs::field;
    return kwargs::fields(field("monitor", &O::monitor), field("verbose", &O::verbose),
                          field("save_best_only", &O::save_best_only),
                          field("save_weights_only", &O::save_weights_only),
                          field("mode", &O::mode, monitor_mode_rule()),
                          field("period", &O::period, kwargs::at_least{1}));
  }
};

// Saves the model after every `period` epochs to `filepath`, formatted with the epoch (0-based)
// and the logs as Python's str.format would: "weights.{epoch:02d}-{val_loss:.2f}.keel".
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(std::string filepath, const ModelCheckpointOptions& options = {});
  void on_epoch_end(int epoch, Logs& logs) override;
  std::string class_name() const override { return "ModelCheckpoint"; }
  Config state() const override;
  void set_state(const Config& state) override;

 private:
  std::string filepath_;
  ModelCheckpointOptions options_;
  bool maximize_;
  double best_;
  int since_last_save_ = 0;
};

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0;
  int patience = 0;
  int verbose = 0;
  std::string mode = "auto";
  static auto fields() {
    using O = EarlyStoppingOptions;
    using kwargs::field;
    return kwargs::fields(field("monitor", &O::monitor), field("min_delta", &O::min_delta),
                          field("patience", &O::patience, kwargs::non_negative()),
                          field("verbose", &O::verbose),
                          field("mode", &O::mode, monitor_mode_rule()));
  }
};

// Stops training when `monitor` has not improved by min_delta for patience + 1 epochs
// (Keras 1's count, spec 10.3).
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(const EarlyStoppingOptions& options = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;
  std::string class_name() const override { return "EarlyStopping"; }
  Config state() const override;
  void set_state(const Config& state) override;
  int stopped_epoch() const { return stopped_epoch_; }

 private:
  EarlyStoppingOptions options_;
  bool maximize_;
  double best_;
  int wait_ = 0;
  int stopped_epoch_ = 0;
};

// One CSV row per epoch: "epoch" then the sorted log keys; flushed every epoch.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string filename, char separator = ',', bool append = false);
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

 private:
  std::string filename_;
  char separator_;
  bool append_;
  bool header_written_ = false;
  std::vector<std::string> keys_;
};

// Draws the loss and metrics per epoch, training and validation, as an SVG picture at
// `filename` (models/plot.h), rewritten atomically at each epoch's end so that it shows the run
// so far; `title` (default: the model's name) heads it. Its state (the curves so far) goes into
// checkpoints: a resumed run continues the picture.
class PlotLogger : public Callback {
 public:
  explicit PlotLogger(std::string filename, std::string title = "");
  void on_epoch_end(int epoch, Logs& logs) override;
  Config state() const override;
  void set_state(const Config& state) override;
  std::string class_name() const override { return "PlotLogger"; }

 private:
  std::string filename_, title_;
  std::map<std::string, std::vector<double>> history_;
  int epochs_ = 0;
};

// Sets the learning rate to schedule(epoch) at the start of every epoch.
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(std::function<double(int epoch)> schedule);
  void on_epoch_begin(int epoch, Logs& logs) override;

 private:
  std::function<double(int)> schedule_;
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;  // < 1: Keras does not support a factor >= 1.0
  int patience = 10;
  int verbose = 0;
  std::string mode = "auto";
  double epsilon = 1e-4;
  int cooldown = 0;
  double min_lr = 0;
  static auto fields() {
    using O = ReduceLROnPlateauOptions;
    using kwargs::field;
    kwargs::Rule<double> below_one = [](double f) {
      return f >= 0 && f < 1 ? std::string() : std::string("a number in [0, 1)");
    };
    return kwargs::fields(field("monitor", &O::monitor), field("factor", &O::factor, below_one),
                          field("patience", &O::patience, kwargs::non_negative()),
                          field("verbose", &O::verbose),
                          field("mode", &O::mode, monitor_mode_rule()),
                          field("epsilon", &O::epsilon, kwargs::non_negative()),
                          field("cooldown", &O::cooldown, kwargs::non_negative()),
                          field("min_lr", &O::min_lr, kwargs::non_negative()));
  }
};

class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(const ReduceLROnPlateauOptions& options = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  std::string class_name() const override { return "ReduceLROnPlateau"; }
  Config state() const override;
  void set_state(const Config& state) override;

 private:
  ReduceLROnPlateauOptions options_;
  bool maximize_;
  double best_;
  int wait_ = 0;
  int cooldown_counter_ = 0;
};

// Stops training at the first batch whose loss is NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  void on_batch_end(int batch, Logs& logs) override;
};

struct LambdaCallbackOptions {
  std::function<void(int, Logs&)> on_epoch_begin, on_epoch_end, on_batch_begin, on_batch_end;
  std::function<void(Logs&)> on_train_begin, on_train_end;
};

class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions options) : f_(std::move(options)) {}
  void on_train_begin(Logs& l) override {
    if (f_.on_train_begin) f_.on_train_begin(l);
  }
  void on_train_end(Logs& l) override {
    if (f_.on_train_end) f_.on_train_end(l);
  }
  void on_epoch_begin(int e, Logs& l) override {
    if (f_.on_epoch_begin) f_.on_epoch_begin(e, l);
  }
  void on_epoch_end(int e, Logs& l) override {
    if (f_.on_epoch_end) f_.on_epoch_end(e, l);
  }
  void on_batch_begin(int b, Logs& l) override {
    if (f_.on_batch_begin) f_.on_batch_begin(b, l);
  }
  void on_batch_end(int b, Logs& l) override {
    if (f_.on_batch_end) f_.on_batch_end(b, l);
  }

 private:
  LambdaCallbackOptions f_;
};

// The states of `callbacks` for a checkpoint: [{"class": class_name(), "state": state()}] for
// each one with a non-empty state, in order.
Config collect_states(const std::vector<std::shared_ptr<Callback>>& callbacks);
// Gives each saved state back to the callback of the same class at the same rank among those
// of its class (the n-th EarlyStopping gets the n-th saved EarlyStopping state). Callbacks
// without a saved state keep theirs.
void restore_states(const std::vector<std::shared_ptr<Callback>>& callbacks, const Config& saved);

// Python str.format for checkpoint file names: {name}, {name:02d}, {name:.2f}, {name:.4e}.
// ValueError naming the pattern for an unknown name.
std::string format_filepath(const std::string& pattern, int epoch, const Logs& logs);

}  // namespace callbacks
}  // namespace keel
