#include "keel/models/model.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "keel/autograd/ops.h"
#include "keel/autograd/tape.h"
#include "keel/core/context.h"
#include "keel/core/detail/profiler.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/random.h"
#include "keel/core/tensor_ops.h"
#include "keel/data/dataset.h"
#include "keel/layers/core_layers.h"
#include "keel/models/metrics.h"
#include "keel/models/progbar.h"

namespace keel {

using layers::Layer;
using layers::Node;
using layers::SymbolicTensor;

namespace {

// Whether a concrete shape fits a model input's shape from axis `from` on (unknown dims fit
// anything; data arrays are checked from axis 1, their sample count being free).
bool fits(const Shape& expected, const Shape& got, int from = 0) {
  if (got.rank() != expected.rank()) return false;
  for (int d = from; d < got.rank(); ++d)
    if (expected[d] != Shape::kUnknown && expected[d] != got[d]) return false;
  return true;
}

}  // namespace

// --- structure ---------------------------------------------------------------------------------

namespace {

// Keras 1.2.2's Container.layers order (keras/engine/topology.py), which its weight files,
// configs and summaries follow: a walk back from each output gives every layer its depth (the
// longest distance to an output: a node is walked again when reached deeper) and a first-visit
// index; layers go deepest first, and by first visit within a depth.
std::vector<std::shared_ptr<Layer>> keras_layer_order(const std::vector<SymbolicTensor>& outputs) {
  std::map<const Layer*, int> depth;
  std::map<const Layer*, std::size_t> first_visit;
  std::map<const Layer*, std::shared_ptr<Layer>> by_pointer;
  for (const auto& y : outputs) {
    std::set<std::pair<std::uint64_t, int>> seen;  // (node, depth) already walked
    // Depth-first, inputs in order, as Keras's recursion.
    std::function<void(const Node*, int)> visit = [&](const Node* n, int d) {
      seen.insert({n->id, d});
      int current = d;
      if (n->layer) {
        const Layer* l = n->layer.get();
        auto [it, added] = depth.try_emplace(l, d);
        if (!added) it->second = std::max(it->second, d);
        current = it->second;
        first_visit.try_emplace(l, first_visit.size());
        by_pointer.try_emplace(l, n->layer);
      }
      for (const auto& in : n->inputs)
        if (!seen.count({in.node()->id, current + 1})) visit(in.node().get(), current + 1);
    };
    visit(y.node().get(), 0);
  }
  std::vector<const Layer*> order;
  for (const auto& [l, d] : depth) order.push_back(l);
  std::sort(order.begin(), order.end(), [&](const Layer* a, const Layer* b) {
    if (depth.at(a) != depth.at(b)) return depth.at(a) > depth.at(b);
    return first_visit.at(a) < first_visit.at(b);
  });
  std::vector<std::shared_ptr<Layer>> layers;
  for (const Layer* l : order) layers.push_back(by_pointer.at(l));
  return layers;
}

}  // namespace

Model::Model(std::string name) : name_(std::move(name)) {}

Model::Model(std::vector<SymbolicTensor> inputs, std::vector<SymbolicTensor> outputs,
             std::string name)
    : name_(name.empty() ? "model" : std::move(name)) {
  set_graph(std::move(inputs), std::move(outputs));
}

void Model::set_graph(std::vector<SymbolicTensor> inputs, std::vector<SymbolicTensor> outputs) {
  if (inputs.empty() || outputs.empty())
    throw ValueError(fmt::str("Model '", name_, "': needs at least one input and one output"));
  std::set<const Node*> input_nodes;
  for (const auto& x : inputs) {
    if (!x.defined() || x.node()->layer)
      throw ValueError(
          fmt::str("Model '", name_, "': every input must come from keel::layers::Input()"));
    input_nodes.insert(x.node().get());
  }
  // Every node the outputs depend on, sorted by creation order (a topological order).
  std::map<std::uint64_t, std::shared_ptr<const Node>> reached;
  std::vector<std::shared_ptr<const Node>> stack;
  for (const auto& y : outputs) {
    if (!y.defined()) throw ValueError(fmt::str("Model '", name_, "': an output is undefined"));
    stack.push_back(y.node());
  }
  while (!stack.empty()) {
    auto n = stack.back();
    stack.pop_back();
    if (reached.count(n->id)) continue;
    reached.emplace(n->id, n);
    if (!n->layer && !input_nodes.count(n.get()))
      throw ValueError(fmt::str("Model '", name_, "': output depends on the input '", n->input_name,
                                "', which is not among the model's inputs"));
    for (const auto& in : n->inputs) stack.push_back(in.node());
  }
  nodes_.clear();
  for (const auto& [id, n] : reached)
    if (n->layer) nodes_.push_back(n);
  layers_ = keras_layer_order(outputs);
  inputs_ = std::move(inputs);
  outputs_ = std::move(outputs);
}

void Model::clear_graph() {
  inputs_.clear();
  outputs_.clear();
  nodes_.clear();
  layers_.clear();
}

std::shared_ptr<Layer> Model::get_layer(std::string_view name) const {
  for (const auto& l : layers_)
    if (l->name() == name) return l;
  throw ValueError(fmt::str("Model '", name_, "': no layer named '", std::string(name), "'"));
}

std::vector<Shape> Model::input_shapes() const {
  std::vector<Shape> s;
  for (const auto& x : inputs_) s.push_back(x.shape());
  return s;
}

std::vector<Shape> Model::output_shapes() const {
  std::vector<Shape> s;
  for (const auto& y : outputs_) s.push_back(y.shape());
  return s;
}

Shape Model::input_shape() const {
  if (inputs_.size() != 1)
    throw ValueError(
        fmt::str("Model '", name_, "': has ", inputs_.size(), " inputs; use input_shapes()"));
  return inputs_[0].shape();
}

Shape Model::output_shape() const {
  if (outputs_.size() != 1)
    throw ValueError(
        fmt::str("Model '", name_, "': has ", outputs_.size(), " outputs; use output_shapes()"));
  return outputs_[0].shape();
}

// --- forward -----------------------------------------------------------------------------------

std::vector<Variable> Model::operator()(const std::vector<Variable>& xs) {
  if (xs.size() != inputs_.size())
    throw ValueError(
        fmt::str("Model '", name_, "': got ", xs.size(), " inputs, expected ", inputs_.size()));
  std::unordered_map<const Node*, Variable> values;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Shape& expected = inputs_[i].shape();
    const Shape& got = xs[i].shape();
    if (!fits(expected, got))
      throw ShapeError(fmt::str("Model '", name_, "': input ", i, " has shape ", got.str(),
                                ", expected ", expected.str()));
    values[inputs_[i].node().get()] = xs[i];
  }
  // A node's value is dropped as soon as its last consumer has run: what a backward needs,
  // the op has saved, and the rest (a BatchNormalization output once its relu has run) would
  // otherwise stay alive to the end of the forward, the step's memory peak (ResNet50: 18 %).
  std::unordered_map<const Node*, int> uses;
  std::unordered_map<const Node*, const Node*> only_consumer;  // of a node read by one node
  for (const auto& n : nodes_)
    for (const auto& in : n->inputs) {
      const Node* producer = in.node().get();
      only_consumer[producer] = ++uses[producer] == 1 ? n.get() : nullptr;
    }
  for (const auto& y : outputs_) {
    ++uses[y.node().get()];
    only_consumer[y.node().get()] = nullptr;
  }
  std::unordered_set<const Node*> fused;  // Activation nodes computed by their producer
  for (const auto& n : nodes_) {
    if (fused.count(n.get())) continue;
    const detail::ProfileScope scope(n->layer->name(), detail::ProfilePhase::forward, "forward");
    std::vector<Variable> args;
    for (const auto& in : n->inputs) args.push_back(values.at(in.node().get()));
    // A layer whose only consumer is an Activation layer may compute the activation itself
    // (BatchNormalization + relu: one batch-norm primitive instead of two passes each way).
    const auto c = only_consumer.find(n.get());
    if (args.size() == 1 && c != only_consumer.end() && c->second) {
      const auto* act = dynamic_cast<const layers::Activation*>(c->second->layer.get());
      if (act && !act->activity_regularizer()) {
        Variable y = n->layer->call_fused(args[0], fusable_activation(act->activation()));
        if (y.defined()) {
          values[c->second] = std::move(y);
          fused.insert(c->second);
          for (const auto& in : n->inputs)
            if (--uses[in.node().get()] == 0) values.erase(in.node().get());
          continue;
        }
      }
    }
    values[n.get()] = args.size() == 1 ? (*n->layer)(args[0]) : (*n->layer)(args);
    for (const auto& in : n->inputs)
      if (--uses[in.node().get()] == 0) values.erase(in.node().get());
  }
  std::vector<Variable> out;
  for (const auto& y : outputs_) out.push_back(values.at(y.node().get()));
  return out;
}

