#include "keel/layers/core_layers.h"

#include <algorithm>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/layers/config_reader.h"
#include "keel/layers/factory.h"

namespace keel::layers {

namespace {

BaseOptions base_options(const FlattenOptions& o) {
  return {o.input_shape, o.batch_input_shape, o.name, o.trainable};
}

template <typename T>
std::string tuple_str(const std::vector<T>& v) {
  std::string s = "(";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

FlattenOptions read_base(ConfigReader& r) {
  FlattenOptions o;
  r.read_base_into(o);
  return o;
}

}  // namespace

// --- Flatten ---------------------------------------------------------------------------------

Flatten::Flatten(const FlattenOptions& o) : Layer("Flatten", base_options(o)) {}

Shape Flatten::compute_output_shape(const Shape& in) const {
  if (in.rank() < 3)
    throw ShapeError(who() + "expected an input of rank >= 3 (batch, d1, d2, ...), got shape " +
                     in.str());
  std::int64_t n = 1;
  for (int i = 1; i < in.rank(); ++i) {
    if (in[i] == Shape::kUnknown)
      throw ValueError(who() + "the non-batch dimensions of input shape " + in.str() +
                       " must all be known to flatten them");
    n *= in[i];
  }
  return Shape{in[0], n};
}

Variable Flatten::call(const Variable& x) {
  const Shape out = compute_output_shape(x.shape());
  return reshape(x, {x.shape()[0], out[1]});
}

Config Flatten::layer_config() const { return Config::object(); }

// --- Activation ------------------------------------------------------------------------------

Activation::Activation(std::string activation, const ActivationOptions& o)
    : Layer("Activation", base_options(o)), activation_(std::move(activation)) {
  const std::string w = who();
  check_activation_name(activation_, w.substr(0, w.size() - 2));  // it adds the ": "
}

Shape Activation::compute_output_shape(const Shape& in) const {
  if (in.rank() < 1) throw ShapeError(who() + "expected an input with a batch axis, got a scalar");
  return in;
}

Variable Activation::call(const Variable& x) { return keel::activation(activation_, x); }

Config Activation::layer_config() const {
  Config c;
  c["activation"] = activation_.empty() ? "linear" : activation_;
  return c;
}

// --- Reshape ---------------------------------------------------------------------------------

Reshape::Reshape(std::vector<std::int64_t> target_shape, const ReshapeOptions& o)
    : Layer("Reshape", base_options(o)), target_shape_(std::move(target_shape)) {
  int unknown = 0;
  for (auto d : target_shape_) {
    if (d == -1) {
      ++unknown;
    } else if (d < 1) {
      throw ValueError(who() + "target_shape " + tuple_str(target_shape_) + " has the entry " +
                       std::to_string(d) + ", expected positive sizes and at most one -1");
    }
  }
  if (unknown > 1)
    throw ValueError(who() + "target_shape " + tuple_str(target_shape_) +
                     " has more than one -1, expected at most one dimension to infer");
  if (static_cast<int>(target_shape_.size()) + 1 > Shape::kMaxRank)
    throw ValueError(who() + "target_shape " + tuple_str(target_shape_) + " has " +
                     std::to_string(target_shape_.size()) + " dimensions, expected at most " +
                     std::to_string(Shape::kMaxRank - 1));
}

Shape Reshape::compute_output_shape(const Shape& in) const {
  if (in.rank() < 1) throw ShapeError(who() + "expected an input with a batch axis, got a scalar");
  std::vector<std::int64_t> out{in[0]};
  bool known = true;
  std::int64_t total = 1;
  for (int i = 1; i < in.rank(); ++i) {
    known = known && in[i] != Shape::kUnknown;
    if (known) total *= in[i];
  }
  std::int64_t given = 1;
  int infer = -1;
  for (std::size_t i = 0; i < target_shape_.size(); ++i) {
    if (target_shape_[i] == -1) {
      infer = static_cast<int>(i);
    } else {
      given *= target_shape_[i];
    }
    out.push_back(target_shape_[i] == -1 ? Shape::kUnknown : target_shape_[i]);
  }
  if (!known) return Shape(out);  // Keras: the -1 stays None
  const bool fits = infer >= 0 ? given > 0 && total % given == 0 : given == total;
  if (!fits)
    throw ValueError(who() + "target_shape " + tuple_str(target_shape_) +
                     " does not fit an input of shape " + in.str() + " (" + std::to_string(total) +
                     " elements per sample): the total size must be unchanged");
  if (infer >= 0) out[static_cast<std::size_t>(infer) + 1] = total / given;
  return Shape(out);
}

Variable Reshape::call(const Variable& x) {
  const Shape out = compute_output_shape(x.shape());
  return reshape(x, out.vec());
}

Config Reshape::layer_config() const {
  Config c;
  c["target_shape"] = target_shape_;
  return c;
}

// --- Permute ---------------------------------------------------------------------------------

Permute::Permute(std::vector<int> dims, const PermuteOptions& o)
    : Layer("Permute", base_options(o)), dims_(std::move(dims)) {
  std::vector<int> sorted = dims_;
  std::sort(sorted.begin(), sorted.end());
  bool ok = !dims_.empty();
  for (std::size_t i = 0; i < sorted.size(); ++i) ok = ok && sorted[i] == static_cast<int>(i) + 1;
  if (!ok)
    throw ValueError(who() + "dims " + tuple_str(dims_) + " is not a permutation of 1.." +
                     std::to_string(dims_.size()) + " (dims are 1-based: 0 is the batch axis)");
}

Shape Permute::compute_output_shape(const Shape& in) const {
  const int n = static_cast<int>(dims_.size());
  if (in.rank() != n + 1)
    throw ShapeError(who() + "dims " + tuple_str(dims_) + " permute " + std::to_string(n) +
                     " axes, expected an input of rank " + std::to_string(n + 1) +
                     " (batch first), got shape " + in.str());
  Shape out = in;
  for (int i = 0; i < n; ++i) out[i + 1] = in[dims_[static_cast<std::size_t>(i)]];
  return out;
}

Variable Permute::call(const Variable& x) {
  std::vector<int> perm{0};
  perm.insert(perm.end(), dims_.begin(), dims_.end());
  return permute(x, perm);
}

Config Permute::layer_config() const {
  Config c;
  c["dims"] = dims_;
  return c;
}

// --- from_config -----------------------------------------------------------------------------

namespace {

const bool registered_flatten = register_layer("Flatten", [](const Config& config) {
  ConfigReader r(config, "Flatten: ");
  const FlattenOptions o = read_base(r);
  r.finish();
  return std::make_shared<Flatten>(o);
});

const bool registered_activation = register_layer("Activation", [](const Config& config) {
  ConfigReader r(config, "Activation: ");
  const FlattenOptions o = read_base(r);
  if (!r.has("activation"))
    throw ValueError("Activation: activation is missing, expected an activation name");
  const std::string activation = r.get_string("activation", "linear");
  r.finish();
  return std::make_shared<Activation>(activation, o);
});

// A list of integers under `key` (required).
template <typename T>
std::vector<T> required_list(ConfigReader& r, const char* cls, const std::string& key) {
  const Config v = r.get_raw(key);
  bool ok = v.is_array();
  if (ok)
    for (const auto& e : v) ok = ok && e.is_number_integer();
  if (!ok)
    throw ValueError(std::string(cls) + ": " + key + " is " + v.dump() +
                     ", expected a list of integers");
  return v.get<std::vector<T>>();
}

const bool registered_reshape = register_layer("Reshape", [](const Config& config) {
  ConfigReader r(config, "Reshape: ");
  const FlattenOptions o = read_base(r);
  auto target = required_list<std::int64_t>(r, "Reshape", "target_shape");
  r.finish();
  return std::make_shared<Reshape>(std::move(target), o);
});

const bool registered_permute = register_layer("Permute", [](const Config& config) {
  ConfigReader r(config, "Permute: ");
  const FlattenOptions o = read_base(r);
  auto dims = required_list<int>(r, "Permute", "dims");
  r.finish();
  return std::make_shared<Permute>(std::move(dims), o);
});

}  // namespace

}  // namespace keel::layers
