// The one adapter over oneDNN's descriptor-building API.
//
// Debian 12 ships oneDNN 2.6, whose primitives are built from op descriptors
// (`eltwise_forward::desc` then `primitive_desc`); oneDNN 3 removed those. Every call that builds
// a descriptor lives in this file and its .cpp so that moving to v3 touches one place. Every
// primitive descriptor is created with a user-managed scratchpad (see context.h).
//
// Functions return primitive descriptors; callers cache them with their primitives through
// core/primitive_cache.h. oneDNN's own exceptions are turned into BackendError naming the op.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace keel::dnnl_adapter {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;

// A plain (strided) f32 descriptor.
memory::desc plain_desc(const memory::dims& dims, const memory::dims& strides);
// A descriptor whose layout the primitive chooses (format `any`), f32 or of type `type`.
memory::desc any_desc(const memory::dims& dims);
memory::desc any_desc(const memory::dims& dims, memory::data_type type);
// `md` with its elements of type `type`, the layout (dims, blocking, strides) unchanged.
memory::desc with_data_type(const memory::desc& md, memory::data_type type);
// A descriptor with an explicit format tag.
memory::desc tagged_desc(const memory::dims& dims, memory::format_tag tag);
// The plain tag of image data with `ndims` dims (3 to 5): ncw/nchw/ncdhw (channels first) or
// nwc/nhwc/ndhwc (channels last).
memory::format_tag plain_image_tag(int ndims, bool channels_last);

dnnl::primitive_attr default_attr();

dnnl::reorder::primitive_desc reorder(const memory::desc& src, const memory::desc& dst);

dnnl::eltwise_forward::primitive_desc eltwise_forward(prop_kind prop, algorithm alg,
                                                      const memory::desc& src, float alpha,
                                                      float beta);
dnnl::eltwise_backward::primitive_desc eltwise_backward(
    algorithm alg, const memory::desc& diff, const memory::desc& data, float alpha, float beta,
    const dnnl::eltwise_forward::primitive_desc& hint);

dnnl::binary::primitive_desc binary(algorithm alg, const memory::desc& src0,
                                    const memory::desc& src1, const memory::desc& dst);

dnnl::reduction::primitive_desc reduction(algorithm alg, const memory::desc& src,
                                          const memory::desc& dst);

dnnl::matmul::primitive_desc matmul(const memory::desc& a, const memory::desc& b,
                                    const memory::desc& dst);

dnnl::softmax_forward::primitive_desc softmax_forward(prop_kind prop, const memory::desc& src,
                                                      int axis);
dnnl::softmax_backward::primitive_desc softmax_backward(
    const memory::desc& diff, const memory::desc& dst, int axis,
    const dnnl::softmax_forward::primitive_desc& hint);

dnnl::concat::primitive_desc concat(int axis, const std::vector<memory::desc>& srcs,
                                    const memory::desc& dst);

// Convolution and deconvolution ("transposed convolution") share one signature: `Fwd` is
// dnnl::convolution_forward or dnnl::deconvolution_forward, BwdData / BwdWeights likewise.
// `bias` may be a zero memory::desc (no bias); `post_ops` is applied after the bias.
struct ConvGeometry {
  memory::dims strides, dilations, padding_l, padding_r;
  // convolution_direct, _winograd or _auto; deconvolutions are always direct.
  algorithm conv_algorithm = algorithm::convolution_direct;
};

template <typename Fwd>
typename Fwd::primitive_desc conv_forward(prop_kind prop, const memory::desc& src,
                                          const memory::desc& weights, const memory::desc& bias,
                                          const memory::desc& dst, const ConvGeometry& g,
                                          const dnnl::post_ops& post_ops);
template <typename BwdData, typename Fwd>
typename BwdData::primitive_desc conv_backward_data(const memory::desc& diff_src,
                                                    const memory::desc& weights,
                                                    const memory::desc& diff_dst,
                                                    const ConvGeometry& g,
                                                    const typename Fwd::primitive_desc& hint);
