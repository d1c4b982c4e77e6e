#include "qtrace/sdk/id_generator.h"

#include <time.h>

#include <array>

namespace qtrace {
namespace {

class RandomIdGenerator final : public IdGenerator {
 public:
  TraceId NewTraceId() const override { return RandomTraceId(); }
  SpanId NewSpanId() const override { return RandomSpanId(); }
  bool RandomTraceIds() const override { return true; }
  std::string_view Name() const override { return "random"; }
};

// CLOCK_REALTIME_COARSE: a vDSO read of the last tick, a few nanoseconds;
// X-Ray needs seconds, and the coarse clock is within a few milliseconds.
std::int64_t CoarseUnixSeconds() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec);
}

class XrayIdGenerator final : public IdGenerator {
 public:
  explicit XrayIdGenerator(std::int64_t (*now)()) : now_(now != nullptr ? now : CoarseUnixSeconds) {}

  TraceId NewTraceId() const override { return WithEpochSecondsPrefix(RandomTraceId(), now_()); }
  SpanId NewSpanId() const override { return RandomSpanId(); }
  // Bytes 4..15 stay random: the low 56 bits (bytes 9..15) among them.
  bool RandomTraceIds() const override { return true; }
  std::string_view Name() const override { return "xray"; }

 private:
  std::int64_t (*now_)();
};

}  // namespace

TraceId WithEpochSecondsPrefix(TraceId random, std::int64_t unix_seconds) {
  std::array<std::uint8_t, TraceId::kSize> bytes = random.bytes();
  const auto seconds = static_cast<std::uint32_t>(unix_seconds);
  bytes[0] = static_cast<std::uint8_t>(seconds >> 24);
  bytes[1] = static_cast<std::uint8_t>(seconds >> 16);
  bytes[2] = static_cast<std::uint8_t>(seconds >> 8);
  bytes[3] = static_cast<std::uint8_t>(seconds);
  // The seconds are never zero after 1970, so the id stays valid.
  return TraceId(bytes);
}

std::unique_ptr<IdGenerator> MakeRandomIdGenerator() { return std::make_unique<RandomIdGenerator>(); }

std::unique_ptr<IdGenerator> MakeXrayIdGenerator(std::int64_t (*now_unix_seconds)()) {
  return std::make_unique<XrayIdGenerator>(now_unix_seconds);
}

std::unique_ptr<IdGenerator> MakeIdGenerator(IdGeneratorKind kind) {
  switch (kind) {
    case IdGeneratorKind::kXray:
      return MakeXrayIdGenerator();
    case IdGeneratorKind::kRandom:
      break;
  }
  return MakeRandomIdGenerator();
}

}  // namespace qtrace
