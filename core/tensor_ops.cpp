#include "keel/core/tensor_ops.h"

#include <algorithm>
#include <numeric>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/primitive_cache.h"

namespace keel::ops {

using dnnl::memory;
using dnnl::prop_kind;
namespace adapter = keel::dnnl_adapter;

namespace {

// `t` (plain) viewed with rank `r` by prepending 1s (NumPy broadcasting alignment).
Tensor with_rank(const Tensor& t, int r) {
  if (t.rank() == r) return t;
  std::vector<std::int64_t> dims(static_cast<std::size_t>(r - t.rank()), 1);
  const auto v = t.shape().vec();
  dims.insert(dims.end(), v.begin(), v.end());
  return t.reshape(Shape(dims));
}

bool commutative(algorithm alg) {
  return alg == algorithm::binary_add || alg == algorithm::binary_mul ||
         alg == algorithm::binary_max || alg == algorithm::binary_min ||
         alg == algorithm::binary_eq || alg == algorithm::binary_ne;
}

Tensor binary_same_rank(algorithm alg, const Tensor& a, const Tensor& b, const Shape& out_shape) {
  Tensor out = Tensor::empty(out_shape);
  CacheKey key("binary");
  key << alg << a.desc() << b.desc() << out.desc();
  auto p = cached_primitive<dnnl::binary>(
      key, [&] { return adapter::binary(alg, a.desc(), b.desc(), out.desc()); });
  p->run(
      {{DNNL_ARG_SRC_0, a.memory()}, {DNNL_ARG_SRC_1, b.memory()}, {DNNL_ARG_DST, out.memory()}});
  return out;
}

// op(0, 0) == 0: the result keeps a blocked layout's zero padding (oneDNN primitives read it).
bool keeps_zero_padding(algorithm alg) {
  return alg == algorithm::binary_add || alg == algorithm::binary_sub ||
         alg == algorithm::binary_mul || alg == algorithm::binary_max ||
         alg == algorithm::binary_min;
}

bool padded(const memory::desc& md) {
  return !std::equal(md.data.dims, md.data.dims + md.data.ndims, md.data.padded_dims);
}

// a op b for operands of one shape, in the layout of a blocked operand (a's when both or neither
// are): the other operand is reordered to it at most once, and the result stays in the layout
// the producing primitives chose, so a residual sum between two convolutions costs no reorder
// (ResNet50: 32 reorders per forward). Plain when the blocked layout is padded and `alg` would
// write non-zeros into the padding.
Tensor binary_same_shape(algorithm alg, const Tensor& a_in, const Tensor& b_in) {
  const Tensor& lead = !a_in.is_plain() || b_in.is_plain() ? a_in : b_in;
  if (lead.is_plain() || (padded(lead.desc()) && !keeps_zero_padding(alg)))
    return binary_same_rank(alg, a_in.to_plain(), b_in.to_plain(), a_in.shape());
  const Layout layout = lead.layout();
  const Tensor a = a_in.to_layout(layout), b = b_in.to_layout(layout);
  Tensor out = Tensor::empty_like_desc(a.shape(), layout.desc, layout.axes);
  CacheKey key("binary");
  key << alg << layout.desc << layout.desc << layout.desc;
  auto p = cached_primitive<dnnl::binary>(
      key, [&] { return adapter::binary(alg, layout.desc, layout.desc, layout.desc); });
  p->run(
      {{DNNL_ARG_SRC_0, a.memory()}, {DNNL_ARG_SRC_1, b.memory()}, {DNNL_ARG_DST, out.memory()}});
  return out;
}

}  // namespace

Tensor eltwise(algorithm alg, const Tensor& x, float alpha, float beta) {
  CacheKey key("eltwise_fwd");
  key << alg << alpha << beta << x.desc();
  auto p = cached_primitive<dnnl::eltwise_forward>(key, [&] {
    return adapter::eltwise_forward(prop_kind::forward_training, alg, x.desc(), alpha, beta);
  });
  Tensor y = Tensor::empty_like_desc(x.shape(), p->pd.dst_desc(), x.axes());
  p->run({{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, y.memory()}});
  return y;
}

Tensor eltwise_backward(algorithm alg, const Tensor& dy, const Tensor& data, float alpha,
                        float beta) {
  if (!(dy.shape() == data.shape()))
    throw ShapeError(fmt::str("eltwise_backward: gradient of shape ", dy.shape().str(),
                              " for an input of shape ", data.shape().str()));
  // dy in data's descriptor and axis map. to_desc alone is wrong when the axis maps differ
  // (e.g. dy plain (N, H, W, C), data held as {N, C, H, W}): go through dy's plain buffer,
  // viewed in data's dim order.
  Tensor g = dy;
  if (!(dy.desc() == data.desc()) || dy.axes() != data.axes()) {
    const Tensor plain = dy.to_plain();
    g = Tensor::from_buffer(data.shape(), data.plain_desc(), plain.buffer(), data.axes())
            .to_desc(data.desc());
  }
  CacheKey key("eltwise_bwd");
  key << alg << alpha << beta << data.desc();
  auto p = cached_primitive<dnnl::eltwise_backward>(key, [&] {
    auto hint =
        adapter::eltwise_forward(prop_kind::forward_training, alg, data.desc(), alpha, beta);
    return adapter::eltwise_backward(alg, data.desc(), data.desc(), alpha, beta, hint);
  });
  Tensor dx = Tensor::empty_like_desc(data.shape(), p->pd.diff_src_desc(), data.axes());
  const bool use_dst = alg == algorithm::eltwise_relu_use_dst_for_bwd ||
                       alg == algorithm::eltwise_tanh_use_dst_for_bwd ||
                       alg == algorithm::eltwise_elu_use_dst_for_bwd ||
                       alg == algorithm::eltwise_sqrt_use_dst_for_bwd ||
                       alg == algorithm::eltwise_logistic_use_dst_for_bwd ||
                       alg == algorithm::eltwise_exp_use_dst_for_bwd ||
                       alg == algorithm::eltwise_clip_v2_use_dst_for_bwd;
  p->run({{use_dst ? DNNL_ARG_DST : DNNL_ARG_SRC, data.memory()},
          {DNNL_ARG_DIFF_DST, g.memory()},
          {DNNL_ARG_DIFF_SRC, dx.memory()}});
  return dx;
}

Tensor binary(algorithm alg, const Tensor& a_in, const Tensor& b_in, const char* what) {
  if (a_in.shape() == b_in.shape()) return binary_same_shape(alg, a_in, b_in);
  const Shape out_shape = broadcast_shapes(a_in.shape(), b_in.shape(), what);
  const int r = out_shape.rank();
  Tensor a = with_rank(a_in.to_plain(), r), b = with_rank(b_in.to_plain(), r);
  // oneDNN broadcasts only its second source: put the full-shaped operand first.
  if (!(a.shape() == out_shape)) {
    if (b.shape() == out_shape && commutative(alg)) {
      std::swap(a, b);
    } else {
      a = expand(a, out_shape, what);
    }
  }
  return binary_same_rank(alg, a, b, out_shape);
}

Tensor expand(const Tensor& x_in, const Shape& shape, const char* what) {
  if (x_in.shape() == shape) return x_in;
  if (!(broadcast_shapes(x_in.shape(), shape, what) == shape))
    throw ShapeError(fmt::str(std::string(what), ": shape ", x_in.shape().str(),
                              " cannot be broadcast to ", shape.str()));
  const Tensor x = with_rank(x_in.to_plain(), shape.rank());
  return binary_same_rank(algorithm::binary_add, Tensor::zeros(shape), x, shape);
}

Tensor sum_to(const Tensor& g_in, const Shape& shape) {
  if (g_in.shape() == shape) return g_in;
  const Tensor g = g_in.to_plain();
  const int r = g.rank();
  std::vector<std::int64_t> target(static_cast<std::size_t>(r - shape.rank()), 1);
  const auto v = shape.vec();
  target.insert(target.end(), v.begin(), v.end());
  std::vector<int> axes;
  for (int i = 0; i < r; ++i)
    if (target[i] == 1 && g.shape()[i] != 1) axes.push_back(i);
  if (axes.empty()) return g.reshape(shape);
  return reduce(algorithm::reduction_sum, g, axes, true).reshape(shape);
}

Tensor permute(const Tensor& x_in, const std::vector<int>& perm) {
  const Tensor x = x_in.to_plain();
  const int r = x.rank();
  if (static_cast<int>(perm.size()) != r)
    throw ShapeError(fmt::str("permute: ", perm.size(), " axes given for a tensor of rank ", r));
  std::vector<bool> seen(static_cast<std::size_t>(r), false);
  for (int p : perm) {
    if (p < 0 || p >= r || seen[p])
      throw ShapeError(
          fmt::str("permute: axes must be a permutation of 0..", r - 1, ", got axis ", p));
    seen[p] = true;
  }
  const auto strides = row_major_strides(x.shape());
  std::vector<std::int64_t> out_dims(r);
  memory::dims view_strides(r);
  for (int i = 0; i < r; ++i) {
    out_dims[i] = x.shape()[perm[i]];
    view_strides[i] = strides[perm[i]];
  }
  const Shape out_shape(out_dims);
  if (r == 0) return x;
  const Tensor view = Tensor::from_buffer(
      out_shape, adapter::plain_desc(to_dims(out_shape), view_strides), x.buffer());
  Tensor out = Tensor::empty(out_shape);
  reorder_into(view, out.memory());
  return out;
}

Tensor slice(const Tensor& x_in, const std::vector<std::int64_t>& starts, const Shape& sizes) {
  const Tensor x = x_in.to_plain();
  if (static_cast<int>(starts.size()) != x.rank() || sizes.rank() != x.rank())
    throw ShapeError(fmt::str(
        "slice: starts and sizes must have one entry per axis of the input (rank ", x.rank(), ")"));
  for (int i = 0; i < x.rank(); ++i)
    if (starts[i] < 0 || sizes[i] < 0 || starts[i] + sizes[i] > x.shape()[i])
      throw ShapeError(fmt::str("slice: axis ", i, " range [", starts[i], ", ",
                                std::to_string(starts[i] + sizes[i]), ") is outside [0, ",
                                x.shape()[i], ")"));
  if (sizes == x.shape()) return x;
  const memory::desc sub =
      x.desc().submemory_desc(to_dims(sizes), memory::dims(starts.begin(), starts.end()));
  Tensor out = Tensor::empty(sizes);
  if (sizes.numel() > 0) reorder_into(Tensor::from_buffer(sizes, sub, x.buffer()), out.memory());
  return out;
}

Tensor pad_into(const Tensor& x_in, const Shape& shape, const std::vector<std::int64_t>& starts) {
  const Tensor x = x_in.to_plain();
  if (x.rank() != shape.rank() || static_cast<int>(starts.size()) != shape.rank())
    throw ShapeError(fmt::str("pad_into: input of shape ", x.shape().str(), " with ", starts.size(),
                              " starts cannot be placed in shape ", shape.str(),
                              ", expected the same rank and one start per axis"));
  for (int i = 0; i < shape.rank(); ++i)
    if (starts[i] < 0 || starts[i] + x.shape()[i] > shape[i])
      throw ShapeError(fmt::str("pad_into: axis ", i, " range [", starts[i], ", ",
                                std::to_string(starts[i] + x.shape()[i]), ") is outside [0, ",
                                shape[i], ")"));
  Tensor out = Tensor::zeros(shape);
  if (x.numel() == 0) return out;
  const memory::desc sub =
      out.desc().submemory_desc(to_dims(x.shape()), memory::dims(starts.begin(), starts.end()));
  reorder_into(x, out.memory_as(sub));
  return out;
}

Tensor concat(const std::vector<Tensor>& xs_in, int axis) {
  if (xs_in.empty()) throw ValueError("concatenate: no tensors given, expected at least one");
  std::vector<Tensor> xs;
  for (const auto& t : xs_in) xs.push_back(t.to_plain());
  const Shape& first = xs[0].shape();
  const int a = first.normalize_axis(axis, "concatenate");
  std::int64_t total = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Shape& s = xs[i].shape();
    bool ok = s.rank() == first.rank();
    for (int d = 0; ok && d < s.rank(); ++d) ok = d == a || s[d] == first[d];
    if (!ok)
      throw ShapeError(fmt::str("concatenate: tensor ", i, " has shape ", s.str(),
                                ", expected the shape of tensor 0 ", first.str(),
                                " except along axis ", a));
    total += s[a];
  }
  if (xs.size() == 1) return xs[0];
  Tensor out = Tensor::empty(first.with_dim(a, total));
  std::vector<memory::desc> mds;
  CacheKey key("concat");
  key << a;
  for (const auto& t : xs) {
    mds.push_back(t.desc());
    key << t.desc();
  }
  auto p = cached_primitive<dnnl::concat>(key, [&] { return adapter::concat(a, mds, out.desc()); });
  std::unordered_map<int, memory> args{{DNNL_ARG_DST, out.memory()}};
  for (std::size_t i = 0; i < xs.size(); ++i)
    args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), xs[i].memory());
  p->run(std::move(args));
  return out;
}

