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
// A std::span overload takes pairs known only at run time; the options-only constructor keeps
// Keras's default. Keras 1's Cropping build() pinned the input spec to the first input shape;
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

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "keel/core/config.h"
#include "keel/layers/layer.h"

namespace keel::layers {

struct Cropping1DOptions {
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};

struct Cropping2DOptions {
  std::string dim_ordering = "default";
  Shape input_shape, batch_input_shape;
  std::string name;
  bool trainable = true;
};
using Cropping3DOptions = Cropping2DOptions;

// One (begin, end) pair per spatial axis.
using CropPair = std::array<std::int64_t, 2>;

// What the three Cropping layers share: the cropping per spatial axis, the layout and the op.
class CroppingBase : public Layer {
 public:
  DimOrdering dim_ordering() const { return ordering_; }
  // (begin, end) per spatial axis, in spatial order.
  const std::vector<CropPair>& cropping() const { return cropping_; }

 protected:
  // `dim_ordering` is ignored for rank 1 (always channels last).
  CroppingBase(std::string class_name, int rank, const std::string& dim_ordering,
               const BaseOptions& base);
  // Validates (ValueError for a wrong number of pairs or a negative entry) and stores the
  // cropping; `form` is the argument as get_config() reports it.
  void set_cropping(std::vector<CropPair> pairs, Config form);
  // `nested` as pairs, ValueError for an item that is not a pair.
  std::vector<CropPair> pairs_of(
      std::initializer_list<std::initializer_list<std::int64_t>> nested) const;

  Shape compute_output_shape(const Shape& input_shape) const override;
  Variable call(const Variable& x) override;
  Config layer_config() const override;

 private:
  int rank_;
  DimOrdering ordering_;
  std::vector<CropPair> cropping_;
  Config form_;
};

class Cropping1D : public CroppingBase {
 public:
  Cropping1D(Cropping1D&&) = default;  // movable: model.add(Cropping1D(...))
  explicit Cropping1D(const Cropping1DOptions& options = {});  // cropping = (1, 1)
  explicit Cropping1D(std::int64_t cropping, const Cropping1DOptions& options = {});
  // (left, right).
  explicit Cropping1D(std::initializer_list<std::int64_t> cropping,
                      const Cropping1DOptions& options = {});
  explicit Cropping1D(std::span<const std::int64_t> cropping,
                      const Cropping1DOptions& options = {});
};

class Cropping2D : public CroppingBase {
 public:
  Cropping2D(Cropping2D&&) = default;  // movable: model.add(Cropping2D(...))
  explicit Cropping2D(const Cropping2DOptions& options = {});  // cropping = ((0, 0), (0, 0))
  explicit Cropping2D(std::int64_t cropping, const Cropping2DOptions& options = {});
  // ((top, bottom), (left, right)).
  explicit Cropping2D(std::initializer_list<std::initializer_list<std::int64_t>> cropping,
                      const Cropping2DOptions& options = {});
  explicit Cropping2D(std::span<const CropPair> cropping, const Cropping2DOptions& options = {});
};

class Cropping3D : public CroppingBase {
 public:
  Cropping3D(Cropping3D&&) = default;  // movable: model.add(Cropping3D(...))
  explicit Cropping3D(const Cropping3DOptions& options = {});  // ((1, 1), (1, 1), (1, 1))
  explicit Cropping3D(std::int64_t cropping, const Cropping3DOptions& options = {});
  // ((begin1, end1), (begin2, end2), (begin3, end3)).
  explicit Cropping3D(std::initializer_list<std::initializer_list<std::int64_t>> cropping,
                      const Cropping3DOptions& options = {});
  explicit Cropping3D(std::span<const CropPair> cropping, const Cropping3DOptions& options = {});
};

}  // namespace keel::layers
