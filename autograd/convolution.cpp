#include "keel/autograd/convolution.h"

#include <string>

#include "keel/autograd/tape.h"
#include "keel/core/error.h"
#include "keel/core/primitive_cache.h"
#include "keel/core/tensor_ops.h"

namespace keel {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
namespace adapter = keel::dnnl_adapter;

namespace {

struct Direct {
  using Fwd = dnnl::convolution_forward;
  using BwdData = dnnl::convolution_backward_data;
  using BwdWeights = dnnl::convolution_backward_weights;
};
struct Transposed {
  using Fwd = dnnl::deconvolution_forward;
  using BwdData = dnnl::deconvolution_backward_data;
  using BwdWeights = dnnl::deconvolution_backward_weights;
};



template <typename Prims>
Variable convolution_impl(const Variable& x, const Variable& w, const Variable& b,
                          const ConvSpec& spec) {
  const int nsp = static_cast<int>(spec.strides.size());
  const char* what = spec.transposed ? "deconvolution" : "convolution";
  if (static_cast<int>(spec.data_axes.size()) != x.shape().rank() || x.shape().rank() != nsp + 2)
    throw ShapeError(std::string(what) + ": input of shape " + x.shape().str() + " has rank " +
                     std::to_string(x.shape().rank()) + ", expected " + std::to_string(nsp + 2));

  // oneDNN-order dims of the data and of the weights.
  memory::dims x_dims(spec.data_axes.size());
  for (std::size_t i = 0; i < x_dims.size(); ++i) x_dims[i] = x.shape()[spec.data_axes[i]];
  memory::dims w_dims(spec.weight_axes.size());
  for (std::size_t i = 0; i < w_dims.size(); ++i)
    w_dims[i] = spec.weight_axes[i] < 0 ? 1 : w.shape()[spec.weight_axes[i]];
  const int g0 = spec.groups > 1 ? 1 : 0;  // grouped weights lead with G
  const std::int64_t out_channels = w_dims[g0] * spec.groups;
  const std::int64_t in_channels = w_dims[g0 + 1] * spec.groups;
  if (x_dims[1] != in_channels)
    throw ShapeError(std::string(what) + ": input of shape " + x.shape().str() + " has " +
                     std::to_string(x_dims[1]) + " channels, the kernel of shape " +
                     w.shape().str() + " expects " + std::to_string(in_channels));

  memory::dims y_dims{x_dims[0], out_channels};
  adapter::ConvGeometry geo;
  for (int i = 0; i < nsp; ++i) {
    const std::int64_t k = w_dims[g0 + 2 + i], d = spec.dilations[i], s = spec.strides[i];
    const std::int64_t k_eff = (k - 1) * d + 1;
    std::int64_t out;
    if (spec.transposed) {
      out = spec.output_spatial[i];
    } else {
      const std::int64_t span = x_dims[2 + i] + spec.padding_l[i] + spec.padding_r[i] - k_eff;
      out = span < 0 ? 0 : span / s + 1;
    }
    if (out < 1)
      throw ShapeError(std::string(what) + ": spatial axis " + std::to_string(i) + " of length " +
                       std::to_string(x_dims[2 + i]) + " is shorter than the kernel extent " +
                       std::to_string(k_eff) + " with padding " + std::to_string(spec.padding_l[i]) +
                       "+" + std::to_string(spec.padding_r[i]));
    y_dims.push_back(out);
    geo.strides.push_back(s);
    geo.dilations.push_back(d - 1);  // oneDNN counts dilation from 0
    geo.padding_l.push_back(spec.padding_l[i]);
    geo.padding_r.push_back(spec.padding_r[i]);
  }
  std::vector<std::int64_t> y_logical(y_dims.size());
  for (std::size_t i = 0; i < y_dims.size(); ++i) y_logical[spec.data_axes[i]] = y_dims[i];
  const Shape y_shape(y_logical);

  const bool has_bias = b.defined();
  const bool training = is_recording() && (x.requires_grad() || w.requires_grad() ||
                                           (has_bias && b.requires_grad()));
  const prop_kind prop = training ? prop_kind::forward_training : prop_kind::forward_inference;

  // The input as oneDNN sees it (a view, no copy, when it is plain). Every layout is left to
  // oneDNN (`any`): given a plain channels-last layout it also runs fast forward kernels, but
  // its backward-weights kernels are up to 2x slower than on the layouts it picks itself.
  const Tensor x_view = x.value().to_layout(
      x.value().axes() == spec.data_axes ? x.value().desc()
                                         : plain_view_desc(x.shape(), spec.data_axes),
      spec.data_axes);
  const memory::desc bias_md =
      has_bias ? adapter::tagged_desc({out_channels}, memory::format_tag::a) : memory::desc();

  CacheKey key(spec.transposed ? "deconv_fwd" : "conv_fwd");
  key << prop << x_dims << w_dims << has_bias << y_dims << geo.strides << geo.dilations
      << geo.padding_l << geo.padding_r << spec.activation;
  auto fwd = cached_primitive<typename Prims::Fwd>(key, [&] {
    return adapter::conv_forward<typename Prims::Fwd>(prop, adapter::any_desc(x_dims), adapter::any_desc(w_dims),
                                                      bias_md, adapter::any_desc(y_dims), geo,
                                                      fused_post_ops(spec.activation));
  });

  const Tensor x_src = x_view.to_desc(fwd->pd.src_desc());
  Variable weight = w;  // a handle: the kernel moves into the forward primitive's layout
  weight.store_as(fwd->pd.weights_desc(), spec.weight_axes);
  const Tensor w_compute = weight.value();
  Tensor y = Tensor::empty_like_desc(y_shape, fwd->pd.dst_desc(), spec.data_axes);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x_src.memory()},
                                       {DNNL_ARG_WEIGHTS, w_compute.memory()},
                                       {DNNL_ARG_DST, y.memory()}};
  if (has_bias) args.emplace(DNNL_ARG_BIAS, b.value().to_plain().memory());
  fwd->run(std::move(args));

