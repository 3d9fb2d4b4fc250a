#include "keel/optimizers/optimizer.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <unordered_set>

#include "keel/core/allocator.h"
#include "keel/core/context.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel::optimizers {

namespace {

// The raw buffer and its element count, padding of blocked layouts included.
float* buffer_of(const Tensor& t) { return static_cast<float*>(t.buffer().get()); }
std::int64_t elements_of(const Tensor& t) {
  return static_cast<std::int64_t>(t.desc().get_size() / sizeof(float));
}

}  // namespace
namespace {

// Names joined for a message; "none" for no names.
std::string joined(const std::vector<std::string>& names) {
  return names.empty() ? "none" : fmt::list(names);
}

// Sum of squares in double (for the clipnorm global norm).
double sum_squares(const float* g, std::int64_t n, std::int64_t threshold) {
  double acc = 0.0;
#pragma omp parallel for simd schedule(static) reduction(+ : acc) \
    num_threads(keel::num_threads()) if (n >= threshold)
  for (std::int64_t i = 0; i < n; ++i) acc += static_cast<double>(g[i]) * static_cast<double>(g[i]);
  return acc;
}

}  // namespace

Optimizer::Tensors::Tensors(const Tensors& o) : t(o.t) {
  for (Tensor& x : t) x = x.clone();
}

Optimizer::Tensors& Optimizer::Tensors::operator=(const Tensors& o) {
  if (this != &o) {
    Tensors copy(o);
    t = std::move(copy.t);
  }
  return *this;
}

Optimizer::Optimizer(Hyper h)
    : class_name_(std::move(h.class_name)),
      lr_(h.lr),
      decay_(h.decay),
      has_decay_(h.has_decay),
      always_counts_(h.always_counts),
      clipnorm_(h.clipnorm),
      clipvalue_(h.clipvalue),
      slot_names_(std::move(h.slot_names)) {}

void Optimizer::fail(const std::string& what) const {
  throw ValueError(fmt::str(class_name_, ": ", what));
}

void Optimizer::set_lr(float lr) {
  if (!std::isfinite(lr) || lr < 0.f)
    fail(fmt::str("lr is ", lr, ", expected a finite number >= 0"));
  lr_ = lr;
}

// --- the update step ------------------------------------------------------------------------

void Optimizer::apply(const std::vector<Variable>& weights) {
  std::vector<Tensor> grads;
  grads.reserve(weights.size());
  for (const Variable& w : weights) grads.push_back(w.defined() ? w.grad() : Tensor());
  apply(grads, weights);
}

void Optimizer::check_gradient(const std::string& who, const Variable& w, const Tensor& g,
                               std::size_t index) const {
  if (!w.defined()) throw ValueError(fmt::str(who, ": weight ", index, " is undefined"));
  const std::string name = fmt::quoted(w.name());
  if (!g.defined())
    throw ValueError(fmt::str(who, ": the gradient of weight ", name, " is undefined"));
  if (!(g.shape() == w.shape()))
    throw ShapeError(fmt::str(who, ": gradient of shape ", g.shape().str(),
                              " does not match weight ", name, " of shape ", w.shape().str()));
  if (!state_.contains(w.id())) {
    const auto p = pending_.find(w.name());
    if (p != pending_.end() && !p->second.t.empty() && !(p->second.t[0].shape() == w.shape()))
      throw ShapeError(fmt::str(who, ": the restored state of weight ", name, " has shape ",
                                p->second.t[0].shape().str(), ", the weight has shape ",
                                w.shape().str()));
  }
}

Optimizer::GradClip Optimizer::start_step() {
  // 3. learning-rate decay with the iteration count before this step's increment.
  const double it = static_cast<double>(iterations_);
  const double lr_t = decay_ > 0.f ? lr_ / (1.0 + static_cast<double>(decay_) * it) : lr_;
  begin_step(Step{lr_t, iterations_ + 1});
  GradClip clip{1.f, std::numeric_limits<float>::infinity()};
  if (clipvalue_ > 0.f) clip.limit = clipvalue_;
  return clip;
}

void Optimizer::finish_step() {
  // 6. the iteration counter.
  if (always_counts_ || decay_ > 0.f) ++iterations_;
}

