#include "qtrace/exporter/grpc_sender.h"

#include "absl/time/clock.h"
#include "qtrace/exporter/otlp_response.h"
#include "qtrace/exporter/retry.h"
#include "qtrace/exporter/tls_probe.h"
#include "qtrace/sdk/common/endpoint.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

constexpr char kExportMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

bool IsRetryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

// gRPC reports a failed TLS handshake as UNAVAILABLE, like a refused
// connection; only the message tells them apart. A refused or reset TCP
// connection reads "tcp handshaker shutdown" or "Connection refused", so the
// word "handshake" alone says nothing: only TLS words count.
bool LooksLikeTlsFailure(const std::string& message) {
  const std::string lower = ToLower(message);
  return lower.find("certificate") != std::string::npos || lower.find("ssl") != std::string::npos ||
         lower.find("tls") != std::string::npos;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcSender>> GrpcSender::Create(GrpcSenderOptions options) {
  auto channel = MakeGrpcChannel({options.endpoint, options.insecure, options.ca_file,
                                  options.client_certificate_file, options.client_key_file});
  if (!channel.ok()) return channel.status();
  return std::unique_ptr<GrpcSender>(new GrpcSender(std::move(options), *std::move(channel)));
}

std::string GrpcSender::Describe() const { return StrCat("grpc ", options_.endpoint); }

void GrpcSender::Cancel() { caller_.Cancel(); }

SendOutcome GrpcSender::Send(std::string_view body, absl::Time deadline) {
  const absl::Time attempt_deadline = std::min(deadline, absl::Now() + options_.timeout);
  if (attempt_deadline <= absl::Now()) return SendOutcome::Retryable("no time left before the export deadline");
  GrpcUnaryCaller::Result result = caller_.Call(kExportMethod, body, attempt_deadline, [this](grpc::ClientContext& context) {
    if (options_.gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [key, value] : options_.headers) context.AddMetadata(key, value);
  });
  const grpc::Status& status = result.status;
  if (status.ok()) {
    const PartialSuccess partial = ParsePartialSuccessProtobuf(result.response);
    SendOutcome out = SendOutcome::Ok();
    out.rejected_spans = partial.rejected_spans;
    out.partial_message = partial.error_message;
    return out;
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && ClientCertificateMissing()) {
    return SendOutcome::Permanent(ClientCertificateDiagnosis::Message(options_.endpoint));
  }
  return GrpcFailureOutcome(status, uses_tls_, options_.endpoint);
}

bool GrpcSender::ClientCertificateMissing() {
  if (!uses_tls_ || !options_.client_certificate_file.empty()) return false;
  absl::StatusOr<ParsedEndpoint> endpoint = ParseGrpcEndpoint(options_.endpoint);
  return endpoint.ok() && certificate_diagnosis_.Required(endpoint->host, endpoint->port);
}

SendOutcome GrpcFailureOutcome(const grpc::Status& status, bool uses_tls, const std::string& endpoint) {
  const std::string reason =
      StrCat("gRPC ", static_cast<int>(status.error_code()), " ", status.error_message(), " (", endpoint, ")");
  const std::optional<absl::Duration> retry_after = ParseRetryInfo(status.error_details());
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    return retry_after ? SendOutcome::Retryable(reason, retry_after) : SendOutcome::Permanent(reason);
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && uses_tls && LooksLikeTlsFailure(status.error_message())) {
    return SendOutcome::Permanent(StrCat("TLS handshake with ", endpoint, " failed: ", status.error_message()));
  }
  if (IsRetryable(status.error_code())) return SendOutcome::Retryable(reason, retry_after);
  return SendOutcome::Permanent(reason);
}

}  // namespace qtrace
