// GrpcReceiver: the OTLP TraceService/Export RPC on a grpc++ server.
// Injected failures answer UNAVAILABLE; throttling answers RESOURCE_EXHAUSTED
// with a google.rpc.RetryInfo detail carrying the retry delay.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "tools/otlp-sink/receiver.h"

namespace qtrace::sink {

struct GrpcTls {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // set: clients must present a certificate (mTLS)
};

class GrpcReceiver {
 public:
  // Listens on address ("127.0.0.1:0" picks a port). tls null: plaintext.
  static absl::StatusOr<std::unique_ptr<GrpcReceiver>> Start(const std::string& address, const GrpcTls* tls,
                                                             Receiver& receiver);
  ~GrpcReceiver();

  int port() const { return port_; }
  void Shutdown(absl::Duration deadline);

 private:
  class Service;
  class ExportCall;
  static constexpr int kThreads = 4;
  GrpcReceiver() = default;

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::thread> threads_;
  int port_ = 0;
};

}  // namespace qtrace::sink
