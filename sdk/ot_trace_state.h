// The OpenTelemetry member of W3C tracestate ("ot=..."), which carries what
// consistent probability sampling needs from one participant to the next:
//
//   th  the rejection threshold T the span was sampled with: 1 to 14
//       lower-case hex digits, the leading digits of a 56-bit number with
//       trailing zeros removed ("8" is 2^55: half of all traces sampled).
//       A span is kept when its randomness R >= T, so its sampling
//       probability is (2^56 - T) / 2^56 and "0" means "everything".
//   rv  an explicit 56-bit randomness value, exactly 14 hex digits; when
//       present it replaces the trace id's low 56 bits as R.
//
// The value is a ";"-separated list of "key:value" sub-members. Sub-members
// we do not know, and th or rv values that break the grammar, are kept as
// they came, so another participant's data survives us.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "qtrace/sdk/ids.h"
#include "qtrace/sdk/trace_state.h"

namespace qtrace {

// 2^56: one more than the largest randomness value.
inline constexpr std::uint64_t kRandomnessRange = std::uint64_t{1} << 56;

// The tracestate key of the OpenTelemetry member.
inline constexpr std::string_view kOtTraceStateKey = "ot";

struct OtTraceState {
  std::optional<std::uint64_t> threshold;   // th, below kRandomnessRange
  std::optional<std::uint64_t> randomness;  // rv, below kRandomnessRange
  // Every other sub-member, ";"-joined, in the order it came.
  std::string others;

  // Parses the value of the "ot" member. Never fails: a malformed th or rv
  // is treated as absent (and kept among the others).
  static OtTraceState Parse(std::string_view value);
  // "th:...;rv:...;others", omitting what is absent; empty when nothing is.
  std::string Serialize() const;
};

// The th text for a threshold: 14 hex digits with trailing zeros removed,
// "0" for zero. threshold must be below kRandomnessRange.
std::string EncodeThreshold(std::uint64_t threshold);
// The threshold a th text stands for; nullopt unless 1 to 14 lower-case hex
// digits.
std::optional<std::uint64_t> DecodeThreshold(std::string_view text);

// The trace id's low 56 bits (bytes 9..15, big-endian): the randomness W3C
// Level 2 promises when the random flag is set.
std::uint64_t TraceIdRandomness(const TraceId& trace_id);

// The "ot" member of a tracestate, parsed; an absent member gives an empty one.
OtTraceState OtMemberOf(const TraceState& trace_state);

// The trace's randomness R: ot's rv when it has one, else the trace id's.
std::uint64_t RandomnessOf(const OtTraceState& ot, const TraceId& trace_id);

// trace_state with its "ot" member replaced by ot (removed when ot
// serializes to nothing), moved to the front as W3C asks of the vendor that
// updates its entry.
TraceState WithOtMember(const TraceState& trace_state, const OtTraceState& ot);

// trace_state with the th of its "ot" member (parsed as ot) erased, every
// other sub-member kept: what a span passes on when it claims no threshold.
TraceStatePtr WithoutThreshold(const TraceState& trace_state, OtTraceState ot);

}  // namespace qtrace
