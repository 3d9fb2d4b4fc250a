// Tensor-level computations on oneDNN primitives, with no autograd: the kernels that the
// differentiable ops of autograd/ run in their forward and their backward passes.
//
// Every function takes its inputs in any layout, converts to plain row-major where the
// primitive needs it, and returns a new plain tensor (eltwise keeps its input's layout).
// Primitives come from the one PrimitiveCache.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <vector>

#include "keel/core/tensor.h"

namespace keel::ops {

using dnnl::algorithm;

// --- element-wise ----------------------------------------------------------------------------
// y = f(x) for oneDNN eltwise algorithm `alg` with its alpha, beta. Keeps x's layout.
Tensor eltwise(algorithm alg, const Tensor& x, float alpha = 0.f, float beta = 0.f);
// dx = f'(data) * dy, where `data` is x, or y for the *_use_dst_for_bwd algorithms.
Tensor eltwise_backward(algorithm alg, const Tensor& dy, const Tensor& data, float alpha = 0.f,
                        float beta = 0.f);

// NumPy-broadcasting binary op (binary_add, _sub, _mul, _div, _max, _min, _ge, _gt, _eq ...).
// `what` names the user-facing op in errors. Operands of one shape keep their layout: the
// result is held like a blocked operand (the other is reordered to it); a broadcast is plain.
Tensor binary(algorithm alg, const Tensor& a, const Tensor& b, const char* what);

// --- shape ---------------------------------------------------------------------------------
// `x` broadcast to `shape` (NumPy rules).
Tensor expand(const Tensor& x, const Shape& shape, const char* what);
// Sums `g` over the axes along which a tensor of shape `shape` was broadcast to g's shape:
// the gradient of a broadcast.
Tensor sum_to(const Tensor& g, const Shape& shape);
// Axis permutation: out.shape[i] = x.shape[perm[i]].
Tensor permute(const Tensor& x, const std::vector<int>& perm);
// x[starts[i] : starts[i] + sizes[i]] along every axis.
Tensor slice(const Tensor& x, const std::vector<std::int64_t>& starts, const Shape& sizes);
// A zero tensor of `shape` with `x` written at `starts` (the adjoint of slice).
Tensor pad_into(const Tensor& x, const Shape& shape, const std::vector<std::int64_t>& starts);
Tensor concat(const std::vector<Tensor>& xs, int axis);

// --- reductions, products --------------------------------------------------------------------
// Reduces over `axes` (already normalised, sorted, unique) with reduction_sum/mean/max/min.
Tensor reduce(algorithm alg, const Tensor& x, const std::vector<int>& axes, bool keepdims);
// Batched matrix product over the last two axes, optionally transposing either operand;
// batch axes must match (rank 2 or 3+).
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);

Tensor softmax(const Tensor& x, int axis);
Tensor softmax_backward(const Tensor& dy, const Tensor& y, int axis);

// a + b with identical shapes (gradient accumulation); layouts may differ, the result is held
// like a blocked operand.
Tensor add(const Tensor& a, const Tensor& b);

}  // namespace keel::ops
