#include "keel/autograd/convolution.h"

#include <algorithm>
#include <string>

#include "keel/autograd/detail/data_axes.h"
#include "keel/autograd/tape.h"
#include "keel/core/context.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
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

// The oneDNN-order dims of an op and the primitive geometry, checked against the spec.
struct Geometry {
  memory::dims x_dims, w_dims, y_dims;
  adapter::ConvGeometry geo;
  std::int64_t out_channels = 0;
  Shape y_shape;
};

// The kernel's oneDNN dims {[G,] OC/G, IC/G, spatial...}: a logical axis named twice in
// weight_axes is split into G (outer) and the rest (inner); -1 is a unit dim.
memory::dims weight_dims(const Shape& w, const ConvSpec& spec, const char* what) {
  const auto& axes = spec.weight_axes;
  memory::dims dims(axes.size());
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const int a = axes[i];
    if (a < 0) {
      dims[i] = 1;
      continue;
    }
    if (a >= w.rank())
      throw ShapeError(fmt::str(what, ": kernel of shape ", w, " has no axis ", a));
    const bool earlier = std::find(axes.begin(), axes.begin() + static_cast<std::ptrdiff_t>(i),
                                   a) != axes.begin() + static_cast<std::ptrdiff_t>(i);
    const bool later =
        std::find(axes.begin() + static_cast<std::ptrdiff_t>(i) + 1, axes.end(), a) != axes.end();
    if (earlier || later) {
      if (w[a] % spec.groups != 0)
        throw ShapeError(fmt::str(what, ": kernel axis ", a, " of length ", w[a], " (kernel shape ",
                                  w, ") does not split into ", spec.groups, " groups"));
      dims[i] = later ? spec.groups : w[a] / spec.groups;
    } else {
      dims[i] = w[a];
    }
  }
  return dims;
}

Geometry geometry(const Shape& x, const Shape& w, const ConvSpec& spec) {
  const int nsp = static_cast<int>(spec.strides.size());
  const char* what = spec.transposed ? "deconvolution" : "convolution";
  check_data_axes(what, x, spec.data_axes, static_cast<std::size_t>(nsp));
  Geometry g;
  g.x_dims.resize(spec.data_axes.size());
  for (std::size_t i = 0; i < g.x_dims.size(); ++i) g.x_dims[i] = x[spec.data_axes[i]];
  g.w_dims = weight_dims(w, spec, what);
  const bool grouped = spec.weight_axes.size() == static_cast<std::size_t>(nsp) + 3;
  const int g0 = grouped ? 1 : 0;  // grouped weights lead with G
  if (grouped && g.w_dims[0] != spec.groups)
    throw ShapeError(fmt::str(what, ": the kernel of shape ", w, " has ", g.w_dims[0],
                              " groups, expected ", spec.groups));
  g.out_channels = g.w_dims[g0] * spec.groups;
  const std::int64_t in_channels = g.w_dims[g0 + 1] * spec.groups;
  if (g.x_dims[1] != in_channels)
    throw ShapeError(fmt::str(what, ": input of shape ", x, " has ", g.x_dims[1],
                              " channels, the kernel of shape ", w, " expects ", in_channels));

  g.y_dims = {g.x_dims[0], g.out_channels};
  for (int i = 0; i < nsp; ++i) {
    const std::int64_t k = g.w_dims[g0 + 2 + i], d = spec.dilations[i], s = spec.strides[i];
    const std::int64_t k_eff = (k - 1) * d + 1;
    std::int64_t out;
    if (spec.transposed) {
      out = spec.output_spatial[i];
    } else {
      const std::int64_t span = g.x_dims[2 + i] + spec.padding_l[i] + spec.padding_r[i] - k_eff;
      out = span < 0 ? 0 : span / s + 1;
    }
    if (out < 1)
      throw ShapeError(fmt::str(what, ": spatial axis ", i, " of length ", g.x_dims[2 + i],
                                " is shorter than the kernel extent ", k_eff, " with padding ",
                                spec.padding_l[i], "+", spec.padding_r[i]));
    g.y_dims.push_back(out);
    g.geo.strides.push_back(s);
    g.geo.dilations.push_back(d - 1);  // oneDNN counts dilation from 0
    g.geo.padding_l.push_back(spec.padding_l[i]);
    g.geo.padding_r.push_back(spec.padding_r[i]);
    g.geo.conv_algorithm =
        spec.algorithm == ConvAlgorithm::winograd    ? algorithm::convolution_winograd
        : spec.algorithm == ConvAlgorithm::automatic ? algorithm::convolution_auto
                                                     : algorithm::convolution_direct;
  }
  std::vector<std::int64_t> y_logical(g.y_dims.size());
  for (std::size_t i = 0; i < g.y_dims.size(); ++i) y_logical[spec.data_axes[i]] = g.y_dims[i];
  g.y_shape = Shape(y_logical);
  return g;
}

