// IdGenerator: where a span's trace id and span id come from (the
// specification's IdGenerator). The tracer asks it for a trace id only when a
// span starts a new trace, and for a span id on every span.
//
//   random (default)  every bit random, from the per-thread generator in ids.h
//   xray              AWS X-Ray's form: the first 4 bytes of the trace id are
//                     the epoch seconds (big-endian), the other 12 random, so
//                     that X-Ray accepts the id and can derive its start time
//
// Both keep the trace id's low 56 bits random, which is what the W3C Level 2
// "random" trace flag promises, so both report RandomTraceIds() == true. A
// generator whose low bits are not random (a counter, an id from elsewhere)
// must say false, and its new roots then carry no random flag.
//
// Thread safety: called from every request thread at once; implementations
// take no lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "qtrace/sdk/ids.h"

namespace qtrace {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual TraceId NewTraceId() const = 0;
  virtual SpanId NewSpanId() const = 0;
  // True when at least the low 56 bits of every NewTraceId() are random.
  virtual bool RandomTraceIds() const = 0;
  // "random", "xray", ... for the configuration dump.
  virtual std::string_view Name() const = 0;
};

enum class IdGeneratorKind : std::uint8_t { kRandom, kXray };

std::unique_ptr<IdGenerator> MakeRandomIdGenerator();
// now_unix_seconds: the clock, replaceable in tests; null means the real
// wall clock.
std::unique_ptr<IdGenerator> MakeXrayIdGenerator(std::int64_t (*now_unix_seconds)() = nullptr);
std::unique_ptr<IdGenerator> MakeIdGenerator(IdGeneratorKind kind);

// The X-Ray form of an id: trace id bytes 0..3 set to the seconds,
// big-endian. Exposed for the tests.
TraceId WithEpochSecondsPrefix(TraceId random, std::int64_t unix_seconds);

}  // namespace qtrace
