// The differentiable ops on Variables. Each op computes its forward with oneDNN primitives
// (core/tensor_ops.h) and records, right beside it, the backward that the tape runs
// (autograd/tape.h). A backward keeps only the tensors it needs: ops whose gradient depends on
// the output keep the output, not the input.
//
// Binary ops follow NumPy broadcasting; a ShapeError names the op and both shapes when the
// shapes cannot be broadcast. Axes may be negative (counted from the end); an axis out of
// range is a ShapeError naming the op, the axis and the rank.
#pragma once

#include <string_view>
#include <vector>

#include "keel/autograd/variable.h"

namespace keel {

// --- arithmetic (NumPy broadcasting) ---------------------------------------------------------
Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
Variable maximum(const Variable& a, const Variable& b);
Variable minimum(const Variable& a, const Variable& b);

// x * scale + shift in one element-wise primitive.
Variable affine(const Variable& x, float scale, float shift);
Variable add(const Variable& x, float s);
Variable sub(const Variable& x, float s);
Variable sub(float s, const Variable& x);
Variable mul(const Variable& x, float s);
Variable div(const Variable& x, float s);
Variable div(float s, const Variable& x);

inline Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
inline Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
inline Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
inline Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
inline Variable operator+(const Variable& a, float s) { return add(a, s); }
inline Variable operator+(float s, const Variable& a) { return add(a, s); }
inline Variable operator-(const Variable& a, float s) { return sub(a, s); }
inline Variable operator-(float s, const Variable& a) { return sub(s, a); }
inline Variable operator*(const Variable& a, float s) { return mul(a, s); }
inline Variable operator*(float s, const Variable& a) { return mul(a, s); }
inline Variable operator/(const Variable& a, float s) { return div(a, s); }
inline Variable operator/(float s, const Variable& a) { return div(s, a); }

// --- element-wise math -----------------------------------------------------------------------
Variable neg(const Variable& x);
inline Variable operator-(const Variable& x) { return neg(x); }
Variable exp(const Variable& x);
Variable log(const Variable& x);
Variable sqrt(const Variable& x);
Variable square(const Variable& x);
Variable abs(const Variable& x);
Variable pow(const Variable& x, float exponent);
// Clips to [lo, hi]; ValueError if lo > hi.
Variable clip(const Variable& x, float lo, float hi);

// --- Keras 1 activations ---------------------------------------------------------------------
Variable linear(const Variable& x);
Variable relu(const Variable& x);
Variable tanh(const Variable& x);
Variable sigmoid(const Variable& x);
Variable hard_sigmoid(const Variable& x);  // clip(0.2 x + 0.5, 0, 1)
Variable softplus(const Variable& x);
Variable softsign(const Variable& x);  // x / (1 + |x|)
Variable elu(const Variable& x, float alpha = 1.f);
// Over the last axis (rank >= 1).
Variable softmax(const Variable& x);

// An activation by its Keras name ("" and "linear" are the identity); ValueError listing the
// known names otherwise.
Variable activation(std::string_view name, const Variable& x);
// The Keras activation names activation() knows, in Keras's order.
std::vector<std::string> activation_names();

// --- products and reductions -----------------------------------------------------------------
// Matrix product over the last two axes (batch axes must match).
Variable matmul(const Variable& a, const Variable& b);
// Reductions over `axes` (all axes when empty).
Variable sum(const Variable& x, std::vector<int> axes = {}, bool keepdims = false);
Variable mean(const Variable& x, std::vector<int> axes = {}, bool keepdims = false);
Variable max(const Variable& x, std::vector<int> axes = {}, bool keepdims = false);

// --- shape -----------------------------------------------------------------------------------
// One dimension may be -1 (inferred).
Variable reshape(const Variable& x, const std::vector<std::int64_t>& shape);
// out.shape[i] = x.shape[perm[i]].
Variable permute(const Variable& x, const std::vector<int>& perm);
// Reverses the axes (perm empty) or permutes them.
Variable transpose(const Variable& x, const std::vector<int>& perm = {});
Variable concatenate(const std::vector<Variable>& xs, int axis = -1);
// x[starts[i] : starts[i] + sizes[i]] along each axis; a size of -1 means "to the end".
Variable slice(const Variable& x, const std::vector<std::int64_t>& starts,
               const std::vector<std::int64_t>& sizes);

}  // namespace keel
