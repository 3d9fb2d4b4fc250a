// layer_bench: each convolution layer's forward and backward in keel next to the raw oneDNN
// primitives on the same shapes (formats chosen by oneDNN, inputs already in them: the limit).
// Prints one row per layer and direction with the ratio keel / raw; the goal is <= 1.05.
//
//   layer_bench [--runs N] [--filter SUBSTRING]
#include <keel/keel.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"

using namespace keel;
using dnnl::memory;
using tag = dnnl::memory::format_tag;

namespace {

int g_runs = 7;

memory::desc any(const memory::dims& d) { return {d, memory::data_type::f32, tag::any}; }

memory make(const memory::desc& md) {
  auto m = memory(md, detail::engine());
  // Fill with small values so that denormals do not skew timings.
  auto* p = static_cast<float*>(m.get_data_handle());
  for (std::size_t i = 0; i < md.get_size() / 4; ++i) p[i] = 0.01f * static_cast<float>(i % 7);
  return m;
}

// One scratchpad buffer, grown on demand and reused, as keel does (core/context.h): a fresh one
// per call would add page faults to every run (Winograd's scratchpad holds transformed tiles).
void* scratch_buffer(std::size_t bytes) {
  static std::vector<float> buffer;
  if (buffer.size() * sizeof(float) < bytes) buffer.assign(bytes / sizeof(float) + 16, 0.f);
  return buffer.data();
}

void run(dnnl::primitive& p, std::unordered_map<int, memory> args, const memory::desc& scratch) {
  if (scratch.get_size())
    args.emplace(DNNL_ARG_SCRATCHPAD,
                 memory(scratch, detail::engine(), scratch_buffer(scratch.get_size())));
  p.execute(detail::stream(), args);
  detail::stream().wait();
}

// The raw primitives of one convolution: forward, backward-data (unless first layer) and
// backward-weights, created with `any` formats and run on memories already in those formats.
struct Raw {
  double fwd = 0, bwd = 0;
  memory::desc src;  // the source layout the forward primitive chose
};

template <typename Fwd, typename BwdData, typename BwdWeights, dnnl::algorithm Alg>
Raw raw_conv(const memory::dims& src, const memory::dims& wei, const memory::dims& dst,
             const memory::dims& strides, const memory::dims& pl, const memory::dims& pr,
             bool need_dx, int groups_dims = 0) {
  (void)groups_dims;
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const memory::dims dil(strides.size(), 0);
  const memory::desc bias({dst[1]}, memory::data_type::f32, tag::a);
  auto& eng = detail::engine();
  typename Fwd::primitive_desc fpd(
      typename Fwd::desc(dnnl::prop_kind::forward_training, Alg, any(src), any(wei), bias, any(dst),
                         strides, dil, pl, pr),
      attr, eng);
  Fwd fwd(fpd);
  auto x = make(fpd.src_desc()), w = make(fpd.weights_desc()), b = make(bias),
       y = make(fpd.dst_desc());
  Raw r;
  r.src = fpd.src_desc();
  r.fwd =
      bench::time_ms(
          [&] {
            run(fwd,
                {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, y}},
                fpd.scratchpad_desc());
          },
          g_runs)
          .median_ms;
  typename BwdWeights::primitive_desc wpd(
      typename BwdWeights::desc(Alg, fpd.src_desc(), any(wei), bias, fpd.dst_desc(), strides, dil,
                                pl, pr),
      attr, eng, fpd);
  BwdWeights bw(wpd);
  auto dw = make(wpd.diff_weights_desc()), db = make(bias), dy = make(wpd.diff_dst_desc());
  auto src_w = make(wpd.src_desc());
  r.bwd = bench::time_ms(
              [&] {
                run(bw,
                    {{DNNL_ARG_SRC, src_w},
                     {DNNL_ARG_DIFF_DST, dy},
                     {DNNL_ARG_DIFF_WEIGHTS, dw},
                     {DNNL_ARG_DIFF_BIAS, db}},
                    wpd.scratchpad_desc());
              },
              g_runs)
              .median_ms;
  if (need_dx) {
    typename BwdData::primitive_desc dpd(
        typename BwdData::desc(Alg, fpd.src_desc(), any(wei), fpd.dst_desc(), strides, dil, pl, pr),
        attr, eng, fpd);
    BwdData bd(dpd);
    auto dx = make(dpd.diff_src_desc()), wd = make(dpd.weights_desc()),
         dyd = make(dpd.diff_dst_desc());
    r.bwd +=
        bench::time_ms(
            [&] {
              run(bd, {{DNNL_ARG_DIFF_DST, dyd}, {DNNL_ARG_WEIGHTS, wd}, {DNNL_ARG_DIFF_SRC, dx}},
                  dpd.scratchpad_desc());
            },
            g_runs)
            .median_ms;
  }
  return r;
}

