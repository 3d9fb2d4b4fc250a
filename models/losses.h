// The Keras 1.2.2 objectives (keras/objectives.py) and the reduction of a per-sample loss to
// the scalar that training minimises (KERAS1_SEMANTICS.md 9.1, 9.2).
//
// Every loss takes (y_true, y_pred) and returns the PER-SAMPLE loss: y_pred's shape without its
// last axis, e.g. (N,) for (N, K) outputs, (N, H, W) for (N, H, W, K). It is built from the
// differentiable ops of autograd/ops.h, so a Tape gives its gradient with respect to y_pred (and
// y_true, which is usually a constant and then costs nothing). eps = 1e-7 (K.epsilon()); where
// a formula clips to [eps, 1 - eps], 1 - eps is taken in float32 (0.99999988) as TensorFlow does.
//
//  - y_true and y_pred must have the same shape, of rank >= 1 (ShapeError naming the loss and
//    both shapes); sparse_categorical_crossentropy takes integer class targets held as floats,
//    of y_pred's shape without its last axis ((N,) for (N, K)) or with a last axis of 1 ((N, 1)),
//    each in [0, K) (ValueError otherwise). It follows the TensorFlow backend: clip, then
//    renormalise, then -log of the target's probability.
//  - cosine_proximity is -mean(l2_normalize(y) * l2_normalize(p)) over the last axis, i.e.
//    -cos / K as in Keras 1 (l2_normalize divides by sqrt(max(sum x^2, 1e-12)) as TF does).
//  - categorical_crossentropy renormalises p over the last axis, then clips to [eps, 1 - eps].
//
// Names: get() and canonical_name() accept every Keras 1 name and alias (mse, MSE, mae, MAE,
// mape, MAPE, msle, MSLE, kld, KLD, cosine); an unknown name is a ValueError listing them.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "keel/autograd/variable.h"
#include "keel/core/tensor.h"

namespace keel::losses {

// K.epsilon() of Keras 1.
inline constexpr float kEpsilon = 1e-7f;

Variable mean_squared_error(const Variable& y_true, const Variable& y_pred);
Variable mean_absolute_error(const Variable& y_true, const Variable& y_pred);
Variable mean_absolute_percentage_error(const Variable& y_true, const Variable& y_pred);
Variable mean_squared_logarithmic_error(const Variable& y_true, const Variable& y_pred);
Variable squared_hinge(const Variable& y_true, const Variable& y_pred);
Variable hinge(const Variable& y_true, const Variable& y_pred);
Variable binary_crossentropy(const Variable& y_true, const Variable& y_pred);
Variable categorical_crossentropy(const Variable& y_true, const Variable& y_pred);
Variable sparse_categorical_crossentropy(const Variable& y_true, const Variable& y_pred);
Variable kullback_leibler_divergence(const Variable& y_true, const Variable& y_pred);
Variable poisson(const Variable& y_true, const Variable& y_pred);
Variable cosine_proximity(const Variable& y_true, const Variable& y_pred);

using LossFn = std::function<Variable(const Variable&, const Variable&)>;

// The loss of a Keras name or alias; ValueError listing the known names otherwise.
LossFn get(std::string_view name);
// The full Keras name of a name or alias ("mse" -> "mean_squared_error"); ValueError as get().
std::string canonical_name(std::string_view name);
// Every accepted name, canonical names first, then the aliases.
std::vector<std::string> known_names();

// Spec 9.2 steps 2-4: the scalar loss (shape ()) of a per-sample loss `per_sample` of shape S
// weighted by `sample_weight` of shape (N,), or (N, T) for temporal weights, which must be a
// leading part of S (ShapeError otherwise):
//   per_sample is averaged over its axes beyond the weight's rank, multiplied by
//   w / mean(w != 0), and averaged over what remains;
// so the result is sum(S_i w_i) / #{i : w_i != 0}, and with all-ones weights the plain mean.
// An undefined `sample_weight` means all ones (the plain mean of every element).
// Deliberate deviation: when every weight is 0 Keras divides 0 by 0 (NaN); here the loss is 0
// (with a zero gradient), so an all-masked batch cannot poison the weights.
Variable weighted_mean(const Variable& per_sample, const Tensor& sample_weight = {});

// Keras's class_weight -> sample weights: one weight per sample, class_weight[c] where c is the
// argmax of the sample's one-hot target (the first maximum on ties) or, when the last dim is 1
// (or y has rank 1), the scalar target itself. Returns shape (N,).
// ValueError for targets of rank > 2 or rank 0 (naming the shape), a scalar target that is not
// an integer, or a class missing from `class_weight`.
Tensor class_weights_to_sample_weights(const Tensor& y, const std::map<int, float>& class_weight);

}  // namespace keel::losses
