#include "qtrace/sdk/clock.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

// Review item 19: each reading is bracketed by the reference clock, so a
// preemption anywhere in the measurement widens the bracket instead of
// failing the test; the 2 ms / 1 % bounds themselves are unchanged.
TEST(ClockTest, WallTimeFromTicksMatchesTheWallClock) {
  RefreshClockAnchor();  // the first use calibrates for 2 ms: not inside the measurement
  for (int i = 0; i < 3; ++i) {
    const std::int64_t before = WallNanos();
    const std::int64_t mapped = WallFromTicks(SpanTicks());
    const std::int64_t after = WallNanos();
    EXPECT_GT(mapped, before - 2'000'000) << "within 2 ms";
    EXPECT_LT(mapped, after + 2'000'000) << "within 2 ms";
    RefreshClockAnchor();
  }
}

TEST(ClockTest, TickDurationsMatchTheMonotonicClock) {
  RefreshClockAnchor();
  const std::int64_t start_before = MonotonicNanos();
  const std::int64_t ticks = SpanTicks();
  const std::int64_t start_after = MonotonicNanos();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const std::int64_t end_before = MonotonicNanos();
  const std::int64_t by_ticks = TicksToNanos(SpanTicks() - ticks);
  const std::int64_t end_after = MonotonicNanos();
  // The true interval lies between the shortest and the longest bracket.
  const double shortest = static_cast<double>(end_before - start_after);
  const double longest = static_cast<double>(end_after - start_before);
  EXPECT_GE(static_cast<double>(by_ticks), 0.99 * shortest) << "within 1 % (tsc: " << SpanClockUsesTsc() << ")";
  EXPECT_LE(static_cast<double>(by_ticks), 1.01 * longest) << "within 1 % (tsc: " << SpanClockUsesTsc() << ")";
}

// Review item 13: readers racing a writer never see a mixed anchor. Every
// reading of the same tick value must agree with one of the published
// anchors, so it stays close to the wall clock even while Refresh runs
// continuously. (On x86 the old relaxed publication could not fail this; the
// test guards the rule on weakly ordered processors and under TSan.)
TEST(ClockTest, ReadersRacingARefreshSeeAConsistentAnchor) {
  RefreshClockAnchor();
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 20000 && !stop.load(std::memory_order_relaxed); ++i) RefreshClockAnchor();
  });
  int bad = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t before = WallNanos();
    const std::int64_t mapped = WallFromTicks(SpanTicks());
    const std::int64_t after = WallNanos();
    if (mapped < before - 2'000'000 || mapped > after + 2'000'000) ++bad;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(bad, 0);
}

TEST(ClockTest, DurationsAreNeverNegative) {
  EXPECT_EQ(TicksToNanos(-5), 0);
  EXPECT_EQ(TicksToNanos(0), 0);
}

}  // namespace
}  // namespace qtrace
