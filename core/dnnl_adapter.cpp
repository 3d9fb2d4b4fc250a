#include "keel/core/detail/dnnl_adapter.h"

#include <oneapi/dnnl/dnnl_debug.h>

#include <algorithm>
#include <numeric>
#include <type_traits>

#include "keel/core/context.h"
#include "keel/core/detail/profiler.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel::dnnl_adapter {

using dnnl::primitive_attr;

memory::desc plain_desc(const memory::dims& dims, const memory::dims& strides) {
  return memory::desc(dims, memory::data_type::f32, strides);
}

memory::desc any_desc(const memory::dims& dims) {
  return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
}

memory::desc any_desc(const memory::dims& dims, memory::data_type type) {
  return memory::desc(dims, type, memory::format_tag::any);
}

memory::desc with_data_type(const memory::desc& md, memory::data_type type) {
  if (md.data_type() == type) return md;
  dnnl_memory_desc_t d = md.data;  // strides count elements: the layout holds for any type
  d.data_type = static_cast<dnnl_data_type_t>(type);
  return memory::desc(d);
}

memory::desc tagged_desc(const memory::dims& dims, memory::format_tag tag) {
  return memory::desc(dims, memory::data_type::f32, tag);
}

memory::format_tag plain_image_tag(int ndims, bool channels_last) {
  using tag = memory::format_tag;
  if (channels_last) return ndims == 3 ? tag::nwc : ndims == 4 ? tag::nhwc : tag::ndhwc;
  return ndims == 3 ? tag::ncw : ndims == 4 ? tag::nchw : tag::ncdhw;
}

primitive_attr default_attr() {
  primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void rethrow_backend_error(const char* what, const dnnl::error& e) {
  throw BackendError(
      fmt::str(std::string(what), ": oneDNN refused the operation (", e.what(), ")"));
}

dnnl::reorder::primitive_desc reorder(const memory::desc& src, const memory::desc& dst) {
  return guarded("reorder", [&] {
    return dnnl::reorder::primitive_desc(detail::engine(), src, detail::engine(), dst,
                                         default_attr());
  });
}

dnnl::eltwise_forward::primitive_desc eltwise_forward(prop_kind prop, algorithm alg,
                                                      const memory::desc& src, float alpha,
                                                      float beta) {
  return guarded("eltwise_forward", [&] {
    return dnnl::eltwise_forward::primitive_desc(
        dnnl::eltwise_forward::desc(prop, alg, src, alpha, beta), default_attr(), detail::engine());
  });
}

dnnl::eltwise_backward::primitive_desc eltwise_backward(
    algorithm alg, const memory::desc& diff, const memory::desc& data, float alpha, float beta,
    const dnnl::eltwise_forward::primitive_desc& hint) {
  return guarded("eltwise_backward", [&] {
    return dnnl::eltwise_backward::primitive_desc(
        dnnl::eltwise_backward::desc(alg, diff, data, alpha, beta), default_attr(),
        detail::engine(), hint);
  });
}

dnnl::binary::primitive_desc binary(algorithm alg, const memory::desc& src0,
                                    const memory::desc& src1, const memory::desc& dst) {
  return guarded("binary", [&] {
    return dnnl::binary::primitive_desc(dnnl::binary::desc(alg, src0, src1, dst), default_attr(),
                                        detail::engine());
  });
}

dnnl::reduction::primitive_desc reduction(algorithm alg, const memory::desc& src,
                                          const memory::desc& dst) {
  return guarded("reduction", [&] {
    return dnnl::reduction::primitive_desc(dnnl::reduction::desc(alg, src, dst, 0.f, 0.f),
                                           default_attr(), detail::engine());
  });
}

dnnl::matmul::primitive_desc matmul(const memory::desc& a, const memory::desc& b,
                                    const memory::desc& dst) {
  return guarded("matmul", [&] {
    return dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, dst), default_attr(),
                                        detail::engine());
  });
}

