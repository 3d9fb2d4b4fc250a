#include "keel/core/context.h"

#include <omp.h>
#include <sched.h>

#include <cstdlib>
#include <string>

#include "keel/core/allocator.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {
namespace {

int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return omp_get_num_procs();
}

struct Threads {
  Threads() : n(default_threads()) { omp_set_num_threads(n); }
  int n;
};

Threads& threads() {
  static Threads t;
  return t;
}

}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw ValueError(fmt::str("set_num_threads: n is ", n, ", expected n >= 1"));
  threads().n = n;
  omp_set_num_threads(n);
}

int num_threads() { return threads().n; }

bool cpu_has_native_bf16() {
  const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
  return isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx;
}

const char* cpu_isa_name() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "other";
  }
}

namespace {
thread_local bool t_bf16 = false;
}  // namespace

BFloat16Compute::BFloat16Compute() : previous_(t_bf16) { t_bf16 = true; }
BFloat16Compute::~BFloat16Compute() { t_bf16 = previous_; }
bool bf16_compute() { return t_bf16; }

namespace detail {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  (void)threads();  // the thread count is applied before the first primitive runs
  static dnnl::stream s(engine());
  return s;
}

dnnl::memory scratchpad(const dnnl::memory::desc& md) {
  static Buffer buffer;
  static std::size_t capacity = 0;
  const std::size_t need = md.get_size();
  if (need > capacity) {
    buffer = allocate(need);
    capacity = need;
  }
  return dnnl::memory(md, engine(), buffer.get());
}

}  // namespace detail
}  // namespace keel
