#include "qtrace/sdk/sampler.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <random>

#include "gtest/gtest.h"
#include "tests/sdk/seeded_ids.h"

namespace qtrace {
namespace {

SpanContext Parent(bool sampled) {
  return SpanContext(RandomTraceId(), RandomSpanId(), sampled ? TraceFlags::kSampled : 0, true);
}

// The decision alone, for a span named "op" of kind SERVER.
SamplingDecision Decide(const Sampler& sampler, const SpanContext& parent, const TraceId& trace_id,
                        std::string_view name = "op", SpanKind kind = SpanKind::kServer) {
  return sampler.ShouldSample(SamplingParameters{parent, trace_id, name, kind, {}, {}}).decision;
}

int CountSampled(const Sampler& sampler, int n) {
  int sampled = 0;
  for (int i = 0; i < n; ++i) {
    if (Decide(sampler, SpanContext(), RandomTraceId(), "op", SpanKind::kServer) ==
        SamplingDecision::kRecordAndSample) {
      ++sampled;
    }
  }
  return sampled;
}

class RatioStatistics : public testing::TestWithParam<double> {};

// Over 100 000 seeded trace ids the observed share must sit within 3 sigma of
// the ratio (binomial: sigma = sqrt(n p (1-p))). Deterministic: fixed seed
// (a fresh random draw would fail about once in 75 runs over five ratios).
TEST_P(RatioStatistics, ObservedShareWithinThreeSigma) {
  const double p = GetParam();
  constexpr int kN = 100000;
  std::mt19937_64 rng(20261202);
  const auto sampler = MakeTraceIdRatioSampler(p);
  int sampled = 0;
  for (int i = 0; i < kN; ++i) {
    sampled += Decide(*sampler, SpanContext(), testutil::SeededTraceId(rng), "op", SpanKind::kServer) ==
               SamplingDecision::kRecordAndSample;
  }
  const double sigma = std::sqrt(kN * p * (1 - p));
  EXPECT_NEAR(sampled, kN * p, 3 * sigma + 1e-9) << "ratio " << p;
}
INSTANTIATE_TEST_SUITE_P(Ratios, RatioStatistics, testing::Values(0.01, 0.1, 0.25, 0.5, 0.9));

TEST(SamplerTest, RatioEdgesAreExact) {
  EXPECT_EQ(CountSampled(*MakeTraceIdRatioSampler(0.0), 10000), 0);
  EXPECT_EQ(CountSampled(*MakeTraceIdRatioSampler(1.0), 10000), 10000);
}

TEST(SamplerTest, SameTraceIdSameDecision) {
  auto sampler = MakeTraceIdRatioSampler(0.3);
  for (int i = 0; i < 1000; ++i) {
    const TraceId id = RandomTraceId();
    const auto first = Decide(*sampler, SpanContext(), id, "a", SpanKind::kServer);
    for (int j = 0; j < 3; ++j) {
      EXPECT_EQ(Decide(*sampler, SpanContext(), id, "other name", SpanKind::kClient), first);
    }
  }
}

// The decision depends on the low 8 bytes of the trace id only, as the
// specification's TraceIdRatioBased does, so that every service agrees.
TEST(SamplerTest, DecisionUsesLowBytes) {
  std::array<std::uint8_t, 16> low_small{};
  low_small[0] = 0xff;  // high bytes do not matter
  low_small[15] = 0x01;
  std::array<std::uint8_t, 16> low_large{};
  for (int i = 8; i < 16; ++i) low_large[i] = 0xff;
  EXPECT_TRUE(TraceIdUnderRatio(TraceId(low_small), 0.001));
  EXPECT_FALSE(TraceIdUnderRatio(TraceId(low_large), 0.999));
}

TEST(SamplerTest, ParentBasedFollowsParentFlag) {
  auto sampler = MakeParentBasedSampler(MakeAlwaysOffSampler());
  for (int i = 0; i < 100; ++i) {
    const SpanContext sampled = Parent(true);
    const SpanContext unsampled = Parent(false);
    EXPECT_EQ(Decide(*sampler, sampled, sampled.trace_id(), "x", SpanKind::kServer),
              SamplingDecision::kRecordAndSample);
    EXPECT_EQ(Decide(*sampler, unsampled, unsampled.trace_id(), "x", SpanKind::kServer),
              SamplingDecision::kDropByParent);
  }
  auto on = MakeParentBasedSampler(MakeAlwaysOnSampler());
  const SpanContext unsampled = Parent(false);
  EXPECT_EQ(Decide(*on, unsampled, unsampled.trace_id(), "x", SpanKind::kServer),
            SamplingDecision::kDropByParent);
}

// Item 1 of the review: a drop says why, so that "errors always kept" can
// tell chance (a ratio) from an explicit decision (always_off, the parent).
TEST(SamplerTest, DropsSayWhy) {
  const SpanContext root;
  std::array<std::uint8_t, 16> high{};
  for (int i = 8; i < 16; ++i) high[i] = 0xff;
  const TraceId outside(high);
  EXPECT_EQ(Decide(*MakeAlwaysOffSampler(), root, outside, "x", SpanKind::kServer), SamplingDecision::kDrop);
  EXPECT_EQ(Decide(*MakeTraceIdRatioSampler(0.5), root, outside, "x", SpanKind::kServer),
            SamplingDecision::kDropByRatio);
  EXPECT_EQ(Decide(*MakeSampler(SamplerKind::kParentBasedTraceIdRatio, 0.5), root, outside, "x", SpanKind::kServer),
            SamplingDecision::kDropByRatio);
  EXPECT_EQ(Decide(*MakeSampler(SamplerKind::kParentBasedAlwaysOff, 0.5), root, outside, "x", SpanKind::kServer),
            SamplingDecision::kDrop);
}

TEST(SamplerTest, ParentBasedUsesRootForRoots) {
  EXPECT_EQ(CountSampled(*MakeParentBasedSampler(MakeAlwaysOffSampler()), 100), 0);
  EXPECT_EQ(CountSampled(*MakeParentBasedSampler(MakeAlwaysOnSampler()), 100), 100);
}

TEST(SamplerTest, MakeSamplerByKind) {
  EXPECT_EQ(MakeSampler(SamplerKind::kAlwaysOn, 0)->Description(), "AlwaysOnSampler");
  EXPECT_EQ(MakeSampler(SamplerKind::kAlwaysOff, 0)->Description(), "AlwaysOffSampler");
  EXPECT_EQ(MakeSampler(SamplerKind::kTraceIdRatio, 0.1)->Description(), "TraceIdRatioBased{0.100000}");
  EXPECT_EQ(MakeSampler(SamplerKind::kParentBasedTraceIdRatio, 0.5)->Description(),
            "ParentBased{root=TraceIdRatioBased{0.500000}}");
  EXPECT_EQ(MakeSampler(SamplerKind::kParentBasedAlwaysOff, 0)->Description(),
            "ParentBased{root=AlwaysOffSampler}");
}

}  // namespace
}  // namespace qtrace
