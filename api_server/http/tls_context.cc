#include "api_server/http/tls_context.h"

#include <openssl/err.h>

#include "qtrace/sdk/common/strings.h"

namespace qtrace::http {

std::string OpenSslErrorText() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!text.empty()) text.append("; ");
    text.append(buf);
  }
  return text.empty() ? "unknown TLS error" : text;
}

absl::StatusOr<std::shared_ptr<const TlsServerContext>> TlsServerContext::Create(const std::string& cert_file,
                                                                                 const std::string& key_file,
                                                                                 const std::string& client_ca_file) {
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return absl::InternalError(StrCat("SSL_CTX_new: ", OpenSslErrorText()));
  std::shared_ptr<TlsServerContext> context(new TlsServerContext(raw));
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(raw, cert_file.c_str()) != 1) {
    return absl::InvalidArgumentError(StrCat("TLS certificate '", cert_file, "': ", OpenSslErrorText()));
  }
  if (SSL_CTX_use_PrivateKey_file(raw, key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(raw) != 1) {
    return absl::InvalidArgumentError(StrCat("TLS key '", key_file, "': ", OpenSslErrorText()));
  }
  if (!client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(raw, client_ca_file.c_str(), nullptr) != 1) {
      return absl::InvalidArgumentError(StrCat("client CA '", client_ca_file, "': ", OpenSslErrorText()));
    }
    SSL_CTX_set_verify(raw, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return std::shared_ptr<const TlsServerContext>(std::move(context));
}

}  // namespace qtrace::http
