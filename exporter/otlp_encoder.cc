#include "qtrace/exporter/otlp_encoder.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "qtrace/exporter/proto_writer.h"
#include "qtrace/sdk/cache_line.h"
#include "qtrace/sdk/common/json_writer.h"
#include "qtrace/sdk/common/utf8.h"
#include "qtrace/sdk/ids.h"

namespace qtrace {
namespace {

// Field numbers, from proto/opentelemetry/proto/**.
namespace field {
// ExportTraceServiceRequest
constexpr std::uint32_t kResourceSpans = 1;
// ResourceSpans
constexpr std::uint32_t kResource = 1;
constexpr std::uint32_t kScopeSpans = 2;
// Resource
constexpr std::uint32_t kResourceAttributes = 1;
constexpr std::uint32_t kResourceDroppedAttributes = 2;
// ScopeSpans
constexpr std::uint32_t kScope = 1;
constexpr std::uint32_t kSpans = 2;
// InstrumentationScope
constexpr std::uint32_t kScopeName = 1;
constexpr std::uint32_t kScopeVersion = 2;
// Span
constexpr std::uint32_t kTraceId = 1;
constexpr std::uint32_t kSpanId = 2;
constexpr std::uint32_t kTraceState = 3;
constexpr std::uint32_t kParentSpanId = 4;
constexpr std::uint32_t kName = 5;
constexpr std::uint32_t kKind = 6;
constexpr std::uint32_t kStartTime = 7;
constexpr std::uint32_t kEndTime = 8;
constexpr std::uint32_t kAttributes = 9;
constexpr std::uint32_t kDroppedAttributes = 10;
constexpr std::uint32_t kEvents = 11;
constexpr std::uint32_t kDroppedEvents = 12;
constexpr std::uint32_t kLinks = 13;
constexpr std::uint32_t kDroppedLinks = 14;
constexpr std::uint32_t kStatus = 15;
constexpr std::uint32_t kFlags = 16;
// Span.Event
constexpr std::uint32_t kEventTime = 1;
constexpr std::uint32_t kEventName = 2;
constexpr std::uint32_t kEventAttributes = 3;
constexpr std::uint32_t kEventDroppedAttributes = 4;
// Span.Link
constexpr std::uint32_t kLinkTraceId = 1;
constexpr std::uint32_t kLinkSpanId = 2;
constexpr std::uint32_t kLinkTraceState = 3;
constexpr std::uint32_t kLinkAttributes = 4;
constexpr std::uint32_t kLinkDroppedAttributes = 5;
constexpr std::uint32_t kLinkFlags = 6;
// Status
constexpr std::uint32_t kStatusMessage = 2;
constexpr std::uint32_t kStatusCode = 3;
// KeyValue
constexpr std::uint32_t kKey = 1;
constexpr std::uint32_t kValue = 2;
// AnyValue
constexpr std::uint32_t kStringValue = 1;
constexpr std::uint32_t kBoolValue = 2;
constexpr std::uint32_t kIntValue = 3;
constexpr std::uint32_t kDoubleValue = 4;
constexpr std::uint32_t kArrayValue = 5;
// ArrayValue
constexpr std::uint32_t kArrayValues = 1;
}  // namespace field

constexpr std::uint32_t kHasIsRemote = 0x100;  // SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK
constexpr std::uint32_t kIsRemote = 0x200;     // SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK

// Id::IsValid() without a call into ids.cc: this runs for every span.
template <class IdType>
bool NonZero(const IdType& id) {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < IdType::kSize; i += 8) {
    std::uint64_t part;
    std::memcpy(&part, id.bytes().data() + i, 8);
    word |= part;
  }
  return word != 0;
}

// The span's tracestate, or null when it has none (SpanContext::trace_state()
// without a call into span_context.cc).
const TraceState* TraceStateOf(const SpanContext& context) {
  const TraceState* state = context.trace_state_ptr().get();
  return state != nullptr && !state->empty() ? state : nullptr;
}

std::uint32_t SpanFlags(const SpanRecord& span) {
  const bool remote_parent = NonZero(span.parent_span_id) && span.parent_is_remote;
  return span.context.flags() | kHasIsRemote | (remote_parent ? kIsRemote : 0);
}

std::uint32_t LinkFlags(const SpanContext& context) {
  return context.flags() | kHasIsRemote | (context.is_remote() ? kIsRemote : 0);
}

// Per-thread scratch space, reused from batch to batch so that encoding does
// not allocate once it has grown: strings for sanitized text (one per string
// that can be in use at once) and the grouping of spans by scope.
struct Scratch {
  std::string key;
  std::string value;
  std::vector<std::pair<const InstrumentationScope*, std::uint32_t>> scope_groups;  // pointer -> group
  std::vector<const InstrumentationScope*> group_scopes;                            // per group
  std::vector<std::uint32_t> group_sizes;                                           // per group
  std::vector<std::uint32_t> span_groups;                                           // per span
  std::vector<const SpanRecord*> ordered;  // spans, grouped
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// ---------------------------------------------------------------------------
// Grouping by scope

const InstrumentationScope kNoScope{};

bool SameScope(const InstrumentationScope* a, const InstrumentationScope* b) {
  if (a == b) return true;
  if (a == nullptr) a = &kNoScope;
  if (b == nullptr) b = &kNoScope;
  return a->name == b->name && a->version == b->version;
}

// Groups spans by scope: scratch.ordered holds the spans, groups one after
// another, and scratch.group_scopes/group_sizes the groups, in the order their
// scope first appears; spans keep their batch order within a group.
void GroupByScope(std::span<const SpanRecordPtr> spans, Scratch& scratch) {
  scratch.scope_groups.clear();
  scratch.group_scopes.clear();
  scratch.group_sizes.clear();
  scratch.span_groups.clear();
  scratch.ordered.clear();
  // The common case: one scope (a service with one tracer).
  bool one_scope = true;
  for (const SpanRecordPtr& span : spans) {
    if (span->scope != spans.front()->scope) {
      one_scope = false;
      break;
    }
  }
  if (one_scope) {
    if (spans.empty()) return;
    scratch.group_scopes.push_back(spans.front()->scope);
    scratch.group_sizes.push_back(static_cast<std::uint32_t>(spans.size()));
    for (const SpanRecordPtr& span : spans) scratch.ordered.push_back(span.get());
    return;
  }
  const InstrumentationScope* last_scope = nullptr;
  std::uint32_t last_group = UINT32_MAX;
  for (const SpanRecordPtr& span : spans) {
    const InstrumentationScope* scope = span->scope;
    if (scope != last_scope || last_group == UINT32_MAX) {
      last_scope = scope;
      last_group = UINT32_MAX;
      for (const auto& [known, group] : scratch.scope_groups) {
        if (known == scope) {
          last_group = group;
          break;
        }
      }
      if (last_group == UINT32_MAX) {
        // A pointer not seen yet: a new scope, or another copy of a known one.
        for (std::uint32_t g = 0; g < scratch.group_scopes.size(); ++g) {
          if (SameScope(scratch.group_scopes[g], scope)) {
            last_group = g;
            break;
          }
        }
        if (last_group == UINT32_MAX) {
          last_group = static_cast<std::uint32_t>(scratch.group_scopes.size());
          scratch.group_scopes.push_back(scope);
          scratch.group_sizes.push_back(0);
        }
        scratch.scope_groups.emplace_back(scope, last_group);
      }
    }
    scratch.span_groups.push_back(last_group);
    ++scratch.group_sizes[last_group];
  }
  // Counting sort, stable: group_sizes become each group's next slot.
  std::uint32_t offset = 0;
  for (std::uint32_t& size : scratch.group_sizes) {
    const std::uint32_t n = size;
    size = offset;
    offset += n;
  }
  scratch.ordered.resize(spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    scratch.ordered[scratch.group_sizes[scratch.span_groups[i]]++] = spans[i].get();
  }
  // Back to sizes: each slot counter now points at the next group's start.
  std::uint32_t previous = 0;
  for (std::uint32_t& end : scratch.group_sizes) {
    const std::uint32_t e = end;
    end = e - previous;
    previous = e;
  }
}

// Calls f(scope, spans of that scope) for each group built by GroupByScope.
template <class F>
void ForEachGroup(const Scratch& scratch, F&& f) {
  std::size_t start = 0;
  for (std::size_t g = 0; g < scratch.group_scopes.size(); ++g) {
    const InstrumentationScope* scope = scratch.group_scopes[g] ? scratch.group_scopes[g] : &kNoScope;
    const std::size_t n = scratch.group_sizes[g];
    f(*scope, std::span<const SpanRecord* const>(scratch.ordered.data() + start, n));
    start += n;
  }
}

// ---------------------------------------------------------------------------
// Protobuf

std::size_t TraceStateSize(const TraceState& state) {
  std::size_t size = state.members().size() - 1;  // commas; REQUIRES: not empty
  for (const auto& [key, value] : state.members()) size += key.size() + 1 + value.size();
  return size;
}

// The W3C header value (TraceState::Serialize) without building a string.
// Keys and values are printable ASCII by the tracestate grammar.
void WriteTraceState(ProtoWriter& w, std::uint32_t number, const SpanContext& context) {
  const TraceState* state_or_null = TraceStateOf(context);
  if (state_or_null == nullptr) return;
  const TraceState& state = *state_or_null;
  const std::size_t size = TraceStateSize(state);
  w.LengthDelimited(number, size);
  w.Ensure(size);
  bool first = true;
  for (const auto& [key, value] : state.members()) {
    if (!first) w.AppendByteUnchecked(',');
    first = false;
    w.AppendUnchecked(key.data(), key.size());
    w.AppendByteUnchecked('=');
    w.AppendUnchecked(value.data(), value.size());
  }
}

void WriteString(ProtoWriter& w, std::uint32_t number, std::string_view text, std::string& scratch) {
  w.StringField(number, ValidUtf8(text, scratch));
}

// One array element: an AnyValue message inside ArrayValue.values.
template <class T>
void WriteArrayElement(ProtoWriter& w, const T& v, std::string& scratch) {
  using P = ProtoWriter;
  if constexpr (std::is_same_v<T, bool>) {
    w.LengthDelimited(field::kArrayValues, 2);
    w.BoolField(field::kBoolValue, v);
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    w.LengthDelimited(field::kArrayValues, 1 + P::VarintSize(static_cast<std::uint64_t>(v)));
    w.Int64Field(field::kIntValue, v);
  } else if constexpr (std::is_same_v<T, double>) {
    w.LengthDelimited(field::kArrayValues, 9);
    w.DoubleField(field::kDoubleValue, v);
  } else {
    const std::string_view s = ValidUtf8(v, scratch);
    w.LengthDelimited(field::kArrayValues, P::LengthDelimitedSize(field::kStringValue, s.size()));
    w.StringField(field::kStringValue, s);
  }
}

// The array an AttributeValue holds, one AnyValue per element.
void WriteArrayElements(ProtoWriter& w, const AttributeValue& array, Scratch& scratch) {
  std::visit(
      [&](const auto& items) {
        using V = std::decay_t<decltype(items)>;
        if constexpr (!std::is_same_v<V, bool> && !std::is_same_v<V, std::int64_t> &&
                      !std::is_same_v<V, double> && !std::is_same_v<V, std::string>) {
          for (const auto& item : items) {
            WriteArrayElement(w, static_cast<typename V::value_type>(item), scratch.value);
          }
        }
      },
      array);
}

// A KeyValue. A scalar's sizes are known up front, so the lengths are written
// first and nothing moves; an array goes through BeginMessage/EndMessage.
// kAscii: the list's bytes are all ASCII (AttributeList::AllAscii), so the
// key and a string value need no UTF-8 check of their own.
template <bool kAscii>
void WriteKeyValue(ProtoWriter& w, std::uint32_t number, const AttributeView& attribute, Scratch& scratch) {
  using P = ProtoWriter;
  const std::string_view key = kAscii ? attribute.key : ValidUtf8(attribute.key, scratch.key);
  const std::size_t key_size = P::LengthDelimitedSize(field::kKey, key.size());
  const AttributeValueView& value = attribute.value;
  std::size_t any_size;  // the AnyValue's content
  std::string_view text;
  switch (value.index()) {
    case 0: any_size = 2; break;  // bool
    case 1: any_size = 1 + P::VarintSize(static_cast<std::uint64_t>(*std::get_if<std::int64_t>(&value))); break;
    case 2: any_size = 9; break;  // double
    case 3:
      text = *std::get_if<std::string_view>(&value);
      if (!kAscii) text = ValidUtf8(text, scratch.value);
      any_size = P::LengthDelimitedSize(field::kStringValue, text.size());
      break;
    default: {  // an array
      const P::Mark kv = w.BeginMessage(number, 1);
      w.StringField(field::kKey, key);
      const P::Mark any = w.BeginMessage(field::kValue, 1);
      const P::Mark array = w.BeginMessage(field::kArrayValue, 1);
      WriteArrayElements(w, **std::get_if<const AttributeValue*>(&value), scratch);
      w.EndMessage(array);
      w.EndMessage(any);
      w.EndMessage(kv);
      return;
    }
  }
  const std::size_t kv_size = key_size + P::LengthDelimitedSize(field::kValue, any_size);
  if (kv_size < 128 && number < 16) [[likely]] {
    // Most KeyValues: every tag and length is one byte, so the whole of it
    // is stored after a single room check.
    w.Ensure(kv_size + 2);
    char* const start = w.cursor();
    char* p = start;
    const auto byte = [](std::size_t v) { return static_cast<char>(v); };
    const auto copy = [](char* to, std::string_view from) {
      if (!from.empty()) std::memcpy(to, from.data(), from.size());  // an empty view's data may be null
    };
    p[0] = byte(P::MakeTag(number, P::kLengthDelimited));
    p[1] = byte(kv_size);
    p[2] = byte(P::MakeTag(field::kKey, P::kLengthDelimited));
    p[3] = byte(key.size());
    copy(p + 4, key);
    p += 4 + key.size();
    p[0] = byte(P::MakeTag(field::kValue, P::kLengthDelimited));
    p[1] = byte(any_size);
    p += 2;
    switch (value.index()) {
      case 0:
        p[0] = byte(P::MakeTag(field::kBoolValue, P::kVarint));
        p[1] = *std::get_if<bool>(&value) ? 1 : 0;
        p += 2;
        break;
      case 1:
        p[0] = byte(P::MakeTag(field::kIntValue, P::kVarint));
        p = P::PutVarint(p + 1, static_cast<std::uint64_t>(*std::get_if<std::int64_t>(&value)));
        break;
      case 2: {
        p[0] = byte(P::MakeTag(field::kDoubleValue, P::kFixed64));
        const std::uint64_t bits = std::bit_cast<std::uint64_t>(*std::get_if<double>(&value));
        for (int i = 0; i < 8; ++i) p[1 + i] = byte(bits >> (8 * i));  // one store on little-endian hosts
        p += 9;
        break;
      }
      default:
        p[0] = byte(P::MakeTag(field::kStringValue, P::kLengthDelimited));
        p[1] = byte(text.size());
        copy(p + 2, text);
        p += 2 + text.size();
        break;
    }
    w.Advance(static_cast<std::size_t>(p - start));
    return;
  }
  w.LengthDelimited(number, kv_size);
  w.StringField(field::kKey, key);
  w.LengthDelimited(field::kValue, any_size);
  switch (value.index()) {
    case 0: w.BoolField(field::kBoolValue, *std::get_if<bool>(&value)); break;
    case 1: w.Int64Field(field::kIntValue, *std::get_if<std::int64_t>(&value)); break;
    case 2: w.DoubleField(field::kDoubleValue, *std::get_if<double>(&value)); break;
    default: w.StringField(field::kStringValue, text); break;
  }
}

void WriteAttributes(ProtoWriter& w, std::uint32_t number, const AttributeList& attributes, Scratch& scratch) {
  if (attributes.AllAscii()) {
    for (const AttributeView attribute : attributes) WriteKeyValue<true>(w, number, attribute, scratch);
  } else {
    for (const AttributeView attribute : attributes) WriteKeyValue<false>(w, number, attribute, scratch);
  }
}

void WriteEvent(ProtoWriter& w, const SpanEvent& event, Scratch& scratch) {
  const ProtoWriter::Mark mark = w.BeginMessage(field::kEvents, 1);
  if (event.time_unix_ns != 0) w.Fixed64Field(field::kEventTime, static_cast<std::uint64_t>(event.time_unix_ns));
  if (!event.name.empty()) WriteString(w, field::kEventName, event.name, scratch.value);
  WriteAttributes(w, field::kEventAttributes, event.attributes, scratch);
  if (event.attributes.dropped() != 0) w.VarintField(field::kEventDroppedAttributes, event.attributes.dropped());
  w.EndMessage(mark);
}

void WriteLink(ProtoWriter& w, const SpanLink& link, Scratch& scratch) {
  const ProtoWriter::Mark mark = w.BeginMessage(field::kLinks, 1);
  w.BytesField(field::kLinkTraceId, link.context.trace_id().bytes().data(), TraceId::kSize);
  w.BytesField(field::kLinkSpanId, link.context.span_id().bytes().data(), SpanId::kSize);
  WriteTraceState(w, field::kLinkTraceState, link.context);
  WriteAttributes(w, field::kLinkAttributes, link.attributes, scratch);
  if (link.attributes.dropped() != 0) w.VarintField(field::kLinkDroppedAttributes, link.attributes.dropped());
  w.Fixed32Field(field::kLinkFlags, LinkFlags(link.context));
  w.EndMessage(mark);
}

void WriteStatus(ProtoWriter& w, const SpanRecord& span, Scratch& scratch) {
  using P = ProtoWriter;
  std::string_view message;
  if (span.status == StatusCode::kError) message = ValidUtf8(span.status_message, scratch.value);
  const std::size_t size = (message.empty() ? 0 : P::LengthDelimitedSize(field::kStatusMessage, message.size())) +
                           (span.status == StatusCode::kUnset ? 0 : 2);
  w.LengthDelimited(field::kStatus, size);
  if (!message.empty()) w.StringField(field::kStatusMessage, message);
  if (span.status != StatusCode::kUnset) w.VarintField(field::kStatusCode, static_cast<std::uint64_t>(span.status));
}

void WriteSpan(ProtoWriter& w, const SpanRecord& span, Scratch& scratch) {
  // Two bytes of length: spans of 128 bytes to 16 KiB, most of them.
  const ProtoWriter::Mark mark = w.BeginMessage(field::kSpans, 2);
  w.BytesField(field::kTraceId, span.context.trace_id().bytes().data(), TraceId::kSize);
  w.BytesField(field::kSpanId, span.context.span_id().bytes().data(), SpanId::kSize);
  WriteTraceState(w, field::kTraceState, span.context);
  if (NonZero(span.parent_span_id)) {
    w.BytesField(field::kParentSpanId, span.parent_span_id.bytes().data(), SpanId::kSize);
  }
  if (!span.name.empty()) WriteString(w, field::kName, span.name, scratch.value);
  w.VarintField(field::kKind, static_cast<std::uint64_t>(span.kind));
  const SpanRecord::WallTimes times = span.Times();
  if (times.start_unix_ns != 0) w.Fixed64Field(field::kStartTime, static_cast<std::uint64_t>(times.start_unix_ns));
  if (times.end_unix_ns != 0) w.Fixed64Field(field::kEndTime, static_cast<std::uint64_t>(times.end_unix_ns));
  WriteAttributes(w, field::kAttributes, span.attributes, scratch);
  if (span.attributes.dropped() != 0) w.VarintField(field::kDroppedAttributes, span.attributes.dropped());
  for (const SpanEvent& event : span.events) WriteEvent(w, event, scratch);
  if (span.dropped_events != 0) w.VarintField(field::kDroppedEvents, span.dropped_events);
  for (const SpanLink& link : span.links) WriteLink(w, link, scratch);
  if (span.dropped_links != 0) w.VarintField(field::kDroppedLinks, span.dropped_links);
  WriteStatus(w, span, scratch);
  w.Fixed32Field(field::kFlags, SpanFlags(span));
  w.EndMessage(mark);
}

// Records reach the exporter cold: request threads wrote them on another
// core, and a record is several blocks (the record, its attributes' entries
// and bytes, a name over 15 bytes) far apart, each a cache miss in turn when
// read only as it is encoded. Encoding span i, the loop asks for what later
// spans need in two steps, each reading only what the step before fetched:
// the record of span i+4, then the attributes' blocks (and a long name) of
// span i+2.
constexpr std::size_t kPrefetchRecordAhead = 4;
constexpr std::size_t kPrefetchAttributesAhead = 2;

void PrefetchRecord(const SpanRecord& span) { PrefetchLines(&span, sizeof(SpanRecord)); }

void PrefetchAttributes(const SpanRecord& span) {
  for (const AttributeList::Block& block : span.attributes.LiveBlocks()) PrefetchLines(block.start, block.bytes);
  __builtin_prefetch(span.name.data());
}

void WriteSpans(ProtoWriter& w, std::span<const SpanRecord* const> spans, Scratch& scratch) {
  const std::size_t n = spans.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kPrefetchRecordAhead < n) PrefetchRecord(*spans[i + kPrefetchRecordAhead]);
    if (i + kPrefetchAttributesAhead < n) PrefetchAttributes(*spans[i + kPrefetchAttributesAhead]);
    WriteSpan(w, *spans[i], scratch);
  }
}

