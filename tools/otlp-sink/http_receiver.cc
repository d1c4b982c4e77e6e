#include "tools/otlp-sink/http_receiver.h"

#include "qtrace/exporter/gzip.h"
#include "google/rpc/status.pb.h"
#include "qtrace/sdk/common/json_writer.h"
#include "qtrace/sdk/common/strings.h"
#include "tools/otlp-sink/otlp_json.h"

namespace qtrace::sink {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;

constexpr std::size_t kMaxInflatedBody = 64 * 1024 * 1024;

// An error answer in the request's encoding: a google.rpc.Status, as the
// OTLP/HTTP specification asks.
http::HttpResponse ErrorAnswer(int status, std::string_view message, bool json) {
  http::HttpResponse r;
  r.status = status;
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("code").Int(status).Key("message").String(message).EndObject();
    r.body = w.str();
    r.SetHeader("content-type", "application/json");
  } else {
    google::rpc::Status s;
    s.set_message(std::string(message));
    r.body = s.SerializeAsString();
    r.SetHeader("content-type", "application/x-protobuf");
  }
  return r;
}

http::HttpResponse SuccessAnswer(const Outcome& outcome, bool json) {
  http::HttpResponse r;
  if (json) {
    JsonWriter w;
    w.BeginObject();
    if (outcome.rejected_spans > 0) {
      w.Key("partialSuccess").BeginObject();
      w.Key("rejectedSpans").String(std::to_string(outcome.rejected_spans));
      w.Key("errorMessage").String(outcome.message).EndObject();
    }
    w.EndObject();
    r.body = w.str();
    r.SetHeader("content-type", "application/json");
  } else {
    collector::ExportTraceServiceResponse response;
    if (outcome.rejected_spans > 0) {
      response.mutable_partial_success()->set_rejected_spans(outcome.rejected_spans);
      response.mutable_partial_success()->set_error_message(outcome.message);
    }
    r.body = response.SerializeAsString();
    r.SetHeader("content-type", "application/x-protobuf");
  }
  return r;
}

http::HttpResponse HandleExport(http::HttpRequest& request, Receiver& receiver) {
  const std::string content_type = ToLower(request.Header("content-type").value_or(""));
  const bool json = StartsWith(content_type, "application/json");
  const std::int64_t wire_bytes = static_cast<std::int64_t>(request.body.size());
  if (!json && !StartsWith(content_type, "application/x-protobuf")) {
    receiver.CountBadRequest(wire_bytes);
    return ErrorAnswer(415, "content-type must be application/x-protobuf or application/json", false);
  }
  std::string inflated;
  std::string_view body = request.body;
  const std::string encoding = ToLower(request.Header("content-encoding").value_or("identity"));
  if (encoding == "gzip") {
    absl::StatusOr<std::string> plain = GzipDecompress(body, kMaxInflatedBody);
    if (!plain.ok()) {
      receiver.CountBadRequest(wire_bytes);
      return ErrorAnswer(400, MessageOf(plain.status()), json);
    }
    inflated = std::move(*plain);
    body = inflated;
  } else if (encoding != "identity") {
    receiver.CountBadRequest(wire_bytes);
    return ErrorAnswer(415, "unsupported content-encoding", json);
  }

  // Protobuf is decoded on an arena, as over gRPC (grpc_receiver.cc says
  // why); the JSON parser builds its own message, used as it is.
  google::protobuf::Arena arena;
  absl::StatusOr<collector::ExportTraceServiceRequest> parsed_json;
  const collector::ExportTraceServiceRequest* export_request = nullptr;
  if (json) {
    parsed_json = ParseOtlpJson(body);
    if (!parsed_json.ok()) {
      receiver.CountBadRequest(wire_bytes);
      return ErrorAnswer(400, MessageOf(parsed_json.status()), json);
    }
    export_request = &*parsed_json;
  } else {
    auto* decoded = google::protobuf::Arena::CreateMessage<collector::ExportTraceServiceRequest>(&arena);
    if (!decoded->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      receiver.CountBadRequest(wire_bytes);
      return ErrorAnswer(400, "body is not an ExportTraceServiceRequest", json);
    }
    export_request = decoded;
  }

  const Outcome outcome = receiver.Handle(*export_request, json ? "http/json" : "http/protobuf", wire_bytes);
  switch (outcome.action) {
    case FaultAction::kUnavailable:
      return ErrorAnswer(503, outcome.message, json);
    case FaultAction::kThrottle: {
      http::HttpResponse r = ErrorAnswer(429, outcome.message, json);
      r.SetHeader("retry-after", std::to_string(receiver.fault_options().retry_after_seconds));
      return r;
    }
    case FaultAction::kBadRequest:
      return ErrorAnswer(400, outcome.message, json);
    case FaultAction::kAccept:
      break;
  }
  return SuccessAnswer(outcome, json);
}

}  // namespace

void AddOtlpHttpRoutes(http::Router& router, Receiver& receiver) {
  router.Add("POST", "/v1/traces", [&receiver](http::HttpRequest& request) { return HandleExport(request, receiver); },
             http::Execution::kBlocking);
}

}  // namespace qtrace::sink
