// Model: a graph of layers from symbolic inputs to outputs, with Keras 1's training API;
// Sequential (models/sequential.h) is a Model whose graph is a chain.
//
//   auto x = keel::layers::Input({28, 28, 1});
//   auto conv = std::make_shared<keel::layers::Convolution2D>(32, 3, 3);
//   keel::Model model({x}, {(*conv)(x)});
//   model.compile("adam", "categorical_crossentropy", {"accuracy"});
//   model.fit(x_train, y_train, {.batch_size = 128, .nb_epoch = 2});
//
// Semantics follow Keras 1.2 (spec sections 9-11): the loss is the weighted mean of the
// per-sample losses plus the layers' penalties; validation_split takes the last fraction of the
// data before shuffling; epoch logs are batch-size-weighted means; callbacks run in Keras's
// order. Training runs with the learning phase on (Dropout, BatchNormalization); evaluate and
// predict run without a tape and with forward_inference primitives.
//
// Errors: ValueError for fit/evaluate before compile, x and y of different lengths,
// batch_size <= 0, validation_split outside [0, 1), unknown loss/optimizer/metric names;
// ShapeError for inputs whose shape does not match the model's.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/autograd/variable.h"
#include "keel/data/batch_source.h"
#include "keel/layers/layer.h"
#include "keel/layers/node.h"
#include "keel/models/callbacks.h"
#include "keel/models/losses.h"
#include "keel/models/metrics.h"
#include "keel/optimizers/optimizer.h"
#include "keel/optimizers/optimizers.h"

namespace keel {

struct ValidationData {
  std::vector<Tensor> x, y;
  Tensor sample_weight;
};

struct FitOptions {
  std::int64_t batch_size = 32;
  int nb_epoch = 10;
  int verbose = 1;
  std::vector<std::shared_ptr<callbacks::Callback>> callbacks;
  double validation_split = 0.;
  std::optional<ValidationData> validation_data;
  bool shuffle = true;
  std::map<int, float> class_weight;
  Tensor sample_weight;
  int initial_epoch = 0;
};

struct EvaluateOptions {
  std::int64_t batch_size = 32;
  int verbose = 1;
  Tensor sample_weight;
};

struct PredictOptions {
  std::int64_t batch_size = 32;
  int verbose = 0;
};

// Keras 1's fit_generator arguments. Keras took validation_data as either arrays or a
// generator; keel has a field for each (set one).
struct FitGeneratorOptions {
  std::int64_t samples_per_epoch = 0;  // required: samples drawn from the source per epoch
  int nb_epoch = 1;
  int verbose = 1;
  std::vector<std::shared_ptr<callbacks::Callback>> callbacks;
  std::optional<ValidationData> validation_data;  // arrays, evaluated after each epoch
  BatchSource* validation_generator = nullptr;    // or a source, read for nb_val_samples
  std::int64_t nb_val_samples = 0;
  std::map<int, float> class_weight;
  int max_q_size = 10;  // batches read ahead of training
  int nb_worker = 1;    // threads reading the source (one at a time: it need not be thread-safe)
  int initial_epoch = 0;
};

struct GeneratorOptions {
  int max_q_size = 10;
  int nb_worker = 1;
};

// How Model::load_weights_h5 matches and converts a Keras 1 weights file.
struct H5LoadOptions {
  bool by_name = false;
  // How the file's convolution kernels were trained: "auto" (the file's `backend` attribute:
  // theano means flipped kernels; Keras 1.2.2 wrote none, which reads as tensorflow),
  // "theano" (flip the spatial axes, as Keras's convert_kernel: the _th_kernels application
  // weights) or "tensorflow" (as stored).
  std::string kernels = "auto";
};

struct CompileOptions {
  // "float32" (default) or "mixed_bfloat16": every step and prediction then runs its
  // convolutions and inner products on oneDNN's bf16 kernels (bf16 source and weights, f32
  // accumulation, outputs and gradients; core/context.h's BFloat16Compute) while the weights,
  // the optimizer state, the losses and every other op stay float32 — checkpoints hold the
  // same f32 weights either way. ValueError on a processor without native bf16 (AVX512-BF16 or
  // AMX; oneDNN's ISA query), where oneDNN would emulate it far slower than float32.
  std::string precision = "float32";
};

class Model {
 public:
  Model(std::vector<layers::SymbolicTensor> inputs, std::vector<layers::SymbolicTensor> outputs,
        std::string name = "");
  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& name() const { return name_; }
  virtual std::string class_name() const { return "Model"; }

