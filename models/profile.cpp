#include "keel/models/profile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "keel/core/atomic_file.h"
#include "keel/core/context.h"
#include "keel/core/detail/dnnl_adapter.h"
#include "keel/core/detail/profiler.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/json.h"
#include "keel/models/model.h"

namespace keel {

namespace {

using detail::ProfileEvent;
using detail::ProfilePhase;

std::string row_name(const std::string& label) { return label.empty() ? "(other)" : label; }

bool is_reference(const std::string& impl) { return impl.rfind("ref", 0) == 0; }

// Each scope's own time: its span less the spans of the scopes directly inside it (a model
// used as a layer opens its layers' scopes inside its own). Primitives are left out.
std::vector<double> exclusive_us(const std::vector<ProfileEvent>& events) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < events.size(); ++i)
    if (!events[i].primitive) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (events[a].start_us != events[b].start_us) return events[a].start_us < events[b].start_us;
    return events[a].duration_us > events[b].duration_us;  // the enclosing one first
  });
  std::vector<double> own(events.size(), 0.0);
  std::vector<std::size_t> open;
  for (std::size_t i : order) {
    const ProfileEvent& e = events[i];
    while (!open.empty() &&
           events[open.back()].start_us + events[open.back()].duration_us <= e.start_us)
      open.pop_back();
    own[i] = e.duration_us;
    if (!open.empty()) own[open.back()] -= e.duration_us;
    open.push_back(i);
  }
  return own;
}

std::string scope_title(const ProfileEvent& e) {
  std::string title = e.label.empty() ? "" : e.label + ": ";
  if (e.phase == ProfilePhase::backward) title += "backward ";
  return title + e.name;
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string printf_str(const char* format, auto... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  std::string s(static_cast<std::size_t>(n), '\0');
  std::snprintf(s.data(), s.size() + 1, format, args...);
  return s;
}

}  // namespace

