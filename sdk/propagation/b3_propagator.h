// B3, Zipkin's propagation format, in both of its encodings:
//   single  b3: {trace id}-{span id}[-{sampling state}[-{parent span id}]]
//           or b3: {sampling state} alone
//   multi   X-B3-TraceId, X-B3-SpanId, X-B3-ParentSpanId, X-B3-Sampled, X-B3-Flags
// Trace ids are 32 or 16 hex digits (a 64-bit id is left-padded with zeros),
// span ids 16. The sampling state is "1" (accept), "0" (deny) or "d" (debug,
// which implies accept); X-B3-Sampled is "1"/"0" (or the legacy
// "true"/"false"), X-B3-Flags "1" means debug.
//
// Extract reads the single header first and falls back to the multi headers
// when it is absent or malformed (the specification's order). A sampling
// state without ids becomes a SamplingHint for the root we start; ids without
// a sampling state leave the decision to us (SamplingHint::kDefer); debug is
// kept in the context and written back out. The parent span id is checked but
// not used: our span's parent is the sender's span id.
//
// Inject writes one encoding: the single header for OTEL_PROPAGATORS=b3, the
// multi headers for b3multi, never X-B3-ParentSpanId. A trace id whose high
// half is zero is written in its 64-bit form, so that a 64-bit trace from a
// Zipkin client comes back to it as the id it sent.
#pragma once

#include <optional>
#include <string>

#include "qtrace/sdk/propagation/text_map.h"

namespace qtrace {

class B3Propagator final : public TextMapPropagator {
 public:
  enum class Encoding : std::uint8_t { kSingleHeader, kMultiHeader };

  static constexpr std::string_view kSingleHeader = "b3";
  static constexpr std::string_view kTraceIdHeader = "x-b3-traceid";
  static constexpr std::string_view kSpanIdHeader = "x-b3-spanid";
  static constexpr std::string_view kParentSpanIdHeader = "x-b3-parentspanid";
  static constexpr std::string_view kSampledHeader = "x-b3-sampled";
  static constexpr std::string_view kFlagsHeader = "x-b3-flags";

  explicit B3Propagator(Encoding inject_encoding) : inject_encoding_(inject_encoding) {}

  void Inject(const Context& context, TextMapCarrier& carrier) const override;
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override;
  std::vector<std::string_view> Fields() const override;

  // The single-header value for a valid context ("" otherwise).
  static std::string FormatSingleHeader(const SpanContext& context, bool debug);

 private:
  Encoding inject_encoding_;
};

}  // namespace qtrace
