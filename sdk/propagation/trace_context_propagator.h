// W3C Trace Context Level 1 (traceparent, tracestate), followed to the letter:
//   traceparent = version "-" trace-id "-" parent-id "-" trace-flags
// version "ff" is invalid; version 00 must be exactly 55 characters; a higher
// version is parsed forward-compatibly (the first four fields, then either the
// end or "-" and more); lower-case hex only; all-zero trace id or parent id is
// invalid. tracestate is read only when traceparent is valid, and a malformed
// tracestate is dropped without losing the traceparent.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "qtrace/sdk/propagation/text_map.h"

namespace qtrace {

class TraceContextPropagator final : public TextMapPropagator {
 public:
  static constexpr std::string_view kTraceParent = "traceparent";
  static constexpr std::string_view kTraceState = "tracestate";

  void Inject(const Context& context, TextMapCarrier& carrier) const override;
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override;
  std::vector<std::string_view> Fields() const override { return {kTraceParent, kTraceState}; }

  // Parses a traceparent value; the result is marked remote and carries no
  // tracestate. nullopt when invalid.
  static std::optional<SpanContext> ParseTraceParent(std::string_view value);
  // The length of a version-00 traceparent value.
  static constexpr std::size_t kTraceParentSize = 55;
  // "00-<trace id>-<span id>-<flags>" for a valid context, empty otherwise.
  static std::string FormatTraceParent(const SpanContext& context);
  // The same value written into out, for a caller that keeps it in a buffer
  // of its own rather than on the heap. REQUIRES: context.IsValid().
  static void FormatTraceParent(const SpanContext& context, std::span<char, kTraceParentSize> out);
};

}  // namespace qtrace
