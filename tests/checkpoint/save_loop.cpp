// keel_save_loop PATH: the child of kill_during_save_test.cpp. Builds a model of about 2 MB of
// weights, saves it to PATH with every weight set to 0, prints "ready", then saves to the same
// PATH forever: before save i (1, 2, ...) every weight is set to i and the epoch given is i; after
// it, "saved i" is printed. The parent kills it at a random moment; PATH must then hold one whole
// save, the last one reported or the one after it.
#include <keel/keel.h>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: keel_save_loop PATH\n");
    return 2;
  }
  try {
    keel::Sequential model;  // 1024 * 512 + 512 + 512 * 10 + 10 floats: 2.07 MB
    model.add(keel::layers::Dense(512, {.input_dim = 1024}));
    model.add(keel::layers::Dense(10));
    std::vector<keel::Shape> shapes;
    for (const auto& w : model.get_weights()) shapes.push_back(w.shape());
    auto set_all = [&](float value) {
      std::vector<keel::Tensor> values;
      for (const auto& s : shapes) values.push_back(keel::Tensor::full(s, value));
      model.set_weights(values);
    };
    set_all(0.f);
    keel::save_checkpoint(argv[1], model, {.epoch = 0});
    std::printf("ready\n");
    std::fflush(stdout);
    for (long i = 1;; ++i) {
      set_all(static_cast<float>(i));
      keel::save_checkpoint(argv[1], model, {.epoch = i});
      std::printf("saved %ld\n", i);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "keel_save_loop: %s\n", e.what());
    return 1;
  }
}
