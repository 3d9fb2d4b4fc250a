// keel-ckpt: looks into keel checkpoint and weights files (models/checkpoint.h).
//
//   keel-ckpt inspect PATH   the model summary (rebuilt from a full checkpoint; the layers of a
//                            weights file), the optimizer's class, configuration and iterations,
//                            the epoch and step, and every tensor's group, owner, name, shape and
//                            L2 norm
//   keel-ckpt verify PATH    checks every checksum; prints "OK PATH: N tensors, B bytes", or
//                            "DAMAGED PATH: REASON" and exits 1 (a missing file is an error on
//                            stderr, exit status 1)
//
// Exit status: 0 success, 1 a damaged file or any other error (message on stderr), 2 a usage
// error.
#include <keel/core/error.h>
#include <keel/models/checkpoint.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr int kUsageError = 2;

int usage(std::FILE* out, int status) {
  std::fprintf(
      out,
      "usage: keel-ckpt inspect PATH   print the model, optimizer, training state and tensors\n"
      "       keel-ckpt verify PATH    check every checksum: OK, or DAMAGED (exit status 1)\n");
  return status;
}

// keel's IOErrors start with "PATH: "; the reason is what follows.
std::string reason(const std::string& message, const std::string& path) {
  const std::string prefix = path + ": ";
  return message.compare(0, prefix.size(), prefix) == 0 ? message.substr(prefix.size()) : message;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

void print_tensors(const keel::CheckpointInfo& info) {
  std::printf("\nTensors (%zu):\n", info.tensors.size());
  std::size_t w_group = 5, w_owner = 5, w_name = 4, w_shape = 5;
  for (const auto& t : info.tensors) {
    w_group = std::max(w_group, t.group.size());
    w_owner = std::max(w_owner, t.owner.size());
    w_name = std::max(w_name, t.name.size());
    w_shape = std::max(w_shape, t.shape.str().size());
  }
  std::printf("  %s  %s  %s  %s  L2 norm\n", pad("group", w_group).c_str(),
              pad("owner", w_owner).c_str(), pad("name", w_name).c_str(),
              pad("shape", w_shape).c_str());
  for (const auto& t : info.tensors)
    std::printf("  %s  %s  %s  %s  %.9g\n", pad(t.group, w_group).c_str(),
                pad(t.owner, w_owner).c_str(), pad(t.name, w_name).c_str(),
                pad(t.shape.str(), w_shape).c_str(), t.l2_norm);
}

// A weights file has no architecture: list its layers (owners of the "weights" group) in order.
void print_layers(const keel::CheckpointInfo& info) {
  std::vector<std::string> order;
  std::map<std::string, std::string> weights;
  for (const auto& t : info.tensors) {
    if (t.group != "weights") continue;
    auto [it, added] = weights.try_emplace(t.owner);
    if (added) order.push_back(t.owner);
    it->second += (it->second.empty() ? "" : ", ") + t.name + " " + t.shape.str();
  }
  std::printf("Layers (%zu, weights file: no architecture):\n", order.size());
  for (const auto& layer : order) std::printf("  %s: %s\n", layer.c_str(), weights[layer].c_str());
}

int inspect(const std::string& path) {
  const keel::CheckpointInfo info = keel::inspect_checkpoint(path);  // verifies the whole file
  std::printf(
      "%s: format version %u, %s%llu bytes\n\n", info.kind.c_str(), info.format_version,
      info.keel_version.empty() ? "" : ("written by keel " + info.keel_version + ", ").c_str(),
      static_cast<unsigned long long>(info.file_bytes));
  if (info.kind == "checkpoint" && !info.model.is_null()) {
    const keel::Checkpoint ckpt = keel::load_checkpoint(path);
    std::printf("%s", ckpt.model->summary().c_str());
  } else {
    print_layers(info);
  }

  std::printf("\nOptimizer: ");
  if (info.optimizer_class.empty()) {
    std::printf("none\n");
  } else {
    std::printf("%s\n", info.optimizer_class.c_str());
    std::printf("  config: %s\n",
                info.optimizer_config.is_null() ? "{}" : info.optimizer_config.dump().c_str());
    const bool has_iterations =
        info.optimizer_scalars.is_object() && info.optimizer_scalars.contains("iterations");
    std::printf("  iterations: %s\n", has_iterations
                                          ? info.optimizer_scalars["iterations"].dump().c_str()
                                          : std::to_string(info.state.step).c_str());
    if (info.optimizer_scalars.is_object() && !info.optimizer_scalars.empty())
      std::printf("  scalars: %s\n", info.optimizer_scalars.dump().c_str());
  }

  std::printf("\nTraining state: epoch %lld, step %lld, shuffle seed %llu\n",
              static_cast<long long>(info.state.epoch), static_cast<long long>(info.state.step),
              static_cast<unsigned long long>(info.state.shuffle_seed));
  if (!info.state.callbacks.is_null() && !info.state.callbacks.empty())
    std::printf("  callbacks: %s\n", info.state.callbacks.dump().c_str());
  for (const auto& [key, value] : info.state.metadata)
    std::printf("  metadata %s: %s\n", key.c_str(), value.c_str());

  print_tensors(info);
  return 0;
}

int verify(const std::string& path) {
  // A missing file is an error of the command, not damage.
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::fprintf(stderr, "keel-ckpt: %s: no such file\n", path.c_str());
    return 1;
  }
  keel::CheckpointInfo info;
  try {
    info = keel::inspect_checkpoint(path);
  } catch (const keel::Error& e) {
    std::printf("DAMAGED %s: %s\n", path.c_str(), reason(e.what(), path).c_str());
    return 1;
  }
  std::printf("OK %s: %zu tensors, %llu bytes\n", path.c_str(), info.tensors.size(),
              static_cast<unsigned long long>(info.file_bytes));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0))
    return usage(stdout, 0);
  if (argc != 3) return usage(stderr, kUsageError);
  const std::string command = argv[1], path = argv[2];
  try {
    if (command == "inspect") return inspect(path);
    if (command == "verify") return verify(path);
    std::fprintf(stderr, "keel-ckpt: unknown command '%s' (expected inspect or verify)\n",
                 command.c_str());
    return usage(stderr, kUsageError);
  } catch (const keel::Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "keel-ckpt: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "keel-ckpt: unexpected error: %s\n", e.what());
    return 1;
  }
}
