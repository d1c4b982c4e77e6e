// OTLP endpoint URLs: validation and the specification's rule for building the
// traces URL from a base endpoint. Used by the configuration (to refuse a
// malformed URL at start-up) and by the senders (to connect).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace qtrace {

struct ParsedEndpoint {
  std::string scheme;  // "http" or "https"; empty for a gRPC "host:port"
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string path;    // "/" when absent
};

// Accepts http:// and https:// URLs with a host, an optional port (1-65535)
// and an optional path. No user info, query or fragment.
absl::StatusOr<ParsedEndpoint> ParseEndpoint(std::string_view url);

// A gRPC endpoint: a URL as above, or "host:port" without a scheme (the form
// of most Collector examples; the port defaults to 4317).
absl::StatusOr<ParsedEndpoint> ParseGrpcEndpoint(std::string_view endpoint);

// Whether a gRPC connection to endpoint uses TLS (the specification's rule):
// https:// always, http:// never, and without a scheme unless insecure
// (OTEL_EXPORTER_OTLP_INSECURE) is set. insecure never weakens https://.
bool GrpcUsesTls(const ParsedEndpoint& endpoint, bool insecure);

// OTEL_EXPORTER_OTLP_ENDPOINT rule: base + "/v1/traces", with one slash.
std::string AppendTracesPath(std::string_view base);

// --otlp-endpoint: a URL whose path already ends in /v1/traces is used as it
// is; any other URL is a base endpoint.
std::string TracesUrlFromFlag(std::string_view url);

}  // namespace qtrace