  if (!training) return Variable(std::move(y));

  std::vector<Variable> inputs{x, w};
  if (has_bias) inputs.push_back(b);
  const Tensor y_saved = spec.activation != FusedActivation::none ? y : Tensor();
  return record(
      what, y, inputs,
      [fwd, x_src, w_compute, y_saved, geo, has_bias, w_shape = w.shape(), x_shape = x.shape(),
       out_channels, spec](const Tensor& g, const std::vector<bool>& needs) {
        Tensor g_dst = g.to_layout(fwd->pd.dst_desc(), spec.data_axes);
        g_dst = fused_activation_backward(spec.activation, g_dst, y_saved);
        std::vector<Tensor> grads(has_bias ? 3 : 2);

        if (needs[0]) {
          CacheKey key(spec.transposed ? "deconv_bwd_data" : "conv_bwd_data");
          key << x_src.desc() << w_compute.desc() << g_dst.desc() << geo.strides << geo.dilations
              << geo.padding_l << geo.padding_r;
          auto bwd = cached_primitive<typename Prims::BwdData>(key, [&] {
            return adapter::conv_backward_data<typename Prims::BwdData, typename Prims::Fwd>(
                x_src.desc(), adapter::any_desc(w_compute.desc().dims()), g_dst.desc(), geo, fwd->pd);
          });
          const Tensor w_bwd = w_compute.to_desc(bwd->pd.weights_desc());
          const Tensor g_bwd = g_dst.to_desc(bwd->pd.diff_dst_desc());
          Tensor dx = Tensor::empty_like_desc(x_shape, bwd->pd.diff_src_desc(), spec.data_axes);
          bwd->run({{DNNL_ARG_DIFF_DST, g_bwd.memory()},
                    {DNNL_ARG_WEIGHTS, w_bwd.memory()},
                    {DNNL_ARG_DIFF_SRC, dx.memory()}});
          grads[0] = std::move(dx);
        }

        if (needs[1] || (has_bias && needs[2])) {
          const memory::desc db_md =
              has_bias ? adapter::tagged_desc({out_channels}, memory::format_tag::a) : memory::desc();
          CacheKey key(spec.transposed ? "deconv_bwd_weights" : "conv_bwd_weights");
          key << x_src.desc() << w_compute.desc() << has_bias << g_dst.desc() << geo.strides
              << geo.dilations << geo.padding_l << geo.padding_r;
          auto bwd = cached_primitive<typename Prims::BwdWeights>(key, [&] {
            return adapter::conv_backward_weights<typename Prims::BwdWeights, typename Prims::Fwd>(
                x_src.desc(), adapter::any_desc(w_compute.desc().dims()), db_md, g_dst.desc(), geo, fwd->pd);
          });
          const Tensor src = x_src.to_desc(bwd->pd.src_desc());
          const Tensor g_bwd = g_dst.to_desc(bwd->pd.diff_dst_desc());
          const Tensor dw = Tensor::empty_like_desc(w_shape, bwd->pd.diff_weights_desc(),
                                                    spec.weight_axes);
          std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src.memory()},
                                               {DNNL_ARG_DIFF_DST, g_bwd.memory()},
                                               {DNNL_ARG_DIFF_WEIGHTS, dw.memory()}};
          Tensor db;
          if (has_bias) {
            db = Tensor::empty(Shape{out_channels});
            args.emplace(DNNL_ARG_DIFF_BIAS, db.memory());
          }
          bwd->run(std::move(args));
          // The kernel gradient in the layout the kernel is stored in (the forward primitive's):
          // the optimizer updates it there without a reorder.
          grads[1] = dw.to_desc(w_compute.desc());
          if (has_bias) grads[2] = std::move(db);
        }
        return grads;
      });
}

}  // namespace

Variable convolution(const Variable& x, const Variable& w, const Variable& b,
                     const ConvSpec& spec) {
  const std::size_t nsp = spec.strides.size();
  if (spec.dilations.size() != nsp || spec.padding_l.size() != nsp ||
      spec.padding_r.size() != nsp || (spec.transposed && spec.output_spatial.size() != nsp))
    throw ValueError("convolution: strides, dilations, paddings (and output size) need one entry "
                     "per spatial axis");
  if (static_cast<int>(spec.weight_axes.size()) != static_cast<int>(nsp) + 2 + (spec.groups > 1))
    throw ShapeError("convolution: kernel axis map has " + std::to_string(spec.weight_axes.size()) +
                     " entries, expected " + std::to_string(nsp + 2 + (spec.groups > 1)));
  return spec.transposed ? convolution_impl<Transposed>(x, w, b, spec)
                         : convolution_impl<Direct>(x, w, b, spec);
}

}  // namespace keel
