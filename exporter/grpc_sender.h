// GrpcSender: OTLP over gRPC (TraceService/Export). The request is sent as
// the bytes the encoder already made, through grpc's generic stub: no second
// serialization through generated classes.
//
//  * The channel (TLS, mTLS, reconnect back-off) as exporter/grpc_channel.h
//    builds it; plaintext for http:// or OTEL_EXPORTER_OTLP_INSECURE=true.
//  * Headers become call metadata; gzip is gRPC's own message compression.
//  * Retryable codes: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE,
//    UNAVAILABLE, DATA_LOSS, and RESOURCE_EXHAUSTED only when the server sent
//    RetryInfo (whose delay is honoured). A failed TLS handshake is permanent.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "qtrace/exporter/grpc_channel.h"
#include "qtrace/exporter/sender.h"
#include "qtrace/exporter/tls_probe.h"

namespace qtrace {

struct GrpcSenderOptions {
  std::string endpoint;  // http(s)://host:port
  bool insecure = false;
  bool gzip = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string ca_file;
  std::string client_certificate_file;
  std::string client_key_file;
  absl::Duration timeout = absl::Seconds(10);  // per attempt
};

class GrpcSender final : public Sender {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcSender>> Create(GrpcSenderOptions options);

  SendOutcome Send(std::string_view body, absl::Time deadline) override;
  void Cancel() override;
  std::string Describe() const override;
  // Whether the channel was given TLS credentials (see GrpcUsesTls).
  bool uses_tls() const { return uses_tls_; }

 private:
  GrpcSender(GrpcSenderOptions options, GrpcChannel channel)
      : options_(std::move(options)), uses_tls_(channel.uses_tls), caller_(std::move(channel.channel)) {}
  // After an UNAVAILABLE over TLS without a client certificate: whether the
  // collector demands one (exporter/tls_probe.h). Exporter thread only.
  bool ClientCertificateMissing();

  const GrpcSenderOptions options_;
  const bool uses_tls_;  // the channel has TLS credentials
  GrpcUnaryCaller caller_;
  ClientCertificateDiagnosis certificate_diagnosis_;
};

// What a failed call means for the retry loop, by the OTLP specification's
// list of retryable codes. A TLS handshake failure (wrong CA, bad client
// certificate) is permanent: retrying cannot fix it, and the reason names the
// endpoint. Exposed for tests.
SendOutcome GrpcFailureOutcome(const grpc::Status& status, bool uses_tls, const std::string& endpoint);

}  // namespace qtrace