dnnl::softmax_forward::primitive_desc softmax_forward(prop_kind prop, const memory::desc& src,
                                                      int axis) {
  return guarded("softmax_forward", [&] {
    return dnnl::softmax_forward::primitive_desc(dnnl::softmax_forward::desc(prop, src, axis),
                                                 default_attr(), detail::engine());
  });
}

dnnl::softmax_backward::primitive_desc softmax_backward(
    const memory::desc& diff, const memory::desc& dst, int axis,
    const dnnl::softmax_forward::primitive_desc& hint) {
  return guarded("softmax_backward", [&] {
    return dnnl::softmax_backward::primitive_desc(dnnl::softmax_backward::desc(diff, dst, axis),
                                                  default_attr(), detail::engine(), hint);
  });
}

dnnl::concat::primitive_desc concat(int axis, const std::vector<memory::desc>& srcs,
                                    const memory::desc& dst) {
  return guarded("concat", [&] {
    return dnnl::concat::primitive_desc(dst, axis, srcs, detail::engine(), default_attr());
  });
}

namespace {

template <typename P>
constexpr algorithm conv_algorithm(const ConvGeometry& g) {
  if constexpr (std::is_same_v<P, dnnl::deconvolution_forward> ||
                std::is_same_v<P, dnnl::deconvolution_backward_data> ||
                std::is_same_v<P, dnnl::deconvolution_backward_weights>) {
    return algorithm::deconvolution_direct;
  } else {
    return g.conv_algorithm;
  }
}

bool has_bias(const memory::desc& bias) { return bias.data.ndims > 0; }

}  // namespace

template <typename Fwd>
typename Fwd::primitive_desc conv_forward(prop_kind prop, const memory::desc& src,
                                          const memory::desc& weights, const memory::desc& bias,
                                          const memory::desc& dst, const ConvGeometry& g,
                                          const dnnl::post_ops& post_ops) {
  return guarded("convolution_forward", [&] {
    auto attr = default_attr();
    attr.set_post_ops(post_ops);
    const auto alg = conv_algorithm<Fwd>(g);
    auto d = has_bias(bias) ? typename Fwd::desc(prop, alg, src, weights, bias, dst, g.strides,
                                                 g.dilations, g.padding_l, g.padding_r)
                            : typename Fwd::desc(prop, alg, src, weights, dst, g.strides,
                                                 g.dilations, g.padding_l, g.padding_r);
    return typename Fwd::primitive_desc(d, attr, detail::engine());
  });
}

template <typename BwdData, typename Fwd>
typename BwdData::primitive_desc conv_backward_data(const memory::desc& diff_src,
                                                    const memory::desc& weights,
                                                    const memory::desc& diff_dst,
                                                    const ConvGeometry& g,
                                                    const typename Fwd::primitive_desc& hint) {
  return guarded("convolution_backward_data", [&] {
    typename BwdData::desc d(conv_algorithm<BwdData>(g), diff_src, weights, diff_dst, g.strides,
                             g.dilations, g.padding_l, g.padding_r);
    return typename BwdData::primitive_desc(d, default_attr(), detail::engine(), hint);
  });
}

template <typename BwdWeights, typename Fwd>
typename BwdWeights::primitive_desc conv_backward_weights(
    const memory::desc& src, const memory::desc& diff_weights, const memory::desc& diff_bias,
    const memory::desc& diff_dst, const ConvGeometry& g, const typename Fwd::primitive_desc& hint) {
  return guarded("convolution_backward_weights", [&] {
    const auto alg = conv_algorithm<BwdWeights>(g);
    auto d = has_bias(diff_bias)
                 ? typename BwdWeights::desc(alg, src, diff_weights, diff_bias, diff_dst, g.strides,
                                             g.dilations, g.padding_l, g.padding_r)
                 : typename BwdWeights::desc(alg, src, diff_weights, diff_dst, g.strides,
                                             g.dilations, g.padding_l, g.padding_r);
    return typename BwdWeights::primitive_desc(d, default_attr(), detail::engine(), hint);
  });
}

