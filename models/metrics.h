// Keras 1.2.2 metrics (keras/metrics.py, KERAS1_SEMANTICS.md 9.3): values reported during
// training, computed without the tape (Tensor in, float out; no op is recorded) and never
// weighted. Each returns the mean over every sample (and timestep) of the batch.
//
//  - binary_accuracy: mean(y == round(p)) over every element; round is TensorFlow's (halves to
//    even: 0.5 -> 0, 1.5 -> 2).
//  - categorical_accuracy: mean(argmax(y) == argmax(p)) over the last axis.
//  - sparse_categorical_accuracy: mean(max(y, last axis) == argmax(p)); y is y_pred's shape
//    without its last axis ((N,)) or with any last axis ((N, 1)).
//  - top_k_categorical_accuracy: the fraction of samples whose target class argmax(y) is among
//    the k largest predictions; as tf.nn.in_top_k, classes tied with the k-th largest count as
//    in the top k, and a row with a non-finite prediction never does.
// argmax takes the first maximum on ties, as numpy and TensorFlow do.
//
// Throws: ShapeError naming the metric and both shapes when y_true and y_pred do not fit
// (the same shape of rank >= 1, except for the sparse form); ValueError for an unknown name
// (listing the known ones) or k < 1.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/core/shape.h"
#include "keel/core/tensor.h"

namespace keel::metrics {

float binary_accuracy(const Tensor& y_true, const Tensor& y_pred);
float categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);
float sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);
float top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int k = 5);

struct Metric {
  std::string name;  // the name training reports it under
  std::function<float(const Tensor& y_true, const Tensor& y_pred)> fn;
};

// The metric `name` for an output of shape `output_shape` (its batch may be unknown) trained
// with the loss `loss_name` (a name or alias of losses::get, or any other name for a custom
// loss):
//  - "accuracy" / "acc", reported as "acc": binary_accuracy when the output's last dim is 1 or
//    the loss is binary_crossentropy; else sparse_categorical_accuracy when the loss is
//    sparse_categorical_crossentropy; else categorical_accuracy (Keras 1.2.2's order);
//  - "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
//    "top_k_categorical_accuracy" (k = 5), under their names;
//  - any loss name or alias (losses::known_names()): the mean of that loss over every element,
//    under the name given.
// ValueError listing the known names otherwise; ShapeError for an output shape of rank 0.
Metric get(std::string_view name, std::string_view loss_name, const Shape& output_shape);

// Every metric name get() accepts.
std::vector<std::string> known_names();

}  // namespace keel::metrics
