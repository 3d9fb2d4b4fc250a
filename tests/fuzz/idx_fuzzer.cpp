// libFuzzer target for keel's IDX reader (data/idx.h, read_idx): any byte string, plain or
// gzip, must read as unsigned-byte IDX data or throw keel::Error. The first byte's low bit says
// whether the input is read as a ".gz" name (the rest of the bytes are the file).
#include <boost/iostreams/copy.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_seed.h"
#include "keel/core/error.h"
#include "keel/data/idx.h"

namespace {

std::string idx(int rank, const std::vector<std::uint32_t>& dims) {
  std::string out{0, 0, 8, static_cast<char>(rank)};
  std::size_t n = 1;
  for (std::uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((d >> s) & 0xff);
    n *= d;
  }
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(i * 13);
  return out;
}

std::string gzip(const std::string& plain) {
  std::ostringstream out;
  boost::iostreams::filtering_ostream z;
  z.push(boost::iostreams::gzip_compressor());
  z.push(out);
  z << plain;
  z.reset();
  return out.str();
}

}  // namespace

void keel_write_seeds(const std::string& dir) {
  keel_write_seed_file(dir, "images", std::string(1, '\0') + idx(3, {2, 4, 4}));
  keel_write_seed_file(dir, "labels", std::string(1, '\0') + idx(1, {5}));
  keel_write_seed_file(dir, "images_gz", std::string(1, '\1') + gzip(idx(3, {2, 3, 3})));
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  try {
    (void)keel::read_idx(in, "fuzz input", 0, (data[0] & 1) != 0);
  } catch (const keel::Error&) {
  }
  return 0;
}
