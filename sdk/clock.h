// The clocks a span needs. Exported timestamps are wall-clock nanoseconds
// since the UNIX epoch; durations come from the monotonic clock so that a wall
// clock step (NTP) during a span never makes it negative or wildly long.
//
// A span reads the clock twice (start, end), both times the monotonic clock:
// its wall-clock start is the monotonic reading plus an anchor (wall minus
// monotonic) that the exporter thread refreshes on every wake-up. A clock
// read costs tens of nanoseconds here, so saving the third read matters on
// the request path. The anchor follows NTP within one schedule delay.
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

// Wall-clock nanoseconds for a monotonic reading, through the anchor.
std::int64_t WallFromMonotonic(std::int64_t monotonic_ns);

// Re-reads both clocks and moves the anchor. Any thread; cheap; lock-free.
void RefreshClockAnchor();

}  // namespace qtrace