// The forward primitive, from the one cache. Every layout is left to oneDNN (`any`): given a
// plain channels-last source it also runs fast forward kernels, but its backward-weights
// kernels are up to 2x slower than on the layouts it picks itself.
// Under BFloat16Compute (core/context.h) the source and weights are bf16 and the output f32;
// where oneDNN has no bf16 kernel for the geometry, the op runs in f32.
template <typename Prims>
std::shared_ptr<const CachedPrimitive<typename Prims::Fwd>> forward_primitive(const Geometry& g,
                                                                              bool has_bias,
                                                                              const ConvSpec& spec,
                                                                              prop_kind prop) {
  const memory::desc bias_md =
      has_bias ? adapter::tagged_desc({g.out_channels}, memory::format_tag::a) : memory::desc();
  const bool bf16 = bf16_compute();
  CacheKey key(spec.transposed ? "deconv_fwd" : "conv_fwd");
  key << prop << g.x_dims << g.w_dims << has_bias << g.y_dims << g.geo.strides << g.geo.dilations
      << g.geo.padding_l << g.geo.padding_r << spec.activation << spec.algorithm << bf16;
  return cached_primitive<typename Prims::Fwd>(key, [&] {
    try {
      if (bf16) {
        try {
          return adapter::conv_forward<typename Prims::Fwd>(
              prop, adapter::any_desc(g.x_dims, memory::data_type::bf16),
              adapter::any_desc(g.w_dims, memory::data_type::bf16), bias_md,
              adapter::any_desc(g.y_dims), g.geo, fused_post_ops(spec.activation));
        } catch (const BackendError&) {
          // no bf16 kernel for this geometry: f32 below
        }
      }
      return adapter::conv_forward<typename Prims::Fwd>(
          prop, adapter::any_desc(g.x_dims), adapter::any_desc(g.w_dims), bias_md,
          adapter::any_desc(g.y_dims), g.geo, fused_post_ops(spec.activation));
    } catch (const BackendError& e) {
      if (spec.algorithm != ConvAlgorithm::winograd) throw;
      throw ValueError(fmt::str(
          "convolution: algorithm 'winograd' is not available for this convolution (kernel ",
          fmt::sizes(std::vector<std::int64_t>(
              g.w_dims.end() - static_cast<std::ptrdiff_t>(spec.strides.size()), g.w_dims.end())),
          ", strides ", fmt::sizes(spec.strides), ", atrous_rate ", fmt::sizes(spec.dilations),
          "): oneDNN 2.6 runs it for 2D 3x3 kernels with stride 1 and no dilation, in float32 "
          "on AVX-512 processors; use 'auto' (Winograd where it runs) or 'direct' (",
          e.what(), ")"));
    }
  });
}

prop_kind prop_for(bool training) {
  return training ? prop_kind::forward_training : prop_kind::forward_inference;
}