void WriteScope(ProtoWriter& w, const InstrumentationScope& scope, Scratch& scratch) {
  using P = ProtoWriter;
  const std::string_view name = ValidUtf8(scope.name, scratch.key);
  const std::string_view version = ValidUtf8(scope.version, scratch.value);
  const std::size_t size = (name.empty() ? 0 : P::LengthDelimitedSize(field::kScopeName, name.size())) +
                           (version.empty() ? 0 : P::LengthDelimitedSize(field::kScopeVersion, version.size()));
  w.LengthDelimited(field::kScope, size);
  if (!name.empty()) w.StringField(field::kScopeName, name);
  if (!version.empty()) w.StringField(field::kScopeVersion, version);
}

// ---------------------------------------------------------------------------
// JSON

class JsonOut : public OutputBuffer {
 public:
  using OutputBuffer::OutputBuffer;

  template <std::size_t N>
  void Lit(const char (&text)[N]) {
    Append(text, N - 1);
  }

  // A JSON string literal of text (made valid UTF-8 first).
  void String(std::string_view text, std::string& scratch) { Escaped(ValidUtf8(text, scratch)); }

  // A JSON string literal of text, which is valid UTF-8.
  void Escaped(std::string_view text) {
    Ensure(MaxJsonStringSize(text.size()));
    Advance(static_cast<std::size_t>(WriteJsonString(cursor(), text) - cursor()));
  }

