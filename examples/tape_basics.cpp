// tape_basics: fits y = 3 x0 - 2 x1 + 0.5 x2 + 1 (plus noise) by linear regression, with the
// tape for the gradients and a hand-written SGD loop for the updates.
#include <keel/keel.h>

#include <cstdio>
#include <vector>

int main() {
  keel::set_seed(7);
  constexpr int kSamples = 256, kFeatures = 3;
  const std::vector<float> true_w = {3.f, -2.f, 0.5f};
  constexpr float true_b = 1.f;

  // Data: x ~ U(-1, 1), y = x w + b + N(0, 0.05).
  const keel::Tensor x = keel::Tensor::random_uniform(keel::Shape{kSamples, kFeatures}, -1.f, 1.f);
  const keel::Tensor noise = keel::Tensor::random_normal(keel::Shape{kSamples, 1}, 0.f, 0.05f);
  std::vector<float> y_data(kSamples);
  for (int i = 0; i < kSamples; ++i) {
    float v = true_b + noise.at({i, 0});
    for (int j = 0; j < kFeatures; ++j) v += x.at({i, j}) * true_w[j];
    y_data[i] = v;
  }
  const keel::Variable X(x), Y(keel::Tensor::from_data(keel::Shape{kSamples, 1}, y_data));

  keel::Variable w(keel::Tensor::zeros(keel::Shape{kFeatures, 1}), true, "w");
  keel::Variable b(keel::Tensor::zeros(keel::Shape{1}), true, "b");
  constexpr float kLearningRate = 0.1f;

  for (int step = 0; step <= 200; ++step) {
    keel::Tape tape;
    const keel::Variable loss = keel::mean(keel::square(keel::matmul(X, w) + b - Y));
    const auto grads = tape.gradient(loss, {w, b});
    {
      keel::NoGrad no_grad;  // the update itself is not part of the model
      w.set_value((w - keel::Variable(grads[0]) * kLearningRate).value());
      b.set_value((b - keel::Variable(grads[1]) * kLearningRate).value());
    }
    if (step % 20 == 0) std::printf("step %3d  loss %.6f\n", step, loss.item());
  }

  const auto wv = w.to_vector();
  std::printf("fitted w = [%.3f, %.3f, %.3f] (true [3, -2, 0.5]), b = %.3f (true 1)\n", wv[0],
              wv[1], wv[2], b.item());
  return 0;
}
