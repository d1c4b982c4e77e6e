#include "tools/otlp-sink/grpc_receiver.h"

#include <fstream>
#include <sstream>

#include "google/rpc/retry_info.pb.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "sdk/strings.h"

namespace qtrace::sink {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read '", path, "'"));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

grpc::Status ThrottledStatus(std::int64_t retry_after_seconds, const std::string& message) {
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(retry_after_seconds);
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::RESOURCE_EXHAUSTED);
  details.set_message(message);
  details.add_details()->PackFrom(retry);
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, message, details.SerializeAsString());
}

}  // namespace

class GrpcReceiver::Service final : public collector::TraceService::Service {
 public:
  explicit Service(Receiver& receiver) : receiver_(receiver) {}

  grpc::Status Export(grpc::ServerContext*, const collector::ExportTraceServiceRequest* request,
                      collector::ExportTraceServiceResponse* response) override {
    const Outcome outcome =
        receiver_.Handle(*request, "grpc", static_cast<std::int64_t>(request->ByteSizeLong()));
    switch (outcome.action) {
      case FaultAction::kUnavailable:
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, outcome.message);
      case FaultAction::kThrottle:
        return ThrottledStatus(receiver_.fault_options().retry_after_seconds, outcome.message);
      case FaultAction::kBadRequest:
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, outcome.message);
      case FaultAction::kAccept:
        break;
    }
    if (outcome.rejected_spans > 0) {
      response->mutable_partial_success()->set_rejected_spans(outcome.rejected_spans);
      response->mutable_partial_success()->set_error_message(outcome.message);
    }
    return grpc::Status::OK;
  }

 private:
  Receiver& receiver_;
};

absl::StatusOr<std::unique_ptr<GrpcReceiver>> GrpcReceiver::Start(const std::string& address, const GrpcTls* tls,
                                                                  Receiver& receiver) {
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (tls != nullptr) {
    auto cert = ReadFile(tls->cert_file);
    auto key = ReadFile(tls->key_file);
    if (!cert.ok()) return cert.status();
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions options;
    options.pem_key_cert_pairs.push_back({*key, *cert});
    if (!tls->client_ca_file.empty()) {
      auto ca = ReadFile(tls->client_ca_file);
      if (!ca.ok()) return ca.status();
      options.pem_root_certs = *ca;
      options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    credentials = grpc::SslServerCredentials(options);
  }
  std::unique_ptr<GrpcReceiver> out(new GrpcReceiver());
  out->service_ = std::make_unique<Service>(receiver);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, credentials, &out->port_);
  builder.RegisterService(out->service_.get());
  builder.SetMaxReceiveMessageSize(64 * 1024 * 1024 + 1024);
  out->server_ = builder.BuildAndStart();
  if (out->server_ == nullptr || out->port_ == 0) {
    return absl::UnavailableError(StrCat("gRPC cannot listen on ", address));
  }
  return out;
}

GrpcReceiver::~GrpcReceiver() {
  if (server_) Shutdown(absl::ZeroDuration());
}

void GrpcReceiver::Shutdown(absl::Duration deadline) {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  server_.reset();
}

}  // namespace qtrace::sink
