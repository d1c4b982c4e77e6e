// The exporter's configuration (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_*,
// OTEL_EXPORTER_ZIPKIN_*, --otlp-*), resolved with the SDK's through
// ResolveTracingConfig as an application does.
#include "qtrace/exporter/otlp_config.h"

#include <fstream>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sdk/env_helpers.h"
#include "qtrace/exporter/grpc_channel.h"
#include "qtrace/exporter/tracing_setup.h"

namespace qtrace {
namespace {

using ::testing::HasSubstr;

using testutil::HasWarningAbout;
using testutil::MapEnv;

ResolvedTracingConfig Resolve(std::map<std::string, std::string> vars, TracingFlags flags = {}) {
  absl::StatusOr<ResolvedTracingConfig> r = ResolveTracingConfig(MapEnv(std::move(vars)), flags);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ResolvedTracingConfig{};
}

TEST(OtlpConfigTest, Defaults) {
  const ResolvedTracingConfig r = Resolve({});
  EXPECT_TRUE(r.warnings.empty());
  const OtlpConfig& o = r.config.otlp;
  EXPECT_EQ(o.protocol, ExportProtocol::kHttpProtobuf);
  EXPECT_EQ(o.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(o.timeout, absl::Seconds(10));
  EXPECT_EQ(o.compression, Compression::kNone);
  EXPECT_FALSE(o.insecure);
}

TEST(OtlpConfigTest, EnvironmentOverrides) {
  const ResolvedTracingConfig r = Resolve({
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example:4317"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
      {"OTEL_EXPORTER_OTLP_INSECURE", "TRUE"},
  });
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  const OtlpConfig& o = r.config.otlp;
  EXPECT_EQ(o.protocol, ExportProtocol::kGrpc);
  EXPECT_EQ(o.endpoint, "https://collector.example:4317") << "gRPC endpoints are used as they are";
  EXPECT_EQ(o.timeout, absl::Milliseconds(2500));
  EXPECT_EQ(o.compression, Compression::kGzip);
  EXPECT_TRUE(o.insecure);
}

TEST(OtlpConfigTest, EnumValuesAreCaseInsensitive) {
  EXPECT_EQ(Resolve({{"OTEL_EXPORTER_OTLP_PROTOCOL", "GRPC"}}).config.otlp.protocol, ExportProtocol::kGrpc);
  EXPECT_EQ(Resolve({{"OTEL_EXPORTER_OTLP_PROTOCOL", "HTTP/JSON"}}).config.otlp.protocol, ExportProtocol::kHttpJson);
  EXPECT_EQ(Resolve({{"OTEL_TRACES_EXPORTER", "Console"}}).config.otlp.protocol, ExportProtocol::kConsole);
}

TEST(OtlpConfigTest, InvalidValuesWarnAndKeepDefaults) {
  const ResolvedTracingConfig r = Resolve({
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"},
      {"OTEL_TRACES_EXPORTER", "jaeger"},
  });
  EXPECT_EQ(r.config.otlp.compression, Compression::kNone);
  EXPECT_EQ(r.config.otlp.protocol, ExportProtocol::kHttpProtobuf);
  EXPECT_EQ(r.warnings.size(), 3u);
  for (const char* v : {"OTEL_EXPORTER_OTLP_COMPRESSION='brotli'", "OTEL_EXPORTER_OTLP_PROTOCOL='carrier-pigeon'",
                        "OTEL_TRACES_EXPORTER='jaeger'"}) {
    EXPECT_TRUE(HasWarningAbout(r, v)) << v;
  }
}

// A timeout of 0 means no limit (configuration/common.md).
TEST(OtlpConfigTest, ZeroTimeoutMeansNoLimit) {
  const ResolvedTracingConfig r = Resolve({{"OTEL_EXPORTER_OTLP_TIMEOUT", "0"}});
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.config.otlp.timeout, absl::InfiniteDuration());
  EXPECT_THAT(TracingConfigToJson(r.config), HasSubstr("\"timeout_ms\":0"));
}

TEST(OtlpConfigTest, FlagsOverrideEnvironment) {
  TracingFlags flags;
  ASSERT_TRUE(ParseTracingFlag("otlp-protocol", "grpc", flags));
  ASSERT_TRUE(ParseTracingFlag("otlp-endpoint", "http://127.0.0.1:14317", flags));
  const TracingConfig c =
      Resolve({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}, {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://other:4318"}},
              flags)
          .config;
  EXPECT_EQ(c.otlp.protocol, ExportProtocol::kGrpc);
  EXPECT_EQ(c.otlp.endpoint, "http://127.0.0.1:14317");
}

TEST(OtlpConfigTest, BadProtocolFlagIsAnError) {
  TracingFlags flags;
  ParseTracingFlag("otlp-protocol", "smoke-signals", flags);
  const auto r = ResolveTracingConfig(MapEnv({}), flags);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("smoke-signals"));
}

// The print-config object: the SDK's members and "exporter", header values
// redacted (they usually hold API keys).
TEST(OtlpConfigTest, JsonRedactsHeaderValues) {
  const TracingConfig c = Resolve({{"OTEL_EXPORTER_OTLP_HEADERS", "api-key=supersecret"}}).config;
  const std::string json = TracingConfigToJson(c);
  EXPECT_THAT(json, HasSubstr("\"exporter\":{\"protocol\":\"http/protobuf\""));
  EXPECT_THAT(json, HasSubstr("\"api-key\":\"<redacted>\""));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("supersecret")));
  EXPECT_THAT(json, HasSubstr("\"sampler\":{"));
  EXPECT_THAT(json, HasSubstr("\"log_level\":\"info\""));
}

