// Variable: a value Tensor that the tape can differentiate with respect to.
//
// A Variable is a shared handle (copies refer to the same value, gradient and flags). It has a
// process-unique id by which tapes route gradients, so a Variable that dies while a tape is
// alive never aliases a new one. Ops on Variables (autograd/ops.h) are recorded on every active
// Tape when at least one input `requires_grad()`; their result then requires grad too.
//
// The weight-layout rule — where a weight's numbers live, and who may move them:
//  1. Only a Layer moves its weights into a compute layout (store_as), the layout of the oneDNN
//     primitive that reads them (a convolution kernel in OIhw16i16o, ...). An op never changes
//     a Variable it is given: it reads the value, in another layout through value_in().
//  2. A weight's gradient, its optimizer state and its constraint live in the weight's layout:
//     an update is one pass over matching buffers, and no weight is reordered per step.
//  3. The Keras layout appears only at the edges: get_weights()/set_weights(), checkpoints and
//     weight files convert with to_plain() (values and logical shape never change with layout).
//
// In-place writes and the version counter. An optimizer writes a weight's buffer in place and
// then calls mark_modified(), which increments version(). An op whose backward reads an input's
// value records that input's version (autograd/tape.h); running that backward after the value
// was modified in place is a GradientError naming the op and the Variable, never a gradient
// computed from the new values. set_value() replaces the buffer (ops that saved the old one
// keep it), so it does not count as an in-place write.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include "keel/core/tensor.h"

namespace keel {

class Variable {
 public:
  Variable() = default;  // undefined
  // Implicit from a Tensor: a constant (no gradient).
  Variable(Tensor value, bool requires_grad = false, std::string name = {});  // NOLINT

  bool defined() const { return impl_ != nullptr; }
  std::uint64_t id() const;

  const Tensor& value() const;
  // Replaces the value; the shape must stay the same (ShapeError naming the Variable).
  void set_value(Tensor value);
  const Shape& shape() const { return value().shape(); }

  // The value held in `layout`: the value itself when it already is, else a reorder that is
  // kept until the value changes (set_value, mark_modified), so that a frozen weight read in
  // another layout is reordered once, not once per call.
  Tensor value_in(const Layout& layout) const;
  // Keeps the value in `layout` from now on (rule 1: called by the Layer that owns the weight).
  // Logical shape and values are unchanged.
  void store_as(const Layout& layout);
  // Must follow any in-place write into the value's buffer: increments version() and drops the
  // layout copies.
  void mark_modified();
  // The count of in-place writes so far.
  std::uint64_t version() const;
  // The counter itself, not keeping the Variable alive: what a tape checks before a backward.
  std::weak_ptr<const std::uint64_t> version_counter() const;

  // The gradient stored on this Variable (undefined until set): optimizers read it.
  const Tensor& grad() const;
  void set_grad(Tensor grad);
  void zero_grad();

  // A projection applied after every optimizer update (Keras's weight constraints), in place,
  // in whatever layout the value is held: the Layer that owns the weight sets it; optimizers
  // call apply_constraint(), which runs it and then mark_modified().
  template <class F>
  void set_constraint(F&& constraint) {
    static_assert(std::is_void_v<std::invoke_result_t<F&, Tensor&>>,
                  "a constraint projects the value in place: void(Tensor& value)");
    set_constraint_fn(std::function<void(Tensor&)>(std::forward<F>(constraint)));
  }
  bool has_constraint() const;
  void apply_constraint();

  bool requires_grad() const;
  void set_requires_grad(bool r);
  const std::string& name() const;
  void set_name(std::string name);

  // Shorthands for value().
  std::vector<float> to_vector() const { return value().to_vector(); }
  float item() const { return value().item(); }

 private:
  void set_constraint_fn(std::function<void(Tensor&)> constraint);
  struct Impl;
  Impl& impl() const;
  std::shared_ptr<Impl> impl_;
};

}  // namespace keel
