#include "qtrace/exporter/grpc_channel.h"

#include <grpc/support/log.h>

#include <vector>

#include "qtrace/exporter/retry.h"
#include "qtrace/sdk/common/file.h"
#include "qtrace/version.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/common/endpoint.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

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

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(const GrpcChannelOptions& options) {
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
  return grpc::SslCredentials(tls);
}

}  // namespace

bool GrpcUsesTls(const ParsedEndpoint& endpoint, bool insecure) {
  if (endpoint.scheme == "https") return true;
  if (endpoint.scheme == "http") return false;
  return !insecure;
}

absl::StatusOr<GrpcChannel> MakeGrpcChannel(const GrpcChannelOptions& options) {
  static std::once_flag log_routed;
  std::call_once(log_routed, [] {
    gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
    gpr_set_log_function(&ForwardGrpcLog);
  });
  absl::StatusOr<ParsedEndpoint> endpoint = ParseGrpcEndpoint(options.endpoint);
  if (!endpoint.ok()) return endpoint.status();
  GrpcChannel out;
  out.uses_tls = GrpcUsesTls(*endpoint, options.insecure);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (out.uses_tls) {
    auto tls = TlsCredentials(options);
    if (!tls.ok()) return tls.status();
    credentials = *std::move(tls);
  }
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix("qtrace-OTLP-Exporter-Cpp/" QTRACE_VERSION);
  args.SetMaxSendMessageSize(64 * 1024 * 1024 + 1024);
  // While the server is down the channel reconnects on gRPC's own back-off,
  // which grows to two minutes; a call made meanwhile fails at once without
  // trying. Capping it at our first retry delay leaves our own retry policy
  // (or polling interval) alone to decide when calls resume after an outage.
  const int reconnect_ms = static_cast<int>(absl::ToInt64Milliseconds(RetryPolicy{}.initial_backoff));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, reconnect_ms);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, reconnect_ms);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, reconnect_ms);
  const std::string host =
      endpoint->host.find(':') != std::string::npos ? StrCat("[", endpoint->host, "]") : endpoint->host;
  out.channel = grpc::CreateCustomChannel(StrCat(host, ":", static_cast<int>(endpoint->port)), credentials, args);
  return out;
}

GrpcUnaryCaller::GrpcUnaryCaller(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)), stub_(channel_) {}

void GrpcUnaryCaller::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (in_flight_ != nullptr) in_flight_->TryCancel();
}

GrpcUnaryCaller::Result GrpcUnaryCaller::Call(std::string_view method, std::string_view request, absl::Time deadline,
                                              const std::function<void(grpc::ClientContext&)>& prepare) {
  grpc::ClientContext context;
  if (deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(deadline));
  if (prepare) prepare(context);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return {grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"), ""};
    in_flight_ = &context;
  }

  grpc::Slice slice(request.data(), request.size());
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response;
  grpc::CompletionQueue cq;
  auto call = stub_.PrepareUnaryCall(&context, std::string(method), request_buffer, &cq);
  call->StartCall();
  Result result;
  call->Finish(&response, &result.status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ = nullptr;
  }
  if (result.status.ok()) result.response = ByteBufferToString(response);
  return result;
}

}  // namespace qtrace
