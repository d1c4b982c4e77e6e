#include "qtrace/exporter/tls_probe.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>

#include <openssl/ssl.h>

#include "absl/time/clock.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/common/unique_fd.h"

namespace qtrace {
namespace {

// The callback OpenSSL calls when the server sends a CertificateRequest.
int NoteCertificateRequest(SSL* ssl, X509**, EVP_PKEY**) {
  *static_cast<bool*>(SSL_get_app_data(ssl)) = true;
  return 0;  // no certificate to offer
}

absl::StatusOr<UniqueFd> Connect(const std::string& host, std::uint16_t port, absl::Duration timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) {
    return absl::UnavailableError(StrCat("cannot resolve ", host));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(absl::ToInt64Seconds(timeout));
  tv.tv_usec = static_cast<suseconds_t>(absl::ToInt64Microseconds(timeout) % 1'000'000);
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    UniqueFd fd(socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd.valid()) continue;
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) return fd;
  }
  return absl::UnavailableError(StrCat("cannot connect to ", host, ":", static_cast<int>(port)));
}

}  // namespace

absl::StatusOr<bool> ServerRequestsClientCertificate(const std::string& host, std::uint16_t port,
                                                     absl::Duration timeout) {
  absl::StatusOr<UniqueFd> socket_fd = Connect(host, port, timeout);
  if (!socket_fd.ok()) return socket_fd.status();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return absl::InternalError("SSL_CTX_new failed");
  SSL_CTX_set_client_cert_cb(ctx.get(), &NoteCertificateRequest);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
  if (!ssl) return absl::InternalError("SSL_new failed");
  bool requested = false;
  SSL_set_app_data(ssl.get(), &requested);
  SSL_set_tlsext_host_name(ssl.get(), host.c_str());
  static const unsigned char kAlpn[] = {2, 'h', '2'};  // what a gRPC server expects
  SSL_set_alpn_protos(ssl.get(), kAlpn, sizeof kAlpn);
  SSL_set_fd(ssl.get(), socket_fd->get());
  const int rc = SSL_connect(ssl.get());
  if (requested) return true;
  if (rc != 1) return absl::UnavailableError(StrCat("no TLS handshake with ", host, ":", static_cast<int>(port)));
  SSL_shutdown(ssl.get());
  return false;
}

bool ClientCertificateDiagnosis::Required(const std::string& host, std::uint16_t port) {
  if (answer_) return *answer_;
  const absl::Time now = absl::Now();
  if (now - last_probe_ < absl::Seconds(10)) return false;
  last_probe_ = now;
  absl::StatusOr<bool> requested = ServerRequestsClientCertificate(host, port, absl::Seconds(2));
  if (!requested.ok()) return false;
  answer_ = *requested;
  return *requested;
}

std::string ClientCertificateDiagnosis::Message(std::string_view endpoint) {
  return StrCat("the collector at ", endpoint,
                " requires a client certificate (mutual TLS) and none is configured: set "
                "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY");
}

}  // namespace qtrace