  template <class Int>
  void Number(Int v) {
    Ensure(24);
    Advance(static_cast<std::size_t>(std::to_chars(cursor(), cursor() + 24, v).ptr - cursor()));
  }
  // 64-bit integers are strings in OTLP/JSON (protobuf's JSON mapping).
  template <class Int>
  void QuotedNumber(Int v) {
    Ensure(26);
    AppendByteUnchecked('"');
    Advance(static_cast<std::size_t>(std::to_chars(cursor(), cursor() + 24, v).ptr - cursor()));
    AppendByteUnchecked('"');
  }
  // Shortest round-trip form; NaN and the infinities as protobuf's JSON names.
  void Double(double v) {
    if (std::isnan(v)) return Lit("\"NaN\"");
    if (std::isinf(v)) return v > 0 ? Lit("\"Infinity\"") : Lit("\"-Infinity\"");
    Ensure(32);
    Advance(static_cast<std::size_t>(std::to_chars(cursor(), cursor() + 32, v).ptr - cursor()));
  }
  template <class IdType>
  void Hex(const IdType& id) {
    Ensure(2 + IdType::kHexSize);
    AppendByteUnchecked('"');
    WriteLowerHex(id.bytes().data(), IdType::kSize, cursor());
    Advance(IdType::kHexSize);
    AppendByteUnchecked('"');
  }
  void TraceStateString(const TraceState& state, Scratch& scratch) {
    scratch.value.clear();
    for (const auto& [key, value] : state.members()) {
      if (!scratch.value.empty()) scratch.value.push_back(',');
      scratch.value.append(key).append("=").append(value);
    }
    String(scratch.value, scratch.key);
  }
};

