#include "keel/layers/layer.h"

#include <cctype>
#include <map>
#include <mutex>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/layers/config_reader.h"

namespace keel::layers {

namespace {

std::string auto_name(const std::string& class_name) {
  static std::mutex mu;
  static std::map<std::string, int> counters;
  std::string prefix;
  for (char c : class_name) prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::lock_guard lock(mu);
  return prefix + "_" + std::to_string(++counters[prefix]);
}

thread_local bool t_learning_phase = false;

}  // namespace

bool learning_phase() { return t_learning_phase; }
LearningPhase::LearningPhase(bool training) : previous_(t_learning_phase) {
  t_learning_phase = training;
}
LearningPhase::~LearningPhase() { t_learning_phase = previous_; }

Layer::Layer(std::string class_name, const BaseOptions& base)
    : class_name_(std::move(class_name)),
      name_(base.name.empty() ? auto_name(class_name_) : base.name),
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

std::string Layer::who() const { return class_name_ + " '" + name_ + "': "; }

Shape Layer::output_shape(const Shape& input_shape) const { return compute_output_shape(input_shape); }

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

Variable Layer::operator()(const Variable& x) {
  build(x.shape());
  Variable y = call(x);
  if (activity_regularizer_) last_activity_penalty_ = activity_regularizer_->penalty(y);
  return y;
}

Variable Layer::add_weight(const std::string& keras_name, const Shape& shape,
                           const Initializer& init, const Fans& fans,
                           const std::optional<L1L2Regularizer>& regularizer,
                           const std::optional<Constraint>& constraint) {
  Variable v(init(shape, fans), trainable_, name_ + "_" + keras_name);
  weights_.push_back({keras_name, v, fans, regularizer, constraint});
  return v;
}

std::vector<Variable> Layer::weights() const {
  std::vector<Variable> out;
  for (const auto& w : weights_) out.push_back(w.variable);
  return out;
}

std::vector<Variable> Layer::trainable_weights() const {
  return trainable_ ? weights() : std::vector<Variable>{};
}

std::vector<Variable> Layer::non_trainable_weights() const {
  return trainable_ ? std::vector<Variable>{} : weights();
}

std::vector<std::string> Layer::weight_names() const {
  std::vector<std::string> out;
  for (const auto& w : weights_) out.push_back(w.keras_name);
  return out;
}

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Tensor> out;
  for (const auto& w : weights_) out.push_back(w.variable.value().to_plain().clone());
  return out;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
  if (!built_)
    throw ValueError(who() + "set_weights before the layer is built; build it with an input "
                             "shape first or pass the weights at construction");
  if (values.size() != weights_.size()) {
    std::string names;
    for (const auto& w : weights_) names += (names.empty() ? "" : ", ") + w.keras_name;
    throw ValueError(who() + "got " + std::to_string(values.size()) + " weight arrays, expected " +
                     std::to_string(weights_.size()) + " (" + names + ")");
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Shape& expected = weights_[i].variable.shape();
    if (!values[i].defined() || !(values[i].shape() == expected))
      throw ValueError(who() + "weight " + weights_[i].keras_name + " has shape " +
                       expected.str() + ", got an array of shape " +
                       (values[i].defined() ? values[i].shape().str() : "undefined"));
  }
  for (std::size_t i = 0; i < values.size(); ++i)
    weights_[i].variable.set_value(values[i].to_plain().clone());
}

Fans Layer::weight_fans(std::string_view weight_name) const {
  for (const auto& w : weights_)
    if (w.keras_name == weight_name) return w.fans;
  throw ValueError(who() + "has no weight named '" + std::string(weight_name) + "'" +
                   (built_ ? "" : " (the layer is not built yet)"));
}

std::int64_t Layer::count_params() const {
  std::int64_t n = 0;
  for (const auto& w : weights_) n += w.variable.shape().numel();
  return n;
}

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (auto& w : weights_) w.variable.set_requires_grad(trainable);
}

Variable Layer::regularization_loss() const {
  Variable total(Tensor::scalar(0.f));
  for (const auto& w : weights_)
    if (w.regularizer) total = add(total, w.regularizer->penalty(w.variable));
  if (last_activity_penalty_.defined()) total = add(total, last_activity_penalty_);
  return total;
}

void Layer::apply_constraints() {
  for (auto& w : weights_)
    if (w.constraint) w.variable.set_value(w.constraint->apply(w.variable.value()));
}

Config Layer::get_config() const {
  Config c = layer_config();
  c["name"] = name_;
  c["trainable"] = trainable_;
  if (batch_input_shape_.rank() > 0) c["batch_input_shape"] = shape_to_config(batch_input_shape_);
  return c;
}

}  // namespace keel::layers