// keel: the layer's forward in training mode (recorded on a tape), then the gradient of its
// input (unless first layer) and of its weights for an upstream gradient dy.
// An inner layer gets its input in the layout the previous oneDNN layer left it in (`src`,
// the layout the raw primitive chose); the first layer gets plain user data and needs no dx.
Raw keel_layer(layers::Layer& layer, const Shape& input, bool need_dx, const memory::desc& src,
               const Tensor::Axes& data_axes) {
  set_seed(1);
  Tensor x_value = Tensor::random_uniform(input, -1.f, 1.f);
  if (need_dx) x_value = x_value.to_layout(src, data_axes);
  const Variable x(x_value, need_dx);
  layer.build(input);
  std::vector<Variable> sources = layer.trainable_weights();
  if (need_dx) sources.insert(sources.begin(), x);
  Raw r;
  r.fwd = bench::time_ms(
              [&] {
                Tape tape;
                (void)layer(x);
              },
              g_runs)
              .median_ms;
  // The upstream gradient arrives in the layout of the layer's output, as it does from the
  // next oneDNN layer; a persistent tape lets the backward be timed on its own.
  Tape tape(/*persistent=*/true);
  const Variable y = layer(x);
  const Tensor dy =
      Tensor::random_uniform(y.shape(), -1.f, 1.f).to_layout(y.value().desc(), y.value().axes());
  r.bwd = bench::time_ms([&] { (void)tape.gradient(y, sources, {.output_gradient = dy}); }, g_runs)
              .median_ms;
  return r;
}

// One SGD training step of `layer` (forward, input and weight gradients, update and the
// weights' constraints), its input in the layout the previous oneDNN layer leaves.
double train_step_ms(layers::Layer& layer, const Shape& input, const memory::desc& src,
                     const Tensor::Axes& data_axes) {
  set_seed(1);
  const Variable x(Tensor::random_uniform(input, -1.f, 1.f).to_layout(src, data_axes), true);
  layer.build(input);
  optimizers::SGD sgd({.lr = 1e-4f});
  Tensor dy;
  return bench::time_ms(
             [&] {
               Tape tape;
               const Variable y = layer(x);
               if (!dy.defined())
                 dy = Tensor::random_uniform(y.shape(), -1.f, 1.f).to_layout(y.value().layout());
               std::vector<Variable> sources = layer.trainable_weights();
               sources.insert(sources.begin(), x);
               std::vector<Tensor> g = tape.gradient(y, sources, {.output_gradient = dy});
               g.erase(g.begin());
               sgd.apply(g, layer.trainable_weights());
             },
             g_runs)
      .median_ms;
}

struct Row {
  std::string name;
  std::function<std::unique_ptr<layers::Layer>()> make;
  Shape input;
  std::function<Raw()> raw;
  bool need_dx;
  Tensor::Axes data_axes;
};

}  // namespace

