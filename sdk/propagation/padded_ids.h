// Ids as the non-W3C formats write them: B3 and OT trace allow 64-bit trace
// ids (16 hex digits, the high half zero), Jaeger drops leading zeros, and
// some clients write upper-case hex. These parse such text into our 128-bit
// trace ids and 64-bit span ids, left-padding with zeros. Each propagator
// checks the lengths its own format allows before calling them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "qtrace/sdk/ids.h"

namespace qtrace {

// 1 to 32 hex digits, either case. nullopt for anything else, including an
// id that is all zero.
std::optional<TraceId> TraceIdFromPaddedHex(std::string_view hex);
// 1 to 16 hex digits, either case. nullopt for anything else, including an
// id that is all zero.
std::optional<SpanId> SpanIdFromPaddedHex(std::string_view hex);

// The trace id as B3, Jaeger and OT trace write it: 16 hex digits when the
// high half is zero (the 64-bit form such a trace arrived in), else 32.
std::string CompactTraceIdHex(const TraceId& trace_id);

// True when every character is a hex digit of either case.
bool IsHexText(std::string_view text);

}  // namespace qtrace
