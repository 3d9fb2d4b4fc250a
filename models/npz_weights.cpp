#include "keel/models/npz_weights.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/npz.h"
#include "keel/models/detail/weight_matching.h"

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
  return apply_weight_match(
      match_weights(model, stored, /*keras_aliases=*/true), strict, path, model.name(),
      "load_weights_npz(model, path, /*strict=*/false) loads the matching ones");
}

}  // namespace keel
