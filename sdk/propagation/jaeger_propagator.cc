#include "qtrace/sdk/propagation/jaeger_propagator.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "qtrace/sdk/propagation/padded_ids.h"
#include "qtrace/sdk/common/percent_encoding.h"
#include "qtrace/sdk/propagation/prefixed_baggage.h"

namespace qtrace {
namespace {

constexpr std::uint8_t kJaegerSampled = 0x01;
constexpr std::uint8_t kJaegerDebug = 0x02;

// Exactly four ":"-separated parts.
std::optional<std::array<std::string_view, 4>> SplitColons(std::string_view value) {
  std::array<std::string_view, 4> parts;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t colon = value.find(':');
    if ((colon == std::string_view::npos) != (i == 3)) return std::nullopt;
    parts[i] = value.substr(0, colon);
    if (colon != std::string_view::npos) value.remove_prefix(colon + 1);
  }
  return parts;
}

std::optional<std::uint8_t> ParseFlags(std::string_view hex) {
  if (hex.empty() || hex.size() > 2 || !IsHexText(hex)) return std::nullopt;
  return static_cast<std::uint8_t>(std::stoul(std::string(hex), nullptr, 16));
}

}  // namespace

void JaegerPropagator::Inject(const Context& context, TextMapCarrier& carrier) const {
  const SpanContext& span_context = context.span_context();
  if (span_context.IsValid()) {
    std::uint8_t flags = span_context.IsSampled() ? kJaegerSampled : 0;
    if (context.sampling_hint() == SamplingHint::kDebug) flags |= kJaegerSampled | kJaegerDebug;
    std::string value = CompactTraceIdHex(span_context.trace_id());
    value.append(":").append(span_context.span_id().ToHex()).append(":0:0");
    value.push_back(static_cast<char>('0' + flags));
    carrier.Set(kTraceHeader, value);
  }
  InjectPrefixedBaggage(context.baggage(), kBaggagePrefix, BaggageValueEncoding::kPercent, carrier);
}

Context JaegerPropagator::Extract(const TextMapCarrier& carrier, const Context& base) const {
  Context context = base;
  if (const std::optional<std::string_view> header = carrier.Get(kTraceHeader)) {
    const std::optional<std::string> decoded = PercentDecode(*header);
    const auto parts = decoded ? SplitColons(*decoded) : std::nullopt;
    if (parts) {
      const std::optional<TraceId> trace_id = TraceIdFromPaddedHex((*parts)[0]);
      const std::optional<SpanId> span_id = SpanIdFromPaddedHex((*parts)[1]);
      const bool parent_ok = (*parts)[2] == "0" || SpanIdFromPaddedHex((*parts)[2]).has_value();
      const std::optional<std::uint8_t> flags = ParseFlags((*parts)[3]);
      if (trace_id && span_id && parent_ok && flags) {
        const bool debug = (*flags & kJaegerDebug) != 0;
        const std::uint8_t trace_flags = (*flags & kJaegerSampled) != 0 || debug ? TraceFlags::kSampled : 0;
        context = context.WithSpanContext(SpanContext(*trace_id, *span_id, trace_flags, /*is_remote=*/true))
                      .WithSamplingHint(debug ? SamplingHint::kDebug : SamplingHint::kNone);
      }
    }
  }
  return ExtractPrefixedBaggage(carrier, kBaggagePrefix, BaggageValueEncoding::kPercent, context);
}

}  // namespace qtrace
