// Model::save_weights / load_weights: the weights part of keel's checkpoint format.
#include <map>
#include <set>

#include "keel/core/atomic_file.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/models/detail/weight_matching.h"
#include "keel/models/model.h"
#include "keel/proto/checkpoint_format.h"
#include "keel/proto/detail/record_file.h"

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

  return apply_weight_match(match_weights(*this, stored), strict, path, name_,
                            "load_weights(path, /*strict=*/false) loads the matching ones");
}

}  // namespace keel