template <class T>
void JsonScalar(JsonOut& j, const T& v, std::string& scratch) {
  if constexpr (std::is_same_v<T, bool>) {
    v ? j.Lit("{\"boolValue\":true}") : j.Lit("{\"boolValue\":false}");
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    j.Lit("{\"intValue\":");
    j.QuotedNumber(v);
    j.AppendByte('}');
  } else if constexpr (std::is_same_v<T, double>) {
    j.Lit("{\"doubleValue\":");
    j.Double(v);
    j.AppendByte('}');
  } else {
    j.Lit("{\"stringValue\":");
    j.String(v, scratch);
    j.AppendByte('}');
  }
}

void JsonAttributes(JsonOut& j, const AttributeList& attributes, Scratch& scratch) {
  j.AppendByte('[');
  bool first = true;
  for (const AttributeView attribute : attributes) {
    if (!first) j.AppendByte(',');
    first = false;
    j.Lit("{\"key\":");
    j.String(attribute.key, scratch.key);
    j.Lit(",\"value\":");
    const auto array = [&](const auto& v) {
      using V = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<V, bool> || std::is_same_v<V, std::int64_t> || std::is_same_v<V, double> ||
                    std::is_same_v<V, std::string>) {
        JsonScalar(j, v, scratch.value);  // never: a list keeps only arrays aside
      } else if (v.empty()) {
        j.Lit("{\"arrayValue\":{}}");
      } else {
        j.Lit("{\"arrayValue\":{\"values\":[");
        bool first_item = true;
        for (const auto& item : v) {
          if (!first_item) j.AppendByte(',');
          first_item = false;
          JsonScalar(j, static_cast<typename V::value_type>(item), scratch.value);
        }
        j.Lit("]}}");
      }
    };
    std::visit(
        [&](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, const AttributeValue*>) {
            std::visit(array, *v);
          } else {
            JsonScalar(j, v, scratch.value);
          }
        },
        attribute.value);
    j.AppendByte('}');
  }
  j.AppendByte(']');
}

