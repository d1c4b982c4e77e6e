// OtlpEncoder against the official OpenTelemetry JavaScript encoder.
//
// tests/integration/js/encode_fixture.mjs encodes a fixed set of spans with
// @opentelemetry/otlp-transformer's ProtobufTraceSerializer and writes the
// bytes to the file named by JS_FIXTURE_PB; this test builds the same spans as
// span records, encodes them with OtlpEncoder, parses both with the generated
// classes and requires the messages to be equal. The span descriptions here
// and in the script must stay in step.
//
// Run by ctest as integration.encoder_js_compat (the script first, then this).
#include <google/protobuf/util/message_differencer.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "qtrace/exporter/otlp_encoder.h"
#include "gtest/gtest.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "qtrace/sdk/common/file.h"

namespace qtrace {
namespace {

using Request = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

constexpr std::string_view kTraceId = "0af7651916cd43dd8448eb211c80319c";
constexpr std::int64_t kSecond = 1'000'000'000;

const InstrumentationScope kHttpScope{"qtrace.compat.http", "2.1.0"};
const InstrumentationScope kDbScope{"qtrace.compat.db", ""};

TraceId T(std::string_view hex) { return TraceId::FromHex(hex).value(); }
SpanId S(std::string_view hex) { return SpanId::FromHex(hex).value(); }
TraceStatePtr State(std::string_view header) { return std::make_shared<const TraceState>(*TraceState::Parse(header)); }
std::int64_t Ns(std::int64_t seconds, std::int64_t nanos) { return seconds * kSecond + nanos; }

SpanRecordPtr NewSpan(std::string name, SpanKind kind, std::string_view span_id, std::uint8_t flags,
                      const InstrumentationScope& scope) {
  SpanRecordPtr span = MakeSpanRecord();
  span->context = SpanContext(T(kTraceId), S(span_id), flags, false);
  span->name = std::move(name);
  span->kind = kind;
  span->scope = &scope;
  return span;
}

// The spans of encode_fixture.mjs, in the same order.
std::vector<SpanRecordPtr> FixtureSpans() {
  std::vector<SpanRecordPtr> spans;

  SpanRecordPtr server = NewSpan("GET /projects/{id}", SpanKind::kServer, "b7ad6b7169203331", TraceFlags::kSampled,
                                 kHttpScope);
  server->context = SpanContext(T(kTraceId), S("b7ad6b7169203331"), TraceFlags::kSampled, false,
                                State("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
  server->parent_span_id = S("00f067aa0ba902b7");
  server->parent_is_remote = true;
  server->start_unix_ns = Ns(1712345678, 123456789);
  server->end_unix_ns = Ns(1712345678, 987654321);
  AttributeList& a = server->attributes;
  a.SetLimits(20, AttributeList::kUnlimited);  // the two last ones are dropped: droppedAttributesCount 2
  a.Set("http.request.method", "GET");
  a.Set("http.route", "/projects/{id}");
  a.Set("string.empty", "");
  a.Set("string.unicode", "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80");
  a.Set("bool.true", true);
  a.Set("bool.false", false);
  a.Set("int.answer", std::int64_t{42});
  a.Set("int.zero", std::int64_t{0});
  a.Set("int.negative", std::int64_t{-7});
  a.Set("int.max_safe", std::int64_t{9007199254740991});
  a.Set("int.min_safe", std::int64_t{-9007199254740991});
  a.Set("double.quarter", 3.25);
  a.Set("double.negative", -0.5);
  a.Set("double.tiny", 1e-10);
  a.Set("double.max", 1.7976931348623157e308);
  a.Set("array.string", AttributeValue(std::vector<std::string>{"alpha", "", "gamma"}));
  a.Set("array.bool", AttributeValue(std::vector<bool>{true, false}));
  a.Set("array.int", AttributeValue(std::vector<std::int64_t>{1, -2, 3000000000}));
  a.Set("array.double", AttributeValue(std::vector<double>{1.5, -2.25}));
  a.Set("array.empty", AttributeValue(std::vector<std::string>{}));
  a.Set("dropped.1", true);
  a.Set("dropped.2", true);
  SpanEvent exception;
  exception.name = "exception";
  exception.time_unix_ns = Ns(1712345678, 500000000);
  exception.attributes.SetLimits(3, AttributeList::kUnlimited);
  exception.attributes.Set("exception.type", "Error");
  exception.attributes.Set("exception.message", "boom");
  exception.attributes.Set("exception.escaped", true);
  exception.attributes.Set("dropped", true);
  server->events.push_back(std::move(exception));
  SpanEvent retry;
  retry.name = "retry";
  retry.time_unix_ns = Ns(1712345678, 600000001);
  server->events.push_back(std::move(retry));
  server->dropped_events = 1;
  SpanLink follows;
  follows.context =
      SpanContext(T("4bf92f3577b34da6a3ce929d0e0e4736"), S("53995c3f42cd8ad8"), TraceFlags::kSampled, true,
                  State("vendor=link"));
  follows.attributes.SetLimits(2, AttributeList::kUnlimited);
  follows.attributes.Set("link.kind", "follows_from");
  follows.attributes.Set("link.n", std::int64_t{2});
  for (const char* key : {"dropped.1", "dropped.2", "dropped.3"}) follows.attributes.Set(key, true);
  server->links.push_back(std::move(follows));
  SpanLink local;
  local.context = SpanContext(T(kTraceId), S("a1a2a3a4a5a6a7a8"), 0, false);
  server->links.push_back(std::move(local));
  server->dropped_links = 4;
  server->status = StatusCode::kError;
  server->status_message = "upstream \"db\" failed";
  spans.push_back(std::move(server));

  SpanRecordPtr client = NewSpan("SELECT projects", SpanKind::kClient, "c1c2c3c4c5c6c7c8", 0, kDbScope);
  client->parent_span_id = S("b7ad6b7169203331");
  client->start_unix_ns = Ns(1712345678, 200000000);
  client->end_unix_ns = Ns(1712345678, 300000000);
  client->attributes.Set("db.system.name", "sqlite");
  client->attributes.Set("db.response.returned_rows", std::int64_t{3});
  client->status = StatusCode::kOk;
  spans.push_back(std::move(client));

  SpanRecordPtr tick =
      NewSpan("background tick", SpanKind::kInternal, "d1d2d3d4d5d6d7d8", TraceFlags::kSampled, kHttpScope);
  tick->start_unix_ns = Ns(1712345679, 0);
  tick->end_unix_ns = Ns(1712345679, 1);
  spans.push_back(std::move(tick));

  SpanRecordPtr publish =
      NewSpan("publish jobs", SpanKind::kProducer, "e1e2e3e4e5e6e7e8", TraceFlags::kSampled, kDbScope);
  publish->parent_span_id = S("b7ad6b7169203331");
  publish->start_unix_ns = Ns(1712345678, 400000000);
  publish->end_unix_ns = Ns(1712345678, 410000000);
  spans.push_back(std::move(publish));

  SpanRecordPtr process =
      NewSpan("process jobs", SpanKind::kConsumer, "f1f2f3f4f5f6f7f8", TraceFlags::kSampled, kDbScope);
  process->parent_span_id = S("e1e2e3e4e5e6e7e8");
  process->parent_is_remote = true;
  process->start_unix_ns = Ns(1712345678, 420000000);
  process->end_unix_ns = Ns(1712345678, 430000000);
  spans.push_back(std::move(process));
  return spans;
}

Resource FixtureResource() {
  Resource resource;
  resource.Set("service.name", std::string("qtrace-compat"))
      .Set("service.version", std::string("0.1.0"))
      .Set("host.cpus", std::int64_t{2})
      .Set("deployment.canary", false);
  return resource;
}

TEST(OtlpEncoderJsCompatTest, SameRequestAsTheOfficialJavaScriptEncoder) {
  const char* path = std::getenv("JS_FIXTURE_PB");
  if (path == nullptr) GTEST_SKIP() << "JS_FIXTURE_PB is not set (ctest runs integration.encoder_js_compat)";
  absl::StatusOr<std::string> js_bytes = ReadFile(path);
  ASSERT_TRUE(js_bytes.ok()) << js_bytes.status();
  Request from_js;
  ASSERT_TRUE(from_js.ParseFromString(*js_bytes)) << path << " is not an ExportTraceServiceRequest";

  const OtlpEncoder encoder(FixtureResource());
  const std::vector<SpanRecordPtr> spans = FixtureSpans();
  std::string ours_bytes;
  encoder.EncodeProtobuf(spans, ours_bytes);
  Request ours;
  ASSERT_TRUE(ours.ParseFromString(ours_bytes));

  // No normalisation is needed: with an explicit resource, integral JS numbers
  // only where we have int64 and non-integral ones where we have double, the
  // two messages are equal field for field. What differs is the bytes only:
  // the JS writer also sends proto3 defaults (dropped_*_count = 0, status
  // code 0, Resource.dropped_attributes_count = 0), which parse to the same
  // message. Things the fixture deliberately avoids, because JS cannot say
  // them: a double with an integral value (JS sends any integral number as
  // int_value: 2.0 arrives as int 2) and integers beyond 2^53.
  google::protobuf::util::MessageDifferencer differencer;
  std::string differences;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(from_js, ours)) << differences;
  EXPECT_EQ(from_js.resource_spans(0).scope_spans_size(), 2);
  EXPECT_LE(ours_bytes.size(), js_bytes->size()) << "we omit the defaults JS writes";
}

}  // namespace
}  // namespace qtrace
