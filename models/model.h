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

  // Keras's summary() table; print_summary writes it to `out`.
  std::string summary() const;
  void print_summary(std::FILE* out = stdout) const;

  // --- training ----------------------------------------------------------------------------
  void compile(std::shared_ptr<optimizers::Optimizer> optimizer, std::vector<std::string> loss,
               std::vector<std::string> metrics = {});
  void compile(std::shared_ptr<optimizers::Optimizer> optimizer, const std::string& loss,
               std::vector<std::string> metrics = {});
  void compile(std::string_view optimizer, const std::string& loss,
               std::vector<std::string> metrics = {});
  bool compiled() const { return optimizer_ != nullptr; }
  optimizers::Optimizer& optimizer() const;
  // "loss", then per-output losses (several outputs), then the metric names.
  const std::vector<std::string>& metrics_names() const { return metrics_names_; }

  callbacks::History fit(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                         const FitOptions& options = {});
  callbacks::History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
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
  // {"loss": [...], "metrics": [...]} as given to compile(); null before compile.
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
