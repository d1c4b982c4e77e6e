#include "tools/otlp-sink/grpc_receiver.h"

#include <mutex>

#include "qtrace/exporter/grpc_channel.h"
#include "google/rpc/retry_info.pb.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "qtrace/sdk/common/file.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace::sink {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;

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

// The Export method as raw bytes on grpc++'s asynchronous API, served by our
// own threads: each request is decoded on a protobuf arena (one block per
// request instead of an allocation per span, attribute and string, which was
// most of the sink's CPU), and the threads exist before the first call. (The
// callback API does the same decoding in fewer lines, but stalled the first
// call on each new connection by about 90 ms.)
class GrpcReceiver::Service final
    : public collector::TraceService::WithRawMethod_Export<collector::TraceService::Service> {
 public:
  explicit Service(Receiver& receiver) : receiver_(receiver) {}

  // What one request gets back: a status, and with OK a response message.
  grpc::Status Handle(const grpc::ByteBuffer& request_bytes, grpc::ByteBuffer& response_bytes) {
    google::protobuf::Arena arena;
    auto* request = google::protobuf::Arena::CreateMessage<collector::ExportTraceServiceRequest>(&arena);
    grpc::ByteBuffer copy(request_bytes);  // shares the slices; Deserialize consumes its argument
    const std::int64_t size = static_cast<std::int64_t>(request_bytes.Length());
    if (!grpc::SerializationTraits<collector::ExportTraceServiceRequest>::Deserialize(&copy, request).ok()) {
      receiver_.CountBadRequest(size);
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "body is not an ExportTraceServiceRequest");
    }
    const Outcome outcome = receiver_.Handle(*request, "grpc", size);
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
    collector::ExportTraceServiceResponse answer;
    if (outcome.rejected_spans > 0) {
      answer.mutable_partial_success()->set_rejected_spans(outcome.rejected_spans);
      answer.mutable_partial_success()->set_error_message(outcome.message);
    }
    bool own_buffer = false;
    return grpc::SerializationTraits<collector::ExportTraceServiceResponse>::Serialize(answer, &response_bytes,
                                                                                      &own_buffer);
  }

  // Runs post, which hands an operation to the completion queue, unless the
  // receiver is shutting down: a queue must get nothing after its Shutdown.
  template <class Post>
  bool IfAccepting(Post post) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!accepting_) return false;
    post();
    return true;
  }
  void StopAccepting() {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = false;
  }

 private:
  Receiver& receiver_;
  std::mutex mu_;
  bool accepting_ = true;  // guarded by mu_
};

// One Export call from request to answer. Its address is the completion
// queue tag: ownership goes to the queue while an operation is pending and
// comes back with the event.
class GrpcReceiver::ExportCall {
 public:
  // Asks for the next incoming call; the queue holds the new object.
  static void Arm(Service& service, grpc::ServerCompletionQueue& queue) {
    auto call = std::unique_ptr<ExportCall>(new ExportCall(service, queue));
    service.IfAccepting([&] {
      ExportCall* tag = call.release();
      service.RequestExport(&tag->context_, &tag->request_, &tag->responder_, &queue, &queue, tag);
    });
  }

  // The event for tag (ok false: the server is shutting down). Takes the
  // object back, and gives it to the queue again while the answer is sent.
  static void OnEvent(void* tag, bool ok) {
    std::unique_ptr<ExportCall> call(static_cast<ExportCall*>(tag));
    if (!ok || call->answered_) return;  // done: the object is freed here
    Arm(call->service_, call->queue_);   // the next caller is not kept waiting
    grpc::ByteBuffer response;
    const grpc::Status status = call->service_.Handle(call->request_, response);
    call->answered_ = true;
    call->service_.IfAccepting([&] {
      ExportCall* self = call.release();
      if (status.ok()) {
        self->responder_.Finish(response, status, self);
      } else {
        self->responder_.FinishWithError(status, self);
      }
    });
  }

 private:
  ExportCall(Service& service, grpc::ServerCompletionQueue& queue)
      : service_(service), queue_(queue), responder_(&context_) {}

  Service& service_;
  grpc::ServerCompletionQueue& queue_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncResponseWriter<grpc::ByteBuffer> responder_;
  bool answered_ = false;
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
  out->queue_ = builder.AddCompletionQueue();
  out->server_ = builder.BuildAndStart();
  if (out->server_ == nullptr || out->port_ == 0) {
    return absl::UnavailableError(StrCat("gRPC cannot listen on ", address));
  }
  // One pending call per thread, so that as many requests as threads are
  // served at once (a --delay-ms fault holds its thread).
  for (int i = 0; i < kThreads; ++i) ExportCall::Arm(*out->service_, *out->queue_);
  for (int i = 0; i < kThreads; ++i) {
    out->threads_.emplace_back([queue = out->queue_.get()] {
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok)) ExportCall::OnEvent(tag, ok);
    });
  }
  return out;
}

GrpcReceiver::~GrpcReceiver() { Shutdown(absl::ZeroDuration()); }

void GrpcReceiver::Shutdown(absl::Duration deadline) {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  // After the server: the queue then delivers every pending call with ok
  // false, the threads free them and end.
  service_->StopAccepting();
  queue_->Shutdown();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  server_.reset();
}

}  // namespace qtrace::sink
