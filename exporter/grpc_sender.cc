#include "exporter/grpc_sender.h"

#include <grpc/support/log.h>

#include <grpcpp/generic/generic_stub.h>

#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "exporter/otlp_response.h"
#include "exporter/retry.h"
#include "exporter/tls_probe.h"
#include "qtrace/version.h"
#include "sdk/diagnostics.h"
#include "sdk/otlp_endpoint.h"
#include "sdk/strings.h"

namespace qtrace {
namespace {

constexpr char kExportMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(StrCat("cannot read '", path, "'"));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

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

// gRPC's own log lines (gpr_log) go through our diagnostics, so that a
// service's stderr stays one JSON object per line. gRPC logs a failed
// handshake once per connection attempt: held to one line per 10 s.
void ForwardGrpcLog(gpr_log_func_args* args) {
  static std::mutex mu;
  static RateLimitedDiagnostic limiter;
  const LogLevel level = args->severity == GPR_LOG_SEVERITY_ERROR  ? LogLevel::kWarn
                         : args->severity == GPR_LOG_SEVERITY_INFO ? LogLevel::kInfo
                                                                   : LogLevel::kDebug;
  std::string_view file = args->file != nullptr ? args->file : "";
  if (const std::size_t slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  const std::string message = StrCat("grpc: ", args->message != nullptr ? args->message : "", " (", file, ":",
                                     args->line, ")");
  std::lock_guard<std::mutex> lock(mu);
  limiter.Report(level, message);
}

std::string ByteBufferToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcSender>> GrpcSender::Create(GrpcSenderOptions options) {
  static std::once_flag log_routed;
  std::call_once(log_routed, [] {
    gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
    gpr_set_log_function(&ForwardGrpcLog);
  });
  absl::StatusOr<ParsedEndpoint> endpoint = ParseGrpcEndpoint(options.endpoint);
  if (!endpoint.ok()) return endpoint.status();
  const bool uses_tls = GrpcUsesTls(*endpoint, options.insecure);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (!uses_tls) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions tls;
    if (!options.ca_file.empty()) {
      auto ca = ReadFile(options.ca_file);
      if (!ca.ok()) return ca.status();
      tls.pem_root_certs = *ca;
    }
    if (!options.client_certificate_file.empty()) {
      auto cert = ReadFile(options.client_certificate_file);
      auto key = ReadFile(options.client_key_file);
      if (!cert.ok()) return cert.status();
      if (!key.ok()) return key.status();
      tls.pem_cert_chain = *cert;
      tls.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(tls);
  }
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix("qtrace-OTLP-Exporter-Cpp/" QTRACE_VERSION);
  args.SetMaxSendMessageSize(64 * 1024 * 1024 + 1024);
  // While the collector is down the channel reconnects on gRPC's own back-off,
  // which grows to two minutes; an export retried meanwhile fails at once
  // without trying. Capping it at our first retry delay leaves the retry
  // policy alone to decide when export resumes after an outage.
  const int reconnect_ms = static_cast<int>(absl::ToInt64Milliseconds(RetryPolicy{}.initial_backoff));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, reconnect_ms);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, reconnect_ms);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, reconnect_ms);
  const std::string host = endpoint->host.find(':') != std::string::npos ? StrCat("[", endpoint->host, "]") : endpoint->host;
  std::unique_ptr<GrpcSender> sender(new GrpcSender(std::move(options), uses_tls));
  sender->channel_ = grpc::CreateCustomChannel(StrCat(host, ":", static_cast<int>(endpoint->port)), credentials, args);
  sender->stub_ = std::make_unique<grpc::GenericStub>(sender->channel_);
  return sender;
}

std::string GrpcSender::Describe() const { return StrCat("grpc ", options_.endpoint); }

void GrpcSender::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (in_flight_ != nullptr) in_flight_->TryCancel();
}

SendOutcome GrpcSender::Send(std::string_view body, absl::Time deadline) {
  const absl::Time attempt_deadline = std::min(deadline, absl::Now() + options_.timeout);
  if (attempt_deadline <= absl::Now()) return SendOutcome::Retryable("no time left before the export deadline");
  grpc::ClientContext context;
  if (attempt_deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(attempt_deadline));
  if (options_.gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  for (const auto& [key, value] : options_.headers) context.AddMetadata(key, value);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return SendOutcome::Retryable("cancelled");
    in_flight_ = &context;
  }

  grpc::Slice slice(body.data(), body.size());
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::CompletionQueue cq;
  auto call = stub_->PrepareUnaryCall(&context, kExportMethod, request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ = nullptr;
  }

  if (status.ok()) {
    const PartialSuccess partial = ParsePartialSuccessProtobuf(ByteBufferToString(response));
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