Variable Model::operator()(const Variable& x) {
  auto out = (*this)(std::vector<Variable>{x});
  if (out.size() != 1)
    throw ValueError(fmt::str("Model '", name_, "': has ", out.size(), " outputs"));
  return out[0];
}

// --- weights -----------------------------------------------------------------------------------

std::vector<Variable> Model::weights() const {
  std::vector<Variable> w;
  for (const auto& l : layers_)
    for (const auto& v : l->weights()) w.push_back(v);
  return w;
}

std::vector<Variable> Model::trainable_weights() const {
  std::vector<Variable> w;
  for (const auto& l : layers_)
    for (const auto& v : l->trainable_weights()) w.push_back(v);
  return w;
}

std::vector<Variable> Model::non_trainable_weights() const {
  std::vector<Variable> w;
  for (const auto& l : layers_)
    for (const auto& v : l->non_trainable_weights()) w.push_back(v);
  return w;
}

std::vector<Tensor> Model::get_weights() const {
  std::vector<Tensor> out;
  for (const auto& l : layers_)
    for (auto& t : l->get_weights()) out.push_back(std::move(t));
  return out;
}

void Model::set_weights(const std::vector<Tensor>& values) {
  std::size_t total = 0;
  for (const auto& l : layers_) total += l->weights().size();
  if (values.size() != total)
    throw ValueError(fmt::str("Model '", name_, "': set_weights got ", values.size(),
                              " arrays, expected ", total));
  // Check every layer's shapes before changing any, so a bad list leaves the model untouched.
  std::size_t k = 0;
  for (const auto& l : layers_)
    for (const auto& w : l->weights()) {
      if (!(values[k].shape() == w.shape()))
        throw ValueError(fmt::str("Model '", name_, "': weight ", w.name(), " has shape ",
                                  w.shape().str(), ", got an array of shape ",
                                  values[k].shape().str()));
      ++k;
    }
  k = 0;
  for (const auto& l : layers_) {
    const std::size_t n = l->weights().size();
    l->set_weights({values.begin() + static_cast<std::ptrdiff_t>(k),
                    values.begin() + static_cast<std::ptrdiff_t>(k + n)});
    k += n;
  }
}

