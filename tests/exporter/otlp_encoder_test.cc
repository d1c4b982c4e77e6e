// OtlpEncoder and ProtoWriter against libprotobuf: requests are encoded from
// span records, parsed with the generated OTLP classes, and compared field by
// field with the records; the JSON encoding must parse (tools/otlp-sink's
// OTLP/JSON reader) to the same message as the protobuf encoding.
#include "qtrace/exporter/otlp_encoder.h"

#include <google/protobuf/util/message_differencer.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "qtrace/exporter/proto_writer.h"
#include "qtrace/sdk/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tools/otlp-sink/otlp_json.h"

// Heap allocations made by this thread, for the steady-state test below:
// this binary replaces the global operator new. The replacements are kept out
// of line: inlined into this file's std::vector destructors, GCC 12 would pair
// the library's `new` with our `free` and warn (-Wmismatched-new-delete).
thread_local std::size_t g_allocations = 0;

[[gnu::noinline]] void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t size) { return operator new(size); }
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace qtrace {
namespace {

namespace otlp = ::opentelemetry::proto;
using Request = otlp::collector::trace::v1::ExportTraceServiceRequest;
using google::protobuf::util::MessageDifferencer;

constexpr std::uint32_t kHasIsRemote = 0x100;
constexpr std::uint32_t kIsRemote = 0x200;

// ---------------------------------------------------------------------------
// Helpers

TraceId MakeTraceId(std::uint8_t seed) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(seed + i);
  return TraceId(bytes);
}

SpanId MakeSpanId(std::uint8_t seed) {
  std::array<std::uint8_t, 8> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(seed * 3 + i + 1);
  return SpanId(bytes);
}

template <class IdType>
std::string Bytes(const IdType& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes().data()), IdType::kSize);
}

TraceStatePtr MakeTraceState(std::string_view header) {
  std::optional<TraceState> parsed = TraceState::Parse(header);
  EXPECT_TRUE(parsed.has_value()) << header;
  return std::make_shared<const TraceState>(parsed.value_or(TraceState()));
}

Request ParseProtobuf(const std::string& bytes) {
  Request request;
  EXPECT_TRUE(request.ParseFromString(bytes)) << "protobuf output does not parse";
  return request;
}

Request ParseJson(const std::string& json) {
  auto parsed = sink::ParseOtlpJson(json);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << json.substr(0, 2000);
  return parsed.ok() ? *parsed : Request();
}

bool HasEmptyKey(const AttributeList& attributes) {
  for (const AttributeView attribute : attributes) {
    if (attribute.key.empty()) return true;
  }
  return false;
}

bool HasEmptyKey(const std::vector<SpanRecordPtr>& spans) {
  for (const SpanRecordPtr& span : spans) {
    if (HasEmptyKey(span->attributes)) return true;
    for (const SpanEvent& event : span->events) {
      if (HasEmptyKey(event.attributes)) return true;
    }
    for (const SpanLink& link : span->links) {
      if (HasEmptyKey(link.attributes)) return true;
    }
  }
  return false;
}

// Encodes both ways, checks that the JSON parses to the protobuf message and
// that our bytes are exactly libprotobuf's own serialization of that message
// (same field order, same omitted defaults, minimal lengths), and returns it.
// The one legitimate byte difference: an empty attribute key, which we write
// (a KeyValue always has its key) and libprotobuf omits as a proto3 default.
Request EncodeAndCheck(const OtlpEncoder& encoder, const std::vector<SpanRecordPtr>& spans) {
  std::string protobuf, json;
  encoder.EncodeProtobuf(spans, protobuf);
  encoder.EncodeJson(spans, json);
  Request from_protobuf = ParseProtobuf(protobuf);
  const Request from_json = ParseJson(json);
  std::string differences;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(from_protobuf, from_json)) << differences;
  if (!HasEmptyKey(spans)) {
    EXPECT_TRUE(protobuf == from_protobuf.SerializeAsString()) << "not libprotobuf's canonical encoding";
  }
  return from_protobuf;
}

// The value of an AnyValue must be want, with the same type.
void ExpectValue(const otlp::common::v1::AnyValue& got, const AttributeValue& want, const std::string& key) {
  using Any = otlp::common::v1::AnyValue;
  SCOPED_TRACE("attribute " + key);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          ASSERT_EQ(got.value_case(), Any::kBoolValue);
          EXPECT_EQ(got.bool_value(), v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          ASSERT_EQ(got.value_case(), Any::kIntValue);
          EXPECT_EQ(got.int_value(), v);
        } else if constexpr (std::is_same_v<T, double>) {
          ASSERT_EQ(got.value_case(), Any::kDoubleValue);
          if (std::isnan(v)) {
            EXPECT_TRUE(std::isnan(got.double_value()));
          } else {
            EXPECT_EQ(got.double_value(), v);
          }
        } else if constexpr (std::is_same_v<T, std::string>) {
          ASSERT_EQ(got.value_case(), Any::kStringValue);
          EXPECT_EQ(got.string_value(), v);
        } else {
          ASSERT_EQ(got.value_case(), Any::kArrayValue);
          ASSERT_EQ(static_cast<std::size_t>(got.array_value().values_size()), v.size());
          for (std::size_t i = 0; i < v.size(); ++i) {
            ExpectValue(got.array_value().values(static_cast<int>(i)),
                        AttributeValue(static_cast<typename T::value_type>(v[i])), key + "[" + std::to_string(i) + "]");
          }
        }
      },
      want);
}

void ExpectAttributes(const google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>& got,
                      const AttributeList& want) {
  ASSERT_EQ(static_cast<std::size_t>(got.size()), want.size());
  std::size_t i = 0;
  for (const AttributeView view : want) {
    const Attribute attribute = view.ToAttribute();
    const auto& kv = got[static_cast<int>(i++)];
    EXPECT_EQ(kv.key(), attribute.key);
    ASSERT_TRUE(kv.has_value()) << attribute.key;
    ExpectValue(kv.value(), attribute.value, attribute.key);
  }
}

