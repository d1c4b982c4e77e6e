// Reading what a collector answers, without the generated protobuf classes:
// the partial success of an ExportTraceServiceResponse (protobuf or JSON) and
// the retry delay of a gRPC google.rpc.RetryInfo status detail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace qtrace {

struct PartialSuccess {
  std::int64_t rejected_spans = 0;
  std::string error_message;
};

// Malformed input reads as "no partial success": the export did succeed.
PartialSuccess ParsePartialSuccessProtobuf(std::string_view bytes);
PartialSuccess ParsePartialSuccessJson(std::string_view json);

// bytes: a serialized google.rpc.Status (the grpc-status-details-bin trailer).
// The retry delay of its first google.rpc.RetryInfo detail, if any.
std::optional<absl::Duration> ParseRetryInfo(std::string_view status_bytes);

// An HTTP Retry-After value: delay-seconds or an HTTP-date (then relative to now).
std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now);

}  // namespace qtrace
