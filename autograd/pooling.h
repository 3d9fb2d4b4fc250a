// The pooling ops behind MaxPooling / AveragePooling (1D/2D/3D) and their global forms: oneDNN
// pooling primitives, forward and backward side by side.
//
// Like the convolution op (autograd/convolution.h), pooling works in oneDNN's order — data
// {N, C, spatial...} — and reads the Keras tensor through an axis map:
//   data_axes[i] = the logical (Keras) axis of oneDNN data dim i: {0, 3, 1, 2} for a tf-ordered
//                  2D image (N, rows, cols, C), identity for th, {0, 2, 1} for (N, steps, C)
//                  (image_data_axes() in autograd/resize_ops.h builds it).
// An input whose axes already are `data_axes` (the output of a convolution, in the blocked
// layout oneDNN chose) is pooled in its own layout with no conversion; a plain Keras tensor is
// viewed through the map without a copy. The output is in the layout oneDNN picks for that
// input (the same family: blocked stays blocked, channels-last stays channels-last).
//
//  - pooling(): `kernel`, `strides`, `padding_l`, `padding_r` have one entry per spatial dim.
//    max: padded cells never win (TF 'same' semantics). average: the divisor is the number of
//    real (unpadded) cells in each window (oneDNN pooling_avg_exclude_padding = TF 'same').
//    When recording, the forward runs as forward_training and keeps the max-pool workspace
//    (the argmax of each window) for the backward; otherwise it is forward_inference and
//    keeps nothing. The max backward routes each output gradient to the first maximum of its
//    window.
//  - global_pooling(): max or mean over every spatial dim, (N, C) out, as one pooling
//    primitive whose window is the whole spatial extent (so a blocked input is reduced in
//    place, without a reorder of the full tensor).
//
// Throws ShapeError when x's rank does not fit data_axes and the vectors, or when a window
// does not fit an axis (output length < 1); ValueError for a kernel or stride < 1, a negative
// padding, or a data_axes that is not a permutation.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/autograd/variable.h"

namespace keel {

enum class PoolingAlgorithm { max, average };

struct PoolSpec {
  PoolingAlgorithm algorithm = PoolingAlgorithm::max;
  std::vector<std::int64_t> kernel, strides;  // per spatial dim
  std::vector<std::int64_t> padding_l, padding_r;
  std::vector<int> data_axes;
};

Variable pooling(const Variable& x, const PoolSpec& spec);

// Max or average over all spatial dims: (N, C) out, whatever the input layout.
Variable global_pooling(const Variable& x, PoolingAlgorithm algorithm,
                        const std::vector<int>& data_axes);

}  // namespace keel
