// Matching the weights stored in a file to a model's, by name: the one mechanism behind
// Model::load_weights (keel weights files), load_weights_npz and checkpoint loading.
//
// A stored tensor's key is "<layer>/<weight>" (weight = its Keras name, "W", "b", ...); with
// `keras_aliases`, Keras's variable name "<layer>_<weight>" also matches when it names one
// weight only (an ambiguous alias is reported as unexpected, naming the candidates).
// Everything is checked before any weight changes.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/models/model.h"

namespace keel {

struct WeightMatch {
  Model::LoadReport report;
  std::vector<std::pair<Variable, const Tensor*>> updates;  // weight and its new value
  bool complete() const {
    return report.missing.empty() && report.unexpected.empty() && report.mismatched.empty();
  }
};

WeightMatch match_weights(const Model& model, const std::map<std::string, const Tensor*>& stored,
                          bool keras_aliases = false);

// Applies `match`: strict and incomplete is a ValueError "<path>: weights do not match model
// 'm': missing ...; unexpected ...; shape-mismatched ... (<lenient>)" and nothing changes;
// otherwise the matching weights are set. Returns the report.
Model::LoadReport apply_weight_match(WeightMatch match, bool strict, std::string_view path,
                                     std::string_view model_name, std::string_view lenient);

}  // namespace keel
