// The dense (fully connected) op behind Dense: y = activation(x W + b) on oneDNN inner product
// primitives, with the bias and the activation fused, forward and backward side by side.
//
// W is the Keras kernel (input_dim, output_dim); b is (output_dim,) or undefined (no bias).
// x is (..., input_dim): the leading axes are flattened into rows and restored in y
// (..., output_dim), as Keras's K.dot does. The weights are given to oneDNN in the layout it
// picks (`any`: a blocked layout whose brgemm kernels beat the plain ones), read through
// Variable::value_in: the op never changes W (the weight-layout rule, autograd/variable.h); the
// Dense layer keeps W in dense_weights_layout() while it trains, so no reorder runs per step,
// and dW comes out in that layout.
// `activation` is one that oneDNN fuses as a post-op and differentiates from the output
// (relu, tanh, sigmoid, elu); apply others (softmax, ...) after the op.
// The backward computes only what the tape needs: no backward-data primitive when x needs no
// gradient, no backward-weights primitive when neither W nor b does.
//
// Throws ShapeError when x's rank is < 2, x's last axis differs from W's first, or b's shape is
// not (output_dim,).
#pragma once

#include "keel/autograd/convolution.h"
#include "keel/autograd/variable.h"

namespace keel {

Variable dense(const Variable& x, const Variable& W, const Variable& b,
               FusedActivation activation = FusedActivation::none);

// The layout in which dense() reads a kernel of shape W_shape for an input of shape x_shape.
Layout dense_weights_layout(const Shape& x_shape, const Shape& W_shape, bool has_bias,
                            FusedActivation activation, bool training);

}  // namespace keel