template <typename BwdWeights, typename Fwd>
typename BwdWeights::primitive_desc conv_backward_weights(
    const memory::desc& src, const memory::desc& diff_weights, const memory::desc& diff_bias,
    const memory::desc& diff_dst, const ConvGeometry& g, const typename Fwd::primitive_desc& hint);

dnnl::resampling_forward::primitive_desc resampling_forward(prop_kind prop,
                                                            const std::vector<float>& factors,
                                                            const memory::desc& src,
                                                            const memory::desc& dst);
dnnl::resampling_backward::primitive_desc resampling_backward(
    const std::vector<float>& factors, const memory::desc& diff_src, const memory::desc& diff_dst,
    const dnnl::resampling_forward::primitive_desc& hint);

// Pooling: strides, kernel and paddings per spatial axis.
struct PoolGeometry {
  memory::dims strides, kernel, padding_l, padding_r;
};
dnnl::pooling_forward::primitive_desc pooling_forward(prop_kind prop, algorithm alg,
                                                      const memory::desc& src,
                                                      const memory::desc& dst,
                                                      const PoolGeometry& g);
dnnl::pooling_backward::primitive_desc pooling_backward(
    algorithm alg, const memory::desc& diff_src, const memory::desc& diff_dst,
    const PoolGeometry& g, const dnnl::pooling_forward::primitive_desc& hint);

// Batch normalization over every dim but dim 1 (channels) of `data`.
dnnl::batch_normalization_forward::primitive_desc batch_normalization_forward(
    prop_kind prop, const memory::desc& data, float epsilon, dnnl::normalization_flags flags);
// `prop` is backward (diff_src and diff scale/shift) or backward_data (diff_src only; oneDNN
// 2.6 refuses it together with use_scale_shift).
dnnl::batch_normalization_backward::primitive_desc batch_normalization_backward(
    prop_kind prop, const memory::desc& diff_data, const memory::desc& data, float epsilon,
    dnnl::normalization_flags flags, const dnnl::batch_normalization_forward::primitive_desc& hint);

// Inner product (fully connected): weights {OC, IC}. `bias` may be a zero memory::desc.
dnnl::inner_product_forward::primitive_desc inner_product_forward(
    prop_kind prop, const memory::desc& src, const memory::desc& weights, const memory::desc& bias,
    const memory::desc& dst, const dnnl::post_ops& post_ops);
dnnl::inner_product_backward_data::primitive_desc inner_product_backward_data(
    const memory::desc& diff_src, const memory::desc& weights, const memory::desc& diff_dst,
    const dnnl::inner_product_forward::primitive_desc& hint);
dnnl::inner_product_backward_weights::primitive_desc inner_product_backward_weights(
    const memory::desc& src, const memory::desc& diff_weights, const memory::desc& diff_bias,
    const memory::desc& diff_dst, const dnnl::inner_product_forward::primitive_desc& hint);

// oneDNN's name of a layout, as its verbose mode prints it: dims as letters a, b, c... from
// the outermost, upper case where blocked, then the inner blocks ("aBcd16b" is nChw16c).
std::string layout_name(const dnnl_memory_desc_t& md);

// Runs `prim` on the keel stream with `args`, adding the scratchpad `pd` asks for. Reports the
// execution to the thread's profiler, if one is recording (core/detail/profiler.h).
void execute(const dnnl::primitive& prim, const memory::desc& scratchpad_md,
             std::unordered_map<int, memory> args);

// Runs `make` and converts a dnnl::error into BackendError("<what>: ...").
template <typename F>
auto guarded(const char* what, F&& make) -> decltype(make());

[[noreturn]] void rethrow_backend_error(const char* what, const dnnl::error& e);

template <typename F>
auto guarded(const char* what, F&& make) -> decltype(make()) {
  try {
    return make();
  } catch (const dnnl::error& e) {
    rethrow_backend_error(what, e);
  }
}

}  // namespace keel::dnnl_adapter
