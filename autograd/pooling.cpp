#include "keel/autograd/pooling.h"

#include <string>

#include "keel/autograd/detail/data_axes.h"
#include "keel/autograd/tape.h"
#include "keel/core/context.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/primitive_cache.h"

namespace keel {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
namespace adapter = keel::dnnl_adapter;

namespace {

using PoolFwd = CachedPrimitive<dnnl::pooling_forward>;

algorithm onednn_algorithm(PoolingAlgorithm a) {
  return a == PoolingAlgorithm::max ? algorithm::pooling_max
                                    : algorithm::pooling_avg_exclude_padding;
}

const char* op_name(PoolingAlgorithm a, bool global) {
  if (global) return a == PoolingAlgorithm::max ? "global_max_pooling" : "global_average_pooling";
  return a == PoolingAlgorithm::max ? "max_pooling" : "average_pooling";
}

Shape logical_shape(const memory::dims& dims, const std::vector<int>& data_axes) {
  std::vector<std::int64_t> v(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) v[static_cast<std::size_t>(data_axes[i])] = dims[i];
  return Shape(v);
}

// One forward pooling run: the output in the layout oneDNN chose for x's, and what its
// backward needs (the primitive, as the hint, and the max-pool workspace).
struct Pooled {
  Tensor y;
  std::shared_ptr<const PoolFwd> fwd;
  Buffer workspace;
};

Pooled pool_forward(const Tensor& xv, algorithm alg, const adapter::PoolGeometry& geo,
                    const memory::dims& y_dims, const Shape& y_shape,
                    const std::vector<int>& y_axes, bool training) {
  const prop_kind prop = training ? prop_kind::forward_training : prop_kind::forward_inference;
  CacheKey key("pooling_fwd");
  key << prop << alg << xv.desc() << y_dims << geo.strides << geo.kernel << geo.padding_l
      << geo.padding_r;
  auto fwd = cached_primitive<dnnl::pooling_forward>(key, [&] {
    return adapter::pooling_forward(prop, alg, xv.desc(), adapter::any_desc(y_dims), geo);
  });
  Pooled out{Tensor::empty_like_desc(y_shape, fwd->pd.dst_desc(), y_axes), fwd, nullptr};
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, xv.memory()}, {DNNL_ARG_DST, out.y.memory()}};
  const memory::desc ws_md = fwd->pd.workspace_desc();
  if (ws_md.get_size() > 0) {
    out.workspace = allocate(ws_md.get_size());
    args.emplace(DNNL_ARG_WORKSPACE, memory(ws_md, detail::engine(), out.workspace.get()));
  }
  fwd->run(std::move(args));
  return out;
}

// dx (in x's layout, axes `x_axes`) from dy already in the forward's dst layout.
Tensor pool_backward(const Tensor& g_dst, const std::shared_ptr<const PoolFwd>& fwd,
                     const Buffer& workspace, algorithm alg, const adapter::PoolGeometry& geo,
                     const memory::desc& x_md, const Shape& x_shape,
                     const std::vector<int>& x_axes) {
  CacheKey key("pooling_bwd");
  key << alg << x_md << g_dst.desc() << geo.strides << geo.kernel << geo.padding_l << geo.padding_r;
  auto bwd = cached_primitive<dnnl::pooling_backward>(
      key, [&] { return adapter::pooling_backward(alg, x_md, g_dst.desc(), geo, fwd->pd); });
  const Tensor g = g_dst.to_desc(bwd->pd.diff_dst_desc());
  Tensor dx = Tensor::empty_like_desc(x_shape, bwd->pd.diff_src_desc(), x_axes);
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, g.memory()},
                                       {DNNL_ARG_DIFF_SRC, dx.memory()}};
  if (workspace)
    args.emplace(DNNL_ARG_WORKSPACE,
                 memory(fwd->pd.workspace_desc(), detail::engine(), workspace.get()));
  bwd->run(std::move(args));
  return dx;
}

}  // namespace