std::int64_t Model::count_params() const {
  std::int64_t n = 0;
  for (const auto& l : layers_) n += l->count_params();
  return n;
}

Variable Model::regularization_loss() const {
  Variable total(Tensor::scalar(0.f));
  // Most layers have no penalty: adding their zeros would cost ResNet50 177 ops a step.
  for (const auto& l : layers_) {
    const Variable p = l->regularization_loss();
    if (p.requires_grad() || p.item() != 0.f) total = add(total, p);
  }
  return total;
}

// --- compile -----------------------------------------------------------------------------------

void Model::compile(std::shared_ptr<optimizers::Optimizer> optimizer, std::vector<std::string> loss,
                    std::vector<std::string> metrics, const CompileOptions& options) {
  if (!optimizer) throw ValueError(fmt::str("Model '", name_, "': compile needs an optimizer"));
  if (options.precision != "float32" && options.precision != "mixed_bfloat16")
    throw ValueError(fmt::str("Model '", name_, "': compile: precision is ",
                              fmt::quoted(options.precision),
                              ", expected 'float32' or 'mixed_bfloat16'"));
  if (options.precision == "mixed_bfloat16" && !cpu_has_native_bf16())
    throw ValueError(
        fmt::str("Model '", name_,
                 "': compile: precision 'mixed_bfloat16' needs a processor with native "
                 "bfloat16 (AVX512-BF16 or AMX-BF16); oneDNN finds ",
                 cpu_isa_name(),
                 " here, where bf16 would be emulated far slower than float32: use 'float32'"));
  if (loss.size() == 1 && outputs_.size() > 1) loss.assign(outputs_.size(), loss[0]);
  if (loss.size() != outputs_.size())
    throw ValueError(fmt::str("Model '", name_, "': ", loss.size(), " losses for ", outputs_.size(),
                              " outputs"));
  std::vector<losses::LossFn> fns;
  for (const auto& l : loss) fns.push_back(losses::get(l));  // ValueError for unknown names
  std::vector<std::string> names{"loss"};
  std::vector<metrics::Metric> metric_fns;
  if (outputs_.size() > 1)
    for (std::size_t i = 0; i < outputs_.size(); ++i)
      names.push_back(outputs_[i].node()->layer->name() + "_loss");
  for (std::size_t i = 0; i < outputs_.size(); ++i)
    for (const auto& m : metrics) {
      const auto metric = metrics::get(m, loss[i], outputs_[i].shape());
      metric_fns.push_back(metric);
      names.push_back(outputs_.size() > 1 ? outputs_[i].node()->layer->name() + "_" + metric.name
                                          : metric.name);
    }
  optimizer_ = std::move(optimizer);
  loss_names_ = std::move(loss);
  loss_fns_ = std::move(fns);
  metric_fns_ = std::move(metric_fns);
  metric_requests_ = std::move(metrics);
  metrics_names_ = std::move(names);
  precision_ = options.precision;
  // The seed of the per-epoch shuffling: from keel's RNG, so keel::set_seed fixes the order.
  shuffle_seed_ = global_rng().uniform_int(UINT64_MAX);
}

