// The resize ops behind ZeroPadding, Cropping and UpSampling: zero padding, cropping and
// nearest-neighbour upsampling of image data, forward and backward side by side.
//
// Like the convolution op (autograd/convolution.h), these ops work in oneDNN's order — data
// {N, C, spatial...} — and read the Keras tensor through an axis map:
//   data_axes[i] = the logical (Keras) axis of oneDNN data dim i: {0, 3, 1, 2} for a tf-ordered
//                  2D image (N, rows, cols, C), identity for th, {0, 2, 1} for (N, steps, C).
// An input whose axes already are `data_axes` (the output of a convolution, of another resize
// op) is used in its own layout, plain or blocked (nChw16c ...), with no conversion; a plain
// Keras tensor is viewed through the map without a copy. The `before`, `after` and `factors`
// vectors have one entry per spatial dim, in spatial order.
//
//  - zero_pad: the output is zeroed and x is copied into a sub-memory view of it: one reorder.
//    Backward: one reorder of the same view of dy into dx.
//  - crop: one reorder of a sub-memory view of x; backward writes dy into the view of a
//    zeroed dx.
//    Both keep x's layout for the output and for dx (nChw16c stays nChw16c, plain channels-first
//    stays channels-first); a layout keel does not recognise becomes plain channels-last.
//  - upsample_nearest: oneDNN resampling (nearest, integer factors): y[j] = x[j / f] on every
//    spatial axis; backward sums dy over each block. Its kernels are slow on plain
//    channels-first data (backward ~20x), so such an input is first reordered to channels-last
//    and the output stays channels-last (its logical shape is unchanged: the axis map says
//    where things are). Blocked and channels-last inputs are used as they are.
//
// Outputs and gradients are in oneDNN layouts; read them with to_plain()/to_vector().
// Throws ShapeError when x's rank does not fit data_axes and the vectors, or when a crop leaves
// nothing of an axis; ValueError for a negative pad or crop, a factor < 1, or a data_axes that
// is not a permutation.
#pragma once

#include <cstdint>
#include <vector>

#include "keel/autograd/detail/data_axes.h"
#include "keel/autograd/variable.h"

namespace keel {

// y = x with before[i] zeros at the start and after[i] at the end of spatial dim i.
Variable zero_pad(const Variable& x, const std::vector<int>& data_axes,
                  const std::vector<std::int64_t>& before, const std::vector<std::int64_t>& after);

// y = x without the first before[i] and the last after[i] elements of spatial dim i.
Variable crop(const Variable& x, const std::vector<int>& data_axes,
              const std::vector<std::int64_t>& before, const std::vector<std::int64_t>& after);

// y = x with every element repeated factors[i] times along spatial dim i.
Variable upsample_nearest(const Variable& x, const std::vector<int>& data_axes,
                          const std::vector<std::int64_t>& factors);

}  // namespace keel
