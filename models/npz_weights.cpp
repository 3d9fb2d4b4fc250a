#include "keel/models/npz_weights.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/npz.h"

namespace keel {

void save_weights_npz(const Model& model, const std::string& path) {
  std::vector<std::pair<std::string, Tensor>> arrays;
  for (const auto& layer : model.layers()) {
    const auto names = layer->weight_names();
    const auto values = layer->weights();
    for (std::size_t i = 0; i < names.size(); ++i)
      arrays.emplace_back(layer->name() + "/" + names[i], values[i].value());
  }
  write_npz(path, arrays);
}

Model::LoadReport load_weights_npz(Model& model, const std::string& path, bool strict) {
  const auto arrays = read_npz(path);  // IOError for a damaged file; names are unique
  std::map<std::string, const Tensor*> stored;
  for (const auto& [name, value] : arrays) stored[name] = &value;

  struct Target {
    std::string key;    // "<layer>/<weight>"
    std::string alias;  // Keras's variable name "<layer>_<weight>"
    Variable var;
  };
  std::vector<Target> targets;
  std::map<std::string, std::vector<std::string>> alias_owners;  // alias -> the keys it names
  for (const auto& layer : model.layers()) {
    const auto names = layer->weight_names();
    const auto vars = layer->weights();
    for (std::size_t i = 0; i < names.size(); ++i) {
      targets.push_back({layer->name() + "/" + names[i], layer->name() + "_" + names[i], vars[i]});
      alias_owners[targets.back().alias].push_back(targets.back().key);
    }
  }

  Model::LoadReport report;
  std::vector<std::pair<Variable, Tensor>> updates;
  std::set<std::string> used;
  for (const auto& target : targets) {
    auto it = stored.find(target.key);
    if (it == stored.end() && alias_owners[target.alias].size() == 1)
      it = stored.find(target.alias);
    if (it == stored.end()) {
      report.missing.push_back(target.key);
      continue;
    }
    used.insert(it->first);
    if (!(it->second->shape() == target.var.shape())) {
      report.mismatched.push_back(target.key + " (model " + target.var.shape().str() + ", file " +
                                  it->second->shape().str() + ")");
      continue;
    }
    updates.emplace_back(target.var, *it->second);
  }
  for (const auto& [key, value] : stored) {
    if (used.count(key)) continue;
    auto owners = alias_owners.find(key);
    if (owners != alias_owners.end() && owners->second.size() > 1) {
      std::string names;
      for (const auto& owner : owners->second) names += (names.empty() ? "" : ", ") + owner;
      report.unexpected.push_back(key + " (ambiguous: could be " + names + ")");
    } else {
      report.unexpected.push_back(key);
    }
  }

  if (strict &&
      (!report.missing.empty() || !report.unexpected.empty() || !report.mismatched.empty())) {
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& e : v) s += (s.empty() ? "" : ", ") + e;
      return s.empty() ? std::string("none") : s;
    };
    throw ValueError(fmt::str(
        path, ": weights do not match model '", model.name(), "': missing ", list(report.missing),
        "; unexpected ", list(report.unexpected), "; shape-mismatched ", list(report.mismatched),
        " (load_weights_npz(model, path, /*strict=*/false) loads the matching ones)"));
  }
  // Everything is checked: now change the model.
  for (auto& [var, value] : updates) var.set_value(value);
  return report;
}

}  // namespace keel