void Model::compile(std::shared_ptr<optimizers::Optimizer> optimizer, const std::string& loss,
                    std::vector<std::string> metrics, const CompileOptions& options) {
  compile(std::move(optimizer), std::vector<std::string>{loss}, std::move(metrics), options);
}

void Model::compile(std::string_view optimizer, const std::string& loss,
                    std::vector<std::string> metrics, const CompileOptions& options) {
  compile(optimizers::get(optimizer), std::vector<std::string>{loss}, std::move(metrics), options);
}

optimizers::Optimizer& Model::optimizer() const {
  require_compiled("optimizer");
  return *optimizer_;
}

void Model::require_compiled(const char* what) const {
  if (!optimizer_)
    throw ValueError(fmt::str("Model '", name_, "': ", what, " before compile(); call compile(",
                              "optimizer, loss) first"));
}

// --- one batch ---------------------------------------------------------------------------------

void Model::check_data(const std::vector<Tensor>& x, const std::vector<Tensor>* y,
                       const char* what) const {
  if (x.size() != inputs_.size())
    throw ValueError(fmt::str("Model '", name_, "': ", what, " got ", x.size(),
                              " input arrays, expected ", inputs_.size()));
  if (y && y->size() != outputs_.size())
    throw ValueError(fmt::str("Model '", name_, "': ", what, " got ", y->size(),
                              " target arrays, expected ", outputs_.size()));
  const std::int64_t n = x[0].shape()[0];
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Shape& expected = inputs_[i].shape();
    const Shape& got = x[i].shape();
    if (!fits(expected, got, 1))
      throw ShapeError(fmt::str("Model '", name_, "': ", what, ": input array ", i, " has shape ",
                                got.str(), ", expected ", expected.str()));
    if (got[0] != n)
      throw ValueError(fmt::str("Model '", name_, "': ", what, ": input arrays have ", n, " and ",
                                got[0], " samples"));
  }
  if (y)
    for (std::size_t i = 0; i < y->size(); ++i)
      if ((*y)[i].shape().rank() == 0 || (*y)[i].shape()[0] != n)
        throw ValueError(
            fmt::str("Model '", name_, "': ", what, ": x has ", n, " samples but y has ",
                     ((*y)[i].shape().rank() ? std::to_string((*y)[i].shape()[0]) : "no"),
                     " (shape ", (*y)[i].shape().str(), ")"));
}