Tensor reduce(algorithm alg, const Tensor& x_in, const std::vector<int>& axes, bool keepdims) {
  const Tensor x = x_in.to_plain();
  std::vector<std::int64_t> kept = x.shape().vec(), squeezed;
  for (int a : axes) kept[a] = 1;
  for (int i = 0; i < x.rank(); ++i)
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) squeezed.push_back(x.shape()[i]);
  const Shape kept_shape(kept);
  Tensor out;
  bool all_unit = true;
  for (int a : axes) all_unit &= x.shape()[a] == 1;
  if (axes.empty() || all_unit || x.rank() == 0) {
    out = x;  // nothing to reduce: every reduction of one element is that element
  } else {
    out = Tensor::empty(kept_shape);
    CacheKey key("reduction");
    key << alg << x.desc() << out.desc();
    auto p = cached_primitive<dnnl::reduction>(
        key, [&] { return adapter::reduction(alg, x.desc(), out.desc()); });
    p->run({{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, out.memory()}});
  }
  return keepdims ? out.reshape(kept_shape) : out.reshape(Shape(squeezed));
}

Tensor matmul(const Tensor& a_in, const Tensor& b_in, bool transpose_a, bool transpose_b) {
  const Tensor a = a_in.to_plain(), b = b_in.to_plain();
  const int r = a.rank();
  if (r < 2 || b.rank() != r)
    throw ShapeError(fmt::str("matmul: operands of shapes ", a.shape().str(), " and ",
                              b.shape().str(), " must both have rank >= 2 and the same rank"));
  for (int i = 0; i + 2 < r; ++i)
    if (a.shape()[i] != b.shape()[i])
      throw ShapeError(fmt::str("matmul: batch dimensions of ", a.shape().str(), " and ",
                                b.shape().str(), " differ"));
  // A strided view of the last two axes, swapped when transposed.
  auto view = [r](const Tensor& t, bool transpose) {
    memory::dims dims = to_dims(t.shape());
    auto strides_v = row_major_strides(t.shape());
    memory::dims strides(strides_v.begin(), strides_v.end());
    if (transpose) {
      std::swap(dims[r - 1], dims[r - 2]);
      std::swap(strides[r - 1], strides[r - 2]);
    }
    return adapter::plain_desc(dims, strides);
  };
  const memory::desc amd = view(a, transpose_a), bmd = view(b, transpose_b);
  const auto m = amd.dims()[r - 2], k = amd.dims()[r - 1];
  const auto k2 = bmd.dims()[r - 2], n = bmd.dims()[r - 1];
  if (k != k2)
    throw ShapeError(fmt::str("matmul: shapes ", a.shape().str(), (transpose_a ? "^T" : ""),
                              " and ", b.shape().str(), (transpose_b ? "^T" : ""),
                              " are not aligned (", k, " != ", k2, ")"));
  Tensor out = Tensor::empty(a.shape().with_dim(r - 2, m).with_dim(r - 1, n));
  CacheKey key("matmul");
  key << amd << bmd << out.desc();
  auto p =
      cached_primitive<dnnl::matmul>(key, [&] { return adapter::matmul(amd, bmd, out.desc()); });
  p->run({{DNNL_ARG_SRC, a.memory_as(amd)},
          {DNNL_ARG_WEIGHTS, b.memory_as(bmd)},
          {DNNL_ARG_DST, out.memory()}});
  return out;
}

