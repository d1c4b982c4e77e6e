// IdGenerator: random (default) and AWS X-Ray ids.
#include "qtrace/sdk/id_generator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

namespace qtrace {
namespace {

std::uint32_t EpochPrefix(const TraceId& id) {
  const auto& b = id.bytes();
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

std::int64_t FixedClock() { return 0x5759e988; }

TEST(IdGeneratorTest, RandomIdsAreValidDistinctAndDeclaredRandom) {
  const auto generator = MakeRandomIdGenerator();
  EXPECT_TRUE(generator->RandomTraceIds());
  EXPECT_EQ(generator->Name(), "random");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const TraceId id = generator->NewTraceId();
    EXPECT_TRUE(id.IsValid());
    EXPECT_TRUE(generator->NewSpanId().IsValid());
    seen.insert(id.ToHex());
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdGeneratorTest, XrayTraceIdsStartWithTheEpochSeconds) {
  const auto generator = MakeXrayIdGenerator(FixedClock);
  EXPECT_EQ(generator->Name(), "xray");
  const TraceId id = generator->NewTraceId();
  EXPECT_EQ(id.ToHex().substr(0, 8), "5759e988");
  EXPECT_EQ(EpochPrefix(id), 0x5759e988u);
}

TEST(IdGeneratorTest, XrayTraceIdsFollowTheRealClock) {
  const auto generator = MakeXrayIdGenerator();
  const std::int64_t before = static_cast<std::int64_t>(time(nullptr));
  const TraceId id = generator->NewTraceId();
  const std::int64_t after = static_cast<std::int64_t>(time(nullptr));
  // The coarse clock lags the precise one by at most a tick (a few ms).
  EXPECT_GE(static_cast<std::int64_t>(EpochPrefix(id)), before - 1);
  EXPECT_LE(static_cast<std::int64_t>(EpochPrefix(id)), after);
}

// The low 12 bytes stay random, so X-Ray ids carry the W3C random flag.
TEST(IdGeneratorTest, XrayLowBitsStayRandom) {
  const auto generator = MakeXrayIdGenerator(FixedClock);
  EXPECT_TRUE(generator->RandomTraceIds());
  std::set<std::string> low;
  int ones = 0;
  constexpr int kIds = 2000;
  for (int i = 0; i < kIds; ++i) {
    const TraceId id = generator->NewTraceId();
    low.insert(id.ToHex().substr(8));
    ones += id.bytes()[15] & 1;
  }
  EXPECT_EQ(low.size(), static_cast<std::size_t>(kIds));
  // Binomial(2000, 1/2): sigma ~22.4; 5.5 sigma is a false failure below one
  // in ten million.
  EXPECT_NEAR(ones, kIds / 2, 123);
}

TEST(IdGeneratorTest, MakeIdGeneratorByKind) {
  EXPECT_EQ(MakeIdGenerator(IdGeneratorKind::kRandom)->Name(), "random");
  EXPECT_EQ(MakeIdGenerator(IdGeneratorKind::kXray)->Name(), "xray");
}

TEST(IdGeneratorTest, WithEpochSecondsPrefixKeepsTheRest) {
  const TraceId random = *TraceId::FromHex("ffffffffbd862e3fe1be46a994272793");
  EXPECT_EQ(WithEpochSecondsPrefix(random, 0x01020304).ToHex(), "01020304bd862e3fe1be46a994272793");
}

}  // namespace
}  // namespace qtrace
