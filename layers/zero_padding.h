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
// The padding is a PaddingSpec (layers/margins.h: every form, a std::span for run-time
// lengths); the default is Keras's (1 / (1, 1) / (1, 1, 1)).
//
// get_config() stores `padding` in the form it was given and, for 2D/3D, the resolved
// `dim_ordering` (Keras 1.2.2 left dim_ordering out, so a reloaded layer took the reader's
// default). from_config (layer_from_config) accepts every form above; unknown dict keys and
// unknown config keys are ValueErrors.
//
// Errors (ValueError, at construction): a negative entry, a list of the wrong length, an
// unknown dim_ordering. ShapeError at build: an input of the wrong rank, naming the layout.
// Runs on the zero_pad op (autograd/resize_ops.h): the input keeps its oneDNN layout.
//
// The classes are movable (a model takes them by value). GCC 12 then reports a call whose only
// argument is a designated-initializer list, X({.field = v}), as ambiguous with the move
// constructor: name the argument's type there, e.g. ZeroPadding1D(ZeroPadding1D::Padding{.left_pad
// = 2}) or UpSampling2D(UpSampling2DOptions{.trainable = false}). The options-only constructor
// takes exactly the options type (a braced list there would be ambiguous with the padding).
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <vector>

#include "keel/layers/margins.h"
#include "keel/layers/spatial_layer.h"

namespace keel::layers {

struct ZeroPadding1DOptions {
  PaddingSpec padding = 1;  // positional
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = ZeroPadding1DOptions;
    return std::tuple_cat(
        kwargs::fields(kwargs::field("padding", &O::padding,
                                     margins_rule_for<PaddingSpec>(MarginKind::pad1d))),
        base_fields<O>());
  }
};

struct ZeroPadding2DOptions {
  PaddingSpec padding = {1, 1};  // positional
  std::string dim_ordering = "default";
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = ZeroPadding2DOptions;
    return std::tuple_cat(
        kwargs::fields(
            kwargs::field("padding", &O::padding, margins_rule_for<PaddingSpec>(MarginKind::pad2d)),
            kwargs::field("dim_ordering", &O::dim_ordering, dim_ordering_rule())),
        base_fields<O>());
  }
};

struct ZeroPadding3DOptions {
  PaddingSpec padding = {1, 1, 1};  // positional
  std::string dim_ordering = "default";
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = ZeroPadding3DOptions;
    return std::tuple_cat(
        kwargs::fields(
            kwargs::field("padding", &O::padding, margins_rule_for<PaddingSpec>(MarginKind::pad3d)),
            kwargs::field("dim_ordering", &O::dim_ordering, dim_ordering_rule())),
        base_fields<O>());
  }
};

// What the three ZeroPadding layers share: the padding resolved per spatial axis and the op.
template <class O, int Rank, MarginKind Kind>
class ZeroPaddingND : public WithOptions<O, SpatialLayer> {
 public:
  // Zeros added before / after each spatial axis, in spatial order (rows, cols, ...).
  const std::vector<std::int64_t>& pad_before() const { return m_.before; }
  const std::vector<std::int64_t>& pad_after() const { return m_.after; }

 protected:
  ZeroPaddingND(std::string class_name, const O& o);
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;

 private:
  ResolvedMargins m_;
};

class ZeroPadding1D : public ZeroPaddingND<ZeroPadding1DOptions, 1, MarginKind::pad1d> {
 public:
  using Padding = Pad1D;
  explicit ZeroPadding1D(PaddingSpec padding = Options{}.padding, Options o = {})
      : ZeroPadding1D(with_args(std::move(o), &Options::padding, std::move(padding))) {}
  // A braced list is the flat form (a designated list the dict form).
  explicit ZeroPadding1D(std::initializer_list<std::int64_t> padding, Options o = {})
      : ZeroPadding1D(PaddingSpec(padding), std::move(o)) {}
  explicit ZeroPadding1D(Pad1D padding, Options o = {})
      : ZeroPadding1D(PaddingSpec(padding), std::move(o)) {}
  template <std::same_as<Options> Same>
  explicit ZeroPadding1D(const Same& o) : ZeroPaddingND("ZeroPadding1D", o) {}
};

class ZeroPadding2D : public ZeroPaddingND<ZeroPadding2DOptions, 2, MarginKind::pad2d> {
 public:
  using Padding = Pad2D;
  explicit ZeroPadding2D(PaddingSpec padding = Options{}.padding, Options o = {})
      : ZeroPadding2D(with_args(std::move(o), &Options::padding, std::move(padding))) {}
  // A braced list is the flat form (a designated list the dict form).
  explicit ZeroPadding2D(std::initializer_list<std::int64_t> padding, Options o = {})
      : ZeroPadding2D(PaddingSpec(padding), std::move(o)) {}
  explicit ZeroPadding2D(Pad2D padding, Options o = {})
      : ZeroPadding2D(PaddingSpec(padding), std::move(o)) {}
  template <std::same_as<Options> Same>
  explicit ZeroPadding2D(const Same& o) : ZeroPaddingND("ZeroPadding2D", o) {}
};

class ZeroPadding3D : public ZeroPaddingND<ZeroPadding3DOptions, 3, MarginKind::pad3d> {
 public:
  explicit ZeroPadding3D(PaddingSpec padding = Options{}.padding, Options o = {})
      : ZeroPadding3D(with_args(std::move(o), &Options::padding, std::move(padding))) {}
  // A braced list is the flat form (a designated list the dict form).
  explicit ZeroPadding3D(std::initializer_list<std::int64_t> padding, Options o = {})
      : ZeroPadding3D(PaddingSpec(padding), std::move(o)) {}
  template <std::same_as<Options> Same>
  explicit ZeroPadding3D(const Same& o) : ZeroPaddingND("ZeroPadding3D", o) {}
};

}  // namespace keel::layers
