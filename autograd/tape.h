// Tape: an RAII scope that records every differentiable op on Variables while it is alive.
//
//   keel::Tape tape;
//   auto loss = keel::mean(keel::square(w * x - y));
//   auto grads = tape.gradient(loss, {w});
//
// Semantics:
//  - An op is recorded (on every active tape of this thread: tapes nest) when at least one of
//    its inputs requires grad and no NoGrad guard is active. Without an active tape nothing is
//    recorded and nothing is kept alive.
//  - gradient(target, sources) walks the recorded ops in reverse order with a loop and returns
//    one gradient per source, in the source's shape. A scalar target is seeded with 1; a
//    non-scalar target needs an explicit `output_gradient` of its shape. A source the target
//    does not depend on gets zeros (or GradientError with `unconnected = Unconnected::raise`).
//    A Variable used several times accumulates its gradients. Only gradients on a path to a
//    source are computed: an op skips the gradient of an input that leads to no source.
//  - A non-persistent tape allows one gradient() call and frees each op's saved tensors as soon
//    as its backward has run; a persistent tape keeps them for further calls.
//  - An op records the version (autograd/variable.h) of each input whose value its backward
//    reads. If such an input was modified in place before the backward runs (an optimizer
//    update between two gradient() calls of a persistent tape), gradient() throws a
//    GradientError naming the op and the Variable instead of computing from the new values.
//  - GradientError for a target that was not recorded on this tape, a second call on a
//    non-persistent tape, or an output_gradient of the wrong shape.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "keel/autograd/variable.h"

namespace keel {

enum class Unconnected { zero, raise };

struct GradientOptions {
  Tensor output_gradient;  // required for a target with more than one element
  Unconnected unconnected = Unconnected::zero;
  // When set, each source's gradient is handed to on_final(source index, gradient) as soon as
  // it is final (after the backward of the earliest recorded op that reads the source), and
  // the returned vector holds undefined tensors: a training step updates a weight and frees
  // its gradient while the backward goes on. Unconnected sources are handed over at the end.
  // The callback may modify the source in place (no later op reads it).
  std::function<void(std::size_t, Tensor)> on_final;
};

class Tape {
 public:
  explicit Tape(bool persistent = false);
  ~Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  std::vector<Tensor> gradient(const Variable& target, const std::vector<Variable>& sources,
                               const GradientOptions& options = {});
  Tensor gradient(const Variable& target, const Variable& source,
                  const GradientOptions& options = {});

  bool persistent() const { return persistent_; }
  // Number of ops recorded so far.
  std::size_t size() const { return nodes_.size(); }

  struct Node;

 private:
  friend Variable record(
      const char*, Tensor, const std::vector<Variable>&,
      std::function<std::vector<Tensor>(const Tensor&, const std::vector<bool>&)>, std::uint32_t);
  bool persistent_;
  bool used_ = false;
  std::vector<std::shared_ptr<Node>> nodes_;
};

// Disables recording on this thread while alive (inference, optimizer updates).
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;
};

// --- the op writer's API ---------------------------------------------------------------------
// Given the gradient of an op's output, the gradients of its inputs: entry i must be defined
// (with input i's shape) where needs[i] is true and may be left undefined elsewhere.
using BackwardFn =
    std::function<std::vector<Tensor>(const Tensor& grad_output, const std::vector<bool>& needs)>;

// True when an op with an input requiring grad would be recorded now.
bool is_recording();

// Which inputs' values a backward reads: bit i stands for input i.
using Reads = std::uint32_t;
inline constexpr Reads kReadsAll = ~Reads{0};
inline constexpr Reads kReadsNone = 0;

// Wraps `output` in a Variable and, when recording and some input requires grad, records the op
// `name` with its backward on every active tape, and the version of every input in `reads`.
// Otherwise `backward` is dropped at once.
Variable record(const char* name, Tensor output, const std::vector<Variable>& inputs,
                BackwardFn backward, Reads reads = kReadsAll);

}  // namespace keel
