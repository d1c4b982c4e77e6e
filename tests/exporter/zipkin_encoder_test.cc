#include "qtrace/exporter/zipkin_encoder.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kSpan = "00f067aa0ba902b7";
constexpr std::string_view kParent = "53995c3f42cd8ad8";

const InstrumentationScope kScope{"qa-pms-api.db", "0.1.0"};

Resource TestResource() {
  Resource r;
  r.Set("service.name", "qa-pms-api").Set("service.version", "0.1.0");
  return r;
}

// A client span with fixed ids and times (start 1.000002500 s, 1.5 ms long).
SpanRecordPtr ClientSpan() {
  SpanRecordPtr s = MakeSpanRecord();
  s->context = SpanContext(*TraceId::FromHex(kTrace), *SpanId::FromHex(kSpan), TraceFlags::kSampled, false);
  s->parent_span_id = *SpanId::FromHex(kParent);
  s->name = "SELECT projects";
  s->kind = SpanKind::kClient;
  s->start_unix_ns = 1'000'002'500;
  s->end_unix_ns = 1'001'502'999;
  s->scope = &kScope;
  s->attributes.Set("db.system.name", "sqlite");
  s->attributes.Set("db.response.returned_rows", std::int64_t{3});
  s->attributes.Set("server.address", "10.1.2.3");
  s->attributes.Set("server.port", std::int64_t{5432});
  return s;
}

std::string Encode(const Resource& resource, std::vector<SpanRecordPtr> spans) {
  std::string out;
  ZipkinEncoder(resource).Encode(spans, out);
  return out;
}

TEST(ZipkinEncoderTest, ClientSpanWithEveryMappedField) {
  std::vector<SpanRecordPtr> spans;
  spans.push_back(ClientSpan());
  EXPECT_EQ(Encode(TestResource(), std::move(spans)),
            R"([{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7",)"
            R"("parentId":"53995c3f42cd8ad8","name":"SELECT projects","kind":"CLIENT",)"
            R"("timestamp":1000002,"duration":1500,"localEndpoint":{"serviceName":"qa-pms-api"},)"
            R"("remoteEndpoint":{"ipv4":"10.1.2.3","port":5432},)"
            R"("tags":{"service.version":"0.1.0","db.system.name":"sqlite","db.response.returned_rows":"3",)"
            R"("server.address":"10.1.2.3","server.port":"5432","otel.scope.name":"qa-pms-api.db",)"
            R"("otel.scope.version":"0.1.0"}}])");
}

TEST(ZipkinEncoderTest, InternalKindAndRootParentAreOmitted) {
  SpanRecordPtr s = ClientSpan();
  s->kind = SpanKind::kInternal;
  s->parent_span_id = SpanId();
  std::vector<SpanRecordPtr> spans;
  spans.push_back(std::move(s));
  const std::string out = Encode(TestResource(), std::move(spans));
  EXPECT_EQ(out.find("\"kind\""), std::string::npos) << out;
  EXPECT_EQ(out.find("\"parentId\""), std::string::npos) << out;
  EXPECT_EQ(out.find("remoteEndpoint"), std::string::npos) << "only CLIENT and PRODUCER spans: " << out;
}

TEST(ZipkinEncoderTest, StatusTags) {
  SpanRecordPtr error = ClientSpan();
  error->status = StatusCode::kError;
  error->status_message = "connection refused";
  error->attributes.Set("error", false);  // would mark the span failed in Zipkin: left out
  SpanRecordPtr ok = ClientSpan();
  ok->status = StatusCode::kOk;
  SpanRecordPtr unset = ClientSpan();
  std::vector<SpanRecordPtr> e, o, u;
  e.push_back(std::move(error));
  o.push_back(std::move(ok));
  u.push_back(std::move(unset));
  const std::string error_json = Encode(TestResource(), std::move(e));
  EXPECT_NE(error_json.find(R"("otel.status_code":"ERROR","error":"connection refused")"), std::string::npos)
      << error_json;
  EXPECT_EQ(error_json.find(R"("error":"false")"), std::string::npos) << error_json;
  const std::string ok_json = Encode(TestResource(), std::move(o));
  EXPECT_NE(ok_json.find(R"("otel.status_code":"OK")"), std::string::npos) << ok_json;
  EXPECT_EQ(ok_json.find(R"("error")"), std::string::npos) << ok_json;
  const std::string unset_json = Encode(TestResource(), std::move(u));
  EXPECT_EQ(unset_json.find("otel.status_code"), std::string::npos) << unset_json;
}

