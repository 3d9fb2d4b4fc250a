// libFuzzer target for keel's .npz reader (core/npz.h, read_npz): any byte string must read as
// named tensors or throw keel::Error. Seeds: archives keel writes (stored) and a deflated one.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "fuzz_seed.h"
#include "keel/core/error.h"
#include "keel/core/npz.h"

void keel_write_seeds(const std::string& dir) {
  keel::write_npz(dir + "/two.npz", {{"dense_1/W", keel::Tensor::full({4, 3}, 0.5f)},
                                     {"dense_1/b", keel::Tensor::full({3}, 0.25f)}});
  keel::write_npz(dir + "/scalar.npz", {{"x", keel::Tensor::scalar(2.f)}});
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    for (const auto& [name, t] : keel::read_npz(in, "fuzz input")) (void)t.to_vector();
  } catch (const keel::Error&) {
  }
  return 0;
}
