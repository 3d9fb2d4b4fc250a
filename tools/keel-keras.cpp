// keel-keras: Keras 1 model files on the command line (models/keras_h5.h, applications/).
//
//   keel-keras predict MODEL.json WEIGHTS.h5 INPUT.npy OUTPUT.npy
//       the model of Keras's to_json() with the weights of Keras's save_weights, run forward in
//       inference mode on INPUT (float .npy, batch first); OUTPUT is a float32 .npy
//   keel-keras convert MODEL.json WEIGHTS.h5 OUT.ckpt
//       the same model and weights as a keel checkpoint (keel-ckpt verify accepts it)
//   keel-keras summary MODEL.json | vgg16 | vgg19 | resnet50 | inception_v3 | xception
//       Keras's summary table, ending with its "Total params: N" line
//   keel-keras export vgg16|... DIR [BATCH]
//       the application with seeded random weights (BatchNormalization statistics included) as
//       Keras files — DIR/model.json, DIR/weights.h5 — with a fixed input DIR/input.npy and
//       keel's prediction DIR/output.npy, for an outside reference to check
//       (tests/applications/reference_forward.py)
//   Options (before the command): --kernels=auto|theano|tensorflow  how the .h5 file's
//       convolution kernels were trained (default: the file's backend attribute);
//       --dim-ordering=tf|th  for the named applications (default: keel's default)
//
// Exit status: 0 success; 1 a bad file or any other error, with one line on stderr that names
// the file; 2 a usage error.
#include <keel/applications/applications.h>
#include <keel/core/error.h>
#include <keel/core/npy.h>
#include <keel/core/random.h>
#include <keel/models/checkpoint.h>
#include <keel/models/keras_h5.h>
#include <keel/models/model.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

constexpr int kUsageError = 2;

int usage() {
  std::fprintf(stderr,
               "usage: keel-keras [--kernels=auto|theano|tensorflow] [--dim-ordering=tf|th] "
               "COMMAND ...\n"
               "  predict MODEL.json WEIGHTS.h5 INPUT.npy OUTPUT.npy\n"
               "  convert MODEL.json WEIGHTS.h5 OUT.ckpt\n"
               "  summary MODEL.json|vgg16|vgg19|resnet50|inception_v3|xception\n"
               "  export vgg16|vgg19|resnet50|inception_v3|xception DIR [BATCH]\n");
  return kUsageError;
}

std::shared_ptr<keel::Model> model_with_weights(const std::string& json, const std::string& h5,
                                                const keel::H5LoadOptions& load) {
  auto model = keel::model_from_json_file(json);
  model->load_weights_h5(h5, load);
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  keel::H5LoadOptions load;
  std::string dim_ordering = "default";
  while (!args.empty() && args.front().rfind("--", 0) == 0) {
    const std::string opt = args.front();
    args.erase(args.begin());
    if (opt.rfind("--kernels=", 0) == 0)
      load.kernels = opt.substr(10);
    else if (opt.rfind("--dim-ordering=", 0) == 0)
      dim_ordering = opt.substr(15);
    else if (opt == "--help")
      return usage(), 0;
    else
      return usage();
  }
  if (args.empty()) return usage();
  const std::string command = args.front();
  try {
    if (command == "predict" && args.size() == 5) {
      auto model = model_with_weights(args[1], args[2], load);
      const keel::Tensor x = keel::read_npy(args[3]);
      keel::write_npy(args[4], model->predict(x, {.batch_size = 32, .verbose = 0}));
      return 0;
    }
    if (command == "convert" && args.size() == 4) {
      auto model = model_with_weights(args[1], args[2], load);
      keel::save_checkpoint(args[3], *model);
      return 0;
    }
    if (command == "export" && (args.size() == 3 || args.size() == 4)) {
      keel::set_seed(0);
      auto model = keel::applications::application(args[1], {.dim_ordering = "tf"});
      for (const auto& layer : model->layers())
        if (layer->class_name() == "BatchNormalization") {
          // Statistics other than (0, 1), so that the reference checks how they are used.
          std::vector<keel::Tensor> w = layer->get_weights();
          const keel::Shape c = w[0].shape();
          w = {keel::Tensor::random_uniform(c, 0.5f, 1.5f),
               keel::Tensor::random_uniform(c, -0.2f, 0.2f),
               keel::Tensor::random_uniform(c, -0.2f, 0.2f),
               keel::Tensor::random_uniform(c, 0.5f, 2.f)};
          layer->set_weights(w);
        }
      const std::int64_t batch = args.size() == 4 ? std::stoll(args[3]) : 2;
      const keel::Shape in = model->input_shape();
      const keel::Tensor x = keel::Tensor::random_uniform({batch, in[1], in[2], in[3]});
      std::filesystem::create_directories(args[2]);
      std::ofstream(args[2] + "/model.json") << model->to_json();
      model->save_weights_h5(args[2] + "/weights.h5");
      keel::write_npy(args[2] + "/input.npy", x);
      keel::write_npy(args[2] + "/output.npy", model->predict(x, {.batch_size = batch}));
      return 0;
    }
    if (command == "summary" && args.size() == 2) {
      const std::vector<std::string> names = keel::applications::application_names();
      const bool named = std::find(names.begin(), names.end(), args[1]) != names.end();
      auto model = named ? keel::applications::application(args[1], {.dim_ordering = dim_ordering})
                         : keel::model_from_json_file(args[1]);
      std::printf("%s", model->summary().c_str());
      return 0;
    }
  } catch (const std::exception& e) {
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::fprintf(stderr, "keel-keras %s: %s\n", command.c_str(), message.c_str());
    return 1;
  }
  return usage();
}