Tensor softmax(const Tensor& x_in, int axis) {
  const Tensor x = x_in.to_plain();
  CacheKey key("softmax_fwd");
  key << axis << x.desc();
  auto p = cached_primitive<dnnl::softmax_forward>(
      key, [&] { return adapter::softmax_forward(prop_kind::forward_training, x.desc(), axis); });
  Tensor y = Tensor::empty(x.shape());
  p->run({{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, y.memory()}});
  return y;
}

Tensor softmax_backward(const Tensor& dy_in, const Tensor& y_in, int axis) {
  const Tensor dy = dy_in.to_plain(), y = y_in.to_plain();
  CacheKey key("softmax_bwd");
  key << axis << y.desc();
  auto p = cached_primitive<dnnl::softmax_backward>(key, [&] {
    auto hint = adapter::softmax_forward(prop_kind::forward_training, y.desc(), axis);
    return adapter::softmax_backward(y.desc(), y.desc(), axis, hint);
  });
  Tensor dx = Tensor::empty(y.shape());
  p->run({{DNNL_ARG_DST, y.memory()},
          {DNNL_ARG_DIFF_DST, dy.memory()},
          {DNNL_ARG_DIFF_SRC, dx.memory()}});
  return dx;
}

Tensor add(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape()))
    throw ShapeError(
        fmt::str("add: gradient shapes ", a.shape().str(), " and ", b.shape().str(), " differ"));
  return binary_same_shape(algorithm::binary_add, a, b);
}

}  // namespace keel::ops