template dnnl::convolution_forward::primitive_desc conv_forward<dnnl::convolution_forward>(
    prop_kind, const memory::desc&, const memory::desc&, const memory::desc&, const memory::desc&,
    const ConvGeometry&, const dnnl::post_ops&);
template dnnl::deconvolution_forward::primitive_desc conv_forward<dnnl::deconvolution_forward>(
    prop_kind, const memory::desc&, const memory::desc&, const memory::desc&, const memory::desc&,
    const ConvGeometry&, const dnnl::post_ops&);
template dnnl::convolution_backward_data::primitive_desc
conv_backward_data<dnnl::convolution_backward_data, dnnl::convolution_forward>(
    const memory::desc&, const memory::desc&, const memory::desc&, const ConvGeometry&,
    const dnnl::convolution_forward::primitive_desc&);
template dnnl::deconvolution_backward_data::primitive_desc
conv_backward_data<dnnl::deconvolution_backward_data, dnnl::deconvolution_forward>(
    const memory::desc&, const memory::desc&, const memory::desc&, const ConvGeometry&,
    const dnnl::deconvolution_forward::primitive_desc&);
template dnnl::convolution_backward_weights::primitive_desc
conv_backward_weights<dnnl::convolution_backward_weights, dnnl::convolution_forward>(
    const memory::desc&, const memory::desc&, const memory::desc&, const memory::desc&,
    const ConvGeometry&, const dnnl::convolution_forward::primitive_desc&);
template dnnl::deconvolution_backward_weights::primitive_desc
conv_backward_weights<dnnl::deconvolution_backward_weights, dnnl::deconvolution_forward>(
    const memory::desc&, const memory::desc&, const memory::desc&, const memory::desc&,
    const ConvGeometry&, const dnnl::deconvolution_forward::primitive_desc&);

dnnl::resampling_forward::primitive_desc resampling_forward(prop_kind prop,
                                                            const std::vector<float>& factors,
                                                            const memory::desc& src,
                                                            const memory::desc& dst) {
  return guarded("resampling_forward", [&] {
    return dnnl::resampling_forward::primitive_desc(
        dnnl::resampling_forward::desc(prop, algorithm::resampling_nearest, factors, src, dst),
        default_attr(), detail::engine());
  });
}

dnnl::resampling_backward::primitive_desc resampling_backward(
    const std::vector<float>& factors, const memory::desc& diff_src, const memory::desc& diff_dst,
    const dnnl::resampling_forward::primitive_desc& hint) {
  return guarded("resampling_backward", [&] {
    return dnnl::resampling_backward::primitive_desc(
        dnnl::resampling_backward::desc(algorithm::resampling_nearest, factors, diff_src, diff_dst),
        default_attr(), detail::engine(), hint);
  });
}

dnnl::pooling_forward::primitive_desc pooling_forward(prop_kind prop, algorithm alg,
                                                      const memory::desc& src,
                                                      const memory::desc& dst,
                                                      const PoolGeometry& g) {
  return guarded("pooling_forward", [&] {
    return dnnl::pooling_forward::primitive_desc(
        dnnl::pooling_forward::desc(prop, alg, src, dst, g.strides, g.kernel, g.padding_l,
                                    g.padding_r),
        default_attr(), detail::engine());
  });
}

dnnl::pooling_backward::primitive_desc pooling_backward(
    algorithm alg, const memory::desc& diff_src, const memory::desc& diff_dst,
    const PoolGeometry& g, const dnnl::pooling_forward::primitive_desc& hint) {
  return guarded("pooling_backward", [&] {
    return dnnl::pooling_backward::primitive_desc(
        dnnl::pooling_backward::desc(alg, diff_src, diff_dst, g.strides, g.kernel, g.padding_l,
                                     g.padding_r),
        default_attr(), detail::engine(), hint);
  });
}

