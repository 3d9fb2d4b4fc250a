// keel-time: where a model's training step spends its time, layer by layer (models/profile.h).
//
//   keel-time MODEL [--batch B] [--iterations N] [--warmup W] [--threads T]
//                   [--precision f32|bf16] [--format table|csv] [--trace FILE]
//
// MODEL is a built-in name — flagship (the Fashion-MNIST CNN), vgg16, vgg19, resnet50,
// inception_v3, xception (random weights, tf ordering, 224x224x3 or the model's default) —, a
// Keras 1 model JSON (*.json, as Keras's to_json() writes it) or a keel checkpoint. A model
// that is not compiled is compiled with SGD(lr=0.01, momentum=0.9) and
// categorical_crossentropy. Inputs are uniform random, targets one-hot for a 2-D output.
// --precision bf16 (or mixed_bfloat16) compiles it with mixed bfloat16 (models/model.h).
// Prints per layer the forward and backward time, its share of the step, the GFLOP/s against
// the machine's f32 peak (measured: a 2048^3 f32 matmul), the layouts in and out of its first
// primitive and the oneDNN implementations that ran (a `ref` kernel is flagged); then the
// totals. --trace writes the last step as Chrome trace-event JSON (open it in a browser's trace
// viewer, e.g. ui.perfetto.dev or chrome://tracing).
//
// Exit status: 0 success; 1 a bad file or any other error, one line on stderr naming it;
// 2 a usage error.
#include <keel/applications/applications.h>
#include <keel/core/context.h>
#include <keel/core/error.h>
#include <keel/core/random.h>
#include <keel/models/checkpoint.h>
#include <keel/models/model.h>
#include <keel/models/profile.h>
#include <keel/optimizers/optimizers.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "../examples/flagship_model.h"

namespace {

constexpr int kUsageError = 2;

int usage() {
  std::fprintf(stderr,
               "usage: keel-time MODEL [--batch B] [--iterations N] [--warmup W] [--threads T]\n"
               "                 [--precision f32|bf16] [--format table|csv] [--trace FILE]\n"
               "  MODEL: flagship | vgg16 | vgg19 | resnet50 | inception_v3 | xception |\n"
               "         MODEL.json (Keras 1 to_json) | a keel checkpoint\n");
  return kUsageError;
}

struct Args {
  std::string model;
  std::optional<std::int64_t> batch;
  int iterations = 10, warmup = 2;
  std::optional<int> threads;
  std::string precision = "f32", format = "table", trace;
};

// The integer value of option `name`, or a ValueError naming it.
long long integer(const std::string& name, const std::string& value, long long minimum) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || v < minimum)
    throw keel::ValueError(name + " is '" + value +
                           "', expected an integer >= " + std::to_string(minimum));
  return v;
}

// The model, compiled with `precision` (a checkpoint's own optimizer and loss kept).
std::shared_ptr<keel::Model> load_model(const std::string& what, const std::string& precision,
                                        std::int64_t* default_batch) {
  *default_batch = 8;
  const keel::CompileOptions options{.precision = precision};
  auto sgd = [] {
    return std::make_shared<keel::optimizers::SGD>(
        keel::optimizers::SGDOptions{.lr = 0.01f, .momentum = 0.9f});
  };
  std::shared_ptr<keel::Model> m;
  if (what == "flagship") {
    *default_batch = 128;  // the flagship's own batch size
    m = keel::examples::flagship_model();
    m->compile("adam", "categorical_crossentropy", {}, options);
    return m;
  }
  const auto names = keel::applications::application_names();
  if (std::find(names.begin(), names.end(), what) != names.end()) {
    m = keel::applications::application(what, {.dim_ordering = "tf"});
  } else {
    if (!std::ifstream(what))
      throw keel::IOError("cannot open '" + what +
                          "': not a file, nor flagship, vgg16, vgg19, resnet50, inception_v3, "
                          "xception");
    if (what.size() > 5 && what.substr(what.size() - 5) == ".json") {
      m = keel::model_from_json_file(what);
    } else {
      keel::Checkpoint ckpt = keel::load_checkpoint(what);
      m = ckpt.model;
      if (m->compiled()) {
        const keel::Config c = m->compile_config();
        m->compile(ckpt.optimizer, c.at("loss").get<std::vector<std::string>>(),
                   c.at("metrics").get<std::vector<std::string>>(), options);
        return m;
      }
    }
  }
  m->compile(sgd(), "categorical_crossentropy", {}, options);
  return m;
}

