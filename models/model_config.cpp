// Model::get_config / model_from_config: the architecture as Keras 1's model config.
//
// Sequential: {"class_name": "Sequential", "name": ..., "config": [{"class_name", "config"}...]}.
// Graph models (Keras's functional form): {"class_name": "Model", "config": {"name",
// "layers": [{"name", "class_name", "config", "inbound_nodes": [[[layer, node, 0], ...], ...]}],
// "input_layers": [[name, 0, 0]], "output_layers": [[layer, node, 0]]}}, inputs as InputLayer.
// Node indices count a layer's calls within this model, in creation order.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/kwargs.h"
#include "keel/layers/factory.h"
#include "keel/models/model.h"
#include "keel/models/sequential.h"

namespace keel {

using layers::Layer;
using layers::Node;
using layers::SymbolicTensor;

Config Model::compile_config() const {
  if (!optimizer_) return nullptr;
  Config c = {{"loss", loss_names_}, {"metrics", metric_requests_}};
  if (precision_ != "float32") c["precision"] = precision_;  // absent: float32 (older files)
  return c;
}

Config Model::get_config() const {
  if (class_name() == "Sequential") {
    Config layers_config = Config::array();
    for (const auto& l : layers_)
      layers_config.push_back({{"class_name", l->class_name()}, {"config", l->get_config()}});
    return {{"class_name", "Sequential"}, {"name", name_}, {"config", layers_config}};
  }
  // Local node indices: each layer's nodes in this model, in creation order.
  std::map<const Node*, int> local_index;
  std::map<const Layer*, int> calls;
  for (const auto& n : nodes_) local_index[n.get()] = calls[n->layer.get()]++;
  auto ref = [&](const SymbolicTensor& t) {
    const Node* n = t.node().get();
    if (!n->layer) return Config::array({n->input_name, 0, 0});
    return Config::array({n->layer->name(), local_index.at(n), 0});
  };
  Config layer_list = Config::array();
  for (const auto& x : inputs_)
    layer_list.push_back({{"name", x.node()->input_name},
                          {"class_name", "InputLayer"},
                          {"config",
                           {{"name", x.node()->input_name},
                            {"batch_input_shape", kwargs::Codec<Shape>::write(x.shape())},
                            {"input_dtype", "float32"},
                            {"sparse", false}}},
                          {"inbound_nodes", Config::array()}});
  for (const auto& l : layers_) {
    Config inbound = Config::array();
    for (const auto& n : nodes_) {
      if (n->layer != l) continue;
      Config refs = Config::array();
      for (const auto& in : n->inputs) refs.push_back(ref(in));
      inbound.push_back(refs);
    }
    layer_list.push_back({{"name", l->name()},
                          {"class_name", l->class_name()},
                          {"config", l->get_config()},
                          {"inbound_nodes", inbound}});
  }
  Config ins = Config::array(), outs = Config::array();
  for (const auto& x : inputs_) ins.push_back(ref(x));
  for (const auto& y : outputs_) outs.push_back(ref(y));
  return {
      {"class_name", "Model"},
      {"config",
       {{"name", name_}, {"layers", layer_list}, {"input_layers", ins}, {"output_layers", outs}}}};
}

namespace {

[[noreturn]] void bad(const std::string& what) {
  throw ValueError(fmt::str("model_from_config: ", what));
}

// Keras 1's InputLayer config.
struct InputLayerOptions {
  Shape batch_input_shape;
  std::string input_dtype = "float32";
  bool sparse = false;
  std::string name;
  static auto fields() {
    using O = InputLayerOptions;
    using kwargs::field;
    return kwargs::fields(field("batch_input_shape", &O::batch_input_shape),
                          field("input_dtype", &O::input_dtype, kwargs::one_of({"float32"})),
                          field("sparse", &O::sparse, kwargs::Rule<bool>([](bool v) {
                                  return v ? std::string("false (keel has no sparse inputs)")
                                           : std::string();
                                })),
                          field("name", &O::name));
  }
};

std::shared_ptr<Model> sequential_from_config(const Config& c) {
  if (!c.contains("config") || !c.at("config").is_array())
    bad("a Sequential config needs a list of layers");
  auto model = std::make_shared<Sequential>(c.value("name", std::string()));
  for (const auto& entry : c.at("config")) {
    if (!entry.is_object() || !entry.contains("class_name") || !entry.contains("config"))
      bad(fmt::str("every layer needs class_name and config, got ", entry.dump()));
    model->add(
        layers::layer_from_config(entry.at("class_name").get<std::string>(), entry.at("config")));
  }
  return model;
}

std::shared_ptr<Model> graph_from_config(const Config& c) {
  const Config& g = c.at("config");
  if (!g.is_object() || !g.contains("layers") || !g.contains("input_layers") ||
      !g.contains("output_layers"))
    bad("a Model config needs layers, input_layers and output_layers");
  // outputs[layer name][node index] once the node has been replayed.
  std::map<std::string, std::vector<SymbolicTensor>> outputs;
  struct Pending {
    std::shared_ptr<Layer> layer;
    std::string name;
    Config nodes;
    std::size_t done = 0;
  };
  std::vector<Pending> pending;
  std::set<std::string> names;
  for (const auto& l : g.at("layers")) {
    const std::string name = l.at("name").get<std::string>();
    if (!names.insert(name).second) bad(fmt::str("two layers are named '", name, "'"));
    const std::string cls = l.at("class_name").get<std::string>();
    if (cls == "InputLayer") {
      const Shape shape =
          kwargs::from_config<InputLayerOptions>(l.at("config"), fmt::owner("InputLayer", name))
              .batch_input_shape;
      if (shape.rank() < 1) bad(fmt::str("InputLayer '", name, "' needs a batch_input_shape"));
      outputs[name].push_back(layers::Input(shape.drop_front(), name, shape[0]));
    } else {
      pending.push_back(
          {layers::layer_from_config(cls, l.at("config")), name, l.at("inbound_nodes"), 0});
    }
  }
  auto resolve = [&](const Config& r) -> const SymbolicTensor* {
    if (!r.is_array() || r.size() < 2)
      bad(fmt::str("a connection must be [layer, node, tensor], got ", r.dump()));
    auto it = outputs.find(r[0].get<std::string>());
    const auto node = r[1].get<std::size_t>();
    if (it == outputs.end() || node >= it->second.size()) return nullptr;
    return &it->second[node];
  };
  // Replay the calls in dependency order.
  for (bool progress = true; progress;) {
    progress = false;
    for (auto& p : pending) {
      while (p.done < p.nodes.size()) {
        std::vector<SymbolicTensor> ins;
        bool ready = true;
        for (const auto& r : p.nodes[p.done]) {
          const SymbolicTensor* t = resolve(r);
          if (!t) {
            ready = false;
            break;
          }
          ins.push_back(*t);
        }
        if (!ready) break;
        outputs[p.name].push_back(ins.size() == 1 ? (*p.layer)(ins[0]) : (*p.layer)(ins));
        ++p.done;
        progress = true;
      }
    }
  }
  for (const auto& p : pending)
    if (p.done < p.nodes.size())
      bad(fmt::str("layer '", p.name, "' is connected to a layer or node that does not exist"));
  std::vector<SymbolicTensor> ins, outs;
  for (const auto& r : g.at("input_layers")) {
    const SymbolicTensor* t = resolve(r);
    if (!t) bad(fmt::str("unknown input ", r.dump()));
    ins.push_back(*t);
  }
  for (const auto& r : g.at("output_layers")) {
    const SymbolicTensor* t = resolve(r);
    if (!t) bad(fmt::str("unknown output ", r.dump()));
    outs.push_back(*t);
  }
  return std::make_shared<Model>(ins, outs, g.value("name", std::string()));
}

}  // namespace

std::shared_ptr<Model> model_from_config(const Config& c) {
  if (!c.is_object() || !c.contains("class_name") || !c.at("class_name").is_string())
    bad(fmt::str("expected {\"class_name\": \"Sequential\" or \"Model\", \"config\": ...}, got ",
                 c.is_object() ? std::string("an object without a class_name") : fmt::repr(c)));
  const std::string cls = c.at("class_name").get<std::string>();
  try {
    if (cls == "Sequential") return sequential_from_config(c);
    if (cls == "Model") return graph_from_config(c);
  } catch (const nlohmann::json::exception& e) {
    bad(fmt::str(std::string("malformed config ("), e.what(), ")"));
  }
  bad(fmt::str("unknown model class '", cls, "' (expected Sequential or Model)"));
}

std::string Model::to_json() const {
  Config c = get_config();
  c["keras_version"] = "1.2.2";
  return c.dump();
}

std::shared_ptr<Model> model_from_json(std::string_view json) {
  Config c;
  try {
    c = Config::parse(json);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number no double can hold ("1E2905").
    throw ValueError(fmt::str("model_from_json: not valid JSON (", e.what(), ")"));
  }
  return model_from_config(c);
}

std::shared_ptr<Model> model_from_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError(fmt::str(path, ": cannot be opened (missing file or no permission)"));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return model_from_json(text.str());
  } catch (const Error& e) {
    throw ValueError(fmt::str(path, ": ", e.what()));
  }
}

}  // namespace keel
