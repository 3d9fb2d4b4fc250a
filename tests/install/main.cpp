// Consumer of an installed keel: succeeds only if a keel tensor works from outside the project.
#include <keel/keel.h>

#include <iostream>

int main() {
  keel::Tensor t = keel::Tensor::ones(keel::Shape{2, 3});
  const auto n = t.to_vector().size();
  std::cout << "installed keel: Tensor::ones((2, 3)).to_vector().size() = " << n << "\n";
  return n == 6 ? 0 : 1;
}
