// fashion_mnist: keel's flagship — the Keras 1 MNIST CNN trained on Fashion-MNIST with Adam.
//
//   fashion_mnist [--epochs N] [--batch-size B] [--seed S] [--threads T] [--limit N] [--data DIR]
//                 [--checkpoint PATH] [--resume PATH] [--plot FILE.svg]
//                 [--precision float32|mixed_bfloat16]
//
// --checkpoint saves a full checkpoint after every epoch; --resume loads one and continues up to
// --epochs epochs in all: with the same thread count, 1 epoch + resume + 1 epoch gives the same
// weights, bit for bit, as 2 epochs straight. --plot draws the loss and accuracy per epoch as
// an SVG picture, updated at each epoch's end (callbacks::PlotLogger; resumed runs continue it).
// --precision mixed_bfloat16 trains with bf16 convolutions and inner products (f32 weights;
// models/model.h CompileOptions); a resumed run keeps the checkpoint's precision.
//
// Conv 32 3x3 relu -> Conv 64 3x3 relu -> MaxPool 2x2 -> Dropout .25 -> Flatten -> Dense 128 relu
// -> Dropout .5 -> Dense 10 softmax, categorical crossentropy. Prints the summary, the progress
// bar, then "final loss: <mean training loss of the last epoch>" and "test accuracy: <on the
// 10,000 test images>". The data come from the Debian package dataset-fashion-mnist.
#include <keel/keel.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "flagship_model.h"

namespace {

struct Flags {
  int epochs = 2;
  std::int64_t batch_size = 128;
  std::uint64_t seed = 1;
  int threads = 0;  // 0 = keel's default
  std::int64_t limit = 0;
  std::string data = keel::kFashionMnistDir;
  std::string checkpoint, resume, plot, precision = "float32";
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr,
               "fashion_mnist: %s\nusage: fashion_mnist [--epochs N] [--batch-size B] [--seed S] "
               "[--threads T] [--limit N] [--data DIR] [--checkpoint PATH] [--resume PATH] "
               "[--plot FILE.svg] [--precision float32|mixed_bfloat16]\n",
               problem);
  std::exit(2);
}

std::int64_t number(const char* flag, const char* value) {
  char* end = nullptr;
  const long long v = std::strtoll(value, &end, 10);
  if (!*value || *end || v < 0)
    usage((std::string(flag) + " needs a non-negative integer, got '" + value + "'").c_str());
  return v;
}

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + flag).c_str());
    const char* value = argv[++i];
    if (flag == "--epochs")
      f.epochs = static_cast<int>(number("--epochs", value));
    else if (flag == "--batch-size")
      f.batch_size = number("--batch-size", value);
    else if (flag == "--seed")
      f.seed = static_cast<std::uint64_t>(number("--seed", value));
    else if (flag == "--threads")
      f.threads = static_cast<int>(number("--threads", value));
    else if (flag == "--limit")
      f.limit = number("--limit", value);
    else if (flag == "--data")
      f.data = value;
    else if (flag == "--checkpoint")
      f.checkpoint = value;
    else if (flag == "--resume")
      f.resume = value;
    else if (flag == "--plot")
      f.plot = value;
    else if (flag == "--precision")
      f.precision = value;
    else
      usage(("unknown flag " + flag).c_str());
  }
  if (f.batch_size == 0) usage("--batch-size must be > 0");
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parse(argc, argv);
  try {
    if (flags.threads > 0) keel::set_num_threads(flags.threads);
    keel::set_seed(flags.seed);
    const keel::FashionMnist data = keel::load_fashion_mnist(flags.data, flags.limit);
    const keel::Tensor y_train = keel::to_categorical(data.y_train, 10);
    const keel::Tensor y_test = keel::to_categorical(data.y_test, 10);

    std::shared_ptr<keel::Model> model;
    int initial_epoch = 0;
    keel::Config resumed_callbacks;
    if (!flags.resume.empty()) {
      keel::Checkpoint ckpt = keel::load_checkpoint(flags.resume);
      if (!ckpt.optimizer)
        throw keel::ValueError(flags.resume + ": has no optimizer state to resume training from");
      model = ckpt.model;
      keel::set_rng_state(ckpt.state.rng);  // dropout continues where the saved run stopped
      initial_epoch = static_cast<int>(ckpt.state.epoch);
      resumed_callbacks = ckpt.state.callbacks;
      if (initial_epoch >= flags.epochs)
        throw keel::ValueError(flags.resume + ": already holds " + std::to_string(initial_epoch) +
                               " epochs; ask for more with --epochs");
      std::printf("resumed %s at epoch %d\n", flags.resume.c_str(), initial_epoch);
    } else {
      model = keel::examples::flagship_model();
      model->compile(std::make_shared<keel::optimizers::Adam>(), "categorical_crossentropy",
                     {"accuracy"}, {.precision = flags.precision});
    }
    model->print_summary();

    keel::FitOptions fit{
        .batch_size = flags.batch_size, .nb_epoch = flags.epochs, .initial_epoch = initial_epoch};
    if (!flags.plot.empty())  // before the checkpoint, which saves the curves so far
      fit.callbacks.push_back(
          std::make_shared<keel::callbacks::PlotLogger>(flags.plot, "fashion_mnist"));
    if (!flags.checkpoint.empty())
      fit.callbacks.push_back(std::make_shared<keel::callbacks::ModelCheckpoint>(
          flags.checkpoint, keel::callbacks::ModelCheckpointOptions{.monitor = "loss"}));
    if (!flags.resume.empty()) keel::callbacks::restore_states(fit.callbacks, resumed_callbacks);
    const auto history = model->fit(data.x_train, y_train, fit);
    const auto test =
        model->evaluate(data.x_test, y_test, {.batch_size = flags.batch_size, .verbose = 0});

    std::printf("final loss: %.9g\n", history.history.at("loss").back());
    std::printf("test accuracy: %.4f\n", test[1]);
  } catch (const keel::Error& e) {
    std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
    return 1;
  }
  return 0;
}
