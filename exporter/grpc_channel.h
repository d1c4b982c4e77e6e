// What every gRPC client of ours shares: a channel built from an endpoint and
// TLS files, and one unary call at a time through the generic stub (request
// and response as bytes; no generated classes), cancellable from another
// thread. GrpcSender sends OTLP with it, the Jaeger sampling client fetches
// strategies with it.
//
//  * Plaintext for http:// endpoints or insecure; TLS otherwise (system roots
//    or the CA file), with mTLS when a client certificate and key are given.
//  * Reconnecting after an outage waits at most our first retry delay, not
//    gRPC's own back-off of up to two minutes.
//  * gRPC's own log lines go through our diagnostics (sdk/diagnostics.h).
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "qtrace/sdk/common/endpoint.h"

namespace qtrace {

struct GrpcChannelOptions {
  std::string endpoint;  // http(s)://host:port or host:port
  bool insecure = false;  // plaintext even without an http:// scheme
  std::string ca_file;
  std::string client_certificate_file;
  std::string client_key_file;
};

struct GrpcChannel {
  std::shared_ptr<grpc::Channel> channel;
  bool uses_tls = false;  // the channel has TLS credentials (see GrpcUsesTls)
};

// Whether a gRPC connection to endpoint uses TLS (the specification's rule):
// https:// always, http:// never, and without a scheme unless insecure
// (OTEL_EXPORTER_OTLP_INSECURE) is set. insecure never weakens https://.
bool GrpcUsesTls(const ParsedEndpoint& endpoint, bool insecure);

// An error when the endpoint is malformed or a TLS file cannot be read.
absl::StatusOr<GrpcChannel> MakeGrpcChannel(const GrpcChannelOptions& options);

// One unary call at a time over a channel.
// Thread safety: Call from one thread at a time; Cancel from any thread.
class GrpcUnaryCaller {
 public:
  explicit GrpcUnaryCaller(std::shared_ptr<grpc::Channel> channel);

  struct Result {
    grpc::Status status;
    std::string response;  // the response message's bytes when status is OK
  };

  // Calls method ("/package.Service/Method") with request by deadline.
  // prepare may set metadata or compression on the call's context first.
  Result Call(std::string_view method, std::string_view request, absl::Time deadline,
              const std::function<void(grpc::ClientContext&)>& prepare = {});

  // Ends a call in progress (it returns CANCELLED); later calls return
  // CANCELLED at once.
  void Cancel();

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::mutex mu_;
  grpc::ClientContext* in_flight_ = nullptr;  // guarded by mu_
  bool cancelled_ = false;                    // guarded by mu_
};

}  // namespace qtrace
