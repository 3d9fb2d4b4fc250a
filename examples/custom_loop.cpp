// custom_loop: the flagship model trained without fit(): an explicit tape, loss and optimizer
// step per batch — what a C++ user writes to control every part of training.
//
//   custom_loop [--epochs N] [--batch-size B] [--limit N] [--data DIR]
#include <keel/keel.h>

#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>

#include "flagship_model.h"

int main(int argc, char** argv) {
  int epochs = 1;
  std::int64_t batch_size = 128, limit = 0;
  std::string dir = keel::kFashionMnistDir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--epochs")
      epochs = std::atoi(argv[i + 1]);
    else if (flag == "--batch-size")
      batch_size = std::atoll(argv[i + 1]);
    else if (flag == "--limit")
      limit = std::atoll(argv[i + 1]);
    else if (flag == "--data")
      dir = argv[i + 1];
    else {
      std::fprintf(stderr, "custom_loop: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (epochs < 1 || batch_size < 1 || limit < 0) {
    std::fprintf(stderr, "custom_loop: --epochs and --batch-size must be >= 1\n");
    return 2;
  }
  try {
    keel::set_seed(1);
    const keel::FashionMnist data = keel::load_fashion_mnist(dir, limit);
    const keel::Tensor y_train = keel::to_categorical(data.y_train, 10);

    const auto model_ptr = keel::examples::flagship_model();
    keel::Sequential& model = *model_ptr;
    keel::optimizers::Adam optimizer;

    const std::int64_t n = data.x_train.shape()[0];
    for (int epoch = 0; epoch < epochs; ++epoch) {
      const auto order = keel::epoch_order(n, /*seed=*/7, epoch);
      double loss_sum = 0;
      for (std::int64_t begin = 0; begin < n; begin += batch_size) {
        const std::int64_t end = std::min(n, begin + batch_size);
        const std::span<const std::int64_t> rows(order.data() + begin,
                                                 static_cast<std::size_t>(end - begin));
        const keel::Variable x(keel::take_rows(data.x_train, rows));
        const keel::Variable y(keel::take_rows(y_train, rows));

        keel::layers::LearningPhase training(true);  // dropout on
        keel::Tape tape;
        const keel::Variable loss =
            keel::losses::weighted_mean(keel::losses::categorical_crossentropy(y, model(x))) +
            model.regularization_loss();
        const auto grads = tape.gradient(loss, model.trainable_weights());
        optimizer.apply(grads, model.trainable_weights());  // constraints run here too
        loss_sum += loss.item() * static_cast<double>(end - begin);
      }
      std::printf("epoch %d/%d  loss %.4f\n", epoch + 1, epochs, loss_sum / static_cast<double>(n));
    }
    const keel::Tensor predictions = model.predict(data.x_test, {.batch_size = 256});
    std::printf("test accuracy: %.4f\n", keel::metrics::categorical_accuracy(
                                             keel::to_categorical(data.y_test, 10), predictions));
  } catch (const keel::Error& e) {
    std::fprintf(stderr, "custom_loop: %s\n", e.what());
    return 1;
  }
  return 0;
}
