// The clocks a span needs. Exported timestamps are wall-clock nanoseconds
// since the UNIX epoch; durations come from a monotonic tick counter so that a
// wall-clock step (NTP) during a span never makes it negative or wildly long.
//
// Span ticks are the CPU's time-stamp counter when the kernel reports it
// invariant (constant_tsc and nonstop_tsc: it runs at one rate on every core
// and in every power state), else CLOCK_MONOTONIC nanoseconds. Reading the
// TSC costs about a third of a clock_gettime call here, and a span reads the
// clock twice on the request path.
//
// A span's wall-clock times are its tick readings mapped through an anchor
// (ticks, wall time, nanoseconds per tick) when the span is encoded
// (SpanRecord::Times): the request thread only reads the counter. With the
// batch processor that is on the exporter thread, which refreshes the anchor
// on every wake-up: the mapping follows NTP within one schedule delay, and
// the tick rate is re-measured over an ever longer baseline. A wall-clock
// step between a span's start and its export moves the span with the step,
// relative to its events (stamped with the wall clock as they are added).
//
// Thread safety: everything here may be called from any thread, lock-free.
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

// The span tick counter (see above).
std::int64_t SpanTicks();
// Nanoseconds between two tick readings (never negative).
std::int64_t TicksToNanos(std::int64_t ticks);
// Wall-clock nanoseconds for a tick reading, through the anchor.
std::int64_t WallFromTicks(std::int64_t ticks);
// Re-reads the clocks, re-measures the tick rate and moves the anchor.
void RefreshClockAnchor();
// True when span ticks come from the TSC.
bool SpanClockUsesTsc();

}  // namespace qtrace
