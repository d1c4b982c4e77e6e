// The SERVER span the tracing middleware makes, attribute by attribute, for
// the HTTP semantic conventions' rules (review item 14).
#include "api_server/middleware/tracing.h"

#include <stdexcept>

#include "api_server/middleware/request_attributes.h"
#include "gtest/gtest.h"
#include "qtrace/sdk/propagation/composite_propagator.h"
#include "tests/sdk/test_provider.h"

namespace qtrace::middleware {
namespace {

class TracingMiddlewareTest : public ::testing::Test {
 protected:
  TracingMiddlewareTest() : propagator_(std::move(*MakePropagator({"tracecontext"}))) {
    request_.method = "GET";
    request_.target = "/api/v1/projects/7";
    request_.route = "/api/v1/projects/{id}";
    request_.peer_address = "10.0.0.9";
    request_.peer_port = 51234;
    request_.local_port = 8080;
    request_.request_id = "req-1";
  }

  // Runs the request through the middleware; returns the one span it made.
  SpanRecord Serve(const http::Handler& handler = [](http::HttpRequest&) { return http::HttpResponse::Text(200, "ok"); }) {
    const std::vector<SpanRecord> spans = ServeWith(t_, handler);
    EXPECT_EQ(spans.size(), 1u);
    return spans.empty() ? SpanRecord{} : spans.front();
  }
  // Runs the request through the middleware on provider t; returns what it
  // exported.
  std::vector<SpanRecord> ServeWith(testutil::TestProvider& t, const http::Handler& handler) {
    const http::Middleware middleware = TracingMiddleware(t.tracer(), *propagator_);
    try {
      middleware(request_, handler);
    } catch (const std::exception&) {
    }
    return t.store->Spans();
  }

  static std::string String(const SpanRecord& s, std::string_view key) {
    const std::optional<Attribute> a = s.attributes.Find(key);
    if (!a) return "<absent>";
    if (const auto* v = std::get_if<std::string>(&a->value)) return *v;
    return "<not a string>";
  }
  static std::int64_t Int(const SpanRecord& s, std::string_view key) {
    const std::optional<Attribute> a = s.attributes.Find(key);
    if (!a) return -1;
    if (const auto* v = std::get_if<std::int64_t>(&a->value)) return *v;
    return -2;
  }

