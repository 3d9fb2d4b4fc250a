#include "keel/autograd/tape.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "keel/core/detail/profiler.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/tensor_ops.h"

namespace keel {

struct Tape::Node {
  const char* name;
  std::string label;  // the layer that recorded the op, when a profiler was recording
  std::vector<std::uint64_t> inputs;
  std::vector<Shape> input_shapes;
  std::uint64_t output;
  BackwardFn backward;
  // The inputs whose values `backward` reads, with their versions when the op ran.
  struct Saved {
    std::size_t input;
    std::weak_ptr<const std::uint64_t> counter;
    std::uint64_t version;
    std::string variable;
  };
  std::vector<Saved> saved;

  // GradientError if a saved input was modified in place since the op ran.
  void check_saved() const {
    for (const Saved& s : saved) {
      const auto now = s.counter.lock();
      if (!now || *now == s.version) continue;
      throw GradientError(fmt::str(
          "Tape::gradient: op '", name, "' read input ", s.input,
          s.variable.empty() ? std::string() : " (Variable " + fmt::quoted(s.variable) + ")",
          " which was modified in place after the op ran (version ", s.version, ", now ", *now,
          "); its gradient would use the new values: compute gradients before the update, or "
          "run the op again on a new tape"));
    }
  }
};

namespace {
thread_local std::vector<Tape*> t_active_tapes;
thread_local int t_no_grad_depth = 0;

std::vector<Tape*>& active_tapes() { return t_active_tapes; }
}  // namespace

Tape::Tape(bool persistent) : persistent_(persistent) { active_tapes().push_back(this); }

Tape::~Tape() {
  auto& tapes = active_tapes();
  tapes.erase(std::remove(tapes.begin(), tapes.end(), this), tapes.end());
}

NoGrad::NoGrad() { ++t_no_grad_depth; }
NoGrad::~NoGrad() { --t_no_grad_depth; }

bool is_recording() { return t_no_grad_depth == 0 && !active_tapes().empty(); }

Variable record(const char* name, Tensor output, const std::vector<Variable>& inputs,
                BackwardFn backward, Reads reads) {
  const bool any = std::any_of(inputs.begin(), inputs.end(),
                               [](const Variable& v) { return v.requires_grad(); });
  if (!any || !is_recording()) return Variable(std::move(output));
  Variable result(std::move(output), true);
  auto node = std::make_shared<Tape::Node>();
  node->name = name;
  if (detail::Profiler::active()) node->label = detail::profile_label();
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Variable& v = inputs[k];
    node->inputs.push_back(v.id());
    node->input_shapes.push_back(v.shape());
    if (k < 32 && (reads >> k & 1u))
      node->saved.push_back({k, v.version_counter(), v.version(), v.name()});
  }
  node->output = result.id();
  node->backward = std::move(backward);
  for (Tape* tape : active_tapes()) tape->nodes_.push_back(node);
  return result;
}

Tensor Tape::gradient(const Variable& target, const Variable& source,
                      const GradientOptions& options) {
  return gradient(target, std::vector<Variable>{source}, options).front();
}

