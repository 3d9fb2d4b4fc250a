// app_bench: VGG16 and ResNet50 (applications/) at batch 8, 224x224x3 — a training step (SGD)
// and predict — against the sum of the oneDNN primitive executions inside that same step
// (oneDNN's verbose timings, summed: what the step would cost with no framework around the
// kernels), and, when Debian's python3-torch and python3-torchvision are installed,
// torchvision's vgg16() / resnet50() measured in the same run. Then the image pipeline alone:
// flow_from_directory images/s decoded and augmented, with 1 and 2 workers.
//
//   app_bench [--runs N] [--threads T] [--models vgg16,resnet50] [--pipeline-images N]
#include <dnnl.h>
#include <keel/keel.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "harness.h"

using namespace keel;
namespace fs = std::filesystem;

namespace {

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Runs `f` once with oneDNN's verbose mode on, stdout sent to a file, and returns the sum of the
// reported primitive execution times (ms) and the implementations seen.
double primitive_sum_ms(const std::function<void()>& f, std::string* impls) {
  const fs::path log = fs::temp_directory_path() / ("keel_app_bench_" + std::to_string(getpid()));
  std::fflush(stdout);
  const int saved = dup(fileno(stdout));
  if (!std::freopen(log.c_str(), "w", stdout)) return 0;
  dnnl_set_verbose(2);
  f();
  dnnl_set_verbose(0);
  std::fflush(stdout);
  dup2(saved, fileno(stdout));
  close(saved);
  double sum = 0;
  std::map<std::string, int> seen;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("_verbose,exec,") == std::string::npos) continue;
    std::vector<std::string> fields;
    std::stringstream s(line);
    for (std::string field; std::getline(s, field, ',');) fields.push_back(field);
    if (fields.size() < 6) continue;
    sum += std::atof(fields.back().c_str());
    ++seen[fields[3] + " " + fields[4]];
  }
  fs::remove(log);
  for (const auto& [k, n] : seen) *impls += "    " + k + " x" + std::to_string(n) + "\n";
  return sum;
}

void bench_model(const std::string& name, int runs, const std::string& torch_script) {
  set_seed(0);
  auto model = applications::application(name, {.dim_ordering = "tf"});
  model->compile(
      std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.lr = 1e-3f, .momentum = 0.9f}),
      "categorical_crossentropy");
  const std::int64_t n = 8;
  const Tensor x = Tensor::random_uniform({n, 224, 224, 3});
  std::vector<float> labels(static_cast<std::size_t>(n * 1000), 0.f);
  for (std::int64_t i = 0; i < n; ++i) labels[static_cast<std::size_t>(i * 1000 + i * 7)] = 1.f;
  const Tensor y = Tensor::from_data({n, 1000}, labels);
  const double step = bench::time_ms([&] { model->train_on_batch(x, y); }, runs, 2).median_ms;
  const double predict =
      bench::time_ms([&] { (void)model->predict_on_batch(x); }, runs, 2).median_ms;
  // The median of as many verbose steps as timed ones: one step's sum varies by 10 %.
  std::string impls;
  std::vector<double> sums;
  for (int r = 0; r < runs; ++r) {
    impls.clear();
    sums.push_back(primitive_sum_ms([&] { model->train_on_batch(x, y); }, &impls));
  }
  std::sort(sums.begin(), sums.end());
  const double prims = sums[sums.size() / 2];
  const double rss = peak_rss_mib();
  std::printf("\n%s, batch %lld, 224x224x3, %d threads (%lld parameters)\n", name.c_str(),
              static_cast<long long>(n), num_threads(),
              static_cast<long long>(model->count_params()));
  std::printf("  training step   %9.1f ms   primitive sum %9.1f ms   keel / primitives %.3f\n",
              step, prims, step / prims);
  std::printf("  training img/s  %9.2f      predict img/s %9.2f      peak RSS %.0f MiB\n",
              n * 1e3 / step, n * 1e3 / predict, rss);
  const AllocatorStats mem = allocator_stats();
  std::printf("  tensor memory: peak in use %.0f MiB, cached for reuse %.0f MiB\n",
              double(mem.peak_bytes_in_use) / (1 << 20), double(mem.bytes_cached) / (1 << 20));
  std::printf("  oneDNN implementations in the step:\n%s", impls.c_str());
  if (torch_script.empty()) return;
  const std::string cmd = "/usr/bin/python3 " + torch_script + " " + name + " " +
                          std::to_string(num_threads()) + " " + std::to_string(runs);
  if (FILE* p = popen(cmd.c_str(), "r")) {
    double t_train = 0, t_predict = 0, t_rss = 0;
    const int got = std::fscanf(p, "%lf %lf %lf", &t_train, &t_predict, &t_rss);
    pclose(p);
    if (got == 3)
      std::printf(
          "  pytorch: training img/s %.2f (keel %.2fx), predict img/s %.2f (keel %.2fx), "
          "peak RSS %.0f MiB (keel / pytorch %.2f)\n",
          t_train, n * 1e3 / step / t_train, t_predict, n * 1e3 / predict / t_predict, t_rss,
          rss / t_rss);
  }
}

