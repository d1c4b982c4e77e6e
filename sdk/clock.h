// The two clocks a span needs. Timestamps exported are wall-clock nanoseconds
// since the UNIX epoch; durations come from the monotonic clock so that a wall
// clock step (NTP) during a span never makes it negative or wildly long.
// Both reads go through the vDSO: no syscall, no lock.
#pragma once

#include <time.h>

#include <cstdint>

namespace qtrace {

inline std::int64_t WallNanos() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline std::int64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace qtrace
