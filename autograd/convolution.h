// The convolution op: N-d convolution and transposed convolution ("deconvolution") on oneDNN,
// plain or grouped, with bias and activation fused, forward and backward side by side.
//
// The op works in oneDNN's logical order — data {N, C, spatial...}, weights {[G,] OC/G, IC/G,
// spatial...} — and maps the Keras arrays onto it through axis maps (core/tensor.h):
//   data_axes[i]   = the logical (Keras) axis of oneDNN data dim i (e.g. {0, 3, 1, 2} for a
//                    tf-ordered 2D image, identity for th);
//   weight_axes[i] = the Keras kernel axis of oneDNN weight dim i, -1 for a unit dim, and a
//                    kernel axis named twice for a split: {3, 2, 0, 1} for a tf Convolution2D
//                    kernel (rows, cols, C, F); {3, 3, 2, 0, 1} for the same kernel of a grouped
//                    convolution, (rows, cols, C/G, F) as {G, F/G, C/G, rows, cols}; {2, 3, -1, 0,
//                    1} for a depthwise kernel (rows, cols, C, dm) as {C, dm, 1, rows, cols}.
// A map with spatial + 3 entries means grouped weights (G = groups; G = 1 is allowed); spatial +
// 2 entries a plain kernel (groups must be 1).
//
// Layouts are chosen by oneDNN (format `any`). The op never changes the Variables it is given
// (the weight-layout rule of autograd/variable.h): it reads the kernel through
// Variable::value_in in the forward primitive's layout — the value itself when the layer keeps
// the kernel there (convolution_weights_layout tells it where), a cached copy otherwise. The
// output stays in the primitive's layout (blocked between oneDNN layers) and is converted only
// when read. The kernel gradient comes out in the kernel's compute layout, so an optimizer
// updates it with no reorder; the bias gradient is plain.
// The backward computes only what the tape needs: no backward-data primitive when the input
// needs no gradient, no backward-weights primitive when neither kernel nor bias does. It reads
// x and the kernel: updating the kernel in place before it runs is a GradientError (tape.h).
#pragma once

#include <cstdint>
#include <vector>

#include "keel/autograd/fused_activation.h"
#include "keel/autograd/variable.h"

namespace keel {

// How oneDNN computes a (non-transposed) convolution: direct, Winograd F(4x4, 3x3) (3x3 kernels,
// stride 1, no dilation, f32 on AVX-512; faster on wide layers, with a larger rounding error:
// see layers/convolution.h), or oneDNN's choice between them (automatic).
enum class ConvAlgorithm { direct, winograd, automatic };

struct ConvSpec {
  bool transposed = false;              // deconvolution
  std::vector<std::int64_t> strides;    // per spatial axis
  std::vector<std::int64_t> dilations;  // Keras atrous_rate per spatial axis (1 = none)
  std::vector<std::int64_t> padding_l, padding_r;
  std::vector<std::int64_t> output_spatial;  // required when transposed
  std::int64_t groups = 1;                   // G, with a grouped weight_axes
  std::vector<int> data_axes;
  std::vector<int> weight_axes;
  FusedActivation activation = FusedActivation::none;
  ConvAlgorithm algorithm = ConvAlgorithm::direct;  // ValueError with transposed unless direct
};

// y = activation(conv(x, w) + b). `b` may be undefined (no bias). Throws ShapeError when the
// shapes do not fit the spec (naming the op and the shapes), ValueError for a malformed spec or
// a Winograd convolution oneDNN cannot run (naming what it needs), BackendError when oneDNN
// refuses the geometry.
Variable convolution(const Variable& x, const Variable& w, const Variable& b, const ConvSpec& spec);

// The layout in which convolution() reads the kernel of shape `w_shape` for an input of shape
// `x_shape` (training: a forward_training primitive, else forward_inference): where the layer
// that owns the kernel keeps it (Variable::store_as). The same errors as convolution().
Layout convolution_weights_layout(const Shape& x_shape, const Shape& w_shape, bool has_bias,
                                  const ConvSpec& spec, bool training);

}  // namespace keel
