// Optimizer: the base of Keras 1.2.2's optimizers (keras/optimizers.py, KERAS1_SEMANTICS.md 8).
//
// apply(grads, weights) performs one update step. For the weights whose requires_grad() is true
// (frozen weights are skipped: not read, not updated, given no state), in this order:
//   1. clipnorm > 0: G = sqrt(sum of g^2 over every gradient of those weights) (one global norm,
//      computed in double); if G >= clipnorm every gradient is scaled by clipnorm / G;
//   2. clipvalue > 0: each element is clipped to [-clipvalue, clipvalue];
//   3. lr_t = lr / (1 + decay * iterations) when decay > 0 (iterations read before this step's
//      increment), else lr;
//   4. the optimizer's own update (optimizers.h), in float32, in place in the weight's buffer:
//      one fused element-wise pass (OpenMP) over the weight, its gradient and its state;
//   5. weight.apply_constraint() on every updated weight;
//   6. iterations += 1 for Adam, Adamax and Nadam always, for SGD, RMSprop, Adagrad and Adadelta
//      only when decay > 0 (as Keras).
// Layouts (the rule of autograd/variable.h): the update runs in the layout the weight is stored
// in, plain or a layer's blocked compute layout; the optimizer never moves a weight. A gradient
// in another layout is reordered into the weight's once per step, and slots are created in (and
// restored state reordered into) the weight's layout, so each update is one pass over
// contiguous buffers. state()/slots() copy slots in the weight's layout (checkpoints write them in
// Keras layout). Scalar factors (lr_t, Adam's
// alpha_t, ...) are computed in double and cast to float. Everything is checked before any
// weight changes, so a throwing apply() leaves weights and state as they were (only an
// exception from a constraint itself can stop a step half-way). The update writes into the
// weight's existing buffer without set_value(): a cache of a weight (e.g. a compute-format
// copy) must not assume that an unchanged buffer means unchanged values.
//
// State. Each weight gets its slots (named tensors of the weight's shape, zeros at first) on
// its first update: keyed by the Variable's id, remembering the weight's name. slot_names()
// lists them (SGD with momentum: "moment"; RMSprop, Adagrad: "accumulator"; Adadelta:
// "accumulator", "delta_accumulator"; Adam, Nadam: "m", "v"; Adamax: "m", "u"). Global scalars
// are in state_scalars(): {"iterations": n} and for Nadam also {"m_schedule": S} (a double).
// Together with get_config() (which holds the current lr) they restore an optimizer exactly:
// a fresh optimizer from_config(), set_state_scalars() and set_slots()/set_state() continues
// bit-identically. Checkpoints save state() (every weight's slots under the weight's name,
// sorted by name like Keras) and restore it with set_state(): the slots are bound to the weight
// of that name on its next apply() (or read back by slots(w) before that).
// slots()/state() return copies; set_slots()/set_state() copy what they are given.
// The optimizer cannot see a Variable die: state of weights that no longer exist stays (and
// state() then reports their names too) until set_state() replaces it.
//
// Copying an optimizer (or clone()) copies its state deeply; the copies then evolve apart.
//
// Throws: ValueError for a gradient count that differs from the weight count, an undefined
// weight or gradient, a weight listed twice, bad hyperparameters (naming the optimizer, the
// argument and the value), bad state (unknown or missing slot or scalar names, duplicate weight
// names in state()); ShapeError for a gradient or slot whose shape differs from its weight's,
// naming the weight and both shapes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "keel/autograd/variable.h"
#include "keel/core/json.h"
#include "keel/core/tensor.h"

namespace keel::optimizers {

// Update loops shorter than this run on the calling thread: waking the team costs more.
inline constexpr std::int64_t kParallelThreshold = std::int64_t{1} << 15;

// One named per-weight state tensor ("m", "v", "moment", ...), of the weight's shape.
struct Slot {
  std::string name;
  Tensor value;
};

// The slots of one weight, under the weight's name (a checkpoint's unit of optimizer state).
struct WeightSlots {
  std::string weight;
  std::vector<Slot> slots;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // A new optimizer of the same class, configuration and (deep-copied) state.
  virtual std::shared_ptr<Optimizer> clone() const = 0;

