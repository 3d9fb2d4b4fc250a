// The batch normalization op behind BatchNormalization: oneDNN batch_normalization primitives,
// forward and backward side by side.
//
//   y = gamma * (x - mean) / sqrt(variance + epsilon) + beta
//
// per channel, with the statistics taken over every axis but the channel axis. The op works in
// oneDNN's order — data {N, C, spatial...} — through an axis map, like the convolution op:
//   data_axes[i] = the logical (Keras) axis of oneDNN data dim i; data_axes[1] is the channel
//                  axis (batch_norm_data_axes() builds the map for a channel axis).
// An input whose axes already are `data_axes` (a convolution's output, blocked) is normalised
// in its own layout; a plain Keras tensor is viewed through the map without a copy, except
// that plain channels-first image data (th, 3D-5D) is first reordered to channels-last: oneDNN
// has no JIT kernel for it (~10x slower). The output is in the layout of the (viewed) input.
//
//  - batch_norm(x, gamma, beta, data_axes, epsilon): training mode — the batch statistics
//    (biased variance, as TF's moments) are computed and returned beside y, so that the
//    caller can update its running averages. The backward differentiates through them.
//  - batch_norm(..., mean, variance): inference mode — the given statistics (e.g. the running
//    averages) are used as constants (oneDNN use_global_stats); the backward is
//    dx = dy * gamma / sqrt(variance + epsilon).
// gamma and beta are given to oneDNN packed as one {2, C} scale-shift; the backward is one
// primitive that gives dx, dgamma and dbeta together (oneDNN computes the per-channel sums of
// dgamma and dbeta for dx anyway; only the gradients the tape asks for are returned).
//
// With fuse_relu, y = max(0, normalised) in the same primitive (oneDNN fuse_norm_relu): the
// backward masks the gradient with the workspace the forward kept (one bit per element), so a
// BatchNormalization followed by Activation('relu') runs one pass instead of two each way.
//
// Throws ShapeError for an input of rank < 2 or > 5, a data_axes that does not fit it, or
// gamma/beta/statistics whose shape is not (C,); ValueError for epsilon <= 0.
#pragma once

#include <vector>

#include "keel/autograd/variable.h"

namespace keel {

struct BatchNormResult {
  Variable y;
  // The batch statistics, shape (C,), when the op computed them (training mode).
  Tensor mean, variance;
};

// Training mode: normalise with the batch statistics, which are returned.
BatchNormResult batch_norm(const Variable& x, const Variable& gamma, const Variable& beta,
                           const std::vector<int>& data_axes, float epsilon,
                           bool fuse_relu = false);

// Inference mode: normalise with the given statistics (shape (C,)).
Variable batch_norm(const Variable& x, const Variable& gamma, const Variable& beta,
                    const std::vector<int>& data_axes, float epsilon, const Tensor& mean,
                    const Tensor& variance, bool fuse_relu = false);

// The data axis map for statistics over every axis but `channel_axis` (non-negative):
// {0, channel_axis, the other axes in order} ({1, 0, 2, ...} when the channel axis is 0).
std::vector<int> batch_norm_data_axes(int rank, int channel_axis);

}  // namespace keel