std::vector<double> Model::run_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                     const Tensor& sample_weight, bool train) {
  std::optional<BFloat16Compute> bf16;
  if (precision_ == "mixed_bfloat16") bf16.emplace();
  std::vector<Variable> xs;
  for (const auto& t : x) xs.emplace_back(t);
  std::vector<Variable> outputs;
  Variable total;
  std::vector<double> output_losses;
  std::vector<Tensor> grads;
  {
    layers::LearningPhase phase(train);
    std::optional<Tape> tape;
    if (train) tape.emplace();
    std::optional<NoGrad> no_grad;
    if (!train) no_grad.emplace();
    outputs = (*this)(xs);
    {
      const detail::ProfileScope loss_scope("(loss)", detail::ProfilePhase::forward, "loss");
      for (std::size_t i = 0; i < outputs.size(); ++i) {
        const Variable per_sample = loss_fns_[i](Variable(y[i]), outputs[i]);
        const Variable l = losses::weighted_mean(per_sample, sample_weight);
        output_losses.push_back(l.item());
        total = total.defined() ? add(total, l) : l;
      }
      total = add(total, regularization_loss());  // Keras 1.2 reports penalties in every phase
    }
    if (train && optimizer_->clipnorm() <= 0.f) {
      // Each weight is updated as soon as its gradient is final, and the gradient freed: the
      // step's memory peak no longer holds every gradient at once (VGG16: -411 MB for fc1).
      const std::vector<Variable> weights = trainable_weights();
      GradientOptions streamed;
      streamed.on_final = [&](std::size_t i, Tensor g) {
        NoGrad no_grad;
        optimizer_->apply_streamed(g, weights[i]);
      };
      optimizer_->begin_streamed_step();
      try {
        tape->gradient(total, weights, streamed);
      } catch (...) {
        optimizer_->end_streamed_step();  // the weights already updated stay updated
        throw;
      }
      optimizer_->end_streamed_step();
    } else if (train) {
      grads = tape->gradient(total, trainable_weights());
    }
  }
  if (train && !grads.empty()) {
    const detail::ProfileScope scope("(optimizer)", detail::ProfilePhase::update, "update");
    optimizer_->apply(grads, trainable_weights());
  }

  std::vector<double> result{total.item()};
  if (outputs.size() > 1) result.insert(result.end(), output_losses.begin(), output_losses.end());
  const std::size_t per_output = metric_fns_.size() / outputs.size();
  for (std::size_t k = 0; k < metric_fns_.size(); ++k)
    result.push_back(metric_fns_[k].fn(y[k / per_output], outputs[k / per_output].value()));
  return result;
}

std::vector<double> Model::train_on_batch(const std::vector<Tensor>& x,
                                          const std::vector<Tensor>& y,
                                          const Tensor& sample_weight) {
  require_compiled("train_on_batch");
  check_data(x, &y, "train_on_batch");
  return run_batch(x, y, sample_weight, true);
}

std::vector<double> Model::train_on_batch(const Tensor& x, const Tensor& y,
                                          const Tensor& sample_weight) {
  return train_on_batch(std::vector<Tensor>{x}, std::vector<Tensor>{y}, sample_weight);
}

std::vector<double> Model::test_on_batch(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                         const Tensor& sample_weight) {
  require_compiled("test_on_batch");
  check_data(x, &y, "test_on_batch");
  return run_batch(x, y, sample_weight, false);
}

std::vector<double> Model::test_on_batch(const Tensor& x, const Tensor& y,
                                         const Tensor& sample_weight) {
  return test_on_batch(std::vector<Tensor>{x}, std::vector<Tensor>{y}, sample_weight);
}

std::vector<Tensor> Model::predict_on_batch(const std::vector<Tensor>& x) {
  std::optional<BFloat16Compute> bf16;
  if (precision_ == "mixed_bfloat16") bf16.emplace();
  check_data(x, nullptr, "predict_on_batch");
  NoGrad no_grad;
  layers::LearningPhase phase(false);
  std::vector<Variable> xs(x.begin(), x.end());
  std::vector<Tensor> out;
  for (const auto& v : (*this)(xs)) out.push_back(v.value().to_plain());
  return out;
}

Tensor Model::predict_on_batch(const Tensor& x) {
  return predict_on_batch(std::vector<Tensor>{x})[0];
}