void Optimizer::update_weight(Variable& w, const Tensor& g, GradClip clip) {
  const LongLivedAllocations long_lived;  // slots live as long as the weights
  auto e = state_.find(w.id());
  if (e == state_.end()) {
    Tensors slots;
    const auto p = pending_.find(w.name());
    if (p != pending_.end()) {
      slots = std::move(p->second);
      pending_.erase(p);
    } else {
      for (std::size_t k = 0; k < slot_names_.size(); ++k) {
        const Tensor& v = w.value();
        Tensor zero = Tensor::empty_like_desc(w.shape(), v.desc(), v.axes());
        std::memset(zero.buffer().get(), 0, v.desc().get_size());
        slots.t.push_back(std::move(zero));
      }
    }
    e = state_.emplace(w.id(), Entry{w.name(), std::move(slots)}).first;
  } else if (e->second.name != w.name()) {
    e->second.name = w.name();
  }
  Tensor value = w.value();  // shares the weight's buffer: the update writes into it
  std::vector<float*> slot_ptrs(slot_names_.size());
  for (std::size_t k = 0; k < slot_ptrs.size(); ++k) {
    Tensor& slot = e->second.slots.t[k];
    // Restored or older state may be in another layout.
    slot = slot.to_layout(value.desc(), value.axes());
    slot_ptrs[k] = buffer_of(slot);
  }
  update(buffer_of(value), buffer_of(g), slot_ptrs.data(), elements_of(value), clip);
  w.mark_modified();
  w.apply_constraint();
}

void Optimizer::apply(const std::vector<Tensor>& grads, const std::vector<Variable>& weights) {
  const std::string who = class_name_ + ".apply";
  if (grads.size() != weights.size())
    throw ValueError(fmt::str(who, ": ", grads.size(), " gradients for ", weights.size(),
                              " weights, expected one per weight"));

  // Check everything before changing anything.
  struct Item {
    Variable w;
    Tensor g;
  };
  std::vector<Item> items;
  items.reserve(weights.size());
  std::unordered_set<std::uint64_t> seen;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const Variable& w = weights[i];
    if (w.defined() && !w.requires_grad()) continue;  // frozen
    check_gradient(who, w, grads[i], i);
    if (!seen.insert(w.id()).second)
      throw ValueError(fmt::str(who, ": weight ", fmt::quoted(w.name()), " is listed twice"));
    items.push_back({w, grads[i]});
  }
  // Gradients and state take the layout the weight is stored in (a kernel lives in its
  // convolution's or inner product's compute layout): each update is then one pass over
  // matching buffers, padding included (it stays zero: zero gradient, zero state).
  for (Item& it : items) it.g = it.g.to_layout(it.w.value().desc(), it.w.value().axes());

  // 1. clipnorm: one global norm over every gradient.
  double norm = 0.0;
  if (clipnorm_ > 0.f) {
    double ss = 0.0;
    for (const Item& it : items)
      ss += sum_squares(buffer_of(it.g), elements_of(it.g), kParallelThreshold);
    norm = std::sqrt(ss);
  }
  // 2-3. clipvalue and the decayed learning rate; 4-5. each weight, then its constraint; 6.
  GradClip clip = start_step();
  if (clipnorm_ > 0.f && norm >= clipnorm_) clip.scale = static_cast<float>(clipnorm_ / norm);
  for (Item& item : items) update_weight(item.w, item.g, clip);
  finish_step();
}

// --- a step streamed weight by weight -------------------------------------------------------

void Optimizer::begin_streamed_step() {
  const std::string who = class_name_ + ".begin_streamed_step";
  if (clipnorm_ > 0.f)
    throw ValueError(fmt::str(who, ": clipnorm is ", clipnorm_,
                              "; its global norm needs every gradient before any update, "
                              "expected clipnorm 0 (use apply())"));
  if (streaming_) throw ValueError(fmt::str(who, ": a streamed step is already open"));
  streaming_ = true;
  streamed_.clear();
  stream_clip_ = start_step();
}

void Optimizer::apply_streamed(const Tensor& grad, const Variable& weight) {
  const std::string who = class_name_ + ".apply_streamed";
  if (!streaming_)
    throw ValueError(fmt::str(who, ": no streamed step is open (call begin_streamed_step)"));
  if (weight.defined() && !weight.requires_grad()) return;  // frozen
  check_gradient(who, weight, grad, 0);
  if (!streamed_.insert(weight.id()).second)
    throw ValueError(fmt::str(who, ": weight ", fmt::quoted(weight.name()),
                              " was already updated in this step"));
  Variable w = weight;
  update_weight(w, grad.to_layout(w.value().desc(), w.value().axes()), stream_clip_);
}

void Optimizer::end_streamed_step() {
  if (!streaming_)
    throw ValueError(fmt::str(class_name_, ".end_streamed_step: no streamed step is open"));
  streaming_ = false;
  streamed_.clear();
  finish_step();
}

// --- config ---------------------------------------------------------------------------------

Config Optimizer::get_config() const {
  Config c = own_config();
  c["lr"] = lr_;
  if (has_decay_) c["decay"] = decay_;
  if (clipnorm_ > 0.f) c["clipnorm"] = clipnorm_;
  if (clipvalue_ > 0.f) c["clipvalue"] = clipvalue_;
  return c;
}

