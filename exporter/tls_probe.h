// TlsClientCertificateProbe: tells whether a TLS server asks for a client
// certificate. gRPC reports a collector that requires mutual TLS, reached
// without a client certificate, only as "Socket closed" (the server's alert
// comes after the handshake, on a connection gRPC no longer reads), which
// looks like a network blip and would be retried for the whole export
// timeout. One handshake of our own, made with OpenSSL on the exporter
// thread after such a failure, tells the two apart: the server's
// CertificateRequest reaches OpenSSL's client-certificate callback.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qtrace {

// True when the server at host:port requests a client certificate during
// the handshake; an error when no handshake could be made (refused,
// timed out, not TLS). The server's certificate is not verified: the probe
// sends nothing but the handshake.
absl::StatusOr<bool> ServerRequestsClientCertificate(const std::string& host, std::uint16_t port,
                                                     absl::Duration timeout);

// What a sender keeps of the probe: the first answer a handshake gave, and
// no more than one probe per 10 s until then (a collector that is down
// refuses it quickly). One thread at a time (the exporter thread).
class ClientCertificateDiagnosis {
 public:
  // True when the server at host:port demands a client certificate.
  bool Required(const std::string& host, std::uint16_t port);
  // The message for the failed export.
  static std::string Message(std::string_view endpoint);

 private:
  std::optional<bool> answer_;
  absl::Time last_probe_ = absl::InfinitePast();
};

}  // namespace qtrace
