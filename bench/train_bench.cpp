// train_bench: the flagship model's speed — one training step at batch 128, predict at batch
// 128 and 1, peak RSS — next to the limit (the sum of the raw oneDNN primitive times of the same
// step) and, when Debian's python3-torch is installed, the same model in PyTorch measured now.
//
//   train_bench [--runs N] [--threads T]
#include <keel/keel.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "../examples/flagship_model.h"
#include "harness.h"

using namespace keel;
using dnnl::memory;
using tag = memory::format_tag;

namespace {

memory::desc any(const memory::dims& d) { return {d, memory::data_type::f32, tag::any}; }

memory make(const memory::desc& md) {
  memory m(md, detail::engine());
  std::memset(m.get_data_handle(), 0, md.get_size());
  return m;
}

// Runs a primitive with its scratchpad and returns a timing closure.
struct Prim {
  dnnl::primitive p;
  std::unordered_map<int, memory> args;
  void run() {
    p.execute(detail::stream(), args);
    detail::stream().wait();
  }
};

template <typename PD>
Prim prim(const PD& pd, std::unordered_map<int, memory> args) {
  if (pd.scratchpad_desc().get_size())
    args.emplace(DNNL_ARG_SCRATCHPAD, make(pd.scratchpad_desc()));
  return {dnnl::primitive(pd), std::move(args)};
}

// The oneDNN primitives of one training step of the flagship model at batch N, layouts chosen
// by oneDNN, inputs already in them: convolutions (forward with bias+relu, the relu's backward,
// backward data for the second, backward weights for both), max pooling forward/backward, the
// two inner products forward/backward (with the first one's relu backward). Dropout, softmax,
// the loss and the optimizer update are left out: the limit.
double raw_step_ms(std::int64_t N, int runs) {
  auto& eng = detail::engine();
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::post_ops relu;
  relu.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  dnnl::primitive_attr relu_attr;  // not a copy of attr: primitive_attr copies share one object
  relu_attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  relu_attr.set_post_ops(relu);
  std::vector<Prim> ps;
  auto relu_backward = [&](const memory::desc& y) {
    dnnl::eltwise_forward::primitive_desc hint(
        {dnnl::prop_kind::forward_training, dnnl::algorithm::eltwise_relu_use_dst_for_bwd, y, 0.f,
         0.f},
        attr, eng);
    dnnl::eltwise_backward::primitive_desc b(
        {dnnl::algorithm::eltwise_relu_use_dst_for_bwd, y, y, 0.f, 0.f}, attr, eng, hint);
    ps.push_back(prim(
        b, {{DNNL_ARG_DST, make(y)}, {DNNL_ARG_DIFF_DST, make(y)}, {DNNL_ARG_DIFF_SRC, make(y)}}));
  };
  auto conv = [&](memory::dims src, memory::dims wei, memory::dims dst, bool need_dx) {
    const memory::desc bias({wei[0]}, memory::data_type::f32, tag::a);
    dnnl::convolution_forward::primitive_desc f({dnnl::prop_kind::forward_training,
                                                 dnnl::algorithm::convolution_direct,
                                                 any(src),
                                                 any(wei),
                                                 bias,
                                                 any(dst),
                                                 {1, 1},
                                                 {0, 0},
                                                 {0, 0},
                                                 {0, 0}},
                                                relu_attr, eng);
    ps.push_back(prim(f, {{DNNL_ARG_SRC, make(f.src_desc())},
                          {DNNL_ARG_WEIGHTS, make(f.weights_desc())},
                          {DNNL_ARG_BIAS, make(bias)},
                          {DNNL_ARG_DST, make(f.dst_desc())}}));
    dnnl::convolution_backward_weights::primitive_desc w({dnnl::algorithm::convolution_direct,
                                                          f.src_desc(),
                                                          any(wei),
                                                          bias,
                                                          f.dst_desc(),
                                                          {1, 1},
                                                          {0, 0},
                                                          {0, 0},
                                                          {0, 0}},
                                                         attr, eng, f);
    ps.push_back(prim(w, {{DNNL_ARG_SRC, make(w.src_desc())},
                          {DNNL_ARG_DIFF_DST, make(w.diff_dst_desc())},
                          {DNNL_ARG_DIFF_WEIGHTS, make(w.diff_weights_desc())},
                          {DNNL_ARG_DIFF_BIAS, make(bias)}}));
    if (need_dx) {
      dnnl::convolution_backward_data::primitive_desc d({dnnl::algorithm::convolution_direct,
                                                         f.src_desc(),
                                                         any(wei),
                                                         f.dst_desc(),
                                                         {1, 1},
                                                         {0, 0},
                                                         {0, 0},
                                                         {0, 0}},
                                                        attr, eng, f);
      ps.push_back(prim(d, {{DNNL_ARG_DIFF_DST, make(d.diff_dst_desc())},
                            {DNNL_ARG_WEIGHTS, make(d.weights_desc())},
                            {DNNL_ARG_DIFF_SRC, make(d.diff_src_desc())}}));
    }
    relu_backward(f.dst_desc());
    return f.dst_desc();
  };
  conv({N, 1, 28, 28}, {32, 1, 3, 3}, {N, 32, 26, 26}, false);
  const memory::desc c2 = conv({N, 32, 26, 26}, {64, 32, 3, 3}, {N, 64, 24, 24}, true);
  dnnl::pooling_forward::primitive_desc pf({dnnl::prop_kind::forward_training,
                                            dnnl::algorithm::pooling_max,
                                            c2,
                                            any({N, 64, 12, 12}),
                                            {2, 2},
                                            {2, 2},
                                            {0, 0},
                                            {0, 0}},
                                           attr, eng);
  auto ws = make(pf.workspace_desc());
  ps.push_back(prim(
      pf,
      {{DNNL_ARG_SRC, make(c2)}, {DNNL_ARG_DST, make(pf.dst_desc())}, {DNNL_ARG_WORKSPACE, ws}}));
  dnnl::pooling_backward::primitive_desc pb(
      {dnnl::algorithm::pooling_max, c2, pf.dst_desc(), {2, 2}, {2, 2}, {0, 0}, {0, 0}}, attr, eng,
      pf);
  ps.push_back(prim(pb, {{DNNL_ARG_DIFF_DST, make(pf.dst_desc())},
                         {DNNL_ARG_DIFF_SRC, make(c2)},
                         {DNNL_ARG_WORKSPACE, ws}}));
  auto dense = [&](std::int64_t in, std::int64_t out, bool need_dx) {
    const memory::desc src({N, in}, memory::data_type::f32, tag::nc),
        dst({N, out}, memory::data_type::f32, tag::nc);
    const memory::desc bias({out}, memory::data_type::f32, tag::a);
    dnnl::inner_product_forward::primitive_desc f(
        {dnnl::prop_kind::forward_training, src, any({out, in}), bias, dst}, attr, eng);
    ps.push_back(prim(f, {{DNNL_ARG_SRC, make(src)},
                          {DNNL_ARG_WEIGHTS, make(f.weights_desc())},
                          {DNNL_ARG_BIAS, make(bias)},
                          {DNNL_ARG_DST, make(dst)}}));
    dnnl::inner_product_backward_weights::primitive_desc w({src, any({out, in}), bias, dst}, attr,
                                                           eng, f);
    ps.push_back(prim(w, {{DNNL_ARG_SRC, make(src)},
                          {DNNL_ARG_DIFF_DST, make(dst)},
                          {DNNL_ARG_DIFF_WEIGHTS, make(w.diff_weights_desc())},
                          {DNNL_ARG_DIFF_BIAS, make(bias)}}));
    if (need_dx) {
      dnnl::inner_product_backward_data::primitive_desc d({src, any({out, in}), dst}, attr, eng, f);
      ps.push_back(prim(d, {{DNNL_ARG_DIFF_DST, make(dst)},
                            {DNNL_ARG_WEIGHTS, make(d.weights_desc())},
                            {DNNL_ARG_DIFF_SRC, make(src)}}));
    }
  };
  dense(9216, 128, true);
  relu_backward({{N, 128}, memory::data_type::f32, tag::nc});
  dense(128, 10, true);
  double total = 0;
  for (auto& p : ps) total += bench::time_ms([&] { p.run(); }, runs).median_ms;
  return total;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs"))
      runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads"))
      set_num_threads(std::atoi(argv[i + 1]));
  }
  set_seed(0);
  auto model = examples::flagship_model();
  model->compile(std::make_shared<optimizers::Adam>(), "categorical_crossentropy", {"accuracy"});
  const Tensor x128 = Tensor::random_uniform({128, 28, 28, 1});
  std::vector<float> labels(128 * 10, 0.f);
  for (int i = 0; i < 128; ++i) labels[static_cast<std::size_t>(i * 10 + i % 10)] = 1.f;
  const Tensor y128 = Tensor::from_data({128, 10}, labels);
  const Tensor x1 = slice_rows(x128, 0, 1);

