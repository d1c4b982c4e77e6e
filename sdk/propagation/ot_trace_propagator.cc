#include "qtrace/sdk/propagation/ot_trace_propagator.h"

#include <optional>

#include "qtrace/sdk/propagation/padded_ids.h"
#include "qtrace/sdk/propagation/prefixed_baggage.h"

namespace qtrace {

void OtTracePropagator::Inject(const Context& context, TextMapCarrier& carrier) const {
  const SpanContext& span_context = context.span_context();
  if (!span_context.IsValid()) return;
  carrier.Set(kTraceIdHeader, CompactTraceIdHex(span_context.trace_id()));
  carrier.Set(kSpanIdHeader, span_context.span_id().ToHex());
  carrier.Set(kSampledHeader, span_context.IsSampled() ? "true" : "false");
  InjectPrefixedBaggage(context.baggage(), kBaggagePrefix, BaggageValueEncoding::kRaw, carrier);
}

Context OtTracePropagator::Extract(const TextMapCarrier& carrier, const Context& base) const {
  const std::optional<std::string_view> trace_hex = carrier.Get(kTraceIdHeader);
  const std::optional<std::string_view> span_hex = carrier.Get(kSpanIdHeader);
  if (!trace_hex || !span_hex) return base;
  if ((trace_hex->size() != 16 && trace_hex->size() != 32) || span_hex->size() != SpanId::kHexSize) return base;
  const std::optional<TraceId> trace_id = TraceIdFromPaddedHex(*trace_hex);
  const std::optional<SpanId> span_id = SpanIdFromPaddedHex(*span_hex);
  if (!trace_id || !span_id) return base;
  const std::optional<std::string_view> sampled = carrier.Get(kSampledHeader);
  const bool is_sampled = sampled && (*sampled == "true" || *sampled == "1");
  const Context context =
      base.WithSpanContext(SpanContext(*trace_id, *span_id, is_sampled ? TraceFlags::kSampled : 0, /*is_remote=*/true))
          .WithSamplingHint(SamplingHint::kNone);
  // Baggage travels only with a valid trace, as the OT tracers did.
  return ExtractPrefixedBaggage(carrier, kBaggagePrefix, BaggageValueEncoding::kRaw, context);
}

}  // namespace qtrace
