// How the image ops (convolution, pooling, batch norm, pad/crop/upsample) see a Keras tensor in
// oneDNN's order {N, C, spatial...}: through a data axis map,
//   data_axes[i] = the logical (Keras) axis of oneDNN data dim i: {0, 3, 1, 2} for a tf-ordered
//                  2D image (N, rows, cols, C), identity for th, {0, 2, 1} for (N, steps, C).
// Tensor::in_axes(data_axes) gives the tensor in that order (itself when it already is, plain or
// blocked; else a view of its plain form).
#pragma once

#include <cstddef>
#include <vector>

#include "keel/core/shape.h"

namespace keel {

// The data axis map of a Keras image tensor with `spatial_rank` spatial axes: channels last
// ({0, rank-1, 1, ..., rank-2}) or channels first (identity). The 1D layers are channels last.
std::vector<int> image_data_axes(int spatial_rank, bool channels_last);

// ShapeError "<op>: input of shape S has rank r, expected n (k spatial dims)" unless x has
// spatial_rank + 2 axes and data_axes one entry per axis; ValueError unless data_axes is a
// permutation of the axes.
void check_data_axes(const char* op, const Shape& x, const std::vector<int>& data_axes,
                     std::size_t spatial_rank);

}  // namespace keel
