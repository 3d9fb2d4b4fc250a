// The recording side of keel's profiler (models/profile.h is the user's side).
//
// While a Profiler is alive on a thread, that thread records
//  - a span per ProfileScope: a layer's forward (the graph model opens one per layer), an op's
//    backward (the tape opens one per recorded op, labelled with the layer that recorded it),
//    the optimizer's update of a weight, the loss;
//  - a span per executed oneDNN primitive (dnnl_adapter::execute): its kind, the
//    implementation oneDNN chose, its source and destination layouts and its FLOPs.
// Every span carries the label and phase of the innermost scope open when it ran. Without a
// Profiler, a ProfileScope costs a thread-local test and nothing is recorded.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace keel::detail {

enum class ProfilePhase { forward, backward, update, other };
const char* phase_name(ProfilePhase phase);

struct ProfileEvent {
  std::string label;  // the layer (or "(loss)", "(optimizer)") the work belongs to
  ProfilePhase phase = ProfilePhase::other;
  bool primitive = false;  // a oneDNN primitive's execution, else a scope's span
  std::string name;        // a scope's name, or the primitive kind ("convolution", "reorder")
  std::string impl;        // the primitive's implementation ("jit:avx512_core"), primitives only
  std::string src_layout, dst_layout;    // oneDNN's layout notation ("aBcd16b"), primitives only
  double flops = 0;                      // multiply-adds x 2 (convolution, inner product, matmul)
  double start_us = 0, duration_us = 0;  // from the profiler's start
};

class Profiler {
 public:
  Profiler();  // starts recording on this thread; profilers do not nest
  ~Profiler();
  Profiler(const Profiler&) = delete;
  Profiler& operator=(const Profiler&) = delete;

  // The profiler recording on this thread, or null.
  static Profiler* active();

  double now_us() const;
  const std::vector<ProfileEvent>& events() const { return events_; }
  void add(ProfileEvent event) { events_.push_back(std::move(event)); }
  void clear() { events_.clear(); }

 private:
  std::chrono::steady_clock::time_point start_;
  std::vector<ProfileEvent> events_;
};

// Attributes the work on this thread to `label` in `phase` while alive, and records its span.
class ProfileScope {
 public:
  ProfileScope(const std::string& label, ProfilePhase phase, const char* name = "");
  ~ProfileScope();
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  Profiler* profiler_;
  std::string previous_label_;
  ProfilePhase previous_phase_ = ProfilePhase::other;
  ProfileEvent event_;
};

// The innermost open scope's label ("" when none) and phase, on this thread.
const std::string& profile_label();
ProfilePhase profile_phase();

}  // namespace keel::detail