  // --- structure ---------------------------------------------------------------------------
  // Every layer once, in the order of the graph.
  const std::vector<std::shared_ptr<layers::Layer>>& layers() const { return layers_; }
  std::shared_ptr<layers::Layer> get_layer(std::string_view name) const;
  // The graph's symbolic inputs and outputs (Keras's model.inputs / model.outputs): a new
  // model built on them shares this one's layers and weights, as fine-tuning does:
  //   auto y = Dense(2)(Flatten()(base->outputs()[0]));  Model head(base->inputs(), {y});
  const std::vector<layers::SymbolicTensor>& inputs() const { return inputs_; }
  const std::vector<layers::SymbolicTensor>& outputs() const { return outputs_; }
  std::vector<Shape> input_shapes() const;
  std::vector<Shape> output_shapes() const;
  Shape input_shape() const;   // single-input models
  Shape output_shape() const;  // single-output models

  // --- forward -----------------------------------------------------------------------------
  // Runs the graph on concrete inputs (recorded on the active tape, like any op).
  std::vector<Variable> operator()(const std::vector<Variable>& inputs);
  Variable operator()(const Variable& x);

  // --- weights -----------------------------------------------------------------------------
  std::vector<Variable> weights() const;
  std::vector<Variable> trainable_weights() const;
  std::vector<Variable> non_trainable_weights() const;
  std::vector<Tensor> get_weights() const;
  void set_weights(const std::vector<Tensor>& values);
  std::int64_t count_params() const;
  Variable regularization_loss() const;

  // --- weights files ------------------------------------------------------------------------
  // Writes every layer's weights (Keras layout, by layer and weight name) to `path`, atomically:
  // a crash leaves the previous file in place.
  void save_weights(const std::string& path) const;
  struct LoadReport {
    std::vector<std::string> missing;     // model weights the file lacks ("layer/W")
    std::vector<std::string> unexpected;  // file weights the model lacks
    std::vector<std::string> mismatched;  // same name, different shape
  };
  // Loads weights by layer and weight name (what fine-tuning needs). Strict (default): any
  // missing, unexpected or mismatched weight is a ValueError listing them and nothing changes.
  // Non-strict: loads what matches and reports the rest. IOError for a damaged file.
  LoadReport load_weights(const std::string& path, bool strict = true);

  // Keras 1 HDF5 weight files (models/keras_h5.h has the format and load_model_h5):
  // load_weights_h5 reads the file of Keras's model.save_weights, or the model_weights group of
  // a model.save file. By order (Keras's default): the file's layers that hold weights go, in
  // order, into the model's layers that have weights; by_name: into the model's layers of the
  // same name, the others left as they are (the report lists them as missing, and the file's
  // unmatched layers as unexpected). Nothing changes unless every matched layer fits: a
  // mismatched count or shape is a ValueError naming the file, the layer, the weight and both
  // shapes. IOError for a missing, unreadable or malformed file.
  LoadReport load_weights_h5(const std::string& path, const H5LoadOptions& options = {});
  // Writes the weights as Keras 1's model.save_weights does (readable by h5py and by Keras 1's
  // load_weights), with `backend` "tensorflow" and `keras_version` attributes, atomically.
  void save_weights_h5(const std::string& path) const;

  // Keras's summary() table; print_summary writes it to `out`.
  std::string summary() const;
  void print_summary(std::FILE* out = stdout) const;

  // --- training ----------------------------------------------------------------------------
  void compile(std::shared_ptr<optimizers::Optimizer> optimizer, std::vector<std::string> loss,
               std::vector<std::string> metrics = {}, const CompileOptions& options = {});
  void compile(std::shared_ptr<optimizers::Optimizer> optimizer, const std::string& loss,
               std::vector<std::string> metrics = {}, const CompileOptions& options = {});
  void compile(std::string_view optimizer, const std::string& loss,
               std::vector<std::string> metrics = {}, const CompileOptions& options = {});
  // "float32" or "mixed_bfloat16", as compiled.
  const std::string& precision() const { return precision_; }
  bool compiled() const { return optimizer_ != nullptr; }
  optimizers::Optimizer& optimizer() const;
  // "loss", then per-output losses (several outputs), then the metric names.
  const std::vector<std::string>& metrics_names() const { return metrics_names_; }

