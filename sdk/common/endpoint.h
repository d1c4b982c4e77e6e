// Endpoint URLs of the services the engine talks to (an OTLP collector,
// Jaeger's sampling service, Zipkin): validation and their parts. Used by the
// configuration (to refuse a malformed URL at start-up) and by the senders (to
// connect). The OTLP rules built on them (the traces path, when gRPC uses TLS)
// are in exporter/otlp_config.h.
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

}  // namespace qtrace
