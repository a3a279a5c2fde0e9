// Shared by the libFuzzer targets: an invariant check that aborts (so
// libFuzzer keeps the input as a crash) and the entry point's declaration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fuzz {

[[noreturn]] inline void check_failed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, cond);
  std::abort();
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fuzz

// Not assert(): it must hold in release builds too.
#define FUZZ_CHECK(cond) \
  do {                   \
    if (!(cond)) ::fuzz::check_failed(#cond, __FILE__, __LINE__); \
  } while (0)
