#include "keel/regularizers/regularizer.h"

#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/kwargs.h"

namespace keel::regularizers {
namespace {

// The keyword arguments of the Keras regularizer factories (float32: Keras casts them).
struct L1L2Args {
  float l1 = 0.f;
  float l2 = 0.f;
  static auto fields() {
    return kwargs::fields(kwargs::field("l1", &L1L2Args::l1, kwargs::non_negative()),
                          kwargs::field("l2", &L1L2Args::l2, kwargs::non_negative()));
  }
};
struct SingleArg {
  float l = 0.01f;
  static auto fields() {
    return kwargs::fields(kwargs::field("l", &SingleArg::l, kwargs::non_negative()));
  }
};

// The names regularizer_from_config / _from_factory know.
struct Factory {
  std::string_view name;
  std::function<L1L2Regularizer(const Config& args, const std::string& who)> make;
};

L1L2Regularizer from_pair(const Config& args, const std::string& who, float fallback) {
  L1L2Args a{fallback, fallback};
  kwargs::read_config(args, a, who);
  return L1L2Regularizer(a.l1, a.l2);
}

L1L2Regularizer from_single(const Config& args, const std::string& who, bool is_l1) {
  const SingleArg a = kwargs::from_config<SingleArg>(args, who);
  return is_l1 ? L1L2Regularizer(a.l, 0.f) : L1L2Regularizer(0.f, a.l);
}

const std::vector<Factory>& factories() {
  static const std::vector<Factory> f = {
      {"l1", [](const Config& a, const std::string& w) { return from_single(a, w, true); }},
      {"l2", [](const Config& a, const std::string& w) { return from_single(a, w, false); }},
      {"l1l2", [](const Config& a, const std::string& w) { return from_pair(a, w, 0.01f); }},
      {"activity_l1",
       [](const Config& a, const std::string& w) { return from_single(a, w, true); }},
      {"activity_l2",
       [](const Config& a, const std::string& w) { return from_single(a, w, false); }},
      {"activity_l1l2",
       [](const Config& a, const std::string& w) { return from_pair(a, w, 0.01f); }},
      {"L1L2Regularizer",
       [](const Config& a, const std::string& w) { return from_pair(a, w, 0.f); }},
      {"WeightRegularizer",
       [](const Config& a, const std::string& w) { return from_pair(a, w, 0.f); }},
      {"ActivityRegularizer",
       [](const Config& a, const std::string& w) { return from_pair(a, w, 0.f); }},
  };
  return f;
}

L1L2Regularizer build(std::string_view name, const Config& args) {
  for (const Factory& f : factories())
    if (f.name == name) return f.make(args, fmt::str("regularizer ", fmt::quoted(name), ": "));
  std::vector<std::string_view> names;
  for (const Factory& f : factories()) names.push_back(f.name);
  throw ValueError(
      fmt::str("regularizer ", fmt::quoted(name), " is not one of ", fmt::list(names)));
}

}  // namespace

L1L2Regularizer::L1L2Regularizer(float l1, float l2) : l1_(l1), l2_(l2) {
  kwargs::validate(L1L2Args{l1, l2}, "regularizer 'L1L2Regularizer': ");
}

Variable L1L2Regularizer::penalty(const Variable& x) const {
  if (!x.defined()) throw ValueError("L1L2Regularizer.penalty: the tensor is undefined");
  Variable total;
  if (l1_ != 0.f) total = sum(abs(x)) * l1_;
  if (l2_ != 0.f) {
    Variable t = sum(square(x)) * l2_;
    total = total.defined() ? total + t : t;
  }
  if (!total.defined()) return Variable(Tensor::scalar(0.f));
  return total;
}

Config L1L2Regularizer::get_config() const {
  // float -> double keeps the float32 value exactly, as Keras' float(np.float32(l1)).
  return Config{{"name", "L1L2Regularizer"},
                {"l1", static_cast<double>(l1_)},
                {"l2", static_cast<double>(l2_)}};
}

L1L2Regularizer l1(float l) { return L1L2Regularizer(l, 0.f); }
L1L2Regularizer l2(float l) { return L1L2Regularizer(0.f, l); }
L1L2Regularizer l1l2(float l1, float l2) { return L1L2Regularizer(l1, l2); }
L1L2Regularizer activity_l1(float l) { return L1L2Regularizer(l, 0.f); }
L1L2Regularizer activity_l2(float l) { return L1L2Regularizer(0.f, l); }
L1L2Regularizer activity_l1l2(float l1, float l2) { return L1L2Regularizer(l1, l2); }

L1L2Regularizer regularizer_from_config(const Config& j) {
  if (j.is_string()) return build(j.get<std::string>(), Config());
  if (j.is_object()) {
    const auto name = j.find("name");
    if (name == j.end() || !name->is_string())
      throw ValueError(fmt::str("regularizer config ", fmt::repr(j), " needs a string 'name'"));
    Config args = j;
    args.erase("name");
    return build(name->get<std::string>(), args);
  }
  throw ValueError(
      fmt::str("regularizer config must be a name or an object with a 'name', got ", fmt::repr(j)));
}

L1L2Regularizer regularizer_from_factory(std::string_view factory, const Config& args) {
  return build(factory, args);
}

std::vector<std::string> registered_regularizer_names() {
  std::vector<std::string> out;
  for (const Factory& f : factories()) out.emplace_back(f.name);
  return out;
}

}  // namespace keel::regularizers