// --- state ----------------------------------------------------------------------------------

std::vector<Slot> Optimizer::named(const Tensors& slots) const {
  std::vector<Slot> out;
  for (std::size_t k = 0; k < slot_names_.size(); ++k)
    out.push_back({slot_names_[k], slots.t[k].clone()});
  return out;
}

std::vector<Tensor> Optimizer::checked_slots(std::vector<Slot> given, const std::string& weight,
                                             const Shape* shape) const {
  std::vector<std::string> names;
  for (const Slot& s : given) names.push_back(s.name);
  const std::string expected =
      fmt::str("expected ", slot_names_.empty() ? std::string("no slots") : joined(slot_names_));
  std::vector<Tensor> out(slot_names_.size());
  if (given.size() != slot_names_.size())
    fail(fmt::str("weight ", fmt::quoted(weight), " has slots [", joined(names), "], ", expected));
  for (const Slot& s : given)
    if (!s.value.defined())
      fail(fmt::str("slot ", fmt::quoted(s.name), " of weight ", fmt::quoted(weight),
                    " is undefined"));
  for (const Slot& s : given) {
    const auto k = std::find(slot_names_.begin(), slot_names_.end(), s.name) - slot_names_.begin();
    if (k == static_cast<std::ptrdiff_t>(slot_names_.size()) || out[k].defined())
      fail(
          fmt::str("weight ", fmt::quoted(weight), " has slots [", joined(names), "], ", expected));
    const Shape& want = shape ? *shape : given[0].value.shape();
    if (!(s.value.shape() == want))
      throw ShapeError(fmt::str(class_name_, ": slot ", fmt::quoted(s.name), " of weight ",
                                fmt::quoted(weight), " has shape ", s.value.shape().str(),
                                ", the weight has shape ", want.str()));
    out[k] = s.value.to_plain().clone();
  }
  return out;
}

std::vector<Slot> Optimizer::slots(const Variable& w) const {
  if (const auto e = state_.find(w.id()); e != state_.end()) return named(e->second.slots);
  if (const auto p = pending_.find(w.name()); p != pending_.end()) return named(p->second);
  return {};
}

void Optimizer::set_slots(const Variable& w, std::vector<Slot> slots) {
  if (!w.defined()) fail("set_slots: the weight is undefined");
  Tensors t(checked_slots(std::move(slots), w.name(), &w.shape()));
  state_.insert_or_assign(w.id(), Entry{w.name(), std::move(t)});
  pending_.erase(w.name());
}

std::vector<WeightSlots> Optimizer::state() const {
  std::vector<WeightSlots> out;
  for (const auto& [id, e] : state_) out.push_back({e.name, named(e.slots)});
  for (const auto& [name, t] : pending_) out.push_back({name, named(t)});
  std::sort(out.begin(), out.end(),
            [](const WeightSlots& a, const WeightSlots& b) { return a.weight < b.weight; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].weight == out[i - 1].weight)
      fail(fmt::str(
          "two weights named ", fmt::quoted(out[i].weight),
          " have optimizer state; state is matched by weight name, so names must be unique"));
  return out;
}

void Optimizer::set_state(std::vector<WeightSlots> state) {
  std::map<std::string, Tensors> pending;
  for (WeightSlots& ws : state) {
    if (pending.contains(ws.weight))
      fail(fmt::str("set_state: weight ", fmt::quoted(ws.weight), " is given twice"));
    pending.emplace(ws.weight, Tensors(checked_slots(std::move(ws.slots), ws.weight, nullptr)));
  }
  state_.clear();
  pending_ = std::move(pending);
}

Config Optimizer::state_scalars() const {
  Config c = extra_scalars();
  c["iterations"] = iterations_;
  return c;
}

void Optimizer::set_state_scalars(const Config& scalars) {
  std::vector<std::string> known = {"iterations"};
  for (std::string& n : extra_scalar_names()) known.push_back(std::move(n));
  if (!scalars.is_object())
    fail(
        fmt::str("state scalars must be an object with ", joined(known), ", got ", scalars.dump()));
  for (const auto& [key, value] : scalars.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      fail(fmt::str("unknown state scalar ", fmt::quoted(key), ", expected ", joined(known)));
  for (const std::string& k : known)
    if (!scalars.contains(k)) fail(fmt::str("state scalar ", fmt::quoted(k), " is missing"));
  const Config& it = scalars.at("iterations");
  if (!it.is_number_integer() || it.get<std::int64_t>() < 0)
    fail(fmt::str("state scalar 'iterations' is ", it.dump(), ", expected an integer >= 0"));
  check_extra_scalars(scalars);
  iterations_ = it.get<std::int64_t>();
  set_extra_scalars(scalars);
}

}  // namespace keel::optimizers
