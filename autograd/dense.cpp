#include "keel/autograd/dense.h"

#include <string>

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

// oneDNN weight dims {OC, IC} as axes of the Keras kernel (input_dim, output_dim).
const std::vector<int> kWeightAxes{1, 0};

// Checks the shapes; the number of rows of the flattened input.
std::int64_t check_shapes(const Shape& xs, const Shape& ws, const Variable& b) {
  if (ws.rank() != 2)
    throw ShapeError(
        fmt::str("dense: kernel of shape ", ws, " must have rank 2 (input_dim, output_dim)"));
  const std::int64_t in = ws[0], out = ws[1];
  if (xs.rank() < 2 || xs[xs.rank() - 1] != in)
    throw ShapeError(fmt::str("dense: input of shape ", xs, " does not fit the kernel of shape ",
                              ws, ", expected rank >= 2 and a last axis of ", in));
  if (b.defined() && !(b.shape() == Shape{out}))
    throw ShapeError(fmt::str("dense: bias of shape ", b.shape(), ", expected (", out, ",)"));
  return in > 0 ? xs.numel() / in : 0;
}

std::shared_ptr<const CachedPrimitive<dnnl::inner_product_forward>> forward_primitive(
    const memory::desc& x2_md, std::int64_t in, std::int64_t out, bool has_bias,
    FusedActivation activation, bool training) {
  const prop_kind prop = training ? prop_kind::forward_training : prop_kind::forward_inference;
  const memory::desc bias_md =
      has_bias ? adapter::tagged_desc({out}, memory::format_tag::a) : memory::desc();
  const memory::desc dst_md = row_major_desc(Shape{x2_md.dims()[0], out});
  // Under BFloat16Compute (core/context.h): bf16 source and weights, f32 output; f32 where
  // oneDNN has no bf16 kernel, and for fewer than kBf16MinRows rows: the kernel's bf16 copy is
  // made anew after every update (in x out elements read as f32, written as bf16, and the f32
  // gradient converted back), which costs more than bf16 saves on a few rows' multiply-adds
  // (ResNet50's fc1000 at batch 8: backward 2.9 ms in f32, 11.3 in bf16).
  constexpr std::int64_t kBf16MinRows = 64;
  const bool bf16 = bf16_compute() && x2_md.dims()[0] >= kBf16MinRows;
  CacheKey key("dense_fwd");
  key << prop << x2_md << out << has_bias << activation << bf16;
  return cached_primitive<dnnl::inner_product_forward>(key, [&] {
    if (bf16) {
      try {
        return adapter::inner_product_forward(
            prop, adapter::with_data_type(x2_md, memory::data_type::bf16),
            adapter::any_desc({out, in}, memory::data_type::bf16), bias_md, dst_md,
            fused_post_ops(activation));
      } catch (const BackendError&) {
        // no bf16 kernel: f32 below
      }
    }
    return adapter::inner_product_forward(prop, x2_md, adapter::any_desc({out, in}), bias_md,
                                          dst_md, fused_post_ops(activation));
  });
}

}  // namespace

Layout dense_weights_layout(const Shape& x_shape, const Shape& W_shape, bool has_bias,
                            FusedActivation activation, bool training) {
  const std::int64_t rows = check_shapes(x_shape, W_shape, Variable());
  const std::int64_t in = W_shape[0], out = W_shape[1];
  // Where the kernel's (f32) master copy lives: the primitive's layout, in f32.
  return {adapter::with_data_type(forward_primitive(row_major_desc(Shape{rows, in}), in, out,
                                                    has_bias, activation, training)
                                      ->pd.weights_desc(),
                                  memory::data_type::f32),
          kWeightAxes};
}

