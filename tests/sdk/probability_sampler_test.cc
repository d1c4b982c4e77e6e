#include "qtrace/sdk/probability_sampler.h"

#include <cmath>
#include <memory>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "qtrace/sdk/ot_trace_state.h"
#include "tests/sdk/seeded_ids.h"

namespace qtrace {
namespace {

std::string Th(double ratio, int precision = 4) {
  const std::optional<std::uint64_t> threshold = ThresholdForRatio(ratio, precision);
  return threshold ? EncodeThreshold(*threshold) : "never";
}

SamplingResult Sample(const Sampler& sampler, const SpanContext& parent, const TraceId& trace_id) {
  return sampler.ShouldSample(SamplingParameters{parent, trace_id, "op", SpanKind::kServer, {}, {}});
}

SamplingResult SampleRoot(const Sampler& sampler, const TraceId& trace_id) {
  return Sample(sampler, SpanContext(), trace_id);
}

std::string Serialized(const TraceStatePtr& state) { return state ? state->Serialize() : "<parent's>"; }

// A trace id whose low 56 bits (its randomness) are r.
TraceId IdWithRandomness(std::uint64_t r) {
  std::array<std::uint8_t, 16> bytes{};
  bytes[0] = 0x5a;
  for (int i = 15; i >= 9; --i, r >>= 8) bytes[i] = static_cast<std::uint8_t>(r);
  return TraceId(bytes);
}

SpanContext RemoteParent(const TraceId& trace_id, bool sampled, std::string_view trace_state) {
  auto parsed = TraceState::Parse(trace_state);
  EXPECT_TRUE(parsed.has_value()) << trace_state;
  return SpanContext(trace_id, RandomSpanId(),
                     static_cast<std::uint8_t>(TraceFlags::kRandom | (sampled ? TraceFlags::kSampled : 0)),
                     /*is_remote=*/true, std::make_shared<const TraceState>(parsed.value_or(TraceState())));
}

// The specification's table of thresholds for 1-in-N sampling at precisions
// 3, 4 (the default) and 5.
TEST(ProbabilitySamplerTest, ThresholdsMatchTheSpecificationsTable) {
  EXPECT_EQ(Th(1.0), "0");
  EXPECT_EQ(Th(0.5), "8");
  EXPECT_EQ(Th(0.25), "c");
  EXPECT_EQ(Th(0.125), "e");
  EXPECT_EQ(Th(0.0625), "f");
  EXPECT_EQ(Th(1.0 / 3), "aaab");
  EXPECT_EQ(Th(0.2), "cccd");
  EXPECT_EQ(Th(0.1), "e666");
  EXPECT_EQ(Th(0.01), "fd70a");
  EXPECT_EQ(Th(0.001), "ffbe77");
  EXPECT_EQ(Th(0.0001), "fff9724");
  EXPECT_EQ(Th(0.00001), "ffff583a");
  EXPECT_EQ(Th(0.000001), "ffffef39");

  EXPECT_EQ(Th(1.0 / 3, 3), "aab");
  EXPECT_EQ(Th(1.0 / 3, 5), "aaaab");
  EXPECT_EQ(Th(0.1, 3), "e66");
  EXPECT_EQ(Th(0.1, 5), "e6666");
  EXPECT_EQ(Th(0.01, 3), "fd71");
  EXPECT_EQ(Th(0.01, 5), "fd70a4");
  EXPECT_EQ(Th(0.001, 5), "ffbe76d");
  EXPECT_EQ(Th(0.0001, 3), "fff972");
}

TEST(ProbabilitySamplerTest, RatioEdges) {
  EXPECT_EQ(Th(0.0), "never");
  EXPECT_EQ(Th(-1.0), "never");
  EXPECT_EQ(Th(std::nan("")), "never");
  EXPECT_EQ(Th(std::ldexp(1.0, -58)), "never");  // rounds to no R value at all
  EXPECT_EQ(Th(std::ldexp(1.0, -56)), "ffffffffffffff");  // exactly one R value
  EXPECT_EQ(Th(2.0), "0");

  const auto never = MakeProbabilitySampler(0.0);
  const auto always = MakeProbabilitySampler(1.0);
  for (std::uint64_t r : {std::uint64_t{0}, std::uint64_t{1} << 55, kRandomnessRange - 1}) {
    EXPECT_EQ(SampleRoot(*never, IdWithRandomness(r)).decision, SamplingDecision::kDropByRatio);
    const SamplingResult kept = SampleRoot(*always, IdWithRandomness(r));
    EXPECT_EQ(kept.decision, SamplingDecision::kRecordAndSample);
    EXPECT_EQ(Serialized(kept.trace_state), "ot=th:0");
  }
}

// R >= T samples: the boundary is exact.
TEST(ProbabilitySamplerTest, SamplesWhenRandomnessReachesTheThreshold) {
  const auto sampler = MakeProbabilitySampler(0.5);  // T = 2^55
  const std::uint64_t t = std::uint64_t{1} << 55;
  EXPECT_EQ(SampleRoot(*sampler, IdWithRandomness(t - 1)).decision, SamplingDecision::kDropByRatio);
  EXPECT_EQ(SampleRoot(*sampler, IdWithRandomness(t)).decision, SamplingDecision::kRecordAndSample);
  // Byte 8 is not part of the randomness.
  std::array<std::uint8_t, 16> bytes{};
  bytes[8] = 0xff;
  EXPECT_EQ(SampleRoot(*sampler, TraceId(bytes)).decision, SamplingDecision::kDropByRatio);
}

class ProbabilityStatistics : public testing::TestWithParam<double> {};

// Over 100 000 seeded trace ids the observed share sits within 5 sigma of the
// ratio the threshold stands for (binomial sigma = sqrt(n p (1-p))). The seed
// makes it deterministic; even a fresh random draw would fail with a chance
// below 6e-7.
TEST_P(ProbabilityStatistics, ObservedShareWithinFiveSigma) {
  const double p = GetParam();
  constexpr int kN = 100000;
  std::mt19937_64 rng(20261203);
  const auto sampler = MakeProbabilitySampler(p);
  int sampled = 0;
  for (int i = 0; i < kN; ++i) {
    sampled += SampleRoot(*sampler, testutil::SeededTraceId(rng)).decision == SamplingDecision::kRecordAndSample;
  }
  const double sigma = std::sqrt(kN * p * (1 - p));
  EXPECT_NEAR(sampled, kN * p, 5 * sigma) << "ratio " << p;
}
INSTANTIATE_TEST_SUITE_P(Ratios, ProbabilityStatistics, testing::Values(0.5, 0.1, 0.01));

TEST(ProbabilitySamplerTest, RootWritesTheThresholdOnlyWhenSampled) {
  const auto sampler = MakeProbabilitySampler(0.1);
  const SamplingResult kept = SampleRoot(*sampler, IdWithRandomness(kRandomnessRange - 1));
  EXPECT_EQ(kept.decision, SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Serialized(kept.trace_state), "ot=th:e666");
  const SamplingResult dropped = SampleRoot(*sampler, IdWithRandomness(0));
  EXPECT_EQ(dropped.decision, SamplingDecision::kDropByRatio);
  EXPECT_EQ(dropped.trace_state, nullptr);
}

// A root's tracestate is built once: every sampled root shares it.
TEST(ProbabilitySamplerTest, RootsShareOneTraceState) {
  const auto sampler = MakeProbabilitySampler(0.5);
  const SamplingResult a = SampleRoot(*sampler, IdWithRandomness(kRandomnessRange - 1));
  const SamplingResult b = SampleRoot(*sampler, IdWithRandomness(kRandomnessRange - 2));
  ASSERT_NE(a.trace_state, nullptr);
  EXPECT_EQ(a.trace_state.get(), b.trace_state.get());
  // No reference count: copying it on the request thread and releasing it on
  // the exporter thread must not share a counter between the cores.
  EXPECT_EQ(a.trace_state.use_count(), 0);
  // Another sampler at the same ratio hands out
  // the same process-wide object, still "ot=th:8".
  const TraceState* shared = a.trace_state.get();
  const auto later = MakeProbabilitySampler(0.5);
  EXPECT_EQ(SampleRoot(*later, IdWithRandomness(kRandomnessRange - 1)).trace_state.get(), shared);
  EXPECT_EQ(shared->Serialize(), "ot=th:8");
}

// The point of writing th: a child that reads its parent's th and compares
// its own randomness decides as the parent did, and so does a child running
// its own ProbabilitySampler at the same ratio; one at a smaller ratio keeps
// a subset (consistency).
TEST(ProbabilitySamplerTest, ChildUsingTheParentsThresholdDecidesTheSame) {
  constexpr int kN = 20000;
  std::mt19937_64 rng(7);
  const auto root_sampler = MakeProbabilitySampler(0.1);
  const auto child_sampler = MakeProbabilitySampler(0.1);
  const auto smaller = MakeProbabilitySampler(0.01);
  int sampled_roots = 0;
  for (int i = 0; i < kN; ++i) {
    const TraceId id = testutil::SeededTraceId(rng);
    const SamplingResult root = SampleRoot(*root_sampler, id);
    const bool root_sampled = root.decision == SamplingDecision::kRecordAndSample;
    if (!root_sampled) continue;
    ++sampled_roots;
    // What a downstream service sees: the root's tracestate, sampled flag set.
    const SpanContext parent = RemoteParent(id, true, Serialized(root.trace_state));
    const OtTraceState ot = OtMemberOf(parent.trace_state());
    ASSERT_TRUE(ot.threshold.has_value());
    EXPECT_GE(TraceIdRandomness(id), *ot.threshold);

    const SamplingResult child = Sample(*child_sampler, parent, id);
    EXPECT_EQ(child.decision, SamplingDecision::kRecordAndSample);
    // Same threshold: the child passes the parent's tracestate on untouched.
    EXPECT_EQ(child.trace_state.get(), parent.trace_state_ptr().get());
    if (Sample(*smaller, parent, id).decision == SamplingDecision::kRecordAndSample) {
      EXPECT_EQ(Sample(*smaller, SpanContext(), id).decision, SamplingDecision::kRecordAndSample);
    }
  }
  // And the unsampled roots: a child at the same ratio drops them too.
  std::mt19937_64 again(7);
  for (int i = 0; i < kN; ++i) {
    const TraceId id = testutil::SeededTraceId(again);
    if (SampleRoot(*root_sampler, id).decision == SamplingDecision::kRecordAndSample) continue;
    EXPECT_EQ(Sample(*child_sampler, RemoteParent(id, false, ""), id).decision, SamplingDecision::kDropByRatio);
  }
  EXPECT_GT(sampled_roots, 0);
}

TEST(ProbabilitySamplerTest, ExplicitRandomnessReplacesTheTraceIds) {
  const auto sampler = MakeProbabilitySampler(0.5);
  const TraceId low = IdWithRandomness(0);  // would be dropped on its own
  const SamplingResult kept = Sample(*sampler, RemoteParent(low, false, "ot=rv:ffffffffffffff"), low);
  EXPECT_EQ(kept.decision, SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Serialized(kept.trace_state), "ot=th:8;rv:ffffffffffffff");

  const TraceId high = IdWithRandomness(kRandomnessRange - 1);
  EXPECT_EQ(Sample(*sampler, RemoteParent(high, true, "ot=rv:00000000000000"), high).decision,
            SamplingDecision::kDropByRatio);
}

TEST(ProbabilitySamplerTest, KeepsOtherMembersAndSubKeys) {
  const auto sampler = MakeProbabilitySampler(0.5);
  const TraceId high = IdWithRandomness(kRandomnessRange - 1);
  const SamplingResult kept = Sample(*sampler, RemoteParent(high, true, "vendor=x,ot=foo:bar;th:c"), high);
  EXPECT_EQ(kept.decision, SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Serialized(kept.trace_state), "ot=th:8;foo:bar,vendor=x");

  // A parent with a tracestate but no "ot" member gets one.
  EXPECT_EQ(Serialized(Sample(*sampler, RemoteParent(high, true, "vendor=x"), high).trace_state),
            "ot=th:8,vendor=x");
}

// An unsampled span claims no threshold: th goes, the rest stays.
TEST(ProbabilitySamplerTest, DropErasesTheThreshold) {
  const auto sampler = MakeProbabilitySampler(0.5);
  const TraceId low = IdWithRandomness(0);
  const SamplingResult dropped = Sample(*sampler, RemoteParent(low, true, "ot=th:0;foo:bar,vendor=x"), low);
  EXPECT_EQ(dropped.decision, SamplingDecision::kDropByRatio);
  EXPECT_EQ(Serialized(dropped.trace_state), "ot=foo:bar,vendor=x");
  // Nothing to erase: the parent's tracestate is kept as it is.
  EXPECT_EQ(Sample(*sampler, RemoteParent(low, true, "vendor=x"), low).trace_state, nullptr);
}

// The ProbabilitySampler ignores the parent's flag; its parent-based form
// follows it and passes the parent's tracestate on.
TEST(ProbabilitySamplerTest, ParentBasedFormFollowsTheParent) {
  const auto sampler = MakeSampler(SamplerKind::kParentBasedProbability, 0.5);
  const TraceId low = IdWithRandomness(0);
  const TraceId high = IdWithRandomness(kRandomnessRange - 1);
  EXPECT_EQ(Sample(*sampler, RemoteParent(low, false, ""), low).decision, SamplingDecision::kDropByParent);
  EXPECT_EQ(Sample(*sampler, RemoteParent(high, false, ""), high).decision, SamplingDecision::kDropByParent);
  const SamplingResult followed = Sample(*sampler, RemoteParent(high, true, "ot=th:c"), high);
  EXPECT_EQ(followed.decision, SamplingDecision::kRecordAndSample);
  EXPECT_EQ(followed.trace_state, nullptr);  // the parent's, untouched
  EXPECT_EQ(Serialized(SampleRoot(*sampler, high).trace_state), "ot=th:8");

  // The bare sampler decides on its own, whatever the parent said.
  const auto bare = MakeProbabilitySampler(0.5);
  EXPECT_EQ(Sample(*bare, RemoteParent(high, false, ""), high).decision, SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Sample(*bare, RemoteParent(low, true, ""), low).decision, SamplingDecision::kDropByRatio);
}

// A sampled remote parent whose th its own randomness could not have passed
// is inconsistent: the parent-based sampler erases th rather than pass on a
// false weight.
TEST(ProbabilitySamplerTest, ParentBasedErasesAnInconsistentThreshold) {
  const auto sampler = MakeSampler(SamplerKind::kParentBasedAlwaysOn, 0);
  const TraceId low = IdWithRandomness(0);
  const SamplingResult result = Sample(*sampler, RemoteParent(low, true, "ot=th:8;foo:bar,vendor=x"), low);
  EXPECT_EQ(result.decision, SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Serialized(result.trace_state), "ot=foo:bar,vendor=x");
  // rv counts as the randomness when present.
  EXPECT_EQ(Sample(*sampler, RemoteParent(low, true, "ot=th:8;rv:ffffffffffffff"), low).trace_state, nullptr);
}

TEST(ProbabilitySamplerTest, Descriptions) {
  EXPECT_EQ(MakeProbabilitySampler(0.1)->Description(), "ProbabilitySampler{0.100000}");
  EXPECT_EQ(MakeSampler(SamplerKind::kParentBasedProbability, 0.25)->Description(),
            "ParentBased{root=ProbabilitySampler{0.250000}}");
  EXPECT_EQ(MakeSampler(SamplerKind::kProbability, 2.0)->Description(), "ProbabilitySampler{1.000000}");
}

}  // namespace
}  // namespace qtrace