  // One update step: grads[i] is the gradient of weights[i] (same shape, any layout).
  void apply(const std::vector<Tensor>& grads, const std::vector<Variable>& weights);
  // The same with each weight's stored grad().
  void apply(const std::vector<Variable>& weights);

  // One update step streamed weight by weight, for a backward that hands each gradient over
  // as soon as it is final (Tape's GradientOptions::on_final; Model's training step): the
  // gradient's memory is then released at once instead of living to the end of the backward
  // (VGG16: its 411 MB fc1 gradient). begin_streamed_step() computes the step's factors,
  // apply_streamed() updates one weight (steps 2, 4, 5 above; frozen weights are skipped),
  // end_streamed_step() counts the step: the result is bit-identical to apply() on the same
  // gradients. Unlike apply() the step is not atomic: weights updated before an error stay
  // updated. ValueError for clipnorm > 0 (its global norm needs every gradient first), a
  // streamed step begun twice or not begun, a weight updated twice in one step, and what
  // apply() rejects.
  void begin_streamed_step();
  void apply_streamed(const Tensor& grad, const Variable& weight);
  void end_streamed_step();

  // "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam".
  std::string class_name() const { return class_name_; }
  // Updates counted so far (see the counting rule above).
  std::int64_t iterations() const { return iterations_; }
  // The base learning rate (before decay); set_lr is what LearningRateScheduler and
  // ReduceLROnPlateau use. ValueError for lr < 0 or not finite.
  float lr() const { return lr_; }
  void set_lr(float lr);
  float decay() const { return decay_; }
  float clipnorm() const { return clipnorm_; }
  float clipvalue() const { return clipvalue_; }

  // Keras's get_config(): the current lr and the hyperparameters under their Keras names, plus
  // clipnorm / clipvalue when set (> 0). from_config(class_name(), get_config()) rebuilds it.
  Config get_config() const;

  // --- state ------------------------------------------------------------------------------
  // The names of the slots each weight gets, in order.
  const std::vector<std::string>& slot_names() const { return slot_names_; }
  // Copies of w's slots in slot_names() order; empty when w has no state yet (its first
  // update will start from zeros). Slots restored by set_state() under w's name count as w's.
  std::vector<Slot> slots(const Variable& w) const;
  // Replaces w's slots (copied). ValueError unless the names are exactly slot_names() (any
  // order) and every value is defined; ShapeError naming the weight, the slot and both shapes.
  void set_slots(const Variable& w, std::vector<Slot> slots);
  // Every weight's slots, sorted by weight name. ValueError if two weights with state share a
  // name (state is matched by name).
  std::vector<WeightSlots> state() const;
  // Replaces all per-weight state: each entry is bound to the weight of that name on its next
  // apply() (ShapeError then if the shapes differ). ValueError for a duplicate weight name or
  // slot names that are not exactly slot_names().
  void set_state(std::vector<WeightSlots> state);
  // {"iterations": n} (+ {"m_schedule": S} for Nadam).
  Config state_scalars() const;
  // Sets them; every key must be present and known. ValueError otherwise, or for a negative
  // iteration count.
  void set_state_scalars(const Config& scalars);

 protected:
  struct Hyper {
    std::string class_name;
    float lr;
    float decay;
    bool has_decay;      // "decay" is a Keras argument of this optimizer (not of Nadam)
    bool always_counts;  // increments iterations even when decay == 0
    float clipnorm;
    float clipvalue;
    std::vector<std::string> slot_names;
  };
  explicit Optimizer(Hyper h);

  // Gradient post-processing applied inside each fused loop: clipnorm's scale, then clipvalue
  // (an infinite limit when off).
  struct GradClip {
    float scale;
    float limit;
    float operator()(float g) const { return std::min(std::max(g * scale, -limit), limit); }
  };

