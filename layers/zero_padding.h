// ZeroPadding1D / ZeroPadding2D / ZeroPadding3D: Keras 1 zero padding of the spatial axes
// (KERAS1_SEMANTICS.md 3.1-3.3). No weights.
//
// Input: ZeroPadding1D (batch, steps, features) always; 2D/3D follow dim_ordering ("default" is
// keel::default_dim_ordering(), resolved at construction): tf (batch, rows, cols, channels) /
// (batch, dim1, dim2, dim3, channels), th channels first. Output: each spatial axis grows by the
// zeros added before and after it; an unknown (None) length stays None.
//
// The padding argument takes every Keras 1 form, and a C++ spelling for each:
//   ZeroPadding1D(2)                          int: 2 on both sides
//   ZeroPadding1D({1, 3})                     (left, right)
//   ZeroPadding1D({.right_pad = 2})           dict {left_pad, right_pad}, missing keys 0
//   ZeroPadding2D({1, 2})                     (rows, cols): 1 top and bottom, 2 left and right
//   ZeroPadding2D({1, 0, 2, 0})               (top, bottom, left, right)
//   ZeroPadding2D({.top_pad = 2, .left_pad = 1}, {.dim_ordering = "th"})   the dict form
//   ZeroPadding3D({1, 0, 2})                  (p1, p2, p3): symmetric on each axis
//   ZeroPadding2D(1), ZeroPadding3D(1)        keel extension (Keras 1 refused a bare int): all axes
// A std::span overload takes a list whose length is known only at run time. The options-only
// constructor keeps Keras's default padding (1 / (1, 1) / (1, 1, 1)).
//
// get_config() stores `padding` in the form it was given (ints, a list, or a dict with every
// key) and, for 2D/3D, the resolved `dim_ordering` (Keras 1.2.2 left dim_ordering out, so a
// reloaded layer took the reader's default). from_config (layer_from_config) accepts every
// form above; unknown dict keys and unknown config keys are ValueErrors.
//
// Errors (ValueError, at construction): a negative entry, a list of the wrong length, an
// unknown dim_ordering. ShapeError at build: an input of the wrong rank, naming the layout.
// Runs on the zero_pad op (autograd/resize_ops.h): the input keeps its oneDNN layout.
//
// The classes are movable (a model takes them by value). GCC 12 then reports a call whose only
// argument is a designated-initializer list, X({.field = v}), as ambiguous with the move
// constructor: name the argument's type there, e.g. ZeroPadding1D(ZeroPadding1D::Padding{.left_pad
// = 2}) or UpSampling2D(UpSampling2DOptions{.trainable = false}).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "keel/core/config.h"
#include "keel/layers/layer.h"

namespace keel::layers {

struct ZeroPadding1DOptions {
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct ZeroPadding2DOptions {
  std::string dim_ordering = "default";
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};
using ZeroPadding3DOptions = ZeroPadding2DOptions;

// What the three ZeroPadding layers share: the padding resolved per spatial axis, the layout
// and the op call.
class ZeroPaddingBase : public Layer {
 public:
  DimOrdering dim_ordering() const { return ordering_; }
  // Zeros added before / after each spatial axis, in spatial order (rows, cols, ...).
  const std::vector<std::int64_t>& pad_before() const { return before_; }
  const std::vector<std::int64_t>& pad_after() const { return after_; }

 protected:
  // `dim_ordering` is ignored for rank 1 (always channels last).
  ZeroPaddingBase(std::string class_name, int rank, const std::string& dim_ordering,
                  const BaseOptions& base);
  // Validates (ValueError for a negative entry) and stores the padding; `form` is the padding
  // argument as get_config() reports it.
  void set_padding(std::vector<std::int64_t> before, std::vector<std::int64_t> after, Config form);
  // ValueError unless `padding` has one of `sizes` entries; `expected` describes them.
  void check_length(std::span<const std::int64_t> padding, std::initializer_list<std::size_t> sizes,
                    const std::string& expected) const;

  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
  Config layer_config() const override;

 private:
  int rank_;
  DimOrdering ordering_;
  std::vector<std::int64_t> before_, after_;
  Config form_;
};

class ZeroPadding1D : public ZeroPaddingBase {
 public:
  // The dict form: {'left_pad': l, 'right_pad': r}, missing keys 0.
  struct Padding {
    std::int64_t left_pad = 0;
    std::int64_t right_pad = 0;
  };

  ZeroPadding1D(ZeroPadding1D&&) = default;
  explicit ZeroPadding1D(const ZeroPadding1DOptions& options = {});  // padding = 1
  explicit ZeroPadding1D(std::int64_t padding, const ZeroPadding1DOptions& options = {});
  explicit ZeroPadding1D(std::initializer_list<std::int64_t> padding,
                         const ZeroPadding1DOptions& options = {});
  explicit ZeroPadding1D(std::span<const std::int64_t> padding,
                         const ZeroPadding1DOptions& options = {});
  explicit ZeroPadding1D(Padding padding, const ZeroPadding1DOptions& options = {});
};

class ZeroPadding2D : public ZeroPaddingBase {
 public:
  // The dict form: {'top_pad', 'bottom_pad', 'left_pad', 'right_pad'}, missing keys 0.
  struct Padding {
    std::int64_t top_pad = 0;
    std::int64_t bottom_pad = 0;
    std::int64_t left_pad = 0;
    std::int64_t right_pad = 0;
  };

  ZeroPadding2D(ZeroPadding2D&&) = default;
  explicit ZeroPadding2D(const ZeroPadding2DOptions& options = {});  // padding = (1, 1)
  explicit ZeroPadding2D(std::int64_t padding, const ZeroPadding2DOptions& options = {});
  // (rows, cols) or (top, bottom, left, right).
  explicit ZeroPadding2D(std::initializer_list<std::int64_t> padding,
                         const ZeroPadding2DOptions& options = {});
  explicit ZeroPadding2D(std::span<const std::int64_t> padding,
                         const ZeroPadding2DOptions& options = {});
  explicit ZeroPadding2D(Padding padding, const ZeroPadding2DOptions& options = {});
};

class ZeroPadding3D : public ZeroPaddingBase {
 public:
  ZeroPadding3D(ZeroPadding3D&&) = default;
  explicit ZeroPadding3D(const ZeroPadding3DOptions& options = {});  // padding = (1, 1, 1)
  explicit ZeroPadding3D(std::int64_t padding, const ZeroPadding3DOptions& options = {});
  // (p1, p2, p3), symmetric on each axis.
  explicit ZeroPadding3D(std::initializer_list<std::int64_t> padding,
                         const ZeroPadding3DOptions& options = {});
  explicit ZeroPadding3D(std::span<const std::int64_t> padding,
                         const ZeroPadding3DOptions& options = {});
};

}  // namespace keel::layers
