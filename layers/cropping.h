// Cropping1D / Cropping2D / Cropping3D: Keras 1 cropping of the spatial axes
// (KERAS1_SEMANTICS.md 3.4-3.6). No weights.
//
// Input: Cropping1D (batch, steps, features) always; 2D/3D follow dim_ordering ("default" is
// keel::default_dim_ordering(), resolved at construction): tf (batch, rows, cols, channels) /
// (batch, dim1, dim2, dim3, channels), th channels first. Spatial axis i loses cropping[i][0]
// elements at its start and cropping[i][1] at its end; an unknown (None) length stays None —
// for Cropping2D too, where Keras 1.2.2's shape inference failed on None.
//
// The cropping argument, in Keras 1 forms and their C++ spelling:
//   Cropping1D({2, 1})                        (left, right); default (1, 1)
//   Cropping2D({{2, 2}, {4, 4}})              ((top, bottom), (left, right)); default no cropping
//   Cropping3D({{1, 1}, {0, 2}, {2, 1}})      three (begin, end) pairs; default all (1, 1)
//   Cropping1D(1), Cropping2D(1), Cropping3D(1)
//                                             keel extension (Keras 1 refused a bare int): that
//                                             many elements off both ends of every axis
// The cropping is a CroppingSpec (layers/margins.h; a std::span of pairs for run-time values).
// Keras 1's Cropping build() pinned the input spec to the first input shape;
// keel does not (a layer without weights runs on any input of the right rank).
//
// get_config() stores `cropping` in the form it was given (nested lists, or the int) and, for
// 2D/3D, the resolved `dim_ordering` (Keras 1.2.2 left it out). from_config
// (layer_from_config) accepts every form above; unknown config keys are ValueErrors.
//
// Errors: ValueError at construction for a negative entry, a wrong number of pairs or of
// entries in a pair, an unknown dim_ordering; ShapeError at build for an input of the wrong
// rank (naming the layout) or a cropping that removes a whole axis (naming the axis, its length
// and the cropping). Runs on the crop op (autograd/resize_ops.h): the input keeps its oneDNN
// layout.
//
// The classes are movable (a model takes them by value). GCC 12 then reports a call whose only
// argument is a designated-initializer list, X({.field = v}), as ambiguous with the move
// constructor: name the argument's type there, e.g. ZeroPadding1D(ZeroPadding1D::Padding{.left_pad
// = 2}) or UpSampling2D(UpSampling2DOptions{.trainable = false}).
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <vector>

#include "keel/layers/margins.h"
#include "keel/layers/spatial_layer.h"

namespace keel::layers {

struct Cropping1DOptions {
  CroppingSpec cropping = {1, 1};  // positional
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = Cropping1DOptions;
    return std::tuple_cat(
        kwargs::fields(kwargs::field("cropping", &O::cropping,
                                     margins_rule_for<CroppingSpec>(MarginKind::crop1d))),
        base_fields<O>());
  }
};

struct Cropping2DOptions {
  CroppingSpec cropping = {{0, 0}, {0, 0}};  // positional
  std::string dim_ordering = "default";
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = Cropping2DOptions;
    return std::tuple_cat(
        kwargs::fields(kwargs::field("cropping", &O::cropping,
                                     margins_rule_for<CroppingSpec>(MarginKind::crop2d)),
                       kwargs::field("dim_ordering", &O::dim_ordering, dim_ordering_rule())),
        base_fields<O>());
  }
};

struct Cropping3DOptions {
  CroppingSpec cropping = {{1, 1}, {1, 1}, {1, 1}};  // positional
  std::string dim_ordering = "default";
  KEEL_LAYER_BASE_OPTIONS;
  static auto fields() {
    using O = Cropping3DOptions;
    return std::tuple_cat(
        kwargs::fields(kwargs::field("cropping", &O::cropping,
                                     margins_rule_for<CroppingSpec>(MarginKind::crop3d)),
                       kwargs::field("dim_ordering", &O::dim_ordering, dim_ordering_rule())),
        base_fields<O>());
  }
};

// What the three Cropping layers share: the cropping resolved per spatial axis and the op.
template <class O, int Rank, MarginKind Kind>
class CroppingND : public WithOptions<O, SpatialLayer> {
 public:
  // (begin, end) per spatial axis, in spatial order.
  std::vector<CropPair> cropping() const;

 protected:
  CroppingND(std::string class_name, const O& o);
  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;

 private:
  ResolvedMargins m_;
};

class Cropping1D : public CroppingND<Cropping1DOptions, 1, MarginKind::crop1d> {
 public:
  explicit Cropping1D(CroppingSpec cropping = Options{}.cropping, Options o = {})
      : Cropping1D(with_args(std::move(o), &Options::cropping, std::move(cropping))) {}
  // Braced lists: the flat form and the (begin, end) pairs.
  explicit Cropping1D(std::initializer_list<std::int64_t> cropping, Options o = {})
      : Cropping1D(CroppingSpec(cropping), std::move(o)) {}
  explicit Cropping1D(std::initializer_list<std::initializer_list<std::int64_t>> cropping,
                      Options o = {})
      : Cropping1D(CroppingSpec(cropping), std::move(o)) {}
  template <std::same_as<Options> Same>
  explicit Cropping1D(const Same& o) : CroppingND("Cropping1D", o) {}
};

class Cropping2D : public CroppingND<Cropping2DOptions, 2, MarginKind::crop2d> {
 public:
  explicit Cropping2D(CroppingSpec cropping = Options{}.cropping, Options o = {})
      : Cropping2D(with_args(std::move(o), &Options::cropping, std::move(cropping))) {}
  // Braced lists: the flat form and the (begin, end) pairs.
  explicit Cropping2D(std::initializer_list<std::int64_t> cropping, Options o = {})
      : Cropping2D(CroppingSpec(cropping), std::move(o)) {}
  explicit Cropping2D(std::initializer_list<std::initializer_list<std::int64_t>> cropping,
                      Options o = {})
      : Cropping2D(CroppingSpec(cropping), std::move(o)) {}
  template <std::same_as<Options> Same>
  explicit Cropping2D(const Same& o) : CroppingND("Cropping2D", o) {}
};

class Cropping3D : public CroppingND<Cropping3DOptions, 3, MarginKind::crop3d> {
 public:
  explicit Cropping3D(CroppingSpec cropping = Options{}.cropping, Options o = {})
      : Cropping3D(with_args(std::move(o), &Options::cropping, std::move(cropping))) {}
  // Braced lists: the flat form and the (begin, end) pairs.
  explicit Cropping3D(std::initializer_list<std::int64_t> cropping, Options o = {})
      : Cropping3D(CroppingSpec(cropping), std::move(o)) {}
  explicit Cropping3D(std::initializer_list<std::initializer_list<std::int64_t>> cropping,
                      Options o = {})
      : Cropping3D(CroppingSpec(cropping), std::move(o)) {}
  template <std::same_as<Options> Same>
  explicit Cropping3D(const Same& o) : CroppingND("Cropping3D", o) {}
};

}  // namespace keel::layers