  // Step scalars, computed once per apply() before any weight is updated.
  struct Step {
    double lr_t;     // the decayed learning rate
    std::int64_t t;  // iterations + 1
  };
  // Prepares the per-step factors the update uses (and advances global state, e.g. Nadam's S).
  virtual void begin_step(const Step& step) = 0;
  // Updates the n elements of p in place from gradient g (processed with clip) and the slots
  // (one buffer per slot_names() entry), in one OpenMP element-wise pass.
  virtual void update(float* p, const float* g, float* const* slots, std::int64_t n,
                      GradClip clip) const = 0;
  // The optimizer's own Keras config entries (lr, decay and clipping are added by the base).
  virtual Config own_config() const = 0;
  // Global scalars beyond "iterations" (Nadam's m_schedule): read, check and set.
  virtual Config extra_scalars() const { return Config::object(); }
  virtual void check_extra_scalars(const Config& /*scalars*/) const {}
  virtual void set_extra_scalars(const Config& /*scalars*/) {}
  virtual std::vector<std::string> extra_scalar_names() const { return {}; }

  // "lr is -1, expected ...": ValueError naming this optimizer.
  [[noreturn]] void fail(const std::string& what) const;

 private:
  // apply()'s pieces, shared with the streamed step: the checks of one gradient (ValueError /
  // ShapeError naming the weight), the step's factors (begin_step; clipvalue), one weight's
  // update and constraint, and the iteration count.
  void check_gradient(const std::string& who, const Variable& w, const Tensor& g,
                      std::size_t index) const;
  GradClip start_step();
  void update_weight(Variable& w, const Tensor& g, GradClip clip);
  void finish_step();

  // Slot tensors (plain, in slot_names_ order) that copy deeply, so copies of an optimizer
  // never share a buffer they update in place.
  struct Tensors {
    std::vector<Tensor> t;
    Tensors() = default;
    explicit Tensors(std::vector<Tensor> v) : t(std::move(v)) {}
    Tensors(const Tensors& o);
    Tensors& operator=(const Tensors& o);
    Tensors(Tensors&&) noexcept = default;
    Tensors& operator=(Tensors&&) noexcept = default;
  };
  struct Entry {
    std::string name;  // the weight's name, refreshed on each update
    Tensors slots;
  };

  // Checks `given` against slot_names() (and `shape` when known) and returns plain copies in
  // slot_names() order.
  std::vector<Tensor> checked_slots(std::vector<Slot> given, const std::string& weight,
                                    const Shape* shape) const;
  std::vector<Slot> named(const Tensors& slots) const;

  std::string class_name_;
  float lr_;
  float decay_;
  bool has_decay_;
  bool always_counts_;
  float clipnorm_;
  float clipvalue_;
  std::vector<std::string> slot_names_;
  std::int64_t iterations_ = 0;
  std::unordered_map<std::uint64_t, Entry> state_;  // by Variable id
  std::map<std::string, Tensors> pending_;          // restored by name, not yet bound
  // The open streamed step: its clipping and the weights it has updated.
  bool streaming_ = false;
  GradClip stream_clip_{1.f, 1.f};
  std::unordered_set<std::uint64_t> streamed_;
};

// A Keras optimizer name with its defaults: "sgd", "rmsprop", "adagrad", "adadelta", "adam",
// "adamax", "nadam" (or the class names "SGD", "RMSprop", ...). ValueError listing the known
// names otherwise. (Defined with the optimizers in optimizers.cpp.)
std::shared_ptr<Optimizer> get(std::string_view name);

// An optimizer from its class name (or lower-case name) and a Keras get_config() object (null
// or {} gives the defaults; missing keys take their defaults). ValueError for an unknown name,
// an unexpected key (listing the expected ones) or a value of the wrong type.
std::shared_ptr<Optimizer> from_config(std::string_view class_name, const Config& config);

}  // namespace keel::optimizers
