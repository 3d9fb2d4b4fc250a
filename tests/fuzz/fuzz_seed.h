// What every keel libFuzzer target shares: `-keel_write_seed=DIR` (handled here, hidden from
// libFuzzer) writes the target's valid seed inputs into DIR before fuzzing starts, and the
// allocation limit that turns absurd sizes in fuzzed inputs into keel::ResourceError (the
// sanitizers would otherwise report the huge malloc itself).
//
// A target defines keel_write_seeds(dir) and LLVMFuzzerTestOneInput; this header defines
// LLVMFuzzerInitialize.
#pragma once

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <string_view>

#include "keel/core/allocator.h"

void keel_write_seeds(const std::string& dir);

inline void keel_write_seed_file(const std::string& dir, const std::string& name,
                                 const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  keel::set_allocation_limit(std::size_t{64} << 20);
  constexpr std::string_view flag = "-keel_write_seed=";
  int kept = 0;
  for (int i = 0; i < *argc; ++i) {
    const std::string_view arg = (*argv)[i];
    if (arg.substr(0, flag.size()) == flag) {
      const std::string dir(arg.substr(flag.size()));
      ::mkdir(dir.c_str(), 0755);
      keel_write_seeds(dir);
    } else {
      (*argv)[kept++] = (*argv)[i];
    }
  }
  *argc = kept;
  return 0;
}
