// The CLIENT span of an outgoing call (review item 16): server.address and
// server.port come from any URL, user information included; url.full never
// carries the credentials.
#include "api_server/client/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/dead_port.h"
#include "qtrace/sdk/propagation/composite_propagator.h"
#include "tests/sdk/test_provider.h"

namespace qtrace::client {
namespace {

using testutil::DeadPort;

SpanRecord CallAndGetSpan(const std::string& url) {
  testutil::TestProvider t;
  const auto propagator = std::move(*MakePropagator({"tracecontext"}));
  const TracedHttpClient client(t.tracer(), *propagator, absl::Seconds(2));
  EXPECT_FALSE(client.PostJson(url, "{}").ok());
  const std::vector<SpanRecord> spans = t.store->Spans();
  EXPECT_EQ(spans.size(), 1u);
  return spans.empty() ? SpanRecord{} : spans.front();
}

std::string StringOf(const SpanRecord& s, std::string_view key) {
  const std::optional<Attribute> a = s.attributes.Find(key);
  return a.has_value() && std::holds_alternative<std::string>(a->value) ? std::get<std::string>(a->value) : "<absent>";
}

std::int64_t IntOf(const SpanRecord& s, std::string_view key) {
  const std::optional<Attribute> a = s.attributes.Find(key);
  return a.has_value() && std::holds_alternative<std::int64_t>(a->value) ? std::get<std::int64_t>(a->value) : -1;
}

TEST(HttpClientSpanTest, ServerAddressAndPortAlsoWithUserInformation) {
  const int port = DeadPort();
  const SpanRecord s = CallAndGetSpan("http://user:secret@127.0.0.1:" + std::to_string(port) + "/issues?token=x#frag");
  EXPECT_EQ(StringOf(s, "server.address"), "127.0.0.1");
  EXPECT_EQ(IntOf(s, "server.port"), port);
  EXPECT_EQ(StringOf(s, "url.full"),
            "http://REDACTED:REDACTED@127.0.0.1:" + std::to_string(port) + "/issues?token=REDACTED");
  EXPECT_EQ(StringOf(s, "error.type"), "connection_error");
  // The failure is also an exception event, as the semantic conventions name it.
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "exception");
  const std::optional<Attribute> type = s.events[0].attributes.Find("exception.type");
  const std::optional<Attribute> message = s.events[0].attributes.Find("exception.message");
  ASSERT_TRUE(type.has_value());
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(std::get<std::string>(type->value), "libcurl error 7");  // CURLE_COULDNT_CONNECT
  EXPECT_EQ(std::get<std::string>(message->value), "Couldn't connect to server");
}

TEST(HttpClientSpanTest, Ipv6HostWithoutBrackets) {
  const int port = DeadPort();
  const SpanRecord v6 = CallAndGetSpan("http://u@[::1]:" + std::to_string(port) + "/x");
  EXPECT_EQ(StringOf(v6, "server.address"), "::1");
  EXPECT_EQ(IntOf(v6, "server.port"), port);
}

}  // namespace
}  // namespace qtrace::client
