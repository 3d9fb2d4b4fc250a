// The activations oneDNN fuses into a convolution or inner product as a post-op and can still
// differentiate from the primitive's output (ONEDNN_NOTES section 7): relu, tanh, sigmoid, elu.
// The convolution and dense ops share this; others (softplus, softsign, hard_sigmoid, softmax)
// run as separate ops after the primitive.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <string_view>

#include "keel/core/tensor.h"

namespace keel {

enum class FusedActivation { none, relu, tanh, sigmoid, elu };

// The fused form of a Keras activation name; none for linear and for what cannot be fused.
FusedActivation fusable_activation(std::string_view keras_name);

// The post-op chain computing `a` after the primitive (empty for none).
dnnl::post_ops fused_post_ops(FusedActivation a);

// d(pre-activation) from the gradient `dy` of the output `y` = a(pre-activation).
Tensor fused_activation_backward(FusedActivation a, const Tensor& dy, const Tensor& y);

}  // namespace keel