std::vector<Tensor> Tape::gradient(const Variable& target, const std::vector<Variable>& sources,
                                   const GradientOptions& options) {
  if (used_ && !persistent_)
    throw GradientError(
        "Tape::gradient: a non-persistent tape can compute gradients once; create the tape "
        "with Tape(/*persistent=*/true) to call gradient() several times");
  used_ = true;

  std::unordered_set<std::uint64_t> source_ids;
  for (const auto& s : sources) source_ids.insert(s.id());

  // The op that produced the target.
  std::ptrdiff_t last = static_cast<std::ptrdiff_t>(nodes_.size()) - 1;
  while (last >= 0 && nodes_[last]->output != target.id()) --last;
  if (last < 0 && !source_ids.count(target.id()))
    throw GradientError(
        fmt::str("Tape::gradient: the target",
                 (target.name().empty() ? std::string() : " '" + target.name() + "'"), " of shape ",
                 target.shape().str(),
                 " was not recorded on this tape (was it computed before the tape was "
                 "created, under NoGrad, or from inputs that do not require grad?)"));

  // The gradient that seeds the walk.
  Tensor seed = options.output_gradient;
  if (seed.defined()) {
    if (!(seed.shape() == target.shape()))
      throw GradientError(fmt::str("Tape::gradient: output_gradient has shape ", seed.shape().str(),
                                   ", expected the target's shape ", target.shape().str()));
  } else {
    if (target.value().numel() != 1)
      throw GradientError(fmt::str("Tape::gradient: the target has shape ", target.shape().str(),
                                   "; a non-scalar target needs an explicit output_gradient"));
    seed = Tensor::ones(target.shape());
  }

  // Which recorded values lie on a path from a source: only their gradients are computed.
  std::unordered_set<std::uint64_t> relevant = source_ids;
  for (std::ptrdiff_t i = 0; i <= last; ++i) {
    const Node& n = *nodes_[i];
    if (std::any_of(n.inputs.begin(), n.inputs.end(),
                    [&](std::uint64_t id) { return relevant.count(id) > 0; }))
      relevant.insert(n.output);
  }

  // With on_final: the earliest op reading each source; once the walk has passed it, the
  // source's gradient is complete.
  // A source that an op produced keeps its gradient after the hand-over: its producer's
  // backward still needs it.
  std::unordered_map<std::uint64_t, std::ptrdiff_t> first_reader;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> source_index;
  std::unordered_set<std::uint64_t> produced;
  if (options.on_final) {
    for (std::size_t k = 0; k < sources.size(); ++k) source_index[sources[k].id()].push_back(k);
    for (std::ptrdiff_t i = last; i >= 0; --i) {
      produced.insert(nodes_[i]->output);
      for (std::uint64_t id : nodes_[i]->inputs)
        if (source_ids.count(id)) first_reader[id] = i;
    }
  }

  std::unordered_map<std::uint64_t, Tensor> grads;
  grads.emplace(target.id(), seed);
  std::unordered_set<std::uint64_t> handed_over;
  auto hand_over_final = [&](std::ptrdiff_t i) {
    for (std::uint64_t id : nodes_[i]->inputs) {
      if (!source_ids.count(id) || first_reader.at(id) != i || !handed_over.insert(id).second)
        continue;
      auto it = grads.find(id);
      if (it == grads.end()) {
        handed_over.erase(id);  // no gradient reached it: handled with the unconnected
        continue;
      }
      const Tensor g = it->second;
      if (!produced.count(id)) grads.erase(it);
      const detail::ProfileScope scope("(optimizer)", detail::ProfilePhase::update, "update");
      for (std::size_t k : source_index.at(id)) options.on_final(k, g);
    }
  };
  auto accumulate = [&](std::uint64_t id, Tensor g) {
    auto [it, inserted] = grads.try_emplace(id, g);
    if (!inserted) it->second = ops::add(it->second, g);
  };

  auto run_backward = [&](std::ptrdiff_t i) {
    std::shared_ptr<Node>& node = nodes_[i];
    auto git = grads.find(node->output);
    if (git == grads.end() || !relevant.count(node->output)) return;
    if (!node->backward)
      throw GradientError(fmt::str(std::string("Tape::gradient: the saved tensors of op '"),
                                   node->name,
                                   "' were already released by an earlier gradient() call"));
    node->check_saved();
    std::vector<bool> needs(node->inputs.size());
    for (std::size_t k = 0; k < needs.size(); ++k) needs[k] = relevant.count(node->inputs[k]) > 0;
    const Tensor g = git->second;
    if (!source_ids.count(node->output)) grads.erase(git);  // no longer needed
    const detail::ProfileScope scope(node->label, detail::ProfilePhase::backward, node->name);
    std::vector<Tensor> input_grads = node->backward(g, needs);
    for (std::size_t k = 0; k < needs.size(); ++k) {
      if (!needs[k]) continue;
      if (k >= input_grads.size() || !input_grads[k].defined())
        throw GradientError(fmt::str(std::string("Tape::gradient: op '"), node->name,
                                     "' gave no gradient for its input ", k));
      if (!(input_grads[k].shape() == node->input_shapes[k]))
        throw GradientError(fmt::str(std::string("Tape::gradient: op '"), node->name,
                                     "' gave a gradient of shape ", input_grads[k].shape().str(),
                                     " for input ", k, " of shape ", node->input_shapes[k].str()));
      accumulate(node->inputs[k], std::move(input_grads[k]));
    }
    // Free saved tensors at once unless another tape (nested) or a later call still needs them.
    if (!persistent_ && node.use_count() == 1) node->backward = nullptr;
  };

  for (std::ptrdiff_t i = last; i >= 0; --i) {
    run_backward(i);
    if (options.on_final) hand_over_final(i);
  }

  std::vector<Tensor> result;
  result.reserve(sources.size());
  for (const auto& s : sources) {
    if (handed_over.count(s.id())) {
      result.emplace_back();
      continue;
    }
    auto it = grads.find(s.id());
    if (it != grads.end()) {
      result.push_back(it->second);
    } else if (options.unconnected == Unconnected::raise) {
      throw GradientError(fmt::str("Tape::gradient: the target does not depend on source",
                                   (s.name().empty() ? std::string() : " '" + s.name() + "'"),
                                   " of shape ", s.shape().str()));
    } else {
      result.push_back(Tensor::zeros(s.shape()));
    }
  }
  if (options.on_final)
    for (std::size_t k = 0; k < sources.size(); ++k)
      if (result[k].defined()) options.on_final(k, std::exchange(result[k], Tensor()));
  if (!persistent_) nodes_.clear();
  return result;
}

}  // namespace keel
