#include "qtrace/sdk/propagation/b3_propagator.h"

#include <cstdint>

#include "qtrace/sdk/propagation/padded_ids.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

// What a B3 header says, before it is applied to a context.
struct B3Fields {
  std::optional<TraceId> trace_id;
  std::optional<SpanId> span_id;
  SamplingHint hint = SamplingHint::kNone;  // kDefer when ids came without a state
  bool sampled = false;
};

bool IsB3TraceIdSize(std::size_t size) { return size == 16 || size == 32; }

// "1", "0", "d" -> the hint it carries; nullopt for anything else.
std::optional<SamplingHint> ParseSamplingState(std::string_view state) {
  if (state == "1") return SamplingHint::kAccept;
  if (state == "0") return SamplingHint::kDeny;
  if (state == "d") return SamplingHint::kDebug;
  return std::nullopt;
}

// Splits on "-" into at most 5 parts (one more than allowed, to detect excess).
std::vector<std::string_view> SplitDashes(std::string_view value) {
  std::vector<std::string_view> parts;
  while (parts.size() < 5) {
    const std::size_t dash = value.find('-');
    parts.push_back(value.substr(0, dash));
    if (dash == std::string_view::npos) break;
    value.remove_prefix(dash + 1);
  }
  return parts;
}

std::optional<B3Fields> ParseSingle(std::string_view value) {
  value = TrimOws(value);
  B3Fields fields;
  if (value.size() == 1) {  // a sampling state alone
    const std::optional<SamplingHint> hint = ParseSamplingState(value);
    if (!hint) return std::nullopt;
    fields.hint = *hint;
    fields.sampled = *hint != SamplingHint::kDeny;
    return fields;
  }
  const std::vector<std::string_view> parts = SplitDashes(value);
  if (parts.size() < 2 || parts.size() > 4) return std::nullopt;
  if (!IsB3TraceIdSize(parts[0].size()) || parts[1].size() != SpanId::kHexSize) return std::nullopt;
  fields.trace_id = TraceIdFromPaddedHex(parts[0]);
  fields.span_id = SpanIdFromPaddedHex(parts[1]);
  if (!fields.trace_id || !fields.span_id) return std::nullopt;
  fields.hint = SamplingHint::kDefer;
  if (parts.size() >= 3) {
    const std::optional<SamplingHint> hint = ParseSamplingState(parts[2]);
    if (!hint) return std::nullopt;
    fields.hint = *hint == SamplingHint::kDebug ? SamplingHint::kDebug : SamplingHint::kNone;
    fields.sampled = *hint != SamplingHint::kDeny;
  }
  if (parts.size() == 4 && (parts[3].size() != SpanId::kHexSize || !SpanIdFromPaddedHex(parts[3]))) {
    return std::nullopt;
  }
  return fields;
}

std::optional<B3Fields> ParseMulti(const TextMapCarrier& carrier) {
  B3Fields fields;
  const std::optional<std::string_view> flags = carrier.Get(B3Propagator::kFlagsHeader);
  const std::optional<std::string_view> sampled = carrier.Get(B3Propagator::kSampledHeader);
  const bool debug = flags && TrimOws(*flags) == "1";
  std::optional<bool> decision;
  if (debug) {
    decision = true;
  } else if (sampled) {
    const std::string_view s = TrimOws(*sampled);
    if (s == "1" || s == "true") decision = true;
    if (s == "0" || s == "false") decision = false;
    if (!decision) return std::nullopt;  // a malformed decision spoils the set
  }

  const std::optional<std::string_view> trace_id = carrier.Get(B3Propagator::kTraceIdHeader);
  const std::optional<std::string_view> span_id = carrier.Get(B3Propagator::kSpanIdHeader);
  if (!trace_id && !span_id) {  // a decision alone, or nothing
    if (!decision) return std::nullopt;
    fields.hint = debug ? SamplingHint::kDebug : (*decision ? SamplingHint::kAccept : SamplingHint::kDeny);
    fields.sampled = *decision;
    return fields;
  }
  if (!trace_id || !span_id) return std::nullopt;
  const std::string_view trace_hex = TrimOws(*trace_id);
  const std::string_view span_hex = TrimOws(*span_id);
  if (!IsB3TraceIdSize(trace_hex.size()) || span_hex.size() != SpanId::kHexSize) return std::nullopt;
  fields.trace_id = TraceIdFromPaddedHex(trace_hex);
  fields.span_id = SpanIdFromPaddedHex(span_hex);
  if (!fields.trace_id || !fields.span_id) return std::nullopt;
  if (const auto parent = carrier.Get(B3Propagator::kParentSpanIdHeader)) {
    const std::string_view parent_hex = TrimOws(*parent);
    if (parent_hex.size() != SpanId::kHexSize || !SpanIdFromPaddedHex(parent_hex)) return std::nullopt;
  }
  fields.hint = debug ? SamplingHint::kDebug : (decision ? SamplingHint::kNone : SamplingHint::kDefer);
  fields.sampled = decision.value_or(false);
  return fields;
}

Context Apply(const B3Fields& fields, const Context& base) {
  if (!fields.trace_id) return base.WithSamplingHint(fields.hint);  // a decision without ids
  // B3 has no random flag: the ids are not ours, so none is invented.
  const std::uint8_t flags = fields.sampled ? TraceFlags::kSampled : 0;
  return base.WithSpanContext(SpanContext(*fields.trace_id, *fields.span_id, flags, /*is_remote=*/true))
      .WithSamplingHint(fields.hint);
}

}  // namespace

std::string B3Propagator::FormatSingleHeader(const SpanContext& context, bool debug) {
  if (!context.IsValid()) return {};
  std::string out = CompactTraceIdHex(context.trace_id());
  out.append("-").append(context.span_id().ToHex()).append("-");
  out.append(debug ? "d" : (context.IsSampled() ? "1" : "0"));
  return out;
}

void B3Propagator::Inject(const Context& context, TextMapCarrier& carrier) const {
  const SpanContext& span_context = context.span_context();
  if (!span_context.IsValid()) return;
  const bool debug = context.sampling_hint() == SamplingHint::kDebug;
  if (inject_encoding_ == Encoding::kSingleHeader) {
    carrier.Set(kSingleHeader, FormatSingleHeader(span_context, debug));
    return;
  }
  carrier.Set(kTraceIdHeader, CompactTraceIdHex(span_context.trace_id()));
  carrier.Set(kSpanIdHeader, span_context.span_id().ToHex());
  // Debug implies accept: B3 then sends X-B3-Flags alone.
  if (debug) {
    carrier.Set(kFlagsHeader, "1");
  } else {
    carrier.Set(kSampledHeader, span_context.IsSampled() ? "1" : "0");
  }
}

Context B3Propagator::Extract(const TextMapCarrier& carrier, const Context& base) const {
  if (const std::optional<std::string_view> single = carrier.Get(kSingleHeader)) {
    if (const std::optional<B3Fields> fields = ParseSingle(*single)) return Apply(*fields, base);
  }
  if (const std::optional<B3Fields> fields = ParseMulti(carrier)) return Apply(*fields, base);
  return base;
}

std::vector<std::string_view> B3Propagator::Fields() const {
  if (inject_encoding_ == Encoding::kSingleHeader) return {kSingleHeader};
  return {kTraceIdHeader, kSpanIdHeader, kParentSpanIdHeader, kSampledHeader, kFlagsHeader};
}

}  // namespace qtrace