  const double step = bench::time_ms([&] { model->train_on_batch(x128, y128); }, runs).median_ms;
  const double p128 = bench::time_ms([&] { (void)model->predict_on_batch(x128); }, runs).median_ms;
  const double p1 = bench::time_ms([&] { (void)model->predict_on_batch(x1); }, runs * 10).median_ms;
  const double rss = peak_rss_mib();
  const double raw = raw_step_ms(128, runs);

  std::printf("flagship model, batch 128, %d threads\n", num_threads());
  std::printf("%-28s %12s %12s\n", "", "keel", "limit");
  std::printf("%-28s %10.2fms %10.2fms  (keel / limit %.3f)\n", "training step", step, raw,
              step / raw);
  std::printf("%-28s %12.0f %12.0f\n", "training img/s", 128e3 / step, 128e3 / raw);
  std::printf("%-28s %12.0f\n", "predict img/s (batch 128)", 128e3 / p128);
  std::printf("%-28s %12.0f\n", "predict img/s (batch 1)", 1e3 / p1);
  std::printf("%-28s %10.0fMiB\n", "peak RSS", rss);

  // Where the step goes (keel::profile, the same step): every primitive by kind, then the
  // time outside primitives by owner.
  const ProfileReport prof = profile(*model, x128, y128, {.iterations = runs, .warmup = 0});
  std::printf("\nthe step, profiled: %.2f ms = primitives %.2f ms + outside them %.2f ms\n",
              prof.step_ms, prof.primitive_ms, prof.step_ms - prof.primitive_ms);
  std::printf("  primitives by kind:");
  for (const auto& [kind, ms] : prof.primitive_ms_by_kind)
    std::printf(" %s %.2f", kind.c_str(), ms);
  std::printf("\n  outside primitives:");
  double dropout = 0, layers = 0, loss = 0, update = 0, other = 0;
  for (const LayerProfile& l : prof.layers) {
    const double outside = l.forward_ms + l.backward_ms - l.primitive_ms;
    if (l.class_name == "Dropout")
      dropout += outside;  // the masks
    else if (l.name == "(loss)")
      loss += outside;
    else if (l.name == "(optimizer)")
      update += outside;
    else if (l.name == "(other)")
      other += outside;
    else
      layers += outside;
  }
  std::printf(
      " dropout masks %.2f, optimizer update %.2f, loss %.2f, layers' own code %.2f, "
      "tape bookkeeping and gradient sums %.2f (ms)\n",
      dropout, update, loss, layers, other);
  std::printf(
      "  reorders (in the primitives above): %.2f ms\n",
      prof.primitive_ms_by_kind.count("reorder") ? prof.primitive_ms_by_kind.at("reorder") : 0.0);