// --- loops -------------------------------------------------------------------------------------

namespace {

std::vector<Tensor> rows_of(const std::vector<Tensor>& ts, std::span<const std::int64_t> rows) {
  std::vector<Tensor> out;
  for (const auto& t : ts) out.push_back(take_rows(t, rows));
  return out;
}

std::vector<Tensor> range_of(const std::vector<Tensor>& ts, std::int64_t begin, std::int64_t end) {
  std::vector<Tensor> out;
  for (const auto& t : ts) out.push_back(slice_rows(t, begin, end));
  return out;
}

void check_batch_size(std::int64_t batch_size, const std::string& who) {
  if (batch_size <= 0)
    throw ValueError(fmt::str(who, "batch_size is ", batch_size, ", expected > 0"));
}

}  // namespace

std::vector<double> Model::test_loop(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                     const Tensor& sample_weight, std::int64_t batch_size,
                                     int verbose) {
  const std::int64_t n = x[0].shape()[0];
  std::vector<double> totals;
  std::optional<Progbar> bar;
  if (verbose == 1) bar.emplace(n, 1);
  for (std::int64_t begin = 0; begin < n; begin += batch_size) {
    const std::int64_t end = std::min(n, begin + batch_size);
    const Tensor sw = sample_weight.defined() ? slice_rows(sample_weight, begin, end) : Tensor();
    const auto values = run_batch(range_of(x, begin, end), range_of(y, begin, end), sw, false);
    if (totals.empty()) totals.assign(values.size(), 0.0);
    for (std::size_t i = 0; i < values.size(); ++i)
      totals[i] += values[i] * static_cast<double>(end - begin);
    if (bar) bar->update(end, {});
  }
  for (auto& t : totals) t /= static_cast<double>(n);
  return totals;
}

std::vector<double> Model::evaluate(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                    const EvaluateOptions& o) {
  require_compiled("evaluate");
  check_batch_size(o.batch_size, "Model '" + name_ + "': evaluate: ");
  check_data(x, &y, "evaluate");
  return test_loop(x, y, o.sample_weight, o.batch_size, o.verbose);
}

std::vector<double> Model::evaluate(const Tensor& x, const Tensor& y, const EvaluateOptions& o) {
  return evaluate(std::vector<Tensor>{x}, std::vector<Tensor>{y}, o);
}

std::vector<Tensor> Model::predict(const std::vector<Tensor>& x, const PredictOptions& o) {
  check_batch_size(o.batch_size, "Model '" + name_ + "': predict: ");
  check_data(x, nullptr, "predict");
  const std::int64_t n = x[0].shape()[0];
  std::vector<std::vector<Tensor>> parts(outputs_.size());
  std::optional<Progbar> bar;
  if (o.verbose == 1) bar.emplace(n, 1);
  for (std::int64_t begin = 0; begin < n; begin += o.batch_size) {
    const std::int64_t end = std::min(n, begin + o.batch_size);
    auto out = predict_on_batch(range_of(x, begin, end));
    for (std::size_t i = 0; i < out.size(); ++i) parts[i].push_back(std::move(out[i]));
    if (bar) bar->update(end, {});
  }
  std::vector<Tensor> result;
  for (auto& p : parts) result.push_back(p.size() == 1 ? p[0] : ops::concat(p, 0));
  return result;
}

Tensor Model::predict(const Tensor& x, const PredictOptions& o) {
  return predict(std::vector<Tensor>{x}, o)[0];
}

callbacks::History Model::fit(const Tensor& x, const Tensor& y, const FitOptions& o) {
  return fit(std::vector<Tensor>{x}, std::vector<Tensor>{y}, o);
}

