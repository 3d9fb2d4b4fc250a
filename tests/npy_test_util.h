// Test-local helpers for the conformance data: a minimal NumPy .npy (format 1.0) reader for
// little-endian float32 C-order arrays, the test-data directory, and the conformance tolerance
// check. Not the library's reader (that one will live in keel proper); tests only.
#pragma once

#include <gtest/gtest.h>
#include <keel/core/shape.h>
#include <keel/core/tensor.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace keel::test {

static_assert(std::endian::native == std::endian::little, "the .npy reader assumes little-endian");

struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<float> data;

  Tensor tensor() const { return Tensor::from_data(Shape(shape), data); }
};

// $KEEL_TEST_DATA (set by tests/CMakeLists.txt to tests/data).
inline std::filesystem::path test_data_dir() {
  const char* dir = std::getenv("KEEL_TEST_DATA");
  if (dir == nullptr || *dir == '\0')
    throw std::runtime_error("KEEL_TEST_DATA is not set: run the tests through ctest");
  return dir;
}

// tests/data/conformance/cases/<id>/
inline std::filesystem::path conformance_case_dir(const std::string& id) {
  return test_data_dir() / "conformance" / "cases" / id;
}

// Reads a version 1.0 .npy file holding '<f4' data in C order.
inline NpyArray read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto fail = [&](const std::string& why) {
    return std::runtime_error(path.string() + ": " + why);
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw fail("not a .npy file");
  if (bytes[6] != 1 || bytes[7] != 0) throw fail("only format version 1.0 is supported");
  const std::size_t header_len =
      static_cast<unsigned char>(bytes[8]) |
      (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  if (bytes.size() < 10 + header_len) throw fail("truncated header");
  const std::string header = bytes.substr(10, header_len);

  // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (..), }
  auto value_of = [&](const std::string& key) {
    const auto k = header.find("'" + key + "'");
    if (k == std::string::npos) throw fail("header has no '" + key + "'");
    const auto colon = header.find(':', k);
    auto start = header.find_first_not_of(' ', colon + 1);
    return header.substr(start);
  };
  if (value_of("descr").rfind("'<f4'", 0) != 0) throw fail("dtype is not '<f4'");
  if (value_of("fortran_order").rfind("False", 0) != 0) throw fail("Fortran order not supported");
  const std::string shape_text = value_of("shape");
  if (shape_text.empty() || shape_text[0] != '(') throw fail("malformed shape");
  const auto close = shape_text.find(')');
  if (close == std::string::npos) throw fail("malformed shape");
  NpyArray a;
  std::int64_t numel = 1;
  for (std::size_t i = 1; i < close;) {
    if (shape_text[i] == ' ' || shape_text[i] == ',') {
      ++i;
      continue;
    }
    std::size_t used = 0;
    const std::int64_t d = std::stoll(shape_text.substr(i, close - i), &used);
    if (used == 0) throw fail("malformed shape");
    a.shape.push_back(d);
    numel *= d;
    i += used;
  }
  const std::size_t offset = 10 + header_len;
  if (bytes.size() - offset != static_cast<std::size_t>(numel) * sizeof(float))
    throw fail("data size " + std::to_string(bytes.size() - offset) + " does not match shape");
  a.data.resize(static_cast<std::size_t>(numel));
  std::memcpy(a.data.data(), bytes.data() + offset, a.data.size() * sizeof(float));
  return a;
}

inline NpyArray read_case_array(const std::string& id, const std::string& file) {
  return read_npy(conformance_case_dir(id) / file);
}

// The conformance rule, elementwise: |actual - expected| <= atol + rtol * |expected|.
inline ::testing::AssertionResult all_close(const std::vector<float>& actual,
                                            const std::vector<float>& expected, double rtol,
                                            double atol) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure()
           << "sizes differ: " << actual.size() << " vs " << expected.size();
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    if (!(std::abs(a - e) <= atol + rtol * std::abs(e)))
      return ::testing::AssertionFailure()
             << "element " << i << ": actual " << a << ", expected " << e << " (|diff| "
             << std::abs(a - e) << " > " << atol + rtol * std::abs(e) << ")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace keel::test
