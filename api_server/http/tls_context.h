// TlsServerContext: the OpenSSL server configuration of an HTTPS listener:
// certificate chain, private key, and optionally a CA that client
// certificates must chain to (mTLS). TLS 1.2 is the minimum.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace qtrace::http {

class TlsServerContext {
 public:
  // Loads PEM files. With client_ca_file set, a client must present a
  // certificate signed by it or the handshake fails.
  static absl::StatusOr<std::shared_ptr<const TlsServerContext>> Create(const std::string& cert_file,
                                                                        const std::string& key_file,
                                                                        const std::string& client_ca_file = "");

  SSL_CTX* ctx() const { return ctx_.get(); }

 private:
  struct Free {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
  };
  explicit TlsServerContext(SSL_CTX* ctx) : ctx_(ctx) {}
  std::unique_ptr<SSL_CTX, Free> ctx_;
};

// The last OpenSSL error as text (for error messages), and clears the queue.
std::string OpenSslErrorText();

}  // namespace qtrace::http
