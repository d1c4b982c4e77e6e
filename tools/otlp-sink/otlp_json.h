// OTLP/JSON (the http/json protocol) to and from the protobuf messages.
//
// The OTLP JSON mapping is protobuf's canonical JSON with two differences:
// trace and span ids are hex strings (not base64), and enums are integers.
// Parsing therefore rewrites the id fields to base64 and then lets
// protobuf's JSON parser do the rest; unknown fields are ignored, as the
// specification asks of receivers.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace qtrace::sink {

absl::StatusOr<opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest> ParseOtlpJson(
    std::string_view json);

}  // namespace qtrace::sink
