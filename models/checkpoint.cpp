#include "keel/models/checkpoint.h"

#include <cmath>
#include <map>

#include "keel/core/atomic_file.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/models/detail/weight_matching.h"
#include "keel/optimizers/optimizers.h"
#include "keel/proto/checkpoint_format.h"
#include "keel/proto/detail/record_file.h"

#ifndef KEEL_VERSION
#define KEEL_VERSION "unknown"
#endif

namespace keel {

const char* keel_version() { return KEEL_VERSION; }

void save_checkpoint(const std::string& path, const Model& model,
                     const SaveCheckpointOptions& options) {
  proto::CheckpointHeader header;
  header.set_kind("checkpoint");
  header.set_keel_version(keel_version());
  header.set_model_json(model.get_config().dump());
  std::vector<NamedTensor> tensors;
  for (const auto& layer : model.layers()) {
    const auto names = layer->weight_names();
    const auto values = layer->weights();
    for (std::size_t i = 0; i < names.size(); ++i)
      tensors.push_back({"weights", layer->name(), names[i], values[i].value()});
  }
  auto* training = header.mutable_training();
  training->set_epoch(options.epoch);
  training->set_shuffle_seed(model.shuffle_seed());
  const RngState rng = rng_state();
  training->set_rng_seed(rng.seed);
  training->set_rng_counter(rng.counter);
  training->set_callbacks_json(options.callbacks.dump());
  if (model.compiled()) {
    const optimizers::Optimizer& opt = model.optimizer();
    auto* o = header.mutable_optimizer();
    o->set_class_name(opt.class_name());
    o->set_config_json(opt.get_config().dump());
    o->set_scalars_json(opt.state_scalars().dump());
    for (const auto& ws : opt.state())
      for (const auto& slot : ws.slots)
        tensors.push_back({"optimizer", ws.weight, slot.name, slot.value});
    training->set_step(opt.iterations());
    training->set_lr(opt.lr());
    training->set_compile_json(model.compile_config().dump());
  }
  for (const auto& [k, v] : options.metadata) (*header.mutable_metadata())[k] = v;
  write_file_atomically(path, encode_checkpoint(std::move(header), tensors, options.chunk_bytes));
}

namespace {

Config parse_json(const std::string& text, const std::string& path, const char* what) {
  try {
    return text.empty() ? Config() : Config::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw IOError(fmt::str(path, ": the ", what, " is not valid JSON (", e.what(), ")"));
  }
}

TrainingState state_of(const proto::CheckpointHeader& h, const std::string& path) {
  TrainingState s;
  const auto& t = h.training();
  s.epoch = t.epoch();
  s.step = t.step();
  s.rng = {t.rng_seed(), t.rng_counter()};
  s.shuffle_seed = t.shuffle_seed();
  s.callbacks = parse_json(t.callbacks_json(), path, "callback state");
  if (s.callbacks.is_null()) s.callbacks = Config::object();
  for (const auto& [k, v] : h.metadata()) s.metadata[k] = v;
  return s;
}

}  // namespace

Checkpoint load_checkpoint(const std::string& path) {
  const DecodedCheckpoint file = decode_checkpoint(read_file(path), path);
  const auto& h = file.header;
  if (h.kind() != "checkpoint")
    throw ValueError(fmt::str(path, ": a '", h.kind(),
                              "' file, not a checkpoint (load it with Model::load_weights)"));

  Checkpoint out;
  out.keel_version = h.keel_version();
  out.format_version = h.format_version();
  out.state = state_of(h, path);
  const Config model_config = parse_json(h.model_json(), path, "model architecture");
  const Config compile = parse_json(h.training().compile_json(), path, "compile configuration");

  // Building the model draws initial weights from keel's RNG: the caller's stream is restored on
  // every way out of this function.
  struct RestoreRng {
    RngState state = rng_state();
    ~RestoreRng() { set_rng_state(state); }
  } restore_rng;
  try {
    out.model = model_from_config(model_config);
  } catch (const Error& e) {
    throw ValueError(fmt::str(path, ": the architecture cannot be rebuilt: ", e.what()));
  }

  // Weights, strictly: every model weight present with its shape, nothing extra.
  std::map<std::string, const Tensor*> stored;
  for (const auto& t : file.tensors)
    if (t.group == "weights") stored[t.owner + "/" + t.name] = &t.value;
  WeightMatch match = match_weights(*out.model, stored);
  if (!match.report.missing.empty())
    throw ValueError(fmt::str(path, ": weight ", match.report.missing.front(), " is missing"));
  if (!match.report.mismatched.empty())
    throw ValueError(fmt::str(path, ": weight ", match.report.mismatched.front()));
  if (!match.report.unexpected.empty())
    throw ValueError(
        fmt::str(path, ": weight ", match.report.unexpected.front(), " belongs to no layer"));
  apply_weight_match(std::move(match), /*strict=*/true, path, out.model->name(), "");

  if (h.has_optimizer() && !h.optimizer().class_name().empty()) {
    try {
      out.optimizer = optimizers::from_config(
          h.optimizer().class_name(),
          parse_json(h.optimizer().config_json(), path, "optimizer configuration"));
      out.optimizer->set_state_scalars(
          parse_json(h.optimizer().scalars_json(), path, "optimizer state"));
      std::map<std::string, optimizers::WeightSlots> slots;
      for (const auto& t : file.tensors)
        if (t.group == "optimizer") {
          auto& ws = slots[t.owner];
          ws.weight = t.owner;
          ws.slots.push_back({t.name, t.value});
        }
      std::vector<optimizers::WeightSlots> state;
      for (auto& [name, ws] : slots) state.push_back(std::move(ws));
      out.optimizer->set_state(std::move(state));
      if (compile.is_object()) {
        out.model->compile(out.optimizer, compile.at("loss").get<std::vector<std::string>>(),
                           compile.at("metrics").get<std::vector<std::string>>(),
                           {.precision = compile.value("precision", std::string("float32"))});
      }
    } catch (const Error& e) {
      throw ValueError(fmt::str(path, ": the optimizer cannot be restored: ", e.what()));
    } catch (const nlohmann::json::exception& e) {
      throw IOError(fmt::str(path, ": malformed compile configuration (", e.what(), ")"));
    }
  }
  out.model->set_shuffle_seed(out.state.shuffle_seed);
  return out;
}

CheckpointInfo inspect_checkpoint(const std::string& path) {
  std::string bytes = read_file(path);
  CheckpointInfo info;
  info.file_bytes = bytes.size();
  const DecodedCheckpoint file = decode_checkpoint(std::move(bytes), path);
  const auto& h = file.header;
  info.kind = h.kind();
  info.format_version = h.format_version();
  info.keel_version = h.keel_version();
  info.model = parse_json(h.model_json(), path, "model architecture");
  if (h.has_optimizer()) {
    info.optimizer_class = h.optimizer().class_name();
    info.optimizer_config =
        parse_json(h.optimizer().config_json(), path, "optimizer configuration");
    info.optimizer_scalars = parse_json(h.optimizer().scalars_json(), path, "optimizer state");
  }
  info.state = state_of(h, path);
  for (const auto& t : file.tensors) {
    double sum = 0;
    const float* d = t.value.data();
    for (std::int64_t i = 0; i < t.value.numel(); ++i) sum += static_cast<double>(d[i]) * d[i];
    info.tensors.push_back({t.group, t.owner, t.name, t.value.shape(), std::sqrt(sum)});
  }
  return info;
}

}  // namespace keel