dnnl::batch_normalization_forward::primitive_desc batch_normalization_forward(
    prop_kind prop, const memory::desc& data, float epsilon, dnnl::normalization_flags flags) {
  return guarded("batch_normalization_forward", [&] {
    return dnnl::batch_normalization_forward::primitive_desc(
        dnnl::batch_normalization_forward::desc(prop, data, epsilon, flags), default_attr(),
        detail::engine());
  });
}

dnnl::batch_normalization_backward::primitive_desc batch_normalization_backward(
    prop_kind prop, const memory::desc& diff_data, const memory::desc& data, float epsilon,
    dnnl::normalization_flags flags,
    const dnnl::batch_normalization_forward::primitive_desc& hint) {
  return guarded("batch_normalization_backward", [&] {
    return dnnl::batch_normalization_backward::primitive_desc(
        dnnl::batch_normalization_backward::desc(prop, diff_data, data, epsilon, flags),
        default_attr(), detail::engine(), hint);
  });
}

dnnl::inner_product_forward::primitive_desc inner_product_forward(
    prop_kind prop, const memory::desc& src, const memory::desc& weights, const memory::desc& bias,
    const memory::desc& dst, const dnnl::post_ops& post_ops) {
  return guarded("inner_product_forward", [&] {
    auto attr = default_attr();
    attr.set_post_ops(post_ops);
    auto d = has_bias(bias) ? dnnl::inner_product_forward::desc(prop, src, weights, bias, dst)
                            : dnnl::inner_product_forward::desc(prop, src, weights, dst);
    return dnnl::inner_product_forward::primitive_desc(d, attr, detail::engine());
  });
}

dnnl::inner_product_backward_data::primitive_desc inner_product_backward_data(
    const memory::desc& diff_src, const memory::desc& weights, const memory::desc& diff_dst,
    const dnnl::inner_product_forward::primitive_desc& hint) {
  return guarded("inner_product_backward_data", [&] {
    return dnnl::inner_product_backward_data::primitive_desc(
        dnnl::inner_product_backward_data::desc(diff_src, weights, diff_dst), default_attr(),
        detail::engine(), hint);
  });
}

dnnl::inner_product_backward_weights::primitive_desc inner_product_backward_weights(
    const memory::desc& src, const memory::desc& diff_weights, const memory::desc& diff_bias,
    const memory::desc& diff_dst, const dnnl::inner_product_forward::primitive_desc& hint) {
  return guarded("inner_product_backward_weights", [&] {
    auto d =
        has_bias(diff_bias)
            ? dnnl::inner_product_backward_weights::desc(src, diff_weights, diff_bias, diff_dst)
            : dnnl::inner_product_backward_weights::desc(src, diff_weights, diff_dst);
    return dnnl::inner_product_backward_weights::primitive_desc(d, default_attr(), detail::engine(),
                                                                hint);
  });
}

std::string layout_name(const dnnl_memory_desc_t& md) {
  if (md.ndims == 0) return "";
  if (md.format_kind != dnnl_blocked) return "any";
  const auto& b = md.format_desc.blocking;
  std::vector<int> order(static_cast<std::size_t>(md.ndims));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return b.strides[x] > b.strides[y]; });
  std::string name;
  for (int d : order) {
    bool blocked = false;
    for (int k = 0; k < b.inner_nblks; ++k) blocked |= b.inner_idxs[k] == d;
    name += static_cast<char>((blocked ? 'A' : 'a') + d);
  }
  for (int k = 0; k < b.inner_nblks; ++k)
    name += std::to_string(b.inner_blks[k]) + static_cast<char>('a' + b.inner_idxs[k]);
  return name;
}

