// OT trace, the OpenTracing basic tracer's headers (deprecated, but named by
// the OpenTelemetry specification for migrations):
//   ot-tracer-traceid: 16 or 32 hex digits (a 64-bit id is left-padded)
//   ot-tracer-spanid:  16 hex digits
//   ot-tracer-sampled: "true" or "false" ("1"/"0" read too)
//   ot-baggage-{key}:  a baggage value, unencoded
// Inject writes the trace id in its 64-bit form when the high half is zero,
// else all 32 digits: readers pad 16 digits back, so a 64-bit trace survives
// the round trip, and a 128-bit trace is not cut in half.
#pragma once

#include "qtrace/sdk/propagation/text_map.h"

namespace qtrace {

class OtTracePropagator final : public TextMapPropagator {
 public:
  static constexpr std::string_view kTraceIdHeader = "ot-tracer-traceid";
  static constexpr std::string_view kSpanIdHeader = "ot-tracer-spanid";
  static constexpr std::string_view kSampledHeader = "ot-tracer-sampled";
  static constexpr std::string_view kBaggagePrefix = "ot-baggage-";

  void Inject(const Context& context, TextMapCarrier& carrier) const override;
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override;
  std::vector<std::string_view> Fields() const override { return {kTraceIdHeader, kSpanIdHeader, kSampledHeader}; }
};

}  // namespace qtrace
