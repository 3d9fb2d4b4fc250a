#include "keel/autograd/fused_activation.h"

#include "keel/core/tensor_ops.h"

namespace keel {

namespace {

using dnnl::algorithm;

algorithm forward_algorithm(FusedActivation a) {
  switch (a) {
    case FusedActivation::relu:
      return algorithm::eltwise_relu;
    case FusedActivation::tanh:
      return algorithm::eltwise_tanh;
    case FusedActivation::sigmoid:
      return algorithm::eltwise_logistic;
    case FusedActivation::elu:
      return algorithm::eltwise_elu;
    case FusedActivation::none:
      break;
  }
  return algorithm::undef;
}

// The *_use_dst_for_bwd forms: the backward needs the output, which the op keeps anyway.
algorithm backward_algorithm(FusedActivation a) {
  switch (a) {
    case FusedActivation::relu:
      return algorithm::eltwise_relu_use_dst_for_bwd;
    case FusedActivation::tanh:
      return algorithm::eltwise_tanh_use_dst_for_bwd;
    case FusedActivation::sigmoid:
      return algorithm::eltwise_logistic_use_dst_for_bwd;
    case FusedActivation::elu:
      return algorithm::eltwise_elu_use_dst_for_bwd;
    case FusedActivation::none:
      break;
  }
  return algorithm::undef;
}

float alpha(FusedActivation a) { return a == FusedActivation::elu ? 1.f : 0.f; }  // Keras elu

}  // namespace

FusedActivation fusable_activation(std::string_view name) {
  if (name == "relu") return FusedActivation::relu;
  if (name == "tanh") return FusedActivation::tanh;
  if (name == "sigmoid") return FusedActivation::sigmoid;
  if (name == "elu") return FusedActivation::elu;
  return FusedActivation::none;
}

dnnl::post_ops fused_post_ops(FusedActivation a) {
  dnnl::post_ops po;
  if (a != FusedActivation::none) po.append_eltwise(1.f, forward_algorithm(a), alpha(a), 0.f);
  return po;
}

Tensor fused_activation_backward(FusedActivation a, const Tensor& dy, const Tensor& y) {
  if (a == FusedActivation::none) return dy;
  return ops::eltwise_backward(backward_algorithm(a), dy, y, alpha(a));
}

}  // namespace keel
