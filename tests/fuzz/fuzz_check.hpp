#pragma once
/// Shared by the fuzz targets: an invariant check that aborts (libFuzzer reports a crash, the
/// g++ corpus replayer fails its ctest test) and prints what was violated.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                         \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "fuzz invariant violated at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (false)