  // PyTorch on the same machine, now, when Debian's python3-torch is there.
  const std::string script = std::filesystem::path(__FILE__).parent_path() / "torch_flagship.py";
  if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") == 0 &&
      std::filesystem::exists(script)) {
    const std::string cmd = "/usr/bin/python3 " + script + " " + std::to_string(num_threads()) +
                            " " + std::to_string(runs);
    if (FILE* p = popen(cmd.c_str(), "r")) {
      double t_train = 0, t_p128 = 0, t_p1 = 0, t_rss = 0;
      const int n = std::fscanf(p, "%lf %lf %lf %lf", &t_train, &t_p128, &t_p1, &t_rss);
      pclose(p);
      if (n == 4) {
        std::printf("\n%-28s %12s %12s %8s\n", "", "keel", "pytorch", "ratio");
        std::printf("%-28s %12.0f %12.0f %8.2fx\n", "training img/s", 128e3 / step, t_train,
                    128e3 / step / t_train);
        std::printf("%-28s %12.0f %12.0f %8.2fx\n", "predict img/s (batch 128)", 128e3 / p128,
                    t_p128, 128e3 / p128 / t_p128);
        std::printf("%-28s %12.0f %12.0f %8.2fx\n", "predict img/s (batch 1)", 1e3 / p1, t_p1,
                    1e3 / p1 / t_p1);
        std::printf("%-28s %10.0fMiB %10.0fMiB %8.2fx\n", "peak RSS", rss, t_rss, rss / t_rss);
      }
    }
  } else {
    std::printf("(python3-torch not installed: PyTorch column skipped)\n");
  }
  return 0;
}