template <typename Prims>
Variable convolution_impl(const Variable& x, const Variable& w, const Variable& b,
                          const ConvSpec& spec) {
  const char* what = spec.transposed ? "deconvolution" : "convolution";
  const Geometry g = geometry(x.shape(), w.shape(), spec);
  const std::int64_t out_channels = g.out_channels;
  const adapter::ConvGeometry& geo = g.geo;
  const Shape& y_shape = g.y_shape;
  const bool has_bias = b.defined();
  const bool training =
      is_recording() && (x.requires_grad() || w.requires_grad() || (has_bias && b.requires_grad()));
  auto fwd = forward_primitive<Prims>(g, has_bias, spec, prop_for(training));
  // Inference on a kernel its Layer keeps in the training layout runs the training primitive
  // (the same convolution): a kernel copy in the inference layout would otherwise be kept
  // beside it until the next update (ResNet50: 97 MiB on top of a training step's peak).
  if (!training && !w.value().is_plain())
    if (auto t = forward_primitive<Prims>(g, has_bias, spec, prop_for(true));
        adapter::with_data_type(t->pd.weights_desc(), memory::data_type::f32) == w.value().desc())
      fwd = std::move(t);

  const Tensor x_src = x.value().in_axes(spec.data_axes).to_desc(fwd->pd.src_desc());
  // The kernel as the primitive reads it: the value itself when its Layer keeps it in this
  // layout (the weight-layout rule, autograd/variable.h), else a copy kept until it changes.
  const Tensor w_compute = w.value_in({fwd->pd.weights_desc(), spec.weight_axes});
  // The layout the kernel gradient is handed back in: the compute kernel's, or under bf16 the
  // f32 master kernel's own (where the optimizer updates it).
  const bool low_precision = fwd->pd.src_desc().data_type() != memory::data_type::f32;
  const Tensor w_master = low_precision ? w.value() : w_compute;
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
      [fwd, x_src, w_compute, w_master, y_saved, geo, has_bias, w_shape = w.shape(),
       x_shape = x.shape(), out_channels, spec](const Tensor& g, const std::vector<bool>& needs) {
        Tensor g_dst = g.to_layout(fwd->pd.dst_desc(), spec.data_axes);
        g_dst = fused_activation_backward(spec.activation, g_dst, y_saved);
        // The backward primitives read the gradient in the forward's source type (bf16 under
        // BFloat16Compute) and write f32 input and weight gradients.
        const memory::data_type low = fwd->pd.src_desc().data_type();
        g_dst = g_dst.to_desc(adapter::with_data_type(g_dst.desc(), low));
        std::vector<Tensor> grads(has_bias ? 3 : 2);

        if (needs[0]) {
          CacheKey key(spec.transposed ? "deconv_bwd_data" : "conv_bwd_data");
          key << x_src.desc() << w_compute.desc() << g_dst.desc() << geo.strides << geo.dilations
              << geo.padding_l << geo.padding_r << spec.algorithm;
          auto bwd = cached_primitive<typename Prims::BwdData>(key, [&] {
            return adapter::conv_backward_data<typename Prims::BwdData, typename Prims::Fwd>(
                adapter::with_data_type(x_src.desc(), memory::data_type::f32),
                adapter::any_desc(w_compute.desc().dims(), low), g_dst.desc(), geo, fwd->pd);
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
              has_bias ? adapter::tagged_desc({out_channels}, memory::format_tag::a)
                       : memory::desc();
          CacheKey key(spec.transposed ? "deconv_bwd_weights" : "conv_bwd_weights");
          key << x_src.desc() << w_compute.desc() << has_bias << g_dst.desc() << geo.strides
              << geo.dilations << geo.padding_l << geo.padding_r << spec.algorithm;
          auto bwd = cached_primitive<typename Prims::BwdWeights>(key, [&] {
            return adapter::conv_backward_weights<typename Prims::BwdWeights, typename Prims::Fwd>(
                x_src.desc(), adapter::any_desc(w_compute.desc().dims()), db_md, g_dst.desc(), geo,
                fwd->pd);  // diff_weights f32 (any_desc's default type)
          });
          const Tensor src = x_src.to_desc(bwd->pd.src_desc());
          const Tensor g_bwd = g_dst.to_desc(bwd->pd.diff_dst_desc());
          const Tensor dw =
              Tensor::empty_like_desc(w_shape, bwd->pd.diff_weights_desc(), spec.weight_axes);
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
          grads[1] = dw.to_layout(w_master.desc(), w_master.axes());
          if (has_bias) grads[2] = std::move(db);
        }
        return grads;
      },
      /*reads: x and the kernel*/ 0b011);
}

void check_spec(const ConvSpec& spec) {
  const std::size_t nsp = spec.strides.size();
  if (spec.dilations.size() != nsp || spec.padding_l.size() != nsp ||
      spec.padding_r.size() != nsp || (spec.transposed && spec.output_spatial.size() != nsp))
    throw ValueError(
        "convolution: strides, dilations, paddings (and output size) need one entry "
        "per spatial axis");
  if (spec.weight_axes.size() != nsp + 2 && spec.weight_axes.size() != nsp + 3)
    throw ShapeError(fmt::str("convolution: kernel axis map has ", spec.weight_axes.size(),
                              " entries, expected ", nsp + 2, " (or ", nsp + 3,
                              " for grouped weights)"));
  if (spec.groups < 1 || (spec.groups > 1 && spec.weight_axes.size() != nsp + 3))
    throw ValueError(fmt::str("convolution: groups is ", spec.groups,
                              ", expected 1, or >= 1 with a grouped kernel axis map"));
  if (spec.transposed && spec.algorithm != ConvAlgorithm::direct)
    throw ValueError("convolution: a transposed convolution runs the direct algorithm only");
}

}  // namespace

Variable convolution(const Variable& x, const Variable& w, const Variable& b,
                     const ConvSpec& spec) {
  check_spec(spec);
  return spec.transposed ? convolution_impl<Transposed>(x, w, b, spec)
                         : convolution_impl<Direct>(x, w, b, spec);
}

Layout convolution_weights_layout(const Shape& x_shape, const Shape& w_shape, bool has_bias,
                                  const ConvSpec& spec, bool training) {
  check_spec(spec);
  const Geometry g = geometry(x_shape, w_shape, spec);
  const memory::desc md =
      spec.transposed
          ? forward_primitive<Transposed>(g, has_bias, spec, prop_for(training))->pd.weights_desc()
          : forward_primitive<Direct>(g, has_bias, spec, prop_for(training))->pd.weights_desc();
  // Where the kernel's (f32) master copy lives: the primitive's layout, in f32.
  return {adapter::with_data_type(md, memory::data_type::f32), spec.weight_axes};
}

}  // namespace keel