// ,"events":[...] (nothing when there are none).
void JsonEvents(JsonOut& j, const std::vector<SpanEvent>& events, Scratch& scratch) {
  if (events.empty()) return;
  j.Lit(",\"events\":[");
  for (std::size_t i = 0; i < events.size(); ++i) {
    const SpanEvent& event = events[i];
    if (i > 0) j.AppendByte(',');
    j.AppendByte('{');
    bool first = true;
    auto comma = [&] {
      if (!first) j.AppendByte(',');
      first = false;
    };
    if (event.time_unix_ns != 0) {
      comma();
      j.Lit("\"timeUnixNano\":");
      j.QuotedNumber(static_cast<std::uint64_t>(event.time_unix_ns));
    }
    if (!event.name.empty()) {
      comma();
      j.Lit("\"name\":");
      j.String(event.name, scratch.value);
    }
    if (!event.attributes.empty()) {
      comma();
      j.Lit("\"attributes\":");
      JsonAttributes(j, event.attributes, scratch);
    }
    if (event.attributes.dropped() != 0) {
      comma();
      j.Lit("\"droppedAttributesCount\":");
      j.Number(event.attributes.dropped());
    }
    j.AppendByte('}');
  }
  j.AppendByte(']');
}

// ,"links":[...] (nothing when there are none).
void JsonLinks(JsonOut& j, const std::vector<SpanLink>& links, Scratch& scratch) {
  if (links.empty()) return;
  j.Lit(",\"links\":[");
  for (std::size_t i = 0; i < links.size(); ++i) {
    const SpanLink& link = links[i];
    if (i > 0) j.AppendByte(',');
    j.Lit("{\"traceId\":");
    j.Hex(link.context.trace_id());
    j.Lit(",\"spanId\":");
    j.Hex(link.context.span_id());
    if (const TraceState* state = TraceStateOf(link.context)) {
      j.Lit(",\"traceState\":");
      j.TraceStateString(*state, scratch);
    }
    if (!link.attributes.empty()) {
      j.Lit(",\"attributes\":");
      JsonAttributes(j, link.attributes, scratch);
    }
    if (link.attributes.dropped() != 0) {
      j.Lit(",\"droppedAttributesCount\":");
      j.Number(link.attributes.dropped());
    }
    j.Lit(",\"flags\":");
    j.Number(LinkFlags(link.context));
    j.AppendByte('}');
  }
  j.AppendByte(']');
}