// Every field of a span must match its record.
void ExpectSpan(const otlp::trace::v1::Span& got, const SpanRecord& want) {
  SCOPED_TRACE("span " + want.name);
  EXPECT_EQ(got.trace_id(), Bytes(want.context.trace_id()));
  EXPECT_EQ(got.span_id(), Bytes(want.context.span_id()));
  EXPECT_EQ(got.trace_state(), want.context.trace_state().Serialize());
  EXPECT_EQ(got.parent_span_id(), want.parent_span_id.IsValid() ? Bytes(want.parent_span_id) : "");
  const std::uint32_t remote = want.parent_span_id.IsValid() && want.parent_is_remote ? kIsRemote : 0;
  EXPECT_EQ(got.flags(), want.context.flags() | kHasIsRemote | remote);
  EXPECT_EQ(got.name(), want.name);
  EXPECT_EQ(static_cast<int>(got.kind()), static_cast<int>(want.kind));
  EXPECT_EQ(got.start_time_unix_nano(), static_cast<std::uint64_t>(want.start_unix_ns));
  EXPECT_EQ(got.end_time_unix_nano(), static_cast<std::uint64_t>(want.end_unix_ns));
  ExpectAttributes(got.attributes(), want.attributes);
  EXPECT_EQ(got.dropped_attributes_count(), want.attributes.dropped());
  ASSERT_EQ(static_cast<std::size_t>(got.events_size()), want.events.size());
  for (std::size_t i = 0; i < want.events.size(); ++i) {
    const auto& event = got.events(static_cast<int>(i));
    EXPECT_EQ(event.time_unix_nano(), static_cast<std::uint64_t>(want.events[i].time_unix_ns));
    EXPECT_EQ(event.name(), want.events[i].name);
    ExpectAttributes(event.attributes(), want.events[i].attributes);
    EXPECT_EQ(event.dropped_attributes_count(), want.events[i].attributes.dropped());
  }
  EXPECT_EQ(got.dropped_events_count(), want.dropped_events);
  ASSERT_EQ(static_cast<std::size_t>(got.links_size()), want.links.size());
  for (std::size_t i = 0; i < want.links.size(); ++i) {
    const auto& link = got.links(static_cast<int>(i));
    const SpanContext& context = want.links[i].context;
    EXPECT_EQ(link.trace_id(), Bytes(context.trace_id()));
    EXPECT_EQ(link.span_id(), Bytes(context.span_id()));
    EXPECT_EQ(link.trace_state(), context.trace_state().Serialize());
    ExpectAttributes(link.attributes(), want.links[i].attributes);
    EXPECT_EQ(link.dropped_attributes_count(), want.links[i].attributes.dropped());
    EXPECT_EQ(link.flags(), context.flags() | kHasIsRemote | (context.is_remote() ? kIsRemote : 0));
  }
  EXPECT_EQ(got.dropped_links_count(), want.dropped_links);
  EXPECT_TRUE(got.has_status());
  EXPECT_EQ(static_cast<int>(got.status().code()), static_cast<int>(want.status));
  EXPECT_EQ(got.status().message(), want.status == StatusCode::kError ? want.status_message : "");
}

const InstrumentationScope kScopeA{"qtrace.test.a", "1.2.3"};
const InstrumentationScope kScopeB{"qtrace.test.b", ""};
const InstrumentationScope kScopeC{"qtrace.test.c", "0.1"};

Resource TestResource() {
  Resource resource;
  resource.Set("service.name", std::string("qa-pms-api"))
      .Set("service.version", std::string("0.1.0"))
      .Set("host.cpus", std::int64_t{2})
      .Set("deployment.canary", true);
  return resource;
}

SpanRecordPtr SimpleSpan(const InstrumentationScope* scope, std::string name, std::uint8_t seed) {
  SpanRecordPtr span = MakeSpanRecord();
  span->context = SpanContext(MakeTraceId(seed), MakeSpanId(seed), TraceFlags::kSampled, false);
  span->name = std::move(name);
  span->kind = SpanKind::kServer;
  span->start_unix_ns = 1'700'000'000'000'000'000 + seed;
  span->end_unix_ns = span->start_unix_ns + 12'345;
  span->attributes.Set("seed", static_cast<std::int64_t>(seed));
  span->scope = scope;
  return span;
}

