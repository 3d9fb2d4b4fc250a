#include "keel/layers/layer.h"

#include <atomic>
#include <cctype>
#include <map>
#include <mutex>

#include "keel/autograd/ops.h"
#include "keel/autograd/tape.h"
#include "keel/core/allocator.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel::layers {

namespace {

thread_local bool t_learning_phase = false;

std::atomic<std::uint64_t> g_next_node_id{1};

}  // namespace

std::uint64_t next_node_id() { return g_next_node_id.fetch_add(1); }

const Shape& SymbolicTensor::shape() const {
  if (!node_) throw ValueError("SymbolicTensor: undefined");
  return node_->output_shape;
}

SymbolicTensor Input(const Shape& shape, std::string name, std::int64_t batch_size) {
  static std::atomic<int> counter{0};
  auto node = std::make_shared<Node>();
  node->output_shape = shape.prepend(batch_size);
  node->input_name = name.empty() ? "input_" + std::to_string(++counter) : std::move(name);
  node->id = next_node_id();
  return SymbolicTensor(node);
}

void Layer::check_image_input(const Shape& in, int spatial_rank, DimOrdering ordering) const {
  if (in.rank() == spatial_rank + 2) return;
  std::string layout = "(batch, steps, features)";
  if (spatial_rank > 1) {
    const std::string axes = spatial_rank == 2 ? "rows, cols" : "dim1, dim2, dim3";
    layout = ordering == DimOrdering::tf ? "(batch, " + axes + ", channels)"
                                         : "(batch, channels, " + axes + ")";
  }
  throw ShapeError(fmt::str(who(), "expected an input of rank ", spatial_rank + 2, " ", layout,
                            ", got shape ", in));
}

bool learning_phase() { return t_learning_phase; }
LearningPhase::LearningPhase(bool training) : previous_(t_learning_phase) {
  t_learning_phase = training;
}
LearningPhase::~LearningPhase() { t_learning_phase = previous_; }

std::string unique_layer_name(std::string_view class_name, std::string_view suffix) {
  static std::mutex mu;
  static std::map<std::string, int> counters;
  std::string prefix;
  for (char c : class_name)
    prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  prefix += suffix;
  std::lock_guard lock(mu);
  return prefix + "_" + std::to_string(++counters[prefix]);
}

Layer::Layer(std::string class_name, const BaseOptions& base)
    : class_name_(std::move(class_name)),
      name_(base.name.empty() ? unique_layer_name(class_name_) : base.name),
      trainable_(base.trainable) {
  if (base.batch_input_shape.rank() > 0) {
    batch_input_shape_ = base.batch_input_shape;
  } else if (base.input_shape.rank() > 0) {
    set_input_shape(base.input_shape);
  }
}

void Layer::set_input_shape(const Shape& shape_without_batch) {
  batch_input_shape_ = shape_without_batch.prepend(Shape::kUnknown);
}

std::string Layer::label() const { return class_name_ + " '" + name_ + "'"; }
std::string Layer::who() const { return label() + ": "; }

Shape Layer::output_shape(const Shape& input_shape) const {
  return compute_output_shape(input_shape);
}

void Layer::build(const Shape& input_shape) {
  const Shape out = compute_output_shape(input_shape);  // validates, before any weight exists
  (void)out;
  if (built_) return;
  build_weights(input_shape);
  built_ = true;
  built_input_shape_ = input_shape;
  if (!initial_weights_.empty()) {
    auto w = std::move(initial_weights_);
    initial_weights_.clear();
    set_weights(w);
  }
}

Shape Layer::compute_output_shape_multi(const std::vector<Shape>& input_shapes) const {
  if (input_shapes.size() != 1)
    throw ValueError(fmt::str(who(), "takes one input, got ", input_shapes.size()));
  return compute_output_shape(input_shapes[0]);
}

Variable Layer::call_multi(const std::vector<Variable>& xs) {
  if (xs.size() != 1) throw ValueError(fmt::str(who(), "takes one input, got ", xs.size()));
  return call(xs[0]);
}

Shape Layer::output_shape(const std::vector<Shape>& input_shapes) const {
  return compute_output_shape_multi(input_shapes);
}

Variable Layer::operator()(const std::vector<Variable>& xs) {
  if (xs.size() == 1) return (*this)(xs[0]);
  std::vector<Shape> shapes;
  for (const auto& x : xs) shapes.push_back(x.shape());
  (void)compute_output_shape_multi(shapes);  // validates
  built_ = true;                             // multi-input layers (merges) have no weights
  Variable y = call_multi(xs);
  if (activity_regularizer_) last_activity_penalty_ = activity_regularizer_->penalty(y);
  return y;
}

SymbolicTensor Layer::operator()(const SymbolicTensor& x) {
  return (*this)(std::vector<SymbolicTensor>{x});
}

SymbolicTensor Layer::operator()(const std::vector<SymbolicTensor>& xs) {
  std::shared_ptr<Layer> self = weak_from_this().lock();
  if (!self)
    throw ValueError(fmt::str(who(),
                              "a layer used in a graph model must be owned by a std::shared_ptr "
                              "(std::make_shared<...>)"));
  std::vector<Shape> shapes;
  for (const auto& x : xs) {
    if (!x.defined()) throw ValueError(fmt::str(who(), "called on an undefined symbolic tensor"));
    shapes.push_back(x.shape());
  }
  Shape out;
  if (xs.size() == 1) {
    build(shapes[0]);
    out = compute_output_shape(shapes[0]);
  } else {
    out = compute_output_shape_multi(shapes);
    built_ = true;
  }
  auto node = std::make_shared<Node>();
  node->layer = self;
  node->inputs = xs;
  node->output_shape = out;
  node->layer_call_index = symbolic_calls_++;
  node->id = next_node_id();
  return SymbolicTensor(node);
}