// ,"status":{...}: always written, empty when unset.
void JsonStatus(JsonOut& j, const SpanRecord& span, Scratch& scratch) {
  switch (span.status) {
    case StatusCode::kUnset: j.Lit(",\"status\":{}"); break;
    case StatusCode::kOk: j.Lit(",\"status\":{\"code\":1}"); break;
    case StatusCode::kError:
      j.Lit(",\"status\":{");
      if (!span.status_message.empty()) {
        j.Lit("\"message\":");
        j.String(span.status_message, scratch.value);
        j.AppendByte(',');
      }
      j.Lit("\"code\":2}");
      break;
  }
}

void JsonSpan(JsonOut& j, const SpanRecord& span, Scratch& scratch) {
  j.Lit("{\"traceId\":");
  j.Hex(span.context.trace_id());
  j.Lit(",\"spanId\":");
  j.Hex(span.context.span_id());
  if (const TraceState* state = TraceStateOf(span.context)) {
    j.Lit(",\"traceState\":");
    j.TraceStateString(*state, scratch);
  }
  if (NonZero(span.parent_span_id)) {
    j.Lit(",\"parentSpanId\":");
    j.Hex(span.parent_span_id);
  }
  j.Lit(",\"flags\":");
  j.Number(SpanFlags(span));
  if (!span.name.empty()) {
    j.Lit(",\"name\":");
    j.String(span.name, scratch.value);
  }
  j.Lit(",\"kind\":");
  j.Number(static_cast<unsigned>(span.kind));
  const SpanRecord::WallTimes times = span.Times();
  if (times.start_unix_ns != 0) {
    j.Lit(",\"startTimeUnixNano\":");
    j.QuotedNumber(static_cast<std::uint64_t>(times.start_unix_ns));
  }
  if (times.end_unix_ns != 0) {
    j.Lit(",\"endTimeUnixNano\":");
    j.QuotedNumber(static_cast<std::uint64_t>(times.end_unix_ns));
  }
  if (!span.attributes.empty()) {
    j.Lit(",\"attributes\":");
    JsonAttributes(j, span.attributes, scratch);
  }
  if (span.attributes.dropped() != 0) {
    j.Lit(",\"droppedAttributesCount\":");
    j.Number(span.attributes.dropped());
  }
  JsonEvents(j, span.events, scratch);
  if (span.dropped_events != 0) {
    j.Lit(",\"droppedEventsCount\":");
    j.Number(span.dropped_events);
  }
  JsonLinks(j, span.links, scratch);
  if (span.dropped_links != 0) {
    j.Lit(",\"droppedLinksCount\":");
    j.Number(span.dropped_links);
  }
  JsonStatus(j, span, scratch);
  j.AppendByte('}');
}

}  // namespace

