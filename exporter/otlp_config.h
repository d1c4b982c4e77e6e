// OtlpConfig: where and how spans leave the process, resolved once at
// start-up from OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_* (the _TRACES_ form
// of each wins over the general one), OTEL_EXPORTER_ZIPKIN_*, and the
// --otlp-protocol and --otlp-endpoint flags over them.
//
// Resolution rules (the README has the full table):
//  * An invalid value gives one warning naming the variable, and the default
//    is used, as the specification asks. Header values are never echoed: they
//    usually hold credentials.
//  * A value that would leave the service unable to export (a malformed
//    endpoint URL, a certificate file that cannot be read, a client key
//    without its certificate) is an error: the caller prints it and exits.
//  * The endpoint rule: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is;
//    OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended for HTTP.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "qtrace/sdk/config.h"

namespace qtrace {

// Where spans go: the OTLP transports, Zipkin's v2 JSON API, readable lines on
// stdout, or nowhere.
enum class ExportProtocol : std::uint8_t { kGrpc, kHttpProtobuf, kHttpJson, kZipkin, kConsole, kNone };
enum class Compression : std::uint8_t { kNone, kGzip };

std::string_view ToString(ExportProtocol protocol);
// grpc, http/protobuf and http/json: the protocols OTEL_EXPORTER_OTLP_* apply to.
bool IsOtlp(ExportProtocol protocol);

// The on-disk spool (exporter/spool.h): where batches wait during an outage
// or after a shutdown that ran out of time. An empty dir means no spool.
struct SpoolConfig {
  std::string dir;                                     // QTRACE_SPOOL_DIR ("none": no spool)
  std::uint64_t max_bytes = std::uint64_t{256} << 20;  // QTRACE_SPOOL_MAX_BYTES
  absl::Duration max_age = absl::Hours(24);            // QTRACE_SPOOL_MAX_AGE ("90m", "24h", "7d" is not: use "168h")
};

struct OtlpConfig {
  ExportProtocol protocol = ExportProtocol::kHttpProtobuf;
  // The full URL spans are sent to (for HTTP, including /v1/traces; for
  // Zipkin, OTEL_EXPORTER_ZIPKIN_ENDPOINT).
  std::string endpoint = "http://localhost:4318/v1/traces";
  std::vector<std::pair<std::string, std::string>> headers;  // values are secrets
  absl::Duration timeout = absl::Seconds(10);
  Compression compression = Compression::kNone;
  std::string certificate_file;         // CA bundle to trust instead of the system roots
  std::string client_key_file;          // mTLS
  std::string client_certificate_file;  // mTLS
  bool insecure = false;                // gRPC: plaintext even without an http:// scheme
  SpoolConfig spool;
};

// The exporter's settings from env and flags (flags.otlp_protocol and
// flags.otlp_endpoint; the other flags are the SDK's). Warnings are appended
// to warnings; an error for a setting that makes export impossible.
// default_spool_dir is the application's spool directory when
// QTRACE_SPOOL_DIR is unset (empty: no spool, the engine's default).
absl::StatusOr<OtlpConfig> ResolveOtlpConfig(const EnvLookup& env, const TracingFlags& flags,
                                             std::vector<std::string>& warnings,
                                             std::string_view default_spool_dir = {});

}  // namespace qtrace
