#include "qtrace/sdk/propagation/trace_context_propagator.h"

#include <cstdint>
#include <memory>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

// Layout of "vv-<32 hex trace id>-<16 hex parent id>-ff".
constexpr std::size_t kVersionOffset = 0;
constexpr std::size_t kVersionSize = 2;
constexpr std::size_t kTraceIdOffset = 3;
constexpr std::size_t kParentIdOffset = kTraceIdOffset + TraceId::kHexSize + 1;  // 36
constexpr std::size_t kFlagsOffset = kParentIdOffset + SpanId::kHexSize + 1;     // 53
constexpr std::size_t kFlagsSize = 2;
constexpr std::size_t kTraceParentSize = TraceContextPropagator::kTraceParentSize;
static_assert(kTraceParentSize == kFlagsOffset + kFlagsSize);

constexpr std::uint8_t kVersion00 = 0x00;
constexpr std::uint8_t kInvalidVersion = 0xff;

std::optional<std::uint8_t> ParseHexByte(std::string_view hex) {
  std::uint8_t byte = 0;
  if (!ParseLowerHex(hex, &byte, 1)) return std::nullopt;
  return byte;
}

// The separators between the four fields of every version.
bool HasFieldDashes(std::string_view value) {
  return value[kTraceIdOffset - 1] == '-' && value[kParentIdOffset - 1] == '-' &&
         value[kFlagsOffset - 1] == '-';
}

// Version 00 is exactly 55 characters. A later version may append fields, but
// only after a "-" (forward compatibility, W3C Trace Context Level 1 4.3).
bool HasValidLength(std::uint8_t version, std::string_view value) {
  if (value.size() == kTraceParentSize) return true;
  if (version == kVersion00) return false;
  return value.size() > kTraceParentSize && value[kTraceParentSize] == '-';
}

}  // namespace

std::optional<SpanContext> TraceContextPropagator::ParseTraceParent(std::string_view value) {
  value = TrimOws(value);
  if (value.size() < kTraceParentSize) return std::nullopt;

  const std::optional<std::uint8_t> version = ParseHexByte(value.substr(kVersionOffset, kVersionSize));
  if (!version || *version == kInvalidVersion) return std::nullopt;
  if (!HasValidLength(*version, value) || !HasFieldDashes(value)) return std::nullopt;

  const auto trace_id = TraceId::FromHex(value.substr(kTraceIdOffset, TraceId::kHexSize));
  const auto span_id = SpanId::FromHex(value.substr(kParentIdOffset, SpanId::kHexSize));
  const std::optional<std::uint8_t> flags = ParseHexByte(value.substr(kFlagsOffset, kFlagsSize));
  if (!trace_id || !trace_id->IsValid() || !span_id || !span_id->IsValid() || !flags) {
    return std::nullopt;
  }
  return SpanContext(*trace_id, *span_id, *flags, /*is_remote=*/true);
}

std::string TraceContextPropagator::FormatTraceParent(const SpanContext& context) {
  if (!context.IsValid()) return {};
  std::string out(kTraceParentSize, '-');
  FormatTraceParent(context, std::span<char, kTraceParentSize>(out.data(), kTraceParentSize));
  return out;
}

void TraceContextPropagator::FormatTraceParent(const SpanContext& context, std::span<char, kTraceParentSize> out) {
  out[0] = '0';
  out[1] = '0';
  out[kTraceIdOffset - 1] = '-';
  context.trace_id().ToHex(out.data() + kTraceIdOffset);
  out[kParentIdOffset - 1] = '-';
  context.span_id().ToHex(out.data() + kParentIdOffset);
  out[kFlagsOffset - 1] = '-';
  const std::uint8_t flags = context.flags();
  WriteLowerHex(&flags, 1, out.data() + kFlagsOffset);
}

void TraceContextPropagator::Inject(const Context& context, TextMapCarrier& carrier) const {
  const SpanContext& span_context = context.span_context();
  if (!span_context.IsValid()) return;
  carrier.Set(kTraceParent, FormatTraceParent(span_context));
  if (!span_context.trace_state().empty()) {
    carrier.Set(kTraceState, span_context.trace_state().Serialize());
  }
}

Context TraceContextPropagator::Extract(const TextMapCarrier& carrier, const Context& base) const {
  const std::optional<std::string_view> traceparent = carrier.Get(kTraceParent);
  if (!traceparent) return base;
  std::optional<SpanContext> parent = ParseTraceParent(*traceparent);
  if (!parent) return base;  // the caller starts a new trace

  // A malformed tracestate is discarded on its own; the traceparent stays.
  TraceStatePtr trace_state;
  if (const std::optional<std::string_view> header = carrier.Get(kTraceState)) {
    std::optional<TraceState> parsed = TraceState::Parse(*header);
    if (parsed && !parsed->empty()) trace_state = std::make_shared<const TraceState>(std::move(*parsed));
  }
  return base.WithSpanContext(SpanContext(parent->trace_id(), parent->span_id(), parent->flags(),
                                          /*is_remote=*/true, std::move(trace_state)));
}

}  // namespace qtrace
