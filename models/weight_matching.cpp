#include "keel/models/detail/weight_matching.h"

#include <set>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

WeightMatch match_weights(const Model& model, const std::map<std::string, const Tensor*>& stored,
                          bool keras_aliases) {
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
      targets.push_back({fmt::str(layer->name(), "/", names[i]),
                         fmt::str(layer->name(), "_", names[i]), vars[i]});
      alias_owners[targets.back().alias].push_back(targets.back().key);
    }
  }

  WeightMatch m;
  std::set<std::string> used;
  for (const auto& target : targets) {
    auto it = stored.find(target.key);
    if (keras_aliases && it == stored.end() && alias_owners[target.alias].size() == 1)
      it = stored.find(target.alias);
    if (it == stored.end()) {
      m.report.missing.push_back(target.key);
      continue;
    }
    used.insert(it->first);
    if (!(it->second->shape() == target.var.shape())) {
      m.report.mismatched.push_back(fmt::str(target.key, " (model ", target.var.shape(), ", file ",
                                             it->second->shape(), ")"));
      continue;
    }
    m.updates.emplace_back(target.var, it->second);
  }
  for (const auto& [key, value] : stored) {
    if (used.count(key)) continue;
    const auto owners = alias_owners.find(key);
    if (keras_aliases && owners != alias_owners.end() && owners->second.size() > 1) {
      m.report.unexpected.push_back(
          fmt::str(key, " (ambiguous: could be ", fmt::list(owners->second), ")"));
    } else {
      m.report.unexpected.push_back(key);
    }
  }
  return m;
}

Model::LoadReport apply_weight_match(WeightMatch match, bool strict, std::string_view path,
                                     std::string_view model_name, std::string_view lenient) {
  if (strict && !match.complete()) {
    auto list = [](const std::vector<std::string>& v) {
      return v.empty() ? std::string("none") : fmt::list(v);
    };
    throw ValueError(fmt::str(path, ": weights do not match model ", fmt::quoted(model_name),
                              ": missing ", list(match.report.missing), "; unexpected ",
                              list(match.report.unexpected), "; shape-mismatched ",
                              list(match.report.mismatched), " (", lenient, ")"));
  }
  // Everything is checked: now change the model.
  for (auto& [var, value] : match.updates) var.set_value(*value);
  return match.report;
}

}  // namespace keel