Variable pooling(const Variable& x, const PoolSpec& spec) {
  const char* what = op_name(spec.algorithm, false);
  const std::size_t nsp = spec.kernel.size();
  if (spec.strides.size() != nsp || spec.padding_l.size() != nsp || spec.padding_r.size() != nsp)
    throw ValueError(fmt::str(std::string(what), ": kernel ", fmt::tuple(spec.kernel), ", strides ",
                              fmt::tuple(spec.strides), " and paddings ",
                              fmt::tuple(spec.padding_l), " / ", fmt::tuple(spec.padding_r),
                              " need one entry per spatial dim"));
  check_data_axes(what, x.shape(), spec.data_axes, nsp);
  for (std::size_t i = 0; i < nsp; ++i) {
    if (spec.kernel[i] < 1 || spec.strides[i] < 1)
      throw ValueError(fmt::str(std::string(what), ": kernel ", fmt::tuple(spec.kernel),
                                " and strides ", fmt::tuple(spec.strides), " must all be >= 1"));
    if (spec.padding_l[i] < 0 || spec.padding_r[i] < 0)
      throw ValueError(fmt::str(std::string(what), ": paddings ", fmt::tuple(spec.padding_l), " / ",
                                fmt::tuple(spec.padding_r), " must all be >= 0"));
  }
  const Tensor xv = x.value().in_axes(spec.data_axes);
  const memory::dims x_dims = xv.desc().dims();
  memory::dims y_dims{x_dims[0], x_dims[1]};
  adapter::PoolGeometry geo;
  for (std::size_t i = 0; i < nsp; ++i) {
    const std::int64_t span =
        x_dims[2 + i] + spec.padding_l[i] + spec.padding_r[i] - spec.kernel[i];
    if (span < 0)
      throw ShapeError(fmt::str(std::string(what), ": spatial dim ", i, " of length ",
                                x_dims[2 + i], " (input ", x.shape().str(),
                                ") is shorter than the window ", spec.kernel[i], " with padding ",
                                spec.padding_l[i], "+", spec.padding_r[i]));
    y_dims.push_back(span / spec.strides[i] + 1);
  }
  geo.strides.assign(spec.strides.begin(), spec.strides.end());
  geo.kernel.assign(spec.kernel.begin(), spec.kernel.end());
  geo.padding_l.assign(spec.padding_l.begin(), spec.padding_l.end());
  geo.padding_r.assign(spec.padding_r.begin(), spec.padding_r.end());

  const algorithm alg = onednn_algorithm(spec.algorithm);
  const bool training = is_recording() && x.requires_grad();
  Pooled p = pool_forward(xv, alg, geo, y_dims, logical_shape(y_dims, spec.data_axes),
                          spec.data_axes, training);
  if (!training) return Variable(std::move(p.y));

  return record(what, p.y, {x},
                [fwd = p.fwd, ws = p.workspace, alg, geo, x_md = xv.desc(), x_shape = x.shape(),
                 data_axes = spec.data_axes](const Tensor& g, const std::vector<bool>&) {
                  const Tensor g_dst = g.to_layout(fwd->pd.dst_desc(), data_axes);
                  return std::vector<Tensor>{
                      pool_backward(g_dst, fwd, ws, alg, geo, x_md, x_shape, data_axes)};
                });
}

Variable global_pooling(const Variable& x, PoolingAlgorithm algorithm,
                        const std::vector<int>& data_axes) {
  const char* what = op_name(algorithm, true);
  const int rank = x.shape().rank();
  check_data_axes(what, x.shape(), data_axes, static_cast<std::size_t>(rank > 2 ? rank - 2 : 0));
  const Tensor xv = x.value().in_axes(data_axes);
  const memory::dims x_dims = xv.desc().dims();
  memory::dims y_dims{x_dims[0], x_dims[1]};
  adapter::PoolGeometry geo;
  for (int i = 2; i < rank; ++i) {
    if (x_dims[i] < 1)
      throw ShapeError(fmt::str(std::string(what), ": input of shape ", x.shape().str(),
                                " has an empty spatial dim"));
    y_dims.push_back(1);
    geo.kernel.push_back(x_dims[i]);
    geo.strides.push_back(1);
    geo.padding_l.push_back(0);
    geo.padding_r.push_back(0);
  }
  const Shape y_dims_shape(std::vector<std::int64_t>(y_dims.begin(), y_dims.end()));
  const Shape y_shape{x_dims[0], x_dims[1]};

  const dnnl::algorithm alg = onednn_algorithm(algorithm);
  const bool training = is_recording() && x.requires_grad();
  // The pooled {N, C, 1...} is tiny: its plain form is the (N, C) output.
  Pooled p = pool_forward(xv, alg, geo, y_dims, y_dims_shape, {}, training);
  Tensor y = p.y.to_plain().reshape(y_shape);
  if (!training) return Variable(std::move(y));

  return record(what, std::move(y), {x},
                [fwd = p.fwd, ws = p.workspace, alg, geo, x_md = xv.desc(), x_shape = x.shape(),
                 y_dims_shape, data_axes](const Tensor& g, const std::vector<bool>&) {
                  const Tensor g_dst =
                      g.to_plain().reshape(y_dims_shape).to_desc(fwd->pd.dst_desc());
                  return std::vector<Tensor>{
                      pool_backward(g_dst, fwd, ws, alg, geo, x_md, x_shape, data_axes)};
                });
}

}  // namespace keel
