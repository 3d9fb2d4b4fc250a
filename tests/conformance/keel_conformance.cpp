// keel_conformance DIR: runs every case of a conformance directory (manifest.json + cases/*/
// *.npy, the format of the reference set's README) against keel and prints one line per case,
// then "N passed, M failed". Exits non-zero when a case fails or cannot be run.
//
// Case kinds: "layer" (forward y, then dx and every weight gradient for the loss
// sum(y * dy)), "weight_regularizer" / "activity_regularizer" (penalty and its gradient),
// "constraint" (the projected weight) and "fans" (the fans a layer's initializers use).
// Layers are built from their Keras class name and config through keel's one layer factory.
#include <keel/keel.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using keel::Config;

namespace {

struct Failure {
  std::string message;
};

// |a - e| <= atol + rtol |e| elementwise; throws Failure naming the array and the worst element.
void compare(const std::string& name, const keel::Tensor& actual, const keel::Tensor& expected,
             double atol, double rtol) {
  if (!(actual.shape() == expected.shape()))
    throw Failure{name + ": shape " + actual.shape().str() + ", expected " +
                  expected.shape().str()};
  const auto a = actual.to_vector(), e = expected.to_vector();
  double worst = 0;
  std::size_t worst_i = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double excess = std::abs(double(a[i]) - e[i]) - (atol + rtol * std::abs(double(e[i])));
    if (!(excess <= worst)) {  // also catches NaN
      worst = std::isnan(excess) ? INFINITY : excess;
      worst_i = i;
    }
  }
  if (worst > 0) {
    std::ostringstream os;
    os << name << ": element " << worst_i << " is " << a[worst_i] << ", expected " << e[worst_i]
       << " (atol " << atol << ", rtol " << rtol << ")";
    throw Failure{os.str()};
  }
}

struct Case {
  const Config& json;
  fs::path dir;

  keel::Tensor array(const std::string& name) const {
    const auto& arrays = json.at("arrays");
    if (!arrays.contains(name)) throw Failure{"the case has no array '" + name + "'"};
    return keel::read_npy((dir / arrays.at(name).get<std::string>()).string());
  }
  double atol(const std::string& name) const {
    const auto& t = json.at("tolerance").at("atol");
    return t.contains(name) ? t.at(name).get<double>() : 0.0;
  }
  double rtol() const { return json.at("tolerance").at("rtol").get<double>(); }
  void check(const std::string& name, const keel::Tensor& actual) const {
    compare(name, actual, array(name), atol(name), rtol());
  }
};

keel::Shape shape_of(const Config& j, bool with_unknown_batch) {
  std::vector<std::int64_t> dims;
  if (with_unknown_batch) dims.push_back(keel::Shape::kUnknown);
  for (const auto& d : j)
    dims.push_back(d.is_null() ? keel::Shape::kUnknown : d.get<std::int64_t>());
  return keel::Shape(dims);
}

void run_layer(const Case& c) {
  const Config& j = c.json;
  auto layer = keel::layers::layer_from_config(j.at("layer").get<std::string>(), j.at("config"));
  const keel::Tensor x = c.array("x");
  const keel::Shape input = shape_of(j.at("input_shape"), true);
  const keel::Shape expected_out = shape_of(j.at("output_shape"), false);

  // Static shape inference, with an unknown batch.
  const keel::Shape inferred = layer->output_shape(input);
  if (!(inferred == expected_out.with_dim(0, keel::Shape::kUnknown)))
    throw Failure{"output_shape(" + input.str() + ") is " + inferred.str() + ", expected " +
                  expected_out.with_dim(0, keel::Shape::kUnknown).str()};

  layer->build(x.shape());
  std::vector<std::string> names;
  std::vector<keel::Tensor> weights;
  for (const auto& n : j.at("weights")) {
    names.push_back(n.get<std::string>());
    weights.push_back(c.array(names.back()));
  }
  if (layer->weight_names() != names) {
    std::string got;
    for (const auto& n : layer->weight_names()) got += n + " ";
    throw Failure{"weights are [" + got + "], expected the manifest's order"};
  }
  layer->set_weights(weights);

  keel::Variable xv(x, true, "x");
  keel::Tape tape;
  const keel::Variable y = (*layer)(xv);
  c.check("y", y.value());
  std::vector<keel::Variable> sources{xv};
  for (const auto& w : layer->weights()) sources.push_back(w);
  const auto grads = tape.gradient(y, sources, {.output_gradient = c.array("dy")});
  c.check("dx", grads[0]);
  for (std::size_t i = 0; i < names.size(); ++i) c.check("d" + names[i], grads[i + 1]);
}

