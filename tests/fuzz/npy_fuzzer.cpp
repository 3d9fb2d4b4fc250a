// libFuzzer target for keel's .npy reader (core/npy.h, read_npy): any byte string must read as a
// tensor or throw keel::Error. Seeds: arrays of each dtype keel reads, C and Fortran order.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_seed.h"
#include "keel/core/error.h"
#include "keel/core/npy.h"

namespace {

std::string npy(const std::string& descr, bool fortran, const std::string& shape,
                std::size_t bytes) {
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  for (std::size_t i = 0; i < bytes; ++i) out += static_cast<char>(i * 37 + 11);
  return out;
}

}  // namespace

void keel_write_seeds(const std::string& dir) {
  keel_write_seed_file(dir, "f4.npy", npy("<f4", false, "(2, 3)", 24));
  keel_write_seed_file(dir, "f8_fortran.npy", npy("<f8", true, "(3, 2)", 48));
  keel_write_seed_file(dir, "i4.npy", npy("<i4", false, "(4,)", 16));
  keel_write_seed_file(dir, "i8_scalar.npy", npy("<i8", false, "()", 8));
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const keel::Tensor t = keel::read_npy(in, "fuzz input");
    (void)t.to_vector();
  } catch (const keel::Error&) {
  }
  return 0;
}