void bench_pipeline(std::int64_t images) {
  const fs::path dir = fs::temp_directory_path() / ("keel_pipeline_" + std::to_string(getpid()));
  set_seed(3);
  for (int c = 0; c < 2; ++c) {
    fs::create_directories(dir / std::to_string(c));
    for (std::int64_t i = 0; i < images / 2; ++i)
      save_image((dir / std::to_string(c) / (std::to_string(i) + ".jpg")).string(),
                 Tensor::random_uniform({256, 256, 3}, 0.f, 255.f), "tf", false);
  }
  const preprocessing::ImageDataGenerator gen({.rotation_range = 20,
                                               .width_shift_range = 0.1,
                                               .shear_range = 0.2,
                                               .zoom_range = 0.2,
                                               .horizontal_flip = true,
                                               .rescale = 1.0 / 255,
                                               .dim_ordering = "tf"});
  std::printf("\nimage pipeline: 256x256 JPEG -> 224x224, rotation/shift/shear/zoom/flip\n");
  for (int workers : {1, 2}) {
    auto it = gen.flow_from_directory(dir.string(), {.target_size = {224, 224},
                                                     .batch_size = 8,
                                                     .seed = 1,
                                                     .workers = workers,
                                                     .verbose = false});
    (void)it->next();  // warm up
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t batches = images / 8;
    for (std::int64_t b = 0; b < batches; ++b) (void)it->next();
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("  %d worker%s: %.1f images/s\n", workers, workers > 1 ? "s" : "",
                double(batches * 8) / s);
  }
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  std::string models = "vgg16,resnet50";
  std::int64_t pipeline_images = 160;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs"))
      runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads"))
      set_num_threads(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--models"))
      models = argv[i + 1];
    else if (!std::strcmp(argv[i], "--pipeline-images"))
      pipeline_images = std::atoll(argv[i + 1]);
  }
  const std::string script = fs::path(__FILE__).parent_path() / "torch_apps.py";
  const bool torch =
      std::system("/usr/bin/python3 -c 'import torch, torchvision' > /dev/null 2>&1") == 0;
  if (!torch)
    std::printf("(python3-torch / python3-torchvision not installed: PyTorch rows skipped)\n");
  std::stringstream list(models);
  // Each model in a child process of its own: peak RSS is a process's high-water mark, and
  // VGG16's 138M weights would otherwise be counted again in ResNet50's row.
  for (std::string m; std::getline(list, m, ',');) {
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
      bench_model(m, runs, torch ? script : "");
      std::fflush(stdout);
      _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "app_bench: the %s run failed\n", m.c_str());
      return 1;
    }
  }
  if (pipeline_images > 0) bench_pipeline(pipeline_images);
  return 0;
}