double measure_peak_gflops() {
  namespace adapter = dnnl_adapter;
  constexpr std::int64_t n = 2048;
  const auto md = adapter::tagged_desc({n, n}, dnnl::memory::format_tag::ab);
  const auto pd = adapter::matmul(md, md, md);
  const dnnl::matmul prim(pd);
  dnnl::memory a(md, detail::engine()), b(md, detail::engine()), c(md, detail::engine());
  for (dnnl::memory* m : {&a, &b})
    std::fill_n(static_cast<float*>(m->get_data_handle()), n * n, 1.0f / 1024);
  double best_ms = 1e300;
  for (int run = 0; run < 8; ++run) {  // the first builds the kernel and touches the pages
    const auto start = std::chrono::steady_clock::now();
    adapter::execute(prim, pd.scratchpad_desc(),
                     {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (run > 0) best_ms = std::min(best_ms, ms);
  }
  return 2.0 * n * n * n / (best_ms * 1e6);
}

ProfileReport profile(Model& model, const Tensor& x, const Tensor& y,
                      const ProfileOptions& options) {
  if (!model.compiled())
    throw ValueError(fmt::str("profile: model ", fmt::quoted(model.name()),
                              " is not compiled; call compile() first"));
  if (options.iterations < 1)
    throw ValueError(fmt::str("profile: iterations is ", options.iterations, ", expected >= 1"));
  if (options.warmup < 0)
    throw ValueError(fmt::str("profile: warmup is ", options.warmup, ", expected >= 0"));

  ProfileReport report;
  report.model = model.name();
  report.batch = x.shape().rank() ? x.shape()[0] : 0;
  report.threads = num_threads();
  report.iterations = options.iterations;
  report.peak_gflops = options.peak_gflops > 0 ? options.peak_gflops : measure_peak_gflops();
  for (int i = 0; i < options.warmup; ++i) model.train_on_batch(x, y);

  std::vector<ProfileEvent> events;
  std::size_t last_step_begins = 0;
  double step_us = 0;
  {
    detail::Profiler profiler;
    for (int i = 0; i < options.iterations; ++i) {
      if (i + 1 == options.iterations) last_step_begins = profiler.events().size();
      const detail::ProfileScope step("", ProfilePhase::other, "step");
      const double start = profiler.now_us();
      model.train_on_batch(x, y);
      step_us += profiler.now_us() - start;
    }
    events = profiler.events();
  }
  const double per_step = 1.0 / options.iterations;
  report.step_ms = step_us * per_step / 1e3;

  // Rows: the model's layers in graph order, then whatever else ran.
  std::map<std::string, std::size_t> row_of;
  for (const auto& layer : model.layers()) {
    row_of.emplace(layer->name(), report.layers.size());
    report.layers.push_back({.name = layer->name(), .class_name = layer->class_name()});
  }
  auto row = [&](const std::string& label) -> LayerProfile& {
    const std::string name = row_name(label);
    auto [it, added] = row_of.try_emplace(name, report.layers.size());
    if (added) report.layers.push_back({.name = name});
    return report.layers[it->second];
  };
  for (const char* fixed : {"(loss)", "(optimizer)", "(other)"}) row(fixed);

  const std::vector<double> own = exclusive_us(events);
  std::map<std::string, std::set<std::string>> implementations;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const ProfileEvent& e = events[i];
    LayerProfile& r = row(e.label);
    if (!e.primitive) {
      const bool backward = e.phase == ProfilePhase::backward || e.phase == ProfilePhase::update;
      (backward ? r.backward_ms : r.forward_ms) += own[i] * per_step / 1e3;
      continue;
    }
    report.primitive_ms += e.duration_us * per_step / 1e3;
    report.primitive_ms_by_kind[e.name] += e.duration_us * per_step / 1e3;
    r.primitive_ms += e.duration_us * per_step / 1e3;
    r.gflop += e.flops * per_step / 1e9;
    implementations[r.name].insert(e.name + " " + e.impl);
    r.reference_kernel |= is_reference(e.impl);
    if (r.layout_in.empty() && r.layout_out.empty() && e.phase == ProfilePhase::forward) {
      r.layout_in = e.src_layout;
      r.layout_out = e.dst_layout;
    }
  }
  // Only what ran: an Input layer, or an Activation computed by its producer, has no row.
  std::vector<LayerProfile> ran;
  for (LayerProfile& r : report.layers) {
    const double ms = r.forward_ms + r.backward_ms;
    if (ms <= 0 && r.gflop <= 0) continue;
    r.share = report.step_ms > 0 ? ms / report.step_ms : 0;
    r.gflops = ms > 0 ? r.gflop / (ms / 1e3) : 0;
    const auto& impls = implementations[r.name];
    r.implementations.assign(impls.begin(), impls.end());
    ran.push_back(std::move(r));
  }
  report.layers = std::move(ran);

  for (std::size_t i = last_step_begins; i < events.size(); ++i) {
    const ProfileEvent& e = events[i];
    TraceSpan s;
    s.name = e.primitive ? e.name : scope_title(e);
    s.category = e.primitive ? "primitive" : detail::phase_name(e.phase);
    s.layer = row_name(e.label);
    s.implementation = e.impl;
    s.layout_in = e.src_layout;
    s.layout_out = e.dst_layout;
    s.start_us = e.start_us;
    s.duration_us = e.duration_us;
    s.gflop = e.flops / 1e9;
    report.trace.push_back(std::move(s));
  }
  std::sort(report.trace.begin(), report.trace.end(),
            [](const TraceSpan& a, const TraceSpan& b) { return a.start_us < b.start_us; });
  return report;
}

std::string ProfileReport::table() const {
  std::string out =
      printf_str("%-24s %-22s %9s %9s %6s %8s %6s  %-24s %s\n", "layer", "class", "fwd ms",
                 "bwd ms", "share", "GFLOP/s", "peak", "layout in -> out", "implementations");
  std::vector<std::string> flagged;
  double gflop = 0;
  for (const LayerProfile& r : layers) {
    gflop += r.gflop;
    const std::string layouts =
        r.layout_in.empty() && r.layout_out.empty() ? "" : r.layout_in + " -> " + r.layout_out;
    const std::string rate = r.gflop > 0 ? printf_str("%.1f", r.gflops) : "";
    const std::string of_peak =
        r.gflop > 0 && peak_gflops > 0 ? printf_str("%.0f%%", 100 * r.gflops / peak_gflops) : "";
    out +=
        printf_str("%-24s %-22s %9.3f %9.3f %5.1f%% %8s %6s  %-24s %s%s\n", r.name.c_str(),
                   r.class_name.c_str(), r.forward_ms, r.backward_ms, 100 * r.share, rate.c_str(),
                   of_peak.c_str(), layouts.c_str(), join(r.implementations, ", ").c_str(),
                   r.reference_kernel ? "  <-- REFERENCE KERNEL (slow)" : "");
    if (r.reference_kernel) flagged.push_back(r.name);
  }
  const double rate = step_ms > 0 ? gflop / (step_ms / 1e3) : 0;
  out += printf_str(
      "total: step %.3f ms (mean of %d, batch %lld, %d threads), primitives %.3f ms (step / "
      "primitives %.3f), %.2f GFLOP per step, %.1f GFLOP/s (%.0f%% of the %.1f GFLOP/s f32 "
      "peak measured)\n",
      step_ms, iterations, static_cast<long long>(batch), threads, primitive_ms,
      primitive_ms > 0 ? step_ms / primitive_ms : 0.0, gflop, rate,
      peak_gflops > 0 ? 100 * rate / peak_gflops : 0.0, peak_gflops);
  if (!flagged.empty())
    out += "warning: oneDNN reference kernels (no optimised implementation) ran in: " +
           join(flagged, ", ") + "\n";
  return out;
}

std::string ProfileReport::csv() const {
  std::string out =
      "layer,class,forward_ms,backward_ms,share,gflop,gflops,peak_fraction,reference_kernel,"
      "layout_in,layout_out,implementations\n";
  for (const LayerProfile& r : layers)
    out += printf_str("%s,%s,%.6f,%.6f,%.6f,%.6f,%.3f,%.4f,%d,%s,%s,%s\n",
                      csv_field(r.name).c_str(), csv_field(r.class_name).c_str(), r.forward_ms,
                      r.backward_ms, r.share, r.gflop, r.gflops,
                      peak_gflops > 0 ? r.gflops / peak_gflops : 0.0, r.reference_kernel ? 1 : 0,
                      csv_field(r.layout_in).c_str(), csv_field(r.layout_out).c_str(),
                      csv_field(join(r.implementations, ";")).c_str());
  return out;
}

std::string ProfileReport::trace_json() const {
  Config events = Config::array();
  const double origin = trace.empty() ? 0 : trace.front().start_us;
  for (const TraceSpan& s : trace) {
    Config args = {{"layer", s.layer}};
    if (!s.implementation.empty()) args["implementation"] = s.implementation;
    if (!s.layout_in.empty()) args["layout_in"] = s.layout_in;
    if (!s.layout_out.empty()) args["layout_out"] = s.layout_out;
    if (s.gflop > 0) args["gflop"] = s.gflop;
    events.push_back({{"name", s.name},
                      {"cat", s.category},
                      {"ph", "X"},
                      {"ts", s.start_us - origin},
                      {"dur", s.duration_us},
                      {"pid", 1},
                      {"tid", 1},
                      {"args", std::move(args)}});
  }
  const Config doc = {
      {"traceEvents", std::move(events)},
      {"displayTimeUnit", "ms"},
      {"otherData",
       {{"model", model}, {"batch", batch}, {"threads", threads}, {"step_ms", step_ms}}}};
  return doc.dump(1) + "\n";
}

void ProfileReport::write_trace(const std::string& path) const {
  write_file_atomically(path, trace_json());
}

}  // namespace keel
