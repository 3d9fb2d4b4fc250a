#include "keel/core/detail/profiler.h"

#include <utility>

#include "keel/core/error.h"

namespace keel::detail {

namespace {
thread_local Profiler* t_profiler = nullptr;
thread_local std::string t_label;
thread_local ProfilePhase t_phase = ProfilePhase::other;
}  // namespace

const char* phase_name(ProfilePhase phase) {
  switch (phase) {
    case ProfilePhase::forward:
      return "forward";
    case ProfilePhase::backward:
      return "backward";
    case ProfilePhase::update:
      return "update";
    case ProfilePhase::other:
      break;
  }
  return "other";
}

Profiler::Profiler() : start_(std::chrono::steady_clock::now()) {
  if (t_profiler) throw ValueError("Profiler: a profiler is already recording on this thread");
  t_profiler = this;
}

Profiler::~Profiler() { t_profiler = nullptr; }

Profiler* Profiler::active() { return t_profiler; }

double Profiler::now_us() const {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_)
      .count();
}

ProfileScope::ProfileScope(const std::string& label, ProfilePhase phase, const char* name)
    : profiler_(t_profiler) {
  if (!profiler_) return;
  previous_label_ = std::exchange(t_label, label);
  previous_phase_ = std::exchange(t_phase, phase);
  event_.label = label;
  event_.phase = phase;
  event_.name = name;
  event_.start_us = profiler_->now_us();
}

ProfileScope::~ProfileScope() {
  if (!profiler_) return;
  event_.duration_us = profiler_->now_us() - event_.start_us;
  t_label = std::move(previous_label_);
  t_phase = previous_phase_;
  // A scope that outlives its profiler (not the profiler's users) records nothing.
  if (t_profiler == profiler_) profiler_->add(std::move(event_));
}

const std::string& profile_label() { return t_label; }
ProfilePhase profile_phase() { return t_phase; }

}  // namespace keel::detail
