// What a request says about the server it reached and the query it carries,
// by the HTTP semantic conventions' rules. Used by the tracing middleware;
// separate so that each rule can be tested on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api_server/http/http_request.h"

namespace qtrace::middleware {

struct ServerAuthority {
  std::string_view address;  // host without brackets or port
  std::uint16_t port = 0;    // from the header, else the scheme's default
};

// server.address / server.port from the first of Forwarded (host=),
// X-Forwarded-Host, Host; nullopt when none names a host (the caller then
// uses the socket's port alone). Views point into the request's headers.
std::optional<ServerAuthority> ServerAuthorityOf(const http::HttpRequest& request);

// url.query with the values of the keys the conventions name as sensitive
// (AWSAccessKeyId, Signature, sig, X-Goog-Signature) replaced by REDACTED.
std::string RedactedQuery(std::string_view query);
// False when no sensitive key can be in query: the query is then used as it
// is, without a copy.
bool QueryMayNeedRedaction(std::string_view query);

}  // namespace qtrace::middleware