void run_regularizer(const Case& c, const std::string& tensor_name) {
  const auto reg = keel::regularizers::regularizer_from_factory(
      c.json.at("regularizer").get<std::string>(), c.json.value("args", Config::object()));
  keel::Variable w(c.array(tensor_name), true);
  keel::Tape tape;
  const keel::Variable penalty = reg.penalty(w);
  c.check("penalty", penalty.value().reshape(keel::Shape{1}));
  c.check("d" + tensor_name, tape.gradient(penalty, w));
}

void run_constraint(const Case& c) {
  const auto con = keel::constraints::constraint_from_factory(
      c.json.at("constraint").get<std::string>(), c.json.value("args", Config::object()));
  c.check("W_constrained", con.apply(c.array("W")));
}

void run_fans(const Case& c) {
  const double rtol =
      c.json.contains("tolerance") ? c.json.at("tolerance").value("rtol", 1e-6) : 1e-6;
  for (const auto& f : c.json.at("fans")) {
    const std::string who =
        f.at("layer").get<std::string>() + " " + f.at("weight").get<std::string>();
    auto layer = keel::layers::layer_from_config(f.at("layer").get<std::string>(), f.at("config"));
    layer->build(shape_of(f.at("input_shape"), true));
    const std::string weight = f.at("weight").get<std::string>();
    const auto names = layer->weight_names();
    const auto pos = std::find(names.begin(), names.end(), weight) - names.begin();
    if (pos == static_cast<long>(names.size())) throw Failure{who + ": no such weight"};
    const keel::Shape expected_shape = shape_of(f.at("shape"), false);
    if (!(layer->weights()[pos].shape() == expected_shape))
      throw Failure{who + ": shape " + layer->weights()[pos].shape().str() + ", expected " +
                    expected_shape.str()};
    const keel::Fans fans = layer->weight_fans(weight);
    if (fans.fan_in != f.at("fan_in").get<double>() ||
        fans.fan_out != f.at("fan_out").get<double>())
      throw Failure{who + ": fans (" + std::to_string(fans.fan_in) + ", " +
                    std::to_string(fans.fan_out) + "), expected (" + f.at("fan_in").dump() + ", " +
                    f.at("fan_out").dump() + ")"};
    auto close = [&](const char* key, double v) {
      if (!f.contains(key)) return;
      const double e = f.at(key).get<double>();
      if (std::abs(v - e) > rtol * std::abs(e))
        throw Failure{who + ": " + key + " " + std::to_string(v) + ", expected " +
                      std::to_string(e)};
    };
    close("glorot_uniform_limit", std::sqrt(6.0 / (fans.fan_in + fans.fan_out)));
    close("he_normal_stddev", std::sqrt(2.0 / fans.fan_in));
    close("lecun_uniform_limit", std::sqrt(3.0 / fans.fan_in));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: keel_conformance DIR   (DIR holds manifest.json and cases/)\n";
    return 2;
  }
  const fs::path root(argv[1]);
  Config manifest;
  try {
    std::ifstream in(root / "manifest.json");
    if (!in) throw keel::IOError((root / "manifest.json").string() + ": cannot be opened");
    manifest = Config::parse(in);
  } catch (const std::exception& e) {
    std::cerr << "keel_conformance: " << e.what() << "\n";
    return 2;
  }

  int passed = 0, failed = 0;
  for (const auto& json : manifest.at("cases")) {
    const std::string id = json.value("id", "?");
    const std::string kind = json.value("kind", "?");
    const Case c{json, root / "cases" / id};
    try {
      if (kind == "layer")
        run_layer(c);
      else if (kind == "weight_regularizer")
        run_regularizer(c, "W");
      else if (kind == "activity_regularizer")
        run_regularizer(c, "activation");
      else if (kind == "constraint")
        run_constraint(c);
      else if (kind == "fans")
        run_fans(c);
      else
        throw Failure{"unknown case kind '" + kind + "'"};
      std::printf("PASS %s\n", id.c_str());
      ++passed;
    } catch (const Failure& f) {
      std::printf("FAIL %s: %s\n", id.c_str(), f.message.c_str());
      ++failed;
    } catch (const std::exception& e) {
      std::printf("FAIL %s: cannot run: %s\n", id.c_str(), e.what());
      ++failed;
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}