Variable dense(const Variable& x, const Variable& W, const Variable& b,
               FusedActivation activation) {
  const Shape& xs = x.shape();
  const std::int64_t rows = check_shapes(xs, W.shape(), b);
  const std::int64_t in = W.shape()[0], out = W.shape()[1];
  const bool has_bias = b.defined();
  const Shape y_shape = xs.with_dim(xs.rank() - 1, out);
  const Tensor x2 = x.value().to_plain().reshape(Shape{rows, in});
  const bool needs_weights_grad = W.requires_grad() || (has_bias && b.requires_grad());
  const bool training = is_recording() && (x.requires_grad() || needs_weights_grad);
  const memory::desc bias_md =
      has_bias ? adapter::tagged_desc({out}, memory::format_tag::a) : memory::desc();
  auto fwd = forward_primitive(x2.desc(), in, out, has_bias, activation, training);
  // As in convolution: a kernel kept in the training layout is read by the training primitive
  // in inference too, instead of being copied into the inference layout.
  if (!training && !W.value().is_plain())
    if (auto t = forward_primitive(x2.desc(), in, out, has_bias, activation, true);
        adapter::with_data_type(t->pd.weights_desc(), memory::data_type::f32) == W.value().desc())
      fwd = std::move(t);

  const Tensor x_src = x2.to_desc(fwd->pd.src_desc());
  // The kernel as the primitive reads it: the value itself when the Dense layer keeps it in
  // this layout (the weight-layout rule, autograd/variable.h), else a copy kept until it changes.
  const Tensor w_compute = W.value_in({fwd->pd.weights_desc(), kWeightAxes});
  // The layout the kernel gradient is handed back in: the compute kernel's, or under bf16 the
  // f32 master kernel's own (where the optimizer updates it).
  const memory::data_type low = fwd->pd.src_desc().data_type();
  const Tensor w_master = low != memory::data_type::f32 ? W.value() : w_compute;
  Tensor y2 = Tensor::empty_like_desc(Shape{rows, out}, fwd->pd.dst_desc());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x_src.memory()},
                                       {DNNL_ARG_WEIGHTS, w_compute.memory()},
                                       {DNNL_ARG_DST, y2.memory()}};
  if (has_bias) args.emplace(DNNL_ARG_BIAS, b.value().to_plain().memory());
  if (rows > 0) fwd->run(std::move(args));
  Tensor y = y2.to_plain().reshape(y_shape);
  if (!training) return Variable(std::move(y));

  std::vector<Variable> inputs{x, W};
  if (has_bias) inputs.push_back(b);
  const Tensor x_saved = x_src, w_saved = w_compute, w_master_saved = w_master;
  const Tensor y_saved = activation != FusedActivation::none ? y2 : Tensor();
  return record(
      "dense", std::move(y), inputs,
      [fwd, x_saved, w_saved, w_master_saved, y_saved, activation, has_bias, x_shape = xs,
       w_shape = W.shape(), bias_md, rows, in, out,
       low](const Tensor& g, const std::vector<bool>& needs) {
        Tensor g2 = g.to_plain().reshape(Shape{rows, out}).to_desc(fwd->pd.dst_desc());
        g2 = fused_activation_backward(activation, g2, y_saved);
        g2 = g2.to_desc(adapter::with_data_type(g2.desc(), low));  // bf16 under BFloat16Compute
        std::vector<Tensor> grads(has_bias ? 3 : 2);

        if (needs[0]) {
          CacheKey key("dense_bwd_data");
          key << fwd->pd.src_desc() << w_saved.desc() << g2.desc();
          auto bwd = cached_primitive<dnnl::inner_product_backward_data>(key, [&] {
            return adapter::inner_product_backward_data(
                adapter::with_data_type(fwd->pd.src_desc(), memory::data_type::f32),
                adapter::any_desc({out, in}, low), g2.desc(), fwd->pd);
          });
          const Tensor w_bwd = w_saved.to_desc(bwd->pd.weights_desc());
          const Tensor g_bwd = g2.to_desc(bwd->pd.diff_dst_desc());
          Tensor dx = Tensor::empty_like_desc(Shape{rows, in}, bwd->pd.diff_src_desc());
          if (rows > 0)
            bwd->run({{DNNL_ARG_DIFF_DST, g_bwd.memory()},
                      {DNNL_ARG_WEIGHTS, w_bwd.memory()},
                      {DNNL_ARG_DIFF_SRC, dx.memory()}});
          grads[0] = dx.to_plain().reshape(x_shape);
        }

        if (needs[1] || (has_bias && needs[2])) {
          CacheKey key("dense_bwd_weights");
          key << x_saved.desc() << has_bias << g2.desc();
          auto bwd = cached_primitive<dnnl::inner_product_backward_weights>(key, [&] {
            return adapter::inner_product_backward_weights(
                x_saved.desc(), adapter::any_desc({out, in}), bias_md, g2.desc(), fwd->pd);
          });
          const Tensor src = x_saved.to_desc(bwd->pd.src_desc());
          const Tensor g_bwd = g2.to_desc(bwd->pd.diff_dst_desc());
          Tensor dw = Tensor::empty_like_desc(w_shape, bwd->pd.diff_weights_desc(), kWeightAxes);
          std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src.memory()},
                                               {DNNL_ARG_DIFF_DST, g_bwd.memory()},
                                               {DNNL_ARG_DIFF_WEIGHTS, dw.memory()}};
          Tensor db;
          if (has_bias) {
            db = Tensor::empty(Shape{out});
            args.emplace(DNNL_ARG_DIFF_BIAS, db.memory());
          }
          if (rows > 0) {
            bwd->run(std::move(args));
          } else {
            dw.fill(0.f);
            if (has_bias) db.fill(0.f);
          }
          // The kernel gradient in the layout the kernel is stored in (the forward primitive's):
          // the optimizer updates it there without a reorder.
          grads[1] = dw.to_layout(w_master_saved.desc(), w_master_saved.axes());
          if (has_bias) grads[2] = std::move(db);
        }
        return grads;
      },
      /*reads: x and the kernel*/ 0b011);
}

}  // namespace keel
