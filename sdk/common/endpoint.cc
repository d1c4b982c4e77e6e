#include "qtrace/sdk/common/endpoint.h"

#include <cctype>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

absl::Status Bad(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("malformed endpoint '", url, "': ", why));
}

// Parses what follows the scheme ("" when there is none).
absl::StatusOr<ParsedEndpoint> ParseAfterScheme(std::string_view url, std::string_view scheme, std::string_view rest) {
  ParsedEndpoint out;
  out.scheme = std::string(scheme);
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.path.find_first_of("?# ") != std::string::npos) return Bad(url, "query, fragment or space in path");
  if (authority.find('@') != std::string_view::npos) return Bad(url, "credentials belong in headers, not the URL");

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(url, "unclosed '[' in host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Bad(url, "junk after ']'");
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Bad(url, "no host");
  for (char c : out.host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == ':';
    if (!ok) return Bad(url, "bad character in host");
  }
  if (port_text.empty()) {
    out.port = out.scheme.empty() ? 4317 : out.scheme == "https" ? 443 : 80;
  } else {
    std::int64_t port = 0;
    if (!ParseInt64(port_text, &port) || port == 0 || port > 65535) return Bad(url, "port must be 1-65535");
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

}  // namespace

absl::StatusOr<ParsedEndpoint> ParseEndpoint(std::string_view url) {
  if (StartsWith(url, "http://")) return ParseAfterScheme(url, "http", url.substr(7));
  if (StartsWith(url, "https://")) return ParseAfterScheme(url, "https", url.substr(8));
  return Bad(url, "expected http:// or https://");
}

absl::StatusOr<ParsedEndpoint> ParseGrpcEndpoint(std::string_view endpoint) {
  if (endpoint.find("://") != std::string_view::npos) return ParseEndpoint(endpoint);
  absl::StatusOr<ParsedEndpoint> parsed = ParseAfterScheme(endpoint, "", endpoint);
  if (parsed.ok() && parsed->path != "/") return Bad(endpoint, "a path needs a scheme (http:// or https://)");
  return parsed;
}

}  // namespace qtrace
