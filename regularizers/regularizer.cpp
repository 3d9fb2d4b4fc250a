#include "keel/regularizers/regularizer.h"

#include <array>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"

namespace keel::regularizers {
namespace {

// The names regularizer_from_config / _from_factory know, and the arguments each takes.
struct Factory {
  std::string_view name;
  bool single;      // takes one coefficient "l" (else "l1" and "l2")
  bool l1, l2;      // which coefficient(s) "l" sets, for the single-coefficient shortcuts
  float default_l;  // default of every argument it takes
};

constexpr std::array<Factory, 9> kFactories = {{
    {"l1", true, true, false, 0.01f},
    {"l2", true, false, true, 0.01f},
    {"l1l2", false, true, true, 0.01f},
    {"activity_l1", true, true, false, 0.01f},
    {"activity_l2", true, false, true, 0.01f},
    {"activity_l1l2", false, true, true, 0.01f},
    {"L1L2Regularizer", false, true, true, 0.f},
    {"WeightRegularizer", false, true, true, 0.f},
    {"ActivityRegularizer", false, true, true, 0.f},
}};

std::string known_names() {
  std::string out;
  for (const Factory& f : kFactories) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

const Factory& find_factory(std::string_view name) {
  for (const Factory& f : kFactories)
    if (f.name == name) return f;
  throw ValueError("regularizer '" + std::string(name) + "' is not one of " + known_names());
}

std::string format(float v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

float check_coefficient(float v, std::string_view who, std::string_view arg) {
  if (!std::isfinite(v) || v < 0.f)
    throw ValueError("regularizer '" + std::string(who) + "': " + std::string(arg) + " is " +
                     format(v) + ", expected a finite number >= 0");
  return v;
}

float coefficient(const Config& args, std::string_view who, const std::string& key) {
  const Config& v = args.at(key);
  if (!v.is_number())
    throw ValueError("regularizer '" + std::string(who) + "': " + key + " is " + v.dump() +
                     ", expected a number");
  // Keras casts the coefficients to float32.
  return check_coefficient(v.get<float>(), who, key);
}

L1L2Regularizer build(const Factory& f, const Config& args, std::string_view skip_key = {}) {
  if (!args.is_null() && !args.is_object())
    throw ValueError("regularizer '" + std::string(f.name) +
                     "': arguments must be an object, got " + args.dump());
  const std::vector<std::string> allowed =
      f.single ? std::vector<std::string>{"l"} : std::vector<std::string>{"l1", "l2"};
  float l1 = 0.f, l2 = 0.f;
  if (f.single) {
    (f.l1 ? l1 : l2) = f.default_l;
  } else {
    l1 = l2 = f.default_l;
  }
  if (args.is_object()) {
    for (const auto& [key, value] : args.items()) {
      if (!skip_key.empty() && key == skip_key) continue;
      if (key == "l" && f.single) {
        (f.l1 ? l1 : l2) = coefficient(args, f.name, key);
      } else if (key == "l1" && !f.single) {
        l1 = coefficient(args, f.name, key);
      } else if (key == "l2" && !f.single) {
        l2 = coefficient(args, f.name, key);
      } else {
        throw ValueError("regularizer '" + std::string(f.name) + "': unexpected argument '" + key +
                         "', expected " + (f.single ? "l" : "l1, l2"));
      }
    }
  }
  return L1L2Regularizer(l1, l2);
}

}  // namespace

L1L2Regularizer::L1L2Regularizer(float l1, float l2)
    : l1_(check_coefficient(l1, "L1L2Regularizer", "l1")),
      l2_(check_coefficient(l2, "L1L2Regularizer", "l2")) {}

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
  if (j.is_string()) return build(find_factory(j.get<std::string>()), Config());
  if (j.is_object()) {
    const auto name = j.find("name");
    if (name == j.end() || !name->is_string())
      throw ValueError("regularizer config " + j.dump() + " needs a string 'name', one of " +
                       known_names());
    return build(find_factory(name->get<std::string>()), j, "name");
  }
  throw ValueError("regularizer config must be a name or an object with a 'name', got " + j.dump());
}

L1L2Regularizer regularizer_from_factory(std::string_view factory, const Config& args) {
  return build(find_factory(factory), args);
}

}  // namespace keel::regularizers
