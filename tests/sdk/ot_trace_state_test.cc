#include "qtrace/sdk/ot_trace_state.h"

#include "gtest/gtest.h"

namespace qtrace {
namespace {

TEST(OtTraceStateTest, ParsesThresholdRandomnessAndKeepsOthers) {
  const OtTraceState ot = OtTraceState::Parse("foo:bar;th:c;rv:0123456789abcd;k1:13");
  ASSERT_TRUE(ot.threshold.has_value());
  EXPECT_EQ(*ot.threshold, std::uint64_t{0xc} << 52);
  ASSERT_TRUE(ot.randomness.has_value());
  EXPECT_EQ(*ot.randomness, 0x0123456789abcdULL);
  EXPECT_EQ(ot.others, "foo:bar;k1:13");
  EXPECT_EQ(ot.Serialize(), "th:c;rv:0123456789abcd;foo:bar;k1:13");
}

// A malformed th or rv is treated as absent and kept as it came, so that
// what another participant wrote survives us.
TEST(OtTraceStateTest, MalformedValuesAreKeptAsOthers) {
  for (const char* bad : {"th:", "th:C", "th:0123456789abcde", "th:g", "rv:0123456789abc", "rv:0123456789ABCD",
                          "rv:0123456789abcde", "th"}) {
    const OtTraceState ot = OtTraceState::Parse(bad);
    EXPECT_FALSE(ot.threshold.has_value()) << bad;
    EXPECT_FALSE(ot.randomness.has_value()) << bad;
    EXPECT_EQ(ot.others, bad);
  }
}

TEST(OtTraceStateTest, FirstOfARepeatedKeyWins) {
  const OtTraceState ot = OtTraceState::Parse("th:8;th:c");
  EXPECT_EQ(*ot.threshold, std::uint64_t{8} << 52);
  EXPECT_EQ(ot.others, "th:c");
}

TEST(OtTraceStateTest, EmptySubMembersAreSkipped) {
  EXPECT_EQ(OtTraceState::Parse(";;th:8;;").Serialize(), "th:8");
  EXPECT_EQ(OtTraceState::Parse("").Serialize(), "");
}

TEST(OtTraceStateTest, ThresholdEncoding) {
  EXPECT_EQ(EncodeThreshold(0), "0");
  EXPECT_EQ(EncodeThreshold(std::uint64_t{8} << 52), "8");
  EXPECT_EQ(EncodeThreshold(0x00000000000001ULL), "00000000000001");
  EXPECT_EQ(EncodeThreshold(0xffffffffffffffULL), "ffffffffffffff");
  EXPECT_EQ(EncodeThreshold(0xe6660000000000ULL), "e666");
  EXPECT_EQ(DecodeThreshold("e666"), 0xe6660000000000ULL);
  EXPECT_EQ(DecodeThreshold("0"), 0u);
  EXPECT_EQ(DecodeThreshold("00000000000001"), 1u);
  EXPECT_FALSE(DecodeThreshold("").has_value());
}

TEST(OtTraceStateTest, RandomnessIsTheTraceIdsLow56Bits) {
  const auto id = TraceId::FromHex("ffffffffffffffff0123456789abcdef");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(TraceIdRandomness(*id), 0x23456789abcdefULL);
}

TEST(OtTraceStateTest, ReplacingTheMemberMovesItToTheFront) {
  const auto state = TraceState::Parse("vendor=x,ot=foo:bar");
  ASSERT_TRUE(state.has_value());
  OtTraceState ot = OtMemberOf(*state);
  ot.threshold = std::uint64_t{8} << 52;
  EXPECT_EQ(WithOtMember(*state, ot).Serialize(), "ot=th:8;foo:bar,vendor=x");
  // Nothing left to say: the member goes.
  EXPECT_EQ(WithOtMember(*state, OtTraceState{}).Serialize(), "vendor=x");
}

}  // namespace
}  // namespace qtrace
