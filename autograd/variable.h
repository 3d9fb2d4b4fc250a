// Variable: a value Tensor that the tape can differentiate with respect to.
//
// A Variable is a shared handle (copies refer to the same value, gradient and flags). It has a
// process-unique id by which tapes route gradients, so a Variable that dies while a tape is
// alive never aliases a new one. Ops on Variables (autograd/ops.h) are recorded on every active
// Tape when at least one input `requires_grad()`; their result then requires grad too.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

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
  // Replaces the value (e.g. after an optimizer update); the shape must stay the same.
  void set_value(Tensor value);
  const Shape& shape() const { return value().shape(); }

  // The value held in oneDNN layout `md` (dims mapped to logical axes by `axes`): reordered once
  // and kept until the value changes, so that a weight is reordered into a primitive's compute
  // format once per update, not once per call (design rule 2).
  Tensor value_in(const dnnl::memory::desc& md, const Tensor::Axes& axes) const;
  // Keeps the value in layout `md` from now on: a weight migrates to the compute layout of the
  // primitive that reads it, so that its gradient, its optimizer state and its updates live
  // there too and no reorder runs per step. Logical shape and values are unchanged; get it back
  // in Keras layout with value().to_plain().
  void store_as(const dnnl::memory::desc& md, const Tensor::Axes& axes);
  // Must follow any in-place write into the value's buffer (optimizers' fused updates): drops
  // the layout copies.
  void mark_modified();

  // The gradient stored on this Variable (undefined until set): optimizers read it.
  const Tensor& grad() const;
  void set_grad(Tensor grad);
  void zero_grad();

  // A projection applied after every optimizer update (Keras's weight constraints): the layer
  // that owns the weight sets it; optimizers call apply_constraint() after updating.
  void set_constraint(std::function<Tensor(const Tensor&)> constraint);
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
  struct Impl;
  Impl& impl() const;
  std::shared_ptr<Impl> impl_;
};

}  // namespace keel