int main(int argc, char** argv) {
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
      g_runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--filter") && i + 1 < argc)
      filter = argv[++i];
  }
  using namespace keel::layers;
  using CF = dnnl::convolution_forward;
  using CBD = dnnl::convolution_backward_data;
  using CBW = dnnl::convolution_backward_weights;
  using DF = dnnl::deconvolution_forward;
  using DBD = dnnl::deconvolution_backward_data;
  using DBW = dnnl::deconvolution_backward_weights;
  constexpr auto conv = dnnl::algorithm::convolution_direct;
  constexpr auto deconv = dnnl::algorithm::deconvolution_direct;
  const std::int64_t N = 32;

  std::vector<Row> rows = {
      {"Conv2D 3x3 64->64 56x56 same",
       [] {
         return std::make_unique<Convolution2D>(64, 3, 3,
                                                Convolution2DOptions{.border_mode = "same"});
       },
       Shape{N, 56, 56, 64},
       [&] {
         return raw_conv<CF, CBD, CBW, conv>({N, 64, 56, 56}, {64, 64, 3, 3}, {N, 64, 56, 56},
                                             {1, 1}, {1, 1}, {1, 1}, true);
       },
       true,
       {0, 3, 1, 2}},
      {"Conv2D 3x3 128->128 28x28 same",
       [] {
         return std::make_unique<Convolution2D>(128, 3, 3,
                                                Convolution2DOptions{.border_mode = "same"});
       },
       Shape{N, 28, 28, 128},
       [&] {
         return raw_conv<CF, CBD, CBW, conv>({N, 128, 28, 28}, {128, 128, 3, 3}, {N, 128, 28, 28},
                                             {1, 1}, {1, 1}, {1, 1}, true);
       },
       true,
       {0, 3, 1, 2}},
      {"Conv2D 3x3 256->256 14x14 same",
       [] {
         return std::make_unique<Convolution2D>(256, 3, 3,
                                                Convolution2DOptions{.border_mode = "same"});
       },
       Shape{N, 14, 14, 256},
       [&] {
         return raw_conv<CF, CBD, CBW, conv>({N, 256, 14, 14}, {256, 256, 3, 3}, {N, 256, 14, 14},
                                             {1, 1}, {1, 1}, {1, 1}, true);
       },
       true,
       {0, 3, 1, 2}},
      {"Conv2D 7x7/2 3->64 224 (first)",
       [] {
         return std::make_unique<Convolution2D>(
             64, 7, 7, Convolution2DOptions{.border_mode = "same", .subsample = {2, 2}});
       },
       Shape{N, 224, 224, 3},
       [&] {
         return raw_conv<CF, CBD, CBW, conv>({N, 3, 224, 224}, {64, 3, 7, 7}, {N, 64, 112, 112},
                                             {2, 2}, {2, 2}, {3, 3}, false);
       },
       false,
       {0, 3, 1, 2}},
      {"Conv2D th 3x3 64->64 56x56",
       [] {
         return std::make_unique<Convolution2D>(
             64, 3, 3, Convolution2DOptions{.border_mode = "same", .dim_ordering = "th"});
       },
       Shape{N, 64, 56, 56},
       [&] {
         return raw_conv<CF, CBD, CBW, conv>({N, 64, 56, 56}, {64, 64, 3, 3}, {N, 64, 56, 56},
                                             {1, 1}, {1, 1}, {1, 1}, true);
       },
       true,
       {0, 1, 2, 3}},
      {"Conv3D 3x3x3 32->32 16^3 same",
       [] {
         return std::make_unique<Convolution3D>(32, 3, 3, 3,
                                                Convolution3DOptions{.border_mode = "same"});
       },
       Shape{N, 16, 16, 16, 32},
       [&] {
         return raw_conv<CF, CBD, CBW, conv>({N, 32, 16, 16, 16}, {32, 32, 3, 3, 3},
                                             {N, 32, 16, 16, 16}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1},
                                             true);
       },
       true,
       {0, 4, 1, 2, 3}},
      {"Deconv2D 3x3/2 64->32 28->56",
       [] {
         return std::make_unique<Deconvolution2D>(
             32, 3, 3, Deconvolution2DOptions{.border_mode = "same", .subsample = {2, 2}});
       },
       Shape{N, 28, 28, 64},
       [&] {
         return raw_conv<DF, DBD, DBW, deconv>({N, 64, 28, 28}, {32, 64, 3, 3}, {N, 32, 56, 56},
                                               {2, 2}, {0, 0}, {1, 1}, true);
       },
       true,
       {0, 3, 1, 2}},
  };

  std::printf("%-34s %10s %10s %7s %10s %10s %7s\n", "layer (batch 32)", "keel fwd", "raw fwd",
              "ratio", "keel bwd", "raw bwd", "ratio");
  for (auto& row : rows) {
    if (!filter.empty() && row.name.find(filter) == std::string::npos) continue;
    auto layer = row.make();
    const Raw r = row.raw();
    const Raw k = keel_layer(*layer, row.input, row.need_dx, r.src, row.data_axes);
    std::printf("%-34s %8.2fms %8.2fms %7.3f %8.2fms %8.2fms %7.3f\n", row.name.c_str(), k.fwd,
                r.fwd, k.fwd / r.fwd, k.bwd, r.bwd, k.bwd / r.bwd);
    std::fflush(stdout);
  }

  // algorithm = "winograd": the keel layer against the raw Winograd primitives, and the speedup
  // over the direct layer (goal: >= 1.5x on 3x3 stride-1 layers with C >= 64).
  if (filter.empty() || filter == "winograd") {
    constexpr auto wino = dnnl::algorithm::convolution_winograd;
    std::printf("\n%-34s %10s %10s %7s %10s %10s %7s %9s %9s\n", "winograd (batch 32)", "keel fwd",
                "raw fwd", "ratio", "keel bwd", "raw bwd", "ratio", "fwd gain", "bwd gain");
    for (const auto& [c, hw] :
         std::vector<std::pair<std::int64_t, std::int64_t>>{{64, 56}, {128, 28}, {256, 14}}) {
      const Shape in{N, hw, hw, c};
      const Raw rd = raw_conv<CF, CBD, CBW, conv>({N, c, hw, hw}, {c, c, 3, 3}, {N, c, hw, hw},
                                                  {1, 1}, {1, 1}, {1, 1}, true);
      const Raw rw = raw_conv<CF, CBD, CBW, wino>({N, c, hw, hw}, {c, c, 3, 3}, {N, c, hw, hw},
                                                  {1, 1}, {1, 1}, {1, 1}, true);
      Convolution2D direct(c, 3, 3, {.border_mode = "same"});
      Convolution2D winograd(c, 3, 3, {.border_mode = "same", .algorithm = "winograd"});
      const Raw kd = keel_layer(direct, in, true, rd.src, {0, 3, 1, 2});
      const Raw kw = keel_layer(winograd, in, true, rw.src, {0, 3, 1, 2});
      const std::string name = "Conv2D 3x3 " + std::to_string(c) + "->" + std::to_string(c) + " " +
                               std::to_string(hw) + "x" + std::to_string(hw);
      std::printf("%-34s %8.2fms %8.2fms %7.3f %8.2fms %8.2fms %7.3f %8.2fx %8.2fx\n", name.c_str(),
                  kw.fwd, rw.fwd, kw.fwd / rw.fwd, kw.bwd, rw.bwd, kw.bwd / rw.bwd, kd.fwd / kw.fwd,
                  kd.bwd / kw.bwd);
      std::fflush(stdout);
    }
  }

  // A weight constraint runs in the kernel's own layout: a constrained layer's training step
  // costs what the unconstrained one does (goal: within 3%).
  if (filter.empty() || filter == "constraint") {
    const Raw r = raw_conv<CF, CBD, CBW, conv>({N, 64, 56, 56}, {64, 64, 3, 3}, {N, 64, 56, 56},
                                               {1, 1}, {1, 1}, {1, 1}, true);
    Convolution2D plain(64, 3, 3, {.border_mode = "same"});
    Convolution2D constrained(
        64, 3, 3, {.border_mode = "same", .W_constraint = constraints::maxnorm(2.f, {0, 1, 2})});
    const Shape in{N, 56, 56, 64};
    const double a = train_step_ms(plain, in, r.src, {0, 3, 1, 2});
    const double b = train_step_ms(constrained, in, r.src, {0, 3, 1, 2});
    std::printf("\n%-34s %10s %10s %7s\n", "SGD step (batch 32)", "plain", "maxnorm", "ratio");
    std::printf("%-34s %8.2fms %8.2fms %7.3f\n", "Conv2D 3x3 64->64 56x56 same", a, b, b / a);
  }
  return 0;
}