// OTEL_TRACES_EXPORTER=zipkin and the specification's Zipkin variables; the
// OTLP endpoint and timeout do not apply to it.
TEST(OtlpConfigTest, ZipkinExporter) {
  const TracingConfig d = Resolve({{"OTEL_TRACES_EXPORTER", "zipkin"}, {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://otlp:4318"}}).config;
  EXPECT_EQ(d.otlp.protocol, ExportProtocol::kZipkin);
  EXPECT_EQ(d.otlp.endpoint, "http://localhost:9411/api/v2/spans");
  EXPECT_EQ(d.otlp.timeout, absl::Seconds(10));
  const TracingConfig c = Resolve({{"OTEL_TRACES_EXPORTER", "zipkin"},
                            {"OTEL_EXPORTER_ZIPKIN_ENDPOINT", "https://zipkin.example:9411/api/v2/spans"},
                            {"OTEL_EXPORTER_ZIPKIN_TIMEOUT", "2500"}}).config;
  EXPECT_EQ(c.otlp.endpoint, "https://zipkin.example:9411/api/v2/spans");
  EXPECT_EQ(c.otlp.timeout, absl::Milliseconds(2500));
  EXPECT_THAT(TracingConfigToJson(c), HasSubstr("\"protocol\":\"zipkin\""));
  TracingFlags flags;
  flags.otlp_protocol = "zipkin";
  flags.otlp_endpoint = "http://127.0.0.1:9411/api/v2/spans";
  const TracingConfig f = Resolve({}, flags).config;
  EXPECT_EQ(f.otlp.protocol, ExportProtocol::kZipkin);
  EXPECT_EQ(f.otlp.endpoint, "http://127.0.0.1:9411/api/v2/spans");
  // zipkin names an exporter, not an OTLP protocol.
  const ResolvedTracingConfig p = Resolve({{"OTEL_EXPORTER_OTLP_PROTOCOL", "zipkin"}});
  EXPECT_EQ(p.config.otlp.protocol, ExportProtocol::kHttpProtobuf);
  EXPECT_TRUE(HasWarningAbout(p, "OTEL_EXPORTER_OTLP_PROTOCOL='zipkin'"));
  EXPECT_FALSE(ResolveTracingConfig(MapEnv({{"OTEL_TRACES_EXPORTER", "zipkin"}, {"OTEL_EXPORTER_ZIPKIN_ENDPOINT", "ftp://x"}}),
                             TracingFlags{})
                   .ok());
}

TEST(OtlpConfigTest, HttpEndpointRule) {
  EXPECT_EQ(Resolve({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}}).config.otlp.endpoint,
            "http://c:4318/v1/traces");
  EXPECT_EQ(Resolve({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/base/"}}).config.otlp.endpoint,
            "http://c:4318/base/v1/traces");
  EXPECT_EQ(Resolve({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:9999/custom"},
                     {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318"}})
                .config.otlp.endpoint,
            "http://c:9999/custom");
  EXPECT_EQ(Resolve({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}).config.otlp.endpoint, "http://localhost:4317");
}

TEST(OtlpConfigTest, TracesVariablesWinOverGeneralOnes) {
  const TracingConfig c = Resolve({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
                            {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"},
                            {"OTEL_EXPORTER_OTLP_TIMEOUT", "100"},
                            {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "200"},
                            {"OTEL_EXPORTER_OTLP_COMPRESSION", "none"},
                            {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"},
                            {"OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"},
                            {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=3"}})
                       .config;
  EXPECT_EQ(c.otlp.protocol, ExportProtocol::kHttpJson);
  EXPECT_EQ(c.otlp.timeout, absl::Milliseconds(200));
  EXPECT_EQ(c.otlp.compression, Compression::kGzip);
  EXPECT_EQ(c.otlp.headers, (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "3"}}));
}

TEST(OtlpConfigTest, HeadersArePercentDecodedAndBadEntriesHidden) {
  const ResolvedTracingConfig r =
      Resolve({{"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Basic%20c2VjcmV0, x-honeycomb-team = abc ,broken,k=%zz"}});
  EXPECT_EQ(r.config.otlp.headers, (std::vector<std::pair<std::string, std::string>>{
                                       {"authorization", "Basic c2VjcmV0"}, {"x-honeycomb-team", "abc"}}));
  ASSERT_EQ(r.warnings.size(), 2u);
  for (const std::string& w : r.warnings) {
    EXPECT_THAT(w, HasSubstr("OTEL_EXPORTER_OTLP_HEADERS"));
    EXPECT_THAT(w, ::testing::Not(HasSubstr("%zz")));
  }
}

TEST(OtlpConfigTest, ExporterChoice) {
  EXPECT_EQ(Resolve({{"OTEL_TRACES_EXPORTER", "console"}}).config.otlp.protocol, ExportProtocol::kConsole);
  EXPECT_EQ(Resolve({{"OTEL_TRACES_EXPORTER", "none"}}).config.otlp.protocol, ExportProtocol::kNone);
  EXPECT_EQ(Resolve({{"OTEL_TRACES_EXPORTER", "otlp"}, {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}).config.otlp.protocol,
            ExportProtocol::kGrpc);
}

TEST(OtlpConfigTest, EndpointFlagForHttpAddsPathOnlyWhenMissing) {
  TracingFlags flags;
  flags.otlp_endpoint = "http://c:4318";
  EXPECT_EQ(Resolve({}, flags).config.otlp.endpoint, "http://c:4318/v1/traces");
  flags.otlp_endpoint = "http://c:4318/v1/traces";
  EXPECT_EQ(Resolve({}, flags).config.otlp.endpoint, "http://c:4318/v1/traces");
}

TEST(OtlpConfigTest, MalformedEndpointIsAnError) {
  for (const char* url : {"localhost:4318", "ftp://c:21", "http://", "http://c:99999", "http://user:pw@c:4318"}) {
    const auto r = ResolveTracingConfig(MapEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", url}}), {});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("OTEL_EXPORTER_OTLP_ENDPOINT")) << url;
  }
  // A bad endpoint does not matter when nothing is sent over OTLP.
  EXPECT_TRUE(ResolveTracingConfig(MapEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "junk"}, {"OTEL_TRACES_EXPORTER", "none"}}), {}).ok());
}

// Review item 5: "collector:4317" is a valid gRPC endpoint (it used to exit 2).
TEST(OtlpConfigTest, GrpcEndpointWithoutSchemeIsAccepted) {
  const TracingConfig c = Resolve({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}, {"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"}}).config;
  EXPECT_EQ(c.otlp.endpoint, "collector:4317");
  EXPECT_FALSE(ResolveTracingConfig(MapEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"}}), {}).ok())
      << "HTTP/protobuf needs a URL";
}

TEST(OtlpConfigTest, MissingCertificateIsAnError) {
  const auto r = ResolveTracingConfig(MapEnv({{"OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"}}), {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("/nonexistent/ca.pem"));

  const std::string path = ::testing::TempDir() + "/ca.pem";
  std::ofstream(path) << "not checked here, only readable";
  const auto ok = ResolveTracingConfig(MapEnv({{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", path}}), {});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->config.otlp.certificate_file, path);
  // A client key without its certificate cannot work.
  EXPECT_FALSE(ResolveTracingConfig(MapEnv({{"OTEL_EXPORTER_OTLP_CLIENT_KEY", path}}), {}).ok());
}

TEST(OtlpConfigTest, GrpcTlsTable) {
  const ParsedEndpoint https{"https", "c", 4317, "/"};
  const ParsedEndpoint http{"http", "c", 4317, "/"};
  const ParsedEndpoint bare{"", "c", 4317, "/"};
  EXPECT_TRUE(GrpcUsesTls(https, false));
  EXPECT_TRUE(GrpcUsesTls(https, true));
  EXPECT_FALSE(GrpcUsesTls(http, false));
  EXPECT_FALSE(GrpcUsesTls(http, true));
  EXPECT_TRUE(GrpcUsesTls(bare, false));
  EXPECT_FALSE(GrpcUsesTls(bare, true));
}

}  // namespace
}  // namespace qtrace