namespace {

const dnnl_memory_desc_t* query_md(const_dnnl_primitive_desc_t pd, dnnl_query_t what) {
  const dnnl_memory_desc_t* md = dnnl_primitive_desc_query_md(pd, what, 0);
  return md && md->ndims > 0 ? md : nullptr;
}

const dnnl_memory_desc_t* first_md(const_dnnl_primitive_desc_t pd,
                                   std::initializer_list<dnnl_query_t> queries) {
  for (dnnl_query_t q : queries)
    if (const auto* md = query_md(pd, q)) return md;
  return nullptr;
}

double elements(const dnnl_memory_desc_t* md) {
  double n = 1;
  for (int d = 0; d < md->ndims; ++d) n *= static_cast<double>(md->dims[d]);
  return n;
}

// The profiler's record of one execution of `prim` (core/detail/profiler.h).
void record_execution(detail::Profiler& profiler, const dnnl::primitive& prim, double start_us,
                      double duration_us) {
  const_dnnl_primitive_desc_t pd = prim.get_primitive_desc();
  detail::ProfileEvent e;
  e.label = detail::profile_label();
  e.phase = detail::profile_phase();
  e.primitive = true;
  e.start_us = start_us;
  e.duration_us = duration_us;
  dnnl_primitive_kind_t kind = dnnl_undefined_primitive;
  dnnl_primitive_desc_query(pd, dnnl_query_primitive_kind, 0, &kind);
  e.name = dnnl_prim_kind2str(kind);
  const char* impl = nullptr;
  if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
    e.impl = impl;
  dnnl_prop_kind_t prop = dnnl_prop_kind_undef;
  dnnl_primitive_desc_query(pd, dnnl_query_prop_kind, 0, &prop);
  const bool backward_data = prop == dnnl_backward_data || prop == dnnl_backward;
  const bool backward_weights = prop == dnnl_backward_weights;
  // What the primitive reads and writes: activations for forward and backward-data kinds,
  // the activation and the weight gradient for backward-weights.
  const auto* in =
      backward_data ? first_md(pd, {dnnl_query_diff_dst_md}) : first_md(pd, {dnnl_query_src_md});
  const auto* out = backward_data      ? first_md(pd, {dnnl_query_diff_src_md})
                    : backward_weights ? first_md(pd, {dnnl_query_diff_weights_md})
                                       : first_md(pd, {dnnl_query_dst_md});
  if (in) e.src_layout = layout_name(*in);
  if (out) e.dst_layout = layout_name(*out);
  const auto* src = first_md(pd, {dnnl_query_src_md, dnnl_query_diff_src_md});
  const auto* wei = first_md(pd, {dnnl_query_weights_md, dnnl_query_diff_weights_md});
  const auto* dst = first_md(pd, {dnnl_query_dst_md, dnnl_query_diff_dst_md});
  if (src && wei && dst) {
    double macs = 0;
    if (kind == dnnl_convolution)  // per output element: C/G x kernel
      macs = elements(dst) * elements(wei) / static_cast<double>(dst->dims[1]);
    else if (kind == dnnl_deconvolution)  // per input element: F/G x kernel
      macs = elements(src) * elements(wei) / static_cast<double>(src->dims[1]);
    else if (kind == dnnl_inner_product)
      macs = static_cast<double>(dst->dims[0]) * elements(wei);
    else if (kind == dnnl_matmul)
      macs = elements(dst) * static_cast<double>(src->dims[src->ndims - 1]);
    e.flops = 2 * macs;
  }
  profiler.add(std::move(e));
}

}  // namespace

void execute(const dnnl::primitive& prim, const memory::desc& scratchpad_md,
             std::unordered_map<int, memory> args) {
  if (scratchpad_md.get_size() > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD, detail::scratchpad(scratchpad_md));
  detail::Profiler* profiler = detail::Profiler::active();
  const double start = profiler ? profiler->now_us() : 0;
  guarded("execute", [&] {
    prim.execute(detail::stream(), args);
    detail::stream().wait();
    return 0;
  });
  if (profiler) record_execution(*profiler, prim, start, profiler->now_us() - start);
}

}  // namespace keel::dnnl_adapter
