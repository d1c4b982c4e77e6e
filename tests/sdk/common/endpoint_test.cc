#include "qtrace/sdk/common/endpoint.h"

#include "gtest/gtest.h"

namespace qtrace {
namespace {

TEST(EndpointTest, ParsesHostPortAndPath) {
  auto e = ParseEndpoint("https://otlp.example.com:4318/v1/traces");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->scheme, "https");
  EXPECT_EQ(e->host, "otlp.example.com");
  EXPECT_EQ(e->port, 4318);
  EXPECT_EQ(e->path, "/v1/traces");
}

TEST(EndpointTest, DefaultPortsAndIpv6) {
  EXPECT_EQ(ParseEndpoint("http://c")->port, 80);
  EXPECT_EQ(ParseEndpoint("https://c")->port, 443);
  EXPECT_EQ(ParseEndpoint("http://c")->path, "/");
  auto v6 = ParseEndpoint("http://[::1]:4317");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 4317);
}

TEST(EndpointTest, RejectsMalformed) {
  for (const char* url : {"", "localhost:4317", "grpc://c:4317", "http://", "http://:80", "http://c:0",
                          "http://c:65536", "http://c:port", "http://u:p@c", "http://c/a?b=1", "http://[::1",
                          "http://c d"}) {
    EXPECT_FALSE(ParseEndpoint(url).ok()) << url;
  }
}

// Review item 5: gRPC takes "host:port" without a scheme.
TEST(EndpointTest, GrpcEndpointWithoutScheme) {
  auto e = ParseGrpcEndpoint("collector:4317");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->scheme, "");
  EXPECT_EQ(e->host, "collector");
  EXPECT_EQ(e->port, 4317);
  EXPECT_EQ(ParseGrpcEndpoint("collector")->port, 4317);
  EXPECT_EQ(ParseGrpcEndpoint("[::1]:5317")->host, "::1");
  EXPECT_EQ(ParseGrpcEndpoint("https://c:4317")->scheme, "https");
  for (const char* bad : {"", "collector:0", "collector/v1", "grpc://c:4317", "u:p@c:4317"}) {
    EXPECT_FALSE(ParseGrpcEndpoint(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseEndpoint("collector:4317").ok()) << "HTTP still needs a URL";
}

}  // namespace
}  // namespace qtrace
