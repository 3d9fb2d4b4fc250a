// Layer: the base of every keel layer, shaped like a Keras 1 layer.
//
// A layer is built on its first call (or by build()) from the shape of its input, batch first
// (the batch may be unknown, Shape::kUnknown). Building creates its weights — through
// add_weight(), the one way a layer declares a weight — and then applies the `weights` given
// at construction, in Keras order. output_shape() computes the output shape from an input
// shape without running anything and validates it (ShapeError naming the layer).
//
// Weights are Variables of Keras's logical shape. Their storage layout is the layer's business:
// a layer may move a weight once into the layout its primitive computes in
// (keep_in_compute_layout(), e.g. a convolution kernel in oneDNN's blocked format), and then
// the weight, its gradient, its optimizer slots and its constraint all stay there; no op and no
// optimizer moves it back. get_weights()/set_weights() use Keras's order and plain Keras
// layout, so weights exported from a Keras 1 model load unchanged; a wrong count or shape is a
// ValueError naming the layer and both shapes. A frozen layer (trainable = false) reports its
// weights as non-trainable, and they require no gradient.
//
// Penalties: regularization_loss() is one differentiable scalar — the weight regularizers'
// penalties plus the activity regularizer's penalty on the output of the last call.
// apply_constraints() projects each weight that has a constraint (optimizers call it after
// every update).
//
// Errors start with the class and the name: "Convolution2D 'conv_1': border_mode 'sane' is not
// one of valid, same, full".
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keel/autograd/fused_activation.h"
#include "keel/autograd/variable.h"
#include "keel/constraints/constraint.h"
#include "keel/core/config.h"
#include "keel/core/json.h"
#include "keel/core/shape.h"
#include "keel/layers/initializers.h"
#include "keel/layers/layer_options.h"
#include "keel/layers/node.h"
#include "keel/regularizers/regularizer.h"

namespace keel::layers {

using constraints::Constraint;
using regularizers::L1L2Regularizer;

// The base keyword arguments (KEEL_LAYER_BASE_OPTIONS, layers/layer_options.h) as the Layer
// constructor takes them.
struct BaseOptions {
  Shape input_shape;
  Shape batch_input_shape;
  std::string name;
  bool trainable = true;
};

template <typename Options>
BaseOptions base_options(const Options& o) {
  return {o.input_shape, o.batch_input_shape, o.name, o.trainable};
}

class Layer : public std::enable_shared_from_this<Layer> {
 public:
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;
  // Movable, so that a model can take a layer by value: model.add(Dense(10)). (A movable class
  // makes GCC 12 report X({.field = v}) as ambiguous with the move constructor: a single
  // designated-initializer argument names its type, X(XOptions{.field = v}).)
  Layer(Layer&&) = default;
  Layer& operator=(Layer&&) = delete;

  const std::string& class_name() const { return class_name_; }
  const std::string& name() const { return name_; }

  // The input shape given at construction (input_shape, batch_input_shape, input_dim, ...),
  // with the batch axis (unknown unless batch_input_shape fixed it); rank 0 if none was given.
  const Shape& batch_input_shape() const { return batch_input_shape_; }

  bool built() const { return built_; }
  // Creates the weights for inputs of `input_shape` (batch axis included); idempotent for the
  // shape the layer was built with, ShapeError for an incompatible one.
  void build(const Shape& input_shape);
  // Output shape (batch included) for an input shape; validates the input.
  Shape output_shape(const Shape& input_shape) const;

  // Builds on first use, checks the input, runs the layer (training behaviour of Dropout and
  // BatchNormalization follows learning_phase()).
  Variable operator()(const Variable& x);
  // activation(this layer(x)) computed in one op, where the layer can fuse that activation
  // (BatchNormalization: relu, into its oneDNN primitive); an undefined Variable where it
  // cannot, or where an activity regularizer must see the unactivated output. A graph model
  // calls it for a layer whose only consumer is an Activation layer, and then skips that one.
  Variable call_fused(const Variable& x, FusedActivation activation);
  const std::optional<L1L2Regularizer>& activity_regularizer() const {
    return activity_regularizer_;
  }
  // Several inputs: merge layers take a list; other layers a list of one.
  Variable operator()(const std::vector<Variable>& xs);
  Shape output_shape(const std::vector<Shape>& input_shapes) const;
  // Symbolic calls (graph models, layers/node.h): build the layer and record a Node.
  SymbolicTensor operator()(const SymbolicTensor& x);
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& xs);
  // How often the layer was called symbolically (its nodes).
  int symbolic_calls() const { return symbolic_calls_; }

  // --- weights ---------------------------------------------------------------------------
  // Keras order: trainable_weights() + non_trainable_weights() of a trainable layer, each in
  // creation order (a frozen layer keeps that order).
  std::vector<Variable> weights() const;
  std::vector<Variable> trainable_weights() const;
  std::vector<Variable> non_trainable_weights() const;
  // Keras weight names without the layer prefix, in order: {"W", "b"}.
  std::vector<std::string> weight_names() const;
  std::vector<Tensor> get_weights() const;
  void set_weights(const std::vector<Tensor>& values);
  // The fans the initializers of weight `weight_name` ("W", "depthwise_kernel", ...) use.
  Fans weight_fans(std::string_view weight_name) const;
  std::int64_t count_params() const;

  bool trainable() const { return trainable_; }
  void set_trainable(bool trainable);

  // --- penalties and constraints ---------------------------------------------------------
  Variable regularization_loss() const;
  void apply_constraints();