Variable Layer::operator()(const Variable& x) {
  build(x.shape());
  Variable y = call(x);
  if (activity_regularizer_) last_activity_penalty_ = activity_regularizer_->penalty(y);
  return y;
}

Variable Layer::call_fused(const Variable& x, FusedActivation activation) {
  if (activity_regularizer_ || activation == FusedActivation::none) return {};
  build(x.shape());
  return call_fused_activation(x, activation);
}

Variable Layer::add_weight(const std::string& keras_name, const Shape& shape,
                           const Initializer& init, const Fans& fans,
                           const std::optional<L1L2Regularizer>& regularizer,
                           const std::optional<Constraint>& constraint, bool trainable) {
  const LongLivedAllocations long_lived;
  Variable v(init(shape, fans), trainable_ && trainable, name_ + "_" + keras_name);
  if (constraint) v.set_constraint([c = *constraint](Tensor& w) { c.project(w); });
  weights_.push_back({keras_name, v, fans, regularizer, constraint, trainable});
  return v;
}

void Layer::keep_in_compute_layout(Variable& w, const std::function<Layout()>& where) {
  if (w.defined() && w.requires_grad() && is_recording()) w.store_as(where());
}

std::vector<const Layer::Weight*> Layer::ordered_weights() const {
  std::vector<const Weight*> out;
  for (const auto& w : weights_)
    if (w.trainable) out.push_back(&w);
  for (const auto& w : weights_)
    if (!w.trainable) out.push_back(&w);
  return out;
}

std::vector<Variable> Layer::weights() const {
  std::vector<Variable> out;
  for (const Weight* w : ordered_weights()) out.push_back(w->variable);
  return out;
}

std::vector<Variable> Layer::trainable_weights() const {
  std::vector<Variable> out;
  if (trainable_)
    for (const auto& w : weights_)
      if (w.trainable) out.push_back(w.variable);
  return out;
}

std::vector<Variable> Layer::non_trainable_weights() const {
  std::vector<Variable> out;
  for (const Weight* w : ordered_weights())
    if (!trainable_ || !w->trainable) out.push_back(w->variable);
  return out;
}

std::vector<std::string> Layer::weight_names() const {
  std::vector<std::string> out;
  for (const Weight* w : ordered_weights()) out.push_back(w->keras_name);
  return out;
}

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Tensor> out;
  for (const Weight* w : ordered_weights()) out.push_back(w->variable.value().to_plain().clone());
  return out;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
  if (!built_)
    throw ValueError(fmt::str(who(),
                              "set_weights before the layer is built; build it with an input "
                              "shape first or pass the weights at construction"));
  const std::vector<const Weight*> ordered = ordered_weights();
  if (values.size() != ordered.size()) {
    std::string names;
    for (const Weight* w : ordered) names += (names.empty() ? "" : ", ") + w->keras_name;
    throw ValueError(fmt::str(who(), "got ", values.size(), " weight arrays, expected ",
                              ordered.size(), " (", names, ")"));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Shape& expected = ordered[i]->variable.shape();
    if (!values[i].defined() || !(values[i].shape() == expected))
      throw ValueError(fmt::str(who(), "weight ", ordered[i]->keras_name, " has shape ",
                                expected.str(), ", got an array of shape ",
                                (values[i].defined() ? values[i].shape().str() : "undefined")));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    Variable v = ordered[i]->variable;  // a handle: sets the layer's weight
    v.set_value(values[i].to_plain().clone());
  }
}

Fans Layer::weight_fans(std::string_view weight_name) const {
  for (const auto& w : weights_)
    if (w.keras_name == weight_name) return w.fans;
  throw ValueError(fmt::str(who(), "has no weight named '", std::string(weight_name), "'",
                            (built_ ? "" : " (the layer is not built yet)")));
}

std::int64_t Layer::count_params() const {
  std::int64_t n = 0;
  for (const auto& w : weights_) n += w.variable.shape().numel();
  return n;
}

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (auto& w : weights_) w.variable.set_requires_grad(trainable && w.trainable);
}

Variable Layer::regularization_loss() const {
  Variable total(Tensor::scalar(0.f));
  for (const auto& w : weights_)
    if (w.regularizer) total = add(total, w.regularizer->penalty(w.variable));
  if (last_activity_penalty_.defined()) total = add(total, last_activity_penalty_);
  return total;
}

void Layer::apply_constraints() {
  for (auto& w : weights_) w.variable.apply_constraint();
}

Config Layer::get_config() const {
  Config c = layer_config();
  c["name"] = name_;
  c["trainable"] = trainable_;
  if (batch_input_shape_.rank() > 0) {
    c["batch_input_shape"] = kwargs::Codec<Shape>::write(batch_input_shape_);
    c["input_dtype"] = "float32";
  }
  return c;
}

}  // namespace keel::layers
