// Trace ids from a fixed seed, for sampler statistics: std::mt19937_64's
// sequence is fixed by the C++ standard, so a share counted over these ids is
// the same on every run and every machine.
#pragma once

#include <array>
#include <cstdint>
#include <random>

#include "qtrace/sdk/ids.h"

namespace qtrace::testutil {

inline TraceId SeededTraceId(std::mt19937_64& rng) {
  std::array<std::uint8_t, 16> bytes{};
  for (int half = 0; half < 2; ++half) {
    std::uint64_t word = rng();
    for (int i = 0; i < 8; ++i, word >>= 8) bytes[half * 8 + i] = static_cast<std::uint8_t>(word);
  }
  return TraceId(bytes);
}

}  // namespace qtrace::testutil
