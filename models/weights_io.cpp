// Model::save_weights / load_weights: the weights part of keel's checkpoint format.
#include <map>
#include <set>

#include "keel/core/atomic_file.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/models/model.h"
#include "keel/proto/checkpoint_format.h"
#include "keel/proto/record_file.h"

namespace keel {

void Model::save_weights(const std::string& path) const {
  proto::CheckpointHeader header;
  header.set_kind("weights");
  std::vector<NamedTensor> tensors;
  for (const auto& layer : layers_) {
    const auto names = layer->weight_names();
    const auto values = layer->weights();
    for (std::size_t i = 0; i < names.size(); ++i)
      tensors.push_back({"weights", layer->name(), names[i], values[i].value()});
  }
  write_file_atomically(path, encode_checkpoint(std::move(header), tensors));
}

Model::LoadReport Model::load_weights(const std::string& path, bool strict) {
  const DecodedCheckpoint file = decode_checkpoint(read_file(path), path);
  std::map<std::string, const Tensor*> stored;
  for (const auto& t : file.tensors)
    if (t.group == "weights") stored[t.owner + "/" + t.name] = &t.value;

  LoadReport report;
  std::vector<std::pair<Variable, Tensor>> updates;
  std::set<std::string> used;
  for (const auto& layer : layers_) {
    const auto names = layer->weight_names();
    const auto vars = layer->weights();
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string key = layer->name() + "/" + names[i];
      auto it = stored.find(key);
      if (it == stored.end()) {
        report.missing.push_back(key);
        continue;
      }
      used.insert(key);
      if (!(it->second->shape() == vars[i].shape())) {
        report.mismatched.push_back(key + " (model " + vars[i].shape().str() + ", file " +
                                    it->second->shape().str() + ")");
        continue;
      }
      updates.emplace_back(vars[i], *it->second);
    }
  }
  for (const auto& [key, t] : stored)
    if (!used.count(key)) report.unexpected.push_back(key);

  if (strict &&
      (!report.missing.empty() || !report.unexpected.empty() || !report.mismatched.empty())) {
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& e : v) s += (s.empty() ? "" : ", ") + e;
      return s.empty() ? std::string("none") : s;
    };
    throw ValueError(fmt::str(path, ": weights do not match model '", name_, "': missing ",
                              list(report.missing), "; unexpected ", list(report.unexpected),
                              "; shape-mismatched ", list(report.mismatched),
                              " (load_weights(path, /*strict=*/false) loads the matching ones)"));
  }
  // Everything is checked: now change the model.
  for (auto& [var, value] : updates) var.set_value(value);
  return report;
}

}  // namespace keel