TEST(ZipkinEncoderTest, EventsBecomeAnnotations) {
  SpanRecordPtr s = ClientSpan();
  SpanEvent plain{"cache miss", 1'000'500'000, {}};
  SpanEvent exception{"exception", 1'001'000'000, {}};
  exception.attributes.Set("exception.type", "std::runtime_error");
  exception.attributes.Set("exception.escaped", true);
  s->events.push_back(std::move(plain));
  s->events.push_back(std::move(exception));
  std::vector<SpanRecordPtr> spans;
  spans.push_back(std::move(s));
  const std::string out = Encode(TestResource(), std::move(spans));
  EXPECT_NE(out.find(R"("annotations":[{"timestamp":1000500,"value":"cache miss"},)"
                     R"({"timestamp":1001000,"value":"\"exception\": {\"exception.type\":\"std::runtime_error\",)"
                     R"(\"exception.escaped\":true}"}])"),
            std::string::npos)
      << out;
}

TEST(ZipkinEncoderTest, RemoteEndpointPreference) {
  const auto remote_of = [](auto&& set) {
    SpanRecordPtr s = MakeSpanRecord();
    s->kind = SpanKind::kClient;
    set(s->attributes);
    std::vector<SpanRecordPtr> spans;
    spans.push_back(std::move(s));
    const std::string out = Encode(TestResource(), std::move(spans));
    const std::size_t at = out.find("\"remoteEndpoint\":");
    return at == std::string::npos ? std::string() : out.substr(at, out.find('}', at) - at + 1);
  };
  EXPECT_EQ(remote_of([](AttributeList& a) {
              a.Set("peer.service", "issue-tracker");
              a.Set("server.address", "tracker.local");
            }),
            R"("remoteEndpoint":{"serviceName":"issue-tracker"})");
  EXPECT_EQ(remote_of([](AttributeList& a) { a.Set("server.address", "tracker.local"); }),
            R"("remoteEndpoint":{"serviceName":"tracker.local"})");
  EXPECT_EQ(remote_of([](AttributeList& a) {
              a.Set("network.peer.address", "::1");
              a.Set("network.peer.port", std::int64_t{4318});
            }),
            R"("remoteEndpoint":{"ipv6":"::1","port":4318})");
  EXPECT_EQ(remote_of([](AttributeList& a) { a.Set("db.namespace", "qa"); }),
            R"("remoteEndpoint":{"serviceName":"qa"})");
  EXPECT_EQ(remote_of([](AttributeList&) {}), "");
}

TEST(ZipkinEncoderTest, TagValuesAsStrings) {
  EXPECT_EQ(ZipkinTagValue(true), "true");
  EXPECT_EQ(ZipkinTagValue(std::int64_t{-7}), "-7");
  EXPECT_EQ(ZipkinTagValue(0.1), "0.1");
  EXPECT_EQ(ZipkinTagValue(std::string("a\"b")), "a\"b");
  EXPECT_EQ(ZipkinTagValue(std::vector<std::string>{"a", "b"}), R"(["a","b"])");
  EXPECT_EQ(ZipkinTagValue(std::vector<std::int64_t>{1, 2}), "[1,2]");
  EXPECT_EQ(ZipkinTagValue(std::vector<bool>{true, false}), "[true,false]");
}

TEST(ZipkinEncoderTest, DroppedCountsAndEmptyBatch) {
  SpanRecordPtr s = ClientSpan();
  s->dropped_events = 2;
  s->dropped_links = 1;
  std::vector<SpanRecordPtr> spans;
  spans.push_back(std::move(s));
  const std::string out = Encode(TestResource(), std::move(spans));
  EXPECT_NE(out.find(R"("otel.dropped_events_count":"2","otel.dropped_links_count":"1")"), std::string::npos) << out;
  EXPECT_EQ(Encode(TestResource(), {}), "[]");
}

TEST(ZipkinEncoderTest, ServiceNameDefaultsWhenTheResourceHasNone) {
  std::vector<SpanRecordPtr> spans;
  spans.push_back(ClientSpan());
  const std::string out = Encode(Resource(), std::move(spans));
  EXPECT_NE(out.find(R"("localEndpoint":{"serviceName":"unknown_service"})"), std::string::npos) << out;
}

}  // namespace
}  // namespace qtrace