  callbacks::History fit(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                         const FitOptions& options = {});
  callbacks::History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
  // Keras 1.2.2's fit_generator: each epoch draws batches from `source` until
  // samples_per_epoch samples were seen (the last batch may overshoot), training on each, then
  // validates; callbacks and the progress bar as fit(). Single-input, single-output models.
  // ValueError for bad options or a batch without targets; the source's errors propagate.
  callbacks::History fit_generator(BatchSource& source, const FitGeneratorOptions& options);
  // [loss, metrics...] over batches from `source` until val_samples samples were seen, each the
  // batch-size-weighted mean; and the model's outputs on them, concatenated.
  std::vector<double> evaluate_generator(BatchSource& source, std::int64_t val_samples,
                                         const GeneratorOptions& options = {});
  Tensor predict_generator(BatchSource& source, std::int64_t val_samples,
                           const GeneratorOptions& options = {});
  // [loss, metrics...], each the batch-size-weighted mean over the data.
  std::vector<double> evaluate(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                               const EvaluateOptions& options = {});
  std::vector<double> evaluate(const Tensor& x, const Tensor& y,
                               const EvaluateOptions& options = {});
  std::vector<Tensor> predict(const std::vector<Tensor>& x, const PredictOptions& options = {});
  Tensor predict(const Tensor& x, const PredictOptions& options = {});
  std::vector<double> train_on_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                     const Tensor& sample_weight = {});
  std::vector<double> train_on_batch(const Tensor& x, const Tensor& y,
                                     const Tensor& sample_weight = {});
  std::vector<double> test_on_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                    const Tensor& sample_weight = {});
  std::vector<double> test_on_batch(const Tensor& x, const Tensor& y,
                                    const Tensor& sample_weight = {});
  std::vector<Tensor> predict_on_batch(const std::vector<Tensor>& x);
  Tensor predict_on_batch(const Tensor& x);

  // Set by callbacks (EarlyStopping, TerminateOnNaN) to end fit() after the current batch/epoch.
  bool stop_training = false;
  // The callbacks of the fit() in progress (empty outside fit): ModelCheckpoint saves their state.
  const std::vector<std::shared_ptr<callbacks::Callback>>& active_callbacks() const {
    return active_callbacks_;
  }

  // The architecture as Keras's model config: {"class_name", "config"} (layers with their
  // configs and, for graph models, their connections). model_from_config rebuilds it.
  Config get_config() const;
  // Keras's model.to_json(): get_config() plus "keras_version" (1.2.2, the semantics keel
  // follows), as text that model_from_json reads back.
  std::string to_json() const;
  // {"loss": [...], "metrics": [...]} as given to compile(), with "precision" when it is not
  // float32; null before compile.
  Config compile_config() const;

  // What fit() needs to continue exactly (checkpoints): the seed of the per-epoch shuffling
  // (drawn from keel's RNG at compile) and the number of completed epochs.
  std::uint64_t shuffle_seed() const { return shuffle_seed_; }
  void set_shuffle_seed(std::uint64_t seed) { shuffle_seed_ = seed; }

 protected:
  explicit Model(std::string name);
  // (Re)defines the graph; used by the constructor and by Sequential.
  void set_graph(std::vector<layers::SymbolicTensor> inputs,
                 std::vector<layers::SymbolicTensor> outputs);
  void clear_graph();
  const std::vector<layers::SymbolicTensor>& graph_inputs() const { return inputs_; }
  const std::vector<layers::SymbolicTensor>& graph_outputs() const { return outputs_; }

 private:
  struct Batch;
  // The callbacks of one fit or fit_generator run — [BaseLogger] + the user's + [History] +
  // [ProgbarLogger when verbose], given the model and the run's parameters — active (the
  // model's active_callbacks(), stop_training cleared) while the object lives.
  struct CallbackRun {
    CallbackRun(Model& model, const std::vector<std::shared_ptr<callbacks::Callback>>& user,
                TrainingParams params);
    ~CallbackRun();
    CallbackRun(const CallbackRun&) = delete;
    CallbackRun& operator=(const CallbackRun&) = delete;
    Model& model;
    std::shared_ptr<callbacks::History> history;
    std::vector<std::shared_ptr<callbacks::Callback>> callbacks;
  };
  std::vector<double> run_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                const Tensor& sample_weight, bool train);
  void check_data(const std::vector<Tensor>& x, const std::vector<Tensor>* y,
                  const char* what) const;
  void require_compiled(const char* what) const;
  std::vector<double> test_loop(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                const Tensor& sample_weight, std::int64_t batch_size, int verbose);

  std::string name_;
  std::vector<layers::SymbolicTensor> inputs_, outputs_;
  std::vector<std::shared_ptr<const layers::Node>> nodes_;  // topological order, inputs excluded
  std::vector<std::shared_ptr<layers::Layer>> layers_;

  std::shared_ptr<optimizers::Optimizer> optimizer_;
  std::vector<std::string> loss_names_;
  std::vector<losses::LossFn> loss_fns_;
  std::vector<metrics::Metric> metric_fns_;
  std::vector<std::string> metric_requests_;  // output-major: outputs x requested metrics
  std::vector<std::string> metrics_names_;
  std::uint64_t shuffle_seed_ = 0;
  std::string precision_ = "float32";
  std::vector<std::shared_ptr<callbacks::Callback>> active_callbacks_;
};

// Rebuilds a model (with new weights) from Model::get_config(); ValueError naming what does not
// fit.
std::shared_ptr<Model> model_from_config(const Config& config);
// The same from the JSON text of Keras's model.to_json() (Sequential or functional Model);
// ValueError for text that is not JSON. The _file form reads it from `path` (IOError when it
// cannot be read; other errors are prefixed with the path).
std::shared_ptr<Model> model_from_json(std::string_view json);
std::shared_ptr<Model> model_from_json_file(const std::string& path);

}  // namespace keel
