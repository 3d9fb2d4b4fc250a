// keel::profile: where a training step's time goes, layer by layer (what `caffe time` prints).
//
//   auto report = keel::profile(*model, x, y, {.iterations = 10});
//   std::fputs(report.table().c_str(), stdout);
//   report.write_trace("step.json");  // a step's timeline for a browser's trace viewer
//
// profile() runs `warmup` training steps and then `iterations` measured ones (train_on_batch:
// the weights change as in training). In the measured steps keel's profiler records every
// layer's forward, the backward of every op the layer recorded (attributed to that layer), the
// optimizer's updates, the loss, and every oneDNN primitive that ran, with the implementation
// oneDNN chose, its layouts and its FLOPs. `build/keel-time` prints the same report.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "keel/core/tensor.h"

namespace keel {

class Model;

struct ProfileOptions {
  int iterations = 10;  // measured steps (>= 1); the figures are their means
  int warmup = 2;       // unmeasured steps first (>= 0): primitives built, memory cached
  // The machine's f32 peak in GFLOP/s against which layers are rated; 0 measures it
  // (measure_peak_gflops()).
  double peak_gflops = 0;
};

struct LayerProfile {
  // The layer's name, or "(loss)" (losses and penalties), "(optimizer)" (the weight updates,
  // in backward_ms) or "(other)" (in forward_ms: what ran outside them, the tape's bookkeeping,
  // gradients summed, metrics).
  std::string name;
  std::string class_name;   // the layer's class; empty for the rows in parentheses
  double forward_ms = 0;    // per step: its forward (a fused activation's included)
  double backward_ms = 0;   // per step: the backward of its ops (or the optimizer's updates)
  double share = 0;         // (forward + backward) / step
  double primitive_ms = 0;  // per step: the part of forward + backward spent in its primitives
  double gflop = 0;         // per step, forward and backward: convolution, inner product, matmul
  double gflops = 0;        // gflop over the layer's time
  // Distinct "kind implementation" of its primitives ("convolution jit:avx512_core").
  std::vector<std::string> implementations;
  bool reference_kernel = false;      // one of them is oneDNN's slow reference code (`ref`)
  std::string layout_in, layout_out;  // of its first forward primitive, in oneDNN's notation
};

// One span of the last measured step (Chrome's trace-event "complete" event).
struct TraceSpan {
  std::string name, category, layer, implementation, layout_in, layout_out;
  double start_us = 0, duration_us = 0, gflop = 0;
};

struct ProfileReport {
  std::string model;
  std::int64_t batch = 0;
  int threads = 0, iterations = 0;
  double step_ms = 0;       // mean training step
  double primitive_ms = 0;  // per step: the sum of every primitive's time
  std::map<std::string, double> primitive_ms_by_kind;  // per step: "convolution", "reorder"...
  double peak_gflops = 0;
  std::vector<LayerProfile> layers;  // the graph's order, then (loss), (optimizer), (other)
  std::vector<TraceSpan> trace;      // the last measured step

  // A table: a row per layer and the totals; layers that ran `ref` kernels are flagged.
  std::string table() const;
  // The same rows as comma-separated values with a header line.
  std::string csv() const;
  // The last step in Chrome's trace-event JSON format.
  std::string trace_json() const;
  // Writes trace_json() to `path` atomically; IOError naming the path on failure.
  void write_trace(const std::string& path) const;
};

// ValueError for a model that is not compiled, iterations < 1 or warmup < 0; the errors of
// train_on_batch for data that does not fit the model.
ProfileReport profile(Model& model, const Tensor& x, const Tensor& y,
                      const ProfileOptions& options = {});

// This machine's f32 peak as keel reaches it: the GFLOP/s of oneDNN's f32 matmul on 1024x1024
// matrices with keel's threads (the best of a few runs).
double measure_peak_gflops();

}  // namespace keel
