#include "sdk/clock.h"

#include <chrono>
#include <cstdlib>
#include <thread>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

TEST(ClockTest, WallTimeFromTicksMatchesTheWallClock) {
  RefreshClockAnchor();  // the first use calibrates for 2 ms: not inside the measurement
  for (int i = 0; i < 3; ++i) {
    const std::int64_t wall = WallNanos();
    const std::int64_t mapped = WallFromTicks(SpanTicks());
    EXPECT_LT(std::llabs(mapped - wall), 2'000'000) << "within 2 ms";
    RefreshClockAnchor();
  }
}

TEST(ClockTest, TickDurationsMatchTheMonotonicClock) {
  RefreshClockAnchor();
  const std::int64_t ticks = SpanTicks();
  const std::int64_t mono = MonotonicNanos();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const std::int64_t by_ticks = TicksToNanos(SpanTicks() - ticks);
  const std::int64_t by_mono = MonotonicNanos() - mono;
  EXPECT_NEAR(static_cast<double>(by_ticks), static_cast<double>(by_mono), 0.01 * static_cast<double>(by_mono))
      << "within 1 % (tsc: " << SpanClockUsesTsc() << ")";
}

TEST(ClockTest, DurationsAreNeverNegative) {
  EXPECT_EQ(TicksToNanos(-5), 0);
  EXPECT_EQ(TicksToNanos(0), 0);
}

}  // namespace
}  // namespace qtrace