  testutil::TestProvider t_;
  std::unique_ptr<TextMapPropagator> propagator_;
  http::HttpRequest request_;
};

TEST_F(TracingMiddlewareTest, UnknownMethodIsNamedHttp) {
  request_.method = "PURGE";
  const SpanRecord s = Serve();
  EXPECT_EQ(s.name, "HTTP /api/v1/projects/{id}");
  EXPECT_EQ(String(s, "http.request.method"), "_OTHER");
  EXPECT_EQ(String(s, "http.request.method_original"), "PURGE");
  request_.route.clear();
  t_.store->Clear();
  EXPECT_EQ(Serve().name, "HTTP");
}

TEST_F(TracingMiddlewareTest, QueryIsRecordedWithSensitiveValuesRedacted) {
  request_.target = "/files?name=a%20b&sig=abc&Signature=xyz&AWSAccessKeyId=AK&X-Goog-Signature=g&page=2";
  const SpanRecord s = Serve();
  EXPECT_EQ(String(s, "url.path"), "/files");
  EXPECT_EQ(String(s, "url.query"),
            "name=a%20b&sig=REDACTED&Signature=REDACTED&AWSAccessKeyId=REDACTED&X-Goog-Signature=REDACTED&page=2");
  request_.target = "/files?page=2";
  t_.store->Clear();
  EXPECT_EQ(String(Serve(), "url.query"), "page=2");
  request_.target = "/files";
  t_.store->Clear();
  EXPECT_EQ(String(Serve(), "url.query"), "<absent>");
}

TEST_F(TracingMiddlewareTest, ServerAddressComesFromForwardedThenXForwardedHostThenHost) {
  request_.headers = {{"host", "internal:8080"}, {"x-forwarded-host", "proxy.example:8443"},
                      {"forwarded", "for=1.2.3.4;Host=\"api.example.com:9443\";proto=https, host=other"}};
  SpanRecord s = Serve();
  EXPECT_EQ(String(s, "server.address"), "api.example.com");
  EXPECT_EQ(Int(s, "server.port"), 9443);
  request_.headers = {{"host", "internal:8080"}, {"x-forwarded-host", "proxy.example, inner"}};
  t_.store->Clear();
  s = Serve();
  EXPECT_EQ(String(s, "server.address"), "proxy.example");
  EXPECT_EQ(Int(s, "server.port"), 80) << "no port in the header: the scheme's";
  request_.headers = {{"host", "[::1]:9000"}};
  t_.store->Clear();
  s = Serve();
  EXPECT_EQ(String(s, "server.address"), "::1");
  EXPECT_EQ(Int(s, "server.port"), 9000);
  request_.headers = {};
  t_.store->Clear();
  s = Serve();
  EXPECT_EQ(String(s, "server.address"), "<absent>");
  EXPECT_EQ(Int(s, "server.port"), 8080) << "no header: the socket's port";
}

TEST_F(TracingMiddlewareTest, PeerAddressGoesWithPeerPort) {
  const SpanRecord s = Serve();
  EXPECT_EQ(String(s, "network.peer.address"), "10.0.0.9");
  EXPECT_EQ(Int(s, "network.peer.port"), 51234);
  EXPECT_EQ(String(s, "client.address"), "10.0.0.9");
}

TEST_F(TracingMiddlewareTest, ExceptionErrorTypeIsItsTypeName) {
  const SpanRecord s = Serve([](http::HttpRequest&) -> http::HttpResponse { throw std::out_of_range("no such row"); });
  EXPECT_EQ(String(s, "error.type"), "std::out_of_range");
  EXPECT_EQ(s.status, StatusCode::kError);
  EXPECT_EQ(Int(s, "http.response.status_code"), 500);
}

TEST_F(TracingMiddlewareTest, ServerErrorTypeIsTheStatusCode) {
  const SpanRecord s = Serve([](http::HttpRequest&) { return http::HttpResponse::Text(503, "busy"); });
  EXPECT_EQ(String(s, "error.type"), "503");
  EXPECT_EQ(s.status, StatusCode::kError);
}

// Head sampling drops every request here by chance (ratio 0), and errors are
// always kept: a failed request's span, exported after all, must carry every
// attribute a sampled one does, although the middleware sets them only once
// it knows the request failed.
TEST_F(TracingMiddlewareTest, ErrorKeptSpanHasTheRequestAttributesOfASampledOne) {
  request_.target = "/api/v1/projects/7?verbose=1";
  request_.headers = {{"host", "qa.example:8443"}, {"user-agent", "probe/1"}};
  const SpanRecord sampled = Serve([](http::HttpRequest&) { return http::HttpResponse::Text(503, "busy"); });
  const auto failing_handlers = {
      http::Handler([](http::HttpRequest&) { return http::HttpResponse::Text(503, "busy"); }),
      http::Handler([](http::HttpRequest&) -> http::HttpResponse { throw std::runtime_error("boom"); }),
  };
  for (const http::Handler& handler : failing_handlers) {
    testutil::TestProvider dropping({}, MakeTraceIdRatioSampler(0.0), /*enabled=*/true, /*keep_error_traces=*/true);
    const std::vector<SpanRecord> spans = ServeWith(dropping, handler);
    ASSERT_EQ(spans.size(), 1u) << "an error is always kept";
    const SpanRecord& kept = spans.front();
    for (const char* key : {"http.request.method", "url.path", "url.scheme", "url.query", "client.address",
                            "network.peer.address", "network.protocol.version", "http.request_id", "http.route",
                            "server.address", "user_agent.original"}) {
      EXPECT_EQ(String(kept, key), String(sampled, key)) << key;
      EXPECT_NE(String(kept, key), "<absent>") << key;
    }
    for (const char* key : {"network.peer.port", "server.port"}) {
      EXPECT_EQ(Int(kept, key), Int(sampled, key)) << key;
      EXPECT_GT(Int(kept, key), 0) << key;
    }
    EXPECT_GE(Int(kept, "http.response.status_code"), 500);
    EXPECT_EQ(kept.status, StatusCode::kError);
  }
}

// The same request without an error leaves nothing, as head sampling asked.
TEST_F(TracingMiddlewareTest, DroppedRequestThatSucceedsExportsNothing) {
  testutil::TestProvider dropping({}, MakeTraceIdRatioSampler(0.0), /*enabled=*/true, /*keep_error_traces=*/true);
  EXPECT_TRUE(ServeWith(dropping, [](http::HttpRequest&) { return http::HttpResponse::Text(200, "ok"); }).empty());
}

}  // namespace
}  // namespace qtrace::middleware
