// fine_tune: loads a flagship checkpoint (examples/fashion_mnist --checkpoint PATH), freezes its
// convolution layers, replaces the classifier head with a new Dense layer, fine-tunes the rest,
// evaluates and saves the result.
//
//   fine_tune --checkpoint PATH [--output PATH] [--epochs N] [--limit N] [--data DIR]
#include <keel/keel.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  std::string checkpoint, output = "fine_tuned.ckpt", dir = keel::kFashionMnistDir;
  int epochs = 1;
  std::int64_t limit = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--checkpoint")
      checkpoint = value;
    else if (flag == "--output")
      output = value;
    else if (flag == "--epochs")
      epochs = std::atoi(value.c_str());
    else if (flag == "--limit")
      limit = std::atoll(value.c_str());
    else if (flag == "--data")
      dir = value;
    else {
      std::fprintf(stderr, "fine_tune: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (checkpoint.empty() || epochs < 1 || limit < 0) {
    std::fprintf(stderr,
                 "usage: fine_tune --checkpoint PATH [--output PATH] [--epochs N] [--limit N] "
                 "[--data DIR]\n");
    return 2;
  }
  try {
    const keel::FashionMnist data = keel::load_fashion_mnist(dir, limit);
    const keel::Tensor y_train = keel::to_categorical(data.y_train, 10);
    const keel::Tensor y_test = keel::to_categorical(data.y_test, 10);

    keel::Checkpoint ckpt = keel::load_checkpoint(checkpoint);
    if (!ckpt.model->compiled())
      ckpt.model->compile("adam", "categorical_crossentropy", {"accuracy"});
    const double before =
        ckpt.model->evaluate(data.x_test, y_test, {.batch_size = 256, .verbose = 0})[1];

    // The trained layers minus the old head, the convolutions frozen, and a new head.
    keel::Sequential model("fine_tuned");
    const auto& base = ckpt.model->layers();
    for (std::size_t i = 0; i + 1 < base.size(); ++i) {
      if (base[i]->class_name() == "Convolution2D") base[i]->set_trainable(false);
      model.add(base[i]);
    }
    model.add(keel::layers::Dense(10, {.activation = "softmax", .name = "new_head"}));
    model.compile(
        std::make_shared<keel::optimizers::Adam>(keel::optimizers::AdamOptions{.lr = 5e-4f}),
        "categorical_crossentropy", {"accuracy"});
    model.print_summary();
    model.fit(data.x_train, y_train, {.batch_size = 128, .nb_epoch = epochs});
    const double after = model.evaluate(data.x_test, y_test, {.batch_size = 256, .verbose = 0})[1];
    keel::save_checkpoint(output, model, {.epoch = epochs});

    std::printf("test accuracy before fine-tuning: %.4f\n", before);
    std::printf("test accuracy after fine-tuning:  %.4f\n", after);
    std::printf("saved %s\n", output.c_str());
  } catch (const keel::Error& e) {
    std::fprintf(stderr, "fine_tune: %s\n", e.what());
    return 1;
  }
  return 0;
}