  // --- config ----------------------------------------------------------------------------
  // Keras's get_config(): the layer's arguments plus name, trainable and, when given,
  // batch_input_shape.
  Config get_config() const;

 protected:
  Layer(std::string class_name, const BaseOptions& base);

  // Validates `input_shape` (batch included) and returns the output shape.
  virtual Shape compute_output_shape(const Shape& input_shape) const = 0;
  // Declares the weights with add_weight(); called once by build().
  virtual void build_weights(const Shape& input_shape) { (void)input_shape; }
  virtual Variable call(const Variable& x) = 0;
  // call() followed by `activation` in one op, or undefined when the layer cannot fuse it
  // (the default).
  virtual Variable call_fused_activation(const Variable& x, FusedActivation activation) {
    (void)x;
    (void)activation;
    return {};
  }
  // The multi-input forms; the defaults accept exactly one input and defer to the above.
  virtual Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const;
  virtual Variable call_multi(const std::vector<Variable>& xs);
  // The layer's own Keras arguments.
  virtual Config layer_config() const = 0;

  // A weight with `trainable = false` (BatchNormalization's running statistics) never requires
  // a gradient and is listed among non_trainable_weights() whatever the layer's flag.
  Variable add_weight(const std::string& keras_name, const Shape& shape, const Initializer& init,
                      const Fans& fans, const std::optional<L1L2Regularizer>& regularizer,
                      const std::optional<Constraint>& constraint, bool trainable = true);
  // Rule 1 of the weight-layout rule (autograd/variable.h): while the layer trains (a tape is
  // recording and `w` requires a gradient), `w` is kept in the layout its op reads it in,
  // `where()`, so that neither the weight nor its gradient and optimizer state are reordered per
  // step. Otherwise (inference, a frozen weight) the op reads a cached copy and `w` stays put.
  static void keep_in_compute_layout(Variable& w, const std::function<Layout()>& where);
  // The weights to apply at the end of build (Keras's `weights=` argument).
  void set_initial_weights(std::vector<Tensor> weights) { initial_weights_ = std::move(weights); }
  void set_activity_regularizer(std::optional<L1L2Regularizer> r) { activity_regularizer_ = r; }
  // Sets the construction-time input shape from Keras-style arguments (without the batch).
  void set_input_shape(const Shape& shape_without_batch);

  // "Convolution2D 'convolution2d_1'" (label) and the same followed by ": " (who), the start of
  // every message about this layer.
  std::string label() const;
  std::string who() const;
  // What every layer's constructor does with its options first: Keras's activation=None
  // becomes "linear", the table's rules are checked (ValueError "<who>border_mode is 'sane',
  // expected one of valid, same, full"), and dim_ordering 'default' is resolved in place.
  template <class O>
  void accept_options(O& o) const {
    if constexpr (requires { o.activation; })
      if (o.activation.empty()) o.activation = "linear";
    kwargs::validate(o, who());
    if constexpr (requires { o.dim_ordering; }) resolve_dim_ordering(o.dim_ordering);
  }
  // The one input check of the image layers: ShapeError "<who>expected an input of rank 4
  // (batch, rows, cols, channels), got shape (None, 28, 28)" unless `input_shape` has
  // spatial_rank + 2 axes (1D layers: (batch, steps, features)).
  void check_image_input(const Shape& input_shape, int spatial_rank, DimOrdering ordering) const;
  // The input shape the layer was built with (batch included).
  const Shape& built_input_shape() const { return built_input_shape_; }

 private:
  struct Weight {
    std::string keras_name;
    Variable variable;
    Fans fans;
    std::optional<L1L2Regularizer> regularizer;
    std::optional<Constraint> constraint;
    bool trainable = true;  // as declared; the layer's own flag applies on top
  };
  // The weights in Keras order: the trainable ones, then the non-trainable ones, each in
  // creation order.
  std::vector<const Weight*> ordered_weights() const;

  std::string class_name_;
  std::string name_;
  bool trainable_;
  Shape batch_input_shape_;
  bool built_ = false;
  Shape built_input_shape_;
  std::vector<Weight> weights_;
  std::vector<Tensor> initial_weights_;
  std::optional<L1L2Regularizer> activity_regularizer_;
  Variable last_activity_penalty_;
  int symbolic_calls_ = 0;
};

// A layer whose Keras arguments are an options struct with a kwargs table: it keeps them (as
// its constructor resolved them) and writes get_config() from them. `Base` is Layer or one of
// the shared bases (ConvBase, PoolingBase, SpatialLayer ...).
template <class O, class Base = Layer>
class WithOptions : public Base {
 public:
  using Options = O;
  const Options& options() const { return o_; }

 protected:
  template <class... BaseArgs>
  explicit WithOptions(const O& o, BaseArgs&&... base)
      : Base(std::forward<BaseArgs>(base)...), o_(o) {}
  Config layer_config() const override { return kwargs::to_config(o_); }

  O o_;
};

// Keras's automatic names: "<class name lower-cased><suffix>_<n>", n counting from 1 per prefix
// in the process ("convolution2d_1"; with suffix "_input", Sequential's "dense_input_1").
std::string unique_layer_name(std::string_view class_name, std::string_view suffix = "");

// Whether layers run in training mode (Dropout drops, BatchNormalization uses batch statistics).
// False by default; fit() and custom loops switch it with a LearningPhase guard.
bool learning_phase();
class LearningPhase {
 public:
  explicit LearningPhase(bool training);
  ~LearningPhase();
  LearningPhase(const LearningPhase&) = delete;
  LearningPhase& operator=(const LearningPhase&) = delete;

 private:
  bool previous_;
};

}  // namespace keel::layers