int run(const Args& a) {
  if (a.threads) keel::set_num_threads(*a.threads);
  std::string precision;
  if (a.precision == "f32" || a.precision == "float32")
    precision = "float32";
  else if (a.precision == "bf16" || a.precision == "mixed_bfloat16")
    precision = "mixed_bfloat16";
  else
    throw keel::ValueError("--precision is '" + a.precision + "', expected f32 or bf16");
  keel::set_seed(0);
  std::int64_t batch = 0;
  auto model = load_model(a.model, precision, &batch);
  if (a.batch) batch = *a.batch;

  std::vector<std::int64_t> in_dims{batch}, out_dims{batch};
  const keel::Shape in = model->input_shape(), out = model->output_shape();
  for (int d = 1; d < in.rank(); ++d) in_dims.push_back(in[d]);
  for (int d = 1; d < out.rank(); ++d) out_dims.push_back(out[d]);
  const keel::Tensor x = keel::Tensor::random_uniform(keel::Shape(in_dims));
  keel::Tensor y = keel::Tensor::random_uniform(keel::Shape(out_dims));
  if (out.rank() == 2) {  // one-hot targets
    std::vector<float> hot(static_cast<std::size_t>(batch * out[1]), 0.f);
    for (std::int64_t i = 0; i < batch; ++i)
      hot[static_cast<std::size_t>(i * out[1] + (i * 7) % out[1])] = 1.f;
    y = keel::Tensor::from_data(keel::Shape(out_dims), hot);
  }
  const keel::ProfileReport report =
      keel::profile(*model, x, y, {.iterations = a.iterations, .warmup = a.warmup});
  if (a.format == "csv") {
    std::fputs(report.csv().c_str(), stdout);
  } else {
    std::printf("keel-time: %s (%s), %s, batch %lld, %d threads, %d iterations after %d warm-up\n",
                a.model.c_str(), model->name().c_str(), precision.c_str(),
                static_cast<long long>(batch), report.threads, a.iterations, a.warmup);
    std::fputs(report.table().c_str(), stdout);
  }
  if (!a.trace.empty()) report.write_trace(a.trace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  if (args[0] == "--help") return usage(), 0;
  Args a;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& opt = args[i];
      if (opt.rfind("--", 0) != 0) {
        if (!a.model.empty()) return usage();
        a.model = opt;
        continue;
      }
      if (opt == "--help") return usage(), 0;
      if (i + 1 == args.size()) return usage();
      const std::string& value = args[++i];
      if (opt == "--batch")
        a.batch = integer(opt, value, 1);
      else if (opt == "--iterations")
        a.iterations = static_cast<int>(integer(opt, value, 1));
      else if (opt == "--warmup")
        a.warmup = static_cast<int>(integer(opt, value, 0));
      else if (opt == "--threads")
        a.threads = static_cast<int>(integer(opt, value, 1));
      else if (opt == "--precision")
        a.precision = value;
      else if (opt == "--format" && (value == "table" || value == "csv"))
        a.format = value;
      else if (opt == "--trace")
        a.trace = value;
      else
        return usage();
    }
    if (a.model.empty()) return usage();
    return run(a);
  } catch (const std::exception& e) {
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::fprintf(stderr, "keel-time %s: %s\n", a.model.c_str(), message.c_str());
    return 1;
  }
}
