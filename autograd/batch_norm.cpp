#include "keel/autograd/batch_norm.h"

#include <cstring>
#include <string>

#include "keel/autograd/tape.h"
#include "keel/core/context.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/primitive_cache.h"

namespace keel {

using dnnl::memory;
using dnnl::normalization_flags;
using dnnl::prop_kind;
namespace adapter = keel::dnnl_adapter;
using tag = memory::format_tag;

namespace {

using BnFwd = CachedPrimitive<dnnl::batch_normalization_forward>;

// x as oneDNN sees it: its own layout when its axes are data_axes, else a view of its plain
// form; plain channels-first image data goes channels-last (no JIT kernel for it).
Tensor compute_view(const Tensor& t, const std::vector<int>& data_axes) {
  Tensor v = t.in_axes(data_axes);
  const int ndims = static_cast<int>(data_axes.size());
  if (ndims >= 3 &&
      v.desc() == adapter::tagged_desc(v.desc().dims(), adapter::plain_image_tag(ndims, false)))
    v = v.to_desc(adapter::tagged_desc(v.desc().dims(), adapter::plain_image_tag(ndims, true)));
  return v;
}

void check_channel_vector(const char* what, const char* name, const Shape& s, std::int64_t c,
                          const Shape& x_shape) {
  if (!(s == Shape{c}))
    throw ShapeError(fmt::str(std::string(what), ": ", name, " of shape ", s.str(),
                              " for an input ", x_shape.str(), " with ", c, " channels, expected (",
                              c, ",)"));
}

// gamma and beta packed as oneDNN's {2, C} scale-shift.
Tensor pack_scale_shift(const Tensor& gamma, const Tensor& beta, std::int64_t c) {
  Tensor ss = Tensor::empty(Shape{2, c});
  const auto bytes = static_cast<std::size_t>(c) * sizeof(float);
  std::memcpy(ss.data(), gamma.to_plain().data(), bytes);
  std::memcpy(ss.data() + c, beta.to_plain().data(), bytes);
  return ss;
}

Variable batch_norm_impl(const Variable& x, const Variable& gamma, const Variable& beta,
                         const std::vector<int>& data_axes, float epsilon, const Tensor& mean_in,
                         const Tensor& variance_in, Tensor* mean_out, Tensor* variance_out,
                         bool fuse_relu) {
  const char* what = "batch_norm";
  const int rank = x.shape().rank();
  if (rank < 2 || rank > 5 || static_cast<int>(data_axes.size()) != rank)
    throw ShapeError(fmt::str(std::string(what), ": input of shape ", x.shape().str(), " has rank ",
                              rank, ", expected 2 to 5 with a data_axes of as many entries (",
                              data_axes.size(), " given)"));
  std::vector<bool> seen(static_cast<std::size_t>(rank), false);
  for (int a : data_axes) {
    if (a < 0 || a >= rank || seen[static_cast<std::size_t>(a)])
      throw ShapeError(fmt::str(std::string(what), ": data_axes must be a permutation of 0..",
                                rank - 1, ", got axis ", a));
    seen[static_cast<std::size_t>(a)] = true;
  }
  if (!(epsilon > 0.f))
    throw ValueError(fmt::str(std::string(what), ": epsilon is ", epsilon, ", expected > 0"));
  const std::int64_t c = x.shape()[data_axes[1]];
  check_channel_vector(what, "gamma", gamma.shape(), c, x.shape());
  check_channel_vector(what, "beta", beta.shape(), c, x.shape());
  const bool global_stats = mean_in.defined();
  if (global_stats) {
    check_channel_vector(what, "mean", mean_in.shape(), c, x.shape());
    check_channel_vector(what, "variance", variance_in.shape(), c, x.shape());
  }

  const Tensor xv = compute_view(x.value(), data_axes);
  const memory::desc x_md = xv.desc();
  const bool training =
      is_recording() && (x.requires_grad() || gamma.requires_grad() || beta.requires_grad());
  // Batch statistics are output by forward_training only.
  const prop_kind prop =
      training || !global_stats ? prop_kind::forward_training : prop_kind::forward_inference;
  normalization_flags flags = normalization_flags::use_scale_shift;
  if (global_stats) flags = flags | normalization_flags::use_global_stats;
  if (fuse_relu) flags = flags | normalization_flags::fuse_norm_relu;

  CacheKey key("batch_norm_fwd");
  key << prop << static_cast<unsigned>(flags) << epsilon << x_md;
  auto fwd = cached_primitive<dnnl::batch_normalization_forward>(
      key, [&] { return adapter::batch_normalization_forward(prop, x_md, epsilon, flags); });

  const Tensor ss = pack_scale_shift(gamma.value(), beta.value(), c);
  Tensor mean = global_stats ? mean_in.to_plain() : Tensor::empty(Shape{c});
  Tensor variance = global_stats ? variance_in.to_plain() : Tensor::empty(Shape{c});
  Tensor y = Tensor::empty_like_desc(x.shape(), fwd->pd.dst_desc(), data_axes);
  // The relu mask of a fused forward in training, read by the backward.
  const memory::desc ws_md = fwd->pd.workspace_desc();
  const Buffer ws = ws_md.get_size() > 0 ? allocate(ws_md.get_size()) : Buffer();
  std::unordered_map<int, memory> fwd_args{{DNNL_ARG_SRC, xv.memory()},
                                           {DNNL_ARG_DST, y.memory()},
                                           {DNNL_ARG_MEAN, mean.memory()},
                                           {DNNL_ARG_VARIANCE, variance.memory()},
                                           {DNNL_ARG_SCALE_SHIFT, ss.memory()}};
  if (ws) fwd_args.emplace(DNNL_ARG_WORKSPACE, memory(ws_md, detail::engine(), ws.get()));
  if (x.shape().numel() > 0) fwd->run(std::move(fwd_args));
  if (mean_out) *mean_out = mean;
  if (variance_out) *variance_out = variance;
  if (!training) return Variable(std::move(y));

  return record(
      what, std::move(y), {x, gamma, beta},
      [fwd, xv, ss, mean, variance, ws, ws_md, epsilon, flags, data_axes, c](
          const Tensor& g, const std::vector<bool>& needs) {
        const memory::desc x_md = xv.desc();
        // Always prop backward: oneDNN 2.6 refuses backward_data with a scale-shift, and the
        // dx kernel computes the per-channel sums that make dgamma and dbeta anyway.
        CacheKey key("batch_norm_bwd");
        key << static_cast<unsigned>(flags) << epsilon << x_md;
        auto bwd = cached_primitive<dnnl::batch_normalization_backward>(key, [&] {
          return adapter::batch_normalization_backward(prop_kind::backward, x_md, x_md, epsilon,
                                                       flags, fwd->pd);
        });
        const Tensor g_bwd = g.to_layout(x_md, data_axes).to_desc(bwd->pd.diff_dst_desc());
        Tensor dx = Tensor::empty_like_desc(xv.shape(), bwd->pd.diff_src_desc(), data_axes);
        std::unordered_map<int, memory> args{
            {DNNL_ARG_SRC, xv.memory()},         {DNNL_ARG_DIFF_DST, g_bwd.memory()},
            {DNNL_ARG_MEAN, mean.memory()},      {DNNL_ARG_VARIANCE, variance.memory()},
            {DNNL_ARG_SCALE_SHIFT, ss.memory()}, {DNNL_ARG_DIFF_SRC, dx.memory()}};
        Tensor dss = Tensor::empty(Shape{2, c});
        args.emplace(DNNL_ARG_DIFF_SCALE_SHIFT, dss.memory());
        if (ws) args.emplace(DNNL_ARG_WORKSPACE, memory(ws_md, detail::engine(), ws.get()));
        if (xv.shape().numel() > 0) {
          bwd->run(std::move(args));
        } else {
          dx.fill(0.f);
          dss.fill(0.f);
        }
        std::vector<Tensor> grads(3);
        grads[0] = std::move(dx);
        const auto bytes = static_cast<std::size_t>(c) * sizeof(float);
        for (int i = 0; i < 2; ++i) {
          if (!needs[1 + i]) continue;
          Tensor d = Tensor::empty(Shape{c});
          std::memcpy(d.data(), dss.data() + i * c, bytes);
          grads[1 + i] = std::move(d);
        }
        return grads;
      });
}

}  // namespace

BatchNormResult batch_norm(const Variable& x, const Variable& gamma, const Variable& beta,
                           const std::vector<int>& data_axes, float epsilon, bool fuse_relu) {
  BatchNormResult r;
  r.y = batch_norm_impl(x, gamma, beta, data_axes, epsilon, Tensor(), Tensor(), &r.mean,
                        &r.variance, fuse_relu);
  return r;
}

Variable batch_norm(const Variable& x, const Variable& gamma, const Variable& beta,
                    const std::vector<int>& data_axes, float epsilon, const Tensor& mean,
                    const Tensor& variance, bool fuse_relu) {
  if (!mean.defined() || !variance.defined())
    throw ValueError("batch_norm: the inference form needs both mean and variance");
  return batch_norm_impl(x, gamma, beta, data_axes, epsilon, mean, variance, nullptr, nullptr,
                         fuse_relu);
}

std::vector<int> batch_norm_data_axes(int rank, int channel_axis) {
  std::vector<int> axes;
  if (channel_axis == 0) {
    axes = {rank > 1 ? 1 : 0, 0};
    for (int i = 2; i < rank; ++i) axes.push_back(i);
  } else {
    axes = {0, channel_axis};
    for (int i = 1; i < rank; ++i)
      if (i != channel_axis) axes.push_back(i);
  }
  return axes;
}

}  // namespace keel