OtlpEncoder::OtlpEncoder(const Resource& resource) {
  Scratch& scratch = ThreadScratch();
  {
    ProtoWriter w(resource_protobuf_);
    const ProtoWriter::Mark mark = w.BeginMessage(field::kResource, 1);
    WriteAttributes(w, field::kResourceAttributes, resource.attributes(), scratch);
    if (resource.attributes().dropped() != 0) {
      w.VarintField(field::kResourceDroppedAttributes, resource.attributes().dropped());
    }
    w.EndMessage(mark);
  }
  {
    JsonOut j(resource_json_);
    j.Lit("\"resource\":{");
    if (!resource.attributes().empty()) {
      j.Lit("\"attributes\":");
      JsonAttributes(j, resource.attributes(), scratch);
    }
    if (resource.attributes().dropped() != 0) {
      if (!resource.attributes().empty()) j.AppendByte(',');
      j.Lit("\"droppedAttributesCount\":");
      j.Number(resource.attributes().dropped());
    }
    j.AppendByte('}');
  }
}

void OtlpEncoder::EncodeProtobuf(std::span<const SpanRecordPtr> spans, std::string& out) const {
  Scratch& scratch = ThreadScratch();
  GroupByScope(spans, scratch);
  if (scratch.group_scopes.empty()) {
    out.clear();
    return;
  }
  ProtoWriter w(out, ProtoWriter::kOverwrite);
  // Three bytes of length: requests of 16 KiB to 2 MiB. Outside that range the
  // content moves once (see proto_writer.h).
  const ProtoWriter::Mark resource_spans = w.BeginMessage(field::kResourceSpans, 3);
  w.Append(resource_protobuf_);
  ForEachGroup(scratch, [&](const InstrumentationScope& scope, std::span<const SpanRecord* const> group) {
    const ProtoWriter::Mark scope_spans = w.BeginMessage(field::kScopeSpans, 3);
    WriteScope(w, scope, scratch);
    WriteSpans(w, group, scratch);
    w.EndMessage(scope_spans);
  });
  w.EndMessage(resource_spans);
  w.Finish();
}

