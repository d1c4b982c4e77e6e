#include "sdk/clock.h"

#include <atomic>

namespace qtrace {
namespace {

std::int64_t CurrentOffset() { return WallNanos() - MonotonicNanos(); }

std::atomic<std::int64_t>& Anchor() {
  static std::atomic<std::int64_t> offset{CurrentOffset()};
  return offset;
}

}  // namespace

std::int64_t WallFromMonotonic(std::int64_t monotonic_ns) {
  return monotonic_ns + Anchor().load(std::memory_order_relaxed);
}

void RefreshClockAnchor() { Anchor().store(CurrentOffset(), std::memory_order_relaxed); }

}  // namespace qtrace