// A span with every field set and every attribute type.
SpanRecordPtr RichSpan() {
  SpanRecordPtr span = MakeSpanRecord();
  span->context = SpanContext(MakeTraceId(0x10), MakeSpanId(0x20), TraceFlags::kSampled | TraceFlags::kRandom, false,
                              MakeTraceState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
  span->parent_span_id = MakeSpanId(0x30);
  span->parent_is_remote = true;
  span->name = "GET /projects/{id}";
  span->kind = SpanKind::kServer;
  span->start_unix_ns = 1'712'345'678'123'456'789;
  span->end_unix_ns = 1'712'345'678'987'654'321;
  AttributeList& a = span->attributes;
  a.Set("bool.true", true);
  a.Set("bool.false", false);
  a.Set("int.zero", std::int64_t{0});
  a.Set("int.negative", std::int64_t{-7});
  a.Set("int.max", std::numeric_limits<std::int64_t>::max());
  a.Set("int.min", std::numeric_limits<std::int64_t>::min());
  a.Set("double", 3.25);
  a.Set("double.zero", 0.0);
  a.Set("double.negative", -1e-300);
  a.Set("double.big", 1.7976931348623157e308);
  a.Set("double.third", 1.0 / 3);
  a.Set("string", "hello");
  a.Set("string.empty", "");
  a.Set("string.escapes", "quote\" backslash\\ tab\t newline\n nul" + std::string(1, '\0') + " bell\x07 del\x7f");
  a.Set("string.unicode", "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD");
  a.Set("string.long", std::string(300, 'x'));  // a KeyValue past 127 bytes
  a.Set("", "empty key");
  a.Set("array.bool", AttributeValue(std::vector<bool>{true, false, true}));
  a.Set("array.int", AttributeValue(std::vector<std::int64_t>{1, -2, 0, std::numeric_limits<std::int64_t>::min()}));
  a.Set("array.double", AttributeValue(std::vector<double>{1.5, 0.0, -2.25}));
  a.Set("array.string", AttributeValue(std::vector<std::string>{"alpha", "", "gamma \"g\""}));
  a.Set("array.empty.bool", AttributeValue(std::vector<bool>{}));
  a.Set("array.empty.int", AttributeValue(std::vector<std::int64_t>{}));
  a.Set("array.empty.double", AttributeValue(std::vector<double>{}));
  a.Set("array.empty.string", AttributeValue(std::vector<std::string>{}));
  a.Set("array.long.string", AttributeValue(std::vector<std::string>(20, std::string(10, 's'))));  // past 127 bytes

  SpanEvent exception;
  exception.name = "exception";
  exception.time_unix_ns = 1'712'345'678'500'000'000;
  exception.attributes.SetLimits(2, AttributeList::kUnlimited);
  exception.attributes.Set("exception.type", "std::runtime_error");
  exception.attributes.Set("exception.message", "boom");
  exception.attributes.Set("exception.stacktrace", "dropped");  // past the limit
  span->events.push_back(std::move(exception));
  SpanEvent bare;
  bare.name = "bare";
  bare.time_unix_ns = 1'712'345'678'600'000'000;
  span->events.push_back(std::move(bare));
  SpanEvent unnamed;  // no name, no time: proto3 defaults, omitted
  unnamed.attributes.Set("k", "v");
  span->events.push_back(std::move(unnamed));
  span->dropped_events = 3;

  SpanLink remote;
  remote.context = SpanContext(MakeTraceId(0x40), MakeSpanId(0x41), TraceFlags::kSampled, true, MakeTraceState("a=b"));
  remote.attributes.Set("link.kind", "follows");
  remote.attributes.Set("link.n", std::int64_t{2});
  span->links.push_back(std::move(remote));
  SpanLink local;
  local.context = SpanContext(MakeTraceId(0x50), MakeSpanId(0x51), 0, false);
  local.attributes.SetLimits(0, AttributeList::kUnlimited);
  local.attributes.Set("dropped", true);
  span->links.push_back(std::move(local));
  span->dropped_links = 5;

  span->status = StatusCode::kError;
  span->status_message = "upstream \"db\" failed";
  span->scope = &kScopeA;
  return span;
}

// ---------------------------------------------------------------------------
// ProtoWriter

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string Written(void (*write)(ProtoWriter&)) {
  std::string out;
  ProtoWriter w(out);
  write(w);
  w.Finish();
  return out;
}

TEST(ProtoWriterTest, VarintsAreMinimal) {
  const std::vector<std::pair<std::uint64_t, std::string>> cases = {
      {0, "00"},
      {1, "01"},
      {127, "7f"},
      {128, "8001"},
      {300, "ac02"},
      {16383, "ff7f"},
      {16384, "808001"},
      {(1ULL << 63), "80808080808080808001"},
      {std::numeric_limits<std::uint64_t>::max(), "ffffffffffffffffff01"},
  };
  for (const auto& [value, hex] : cases) {
    std::string out;
    ProtoWriter w(out);
    w.Varint(value);
    w.Finish();
    EXPECT_EQ(Hex(out), hex) << value;
    EXPECT_EQ(ProtoWriter::VarintSize(value), hex.size() / 2) << value;
  }
}

TEST(ProtoWriterTest, ScalarFields) {
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.VarintField(1, 150); })), "089601");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.Int64Field(3, -1); })), "18ffffffffffffffffff01");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.BoolField(2, true); })), "1001");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.Fixed32Field(16, 0x301); })), "850101030000");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.Fixed64Field(7, 0x0102030405060708); })), "390807060504030201");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.DoubleField(4, 1.0); })), "21000000000000f03f");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.StringField(2, "testing"); })), "120774657374696e67");
  EXPECT_EQ(Hex(Written([](ProtoWriter& w) { w.StringField(2, ""); })), "1200");
}

TEST(ProtoWriterTest, AppendsAfterExistingContent) {
  std::string out = "abc";
  {
    ProtoWriter w(out);
    w.VarintField(1, 1);
  }  // the destructor finishes
  EXPECT_EQ(out, std::string("abc\x08\x01"));
}

TEST(ProtoWriterTest, OverwriteReplacesTheContent) {
  std::string out(100, 'g');
  {
    ProtoWriter w(out, ProtoWriter::kOverwrite);
    w.VarintField(1, 1);
  }
  EXPECT_EQ(out, std::string("\x08\x01"));
  out = "g";  // shorter than what is written: grows
  {
    ProtoWriter w(out, ProtoWriter::kOverwrite);
    w.StringField(2, std::string(1000, 'x'));
  }
  EXPECT_EQ(out, std::string("\x12\xe8\x07") + std::string(1000, 'x'));
}

