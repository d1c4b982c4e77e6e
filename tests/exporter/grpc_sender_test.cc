// GrpcSender against loopback: what a dead collector looks like to the retry
// loop, and how soon sending works again once the collector is back.
#include "qtrace/exporter/grpc_sender.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/dead_port.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace qtrace {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;

using testutil::DeadPort;

class AcceptingCollector final : public collector::TraceService::Service {
  grpc::Status Export(grpc::ServerContext*, const collector::ExportTraceServiceRequest*,
                      collector::ExportTraceServiceResponse*) override {
    return grpc::Status::OK;
  }
};

std::unique_ptr<GrpcSender> SenderTo(const std::string& endpoint) {
  GrpcSenderOptions options;
  options.endpoint = endpoint;
  options.timeout = absl::Seconds(2);
  auto sender = GrpcSender::Create(options);
  EXPECT_TRUE(sender.ok()) << sender.status();
  return std::move(*sender);
}

SendOutcome SendEmpty(GrpcSender& sender) { return sender.Send("", absl::Now() + absl::Seconds(2)); }

constexpr char kEndpoint[] = "http://127.0.0.1:4317";

SendOutcome::Kind KindOf(grpc::StatusCode code, const std::string& message, bool uses_tls) {
  return GrpcFailureOutcome(grpc::Status(code, message), uses_tls, kEndpoint).kind;
}

TEST(GrpcFailureOutcomeTest, TcpFailuresAreRetryableWithOrWithoutTls) {
  // Messages gRPC gives when the collector is down or restarting.
  for (const char* message : {"failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:4317: "
                              "Failed to connect to remote host: Connection refused",
                              "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:4317: "
                              "tcp handshaker shutdown",
                              "Socket closed"}) {
    EXPECT_EQ(KindOf(grpc::StatusCode::UNAVAILABLE, message, false), SendOutcome::Kind::kRetryable) << message;
    EXPECT_EQ(KindOf(grpc::StatusCode::UNAVAILABLE, message, true), SendOutcome::Kind::kRetryable) << message;
  }
}

TEST(GrpcFailureOutcomeTest, TlsHandshakeFailureIsPermanentAndNamesTheEndpoint) {
  const grpc::Status status(grpc::StatusCode::UNAVAILABLE,
                            "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:4317: Ssl "
                            "handshake failed: SSL_ERROR_SSL: error:1000007d:SSL routines:CERTIFICATE_VERIFY_FAILED");
  const SendOutcome outcome = GrpcFailureOutcome(status, /*uses_tls=*/true, kEndpoint);
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kPermanent);
  EXPECT_NE(outcome.reason.find(kEndpoint), std::string::npos) << outcome.reason;
  EXPECT_NE(outcome.reason.find("TLS handshake"), std::string::npos) << outcome.reason;
}

TEST(GrpcFailureOutcomeTest, FollowsTheSpecificationsRetryableCodes) {
  using grpc::StatusCode;
  for (StatusCode code : {StatusCode::CANCELLED, StatusCode::DEADLINE_EXCEEDED, StatusCode::ABORTED,
                          StatusCode::OUT_OF_RANGE, StatusCode::UNAVAILABLE, StatusCode::DATA_LOSS}) {
    EXPECT_EQ(KindOf(code, "x", false), SendOutcome::Kind::kRetryable) << code;
  }
  for (StatusCode code : {StatusCode::UNKNOWN, StatusCode::INVALID_ARGUMENT, StatusCode::NOT_FOUND,
                          StatusCode::ALREADY_EXISTS, StatusCode::PERMISSION_DENIED, StatusCode::FAILED_PRECONDITION,
                          StatusCode::UNIMPLEMENTED, StatusCode::INTERNAL, StatusCode::UNAUTHENTICATED,
                          StatusCode::RESOURCE_EXHAUSTED /* without RetryInfo */}) {
    EXPECT_EQ(KindOf(code, "x", false), SendOutcome::Kind::kPermanent) << code;
  }
}

// Review item 5: the specification's table. https:// is TLS even with
// INSECURE=true (else the authorization header would travel in clear);
// "host:port" without a scheme is accepted and INSECURE decides.
TEST(GrpcSenderTest, TransportSecurityFollowsSchemeThenInsecure) {
  struct Case {
    const char* endpoint;
    bool insecure;
    bool tls;
  };
  for (const Case& c : {Case{"https://127.0.0.1:4317", false, true}, Case{"https://127.0.0.1:4317", true, true},
                        Case{"http://127.0.0.1:4317", false, false}, Case{"http://127.0.0.1:4317", true, false},
                        Case{"collector:4317", false, true}, Case{"collector:4317", true, false},
                        Case{"127.0.0.1", true, false}}) {
    GrpcSenderOptions options;
    options.endpoint = c.endpoint;
    options.insecure = c.insecure;
    auto sender = GrpcSender::Create(options);
    ASSERT_TRUE(sender.ok()) << c.endpoint << ": " << sender.status();
    EXPECT_EQ((*sender)->uses_tls(), c.tls) << c.endpoint << " insecure=" << c.insecure;
  }
}

TEST(GrpcSenderTest, RefusedConnectionIsRetryable) {
  auto sender = SenderTo("http://127.0.0.1:" + std::to_string(DeadPort()));
  // The first attempt connects and is refused; later ones meet the channel in
  // its failure state. Both are transient per the OTLP specification.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const SendOutcome outcome = SendEmpty(*sender);
    EXPECT_EQ(outcome.kind, SendOutcome::Kind::kRetryable) << "attempt " << attempt << ": " << outcome.reason;
  }
}

TEST(GrpcSenderTest, RefusedTlsConnectionIsRetryableNotATlsFailure) {
  auto sender = SenderTo("https://127.0.0.1:" + std::to_string(DeadPort()));
  const SendOutcome outcome = SendEmpty(*sender);
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kRetryable) << outcome.reason;
}

TEST(GrpcSenderTest, SendsSoonAfterTheCollectorComesBack) {
  const int port = DeadPort();
  auto sender = SenderTo("http://127.0.0.1:" + std::to_string(port));
  // Three seconds of failed attempts first, so that the channel has been in
  // its failure state (and its reconnect back-off) for a while.
  const absl::Time dead_until = absl::Now() + absl::Seconds(3);
  while (absl::Now() < dead_until) {
    EXPECT_NE(SendEmpty(*sender).kind, SendOutcome::Kind::kOk);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  AcceptingCollector service;
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_EQ(bound_port, port);
  const absl::Time back = absl::Now();
  SendOutcome outcome = SendEmpty(*sender);
  while (outcome.kind != SendOutcome::Kind::kOk && absl::Now() - back < absl::Seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    outcome = SendEmpty(*sender);
  }
  const absl::Duration waited = absl::Now() - back;
  EXPECT_EQ(outcome.kind, SendOutcome::Kind::kOk) << outcome.reason;
  // One capped reconnect (1 s, gRPC adds up to 20 % jitter) and the send.
  EXPECT_LT(waited, absl::Milliseconds(1800)) << "waited " << waited;
  server->Shutdown();
}

}  // namespace
}  // namespace qtrace