void OtlpEncoder::EncodeJson(std::span<const SpanRecordPtr> spans, std::string& out) const {
  Scratch& scratch = ThreadScratch();
  GroupByScope(spans, scratch);
  JsonOut j(out, JsonOut::kOverwrite);
  if (scratch.group_scopes.empty()) {
    j.Lit("{}");
    j.Finish();
    return;
  }
  j.Lit("{\"resourceSpans\":[{");
  j.Append(resource_json_);
  j.Lit(",\"scopeSpans\":[");
  bool first_group = true;
  ForEachGroup(scratch, [&](const InstrumentationScope& scope, std::span<const SpanRecord* const> group) {
    if (!first_group) j.AppendByte(',');
    first_group = false;
    j.Lit("{\"scope\":{");
    if (!scope.name.empty()) {
      j.Lit("\"name\":");
      j.String(scope.name, scratch.value);
    }
    if (!scope.version.empty()) {
      if (!scope.name.empty()) j.AppendByte(',');
      j.Lit("\"version\":");
      j.String(scope.version, scratch.value);
    }
    j.Lit("},\"spans\":[");
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (i > 0) j.AppendByte(',');
      JsonSpan(j, *group[i], scratch);
    }
    j.Lit("]}");
  });
  j.Lit("]}]}");
  j.Finish();
}

}  // namespace qtrace
