#include "api_server/middleware/request_attributes.h"

#include "qtrace/sdk/common/strings.h"

namespace qtrace::middleware {
namespace {

// "host[:port]" or "[v6]:port" into its parts; the port defaults to the
// scheme's. nullopt for an empty host or a port that is not a number.
std::optional<ServerAuthority> ParseAuthority(std::string_view text, bool tls) {
  text = Trim(text);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  ServerAuthority out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.address = text.substr(1, close - 1);
    if (close + 1 < text.size() && text[close + 1] == ':') port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.find(':');
    out.address = text.substr(0, colon);
    if (colon != std::string_view::npos) port = text.substr(colon + 1);
  }
  if (out.address.empty()) return std::nullopt;
  out.port = tls ? 443 : 80;
  if (!port.empty()) {
    std::int64_t value = 0;
    if (!ParseInt64(port, &value) || value < 1 || value > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

// The host= of the first element of a Forwarded header (RFC 7239).
std::optional<std::string_view> ForwardedHost(std::string_view forwarded) {
  const std::string_view first = forwarded.substr(0, forwarded.find(','));
  for (std::string_view pair : Split(first, ';')) {
    pair = Trim(pair);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && ToLower(Trim(pair.substr(0, eq))) == "host") return pair.substr(eq + 1);
  }
  return std::nullopt;
}

// The query keys whose values the conventions ask to redact; the one list
// both the fast check and the redaction read.
constexpr std::string_view kSensitiveQueryKeys[] = {"AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"};

bool IsSensitiveQueryKey(std::string_view key) {
  for (std::string_view k : kSensitiveQueryKeys) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace

std::optional<ServerAuthority> ServerAuthorityOf(const http::HttpRequest& request) {
  if (auto forwarded = request.Header("forwarded")) {
    if (auto host = ForwardedHost(*forwarded)) {
      if (auto parsed = ParseAuthority(*host, request.tls)) return parsed;
    }
  }
  if (auto forwarded_host = request.Header("x-forwarded-host")) {
    if (auto parsed = ParseAuthority(forwarded_host->substr(0, forwarded_host->find(',')), request.tls)) return parsed;
  }
  if (auto host = request.Header("host")) return ParseAuthority(*host, request.tls);
  return std::nullopt;
}

bool QueryMayNeedRedaction(std::string_view query) {
  for (std::string_view k : kSensitiveQueryKeys) {
    if (query.find(k) != std::string_view::npos) return true;
  }
  return false;
}

std::string RedactedQuery(std::string_view query) { return RedactQueryValues(query, IsSensitiveQueryKey); }

}  // namespace qtrace::middleware