// Every reservation against every length class: the length is minimal and the
// content intact, whether it had to move forward, backward or not at all.
TEST(ProtoWriterTest, NestedMessageLengthsAreMinimalForAnyReservation) {
  for (const std::size_t length : {0UL, 1UL, 127UL, 128UL, 16383UL, 16384UL, 2097151UL, 2097152UL}) {
    std::string content(length, '\0');
    for (std::size_t i = 0; i < length; ++i) content[i] = static_cast<char>(i * 7 + 3);
    for (std::uint32_t reserved = 1; reserved <= 5; ++reserved) {
      std::string out = "x";
      ProtoWriter w(out);
      const ProtoWriter::Mark outer = w.BeginMessage(1, reserved);
      const ProtoWriter::Mark inner = w.BeginMessage(2, 6 - reserved);
      w.Append(content);
      w.EndMessage(inner);
      w.EndMessage(outer);
      w.VarintField(3, 9);  // something after
      w.Finish();

      std::string inner_expected;
      {
        ProtoWriter e(inner_expected);
        e.StringField(2, content);
      }
      std::string expected = "x";
      {
        ProtoWriter e(expected);
        e.StringField(1, inner_expected);
        e.VarintField(3, 9);
      }
      ASSERT_EQ(out.size(), expected.size()) << length << " reserved " << reserved;
      ASSERT_TRUE(out == expected) << length << " reserved " << reserved;
    }
  }
}

// ---------------------------------------------------------------------------
// OtlpEncoder: protobuf

