#include "qtrace/sdk/export_pacer.h"

#include "gtest/gtest.h"

namespace qtrace {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'000'000);

TEST(ExportPacerTest, FirstCycleParks) {
  ExportPacer pacer(512);
  EXPECT_EQ(pacer.NextWait(5000, kStart), std::nullopt);
}

TEST(ExportPacerTest, SteadyFlowWaitsOneAndAHalfBatchesOnTheTimer) {
  ExportPacer pacer(512);
  ASSERT_EQ(pacer.NextWait(0, kStart), std::nullopt);
  // 1024 spans in 200 µs: a batch every 100 µs.
  EXPECT_EQ(pacer.NextWait(1024, kStart + absl::Microseconds(200)), absl::Microseconds(150));
  // The rate halves: the wait doubles.
  EXPECT_EQ(pacer.NextWait(1024 + 512, kStart + absl::Microseconds(400)), absl::Microseconds(300));
}

TEST(ExportPacerTest, ATimedWakeThatFindsALittleLessThanABatchKeepsPacing) {
  ExportPacer pacer(512);
  (void)pacer.NextWait(0, kStart);
  (void)pacer.NextWait(512, kStart + absl::Microseconds(100));
  // 300 spans (more than half a batch) in the next 100 µs.
  const std::optional<absl::Duration> wait = pacer.NextWait(812, kStart + absl::Microseconds(200));
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, absl::Microseconds(100) * (1.5 * 512.0 / 300.0));
}

TEST(ExportPacerTest, LessThanHalfABatchSinceTheLastCycleParks) {
  ExportPacer pacer(512);
  (void)pacer.NextWait(0, kStart);
  ASSERT_TRUE(pacer.NextWait(512, kStart + absl::Microseconds(100)).has_value());
  EXPECT_EQ(pacer.NextWait(512 + 255, kStart + absl::Microseconds(200)), std::nullopt);
  EXPECT_EQ(pacer.NextWait(512 + 255, kStart + absl::Microseconds(300)), std::nullopt);  // nothing came
}

TEST(ExportPacerTest, ASlowFlowParksRatherThanPollingPastTheLongestWait) {
  ExportPacer pacer(512);
  (void)pacer.NextWait(0, kStart);
  // A batch per 2 ms: a wait of 3 ms, past the longest; signals are rare enough.
  EXPECT_EQ(pacer.NextWait(512, kStart + absl::Milliseconds(2)), std::nullopt);
  // Three batches per 4 ms: exactly the longest wait, still paced.
  EXPECT_EQ(pacer.NextWait(512 + 1536, kStart + absl::Milliseconds(6)), ExportPacer::kMaxPollInterval);
}

TEST(ExportPacerTest, AFloodWaitsTheShortestInterval) {
  ExportPacer pacer(512);
  (void)pacer.NextWait(0, kStart);
  EXPECT_EQ(pacer.NextWait(1'000'000, kStart + absl::Milliseconds(1)), ExportPacer::kMinPollInterval);
}

TEST(ExportPacerTest, ATimedWakeAfterAStallMeasuresTheRateOverTheStall) {
  ExportPacer pacer(512);
  (void)pacer.NextWait(0, kStart);
  ASSERT_TRUE(pacer.NextWait(512, kStart + absl::Microseconds(100)).has_value());
  // The same 512 spans over 1 ms (the thread was descheduled): ten times the wait.
  EXPECT_EQ(pacer.NextWait(1024, kStart + absl::Microseconds(1100)), absl::Microseconds(1500));
}

}  // namespace
}  // namespace qtrace