callbacks::History Model::fit(const std::vector<Tensor>& x_all, const std::vector<Tensor>& y_all,
                              const FitOptions& o) {
  const std::string who = "Model '" + name_ + "': fit: ";
  require_compiled("fit");
  check_batch_size(o.batch_size, who);
  if (!(o.validation_split >= 0. && o.validation_split < 1.))
    throw ValueError(
        fmt::str(who, "validation_split is ", o.validation_split, ", expected a value in [0, 1)"));
  if (o.nb_epoch < 0 || o.initial_epoch < 0)
    throw ValueError(fmt::str(who, "nb_epoch and initial_epoch must be >= 0"));
  check_data(x_all, &y_all, "fit");
  const std::int64_t n_all = x_all[0].shape()[0];

  // Sample weights: given, else from class weights, else none (all ones).
  Tensor sw_all = o.sample_weight;
  if (sw_all.defined() && (sw_all.shape().rank() == 0 || sw_all.shape()[0] != n_all))
    throw ValueError(fmt::str(who, "sample_weight has shape ", sw_all.shape().str(), ", expected ",
                              n_all, " entries"));
  if (!sw_all.defined() && !o.class_weight.empty())
    sw_all = losses::class_weights_to_sample_weights(y_all[0], o.class_weight);

  // Validation data: given, else the last fraction before any shuffling.
  std::vector<Tensor> x = x_all, y = y_all, xv, yv;
  Tensor sw = sw_all, swv;
  if (o.validation_data) {
    xv = o.validation_data->x;
    yv = o.validation_data->y;
    swv = o.validation_data->sample_weight;
    check_data(xv, &yv, "fit (validation_data)");
  } else if (o.validation_split > 0.) {
    const auto split_at =
        static_cast<std::int64_t>(static_cast<double>(n_all) * (1. - o.validation_split));
    x = range_of(x_all, 0, split_at);
    y = range_of(y_all, 0, split_at);
    xv = range_of(x_all, split_at, n_all);
    yv = range_of(y_all, split_at, n_all);
    if (sw_all.defined()) {
      sw = slice_rows(sw_all, 0, split_at);
      swv = slice_rows(sw_all, split_at, n_all);
    }
  }
  const bool do_validation = !xv.empty() && xv[0].shape()[0] > 0;
  const std::int64_t n = x[0].shape()[0];
  if (n == 0)
    throw ValueError(fmt::str(who, "no training samples left after the validation split"));

  if (o.verbose && do_validation)
    std::printf("Train on %lld samples, validate on %lld samples\n", static_cast<long long>(n),
                static_cast<long long>(xv[0].shape()[0]));
  const CallbackRun run(*this, o.callbacks,
                        {o.batch_size, o.nb_epoch, n, o.verbose, do_validation, {}});
  const auto& cbs = run.callbacks;
  Logs train_logs;
  for (auto& cb : cbs) cb->on_train_begin(train_logs);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (int epoch = o.initial_epoch; epoch < o.nb_epoch && !stop_training; ++epoch) {
    Logs epoch_logs;
    for (auto& cb : cbs) cb->on_epoch_begin(epoch, epoch_logs);
    if (o.shuffle) {
      order = epoch_order(n, shuffle_seed_, epoch);
    } else {
      std::iota(order.begin(), order.end(), std::int64_t{0});
    }
    int batch_index = 0;
    for (std::int64_t begin = 0; begin < n && !stop_training;
         begin += o.batch_size, ++batch_index) {
      const std::int64_t end = std::min(n, begin + o.batch_size);
      const std::span<const std::int64_t> rows(order.data() + begin,
                                               static_cast<std::size_t>(end - begin));
      Logs batch_logs{{"batch", batch_index}, {"size", static_cast<double>(end - begin)}};
      for (auto& cb : cbs) cb->on_batch_begin(batch_index, batch_logs);
      const auto values = run_batch(rows_of(x, rows), rows_of(y, rows),
                                    sw.defined() ? take_rows(sw, rows) : Tensor(), true);
      for (std::size_t i = 0; i < values.size(); ++i) batch_logs[metrics_names_[i]] = values[i];
      for (auto& cb : cbs) cb->on_batch_end(batch_index, batch_logs);
    }
    if (do_validation && !stop_training) {
      const auto val = test_loop(xv, yv, swv, o.batch_size, 0);
      for (std::size_t i = 0; i < val.size(); ++i) epoch_logs["val_" + metrics_names_[i]] = val[i];
    }
    for (auto& cb : cbs) cb->on_epoch_end(epoch, epoch_logs);
  }
  for (auto& cb : cbs) cb->on_train_end(train_logs);
  return *run.history;
}

}  // namespace keel
