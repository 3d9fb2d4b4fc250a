// The convolution op: N-d convolution and transposed convolution ("deconvolution") on oneDNN,
// with bias and activation fused, forward and backward side by side.
//
// The op works in oneDNN's logical order — data {N, C, spatial...}, weights {[G,] OC, IC/G,
// spatial...} — and maps the Keras arrays onto it through axis maps, so that Keras-layout
// weights are read and their gradients written in Keras layout with one reorder each:
//   data_axes[i]   = the logical (Keras) axis of oneDNN data dim i (e.g. {0, 3, 1, 2} for a
//                    tf-ordered 2D image, identity for th);
//   weight_axes[i] = the Keras kernel axis of oneDNN weight dim i, -1 for a unit dim
//                    (e.g. {3, 2, 0, 1} for a tf Convolution2D kernel (rows, cols, C, F)).
// Layouts are chosen by oneDNN (format `any`); the output stays in the layout the primitive
// chose (a blocked layout between oneDNN layers) and is converted only when read.
// The backward computes only what the tape needs: no backward-data primitive when the input
// needs no gradient, no backward-weights primitive when neither kernel nor bias does.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/autograd/fused_activation.h"
#include "keel/autograd/variable.h"

namespace keel {

struct ConvSpec {
  bool transposed = false;                  // deconvolution
  std::vector<std::int64_t> strides;        // per spatial axis
  std::vector<std::int64_t> dilations;      // Keras atrous_rate per spatial axis (1 = none)
  std::vector<std::int64_t> padding_l, padding_r;
  std::vector<std::int64_t> output_spatial;  // required when transposed
  std::int64_t groups = 1;
  std::vector<int> data_axes;
  std::vector<int> weight_axes;
  FusedActivation activation = FusedActivation::none;
};

// y = activation(conv(x, w) + b). `b` may be undefined (no bias). Throws ShapeError when the
// shapes do not fit the spec, BackendError when oneDNN refuses the geometry.
Variable convolution(const Variable& x, const Variable& w, const Variable& b, const ConvSpec& spec);

}  // namespace keel