TEST(OtlpEncoderTest, EmptyBatchIsAnEmptyRequest) {
  const OtlpEncoder encoder(TestResource());
  std::string out = "left over";
  encoder.EncodeProtobuf({}, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(ParseProtobuf(out).resource_spans_size(), 0);
  encoder.EncodeJson({}, out);
  EXPECT_EQ(out, "{}");
  EXPECT_EQ(ParseJson(out).resource_spans_size(), 0);
}

TEST(OtlpEncoderTest, EveryFieldOfARichSpan) {
  const Resource resource = TestResource();
  const OtlpEncoder encoder(resource);
  std::vector<SpanRecordPtr> spans;
  spans.push_back(RichSpan());
  const Request request = EncodeAndCheck(encoder, spans);

  ASSERT_EQ(request.resource_spans_size(), 1);
  const auto& resource_spans = request.resource_spans(0);
  ExpectAttributes(resource_spans.resource().attributes(), resource.attributes());
  EXPECT_EQ(resource_spans.resource().dropped_attributes_count(), 0u);
  EXPECT_EQ(resource_spans.schema_url(), "");
  ASSERT_EQ(resource_spans.scope_spans_size(), 1);
  const auto& scope_spans = resource_spans.scope_spans(0);
  EXPECT_EQ(scope_spans.scope().name(), kScopeA.name);
  EXPECT_EQ(scope_spans.scope().version(), kScopeA.version);
  ASSERT_EQ(scope_spans.spans_size(), 1);
  const auto& span = scope_spans.spans(0);
  ExpectSpan(span, *spans[0]);

  // Spot checks written out, so that the expectations do not only mirror the
  // helper's logic.
  EXPECT_EQ(span.flags(), 0x303u);  // sampled | random | has-is-remote | is-remote
  EXPECT_EQ(span.trace_state(), "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  EXPECT_EQ(span.kind(), otlp::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.status().code(), otlp::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.status().message(), "upstream \"db\" failed");
  EXPECT_EQ(span.events(0).dropped_attributes_count(), 1u);
  EXPECT_EQ(span.events(0).attributes_size(), 2);
  EXPECT_EQ(span.dropped_events_count(), 3u);
  EXPECT_EQ(span.links(0).flags(), 0x301u);  // remote link
  EXPECT_EQ(span.links(1).flags(), 0x100u);  // local, unsampled link
  EXPECT_EQ(span.links(1).dropped_attributes_count(), 1u);
  EXPECT_EQ(span.dropped_links_count(), 5u);
  EXPECT_EQ(span.attributes(0).key(), "bool.true");
  EXPECT_EQ(span.attributes(2).value().value_case(), otlp::common::v1::AnyValue::kIntValue);  // zero, still set
  EXPECT_EQ(span.attributes(7).value().value_case(), otlp::common::v1::AnyValue::kDoubleValue);
  EXPECT_EQ(span.attributes(12).value().value_case(), otlp::common::v1::AnyValue::kStringValue);  // ""
  EXPECT_EQ(span.attributes(22).value().value_case(), otlp::common::v1::AnyValue::kArrayValue);   // []
  EXPECT_EQ(span.attributes(22).value().array_value().values_size(), 0);
}

// A span timed by the span clock carries tick readings only (the request
// thread does not map them): both encodings map them to wall-clock times.
TEST(OtlpEncoderTest, ClockTimedSpanGetsWallClockTimesInBothEncodings) {
  const OtlpEncoder encoder(TestResource());
  std::vector<SpanRecordPtr> spans;
  SpanRecordPtr span = MakeSpanRecord();
  span->context = SpanContext(MakeTraceId(1), MakeSpanId(1), TraceFlags::kSampled, false);
  span->name = "timed";
  const std::int64_t before = WallNanos();
  span->start_ticks = SpanTicks();
  span->end_ticks = span->start_ticks + 1'000'000;
  const std::int64_t after = WallNanos();
  ASSERT_EQ(span->start_unix_ns, 0);
  spans.push_back(std::move(span));
  std::string protobuf, json;
  encoder.EncodeProtobuf(spans, protobuf);
  encoder.EncodeJson(spans, json);
  for (const Request& request : {ParseProtobuf(protobuf), ParseJson(json)}) {
    const auto& s = request.resource_spans(0).scope_spans(0).spans(0);
    EXPECT_GE(static_cast<std::int64_t>(s.start_time_unix_nano()), before - 1'000'000);
    EXPECT_LE(static_cast<std::int64_t>(s.start_time_unix_nano()), after + 1'000'000);
    EXPECT_EQ(static_cast<std::int64_t>(s.end_time_unix_nano() - s.start_time_unix_nano()), TicksToNanos(1'000'000));
  }
}

TEST(OtlpEncoderTest, AttributeLimitsGiveDroppedCountsAndTruncatedStrings) {
  const OtlpEncoder encoder(Resource{});
  SpanRecordPtr span = SimpleSpan(&kScopeA, "limited", 1);
  span->attributes.Clear();
  span->attributes.SetLimits(3, 4);
  span->attributes.Set("a", "abcdefgh");
  span->attributes.Set("b", AttributeValue(std::vector<std::string>{"123456", "78"}));
  span->attributes.Set("c", true);
  span->attributes.Set("d", 1.5);
  span->attributes.Set("e", std::int64_t{5});
  std::vector<SpanRecordPtr> spans;
  spans.push_back(std::move(span));
  const Request request = EncodeAndCheck(encoder, spans);
  const auto& got = request.resource_spans(0).scope_spans(0).spans(0);
  ExpectSpan(got, *spans[0]);
  EXPECT_EQ(got.dropped_attributes_count(), 2u);
  EXPECT_EQ(got.attributes(0).value().string_value(), "abcd");
  EXPECT_EQ(got.attributes(1).value().array_value().values(0).string_value(), "1234");
  // An empty resource is still there, empty.
  EXPECT_TRUE(request.resource_spans(0).has_resource());
  EXPECT_EQ(request.resource_spans(0).resource().attributes_size(), 0);
}

TEST(OtlpEncoderTest, FlagsCarryTraceFlagsAndWhetherTheParentIsRemote) {
  const OtlpEncoder encoder(Resource{});
  std::vector<SpanRecordPtr> spans;
  // Root: has-is-remote only, whatever parent_is_remote says.
  spans.push_back(SimpleSpan(&kScopeA, "root", 1));
  spans.push_back(SimpleSpan(&kScopeA, "root-remote-flag", 2));
  spans.back()->parent_is_remote = true;
  spans.push_back(SimpleSpan(&kScopeA, "local-child", 3));
  spans.back()->parent_span_id = MakeSpanId(9);
  spans.push_back(SimpleSpan(&kScopeA, "remote-child", 4));
  spans.back()->parent_span_id = MakeSpanId(9);
  spans.back()->parent_is_remote = true;
  spans.push_back(SimpleSpan(&kScopeA, "unsampled", 5));
  spans.back()->context = SpanContext(MakeTraceId(5), MakeSpanId(5), 0, false);
  spans.push_back(SimpleSpan(&kScopeA, "all-bits", 6));
  spans.back()->context = SpanContext(MakeTraceId(6), MakeSpanId(6), 0xff, false);
  const Request request = EncodeAndCheck(encoder, spans);
  const auto& got = request.resource_spans(0).scope_spans(0).spans();
  ASSERT_EQ(got.size(), 6);
  EXPECT_EQ(got[0].flags(), 0x101u);
  EXPECT_EQ(got[1].flags(), 0x101u);
  EXPECT_EQ(got[1].parent_span_id(), "");
  EXPECT_EQ(got[2].flags(), 0x101u);
  EXPECT_EQ(got[2].parent_span_id(), Bytes(MakeSpanId(9)));
  EXPECT_EQ(got[3].flags(), 0x301u);
  EXPECT_EQ(got[4].flags(), 0x100u);
  EXPECT_EQ(got[5].flags(), 0x1ffu);
  for (int i = 0; i < got.size(); ++i) ExpectSpan(got[i], *spans[static_cast<std::size_t>(i)]);
}

TEST(OtlpEncoderTest, KindsAndStatuses) {
  const OtlpEncoder encoder(Resource{});
  std::vector<SpanRecordPtr> spans;
  const SpanKind kinds[] = {SpanKind::kInternal, SpanKind::kServer, SpanKind::kClient, SpanKind::kProducer,
                            SpanKind::kConsumer};
  for (int i = 0; i < 5; ++i) {
    spans.push_back(SimpleSpan(&kScopeA, "kind" + std::to_string(i), static_cast<std::uint8_t>(i)));
    spans.back()->kind = kinds[i];
  }
  spans.push_back(SimpleSpan(&kScopeA, "ok", 10));
  spans.back()->status = StatusCode::kOk;
  spans.back()->status_message = "only sent for errors";
  spans.push_back(SimpleSpan(&kScopeA, "error-without-message", 11));
  spans.back()->status = StatusCode::kError;
  spans.push_back(SimpleSpan(&kScopeA, "unset", 12));
  spans.back()->status_message = "ignored";
  const Request request = EncodeAndCheck(encoder, spans);
  const auto& got = request.resource_spans(0).scope_spans(0).spans();
  ASSERT_EQ(got.size(), 8);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(static_cast<int>(got[i].kind()), i + 1);
  EXPECT_EQ(got[5].status().code(), otlp::trace::v1::Status::STATUS_CODE_OK);
  EXPECT_EQ(got[5].status().message(), "");
  EXPECT_EQ(got[6].status().code(), otlp::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(got[6].status().message(), "");
  EXPECT_TRUE(got[7].has_status());
  EXPECT_EQ(got[7].status().code(), otlp::trace::v1::Status::STATUS_CODE_UNSET);
  EXPECT_EQ(got[7].status().message(), "");
  for (int i = 0; i < got.size(); ++i) ExpectSpan(got[i], *spans[static_cast<std::size_t>(i)]);
}

TEST(OtlpEncoderTest, OneScopeSpansPerScopeInFirstSeenOrder) {
  const OtlpEncoder encoder(TestResource());
  // A copy of scope A at another address is the same scope; a record without a
  // scope gets an empty one.
  const InstrumentationScope scope_a_copy = kScopeA;
  std::vector<SpanRecordPtr> spans;
  spans.push_back(SimpleSpan(&kScopeB, "b1", 1));
  spans.push_back(SimpleSpan(&kScopeA, "a1", 2));
  spans.push_back(SimpleSpan(&kScopeB, "b2", 3));
  spans.push_back(SimpleSpan(&kScopeC, "c1", 4));
  spans.push_back(SimpleSpan(&scope_a_copy, "a2", 5));
  spans.push_back(SimpleSpan(nullptr, "none1", 6));
  spans.push_back(SimpleSpan(&kScopeA, "a3", 7));
  spans.push_back(SimpleSpan(&kScopeB, "b3", 8));
  spans.push_back(SimpleSpan(nullptr, "none2", 9));
  const Request request = EncodeAndCheck(encoder, spans);
  ASSERT_EQ(request.resource_spans_size(), 1);
  const auto& groups = request.resource_spans(0).scope_spans();
  ASSERT_EQ(groups.size(), 4);
  const std::vector<std::pair<const InstrumentationScope*, std::vector<std::string>>> expected = {
      {&kScopeB, {"b1", "b2", "b3"}},
      {&kScopeA, {"a1", "a2", "a3"}},
      {&kScopeC, {"c1"}},
      {nullptr, {"none1", "none2"}},
  };
  for (int g = 0; g < groups.size(); ++g) {
    const auto& [scope, names] = expected[static_cast<std::size_t>(g)];
    EXPECT_TRUE(groups[g].has_scope());
    EXPECT_EQ(groups[g].scope().name(), scope ? scope->name : "");
    EXPECT_EQ(groups[g].scope().version(), scope ? scope->version : "");
    ASSERT_EQ(static_cast<std::size_t>(groups[g].spans_size()), names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto& span = groups[g].spans(static_cast<int>(i));
      EXPECT_EQ(span.name(), names[i]);
      for (const SpanRecordPtr& record : spans) {
        if (record->name == names[i]) ExpectSpan(span, *record);
      }
    }
  }
}

TEST(OtlpEncoderTest, ResourceIsEncodedOnce) {
  const Resource resource = TestResource();
  const OtlpEncoder encoder(resource);
  std::vector<SpanRecordPtr> spans;
  spans.push_back(SimpleSpan(&kScopeA, "x", 1));
  std::string out;
  encoder.EncodeProtobuf(spans, out);
  const Request request = ParseProtobuf(out);
  const auto& encoded = request.resource_spans(0).resource();
  EXPECT_EQ(encoder.resource_bytes(), ProtoWriter::LengthDelimitedSize(1, encoded.ByteSizeLong()));
  ASSERT_EQ(encoded.attributes_size(), 4);
  EXPECT_EQ(encoded.attributes(0).key(), "service.name");
  EXPECT_EQ(encoded.attributes(0).value().string_value(), "qa-pms-api");
  EXPECT_EQ(encoded.attributes(2).value().int_value(), 2);
  EXPECT_TRUE(encoded.attributes(3).value().bool_value());
}

TEST(OtlpEncoderTest, OutputIsReusedAndStable) {
  const OtlpEncoder encoder(TestResource());
  std::vector<SpanRecordPtr> spans;
  spans.push_back(RichSpan());
  spans.push_back(SimpleSpan(&kScopeB, "b", 2));
  std::string first, out;
  encoder.EncodeProtobuf(spans, first);
  out.assign(1 << 20, 'z');  // big and dirty
  encoder.EncodeProtobuf(spans, out);
  EXPECT_TRUE(out == first);
  encoder.EncodeProtobuf(spans, out);
  EXPECT_TRUE(out == first);
  std::string json_first;
  encoder.EncodeJson(spans, json_first);
  encoder.EncodeJson(spans, out);
  EXPECT_EQ(out, json_first);
}

// Once the output string and the thread's scratch space have grown, encoding
// a batch allocates nothing: not per span, not per batch.
TEST(OtlpEncoderTest, SteadyStateEncodingDoesNotAllocate) {
  const OtlpEncoder encoder(TestResource());
  std::vector<SpanRecordPtr> spans;
  spans.push_back(RichSpan());
  for (int i = 0; i < 600; ++i) {
    spans.push_back(SimpleSpan(i % 3 == 0 ? &kScopeB : &kScopeA, "span " + std::to_string(i),
                               static_cast<std::uint8_t>(i)));
  }
  spans.back()->attributes.Set("invalid", "caf\xE9");  // sanitized through the scratch space
  std::string protobuf, json;
  const std::size_t cold = g_allocations;
  encoder.EncodeProtobuf(spans, protobuf);
  EXPECT_GT(g_allocations, cold) << "the counter counts: a fresh output string grows";
  encoder.EncodeJson(spans, json);
  const std::string first_protobuf = protobuf, first_json = json;

  const std::size_t before = g_allocations;
  encoder.EncodeProtobuf(spans, protobuf);
  const std::size_t after_protobuf = g_allocations;
  encoder.EncodeJson(spans, json);
  const std::size_t after_json = g_allocations;
  EXPECT_EQ(after_protobuf - before, 0u);
  EXPECT_EQ(after_json - after_protobuf, 0u);
  EXPECT_TRUE(protobuf == first_protobuf);
  EXPECT_EQ(json, first_json);
}

// Lengths past each reservation guess: a span over 16 KiB (3-byte length,
// its reservation is 2), a request over 2 MiB (4 bytes, reservation 3), and a
// small request under 16 KiB (2 bytes).
TEST(OtlpEncoderTest, LargeAndSmallMessagesKeepMinimalLengths) {
  const OtlpEncoder encoder(TestResource());
  std::vector<SpanRecordPtr> spans;
  spans.push_back(SimpleSpan(&kScopeA, "small", 1));
  EncodeAndCheck(encoder, spans);

  spans.push_back(SimpleSpan(&kScopeA, "big", 2));
  spans.back()->attributes.Set("payload", std::string(20'000, 'p'));
  spans.back()->attributes.Set("payload.array", AttributeValue(std::vector<std::string>(3, std::string(200, 'q'))));
  SpanEvent event;
  event.name = "big event";
  event.attributes.Set("payload", std::string(300, 'e'));
  spans.back()->events.push_back(std::move(event));
  EncodeAndCheck(encoder, spans);

  for (int i = 0; i < 130; ++i) {
    spans.push_back(SimpleSpan(i % 2 ? &kScopeA : &kScopeB, "huge", static_cast<std::uint8_t>(i)));
    spans.back()->attributes.Set("payload", std::string(20'000, 'h'));
  }
  std::string out;
  encoder.EncodeProtobuf(spans, out);
  EXPECT_GT(out.size(), 2u << 20);
  EncodeAndCheck(encoder, spans);
}

// A KeyValue whose tags and lengths are all one byte is written in one
// piece, any other field by field: keys and values whose KeyValue is 120 to
// 135 bytes long straddle the boundary (127, 128), for every value type.
TEST(OtlpEncoderTest, KeyValuesAroundTheOneByteLengthBoundary) {
  const OtlpEncoder encoder(TestResource());
  std::vector<SpanRecordPtr> spans;
  for (std::size_t n = 100; n <= 135; ++n) {
    SpanRecordPtr span = SimpleSpan(&kScopeA, "boundary", static_cast<std::uint8_t>(n));
    span->attributes.Set("k", std::string(n, 's'));                    // string value
    span->attributes.Set(std::string(n + 10, 'i'), std::int64_t{-1});  // a ten-byte varint
    span->attributes.Set(std::string(n + 3, 'd'), 2.5);
    span->attributes.Set(std::string(n + 6, 'b'), true);
    span->attributes.Set(std::string(n / 2, 'h'), std::string(n / 2, 'v'));
    SpanEvent event;
    event.name = "e";
    event.attributes.Set(std::string(n, 'e'), std::int64_t{127});
    span->events.push_back(std::move(event));
    spans.push_back(std::move(span));
  }
  EncodeAndCheck(encoder, spans);
}

TEST(OtlpEncoderTest, TenThousandSpans) {
  const OtlpEncoder encoder(TestResource());
  std::vector<SpanRecordPtr> spans;
  const InstrumentationScope* scopes[] = {&kScopeA, &kScopeB, &kScopeC};
  for (int i = 0; i < 10'000; ++i) {
    SpanRecordPtr span = SimpleSpan(scopes[i % 3], "span-" + std::to_string(i), static_cast<std::uint8_t>(i));
    span->attributes.Set("index", static_cast<std::int64_t>(i));
    span->attributes.Set("http.route", "/projects/{id}");
    span->attributes.Set("ratio", i / 7.0);
    if (i % 10 == 0) span->parent_span_id = MakeSpanId(static_cast<std::uint8_t>(i + 1));
    spans.push_back(std::move(span));
  }
  const Request request = EncodeAndCheck(encoder, spans);
  ASSERT_EQ(request.resource_spans_size(), 1);
  const auto& groups = request.resource_spans(0).scope_spans();
  ASSERT_EQ(groups.size(), 3);
  int total = 0;
  for (int g = 0; g < 3; ++g) {
    EXPECT_EQ(groups[g].scope().name(), scopes[g]->name);
    for (int i = 0; i < groups[g].spans_size(); ++i) {
      const int index = g + 3 * i;  // batch order within the scope
      ExpectSpan(groups[g].spans(i), *spans[static_cast<std::size_t>(index)]);
      ++total;
    }
  }
  EXPECT_EQ(total, 10'000);
}

// ---------------------------------------------------------------------------
// UTF-8

TEST(OtlpEncoderTest, InvalidUtf8IsReplacedSoTheRequestStillParses) {
  const OtlpEncoder encoder(Resource{});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain", "plain"},
      {"caf\xC3\xA9 \xF0\x9F\x98\x80", "caf\xC3\xA9 \xF0\x9F\x98\x80"},  // valid multi-byte: unchanged
      {"a\xFF" "b", "a\xEF\xBF\xBD" "b"},                                   // a byte that never starts UTF-8
      {"latin1 caf\xE9!", "latin1 caf\xEF\xBF\xBD!"},                       // Latin-1 text
      {"cut \xE2\x82", "cut \xEF\xBF\xBD"},                                 // truncated: one U+FFFD
      {"\xE2\x82(", "\xEF\xBF\xBD("},                                       // broken in the middle
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},                             // overlong '/'
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},             // a surrogate
      {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // past U+10FFFF
      {"12345678\x80" "12345678", "12345678\xEF\xBF\xBD" "12345678"},        // after the 8-byte fast path
      // Every length class of the ASCII check (1-3, 4-7, 8+ bytes), bad byte first, middle, last.
      {"\xFF", "\xEF\xBF\xBD"},
      {"ab\xFF", "ab\xEF\xBF\xBD"},
      {"\xC3\xA9", "\xC3\xA9"},
      {"abcd\xFF", "abcd\xEF\xBF\xBD"},
      {"\x80" "bcdef", "\xEF\xBF\xBD" "bcdef"},
      {"abcdefghijklmnopqrstuvwxy\xFF", "abcdefghijklmnopqrstuvwxy\xEF\xBF\xBD"},
  };
  for (const auto& [input, expected] : cases) {
    SpanRecordPtr span = SimpleSpan(&kScopeA, input, 1);
    span->attributes.Set(input, input);
    span->attributes.Set("array", AttributeValue(std::vector<std::string>{input, "ok"}));
    span->status = StatusCode::kError;
    span->status_message = input;
    SpanEvent event;
    event.name = input;
    span->events.push_back(std::move(event));
    std::vector<SpanRecordPtr> spans;
    spans.push_back(std::move(span));
    const Request request = EncodeAndCheck(encoder, spans);
    ASSERT_EQ(request.resource_spans_size(), 1) << Hex(input);
    const auto& got = request.resource_spans(0).scope_spans(0).spans(0);
    EXPECT_EQ(got.name(), expected) << Hex(input);
    EXPECT_EQ(got.attributes(1).key(), expected) << Hex(input);
    EXPECT_EQ(got.attributes(1).value().string_value(), expected) << Hex(input);
    EXPECT_EQ(got.attributes(2).value().array_value().values(0).string_value(), expected) << Hex(input);
    EXPECT_EQ(got.status().message(), expected) << Hex(input);
    EXPECT_EQ(got.events(0).name(), expected) << Hex(input);
  }
}

// ---------------------------------------------------------------------------
// JSON

TEST(OtlpEncoderJsonTest, ShapeFollowsTheOtlpJsonMapping) {
  const OtlpEncoder encoder(Resource().Set("service.name", std::string("svc")));
  std::vector<SpanRecordPtr> spans;
  SpanRecordPtr span = MakeSpanRecord();
  span->context = SpanContext(*TraceId::FromHex("5b8efff798038103d269b633813fc60c"),
                              *SpanId::FromHex("eee19b7ec3c1b174"), TraceFlags::kSampled, false);
  span->parent_span_id = *SpanId::FromHex("eee19b7ec3c1b173");
  span->name = "I'm a server span";
  span->kind = SpanKind::kServer;
  span->start_unix_ns = 1544712660000000000;
  span->end_unix_ns = 1544712661000000000;
  span->attributes.Set("my.span.attr", "some value");
  span->attributes.Set("n", std::int64_t{-5});
  span->attributes.Set("d", 0.5);
  span->attributes.Set("b", false);
  span->attributes.Set("a", AttributeValue(std::vector<std::int64_t>{1, 2}));
  span->status = StatusCode::kOk;
  const InstrumentationScope scope{"my.library", "1.0.0"};
  span->scope = &scope;
  spans.push_back(std::move(span));
  std::string json;
  encoder.EncodeJson(spans, json);
  EXPECT_EQ(json,
            R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},)"
            R"("scopeSpans":[{"scope":{"name":"my.library","version":"1.0.0"},"spans":[{)"
            R"("traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",)"
            R"("parentSpanId":"eee19b7ec3c1b173","flags":257,"name":"I'm a server span","kind":2,)"
            R"("startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",)"
            R"("attributes":[{"key":"my.span.attr","value":{"stringValue":"some value"}},)"
            R"({"key":"n","value":{"intValue":"-5"}},{"key":"d","value":{"doubleValue":0.5}},)"
            R"({"key":"b","value":{"boolValue":false}},)"
            R"({"key":"a","value":{"arrayValue":{"values":[{"intValue":"1"},{"intValue":"2"}]}}}],)"
            R"("status":{"code":1}}]}]}]})");
  EncodeAndCheck(encoder, spans);
}

TEST(OtlpEncoderJsonTest, NonFiniteDoublesUseProtobufJsonNames) {
  const OtlpEncoder encoder(Resource{});
  std::vector<SpanRecordPtr> spans;
  spans.push_back(SimpleSpan(&kScopeA, "doubles", 1));
  spans.back()->attributes.Set("nan", std::numeric_limits<double>::quiet_NaN());
  spans.back()->attributes.Set("inf", std::numeric_limits<double>::infinity());
  spans.back()->attributes.Set("-inf", -std::numeric_limits<double>::infinity());
  spans.back()->attributes.Set("-0", -0.0);
  spans.back()->attributes.Set("tiny", 5e-324);
  std::string json, protobuf;
  encoder.EncodeJson(spans, json);
  encoder.EncodeProtobuf(spans, protobuf);
  EXPECT_THAT(json, ::testing::HasSubstr(R"({"key":"nan","value":{"doubleValue":"NaN"}})"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"({"key":"inf","value":{"doubleValue":"Infinity"}})"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"({"key":"-inf","value":{"doubleValue":"-Infinity"}})"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"({"key":"-0","value":{"doubleValue":-0}})"));
  for (const Request& request : {ParseJson(json), ParseProtobuf(protobuf)}) {
    ExpectSpan(request.resource_spans(0).scope_spans(0).spans(0), *spans[0]);
  }
  // Negative zero survives protobuf; JSON writes "-0", which libprotobuf 3.21's
  // JSON parser reads back as +0 (a reader's limitation, not the text's).
  EXPECT_TRUE(std::signbit(ParseProtobuf(protobuf).resource_spans(0).scope_spans(0).spans(0).attributes(4).value().double_value()));
}

TEST(OtlpEncoderJsonTest, JsonEqualsProtobufForEveryBatchShape) {
  const OtlpEncoder encoder(TestResource());
  std::vector<SpanRecordPtr> spans;
  spans.push_back(RichSpan());
  spans.push_back(SimpleSpan(&kScopeB, "b", 2));
  spans.push_back(SimpleSpan(nullptr, "", 3));  // no scope, no name
  spans.back()->start_unix_ns = 0;
  spans.back()->end_unix_ns = 0;
  SpanLink link;
  link.context = SpanContext(MakeTraceId(7), MakeSpanId(7), 1, true, MakeTraceState("k=\"quoted\\value\""));
  spans.back()->links.push_back(std::move(link));
  EncodeAndCheck(encoder, spans);
  EncodeAndCheck(OtlpEncoder(Resource{}), spans);  // an empty resource
  // Without the empty key the rich span's bytes are libprotobuf's, byte for byte.
  spans.front()->attributes.Clear();
  spans.front()->attributes.Set("only", "this");
  EncodeAndCheck(encoder, spans);
}

}  // namespace
}  // namespace qtrace
